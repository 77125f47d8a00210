//! Test support: a real Tavolo server in this process on an ephemeral port, over a real
//! database (SQLite in a temporary directory, or a fresh PostgreSQL database).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tavolo_client::Client;
use tavolo_http::{AppState, ServeOptions};
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
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start(db: &TestDb) -> TestServer {
        Self::start_with(db, test_config()).await
    }

    pub async fn start_with(db: &TestDb, config: HubConfig) -> TestServer {
        let store = Store::open(&db.url).await.expect("open store");
        store.migrate().await.expect("migrate");
        let hub = Hub::new(store.clone(), config, Arc::new(Metrics::default()));
        let state = AppState {
            hub: hub.clone(),
            store: store.clone(),
            connections: Arc::new(tokio::sync::Semaphore::new(10_000)),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(tavolo_http::run(
            listener,
            state,
            ServeOptions::default(),
            async move {
                let _ = stopped.await;
            },
        ));
        TestServer {
            addr,
            hub,
            store,
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
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
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
