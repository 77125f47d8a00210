//! Private mode (silent brainstorming): each participant writes in a draft of their own
//! (`{board}.draft.{participant}`, which only they may open: `access`), and the reveal
//! merges every draft into the board at once.

use super::{board_id, Rooms, ServiceResult};
use crate::view::SessionView;
use crate::{access, auth};
use tavolo_board::{reveal, Board};
use tavolo_store::BoardRow;

impl Rooms<'_> {
    /// Turns private mode on or off for a board.
    pub async fn set_private(&self, board: &BoardRow, on: bool) -> ServiceResult<SessionView> {
        let id = board.id.clone();
        self.change_state(&board.session_id, move |st| {
            if on {
                st.private.insert(id, true);
            } else {
                st.private.remove(&id);
            }
            Ok(())
        })
        .await
    }

    /// Copies every participant's private draft (a removed one's too) into the board in one change, takes what
    /// it copied out of the drafts, and ends private mode; returns how many items it
    /// revealed.
    ///
    /// A draft is its author's own document and may hold anything (a hostile client
    /// writes raw Yjs): each revealed item gets a fresh id, so no draft can overwrite an
    /// item of the board, and its `author` is the participant whose draft it came from,
    /// whatever the draft says. Texts, frames and links follow their items' new ids
    /// (`tavolo_board::reveal::from_draft`).
    pub async fn reveal(&self, board: &BoardRow) -> ServiceResult<usize> {
        let bid = board_id(&board.id)?;
        let on_board = self.hub.read(&bid, Board::read).await?;
        let mut items = Vec::new();
        let mut links = Vec::new();
        let mut taken = Vec::new();
        // removed members' drafts too: what they wrote stays, as on the boards
        for p in self.store.list_participants_ever(&board.session_id).await? {
            let draft_id = board_id(&access::draft_id(&board.id, &p.id))?;
            let draft = self.hub.read(&draft_id, Board::read).await?;
            if draft.items.is_empty() && draft.links.is_empty() {
                continue;
            }
            let (i, l) = reveal::from_draft(&draft, &p.id, &on_board, auth::new_id);
            items.extend(i);
            links.extend(l);
            taken.push((draft_id, draft));
        }
        let revealed = items.len();
        self.hub
            .change(&bid, move |txn| reveal::add(txn, items, links))
            .await?;
        // Only once the board has them: the drafts lose what was revealed (so nothing is
        // revealed twice), and keep whatever their authors wrote since it was read.
        for (draft_id, draft) in taken {
            self.hub
                .change(&draft_id, move |txn| reveal::take(txn, &draft))
                .await?;
        }
        let id = board.id.clone();
        self.change_state(&board.session_id, move |st| {
            st.private.remove(&id);
            Ok(())
        })
        .await?;
        Ok(revealed)
    }
}
