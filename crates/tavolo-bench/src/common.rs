//! What every scenario shares: the target, connecting many clients, driving traffic and
//! adding up what the clients received.

use crate::client::{Conn, ConnSpec, Plan, Received, Run};
use crate::stats::{durations_ms, Latency};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the clients connect: `{url}/{prefix}-{n}`.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    /// With several nodes (`--url A,B`): the clients of a board are spread over them
    /// round-robin; `url` is the first.
    pub urls: Vec<String>,
    pub prefix: String,
}

impl Target {
    /// Refuses any URL whose host is not loopback: this tool only loads servers on this
    /// machine.
    pub fn new(url: &str, prefix: &str) -> anyhow::Result<Target> {
        let urls: Vec<String> = url
            .split(',')
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty())
            .collect();
        anyhow::ensure!(!urls.is_empty(), "no server URL");
        for u in &urls {
            check_loopback(u)?;
        }
        anyhow::ensure!(!prefix.is_empty(), "the room prefix is empty");
        Ok(Target {
            url: urls[0].clone(),
            urls,
            prefix: prefix.to_owned(),
        })
    }

    /// The URL of a room for the `i`-th client of a board (nodes taken in turn).
    pub fn room_url_for(&self, room: &str, i: u32) -> String {
        format!("{}/{}", self.urls[i as usize % self.urls.len()], room)
    }

    pub fn room(&self, name: &str) -> String {
        format!("{}-{}", self.prefix, name)
    }

    pub fn room_url(&self, room: &str) -> String {
        format!("{}/{}", self.url, room)
    }
}

/// `ws://` URLs to 127.0.0.1, localhost or [::1] only.
pub fn check_loopback(url: &str) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| anyhow::anyhow!("only ws:// URLs are supported: {url}"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    anyhow::ensure!(!authority.contains('@'), "no credentials in the URL: {url}");
    let host = if let Some(h) = authority.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    let ok = matches!(host, "127.0.0.1" | "localhost" | "::1");
    anyhow::ensure!(
        ok,
        "refusing to load {host}: only 127.0.0.1, localhost and ::1 are allowed targets"
    );
    Ok(())
}

/// Options every scenario uses.
#[derive(Clone, Debug)]
pub struct Common {
    pub target: Target,
    /// Bytes in the value of each update.
    pub payload_bytes: usize,
    /// Connection handshakes in flight at once.
    pub connect_concurrency: usize,
    /// Limit for connecting (and for syncing) one phase.
    pub connect_timeout: Duration,
    /// Server process to sample (RSS, CPU).
    pub server_pid: Option<u32>,
}

impl Common {
    pub fn payload(&self) -> String {
        "x".repeat(self.payload_bytes.max(1))
    }
}

/// How connecting went.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnectStats {
    pub attempted: u64,
    pub connected: u64,
    pub failed: u64,
    pub retries: u64,
    pub failures: BTreeMap<String, u64>,
    /// From the first attempt until every connection was open.
    pub open_wall_s: f64,
    /// From the first attempt until every client that connected had its sync step 2.
    pub synced_wall_s: f64,
    pub synced: u64,
    /// Per client: WebSocket handshake time.
    pub handshake: Latency,
    /// Per client: from its attempt to its first sync step 2.
    pub sync: Latency,
}

pub struct Connected {
    pub conns: Vec<Conn>,
    pub stats: ConnectStats,
}

