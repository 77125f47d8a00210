//! One client connection, over any `Stream + Sink` of [`Frame`]s.
//!
//! The connection task decodes and validates everything the client sends before the
//! board sees it (frame size, framing, update and state-vector decoding, awareness
//! JSON), so a hostile frame costs only this connection: it is closed with a close code
//! and a reason, counted in the metrics, and the board's other peers carry on.
//!
//! It reads and writes in one `select!` loop: frames queued by the board are written as
//! they come; a client that stops reading stalls only this loop, its bounded queue fills
//! and the board closes it (1013).

use crate::close;
use crate::hub::Hub;
use crate::shared::HubConfig;
use crate::vocab::{CloseReason, Cmd, Frame, Inbound, KickSlot, Permit, ReadError};
use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Instant;
use tavolo_sync::awareness;
use tavolo_sync::update;
use tavolo_sync::validate::Budget;
use tavolo_sync::wire::{self, Message};
use tavolo_sync::BoardId;
use tokio::sync::mpsc;

/// Serves one connection to `board` until it closes.
pub async fn serve<S, E>(hub: Hub, board: BoardId, permit: Permit, mut socket: S)
where
    S: Stream<Item = Result<Frame, ReadError>> + Sink<Frame, Error = E> + Unpin,
    E: std::fmt::Display,
{
    let shared = hub.shared.clone();
    let metrics = shared.metrics.clone();
    metrics.connections_open.fetch_add(1, Relaxed);
    metrics.connections_total.fetch_add(1, Relaxed);
    let conn = shared.next_conn.fetch_add(1, Relaxed);
    let cfg = shared.config.clone();

    let handle = match hub.attach(&board) {
        Ok(h) => h,
        Err(_) => {
            let _ = close_with(
                &mut socket,
                CloseReason::new(close::GOING_AWAY, "server shutting down"),
            )
            .await;
            metrics.connections_open.fetch_sub(1, Relaxed);
            return;
        }
    };
    // the credential's end: one timer per connection, no lookup per message
    let ends = permit.ends.clone();
    let mut expired = std::pin::pin!(crate::vocab::Deadline::wait(ends.as_ref()));
    let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(cfg.outgoing_queue.max(1));
    let kick: KickSlot = Arc::new(std::sync::OnceLock::new());
    let joined = handle
        .tx
        .send(Cmd::Join {
            conn,
            out: out_tx,
            kick: kick.clone(),
            permit,
        })
        .await
        .is_ok();

    let mut messages = Bucket::new(
        f64::from(cfg.max_messages_per_sec.max(1)),
        2.0 * f64::from(cfg.max_messages_per_sec.max(1)),
    );
    let mut bytes = Bucket::new(
        cfg.max_bytes_per_sec.max(1) as f64,
        (2 * cfg.max_bytes_per_sec).max(cfg.max_message_bytes) as f64,
    );
    let mut last_rx = Instant::now();
    let mut last_tx = Instant::now();
    let mut last_ping = Instant::now();
    // Ping often enough that a live client answers well within the deadline.
    let ping_every = cfg.ping_interval.min(cfg.pong_timeout / 3);
    let tick_every = ping_every
        .min(cfg.keepalive)
        .max(std::time::Duration::from_millis(10))
        / 2;
    let mut tick = tokio::time::interval(tick_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    let ending: Option<CloseReason> = if !joined {
        Some(unavailable(&hub))
    } else {
        loop {
            tokio::select! {
                frame = socket.next() => {
                    let frame = match frame {
                        None | Some(Ok(Frame::Close(_))) => break None,
                        Some(Ok(f)) => f,
                        Some(Err(ReadError::TooBig)) => {
                            metrics.reject("too_big");
                            break Some(CloseReason::new(close::MESSAGE_TOO_BIG, &format!("message larger than {} bytes", cfg.max_message_bytes)));
                        }
                        Some(Err(ReadError::Protocol(e))) => {
                            metrics.reject("websocket_protocol");
                            break Some(CloseReason::new(close::PROTOCOL_ERROR, &e));
                        }
                    };
                    last_rx = Instant::now();
                    match frame {
                        Frame::Binary(data) => {
                            if data.len() > cfg.max_message_bytes {
                                metrics.reject("too_big");
                                break Some(CloseReason::new(close::MESSAGE_TOO_BIG, &format!("message larger than {} bytes", cfg.max_message_bytes)));
                            }
                            if !messages.take(1.0, last_rx) || !bytes.take(data.len() as f64, last_rx) {
                                metrics.reject("rate_limited");
                                tracing::info!(board = %board, conn, "closing connection: over its message rate");
                                break Some(CloseReason::new(close::POLICY_VIOLATION, &format!(
                                    "more than {} messages or {} bytes per second",
                                    cfg.max_messages_per_sec, cfg.max_bytes_per_sec
                                )));
                            }
                            let msgs = match parse(&data) {
                                Ok(m) => m,
                                Err((label, reason)) => {
                                    metrics.reject(label);
                                    tracing::info!(board = %board, conn, reason = %reason.reason, "closing connection: bad input");
                                    break Some(reason);
                                }
                            };
                            if msgs.is_empty() {
                                continue;
                            }
                            let cmd = Cmd::Messages { conn, msgs, received: last_rx };
                            if handle.tx.send(cmd).await.is_err() {
                                break Some(kick.get().cloned().unwrap_or_else(|| unavailable(&hub)));
                            }
                        }
                        Frame::Text(_) => {
                            metrics.reject("text_frame");
                            break Some(CloseReason::new(close::UNSUPPORTED_DATA, "text frames are not part of the y-websocket protocol"));
                        }
                        Frame::Ping(_) | Frame::Pong(_) | Frame::Close(_) => {}
                    }
                }
                frame = out_rx.recv() => match frame {
                    // Closed by the board (too slow, kicked): what is still queued is
                    // dropped, so the close frame goes out next, not after all of it.
                    Some(_) if kick.get().is_some() => {
                        break kick.get().cloned();
                    }
                    Some(bytes) => {
                        // Whatever else is queued goes out in the same write: one
                        // syscall for several frames when the board is busy.
                        let mut frames = vec![Frame::Binary(bytes)];
                        while frames.len() < WRITE_BATCH {
                            match out_rx.try_recv() {
                                Ok(more) => frames.push(Frame::Binary(more)),
                                Err(_) => break,
                            }
                        }
                        if !send_bounded(&mut socket, frames, &cfg, &board, conn).await {
                            break None;
                        }
                        last_tx = Instant::now();
                    }
                    // The board let go of us: it says why in the kick slot.
                    None => break Some(kick.get().cloned().unwrap_or_else(|| unavailable(&hub))),
                },
                () = &mut expired => {
                    let reason = ends.as_ref().map(|d| d.reason.clone());
                    tracing::info!(board = %board, conn, "closing connection: its credential ended");
                    break reason;
                }
                _ = tick.tick() => {
                    let now = Instant::now();
                    if now - last_rx > cfg.pong_timeout {
                        metrics.reject("ping_timeout");
                        break Some(CloseReason::new(close::GOING_AWAY, "no answer to ping"));
                    }
                    if now - last_ping >= ping_every {
                        last_ping = now;
                        if !send_bounded(&mut socket, vec![Frame::Ping(Bytes::new())], &cfg, &board, conn).await {
                            break None;
                        }
                    }
                    if now - last_tx >= cfg.keepalive {
                        last_tx = now;
                        let keepalive = Frame::Binary(Bytes::from(wire::encode_keepalive()));
                        if !send_bounded(&mut socket, vec![keepalive], &cfg, &board, conn).await {
                            break None;
                        }
                    }
                }
            }
        }
    };

    if let Some(reason) = ending {
        tracing::debug!(board = %board, conn, code = reason.code, reason = %reason.reason, "closing connection");
        // A client that does not read gets a few seconds for the close frame, not the
        // whole pong deadline: then the socket is dropped.
        let _ = tokio::time::timeout(
            cfg.pong_timeout.min(CLOSE_TIMEOUT),
            close_with(&mut socket, reason),
        )
        .await;
    }
    // Tell the board (it drops our awareness states). If it is gone, so are they.
    let _ = handle.tx.send(Cmd::Leave { conn }).await;
    drop(handle);
    metrics.connections_open.fetch_sub(1, Relaxed);
}

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: f64, burst: f64) -> Bucket {
        Bucket {
            rate,
            burst,
            tokens: burst,
            at: Instant::now(),
        }
    }

    /// Takes `n` tokens if there are that many.
    fn take(&mut self, n: f64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens < n {
            return false;
        }
        self.tokens -= n;
        true
    }
}

