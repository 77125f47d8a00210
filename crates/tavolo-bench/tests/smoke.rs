//! CI smoke run: a real Tavolo server in this process (SQLite in a temporary directory, an
//! ephemeral port), the fanout scenario with a few clients for about two seconds and a tiny
//! durable run, each with its zero-loss check.

use std::sync::Arc;
use std::time::Duration;
use tavolo_bench::common::{Common, Target};
use tavolo_bench::scenarios::{durable, fanout, DurableOpts, FanoutOpts};
use tavolo_http::{AppOptions, AppState, ServeOptions};
use tavolo_hub::{metrics::Metrics, Hub, HubConfig};
use tavolo_store::Store;

struct Server {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tavolo.db", dir.path().display());
    let store = Store::open(&url).await.expect("open store");
    store.migrate().await.expect("migrate");
    let hub = Hub::new(
        store.clone(),
        HubConfig::default(),
        Arc::new(Metrics::default()),
    );
    // the load generator opens many boards from one address, as the benchmarks do
    let options = AppOptions {
        allow_anonymous_boards: true,
        anonymous_boards_per_minute: 0,
        anonymous_board_bytes: None,
        ..AppOptions::default()
    };
    let state = AppState::new(hub, store.clone(), 10_000, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(tavolo_http::run(
        listener,
        state,
        ServeOptions::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    Server {
        addr,
        stop,
        task,
        store,
        _dir: dir,
    }
}

impl Server {
    fn common(&self, prefix: &str) -> Common {
        Common {
            target: Target::new(&format!("ws://{}/sync", self.addr), prefix).unwrap(),
            payload_bytes: 32,
            connect_concurrency: 16,
            connect_timeout: Duration::from_secs(10),
            server_pid: Some(std::process::id()),
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
        self.store.close().await;
    }
}

const SMALL_CLIENTS: u32 = 4;

/// The smoke size of the fan-out scenario: 4 clients, 10 updates/s each, for 2 s.
async fn small_fanout(common: &Common) -> tavolo_bench::scenarios::FanoutReport {
    fanout(
        common,
        &FanoutOpts {
            clients: SMALL_CLIENTS,
            rates: vec![10.0],
            duration: Duration::from_secs(2),
            drain: Duration::from_secs(5),
            p99_limit_ms: 2_000.0,
            stop_on_fail: true,
        },
    )
    .await
}

/// Every client synced, and every update reached every other client, each with a latency.
fn assert_all_delivered(r: &tavolo_bench::scenarios::FanoutReport) {
    let step = &r.steps[0];
    let t = &step.traffic;
    let clients = SMALL_CLIENTS as u64;
    assert_eq!(step.connect.synced, clients, "every client synced");
    assert!(t.sent >= 30, "sent {} updates, expected about 80", t.sent);
    assert_eq!(t.lost, 0, "nothing lost");
    assert_eq!(t.delivered, t.sent * (clients - 1));
    assert_eq!(t.latency.samples, t.delivered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_smoke_loses_nothing() {
    let server = start().await;
    let r = small_fanout(&server.common("smoke-fanout")).await;
    println!("{}", r.summary());
    assert_all_delivered(&r);
    let step = &r.steps[0];
    let t = &step.traffic;
    assert_eq!(t.expected_deliveries, t.delivered);
    assert!(t.ended.is_empty(), "no connection ended: {:?}", t.ended);
    // the latency numbers are ordered and sane
    let l = &t.latency;
    assert!(l.p50_ms > 0.0 && l.p50_ms <= l.p95_ms && l.p95_ms <= l.p99_ms && l.p99_ms <= l.max_ms);
    assert!(l.p99_ms < 2_000.0, "p99 {} ms", l.p99_ms);
    assert!(step.holds);
    assert!(r.capacity_delivered_per_s.unwrap() > 0.0);
    assert!(step.load_generator.wall_s > 1.5);
    assert!(step.server.as_ref().unwrap().rss_end_mib > 0.0);
    // the report serialises for the harness
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["scenario"], "fanout");
    server.stop().await;
}

/// The floor relay the harness measures next to the servers: the same scenario through
/// it delivers everything, to every other client, with a latency for each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_through_the_floor_relay_loses_nothing() {
    assert!(tavolo_bench::relay::bind("0.0.0.0:0".parse().unwrap())
        .await
        .is_err());
    let listener = tavolo_bench::relay::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let relay = tokio::spawn(tavolo_bench::relay::serve(
        listener,
        Duration::from_secs(60),
    ));
    let common = Common {
        target: Target::new(&format!("ws://{addr}"), "smoke-relay").unwrap(),
        payload_bytes: 32,
        connect_concurrency: 16,
        connect_timeout: Duration::from_secs(10),
        server_pid: None,
    };
    let r = small_fanout(&common).await;
    assert_all_delivered(&r);
    relay.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_smoke_loses_nothing() {
    let server = start().await;
    let r = durable(
        &server.common("smoke-durable"),
        &DurableOpts {
            boards: 3,
            clients_per_board: 2,
            rates: vec![100.0, 300.0],
            step: Duration::from_secs(1),
            drain: Duration::from_secs(5),
            min_sent_ratio: 0.5,
            p99_limit_ms: 5_000.0,
        },
    )
    .await;
    println!("{}", r.summary());
    assert!(!r.steps.is_empty());
    for s in &r.steps {
        assert_eq!(s.traffic.lost, 0, "lost updates at {} /s", s.offered_per_s);
    }
    assert_eq!(r.check.boards_synced, 3);
    assert!(r.check.expected >= 100, "expected {}", r.check.expected);
    assert_eq!(r.check.missing, 0, "every update sent is on its board");
    assert_eq!(r.check.present, r.check.expected);
    server.stop().await;
}
