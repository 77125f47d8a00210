//! Dot voting on a board: the facilitator opens and closes a vote; participants place and
//! remove their dots, under a pseudonym of the vote's (nobody sees who voted what).

use super::credentials::{Facilitator, Who};
use super::error::{ApiError, ApiResult};
use super::guard::{board_id, may_vote, owned_workspace, sync_permit, OwnedBoard};
use super::service::text_field;
use super::view::{change_state, publish_message, Created};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_rooms::access::Principal;
use tavolo_rooms::auth;
use tavolo_store::{BoardRow, VoteRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/boards/{id}/votes", post(open_vote))
        .route("/api/votes/{id}", get(get_vote))
        .route("/api/votes/{id}/close", post(close_vote))
        .route("/api/votes/{id}/dots", post(place_dot).delete(remove_dot))
}

#[derive(Deserialize)]
struct VoteBody {
    dots: i64,
}

async fn open_vote(
    State(s): State<AppState>,
    OwnedBoard { board, .. }: OwnedBoard,
    Json(b): Json<VoteBody>,
) -> ApiResult<(StatusCode, Json<Created<String>>)> {
    if !(1..=20).contains(&b.dots) {
        return Err(ApiError::BadRequest("from 1 to 20 dots per person".into()));
    }
    let vote = auth::new_id();
    s.store
        .create_vote(&vote, &board.id, b.dots, &auth::new_token())
        .await?;
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

#[derive(Serialize)]
struct Tally {
    dots: i64,
    item: String,
}

#[derive(Serialize)]
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

async fn vote_view(s: &AppState, vote: &VoteRow, who: &Principal) -> ApiResult<VoteView> {
    let tally = s.store.vote_tally(&vote.id).await?;
    let used = match who {
        Principal::Member(p) => {
            s.store
                .dots_used(&vote.id, &auth::voter_pseudonym(&vote.salt, &p.id))
                .await?
        }
        _ => 0,
    };
    Ok(VoteView {
        board: vote.board_id.clone(),
        dots: vote.dots,
        id: vote.id.clone(),
        my_dots_left: (vote.dots - used).max(0),
        open: vote.open != 0,
        tally: tally
            .into_iter()
            .map(|(item, dots)| Tally { dots, item })
            .collect(),
    })
}

async fn get_vote(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
) -> ApiResult<Json<VoteView>> {
    let (vote, board) = vote_and_board(&s, &id).await?;
    sync_permit(&s, &who, &board_id(&board.id)?).await?;
    Ok(Json(vote_view(&s, &vote, &who).await?))
}

async fn close_vote(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<VoteView>> {
    let (vote, board) = vote_and_board(&s, &id).await?;
    owned_workspace(&s, &fac, &board.workspace_id).await?;
    s.store.close_vote(&id).await?;
    let board_key = board.id.clone();
    change_state(&s, &board.session_id, move |st| {
        st.votes.remove(&board_key);
        Ok(())
    })
    .await?;
    let vote = VoteRow { open: 0, ..vote };
    Ok(Json(
        vote_view(&s, &vote, &Principal::Facilitator { id: fac }).await?,
    ))
}

#[derive(Deserialize)]
struct DotBody {
    item: String,
}

/// A dot from a participant, under the vote's pseudonym for them.
async fn dot_voter(s: &AppState, who: &Principal, id: &str) -> ApiResult<(VoteRow, String)> {
    let (vote, board) = vote_and_board(s, id).await?;
    may_vote(s, who, &board_id(&board.id)?).await?;
    if vote.open == 0 {
        return Err(ApiError::Conflict("this vote is closed".into()));
    }
    let voter = auth::voter_pseudonym(&vote.salt, who.id());
    Ok((vote, voter))
}

/// Answers a dot with the vote as the voter sees it, and tells the session the new tally.
async fn tell_tally(s: &AppState, vote: &VoteRow, who: &Principal) -> ApiResult<Json<VoteView>> {
    let view = vote_view(s, vote, who).await?;
    let session = s
        .store
        .get_board(&vote.board_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .session_id;
    let message = VoteMessage {
        message_type: "vote",
        vote: VoteUpdate {
            board: &vote.board_id,
            id: &vote.id,
            tally: &view.tally,
        },
    };
    publish_message(s, &session, &message);
    Ok(Json(view))
}

async fn place_dot(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    Json(b): Json<DotBody>,
) -> ApiResult<Json<VoteView>> {
    let (vote, voter) = dot_voter(&s, &who, &id).await?;
    let item = text_field(&b.item, "item", 64)?;
    if !s
        .store
        .place_dot(&vote.id, &voter, &item, vote.dots)
        .await?
    {
        return Err(ApiError::Conflict("no dots left".into()));
    }
    tell_tally(&s, &vote, &who).await
}

async fn remove_dot(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    Json(b): Json<DotBody>,
) -> ApiResult<Json<VoteView>> {
    let (vote, voter) = dot_voter(&s, &who, &id).await?;
    if !s.store.remove_dot(&vote.id, &voter, &b.item).await? {
        return Err(ApiError::Conflict("you have no dot on this item".into()));
    }
    tell_tally(&s, &vote, &who).await
}
