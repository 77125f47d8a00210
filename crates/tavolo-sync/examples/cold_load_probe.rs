//! Where a cold load of a 100,000-update board spends its time in yrs: decoding the
//! stored snapshot (v2 and, for comparison, v1), integrating it into a document, and
//! encoding the whole state for a fresh client. Not a test: a probe for BENCHMARKS.md.
//!
//! `cargo run --release -p tavolo-sync --example cold_load_probe`

use std::time::Instant;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, ReadTxn, StateVector, Transact, Update};
fn main() {
    let src = Doc::new();
    let m = src.get_or_insert_map("m");
    for i in 0..100_000u32 {
        let mut t = src.transact_mut();
        m.insert(
            &mut t,
            format!("{}:{}", i % 50, i),
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        );
    }
    let v2 = src
        .transact()
        .encode_state_as_update_v2(&StateVector::default());
    let v1 = src
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    println!("v2 {} bytes, v1 {} bytes", v2.len(), v1.len());
    for (name, bytes, is_v2) in [("v2", &v2, true), ("v1", &v1, false)] {
        let t0 = Instant::now();
        let u = if is_v2 {
            Update::decode_v2(bytes).unwrap()
        } else {
            Update::decode_v1(bytes).unwrap()
        };
        let t1 = Instant::now();
        let d = Doc::new();
        d.transact_mut().apply_update(u).unwrap();
        let t2 = Instant::now();
        let full = d
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let t3 = Instant::now();
        println!(
            "{name}: decode {:?}, apply {:?}, encode v1 for a client {:?} ({} bytes)",
            t1 - t0,
            t2 - t1,
            t3 - t2,
            full.len()
        );
    }
}
