//! Facilitation data: facilitators and their logins, workspaces (tavoli), sessions
//! (incontri), rooms, boards, invitations, participants, dot votes and labelled
//! snapshots. Plain queries; the rules (who may do what) live in `tavolo-rooms`.
//!
//! Each query is written once for both backends, but for three that lock differently:
//! [`Store::setup_first_facilitator`] (a table lock on PostgreSQL),
//! [`Store::change_session_state`] (a row lock on PostgreSQL, a lock in the process on
//! SQLite) and [`Store::remove_dot`] (a row by `rowid` or `ctid`). Their contract, on
//! both, is `tests/facilitation.rs`.
//!
//! Kinds and roles are typed ([`crate::kinds`], `tavolo_board::BoardKind`); flags are
//! `bool`s, stored as PostgreSQL's `BOOLEAN` and SQLite's integer 0/1 (which SQLite's
//! `TRUE`/`FALSE` are), so the same SQL reads and writes both.

use crate::kinds::{Role, RoomKind, SnapshotKind};
use crate::{now_ms, Backend, Store, StoreError};
use sqlx::{FromRow, Row};
use tavolo_board::BoardKind;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FacilitatorRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkspaceRow {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub archived: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub workspace_id: String,
    pub title: String,
    pub date: String,
    pub position: i64,
    pub archived: bool,
    pub closed_at: Option<i64>,
    pub state: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoomRow {
    pub id: String,
    pub session_id: String,
    #[sqlx(try_from = "String")]
    pub kind: RoomKind,
    pub name: String,
    pub position: i64,
}

/// A board with where it sits.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BoardRow {
    pub id: String,
    pub room_id: String,
    #[sqlx(try_from = "String")]
    pub kind: BoardKind,
    pub title: String,
    pub locked: bool,
    pub position: i64,
    #[sqlx(try_from = "String")]
    pub room_kind: RoomKind,
    pub session_id: String,
    pub workspace_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InviteRow {
    pub id: String,
    pub session_id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ParticipantRow {
    pub id: String,
    pub session_id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub display_name: String,
    pub group_room: Option<String>,
    pub workspace_id: String,
}

/// A member's credential as stored, with what its lifetime depends on: the invitation it
/// came from (`None` without one) and the member's removal. Whether it still holds is
/// `tavolo_rooms::access::decide`'s to say.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MemberCredentialRow {
    #[sqlx(flatten)]
    pub participant: ParticipantRow,
    pub invite_expires_at: Option<i64>,
    pub invite_revoked_at: Option<i64>,
    pub removed_at: Option<i64>,
}

/// A facilitator's login as stored (expired ones too: `access::decide` refuses them).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginRow {
    pub facilitator_id: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VoteRow {
    pub id: String,
    pub board_id: String,
    pub dots: i64,
    pub open: bool,
    /// When the vote was opened and closed (ms); a closed vote keeps its tally.
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

/// What became of a dot placed or taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DotOutcome {
    Done,
    /// The vote is closed: nothing changed.
    Closed,
    /// Placing: the voter has no dot left; taking back: the voter has no dot on that item.
    NoneLeft,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SnapshotRow {
    pub id: i64,
    pub board_id: String,
    pub seq: i64,
    #[sqlx(try_from = "String")]
    pub kind: SnapshotKind,
    pub label: Option<String>,
    pub session_id: Option<String>,
    pub created_at: i64,
}

/// What a setup through the one-time link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupOutcome {
    /// The first facilitator exists now.
    Created,
    /// The link is unknown, used, expired or from an earlier start: nothing changed.
    InvalidToken,
    /// A facilitator exists already: nothing changed, the link stays unused.
    AlreadyDone,
}

const BOARD_SELECT: &str = "SELECT b.id, b.room_id, b.kind, b.title, b.locked, b.position, \
     r.kind AS room_kind, r.session_id, s.workspace_id \
     FROM boards b JOIN rooms r ON r.id = b.room_id JOIN sessions s ON s.id = r.session_id";

const PARTICIPANT_SELECT: &str =
    "SELECT p.id, p.session_id, p.role, p.display_name, p.group_room, \
     s.workspace_id FROM participants p JOIN sessions s ON s.id = p.session_id";

/// Every table that holds a board's content, by board id (`$1`) or draft id prefix
/// (`$2`, `{board}.draft.`). The prefix is compared exactly, not with `LIKE`: `_` in a
/// board id would be a wildcard, and SQLite's `LIKE` ignores case, so other boards'
/// content would go too.
const BOARD_DATA: [&str; 3] = [
    "DELETE FROM board_updates WHERE board_id = $1 OR substr(board_id, 1, length($2)) = $2",
    "DELETE FROM board_snapshots WHERE board_id = $1 OR substr(board_id, 1, length($2)) = $2",
    "DELETE FROM board_heads WHERE board_id = $1 OR substr(board_id, 1, length($2)) = $2",
];

impl Store {
    // ------------------------------------------------------------ facilitators

    pub async fn create_facilitator(
        &self,
        id: &str,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        exec!(self, "INSERT INTO facilitators (id, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            id, email, name, password_hash, now_ms())?;
        Ok(())
    }

    pub async fn facilitator_by_email(
        &self,
        email: &str,
    ) -> Result<Option<FacilitatorRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_optional,
            FacilitatorRow,
            "SELECT id, email, display_name, password_hash FROM facilitators WHERE email = $1",
            email
        )?)
    }

    pub async fn facilitator_by_id(&self, id: &str) -> Result<Option<FacilitatorRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_optional,
            FacilitatorRow,
            "SELECT id, email, display_name, password_hash FROM facilitators WHERE id = $1",
            id
        )?)
    }

    pub async fn facilitator_count(&self) -> Result<i64, StoreError> {
        with_pool!(self, |p| {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM facilitators")
                .fetch_one(p)
                .await?;
            Ok(row.try_get::<i64, _>("n")?)
        })
    }

    pub async fn create_login(
        &self,
        token_hash: &str,
        facilitator_id: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        exec!(self, "INSERT INTO logins (token_hash, facilitator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            token_hash, facilitator_id, now_ms(), expires_at)?;
        Ok(())
    }

    /// The login a token belongs to, expired or not (the access decision tells).
    pub async fn login_by_token(&self, token_hash: &str) -> Result<Option<LoginRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_optional,
            LoginRow,
            "SELECT facilitator_id, expires_at FROM logins WHERE token_hash = $1",
            token_hash
        )?)
    }

    pub async fn delete_login(&self, token_hash: &str) -> Result<(), StoreError> {
        exec!(self, "DELETE FROM logins WHERE token_hash = $1", token_hash)?;
        Ok(())
    }

    /// Stores the setup link of this start; the links of earlier starts that were never
    /// used stop being valid (one link is valid at a time: the newest).
    pub async fn create_setup_token(&self, token_hash: &str) -> Result<(), StoreError> {
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM setup_tokens WHERE used_at IS NULL")
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
                .bind(token_hash)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Whether a setup token is unused and was made after `created_after` (ms), without
    /// using it.
    pub async fn setup_token_valid(
        &self,
        token_hash: &str,
        created_after: i64,
    ) -> Result<bool, StoreError> {
        with_pool!(self, |p| {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND created_at > $2",
            )
            .bind(token_hash)
            .bind(created_after)
            .fetch_one(p)
            .await?;
            Ok(row.try_get::<i64, _>("n")? > 0)
        })
    }

    /// The first facilitator, through the setup link, in one transaction: the token is
    /// used (it must be unused and made after `created_after`) and the facilitator is
    /// inserted only while there is none. Setups run one at a time: on PostgreSQL the
    /// transaction locks the facilitators table against other writers first; on SQLite its
    /// first statement is a write, which takes the database's write lock. A setup that
    /// fails leaves the token unused.
    pub async fn setup_first_facilitator(
        &self,
        token_hash: &str,
        created_after: i64,
        row: &FacilitatorRow,
    ) -> Result<SetupOutcome, StoreError> {
        let postgres = self.backend() == Backend::Postgres;
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            if postgres {
                sqlx::query("LOCK TABLE facilitators IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await?;
            }
            let used = sqlx::query(
                "UPDATE setup_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND created_at > $3",
            )
            .bind(token_hash)
            .bind(now_ms())
            .bind(created_after)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM facilitators")
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if existing > 0 {
                tx.rollback().await?;
                return Ok(SetupOutcome::AlreadyDone);
            }
            if used != 1 {
                tx.rollback().await?;
                return Ok(SetupOutcome::InvalidToken);
            }
            let inserted = sqlx::query(
                "INSERT INTO facilitators (id, email, display_name, password_hash, created_at) \
                 SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM facilitators)",
            )
            .bind(&row.id)
            .bind(&row.email)
            .bind(&row.display_name)
            .bind(&row.password_hash)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted != 1 {
                tx.rollback().await?;
                return Ok(SetupOutcome::AlreadyDone);
            }
            tx.commit().await?;
            Ok(SetupOutcome::Created)
        })
    }

    // ------------------------------------------------------------ workspaces

    pub async fn create_workspace(
        &self,
        id: &str,
        owner_id: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        exec!(
            self,
            "INSERT INTO workspaces (id, owner_id, name, created_at) VALUES ($1, $2, $3, $4)",
            id,
            owner_id,
            name,
            now_ms()
        )?;
        Ok(())
    }

    pub async fn list_workspaces(&self, owner_id: &str) -> Result<Vec<WorkspaceRow>, StoreError> {
        Ok(fetch!(self, fetch_all, WorkspaceRow,
            "SELECT id, owner_id, name, archived, created_at FROM workspaces WHERE owner_id = $1 ORDER BY created_at, id", owner_id)?)
    }

    pub async fn get_workspace(&self, id: &str) -> Result<Option<WorkspaceRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_optional,
            WorkspaceRow,
            "SELECT id, owner_id, name, archived, created_at FROM workspaces WHERE id = $1",
            id
        )?)
    }

    pub async fn update_workspace(
        &self,
        id: &str,
        name: &str,
        archived: bool,
    ) -> Result<(), StoreError> {
        exec!(
            self,
            "UPDATE workspaces SET name = $2, archived = $3 WHERE id = $1",
            id,
            name,
            archived
        )?;
        Ok(())
    }

    /// Deletes a workspace and everything in it, board logs and snapshots included (a
    /// GDPR erasure request must be answerable). Returns the ids of the boards removed.
    pub async fn delete_workspace(&self, id: &str) -> Result<Vec<String>, StoreError> {
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let boards: Vec<String> = sqlx::query(
                "SELECT b.id FROM boards b JOIN rooms r ON r.id = b.room_id JOIN sessions s ON s.id = r.session_id \
                 WHERE s.workspace_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|r| r.try_get::<String, _>("id"))
            .collect::<Result<_, _>>()?;
            let now = crate::now_ms();
            for b in &boards {
                // the board's log, snapshots and head, and its participants' private
                // drafts'; the id is remembered so that it is refused from now on
                for sql in BOARD_DATA {
                    sqlx::query(sql)
                        .bind(b)
                        .bind(format!("{b}.draft."))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO deleted_boards (board_id, deleted_at) VALUES ($1, $2) \
                     ON CONFLICT (board_id) DO NOTHING",
                )
                .bind(b)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            // sessions, rooms, boards, invites, participants, votes follow by cascade;
            // delete children explicitly too, for SQLite connections without foreign keys
            for sql in [
                "DELETE FROM vote_marks WHERE vote_id IN (SELECT v.id FROM votes v JOIN boards b ON b.id = v.board_id JOIN rooms r ON r.id = b.room_id JOIN sessions s ON s.id = r.session_id WHERE s.workspace_id = $1)",
                "DELETE FROM vote_ballots WHERE vote_id IN (SELECT v.id FROM votes v JOIN boards b ON b.id = v.board_id JOIN rooms r ON r.id = b.room_id JOIN sessions s ON s.id = r.session_id WHERE s.workspace_id = $1)",
                "DELETE FROM vote_tally WHERE vote_id IN (SELECT v.id FROM votes v JOIN boards b ON b.id = v.board_id JOIN rooms r ON r.id = b.room_id JOIN sessions s ON s.id = r.session_id WHERE s.workspace_id = $1)",
                "DELETE FROM votes WHERE board_id IN (SELECT b.id FROM boards b JOIN rooms r ON r.id = b.room_id JOIN sessions s ON s.id = r.session_id WHERE s.workspace_id = $1)",
                "DELETE FROM boards WHERE room_id IN (SELECT r.id FROM rooms r JOIN sessions s ON s.id = r.session_id WHERE s.workspace_id = $1)",
                "DELETE FROM participants WHERE session_id IN (SELECT id FROM sessions WHERE workspace_id = $1)",
                "DELETE FROM invites WHERE session_id IN (SELECT id FROM sessions WHERE workspace_id = $1)",
                "DELETE FROM rooms WHERE session_id IN (SELECT id FROM sessions WHERE workspace_id = $1)",
                "DELETE FROM sessions WHERE workspace_id = $1",
                "DELETE FROM workspaces WHERE id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(boards)
        })
    }

    /// Deletes whatever a board (and its drafts) still has in the log, the snapshots and
    /// the heads: after a deletion, for what a live board wrote before it was discarded.
    pub async fn purge_boards(&self, ids: &[String]) -> Result<(), StoreError> {
        for b in ids {
            for sql in BOARD_DATA {
                let drafts = format!("{b}.draft.");
                exec!(self, sql, b, drafts.as_str())?;
            }
        }
        Ok(())
    }

    /// Whether `board_id` belongs to a deleted workspace (a private draft counts as its
    /// board: `{board}.draft.{participant}`).
    pub async fn is_board_deleted(&self, board_id: &str) -> Result<bool, StoreError> {
        let base = board_id.split(".draft.").next().unwrap_or(board_id);
        let row: Option<(String,)> = fetch!(
            self,
            fetch_optional,
            (String,),
            "SELECT board_id FROM deleted_boards WHERE board_id = $1",
            base
        )?;
        Ok(row.is_some())
    }

    // ------------------------------------------------------------ sessions

    /// Inserts a row placed after its siblings (`insert` takes `args`, then the creation
    /// time, and computes `MAX(position) + 1` in the parent `args[1]`), after `lock`, a
    /// write on the parent's row (`$1`): rows made at once in one parent then take their
    /// positions one after the other. On PostgreSQL that is the parent's row lock (two
    /// bare `INSERT … SELECT MAX(position) + 1` read the same maximum); on SQLite, the
    /// database's write lock.
    async fn insert_at_end(
        &self,
        lock: &str,
        insert: &str,
        args: [&str; 4],
    ) -> Result<(), StoreError> {
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(lock).bind(args[1]).execute(&mut *tx).await?;
            let mut q = sqlx::query(insert);
            for a in args {
                q = q.bind(a);
            }
            q.bind(now_ms()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn create_session(
        &self,
        id: &str,
        workspace_id: &str,
        title: &str,
        date: &str,
    ) -> Result<(), StoreError> {
        self.insert_at_end(
            "UPDATE workspaces SET name = name WHERE id = $1",
            "INSERT INTO sessions (id, workspace_id, title, date, position, created_at) \
             VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM sessions WHERE workspace_id = $2), $5)",
            [id, workspace_id, title, date],
        )
        .await
    }

    pub async fn list_sessions(&self, workspace_id: &str) -> Result<Vec<SessionRow>, StoreError> {
        Ok(fetch!(self, fetch_all, SessionRow,
            "SELECT id, workspace_id, title, date, position, archived, closed_at, state, created_at FROM sessions \
             WHERE workspace_id = $1 ORDER BY position", workspace_id)?)
    }

    pub async fn get_session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        Ok(fetch!(self, fetch_optional, SessionRow,
            "SELECT id, workspace_id, title, date, position, archived, closed_at, state, created_at FROM sessions WHERE id = $1", id)?)
    }

    pub async fn update_session(
        &self,
        id: &str,
        title: &str,
        date: &str,
        archived: bool,
    ) -> Result<(), StoreError> {
        exec!(
            self,
            "UPDATE sessions SET title = $2, date = $3, archived = $4 WHERE id = $1",
            id,
            title,
            date,
            archived
        )?;
        Ok(())
    }

    /// Changes a session's room state, one change at a time across every node: `change`
    /// gets the stored state (`None`: no such session) and returns the new one, or its
    /// own error, which changes nothing. On PostgreSQL the change runs in a transaction
    /// that holds the session's row lock (`SELECT … FOR UPDATE`) from the read to the
    /// write, so changes made through several nodes never interleave (none is lost). On
    /// SQLite, one node by design, a lock in the process serialises them.
    pub async fn change_session_state<E>(
        &self,
        id: &str,
        change: impl FnOnce(Option<&str>) -> Result<String, E>,
    ) -> Result<Result<(), E>, StoreError> {
        const READ: &str = "SELECT state FROM sessions WHERE id = $1";
        const WRITE: &str = "UPDATE sessions SET state = $2 WHERE id = $1";
        match &self.pool {
            crate::Pool::Sqlite(p, _) => {
                let _one_at_a_time = self.state_lock.lock().await;
                let state: Option<(String,)> =
                    sqlx::query_as(READ).bind(id).fetch_optional(p).await?;
                match change(state.as_ref().map(|(s,)| s.as_str())) {
                    Ok(new) => {
                        sqlx::query(WRITE).bind(id).bind(new).execute(p).await?;
                        Ok(Ok(()))
                    }
                    Err(e) => Ok(Err(e)),
                }
            }
            crate::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let state: Option<(String,)> = sqlx::query_as(&format!("{READ} FOR UPDATE"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match change(state.as_ref().map(|(s,)| s.as_str())) {
                    Ok(new) => {
                        sqlx::query(WRITE)
                            .bind(id)
                            .bind(new)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        Ok(Ok(()))
                    }
                    Err(e) => {
                        tx.rollback().await?;
                        Ok(Err(e))
                    }
                }
            }
        }
    }

    pub async fn close_session(&self, id: &str) -> Result<(), StoreError> {
        exec!(
            self,
            "UPDATE sessions SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
            id,
            now_ms()
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ rooms and boards

    pub async fn create_room(
        &self,
        id: &str,
        session_id: &str,
        kind: RoomKind,
        name: &str,
    ) -> Result<(), StoreError> {
        self.insert_at_end(
            "UPDATE sessions SET title = title WHERE id = $1",
            "INSERT INTO rooms (id, session_id, kind, name, position, created_at) \
             VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM rooms WHERE session_id = $2), $5)",
            [id, session_id, kind.as_str(), name],
        )
        .await
    }

    pub async fn list_rooms(&self, session_id: &str) -> Result<Vec<RoomRow>, StoreError> {
        Ok(fetch!(self, fetch_all, RoomRow,
            "SELECT id, session_id, kind, name, position FROM rooms WHERE session_id = $1 ORDER BY position", session_id)?)
    }

    pub async fn get_room(&self, id: &str) -> Result<Option<RoomRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_optional,
            RoomRow,
            "SELECT id, session_id, kind, name, position FROM rooms WHERE id = $1",
            id
        )?)
    }

    pub async fn create_board(
        &self,
        id: &str,
        room_id: &str,
        kind: BoardKind,
        title: &str,
    ) -> Result<(), StoreError> {
        self.insert_at_end(
            "UPDATE rooms SET name = name WHERE id = $1",
            "INSERT INTO boards (id, room_id, kind, title, position, created_at) \
             VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM boards WHERE room_id = $2), $5)",
            [id, room_id, kind.as_str(), title],
        )
        .await
    }

    pub async fn get_board(&self, id: &str) -> Result<Option<BoardRow>, StoreError> {
        let sql = format!("{BOARD_SELECT} WHERE b.id = $1");
        Ok(fetch!(self, fetch_optional, BoardRow, &sql, id)?)
    }

    pub async fn list_session_boards(&self, session_id: &str) -> Result<Vec<BoardRow>, StoreError> {
        let sql = format!("{BOARD_SELECT} WHERE r.session_id = $1 ORDER BY r.position, b.position");
        Ok(fetch!(self, fetch_all, BoardRow, &sql, session_id)?)
    }

    pub async fn update_board(
        &self,
        id: &str,
        title: &str,
        locked: bool,
    ) -> Result<(), StoreError> {
        exec!(
            self,
            "UPDATE boards SET title = $2, locked = $3 WHERE id = $1",
            id,
            title,
            locked
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ invites and participants

    pub async fn create_invite(
        &self,
        id: &str,
        session_id: &str,
        role: Role,
        token_hash: &str,
        code_hash: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        exec!(self,
            "INSERT INTO invites (id, session_id, role, token_hash, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            id, session_id, role.as_str(), token_hash, code_hash, now_ms(), expires_at)?;
        Ok(())
    }

    /// The invitation whose short code hashes to `code_hash` (see `create_invite`).
    pub async fn invite_by_code(&self, code_hash: &str) -> Result<Option<InviteRow>, StoreError> {
        Ok(fetch!(self, fetch_optional, InviteRow,
            "SELECT id, session_id, role, created_at, expires_at, revoked_at FROM invites WHERE code_hash = $1", code_hash)?)
    }

    pub async fn invite_by_token(&self, token_hash: &str) -> Result<Option<InviteRow>, StoreError> {
        Ok(fetch!(self, fetch_optional, InviteRow,
            "SELECT id, session_id, role, created_at, expires_at, revoked_at FROM invites WHERE token_hash = $1", token_hash)?)
    }

    pub async fn get_invite(&self, id: &str) -> Result<Option<InviteRow>, StoreError> {
        Ok(fetch!(self, fetch_optional, InviteRow,
            "SELECT id, session_id, role, created_at, expires_at, revoked_at FROM invites WHERE id = $1", id)?)
    }

    pub async fn list_invites(&self, session_id: &str) -> Result<Vec<InviteRow>, StoreError> {
        Ok(fetch!(self, fetch_all, InviteRow,
            "SELECT id, session_id, role, created_at, expires_at, revoked_at FROM invites WHERE session_id = $1 ORDER BY created_at, id", session_id)?)
    }

    /// Revokes an invitation; returns the ids of the participants who joined through
    /// it (their credentials stop working at once: see `member_by_token`).
    pub async fn revoke_invite(&self, id: &str) -> Result<Vec<String>, StoreError> {
        exec!(
            self,
            "UPDATE invites SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            id,
            now_ms()
        )?;
        let rows: Vec<(String,)> = fetch!(
            self,
            fetch_all,
            (String,),
            "SELECT id FROM participants WHERE invite_id = $1 AND removed_at IS NULL",
            id
        )?;
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }

    pub async fn create_participant(
        &self,
        id: &str,
        session_id: &str,
        invite_id: Option<&str>,
        role: Role,
        name: &str,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        exec!(self,
            "INSERT INTO participants (id, session_id, invite_id, role, display_name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            id, session_id, invite_id, role.as_str(), name, token_hash, now_ms())?;
        Ok(())
    }

    /// The member a token belongs to, with what their credential's lifetime depends on
    /// (a member's credential ends with the invitation it came from, and with their
    /// removal): revoked, expired or removed ones too, for the access decision to refuse.
    pub async fn member_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<MemberCredentialRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_optional,
            MemberCredentialRow,
            "SELECT p.id, p.session_id, p.role, p.display_name, p.group_room, s.workspace_id, \
             i.expires_at AS invite_expires_at, i.revoked_at AS invite_revoked_at, p.removed_at \
             FROM participants p JOIN sessions s ON s.id = p.session_id \
             LEFT JOIN invites i ON i.id = p.invite_id WHERE p.token_hash = $1",
            token_hash
        )?)
    }

    /// The members of a session (participants and observers), not those removed from it.
    pub async fn list_participants(
        &self,
        session_id: &str,
    ) -> Result<Vec<ParticipantRow>, StoreError> {
        let sql = format!(
            "{PARTICIPANT_SELECT} WHERE p.session_id = $1 AND p.removed_at IS NULL \
             ORDER BY p.created_at, p.id"
        );
        Ok(fetch!(self, fetch_all, ParticipantRow, &sql, session_id)?)
    }

    /// Everyone who joined a session, those removed from it too: whose private drafts a
    /// reveal brings onto the board (what a removed member wrote stays, on the boards and
    /// in their drafts alike).
    pub async fn list_participants_ever(
        &self,
        session_id: &str,
    ) -> Result<Vec<ParticipantRow>, StoreError> {
        let sql =
            format!("{PARTICIPANT_SELECT} WHERE p.session_id = $1 ORDER BY p.created_at, p.id");
        Ok(fetch!(self, fetch_all, ParticipantRow, &sql, session_id)?)
    }

    /// A member of a session, not removed from it.
    pub async fn get_participant(&self, id: &str) -> Result<Option<ParticipantRow>, StoreError> {
        let sql = format!("{PARTICIPANT_SELECT} WHERE p.id = $1 AND p.removed_at IS NULL");
        Ok(fetch!(self, fetch_optional, ParticipantRow, &sql, id)?)
    }

    /// Removes a member from their session: their credential is refused from now on
    /// (`member_by_token` says `removed_at`), they leave its member list and their group.
    /// What they wrote stays on the boards. Returns whether they were a member.
    pub async fn remove_participant(&self, id: &str) -> Result<bool, StoreError> {
        let n = exec!(
            self,
            "UPDATE participants SET removed_at = $2, group_room = NULL \
             WHERE id = $1 AND removed_at IS NULL",
            id,
            now_ms()
        )?;
        Ok(n == 1)
    }

    /// The invitation a participant joined through (`None`: none, or no such participant).
    pub async fn participant_invite(&self, id: &str) -> Result<Option<String>, StoreError> {
        with_pool!(self, |p| {
            let row = sqlx::query("SELECT invite_id FROM participants WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?;
            Ok(match row {
                Some(r) => r.try_get::<Option<String>, _>("invite_id")?,
                None => None,
            })
        })
    }

    pub async fn rename_participant(&self, id: &str, name: &str) -> Result<(), StoreError> {
        exec!(
            self,
            "UPDATE participants SET display_name = $2 WHERE id = $1",
            id,
            name
        )?;
        Ok(())
    }

    pub async fn set_participant_group(
        &self,
        id: &str,
        room: Option<&str>,
    ) -> Result<(), StoreError> {
        exec!(
            self,
            "UPDATE participants SET group_room = $2 WHERE id = $1",
            id,
            room
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ votes
    //
    // A dot is counted in three tables that share no voter id (migration 0007): the tally
    // (item → dots), the voter's ballot (how many they placed) and the voter's marks (one
    // per dot, naming the item in a form only the voter's credential can compute). The
    // names and marks are computed by the caller (`tavolo_rooms::auth::ballot`); this layer
    // only keeps the counts exact and the budget whole under concurrency.

    pub async fn create_vote(&self, id: &str, board_id: &str, dots: i64) -> Result<(), StoreError> {
        exec!(
            self,
            "INSERT INTO votes (id, board_id, dots, created_at) VALUES ($1, $2, $3, $4)",
            id,
            board_id,
            dots,
            now_ms()
        )?;
        Ok(())
    }

    pub async fn get_vote(&self, id: &str) -> Result<Option<VoteRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_optional,
            VoteRow,
            "SELECT id, board_id, dots, open, created_at, closed_at FROM votes WHERE id = $1",
            id
        )?)
    }

    pub async fn list_votes(&self, board_id: &str) -> Result<Vec<VoteRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_all,
            VoteRow,
            "SELECT id, board_id, dots, open, created_at, closed_at FROM votes WHERE board_id = $1 ORDER BY created_at, id",
            board_id
        )?)
    }

    /// Closes a vote and forgets who placed its dots: its ballots and marks are deleted in
    /// the same transaction, so a closed vote is only its tally. A dot being placed at the
    /// same moment is either counted before the close or refused after it.
    pub async fn close_vote(&self, id: &str) -> Result<(), StoreError> {
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // the vote's row first: a write, so on SQLite the transaction holds the write
            // lock from here, and on PostgreSQL it waits for dots in flight (they lock it)
            sqlx::query(
                "UPDATE votes SET open = FALSE, closed_at = COALESCE(closed_at, $2) WHERE id = $1",
            )
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            for sql in [
                "DELETE FROM vote_marks WHERE vote_id = $1",
                "DELETE FROM vote_ballots WHERE vote_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Places a dot on `item_id` for the voter named `voter` (with `mark`, the voter's
    /// mark for that item) if the vote is open and the voter has placed fewer than
    /// `allowance`. One transaction whose first statement is a write: on SQLite it holds
    /// the write lock throughout (no read-then-upgrade, which fails with "database is
    /// locked" under concurrency), on PostgreSQL the vote's and the ballot's row locks
    /// order concurrent dots, and the budget is checked by the `UPDATE … WHERE used <
    /// allowance` itself.
    pub async fn place_dot(
        &self,
        vote_id: &str,
        voter: &str,
        mark: &str,
        item_id: &str,
        allowance: i64,
    ) -> Result<DotOutcome, StoreError> {
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let open = sqlx::query("UPDATE votes SET open = open WHERE id = $1 AND open")
                .bind(vote_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if open == 0 {
                tx.rollback().await?;
                return Ok(DotOutcome::Closed);
            }
            sqlx::query(
                "INSERT INTO vote_ballots (vote_id, voter, used) VALUES ($1, $2, 0) \
                 ON CONFLICT (vote_id, voter) DO NOTHING",
            )
            .bind(vote_id)
            .bind(voter)
            .execute(&mut *tx)
            .await?;
            let counted = sqlx::query(
                "UPDATE vote_ballots SET used = used + 1 WHERE vote_id = $1 AND voter = $2 AND used < $3",
            )
            .bind(vote_id)
            .bind(voter)
            .bind(allowance)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if counted == 0 {
                tx.rollback().await?;
                return Ok(DotOutcome::NoneLeft);
            }
            sqlx::query("INSERT INTO vote_marks (vote_id, voter, mark) VALUES ($1, $2, $3)")
                .bind(vote_id)
                .bind(voter)
                .bind(mark)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO vote_tally (vote_id, item_id, dots) VALUES ($1, $2, 1) \
                 ON CONFLICT (vote_id, item_id) DO UPDATE SET dots = vote_tally.dots + 1",
            )
            .bind(vote_id)
            .bind(item_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(DotOutcome::Done)
        })
    }

    /// Takes back one of the voter's dots on `item_id` (the one `mark` names), if the vote
    /// is open and the voter has one there. Locked as [`Store::place_dot`] is.
    pub async fn remove_dot(
        &self,
        vote_id: &str,
        voter: &str,
        mark: &str,
        item_id: &str,
    ) -> Result<DotOutcome, StoreError> {
        // one row of possibly several identical ones: by the backend's row address
        let delete_mark = match self.backend() {
            Backend::Sqlite => {
                "DELETE FROM vote_marks WHERE rowid IN (SELECT rowid FROM vote_marks \
                 WHERE vote_id = $1 AND voter = $2 AND mark = $3 LIMIT 1)"
            }
            Backend::Postgres => {
                "DELETE FROM vote_marks WHERE ctid IN (SELECT ctid FROM vote_marks \
                 WHERE vote_id = $1 AND voter = $2 AND mark = $3 LIMIT 1)"
            }
        };
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let open = sqlx::query("UPDATE votes SET open = open WHERE id = $1 AND open")
                .bind(vote_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if open == 0 {
                tx.rollback().await?;
                return Ok(DotOutcome::Closed);
            }
            // the ballot's row lock orders this voter's changes before the mark is looked at
            let ballot = sqlx::query(
                "UPDATE vote_ballots SET used = used - 1 WHERE vote_id = $1 AND voter = $2 AND used > 0",
            )
            .bind(vote_id)
            .bind(voter)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let marked = if ballot == 0 {
                0
            } else {
                sqlx::query(delete_mark)
                    .bind(vote_id)
                    .bind(voter)
                    .bind(mark)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            };
            if marked == 0 {
                tx.rollback().await?;
                return Ok(DotOutcome::NoneLeft);
            }
            for sql in [
                "UPDATE vote_tally SET dots = dots - 1 WHERE vote_id = $1 AND item_id = $2",
                "DELETE FROM vote_tally WHERE vote_id = $1 AND item_id = $2 AND dots <= 0",
            ] {
                sqlx::query(sql)
                    .bind(vote_id)
                    .bind(item_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(DotOutcome::Done)
        })
    }

    /// Dots per item, most first, then by item id's bytes. (The ties are put in order
    /// here, not by `ORDER BY item_id`: PostgreSQL would sort those by the database's
    /// collation, which is not SQLite's byte order unless it is `C`, and item ids mix
    /// cases.)
    pub async fn vote_tally(&self, vote_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let mut tally = with_pool!(self, |p| {
            let rows = sqlx::query(
                "SELECT item_id, dots FROM vote_tally WHERE vote_id = $1 AND dots > 0 ORDER BY dots DESC, item_id",
            )
            .bind(vote_id)
            .fetch_all(p)
            .await?;
            rows.into_iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>("item_id")?,
                        r.try_get::<i64, _>("dots")?,
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        tally.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(tally)
    }

    /// How many dots the voter named `voter` has placed in an open vote (a closed vote
    /// remembers nobody: 0).
    pub async fn dots_used(&self, vote_id: &str, voter: &str) -> Result<i64, StoreError> {
        with_pool!(self, |p| {
            let row = sqlx::query(
                "SELECT COALESCE(MAX(used), 0) AS n FROM vote_ballots WHERE vote_id = $1 AND voter = $2",
            )
            .bind(vote_id)
            .bind(voter)
            .fetch_one(p)
            .await?;
            Ok(row.try_get::<i64, _>("n")?)
        })
    }

    // ------------------------------------------------------------ labelled snapshots

    /// Stores a labelled snapshot (`manual` or `closing`) of a board; returns its id.
    pub async fn create_snapshot(
        &self,
        board_id: &str,
        seq: i64,
        state: &[u8],
        kind: SnapshotKind,
        label: &str,
        session_id: Option<&str>,
    ) -> Result<i64, StoreError> {
        with_pool!(self, |p| {
            let row = sqlx::query(
                "INSERT INTO board_snapshots (board_id, seq, state, encoding, kind, label, session_id, created_at) \
                 VALUES ($1, $2, $3, 1, $4, $5, $6, $7) RETURNING id",
            )
            .bind(board_id).bind(seq).bind(state).bind(kind.as_str()).bind(label).bind(session_id).bind(now_ms())
            .fetch_one(p)
            .await?;
            Ok(row.try_get::<i64, _>("id")?)
        })
    }

    /// A board's labelled snapshots (not the automatic compaction ones), newest first.
    pub async fn list_snapshots(&self, board_id: &str) -> Result<Vec<SnapshotRow>, StoreError> {
        Ok(fetch!(
            self,
            fetch_all,
            SnapshotRow,
            "SELECT id, board_id, seq, kind, label, session_id, created_at FROM board_snapshots \
             WHERE board_id = $1 AND kind <> 'auto' ORDER BY id DESC",
            board_id
        )?)
    }

    pub async fn get_snapshot(
        &self,
        id: i64,
    ) -> Result<Option<(SnapshotRow, Vec<u8>)>, StoreError> {
        with_pool!(self, |p| {
            let row = sqlx::query(
                "SELECT id, board_id, seq, kind, label, session_id, created_at, state FROM board_snapshots WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let meta = SnapshotRow::from_row(&r)?;
                    Ok(Some((meta, r.try_get("state")?)))
                }
            }
        })
    }
}