/// Opens every connection (at most `concurrency` handshakes in flight) and waits until
/// every one that opened is synced (or the timeout).
pub async fn connect_all(run: &Arc<Run>, specs: Vec<ConnSpec>, common: &Common) -> Connected {
    let t0 = Instant::now();
    let synced_before = run.synced.load(Relaxed);
    let sem = Arc::new(tokio::sync::Semaphore::new(
        common.connect_concurrency.max(1),
    ));
    let attempted = specs.len() as u64;
    let mut handles = Vec::with_capacity(specs.len());
    for spec in specs {
        let sem = sem.clone();
        let run = run.clone();
        let timeout = common.connect_timeout;
        handles.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            Conn::connect(run, spec, None, 3, timeout).await
        }));
    }
    let mut conns = Vec::with_capacity(handles.len());
    let mut stats = ConnectStats {
        attempted,
        ..ConnectStats::default()
    };
    for h in handles {
        match h.await {
            Ok(Ok(c)) => {
                stats.retries += c.retries as u64;
                conns.push(c);
            }
            Ok(Err(e)) => *stats.failures.entry(short(&e)).or_default() += 1,
            Err(e) => *stats.failures.entry(short(&e.to_string())).or_default() += 1,
        }
    }
    stats.open_wall_s = t0.elapsed().as_secs_f64();
    stats.connected = conns.len() as u64;
    stats.failed = attempted - stats.connected;
    let want = synced_before + conns.len() as u64;
    let deadline = t0 + common.connect_timeout;
    while run.synced.load(Relaxed) < want && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    stats.synced_wall_s = t0.elapsed().as_secs_f64();
    stats.synced = run.synced.load(Relaxed) - synced_before;
    stats.handshake = durations_ms(conns.iter().map(|c| c.connect_time).collect());
    Connected { conns, stats }
}

fn short(e: &str) -> String {
    e.chars().take(120).collect()
}

/// Connection specs for `boards` boards × `per_board` clients; board `b` is room
/// `{prefix}-{tag}{b}`, sender indices start at `first_sender`.
pub fn board_specs(
    common: &Common,
    tag: &str,
    boards: u32,
    per_board: u32,
    first_sender: u32,
    max_seq: u32,
) -> Vec<ConnSpec> {
    let payload = common.payload();
    let mut v = Vec::with_capacity((boards * per_board) as usize);
    for b in 0..boards {
        let room = common.target.room(&format!("{tag}{b}"));
        let first = first_sender + b * per_board;
        for i in 0..per_board {
            v.push(ConnSpec {
                url: common.target.room_url_for(&room, i),
                sender: first + i,
                expect_from: first..first + per_board,
                max_seq,
                payload: payload.clone(),
                target: 0,
            });
        }
    }
    v
}

/// What one traffic phase did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Traffic {
    pub clients: u64,
    pub offered_updates_per_s: f64,
    pub sent: u64,
    pub sent_per_s: f64,
    /// Deliveries owed: every update sent, to every other client of its board.
    pub expected_deliveries: u64,
    pub delivered: u64,
    pub lost: u64,
    /// Distinct deliveries per second, from the first send until the last delivery (or the
    /// end of the drain).
    pub delivered_per_s: f64,
    pub latency: Latency,
    pub duplicates: u64,
    pub untimed: u64,
    /// Connections the server (or the network) ended during the phase, by reason.
    pub ended: BTreeMap<String, u64>,
    pub send_window_s: f64,
    pub delivery_window_s: f64,
}

/// Every client sends at `per_client` updates/s for `duration`; then waits (at most
/// `drain`) until everything sent has reached every other client.
pub struct Drive {
    pub t_start: Instant,
    pub send_window: Duration,
    pub delivery_window: Duration,
    pub offered: f64,
}

pub async fn drive(
    run: &Arc<Run>,
    conns: &[Conn],
    per_client: f64,
    duration: Duration,
    drain: Duration,
) -> Drive {
    let delivered_before = run.delivered.load(Relaxed);
    let done_before = run.done_sending.load(Relaxed);
    let count = (per_client * duration.as_secs_f64()).ceil() as u32;
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let end = start + duration;
    let t_start = Instant::now() + Duration::from_millis(50);
    for c in conns {
        c.plan(Plan {
            per_sec: per_client,
            count,
            start,
            end,
        });
    }
    // sending ends by itself at `end`; a writer whose socket died never reports
    let send_deadline = Instant::now() + duration + Duration::from_secs(3);
    while run.done_sending.load(Relaxed) < done_before + conns.len() as u64
        && Instant::now() < send_deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let send_window = t_start.elapsed().min(duration + Duration::from_secs(3));
    let expected: u64 = expected_deliveries(run, conns.iter().map(|c| &c.spec));
    let drain_deadline = Instant::now() + drain;
    while run.delivered.load(Relaxed) - delivered_before < expected
        && Instant::now() < drain_deadline
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Drive {
        t_start,
        send_window,
        delivery_window: t_start.elapsed(),
        offered: per_client * conns.len() as f64,
    }
}

