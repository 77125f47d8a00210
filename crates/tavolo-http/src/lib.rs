//! Tavolo's HTTP layer: routes, the WebSocket adapter and the serve loop.
//!
//! | route | what |
//! |---|---|
//! | `GET /…` | the web client, embedded at build time (`web.rs`); unknown paths get `index.html` |
//! | `GET /healthz` | JSON within a second: 200 when the database answers and the data's disk has room, 503 with the reasons otherwise (`health.rs`) |
//! | `GET /metrics` | Prometheus text (on `--metrics-bind`'s listener instead when set; with `--metrics-token`, only with `Authorization: Bearer TOKEN`) |
//! | `GET /sync/{board_id}` | the y-websocket endpoint (`new WebsocketProvider("ws://HOST/sync", boardId, doc)`) |
//!
//! Every request passes through [`security::guard`] first: cross-origin and form-encoded
//! state changes are refused there, and every answer gets the security headers.
//!
//! The binary (`server/`) only parses its options and calls [`run`].

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::ConnectInfo;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tavolo_hub::{Frame, Hub, Permit, ReadError};
use tavolo_store::Store;
use tavolo_sync::BoardId;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub mod api;
pub mod audit;
pub mod health;
pub mod security;
pub mod throttle;
mod web;

use tavolo_rooms::passwords::{PasswordLimits, Passwords};
pub use throttle::ThrottleOptions;

/// Whether this binary carries the built web client (`web/dist` at build time).
pub fn web_client_built() -> bool {
    web::is_built()
}

/// What the HTTP layer needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub store: Store,
    /// One permit per open WebSocket connection.
    pub connections: Arc<Semaphore>,
    pub options: Arc<AppOptions>,
    /// The sessions' control channels.
    pub live: tavolo_rooms::live::Live,
    /// Password hashing, bounded, off the async workers.
    pub passwords: Passwords,
    /// Failed sign-ins, per email and per address.
    pub logins: throttle::LoginThrottle,
    /// New anonymous boards, per address per minute.
    pub new_anonymous_boards: throttle::RateLimit,
    /// Invitation short codes tried, per address per minute.
    pub code_lookups: throttle::RateLimit,
    /// The media server (voice and video); `None` with `--no-media`.
    pub media: Option<tavolo_media::Media>,
}

/// Policy options of the HTTP layer.
#[derive(Clone, Debug)]
pub struct AppOptions {
    /// Whether boards that belong to no workspace may be opened by anyone with the link
    /// (off by default: `--anonymous-boards`; every such connection is an audit line).
    pub allow_anonymous_boards: bool,
    /// New anonymous boards (nothing stored yet) one client address (IPv6: its /64) may
    /// open per minute; more get 429 (`--anonymous-boards-per-minute`; 0: no limit).
    pub anonymous_boards_per_minute: u32,
    /// The most bytes an anonymous board may hold in the store (snapshot and log);
    /// an update that would take it past this is refused and its sender closed with
    /// 4007 (`--anonymous-board-mib`; `None`: no cap).
    pub anonymous_board_bytes: Option<usize>,
    /// Whether credential cookies carry `Secure` (set false only behind plain HTTP).
    pub secure_cookies: bool,
    /// How much password hashing may go on at once.
    pub passwords: PasswordLimits,
    /// The directory whose disk `/healthz` watches (where the SQLite database lives);
    /// `None` when the data is not local (PostgreSQL).
    pub data_dir: Option<std::path::PathBuf>,
    /// Less free space than this under `data_dir` is "disk full" for `/healthz`.
    pub min_free_disk_bytes: u64,
    /// The origin of `--public-url` (see [`security::origin_of`]): the only origin allowed
    /// on cookie-authenticated state changes and upgrades. `None`: the request's `Host`.
    pub public_origin: Option<String>,
    /// How long the setup link printed at a start stays valid.
    pub setup_link_ttl: Duration,
    /// Sign-in throttling.
    pub login_throttle: ThrottleOptions,
    /// Whether the main listener serves `/metrics` (false when it has its own listener).
    pub metrics_on_main: bool,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
    /// The zone of the times written in exports and minutes (`--time-zone`).
    pub time_zone: tavolo_export::TimeZone,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            allow_anonymous_boards: false,
            anonymous_boards_per_minute: DEFAULT_ANONYMOUS_BOARDS_PER_MINUTE,
            anonymous_board_bytes: Some(DEFAULT_ANONYMOUS_BOARD_MIB * 1024 * 1024),
            secure_cookies: true,
            passwords: PasswordLimits::default(),
            data_dir: None,
            min_free_disk_bytes: health::DEFAULT_MIN_FREE_BYTES,
            public_origin: None,
            setup_link_ttl: DEFAULT_SETUP_LINK_TTL,
            login_throttle: ThrottleOptions::default(),
            metrics_on_main: true,
            metrics_token: None,
            time_zone: tavolo_export::TimeZone::get(tavolo_export::DEFAULT_TIME_ZONE)
                .unwrap_or(tavolo_export::TimeZone::UTC),
        }
    }
}

