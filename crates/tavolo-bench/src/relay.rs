//! `tavolo-bench relay`: the floor of the fan-out scenario on this machine.
//!
//! A relay forwards every update a client sends, as one y-websocket update message, to
//! every client of its room (the sender too, as the y-websocket servers do) and does
//! nothing else: no document, no storage, no checks on what it forwards. It answers a
//! sync step 1 with an empty sync step 2, so it is only right for rooms that every client
//! joins before the first update: the fan-out scenario. It is not a server anyone should
//! run; it is the cost, on this host and with this load generator, of moving bytes from one
//! socket to 49 others with tokio and tungstenite — what is left of a latency once a server
//! does no work of its own. The harness measures it next to the real servers so that the
//! fan-out ratios can be read against it.
//!
//! Bounded like the rest of this binary: loopback addresses only, a cap on connections,
//! and it exits after `--max-seconds`.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tavolo_sync::wire::{self, Message};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Connections the relay holds at once at most.
pub const MAX_CONNECTIONS: usize = 20_000;

/// Frames a connection's writer sends with one flush at most.
const WRITE_BATCH: usize = 64;

type Room = HashMap<u64, mpsc::UnboundedSender<Bytes>>;

#[derive(Default)]
struct Rooms {
    rooms: Mutex<HashMap<String, Room>>,
    open: std::sync::atomic::AtomicUsize,
}

impl Rooms {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn broadcast(&self, room: &str, frame: Bytes) {
        if let Some(peers) = self.lock().get(room) {
            for tx in peers.values() {
                let _ = tx.send(frame.clone());
            }
        }
    }
}

/// Binds the relay's listener. Refuses a non-loopback address.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "the relay listens on a loopback address only"
    );
    Ok(TcpListener::bind(addr).await?)
}

/// Serves until `max` has passed.
pub async fn serve(listener: TcpListener, max: Duration) {
    let rooms = Arc::new(Rooms::default());
    let accept = async {
        let mut next = 0u64;
        loop {
            let (tcp, _) = match listener.accept().await {
                Ok(a) => a,
                Err(e) => {
                    // out of descriptors and the like: wait a little, keep serving
                    eprintln!("relay: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            if rooms.open.load(std::sync::atomic::Ordering::Relaxed) >= MAX_CONNECTIONS {
                continue; // dropped: the client sees the connection close
            }
            next += 1;
            tokio::spawn(connection(rooms.clone(), tcp, next));
        }
    };
    tokio::select! {
        _ = accept => {}
        _ = tokio::time::sleep(max) => {}
    }
}

async fn connection(rooms: Arc<Rooms>, tcp: TcpStream, id: u64) {
    let _ = tcp.set_nodelay(true);
    let mut path = String::new();
    // The callback's error type is tungstenite's own (an HTTP response), large or not.
    #[allow(clippy::result_large_err)]
    let handshake = tokio_tungstenite::accept_hdr_async(tcp, |req: &Request, resp: Response| {
        path = req.uri().path().to_owned();
        Ok(resp)
    });
    let Ok(ws) = handshake.await else { return };
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Bytes>();
    rooms
        .open
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    rooms
        .lock()
        .entry(path.clone())
        .or_default()
        .insert(id, tx.clone());

    let writer = tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut n = 1;
            let mut ok = sink.feed(WsMessage::Binary(first)).await.is_ok();
            while ok && n < WRITE_BATCH {
                match rx.try_recv() {
                    Ok(more) => ok = sink.feed(WsMessage::Binary(more)).await.is_ok(),
                    Err(_) => break,
                }
                n += 1;
            }
            if !ok || sink.flush().await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });

    while let Some(Ok(msg)) = stream.next().await {
        let data = match msg {
            WsMessage::Binary(d) => d,
            WsMessage::Close(_) => break,
            _ => continue,
        };
        let Ok(msgs) = wire::decode_frame(&data) else {
            break; // not y-websocket: this connection ends, the room goes on
        };
        for m in msgs {
            match m {
                Message::SyncStep1(_) => {
                    let empty = yrs::Update::EMPTY_V1;
                    let _ = tx.send(Bytes::from(wire::encode_sync_step2(empty)));
                }
                Message::SyncStep2(u) | Message::Update(u) if u != yrs::Update::EMPTY_V1 => {
                    rooms.broadcast(&path, Bytes::from(wire::encode_update(u)));
                }
                Message::Awareness(a) => {
                    rooms.broadcast(&path, Bytes::from(wire::encode_awareness(a)));
                }
                _ => {}
            }
        }
    }

    {
        let mut all = rooms.lock();
        if let Some(room) = all.get_mut(&path) {
            room.remove(&id);
            if room.is_empty() {
                all.remove(&path);
            }
        }
    }
    rooms
        .open
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    drop(tx);
    let _ = writer.await;
}
