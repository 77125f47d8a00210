//! Private mode's reveal: every participant's draft joins the board at once, as new items
//! of their own. Pure functions of the boards, so the server's handler only loads, writes
//! and publishes.

use crate::{Board, Item, Link, Meta, SCHEMA_VERSION};
use serde_json::Value;
use std::collections::BTreeMap;
use yrs::{Map, TransactionMut, WriteTxn};

/// A draft's items and links as they join the board: every item under a fresh id (from
/// `fresh`) with `author` set to the draft's owner; its text goes with it (`Item::text`);
/// a `frame` or a link's end names the item's new id when it is in the draft, stays when
/// it names an item of the board, and otherwise is dropped (a link with such an end is
/// left out); an assumption's `data.link` follows its link's new id, or goes.
pub fn from_draft(
    draft: &Board,
    author: &str,
    board: &Board,
    mut fresh: impl FnMut() -> String,
) -> (Vec<Item>, Vec<Link>) {
    let item_ids: BTreeMap<&str, String> =
        draft.items.keys().map(|k| (k.as_str(), fresh())).collect();
    let link_ids: BTreeMap<&str, String> =
        draft.links.keys().map(|k| (k.as_str(), fresh())).collect();
    let item_ref = |old: &str| -> Option<String> {
        match item_ids.get(old) {
            Some(new) => Some(new.clone()),
            None if board.items.contains_key(old) => Some(old.to_owned()),
            None => None,
        }
    };
    let items = draft
        .items
        .values()
        .map(|item| {
            let mut item = item.clone();
            item.id = item_ids[item.id.as_str()].clone();
            item.author = Some(author.to_owned());
            item.frame = item.frame.as_deref().and_then(item_ref);
            if let Some(link) = item.data.get("link").and_then(Value::as_str) {
                match link_ids.get(link) {
                    Some(new) => {
                        item.data.insert("link".into(), Value::String(new.clone()));
                    }
                    None if board.links.contains_key(link) => {}
                    None => {
                        item.data.remove("link");
                    }
                }
            }
            item
        })
        .collect();
    let links = draft
        .links
        .values()
        .filter_map(|link| {
            Some(Link {
                id: link_ids[link.id.as_str()].clone(),
                from: item_ref(&link.from)?,
                to: item_ref(&link.to)?,
                ..link.clone()
            })
        })
        .collect();
    (items, links)
}

/// Adds revealed items and links to a board's document, leaving the rest as it is.
pub fn add(txn: &mut TransactionMut, items: Vec<Item>, links: Vec<Link>) {
    let addition = Board {
        meta: Meta {
            schema: SCHEMA_VERSION,
            kind: None,
            title: String::new(),
            locked: false,
            template: Value::Null,
            source_board: None,
        },
        items: items.into_iter().map(|i| (i.id.clone(), i)).collect(),
        links: links.into_iter().map(|l| (l.id.clone(), l)).collect(),
    };
    addition.write_items(txn);
}

/// Takes from a draft's document what was revealed of it (`revealed`, the draft as it was
/// read), keeping whatever its author wrote since: nothing is revealed twice.
pub fn take(txn: &mut TransactionMut, revealed: &Board) {
    let (items, texts, links) = (
        txn.get_or_insert_map("items"),
        txn.get_or_insert_map("texts"),
        txn.get_or_insert_map("links"),
    );
    for k in revealed.items.keys() {
        items.remove(txn, k);
        texts.remove(txn, k);
    }
    for k in revealed.links.keys() {
        links.remove(txn, k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(json: Value) -> Board {
        Board::from_json(&json).unwrap()
    }

    #[test]
    fn drafts_get_fresh_ids_and_their_real_author() {
        let on_board = board(serde_json::json!({
            "meta": { "schema": 1, "kind": "free", "title": "" },
            "items": {
                "budget": { "type": "sticky", "x": 0, "y": 0, "w": 100, "h": 100, "color": "yellow", "z": "a0", "author": "p1", "text": "budget 10.000 EUR" },
                "f1": { "type": "frame", "x": 0, "y": 0, "w": 900, "h": 900, "color": "grey", "z": "a1" }
            },
            "links": {}
        }));
        let draft = board(serde_json::json!({
            "meta": { "schema": 1, "kind": "free", "title": "" },
            "items": {
                "budget": { "type": "sticky", "x": 0, "y": 0, "w": 100, "h": 100, "color": "yellow", "z": "a0", "author": "p1", "text": "budget 0 EUR", "frame": "f1" },
                "mine": { "type": "sticky", "x": 5, "y": 5, "w": 100, "h": 100, "color": "blue", "z": "a2", "frame": "ghost", "text": "idea" },
                "note": { "type": "card", "role": "assumption", "x": 5, "y": 5, "w": 100, "h": 100, "color": "blue", "z": "a3", "data": { "link": "l1" } }
            },
            "links": {
                "l1": { "from": "mine", "to": "budget", "kind": "arrow" },
                "l2": { "from": "mine", "to": "ghost", "kind": "arrow" }
            }
        }));
        let mut n = 0;
        let (items, links) = from_draft(&draft, "p2", &on_board, || {
            n += 1;
            format!("new{n}")
        });
        assert_eq!(items.len(), 3);
        for item in &items {
            assert!(item.id.starts_with("new"), "fresh id: {}", item.id);
            assert_eq!(item.author.as_deref(), Some("p2"), "the draft's owner");
        }
        let by_text = |t: &str| items.iter().find(|i| i.text == t).unwrap();
        let zero = by_text("budget 0 EUR");
        assert_eq!(
            zero.frame.as_deref(),
            Some("f1"),
            "a frame of the board stays"
        );
        let mine = by_text("idea");
        assert_eq!(mine.frame, None, "a frame nobody has goes");
        // l1 joined the draft's own copy of "budget", which is a new item now
        assert_eq!(links.len(), 1, "the link to nothing is left out");
        assert_eq!(
            (links[0].from.as_str(), links[0].to.as_str()),
            (mine.id.as_str(), zero.id.as_str())
        );
        let note = items
            .iter()
            .find(|i| i.role.as_deref() == Some("assumption"))
            .unwrap();
        assert_eq!(
            note.data_str("link"),
            links[0].id,
            "data.link follows its link"
        );
    }
}
