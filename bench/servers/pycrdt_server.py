"""pycrdt-websocket (Jupyter's Yjs server) on hypercorn, for the benchmark harness.

Rooms are the URL path (`ws://127.0.0.1:PORT/{room}`), kept in memory for the life of the
process (auto_clean_rooms=False, so a board outlives its last client as it does on the
reference server without persistence). Usage: pycrdt_server.py PORT
"""

import asyncio
import logging
import signal
import sys

import anyio
from hypercorn.asyncio import serve
from hypercorn.config import Config
from pycrdt.websocket import ASGIServer, WebsocketServer


class Server(WebsocketServer):
    """WebsocketServer with room start-up serialised.

    In pycrdt-websocket 0.16.5, two clients that join a room that has not started yet both
    call `YRoom.start`; the second waits on the room's start lock, which the first holds for
    the room's whole life, so the second client is never served. Starting each room under
    a lock of our own (and only once) avoids that.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._room_start_locks: dict[int, anyio.Lock] = {}

    async def start_room(self, room) -> None:
        lock = self._room_start_locks.setdefault(id(room), anyio.Lock())
        async with lock:
            if not room.started.is_set():
                await super().start_room(room)


async def main(port: int) -> None:
    logging.basicConfig(level=logging.DEBUG if "-v" in sys.argv else logging.WARNING)
    websocket_server = Server(auto_clean_rooms=False)
    app = ASGIServer(websocket_server)
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = "-"
    config.loglevel = "WARNING"
    # allow the benchmark's large sync messages and many connections
    config.websocket_max_message_size = 64 * 1024 * 1024
    config.backlog = 4096
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with websocket_server:
        print(f"pycrdt-websocket listening on 127.0.0.1:{port}", flush=True)
        await serve(app, config, shutdown_trigger=stop.wait)


if __name__ == "__main__":
    try:
        asyncio.run(main(int(sys.argv[1])))
    except asyncio.CancelledError:
        # pycrdt-websocket's task group ends by cancellation when the server stops
        pass
