//! Connection limits and lifecycle: slow consumers, silent peers, graceful shutdown.

mod common;

use common::{test_config, Backend, TestDb, TestServer, WAIT};
use std::time::Duration;
use tavolo_hub::HubConfig;
use yrs::{GetString, Text, Transact};

async fn wait_for(what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !pred() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Writes 60 KiB chunks (reading each echo, so the writer keeps up) until the board has
/// closed a slow consumer, at most 400 of them.
async fn write_until_a_slow_consumer_is_closed(
    server: &TestServer,
    writer: &tavolo_client::Client,
) {
    let t = writer.doc().get_or_insert_text("t");
    let chunk = "x".repeat(60 * 1024);
    let metrics = server.hub.metrics();
    for i in 0..400u64 {
        writer.change(|txn| t.push(txn, &chunk));
        writer
            .wait_until("echo", WAIT, |c| c.updates_received() >= i + 2)
            .await
            .unwrap();
        if metrics.rejected("slow_consumer") > 0 {
            break;
        }
    }
}

/// A client that reads slowly, once it reads again, finds the 1013 close frame after the
/// frames already on its socket, not a dropped connection after the whole queue.
async fn slow_reader_gets_the_close_frame(backend: Backend) {
    use futures_util::StreamExt;
    let db = TestDb::new(backend).await;
    let config = HubConfig {
        outgoing_queue: 16,
        pong_timeout: Duration::from_secs(30),
        ..test_config()
    };
    let server = TestServer::start_with(&db, config).await;
    let (mut slow, _) = tokio_tungstenite::connect_async(server.ws_url("slow-reader"))
        .await
        .unwrap();
    let writer = server.client("slow-reader").await;
    let metrics = server.hub.metrics().clone();
    write_until_a_slow_consumer_is_closed(&server, &writer).await;
    assert!(
        metrics.rejected("slow_consumer") >= 1,
        "the reader was too slow"
    );
    // now it reads: within a few seconds it gets the reason, far before the 30 s deadline
    let started = std::time::Instant::now();
    let close = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(msg) = slow.next().await {
            if let Ok(tokio_tungstenite::tungstenite::Message::Close(c)) = msg {
                return c.map(|c| u16::from(c.code));
            }
        }
        None
    })
    .await
    .expect("the connection ends within 10 s");
    assert_eq!(
        close,
        Some(1013),
        "closed with 1013 after {:?}",
        started.elapsed()
    );
    writer.close().await;
    server.stop().await;
    db.cleanup().await;
}

/// A client that stops reading is closed (1013) rather than silently skipped, and the
/// others are not held back by it.
async fn slow_consumer_is_closed(backend: Backend) {
    let db = TestDb::new(backend).await;
    let config = HubConfig {
        outgoing_queue: 16,
        pong_timeout: Duration::from_secs(2),
        ..test_config()
    };
    let server = TestServer::start_with(&db, config).await;
    // connects, then never reads again
    let (slow, _) = tokio_tungstenite::connect_async(server.ws_url("slow"))
        .await
        .unwrap();
    let writer = server.client("slow").await;
    let t = writer.doc().get_or_insert_text("t");
    let metrics = server.hub.metrics().clone();
    write_until_a_slow_consumer_is_closed(&server, &writer).await;
    wait_for("the slow consumer to be closed", || {
        metrics.rejected("slow_consumer") >= 1
    })
    .await;
    // the writer carries on and a newcomer gets everything it wrote
    writer.change(|txn| t.push(txn, "fine"));
    let len = t.get_string(&writer.doc().transact()).len();
    let newcomer = server.client("slow").await;
    let nt = newcomer.doc().get_or_insert_text("t");
    newcomer
        .wait_until("everything", WAIT, |c| {
            nt.get_string(&c.doc().transact()).len() == len
        })
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e}: newcomer closed with {:?}, writer with {:?}",
                newcomer.closed(),
                writer.closed()
            )
        });
    // the stuck connection is let go of within the write deadline
    wait_for("the stuck connection to end", || {
        metrics
            .connections_open
            .load(std::sync::atomic::Ordering::Relaxed)
            == 2
    })
    .await;
    drop(slow);
    writer.close().await;
    newcomer.close().await;
    server.stop().await;
    db.cleanup().await;
}

/// A peer from which nothing arrives (not even pongs) is closed after the deadline.
async fn silent_peer_times_out(backend: Backend) {
    let db = TestDb::new(backend).await;
    let config = HubConfig {
        ping_interval: Duration::from_millis(200),
        pong_timeout: Duration::from_millis(800),
        keepalive: Duration::from_millis(200),
        ..test_config()
    };
    let server = TestServer::start_with(&db, config).await;
    let (silent, _) = tokio_tungstenite::connect_async(server.ws_url("quiet"))
        .await
        .unwrap();
    let metrics = server.hub.metrics().clone();
    wait_for("the ping deadline", || {
        metrics.rejected("ping_timeout") >= 1
    })
    .await;
    wait_for("the connection to end", || {
        metrics
            .connections_open
            .load(std::sync::atomic::Ordering::Relaxed)
            == 0
    })
    .await;
    drop(silent);
    // a live client is kept alive by pings and keep-alive messages well past the deadline
    let live = server.client("quiet").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!live.is_ended(), "a responsive client stays connected");
    live.close().await;
    server.stop().await;
    db.cleanup().await;
}

/// Shutdown closes clients with 1001 and keeps everything they wrote.
async fn graceful_shutdown_flushes(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let a = server.client("bye").await;
    let t = a.doc().get_or_insert_text("t");
    for i in 0..30 {
        a.change(|txn| t.push(txn, &format!("{i} ")));
    }
    common::committed(&server.ws_url("bye"), &a).await;
    let expected = t.get_string(&a.doc().transact());
    server.stop().await;
    let closed = a.wait_closed(WAIT).await.unwrap().expect("a close frame");
    assert_eq!(closed.code, 1001);
    assert!(closed.reason.contains("shutting down"));

    let server = TestServer::start(&db).await;
    let b = server.client("bye").await;
    assert_eq!(
        b.doc()
            .get_or_insert_text("t")
            .get_string(&b.doc().transact()),
        expected
    );
    // shutdown compacted the log into a snapshot
    assert_eq!(server.store.log_len("bye").await.unwrap(), 0);
    b.close().await;
    server.stop().await;
    db.cleanup().await;
}

on_both_backends!(
    slow_consumer_is_closed,
    slow_reader_gets_the_close_frame,
    silent_peer_times_out,
    graceful_shutdown_flushes
);
