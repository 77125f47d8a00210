//! Crafted Yjs payloads found by the security review, against the real server: each
//! closes only the connection that sent it, with a reason; the server stays up; the
//! board's other client keeps syncing; and the board keeps its content through
//! compaction and a restart. Before the validator, the deep ones aborted the process.

mod common;

use common::{Backend, TestDb, TestServer, WAIT};
use std::time::Duration;
use tavolo_hub::HubConfig;
use tavolo_sync::wire;
use yrs::encoding::write::Write;
use yrs::{GetString, Map, Text, Transact};

/// A one-struct update: key "k" of root map "m" holds `value` (lib0 `Any` bytes).
fn any_update(value: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.write_var(1u32); // client sections
    u.write_var(1u32); // structs
    u.write_var(4242u32); // client
    u.write_var(0u32); // clock
    u.write_u8(8 | 0x20); // Any content, with a parent key
    u.write_var(1u32); // the parent is a root
    u.write_string("m");
    u.write_string("k");
    u.write_var(1u32); // one value
    u.extend_from_slice(value);
    u.write_var(0u32); // empty delete set
    u
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..depth {
        v.extend_from_slice(&[117, 1]);
    }
    v.push(126);
    v
}

fn nested_maps(depth: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..depth {
        v.extend_from_slice(&[118, 1, 1, b'k']);
    }
    v.push(126);
    v
}

/// A real update (as yrs writes it) of `levels` maps nested in one another.
fn type_chain(levels: usize) -> Vec<u8> {
    let doc = yrs::Doc::with_client_id(777);
    let root = doc.get_or_insert_map("m");
    let mut txn = doc.transact_mut();
    let mut map = root.insert(&mut txn, "k", yrs::MapPrelim::default());
    for _ in 1..levels {
        map = map.insert(&mut txn, "k", yrs::MapPrelim::default());
    }
    txn.encode_update_v1()
}

/// `levels` arrays, each hung from a key of the one before (a crafted shape: Yjs encodes
/// an item's parent and key, never the parent's kind). An earlier nesting check read
/// arrays only as lists and missed this chain.
fn keyed_array_chain(levels: usize) -> Vec<u8> {
    use yrs::branch::BranchPtr;
    use yrs::{Array, Map};
    let doc = yrs::Doc::with_client_id(778);
    let root = doc.get_or_insert_array("a");
    let mut txn = doc.transact_mut();
    let mut array = root.insert(&mut txn, 0, yrs::ArrayPrelim::default());
    for _ in 1..levels {
        let keyed = yrs::MapRef::from(BranchPtr::from(AsRef::<yrs::branch::Branch>::as_ref(
            &array,
        )));
        array = keyed.insert(&mut txn, "k", yrs::ArrayPrelim::default());
    }
    txn.encode_update_v1()
}

/// An item with `ContentJSON` (yrs reads one string more than it writes).
fn content_json() -> Vec<u8> {
    let mut u = Vec::new();
    u.write_var(1u32);
    u.write_var(1u32);
    u.write_var(4242u32);
    u.write_var(0u32);
    u.write_u8(2);
    u.write_var(1u32);
    u.write_string("m");
    u.write_var(1u32);
    u.write_string("1");
    u.write_var(0u32);
    u
}

/// A 1-character item at clock 2^32 - 1.
fn clock_overflow() -> Vec<u8> {
    let mut u = Vec::new();
    u.write_var(1u32);
    u.write_var(1u32);
    u.write_var(4242u32);
    u.write_var(u32::MAX);
    u.write_u8(4);
    u.write_var(1u32);
    u.write_string("t");
    u.write_string("x");
    u.write_var(0u32);
    u
}

async fn attack(
    backend: Backend,
    config: HubConfig,
    frames: Vec<Vec<u8>>,
    code: u16,
    reason_has: &str,
    metric: &str,
) {
    attack_keeping(backend, config, frames, code, reason_has, metric, false).await
}

