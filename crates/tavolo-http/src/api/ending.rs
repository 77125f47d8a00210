//! Rights that end while their holder is connected: revoking an invitation, signing out.
//! Every socket the credential opened is closed at once, on every node: the boards'
//! and private drafts' (through the hub) and the control channel's (through an `end`
//! message of the session's channel, see `live::end_message`).

use super::error::ApiResult;
use crate::AppState;
use tavolo_hub::CloseReason;
use tavolo_sync::BoardId;

/// Closes every socket of `principals` in the session with `code` and `reason`.
pub async fn end_in_session(
    s: &AppState,
    session: &str,
    principals: &[String],
    code: u16,
    reason: &str,
) -> ApiResult<()> {
    if principals.is_empty() {
        return Ok(());
    }
    let why = CloseReason::new(code, reason);
    for board in s.store.list_session_boards(session).await? {
        let drafts = principals.iter().map(|m| format!("{}.draft.{m}", board.id));
        for id in std::iter::once(board.id.clone()).chain(drafts) {
            if let Ok(id) = BoardId::parse(&id) {
                s.hub
                    .kick(&id, Some(principals.to_vec()), why.clone())
                    .await;
            }
        }
    }
    s.publish(
        session,
        tavolo_rooms::live::end_message(principals, code, reason),
    );
    Ok(())
}

/// Closes every socket of a facilitator, in every meeting of their workspaces.
pub async fn end_facilitator(s: &AppState, id: &str, code: u16, reason: &str) -> ApiResult<()> {
    let who = [id.to_owned()];
    for workspace in s.store.list_workspaces(id).await? {
        for session in s.store.list_sessions(&workspace.id).await? {
            end_in_session(s, &session.id, &who, code, reason).await?;
        }
    }
    Ok(())
}
