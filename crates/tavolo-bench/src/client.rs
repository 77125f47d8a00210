//! A lightweight y-websocket client: one reader task and one writer task per connection,
//! no document on the receiving side.
//!
//! It behaves like the official provider where a server can tell: it sends sync step 1 on
//! connect, answers the server's step 1 with a step 2 from its own document, answers pings
//! at once and reads continuously (a server may close a client whose queue fills). Its
//! updates are made by a small yrs document ([`BenchDoc`]) and each carries the key
//! `"{sender}:{seq}"`; the send time of every (sender, seq) goes into the run's shared table,
//! so any receiver can compute the end-to-end latency of what it decodes.

use crate::content::{for_each_key, BenchDoc};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{
    AtomicU32, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tavolo_sync::wire::{self, Message};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Send times of one sender's updates, by sequence number.
pub struct SenderSlot {
    /// Nanoseconds since [`Run::base`] + 1; 0 = not sent (yet).
    times: Box<[AtomicU64]>,
    pub sent: AtomicU32,
}

/// State shared by every connection of one scenario.
pub struct Run {
    pub base: Instant,
    pub senders: Vec<SenderSlot>,
    /// Distinct updates received by a client other than their sender (live or by sync).
    pub delivered: AtomicU64,
    /// Clients whose first sync step 2 has arrived.
    pub synced: AtomicU64,
    /// Connections that ended without our asking, by reason ("close 1013: ...", "error: ...").
    pub ends: Mutex<BTreeMap<String, u64>>,
    /// Clients that reached their `target`.
    pub completed: AtomicU64,
    /// Writers that finished their sending plan.
    pub done_sending: AtomicU64,
    /// Updates that did not decode, or messages that did not.
    pub undecodable: AtomicU64,
    /// Random high bits for Yjs client ids, so two runs never share one.
    salt: u64,
}

impl Run {
    /// `senders` slots with room for `max_seq` send times each.
    pub fn new(senders: u32, max_seq: u32) -> Arc<Run> {
        let slots = (0..senders)
            .map(|_| SenderSlot {
                times: (0..max_seq).map(|_| AtomicU64::new(0)).collect(),
                sent: AtomicU32::new(0),
            })
            .collect();
        Arc::new(Run {
            base: Instant::now(),
            senders: slots,
            delivered: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            ends: Mutex::new(BTreeMap::new()),
            done_sending: AtomicU64::new(0),
            undecodable: AtomicU64::new(0),
            salt: rand::random::<u64>() & 0x7fff,
        })
    }

    /// A Yjs client id for sender `i`, unique in this run and (almost surely) across runs.
    pub fn client_id(&self, i: u32) -> u64 {
        (self.salt << 17) | (i as u64 & 0x1_ffff)
    }

    fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64 + 1
    }

    fn note_end(&self, what: String) {
        *self.ends.lock().unwrap().entry(what).or_default() += 1;
    }

    pub fn ends(&self) -> BTreeMap<String, u64> {
        self.ends.lock().unwrap().clone()
    }

    pub fn sent(&self, s: u32) -> u32 {
        self.senders
            .get(s as usize)
            .map(|x| x.sent.load(Acquire))
            .unwrap_or(0)
    }

    pub fn total_sent(&self) -> u64 {
        self.senders
            .iter()
            .map(|s| s.sent.load(Acquire) as u64)
            .sum()
    }
}

/// Who a connection is.
#[derive(Clone, Debug)]
pub struct ConnSpec {
    /// Full WebSocket URL: `{url}/{room}`.
    pub url: String,
    /// This client's sender index (its updates carry it).
    pub sender: u32,
    /// Senders whose updates this client must receive (its board's clients, itself included).
    pub expect_from: Range<u32>,
    /// Most sequence numbers per sender to track.
    pub max_seq: u32,
    /// Value written with every update.
    pub payload: String,
    /// When this many distinct updates from others have arrived, note the time (0: never).
    pub target: u64,
}

enum Ctl {
    Pong(bytes::Bytes),
    Step1(Vec<u8>),
    Plan(Plan),
    /// Send this many updates as fast as the socket takes them, with at most `window` of
    /// them not yet echoed back by the server (0: no window).
    Burst(u32, u32),
    Close,
    Drop,
}

#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub per_sec: f64,
    pub count: u32,
    pub start: tokio::time::Instant,
    pub end: tokio::time::Instant,
}

