//! The schema fixtures (`schema/fixtures/*.json`), shared with the web client's tests:
//! each is written into a yrs document, read back unchanged, and every `expected` value
//! is derived from it.

use serde_json::Value;
use std::path::PathBuf;
use tavolo_board::derive::{self, Quadrant};
use tavolo_board::{Board, BoardKind};
use yrs::updates::decoder::Decode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update, WriteTxn};

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schema/fixtures")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Writes the fixture into a document, ships it through a v1 update into a second
/// document (as the server would), and reads it back.
fn round_trip(v: &Value) -> Board {
    let board = Board::from_json(v).unwrap();
    let a = Doc::new();
    board.write(&a);
    let update = a
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let b = Doc::new();
    b.transact_mut()
        .apply_update(Update::decode_v1(&update).unwrap())
        .unwrap();
    let read = Board::read(&b);
    assert_eq!(read, board, "a board reads back as written");
    let mut without_expected = v.clone();
    without_expected.as_object_mut().unwrap().remove("expected");
    assert_eq!(
        read.to_json(),
        without_expected,
        "to_json is the schema's JSON form"
    );
    read
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

#[test]
fn every_fixture_round_trips() {
    for kind in BoardKind::ALL {
        if kind == BoardKind::ObjectiveTree {
            continue; // made by conversion, checked below
        }
        let v = fixture(kind.as_str());
        let board = round_trip(&v);
        assert_eq!(board.meta.kind, Some(kind));
    }
}

#[test]
fn stakeholder_scores_follow_position() {
    let v = fixture("stakeholder_map");
    let board = round_trip(&v);
    let expected = &v["expected"]["stakeholders"];
    let got = derive::stakeholders(&board);
    assert_eq!(got.len(), 4);
    for s in got {
        let e = &expected[&s.id];
        assert!(
            close(s.power, e["power"].as_f64().unwrap()),
            "{} power {}",
            s.id,
            s.power
        );
        assert!(
            close(s.interest, e["interest"].as_f64().unwrap()),
            "{} interest {}",
            s.id,
            s.interest
        );
        assert_eq!(
            s.quadrant.as_str(),
            e["quadrant"].as_str().unwrap(),
            "{}",
            s.id
        );
        assert_eq!(s.ring, e["ring"].as_str().unwrap(), "{}", s.id);
    }
    assert_eq!(Quadrant::from_scores(0.5, 0.5), Quadrant::ManageClosely);
}

#[test]
fn problem_tree_outline_and_objective_roles() {
    let v = fixture("problem_tree");
    let board = round_trip(&v);
    let outline: Vec<Value> = derive::problem_outline(&board)
        .into_iter()
        .map(|e| serde_json::json!({ "id": e.id, "role": e.role, "depth": e.depth }))
        .collect();
    assert_eq!(Value::Array(outline), v["expected"]["outline"]);
    for (id, role) in v["expected"]["objective_roles"].as_object().unwrap() {
        let item = &board.items[id];
        assert_eq!(
            derive::objective_role(item.role.as_deref().unwrap()),
            role.as_str()
        );
    }
}

#[test]
fn toc_levels_come_from_lanes() {
    let v = fixture("theory_of_change");
    let board = round_trip(&v);
    for (id, level) in v["expected"]["levels"].as_object().unwrap() {
        assert_eq!(
            derive::toc_level(&board, &board.items[id]),
            level.as_str(),
            "{id}"
        );
    }
    let inds = derive::indicators(&board);
    assert_eq!(
        inds.len() as u64,
        v["expected"]["indicator_count"].as_u64().unwrap()
    );
    assert_eq!(inds[0].name, "Persone raggiunte");
    assert_eq!(inds[0].target, "300");
}

#[test]
fn social_report_sections_and_frames() {
    let v = fixture("social_report");
    let board = round_trip(&v);
    let items: Vec<&str> = board
        .items_with_role("report_item")
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    let expected: Vec<&str> = v["expected"]["report_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(items, expected);
    for (id, section) in v["expected"]["sections"].as_object().unwrap() {
        assert_eq!(
            derive::report_section(&board, &board.items[id]).as_deref(),
            section.as_str()
        );
    }
    let free = round_trip(&fixture("free"));
    let children = derive::frame_children(&free);
    let expected = fixture("free")["expected"]["frame_children"].clone();
    assert_eq!(serde_json::to_value(children).unwrap(), expected);
}

#[test]
fn empty_and_foreign_documents_read_as_empty_boards() {
    let doc = Doc::new();
    let b = Board::read(&doc);
    assert!(b.items.is_empty() && b.links.is_empty());
    assert_eq!(b.meta.kind, None);
    // a document with unrelated content
    let other = Doc::new();
    let m = other.get_or_insert_map("items");
    yrs::Map::insert(&m, &mut other.transact_mut(), "x", 5);
    assert!(
        Board::read(&other).items.is_empty(),
        "a non-object item is skipped"
    );
    assert!(Board::from_json(&serde_json::json!({"meta": {"kind": "nope"}})).is_err());
}

#[test]
fn templates_are_boards_of_their_kind() {
    for kind in BoardKind::ALL {
        let b = Board::template(kind, "Titolo");
        assert_eq!(b.meta.kind, Some(kind));
        assert_eq!(b.meta.title, "Titolo");
        let doc = Doc::new();
        b.write(&doc);
        assert_eq!(Board::read(&doc), b);
    }
    assert!(
        Board::template(BoardKind::TheoryOfChange, "").meta.template["lanes"]
            .as_array()
            .unwrap()
            .len()
            == 7
    );
    assert!(Board::template(BoardKind::ProblemTree, "")
        .items
        .contains_key("core"));
}

#[test]
fn replace_content_makes_a_document_equal_to_a_board() {
    let toc = Board::from_json(&fixture("theory_of_change")).unwrap();
    let free = Board::from_json(&fixture("free")).unwrap();
    let doc = Doc::new();
    free.write(&doc);
    {
        let mut txn = doc.transact_mut();
        toc.replace_content(&mut txn);
    }
    assert_eq!(Board::read(&doc), toc);
    // and back, as an update another replica applies
    let other = Doc::new();
    let full = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    other
        .transact_mut()
        .apply_update(Update::decode_v1(&full).unwrap())
        .unwrap();
    let update = {
        let mut txn = other.transact_mut();
        free.replace_content(&mut txn);
        txn.encode_update_v1()
    };
    assert_eq!(Board::read(&other), free);
    doc.transact_mut()
        .apply_update(Update::decode_v1(&update).unwrap())
        .unwrap();
    assert_eq!(
        Board::read(&doc),
        free,
        "the restore travels as one ordinary update"
    );
}

/// Schema version 2: every free-text field of a fixture is a Y.Text in `fields`, the
/// stored objects hold none of them, and a written board needs no migration.
#[test]
fn free_text_fields_are_texts_and_a_new_board_needs_no_migration() {
    use yrs::{GetString, Map, MapRef, TextRef};
    for kind in [
        "stakeholder_map",
        "theory_of_change",
        "social_report",
        "free",
    ] {
        let board = Board::from_json(&fixture(kind)).unwrap();
        let doc = Doc::new();
        board.write(&doc);
        let txn = doc.transact();
        let fields: MapRef = txn.get_map(tavolo_board::FIELDS).unwrap();
        let text = |p: &str| -> String {
            let t: TextRef = fields.get(&txn, p).unwrap().cast().unwrap();
            t.get_string(&txn)
        };
        assert_eq!(text(tavolo_board::TITLE_FIELD), board.meta.title);
        let mut paths = 1;
        for item in board.items.values() {
            for (path, value) in item.fields() {
                assert_eq!(text(&path), value, "{kind} {path}");
                paths += 1;
            }
        }
        for link in board.links.values() {
            assert_eq!(
                text(&link.label_path()),
                link.label.clone().unwrap_or_default()
            );
            paths += 1;
        }
        assert_eq!(fields.len(&txn) as usize, paths, "{kind}: no other fields");
        drop(txn);
        let mut txn = doc.transact_mut();
        assert!(!Board::migrate(&mut txn), "{kind}: nothing to migrate");
    }
}

/// Two replicas typing into the same field at once: the reading holds both words whole.
#[test]
fn concurrent_typing_in_one_field_merges() {
    use yrs::{Map, Text, TextRef};
    let board = Board::from_json(&fixture("stakeholder_map")).unwrap();
    let id = board
        .items
        .values()
        .find(|i| i.role.as_deref() == Some("stakeholder"))
        .unwrap()
        .id
        .clone();
    let a = Doc::new();
    board.write(&a);
    let b = Doc::new();
    let full = a
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    b.transact_mut()
        .apply_update(Update::decode_v1(&full).unwrap())
        .unwrap();
    let path = format!("item/{id}/notes");
    let before = board.items[&id].data_str("notes").to_owned();
    let type_in = |doc: &Doc, words: &str| -> Vec<u8> {
        let sv = doc.transact().state_vector();
        for c in words.chars() {
            let mut txn = doc.transact_mut();
            let fields = txn.get_or_insert_map(tavolo_board::FIELDS);
            let t: TextRef = fields.get(&txn, &path).unwrap().cast().unwrap();
            let end = t.len(&txn);
            t.insert(&mut txn, end, &c.to_string());
        }
        doc.transact().encode_state_as_update_v1(&sv)
    };
    let ua = type_in(&a, " Anna chiama");
    let ub = type_in(&b, " Bruno scrive");
    a.transact_mut()
        .apply_update(Update::decode_v1(&ub).unwrap())
        .unwrap();
    b.transact_mut()
        .apply_update(Update::decode_v1(&ua).unwrap())
        .unwrap();
    let (ra, rb) = (Board::read(&a), Board::read(&b));
    assert_eq!(ra, rb);
    let notes = ra.items[&id].data_str("notes");
    assert!(
        notes == format!("{before} Anna chiama Bruno scrive")
            || notes == format!("{before} Bruno scrive Anna chiama"),
        "{notes:?}"
    );
}

/// A version-1 document (plain strings) reads the same before and after `migrate`, and
/// migrating twice changes nothing the second time.
#[test]
fn migrate_moves_plain_strings_into_texts_once() {
    use yrs::{Any, Map, TextPrelim};
    let board = Board::from_json(&fixture("theory_of_change")).unwrap();
    let doc = Doc::new();
    {
        // written the version-1 way: the JSON form's objects as they are
        let mut txn = doc.transact_mut();
        let to_any = |v: Value| -> Any { serde_json::from_value(v).unwrap() };
        let meta = txn.get_or_insert_map("meta");
        meta.insert(&mut txn, "schema", 1);
        meta.insert(&mut txn, "kind", "theory_of_change");
        meta.insert(&mut txn, "title", board.meta.title.as_str());
        meta.insert(&mut txn, "locked", false);
        meta.insert(&mut txn, "template", to_any(board.meta.template.clone()));
        let items = txn.get_or_insert_map("items");
        let texts = txn.get_or_insert_map("texts");
        for item in board.items.values() {
            items.insert(
                &mut txn,
                item.id.as_str(),
                to_any(Value::Object(item.to_object())),
            );
            texts.insert(
                &mut txn,
                item.id.as_str(),
                TextPrelim::new(item.text.as_str()),
            );
        }
        let links = txn.get_or_insert_map("links");
        for link in board.links.values() {
            links.insert(
                &mut txn,
                link.id.as_str(),
                to_any(Value::Object(link.to_object())),
            );
        }
    }
    let mut v1 = Board::read(&doc);
    assert_eq!(v1.meta.schema, 1);
    v1.meta.schema = tavolo_board::SCHEMA_VERSION;
    assert_eq!(
        v1, board,
        "a version-1 document reads through its plain strings"
    );
    let update = {
        let mut txn = doc.transact_mut();
        assert!(Board::migrate(&mut txn));
        txn.encode_update_v1()
    };
    assert_eq!(Board::read(&doc), board, "and the same once migrated");
    {
        let mut txn = doc.transact_mut();
        assert!(
            !Board::migrate(&mut txn),
            "a migrated board needs nothing more"
        );
    }
    // the migrated document holds what a version-2 writer writes
    let fresh = Doc::new();
    board.write(&fresh);
    let json = |d: &Doc| {
        let txn = d.transact();
        ["meta", "items", "links", tavolo_board::FIELDS].map(|r| {
            use yrs::types::ToJson;
            serde_json::to_value(txn.get_map(r).unwrap().to_json(&txn)).unwrap()
        })
    };
    assert_eq!(json(&doc), json(&fresh));
    assert!(!update.is_empty());
}
