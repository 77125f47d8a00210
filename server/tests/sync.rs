//! Sync through the real server and database, with the Rust y-websocket client.

mod common;

use common::{Backend, TestDb, TestServer, WAIT};
use tavolo_client::Client;
use yrs::types::ToJson;
use yrs::{Any, Array, Doc, GetString, Map, ReadTxn, Text, Transact};

/// The document's content, for comparing two replicas (maps compare regardless of order).
fn snapshot(doc: &Doc) -> (Option<Any>, Option<Any>, String) {
    let txn = doc.transact();
    let m = txn.get_map("m").map(|m| m.to_json(&txn));
    let a = txn.get_array("a").map(|a| a.to_json(&txn));
    let t = txn
        .get_text("t")
        .map(|t| t.get_string(&txn))
        .unwrap_or_default();
    (m, a, t)
}

fn same(a: &Client, b: &Client) -> bool {
    snapshot(a.doc()) == snapshot(b.doc())
        && a.doc().transact().state_vector() == b.doc().transact().state_vector()
}

async fn concurrent_edits_converge(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let a = server.client("converge").await;
    let b = server.client("converge").await;
    let (ma, aa, ta) = (
        a.doc().get_or_insert_map("m"),
        a.doc().get_or_insert_array("a"),
        a.doc().get_or_insert_text("t"),
    );
    let (mb, ab, tb) = (
        b.doc().get_or_insert_map("m"),
        b.doc().get_or_insert_array("a"),
        b.doc().get_or_insert_text("t"),
    );
    // Both edit before either has seen the other's change.
    for i in 0..20 {
        a.change(|t| {
            ma.insert(t, format!("a{i}"), i);
            ma.insert(t, "shared", "a");
            aa.push_back(t, format!("a{i}"));
            ta.insert(t, 0, "perché ");
        });
        b.change(|t| {
            mb.insert(t, format!("b{i}"), i);
            mb.insert(t, "shared", "b");
            ab.insert(t, 0, format!("b{i}"));
            tb.insert(t, 0, "è così ");
        });
    }
    // each waits on its own replica (a predicate over both would only be re-checked
    // when the one waiting receives something)
    let complete = |c: &Client| {
        let txn = c.doc().transact();
        txn.get_map("m").map(|m| m.len(&txn)) == Some(41)
            && txn.get_array("a").map(|a| a.len(&txn)) == Some(40)
            && txn.get_text("t").is_some_and(|t| {
                let s = t.get_string(&txn);
                s.matches("perché ").count() == 20 && s.matches("è così ").count() == 20
            })
    };
    a.wait_until("a complete", WAIT, complete).await.unwrap();
    b.wait_until("b complete", WAIT, complete).await.unwrap();
    assert!(same(&a, &b), "converged to the same state");
    let (m, _, text) = snapshot(a.doc());
    let m = m.unwrap().to_string();
    assert!(m.contains("a19") && m.contains("b19"), "{m}");
    assert_eq!(
        a.doc().get_or_insert_array("a").len(&a.doc().transact()),
        40
    );
    assert_eq!(text.matches("perché ").count(), 20);
    assert_eq!(text.matches("è così ").count(), 20);
    // and every change reached the log
    let metrics = server.hub.metrics();
    assert!(
        metrics
            .updates_persisted
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 40
    );
    // and the board timed every one of its commits
    let commits = metrics.commits.load(std::sync::atomic::Ordering::Relaxed);
    assert!(commits > 0);
    let text = metrics.render();
    assert!(
        text.contains(&format!("tavolo_commit_latency_seconds_count {commits}\n")),
        "{commits} commits: {text}"
    );
    a.close().await;
    b.close().await;
    server.stop().await;
    db.cleanup().await;
}

async fn late_joiner_gets_everything(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let a = server.client("late").await;
    let text = a.doc().get_or_insert_text("t");
    for i in 0..120 {
        // more than compact_after (50): the late joiner reads snapshot + log
        a.change(|t| text.push(t, &format!("{i},")));
    }
    common::committed(&server.ws_url("late"), &a).await;
    let late = server.client("late").await;
    assert_eq!(snapshot(late.doc()), snapshot(a.doc()));
    a.close().await;
    late.close().await;
    server.stop().await;
    db.cleanup().await;
}

