//! The y-websocket wire protocol and the sans-IO parts of a sync session.
//!
//! Nothing here does I/O or knows about tokio: the hub (`tavolo-hub`) drives these
//! pieces from its tasks, and tests drive them directly.
//!
//! - [`wire`]: decoding and encoding of y-websocket messages (sync, awareness, auth,
//!   query-awareness). Decoding never panics and reports *why* a frame is bad.
//! - [`awareness`]: the server's table of awareness (presence) states of a board, with
//!   the Yjs rules for stale clocks and removal, and clean-up of a closed connection.
//! - [`validate`]: bounded checks of every untrusted Yjs payload before yrs decodes it.
//! - [`update`]: decoding (validated) and applying untrusted Yjs updates to a document
//!   with panics isolated; verifying a compacted state before the log it replaces goes.
//! - [`model`]: the properties a board's document keeps whatever clients send, checked
//!   on a run of updates handled as the hub does (for the fuzz target and tests).
//! - [`BoardId`]: the validated name of a board.

pub mod awareness;
pub mod model;
pub mod update;
pub mod validate;
pub mod wire;

use std::fmt;

/// A validated board id: 1 to 128 characters of `A-Z a-z 0-9 _ - .`, not starting with
/// a dot. The y-websocket client puts the room name in the URL path without encoding it,
/// so anything outside this set could not round-trip through a URL safely.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BoardId(String);

/// Why a board id was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BoardIdError {
    #[error("board id is empty")]
    Empty,
    #[error("board id is longer than {max} characters")]
    TooLong { max: usize },
    #[error(
        "board id may contain only letters, digits, '_', '-' and '.', and may not start with '.'"
    )]
    BadCharacter,
}

impl BoardId {
    pub const MAX_LEN: usize = 128;

    pub fn parse(s: &str) -> Result<Self, BoardIdError> {
        if s.is_empty() {
            return Err(BoardIdError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(BoardIdError::TooLong { max: Self::MAX_LEN });
        }
        let ok = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
        if !ok || s.starts_with('.') {
            return Err(BoardIdError::BadCharacter);
        }
        Ok(BoardId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BoardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a connection may do to a board. Read-only connections still receive everything
/// and may publish presence, but their document updates are dropped (not disconnected:
/// every Yjs client answers sync step 1 with a step 2, even an empty one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_ids() {
        assert!(BoardId::parse("a").is_ok());
        assert!(BoardId::parse("board-1_x.v2").is_ok());
        assert_eq!(BoardId::parse(""), Err(BoardIdError::Empty));
        assert_eq!(BoardId::parse(".hidden"), Err(BoardIdError::BadCharacter));
        assert_eq!(BoardId::parse("a/b"), Err(BoardIdError::BadCharacter));
        assert_eq!(BoardId::parse("a b"), Err(BoardIdError::BadCharacter));
        assert_eq!(BoardId::parse("è"), Err(BoardIdError::BadCharacter));
        assert!(BoardId::parse(&"x".repeat(128)).is_ok());
        assert_eq!(
            BoardId::parse(&"x".repeat(129)),
            Err(BoardIdError::TooLong { max: 128 })
        );
    }
}
