//! Inputs the fuzz targets (fuzz/) found, each kept as a test of what now holds. None is
//! open; one that is would be `#[ignore]`d until fixed (`cargo test -p tavolo-sync --test
//! fuzz_regressions -- --ignored`). The raw fuzz inputs are in fuzz/regressions/ (replay: `cargo fuzz run -s none update_apply <file>`).

use tavolo_sync::update::{self, Applied};
use tavolo_sync::validate::Budget;
use yrs::{Doc, ReadTxn, Transact};

/// Found by `update_apply`: a GC struct that starts past its client's clock (client 1,
/// clock 1, length 1; the update is `[1, 1, 1, 1, 0, 1, 0]`) passes the validator; yrs
/// does not park it (no pending update) and `apply` reports no delta (nothing for the
/// store to log), yet the document's snapshot now holds a deleted range `1: [1..2]`, with
/// client 1 at clock 0 in its state vector. So the live
/// document and the one rebuilt from the log (what a restart or a reload gives) differ,
/// and `verify_state` compares exactly these snapshots.
#[test]
fn a_gc_struct_ahead_of_its_clock_changes_nothing_the_log_does_not_hold() {
    let bytes = [1, 1, 1, 1, 0, 1, 0];
    let doc = Doc::new();
    let mut deltas = Vec::new();
    let (u, shape) = update::decode_v1_shaped(&bytes, &mut Budget::new(Budget::FRAME)).unwrap();
    // refused before yrs integrates it (as the hub and the import do)
    assert!(update::ahead(&doc, &shape).is_some());
    if update::ahead(&doc, &shape).is_none() {
        let Applied { delta, .. } = update::apply(&doc, u, true).unwrap();
        deltas.extend(delta);
    }
    let (logged, problems) = update::rebuild(None, deltas.iter().map(|d| (1, d.as_slice())));
    assert!(problems.is_empty());
    let live = doc.transact().snapshot();
    let from_log = logged.transact().snapshot();
    assert_eq!(
        live.delete_set, from_log.delete_set,
        "the live document holds deletions the log does not"
    );
}

/// Found by `update_apply` (minimised by `cargo fuzz tmin`): two updates of client 101
/// that both wait for structs never received (a string "c" at clock 8 whose origin is
/// 101:7, then a GC range of 80 at clock 205,520,895). Applied as they are, `verify_state`
/// refused the document's own state ("state vector or deletions differ"), so the hub would
/// never have compacted that board. The second is a GC range ahead of its client's clock,
/// which `update::ahead` refuses before yrs sees it (as the hub and the import do); the
/// first alone stays parked, and the document with it compacts.
#[test]
fn verify_state_accepts_a_document_with_parked_structs() {
    let updates: [&[u8]; 2] = [
        &[1, 1, 101, 8, 132, 101, 7, 1, 99, 0],
        &[1, 1, 101, 255, 255, 255, 98, 0, 80, 0],
    ];
    let doc = Doc::new();
    let mut refused = 0;
    for u in updates {
        let (u, shape) = update::decode_v1_shaped(u, &mut Budget::new(Budget::FRAME)).unwrap();
        if update::ahead(&doc, &shape).is_some() {
            refused += 1;
            continue;
        }
        let applied = update::apply(&doc, u, true).unwrap();
        assert!(applied.rejected.is_none() && !applied.parked_broken);
    }
    assert_eq!(refused, 1, "the GC range ahead of its clock is refused");
    assert!(
        doc.transact().store().pending_update().is_some(),
        "the string is parked"
    );
    let state = update::encode_state(&doc).unwrap();
    assert_eq!(update::verify_state(&doc, &state), Ok(()));
}

/// Found by `update_apply` (fuzz/regressions/update_apply-gc-integrate-overflow): a GC
/// range ahead of its client's clock made yrs's `BlockStore::push` subtract with overflow.
/// Every update of that input is now either refused by the validator or by ``update::ahead`,
/// and what is applied applies without a panic.
#[test]
fn the_gc_overflow_input_no_longer_panics() {
    let input = include_bytes!("../../../fuzz/regressions/update_apply-gc-integrate-overflow");
    // the target splits its input into pieces of at most 8 updates: try every split point
    // a piece can have, which covers the one the fuzzer used
    let doc = Doc::new();
    for start in 0..input.len() {
        for end in start + 1..=input.len().min(start + 400) {
            let piece = &input[start..end];
            let Ok((u, shape)) = update::decode_v1_shaped(piece, &mut Budget::new(Budget::FRAME))
            else {
                continue;
            };
            if update::ahead(&doc, &shape).is_some() {
                continue;
            }
            assert!(
                update::apply(&doc, u, true).is_ok(),
                "panicked on {piece:?}"
            );
        }
    }
}

/// A state vector as sorted (client, clock) pairs.
type Clocks = Vec<(u64, u32)>;