/// What a connection's reader saw, returned when it stops.
#[derive(Debug, Default)]
pub struct Received {
    /// From the start of the connection attempt to the first sync step 2.
    pub synced_after: Option<Duration>,
    /// Latencies (µs) of live updates from other clients.
    pub latencies: Vec<u32>,
    /// Per sender in `expect_from`: bit set of the sequence numbers received.
    seen: Vec<Vec<u64>>,
    pub distinct: u64,
    pub duplicates: u64,
    pub echoes: u64,
    pub foreign: u64,
    pub live_messages: u64,
    pub sync_keys: u64,
    /// Updates whose send time was unknown (sent past the table's size).
    pub untimed: u64,
    /// Why the connection ended, if the server or the network ended it.
    pub ended: Option<String>,
    /// From the start of the connection attempt until `target` distinct updates were in.
    pub complete_after: Option<Duration>,
    target: u64,
    expect_from: Range<u32>,
}

impl Received {
    /// How many of sender `s`'s first `n` updates this client has.
    pub fn count_from(&self, s: u32, n: u32) -> u32 {
        if !self.expect_from.contains(&s) {
            return 0;
        }
        let bits = &self.seen[(s - self.expect_from.start) as usize];
        let mut c = 0;
        for q in 0..n {
            let (w, b) = ((q / 64) as usize, q % 64);
            if bits.get(w).is_some_and(|x| x & (1 << b) != 0) {
                c += 1;
            }
        }
        c
    }

    fn mark(&mut self, s: u32, q: u32) -> bool {
        let bits = &mut self.seen[(s - self.expect_from.start) as usize];
        let (w, b) = ((q / 64) as usize, q % 64);
        if bits.len() <= w {
            bits.resize(w + 1, 0);
        }
        let new = bits[w] & (1 << b) == 0;
        bits[w] |= 1 << b;
        new
    }
}

/// One live connection.
pub struct Conn {
    pub spec: ConnSpec,
    ctl: mpsc::UnboundedSender<Ctl>,
    stop: watch::Sender<bool>,
    reader: JoinHandle<Received>,
    writer: JoinHandle<BenchDoc>,
    /// Time to open the WebSocket (TCP + HTTP upgrade).
    pub connect_time: Duration,
    /// Connection attempts that failed before this one succeeded.
    pub retries: u32,
}

pub fn ws_config() -> WebSocketConfig {
    // Small buffers: with 10,000 connections in one process the default 128 KiB read
    // buffer alone would be over a GiB.
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20))
}

async fn open(url: &str) -> Result<Ws, String> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), true)
        .await
        .map_err(|e| e.to_string())?;
    Ok(ws)
}

