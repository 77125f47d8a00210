//! What every request goes through before its handler: the cross-site request checks,
//! and the security headers on every answer.
//!
//! **Origin check (CSRF, cross-site WebSocket hijacking).** A request is checked when it
//! changes state (POST, PUT, PATCH, DELETE) or opens a WebSocket (sync and control), *and*
//! it carries a Tavolo credential cookie (`tavolo_login` or `tavolo_member`): a browser
//! attaches those to requests that another site makes it send. Such a request must name
//! its origin in `Origin` (or, without `Origin`, in `Referer`) and that origin must be
//!
//! * the origin of `--public-url` when it is set (scheme, host and port, exactly);
//! * otherwise one whose host and port are the request's own `Host` (either scheme: a
//!   TLS-terminating proxy may pass plain HTTP on).
//!
//! A foreign origin is refused with 403 and a JSON error, before any handler runs and
//! before a WebSocket is upgraded. `Origin: null` is foreign too, unless the browser says
//! `Sec-Fetch-Site: same-origin`: our own pages' POSTs carry `null` because of
//! `Referrer-Policy: no-referrer` (the Fetch standard's rule for non-CORS requests), and no
//! page can forge `Sec-Fetch-*`. A request with neither header is let
//! through: browsers send `Origin` with every cross-origin POST and every WebSocket
//! handshake, so such a request comes from a program (curl, a script), which sends only
//! the cookies it was given. Requests without a credential cookie — a participant's
//! token in the sync URL from y-websocket in Node, which sends no `Origin`, or an
//! `Authorization: Bearer` header — are not checked: another site cannot make a browser
//! send them.
//!
//! **Form content types.** A state-changing request to `/api/…` whose body is declared as
//! `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain` (the types
//! an HTML form, or a cross-site `fetch` without a preflight, can send) is refused with
//! 415: the API takes JSON only.
//!
//! **Headers.** Every answer carries `Content-Security-Policy` (scripts, styles, fonts and
//! connections only from this server, no framing), `X-Frame-Options: DENY`,
//! `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` (the join page
//! carries a token in its path).

use crate::api::credentials::{LOGIN_COOKIE, MEMBER_COOKIE};
use crate::api::error::ApiError;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// An origin as `scheme://host[:port]`, lowercased, without the scheme's default port.
/// `None` for anything that is not an http(s) or ws(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" | "ws" => "80",
        "https" | "wss" => "443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or("");
    let host_port = strip_port(&authority.to_ascii_lowercase(), default_port);
    if host_port.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{host_port}"))
}

/// `host[:port]` without `:default_port`.
fn strip_port(authority: &str, default_port: &str) -> String {
    match authority.rsplit_once(':') {
        // not the inside of an IPv6 literal ("[::1]")
        Some((host, port)) if !port.contains(']') && port == default_port => host.to_owned(),
        _ => authority.to_owned(),
    }
}

/// The `host[:port]` part of an origin.
fn authority(origin: &str) -> &str {
    origin.split_once("://").map(|(_, a)| a).unwrap_or("")
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn has_credential_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(k, v)| (k == LOGIN_COOKIE || k == MEMBER_COOKIE) && !v.is_empty())
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    header_str(headers, header::UPGRADE).is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
}

fn changes_state(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// The origin a request says it comes from: `Origin`, else the `Referer`'s origin.
/// `Some("null")` for an opaque origin.
fn claimed_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(o) = header_str(headers, header::ORIGIN) {
        return Some(origin_of(o).unwrap_or_else(|| "null".into()));
    }
    header_str(headers, header::REFERER).map(|r| origin_of(r).unwrap_or_else(|| "null".into()))
}

/// An opaque (`null`) origin that the browser itself vouches for as same-origin: our pages
/// send `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` on their
/// own same-origin `fetch` POSTs, with `Sec-Fetch-Site: same-origin` (a header no page can
/// set). A `null` from a sandboxed frame or another site comes with `cross-site`.
fn same_origin_fetch(headers: &HeaderMap, origin: &str) -> bool {
    origin == "null"
        && headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"same-origin")
}

/// Whether `origin` is this server's, as the module's documentation says.
pub fn origin_allowed(public_origin: Option<&str>, origin: &str, host: Option<&str>) -> bool {
    match public_origin {
        Some(public) => origin == public,
        None => {
            let Some(host) = host else { return false };
            let scheme = origin.split_once("://").map(|(s, _)| s).unwrap_or("");
            let default_port = if scheme == "https" { "443" } else { "80" };
            let host = strip_port(&host.trim().to_ascii_lowercase(), default_port);
            // the Host of a TLS-terminated request may carry neither port
            let bare = |a: &str| strip_port(&strip_port(a, "80"), "443");
            authority(origin) == host || bare(authority(origin)) == bare(&host)
        }
    }
}

