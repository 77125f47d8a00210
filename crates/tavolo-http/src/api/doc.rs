//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes and
//! the `ToSchema` types they answer with: [`ApiDoc`], served at `/api/openapi.json` and
//! committed as `crates/tavolo-http/openapi.json` (the web client's types are generated
//! from that file; the test `committed_document_is_current` fails when it is stale).
//!
//! What is only documentation lives here: the security schemes and `/healthz`'s answer
//! (served outside the API's router). The shared refusals the handlers declare are in
//! `refusals`, so that no handler imports this module, which imports them all.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::refusals::*;
use super::{
    boards, call, control, export, identity, invitations, members, private, room, sessions,
    snapshots, votes, workspaces,
};

const DESCRIPTION: &str = "The facilitation API of Tavolo. Credentials: the facilitator's tavolo_login cookie or `Authorization: Bearer` header (never the `token` query parameter, which is refused with 401 for a facilitator's token); a member's tavolo_member cookie, `token` query parameter or `Authorization: Bearer` header. Board sync is the y-websocket protocol at GET /sync/{board} (WebSocket), with the same credentials (the official client passes `params: { token }`; there a facilitator's token is accepted in the query too, for scripts). Cross-site requests: a POST, PUT, PATCH or DELETE, or a WebSocket upgrade, that carries a credential cookie and whose `Origin` (or, without one, `Referer`) is not this server's (`--public-url`, or the request's own `Host`) is refused with 403 before anything runs; requests with neither header, or without a credential cookie, are not checked. Bodies are JSON: a state-changing request declared as `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain` is refused with 415. Credentials end: a facilitator's sign-in after 12 hours or at sign-out, a member's token with its invitation (expiry, revocation) or when the facilitator removes the member; from that moment every request with it is refused and every socket it opened is closed (4006 on expiry, 4003 on revocation, 4005 on removal, 4001 on sign-out; see docs/control-channel.md).";

#[derive(OpenApi)]
#[openapi(
    info(title = "Tavolo API", version = "0.1.0", description = DESCRIPTION),
    paths(
        identity::setup,
        identity::login,
        identity::logout,
        identity::me,
        identity::rename_me,
        openapi_document,
        workspaces::list_workspaces,
        workspaces::create_workspace,
        workspaces::update_workspace,
        workspaces::delete_workspace,
        workspaces::get_workspace,
        sessions::list_sessions,
        sessions::create_session,
        sessions::get_session,
        sessions::update_session,
        sessions::close_session,
        invitations::list_invites,
        invitations::create_invite,
        invitations::revoke_invite,
        members::remove_member,
        invitations::join,
        invitations::preview,
        boards::create_board,
        boards::spawn_breakouts,
        boards::assign,
        boards::start_breakouts,
        boards::end_breakouts,
        boards::gather,
        room::timer,
        room::message,
        room::withdraw_message,
        room::follow,
        control::control,
        call::call,
        call::calls,
        boards::get_board,
        boards::update_board,
        private::private_mode,
        private::reveal,
        votes::open_vote,
        votes::get_vote,
        votes::close_vote,
        votes::place_dot,
        votes::remove_dot,
        snapshots::list_snapshots,
        snapshots::take_snapshot,
        snapshots::get_snapshot,
        snapshots::restore_snapshot,
        export::export_board,
        export::minutes,
        export::gallery,
        export::import_board,
        healthz,
        votes::session_votes,
        export::export_votes,
    ),
    components(responses(Error, Busy, Throttled, UnsupportedMediaType, CrossOrigin, CodeLookups)),
    modifiers(&Credentials)
)]
pub struct ApiDoc;

/// The document as served and committed: pretty JSON with a final newline.
pub fn document() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

/// The credentials, as security schemes: the facilitator's and the member's cookies, and
/// the `Authorization: Bearer` header either may send (the member's `token` query parameter
/// is described in the document's introduction).
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "login_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "tavolo_login",
                "a facilitator's sign-in (POST /api/login, POST /api/setup)",
            ))),
        );
        components.add_security_scheme(
            "member_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "tavolo_member",
                "a member's token (POST /api/join)",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "a facilitator's sign-in token or a member's token, as in the cookies",
                    ))
                    .build(),
            ),
        );
    }
}

/// `GET /healthz`'s answer (built in `health.rs`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Health {
    status: HealthStatus,
    /// `ok`: a ping answered; `unavailable`: it failed; `timeout`: no answer within
    /// 500 ms; `read_only`: the disk was full at start, so the SQLite database was opened
    /// read-only (restart once there is space).
    database: DatabaseStatus,
    /// The free space under the data directory (where the SQLite database lives); null
    /// when the data is not in a local file (PostgreSQL).
    disk: Option<Disk>,
    /// Why the answer is 503, e.g. `disk full`, `database unavailable`, `database
    /// timeout`; empty with 200.
    reasons: Vec<String>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum HealthStatus {
    Ok,
    Unavailable,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum DatabaseStatus {
    Ok,
    Unavailable,
    Timeout,
    ReadOnly,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct Disk {
    /// `full`: less free than `min_free_bytes` (`--min-free-disk-mib`); `unknown`: the
    /// check failed or took more than 500 ms.
    status: DiskStatus,
    free_bytes: Option<u64>,
    min_free_bytes: u64,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum DiskStatus {
    Ok,
    Full,
    Unknown,
}

/// Documents `GET /healthz` (served by `crate::health::healthz`, outside the API's router).
#[utoipa::path(
    get,
    path = "/healthz",
    summary = "Health: the database and the data's disk",
    description = "Answers within a second whatever happens: the database ping and the disk check each have 500 ms. 200 when both are fine, 503 with the reasons otherwise. Causes are logged, not answered. Who may call it: anyone.",
    responses(
        (status = 200, description = "healthy", body = Health),
        (status = 503, description = "not healthy: `reasons` says why", body = Health),
    ),
)]
#[allow(dead_code)]
fn healthz() {}

/// Documents `GET /api/openapi.json` (served by `super::openapi`).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    summary = "This document",
    description = "Who may call it: anyone.",
    responses(
        (status = 200, description = "done", body = Object),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
)]
#[allow(dead_code)]
fn openapi_document() {}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The committed `openapi.json` (what the web client's types are generated from) is the
    /// document the code generates. `TAVOLO_WRITE_OPENAPI=1 cargo test -p tavolo-http
    /// committed_document` rewrites it.
    #[test]
    fn committed_document_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
        let generated = super::document();
        if std::env::var_os("TAVOLO_WRITE_OPENAPI").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is not what the code generates: run `TAVOLO_WRITE_OPENAPI=1 cargo test -p tavolo-http committed_document`, then `npm run api-types` in web/",
            path.display()
        );
    }
}
