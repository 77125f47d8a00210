//! Who may do what: the one access decision, [`decide`], of which opening a board
//! ([`board_access`]) is one case. The server calls it for every sync connection, every
//! control channel and every endpoint — whether a credential still holds, managing a
//! workspace, a session or a board of it, seeing a session, opening a board, dot voting,
//! the minutes' boards — with the rows it looked up; nothing else decides.

use crate::state::{Phase, SessionState};
use tavolo_store::{BoardRow, ParticipantRow, Role, RoomKind};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in facilitator.
    Facilitator { id: String },
    /// A participant or observer of one session, through an invitation.
    Member(ParticipantRow),
    /// No credential.
    Anonymous,
}

impl Principal {
    /// A stable id for presence and authorship (never a name).
    pub fn id(&self) -> &str {
        match self {
            Principal::Facilitator { id } => id,
            Principal::Member(p) => &p.id,
            Principal::Anonymous => "anonymous",
        }
    }
}

/// The part someone takes in a meeting, as others see it (presence, the session view): a
/// member's [`Role`], or the facilitator.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Facilitator,
    Participant,
    Observer,
}

impl Part {
    pub fn parse(s: &str) -> Option<Part> {
        [Part::Facilitator, Part::Participant, Part::Observer]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Facilitator => "facilitator",
            Part::Participant => Role::Participant.as_str(),
            Part::Observer => Role::Observer.as_str(),
        }
    }
}

impl From<Role> for Part {
    fn from(role: Role) -> Part {
        match role {
            Role::Participant => Part::Participant,
            Role::Observer => Part::Observer,
        }
    }
}

/// What a principal may do with what they asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// May edit; `lockable`: a locked board makes it read-only (participants).
    Edit { lockable: bool },
    /// May watch only (observers; participants of a closed session; a member seeing their
    /// session).
    Watch,
    /// May change it: the facilitator who owns it.
    Manage,
    /// The credential holds until this time (unix ms; `None`: until it is revoked):
    /// [`Request::Hold`]. Sockets it opens close at that moment.
    Until(Option<i64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("sign in or join through an invitation first")]
    NoCredential,
    #[error("this board belongs to another workspace")]
    OtherWorkspace,
    #[error("this board belongs to another meeting")]
    OtherSession,
    #[error("this board belongs to another group")]
    OtherGroup,
    #[error("breakout groups are not running")]
    NoBreakout,
    #[error("this board is not in private writing: there is no draft to open")]
    NotPrivate,
    #[error("this is someone else's private draft")]
    NotYourDraft,
    #[error("only the facilitator may do this")]
    FacilitatorOnly,
    #[error("this workspace belongs to another facilitator")]
    NotYourWorkspace,
    #[error("this is another meeting")]
    OtherMeeting,
    #[error("only participants vote")]
    NotAVoter,
    #[error("observers do not vote")]
    ObserverVote,
    #[error("this invitation was revoked")]
    Revoked,
    #[error("the facilitator removed you from this meeting")]
    Removed,
    #[error("this credential has expired")]
    Expired,
    #[error("the meeting is closed: its calls have ended")]
    MeetingClosed,
    #[error("a facilitator's name is their account's")]
    AccountName,
}

/// What a credential's lifetime depends on, as stored: a facilitator's login has an
/// expiry; a member's token ends with its invitation (expiry, revocation) and with
/// their removal from the meeting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifetime {
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub removed_at: Option<i64>,
}

