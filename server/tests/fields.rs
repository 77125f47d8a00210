//! Free-text fields (schema version 2, issue 14): on the real server and database, a board
//! stored before version 2 (plain strings in `data`, `label`, `meta.title`) is migrated
//! exactly once, by the server, when it is loaded — one logged update, none on the next
//! load, one in all when two servers load it at the same moment — and the exports read the
//! fields' merged `Y.Text`s: two people who typed into the same field at once each find
//! their words whole in the CSV and the Markdown.

mod common;

use common::{http_get, Backend, TestDb, TestServer, WAIT};
use serde_json::{json, Value};
use tavolo_board::{Board, FIELDS, TITLE_FIELD};
use tavolo_client::Client;
use tavolo_store::BoardAppend;
use tavolo_sync::BoardId;
use yrs::types::ToJson;
use yrs::updates::decoder::Decode;
use yrs::{
    Any, Doc, GetString, Map, MapRef, ReadTxn, Text, TextPrelim, TextRef, Transact, Update,
    WriteTxn,
};

/// A stakeholder map as a version-1 client wrote it: every free-text field a plain string.
fn version_1_board() -> Vec<u8> {
    let doc = Doc::new();
    let mut txn = doc.transact_mut();
    let meta = txn.get_or_insert_map("meta");
    let to_any = |v: Value| -> Any { serde_json::from_value(v).unwrap() };
    meta.insert(&mut txn, "schema", 1);
    meta.insert(&mut txn, "kind", "stakeholder_map");
    meta.insert(&mut txn, "title", "Tavolo anziani 2025");
    meta.insert(&mut txn, "locked", false);
    meta.insert(
        &mut txn,
        "template",
        to_any(json!({ "grid": { "x": 0, "y": 0, "w": 1600, "h": 1200 } })),
    );
    let items = txn.get_or_insert_map("items");
    let texts = txn.get_or_insert_map("texts");
    let objects = [
        (
            "liceo",
            "Liceo Galilei",
            json!({ "type": "card", "x": 1200, "y": 100, "w": 200, "h": 120, "color": "blue",
                    "z": "a0", "role": "stakeholder",
                    "data": { "category": "public", "notes": "Contattare la preside" } }),
        ),
        (
            "coop",
            "Cooperativa Aurora",
            json!({ "type": "card", "x": 200, "y": 900, "w": 200, "h": 120, "color": "green",
                    "z": "a1", "role": "stakeholder", "data": { "category": "third_sector" } }),
        ),
        (
            "piano",
            "Persone seguite",
            json!({ "type": "card", "x": 600, "y": 600, "w": 200, "h": 120, "color": "pink",
                    "z": "a2", "role": "output",
                    "data": { "indicators": [
                        { "id": "ind-x", "name": "Anziani raggiunti", "unit": "persone",
                          "baseline": "0", "target": "120", "source": "registro", "frequency": "mensile" },
                        { "name": "Indicatore senza id", "unit": "", "baseline": "", "target": "",
                          "source": "", "frequency": "" } ] } }),
        ),
        (
            "report",
            "Ore di volontariato",
            json!({ "type": "card", "x": 900, "y": 300, "w": 200, "h": 120, "color": "yellow",
                    "z": "a3", "role": "report_item",
                    "data": { "audience": "Consiglio comunale", "period": "annuale" } }),
        ),
    ];
    for (id, text, obj) in objects {
        items.insert(&mut txn, id, to_any(obj));
        texts.insert(&mut txn, id, TextPrelim::new(text));
    }
    let links = txn.get_or_insert_map("links");
    links.insert(
        &mut txn,
        "l1",
        to_any(json!({ "from": "liceo", "to": "coop", "kind": "relation", "label": "progetto comune" })),
    );
    txn.encode_update_v1()
}

fn field(txn: &impl ReadTxn, path: &str) -> Option<String> {
    let fields: MapRef = txn.get_map(FIELDS)?;
    let t: TextRef = fields.get(txn, path)?.cast().ok()?;
    Some(t.get_string(txn))
}

async fn stored_head(server: &TestServer, board: &str) -> i64 {
    server.store.heads(&[board.to_owned()]).await.unwrap()[0]
}

/// Waits until the server has unloaded the board (so the next access loads it again).
async fn unloaded(server: &TestServer) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while server.hub.live_boards() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the board stays loaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn export(server: &TestServer, board: &str, format: &str) -> String {
    let (status, body) =
        http_get(server.addr, &format!("/api/boards/{board}/export/{format}")).await;
    assert_eq!(status, 200, "{format}: {body}");
    body
}

