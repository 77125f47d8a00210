//! Applying untrusted Yjs updates to a document.
//!
//! Crafted updates have made past yrs versions panic while decoding or integrating. The
//! decode runs on the connection's task (so a panic there costs only that connection);
//! the apply runs on the board's task under `catch_unwind`, and a panic there is reported
//! so the board can be reloaded from the store, where only committed updates live.

use crate::validate::{self, Budget, Invalid};
use std::panic::{catch_unwind, AssertUnwindSafe};
use yrs::branch::BranchPtr;
use yrs::updates::decoder::Decode;
use yrs::{Any, Doc, Map, Out, ReadTxn, StateVector, Transact, Update};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpdateError {
    /// The bounded pre-parser refused the bytes; yrs never saw them.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("update could not be decoded: {0}")]
    Decode(String),
    #[error("update was rejected by the document: {0}")]
    Rejected(String),
    #[error("applying the update panicked")]
    Panicked,
}

impl UpdateError {
    /// A short, stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            UpdateError::Invalid(i) => i.label(),
            UpdateError::Decode(_) => "bad_update",
            UpdateError::Rejected(_) => "update_rejected",
            UpdateError::Panicked => "update_panicked",
        }
    }
}

/// Runs `f`, turning a panic into `Err(UpdateError::Panicked)`.
pub fn isolate<T>(f: impl FnOnce() -> T) -> Result<T, UpdateError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| UpdateError::Panicked)
}

/// Decodes a v1 update: checked by [`validate::update_v1`] within `budget` first, then
/// decoded by yrs with panics isolated.
pub fn decode_v1(bytes: &[u8], budget: &mut Budget) -> Result<Update, UpdateError> {
    decode_v1_shaped(bytes, budget).map(|(u, _)| u)
}

/// [`decode_v1`], with what the validator found in the update.
pub fn decode_v1_shaped(
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<(Update, validate::Shape), UpdateError> {
    let shape = validate::update_v1(bytes, budget)?;
    let update =
        isolate(|| Update::decode_v1(bytes))?.map_err(|e| UpdateError::Decode(e.to_string()))?;
    Ok((update, shape))
}

/// Decodes a state vector: checked by [`validate::state_vector_v1`] first.
pub fn decode_state_vector(bytes: &[u8]) -> Result<StateVector, UpdateError> {
    validate::state_vector_v1(bytes)?;
    isolate(|| StateVector::decode_v1(bytes))?.map_err(|e| UpdateError::Decode(e.to_string()))
}

/// Why an update that passed the validator is refused by the document it would go into.
///
/// Each is something yrs would otherwise park (keep aside, outside the document, until
/// what it waits for arrives) or mishandle. Parked structs and deletions are never
/// stored, are merged into sync replies, and have made the live document differ from the
/// one rebuilt from the log, panic while integrating, and yield states that do not read
/// back as themselves (all found by fuzzing). So the rule is that the document never
/// parks anything: an update must continue what the board has. An honest client builds
/// only on what it received from the server, in order, over one socket; the one that
/// raced (typed on reconnection before its offline edits went out, or saw another tab's
/// edit first) is closed with 1007 and, reconnecting, sends everything in its sync reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ahead {
    /// A client section that starts past what the document has of that client, or a skip
    /// range (a hole in the update's own clocks): the structs after the hole would wait.
    Gap,
    /// An item names (as origin, right origin or parent) a struct of another client that
    /// neither the document nor the update holds.
    Reference,
    /// The delete set names clocks of a client that neither the document nor the update
    /// holds: yrs would keep those deletions pending.
    Deletion,
}

impl Ahead {
    /// A short, stable label for metrics.
    pub fn label(self) -> &'static str {
        match self {
            Ahead::Gap => "gap_ahead",
            Ahead::Reference => "reference_ahead",
            Ahead::Deletion => "deletion_ahead",
        }
    }

    /// The close reason sent to the client.
    pub fn message(self) -> &'static str {
        match self {
            Ahead::Gap => "structs past their client's clock on this board",
            Ahead::Reference => "an item refers to a struct this board does not have",
            Ahead::Deletion => "deletes structs this board does not have",
        }
    }
}

