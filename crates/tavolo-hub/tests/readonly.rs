//! The hub driven without a socket: connections are in-memory pipes of frames.
//! Read-only access: a read-only peer's updates are dropped (it is told once, and stays
//! connected), nothing of them reaches the log or the other peers, and it still receives
//! everything the others write.

use bytes::Bytes;
use futures_util::{Sink, Stream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tavolo_hub::metrics::Metrics;
use tavolo_hub::{conn, Frame, Hub, HubConfig, Permit, ReadError};
use tavolo_store::Store;
use tavolo_sync::wire::{self, Message};
use tavolo_sync::{Access, BoardId};
use tokio::sync::mpsc;
use yrs::{Doc, Text, Transact};

struct Pipe {
    rx: mpsc::UnboundedReceiver<Result<Frame, ReadError>>,
    tx: mpsc::UnboundedSender<Frame>,
}

impl Stream for Pipe {
    type Item = Result<Frame, ReadError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Sink<Frame> for Pipe {
    type Error = String;
    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), String>> {
        Poll::Ready(Ok(()))
    }
    fn start_send(self: Pin<&mut Self>, f: Frame) -> Result<(), String> {
        self.tx.send(f).map_err(|e| e.to_string())
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), String>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), String>> {
        Poll::Ready(Ok(()))
    }
}

/// The test's end of a connection.
struct Peer {
    to_server: mpsc::UnboundedSender<Result<Frame, ReadError>>,
    from_server: mpsc::UnboundedReceiver<Frame>,
}

impl Peer {
    fn open(hub: &Hub, board: &str, access: Access) -> Peer {
        let permit = Permit {
            principal: format!("{access:?}"),
            access,
            lockable: false,
            locked: false,
            ends: None,
            max_board_bytes: None,
        };
        let (to_server, rx) = mpsc::unbounded_channel();
        let (tx, from_server) = mpsc::unbounded_channel();
        let board = BoardId::parse(board).unwrap();
        tokio::spawn(conn::serve(hub.clone(), board, permit, Pipe { rx, tx }));
        Peer {
            to_server,
            from_server,
        }
    }

    fn send(&self, bytes: Vec<u8>) {
        self.to_server
            .send(Ok(Frame::Binary(Bytes::from(bytes))))
            .unwrap();
    }

    /// Frames received until `timeout` passes with nothing new.
    async fn drain(&mut self, timeout: Duration) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Ok(Some(f)) = tokio::time::timeout(timeout, self.from_server.recv()).await {
            out.push(f);
        }
        out
    }
}

fn messages(frames: &[Frame]) -> Vec<Vec<u8>> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Binary(b) => Some(b.to_vec()),
            _ => None,
        })
        .collect()
}

fn an_update(text: &str) -> Vec<u8> {
    let doc = Doc::new();
    let t = doc.get_or_insert_text("t");
    let mut txn = doc.transact_mut();
    t.push(&mut txn, text);
    txn.encode_update_v1()
}

#[tokio::test]
async fn read_only_updates_are_dropped_and_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let hub = Hub::new(
        store.clone(),
        HubConfig::default(),
        Arc::new(Metrics::default()),
    );
    let short = Duration::from_millis(300);

    let mut writer = Peer::open(&hub, "b", Access::ReadWrite);
    let mut observer = Peer::open(&hub, "b", Access::ReadOnly);
    // both get the handshake (sync step 1)
    for p in [&mut writer, &mut observer] {
        let frames = messages(&p.drain(short).await);
        assert!(matches!(
            wire::decode_frame(&frames[0]).unwrap()[0],
            Message::SyncStep1(_)
        ));
    }

    // the observer's updates: dropped, told once, still connected
    observer.send(wire::encode_update(&an_update("intruso")));
    observer.send(wire::encode_sync_step2(&an_update("ancora")));
    let got = observer.drain(short).await;
    assert!(
        !got.iter().any(|f| matches!(f, Frame::Close(_))),
        "observer stays connected"
    );
    let denials: Vec<_> = messages(&got)
        .into_iter()
        .filter(|m| matches!(wire::decode_frame(m).unwrap()[0], Message::AuthDenied(_)))
        .collect();
    assert_eq!(denials.len(), 1, "told exactly once");
    assert!(
        messages(&writer.drain(short).await).is_empty(),
        "nothing reached the writer"
    );
    assert_eq!(
        store.log_len("b").await.unwrap(),
        0,
        "nothing reached the log"
    );
    assert_eq!(hub.metrics().rejected("read_only"), 2);

    // the writer's update reaches the observer, and the log
    writer.send(wire::encode_update(&an_update("ciao")));
    let seen = messages(&observer.drain(short).await);
    assert!(seen
        .iter()
        .any(|m| matches!(wire::decode_frame(m).unwrap()[0], Message::Update(_))));
    assert_eq!(store.log_len("b").await.unwrap(), 1);

    // presence from an observer is fine: cursors of watchers are shown
    let entry = tavolo_sync::awareness::Entry {
        client_id: 7,
        clock: 1,
        state: Some(r#"{"user":{"name":"Oss"}}"#.into()),
    };
    observer.send(wire::encode_awareness(
        &tavolo_sync::awareness::encode_update([&entry]),
    ));
    let seen = messages(&writer.drain(short).await);
    assert!(seen
        .iter()
        .any(|m| matches!(wire::decode_frame(m).unwrap()[0], Message::Awareness(_))));

    hub.shutdown(Duration::from_secs(5)).await;
}