async fn old_board_is_migrated_once_and_reads_the_same(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let board = "vecchia-mappa";
    server
        .store
        .append(&[BoardAppend {
            board_id: board.into(),
            updates: vec![version_1_board()],
        }])
        .await
        .unwrap();
    assert_eq!(stored_head(&server, board).await, 1);

    // what every export shows of the old board, read before anything was migrated
    let before = {
        let doc = Doc::new();
        doc.transact_mut()
            .apply_update(Update::decode_v1(&version_1_board()).unwrap())
            .unwrap();
        Board::read(&doc)
    };
    assert_eq!(before.meta.title, "Tavolo anziani 2025");
    assert_eq!(
        before.items["liceo"].data_str("notes"),
        "Contattare la preside"
    );

    // loading it (an export) migrates it: one more logged update
    let md = export(&server, board, "md").await;
    assert_eq!(
        stored_head(&server, board).await,
        2,
        "the migration is one logged update"
    );
    for s in [
        "Tavolo anziani 2025",
        "Contattare la preside",
        "progetto comune",
    ] {
        assert!(md.contains(s), "the Markdown lacks {s:?}:\n{md}");
    }
    let csv = export(&server, board, "csv").await;
    assert!(csv.contains("Contattare la preside"), "{csv}");
    // the JSON export (the schema's JSON form) has every field, as plain strings
    let exported: Value = serde_json::from_str(&export(&server, board, "json").await).unwrap();
    assert_eq!(exported["meta"]["title"], "Tavolo anziani 2025");
    assert_eq!(exported["meta"]["schema"], 2);
    assert_eq!(
        exported["items"]["liceo"]["data"]["notes"],
        "Contattare la preside"
    );
    assert_eq!(
        exported["items"]["report"]["data"]["audience"],
        "Consiglio comunale"
    );
    let inds = &exported["items"]["piano"]["data"]["indicators"];
    assert_eq!(inds[0]["name"], "Anziani raggiunti");
    assert_eq!(inds[1]["name"], "Indicatore senza id");
    assert_eq!(exported["links"]["l1"]["label"], "progetto comune");

    let bid = BoardId::parse(board).unwrap();
    let (after, raw) = server
        .hub
        .read(&bid, |doc| {
            let txn = doc.transact();
            let items = txn.get_map("items").unwrap().to_json(&txn);
            let links = txn.get_map("links").unwrap().to_json(&txn);
            let meta = txn.get_map("meta").unwrap().to_json(&txn);
            let fields = [
                TITLE_FIELD,
                "item/liceo/notes",
                "item/coop/notes",
                "item/report/audience",
                "item/report/channel",
                "item/piano/indicator/ind-x/name",
                "item/piano/indicator/ind-1/name",
                "link/l1/label",
            ]
            .map(|p| (p, field(&txn, p)));
            (
                Board::read(doc),
                (
                    serde_json::to_value(items).unwrap(),
                    serde_json::to_value(links).unwrap(),
                    serde_json::to_value(meta).unwrap(),
                    fields,
                ),
            )
        })
        .await
        .unwrap();
    let (items, links, meta, fields) = raw;
    // each field is a Y.Text holding what the plain string held; no plain string is left
    let want = [
        (TITLE_FIELD, "Tavolo anziani 2025"),
        ("item/liceo/notes", "Contattare la preside"),
        ("item/coop/notes", ""),
        ("item/report/audience", "Consiglio comunale"),
        ("item/report/channel", ""),
        ("item/piano/indicator/ind-x/name", "Anziani raggiunti"),
        ("item/piano/indicator/ind-1/name", "Indicatore senza id"),
        ("link/l1/label", "progetto comune"),
    ];
    for ((path, got), (_, want)) in fields.iter().zip(want) {
        assert_eq!(got.as_deref(), Some(want), "{path}");
    }
    assert_eq!(meta["schema"], json!(2));
    assert!(meta.get("title").is_none(), "{meta}");
    assert_eq!(items["liceo"]["data"], json!({ "category": "public" }));
    assert_eq!(items["report"].get("data"), None, "{}", items["report"]);
    assert_eq!(
        items["piano"]["data"]["indicators"],
        json!([{ "id": "ind-x" }, { "id": "ind-1" }])
    );
    assert!(links["l1"].get("label").is_none(), "{}", links["l1"]);
    // and the board reads as it did (the unnamed indicator now has its id)
    let mut expected = before.clone();
    expected.meta.schema = 2;
    expected
        .items
        .get_mut("piano")
        .unwrap()
        .data
        .get_mut("indicators")
        .unwrap()[1]["id"] = json!("ind-1");
    assert_eq!(after, expected);

    // loaded again later: nothing left to migrate, nothing written
    unloaded(&server).await;
    let again = export(&server, board, "md").await;
    assert_eq!(again, md);
    assert_eq!(stored_head(&server, board).await, 2, "migrated once only");
    server.stop().await;
    // and by a new server on the same database
    let server = TestServer::start(&db).await;
    assert_eq!(export(&server, board, "md").await, md);
    assert_eq!(stored_head(&server, board).await, 2, "migrated once only");
    server.stop().await;
    db.cleanup().await;
}