/// Whether `doc` must refuse an update of this shape, and why (see [`Ahead`]).
pub fn ahead(doc: &Doc, shape: &validate::Shape) -> Option<Ahead> {
    if shape.sections.is_empty() && shape.deleted.is_empty() {
        return None;
    }
    let sv = doc.transact().state_vector();
    let have = |client: u64| u64::from(sv.get(&yrs::block::ClientID::new(client)));
    if shape.skips > 0
        || shape
            .sections
            .iter()
            .any(|(client, start, _)| *start > have(*client))
    {
        return Some(Ahead::Gap);
    }
    // what the board will have of a client once the update is in (no section is ahead)
    let reach = |client: u64| {
        shape
            .sections
            .iter()
            .filter(|(c, _, _)| *c == client)
            .map(|(_, _, end)| *end)
            .fold(have(client), u64::max)
    };
    if shape
        .references
        .iter()
        .any(|(client, clock)| *clock >= reach(*client))
    {
        return Some(Ahead::Reference);
    }
    shape
        .deleted
        .iter()
        .any(|(client, end)| *end > reach(*client))
        .then_some(Ahead::Deletion)
}

/// The outcome of applying one update.
pub struct Applied {
    /// What the document actually changed, v1-encoded; `None` when nothing changed
    /// (a duplicate, or only things left parked, see [`Applied::parked`]).
    pub delta: Option<Vec<u8>>,
    /// Set when the document refused (part of) the update. Whatever it had already
    /// integrated is in `delta` all the same, so the store and the peers stay equal to
    /// the document.
    pub rejected: Option<UpdateError>,
    /// Set when the update left something parked in yrs (structs or deletions waiting
    /// for structs not received) although [`ahead`] let it through, as an update whose
    /// structs wait for each other does. Parked things are never stored and have made
    /// yrs misbehave (see [`Ahead`]): the caller must drop the document and rebuild it
    /// from what it stored, and refuse the update's sender. What did integrate is in
    /// `delta`, stored and relayed like any change.
    pub parked: bool,
    /// Set when, after this update, some shared type nests deeper than
    /// [`MAX_TYPE_DEPTH`] (checked only when asked). yrs deletes nested types
    /// recursively: deleting a chain of ~7,000 nested maps overflows a 2 MiB stack and
    /// aborts the process. Such an update must not be stored or relayed, and the
    /// document must be rebuilt without it.
    pub too_deep: bool,
}

/// The deepest nesting of shared types (a map in a map in an array…) a board may hold.
/// Tavolo's boards nest three levels.
pub const MAX_TYPE_DEPTH: usize = 32;

/// Whether some live shared type of the document nests deeper than [`MAX_TYPE_DEPTH`]
/// (roots count as level 1). Walks every shared type once, with an explicit stack.
///
/// Each type is read both ways, keyed and listed, whatever its kind: a crafted update can
/// put keyed entries under an array or a text and listed ones under a map (Yjs encodes
/// only the parent and the key, never the parent's kind), and a chain nested that way is
/// deleted recursively like any other (found in review: a walk that read an array only as
/// a list missed a chain hung from its keys). The list is read as a text's chunks (one per
/// run of items, shared types among them): read as an array, a long string would be
/// walked from its start once per character (found by fuzzing: minutes for 1.8 KB).
///
/// The cost is linear in the board, not in the update: yrs exposes no item's parent, so
/// the walk cannot start from the types an update created. Boards are capped in size
/// (the hub's `max_board_bytes`) and updates holding shared types are rate-limited with
/// every other message, which bounds it.
pub fn nests_too_deep<T: ReadTxn>(txn: &T) -> bool {
    let mut stack: Vec<(BranchPtr, usize)> = txn
        .root_refs()
        .filter_map(|(_, o)| branch_of(&o))
        .map(|b| (b, 1))
        .collect();
    while let Some((b, depth)) = stack.pop() {
        if depth > MAX_TYPE_DEPTH {
            return true;
        }
        let (keyed, listed) = children(b, txn);
        stack.extend(
            keyed
                .into_iter()
                .map(|(_, v)| v)
                .chain(listed)
                .filter_map(|c| branch_of(&c))
                .map(|c| (c, depth + 1)),
        );
    }
    false
}

