//! The facilitation API and the rules it enforces, against the real server and database.
//! Every forbidden action is tried and must be refused and change nothing.

mod common;

use common::{facilitator, Backend, Http, TestDb, TestServer, WAIT};
use serde_json::{json, Value};
use std::time::Duration;
use tavolo_client::Client;
use tavolo_sync::wire;
use yrs::{GetString, Map, ReadTxn, Transact};

/// A facilitator with a workspace, a meeting with a stakeholder map in the plenary, and
/// two participants and an observer who joined through invitations.
struct World {
    server: TestServer,
    fac: Http,
    session: String,
    workspace: String,
    board: String,
    invite_p: String,
    a: Member,
    b: Member,
    obs: Member,
}

struct Member {
    id: String,
    token: String,
}

async fn join(server: &TestServer, invite: &str, name: &str) -> (u16, Value) {
    let r = Http::new(server.addr)
        .post(
            "/api/join",
            json!({ "token": invite, "display_name": name }),
        )
        .await;
    (r.status, r.json)
}

async fn world(backend: Backend, db: &TestDb) -> World {
    let _ = backend;
    let server = TestServer::start(db).await;
    let fac = facilitator(&server, "anna@comune.example").await;
    let ws = fac
        .post("/api/workspaces", json!({ "name": "Tavolo anziani" }))
        .await;
    assert_eq!(ws.status, 201);
    let workspace = ws.json["id"].as_str().unwrap().to_owned();
    let me = fac.get("/api/me").await.json;
    assert_eq!(
        (me["kind"].as_str(), me["name"].as_str()),
        (Some("facilitator"), Some("Facilitatrice"))
    );
    assert_eq!(
        fac.get(&format!("/api/workspaces/{workspace}")).await.json["name"],
        "Tavolo anziani"
    );
    let s = fac
        .post(
            &format!("/api/workspaces/{workspace}/sessions"),
            json!({ "title": "Incontro 1", "date": "2026-12-01" }),
        )
        .await;
    assert_eq!(s.status, 201, "{}", s.json);
    let session = s.json["id"].as_str().unwrap().to_owned();
    let b = fac
        .post(
            &format!("/api/sessions/{session}/boards"),
            json!({ "kind": "stakeholder_map", "title": "Chi siede al tavolo" }),
        )
        .await;
    assert_eq!(b.status, 201, "{}", b.json);
    let board = b.json["id"].as_str().unwrap().to_owned();
    let ip = fac
        .post(
            &format!("/api/sessions/{session}/invites"),
            json!({ "role": "participant" }),
        )
        .await;
    let io = fac
        .post(
            &format!("/api/sessions/{session}/invites"),
            json!({ "role": "observer", "hours": 2 }),
        )
        .await;
    let invite_p = ip.json["token"].as_str().unwrap().to_owned();
    let invite_o = io.json["token"].as_str().unwrap().to_owned();
    let mut members = Vec::new();
    for (invite, name) in [
        (&invite_p, "Bruno"),
        (&invite_p, "Carla"),
        (&invite_o, "Osservatore"),
    ] {
        let (status, j) = join(&server, invite, name).await;
        assert_eq!(status, 200, "{j}");
        members.push(Member {
            id: j["id"].as_str().unwrap().into(),
            token: j["token"].as_str().unwrap().into(),
        });
    }
    let obs = members.pop().unwrap();
    let b_ = members.pop().unwrap();
    let a = members.pop().unwrap();
    World {
        server,
        fac,
        session,
        workspace,
        board,
        invite_p,
        a,
        b: b_,
        obs,
    }
}

impl World {
    fn url(&self, board: &str, token: &str) -> String {
        format!("{}?token={token}", self.server.ws_url(board))
    }

