//! One error type for the API: each variant is a status code; internal errors are logged
//! with their cause and reach the client only as "internal error".

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use tavolo_rooms::service::{text_field, Conflict, InviteEnd, ServiceError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// 409, with its `code`.
    #[error("{}", .0.message())]
    Conflict(Conflict),
    #[error("{0}")]
    Gone(String),
    /// 410 for an invitation nobody may join through any more, with its `code`.
    #[error("{}", .0.message())]
    InviteEnded(InviteEnd),
    /// The server is busy (the password hashing queue is full): 503 with `Retry-After`.
    #[error("{0}")]
    Busy(String),
    /// Too many failed sign-ins: 429 with `Retry-After` (whole seconds, at least 1).
    #[error("too many failed sign-ins: try again in {0} s")]
    Throttled(u64),
    /// Too many of something else from one address: 429 with `Retry-After` (whole
    /// seconds, at least 1) and the message.
    #[error("{1}")]
    RateLimited(u64, String),
    /// A request refused before any handler (cross-origin, form content type).
    #[error("{1}")]
    Refused(StatusCode, String),
    #[error("internal error")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) | ApiError::InviteEnded(_) => StatusCode::GONE,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Throttled(_) | ApiError::RateLimited(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Refused(status, _) => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let body = match &self {
            ApiError::InviteEnded(why) => {
                serde_json::json!({ "error": self.to_string(), "code": why.code() })
            }
            ApiError::Conflict(why) => {
                serde_json::json!({ "error": self.to_string(), "code": why.code() })
            }
            _ => serde_json::json!({ "error": self.to_string() }),
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let ApiError::Busy(_) = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        if let ApiError::Throttled(secs) | ApiError::RateLimited(secs, _) = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
        }
        response
    }
}

/// The longest rejection text [`json_rejections`] carries over (axum's are one line).
const MAX_REJECTION_BYTES: usize = 4096;

/// Rewrites the refusals axum's extractors answer with before a handler runs (a body that
/// is not JSON or not the expected shape, a missing `Content-Type: application/json`, a
/// query or path parameter of the wrong type, a body over the limit, a plain GET on a
/// WebSocket route) from `text/plain` into the API's own error, `{"error": "…"}`, as
/// openapi.json documents every refusal. A JSON body of the wrong shape (axum: 422) is a
/// 400, like every other input the API refuses.
pub async fn json_rejections(response: Response) -> Response {
    let status = response.status();
    let plain_text = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain_text {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REJECTION_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let mut json = ApiError::Refused(status, text).into_response();
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    for (name, value) in parts.headers.iter() {
        json.headers_mut().append(name, value.clone());
    }
    json
}

/// What a busy answer asks the client to wait, in seconds.
pub const RETRY_AFTER_SECS: &str = "1";

impl From<tavolo_rooms::passwords::PasswordError> for ApiError {
    fn from(e: tavolo_rooms::passwords::PasswordError) -> Self {
        match e {
            tavolo_rooms::passwords::PasswordError::Busy => ApiError::Busy(e.to_string()),
            tavolo_rooms::passwords::PasswordError::Failed(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(m) => ApiError::BadRequest(m),
            ServiceError::NotFound => ApiError::NotFound,
            ServiceError::Conflict(m) => ApiError::Conflict(m),
            ServiceError::Gone(m) => ApiError::Gone(m),
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::InviteEnded(why) => ApiError::InviteEnded(why),
            ServiceError::Store(e) => e.into(),
            ServiceError::Hub(e) => e.into(),
            ServiceError::Password(e) => e.into(),
            ServiceError::Broken(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<tavolo_store::StoreError> for ApiError {
    fn from(e: tavolo_store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<tavolo_hub::AttachError> for ApiError {
    fn from(e: tavolo_hub::AttachError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<tavolo_rooms::access::Denied> for ApiError {
    fn from(e: tavolo_rooms::access::Denied) -> Self {
        match e {
            tavolo_rooms::access::Denied::NoCredential => ApiError::Unauthorized,
            other => ApiError::Forbidden(other.to_string()),
        }
    }
}

/// A PATCH field: the new value (checked by `service::text_field`) if given, else the current one.
pub fn patched(new: Option<&str>, current: String, what: &str, max: usize) -> ApiResult<String> {
    match new {
        Some(v) => Ok(text_field(v, what, max)?),
        None => Ok(current),
    }
}
