//! The SFU: one task owns the UDP socket and every browser's [`Rtc`] (str0m is sans-IO:
//! it is handed datagrams and the time, and says what to send and when to wake it), and
//! forwards each publisher's RTP to the peers [`Router`] says should get it.
//!
//! Every browser is multiplexed over the one socket: an incoming datagram goes to the
//! `Rtc` that [`Rtc::accepts`] it (ICE credentials, then the remote address). Signalling
//! is not here: a signalling socket joins with the browser's offer ([`Media::join`]) and
//! then relays answers, call changes and mute states through its [`PeerHandle`];
//! renegotiations go the other way as [`PeerEvent::Offer`].
//!
//! Untrusted input: datagrams larger than [`MAX_DATAGRAM`] are cut there (and then fail
//! to parse); SDP is bounded by [`crate::sdp::check`] before str0m parses it; anything a
//! peer's `Rtc` refuses disconnects that peer only.

use crate::routing::{Kind, Layer, PeerId, PeerInfo, Router, Source};
use crate::sdp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{Direction, KeyframeRequestKind, MediaData, MediaKind, Mid, Rid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// The largest datagram read; WebRTC keeps packets under the path MTU (about 1,200 bytes).
pub const MAX_DATAGRAM: usize = 2000;

/// The default UDP port of the media server.
pub const DEFAULT_MEDIA_PORT: u16 = 3478 + 10_000;

#[derive(Debug, Clone)]
pub struct MediaOptions {
    /// The UDP address to listen on.
    pub bind: SocketAddr,
    /// The address announced to browsers (the host candidate); `None`: the bound address
    /// (which must then not be a wildcard).
    pub public_ip: Option<IpAddr>,
    /// TURN servers handed to browsers with fresh credentials on each join (networks
    /// that block UDP to the SFU); `None`: browsers reach the SFU directly only.
    pub turn: Option<crate::turn::TurnOptions>,
    /// The most videos forwarded to each receiver (last-N by voice activity; every voice
    /// is forwarded): [`crate::routing::DEFAULT_LAST_N`] by default.
    pub last_n: usize,
}

/// An audio packet at least this loud (RFC 6464's level, in -dBov: 0 the loudest, -127
/// silence) says its sender speaks.
const SPEAKING_LEVEL: i8 = -50;

/// How often each connection reports its bitrate and packet loss (for `/metrics`).
const STATS_INTERVAL: Duration = Duration::from_secs(1);

/// A simulcast layer not seen for this long is no longer arriving (the browser dropped
/// it): its receivers switch to another.
const LAYER_GONE: Duration = Duration::from_millis(1000);

/// A speaker who has been this quiet is no longer speaking.
const SPEAKING_HOLD: Duration = Duration::from_millis(800);

/// While someone speaks, the router's last-N order hears of it this often (and at every
/// start): those who speak now come before those who spoke a while ago.
const SPEAKING_RANK: Duration = Duration::from_secs(1);

/// What the SFU tells a signalling socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// The answer to the browser's offer.
    Answer(String),
    /// A new offer from the server (tracks to add or stop): the browser answers it.
    Offer(String),
    /// Who else is in the call now (JSON, the `peers` message of `docs/calls.md`), and
    /// who of them speaks (the `speaking` message).
    Peers(String),
    /// The peer was disconnected (why); its socket should close.
    Closed(String),
}

/// A browser asking to join the calls, with its first offer.
#[derive(Debug, Clone)]
pub struct Joining {
    pub info: PeerInfo,
    /// The name and role the others see.
    pub name: String,
    pub role: String,
    pub offer: String,
    /// The mid of the offer's video section that carries the screen when the browser
    /// shares it (none: it never shares).
    pub screen: Option<String>,
}

enum Command {
    Join {
        peer: PeerId,
        joining: Joining,
        events: mpsc::UnboundedSender<PeerEvent>,
    },
    Answer(PeerId, String),
    SetCall(PeerId, Option<String>),
    SetState {
        peer: PeerId,
        audio: bool,
        video: bool,
        screen: bool,
    },
    SetVideos(PeerId, usize, Layer),
    Roster(String, tokio::sync::oneshot::Sender<Vec<CallRoster>>),
    Leave(PeerId),
    EndSession(String),
}

/// One call of a meeting as the facilitator's console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CallRoster {
    /// The room id (the plenary or a group).
    pub call: String,
    pub peers: Vec<RosterPeer>,
}

/// Someone in a call (one browser connection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RosterPeer {
    /// The participant's or the facilitator's id.
    pub member: String,
    pub name: String,
    /// `facilitator`, `participant` or `observer`.
    pub role: String,
    /// Microphone on (never for an observer).
    pub audio: bool,
    /// Camera on (never for an observer).
    pub video: bool,
    /// Speaking now (from the audio levels of their packets).
    pub speaking: bool,
    /// Sharing their screen now.
    pub screen: bool,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct MediaMetrics {
    pub calls: AtomicU64,
    pub peers: AtomicU64,
    pub publishers: AtomicU64,
    pub forwarded: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub refused_tracks: AtomicU64,
    pub keyframe_requests: AtomicU64,
    pub turn_credentials: AtomicU64,
    /// Bits per second received from and sent to every browser, over the last second.
    pub bitrate_in: AtomicU64,
    pub bitrate_out: AtomicU64,
    /// The mean fraction of packets lost, in millionths: of what browsers send the SFU
    /// (as it counts) and of what it sends them (as their receiver reports say).
    pub loss_in_ppm: AtomicU64,
    pub loss_out_ppm: AtomicU64,
}

