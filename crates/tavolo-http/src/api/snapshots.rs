//! Labelled snapshots of a board over HTTP: listing, taking, reading, restoring
//! (`tavolo_rooms::service::snapshots` holds the rules). Automatic snapshots
//! (compaction's) are not shown.

use super::answer::{ok, Created, Done};
use super::credentials::{Facilitator, Who};
use super::error::ApiResult;
use super::guard::{board_id, owned_board, sync_permit, OpenBoard, OwnedBoard};
use super::refusals::*;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_board::Board;
use tavolo_rooms::access::Principal;
use tavolo_rooms::service::snapshots::snapshot_content;
use tavolo_store::{SnapshotKind, SnapshotRow};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/boards/{id}/snapshots",
            get(list_snapshots).post(take_snapshot),
        )
        .route("/api/snapshots/{id}", get(get_snapshot))
        .route("/api/snapshots/{id}/restore", post(restore_snapshot))
}

#[derive(Serialize, ToSchema)]
struct SnapshotListed {
    created_at: i64,
    id: i64,
    /// `manual` (taken with POST /api/boards/{id}/snapshots) or `closing` (when the
    /// meeting closed)
    kind: SnapshotKind,
    label: Option<String>,
    session: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/boards/{id}/snapshots",
    summary = "A board's labelled snapshots, newest first",
    description = "Who may call it: whoever may open the board.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = Vec<SnapshotListed>),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
        (status = 410, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn list_snapshots(
    State(s): State<AppState>,
    OpenBoard { id, .. }: OpenBoard,
) -> ApiResult<Json<Vec<SnapshotListed>>> {
    let list = s.store.list_snapshots(id.as_str()).await?;
    Ok(Json(
        list.into_iter()
            .map(|x| SnapshotListed {
                created_at: x.created_at,
                id: x.id,
                kind: x.kind,
                label: x.label,
                session: x.session_id,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
struct SnapshotBody {
    label: String,
}

#[utoipa::path(
    post,
    path = "/api/boards/{id}/snapshots",
    summary = "Take a manual snapshot",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = SnapshotBody,
    responses(
        (status = 201, description = "done", body = Created<i64>),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn take_snapshot(
    State(s): State<AppState>,
    OwnedBoard { board, .. }: OwnedBoard,
    Json(b): Json<SnapshotBody>,
) -> ApiResult<(StatusCode, Json<Created<i64>>)> {
    let snap = s.rooms().take_snapshot(&board, &b.label).await?;
    Ok((StatusCode::CREATED, Json(Created { id: snap })))
}

/// A labelled snapshot and its content, if `who` may open its board.
async fn snapshot_board(s: &AppState, who: &Principal, id: i64) -> ApiResult<(SnapshotRow, Board)> {
    let (meta, state) = s.rooms().labelled_snapshot(id).await?;
    sync_permit(s, who, &board_id(&meta.board_id)?).await?;
    let content = snapshot_content(&meta, &state)?;
    Ok((meta, content))
}

#[derive(Serialize, ToSchema)]
struct SnapshotView {
    board: String,
    /// the board's content, as its schema JSON export
    #[schema(value_type = Object)]
    content: serde_json::Value,
    created_at: i64,
    id: i64,
    /// `manual` (taken with POST /api/boards/{id}/snapshots) or `closing` (when the
    /// meeting closed)
    kind: SnapshotKind,
    label: Option<String>,
}

/// A snapshot's content in the schema's JSON form (for previews and history).
#[utoipa::path(
    get,
    path = "/api/snapshots/{id}",
    summary = "A snapshot's content in the board schema's JSON form (for previews)",
    description = "Who may call it: whoever may open the board.",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "done", body = SnapshotView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn get_snapshot(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<i64>,
) -> ApiResult<Json<SnapshotView>> {
    let (meta, board) = snapshot_board(&s, &who, id).await?;
    Ok(Json(SnapshotView {
        board: meta.board_id,
        content: board.to_json(),
        created_at: meta.created_at,
        id: meta.id,
        kind: meta.kind,
        label: meta.label,
    }))
}

/// Restores a snapshot as a new change: the live board is made equal to the snapshot's
/// content; history is never rewritten (the change can itself be undone by restoring an
/// earlier snapshot).
#[utoipa::path(
    post,
    path = "/api/snapshots/{id}/restore",
    summary = "Restore a snapshot as a new change (history is never rewritten)",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "done", body = Done),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn restore_snapshot(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<i64>,
) -> ApiResult<Json<Done>> {
    let rooms = s.rooms();
    let (meta, state) = rooms.labelled_snapshot(id).await?;
    owned_board(&s, &fac, &meta.board_id).await?;
    rooms
        .restore_snapshot(&meta, snapshot_content(&meta, &state)?)
        .await?;
    Ok(ok())
}
