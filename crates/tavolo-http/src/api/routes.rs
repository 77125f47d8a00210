//! Handlers. Every one resolves who is asking and checks it before touching anything.

use super::credentials::{self, Facilitator, Who, LOGIN_COOKIE, MEMBER_COOKIE};
use super::error::{text_field, ApiError, ApiResult};
use super::live::Presence;
use super::service;
use crate::security::ClientIp;
use crate::{audit, AppState};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tavolo_board::{Board, BoardKind, Item, Link};
use tavolo_hub::{CloseReason, Permit};
use tavolo_rooms::access::{self, board_access, Grant, Place, Principal};
use tavolo_rooms::auth::{self, token_hash};
use tavolo_rooms::state::{Broadcast, Follow, Phase, SessionState, Timer};
use tavolo_store::{BoardRow, SessionRow, WorkspaceRow};
use tavolo_sync::{Access, BoardId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/setup", post(setup))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
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
        .route(
            "/api/workspaces/{id}/sessions",
            get(list_sessions).post(create_session),
        )
        .route("/api/sessions/{id}", get(get_session).patch(update_session))
        .route("/api/sessions/{id}/close", post(close_session))
        .route(
            "/api/sessions/{id}/invites",
            get(list_invites).post(create_invite),
        )
        .route("/api/invites/{id}/revoke", post(revoke_invite))
        .route("/api/join", post(join))
        .route("/api/sessions/{id}/boards", post(create_board))
        .route("/api/sessions/{id}/breakouts", post(spawn_breakouts))
        .route("/api/sessions/{id}/assignments", post(assign))
        .route("/api/sessions/{id}/breakouts/start", post(start_breakouts))
        .route("/api/sessions/{id}/breakouts/end", post(end_breakouts))
        .route("/api/sessions/{id}/gather", post(gather))
        .route("/api/sessions/{id}/timer", post(timer))
        .route("/api/sessions/{id}/message", post(message))
        .route("/api/sessions/{id}/follow", post(follow))
        .route("/api/sessions/{id}/control", get(control))
        .route("/api/boards/{id}", get(get_board).patch(update_board))
        .route("/api/boards/{id}/private", post(private_mode))
        .route("/api/boards/{id}/reveal", post(reveal))
        .route("/api/boards/{id}/votes", post(open_vote))
        .route("/api/votes/{id}", get(get_vote))
        .route("/api/votes/{id}/close", post(close_vote))
        .route("/api/votes/{id}/dots", post(place_dot).delete(remove_dot))
        .route(
            "/api/boards/{id}/snapshots",
            get(list_snapshots).post(take_snapshot),
        )
        .route("/api/snapshots/{id}", get(get_snapshot))
        .route("/api/snapshots/{id}/restore", post(restore_snapshot))
        .merge(super::export::router())
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// A PATCH field: the new value (checked) if given, else the current one.
fn patched(new: Option<&str>, current: String, what: &str, max: usize) -> ApiResult<String> {
    match new {
        Some(v) => text_field(v, what, max),
        None => Ok(current),
    }
}

fn ok() -> Json<Value> {
    Json(json!({ "ok": true }))
}

// ------------------------------------------------------------------ lookups and checks

async fn owned_workspace(s: &AppState, fac: &str, id: &str) -> ApiResult<WorkspaceRow> {
    let ws = s.store.get_workspace(id).await?.ok_or(ApiError::NotFound)?;
    if ws.owner_id != fac {
        return Err(ApiError::Forbidden(
            "this workspace belongs to another facilitator".into(),
        ));
    }
    Ok(ws)
}

pub(super) async fn owned_session(s: &AppState, fac: &str, id: &str) -> ApiResult<SessionRow> {
    let session = s.store.get_session(id).await?.ok_or(ApiError::NotFound)?;
    owned_workspace(s, fac, &session.workspace_id).await?;
    Ok(session)
}

async fn owned_board(s: &AppState, fac: &str, id: &str) -> ApiResult<BoardRow> {
    let board = s.store.get_board(id).await?.ok_or(ApiError::NotFound)?;
    owned_workspace(s, fac, &board.workspace_id).await?;
    Ok(board)
}

/// A session that the principal may see: its facilitator's, or a member's own.
pub(super) async fn visible_session(
    s: &AppState,
    who: &Principal,
    id: &str,
) -> ApiResult<SessionRow> {
    match who {
        Principal::Facilitator { id: fac } => owned_session(s, fac, id).await,
        Principal::Member(p) if p.session_id == id => {
            s.store.get_session(id).await?.ok_or(ApiError::NotFound)
        }
        Principal::Member(_) => Err(ApiError::Forbidden("this is another meeting".into())),
        Principal::Anonymous => Err(ApiError::Unauthorized),
    }
}

fn board_id(id: &str) -> ApiResult<BoardId> {
    BoardId::parse(id).map_err(|e| ApiError::BadRequest(format!("invalid board id: {e}")))
}

/// The access decision for a board id, as for the sync socket.
pub async fn sync_permit(s: &AppState, who: &Principal, id: &BoardId) -> ApiResult<Permit> {
    let (base, draft_of) = match access::parse_draft(id.as_str()) {
        Some((base, participant)) => (base.to_owned(), Some(participant.to_owned())),
        None => (id.as_str().to_owned(), None),
    };
    let row = s.store.get_board(&base).await?;
    if draft_of.is_some() && row.is_none() {
        return Err(ApiError::NotFound);
    }
    let (owner, state, closed) = match &row {
        Some(b) => {
            let ws = s
                .store
                .get_workspace(&b.workspace_id)
                .await?
                .ok_or(ApiError::NotFound)?;
            let session = s
                .store
                .get_session(&b.session_id)
                .await?
                .ok_or(ApiError::NotFound)?;
            (
                Some(ws.owner_id),
                SessionState::parse(&session.state),
                session.closed_at.is_some(),
            )
        }
        None => (None, SessionState::default(), false),
    };
    let place = Place {
        board: row.as_ref(),
        owner: owner.as_deref(),
        state: &state,
        session_closed: closed,
        draft_of: draft_of.as_deref(),
    };
    let grant = board_access(who, &place, s.options.allow_anonymous_boards)?;
    Ok(match grant {
        Grant::Edit { lockable } => Permit {
            principal: who.id().to_owned(),
            access: Access::ReadWrite,
            lockable,
            locked: row.as_ref().is_some_and(|b| b.locked != 0),
        },
        Grant::Watch => Permit {
            principal: who.id().to_owned(),
            access: Access::ReadOnly,
            lockable: false,
            locked: false,
        },
    })
}

// ------------------------------------------------------------------ the session's view

/// Everything a session's clients need to follow it: rooms with their boards, members with
/// their groups, the room state, and who is connected. Invitations are not in it.
async fn session_view(s: &AppState, session: &SessionRow) -> ApiResult<Value> {
    let rooms = s.store.list_rooms(&session.id).await?;
    let boards = s.store.list_session_boards(&session.id).await?;
    let members = s.store.list_participants(&session.id).await?;
    let workspace = s
        .store
        .get_workspace(&session.workspace_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let state = SessionState::parse(&session.state);
    let rooms: Vec<Value> = rooms
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "kind": r.kind, "name": r.name,
                "boards": boards.iter().filter(|b| b.room_id == r.id).map(|b| json!({
                    "id": b.id, "kind": b.kind, "title": b.title, "locked": b.locked != 0,
                    "private": state.is_private(&b.id), "vote": state.votes.get(&b.id),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let members: Vec<Value> = members
        .iter()
        .map(|p| json!({ "id": p.id, "name": p.display_name, "role": p.role, "group": p.group_room }))
        .collect();
    Ok(json!({
        "id": session.id, "workspace": { "id": workspace.id, "name": workspace.name },
        "title": session.title, "date": session.date, "closed": session.closed_at.is_some(),
        "state": state, "rooms": rooms, "members": members,
        "present": s.live.presence(&session.id),
        "now": tavolo_store::now_ms(),
    }))
}

/// Tells every client of the session what it looks like now.
pub(super) async fn publish(s: &AppState, session_id: &str) -> ApiResult<Value> {
    let session = s
        .store
        .get_session(session_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut view = session_view(s, &session).await?;
    view["type"] = json!("session");
    s.publish(session_id, view.to_string());
    Ok(view)
}

/// Changes the session's room state (one change at a time) and publishes it.
async fn change_state(
    s: &AppState,
    session_id: &str,
    f: impl FnOnce(&mut SessionState) -> ApiResult<()>,
) -> ApiResult<Value> {
    {
        let _one_at_a_time = s.state_lock.lock().await;
        let session = s
            .store
            .get_session(session_id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let mut state = SessionState::parse(&session.state);
        f(&mut state)?;
        s.store
            .set_session_state(session_id, &state.to_json())
            .await?;
    }
    publish(s, session_id).await
}

// ------------------------------------------------------------------ identity

#[derive(Deserialize)]
struct SetupBody {
    token: String,
    email: String,
    display_name: String,
    password: String,
}

/// The one-time setup link: creates the first facilitator and signs them in.
async fn setup(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(b): Json<SetupBody>,
) -> ApiResult<Response> {
    let id = service::setup_facilitator(
        &s.store,
        &s.passwords,
        s.options.setup_link_ttl,
        &b.token,
        &b.email,
        &b.display_name,
        &b.password,
    )
    .await
    .inspect_err(|e| audit::setup_failed(ip, &e.to_string()))?;
    audit::setup(&id, &b.email, ip);
    signed_in(&s, &id).await
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

const LOGIN_HOURS: i64 = 12;

async fn signed_in(s: &AppState, id: &str) -> ApiResult<Response> {
    let token = service::create_login(&s.store, id, LOGIN_HOURS).await?;
    let cookie = credentials::set_cookie(s, LOGIN_COOKIE, &token, LOGIN_HOURS * 3600);
    Ok(([(SET_COOKIE, cookie)], Json(json!({ "id": id }))).into_response())
}

async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(b): Json<LoginBody>,
) -> ApiResult<Response> {
    let email = b.email.trim().to_lowercase();
    let attempt = s.logins.begin(&email, ip).map_err(|wait| {
        let secs = crate::throttle::retry_after_secs(wait);
        audit::login_throttled(&email, ip, secs);
        ApiError::Throttled(secs)
    })?;
    let found = s.store.facilitator_by_email(&email).await?;
    // an unknown email costs a hash too (against a dummy): the answer's time does not
    // tell which emails have an account
    let stored = found.as_ref().map(|f| f.password_hash.as_str());
    let verified = s.passwords.verify(&b.password, stored).await?;
    match found {
        Some(f) if verified => {
            attempt.succeeded();
            audit::login(&f.id, ip);
            signed_in(&s, &f.id).await
        }
        _ => {
            let reason = if found.is_some() {
                "wrong_password"
            } else {
                "no_account"
            };
            audit::login_failed(&email, ip, reason);
            Err(ApiError::Forbidden("wrong email or password".into()))
        }
    }
}

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = credentials::login_cookie_token(&headers) {
        s.store.delete_login(&token_hash(token)).await?;
        audit::logout();
    }
    Ok((
        [
            (SET_COOKIE, credentials::clear_cookie(LOGIN_COOKIE)),
            (SET_COOKIE, credentials::clear_cookie(MEMBER_COOKIE)),
        ],
        ok(),
    )
        .into_response())
}

async fn me(State(s): State<AppState>, Who(who): Who) -> ApiResult<Json<Value>> {
    Ok(Json(match who {
        Principal::Facilitator { id } => {
            let f = s
                .store
                .facilitator_by_id(&id)
                .await?
                .ok_or(ApiError::Unauthorized)?;
            json!({ "kind": "facilitator", "id": id, "name": f.display_name, "email": f.email })
        }
        Principal::Member(p) => json!({
            "kind": p.role, "id": p.id, "name": p.display_name, "session": p.session_id
        }),
        Principal::Anonymous => json!({
            "kind": "anonymous", "setup_needed": s.store.facilitator_count().await? == 0
        }),
    }))
}

// ------------------------------------------------------------------ workspaces and sessions

async fn list_workspaces(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
) -> ApiResult<Json<Value>> {
    let list = s.store.list_workspaces(&fac).await?;
    Ok(Json(json!(list
        .iter()
        .map(|w| json!({ "id": w.id, "name": w.name, "archived": w.archived != 0 }))
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
struct NameBody {
    name: String,
}

async fn create_workspace(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Json(b): Json<NameBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let id = service::create_workspace(&s.store, &fac, &b.name).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn get_workspace(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let w = owned_workspace(&s, &fac, &id).await?;
    Ok(Json(
        json!({ "id": w.id, "name": w.name, "archived": w.archived != 0 }),
    ))
}

#[derive(Deserialize)]
struct WorkspacePatch {
    name: Option<String>,
    archived: Option<bool>,
}

async fn update_workspace(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<WorkspacePatch>,
) -> ApiResult<Json<Value>> {
    let ws = owned_workspace(&s, &fac, &id).await?;
    let name = patched(b.name.as_deref(), ws.name, "name", 200)?;
    s.store
        .update_workspace(&id, &name, b.archived.unwrap_or(ws.archived != 0))
        .await?;
    Ok(ok())
}

/// Deletes a workspace and all its data (boards, their history, participants' names).
async fn delete_workspace(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    owned_workspace(&s, &fac, &id).await?;
    let boards = s.store.delete_workspace(&id).await?;
    audit::deleted(&fac, "workspace", &id, boards.len());
    let reason = CloseReason::new(4004, "this board was deleted");
    for b in &boards {
        if let Ok(b) = BoardId::parse(b) {
            s.hub.kick(&b, Some(vec![]), reason.clone()).await;
            s.hub.kick(&b, None, reason.clone()).await;
        }
    }
    Ok(Json(json!({ "ok": true, "boards_deleted": boards.len() })))
}

async fn list_sessions(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    owned_workspace(&s, &fac, &id).await?;
    let list = s.store.list_sessions(&id).await?;
    Ok(Json(json!(list
        .iter()
        .map(|x| json!({
            "id": x.id, "title": x.title, "date": x.date, "position": x.position,
            "archived": x.archived != 0, "closed": x.closed_at.is_some(),
        }))
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
struct SessionBody {
    title: String,
    date: String,
}

async fn create_session(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(ws): Path<String>,
    Json(b): Json<SessionBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    owned_workspace(&s, &fac, &ws).await?;
    let id = service::create_session(&s.store, Some(&s.hub), &ws, &b.title, &b.date).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn get_session(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let session = visible_session(&s, &who, &id).await?;
    let mut view = session_view(&s, &session).await?;
    if let Principal::Member(p) = &who {
        view["me"] =
            json!({ "id": p.id, "name": p.display_name, "role": p.role, "group": p.group_room });
    } else {
        view["me"] = json!({ "id": who.id(), "role": "facilitator" });
    }
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
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<SessionPatch>,
) -> ApiResult<Json<Value>> {
    let session = owned_session(&s, &fac, &id).await?;
    let title = patched(b.title.as_deref(), session.title, "title", 200)?;
    let date = patched(b.date.as_deref(), session.date, "date", 40)?;
    s.store
        .update_session(
            &id,
            &title,
            &date,
            b.archived.unwrap_or(session.archived != 0),
        )
        .await?;
    Ok(Json(publish(&s, &id).await?))
}

/// Closes a meeting: every board gets a labelled closing snapshot, participants become
/// read-only, and the breakouts (if running) end.
async fn close_session(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let session = owned_session(&s, &fac, &id).await?;
    let label = format!("Chiusura: {} ({})", session.title, session.date);
    let mut snapshots = Vec::new();
    for b in s.store.list_session_boards(&id).await? {
        let bid = board_id(&b.id)?;
        let (seq, state) = s.hub.snapshot(&bid).await?;
        snapshots.push(
            s.store
                .create_snapshot(&b.id, seq, &state, "closing", &label, Some(&id))
                .await?,
        );
        s.hub.set_locked(&bid, true).await;
    }
    s.store.close_session(&id).await?;
    change_state(&s, &id, |st| {
        st.phase = Phase::Plenary;
        st.timer = None;
        Ok(())
    })
    .await?;
    // Members' connections were granted edit: make them reconnect as watchers.
    for b in s.store.list_session_boards(&id).await? {
        s.hub
            .kick(
                &board_id(&b.id)?,
                None,
                CloseReason::new(4002, "the meeting is closed"),
            )
            .await;
    }
    Ok(Json(json!({ "ok": true, "snapshots": snapshots })))
}

// ------------------------------------------------------------------ invitations

#[derive(Deserialize)]
struct InviteBody {
    role: String,
    #[serde(default = "default_invite_hours")]
    hours: i64,
}

fn default_invite_hours() -> i64 {
    24 * 7
}

async fn create_invite(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<InviteBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    owned_session(&s, &fac, &id).await?;
    let (invite, token) = service::create_invite(&s.store, &id, &b.role, b.hours).await?;
    audit::invite_issued(&fac, &id, &invite, &b.role, b.hours);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": invite, "token": token, "path": format!("/join/{token}") })),
    ))
}

async fn list_invites(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    owned_session(&s, &fac, &id).await?;
    let list = s.store.list_invites(&id).await?;
    Ok(Json(json!(list.iter().map(|i| json!({
        "id": i.id, "role": i.role, "expires_at": i.expires_at, "revoked": i.revoked_at.is_some(),
    })).collect::<Vec<_>>())))
}

async fn revoke_invite(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let invite = s.store.get_invite(&id).await?.ok_or(ApiError::NotFound)?;
    owned_session(&s, &fac, &invite.session_id).await?;
    s.store.revoke_invite(&id).await?;
    audit::invite_revoked(&fac, &id);
    Ok(ok())
}

#[derive(Deserialize)]
struct JoinBody {
    token: String,
    display_name: String,
}

async fn join(State(s): State<AppState>, Json(b): Json<JoinBody>) -> ApiResult<Response> {
    let (id, session, token) = service::join(&s.store, &b.token, &b.display_name).await?;
    audit::joined(&id, &session);
    publish(&s, &session).await?;
    let cookie = credentials::set_cookie(&s, MEMBER_COOKIE, &token, 14 * 24 * 3600);
    Ok((
        [(SET_COOKIE, cookie)],
        Json(json!({ "id": id, "session": session, "token": token })),
    )
        .into_response())
}

// ------------------------------------------------------------------ boards and breakouts

#[derive(Deserialize)]
struct BoardBody {
    kind: Option<String>,
    title: String,
    room: Option<String>,
    copy_from: Option<String>,
}

/// The content a new board starts with: a copy of a board of the same workspace, or a template.
async fn starting_content(
    s: &AppState,
    fac: &str,
    kind: Option<&str>,
    copy_from: Option<&str>,
) -> ApiResult<Board> {
    match copy_from {
        Some(src) => {
            owned_board(s, fac, src).await?;
            service::board_content(&s.store, Some(&s.hub), src).await
        }
        None => Ok(Board::template(
            service::parse_kind(kind.unwrap_or("free"))?,
            "",
        )),
    }
}

async fn create_board(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<BoardBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    owned_session(&s, &fac, &id).await?;
    let rooms = s.store.list_rooms(&id).await?;
    let room = match &b.room {
        Some(r) => rooms
            .iter()
            .find(|x| &x.id == r)
            .ok_or(ApiError::BadRequest("no such room in this meeting".into()))?,
        None => rooms
            .iter()
            .find(|x| x.kind == "plenary")
            .ok_or(ApiError::NotFound)?,
    };
    let content = starting_content(&s, &fac, b.kind.as_deref(), b.copy_from.as_deref()).await?;
    let board = service::create_board(&s.store, &room.id, &b.title, content).await?;
    publish(&s, &id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": board }))))
}

async fn get_board(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let bid = board_id(&id)?;
    let permit = sync_permit(&s, &who, &bid).await?;
    let row = s.store.get_board(&id).await?;
    Ok(Json(json!({
        "id": id,
        "registered": row.is_some(),
        "title": row.as_ref().map(|b| b.title.clone()),
        "kind": row.as_ref().map(|b| b.kind.clone()),
        "session": row.as_ref().map(|b| b.session_id.clone()),
        "room": row.as_ref().map(|b| b.room_id.clone()),
        "locked": row.as_ref().is_some_and(|b| b.locked != 0),
        "can_edit": permit.access == Access::ReadWrite && !(permit.lockable && permit.locked),
        "facilitator": matches!(who, Principal::Facilitator { .. }),
    })))
}

#[derive(Deserialize)]
struct BoardPatch {
    title: Option<String>,
    locked: Option<bool>,
}

async fn update_board(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<BoardPatch>,
) -> ApiResult<Json<Value>> {
    let board = owned_board(&s, &fac, &id).await?;
    let title = patched(b.title.as_deref(), board.title, "title", 200)?;
    let locked = b.locked.unwrap_or(board.locked != 0);
    s.store.update_board(&id, &title, locked).await?;
    s.hub.set_locked(&board_id(&id)?, locked).await;
    publish(&s, &board.session_id).await?;
    Ok(ok())
}

#[derive(Deserialize)]
struct BreakoutBody {
    groups: usize,
    kind: Option<String>,
    copy_from: Option<String>,
    /// `balanced` (default), `random` or `none`.
    assign: Option<String>,
}

/// Spawns N breakout groups, each with its own board (a template or a copy of a plenary
/// board: new documents, not shared ones), and assigns the participants.
async fn spawn_breakouts(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<BreakoutBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let session = owned_session(&s, &fac, &id).await?;
    if session.closed_at.is_some() {
        return Err(ApiError::Conflict("the meeting is closed".into()));
    }
    if !(1..=20).contains(&b.groups) {
        return Err(ApiError::BadRequest("from 1 to 20 groups".into()));
    }
    let content = starting_content(&s, &fac, b.kind.as_deref(), b.copy_from.as_deref()).await?;
    let title = match content.meta.kind {
        _ if !content.meta.title.is_empty() => content.meta.title.clone(),
        Some(k) => kind_title(k).to_owned(),
        None => "Lavagna".into(),
    };
    let mut rooms = Vec::new();
    for n in 1..=b.groups {
        let room = auth::new_id();
        s.store
            .create_room(&room, &id, "breakout", &format!("Gruppo {n}"))
            .await?;
        service::create_board(&s.store, &room, &title, content.clone()).await?;
        rooms.push(room);
    }
    let members: Vec<_> = s
        .store
        .list_participants(&id)
        .await?
        .into_iter()
        .filter(|p| p.role == "participant")
        .collect();
    let mut order: Vec<usize> = (0..members.len()).collect();
    match b.assign.as_deref().unwrap_or("balanced") {
        "balanced" => {}
        "random" => {
            use rand::seq::SliceRandom;
            order.shuffle(&mut rand::rng());
        }
        "none" => order.clear(),
        other => {
            return Err(ApiError::BadRequest(format!(
                "unknown assignment {other:?}"
            )))
        }
    }
    for (i, m) in order.iter().enumerate() {
        s.store
            .set_participant_group(&members[*m].id, Some(&rooms[i % rooms.len()]))
            .await?;
    }
    let groups = rooms.clone();
    change_state(&s, &id, move |st| {
        st.groups = groups;
        Ok(())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "rooms": rooms }))))
}

fn kind_title(kind: BoardKind) -> &'static str {
    match kind {
        BoardKind::Free => "Lavagna",
        BoardKind::StakeholderMap => "Mappa degli stakeholder",
        BoardKind::ProblemTree => "Albero dei problemi",
        BoardKind::ObjectiveTree => "Albero degli obiettivi",
        BoardKind::TheoryOfChange => "Teoria del cambiamento",
        BoardKind::SocialReport => "Rendicontazione sociale",
    }
}

/// Moves participants between groups (drag and drop in the console): participant id →
/// room id, or null to take someone out of every group.
async fn assign(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<std::collections::BTreeMap<String, Option<String>>>,
) -> ApiResult<Json<Value>> {
    owned_session(&s, &fac, &id).await?;
    let rooms = s.store.list_rooms(&id).await?;
    let members = s.store.list_participants(&id).await?;
    for (participant, room) in &b {
        let member = members
            .iter()
            .find(|m| &m.id == participant)
            .ok_or(ApiError::BadRequest(format!(
                "{participant} is not in this meeting"
            )))?;
        if let Some(r) = room {
            if !rooms.iter().any(|x| &x.id == r && x.kind == "breakout") {
                return Err(ApiError::BadRequest(format!(
                    "{r} is not a group of this meeting"
                )));
            }
        }
        let old = member.group_room.clone();
        s.store
            .set_participant_group(participant, room.as_deref())
            .await?;
        // whoever leaves a group leaves its boards
        if let Some(old) = old.filter(|o| Some(o) != room.as_ref()) {
            for board in s
                .store
                .list_session_boards(&id)
                .await?
                .into_iter()
                .filter(|x| x.room_id == old)
            {
                s.hub
                    .kick(
                        &board_id(&board.id)?,
                        Some(vec![participant.clone()]),
                        CloseReason::new(4003, "moved to another group"),
                    )
                    .await;
            }
        }
    }
    Ok(Json(publish(&s, &id).await?))
}

async fn start_breakouts(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    owned_session(&s, &fac, &id).await?;
    Ok(Json(
        change_state(&s, &id, |st| {
            if st.groups.is_empty() {
                return Err(ApiError::Conflict("spawn the groups first".into()));
            }
            st.phase = Phase::Breakout;
            Ok(())
        })
        .await?,
    ))
}

/// Calls everyone back to the plenary: participants lose the groups' boards.
async fn end_breakouts(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    owned_session(&s, &fac, &id).await?;
    let view = change_state(&s, &id, |st| {
        st.phase = Phase::Plenary;
        Ok(())
    })
    .await?;
    for b in s
        .store
        .list_session_boards(&id)
        .await?
        .into_iter()
        .filter(|b| b.room_kind == "breakout")
    {
        s.hub
            .kick(
                &board_id(&b.id)?,
                None,
                CloseReason::new(4001, "back to the plenary"),
            )
            .await;
    }
    Ok(Json(view))
}

/// Copies the groups' boards of the current round into one new plenary board, one frame
/// per group laid out side by side.
async fn gather(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let session = owned_session(&s, &fac, &id).await?;
    let state = SessionState::parse(&session.state);
    if state.groups.is_empty() {
        return Err(ApiError::Conflict("there are no groups to gather".into()));
    }
    let rooms = s.store.list_rooms(&id).await?;
    let boards = s.store.list_session_boards(&id).await?;
    let mut gathered = Board::template(BoardKind::Free, "Risultati dei gruppi");
    let mut x = 0.0;
    for (n, room_id) in state.groups.iter().enumerate() {
        let Some(room) = rooms.iter().find(|r| &r.id == room_id) else {
            continue;
        };
        for b in boards.iter().filter(|b| &b.room_id == room_id) {
            let content = service::board_content(&s.store, Some(&s.hub), &b.id).await?;
            let width = place_as_frame(
                &mut gathered,
                &content,
                &format!("g{n}"),
                &format!("{} — {}", room.name, b.title),
                x,
            );
            x += width + 200.0;
        }
    }
    let plenary = rooms
        .iter()
        .find(|r| r.kind == "plenary")
        .ok_or(ApiError::NotFound)?;
    let board =
        service::create_board(&s.store, &plenary.id, "Risultati dei gruppi", gathered).await?;
    let b2 = board.clone();
    change_state(&s, &id, move |st| {
        st.gathered = Some(b2);
        Ok(())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": board }))))
}

/// Copies `src` into `dst` inside a new frame at `x`, with ids prefixed by `prefix`;
/// returns the frame's width.
fn place_as_frame(dst: &mut Board, src: &Board, prefix: &str, title: &str, x: f64) -> f64 {
    let pad = 60.0;
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for i in src.items.values() {
        x0 = x0.min(i.x);
        y0 = y0.min(i.y);
        x1 = x1.max(i.x + i.w);
        y1 = y1.max(i.y + i.h);
    }
    if src.items.is_empty() {
        (x0, y0, x1, y1) = (0.0, 0.0, 400.0, 300.0);
    }
    let frame_id = format!("{prefix}-frame");
    let (w, h) = (x1 - x0 + 2.0 * pad, y1 - y0 + 2.0 * pad);
    dst.items.insert(
        frame_id.clone(),
        Item {
            id: frame_id.clone(),
            item_type: "frame".into(),
            x,
            y: 0.0,
            w,
            h,
            color: "white".into(),
            z: format!("0{prefix}"),
            shape: None,
            points: vec![],
            frame: None,
            role: None,
            data: Default::default(),
            author: None,
            text: title.to_owned(),
        },
    );
    for i in src.items.values() {
        let mut copy = i.clone();
        copy.id = format!("{prefix}-{}", i.id);
        copy.x = x + pad + (i.x - x0);
        copy.y = pad + (i.y - y0);
        copy.z = format!("1{prefix}{}", i.z);
        copy.frame = Some(match &i.frame {
            Some(f) if src.items.contains_key(f) => format!("{prefix}-{f}"),
            _ => frame_id.clone(),
        });
        dst.items.insert(copy.id.clone(), copy);
    }
    for l in src.links.values() {
        let copy = Link {
            id: format!("{prefix}-{}", l.id),
            from: format!("{prefix}-{}", l.from),
            to: format!("{prefix}-{}", l.to),
            ..l.clone()
        };
        dst.links.insert(copy.id.clone(), copy);
    }
    w
}

#[derive(Deserialize)]
struct TimerBody {
    /// `start`, `pause`, `resume`, `add`, `stop`.
    action: String,
    seconds: Option<i64>,
}

async fn timer(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<TimerBody>,
) -> ApiResult<Json<Value>> {
    owned_session(&s, &fac, &id).await?;
    let now = tavolo_store::now_ms();
    let secs = b.seconds.unwrap_or(0);
    if !(0..=24 * 3600).contains(&secs) {
        return Err(ApiError::BadRequest(
            "seconds must be between 0 and 86400".into(),
        ));
    }
    Ok(Json(
        change_state(&s, &id, move |st| {
            match (b.action.as_str(), st.timer.as_mut()) {
                ("start", _) => st.timer = Some(Timer::start(secs.max(1) * 1000, now)),
                ("pause", Some(t)) => t.pause(now),
                ("resume", Some(t)) => t.resume(now),
                ("add", Some(t)) => t.add(secs * 1000, now),
                ("stop", _) => st.timer = None,
                ("pause" | "resume" | "add", None) => {
                    return Err(ApiError::Conflict("no timer is set".into()))
                }
                (other, _) => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown timer action {other:?}"
                    )))
                }
            }
            Ok(())
        })
        .await?,
    ))
}

#[derive(Deserialize)]
struct MessageBody {
    text: String,
}

async fn message(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<MessageBody>,
) -> ApiResult<Json<Value>> {
    owned_session(&s, &fac, &id).await?;
    let text = text_field(&b.text, "message", 500)?;
    let at = tavolo_store::now_ms();
    Ok(Json(
        change_state(&s, &id, move |st| {
            st.message = Some(Broadcast { text, at });
            Ok(())
        })
        .await?,
    ))
}

#[derive(Deserialize)]
struct FollowBody {
    board: String,
    x: f64,
    y: f64,
    zoom: f64,
}

/// "Bring everyone to me": every client of the session jumps to this viewport.
async fn follow(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<FollowBody>,
) -> ApiResult<Json<Value>> {
    owned_session(&s, &fac, &id).await?;
    if !(b.x.is_finite() && b.y.is_finite() && b.zoom.is_finite() && b.zoom > 0.0) {
        return Err(ApiError::BadRequest(
            "viewport must be finite numbers with zoom > 0".into(),
        ));
    }
    let at = tavolo_store::now_ms();
    Ok(Json(
        change_state(&s, &id, move |st| {
            st.follow = Some(Follow {
                board: b.board,
                x: b.x,
                y: b.y,
                zoom: b.zoom,
                at,
            });
            Ok(())
        })
        .await?,
    ))
}

// ------------------------------------------------------------------ private mode

#[derive(Deserialize)]
struct PrivateBody {
    on: bool,
}

async fn private_mode(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<PrivateBody>,
) -> ApiResult<Json<Value>> {
    let board = owned_board(&s, &fac, &id).await?;
    Ok(Json(
        change_state(&s, &board.session_id, move |st| {
            if b.on {
                st.private.insert(id, true);
            } else {
                st.private.remove(&id);
            }
            Ok(())
        })
        .await?,
    ))
}

/// Copies every participant's private draft into the board in one change, empties the
/// drafts, and ends private mode.
async fn reveal(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let board = owned_board(&s, &fac, &id).await?;
    let bid = board_id(&id)?;
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
                    schema: 1,
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
    Ok(Json(json!({ "ok": true, "revealed": revealed })))
}

// ------------------------------------------------------------------ dot voting

#[derive(Deserialize)]
struct VoteBody {
    dots: i64,
}

async fn open_vote(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<VoteBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let board = owned_board(&s, &fac, &id).await?;
    if !(1..=20).contains(&b.dots) {
        return Err(ApiError::BadRequest("from 1 to 20 dots per person".into()));
    }
    let vote = auth::new_id();
    s.store
        .create_vote(&vote, &id, b.dots, &auth::new_token())
        .await?;
    let v2 = vote.clone();
    change_state(&s, &board.session_id, move |st| {
        st.votes.insert(id, v2);
        Ok(())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": vote }))))
}

async fn vote_and_board(s: &AppState, id: &str) -> ApiResult<(tavolo_store::VoteRow, BoardRow)> {
    let vote = s.store.get_vote(id).await?.ok_or(ApiError::NotFound)?;
    let board = s
        .store
        .get_board(&vote.board_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((vote, board))
}

async fn vote_view(
    s: &AppState,
    vote: &tavolo_store::VoteRow,
    who: &Principal,
) -> ApiResult<Value> {
    let tally = s.store.vote_tally(&vote.id).await?;
    let used = match who {
        Principal::Member(p) => {
            s.store
                .dots_used(&vote.id, &auth::voter_pseudonym(&vote.salt, &p.id))
                .await?
        }
        _ => 0,
    };
    Ok(json!({
        "id": vote.id, "board": vote.board_id, "dots": vote.dots, "open": vote.open != 0,
        "tally": tally.iter().map(|(item, n)| json!({ "item": item, "dots": n })).collect::<Vec<_>>(),
        "my_dots_left": (vote.dots - used).max(0),
    }))
}

async fn get_vote(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (vote, board) = vote_and_board(&s, &id).await?;
    sync_permit(&s, &who, &board_id(&board.id)?).await?;
    Ok(Json(vote_view(&s, &vote, &who).await?))
}

async fn close_vote(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (vote, board) = vote_and_board(&s, &id).await?;
    owned_workspace(&s, &fac, &board.workspace_id).await?;
    s.store.close_vote(&id).await?;
    let board_key = board.id.clone();
    change_state(&s, &board.session_id, move |st| {
        st.votes.remove(&board_key);
        Ok(())
    })
    .await?;
    let vote = tavolo_store::VoteRow { open: 0, ..vote };
    Ok(Json(
        vote_view(&s, &vote, &Principal::Facilitator { id: fac }).await?,
    ))
}

#[derive(Deserialize)]
struct DotBody {
    item: String,
}

/// A dot from a participant, under the vote's pseudonym for them.
async fn dot_voter(
    s: &AppState,
    who: &Principal,
    id: &str,
) -> ApiResult<(tavolo_store::VoteRow, String)> {
    let (vote, board) = vote_and_board(s, id).await?;
    let Principal::Member(p) = who else {
        return Err(ApiError::Forbidden("only participants vote".into()));
    };
    let permit = sync_permit(s, who, &board_id(&board.id)?).await?;
    if p.role != "participant" || permit.access != Access::ReadWrite {
        return Err(ApiError::Forbidden("observers do not vote".into()));
    }
    if vote.open == 0 {
        return Err(ApiError::Conflict("this vote is closed".into()));
    }
    let voter = auth::voter_pseudonym(&vote.salt, &p.id);
    Ok((vote, voter))
}

async fn place_dot(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    Json(b): Json<DotBody>,
) -> ApiResult<Json<Value>> {
    let (vote, voter) = dot_voter(&s, &who, &id).await?;
    let item = text_field(&b.item, "item", 64)?;
    if !s
        .store
        .place_dot(&vote.id, &voter, &item, vote.dots)
        .await?
    {
        return Err(ApiError::Conflict("no dots left".into()));
    }
    let view = vote_view(&s, &vote, &who).await?;
    s.publish(&vote_session(&s, &vote).await?, json!({ "type": "vote", "vote": { "id": vote.id, "board": vote.board_id, "tally": view["tally"] } }).to_string());
    Ok(Json(view))
}

async fn remove_dot(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    Json(b): Json<DotBody>,
) -> ApiResult<Json<Value>> {
    let (vote, voter) = dot_voter(&s, &who, &id).await?;
    if !s.store.remove_dot(&vote.id, &voter, &b.item).await? {
        return Err(ApiError::Conflict("you have no dot on this item".into()));
    }
    let view = vote_view(&s, &vote, &who).await?;
    s.publish(&vote_session(&s, &vote).await?, json!({ "type": "vote", "vote": { "id": vote.id, "board": vote.board_id, "tally": view["tally"] } }).to_string());
    Ok(Json(view))
}

async fn vote_session(s: &AppState, vote: &tavolo_store::VoteRow) -> ApiResult<String> {
    Ok(s.store
        .get_board(&vote.board_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .session_id)
}

// ------------------------------------------------------------------ snapshots

async fn list_snapshots(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let bid = board_id(&id)?;
    sync_permit(&s, &who, &bid).await?;
    let list = s.store.list_snapshots(&id).await?;
    Ok(Json(json!(list.iter().map(|x| json!({
        "id": x.id, "kind": x.kind, "label": x.label, "session": x.session_id, "created_at": x.created_at,
    })).collect::<Vec<_>>())))
}

#[derive(Deserialize)]
struct SnapshotBody {
    label: String,
}

async fn take_snapshot(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
    Json(b): Json<SnapshotBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let board = owned_board(&s, &fac, &id).await?;
    let label = text_field(&b.label, "label", 200)?;
    let (seq, state) = s.hub.snapshot(&board_id(&id)?).await?;
    let snap = s
        .store
        .create_snapshot(&id, seq, &state, "manual", &label, Some(&board.session_id))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": snap }))))
}

async fn snapshot_board(
    s: &AppState,
    who: &Principal,
    id: i64,
) -> ApiResult<(tavolo_store::SnapshotRow, Board)> {
    let (meta, state) = s.store.get_snapshot(id).await?.ok_or(ApiError::NotFound)?;
    if meta.kind == "auto" {
        return Err(ApiError::NotFound);
    }
    sync_permit(s, who, &board_id(&meta.board_id)?).await?;
    let (doc, problems) = tavolo_sync::update::rebuild(Some(&state), std::iter::empty());
    if let Some(p) = problems.first() {
        return Err(ApiError::Internal(format!("snapshot {id}: {p}")));
    }
    Ok((meta, Board::read(&doc)))
}

/// A snapshot's content in the schema's JSON form (for previews and history).
async fn get_snapshot(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (meta, board) = snapshot_board(&s, &who, id).await?;
    Ok(Json(json!({
        "id": meta.id, "board": meta.board_id, "kind": meta.kind, "label": meta.label,
        "created_at": meta.created_at, "content": board.to_json(),
    })))
}

/// Restores a snapshot as a new change: the live board is made equal to the snapshot's
/// content; history is never rewritten (the change can itself be undone by restoring an
/// earlier snapshot).
async fn restore_snapshot(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (meta, board) = snapshot_board(&s, &Principal::Facilitator { id: fac.clone() }, id).await?;
    owned_board(&s, &fac, &meta.board_id).await?;
    s.hub
        .change(&board_id(&meta.board_id)?, move |txn| {
            board.replace_content(txn)
        })
        .await?;
    Ok(ok())
}

// ------------------------------------------------------------------ control channel

async fn control(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    let session = visible_session(&s, &who, &id).await?;
    let presence = match &who {
        Principal::Member(p) => Presence {
            id: p.id.clone(),
            name: p.display_name.clone(),
            role: p.role.clone(),
            board: None,
        },
        Principal::Facilitator { id } => Presence {
            id: id.clone(),
            name: s
                .store
                .facilitator_by_id(id)
                .await?
                .map(|f| f.display_name)
                .unwrap_or_else(|| "Facilitatore".into()),
            role: "facilitator".into(),
            board: None,
        },
        Principal::Anonymous => return Err(ApiError::Unauthorized),
    };
    Ok(ws
        .max_message_size(16 * 1024)
        .read_buffer_size(crate::READ_BUFFER)
        .on_upgrade(move |socket| {
            let hub = s.hub.clone();
            hub.track(control_loop(s, session.id, presence, socket))
        }))
}

/// Sends the session's view on connect and whenever it changes; takes `{"type":"here",
/// "board":…}` from the client (which board it is on, for the facilitator's console).
async fn control_loop(s: AppState, session: String, presence: Presence, socket: WebSocket) {
    let (conn, mut rx) = s.live.subscribe(&session, presence);
    let (mut tx_ws, mut rx_ws) = socket.split();
    let _ = publish(&s, &session).await;
    let mut shutdown = std::pin::pin!(shutdown_of(&s));
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Ok(text) => {
                    if tx_ws.send(Message::Text(text.as_ref().into())).await.is_err() { break; }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // missed some: send the current view
                    if let Ok(Some(row)) = s.store.get_session(&session).await {
                        {
                            if let Ok(mut v) = session_view(&s, &row).await {
                                v["type"] = json!("session");
                                if tx_ws.send(Message::Text(v.to_string().into())).await.is_err() { break; }
                            }
                        }
                    }
                }
                Err(_) => break,
            },
            msg = rx_ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if v["type"] == "here" {
                        let board = v["board"].as_str().filter(|b| BoardId::parse(b).is_ok()).map(str::to_owned);
                        s.live.set_board(&session, conn, board);
                        let _ = publish_presence(&s, &session);
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = &mut shutdown => {
                let _ = tx_ws.send(Message::Close(Some(axum::extract::ws::CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                break;
            }
        }
    }
    s.live.leave(&session, conn);
    let _ = publish_presence(&s, &session);
}

/// Presence is per node (each node knows its own control connections), so it goes to
/// this node's clients only; with several nodes the console shows who is on its node.
fn publish_presence(s: &AppState, session: &str) -> Option<()> {
    let people = s.live.presence(session);
    s.live.publish(
        session,
        json!({ "type": "presence", "present": people }).to_string(),
    );
    Some(())
}

async fn shutdown_of(s: &AppState) {
    while !s.hub.is_shutting_down() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    /// The OpenAPI document describes exactly the routes this file registers.
    #[test]
    fn openapi_matches_the_router() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("openapi.json")).unwrap();
        let mut documented: Vec<String> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| format!("{} {path}", m.to_uppercase()))
            })
            .collect();
        documented.sort();
        let source = include_str!("routes.rs");
        // the router() body, whitespace removed, one `.route(…)` per piece
        let body = &source
            [source.find("pub fn router()").unwrap()..source.find("async fn openapi()").unwrap()];
        // and the export module's router, merged into it
        let export = include_str!("export.rs");
        let export = &export[export.find("pub fn router()").unwrap()
            ..export.find("const RENDERS_AT_ONCE").unwrap()];
        // and the top-level router's own routes (/healthz)
        let top = include_str!("../lib.rs");
        let top = &top[top.find("pub fn router(").unwrap()..top.find("async fn metrics(").unwrap()];
        let flat: String = body
            .chars()
            .chain(export.chars())
            .chain(top.chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        let mut registered = Vec::new();
        for piece in flat.split(".route(").skip(1) {
            let path = piece.split('"').nth(1).unwrap();
            let handlers = piece.split_once("\",").map(|(_, h)| h).unwrap_or("");
            for method in ["get", "post", "patch", "delete", "put"] {
                if handlers.starts_with(&format!("{method}("))
                    || handlers.contains(&format!(".{method}("))
                {
                    registered.push(format!("{} {path}", method.to_uppercase()));
                }
            }
        }
        // not JSON: Prometheus text, and the y-websocket endpoint (in the info text)
        registered.retain(|r| r != "GET /metrics" && r != "GET /sync/{*board_id}");
        registered.sort();
        assert_eq!(documented, registered);
    }
}