impl MediaMetrics {
    /// Appends the media metrics in Prometheus' text format.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let rows: [(&str, &str, &str, &AtomicU64); 11] = [
            (
                "tavolo_media_calls",
                "Calls with someone in them now.",
                "gauge",
                &self.calls,
            ),
            (
                "tavolo_media_peers",
                "Browsers connected to the media server now.",
                "gauge",
                &self.peers,
            ),
            (
                "tavolo_media_publishers",
                "Peers in a call publishing at least one track now.",
                "gauge",
                &self.publishers,
            ),
            (
                "tavolo_media_forwarded_streams",
                "Tracks forwarded now, once per receiver.",
                "gauge",
                &self.forwarded,
            ),
            (
                "tavolo_media_bytes_in_total",
                "UDP bytes received by the media server.",
                "counter",
                &self.bytes_in,
            ),
            (
                "tavolo_media_bytes_out_total",
                "UDP bytes sent by the media server.",
                "counter",
                &self.bytes_out,
            ),
            (
                "tavolo_media_refused_tracks_total",
                "Tracks refused (observers' offers to send, bad SDP).",
                "counter",
                &self.refused_tracks,
            ),
            (
                "tavolo_media_keyframe_requests_total",
                "Keyframe requests sent to publishers.",
                "counter",
                &self.keyframe_requests,
            ),
            (
                "tavolo_media_turn_credentials_total",
                "TURN credentials handed to browsers joining a call.",
                "counter",
                &self.turn_credentials,
            ),
            (
                "tavolo_media_bitrate_in_bps",
                "Bits per second the media server receives from browsers (last second).",
                "gauge",
                &self.bitrate_in,
            ),
            (
                "tavolo_media_bitrate_out_bps",
                "Bits per second the media server sends to browsers (last second).",
                "gauge",
                &self.bitrate_out,
            ),
        ];
        for (name, help, kind, v) in rows {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Relaxed)
            );
        }
        let losses: [(&str, &str, &AtomicU64); 2] = [
            (
                "tavolo_media_packet_loss_in_ratio",
                "Mean fraction of packets lost on their way from browsers to the media server.",
                &self.loss_in_ppm,
            ),
            (
                "tavolo_media_packet_loss_out_ratio",
                "Mean fraction of packets lost on their way from the media server to browsers (their reports).",
                &self.loss_out_ppm,
            ),
        ];
        for (name, help, v) in losses {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                v.load(Relaxed) as f64 / 1e6
            );
        }
    }
}

/// The running media server: cheap to clone, one per process.
#[derive(Clone)]
pub struct Media {
    commands: mpsc::UnboundedSender<Command>,
    next: Arc<AtomicU64>,
    pub metrics: Arc<MediaMetrics>,
    local: SocketAddr,
    turn: Option<Arc<crate::turn::TurnOptions>>,
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Media").field("local", &self.local).finish()
    }
}

/// One browser's place in the SFU, held by its signalling socket; dropping it disconnects
/// the browser's media at once.
pub struct PeerHandle {
    pub id: PeerId,
    commands: mpsc::UnboundedSender<Command>,
    pub events: mpsc::UnboundedReceiver<PeerEvent>,
}

impl PeerHandle {
    /// The browser's answer to a [`PeerEvent::Offer`].
    pub fn answer(&self, sdp: String) {
        let _ = self.commands.send(Command::Answer(self.id, sdp));
    }

    /// Moves the peer to another call (`None`: out of every call).
    pub fn set_call(&self, call: Option<String>) {
        let _ = self.commands.send(Command::SetCall(self.id, call));
    }

    /// How many videos the browser wants at most (its tiles; 0 for voices only), and
    /// which simulcast layer of them (the one that fits its largest tile).
    pub fn set_videos(&self, videos: usize, layer: Layer) {
        let _ = self
            .commands
            .send(Command::SetVideos(self.id, videos, layer));
    }

    /// Whether the peer's microphone and camera are on (shown to the others), and
    /// whether it shares its screen (forwarded only then).
    pub fn set_state(&self, audio: bool, video: bool, screen: bool) {
        let _ = self.commands.send(Command::SetState {
            peer: self.id,
            audio,
            video,
            screen,
        });
    }
}

impl Drop for PeerHandle {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Leave(self.id));
    }
}

