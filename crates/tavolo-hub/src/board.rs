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

use crate::bus::Event;
use crate::close;
use crate::order::{AfterCommit, LogOrder, Remote};
use crate::shared::Shared;
use crate::vocab::{CloseReason, Cmd, DocRead, Inbound, KickSlot, Permit};
use bytes::Bytes;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Instant;
use tavolo_store::BoardAppend;
use tavolo_sync::awareness::{self, AwarenessTable, Entry};
use tavolo_sync::update::{self, UpdateError};
use tavolo_sync::validate::Budget;
use tavolo_sync::{wire, Access, BoardId};
use tokio::sync::{mpsc, oneshot};
use tokio::time::sleep_until;
use yrs::{Doc, ReadTxn, Transact, Update};

/// The most awareness client ids one connection may introduce (a Yjs client uses one).
pub const MAX_AWARENESS_CLIENTS: usize = 4;
/// The most bytes the awareness states of one connection's ids may hold together.
pub const MAX_AWARENESS_BYTES: usize = 16 * 1024;

struct Peer {
    out: mpsc::Sender<Bytes>,
    kick: KickSlot,
    principal: String,
    access: Access,
    lockable: bool,
    /// Awareness client ids this connection introduced: they are its own until it closes,
    /// when their states are removed.
    clients: HashSet<u64>,
    told_read_only: bool,
    /// See `Permit::max_board_bytes`.
    max_board_bytes: Option<usize>,
    /// Seconds of the board's time this peer may still spend on applying its updates
    /// (see [`APPLY_SHARE`]).
    apply_budget: f64,
    apply_budget_at: Instant,
}

/// The share of one core a connection's updates may take to apply, sustained, and the
/// seconds of it that may be spent in a burst. An ordinary edit takes microseconds; Yjs's
/// conflict resolution makes crafted concurrent inserts at one position cost more the
/// more such items a board holds, and this bounds what one connection can make the
/// board spend (it is closed with 1008 past it).
pub const APPLY_SHARE: f64 = 0.25;
pub const APPLY_BURST: f64 = 2.0;

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
    /// Where `doc` stands against the log (across nodes).
    order: LogOrder,
    since_snapshot: u64,
    /// What the store holds for this board, in bytes (snapshot and log), as far as this
    /// node knows: for `Permit::max_board_bytes`.
    stored_bytes: usize,
    /// Applied but not yet committed updates of the current batch.
    pending: Vec<Vec<u8>>,
    /// Set when applying an update panicked: the document can no longer be trusted.
    poisoned: bool,
    /// Set when the document holds something it cannot encode (parked structs of a
    /// crafted update): after the batch it is rebuilt from the store, in place. Every
    /// peer has seen committed state only, so nobody needs to reconnect.
    reload: bool,
    /// Set by `Cmd::Discard`: the task ends after this batch, writing nothing.
    discard: Option<(CloseReason, oneshot::Sender<()>)>,
    locked: bool,
    /// Server changes of the current batch, answered after the commit.
    changes_done: Vec<oneshot::Sender<Result<(), CloseReason>>>,
    snapshots: Vec<oneshot::Sender<(i64, Vec<u8>)>>,
    reads: Vec<DocRead>,
    /// Awareness clients introduced by other nodes, with when they were last heard of.
    remote_clients: HashMap<u64, Instant>,
    /// Commands that arrived while the document was being rebuilt, handled first.
    deferred: VecDeque<Cmd>,
}

/// How many times a board being loaded tries to write its schema migration when other
/// nodes keep appending to it meanwhile.
const MIGRATION_ATTEMPTS: usize = 5;

/// Brings a board just loaded to the current schema (`tavolo_board::Board::migrate`:
/// free-text fields held as plain strings get their `Y.Text`), as one logged update
/// written only if the log has not moved since the document was read
/// (`Store::append_if_head`). Several nodes loading the same board at once cannot both
/// write it: the one that finds the log moved reloads, which brings it the other's
/// migration, and finds nothing left to do. Nobody has seen the board yet, so nobody can
/// have typed into a field while its `Y.Text` was being created. Returns the document,
/// its log head, how many updates follow its snapshot and whether it differs from what
/// was first read; on a read-only store, or if the
/// migration cannot be written, the board is served as it is (reads fall back to the
/// plain strings) and the next load tries again.
async fn migrate_schema(
    shared: &Arc<Shared>,
    id: &BoardId,
    mut doc: Doc,
    mut last_seq: i64,
    mut since_snapshot: u64,
) -> (Doc, i64, u64, bool) {
    if shared.store.is_read_only() {
        return (doc, last_seq, since_snapshot, false);
    }
    let mut reloaded = false;
    for _ in 0..MIGRATION_ATTEMPTS {
        let delta = update::isolate(|| {
            let mut txn = doc.transact_mut();
            tavolo_board::Board::migrate(&mut txn).then(|| txn.encode_update_v1())
        });
        let delta = match delta {
            Ok(Some(delta)) => delta,
            Ok(None) => return (doc, last_seq, since_snapshot, reloaded),
            Err(_) => {
                tracing::error!(board = %id, "the schema migration panicked; serving the board as stored");
                break;
            }
        };
        match shared
            .store
            .append_if_head(id.as_str(), last_seq, &delta)
            .await
        {
            Ok(Some(seq)) => {
                tracing::info!(board = %id, seq, "board migrated to the current schema");
                if let Some(bus) = &shared.bus {
                    bus.publish(Event::Updates {
                        board: id.as_str().to_owned(),
                        first_seq: seq,
                        updates: vec![delta],
                    });
                }
                return (doc, seq, since_snapshot + 1, true);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(board = %id, error = %e, "writing the schema migration failed");
                break;
            }
        }
        // another node appended meanwhile (perhaps its own migration): read the board
        // again, without the change just made to this copy
        match shared.store.load_board(id.as_str()).await {
            Ok(stored) => {
                last_seq = stored.last_seq();
                since_snapshot = stored.updates.len() as u64;
                doc = rebuild_stored(&stored).0;
                reloaded = true;
            }
            Err(e) => {
                tracing::error!(board = %id, error = %e, "reloading the board failed");
                break;
            }
        }
    }
    // served unmigrated: the document must not hold the uncommitted attempt
    match shared.store.load_board(id.as_str()).await {
        Ok(stored) => (
            rebuild_stored(&stored).0,
            stored.last_seq(),
            stored.updates.len() as u64,
            true,
        ),
        Err(_) => (doc, last_seq, since_snapshot, true),
    }
}