/// `attack`, where what the attacker sent before it was closed may be valid content
/// (`kept_before`): the board then ends with the good client's text rather than equal it.
async fn attack_keeping(
    backend: Backend,
    config: HubConfig,
    frames: Vec<Vec<u8>>,
    code: u16,
    reason_has: &str,
    metric: &str,
    kept_before: bool,
) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start_with(&db, config.clone()).await;
    let board = "attacked";
    let good = server.client(board).await;
    let text = good.doc().get_or_insert_text("t");
    good.change(|t| text.push(t, "prima "));
    good.wait_until("echo", WAIT, |c| c.updates_received() >= 2)
        .await
        .unwrap();

    let attacker = server.client(board).await;
    for f in frames {
        attacker.send_raw(f);
    }
    let closed = attacker
        .wait_closed(WAIT)
        .await
        .unwrap()
        .expect("the server sends a close frame");
    assert_eq!(closed.code, code, "close code; reason: {}", closed.reason);
    assert!(
        closed.reason.contains(reason_has),
        "reason {:?} should mention {reason_has:?}",
        closed.reason
    );
    assert!(
        server.hub.metrics().rejected(metric) >= 1,
        "metric {metric} counted"
    );

    // the other client was not disturbed and keeps syncing
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!good.is_ended(), "the good client is still connected");
    let before = good.updates_received();
    good.change(|t| text.push(t, "dopo"));
    good.wait_until("echo", WAIT, |c| c.updates_received() > before)
        .await
        .unwrap();
    // enough updates for a compaction (the test config compacts after 50)
    for i in 0..60 {
        let m = good.doc().get_or_insert_map("n");
        good.change(|t| {
            m.insert(t, "i", i as i64);
        });
    }
    let newcomer = server.client(board).await;
    let t = newcomer.doc().get_or_insert_text("t");
    let expected = text.get_string(&good.doc().transact());
    assert!(expected.ends_with("prima dopo"));
    assert!(kept_before || expected == "prima dopo");
    assert_eq!(t.get_string(&newcomer.doc().transact()), expected);
    let m = newcomer.doc().get_or_insert_map("m");
    assert!(
        m.get(&newcomer.doc().transact(), "k").is_none(),
        "nothing of the attack reached anyone"
    );
    good.close().await;
    newcomer.close().await;
    let (status, _) = common::http_get(server.addr, "/healthz").await;
    assert_eq!(status, 200, "the server is up");
    server.stop().await;

    // after compaction and a restart the board holds what it held
    let server = TestServer::start_with(&db, config).await;
    let again = server.client(board).await;
    let t = again.doc().get_or_insert_text("t");
    assert_eq!(t.get_string(&again.doc().transact()), expected);
    let n = again.doc().get_or_insert_map("n");
    assert_eq!(
        n.get(&again.doc().transact(), "i")
            .map(|v| v.to_string(&again.doc().transact())),
        Some("59".to_owned())
    );
    assert_eq!(
        server
            .hub
            .metrics()
            .compactions_refused
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    again.close().await;
    server.stop().await;
    db.cleanup().await;
}

fn config() -> HubConfig {
    common::test_config()
}

async fn deep_arrays(b: Backend) {
    let f = wire::encode_update(&any_update(&nested_arrays(6_200)));
    attack(b, config(), vec![f], 1007, "nested deeper", "too_deep").await;
}

async fn deep_maps(b: Backend) {
    let f = wire::encode_update(&any_update(&nested_maps(8_000)));
    attack(b, config(), vec![f], 1007, "nested deeper", "too_deep").await;
}

/// An update whose shared types nest deeper than a board may hold: refused (1007), its
/// sender closed, nothing of it stored or relayed.
async fn types_too_deep(b: Backend, update: Vec<u8>) {
    let f = wire::encode_update(&update);
    attack(
        b,
        config(),
        vec![f],
        1007,
        "shared types nested deeper",
        "too_deep",
    )
    .await;
}

