//! The scenarios. Each returns a report that serialises to JSON and prints as text.

use crate::client::{Conn, ConnSpec, Run};
use crate::common::*;
use crate::stats::{durations_ms, Latency, SelfMeter, SelfUsage, ServerProbe, ServerUsage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// fanout

#[derive(Clone, Debug)]
pub struct FanoutOpts {
    pub clients: u32,
    /// Per-client update rates to try, in order; one fresh board per rate.
    pub rates: Vec<f64>,
    pub duration: Duration,
    pub drain: Duration,
    /// A step "holds" when its p99 is below this and nothing is lost.
    pub p99_limit_ms: f64,
    /// Stop stepping after the first step that does not hold.
    pub stop_on_fail: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FanoutStep {
    pub rate_per_client: f64,
    pub connect: ConnectStats,
    pub traffic: Traffic,
    pub holds: bool,
    pub server: Option<ServerUsage>,
    pub load_generator: SelfUsage,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FanoutReport {
    pub scenario: String,
    pub clients: u32,
    pub duration_s: f64,
    pub p99_limit_ms: f64,
    pub steps: Vec<FanoutStep>,
    /// Highest delivered updates/s among steps that held.
    pub capacity_delivered_per_s: Option<f64>,
    pub load_generator: SelfUsage,
}

pub async fn fanout(common: &Common, o: &FanoutOpts) -> FanoutReport {
    let meter = SelfMeter::start();
    let mut steps = Vec::new();
    for (i, &rate) in o.rates.iter().enumerate() {
        let step_meter = SelfMeter::start();
        let probe = ServerProbe::start(common.server_pid);
        let max_seq = (rate * o.duration.as_secs_f64()).ceil() as u32 + 8;
        let run = Run::new(o.clients, max_seq);
        let specs = board_specs(common, &format!("fanout{i}-"), 1, o.clients, 0, max_seq);
        let connected = connect_all(&run, specs, common).await;
        let d = drive(&run, &connected.conns, rate, o.duration, o.drain).await;
        let results = close_all(connected.conns).await;
        let traffic = tally(&run, &d, &results, 0);
        let mut connect = connected.stats;
        connect.sync = durations_ms(results.iter().filter_map(|(_, r)| r.synced_after).collect());
        let holds = traffic.lost == 0
            && traffic.latency.samples > 0
            && traffic.latency.p99_ms < o.p99_limit_ms
            && connect.failed == 0;
        steps.push(FanoutStep {
            rate_per_client: rate,
            connect,
            traffic,
            holds,
            server: probe.finish(),
            load_generator: step_meter.finish(),
        });
        if !holds && o.stop_on_fail {
            break;
        }
    }
    let capacity = steps
        .iter()
        .filter(|s| s.holds)
        .map(|s| s.traffic.delivered_per_s)
        .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
    FanoutReport {
        scenario: "fanout".into(),
        clients: o.clients,
        duration_s: o.duration.as_secs_f64(),
        p99_limit_ms: o.p99_limit_ms,
        steps,
        capacity_delivered_per_s: capacity,
        load_generator: meter.finish(),
    }
}

impl FanoutReport {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "fanout: {} clients on one board, {:.0} s per step\n",
            self.clients, self.duration_s
        );
        for st in &self.steps {
            let _ = write!(
                s,
                "- {} updates/s per client: {}\n{}",
                st.rate_per_client,
                if st.holds { "holds" } else { "does not hold" },
                st.traffic.lines()
            );
            let _ = writeln!(
                s,
                "  connect: {} of {} synced in {:.2} s",
                st.connect.synced, st.connect.attempted, st.connect.synced_wall_s
            );
            if let Some(u) = &st.server {
                let _ = writeln!(s, "  server: {}", server_line(u));
            }
            let _ = writeln!(s, "  load generator: {}", self_line(&st.load_generator));
        }
        match self.capacity_delivered_per_s {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "capacity (p99 < {} ms, nothing lost): {:.0} delivered updates/s",
                    self.p99_limit_ms, c
                );
            }
            None => {
                let _ = writeln!(s, "capacity: no step held");
            }
        }
        s
    }
}

