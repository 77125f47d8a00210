//! Several Tavolo nodes on one PostgreSQL with a Redis bus: clients on different nodes
//! converge, awareness crosses nodes, a node killed with SIGKILL loses nothing that was
//! broadcast, a Redis restart is caught up from the log, and a meeting's state changes
//! made through both nodes at once do not interleave.

mod common;

use common::{Backend, Http, TavoloProcess, TestDb, TestRedis, WAIT};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tavolo_client::Client;
use yrs::{Map, ReadTxn, Transact};

async fn node(db: &TestDb, redis: &TestRedis) -> TavoloProcess {
    TavoloProcess::spawn(&db.url, &["--bus", &redis.url(), "--compact-after", "50"]).await
}

fn keys(c: &Client) -> BTreeSet<String> {
    let txn = c.doc().transact();
    txn.get_map("m")
        .map(|m| m.keys(&txn).map(str::to_owned).collect())
        .unwrap_or_default()
}

async fn synced(url: &str) -> Client {
    let c = Client::connect(url).await.unwrap();
    c.wait_synced(WAIT).await.unwrap();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_two_nodes_converge_and_see_each_other() {
    let db = TestDb::new(Backend::Postgres).await;
    let mut redis = TestRedis::start().await;
    let (mut a_node, mut b_node) = (node(&db, &redis).await, node(&db, &redis).await);
    let a = synced(&a_node.ws_url("x")).await;
    let b = synced(&b_node.ws_url("x")).await;
    let (ma, mb) = (
        a.doc().get_or_insert_map("m"),
        b.doc().get_or_insert_map("m"),
    );
    for i in 0..30 {
        a.change(|t| ma.insert(t, format!("a{i}"), i));
        b.change(|t| mb.insert(t, format!("b{i}"), i));
    }
    for c in [&a, &b] {
        c.wait_until("all 60 keys", WAIT, |c| keys(c).len() == 60)
            .await
            .unwrap();
    }
    assert_eq!(
        a.doc().transact().state_vector(),
        b.doc().transact().state_vector()
    );
    // awareness crosses nodes, and so does its removal when a client goes away
    a.set_awareness(r#"{"user":{"name":"Anna (nodo A)"}}"#);
    let id = a.client_id();
    b.wait_until("a's presence", WAIT, |b| {
        b.awareness_states().contains_key(&id)
    })
    .await
    .unwrap();
    a.drop_connection();
    b.wait_until("a's departure", WAIT, |b| {
        !b.awareness_states().contains_key(&id)
    })
    .await
    .unwrap();
    // a late joiner on either node gets everything
    let late = synced(&a_node.ws_url("x")).await;
    assert_eq!(keys(&late).len(), 60);
    assert!(b_node.metric("tavolo_bus_received_total").await > 0.0);
    drop((b, late));
    a_node.kill().await;
    b_node.kill().await;
    redis.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_one_node_loses_nothing_broadcast() {
    let db = TestDb::new(Backend::Postgres).await;
    let mut redis = TestRedis::start().await;
    let (mut a_node, mut b_node) = (node(&db, &redis).await, node(&db, &redis).await);
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for i in 0..4 {
        let url = if i < 2 {
            a_node.ws_url("crash")
        } else {
            b_node.ws_url("crash")
        };
        let client = synced(&url).await;
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let m = client.doc().get_or_insert_map("m");
            let mut n = 0i64;
            while !stop.load(Ordering::SeqCst) && !client.is_ended() {
                client.change(|t| m.insert(t, format!("c{i}-{n}"), n));
                n += 1;
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
            client
        }));
    }
    tokio::time::sleep(Duration::from_millis(rand::random_range(400..1200))).await;
    a_node.kill().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    let mut clients = Vec::new();
    for w in writers {
        clients.push(w.await.unwrap());
    }
    // what any client saw from another client was broadcast, so it must survive
    let mut broadcast: BTreeSet<String> = BTreeSet::new();
    for (i, c) in clients.iter().enumerate() {
        broadcast.extend(
            keys(c)
                .into_iter()
                .filter(|k| !k.starts_with(&format!("c{i}-"))),
        );
    }
    assert!(!broadcast.is_empty());
    // the dead node's clients reconnect to the other node with what they hold, as the
    // y-websocket provider does, and everyone converges there
    let mut all: BTreeSet<String> = BTreeSet::new();
    let mut survivors = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        all.extend(keys(&c));
        if i < 2 {
            let doc = c.doc().clone();
            c.drop_connection();
            let again = Client::connect_with_doc(&b_node.ws_url("crash"), doc)
                .await
                .unwrap();
            again.wait_synced(WAIT).await.unwrap();
            survivors.push(again);
        } else {
            survivors.push(c);
        }
    }
    let check = synced(&b_node.ws_url("crash")).await;
    check
        .wait_until("every key", WAIT, |c| keys(c).len() == all.len())
        .await
        .unwrap();
    let present = keys(&check);
    let lost: Vec<_> = broadcast.difference(&present).collect();
    assert!(lost.is_empty(), "lost {} broadcast updates", lost.len());
    drop((check, survivors));
    b_node.kill().await;
    redis.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_is_caught_up_from_the_log() {
    let db = TestDb::new(Backend::Postgres).await;
    let mut redis = TestRedis::start().await;
    let (mut a_node, mut b_node) = (node(&db, &redis).await, node(&db, &redis).await);
    let a = synced(&a_node.ws_url("r")).await;
    let b = synced(&b_node.ws_url("r")).await;
    let (ma, mb) = (
        a.doc().get_or_insert_map("m"),
        b.doc().get_or_insert_map("m"),
    );
    let write = |round: &str, n: i32| {
        for i in 0..n {
            a.change(|t| ma.insert(t, format!("a-{round}-{i}"), i));
            b.change(|t| mb.insert(t, format!("b-{round}-{i}"), i));
        }
    };
    write("before", 10);
    redis.stop().await;
    write("during", 10);
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.restart().await;
    write("after", 10);
    for c in [&a, &b] {
        c.wait_until("all 60 keys", WAIT, |c| keys(c).len() == 60)
            .await
            .unwrap();
    }
    assert_eq!(
        a.doc().transact().state_vector(),
        b.doc().transact().state_vector()
    );
    let catchups = a_node.metric("tavolo_bus_catchups_total").await
        + b_node.metric("tavolo_bus_catchups_total").await;
    assert!(catchups > 0.0, "the nodes caught up from the log");
    let errors = a_node.metric("tavolo_bus_errors_total").await
        + b_node.metric("tavolo_bus_errors_total").await;
    assert!(errors > 0.0, "the outage was noticed");
    drop((a, b));
    a_node.kill().await;
    b_node.kill().await;
    redis.stop().await;
    db.cleanup().await;
}

/// A meeting's room state is read, changed and written back by whichever node gets the
/// request: two nodes changing it at once must not interleave (each change would start
/// from a state without the other's, and one would be lost). Many boards of one meeting
/// are put into private mode, and out of it, at once through both nodes; every change
/// must be in the stored state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_through_two_nodes_do_not_interleave() {
    let db = TestDb::new(Backend::Postgres).await;
    let mut redis = TestRedis::start().await;
    let (mut a_node, mut b_node) = (node(&db, &redis).await, node(&db, &redis).await);
    let store = tavolo_store::Store::open(&db.url).await.unwrap();
    tavolo_rooms::service::create_facilitator(
        &store,
        &tavolo_rooms::passwords::Passwords::new(tavolo_rooms::passwords::PasswordLimits::default()),
        "anna@comune.example",
        "Anna",
        "una password lunga",
    )
    .await
    .unwrap();
    let mut a = Http::new(a_node.addr.parse().unwrap());
    let r = a
        .post(
            "/api/login",
            serde_json::json!({ "email": "anna@comune.example", "password": "una password lunga" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    a.cookie = r.cookie();
    let mut b = Http::new(b_node.addr.parse().unwrap());
    b.cookie = a.cookie.clone();
    let ws = a
        .post("/api/workspaces", serde_json::json!({ "name": "Tavolo" }))
        .await;
    let ws = ws.json["id"].as_str().unwrap().to_owned();
    let session = a
        .post(
            &format!("/api/workspaces/{ws}/sessions"),
            serde_json::json!({ "title": "Incontro", "date": "2026-12-02" }),
        )
        .await;
    let session = session.json["id"].as_str().unwrap().to_owned();
    let mut boards = Vec::new();
    for i in 0..16 {
        let r = a
            .post(
                &format!("/api/sessions/{session}/boards"),
                serde_json::json!({ "kind": "free", "title": format!("Lavagna {i}") }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.json);
        boards.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let private_boards = || async {
        let row = store.get_session(&session).await.unwrap().unwrap();
        let state: serde_json::Value = serde_json::from_str(&row.state).unwrap();
        let mut on: Vec<String> = state["private"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        on.sort();
        on
    };
    let mut all = boards.clone();
    all.sort();
    for round in 0..4 {
        let on = round % 2 == 0;
        let calls = boards.iter().enumerate().map(|(i, board)| {
            let node = if i % 2 == 0 { &a } else { &b };
            async move {
                node.post(
                    &format!("/api/boards/{board}/private"),
                    serde_json::json!({ "on": on }),
                )
                .await
            }
        });
        for r in futures_util::future::join_all(calls).await {
            assert_eq!(r.status, 200, "{}", r.json);
        }
        let expected = if on { all.clone() } else { Vec::new() };
        assert_eq!(
            private_boards().await,
            expected,
            "round {round}: a change was lost"
        );
    }
    store.close().await;
    a_node.kill().await;
    b_node.kill().await;
    redis.stop().await;
    db.cleanup().await;
}