/// A board's document from what the store holds (its snapshot and the log after it), with
/// a description of each stored piece that had to be skipped.
pub fn rebuild_stored(stored: &tavolo_store::StoredBoard) -> (Doc, Vec<String>) {
    update::rebuild(
        stored.snapshot.as_ref().map(|s| s.state.as_slice()),
        stored
            .updates
            .iter()
            .map(|(seq, data)| (*seq, data.as_slice())),
    )
}

/// The bytes a board holds in the store: its snapshot and the log after it.
fn stored_size(stored: &tavolo_store::StoredBoard) -> usize {
    stored.snapshot.as_ref().map_or(0, |s| s.state.len())
        + stored.updates.iter().map(|(_, d)| d.len()).sum::<usize>()
}

/// What a board does with commands while its document is being rebuilt.
struct Early<'a> {
    /// The stored snapshot as a sync step 2 frame, when it is the whole board (no log
    /// after it).
    step2: Option<Bytes>,
    /// Connections that joined meanwhile and have sent nothing yet.
    joined: HashMap<u64, mpsc::Sender<Bytes>>,
    /// Connections given the snapshot: a migration written after it is sent to them too.
    answered: &'a mut Vec<mpsc::Sender<Bytes>>,
    shared: &'a Shared,
}

impl Early<'_> {
    /// Answers a fresh client's sync step 1 from the snapshot; returns what must wait for
    /// the document (everything else, in order).
    fn handle(&mut self, cmd: Cmd) -> Option<Cmd> {
        match cmd {
            Cmd::Join { conn, ref out, .. } => {
                self.joined.insert(conn, out.clone());
                Some(cmd)
            }
            Cmd::Leave { conn } => {
                self.joined.remove(&conn);
                Some(cmd)
            }
            Cmd::Messages {
                conn,
                mut msgs,
                received,
            } => {
                // only a connection's first message can be its opening sync step 1
                let tx = self.joined.remove(&conn);
                if let (Some(step2), Some(tx), Some(Inbound::SyncStep1(sv))) =
                    (&self.step2, tx, msgs.first())
                {
                    if sv.is_empty() && tx.try_send(step2.clone()).is_ok() {
                        self.shared.metrics.snapshot_syncs.fetch_add(1, Relaxed);
                        msgs.remove(0);
                        self.answered.push(tx);
                    }
                }
                (!msgs.is_empty()).then_some(Cmd::Messages {
                    conn,
                    msgs,
                    received,
                })
            }
            other => Some(other),
        }
    }
}

/// Runs a board until it unloads, fails or the server shuts down.
pub(crate) async fn run(
    shared: Arc<Shared>,
    id: BoardId,
    generation: u64,
    mut rx: mpsc::Receiver<Cmd>,
) {
    shared.metrics.boards_live.fetch_add(1, Relaxed);
    // Whatever ends this task, a panic included, the board leaves the registry: the next
    // connection loads it afresh from the store instead of finding a dead inbox.
    let _registered = Registered {
        shared: shared.clone(),
        id: id.clone(),
        generation,
    };
    let mut board = match Board::load(shared.clone(), id.clone(), &mut rx).await {
        Ok(b) => b,
        Err(e) => {
            if let Some(n) = shared.metrics.store_error() {
                tracing::error!(board = %id, error = %e, unlogged = n, "could not load board");
            }
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
    if let Some(bus) = &shared.bus {
        bus.publish(Event::AwarenessQuery {
            board: id.as_str().to_owned(),
        });
    }
    let end = board.serve(&mut rx, generation).await;
    board.finish(end, generation).await;
    shared.metrics.boards_live.fetch_sub(1, Relaxed);
}

/// Removes the board from the registry when its task ends, however it ends.
struct Registered {
    shared: Arc<Shared>,
    id: BoardId,
    generation: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::error!(board = %self.id, "the board's task panicked; it will be reloaded from the store");
            self.shared.metrics.boards_live.fetch_sub(1, Relaxed);
        }
        self.shared.remove_if_idle(&self.id, self.generation, true);
    }
}

