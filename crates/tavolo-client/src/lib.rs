//! A y-websocket client in Rust, for tests and the load generator.
//!
//! It speaks the same protocol as the official `y-websocket` provider: sends sync step 1
//! on connect, answers the server's step 1 with a step 2, applies incoming updates to its
//! own yrs document, sends local changes as updates and keeps a view of the board's
//! awareness states. Raw frames can be sent too, to test how the server treats bad input.

use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tavolo_sync::awareness::{self, AwarenessTable, Entry};
use tavolo_sync::wire::{self, Message};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, TransactionMut, Update};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    #[error("the connection is closed")]
    Closed,
}

/// How the server closed the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

#[derive(Default)]
struct State {
    synced: AtomicBool,
    awareness: Mutex<AwarenessTable>,
    closed: Mutex<Option<Closed>>,
    /// Set when the socket ended, with or without a close frame.
    ended: AtomicBool,
    auth_denied: Mutex<Vec<String>>,
    /// Update messages received (sync step 2 and updates).
    updates_received: AtomicU64,
}

pub struct Client {
    doc: Doc,
    out: mpsc::UnboundedSender<WsMessage>,
    state: Arc<State>,
    changed: watch::Receiver<u64>,
    awareness_clock: AtomicU64,
    task: JoinHandle<()>,
}

impl Client {
    /// Connects to `url` (e.g. `ws://127.0.0.1:8080/sync/board-1`) with a fresh document.
    pub async fn connect(url: &str) -> Result<Client, ClientError> {
        Self::connect_with_doc(url, Doc::new()).await
    }

