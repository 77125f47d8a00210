//! Test support: a real Tavolo server in this process on an ephemeral port, over a real
//! database (SQLite in a temporary directory, or a fresh PostgreSQL database).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tavolo_client::Client;
use tavolo_http::{AppOptions, AppState, ServeOptions};
use tavolo_hub::{metrics::Metrics, Hub, HubConfig};
use tavolo_store::testing::TestPostgres;
use tavolo_store::Store;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test's data lives; outlives server restarts.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<TestPostgres>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                TestDb {
                    url: format!("sqlite://{}/tavolo.db", dir.path().display()),
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let pg = TestPostgres::create().await;
                TestDb {
                    url: pg.url.clone(),
                    _dir: None,
                    pg: Some(pg),
                }
            }
        }
    }

    pub async fn cleanup(mut self) {
        if let Some(pg) = self.pg.take() {
            pg.drop_database().await;
        }
    }
}

pub fn test_config() -> HubConfig {
    HubConfig {
        max_message_bytes: 256 * 1024,
        idle_unload: Duration::from_millis(200),
        compact_after: 50,
        ..HubConfig::default()
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub hub: Hub,
    pub store: Store,
    /// The server's password hashing (its counters).
    pub passwords: tavolo_rooms::passwords::Passwords,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start(db: &TestDb) -> TestServer {
        Self::start_with(db, test_config()).await
    }

    /// With anonymous boards on (most tests use a board outside every workspace), without
    /// their rate and size limits (tests open many boards from one address, and big ones;
    /// `anonymous_boards_are_limited` tests the limits).
    pub async fn start_with(db: &TestDb, config: HubConfig) -> TestServer {
        let app = AppOptions {
            allow_anonymous_boards: true,
            anonymous_boards_per_minute: 0,
            anonymous_board_bytes: None,
            ..AppOptions::default()
        };
        Self::start_full(db, config, app, ServeOptions::default()).await
    }

    /// With the HTTP layer's own options (limits, timeouts).
    pub async fn start_options(db: &TestDb, app: AppOptions, serve: ServeOptions) -> TestServer {
        Self::start_full(db, test_config(), app, serve).await
    }

    pub async fn start_full(
        db: &TestDb,
        config: HubConfig,
        app: AppOptions,
        serve: ServeOptions,
    ) -> TestServer {
        Self::start_media(db, config, app, serve, None).await
    }

    /// With TURN servers handed to the browsers joining a call (`--turn-url`).
    pub async fn start_turn(db: &TestDb, turn: tavolo_media::turn::TurnOptions) -> TestServer {
        Self::start_media(
            db,
            test_config(),
            AppOptions::default(),
            ServeOptions::default(),
            Some(turn),
        )
        .await
    }

    async fn start_media(
        db: &TestDb,
        config: HubConfig,
        app: AppOptions,
        serve: ServeOptions,
        turn: Option<tavolo_media::turn::TurnOptions>,
    ) -> TestServer {
        let store = Store::open(&db.url).await.expect("open store");
        store.migrate().await.expect("migrate");
        let hub = Hub::new(store.clone(), config, Arc::new(Metrics::default()));
        // the media server too, as `tavolo` starts it (on any free UDP port)
        let media = tavolo_media::Media::start(tavolo_media::MediaOptions {
            bind: "127.0.0.1:0".parse().unwrap(),
            public_ip: None,
            turn,
            last_n: tavolo_media::routing::DEFAULT_LAST_N,
        })
        .await
        .expect("media server");
        let state =
            AppState::new(hub.clone(), store.clone(), 10_000, app).with_media(media.clone());
        let passwords = state.passwords.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(tavolo_http::run(listener, state, serve, async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            hub,
            store,
            passwords,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn ws_url(&self, board: &str) -> String {
        format!("ws://{}/sync/{}", self.addr, board)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn client(&self, board: &str) -> Client {
        let c = Client::connect(&self.ws_url(board)).await.expect("connect");
        c.wait_synced(WAIT).await.expect("initial sync");
        c
    }

    /// Graceful stop, as on SIGTERM.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
        self.store.close().await;
    }
}

/// A minimal HTTP GET, so tests need no HTTP client dependency. Returns (status, body).
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let r = request(addr, "GET", path, None, None, b"").await;
    (r.status, String::from_utf8_lossy(&r.body).into_owned())
}

/// An HTTP answer as bytes (chunked bodies already joined).
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// An HTTP/1.1 request with a binary body and a binary answer.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Raw {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    if let Some(t) = content_type {
        req.push_str(&format!("Content-Type: {t}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    // the body goes out while the answer is read: the server may answer (413) before it
    // has read a large body, and close
    let (mut rd, mut wr) = s.into_split();
    let body = body.to_vec();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&body).await;
        wr
    });
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 65536]; // on the heap: callers nest these futures deeply
    loop {
        match rd.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
    drop(writer.await);
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        // reset before any answer (only possible for refused oversized bodies)
        return Raw {
            status: 0,
            headers: vec![],
            body: vec![],
        };
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..nl])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    }
    Raw {
        status,
        headers,
        body,
    }
}

