//! `tavolo-bench`: load scenarios against any y-websocket server on this machine, and the
//! report of the benchmark harness. `tavolo-bench --help` lists them.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;
use tavolo_bench::common::{Common, Target};
use tavolo_bench::scenarios::*;
use tavolo_bench::{report, stats};

/// Load generator for y-websocket servers (Tavolo or any other). Clients connect to
/// `{url}/{prefix}-{room}` like the official provider. Every run is bounded in clients,
/// updates and seconds, and only loopback targets (127.0.0.1, localhost, ::1) are allowed.
#[derive(Parser, Debug)]
#[command(name = "tavolo-bench", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Server URL; a room's URL is `{url}/{room}` (Tavolo: ws://127.0.0.1:PORT/sync).
    /// Several comma-separated URLs (nodes of one cluster) spread each board's clients
    /// over them in turn.
    #[arg(long)]
    url: String,
    /// Room names are `{prefix}-{scenario}{n}`. Default: `bench-` and a random tag.
    #[arg(long)]
    prefix: Option<String>,
    /// Print the result as JSON on stdout (the summary goes to stderr).
    #[arg(long)]
    json: bool,
    /// Server process to sample: RSS from /proc/PID/status, CPU from /proc/PID/stat.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Bytes in the value each update writes.
    #[arg(long, default_value_t = 32)]
    payload_bytes: usize,
    /// Connection handshakes in flight at once.
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// Seconds allowed to connect and sync one phase's clients.
    #[arg(long, default_value_t = 120)]
    connect_timeout: u64,
    /// Hard limit on the whole run, in seconds: past it the process exits.
    #[arg(long, default_value_t = 900)]
    max_seconds: u64,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// N clients on one board send small updates; latency to every other client, losses.
    /// With several rates, one step per rate (a fresh board each) and the capacity: the
    /// highest delivered updates/s of a step with p99 under the limit and nothing lost.
    Fanout {
        #[command(flatten)]
        g: Global,
        #[arg(long, default_value_t = 50)]
        clients: u32,
        /// Updates per second per client; a comma-separated list runs steps.
        #[arg(long, default_value = "5", value_delimiter = ',')]
        rate: Vec<f64>,
        #[arg(long, default_value_t = 30.0)]
        duration: f64,
        /// Seconds to wait for late deliveries after sending stops.
        #[arg(long, default_value_t = 10.0)]
        drain: f64,
        #[arg(long, default_value_t = 50.0)]
        p99_limit_ms: f64,
        /// Run every rate even after one fails.
        #[arg(long)]
        all_steps: bool,
    },
    /// B boards × C clients: connect time, all synced, server RSS/CPU, latency under light
    /// traffic. Raises RLIMIT_NOFILE for itself.
    Breadth {
        #[command(flatten)]
        g: Global,
        #[arg(long, default_value_t = 500)]
        boards: u32,
        #[arg(long, default_value_t = 20)]
        clients_per_board: u32,
        /// Updates per second per client.
        #[arg(long, default_value_t = 0.1)]
        rate: f64,
        #[arg(long, default_value_t = 20.0)]
        duration: f64,
        #[arg(long, default_value_t = 15.0)]
        drain: f64,
    },
    /// Fill a board with H updates, then time a fresh client's first complete sync.
    /// `--phase fill` and `--phase measure` let a harness restart the server in between.
    ColdLoad {
        #[command(flatten)]
        g: Global,
        #[arg(long, default_value = "both")]
        phase: String,
        /// Room suffix: the room is `{prefix}-{room}`.
        #[arg(long, default_value = "cold")]
        room: String,
        #[arg(long, default_value_t = 100_000)]
        updates: u32,
        /// Connections the fill is spread over (measure needs the same number).
        #[arg(long, default_value_t = 4)]
        connections: u32,
        /// Fresh clients to time one after the other (the first is the cold one).
        #[arg(long, default_value_t = 3)]
        repeat: u32,
        #[arg(long, default_value_t = 300.0)]
        timeout: f64,
        /// Updates a filling connection keeps unconfirmed (echoed back by the server) at
        /// most; 0 sends without waiting.
        #[arg(long, default_value_t = 64)]
        window: u32,
    },
    /// Highest sustained update rate over many boards, stepping the offered rate; then one
    /// fresh client per board checks that every update sent is there.
    Durable {
        #[command(flatten)]
        g: Global,
        #[arg(long, default_value_t = 50)]
        boards: u32,
        #[arg(long, default_value_t = 4)]
        clients_per_board: u32,
        /// Total offered updates/s per step.
        #[arg(
            long,
            default_value = "1000,2000,5000,10000,20000,40000",
            value_delimiter = ','
        )]
        rates: Vec<f64>,
        /// Seconds per step.
        #[arg(long, default_value_t = 8.0)]
        step: f64,
        #[arg(long, default_value_t = 5.0)]
        drain: f64,
        #[arg(long, default_value_t = 0.95)]
        min_sent_ratio: f64,
        #[arg(long, default_value_t = 1000.0)]
        p99_limit_ms: f64,
    },
    /// N clients connected; all drop at once and reconnect; time until all are synced.
    Reconnect {
        #[command(flatten)]
        g: Global,
        #[arg(long, default_value_t = 50)]
        boards: u32,
        #[arg(long, default_value_t = 20)]
        clients_per_board: u32,
        #[arg(long, default_value_t = 5)]
        updates_before: u32,
        #[arg(long, default_value_t = 120.0)]
        timeout: f64,
    },
    /// The floor of the fan-out scenario: a relay that forwards each update to every client
    /// of its room and does nothing else (no document, no storage). Only correct for rooms
    /// every client joins before the first update; for measuring, not for use.
    Relay {
        /// Loopback address to listen on.
        #[arg(long, default_value = "127.0.0.1:18799")]
        bind: std::net::SocketAddr,
        /// The relay exits after this many seconds.
        #[arg(long, default_value_t = 3600)]
        max_seconds: u64,
    },
    /// Writes the benchmark sections of BENCHMARKS.md from a harness run's JSON results,
    /// keeping every section it did not write.
    Report {
        /// Directory with `{server}/{scenario}.json` results and `run.json`.
        #[arg(long)]
        results: PathBuf,
        /// The file to update.
        #[arg(long)]
        out: PathBuf,
    },
}

