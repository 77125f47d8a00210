//! Meetings (sessions) of a workspace: listing, creating, the session's view, renaming,
//! archiving, closing.

use super::error::{patched, ApiResult};
use super::guard::{board_id, OwnedSession, OwnedWorkspace, VisibleSession};
use super::view::{change_state, publish, session_view, Created, Me, SessionView};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_hub::CloseReason;
use tavolo_rooms::service;
use tavolo_rooms::state::Phase;
use tavolo_store::SnapshotKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/workspaces/{id}/sessions",
            get(list_sessions).post(create_session),
        )
        .route("/api/sessions/{id}", get(get_session).patch(update_session))
        .route("/api/sessions/{id}/close", post(close_session))
}

#[derive(Serialize)]
struct SessionListed {
    archived: bool,
    closed: bool,
    date: String,
    id: String,
    position: i64,
    title: String,
}

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

#[derive(Deserialize)]
struct SessionBody {
    title: String,
    date: String,
}

async fn create_session(
    State(s): State<AppState>,
    OwnedWorkspace { workspace, .. }: OwnedWorkspace,
    Json(b): Json<SessionBody>,
) -> ApiResult<(StatusCode, Json<Created<String>>)> {
    let id =
        service::create_session(&s.store, Some(&s.hub), &workspace.id, &b.title, &b.date).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

async fn get_session(
    State(s): State<AppState>,
    VisibleSession { who, session }: VisibleSession,
) -> ApiResult<Json<SessionView>> {
    let mut view = session_view(&s, &session).await?;
    view.me = Some(Me::of(&who));
    Ok(Json(view))
}

#[derive(Deserialize)]
struct SessionPatch {
    title: Option<String>,
    date: Option<String>,
    archived: Option<bool>,
}

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
    publish(&s, &id).await.map(Json)
}

#[derive(Serialize)]
struct Closed {
    ok: bool,
    snapshots: Vec<i64>,
}

/// Closes a meeting: every board gets a labelled closing snapshot, participants become
/// read-only, and the breakouts (if running) end.
async fn close_session(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<Json<Closed>> {
    let id = &session.id;
    let label = format!("Chiusura: {} ({})", session.title, session.date);
    let mut snapshots = Vec::new();
    for b in s.store.list_session_boards(id).await? {
        let bid = board_id(&b.id)?;
        let (seq, state) = s.hub.snapshot(&bid).await?;
        snapshots.push(
            s.store
                .create_snapshot(&b.id, seq, &state, SnapshotKind::Closing, &label, Some(id))
                .await?,
        );
        s.hub.set_locked(&bid, true).await;
    }
    s.store.close_session(id).await?;
    change_state(&s, id, |st| {
        st.phase = Phase::Plenary;
        st.timer = None;
        Ok(())
    })
    .await?;
    // Members' connections were granted edit: make them reconnect as watchers.
    for b in s.store.list_session_boards(id).await? {
        s.hub
            .kick(
                &board_id(&b.id)?,
                None,
                CloseReason::new(4002, "the meeting is closed"),
            )
            .await;
    }
    Ok(Json(Closed {
        ok: true,
        snapshots,
    }))
}