/// `--anonymous-boards-per-minute`'s default.
pub const DEFAULT_ANONYMOUS_BOARDS_PER_MINUTE: u32 = 30;
/// `--anonymous-board-mib`'s default.
pub const DEFAULT_ANONYMOUS_BOARD_MIB: usize = 8;

/// How long a setup link stays valid by default.
pub const DEFAULT_SETUP_LINK_TTL: Duration = Duration::from_secs(24 * 3600);

impl AppState {
    pub fn new(hub: Hub, store: Store, max_connections: usize, options: AppOptions) -> AppState {
        let live = tavolo_rooms::live::Live::default();
        // Control events published by other nodes reach this node's clients.
        let mut remote = hub.remote_sessions();
        let relay = live.clone();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match remote.recv().await {
                    Ok((session, json)) => relay.publish(&session, json),
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                }
            }
        });
        AppState {
            hub,
            store,
            connections: Arc::new(Semaphore::new(max_connections)),
            passwords: Passwords::new(options.passwords.clone()),
            logins: throttle::LoginThrottle::new(options.login_throttle.clone()),
            new_anonymous_boards: throttle::RateLimit::new(
                options.anonymous_boards_per_minute,
                Duration::from_secs(60),
                10_000,
            ),
            code_lookups: throttle::RateLimit::new(
                api::invitations::CODE_LOOKUPS_PER_MINUTE,
                Duration::from_secs(60),
                10_000,
            ),
            options: Arc::new(options),
            live,
            media: None,
        }
    }

    /// With calls: the meetings' voice and video go through this media server.
    pub fn with_media(mut self, media: tavolo_media::Media) -> AppState {
        self.media = Some(media);
        self
    }

    /// What the meeting's use cases act on (`tavolo_rooms::service`).
    pub fn rooms(&self) -> tavolo_rooms::service::Rooms<'_> {
        tavolo_rooms::service::Rooms {
            store: &self.store,
            hub: &self.hub,
            live: &self.live,
        }
    }
}

/// How the serve loop behaves.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// How long shutdown waits for boards to flush and connections to close.
    pub shutdown_timeout: Duration,
    /// A connection that has not sent a whole request head this long after it opened (or
    /// after its previous answer, on a kept-alive connection) is closed: a client that
    /// sends its headers byte by byte, or never finishes them, holds nothing for long.
    pub header_timeout: Duration,
    /// A request body must have arrived whole this long after its head, or the request
    /// fails (and its connection closes).
    pub body_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            shutdown_timeout: Duration::from_secs(15),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics))
        // A wildcard, so that an id with a '/' in it gets a clear 400 rather than a 404.
        .route("/sync/{*board_id}", get(sync))
        .merge(api::router())
        .fallback(web::serve)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

async fn metrics(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if !s.options.metrics_on_main {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    metrics_text(&s, &headers)
}

/// The metrics router for a listener of its own (`--metrics-bind`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(s): State<AppState>, headers: HeaderMap| async move {
                metrics_text(&s, &headers)
            }),
        )
        .with_state(state)
}

/// Serves [`metrics_router`] on `listener` until `shutdown` resolves.
pub async fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

