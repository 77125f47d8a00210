//! Dot voting on a board: the facilitator opens and closes a vote; participants place and
//! remove their dots on the board's items. Nobody sees who voted what, and the database
//! cannot tell either: a dot is stored as a tally and a ballot keyed with the voter's
//! token (`tavolo_rooms::auth::Ballot`, `tavolo_store`'s votes, README "Security").
//! A closed vote keeps its tally (counts per item, nothing else): its results are listed
//! for whoever may see the meeting, each vote only to those who may open its board.

use super::credentials::{Facilitator, Held};
use super::doc::*;
use super::error::{ApiError, ApiResult};
use super::guard::{board_id, may_vote, owned_workspace, sync_permit, OwnedBoard, VisibleSession};
use super::view::{change_state, publish_message, Created};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_export::tables::{rank_tally, VoteResult};
use tavolo_rooms::access::Principal;
use tavolo_rooms::auth::{self, Ballot};
use tavolo_rooms::service::{self, text_field, Conflict};
use tavolo_store::{BoardRow, DotOutcome, SessionRow, VoteRow};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/boards/{id}/votes", post(open_vote))
        .route("/api/votes/{id}", get(get_vote))
        .route("/api/votes/{id}/close", post(close_vote))
        .route("/api/votes/{id}/dots", post(place_dot).delete(remove_dot))
        .route("/api/sessions/{id}/votes", get(session_votes))
}

#[derive(Deserialize, ToSchema)]
struct VoteBody {
    /// dots per person, 1 to 20
    dots: i64,
}

#[utoipa::path(
    post,
    path = "/api/boards/{id}/votes",
    summary = "Open a dot vote",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = VoteBody,
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
async fn open_vote(
    State(s): State<AppState>,
    OwnedBoard { board, .. }: OwnedBoard,
    Json(b): Json<VoteBody>,
) -> ApiResult<(StatusCode, Json<Created<String>>)> {
    if !(1..=20).contains(&b.dots) {
        return Err(ApiError::BadRequest("from 1 to 20 dots per person".into()));
    }
    let vote = auth::new_id();
    s.store.create_vote(&vote, &board.id, b.dots).await?;
    let v2 = vote.clone();
    let id = board.id;
    change_state(&s, &board.session_id, move |st| {
        st.votes.insert(id, v2);
        Ok(())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: vote })))
}

async fn vote_and_board(s: &AppState, id: &str) -> ApiResult<(VoteRow, BoardRow)> {
    let vote = s.store.get_vote(id).await?.ok_or(ApiError::NotFound)?;
    let board = s
        .store
        .get_board(&vote.board_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((vote, board))
}

#[derive(Serialize, ToSchema)]
struct Tally {
    dots: i64,
    item: String,
}

#[derive(Serialize, ToSchema)]
struct VoteView {
    board: String,
    dots: i64,
    id: String,
    my_dots_left: i64,
    open: bool,
    tally: Vec<Tally>,
}

/// The `vote` message of the control channel: the new tally of a vote.
#[derive(Serialize)]
struct VoteMessage<'a> {
    #[serde(rename = "type")]
    message_type: &'static str,
    vote: VoteUpdate<'a>,
}

#[derive(Serialize)]
struct VoteUpdate<'a> {
    board: &'a str,
    id: &'a str,
    tally: &'a [Tally],
}

/// The vote as `who` sees it; `ballot`: a voter's, for the dots they have left.
async fn vote_view(s: &AppState, vote: &VoteRow, ballot: Option<&Ballot>) -> ApiResult<VoteView> {
    let tally = s.store.vote_tally(&vote.id).await?;
    let open = vote.open;
    let used = match ballot {
        Some(b) if open => s.store.dots_used(&vote.id, &b.voter).await?,
        _ => 0,
    };
    Ok(VoteView {
        board: vote.board_id.clone(),
        dots: vote.dots,
        id: vote.id.clone(),
        my_dots_left: if open { (vote.dots - used).max(0) } else { 0 },
        open,
        tally: tally
            .into_iter()
            .map(|(item, dots)| Tally { dots, item })
            .collect(),
    })
}

/// A member's ballot in this vote (nobody else has one).
fn ballot_of(c: &Held, vote: &VoteRow) -> Option<Ballot> {
    match (&c.who, &c.member_token) {
        (Principal::Member(_), Some(token)) => Some(Ballot::new(token, &vote.id)),
        _ => None,
    }
}

