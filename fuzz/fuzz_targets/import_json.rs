//! Importing a board from its JSON form (an untrusted upload). Properties: never panics;
//! an accepted board passes `validate`; it survives the round trips the export and the
//! hub put it through (compared as JSON with every number a float, as in Yjs): JSON again (`to_json` → `from_json`), and a Yjs document
//! (`write` → `to_yjs` → `from_yjs`) that compaction's `verify_state` accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tavolo_export::import;
use tavolo_fuzz::board_json;

fuzz_target!(|data: &[u8]| {
    let Ok(board) = import::from_json(data) else {
        return;
    };
    import::validate(&board).expect("an imported board is valid");
    let json = serde_json::to_vec(&board.to_json()).unwrap();
    let again = import::from_json(&json).expect("the board's own JSON imports");
    assert_eq!(board_json(&again), board_json(&board), "JSON round trip");
    let doc = yrs::Doc::new();
    board.write(&doc);
    let state = import::to_yjs(&doc);
    tavolo_sync::update::verify_state(&doc, &state).expect("the written board verifies");
    let from_yjs = import::from_yjs(&state).expect("the board's own Yjs state imports");
    assert_eq!(board_json(&from_yjs), board_json(&board), "Yjs round trip");
});
