//! Breakout groups: spawning them (each with its own board), moving people between them,
//! starting and ending them, and gathering their boards into one plenary board
//! (`tavolo_board::gather`).

use super::{board_id, create_board, Conflict, Rooms, ServiceError, ServiceResult};
use crate::auth::new_id;
use crate::state::{Phase, SessionState};
use crate::view::SessionView;
use std::collections::BTreeMap;
use tavolo_board::{gather, labels, Board};
use tavolo_hub::CloseReason;
use tavolo_store::{Role, RoomKind, SessionRow, Store};

/// How a spawn puts the participants into the new groups.
#[derive(serde::Deserialize, utoipa::ToSchema, Debug, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// In turn, in the order they joined: groups differ by one at most.
    #[default]
    Balanced,
    /// In turn, shuffled.
    Random,
    /// Nobody: the facilitator assigns them.
    None,
}

impl Rooms<'_> {
    /// Makes `groups` breakout groups of an open meeting, each with a board made from
    /// `content`, assigns the participants as `assign` says and sets them as the room
    /// state's groups; returns the groups' room ids in order.
    pub async fn spawn_breakouts(
        &self,
        session: &SessionRow,
        groups: usize,
        content: Board,
        assign: Assignment,
    ) -> ServiceResult<Vec<String>> {
        if session.closed_at.is_some() {
            return Err(ServiceError::Conflict(Conflict::MeetingClosed));
        }
        let rooms = spawn_groups(self.store, &session.id, groups, content, assign).await?;
        let set = rooms.clone();
        self.change_state(&session.id, move |st| {
            st.groups = set;
            Ok(())
        })
        .await?;
        Ok(rooms)
    }

    /// Moves participants between groups: participant id → group room id, or `None` to
    /// take someone out of every group. Whoever leaves a group leaves its boards at once
    /// (their sockets there close with 4003).
    pub async fn assign(
        &self,
        session: &str,
        moves: &BTreeMap<String, Option<String>>,
    ) -> ServiceResult<SessionView> {
        let rooms = self.store.list_rooms(session).await?;
        let members = self.store.list_participants(session).await?;
        for (participant, room) in moves {
            let member = members
                .iter()
                .find(|m| &m.id == participant)
                .ok_or_else(|| {
                    ServiceError::Invalid(format!("{participant} is not in this meeting"))
                })?;
            if let Some(r) = room {
                if !rooms
                    .iter()
                    .any(|x| &x.id == r && x.kind == RoomKind::Breakout)
                {
                    return Err(ServiceError::Invalid(format!(
                        "{r} is not a group of this meeting"
                    )));
                }
            }
            let old = member.group_room.clone();
            self.store
                .set_participant_group(participant, room.as_deref())
                .await?;
            if let Some(old) = old.filter(|o| Some(o) != room.as_ref()) {
                for board in self
                    .store
                    .list_session_boards(session)
                    .await?
                    .into_iter()
                    .filter(|x| x.room_id == old)
                {
                    self.hub
                        .kick(
                            &board_id(&board.id)?,
                            Some(vec![participant.clone()]),
                            CloseReason::new(4003, "moved to another group"),
                        )
                        .await;
                }
            }
        }
        self.publish(session).await
    }

    /// Starts the breakouts: participants move to their groups (409 without groups).
    pub async fn start_breakouts(&self, session: &str) -> ServiceResult<SessionView> {
        self.change_state(session, |st| {
            if st.groups.is_empty() {
                return Err(ServiceError::Conflict(Conflict::NoGroups));
            }
            st.phase = Phase::Breakout;
            Ok(())
        })
        .await
    }

    /// Calls everyone back to the plenary: every connection to a group's board closes
    /// (4001), and reconnects where the room state now sends it.
    pub async fn end_breakouts(&self, session: &str) -> ServiceResult<SessionView> {
        let view = self
            .change_state(session, |st| {
                st.phase = Phase::Plenary;
                Ok(())
            })
            .await?;
        for b in self
            .store
            .list_session_boards(session)
            .await?
            .into_iter()
            .filter(|b| b.room_kind == RoomKind::Breakout)
        {
            self.hub
                .kick(
                    &board_id(&b.id)?,
                    None,
                    CloseReason::new(4001, "back to the plenary"),
                )
                .await;
        }
        Ok(view)
    }

    /// Gathers the boards of the current round's groups into one new plenary board (of
    /// the groups' template when they share one, each group in its own titled frame:
    /// `tavolo_board::gather`), which the room state names; returns its id.
    pub async fn gather(&self, session: &SessionRow) -> ServiceResult<String> {
        let id = &session.id;
        let state = SessionState::parse(&session.state);
        if state.groups.is_empty() {
            return Err(ServiceError::Conflict(Conflict::NothingToGather));
        }
        let rooms = self.store.list_rooms(id).await?;
        let boards = self.store.list_session_boards(id).await?;
        let mut groups = Vec::new();
        for room_id in &state.groups {
            let Some(room) = rooms.iter().find(|r| &r.id == room_id) else {
                continue;
            };
            for b in boards.iter().filter(|b| &b.room_id == room_id) {
                groups.push(gather::Group {
                    label: format!("{} — {}", room.name, b.title),
                    board: self.board_content(&b.id).await?,
                });
            }
        }
        let gathered = gather::gather(labels::GATHERED, &groups);
        let plenary = rooms
            .iter()
            .find(|r| r.kind == RoomKind::Plenary)
            .ok_or(ServiceError::NotFound)?;
        let board = create_board(self.store, &plenary.id, labels::GATHERED, gathered).await?;
        let named = board.clone();
        self.change_state(id, move |st| {
            st.gathered = Some(named);
            Ok(())
        })
        .await?;
        Ok(board)
    }
}

/// Makes `groups` breakout groups of a meeting (1 to 20), each with its own board made
/// from `content` (new documents, not shared ones), and puts the participants (not the
/// observers) into them as `assign` says; returns the groups' room ids in order. The
/// room state's list of groups is the caller's to set.
async fn spawn_groups(
    store: &Store,
    session: &str,
    groups: usize,
    content: Board,
    assign: Assignment,
) -> ServiceResult<Vec<String>> {
    if !(1..=20).contains(&groups) {
        return Err(ServiceError::Invalid("from 1 to 20 groups".into()));
    }
    let title = match content.meta.title.as_str() {
        "" => labels::board_title(content.meta.kind).to_owned(),
        title => title.to_owned(),
    };
    let mut rooms = Vec::new();
    for n in 1..=groups {
        let room = new_id();
        store
            .create_room(&room, session, RoomKind::Breakout, &labels::group(n))
            .await?;
        create_board(store, &room, &title, content.clone()).await?;
        rooms.push(room);
    }
    let members: Vec<_> = store
        .list_participants(session)
        .await?
        .into_iter()
        .filter(|p| p.role == Role::Participant)
        .collect();
    let mut order: Vec<usize> = (0..members.len()).collect();
    match assign {
        Assignment::Balanced => {}
        Assignment::Random => {
            use rand::seq::SliceRandom;
            order.shuffle(&mut rand::rng());
        }
        Assignment::None => order.clear(),
    }
    for (i, m) in order.iter().enumerate() {
        store
            .set_participant_group(&members[*m].id, Some(&rooms[i % rooms.len()]))
            .await?;
    }
    Ok(rooms)
}
