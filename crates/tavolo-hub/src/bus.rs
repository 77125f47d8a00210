//! Cross-node fan-out over Redis pub/sub, for several Tavolo nodes on one PostgreSQL.
//!
//! Order on the node that took an update: commit to the log, then publish, then
//! broadcast to its own clients. Every update on the bus carries its log sequence
//! number, so a node that misses bus messages (Redis restarted, a slow consumer, a
//! network blip) notices a gap — or, for a board that went quiet, the periodic check of
//! the log's heads — and catches up from the database. The bus is only a fast path: no
//! update is ever lost because the bus lost it.
//!
//! Duplicates are cheap: a node keeps, per live board, the highest sequence number it has
//! applied; anything at or below it is dropped with one integer comparison (and Yjs would
//! ignore it anyway).
//!
//! Messages (binary, lib0 encoding): `varUint(kind) varUint(node) varUint(sent_at_ms)`
//! then per kind: 0 updates `varString(board) varUint(first_seq) varUint(n) n×varBuf`;
//! 1 awareness `varString(board) varBuf(update)`; 2 session `varString(session)
//! varString(json)`; 3 board command `varString(board) varString(json)`; 4 awareness
//! query `varString(board)`.

use crate::metrics::Metrics;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;

pub const CHANNEL: &str = "tavolo:v1";

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Updates {
        board: String,
        first_seq: i64,
        updates: Vec<Vec<u8>>,
    },
    Awareness {
        board: String,
        update: Vec<u8>,
    },
    Session {
        session: String,
        json: String,
    },
    Board {
        board: String,
        json: String,
    },
    /// A node just loaded this board: nodes that have it live publish their clients'
    /// awareness states, so that the newcomer's clients see who is there.
    AwarenessQuery {
        board: String,
    },
    /// Not sent on the wire: the subscription was (re)established; messages may have
    /// been missed, so every live board checks the log.
    Resubscribed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub node: u64,
    pub sent_at: u64,
    pub event: Event,
}

pub fn encode(env: &Envelope) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let kind: u32 = match env.event {
        Event::Updates { .. } => 0,
        Event::Awareness { .. } => 1,
        Event::Session { .. } => 2,
        Event::Board { .. } => 3,
        Event::AwarenessQuery { .. } => 4,
        Event::Resubscribed => 255,
    };
    out.write_var(kind);
    out.write_var(env.node);
    out.write_var(env.sent_at);
    match &env.event {
        Event::Updates {
            board,
            first_seq,
            updates,
        } => {
            out.write_string(board);
            out.write_var(*first_seq as u64);
            out.write_var(updates.len() as u64);
            for u in updates {
                out.write_buf(u);
            }
        }
        Event::Awareness { board, update } => {
            out.write_string(board);
            out.write_buf(update);
        }
        Event::Session { session, json } => {
            out.write_string(session);
            out.write_string(json);
        }
        Event::Board { board, json } => {
            out.write_string(board);
            out.write_string(json);
        }
        Event::AwarenessQuery { board } => out.write_string(board),
        Event::Resubscribed => {}
    }
    out
}

