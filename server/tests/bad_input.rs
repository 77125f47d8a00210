//! Hostile input: each bad frame closes only the connection that sent it, with a close
//! code and a reason, is counted in /metrics, and the board's other clients carry on with
//! nothing lost.

mod common;

use common::{Backend, TestDb, TestServer, WAIT};
use tavolo_sync::wire;
use yrs::{GetString, Text, Transact};

enum Bad {
    Binary(Vec<u8>),
    Text(&'static str),
}

async fn check(backend: Backend, bad: Bad, code: u16, reason_has: &str, metric: &str) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let board = "hostile";
    let good = server.client(board).await;
    let text = good.doc().get_or_insert_text("t");
    good.change(|t| text.push(t, "prima "));
    good.wait_until("echo", WAIT, |c| c.updates_received() >= 2)
        .await
        .unwrap();

    let attacker = server.client(board).await;
    match bad {
        Bad::Binary(b) => attacker.send_raw(b),
        Bad::Text(t) => attacker.send_text(t),
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

    // the other client carries on, and a newcomer gets everything
    assert!(!good.is_ended(), "the good client is still connected");
    good.change(|t| text.push(t, "dopo"));
    good.wait_until("echo", WAIT, |c| c.updates_received() >= 3)
        .await
        .unwrap();
    let newcomer = server.client(board).await;
    let t = newcomer.doc().get_or_insert_text("t");
    assert_eq!(t.get_string(&newcomer.doc().transact()), "prima dopo");
    let (status, body) = common::http_get(server.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!(
        "tavolo_rejected_messages_total{{reason=\"{metric}\"}}"
    )));

    good.close().await;
    newcomer.close().await;
    server.stop().await;
    db.cleanup().await;
}

async fn oversized_frame(backend: Backend) {
    // the test server allows 256 KiB
    let mut frame = wire::encode_update(&vec![0u8; 300 * 1024]);
    frame.truncate(300 * 1024);
    check(backend, Bad::Binary(frame), 1009, "larger than", "too_big").await;
}

async fn garbage_bytes(backend: Backend) {
    check(
        backend,
        Bad::Binary(vec![0xde, 0xad, 0xbe, 0xef]),
        1002,
        "malformed",
        "malformed",
    )
    .await;
}

async fn empty_frame(backend: Backend) {
    check(backend, Bad::Binary(vec![]), 1002, "empty", "empty_frame").await;
}

async fn unknown_message_type(backend: Backend) {
    check(
        backend,
        Bad::Binary(vec![9, 1, 2]),
        1002,
        "unknown message type 9",
        "unknown_type",
    )
    .await;
}

async fn unknown_sync_type(backend: Backend) {
    check(
        backend,
        Bad::Binary(vec![0, 7, 0]),
        1002,
        "unknown sync message type 7",
        "unknown_sync_type",
    )
    .await;
}

async fn truncated_varint(backend: Backend) {
    check(
        backend,
        Bad::Binary(vec![0, 2, 0x80]),
        1002,
        "malformed",
        "malformed",
    )
    .await;
}

async fn length_past_end(backend: Backend) {
    check(
        backend,
        Bad::Binary(vec![0, 2, 100, 1, 2, 3]),
        1002,
        "past the end",
        "malformed",
    )
    .await;
}

async fn update_yrs_rejects(backend: Backend) {
    // well framed, but the payload is not a Yjs update: it declares 2^32 - 1 clients
    let frame = wire::encode_update(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    check(
        backend,
        Bad::Binary(frame),
        1007,
        "exceeds the bytes left",
        "malformed_update",
    )
    .await;
}

async fn bad_state_vector(backend: Backend) {
    let frame = wire::encode_sync_step1(&[5, 1]);
    check(
        backend,
        Bad::Binary(frame),
        1007,
        "exceeds the bytes left",
        "bad_state_vector",
    )
    .await;
}

async fn awareness_not_json(backend: Backend) {
    // one entry: client 1, clock 1, state "{oops"
    let frame = wire::encode_awareness(&[1, 1, 1, 5, b'{', b'o', b'o', b'p', b's']);
    check(
        backend,
        Bad::Binary(frame),
        1007,
        "not valid JSON",
        "bad_awareness",
    )
    .await;
}

async fn auth_message_from_client(backend: Backend) {
    check(
        backend,
        Bad::Binary(wire::encode_auth_denied("x")),
        1002,
        "server only",
        "unexpected_auth",
    )
    .await;
}

async fn text_frame(backend: Backend) {
    check(
        backend,
        Bad::Text("hello"),
        1003,
        "text frames",
        "text_frame",
    )
    .await;
}

on_both_backends!(
    oversized_frame,
    garbage_bytes,
    empty_frame,
    unknown_message_type,
    unknown_sync_type,
    truncated_varint,
    length_past_end,
    update_yrs_rejects,
    bad_state_vector,
    awareness_not_json,
    auth_message_from_client,
    text_frame,
);