enum End {
    Idle,
    /// Erased: close everyone, write nothing, say when gone.
    Discarded(CloseReason, oneshot::Sender<()>),
    Shutdown,
    Failed(CloseReason),
}

impl Board {
    /// Reads the board from the store and rebuilds its document. A big board is rebuilt
    /// on a blocking thread; meanwhile commands wait in `deferred`, except that a fresh
    /// client (empty state vector) of a compacted board gets the stored snapshot as its
    /// sync step 2 at once: it is exactly the committed state, v1 as the protocol wants.
    async fn load(
        shared: Arc<Shared>,
        id: BoardId,
        rx: &mut mpsc::Receiver<Cmd>,
    ) -> Result<Board, String> {
        let stored = shared
            .store
            .load_board(id.as_str())
            .await
            .map_err(|e| e.to_string())?;
        let last_seq = stored.last_seq();
        let since_snapshot = stored.updates.len() as u64;
        let size = stored_size(&stored);
        let mut deferred = VecDeque::new();
        // connections answered from the stored snapshot while the document was built
        let mut answered = Vec::new();
        let (doc, problems) = if size < shared.config.build_aside_bytes {
            rebuild_stored(&stored)
        } else {
            let step2 = match (&stored.snapshot, stored.updates.is_empty()) {
                (Some(snap), true) => Some(Bytes::from(wire::encode_sync_step2(&snap.state))),
                _ => None,
            };
            let mut build = tokio::task::spawn_blocking(move || rebuild_stored(&stored));
            let mut early = Early {
                step2,
                joined: HashMap::new(),
                answered: &mut answered,
                shared: &shared,
            };
            let built = loop {
                tokio::select! {
                    biased;
                    built = &mut build => break built,
                    cmd = rx.recv() => match cmd {
                        Some(cmd) => deferred.extend(early.handle(cmd)),
                        None => break (&mut build).await,
                    },
                }
            };
            match built {
                Ok(built) => built,
                Err(e) => {
                    // rebuilding panicked: the stored data is not usable as it is
                    return Err(format!("rebuilding the document failed: {e}"));
                }
            }
        };
        for p in &problems {
            tracing::error!(board = %id, problem = %p, "stored board data skipped");
        }
        if !problems.is_empty() {
            shared
                .metrics
                .store_errors
                .fetch_add(problems.len() as u64, Relaxed);
        }
        let (doc, last_seq, since_snapshot, migration) =
            migrate_schema(&shared, &id, doc, last_seq, since_snapshot).await;
        if migration && !answered.is_empty() {
            // the document is no longer the snapshot those connections were given: they
            // get what it holds now (committed), as an update
            let state = doc
                .transact()
                .encode_state_as_update_v1(&yrs::StateVector::default());
            let frame = Bytes::from(wire::encode_update(&state));
            for tx in answered {
                let _ = tx.try_send(frame.clone());
            }
        }
        tracing::debug!(board = %id, updates = since_snapshot, bytes = size, "board loaded");
        // A long log is compacted after the first batch (see `serve`), not here: the
        // first client should not wait for it.
        Ok(Board {
            order: LogOrder::new(last_seq),
            since_snapshot,
            stored_bytes: size,
            shared,
            id,
            doc,
            awareness: AwarenessTable::new(),
            peers: HashMap::new(),
            pending: Vec::new(),
            poisoned: false,
            reload: false,
            discard: None,
            locked: false,
            changes_done: Vec::new(),
            snapshots: Vec::new(),
            reads: Vec::new(),
            remote_clients: HashMap::new(),
            deferred,
        })
    }