/// What is asked for, with what the decision needs to know about it.
pub enum Request<'a> {
    /// Holding the credential that identified `who`, at `now` (unix ms): asked once per
    /// request and socket, before anything else. The grant says until when it holds.
    Hold { lifetime: &'a Lifetime, now: i64 },
    /// Something only a facilitator does that belongs to nobody yet: listing their own
    /// workspaces, creating one.
    Facilitate,
    /// Managing a workspace, or a session, board, invitation, vote or snapshot of it:
    /// `owner` is the workspace's owner.
    Manage { owner: &'a str },
    /// Seeing a session (its view, its control channel, its minutes). `owner`, the owner
    /// of its workspace, is needed for a facilitator only (`None`: not looked up).
    SeeSession {
        session: &'a str,
        owner: Option<&'a str>,
    },
    /// Opening a board: the sync socket, and every endpoint that reads a board (its
    /// details, snapshots, exports, votes, the minutes' boards).
    OpenBoard {
        place: &'a Place<'a>,
        /// Whether boards that belong to no workspace may be opened by anyone.
        allow_anonymous: bool,
    },
    /// Being in a meeting's calls (the call signalling socket): `Edit` may publish audio
    /// and video (the facilitator, participants), `Watch` only listens and watches
    /// (observers). Which call is not asked here: the room state places each member.
    Call {
        session: &'a str,
        owner: Option<&'a str>,
        closed: bool,
    },
    /// Changing one's own display name in a meeting (members only: a facilitator's name
    /// is their account's).
    RenameSelf,
    /// Placing or removing a dot in a vote on a board.
    Vote {
        place: &'a Place<'a>,
        allow_anonymous: bool,
    },
}

/// The access decision: what `who` may do with what `request` names.
pub fn decide(who: &Principal, request: &Request) -> Result<Grant, Denied> {
    match request {
        Request::Hold { lifetime, now } => hold(who, lifetime, *now),
        Request::Facilitate => match who {
            Principal::Facilitator { .. } => Ok(Grant::Manage),
            Principal::Member(_) => Err(Denied::FacilitatorOnly),
            Principal::Anonymous => Err(Denied::NoCredential),
        },
        Request::Manage { owner } => match who {
            Principal::Facilitator { id } if id == owner => Ok(Grant::Manage),
            Principal::Facilitator { .. } => Err(Denied::NotYourWorkspace),
            Principal::Member(_) => Err(Denied::FacilitatorOnly),
            Principal::Anonymous => Err(Denied::NoCredential),
        },
        Request::SeeSession { session, owner } => match who {
            Principal::Facilitator { .. } => match owner {
                Some(owner) => decide(who, &Request::Manage { owner }),
                None => Err(Denied::NotYourWorkspace),
            },
            Principal::Member(p) if p.session_id == *session => Ok(Grant::Watch),
            Principal::Member(_) => Err(Denied::OtherMeeting),
            Principal::Anonymous => Err(Denied::NoCredential),
        },
        Request::OpenBoard {
            place,
            allow_anonymous,
        } => open_board(who, place, *allow_anonymous),
        Request::RenameSelf => match who {
            Principal::Member(_) => Ok(Grant::Edit { lockable: false }),
            Principal::Facilitator { .. } => Err(Denied::AccountName),
            Principal::Anonymous => Err(Denied::NoCredential),
        },
        Request::Call {
            session,
            owner,
            closed,
        } => {
            decide(
                who,
                &Request::SeeSession {
                    session,
                    owner: *owner,
                },
            )?;
            if *closed {
                return Err(Denied::MeetingClosed);
            }
            Ok(match who {
                Principal::Member(p) if p.role != Role::Participant => Grant::Watch,
                _ => Grant::Edit { lockable: false },
            })
        }
        Request::Vote {
            place,
            allow_anonymous,
        } => {
            let Principal::Member(p) = who else {
                return Err(Denied::NotAVoter);
            };
            let grant = open_board(who, place, *allow_anonymous)?;
            if p.role != Role::Participant || grant == Grant::Watch {
                return Err(Denied::ObserverVote);
            }
            Ok(grant)
        }
    }
}

fn hold(who: &Principal, lifetime: &Lifetime, now: i64) -> Result<Grant, Denied> {
    if *who == Principal::Anonymous {
        return Err(Denied::NoCredential);
    }
    // a removal or revocation is final, whatever the expiry says
    if lifetime.removed_at.is_some() {
        return Err(Denied::Removed);
    }
    if lifetime.revoked_at.is_some() {
        return Err(Denied::Revoked);
    }
    match lifetime.expires_at {
        Some(at) if at <= now => Err(Denied::Expired),
        until => Ok(Grant::Until(until)),
    }
}

/// Where a board is, as far as access is concerned.
pub struct Place<'a> {
    /// The board's row; `None` for a board that belongs to no room (an anonymous board).
    pub board: Option<&'a BoardRow>,
    /// The owner of the board's workspace.
    pub owner: Option<&'a str>,
    /// The board's session state and whether the session is closed.
    pub state: &'a SessionState,
    pub session_closed: bool,
    /// For a private draft (`{board}.draft.{participant}`): the participant it belongs to.
    pub draft_of: Option<&'a str>,
}

/// `{board}.draft.{participant}`: a participant's private draft of a board in private mode.
pub fn draft_id(board: &str, participant: &str) -> String {
    format!("{board}.draft.{participant}")
}

/// Splits a draft id into (board, participant).
pub fn parse_draft(id: &str) -> Option<(&str, &str)> {
    let (board, participant) = id.rsplit_once(".draft.")?;
    (!board.is_empty() && !participant.is_empty()).then_some((board, participant))
}