#[utoipa::path(
    get,
    path = "/api/votes/{id}",
    summary = "A vote's tally and the caller's dots left",
    description = "Who may call it: whoever may open the board.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = VoteView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn get_vote(
    State(s): State<AppState>,
    c: Held,
    Path(id): Path<String>,
) -> ApiResult<Json<VoteView>> {
    let (vote, board) = vote_and_board(&s, &id).await?;
    sync_permit(&s, &c.who, &board_id(&board.id)?).await?;
    let ballot = ballot_of(&c, &vote);
    Ok(Json(vote_view(&s, &vote, ballot.as_ref()).await?))
}

#[utoipa::path(
    post,
    path = "/api/votes/{id}/close",
    summary = "Close a vote; the tally is kept",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = VoteView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn close_vote(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<VoteView>> {
    let (vote, board) = vote_and_board(&s, &id).await?;
    owned_workspace(&s, &fac, &board.workspace_id).await?;
    s.store.close_vote(&vote.id).await?;
    let board_key = board.id.clone();
    change_state(&s, &board.session_id, move |st| {
        st.votes.remove(&board_key);
        Ok(())
    })
    .await?;
    let vote = s.store.get_vote(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(vote_view(&s, &vote, None).await?))
}

#[derive(Deserialize, ToSchema)]
struct DotBody {
    item: String,
}

/// A dot from a participant: the vote, its board and the voter's ballot, once the access
/// decision lets them vote on that board.
async fn dot_voter(s: &AppState, c: &Held, id: &str) -> ApiResult<(VoteRow, BoardRow, Ballot)> {
    let (vote, board) = vote_and_board(s, id).await?;
    may_vote(s, &c.who, &board_id(&board.id)?).await?;
    if !vote.open {
        return Err(ApiError::Conflict(Conflict::VoteClosed));
    }
    // may_vote lets members only, and a member's credential is a token
    let ballot = ballot_of(c, &vote).ok_or(ApiError::Unauthorized)?;
    Ok((vote, board, ballot))
}

/// Answers a dot with the vote as the voter sees it, and tells the session the new tally.
async fn tell_tally(
    s: &AppState,
    vote: &VoteRow,
    board: &BoardRow,
    ballot: &Ballot,
) -> ApiResult<Json<VoteView>> {
    let view = vote_view(s, vote, Some(ballot)).await?;
    let message = VoteMessage {
        message_type: "vote",
        vote: VoteUpdate {
            board: &vote.board_id,
            id: &vote.id,
            tally: &view.tally,
        },
    };
    publish_message(s, &board.session_id, &message);
    Ok(Json(view))
}

/// Whether the board's document has an item with this id (what a dot may go on).
async fn board_has_item(s: &AppState, board: &BoardRow, item: &str) -> ApiResult<bool> {
    let item = item.to_owned();
    Ok(s.hub
        .read(&board_id(&board.id)?, move |doc| {
            use yrs::{Map, ReadTxn, Transact};
            let txn = doc.transact();
            txn.get_map("items")
                .is_some_and(|items| items.contains_key(&txn, &item))
        })
        .await?)
}

#[utoipa::path(
    post,
    path = "/api/votes/{id}/dots",
    summary = "Place a dot on an item",
    description = "The item must be an item of the board's document (400 otherwise). The dot is counted in the tally (no voter) and in the caller's ballot, named by an HMAC keyed with the caller's token, which the database does not hold (README, Security). 409 when no dots are left or the vote is closed. Who may call it: a participant of the meeting.",
    params(
        ("id" = String, Path),
    ),
    request_body = DotBody,
    responses(
        (status = 200, description = "done", body = VoteView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("member_cookie" = []), ("bearer" = [])),
)]
async fn place_dot(
    State(s): State<AppState>,
    c: Held,
    Path(id): Path<String>,
    Json(b): Json<DotBody>,
) -> ApiResult<Json<VoteView>> {
    let (vote, board, ballot) = dot_voter(&s, &c, &id).await?;
    let item = text_field(&b.item, "item", 64)?;
    if !board_has_item(&s, &board, &item).await? {
        return Err(ApiError::BadRequest(format!(
            "this board has no item \"{item}\""
        )));
    }
    match s
        .store
        .place_dot(
            &vote.id,
            &ballot.voter,
            &ballot.mark(&item),
            &item,
            vote.dots,
        )
        .await?
    {
        DotOutcome::Done => tell_tally(&s, &vote, &board, &ballot).await,
        DotOutcome::Closed => Err(ApiError::Conflict(Conflict::VoteClosed)),
        DotOutcome::NoneLeft => Err(ApiError::Conflict(Conflict::NoDotsLeft)),
    }
}

