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