/// How long the close frame may take to go out.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Frames written with one flush at most.
const WRITE_BATCH: usize = 64;

/// Writes frames, then flushes once. A client that stops reading blocks the write; it is given up on
/// after the pong deadline rather than holding this task forever. False: drop the socket.
async fn send_bounded<S, E>(
    socket: &mut S,
    frames: Vec<Frame>,
    cfg: &HubConfig,
    board: &BoardId,
    conn: u64,
) -> bool
where
    S: Sink<Frame, Error = E> + Unpin,
    E: std::fmt::Display,
{
    let write = async {
        for frame in frames {
            socket.feed(frame).await?;
        }
        socket.flush().await
    };
    match tokio::time::timeout(cfg.pong_timeout, write).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::debug!(board = %board, conn, error = %e, "write failed");
            false
        }
        Err(_) => {
            tracing::info!(board = %board, conn, "dropping connection: the client stopped reading");
            false
        }
    }
}

fn unavailable(hub: &Hub) -> CloseReason {
    if hub.is_shutting_down() {
        CloseReason::new(close::GOING_AWAY, "server shutting down")
    } else {
        CloseReason::new(close::INTERNAL_ERROR, "board unavailable; reconnect")
    }
}

async fn close_with<S, E>(socket: &mut S, reason: CloseReason) -> Result<(), E>
where
    S: Sink<Frame, Error = E> + Unpin,
{
    socket.send(Frame::Close(Some(reason))).await?;
    socket.close().await
}

