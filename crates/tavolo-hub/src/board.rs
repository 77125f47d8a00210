//! The task that owns one live board.
//!
//! Loop: wait for a command, take every other command already queued (up to
//! `max_batch`), handle them in order against the document, then
//! 1. have the updates they produced committed (group commit, shared with other boards),
//! 2. only then deliver the batch's outgoing frames: updates to every peer, replies to
//!    one peer. Nothing leaves this task before the batch it belongs to is committed, so
//!    a late joiner's sync reply never contains an update that is not in the database.
//!
//! A peer whose outgoing queue is full is closed (1013) rather than skipped: a Yjs client
//! that misses an update stays out of sync until it reconnects, so we make it reconnect.

use crate::close;
use crate::conn::CloseReason;
use crate::hub::Shared;
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tavolo_store::NewUpdate;
use tavolo_sync::awareness::{self, AwarenessTable, Entry};
use tavolo_sync::update::{self, UpdateError};
use tavolo_sync::{wire, Access, BoardId};
use tokio::sync::mpsc;
use tokio::time::sleep_until;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

/// Where a closed connection learns why: the board sets it, then drops its sender.
pub type KickSlot = Arc<OnceLock<CloseReason>>;

/// A message from a connection, already decoded and validated by the connection task.
pub enum Inbound {
    SyncStep1(StateVector),
    /// Sync step 2 or update: both carry an update to apply.
    Update(Update),
    Awareness(Vec<Entry>),
    QueryAwareness,
}

pub enum Cmd {
    Join {
        conn: u64,
        out: mpsc::Sender<Bytes>,
        kick: KickSlot,
        access: Access,
    },
    Leave {
        conn: u64,
    },
    Messages {
        conn: u64,
        msgs: Vec<Inbound>,
        received: Instant,
    },
}

struct Peer {
    out: mpsc::Sender<Bytes>,
    kick: KickSlot,
    access: Access,
    /// Awareness client ids this connection introduced; removed when it closes.
    clients: HashSet<u64>,
    told_read_only: bool,
}

enum Target {
    All,
    One(u64),
}

#[derive(Default)]
struct Outbox {
    frames: Vec<(Target, Bytes)>,
    /// Arrival times of the updates being broadcast, for the latency histogram.
    received: Vec<Instant>,
    kicks: Vec<(u64, CloseReason)>,
}

impl Outbox {
    fn all(&mut self, frame: Vec<u8>) {
        self.frames.push((Target::All, Bytes::from(frame)));
    }
    fn one(&mut self, conn: u64, frame: Vec<u8>) {
        self.frames.push((Target::One(conn), Bytes::from(frame)));
    }
}

struct Board {
    shared: Arc<Shared>,
    id: BoardId,
    doc: Doc,
    awareness: AwarenessTable,
    peers: HashMap<u64, Peer>,
    last_seq: i64,
    since_snapshot: u64,
    /// Applied but not yet committed updates of the current batch.
    pending: Vec<Vec<u8>>,
    /// Set when applying an update panicked: the document can no longer be trusted.
    poisoned: bool,
}

/// Runs a board until it unloads, fails or the server shuts down.
pub(crate) async fn run(
    shared: Arc<Shared>,
    id: BoardId,
    generation: u64,
    mut rx: mpsc::Receiver<Cmd>,
) {
    shared.metrics.boards_live.fetch_add(1, Relaxed);
    let mut board = match Board::load(shared.clone(), id.clone()).await {
        Ok(b) => b,
        Err(e) => {
            shared.metrics.store_errors.fetch_add(1, Relaxed);
            tracing::error!(board = %id, error = %e, "could not load board");
            shared.remove_if_idle(&id, generation, true);
            rx.close();
            let reason = CloseReason::new(close::INTERNAL_ERROR, "board could not be loaded");
            while let Ok(cmd) = rx.try_recv() {
                if let Cmd::Join { kick, .. } = cmd {
                    let _ = kick.set(reason.clone());
                }
            }
            shared.metrics.boards_live.fetch_sub(1, Relaxed);
            return;
        }
    };
    let end = board.serve(&mut rx, generation).await;
    board.finish(end, generation).await;
    shared.metrics.boards_live.fetch_sub(1, Relaxed);
}