    async fn serve(&mut self, rx: &mut mpsc::Receiver<Cmd>, generation: u64) -> End {
        let shutdown = self.shared.shutdown.clone();
        let max_batch = self.shared.config.max_batch.max(1);
        let mut idle_since = Instant::now();
        loop {
            let idle_deadline =
                tokio::time::Instant::from_std(idle_since + self.shared.config.idle_unload);
            let catch_up_at = self.order.catch_up_at().map(tokio::time::Instant::from_std);
            let first = if let Some(cmd) = self.deferred.pop_front() {
                cmd
            } else {
                tokio::select! {
                    biased;
                    _ = shutdown.cancelled() => return End::Shutdown,
                    cmd = rx.recv() => match cmd {
                        Some(cmd) => cmd,
                        None => return End::Shutdown,
                    },
                    _ = sleep_until(catch_up_at.unwrap_or_else(tokio::time::Instant::now)), if catch_up_at.is_some() => {
                        // The bus did not bring the other node's updates in time: ask the log.
                        self.shared.metrics.bus_gaps.fetch_add(1, Relaxed);
                        let mut out = Outbox::default();
                        self.catch_up(&mut out).await;
                        self.deliver(out);
                        continue;
                    }
                    _ = sleep_until(idle_deadline), if self.peers.is_empty() => {
                        if self.shared.remove_if_idle(&self.id, generation, false) {
                            return End::Idle;
                        }
                        // Someone is attaching; their Join is on its way.
                        idle_since = Instant::now();
                        continue;
                    }
                }
            };
            let mut out = Outbox::default();
            self.handle(first, &mut out);
            let mut handled = 1;
            // A batch ends early when the document must be rebuilt: what follows waits
            // for the rebuilt document.
            while handled < max_batch && !self.reload && self.discard.is_none() {
                match self.deferred.pop_front().or_else(|| rx.try_recv().ok()) {
                    Some(cmd) => self.handle(cmd, &mut out),
                    None => break,
                }
                handled += 1;
            }
            if let Err(reason) = self.commit(&mut out).await {
                return End::Failed(reason);
            }
            self.deliver(out);
            if let Some((reason, done)) = self.discard.take() {
                return End::Discarded(reason, done);
            }
            if self.reload {
                if let Err(reason) = self.reload_from_store().await {
                    return End::Failed(reason);
                }
            }
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
                permit,
            } => {
                // The database's word at connection time is the latest we have.
                self.locked = permit.locked;
                self.peers.insert(conn, Peer::new(tx, kick, permit));
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
            Cmd::Discard { reason, done } => self.start_discard(reason, done),
            Cmd::SetLocked(locked) => {
                self.locked = locked;
                for peer in self.peers.values_mut() {
                    peer.told_read_only = false;
                }
            }
            Cmd::Kick { principals, reason } => {
                let ids: Vec<u64> = self
                    .peers
                    .iter()
                    .filter(|(_, p)| match &principals {
                        Some(list) => list.contains(&p.principal),
                        None => p.lockable,
                    })
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    out.kicks.push((id, reason.clone()));
                }
            }
            Cmd::Change { change, done } => {
                let result = update::isolate(|| {
                    let mut txn = self.doc.transact_mut();
                    change(&mut txn);
                    txn.encode_update_v1()
                });
                match result {
                    Ok(delta) => {
                        if !update::is_empty_update(&delta) {
                            self.shared.metrics.updates_applied.fetch_add(1, Relaxed);
                            self.pending.push(delta);
                        }
                        self.changes_done.push(done);
                    }
                    Err(_) => {
                        tracing::error!(board = %self.id, "a server change panicked; resetting the board");
                        self.poisoned = true;
                        let _ = done.send(Err(CloseReason::new(
                            close::INTERNAL_ERROR,
                            "change failed",
                        )));
                    }
                }
            }
            Cmd::Read(read) => self.reads.push(read),
            Cmd::Snapshot(reply) => self.snapshots.push(reply),
            Cmd::RemoteUpdates { first_seq, updates } => {
                self.remote_updates(first_seq, updates, out)
            }
            Cmd::RemoteAwareness(entries) => {
                // Another node cannot speak for a client of ours.
                let entries: Vec<Entry> = entries
                    .into_iter()
                    .filter(|e| {
                        !self
                            .peers
                            .values()
                            .any(|p| p.clients.contains(&e.client_id))
                    })
                    .collect();
                let accepted = self.awareness.apply(entries);
                let now = Instant::now();
                for e in &accepted {
                    if e.state.is_some() {
                        self.remote_clients.insert(e.client_id, now);
                    } else {
                        self.remote_clients.remove(&e.client_id);
                    }
                }
                if !accepted.is_empty() {
                    out.all(wire::encode_awareness(&awareness::encode_update(&accepted)));
                }
            }
            Cmd::AwarenessQuery => {
                let ours: Vec<u64> = self
                    .peers
                    .values()
                    .flat_map(|p| p.clients.iter().copied())
                    .collect();
                if let Some(all) = self.awareness.encode_clients(&ours) {
                    self.publish_awareness(&all);
                }
            }
            Cmd::CheckHead(head) => {
                if head > self.order.last_seq() {
                    self.shared.metrics.bus_gaps.fetch_add(1, Relaxed);
                }
                self.order.head(head);
                // Clients renew their state every 15 s; one not heard of for 45 s is gone
                // (its node may have died).
                let stale: Vec<u64> = self
                    .remote_clients
                    .iter()
                    .filter(|(_, t)| t.elapsed() > std::time::Duration::from_secs(45))
                    .map(|(id, _)| *id)
                    .collect();
                for id in &stale {
                    self.remote_clients.remove(id);
                }
                let removed = self.awareness.remove_clients(stale);
                if !removed.is_empty() {
                    out.all(wire::encode_awareness(&awareness::encode_update(&removed)));
                }
            }
            Cmd::Messages {
                conn,
                msgs,
                received,
            } => {
                let mut msgs = msgs.into_iter();
                while let Some(msg) = msgs.next() {
                    let kicked = out.kicks.iter().any(|(c, _)| *c == conn);
                    if kicked || !self.peers.contains_key(&conn) || self.poisoned {
                        break;
                    }
                    self.handle_message(conn, msg, received, out);
                    if self.reload {
                        // The rest waits for the rebuilt document.
                        let rest: Vec<Inbound> = msgs.collect();
                        if !rest.is_empty() {
                            self.deferred.push_front(Cmd::Messages {
                                conn,
                                msgs: rest,
                                received,
                            });
                        }
                        break;
                    }
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
                permit,
            } => {
                self.peers.insert(conn, Peer::new(tx, kick, permit));
            }
            Cmd::Leave { conn } => self.remove_peer(conn, None, out),
            Cmd::Discard { reason, done } => self.start_discard(reason, done),
            Cmd::Change { done, .. } => {
                let _ = done.send(Err(CloseReason::new(close::INTERNAL_ERROR, "board reset")));
            }
            Cmd::Messages { .. }
            | Cmd::RemoteUpdates { .. }
            | Cmd::RemoteAwareness(_)
            | Cmd::CheckHead(_)
            | Cmd::AwarenessQuery
            | Cmd::SetLocked(_)
            | Cmd::Kick { .. }
            | Cmd::Read(_)
            | Cmd::Snapshot(_) => {}
        }
    }