/// The fuzz input's updates (`varUint(len) bytes` each, as `fuzz/src/lib.rs` splits them)
/// through what the hub does with a client's update: the validator, `update::ahead`, then
/// `apply`. Returns the live document's state vector and the one of a document rebuilt
/// from the deltas it logged, without clients at clock 0 (known only from parked structs).
fn live_and_logged(input: &[u8]) -> (Clocks, Clocks) {
    use yrs::encoding::read::{Cursor, Read};
    let doc = Doc::new();
    let mut deltas = Vec::new();
    let mut cur = Cursor::new(input);
    while cur.next < input.len() {
        let Ok(len) = cur.read_var::<u32>() else {
            break;
        };
        let end = (cur.next + len as usize).min(input.len());
        let piece = &input[cur.next..end];
        cur.next = end;
        let Ok((u, shape)) = update::decode_v1_shaped(piece, &mut Budget::new(Budget::FRAME))
        else {
            continue;
        };
        if update::ahead(&doc, &shape).is_some() {
            continue;
        }
        deltas.extend(update::apply(&doc, u, true).unwrap().delta);
    }
    let (logged, problems) = update::rebuild(None, deltas.iter().map(|d| (1, d.as_slice())));
    assert!(problems.is_empty(), "{problems:?}");
    let known = |d: &Doc| {
        let mut v: Clocks = d
            .transact()
            .state_vector()
            .iter()
            .filter(|(_, c)| **c > 0)
            .map(|(k, c)| (k.get(), *c))
            .collect();
        v.sort();
        v
    };
    (known(&doc), known(&logged))
}

/// Found by `update_apply` in CI (fuzz/corpus/update_apply/forward-reference-parent): a
/// string of client 101 at clock 0 whose parent is 101:4, parked at that point. Live, yrs
/// integrated the string (as garbage); rebuilt from the log, it stayed parked. The
/// validator now refuses a reference to a later struct of the item's own client.
#[test]
fn a_forward_reference_to_a_parked_struct_is_refused() {
    let input = include_bytes!("../../../fuzz/corpus/update_apply/forward-reference-parent");
    let (live, logged) = live_and_logged(input);
    assert_eq!(live, logged);
}

/// Found by `update_apply` (fuzz/corpus/update_apply/reference-into-parked): client 0's
/// string names as parent 101:4, a struct that is parked (101's clock is 2). yrs resolved
/// it against the parked struct live, but not from the log. `update::ahead` now refuses an
/// item naming another client's struct that neither the board nor the update holds.
#[test]
fn a_reference_to_another_clients_parked_struct_is_refused() {
    let input = include_bytes!("../../../fuzz/corpus/update_apply/reference-into-parked");
    let (live, logged) = live_and_logged(input);
    assert_eq!(live, logged);
    // and the update itself is refused, with the reason the client is told
    let doc = Doc::new();
    let (_, shape) = update::decode_v1_shaped(
        &[1, 1, 0, 0, 4, 0, 101, 4, 1, 80, 0],
        &mut Budget::new(Budget::FRAME),
    )
    .unwrap();
    assert_eq!(update::ahead(&doc, &shape), Some(update::Ahead::Reference));
}

/// The fuzz target's input format: up to `max` pieces, each `varUint(len) bytes`.
fn pieces(data: &[u8], max: usize) -> Vec<&[u8]> {
    use yrs::encoding::read::{Cursor, Read};
    let mut out = Vec::new();
    let mut cur = Cursor::new(data);
    while cur.next < data.len() && out.len() < max {
        let Ok(len) = cur.read_var::<u32>() else {
            break;
        };
        let start = cur.next;
        let end = start.saturating_add(len as usize).min(data.len());
        out.push(&data[start..end]);
        cur.next = end;
    }
    out
}

/// Found by `update_apply` once the target stopped tolerating a refused state when
/// something is parked (fuzz/regressions/update_apply-parked-structs-in-the-compacted-state):
/// the whole state, with yrs's pending update merged in as `encode_state_as_update` does,
/// held a client section starting past its client's clock, which the rebuild in
/// `verify_state` refuses, so the board would never compact. The state compaction stores
/// no longer merges the pending update in (`update::encode_state`).
#[test]
fn a_document_with_parked_structs_compacts() {
    let input = include_bytes!(
        "../../../fuzz/regressions/update_apply-parked-structs-in-the-compacted-state"
    );
    let doc = Doc::new();
    let mut deltas = Vec::new();
    for piece in pieces(input, 8) {
        let Ok((u, shape)) = update::decode_v1_shaped(piece, &mut Budget::new(Budget::FRAME))
        else {
            continue;
        };
        if update::ahead(&doc, &shape).is_some() {
            continue;
        }
        let applied = update::apply(&doc, u, true).unwrap();
        assert!(!applied.too_deep && !applied.parked_broken);
        deltas.extend(applied.delta);
    }
    assert!(
        doc.transact().store().pending_update().is_some(),
        "something is parked"
    );
    let state = update::encode_state(&doc).unwrap();
    assert_eq!(update::verify_state(&doc, &state), Ok(()));
    // and the compacted board is the board the log holds
    let (logged, _) = update::rebuild(None, deltas.iter().map(|d| (1, d.as_slice())));
    let (compacted, problems) = update::rebuild(Some(&state), std::iter::empty());
    assert!(problems.is_empty(), "{problems:?}");
    let known = |d: &Doc| {
        let s = d.transact().snapshot();
        let mut v: Vec<_> = s
            .state_map
            .iter()
            .filter(|(_, c)| **c > 0)
            .map(|(k, c)| (*k, *c))
            .collect();
        v.sort();
        (v, s.delete_set)
    };
    assert_eq!(known(&logged), known(&compacted));
    assert_eq!(known(&doc), known(&compacted));
}
