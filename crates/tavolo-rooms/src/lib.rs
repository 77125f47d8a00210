//! The facilitation domain: its rules (credentials, who may do what, the state a meeting
//! keeps) without I/O, and the use cases that store what they decide (`service`), which
//! the REST API and `tavolo admin` both call.
//!
//! - [`auth`]: random tokens (stored only as SHA-256), argon2id passwords, vote
//!   pseudonyms.
//! - [`access`]: the one access decision, [`access::decide`]: what a principal may do
//!   with a workspace, a session or a board (managing, seeing, opening, voting). Every
//!   endpoint, sync connection and control channel of the server goes through it; nothing
//!   else decides.
//! - [`state`]: the session's room state, persisted as JSON with the session and sent to
//!   every client of the session on the control channel.
//! - [`live`]: the control channel's presence table and broadcast (who is connected, on
//!   which board; the session's view to every client), in memory on each node.
//! - [`passwords`]: argon2id on tokio's blocking pool, bounded, so sign-ins cannot starve
//!   the async workers.
//! - [`view`]: what a meeting looks like to its clients (the session's view, typed both
//!   ways; built and published by `service::publish`).
//! - [`service`]: the use cases (facilitators and sign-in, workspaces, meetings, boards,
//!   invitations and joining; on [`service::Rooms`]: breakout groups and gathering, the
//!   timer and messages, private mode, dot votes, snapshots and closing, ending rights),
//!   over `tavolo-store` and `tavolo-hub`, with their own error type,
//!   [`service::ServiceError`], which the HTTP layer maps to statuses.

pub mod access;
pub mod auth;
pub mod live;
pub mod passwords;
pub mod service;
pub mod state;
pub mod view;
