//! State vectors (sync step 1). Properties: whatever `validate::state_vector_v1` accepts,
//! yrs decodes, with at most the declared number of clients, and it encodes to a state
//! vector that validates and decodes to itself; the hub's `decode_state_vector` agrees
//! with the validator; and the server's answer to it (the diff of a real board) is an
//! update Tavolo itself accepts, with no structs when the vector claims everything.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tavolo_sync::update;
use tavolo_sync::validate::{self, Budget};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, ReadTxn, StateVector, Text, Transact};

/// A small board written by two clients (ids 1 and 2), with a deletion.
fn board() -> &'static [u8] {
    static STATE: OnceLock<Vec<u8>> = OnceLock::new();
    STATE.get_or_init(|| {
        let a = Doc::with_client_id(1);
        let b = Doc::with_client_id(2);
        let items = a.get_or_insert_map("items");
        let texts = a.get_or_insert_map("texts");
        {
            let mut t = a.transact_mut();
            items.insert(&mut t, "n1", yrs::Any::from("sticky"));
            let text = texts.insert(&mut t, "n1", yrs::TextPrelim::new("ciao a tutti"));
            text.remove_range(&mut t, 0, 5);
        }
        let s = a
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        b.transact_mut()
            .apply_update(yrs::Update::decode_v1(&s).unwrap())
            .unwrap();
        b.get_or_insert_map("items")
            .insert(&mut b.transact_mut(), "n2", yrs::Any::from(2.5));
        let state = b
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        state
    })
}

fuzz_target!(|data: &[u8]| {
    let checked = validate::state_vector_v1(data);
    let hub = update::decode_state_vector(data);
    assert_eq!(
        checked.is_ok(),
        hub.is_ok(),
        "the hub and the validator disagree"
    );
    let Ok(n) = checked else { return };
    let sv = hub.unwrap();
    assert!(sv.len() as u64 <= n);
    let again = sv.encode_v1();
    assert!(validate::state_vector_v1(&again).is_ok());
    assert_eq!(StateVector::decode_v1(&again).unwrap(), sv);

    // The server's sync step 2 for this vector.
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(yrs::Update::decode_v1(board()).unwrap())
        .unwrap();
    let diff = update::encode_diff(&doc, &sv).expect("encoding the diff panicked");
    assert!(
        validate::update_v1(&diff, &mut Budget::unlimited()).is_ok(),
        "the diff does not validate: {diff:?}"
    );
    let full = doc.transact().state_vector();
    let claimed_all = full.iter().all(|(c, k)| sv.get(c) >= *k);
    if claimed_all {
        // (the delete set always goes along, as in Yjs)
        assert_eq!(diff[0], 0, "no structs for a peer that has everything");
    }
});
