//! Room control: what the facilitator sets for everyone in the meeting — the timer, a
//! broadcast message (sent again, it replaces the one showing; withdrawn, it leaves every
//! screen), "bring everyone to me".

use super::doc::*;
use super::error::{ApiError, ApiResult};
use super::guard::OwnedSession;
use super::view::{change_state, SessionView};
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use tavolo_rooms::service::{text_field, Conflict};
use tavolo_rooms::state::{Broadcast, Follow, Timer};
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

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum TimerAction {
    /// Starts (or restarts) a countdown of `seconds`.
    Start,
    Pause,
    Resume,
    /// Adds `seconds` to the running countdown.
    Add,
    Stop,
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
    let now = tavolo_store::now_ms();
    let secs = b.seconds.unwrap_or(0);
    if !(0..=24 * 3600).contains(&secs) {
        return Err(ApiError::BadRequest(
            "seconds must be between 0 and 86400".into(),
        ));
    }
    change_state(&s, &session.id, move |st| {
        use TimerAction::*;
        match (b.action, st.timer.as_mut()) {
            (Start, _) => st.timer = Some(Timer::start(secs.max(1) * 1000, now)),
            (Pause, Some(t)) => t.pause(now),
            (Resume, Some(t)) => t.resume(now),
            (Add, Some(t)) => t.add(secs * 1000, now),
            (Stop, _) => st.timer = None,
            (Pause | Resume | Add, None) => return Err(ApiError::Conflict(Conflict::NoTimer)),
        }
        Ok(())
    })
    .await
    .map(Json)
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
    let text = text_field(&b.text, "message", 500)?;
    let at = tavolo_store::now_ms();
    change_state(&s, &session.id, move |st| {
        st.message = Some(Broadcast { text, at });
        Ok(())
    })
    .await
    .map(Json)
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
    change_state(&s, &session.id, move |st| {
        st.message = None;
        Ok(())
    })
    .await
    .map(Json)
}

#[derive(Deserialize, ToSchema)]
struct FollowBody {
    board: String,
    x: f64,
    y: f64,
    zoom: f64,
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
    request_body = FollowBody,
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
    Json(b): Json<FollowBody>,
) -> ApiResult<Json<SessionView>> {
    if !(b.x.is_finite() && b.y.is_finite() && b.zoom.is_finite() && b.zoom > 0.0) {
        return Err(ApiError::BadRequest(
            "viewport must be finite numbers with zoom > 0".into(),
        ));
    }
    let at = tavolo_store::now_ms();
    change_state(&s, &session.id, move |st| {
        st.follow = Some(Follow {
            board: b.board,
            x: b.x,
            y: b.y,
            zoom: b.zoom,
            at,
        });
        Ok(())
    })
    .await
    .map(Json)
}
