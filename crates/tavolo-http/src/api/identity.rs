//! Who one is: the one-time setup, sign-in and sign-out of facilitators, `GET /api/me`.

use super::answer::{ok, Created, Done};
use super::credentials::{self, Who, LOGIN_COOKIE, MEMBER_COOKIE};
use super::error::{ApiError, ApiResult};
use super::refusals::*;
use crate::security::ClientIp;
use crate::{audit, AppState};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_rooms::access::{self, Principal, Request};
use tavolo_rooms::auth::token_hash;
use tavolo_rooms::service::{self, Conflict};
use tavolo_rooms::view::FacilitatorRole;
use tavolo_store::Role;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/setup", post(setup))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me).patch(rename_me))
}

#[derive(Deserialize, ToSchema)]
struct SetupBody {
    /// from the link printed on first start
    token: String,
    email: String,
    display_name: String,
    /// at least 10 characters
    password: String,
}

/// The one-time setup link: creates the first facilitator and signs them in.
#[utoipa::path(
    post,
    path = "/api/setup",
    summary = "Create the first facilitator with the one-time setup link, and sign in",
    description = "Sets the tavolo_login cookie. 410 once a facilitator exists. Who may call it: anyone. The link is used only by a setup that succeeds (a refused input leaves it valid); it expires (`--setup-link-hours`, 24 by default) and each start's link replaces the earlier ones; 410 once a facilitator exists.",
    request_body = SetupBody,
    responses(
        (status = 200, description = "signed in: the facilitator's id", body = Created<String>, headers(("Set-Cookie" = String, description = "tavolo_login, the sign-in"))),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 410, response = Error),
        (status = 415, response = UnsupportedMediaType),
        (status = 503, response = Busy),
    ),
)]
async fn setup(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(b): Json<SetupBody>,
) -> ApiResult<Response> {
    let id = service::setup_facilitator(
        &s.store,
        &s.passwords,
        s.options.setup_link_ttl,
        &b.token,
        &b.email,
        &b.display_name,
        &b.password,
    )
    .await
    .inspect_err(|e| audit::setup_failed(ip, &e.to_string()))?;
    audit::setup(&id, &b.email, ip);
    signed_in(&s, &id).await
}

#[derive(Deserialize, ToSchema)]
struct LoginBody {
    email: String,
    password: String,
}

const LOGIN_HOURS: i64 = 12;

async fn signed_in(s: &AppState, id: &str) -> ApiResult<Response> {
    let token = service::create_login(&s.store, id, LOGIN_HOURS).await?;
    let cookie = credentials::set_cookie(s, LOGIN_COOKIE, &token, LOGIN_HOURS * 3600);
    Ok(([(SET_COOKIE, cookie)], Json(Created { id })).into_response())
}

