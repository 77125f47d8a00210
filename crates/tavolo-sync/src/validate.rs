//! Bounded checks of untrusted Yjs payloads, run before yrs sees the bytes.
//!
//! yrs 0.28 decodes without limits: an `Any` value nested a few thousand levels deep
//! overflows the thread's stack while it decodes (the process aborts: a stack overflow
//! is not a panic), a few bytes declaring a huge count make it reserve gigabytes, a clock
//! near `u32::MAX` overflows its arithmetic, and some contents it decodes differently from
//! how it encodes them (or from how Yjs does), so a stored snapshot would not decode again.
//! This module walks a payload once, iteratively where the format nests, and refuses it
//! with a reason unless
//!
//! - every declared count and length fits in the bytes left (so nothing is reserved
//!   beyond what the payload could hold);
//! - values nest at most [`MAX_DEPTH`] levels (far below what the official `yjs` client
//!   decodes: it throws `RangeError` a few thousand levels down);
//! - every integer is one the official client reads exactly (at most 2^53 - 1), every
//!   client's clock stays at most [`MAX_CLOCK`] after its last struct, and no range is empty;
//! - it uses only the contents and the shared types a board is made of (maps, arrays,
//!   texts) and that yrs and Yjs read alike: `ContentJSON` (yrs reads one string more than
//!   it writes), sub-documents (`ContentDoc`), the XML types (`YXmlHook`: Yjs reads a key
//!   yrs does not), weak links and the reserved type refs are refused;
//! - strings are UTF-8, embedded JSON parses and nests at most [`MAX_DEPTH`] levels;
//! - a client's structs appear in one section only (yrs would append a second section,
//!   Yjs replace the first with it);
//! - no bytes trail the payload;
//! - the work it asks for fits the caller's [`Budget`] (structs and delete ranges per
//!   frame), which bounds the cost of one frame by a number instead of by its size alone.
//!
//! The walk is linear in the payload's size and allocates only the set of client ids
//! seen (bounded by the payload's size).

use std::collections::HashSet;

/// The deepest nesting of `Any` values (arrays and maps) and of embedded JSON accepted.
/// Tavolo's boards nest three levels; the official client throws past a few thousand.
pub const MAX_DEPTH: usize = 64;

/// The largest clock a client may reach (the end of its last struct). yrs keeps clocks
/// in a `u32` and adds lengths to them; staying below 2^31 leaves room for that
/// arithmetic. A client would have to type two billion characters in one session.
pub const MAX_CLOCK: u64 = (1 << 31) - 1;

/// The largest integer the official client reads exactly (JavaScript's safe integers).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a payload was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum Invalid {
    #[error("truncated at byte {0}")]
    Truncated(usize),
    #[error("{what} count {count} at byte {at} exceeds the bytes left")]
    CountTooLarge {
        what: &'static str,
        count: u64,
        at: usize,
    },
    #[error("integer at byte {0} is larger than 2^53 - 1")]
    IntegerTooLarge(usize),
    #[error("values nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("clock past {MAX_CLOCK} at byte {0}")]
    ClockOverflow(usize),
    #[error("empty {0} at byte {1}")]
    Empty(&'static str, usize),
    #[error("unsupported {0} at byte {1}")]
    Unsupported(&'static str, usize),
    #[error("malformed {0} at byte {1}")]
    Malformed(&'static str, usize),
    #[error("struct at byte {0} refers to a later struct of its own client")]
    ForwardReference(usize),
    #[error("client {0} has two sections in one update")]
    DuplicateClient(u64),
    #[error("{0} trailing bytes")]
    Trailing(usize),
    #[error("more than {0} structs and deletions in one message")]
    TooMuchWork(usize),
}

impl Invalid {
    /// A short, stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Invalid::TooDeep => "too_deep",
            Invalid::TooMuchWork(_) => "too_much_work",
            Invalid::ClockOverflow(_) => "clock_overflow",
            Invalid::Unsupported(..) => "unsupported_content",
            _ => "malformed_update",
        }
    }
}

/// How much work the messages of one frame may still ask for: each struct and each
/// deleted range costs one unit. A frame's messages share one budget.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: usize,
    left: usize,
}

impl Budget {
    /// The default per frame: generous for a client that comes back after editing a big
    /// board offline (Yjs merges runs of typing into one struct), small enough that one
    /// frame cannot keep a board busy for long.
    pub const FRAME: usize = 50_000;

