//! Invitation links of a meeting, and joining through one.

use super::answer::{ok, Done};
use super::credentials::{self, Facilitator, Held, MEMBER_COOKIE};
use super::error::{ApiError, ApiResult};
use super::guard::{owned_session, OwnedSession};
use super::refusals::*;
use crate::security::ClientIp;
use crate::{audit, AppState};
use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_rooms::access::Principal;
use tavolo_rooms::service;
use tavolo_store::Role;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/sessions/{id}/invites",
            get(list_invites).post(create_invite),
        )
        .route("/api/invites/{id}/revoke", post(revoke_invite))
        .route("/api/join", post(join))
        .route("/api/join/preview", post(preview))
}

#[derive(Deserialize, ToSchema)]
struct InviteBody {
    /// validity, 1 to 2160; default 168
    role: Role,
    #[serde(default = "default_invite_hours")]
    hours: i64,
}

fn default_invite_hours() -> i64 {
    24 * 7
}

#[derive(Serialize, ToSchema)]
struct InviteCreated {
    id: String,
    /// `/join/{token}`: the link.
    path: String,
    token: String,
    /// The short code to read aloud or type (`ABCD-EFGH`), a second key to the same
    /// invitation; `short_path` is `/join/{code}`.
    code: String,
    short_path: String,
}

#[utoipa::path(
    post,
    path = "/api/sessions/{id}/invites",
    summary = "Issue an invitation link for a role",
    description = "Returns the token once (stored hashed) and the join path /join/{token}. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    request_body = InviteBody,
    responses(
        (status = 201, description = "the new invitation: its link and its short code, each shown only now (the server keeps their hashes)", body = InviteCreated),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn create_invite(
    State(s): State<AppState>,
    OwnedSession { session, fac }: OwnedSession,
    Json(b): Json<InviteBody>,
) -> ApiResult<(StatusCode, Json<InviteCreated>)> {
    let invite = service::create_invite(&s.store, &session.id, b.role, b.hours).await?;
    audit::invite_issued(&fac, &session.id, &invite.id, b.role.as_str(), b.hours);
    Ok((
        StatusCode::CREATED,
        Json(InviteCreated {
            id: invite.id,
            path: format!("/join/{}", invite.token),
            token: invite.token,
            short_path: format!("/join/{}", invite.code),
            code: invite.code,
        }),
    ))
}

#[derive(Serialize, ToSchema)]
struct InviteListed {
    /// ms since 1970
    expires_at: i64,
    id: String,
    revoked: bool,
    role: Role,
}

#[utoipa::path(
    get,
    path = "/api/sessions/{id}/invites",
    summary = "The meeting's invitations",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = Vec<InviteListed>),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn list_invites(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<Json<Vec<InviteListed>>> {
    let list = s.store.list_invites(&session.id).await?;
    Ok(Json(
        list.into_iter()
            .map(|i| InviteListed {
                expires_at: i.expires_at,
                id: i.id,
                revoked: i.revoked_at.is_some(),
                role: i.role,
            })
            .collect(),
    ))
}

#[utoipa::path(
    post,
    path = "/api/invites/{id}/revoke",
    summary = "Revoke an invitation",
    description = "Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "done", body = Done),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn revoke_invite(
    State(s): State<AppState>,
    Facilitator(fac): Facilitator,
    Path(id): Path<String>,
) -> ApiResult<Json<Done>> {
    let invite = s.store.get_invite(&id).await?.ok_or(ApiError::NotFound)?;
    owned_session(&s, &fac, &invite.session_id).await?;
    let members = s.store.revoke_invite(&id).await?;
    audit::invite_revoked(&fac, &id);
    s.rooms()
        .end_in_session(
            &invite.session_id,
            &members,
            4003,
            "your invitation was revoked",
        )
        .await?;
    Ok(ok())
}

#[derive(Deserialize, ToSchema)]
struct JoinBody {
    /// the link's token, or the invitation's short code
    token: String,
    /// the only personal data kept
    display_name: String,
}

#[derive(Serialize, ToSchema)]
struct Joined {
    id: String,
    session: String,
    token: String,
}

#[derive(Deserialize, ToSchema)]
struct PreviewBody {
    /// the link's token, or the invitation's short code
    token: String,
}

