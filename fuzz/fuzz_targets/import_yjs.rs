//! Importing a board from a Yjs state (an untrusted upload). Properties: never panics;
//! an accepted board passes `validate`; (compared as JSON, every number a float) its JSON form imports as the same board; and a
//! fresh document written from it reads back, through its own Yjs state, as the same board.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tavolo_export::import;
use tavolo_fuzz::board_json;

fuzz_target!(|data: &[u8]| {
    let Ok(board) = import::from_yjs(data) else {
        return;
    };
    import::validate(&board).expect("an imported board is valid");
    let json = serde_json::to_vec(&board.to_json()).unwrap();
    let from_json = import::from_json(&json).expect("the board's JSON imports");
    assert_eq!(
        board_json(&from_json),
        board_json(&board),
        "JSON round trip"
    );
    let doc = yrs::Doc::new();
    board.write(&doc);
    let state = import::to_yjs(&doc);
    tavolo_sync::update::verify_state(&doc, &state).expect("the written board verifies");
    let again = import::from_yjs(&state).expect("the board's own Yjs state imports");
    assert_eq!(board_json(&again), board_json(&board), "Yjs round trip");
});
