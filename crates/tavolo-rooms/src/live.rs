//! The control channel of each session: who is connected (and on which board), and a
//! broadcast of the session's view whenever the facilitator changes something. Messages
//! are JSON text frames (documented in `docs/control-channel.md`).
//!
//! Fuzzed by the target `control` (fuzz/).

use crate::access::Part;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};
use utoipa::ToSchema;

/// Why a control socket must close: a WebSocket close code and reason.
pub type Ending = Option<(u16, String)>;

/// What a client may say on the control channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `{"type": "here", "board": …}`: the board the client is looking at; `None` when it
    /// names none, or nothing that is a board id.
    Here(Option<String>),
}

/// Parses a client's text frame; `None` for anything else (ignored, as documented).
pub fn parse_client(text: &str) -> Option<ClientMessage> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if v["type"] != "here" {
        return None;
    }
    let board = v["board"]
        .as_str()
        .filter(|b| tavolo_sync::BoardId::parse(b).is_ok())
        .map(str::to_owned);
    Some(ClientMessage::Here(board))
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct Presence {
    pub id: String,
    pub name: String,
    pub role: Part,
    #[schema(required = true)]
    pub board: Option<String>,
}

struct SessionLive {
    tx: broadcast::Sender<Arc<str>>,
    presence: HashMap<u64, Presence>,
    /// Each connection's ending signal (its credential was revoked).
    ends: HashMap<u64, watch::Sender<Ending>>,
}

/// The control message that ends these people's control sockets, on every node (it is
/// handled by [`Live::publish`], never sent to a client).
#[derive(serde::Serialize, serde::Deserialize)]
struct End {
    #[serde(rename = "type")]
    kind: String,
    principals: Vec<String>,
    code: u16,
    reason: String,
}

fn parse_end(message: &str) -> Option<End> {
    if !message.starts_with(r#"{"type":"end""#) {
        return None;
    }
    serde_json::from_str::<End>(message)
        .ok()
        .filter(|e| e.kind == "end")
}

/// Whether `message` is an end message (handled by [`Live::publish`], not relayed).
pub fn is_end_message(message: &str) -> bool {
    parse_end(message).is_some()
}

/// The message that ends `principals`' control sockets with `code` and `reason`; send it
/// with `AppState::publish` so that every node acts on it.
pub fn end_message(principals: &[String], code: u16, reason: &str) -> String {
    serde_json::to_string(&End {
        kind: "end".into(),
        principals: principals.to_vec(),
        code,
        reason: reason.into(),
    })
    .unwrap_or_default()
}

#[derive(Clone, Default)]
pub struct Live {
    sessions: Arc<Mutex<HashMap<String, SessionLive>>>,
    next: Arc<AtomicU64>,
}

impl Live {
    fn with<R>(&self, session: &str, f: impl FnOnce(&mut SessionLive) -> R) -> R {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map
            .entry(session.to_owned())
            .or_insert_with(|| SessionLive {
                tx: broadcast::channel(256).0,
                presence: HashMap::new(),
                ends: HashMap::new(),
            });
        f(entry)
    }

    /// Joins a session's channel; returns the connection id, its receiver, and the
    /// signal that it must close.
    pub fn subscribe(
        &self,
        session: &str,
        who: Presence,
    ) -> (u64, broadcast::Receiver<Arc<str>>, watch::Receiver<Ending>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (end_tx, end_rx) = watch::channel(None);
        let rx = self.with(session, |s| {
            s.presence.insert(id, who);
            s.ends.insert(id, end_tx);
            s.tx.subscribe()
        });
        (id, rx, end_rx)
    }

    pub fn set_board(&self, session: &str, conn: u64, board: Option<String>) {
        self.with(session, |s| {
            if let Some(p) = s.presence.get_mut(&conn) {
                p.board = board;
            }
        });
    }

    pub fn leave(&self, session: &str, conn: u64) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = map.get_mut(session) {
            s.presence.remove(&conn);
            s.ends.remove(&conn);
            // Every subscriber has a presence entry until it leaves, so none is left here
            // but the leaving one's receiver (still held by its caller while it leaves).
            if s.presence.is_empty() {
                map.remove(session);
            }
        }
    }

    /// Who is connected now, one entry per person (several tabs count once).
    pub fn presence(&self, session: &str) -> Vec<Presence> {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.get(session).map(present).unwrap_or_default()
    }

    /// The `presence` message of the session on this node, as control clients get it.
    pub fn presence_message(&self, session: &str) -> String {
        presence_text(&self.presence(session))
    }

    /// A member renamed themselves: their connections on this node go by the new name.
    pub fn rename(&self, session: &str, member: &str, name: &str) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = map.get_mut(session) {
            for p in s.presence.values_mut().filter(|p| p.id == member) {
                p.name = name.to_owned();
            }
        }
    }

    /// How many sessions have clients connected on this node (what `leave` cleans up).
    pub fn open_sessions(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Sends a message to this node's clients of the session.
    /// An end message ([`end_message`]) closes its principals' sockets instead.
    pub fn publish(&self, session: &str, message: String) {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let Some(s) = map.get(session) else { return };
        if let Some(end) = parse_end(&message) {
            for (conn, p) in &s.presence {
                if end.principals.contains(&p.id) {
                    if let Some(tx) = s.ends.get(conn) {
                        let _ = tx.send(Some((end.code, end.reason.clone())));
                    }
                }
            }
            return;
        }
        // A session view carries presence as of when it was built, with database reads,
        // while a client's `here` changes presence at once: a view built before the
        // last `here` and sent after it left a console showing people "Sta entrando…"
        // while they were on their boards (found by the facilitation browser test). Who is
        // present now follows every view, so the last word on presence is never stale.
        let view = is_session_view(&message);
        let _ = s.tx.send(Arc::from(message));
        if view {
            let _ = s.tx.send(Arc::from(presence_text(&present(s))));
        }
    }
}

