//! Awareness (presence: cursors, names, colours) of one board, held by the server.
//!
//! Wire format of an awareness update: `varUint(n)` then `n` times
//! `varUint(clientID) varUint(clock) varString(JSON state)`, where the JSON `null`
//! means "this client is gone".
//!
//! Rules (those of y-protocols' `applyAwarenessUpdate`): an entry is accepted when its
//! clock is newer than the one we hold, or when it is a removal at the same clock of a
//! state we hold, or when the client is new to us. Accepted entries are relayed to every
//! peer; stale ones are dropped. yrs has no 30 s expiry of awareness states, so the hub
//! remembers which client ids each connection introduced and removes them when that
//! connection closes ([`AwarenessTable::remove_clients`]).

use std::collections::HashMap;
use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;

/// The largest JSON state we keep for one client. Cursors and names are tiny.
pub const MAX_STATE_BYTES: usize = 64 * 1024;
/// The most entries one awareness update may carry.
pub const MAX_ENTRIES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub client_id: u64,
    pub clock: u64,
    /// The JSON text of the state; `None` for a removal (`null` on the wire).
    pub state: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AwarenessError {
    #[error("malformed awareness update: {0}")]
    Malformed(String),
    #[error("awareness update has more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    #[error("awareness state larger than {MAX_STATE_BYTES} bytes")]
    StateTooLarge,
    #[error("awareness state is not valid JSON")]
    NotJson,
}

/// Decodes and validates an awareness update from an untrusted peer.
pub fn decode_update(bytes: &[u8]) -> Result<Vec<Entry>, AwarenessError> {
    let m = |e: yrs::encoding::read::Error| AwarenessError::Malformed(e.to_string());
    let mut cur = Cursor::new(bytes);
    let n: u64 = cur.read_var().map_err(m)?;
    if n > MAX_ENTRIES as u64 {
        return Err(AwarenessError::TooManyEntries);
    }
    // every entry takes at least 3 bytes: nothing is reserved beyond what could be there
    if n.saturating_mul(3) > bytes.len() as u64 {
        return Err(AwarenessError::Malformed("more entries than bytes".into()));
    }
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let client_id: u64 = cur.read_var().map_err(m)?;
        let clock: u64 = cur.read_var().map_err(m)?;
        if clock > crate::validate::MAX_SAFE_INTEGER
            || client_id > crate::validate::MAX_SAFE_INTEGER
        {
            return Err(AwarenessError::Malformed(
                "client id or clock larger than 2^53 - 1".into(),
            ));
        }
        let json = cur.read_string().map_err(m)?;
        if json.len() > MAX_STATE_BYTES {
            return Err(AwarenessError::StateTooLarge);
        }
        // Other clients JSON.parse this text: never relay something they would choke on.
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|_| AwarenessError::NotJson)?;
        let state = if value.is_null() {
            None
        } else {
            Some(json.to_owned())
        };
        out.push(Entry {
            client_id,
            clock,
            state,
        });
    }
    if cur.next != bytes.len() {
        return Err(AwarenessError::Malformed("trailing bytes".into()));
    }
    Ok(out)
}

/// Encodes entries as one awareness update.
pub fn encode_update<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<u8> {
    let entries: Vec<&Entry> = entries.into_iter().collect();
    let mut out = Vec::with_capacity(16 + entries.len() * 64);
    out.write_var(entries.len() as u64);
    for e in entries {
        out.write_var(e.client_id);
        out.write_var(e.clock);
        out.write_string(e.state.as_deref().unwrap_or("null"));
    }
    out
}

/// The awareness states of one board.
#[derive(Debug, Default)]
pub struct AwarenessTable {
    states: HashMap<u64, (u64, String)>,
}