    fn handle_message(&mut self, conn: u64, msg: Inbound, received: Instant, out: &mut Outbox) {
        match msg {
            Inbound::SyncStep1(sv) => match update::encode_diff(&self.doc, &sv) {
                Ok(diff) => out.one(conn, wire::encode_sync_step2(&diff)),
                Err(_) => {
                    // yrs could not encode the document (it merges parked structs into
                    // this): rebuild it from the store, where only committed updates
                    // are; this peer asks again when it reconnects.
                    tracing::error!(board = %self.id, conn, "encoding the board panicked; rebuilding it");
                    self.shared.metrics.reject("encode_panicked");
                    self.reload = true;
                    out.kicks.push((
                        conn,
                        CloseReason::new(close::INTERNAL_ERROR, "board being rebuilt; reconnect"),
                    ));
                }
            },
            Inbound::Update {
                update: u,
                shape,
                bytes,
            } => {
                let locked = self.locked;
                let held = self.stored_bytes + self.pending.iter().map(Vec::len).sum::<usize>();
                let peer = self.peers.get_mut(&conn).expect("checked by caller");
                let denied = if peer.access == Access::ReadOnly {
                    Some(("read_only", "read-only: your changes are not saved"))
                } else if peer.lockable && locked {
                    Some(("locked", "the board is locked: your changes are not saved"))
                } else {
                    None
                };
                if let Some((label, message)) = denied {
                    self.shared.metrics.reject(label);
                    if !peer.told_read_only {
                        peer.told_read_only = true;
                        out.one(conn, wire::encode_auth_denied(message));
                    }
                    return;
                }
                let cap = peer.max_board_bytes;
                if let Some(cap) = cap.filter(|cap| held + bytes > *cap) {
                    self.refuse_full(conn, cap, out);
                    return;
                }
                if let Some(why) = update::ahead(&self.doc, &shape) {
                    self.shared.metrics.reject(why.label());
                    out.kicks.push((
                        conn,
                        CloseReason::new(close::INVALID_PAYLOAD, why.message()),
                    ));
                    return;
                }
                let started = Instant::now();
                let result = update::apply(&self.doc, u, shape.types > 0);
                let now = Instant::now();
                let peer = self.peers.get_mut(&conn).expect("checked by caller");
                if !peer.charge(now - started, now) {
                    self.shared.metrics.reject("too_costly");
                    tracing::warn!(board = %self.id, conn, "closing connection: its updates cost the board too much time");
                    out.kicks.push((
                        conn,
                        CloseReason::new(
                            close::POLICY_VIOLATION,
                            "updates too costly to apply; slow down",
                        ),
                    ));
                }
                match result {
                    Ok(applied) if applied.too_deep => {
                        // Applied but never stored nor relayed: the document is rebuilt
                        // from the store after this batch.
                        self.shared.metrics.reject("too_deep");
                        tracing::warn!(board = %self.id, conn, "update nests shared types too deep; rebuilding the board");
                        self.reload = true;
                        out.kicks.push((
                            conn,
                            CloseReason::new(
                                close::INVALID_PAYLOAD,
                                &format!(
                                    "shared types nested deeper than {} levels",
                                    update::MAX_TYPE_DEPTH
                                ),
                            ),
                        ));
                    }
                    Ok(applied)
                        if cap.is_some_and(|cap| {
                            held + applied.delta.as_ref().map_or(0, Vec::len) > cap
                        }) =>
                    {
                        // What the document took is larger than what arrived: applied but
                        // never stored nor relayed, and the document rebuilt from the store.
                        self.reload = true;
                        self.refuse_full(conn, cap.unwrap_or_default(), out);
                    }
                    Ok(applied) => {
                        if let Some(delta) = applied.delta {
                            self.shared.metrics.updates_applied.fetch_add(1, Relaxed);
                            out.received.push(received);
                            self.pending.push(delta);
                        }
                        if applied.parked {
                            self.shared.metrics.reject("parked");
                            tracing::warn!(board = %self.id, conn, "update left structs waiting for others; rebuilding the board");
                            self.reload = true;
                            out.kicks.push((
                                conn,
                                CloseReason::new(
                                    close::INVALID_PAYLOAD,
                                    "update waits for structs this board does not have",
                                ),
                            ));
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
                let entries = self.own_awareness(conn, entries);
                let accepted = self.awareness.apply(entries);
                if accepted.is_empty() {
                    return;
                }
                let update = awareness::encode_update(&accepted);
                self.publish_awareness(&update);
                out.all(wire::encode_awareness(&update));
            }
            Inbound::QueryAwareness => {
                let states = self.awareness.encode_all().unwrap_or_else(|| vec![0]);
                out.one(conn, wire::encode_awareness(&states));
            }
        }
    }

    /// Refuses an update that would take the board past `cap` bytes (see
    /// `Permit::max_board_bytes`): nothing of it is stored or relayed, and its sender is
    /// closed with a reason that says so.
    fn refuse_full(&mut self, conn: u64, cap: usize, out: &mut Outbox) {
        self.shared.metrics.reject("board_full");
        tracing::warn!(board = %self.id, conn, cap, "update refused: the board is full");
        out.kicks.push((
            conn,
            CloseReason::new(
                close::BOARD_FULL,
                &format!("this board is full ({cap} bytes): your last change was not saved"),
            ),
        ));
    }

    /// The entries of an awareness update that `conn` may make. A client id belongs to
    /// the connection that introduced it, until that connection closes: entries for ids
    /// of other connections (here or on another node) are dropped, so nobody can
    /// overwrite, remove or freeze someone else's presence. A connection introduces at
    /// most [`MAX_AWARENESS_CLIENTS`] ids, whose states hold at most
    /// [`MAX_AWARENESS_BYTES`] together.
    fn own_awareness(&mut self, conn: u64, entries: Vec<Entry>) -> Vec<Entry> {
        let mut kept = Vec::with_capacity(entries.len());
        for e in entries {
            let owner = self
                .peers
                .iter()
                .find(|(_, p)| p.clients.contains(&e.client_id))
                .map(|(id, _)| *id);
            let allowed = match owner {
                Some(o) => o == conn,
                None => {
                    !self.remote_clients.contains_key(&e.client_id)
                        && self
                            .peers
                            .get(&conn)
                            .is_some_and(|p| p.clients.len() < MAX_AWARENESS_CLIENTS)
                }
            };
            let Some(peer) = self.peers.get_mut(&conn).filter(|_| allowed) else {
                self.shared.metrics.reject("awareness_not_owned");
                continue;
            };
            if let Some(state) = &e.state {
                let others: usize = peer
                    .clients
                    .iter()
                    .filter(|id| **id != e.client_id)
                    .map(|id| self.awareness.state_len(*id))
                    .sum();
                if others + state.len() > MAX_AWARENESS_BYTES {
                    self.shared.metrics.reject("awareness_too_large");
                    continue;
                }
            }
            peer.clients.insert(e.client_id);
            kept.push(e);
        }
        kept
    }

    /// The board is being erased: what this batch applied is never committed (nobody
    /// has seen it), and the task ends after the batch.
    fn start_discard(&mut self, reason: CloseReason, done: oneshot::Sender<()>) {
        self.pending.clear();
        let refused = CloseReason::new(reason.code, &reason.reason);
        for waiting in self.changes_done.drain(..) {
            let _ = waiting.send(Err(refused.clone()));
        }
        self.discard = Some((reason, done));
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
                let update = awareness::encode_update(&removed);
                self.publish_awareness(&update);
                out.all(wire::encode_awareness(&update));
            }
        }
    }

    fn publish_awareness(&self, update: &[u8]) {
        if let Some(bus) = &self.shared.bus {
            bus.publish(Event::Awareness {
                board: self.id.as_str().to_owned(),
                update: update.to_vec(),
            });
        }
    }

    /// Commits the batch's updates, publishes them to other nodes, catches up with what
    /// other nodes committed in between, then answers the server changes, snapshot
    /// requests and reads of the batch (they see committed state only).
    async fn commit(&mut self, out: &mut Outbox) -> Result<(), CloseReason> {
        let result = match self.commit_pending(out).await {
            Ok(Some((first, updates))) => {
                let n = updates.len() as i64;
                if let Some(bus) = &self.shared.bus {
                    bus.publish(Event::Updates {
                        board: self.id.as_str().to_owned(),
                        first_seq: first,
                        updates,
                    });
                }
                let bus = self.shared.bus.is_some();
                match self.order.committed(first, n, bus, Instant::now()) {
                    // Another node committed to this board in between; its updates are
                    // on the bus already: ours wait aside a moment for theirs.
                    AfterCommit::InOrder | AfterCommit::WaitForBus => {}
                    AfterCommit::CatchUpNow => {
                        self.shared.metrics.bus_gaps.fetch_add(1, Relaxed);
                        self.catch_up(out).await;
                    }
                }
                Ok(())
            }
            Ok(None) => {
                if self.order.needs_catch_up() {
                    self.catch_up(out).await;
                }
                Ok(())
            }
            Err(e) => Err(e),
        };
        for done in self.changes_done.drain(..) {
            let _ = done.send(result.clone());
        }
        if self.reload {
            // The document holds what it must not: snapshots and reads wait for the
            // rebuilt one.
            let waiting = self.snapshots.drain(..).map(Cmd::Snapshot);
            let reads = std::mem::take(&mut self.reads).into_iter().map(Cmd::Read);
            for cmd in waiting.chain(reads).collect::<Vec<_>>().into_iter().rev() {
                self.deferred.push_front(cmd);
            }
        }
        if result.is_ok() && !self.snapshots.is_empty() {
            match update::encode_state(&self.doc) {
                Ok(state) => {
                    for reply in self.snapshots.drain(..) {
                        let _ = reply.send((self.order.last_seq(), state.clone()));
                    }
                }
                Err(_) => {
                    tracing::error!(board = %self.id, "encoding the board panicked; rebuilding it");
                    self.snapshots.clear();
                    self.reload = true;
                }
            }
        }
        // Reads, too, see only what is committed; a failed commit drops them (their
        // callers see the board go away and may retry).
        if result.is_ok() {
            for read in std::mem::take(&mut self.reads) {
                if update::isolate(|| read(&self.doc)).is_err() {
                    tracing::error!(board = %self.id, "a server read panicked");
                }
            }
        } else {
            self.reads.clear();
        }
        result
    }

    /// Applies from the log every update after `last_seq` (other nodes' updates this node
    /// missed), sending what changed to the local peers. If compaction removed the rows
    /// right after `last_seq`, the board's snapshot is applied first.
    async fn catch_up(&mut self, out: &mut Outbox) {
        self.order.catching_up();
        self.shared.metrics.bus_catchups.fetch_add(1, Relaxed);
        let store = &self.shared.store;
        let last_seq = self.order.last_seq();
        let mut rows = match store.updates_after(self.id.as_str(), last_seq).await {
            Ok(r) => r,
            Err(e) => {
                if let Some(n) = self.shared.metrics.store_error() {
                    tracing::warn!(board = %self.id, error = %e, unlogged = n, "catch-up failed; will retry");
                }
                self.order.catch_up_failed();
                return;
            }
        };
        let mut snapshot = None;
        if rows.first().is_some_and(|(seq, _)| *seq != last_seq + 1) {
            match store.load_board(self.id.as_str()).await {
                Ok(stored) => {
                    snapshot = stored.snapshot;
                    rows = stored.updates;
                }
                Err(e) => {
                    if let Some(n) = self.shared.metrics.store_error() {
                        tracing::warn!(board = %self.id, error = %e, unlogged = n, "catch-up failed; will retry");
                    }
                    self.order.catch_up_failed();
                    return;
                }
            }
        }
        if let Some(snap) = snapshot {
            // the store was compacted meanwhile: it holds this snapshot and the rows after
            self.stored_bytes = snap.state.len();
            if let Ok(u) = update::decode_v1(&snap.state, &mut Budget::unlimited()) {
                self.apply_remote(u, out);
            }
            self.order.applied_snapshot(snap.seq);
        }
        for (seq, data) in rows {
            if seq <= self.order.last_seq() {
                continue;
            }
            self.stored_bytes += data.len();
            if let Ok(u) = update::decode_v1(&data, &mut Budget::unlimited()) {
                self.apply_remote(u, out);
            }
            self.order.applied(seq);
        }
    }

    /// Applies an update that is already in the log (from another node) and queues what
    /// it changed for the local peers.
    fn apply_remote(&mut self, u: Update, out: &mut Outbox) {
        match update::apply(&self.doc, u, false) {
            Ok(applied) => {
                if let Some(delta) = applied.delta {
                    out.all(wire::encode_update(&delta));
                }
            }
            Err(_) => {
                tracing::error!(board = %self.id, "applying a logged update panicked; resetting the board");
                self.poisoned = true;
            }
        }
    }

    /// Updates another node committed and published.
    fn remote_updates(&mut self, first_seq: i64, updates: Vec<Vec<u8>>, out: &mut Outbox) {
        match self.order.remote(first_seq, updates.len()) {
            Remote::Duplicate => {}
            // Something was missed; the log has it (it was committed before it was
            // published).
            Remote::Gap => {
                self.shared.metrics.bus_gaps.fetch_add(1, Relaxed);
            }
            Remote::Apply { skip } => {
                for (i, data) in updates.into_iter().enumerate().skip(skip) {
                    if first_seq + (i as i64) <= self.order.last_seq() {
                        continue;
                    }
                    self.stored_bytes += data.len();
                    if let Ok(u) = update::decode_v1(&data, &mut Budget::unlimited()) {
                        self.apply_remote(u, out);
                    }
                    self.order.applied(first_seq + i as i64);
                }
            }
        }
    }

    /// Commits the batch's updates — merged into one (one log row, one frame to every
    /// peer) when there are several — and queues the frame for the peers; on success
    /// returns what was committed with its first sequence number (for the bus).
    async fn commit_pending(
        &mut self,
        out: &mut Outbox,
    ) -> Result<Option<(i64, Vec<Vec<u8>>)>, CloseReason> {
        if self.pending.is_empty() {
            return Ok(None);
        }
        let deltas = std::mem::take(&mut self.pending);
        let n = deltas.len();
        let updates = if n > 1 {
            match yrs::merge_updates_v1(&deltas) {
                Ok(merged) => vec![merged],
                // not expected (the document produced them); send them one by one
                Err(_) => deltas,
            }
        } else {
            deltas
        };
        let batch = BoardAppend {
            board_id: self.id.as_str().to_owned(),
            updates,
        };
        let started = Instant::now();
        let appended = self.shared.writer.append(batch).await;
        self.shared
            .metrics
            .commit_latency
            .observe(started.elapsed());
        match appended {
            Ok((first, updates)) => {
                let metrics = &self.shared.metrics;
                metrics.updates_persisted.fetch_add(n as u64, Relaxed);
                metrics.commits.fetch_add(1, Relaxed);
                self.since_snapshot += updates.len() as u64;
                self.stored_bytes += updates.iter().map(Vec::len).sum::<usize>();
                for u in &updates {
                    out.all(wire::encode_update(u));
                }
                Ok(Some((first, updates)))
            }
            Err(e) => {
                if let Some(n) = self.shared.metrics.store_error() {
                    tracing::error!(board = %self.id, error = %e, unlogged = n, "commit failed; closing the board so clients resend");
                }
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

    /// Replaces the document with one rebuilt from the store (see `reload`).
    async fn reload_from_store(&mut self) -> Result<(), CloseReason> {
        self.reload = false;
        let stored = match self.shared.store.load_board(self.id.as_str()).await {
            Ok(s) => s,
            Err(e) => {
                if let Some(n) = self.shared.metrics.store_error() {
                    tracing::error!(board = %self.id, error = %e, unlogged = n, "could not reload the board");
                }
                return Err(CloseReason::new(
                    close::INTERNAL_ERROR,
                    "board unavailable; reconnect",
                ));
            }
        };
        let last_seq = stored.last_seq();
        let since_snapshot = stored.updates.len() as u64;
        let stored_bytes = stored_size(&stored);
        let (doc, problems) = tokio::task::spawn_blocking(move || rebuild_stored(&stored))
            .await
            .map_err(|_| CloseReason::new(close::INTERNAL_ERROR, "board unavailable; reconnect"))?;
        for p in &problems {
            tracing::error!(board = %self.id, problem = %p, "stored board data skipped");
        }
        self.doc = doc;
        self.order = LogOrder::new(last_seq);
        self.since_snapshot = since_snapshot;
        self.stored_bytes = stored_bytes;
        Ok(())
    }

    /// Folds the log into a snapshot, once the snapshot is proven to read back as the
    /// document (`update::verify_state`): a snapshot that does not is never written, and
    /// the log it would have replaced stays.
    async fn compact(&mut self) {
        let verified = update::encode_state(&self.doc)
            .map_err(|e| e.to_string())
            .and_then(|state| update::verify_state(&self.doc, &state).map(|()| state));
        let state = match verified {
            Ok(state) => state,
            Err(e) => {
                self.shared
                    .metrics
                    .compactions_refused
                    .fetch_add(1, Relaxed);
                tracing::error!(board = %self.id, error = %e, "compaction refused: the snapshot would not read back as the board; the log stays");
                // Try again only after as many updates again, not after every batch.
                self.since_snapshot = 0;
                return;
            }
        };
        match self
            .shared
            .store
            .compact(self.id.as_str(), self.order.last_seq(), &state)
            .await
        {
            Ok(()) => {
                self.since_snapshot = 0;
                self.stored_bytes = state.len();
                self.shared.metrics.compactions.fetch_add(1, Relaxed);
            }
            Err(e) => {
                if let Some(n) = self.shared.metrics.store_error() {
                    tracing::warn!(board = %self.id, error = %e, unlogged = n, "compaction failed; the log stays as it is");
                }
            }
        }
    }

    async fn finish(mut self, end: End, generation: u64) {
        let reason = match &end {
            End::Idle => None,
            End::Discarded(r, _) => Some(r.clone()),
            End::Shutdown => Some(CloseReason::new(close::GOING_AWAY, "server shutting down")),
            End::Failed(r) => Some(r.clone()),
        };
        if let Some(reason) = reason {
            for (_, peer) in self.peers.drain() {
                let _ = peer.kick.set(reason.clone());
            }
        }
        if matches!(end, End::Idle | End::Shutdown) && self.since_snapshot > 0 {
            self.compact().await;
        }
        if !matches!(end, End::Idle) {
            // Idle boards removed themselves; the others leave the registry now, so the
            // next connection loads the board afresh from the database.
            self.shared.remove_if_idle(&self.id, generation, true);
        }
        if let End::Discarded(_, done) = end {
            let _ = done.send(());
        }
        tracing::debug!(board = %self.id, "board unloaded");
    }
}

impl Peer {
    fn new(out: mpsc::Sender<Bytes>, kick: KickSlot, permit: Permit) -> Peer {
        Peer {
            out,
            kick,
            principal: permit.principal,
            access: permit.access,
            lockable: permit.lockable,
            clients: HashSet::new(),
            told_read_only: false,
            max_board_bytes: permit.max_board_bytes,
            apply_budget: APPLY_BURST,
            apply_budget_at: Instant::now(),
        }
    }

    /// Charges `spent` of the board's time applying this peer's update; false when the
    /// peer has used more than its share.
    fn charge(&mut self, spent: std::time::Duration, now: Instant) -> bool {
        let refill = now
            .saturating_duration_since(self.apply_budget_at)
            .as_secs_f64()
            * APPLY_SHARE;
        self.apply_budget_at = now;
        self.apply_budget = (self.apply_budget + refill).min(APPLY_BURST) - spent.as_secs_f64();
        self.apply_budget >= 0.0
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
