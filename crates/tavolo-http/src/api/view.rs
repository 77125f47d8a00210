//! What a session looks like to its clients (the `session` message of the control
//! channel, and the answer of the endpoints that change it), how a change of its room
//! state is made and published, and the small answers shared by several endpoints.
//!
//! Response structs list their fields in alphabetical order, the order the `json!` maps
//! they replaced wrote their keys in (types embedded whole, such as the room state and
//! presence, keep their own order); names and values are the same.

use super::doc::FacilitatorRole;
use super::error::{ApiError, ApiResult};
use crate::AppState;
use axum::Json;
use serde::Serialize;
use tavolo_board::BoardKind;
use tavolo_rooms::access::{Part, Principal};
use tavolo_rooms::live::Presence;
use tavolo_rooms::state::SessionState;
use tavolo_store::{ParticipantRow, Role, RoomKind, SessionRow};
use utoipa::ToSchema;

/// `{"ok": true}`.
#[derive(Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

pub fn ok() -> Json<Done> {
    Json(Done { ok: true })
}

/// `{"id": …}`: what a create answers.
#[derive(Serialize, ToSchema)]
pub struct Created<T: Serialize> {
    pub id: T,
}

/// Everything a session's clients need to follow it: rooms with their boards, members with
/// their groups, the room state, and who is connected. Invitations are not in it.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub closed: bool,
    pub date: String,
    pub id: String,
    /// Who is asking (`GET /api/sessions/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub me: Option<Me>,
    pub members: Vec<MemberView>,
    pub now: i64,
    pub present: Vec<Presence>,
    pub rooms: Vec<RoomView>,
    pub state: SessionState,
    pub title: String,
    /// `"session"` when sent on the control channel (and answered after a change).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub message_type: Option<&'static str>,
    pub workspace: WorkspaceRef,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceRef {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoomView {
    pub boards: Vec<BoardSummary>,
    pub id: String,
    pub kind: RoomKind,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct BoardSummary {
    pub id: String,
    pub kind: BoardKind,
    pub locked: bool,
    pub private: bool,
    pub title: String,
    /// The board's open dot vote.
    #[schema(required = true)]
    pub vote: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    #[schema(required = true)]
    pub group: Option<String>,
    pub id: String,
    pub name: String,
    pub role: Role,
}

impl MemberView {
    pub fn of(p: &ParticipantRow) -> MemberView {
        MemberView {
            group: p.group_room.clone(),
            id: p.id.clone(),
            name: p.display_name.clone(),
            role: p.role,
        }
    }
}

/// The asker, in a session's view: a member as in `members`, or the facilitator.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Me {
    Member(MemberView),
    Facilitator {
        id: String,
        /// Always `facilitator`.
        #[schema(value_type = FacilitatorRole)]
        role: Part,
    },
}

impl Me {
    pub fn of(who: &Principal) -> Me {
        match who {
            Principal::Member(p) => Me::Member(MemberView::of(p)),
            _ => Me::Facilitator {
                id: who.id().to_owned(),
                role: Part::Facilitator,
            },
        }
    }
}

pub async fn session_view(s: &AppState, session: &SessionRow) -> ApiResult<SessionView> {
    let rooms = s.store.list_rooms(&session.id).await?;
    let boards = s.store.list_session_boards(&session.id).await?;
    let members = s.store.list_participants(&session.id).await?;
    let workspace = s
        .store
        .get_workspace(&session.workspace_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let state = SessionState::parse(&session.state);
    let rooms = rooms
        .into_iter()
        .map(|r| RoomView {
            boards: boards
                .iter()
                .filter(|b| b.room_id == r.id)
                .map(|b| BoardSummary {
                    id: b.id.clone(),
                    kind: b.kind,
                    locked: b.locked,
                    private: state.is_private(&b.id),
                    title: b.title.clone(),
                    vote: state.votes.get(&b.id).cloned(),
                })
                .collect(),
            id: r.id,
            kind: r.kind,
            name: r.name,
        })
        .collect();
    Ok(SessionView {
        closed: session.closed_at.is_some(),
        date: session.date.clone(),
        id: session.id.clone(),
        me: None,
        members: members.iter().map(MemberView::of).collect(),
        now: tavolo_store::now_ms(),
        present: s.live.presence(&session.id),
        rooms,
        state,
        title: session.title.clone(),
        message_type: None,
        workspace: WorkspaceRef {
            id: workspace.id,
            name: workspace.name,
        },
    })
}

/// The session's view as the control channel's `session` message.
pub async fn session_message(s: &AppState, session: &SessionRow) -> ApiResult<SessionView> {
    let mut view = session_view(s, session).await?;
    view.message_type = Some("session");
    Ok(view)
}

/// Sends a control message to every client of the session, on every node.
pub fn publish_message(s: &AppState, session_id: &str, message: &impl Serialize) {
    match serde_json::to_string(message) {
        Ok(text) => s.publish(session_id, text),
        Err(e) => tracing::error!(error = %e, "a control message did not serialize"),
    }
}

/// Tells every client of the session what it looks like now.
pub async fn publish(s: &AppState, session_id: &str) -> ApiResult<SessionView> {
    let session = s
        .store
        .get_session(session_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let view = session_message(s, &session).await?;
    publish_message(s, session_id, &view);
    Ok(view)
}

/// Changes the session's room state (one change at a time, on every node:
/// `Store::change_session_state`) and publishes it.
pub async fn change_state(
    s: &AppState,
    session_id: &str,
    f: impl FnOnce(&mut SessionState) -> ApiResult<()>,
) -> ApiResult<SessionView> {
    s.store
        .change_session_state(session_id, |stored| {
            let mut state = SessionState::parse(stored.ok_or(ApiError::NotFound)?);
            f(&mut state)?;
            Ok::<_, ApiError>(state.to_json())
        })
        .await??;
    publish(s, session_id).await
}
