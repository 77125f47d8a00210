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
use tavolo_rooms::access::{self, Principal, Request};
use tavolo_rooms::auth::{plausible_token, token_hash};

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

/// Resolves the request's credential, as the sync socket does: a `query_token` may be a
/// participant's or a facilitator's. An unknown, expired or malformed credential is an
/// error (401), not anonymity: a tampered token must not silently become a guest.
pub async fn principal(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> ApiResult<Principal> {
    Ok(resolve(state, headers, query_token, true).await?.who)
}

/// Who is asking, and for a member the token that says so (what their ballots are keyed
/// with: `tavolo_rooms::auth::Ballot`).
pub struct Credential {
    pub who: Principal,
    pub member_token: Option<String>,
}

impl Credential {
    fn member(p: Option<Principal>, token: &str) -> Option<Credential> {
        p.map(|who| Credential {
            who,
            member_token: Some(token.to_owned()),
        })
    }

    fn facilitator(p: Option<Principal>) -> Option<Credential> {
        p.map(|who| Credential {
            who,
            member_token: None,
        })
    }
}

async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
    facilitator_in_query: bool,
) -> ApiResult<Credential> {
    if let (Some(token), false) = (query_token, facilitator_in_query) {
        return Credential::member(member(state, token).await?, token)
            .ok_or(ApiError::Unauthorized);
    }
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // An explicit token wins over cookies: it is what a script or the sync URL carries.
    if let Some(token) = query_token.or(bearer) {
        return by_token(state, token).await;
    }
    if let Some(token) = cookie(headers, LOGIN_COOKIE) {
        if let Some(c) = Credential::facilitator(login(state, token).await?) {
            return Ok(c);
        }
    }
    if let Some(token) = cookie(headers, MEMBER_COOKIE) {
        if let Some(c) = Credential::member(member(state, token).await?, token) {
            return Ok(c);
        }
    }
    Ok(Credential {
        who: Principal::Anonymous,
        member_token: None,
    })
}

async fn by_token(state: &AppState, token: &str) -> ApiResult<Credential> {
    if let Some(c) = Credential::member(member(state, token).await?, token) {
        return Ok(c);
    }
    if let Some(c) = Credential::facilitator(login(state, token).await?) {
        return Ok(c);
    }
    Err(ApiError::Unauthorized)
}

async fn login(state: &AppState, token: &str) -> ApiResult<Option<Principal>> {
    if !plausible_token(token) {
        return Ok(None);
    }
    Ok(state
        .store
        .login_facilitator(&token_hash(token))
        .await?
        .map(|f| Principal::Facilitator { id: f.id }))
}

async fn member(state: &AppState, token: &str) -> ApiResult<Option<Principal>> {
    if !plausible_token(token) {
        return Ok(None);
    }
    Ok(state
        .store
        .participant_by_token(&token_hash(token))
        .await?
        .map(Principal::Member))
}

/// Extractor: the request's [`Credential`], as REST routes take it: a token in the query
/// must be a participant's.
impl FromRequestParts<AppState> for Credential {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let q: Option<Query<TokenQuery>> = Query::from_request_parts(parts, state).await.ok();
        let token = q.as_ref().and_then(|q| q.0.token.as_deref());
        resolve(state, &parts.headers, token, false).await
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
        Ok(Who(Credential::from_request_parts(parts, state).await?.who))
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
