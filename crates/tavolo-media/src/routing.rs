//! Who is in which call, who may publish, which tracks go to whom: the SFU's decisions,
//! without sockets or WebRTC. The SFU task ([`crate::sfu`]) asks this after every
//! change and makes each browser's connection match the answer.
//!
//! A *peer* is one browser connection (one signalling socket, one RTCPeerConnection). A
//! *call* is a room of a meeting (the plenary or a breakout group): the server decides
//! which one each peer is in from the room state, and changing it only changes what is
//! forwarded — the browser's connection, camera and microphone stay as they are.

use std::collections::{BTreeMap, BTreeSet};

/// One browser connection.
pub type PeerId = u64;

/// Audio, the camera's video, or a shared screen (a video too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Audio,
    Video,
    /// A screen or window the publisher shares: forwarded to everyone in the call while
    /// they share it, whatever last-N says, and never with a lower layer.
    Screen,
}

/// What the router knows of a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The person (participant or facilitator id): two tabs of one person never get
    /// each other's tracks.
    pub member: String,
    /// The meeting: calls of different meetings never mix, even with equal room ids.
    pub session: String,
    /// The call (room id) the peer is in; `None`: connected but in no call (left).
    pub call: Option<String>,
    /// Whether the peer may publish (facilitators and participants; never observers).
    pub may_publish: bool,
}

/// A source track: the peer that sends it and its id on that peer's connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source<T> {
    pub peer: PeerId,
    pub track: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The peer may not publish (an observer): its track is refused.
    NotAPublisher,
    /// No such peer (it left).
    UnknownPeer,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refused::NotAPublisher => "observers only listen and watch: tracks are refused",
            Refused::UnknownPeer => "this connection has left",
        })
    }
}

impl std::error::Error for Refused {}

/// How many videos each receiver gets at most, by default (`--call-last-n`): the people
/// who spoke last.
pub const DEFAULT_LAST_N: usize = 9;

/// The routing table: peers, their calls and their published tracks, and who spoke when.
///
/// Every audio track of a call reaches everyone in it; of the videos, each receiver gets
/// those of the `last_n` people who spoke most recently (the SFU reports a speaker when
/// they start and every second while they go on; those who never spoke come after, in
/// the order they joined), or fewer if it asked for fewer (a small screen, a
/// weak connection). The others' video tracks stay negotiated but carry nothing to it,
/// so a new speaker's video shows without a renegotiation.
#[derive(Debug, Clone)]
pub struct Router<T: Ord + Clone> {
    peers: BTreeMap<PeerId, PeerInfo>,
    tracks: BTreeMap<Source<T>, Kind>,
    /// When each peer was last heard speaking (any monotonic clock, in the SFU's units).
    spoke: BTreeMap<PeerId, u64>,
    /// How many videos a receiver asked for, if fewer than `last_n`.
    videos: BTreeMap<PeerId, usize>,
    last_n: usize,
    /// The peers sharing their screen now.
    sharing: BTreeSet<PeerId>,
}

impl<T: Ord + Clone> Default for Router<T> {
    fn default() -> Self {
        Router::with_last_n(DEFAULT_LAST_N)
    }
}

/// A call, as `/metrics` and the console count it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CallKey {
    pub session: String,
    pub call: String,
}

impl<T: Ord + Clone> Router<T> {
    /// A router that forwards each receiver at most `last_n` videos.
    pub fn with_last_n(last_n: usize) -> Self {
        Router {
            peers: BTreeMap::new(),
            tracks: BTreeMap::new(),
            spoke: BTreeMap::new(),
            videos: BTreeMap::new(),
            last_n,
            sharing: BTreeSet::new(),
        }
    }

    /// Whether the peer shares its screen now: its screen track is forwarded only then.
    /// Returns whether it changed.
    pub fn set_sharing(&mut self, peer: PeerId, sharing: bool) -> bool {
        if !self.peers.get(&peer).is_some_and(|p| p.may_publish) {
            return false;
        }
        if sharing {
            self.sharing.insert(peer)
        } else {
            self.sharing.remove(&peer)
        }
    }

