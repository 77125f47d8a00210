//! The server under pressure from outside: password hashing off the async workers and
//! bounded, slow clients closed after the header and body timeouts, `/healthz` within a
//! second with PostgreSQL unreachable, and a start on a full disk.

mod common;

use common::{Backend, TavoloProcess, TestDb, TestServer, WAIT};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tavolo_client::Client;
use tavolo_http::{AppOptions, ServeOptions};
use tavolo_rooms::passwords::PasswordLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yrs::{GetString, Text, Transact};

const PASSWORD: &str = "una password lunga";

async fn login(addr: SocketAddr, email: &str, password: &str) -> common::Raw {
    let body = json!({ "email": email, "password": password }).to_string();
    common::request(
        addr,
        "POST",
        "/api/login",
        None,
        Some("application/json"),
        body.as_bytes(),
    )
    .await
}

async fn healthz(addr: SocketAddr) -> (u16, Value, Duration) {
    let t = Instant::now();
    let r = common::request(addr, "GET", "/healthz", None, None, b"").await;
    (r.status, r.json(), t.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn no_throttle() -> tavolo_http::throttle::ThrottleOptions {
    tavolo_http::throttle::ThrottleOptions {
        max_failures_per_email: 0,
        max_failures_per_ip: 0,
        ..Default::default()
    }
}

async fn server_with(app: AppOptions, serve: ServeOptions) -> (TestDb, TestServer) {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start_options(&db, app, serve).await;
    (db, server)
}

/// Hashing runs at most `concurrent` at once; a burst beyond the queue gets 503 with
/// Retry-After at once; an unknown email costs a hash like a known one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_hashing_is_bounded() {
    let app = AppOptions {
        passwords: PasswordLimits {
            concurrent: 1,
            queue: 1,
            wait: Duration::from_secs(30),
        },
        // these tests measure hashing, not the sign-in throttle (server/tests/security.rs)
        login_throttle: no_throttle(),
        ..AppOptions::default()
    };
    let (db, server) = server_with(app, ServeOptions::default()).await;
    let fac = common::facilitator(&server, "fac@example.org").await;
    drop(fac);

    // unknown emails: one hash each, the same answer as a wrong password
    let before = server.passwords.done();
    for i in 0..3 {
        let r = login(server.addr, &format!("nobody{i}@example.org"), PASSWORD).await;
        assert_eq!(r.status, 403);
    }
    let r = login(server.addr, "fac@example.org", "wrong password!").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        server.passwords.done() - before,
        4,
        "every check cost a hash"
    );

    // a burst: one hashes, one waits, the rest are refused at once
    let before = server.passwords.done();
    let burst: Vec<_> = (0..16)
        .map(|i| {
            let addr = server.addr;
            tokio::spawn(async move {
                let email = if i % 2 == 0 {
                    "fac@example.org".to_owned()
                } else {
                    format!("nobody{i}@example.org")
                };
                login(addr, &email, "wrong password!").await
            })
        })
        .collect();
    let (mut refused, mut checked) = (0, 0);
    for r in burst {
        let r = r.await.unwrap();
        match r.status {
            503 => {
                refused += 1;
                assert_eq!(r.header("retry-after"), Some("1"));
            }
            403 => checked += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(refused > 0, "a full queue refuses ({checked} checked)");
    assert!(checked >= 1);
    assert_eq!(server.passwords.done() - before, checked as u64);
    assert_eq!(server.passwords.peak(), 1, "never two hashes at once");
    let (_, metrics) = common::http_get(server.addr, "/metrics").await;
    assert!(
        metrics.contains(&format!("tavolo_password_hashes_refused_total {refused}\n")),
        "{metrics}"
    );
    // and the account still signs in
    assert_eq!(
        login(server.addr, "fac@example.org", PASSWORD).await.status,
        200
    );
    server.stop().await;
    db.cleanup().await;
}

/// Six parallel sign-in loops hardly slow /healthz down: its median during the loops is
/// compared with its idle median and with the time of one sign-in, both measured here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_do_not_hold_up_healthz() {
    let app = AppOptions {
        passwords: PasswordLimits {
            concurrent: 2,
            queue: 64,
            wait: Duration::from_secs(30),
        },
        // these tests measure hashing, not the sign-in throttle (server/tests/security.rs)
        login_throttle: no_throttle(),
        ..AppOptions::default()
    };
    let (db, server) = server_with(app, ServeOptions::default()).await;
    common::facilitator(&server, "fac@example.org").await;
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(healthz(server.addr).await.2);
    }
    let idle = median(idle);
    let mut one = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        assert_eq!(
            login(server.addr, "fac@example.org", "wrong!").await.status,
            403
        );
        one.push(t.elapsed());
    }
    let one = median(one);

    let stop = tokio_util::sync::CancellationToken::new();
    let loops: Vec<_> = (0..6)
        .map(|_| {
            let (addr, stop) = (server.addr, stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.is_cancelled() && n < 200 {
                    assert_eq!(login(addr, "fac@example.org", "wrong!").await.status, 403);
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(one * 2).await;
    let mut busy = Vec::new();
    for _ in 0..20 {
        let (status, _, t) = healthz(server.addr).await;
        assert_eq!(status, 200);
        busy.push(t);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    let mut logins = 0;
    for l in loops {
        logins += l.await.unwrap();
    }
    let busy = median(busy);
    println!("healthz idle {idle:?}, during {logins} sign-ins {busy:?}; one sign-in {one:?}");
    assert!(logins >= 6, "the loops were signing in");
    assert!(
        busy < idle * 10 + one / 4,
        "healthz took {busy:?} during sign-ins, {idle:?} idle (one sign-in: {one:?})"
    );
    server.stop().await;
    db.cleanup().await;
}

/// Reads until the server closes the connection; how long that took.
async fn closed_after(mut s: TcpStream) -> Duration {
    let t = Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(WAIT, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the server closes the connection");
    t.elapsed()
}

/// A client that sends its request head byte by byte, or nothing, is closed after the
/// header timeout; a body that never arrives whole fails after the body timeout; other
/// clients, WebSockets included, carry on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_closed() {
    let serve = ServeOptions {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        ..ServeOptions::default()
    };
    // the WebSocket that keeps working is on a board outside every workspace
    let app = AppOptions {
        allow_anonymous_boards: true,
        ..AppOptions::default()
    };
    let (db, server) = server_with(app, serve).await;
    let ws = server.client("slow").await;

    // slowloris: a header line a byte at a time, never finished
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let dripping = tokio::spawn(async move {
        let t = Instant::now();
        for b in b"X-Slow: ".iter().cycle() {
            if slow.write_all(&[*b]).await.is_err() || t.elapsed() > WAIT {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        t.elapsed()
    });
    // one that never sends a byte
    let silent = TcpStream::connect(server.addr).await.unwrap();
    let silent = closed_after(silent).await;
    assert!(
        silent < Duration::from_secs(5),
        "silent client closed after {silent:?}"
    );
    let dripped = dripping.await.unwrap();
    assert!(
        dripped < Duration::from_secs(5),
        "slowloris closed after {dripped:?}"
    );

    // a body that stops half-way
    let mut body = TcpStream::connect(server.addr).await.unwrap();
    body.write_all(
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
    )
    .await
    .unwrap();
    let t = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, body.read_to_end(&mut answer))
        .await
        .expect("the request with a stalled body ends")
        .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");

    // everyone else carried on: HTTP, and the WebSocket (idle longer than the timeouts)
    assert_eq!(healthz(server.addr).await.0, 200);
    let t = ws.doc().get_or_insert_text("t");
    ws.change(|txn| t.insert(txn, 0, "still here"));
    let other = server.client("slow").await;
    let ot = other.doc().get_or_insert_text("t");
    other
        .wait_until("the edit", WAIT, |c| {
            ot.get_string(&c.doc().transact()) == "still here"
        })
        .await
        .unwrap();
    ws.close().await;
    other.close().await;
    server.stop().await;
    db.cleanup().await;
}

/// A TCP relay to PostgreSQL that can stall (every byte held, new connections accepted
/// and left hanging: a network that drops packets) or go away (connection refused).
struct Relay {
    addr: SocketAddr,
    stall: tokio::sync::watch::Sender<bool>,
    gone: tokio_util::sync::CancellationToken,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stall, stalled) = tokio::sync::watch::channel(false);
        let gone = tokio_util::sync::CancellationToken::new();
        let cancelled = gone.clone();
        tokio::spawn(cancelled.clone().run_until_cancelled_owned(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let mut stalled = stalled.clone();
                let upstream = upstream.clone();
                tokio::spawn(cancelled.clone().run_until_cancelled_owned(async move {
                    let held = *stalled.borrow();
                    if held {
                        // the socket stays open, unanswered
                        std::future::pending::<()>().await;
                    }
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let relay = async {
                        tokio::select! {
                            _ = tokio::io::copy(&mut cr, &mut sw) => {},
                            _ = tokio::io::copy(&mut sr, &mut cw) => {},
                        }
                    };
                    tokio::select! {
                        _ = relay => {},
                        _ = async { stalled.wait_for(|s| *s).await.map(drop) } => {
                            // hold both sockets open and pass nothing on
                            std::future::pending::<()>().await;
                        }
                    }
                }));
            }
        }));
        Relay { addr, stall, gone }
    }

    fn stall(&self) {
        let _ = self.stall.send(true);
    }

    /// Closes the listener and every relayed connection.
    fn stop(&self) {
        self.gone.cancel();
    }
}

/// With PostgreSQL unreachable, /healthz answers 503 within a second (whether the
/// network holds the packets or refuses the connection), and other requests fail within
/// the pool's acquire timeout instead of hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_when_postgres_is_unreachable() {
    let mut db = TestDb::new(Backend::Postgres).await;
    let real = db.url.clone();
    let at = real.rfind('@').unwrap() + 1;
    let slash = at + real[at..].find('/').unwrap();
    let relay = Relay::start(real[at..slash].to_owned()).await;
    db.url = format!("{}{}{}", &real[..at], relay.addr, &real[slash..]);
    let server = TestServer::start(&db).await;
    let (status, health, _) = healthz(server.addr).await;
    assert_eq!(status, 200, "{health}");

    relay.stall();
    for _ in 0..3 {
        let (status, health, took) = healthz(server.addr).await;
        assert_eq!(status, 503, "{health}");
        assert_eq!(health["database"], "timeout", "{health}");
        assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    }
    relay.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, health, took) = healthz(server.addr).await;
    assert_eq!(status, 503, "{health}");
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");

    // a request that needs the database fails, within the acquire timeout
    let t = Instant::now();
    let r = common::request(server.addr, "GET", "/api/me", None, None, b"").await;
    let took = t.elapsed();
    assert_eq!(r.status, 500);
    println!("/api/me failed after {took:?}");
    assert!(
        took < tavolo_store::PG_ACQUIRE_TIMEOUT * 2,
        "/api/me took {took:?}"
    );
    db.url = real;
    // not a graceful stop: the stalled connections would hold it
    drop(server);
    db.cleanup().await;
}

