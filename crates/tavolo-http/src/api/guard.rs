//! The guards every endpoint starts with: the lookups an access decision needs, and axum
//! extractors for the repeated ones, so that a handler receives a row it may act on.
//!
//! - [`OwnedWorkspace`], [`OwnedSession`], [`OwnedBoard`]: a signed-in facilitator and the
//!   workspace / session / board named by the path's `{id}`, which must be theirs.
//! - [`OpenBoard`]: a validated board id from the path that the principal may open, with
//!   the permit the sync socket would get.
//! - [`VisibleSession`]: the path's session, which the principal may see.
//!
//! Guards only look up what the decision needs and call `tavolo_rooms::access::decide`
//! with it; they decide nothing themselves.

use super::credentials::{Facilitator, Who};
use super::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tavolo_hub::Permit;
use tavolo_rooms::access::{self, Grant, Place, Principal, Request};
use tavolo_rooms::state::SessionState;
use tavolo_store::{BoardRow, RoomKind, RoomRow, SessionRow, WorkspaceRow};
use tavolo_sync::{Access, BoardId};

/// A board id from a request, checked (400 with the reason otherwise).
pub fn board_id(id: &str) -> ApiResult<BoardId> {
    BoardId::parse(id).map_err(|e| ApiError::BadRequest(format!("invalid board id: {e}")))
}

/// A workspace `fac` may manage (theirs).
pub async fn owned_workspace(s: &AppState, fac: &str, id: &str) -> ApiResult<WorkspaceRow> {
    let ws = s.store.get_workspace(id).await?.ok_or(ApiError::NotFound)?;
    let who = Principal::Facilitator { id: fac.to_owned() };
    access::decide(
        &who,
        &Request::Manage {
            owner: &ws.owner_id,
        },
    )?;
    Ok(ws)
}

pub async fn owned_session(s: &AppState, fac: &str, id: &str) -> ApiResult<SessionRow> {
    let session = s.store.get_session(id).await?.ok_or(ApiError::NotFound)?;
    owned_workspace(s, fac, &session.workspace_id).await?;
    Ok(session)
}

pub async fn owned_board(s: &AppState, fac: &str, id: &str) -> ApiResult<BoardRow> {
    let board = s.store.get_board(id).await?.ok_or(ApiError::NotFound)?;
    owned_workspace(s, fac, &board.workspace_id).await?;
    Ok(board)
}

/// The room `?room=` / `"room"` names, or the plenary.
pub fn target_room<'a>(rooms: &'a [RoomRow], room: Option<&String>) -> ApiResult<&'a RoomRow> {
    match room {
        Some(r) => rooms
            .iter()
            .find(|x| &x.id == r)
            .ok_or(ApiError::BadRequest("no such room in this meeting".into())),
        None => rooms
            .iter()
            .find(|x| x.kind == RoomKind::Plenary)
            .ok_or(ApiError::NotFound),
    }
}

/// A session that the principal may see: its facilitator's, or a member's own. A
/// facilitator's decision needs the session's owner, looked up first (an unknown session
/// is 404); a member's needs only the session's id.
pub async fn visible_session(s: &AppState, who: &Principal, id: &str) -> ApiResult<SessionRow> {
    if let Principal::Facilitator { id: fac } = who {
        return owned_session(s, fac, id).await;
    }
    access::decide(
        who,
        &Request::SeeSession {
            session: id,
            owner: None,
        },
    )?;
    s.store.get_session(id).await?.ok_or(ApiError::NotFound)
}

/// A meeting whose calls the principal may be in, and how (`Grant::Watch`: listen and
/// watch only): `access::decide`'s `Request::Call`, with the workspace's owner looked up
/// for a facilitator.
pub async fn call_session(
    s: &AppState,
    who: &Principal,
    id: &str,
) -> ApiResult<(SessionRow, Grant)> {
    let session = s.store.get_session(id).await?.ok_or(ApiError::NotFound)?;
    let owner = match who {
        Principal::Facilitator { .. } => s
            .store
            .get_workspace(&session.workspace_id)
            .await?
            .map(|w| w.owner_id),
        _ => None,
    };
    let grant = access::decide(
        who,
        &Request::Call {
            session: id,
            owner: owner.as_deref(),
            closed: session.closed_at.is_some(),
        },
    )?;
    Ok((session, grant))
}

