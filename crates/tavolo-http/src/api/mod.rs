//! The REST API (`/api/…`, described by `openapi.json`, served at `/api/openapi.json`)
//! and the session control channel.
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
//! decision, and the extractors that make them), [`view`] (the session's view, state
//! changes and their publication, common answers), [`credentials`] (who is asking),
//! [`error`], [`live`] (the control channel's connections) and [`service`] (the
//! operations `tavolo admin` shares, with their own error type).

pub mod boards;
pub mod call;
pub mod control;
pub mod credentials;
pub mod ending;
pub mod error;
pub mod export;
pub mod guard;
pub mod identity;
pub mod invitations;
pub mod live;
pub mod members;
pub mod private;
pub mod room;
pub mod sessions;
pub mod snapshots;
pub mod view;
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

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    /// Every module's `router()` body: from `pub fn router(` to the end of the function.
    fn router_body(source: &str) -> &str {
        let start = source.find("pub fn router(").unwrap();
        let end = source[start..].find("\n}\n").unwrap();
        &source[start..start + end]
    }

    /// The OpenAPI document describes exactly the routes the API's modules register.
    #[test]
    fn openapi_matches_the_router() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("openapi.json")).unwrap();
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
            .collect();
        documented.sort();
        // this module's router, each resource's, and the top-level router's own routes
        // (/healthz)
        let sources = [
            include_str!("mod.rs"),
            include_str!("identity.rs"),
            include_str!("workspaces.rs"),
            include_str!("sessions.rs"),
            include_str!("invitations.rs"),
            include_str!("members.rs"),
            include_str!("boards.rs"),
            include_str!("room.rs"),
            include_str!("private.rs"),
            include_str!("votes.rs"),
            include_str!("snapshots.rs"),
            include_str!("export.rs"),
            include_str!("control.rs"),
            include_str!("call.rs"),
            include_str!("../lib.rs"),
        ];
        let flat: String = sources
            .iter()
            .flat_map(|s| router_body(s).chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        let mut registered = Vec::new();
        for piece in flat.split(".route(").skip(1) {
            let path = piece.split('"').nth(1).unwrap();
            let handlers = piece.split_once("\",").map(|(_, h)| h).unwrap_or("");
            for method in ["get", "post", "patch", "delete", "put"] {
                if handlers.starts_with(&format!("{method}("))
                    || handlers.contains(&format!(".{method}("))
                {
                    registered.push(format!("{} {path}", method.to_uppercase()));
                }
            }
        }
        // not JSON: Prometheus text, and the y-websocket endpoint (in the info text)
        registered.retain(|r| r != "GET /metrics" && r != "GET /sync/{*board_id}");
        registered.sort();
        assert_eq!(documented, registered);
    }
}