const FORM_TYPES: [&str; 3] = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
];

/// The checks, then the headers (see the module's documentation).
pub async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let checked = changes_state(&method) || is_upgrade(headers);
    let public = s.options.public_origin.as_deref();
    let host = header_str(headers, header::HOST).map(str::to_owned);
    if checked && has_credential_cookie(headers) {
        if let Some(origin) = claimed_origin(headers) {
            if !origin_allowed(public, &origin, host.as_deref())
                && !same_origin_fetch(headers, &origin)
            {
                crate::audit::refused("cross_origin", method.as_str(), &path, &origin);
                let mut r = ApiError::Refused(
                    StatusCode::FORBIDDEN,
                    format!("cross-origin request refused: {origin} is not this server's origin"),
                )
                .into_response();
                add_headers(&mut r, public, host.as_deref());
                return r;
            }
        }
    }
    if changes_state(&method) && path.starts_with("/api/") {
        let essence = header_str(headers, header::CONTENT_TYPE).map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        if let Some(t) = essence.filter(|t| FORM_TYPES.contains(&t.as_str())) {
            crate::audit::refused("form_content_type", method.as_str(), &path, &t);
            let mut r = ApiError::Refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("{t} is not accepted: send application/json"),
            )
            .into_response();
            add_headers(&mut r, public, host.as_deref());
            return r;
        }
    }
    let mut response = next.run(req).await;
    add_headers(&mut response, public, host.as_deref());
    response
}

/// A host that may be written into the policy as it is.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// The web client's policy: everything from this server, WebSockets to this host (older
/// browsers do not count ws: as 'self'), inline styles only through the CSS object model
/// (Preact's `style` properties), no framing.
pub fn content_security_policy(public_origin: Option<&str>, host: Option<&str>) -> String {
    let host = public_origin
        .map(authority)
        .or(host)
        .filter(|h| plain_host(h));
    let sockets = match host {
        Some(h) => format!(" ws://{h} wss://{h}"),
        None => String::new(),
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         font-src 'self' data:; connect-src 'self'{sockets}; worker-src 'self' blob:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Exported SVG opened on its own: no scripts, its inline styles only.
const SVG_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'none'";

fn add_headers(response: &mut Response, public_origin: Option<&str>, host: Option<&str>) {
    let svg = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("image/svg"));
    let csp = if svg {
        HeaderValue::from_static(SVG_POLICY)
    } else {
        HeaderValue::from_str(&content_security_policy(public_origin, host))
            .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'none'"))
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// Extractor: the client's address (the TCP peer), or 0.0.0.0 when the server was not
/// started by [`crate::run`].
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI document lists what this layer and the throttle answer.
    #[test]
    fn openapi_documents_the_refusals() {
        let doc =
            serde_json::to_value(<crate::api::doc::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let m: Method = method.to_uppercase().parse().unwrap();
                if changes_state(&m) && path.starts_with("/api/") {
                    for status in ["403", "415"] {
                        assert!(
                            op["responses"].get(status).is_some(),
                            "{method} {path} lacks {status}"
                        );
                    }
                }
            }
        }
        assert!(doc["paths"]["/api/login"]["post"]["responses"]
            .get("429")
            .is_some());
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("HTTPS://Tavolo.Comune.it:443/x?y").as_deref(),
            Some("https://tavolo.comune.it")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("null"), None);
        assert!(origin_allowed(
            None,
            "http://127.0.0.1:8080",
            Some("127.0.0.1:8080")
        ));
        assert!(origin_allowed(
            None,
            "https://tavolo.comune.it",
            Some("tavolo.comune.it")
        ));
        assert!(!origin_allowed(
            None,
            "http://evil.example",
            Some("127.0.0.1:8080")
        ));
        assert!(!origin_allowed(
            None,
            "http://127.0.0.1:9090",
            Some("127.0.0.1:8080")
        ));
        assert!(!origin_allowed(None, "null", Some("127.0.0.1:8080")));
        assert!(origin_allowed(
            Some("https://tavolo.comune.it"),
            "https://tavolo.comune.it",
            Some("10.0.0.5:8080")
        ));
        assert!(!origin_allowed(
            Some("https://tavolo.comune.it"),
            "http://tavolo.comune.it",
            Some("tavolo.comune.it")
        ));
    }
}