    /// Whether the peer shares its screen now.
    pub fn sharing(&self, peer: PeerId) -> bool {
        self.sharing.contains(&peer)
    }

    /// The peer was heard speaking at `at` (a clock that never goes back).
    pub fn spoke(&mut self, peer: PeerId, at: u64) {
        if self.peers.contains_key(&peer) {
            self.spoke.insert(peer, at);
        }
    }

    /// The receiver wants at most `n` videos (never more than the router's `last_n`).
    /// Returns whether it changed.
    pub fn set_videos(&mut self, receiver: PeerId, n: usize) -> bool {
        if !self.peers.contains_key(&receiver) {
            return false;
        }
        let n = n.min(self.last_n);
        self.videos.insert(receiver, n) != Some(n)
    }

    /// The peers whose video is forwarded to `receiver` now: of those whose video reaches
    /// it, the ones who spoke last, at most its number of videos.
    pub fn shown(&self, receiver: PeerId) -> BTreeSet<PeerId> {
        let limit = self.videos.get(&receiver).copied().unwrap_or(self.last_n);
        let mut candidates: Vec<PeerId> = self
            .wanted(receiver)
            .into_iter()
            .filter(|(_, k)| *k == Kind::Video)
            .map(|(s, _)| s.peer)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // the latest speaker first; those who never spoke after, the first to join first
        candidates.sort_by_key(|p| (std::cmp::Reverse(self.spoke.get(p).copied()), *p));
        candidates.into_iter().take(limit).collect()
    }

    /// The kind of a published track.
    pub fn kind(&self, source: &Source<T>) -> Option<Kind> {
        self.tracks.get(source).copied()
    }

    pub fn join(&mut self, peer: PeerId, info: PeerInfo) {
        self.peers.insert(peer, info);
    }

    /// Removes the peer and every track it published.
    pub fn leave(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
        self.spoke.remove(&peer);
        self.videos.remove(&peer);
        self.sharing.remove(&peer);
        self.tracks.retain(|s, _| s.peer != peer);
    }

    pub fn peer(&self, peer: PeerId) -> Option<&PeerInfo> {
        self.peers.get(&peer)
    }

    /// Moves the peer to another call (or out of every call). Returns whether it changed.
    pub fn set_call(&mut self, peer: PeerId, call: Option<String>) -> bool {
        match self.peers.get_mut(&peer) {
            Some(p) if p.call != call => {
                p.call = call;
                true
            }
            _ => false,
        }
    }

    /// A track the peer's browser sends: refused unless the peer may publish.
    pub fn publish(&mut self, peer: PeerId, track: T, kind: Kind) -> Result<(), Refused> {
        let info = self.peers.get(&peer).ok_or(Refused::UnknownPeer)?;
        if !info.may_publish {
            return Err(Refused::NotAPublisher);
        }
        self.tracks.insert(Source { peer, track }, kind);
        Ok(())
    }

    pub fn unpublish(&mut self, peer: PeerId, track: &T) {
        self.tracks.remove(&Source {
            peer,
            track: track.clone(),
        });
    }

    /// Whether a track is live: a screen track only while its peer shares.
    fn live(&self, source: &Source<T>, kind: Kind) -> bool {
        kind != Kind::Screen || self.sharing.contains(&source.peer)
    }

    /// Whether `from`'s media reaches `to`: same meeting, same call, another person,
    /// and `from` may publish.
    fn reaches(&self, from: &PeerInfo, to: &PeerInfo) -> bool {
        from.may_publish
            && from.call.is_some()
            && from.session == to.session
            && from.call == to.call
            && from.member != to.member
    }

    /// The source tracks that must be forwarded to `receiver`, with their kinds.
    pub fn wanted(&self, receiver: PeerId) -> BTreeMap<Source<T>, Kind> {
        let Some(to) = self.peers.get(&receiver) else {
            return BTreeMap::new();
        };
        self.tracks
            .iter()
            .filter(|(s, k)| {
                self.live(s, **k)
                    && self
                        .peers
                        .get(&s.peer)
                        .is_some_and(|from| s.peer != receiver && self.reaches(from, to))
            })
            .map(|(s, k)| (s.clone(), *k))
            .collect()
    }

