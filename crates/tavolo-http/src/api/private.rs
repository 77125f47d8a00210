//! Private mode (silent brainstorming): each participant writes in a draft of their own,
//! and the reveal merges every draft into the board at once.

use super::doc::*;
use super::error::ApiResult;
use super::guard::{board_id, OwnedBoard};
use super::view::{change_state, SessionView};
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_board::{reveal, Board};
use tavolo_rooms::{access, auth};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/boards/{id}/private", post(private_mode))
        .route("/api/boards/{id}/reveal", post(reveal))
}

#[derive(Deserialize, ToSchema)]
struct PrivateBody {
    on: bool,
}

#[utoipa::path(
    post,
    path = "/api/boards/{id}/private",
    summary = "Turn private mode (silent brainstorming) on or off",
    description = "In private mode each participant drafts in their own document {board}.draft.{participant}, which only they can open. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = PrivateBody,
    responses(
        (status = 200, description = "the meeting's view", body = SessionView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
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

#[derive(Serialize, ToSchema)]
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
#[utoipa::path(
    post,
    path = "/api/boards/{id}/reveal",
    summary = "Copy every participant's draft into the board in one change and end private mode",
    description = "Every revealed item gets a fresh id (its text, frame and links follow it) and, as author, the participant whose draft it came from; no draft can overwrite an item of the board. What was revealed leaves the drafts. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done: how many items were revealed", body = Revealed),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
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
        let (i, l) = reveal::from_draft(&draft, &p.id, &on_board, auth::new_id);
        items.extend(i);
        links.extend(l);
        taken.push((draft_id, draft));
    }
    let revealed = items.len();
    s.hub
        .change(&bid, move |txn| reveal::add(txn, items, links))
        .await?;
    // Only once the board has them: the drafts lose what was revealed (so nothing is
    // revealed twice), and keep whatever their authors wrote since it was read.
    for (draft_id, draft) in taken {
        s.hub
            .change(&draft_id, move |txn| reveal::take(txn, &draft))
            .await?;
    }
    change_state(&s, &board.session_id, move |st| {
        st.private.remove(&id);
        Ok(())
    })
    .await?;
    Ok(Json(Revealed { ok: true, revealed }))
}
