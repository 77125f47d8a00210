//! The path every client update takes, and compaction's round trip.
//!
//! The input is a few updates (`varUint(len) bytes` each), handled as the hub handles a
//! client's messages; `tavolo_sync::model::check_updates` states and asserts the
//! properties (no panic, nothing parked, the log rebuilds the document exactly, the
//! compacted state verifies and reads back, the sync reply is the state). A panic
//! anywhere, caught or not, ends the run: libfuzzer-sys's panic hook aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tavolo_sync::model::check_updates(&tavolo_fuzz::pieces(data, 8));
});
