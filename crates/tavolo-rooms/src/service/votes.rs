//! Dot voting on a board: the facilitator opens and closes a vote; participants place and
//! remove their dots on the board's items. Nobody sees who voted what, and the database
//! cannot tell either: a dot is stored as a tally and a ballot keyed with the voter's
//! token ([`Ballot`], `tavolo_store`'s votes, README "Security"). A closed vote keeps its
//! tally (counts per item, nothing else). Who may do which is the access decision's
//! (`Request::Vote` for dots), asked by the caller.

use super::{board_id, new_id, text_field, Conflict, Rooms, ServiceError, ServiceResult};
use crate::auth::Ballot;
use serde::Serialize;
use tavolo_board::Board;
use tavolo_store::{BoardRow, DotOutcome, SessionRow, VoteRow};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Tally {
    pub dots: i64,
    pub item: String,
}

/// A vote as one person sees it: its tally, and the dots they have left.
#[derive(Serialize, ToSchema)]
pub struct VoteView {
    pub board: String,
    pub dots: i64,
    pub id: String,
    pub my_dots_left: i64,
    pub open: bool,
    pub tally: Vec<Tally>,
}

/// The `vote` message of the control channel: the new tally of a vote.
#[derive(Serialize)]
struct VoteMessage<'a> {
    #[serde(rename = "type")]
    message_type: &'static str,
    vote: VoteUpdate<'a>,
}

#[derive(Serialize)]
struct VoteUpdate<'a> {
    board: &'a str,
    id: &'a str,
    tally: &'a [Tally],
}

/// A closed vote with what its results are made of: its board, the board's room, its
/// tally (item, dots) and the board's content now (for the items' labels), read once
/// and shared by the board's closed votes.
pub struct ClosedVote {
    pub vote: VoteRow,
    pub board: BoardRow,
    pub room: String,
    pub tally: Vec<(String, i64)>,
    pub content: std::sync::Arc<Board>,
}

