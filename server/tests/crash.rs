//! The durability promise under kill -9: a `tavolo` child process takes updates from
//! several clients and is killed with SIGKILL at a random moment; after a restart on the
//! same database, every update that any client had received as a broadcast is there.

mod common;

use common::{Backend, TavoloProcess, TestDb, WAIT};
use rand::Rng;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tavolo_client::Client;
use yrs::{Map, ReadTxn, Transact};

const CLIENTS: usize = 4;
const ROUNDS: usize = 3;

async fn spawn_server(db: &TestDb) -> TavoloProcess {
    TavoloProcess::spawn(&db.url, &["--compact-after", "40"]).await
}

/// Keys in `doc`'s map "m" written by clients other than `me`: they can only have come
/// from the server's broadcasts.
fn received_from_others(doc: &yrs::Doc, me: usize) -> BTreeSet<String> {
    let txn = doc.transact();
    let Some(m) = txn.get_map("m") else {
        return BTreeSet::new();
    };
    let own = format!("c{me}-");
    m.keys(&txn)
        .filter(|k| !k.starts_with(&own))
        .map(str::to_owned)
        .collect()
}

fn all_keys(doc: &yrs::Doc) -> BTreeSet<String> {
    let txn = doc.transact();
    txn.get_map("m")
        .map(|m| m.keys(&txn).map(str::to_owned).collect())
        .unwrap_or_default()
}

async fn kill_nine_loses_nothing_broadcast(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut must_survive: BTreeSet<String> = BTreeSet::new();
    for round in 0..ROUNDS {
        let mut server = spawn_server(&db).await;
        let url = format!("ws://{}/sync/crash", server.addr);
        // what earlier rounds promised is there after a restart
        let check = Client::connect(&url).await.unwrap();
        check.wait_synced(WAIT).await.unwrap();
        let present = all_keys(check.doc());
        let missing: Vec<_> = must_survive.difference(&present).collect();
        assert!(
            missing.is_empty(),
            "round {round}: lost {} broadcast updates: {missing:?}",
            missing.len()
        );
        drop(check);

        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for i in 0..CLIENTS {
            let client = Client::connect(&url).await.unwrap();
            client.wait_synced(WAIT).await.unwrap();
            let stop = stop.clone();
            writers.push(tokio::spawn(async move {
                let m = client.doc().get_or_insert_map("m");
                let mut n = 0i64;
                while !stop.load(Ordering::SeqCst) && !client.is_ended() {
                    client.change(|t| m.insert(t, format!("c{i}-r{round}-{n}"), n));
                    n += 1;
                    let pause = rand::rng().random_range(1..6);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                client
            }));
        }
        let when = rand::rng().random_range(300..1500);
        tokio::time::sleep(Duration::from_millis(when)).await;
        server.child.start_kill().expect("SIGKILL");
        let status = server.child.wait().await.unwrap();
        assert!(!status.success(), "killed, not exited");
        stop.store(true, Ordering::SeqCst);
        let mut received_this_round = 0;
        for (i, w) in writers.into_iter().enumerate() {
            let client = w.await.unwrap();
            let got = received_from_others(client.doc(), i);
            received_this_round += got.len();
            must_survive.extend(got);
        }
        assert!(
            received_this_round > 0,
            "round {round}: clients saw broadcasts before the kill"
        );
    }
    // a last restart checks the last round
    let mut server = spawn_server(&db).await;
    let check = Client::connect(&format!("ws://{}/sync/crash", server.addr))
        .await
        .unwrap();
    check.wait_synced(WAIT).await.unwrap();
    let present = all_keys(check.doc());
    let missing: Vec<_> = must_survive.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "lost {} broadcast updates: {missing:?}",
        missing.len()
    );
    drop(check);
    server.child.start_kill().ok();
    server.child.wait().await.ok();
    db.cleanup().await;
}

on_both_backends!(kill_nine_loses_nothing_broadcast);