/// The most y-websocket messages one frame may carry. The official clients send one;
/// each message costs the board a transaction, so a frame of thousands of tiny updates
/// would cost far more than its size.
pub const MAX_MESSAGES_PER_FRAME: usize = 16;

/// Decodes and validates a frame from the client. On error: a metrics label and the
/// reason to close with.
pub fn parse(data: &[u8]) -> Result<Vec<Inbound>, (&'static str, CloseReason)> {
    let msgs = wire::decode_frame(data).map_err(|e| {
        (
            e.label(),
            CloseReason::new(close::PROTOCOL_ERROR, &e.to_string()),
        )
    })?;
    if msgs.len() > MAX_MESSAGES_PER_FRAME {
        return Err((
            "too_many_messages",
            CloseReason::new(
                close::POLICY_VIOLATION,
                &format!("more than {MAX_MESSAGES_PER_FRAME} messages in one frame"),
            ),
        ));
    }
    let bad = |label, e: &dyn std::fmt::Display| {
        (
            label,
            CloseReason::new(close::INVALID_PAYLOAD, &e.to_string()),
        )
    };
    // The messages of one frame share one work budget.
    let mut budget = Budget::new(Budget::FRAME);
    let mut out = Vec::with_capacity(msgs.len());
    for msg in msgs {
        out.push(match msg {
            Message::SyncStep1(sv) => Inbound::SyncStep1(
                update::decode_state_vector(sv).map_err(|e| bad("bad_state_vector", &e))?,
            ),
            Message::SyncStep2(u) | Message::Update(u) => {
                let (update, shape) =
                    update::decode_v1_shaped(u, &mut budget).map_err(|e| bad(e.label(), &e))?;
                Inbound::Update {
                    update,
                    shape,
                    bytes: u.len(),
                }
            }
            Message::Awareness(a) => Inbound::Awareness(
                awareness::decode_update(a).map_err(|e| bad("bad_awareness", &e))?,
            ),
            Message::QueryAwareness => Inbound::QueryAwareness,
            Message::AuthDenied(_) => {
                return Err((
                    "unexpected_auth",
                    CloseReason::new(
                        close::PROTOCOL_ERROR,
                        "auth messages are sent by the server only",
                    ),
                ))
            }
        });
    }
    Ok(out)
}