const MAX_CLIENTS: u32 = 20_000;
const MAX_SECONDS: f64 = 600.0;

fn common(g: &Global) -> anyhow::Result<Common> {
    let prefix = g
        .prefix
        .clone()
        .unwrap_or_else(|| format!("bench-{:06x}", rand::random::<u32>() & 0xff_ffff));
    Ok(Common {
        target: Target::new(&g.url, &prefix)?,
        payload_bytes: g.payload_bytes.clamp(1, 64 * 1024),
        connect_concurrency: g.connect_concurrency,
        connect_timeout: Duration::from_secs(g.connect_timeout.clamp(1, 600)),
        server_pid: g.server_pid,
    })
}

fn secs(v: f64, what: &str) -> anyhow::Result<Duration> {
    anyhow::ensure!(
        v > 0.0 && v <= MAX_SECONDS,
        "{what} must be between 0 and {MAX_SECONDS} seconds"
    );
    Ok(Duration::from_secs_f64(v))
}

fn clients(n: u64) -> anyhow::Result<()> {
    anyhow::ensure!(
        n >= 1 && n <= MAX_CLIENTS as u64,
        "between 1 and {MAX_CLIENTS} clients per run"
    );
    Ok(())
}

fn rates(v: &[f64]) -> anyhow::Result<()> {
    anyhow::ensure!(
        !v.is_empty() && v.iter().all(|&r| r > 0.0 && r <= 1_000_000.0),
        "rates must be positive (at most 1,000,000/s)"
    );
    Ok(())
}

