//! Dot voting over HTTP (`tavolo_rooms::service::votes` holds the rules): the
//! facilitator opens and closes a vote; participants place and remove their dots. Each
//! request is decided first: managing the board for the facilitator's, `Request::Vote`
//! for dots, opening the board for reading. A closed vote's results are listed for
//! whoever may see the meeting, each vote only to those who may open its board.

use super::answer::Created;
use super::credentials::{Facilitator, Held};
use super::error::{ApiError, ApiResult};
use super::guard::{
    board_id, may_vote, openable_boards, owned_workspace, sync_permit, OwnedBoard, VisibleSession,
};
use super::refusals::*;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_export::tables::{rank_tally, VoteResult};
use tavolo_rooms::access::Principal;
use tavolo_rooms::auth::Ballot;
use tavolo_rooms::service::votes::VoteView;
use tavolo_store::{SessionRow, VoteRow};
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
    let vote = s.rooms().open_vote(&board, b.dots).await?;
    Ok((StatusCode::CREATED, Json(Created { id: vote })))
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
    let rooms = s.rooms();
    let (vote, board) = rooms.vote_and_board(&id).await?;
    sync_permit(&s, &c.who, &board_id(&board.id)?).await?;
    let ballot = ballot_of(&c, &vote);
    Ok(Json(rooms.vote_view(&vote, ballot.as_ref()).await?))
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
    let rooms = s.rooms();
    let (vote, board) = rooms.vote_and_board(&id).await?;
    owned_workspace(&s, &fac, &board.workspace_id).await?;
    Ok(Json(rooms.close_vote(&vote, &board).await?))
}

#[derive(Deserialize, ToSchema)]
struct DotBody {
    item: String,
}

/// A dot from a participant: the vote, its board and the voter's ballot, once the access
/// decision lets them vote on that board.
async fn dot_voter(
    s: &AppState,
    c: &Held,
    id: &str,
) -> ApiResult<(VoteRow, tavolo_store::BoardRow, Ballot)> {
    let (vote, board) = s.rooms().vote_and_board(id).await?;
    may_vote(s, &c.who, &board_id(&board.id)?).await?;
    // may_vote lets members only, and a member's credential is a token
    let ballot = ballot_of(c, &vote).ok_or(ApiError::Unauthorized)?;
    Ok((vote, board, ballot))
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
    let view = s.rooms().place_dot(&vote, &board, &ballot, &b.item).await?;
    Ok(Json(view))
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
    let view = s
        .rooms()
        .remove_dot(&vote, &board, &ballot, &b.item)
        .await?;
    Ok(Json(view))
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
    let boards = openable_boards(s, who, session).await?;
    let votes = s.rooms().closed_votes(session, boards).await?;
    Ok(votes
        .into_iter()
        .map(|c| VoteResult {
            items: rank_tally(Some(&c.content), c.tally),
            id: c.vote.id,
            board: c.board.id,
            board_title: c.board.title,
            room: c.room,
            dots: c.vote.dots,
            opened_at: c.vote.created_at,
            closed_at: c.vote.closed_at.unwrap_or(c.vote.created_at),
        })
        .collect())
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