/// What an access decision about a board needs: its row (none for a board outside every
/// workspace), its workspace's owner, its session's state, and whose draft it is.
struct BoardFacts {
    row: Option<BoardRow>,
    owner: Option<String>,
    state: SessionState,
    closed: bool,
    draft_of: Option<String>,
}

impl BoardFacts {
    async fn of(s: &AppState, id: &BoardId) -> ApiResult<BoardFacts> {
        let (base, draft_of) = match access::parse_draft(id.as_str()) {
            Some((base, participant)) => (base.to_owned(), Some(participant.to_owned())),
            None => (id.as_str().to_owned(), None),
        };
        let row = s.store.get_board(&base).await?;
        // a deleted workspace's board is gone, not an anonymous board
        if row.is_none() && s.store.is_board_deleted(&base).await? {
            return Err(ApiError::Gone("this board was deleted".into()));
        }
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
        Ok(BoardFacts {
            row,
            owner,
            state,
            closed,
            draft_of,
        })
    }

    fn place(&self) -> Place<'_> {
        Place {
            board: self.row.as_ref(),
            owner: self.owner.as_deref(),
            state: &self.state,
            session_closed: self.closed,
            draft_of: self.draft_of.as_deref(),
        }
    }
}

/// The access decision for a board id, as for the sync socket (without counting it as a
/// new anonymous board: see [`socket_permit`]).
pub async fn sync_permit(s: &AppState, who: &Principal, id: &BoardId) -> ApiResult<Permit> {
    Ok(decide_board(s, who, id).await?.0)
}

/// The access decision for the sync socket itself, from the client address `ip`: as
/// [`sync_permit`], and a board outside every workspace that is not open on this node and
/// has nothing stored (a new anonymous board) counts against that address's `--anonymous-boards-per-minute`
/// (429 past it, with `Retry-After`).
pub async fn socket_permit(
    s: &AppState,
    who: &Principal,
    id: &BoardId,
    ip: std::net::IpAddr,
) -> ApiResult<Permit> {
    let (permit, anonymous) = decide_board(s, who, id).await?;
    // new: not open here, and nothing stored (no number was ever taken in its log;
    // compaction keeps the head)
    if anonymous && !s.hub.is_live(id) && s.store.heads(&[id.as_str().to_owned()]).await?[0] == 0 {
        if let Err(wait) = s.new_anonymous_boards.take(ip) {
            return Err(ApiError::RateLimited(
                crate::throttle::retry_after_secs(wait),
                "too many new boards from this address: try again in a minute".into(),
            ));
        }
    }
    Ok(permit)
}

/// The board access decision and whether the board belongs to no workspace.
async fn decide_board(s: &AppState, who: &Principal, id: &BoardId) -> ApiResult<(Permit, bool)> {
    let facts = BoardFacts::of(s, id).await?;
    let grant = access::decide(
        who,
        &Request::OpenBoard {
            place: &facts.place(),
            allow_anonymous: s.options.allow_anonymous_boards,
        },
    )?;
    let anonymous = facts.row.is_none();
    if anonymous {
        crate::audit::anonymous_board(id.as_str());
    }
    // what an anonymous board may hold, whoever writes to it
    let max_board_bytes = if anonymous {
        s.options.anonymous_board_bytes
    } else {
        None
    };
    let permit = match grant {
        Grant::Edit { lockable } => Permit {
            principal: who.id().to_owned(),
            access: Access::ReadWrite,
            lockable,
            locked: facts.row.as_ref().is_some_and(|b| b.locked),
            ends: None,
            max_board_bytes,
        },
        // (opening a board never grants `Manage`: the owner gets `Edit`)
        Grant::Manage => Permit {
            principal: who.id().to_owned(),
            access: Access::ReadWrite,
            lockable: false,
            locked: false,
            ends: None,
            max_board_bytes,
        },
        // (`Until` answers `Hold` only)
        Grant::Watch | Grant::Until(_) => Permit {
            principal: who.id().to_owned(),
            access: Access::ReadOnly,
            lockable: false,
            locked: false,
            ends: None,
            max_board_bytes,
        },
    };
    Ok((permit, anonymous))
}

