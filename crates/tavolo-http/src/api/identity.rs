//! Who one is: the one-time setup, sign-in and sign-out of facilitators, `GET /api/me`.

use super::credentials::{self, Who, LOGIN_COOKIE, MEMBER_COOKIE};
use super::ending;
use super::error::{ApiError, ApiResult};
use super::view::{ok, publish, Created, Done};
use crate::security::ClientIp;
use crate::{audit, AppState};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tavolo_rooms::access::Principal;
use tavolo_rooms::auth::token_hash;
use tavolo_rooms::service::{self, Conflict};
use tavolo_store::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/setup", post(setup))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me).patch(rename_me))
}

#[derive(Deserialize)]
struct SetupBody {
    token: String,
    email: String,
    display_name: String,
    password: String,
}

/// The one-time setup link: creates the first facilitator and signs them in.
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

#[derive(Deserialize)]
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

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = credentials::login_cookie_token(&headers) {
        let hash = token_hash(token);
        let signed_in = s.store.login_by_token(&hash).await?;
        s.store.delete_login(&hash).await?;
        audit::logout();
        // the sockets this person opened close too (another device still signed in
        // reconnects with its own cookie)
        if let Some(login) = signed_in {
            ending::end_facilitator(&s, &login.facilitator_id, 4001, "signed out").await?;
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
#[derive(Serialize)]
#[serde(untagged)]
enum MeView {
    Facilitator {
        email: String,
        id: String,
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
        kind: &'static str,
        setup_needed: bool,
    },
}

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

#[derive(Deserialize)]
struct RenameBody {
    name: String,
}

/// A member changes the name the others see (the only personal data kept about them):
/// everyone's member list and presence follow. Only members have such a name here; a
/// facilitator's is their account's. Refused once the meeting is closed (its minutes
/// name who took part).
async fn rename_me(
    State(s): State<AppState>,
    Who(who): Who,
    Json(b): Json<RenameBody>,
) -> ApiResult<Json<Done>> {
    let p = match who {
        Principal::Member(p) => p,
        Principal::Facilitator { .. } => {
            return Err(ApiError::Forbidden(
                "a facilitator's name is their account's".into(),
            ))
        }
        Principal::Anonymous => return Err(ApiError::Unauthorized),
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
    publish(&s, &p.session_id).await?;
    Ok(ok())
}
