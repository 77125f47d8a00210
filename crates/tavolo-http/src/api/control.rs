//! The session's control channel (`GET /api/sessions/{id}/control`, a WebSocket of JSON
//! text frames documented in `docs/control-channel.md`): the session's view on connect
//! and whenever it changes, presence, and `{"type":"here"}` from the clients.

use super::credentials::Held;
use super::error::{ApiError, ApiResult};
use super::guard::visible_session;
use super::refusals::*;
use crate::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use tavolo_hub::Deadline;
use tavolo_rooms::access::{Part, Principal};
use tavolo_rooms::live::Presence;
use tavolo_rooms::live::{parse_client, ClientMessage};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/sessions/{id}/control", get(control))
}

#[utoipa::path(
    get,
    path = "/api/sessions/{id}/control",
    summary = "The meeting's control channel (WebSocket, JSON text frames)",
    description = "See docs/control-channel.md. The server sends {type:'session',…} on connect and on every change, {type:'presence',present:[…]} and {type:'vote',…}; the client sends {type:'here',board}. Who may call it: the facilitator, or a participant or observer of the meeting.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 101, description = "the WebSocket upgrade"),
        (status = 200, description = "done", body = Object),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = CrossOrigin),
        (status = 404, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn control(
    State(s): State<AppState>,
    held: Held,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    let ends = held.deadline();
    let who = held.who;
    let session = visible_session(&s, &who, &id).await?;
    let presence = presence_of(&s, &who).await?;
    Ok(ws
        .max_message_size(16 * 1024)
        .read_buffer_size(crate::READ_BUFFER)
        .on_upgrade(move |socket| {
            let hub = s.hub.clone();
            hub.track(control_loop(s, session.id, presence, ends, socket))
        }))
}

/// How a connection of `who` shows in the session's presence.
pub async fn presence_of(s: &AppState, who: &Principal) -> ApiResult<Presence> {
    Ok(match who {
        Principal::Member(p) => Presence {
            id: p.id.clone(),
            name: p.display_name.clone(),
            role: p.role.into(),
            board: None,
        },
        Principal::Facilitator { id } => Presence {
            id: id.clone(),
            name: s
                .store
                .facilitator_by_id(id)
                .await?
                .map(|f| f.display_name)
                .unwrap_or_else(|| "Facilitatore".into()),
            role: Part::Facilitator,
            board: None,
        },
        Principal::Anonymous => return Err(ApiError::Unauthorized),
    })
}

/// Sends the session's view on connect and whenever it changes; takes `{"type":"here",
/// "board":…}` from the client (which board it is on, for the facilitator's console).
/// Closes when the credential ends: revoked or removed (an `end` message), or at its
/// expiry (`ends`).
async fn control_loop(
    s: AppState,
    session: String,
    presence: Presence,
    ends: Option<Deadline>,
    socket: WebSocket,
) {
    let (conn, mut rx, mut ended) = s.live.subscribe(&session, presence);
    let mut expired = std::pin::pin!(Deadline::wait(ends.as_ref()));
    let (mut tx_ws, mut rx_ws) = socket.split();
    let _ = s.rooms().publish(&session).await;
    let mut shutdown = std::pin::pin!(shutdown_of(&s));
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Ok(text) => {
                    if tx_ws.send(Message::Text(text.as_ref().into())).await.is_err() { break; }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // missed some: send the current view
                    if let Ok(Some(row)) = s.store.get_session(&session).await {
                        if let Ok(text) = s.rooms().session_text(&row).await {
                            if tx_ws.send(Message::Text(text.into())).await.is_err() { break; }
                        }
                    }
                }
                Err(_) => break,
            },
            msg = rx_ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    if let Some(ClientMessage::Here(board)) = parse_client(&t) {
                        s.live.set_board(&session, conn, board);
                        publish_presence(&s, &session);
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            Ok(()) = ended.changed() => {
                let reason = ended.borrow().clone();
                if let Some((code, reason)) = reason {
                    let _ = tx_ws.send(Message::Close(Some(axum::extract::ws::CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
            }
            () = &mut expired => {
                if let Some(d) = &ends {
                    let _ = tx_ws.send(Message::Close(Some(axum::extract::ws::CloseFrame { code: d.reason.code, reason: d.reason.reason.clone().into() }))).await;
                }
                break;
            }
            _ = &mut shutdown => {
                let _ = tx_ws.send(Message::Close(Some(axum::extract::ws::CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                break;
            }
        }
    }
    s.live.leave(&session, conn);
    publish_presence(&s, &session);
}

/// Presence is per node (each node knows its own control connections), so it goes to
/// this node's clients only; with several nodes the console shows who is on its node.
pub fn publish_presence(s: &AppState, session: &str) {
    s.live.publish(session, s.live.presence_message(session));
}

pub async fn shutdown_of(s: &AppState) {
    while !s.hub.is_shutting_down() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