fn emit<T: serde::Serialize>(json: bool, value: &T, summary: String) {
    if json {
        eprint!("{summary}");
        println!("{}", serde_json::to_string_pretty(value).unwrap());
    } else {
        print!("{summary}");
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Cmd::Report { results, out } = &cli.cmd {
        return report::write(results, out);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let max = match &cli.cmd {
        Cmd::Fanout { g, .. }
        | Cmd::Breadth { g, .. }
        | Cmd::ColdLoad { g, .. }
        | Cmd::Durable { g, .. }
        | Cmd::Reconnect { g, .. } => g.max_seconds.clamp(1, 3600),
        Cmd::Relay { max_seconds, .. } => (*max_seconds).clamp(1, 24 * 3600) + 5,
        Cmd::Report { .. } => 60,
    };
    let r = rt.block_on(async {
        match tokio::time::timeout(Duration::from_secs(max), run(cli.cmd)).await {
            Ok(r) => r,
            Err(_) => Err(anyhow::anyhow!("stopped after --max-seconds {max}")),
        }
    });
    // don't wait for connection tasks still winding down
    rt.shutdown_timeout(Duration::from_secs(1));
    r
}

async fn run(cmd: Cmd) -> anyhow::Result<()> {
    match cmd {
        Cmd::Relay { bind, max_seconds } => {
            let listener = tavolo_bench::relay::bind(bind).await?;
            eprintln!("relay listening on ws://{}", listener.local_addr()?);
            let max = Duration::from_secs(max_seconds.clamp(1, 24 * 3600));
            tavolo_bench::relay::serve(listener, max).await;
        }
        Cmd::Fanout {
            g,
            clients: n,
            rate,
            duration,
            drain,
            p99_limit_ms,
            all_steps,
        } => {
            clients(n as u64)?;
            rates(&rate)?;
            let c = common(&g)?;
            let nofile = stats::raise_nofile(n as u64 * 2 + 1024);
            anyhow::ensure!(nofile > n as u64 + 64, "RLIMIT_NOFILE {nofile} is too low");
            let o = FanoutOpts {
                clients: n,
                rates: rate,
                duration: secs(duration, "--duration")?,
                drain: secs(drain, "--drain")?,
                p99_limit_ms,
                stop_on_fail: !all_steps,
            };
            let r = fanout(&c, &o).await;
            emit(g.json, &r, r.summary());
        }
        Cmd::Breadth {
            g,
            boards,
            clients_per_board,
            rate,
            duration,
            drain,
        } => {
            let n = boards as u64 * clients_per_board as u64;
            clients(n)?;
            rates(&[rate])?;
            let c = common(&g)?;
            let nofile = stats::raise_nofile(n + 4096);
            anyhow::ensure!(
                nofile > n + 64,
                "RLIMIT_NOFILE is {nofile} and could not be raised above {n} connections"
            );
            let o = BreadthOpts {
                boards,
                clients_per_board,
                rate,
                duration: secs(duration, "--duration")?,
                drain: secs(drain, "--drain")?,
            };
            let r = breadth(&c, &o, nofile).await;
            emit(g.json, &r, r.summary());
        }
        Cmd::ColdLoad {
            g,
            phase,
            room,
            updates,
            connections,
            repeat,
            timeout,
            window,
        } => {
            anyhow::ensure!(
                (1..=2_000_000).contains(&updates),
                "--updates between 1 and 2,000,000"
            );
            anyhow::ensure!(
                (1..=64).contains(&connections),
                "--connections between 1 and 64"
            );
            anyhow::ensure!((1..=20).contains(&repeat), "--repeat between 1 and 20");
            let c = common(&g)?;
            let o = ColdOpts {
                room,
                updates,
                connections,
                repeat,
                timeout: secs(timeout, "--timeout")?,
                window,
            };
            match phase.as_str() {
                "fill" => {
                    let r = cold_fill(&c, &o).await;
                    emit(g.json, &r, r.summary());
                }
                "measure" => {
                    let r = cold_measure(&c, &o).await;
                    emit(g.json, &r, r.summary());
                }
                "both" => {
                    let f = cold_fill(&c, &o).await;
                    let m = cold_measure(&c, &o).await;
                    let both =
                        serde_json::json!({"scenario": "cold-load", "fill": f, "measure": m});
                    emit(g.json, &both, f.summary() + &m.summary());
                }
                other => anyhow::bail!("--phase is fill, measure or both, not {other}"),
            }
        }
        Cmd::Durable {
            g,
            boards,
            clients_per_board,
            rates: r,
            step,
            drain,
            min_sent_ratio,
            p99_limit_ms,
        } => {
            let n = boards as u64 * clients_per_board as u64;
            clients(n * r.len() as u64)?;
            rates(&r)?;
            anyhow::ensure!(r.len() <= 20, "at most 20 steps");
            let c = common(&g)?;
            stats::raise_nofile(n * 2 + 4096);
            let o = DurableOpts {
                boards,
                clients_per_board,
                rates: r,
                step: secs(step, "--step")?,
                drain: secs(drain, "--drain")?,
                min_sent_ratio,
                p99_limit_ms,
            };
            let rep = durable(&c, &o).await;
            emit(g.json, &rep, rep.summary());
        }
        Cmd::Reconnect {
            g,
            boards,
            clients_per_board,
            updates_before,
            timeout,
        } => {
            let n = boards as u64 * clients_per_board as u64;
            clients(n)?;
            anyhow::ensure!(updates_before <= 1000, "--updates-before at most 1000");
            let c = common(&g)?;
            let nofile = stats::raise_nofile(n * 2 + 4096);
            anyhow::ensure!(nofile > n + 64, "RLIMIT_NOFILE {nofile} is too low");
            let o = ReconnectOpts {
                boards,
                clients_per_board,
                updates_before,
                timeout: secs(timeout, "--timeout")?,
            };
            let r = reconnect(&c, &o).await;
            emit(g.json, &r, r.summary());
        }
        Cmd::Report { .. } => unreachable!(),
    }
    Ok(())
}