enum End {
    Idle,
    Shutdown,
    Failed(CloseReason),
}

impl Board {
    async fn load(shared: Arc<Shared>, id: BoardId) -> Result<Board, tavolo_store::StoreError> {
        let stored = shared.store.load_board(id.as_str()).await?;
        let (doc, problems) = update::rebuild(
            stored.snapshot.as_ref().map(|s| s.state.as_slice()),
            stored
                .updates
                .iter()
                .map(|(seq, data)| (*seq, data.as_slice())),
        );
        for p in &problems {
            tracing::error!(board = %id, problem = %p, "stored board data skipped");
        }
        if !problems.is_empty() {
            shared
                .metrics
                .store_errors
                .fetch_add(problems.len() as u64, Relaxed);
        }
        tracing::debug!(board = %id, updates = stored.updates.len(), "board loaded");
        let mut board = Board {
            last_seq: stored.last_seq(),
            since_snapshot: stored.updates.len() as u64,
            shared,
            id,
            doc,
            awareness: AwarenessTable::new(),
            peers: HashMap::new(),
            pending: Vec::new(),
            poisoned: false,
        };
        if board.since_snapshot >= board.shared.config.compact_after {
            board.compact().await;
        }
        Ok(board)
    }

    async fn serve(&mut self, rx: &mut mpsc::Receiver<Cmd>, generation: u64) -> End {
        let shutdown = self.shared.shutdown.clone();
        let max_batch = self.shared.config.max_batch.max(1);
        let mut idle_since = Instant::now();
        loop {
            let idle_deadline =
                tokio::time::Instant::from_std(idle_since + self.shared.config.idle_unload);
            let first = tokio::select! {
                biased;
                _ = shutdown.cancelled() => return End::Shutdown,
                cmd = rx.recv() => match cmd {
                    Some(cmd) => cmd,
                    None => return End::Shutdown,
                },
                _ = sleep_until(idle_deadline), if self.peers.is_empty() => {
                    if self.shared.remove_if_idle(&self.id, generation, false) {
                        return End::Idle;
                    }
                    // Someone is attaching; their Join is on its way.
                    idle_since = Instant::now();
                    continue;
                }
            };
            let mut out = Outbox::default();
            self.handle(first, &mut out);
            let mut handled = 1;
            while handled < max_batch {
                match rx.try_recv() {
                    Ok(cmd) => self.handle(cmd, &mut out),
                    Err(_) => break,
                }
                handled += 1;
            }
            if let Err(reason) = self.commit().await {
                return End::Failed(reason);
            }
            self.deliver(out);
            if self.poisoned {
                return End::Failed(CloseReason::new(
                    close::INTERNAL_ERROR,
                    "the board was reset after a bad update; reconnect",
                ));
            }
            if self.since_snapshot >= self.shared.config.compact_after {
                self.compact().await;
            }
            if self.peers.is_empty() {
                idle_since = Instant::now();
            }
        }
    }

    fn handle(&mut self, cmd: Cmd, out: &mut Outbox) {
        if self.poisoned {
            return self.handle_after_poison(cmd, out);
        }
        match cmd {
            Cmd::Join {
                conn,
                out: tx,
                kick,
                access,
            } => {
                self.peers.insert(
                    conn,
                    Peer {
                        out: tx,
                        kick,
                        access,
                        clients: HashSet::new(),
                        told_read_only: false,
                    },
                );
                // Sync step 1 and the awareness states go in separate frames.
                let sv = self.doc.transact().state_vector();
                out.one(
                    conn,
                    wire::encode_sync_step1(&yrs::updates::encoder::Encode::encode_v1(&sv)),
                );
                if let Some(states) = self.awareness.encode_all() {
                    out.one(conn, wire::encode_awareness(&states));
                }
            }
            Cmd::Leave { conn } => self.remove_peer(conn, None, out),
            Cmd::Messages {
                conn,
                msgs,
                received,
            } => {
                for msg in msgs {
                    if !self.peers.contains_key(&conn) || self.poisoned {
                        break;
                    }
                    self.handle_message(conn, msg, received, out);
                }
            }
        }
    }

