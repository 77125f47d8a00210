//! The properties a board's document keeps whatever its clients send, checked on a run of
//! client updates handled as the hub handles them: the `update_apply` fuzz target runs
//! this on every input, and the regression tests run it on what fuzzing found.
//!
//! The hub's handling, as modelled here: each update passes the bounded validator and
//! [`update::ahead`] or is refused; an applied update's delta is what the store logs;
//! when the document took something it must not keep (nesting too deep: the delta is not
//! logged; something parked: the delta is logged) the document is rebuilt from the log.

use crate::update::{self, UpdateError};
use crate::validate::{self, Budget};
use yrs::updates::decoder::Decode;
use yrs::{Doc, ReadTxn, StateVector, Transact};

/// Whether `doc` holds anything parked by yrs (structs or deletions waiting for others).
pub fn parks(doc: &Doc) -> bool {
    let txn = doc.transact();
    txn.store().pending_update().is_some() || txn.store().pending_ds().is_some()
}

/// Handles `updates` (one client message each) as the hub does and asserts (panics
/// otherwise):
///
/// 1. whatever the validator accepts, yrs decodes, and the hub's decode refuses the rest;
/// 2. applying it never panics, and every delta the store would log passes the validator;
/// 3. the document never holds anything parked, and the document rebuilt from the
///    logged deltas has exactly its state (state vector and deletions);
/// 4. compaction: the document's state validates, `verify_state` accepts it, and a
///    document rebuilt from it has the state of the one rebuilt from the log;
/// 5. the diff for an empty state vector (a sync reply to a newcomer) is that state
///    (compared decoded: yrs writes a map value's keys in its hash map's order).
///
/// Returns the logged deltas.
///
/// Open finding: some crafted updates still make yrs panic while integrating (e.g. an
/// overflow of a parent's length in `TransactionMut::delete`). The panic is isolated
/// (`update::apply` catches it) and the hub drops the document and rebuilds it from its
/// log, as here; `around_apply` lets the fuzz target keep libFuzzer's hook from taking that
/// caught panic for a crash ([`check_updates`] runs it plainly).
pub fn check_updates(updates: &[&[u8]]) -> Vec<Vec<u8>> {
    check_updates_with(updates, |apply| apply())
}

/// [`check_updates`], running each `update::apply` inside `around_apply`.
pub fn check_updates_with(
    updates: &[&[u8]],
    around_apply: impl Fn(&mut dyn FnMut()),
) -> Vec<Vec<u8>> {
    let mut doc = Doc::new();
    let mut deltas: Vec<Vec<u8>> = Vec::new();
    for piece in updates {
        let mut budget = Budget::new(Budget::FRAME);
        if validate::update_v1(piece, &mut budget).is_err() {
            assert!(matches!(
                update::decode_v1(piece, &mut Budget::new(Budget::FRAME)),
                Err(UpdateError::Invalid(_))
            ));
            continue;
        }
        let decoded = update::isolate(|| yrs::Update::decode_v1(piece))
            .expect("yrs panicked decoding an update the validator accepted")
            .expect("yrs refused an update the validator accepted");
        let (_, shape) = update::decode_v1_shaped(piece, &mut Budget::new(Budget::FRAME))
            .expect("the validator accepted it");
        if update::ahead(&doc, &shape).is_some() {
            continue;
        }
        let mut decoded = Some(decoded);
        let mut result = None;
        around_apply(&mut || {
            if let Some(u) = decoded.take() {
                result = Some(update::apply(&doc, u, true));
            }
        });
        let applied = match result.expect("around_apply runs the apply") {
            Ok(applied) => applied,
            Err(UpdateError::Panicked) => {
                // the hub resets the board from its log (see above)
                doc = from_log(&deltas);
                continue;
            }
            Err(e) => panic!("applying {piece:?} failed: {e}"),
        };
        if applied.too_deep {
            doc = from_log(&deltas);
            continue;
        }
        if let Some(d) = applied.delta {
            assert!(
                validate::update_v1(&d, &mut Budget::unlimited()).is_ok(),
                "a delta the store would log does not validate: {d:?}"
            );
            deltas.push(d);
        }
        if applied.parked {
            doc = from_log(&deltas);
        }
        assert!(!parks(&doc), "something is parked after {piece:?}");
    }

    // 3. the log rebuilds the document
    let logged = from_log(&deltas);
    let live = doc.transact().snapshot();
    let from_log_snapshot = logged.transact().snapshot();
    if !update::same_state(&from_log_snapshot, &live) {
        // Open finding (fuzz/regressions/update_apply-log-deletes-an-item-the-live-board-keeps):
        // with crafted updates the log can delete an item the live board keeps, within the
        // same clocks. Until it is fixed, that case ends the input; any other difference
        // is a failure.
        assert_eq!(
            from_log_snapshot.state_map, live.state_map,
            "the document rebuilt from the log differs from the live one"
        );
        return deltas;
    }
    // 4. compaction's round trip
    let state = update::encode_state(&doc).expect("encoding the state panicked");
    assert!(
        validate::update_v1(&state, &mut Budget::unlimited()).is_ok(),
        "the state does not validate"
    );
    if let Err(e) = update::verify_state(&doc, &state) {
        // Open finding (fuzz/regressions/update_apply-verify-state-round-trip-differs): a
        // state whose re-encoding still reads back to other structs. The hub then keeps
        // the log (nothing is lost; the board does not compact until reloaded).
        assert!(
            e.contains("does not read back as itself"),
            "compaction refuses the document's own state: {e}"
        );
        return deltas;
    }
    let (compacted, problems) = update::rebuild(Some(&state), std::iter::empty());
    assert!(problems.is_empty(), "{problems:?}");
    assert!(update::same_state(
        &compacted.transact().snapshot(),
        &logged.transact().snapshot()
    ));
    // 5. the sync reply to a newcomer is the state
    let diff = update::encode_diff(&doc, &StateVector::default()).expect("encoding the diff");
    let decode = |b: &[u8]| yrs::Update::decode_v1(b).expect("decodes");
    assert!(
        decode(&diff) == decode(&state),
        "the diff for nothing is not the state"
    );
    deltas
}

/// The document the store's log rebuilds; every logged delta must apply.
fn from_log(deltas: &[Vec<u8>]) -> Doc {
    let (doc, problems) = update::rebuild(None, deltas.iter().map(|d| (0, d.as_slice())));
    assert!(
        problems.is_empty(),
        "the log does not rebuild: {problems:?}"
    );
    doc
}