async fn two_servers_loading_an_old_board_migrate_it_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let a = TestServer::start(&db).await;
    let b = TestServer::start(&db).await;
    for round in 0..5 {
        let board = format!("vecchia-{round}");
        a.store
            .append(&[BoardAppend {
                board_id: board.clone(),
                updates: vec![version_1_board()],
            }])
            .await
            .unwrap();
        // both load it at the same moment
        let (ma, mb) = tokio::join!(export(&a, &board, "md"), export(&b, &board, "md"));
        assert!(ma.contains("Contattare la preside"), "{ma}");
        assert_eq!(ma, mb, "both servers read the same board");
        assert_eq!(
            stored_head(&a, &board).await,
            2,
            "round {round}: one migration, written by one server"
        );
        let log = a.store.load_board(&board).await.unwrap();
        assert_eq!(log.updates.len(), 2);
    }
    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}

/// Types `words` at the end of a field's Y.Text, one character per transaction.
fn type_into(doc: &Doc, path: &str, words: &str) {
    for c in words.chars() {
        let mut txn = doc.transact_mut();
        let fields = txn.get_or_insert_map(FIELDS);
        let text: TextRef = fields.get(&txn, path).unwrap().cast().unwrap();
        let end = text.len(&txn);
        text.insert(&mut txn, end, &c.to_string());
    }
}

async fn concurrent_typing_in_a_field_reaches_the_exports_whole(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let board = "mappa-viva";
    server
        .store
        .append(&[BoardAppend {
            board_id: board.into(),
            updates: vec![version_1_board()],
        }])
        .await
        .unwrap();
    // two people get the (migrated) board, then type in the same notes while apart
    let first = server.client(board).await;
    let state = first
        .doc()
        .transact()
        .encode_state_as_update_v1(&Default::default());
    first.close().await;
    let anna_words = " Anna porta il verbale";
    let bruno_words = " Bruno chiama la preside";
    let docs: Vec<Doc> = (0..2)
        .map(|_| {
            let d = Doc::new();
            d.transact_mut()
                .apply_update(Update::decode_v1(&state).unwrap())
                .unwrap();
            d
        })
        .collect();
    type_into(&docs[0], "item/liceo/notes", anna_words);
    type_into(&docs[1], "item/liceo/notes", bruno_words);
    type_into(&docs[0], "item/report/channel", " sito");
    type_into(&docs[1], "item/report/channel", " bacheca");
    let mut clients = Vec::new();
    for d in docs {
        let c = Client::connect_with_doc(&server.ws_url(board), d)
            .await
            .unwrap();
        c.wait_synced(WAIT).await.unwrap();
        clients.push(c);
    }
    for c in &clients {
        common::committed(&server.ws_url(board), c).await;
    }
    let notes = server
        .hub
        .read(&BoardId::parse(board).unwrap(), |doc| {
            Board::read(doc).items["liceo"].data_str("notes").to_owned()
        })
        .await
        .unwrap();
    let base = "Contattare la preside";
    assert!(
        notes == format!("{base}{anna_words}{bruno_words}")
            || notes == format!("{base}{bruno_words}{anna_words}"),
        "{notes:?}"
    );
    let md = export(&server, board, "md").await;
    let csv = export(&server, board, "csv").await;
    for words in [anna_words, bruno_words] {
        assert!(md.contains(words.trim()), "Markdown: {md}");
        assert!(csv.contains(words.trim()), "CSV: {csv}");
    }
    for c in clients {
        c.close().await;
    }
    server.stop().await;
    db.cleanup().await;
}

on_both_backends!(
    old_board_is_migrated_once_and_reads_the_same,
    two_servers_loading_an_old_board_migrate_it_once,
    concurrent_typing_in_a_field_reaches_the_exports_whole,
);
