//! The call signalling socket (`/api/sessions/{id}/call`) against the real server, its
//! database and its media server: who may connect and publish, hostile SDP, and rights
//! that end while the socket is open. The media itself (browsers exchanging audio and
//! video through the SFU) is tested in Chromium: e2e/browser/calls.test.mjs.

mod common;

use common::{facilitator, Backend, Http, TestDb, TestServer, WAIT};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A data-channel-only offer, as a browser that only listens makes it.
const LISTEN_OFFER: &str = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n\
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
a=ice-ufrag:Wq3c\r\na=ice-pwd:d2VsbCB0aGlzIGlzIGEgcGFzcw\r\na=ice-options:trickle\r\n\
a=fingerprint:sha-256 8B:87:09:8A:5D:C2:F3:33:EF:C5:B1:F6:84:3A:3D:D6:A3:E2:9C:17:4C:E7:46:3B:1B:CE:84:98:DD:8E:AF:7B\r\n\
a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";

/// The same with a microphone track: what an observer must never get through.
fn offer_with_audio() -> String {
    LISTEN_OFFER.replace("a=group:BUNDLE 0", "a=group:BUNDLE 0 1").to_owned()
        + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n\
a=ice-ufrag:Wq3c\r\na=ice-pwd:d2VsbCB0aGlzIGlzIGEgcGFzcw\r\n\
a=fingerprint:sha-256 8B:87:09:8A:5D:C2:F3:33:EF:C5:B1:F6:84:3A:3D:D6:A3:E2:9C:17:4C:E7:46:3B:1B:CE:84:98:DD:8E:AF:7B\r\n\
a=setup:actpass\r\na=mid:1\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n\
a=ssrc:1111 cname:hand-written\r\n"
}

struct Meeting {
    server: TestServer,
    fac: Http,
    session: String,
    participant: String,
    observer: String,
    invite_p: String,
}

async fn meeting(db: &TestDb) -> Meeting {
    meeting_on(TestServer::start(db).await).await
}

async fn meeting_on(server: TestServer) -> Meeting {
    let fac = facilitator(&server, "fac@comune.example").await;
    let ws = fac
        .post("/api/workspaces", json!({ "name": "Tavolo" }))
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = fac
        .post(
            &format!("/api/workspaces/{ws}/sessions"),
            json!({ "title": "Incontro", "date": "2026-12-01" }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite = |role: &'static str| {
        let fac = &fac;
        let session = &session;
        async move {
            let r = fac
                .post(
                    &format!("/api/sessions/{session}/invites"),
                    json!({ "role": role }),
                )
                .await;
            (
                r.json["id"].as_str().unwrap().to_owned(),
                r.json["token"].as_str().unwrap().to_owned(),
            )
        }
    };
    let (invite_p, token_p) = invite("participant").await;
    let (_, token_o) = invite("observer").await;
    let join = |token: String, name: &'static str| {
        let addr = server.addr;
        async move {
            let r = Http::new(addr)
                .post("/api/join", json!({ "token": token, "display_name": name }))
                .await;
            assert_eq!(r.status, 200, "{}", r.json);
            r.json["token"].as_str().unwrap().to_owned()
        }
    };
    let participant = join(token_p, "Bruno").await;
    let observer = join(token_o, "Osvaldo").await;
    Meeting {
        server,
        fac,
        session,
        participant,
        observer,
        invite_p,
    }
}

impl Meeting {
    async fn connect(&self, token: Option<&str>) -> Result<Ws, u16> {
        let mut url = format!(
            "ws://{}/api/sessions/{}/call",
            self.server.addr, self.session
        );
        if let Some(t) = token {
            url.push_str(&format!("?token={t}"));
        }
        match tokio_tungstenite::connect_async(url).await {
            Ok((ws, _)) => Ok(ws),
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
            Err(e) => panic!("{e}"),
        }
    }
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message in time")
        {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Close(c))) => panic!("closed: {c:?}"),
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    }
}

