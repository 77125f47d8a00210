//! Who is asking: a facilitator's login cookie, or a participant's token (cookie, `token`
//! query parameter — the official y-websocket client can only send that — or a bearer
//! header).
//!
//! A facilitator's login token is accepted from the cookie and the `Authorization: Bearer`
//! header only, never from the query of a REST route or the control socket (a URL ends up
//! in logs, histories and `Referer`s). The one exception is the sync socket
//! (`/sync/{board}?token=`), for y-websocket scripts (`tavolo admin sync-url --as
//! facilitator`): those cannot send a header.

use super::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{FromRequestParts, Query};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde::Deserialize;
use tavolo_hub::{CloseReason, Deadline};
use tavolo_rooms::access::{self, Grant, Lifetime, Principal, Request};
use tavolo_rooms::auth::{plausible_token, token_hash};
use tavolo_store::ParticipantRow;

pub const LOGIN_COOKIE: &str = "tavolo_login";
pub const MEMBER_COOKIE: &str = "tavolo_member";

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// A principal and until when the credential that identified them holds (unix ms;
/// `None`: until it is revoked, or no credential): what `access::decide` granted for
/// [`Request::Hold`]. Sockets close at `until`.
#[derive(Debug, Clone)]
pub struct Held {
    pub who: Principal,
    pub until: Option<i64>,
    /// A member's token (what their ballots are keyed with: `tavolo_rooms::auth::Ballot`).
    pub member_token: Option<String>,
}

impl Held {
    fn anonymous() -> Held {
        Held {
            who: Principal::Anonymous,
            until: None,
            member_token: None,
        }
    }

    /// When and how a socket this credential opened closes as it expires.
    pub fn deadline(&self) -> Option<Deadline> {
        let why = match self.who {
            Principal::Member(_) => "your invitation expired",
            _ => "your sign-in expired",
        };
        self.until.map(|at_ms| Deadline {
            at_ms,
            reason: CloseReason::new(EXPIRED, why),
        })
    }
}

/// The close code of the sockets whose credential expired.
pub const EXPIRED: u16 = 4006;
/// The close code of the sockets of a member the facilitator removed.
pub const REMOVED: u16 = 4005;

/// Resolves the request's credential, as the sync socket does: a `query_token` may be a
/// participant's or a facilitator's. An unknown, expired or malformed credential is an
/// error (401), not anonymity: a tampered token must not silently become a guest.
pub async fn principal(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> ApiResult<Held> {
    resolve(state, headers, query_token, true).await
}

/// As [`principal`], for REST routes: a token in the query must be a participant's.
pub async fn rest_principal(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> ApiResult<Held> {
    resolve(state, headers, query_token, false).await
}

async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
    facilitator_in_query: bool,
) -> ApiResult<Held> {
    if let (Some(token), false) = (query_token, facilitator_in_query) {
        return match member(state, token).await? {
            Some(p) => Ok(p),
            None => Err(ApiError::Unauthorized),
        };
    }
    // An explicit token wins over cookies: it is what a script or the sync URL carries.
    if let Some(token) = query_token.or(bearer(headers)) {
        return by_token(state, token).await;
    }
    if let Some(token) = cookie(headers, LOGIN_COOKIE) {
        if let Some(p) = login(state, token).await? {
            return Ok(p);
        }
    }
    if let Some(token) = cookie(headers, MEMBER_COOKIE) {
        if let Some(p) = member(state, token).await? {
            return Ok(p);
        }
    }
    Ok(Held::anonymous())
}

/// The token of an `Authorization: Bearer` header, if the request has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

async fn by_token(state: &AppState, token: &str) -> ApiResult<Held> {
    if let Some(p) = member(state, token).await? {
        return Ok(p);
    }
    if let Some(p) = login(state, token).await? {
        return Ok(p);
    }
    Err(ApiError::Unauthorized)
}

async fn login(state: &AppState, token: &str) -> ApiResult<Option<Held>> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let Some(login) = state.store.login_by_token(&token_hash(token)).await? else {
        return Ok(None);
    };
    let lifetime = Lifetime {
        expires_at: Some(login.expires_at),
        ..Lifetime::default()
    };
    let who = Principal::Facilitator {
        id: login.facilitator_id,
    };
    Ok(held(who, &lifetime))
}

async fn member(state: &AppState, token: &str) -> ApiResult<Option<Held>> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let Some(row) = state.store.member_by_token(&token_hash(token)).await? else {
        return Ok(None);
    };
    let lifetime = Lifetime {
        expires_at: row.invite_expires_at,
        revoked_at: row.invite_revoked_at,
        removed_at: row.removed_at,
    };
    Ok(
        held(Principal::Member(row.participant), &lifetime).map(|h| Held {
            member_token: Some(token.to_owned()),
            ..h
        }),
    )
}

/// The member the request's own credential (bearer token, else member cookie) names, if
/// the facilitator removed them: a browser that was removed and opens its meeting's link
/// again is that person coming back, and must not rejoin as someone new
/// (`service::join`). Expired or revoked credentials name nobody here: their invitation
/// ended for everyone, not for this person.
pub async fn removed_member(
    state: &AppState,
    headers: &HeaderMap,
) -> ApiResult<Option<ParticipantRow>> {
    let Some(token) = bearer(headers).or_else(|| cookie(headers, MEMBER_COOKIE)) else {
        return Ok(None);
    };
    if !plausible_token(token) {
        return Ok(None);
    }
    Ok(state
        .store
        .member_by_token(&token_hash(token))
        .await?
        .filter(|row| row.removed_at.is_some())
        .map(|row| row.participant))
}

/// The credential's principal if it still holds (`access::decide`'s `Hold` case); a
/// credential that ended identifies nobody.
fn held(who: Principal, lifetime: &Lifetime) -> Option<Held> {
    let now = tavolo_store::now_ms();
    match access::decide(&who, &Request::Hold { lifetime, now }) {
        Ok(Grant::Until(until)) => Some(Held {
            who,
            until,
            member_token: None,
        }),
        _ => None,
    }
}

/// Extractor: the request's principal (possibly anonymous).
pub struct Who(pub Principal);

impl FromRequestParts<AppState> for Who {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Who(Held::from_request_parts(parts, state).await?.who))
    }
}

/// Extractor: the request's principal and until when their credential holds (for
/// sockets, which close then).
impl FromRequestParts<AppState> for Held {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let q: Option<Query<TokenQuery>> = Query::from_request_parts(parts, state).await.ok();
        let token = q.as_ref().and_then(|q| q.0.token.as_deref());
        rest_principal(state, &parts.headers, token).await
    }
}

/// Extractor: a signed-in facilitator's id, or 401/403 (`access::Request::Facilitate`).
pub struct Facilitator(pub String);

impl FromRequestParts<AppState> for Facilitator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let who = Who::from_request_parts(parts, state).await?.0;
        access::decide(&who, &Request::Facilitate)?;
        Ok(Facilitator(who.id().to_owned()))
    }
}

/// A `Set-Cookie` value for a credential.
pub fn set_cookie(state: &AppState, name: &str, token: &str, max_age_secs: i64) -> String {
    let secure = if state.options.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub fn login_cookie_token(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, LOGIN_COOKIE)
}
