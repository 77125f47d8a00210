//! Boards of a meeting, and the breakout groups with theirs, over HTTP: creating (from a
//! template or a copy), reading, renaming and locking; spawning, assigning, starting and
//! ending the groups; gathering the groups' boards into one plenary board
//! (`tavolo_rooms::service::breakouts` holds the groups' rules).

use super::answer::{ok, Created, Done};
use super::error::{patched, ApiResult};
use super::guard::{owned_board, target_room, OpenBoard, OwnedBoard, OwnedSession};
use super::refusals::*;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_board::{Board, BoardKind};
use tavolo_rooms::access::Principal;
use tavolo_rooms::service::{self, breakouts::Assignment};
use tavolo_rooms::view::SessionView;
use tavolo_sync::Access;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sessions/{id}/boards", post(create_board))
        .route("/api/sessions/{id}/breakouts", post(spawn_breakouts))
        .route("/api/sessions/{id}/assignments", post(assign))
        .route("/api/sessions/{id}/breakouts/start", post(start_breakouts))
        .route("/api/sessions/{id}/breakouts/end", post(end_breakouts))
        .route("/api/sessions/{id}/gather", post(gather))
        .route("/api/boards/{id}", get(get_board).patch(update_board))
}

#[derive(Deserialize, ToSchema)]
struct BoardBody {
    kind: Option<BoardKind>,
    title: String,
    room: Option<String>,
    /// a board of the same workspace to copy
    copy_from: Option<String>,
}

/// The content a new board starts with: a copy of a board of the same workspace, or a template.
async fn starting_content(
    s: &AppState,
    fac: &str,
    kind: Option<BoardKind>,
    copy_from: Option<&str>,
) -> ApiResult<Board> {
    match copy_from {
        Some(src) => {
            owned_board(s, fac, src).await?;
            Ok(s.rooms().board_content(src).await?)
        }
        None => Ok(Board::template(kind.unwrap_or(BoardKind::Free), "")),
    }
}