/// Updates owed to these clients by the other senders of their boards.
pub fn expected_deliveries<'a>(run: &Run, specs: impl Iterator<Item = &'a ConnSpec>) -> u64 {
    specs
        .map(|s| {
            s.expect_from
                .clone()
                .filter(|&x| x != s.sender)
                .map(|x| run.sent(x) as u64)
                .sum::<u64>()
        })
        .sum()
}

/// Closes every connection and returns what each received.
pub async fn close_all(conns: Vec<Conn>) -> Vec<(ConnSpec, Received)> {
    let handles: Vec<_> = conns
        .into_iter()
        .map(|c| {
            tokio::spawn(async move {
                let spec = c.spec.clone();
                let (rec, _) = c.close().await;
                (spec, rec)
            })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        if let Ok(r) = h.await {
            out.push(r);
        }
    }
    out
}

/// Adds up a traffic phase.
pub fn tally(
    run: &Run,
    drive: &Drive,
    results: &[(ConnSpec, Received)],
    sent_before: u64,
) -> Traffic {
    let mut lat = Vec::new();
    let mut t = Traffic {
        clients: results.len() as u64,
        offered_updates_per_s: drive.offered,
        send_window_s: drive.send_window.as_secs_f64(),
        delivery_window_s: drive.delivery_window.as_secs_f64(),
        ..Traffic::default()
    };
    for (spec, rec) in results {
        lat.extend_from_slice(&rec.latencies);
        t.duplicates += rec.duplicates;
        t.untimed += rec.untimed;
        t.delivered += rec.distinct;
        for s in spec.expect_from.clone().filter(|&x| x != spec.sender) {
            let n = run.sent(s);
            t.lost += (n - rec.count_from(s, n)) as u64;
            t.expected_deliveries += n as u64;
        }
        if let Some(e) = &rec.ended {
            *t.ended.entry(e.clone()).or_default() += 1;
        }
    }
    t.sent = run.total_sent() - sent_before;
    t.sent_per_s = t.sent as f64 / drive.send_window.as_secs_f64().max(1e-9);
    t.delivered_per_s = t.delivered as f64 / drive.delivery_window.as_secs_f64().max(1e-9);
    t.latency = Latency::from_micros(lat);
    t
}

impl Traffic {
    pub fn lines(&self) -> String {
        let mut s = format!(
            "  {} clients, offered {:.0} updates/s, sent {} ({:.0}/s)\n  delivered {} of {} to other clients ({:.0}/s), lost {}, duplicates {}\n  latency {}\n",
            self.clients,
            self.offered_updates_per_s,
            self.sent,
            self.sent_per_s,
            self.delivered,
            self.expected_deliveries,
            self.delivered_per_s,
            self.lost,
            self.duplicates,
            self.latency.line()
        );
        for (k, v) in &self.ended {
            s.push_str(&format!("  ended during the phase: {v} × {k}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        for ok in [
            "ws://127.0.0.1:8080/sync",
            "ws://localhost:1234",
            "ws://[::1]:80/x",
            "ws://127.0.0.1",
        ] {
            assert!(check_loopback(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ws://10.0.0.1:8080/sync",
            "ws://example.com/sync",
            "ws://127.0.0.2:80",
            "wss://127.0.0.1:443",
            "http://127.0.0.1:80",
            "ws://evil@127.0.0.1:80",
            "ws://localhost.example.com:80",
        ] {
            assert!(check_loopback(bad).is_err(), "{bad}");
        }
        let t = Target::new("ws://127.0.0.1:9/sync/", "p").unwrap();
        assert_eq!(t.room_url(&t.room("a1")), "ws://127.0.0.1:9/sync/p-a1");
    }
}