impl AwarenessTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The size of the JSON state held for `id` (0 if none).
    pub fn state_len(&self, id: u64) -> usize {
        self.states.get(&id).map_or(0, |(_, s)| s.len())
    }

    /// Applies entries and returns those accepted (to relay), in order.
    pub fn apply(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        let mut accepted = Vec::with_capacity(entries.len());
        for e in entries {
            let take = match self.states.get(&e.client_id) {
                None => e.state.is_some(),
                Some((clock, _)) => *clock < e.clock || (*clock == e.clock && e.state.is_none()),
            };
            if !take {
                continue;
            }
            match &e.state {
                Some(s) => {
                    self.states.insert(e.client_id, (e.clock, s.clone()));
                }
                None => {
                    self.states.remove(&e.client_id);
                }
            }
            accepted.push(e);
        }
        accepted
    }

    /// Every live state, as one update; `None` when there is none.
    pub fn encode_all(&self) -> Option<Vec<u8>> {
        if self.states.is_empty() {
            return None;
        }
        let entries: Vec<Entry> = self
            .states
            .iter()
            .map(|(id, (clock, s))| Entry {
                client_id: *id,
                clock: *clock,
                state: Some(s.clone()),
            })
            .collect();
        Some(encode_update(&entries))
    }

    /// The states of these clients (those we hold), as one update; `None` if none.
    pub fn encode_clients(&self, ids: &[u64]) -> Option<Vec<u8>> {
        let entries: Vec<Entry> = ids
            .iter()
            .filter_map(|id| {
                self.states.get(id).map(|(clock, s)| Entry {
                    client_id: *id,
                    clock: *clock,
                    state: Some(s.clone()),
                })
            })
            .collect();
        (!entries.is_empty()).then(|| encode_update(&entries))
    }

    /// Removes the given clients (a connection closed) and returns the removal entries to
    /// relay (state `null`, clock one past the last one seen, as y-protocols does).
    pub fn remove_clients(&mut self, ids: impl IntoIterator<Item = u64>) -> Vec<Entry> {
        ids.into_iter()
            .filter_map(|id| {
                self.states.remove(&id).map(|(clock, _)| Entry {
                    client_id: id,
                    clock: clock + 1,
                    state: None,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: u64, clock: u64, state: Option<&str>) -> Entry {
        Entry {
            client_id: id,
            clock,
            state: state.map(str::to_owned),
        }
    }

    #[test]
    fn codec_round_trip() {
        let entries = vec![e(1, 0, Some(r#"{"user":{"name":"Anna"}}"#)), e(2, 5, None)];
        let bytes = encode_update(&entries);
        assert_eq!(decode_update(&bytes).unwrap(), entries);
    }

    #[test]
    fn rejects_bad_updates() {
        assert!(matches!(
            decode_update(&[]),
            Err(AwarenessError::Malformed(_))
        ));
        let mut not_json = Vec::new();
        not_json.write_var(1u32);
        not_json.write_var(1u32);
        not_json.write_var(1u32);
        not_json.write_string("{oops");
        assert_eq!(decode_update(&not_json), Err(AwarenessError::NotJson));
        let mut many = Vec::new();
        many.write_var(100_000u32);
        assert_eq!(decode_update(&many), Err(AwarenessError::TooManyEntries));
    }

    #[test]
    fn stale_clocks_are_dropped_and_removal_is_relayed() {
        let mut t = AwarenessTable::new();
        assert_eq!(t.apply(vec![e(1, 3, Some("{}"))]).len(), 1);
        assert!(
            t.apply(vec![e(1, 2, Some(r#"{"x":1}"#))]).is_empty(),
            "older clock"
        );
        assert!(
            t.apply(vec![e(1, 3, Some(r#"{"x":1}"#))]).is_empty(),
            "same clock"
        );
        assert_eq!(t.apply(vec![e(1, 4, Some(r#"{"x":2}"#))]).len(), 1);
        assert_eq!(t.len(), 1);
        let removed = t.remove_clients([1, 99]);
        assert_eq!(removed, vec![e(1, 5, None)]);
        assert!(t.is_empty());
        assert!(t.encode_all().is_none());
    }

    #[test]
    fn removal_at_same_clock_is_accepted() {
        let mut t = AwarenessTable::new();
        t.apply(vec![e(7, 1, Some("{}"))]);
        assert_eq!(t.apply(vec![e(7, 1, None)]).len(), 1);
        assert!(t.is_empty());
        // a removal of an unknown client is not news
        assert!(t.apply(vec![e(8, 1, None)]).is_empty());
    }
}
