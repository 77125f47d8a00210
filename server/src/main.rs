//! `tavolo`: parses options, sets up logging and storage, and calls `tavolo_http::run`.

mod admin;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tavolo_http::{AppOptions, AppState, ServeOptions};
use tavolo_hub::{metrics::Metrics, Hub, HubConfig};
use tavolo_store::Store;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Tavolo: a self-hosted, real-time collaborative whiteboard for co-design tables
/// (co-programmazione e co-progettazione). With no options it serves on
/// 127.0.0.1:8080 and keeps its data in SQLite under ./data.
#[derive(Parser, Debug)]
#[command(name = "tavolo", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Address to listen on (use port 0 for any free port; the address is printed).
    #[arg(long, env = "TAVOLO_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,

    /// Directory for Tavolo's data (the SQLite database). Created if missing.
    #[arg(long, env = "TAVOLO_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,

    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: SQLite in the data dir.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,

    /// Log format.
    #[arg(
        long,
        env = "TAVOLO_LOG_FORMAT",
        value_enum,
        default_value = "human",
        global = true
    )]
    log_format: LogFormat,

    /// Largest message a client may send, in bytes; larger ones close the connection (1009).
    #[arg(long, env = "TAVOLO_MAX_MESSAGE_BYTES", default_value_t = 4 * 1024 * 1024)]
    max_message_bytes: usize,

    /// Messages one sync connection may send per second (bursts of twice as many); past
    /// that it is closed with 1008.
    #[arg(long, env = "TAVOLO_MAX_MESSAGES_PER_SEC", default_value_t = 500)]
    max_messages_per_sec: u32,

    /// Bytes one sync connection may send per second (bursts of two seconds' worth, or
    /// one largest message); past that it is closed with 1008.
    #[arg(long, env = "TAVOLO_MAX_BYTES_PER_SEC", default_value_t = 4 * 1024 * 1024)]
    max_bytes_per_sec: usize,

    /// Most WebSocket connections served at once; more are refused with 503.
    #[arg(long, env = "TAVOLO_MAX_CONNECTIONS", default_value_t = 20_000)]
    max_connections: usize,

    /// Frames queued to one connection before it is closed as too slow (1013) to resync.
    #[arg(long, env = "TAVOLO_OUTGOING_QUEUE", default_value_t = 1024)]
    outgoing_queue: usize,

    /// Seconds a board stays in memory after its last connection leaves.
    #[arg(long, env = "TAVOLO_IDLE_UNLOAD_SECS", default_value_t = 30)]
    idle_unload_secs: u64,

    /// Logged updates after which a board's log is folded into a snapshot.
    #[arg(long, env = "TAVOLO_COMPACT_AFTER", default_value_t = 1000)]
    compact_after: u64,

    /// Seconds between pings; a connection silent for three times this is closed.
    #[arg(long, env = "TAVOLO_PING_SECS", default_value_t = 15)]
    ping_secs: u64,

    /// Let anyone with the link open a board that belongs to no workspace (as with an
    /// unlisted link; for trying Tavolo out and for tests). Off: only workspace boards,
    /// each with its credential. Every anonymous connection is logged (target `audit`).
    #[arg(long, env = "TAVOLO_ANONYMOUS_BOARDS")]
    anonymous_boards: bool,

    /// New anonymous boards (ones with nothing stored yet) one client address (IPv6: its
    /// /64) may open per minute; past that the socket is refused with 429 and
    /// Retry-After. 0: no limit.
    #[arg(long, env = "TAVOLO_ANONYMOUS_BOARDS_PER_MINUTE", default_value_t = tavolo_http::DEFAULT_ANONYMOUS_BOARDS_PER_MINUTE)]
    anonymous_boards_per_minute: u32,

    /// The most an anonymous board may hold in the database (MiB, its snapshot and log);
    /// an update that would take it past this is refused and its sender closed with
    /// 4007 "this board is full". 0: no cap.
    #[arg(long, env = "TAVOLO_ANONYMOUS_BOARD_MIB", default_value_t = tavolo_http::DEFAULT_ANONYMOUS_BOARD_MIB)]
    anonymous_board_mib: usize,

    /// How SQLite commits reach the disk: `normal` (the commit is in the write-ahead log:
    /// it survives a crash of Tavolo, not a power cut) or `full` (fsync on every commit:
    /// survives a power cut too, slower). PostgreSQL is not affected.
    #[arg(long, env = "TAVOLO_SQLITE_SYNC", value_enum, default_value = "normal")]
    sqlite_sync: SqliteSyncArg,

    /// A message bus for several Tavolo nodes on one PostgreSQL: `redis://HOST:PORT`.
    /// Without it Tavolo runs as a single node.
    #[arg(long, env = "TAVOLO_BUS")]
    bus: Option<String>,

    /// Less free disk space than this (MiB) where the SQLite database lives makes
    /// /healthz answer 503 "disk full".
    #[arg(
        long,
        env = "TAVOLO_MIN_FREE_DISK_MIB",
        default_value_t = 100,
        global = true
    )]
    min_free_disk_mib: u64,

    /// Send credential cookies without `Secure`: only for plain HTTP on a trusted
    /// network (browsers accept Secure cookies on http://localhost and 127.0.0.1).
    #[arg(long, env = "TAVOLO_INSECURE_COOKIES")]
    insecure_cookies: bool,

    /// Password hashes (argon2id, for sign-in and account creation) computed at once, on
    /// blocking threads off the request workers. Default: one per core.
    #[arg(long, env = "TAVOLO_PASSWORD_HASHES")]
    password_hashes: Option<usize>,

    /// Sign-ins that may wait for a hashing slot (at most 5 s each); beyond that they are
    /// refused with 503 and Retry-After instead of piling up.
    #[arg(long, env = "TAVOLO_PASSWORD_QUEUE", default_value_t = 32)]
    password_queue: usize,

    /// Seconds a connection has to send a whole request head (after it opens, or after
    /// the previous answer on a kept-alive connection); then it is closed (slowloris).
    #[arg(long, env = "TAVOLO_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,

    /// Seconds a request body has to arrive whole after its head; then the request fails.
    #[arg(long, env = "TAVOLO_BODY_TIMEOUT_SECS", default_value_t = 60)]
    body_timeout_secs: u64,

    /// The address people open Tavolo at (`https://tavolo.comune.example`): the only
    /// origin allowed to make cookie-authenticated changes and open WebSockets. Unset: the
    /// origin whose host is the request's own `Host` (fine for local use).
    #[arg(long, env = "TAVOLO_PUBLIC_URL")]
    public_url: Option<String>,

    /// Hours the setup link printed at the first start stays valid (restart for a new
    /// one; each start's link replaces the earlier ones).
    #[arg(long, env = "TAVOLO_SETUP_LINK_HOURS", default_value_t = 24)]
    setup_link_hours: u64,

    /// Failed sign-ins for one email before each further attempt waits (1 s, doubling).
    /// 0: no limit by email.
    #[arg(long, env = "TAVOLO_LOGIN_MAX_FAILURES", default_value_t = 5)]
    login_max_failures: u32,

    /// Failed sign-ins from one client address (IPv6: /64) before each further attempt
    /// waits. Behind a reverse proxy all clients share its address: raise it, or 0 for no
    /// limit by address.
    #[arg(long, env = "TAVOLO_LOGIN_MAX_FAILURES_PER_IP", default_value_t = 20)]
    login_max_failures_per_ip: u32,

    /// The longest wait between sign-in attempts once throttled, in seconds.
    #[arg(long, env = "TAVOLO_LOGIN_MAX_BACKOFF_SECS", default_value_t = 900)]
    login_max_backoff_secs: u64,

    /// Serve /metrics on this address instead of the main one (e.g. 127.0.0.1:9090).
    #[arg(long, env = "TAVOLO_METRICS_BIND")]
    metrics_bind: Option<SocketAddr>,

    /// Require `Authorization: Bearer TOKEN` on /metrics.
    #[arg(long, env = "TAVOLO_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,

    /// The time zone of the times in exports and minutes (an IANA name).
    #[arg(long, env = "TAVOLO_TIME_ZONE", default_value = tavolo_export::DEFAULT_TIME_ZONE)]
    time_zone: String,

    /// The UDP address of the media server (voice and video): one port for every
    /// browser's call (port 0: any free port, logged).
    #[arg(long, env = "TAVOLO_MEDIA_UDP", default_value_t = SocketAddr::from(([127, 0, 0, 1], tavolo_media::sfu::DEFAULT_MEDIA_PORT)))]
    media_udp: SocketAddr,

    /// The address browsers reach the media server at (announced to them); default: the
    /// address of --media-udp, which must then not be 0.0.0.0.
    #[arg(long, env = "TAVOLO_MEDIA_PUBLIC_IP")]
    media_public_ip: Option<std::net::IpAddr>,

    /// The most videos the media server forwards to each browser in a call: those of the
    /// people who spoke last (every voice is forwarded).
    #[arg(long, env = "TAVOLO_CALL_LAST_N", default_value_t = tavolo_media::routing::DEFAULT_LAST_N, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    call_last_n: usize,

    /// No calls: do not start the media server (the call socket answers 410).
    #[arg(long, env = "TAVOLO_NO_MEDIA")]
    no_media: bool,

    /// A TURN server browsers may relay their media through when UDP to the media server
    /// is blocked (e.g. turn:turn.example.it:3478?transport=udp, turns:…:5349?transport=tcp);
    /// repeat the flag, or separate with commas, for several. Needs --turn-secret.
    #[arg(long = "turn-url", env = "TAVOLO_TURN_URL", value_delimiter = ',')]
    turn_urls: Vec<String>,

    /// The secret shared with the TURN server (coturn: use-auth-secret,
    /// static-auth-secret): each browser joining a call gets credentials made from it.
    #[arg(long, env = "TAVOLO_TURN_SECRET", hide_env_values = true)]
    turn_secret: Option<String>,

    /// How long the TURN credentials handed to a browser are valid.
    #[arg(long, env = "TAVOLO_TURN_TTL_SECS", default_value_t = tavolo_media::turn::DEFAULT_TTL_SECS)]
    turn_ttl_secs: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SqliteSyncArg {
    Normal,
    Full,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve Tavolo (what `tavolo` does with no command).
    Serve,
    /// Print a board as the server reads it, in the schema's JSON form (schema/README.md).
    BoardJson {
        /// The board id.
        board: String,
    },
    /// Operator commands: facilitators, workspaces, meetings, invitations, sync URLs.
    #[command(subcommand)]
    Admin(admin::Admin),
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let store = open_store(&cli).await?;
    let result = match &cli.command {
        None | Some(Command::Serve) => serve(&cli, store.clone()).await,
        Some(Command::BoardJson { board }) => board_json(&store, board).await,
        Some(Command::Admin(cmd)) => admin::run(&store, cmd).await,
    };
    store.close().await;
    result
}

