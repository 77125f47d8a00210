//! A facilitator's workspaces (one per municipality or project).

use super::answer::{ok, Created, Done};
use super::credentials::Facilitator;
use super::error::{patched, ApiResult};
use super::guard::OwnedWorkspace;
use super::refusals::*;
use crate::{audit, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_rooms::service;
use tavolo_store::WorkspaceRow;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/workspaces",
            get(list_workspaces).post(create_workspace),
        )
        .route(
            "/api/workspaces/{id}",
            get(get_workspace)
                .patch(update_workspace)
                .delete(delete_workspace),
        )
}

#[derive(Serialize, ToSchema)]
struct WorkspaceView {
    archived: bool,
    id: String,
    name: String,
}

impl WorkspaceView {
    fn of(w: WorkspaceRow) -> WorkspaceView {
        WorkspaceView {
            archived: w.archived,
            id: w.id,
            name: w.name,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/workspaces",
    summary = "The facilitator's workspaces",
    description = "Who may call it: a facilitator.",
    responses(
        (status = 200, description = "done", body = Vec<WorkspaceView>),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn list_workspaces(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
) -> ApiResult<Json<Vec<WorkspaceView>>> {
    let list = s.store.list_workspaces(&fac).await?;
    Ok(Json(list.into_iter().map(WorkspaceView::of).collect()))
}

#[derive(Deserialize, ToSchema)]
struct NameBody {
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/workspaces",
    summary = "Create a workspace (tavolo)",
    description = "Who may call it: a facilitator.",
    request_body = NameBody,
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
async fn create_workspace(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Json(b): Json<NameBody>,
) -> ApiResult<(StatusCode, Json<Created<String>>)> {
    let id = service::create_workspace(&s.store, &fac, &b.name).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(
    get,
    path = "/api/workspaces/{id}",
    summary = "A workspace's name and state",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = WorkspaceView),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn get_workspace(OwnedWorkspace { workspace, .. }: OwnedWorkspace) -> Json<WorkspaceView> {
    Json(WorkspaceView::of(workspace))
}

#[derive(Deserialize, ToSchema)]
struct WorkspacePatch {
    name: Option<String>,
    archived: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/workspaces/{id}",
    summary = "Rename or archive a workspace",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = WorkspacePatch,
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
async fn update_workspace(
    State(s): State<AppState>,
    OwnedWorkspace { workspace: ws, .. }: OwnedWorkspace,
    Json(b): Json<WorkspacePatch>,
) -> ApiResult<Json<Done>> {
    let name = patched(b.name.as_deref(), ws.name, "name", 200)?;
    s.store
        .update_workspace(&ws.id, &name, b.archived.unwrap_or(ws.archived))
        .await?;
    Ok(ok())
}

#[derive(Serialize, ToSchema)]
struct Deleted {
    boards_deleted: usize,
    ok: bool,
}

/// Deletes a workspace and all its data (boards, their history, participants' names).
#[utoipa::path(
    delete,
    path = "/api/workspaces/{id}",
    summary = "Delete a workspace and all its data",
    description = "Removes its meetings, rooms, boards with their whole history and snapshots, invitations, participants (their names) and votes: answers a GDPR erasure request. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = Deleted),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn delete_workspace(
    State(s): State<AppState>,
    OwnedWorkspace { workspace, .. }: OwnedWorkspace,
) -> ApiResult<Json<Deleted>> {
    let boards = service::delete_workspace(s.rooms(), &workspace.id).await?;
    audit::deleted(
        &workspace.owner_id,
        "workspace",
        &workspace.id,
        boards.len(),
    );
    Ok(Json(Deleted {
        boards_deleted: boards.len(),
        ok: true,
    }))
}