#[utoipa::path(
    post,
    path = "/api/login",
    summary = "Sign in",
    description = "Sets the HTTP-only tavolo_login cookie (12 hours). Who may call it: anyone. Failed sign-ins are throttled per email and per client address (429).",
    request_body = LoginBody,
    responses(
        (status = 200, description = "signed in: the facilitator's id", body = Created<String>, headers(("Set-Cookie" = String, description = "tavolo_login, the sign-in"))),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = Throttled),
        (status = 503, response = Busy),
    ),
)]
async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(b): Json<LoginBody>,
) -> ApiResult<Response> {
    let email = b.email.trim().to_lowercase();
    let attempt = s.logins.begin(&email, ip).map_err(|wait| {
        let secs = crate::throttle::retry_after_secs(wait);
        audit::login_throttled(&email, ip, secs);
        ApiError::Throttled(secs)
    })?;
    let found = s.store.facilitator_by_email(&email).await?;
    // an unknown email costs a hash too (against a dummy): the answer's time does not
    // tell which emails have an account
    let stored = found.as_ref().map(|f| f.password_hash.as_str());
    let verified = s.passwords.verify(&b.password, stored).await?;
    match found {
        Some(f) if verified => {
            attempt.succeeded();
            audit::login(&f.id, ip);
            signed_in(&s, &f.id).await
        }
        _ => {
            let reason = if found.is_some() {
                "wrong_password"
            } else {
                "no_account"
            };
            audit::login_failed(&email, ip, reason);
            Err(ApiError::Forbidden("wrong email or password".into()))
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/logout",
    summary = "Sign out (the login is deleted on the server)",
    description = "Who may call it: anyone.",
    responses(
        (status = 200, description = "done", body = Done, headers(("Set-Cookie" = String, description = "both tavolo_login and tavolo_member, cleared"))),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = credentials::login_cookie_token(&headers) {
        let hash = token_hash(token);
        let signed_in = s.store.login_by_token(&hash).await?;
        s.store.delete_login(&hash).await?;
        audit::logout();
        // the sockets this person opened close too (another device still signed in
        // reconnects with its own cookie)
        if let Some(login) = signed_in {
            s.rooms()
                .end_facilitator(&login.facilitator_id, 4001, "signed out")
                .await?;
        }
    }
    // both cookies are cleared: two Set-Cookie headers, appended (an array of header
    // pairs would keep only the last one)
    Ok((
        AppendHeaders([
            (SET_COOKIE, credentials::clear_cookie(LOGIN_COOKIE)),
            (SET_COOKIE, credentials::clear_cookie(MEMBER_COOKIE)),
        ]),
        ok(),
    )
        .into_response())
}

/// `GET /api/me`.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum MeView {
    Facilitator {
        email: String,
        id: String,
        #[schema(value_type = FacilitatorRole)]
        kind: &'static str,
        name: String,
    },
    /// `kind` is the member's role.
    Member {
        id: String,
        kind: Role,
        name: String,
        session: String,
    },
    Anonymous {
        #[schema(value_type = AnonymousKind)]
        kind: &'static str,
        setup_needed: bool,
    },
}

#[utoipa::path(
    get,
    path = "/api/me",
    summary = "Who the credential belongs to (a facilitator's name and email, a member's name, role and meeting)",
    description = "Who may call it: anyone.",
    responses(
        (status = 200, description = "who is asking", body = MeView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn me(State(s): State<AppState>, Who(who): Who) -> ApiResult<Json<MeView>> {
    Ok(Json(match who {
        Principal::Facilitator { id } => {
            let f = s
                .store
                .facilitator_by_id(&id)
                .await?
                .ok_or(ApiError::Unauthorized)?;
            MeView::Facilitator {
                email: f.email,
                id,
                kind: "facilitator",
                name: f.display_name,
            }
        }
        Principal::Member(p) => MeView::Member {
            id: p.id,
            kind: p.role,
            name: p.display_name,
            session: p.session_id,
        },
        Principal::Anonymous => MeView::Anonymous {
            kind: "anonymous",
            setup_needed: s.store.facilitator_count().await? == 0,
        },
    }))
}

#[derive(Deserialize, ToSchema)]
struct RenameBody {
    #[schema(max_length = 80)]
    name: String,
}

/// A member changes the name the others see (the only personal data kept about them):
/// everyone's member list and presence follow. Only members have such a name here; a
/// facilitator's is their account's. Refused once the meeting is closed (its minutes
/// name who took part).
#[utoipa::path(
    patch,
    path = "/api/me",
    summary = "A member changes their display name",
    description = "The name the others see (the only personal data kept about a participant); the meeting's member list follows at once. 403 for a facilitator (their name is their account's), 401 without a member credential, 409 once the meeting is closed, 400 for an empty or too long name (at most 80 characters). Who may call it: a member, for themselves.",
    request_body = RenameBody,
    responses(
        (status = 200, description = "done", body = Done),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 409, response = Error),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("member_cookie" = []), ("bearer" = [])),
)]
async fn rename_me(
    State(s): State<AppState>,
    Who(who): Who,
    Json(b): Json<RenameBody>,
) -> ApiResult<Json<Done>> {
    access::decide(&who, &Request::RenameSelf)?;
    let Principal::Member(p) = who else {
        return Err(ApiError::Unauthorized); // (RenameSelf grants members only)
    };
    let name = service::text_field(&b.name, "name", 80)?;
    let session = s
        .store
        .get_session(&p.session_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if session.closed_at.is_some() {
        return Err(ApiError::Conflict(Conflict::MeetingClosed));
    }
    s.store.rename_participant(&p.id, &name).await?;
    s.live.rename(&p.session_id, &p.id, &name);
    s.rooms().publish(&p.session_id).await?;
    Ok(ok())
}