pub fn server_line(u: &ServerUsage) -> String {
    format!(
        "RSS {:.1} MiB at the end, peak {:.1} MiB; {:.2} CPU s",
        u.rss_end_mib, u.rss_peak_mib, u.cpu_s
    )
}

pub fn self_line(u: &SelfUsage) -> String {
    format!(
        "{:.2} CPU s (user {:.2}, system {:.2}) in {:.1} s = {:.2} cores; peak RSS {:.0} MiB",
        u.cpu_user_s + u.cpu_system_s,
        u.cpu_user_s,
        u.cpu_system_s,
        u.wall_s,
        u.cores_busy,
        u.rss_peak_mib
    )
}

// ---------------------------------------------------------------------------------------
// breadth

#[derive(Clone, Debug)]
pub struct BreadthOpts {
    pub boards: u32,
    pub clients_per_board: u32,
    pub rate: f64,
    pub duration: Duration,
    pub drain: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BreadthReport {
    pub scenario: String,
    pub boards: u32,
    pub clients_per_board: u32,
    pub nofile_limit: u64,
    pub connect: ConnectStats,
    pub all_synced: bool,
    pub server_rss_before_mib: Option<f64>,
    pub server_rss_connected_mib: Option<f64>,
    pub server_cpu_connect_s: Option<f64>,
    pub traffic: Traffic,
    pub server: Option<ServerUsage>,
    pub load_generator: SelfUsage,
}

pub async fn breadth(common: &Common, o: &BreadthOpts, nofile_limit: u64) -> BreadthReport {
    let meter = SelfMeter::start();
    let probe = ServerProbe::start(common.server_pid);
    let rss_before = probe.rss_now();
    let n = o.boards * o.clients_per_board;
    let max_seq = (o.rate * o.duration.as_secs_f64()).ceil() as u32 + 8;
    let run = Run::new(n, max_seq);
    let specs = board_specs(
        common,
        "breadth-",
        o.boards,
        o.clients_per_board,
        0,
        max_seq,
    );
    let connected = connect_all(&run, specs, common).await;
    // let the server settle before reading its memory
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_connected = probe.rss_now();
    let cpu_connect = probe.cpu_so_far();
    let all_synced = connected.stats.synced == n as u64;
    let d = drive(&run, &connected.conns, o.rate, o.duration, o.drain).await;
    let results = close_all(connected.conns).await;
    let traffic = tally(&run, &d, &results, 0);
    let mut connect = connected.stats;
    connect.sync = durations_ms(results.iter().filter_map(|(_, r)| r.synced_after).collect());
    BreadthReport {
        scenario: "breadth".into(),
        boards: o.boards,
        clients_per_board: o.clients_per_board,
        nofile_limit,
        connect,
        all_synced,
        server_rss_before_mib: rss_before,
        server_rss_connected_mib: rss_connected,
        server_cpu_connect_s: cpu_connect,
        traffic,
        server: probe.finish(),
        load_generator: meter.finish(),
    }
}

impl BreadthReport {
    pub fn summary(&self) -> String {
        let c = &self.connect;
        let mut s = format!(
            "breadth: {} boards × {} clients = {} connections (RLIMIT_NOFILE raised to {})\n",
            self.boards, self.clients_per_board, c.attempted, self.nofile_limit
        );
        let _ = writeln!(
            s,
            "  connected {} (failed {}, retries {}) in {:.2} s; synced {} in {:.2} s{}",
            c.connected,
            c.failed,
            c.retries,
            c.open_wall_s,
            c.synced,
            c.synced_wall_s,
            if self.all_synced {
                " — all synced"
            } else {
                " — NOT all synced"
            }
        );
        for (k, v) in &c.failures {
            let _ = writeln!(s, "  connect failure: {v} × {k}");
        }
        let _ = writeln!(s, "  per-client sync time: {}", c.sync.line());
        if let (Some(a), Some(b)) = (self.server_rss_before_mib, self.server_rss_connected_mib) {
            let _ = writeln!(
                s,
                "  server RSS {:.1} MiB before, {:.1} MiB with everyone connected; {:.2} CPU s to connect them",
                a,
                b,
                self.server_cpu_connect_s.unwrap_or(0.0)
            );
        }
        s.push_str(&self.traffic.lines());
        if let Some(u) = &self.server {
            let _ = writeln!(s, "  server: {}", server_line(u));
        }
        let _ = writeln!(s, "  load generator: {}", self_line(&self.load_generator));
        s
    }
}

// ---------------------------------------------------------------------------------------
// cold load

#[derive(Clone, Debug)]
pub struct ColdOpts {
    /// Room name suffix (the room is `{prefix}-{room}`).
    pub room: String,
    pub updates: u32,
    pub connections: u32,
    pub repeat: u32,
    pub timeout: Duration,
    /// Updates a filling connection may have unconfirmed (not yet echoed); 0: no limit.
    pub window: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FillReport {
    pub scenario: String,
    pub room: String,
    pub updates: u32,
    pub connections: u32,
    /// Updates the observer saw on the board at the end.
    pub present: u64,
    pub complete: bool,
    pub fill_s: f64,
    pub updates_per_s: f64,
    pub ended: BTreeMap<String, u64>,
    pub server: Option<ServerUsage>,
    pub load_generator: SelfUsage,
}

/// Fills one board with `updates` updates sent over `connections` connections as fast as
/// the server takes them; an observer client checks that the board has them all.
pub async fn cold_fill(common: &Common, o: &ColdOpts) -> FillReport {
    let meter = SelfMeter::start();
    let probe = ServerProbe::start(common.server_pid);
    let k = o.connections.max(1);
    let per = o.updates.div_ceil(k);
    let run = Run::new(k + 1, per + 1);
    let room = common.target.room(&o.room);
    let url = common.target.room_url(&room);
    let observer = ConnSpec {
        url: url.clone(),
        sender: k,
        expect_from: 0..k,
        max_seq: per,
        payload: common.payload(),
        target: o.updates as u64,
    };
    let mut specs = vec![observer];
    for i in 0..k {
        specs.push(ConnSpec {
            url: url.clone(),
            sender: i,
            expect_from: i..i + 1,
            max_seq: per,
            payload: common.payload(),
            target: 0,
        });
    }
    let connected = connect_all(&run, specs, common).await;
    let t0 = Instant::now();
    let mut left = o.updates;
    for c in connected.conns.iter().filter(|c| c.spec.sender < k) {
        let n = per.min(left);
        left -= n;
        c.burst(n, o.window);
    }
    let deadline = t0 + o.timeout;
    while run.completed.load(Relaxed) < 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fill = t0.elapsed();
    let results = close_all(connected.conns).await;
    let obs = results.iter().find(|(s, _)| s.sender == k).map(|(_, r)| r);
    let present = obs.map(|r| r.distinct).unwrap_or(0);
    let mut ended = BTreeMap::new();
    for (_, r) in &results {
        if let Some(e) = &r.ended {
            *ended.entry(e.clone()).or_default() += 1;
        }
    }
    FillReport {
        scenario: "cold-load fill".into(),
        room,
        updates: o.updates,
        connections: k,
        present,
        complete: present >= o.updates as u64,
        fill_s: fill.as_secs_f64(),
        updates_per_s: present as f64 / fill.as_secs_f64(),
        ended,
        server: probe.finish(),
        load_generator: meter.finish(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadSample {
    pub handshake_ms: f64,
    pub first_step2_ms: Option<f64>,
    /// From the connection attempt until every update of the board had arrived.
    pub complete_ms: Option<f64>,
    pub present: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasureReport {
    pub scenario: String,
    pub room: String,
    pub expected: u32,
    /// One fresh client after another; the first is the cold load.
    pub samples: Vec<LoadSample>,
    pub server: Option<ServerUsage>,
    pub load_generator: SelfUsage,
}

/// Times fresh clients' first complete sync of a filled board, one after the other.
pub async fn cold_measure(common: &Common, o: &ColdOpts) -> MeasureReport {
    let meter = SelfMeter::start();
    let probe = ServerProbe::start(common.server_pid);
    let k = o.connections.max(1);
    let per = o.updates.div_ceil(k);
    let room = common.target.room(&o.room);
    let url = common.target.room_url(&room);
    let mut samples = Vec::new();
    for i in 0..o.repeat.max(1) {
        let run = Run::new(k + 1 + i, 1);
        let spec = ConnSpec {
            url: url.clone(),
            sender: k + 1 + i,
            expect_from: 0..k,
            max_seq: per,
            payload: common.payload(),
            target: o.updates as u64,
        };
        let c = match Conn::connect(run.clone(), spec, None, 1, o.timeout).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cold-load measure: connect failed: {e}");
                samples.push(LoadSample {
                    handshake_ms: 0.0,
                    first_step2_ms: None,
                    complete_ms: None,
                    present: 0,
                });
                continue;
            }
        };
        let handshake = c.connect_time;
        let deadline = Instant::now() + o.timeout;
        while run.completed.load(Relaxed) < 1 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        let (rec, _) = c.close().await;
        let complete = rec.complete_after.is_some();
        samples.push(LoadSample {
            handshake_ms: handshake.as_secs_f64() * 1e3,
            first_step2_ms: rec.synced_after.map(|d| d.as_secs_f64() * 1e3),
            complete_ms: rec.complete_after.map(|d| d.as_secs_f64() * 1e3),
            present: rec.distinct,
        });
        if !complete {
            // the board is not whole (or not within the timeout): more clients won't tell more
            break;
        }
    }
    MeasureReport {
        scenario: "cold-load measure".into(),
        room,
        expected: o.updates,
        samples,
        server: probe.finish(),
        load_generator: meter.finish(),
    }
}

impl FillReport {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "cold-load fill: {} updates over {} connections into {}: {} present{} in {:.2} s ({:.0} updates/s)\n",
            self.updates,
            self.connections,
            self.room,
            self.present,
            if self.complete { " (complete)" } else { " (INCOMPLETE)" },
            self.fill_s,
            self.updates_per_s
        );
        for (k, v) in &self.ended {
            let _ = writeln!(s, "  ended: {v} × {k}");
        }
        if let Some(u) = &self.server {
            let _ = writeln!(s, "  server: {}", server_line(u));
        }
        let _ = writeln!(s, "  load generator: {}", self_line(&self.load_generator));
        s
    }
}

impl MeasureReport {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "cold-load measure: {} ({} updates expected)\n",
            self.room, self.expected
        );
        for (i, x) in self.samples.iter().enumerate() {
            let _ = writeln!(
                s,
                "  client {}: handshake {:.1} ms, first step 2 {}, complete {} ({} updates)",
                i + 1,
                x.handshake_ms,
                x.first_step2_ms
                    .map_or("never".into(), |v| format!("{v:.1} ms")),
                x.complete_ms
                    .map_or("never".into(), |v| format!("{v:.1} ms")),
                x.present
            );
        }
        if let Some(u) = &self.server {
            let _ = writeln!(s, "  server: {}", server_line(u));
        }
        let _ = writeln!(s, "  load generator: {}", self_line(&self.load_generator));
        s
    }
}

