//! Facilitation rules, without I/O: credentials, who may open which board and how, and
//! the state a session keeps (phase, groups, timer, message, follow, private mode).
//!
//! - [`auth`]: random tokens (stored only as SHA-256), argon2id passwords, vote
//!   pseudonyms.
//! - [`access`]: the one access decision, [`access::decide`]: what a principal may do
//!   with a workspace, a session or a board (managing, seeing, opening, voting). Every
//!   endpoint, sync connection and control channel of the server goes through it; nothing
//!   else decides.
//! - [`state`]: the session's room state, persisted as JSON with the session and sent to
//!   every client of the session on the control channel.

pub mod access;
pub mod auth;
pub mod state;