/// Who may open a board, and how: [`decide`] for [`Request::OpenBoard`].
pub fn board_access(
    who: &Principal,
    place: &Place,
    allow_anonymous: bool,
) -> Result<Grant, Denied> {
    decide(
        who,
        &Request::OpenBoard {
            place,
            allow_anonymous,
        },
    )
}

fn open_board(who: &Principal, place: &Place, allow_anonymous: bool) -> Result<Grant, Denied> {
    let Some(board) = place.board else {
        // Boards outside every workspace: open to whoever has the link, if allowed.
        return if allow_anonymous {
            Ok(Grant::Edit { lockable: false })
        } else {
            Err(Denied::NoCredential)
        };
    };
    match who {
        Principal::Anonymous => Err(Denied::NoCredential),
        Principal::Facilitator { id } => {
            if place.owner == Some(id.as_str()) {
                if place.draft_of.is_some() {
                    // Drafts are private until revealed, from the facilitator too.
                    Err(Denied::NotYourDraft)
                } else {
                    Ok(Grant::Edit { lockable: false })
                }
            } else {
                Err(Denied::OtherWorkspace)
            }
        }
        Principal::Member(p) => {
            if p.workspace_id != board.workspace_id {
                return Err(Denied::OtherWorkspace);
            }
            if p.session_id != board.session_id {
                return Err(Denied::OtherSession);
            }
            if let Some(owner) = place.draft_of {
                if owner != p.id || p.role != Role::Participant || place.session_closed {
                    return Err(Denied::NotYourDraft);
                }
                // A draft exists only while its board is in private mode, and obeys the
                // board's rules below (groups, phase, lock) like the board itself.
                if !place.state.is_private(&board.id) {
                    return Err(Denied::NotPrivate);
                }
            }
            if board.room_kind == RoomKind::Breakout {
                if place.state.phase != Phase::Breakout {
                    return Err(Denied::NoBreakout);
                }
                if p.role != Role::Observer
                    && p.group_room.as_deref() != Some(board.room_id.as_str())
                {
                    return Err(Denied::OtherGroup);
                }
            }
            if p.role == Role::Observer || place.session_closed {
                Ok(Grant::Watch)
            } else {
                // a draft is read-only while its board is locked, as the board is
                Ok(Grant::Edit { lockable: true })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(room_kind: &str, room: &str) -> BoardRow {
        BoardRow {
            id: "b".into(),
            room_id: room.into(),
            kind: tavolo_board::BoardKind::Free,
            title: "t".into(),
            locked: false,
            position: 1,
            room_kind: RoomKind::parse(room_kind).unwrap(),
            session_id: "s1".into(),
            workspace_id: "w1".into(),
        }
    }

    fn member(role: &str, session: &str, ws: &str, group: Option<&str>) -> Principal {
        Principal::Member(ParticipantRow {
            id: "p1".into(),
            session_id: session.into(),
            role: Role::parse(role).unwrap(),
            display_name: "Anna".into(),
            group_room: group.map(str::to_owned),
            workspace_id: ws.into(),
        })
    }

    fn place<'a>(b: &'a BoardRow, state: &'a SessionState) -> Place<'a> {
        Place {
            board: Some(b),
            owner: Some("f1"),
            state,
            session_closed: false,
            draft_of: None,
        }
    }

    #[test]
    fn rules() {
        let plenary = board("plenary", "r0");
        let group = board("breakout", "g1");
        let idle = SessionState::default();
        let running = SessionState {
            phase: Phase::Breakout,
            ..SessionState::default()
        };
        let fac = Principal::Facilitator { id: "f1".into() };
        let other_fac = Principal::Facilitator { id: "f2".into() };

        assert_eq!(
            board_access(&fac, &place(&plenary, &idle), false),
            Ok(Grant::Edit { lockable: false })
        );
        assert_eq!(
            board_access(&other_fac, &place(&plenary, &idle), false),
            Err(Denied::OtherWorkspace)
        );
        assert_eq!(
            board_access(&Principal::Anonymous, &place(&plenary, &idle), true),
            Err(Denied::NoCredential)
        );

        let p = member("participant", "s1", "w1", Some("g1"));
        assert_eq!(
            board_access(&p, &place(&plenary, &idle), false),
            Ok(Grant::Edit { lockable: true })
        );
        assert_eq!(
            board_access(&p, &place(&group, &idle), false),
            Err(Denied::NoBreakout)
        );
        assert_eq!(
            board_access(&p, &place(&group, &running), false),
            Ok(Grant::Edit { lockable: true })
        );
        let other_group = member("participant", "s1", "w1", Some("g2"));
        assert_eq!(
            board_access(&other_group, &place(&group, &running), false),
            Err(Denied::OtherGroup)
        );
        assert_eq!(
            board_access(
                &member("participant", "s2", "w1", None),
                &place(&plenary, &idle),
                false
            ),
            Err(Denied::OtherSession)
        );
        assert_eq!(
            board_access(
                &member("participant", "s9", "w9", None),
                &place(&plenary, &idle),
                false
            ),
            Err(Denied::OtherWorkspace)
        );

        let obs = member("observer", "s1", "w1", None);
        assert_eq!(
            board_access(&obs, &place(&plenary, &idle), false),
            Ok(Grant::Watch)
        );
        assert_eq!(
            board_access(&obs, &place(&group, &running), false),
            Ok(Grant::Watch)
        );

        let closed = Place {
            session_closed: true,
            ..place(&plenary, &idle)
        };
        assert_eq!(board_access(&p, &closed, false), Ok(Grant::Watch));

        // anonymous boards
        let none = Place {
            board: None,
            owner: None,
            state: &idle,
            session_closed: false,
            draft_of: None,
        };
        assert_eq!(
            board_access(&Principal::Anonymous, &none, true),
            Ok(Grant::Edit { lockable: false })
        );
        assert_eq!(
            board_access(&Principal::Anonymous, &none, false),
            Err(Denied::NoCredential)
        );

        // drafts: only in private mode, and under their board's rules
        let mut writing = SessionState::default();
        writing.private.insert("b".into(), true);
        let mine = Place {
            draft_of: Some("p1"),
            ..place(&plenary, &writing)
        };
        let theirs = Place {
            draft_of: Some("p2"),
            ..place(&plenary, &writing)
        };
        assert_eq!(
            board_access(&p, &mine, false),
            Ok(Grant::Edit { lockable: true }),
            "read-only while the board is locked, like the board"
        );
        assert_eq!(board_access(&p, &theirs, false), Err(Denied::NotYourDraft));
        assert_eq!(board_access(&fac, &mine, false), Err(Denied::NotYourDraft));
        let not_private = Place {
            draft_of: Some("p1"),
            ..place(&plenary, &idle)
        };
        assert_eq!(
            board_access(&p, &not_private, false),
            Err(Denied::NotPrivate)
        );
        // another group's board: its draft is refused as the board is
        let other = board("breakout", "g2");
        let mut writing_in_groups = running.clone();
        writing_in_groups.private.insert("b".into(), true);
        let other_group = Place {
            draft_of: Some("p1"),
            ..place(&other, &writing_in_groups)
        };
        assert_eq!(
            board_access(&p, &other_group, false),
            Err(Denied::OtherGroup)
        );
    }

    #[test]
    fn management_seeing_and_voting() {
        let fac = Principal::Facilitator { id: "f1".into() };
        let other_fac = Principal::Facilitator { id: "f2".into() };
        let p = member("participant", "s1", "w1", None);
        let obs = member("observer", "s1", "w1", None);

        assert_eq!(decide(&fac, &Request::Facilitate), Ok(Grant::Manage));
        assert_eq!(
            decide(&p, &Request::Facilitate),
            Err(Denied::FacilitatorOnly)
        );
        assert_eq!(
            decide(&Principal::Anonymous, &Request::Facilitate),
            Err(Denied::NoCredential)
        );

        let mine = Request::Manage { owner: "f1" };
        assert_eq!(decide(&fac, &mine), Ok(Grant::Manage));
        assert_eq!(decide(&other_fac, &mine), Err(Denied::NotYourWorkspace));
        assert_eq!(decide(&p, &mine), Err(Denied::FacilitatorOnly));

        let see = |session, owner| Request::SeeSession { session, owner };
        assert_eq!(decide(&fac, &see("s1", Some("f1"))), Ok(Grant::Manage));
        assert_eq!(
            decide(&other_fac, &see("s1", Some("f1"))),
            Err(Denied::NotYourWorkspace)
        );
        assert_eq!(decide(&p, &see("s1", None)), Ok(Grant::Watch));
        assert_eq!(decide(&p, &see("s2", None)), Err(Denied::OtherMeeting));
        assert_eq!(
            decide(&Principal::Anonymous, &see("s1", None)),
            Err(Denied::NoCredential)
        );

        let plenary = board("plenary", "r0");
        let idle = SessionState::default();
        let at = place(&plenary, &idle);
        let vote = Request::Vote {
            place: &at,
            allow_anonymous: false,
        };
        assert_eq!(decide(&p, &vote), Ok(Grant::Edit { lockable: true }));
        assert_eq!(decide(&obs, &vote), Err(Denied::ObserverVote));
        assert_eq!(decide(&fac, &vote), Err(Denied::NotAVoter));
        assert_eq!(decide(&Principal::Anonymous, &vote), Err(Denied::NotAVoter));
        let closed = Place {
            session_closed: true,
            ..place(&plenary, &idle)
        };
        let closed_vote = Request::Vote {
            place: &closed,
            allow_anonymous: false,
        };
        assert_eq!(decide(&p, &closed_vote), Err(Denied::ObserverVote));
    }

    #[test]
    fn credentials_hold_until_they_end() {
        let fac = Principal::Facilitator { id: "f1".into() };
        let p = member("participant", "s1", "w1", None);
        let hold = |who: &Principal, lifetime: Lifetime| {
            decide(
                who,
                &Request::Hold {
                    lifetime: &lifetime,
                    now: 1_000,
                },
            )
        };
        let expiring = Lifetime {
            expires_at: Some(1_001),
            ..Lifetime::default()
        };
        assert_eq!(hold(&fac, expiring), Ok(Grant::Until(Some(1_001))));
        assert_eq!(hold(&p, expiring), Ok(Grant::Until(Some(1_001))));
        assert_eq!(hold(&p, Lifetime::default()), Ok(Grant::Until(None)));
        let expired = Lifetime {
            expires_at: Some(1_000),
            ..Lifetime::default()
        };
        assert_eq!(hold(&fac, expired), Err(Denied::Expired));
        assert_eq!(hold(&p, expired), Err(Denied::Expired));
        let revoked = Lifetime {
            revoked_at: Some(900),
            ..expiring
        };
        assert_eq!(hold(&p, revoked), Err(Denied::Revoked));
        let removed = Lifetime {
            removed_at: Some(950),
            ..revoked
        };
        assert_eq!(hold(&p, removed), Err(Denied::Removed));
        assert_eq!(
            hold(&Principal::Anonymous, Lifetime::default()),
            Err(Denied::NoCredential)
        );
    }

    #[test]
    fn calls() {
        let fac = Principal::Facilitator { id: "f1".into() };
        let other_fac = Principal::Facilitator { id: "f2".into() };
        let p = member("participant", "s1", "w1", Some("g1"));
        let obs = member("observer", "s1", "w1", None);
        let call = |owner, closed| Request::Call {
            session: "s1",
            owner,
            closed,
        };
        let publishes = Ok(Grant::Edit { lockable: false });
        assert_eq!(decide(&fac, &call(Some("f1"), false)), publishes);
        assert_eq!(decide(&p, &call(None, false)), publishes);
        assert_eq!(
            decide(&obs, &call(None, false)),
            Ok(Grant::Watch),
            "observers listen only"
        );
        assert_eq!(
            decide(&other_fac, &call(Some("f1"), false)),
            Err(Denied::NotYourWorkspace)
        );
        assert_eq!(
            decide(&member("participant", "s2", "w1", None), &call(None, false)),
            Err(Denied::OtherMeeting)
        );
        assert_eq!(
            decide(&Principal::Anonymous, &call(None, false)),
            Err(Denied::NoCredential)
        );
        for who in [&fac, &p, &obs] {
            assert_eq!(
                decide(who, &call(Some("f1"), true)),
                Err(Denied::MeetingClosed)
            );
        }
    }

    #[test]
    fn only_members_rename_themselves() {
        for role in ["participant", "observer"] {
            assert!(decide(&member(role, "s1", "w1", None), &Request::RenameSelf).is_ok());
        }
        let fac = Principal::Facilitator { id: "f1".into() };
        assert_eq!(decide(&fac, &Request::RenameSelf), Err(Denied::AccountName));
        assert_eq!(
            decide(&Principal::Anonymous, &Request::RenameSelf),
            Err(Denied::NoCredential)
        );
    }

    #[test]
    fn draft_ids() {
        assert_eq!(draft_id("b1", "p1"), "b1.draft.p1");
        assert_eq!(parse_draft("b1.draft.p1"), Some(("b1", "p1")));
        assert_eq!(parse_draft("b1"), None);
        assert_eq!(parse_draft(".draft.p"), None);
    }
}
