//! Awareness updates and the board's table of them. The input is a few awareness updates
//! (`varUint(len) bytes` each) from a few connections; piece `i` comes from connection
//! `i % 3`, and after every third piece connection 0 closes. Properties:
//!
//! - a decoded update has at most `MAX_ENTRIES` entries, each state JSON (not `null`) of
//!   at most `MAX_STATE_BYTES`, and encodes back to the same entries;
//! - the table follows y-protocols' rules, checked against a model: an entry is taken
//!   when its client is new (and it is not a removal), its clock is newer, or it is a
//!   removal at the same clock; what is taken is relayed in order;
//! - the table holds exactly the model's states, and `encode_all` / `encode_clients`
//!   encode exactly those;
//! - closing a connection removes the clients it introduced, relayed as removals at a
//!   clock past the last one seen (so peers accept them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};
use tavolo_sync::awareness::{self, AwarenessTable, Entry, MAX_ENTRIES, MAX_STATE_BYTES};

fuzz_target!(|data: &[u8]| {
    let mut table = AwarenessTable::new();
    let mut model: HashMap<u64, (u64, String)> = HashMap::new();
    let mut introduced: [HashSet<u64>; 3] = Default::default();
    for (i, piece) in tavolo_fuzz::pieces(data, 16).into_iter().enumerate() {
        let Ok(entries) = awareness::decode_update(piece) else {
            continue;
        };
        assert!(entries.len() <= MAX_ENTRIES);
        for e in &entries {
            if let Some(s) = &e.state {
                assert!(s.len() <= MAX_STATE_BYTES);
                let v: serde_json::Value = serde_json::from_str(s).expect("a state is JSON");
                assert!(!v.is_null());
            }
        }
        let bytes = awareness::encode_update(&entries);
        assert_eq!(awareness::decode_update(&bytes).unwrap(), entries);

        // the model
        let mut expected = Vec::new();
        for e in &entries {
            let take = match model.get(&e.client_id) {
                None => e.state.is_some(),
                Some((c, _)) => *c < e.clock || (*c == e.clock && e.state.is_none()),
            };
            if take {
                match &e.state {
                    Some(s) => {
                        model.insert(e.client_id, (e.clock, s.clone()));
                    }
                    None => {
                        model.remove(&e.client_id);
                    }
                }
                expected.push(e.clone());
            }
        }
        let conn = i % 3;
        let accepted = table.apply(entries);
        assert_eq!(accepted, expected);
        introduced[conn].extend(accepted.iter().map(|e| e.client_id));
        check(&table, &model);

        if i % 3 == 2 {
            let ids: Vec<u64> = introduced[0].drain().collect();
            let held: HashMap<u64, u64> = ids
                .iter()
                .filter_map(|id| model.get(id).map(|(c, _)| (*id, *c)))
                .collect();
            let removed = table.remove_clients(ids.iter().copied());
            assert_eq!(removed.len(), held.len());
            for r in &removed {
                assert!(r.state.is_none());
                assert!(
                    r.clock > held[&r.client_id],
                    "a removal peers would drop as stale"
                );
                model.remove(&r.client_id);
            }
            check(&table, &model);
        }
    }
});

fn check(table: &AwarenessTable, model: &HashMap<u64, (u64, String)>) {
    assert_eq!(table.len(), model.len());
    assert_eq!(table.is_empty(), model.is_empty());
    let all: HashMap<u64, (u64, String)> = match table.encode_all() {
        None => HashMap::new(),
        Some(b) => awareness::decode_update(&b)
            .expect("encode_all decodes")
            .into_iter()
            .map(|e: Entry| (e.client_id, (e.clock, e.state.expect("live states only"))))
            .collect(),
    };
    assert_eq!(&all, model);
    let mut ids: Vec<u64> = model.keys().copied().take(4).collect();
    ids.push(u64::MAX - 1); // most likely not held
    let some = table
        .encode_clients(&ids)
        .map(|b| awareness::decode_update(&b).unwrap())
        .unwrap_or_default();
    let want = ids.iter().filter(|id| model.contains_key(id)).count();
    assert_eq!(some.len(), want);
}
