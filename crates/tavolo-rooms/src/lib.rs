//! Facilitation rules, without I/O: credentials, who may open which board and how, and
//! the state a session keeps (phase, groups, timer, message, follow, private mode).
//!
//! - [`auth`]: random tokens (stored only as SHA-256), argon2id passwords, vote
//!   pseudonyms.
//! - [`access`]: the one function that decides what a principal may do with a board.
//! - [`state`]: the session's room state, persisted as JSON with the session and sent to
//!   every client of the session on the control channel.

pub mod access;
pub mod auth;
pub mod state;