/// The shared type a value is, if it is one. (XML types, weak links and sub-documents
/// are refused by the validator.)
fn branch_of(o: &Out) -> Option<BranchPtr> {
    match o {
        Out::YMap(m) => Some(BranchPtr::from(m.as_ref())),
        Out::YArray(a) => Some(BranchPtr::from(a.as_ref())),
        Out::YText(t) => Some(BranchPtr::from(AsRef::<yrs::branch::Branch>::as_ref(t))),
        Out::UndefinedRef(b) => Some(*b),
        _ => None,
    }
}

/// A shared type's children read both ways, whatever its kind: its keyed entries, and
/// its list as a text's chunks (consecutive strings come as one; read as an array, a long
/// string is walked from its start once per character). See [`nests_too_deep`].
fn children<T: ReadTxn>(b: BranchPtr, txn: &T) -> (Vec<(String, Out)>, Vec<Out>) {
    use yrs::types::text::Text as _;
    let keyed = yrs::MapRef::from(b)
        .iter(txn)
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let listed = yrs::TextRef::from(b)
        .diff(txn, |_| ())
        .into_iter()
        .map(|d| d.insert)
        .collect();
    (keyed, listed)
}

/// Applies `update` in its own transaction and returns what changed. With
/// `check_nesting` (an update from outside that holds shared types, see
/// [`validate::Shape::types`]), the document's nesting is checked afterwards
/// ([`Applied::too_deep`]).
pub fn apply(doc: &Doc, update: Update, check_nesting: bool) -> Result<Applied, UpdateError> {
    isolate(|| {
        let mut txn = doc.transact_mut();
        let rejected = txn
            .apply_update(update)
            .err()
            .map(|e| UpdateError::Rejected(e.to_string()));
        let delta = txn.encode_update_v1();
        let parked = txn.store().pending_update().is_some() || txn.store().pending_ds().is_some();
        let too_deep = check_nesting && nests_too_deep(&txn);
        Applied {
            delta: if is_empty_update(&delta) {
                None
            } else {
                Some(delta)
            },
            rejected,
            parked,
            too_deep,
        }
    })
}

/// What `doc` holds that a peer with state vector `sv` lacks (v1), with panics isolated.
pub fn encode_diff(doc: &Doc, sv: &StateVector) -> Result<Vec<u8>, UpdateError> {
    isolate(|| doc.transact().encode_state_as_update_v1(sv))
}

/// The whole document (v1), with panics isolated: what compaction and a board's
/// snapshots store.
pub fn encode_state(doc: &Doc) -> Result<Vec<u8>, UpdateError> {
    isolate(|| doc.transact().encode_diff_v1(&StateVector::default()))
}