    /// Connects with an existing document (to reconnect with local state, as a browser does).
    pub async fn connect_with_doc(url: &str, doc: Doc) -> Result<Client, ClientError> {
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<WsMessage>();
        let (notify, changed) = watch::channel(0u64);
        let state = Arc::new(State::default());

        let sv = doc.transact().state_vector().encode_v1();
        out.send(WsMessage::binary(wire::encode_sync_step1(&sv)))
            .ok();

        let task_doc = doc.clone();
        let task_state = state.clone();
        let task_out = out.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    msg = stream.next() => {
                        match msg {
                            Some(Ok(WsMessage::Binary(b))) => {
                                handle(&task_doc, &task_state, &task_out, &b);
                            }
                            Some(Ok(WsMessage::Close(frame))) => {
                                if let Some(f) = frame {
                                    *task_state.closed.lock().unwrap() = Some(Closed { code: f.code.into(), reason: f.reason.to_string() });
                                }
                                break;
                            }
                            // Answer pings at once, as browsers do (tungstenite would
                            // otherwise hold its pong until our next write).
                            Some(Ok(WsMessage::Ping(p))) => {
                                let _ = task_out.send(WsMessage::Pong(p));
                            }
                            Some(Ok(_)) => {}
                            Some(Err(_)) | None => break,
                        }
                        notify.send_modify(|n| *n += 1);
                    }
                    m = out_rx.recv() => match m {
                        Some(m) => {
                            let is_close = matches!(m, WsMessage::Close(_));
                            if sink.send(m).await.is_err() { break; }
                            if is_close { /* keep reading until the server answers */ }
                        }
                        None => break,
                    }
                }
            }
            task_state.ended.store(true, Ordering::SeqCst);
            notify.send_modify(|n| *n += 1);
        });
        Ok(Client {
            doc,
            out,
            state,
            changed,
            awareness_clock: AtomicU64::new(0),
            task,
        })
    }

    /// This client's Yjs client id (as in awareness states).
    pub fn client_id(&self) -> u64 {
        self.doc.client_id().get()
    }

    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// Makes a local change and sends it as an update.
    pub fn change<R>(&self, f: impl FnOnce(&mut TransactionMut) -> R) -> R {
        let (r, update) = {
            let mut txn = self.doc.transact_mut();
            let r = f(&mut txn);
            (r, txn.encode_update_v1())
        };
        if !tavolo_sync::update::is_empty_update(&update) {
            let _ = self
                .out
                .send(WsMessage::binary(wire::encode_update(&update)));
        }
        r
    }

    /// Publishes this client's awareness state (a JSON text).
    pub fn set_awareness(&self, json: &str) {
        let clock = self.awareness_clock.fetch_add(1, Ordering::SeqCst) + 1;
        let entry = Entry {
            client_id: self.doc.client_id().get(),
            clock,
            state: Some(json.to_owned()),
        };
        let _ = self.out.send(WsMessage::binary(wire::encode_awareness(
            &awareness::encode_update([&entry]),
        )));
    }

    /// The awareness states this client knows of, by client id (JSON text).
    pub fn awareness_states(&self) -> HashMap<u64, String> {
        let table = self.state.awareness.lock().unwrap();
        match table.encode_all() {
            None => HashMap::new(),
            Some(bytes) => awareness::decode_update(&bytes)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| e.state.map(|s| (e.client_id, s)))
                .collect(),
        }
    }

    pub fn is_synced(&self) -> bool {
        self.state.synced.load(Ordering::SeqCst)
    }

    pub fn updates_received(&self) -> u64 {
        self.state.updates_received.load(Ordering::SeqCst)
    }

    /// Auth messages (permission denied) the server sent.
    pub fn auth_denied(&self) -> Vec<String> {
        self.state.auth_denied.lock().unwrap().clone()
    }

    /// The close frame the server sent, if it has closed.
    pub fn closed(&self) -> Option<Closed> {
        self.state.closed.lock().unwrap().clone()
    }

    pub fn is_ended(&self) -> bool {
        self.state.ended.load(Ordering::SeqCst)
    }

    /// Sends a raw binary frame.
    pub fn send_raw(&self, bytes: Vec<u8>) {
        let _ = self.out.send(WsMessage::binary(bytes));
    }

    /// Sends a text frame (not part of the protocol).
    pub fn send_text(&self, text: &str) {
        let _ = self.out.send(WsMessage::text(text));
    }

    /// Waits until `pred` holds, re-checking whenever something arrives.
    pub async fn wait_until(
        &self,
        what: &'static str,
        timeout: Duration,
        mut pred: impl FnMut(&Client) -> bool,
    ) -> Result<(), ClientError> {
        let mut changed = self.changed.clone();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if pred(self) {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Err(_) => return Err(ClientError::Timeout(what)),
                Ok(Err(_)) => {
                    // the task ended; one last look
                    return if pred(self) {
                        Ok(())
                    } else {
                        Err(ClientError::Closed)
                    };
                }
                Ok(Ok(())) => {}
            }
        }
    }

    pub async fn wait_synced(&self, timeout: Duration) -> Result<(), ClientError> {
        self.wait_until("sync", timeout, |c| c.is_synced()).await
    }

    /// Waits for the socket to end and returns the close frame, if any.
    pub async fn wait_closed(&self, timeout: Duration) -> Result<Option<Closed>, ClientError> {
        self.wait_until("close", timeout, |c| c.is_ended()).await?;
        Ok(self.closed())
    }

    /// Closes politely (close frame 1000) and waits for the socket to end.
    pub async fn close(self) {
        let _ = self.out.send(WsMessage::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        })));
        let _ = self.wait_closed(Duration::from_secs(5)).await;
        self.task.abort();
    }

    /// Drops the TCP connection without a close frame, as a crashed browser would.
    pub fn drop_connection(self) {
        self.task.abort();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn handle(doc: &Doc, state: &State, out: &mpsc::UnboundedSender<WsMessage>, frame: &[u8]) {
    let Ok(msgs) = wire::decode_frame(frame) else {
        return;
    };
    for msg in msgs {
        match msg {
            Message::SyncStep1(sv) => {
                if let Ok(sv) = StateVector::decode_v1(sv) {
                    let diff = doc.transact().encode_state_as_update_v1(&sv);
                    let _ = out.send(WsMessage::binary(wire::encode_sync_step2(&diff)));
                }
            }
            Message::SyncStep2(u) | Message::Update(u) => {
                state.updates_received.fetch_add(1, Ordering::SeqCst);
                if let Ok(u) = Update::decode_v1(u) {
                    let _ = doc.transact_mut().apply_update(u);
                }
                if matches!(msg, Message::SyncStep2(_)) {
                    state.synced.store(true, Ordering::SeqCst);
                }
            }
            Message::Awareness(a) => {
                if let Ok(entries) = awareness::decode_update(a) {
                    state.awareness.lock().unwrap().apply(entries);
                }
            }
            Message::AuthDenied(reason) => {
                state.auth_denied.lock().unwrap().push(reason.to_owned())
            }
            Message::QueryAwareness => {}
        }
    }
}