async fn nested_types(b: Backend) {
    types_too_deep(b, type_chain(40)).await;
}

async fn nested_types_deep_enough_to_abort(b: Backend) {
    // 10,000 nested maps: deleting them would overflow a 2 MiB stack
    types_too_deep(b, type_chain(10_000)).await;
}

async fn types_nested_under_keys_of_arrays(b: Backend) {
    types_too_deep(b, keyed_array_chain(10_000)).await;
}

async fn json_content(b: Backend) {
    let f = wire::encode_update(&content_json());
    attack(
        b,
        config(),
        vec![f],
        1007,
        "JSON content",
        "unsupported_content",
    )
    .await;
}

async fn clock_near_overflow(b: Backend) {
    let f = wire::encode_update(&clock_overflow());
    attack(b, config(), vec![f], 1007, "clock past", "clock_overflow").await;
}

/// Updates the board would have to keep waiting (yrs parks them, and parked structs once
/// made the live board differ from its log, compaction refuse the board's own state and
/// yrs panic): refused (1007), their sender closed, nothing of them kept.
async fn waiting(b: Backend, update: &[u8], reason_has: &str, metric: &str) {
    let f = wire::encode_update(update);
    attack(b, config(), vec![f], 1007, reason_has, metric).await;
}

/// A string of client 4242 at clock 5, of which the board has nothing.
async fn structs_past_their_clock(b: Backend) {
    let u = [1, 1, 0x92, 0x21, 5, 4, 1, 1, b't', 1, b'x', 0];
    waiting(b, &u, "past their client's clock", "gap_ahead").await;
}

/// A delete set naming clocks 0..3 of client 4242, of which the board has nothing.
async fn deletions_ahead(b: Backend) {
    let u = [0, 1, 0x92, 0x21, 1, 0, 3];
    waiting(b, &u, "deletes structs", "deletion_ahead").await;
}

/// Two strings of two clients, each the other's origin: every reference is in the update,
/// but yrs parks both; the board is rebuilt from its log without them.
async fn structs_waiting_for_each_other(b: Backend) {
    let u = [2, 1, 1, 0, 132, 2, 0, 1, 97, 1, 2, 0, 132, 1, 0, 1, 98, 0];
    waiting(b, &u, "waits for structs", "parked").await;
}

async fn huge_state_vector_count(b: Backend) {
    let mut sv = Vec::new();
    sv.write_var(939_524_096u32);
    sv.extend_from_slice(&[1, 1, 1]);
    let f = wire::encode_sync_step1(&sv);
    attack(
        b,
        config(),
        vec![f],
        1007,
        "exceeds the bytes left",
        "bad_state_vector",
    )
    .await;
}

async fn many_messages_in_one_frame(b: Backend) {
    let mut frame = Vec::new();
    for _ in 0..17 {
        frame.extend(wire::encode_update(&[0, 0]));
    }
    attack(
        b,
        config(),
        vec![frame],
        1008,
        "messages in one frame",
        "too_many_messages",
    )
    .await;
}

async fn message_rate(b: Backend) {
    let cfg = HubConfig {
        max_messages_per_sec: 40,
        ..config()
    };
    let frames = (0..400)
        .map(|_| wire::encode_awareness(&[0]))
        .collect::<Vec<_>>();
    attack(b, cfg, frames, 1008, "per second", "rate_limited").await;
}

/// Frames of items that all insert at the start of one text with no neighbours, each
/// from a new client: Yjs's conflict resolution scans every earlier such item for each
/// new one, so each frame costs more than the last.
fn conflicting_inserts(frames: usize, per_frame: u32) -> Vec<Vec<u8>> {
    let mut client = 100_000u32;
    (0..frames)
        .map(|_| {
            let mut u = Vec::new();
            u.write_var(per_frame);
            for _ in 0..per_frame {
                client += 1;
                u.write_var(1u32);
                u.write_var(client);
                u.write_var(0u32);
                u.write_u8(4);
                u.write_var(1u32);
                u.write_string("t");
                u.write_string("x");
            }
            u.write_var(0u32);
            wire::encode_update(&u)
        })
        .collect()
}