/// Rebuilds a document from a stored snapshot and the logged updates after it (all v1),
/// in order. Returns the document and a description of each stored piece that did not
/// pass the checks, decode or apply (those are skipped: the rest of the board is still
/// worth having). Stored pieces go through the same bounded checks as a client's, without
/// the per-frame work bound: data stored by an older version may be hostile too. A piece
/// that leaves something parked (see [`Ahead`]) is skipped too: the document is rebuilt
/// without it, so a rebuilt document never holds anything parked.
pub fn rebuild<'a>(
    snapshot: Option<&[u8]>,
    updates: impl IntoIterator<Item = (i64, &'a [u8])>,
) -> (Doc, Vec<String>) {
    let pieces: Vec<(String, &[u8])> = snapshot
        .map(|s| ("snapshot".to_owned(), s))
        .into_iter()
        .chain(
            updates
                .into_iter()
                .map(|(seq, d)| (format!("update {seq}"), d)),
        )
        .collect();
    let mut skipped = vec![false; pieces.len()];
    'again: loop {
        let doc = Doc::new();
        let mut problems = Vec::new();
        for (i, (what, data)) in pieces.iter().enumerate() {
            if skipped[i] {
                problems.push(format!("{what} refused: it leaves structs waiting"));
                continue;
            }
            match decode_v1_shaped(data, &mut Budget::unlimited()) {
                Ok((_, shape)) if ahead(&doc, &shape).is_some() => {
                    let why = ahead(&doc, &shape).map_or("", Ahead::message);
                    problems.push(format!("{what} refused: {why}"))
                }
                Ok((u, _)) => match apply(&doc, u, false) {
                    Ok(Applied { parked: true, .. }) => {
                        skipped[i] = true;
                        continue 'again;
                    }
                    Ok(Applied {
                        rejected: Some(e), ..
                    }) => problems.push(format!("{what} refused: {e}")),
                    Ok(_) => {}
                    Err(e) => problems.push(format!("{what}: {e}")),
                },
                Err(e) => problems.push(format!("{what} does not decode: {e}")),
            }
        }
        return (doc, problems);
    }
}

/// Checks that `state` (a whole-document v1 update about to replace a board's log) is
/// what `doc` holds and reads back as itself: it passes the bounded checks and decodes;
/// a document rebuilt from it has the same state vector and deletions as `doc` and the
/// same content in every root type; and what that document encodes reads back to the
/// same structs once more (compared decoded, so the order of map keys does not matter).
/// Compaction deletes the log only when this holds, so a state that yrs writes in a way
/// it cannot read back (as it once did with `ContentJSON`: such a fault shows on every
/// round) never replaces the updates it came from.
///
/// The first state and the rebuilt document's are not compared struct by struct: yrs
/// keeps a run of deleted structs split where the live document once had to split it,
/// and merges it when it reads the state, so the same board encodes to other struct
/// boundaries (found by fuzzing: `update_apply-split-deleted-run` in the corpus).
pub fn verify_state(doc: &Doc, state: &[u8]) -> Result<(), String> {
    let decode = |bytes: &[u8]| decode_v1(bytes, &mut Budget::unlimited());
    let (copy, problems) = rebuild(Some(state), std::iter::empty());
    if let Some(p) = problems.into_iter().next() {
        return Err(p);
    }
    let same = isolate(|| {
        same_state(&doc.transact().snapshot(), &copy.transact().snapshot())
            && roots(doc) == roots(&copy)
    })
    .map_err(|e| e.to_string())?;
    if !same {
        return Err("state vector, deletions or content differ".to_owned());
    }
    let again = encode_state(&copy).map_err(|e| e.to_string())?;
    let (round, problems) = rebuild(Some(&again), std::iter::empty());
    if let Some(p) = problems.into_iter().next() {
        return Err(p);
    }
    let third = encode_state(&round).map_err(|e| e.to_string())?;
    let (first, second) = (
        decode(&again).map_err(|e| e.to_string())?,
        decode(&third).map_err(|e| e.to_string())?,
    );
    if isolate(|| first == second).map_err(|e| e.to_string())? {
        Ok(())
    } else {
        Err("the state does not read back as itself".to_owned())
    }
}

/// A shared type's content for comparing two documents: its keyed entries and its list.
#[derive(PartialEq, Debug)]
enum Node {
    Value(Any),
    Type(Vec<(String, Node)>, Vec<Node>),
}

