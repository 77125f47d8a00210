//! A meeting's calls (`GET /api/sessions/{id}/call`, a WebSocket of JSON text frames
//! documented in `docs/calls.md`): the signalling of one browser's connection to the
//! media server (`tavolo-media`).
//!
//! Authenticated as the control channel is (cookie or `?token=`), decided once by
//! `access::decide` (`Request::Call`: may be in the meeting's calls, may publish). The
//! socket follows the session's channel like a control socket, so the call it is in is
//! the one the room state says, recomputed on every change: breakouts starting and
//! ending, a person moved, the facilitator (or an observer) looking at another room's
//! board. Changing call changes only what the SFU forwards: the browser's connection,
//! camera and microphone stay. A revoked credential's socket closes at once (the `end`
//! message), and with it the browser's media; closing the meeting ends its calls.

use super::control::{presence_of, publish_presence, shutdown_of};
use super::credentials::Who;
use super::error::{ApiError, ApiResult};
use super::guard::{call_session, OwnedSession};
use super::refusals::*;
use crate::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tavolo_media::routing::{PeerInfo, Placement, Seat};
use tavolo_media::{Joining, Media, PeerEvent, PeerHandle};
use tavolo_rooms::access::Part;
use tavolo_rooms::access::{Grant, Principal};
use tavolo_rooms::live::Presence;
use tavolo_rooms::state::Phase;
use tavolo_rooms::view::{Heard, SessionView};
use tavolo_store::{Role, RoomKind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sessions/{id}/call", get(call))
        .route("/api/sessions/{id}/calls", get(calls))
}

/// Who is in which of the meeting's calls, and who speaks.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CallsView {
    /// One entry per call with someone in it (the plenary's and each group's room id).
    pub calls: Vec<tavolo_media::sfu::CallRoster>,
}

/// The facilitator's console: who is in which call now and who is speaking (on this
/// node's media server).
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/calls",
    summary = "Who is in which of the meeting's calls, and who is speaking",
    description = "Who may call it: the facilitator of the meeting's workspace. Each call with someone in it (`call` is the room id: the plenary or a breakout group), with each browser in it: the member's id and name, their role, microphone and camera state, and whether they speak now (from the audio levels of their packets). 410 when the server runs with --no-media.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "the meeting's calls", body = CallsView),
        (status = 400, response = Error),
        (status = 401, response = Error),
        (status = 403, response = Error),
        (status = 404, response = Error),
        (status = 410, response = Error),
    ),
    security(("login_cookie" = []), ("bearer" = [])),
)]
pub async fn calls(
    State(s): State<AppState>,
    OwnedSession { session, .. }: OwnedSession,
) -> ApiResult<axum::Json<CallsView>> {
    let Some(media) = &s.media else {
        return Err(ApiError::Gone(
            "calls are switched off on this server (--no-media)".into(),
        ));
    };
    Ok(axum::Json(CallsView {
        calls: media.roster(&session.id).await,
    }))
}

#[utoipa::path(
    get,
    path = "/api/sessions/{id}/call",
    summary = "The meeting's calls: signalling of one browser's connection to the media server (WebSocket, JSON text frames)",
    description = "See docs/calls.md. The server sends {type:'hello',publish}, {type:'answer',sdp}, {type:'offer',sdp} and {type:'peers',call,peers}; the client sends {type:'offer',sdp,screen?} once (screen: the mid of the section that carries a shared screen), {type:'answer',sdp}, {type:'state',audio,video,screen} and {type:'view',videos,layer} (layer: 'low' or 'full', the simulcast layer of the camera videos). The server also sends {type:'speaking',call,streams}. Who may call it: the facilitator and participants (who publish) and observers (who only listen), of a meeting that is not closed (403). 410 when the server runs with --no-media.",
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
        (status = 410, response = Error),
    ),
    security(("login_cookie" = []), ("member_cookie" = []), ("bearer" = [])),
)]
async fn call(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    let Some(media) = s.media.clone() else {
        return Err(ApiError::Gone(
            "calls are switched off on this server (--no-media)".into(),
        ));
    };
    let (session, grant) = call_session(&s, &who, &id).await?;
    let presence = presence_of(&s, &who).await?;
    let may_publish = grant != Grant::Watch;
    Ok(ws
        // an answer for a plenary of 40 fits with room to spare; larger frames close (1009)
        .max_message_size(tavolo_media::sdp::MAX_SDP_BYTES + 4096)
        .read_buffer_size(crate::READ_BUFFER)
        .on_upgrade(move |socket| {
            let hub = s.hub.clone();
            let seat = Caller {
                id: presence.id.clone(),
                name: presence.name.clone(),
                role: presence.role,
                participant: matches!(&who, Principal::Member(p) if p.role == Role::Participant),
                member: matches!(&who, Principal::Member(_)),
                may_publish,
            };
            hub.track(call_loop(s, media, session.id, presence, seat, socket))
        }))
}

