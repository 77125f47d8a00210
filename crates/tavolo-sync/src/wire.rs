//! y-websocket framing: `varUint(type)` followed by a body.
//!
//! | type | body | meaning |
//! |---|---|---|
//! | 0 | `varUint(0) varBuf(stateVector)` | sync step 1 |
//! | 0 | `varUint(1) varBuf(update)` | sync step 2 |
//! | 0 | `varUint(2) varBuf(update)` | update |
//! | 1 | `varBuf(awarenessUpdate)` | awareness |
//! | 2 | `varUint(0) varString(reason)` | auth: permission denied |
//! | 3 | (empty) | query awareness |
//!
//! We always *send* one message per WebSocket frame (released y-websocket clients decode
//! only the first message of a frame); we *accept* frames that carry several messages.
//! Updates are Yjs v1 encoding on the wire.

use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;

pub const MSG_SYNC: u32 = 0;
pub const MSG_AWARENESS: u32 = 1;
pub const MSG_AUTH: u32 = 2;
pub const MSG_QUERY_AWARENESS: u32 = 3;

pub const SYNC_STEP1: u32 = 0;
pub const SYNC_STEP2: u32 = 1;
pub const SYNC_UPDATE: u32 = 2;

/// One decoded message; payloads borrow from the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    SyncStep1(&'a [u8]),
    SyncStep2(&'a [u8]),
    Update(&'a [u8]),
    Awareness(&'a [u8]),
    /// Permission denied, with the reason. Servers send it; clients have no reason to.
    AuthDenied(&'a str),
    QueryAwareness,
}

/// Why a frame could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("empty frame")]
    Empty,
    #[error("truncated or malformed message: {0}")]
    Malformed(String),
    #[error("unknown message type {0}")]
    UnknownType(u32),
    #[error("unknown sync message type {0}")]
    UnknownSyncType(u32),
    #[error("unknown auth message type {0}")]
    UnknownAuthType(u32),
}

impl DecodeError {
    /// A short, stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty_frame",
            DecodeError::Malformed(_) => "malformed",
            DecodeError::UnknownType(_) => "unknown_type",
            DecodeError::UnknownSyncType(_) => "unknown_sync_type",
            DecodeError::UnknownAuthType(_) => "unknown_auth_type",
        }
    }
}

fn malformed(e: yrs::encoding::read::Error) -> DecodeError {
    DecodeError::Malformed(e.to_string())
}

/// Decodes every message in a frame, in order. A frame with one bad message is bad as a
/// whole: the caller closes the connection, so nothing of it is applied.
pub fn decode_frame(frame: &[u8]) -> Result<Vec<Message<'_>>, DecodeError> {
    if frame.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut cur = Cursor::new(frame);
    let mut out = Vec::with_capacity(1);
    while cur.next < frame.len() {
        out.push(decode_one(&mut cur)?);
    }
    Ok(out)
}

fn decode_one<'a>(cur: &mut Cursor<'a>) -> Result<Message<'a>, DecodeError> {
    let ty: u32 = cur.read_var().map_err(malformed)?;
    match ty {
        MSG_SYNC => {
            let sub: u32 = cur.read_var().map_err(malformed)?;
            let payload = read_buf(cur)?;
            match sub {
                SYNC_STEP1 => Ok(Message::SyncStep1(payload)),
                SYNC_STEP2 => Ok(Message::SyncStep2(payload)),
                SYNC_UPDATE => Ok(Message::Update(payload)),
                other => Err(DecodeError::UnknownSyncType(other)),
            }
        }
        MSG_AWARENESS => Ok(Message::Awareness(read_buf(cur)?)),
        MSG_AUTH => {
            let sub: u32 = cur.read_var().map_err(malformed)?;
            if sub != 0 {
                return Err(DecodeError::UnknownAuthType(sub));
            }
            let buf = read_buf(cur)?;
            let reason = std::str::from_utf8(buf)
                .map_err(|_| DecodeError::Malformed("auth reason is not UTF-8".into()))?;
            Ok(Message::AuthDenied(reason))
        }
        MSG_QUERY_AWARENESS => Ok(Message::QueryAwareness),
        other => Err(DecodeError::UnknownType(other)),
    }
}

