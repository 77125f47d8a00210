//! Exports through the API, on the real server and database: pictures that decode and show
//! what is on the board, PDFs whose text is the notes' text, SVG where user text stays
//! text, tables that match the board, snapshots that show the old state, minutes whose
//! cover lists exactly what the ZIP holds, backups that come back as boards, and who may
//! do each of these.
//!
//! PDF checks use `pdftotext` and `pdfinfo` (Debian's `poppler-utils`).

mod common;

use common::{facilitator, request, Backend, Http, Raw, TestDb, TestServer};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use tavolo_board::{Board, BoardKind, Item, ItemType};
use tavolo_sync::BoardId;

// ------------------------------------------------------------------ raw HTTP

async fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Raw {
    request(addr, "GET", path, cookie, None, b"").await
}

// ------------------------------------------------------------------ the world

struct World {
    server: TestServer,
    fac: Http,
    session: String,
    workspace: String,
    participant: String,
    observer: String,
}

impl World {
    fn fac_cookie(&self) -> Option<&str> {
        self.fac.cookie.as_deref()
    }

    async fn stop(self, db: TestDb) {
        self.server.stop().await;
        db.cleanup().await;
    }
}

async fn world(db: &TestDb) -> World {
    let server = TestServer::start(db).await;
    let fac = facilitator(&server, "anna@comune.example").await;
    let workspace = fac
        .post(
            "/api/workspaces",
            json!({ "name": "Tavolo anziani, città" }),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = fac
        .post(
            &format!("/api/workspaces/{workspace}/sessions"),
            json!({ "title": "Incontro 1: chi c'è", "date": "2026-12-01" }),
        )
        .await;
    assert_eq!(s.status, 201, "{}", s.json);
    let session = s.json["id"].as_str().unwrap().to_owned();
    let mut members = Vec::new();
    for (role, name) in [("participant", "Bruno"), ("observer", "Osservatrice")] {
        let invite = fac
            .post(
                &format!("/api/sessions/{session}/invites"),
                json!({ "role": role }),
            )
            .await
            .json["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let j = Http::new(server.addr)
            .post(
                "/api/join",
                json!({ "token": invite, "display_name": name }),
            )
            .await;
        assert_eq!(j.status, 200, "{}", j.json);
        members.push(format!(
            "tavolo_member={}",
            j.json["token"].as_str().unwrap()
        ));
    }
    let observer = members.pop().unwrap();
    let participant = members.pop().unwrap();
    World {
        server,
        fac,
        session,
        workspace,
        participant,
        observer,
    }
}

async fn create_board(w: &World, kind: &str, title: &str) -> String {
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/boards", w.session),
            json!({ "kind": kind, "title": title }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["id"].as_str().unwrap().to_owned()
}

fn item(
    id: &str,
    t: &str,
    role: Option<&str>,
    (x, y, wd, h): (f64, f64, f64, f64),
    color: &str,
    text: &str,
) -> Item {
    Item {
        id: id.into(),
        item_type: ItemType::parse(t),
        x,
        y,
        w: wd,
        h,
        color: color.into(),
        z: format!("b{id}"),
        shape: None,
        points: vec![],
        frame: None,
        role: role.map(str::to_owned),
        data: Default::default(),
        author: None,
        text: text.into(),
    }
}

/// Writes items into a live board, as a client would.
async fn put_items(w: &World, board: &str, items: Vec<Item>) {
    let addition = Board {
        meta: Board::template(BoardKind::Free, "").meta,
        items: items.into_iter().map(|i| (i.id.clone(), i)).collect(),
        links: Default::default(),
    };
    w.server
        .hub
        .change(&BoardId::parse(board).unwrap(), move |txn| {
            addition.write_items(txn)
        })
        .await
        .unwrap();
}

const SCRIPT: &str = "<script>alert(1)</script>";

/// Three stickies side by side: their union is x 100..940, y 100..280.
fn notes() -> Vec<Item> {
    vec![
        item(
            "s1",
            "sticky",
            None,
            (100.0, 100.0, 180.0, 180.0),
            "yellow",
            "Città più vicina",
        ),
        item(
            "s2",
            "sticky",
            None,
            (320.0, 100.0, 400.0, 180.0),
            "pink",
            SCRIPT,
        ),
        item(
            "s3",
            "sticky",
            None,
            (760.0, 100.0, 180.0, 180.0),
            "green",
            "È già così",
        ),
    ]
}

fn tool(name: &str) -> std::process::Command {
    let probe = std::process::Command::new(name).arg("-v").output();
    assert!(
        probe.is_ok(),
        "{name} is missing: install Debian's poppler-utils (apt-get install -y poppler-utils)"
    );
    std::process::Command::new(name)
}

fn pdf_text(pdf: &[u8], first: Option<u32>, last: Option<u32>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = tool("pdftotext");
    if let Some(f) = first {
        cmd.args(["-f", &f.to_string()]);
    }
    if let Some(l) = last {
        cmd.args(["-l", &l.to_string()]);
    }
    let out = cmd.arg(&path).arg("-").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pdf_pages(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = tool("pdfinfo").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo says how many pages")
}

// ------------------------------------------------------------------ one board

async fn board_pictures(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let board = create_board(&w, "free", "Idee sul quartiere").await;
    put_items(&w, &board, notes()).await;
    let addr = w.server.addr;

    // PNG: decodes, has the board's size (content + 40 px margin), shows each note's colour
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/png"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"idee-sul-quartiere.png\"")
    );
    let png = resvg::tiny_skia::Pixmap::decode_png(&r.body).expect("a PNG");
    assert_eq!((png.width(), png.height()), (920, 260));
    // board (x, y) is pixel (x - 60, y - 60); the notes' lower right parts have no text
    for (x, y, rgb) in [
        (250, 260, (0xFF, 0xE0, 0x66)),
        (690, 260, (0xFF, 0xAD, 0xC6)),
        (910, 260, (0xB5, 0xE8, 0xA0)),
    ] {
        let p = png.pixel(x - 60, y - 60).unwrap();
        assert_eq!((p.red(), p.green(), p.blue()), rgb, "at board ({x}, {y})");
    }
    // outside every note: the canvas
    let p = png.pixel(5, 5).unwrap();
    assert_eq!((p.red(), p.green(), p.blue()), (0xFB, 0xFB, 0xF9));
    // twice the scale, twice the size
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/png?scale=2"),
        w.fac_cookie(),
    )
    .await;
    let png = resvg::tiny_skia::Pixmap::decode_png(&r.body).unwrap();
    assert_eq!((png.width(), png.height()), (1840, 520));
    for bad in ["0", "-1", "NaN", "100", "abc"] {
        let r = get(
            addr,
            &format!("/api/boards/{board}/export/png?scale={bad}"),
            w.fac_cookie(),
        )
        .await;
        assert_eq!(r.status, 400, "scale={bad}");
    }

    // SVG: well-formed; the script is text, never an element
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/svg"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/svg+xml"));
    let svg = String::from_utf8(r.body).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert!(
        !doc.descendants()
            .any(|n| n.tag_name().name().eq_ignore_ascii_case("script")),
        "no script element"
    );
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").to_owned())
        .collect();
    assert!(texts.iter().any(|t| t == SCRIPT), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Città più vicina"), "{texts:?}");
    assert!(!svg.contains(SCRIPT), "escaped in the source");
    resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("usvg reads it");

    // PDF: one page, every note's text with its accents
    let before = tavolo_store::now_ms();
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/pdf"),
        w.fac_cookie(),
    )
    .await;
    let after = tavolo_store::now_ms();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(pdf_pages(&r.body), 1);
    let text = pdf_text(&r.body, None, None);
    for t in [
        "Idee sul quartiere",
        "Città più vicina",
        "È già così",
        SCRIPT,
    ] {
        assert!(text.contains(t), "{t:?} in {text}");
    }
    // the time on the page is Rome's (the default `--time-zone`), not UTC
    let rome = tavolo_export::TimeZone::get("Europe/Rome").unwrap();
    let stamped = (before..=after + 60_000)
        .step_by(30_000)
        .map(|t| format!("Stato attuale al {}", tavolo_export::format_time(t, &rome)))
        .any(|line| text.contains(&line));
    assert!(stamped, "Rome's time in {text}");
    assert!(!text.contains(" UTC"), "{text}");

    // JSON: the schema's form
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/json"),
        w.fac_cookie(),
    )
    .await;
    let j = r.json();
    assert_eq!(j["meta"]["kind"], "free");
    assert_eq!(j["items"].as_object().unwrap().len(), 3);
    assert_eq!(j["items"]["s2"]["text"], SCRIPT);
    // a free board has no tables
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/csv"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/exe"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 400);
    w.stop(db).await;
}