    /// After a panic only joins and leaves matter; the board is about to reset.
    fn handle_after_poison(&mut self, cmd: Cmd, out: &mut Outbox) {
        match cmd {
            Cmd::Join {
                conn,
                out: tx,
                kick,
                access,
            } => {
                self.peers.insert(
                    conn,
                    Peer {
                        out: tx,
                        kick,
                        access,
                        clients: HashSet::new(),
                        told_read_only: false,
                    },
                );
            }
            Cmd::Leave { conn } => self.remove_peer(conn, None, out),
            Cmd::Messages { .. } => {}
        }
    }

    fn handle_message(&mut self, conn: u64, msg: Inbound, received: Instant, out: &mut Outbox) {
        match msg {
            Inbound::SyncStep1(sv) => {
                let diff = self.doc.transact().encode_state_as_update_v1(&sv);
                out.one(conn, wire::encode_sync_step2(&diff));
            }
            Inbound::Update(u) => {
                let peer = self.peers.get_mut(&conn).expect("checked by caller");
                if peer.access == Access::ReadOnly {
                    self.shared.metrics.reject("read_only");
                    if !peer.told_read_only {
                        peer.told_read_only = true;
                        out.one(
                            conn,
                            wire::encode_auth_denied("read-only: your changes are not saved"),
                        );
                    }
                    return;
                }
                match update::apply(&self.doc, u) {
                    Ok(applied) => {
                        if let Some(delta) = applied.delta {
                            self.shared.metrics.updates_applied.fetch_add(1, Relaxed);
                            out.all(wire::encode_update(&delta));
                            out.received.push(received);
                            self.pending.push(delta);
                        }
                        if let Some(e) = applied.rejected {
                            self.shared.metrics.reject("update_rejected");
                            tracing::warn!(board = %self.id, conn, error = %e, "update refused");
                            out.kicks.push((
                                conn,
                                CloseReason::new(close::INVALID_PAYLOAD, &e.to_string()),
                            ));
                        }
                    }
                    Err(e) => {
                        debug_assert_eq!(e, UpdateError::Panicked);
                        self.shared.metrics.reject("update_panicked");
                        tracing::error!(board = %self.id, conn, "applying an update panicked; resetting the board");
                        out.kicks.push((
                            conn,
                            CloseReason::new(close::INVALID_PAYLOAD, "update could not be applied"),
                        ));
                        self.poisoned = true;
                    }
                }
            }
            Inbound::Awareness(entries) => {
                let accepted = self.awareness.apply(entries);
                if accepted.is_empty() {
                    return;
                }
                if let Some(peer) = self.peers.get_mut(&conn) {
                    for e in &accepted {
                        if e.state.is_some() {
                            peer.clients.insert(e.client_id);
                        } else {
                            peer.clients.remove(&e.client_id);
                        }
                    }
                }
                out.all(wire::encode_awareness(&awareness::encode_update(&accepted)));
            }
            Inbound::QueryAwareness => {
                let states = self.awareness.encode_all().unwrap_or_else(|| vec![0]);
                out.one(conn, wire::encode_awareness(&states));
            }
        }
    }

    /// Removes a peer, closing it with `reason` if given, and relays the removal of the
    /// awareness states it introduced.
    fn remove_peer(&mut self, conn: u64, reason: Option<CloseReason>, out: &mut Outbox) {
        if let Some(peer) = self.peers.remove(&conn) {
            if let Some(r) = reason {
                let _ = peer.kick.set(r);
            }
            let removed = self.awareness.remove_clients(peer.clients);
            if !removed.is_empty() {
                out.all(wire::encode_awareness(&awareness::encode_update(&removed)));
            }
        }
    }

