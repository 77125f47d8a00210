//! What a meeting looks like to its clients: the `session` message of the control channel,
//! and the answer of the endpoints that change it (`tavolo-http` serves it as it is; the
//! web client's types are generated from its OpenAPI schema). Building and publishing it
//! is `service::publish`'s.
//!
//! Response structs list their fields in alphabetical order, the order the `json!` maps
//! they replaced wrote their keys in (types embedded whole, such as the room state and
//! presence, keep their own order); names and values are the same.

use crate::access::{Part, Principal};
use crate::live::Presence;
use crate::state::SessionState;
use serde::{Deserialize, Serialize};
use tavolo_board::BoardKind;
use tavolo_store::{ParticipantRow, Role, RoomKind};
use utoipa::ToSchema;

/// Everything a session's clients need to follow it: rooms with their boards, members with
/// their groups, the room state, and who is connected. Invitations are not in it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub closed: bool,
    pub date: String,
    pub id: String,
    /// Who is asking (`GET /api/sessions/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub me: Option<Me>,
    pub members: Vec<MemberView>,
    pub now: i64,
    pub present: Vec<Presence>,
    pub rooms: Vec<RoomView>,
    pub state: SessionState,
    pub title: String,
    /// `"session"` when sent on the control channel (and answered after a change).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    pub workspace: WorkspaceRef,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct WorkspaceRef {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct RoomView {
    pub boards: Vec<BoardSummary>,
    pub id: String,
    pub kind: RoomKind,
    pub name: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct BoardSummary {
    pub id: String,
    pub kind: BoardKind,
    pub locked: bool,
    pub private: bool,
    pub title: String,
    /// The board's open dot vote.
    #[schema(required = true)]
    pub vote: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    #[schema(required = true)]
    pub group: Option<String>,
    pub id: String,
    pub name: String,
    pub role: Role,
}

impl MemberView {
    pub fn of(p: &ParticipantRow) -> MemberView {
        MemberView {
            group: p.group_room.clone(),
            id: p.id.clone(),
            name: p.display_name.clone(),
            role: p.role,
        }
    }
}

/// The asker, in a session's view: a member as in `members`, or the facilitator.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Me {
    Member(MemberView),
    Facilitator {
        id: String,
        /// Always `facilitator`.
        #[schema(value_type = FacilitatorRole)]
        role: Part,
    },
}

/// The facilitator, in answers that say who someone is (documentation only: the value
/// is a [`Part`]).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum FacilitatorRole {
    Facilitator,
}

impl Me {
    pub fn of(who: &Principal) -> Me {
        match who {
            Principal::Member(p) => Me::Member(MemberView::of(p)),
            _ => Me::Facilitator {
                id: who.id().to_owned(),
                role: Part::Facilitator,
            },
        }
    }
}

/// A message of a session's channel as a listener inside the server reads it (the call
/// socket follows the room state with it): the session's view, or who is present now;
/// anything else (a vote's tally, an ending) is `Other`.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Heard {
    Session(Box<SessionView>),
    Presence {
        present: Vec<Presence>,
    },
    #[serde(other)]
    Other,
}

impl Heard {
    /// Reads a channel message; one that is not JSON (none is) is `Other`.
    pub fn parse(message: &str) -> Heard {
        serde_json::from_str(message).unwrap_or(Heard::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Live;

    fn view() -> SessionView {
        SessionView {
            closed: false,
            date: "2026-12-04".into(),
            id: "s1".into(),
            me: None,
            members: vec![MemberView {
                group: Some("g1".into()),
                id: "m1".into(),
                name: "Anna".into(),
                role: Role::Participant,
            }],
            now: 1,
            present: vec![Presence {
                id: "m1".into(),
                name: "Anna".into(),
                role: Part::Participant,
                board: Some("b1".into()),
            }],
            rooms: vec![RoomView {
                boards: vec![BoardSummary {
                    id: "b1".into(),
                    kind: BoardKind::Free,
                    locked: false,
                    private: false,
                    title: "Lavagna".into(),
                    vote: None,
                }],
                id: "g1".into(),
                kind: RoomKind::Breakout,
                name: "Gruppo 1".into(),
            }],
            state: SessionState::default(),
            title: "Incontro".into(),
            message_type: Some("session".into()),
            workspace: WorkspaceRef {
                id: "w1".into(),
                name: "Ambito".into(),
            },
        }
    }

    /// What the call socket reads from the channel is what the server sends on it.
    #[test]
    fn channel_messages_read_back_typed() {
        let text = serde_json::to_string(&view()).unwrap();
        let Heard::Session(read) = Heard::parse(&text) else {
            panic!("a session view is heard as one: {text}");
        };
        assert_eq!(read.members[0].group.as_deref(), Some("g1"));
        assert_eq!(read.rooms[0].kind, RoomKind::Breakout);
        assert_eq!(read.rooms[0].boards[0].id, "b1");
        assert_eq!(read.present[0].board.as_deref(), Some("b1"));
        // and it writes back the same
        let mut again = *read;
        again.message_type = Some("session".into());
        assert_eq!(serde_json::to_string(&again).unwrap(), text);

        let live = Live::default();
        let Heard::Presence { present } = Heard::parse(&live.presence_message("s1")) else {
            panic!("a presence message is heard as one");
        };
        assert!(present.is_empty());

        let vote = r#"{"type":"vote","vote":{"board":"b1","id":"v1","tally":[]}}"#;
        assert!(matches!(Heard::parse(vote), Heard::Other));
        let end = crate::live::end_message(&["m1".into()], 4003, "revoked");
        assert!(matches!(Heard::parse(&end), Heard::Other));
        assert!(matches!(Heard::parse("not json"), Heard::Other));
        assert!(matches!(
            Heard::parse(r#"{"type":"session"}"#),
            Heard::Other
        ));
    }
}
