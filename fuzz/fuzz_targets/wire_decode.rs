//! `wire::decode_frame` on any bytes: never panics; a decoded frame encodes back to
//! itself (byte for byte when its varints were minimal, shorter otherwise); every payload
//! is a slice of the frame; errors are the ones the bytes call for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tavolo_sync::wire::{self, DecodeError, Message};

fn encode(m: &Message) -> Vec<u8> {
    match *m {
        Message::SyncStep1(p) => wire::encode_sync_step1(p),
        Message::SyncStep2(p) => wire::encode_sync_step2(p),
        Message::Update(p) => wire::encode_update(p),
        Message::Awareness(p) => wire::encode_awareness(p),
        Message::AuthDenied(r) => wire::encode_auth_denied(r),
        Message::QueryAwareness => wire::encode_query_awareness(),
    }
}

fn within(frame: &[u8], p: &[u8]) -> bool {
    let (f, q) = (frame.as_ptr() as usize, p.as_ptr() as usize);
    p.is_empty() || (q >= f && q + p.len() <= f + frame.len())
}

fuzz_target!(|data: &[u8]| {
    match wire::decode_frame(data) {
        Ok(msgs) => {
            assert!(!msgs.is_empty(), "a non-empty frame holds a message");
            let mut again = Vec::new();
            for m in &msgs {
                let p: &[u8] = match *m {
                    Message::SyncStep1(p)
                    | Message::SyncStep2(p)
                    | Message::Update(p)
                    | Message::Awareness(p) => p,
                    Message::AuthDenied(r) => r.as_bytes(),
                    Message::QueryAwareness => &[],
                };
                assert!(within(data, p), "payloads borrow from the frame");
                let one = encode(m);
                assert_eq!(wire::decode_frame(&one).unwrap(), vec![*m], "one message");
                again.extend(one);
            }
            assert!(again.len() <= data.len(), "re-encoding never grows");
            if again.len() == data.len() {
                assert_eq!(again, data, "minimal varints: the same bytes");
            }
            assert_eq!(wire::decode_frame(&again).unwrap(), msgs);
        }
        Err(e) => {
            assert_eq!(e == DecodeError::Empty, data.is_empty());
            assert!(!e.label().is_empty());
            let _ = e.to_string();
        }
    }
});