/// Who is on the socket.
struct Caller {
    id: String,
    name: String,
    role: Part,
    /// A participant (placed by their group); otherwise placed where they look.
    participant: bool,
    /// A member (not the facilitator): one that is no longer in the meeting is out.
    member: bool,
    may_publish: bool,
}

/// What the socket knows of the room state, from the session's channel.
#[derive(Default)]
struct Seen {
    closed: bool,
    breakout: bool,
    plenary: String,
    groups: Vec<String>,
    /// Each board's room.
    rooms_of: HashMap<String, String>,
    /// Whether the caller is still a member of the meeting (always for the facilitator).
    present: bool,
    group: Option<String>,
    /// The board the caller looks at (from presence).
    board: Option<String>,
}

impl Seen {
    /// Takes what a channel message says; returns whether it said anything relevant.
    fn heard(&mut self, caller: &Caller, message: Heard) -> bool {
        match message {
            Heard::Session(view) => {
                self.view(caller, &view);
                true
            }
            Heard::Presence { present } => {
                self.looking_at(caller, &present);
                true
            }
            Heard::Other => false,
        }
    }

    /// Takes the session's view.
    fn view(&mut self, caller: &Caller, v: &SessionView) {
        self.closed = v.closed;
        self.breakout = v.state.phase == Phase::Breakout;
        self.groups = v.state.groups.clone();
        self.rooms_of.clear();
        self.plenary.clear();
        for room in &v.rooms {
            if room.kind == RoomKind::Plenary && self.plenary.is_empty() {
                self.plenary = room.id.clone();
            }
            for b in &room.boards {
                self.rooms_of.insert(b.id.clone(), room.id.clone());
            }
        }
        let me = v.members.iter().find(|m| m.id == caller.id);
        self.present = !caller.member || me.is_some();
        self.group = me.and_then(|m| m.group.clone());
        self.looking_at(caller, &v.present);
    }

    /// Takes who is present: the board the caller looks at.
    fn looking_at(&mut self, caller: &Caller, present: &[Presence]) {
        self.board = present
            .iter()
            .find(|p| p.id == caller.id)
            .and_then(|p| p.board.clone());
    }

    /// The call the room state puts the caller in.
    fn call(&self, caller: &Caller) -> String {
        let placement = Placement {
            breakout: self.breakout,
            plenary: &self.plenary,
            groups: &self.groups,
        };
        let room = self.board.as_ref().and_then(|b| {
            // a private draft is its board's
            let base = tavolo_rooms::access::parse_draft(b).map_or(b.as_str(), |(b, _)| b);
            self.rooms_of.get(base).map(String::as_str)
        });
        placement.call_of(if caller.participant {
            Seat::Participant {
                group: self.group.as_deref(),
            }
        } else {
            Seat::Visitor { room }
        })
    }
}

/// What a browser may say.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientCall {
    /// The first offer: joins the call. `screen`: the mid of its video section that
    /// carries the screen when the browser shares it.
    Offer {
        sdp: String,
        #[serde(default)]
        screen: Option<String>,
    },
    /// The answer to the server's latest offer.
    Answer { sdp: String },
    /// Microphone and camera on or off (shown to the others), and whether the screen
    /// is shared (its track forwarded only then).
    State {
        audio: bool,
        video: bool,
        #[serde(default)]
        screen: bool,
    },
    /// How many videos the browser wants at most (its tiles; 0: voices only), never
    /// more than the server's `--call-last-n`, and which simulcast layer (`low`, the
    /// default, or `full`: the one that fits its largest tile).
    View {
        videos: u16,
        #[serde(default)]
        layer: tavolo_media::routing::Layer,
    },
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerCall<'a> {
    /// On connect: whether this browser may publish, and the TURN servers it may relay
    /// through (fresh credentials for this connection; absent without `--turn-url`).
    Hello {
        publish: bool,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        ice_servers: Vec<tavolo_media::turn::IceServer>,
    },
    Answer {
        sdp: &'a str,
    },
    Offer {
        sdp: &'a str,
    },
}

