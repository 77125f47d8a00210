//! The facilitation queries (`src/domain.rs`) as a contract, run on both backends: SQLite
//! in a temporary directory and a fresh PostgreSQL database (`TestPostgres`, at
//! `TAVOLO_TEST_POSTGRES_URL` or the default local server; like `tests/contract.rs`,
//! the PostgreSQL half needs the server and fails without it).
//!
//! One async fn per resource, each run on both backends by the `on_both!` wrappers at the
//! bottom, and on PostgreSQL twice: in a database that sorts text by bytes, as SQLite does
//! (`TestPostgres`'s, like the test server's), and in one that sorts it by a language's rules
//! (`LocalePostgres`), as a server set up with a locale does. What is checked is what the callers (`tavolo-http`'s `api::*` and `service`)
//! rely on: what each query returns and changes, unknown ids, duplicates, the order of
//! lists, and what a deleted workspace leaves behind (nothing but the ids of its boards).

use std::collections::BTreeMap;
use std::fmt::Display;
use std::time::Duration;
use tavolo_board::BoardKind;
use tavolo_store::testing::TestPostgres;
use tavolo_store::{
    now_ms, BoardAppend, BoardRow, DotOutcome, FacilitatorRow, InviteRow, LoginRow, ParticipantRow,
    Role, RoomKind, RoomRow, SetupOutcome, SnapshotKind, SnapshotRow, Store, StoreError,
    WorkspaceRow,
};

// ----------------------------------------------------------------------------------------
// The one place that knows how kinds and roles are typed: the `create_*` calls that take
// one go through the wrappers below, with the stored name, and `name` reads a row's kind
// or role back as that name.

/// A kind or role as its stored name (`"plenary"` for `RoomKind::Plenary`).
fn name(v: &impl Display) -> String {
    v.to_string()
}

async fn room(
    s: &Store,
    id: &str,
    session: &str,
    kind: &str,
    title: &str,
) -> Result<(), StoreError> {
    s.create_room(id, session, RoomKind::parse(kind).unwrap(), title)
        .await
}

async fn board(s: &Store, id: &str, room: &str, title: &str) -> Result<(), StoreError> {
    s.create_board(id, room, BoardKind::Free, title).await
}

async fn invite(
    s: &Store,
    id: &str,
    session: &str,
    role: &str,
    token: &str,
    code: &str,
    expires_at: i64,
) -> Result<(), StoreError> {
    s.create_invite(
        id,
        session,
        Role::parse(role).unwrap(),
        token,
        code,
        expires_at,
    )
    .await
}

async fn member(
    s: &Store,
    id: &str,
    session: &str,
    invite: Option<&str>,
    role: &str,
    display_name: &str,
    token: &str,
) -> Result<(), StoreError> {
    s.create_participant(
        id,
        session,
        invite,
        Role::parse(role).unwrap(),
        display_name,
        token,
    )
    .await
}

async fn snapshot(
    s: &Store,
    board: &str,
    seq: i64,
    state: &[u8],
    kind: &str,
    label: &str,
    session: Option<&str>,
) -> i64 {
    s.create_snapshot(
        board,
        seq,
        state,
        SnapshotKind::parse(kind).unwrap(),
        label,
        session,
    )
    .await
    .unwrap()
}

// ----------------------------------------------------------------------------------------
// Fixtures.

/// Long enough for `now_ms()` to move on, so that rows made after it sort after.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(3)).await;
}

fn append(board: &str, data: &[&[u8]]) -> BoardAppend {
    BoardAppend {
        board_id: board.to_owned(),
        updates: data.iter().map(|d| d.to_vec()).collect(),
    }
}

/// A facilitator `f`, workspace `w`, session `s`, plenary room `r` and board `b`.
async fn seated(store: &Store) {
    store
        .create_facilitator("f", "f@x", "F", "h")
        .await
        .unwrap();
    store.create_workspace("w", "f", "W").await.unwrap();
    store
        .create_session("s", "w", "S", "2026-12-01")
        .await
        .unwrap();
    room(store, "r", "s", "plenary", "Plenaria").await.unwrap();
    board(store, "b", "r", "B").await.unwrap();
}

/// The database itself, beside the store, to see what is in every table.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn open(url: &str) -> Raw {
        if url.starts_with("sqlite:") {
            Raw::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap())
        } else {
            Raw::Postgres(sqlx::PgPool::connect(url).await.unwrap())
        }
    }

    /// `SELECT COUNT(*)` with one text bind.
    async fn count(&self, sql: &str, arg: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).bind(arg).fetch_one(p).await,
            Raw::Postgres(p) => sqlx::query_scalar(sql).bind(arg).fetch_one(p).await,
        }
        .unwrap()
    }

    /// Every column of every table of the schema, as `(table, column)`.
    async fn columns(&self) -> Vec<(String, String)> {
        match self {
            Raw::Sqlite(p) => sqlx::query_as(
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name <> '_sqlx_migrations' ORDER BY 1, 2",
            )
            .fetch_all(p)
            .await
            .unwrap(),
            Raw::Postgres(p) => sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                 ORDER BY 1, 2",
            )
            .fetch_all(p)
            .await
            .unwrap(),
        }
    }

    /// How many rows of each `table.column` have `needle` in their value (as text).
    async fn mentions(&self, needle: &str) -> BTreeMap<String, i64> {
        let contains = match self {
            Raw::Sqlite(_) => "instr(CAST({c} AS TEXT), $1) > 0",
            Raw::Postgres(_) => "strpos(CAST({c} AS TEXT), $1) > 0",
        };
        let mut found = BTreeMap::new();
        let columns = self.columns().await;
        assert!(columns.len() > 40, "the schema's columns: {columns:?}");
        for (table, column) in columns {
            let sql = format!(
                "SELECT COUNT(*) FROM {table} WHERE {}",
                contains.replace("{c}", &format!("\"{column}\""))
            );
            let n = self.count(&sql, needle).await;
            if n > 0 {
                found.insert(format!("{table}.{column}"), n);
            }
        }
        found
    }

    async fn close(self) {
        match self {
            Raw::Sqlite(p) => p.close().await,
            Raw::Postgres(p) => p.close().await,
        }
    }
}

// ----------------------------------------------------------------------------------------
// Facilitators, logins and the setup link.

async fn facilitators(store: Store, _raw: Raw) {
    let s = &store;
    assert_eq!(s.facilitator_count().await.unwrap(), 0);
    assert!(s.facilitator_by_email("a@x").await.unwrap().is_none());
    assert!(s.facilitator_by_id("fa").await.unwrap().is_none());

    s.create_facilitator("fa", "a@x", "Anna", "hash-a")
        .await
        .unwrap();
    s.create_facilitator("fb", "b@x", "Bruno", "hash-b")
        .await
        .unwrap();
    let anna = FacilitatorRow {
        id: "fa".into(),
        email: "a@x".into(),
        display_name: "Anna".into(),
        password_hash: "hash-a".into(),
    };
    assert_eq!(
        s.facilitator_by_email("a@x").await.unwrap(),
        Some(anna.clone())
    );
    assert_eq!(s.facilitator_by_id("fa").await.unwrap(), Some(anna));
    assert_eq!(
        s.facilitator_by_id("fb").await.unwrap().unwrap().email,
        "b@x"
    );
    assert_eq!(s.facilitator_count().await.unwrap(), 2);

    // an email and an id are taken once: a second is refused and nothing changes
    assert!(s
        .create_facilitator("fc", "a@x", "Other", "h")
        .await
        .is_err());
    assert!(s
        .create_facilitator("fa", "c@x", "Other", "h")
        .await
        .is_err());
    assert_eq!(s.facilitator_count().await.unwrap(), 2);
    assert!(s.facilitator_by_id("fc").await.unwrap().is_none());
    assert!(s.facilitator_by_email("c@x").await.unwrap().is_none());
    assert_eq!(
        s.facilitator_by_id("fa")
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "Anna"
    );

    // emails are compared exactly, on both backends (the caller lowercases them first)
    assert!(s.facilitator_by_email("A@X").await.unwrap().is_none());
    assert!(s.facilitator_by_email("a@x ").await.unwrap().is_none());
    assert!(s.facilitator_by_email("a@%").await.unwrap().is_none());
    store.close().await;
}

