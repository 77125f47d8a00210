//! Facilitation operations, shared by the HTTP API and `tavolo admin`. Each checks its
//! input; permissions are checked by the caller (the handlers, through `api::guard`, which
//! asks `tavolo_rooms::access::decide`; the CLI is the operator).
//!
//! Here: facilitators and sign-in, workspaces, meetings, boards, invitations and joining.
//! The meeting's live operations act on [`Rooms`] (the store, the live boards and the
//! control channels), one module each:
//!
//! - [`breakouts`]: spawning groups, moving people between them, starting and ending
//!   them, gathering their boards into the plenary.
//! - [`control`]: what the facilitator sets for everyone (timer, broadcast message,
//!   "bring everyone to me").
//! - [`private`]: private mode and the reveal of the drafts.
//! - [`votes`]: dot votes (opening, dots, closing, results).
//! - [`snapshots`]: labelled snapshots, restoring them, closing a meeting.
//! - [`ending`]: closing the sockets of someone whose rights ended.
//! - [`publish`]: the session's view now, and publishing a change of the room state.

pub mod breakouts;
pub mod control;
pub mod ending;
pub mod private;
pub mod publish;
pub mod snapshots;
pub mod votes;

use crate::auth::{invite_code, new_id, new_invite_code, new_token, token_hash};
use crate::live::Live;
use crate::passwords::{PasswordError, Passwords};
use tavolo_board::{labels, Board, BoardKind};
use tavolo_hub::{AttachError, Hub};
use tavolo_store::{
    BoardAppend, InviteRow, ParticipantRow, Role, RoomKind, SessionRow, Store, StoreError,
};
use tavolo_sync::BoardId;
use yrs::{ReadTxn, StateVector, Transact};

pub const HOUR_MS: i64 = 3_600_000;

/// What a meeting's live operations act on: the stored rows, this node's live boards and
/// the meetings' control channels. (The server holds one of each; `rooms()` of its state
/// lends them.)
#[derive(Clone, Copy)]
pub struct Rooms<'a> {
    pub store: &'a Store,
    pub hub: &'a Hub,
    pub live: &'a Live,
}

impl Rooms<'_> {
    /// Sends a control message's text to every client of the session, on every node (the
    /// bus carries it to the others).
    pub fn publish_text(&self, session: &str, message: String) {
        self.hub.publish_session(session, &message);
        self.live.publish(session, message);
    }

    /// A board's content now (live, or as stored).
    pub async fn board_content(&self, id: &str) -> ServiceResult<Board> {
        board_content(self.store, Some(self.hub), id).await
    }
}

/// A board id from a request or a row, checked.
pub fn board_id(id: &str) -> ServiceResult<BoardId> {
    BoardId::parse(id).map_err(|e| ServiceError::Invalid(format!("invalid board id: {e}")))
}

/// Why an operation did not happen, in the operation's terms (the HTTP layer maps each
/// to a status; `tavolo admin` prints it).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is not acceptable (a field too long, an unknown kind…).
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error("{}", .0.message())]
    Conflict(Conflict),
    /// It existed but is no longer usable (a revoked or expired invitation…).
    #[error("{0}")]
    Gone(String),
    /// The credential given for it does not allow it (an invalid setup link…).
    #[error("{0}")]
    Forbidden(String),
    /// Nobody may join through this invitation any more (410, with a code the web client
    /// translates).
    #[error("{}", .0.message())]
    InviteEnded(InviteEnd),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hub(#[from] AttachError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// Something stored or computed is not what it must be (a snapshot that does not
    /// decode…): the server's fault, logged.
    #[error("{0}")]
    Broken(String),
}

/// Why an invitation no longer lets anyone join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteEnd {
    Revoked,
    Expired,
    /// A participant's invitation to a meeting that was closed (observers may still look).
    MeetingClosed,
}

impl InviteEnd {
    /// The stable code the error carries (`code` in the JSON body).
    pub fn code(self) -> &'static str {
        match self {
            InviteEnd::Revoked => "invite_revoked",
            InviteEnd::Expired => "invite_expired",
            InviteEnd::MeetingClosed => "meeting_closed",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            InviteEnd::Revoked => "this invitation was revoked",
            InviteEnd::Expired => "this invitation has expired",
            InviteEnd::MeetingClosed => "this meeting is closed",
        }
    }
}

