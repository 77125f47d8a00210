//! The REST API (`/api/…`, described by `openapi.json`, served at `/api/openapi.json`)
//! and the session control channel.

pub mod credentials;
pub mod error;
pub mod export;
pub mod live;
mod routes;
pub mod service;

pub use routes::{router, sync_permit};
