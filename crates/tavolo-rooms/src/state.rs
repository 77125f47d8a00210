//! The state of a session's rooms, held by the server (not in any board document): a late
//! joiner gets it at once, and it survives a restart (persisted as JSON with the session).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Everyone is in the plenary.
    #[default]
    Plenary,
    /// Breakout groups are running: participants are in their group's room.
    Breakout,
}

/// A timer everyone sees. Running: `ends_at` is set. Paused: `remaining_ms` is what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Timer {
    pub duration_ms: i64,
    #[schema(required = true)]
    pub ends_at: Option<i64>,
    pub remaining_ms: i64,
}

impl Timer {
    pub fn start(duration_ms: i64, now: i64) -> Timer {
        Timer {
            duration_ms,
            ends_at: Some(now + duration_ms),
            remaining_ms: duration_ms,
        }
    }

    pub fn remaining(&self, now: i64) -> i64 {
        match self.ends_at {
            Some(end) => (end - now).max(0),
            None => self.remaining_ms.max(0),
        }
    }

    pub fn pause(&mut self, now: i64) {
        if self.ends_at.is_some() {
            self.remaining_ms = self.remaining(now);
            self.ends_at = None;
        }
    }

    pub fn resume(&mut self, now: i64) {
        if self.ends_at.is_none() {
            self.ends_at = Some(now + self.remaining_ms.max(0));
        }
    }

    pub fn add(&mut self, ms: i64, now: i64) {
        self.duration_ms += ms;
        match &mut self.ends_at {
            Some(end) => *end = (*end).max(now) + ms,
            None => self.remaining_ms = (self.remaining_ms + ms).max(0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Broadcast {
    pub text: String,
    pub at: i64,
}

/// "Bring everyone to me": the facilitator's viewport on a board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Follow {
    pub board: String,
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
    pub at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionState {
    // (`required`: always written, though read with defaults)
    #[serde(default)]
    #[schema(required = true)]
    pub phase: Phase,
    /// The breakout rooms of the current round, in order.
    #[serde(default)]
    #[schema(required = true)]
    pub groups: Vec<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub timer: Option<Timer>,
    #[serde(default)]
    #[schema(required = true)]
    pub message: Option<Broadcast>,
    #[serde(default)]
    #[schema(required = true)]
    pub follow: Option<Follow>,
    /// Boards in private mode (silent brainstorming).
    #[serde(default)]
    #[schema(required = true)]
    pub private: BTreeMap<String, bool>,
    /// The open dot vote of a board, by board id.
    #[serde(default)]
    #[schema(required = true)]
    pub votes: BTreeMap<String, String>,
    /// Gathered results: the plenary board that holds the groups' frames.
    #[serde(default)]
    #[schema(required = true)]
    pub gathered: Option<String>,
}

impl SessionState {
    /// Reads the stored JSON; a damaged value reads as the default state.
    pub fn parse(json: &str) -> SessionState {
        serde_json::from_str(json).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn is_private(&self, board: &str) -> bool {
        self.private.get(board).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_start_pause_add_resume() {
        let mut t = Timer::start(20 * 60_000, 1_000);
        assert_eq!(t.remaining(1_000 + 60_000), 19 * 60_000);
        t.pause(1_000 + 60_000);
        assert_eq!(
            t.remaining(10_000_000),
            19 * 60_000,
            "paused time does not run"
        );
        t.add(5 * 60_000, 10_000_000);
        assert_eq!(t.remaining(10_000_000), 24 * 60_000);
        t.resume(20_000_000);
        assert_eq!(t.remaining(20_000_000 + 60_000), 23 * 60_000);
        t.add(60_000, 20_000_000 + 60_000);
        assert_eq!(t.remaining(20_000_000 + 60_000), 24 * 60_000);
        assert_eq!(t.remaining(i64::MAX / 2), 0);
    }

    #[test]
    fn state_round_trips_and_tolerates_damage() {
        let mut s = SessionState {
            phase: Phase::Breakout,
            groups: vec!["r1".into()],
            ..SessionState::default()
        };
        s.private.insert("b".into(), true);
        assert_eq!(SessionState::parse(&s.to_json()), s);
        assert_eq!(SessionState::parse("not json"), SessionState::default());
        assert_eq!(SessionState::parse("{}"), SessionState::default());
        assert!(s.is_private("b") && !s.is_private("c"));
    }
}
