//! The live side of Tavolo: one task per loaded board, and the connections attached to it.
//!
//! - [`hub`]: the registry of live boards. [`Hub::attach`] loads a board on first use
//!   (exactly once: the board task is spawned under the registry lock and loads from the
//!   store *before* it reads any message), and a board unloads itself after its last
//!   connection has been gone for a grace period.
//! - [`board`]: the board task. It owns the yrs document and the awareness table, takes
//!   messages in batches, applies them, has the resulting updates committed by the
//!   group-commit writer, and only then sends anything out: **no peer ever sees an update
//!   that is not in the database**.
//! - [`conn`]: one connection, written over any `Stream + Sink` of [`Frame`]s so tests can
//!   drive it without a socket. It decodes and validates untrusted input, keeps the
//!   connection alive (pings with a deadline, keep-alive messages), and closes with a
//!   WebSocket close code and a reason when something is wrong.
//! - [`metrics`]: counters for `/metrics`.
//! - [`order`]: where a live board stands against its log across nodes (own commits
//!   ahead, duplicates, gaps, catch-up), as a pure state machine.
//! - [`vocab`]: what the modules say to each other (commands, permits, close reasons,
//!   frames); [`shared`]: what they share (limits, the registry, store, bus, metrics).
//!
//! Dependencies run one way: `conn` → `hub` → `board` → (`order`, `shared` → `vocab`).
//!
//! Shutdown: [`Hub::shutdown`] cancels a token; each board task finishes the batch in
//! hand (committed, as always), closes its peers with 1001, compacts and exits; the hub
//! waits for every board and connection task it tracks.

pub mod board;
pub mod bus;
pub mod conn;
pub mod hub;
pub mod metrics;
pub mod order;
pub mod shared;
pub mod vocab;

pub use board::rebuild_stored;
pub use hub::{AttachError, Hub};
pub use shared::HubConfig;
pub use vocab::{CloseReason, Deadline, Frame, Permit, ReadError};

/// WebSocket close codes Tavolo uses.
pub mod close {
    /// The server is shutting down, or the peer stopped answering pings.
    pub const GOING_AWAY: u16 = 1001;
    /// A frame that is not y-websocket protocol.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A text frame: the protocol is binary.
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// A well-framed message whose payload is invalid (an update or awareness state
    /// that does not decode or that the document refuses).
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// The connection sends more messages or bytes per second than it may.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// The message is larger than the configured limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// Something failed on our side (e.g. the database); reconnecting resyncs.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The client did not read fast enough and its outgoing queue filled; reconnecting
    /// resyncs it.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// The board holds as many bytes as it may (`Permit::max_board_bytes`, anonymous
    /// boards): the update that would have gone past it was refused, nothing of it kept.
    pub const BOARD_FULL: u16 = 4007;
}
