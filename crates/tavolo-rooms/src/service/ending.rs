//! Rights that end while their holder is connected: revoking an invitation, removing a
//! member, signing out, deleting. Every socket the credential opened is closed at once, on
//! every node: the boards' and private drafts' (through the hub) and the control
//! channel's (through an `end` message of the session's channel, see
//! `live::end_message`).

use super::{Rooms, ServiceResult};
use crate::access::draft_id;
use tavolo_hub::CloseReason;
use tavolo_sync::BoardId;

impl Rooms<'_> {
    /// Closes every socket of `principals` in the session with `code` and `reason`.
    pub async fn end_in_session(
        &self,
        session: &str,
        principals: &[String],
        code: u16,
        reason: &str,
    ) -> ServiceResult<()> {
        if principals.is_empty() {
            return Ok(());
        }
        let why = CloseReason::new(code, reason);
        for board in self.store.list_session_boards(session).await? {
            let drafts = principals.iter().map(|m| draft_id(&board.id, m));
            for id in std::iter::once(board.id.clone()).chain(drafts) {
                if let Ok(id) = BoardId::parse(&id) {
                    self.hub
                        .kick(&id, Some(principals.to_vec()), why.clone())
                        .await;
                }
            }
        }
        self.publish_text(session, crate::live::end_message(principals, code, reason));
        Ok(())
    }

    /// Closes every socket of a facilitator, in every meeting of their workspaces.
    pub async fn end_facilitator(&self, id: &str, code: u16, reason: &str) -> ServiceResult<()> {
        let who = [id.to_owned()];
        for workspace in self.store.list_workspaces(id).await? {
            for session in self.store.list_sessions(&workspace.id).await? {
                self.end_in_session(&session.id, &who, code, reason).await?;
            }
        }
        Ok(())
    }
}