/// Every root type of `doc` and its content. Each type is read both ways, keyed and listed
/// (a text's chunks), as [`nests_too_deep`] reads it: a document rebuilt from an update
/// does not know its roots' kinds (yrs has them as undefined types), a crafted update can
/// put either under any type, and a long string read as an array is walked from its start
/// once per character (found by fuzzing: a 1.8 KB input took minutes that way). Nesting
/// is bounded by what the board admits ([`MAX_TYPE_DEPTH`]); deeper reads as undefined.
fn roots(doc: &Doc) -> std::collections::HashMap<String, Node> {
    fn node<T: ReadTxn>(o: &Out, txn: &T, depth: usize) -> Node {
        let Some(b) = branch_of(o) else {
            return Node::Value(match o {
                Out::Any(a) => a.clone(),
                _ => Any::Undefined,
            });
        };
        if depth == 0 {
            return Node::Value(Any::Undefined);
        }
        let (keyed, listed) = children(b, txn);
        let mut keyed: Vec<(String, Node)> = keyed
            .into_iter()
            .map(|(k, v)| (k, node(&v, txn, depth - 1)))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let listed = listed.iter().map(|v| node(v, txn, depth - 1)).collect();
        Node::Type(keyed, listed)
    }
    let txn = doc.transact();
    txn.root_refs()
        .map(|(name, out)| (name.to_owned(), node(&out, &txn, MAX_TYPE_DEPTH + 1)))
        .collect()
}

/// Whether two snapshots hold the same state: the same state vector and the same
/// deletions. (Compared as sorted lists: yrs keeps both in hash maps.) A document never
/// parks anything (see [`Ahead`]), so nothing outside its state can tell two equal
/// documents apart here.
pub fn same_state(a: &yrs::Snapshot, b: &yrs::Snapshot) -> bool {
    type Client = yrs::block::ClientID;
    /// Each client's clock, and each deleted range as (client, start, end).
    type State = (Vec<(Client, u32)>, Vec<(Client, u32, u32)>);
    fn known(s: &yrs::Snapshot) -> State {
        let mut clocks: Vec<(Client, u32)> = s.state_map.iter().map(|(k, c)| (*k, *c)).collect();
        clocks.sort_unstable();
        let mut deleted: Vec<(Client, u32, u32)> = s
            .delete_set
            .iter()
            .flat_map(|(client, ranges)| ranges.iter().map(|r| (*client, r.start, r.end)))
            .collect();
        deleted.sort_unstable();
        (clocks, deleted)
    }
    known(a) == known(b)
}