#[utoipa::path(
    delete,
    path = "/api/votes/{id}/dots",
    summary = "Take back a dot",
    description = "Who may call it: a participant of the meeting.",
    params(
        ("id" = String, Path),
    ),
    request_body = DotBody,
    responses(
        (status = 200, description = "done", body = VoteView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("member_cookie" = []), ("bearer" = [])),
)]
async fn remove_dot(
    State(s): State<AppState>,
    c: Held,
    Path(id): Path<String>,
    Json(b): Json<DotBody>,
) -> ApiResult<Json<VoteView>> {
    let (vote, board, ballot) = dot_voter(&s, &c, &id).await?;
    let item = text_field(&b.item, "item", 64)?;
    match s
        .store
        .remove_dot(&vote.id, &ballot.voter, &ballot.mark(&item), &item)
        .await?
    {
        DotOutcome::Done => tell_tally(&s, &vote, &board, &ballot).await,
        DotOutcome::Closed => Err(ApiError::Conflict(Conflict::VoteClosed)),
        DotOutcome::NoneLeft => Err(ApiError::Conflict(Conflict::NoDotHere)),
    }
}

// ------------------------------------------------------------------ results

/// The meeting's closed votes, in the order they were opened, with their items ranked
/// (labels from the boards' live content): those on boards `who` may open (a member of
/// one group does not get another group's). What the console, the exports and the
/// minutes show.
pub async fn closed_votes(
    s: &AppState,
    who: &Principal,
    session: &SessionRow,
) -> ApiResult<Vec<VoteResult>> {
    let rooms = s.store.list_rooms(&session.id).await?;
    let mut out = Vec::new();
    for b in s.store.list_session_boards(&session.id).await? {
        if sync_permit(s, who, &board_id(&b.id)?).await.is_err() {
            continue;
        }
        let votes: Vec<VoteRow> = s
            .store
            .list_votes(&b.id)
            .await?
            .into_iter()
            .filter(|v| !v.open)
            .collect();
        if votes.is_empty() {
            continue;
        }
        let content = service::board_content(&s.store, Some(&s.hub), &b.id).await?;
        let room = rooms
            .iter()
            .find(|r| r.id == b.room_id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        for v in votes {
            let tally = s.store.vote_tally(&v.id).await?;
            out.push(VoteResult {
                id: v.id,
                board: b.id.clone(),
                board_title: b.title.clone(),
                room: room.clone(),
                dots: v.dots,
                opened_at: v.created_at,
                closed_at: v.closed_at.unwrap_or(v.created_at),
                items: rank_tally(Some(&content), tally),
            });
        }
    }
    out.sort_by(|a, b| a.opened_at.cmp(&b.opened_at).then(a.id.cmp(&b.id)));
    Ok(out)
}

#[derive(Serialize, ToSchema)]
struct ResultItem {
    #[schema(minimum = 1)]
    dots: i64,
    /// the item's id on the board
    item: String,
    /// the item's text on one line; its kind in parentheses when it has no text;
    /// `(elemento eliminato)` when it is no longer on the board
    label: String,
    /// 1 for the most dots; items with as many dots share a rank
    #[schema(minimum = 1)]
    rank: usize,
}

#[derive(Serialize, ToSchema)]
struct ResultView {
    board: String,
    board_title: String,
    /// ms since 1970
    closed_at: i64,
    /// dots each participant had
    dots: i64,
    id: String,
    /// the items with dots, most first
    items: Vec<ResultItem>,
    /// ms since 1970
    opened_at: i64,
    room: String,
    /// dots placed in all
    total: i64,
}

#[derive(Serialize, ToSchema)]
struct ResultsView {
    votes: Vec<ResultView>,
}

/// `GET /api/sessions/{id}/votes`: the meeting's closed votes and their results.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/votes",
    summary = "The meeting's closed dot votes and their results",
    description = "Each closed vote (in the order they were opened) with its board, when it closed and its items ranked by dots. Counts per item only: a closed vote keeps no voter (README, Security). A member gets the votes of the boards they may open. Open votes are in the meeting's view (`state.votes`) and at GET /api/votes/{id}. Who may call it: the workspace's facilitator and the meeting's members (participants and observers).",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "the results", body = ResultsView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn session_votes(
    State(s): State<AppState>,
    VisibleSession { who, session }: VisibleSession,
) -> ApiResult<Json<ResultsView>> {
    let votes = closed_votes(&s, &who, &session).await?;
    Ok(Json(ResultsView {
        votes: votes
            .into_iter()
            .map(|v| ResultView {
                total: v.total(),
                board: v.board,
                board_title: v.board_title,
                closed_at: v.closed_at,
                dots: v.dots,
                id: v.id,
                items: v
                    .items
                    .into_iter()
                    .map(|i| ResultItem {
                        dots: i.dots,
                        item: i.item,
                        label: i.label,
                        rank: i.rank,
                    })
                    .collect(),
                opened_at: v.opened_at,
                room: v.room,
            })
            .collect(),
    }))
}