/// Reads until the server closes; returns the close code and reason.
async fn closed(ws: &mut Ws) -> (u16, String) {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(Some(c)))) => return (u16::from(c.code), c.reason.to_string()),
            Some(Ok(Message::Close(None))) | None => return (1005, String::new()),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("{e}"),
        }
    }
}

/// Waits until a metric has a value (the SFU counts in its own task).
async fn metric_becomes(m: &Meeting, name: &str, value: f64) {
    tokio::time::timeout(WAIT, async {
        while metric(m, name).await != value {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{name} did not become {value}"));
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

async fn metric(m: &Meeting, name: &str) -> f64 {
    let (_, text) = common::http_get(m.server.addr, "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} in /metrics"))
        .trim()
        .parse()
        .unwrap()
}

async fn who_may_connect_and_publish(backend: Backend) {
    let db = TestDb::new(backend).await;
    let m = meeting(&db).await;
    assert_eq!(m.connect(None).await.err(), Some(401), "no credential");
    assert_eq!(m.connect(Some("not-a-token")).await.err(), Some(401));

    let mut p = m.connect(Some(&m.participant)).await.unwrap();
    assert_eq!(
        next_json(&mut p).await,
        json!({"type": "hello", "publish": true})
    );
    let mut o = m.connect(Some(&m.observer)).await.unwrap();
    assert_eq!(
        next_json(&mut o).await,
        json!({"type": "hello", "publish": false})
    );

    // the observer's hand-written offer with a microphone track is refused, and only
    // their socket closes
    send(&mut o, json!({"type": "offer", "sdp": offer_with_audio()})).await;
    let (code, reason) = closed(&mut o).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("observers"), "{reason}");
    metric_becomes(&m, "tavolo_media_refused_tracks_total", 1.0).await;

    // an offer that only listens is answered, for the observer as for anyone
    let mut o = m.connect(Some(&m.observer)).await.unwrap();
    next_json(&mut o).await;
    send(&mut o, json!({"type": "offer", "sdp": LISTEN_OFFER})).await;
    let answer = next_json(&mut o).await;
    assert_eq!(answer["type"], "answer", "{answer}");
    let sdp = answer["sdp"].as_str().unwrap();
    assert!(sdp.contains("a=candidate:"), "the SFU's address: {sdp}");
    assert!(sdp.contains("127.0.0.1"), "{sdp}");

    // the participant joins too: both are listed in one call, the plenary
    send(&mut p, json!({"type": "offer", "sdp": LISTEN_OFFER})).await;
    let mut saw_answer = false;
    let mut listed = false;
    while !(saw_answer && listed) {
        let v = next_json(&mut p).await;
        match v["type"].as_str() {
            Some("answer") => saw_answer = true,
            Some("peers") => {
                listed = v["peers"].as_array().unwrap().iter().any(|x| {
                    x["name"] == "Osvaldo" && x["role"] == "observer" && x["audio"] == false
                });
            }
            _ => {}
        }
    }
    metric_becomes(&m, "tavolo_media_peers", 2.0).await;
    metric_becomes(&m, "tavolo_media_calls", 1.0).await;
    m.server.stop().await;
    db.cleanup().await;
}

async fn hostile_signalling_closes_only_that_socket(backend: Backend) {
    let db = TestDb::new(backend).await;
    let m = meeting(&db).await;
    let mut other = m.connect(Some(&m.participant)).await.unwrap();
    next_json(&mut other).await;

    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"type": "offer", "sdp": "garbage"}), 1008, "SDP"),
        (
            json!({"type": "answer", "sdp": "x"}),
            1008,
            "before any offer",
        ),
        (json!({"type": "dance"}), 1008, "bad call message"),
        (
            json!({"type": "offer", "sdp": "m=audio 9 RTP/SAVPF 0\r\n".repeat(300)}),
            1008,
            "media sections",
        ),
    ];
    for (message, code, why) in cases {
        let mut ws = m.connect(Some(&m.participant)).await.unwrap();
        next_json(&mut ws).await;
        send(&mut ws, message).await;
        let (c, reason) = closed(&mut ws).await;
        assert_eq!(c, code, "{reason}");
        assert!(reason.contains(why), "{reason} should say {why}");
    }
    // larger than any SDP may be: 1009
    let mut ws = m.connect(Some(&m.participant)).await.unwrap();
    next_json(&mut ws).await;
    let huge = "a".repeat(tavolo_media::sdp::MAX_SDP_BYTES + 8192);
    let _ = ws
        .send(Message::Text(
            json!({"type": "offer", "sdp": huge}).to_string().into(),
        ))
        .await;
    assert_eq!(closed(&mut ws).await.0, 1009);
    // the other socket of the same person is still there and works
    send(&mut other, json!({"type": "offer", "sdp": LISTEN_OFFER})).await;
    assert_eq!(next_json(&mut other).await["type"], "answer");
    m.server.stop().await;
    db.cleanup().await;
}

