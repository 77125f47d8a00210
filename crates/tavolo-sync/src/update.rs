//! Applying untrusted Yjs updates to a document.
//!
//! Crafted updates have made past yrs versions panic while decoding or integrating. The
//! decode runs on the connection's task (so a panic there costs only that connection);
//! the apply runs on the board's task under `catch_unwind`, and a panic there is reported
//! so the board can be reloaded from the store, where only committed updates live.

use std::panic::{catch_unwind, AssertUnwindSafe};
use yrs::updates::decoder::Decode;
use yrs::{Doc, StateVector, Transact, Update};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpdateError {
    #[error("update could not be decoded: {0}")]
    Decode(String),
    #[error("update was rejected by the document: {0}")]
    Rejected(String),
    #[error("applying the update panicked")]
    Panicked,
}

/// Runs `f`, turning a panic into `Err(UpdateError::Panicked)`.
pub fn isolate<T>(f: impl FnOnce() -> T) -> Result<T, UpdateError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| UpdateError::Panicked)
}

/// Decodes a v1 update from an untrusted peer.
pub fn decode_v1(bytes: &[u8]) -> Result<Update, UpdateError> {
    isolate(|| Update::decode_v1(bytes))?.map_err(|e| UpdateError::Decode(e.to_string()))
}

/// Decodes a state vector from an untrusted peer.
pub fn decode_state_vector(bytes: &[u8]) -> Result<StateVector, UpdateError> {
    isolate(|| StateVector::decode_v1(bytes))?.map_err(|e| UpdateError::Decode(e.to_string()))
}

/// The outcome of applying one update.
pub struct Applied {
    /// What the document actually changed, v1-encoded; `None` when nothing changed
    /// (a duplicate, or blocks parked as pending until their dependencies arrive).
    pub delta: Option<Vec<u8>>,
    /// Set when the document refused (part of) the update. Whatever it had already
    /// integrated is in `delta` all the same, so the store and the peers stay equal to
    /// the document.
    pub rejected: Option<UpdateError>,
}

/// Applies `update` in its own transaction and returns what changed.
pub fn apply(doc: &Doc, update: Update) -> Result<Applied, UpdateError> {
    isolate(|| {
        let mut txn = doc.transact_mut();
        let rejected = txn
            .apply_update(update)
            .err()
            .map(|e| UpdateError::Rejected(e.to_string()));
        let delta = txn.encode_update_v1();
        Applied {
            delta: if is_empty_update(&delta) {
                None
            } else {
                Some(delta)
            },
            rejected,
        }
    })
}

/// Rebuilds a document from a stored snapshot and the logged updates after it (all v1),
/// in order. Returns the document and a description of each stored piece that did not
/// decode or apply (those are skipped: the rest of the board is still worth having).
pub fn rebuild<'a>(
    snapshot: Option<&[u8]>,
    updates: impl IntoIterator<Item = (i64, &'a [u8])>,
) -> (Doc, Vec<String>) {
    let doc = Doc::new();
    let mut problems = Vec::new();
    {
        let mut txn = doc.transact_mut();
        let pieces = snapshot
            .map(|s| ("snapshot".to_owned(), s))
            .into_iter()
            .chain(
                updates
                    .into_iter()
                    .map(|(seq, d)| (format!("update {seq}"), d)),
            );
        for (what, data) in pieces {
            match Update::decode_v1(data) {
                Ok(u) => {
                    if let Err(e) = txn.apply_update(u) {
                        problems.push(format!("{what} refused: {e}"));
                    }
                }
                Err(e) => problems.push(format!("{what} does not decode: {e}")),
            }
        }
    }
    (doc, problems)
}

/// A v1 update with no structs and an empty delete set.
pub fn is_empty_update(v1: &[u8]) -> bool {
    v1 == [0, 0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::{GetString, Map, ReadTxn, Text};

    #[test]
    fn delta_is_what_changed() {
        let a = Doc::new();
        let text = a.get_or_insert_text("t");
        let u = {
            let mut txn = a.transact_mut();
            text.insert(&mut txn, 0, "ciao");
            txn.encode_update_v1()
        };
        let b = Doc::new();
        let applied = apply(&b, decode_v1(&u).unwrap()).unwrap();
        assert!(applied.delta.is_some());
        assert!(applied.rejected.is_none());
        assert_eq!(b.get_or_insert_text("t").get_string(&b.transact()), "ciao");
        // the same update again changes nothing
        let again = apply(&b, decode_v1(&u).unwrap()).unwrap();
        assert!(again.delta.is_none());
    }

    #[test]
    fn pending_update_emits_when_dependency_arrives() {
        let a = Doc::new();
        let m = a.get_or_insert_map("m");
        let u1 = {
            let mut t = a.transact_mut();
            m.insert(&mut t, "k", 1);
            t.encode_update_v1()
        };
        let u2 = {
            let mut t = a.transact_mut();
            m.insert(&mut t, "k", 2);
            t.encode_update_v1()
        };
        let b = Doc::new();
        assert!(apply(&b, decode_v1(&u2).unwrap()).unwrap().delta.is_none());
        let d = apply(&b, decode_v1(&u1).unwrap()).unwrap().delta.unwrap();
        let c = Doc::new();
        apply(&c, decode_v1(&d).unwrap()).unwrap();
        let v = c.get_or_insert_map("m").get(&c.transact(), "k").unwrap();
        assert_eq!(v.to_string(&c.transact()), "2");
        assert_eq!(
            b.transact().state_vector(),
            c.transact().state_vector(),
            "the delta carries both updates"
        );
    }

    #[test]
    fn garbage_is_a_decode_error() {
        assert!(matches!(
            decode_v1(&[0xff, 0xff, 0x01]),
            Err(UpdateError::Decode(_))
        ));
        assert!(matches!(
            decode_state_vector(&[5]),
            Err(UpdateError::Decode(_))
        ));
    }

    #[test]
    fn panics_are_isolated() {
        let r: Result<(), _> = isolate(|| panic!("crafted input"));
        assert_eq!(r, Err(UpdateError::Panicked));
    }
}