// ---------------------------------------------------------------------------------------
// durable throughput

#[derive(Clone, Debug)]
pub struct DurableOpts {
    pub boards: u32,
    pub clients_per_board: u32,
    /// Total offered updates/s per step, in order.
    pub rates: Vec<f64>,
    pub step: Duration,
    pub drain: Duration,
    /// A step is sustained when at least this share of the offered updates was sent, all
    /// were delivered within the drain, and p99 latency stayed under `p99_limit_ms`.
    pub min_sent_ratio: f64,
    pub p99_limit_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DurableStep {
    pub offered_per_s: f64,
    pub traffic: Traffic,
    pub sustained: bool,
    pub server: Option<ServerUsage>,
    pub load_generator: SelfUsage,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DurableCheck {
    pub boards: u32,
    pub boards_synced: u32,
    pub expected: u64,
    pub present: u64,
    pub missing: u64,
    /// From connecting the checking clients until every board was whole (or 30 s).
    pub check_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DurableReport {
    pub scenario: String,
    pub boards: u32,
    pub clients_per_board: u32,
    pub step_s: f64,
    pub steps: Vec<DurableStep>,
    /// Highest offered rate sustained, and the updates/s actually sent in that step.
    pub sustained_offered_per_s: Option<f64>,
    pub sustained_sent_per_s: Option<f64>,
    pub check: DurableCheck,
    pub load_generator: SelfUsage,
}

pub async fn durable(common: &Common, o: &DurableOpts) -> DurableReport {
    let meter = SelfMeter::start();
    let per_step = o.boards * o.clients_per_board;
    let max_rate = o.rates.iter().cloned().fold(0.0, f64::max);
    let max_seq = (max_rate / per_step as f64 * o.step.as_secs_f64()).ceil() as u32 + 8;
    let run = Run::new(per_step * o.rates.len() as u32, max_seq);
    let mut steps = Vec::new();
    for (i, &rate) in o.rates.iter().enumerate() {
        let step_meter = SelfMeter::start();
        let probe = ServerProbe::start(common.server_pid);
        let first = i as u32 * per_step;
        let sent_before = run.total_sent();
        // the same boards every step, new clients (so each step's numbers stand alone)
        let specs = board_specs(
            common,
            "durable-",
            o.boards,
            o.clients_per_board,
            first,
            max_seq,
        );
        let connected = connect_all(&run, specs, common).await;
        let per_client = rate / per_step as f64;
        let d = drive(&run, &connected.conns, per_client, o.step, o.drain).await;
        let results = close_all(connected.conns).await;
        let traffic = tally(&run, &d, &results, sent_before);
        let sustained = traffic.lost == 0
            && traffic.sent as f64 >= o.min_sent_ratio * rate * o.step.as_secs_f64()
            && traffic.latency.p99_ms < o.p99_limit_ms
            && traffic.ended.is_empty();
        steps.push(DurableStep {
            offered_per_s: rate,
            traffic,
            sustained,
            server: probe.finish(),
            load_generator: step_meter.finish(),
        });
        if !sustained {
            break;
        }
    }
    // every update sent, in every step, must be on its board: one fresh client per board
    let steps_run = steps.len() as u32;
    let check_run = Run::new(per_step * steps_run + o.boards, 1);
    let mut specs = Vec::new();
    let mut expected_per_board = Vec::new();
    for b in 0..o.boards {
        let room = common.target.room(&format!("durable-{b}"));
        let mut expected = 0u64;
        for k in 0..steps_run {
            for c in 0..o.clients_per_board {
                expected += run.sent(k * per_step + b * o.clients_per_board + c) as u64;
            }
        }
        expected_per_board.push(expected);
        specs.push(ConnSpec {
            url: common.target.room_url(&room),
            sender: per_step * steps_run + b,
            expect_from: 0..per_step * steps_run,
            max_seq,
            payload: common.payload(),
            target: expected,
        });
    }
    let t_check = Instant::now();
    let connected = connect_all(&check_run, specs, common).await;
    // a server that loads boards slowly gets time: only what never arrives counts as missing
    let deadline = Instant::now() + o.drain.max(Duration::from_secs(30));
    while check_run.completed.load(Relaxed) < connected.conns.len() as u64
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let check_s = t_check.elapsed().as_secs_f64();
    let results = close_all(connected.conns).await;
    let mut check = DurableCheck {
        boards: o.boards,
        boards_synced: 0,
        expected: expected_per_board.iter().sum(),
        present: 0,
        missing: 0,
        check_s,
    };
    for (spec, rec) in &results {
        let b = (spec.sender - per_step * steps_run) as usize;
        if rec.synced_after.is_some() {
            check.boards_synced += 1;
        }
        // count only this board's senders
        let mut present = 0u64;
        for k in 0..steps_run {
            for c in 0..o.clients_per_board {
                let s = k * per_step + b as u32 * o.clients_per_board + c;
                present += rec.count_from(s, run.sent(s)) as u64;
            }
        }
        check.present += present;
    }
    check.missing = check.expected - check.present.min(check.expected);
    let last = steps.iter().rev().find(|s| s.sustained);
    DurableReport {
        scenario: "durable".into(),
        boards: o.boards,
        clients_per_board: o.clients_per_board,
        step_s: o.step.as_secs_f64(),
        sustained_offered_per_s: last.map(|s| s.offered_per_s),
        sustained_sent_per_s: last.map(|s| s.traffic.sent_per_s),
        steps,
        check,
        load_generator: meter.finish(),
    }
}

impl DurableReport {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "durable: {} boards × {} clients, {:.0} s per step\n",
            self.boards, self.clients_per_board, self.step_s
        );
        for st in &self.steps {
            let _ = write!(
                s,
                "- offered {:.0} updates/s: {}\n{}",
                st.offered_per_s,
                if st.sustained {
                    "sustained"
                } else {
                    "NOT sustained"
                },
                st.traffic.lines()
            );
            if let Some(u) = &st.server {
                let _ = writeln!(s, "  server: {}", server_line(u));
            }
            let _ = writeln!(s, "  load generator: {}", self_line(&st.load_generator));
        }
        let _ = writeln!(
            s,
            "highest sustained: {}",
            self.sustained_offered_per_s
                .map_or("none".into(), |v| format!(
                    "{v:.0} updates/s offered ({:.0} sent/s)",
                    self.sustained_sent_per_s.unwrap_or(0.0)
                ))
        );
        let c = &self.check;
        let _ = writeln!(
            s,
            "check with one fresh client per board: {} of {} boards synced, {} of {} updates present, {} missing ({:.1} s)",
            c.boards_synced, c.boards, c.present, c.expected, c.missing, c.check_s
        );
        s
    }
}

// ---------------------------------------------------------------------------------------
// reconnect

#[derive(Clone, Debug)]
pub struct ReconnectOpts {
    pub boards: u32,
    pub clients_per_board: u32,
    /// Updates each client sends before the drop, so the boards have content to resync.
    pub updates_before: u32,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReconnectReport {
    pub scenario: String,
    pub clients: u64,
    pub connect: ConnectStats,
    pub content_sent: u64,
    pub reconnected: u64,
    pub reconnect_failures: BTreeMap<String, u64>,
    /// From the drop until every reconnected client had its sync step 2.
    pub all_synced_s: Option<f64>,
    /// Per client: from the drop until its sync step 2.
    pub resync: Latency,
    /// Board content owed to the reconnected clients that never arrived.
    pub missing_after_resync: u64,
    pub server: Option<ServerUsage>,
    pub load_generator: SelfUsage,
}

pub async fn reconnect(common: &Common, o: &ReconnectOpts) -> ReconnectReport {
    let meter = SelfMeter::start();
    let probe = ServerProbe::start(common.server_pid);
    let n = o.boards * o.clients_per_board;
    let max_seq = o.updates_before + 8;
    let run = Run::new(n, max_seq);
    let specs = board_specs(
        common,
        "reconnect-",
        o.boards,
        o.clients_per_board,
        0,
        max_seq,
    );
    let connected = connect_all(&run, specs, common).await;
    let connect = connected.stats.clone();
    // some content on every board
    let per_sec = 20.0;
    let dur = Duration::from_secs_f64(o.updates_before as f64 / per_sec);
    let _ = drive(
        &run,
        &connected.conns,
        per_sec,
        dur,
        Duration::from_secs(10),
    )
    .await;
    let content_sent = run.total_sent();
    // everyone drops at once ...
    let t_drop = Instant::now();
    let drops: Vec<_> = connected
        .conns
        .into_iter()
        .map(|c| {
            tokio::spawn(async move {
                let spec = c.spec.clone();
                let (_, doc) = c.drop_now().await;
                (spec, doc)
            })
        })
        .collect();
    let mut dropped = Vec::new();
    for h in drops {
        if let Ok(x) = h.await {
            dropped.push(x);
        }
    }
    // ... and reconnects at once with its document, as a provider does
    let run2 = {
        // a fresh tally, same senders and send counts
        let r = Run::new(n, max_seq);
        for s in 0..n {
            r.senders[s as usize].sent.store(run.sent(s), Relaxed);
        }
        r
    };
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(
        common.connect_concurrency.max(1),
    ));
    let mut handles = Vec::new();
    for (mut spec, doc) in dropped {
        let run2 = run2.clone();
        let sem = sem.clone();
        let timeout = o.timeout;
        // owed: everything the board's other clients sent
        spec.target = spec
            .expect_from
            .clone()
            .filter(|&x| x != spec.sender)
            .map(|x| run.sent(x) as u64)
            .sum();
        handles.push(tokio::spawn(async move {
            let _p = sem.acquire_owned().await;
            Conn::connect(run2, spec, doc, 3, timeout).await
        }));
    }
    let mut conns = Vec::new();
    let mut failures = BTreeMap::new();
    for h in handles {
        match h.await {
            Ok(Ok(c)) => conns.push(c),
            Ok(Err(e)) => *failures.entry(e).or_default() += 1,
            Err(e) => *failures.entry(e.to_string()).or_default() += 1,
        }
    }
    let deadline = t_drop + o.timeout;
    while run2.synced.load(Relaxed) < conns.len() as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let all_synced =
        (run2.synced.load(Relaxed) == n as u64).then(|| t_drop.elapsed().as_secs_f64());
    while run2.completed.load(Relaxed) < conns.len() as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let reconnected = conns.len() as u64;
    let results = close_all(conns).await;
    let mut resync = Vec::new();
    let mut missing = 0u64;
    for (spec, rec) in &results {
        // from that client's own reconnect attempt to its sync step 2
        if let Some(d) = rec.synced_after {
            resync.push(d);
        }
        missing += spec.target - rec.distinct.min(spec.target);
    }
    ReconnectReport {
        scenario: "reconnect".into(),
        clients: n as u64,
        connect,
        content_sent,
        reconnected,
        reconnect_failures: failures,
        all_synced_s: all_synced,
        resync: durations_ms(resync),
        missing_after_resync: missing,
        server: probe.finish(),
        load_generator: meter.finish(),
    }
}

impl ReconnectReport {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "reconnect: {} clients ({} connected and synced in {:.2} s), {} updates of content\n",
            self.clients, self.connect.synced, self.connect.synced_wall_s, self.content_sent
        );
        let _ = writeln!(
            s,
            "  all dropped at once; {} reconnected; all synced again {}",
            self.reconnected,
            self.all_synced_s
                .map_or("NEVER (timeout)".into(), |v| format!(
                    "{v:.2} s after the drop"
                ))
        );
        let _ = writeln!(
            s,
            "  per-client time from its reconnect attempt to sync: {}",
            self.resync.line()
        );
        let _ = writeln!(
            s,
            "  board content missing after the resync: {}",
            self.missing_after_resync
        );
        for (k, v) in &self.reconnect_failures {
            let _ = writeln!(s, "  reconnect failure: {v} × {k}");
        }
        if let Some(u) = &self.server {
            let _ = writeln!(s, "  server: {}", server_line(u));
        }
        let _ = writeln!(s, "  load generator: {}", self_line(&self.load_generator));
        s
    }
}
