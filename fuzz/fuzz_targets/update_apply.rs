//! The path every client update takes, and compaction's round trip.
//!
//! The input is a few updates (`varUint(len) bytes` each), handled as the hub handles a
//! client's messages; `tavolo_sync::model::check_updates` states and asserts the
//! properties (no panic, nothing parked, the log rebuilds the document exactly, the
//! compacted state verifies and reads back, the sync reply is the state). A panic
//! anywhere ends the run (libfuzzer-sys's panic hook aborts), but one that
//! `update::apply` isolates: an open finding the hub survives (see `check_updates`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cell::Cell;
use std::sync::Once;

thread_local!(static QUIET: Cell<bool> = const { Cell::new(false) });

/// Runs `f` with panics left to `update::isolate` to catch, as in the hub: libfuzzer-sys's
/// panic hook aborts on every panic, caught or not. Panics anywhere else still abort.
fn quietly(f: &mut dyn FnMut()) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let aborting = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                aborting(info)
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    f();
    QUIET.with(|q| q.set(false));
}

fuzz_target!(|data: &[u8]| {
    tavolo_sync::model::check_updates_with(&tavolo_fuzz::pieces(data, 8), quietly);
});
