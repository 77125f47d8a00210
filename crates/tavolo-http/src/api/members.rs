//! The members of a meeting (participants and observers who joined through an
//! invitation): removing one.

use super::credentials::{Facilitator, REMOVED};
use super::error::{ApiError, ApiResult};
use super::guard::owned_session;
use super::refusals::*;
use crate::{audit, AppState};
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use tavolo_rooms::view::SessionView;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/members/{id}/remove", post(remove_member))
}

/// The facilitator removes one member from their meeting: the member's board, draft and
/// control sockets close at once on every node (4005), their credential opens nothing
/// after, they leave the member list everyone sees, and what they wrote stays on the
/// boards. Their invitation stays valid for the others who joined through it.
#[utoipa::path(
    post,
    path = "/api/members/{id}/remove",
    summary = "Remove a member (participant or observer) from their meeting",
    description = "Who may call it: the facilitator of the member's workspace. The member's board, private-draft and control sockets close at once on every node (close code 4005); their credential is refused from then on (REST 401 or anonymous, new sockets 401); they leave the meeting's `members` for everyone (the new view is published on the control channel and answered here); what they wrote stays on the boards. Others who joined through the same invitation are not affected. 404: no such member, or already removed.",
    params(
        ("id" = String, Path, description = "the member's id (`members[].id` of the meeting's view)"),
    ),
    responses(
        (status = 200, description = "the meeting's view without the member", body = SessionView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn remove_member(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<SessionView>> {
    let member = s
        .store
        .get_participant(&id)
        .await?
        .ok_or(ApiError::NotFound)?;
    owned_session(&s, &fac, &member.session_id).await?;
    if !s.store.remove_participant(&id).await? {
        // removed meanwhile by another request
        return Err(ApiError::NotFound);
    }
    audit::member_removed(&fac, &member.session_id, &id);
    let rooms = s.rooms();
    rooms
        .end_in_session(
            &member.session_id,
            std::slice::from_ref(&id),
            REMOVED,
            "the facilitator removed you from this meeting",
        )
        .await?;
    Ok(Json(rooms.publish(&member.session_id).await?))
}
