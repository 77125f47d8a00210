//! The vocabulary the hub's modules share: what a connection sends a board ([`Cmd`],
//! [`Inbound`]), what the HTTP layer grants it ([`Permit`]), how it is told to close
//! ([`CloseReason`], [`KickSlot`]) and the WebSocket frames it reads and writes
//! ([`Frame`], [`ReadError`]). Nothing here depends on another module of the hub.

use bytes::Bytes;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tavolo_sync::awareness::Entry;
use tavolo_sync::Access;
use tokio::sync::{mpsc, oneshot};
use yrs::{Doc, StateVector, TransactionMut, Update};

/// A WebSocket close code and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReason {
    pub code: u16,
    pub reason: String,
}

impl CloseReason {
    /// The reason is cut to fit a close frame (123 bytes of UTF-8).
    pub fn new(code: u16, reason: &str) -> CloseReason {
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        CloseReason {
            code,
            reason: reason[..end].to_owned(),
        }
    }
}

/// A WebSocket frame, independent of the WebSocket library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Binary(Bytes),
    Text(String),
    Ping(Bytes),
    Pong(Bytes),
    Close(Option<CloseReason>),
}

/// Why reading from the socket failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The message is larger than the configured limit.
    TooBig,
    /// Anything else the WebSocket layer refused.
    Protocol(String),
}

/// Where a closed connection learns why: the board sets it, then drops its sender.
pub type KickSlot = Arc<OnceLock<CloseReason>>;

/// A message from a connection, already decoded and validated by the connection task.
pub enum Inbound {
    SyncStep1(StateVector),
    /// Sync step 2 or update: both carry an update to apply, with what the validator
    /// found in it (shared types created: nesting is checked after it is applied; GC
    /// ranges: refused if they start past the document's clock of their client).
    Update {
        update: Update,
        shape: tavolo_sync::validate::Shape,
        /// The update's size as it arrived, in bytes.
        bytes: usize,
    },
    Awareness(Vec<Entry>),
    QueryAwareness,
}

/// A change the server itself makes to a board (restore, reveal, gather): it runs inside
/// the board's task, in one transaction, and goes through the same commit-then-broadcast
/// path as a client's update.
pub type ServerChange = Box<dyn FnOnce(&mut TransactionMut) + Send>;

/// A read of the live document, inside the board's task.
pub type DocRead = Box<dyn FnOnce(&Doc) + Send>;

pub enum Cmd {
    Join {
        conn: u64,
        out: mpsc::Sender<Bytes>,
        kick: KickSlot,
        permit: Permit,
    },
    /// The board was locked or unlocked: lockable peers become read-only or editors.
    SetLocked(bool),
    /// Close the connections of these principals (all lockable peers if `None`).
    Kick {
        principals: Option<Vec<String>>,
        reason: CloseReason,
    },
    Change {
        change: ServerChange,
        done: oneshot::Sender<Result<(), CloseReason>>,
    },
    Read(DocRead),
    /// Updates another node committed and published on the bus.
    RemoteUpdates {
        first_seq: i64,
        updates: Vec<Vec<u8>>,
    },
    /// Awareness relayed from another node.
    RemoteAwareness(Vec<Entry>),
    /// Another node loaded this board: publish our clients' awareness states.
    AwarenessQuery,
    /// The log's head for this board (periodic check with a bus): catch up if behind;
    /// also drops awareness states from other nodes that stopped being renewed.
    CheckHead(i64),
    /// The committed state: last sequence number and the whole document (v1).
    /// (Answered after the batch it arrives in is committed.)
    Snapshot(oneshot::Sender<(i64, Vec<u8>)>),
    Leave {
        conn: u64,
    },
    /// Close every connection with the reason and drop the document without writing
    /// anything; `done` once the board has left the registry.
    Discard {
        reason: CloseReason,
        done: oneshot::Sender<()>,
    },
    Messages {
        conn: u64,
        msgs: Vec<Inbound>,
        received: Instant,
    },
}

/// What a connection may do on this board, decided by the HTTP layer's access rules.
#[derive(Debug, Clone)]
pub struct Permit {
    /// The facilitator's or participant's id ("anonymous" for anonymous boards).
    pub principal: String,
    /// Read-only peers (observers) never change the board.
    pub access: Access,
    /// Lockable peers (participants) are read-only while the board is locked.
    pub lockable: bool,
    /// Whether the board is locked now (from the database, at connection time).
    pub locked: bool,
    /// The most bytes the board may hold in the store (its snapshot and log) for this
    /// peer's updates to be accepted: an update that would take it past this is refused
    /// and the peer closed (`close::BOARD_FULL`). `None`: no cap (workspace boards).
    pub max_board_bytes: Option<usize>,
    /// When the credential that opened the connection ends (it expires): the connection
    /// is closed at that moment, without waiting for its next message.
    pub ends: Option<Deadline>,
}

/// The moment a connection's rights end, and how it is closed then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// Unix time in milliseconds (the database's clock, `tavolo_store::now_ms`).
    pub at_ms: i64,
    pub reason: CloseReason,
}

impl Deadline {
    /// How long from now until the deadline (zero if it has passed).
    pub fn remaining(&self) -> std::time::Duration {
        let left = self.at_ms.saturating_sub(tavolo_store::now_ms()).max(0);
        std::time::Duration::from_millis(u64::try_from(left).unwrap_or(0))
    }

    /// Waits until the deadline; never, without one.
    pub async fn wait(deadline: Option<&Deadline>) {
        match deadline {
            Some(d) => tokio::time::sleep(d.remaining()).await,
            None => std::future::pending().await,
        }
    }
}

impl Permit {
    /// Anyone, editing: for boards outside every workspace.
    pub fn open() -> Permit {
        Permit {
            principal: "anonymous".into(),
            access: Access::ReadWrite,
            lockable: false,
            locked: false,
            ends: None,
            max_board_bytes: None,
        }
    }
}
