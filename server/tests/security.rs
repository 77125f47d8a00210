//! The security review's points against the real server: cross-origin requests with the
//! facilitator's cookie, form-encoded requests, sign-in throttling, the setup link, the
//! security headers, facilitator tokens in the query, the audit log and /metrics.

mod common;

use common::{facilitator, Backend, Http, TestDb, TestServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tavolo_http::{AppOptions, ServeOptions, ThrottleOptions};
use tavolo_rooms::auth::{new_token, token_hash};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const EVIL: &str = "http://evil.example";

/// An answer: status, headers (lowercased names), JSON body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 request with any headers (the body's length is added).
async fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an answer");
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        json: serde_json::from_slice(&buf[end + 4..]).unwrap_or(Value::Null),
    }
}

/// A facilitator with a workspace, a meeting and a board; returns (fac, session, board).
async fn meeting(server: &TestServer, email: &str) -> (Http, String, String, String) {
    let fac = facilitator(server, email).await;
    let ws = fac.post("/api/workspaces", json!({ "name": "T" })).await;
    let workspace = ws.json["id"].as_str().unwrap().to_owned();
    let s = fac
        .post(
            &format!("/api/workspaces/{workspace}/sessions"),
            json!({ "title": "Incontro", "date": "2026-12-01" }),
        )
        .await;
    let session = s.json["id"].as_str().unwrap().to_owned();
    let b = fac
        .post(
            &format!("/api/sessions/{session}/boards"),
            json!({ "kind": "free", "title": "Idee" }),
        )
        .await;
    assert_eq!(b.status, 201, "{}", b.json);
    let board = b.json["id"].as_str().unwrap().to_owned();
    (fac, workspace, session, board)
}

