//! Helpers shared by the fuzz targets.

use yrs::encoding::read::{Cursor, Read};

/// Splits a fuzz input into pieces, each `varUint(len) bytes` (lib0's `writeVarUint8Array`,
/// as `fuzz/seeds.mjs` writes them); a length that runs past the end takes what is left.
/// At most `max` pieces.
pub fn pieces(data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut cur = Cursor::new(data);
    while cur.next < data.len() && out.len() < max {
        let len: u32 = match cur.read_var() {
            Ok(n) => n,
            Err(_) => break,
        };
        let start = cur.next;
        let end = start.saturating_add(len as usize).min(data.len());
        out.push(&data[start..end]);
        cur.next = end;
    }
    out
}

/// A board's JSON form with every number as a float: Yjs (like JavaScript) has one kind of
/// number, so `15.0` imported from JSON comes back from a Yjs state as `15`, the same value.
pub fn board_json(board: &tavolo_board::Board) -> serde_json::Value {
    fn norm(v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Number(n) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            Value::Array(a) => Value::Array(a.into_iter().map(norm).collect()),
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, norm(v))).collect()),
            other => other,
        }
    }
    norm(board.to_json())
}