/// The database's URL: `--database-url`, else SQLite in the data directory (created).
fn database_url(cli: &Cli) -> anyhow::Result<String> {
    Ok(match &cli.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&cli.data_dir)
                .with_context(|| format!("creating data directory {}", cli.data_dir.display()))?;
            format!("sqlite://{}/tavolo.db", cli.data_dir.display())
        }
    })
}

/// The directory holding the SQLite database, whose disk /healthz watches (none for
/// PostgreSQL).
fn sqlite_dir(url: &str) -> Option<PathBuf> {
    let file = tavolo_store::sqlite_file(url)?;
    let dir = file.parent()?;
    Some(if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.to_owned()
    })
}

fn min_free_disk_bytes(cli: &Cli) -> u64 {
    cli.min_free_disk_mib.saturating_mul(1024 * 1024)
}

async fn open_store(cli: &Cli) -> anyhow::Result<Store> {
    let url = database_url(cli)?;
    let options = tavolo_store::StoreOptions {
        sqlite_sync: match cli.sqlite_sync {
            SqliteSyncArg::Normal => tavolo_store::SqliteSync::Normal,
            SqliteSyncArg::Full => tavolo_store::SqliteSync::Full,
        },
    };
    let store = match Store::open_with(&url, &options).await {
        Ok(store) => store,
        Err(e) => match disk_full(&url, cli) {
            // SQLite cannot open its database as usual on a full disk (not even to read):
            // serve what is stored, read-only, with /healthz saying why, rather than not
            // at all.
            Some(free) => {
                tracing::error!(error = %e, free_bytes = free, "the disk is full: opening the database read-only; restart once there is space");
                Store::open_read_only(&url).await.with_context(|| {
                    format!(
                        "opening the database read-only ({}) after: {e}",
                        redact(&url)
                    )
                })?
            }
            None => {
                return Err(anyhow::Error::new(e)
                    .context(format!("opening the database ({})", redact(&url))))
            }
        },
    };
    store
        .migrate()
        .await
        .context("running database migrations")?;
    tracing::debug!(backend = ?store.backend(), "database ready");
    Ok(store)
}