fn metrics_text(s: &AppState, headers: &HeaderMap) -> Response {
    if let Some(token) = &s.options.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        // compared in constant time: the token is a password
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need Authorization: Bearer <--metrics-token>\n",
            )
                .into_response();
        }
    }
    let mut text = s.hub.metrics().render();
    s.passwords.render(&mut text);
    if let Some(media) = &s.media {
        media.metrics.render(&mut text);
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct SyncQuery {
    token: Option<String>,
}

async fn sync(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<SyncQuery>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let board = match BoardId::parse(&raw) {
        Ok(b) => b,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("invalid board id: {e}\n")).into_response()
        }
    };
    // Who is asking and what they may do, before anything is upgraded or loaded; the
    // socket closes when their credential expires.
    let permit = match api::credentials::principal(&s, &headers, q.token.as_deref()).await {
        Ok(held) => api::socket_permit(&s, &held.who, &board, peer.ip())
            .await
            .map(|p| Permit {
                ends: held.deadline(),
                ..p
            }),
        Err(e) => Err(e),
    };
    let permit = match permit {
        Ok(p) => p,
        Err(e) => {
            audit::sync_denied(board.as_str(), &e.to_string());
            s.hub.metrics().reject("sync_denied");
            return e.into_response();
        }
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    if s.hub.is_shutting_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "server shutting down\n").into_response();
    }
    let slot = match s.connections.clone().try_acquire_owned() {
        Ok(p) => p,
        Err(_) => {
            s.hub.metrics().reject("connection_limit");
            return (StatusCode::SERVICE_UNAVAILABLE, "too many connections\n").into_response();
        }
    };
    let max = s.hub.config().max_message_bytes;
    let hub = s.hub.clone();
    ws.max_message_size(max)
        .max_frame_size(max)
        // tungstenite zero-fills its read buffer up to this size before every read: its
        // 128 KiB default cost a sixth of the CPU on small y-websocket messages (perf).
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| {
            let tracked = hub.track(serve_socket(hub.clone(), board, permit, socket));
            async move {
                tracked.await;
                drop(slot);
            }
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Bytes a WebSocket read asks for at once (larger messages take several reads).
pub const READ_BUFFER: usize = 8 * 1024;

/// Adapts axum's WebSocket to the hub's [`Frame`] stream and sink.
async fn serve_socket(hub: Hub, board: BoardId, permit: Permit, socket: WebSocket) {
    let socket = socket
        .with(|f: Frame| std::future::ready(Ok::<_, axum::Error>(to_axum(f))))
        .map(from_axum);
    tavolo_hub::conn::serve(hub, board, permit, socket).await;
}

fn to_axum(f: Frame) -> Message {
    match f {
        Frame::Binary(b) => Message::Binary(b),
        Frame::Text(t) => Message::Text(t.into()),
        Frame::Ping(b) => Message::Ping(b),
        Frame::Pong(b) => Message::Pong(b),
        Frame::Close(r) => Message::Close(r.map(|r| CloseFrame {
            code: r.code,
            reason: r.reason.into(),
        })),
    }
}

fn from_axum(m: Result<Message, axum::Error>) -> Result<Frame, ReadError> {
    use tokio_tungstenite::tungstenite::Error as WsError;
    match m {
        Ok(Message::Binary(b)) => Ok(Frame::Binary(b)),
        Ok(Message::Text(t)) => Ok(Frame::Text(t.to_string())),
        Ok(Message::Ping(b)) => Ok(Frame::Ping(b)),
        Ok(Message::Pong(b)) => Ok(Frame::Pong(b)),
        Ok(Message::Close(c)) => Ok(Frame::Close(
            c.map(|c| tavolo_hub::CloseReason::new(c.code, &c.reason)),
        )),
        Err(e) => {
            let inner = e.into_inner();
            match inner.downcast_ref::<WsError>() {
                Some(WsError::Capacity(_)) => Err(ReadError::TooBig),
                _ => Err(ReadError::Protocol(inner.to_string())),
            }
        }
    }
}

/// Whether a WebSocket read error is a frame over the socket's size limit (close 1009).
pub(crate) fn is_too_big(e: axum::Error) -> bool {
    matches!(from_axum(Err(e)), Err(ReadError::TooBig))
}

/// Connections the kernel completes and queues for us before we accept them. The standard
/// library listens with 128: when a whole meeting reconnects at once (a server restart, a
/// network blip) and the server is busy, the queue overflowed, the kernel dropped the
/// SYNs and those clients waited for TCP's 1 s retransmission. The kernel caps it at
/// `net.core.somaxconn` (4096 on current Linux).
pub const LISTEN_BACKLOG: u32 = 4096;

/// Binds the server's listening socket with [`LISTEN_BACKLOG`].
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // as std's bind does on Unix: a restarted server can bind while old connections
    // are still in TIME_WAIT
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves until `shutdown` resolves, then stops the hub: boards commit what they hold,
/// close their peers with 1001 and compact.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::Listener;
    let hub = state.hub.clone();
    let app = router(state).layer(tower_http::timeout::RequestBodyDeadlineLayer::new(
        opts.body_timeout,
    ));
    // Small frames, sent as they come: Nagle's algorithm would hold them back.
    let mut listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let stopping = tokio_util::sync::CancellationToken::new();
    let stop = stopping.clone();
    let hub_for_signal = hub.clone();
    let timeout = opts.shutdown_timeout;
    // Upgraded WebSocket connections are not waited for by axum's graceful shutdown:
    // the hub closes them itself, so it must hear the signal at the same time.
    let hub_stopped = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: flushing boards and closing connections");
        stop.cancel();
        hub_for_signal.shutdown(timeout).await;
    });
    // hyper's HTTP/1 connection as axum::serve drives it, plus a timer: axum::serve sets
    // none, and without one hyper never times out a request head.
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(opts.header_timeout);
    let connections = tokio_util::task::TaskTracker::new();
    loop {
        // accept errors (too many open files…) are logged and retried by axum's Listener
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.cancelled() => break,
        };
        // the peer's address, for sign-in throttling and the audit log
        let inner = hyper_util::service::TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
            use hyper::service::Service as _;
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            inner.call(req)
        });
        let conn = http
            .serve_connection(hyper_util::rt::TokioIo::new(io), service)
            .with_upgrades();
        let stop = stopping.clone();
        connections.spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let done = tokio::select! {
                done = conn.as_mut() => done,
                _ = stop.cancelled() => {
                    // finish the request in hand, then close
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = done {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    // Upgraded connections have left hyper (the hub closes them); wait for the rest.
    drop(listener);
    connections.close();
    connections.wait().await;
    let _ = hub_stopped.await;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
