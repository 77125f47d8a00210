//! The refusals (response components) and the schemas without a Rust type that the
//! handlers' `#[utoipa::path]` attributes name: every refusal's body, the shared
//! refusal responses, a file's bytes, the anonymous asker's kind. `doc` lists them in the
//! document.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Response, Schema};
use utoipa::{PartialSchema, ToResponse, ToSchema};

/// `{"error": "…"}`: every refusal's body.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Refusal {
    error: String,
}

/// `{"error": "…", "code": "…"}`: the body of refusals that may carry a code.
#[derive(ToSchema)]
#[allow(dead_code)]
struct CodedRefusal {
    error: String,
    /// present on some refusals, a stable code for the client to translate:
    /// invite_revoked, invite_expired and meeting_closed (410); meeting_closed,
    /// vote_closed, no_dots_left, no_dot_here, no_groups, no_timer and facilitator_exists
    /// (409)
    #[schema(required = false)]
    code: String,
}

fn refusal(description: &str, schema: RefOr<Schema>, retry_after: bool) -> RefOr<Response> {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new().schema(Some(schema)).build(),
    );
    if retry_after {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    RefOr::T(response.build())
}

macro_rules! refusals {
    ($($name:ident: $body:ident, $retry_after:expr, $description:expr;)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), refusal($description, $body::schema(), $retry_after))
            }
        }
    )*};
}

refusals! {
    Error: CodedRefusal, false,
        "The request was refused; `error` says why.";
    Busy: Refusal, true,
        "Too many sign-ins at once (every password hashing slot and queue place is taken): try again after `Retry-After` seconds.";
    Throttled: Refusal, true,
        "Too many failed sign-ins for this email or from this address: every attempt (the right password too) is refused until `Retry-After` seconds have passed; the wait doubles with each further failure.";
    UnsupportedMediaType: Refusal, false,
        "The body is declared as a form (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`): the API takes JSON only.";
    CrossOrigin: Refusal, false,
        "Refused: the credentials are missing or not allowed here, or (with a credential cookie) the request comes from another origin than this server's; `error` says which.";
    CodeLookups: Refusal, true,
        "Too many invitation short codes tried from this address in the last minute: try again after `Retry-After` seconds.";
}

/// A file's bytes (`type: string, format: binary`).
pub struct File;

impl PartialSchema for File {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for File {}

/// Someone without credentials (`GET /api/me`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum AnonymousKind {
    Anonymous,
}
