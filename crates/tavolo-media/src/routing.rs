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

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Audio,
    Video,
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

/// The routing table: peers, their calls and their published tracks.
#[derive(Debug, Clone)]
pub struct Router<T: Ord + Clone> {
    peers: BTreeMap<PeerId, PeerInfo>,
    tracks: BTreeMap<Source<T>, Kind>,
}

impl<T: Ord + Clone> Default for Router<T> {
    fn default() -> Self {
        Router {
            peers: BTreeMap::new(),
            tracks: BTreeMap::new(),
        }
    }
}

/// A call, as `/metrics` and the console count it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CallKey {
    pub session: String,
    pub call: String,
}

impl<T: Ord + Clone> Router<T> {
    pub fn join(&mut self, peer: PeerId, info: PeerInfo) {
        self.peers.insert(peer, info);
    }

    /// Removes the peer and every track it published.
    pub fn leave(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
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
            .filter(|(s, _)| {
                self.peers
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
        if !self.tracks.contains_key(source) {
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

    /// Tracks forwarded now, counted once per receiver.
    pub fn forwarded(&self) -> usize {
        self.tracks.keys().map(|s| self.receivers(s).len()).sum()
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
