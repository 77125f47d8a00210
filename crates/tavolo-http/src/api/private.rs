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
use tavolo_board::Board;
use tavolo_rooms::access;

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

/// Copies every participant's private draft into the board in one change, empties the
/// drafts, and ends private mode.
async fn reveal(
    State(s): State<AppState>,
    OwnedBoard { board, id: bid, .. }: OwnedBoard,
) -> ApiResult<Json<Revealed>> {
    let id = board.id;
    let mut revealed = 0usize;
    let mut items = Vec::new();
    let mut links = Vec::new();
    for p in s.store.list_participants(&board.session_id).await? {
        let draft_id = board_id(&access::draft_id(&id, &p.id))?;
        let draft = s.hub.read(&draft_id, Board::read).await?;
        for item in draft.items.values() {
            let mut item = item.clone();
            item.author.get_or_insert_with(|| p.id.clone());
            items.push(item);
        }
        links.extend(draft.links.values().cloned());
        if !draft.items.is_empty() || !draft.links.is_empty() {
            // empty the draft so the notes are not revealed twice
            s.hub
                .change(&draft_id, move |txn| {
                    use yrs::{Map, WriteTxn};
                    for root in ["items", "texts", "links"] {
                        let m = txn.get_or_insert_map(root);
                        let keys: Vec<String> = m.keys(txn).map(str::to_owned).collect();
                        for k in keys {
                            m.remove(txn, &k);
                        }
                    }
                })
                .await?;
        }
    }
    revealed += items.len();
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
    change_state(&s, &board.session_id, move |st| {
        st.private.remove(&id);
        Ok(())
    })
    .await?;
    Ok(Json(Revealed { ok: true, revealed }))
}
