//! Labelled snapshots of a board (taken by the facilitator, and one of every board when
//! its meeting closes), reading and restoring them; closing a meeting. Automatic
//! snapshots (compaction's) are the store's own and are never shown.

use super::{board_id, text_field, Rooms, ServiceError, ServiceResult};
use crate::state::Phase;
use tavolo_board::{labels, Board};
use tavolo_hub::CloseReason;
use tavolo_store::{BoardRow, SessionRow, SnapshotKind, SnapshotRow};

impl Rooms<'_> {
    /// Takes a manual snapshot of a board now, labelled; returns its id.
    pub async fn take_snapshot(&self, board: &BoardRow, label: &str) -> ServiceResult<i64> {
        let label = text_field(label, "label", 200)?;
        let (seq, state) = self.hub.snapshot(&board_id(&board.id)?).await?;
        Ok(self
            .store
            .create_snapshot(
                &board.id,
                seq,
                &state,
                SnapshotKind::Manual,
                &label,
                Some(&board.session_id),
            )
            .await?)
    }

    /// A labelled snapshot (manual or closing) and its encoded state; an automatic one is
    /// not found. Decode it with [`snapshot_content`] once the asker may see its board.
    pub async fn labelled_snapshot(&self, id: i64) -> ServiceResult<(SnapshotRow, Vec<u8>)> {
        let (meta, state) = self
            .store
            .get_snapshot(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if meta.kind == SnapshotKind::Auto {
            return Err(ServiceError::NotFound);
        }
        Ok((meta, state))
    }

    /// Restores a snapshot's content as a new change of its board: the live board is made
    /// equal to it; history is never rewritten (restoring an earlier snapshot undoes it).
    pub async fn restore_snapshot(&self, meta: &SnapshotRow, content: Board) -> ServiceResult<()> {
        self.hub
            .change(&board_id(&meta.board_id)?, move |txn| {
                content.replace_content(txn)
            })
            .await?;
        Ok(())
    }

    /// Closes a meeting: every board gets a labelled closing snapshot and is locked, the
    /// breakouts (if running) and the timer end, and every connection to its boards closes
    /// (4002) so that members reconnect read-only. Returns the snapshots' ids.
    pub async fn close_meeting(&self, session: &SessionRow) -> ServiceResult<Vec<i64>> {
        let id = &session.id;
        let label = labels::closing_snapshot(&session.title, &session.date);
        let mut snapshots = Vec::new();
        for b in self.store.list_session_boards(id).await? {
            let bid = board_id(&b.id)?;
            let (seq, state) = self.hub.snapshot(&bid).await?;
            snapshots.push(
                self.store
                    .create_snapshot(&b.id, seq, &state, SnapshotKind::Closing, &label, Some(id))
                    .await?,
            );
            self.hub.set_locked(&bid, true).await;
        }
        self.store.close_session(id).await?;
        self.change_state(id, |st| {
            st.phase = Phase::Plenary;
            st.timer = None;
            Ok(())
        })
        .await?;
        // Members' connections were granted edit: make them reconnect as watchers.
        for b in self.store.list_session_boards(id).await? {
            self.hub
                .kick(
                    &board_id(&b.id)?,
                    None,
                    CloseReason::new(4002, "the meeting is closed"),
                )
                .await;
        }
        Ok(snapshots)
    }
}

/// A snapshot's document (its state as [`Rooms::labelled_snapshot`] gave it).
pub fn snapshot_doc(meta: &SnapshotRow, state: &[u8]) -> ServiceResult<yrs::Doc> {
    let (doc, problems) = tavolo_sync::update::rebuild(Some(state), std::iter::empty());
    if let Some(p) = problems.first() {
        return Err(ServiceError::Broken(format!("snapshot {}: {p}", meta.id)));
    }
    Ok(doc)
}

/// A snapshot's content.
pub fn snapshot_content(meta: &SnapshotRow, state: &[u8]) -> ServiceResult<Board> {
    Ok(Board::read(&snapshot_doc(meta, state)?))
}