/// The meeting's boards `who` may open (each decided as the sync socket would be).
pub async fn openable_boards(
    s: &AppState,
    who: &Principal,
    session: &SessionRow,
) -> ApiResult<Vec<BoardRow>> {
    let mut out = Vec::new();
    for b in s.store.list_session_boards(&session.id).await? {
        if sync_permit(s, who, &board_id(&b.id)?).await.is_ok() {
            out.push(b);
        }
    }
    Ok(out)
}

/// Whether `who` may place and remove dots in a vote on this board.
pub async fn may_vote(s: &AppState, who: &Principal, id: &BoardId) -> ApiResult<()> {
    let facts = BoardFacts::of(s, id).await?;
    access::decide(
        who,
        &Request::Vote {
            place: &facts.place(),
            allow_anonymous: s.options.allow_anonymous_boards,
        },
    )?;
    Ok(())
}

// ------------------------------------------------------------------ extractors

/// The path's single `{id}`, after the facilitator (the order the checks always had).
async fn facilitator_and_id(parts: &mut Parts, s: &AppState) -> Result<(String, String), Response> {
    let Facilitator(fac) = Facilitator::from_request_parts(parts, s)
        .await
        .map_err(IntoResponse::into_response)?;
    let Path(id) = Path::<String>::from_request_parts(parts, s)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((fac, id))
}

/// Extractor: the signed-in facilitator and the path's workspace, which is theirs.
pub struct OwnedWorkspace {
    pub fac: String,
    pub workspace: WorkspaceRow,
}

impl FromRequestParts<AppState> for OwnedWorkspace {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        let (fac, id) = facilitator_and_id(parts, s).await?;
        let workspace = owned_workspace(s, &fac, &id)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(OwnedWorkspace { fac, workspace })
    }
}

/// Extractor: the signed-in facilitator and the path's session, in one of their workspaces.
pub struct OwnedSession {
    pub fac: String,
    pub session: SessionRow,
}

impl FromRequestParts<AppState> for OwnedSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        let (fac, id) = facilitator_and_id(parts, s).await?;
        let session = owned_session(s, &fac, &id)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(OwnedSession { fac, session })
    }
}

/// Extractor: the signed-in facilitator and the path's board, in one of their workspaces.
pub struct OwnedBoard {
    pub fac: String,
    pub board: BoardRow,
    /// The board's id, validated.
    pub id: BoardId,
}

impl FromRequestParts<AppState> for OwnedBoard {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        let (fac, id) = facilitator_and_id(parts, s).await?;
        let board = owned_board(s, &fac, &id)
            .await
            .map_err(IntoResponse::into_response)?;
        let id = board_id(&board.id).map_err(IntoResponse::into_response)?;
        Ok(OwnedBoard { fac, board, id })
    }
}

/// Extractor: the principal, the path's board id (validated) and the permit the sync
/// socket would give them on it; refused as the socket would be.
pub struct OpenBoard {
    pub who: Principal,
    pub id: BoardId,
    pub permit: Permit,
}

impl FromRequestParts<AppState> for OpenBoard {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        let Who(who) = Who::from_request_parts(parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(raw) = Path::<String>::from_request_parts(parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let opened = async {
            let id = board_id(&raw)?;
            let permit = sync_permit(s, &who, &id).await?;
            Ok::<_, ApiError>((id, permit))
        };
        let (id, permit) = opened.await.map_err(IntoResponse::into_response)?;
        Ok(OpenBoard { who, id, permit })
    }
}

/// Extractor: the principal and the path's session, which they may see.
pub struct VisibleSession {
    pub who: Principal,
    pub session: SessionRow,
}

impl FromRequestParts<AppState> for VisibleSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        let Who(who) = Who::from_request_parts(parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(id) = Path::<String>::from_request_parts(parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let session = visible_session(s, &who, &id)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(VisibleSession { who, session })
    }
}
