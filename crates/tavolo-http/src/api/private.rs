//! Private mode (silent brainstorming) and the reveal over HTTP
//! (`tavolo_rooms::service::private` holds the rules).

use super::error::ApiResult;
use super::guard::OwnedBoard;
use super::refusals::*;
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_rooms::view::SessionView;
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
    Ok(Json(s.rooms().set_private(&board, b.on).await?))
}

#[derive(Serialize, ToSchema)]
struct Revealed {
    ok: bool,
    revealed: usize,
}

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
    OwnedBoard { board, .. }: OwnedBoard,
) -> ApiResult<Json<Revealed>> {
    let revealed = s.rooms().reveal(&board).await?;
    Ok(Json(Revealed { ok: true, revealed }))
}
