//! The session's view now, and how a change of the room state is made and published to
//! every client of the session, on every node.

use super::{Rooms, ServiceError, ServiceResult};
use crate::state::SessionState;
use crate::view::{BoardSummary, MemberView, RoomView, SessionView, WorkspaceRef};
use serde::Serialize;
use tavolo_store::SessionRow;

impl Rooms<'_> {
    /// The session's view now (`me` unset).
    pub async fn session_view(&self, session: &SessionRow) -> ServiceResult<SessionView> {
        let rooms = self.store.list_rooms(&session.id).await?;
        let boards = self.store.list_session_boards(&session.id).await?;
        let members = self.store.list_participants(&session.id).await?;
        let workspace = self
            .store
            .get_workspace(&session.workspace_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let state = SessionState::parse(&session.state);
        let rooms = rooms
            .into_iter()
            .map(|r| RoomView {
                boards: boards
                    .iter()
                    .filter(|b| b.room_id == r.id)
                    .map(|b| BoardSummary {
                        id: b.id.clone(),
                        kind: b.kind,
                        locked: b.locked,
                        private: state.is_private(&b.id),
                        title: b.title.clone(),
                        vote: state.votes.get(&b.id).cloned(),
                    })
                    .collect(),
                id: r.id,
                kind: r.kind,
                name: r.name,
            })
            .collect();
        Ok(SessionView {
            closed: session.closed_at.is_some(),
            date: session.date.clone(),
            id: session.id.clone(),
            me: None,
            members: members.iter().map(MemberView::of).collect(),
            now: tavolo_store::now_ms(),
            present: self.live.presence(&session.id),
            rooms,
            state,
            title: session.title.clone(),
            message_type: None,
            workspace: WorkspaceRef {
                id: workspace.id,
                name: workspace.name,
            },
        })
    }

    /// The session's view as the control channel's `session` message.
    pub async fn session_message(&self, session: &SessionRow) -> ServiceResult<SessionView> {
        let mut view = self.session_view(session).await?;
        view.message_type = Some("session".into());
        Ok(view)
    }

    /// The session's view as the text of its `session` message.
    pub async fn session_text(&self, session: &SessionRow) -> ServiceResult<String> {
        let view = self.session_message(session).await?;
        serde_json::to_string(&view).map_err(|e| ServiceError::Broken(e.to_string()))
    }

    /// Sends a control message to every client of the session, on every node.
    pub fn publish_message(&self, session_id: &str, message: &impl Serialize) {
        match serde_json::to_string(message) {
            Ok(text) => self.publish_text(session_id, text),
            Err(e) => tracing::error!(error = %e, "a control message did not serialize"),
        }
    }

    /// Tells every client of the session what it looks like now.
    pub async fn publish(&self, session_id: &str) -> ServiceResult<SessionView> {
        let session = self
            .store
            .get_session(session_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let view = self.session_message(&session).await?;
        self.publish_message(session_id, &view);
        Ok(view)
    }

    /// Changes the session's room state (one change at a time, on every node:
    /// `Store::change_session_state`) and publishes it.
    pub async fn change_state(
        &self,
        session_id: &str,
        f: impl FnOnce(&mut SessionState) -> ServiceResult<()>,
    ) -> ServiceResult<SessionView> {
        self.store
            .change_session_state(session_id, |stored| {
                let mut state = SessionState::parse(stored.ok_or(ServiceError::NotFound)?);
                f(&mut state)?;
                Ok::<_, ServiceError>(state.to_json())
            })
            .await??;
        self.publish(session_id).await
    }
}
