//! The small answers shared by several endpoints. (The meeting's view, which most
//! changes answer, is the domain's: `tavolo_rooms::view`.)

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// `{"ok": true}`.
#[derive(Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

pub fn ok() -> Json<Done> {
    Json(Done { ok: true })
}

/// `{"id": …}`: what a create answers.
#[derive(Serialize, ToSchema)]
pub struct Created<T: Serialize> {
    pub id: T,
}
