//! What the load generator writes into a board, and how a receiver reads it back.
//!
//! Every update a bench client sends sets one new key in the root map [`MAP`]: the key is
//! `"{sender}:{seq}"` (the sender's index in the run and its own sequence number) and the
//! value a short string. Each client builds its updates with its own small yrs [`Doc`], so
//! they are ordinary Yjs v1 updates that any server applies and relays.
//!
//! Receivers do not keep a document: [`for_each_key`] walks the blocks of a received update
//! (an update, or a sync step 2 holding the whole board) with yrs's v1 decoder and reports
//! every `(sender, seq)` key it carries. That costs a few microseconds per update, so one
//! process can receive for thousands of connections.

use yrs::block::{
    ItemContent, BLOCK_GC_REF_NUMBER, BLOCK_SKIP_REF_NUMBER, HAS_ORIGIN, HAS_PARENT_SUB,
    HAS_RIGHT_ORIGIN,
};
use yrs::encoding::read::Read;
use yrs::updates::decoder::{Decoder, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, MapRef, Options, ReadTxn, StateVector, Transact};

/// The root map every bench update writes to.
pub const MAP: &str = "bench";

/// One sending client's document.
pub struct BenchDoc {
    doc: Doc,
    map: MapRef,
    sender: u32,
    next_seq: u32,
}

impl BenchDoc {
    /// `client_id` must be unique among every client that ever writes to the same board.
    pub fn new(sender: u32, client_id: u64) -> BenchDoc {
        let doc = Doc::with_options(Options {
            client_id: yrs::block::ClientID::new(client_id),
            ..Options::default()
        });
        let map = doc.get_or_insert_map(MAP);
        BenchDoc {
            doc,
            map,
            sender,
            next_seq: 0,
        }
    }

    pub fn sender(&self) -> u32 {
        self.sender
    }

    /// Sequence number the next update will carry (= updates made so far).
    pub fn next_seq(&self) -> u32 {
        self.next_seq
    }

    /// Makes the next update: returns its sequence number and its v1 encoding.
    pub fn next_update(&mut self, payload: &str) -> (u32, Vec<u8>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let key = format!("{}:{}", self.sender, seq);
        let mut txn = self.doc.transact_mut();
        self.map.insert(&mut txn, key, payload);
        (seq, txn.encode_update_v1())
    }

    /// What a peer with state vector `sv` (v1) lacks: the reply to its sync step 1.
    pub fn diff(&self, sv: &[u8]) -> Vec<u8> {
        use yrs::updates::decoder::Decode;
        let sv = StateVector::decode_v1(sv).unwrap_or_default();
        self.doc.transact().encode_state_as_update_v1(&sv)
    }

    /// This document's state vector (v1), for our own sync step 1.
    pub fn state_vector(&self) -> Vec<u8> {
        self.doc.transact().state_vector().encode_v1()
    }
}

/// Parses a `"{sender}:{seq}"` key.
pub fn parse_key(key: &str) -> Option<(u32, u32)> {
    let (a, b) = key.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Calls `f(sender, seq)` for every bench key set in a v1 update. Returns how many blocks
/// the update held, or an error if it does not decode.
pub fn for_each_key(
    update: &[u8],
    mut f: impl FnMut(u32, u32),
) -> Result<usize, yrs::encoding::read::Error> {
    let mut d = DecoderV1::from(update);
    let clients: u32 = d.read_var()?;
    let mut blocks_seen = 0usize;
    for _ in 0..clients {
        let blocks: u32 = d.read_var()?;
        let _client = d.read_client()?;
        let _clock: u32 = d.read_var()?;
        for _ in 0..blocks {
            blocks_seen += 1;
            let info = d.read_info()?;
            match info {
                BLOCK_SKIP_REF_NUMBER => {
                    let _len: u32 = d.read_var()?;
                }
                BLOCK_GC_REF_NUMBER => {
                    let _len = d.read_len()?;
                }
                info => {
                    let no_origins = info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0;
                    if info & HAS_ORIGIN != 0 {
                        d.read_left_id()?;
                    }
                    if info & HAS_RIGHT_ORIGIN != 0 {
                        d.read_right_id()?;
                    }
                    let mut ours = false;
                    let mut key: Option<String> = None;
                    if no_origins {
                        if d.read_parent_info()? {
                            ours = d.read_string()? == MAP;
                        } else {
                            d.read_left_id()?;
                        }
                        if info & HAS_PARENT_SUB != 0 {
                            key = Some(d.read_string()?.to_owned());
                        }
                    }
                    let content = ItemContent::decode(&mut d, info)?;
                    if ours && !matches!(content, ItemContent::Deleted(_)) {
                        if let Some((s, q)) = key.as_deref().and_then(parse_key) {
                            f(s, q);
                        }
                    }
                }
            }
        }
    }
    // the delete set follows; bench updates never delete anything, so it is not read.
    Ok(blocks_seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;
    use yrs::Update;

    #[test]
    fn keys_round_trip_through_single_and_merged_updates() {
        let mut a = BenchDoc::new(3, 1001);
        let mut b = BenchDoc::new(4, 1002);
        let server = Doc::new();
        let mut updates = Vec::new();
        for i in 0..5 {
            let (seq, u) = a.next_update("hello");
            assert_eq!(seq, i);
            let mut got = Vec::new();
            for_each_key(&u, |s, q| got.push((s, q))).unwrap();
            assert_eq!(got, vec![(3, i)]);
            updates.push(u);
            updates.push(b.next_update("x").1);
        }
        {
            let mut txn = server.transact_mut();
            for u in &updates {
                txn.apply_update(Update::decode_v1(u).unwrap()).unwrap();
            }
        }
        // what a server sends as sync step 2: the whole board in one update
        let whole = server
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let mut got = Vec::new();
        for_each_key(&whole, |s, q| got.push((s, q))).unwrap();
        got.sort();
        let mut want: Vec<(u32, u32)> = (0..5)
            .map(|i| (3, i))
            .chain((0..5).map(|i| (4, i)))
            .collect();
        want.sort();
        assert_eq!(got, want);
        // a v2 round trip (as after a snapshot) changes nothing either
        let v2 = server
            .transact()
            .encode_state_as_update_v2(&StateVector::default());
        let again = Doc::new();
        again
            .transact_mut()
            .apply_update(Update::decode_v2(&v2).unwrap())
            .unwrap();
        let whole2 = again
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let mut n = 0;
        for_each_key(&whole2, |_, _| n += 1).unwrap();
        assert_eq!(n, 10);
        // our reply to a server's step 1 carries only what it lacks
        let sv = server.transact().state_vector().encode_v1();
        let mut n = 0;
        for_each_key(&a.diff(&sv), |_, _| n += 1).unwrap();
        assert_eq!(n, 0);
        assert!(a.state_vector().len() > 1);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(for_each_key(&[5, 1, 2], |_, _| {}).is_err());
        let _ = for_each_key(&[], |_, _| {});
    }
}