async fn revoked_and_closed_end_the_call_at_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let m = meeting(&db).await;
    let mut p = m.connect(Some(&m.participant)).await.unwrap();
    next_json(&mut p).await;
    send(&mut p, json!({"type": "offer", "sdp": LISTEN_OFFER})).await;
    assert_eq!(next_json(&mut p).await["type"], "answer");
    let mut o = m.connect(Some(&m.observer)).await.unwrap();
    next_json(&mut o).await;
    send(&mut o, json!({"type": "offer", "sdp": LISTEN_OFFER})).await;
    assert_eq!(next_json(&mut o).await["type"], "answer");
    metric_becomes(&m, "tavolo_media_peers", 2.0).await;

    // the participant's invitation is revoked while they are in the call
    let r = m
        .fac
        .post(&format!("/api/invites/{}/revoke", m.invite_p), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(closed(&mut p).await.0, 4003);
    // the revoked member's media is gone
    metric_becomes(&m, "tavolo_media_peers", 1.0).await;
    assert_eq!(m.connect(Some(&m.participant)).await.err(), Some(401));

    // closing the meeting ends its calls, and no new one starts
    let r = m
        .fac
        .post(&format!("/api/sessions/{}/close", m.session), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let (code, reason) = closed(&mut o).await;
    assert_eq!(code, 4002, "{reason}");
    assert_eq!(m.connect(Some(&m.observer)).await.err(), Some(403));
    // no media left
    metric_becomes(&m, "tavolo_media_peers", 0.0).await;
    m.server.stop().await;
    db.cleanup().await;
}

const TURN_SECRET: &str = "a secret shared with coturn";
const TURN_TTL: u64 = 600;

/// The hello's ice servers, checked as coturn (use-auth-secret) would check them: the
/// credential is the HMAC of the username with the shared secret, the username the
/// expiry (now + ttl) and who. Returns who.
fn check_ice_servers(hello: &Value) -> String {
    assert_eq!(hello["type"], "hello", "{hello}");
    let servers = hello["ice_servers"].as_array().expect("ice_servers");
    assert_eq!(servers.len(), 1, "{hello}");
    let s = &servers[0];
    assert_eq!(
        s["urls"],
        json!([
            "turn:127.0.0.1:3478?transport=udp",
            "turns:turn.example:5349"
        ])
    );
    let username = s["username"].as_str().unwrap();
    let (expiry, who) = username.split_once(':').expect("expiry:who");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expiry: u64 = expiry.parse().unwrap();
    assert!(
        (now + TURN_TTL - 5..=now + TURN_TTL).contains(&expiry),
        "expiry {expiry}, now {now}"
    );
    assert_eq!(
        s["credential"].as_str().unwrap(),
        tavolo_media::turn::credential(TURN_SECRET, username),
        "the credential verifies with the secret"
    );
    assert_ne!(
        s["credential"].as_str().unwrap(),
        tavolo_media::turn::credential("another secret entirely", username)
    );
    who.to_owned()
}

async fn members_get_turn_credentials_on_each_join(backend: Backend) {
    let db = TestDb::new(backend).await;
    let turn = tavolo_media::turn::TurnOptions::new(
        vec![
            "turn:127.0.0.1:3478?transport=udp".into(),
            "turns:turn.example:5349".into(),
        ],
        TURN_SECRET.into(),
        std::time::Duration::from_secs(TURN_TTL),
    )
    .unwrap();
    let m = meeting_on(TestServer::start_turn(&db, turn).await).await;
    let counted = "tavolo_media_turn_credentials_total";
    assert_eq!(metric(&m, counted).await, 0.0);
    // refused before the socket opens: no credentials for them
    assert_eq!(m.connect(None).await.err(), Some(401));
    assert_eq!(m.connect(Some("not-a-token")).await.err(), Some(401));
    assert_eq!(metric(&m, counted).await, 0.0);

    let mut p = m.connect(Some(&m.participant)).await.unwrap();
    let hello = next_json(&mut p).await;
    assert_eq!(hello["publish"], true);
    let who_p = check_ice_servers(&hello);
    let (_, me) =
        common::http_get(m.server.addr, &format!("/api/me?token={}", m.participant)).await;
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(who_p, me["id"].as_str().unwrap(), "the member's id: {me}");

    let mut o = m.connect(Some(&m.observer)).await.unwrap();
    let hello = next_json(&mut o).await;
    assert_eq!(hello["publish"], false);
    assert_ne!(check_ice_servers(&hello), who_p);
    // the facilitator (cookie): their credentials name the facilitator
    let mut req = format!("ws://{}/api/sessions/{}/call", m.server.addr, m.session)
        .into_client_request()
        .unwrap();
    let cookie = m.fac.cookie.clone().expect("the facilitator's cookie");
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut f, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let who_f = check_ice_servers(&next_json(&mut f).await);
    assert!(who_f != who_p && !who_f.is_empty());
    assert_eq!(metric(&m, counted).await, 3.0);

    // each join gets its own: the participant comes back
    drop(p);
    let mut p = m.connect(Some(&m.participant)).await.unwrap();
    assert_eq!(check_ice_servers(&next_json(&mut p).await), who_p);
    assert_eq!(metric(&m, counted).await, 4.0);

    // a revoked member gets none
    let r = m
        .fac
        .post(&format!("/api/invites/{}/revoke", m.invite_p), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(m.connect(Some(&m.participant)).await.err(), Some(401));
    assert_eq!(metric(&m, counted).await, 4.0);
    m.server.stop().await;
    db.cleanup().await;
}

async fn without_turn_no_ice_servers(backend: Backend) {
    let db = TestDb::new(backend).await;
    let m = meeting(&db).await;
    let mut p = m.connect(Some(&m.participant)).await.unwrap();
    let hello = next_json(&mut p).await;
    assert_eq!(
        hello,
        json!({"type": "hello", "publish": true}),
        "no ice_servers"
    );
    assert_eq!(metric(&m, "tavolo_media_turn_credentials_total").await, 0.0);
    m.server.stop().await;
    db.cleanup().await;
}

/// Reads until a message of `kind` comes.
async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let v = next_json(ws).await;
        if v["type"] == kind {
            return v;
        }
    }
}