async fn costly_updates(b: Backend) {
    // The attack ends when the sender has spent its share of the board's time: each of
    // these frames costs more than the one before it, and 60 of them would cost minutes.
    attack_keeping(
        b,
        config(),
        conflicting_inserts(60, 2_000),
        1008,
        "too costly",
        "too_costly",
        true,
    )
    .await;
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(Backend::Sqlite).await })*
        }
        mod postgres {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(Backend::Postgres).await })*
        }
    };
}

both!(
    deep_arrays,
    deep_maps,
    nested_types,
    nested_types_deep_enough_to_abort,
    types_nested_under_keys_of_arrays,
    json_content,
    clock_near_overflow,
    huge_state_vector_count,
    many_messages_in_one_frame,
    message_rate,
    costly_updates,
    structs_past_their_clock,
    deletions_ahead,
    structs_waiting_for_each_other,
);

/// Awareness ids belong to the connection that introduced them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awareness_belongs_to_its_connection() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start(&db).await;
    let board = "presence";
    let anna = server.client(board).await;
    anna.set_awareness(r#"{"user":{"name":"Anna"}}"#);
    let watcher = server.client(board).await;
    watcher
        .wait_until("anna's presence", WAIT, |c| {
            c.awareness_states().contains_key(&anna.client_id())
        })
        .await
        .unwrap();

    let attacker = server.client(board).await;
    // overwrite Anna's state, freeze it with a huge clock, remove it
    let forged = |clock: u64, state: &str| {
        let mut a = Vec::new();
        a.write_var(1u32);
        a.write_var(anna.client_id());
        a.write_var(clock);
        a.write_string(state);
        wire::encode_awareness(&a)
    };
    attacker.send_raw(forged(1000, r#"{"user":{"name":"Mallory"}}"#));
    attacker.send_raw(forged((1 << 53) - 1, r#"{"user":{"name":"Mallory"}}"#));
    attacker.send_raw(forged(2000, "null"));
    // and invent many ids of its own
    let mut many = Vec::new();
    many.write_var(50u32);
    for id in 0..50u64 {
        many.write_var(10_000 + id);
        many.write_var(1u32);
        many.write_string(r#"{"user":{"name":"x"}}"#);
    }
    attacker.send_raw(wire::encode_awareness(&many));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(server.hub.metrics().rejected("awareness_not_owned") >= 3);
    let states = watcher.awareness_states();
    assert_eq!(
        states.get(&anna.client_id()).map(String::as_str),
        Some(r#"{"user":{"name":"Anna"}}"#),
        "Anna's presence is hers"
    );
    let invented = states
        .keys()
        .filter(|id| (10_000..10_050).contains(*id))
        .count();
    assert_eq!(
        invented,
        tavolo_hub::board::MAX_AWARENESS_CLIENTS,
        "a connection introduces a few ids at most"
    );
    // Anna still updates her own state
    anna.set_awareness(r#"{"user":{"name":"Anna B."}}"#);
    watcher
        .wait_until("anna's new state", WAIT, |c| {
            c.awareness_states()
                .get(&anna.client_id())
                .is_some_and(|s| s.contains("Anna B."))
        })
        .await
        .unwrap();
    // the attacker leaving removes its own ids only
    attacker.close().await;
    watcher
        .wait_until("invented ids gone", WAIT, |c| {
            !c.awareness_states()
                .keys()
                .any(|id| (10_000..10_050).contains(id))
        })
        .await
        .unwrap();
    assert!(watcher.awareness_states().contains_key(&anna.client_id()));
    anna.close().await;
    watcher.close().await;
    server.stop().await;
    db.cleanup().await;
}