impl Media {
    /// Binds the UDP socket and starts the SFU task.
    pub async fn start(options: MediaOptions) -> std::io::Result<Media> {
        // Every Rtc uses the process's crypto provider (OpenSSL); installing it twice is
        // harmless (the tests start several servers in one process).
        let _ = std::panic::catch_unwind(|| {
            str0m::crypto::from_feature_flags().install_process_default();
        });
        let socket = UdpSocket::bind(options.bind).await?;
        let local = socket.local_addr()?;
        let announced = SocketAddr::new(options.public_ip.unwrap_or(local.ip()), local.port());
        if announced.ip().is_unspecified() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the media server listens on a wildcard address: give --media-public-ip",
            ));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let metrics = Arc::new(MediaMetrics::default());
        let sfu = Sfu {
            socket,
            local,
            announced,
            peers: BTreeMap::new(),
            router: Router::with_last_n(options.last_n),
            metrics: metrics.clone(),
            epoch: Instant::now(),
            arriving: BTreeMap::new(),
            gauges_at: Instant::now(),
        };
        tokio::spawn(sfu.run(rx));
        Ok(Media {
            commands: tx,
            next: Arc::new(AtomicU64::new(1)),
            metrics,
            local,
            turn: options.turn.map(Arc::new),
        })
    }

    /// The ICE servers for a browser joining a call (`who`: the member's or the
    /// facilitator's id), with credentials made now: empty without TURN. Each one handed
    /// out is counted (`tavolo_media_turn_credentials_total`).
    pub fn ice_servers(&self, who: &str) -> Vec<crate::turn::IceServer> {
        match &self.turn {
            Some(turn) => {
                self.metrics.turn_credentials.fetch_add(1, Relaxed);
                vec![turn.ice_server(who)]
            }
            None => Vec::new(),
        }
    }

    /// The UDP address the SFU listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Joins a browser with its first offer; the answer (or why it was refused) comes as
    /// its first event.
    pub fn join(&self, joining: Joining) -> PeerHandle {
        let id = self.next.fetch_add(1, Relaxed);
        let (events_tx, events) = mpsc::unbounded_channel();
        let _ = self.commands.send(Command::Join {
            peer: id,
            joining,
            events: events_tx,
        });
        PeerHandle {
            id,
            commands: self.commands.clone(),
            events,
        }
    }

    /// Who is in which of a meeting's calls now, and who speaks (calls with nobody in
    /// them are left out).
    pub async fn roster(&self, session: &str) -> Vec<CallRoster> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = self.commands.send(Command::Roster(session.to_owned(), tx));
        rx.await.unwrap_or_default()
    }

    /// Ends every call of a meeting (it was closed): its peers are disconnected.
    pub fn end_session(&self, session: &str) {
        let _ = self.commands.send(Command::EndSession(session.to_owned()));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutState {
    ToOpen,
    Negotiating(Mid),
    Open(Mid),
    ToStop(Mid),
    NegotiatingStop(Mid),
}

struct Out {
    source: Source<Mid>,
    kind: Kind,
    state: OutState,
    /// The simulcast layer forwarded on it now; `None` until a keyframe of the wanted
    /// layer starts it.
    rid: Option<Layer>,
}

impl Out {
    fn mid(&self) -> Option<Mid> {
        match self.state {
            OutState::ToOpen => None,
            OutState::Negotiating(m)
            | OutState::Open(m)
            | OutState::ToStop(m)
            | OutState::NegotiatingStop(m) => Some(m),
        }
    }

    fn stopping(&self) -> bool {
        matches!(
            self.state,
            OutState::ToStop(_) | OutState::NegotiatingStop(_)
        )
    }
}

struct Peer {
    rtc: Rtc,
    /// The section of the browser's offer that carries its shared screen.
    screen_mid: Option<Mid>,
    name: String,
    role: String,
    audio: bool,
    video: bool,
    connected: bool,
    pending: Option<SdpPendingOffer>,
    outs: Vec<Out>,
    /// The last keyframe request sent for each of this peer's tracks (and layers).
    keyframes: BTreeMap<(Mid, Option<Layer>), Instant>,
    /// The simulcast layer this peer wants of the videos it receives (its tiles' size).
    layer: Layer,
    /// Its connection's last report: bytes so far each way, when, bitrates and losses.
    stats: Option<PeerStatsSeen>,
    events: mpsc::UnboundedSender<PeerEvent>,
    last_peers: String,
    last_speaking: String,
    /// The last audio packet loud enough to be speech, and whether the peer speaks now.
    loud_at: Option<Instant>,
    speaking: bool,
    /// When the router last heard this peer speak (its last-N rank).
    ranked_at: Option<Instant>,
    /// The publishers whose video this peer is forwarded now (last-N).
    shown: std::collections::BTreeSet<PeerId>,
}

/// What the SFU keeps of a connection's statistics.
#[derive(Debug, Clone, Copy)]
struct PeerStatsSeen {
    at: Instant,
    bytes_rx: u64,
    bytes_tx: u64,
    bps_rx: u64,
    bps_tx: u64,
    loss_in: Option<f32>,
    loss_out: Option<f32>,
}

/// What one peer's output means for the others.
enum Propagate {
    /// A track the browser sends (refused unless the peer may publish).
    Publish {
        mid: Mid,
        kind: Kind,
    },
    /// Boxed: a media packet is large, and the other variants small.
    Media(PeerId, Box<MediaData>),
    Keyframe {
        source: Source<Mid>,
        /// The layer the receiver gets, if the source sends several.
        rid: Option<Layer>,
    },
    Changed,
}

struct Sfu {
    socket: UdpSocket,
    local: SocketAddr,
    announced: SocketAddr,
    peers: BTreeMap<PeerId, Peer>,
    router: Router<Mid>,
    metrics: Arc<MediaMetrics>,
    /// The origin of the router's speaking clock.
    epoch: Instant,
    /// When each simulcast layer of each video last arrived.
    arriving: BTreeMap<Source<Mid>, BTreeMap<Layer, Instant>>,
    /// When the gauges were last updated.
    gauges_at: Instant,
}

#[derive(Serialize)]
struct PeersMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    call: Option<&'a str>,
    peers: Vec<PeerView<'a>>,
}