async fn logins(store: Store, _raw: Raw) {
    let s = &store;
    s.create_facilitator("f", "f@x", "F", "h").await.unwrap();
    s.create_facilitator("g", "g@x", "G", "h").await.unwrap();
    let later = now_ms() + 3_600_000;
    let earlier = now_ms() - 1;
    s.create_login("t1", "f", later).await.unwrap();
    s.create_login("t2", "f", earlier).await.unwrap();
    s.create_login("t3", "g", later).await.unwrap();
    assert_eq!(
        s.login_by_token("t1").await.unwrap(),
        Some(LoginRow {
            facilitator_id: "f".into(),
            expires_at: later,
        })
    );
    // an expired login is returned as it is: the access decision refuses it
    assert_eq!(
        s.login_by_token("t2").await.unwrap(),
        Some(LoginRow {
            facilitator_id: "f".into(),
            expires_at: earlier,
        })
    );
    assert!(s.login_by_token("nobody").await.unwrap().is_none());

    // a token is used once, and names a facilitator who exists
    assert!(s.create_login("t1", "g", later).await.is_err());
    assert_eq!(
        s.login_by_token("t1")
            .await
            .unwrap()
            .unwrap()
            .facilitator_id,
        "f"
    );
    assert!(s.create_login("t4", "nobody", later).await.is_err());
    assert!(s.login_by_token("t4").await.unwrap().is_none());

    // signing out deletes that login only; again, or an unknown one, is no error
    s.delete_login("t1").await.unwrap();
    assert!(s.login_by_token("t1").await.unwrap().is_none());
    assert!(s.login_by_token("t2").await.unwrap().is_some());
    assert!(s.login_by_token("t3").await.unwrap().is_some());
    s.delete_login("t1").await.unwrap();
    s.delete_login("nobody").await.unwrap();
    store.close().await;
}

fn facilitator(id: &str, email: &str) -> FacilitatorRow {
    FacilitatorRow {
        id: id.into(),
        email: email.into(),
        display_name: format!("Name {id}"),
        password_hash: format!("hash {id}"),
    }
}

async fn setup_link(store: Store, _raw: Raw) {
    use SetupOutcome::{AlreadyDone, Created, InvalidToken};
    let s = &store;
    let f1 = facilitator("f1", "one@x");
    // no link yet: nothing is valid, nothing is created
    assert!(!s.setup_token_valid("s1", 0).await.unwrap());
    assert_eq!(
        s.setup_first_facilitator("s1", 0, &f1).await.unwrap(),
        InvalidToken
    );
    assert_eq!(s.facilitator_count().await.unwrap(), 0);

    let before = now_ms() - 1;
    s.create_setup_token("s1").await.unwrap();
    assert!(s.setup_token_valid("s1", before).await.unwrap());
    assert!(s.setup_token_valid("s1", 0).await.unwrap());
    assert!(!s.setup_token_valid("nobody", before).await.unwrap());
    // a link made at or before `created_after` is from an earlier start
    let future = now_ms() + 60_000;
    assert!(!s.setup_token_valid("s1", future).await.unwrap());
    assert_eq!(
        s.setup_first_facilitator("s1", future, &f1).await.unwrap(),
        InvalidToken
    );
    // checking does not use the link, and a refused setup leaves it unused
    assert!(s.setup_token_valid("s1", before).await.unwrap());
    assert_eq!(s.facilitator_count().await.unwrap(), 0);

    // one link is valid at a time: the newest
    tick().await;
    s.create_setup_token("s2").await.unwrap();
    assert!(!s.setup_token_valid("s1", before).await.unwrap());
    assert!(s.setup_token_valid("s2", before).await.unwrap());
    assert_eq!(
        s.setup_first_facilitator("s1", before, &f1).await.unwrap(),
        InvalidToken
    );
    assert_eq!(s.facilitator_count().await.unwrap(), 0);

    // the setup: the facilitator as given, the link used
    assert_eq!(
        s.setup_first_facilitator("s2", before, &f1).await.unwrap(),
        Created
    );
    assert_eq!(s.facilitator_count().await.unwrap(), 1);
    assert_eq!(s.facilitator_by_id("f1").await.unwrap(), Some(f1.clone()));
    assert_eq!(s.facilitator_by_email("one@x").await.unwrap(), Some(f1));
    assert!(!s.setup_token_valid("s2", before).await.unwrap());

    // once a facilitator exists: done, whatever the link, and a new link stays unused
    let f2 = facilitator("f2", "two@x");
    assert_eq!(
        s.setup_first_facilitator("s2", before, &f2).await.unwrap(),
        AlreadyDone
    );
    s.create_setup_token("s3").await.unwrap();
    assert_eq!(
        s.setup_first_facilitator("s3", before, &f2).await.unwrap(),
        AlreadyDone
    );
    assert!(s.setup_token_valid("s3", before).await.unwrap());
    assert_eq!(s.facilitator_count().await.unwrap(), 1);
    assert!(s.facilitator_by_id("f2").await.unwrap().is_none());
    store.close().await;
}