    async fn commit(&mut self) -> Result<(), CloseReason> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let n = self.pending.len();
        let rows: Vec<NewUpdate> = self
            .pending
            .drain(..)
            .enumerate()
            .map(|(i, data)| NewUpdate {
                board_id: self.id.as_str().to_owned(),
                seq: self.last_seq + 1 + i as i64,
                data,
            })
            .collect();
        match self.shared.writer.append(rows).await {
            Ok(()) => {
                self.last_seq += n as i64;
                self.since_snapshot += n as u64;
                self.shared
                    .metrics
                    .updates_persisted
                    .fetch_add(n as u64, Relaxed);
                self.shared.metrics.commits.fetch_add(1, Relaxed);
                Ok(())
            }
            Err(e) => {
                self.shared.metrics.store_errors.fetch_add(1, Relaxed);
                tracing::error!(board = %self.id, error = %e, "commit failed; closing the board so clients resend");
                // The document now holds updates the database does not. Nothing of them
                // was sent to anyone; the clients still have them and resend them when
                // they reconnect to a board reloaded from the database.
                Err(CloseReason::new(
                    close::INTERNAL_ERROR,
                    "changes could not be saved; reconnect",
                ))
            }
        }
    }

    /// Sends the batch's frames. Peers whose queue is full are closed (1013).
    fn deliver(&mut self, mut out: Outbox) {
        loop {
            let frames = std::mem::take(&mut out.frames);
            let mut kicks = std::mem::take(&mut out.kicks);
            for (target, frame) in frames {
                match target {
                    Target::All => {
                        for (id, peer) in &self.peers {
                            push(*id, peer, &frame, &mut kicks);
                        }
                    }
                    Target::One(id) => {
                        if let Some(peer) = self.peers.get(&id) {
                            push(id, peer, &frame, &mut kicks);
                        }
                    }
                }
            }
            let now = Instant::now();
            for r in out.received.drain(..) {
                self.shared.metrics.broadcast_latency.observe(now - r);
            }
            if kicks.is_empty() {
                return;
            }
            for (id, reason) in kicks {
                if reason.code == close::TRY_AGAIN_LATER {
                    self.shared.metrics.reject("slow_consumer");
                }
                self.remove_peer(id, Some(reason), &mut out);
            }
        }
    }

    async fn compact(&mut self) {
        let state = self
            .doc
            .transact()
            .encode_state_as_update_v2(&StateVector::default());
        match self
            .shared
            .store
            .compact(self.id.as_str(), self.last_seq, &state)
            .await
        {
            Ok(()) => {
                self.since_snapshot = 0;
                self.shared.metrics.compactions.fetch_add(1, Relaxed);
            }
            Err(e) => {
                self.shared.metrics.store_errors.fetch_add(1, Relaxed);
                tracing::warn!(board = %self.id, error = %e, "compaction failed; the log stays as it is");
            }
        }
    }

    async fn finish(mut self, end: End, generation: u64) {
        let reason = match &end {
            End::Idle => None,
            End::Shutdown => Some(CloseReason::new(close::GOING_AWAY, "server shutting down")),
            End::Failed(r) => Some(r.clone()),
        };
        if let Some(reason) = reason {
            for (_, peer) in self.peers.drain() {
                let _ = peer.kick.set(reason.clone());
            }
        }
        if !matches!(end, End::Failed(_)) && self.since_snapshot > 0 {
            self.compact().await;
        }
        if !matches!(end, End::Idle) {
            // Idle boards removed themselves; the others leave the registry now, so the
            // next connection loads the board afresh from the database.
            self.shared.remove_if_idle(&self.id, generation, true);
        }
        tracing::debug!(board = %self.id, "board unloaded");
    }
}

fn push(id: u64, peer: &Peer, frame: &Bytes, kicks: &mut Vec<(u64, CloseReason)>) {
    match peer.out.try_send(frame.clone()) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(_)) => kicks.push((
            id,
            CloseReason::new(
                close::TRY_AGAIN_LATER,
                "too slow: outgoing queue full; reconnect to resync",
            ),
        )),
        // The connection is ending; its Leave is on the way.
        Err(mpsc::error::TrySendError::Closed(_)) => {}
    }
}
