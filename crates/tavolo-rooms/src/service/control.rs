//! Room control: what the facilitator sets for everyone in the meeting — the timer, a
//! broadcast message (sent again, it replaces the one showing; withdrawn, it leaves every
//! screen), "bring everyone to me". Each is a change of the room state, published.

use super::{text_field, Conflict, Rooms, ServiceError, ServiceResult};
use crate::state::{Broadcast, Follow, Timer};
use crate::view::SessionView;
use serde::Deserialize;
use utoipa::ToSchema;

/// What the facilitator does with the timer.
#[derive(Deserialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimerAction {
    /// Starts (or restarts) a countdown of `seconds`.
    Start,
    Pause,
    Resume,
    /// Adds `seconds` to the running countdown.
    Add,
    Stop,
}

/// A viewport everyone is brought to.
#[derive(Deserialize, ToSchema, Debug, Clone)]
pub struct Viewport {
    pub board: String,
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

impl Rooms<'_> {
    /// Starts, pauses, resumes, lengthens or stops the timer everyone sees; `seconds`
    /// (0 to a day) for starting and adding. Pausing, resuming or adding with no timer
    /// set is a conflict.
    pub async fn timer(
        &self,
        session: &str,
        action: TimerAction,
        seconds: Option<i64>,
    ) -> ServiceResult<SessionView> {
        let now = tavolo_store::now_ms();
        let secs = seconds.unwrap_or(0);
        if !(0..=24 * 3600).contains(&secs) {
            return Err(ServiceError::Invalid(
                "seconds must be between 0 and 86400".into(),
            ));
        }
        self.change_state(session, move |st| {
            use TimerAction::*;
            match (action, st.timer.as_mut()) {
                (Start, _) => st.timer = Some(Timer::start(secs.max(1) * 1000, now)),
                (Pause, Some(t)) => t.pause(now),
                (Resume, Some(t)) => t.resume(now),
                (Add, Some(t)) => t.add(secs * 1000, now),
                (Stop, _) => st.timer = None,
                (Pause | Resume | Add, None) => {
                    return Err(ServiceError::Conflict(Conflict::NoTimer))
                }
            }
            Ok(())
        })
        .await
    }

    /// Shows a message on every screen of the meeting (replacing the one showing).
    pub async fn broadcast(&self, session: &str, text: &str) -> ServiceResult<SessionView> {
        let text = text_field(text, "message", 500)?;
        let at = tavolo_store::now_ms();
        self.change_state(session, move |st| {
            st.message = Some(Broadcast { text, at });
            Ok(())
        })
        .await
    }

    /// Withdraws the broadcast message: the view has none, so every client stops
    /// showing it. Withdrawing when there is none changes nothing.
    pub async fn withdraw_message(&self, session: &str) -> ServiceResult<SessionView> {
        self.change_state(session, move |st| {
            st.message = None;
            Ok(())
        })
        .await
    }

    /// "Bring everyone to me": every client of the meeting jumps to this viewport.
    pub async fn follow(&self, session: &str, to: Viewport) -> ServiceResult<SessionView> {
        if !(to.x.is_finite() && to.y.is_finite() && to.zoom.is_finite() && to.zoom > 0.0) {
            return Err(ServiceError::Invalid(
                "viewport must be finite numbers with zoom > 0".into(),
            ));
        }
        let at = tavolo_store::now_ms();
        self.change_state(session, move |st| {
            st.follow = Some(Follow {
                board: to.board,
                x: to.x,
                y: to.y,
                zoom: to.zoom,
                at,
            });
            Ok(())
        })
        .await
    }
}
