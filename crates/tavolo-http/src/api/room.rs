//! Room control over HTTP: the timer, the broadcast message, "bring everyone to me"
//! (`tavolo_rooms::service::control` holds the rules).

use super::error::ApiResult;
use super::guard::OwnedSession;
use super::refusals::*;
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use tavolo_rooms::service::control::{TimerAction, Viewport};
use tavolo_rooms::view::SessionView;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sessions/{id}/timer", post(timer))
        .route(
            "/api/sessions/{id}/message",
            post(message).delete(withdraw_message),
        )
        .route("/api/sessions/{id}/follow", post(follow))
}

#[derive(Deserialize, ToSchema)]
struct TimerBody {
    action: TimerAction,
    seconds: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/sessions/{id}/timer",
    summary = "Start, pause, resume, add time to or stop the timer everyone sees",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = TimerBody,
    responses(
        (status = 200, description = "the meeting's view", body = SessionView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn timer(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
    Json(b): Json<TimerBody>,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(
        s.rooms().timer(&session.id, b.action, b.seconds).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct MessageBody {
    text: String,
}

#[utoipa::path(
    post,
    path = "/api/sessions/{id}/message",
    summary = "Broadcast a message to everyone in the meeting",
    description = "Sent again while one is showing, the new message replaces it on every screen. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = MessageBody,
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
async fn message(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
    Json(b): Json<MessageBody>,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(s.rooms().broadcast(&session.id, &b.text).await?))
}

/// Withdraws the broadcast message: the session's view (published on the control channel,
/// as every change is) has no message, so every client stops showing it. Withdrawing when
/// there is none changes nothing.
#[utoipa::path(
    delete,
    path = "/api/sessions/{id}/message",
    summary = "Withdraw the broadcast message",
    description = "The meeting's room state no longer has a message; the new view is published on the control channel, so every participant's screen stops showing it. Withdrawing when there is no message changes nothing (200). Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "the meeting's view, without a message (`state.message` is null)", body = SessionView),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn withdraw_message(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(s.rooms().withdraw_message(&session.id).await?))
}

/// "Bring everyone to me": every client of the session jumps to this viewport.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/follow",
    summary = "Bring everyone to the facilitator's viewport",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = Viewport,
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
async fn follow(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
    Json(to): Json<Viewport>,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(s.rooms().follow(&session.id, to).await?))
}