#[derive(Serialize)]
struct PeerView<'a> {
    /// The stream id of this peer's tracks (`msid`), as the browser sees it.
    stream: String,
    member: &'a str,
    name: &'a str,
    role: &'a str,
    audio: bool,
    video: bool,
    /// Whether this receiver is forwarded their video now (last-N: the latest speakers).
    shown: bool,
    /// The stream id of the screen they share now, if they do.
    #[serde(skip_serializing_if = "Option::is_none")]
    screen: Option<String>,
}

#[derive(Serialize)]
struct SpeakingMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    call: Option<&'a str>,
    /// The stream ids (as in `peers`) of those in the call who speak now, the
    /// receiver's own included.
    streams: Vec<String>,
}

fn stream_id(peer: PeerId) -> String {
    format!("p{peer}")
}

/// The stream id a track is forwarded under: its peer's, or for a shared screen a stream
/// of its own (so a receiver tells the screen from the camera).
fn stream_of(peer: PeerId, kind: Kind) -> String {
    match kind {
        Kind::Screen => format!("p{peer}s"),
        Kind::Audio | Kind::Video => stream_id(peer),
    }
}

impl Sfu {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let deadline = self.drive();
            let wait = deadline.saturating_duration_since(Instant::now());
            tokio::select! {
                r = self.socket.recv_from(&mut buf) => match r {
                    Ok((n, source)) => {
                        self.metrics.bytes_in.fetch_add(n as u64, Relaxed);
                        self.receive(&buf[..n], source);
                    }
                    Err(e) => {
                        // ICMP port unreachable and the like: a browser went away.
                        tracing::debug!(error = %e, "media socket read");
                    }
                },
                c = commands.recv() => match c {
                    Some(c) => self.command(c),
                    None => break,
                },
                _ = tokio::time::sleep(wait) => {}
            }
            let now = Instant::now();
            let mut quiet = Vec::new();
            for (id, peer) in self.peers.iter_mut() {
                if peer.rtc.handle_input(Input::Timeout(now)).is_err() {
                    peer.rtc.disconnect();
                }
                if peer.speaking
                    && peer
                        .loud_at
                        .is_none_or(|t| now.duration_since(t) > SPEAKING_HOLD)
                {
                    peer.speaking = false;
                    quiet.push(*id);
                }
            }
            if !quiet.is_empty() {
                let mut ids: Vec<PeerId> =
                    quiet.into_iter().flat_map(|q| self.call_of(q)).collect();
                ids.sort_unstable();
                ids.dedup();
                self.announce(&ids);
            }
            if now.duration_since(self.gauges_at) >= STATS_INTERVAL {
                self.gauges();
            }
        }
        for (_, p) in std::mem::take(&mut self.peers) {
            let _ = p
                .events
                .send(PeerEvent::Closed("media server stopped".into()));
        }
    }

    fn receive(&mut self, data: &[u8], source: SocketAddr) {
        let Ok(contents) = data.try_into() else {
            return; // not STUN, DTLS, RTP or RTCP
        };
        let input = Input::Receive(
            Instant::now(),
            Receive {
                proto: Protocol::Udp,
                source,
                destination: self.local,
                contents,
            },
        );
        if let Some((id, peer)) = self.peers.iter_mut().find(|(_, p)| p.rtc.accepts(&input)) {
            if let Err(e) = peer.rtc.handle_input(input) {
                tracing::info!(peer = id, error = %e, "media peer refused input: disconnected");
                peer.rtc.disconnect();
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Join {
                peer,
                joining,
                events,
            } => self.join(peer, joining, events),
            Command::Answer(id, answer) => self.answer(id, answer),
            Command::SetCall(id, call) => {
                if self.router.set_call(id, call) {
                    self.changed();
                }
            }
            Command::SetState {
                peer,
                audio,
                video,
                screen,
            } => {
                let Some(p) = self.peers.get_mut(&peer) else {
                    return;
                };
                let shown = (p.audio, p.video) != (audio, video);
                p.audio = audio;
                p.video = video;
                if self.router.set_sharing(peer, screen) {
                    // a screen track to forward or to stop
                    self.changed();
                } else if shown {
                    // only what the peer's call mates are told changes
                    let ids = self.call_of(peer);
                    self.announce(&ids);
                }
            }
            Command::Roster(session, reply) => {
                let _ = reply.send(self.roster(&session));
            }
            Command::SetVideos(peer, videos, layer) => {
                // the layer is read as media arrives; the number changes what this one
                // peer is shown
                if let Some(p) = self.peers.get_mut(&peer) {
                    p.layer = layer;
                }
                if self.router.set_videos(peer, videos) {
                    self.announce(&[peer]);
                }
            }
            Command::Leave(id) => self.remove(id, None),
            Command::EndSession(session) => {
                for id in self.router.peers_of_session(&session) {
                    self.remove(id, Some("the meeting was closed"));
                }
            }
        }
    }

    fn roster(&self, session: &str) -> Vec<CallRoster> {
        let mut calls: BTreeMap<&str, Vec<RosterPeer>> = BTreeMap::new();
        for id in self.router.peers_of_session(session) {
            let (Some(info), Some(p)) = (self.router.peer(id), self.peers.get(&id)) else {
                continue;
            };
            let Some(call) = info.call.as_deref() else {
                continue;
            };
            calls.entry(call).or_default().push(RosterPeer {
                member: info.member.clone(),
                name: p.name.clone(),
                role: p.role.clone(),
                audio: p.audio && info.may_publish,
                video: p.video && info.may_publish,
                speaking: p.speaking,
                screen: self.router.sharing(id),
            });
        }
        calls
            .into_iter()
            .map(|(call, peers)| CallRoster {
                call: call.to_owned(),
                peers,
            })
            .collect()
    }

    fn join(&mut self, id: PeerId, joining: Joining, events: mpsc::UnboundedSender<PeerEvent>) {
        let Joining {
            info,
            name,
            role,
            offer,
            screen,
        } = joining;
        let refuse = |why: String| {
            let _ = events.send(PeerEvent::Closed(why));
        };
        if let Err(e) = sdp::check(&offer) {
            self.metrics.refused_tracks.fetch_add(1, Relaxed);
            return refuse(e.to_string());
        }
        if !info.may_publish && sdp::sends_media(&offer) {
            self.metrics.refused_tracks.fetch_add(1, Relaxed);
            return refuse(sdp::SdpRefused::SendsMedia.to_string());
        }
        let offer = match SdpOffer::from_sdp_string(&offer) {
            Ok(o) => o,
            Err(e) => return refuse(format!("bad SDP offer: {e}")),
        };
        let mut rtc = Rtc::builder()
            .set_stats_interval(Some(STATS_INTERVAL))
            .build(Instant::now());
        match Candidate::host(self.announced, "udp") {
            Ok(c) => {
                rtc.add_local_candidate(c);
            }
            Err(e) => return refuse(format!("no media address: {e}")),
        }
        let answer = match rtc.sdp_api().accept_offer(offer) {
            Ok(a) => a,
            Err(e) => return refuse(format!("offer not accepted: {e}")),
        };
        let answer = answer.to_sdp_string();
        self.router.join(id, info);
        self.peers.insert(
            id,
            Peer {
                rtc,
                screen_mid: screen.as_deref().map(Mid::from),
                name,
                role,
                audio: true,
                video: true,
                connected: false,
                pending: None,
                outs: Vec::new(),
                keyframes: BTreeMap::new(),
                layer: Layer::default(),
                stats: None,
                events,
                last_peers: String::new(),
                last_speaking: String::new(),
                loud_at: None,
                speaking: false,
                ranked_at: None,
                shown: Default::default(),
            },
        );
        // the answer is the peer's first event; the call list follows
        if let Some(p) = self.peers.get(&id) {
            let _ = p.events.send(PeerEvent::Answer(answer));
        }
        self.changed();
    }

    fn answer(&mut self, id: PeerId, answer: String) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        let parsed = sdp::check(&answer)
            .map_err(|e| e.to_string())
            .and_then(|()| SdpAnswer::from_sdp_string(&answer).map_err(|e| e.to_string()));
        let Some(pending) = peer.pending.take() else {
            return; // an answer nobody asked for: ignored
        };
        let accepted = parsed.and_then(|a| {
            peer.rtc
                .sdp_api()
                .accept_answer(pending, a)
                .map_err(|e| e.to_string())
        });
        if let Err(e) = accepted {
            tracing::info!(peer = id, error = %e, "media peer's answer refused: disconnected");
            self.remove(id, Some(&format!("answer refused: {e}")));
            return;
        }
        let mut opened = Vec::new();
        for out in &mut peer.outs {
            if let OutState::Negotiating(m) = out.state {
                out.state = OutState::Open(m);
                opened.push(out.source.clone());
            }
        }
        peer.outs
            .retain(|o| !matches!(o.state, OutState::NegotiatingStop(_)));
        // A receiver that starts getting a video needs a keyframe to show anything.
        for source in opened {
            self.request_keyframe(&source, None, true);
        }
        self.changed();
    }

    fn remove(&mut self, id: PeerId, why: Option<&str>) {
        self.router.leave(id);
        self.arriving.retain(|s, _| s.peer != id);
        if let Some(mut p) = self.peers.remove(&id) {
            p.rtc.disconnect();
            if let Some(why) = why {
                let _ = p.events.send(PeerEvent::Closed(why.to_owned()));
            }
        }
        self.changed();
    }

    /// An audio packet of `from` at `level` (RFC 6464): a loud one after a silence starts
    /// them speaking, which may change whose videos are shown.
    fn heard(&mut self, from: PeerId, level: Option<i8>) {
        let Some(p) = self.peers.get_mut(&from) else {
            return;
        };
        if level.is_none_or(|l| l < SPEAKING_LEVEL) || !p.audio {
            return;
        }
        let now = Instant::now();
        p.loud_at = Some(now);
        // who speaks on ranks first: a speaking start, and every second of speaking
        let rank = !p.speaking
            || p.ranked_at
                .is_none_or(|t| now.duration_since(t) >= SPEAKING_RANK);
        if rank {
            p.speaking = true;
            p.ranked_at = Some(now);
            let at = now.duration_since(self.epoch).as_millis() as u64;
            self.router.spoke(from, at);
            // only this call's last-N and speakers change
            let ids = self.call_of(from);
            self.announce(&ids);
        }
    }

    /// The peer and everyone in its call.
    fn call_of(&self, peer: PeerId) -> Vec<PeerId> {
        let mut ids = self.router.call_mates(peer);
        ids.push(peer);
        ids
    }

    /// The gauges of `/metrics`: after every change of who is where, and once a second
    /// (speakers and bitrates change between). The bitrates are summed and the losses
    /// averaged over every connection's last report.
    fn gauges(&mut self) {
        self.gauges_at = Instant::now();
        let m = &self.metrics;
        m.calls.store(self.router.calls().len() as u64, Relaxed);
        m.peers.store(self.peers.len() as u64, Relaxed);
        m.publishers.store(self.router.publishers() as u64, Relaxed);
        m.forwarded.store(self.router.forwarded() as u64, Relaxed);
        let seen: Vec<PeerStatsSeen> = self.peers.values().filter_map(|p| p.stats).collect();
        let mean = |f: fn(&PeerStatsSeen) -> Option<f32>| {
            let v: Vec<f64> = seen.iter().filter_map(f).map(f64::from).collect();
            if v.is_empty() {
                0
            } else {
                (v.iter().sum::<f64>() / v.len() as f64 * 1e6) as u64
            }
        };
        m.bitrate_in
            .store(seen.iter().map(|s| s.bps_rx).sum(), Relaxed);
        m.bitrate_out
            .store(seen.iter().map(|s| s.bps_tx).sum(), Relaxed);
        m.loss_in_ppm.store(mean(|s| s.loss_in), Relaxed);
        m.loss_out_ppm.store(mean(|s| s.loss_out), Relaxed);
    }

    /// Asks a publisher for a keyframe of one of its tracks: of one simulcast layer
    /// (`rid`), or of every layer arriving (`None`). At most one per track and layer per
    /// half second unless `force`.
    fn request_keyframe(&mut self, source: &Source<Mid>, rid: Option<Layer>, force: bool) {
        let rids: Vec<Option<Layer>> = match rid {
            Some(r) => vec![Some(r)],
            None => match self.arriving.get(source) {
                Some(layers) if !layers.is_empty() => layers.keys().copied().map(Some).collect(),
                _ => vec![None],
            },
        };
        let Some(p) = self.peers.get_mut(&source.peer) else {
            return;
        };
        let now = Instant::now();
        for rid in rids {
            if !force
                && p.keyframes
                    .get(&(source.track, rid))
                    .is_some_and(|t| now.duration_since(*t) < Duration::from_millis(500))
            {
                continue;
            }
            if let Some(mut w) = p.rtc.writer(source.track) {
                let asked = rid.map(|l| Rid::from(l.rid()));
                if w.request_keyframe(asked, KeyframeRequestKind::Pli).is_ok() {
                    p.keyframes.insert((source.track, rid), now);
                    self.metrics.keyframe_requests.fetch_add(1, Relaxed);
                }
            }
        }
    }

    /// After any change of who is where: every peer's forwarded tracks and call list are
    /// made to match the router, and the metrics updated.
    fn changed(&mut self) {
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in ids {
            let wanted = self.router.wanted(id);
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            for out in &mut peer.outs {
                if !wanted.contains_key(&out.source) {
                    match out.state {
                        OutState::Open(m) => out.state = OutState::ToStop(m),
                        OutState::ToOpen => {}
                        _ => {}
                    }
                }
            }
            peer.outs
                .retain(|o| o.state != OutState::ToOpen || wanted.contains_key(&o.source));
            for (source, kind) in &wanted {
                if !peer
                    .outs
                    .iter()
                    .any(|o| &o.source == source && !o.stopping())
                {
                    peer.outs.push(Out {
                        source: source.clone(),
                        kind: *kind,
                        state: OutState::ToOpen,
                        rid: None,
                    });
                }
            }
            negotiate(id, peer);
        }
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        self.announce(&ids);
        self.gauges();
    }

    /// After a change of who is where or who speaks, for the peers it concerns: each
    /// one's shown videos (a newly shown one is asked for a keyframe, so it shows at
    /// once), its call list and its call's speakers, each sent when it changed.
    fn announce(&mut self, ids: &[PeerId]) {
        let mut keyframes = Vec::new();
        for id in ids {
            let shown = self.router.shown(*id);
            let Some(p) = self.peers.get_mut(id) else {
                continue;
            };
            for newly in shown.difference(&p.shown) {
                keyframes.extend(
                    self.router
                        .wanted(*id)
                        .into_keys()
                        .filter(|s| s.peer == *newly && self.router.kind(s) == Some(Kind::Video))
                        .map(|s| (*id, s)),
                );
            }
            p.shown = shown;
        }
        for (to, source) in keyframes {
            // a video shown anew starts at a keyframe, on any layer
            if let Some(out) = self
                .peers
                .get_mut(&to)
                .and_then(|p| p.outs.iter_mut().find(|o| o.source == source))
            {
                out.rid = None;
            }
            self.request_keyframe(&source, None, true);
        }
        for &id in ids {
            let mates = self.router.call_mates(id);
            let call = self.router.peer(id).and_then(|i| i.call.as_deref());
            let Some(me) = self.peers.get(&id) else {
                continue;
            };
            let peers = mates
                .iter()
                .filter_map(|m| {
                    let p = self.peers.get(m)?;
                    let info = self.router.peer(*m)?;
                    Some(PeerView {
                        stream: stream_id(*m),
                        member: &info.member,
                        name: &p.name,
                        role: &p.role,
                        audio: p.audio && info.may_publish,
                        video: p.video && info.may_publish,
                        shown: me.shown.contains(m),
                        screen: self.router.sharing(*m).then(|| stream_of(*m, Kind::Screen)),
                    })
                })
                .collect();
            let text = serde_json::to_string(&PeersMessage {
                kind: "peers",
                call,
                peers,
            })
            .unwrap_or_default();
            let streams = std::iter::once(id)
                .chain(mates.iter().copied())
                .filter(|m| self.peers.get(m).is_some_and(|p| p.speaking))
                .map(stream_id)
                .collect();
            let speaking = serde_json::to_string(&SpeakingMessage {
                kind: "speaking",
                call,
                streams,
            })
            .unwrap_or_default();
            if let Some(p) = self.peers.get_mut(&id) {
                if p.last_peers != text {
                    p.last_peers = text.clone();
                    let _ = p.events.send(PeerEvent::Peers(text));
                }
                if p.last_speaking != speaking {
                    p.last_speaking = speaking.clone();
                    let _ = p.events.send(PeerEvent::Peers(speaking));
                }
            }
        }
    }

    /// Polls every peer until each is waiting, sending what they transmit and acting on
    /// their events; returns when the earliest of them wants to be woken.
    fn drive(&mut self) -> Instant {
        loop {
            let mut deadline = Instant::now() + Duration::from_millis(100);
            let mut propagate = Vec::new();
            let mut dead = Vec::new();
            for (id, peer) in self.peers.iter_mut() {
                loop {
                    if !peer.rtc.is_alive() {
                        dead.push(*id);
                        break;
                    }
                    match peer.rtc.poll_output() {
                        Ok(Output::Timeout(t)) => {
                            deadline = deadline.min(t);
                            break;
                        }
                        Ok(Output::Transmit(t)) => {
                            if self.socket.try_send_to(&t.contents, t.destination).is_ok() {
                                self.metrics
                                    .bytes_out
                                    .fetch_add(t.contents.len() as u64, Relaxed);
                            }
                        }
                        Ok(Output::Event(e)) => {
                            if let Some(p) = event(*id, peer, e) {
                                propagate.push((*id, p));
                            }
                        }
                        Err(e) => {
                            tracing::info!(peer = id, error = %e, "media peer failed");
                            peer.rtc.disconnect();
                        }
                    }
                }
            }
            for id in dead {
                self.remove(id, Some("media connection lost"));
            }
            if propagate.is_empty() {
                return deadline;
            }
            for (id, p) in propagate {
                self.propagate(id, p);
            }
        }
    }

    fn propagate(&mut self, id: PeerId, p: Propagate) {
        match p {
            Propagate::Publish { mid, kind } => match self.router.publish(id, mid, kind) {
                Ok(()) => self.changed(),
                Err(e) => {
                    // An observer's browser sends media (a hand-written offer, or an
                    // answer that turned a section around): the peer is disconnected.
                    self.metrics.refused_tracks.fetch_add(1, Relaxed);
                    tracing::info!(peer = id, "media refused: {e}");
                    self.remove(id, Some(&e.to_string()));
                }
            },
            Propagate::Changed => {
                // tracks added or refused, or the connection is up: reconcile everyone
                self.changed();
            }
            Propagate::Keyframe { source, rid } => self.request_keyframe(&source, rid, false),
            Propagate::Media(from, data) => {
                let source = Source {
                    peer: from,
                    track: data.mid,
                };
                let kind = match self.router.kind(&source) {
                    Some(k) => k,
                    None => return,
                };
                if kind == Kind::Audio {
                    self.heard(from, data.ext_vals.audio_level);
                }
                let video = kind != Kind::Audio;
                if video && !data.contiguous {
                    self.request_keyframe(&source, data.rid.and_then(|r| Layer::of_rid(&r)), false);
                }
                // simulcast: the layers of this video arriving now
                let now = Instant::now();
                let this = data.rid.and_then(|r| Layer::of_rid(&r));
                let arriving: std::collections::BTreeSet<Layer> = match this {
                    Some(layer) => {
                        let seen = self.arriving.entry(source.clone()).or_default();
                        seen.insert(layer, now);
                        seen.retain(|_, t| now.duration_since(*t) < LAYER_GONE);
                        seen.keys().copied().collect()
                    }
                    None => Default::default(),
                };
                let mut wanted_keyframes = Vec::new();
                for to in self.router.receivers(&source) {
                    let Some(peer) = self.peers.get_mut(&to) else {
                        continue;
                    };
                    if kind == Kind::Video && !peer.shown.contains(&from) {
                        continue; // last-N: not among this receiver's videos now
                    }
                    let layer = peer.layer;
                    let Some(out) = peer
                        .outs
                        .iter_mut()
                        .find(|o| o.source == source && matches!(o.state, OutState::Open(_)))
                    else {
                        continue;
                    };
                    let Some(mid) = out.mid() else {
                        continue;
                    };
                    if data.rid.is_some() {
                        // simulcast: a switch of layer waits for a keyframe of the new
                        // one, and until then the old one goes on; a rid the web client
                        // never sends is not forwarded
                        let Some(this) = this else {
                            continue;
                        };
                        if out.rid != Some(this) {
                            if layer.forward(&arriving) != Some(this) {
                                continue;
                            }
                            if !data.is_keyframe() {
                                wanted_keyframes.push(this);
                                continue;
                            }
                            out.rid = Some(this);
                        }
                    }
                    let Some(writer) = peer.rtc.writer(mid) else {
                        continue;
                    };
                    let Some(pt) = writer.match_params(data.params) else {
                        continue;
                    };
                    if let Err(e) =
                        writer.write(pt, data.network_time, data.time, data.data.clone())
                    {
                        tracing::info!(peer = to, error = %e, "media write failed: disconnected");
                        peer.rtc.disconnect();
                    }
                }
                wanted_keyframes.sort();
                wanted_keyframes.dedup();
                for rid in wanted_keyframes {
                    self.request_keyframe(&source, Some(rid), false);
                }
            }
        }
    }
}