    pub fn new(limit: usize) -> Budget {
        Budget { limit, left: limit }
    }

    /// No bound on the work: for data the server stored itself (snapshots and the log).
    pub fn unlimited() -> Budget {
        Budget::new(usize::MAX)
    }

    fn spend(&mut self, n: u64) -> Result<(), Invalid> {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        if n > self.left {
            self.left = 0;
            return Err(Invalid::TooMuchWork(self.limit));
        }
        self.left -= n;
        Ok(())
    }
}

/// What a valid update holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// Structs (items, GC and skip ranges).
    pub structs: u64,
    /// Deleted ranges in the delete set.
    pub deletions: u64,
    /// Client sections (structs) plus delete-set clients.
    pub clients: u64,
    /// Structs that create a shared type (a map, an array or a text).
    pub types: u64,
    /// Skip ranges: holes an update leaves in its client's clocks (see `update::ahead`).
    pub skips: u64,
    /// (client, first clock, end clock) of every client section.
    pub sections: Vec<(u64, u64, u64)>,
    /// (client, end clock) of each client of the delete set: the end of its last range.
    pub deleted: Vec<(u64, u64)>,
    /// (client, clock) of each origin, right origin or parent that names a struct of
    /// another client than the item's own (see `update::ahead`).
    pub references: Vec<(u64, u64)>,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn u8(&mut self) -> Result<u8, Invalid> {
        let b = *self.buf.get(self.pos).ok_or(Invalid::Truncated(self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: u64) -> Result<&'a [u8], Invalid> {
        if n > self.left() as u64 {
            return Err(Invalid::Truncated(self.pos));
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.buf[start..self.pos])
    }

    /// lib0's `varUint`, at most 2^53 - 1.
    fn var_uint(&mut self) -> Result<u64, Invalid> {
        let at = self.pos;
        let mut value: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            if shift >= 56 {
                return Err(Invalid::IntegerTooLarge(at));
            }
            value |= u64::from(b & 0x7f) << shift;
            if value > MAX_SAFE_INTEGER {
                return Err(Invalid::IntegerTooLarge(at));
            }
            if b < 0x80 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    /// lib0's `varInt` (sign in bit 6 of the first byte), magnitude at most 2^53 - 1.
    fn var_int(&mut self) -> Result<(), Invalid> {
        let at = self.pos;
        let first = self.u8()?;
        let mut value = u64::from(first & 0x3f);
        let mut shift = 6u32;
        let mut b = first;
        while b >= 0x80 {
            b = self.u8()?;
            if shift >= 56 {
                return Err(Invalid::IntegerTooLarge(at));
            }
            value |= u64::from(b & 0x7f) << shift;
            if value > MAX_SAFE_INTEGER {
                return Err(Invalid::IntegerTooLarge(at));
            }
            shift += 7;
        }
        Ok(())
    }

    /// A count of elements that take at least `min_bytes` each.
    fn count(&mut self, what: &'static str, min_bytes: u64) -> Result<u64, Invalid> {
        let at = self.pos;
        let n = self.var_uint()?;
        if n.saturating_mul(min_bytes) > self.left() as u64 {
            return Err(Invalid::CountTooLarge { what, count: n, at });
        }
        Ok(n)
    }

    /// A length that yrs reads as `u32` and that must not be zero.
    fn len(&mut self, what: &'static str) -> Result<u64, Invalid> {
        let at = self.pos;
        let n = self.var_uint()?;
        if n == 0 {
            return Err(Invalid::Empty(what, at));
        }
        if n > MAX_CLOCK {
            return Err(Invalid::ClockOverflow(at));
        }
        Ok(n)
    }

    fn clock(&mut self) -> Result<u64, Invalid> {
        let at = self.pos;
        let c = self.var_uint()?;
        if c > MAX_CLOCK {
            return Err(Invalid::ClockOverflow(at));
        }
        Ok(c)
    }

    fn buf(&mut self) -> Result<&'a [u8], Invalid> {
        let n = self.var_uint()?;
        self.bytes(n)
    }

    fn string(&mut self) -> Result<&'a str, Invalid> {
        let at = self.pos;
        let b = self.buf()?;
        std::str::from_utf8(b).map_err(|_| Invalid::Malformed("string (not UTF-8)", at))
    }

    /// An ID: (client, clock).
    fn id(&mut self) -> Result<(u64, u64), Invalid> {
        let client = self.var_uint()?; // at most 2^53 - 1
        Ok((client, self.clock()?))
    }

    fn json(&mut self) -> Result<(), Invalid> {
        let at = self.pos;
        let s = self.string()?;
        check_json(s, at)
    }

    /// One `Any` value (lib0's `writeAny`), walked with an explicit stack.
    fn any(&mut self) -> Result<(), Invalid> {
        // Each frame: how many values (arrays) or key-value pairs (maps) are still to come.
        let mut stack: Vec<(u64, bool)> = Vec::new();
        let mut remaining_top = 1u64; // the value itself
        let mut top_is_map = false;
        loop {
            if remaining_top == 0 {
                match stack.pop() {
                    Some((n, is_map)) => {
                        remaining_top = n;
                        top_is_map = is_map;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            remaining_top -= 1;
            if top_is_map {
                self.string()?; // the key
            }
            let at = self.pos;
            match self.u8()? {
                127 | 126 | 121 | 120 => {}
                125 => self.var_int()?,
                124 => {
                    self.bytes(4)?;
                }
                123 | 122 => {
                    self.bytes(8)?;
                }
                119 => {
                    self.string()?;
                }
                116 => {
                    self.buf()?;
                }
                ty @ (118 | 117) => {
                    let is_map = ty == 118;
                    let n = if is_map {
                        self.count("map entry", 2)?
                    } else {
                        self.count("array element", 1)?
                    };
                    if stack.len() + 1 >= MAX_DEPTH {
                        return Err(Invalid::TooDeep);
                    }
                    stack.push((remaining_top, top_is_map));
                    remaining_top = n;
                    top_is_map = is_map;
                }
                _ => return Err(Invalid::Malformed("value type", at)),
            }
        }
    }
}

/// Checks that `s` is JSON that nests at most [`MAX_DEPTH`] levels. The depth is counted
/// first, without recursion, so the parser never meets a deep value.
fn check_json(s: &str, at: usize) -> Result<(), Invalid> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in s.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Invalid::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    serde_json::from_str::<serde_json::Value>(s)
        .map(drop)
        .map_err(|_| Invalid::Malformed("embedded JSON", at))
}

/// The number of UTF-16 code units of `s`: an item's length in Yjs clocks.
fn utf16_len(s: &str) -> u64 {
    s.chars().map(|c| c.len_utf16() as u64).sum()
}

/// Checks a Yjs v1 update (structs, then the delete set) from outside.
pub fn update_v1(bytes: &[u8], budget: &mut Budget) -> Result<Shape, Invalid> {
    let mut r = Reader::new(bytes);
    let mut shape = Shape::default();
    // Every client section takes at least 3 bytes (count, client, clock).
    let sections = r.count("client section", 3)?;
    let mut seen = HashSet::new();
    for _ in 0..sections {
        let structs = r.count("struct", 1)?;
        let client = r.var_uint()?;
        if !seen.insert(client) {
            return Err(Invalid::DuplicateClient(client));
        }
        let mut clock = r.clock()?;
        let start = clock;
        budget.spend(structs)?;
        shape.structs += structs;
        shape.clients += 1;
        for _ in 0..structs {
            let (len, kind) = struct_v1(&mut r, (client, clock), &mut shape.references)?;
            shape.types += u64::from(kind == Struct::Type);
            shape.skips += u64::from(kind == Struct::Skip);
            clock += len;
            if clock > MAX_CLOCK {
                return Err(Invalid::ClockOverflow(r.pos));
            }
        }
        shape.sections.push((client, start, clock));
    }
    shape.deletions = delete_set_v1(&mut r, budget, &mut shape.deleted)?;
    shape.clients += shape.deleted.len() as u64;
    if r.left() != 0 {
        return Err(Invalid::Trailing(r.left()));
    }
    Ok(shape)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Struct {
    /// A GC range (deleted structs whose content is gone).
    Gc,
    /// A skip range (structs the update does not carry).
    Skip,
    /// An item that creates a shared type.
    Type,
    /// Any other item.
    Item,
}

/// One struct, whose ID is `id`; returns its length in clocks and what it is.
///
/// An item's origins and parent existed when it was made, so one that names a struct of
/// its own client at or past its own clock is crafted. yrs does not look for such a
/// reference among the parked structs (it checks only other clients' clocks): the item is
/// integrated as garbage where it lands, but parked when the same bytes come back from
/// the log, so the live document and the stored one would differ (found by fuzzing).
///
/// References to other clients' structs are added to `references`.
fn struct_v1(
    r: &mut Reader,
    id: (u64, u64),
    references: &mut Vec<(u64, u64)>,
) -> Result<(u64, Struct), Invalid> {
    let at = r.pos;
    let mut refer = |r: &mut Reader| -> Result<(), Invalid> {
        let (client, clock) = r.id()?;
        if client != id.0 {
            references.push((client, clock));
        } else if clock >= id.1 {
            return Err(Invalid::ForwardReference(at));
        }
        Ok(())
    };
    let info = r.u8()?;
    match info {
        0 => return Ok((r.len("GC range")?, Struct::Gc)),
        10 => return Ok((r.len("skip range")?, Struct::Skip)),
        _ => {}
    }
    let content = info & 0x1f;
    if !matches!(content, 1 | 3..=8) {
        return Err(match content {
            2 => Invalid::Unsupported("JSON content", at),
            9 => Invalid::Unsupported("sub-document", at),
            _ => Invalid::Malformed("struct info", at),
        });
    }
    let has_origin = info & 0x80 != 0;
    let has_right_origin = info & 0x40 != 0;
    if has_origin {
        refer(r)?;
    }
    if has_right_origin {
        refer(r)?;
    }
    if !has_origin && !has_right_origin {
        let pat = r.pos;
        match r.var_uint()? {
            1 => {
                r.string()?; // a root type's name
            }
            0 => refer(r)?,
            _ => return Err(Invalid::Malformed("parent info", pat)),
        }
        if info & 0x20 != 0 {
            r.string()?; // the map key
        }
    }
    let cat = r.pos;
    Ok((
        match content {
            1 => r.len("deleted content")?,
            3 => {
                r.buf()?;
                1
            }
            4 => {
                let s = r.string()?;
                let n = utf16_len(s);
                if n == 0 {
                    return Err(Invalid::Empty("string", cat));
                }
                n
            }
            5 => {
                r.json()?;
                1
            }
            6 => {
                r.string()?;
                r.json()?;
                1
            }
            7 => {
                match r.u8()? {
                    // array, map, text: all a board is made of
                    0..=2 => {}
                    // XML types: no board uses them, yrs renders them recursively, and Yjs
                    // reads a key for `YXmlHook` that yrs does not
                    3..=6 => return Err(Invalid::Unsupported("XML type", cat)),
                    _ => return Err(Invalid::Unsupported("type", cat)),
                }
                1
            }
            8 => {
                let n = r.count("value", 1)?;
                if n == 0 {
                    return Err(Invalid::Empty("value list", cat));
                }
                for _ in 0..n {
                    r.any()?;
                }
                n
            }
            _ => unreachable!("checked above"),
        },
        if content == 7 {
            Struct::Type
        } else {
            Struct::Item
        },
    ))
}

/// Checks a delete set; returns its number of ranges and pushes, per client, the end of
/// its last range onto `ends`.
fn delete_set_v1(
    r: &mut Reader,
    budget: &mut Budget,
    ends: &mut Vec<(u64, u64)>,
) -> Result<u64, Invalid> {
    // client, range count: at least 2 bytes each
    let clients = r.count("delete-set client", 2)?;
    let mut deletions = 0;
    let mut seen = HashSet::new();
    for _ in 0..clients {
        let client = r.var_uint()?;
        if !seen.insert(client) {
            return Err(Invalid::DuplicateClient(client));
        }
        // clock, length: at least 2 bytes each
        let ranges = r.count("deleted range", 2)?;
        budget.spend(ranges)?;
        deletions += ranges;
        let mut end = 0;
        for _ in 0..ranges {
            let clock = r.clock()?;
            let len = r.len("deleted range")?;
            if clock + len > MAX_CLOCK {
                return Err(Invalid::ClockOverflow(r.pos));
            }
            end = end.max(clock + len);
        }
        ends.push((client, end));
    }
    Ok(deletions)
}

/// Checks a state vector (sync step 1) from outside: `varUint(n)` then `n` pairs of
/// client and clock.
pub fn state_vector_v1(bytes: &[u8]) -> Result<u64, Invalid> {
    let mut r = Reader::new(bytes);
    let n = r.count("state vector entry", 2)?;
    for _ in 0..n {
        r.var_uint()?;
        r.clock()?;
    }
    if r.left() != 0 {
        return Err(Invalid::Trailing(r.left()));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::encoding::write::Write;
    use yrs::updates::decoder::Decode;
    use yrs::{Array, Doc, Map, ReadTxn, Text, Transact, WriteTxn};

    fn budget() -> Budget {
        Budget::new(Budget::FRAME)
    }

    /// Updates a real document produces, of every content the board uses.
    fn real_updates() -> Vec<Vec<u8>> {
        let doc = Doc::new();
        let mut out = Vec::new();
        let mut txn = doc.transact_mut();
        let text = txn.get_or_insert_text("t");
        text.insert(&mut txn, 0, "ciao 🎉 à tutti");
        let map = txn.get_or_insert_map("m");
        map.insert(&mut txn, "n", 1.5);
        map.insert(&mut txn, "i", -42i64);
        map.insert(&mut txn, "big", 1i64 << 52);
        map.insert(&mut txn, "s", "stringa");
        map.insert(&mut txn, "b", true);
        map.insert(
            &mut txn,
            "nested",
            yrs::Any::from(vec![yrs::Any::from(vec![1.0, 2.0])]),
        );
        let arr = txn.get_or_insert_array("a");
        arr.insert(&mut txn, 0, yrs::MapPrelim::default());
        arr.insert(&mut txn, 1, yrs::TextPrelim::new("dentro"));
        out.push(txn.encode_update_v1());
        drop(txn);
        let mut txn = doc.transact_mut();
        text.remove_range(&mut txn, 0, 2);
        out.push(txn.encode_update_v1());
        drop(txn);
        out.push(
            doc.transact()
                .encode_state_as_update_v1(&yrs::StateVector::default()),
        );
        out
    }

    #[test]
    fn real_updates_pass() {
        for u in real_updates() {
            let shape = update_v1(&u, &mut budget()).unwrap();
            assert!(shape.structs + shape.deletions > 0);
        }
        let sv = yrs::updates::encoder::Encode::encode_v1(&Doc::new().transact().state_vector());
        assert_eq!(state_vector_v1(&sv), Ok(0));
        assert_eq!(update_v1(&[0, 0], &mut budget()), Ok(Shape::default()));
    }

    #[test]
    fn every_prefix_is_refused_and_nothing_panics() {
        for u in real_updates() {
            for i in 0..u.len() {
                assert!(update_v1(&u[..i], &mut budget()).is_err(), "prefix {i}");
            }
            let mut longer = u.clone();
            longer.push(0);
            assert_eq!(update_v1(&longer, &mut budget()), Err(Invalid::Trailing(1)));
        }
    }

    /// An update with one struct: a map entry under root "m" holding `value` (Any bytes).
    fn any_update(value: &[u8]) -> Vec<u8> {
        let mut u = Vec::new();
        u.write_var(1u32); // sections
        u.write_var(1u32); // structs
        u.write_var(7u32); // client
        u.write_var(0u32); // clock
        u.write_u8(8 | 0x20); // Any content, parent sub
        u.write_var(1u32); // parent is a root
        u.write_string("m");
        u.write_string("k");
        u.write_var(1u32); // one value
        u.extend_from_slice(value);
        u.write_var(0u32); // delete set
        u
    }

    fn nested_arrays(depth: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for _ in 0..depth {
            v.push(117);
            v.push(1);
        }
        v.push(126);
        v
    }

    #[test]
    fn deep_nesting_is_refused_and_shallow_accepted() {
        let ok = any_update(&nested_arrays(MAX_DEPTH - 1));
        assert!(update_v1(&ok, &mut budget()).is_ok());
        // and yrs agrees on what it holds
        let u = yrs::Update::decode_v1(&ok).unwrap();
        Doc::new().transact_mut().apply_update(u).unwrap();
        let deep = any_update(&nested_arrays(8_000));
        assert_eq!(update_v1(&deep, &mut budget()), Err(Invalid::TooDeep));
        let mut maps = Vec::new();
        for _ in 0..8_000 {
            maps.extend_from_slice(&[118, 1, 1, b'k']);
        }
        maps.push(126);
        assert_eq!(
            update_v1(&any_update(&maps), &mut budget()),
            Err(Invalid::TooDeep)
        );
    }

    #[test]
    fn huge_counts_are_refused_before_anything_is_reserved() {
        // 8 bytes declaring 939,524,096 state-vector entries
        let mut sv = Vec::new();
        sv.write_var(939_524_096u32);
        sv.extend_from_slice(&[1, 1, 1]);
        assert!(matches!(
            state_vector_v1(&sv),
            Err(Invalid::CountTooLarge { .. })
        ));
        let mut u = Vec::new();
        u.write_var(u32::MAX);
        assert!(matches!(
            update_v1(&u, &mut budget()),
            Err(Invalid::CountTooLarge { .. })
        ));
        // an array declaring a billion values
        let mut v = vec![117];
        v.write_var(1_000_000_000u32);
        assert!(matches!(
            update_v1(&any_update(&v), &mut budget()),
            Err(Invalid::CountTooLarge { .. })
        ));
    }

    /// Found by fuzzing (`update_apply`): a string of client 101 at clock 0 whose parent is
    /// 101:4, a struct that can only come after it. Live, yrs integrated it as garbage
    /// (101's clock went to 1); rebuilt from the log it stayed parked.
    #[test]
    fn a_reference_to_a_later_struct_of_the_same_client_is_refused() {
        let forward: &[u8] = &[1, 1, 101, 0, 4, 0, 101, 4, 1, 80, 0];
        assert!(matches!(
            update_v1(forward, &mut budget()),
            Err(Invalid::ForwardReference(4))
        ));
        // the same item naming itself as its left origin (0x80)
        let own: &[u8] = &[1, 1, 101, 3, 0x84, 101, 3, 1, 80, 0];
        assert!(matches!(
            update_v1(own, &mut budget()),
            Err(Invalid::ForwardReference(_))
        ));
        // an earlier struct of its own client, or any struct of another client, is fine
        // (the first waits, parked, for what it names)
        let earlier: &[u8] = &[1, 1, 101, 6, 0x84, 101, 5, 1, 101, 0];
        assert!(update_v1(earlier, &mut budget()).is_ok());
        let other: &[u8] = &[1, 1, 101, 0, 4, 0, 7, 9, 1, 80, 0];
        assert!(update_v1(other, &mut budget()).is_ok());
    }

    #[test]
    fn clock_overflow_is_refused() {
        let mut u = Vec::new();
        u.write_var(1u32);
        u.write_var(1u32);
        u.write_var(7u32);
        u.write_var(u32::MAX); // clock
        u.write_u8(4);
        u.write_var(1u32);
        u.write_string("t");
        u.write_string("x");
        u.write_var(0u32);
        assert!(matches!(
            update_v1(&u, &mut budget()),
            Err(Invalid::ClockOverflow(_))
        ));
        // a deleted range that runs past the limit
        let mut d = vec![0];
        d.write_var(1u32);
        d.write_var(7u32);
        d.write_var(1u32);
        d.write_var(MAX_CLOCK);
        d.write_var(5u32);
        assert!(matches!(
            update_v1(&d, &mut budget()),
            Err(Invalid::ClockOverflow(_))
        ));
    }

    #[test]
    fn contents_yrs_misreads_are_refused() {
        // ContentJSON: yrs reads len + 1 strings but writes len
        let mut u = Vec::new();
        u.write_var(1u32);
        u.write_var(1u32);
        u.write_var(7u32);
        u.write_var(0u32);
        u.write_u8(2);
        u.write_var(1u32);
        u.write_string("m");
        u.write_var(1u32);
        u.write_string("1");
        u.write_string("2");
        u.write_var(0u32);
        assert!(matches!(
            update_v1(&u, &mut budget()),
            Err(Invalid::Unsupported("JSON content", _))
        ));
    }

    #[test]
    fn work_per_frame_is_bounded() {
        let u = real_updates().pop().unwrap();
        let per = update_v1(&u, &mut budget()).unwrap();
        let cost = (per.structs + per.deletions) as usize;
        let mut b = Budget::new(cost * 3);
        for _ in 0..3 {
            update_v1(&u, &mut b).unwrap();
        }
        assert_eq!(update_v1(&u, &mut b), Err(Invalid::TooMuchWork(cost * 3)));
    }

    #[test]
    fn random_mutations_never_panic_and_what_passes_decodes() {
        let seeds = real_updates();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..40_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut u = seeds[i % seeds.len()].clone();
            let pos = (x as usize) % u.len();
            u[pos] = (x >> 32) as u8;
            if x & 1 == 0 {
                u.truncate(pos + 1);
            }
            if update_v1(&u, &mut budget()).is_ok() {
                // what we accept, yrs decodes
                assert!(yrs::Update::decode_v1(&u).is_ok(), "{u:?}");
            }
        }
    }
}
