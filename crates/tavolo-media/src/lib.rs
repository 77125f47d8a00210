//! Voice and video for Tavolo's rooms: a selective forwarding unit (SFU) on str0m.
//!
//! - [`routing`]: who is in which call, who may publish, which tracks go to whom — pure
//!   types without I/O, unit-tested without sockets.
//! - [`sdp`]: the bounds hostile SDP meets before str0m parses it.
//! - [`turn`]: short-lived TURN credentials (the TURN REST API's shared secret) for
//!   browsers on networks that block UDP to the SFU.
//! - [`sfu`]: the one task that owns the UDP socket and every browser's `Rtc`, driven by
//!   commands from the signalling sockets (`tavolo-http`'s `/api/sessions/{id}/call`).

pub mod routing;
pub mod sdp;
pub mod sfu;
pub mod turn;

pub use sfu::{Joining, Media, MediaOptions, PeerEvent, PeerHandle};