    /// The peers a source track is forwarded to.
    pub fn receivers(&self, source: &Source<T>) -> Vec<PeerId> {
        let Some(from) = self.peers.get(&source.peer) else {
            return Vec::new();
        };
        if !self
            .tracks
            .get(source)
            .is_some_and(|k| self.live(source, *k))
        {
            return Vec::new();
        }
        self.peers
            .iter()
            .filter(|(id, to)| **id != source.peer && self.reaches(from, to))
            .map(|(id, _)| *id)
            .collect()
    }

    /// The peers in the same call as `peer` (itself excluded), whether they publish or not.
    pub fn call_mates(&self, peer: PeerId) -> Vec<PeerId> {
        let Some(me) = self.peers.get(&peer) else {
            return Vec::new();
        };
        if me.call.is_none() {
            return Vec::new();
        }
        self.peers
            .iter()
            .filter(|(id, p)| **id != peer && p.session == me.session && p.call == me.call)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Every call with someone in it, with how many peers are in it.
    pub fn calls(&self) -> BTreeMap<CallKey, usize> {
        let mut calls = BTreeMap::new();
        for p in self.peers.values() {
            if let Some(call) = &p.call {
                *calls
                    .entry(CallKey {
                        session: p.session.clone(),
                        call: call.clone(),
                    })
                    .or_insert(0) += 1;
            }
        }
        calls
    }

    /// Peers in a call that publish at least one track.
    pub fn publishers(&self) -> usize {
        self.tracks
            .keys()
            .map(|s| s.peer)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|p| self.peers.get(p).is_some_and(|i| i.call.is_some()))
            .count()
    }

    /// Tracks forwarded now, counted once per receiver: every audio track and shared
    /// screen, and the videos each receiver is shown.
    pub fn forwarded(&self) -> usize {
        let audio: usize = self
            .tracks
            .iter()
            .filter(|(_, k)| **k != Kind::Video)
            .map(|(s, _)| self.receivers(s).len())
            .sum();
        let video: usize = self
            .peers
            .keys()
            .map(|r| {
                let shown = self.shown(*r);
                self.wanted(*r)
                    .iter()
                    .filter(|(s, k)| **k == Kind::Video && shown.contains(&s.peer))
                    .count()
            })
            .sum();
        audio + video
    }

    /// The peers of a meeting (to end them when it closes).
    pub fn peers_of_session(&self, session: &str) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter(|(_, p)| p.session == session)
            .map(|(id, _)| *id)
            .collect()
    }
}

/// A simulcast layer of a camera's video. The web client sends two (`docs/calls.md`):
/// rid `l` at half resolution and rid `f` at full; each receiver asks for the one that
/// fits its largest video tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Half resolution (rid `l`): the call panel's tiles.
    #[default]
    Low,
    /// Full resolution (rid `f`): a tile as wide as the layer, or full screen.
    Full,
}

impl Layer {
    pub fn rid(self) -> &'static str {
        match self {
            Layer::Low => "l",
            Layer::Full => "f",
        }
    }

    /// The layer of a rid; `None` for a rid the web client does not send (not forwarded).
    pub fn of_rid(rid: &str) -> Option<Layer> {
        match rid {
            "l" => Some(Layer::Low),
            "f" => Some(Layer::Full),
            _ => None,
        }
    }

    /// The layer to forward to a receiver that wants `self`, of those arriving now: the
    /// wanted one, or else the other (a browser drops a layer when its CPU or uplink
    /// cannot keep it); `None` while none arrives.
    pub fn forward(self, arriving: &BTreeSet<Layer>) -> Option<Layer> {
        if arriving.contains(&self) {
            Some(self)
        } else {
            arriving.iter().next().copied()
        }
    }
}

/// The call a member belongs in, from the room state: what the server decides for each
/// connection after every change of the meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement<'a> {
    /// Whether breakout groups are running.
    pub breakout: bool,
    /// The plenary room's id.
    pub plenary: &'a str,
    /// The breakout rooms of the meeting.
    pub groups: &'a [String],
}

