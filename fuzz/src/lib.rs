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