/// The free bytes under the SQLite database when they are below the threshold.
fn disk_full(url: &str, cli: &Cli) -> Option<u64> {
    let free = tavolo_http::health::free_bytes(&sqlite_dir(url)?).ok()?;
    (free < min_free_disk_bytes(cli)).then_some(free)
}

async fn board_json(store: &Store, board: &str) -> anyhow::Result<()> {
    let id = tavolo_sync::BoardId::parse(board).context("board id")?;
    let stored = store.load_board(id.as_str()).await?;
    let (doc, problems) = tavolo_hub::rebuild_stored(&stored);
    for p in problems {
        tracing::warn!(board, problem = %p, "stored board data skipped");
    }
    let json = tavolo_board::Board::read(&doc).to_json();
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

/// The TURN settings, checked: a URL without a secret (or the reverse), a bad URL or a
/// short secret stops the start with the reason.
fn turn_options(cli: &Cli) -> anyhow::Result<Option<tavolo_media::turn::TurnOptions>> {
    let secret = cli.turn_secret.clone().filter(|s| !s.is_empty());
    let urls: Vec<String> = cli
        .turn_urls
        .iter()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    match (urls.is_empty(), secret) {
        (true, None) => Ok(None),
        (false, None) => anyhow::bail!(
            "--turn-url needs --turn-secret (TAVOLO_TURN_SECRET): the secret shared with the TURN server"
        ),
        (true, Some(_)) => anyhow::bail!("--turn-secret without --turn-url: which TURN server?"),
        (false, Some(secret)) => tavolo_media::turn::TurnOptions::new(
            urls,
            secret,
            Duration::from_secs(cli.turn_ttl_secs),
        )
        .map(Some)
        .map_err(|e| anyhow::anyhow!("--turn-url/--turn-secret/--turn-ttl-secs: {e}")),
    }
}

async fn serve(cli: &Cli, store: Store) -> anyhow::Result<()> {
    let turn = turn_options(cli)?;
    if turn.is_some() && cli.no_media {
        tracing::warn!("--turn-url with --no-media: there are no calls to relay");
    }
    let ping = Duration::from_secs(cli.ping_secs.max(1));
    let config = HubConfig {
        max_message_bytes: cli.max_message_bytes,
        max_messages_per_sec: cli.max_messages_per_sec,
        max_bytes_per_sec: cli.max_bytes_per_sec,
        outgoing_queue: cli.outgoing_queue,
        idle_unload: Duration::from_secs(cli.idle_unload_secs),
        compact_after: cli.compact_after.max(1),
        ping_interval: ping,
        pong_timeout: ping * 3,
        ..HubConfig::default()
    };
    let metrics = Arc::new(Metrics::default());
    let bus = match cli.bus.as_deref() {
        None => None,
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
            if store.backend() != tavolo_store::Backend::Postgres {
                anyhow::bail!("--bus needs a shared PostgreSQL database (--database-url postgres://…): SQLite is one node's file");
            }
            let stop = tokio_util::sync::CancellationToken::new();
            let bus = tavolo_hub::bus::connect_redis(url, metrics.clone(), stop)
                .with_context(|| format!("bus URL {url}"))?;
            tracing::info!(node = bus.0.node, "cross-node bus on Redis");
            Some(bus)
        }
        Some(other) => anyhow::bail!(
            "unsupported bus {other:?}: use redis://HOST:PORT (NATS is not supported yet)"
        ),
    };
    let hub = Hub::with_bus(store.clone(), config, metrics, bus);
    let options = AppOptions {
        allow_anonymous_boards: cli.anonymous_boards,
        anonymous_boards_per_minute: cli.anonymous_boards_per_minute,
        anonymous_board_bytes: (cli.anonymous_board_mib > 0)
            .then(|| cli.anonymous_board_mib.saturating_mul(1024 * 1024)),
        secure_cookies: !cli.insecure_cookies,
        passwords: tavolo_rooms::passwords::PasswordLimits {
            concurrent: cli
                .password_hashes
                .unwrap_or_else(tavolo_rooms::passwords::PasswordLimits::default_concurrent)
                .max(1),
            queue: cli.password_queue,
            ..Default::default()
        },
        data_dir: sqlite_dir(&database_url(cli)?),
        min_free_disk_bytes: min_free_disk_bytes(cli),
        public_origin: match &cli.public_url {
            Some(url) => Some(tavolo_http::security::origin_of(url).with_context(|| {
                format!("--public-url {url:?}: expected http(s)://HOST[:PORT]")
            })?),
            None => None,
        },
        setup_link_ttl: Duration::from_secs(cli.setup_link_hours.max(1) * 3600),
        login_throttle: tavolo_http::ThrottleOptions {
            max_failures_per_email: cli.login_max_failures,
            max_failures_per_ip: cli.login_max_failures_per_ip,
            max_backoff: Duration::from_secs(cli.login_max_backoff_secs.max(1)),
            forget_after: Duration::from_secs(cli.login_max_backoff_secs.max(1) * 2),
            ..Default::default()
        },
        metrics_on_main: cli.metrics_bind.is_none(),
        metrics_token: cli.metrics_token.clone().filter(|t| !t.is_empty()),
        time_zone: tavolo_export::TimeZone::get(&cli.time_zone).with_context(|| {
            format!(
                "--time-zone {:?}: not a time zone (e.g. Europe/Rome)",
                cli.time_zone
            )
        })?,
    };
    let mut state = AppState::new(hub, store.clone(), cli.max_connections, options);
    if !cli.no_media {
        let media = tavolo_media::Media::start(tavolo_media::MediaOptions {
            bind: cli.media_udp,
            public_ip: cli.media_public_ip,
            turn: turn.clone(),
            last_n: cli.call_last_n,
        })
        .await
        .with_context(|| format!("starting the media server on UDP {}", cli.media_udp))?;
        tracing::info!(media = %media.local_addr(), "media server listening (UDP)");
        if let Some(turn) = &turn {
            tracing::info!(?turn, "browsers get TURN credentials");
        }
        state = state.with_media(media);
    }
    let listener =
        tavolo_http::listen(cli.bind).with_context(|| format!("binding {}", cli.bind))?;
    let addr = listener.local_addr()?;
    let metrics_stop = tokio_util::sync::CancellationToken::new();
    if let Some(bind) = cli.metrics_bind {
        let metrics = tavolo_http::listen(bind).with_context(|| format!("binding {bind}"))?;
        let metrics_addr = metrics.local_addr()?;
        tracing::info!(%metrics_addr, "serving /metrics");
        let stop = metrics_stop.clone();
        tokio::spawn(tavolo_http::serve_metrics(
            metrics,
            state.clone(),
            async move { stop.cancelled().await },
        ));
    }
    // The one line on stdout: scripts and tests read the address from it.
    say(&format!("Tavolo listening on http://{addr}"));
    tracing::info!(%addr, "serving");
    if store.facilitator_count().await? == 0 {
        // First start: a one-time link to create the first facilitator account. Writing
        // it may fail (a full disk): serve all the same, the next start makes one.
        let token = tavolo_rooms::auth::new_token();
        match store
            .create_setup_token(&tavolo_rooms::auth::token_hash(&token))
            .await
        {
            Ok(()) => say(&format!(
                "First start: create the facilitator account at {}/setup/{token} (valid for {} h)",
                cli.public_url
                    .as_deref()
                    .map(|u| u.trim_end_matches('/').to_owned())
                    .unwrap_or_else(|| format!("http://{addr}")),
                cli.setup_link_hours.max(1)
            )),
            Err(e) => tracing::error!(error = %e, "no setup link: it could not be stored"),
        }
    }
    if !tavolo_http::web_client_built() {
        tracing::warn!(
            "this binary was built without the web client (web/dist): build it with scripts/run.sh"
        );
    }
    let serve_options = ServeOptions {
        header_timeout: Duration::from_secs(cli.header_timeout_secs.max(1)),
        body_timeout: Duration::from_secs(cli.body_timeout_secs.max(1)),
        ..ServeOptions::default()
    };
    tavolo_http::run(
        listener,
        state,
        serve_options,
        tavolo_http::shutdown_signal(),
    )
    .await?;
    metrics_stop.cancel();
    tracing::info!("stopped");
    Ok(())
}

/// A line for the operator on stdout. A closed stdout (the reader went away) is not a
/// reason to stop serving, as `println!` would.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
