//! The registry of live boards.

use crate::board;
use crate::bus::{Bus, Envelope, Event};
use crate::metrics::Metrics;
use crate::shared::{Entry, HubConfig, Shared};
use crate::vocab::{CloseReason, Cmd};
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

/// How often the database's write-ahead log is checkpointed while commits happen.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// How often live boards compare themselves with the log when a bus is in use.
pub const HEAD_CHECK: Duration = Duration::from_secs(2);

/// A board command that other nodes must apply to their own connections too.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BoardCommand {
    Locked {
        locked: bool,
    },
    Kick {
        principals: Option<Vec<String>>,
        code: u16,
        reason: String,
    },
    Discard {
        code: u16,
        reason: String,
    },
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
        Hub::with_bus(store, config, metrics, None)
    }

    /// A hub that shares boards with other nodes through `bus`: it applies their
    /// published updates to its live boards, relays their awareness, and checks the
    /// log's heads every `HEAD_CHECK` so that a missed message is caught up.
    pub fn with_bus(
        store: Store,
        config: HubConfig,
        metrics: Arc<Metrics>,
        bus: Option<(Bus, mpsc::Receiver<Envelope>)>,
    ) -> Hub {
        let writer = LogWriter::new(store.clone(), config.writer_max_rows);
        let (bus, incoming) = match bus {
            Some((b, rx)) => (Some(b), Some(rx)),
            None => (None, None),
        };
        let hub = Hub {
            shared: Arc::new(Shared {
                boards: Mutex::new(HashMap::new()),
                bus,
                remote_sessions: tokio::sync::broadcast::channel(1024).0,
                store,
                writer,
                config,
                metrics,
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
                next_conn: AtomicU64::new(1),
                next_generation: AtomicU64::new(1),
            }),
        };
        if let Some(rx) = incoming {
            tokio::spawn(hub.clone().dispatch_remote(rx));
            tokio::spawn(hub.clone().check_heads());
        }
        if hub.shared.store.backend() == tavolo_store::Backend::Sqlite {
            // PostgreSQL checkpoints by itself
            tokio::spawn(hub.clone().checkpoints());
        }
        hub
    }

    /// Every second in which something was committed, copies SQLite's write-ahead log
    /// back, so that no commit has to.
    async fn checkpoints(self) {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut seen = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.shared.shutdown.cancelled() => return,
            }
            let commits = self.shared.metrics.commits.load(Ordering::Relaxed);
            if commits == seen {
                continue;
            }
            seen = commits;
            if let Err(e) = self.shared.store.checkpoint().await {
                self.shared
                    .metrics
                    .store_errors
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "checkpoint failed; the next one will retry");
            }
        }
    }

    /// Events from other nodes, to the live boards they concern (boards not live here
    /// need nothing: they load from the log when someone opens them).
    async fn dispatch_remote(self, mut rx: mpsc::Receiver<Envelope>) {
        while let Some(env) = rx.recv().await {
            match env.event {
                Event::Updates {
                    board,
                    first_seq,
                    updates,
                } => {
                    self.send_live(&board, Cmd::RemoteUpdates { first_seq, updates })
                        .await;
                }
                Event::Awareness { board, update } => {
                    if let Ok(entries) = tavolo_sync::awareness::decode_update(&update) {
                        self.send_live(&board, Cmd::RemoteAwareness(entries)).await;
                    }
                }
                Event::Board { board, json } => {
                    let Ok(id) = BoardId::parse(&board) else {
                        continue;
                    };
                    match serde_json::from_str::<BoardCommand>(&json) {
                        Ok(BoardCommand::Locked { locked }) => {
                            self.set_locked_here(&id, locked).await
                        }
                        Ok(BoardCommand::Kick {
                            principals,
                            code,
                            reason,
                        }) => {
                            self.kick_here(&id, principals, CloseReason::new(code, &reason))
                                .await
                        }
                        Ok(BoardCommand::Discard { code, reason }) => {
                            self.discard_here(&id, CloseReason::new(code, &reason))
                                .await
                        }
                        Err(_) => {}
                    }
                }
                Event::AwarenessQuery { board } => {
                    self.send_live(&board, Cmd::AwarenessQuery).await;
                }
                Event::Session { session, json } => {
                    let _ = self.shared.remote_sessions.send((session, json));
                }
                Event::Resubscribed => self.check_heads_once().await,
            }
        }
    }

    async fn send_live(&self, board: &str, cmd: Cmd) {
        let Ok(id) = BoardId::parse(board) else {
            return;
        };
        if let Some(tx) = self.live(&id) {
            let _ = tx.send(cmd).await;
        }
    }

    /// Every few seconds, the log's head of every live board: a board behind it catches
    /// up. This finds what the bus lost even on a board that went quiet.
    async fn check_heads(self) {
        let mut tick = tokio::time::interval(HEAD_CHECK);
        loop {
            tokio::select! {
                _ = tick.tick() => self.check_heads_once().await,
                _ = self.shared.shutdown.cancelled() => return,
            }
        }
    }

    async fn check_heads_once(&self) {
        let live: Vec<(BoardId, mpsc::Sender<Cmd>)> = {
            let boards = self.shared.boards.lock().unwrap_or_else(|e| e.into_inner());
            boards
                .iter()
                .map(|(id, e)| (id.clone(), e.tx.clone()))
                .collect()
        };
        if live.is_empty() {
            return;
        }
        let ids: Vec<String> = live.iter().map(|(id, _)| id.as_str().to_owned()).collect();
        match self.shared.store.heads(&ids).await {
            Ok(heads) => {
                for ((_, tx), head) in live.into_iter().zip(heads) {
                    let _ = tx.send(Cmd::CheckHead(head)).await;
                }
            }
            Err(e) => {
                self.shared
                    .metrics
                    .store_errors
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "head check failed");
            }
        }
    }

    /// Publishes a session's control event to other nodes (no-op with no bus).
    pub fn publish_session(&self, session: &str, json: &str) {
        if let Some(bus) = &self.shared.bus {
            bus.publish(Event::Session {
                session: session.to_owned(),
                json: json.to_owned(),
            });
        }
    }

    /// Session control events published by other nodes.
    pub fn remote_sessions(&self) -> tokio::sync::broadcast::Receiver<(String, String)> {
        self.shared.remote_sessions.subscribe()
    }

    pub fn config(&self) -> &HubConfig {
        &self.shared.config
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
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

    /// Tells a live board it was locked or unlocked, here and on other nodes (a board
    /// that is not live reads the lock from the database when its next connection
    /// arrives).
    pub async fn set_locked(&self, id: &BoardId, locked: bool) {
        self.set_locked_here(id, locked).await;
        self.publish_board(id, &BoardCommand::Locked { locked });
    }

    async fn set_locked_here(&self, id: &BoardId, locked: bool) {
        if let Some(tx) = self.live(id) {
            let _ = tx.send(Cmd::SetLocked(locked)).await;
        }
    }

    /// Closes connections to a board, here and on other nodes: those of `principals`, or
    /// every lockable (participant) connection when `None`.
    pub async fn kick(&self, id: &BoardId, principals: Option<Vec<String>>, reason: CloseReason) {
        self.publish_board(
            id,
            &BoardCommand::Kick {
                principals: principals.clone(),
                code: reason.code,
                reason: reason.reason.clone(),
            },
        );
        self.kick_here(id, principals, reason).await;
    }

    async fn kick_here(&self, id: &BoardId, principals: Option<Vec<String>>, reason: CloseReason) {
        if let Some(tx) = self.live(id) {
            let _ = tx.send(Cmd::Kick { principals, reason }).await;
        }
    }

    /// Discards a live board, here and on other nodes: every connection is closed with
    /// `reason` and the document is dropped **without writing anything** (no commit of a
    /// batch in hand, no compaction). Returns once the board has left this node. For a
    /// board being erased: delete its rows first (so that nothing can load it again),
    /// then discard it, then delete what it may have written in between.
    pub async fn discard(&self, id: &BoardId, reason: CloseReason) {
        self.publish_board(
            id,
            &BoardCommand::Discard {
                code: reason.code,
                reason: reason.reason.clone(),
            },
        );
        self.discard_here(id, reason).await;
    }

    async fn discard_here(&self, id: &BoardId, reason: CloseReason) {
        if let Some(tx) = self.live(id) {
            let (done, gone) = oneshot::channel();
            if tx.send(Cmd::Discard { reason, done }).await.is_ok() {
                let _ = gone.await;
            }
        }
    }

    /// Erases boards whose rows the store has just deleted (a deleted workspace's): each
    /// live board and each of its live private drafts is discarded on every node
    /// (connections closed with 4004, documents dropped unwritten), then whatever they
    /// wrote before they were discarded is deleted too, and SQLite's write-ahead log is
    /// checkpointed and truncated so that no deleted byte stays on disk.
    pub async fn erase(&self, boards: &[String]) -> Result<(), tavolo_store::StoreError> {
        let reason = CloseReason::new(4004, "this board was deleted");
        for b in boards {
            let Ok(id) = BoardId::parse(b) else { continue };
            let drafts = self.live_with_prefix(&format!("{b}.draft."));
            for board in std::iter::once(id).chain(drafts) {
                self.discard(&board, reason.clone()).await;
            }
        }
        self.shared.store.purge_boards(boards).await?;
        self.shared.store.checkpoint_truncate().await
    }

    /// Whether the board is live on this node (someone has it open, or had it lately).
    pub fn is_live(&self, id: &BoardId) -> bool {
        let boards = self.shared.boards.lock().unwrap_or_else(|e| e.into_inner());
        boards.contains_key(id)
    }

    /// The live boards on this node whose id starts with `prefix` (a board's private
    /// drafts: `{board}.draft.`).
    pub fn live_with_prefix(&self, prefix: &str) -> Vec<BoardId> {
        let boards = self.shared.boards.lock().unwrap_or_else(|e| e.into_inner());
        boards
            .keys()
            .filter(|id| id.as_str().starts_with(prefix))
            .cloned()
            .collect()
    }

    fn publish_board(&self, id: &BoardId, cmd: &BoardCommand) {
        if let Some(bus) = &self.shared.bus {
            if let Ok(json) = serde_json::to_string(cmd) {
                bus.publish(Event::Board {
                    board: id.as_str().to_owned(),
                    json,
                });
            }
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
        let f: crate::vocab::DocRead = Box::new(move |doc| {
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
    /// in Yjs v1 encoding (loading it if needed).
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