/// Whether a control message is a session view (which [`Live::publish`] follows with
/// the presence of the moment).
pub fn is_session_view(message: &str) -> bool {
    message.starts_with('{') && message.contains(r#""type":"session""#)
}

/// One entry per person (several tabs count once) with one of their boards, by name.
fn present(s: &SessionLive) -> Vec<Presence> {
    let mut by_id: HashMap<String, Presence> = HashMap::new();
    for p in s.presence.values() {
        by_id
            .entry(p.id.clone())
            .and_modify(|e| {
                if e.board.is_none() {
                    e.board = p.board.clone();
                }
            })
            .or_insert_with(|| p.clone());
    }
    let mut v: Vec<Presence> = by_id.into_values().collect();
    v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    v
}

/// The `presence` message: who is connected now.
#[derive(serde::Serialize)]
struct PresenceMessage<'a> {
    present: &'a [Presence],
    #[serde(rename = "type")]
    message_type: &'static str,
}

fn presence_text(present: &[Presence]) -> String {
    serde_json::to_string(&PresenceMessage {
        present,
        message_type: "presence",
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(id: &str) -> Presence {
        Presence {
            id: id.into(),
            name: id.into(),
            role: Part::Participant,
            board: None,
        }
    }

    #[test]
    fn client_messages() {
        let here = |b: &str| Some(ClientMessage::Here(Some(b.to_owned())));
        assert_eq!(
            parse_client(r#"{"type":"here","board":"b-1"}"#),
            here("b-1")
        );
        assert_eq!(
            parse_client(r#"{"type":"here","board":"../x"}"#),
            Some(ClientMessage::Here(None))
        );
        assert_eq!(
            parse_client(r#"{"type":"here"}"#),
            Some(ClientMessage::Here(None))
        );
        for other in ["", "null", "[1]", r#"{"type":"vote"}"#, "\"here\"", "{"] {
            assert_eq!(parse_client(other), None, "{other}");
        }
    }

    /// Seen while writing the `control` fuzz target (which checks it): the control loop
    /// leaves while it still holds its receiver, so the session's entry outlived its last
    /// client (one leaked entry per session ever connected to on the node).
    #[test]
    fn the_last_client_leaving_frees_the_session() {
        let live = Live::default();
        let (a, rx_a, _) = live.subscribe("s", who("p1"));
        let (b, rx_b, _) = live.subscribe("s", who("p2"));
        live.leave("s", a);
        drop(rx_a);
        assert_eq!(live.open_sessions(), 1);
        live.leave("s", b);
        drop(rx_b);
        assert_eq!(live.open_sessions(), 0);
        assert!(live.presence("s").is_empty());
    }

    /// A view built before a client's `here` (views are built with database reads) and
    /// published after it must not be the last word on presence: who is present now
    /// follows it. (The facilitation browser test once saw a console keep participants
    /// "Sta entrando…" while they were on their group boards.)
    #[test]
    fn presence_follows_every_view() {
        let live = Live::default();
        let (fac, mut rx, _) = live.subscribe("s", who("fac"));
        let (anna, _rx_anna, _) = live.subscribe("s", who("anna"));
        // the view, built while Anna was between boards
        let stale = format!(
            r#"{{"present":{},"type":"session"}}"#,
            serde_json::to_string(&live.presence("s")).unwrap()
        );
        live.set_board("s", anna, Some("gruppo-1".into()));
        live.publish("s", live.presence_message("s"));
        live.publish("s", stale.clone());
        assert!(rx.try_recv().unwrap().contains("gruppo-1"));
        assert_eq!(&*rx.try_recv().unwrap(), stale.as_str());
        let last = rx.try_recv().expect("presence after the view");
        assert!(
            last.contains(r#""type":"presence""#) && last.contains("gruppo-1"),
            "{last}"
        );
        assert!(rx.try_recv().is_err());
        // other messages are not followed by anything
        live.publish("s", r#"{"type":"vote","vote":{}}"#.into());
        rx.try_recv().unwrap();
        assert!(rx.try_recv().is_err());
        let _ = fac;
    }
}