async fn awareness_arrives_and_is_removed(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let a = server.client("presence").await;
    let b = server.client("presence").await;
    a.set_awareness(r##"{"user":{"name":"Anna","color":"#1f77b4"}}"##);
    let a_id = a.client_id();
    b.wait_until("a's presence", WAIT, |b| {
        b.awareness_states()
            .get(&a_id)
            .is_some_and(|s| s.contains("Anna"))
    })
    .await
    .unwrap();
    // a newcomer gets the current states with its handshake
    let c = server.client("presence").await;
    c.wait_until("presence on join", WAIT, |c| {
        c.awareness_states().contains_key(&a_id)
    })
    .await
    .unwrap();
    // a stale clock is not relayed: b still sees the newest state
    a.set_awareness(r#"{"user":{"name":"Anna B."}}"#);
    b.wait_until("update", WAIT, |b| {
        b.awareness_states()
            .get(&a_id)
            .is_some_and(|s| s.contains("Anna B."))
    })
    .await
    .unwrap();
    // a vanishes without a goodbye: the server removes its state
    a.drop_connection();
    b.wait_until("removal", WAIT, |b| {
        !b.awareness_states().contains_key(&a_id)
    })
    .await
    .unwrap();
    c.wait_until("removal", WAIT, |c| {
        !c.awareness_states().contains_key(&a_id)
    })
    .await
    .unwrap();
    b.close().await;
    c.close().await;
    server.stop().await;
    db.cleanup().await;
}

async fn state_survives_restart(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let a = server.client("restart").await;
    let m = a.doc().get_or_insert_map("m");
    for i in 0..75 {
        a.change(|t| m.insert(t, format!("k{i}"), i));
    }
    common::committed(&server.ws_url("restart"), &a).await;
    let before = snapshot(a.doc());
    a.close().await;
    server.stop().await;

    let server = TestServer::start(&db).await;
    let b = server.client("restart").await;
    assert_eq!(snapshot(b.doc()), before);
    // and the log was compacted on the way: no more than compact_after rows remain
    assert!(server.store.log_len("restart").await.unwrap() < 50);
    b.close().await;
    server.stop().await;
    db.cleanup().await;
}

async fn idle_board_unloads_and_reloads(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let a = server.client("idle").await;
    let t = a.doc().get_or_insert_text("t");
    a.change(|txn| t.push(txn, "ciao"));
    a.wait_until("echo", WAIT, |a| a.updates_received() >= 2)
        .await
        .unwrap();
    a.close().await;
    // idle_unload is 200 ms in tests
    let deadline = tokio::time::Instant::now() + WAIT;
    while server.hub.live_boards() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "board never unloaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let b = server.client("idle").await;
    assert_eq!(snapshot(b.doc()).2, "ciao");
    b.close().await;
    server.stop().await;
    db.cleanup().await;
}

/// A big board loaded cold answers a fresh client from its stored snapshot while the
/// document is rebuilt; a returning client with offline edits waits for the document and
/// both end up equal, and the board then works as usual.
async fn cold_board_answers_fresh_clients_from_its_snapshot(backend: Backend) {
    let db = TestDb::new(backend).await;
    let config = tavolo_hub::HubConfig {
        build_aside_bytes: 0,
        ..common::test_config()
    };
    let server = TestServer::start_with(&db, config.clone()).await;
    let a = server.client("cold").await;
    let m = a.doc().get_or_insert_map("m");
    let t = a.doc().get_or_insert_text("t");
    // big enough that rebuilding it takes a while
    for chunk in 0..10 {
        a.change(|txn| {
            for i in 0..2_000 {
                m.insert(txn, format!("k{chunk}-{i}"), i as i64);
            }
        });
    }
    a.change(|txn| t.push(txn, "ciao"));
    common::committed(&server.ws_url("cold"), &a).await;
    let before = snapshot(a.doc());
    let returning = Doc::new();
    {
        use yrs::updates::decoder::Decode;
        let all = a
            .doc()
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        returning
            .transact_mut()
            .apply_update(yrs::Update::decode_v1(&all).unwrap())
            .unwrap();
    }
    a.close().await;
    server.stop().await; // a graceful stop compacts: snapshot only, no log after it
    let (has_snapshot, rows) = {
        let store = tavolo_store::Store::open(&db.url).await.unwrap();
        let stored = store.load_board("cold").await.unwrap();
        store.close().await;
        (stored.snapshot.is_some(), stored.updates.len())
    };
    assert!(has_snapshot);
    assert_eq!(rows, 0);

    let server = TestServer::start_with(&db, config).await;
    let url = server.ws_url("cold");
    {
        let text = returning.get_or_insert_text("t");
        text.push(&mut returning.transact_mut(), " a tutti");
    }
    let (b, c) = tokio::join!(
        Client::connect(&url),
        Client::connect_with_doc(&url, returning)
    );
    let (b, c) = (b.unwrap(), c.unwrap());
    b.wait_synced(WAIT).await.unwrap();
    c.wait_synced(WAIT).await.unwrap();
    b.wait_until("offline edit", WAIT, |b| {
        snapshot(b.doc()).2 == "ciao a tutti"
    })
    .await
    .unwrap();
    assert_eq!(snapshot(b.doc()).0, before.0);
    c.wait_until("equal", WAIT, |c| same(c, &b)).await.unwrap();
    let (_, body) = common::http_get(server.addr, "/metrics").await;
    assert!(
        body.contains("tavolo_snapshot_syncs_total 1\n"),
        "the fresh client (only) was answered from the snapshot: {body}"
    );
    // the rebuilt board goes on as usual
    let bm = b.doc().get_or_insert_map("m");
    b.change(|txn| bm.insert(txn, "after", 1));
    c.wait_until("after", WAIT, |c| same(c, &b)).await.unwrap();
    b.close().await;
    c.close().await;
    server.stop().await;
    db.cleanup().await;
}

async fn health_and_metrics(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let (status, body) = common::http_get(server.addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&health["status"], &health["database"]),
        (&"ok".into(), &"ok".into())
    );
    let a = server.client("metrics").await;
    let (status, body) = common::http_get(server.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(body.contains("tavolo_connections_open 1"), "{body}");
    assert!(body.contains("tavolo_boards_live 1"), "{body}");
    for name in [
        "tavolo_updates_applied_total",
        "tavolo_updates_persisted_total",
        "tavolo_broadcast_latency_seconds_bucket",
        "tavolo_rejected_messages_total",
        "tavolo_store_errors_total",
    ] {
        assert!(body.contains(name), "{name} missing");
    }
    let (status, body) = common::http_get(server.addr, "/sync/not%20valid").await;
    assert_eq!(status, 400);
    assert!(body.contains("invalid board id"), "{body}");
    let (status, _) = common::http_get(server.addr, "/sync/a/b").await;
    assert_eq!(status, 400);
    a.close().await;
    server.stop().await;
    db.cleanup().await;
}

on_both_backends!(
    concurrent_edits_converge,
    late_joiner_gets_everything,
    awareness_arrives_and_is_removed,
    state_survives_restart,
    idle_board_unloads_and_reloads,
    cold_board_answers_fresh_clients_from_its_snapshot,
    health_and_metrics,
);