/// The console's roster: who is in which call, their microphone, camera, screen and
/// whether they speak; only for the meeting's facilitator.
async fn the_console_sees_who_is_in_which_call(backend: Backend) {
    let db = TestDb::new(backend).await;
    let m = meeting(&db).await;
    let calls = format!("/api/sessions/{}/calls", m.session);
    let r = m.fac.get(&calls).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json, json!({"calls": []}), "nobody in a call yet");
    for name in [
        "tavolo_media_bitrate_in_bps",
        "tavolo_media_bitrate_out_bps",
        "tavolo_media_packet_loss_in_ratio",
        "tavolo_media_packet_loss_out_ratio",
    ] {
        assert_eq!(metric(&m, name).await, 0.0, "{name}: no media yet");
    }

    let mut p = m.connect(Some(&m.participant)).await.unwrap();
    next_json(&mut p).await;
    send(
        &mut p,
        json!({"type": "offer", "sdp": LISTEN_OFFER, "screen": "1"}),
    )
    .await;
    next_of(&mut p, "answer").await;
    let mut o = m.connect(Some(&m.observer)).await.unwrap();
    next_json(&mut o).await;
    send(&mut o, json!({"type": "offer", "sdp": LISTEN_OFFER})).await;
    next_of(&mut o, "answer").await;
    metric_becomes(&m, "tavolo_media_peers", 2.0).await;

    let view = m
        .fac
        .get(&format!("/api/sessions/{}", m.session))
        .await
        .json;
    let plenary = view["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "plenary")
        .unwrap()["id"]
        .clone();
    let roster = m.fac.get(&calls).await.json;
    let list = roster["calls"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{roster}");
    assert_eq!(list[0]["call"], plenary);
    let names: Vec<_> = list[0]["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].clone(), p["role"].clone(), p["audio"].clone()))
        .collect();
    assert!(
        names.contains(&(json!("Bruno"), json!("participant"), json!(true))),
        "{roster}"
    );
    assert!(
        names.contains(&(json!("Osvaldo"), json!("observer"), json!(false))),
        "{roster}"
    );
    assert!(list[0]["peers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["speaking"] == false && p["screen"] == false));

    // the participant mutes and shares a screen; an observer's claim to share is not one;
    // asking for fewer videos is accepted
    send(&mut p, json!({"type": "view", "videos": 0})).await;
    send(
        &mut p,
        json!({"type": "state", "audio": false, "video": false, "screen": true}),
    )
    .await;
    send(
        &mut o,
        json!({"type": "state", "audio": true, "video": true, "screen": true}),
    )
    .await;
    let bruno = tokio::time::timeout(WAIT, async {
        loop {
            let roster = m.fac.get(&calls).await.json;
            let peers = roster["calls"][0]["peers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let bruno = peers.iter().find(|p| p["name"] == "Bruno").cloned();
            let osvaldo = peers.iter().find(|p| p["name"] == "Osvaldo").cloned();
            if let (Some(b), Some(o)) = (bruno, osvaldo) {
                if b["audio"] == false {
                    assert_eq!(o["screen"], false, "observers never share: {roster}");
                    assert_eq!(o["audio"], false, "{roster}");
                    return b;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the roster follows the state");
    assert_eq!(bruno["screen"], true, "{bruno}");
    // the observer's peers list names the participant's screen stream
    let shared = loop {
        let listed = next_of(&mut o, "peers").await;
        let bruno = listed["peers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "Bruno")
            .cloned()
            .unwrap_or_default();
        if bruno["audio"] == false {
            break bruno["screen"].as_str().map(str::to_owned);
        }
    };
    assert!(
        shared.as_deref().is_some_and(|s| s.ends_with('s')),
        "the screen's own stream id: {shared:?}"
    );

    // only the meeting's facilitator sees it
    let r = Http::new(m.server.addr)
        .get(&format!("{calls}?token={}", m.participant))
        .await;
    assert_eq!(r.status, 403, "{}", r.json);
    let other = facilitator(&m.server, "altro@comune.example").await;
    assert_eq!(other.get(&calls).await.status, 403);
    m.server.stop().await;
    db.cleanup().await;
}

on_both_backends!(
    the_console_sees_who_is_in_which_call,
    members_get_turn_credentials_on_each_join,
    without_turn_no_ice_servers,
    who_may_connect_and_publish,
    hostile_signalling_closes_only_that_socket,
    revoked_and_closed_end_the_call_at_once,
);