async fn who_may_export(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let board = create_board(&w, "free", "Lavagna").await;
    put_items(&w, &board, notes()).await;
    let addr = w.server.addr;
    let path = format!("/api/boards/{board}/export/svg");
    assert_eq!(
        get(addr, &path, Some(&w.observer)).await.status,
        200,
        "an observer may"
    );
    assert_eq!(get(addr, &path, Some(&w.participant)).await.status, 200);
    assert_eq!(
        get(addr, &path, None).await.status,
        401,
        "a stranger may not"
    );
    let minutes = format!("/api/sessions/{}/minutes.zip", w.session);
    assert_eq!(get(addr, &minutes, None).await.status, 401);
    // another facilitator, and a member of another meeting
    let other = facilitator(&w.server, "bea@altro.example").await;
    let r = get(addr, &path, other.cookie.as_deref()).await;
    assert_eq!(r.status, 403);
    let r = get(addr, &minutes, other.cookie.as_deref()).await;
    assert_eq!(r.status, 403);
    let s2 = w
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
    let invite = w
        .fac
        .post(
            &format!("/api/sessions/{s2}/invites"),
            json!({ "role": "observer" }),
        )
        .await
        .json["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let j = Http::new(addr)
        .post(
            "/api/join",
            json!({ "token": invite, "display_name": "Altra" }),
        )
        .await;
    let elsewhere = format!("tavolo_member={}", j.json["token"].as_str().unwrap());
    assert_eq!(get(addr, &path, Some(&elsewhere)).await.status, 403);
    assert_eq!(get(addr, &minutes, Some(&elsewhere)).await.status, 403);
    // only the facilitator imports
    let backup = get(
        addr,
        &format!("/api/boards/{board}/export/json"),
        w.fac_cookie(),
    )
    .await;
    for who in [
        Some(w.observer.as_str()),
        Some(w.participant.as_str()),
        None,
    ] {
        let r = request(
            addr,
            "POST",
            &format!("/api/sessions/{}/import", w.session),
            who,
            Some("application/json"),
            &backup.body,
        )
        .await;
        assert!(r.status == 401 || r.status == 403, "{}", r.status);
    }
    assert_eq!(
        w.server
            .store
            .list_session_boards(&w.session)
            .await
            .unwrap()
            .len(),
        1,
        "nothing imported"
    );
    w.stop(db).await;
}

async fn tables_match_the_board(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let board = create_board(&w, "stakeholder_map", "Chi siede al tavolo").await;
    let mut cards = Vec::new();
    for (id, (x, y), name, category, attitude) in [
        (
            "a",
            (1100.0, 100.0),
            "Ufficio di Piano",
            "public",
            "supportive",
        ),
        (
            "b",
            (200.0, 150.0),
            "Fondazione; «bancaria»",
            "private",
            "neutral",
        ),
        (
            "c",
            (1200.0, 900.0),
            "=Cooperativa \"Il Ponte\"",
            "third_sector",
            "opposed",
        ),
    ] {
        let mut c = item(
            id,
            "card",
            Some("stakeholder"),
            (x, y, 200.0, 120.0),
            "blue",
            name,
        );
        c.data.insert("category".into(), category.into());
        c.data.insert("attitude".into(), attitude.into());
        cards.push(c);
    }
    put_items(&w, &board, cards).await;
    let r = get(
        w.server.addr,
        &format!("/api/boards/{board}/export/csv"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let csv = String::from_utf8(r.body).unwrap();
    let csv = csv
        .strip_prefix('\u{FEFF}')
        .expect("a BOM for spreadsheets");
    let rows = parse_csv(csv);
    assert_eq!(
        rows[0],
        [
            "Nome",
            "Categoria",
            "Atteggiamento",
            "Potere",
            "Interesse",
            "Quadrante",
            "Cerchio",
            "Note"
        ]
    );
    assert_eq!(
        rows.len(),
        4,
        "a header and one row per stakeholder: {rows:?}"
    );
    // reading order: top to bottom
    assert_eq!(rows[1][0], "Ufficio di Piano");
    assert_eq!(rows[1][1], "Ente pubblico");
    assert_eq!(rows[1][2], "Favorevole");
    assert_eq!(rows[1][3], "0,87");
    assert_eq!(rows[1][4], "0,75");
    assert_eq!(rows[1][5], "Coinvolgere da vicino");
    assert_eq!(rows[2][0], "Fondazione; «bancaria»");
    assert_eq!(rows[2][5], "Mantenere soddisfatti");
    assert_eq!(rows[3][0], "'=Cooperativa \"Il Ponte\"", "no formulas");
    assert_eq!(rows[3][5], "Tenere informati");
    for row in &rows {
        assert_eq!(row.len(), 8);
    }
    let r = get(
        w.server.addr,
        &format!("/api/boards/{board}/export/md"),
        w.fac_cookie(),
    )
    .await;
    let md = String::from_utf8(r.body).unwrap();
    assert!(md.starts_with("# Chi siede al tavolo"), "{md}");
    assert!(
        md.contains("| Ufficio di Piano | Ente pubblico | Favorevole | 0,87 | 0,75 |"),
        "{md}"
    );
    w.stop(db).await;
}

/// A small RFC 4180 reader with `;` between fields.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ';') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

async fn snapshots_show_the_old_state(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let board = create_board(&w, "free", "Lavagna").await;
    put_items(&w, &board, notes()).await;
    let snap = w
        .fac
        .post(
            &format!("/api/boards/{board}/snapshots"),
            json!({ "label": "prima" }),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let mut changed = notes();
    changed[0].text = "Testo cambiato dopo".into();
    changed[0].color = "blue".into();
    put_items(&w, &board, vec![changed.remove(0)]).await;
    let addr = w.server.addr;
    let live = get(
        addr,
        &format!("/api/boards/{board}/export/json"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(live.json()["items"]["s1"]["text"], "Testo cambiato dopo");
    let old = get(
        addr,
        &format!("/api/boards/{board}/export/json?snapshot={snap}"),
        Some(&w.observer),
    )
    .await;
    assert_eq!(old.status, 200);
    assert_eq!(old.json()["items"]["s1"]["text"], "Città più vicina");
    let pdf = get(
        addr,
        &format!("/api/boards/{board}/export/pdf?snapshot={snap}"),
        w.fac_cookie(),
    )
    .await;
    let text = pdf_text(&pdf.body, None, None);
    assert!(
        text.contains("Città più vicina") && !text.contains("cambiato"),
        "{text}"
    );
    assert!(
        text.contains("prima"),
        "the page says which snapshot: {text}"
    );
    let png = get(
        addr,
        &format!("/api/boards/{board}/export/png?snapshot={snap}"),
        w.fac_cookie(),
    )
    .await;
    let png = resvg::tiny_skia::Pixmap::decode_png(&png.body).unwrap();
    let p = png.pixel(250 - 60, 260 - 60).unwrap();
    assert_eq!(
        (p.red(), p.green(), p.blue()),
        (0xFF, 0xE0, 0x66),
        "yellow then"
    );
    // a snapshot of another board, or none
    let other = create_board(&w, "free", "Altra").await;
    let r = get(
        addr,
        &format!("/api/boards/{other}/export/json?snapshot={snap}"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = get(
        addr,
        &format!("/api/boards/{board}/export/json?snapshot=999999"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 404);
    w.stop(db).await;
}

async fn backups_come_back(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let board = create_board(&w, "theory_of_change", "Teoria").await;
    let mut out = item(
        "o1",
        "card",
        Some("output"),
        (640.0, 100.0, 220.0, 100.0),
        "green",
        "Persone raggiunte",
    );
    out.data.insert(
        "indicators".into(),
        json!([{ "id": "i1", "name": "Persone", "unit": "n.", "baseline": "0", "target": "300", "source": "registro", "frequency": "mensile" }]),
    );
    put_items(&w, &board, vec![out]).await;
    let addr = w.server.addr;
    let original = get(
        addr,
        &format!("/api/boards/{board}/export/json"),
        w.fac_cookie(),
    )
    .await
    .json();
    let import = format!("/api/sessions/{}/import", w.session);
    for format in ["yjs", "json"] {
        let backup = get(
            addr,
            &format!("/api/boards/{board}/export/{format}"),
            w.fac_cookie(),
        )
        .await;
        assert_eq!(backup.status, 200);
        let r = request(
            addr,
            "POST",
            &format!("{import}?title=Ripristinata%20{format}"),
            w.fac_cookie(),
            None,
            &backup.body,
        )
        .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let copy = get(
            addr,
            &format!("/api/boards/{id}/export/json"),
            w.fac_cookie(),
        )
        .await
        .json();
        assert_eq!(copy["items"], original["items"], "{format}");
        assert_eq!(copy["meta"]["kind"], "theory_of_change");
        assert_eq!(copy["meta"]["title"], format!("Ripristinata {format}"));
        let row = w.server.store.get_board(&id).await.unwrap().unwrap();
        assert_eq!(row.kind, tavolo_board::BoardKind::TheoryOfChange);
    }
    let n = w
        .server
        .store
        .list_session_boards(&w.session)
        .await
        .unwrap()
        .len();
    // hostile uploads: a clear 400, nothing created
    let cases: Vec<(Option<&str>, Vec<u8>)> = vec![
        (Some("application/octet-stream"), vec![0xff; 64]),
        (Some("application/octet-stream"), vec![]),
        (Some("application/json"), b"{\"meta\":{\"kind\":\"free\"},\"items\":{\"x\":{\"type\":\"bomb\",\"color\":\"red\"}}}".to_vec()),
        (Some("application/json"), b"{not json".to_vec()),
        (Some("application/json"), b"{\"meta\":{\"kind\":\"free\"},\"items\":{},\"links\":{\"l\":{\"from\":\"a\",\"to\":\"b\"}}}".to_vec()),
    ];
    for (ct, body) in cases {
        let r = request(addr, "POST", &import, w.fac_cookie(), ct, &body).await;
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
        assert!(r.json()["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let big = vec![b'{'; 9 * 1024 * 1024];
    let r = request(
        addr,
        "POST",
        &import,
        w.fac_cookie(),
        Some("application/json"),
        &big,
    )
    .await;
    // 413, or (rarely) a reset if the server closes before the answer is read
    assert!(r.status == 413 || r.status == 0, "{}", r.status);
    assert_eq!(
        w.server
            .store
            .list_session_boards(&w.session)
            .await
            .unwrap()
            .len(),
        n,
        "nothing created"
    );
    w.stop(db).await;
}

// ------------------------------------------------------------------ minutes

async fn minutes_of_a_meeting(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let addr = w.server.addr;
    let plenary = create_board(&w, "stakeholder_map", "Chi siede al tavolo").await;
    let mut card = item(
        "a",
        "card",
        Some("stakeholder"),
        (1100.0, 100.0, 200.0, 120.0),
        "blue",
        "Ufficio di Piano",
    );
    card.data.insert("category".into(), "public".into());
    put_items(&w, &plenary, vec![card]).await;
    let free = create_board(&w, "free", "Idee libere").await;
    put_items(&w, &free, notes()).await;
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/breakouts", w.session),
            json!({ "groups": 2, "kind": "problem_tree" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let boards = w
        .server
        .store
        .list_session_boards(&w.session)
        .await
        .unwrap();
    assert_eq!(boards.len(), 4);
    for (i, b) in boards
        .iter()
        .filter(|b| b.room_kind == tavolo_store::RoomKind::Breakout)
        .enumerate()
    {
        let mut cause = item(
            "c1",
            "card",
            Some("cause"),
            (300.0, 700.0, 220.0, 110.0),
            "yellow",
            &format!("Causa del gruppo {}", i + 1),
        );
        cause.z = "z1".into();
        put_items(&w, &b.id, vec![cause]).await;
    }

    // open meeting: the live state, and the cover says so
    let r = get(
        addr,
        &format!("/api/sessions/{}/minutes.zip", w.session),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let entries = tavolo_export::zip::read(&r.body).unwrap();
    let pdf = &entries.iter().find(|e| e.0 == "verbale.pdf").unwrap().1;
    let cover = pdf_text(pdf, Some(1), Some(1));
    assert!(cover.contains("NON ancora chiuso"), "{cover}");

    // close it, then change a board: the minutes keep the closing state
    let r = w
        .fac
        .post(&format!("/api/sessions/{}/close", w.session), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let mut late = notes().remove(0);
    late.text = "Scritto dopo la chiusura".into();
    put_items(&w, &free, vec![late]).await;

    let r = get(
        addr,
        &format!("/api/sessions/{}/minutes.zip", w.session),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/zip"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"verbale-incontro-1-chi-c-e-2026-12-01.zip\"")
    );
    assert_eq!(
        r.header("content-length").and_then(|l| l.parse().ok()),
        Some(r.body.len()),
        "a length, for progress"
    );
    let entries = tavolo_export::zip::read(&r.body).unwrap();
    let names: BTreeSet<String> = entries.iter().map(|e| e.0.clone()).collect();
    let pdf = &entries.iter().find(|e| e.0 == "verbale.pdf").unwrap().1;
    assert_eq!(pdf_pages(pdf), 4 + 1, "a cover and a page per board");
    // the cover lists exactly what the ZIP contains
    let cover = pdf_text(pdf, Some(1), Some(1));
    let listed: BTreeSet<String> = cover
        .split_whitespace()
        .filter(|t| {
            [".pdf", ".png", ".svg", ".json", ".csv", ".md"]
                .iter()
                .any(|e| t.ends_with(e))
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, names, "cover:\n{cover}");
    for t in [
        "Verbale dell'incontro",
        "Incontro 1: chi c'è",
        "Tavolo anziani, città",
        "2026-12-01",
        "Partecipanti: 1",
        "Gruppo 1",
        "Gruppo 2",
        "chiuso",
    ] {
        assert!(cover.contains(t), "{t:?} on the cover:\n{cover}");
    }
    // 4 boards: plenary (a template: 5 files), free (3), two groups (5 each)
    assert_eq!(names.len(), 1 + 5 + 3 + 5 + 5, "{names:?}");
    let all = pdf_text(pdf, None, None);
    for t in [
        "Ufficio di Piano",
        "Città più vicina",
        "Causa del gruppo 1",
        "Causa del gruppo 2",
    ] {
        assert!(all.contains(t), "{t:?} in the minutes");
    }
    assert!(
        !all.contains("Scritto dopo la chiusura"),
        "the closing state, not the live one"
    );
    // each board's files
    let json_of = |suffix: &str| -> Value {
        let e = entries
            .iter()
            .find(|e| e.0.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} in {names:?}"));
        serde_json::from_slice(&e.1).unwrap()
    };
    assert_eq!(
        json_of("idee-libere.json")["items"]["s1"]["text"],
        "Città più vicina"
    );
    let csv = entries
        .iter()
        .find(|e| e.0.ends_with("chi-siede-al-tavolo.csv"))
        .unwrap();
    assert!(String::from_utf8_lossy(&csv.1).contains("Ufficio di Piano;Ente pubblico"));
    for e in entries.iter().filter(|e| e.0.ends_with(".png")) {
        resvg::tiny_skia::Pixmap::decode_png(&e.1).expect("each PNG decodes");
    }
    for e in entries.iter().filter(|e| e.0.ends_with(".svg")) {
        roxmltree::Document::parse(std::str::from_utf8(&e.1).unwrap()).expect("each SVG parses");
    }

    // an observer may download them too; after the meeting, members see the plenary only
    let r = get(
        addr,
        &format!("/api/sessions/{}/minutes.zip", w.session),
        Some(&w.observer),
    )
    .await;
    assert_eq!(r.status, 200);
    let entries = tavolo_export::zip::read(&r.body).unwrap();
    let pdf = &entries.iter().find(|e| e.0 == "verbale.pdf").unwrap().1;
    assert_eq!(pdf_pages(pdf), 2 + 1);
    w.stop(db).await;
}

// ------------------------------------------------------------------ vote results

/// Issue 14, point 4: a closed dot vote's results are exported (CSV, Markdown) and are in
/// the minutes (the cover, `votazioni.csv`, `votazioni.md`), ranked, counts only.
async fn closed_votes_are_exported_and_in_the_minutes(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let addr = w.server.addr;
    let free = create_board(&w, "free", "Idee libere").await;
    put_items(&w, &free, notes()).await;
    let vote = w
        .fac
        .post(&format!("/api/boards/{free}/votes"), json!({ "dots": 3 }))
        .await;
    assert_eq!(vote.status, 201, "{}", vote.json);
    let vote = vote.json["id"].as_str().unwrap().to_owned();
    let mut bruno = Http::new(addr);
    bruno.cookie = Some(w.participant.clone());
    for item in ["s3", "s3", "s2"] {
        let r = bruno
            .post(&format!("/api/votes/{vote}/dots"), json!({ "item": item }))
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
    }
    let r = w
        .fac
        .post(&format!("/api/votes/{vote}/close"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);

    let csv_path = format!("/api/sessions/{}/votes/export/csv", w.session);
    let r = get(addr, &csv_path, Some(&w.observer)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"votazioni-incontro-1-chi-c-e-2026-12-01.csv\"")
    );
    let csv = String::from_utf8(r.body).unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Lavagna;Stanza;Chiusa il;Punti a testa;Posizione;Elemento;Punti;Punti in tutto"
    );
    assert!(lines[1].starts_with("Idee libere;Plenaria;"), "{csv}");
    assert!(lines[1].ends_with(";3;1;È già così;2;3"), "{csv}");
    assert!(lines[2].ends_with(&format!(";3;2;{SCRIPT};1;3")), "{csv}");
    assert_eq!(
        lines.len(),
        4,
        "two voted items and the last line's end: {csv}"
    );
    let r = get(
        addr,
        &format!("/api/sessions/{}/votes/export/md", w.session),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/markdown; charset=utf-8")
    );
    let md = String::from_utf8(r.body).unwrap();
    assert!(md.starts_with("# Risultati delle votazioni"), "{md}");
    assert!(md.contains("## Idee libere — Plenaria"), "{md}");
    assert!(md.contains("| 1 | È già così | 2 |"), "{md}");
    assert!(!md.contains("<script>"), "user text stays inert: {md}");
    // only csv and md; and not for strangers
    let r = get(
        addr,
        &format!("/api/sessions/{}/votes/export/png", w.session),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(get(addr, &csv_path, None).await.status, 401);
    let other = facilitator(&w.server, "bea@altro.example").await;
    assert_eq!(
        get(addr, &csv_path, other.cookie.as_deref()).await.status,
        403
    );

    // the minutes: the cover lists the results and the two files, the ZIP holds them
    let r = get(
        addr,
        &format!("/api/sessions/{}/minutes.zip", w.session),
        Some(&w.participant),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let entries = tavolo_export::zip::read(&r.body).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert!(
        names.contains(&"votazioni.csv") && names.contains(&"votazioni.md"),
        "{names:?}"
    );
    let file = |name: &str| {
        String::from_utf8(entries.iter().find(|e| e.0 == name).unwrap().1.clone()).unwrap()
    };
    assert_eq!(file("votazioni.csv"), csv, "the same table as the export");
    assert!(file("votazioni.md").contains("| 1 | È già così | 2 |"));
    let pdf = &entries.iter().find(|e| e.0 == "verbale.pdf").unwrap().1;
    let cover = pdf_text(pdf, Some(1), Some(1));
    for t in [
        "Risultati delle votazioni (1):",
        "Plenaria — Idee libere",
        "3 punti a testa, 3 in tutto",
        "1. È già così — 2 punti",
        "2. <script>alert(1)</script> — 1 punto",
        "votazioni.csv",
        "votazioni.md",
    ] {
        assert!(cover.contains(t), "{t:?} on the cover:\n{cover}");
    }
    w.stop(db).await;
}

// ------------------------------------------------------------------ gathering

/// The breakout groups' boards of the current round, in the groups' order.
async fn group_boards(w: &World) -> Vec<String> {
    let boards = w
        .server
        .store
        .list_session_boards(&w.session)
        .await
        .unwrap();
    let rooms = w.server.store.list_rooms(&w.session).await.unwrap();
    let mut out = Vec::new();
    for r in rooms
        .iter()
        .filter(|r| r.kind == tavolo_store::RoomKind::Breakout)
    {
        out.extend(
            boards
                .iter()
                .filter(|b| b.room_id == r.id)
                .map(|b| b.id.clone()),
        );
    }
    out
}

async fn gather(w: &World) -> String {
    let r = w
        .fac
        .post(&format!("/api/sessions/{}/gather", w.session), json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["id"].as_str().unwrap().to_owned()
}

async fn live(w: &World, board: &str) -> Board {
    w.server
        .hub
        .read(&BoardId::parse(board).unwrap(), Board::read)
        .await
        .unwrap()
}

/// Issue 14, point 3: gathering Theory-of-Change breakouts gives a Theory of Change — the
/// lanes of every group, each group in its titled frame, the levels still derived — whose
/// CSV and Markdown list the groups' cards by level, and whose minutes page is followed by
/// each group's table as text.
async fn gathering_keeps_the_method(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let addr = w.server.addr;
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/breakouts", w.session),
            json!({ "groups": 2, "kind": "theory_of_change" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let groups = group_boards(&w).await;
    assert_eq!(groups.len(), 2);
    let mut output = item(
        "out",
        "card",
        Some("output"),
        (640.0, 300.0, 220.0, 100.0),
        "blue",
        "Sportello aperto il sabato",
    );
    output.data.insert(
        "indicators".into(),
        json!([{ "id": "i1", "name": "Accessi al mese", "target": "200" }]),
    );
    put_items(
        &w,
        &groups[0],
        vec![
            item(
                "act",
                "card",
                Some("activity"),
                (340.0, 300.0, 220.0, 100.0),
                "yellow",
                "Laboratori nelle scuole",
            ),
            output,
        ],
    )
    .await;
    put_items(
        &w,
        &groups[1],
        vec![item(
            "act",
            "card",
            Some("activity"),
            (340.0, 300.0, 220.0, 100.0),
            "yellow",
            "Passeggiate di quartiere",
        )],
    )
    .await;

    let gid = gather(&w).await;
    let meta = w.fac.get(&format!("/api/boards/{gid}")).await;
    assert_eq!(meta.json["kind"], "theory_of_change", "{}", meta.json);
    let g = live(&w, &gid).await;
    assert_eq!(g.meta.kind, Some(BoardKind::TheoryOfChange));
    assert_eq!(g.meta.template["lanes"].as_array().unwrap().len(), 14);
    let frames = tavolo_board::gather::group_frames(&g);
    let titles: Vec<&str> = frames.iter().map(|f| f.text.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Gruppo 1 — Teoria del cambiamento",
            "Gruppo 2 — Teoria del cambiamento"
        ]
    );
    let level = |text: &str| {
        let i = g.items.values().find(|i| i.text == text).unwrap();
        tavolo_board::derive::toc_level(&g, i)
    };
    assert_eq!(level("Laboratori nelle scuole"), Some("activity"));
    assert_eq!(level("Passeggiate di quartiere"), Some("activity"));
    assert_eq!(level("Sportello aperto il sabato"), Some("output"));
    // the same item id in both groups: two items
    assert!(g.items.contains_key("g1-act") && g.items.contains_key("g2-act"));

    let r = get(
        addr,
        &format!("/api/boards/{gid}/export/csv"),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200);
    let csv = String::from_utf8(r.body).unwrap();
    let rows = parse_csv(csv.trim_start_matches('\u{FEFF}'));
    assert_eq!(rows[0][..3], ["Livello", "Gruppo", "Elemento"]);
    let cards: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .filter(|r| !r.2.is_empty())
        .collect();
    assert_eq!(
        cards,
        [
            (
                "Attività",
                "Gruppo 1 — Teoria del cambiamento",
                "Laboratori nelle scuole"
            ),
            (
                "Attività",
                "Gruppo 2 — Teoria del cambiamento",
                "Passeggiate di quartiere"
            ),
            (
                "Realizzazioni (output)",
                "Gruppo 1 — Teoria del cambiamento",
                "Sportello aperto il sabato"
            ),
        ],
        "by level, then group: {rows:?}"
    );
    let sportello = rows
        .iter()
        .find(|r| r[2] == "Sportello aperto il sabato")
        .unwrap();
    assert_eq!(sportello[3], "Accessi al mese");
    let r = get(
        addr,
        &format!("/api/boards/{gid}/export/md"),
        w.fac_cookie(),
    )
    .await;
    let md = String::from_utf8(r.body).unwrap();
    assert!(
        md.contains("- **Gruppo 2 — Teoria del cambiamento**: Passeggiate di quartiere"),
        "{md}"
    );
    assert!(md.contains("| Accessi al mese |"), "{md}");

    // the minutes: after the gathered board's picture, each group's table as text
    let r = get(
        addr,
        &format!("/api/sessions/{}/minutes.zip", w.session),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let entries = tavolo_export::zip::read(&r.body).unwrap();
    let pdf = &entries.iter().find(|e| e.0 == "verbale.pdf").unwrap().1;
    // a cover, the two groups' boards, the gathered board and its groups' text
    let pages = pdf_pages(pdf);
    assert_eq!(pages, 1 + 3 + 1, "one text page for two small groups");
    // the plenary comes first; the groups' boards move on by the text page
    let cover = pdf_text(pdf, Some(1), Some(1));
    assert!(
        cover.contains("p. 2 — Plenaria — Risultati dei gruppi"),
        "{cover}"
    );
    assert!(cover.contains("p. 4 — Gruppo 1"), "{cover}");
    let text = pdf_text(pdf, Some(3), Some(3));
    for t in [
        "Gruppo 1 — Teoria del cambiamento (Teoria del cambiamento)",
        "Livello · Elemento · Indicatore",
        "Attività · Laboratori nelle scuole",
        "Realizzazioni (output) · Sportello aperto il sabato · Accessi al mese",
        "Gruppo 2 — Teoria del cambiamento",
        "Attività · Passeggiate di quartiere",
    ] {
        assert!(text.contains(t), "{t:?} on the groups' page:\n{text}");
    }
    assert!(
        entries
            .iter()
            .any(|e| e.0.ends_with("risultati-dei-gruppi.csv")),
        "a table for the gathered board"
    );

    // the console's gallery on paper: the facilitator's only
    let gallery = format!("/api/sessions/{}/gallery.pdf", w.session);
    // a member of the meeting is no facilitator
    assert_eq!(get(addr, &gallery, Some(&w.participant)).await.status, 403);
    assert_eq!(get(addr, &gallery, None).await.status, 401);
    let r = get(addr, &gallery, w.fac_cookie()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(
        pdf_pages(&r.body),
        2 + 1,
        "a page per group board, then their tables"
    );
    let first = pdf_text(&r.body, Some(1), Some(1));
    assert!(
        first.contains("Gruppo 1 — Teoria del cambiamento"),
        "{first}"
    );
    let tables = pdf_text(&r.body, Some(3), Some(3));
    for t in [
        "i gruppi a confronto",
        "Attività · Laboratori nelle scuole",
        "Attività · Passeggiate di quartiere",
    ] {
        assert!(tables.contains(t), "{t:?} in the gallery:\n{tables}");
    }
    w.stop(db).await;
}

/// Groups with boards of different templates: a free board, each group's frame keeping its
/// board's kind and geometry, and one table per group in the minutes.
async fn gathering_mixed_templates(backend: Backend) {
    let db = TestDb::new(backend).await;
    let w = world(&db).await;
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/breakouts", w.session),
            json!({ "groups": 2, "kind": "theory_of_change" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let rooms = r.json["rooms"].as_array().unwrap().clone();
    // the second group also maps who is involved
    let r = w
        .fac
        .post(
            &format!("/api/sessions/{}/boards", w.session),
            json!({ "kind": "stakeholder_map", "title": "Chi coinvolgere", "room": rooms[1] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let map = r.json["id"].as_str().unwrap().to_owned();
    let groups = group_boards(&w).await;
    put_items(
        &w,
        &groups[0],
        vec![item(
            "act",
            "card",
            Some("activity"),
            (340.0, 300.0, 220.0, 100.0),
            "yellow",
            "Laboratori nelle scuole",
        )],
    )
    .await;
    let mut s = item(
        "s",
        "card",
        Some("stakeholder"),
        (1100.0, 100.0, 200.0, 120.0),
        "blue",
        "Ufficio di Piano",
    );
    s.data.insert("category".into(), "public".into());
    put_items(&w, &map, vec![s]).await;

    let gid = gather(&w).await;
    let g = live(&w, &gid).await;
    assert_eq!(g.meta.kind, Some(BoardKind::Free));
    let frames = tavolo_board::gather::group_frames(&g);
    assert_eq!(frames.len(), 3, "one frame per group board");
    let kinds: Vec<&str> = frames.iter().map(|f| f.data_str("kind")).collect();
    assert_eq!(
        kinds,
        ["theory_of_change", "theory_of_change", "stakeholder_map"]
    );
    for pair in frames.windows(2) {
        assert!(pair[1].x >= pair[0].x + pair[0].w, "side by side");
    }
    let r = get(
        w.server.addr,
        &format!("/api/sessions/{}/minutes.zip", w.session),
        w.fac_cookie(),
    )
    .await;
    assert_eq!(r.status, 200);
    let entries = tavolo_export::zip::read(&r.body).unwrap();
    let pdf = &entries.iter().find(|e| e.0 == "verbale.pdf").unwrap().1;
    let text = pdf_text(pdf, Some(3), Some(3));
    for t in [
        "Gruppo 1 — Teoria del cambiamento (Teoria del cambiamento)",
        "Attività · Laboratori nelle scuole",
        "Gruppo 2 — Chi coinvolgere (Mappa degli stakeholder)",
        "Nome · Categoria · Atteggiamento · Potere · Interesse",
        "Ufficio di Piano · Ente pubblico",
    ] {
        assert!(text.contains(t), "{t:?} on the groups' page:\n{text}");
    }
    w.stop(db).await;
}

on_both_backends!(
    gathering_keeps_the_method,
    gathering_mixed_templates,
    closed_votes_are_exported_and_in_the_minutes,
    board_pictures,
    who_may_export,
    tables_match_the_board,
    snapshots_show_the_old_state,
    backups_come_back,
    minutes_of_a_meeting,
);