/// A v1 update with no structs and an empty delete set.
pub fn is_empty_update(v1: &[u8]) -> bool {
    v1 == [0, 0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::{Array, GetString, Text};

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
        let applied = apply(&b, decode_v1(&u, &mut Budget::unlimited()).unwrap(), false).unwrap();
        assert!(applied.delta.is_some());
        assert!(applied.rejected.is_none());
        assert_eq!(b.get_or_insert_text("t").get_string(&b.transact()), "ciao");
        // the same update again changes nothing
        let again = apply(&b, decode_v1(&u, &mut Budget::unlimited()).unwrap(), false).unwrap();
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
        assert!(
            apply(&b, decode_v1(&u2, &mut Budget::unlimited()).unwrap(), false)
                .unwrap()
                .delta
                .is_none()
        );
        let d = apply(&b, decode_v1(&u1, &mut Budget::unlimited()).unwrap(), false)
            .unwrap()
            .delta
            .unwrap();
        let c = Doc::new();
        apply(&c, decode_v1(&d, &mut Budget::unlimited()).unwrap(), false).unwrap();
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
            decode_v1(&[0xff, 0xff, 0x01], &mut Budget::unlimited()),
            Err(UpdateError::Invalid(_))
        ));
        assert!(matches!(
            decode_state_vector(&[5]),
            Err(UpdateError::Invalid(_))
        ));
    }

    #[test]
    fn verify_state_accepts_the_same_board_and_nothing_else() {
        let a = Doc::new();
        let m = a.get_or_insert_map("m");
        let t = a.get_or_insert_text("t");
        {
            let mut txn = a.transact_mut();
            m.insert(
                &mut txn,
                "k",
                Any::from(std::collections::HashMap::from([
                    ("x".to_owned(), Any::from(1.0)),
                    ("y".to_owned(), Any::from("due")),
                    ("z".to_owned(), Any::from(vec![Any::from(true)])),
                ])),
            );
            t.insert(&mut txn, 0, "ciao a tutti");
            t.remove_range(&mut txn, 0, 5);
        }
        let state = encode_state(&a).unwrap();
        assert_eq!(verify_state(&a, &state), Ok(()));
        // a state missing the last change
        let b = Doc::new();
        apply(
            &b,
            decode_v1(&state, &mut Budget::unlimited()).unwrap(),
            false,
        )
        .unwrap();
        b.get_or_insert_text("t").push(&mut b.transact_mut(), "!");
        let other = encode_state(&b).unwrap();
        assert!(verify_state(&a, &other).is_err());
        assert!(verify_state(&b, &state).is_err());
        // a state that does not decode
        assert!(verify_state(&a, &state[..state.len() - 1]).is_err());
    }

    fn chain(levels: usize) -> Vec<u8> {
        let doc = Doc::new();
        let root = doc.get_or_insert_map("m");
        let mut txn = doc.transact_mut();
        let mut map = root.insert(&mut txn, "k", yrs::MapPrelim::default());
        for _ in 1..levels {
            map = map.insert(&mut txn, "k", yrs::MapPrelim::default());
        }
        txn.encode_update_v1()
    }

    #[test]
    fn nesting_of_shared_types_is_checked_when_asked() {
        // root + 31 nested maps: 32 levels, the most a board may hold
        let ok = chain(MAX_TYPE_DEPTH - 1);
        let deep = chain(MAX_TYPE_DEPTH);
        let b = Doc::new();
        let applied = apply(&b, decode_v1(&ok, &mut Budget::unlimited()).unwrap(), true).unwrap();
        assert!(!applied.too_deep);
        // the roots of a document built from updates are of no known type yet
        let c = Doc::new();
        let applied = apply(
            &c,
            decode_v1(&deep, &mut Budget::unlimited()).unwrap(),
            true,
        )
        .unwrap();
        assert!(applied.too_deep);
        let unchecked = apply(
            &Doc::new(),
            decode_v1(&deep, &mut Budget::unlimited()).unwrap(),
            false,
        )
        .unwrap();
        assert!(!unchecked.too_deep, "checked only when asked");
        let (_, shape) = decode_v1_shaped(&deep, &mut Budget::unlimited()).unwrap();
        assert_eq!(shape.types, MAX_TYPE_DEPTH as u64);
    }

    /// Keyed entries under an array (and listed ones under a map) nest like any others.
    fn chain_across_kinds(levels: usize) -> Vec<u8> {
        use yrs::branch::BranchPtr;
        let doc = Doc::new();
        let root = doc.get_or_insert_array("a");
        let mut txn = doc.transact_mut();
        let mut array = root.insert(&mut txn, 0, yrs::ArrayPrelim::default());
        for i in 1..levels {
            if i % 2 == 1 {
                // a key of the array holds the next array
                let as_map = yrs::MapRef::from(BranchPtr::from(array.as_ref()));
                array = as_map.insert(&mut txn, "k", yrs::ArrayPrelim::default());
            } else {
                // a map whose list holds the next array
                let map = array.insert(&mut txn, 0, yrs::MapPrelim::default());
                let as_array = yrs::ArrayRef::from(BranchPtr::from(map.as_ref()));
                array = as_array.insert(&mut txn, 0, yrs::ArrayPrelim::default());
            }
        }
        txn.encode_update_v1()
    }

    #[test]
    fn nesting_is_counted_across_keyed_and_listed_children() {
        // levels: root, then one type per step, plus the maps of the even steps
        let deep = chain_across_kinds(MAX_TYPE_DEPTH);
        let applied = apply(
            &Doc::new(),
            decode_v1(&deep, &mut Budget::unlimited()).unwrap(),
            true,
        )
        .unwrap();
        assert!(applied.too_deep);
        let shallow = chain_across_kinds(8);
        let applied = apply(
            &Doc::new(),
            decode_v1(&shallow, &mut Budget::unlimited()).unwrap(),
            true,
        )
        .unwrap();
        assert!(!applied.too_deep);
    }

    #[test]
    fn panics_are_isolated() {
        let r: Result<(), _> = isolate(|| panic!("crafted input"));
        assert_eq!(r, Err(UpdateError::Panicked));
    }
}