#[derive(Serialize, ToSchema)]
struct Preview {
    /// The meeting's title and date, as its facilitator wrote them.
    title: String,
    date: String,
    /// `participant` or `observer`: what joining through this link makes one.
    role: Role,
}

/// What a link opens, before anyone types their name: the meeting it leads to, or why it
/// no longer leads anywhere (the same refusals as joining: 404, 410 with a `code`). Holding
/// the link is all it takes, as for joining; nothing is created.
#[utoipa::path(
    post,
    path = "/api/join/preview",
    summary = "What an invitation link opens, before joining",
    description = "The meeting's title and date and the role joining makes one, or why nobody may join through the link any more (the same refusals as POST /api/join). Creates nothing. Who may call it: anyone holding the link. Short codes are counted per client address: 20 a minute (preview and join together), 429 with Retry-After past that.",
    request_body = PreviewBody,
    responses(
        (status = 200, description = "the meeting the link leads to", body = Preview),
        (status = 400, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 410, response = Error),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = CodeLookups),
    ),
)]
async fn preview(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(b): Json<PreviewBody>,
) -> ApiResult<Json<Preview>> {
    count_code_lookup(&s, ip, &b.token)?;
    let (invite, session) = service::invitation(&s.store, &b.token).await?;
    Ok(Json(Preview {
        title: session.title,
        date: session.date,
        role: invite.role,
    }))
}

/// Joins through an invitation; a browser that already joined through it (its member
/// cookie or bearer token) comes back as the same participant, and one whose member the
/// facilitator removed is refused (`service::join`).
/// A short code is 40 bits: what keeps it from being guessed is that one address may try
/// only [`CODE_LOOKUPS_PER_MINUTE`] (preview and join together; 429 past it). Links'
/// tokens (256 bits) are not counted.
fn count_code_lookup(s: &AppState, ip: std::net::IpAddr, credential: &str) -> ApiResult<()> {
    if tavolo_rooms::auth::invite_code(credential).is_none() {
        return Ok(());
    }
    s.code_lookups.take(ip).map_err(|wait| {
        audit::code_lookups_throttled(ip);
        ApiError::RateLimited(
            crate::throttle::retry_after_secs(wait),
            "too many invitation codes tried from this address: try again in a minute".into(),
        )
    })
}

/// How many invitation short codes one address may try per minute.
pub const CODE_LOOKUPS_PER_MINUTE: u32 = 20;

#[utoipa::path(
    post,
    path = "/api/join",
    summary = "Join a meeting through an invitation with a display name",
    description = "Sets the HTTP-only tavolo_member cookie and returns the member token (for the sync URL's token parameter). A request that already carries the credential of a member who joined through this same invitation (cookie or bearer) is that member coming back: the same id and token, the same dots, the new display name. 404 unknown, 410 expired or revoked or (for a participant) the meeting closed, with a `code`; 403 when the request carries the credential of a member the facilitator removed from that meeting. Who may call it: anyone. Short codes are counted per client address: 20 a minute (preview and join together), 429 with Retry-After past that.",
    request_body = JoinBody,
    responses(
        (status = 200, description = "joined: the member's id, meeting and token", body = Joined, headers(("Set-Cookie" = String, description = "tavolo_member, the member's token"))),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 410, response = Error),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = CodeLookups),
    ),
)]
async fn join(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    c: Result<Held, ApiError>,
    Json(b): Json<JoinBody>,
) -> ApiResult<Response> {
    count_code_lookup(&s, ip, &b.token)?;
    // a stale credential is no reason not to join: it is just not someone coming back
    let current = match &c {
        Ok(Held {
            who: Principal::Member(p),
            member_token: Some(token),
            ..
        }) => Some((p, token.as_str())),
        _ => None,
    };
    let removed = credentials::removed_member(&s, &headers).await?;
    let (id, session, token) = service::join(
        &s.store,
        &b.token,
        &b.display_name,
        current,
        removed.as_ref(),
    )
    .await?;
    audit::joined(&id, &session);
    s.rooms().publish(&session).await?;
    let cookie = credentials::set_cookie(&s, MEMBER_COOKIE, &token, 14 * 24 * 3600);
    Ok(([(SET_COOKIE, cookie)], Json(Joined { id, session, token })).into_response())
}