fn close(code: u16, reason: &str) -> Message {
    // a close reason is at most 123 bytes
    let mut reason = reason.to_owned();
    while reason.len() > 123 {
        reason.pop();
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn call_loop(
    s: AppState,
    media: Media,
    session: String,
    presence: tavolo_rooms::live::Presence,
    caller: Caller,
    socket: WebSocket,
) {
    let (conn, mut rx, mut ended) = s.live.subscribe(&session, presence);
    publish_presence(&s, &session);
    let (mut tx_ws, mut rx_ws) = socket.split();
    let mut seen = Seen::default();
    // the room state now; then every change from the channel
    if let Ok(Some(row)) = s.store.get_session(&session).await {
        if let Ok(v) = s.rooms().session_view(&row).await {
            seen.view(&caller, &v);
        }
    }
    // made only now, once the access decision (before the upgrade) let the caller in
    let hello = serde_json::to_string(&ServerCall::Hello {
        publish: caller.may_publish,
        ice_servers: media.ice_servers(&caller.id),
    })
    .unwrap_or_default();
    let mut peer: Option<PeerHandle> = None;
    let mut shutdown = std::pin::pin!(shutdown_of(&s));
    let ending = if tx_ws.send(Message::Text(hello.into())).await.is_err() {
        None
    } else {
        loop {
            if seen.closed {
                break Some(close(4002, "the meeting is closed: its calls have ended"));
            }
            if !seen.present {
                break Some(close(4003, "you are no longer in this meeting"));
            }
            tokio::select! {
                msg = rx.recv() => match msg {
                    Ok(text) => {
                        if seen.heard(&caller, Heard::parse(&text)) {
                            if let Some(p) = &peer {
                                p.set_call(Some(seen.call(&caller)));
                            }
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        // missed some: read the room state again
                        if let Ok(Some(row)) = s.store.get_session(&session).await {
                            if let Ok(v) = s.rooms().session_view(&row).await {
                                seen.view(&caller, &v);
                                if let Some(p) = &peer {
                                    p.set_call(Some(seen.call(&caller)));
                                }
                            }
                        }
                    }
                    Err(_) => break None,
                },
                msg = rx_ws.next() => match msg {
                    Some(Ok(Message::Text(t))) => match serde_json::from_str::<ClientCall>(&t) {
                        Ok(ClientCall::Offer { sdp, screen }) if peer.is_none() => {
                            let info = PeerInfo {
                                member: caller.id.clone(),
                                session: session.clone(),
                                call: Some(seen.call(&caller)),
                                may_publish: caller.may_publish,
                            };
                            peer = Some(media.join(Joining {
                                info,
                                name: caller.name.clone(),
                                role: caller.role.as_str().to_owned(),
                                offer: sdp,
                                screen,
                            }));
                        }
                        Ok(ClientCall::Offer { .. }) => {
                            break Some(close(1008, "one offer per connection: reconnect to start over"));
                        }
                        Ok(ClientCall::Answer { sdp }) => match &peer {
                            Some(p) => p.answer(sdp),
                            None => break Some(close(1008, "an answer before any offer")),
                        },
                        Ok(ClientCall::State { audio, video, screen }) => {
                            if let Some(p) = &peer {
                                p.set_state(audio, video, screen);
                            }
                        }
                        Ok(ClientCall::View { videos, layer }) => {
                            if let Some(p) = &peer {
                                p.set_videos(videos.into(), layer);
                            }
                        }
                        Err(e) => break Some(close(1008, &format!("bad call message: {e}"))),
                    },
                    Some(Ok(Message::Close(_))) | None => break None,
                    Some(Err(e)) => {
                        let too_big = crate::is_too_big(e);
                        break too_big.then(|| close(1009, "message too large"));
                    }
                    Some(Ok(_)) => {}
                },
                ev = next_event(&mut peer) => match ev {
                    Some(PeerEvent::Answer(sdp)) => {
                        let text = serde_json::to_string(&ServerCall::Answer { sdp: &sdp }).unwrap_or_default();
                        if tx_ws.send(Message::Text(text.into())).await.is_err() { break None; }
                    }
                    Some(PeerEvent::Offer(sdp)) => {
                        let text = serde_json::to_string(&ServerCall::Offer { sdp: &sdp }).unwrap_or_default();
                        if tx_ws.send(Message::Text(text.into())).await.is_err() { break None; }
                    }
                    Some(PeerEvent::Peers(json)) => {
                        if tx_ws.send(Message::Text(json.into())).await.is_err() { break None; }
                    }
                    Some(PeerEvent::Closed(why)) => break Some(close(1008, &why)),
                    None => break Some(close(1011, "the media server stopped")),
                },
                Ok(()) = ended.changed() => {
                    let reason = ended.borrow().clone();
                    if let Some((code, reason)) = reason {
                        break Some(close(code, &reason));
                    }
                }
                _ = &mut shutdown => break Some(close(1001, "server shutting down")),
            }
        }
    };
    // the browser's media stops here, before anything else
    drop(peer);
    if let Some(frame) = ending {
        let _ = tx_ws.send(frame).await;
    }
    s.live.leave(&session, conn);
    publish_presence(&s, &session);
}

/// The next event of the peer, or never while there is none.
async fn next_event(peer: &mut Option<PeerHandle>) -> Option<PeerEvent> {
    match peer {
        Some(p) => p.events.recv().await,
        None => std::future::pending().await,
    }
}