/// `read_buf` with the borrow tied to the frame rather than to the cursor.
fn read_buf<'a>(cur: &mut Cursor<'a>) -> Result<&'a [u8], DecodeError> {
    let len: u32 = cur.read_var().map_err(malformed)?;
    let len = len as usize;
    let start = cur.next;
    if cur.buf.len() - start < len {
        return Err(DecodeError::Malformed(format!(
            "length {len} runs past the end of the frame"
        )));
    }
    cur.next = start + len;
    Ok(&cur.buf[start..start + len])
}

fn with_header(ty: u32, sub: Option<u32>, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.write_var(ty);
    if let Some(sub) = sub {
        out.write_var(sub);
    }
    out.write_buf(payload);
    out
}

pub fn encode_sync_step1(state_vector: &[u8]) -> Vec<u8> {
    with_header(MSG_SYNC, Some(SYNC_STEP1), state_vector)
}

pub fn encode_sync_step2(update: &[u8]) -> Vec<u8> {
    with_header(MSG_SYNC, Some(SYNC_STEP2), update)
}

pub fn encode_update(update: &[u8]) -> Vec<u8> {
    with_header(MSG_SYNC, Some(SYNC_UPDATE), update)
}

pub fn encode_awareness(awareness_update: &[u8]) -> Vec<u8> {
    with_header(MSG_AWARENESS, None, awareness_update)
}

pub fn encode_auth_denied(reason: &str) -> Vec<u8> {
    with_header(MSG_AUTH, Some(0), reason.as_bytes())
}

pub fn encode_query_awareness() -> Vec<u8> {
    let mut out = Vec::with_capacity(1);
    out.write_var(MSG_QUERY_AWARENESS);
    out
}

/// An awareness message with no entries. Clients apply it as a no-op, but it counts as
/// "a message received": the y-websocket client closes a socket that has received
/// nothing for 30 s, so an idle connection gets one of these now and then.
pub fn encode_keepalive() -> Vec<u8> {
    encode_awareness(&[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let cases: Vec<(Vec<u8>, Message)> = vec![
            (encode_sync_step1(&[1, 2]), Message::SyncStep1(&[1, 2])),
            (encode_sync_step2(&[3]), Message::SyncStep2(&[3])),
            (encode_update(&[0, 0]), Message::Update(&[0, 0])),
            (encode_awareness(&[0]), Message::Awareness(&[0])),
            (
                encode_auth_denied("sola lettura"),
                Message::AuthDenied("sola lettura"),
            ),
            (encode_query_awareness(), Message::QueryAwareness),
        ];
        for (bytes, msg) in cases {
            assert_eq!(decode_frame(&bytes).unwrap(), vec![msg]);
        }
    }

    #[test]
    fn several_messages_in_one_frame() {
        let mut frame = encode_sync_step1(&[0]);
        frame.extend(encode_awareness(&[0]));
        let msgs = decode_frame(&frame).unwrap();
        assert_eq!(
            msgs,
            vec![Message::SyncStep1(&[0]), Message::Awareness(&[0])]
        );
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        assert_eq!(decode_frame(&[]), Err(DecodeError::Empty));
        assert_eq!(decode_frame(&[9]), Err(DecodeError::UnknownType(9)));
        assert_eq!(
            decode_frame(&[0, 7, 0]),
            Err(DecodeError::UnknownSyncType(7))
        );
        // truncated varint: continuation bit set on the last byte
        assert!(matches!(
            decode_frame(&[0x80]),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode_frame(&[0, 0x80]),
            Err(DecodeError::Malformed(_))
        ));
        // length past the end
        assert!(matches!(
            decode_frame(&[0, 2, 10, 1, 2]),
            Err(DecodeError::Malformed(_))
        ));
        // overlong varint: refused, whichever way it is read
        assert!(decode_frame(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
        // every prefix of a valid frame is either valid or an error
        let frame = encode_update(&[1, 2, 3, 4, 5]);
        for i in 0..frame.len() {
            let _ = decode_frame(&frame[..i]);
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        // a small deterministic xorshift so the test needs no dependency
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let bytes: Vec<u8> = (0..len).map(|i| (x >> (i % 8 * 8)) as u8).collect();
            let _ = decode_frame(&bytes);
        }
    }
}
