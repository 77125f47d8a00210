//! Uploads the fuzz targets found costly. Each must be answered (accepted or refused)
//! like any other; before the fix, this one kept a core busy for minutes.

/// 1.8 KB found by `import_yjs`: an array of long strings. The check of shared-type
/// nesting read arrays element by element, and yrs walks a string from its start for
/// each character it hands out: quadratic in the string's length.
#[test]
fn an_array_of_long_strings_is_answered() {
    let bytes = include_bytes!("data/import-slow-array-of-strings.bin");
    let answer = tavolo_export::import::from_yjs(bytes);
    assert!(
        answer.is_err(),
        "not a valid board: its links point at nothing"
    );
}

/// 1.8 KB found by `import_yjs`: an indicator whose `frequency` (a free-text field) is
/// stored as a number. The board read it, but writing the board dropped it (a field's
/// `Y.Text` holds text only), so the same upload read back as another board. A number in
/// a text field is now read as its text, on both paths.
#[test]
fn a_number_in_a_text_field_reads_back_as_its_text() {
    use tavolo_export::import;
    let bytes = include_bytes!("data/import-number-in-text-field.bin");
    let board = import::from_yjs(bytes).expect("a valid board");
    let frequency = |b: &tavolo_board::Board| {
        b.to_json()["items"]["o1"]["data"]["indicators"][0]["frequency"].clone()
    };
    let read = frequency(&board);
    assert!(read.is_string(), "read as text: {read}");
    let doc = yrs::Doc::new();
    board.write(&doc);
    let again = import::from_yjs(&import::to_yjs(&doc)).expect("its own state imports");
    assert_eq!(frequency(&again), read);
    assert_eq!(again.to_json(), board.to_json());
    let from_json = import::from_json(&serde_json::to_vec(&board.to_json()).unwrap()).unwrap();
    assert_eq!(from_json.to_json(), board.to_json());
}