/// Who is asking to be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seat<'a> {
    /// A participant, with the group they are assigned to.
    Participant { group: Option<&'a str> },
    /// A facilitator or an observer: they go where they look (the room of the board they
    /// are on), as a facilitator visiting a group is heard in that group.
    Visitor { room: Option<&'a str> },
}

impl Placement<'_> {
    /// The call (room id) of a member: the plenary, unless breakouts are running and the
    /// member belongs in (or is visiting) one of the groups.
    pub fn call_of(&self, seat: Seat) -> String {
        if self.breakout {
            let room = match seat {
                Seat::Participant { group } => group,
                Seat::Visitor { room } => room,
            };
            if let Some(room) = room.filter(|r| self.groups.iter().any(|g| g == r)) {
                return room.to_owned();
            }
        }
        self.plenary.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(member: &str, call: &str, may_publish: bool) -> PeerInfo {
        PeerInfo {
            member: member.into(),
            session: "s1".into(),
            call: Some(call.into()),
            may_publish,
        }
    }

    fn src(peer: PeerId, track: &'static str) -> Source<&'static str> {
        Source { peer, track }
    }

    /// Facilitator (1), three participants (2, 3, 4), an observer (5), all in the plenary.
    fn meeting() -> Router<&'static str> {
        let mut r = Router::default();
        r.join(1, info("fac", "plenary", true));
        r.join(2, info("anna", "plenary", true));
        r.join(3, info("bruno", "plenary", true));
        r.join(4, info("carla", "plenary", true));
        r.join(5, info("oscar", "plenary", false));
        for p in 1..=4 {
            r.publish(p, "a", Kind::Audio).unwrap();
            r.publish(p, "v", Kind::Video).unwrap();
        }
        r
    }

    fn from_peers(r: &Router<&'static str>, receiver: PeerId) -> BTreeSet<PeerId> {
        r.wanted(receiver).keys().map(|s| s.peer).collect()
    }

    #[test]
    fn everyone_in_the_plenary_gets_everyone_else() {
        let r = meeting();
        assert_eq!(from_peers(&r, 1), BTreeSet::from([2, 3, 4]));
        assert_eq!(from_peers(&r, 2), BTreeSet::from([1, 3, 4]));
        assert_eq!(from_peers(&r, 5), BTreeSet::from([1, 2, 3, 4]));
        assert_eq!(r.wanted(2).len(), 6, "audio and video of three people");
        assert_eq!(r.receivers(&src(2, "a")), vec![1, 3, 4, 5]);
        assert_eq!(r.publishers(), 4);
        assert_eq!(r.forwarded(), 4 * 2 * 4);
    }

    #[test]
    fn observers_never_publish() {
        let mut r = meeting();
        assert_eq!(r.publish(5, "a", Kind::Audio), Err(Refused::NotAPublisher));
        assert!(r.receivers(&src(5, "a")).is_empty());
        for p in 1..=4 {
            assert!(!from_peers(&r, p).contains(&5));
        }
        assert_eq!(r.publish(99, "a", Kind::Audio), Err(Refused::UnknownPeer));
    }

    #[test]
    fn breakouts_split_the_call_and_gathering_joins_it() {
        let mut r = meeting();
        assert!(r.set_call(2, Some("g1".into())));
        assert!(r.set_call(3, Some("g1".into())));
        assert!(r.set_call(4, Some("g2".into())));
        assert!(!r.set_call(4, Some("g2".into())), "no change");
        assert_eq!(from_peers(&r, 2), BTreeSet::from([3]));
        assert_eq!(from_peers(&r, 3), BTreeSet::from([2]));
        assert!(from_peers(&r, 4).is_empty(), "alone in g2");
        assert!(
            from_peers(&r, 1).is_empty(),
            "the facilitator is alone in the plenary"
        );
        // the facilitator visits g2: heard there, and no longer in the plenary
        r.set_call(1, Some("g2".into()));
        assert_eq!(from_peers(&r, 4), BTreeSet::from([1]));
        assert_eq!(from_peers(&r, 1), BTreeSet::from([4]));
        assert!(
            from_peers(&r, 5).is_empty(),
            "the observer stayed in the plenary"
        );
        // a person moved from g1 to g2 follows
        r.set_call(3, Some("g2".into()));
        assert_eq!(from_peers(&r, 3), BTreeSet::from([1, 4]));
        assert!(from_peers(&r, 2).is_empty());
        assert_eq!(
            r.calls().values().copied().collect::<Vec<_>>(),
            vec![1, 3, 1]
        );
        // back to the plenary
        for p in 1..=4 {
            r.set_call(p, Some("plenary".into()));
        }
        assert_eq!(from_peers(&r, 2), BTreeSet::from([1, 3, 4]));
    }

    #[test]
    fn leaving_stops_every_track_at_once() {
        let mut r = meeting();
        r.leave(3);
        assert_eq!(from_peers(&r, 2), BTreeSet::from([1, 4]));
        assert!(r.receivers(&src(3, "a")).is_empty());
        // out of every call (the person left the call, their connection stays)
        r.set_call(4, None);
        assert_eq!(from_peers(&r, 2), BTreeSet::from([1]));
        assert!(r.wanted(4).is_empty());
        assert!(r.call_mates(4).is_empty());
        r.unpublish(1, &"v");
        assert_eq!(r.wanted(2).len(), 1);
    }

    #[test]
    fn two_tabs_of_one_person_and_two_meetings_never_mix() {
        let mut r = meeting();
        r.join(6, info("anna", "plenary", true));
        r.publish(6, "a", Kind::Audio).unwrap();
        assert!(!from_peers(&r, 2).contains(&6));
        assert!(!from_peers(&r, 6).contains(&2));
        let mut other = info("zeno", "plenary", true);
        other.session = "s2".into();
        r.join(7, other);
        r.publish(7, "a", Kind::Audio).unwrap();
        assert!(r.wanted(7).is_empty());
        assert!(!from_peers(&r, 1).contains(&7));
        assert_eq!(r.peers_of_session("s2"), vec![7]);
        assert_eq!(r.call_mates(7), Vec::<PeerId>::new());
        assert_eq!(r.call_mates(5), vec![1, 2, 3, 4, 6]);
    }

    /// A plenary of `n` publishers (peers 1..=n) and a router forwarding `last_n` videos.
    fn plenary(n: PeerId, last_n: usize) -> Router<&'static str> {
        let mut r = Router::with_last_n(last_n);
        for p in 1..=n {
            r.join(p, info(&format!("m{p}"), "plenary", true));
            r.publish(p, "a", Kind::Audio).unwrap();
            r.publish(p, "v", Kind::Video).unwrap();
        }
        r
    }

    #[test]
    fn each_receiver_gets_every_voice_and_the_last_speakers_videos() {
        let mut r = plenary(12, 3);
        // nobody spoke yet: the first to join
        assert_eq!(r.shown(1), BTreeSet::from([2, 3, 4]));
        assert_eq!(r.shown(2), BTreeSet::from([1, 3, 4]));
        // every voice still reaches everyone
        assert_eq!(r.receivers(&src(12, "a")).len(), 11);
        r.spoke(10, 1);
        r.spoke(11, 2);
        r.spoke(12, 3);
        assert_eq!(r.shown(1), BTreeSet::from([10, 11, 12]));
        assert_eq!(
            r.shown(12),
            BTreeSet::from([1, 10, 11]),
            "never oneself: the next is the earliest who joined"
        );
        // a new speaker pushes out the one who spoke longest ago
        r.spoke(5, 4);
        assert_eq!(r.shown(1), BTreeSet::from([5, 11, 12]));
        // speaking again moves one to the front
        r.spoke(10, 5);
        assert_eq!(r.shown(1), BTreeSet::from([5, 10, 12]));
        // 12 receivers × 11 voices, and 3 videos each
        assert_eq!(r.forwarded(), 12 * 11 + 12 * 3);
    }

    #[test]
    fn a_receiver_may_ask_for_fewer_videos_never_more() {
        let mut r = plenary(6, 4);
        r.spoke(3, 1);
        r.set_videos(1, 1);
        assert_eq!(r.shown(1), BTreeSet::from([3]));
        r.set_videos(1, 0);
        assert!(r.shown(1).is_empty(), "voices only");
        assert_eq!(r.wanted(1).len(), 10, "the tracks stay negotiated");
        r.set_videos(1, 50);
        assert_eq!(r.shown(1).len(), 4, "capped at the server's last-N");
        // the call's bounds still hold: another call's speaker is never shown
        r.set_call(3, Some("g1".into()));
        assert!(!r.shown(1).contains(&3));
        // who left is forgotten
        r.leave(1);
        r.spoke(1, 9);
        assert!(!r.shown(2).contains(&1));
    }

    #[test]
    fn a_shared_screen_reaches_the_whole_call_while_shared_whatever_last_n() {
        let mut r = plenary(5, 1);
        r.publish(3, "s", Kind::Screen).unwrap();
        assert!(
            r.receivers(&src(3, "s")).is_empty(),
            "negotiated, not yet shared"
        );
        assert!(!r.wanted(1).contains_key(&src(3, "s")));
        assert!(r.set_sharing(3, true));
        assert!(!r.set_sharing(3, true), "no change");
        assert_eq!(r.receivers(&src(3, "s")), vec![1, 2, 4, 5]);
        r.set_videos(1, 0);
        assert_eq!(
            r.wanted(1).get(&src(3, "s")),
            Some(&Kind::Screen),
            "voices only still gets the screen"
        );
        assert!(r.shown(1).is_empty());
        // 5 × 4 voices, 4 screens, 4 receivers × 1 video (1 asked for none)
        assert_eq!(r.forwarded(), 20 + 4 + 4);
        // another call does not get it; stopping stops it
        r.set_call(5, Some("g1".into()));
        assert_eq!(r.receivers(&src(3, "s")), vec![1, 2, 4]);
        r.set_sharing(3, false);
        assert!(r.receivers(&src(3, "s")).is_empty());
        // an observer never shares
        r.join(9, info("oscar", "plenary", false));
        assert!(!r.set_sharing(9, true));
    }

    #[test]
    fn a_receiver_gets_the_layer_it_wants_or_the_one_that_arrives() {
        let both = BTreeSet::from([Layer::Low, Layer::Full]);
        assert_eq!(Layer::Low.forward(&both), Some(Layer::Low));
        assert_eq!(Layer::Full.forward(&both), Some(Layer::Full));
        let low = BTreeSet::from([Layer::Low]);
        assert_eq!(
            Layer::Full.forward(&low),
            Some(Layer::Low),
            "the top layer was dropped"
        );
        assert_eq!(
            Layer::Low.forward(&BTreeSet::from([Layer::Full])),
            Some(Layer::Full)
        );
        assert_eq!(Layer::Low.forward(&BTreeSet::new()), None);
        assert_eq!(Layer::of_rid("l"), Some(Layer::Low));
        assert_eq!(Layer::of_rid("f").map(Layer::rid), Some("f"));
        assert_eq!(Layer::of_rid("x"), None, "a rid the client never sends");
    }

    #[test]
    fn placement_follows_the_room_state() {
        let groups = vec!["g1".to_string(), "g2".to_string()];
        let idle = Placement {
            breakout: false,
            plenary: "r0",
            groups: &groups,
        };
        let running = Placement {
            breakout: true,
            ..idle.clone()
        };
        let anna = Seat::Participant { group: Some("g1") };
        let nobody = Seat::Participant { group: None };
        assert_eq!(idle.call_of(anna), "r0");
        assert_eq!(running.call_of(anna), "g1");
        assert_eq!(running.call_of(nobody), "r0");
        assert_eq!(
            running.call_of(Seat::Participant {
                group: Some("gone")
            }),
            "r0",
            "a group that is not running"
        );
        let visiting = Seat::Visitor { room: Some("g2") };
        assert_eq!(running.call_of(visiting), "g2");
        assert_eq!(
            idle.call_of(visiting),
            "r0",
            "no groups: everyone in the plenary"
        );
        assert_eq!(running.call_of(Seat::Visitor { room: Some("r0") }), "r0");
        assert_eq!(running.call_of(Seat::Visitor { room: None }), "r0");
    }
}
