//! Exports and backups: a board as a picture (SVG, PNG, PDF), as data (schema JSON, CSV and
//! Markdown of template boards, the Yjs state), live or as a snapshot kept it; a meeting's
//! closed dot votes (CSV, Markdown); a meeting's minutes in one ZIP (with those votes); a
//! board created from a backup. Rendering is `tavolo-export`'s.
//!
//! Who may do what: whoever may open a board (`sync_permit`: an observer yes, a stranger
//! no) may export it; whoever may see a session (`visible_session`) may download its
//! minutes and its votes' results, with the boards they may open; only the facilitator
//! imports.

use super::credentials::Who;
use super::error::{ApiError, ApiResult};
use super::guard::{
    board_id, sync_permit, target_room, visible_session, OwnedSession, VisibleSession,
};
use super::refusals::*;
use super::votes::closed_votes;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use tavolo_board::Board;
use tavolo_export::import::{self, MAX_IMPORT_BYTES};
use tavolo_export::minutes::{Minutes, MinutesBoard};
use tavolo_export::{format_time, labels, render, slug, tables, ExportError, PageHeader};
use tavolo_rooms::service::snapshots::{snapshot_content, snapshot_doc};
use tavolo_rooms::service::{self, Conflict};
use tavolo_store::{Role, RoomKind, SnapshotKind};
use tavolo_sync::BoardId;
use tokio::sync::Semaphore;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/boards/{id}/export/{format}", get(export_board))
        .route("/api/sessions/{id}/minutes.zip", get(minutes))
        .route("/api/sessions/{id}/gallery.pdf", get(gallery))
        .route(
            "/api/sessions/{id}/votes/export/{format}",
            get(export_votes),
        )
        .route(
            "/api/sessions/{id}/import",
            post(import_board).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

/// Renders run on blocking threads, at most this many at once (each may hold a large
/// pixmap), so exports cannot starve the server of memory or its cores.
const RENDERS_AT_ONCE: usize = 2;

async fn render<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ExportError> + Send + 'static,
) -> ApiResult<T> {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    let _permit = PERMITS
        .get_or_init(|| Semaphore::new(RENDERS_AT_ONCE))
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(ExportError::Invalid(m))) => Err(ApiError::BadRequest(m)),
        Ok(Err(ExportError::TooLarge(m))) => Err(ApiError::BadRequest(m)),
        Ok(Err(e)) => Err(ApiError::Internal(e.to_string())),
        Err(e) => Err(ApiError::Internal(format!("export task failed: {e}"))),
    }
}

/// A download: content type, `attachment` with an ASCII file name, never cached.
fn download(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // an SVG opened from here can run nothing
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    r
}

/// A meeting's file name: `what-title-date.ext`, in words a file name may hold.
fn meeting_file(session: &tavolo_store::SessionRow, what: &str, ext: &str) -> String {
    format!(
        "{what}-{}-{}.{ext}",
        slug(&session.title, 40, labels::file::MEETING),
        slug(&session.date, 20, labels::file::DATE)
    )
}

// ------------------------------------------------------------------ one board

#[derive(Deserialize)]
struct ExportQuery {
    snapshot: Option<i64>,
    scale: Option<f64>,
}

/// The formats a board exports to.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Format {
    Svg,
    Png,
    Pdf,
    Json,
    Csv,
    Md,
    Yjs,
}

/// The formats a meeting's vote results export to.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum TableFormat {
    Csv,
    Md,
}

impl From<TableFormat> for Format {
    fn from(f: TableFormat) -> Format {
        match f {
            TableFormat::Csv => Format::Csv,
            TableFormat::Md => Format::Md,
        }
    }
}

/// The formats a board imports from.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum ImportFormat {
    Json,
    Yjs,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Pdf => "pdf",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Yjs => "yjs",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
            Format::Pdf => "application/pdf",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Md => "text/markdown; charset=utf-8",
            Format::Yjs => "application/octet-stream",
        }
    }
}

