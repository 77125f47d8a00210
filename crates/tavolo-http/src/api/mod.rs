//! The REST API (`/api/…`, described by the OpenAPI document [`doc::ApiDoc`] generates from
//! the handlers, served at `/api/openapi.json`) and the session control channel.
//!
//! One module per resource, each with its own `router()`, merged in [`router`]:
//!
//! | module | endpoints |
//! |---|---|
//! | [`identity`] | setup, login, logout, me |
//! | [`workspaces`] | `/api/workspaces…` |
//! | [`sessions`] | a workspace's meetings, a meeting's view, update, close |
//! | [`invitations`] | a meeting's invitation links, revoking, joining |
//! | [`members`] | removing a member from a meeting |
//! | [`boards`] | a meeting's boards, breakout groups, gathering |
//! | [`room`] | room control: timer, message, follow |
//! | [`private`] | private mode and the reveal |
//! | [`votes`] | dot voting |
//! | [`snapshots`] | labelled snapshots, restore |
//! | [`export`] | exports, minutes, import |
//! | [`control`] | the control channel (WebSocket) |
//! | [`call`] | the call signalling socket (WebSocket) of a meeting |
//!
//! Shared by them, importing none of them: [`guard`] (the lookups before every access
//! decision, and the extractors that make them), [`answer`] (the small answers several
//! endpoints give), [`credentials`] (who is asking), [`error`] (one error type, which
//! the domain's `ServiceError` maps to) and [`refusals`] (the refusals the handlers
//! document). [`doc`] (the OpenAPI document) imports every handler; none imports it.
//!
//! A handler parses, lets its guard decide, calls the use case in
//! `tavolo_rooms::service` (on `AppState::rooms()`) and answers; the rules, the session's
//! view (`tavolo_rooms::view`) and how a change is published are the domain's.

pub mod answer;
pub mod boards;
pub mod call;
pub mod control;
pub mod credentials;
pub mod doc;
pub mod error;
pub mod export;
pub mod guard;
pub mod identity;
pub mod invitations;
pub mod members;
pub mod private;
pub mod refusals;
pub mod room;
pub mod sessions;
pub mod snapshots;
pub mod votes;
pub mod workspaces;

pub use guard::{socket_permit, sync_permit};

use crate::AppState;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .merge(identity::router())
        .merge(workspaces::router())
        .merge(sessions::router())
        .merge(invitations::router())
        .merge(members::router())
        .merge(boards::router())
        .merge(room::router())
        .merge(private::router())
        .merge(votes::router())
        .merge(snapshots::router())
        .merge(export::router())
        .merge(control::router())
        .merge(call::router())
        // every refusal as JSON, those of axum's extractors too
        .layer(axum::middleware::map_response(error::json_rejections))
}

/// The generated document ([`doc::ApiDoc`]), built once.
static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(doc::document);

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// The routes `router()` registers, as `METHOD /path`, read from the router itself: its
    /// `Debug` form lists each route's id with its `Allow` header (the methods it answers)
    /// and each id's path, before its fallback router's. (If a new axum writes these differently, this finds nothing and
    /// the test below says so.)
    fn registered() -> Vec<String> {
        let text = format!("{:?}", super::router());
        // the routes, not the fallback's router (which numbers its own from 1 too)
        let text = text.split("fallback_router").next().unwrap();
        let mut methods = BTreeMap::new();
        let mut paths = BTreeMap::new();
        for piece in text.split("RouteId(").skip(1) {
            let Some((id, rest)) = piece.split_once(')') else {
                continue;
            };
            if let Some(path) = rest.strip_prefix(": \"") {
                paths.insert(id.to_owned(), path.split('"').next().unwrap().to_owned());
            } else if let Some((_, allow)) = rest.split_once("allow_header: Bytes(b\"") {
                methods.insert(id.to_owned(), allow.split('"').next().unwrap().to_owned());
            }
        }
        let mut routes = Vec::new();
        for (id, allow) in methods {
            let path = &paths[&id];
            for method in allow.split(',').filter(|m| *m != "HEAD") {
                routes.push(format!("{method} {path}"));
            }
        }
        routes.sort();
        routes
    }

    /// The OpenAPI document describes exactly the routes the API's modules register (and
    /// `/healthz`, which the top-level router serves: `/metrics`, Prometheus text, and the
    /// y-websocket endpoint `/sync/{*board_id}` are described in the document's text).
    #[test]
    fn openapi_matches_the_router() {
        let doc = serde_json::to_value(<super::doc::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        let mut documented: Vec<String> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| format!("{} {path}", m.to_uppercase()))
            })
            .filter(|r| r != "GET /healthz")
            .collect();
        documented.sort();
        let registered = registered();
        assert!(
            registered.len() > 40,
            "the router's routes were not found in its Debug form: {registered:?}"
        );
        assert_eq!(documented, registered);
    }
}