/// Why a change cannot happen in the state things are in (409), with a stable `code` the
/// web client translates (its messages are for logs and scripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    MeetingClosed,
    VoteClosed,
    NoDotsLeft,
    NoDotHere,
    /// Groups are needed first (to assign people, to gather).
    NoGroups,
    /// Nothing to gather: the groups have ended.
    NothingToGather,
    NoTimer,
    FacilitatorExists,
}

impl Conflict {
    /// The stable code the error carries (`code` in the JSON body).
    pub fn code(self) -> &'static str {
        match self {
            Conflict::MeetingClosed => "meeting_closed",
            Conflict::VoteClosed => "vote_closed",
            Conflict::NoDotsLeft => "no_dots_left",
            Conflict::NoDotHere => "no_dot_here",
            Conflict::NoGroups | Conflict::NothingToGather => "no_groups",
            Conflict::NoTimer => "no_timer",
            Conflict::FacilitatorExists => "facilitator_exists",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Conflict::MeetingClosed => "the meeting is closed",
            Conflict::VoteClosed => "this vote is closed",
            Conflict::NoDotsLeft => "no dots left",
            Conflict::NoDotHere => "you have no dot on this item",
            Conflict::NoGroups => "spawn the groups first",
            Conflict::NothingToGather => "there are no groups to gather",
            Conflict::NoTimer => "no timer is set",
            Conflict::FacilitatorExists => "a facilitator with this email exists",
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Checks a user-supplied text field: trimmed, non-empty, at most `max` characters.
pub fn text_field(value: &str, what: &str, max: usize) -> ServiceResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ServiceError::Invalid(format!("{what} is empty")));
    }
    if v.chars().count() > max {
        return Err(ServiceError::Invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(ServiceError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(v.to_owned())
}

/// A facilitator's checked email and name (the password checked too).
fn facilitator_fields(email: &str, name: &str, password: &str) -> ServiceResult<(String, String)> {
    let email = text_field(email, "email", 200)?.to_lowercase();
    if !email.contains('@') {
        return Err(ServiceError::Invalid(
            "email is not an email address".into(),
        ));
    }
    let name = text_field(name, "name", 100)?;
    if password.chars().count() < 10 {
        return Err(ServiceError::Invalid(
            "the password needs at least 10 characters".into(),
        ));
    }
    Ok((email, name))
}

pub async fn create_facilitator(
    store: &Store,
    passwords: &Passwords,
    email: &str,
    name: &str,
    password: &str,
) -> ServiceResult<String> {
    let (email, name) = facilitator_fields(email, name, password)?;
    if store.facilitator_by_email(&email).await?.is_some() {
        return Err(ServiceError::Conflict(Conflict::FacilitatorExists));
    }
    let hash = passwords.hash(password).await?;
    let id = new_id();
    store.create_facilitator(&id, &email, &name, &hash).await?;
    Ok(id)
}

/// The first facilitator, through the one-time setup link (valid for `link_ttl` after the
/// start that printed it). The link is used only by a setup that succeeds: a refused
/// input leaves it valid. Two setups at once make one facilitator (the store serializes
/// them); the other is told setup is done.
pub async fn setup_facilitator(
    store: &Store,
    passwords: &Passwords,
    link_ttl: std::time::Duration,
    token: &str,
    email: &str,
    name: &str,
    password: &str,
) -> ServiceResult<String> {
    let done = || ServiceError::Gone("setup is done: sign in instead".into());
    let invalid =
        || ServiceError::Forbidden("this setup link is not valid (or has expired)".into());
    if store.facilitator_count().await? > 0 {
        return Err(done());
    }
    let created_after = tavolo_store::now_ms() - link_ttl.as_millis().min(i64::MAX as u128) as i64;
    let hashed = token_hash(token);
    if !crate::auth::plausible_token(token)
        || !store.setup_token_valid(&hashed, created_after).await?
    {
        return Err(invalid());
    }
    let (email, display_name) = facilitator_fields(email, name, password)?;
    let row = tavolo_store::FacilitatorRow {
        id: new_id(),
        email,
        display_name,
        password_hash: passwords.hash(password).await?,
    };
    match store
        .setup_first_facilitator(&hashed, created_after, &row)
        .await?
    {
        tavolo_store::SetupOutcome::Created => Ok(row.id),
        tavolo_store::SetupOutcome::AlreadyDone => Err(done()),
        tavolo_store::SetupOutcome::InvalidToken => Err(invalid()),
    }
}

/// A login token (for the cookie) valid for `hours`.
pub async fn create_login(
    store: &Store,
    facilitator_id: &str,
    hours: i64,
) -> ServiceResult<String> {
    let token = new_token();
    store
        .create_login(
            &token_hash(&token),
            facilitator_id,
            tavolo_store::now_ms() + hours * HOUR_MS,
        )
        .await?;
    Ok(token)
}

pub async fn create_workspace(store: &Store, owner: &str, name: &str) -> ServiceResult<String> {
    let name = text_field(name, "name", 200)?;
    let id = new_id();
    store.create_workspace(&id, owner, &name).await?;
    Ok(id)
}

/// Deletes a workspace: its rows first (so nothing can load its boards again), then its
/// live documents and every socket on them, unwritten (`Hub::erase`); returns the ids of
/// the boards it erased.
pub async fn delete_workspace(rooms: Rooms<'_>, workspace: &str) -> ServiceResult<Vec<String>> {
    let boards = rooms.store.delete_workspace(workspace).await?;
    rooms.hub.erase(&boards).await?;
    Ok(boards)
}

/// The content of a board now: from the live hub when there is one, else from the store.
pub async fn board_content(store: &Store, hub: Option<&Hub>, id: &str) -> ServiceResult<Board> {
    let board_id = board_id(id)?;
    if let Some(hub) = hub {
        return Ok(hub.read(&board_id, Board::read).await?);
    }
    let stored = store.load_board(id).await?;
    let (doc, _) = tavolo_hub::rebuild_stored(&stored);
    Ok(Board::read(&doc))
}

/// Writes the first content of a new board straight into its log (it has no log yet and
/// nobody is connected, so this is its update number 1).
pub async fn write_new_board(store: &Store, id: &str, board: &Board) -> ServiceResult<()> {
    let doc = yrs::Doc::new();
    board.write(&doc);
    let update = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    store
        .append(&[BoardAppend {
            board_id: id.to_owned(),
            updates: vec![update],
        }])
        .await?;
    Ok(())
}

/// Creates a board in a room with the given content (template or copy).
pub async fn create_board(
    store: &Store,
    room: &str,
    title: &str,
    mut content: Board,
) -> ServiceResult<String> {
    let title = text_field(title, "title", 200)?;
    content.meta.title = title.clone();
    let kind = content.meta.kind.unwrap_or(BoardKind::Free);
    let id = new_id();
    store.create_board(&id, room, kind, &title).await?;
    write_new_board(store, &id, &content).await?;
    Ok(id)
}

/// Creates a session with its plenary. A session that follows another opens on the final
/// state of the previous session's plenary boards (copies: the old ones stay as they were).
pub async fn create_session(
    store: &Store,
    hub: Option<&Hub>,
    workspace: &str,
    title: &str,
    date: &str,
) -> ServiceResult<String> {
    let title = text_field(title, "title", 200)?;
    let date = text_field(date, "date", 40)?;
    let previous = store.list_sessions(workspace).await?.into_iter().last();
    let id = new_id();
    store.create_session(&id, workspace, &title, &date).await?;
    let plenary = new_id();
    store
        .create_room(&plenary, &id, RoomKind::Plenary, labels::PLENARY)
        .await?;
    if let Some(prev) = previous {
        for b in store.list_session_boards(&prev.id).await? {
            if b.room_kind != RoomKind::Plenary {
                continue;
            }
            let content = board_content(store, hub, &b.id).await?;
            create_board(store, &plenary, &b.title, content).await?;
        }
    }
    Ok(id)
}

/// An invitation link token for a role, valid for `hours`.
pub async fn create_invite(
    store: &Store,
    session: &str,
    role: Role,
    hours: i64,
) -> ServiceResult<NewInvite> {
    if !(1..=24 * 90).contains(&hours) {
        return Err(ServiceError::Invalid(
            "an invitation lasts from 1 hour to 90 days".into(),
        ));
    }
    let token = new_token();
    let id = new_id();
    let expires_at = tavolo_store::now_ms() + hours * HOUR_MS;
    // 40 random bits: a code already in use (the unique index refuses it) is unlikely
    // enough that a few tries settle it
    let mut tries = 0;
    loop {
        let code = new_invite_code();
        let code_hash = token_hash(&invite_code(&code).expect("a new code is a code"));
        match store
            .create_invite(
                &id,
                session,
                role,
                &token_hash(&token),
                &code_hash,
                expires_at,
            )
            .await
        {
            Ok(()) => return Ok(NewInvite { id, token, code }),
            Err(e) if tries >= 3 => return Err(e.into()),
            Err(_) => tries += 1,
        }
    }
}

/// A new invitation: its id, its link's token and its short code (`ABCD-EFGH`), each
/// shown once (the database keeps only their hashes).
pub struct NewInvite {
    pub id: String,
    pub token: String,
    pub code: String,
}

/// The invitation a link's token (or its short code) opens, and its meeting, if someone
/// may still join through it: refuses unknown (404), revoked and expired invitations and, for
/// participants, closed meetings (410). What joining and the join page's preview ask.
pub async fn invitation(
    store: &Store,
    invite_token: &str,
) -> ServiceResult<(InviteRow, SessionRow)> {
    let invite = if crate::auth::plausible_token(invite_token) {
        store.invite_by_token(&token_hash(invite_token)).await?
    } else if let Some(code) = invite_code(invite_token) {
        store.invite_by_code(&token_hash(&code)).await?
    } else {
        None
    }
    .ok_or(ServiceError::NotFound)?;
    if invite.revoked_at.is_some() {
        return Err(ServiceError::InviteEnded(InviteEnd::Revoked));
    }
    if invite.expires_at <= tavolo_store::now_ms() {
        return Err(ServiceError::InviteEnded(InviteEnd::Expired));
    }
    let session = store
        .get_session(&invite.session_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if session.closed_at.is_some() && invite.role == Role::Participant {
        return Err(ServiceError::InviteEnded(InviteEnd::MeetingClosed));
    }
    Ok((invite, session))
}

/// Joins a session through an invitation: a participant (or observer) with a display name
/// and a token of their own. Refuses unknown, revoked and expired invitations.
/// Joins a meeting through an invitation. `current`: the member credential the request
/// already carries (a browser that joined before), with its token. Joining the same
/// invitation again with it is the same person coming back: they keep their id, token,
/// dots and drafts (only the name they typed is updated), rather than becoming a second
/// participant with a second dot budget. `removed`: the member the request's credential
/// names if the facilitator removed them (`credentials::removed_member`); such a browser
/// may not rejoin that meeting through any of its links. (A link is a bearer secret: from
/// another browser the removed person is a stranger holding the link, and only revoking
/// it keeps them out.)
pub async fn join(
    store: &Store,
    invite_token: &str,
    name: &str,
    current: Option<(&ParticipantRow, &str)>,
    removed: Option<&ParticipantRow>,
) -> ServiceResult<(String, String, String)> {
    let name = text_field(name, "name", 80)?;
    let (invite, _) = invitation(store, invite_token).await?;
    if removed.is_some_and(|r| r.session_id == invite.session_id) {
        return Err(ServiceError::Forbidden(
            "the facilitator removed you from this meeting".into(),
        ));
    }
    if let Some((p, token)) = current {
        if store.participant_invite(&p.id).await?.as_deref() == Some(invite.id.as_str()) {
            store.rename_participant(&p.id, &name).await?;
            return Ok((p.id.clone(), invite.session_id, token.to_owned()));
        }
    }
    let token = new_token();
    let id = new_id();
    store
        .create_participant(
            &id,
            &invite.session_id,
            Some(&invite.id),
            invite.role,
            &name,
            &token_hash(&token),
        )
        .await?;
    Ok((id, invite.session_id, token))
}