impl Conn {
    /// Connects (retrying up to `attempts` times within `timeout`) and starts the tasks.
    pub async fn connect(
        run: Arc<Run>,
        spec: ConnSpec,
        doc: Option<BenchDoc>,
        attempts: u32,
        timeout: Duration,
    ) -> Result<Conn, String> {
        let t0 = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut retries = 0;
        let ws = loop {
            let r = tokio::time::timeout_at(deadline, open(&spec.url)).await;
            match r {
                Ok(Ok(ws)) => break ws,
                Ok(Err(e)) => {
                    retries += 1;
                    if retries >= attempts {
                        return Err(e);
                    }
                    tokio::time::sleep(Duration::from_millis(100 * retries as u64)).await;
                }
                Err(_) => return Err("connect timed out".into()),
            }
        };
        let connect_time = t0.elapsed();
        let doc = doc.unwrap_or_else(|| BenchDoc::new(spec.sender, run.client_id(spec.sender)));
        let (sink, stream) = ws.split();
        let (ctl, ctl_rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let echoes = Arc::new(AtomicU64::new(0));
        let n = (spec.expect_from.end - spec.expect_from.start) as usize;
        let rec = Received {
            seen: vec![Vec::new(); n],
            expect_from: spec.expect_from.clone(),
            target: spec.target,
            ..Received::default()
        };
        let reader = tokio::spawn(read_loop(
            run.clone(),
            stream,
            ctl.clone(),
            stop_rx,
            rec,
            spec.sender,
            t0,
            echoes.clone(),
        ));
        let writer = tokio::spawn(write_loop(
            run,
            sink,
            ctl_rx,
            doc,
            spec.payload.clone(),
            echoes,
        ));
        Ok(Conn {
            spec,
            ctl,
            stop,
            reader,
            writer,
            connect_time,
            retries,
        })
    }

    /// Starts sending updates at a steady rate.
    pub fn plan(&self, plan: Plan) {
        let _ = self.ctl.send(Ctl::Plan(plan));
    }

    /// Sends `n` updates as fast as the socket takes them, keeping at most `window` of them
    /// unconfirmed (not yet echoed back to us; servers echo updates to their sender).
    /// `window` 0 sends without waiting.
    pub fn burst(&self, n: u32, window: u32) {
        let _ = self.ctl.send(Ctl::Burst(n, window));
    }

    /// Stops reading, closes politely (close frame) and returns what was received and the
    /// document (to reconnect with, as a browser keeps its document).
    pub async fn close(self) -> (Received, Option<BenchDoc>) {
        let _ = self.stop.send(true);
        let rec = self.reader.await.unwrap_or_default();
        let _ = self.ctl.send(Ctl::Close);
        let doc = tokio::time::timeout(Duration::from_secs(5), self.writer)
            .await
            .ok()
            .and_then(|r| r.ok());
        (rec, doc)
    }

    /// Drops the TCP connection without a close frame, as when a network drops.
    pub async fn drop_now(self) -> (Received, Option<BenchDoc>) {
        let _ = self.stop.send(true);
        let _ = self.ctl.send(Ctl::Drop);
        let rec = self.reader.await.unwrap_or_default();
        let doc = self.writer.await.ok();
        (rec, doc)
    }
}

#[allow(clippy::too_many_arguments)]
async fn read_loop(
    run: Arc<Run>,
    mut stream: SplitStream<Ws>,
    ctl: mpsc::UnboundedSender<Ctl>,
    mut stop: watch::Receiver<bool>,
    mut rec: Received,
    me: u32,
    t0: Instant,
    echoes: Arc<AtomicU64>,
) -> Received {
    loop {
        let msg = tokio::select! {
            biased;
            _ = stop.changed() => break,
            m = stream.next() => m,
        };
        match msg {
            Some(Ok(WsMessage::Binary(b))) => {
                let Ok(msgs) = wire::decode_frame(&b) else {
                    run.undecodable.fetch_add(1, Relaxed);
                    continue;
                };
                for m in msgs {
                    match m {
                        Message::SyncStep1(sv) => {
                            let _ = ctl.send(Ctl::Step1(sv.to_vec()));
                        }
                        Message::SyncStep2(u) => {
                            on_update(&run, &mut rec, me, u, false);
                            note_complete(&run, &mut rec, t0);
                            if rec.synced_after.is_none() {
                                rec.synced_after = Some(t0.elapsed());
                                run.synced.fetch_add(1, Relaxed);
                            }
                        }
                        Message::Update(u) => {
                            rec.live_messages += 1;
                            let before = rec.echoes;
                            on_update(&run, &mut rec, me, u, true);
                            note_complete(&run, &mut rec, t0);
                            if rec.echoes != before {
                                echoes.store(rec.echoes, Release);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some(Ok(WsMessage::Ping(p))) => {
                let _ = ctl.send(Ctl::Pong(p));
            }
            Some(Ok(WsMessage::Close(f))) => {
                let what = match f {
                    Some(f) => format!("closed by server: {} {}", u16::from(f.code), f.reason),
                    None => "closed by server without a code".to_owned(),
                };
                run.note_end(what.clone());
                rec.ended = Some(what);
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                let what = format!("error: {e}");
                run.note_end(what.clone());
                rec.ended = Some(what);
                break;
            }
            None => {
                let what = "connection ended without a close frame".to_owned();
                run.note_end(what.clone());
                rec.ended = Some(what);
                break;
            }
        }
    }
    rec
}

fn note_complete(run: &Run, rec: &mut Received, t0: Instant) {
    if rec.target > 0 && rec.complete_after.is_none() && rec.distinct >= rec.target {
        rec.complete_after = Some(t0.elapsed());
        run.completed.fetch_add(1, Relaxed);
    }
}

fn on_update(run: &Run, rec: &mut Received, me: u32, update: &[u8], live: bool) {
    let now = run.now_ns();
    let mut keys = 0u64;
    let r = for_each_key(update, |s, q| {
        keys += 1;
        if s == me {
            rec.echoes += 1;
            return;
        }
        if !rec.expect_from.contains(&s) {
            rec.foreign += 1;
            return;
        }
        if !rec.mark(s, q) {
            rec.duplicates += 1;
            return;
        }
        rec.distinct += 1;
        run.delivered.fetch_add(1, Relaxed);
        if live {
            let sent = run
                .senders
                .get(s as usize)
                .and_then(|slot| slot.times.get(q as usize))
                .map(|t| t.load(Acquire))
                .unwrap_or(0);
            if sent == 0 || sent > now {
                rec.untimed += 1;
            } else {
                rec.latencies
                    .push(((now - sent) / 1000).min(u32::MAX as u64) as u32);
            }
        }
    });
    if r.is_err() {
        run.undecodable.fetch_add(1, Relaxed);
    }
    if !live {
        rec.sync_keys += keys;
    }
}

async fn write_loop(
    run: Arc<Run>,
    mut sink: SplitSink<Ws, WsMessage>,
    mut ctl: mpsc::UnboundedReceiver<Ctl>,
    mut doc: BenchDoc,
    payload: String,
    echoes: Arc<AtomicU64>,
) -> BenchDoc {
    let sender = doc.sender();
    // like the provider: our sync step 1 first
    let step1 = wire::encode_sync_step1(&doc.state_vector());
    if sink.send(WsMessage::binary(step1)).await.is_err() {
        return doc;
    }
    let mut plan: Option<(Plan, tokio::time::Instant, Duration)> = None;
    let mut in_plan = 0u32;
    loop {
        let next = plan.map(|(_, n, _)| n);
        let c = tokio::select! {
            biased;
            c = ctl.recv() => c,
            _ = tokio::time::sleep_until(next.unwrap_or_else(tokio::time::Instant::now)), if next.is_some() => {
                let (p, n, period) = plan.unwrap();
                let now = tokio::time::Instant::now();
                if now >= p.end || in_plan >= p.count {
                    plan = None;
                    run.done_sending.fetch_add(1, Relaxed);
                    continue;
                }
                if send_update(&run, &mut sink, &mut doc, &payload, sender, true).await.is_err() {
                    break;
                }
                in_plan += 1;
                // keep the offered rate; if we fall more than a second behind, skip ahead
                let mut n = n + period;
                if now > n + Duration::from_secs(1) {
                    n = now;
                }
                if in_plan >= p.count || n >= p.end {
                    // the plan is done: say so now rather than at the next tick
                    plan = None;
                    run.done_sending.fetch_add(1, Relaxed);
                } else {
                    plan = Some((p, n, period));
                }
                continue;
            }
        };
        match c {
            Some(Ctl::Pong(p)) => {
                if sink.send(WsMessage::Pong(p)).await.is_err() {
                    break;
                }
            }
            Some(Ctl::Step1(sv)) => {
                let reply = wire::encode_sync_step2(&doc.diff(&sv));
                if sink.send(WsMessage::binary(reply)).await.is_err() {
                    break;
                }
            }
            Some(Ctl::Plan(p)) => {
                let period = Duration::from_secs_f64(1.0 / p.per_sec.max(1e-6));
                // spread the clients' first sends over one period
                let jitter = period.mul_f64(rand::random::<f64>());
                in_plan = 0;
                plan = Some((p, p.start + jitter, period));
            }
            Some(Ctl::Burst(n, window)) => {
                let mut ok = true;
                let base = echoes.load(Acquire);
                for i in 0..n {
                    if window > 0 {
                        // wait for the server to confirm enough of what we sent; give up
                        // waiting (and go on) if it does not echo within a second
                        let mut waited = 0;
                        while (i as u64).saturating_sub(echoes.load(Acquire) - base)
                            >= window as u64
                            && waited < 1000
                        {
                            if waited == 0 && sink.flush().await.is_err() {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(1)).await;
                            waited += 1;
                        }
                    }
                    let flush = i % 64 == 63
                        || i + 1 == n
                        || window > 0 && i % window.min(64) == window.min(64) - 1;
                    if send_update(&run, &mut sink, &mut doc, &payload, sender, flush)
                        .await
                        .is_err()
                    {
                        ok = false;
                        break;
                    }
                }
                run.done_sending.fetch_add(1, Relaxed);
                if !ok {
                    break;
                }
            }
            Some(Ctl::Close) => {
                let _ =
                    tokio::time::timeout(Duration::from_secs(2), sink.send(WsMessage::Close(None)))
                        .await;
                break;
            }
            Some(Ctl::Drop) | None => break,
        }
    }
    doc
}

async fn send_update(
    run: &Run,
    sink: &mut SplitSink<Ws, WsMessage>,
    doc: &mut BenchDoc,
    payload: &str,
    sender: u32,
    flush: bool,
) -> Result<(), ()> {
    let (seq, update) = doc.next_update(payload);
    let frame = WsMessage::binary(wire::encode_update(&update));
    let slot = run.senders.get(sender as usize);
    if let Some(t) = slot.and_then(|s| s.times.get(seq as usize)) {
        t.store(run.now_ns(), Release);
    }
    let r = if flush {
        sink.send(frame).await
    } else {
        sink.feed(frame).await
    };
    if r.is_err() {
        return Err(());
    }
    if let Some(s) = slot {
        s.sent.store(seq + 1, Release);
    }
    Ok(())
}