/// Setups through one link at once make one facilitator; the others are told it is done.
async fn setup_race(store: Store, _raw: Raw) {
    let before = now_ms() - 1;
    store.create_setup_token("link").await.unwrap();
    let mut joins = Vec::new();
    for i in 0..6 {
        let store = store.clone();
        joins.push(tokio::spawn(async move {
            let row = facilitator(&format!("f{i}"), &format!("{i}@x"));
            store
                .setup_first_facilitator("link", before, &row)
                .await
                .unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for j in joins {
        outcomes.push(j.await.unwrap());
    }
    let created = outcomes
        .iter()
        .filter(|o| **o == SetupOutcome::Created)
        .count();
    let done = outcomes
        .iter()
        .filter(|o| **o == SetupOutcome::AlreadyDone)
        .count();
    assert_eq!((created, done), (1, 5), "{outcomes:?}");
    assert_eq!(store.facilitator_count().await.unwrap(), 1);
    assert!(!store.setup_token_valid("link", before).await.unwrap());
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Workspaces.

async fn workspaces(store: Store, _raw: Raw) {
    let s = &store;
    s.create_facilitator("f", "f@x", "F", "h").await.unwrap();
    s.create_facilitator("g", "g@x", "G", "h").await.unwrap();
    assert!(s.list_workspaces("f").await.unwrap().is_empty());
    assert!(s.get_workspace("w1").await.unwrap().is_none());

    let t0 = now_ms();
    s.create_workspace("w2", "f", "Second").await.unwrap();
    tick().await;
    s.create_workspace("w1", "f", "First").await.unwrap();
    tick().await;
    s.create_workspace("w3", "f", "Third").await.unwrap();
    s.create_workspace("wg", "g", "Theirs").await.unwrap();
    let t1 = now_ms();

    // a facilitator's own, oldest first (then by id)
    let list = s.list_workspaces("f").await.unwrap();
    let ids: Vec<&str> = list.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids, ["w2", "w1", "w3"]);
    assert!(list
        .windows(2)
        .all(|p| (p[0].created_at, &p[0].id) < (p[1].created_at, &p[1].id)));
    let w1 = s.get_workspace("w1").await.unwrap().unwrap();
    assert!((t0..=t1).contains(&w1.created_at));
    assert_eq!(
        w1,
        WorkspaceRow {
            id: "w1".into(),
            owner_id: "f".into(),
            name: "First".into(),
            archived: w1.archived,
            created_at: w1.created_at,
        }
    );
    assert!(!w1.archived);
    assert_eq!(list[1], w1);
    assert_eq!(
        s.list_workspaces("g").await.unwrap(),
        vec![s.get_workspace("wg").await.unwrap().unwrap()]
    );
    assert!(s.list_workspaces("nobody").await.unwrap().is_empty());

    // renaming and archiving change those two only; an archived workspace is still listed
    s.update_workspace("w1", "Renamed", true).await.unwrap();
    let got = s.get_workspace("w1").await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.archived), ("Renamed", true));
    assert_eq!(
        (got.owner_id.as_str(), got.created_at),
        ("f", w1.created_at)
    );
    assert_eq!(s.list_workspaces("f").await.unwrap()[1], got);
    assert!(!s.get_workspace("w2").await.unwrap().unwrap().archived);
    s.update_workspace("w1", "Renamed", false).await.unwrap();
    assert!(!s.get_workspace("w1").await.unwrap().unwrap().archived);
    // an unknown id changes nothing and makes nothing
    s.update_workspace("nobody", "X", true).await.unwrap();
    assert!(s.get_workspace("nobody").await.unwrap().is_none());

    // an id is taken once; the owner must exist
    assert!(s.create_workspace("w1", "g", "Again").await.is_err());
    assert_eq!(s.get_workspace("w1").await.unwrap().unwrap().owner_id, "f");
    assert!(s.create_workspace("wx", "nobody", "X").await.is_err());
    assert!(s.get_workspace("wx").await.unwrap().is_none());
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Sessions (meetings) and their room state.

fn counter(state: &str) -> i64 {
    state
        .strip_prefix("{\"n\":")
        .and_then(|r| r.strip_suffix('}'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn sessions(store: Store, _raw: Raw) {
    let s = &store;
    s.create_facilitator("f", "f@x", "F", "h").await.unwrap();
    s.create_workspace("w", "f", "W").await.unwrap();
    s.create_workspace("w2", "f", "W2").await.unwrap();
    assert!(s.list_sessions("w").await.unwrap().is_empty());
    assert!(s.get_session("s1").await.unwrap().is_none());

    let t0 = now_ms();
    s.create_session("s1", "w", "One", "2026-12-01")
        .await
        .unwrap();
    s.create_session("t1", "w2", "Other", "2026-12-02")
        .await
        .unwrap();
    s.create_session("s2", "w", "Two", "2026-12-08")
        .await
        .unwrap();
    s.create_session("s3", "w", "Three", "2026-12-15")
        .await
        .unwrap();
    let t1 = now_ms();

    // positions count from 1 in each workspace; the list is in that order, so its last
    // is the newest (`service::create_session` copies that one's plenary boards)
    let list = s.list_sessions("w").await.unwrap();
    let got: Vec<(&str, i64)> = list.iter().map(|x| (x.id.as_str(), x.position)).collect();
    assert_eq!(got, [("s1", 1), ("s2", 2), ("s3", 3)]);
    let other = s.list_sessions("w2").await.unwrap();
    assert_eq!((other.len(), other[0].position), (1, 1));
    let s1 = s.get_session("s1").await.unwrap().unwrap();
    assert_eq!(list[0], s1);
    assert_eq!(
        (
            s1.workspace_id.as_str(),
            s1.title.as_str(),
            s1.date.as_str()
        ),
        ("w", "One", "2026-12-01")
    );
    assert!(!s1.archived);
    assert_eq!((s1.closed_at, s1.state.as_str()), (None, "{}"));
    assert!((t0..=t1).contains(&s1.created_at));
    assert!(s.list_sessions("nobody").await.unwrap().is_empty());
    // a session belongs to a workspace that exists, and its id is taken once
    assert!(s.create_session("sx", "nobody", "X", "d").await.is_err());
    assert!(s.create_session("s1", "w2", "X", "d").await.is_err());
    assert_eq!(s.list_sessions("w2").await.unwrap().len(), 1);

    // updating changes title, date and archived only
    s.update_session("s2", "Due", "2026-12-24", true)
        .await
        .unwrap();
    let s2 = s.get_session("s2").await.unwrap().unwrap();
    assert_eq!(
        (s2.title.as_str(), s2.date.as_str(), s2.archived),
        ("Due", "2026-12-24", true)
    );
    assert_eq!((s2.position, s2.closed_at), (2, None));
    s.update_session("s2", "Due", "2026-12-24", false)
        .await
        .unwrap();
    assert!(!s.get_session("s2").await.unwrap().unwrap().archived);
    s.update_session("nobody", "X", "d", true).await.unwrap();
    assert!(s.get_session("nobody").await.unwrap().is_none());

    // closing keeps the first closing time
    s.close_session("s1").await.unwrap();
    let closed = s.get_session("s1").await.unwrap().unwrap().closed_at;
    assert!(closed.is_some_and(|t| t >= t1));
    tick().await;
    s.close_session("s1").await.unwrap();
    assert_eq!(
        s.get_session("s1").await.unwrap().unwrap().closed_at,
        closed
    );
    assert_eq!(s.get_session("s3").await.unwrap().unwrap().closed_at, None);
    s.close_session("nobody").await.unwrap();

    // the room state: `change` sees the stored one (None: no such session)
    let mut seen = Some("untouched".to_owned());
    let done = s
        .change_session_state::<()>("nobody", |st| {
            seen = st.map(str::to_owned);
            Ok("{\"n\":1}".into())
        })
        .await
        .unwrap();
    assert_eq!((done, seen), (Ok(()), None));
    assert!(s.get_session("nobody").await.unwrap().is_none());
    let mut seen = None;
    s.change_session_state::<()>("s3", |st| {
        seen = st.map(str::to_owned);
        Ok("{\"n\":0}".into())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(seen.as_deref(), Some("{}"));
    assert_eq!(
        s.get_session("s3").await.unwrap().unwrap().state,
        "{\"n\":0}"
    );
    // the change's own error changes nothing, and comes back as it is
    let refused = s
        .change_session_state("s3", |_| Err::<String, _>("no timer"))
        .await
        .unwrap();
    assert_eq!(refused, Err("no timer"));
    assert_eq!(
        s.get_session("s3").await.unwrap().unwrap().state,
        "{\"n\":0}"
    );
    // the state is that session's only
    assert_eq!(s.get_session("s2").await.unwrap().unwrap().state, "{}");

    // changes at once are made one at a time: none is lost
    let mut joins = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        joins.push(tokio::spawn(async move {
            store
                .change_session_state::<()>("s3", |st| {
                    Ok(format!("{{\"n\":{}}}", counter(st.unwrap()) + 1))
                })
                .await
                .unwrap()
                .unwrap();
        }));
    }
    for j in joins {
        j.await.unwrap();
    }
    assert_eq!(
        counter(&s.get_session("s3").await.unwrap().unwrap().state),
        20
    );
    store.close().await;
}

/// Two nodes (two stores on one PostgreSQL database) changing one session's state at once
/// lose no change. (SQLite is one node by design: its lock is the process's.)
async fn session_state_across_nodes(url: &str) {
    let a = Store::open(url).await.unwrap();
    a.migrate().await.unwrap();
    let b = Store::open(url).await.unwrap();
    a.create_facilitator("f", "f@x", "F", "h").await.unwrap();
    a.create_workspace("w", "f", "W").await.unwrap();
    a.create_session("s", "w", "S", "d").await.unwrap();
    let mut joins = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        joins.push(tokio::spawn(async move {
            store
                .change_session_state::<()>("s", |st| {
                    Ok(format!("{{\"n\":{}}}", counter(st.unwrap()) + 1))
                })
                .await
                .unwrap()
                .unwrap();
        }));
    }
    for j in joins {
        j.await.unwrap();
    }
    assert_eq!(
        counter(&b.get_session("s").await.unwrap().unwrap().state),
        20
    );
    a.close().await;
    b.close().await;
}

// ----------------------------------------------------------------------------------------
// Rooms and boards.

async fn rooms_and_boards(store: Store, _raw: Raw) {
    let s = &store;
    s.create_facilitator("f", "f@x", "F", "h").await.unwrap();
    s.create_workspace("w", "f", "W").await.unwrap();
    s.create_session("s", "w", "S", "d").await.unwrap();
    s.create_session("s2", "w", "S2", "d").await.unwrap();
    assert!(s.list_rooms("s").await.unwrap().is_empty());
    assert!(s.list_session_boards("s").await.unwrap().is_empty());

    room(s, "r1", "s", "plenary", "Plenaria").await.unwrap();
    room(s, "q1", "s2", "plenary", "Plenaria").await.unwrap();
    room(s, "r2", "s", "breakout", "Gruppo 1").await.unwrap();
    room(s, "r3", "s", "breakout", "Gruppo 2").await.unwrap();

    // positions count from 1 in each session; the list is in that order
    let rooms = s.list_rooms("s").await.unwrap();
    let got: Vec<(&str, i64)> = rooms.iter().map(|r| (r.id.as_str(), r.position)).collect();
    assert_eq!(got, [("r1", 1), ("r2", 2), ("r3", 3)]);
    assert_eq!(s.list_rooms("s2").await.unwrap()[0].position, 1);
    let r2 = s.get_room("r2").await.unwrap().unwrap();
    assert_eq!(
        r2,
        RoomRow {
            id: "r2".into(),
            session_id: "s".into(),
            kind: r2.kind,
            name: "Gruppo 1".into(),
            position: 2,
        }
    );
    assert_eq!(name(&r2.kind), "breakout");
    assert_eq!(name(&rooms[0].kind), "plenary");
    assert_eq!(rooms[1], r2);
    assert!(s.get_room("nobody").await.unwrap().is_none());
    assert!(s.list_rooms("nobody").await.unwrap().is_empty());
    // a room belongs to a session that exists, and its id is taken once
    assert!(room(s, "rx", "nobody", "breakout", "X").await.is_err());
    assert!(room(s, "r1", "s2", "breakout", "X").await.is_err());
    assert_eq!(s.list_rooms("s2").await.unwrap().len(), 1);

    // boards: positions count from 1 in each room
    board(s, "b21", "r2", "Group board").await.unwrap();
    board(s, "b11", "r1", "First").await.unwrap();
    board(s, "b12", "r1", "Second").await.unwrap();
    board(s, "b22", "r2", "Group board 2").await.unwrap();
    board(s, "c11", "q1", "Other").await.unwrap();
    let b21 = s.get_board("b21").await.unwrap().unwrap();
    assert_eq!(
        b21,
        BoardRow {
            id: "b21".into(),
            room_id: "r2".into(),
            kind: b21.kind,
            title: "Group board".into(),
            locked: b21.locked,
            position: 1,
            room_kind: b21.room_kind,
            session_id: "s".into(),
            workspace_id: "w".into(),
        }
    );
    assert_eq!(
        (name(&b21.kind), name(&b21.room_kind), b21.locked),
        ("free".to_owned(), "breakout".to_owned(), false)
    );
    assert_eq!(
        name(&s.get_board("b11").await.unwrap().unwrap().room_kind),
        "plenary"
    );
    // a session's boards: by room, then by place in the room (not by when made)
    let list = s.list_session_boards("s").await.unwrap();
    let got: Vec<(&str, i64)> = list.iter().map(|b| (b.id.as_str(), b.position)).collect();
    assert_eq!(got, [("b11", 1), ("b12", 2), ("b21", 1), ("b22", 2)]);
    assert_eq!(list[2], b21);
    let other = s.list_session_boards("s2").await.unwrap();
    assert_eq!(
        other.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(),
        ["c11"]
    );
    assert!(s.list_session_boards("nobody").await.unwrap().is_empty());
    assert!(s.get_board("nobody").await.unwrap().is_none());
    // a board belongs to a room that exists, and its id is taken once
    assert!(board(s, "bx", "nobody", "X").await.is_err());
    assert!(board(s, "b11", "r3", "X").await.is_err());
    assert_eq!(s.get_board("b11").await.unwrap().unwrap().title, "First");

    // updating changes the title and the lock only
    s.update_board("b12", "Renamed", true).await.unwrap();
    let b12 = s.get_board("b12").await.unwrap().unwrap();
    assert_eq!(
        (b12.title.as_str(), b12.locked, b12.position),
        ("Renamed", true, 2)
    );
    assert!(!s.get_board("b11").await.unwrap().unwrap().locked);
    s.update_board("b12", "Renamed", false).await.unwrap();
    assert!(!s.get_board("b12").await.unwrap().unwrap().locked);
    s.update_board("nobody", "X", true).await.unwrap();
    assert!(s.get_board("nobody").await.unwrap().is_none());
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Invitations, with their short codes.

async fn invitations(store: Store, _raw: Raw) {
    let s = &store;
    seated(s).await;
    s.create_session("s2", "w", "S2", "d").await.unwrap();
    assert!(s.list_invites("s").await.unwrap().is_empty());

    let exp = now_ms() + 3_600_000;
    let t0 = now_ms();
    invite(s, "i1", "s", "participant", "tok1", "code1", exp)
        .await
        .unwrap();
    tick().await;
    invite(s, "i2", "s", "observer", "tok2", "code2", exp + 1)
        .await
        .unwrap();
    invite(s, "i3", "s2", "participant", "tok3", "code3", exp)
        .await
        .unwrap();
    let t1 = now_ms();

    // one invitation by its link's token, by its short code and by its id alike
    let i1 = s.invite_by_token("tok1").await.unwrap().unwrap();
    assert_eq!(
        i1,
        InviteRow {
            id: "i1".into(),
            session_id: "s".into(),
            role: i1.role,
            created_at: i1.created_at,
            expires_at: exp,
            revoked_at: None,
        }
    );
    assert_eq!(name(&i1.role), "participant");
    assert!((t0..=t1).contains(&i1.created_at));
    assert_eq!(s.invite_by_code("code1").await.unwrap(), Some(i1.clone()));
    assert_eq!(s.get_invite("i1").await.unwrap(), Some(i1.clone()));
    let i2 = s.invite_by_code("code2").await.unwrap().unwrap();
    assert_eq!(
        (i2.id.as_str(), name(&i2.role), i2.expires_at),
        ("i2", "observer".to_owned(), exp + 1)
    );
    // a token is not a code, nor the reverse
    assert!(s.invite_by_token("code1").await.unwrap().is_none());
    assert!(s.invite_by_code("tok1").await.unwrap().is_none());
    assert!(s.get_invite("nobody").await.unwrap().is_none());

    // a session's invitations, oldest first
    let list = s.list_invites("s").await.unwrap();
    assert_eq!(list, vec![i1.clone(), i2.clone()]);
    assert_eq!(s.list_invites("s2").await.unwrap()[0].id, "i3");
    assert!(s.list_invites("nobody").await.unwrap().is_empty());

    // a code or a token in use is refused (`service::create_invite` tries another code),
    // and so are an id in use and an unknown session
    assert!(invite(s, "i4", "s", "participant", "tok4", "code1", exp)
        .await
        .is_err());
    assert!(invite(s, "i4", "s", "participant", "tok1", "code4", exp)
        .await
        .is_err());
    assert!(invite(s, "i1", "s", "participant", "tok4", "code4", exp)
        .await
        .is_err());
    assert!(
        invite(s, "i4", "nobody", "participant", "tok4", "code4", exp)
            .await
            .is_err()
    );
    assert!(s.get_invite("i4").await.unwrap().is_none());
    assert!(s.invite_by_code("code4").await.unwrap().is_none());
    assert_eq!(s.list_invites("s").await.unwrap().len(), 2);

    // an expired invitation is returned as it is (`service::invitation` refuses it)
    let past = now_ms() - 1;
    invite(s, "old", "s", "participant", "tok-old", "code-old", past)
        .await
        .unwrap();
    assert_eq!(
        s.invite_by_code("code-old")
            .await
            .unwrap()
            .unwrap()
            .expires_at,
        past
    );

    // revoking: the members who joined through it (not those removed), once
    member(s, "p1", "s", Some("i1"), "participant", "P1", "pt1")
        .await
        .unwrap();
    member(s, "p2", "s", Some("i1"), "participant", "P2", "pt2")
        .await
        .unwrap();
    member(s, "p3", "s", Some("i2"), "observer", "P3", "pt3")
        .await
        .unwrap();
    member(s, "p4", "s", Some("i1"), "participant", "P4", "pt4")
        .await
        .unwrap();
    member(s, "p5", "s", None, "participant", "P5", "pt5")
        .await
        .unwrap();
    assert!(s.remove_participant("p4").await.unwrap());
    let before = now_ms();
    let mut joined = s.revoke_invite("i1").await.unwrap();
    joined.sort();
    assert_eq!(joined, ["p1", "p2"]);
    let revoked = s.get_invite("i1").await.unwrap().unwrap().revoked_at;
    assert!(revoked.is_some_and(|t| t >= before));
    // a revoked invitation is still found (to say it was revoked), by token and by code
    assert_eq!(
        s.invite_by_token("tok1").await.unwrap().unwrap().revoked_at,
        revoked
    );
    assert_eq!(
        s.invite_by_code("code1").await.unwrap().unwrap().revoked_at,
        revoked
    );
    assert_eq!(
        s.member_by_token("pt1")
            .await
            .unwrap()
            .unwrap()
            .invite_revoked_at,
        revoked
    );
    // the other invitation, and its member, are untouched
    assert_eq!(s.get_invite("i2").await.unwrap().unwrap().revoked_at, None);
    assert_eq!(
        s.member_by_token("pt3")
            .await
            .unwrap()
            .unwrap()
            .invite_revoked_at,
        None
    );
    // again: the same members, the first revocation's time
    tick().await;
    let mut again = s.revoke_invite("i1").await.unwrap();
    again.sort();
    assert_eq!(again, ["p1", "p2"]);
    assert_eq!(
        s.get_invite("i1").await.unwrap().unwrap().revoked_at,
        revoked
    );
    assert!(s.revoke_invite("nobody").await.unwrap().is_empty());
    assert!(s.get_invite("nobody").await.unwrap().is_none());
    // revoking takes nobody out of the member list (their credential fails instead)
    assert_eq!(s.list_participants("s").await.unwrap().len(), 4);
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Participants and observers (members), their removal.

async fn participants(store: Store, _raw: Raw) {
    let s = &store;
    seated(s).await;
    s.create_session("s2", "w", "S2", "d").await.unwrap();
    room(s, "g1", "s", "breakout", "Gruppo 1").await.unwrap();
    let exp = now_ms() + 3_600_000;
    invite(s, "i", "s", "participant", "itok", "icode", exp)
        .await
        .unwrap();
    assert!(s.list_participants("s").await.unwrap().is_empty());

    member(s, "p1", "s", Some("i"), "participant", "Ada", "pt1")
        .await
        .unwrap();
    tick().await;
    member(s, "p0", "s", None, "observer", "Bo", "pt0")
        .await
        .unwrap();
    member(s, "q1", "s2", None, "participant", "Cy", "qt1")
        .await
        .unwrap();

    let p1 = s.get_participant("p1").await.unwrap().unwrap();
    assert_eq!(
        p1,
        ParticipantRow {
            id: "p1".into(),
            session_id: "s".into(),
            role: p1.role,
            display_name: "Ada".into(),
            group_room: None,
            workspace_id: "w".into(),
        }
    );
    assert_eq!(name(&p1.role), "participant");
    let p0 = s.get_participant("p0").await.unwrap().unwrap();
    assert_eq!(name(&p0.role), "observer");
    // a session's members, in the order they joined (not by id)
    assert_eq!(
        s.list_participants("s").await.unwrap(),
        vec![p1.clone(), p0]
    );
    assert_eq!(s.list_participants("s2").await.unwrap()[0].id, "q1");
    assert!(s.list_participants("nobody").await.unwrap().is_empty());
    assert!(s.get_participant("nobody").await.unwrap().is_none());

    // a credential, with what its lifetime depends on
    let cred = s.member_by_token("pt1").await.unwrap().unwrap();
    assert_eq!(cred.participant, p1);
    assert_eq!(
        (
            cred.invite_expires_at,
            cred.invite_revoked_at,
            cred.removed_at
        ),
        (Some(exp), None, None)
    );
    let cred = s.member_by_token("pt0").await.unwrap().unwrap();
    assert_eq!(
        (
            cred.participant.id.as_str(),
            cred.invite_expires_at,
            cred.invite_revoked_at
        ),
        ("p0", None, None)
    );
    assert!(s.member_by_token("nobody").await.unwrap().is_none());
    assert_eq!(
        s.participant_invite("p1").await.unwrap().as_deref(),
        Some("i")
    );
    assert_eq!(s.participant_invite("p0").await.unwrap(), None);
    assert_eq!(s.participant_invite("nobody").await.unwrap(), None);

    // a token and an id are taken once; the session and the invitation must exist
    assert!(member(s, "px", "s", None, "participant", "X", "pt1")
        .await
        .is_err());
    assert!(member(s, "p1", "s", None, "participant", "X", "ptx")
        .await
        .is_err());
    assert!(member(s, "px", "nobody", None, "participant", "X", "ptx")
        .await
        .is_err());
    assert!(
        member(s, "px", "s", Some("nobody"), "participant", "X", "ptx")
            .await
            .is_err()
    );
    assert!(s.member_by_token("ptx").await.unwrap().is_none());
    assert_eq!(
        s.get_participant("p1").await.unwrap().unwrap().display_name,
        "Ada"
    );

    // renaming and grouping
    s.rename_participant("p1", "Ada L.").await.unwrap();
    assert_eq!(
        s.get_participant("p1").await.unwrap().unwrap().display_name,
        "Ada L."
    );
    s.rename_participant("nobody", "X").await.unwrap();
    s.set_participant_group("p1", Some("g1")).await.unwrap();
    assert_eq!(
        s.get_participant("p1")
            .await
            .unwrap()
            .unwrap()
            .group_room
            .as_deref(),
        Some("g1")
    );
    assert_eq!(
        s.list_participants("s").await.unwrap()[0]
            .group_room
            .as_deref(),
        Some("g1")
    );
    assert!(s.set_participant_group("p1", Some("nobody")).await.is_err());
    assert_eq!(
        s.get_participant("p1")
            .await
            .unwrap()
            .unwrap()
            .group_room
            .as_deref(),
        Some("g1")
    );
    s.set_participant_group("p1", None).await.unwrap();
    assert_eq!(
        s.get_participant("p1").await.unwrap().unwrap().group_room,
        None
    );
    s.set_participant_group("nobody", Some("g1")).await.unwrap();

    // removal: once; out of the list and their group; the credential still found, as
    // removed; the invitation still theirs
    s.set_participant_group("p1", Some("g1")).await.unwrap();
    let before = now_ms();
    assert!(s.remove_participant("p1").await.unwrap());
    assert!(!s.remove_participant("p1").await.unwrap());
    assert!(!s.remove_participant("nobody").await.unwrap());
    assert!(s.get_participant("p1").await.unwrap().is_none());
    let ids: Vec<String> = s
        .list_participants("s")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["p0"]);
    let cred = s.member_by_token("pt1").await.unwrap().unwrap();
    assert!(cred.removed_at.is_some_and(|t| t >= before));
    assert_eq!(
        (
            cred.participant.display_name.as_str(),
            cred.participant.group_room
        ),
        ("Ada L.", None)
    );
    assert_eq!(cred.invite_expires_at, Some(exp));
    assert_eq!(
        s.participant_invite("p1").await.unwrap().as_deref(),
        Some("i")
    );
    // a removed member's token stays theirs: nobody else can take it
    assert!(member(s, "px", "s", Some("i"), "participant", "X", "pt1")
        .await
        .is_err());
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Dot votes (the budget under concurrency is `tests/contract.rs`'s `votes_contract`).

async fn votes(store: Store, raw: Raw) {
    use DotOutcome::{Closed, Done, NoneLeft};
    let s = &store;
    seated(s).await;
    board(s, "b2", "r", "B2").await.unwrap();
    assert!(s.list_votes("b").await.unwrap().is_empty());
    assert!(s.get_vote("v1").await.unwrap().is_none());

    let t0 = now_ms();
    s.create_vote("v1", "b", 3).await.unwrap();
    tick().await;
    s.create_vote("v0", "b", 5).await.unwrap();
    s.create_vote("v3", "b2", 1).await.unwrap();
    let v1 = s.get_vote("v1").await.unwrap().unwrap();
    assert_eq!(
        (v1.id.as_str(), v1.board_id.as_str(), v1.dots, v1.open),
        ("v1", "b", 3, true)
    );
    assert_eq!(v1.closed_at, None);
    assert!(v1.created_at >= t0);
    // a board's votes, oldest first (not by id)
    let list = s.list_votes("b").await.unwrap();
    assert_eq!(
        list.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
        ["v1", "v0"]
    );
    assert_eq!(list[0], v1);
    assert_eq!(s.list_votes("b2").await.unwrap()[0].id, "v3");
    assert!(s.list_votes("nobody").await.unwrap().is_empty());
    // a vote is on a board that exists, and its id is taken once
    assert!(s.create_vote("vx", "nobody", 3).await.is_err());
    assert!(s.create_vote("v1", "b2", 3).await.is_err());
    assert_eq!(s.get_vote("v1").await.unwrap().unwrap().board_id, "b");

    // the budget is the allowance given, per voter
    assert!(s.vote_tally("v1").await.unwrap().is_empty());
    assert_eq!(s.place_dot("v1", "p", "pa", "a", 2).await.unwrap(), Done);
    assert_eq!(s.place_dot("v1", "p", "pa", "a", 2).await.unwrap(), Done);
    assert_eq!(
        s.place_dot("v1", "p", "pb", "b", 2).await.unwrap(),
        NoneLeft
    );
    assert_eq!(s.dots_used("v1", "p").await.unwrap(), 2);
    assert_eq!(s.place_dot("v1", "q", "qa", "a", 2).await.unwrap(), Done);
    assert_eq!(s.place_dot("v1", "q", "qc", "c", 2).await.unwrap(), Done);
    assert_eq!(s.place_dot("v1", "r", "rb", "b", 2).await.unwrap(), Done);
    // the tally: most dots first, ties by item
    assert_eq!(
        s.vote_tally("v1").await.unwrap(),
        vec![
            ("a".to_owned(), 3),
            ("b".to_owned(), 1),
            ("c".to_owned(), 1)
        ]
    );
    // the voter's budget is that vote's: another vote starts from nothing
    assert_eq!(s.dots_used("v0", "p").await.unwrap(), 0);
    assert_eq!(s.place_dot("v0", "p", "pa", "a", 5).await.unwrap(), Done);
    assert_eq!(s.vote_tally("v0").await.unwrap(), vec![("a".to_owned(), 1)]);
    // an unknown vote takes nothing
    assert_eq!(
        s.place_dot("nobody", "p", "pa", "a", 2).await.unwrap(),
        Closed
    );
    assert_eq!(
        s.remove_dot("nobody", "p", "pa", "a").await.unwrap(),
        Closed
    );
    assert!(s.vote_tally("nobody").await.unwrap().is_empty());
    assert_eq!(s.dots_used("nobody", "p").await.unwrap(), 0);

    // taking back one dot of two identical ones
    assert_eq!(s.remove_dot("v1", "p", "pa", "a").await.unwrap(), Done);
    assert_eq!(s.dots_used("v1", "p").await.unwrap(), 1);
    assert_eq!(s.vote_tally("v1").await.unwrap()[0], ("a".to_owned(), 2));
    // and the freed dot can be placed again
    assert_eq!(s.place_dot("v1", "p", "pb", "b", 2).await.unwrap(), Done);
    assert_eq!(
        s.vote_tally("v1").await.unwrap(),
        vec![
            ("a".to_owned(), 2),
            ("b".to_owned(), 2),
            ("c".to_owned(), 1)
        ]
    );

    // closing: closed once (the first time kept), the tally kept, nobody remembered
    let before = now_ms();
    s.close_vote("v1").await.unwrap();
    let closed = s.get_vote("v1").await.unwrap().unwrap();
    assert!(!closed.open);
    assert!(closed.closed_at.is_some_and(|t| t >= before));
    tick().await;
    s.close_vote("v1").await.unwrap();
    assert_eq!(s.get_vote("v1").await.unwrap().unwrap(), closed);
    s.close_vote("nobody").await.unwrap();
    assert!(s.get_vote("nobody").await.unwrap().is_none());
    assert_eq!(s.dots_used("v1", "p").await.unwrap(), 0);
    assert_eq!(s.vote_tally("v1").await.unwrap().len(), 3);
    assert_eq!(s.place_dot("v1", "z", "za", "a", 9).await.unwrap(), Closed);
    assert_eq!(s.remove_dot("v1", "q", "qa", "a").await.unwrap(), Closed);
    assert_eq!(s.vote_tally("v1").await.unwrap()[0], ("a".to_owned(), 2));
    for table in ["vote_ballots", "vote_marks"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE vote_id = $1");
        assert_eq!(raw.count(&sql, "v1").await, 0, "{table} of the closed vote");
        assert_eq!(raw.count(&sql, "v0").await, 1, "{table} of the open vote");
    }
    // the other votes are still open
    assert!(s.get_vote("v0").await.unwrap().unwrap().open);
    assert_eq!(s.dots_used("v0", "p").await.unwrap(), 1);
    raw.close().await;
    store.close().await;
}

/// Items with as many dots are listed by their ids' bytes on every backend (item ids mix
/// cases), whatever order the database's text collation would give them.
async fn tally_ties(store: Store, _raw: Raw) {
    seated(&store).await;
    store.create_vote("v", "b", 9).await.unwrap();
    for (n, item) in ["b", "_x", "B", "a", "1", "A", "z", "z"].iter().enumerate() {
        let dot = store
            .place_dot("v", &format!("voter{n}"), &format!("m{n}"), item, 9)
            .await
            .unwrap();
        assert_eq!(dot, DotOutcome::Done);
    }
    let order: Vec<(String, i64)> = store.vote_tally("v").await.unwrap();
    let want: Vec<(String, i64)> = [
        ("z", 2),
        ("1", 1),
        ("A", 1),
        ("B", 1),
        ("_x", 1),
        ("a", 1),
        ("b", 1),
    ]
    .iter()
    .map(|(i, n)| (i.to_string(), *n))
    .collect();
    assert_eq!(order, want);
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Labelled snapshots.

async fn snapshots(store: Store, _raw: Raw) {
    let s = &store;
    seated(s).await;
    board(s, "b2", "r", "B2").await.unwrap();
    assert!(s.list_snapshots("b").await.unwrap().is_empty());

    // compaction's automatic snapshots are not listed
    s.append(&[append("b", &[b"one", b"two"])]).await.unwrap();
    s.compact("b", 1, b"auto").await.unwrap();
    assert!(s.list_snapshots("b").await.unwrap().is_empty());

    let t0 = now_ms();
    let m = snapshot(s, "b", 1, &[0, 255, 1], "manual", "Before", None).await;
    let c = snapshot(s, "b", 2, b"closing", "closing", "End", Some("s")).await;
    let other = snapshot(s, "b2", 0, b"", "manual", "Other", None).await;
    assert!(m < c && c < other, "ids grow: {m} {c} {other}");

    // a board's labelled snapshots, newest first
    let list = s.list_snapshots("b").await.unwrap();
    assert_eq!(list.iter().map(|x| x.id).collect::<Vec<_>>(), [c, m]);
    let want = SnapshotRow {
        id: m,
        board_id: "b".into(),
        seq: 1,
        kind: list[1].kind,
        label: Some("Before".into()),
        session_id: None,
        created_at: list[1].created_at,
    };
    assert_eq!(list[1], want);
    assert!(list[1].created_at >= t0);
    assert_eq!(name(&list[1].kind), "manual");
    assert_eq!(
        (
            name(&list[0].kind),
            list[0].label.as_deref(),
            list[0].session_id.as_deref(),
            list[0].seq
        ),
        ("closing".to_owned(), Some("End"), Some("s"), 2)
    );
    // one with its state, as stored (binary, and empty)
    assert_eq!(
        s.get_snapshot(m).await.unwrap(),
        Some((want, vec![0, 255, 1]))
    );
    let (meta, state) = s.get_snapshot(other).await.unwrap().unwrap();
    assert_eq!((meta.board_id.as_str(), state), ("b2", vec![]));
    assert!(s.get_snapshot(other + 1000).await.unwrap().is_none());
    assert!(s.list_snapshots("nobody").await.unwrap().is_empty());

    // compacting again keeps the labelled ones
    s.append(&[append("b", &[b"three"])]).await.unwrap();
    s.compact("b", 3, b"auto2").await.unwrap();
    let again = s.list_snapshots("b").await.unwrap();
    assert_eq!(again, list);
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Erasure: a deleted workspace leaves nothing but its boards' ids (the tombstones).

/// A workspace whose every id, name, token and content starts with `p` (`gone-`,
/// `kept-`): facilitator's own rows excluded, as they are not the workspace's.
async fn populate(s: &Store, p: &str) {
    let id = |x: &str| format!("{p}{x}");
    let exp = now_ms() + 3_600_000;
    s.create_workspace(&id("w"), "f", &id("name"))
        .await
        .unwrap();
    s.create_session(&id("s1"), &id("w"), &id("title"), &id("date"))
        .await
        .unwrap();
    s.create_session(&id("s2"), &id("w"), &id("title2"), &id("date"))
        .await
        .unwrap();
    room(s, &id("r1"), &id("s1"), "plenary", &id("room"))
        .await
        .unwrap();
    room(s, &id("r2"), &id("s1"), "breakout", &id("group"))
        .await
        .unwrap();
    room(s, &id("r3"), &id("s2"), "plenary", &id("room"))
        .await
        .unwrap();
    board(s, &id("b1"), &id("r1"), &id("board")).await.unwrap();
    board(s, &id("b2"), &id("r2"), &id("board")).await.unwrap();
    board(s, &id("b3"), &id("r3"), &id("board")).await.unwrap();
    invite(
        s,
        &id("i1"),
        &id("s1"),
        "participant",
        &id("itok"),
        &id("icode"),
        exp,
    )
    .await
    .unwrap();
    member(
        s,
        &id("p1"),
        &id("s1"),
        Some(&id("i1")),
        "participant",
        &id("Ada"),
        &id("ptok1"),
    )
    .await
    .unwrap();
    member(
        s,
        &id("p2"),
        &id("s1"),
        None,
        "observer",
        &id("Bo"),
        &id("ptok2"),
    )
    .await
    .unwrap();
    s.set_participant_group(&id("p1"), Some(&id("r2")))
        .await
        .unwrap();
    s.change_session_state::<()>(&id("s1"), |_| Ok(format!("{{\"m\":\"{p}state\"}}")))
        .await
        .unwrap()
        .unwrap();
    // votes: one open (ballots, marks, tally), one closed (tally)
    s.create_vote(&id("v1"), &id("b1"), 3).await.unwrap();
    s.create_vote(&id("v2"), &id("b2"), 3).await.unwrap();
    for v in ["v1", "v2"] {
        let dot = s
            .place_dot(&id(v), &id("voter"), &id("mark"), &id("item"), 3)
            .await
            .unwrap();
        assert_eq!(dot, DotOutcome::Done);
    }
    s.close_vote(&id("v2")).await.unwrap();
    // the boards' content: log, heads, automatic and labelled snapshots, drafts too
    let draft = format!("{p}b1.draft.{p}p1");
    s.append(&[
        append(&id("b1"), &[b"x", b"y"]),
        append(&draft, &[b"d"]),
        append(&id("b2"), &[b"z"]),
    ])
    .await
    .unwrap();
    s.compact(&id("b1"), 1, b"auto").await.unwrap();
    s.compact(&draft, 1, b"auto").await.unwrap();
    snapshot(
        s,
        &id("b1"),
        2,
        b"state",
        "closing",
        &id("label"),
        Some(&id("s1")),
    )
    .await;
    s.append(&[append(&draft, &[b"e"])]).await.unwrap();
}

async fn erasure(store: Store, raw: Raw) {
    let s = &store;
    s.create_facilitator("f", "f@x", "F", "h").await.unwrap();
    s.create_login("login", "f", now_ms() + 60_000)
        .await
        .unwrap();
    populate(s, "gone-").await;
    populate(s, "kept-").await;
    s.append(&[append("anon", &[b"a"])]).await.unwrap();
    let kept = raw.mentions("kept-").await;
    let gone = raw.mentions("gone-").await;
    for table in [
        "workspaces",
        "sessions",
        "rooms",
        "boards",
        "invites",
        "participants",
        "votes",
        "vote_tally",
        "vote_ballots",
        "vote_marks",
        "board_updates",
        "board_snapshots",
        "board_heads",
    ] {
        assert!(
            gone.keys().any(|k| k.starts_with(&format!("{table}."))),
            "the fixture writes {table}: {gone:?}"
        );
    }
    assert_eq!(gone, kept, "the two workspaces are alike");

    // the boards' ids are returned; nothing of the workspace is left but those ids
    let mut boards = s.delete_workspace("gone-w").await.unwrap();
    boards.sort();
    assert_eq!(boards, ["gone-b1", "gone-b2", "gone-b3"]);
    let tombstones = BTreeMap::from([("deleted_boards.board_id".to_owned(), 3)]);
    assert_eq!(raw.mentions("gone-").await, tombstones);
    // the other workspace, the facilitator, their login and an anonymous board stay whole
    assert_eq!(raw.mentions("kept-").await, kept);
    assert!(s.facilitator_by_id("f").await.unwrap().is_some());
    assert!(s.login_by_token("login").await.unwrap().is_some());
    assert_eq!(s.log_len("anon").await.unwrap(), 1);
    let ws: Vec<String> = s
        .list_workspaces("f")
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ws, ["kept-w"]);
    // the queries find none of it
    assert!(s.get_workspace("gone-w").await.unwrap().is_none());
    assert!(s.list_sessions("gone-w").await.unwrap().is_empty());
    assert!(s.get_session("gone-s1").await.unwrap().is_none());
    assert!(s.get_room("gone-r1").await.unwrap().is_none());
    assert!(s.get_board("gone-b1").await.unwrap().is_none());
    assert!(s.get_invite("gone-i1").await.unwrap().is_none());
    assert!(s.invite_by_code("gone-icode").await.unwrap().is_none());
    assert!(s.member_by_token("gone-ptok1").await.unwrap().is_none());
    assert!(s.get_vote("gone-v1").await.unwrap().is_none());
    assert!(s.list_snapshots("gone-b1").await.unwrap().is_empty());
    assert_eq!(s.load_board("gone-b1").await.unwrap().last_seq(), 0);
    assert!(s.get_board("kept-b1").await.unwrap().is_some());
    assert!(s.member_by_token("kept-ptok1").await.unwrap().is_some());

    // the tombstones: a deleted board and its drafts are refused, nothing else is
    for id in [
        "gone-b1",
        "gone-b2",
        "gone-b3",
        "gone-b1.draft.gone-p1",
        "gone-b2.draft.x",
    ] {
        assert!(s.is_board_deleted(id).await.unwrap(), "{id}");
    }
    for id in [
        "kept-b1",
        "kept-b1.draft.kept-p1",
        "anon",
        "gone-b",
        "nobody",
    ] {
        assert!(!s.is_board_deleted(id).await.unwrap(), "{id}");
    }

    // what a live board wrote after the deletion is purged, and only that
    s.append(&[
        append("gone-b1", &[b"late"]),
        append("gone-b1.draft.gone-p1", &[b"late"]),
    ])
    .await
    .unwrap();
    s.compact("gone-b1", 1, b"late").await.unwrap();
    assert!(raw.mentions("gone-").await.len() > 1);
    s.purge_boards(&["gone-b1".to_owned(), "gone-b2".to_owned()])
        .await
        .unwrap();
    assert_eq!(raw.mentions("gone-").await, tombstones);
    assert_eq!(raw.mentions("kept-").await, kept);
    s.purge_boards(&["nobody".to_owned()]).await.unwrap();
    s.purge_boards(&[]).await.unwrap();

    // deleting again, or an unknown workspace, deletes nothing and is no error
    assert!(s.delete_workspace("gone-w").await.unwrap().is_empty());
    assert!(s.delete_workspace("nobody").await.unwrap().is_empty());
    assert_eq!(raw.mentions("kept-").await, kept);
    // a board whose id was deleted before can be deleted again
    s.create_workspace("again", "f", "Again").await.unwrap();
    s.create_session("again-s", "again", "S", "d")
        .await
        .unwrap();
    room(s, "again-r", "again-s", "plenary", "R").await.unwrap();
    board(s, "gone-b1", "again-r", "B").await.unwrap();
    assert_eq!(s.delete_workspace("again").await.unwrap(), ["gone-b1"]);
    assert_eq!(raw.mentions("gone-").await, tombstones);
    assert!(s.is_board_deleted("gone-b1").await.unwrap());

    // the other workspace goes the same way
    assert_eq!(s.delete_workspace("kept-w").await.unwrap().len(), 3);
    assert_eq!(
        raw.mentions("kept-").await,
        BTreeMap::from([("deleted_boards.board_id".to_owned(), 3)])
    );
    assert_eq!(s.log_len("anon").await.unwrap(), 1);
    raw.close().await;
    store.close().await;
}

/// Writes two updates to each board and compacts the first into a snapshot.
async fn write_each(s: &Store, ids: &[&str]) {
    for id in ids {
        s.append(&[append(id, &[b"u", b"v"])]).await.unwrap();
        let head = s.heads(&[id.to_string()]).await.unwrap()[0];
        s.compact(id, head - 1, b"auto").await.unwrap();
    }
}

/// Deleting a board's content takes its drafts (`{board}.draft.{participant}`) and no
/// other board's: not one whose id differs in case, nor one that `_` would match as a
/// pattern.
async fn erasure_spares_lookalikes(store: Store, _raw: Raw) {
    let s = &store;
    s.create_facilitator("f", "f@x", "F", "h").await.unwrap();
    s.create_workspace("w", "f", "W").await.unwrap();
    s.create_session("s", "w", "S", "d").await.unwrap();
    room(s, "r", "s", "plenary", "R").await.unwrap();
    board(s, "B_1", "r", "B").await.unwrap();
    let doomed = ["B_1", "B_1.draft.p"];
    let spared = [
        "b_1.draft.p",
        "BX1.draft.p",
        "B_1.drafts",
        "B_1-draft.p",
        "xB_1.draft.p",
    ];
    write_each(s, &[&doomed[..], &spared[..]].concat()).await;
    assert_eq!(s.delete_workspace("w").await.unwrap(), ["B_1"]);
    for id in doomed {
        let left = s.load_board(id).await.unwrap();
        assert!(left.snapshot.is_none() && left.updates.is_empty(), "{id}");
        assert_eq!(s.heads(&[id.to_owned()]).await.unwrap(), [0], "{id}");
    }
    for id in spared {
        let left = s.load_board(id).await.unwrap();
        assert_eq!(left.last_seq(), 2, "{id} lost its content");
        assert_eq!(left.updates.len(), 1, "{id}");
    }
    // purging likewise
    write_each(s, &[&doomed[..], &spared[..]].concat()).await;
    s.purge_boards(&["B_1".to_owned()]).await.unwrap();
    for id in doomed {
        assert_eq!(s.load_board(id).await.unwrap().last_seq(), 0, "{id}");
    }
    for id in spared {
        assert_eq!(
            s.load_board(id).await.unwrap().last_seq(),
            4,
            "{id} lost its content"
        );
    }
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Positions and list order under concurrency.

/// Sessions, rooms and boards made at once (several requests, several nodes) each get
/// their own place: 1, 2, 3… in their parent, none twice. (`service::create_session`
/// takes the last of the list as the previous session, and lists sort by position.)
async fn positions_at_once(store: Store, _raw: Raw) {
    seated(&store).await;
    let n = 12;
    let mut joins = Vec::new();
    for i in 0..n {
        let s = store.clone();
        joins.push(tokio::spawn(async move {
            s.create_session(&format!("s{i}"), "w", "S", "d")
                .await
                .unwrap();
            room(&s, &format!("r{i}"), "s", "breakout", "G")
                .await
                .unwrap();
            board(&s, &format!("b{i}"), "r", "B").await.unwrap();
        }));
    }
    for j in joins {
        j.await.unwrap();
    }
    let sessions: Vec<i64> = store
        .list_sessions("w")
        .await
        .unwrap()
        .iter()
        .map(|x| x.position)
        .collect();
    let rooms: Vec<i64> = store
        .list_rooms("s")
        .await
        .unwrap()
        .iter()
        .map(|x| x.position)
        .collect();
    let boards: Vec<i64> = store
        .list_session_boards("s")
        .await
        .unwrap()
        .iter()
        .filter(|b| b.room_id == "r")
        .map(|x| x.position)
        .collect();
    let each: Vec<i64> = (1..=n + 1).collect();
    assert_eq!(sessions, each, "sessions");
    assert_eq!(rooms, each, "rooms");
    assert_eq!(boards, each, "boards");
    store.close().await;
}

/// Invitations made in the same millisecond are listed in one order on both backends:
/// by creation time, then by id (as workspaces, members and votes are).
async fn invitations_listed_in_one_order(store: Store, _raw: Raw) {
    seated(&store).await;
    let exp = now_ms() + 3_600_000;
    for i in (0..30).rev() {
        let id = format!("i{i:02}");
        invite(&store, &id, "s", "observer", &id, &id, exp)
            .await
            .unwrap();
    }
    let list = store.list_invites("s").await.unwrap();
    assert_eq!(list.len(), 30);
    assert!(
        list.windows(2)
            .all(|p| (p[0].created_at, &p[0].id) < (p[1].created_at, &p[1].id)),
        "{:?}",
        list.iter()
            .map(|i| (i.created_at, i.id.as_str()))
            .collect::<Vec<_>>()
    );
    store.close().await;
}

// ----------------------------------------------------------------------------------------
// Each resource on both backends.

/// A fresh PostgreSQL database whose text sorts by a language's rules (ICU's `en-US`: `a`
/// before `B`), as on a server set up with a locale, where `TestPostgres`'s databases sort by
/// bytes (`C`), as SQLite does. Named like `TestPostgres`'s, so that `.ci/run` drops those a
/// failed test leaves behind.
struct LocalePostgres {
    url: String,
    name: String,
}

impl LocalePostgres {
    async fn create() -> LocalePostgres {
        use sqlx::{Connection, Executor};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("tavolo_test_{}_icu_{nanos}", std::process::id());
        let admin = tavolo_store::testing::admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL for tests at {admin}: {e}"));
        conn.execute(
            format!(
                "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu \
                 ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
            )
            .as_str(),
        )
        .await
        .expect("create a test database sorting by en-US");
        conn.close().await.ok();
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        LocalePostgres {
            url: format!("{base}/{name}"),
            name,
        }
    }

    async fn drop_database(self) {
        use sqlx::{Connection, Executor};
        let admin = tavolo_store::testing::admin_url();
        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await;
            conn.close().await.ok();
        }
    }
}

/// A SQLite database file in a fresh temporary directory (kept while the guard lives).
fn temp_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    (dir, url)
}

async fn migrated(url: &str) -> (Store, Raw) {
    let store = Store::open(url).await.unwrap();
    store.migrate().await.unwrap();
    (store, Raw::open(url).await)
}

macro_rules! on_both {
    ($contract:ident, $sqlite:ident, $postgres:ident, $locale:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            let (_dir, url) = temp_sqlite();
            let (store, raw) = migrated(&url).await;
            $contract(store, raw).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            let db = TestPostgres::create().await;
            let (store, raw) = migrated(&db.url).await;
            $contract(store, raw).await;
            db.drop_database().await;
        }

        /// The same on a PostgreSQL database whose text sorts by a language's rules.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $locale() {
            let db = LocalePostgres::create().await;
            let (store, raw) = migrated(&db.url).await;
            $contract(store, raw).await;
            db.drop_database().await;
        }
    };
}

on_both!(
    facilitators,
    facilitators_on_sqlite,
    facilitators_on_postgres,
    facilitators_on_postgres_with_locale
);
on_both!(
    logins,
    logins_on_sqlite,
    logins_on_postgres,
    logins_on_postgres_with_locale
);
on_both!(
    setup_link,
    setup_link_on_sqlite,
    setup_link_on_postgres,
    setup_link_on_postgres_with_locale
);
on_both!(
    setup_race,
    setup_race_on_sqlite,
    setup_race_on_postgres,
    setup_race_on_postgres_with_locale
);
on_both!(
    workspaces,
    workspaces_on_sqlite,
    workspaces_on_postgres,
    workspaces_on_postgres_with_locale
);
on_both!(
    sessions,
    sessions_on_sqlite,
    sessions_on_postgres,
    sessions_on_postgres_with_locale
);
on_both!(
    rooms_and_boards,
    rooms_and_boards_on_sqlite,
    rooms_and_boards_on_postgres,
    rooms_and_boards_on_postgres_with_locale
);
on_both!(
    invitations,
    invitations_on_sqlite,
    invitations_on_postgres,
    invitations_on_postgres_with_locale
);
on_both!(
    participants,
    participants_on_sqlite,
    participants_on_postgres,
    participants_on_postgres_with_locale
);
on_both!(
    votes,
    votes_on_sqlite,
    votes_on_postgres,
    votes_on_postgres_with_locale
);
on_both!(
    tally_ties,
    tally_ties_on_sqlite,
    tally_ties_on_postgres,
    tally_ties_on_postgres_with_locale
);
on_both!(
    snapshots,
    snapshots_on_sqlite,
    snapshots_on_postgres,
    snapshots_on_postgres_with_locale
);
on_both!(
    erasure,
    erasure_on_sqlite,
    erasure_on_postgres,
    erasure_on_postgres_with_locale
);
on_both!(
    positions_at_once,
    positions_at_once_on_sqlite,
    positions_at_once_on_postgres,
    positions_at_once_on_postgres_with_locale
);
on_both!(
    invitations_listed_in_one_order,
    invitations_listed_in_one_order_on_sqlite,
    invitations_listed_in_one_order_on_postgres,
    invitations_listed_in_one_order_on_postgres_with_locale
);
on_both!(
    erasure_spares_lookalikes,
    erasure_spares_lookalikes_on_sqlite,
    erasure_spares_lookalikes_on_postgres,
    erasure_spares_lookalikes_on_postgres_with_locale
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_state_across_two_postgres_nodes() {
    let db = TestPostgres::create().await;
    session_state_across_nodes(&db.url).await;
    db.drop_database().await;
}