impl Rooms<'_> {
    /// Opens a dot vote on a board with `dots` per person (1 to 20); returns its id.
    pub async fn open_vote(&self, board: &BoardRow, dots: i64) -> ServiceResult<String> {
        if !(1..=20).contains(&dots) {
            return Err(ServiceError::Invalid("from 1 to 20 dots per person".into()));
        }
        let vote = new_id();
        self.store.create_vote(&vote, &board.id, dots).await?;
        let (key, named) = (board.id.clone(), vote.clone());
        self.change_state(&board.session_id, move |st| {
            st.votes.insert(key, named);
            Ok(())
        })
        .await?;
        Ok(vote)
    }

    /// A vote and its board.
    pub async fn vote_and_board(&self, id: &str) -> ServiceResult<(VoteRow, BoardRow)> {
        let vote = self
            .store
            .get_vote(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let board = self
            .store
            .get_board(&vote.board_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((vote, board))
    }

    /// Closes a vote (its tally is kept) and answers it as closed.
    pub async fn close_vote(&self, vote: &VoteRow, board: &BoardRow) -> ServiceResult<VoteView> {
        self.store.close_vote(&vote.id).await?;
        let key = board.id.clone();
        self.change_state(&board.session_id, move |st| {
            st.votes.remove(&key);
            Ok(())
        })
        .await?;
        let vote = self
            .store
            .get_vote(&vote.id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.vote_view(&vote, None).await
    }

    /// The vote as someone sees it; `ballot`: a voter's, for the dots they have left.
    pub async fn vote_view(
        &self,
        vote: &VoteRow,
        ballot: Option<&Ballot>,
    ) -> ServiceResult<VoteView> {
        let tally = self.store.vote_tally(&vote.id).await?;
        let open = vote.open;
        let used = match ballot {
            Some(b) if open => self.store.dots_used(&vote.id, &b.voter).await?,
            _ => 0,
        };
        Ok(VoteView {
            board: vote.board_id.clone(),
            dots: vote.dots,
            id: vote.id.clone(),
            my_dots_left: if open { (vote.dots - used).max(0) } else { 0 },
            open,
            tally: tally
                .into_iter()
                .map(|(item, dots)| Tally { dots, item })
                .collect(),
        })
    }

    /// Places a voter's dot on an item of the board's document (an item that is not
    /// there is refused); the session is told the new tally.
    pub async fn place_dot(
        &self,
        vote: &VoteRow,
        board: &BoardRow,
        ballot: &Ballot,
        item: &str,
    ) -> ServiceResult<VoteView> {
        let item = dot_item(vote, item)?;
        if !self.board_has_item(board, &item).await? {
            return Err(ServiceError::Invalid(format!(
                "this board has no item \"{item}\""
            )));
        }
        let outcome = self
            .store
            .place_dot(
                &vote.id,
                &ballot.voter,
                &ballot.mark(&item),
                &item,
                vote.dots,
            )
            .await?;
        match outcome {
            DotOutcome::Done => self.tell_tally(vote, board, ballot).await,
            DotOutcome::Closed => Err(ServiceError::Conflict(Conflict::VoteClosed)),
            DotOutcome::NoneLeft => Err(ServiceError::Conflict(Conflict::NoDotsLeft)),
        }
    }

    /// Takes back a voter's dot from an item; the session is told the new tally.
    pub async fn remove_dot(
        &self,
        vote: &VoteRow,
        board: &BoardRow,
        ballot: &Ballot,
        item: &str,
    ) -> ServiceResult<VoteView> {
        let item = dot_item(vote, item)?;
        let outcome = self
            .store
            .remove_dot(&vote.id, &ballot.voter, &ballot.mark(&item), &item)
            .await?;
        match outcome {
            DotOutcome::Done => self.tell_tally(vote, board, ballot).await,
            DotOutcome::Closed => Err(ServiceError::Conflict(Conflict::VoteClosed)),
            DotOutcome::NoneLeft => Err(ServiceError::Conflict(Conflict::NoDotHere)),
        }
    }

    /// Answers a dot with the vote as the voter sees it, and tells the session the new
    /// tally.
    async fn tell_tally(
        &self,
        vote: &VoteRow,
        board: &BoardRow,
        ballot: &Ballot,
    ) -> ServiceResult<VoteView> {
        let view = self.vote_view(vote, Some(ballot)).await?;
        let message = VoteMessage {
            message_type: "vote",
            vote: VoteUpdate {
                board: &vote.board_id,
                id: &vote.id,
                tally: &view.tally,
            },
        };
        self.publish_message(&board.session_id, &message);
        Ok(view)
    }

    /// Whether the board's document has an item with this id (what a dot may go on).
    async fn board_has_item(&self, board: &BoardRow, item: &str) -> ServiceResult<bool> {
        let item = item.to_owned();
        Ok(self
            .hub
            .read(&board_id(&board.id)?, move |doc| {
                use yrs::{Map, ReadTxn, Transact};
                let txn = doc.transact();
                txn.get_map("items")
                    .is_some_and(|items| items.contains_key(&txn, &item))
            })
            .await?)
    }

    /// The meeting's closed votes on `boards` (the ones the asker may open), in the order
    /// they were opened.
    pub async fn closed_votes(
        &self,
        session: &SessionRow,
        boards: Vec<BoardRow>,
    ) -> ServiceResult<Vec<ClosedVote>> {
        let rooms = self.store.list_rooms(&session.id).await?;
        let mut out = Vec::new();
        for b in boards {
            let votes: Vec<VoteRow> = self
                .store
                .list_votes(&b.id)
                .await?
                .into_iter()
                .filter(|v| !v.open)
                .collect();
            if votes.is_empty() {
                continue;
            }
            let content = std::sync::Arc::new(self.board_content(&b.id).await?);
            let room = rooms
                .iter()
                .find(|r| r.id == b.room_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            for vote in votes {
                let tally = self.store.vote_tally(&vote.id).await?;
                out.push(ClosedVote {
                    vote,
                    board: b.clone(),
                    room: room.clone(),
                    tally,
                    content: content.clone(),
                });
            }
        }
        out.sort_by(|a, b| (a.vote.created_at, &a.vote.id).cmp(&(b.vote.created_at, &b.vote.id)));
        Ok(out)
    }
}

/// A dot's item, checked, in a vote that is still open.
fn dot_item(vote: &VoteRow, item: &str) -> ServiceResult<String> {
    if !vote.open {
        return Err(ServiceError::Conflict(Conflict::VoteClosed));
    }
    text_field(item, "item", 64)
}
