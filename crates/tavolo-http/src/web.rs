//! The built web client, embedded in the binary by `build.rs`.

use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

fn find(path: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, ct, bytes)| (*ct, *bytes))
}

/// Serves a file of the web client; any other GET path is a page of the single-page
/// app, so it gets `index.html`.
pub async fn serve(method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = uri.path();
    if let Some((ct, bytes)) = find(path) {
        // Vite puts a content hash in every name under /assets/.
        let cache = if path.starts_with("/assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [(header::CONTENT_TYPE, ct), (header::CACHE_CONTROL, cache)],
            bytes,
        )
            .into_response();
    }
    if path.starts_with("/assets/") || path.starts_with("/api/") {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    match find("/index.html") {
        Some((ct, bytes)) => (
            [
                (header::CONTENT_TYPE, ct),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        None => Html(include_str!("unbuilt.html")).into_response(),
    }
}

/// Whether the web client was embedded.
pub fn is_built() -> bool {
    find("/index.html").is_some()
}