#[utoipa::path(
    post,
    path = "/api/sessions/{id}/boards",
    summary = "Add a board to the plenary or a room",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = BoardBody,
    responses(
        (status = 201, description = "done", body = Created<String>),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn create_board(
    State(s): State<AppState>,
    OwnedSession { fac, session }: OwnedSession,
    Json(b): Json<BoardBody>,
) -> ApiResult<(StatusCode, Json<Created<String>>)> {
    let rooms = s.store.list_rooms(&session.id).await?;
    let room = target_room(&rooms, b.room.as_ref())?;
    let content = starting_content(&s, &fac, b.kind, b.copy_from.as_deref()).await?;
    let id = service::create_board(&s.store, &room.id, &b.title, content).await?;
    s.rooms().publish(&session.id).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
struct BoardView {
    can_edit: bool,
    facilitator: bool,
    id: String,
    kind: Option<BoardKind>,
    locked: bool,
    registered: bool,
    room: Option<String>,
    session: Option<String>,
    title: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/boards/{id}",
    summary = "A board's place and what the caller may do with it",
    description = "Who may call it: whoever may open the board.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = BoardView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
        (status = 410, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn get_board(
    State(s): State<AppState>,
    OpenBoard { who, id, permit }: OpenBoard,
) -> ApiResult<Json<BoardView>> {
    let row = s.store.get_board(id.as_str()).await?;
    Ok(Json(BoardView {
        can_edit: permit.access == Access::ReadWrite && !(permit.lockable && permit.locked),
        facilitator: matches!(who, Principal::Facilitator { .. }),
        id: id.as_str().to_owned(),
        kind: row.as_ref().map(|b| b.kind),
        locked: row.as_ref().is_some_and(|b| b.locked),
        registered: row.is_some(),
        room: row.as_ref().map(|b| b.room_id.clone()),
        session: row.as_ref().map(|b| b.session_id.clone()),
        title: row.map(|b| b.title),
    }))
}

#[derive(Deserialize, ToSchema)]
struct BoardPatch {
    title: Option<String>,
    locked: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/boards/{id}",
    summary = "Rename, lock or unlock a board",
    description = "A locked board drops participants' changes (they are told once); the facilitator still edits. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = BoardPatch,
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
async fn update_board(
    State(s): State<AppState>,
    OwnedBoard { board, id, .. }: OwnedBoard,
    Json(b): Json<BoardPatch>,
) -> ApiResult<Json<Done>> {
    let title = patched(b.title.as_deref(), board.title, "title", 200)?;
    let locked = b.locked.unwrap_or(board.locked);
    s.store.update_board(&board.id, &title, locked).await?;
    s.hub.set_locked(&id, locked).await;
    s.rooms().publish(&board.session_id).await?;
    Ok(ok())
}

#[derive(Deserialize, ToSchema)]
struct BreakoutBody {
    /// 1 to 20
    groups: usize,
    /// template
    kind: Option<BoardKind>,
    /// plenary board to copy
    copy_from: Option<String>,
    /// `balanced` (default), `random` or `none`.
    #[serde(default)]
    assign: Assignment,
}

#[derive(Serialize, ToSchema)]
struct Spawned {
    rooms: Vec<String>,
}

/// Spawns N breakout groups, each with its own board (a template or a copy of a plenary
/// board: new documents, not shared ones), and assigns the participants.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/breakouts",
    summary = "Spawn breakout groups, each with its own board",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = BreakoutBody,
    responses(
        (status = 201, description = "done: the new rooms", body = Spawned),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn spawn_breakouts(
    State(s): State<AppState>,
    OwnedSession { fac, session }: OwnedSession,
    Json(b): Json<BreakoutBody>,
) -> ApiResult<(StatusCode, Json<Spawned>)> {
    let content = starting_content(&s, &fac, b.kind, b.copy_from.as_deref()).await?;
    let rooms = s
        .rooms()
        .spawn_breakouts(&session, b.groups, content, b.assign)
        .await?;
    Ok((StatusCode::CREATED, Json(Spawned { rooms })))
}

/// Moves participants between groups (drag and drop in the console): participant id →
/// room id, or null to take someone out of every group.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/assignments",
    summary = "Move participants between groups",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body(content = std::collections::BTreeMap<String, Option<String>>, description = "participant id → group room id (null: no group)"),
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
async fn assign(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
    Json(b): Json<std::collections::BTreeMap<String, Option<String>>>,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(s.rooms().assign(&session.id, &b).await?))
}

#[utoipa::path(
    post,
    path = "/api/sessions/{id}/breakouts/start",
    summary = "Start the breakouts: participants move to their groups",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "the meeting's view", body = SessionView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn start_breakouts(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(s.rooms().start_breakouts(&session.id).await?))
}

/// Calls everyone back to the plenary: participants lose the groups' boards.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/breakouts/end",
    summary = "Call everyone back to the plenary",
    description = "Participants' connections to group boards are closed (code 4001). Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
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
async fn end_breakouts(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(s.rooms().end_breakouts(&session.id).await?))
}

/// Gathers the groups' boards of the current round into one new plenary board
/// (`tavolo_board::gather`: of the groups' template when they share one, each group in its
/// own titled frame).
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/gather",
    summary = "Gather the groups' boards into one plenary board, each group in its titled frame",
    description = "When every group's board is of the same template whose geometry repeats (Theory of Change lanes and social-report sections side by side, problem/objective-tree bands one under the other) the new board is of that template: each group keeps its own copy of the geometry, so levels, sections and outlines are derived as on the group's board and its CSV/Markdown list each row with its group. Otherwise (mixed templates, free boards, stakeholder maps: one grid per board) a free board with the groups side by side. Each group's frame records the group (`data.group`), its board's kind (`data.kind`) and geometry (`data.template`); every id is prefixed by the group (`g1-`…). Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 201, description = "done: the new board", body = Created<String>),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn gather(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<(StatusCode, Json<Created<String>>)> {
    let board = s.rooms().gather(&session).await?;
    Ok((StatusCode::CREATED, Json(Created { id: board })))
}
