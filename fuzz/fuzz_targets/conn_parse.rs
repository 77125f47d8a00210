//! `conn::parse`, the hub's whole check of a client frame. Properties: it accepts exactly
//! the frames whose every message decodes, validates within one shared frame budget and
//! (awareness) is JSON; what it returns is one `Inbound` per message, in order; a refusal
//! closes with 1002 (framing) or 1007 (payload) and a reason that fits a close frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tavolo_hub::vocab::Inbound;
use tavolo_hub::{close, conn};
use tavolo_sync::validate::{self, Budget};
use tavolo_sync::wire::{self, Message};
use tavolo_sync::{awareness, update};

fuzz_target!(|data: &[u8]| {
    let parsed = conn::parse(data);
    let msgs = wire::decode_frame(data);
    match parsed {
        Ok(inbound) => {
            let msgs = msgs.expect("parse accepted a frame that does not decode");
            assert_eq!(inbound.len(), msgs.len());
            assert!(msgs.len() <= conn::MAX_MESSAGES_PER_FRAME);
            let mut budget = Budget::new(Budget::FRAME);
            let mut work = 0u64;
            for (i, m) in inbound.iter().zip(&msgs) {
                match (i, m) {
                    (Inbound::SyncStep1(sv), Message::SyncStep1(b)) => {
                        assert_eq!(*sv, update::decode_state_vector(b).unwrap());
                    }
                    (Inbound::Update { .. }, Message::SyncStep2(b) | Message::Update(b)) => {
                        let shape = validate::update_v1(b, &mut budget).unwrap();
                        work += shape.structs + shape.deletions;
                    }
                    (Inbound::Awareness(e), Message::Awareness(b)) => {
                        assert_eq!(*e, awareness::decode_update(b).unwrap());
                    }
                    (Inbound::QueryAwareness, Message::QueryAwareness) => {}
                    _ => panic!("message and inbound differ"),
                }
            }
            assert!(work <= Budget::FRAME as u64, "the frame's budget holds");
        }
        Err((label, reason)) => {
            assert!(!label.is_empty());
            assert!(reason.reason.len() <= 123, "the reason fits a close frame");
            match msgs {
                Err(_) => assert_eq!(reason.code, close::PROTOCOL_ERROR),
                // too many messages in one frame: refused before any is looked at
                Ok(m) if m.len() > conn::MAX_MESSAGES_PER_FRAME => {
                    assert_eq!(reason.code, close::POLICY_VIOLATION);
                }
                Ok(m) => {
                    // the first message that does not pass decides the close code
                    let mut budget = Budget::new(Budget::FRAME);
                    let first_bad = m
                        .iter()
                        .find(|m| !passes(m, &mut budget))
                        .expect("parse refused a frame whose every message passes");
                    let code = match first_bad {
                        Message::AuthDenied(_) => close::PROTOCOL_ERROR,
                        _ => close::INVALID_PAYLOAD,
                    };
                    assert_eq!(reason.code, code);
                }
            }
        }
    }
});

fn passes(m: &Message, budget: &mut Budget) -> bool {
    match *m {
        Message::SyncStep1(b) => update::decode_state_vector(b).is_ok(),
        Message::SyncStep2(b) | Message::Update(b) => update::decode_v1(b, budget).is_ok(),
        Message::Awareness(b) => awareness::decode_update(b).is_ok(),
        Message::QueryAwareness => true,
        Message::AuthDenied(_) => false,
    }
}