/// A board's document: its snapshot's, or the live one.
async fn board_doc(
    s: &AppState,
    id: &BoardId,
    snapshot: Option<i64>,
) -> ApiResult<(yrs::Doc, String)> {
    match snapshot {
        Some(snap) => {
            let (meta, state) = s.rooms().labelled_snapshot(snap).await?;
            if meta.board_id != id.as_str() {
                return Err(ApiError::NotFound);
            }
            let doc = snapshot_doc(&meta, &state)?;
            let label = meta.label.unwrap_or_else(|| meta.kind.to_string());
            Ok((
                doc,
                labels::snapshot_state(&label, &format_time(meta.created_at, &s.options.time_zone)),
            ))
        }
        None => {
            // a copy of the live document, so the render does not hold the board's task
            let update = s.hub.read(id, import::to_yjs).await?;
            let doc = yrs::Doc::new();
            let u = tavolo_sync::update::decode_v1(
                &update,
                &mut tavolo_sync::validate::Budget::unlimited(),
            )
            .map_err(|e| ApiError::Internal(e.to_string()))?;
            tavolo_sync::update::apply(&doc, u, false)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok((
                doc,
                labels::live_state(&format_time(tavolo_store::now_ms(), &s.options.time_zone)),
            ))
        }
    }
}