/// A small tmpfs of the test's own, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { dir })
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Writes `name` until the disk has no room left.
    fn fill(&self, name: &str) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join(name)).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        // the last bytes, a page at a time
        while f.write_all(&chunk[..4096]).is_ok() {}
        let _ = f.sync_all();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

async fn health_of(node: &TavoloProcess) -> (u16, Value) {
    let (status, health, took) = healthz(node.addr.parse().unwrap()).await;
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    (status, health)
}

async fn sigterm(node: &mut TavoloProcess) {
    let pid = node.child.id().expect("running").to_string();
    let status = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
    tokio::time::timeout(WAIT, node.child.wait())
        .await
        .expect("tavolo stops on SIGTERM")
        .unwrap();
}

/// A full disk: /healthz says 503 "disk full" while serving; after a restart on the
/// still-full disk the server starts all the same, serves what is stored, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_full_start_and_healthz() {
    let Some(disk) = Tmpfs::mount("8m") else {
        eprintln!("SKIPPED disk_full_start_and_healthz: mounting a tmpfs is not permitted here (needs root)");
        return;
    };
    let url = format!("sqlite://{}/tavolo.db", disk.path().display());
    let args = ["--min-free-disk-mib", "1"];
    let mut node = TavoloProcess::spawn(&url, &args).await;
    let (status, health) = health_of(&node).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["disk"]["status"], "ok", "{health}");

    let writer = Client::connect(&node.ws_url("kept")).await.unwrap();
    writer.wait_synced(WAIT).await.unwrap();
    let t = writer.doc().get_or_insert_text("t");
    writer.change(|txn| t.insert(txn, 0, "scritto prima"));
    common::committed(&node.ws_url("kept"), &writer).await;
    writer.close().await;

    // the disk fills up under the running server
    disk.fill("filler");
    let (status, health) = health_of(&node).await;
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["disk"]["status"], "full", "{health}");
    assert_eq!(health["database"], "ok", "{health}");
    assert!(
        health["reasons"].to_string().contains("disk full"),
        "{health}"
    );
    std::fs::remove_file(disk.path().join("filler")).unwrap();
    let (status, health) = health_of(&node).await;
    assert_eq!(status, 200, "{health}");
    sigterm(&mut node).await;

    // full again, stopped: the next start has no room even for SQLite's index file
    disk.fill("filler");
    let mut node = TavoloProcess::spawn(&url, &args).await;
    let (status, health) = health_of(&node).await;
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["disk"]["status"], "full", "{health}");
    assert_eq!(health["database"], "read_only", "{health}");
    assert!(
        health["reasons"].to_string().contains("disk full"),
        "{health}"
    );
    let reader = Client::connect(&node.ws_url("kept")).await.unwrap();
    reader.wait_synced(WAIT).await.unwrap();
    let t = reader.doc().get_or_insert_text("t");
    assert_eq!(t.get_string(&reader.doc().transact()), "scritto prima");
    reader.close().await;
    node.kill().await;
}
