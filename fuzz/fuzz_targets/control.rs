//! The control channel's client messages and the presence table they drive.
//!
//! The control loop itself (tavolo-http's `api::control::control_loop`) is async glue around a
//! WebSocket; its pure parts are `live::parse_client` (a client's text frame) and `Live`
//! (who is connected, on which board), both in `tavolo_rooms::live`.
//!
//! The input is a few pieces (`varUint(len) bytes`): each is parsed as a client message
//! by `parse_client`, and its first byte also picks an operation on the table (a client
//! connects, says where it is, or leaves), in the order the control loop does them.
//! Properties: a parsed board is a valid board id and is exactly the `board` string of a
//! `{"type":"here"}` object; `presence` lists one entry per person, sorted by name then
//! id, whose board is one of that person's connections' boards (none only if all have
//! none); a client receives what is published to its session; and once a session's last
//! client has left, nothing of it is kept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::{BTreeMap, HashMap};
use tavolo_rooms::access::Part;
use tavolo_rooms::live::{self, ClientMessage, Live, Presence};
use tokio::sync::broadcast;

struct Conn {
    session: &'static str,
    person: String,
    board: Option<String>,
    rx: broadcast::Receiver<std::sync::Arc<str>>,
}

fuzz_target!(|data: &[u8]| {
    let live = Live::default();
    let mut conns: BTreeMap<u64, Conn> = BTreeMap::new();
    for piece in tavolo_fuzz::pieces(data, 32) {
        let text = String::from_utf8_lossy(piece.get(1..).unwrap_or_default());
        let parsed = live::parse_client(&text);
        check_parse(&text, &parsed);
        let Some(&op) = piece.first() else { continue };
        let session = if op & 0x10 == 0 { "s1" } else { "s2" };
        match op % 4 {
            0 => {
                let n = (op >> 5) % 4;
                let who = Presence {
                    id: format!("p{n}"),
                    name: format!("Persona {}", 3 - n),
                    role: Part::Participant,
                    board: None,
                };
                let (id, rx, _ended) = live.subscribe(session, who);
                assert!(!conns.contains_key(&id), "connection ids are unique");
                conns.insert(
                    id,
                    Conn {
                        session,
                        person: format!("p{n}"),
                        board: None,
                        rx,
                    },
                );
            }
            1 => {
                if let (Some(ClientMessage::Here(board)), Some((&id, c))) =
                    (parsed, conns.iter_mut().nth(usize::from(op >> 2) % 8))
                {
                    live.set_board(c.session, id, board.clone());
                    c.board = board;
                }
            }
            2 => {
                if let Some(&id) = conns.keys().nth(usize::from(op >> 2) % 8) {
                    let c = conns.remove(&id).unwrap();
                    // as the control loop does: it leaves, then drops its receiver
                    live.leave(c.session, id);
                    drop(c.rx);
                }
            }
            _ => {
                live.publish(session, text.to_string());
                // an `end` message (a revoked credential) closes sockets instead of
                // reaching clients
                if live::is_end_message(&text) {
                    continue;
                }
                for c in conns.values_mut().filter(|c| c.session == session) {
                    let got =
                        c.rx.try_recv()
                            .expect("a client receives what is published");
                    assert_eq!(&*got, &*text);
                    // a session view is followed by who is present now
                    if live::is_session_view(&text) {
                        let presence = c.rx.try_recv().expect("presence follows a view");
                        assert_eq!(&*presence, live.presence_message(session));
                    }
                }
            }
        }
        for s in ["s1", "s2"] {
            check_presence(&live, s, &conns);
        }
        let open = ["s1", "s2"]
            .iter()
            .filter(|s| conns.values().any(|c| c.session == **s))
            .count();
        assert_eq!(
            live.open_sessions(),
            open,
            "sessions with no client are freed"
        );
    }
});

fn check_parse(text: &str, parsed: &Option<ClientMessage>) {
    let v: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let here = v
        .as_ref()
        .and_then(|v| v.as_object())
        .is_some_and(|o| o.get("type").and_then(|t| t.as_str()) == Some("here"));
    assert_eq!(
        parsed.is_some(),
        here,
        "only a \"here\" object is a message"
    );
    if let Some(ClientMessage::Here(board)) = parsed {
        let raw = v.unwrap()["board"].as_str().map(str::to_owned);
        match board {
            Some(b) => {
                assert!(tavolo_sync::BoardId::parse(b).is_ok());
                assert_eq!(raw.as_deref(), Some(b.as_str()));
            }
            None => assert!(raw.is_none_or(|r| tavolo_sync::BoardId::parse(&r).is_err())),
        }
    }
}

fn check_presence(live: &Live, session: &str, conns: &BTreeMap<u64, Conn>) {
    let present = live.presence(session);
    let mut boards: HashMap<&str, Vec<&Option<String>>> = HashMap::new();
    for c in conns.values().filter(|c| c.session == session) {
        boards.entry(&c.person).or_default().push(&c.board);
    }
    assert_eq!(present.len(), boards.len(), "one entry per person");
    for w in present.windows(2) {
        assert!((&w[0].name, &w[0].id) < (&w[1].name, &w[1].id), "sorted");
    }
    for p in &present {
        let tabs = &boards[p.id.as_str()];
        match &p.board {
            Some(_) => assert!(tabs.contains(&&p.board)),
            None => assert!(tabs.iter().all(|b| b.is_none())),
        }
    }
}