/// A WebSocket handshake's status (101 when it upgraded).
async fn upgrade(url: &str, headers: &[(&str, &str)]) -> u16 {
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        let name: tokio_tungstenite::tungstenite::http::HeaderName = k.parse().unwrap();
        req.headers_mut().insert(
            name,
            tokio_tungstenite::tungstenite::http::HeaderValue::from_str(v).unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((_, r)) => r.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
        Err(e) => panic!("handshake failed: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_requests_with_the_cookie_are_refused() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start(&db).await;
    let (fac, _, session, board) = meeting(&server, "anna@comune.example").await;
    let cookie = fac.cookie.clone().unwrap();
    let own = format!("http://{}", server.addr);

    // the sync socket: refused before the upgrade from another origin, also by Referer
    let sync = server.ws_url(&board);
    let evil = [("Cookie", cookie.as_str()), ("Origin", EVIL)];
    assert_eq!(upgrade(&sync, &evil).await, 403);
    let evil_ref = format!("{EVIL}/page");
    let referer = [("Cookie", cookie.as_str()), ("Referer", evil_ref.as_str())];
    assert_eq!(upgrade(&sync, &referer).await, 403);
    let null = [("Cookie", cookie.as_str()), ("Origin", "null")];
    assert_eq!(upgrade(&sync, &null).await, 403);
    let same = [("Cookie", cookie.as_str()), ("Origin", own.as_str())];
    assert_eq!(upgrade(&sync, &same).await, 101);
    // the control socket (it lists members' names)
    let control = format!("ws://{}/api/sessions/{session}/control", server.addr);
    assert_eq!(upgrade(&control, &evil).await, 403);
    assert_eq!(upgrade(&control, &same).await, 101);

    // a participant's token in the query, without Origin (y-websocket in Node): allowed
    let invite = fac
        .post(
            &format!("/api/sessions/{session}/invites"),
            json!({ "role": "participant" }),
        )
        .await;
    let joined = Http::new(server.addr)
        .post(
            "/api/join",
            json!({ "token": invite.json["token"], "display_name": "Bruno" }),
        )
        .await;
    let token = joined.json["token"].as_str().unwrap();
    assert_eq!(upgrade(&format!("{sync}?token={token}"), &[]).await, 101);
    assert_eq!(upgrade(&format!("{control}?token={token}"), &[]).await, 101);

    // a form-style POST is refused whatever its origin (no Origin here)
    let close = format!("/api/sessions/{session}/close");
    for form in [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain;charset=UTF-8",
    ] {
        let r = send(
            server.addr,
            "POST",
            &close,
            &[("Cookie", &cookie), ("Content-Type", form)],
            "a=b",
        )
        .await;
        assert_eq!(r.status, 415, "{form}: {}", r.json);
        assert!(r.json["error"]
            .as_str()
            .unwrap()
            .contains("application/json"));
    }
    // a cross-origin POST with the cookie is refused, with a JSON error
    let r = send(
        server.addr,
        "POST",
        &close,
        &[("Cookie", &cookie), ("Origin", EVIL)],
        "",
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.json["error"].as_str().unwrap().contains("cross-origin"));
    let r = send(
        server.addr,
        "DELETE",
        &format!("/api/workspaces/{}", "x"),
        &[("Cookie", &cookie), ("Referer", &evil_ref)],
        "",
    )
    .await;
    assert_eq!(r.status, 403);
    let still_open = server.store.get_session(&session).await.unwrap().unwrap();
    assert!(still_open.closed_at.is_none(), "nothing was closed");
    // an opaque origin is foreign, unless the browser vouches that it is our own page's
    // (under Referrer-Policy: no-referrer browsers send Origin: null on same-origin POSTs)
    for (site, status) in [
        (None, 403),
        (Some("cross-site"), 403),
        (Some("same-site"), 403),
    ] {
        let mut h = vec![("Cookie", cookie.as_str()), ("Origin", "null")];
        h.extend(site.map(|s| ("Sec-Fetch-Site", s)));
        let r = send(server.addr, "POST", "/api/workspaces", &h, "").await;
        assert_eq!(r.status, status, "{site:?}");
    }
    let r = send(
        server.addr,
        "POST",
        "/api/workspaces",
        &[
            ("Cookie", &cookie),
            ("Origin", "null"),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
        ],
        r#"{"name":"Dal browser"}"#,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.json);
    // the same POST from the server's own page works
    let r = send(
        server.addr,
        "POST",
        &close,
        &[("Cookie", &cookie), ("Origin", &own)],
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    // a GET from another origin is not a change: answered as before
    let r = send(
        server.addr,
        "GET",
        "/api/me",
        &[("Cookie", &cookie), ("Origin", EVIL)],
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_url_is_the_only_origin() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start_options(
        &db,
        AppOptions {
            public_origin: Some("https://tavolo.comune.example".into()),
            ..AppOptions::default()
        },
        ServeOptions::default(),
    )
    .await;
    let (fac, _, _, board) = meeting(&server, "anna@comune.example").await;
    let cookie = fac.cookie.clone().unwrap();
    let sync = server.ws_url(&board);
    let own = format!("http://{}", server.addr);
    let host_origin = [("Cookie", cookie.as_str()), ("Origin", own.as_str())];
    assert_eq!(upgrade(&sync, &host_origin).await, 403);
    let public = [
        ("Cookie", cookie.as_str()),
        ("Origin", "https://tavolo.comune.example"),
    ];
    assert_eq!(upgrade(&sync, &public).await, 101);
    server.stop().await;
    db.cleanup().await;
}

fn throttled_options() -> AppOptions {
    AppOptions {
        login_throttle: ThrottleOptions {
            max_failures_per_email: 3,
            max_failures_per_ip: 0,
            base_backoff: Duration::from_millis(400),
            ..ThrottleOptions::default()
        },
        ..AppOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start_options(&db, throttled_options(), ServeOptions::default()).await;
    facilitator(&server, "anna@comune.example").await;
    let login = |password: &'static str| {
        let h = Http::new(server.addr);
        async move {
            h.post(
                "/api/login",
                json!({ "email": "Anna@comune.example", "password": password }),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(login("sbagliata!!").await.status, 403);
    }
    // throttled: the right password too, with Retry-After
    let r = login("una password lunga").await;
    assert_eq!(r.status, 429, "{}", r.json);
    let retry: u64 = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
        .map(|(_, v)| v.parse().unwrap())
        .expect("Retry-After");
    assert!(retry >= 1);
    // another email is not affected
    assert_eq!(
        Http::new(server.addr)
            .post(
                "/api/login",
                json!({ "email": "bruno@comune.example", "password": "x" })
            )
            .await
            .status,
        403
    );
    // after the back-off the right password works again
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(login("una password lunga").await.status, 200);
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_address() {
    let db = TestDb::new(Backend::Sqlite).await;
    let mut options = throttled_options();
    options.login_throttle.max_failures_per_email = 0;
    options.login_throttle.max_failures_per_ip = 4;
    let server = TestServer::start_options(&db, options, ServeOptions::default()).await;
    for i in 0..4 {
        let r = Http::new(server.addr)
            .post(
                "/api/login",
                json!({ "email": format!("{i}@comune.example"), "password": "x" }),
            )
            .await;
        assert_eq!(r.status, 403);
    }
    let r = Http::new(server.addr)
        .post(
            "/api/login",
            json!({ "email": "5@comune.example", "password": "x" }),
        )
        .await;
    assert_eq!(r.status, 429);
    server.stop().await;
    db.cleanup().await;
}

/// A setup token straight into the database (as another start, or another node, made it).
async fn insert_setup_token(url: &str, hash: &str, created_at: i64) {
    use sqlx::Connection;
    let sql = "INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)";
    if url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(hash)
            .bind(created_at)
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(hash)
            .bind(created_at)
            .execute(&mut c)
            .await
            .unwrap();
    }
}

async fn setup(server: &TestServer, token: &str, email: &str, password: &str) -> Answer {
    let body =
        json!({ "token": token, "email": email, "display_name": "Anna", "password": password });
    send(
        server.addr,
        "POST",
        "/api/setup",
        &[("Content-Type", "application/json")],
        &body.to_string(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setup_link_survives_a_refused_input_and_expires() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start(&db).await;
    // an earlier start's link is replaced by the next start's
    let earlier = new_token();
    server
        .store
        .create_setup_token(&token_hash(&earlier))
        .await
        .unwrap();
    let token = new_token();
    server
        .store
        .create_setup_token(&token_hash(&token))
        .await
        .unwrap();
    let r = setup(
        &server,
        &earlier,
        "anna@comune.example",
        "una password lunga",
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.json);
    // an expired link (made more than a day ago) is refused
    let old = new_token();
    insert_setup_token(
        &db.url,
        &token_hash(&old),
        tavolo_store::now_ms() - 25 * 3_600_000,
    )
    .await;
    let r = setup(&server, &old, "anna@comune.example", "una password lunga").await;
    assert_eq!(r.status, 403, "{}", r.json);
    // a validation error leaves the link usable
    let r = setup(&server, &token, "anna@comune.example", "corta").await;
    assert_eq!(r.status, 400, "{}", r.json);
    let r = setup(&server, &token, "non-un-indirizzo", "una password lunga").await;
    assert_eq!(r.status, 400, "{}", r.json);
    let r = setup(&server, &token, "anna@comune.example", "una password lunga").await;
    assert_eq!(r.status, 200, "{}", r.json);
    // and then it is used
    let r = setup(
        &server,
        &token,
        "bruno@comune.example",
        "una password lunga",
    )
    .await;
    assert_eq!(r.status, 410, "{}", r.json);
    assert_eq!(server.store.facilitator_count().await.unwrap(), 1);
    server.stop().await;
    db.cleanup().await;
}

/// Several setups at once, each with a valid link of its own (links made by nodes
/// starting together): one facilitator.
async fn concurrent_setups_make_one_facilitator(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let mut tokens = Vec::new();
    for _ in 0..4 {
        let t = new_token();
        insert_setup_token(&db.url, &token_hash(&t), tavolo_store::now_ms()).await;
        tokens.push(t);
    }
    let answers = futures_util::future::join_all(tokens.iter().enumerate().map(|(i, t)| {
        let email = format!("f{i}@comune.example");
        let server = &server;
        async move { setup(server, t, &email, "una password lunga").await }
    }))
    .await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 410),
        "{statuses:?}"
    );
    assert_eq!(server.store.facilitator_count().await.unwrap(), 1);
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_setups_make_one_facilitator_sqlite() {
    concurrent_setups_make_one_facilitator(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_setups_make_one_facilitator_postgres() {
    concurrent_setups_make_one_facilitator(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_the_api_carry_the_security_headers() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start(&db).await;
    for path in [
        "/",
        "/join/abcdef",
        "/api/me",
        "/api/openapi.json",
        "/healthz",
    ] {
        let r = send(server.addr, "GET", path, &[], "").await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains(&format!("ws://{}", server.addr)),
            "{path}: {csp}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
    }
    // errors too
    let r = send(server.addr, "GET", "/api/workspaces", &[], "").await;
    assert_eq!(r.status, 401);
    assert!(r.header("content-security-policy").is_some());
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facilitator_tokens_are_not_taken_from_the_query() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start(&db).await;
    let (fac, _, session, _) = meeting(&server, "anna@comune.example").await;
    let token = fac.cookie.as_deref().unwrap().split_once('=').unwrap().1;
    let r = send(
        server.addr,
        "GET",
        &format!("/api/me?token={token}"),
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.json);
    let r = send(server.addr, "GET", "/api/workspaces", &[], "").await;
    assert_eq!(r.status, 401);
    let r = send(
        server.addr,
        "GET",
        &format!("/api/workspaces?token={token}"),
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.json);
    // the control socket is a REST route too
    let control = format!(
        "ws://{}/api/sessions/{session}/control?token={token}",
        server.addr
    );
    assert_eq!(upgrade(&control, &[]).await, 401);
    // the Authorization header and the cookie work
    let bearer = format!("Bearer {token}");
    let r = send(
        server.addr,
        "GET",
        "/api/me",
        &[("Authorization", &bearer)],
        "",
    )
    .await;
    assert_eq!(r.json["kind"], "facilitator");
    assert_eq!(fac.get("/api/me").await.json["kind"], "facilitator");
    server.stop().await;
    db.cleanup().await;
}

/// The tracing output of this test binary, as JSON lines (installed once).
fn captured() -> Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new("audit=info"))
            .with_writer(move || Sink(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The audit lines captured so far, as JSON.
fn audit_lines() -> Vec<Value> {
    let buf = captured();
    let text = String::from_utf8_lossy(&buf.lock().unwrap()).into_owned();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "audit")
        .collect()
}

fn has_event(lines: &[Value], event: &str, field: &str, value: &str) -> bool {
    lines
        .iter()
        .any(|l| l["fields"]["event"] == event && l["fields"][field] == value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_events_are_audited() {
    captured();
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start(&db).await;
    let (fac, workspace, session, _) = meeting(&server, "audit@comune.example").await;
    let bad = Http::new(server.addr)
        .post(
            "/api/login",
            json!({ "email": "audit@comune.example", "password": "sbagliata" }),
        )
        .await;
    assert_eq!(bad.status, 403);
    let invite = fac
        .post(
            &format!("/api/sessions/{session}/invites"),
            json!({ "role": "observer", "hours": 2 }),
        )
        .await;
    let invite_id = invite.json["id"].as_str().unwrap().to_owned();
    fac.post(&format!("/api/invites/{invite_id}/revoke"), json!({}))
        .await;
    let cookie = fac.cookie.clone().unwrap();
    let r = send(
        server.addr,
        "POST",
        &format!("/api/sessions/{session}/close"),
        &[("Cookie", &cookie), ("Origin", "http://audit.evil.example")],
        "",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        fac.call("DELETE", &format!("/api/workspaces/{workspace}"), None)
            .await
            .status,
        200
    );
    let lines = audit_lines();
    let fac_id = server
        .store
        .facilitator_by_email("audit@comune.example")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(
        has_event(&lines, "login", "facilitator", &fac_id),
        "{lines:?}"
    );
    assert!(
        has_event(&lines, "login_failed", "email", "audit@comune.example"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l["fields"]["event"] == "login_failed"
        && l["fields"]["reason"] == "wrong_password"
        && l["fields"]["ip"] == "127.0.0.1"));
    assert!(has_event(&lines, "invite_issued", "invite", &invite_id));
    assert!(has_event(&lines, "invite_revoked", "invite", &invite_id));
    assert!(has_event(
        &lines,
        "refused",
        "origin",
        "http://audit.evil.example"
    ));
    assert!(has_event(&lines, "deleted", "id", &workspace));
    server.stop().await;
    db.cleanup().await;
}

/// A server whose /metrics is on a listener of its own; returns (server, metrics address).
async fn with_metrics_listener(
    db: &TestDb,
    token: Option<&str>,
) -> (TestServer, std::net::SocketAddr) {
    let server = TestServer::start_options(
        db,
        AppOptions {
            metrics_on_main: false,
            metrics_token: token.map(str::to_owned),
            ..AppOptions::default()
        },
        ServeOptions::default(),
    )
    .await;
    let state = tavolo_http::AppState::new(
        server.hub.clone(),
        server.store.clone(),
        10,
        AppOptions {
            metrics_on_main: false,
            metrics_token: token.map(str::to_owned),
            ..AppOptions::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(tavolo_http::serve_metrics(
        listener,
        state,
        std::future::pending(),
    ));
    (server, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_their_own_address() {
    let db = TestDb::new(Backend::Sqlite).await;
    let (server, metrics) = with_metrics_listener(&db, None).await;
    let main = send(server.addr, "GET", "/metrics", &[], "").await;
    assert_eq!(main.status, 404, "not on the main listener");
    let (status, body) = common::http_get(metrics, "/metrics").await;
    assert_eq!(status, 200);
    assert!(body.contains("tavolo_connections_open"), "{body}");
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_behind_a_token() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = TestServer::start_options(
        &db,
        AppOptions {
            metrics_token: Some("segreto-delle-metriche".into()),
            ..AppOptions::default()
        },
        ServeOptions::default(),
    )
    .await;
    let r = send(server.addr, "GET", "/metrics", &[], "").await;
    assert_eq!(r.status, 401);
    let r = send(
        server.addr,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer sbagliato")],
        "",
    )
    .await;
    assert_eq!(r.status, 401);
    let r = send(
        server.addr,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer segreto-delle-metriche")],
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    server.stop().await;
    db.cleanup().await;
}

// ------------------------------------------------------------------ anonymous boards

/// A WebSocket handshake refused with its status and `Retry-After`, or `None` if it
/// upgraded.
async fn refused_upgrade(url: &str) -> Option<(u16, Option<String>)> {
    match tavolo_client::Client::connect(url).await {
        Ok(_) => None,
        Err(tavolo_client::ClientError::WebSocket(
            tokio_tungstenite::tungstenite::Error::Http(r),
        )) => Some((
            r.status().as_u16(),
            r.headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned()),
        )),
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// `--anonymous-boards-per-minute`: new anonymous boards from one address beyond the
/// limit are refused (429, Retry-After); boards that hold something open as before, and
/// so do workspace boards.
async fn new_anonymous_boards_are_rate_limited(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = AppOptions {
        allow_anonymous_boards: true,
        anonymous_boards_per_minute: 3,
        ..AppOptions::default()
    };
    let server = TestServer::start_options(&db, app, ServeOptions::default()).await;
    let first = server.client("prova-1").await;
    let items = first.doc().get_or_insert_map("items");
    first.change(|t| {
        use yrs::Map;
        items.insert(t, "nota", "ciao")
    });
    common::committed(&server.ws_url("prova-1"), &first).await;
    server.client("prova-2").await;
    server.client("prova-3").await;
    let (status, retry) = refused_upgrade(&server.ws_url("prova-4"))
        .await
        .expect("a fourth new board in a minute is refused");
    assert_eq!(status, 429);
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    let stored = server.store.load_board("prova-4").await.unwrap();
    assert!(stored.snapshot.is_none() && stored.updates.is_empty());
    // a board that holds something is not new: it opens (committed() opened it too)
    let again = server.client("prova-1").await;
    let notes = {
        use yrs::{Map, Transact};
        let m = again.doc().get_or_insert_map("items");
        let txn = again.doc().transact();
        m.len(&txn)
    };
    assert_eq!(notes, 1);
    // workspace boards do not count
    let (fac, _, _, board) = meeting(&server, "anna@comune.example").await;
    let login = fac
        .cookie
        .as_deref()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let url = format!("{}?token={login}", server.ws_url(&board));
    assert!(
        refused_upgrade(&url).await.is_none(),
        "a workspace board opens"
    );
    server.stop().await;
    db.cleanup().await;
}

/// `--anonymous-board-mib`: an update that would take an anonymous board past its cap is
/// refused — its sender closed with 4007 and a reason that says so — and nothing accepted
/// before is lost, live or after a restart; what still fits is accepted.
async fn anonymous_boards_have_a_size_cap(backend: Backend) {
    use yrs::{Map, Transact};
    let db = TestDb::new(backend).await;
    let app = AppOptions {
        allow_anonymous_boards: true,
        anonymous_board_bytes: Some(16 * 1024),
        ..AppOptions::default()
    };
    let server = TestServer::start_options(&db, app.clone(), ServeOptions::default()).await;
    let url = server.ws_url("piena");
    let writer = server.client("piena").await;
    let items = writer.doc().get_or_insert_map("items");
    for i in 0..10 {
        writer.change(|t| items.insert(t, format!("n{i}"), "x".repeat(1000)));
    }
    common::committed(&url, &writer).await;
    writer.change(|t| items.insert(t, "big", "y".repeat(8 * 1024)));
    let closed = writer
        .wait_closed(common::WAIT)
        .await
        .unwrap()
        .expect("a close frame");
    assert_eq!(closed.code, 4007, "{closed:?}");
    assert!(closed.reason.contains("board is full"), "{}", closed.reason);
    let keys = |c: &tavolo_client::Client| {
        let m = c.doc().get_or_insert_map("items");
        let txn = c.doc().transact();
        let mut k: Vec<String> = m.keys(&txn).map(str::to_owned).collect();
        k.sort();
        k
    };
    let want: Vec<String> = {
        let mut k: Vec<String> = (0..10).map(|i| format!("n{i}")).collect();
        k.sort();
        k
    };
    let reader = server.client("piena").await;
    assert_eq!(keys(&reader), want, "everything accepted, nothing refused");
    // what still fits goes in
    let small = reader.doc().get_or_insert_map("items");
    reader.change(|t| small.insert(t, "piccola", "ok"));
    common::committed(&url, &reader).await;
    server.stop().await;
    let server = TestServer::start_options(&db, app, ServeOptions::default()).await;
    let after = server.client("piena").await;
    let mut want = want;
    want.push("piccola".into());
    want.sort();
    assert_eq!(keys(&after), want, "the same after a restart");
    let stored = server.store.load_board("piena").await.unwrap();
    let bytes = stored.snapshot.as_ref().map_or(0, |s| s.state.len())
        + stored.updates.iter().map(|(_, d)| d.len()).sum::<usize>();
    assert!(bytes <= 16 * 1024, "{bytes} bytes stored");
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_anonymous_boards_are_rate_limited_sqlite() {
    new_anonymous_boards_are_rate_limited(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_anonymous_boards_are_rate_limited_postgres() {
    new_anonymous_boards_are_rate_limited(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_boards_have_a_size_cap_sqlite() {
    anonymous_boards_have_a_size_cap(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_boards_have_a_size_cap_postgres() {
    anonymous_boards_have_a_size_cap(Backend::Postgres).await;
}
