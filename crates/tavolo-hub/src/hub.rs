//! The registry of live boards.

use crate::board::{self, Cmd};
use crate::conn::CloseReason;
use crate::metrics::Metrics;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tavolo_store::writer::LogWriter;
use tavolo_store::Store;
use tavolo_sync::BoardId;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Limits and timings. The defaults suit a production server; tests shorten them.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// Largest message a client may send, in bytes.
    pub max_message_bytes: usize,
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
            outgoing_queue: 1024,
            board_inbox: 1024,
            max_batch: 512,
            writer_max_rows: 4096,
            idle_unload: Duration::from_secs(30),
            compact_after: 1000,
            ping_interval: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(45),
            keepalive: Duration::from_secs(15),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("the board is not available (it could not be loaded or was reset)")]
    Unavailable,
    #[error("the change could not be saved: {0}")]
    ChangeFailed(String),
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
    pub store: Store,
    pub writer: LogWriter,
    pub config: HubConfig,
    pub metrics: Arc<Metrics>,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    pub next_conn: AtomicU64,
    next_generation: AtomicU64,
}

/// The registry of live boards; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    pub(crate) shared: Arc<Shared>,
}

/// A connection's hold on a live board. Dropping it lets the board unload once idle.
pub struct BoardHandle {
    pub(crate) tx: mpsc::Sender<Cmd>,
    attached: Arc<AtomicUsize>,
}

impl Drop for BoardHandle {
    fn drop(&mut self) {
        self.attached.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hub {
    /// A hub over `store`, with its group-commit writer.
    pub fn new(store: Store, config: HubConfig, metrics: Arc<Metrics>) -> Hub {
        let (writer, _task) = LogWriter::spawn(store.clone(), config.writer_max_rows);
        Hub {
            shared: Arc::new(Shared {
                boards: Mutex::new(HashMap::new()),
                store,
                writer,
                config,
                metrics,
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
                next_conn: AtomicU64::new(1),
                next_generation: AtomicU64::new(1),
            }),
        }
    }

    pub fn config(&self) -> &HubConfig {
        &self.shared.config
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shared.shutdown.is_cancelled()
    }

    /// Tracks a task (a connection) so that [`Hub::shutdown`] waits for it.
    pub fn track<F>(&self, fut: F) -> impl std::future::Future<Output = F::Output>
    where
        F: std::future::Future,
    {
        self.shared.tasks.track_future(fut)
    }

    /// Attaches to a board, loading it if it is not live.
    pub fn attach(&self, id: &BoardId) -> Result<BoardHandle, AttachError> {
        let mut boards = self.shared.boards.lock().unwrap_or_else(|e| e.into_inner());
        if self.shared.shutdown.is_cancelled() {
            return Err(AttachError::ShuttingDown);
        }
        let entry = boards.entry(id.clone()).or_insert_with(|| {
            let (tx, rx) = mpsc::channel(self.shared.config.board_inbox);
            let generation = self.shared.next_generation.fetch_add(1, Ordering::Relaxed);
            let task = board::run(self.shared.clone(), id.clone(), generation, rx);
            self.shared.tasks.spawn(task);
            Entry {
                tx,
                attached: Arc::new(AtomicUsize::new(0)),
                generation,
            }
        });
        entry.attached.fetch_add(1, Ordering::SeqCst);
        Ok(BoardHandle {
            tx: entry.tx.clone(),
            attached: entry.attached.clone(),
        })
    }

    /// The board's inbox if it is live (without loading it).
    fn live(&self, id: &BoardId) -> Option<mpsc::Sender<Cmd>> {
        let boards = self.shared.boards.lock().unwrap_or_else(|e| e.into_inner());
        boards.get(id).map(|e| e.tx.clone())
    }

    /// Tells a live board it was locked or unlocked (a board that is not live reads the
    /// lock from the database when its next connection arrives).
    pub async fn set_locked(&self, id: &BoardId, locked: bool) {
        if let Some(tx) = self.live(id) {
            let _ = tx.send(Cmd::SetLocked(locked)).await;
        }
    }

    /// Closes connections to a live board: those of `principals`, or every lockable
    /// (participant) connection when `None`.
    pub async fn kick(&self, id: &BoardId, principals: Option<Vec<String>>, reason: CloseReason) {
        if let Some(tx) = self.live(id) {
            let _ = tx.send(Cmd::Kick { principals, reason }).await;
        }
    }

    /// Makes a server-side change to a board (loading it if needed), committed and
    /// broadcast like any client's update. Returns once committed.
    pub async fn change<F>(&self, id: &BoardId, change: F) -> Result<(), AttachError>
    where
        F: FnOnce(&mut yrs::TransactionMut) + Send + 'static,
    {
        let handle = self.attach(id)?;
        let (done, wait) = oneshot::channel();
        handle
            .tx
            .send(Cmd::Change {
                change: Box::new(change),
                done,
            })
            .await
            .map_err(|_| AttachError::Unavailable)?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(AttachError::ChangeFailed(reason.reason)),
            Err(_) => Err(AttachError::Unavailable),
        }
    }

    /// Reads a board's committed document (loading it if needed).
    pub async fn read<R, F>(&self, id: &BoardId, read: F) -> Result<R, AttachError>
    where
        R: Send + 'static,
        F: FnOnce(&yrs::Doc) -> R + Send + 'static,
    {
        let handle = self.attach(id)?;
        let (tx, rx) = oneshot::channel();
        let f: board::DocRead = Box::new(move |doc| {
            let _ = tx.send(read(doc));
        });
        handle
            .tx
            .send(Cmd::Read(f))
            .await
            .map_err(|_| AttachError::Unavailable)?;
        rx.await.map_err(|_| AttachError::Unavailable)
    }

    /// A board's committed state: its last log sequence number and the whole document
    /// in Yjs v2 encoding (loading it if needed).
    pub async fn snapshot(&self, id: &BoardId) -> Result<(i64, Vec<u8>), AttachError> {
        let handle = self.attach(id)?;
        let (tx, rx) = oneshot::channel();
        handle
            .tx
            .send(Cmd::Snapshot(tx))
            .await
            .map_err(|_| AttachError::Unavailable)?;
        rx.await.map_err(|_| AttachError::Unavailable)
    }

    /// How many boards are live now.
    pub fn live_boards(&self) -> usize {
        self.shared.boards.lock().map(|b| b.len()).unwrap_or(0)
    }

    /// Stops every board and connection: pending batches are committed, peers are
    /// closed with 1001, boards compact. Returns when every tracked task has ended or
    /// `timeout` has passed.
    pub async fn shutdown(&self, timeout: Duration) {
        self.shared.shutdown.cancel();
        self.shared.tasks.close();
        if tokio::time::timeout(timeout, self.shared.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("shutdown timed out with tasks still running");
        }
    }
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
