//! Meetings (sessions) of a workspace: listing, creating, the session's view, renaming,
//! archiving, closing.

use super::answer::Created;
use super::error::{patched, ApiResult};
use super::guard::{OwnedSession, OwnedWorkspace, VisibleSession};
use super::refusals::*;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_rooms::service;
use tavolo_rooms::view::{Me, SessionView};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/workspaces/{id}/sessions",
            get(list_sessions).post(create_session),
        )
        .route("/api/sessions/{id}", get(get_session).patch(update_session))
        .route("/api/sessions/{id}/close", post(close_session))
}

#[derive(Serialize, ToSchema)]
struct SessionListed {
    archived: bool,
    closed: bool,
    date: String,
    id: String,
    position: i64,
    title: String,
}

#[utoipa::path(
    get,
    path = "/api/workspaces/{id}/sessions",
    summary = "The workspace's meetings in order",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = Vec<SessionListed>),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn list_sessions(
    State(s): State<AppState>,
    OwnedWorkspace { workspace, .. }: OwnedWorkspace,
) -> ApiResult<Json<Vec<SessionListed>>> {
    let list = s.store.list_sessions(&workspace.id).await?;
    Ok(Json(
        list.into_iter()
            .map(|x| SessionListed {
                archived: x.archived,
                closed: x.closed_at.is_some(),
                date: x.date,
                id: x.id,
                position: x.position,
                title: x.title,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
struct SessionBody {
    title: String,
    /// YYYY-MM-DD
    date: String,
}

#[utoipa::path(
    post,
    path = "/api/workspaces/{id}/sessions",
    summary = "Create a meeting (incontro) with its plenary",
    description = "A meeting that follows another opens on copies of the final state of the previous meeting's plenary boards. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = SessionBody,
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
async fn create_session(
    State(s): State<AppState>,
    OwnedWorkspace { workspace, .. }: OwnedWorkspace,
    Json(b): Json<SessionBody>,
) -> ApiResult<(StatusCode, Json<Created<String>>)> {
    let id =
        service::create_session(&s.store, Some(&s.hub), &workspace.id, &b.title, &b.date).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(
    get,
    path = "/api/sessions/{id}",
    summary = "The meeting's view: rooms with boards, members with groups, room state, who is present",
    description = "Who may call it: the facilitator, or a participant or observer of the meeting.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "the meeting's view, with `me`", body = SessionView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn get_session(
    State(s): State<AppState>,
    VisibleSession { who, session }: VisibleSession,
) -> ApiResult<Json<SessionView>> {
    let mut view = s.rooms().session_view(&session).await?;
    view.me = Some(Me::of(&who));
    Ok(Json(view))
}

#[derive(Deserialize, ToSchema)]
struct SessionPatch {
    title: Option<String>,
    date: Option<String>,
    archived: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/sessions/{id}",
    summary = "Rename, re-date or archive a meeting",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = SessionPatch,
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
async fn update_session(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
    Json(b): Json<SessionPatch>,
) -> ApiResult<Json<SessionView>> {
    let id = session.id;
    let title = patched(b.title.as_deref(), session.title, "title", 200)?;
    let date = patched(b.date.as_deref(), session.date, "date", 40)?;
    let archived = b.archived.unwrap_or(session.archived);
    s.store.update_session(&id, &title, &date, archived).await?;
    Ok(Json(s.rooms().publish(&id).await?))
}

#[derive(Serialize, ToSchema)]
struct Closed {
    ok: bool,
    snapshots: Vec<i64>,
}

/// Closes a meeting: every board gets a labelled closing snapshot, participants become
/// read-only, and the breakouts (if running) end.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/close",
    summary = "Close the meeting",
    description = "Stores a labelled closing snapshot of every board, ends breakouts and timer; participants become read-only. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done: the closing snapshots taken", body = Closed),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn close_session(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<Json<Closed>> {
    let snapshots = s.rooms().close_meeting(&session).await?;
    Ok(Json(Closed {
        ok: true,
        snapshots,
    }))
}