/// Acts on one event of one peer; what concerns the others is returned.
fn event(id: PeerId, peer: &mut Peer, e: Event) -> Option<Propagate> {
    match e {
        Event::Connected => {
            peer.connected = true;
            Some(Propagate::Changed)
        }
        Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
            peer.rtc.disconnect();
            None
        }
        Event::MediaAdded(m) if m.direction.is_receiving() => {
            // Media the browser sends. What the server offered to send (its own SendOnly
            // sections) comes back here too, and is not a track.
            let kind = match m.kind {
                MediaKind::Audio => Kind::Audio,
                MediaKind::Video if peer.screen_mid == Some(m.mid) => Kind::Screen,
                MediaKind::Video => Kind::Video,
            };
            Some(Propagate::Publish { mid: m.mid, kind })
        }
        Event::MediaData(data) => Some(Propagate::Media(id, Box::new(data))),
        Event::PeerStats(st) => {
            // bits per second since the previous report (none before the first)
            let before = peer.stats;
            let bps = |now: u64, then: fn(&PeerStatsSeen) -> u64| match before {
                Some(b) if st.timestamp > b.at => {
                    let secs = st.timestamp.duration_since(b.at).as_secs_f64();
                    (now.saturating_sub(then(&b)) as f64 * 8.0 / secs) as u64
                }
                _ => 0,
            };
            peer.stats = Some(PeerStatsSeen {
                at: st.timestamp,
                bytes_rx: st.peer_bytes_rx,
                bytes_tx: st.peer_bytes_tx,
                bps_rx: bps(st.peer_bytes_rx, |b| b.bytes_rx),
                bps_tx: bps(st.peer_bytes_tx, |b| b.bytes_tx),
                loss_in: st.ingress_loss_fraction,
                loss_out: st.egress_loss_fraction,
            });
            None // summed into /metrics by the next gauges
        }
        Event::KeyframeRequest(req) => {
            let out = peer.outs.iter().find(|o| o.mid() == Some(req.mid))?;
            Some(Propagate::Keyframe {
                source: out.source.clone(),
                rid: out.rid,
            })
        }
        _ => None,
    }
}

/// Offers the browser the tracks to add and to stop, unless an offer is already waiting
/// for its answer or the connection is not up yet.
fn negotiate(id: PeerId, peer: &mut Peer) {
    if !peer.connected || peer.pending.is_some() {
        return;
    }
    let mut change = peer.rtc.sdp_api();
    for out in &mut peer.outs {
        match out.state {
            OutState::ToOpen => {
                let kind = match out.kind {
                    Kind::Audio => MediaKind::Audio,
                    Kind::Video | Kind::Screen => MediaKind::Video,
                };
                let mid = change.add_media(
                    kind,
                    Direction::SendOnly,
                    Some(stream_of(out.source.peer, out.kind)),
                    None,
                    None,
                );
                out.state = OutState::Negotiating(mid);
            }
            OutState::ToStop(mid) => {
                change.stop_media(mid);
                out.state = OutState::NegotiatingStop(mid);
            }
            _ => {}
        }
    }
    if !change.has_changes() {
        return;
    }
    let Some((offer, pending)) = change.apply() else {
        return;
    };
    peer.pending = Some(pending);
    tracing::debug!(peer = id, "media renegotiation offered");
    let _ = peer.events.send(PeerEvent::Offer(offer.to_sdp_string()));
}