/// Decodes a bus message; anything malformed is `None` (and counted by the caller).
pub fn decode(bytes: &[u8]) -> Option<Envelope> {
    let mut c = Cursor::new(bytes);
    let kind: u32 = c.read_var().ok()?;
    let node: u64 = c.read_var().ok()?;
    let sent_at: u64 = c.read_var().ok()?;
    let event = match kind {
        0 => {
            let board = c.read_string().ok()?.to_owned();
            let first_seq = c.read_var::<u64>().ok()? as i64;
            let n: u64 = c.read_var().ok()?;
            if n > 100_000 {
                return None;
            }
            let mut updates = Vec::with_capacity(n as usize);
            for _ in 0..n {
                updates.push(c.read_buf().ok()?.to_vec());
            }
            Event::Updates {
                board,
                first_seq,
                updates,
            }
        }
        1 => Event::Awareness {
            board: c.read_string().ok()?.to_owned(),
            update: c.read_buf().ok()?.to_vec(),
        },
        2 => Event::Session {
            session: c.read_string().ok()?.to_owned(),
            json: c.read_string().ok()?.to_owned(),
        },
        3 => Event::Board {
            board: c.read_string().ok()?.to_owned(),
            json: c.read_string().ok()?.to_owned(),
        },
        4 => Event::AwarenessQuery {
            board: c.read_string().ok()?.to_owned(),
        },
        _ => return None,
    };
    Some(Envelope {
        node,
        sent_at,
        event,
    })
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The sending half: events queued to the publisher task. Publishing never blocks a
/// board: if the queue is full the event is dropped (counted), and other nodes catch up
/// from the log.
#[derive(Clone)]
pub struct Bus {
    pub node: u64,
    tx: mpsc::Sender<Vec<u8>>,
    metrics: Arc<Metrics>,
}

impl Bus {
    pub fn publish(&self, event: Event) {
        let env = Envelope {
            node: self.node,
            sent_at: now_ms(),
            event,
        };
        match self.tx.try_send(encode(&env)) {
            Ok(()) => {
                self.metrics.bus_published.fetch_add(1, Relaxed);
            }
            Err(_) => {
                self.metrics.bus_errors.fetch_add(1, Relaxed);
            }
        }
    }
}

/// Connects to Redis at `url` (publisher and subscriber, each reconnecting forever until
/// `stop`). Returns the sending half and the stream of events from other nodes.
pub fn connect_redis(
    url: &str,
    metrics: Arc<Metrics>,
    stop: CancellationToken,
) -> Result<(Bus, mpsc::Receiver<Envelope>), redis::RedisError> {
    let client = redis::Client::open(url)?;
    let node: u64 = rand_node();
    let (tx, mut out_rx) = mpsc::channel::<Vec<u8>>(8192);
    let (in_tx, in_rx) = mpsc::channel::<Envelope>(8192);

    let pub_client = client.clone();
    let pub_metrics = metrics.clone();
    let pub_stop = stop.clone();
    tokio::spawn(async move {
        'connect: while !pub_stop.is_cancelled() {
            let mut con = match pub_client.get_multiplexed_async_connection().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "bus: cannot connect to publish; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            loop {
                let msg = tokio::select! {
                    m = out_rx.recv() => match m { Some(m) => m, None => break 'connect },
                    _ = pub_stop.cancelled() => break 'connect,
                };
                let r: Result<i64, _> = redis::cmd("PUBLISH")
                    .arg(CHANNEL)
                    .arg(msg)
                    .query_async(&mut con)
                    .await;
                if let Err(e) = r {
                    pub_metrics.bus_errors.fetch_add(1, Relaxed);
                    tracing::warn!(error = %e, "bus: publish failed; reconnecting (other nodes catch up from the log)");
                    continue 'connect;
                }
            }
        }
    });

    let sub_metrics = metrics.clone();
    tokio::spawn(async move {
        use futures_util::StreamExt;
        while !stop.is_cancelled() {
            let mut pubsub = match client.get_async_pubsub().await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "bus: cannot subscribe; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            if let Err(e) = pubsub.subscribe(CHANNEL).await {
                tracing::warn!(error = %e, "bus: subscribe failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            tracing::info!("bus: subscribed");
            let _ = in_tx
                .send(Envelope {
                    node,
                    sent_at: now_ms(),
                    event: Event::Resubscribed,
                })
                .await;
            let mut messages = pubsub.on_message();
            loop {
                let msg = tokio::select! {
                    m = messages.next() => m,
                    _ = stop.cancelled() => return,
                };
                let Some(msg) = msg else { break };
                let payload: Vec<u8> = match msg.get_payload() {
                    Ok(p) => p,
                    Err(_) => continue,
                };
                match decode(&payload) {
                    Some(env) if env.node == node => {}
                    Some(env) => {
                        sub_metrics.bus_received.fetch_add(1, Relaxed);
                        let lag = now_ms().saturating_sub(env.sent_at);
                        sub_metrics.bus_lag.observe(Duration::from_millis(lag));
                        if in_tx.send(env).await.is_err() {
                            return;
                        }
                    }
                    None => {
                        sub_metrics.bus_errors.fetch_add(1, Relaxed);
                    }
                }
            }
            sub_metrics.bus_errors.fetch_add(1, Relaxed);
            tracing::warn!("bus: subscription lost; resubscribing");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    Ok((Bus { node, tx, metrics }, in_rx))
}

fn rand_node() -> u64 {
    // node ids only need to differ between live nodes
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t ^ (std::process::id() as u64).rotate_left(32)) & ((1 << 53) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip() {
        for event in [
            Event::Updates {
                board: "b".into(),
                first_seq: 42,
                updates: vec![vec![1, 2], vec![]],
            },
            Event::Awareness {
                board: "b".into(),
                update: vec![0],
            },
            Event::Session {
                session: "s".into(),
                json: "{}".into(),
            },
            Event::Board {
                board: "b".into(),
                json: r#"{"locked":true}"#.into(),
            },
            Event::AwarenessQuery { board: "b".into() },
        ] {
            let env = Envelope {
                node: 7,
                sent_at: 123,
                event,
            };
            assert_eq!(decode(&encode(&env)), Some(env));
        }
        assert_eq!(decode(&[9, 9, 9]), None);
        assert_eq!(decode(&[0, 1]), None);
    }
}