/// `GET /api/boards/{id}/export/{format}`: the board (or `?snapshot=ID`) as a file.
#[utoipa::path(
    get,
    path = "/api/boards/{id}/export/{format}",
    summary = "Export a board: a picture (SVG, PNG, PDF), its content (schema JSON), its tables (CSV, Markdown; template boards only) or its Yjs state (backup)",
    description = "Drawn on the server as the browser draws it, with the fonts shipped with Tavolo. `yjs` is the whole document as one Yjs v1 update (re-import it with POST /api/sessions/{id}/import). CSV: UTF-8 with BOM, `;` between fields, decimal comma, Italian headers. Sent as an attachment (`Content-Disposition`, file name from the title). Who may call it: whoever may open the board (an observer may; a stranger may not).",
    params(
        ("id" = String, Path),
        ("format" = inline(Format), Path),
        ("snapshot" = Option<i64>, Query, description = "a labelled snapshot's id (GET /api/boards/{id}/snapshots): export the board as it was then, not as it is"),
        ("scale" = Option<f64>, Query, description = "PNG only: pixels per board pixel, 0.05 to 4 (default 1); large boards are scaled down to at most 8192 px a side and 16 Mpx"),
    ),
    responses(
        (status = 200, description = "the file", headers(("Content-Disposition" = String, description = "`attachment`, with a file name from the title")), content(
            (inline(File) = "image/svg+xml"),
            (inline(File) = "image/png"),
            (inline(File) = "application/pdf"),
            (Object = "application/json"),
            (inline(File) = "text/csv"),
            (inline(File) = "text/markdown"),
            (inline(File) = "application/octet-stream"),
        )),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
        (status = 410, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn export_board(
    State(s): State<AppState>,
    Who(who): Who,
    Path((id, format)): Path<(String, Format)>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let bid = board_id(&id)?;
    sync_permit(&s, &who, &bid).await?;
    let (doc, state_line) = board_doc(&s, &bid, q.snapshot).await?;
    let row = s.store.get_board(&id).await?;
    let (room, session) = match &row {
        Some(b) => (
            s.store.get_room(&b.room_id).await?.map(|r| r.name),
            s.store.get_session(&b.session_id).await?,
        ),
        None => (None, None),
    };
    let scale = q.scale.unwrap_or(1.0);
    if !(scale.is_finite() && (0.05..=4.0).contains(&scale)) {
        return Err(ApiError::BadRequest("scale must be from 0.05 to 4".into()));
    }
    let row_title = row.as_ref().map(|b| b.title.clone());
    let snapshot = q.snapshot;
    let (body, title) = render(move || {
        let board = Board::read(&doc);
        let title = row_title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| board.meta.title.clone());
        let body = match format {
            Format::Svg => tavolo_export::svg(&board).into_bytes(),
            Format::Png => render::png(&board, scale)?,
            Format::Pdf => {
                let mut first = labels::kind(board.meta.kind).to_owned();
                if let Some(r) = &room {
                    first = format!("{first} · {r}");
                }
                if let Some(sess) = &session {
                    first = format!("{first} · {} ({})", sess.title, sess.date);
                }
                let header = PageHeader {
                    title: labels::title(&title).to_owned(),
                    lines: vec![first, state_line],
                };
                render::board_pdf(&board, &header)?
            }
            Format::Json => serde_json::to_vec_pretty(&board.to_json())
                .map_err(|e| ExportError::Render(e.to_string()))?,
            Format::Csv => tables::csv(&board)
                .ok_or_else(|| {
                    ExportError::Invalid("only template boards have tables (CSV, Markdown)".into())
                })?
                .into_bytes(),
            Format::Md => tables::markdown(&board)
                .ok_or_else(|| {
                    ExportError::Invalid("only template boards have tables (CSV, Markdown)".into())
                })?
                .into_bytes(),
            Format::Yjs => import::to_yjs(&doc),
        };
        Ok((body, title))
    })
    .await?;
    let mut name = slug(&title, 60, labels::file::BOARD);
    if let Some(snap) = snapshot {
        name = format!("{name}-{}-{snap}", labels::file::SNAPSHOT);
    }
    Ok(download(
        body,
        format.content_type(),
        &format!("{name}.{}", format.ext()),
    ))
}

// ------------------------------------------------------------------ vote results

/// `GET /api/sessions/{id}/votes/export/{format}`: the meeting's closed votes, `csv` or
/// `md` (the tables' dialects), as `closed_votes` gives them to the asker.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/votes/export/{format}",
    summary = "Export the meeting's closed dot votes: CSV or Markdown",
    description = "What GET /api/sessions/{id}/votes lists, as a file: `csv` (one row per voted item: board, room, closing time, dots each, rank, item, dots, total; UTF-8 with BOM, `;` between fields, Italian headers, as the boards' tables) or `md` (a section per vote, its items ranked). Sent as an attachment. Also in the minutes (`votazioni.csv`, `votazioni.md`). Who may call it: the workspace's facilitator and the meeting's members (participants and observers).",
    params(
        ("id" = String, Path),
        ("format" = inline(TableFormat), Path),
    ),
    responses(
        (status = 200, description = "the file", headers(("Content-Disposition" = String, description = "`attachment`, with a file name")), content((inline(File) = "text/csv"), (inline(File) = "text/markdown"))),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn export_votes(
    State(s): State<AppState>,
    Who(who): Who,
    Path((id, format)): Path<(String, TableFormat)>,
) -> ApiResult<Response> {
    let session = visible_session(&s, &who, &id).await?;
    let format = Format::from(format);
    let votes = closed_votes(&s, &who, &session).await?;
    let tz = &s.options.time_zone;
    let body = match format {
        Format::Csv => tables::votes_csv(&votes, tz),
        _ => tables::votes_markdown(&format!("{} ({})", session.title, session.date), &votes, tz),
    };
    let name = meeting_file(&session, labels::file::VOTES, format.ext());
    Ok(download(body.into_bytes(), format.content_type(), &name))
}

// ------------------------------------------------------------------ minutes

/// `GET /api/sessions/{id}/minutes.zip`: the meeting's minutes. From the closing
/// snapshots when the meeting is closed; from the live boards (and the cover says so)
/// when it is not.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/minutes.zip",
    summary = "The meeting's minutes in one ZIP",
    description = "`verbale.pdf` (a cover page — workspace, meeting, date, participants, groups, the list of the archive's files — then one page per board, plenary first, then each group's; a board gathered from the groups is followed by each group's table as text) and, per board, `NN-room-title.png`, `.svg`, `.json` and, for template boards, `.csv` and `.md`; when the meeting has closed dot votes, their results on the cover and as `votazioni.csv` and `votazioni.md`. A closed meeting's boards are its closing snapshots; an open meeting's are their live state, and the cover says so. Members get the boards they may open. Who may call it: the workspace's facilitator and the meeting's members (participants and observers).",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "the ZIP (with Content-Length, for progress)", headers(("Content-Disposition" = String, description = "`attachment`, with a file name")), content((inline(File) = "application/zip"))),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn minutes(
    State(s): State<AppState>,
    VisibleSession { who, session }: VisibleSession,
) -> ApiResult<Response> {
    let id = session.id.clone();
    let workspace = s
        .store
        .get_workspace(&session.workspace_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let rooms = s.store.list_rooms(&id).await?;
    let members = s.store.list_participants(&id).await?;
    let mut boards = s.store.list_session_boards(&id).await?;
    // plenary first, then the groups in their order; boards in their order
    let room_rank = |room: &str| {
        rooms
            .iter()
            .position(|r| r.id == room)
            .map(|i| (rooms[i].kind != RoomKind::Plenary, i))
            .unwrap_or((true, usize::MAX))
    };
    boards.sort_by_key(|b| (room_rank(&b.room_id), b.position));
    let closed = session.closed_at.is_some();
    let mut out = Vec::with_capacity(boards.len());
    for b in &boards {
        let bid = board_id(&b.id)?;
        if sync_permit(&s, &who, &bid).await.is_err() {
            continue; // a group's board a member may not open
        }
        let closing = if closed {
            s.store.list_snapshots(&b.id).await?.into_iter().find(|x| {
                x.kind == SnapshotKind::Closing && x.session_id.as_deref() == Some(id.as_str())
            })
        } else {
            None
        };
        let state = (closed && closing.is_none()).then(|| {
            labels::live_state_unclosed(&format_time(tavolo_store::now_ms(), &s.options.time_zone))
        });
        let board = match closing {
            Some(snap) => {
                let (meta, state) = s.rooms().labelled_snapshot(snap.id).await?;
                snapshot_content(&meta, &state)?
            }
            None => service::board_content(&s.store, Some(&s.hub), &b.id).await?,
        };
        let room = rooms
            .iter()
            .find(|r| r.id == b.room_id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        out.push(MinutesBoard {
            room,
            title: b.title.clone(),
            board,
            state,
        });
    }
    let m = Minutes {
        workspace: workspace.name,
        session: session.title.clone(),
        date: session.date.clone(),
        closed_at: session.closed_at,
        generated_at: tavolo_store::now_ms(),
        time_zone: s.options.time_zone.clone(),
        participants: members
            .iter()
            .filter(|p| p.role == Role::Participant)
            .count(),
        observers: members.iter().filter(|p| p.role == Role::Observer).count(),
        groups: rooms
            .iter()
            .filter(|r| r.kind == RoomKind::Breakout)
            .map(|r| {
                (
                    r.name.clone(),
                    members
                        .iter()
                        .filter(|p| p.group_room.as_deref() == Some(r.id.as_str()))
                        .count(),
                )
            })
            .collect(),
        boards: out,
        votes: closed_votes(&s, &who, &session).await?,
    };
    let zip = render(move || tavolo_export::minutes::zip(&m)).await?;
    let name = meeting_file(&session, labels::file::MINUTES, "zip");
    Ok(download(zip, "application/zip", &name))
}

// ------------------------------------------------------------------ gallery

/// `GET /api/sessions/{id}/gallery.pdf`: the console's side-by-side view of the current
/// round's groups' boards on paper (the facilitator's, as the console is): a page per
/// board in the groups' order, then their tables as text. The boards' live state.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/gallery.pdf",
    summary = "The console's gallery of the groups' boards as one PDF",
    description = "The side-by-side view of the current round's groups' boards on paper: one page per board, in the groups' order, with the minutes' headers, then every board's table (or its texts) as text. The boards' live state. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "the PDF", headers(("Content-Disposition" = String, description = "`attachment`, with a file name")), content((inline(File) = "application/pdf"))),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
        (status = 409, response = Error),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn gallery(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<Response> {
    let state = tavolo_rooms::state::SessionState::parse(&session.state);
    if state.groups.is_empty() {
        return Err(ApiError::Conflict(Conflict::NoGroups));
    }
    let workspace = s
        .store
        .get_workspace(&session.workspace_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let rooms = s.store.list_rooms(&session.id).await?;
    let mut all = s.store.list_session_boards(&session.id).await?;
    all.sort_by_key(|b| b.position);
    let mut boards = Vec::new();
    for room in state
        .groups
        .iter()
        .filter_map(|g| rooms.iter().find(|r| &r.id == g))
    {
        for b in all.iter().filter(|b| b.room_id == room.id) {
            boards.push(MinutesBoard {
                room: room.name.clone(),
                title: b.title.clone(),
                board: service::board_content(&s.store, Some(&s.hub), &b.id).await?,
                state: None,
            });
        }
    }
    let now = tavolo_store::now_ms();
    let m = Minutes {
        workspace: workspace.name,
        session: session.title.clone(),
        date: session.date.clone(),
        // the gallery is always the boards as they are now
        closed_at: None,
        generated_at: now,
        time_zone: s.options.time_zone.clone(),
        participants: 0,
        observers: 0,
        groups: vec![],
        boards,
        votes: vec![],
    };
    let pdf = render(move || tavolo_export::minutes::gallery_pdf(&m)).await?;
    let name = meeting_file(&session, labels::file::GALLERY, "pdf");
    Ok(download(pdf, "application/pdf", &name))
}

// ------------------------------------------------------------------ import

#[derive(Deserialize)]
struct ImportQuery {
    /// By default from the Content-Type, else from the content.
    format: Option<ImportFormat>,
    title: Option<String>,
    room: Option<String>,
}

/// `POST /api/sessions/{id}/import`: a new board from a backup (the body: a Yjs state or
/// the schema's JSON), in the plenary or `?room=`.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/import",
    summary = "Create a board from a backup: a Yjs state (GET …/export/yjs) or the schema's JSON (GET …/export/json)",
    description = "The body is the file itself (at most 8 MiB; larger gets 413). It is checked against the board schema (known kinds, types, colours and link kinds; ids, sizes and numbers in range; links between existing items); anything else gets 400 with the reason. The new board goes to the plenary, or to `room`. 409 when the meeting is closed. Who may call it: the workspace's facilitator.",
    params(
        ("id" = String, Path),
        ("format" = inline(Option<ImportFormat>), Query, description = "`json` or `yjs`; by default from Content-Type (application/json or application/octet-stream), else from the content"),
        ("title" = Option<String>, Query, description = "the new board's title (default: the backup's, else \"Lavagna importata\")"),
        ("room" = Option<String>, Query, description = "a room of this meeting (default: the plenary)"),
    ),
    request_body(content((Object = "application/json"), (inline(File) = "application/octet-stream"))),
    responses(
        (status = 201, description = "created", body = Imported),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 413, description = "the body is larger than 8 MiB", body = Refusal),
        (status = 415, response = UnsupportedMediaType),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
async fn import_board(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Imported>)> {
    let id = &session.id;
    if session.closed_at.is_some() {
        return Err(ApiError::Conflict(Conflict::MeetingClosed));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let json = match q.format {
        Some(ImportFormat::Json) => true,
        Some(ImportFormat::Yjs) => false,
        None if content_type.starts_with("application/json") => true,
        None if content_type.starts_with("application/octet-stream") => false,
        None => body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{'),
    };
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "the body is empty: send the file".into(),
        ));
    }
    let rooms = s.store.list_rooms(id).await?;
    let room = target_room(&rooms, q.room.as_ref())?;
    let mut board = render(move || {
        if json {
            import::from_json(&body)
        } else {
            import::from_yjs(&body)
        }
    })
    .await?;
    board.meta.locked = false;
    let title = q
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| Some(board.meta.title.clone()).filter(|t| !t.trim().is_empty()))
        .unwrap_or_else(|| labels::IMPORTED.into());
    let (items, links) = (board.items.len(), board.links.len());
    let kind = board.meta.kind.unwrap_or(tavolo_board::BoardKind::Free);
    let new_id = service::create_board(&s.store, &room.id, &title, board).await?;
    s.rooms().publish(id).await?;
    Ok((
        StatusCode::CREATED,
        Json(Imported {
            id: new_id,
            items,
            kind,
            links,
            room: room.id.clone(),
            title,
        }),
    ))
}

#[derive(Serialize, ToSchema)]
struct Imported {
    id: String,
    items: usize,
    kind: tavolo_board::BoardKind,
    links: usize,
    room: String,
    title: String,
}
