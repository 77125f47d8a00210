//! Private mode (silent brainstorming): each participant writes in a draft of their own,
//! and the reveal merges every draft into the board at once.

use super::error::ApiResult;
use super::guard::{board_id, OwnedBoard};
use super::view::{change_state, SessionView};
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tavolo_board::{Board, Item, Link};
use tavolo_rooms::{access, auth};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/boards/{id}/private", post(private_mode))
        .route("/api/boards/{id}/reveal", post(reveal))
}

#[derive(Deserialize)]
struct PrivateBody {
    on: bool,
}

async fn private_mode(
    State(s): State<AppState>,
    OwnedBoard { board, .. }: OwnedBoard,
    Json(b): Json<PrivateBody>,
) -> ApiResult<Json<SessionView>> {
    let id = board.id;
    change_state(&s, &board.session_id, move |st| {
        if b.on {
            st.private.insert(id, true);
        } else {
            st.private.remove(&id);
        }
        Ok(())
    })
    .await
    .map(Json)
}

#[derive(Serialize)]
struct Revealed {
    ok: bool,
    revealed: usize,
}

/// Copies every participant's private draft into the board in one change, takes what it
/// copied out of the drafts, and ends private mode.
///
/// A draft is its author's own document and may hold anything (a hostile client writes
/// raw Yjs): each revealed item gets a fresh id, so no draft can overwrite an item of the
/// board, and its `author` is the participant whose draft it came from, whatever the draft
/// says. Texts, frames and links follow their items' new ids (see [`from_draft`]).
async fn reveal(
    State(s): State<AppState>,
    OwnedBoard { board, id: bid, .. }: OwnedBoard,
) -> ApiResult<Json<Revealed>> {
    let id = board.id;
    let on_board = s.hub.read(&bid, Board::read).await?;
    let mut items = Vec::new();
    let mut links = Vec::new();
    let mut taken = Vec::new();
    for p in s.store.list_participants(&board.session_id).await? {
        let draft_id = board_id(&access::draft_id(&id, &p.id))?;
        let draft = s.hub.read(&draft_id, Board::read).await?;
        if draft.items.is_empty() && draft.links.is_empty() {
            continue;
        }
        let (i, l) = from_draft(&draft, &p.id, &on_board, auth::new_id);
        items.extend(i);
        links.extend(l);
        taken.push((draft_id, draft));
    }
    let revealed = items.len();
    s.hub
        .change(&bid, move |txn| {
            let addition = Board {
                meta: tavolo_board::Meta {
                    schema: tavolo_board::SCHEMA_VERSION,
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
        })
        .await?;
    // Only once the board has them: the drafts lose what was revealed (so nothing is
    // revealed twice), and keep whatever their authors wrote since it was read.
    for (draft_id, draft) in taken {
        s.hub
            .change(&draft_id, move |txn| {
                use yrs::{Map, WriteTxn};
                let (items, texts, links) = (
                    txn.get_or_insert_map("items"),
                    txn.get_or_insert_map("texts"),
                    txn.get_or_insert_map("links"),
                );
                for k in draft.items.keys() {
                    items.remove(txn, k);
                    texts.remove(txn, k);
                }
                for k in draft.links.keys() {
                    links.remove(txn, k);
                }
            })
            .await?;
    }
    change_state(&s, &board.session_id, move |st| {
        st.private.remove(&id);
        Ok(())
    })
    .await?;
    Ok(Json(Revealed { ok: true, revealed }))
}

/// A draft's items and links as they join the board: every item under a fresh id (from
/// `fresh`) with `author` set to the draft's owner; its text goes with it (`Item::text`);
/// a `frame` or a link's end names the item's new id when it is in the draft, stays when
/// it names an item of the board, and otherwise is dropped (a link with such an end is
/// left out); an assumption's `data.link` follows its link's new id, or goes.
fn from_draft(
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