/// Declares one async test per backend from `async fn $name(backend: Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::common::Backend::Sqlite).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::common::Backend::Postgres).await }
            )*
        }
    };
}

/// Waits until everything `writer` has written is committed on the server: a fresh
/// client of the board (the server answers a newcomer only with committed state) has the
/// writer's whole history. Counting echoes would not do: the server merges the updates
/// that arrive together into one frame.
pub async fn committed(ws_url: &str, writer: &Client) {
    use yrs::{ReadTxn, Transact};
    let me = yrs::block::ClientID::new(writer.client_id());
    let want = writer.doc().transact().state_vector().get(&me);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let observer = Client::connect(ws_url).await.expect("connect");
        observer.wait_synced(WAIT).await.expect("sync");
        if observer.doc().transact().state_vector().get(&me) >= want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never had all of the writer's updates"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A small HTTP/1.1 client for API tests: JSON in, JSON out, cookies by hand.
pub struct Http {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub json: serde_json::Value,
}

impl Reply {
    pub fn cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.split(';').next().unwrap_or("").to_owned())
            .find(|c| !c.ends_with('='))
    }
}

impl Http {
    pub fn new(addr: SocketAddr) -> Http {
        Http { addr, cookie: None }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> Reply {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let content_type = (!body.is_empty()).then_some("application/json");
        let raw = request(
            self.addr,
            method,
            path,
            self.cookie.as_deref(),
            content_type,
            body.as_bytes(),
        )
        .await;
        Reply {
            json: raw.json(),
            status: raw.status,
            headers: raw.headers,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> Reply {
        self.call("POST", path, Some(body)).await
    }
}

/// A `tavolo` child process on an ephemeral port (for crash and multi-node tests).
pub struct TavoloProcess {
    pub child: tokio::process::Child,
    pub addr: String,
    _data: tempfile::TempDir,
}

impl TavoloProcess {
    pub async fn spawn(database_url: &str, extra: &[&str]) -> TavoloProcess {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let data = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tavolo"))
            .args(["--bind", "127.0.0.1:0", "--database-url", database_url])
            // any free UDP port for the media server: tests run side by side
            .args(["--media-udp", "127.0.0.1:0"])
            .args([
                "--anonymous-boards",
                "--anonymous-boards-per-minute=0",
                "--anonymous-board-mib=0",
            ])
            .args(extra)
            .arg("--data-dir")
            .arg(data.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn tavolo");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(WAIT, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    return rest.trim().to_owned();
                }
            }
            panic!("tavolo exited before listening");
        })
        .await
        .expect("tavolo starts listening");
        // keep reading stdout so the child never blocks on a full pipe
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        TavoloProcess {
            child,
            addr,
            _data: data,
        }
    }

    pub fn ws_url(&self, board: &str) -> String {
        format!("ws://{}/sync/{board}", self.addr)
    }

    pub async fn kill(&mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = self.child.wait().await;
    }

    /// The value of a Prometheus counter on this node's /metrics.
    pub async fn metric(&self, name: &str) -> f64 {
        let (_, body) = http_get(self.addr.parse().unwrap(), "/metrics").await;
        body.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }
}

/// A redis-server of the test's own on a free port, so it can be stopped and restarted.
pub struct TestRedis {
    pub port: u16,
    child: Option<tokio::process::Child>,
}

impl TestRedis {
    pub async fn start() -> TestRedis {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut r = TestRedis { port, child: None };
        r.restart().await;
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub async fn restart(&mut self) {
        let child = tokio::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 16];
                if s.write_all(b"PING\r\n").await.is_ok()
                    && s.read(&mut buf).await.is_ok()
                    && buf.starts_with(b"+PONG")
                {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.start_kill();
            let _ = c.wait().await;
        }
    }
}

/// A facilitator account (password "una password lunga"), signed in: the returned client
/// carries the login cookie.
pub async fn facilitator(server: &TestServer, email: &str) -> Http {
    tavolo_rooms::service::create_facilitator(
        &server.store,
        &server.passwords,
        email,
        "Facilitatrice",
        "una password lunga",
    )
    .await
    .unwrap();
    let mut fac = Http::new(server.addr);
    let r = fac
        .post(
            "/api/login",
            serde_json::json!({ "email": email, "password": "una password lunga" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    fac.cookie = r.cookie();
    assert!(fac.cookie.is_some());
    fac
}