    async fn connect(&self, board: &str, token: &str) -> Result<Client, u16> {
        match Client::connect(&self.url(board, token)).await {
            Ok(c) => {
                c.wait_synced(WAIT).await.unwrap();
                Ok(c)
            }
            Err(tavolo_client::ClientError::WebSocket(
                tokio_tungstenite::tungstenite::Error::Http(r),
            )) => Err(r.status().as_u16()),
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    /// Turns private mode on for the world's board (asserting it did) and opens `m`'s
    /// draft of it as `m`: its id and the client.
    async fn private_draft(&self, m: &Member) -> (String, Client) {
        let r = self
            .fac
            .post(
                &format!("/api/boards/{}/private", self.board),
                json!({ "on": true }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
        let draft = tavolo_rooms::access::draft_id(&self.board, &m.id);
        let client = self.connect(&draft, &m.token).await.expect("own draft");
        (draft, client)
    }

    fn member_http(&self, m: &Member) -> Http {
        let mut h = Http::new(self.server.addr);
        h.cookie = Some(format!("tavolo_member={}", m.token));
        h
    }

    async fn stop(self, db: TestDb) {
        self.server.stop().await;
        db.cleanup().await;
    }
}

fn note_update(key: &str, text: &str) -> Vec<u8> {
    let doc = yrs::Doc::new();
    let items = doc.get_or_insert_map("items");
    let mut txn = doc.transact_mut();
    items.insert(&mut txn, key, yrs::Any::from(text));
    txn.encode_update_v1()
}

fn item_keys(c: &Client) -> Vec<String> {
    let txn = c.doc().transact();
    let mut keys: Vec<String> = txn
        .get_map("items")
        .map(|m| m.keys(&txn).map(str::to_owned).collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

// ------------------------------------------------------------------ forbidden actions

async fn observer_writes_are_dropped(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let before = w.server.store.log_len(&w.board).await.unwrap();
    let obs = w
        .connect(&w.board, &w.obs.token)
        .await
        .expect("observers may watch");
    let watcher = w.connect(&w.board, &w.a.token).await.unwrap();
    obs.send_raw(wire::encode_update(&note_update("intruder", "x")));
    obs.send_raw(wire::encode_update(&note_update("intruder2", "y")));
    obs.wait_until("told", WAIT, |c| !c.auth_denied().is_empty())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(obs.auth_denied().len(), 1, "told once");
    assert!(!obs.is_ended(), "the connection stays");
    assert_eq!(
        w.server.store.log_len(&w.board).await.unwrap(),
        before,
        "nothing saved"
    );
    assert!(
        !item_keys(&watcher).contains(&"intruder".to_owned()),
        "nothing relayed"
    );
    // and the observer still receives what participants write
    let m = watcher.doc().get_or_insert_map("items");
    watcher.change(|t| m.insert(t, "fromA", "ciao"));
    obs.wait_until("a's note", WAIT, |c| {
        item_keys(c).contains(&"fromA".to_owned())
    })
    .await
    .unwrap();
    w.stop(db).await;
}

async fn participant_cannot_open_another_group(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/breakouts", w.session),
            json!({ "groups": 2, "kind": "problem_tree", "assign": "balanced" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let view = w
        .fac
        .get(&format!("/api/sessions/{}", w.session))
        .await
        .json;
    let group_of = |id: &str| {
        view["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap()["group"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (ga, gb) = (group_of(&w.a.id), group_of(&w.b.id));
    assert_ne!(ga, gb, "balanced: one each");
    let board_of = |room: &str| {
        view["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == room)
            .unwrap()["boards"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (board_a, board_b) = (board_of(&ga), board_of(&gb));
    // before the start, groups are closed to participants
    assert_eq!(w.connect(&board_a, &w.a.token).await.err(), Some(403));
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/breakouts/start", w.session),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    let mine = w.connect(&board_a, &w.a.token).await.expect("own group");
    assert_eq!(
        w.connect(&board_b, &w.a.token).await.err(),
        Some(403),
        "another group's board"
    );
    assert_eq!(
        w.server.store.log_len(&board_b).await.unwrap(),
        1,
        "unchanged"
    );
    // the group board is the template
    assert!(item_keys(&mine).contains(&"core".to_owned()));
    // calling everyone back closes participants' group connections and the door
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/breakouts/end", w.session),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    let closed = mine
        .wait_closed(WAIT)
        .await
        .unwrap()
        .expect("closed by the server");
    assert_eq!(closed.code, 4001);
    assert_eq!(w.connect(&board_a, &w.a.token).await.err(), Some(403));
    w.stop(db).await;
}

async fn other_workspace_is_out_of_reach(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let other = facilitator(&w.server, "bea@altro.example").await;
    let ws = other
        .post("/api/workspaces", json!({ "name": "Altro tavolo" }))
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = other
        .post(
            &format!("/api/workspaces/{ws}/sessions"),
            json!({ "title": "X", "date": "2026-12-02" }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = other
        .post(
            &format!("/api/sessions/{s}/boards"),
            json!({ "kind": "free", "title": "Loro" }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // a participant of our meeting cannot open their board
    assert_eq!(w.connect(&foreign, &w.a.token).await.err(), Some(403));
    // nor can our facilitator, by socket or API
    let r = w.fac.get(&format!("/api/sessions/{s}")).await;
    assert_eq!(r.status, 403);
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{s}/boards"),
            json!({ "kind": "free", "title": "intrusa" }),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = w
        .fac
        .call("DELETE", &format!("/api/workspaces/{ws}"), None)
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        other
            .get(&format!("/api/workspaces/{ws}/sessions"))
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1,
        "unchanged"
    );
    assert_eq!(
        w.server.store.list_session_boards(&s).await.unwrap().len(),
        1,
        "unchanged"
    );
    w.stop(db).await;
}

/// An invitation's short code opens what its link opens, typed as people type it; it is
/// refused with the link when the invitation is revoked; and one address may try only so
/// many codes a minute (40 bits are guessable without that).
async fn short_codes_open_the_invitation(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let made = w
        .fac
        .post(
            &format!("/api/sessions/{}/invites", w.session),
            json!({ "role": "participant" }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.json);
    let code = made.json["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 9, "{code}");
    assert_eq!(made.json["short_path"], format!("/join/{code}"));
    // the database keeps no code, only its hash
    let stored = w.server.store.list_invites(&w.session).await.unwrap();
    assert!(!format!("{stored:?}").contains(&code.replace('-', "")));
    let typed = code.replace('-', " ").to_lowercase();
    let http = Http::new(w.server.addr);
    let r = http
        .post("/api/join/preview", json!({ "token": typed }))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["role"], "participant");
    let (status, j) = join(&w.server, &code, "Dario").await;
    assert_eq!(status, 200, "{j}");
    let dario = Member {
        id: j["id"].as_str().unwrap().into(),
        token: j["token"].as_str().unwrap().into(),
    };
    let me = w.member_http(&dario).get("/api/me").await.json;
    assert_eq!(me["name"], "Dario");
    // a code that is no invitation's, and one that cannot be a code
    let r = http
        .post("/api/join/preview", json!({ "token": "ZZZZ-ZZZZ" }))
        .await;
    assert_eq!(r.status, 404, "{}", r.json);
    // revoked: the code is refused as the link is
    let id = made.json["id"].as_str().unwrap();
    let r = w
        .fac
        .post(&format!("/api/invites/{id}/revoke"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let (status, body) = join(&w.server, &code, "Tardivo").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invite_revoked"))
    );
    // guessing: the address has used 4 lookups; by the 20th it is refused, and a link's
    // token (256 bits) is still not counted
    let mut refused_at = None;
    for i in 0..20 {
        let r = http
            .post(
                "/api/join/preview",
                json!({ "token": format!("ABCD-{:04}", 2000 + i) }),
            )
            .await;
        if r.status == 429 {
            refused_at = Some(i);
            break;
        }
        assert_eq!(r.status, 404, "{}", r.json);
    }
    assert_eq!(refused_at, Some(16), "20 codes a minute");
    let r = http
        .post("/api/join/preview", json!({ "token": w.invite_p }))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    w.stop(db).await;
}

async fn expired_and_revoked_invites_are_refused(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let count = || async {
        w.server
            .store
            .list_participants(&w.session)
            .await
            .unwrap()
            .len()
    };
    let n = count().await;
    let preview = |token: String| {
        let addr = w.server.addr;
        async move {
            let r = Http::new(addr)
                .post("/api/join/preview", json!({ "token": token }))
                .await;
            (r.status, r.json)
        }
    };
    // before: the link names its meeting and the role it gives, and creates nobody
    let (status, body) = preview(w.invite_p.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "participant");
    let title = w
        .fac
        .get(&format!("/api/sessions/{}", w.session))
        .await
        .json["title"]
        .clone();
    assert_eq!(body["title"], title);
    assert_eq!(count().await, n, "a preview creates nobody");
    // revoked
    let invites = w
        .fac
        .get(&format!("/api/sessions/{}/invites", w.session))
        .await
        .json;
    let id = invites[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.fac
            .post(&format!("/api/invites/{id}/revoke"), json!({}))
            .await
            .status,
        200
    );
    let (status, body) = join(&w.server, &w.invite_p, "Tardivo").await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(
        body["code"], "invite_revoked",
        "a code the web client translates"
    );
    let (status, body) = preview(w.invite_p.clone()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invite_revoked"))
    );
    // expired: an invitation whose time is up
    let token = tavolo_rooms::service::create_invite(
        &w.server.store,
        &w.session,
        tavolo_store::Role::Participant,
        1,
    )
    .await
    .unwrap()
    .token;
    let hash = tavolo_rooms::auth::token_hash(&token);
    expire(&w.server.store, &hash, &db.url).await;
    let (status, body) = join(&w.server, &token, "Tardivo").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invite_expired"))
    );
    let (status, body) = preview(token.clone()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invite_expired"))
    );
    // unknown
    let (status, _) = join(&w.server, &tavolo_rooms::auth::new_token(), "Chi").await;
    assert_eq!(status, 404);
    assert_eq!(preview(tavolo_rooms::auth::new_token()).await.0, 404);
    assert_eq!(preview("nonsense".into()).await.0, 404);
    assert_eq!(count().await, n, "nobody joined");
    w.stop(db).await;
}

/// Moves an invitation's expiry into the past, as time would.
async fn expire(_store: &tavolo_store::Store, hash: &str, url: &str) {
    let sql = format!("UPDATE invites SET expires_at = 1 WHERE token_hash = '{hash}'");
    if url.starts_with("sqlite") {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(&sql).execute(&mut c).await.unwrap();
    } else {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(&sql).execute(&mut c).await.unwrap();
    }
}

async fn tampered_tokens_are_refused(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let mut bad = w.a.token.clone();
    let last = if bad.ends_with('0') { '1' } else { '0' };
    bad.pop();
    bad.push(last);
    assert_eq!(w.connect(&w.board, &bad).await.err(), Some(401));
    assert_eq!(w.connect(&w.board, "not-a-token").await.err(), Some(401));
    assert_eq!(w.connect(&w.board, "").await.err(), Some(401));
    let mut h = Http::new(w.server.addr);
    h.cookie = Some(format!("tavolo_member={bad}"));
    assert_eq!(
        h.get(&format!("/api/sessions/{}", w.session)).await.status,
        401
    );
    h.cookie = Some(format!("tavolo_login={bad}"));
    assert_eq!(h.get("/api/workspaces").await.status, 401);
    // no credential at all on a board of a workspace
    let anon = Client::connect(&w.server.ws_url(&w.board)).await;
    assert!(anon.is_err());
    w.stop(db).await;
}

async fn participant_cannot_call_facilitator_endpoints(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let p = w.member_http(&w.a);
    let rooms_before = w.server.store.list_rooms(&w.session).await.unwrap().len();
    for (method, path, body) in [
        (
            "POST",
            format!("/api/sessions/{}/breakouts", w.session),
            json!({ "groups": 3 }),
        ),
        (
            "POST",
            format!("/api/sessions/{}/timer", w.session),
            json!({ "action": "start", "seconds": 60 }),
        ),
        (
            "POST",
            format!("/api/sessions/{}/close", w.session),
            json!({}),
        ),
        (
            "POST",
            format!("/api/sessions/{}/invites", w.session),
            json!({ "role": "participant" }),
        ),
        (
            "PATCH",
            format!("/api/boards/{}", w.board),
            json!({ "locked": true }),
        ),
        (
            "POST",
            format!("/api/boards/{}/snapshots", w.board),
            json!({ "label": "mia" }),
        ),
        ("GET", "/api/workspaces".to_owned(), json!(null)),
        (
            "DELETE",
            format!("/api/workspaces/{}", w.workspace),
            json!(null),
        ),
    ] {
        let r = p
            .call(
                method,
                &path,
                if body.is_null() { None } else { Some(body) },
            )
            .await;
        assert_eq!(r.status, 403, "{method} {path}: {}", r.json);
    }
    assert_eq!(
        w.server.store.list_rooms(&w.session).await.unwrap().len(),
        rooms_before
    );
    let view = w
        .fac
        .get(&format!("/api/sessions/{}", w.session))
        .await
        .json;
    assert!(view["state"]["timer"].is_null());
    assert_eq!(view["closed"], false);
    assert!(w
        .server
        .store
        .list_snapshots(&w.board)
        .await
        .unwrap()
        .is_empty());
    w.stop(db).await;
}

async fn locked_board_refuses_participants_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let a = w.connect(&w.board, &w.a.token).await.unwrap();
    let fac_url =
        tavolo_rooms::service::create_login(&w.server.store, &facilitator_id(&w).await, 1)
            .await
            .unwrap();
    let f = w.connect(&w.board, &fac_url).await.unwrap();
    assert_eq!(
        w.fac
            .call(
                "PATCH",
                &format!("/api/boards/{}", w.board),
                Some(json!({ "locked": true }))
            )
            .await
            .status,
        200
    );
    let before = w.server.store.log_len(&w.board).await.unwrap();
    a.send_raw(wire::encode_update(&note_update("blocked", "no")));
    a.wait_until("told", WAIT, |c| !c.auth_denied().is_empty())
        .await
        .unwrap();
    assert!(a.auth_denied()[0].contains("locked"));
    let fm = f.doc().get_or_insert_map("items");
    f.change(|t| fm.insert(t, "facilitator-note", "sì"));
    a.wait_until("facilitator's note", WAIT, |c| {
        item_keys(c).contains(&"facilitator-note".to_owned())
    })
    .await
    .unwrap();
    assert!(!item_keys(&f).contains(&"blocked".to_owned()));
    assert_eq!(
        w.server.store.log_len(&w.board).await.unwrap(),
        before + 1,
        "only the facilitator's change"
    );
    // unlock: participants write again
    assert_eq!(
        w.fac
            .call(
                "PATCH",
                &format!("/api/boards/{}", w.board),
                Some(json!({ "locked": false }))
            )
            .await
            .status,
        200
    );
    let am = a.doc().get_or_insert_map("items");
    a.change(|t| am.insert(t, "after-unlock", "ok"));
    f.wait_until("a's note", WAIT, |c| {
        item_keys(c).contains(&"after-unlock".to_owned())
    })
    .await
    .unwrap();
    w.stop(db).await;
}

async fn facilitator_id(w: &World) -> String {
    w.server
        .store
        .facilitator_by_email("anna@comune.example")
        .await
        .unwrap()
        .unwrap()
        .id
}

// ------------------------------------------------------------------ the meeting's flow

async fn meeting_flow(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    // control channel: the timer and a message reach a participant
    let (mut control, _) = tokio_tungstenite::connect_async(format!(
        "ws://{}/api/sessions/{}/control?token={}",
        w.server.addr, w.session, w.a.token
    ))
    .await
    .unwrap();
    let first = next_json(&mut control).await;
    assert_eq!(first["type"], "session");
    assert_eq!(first["title"], "Incontro 1");
    w.fac
        .post(
            &format!("/api/sessions/{}/timer", w.session),
            json!({ "action": "start", "seconds": 1200 }),
        )
        .await;
    let msg = wait_for(&mut control, |m| {
        m["type"] == "session" && !m["state"]["timer"].is_null()
    })
    .await;
    assert_eq!(msg["state"]["timer"]["duration_ms"], 1_200_000);
    w.fac
        .post(
            &format!("/api/sessions/{}/message", w.session),
            json!({ "text": "Cinque minuti!" }),
        )
        .await;
    wait_for(&mut control, |m| {
        m["state"]["message"]["text"] == "Cinque minuti!"
    })
    .await;

    // the plenary board gets content; a participant writes
    let a = w.connect(&w.board, &w.a.token).await.unwrap();
    let m = a.doc().get_or_insert_map("items");
    let card: yrs::Any = serde_json::from_value(json!({"type":"card","role":"stakeholder","x":100,"y":100,"w":200,"h":110,"color":"blue","z":"b0"})).unwrap();
    a.change(|t| m.insert(t, "s-new", card));
    a.wait_until("echo", WAIT, |c| c.updates_received() >= 2)
        .await
        .unwrap();

    // dot voting: 2 dots each, a third is refused, the tally counts
    let vote = w
        .fac
        .post(
            &format!("/api/boards/{}/votes", w.board),
            json!({ "dots": 2 }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pa = w.member_http(&w.a);
    let pb = w.member_http(&w.b);
    assert_eq!(
        pa.post(
            &format!("/api/votes/{vote}/dots"),
            json!({ "item": "s-new" })
        )
        .await
        .status,
        200
    );
    assert_eq!(
        pa.post(
            &format!("/api/votes/{vote}/dots"),
            json!({ "item": "s-new" })
        )
        .await
        .status,
        200
    );
    assert_eq!(
        pa.post(
            &format!("/api/votes/{vote}/dots"),
            json!({ "item": "s-new" })
        )
        .await
        .status,
        409
    );
    assert_eq!(
        pb.post(
            &format!("/api/votes/{vote}/dots"),
            json!({ "item": "s-new" })
        )
        .await
        .status,
        200
    );
    assert_eq!(
        w.member_http(&w.obs)
            .post(
                &format!("/api/votes/{vote}/dots"),
                json!({ "item": "s-new" })
            )
            .await
            .status,
        403
    );
    let tally = w
        .fac
        .post(&format!("/api/votes/{vote}/close"), json!({}))
        .await
        .json;
    assert_eq!(tally["tally"][0]["dots"], 3);
    assert_eq!(
        pa.post(
            &format!("/api/votes/{vote}/dots"),
            json!({ "item": "s-new" })
        )
        .await
        .status,
        409,
        "closed"
    );

    // private mode: drafts are private until revealed
    let (draft, d) = w.private_draft(&w.a).await;
    assert_eq!(
        w.connect(&draft, &w.b.token).await.err(),
        Some(403),
        "someone else's draft"
    );
    let dm = d.doc().get_or_insert_map("items");
    let dt = d.doc().get_or_insert_map("texts");
    d.change(|t| {
        dm.insert(
            t,
            "idea1",
            serde_json::from_value::<yrs::Any>(
                json!({"type":"sticky","x":10,"y":10,"w":180,"h":180,"color":"yellow","z":"c0"}),
            )
            .unwrap(),
        );
        dt.insert(t, "idea1", yrs::TextPrelim::new("idea segreta"));
    });
    d.wait_until("echo", WAIT, |c| c.updates_received() >= 2)
        .await
        .unwrap();
    assert!(
        !item_keys(&a).contains(&"idea1".to_owned()),
        "not on the board yet"
    );
    let r = w
        .fac
        .post(&format!("/api/boards/{}/reveal", w.board), json!({}))
        .await;
    assert_eq!(r.json["revealed"], 1, "{}", r.json);
    // revealed under a fresh id, with its text, by its draft's owner
    let revealed_text = |c: &Client| -> Option<(String, String)> {
        let txn = c.doc().transact();
        let texts = txn.get_map("texts")?;
        let items = txn.get_map("items")?;
        items.keys(&txn).find_map(|k| {
            let t = texts
                .get(&txn, k)?
                .cast::<yrs::TextRef>()
                .ok()?
                .get_string(&txn);
            (t == "idea segreta").then(|| (k.to_owned(), t))
        })
    };
    a.wait_until("revealed", WAIT, |c| revealed_text(c).is_some())
        .await
        .unwrap();
    let (revealed_key, text) = revealed_text(&a).unwrap();
    let key = revealed_key.clone();
    assert_ne!(key, "idea1", "a fresh id");
    let bid = tavolo_sync::BoardId::parse(&w.board).unwrap();
    let on_board = w
        .server
        .hub
        .read(&bid, tavolo_board::Board::read)
        .await
        .unwrap();
    assert_eq!(
        on_board.items[&key].author.as_deref(),
        Some(w.a.id.as_str())
    );
    assert_eq!(text, "idea segreta");

    // breakouts with a copy of the plenary board, gather, close, next meeting
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/breakouts", w.session),
            json!({ "groups": 2, "copy_from": w.board }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    w.fac
        .post(
            &format!("/api/sessions/{}/breakouts/start", w.session),
            json!({}),
        )
        .await;
    let started = wait_for(&mut control, |m| m["state"]["phase"] == "breakout").await;
    let my_group = started["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == w.a.id.as_str())
        .unwrap()["group"]
        .as_str()
        .unwrap()
        .to_owned();
    let group_board = started["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == my_group.as_str())
        .unwrap()["boards"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = w.connect(&group_board, &w.a.token).await.unwrap();
    assert!(
        item_keys(&g).contains(&"s-new".to_owned()),
        "a copy of the plenary board"
    );
    let gm = g.doc().get_or_insert_map("items");
    let note: yrs::Any = serde_json::from_value(
        json!({"type":"sticky","x":400,"y":400,"w":180,"h":180,"color":"pink","z":"d0"}),
    )
    .unwrap();
    g.change(|t| gm.insert(t, "group-note", note));
    g.wait_until("echo", WAIT, |c| {
        item_keys(c).contains(&"group-note".to_owned()) && c.updates_received() >= 2
    })
    .await
    .unwrap();
    w.fac
        .post(
            &format!("/api/sessions/{}/breakouts/end", w.session),
            json!({}),
        )
        .await;
    let gathered = w
        .fac
        .post(&format!("/api/sessions/{}/gather", w.session), json!({}))
        .await;
    assert_eq!(gathered.status, 201, "{}", gathered.json);
    let gid = gathered.json["id"].as_str().unwrap().to_owned();
    let gc = w.connect(&gid, &w.a.token).await.unwrap();
    let keys = item_keys(&gc);
    assert!(
        keys.iter().any(|k| k.ends_with("-frame")),
        "a frame per group: {keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.ends_with("-group-note")),
        "the group's notes: {keys:?}"
    );

    let closed = w
        .fac
        .post(&format!("/api/sessions/{}/close", w.session), json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.json);
    let boards = w
        .server
        .store
        .list_session_boards(&w.session)
        .await
        .unwrap();
    for b in &boards {
        let snaps = w.server.store.list_snapshots(&b.id).await.unwrap();
        assert_eq!(snaps.len(), 1, "a closing snapshot of {}", b.title);
        assert_eq!(snaps[0].kind, tavolo_store::SnapshotKind::Closing);
    }
    // after closing, participants watch only
    let late = w.connect(&w.board, &w.a.token).await.unwrap();
    late.send_raw(wire::encode_update(&note_update("after-close", "no")));
    late.wait_until("told", WAIT, |c| !c.auth_denied().is_empty())
        .await
        .unwrap();

    // the next meeting opens on the final state of this one's plenary boards
    let next = w
        .fac
        .post(
            &format!("/api/workspaces/{}/sessions", w.workspace),
            json!({ "title": "Incontro 2", "date": "2026-12-15" }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let next_boards = w.server.store.list_session_boards(&next).await.unwrap();
    assert_eq!(
        next_boards.len(),
        2,
        "the stakeholder map and the gathered board"
    );
    let fac_token =
        tavolo_rooms::service::create_login(&w.server.store, &facilitator_id(&w).await, 1)
            .await
            .unwrap();
    let copy = next_boards
        .iter()
        .find(|b| b.title == "Chi siede al tavolo")
        .unwrap();
    let c = w.connect(&copy.id, &fac_token).await.unwrap();
    assert!(item_keys(&c).contains(&"s-new".to_owned()) && item_keys(&c).contains(&revealed_key));

    // snapshots: a manual one, then a restore that is a new change
    let snap = w
        .fac
        .post(
            &format!("/api/boards/{}/snapshots", copy.id),
            json!({ "label": "prima" }),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let cm = c.doc().get_or_insert_map("items");
    let seen = c.updates_received();
    c.change(|t| {
        cm.remove(t, "s-new");
    });
    // the server's echo says the deletion is committed
    c.wait_until("echo", WAIT, |c| c.updates_received() > seen)
        .await
        .unwrap();
    let listed = w
        .fac
        .get(&format!("/api/boards/{}/snapshots", copy.id))
        .await
        .json;
    assert_eq!(listed[0]["label"], "prima");
    let preview = w.fac.get(&format!("/api/snapshots/{snap}")).await.json;
    assert!(preview["content"]["items"]["s-new"].is_object());
    let log_before = w.server.store.log_len(&copy.id).await.unwrap();
    assert_eq!(
        w.fac
            .post(&format!("/api/snapshots/{snap}/restore"), json!({}))
            .await
            .status,
        200
    );
    c.wait_until("restored", WAIT, |c| {
        item_keys(c).contains(&"s-new".to_owned())
    })
    .await
    .unwrap();
    assert!(
        w.server.store.log_len(&copy.id).await.unwrap() > log_before,
        "restore is a new change"
    );

    // deleting the workspace deletes its boards' history too
    let all: Vec<String> = boards
        .iter()
        .chain(next_boards.iter())
        .map(|b| b.id.clone())
        .collect();
    drop((a, c, g, gc, d, late));
    let r = w
        .fac
        .call("DELETE", &format!("/api/workspaces/{}", w.workspace), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    for b in &all {
        assert_eq!(
            w.server.store.log_len(b).await.unwrap(),
            0,
            "{b} history gone"
        );
        assert!(w.server.store.get_board(b).await.unwrap().is_none());
    }
    assert!(
        w.server
            .store
            .list_participants(&w.session)
            .await
            .unwrap()
            .is_empty(),
        "names gone"
    );
    w.stop(db).await;
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Value {
    use futures_util::StreamExt;
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("control message")
            .expect("open")
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

async fn wait_for(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "control message never came"
        );
        let v = next_json(ws).await;
        if pred(&v) {
            return v;
        }
    }
}

/// Deleting a workspace erases it: open sockets (the board's and a private draft's) are
/// closed at once, their clients cannot reconnect, a stranger gets 410 rather than an
/// anonymous board, nothing is written back at idle unload, no row mentions its boards,
/// and (SQLite) no byte of the content is left in the database files.
async fn deleted_workspace_is_erased(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    const MARKER: &str = "CONTENUTO-RISERVATO-4711";
    let a = w.connect(&w.board, &w.a.token).await.unwrap();
    let draft_id = format!("{}.draft.{}", w.board, w.a.id);
    let draft = w.connect(&draft_id, &w.a.token).await.ok();
    a.send_raw(wire::encode_update(&note_update("n1", MARKER)));
    if let Some(d) = &draft {
        d.send_raw(wire::encode_update(&note_update("d1", MARKER)));
    }
    a.wait_until("note committed", WAIT, |c| item_keys(c) == ["n1"])
        .await
        .unwrap();
    // (the echo comes only after the commit)
    let status = w
        .fac
        .call("DELETE", &format!("/api/workspaces/{}", w.workspace), None)
        .await
        .status;
    assert_eq!(status, 200);

    let closed = a.wait_closed(WAIT).await.unwrap().expect("a close frame");
    assert_eq!(closed.code, 4004, "{}", closed.reason);
    if let Some(d) = &draft {
        let closed = d.wait_closed(WAIT).await.unwrap().expect("a close frame");
        assert_eq!(closed.code, 4004);
    }
    // the member's credential opens nothing any more, and a stranger gets 410
    assert!(w.connect(&w.board, &w.a.token).await.is_err());
    let stranger = tavolo_client::Client::connect(&w.server.ws_url(&w.board)).await;
    match stranger {
        Err(tavolo_client::ClientError::WebSocket(
            tokio_tungstenite::tungstenite::Error::Http(r),
        )) => assert_eq!(r.status().as_u16(), 410),
        Ok(_) => panic!("a stranger opened a deleted board"),
        Err(e) => panic!("unexpected error {e}"),
    }
    // nothing is written back when the board would have unloaded
    tokio::time::sleep(Duration::from_millis(600)).await;
    let stored = w.server.store.load_board(&w.board).await.unwrap();
    assert!(stored.snapshot.is_none() && stored.updates.is_empty());
    let stored = w.server.store.load_board(&draft_id).await.unwrap();
    assert!(stored.snapshot.is_none() && stored.updates.is_empty());
    assert!(w.server.store.is_board_deleted(&w.board).await.unwrap());
    assert!(w.server.store.is_board_deleted(&draft_id).await.unwrap());
    if backend == Backend::Sqlite {
        // no byte of the content in the database file or its write-ahead log
        let path = db
            .url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap();
        for file in [path.to_owned(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(
                    !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
                    "{file} still holds the deleted content"
                );
            }
        }
    }
    w.stop(db).await;
}

/// Revoking an invitation puts the people who joined through it out at once: their
/// board and control sockets close (4003), and their credential opens nothing any more.
async fn revoked_member_is_out_at_once(backend: Backend) {
    use futures_util::StreamExt;
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let a = w.connect(&w.board, &w.a.token).await.unwrap();
    let (mut control, _) = tokio_tungstenite::connect_async(format!(
        "ws://{}/api/sessions/{}/control?token={}",
        w.server.addr, w.session, w.a.token
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut control).await["type"], "session");
    let observer = w.connect(&w.board, &w.obs.token).await.unwrap();
    let invites = w
        .fac
        .get(&format!("/api/sessions/{}/invites", w.session))
        .await
        .json;
    let participant_invite = invites
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "participant")
        .expect("the participants' invitation")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = w
        .fac
        .post(
            &format!("/api/invites/{participant_invite}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);

    let closed = a.wait_closed(WAIT).await.unwrap().expect("a close frame");
    assert_eq!(closed.code, 4003, "{}", closed.reason);
    let end = tokio::time::timeout(WAIT, async {
        while let Some(msg) = control.next().await {
            if let Ok(tokio_tungstenite::tungstenite::Message::Close(c)) = msg {
                return c.map(|c| u16::from(c.code));
            }
        }
        None
    })
    .await
    .expect("the control socket closes");
    assert_eq!(end, Some(4003));
    // the credential opens nothing any more, on sockets or REST
    assert_eq!(w.connect(&w.board, &w.a.token).await.err(), Some(401));
    assert_eq!(w.connect(&w.board, &w.b.token).await.err(), Some(401));
    let me = w.member_http(&w.a).get("/api/me").await;
    assert_eq!(me.json["kind"], "anonymous", "the cookie identifies nobody");
    // someone who joined through another invitation is not touched
    assert!(!observer.is_ended());
    w.stop(db).await;
}

/// The code a control socket closes with (`None`: closed without a close frame).
async fn control_close_code(ws: &mut Ws) -> Option<u16> {
    use futures_util::StreamExt;
    tokio::time::timeout(WAIT, async {
        while let Some(msg) = ws.next().await {
            if let Ok(tokio_tungstenite::tungstenite::Message::Close(c)) = msg {
                return c.map(|c| u16::from(c.code));
            }
        }
        None
    })
    .await
    .expect("the control socket closes")
}

async fn member_control(w: &World, m: &Member) -> Ws {
    let (mut control, _) = tokio_tungstenite::connect_async(format!(
        "ws://{}/api/sessions/{}/control?token={}",
        w.server.addr, w.session, m.token
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut control).await["type"], "session");
    control
}

fn member_ids(view: &Value) -> Vec<String> {
    view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The facilitator removes one participant while they are connected: their board, draft
/// and control sockets close at once (4005), their credential opens nothing after, they
/// leave the member list everyone sees, what they wrote stays, and the other participant
/// of the same invitation carries on.
async fn removed_member_is_out_at_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let cookie = w.fac.cookie.clone().unwrap();
    let (mut fac_control, _) = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{}/api/sessions/{}/control", w.server.addr, w.session)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        tokio_tungstenite::connect_async(req).await.unwrap()
    };
    assert_eq!(next_json(&mut fac_control).await["type"], "session");
    // a writes a note on the board, and drafts privately
    let a = w.connect(&w.board, &w.a.token).await.unwrap();
    let m = a.doc().get_or_insert_map("items");
    a.change(|t| m.insert(t, "nota-di-bruno", "Servono più educatori"));
    common::committed(&w.url(&w.board, &w.b.token), &a).await;
    let (draft_id, draft) = w.private_draft(&w.a).await;
    let mut a_control = member_control(&w, &w.a).await;
    let b = w.connect(&w.board, &w.b.token).await.unwrap();

    // nobody else may remove them: a participant, another facilitator
    let path = format!("/api/members/{}/remove", w.a.id);
    assert_eq!(w.member_http(&w.b).post(&path, json!({})).await.status, 403);
    let other = facilitator(&w.server, "altra@comune.example").await;
    assert_eq!(other.post(&path, json!({})).await.status, 403);
    assert!(!a.is_ended(), "a refused removal changes nothing");

    let r = w.fac.post(&path, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert!(!member_ids(&r.json).contains(&w.a.id), "{}", r.json);
    for (what, c) in [("board", &a), ("draft", &draft)] {
        let closed = c.wait_closed(WAIT).await.unwrap().expect("a close frame");
        assert_eq!(closed.code, 4005, "{what}: {}", closed.reason);
    }
    assert_eq!(control_close_code(&mut a_control).await, Some(4005));
    // everyone's view loses them, the facilitator's console too
    let seen = wait_for(&mut fac_control, |v| {
        v["type"] == "session" && !member_ids(v).contains(&w.a.id)
    })
    .await;
    assert!(member_ids(&seen).contains(&w.b.id));
    let view = w
        .member_http(&w.b)
        .get(&format!("/api/sessions/{}", w.session))
        .await;
    assert!(!member_ids(&view.json).contains(&w.a.id));
    // their credential is refused everywhere: new sockets, REST with the token or cookie
    assert_eq!(w.connect(&w.board, &w.a.token).await.err(), Some(401));
    assert_eq!(w.connect(&draft_id, &w.a.token).await.err(), Some(401));
    let by_query = Http::new(w.server.addr)
        .get(&format!("/api/sessions/{}?token={}", w.session, w.a.token))
        .await;
    assert_eq!(by_query.status, 401);
    let by_cookie = w.member_http(&w.a);
    assert_eq!(by_cookie.get("/api/me").await.json["kind"], "anonymous");
    assert_eq!(
        by_cookie
            .get(&format!("/api/sessions/{}", w.session))
            .await
            .status,
        401
    );
    assert!(tokio_tungstenite::connect_async(format!(
        "ws://{}/api/sessions/{}/control?token={}",
        w.server.addr, w.session, w.a.token
    ))
    .await
    .is_err());
    // their browser cannot rejoin through the meeting's link as someone new (its cookie
    // names them; a bearer token is read the same way); the link still works for a browser that holds neither
    // (a link is a bearer secret: only revoking it keeps a removed person out elsewhere)
    let body = json!({ "token": w.invite_p, "display_name": "Bruno di nuovo" });
    let again = by_cookie.post("/api/join", body.clone()).await;
    assert_eq!(again.status, 403, "{}", again.json);
    assert!(
        again.json.to_string().contains("removed you"),
        "{}",
        again.json
    );
    let view = w.fac.get(&format!("/api/sessions/{}", w.session)).await;
    assert!(
        !view.json["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "Bruno di nuovo"),
        "{}",
        view.json
    );
    let (status, j) = join(&w.server, &w.invite_p, "Ospite").await;
    assert_eq!(status, 200, "{j}");
    // what they wrote stays; the other member of their invitation carries on
    assert!(!b.is_ended());
    assert!(item_keys(&b).contains(&"nota-di-bruno".to_owned()));
    let fresh = w.connect(&w.board, &w.b.token).await.unwrap();
    assert!(item_keys(&fresh).contains(&"nota-di-bruno".to_owned()));
    // removing again: nobody to remove
    assert_eq!(w.fac.post(&path, json!({})).await.status, 404);
    w.stop(db).await;
}

/// A member's credential ends with their invitation's expiry: sockets open at that moment
/// close then (4006) without any message from the client, and nothing opens after.
async fn member_sockets_close_when_the_invitation_expires(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let token = tavolo_rooms::auth::new_token();
    let expires_at = tavolo_store::now_ms() + 2_500;
    w.server
        .store
        .create_invite(
            &tavolo_rooms::auth::new_id(),
            &w.session,
            tavolo_store::Role::Participant,
            &tavolo_rooms::auth::token_hash(&token),
            &tavolo_rooms::auth::token_hash(&tavolo_rooms::auth::new_id()),
            expires_at,
        )
        .await
        .unwrap();
    let (status, j) = join(&w.server, &token, "Breve").await;
    assert_eq!(status, 200, "{j}");
    let m = Member {
        id: j["id"].as_str().unwrap().into(),
        token: j["token"].as_str().unwrap().into(),
    };
    let board = w.connect(&w.board, &m.token).await.unwrap();
    let mut control = member_control(&w, &m).await;
    let other = w.connect(&w.board, &w.a.token).await.unwrap();
    assert!(!board.is_ended(), "open until the invitation expires");
    let closed = board
        .wait_closed(WAIT)
        .await
        .unwrap()
        .expect("a close frame");
    assert!(tavolo_store::now_ms() >= expires_at, "not before its time");
    assert_eq!(closed.code, 4006, "{}", closed.reason);
    assert_eq!(control_close_code(&mut control).await, Some(4006));
    assert_eq!(w.connect(&w.board, &m.token).await.err(), Some(401));
    assert_eq!(
        w.member_http(&m)
            .get(&format!("/api/sessions/{}", w.session))
            .await
            .status,
        401
    );
    assert!(!other.is_ended(), "a member of another invitation stays");
    w.stop(db).await;
}

/// A facilitator's sign-in ends at its expiry: the sockets it opened close then (4006),
/// and the cookie opens nothing after.
async fn facilitator_sockets_close_when_the_login_expires(backend: Backend) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let token = tavolo_rooms::auth::new_token();
    let expires_at = tavolo_store::now_ms() + 2_500;
    w.server
        .store
        .create_login(
            &tavolo_rooms::auth::token_hash(&token),
            &facilitator_id(&w).await,
            expires_at,
        )
        .await
        .unwrap();
    let cookie = format!("tavolo_login={token}");
    let open = |url: String| {
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    let (mut board, _) = open(w.server.ws_url(&w.board)).await.unwrap();
    let (mut control, _) = open(format!(
        "ws://{}/api/sessions/{}/control",
        w.server.addr, w.session
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut control).await["type"], "session");
    let mut short = Http::new(w.server.addr);
    short.cookie = Some(cookie.clone());
    assert_eq!(short.get("/api/workspaces").await.status, 200);
    for ws in [&mut board, &mut control] {
        assert_eq!(control_close_code(ws).await, Some(4006));
        assert!(tavolo_store::now_ms() >= expires_at, "not before its time");
    }
    assert_eq!(short.get("/api/workspaces").await.status, 401);
    assert!(open(w.server.ws_url(&w.board)).await.is_err());
    // the facilitator's other sign-in is not touched
    assert_eq!(w.fac.get("/api/workspaces").await.status, 200);
    w.stop(db).await;
}

/// Signing out clears both cookies and closes the facilitator's sockets at once.
async fn logout_closes_sockets(backend: Backend) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let cookie = w.fac.cookie.clone().expect("signed in");
    let open = |url: String| {
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        req.headers_mut().insert(
            "origin",
            format!("http://{}", w.server.addr).parse().unwrap(),
        );
        tokio_tungstenite::connect_async(req)
    };
    let (mut board, _) = open(w.server.ws_url(&w.board)).await.unwrap();
    let (mut control, _) = open(format!(
        "ws://{}/api/sessions/{}/control",
        w.server.addr, w.session
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut control).await["type"], "session");
    let r = w.fac.post("/api/logout", json!({})).await;
    assert_eq!(r.status, 200);
    let cleared: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(cleared.len(), 2, "both cookies are cleared: {cleared:?}");
    assert!(cleared.iter().any(|c| c.starts_with("tavolo_login=;")));
    assert!(cleared.iter().any(|c| c.starts_with("tavolo_member=;")));
    for ws in [&mut board, &mut control] {
        let code = tokio::time::timeout(WAIT, async {
            while let Some(msg) = ws.next().await {
                if let Ok(tokio_tungstenite::tungstenite::Message::Close(c)) = msg {
                    return c.map(|c| u16::from(c.code));
                }
            }
            None
        })
        .await
        .expect("the socket closes");
        assert_eq!(code, Some(4001));
    }
    assert!(
        open(w.server.ws_url(&w.board)).await.is_err(),
        "the cookie is dead"
    );
    w.stop(db).await;
}

/// A board outside every workspace opens for nobody unless `--anonymous-boards` is on.
async fn anonymous_boards_are_off_by_default(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start_options(
        &db,
        tavolo_http::AppOptions::default(),
        tavolo_http::ServeOptions::default(),
    )
    .await;
    match Client::connect(&server.ws_url("nessuno-lo-sa")).await {
        Err(tavolo_client::ClientError::WebSocket(
            tokio_tungstenite::tungstenite::Error::Http(r),
        )) => assert_eq!(r.status().as_u16(), 401),
        Ok(_) => panic!("a stranger opened a board outside every workspace"),
        Err(e) => panic!("unexpected error {e}"),
    }
    let stored = server.store.load_board("nessuno-lo-sa").await.unwrap();
    assert!(stored.snapshot.is_none() && stored.updates.is_empty());
    server.stop().await;
    db.cleanup().await;
}

// ------------------------------------------------------------------ votes

/// Writes items (id, text, author) into a board as the server does.
async fn put_items(w: &World, board: &str, items: &[(&str, &str, &str)]) {
    let items: Vec<(String, String, String)> = items
        .iter()
        .map(|(i, t, a)| (i.to_string(), t.to_string(), a.to_string()))
        .collect();
    let id = tavolo_sync::BoardId::parse(board).unwrap();
    w.server
        .hub
        .change(&id, move |txn| {
            for (i, (id, text, author)) in items.into_iter().enumerate() {
                let mut b = tavolo_board::Board::from_json(&json!({
                    "meta": { "schema": 1, "title": "" },
                    "items": { id: {
                        "type": "sticky", "x": 10 * i, "y": 10, "w": 200, "h": 100,
                        "color": "yellow", "z": format!("a{i}"), "author": author, "text": text
                    } },
                    "links": {}
                }))
                .unwrap();
                b.meta.kind = None;
                b.write_items(txn);
            }
        })
        .await
        .unwrap();
}

async fn open_vote(w: &World, dots: i64) -> String {
    let r = w
        .fac
        .post(
            &format!("/api/boards/{}/votes", w.board),
            json!({ "dots": dots }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["id"].as_str().unwrap().to_owned()
}

fn tally_of(view: &Value) -> std::collections::BTreeMap<String, i64> {
    view["tally"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["item"].as_str().unwrap().to_owned(),
                t["dots"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Many members placing dots at once, several at a time each: no 5xx, every member gets
/// exactly their budget, the tally counts exactly the dots that were answered 200; then
/// taking dots back at once is as exact.
async fn concurrent_dots_keep_the_budget(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    put_items(
        &w,
        &w.board,
        &[("i1", "uno", "x"), ("i2", "due", "x"), ("i3", "tre", "x")],
    )
    .await;
    let mut members = vec![w.a.token.clone(), w.b.token.clone()];
    for n in 0..6 {
        let (status, j) = join(&w.server, &w.invite_p, &format!("Voter {n}")).await;
        assert_eq!(status, 200, "{j}");
        members.push(j["token"].as_str().unwrap().to_owned());
    }
    let budget = 3;
    let vote = open_vote(&w, budget).await;
    // 8 members x 5 dots each = 40 requests in flight together
    let mut tasks = Vec::new();
    for (m, token) in members.iter().enumerate() {
        for k in 0..5 {
            let mut h = Http::new(w.server.addr);
            h.cookie = Some(format!("tavolo_member={token}"));
            let path = format!("/api/votes/{vote}/dots");
            let item = ["i1", "i2", "i3"][(m + k) % 3];
            tasks.push(tokio::spawn(async move {
                let r = h.post(&path, json!({ "item": item })).await;
                (m, item, r.status, r.json)
            }));
        }
    }
    let mut placed = std::collections::BTreeMap::<String, i64>::new();
    let mut per_member = vec![0; members.len()];
    let mut got: Vec<Vec<&str>> = vec![Vec::new(); members.len()];
    for t in tasks {
        let (m, item, status, body) = t.await.unwrap();
        match status {
            200 => {
                per_member[m] += 1;
                got[m].push(item);
                *placed.entry(item.to_owned()).or_default() += 1;
            }
            409 => assert_eq!(body["error"], "no dots left", "{body}"),
            other => panic!("dot answered {other}: {body}"),
        }
    }
    assert_eq!(
        per_member,
        vec![budget; members.len()],
        "each member's budget, exactly"
    );
    let fac_view = w.fac.get(&format!("/api/votes/{vote}")).await.json;
    assert_eq!(
        tally_of(&fac_view),
        placed,
        "the tally is the dots answered 200"
    );
    let mut h = Http::new(w.server.addr);
    h.cookie = Some(format!("tavolo_member={}", members[0]));
    assert_eq!(
        h.get(&format!("/api/votes/{vote}")).await.json["my_dots_left"],
        0
    );

    // every member takes two of their dots back, all at once
    let mut tasks = Vec::new();
    for (m, token) in members.iter().enumerate() {
        for &item in &got[m][..2] {
            let mut h = Http::new(w.server.addr);
            h.cookie = Some(format!("tavolo_member={token}"));
            let path = format!("/api/votes/{vote}/dots");
            tasks.push(tokio::spawn(async move {
                let r = h.call("DELETE", &path, Some(json!({ "item": item }))).await;
                (item, r.status, r.json)
            }));
        }
    }
    for t in tasks {
        let (item, status, body) = t.await.unwrap();
        assert_eq!(status, 200, "{item}: {body}");
        *placed.get_mut(item).unwrap() -= 1;
    }
    placed.retain(|_, n| *n > 0);
    let fac_view = w.fac.get(&format!("/api/votes/{vote}")).await.json;
    assert_eq!(tally_of(&fac_view), placed);
    assert_eq!(
        h.get(&format!("/api/votes/{vote}")).await.json["my_dots_left"],
        2
    );
    // a dot one does not have is not taken from someone else's (member 0 kept one dot)
    let missing = ["i1", "i2", "i3"]
        .into_iter()
        .find(|i| got[0][2] != *i)
        .unwrap();
    let r = h
        .call(
            "DELETE",
            &format!("/api/votes/{vote}/dots"),
            Some(json!({ "item": missing })),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.json);
    assert_eq!(
        tally_of(&w.fac.get(&format!("/api/votes/{vote}")).await.json),
        placed
    );
    w.stop(db).await;
}

/// A dot goes on an item of the board's document, or nowhere.
async fn dots_need_an_item_of_the_board(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    put_items(&w, &w.board, &[("real", "c'è", "x")]).await;
    let vote = open_vote(&w, 2).await;
    let pa = w.member_http(&w.a);
    for item in ["ghost", "real2", "s-new"] {
        let r = pa
            .post(&format!("/api/votes/{vote}/dots"), json!({ "item": item }))
            .await;
        assert_eq!(r.status, 400, "{item}: {}", r.json);
        assert_eq!(
            r.json["error"],
            format!("this board has no item \"{item}\"")
        );
    }
    // an item of another board of the same meeting is not this board's
    let other = w
        .fac
        .post(
            &format!("/api/sessions/{}/boards", w.session),
            json!({ "kind": "free", "title": "Altro" }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    put_items(&w, &other, &[("elsewhere", "altrove", "x")]).await;
    let r = pa
        .post(
            &format!("/api/votes/{vote}/dots"),
            json!({ "item": "elsewhere" }),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
    let view = w.fac.get(&format!("/api/votes/{vote}")).await.json;
    assert!(view["tally"].as_array().unwrap().is_empty(), "{view}");
    let r = pa
        .post(
            &format!("/api/votes/{vote}/dots"),
            json!({ "item": "real" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["my_dots_left"], 1);
    w.stop(db).await;
}

/// Opening the same invitation link again from the same browser is the same participant:
/// same id, same dots left; a browser without the credential is someone else.
async fn rejoining_gives_no_extra_dots(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    put_items(&w, &w.board, &[("i1", "uno", "x")]).await;
    let vote = open_vote(&w, 2).await;
    let pa = w.member_http(&w.a);
    assert_eq!(
        pa.post(&format!("/api/votes/{vote}/dots"), json!({ "item": "i1" }))
            .await
            .status,
        200
    );
    for _ in 0..9 {
        let r = pa
            .post(
                "/api/join",
                json!({ "token": w.invite_p, "display_name": "Bruno di nuovo" }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
        assert_eq!(r.json["id"], w.a.id.as_str(), "the same participant");
        assert_eq!(r.json["token"], w.a.token.as_str());
        let again = Http {
            addr: w.server.addr,
            cookie: r.cookie(),
        };
        assert_eq!(
            again.get(&format!("/api/votes/{vote}")).await.json["my_dots_left"],
            1
        );
    }
    assert_eq!(
        pa.post(&format!("/api/votes/{vote}/dots"), json!({ "item": "i1" }))
            .await
            .status,
        200
    );
    assert_eq!(
        pa.post(&format!("/api/votes/{vote}/dots"), json!({ "item": "i1" }))
            .await
            .status,
        409,
        "two dots, not eleven"
    );
    let names: Vec<String> = w
        .server
        .store
        .list_participants(&w.session)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.display_name)
        .collect();
    assert_eq!(names.len(), 3, "nobody new: {names:?}");
    assert!(
        names.contains(&"Bruno di nuovo".to_owned()),
        "the new name is kept"
    );
    // through another invitation (the observer link) it is another membership
    let io = w
        .fac
        .post(
            &format!("/api/sessions/{}/invites", w.session),
            json!({ "role": "observer" }),
        )
        .await;
    let r = pa
        .post(
            "/api/join",
            json!({ "token": io.json["token"], "display_name": "Bruno" }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_ne!(r.json["id"], w.a.id.as_str());
    // a stale credential does not stop anyone from joining
    let mut stale = Http::new(w.server.addr);
    stale.cookie = Some(format!("tavolo_member={}", "0".repeat(64)));
    let r = stale
        .post(
            "/api/join",
            json!({ "token": w.invite_p, "display_name": "Nuova" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    w.stop(db).await;
}

/// What the database holds of a vote: a tally without voters; while it is open, ballots
/// and marks named by an HMAC of the voter's token (which the database does not hold),
/// never a participant id; once it is closed, the tally only.
async fn votes_are_not_linkable_in_the_database(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    put_items(&w, &w.board, &[("i1", "uno", "x"), ("i2", "due", "x")]).await;
    let vote = open_vote(&w, 2).await;
    for (m, item) in [(&w.a, "i1"), (&w.a, "i2"), (&w.b, "i1")] {
        let r = w
            .member_http(m)
            .post(&format!("/api/votes/{vote}/dots"), json!({ "item": item }))
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
    }
    let rows = |sql: &'static str| {
        let url = db.url.clone();
        let vote = vote.clone();
        async move { raw_rows(&url, sql, &vote).await }
    };
    let tally = rows("SELECT item_id || ':' || CAST(dots AS TEXT) FROM vote_tally WHERE vote_id = $1 ORDER BY item_id").await;
    assert_eq!(tally, vec!["i1:2", "i2:1"]);
    let ballots = rows("SELECT voter || ':' || CAST(used AS TEXT) FROM vote_ballots WHERE vote_id = $1 ORDER BY voter").await;
    let marks =
        rows("SELECT voter || ':' || mark FROM vote_marks WHERE vote_id = $1 ORDER BY voter, mark")
            .await;
    let ballot_a = tavolo_rooms::auth::Ballot::new(&w.a.token, &vote);
    let ballot_b = tavolo_rooms::auth::Ballot::new(&w.b.token, &vote);
    let mut want_ballots = vec![
        format!("{}:2", ballot_a.voter),
        format!("{}:1", ballot_b.voter),
    ];
    want_ballots.sort();
    assert_eq!(ballots, want_ballots, "ballots under the token's HMAC");
    let mut want_marks = vec![
        format!("{}:{}", ballot_a.voter, ballot_a.mark("i1")),
        format!("{}:{}", ballot_a.voter, ballot_a.mark("i2")),
        format!("{}:{}", ballot_b.voter, ballot_b.mark("i1")),
    ];
    want_marks.sort();
    assert_eq!(marks, want_marks);
    // nothing in them is a participant id, a stored token hash or an item id
    let held: Vec<String> = [&w.a, &w.b]
        .iter()
        .flat_map(|m| [m.id.clone(), tavolo_rooms::auth::token_hash(&m.token)])
        .chain(["i1".into(), "i2".into()])
        .collect();
    for row in ballots.iter().chain(&marks) {
        for part in row.split(':') {
            assert!(
                !held.contains(&part.to_owned()),
                "{part} is in the database"
            );
        }
    }
    // the names are what the token makes: the token itself is nowhere in the database
    let tokens = rows("SELECT token_hash FROM participants WHERE $1 <> ''").await;
    assert!(
        !tokens.contains(&w.a.token)
            && tokens.contains(&tavolo_rooms::auth::token_hash(&w.a.token))
    );
    // closed: only the tally is left
    let r = w
        .fac
        .post(&format!("/api/votes/{vote}/close"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(tally_of(&r.json).get("i1"), Some(&2));
    assert!(rows("SELECT voter FROM vote_ballots WHERE vote_id = $1")
        .await
        .is_empty());
    assert!(rows("SELECT mark FROM vote_marks WHERE vote_id = $1")
        .await
        .is_empty());
    assert_eq!(
        rows("SELECT item_id || ':' || CAST(dots AS TEXT) FROM vote_tally WHERE vote_id = $1 ORDER BY item_id").await,
        vec!["i1:2", "i2:1"]
    );
    let view = w
        .member_http(&w.a)
        .get(&format!("/api/votes/{vote}"))
        .await
        .json;
    assert_eq!(
        (view["open"].clone(), view["my_dots_left"].clone()),
        (json!(false), json!(0))
    );
    w.stop(db).await;
}

/// One text column of a query with one text parameter, straight from the database.
async fn raw_rows(url: &str, sql: &str, param: &str) -> Vec<String> {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .bind(param)
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .bind(param)
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    }
}

// ------------------------------------------------------------------ reveal

/// A member removed from the meeting while the board is private: what they wrote in
/// their draft is revealed with everyone else's, as what they wrote on the boards stays.
async fn a_removed_members_draft_is_revealed(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let (draft, d) = w.private_draft(&w.b).await;
    let (items, texts) = (
        d.doc().get_or_insert_map("items"),
        d.doc().get_or_insert_map("texts"),
    );
    d.change(|t| {
        let note: yrs::Any = serde_json::from_value(
            json!({"type":"sticky","x":0,"y":0,"w":200,"h":100,"color":"yellow","z":"a0"}),
        )
        .unwrap();
        items.insert(t, "n1", note);
        texts.insert(t, "n1", yrs::TextPrelim::new("proposta di B"));
    });
    common::committed(&w.url(&draft, &w.b.token), &d).await;
    let r = w
        .fac
        .post(&format!("/api/members/{}/remove", w.b.id), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = w
        .fac
        .post(&format!("/api/boards/{}/reveal", w.board), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["revealed"], 1, "the removed member's draft too");
    let bid = tavolo_sync::BoardId::parse(&w.board).unwrap();
    let board = w
        .server
        .hub
        .read(&bid, tavolo_board::Board::read)
        .await
        .unwrap();
    let item = board
        .items
        .values()
        .find(|i| i.text == "proposta di B")
        .expect("revealed");
    assert_eq!(item.author.as_deref(), Some(w.b.id.as_str()));
    w.server.stop().await;
    db.cleanup().await;
}

/// A hostile draft: participant B writes into their draft an item with the id of one of
/// the board's items and A's id as its author, another item naming A as author, and a
/// link; the board is locked; the reveal keeps the board's item as it was, adds B's items
/// under fresh ids with B as author, and takes them out of the draft.
async fn reveal_gives_fresh_ids_and_real_authors(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    put_items(&w, &w.board, &[("budget", "budget 10.000 EUR", &w.a.id)]).await;
    let (draft, d) = w.private_draft(&w.b).await;
    let a_id = w.a.id.clone();
    let (items, texts, links) = (
        d.doc().get_or_insert_map("items"),
        d.doc().get_or_insert_map("texts"),
        d.doc().get_or_insert_map("links"),
    );
    d.change(|t| {
        let forged: yrs::Any = serde_json::from_value(json!({"type":"sticky","x":0,"y":0,"w":200,"h":100,"color":"yellow","z":"a0","author": a_id})).unwrap();
        items.insert(t, "budget", forged);
        let tt: yrs::TextRef = texts.insert(t, "budget", yrs::TextPrelim::new("budget 0 EUR"));
        let _ = tt;
        let mine: yrs::Any = serde_json::from_value(json!({"type":"sticky","x":300,"y":0,"w":200,"h":100,"color":"blue","z":"a1","author": a_id})).unwrap();
        items.insert(t, "mine", mine);
        texts.insert(t, "mine", yrs::TextPrelim::new("idea di B"));
        let link: yrs::Any = serde_json::from_value(json!({"from":"mine","to":"budget","kind":"arrow"})).unwrap();
        links.insert(t, "l1", link);
    });
    common::committed(&w.url(&draft, &w.b.token), &d).await;
    // locked, as in the report
    assert_eq!(
        w.fac
            .call(
                "PATCH",
                &format!("/api/boards/{}", w.board),
                Some(json!({ "locked": true }))
            )
            .await
            .status,
        200
    );
    let r = w
        .fac
        .post(&format!("/api/boards/{}/reveal", w.board), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["revealed"], 2);
    let bid = tavolo_sync::BoardId::parse(&w.board).unwrap();
    let board = w
        .server
        .hub
        .read(&bid, tavolo_board::Board::read)
        .await
        .unwrap();
    let original = &board.items["budget"];
    assert_eq!(
        original.text, "budget 10.000 EUR",
        "the board's item is untouched"
    );
    assert_eq!(original.author.as_deref(), Some(w.a.id.as_str()));
    let from_b: Vec<_> = board.items.values().filter(|i| i.id != "budget").collect();
    assert_eq!(from_b.len(), 2);
    for i in &from_b {
        assert_eq!(
            i.author.as_deref(),
            Some(w.b.id.as_str()),
            "{}: B wrote it",
            i.id
        );
        assert!(
            !["budget", "mine"].contains(&i.id.as_str()),
            "a fresh id: {}",
            i.id
        );
    }
    let zero = from_b
        .iter()
        .find(|i| i.text == "budget 0 EUR")
        .expect("B's copy, kept apart");
    let idea = from_b
        .iter()
        .find(|i| i.text == "idea di B")
        .expect("B's idea");
    let link = board.links.values().next().expect("the link came along");
    assert_eq!(board.links.len(), 1);
    assert_eq!(
        (link.from.as_str(), link.to.as_str()),
        (idea.id.as_str(), zero.id.as_str())
    );
    assert_ne!(link.id, "l1");
    // the draft gave up what was revealed
    let left = w
        .server
        .hub
        .read(
            &tavolo_sync::BoardId::parse(&draft).unwrap(),
            tavolo_board::Board::read,
        )
        .await
        .unwrap();
    assert!(left.items.is_empty() && left.links.is_empty());
    // and after a restart the board reads the same from the database
    let json_before = board.to_json();
    let store = w.server.store.clone();
    w.server.stop().await;
    let server = TestServer::start(&db).await;
    let again = server
        .hub
        .read(&bid, tavolo_board::Board::read)
        .await
        .unwrap();
    assert_eq!(again.to_json(), json_before);
    drop(store);
    server.stop().await;
    db.cleanup().await;
}

/// A participant changes their display name in the meeting: everyone's member list
/// follows; nobody else may do it for them, and not once the meeting is closed.
async fn members_rename_themselves(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let a = w.member_http(&w.a);
    let r = a
        .call(
            "PATCH",
            "/api/me",
            Some(json!({ "name": "Anna (Coop. Il Ponte)" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let view = w
        .fac
        .get(&format!("/api/sessions/{}", w.session))
        .await
        .json;
    let me = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == w.a.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(me["name"], "Anna (Coop. Il Ponte)");
    assert_eq!(a.get("/api/me").await.json["name"], "Anna (Coop. Il Ponte)");
    // an empty or too long name, a facilitator, nobody
    for bad in ["  ", &"x".repeat(81)] {
        let r = a
            .call("PATCH", "/api/me", Some(json!({ "name": bad })))
            .await;
        assert_eq!(r.status, 400, "{bad:?}: {}", r.json);
    }
    let r = w
        .fac
        .call("PATCH", "/api/me", Some(json!({ "name": "Altro" })))
        .await;
    assert_eq!(r.status, 403);
    let r = Http::new(w.server.addr)
        .call("PATCH", "/api/me", Some(json!({ "name": "Altro" })))
        .await;
    assert_eq!(r.status, 401);
    // a removed member's credential renames nobody: their name stays as it was
    let r = w
        .fac
        .post(&format!("/api/members/{}/remove", w.b.id), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = w
        .member_http(&w.b)
        .call("PATCH", "/api/me", Some(json!({ "name": "Fantasma" })))
        .await;
    assert_eq!(r.status, 401, "{}", r.json);
    let view = w
        .fac
        .get(&format!("/api/sessions/{}", w.session))
        .await
        .json;
    assert!(!view.to_string().contains("Fantasma"), "{view}");
    // once the meeting is closed, names stay as the minutes have them
    let r = w
        .fac
        .post(&format!("/api/sessions/{}/close", w.session), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let obs = w.member_http(&w.obs);
    let r = obs
        .call("PATCH", "/api/me", Some(json!({ "name": "Osservatore" })))
        .await;
    assert_eq!(r.status, 409, "{}", r.json);
    // with the stable code the web client translates
    assert_eq!(r.json["code"], "meeting_closed", "{}", r.json);
    w.stop(db).await;
}

/// What axum's extractors refuse before a handler runs (found by scripts/schemathesis.sh)
/// is answered as every other refusal: a 4xx with `{"error": "…"}` in JSON, as
/// openapi.json documents, not axum's plain text; a JSON body of the wrong shape is a 400
/// (axum's 422 is not in the document).
async fn extractor_refusals_are_json_errors(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let cookie = w.fac.cookie.as_deref();
    let json = Some("application/json");
    // method, path, Content-Type, body, the status expected
    type Case<'a> = (&'a str, String, Option<&'a str>, &'a [u8], u16);
    let cases: [Case; 7] = [
        // no Content-Type
        (
            "POST",
            "/api/workspaces".into(),
            None,
            br#"{"name":"x"}"#,
            415,
        ),
        // not JSON
        ("POST", "/api/workspaces".into(), json, b"{not json", 400),
        // JSON of the wrong shape
        (
            "POST",
            "/api/workspaces".into(),
            json,
            br#"{"name":5}"#,
            400,
        ),
        ("POST", "/api/login".into(), json, b"[]", 400),
        // a query and a path parameter of the wrong type
        (
            "GET",
            format!("/api/boards/{}/export/svg?snapshot=null", w.board),
            None,
            b"",
            400,
        ),
        ("GET", "/api/snapshots/not-a-number".into(), None, b"", 400),
        // a WebSocket route asked without the upgrade
        (
            "GET",
            format!("/api/sessions/{}/control", w.session),
            None,
            b"",
            400,
        ),
    ];
    for (method, path, content_type, body, status) in cases {
        let r = common::request(w.server.addr, method, &path, cookie, content_type, body).await;
        assert_eq!(r.status, status, "{method} {path}");
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{method} {path}: {:?}",
            r.header("content-type")
        );
        let error = r.json()["error"].as_str().map(str::to_owned);
        assert!(
            error.is_some_and(|e| !e.is_empty()),
            "{method} {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    w.server.stop().await;
    db.cleanup().await;
}

/// Issue 14, point 4: a closed vote keeps its results. Everyone in the meeting gets them
/// (counts per item, ranked, ties sharing a rank, nothing about who voted); a stranger, a
/// member of another meeting and another workspace's facilitator do not.
async fn closed_vote_keeps_its_results(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    put_items(
        &w,
        &w.board,
        &[
            ("i1", "Orti urbani", "x"),
            ("i2", "Panchine", "x"),
            ("i3", "Luce", "x"),
        ],
    )
    .await;
    let vote = open_vote(&w, 3).await;
    let results = format!("/api/sessions/{}/votes", w.session);
    assert_eq!(
        w.fac.get(&results).await.json["votes"],
        json!([]),
        "an open vote is not a result yet"
    );
    for (m, items) in [(&w.a, ["i1", "i1", "i2"].as_slice()), (&w.b, &["i1", "i3"])] {
        for item in items {
            let r = w
                .member_http(m)
                .post(&format!("/api/votes/{vote}/dots"), json!({ "item": item }))
                .await;
            assert_eq!(r.status, 200, "{}", r.json);
        }
    }
    let r = w
        .fac
        .post(&format!("/api/votes/{vote}/close"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["open"], false);
    // the facilitator, a participant and an observer read the same results
    let expected = json!([
        { "rank": 1, "item": "i1", "label": "Orti urbani", "dots": 3 },
        { "rank": 2, "item": "i3", "label": "Luce", "dots": 1 },
        { "rank": 2, "item": "i2", "label": "Panchine", "dots": 1 },
    ]);
    let mut fac = Http::new(w.server.addr);
    fac.cookie = w.fac.cookie.clone();
    for h in [fac, w.member_http(&w.a), w.member_http(&w.obs)] {
        let r = h.get(&results).await;
        assert_eq!(r.status, 200, "{}", r.json);
        let votes = r.json["votes"].as_array().unwrap();
        assert_eq!(votes.len(), 1, "{}", r.json);
        let v = &votes[0];
        assert_eq!(v["id"], vote.as_str());
        assert_eq!(v["board"], w.board.as_str());
        assert_eq!(v["board_title"], "Chi siede al tavolo");
        assert_eq!(v["room"], "Plenaria");
        assert_eq!(
            (v["dots"].as_i64(), v["total"].as_i64()),
            (Some(3), Some(5))
        );
        assert!(v["closed_at"].as_i64().unwrap() >= v["opened_at"].as_i64().unwrap());
        assert_eq!(v["items"], expected, "{}", r.json);
        // counts per item, and nothing that could tell who voted
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "board",
                "board_title",
                "closed_at",
                "dots",
                "id",
                "items",
                "opened_at",
                "room",
                "total"
            ]
        );
    }
    // the vote's own tally is still there after closing, and takes no more dots
    let r = w.member_http(&w.a).get(&format!("/api/votes/{vote}")).await;
    assert_eq!(
        (r.json["open"].as_bool(), r.json["my_dots_left"].as_i64()),
        (Some(false), Some(0))
    );
    assert_eq!(tally_of(&r.json).get("i1"), Some(&3));
    let r = w
        .member_http(&w.a)
        .post(&format!("/api/votes/{vote}/dots"), json!({ "item": "i2" }))
        .await;
    assert_eq!(r.status, 409);
    // strangers
    assert_eq!(Http::new(w.server.addr).get(&results).await.status, 401);
    let export = format!("/api/sessions/{}/votes/export/csv", w.session);
    assert_eq!(Http::new(w.server.addr).get(&export).await.status, 401);
    let other = facilitator(&w.server, "bea@altro.example").await;
    assert_eq!(other.get(&results).await.status, 403);
    assert_eq!(other.get(&export).await.status, 403);
    let ws = other
        .post("/api/workspaces", json!({ "name": "Altro tavolo" }))
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = other
        .post(
            &format!("/api/workspaces/{ws}/sessions"),
            json!({ "title": "X", "date": "2026-12-02" }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite = other
        .post(
            &format!("/api/sessions/{s}/invites"),
            json!({ "role": "participant" }),
        )
        .await
        .json["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, j) = join(&w.server, &invite, "Estranea").await;
    assert_eq!(status, 200, "{j}");
    let mut elsewhere = Http::new(w.server.addr);
    elsewhere.cookie = Some(format!("tavolo_member={}", j["token"].as_str().unwrap()));
    assert_eq!(elsewhere.get(&results).await.status, 403);
    assert_eq!(elsewhere.get(&export).await.status, 403);
    // and our facilitator cannot read theirs
    assert_eq!(
        w.fac.get(&format!("/api/sessions/{s}/votes")).await.status,
        403
    );
    w.stop(db).await;
}

/// The next `session` message on a control socket that `pred` accepts (presence and
/// other messages in between are skipped).
async fn next_session(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..20 {
        let m = next_json(ws).await;
        if m["type"] == "session" && pred(&m) {
            return m;
        }
    }
    panic!("no such session message");
}

/// Issue 14, point 8: the facilitator replaces and withdraws the broadcast message, and a
/// connected member's control socket is told each time (the session's view, as for every
/// change); nobody else may withdraw it.
async fn withdrawn_message_leaves_every_screen(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(backend, &db).await;
    let mut control = member_control(&w, &w.a).await;
    let path = format!("/api/sessions/{}/message", w.session);
    let r = w.fac.post(&path, json!({ "text": "Pausa caffè" })).await;
    assert_eq!(r.status, 200, "{}", r.json);
    let m = next_session(&mut control, |m| !m["state"]["message"].is_null()).await;
    assert_eq!(m["state"]["message"]["text"], "Pausa caffè");
    let first_at = m["state"]["message"]["at"].as_i64().unwrap();
    // replaced: the new text, on the same socket
    let r = w
        .fac
        .post(&path, json!({ "text": "Riprendiamo alle 11" }))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let m = next_session(&mut control, |m| {
        m["state"]["message"]["text"] == "Riprendiamo alle 11"
    })
    .await;
    assert!(m["state"]["message"]["at"].as_i64().unwrap() >= first_at);
    // nobody but the facilitator may withdraw it
    let participant = w.member_http(&w.a).call("DELETE", &path, None).await;
    assert_eq!(participant.status, 403, "{}", participant.json);
    let observer = w.member_http(&w.obs).call("DELETE", &path, None).await;
    assert_eq!(observer.status, 403, "{}", observer.json);
    let stranger = Http::new(w.server.addr).call("DELETE", &path, None).await;
    assert_eq!(stranger.status, 401);
    let other = facilitator(&w.server, "bea@altro.example").await;
    assert_eq!(other.call("DELETE", &path, None).await.status, 403);
    let view = w
        .fac
        .get(&format!("/api/sessions/{}", w.session))
        .await
        .json;
    assert_eq!(view["state"]["message"]["text"], "Riprendiamo alle 11");
    // withdrawn: the member's socket gets a view without it
    let r = w.fac.call("DELETE", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert!(r.json["state"]["message"].is_null(), "{}", r.json);
    let m = next_session(&mut control, |m| m["state"]["message"].is_null()).await;
    assert!(m["state"]["message"].is_null());
    let view = w
        .member_http(&w.b)
        .get(&format!("/api/sessions/{}", w.session))
        .await
        .json;
    assert!(
        view["state"]["message"].is_null(),
        "a late joiner sees none"
    );
    // withdrawing again changes nothing
    assert_eq!(w.fac.call("DELETE", &path, None).await.status, 200);
    w.stop(db).await;
}

on_both_backends!(
    closed_vote_keeps_its_results,
    withdrawn_message_leaves_every_screen,
    members_rename_themselves,
    short_codes_open_the_invitation,
    extractor_refusals_are_json_errors,
    removed_member_is_out_at_once,
    member_sockets_close_when_the_invitation_expires,
    facilitator_sockets_close_when_the_login_expires,
    anonymous_boards_are_off_by_default,
    concurrent_dots_keep_the_budget,
    dots_need_an_item_of_the_board,
    rejoining_gives_no_extra_dots,
    votes_are_not_linkable_in_the_database,
    reveal_gives_fresh_ids_and_real_authors,
    a_removed_members_draft_is_revealed,
    logout_closes_sockets,
    revoked_member_is_out_at_once,
    deleted_workspace_is_erased,
    observer_writes_are_dropped,
    participant_cannot_open_another_group,
    other_workspace_is_out_of_reach,
    expired_and_revoked_invites_are_refused,
    tampered_tokens_are_refused,
    participant_cannot_call_facilitator_endpoints,
    locked_board_refuses_participants_only,
    meeting_flow,
);
