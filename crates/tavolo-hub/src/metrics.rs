//! Counters for `/metrics`, in Prometheus text format. Plain atomics: the hot path pays
//! one relaxed add per event, and rendering reads them without stopping anyone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Relaxed);
        self.sum_nanos.fetch_add(d.as_nanos() as u64, Relaxed);
    }

    fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.counts[BUCKETS.len()].load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_nanos.load(Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

#[derive(Default)]
pub struct Metrics {
    pub connections_open: AtomicI64,
    pub connections_total: AtomicU64,
    pub boards_live: AtomicI64,
    pub updates_applied: AtomicU64,
    pub updates_persisted: AtomicU64,
    pub commits: AtomicU64,
    pub compactions: AtomicU64,
    /// Compactions not done because the snapshot did not read back as the board.
    pub compactions_refused: AtomicU64,
    /// Fresh clients of a loading board answered from its stored snapshot.
    pub snapshot_syncs: AtomicU64,
    pub store_errors: AtomicU64,
    /// When a store error was last logged (ms since the Unix epoch) and how many were
    /// not logged since: with the disk full every refused write fails, and one line a
    /// second says so as well as hundreds would.
    store_error_logged_ms: AtomicU64,
    store_errors_unlogged: AtomicU64,
    /// From the arrival of a frame to its update being queued to every peer (this
    /// includes the commit).
    pub broadcast_latency: Histogram,
    /// How long a board waits for its batch to be in the log (group commit included).
    pub commit_latency: Histogram,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    /// Cross-node bus: events published and received, errors (failed publishes,
    /// malformed or dropped messages, lost subscriptions), gaps detected, catch-ups from
    /// the log, and the lag from publish to receipt.
    pub bus_published: AtomicU64,
    pub bus_received: AtomicU64,
    pub bus_errors: AtomicU64,
    pub bus_gaps: AtomicU64,
    pub bus_catchups: AtomicU64,
    pub bus_lag: Histogram,
}

impl Metrics {
    /// Counts a refused message or a closed-for-cause connection, by reason.
    /// Counts a failed database operation; returns `Some(n)` when it should be logged,
    /// with `n` the failures not logged since the last line (at most one line a second).
    pub fn store_error(&self) -> Option<u64> {
        self.store_errors.fetch_add(1, Relaxed);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let last = self.store_error_logged_ms.load(Relaxed);
        if now.saturating_sub(last) >= 1000
            && self
                .store_error_logged_ms
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_ok()
        {
            Some(self.store_errors_unlogged.swap(0, Relaxed))
        } else {
            self.store_errors_unlogged.fetch_add(1, Relaxed);
            None
        }
    }

    pub fn reject(&self, reason: &'static str) {
        // the audit log (tavolo-http's `audit` target) has every refusal too
        tracing::warn!(target: "audit", event = "rejected", reason);
        // Rare, so a mutex is fine, and it keeps the set of reasons open.
        let mut m = self.rejected.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(reason).or_default() += 1;
    }

    pub fn rejected(&self, reason: &str) -> u64 {
        let m = self.rejected.lock().unwrap_or_else(|e| e.into_inner());
        m.get(reason).copied().unwrap_or(0)
    }

    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let mut gauge = |name: &str, help: &str, kind: &str, v: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
            );
        };
        gauge(
            "tavolo_connections_open",
            "WebSocket connections open now.",
            "gauge",
            self.connections_open.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_connections_total",
            "WebSocket connections accepted since start.",
            "counter",
            self.connections_total.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_boards_live",
            "Boards loaded in memory now.",
            "gauge",
            self.boards_live.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_updates_applied_total",
            "Document updates that changed a board.",
            "counter",
            self.updates_applied.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_updates_persisted_total",
            "Document updates committed to the update log.",
            "counter",
            self.updates_persisted.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_commits_total",
            "Board batches committed (group commit).",
            "counter",
            self.commits.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_compactions_total",
            "Update logs folded into snapshots.",
            "counter",
            self.compactions.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_compactions_refused_total",
            "Compactions not done because the snapshot did not read back as the board.",
            "counter",
            self.compactions_refused.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_snapshot_syncs_total",
            "Fresh clients of a loading board answered from its stored snapshot.",
            "counter",
            self.snapshot_syncs.load(Relaxed).to_string(),
        );
        gauge(
            "tavolo_store_errors_total",
            "Failed database operations.",
            "counter",
            self.store_errors.load(Relaxed).to_string(),
        );
        let _ = writeln!(out, "# HELP tavolo_rejected_messages_total Messages refused or connections closed for cause, by reason.\n# TYPE tavolo_rejected_messages_total counter");
        {
            let m = self.rejected.lock().unwrap_or_else(|e| e.into_inner());
            for (reason, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "tavolo_rejected_messages_total{{reason=\"{reason}\"}} {n}"
                );
            }
        }
        self.broadcast_latency.render(
            "tavolo_broadcast_latency_seconds",
            "Time from receiving an update to queueing it to every peer, commit included.",
            &mut out,
        );
        self.commit_latency.render(
            "tavolo_commit_latency_seconds",
            "Time a board waits for a batch of updates to be committed to the log.",
            &mut out,
        );
        let mut counter = |name: &str, help: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        counter(
            "tavolo_bus_published_total",
            "Events published on the cross-node bus.",
            self.bus_published.load(Relaxed),
        );
        counter(
            "tavolo_bus_received_total",
            "Events received from other nodes.",
            self.bus_received.load(Relaxed),
        );
        counter(
            "tavolo_bus_errors_total",
            "Bus publish failures, lost subscriptions, dropped or malformed messages.",
            self.bus_errors.load(Relaxed),
        );
        counter(
            "tavolo_bus_gaps_total",
            "Gaps in a board's sequence numbers noticed on the bus or by the head check.",
            self.bus_gaps.load(Relaxed),
        );
        counter(
            "tavolo_bus_catchups_total",
            "Catch-ups of a board from the update log.",
            self.bus_catchups.load(Relaxed),
        );
        self.bus_lag.render(
            "tavolo_bus_lag_seconds",
            "Time from publish on one node to receipt on another.",
            &mut out,
        );
        out
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn store_errors_are_logged_once_a_second() {
        let m = Metrics::default();
        let logged: Vec<u64> = (0..500).filter_map(|_| m.store_error()).collect();
        assert_eq!(logged, vec![0], "one line for a burst");
        assert_eq!(
            m.store_errors.load(Relaxed),
            500,
            "every failure is counted"
        );
        // a second later the next one is logged, with how many were not
        m.store_error_logged_ms.fetch_sub(1000, Relaxed);
        assert_eq!(m.store_error(), Some(499));
    }

    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.reject("too_big");
        m.reject("too_big");
        m.broadcast_latency.observe(Duration::from_micros(700));
        m.broadcast_latency.observe(Duration::from_secs(9));
        let text = m.render();
        assert!(text.contains("tavolo_rejected_messages_total{reason=\"too_big\"} 2"));
        assert!(text.contains("tavolo_broadcast_latency_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("tavolo_broadcast_latency_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("tavolo_broadcast_latency_seconds_count 2"));
        m.commit_latency.observe(Duration::from_micros(80));
        let text = m.render();
        assert!(text.contains("tavolo_commit_latency_seconds_bucket{le=\"0.0001\"} 1"));
        assert!(text.contains("tavolo_commit_latency_seconds_count 1"));
        assert_eq!(m.rejected("too_big"), 2);
    }
}
