//! What every board task, connection and the registry share: the limits
//! ([`HubConfig`]), the registry of live boards, the store and its group-commit writer,
//! the bus, the metrics and the shutdown signal.

use crate::bus::Bus;
use crate::metrics::Metrics;
use crate::vocab::Cmd;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tavolo_store::writer::LogWriter;
use tavolo_store::Store;
use tavolo_sync::BoardId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Limits and timings. The defaults suit a production server; tests shorten them.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// Largest message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// Messages (frames) one connection may send per second, sustained; twice as many
    /// may come in a burst. Past that the connection is closed (1008).
    pub max_messages_per_sec: u32,
    /// Bytes one connection may send per second, sustained; a burst may reach two
    /// seconds' worth or one largest message, whichever is more. Past that: 1008.
    pub max_bytes_per_sec: usize,
    /// Frames queued to one connection before it counts as too slow and is closed.
    pub outgoing_queue: usize,
    /// Messages queued to one board before senders wait (backpressure on readers).
    pub board_inbox: usize,
    /// Most commands one board handles in one batch (one commit).
    pub max_batch: usize,
    /// Most rows in one group-commit transaction.
    pub writer_max_rows: usize,
    /// How long a board stays loaded after its last connection leaves.
    pub idle_unload: Duration,
    /// Log rows after which a board's log is folded into a snapshot.
    pub compact_after: u64,
    /// Stored boards at least this big (snapshot and log, in bytes) are rebuilt on a
    /// blocking thread while the board answers fresh clients from the stored snapshot;
    /// smaller ones are rebuilt in place (quicker than a thread hand-off).
    pub build_aside_bytes: usize,
    /// How often a connection is pinged (at least three times per `pong_timeout`).
    pub ping_interval: Duration,
    /// A connection from which nothing (not even a pong) arrives for this long is closed.
    pub pong_timeout: Duration,
    /// A connection that has been sent nothing for this long gets a keep-alive message
    /// (the y-websocket client drops a socket that is silent for 30 s).
    pub keepalive: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            max_message_bytes: 4 * 1024 * 1024,
            max_messages_per_sec: 500,
            max_bytes_per_sec: 4 * 1024 * 1024,
            outgoing_queue: 1024,
            board_inbox: 1024,
            max_batch: 512,
            writer_max_rows: 4096,
            idle_unload: Duration::from_secs(30),
            compact_after: 1000,
            build_aside_bytes: 256 * 1024,
            ping_interval: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(45),
            keepalive: Duration::from_secs(15),
        }
    }
}

pub(crate) struct Entry {
    pub tx: mpsc::Sender<Cmd>,
    /// Connections attached or attaching. Changed under the registry lock when it
    /// grows, so a board that sees zero under the lock knows nobody is on the way.
    pub attached: Arc<AtomicUsize>,
    pub generation: u64,
}

pub(crate) struct Shared {
    pub boards: Mutex<HashMap<BoardId, Entry>>,
    /// The cross-node bus, when several nodes share the database.
    pub bus: Option<Bus>,
    /// Session control events from other nodes, for the HTTP layer's channels.
    pub remote_sessions: tokio::sync::broadcast::Sender<(String, String)>,
    pub store: Store,
    pub writer: LogWriter,
    pub config: HubConfig,
    pub metrics: Arc<Metrics>,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    pub next_conn: AtomicU64,
    pub(crate) next_generation: AtomicU64,
}

impl Shared {
    /// Removes the board from the registry if it is still `generation` and nobody is
    /// attached. Returns whether it was removed.
    pub fn remove_if_idle(&self, id: &BoardId, generation: u64, force: bool) -> bool {
        let mut boards = self.boards.lock().unwrap_or_else(|e| e.into_inner());
        match boards.get(id) {
            Some(e) if e.generation == generation => {
                if force || e.attached.load(Ordering::SeqCst) == 0 {
                    boards.remove(id);
                    true
                } else {
                    false
                }
            }
            // Someone else's generation, or gone already: nothing of ours to remove.
            _ => true,
        }
    }
}
