//! Durable storage of boards: an append log of Yjs updates plus snapshots, on SQLite or
//! PostgreSQL through sqlx.
//!
//! - [`Store`]: one type for both backends, chosen by URL scheme. Most queries are
//!   written once and compiled for each backend by `with_pool!` (and `exec!` and `fetch!`,
//!   built on it): sqlx's query API is generic over the database, and SQLite accepts
//!   PostgreSQL's `$1` placeholders. Not all: where the backends differ in what matters
//!   (locking, isolation, latency), a query is written per backend (a `match` on the pool
//!   or on [`Store::backend`]), and its doc says why:
//!   - [`Store::append`]: on SQLite its own connection and one multi-statement query
//!     (`BEGIN IMMEDIATE`, the rows as a `VALUES` list read as `column1`, `column2`), as
//!     one hand-off to SQLite's worker thread; on PostgreSQL a transaction of upserts and
//!     multi-row `INSERT`s;
//!   - [`Store::load_board`]: PostgreSQL's transaction asks for `REPEATABLE READ` (its
//!     statements would each see their own snapshot otherwise);
//!   - [`Store::change_session_state`]: a `SELECT … FOR UPDATE` transaction on
//!     PostgreSQL, a lock in the process on SQLite (one node by design);
//!   - [`Store::setup_first_facilitator`]: PostgreSQL locks the facilitators table first;
//!   - [`Store::remove_dot`]: one row of several identical ones, by `rowid` or `ctid`;
//!   - SQLite only: the write-ahead log's checkpoints ([`Store::checkpoint`],
//!     [`Store::checkpoint_truncate`]), [`Store::open_read_only`] and its check that
//!     every migration is applied.
//!
//!   The schema is written twice too (`migrations/sqlite`, `migrations/postgres`: the
//!   same tables, each in its backend's types); both are embedded and run by
//!   [`Store::migrate`].
//! - [`writer::LogWriter`]: group commit. Boards hand it their new updates; it writes
//!   whatever has queued up, from every board, in one transaction and answers each caller
//!   once the transaction is committed. The hub broadcasts only after that answer: this
//!   is how the durability promise (committed before anyone else sees it) stays fast.
//! - [`testing`]: a fresh PostgreSQL database per test.
//!
//! The contract every backend must meet is `tests/contract.rs` (the board log, votes
//! under concurrency) and `tests/facilitation.rs` (every query of [`domain`]), each run
//! on both.

pub mod kinds;
pub mod testing;
pub mod writer;

pub use domain::*;
pub use kinds::{Role, RoomKind, SnapshotKind, UnknownValue};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, PgPool, QueryBuilder, Row, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("the database is open read-only: {0}")]
    ReadOnly(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool, Arc<LogConnection>),
    Postgres(PgPool),
}

/// SQLite's appends go through one connection of their own, outside the pool. A pooled
/// connection cost the commit path more than the commit: sqlx pings every connection it
/// takes back into the pool, one more round trip to SQLite's worker thread per commit, and
/// one more thread woken. Only the group commit's leader appends, so the lock is free.
#[derive(Debug)]
struct LogConnection {
    options: SqliteConnectOptions,
    /// Opened at the first append. An append takes it out while it runs and puts it back
    /// when it is done: an append abandoned half-way (its future dropped) drops the
    /// connection with it, which rolls back whatever it had begun, and the next append
    /// opens a fresh one. Also dropped after a failure that may have left it broken.
    conn: tokio::sync::Mutex<Option<SqliteConnection>>,
}

/// Runs `$body` with `$p` bound to the backend's pool. The body is written once and
/// compiled for each backend: sqlx's query API is generic over the database, and SQLite
/// accepts PostgreSQL's `$1` placeholders.
macro_rules! with_pool {
    ($self:expr, |$p:ident| $body:expr) => {
        match &$self.pool {
            $crate::Pool::Sqlite($p, _) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}

/// Runs one statement with its binds on either backend; returns rows affected.
macro_rules! exec {
    ($self:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        with_pool!($self, |p| {
            sqlx::query($sql)$(.bind($arg))*.execute(p).await.map(|r| r.rows_affected())
        })
    };
}

/// Fetches rows of `$ty` (a `sqlx::FromRow`) with its binds; `$how` is `fetch_all` or
/// `fetch_optional` or `fetch_one`.
macro_rules! fetch {
    ($self:expr, $how:ident, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        with_pool!($self, |p| {
            sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.$how(p).await
        })
    };
}

pub mod domain;

/// The board's snapshot with the highest `seq`, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    pub seq: i64,
    /// The whole document, Yjs update v1 encoding.
    pub state: Vec<u8>,
}

/// What is needed to rebuild a board: its newest snapshot and the log after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredBoard {
    pub snapshot: Option<StoredSnapshot>,
    /// `(seq, v1 update)` in `seq` order, all above the snapshot's `seq`.
    pub updates: Vec<(i64, Vec<u8>)>,
}

impl StoredBoard {
    /// The highest sequence number the board has used.
    pub fn last_seq(&self) -> i64 {
        self.updates
            .last()
            .map(|(s, _)| *s)
            .or(self.snapshot.as_ref().map(|s| s.seq))
            .unwrap_or(0)
    }
}

/// New updates of one board for the log; the database numbers them.
#[derive(Debug, Clone)]
pub struct BoardAppend {
    pub board_id: String,
    /// v1 updates, in order.
    pub updates: Vec<Vec<u8>>,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// Opened by [`Store::open_read_only`]: every write fails.
    read_only: bool,
    /// Serialises changes of a session's room state on SQLite, which is one node by
    /// design (PostgreSQL locks the session's row instead: `change_session_state`).
    state_lock: Arc<tokio::sync::Mutex<()>>,
}

/// How long a query waits for a pooled PostgreSQL connection (opening one included) before
/// it fails: with the database down, requests fail within this rather than hang.
pub const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Rows per INSERT statement (4 bind parameters each; well under every backend's limit).
const INSERT_CHUNK: usize = 500;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How a SQLite commit reaches the disk (PostgreSQL keeps its own `synchronous_commit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// The commit is in the write-ahead log, in the operating system's hands: it survives
    /// a crash of Tavolo (kill -9), not a power cut of the machine. No fsync per commit.
    #[default]
    Normal,
    /// Every commit is fsynced: it survives a power cut too, at a few milliseconds per
    /// commit (shared by the updates a group commit carries).
    Full,
}

/// Options of [`Store::open_with`].
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    pub sqlite_sync: SqliteSync,
}

/// The file of a `sqlite:` URL (`None` for other URLs).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") {
        return None;
    }
    let opts = SqliteConnectOptions::from_str(url).ok()?;
    Some(opts.get_filename().to_owned())
}

impl Store {
    /// Opens the database at `url` (`sqlite://path`, `postgres://…`) with the default
    /// options; a SQLite file is created if missing. Does not run migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, &StoreOptions::default()).await
    }

    pub async fn open_with(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let sync = match options.sqlite_sync {
                SqliteSync::Normal => SqliteSynchronous::Normal,
                SqliteSync::Full => SqliteSynchronous::Full,
            };
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(sync)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Commits do not checkpoint the write-ahead log (a checkpoint inside a
                // commit stalled that commit for milliseconds: the worst updates of a
                // fan-out); `checkpoint` does it off the commit path, and this is only
                // the backstop if nobody calls it (about 40 MiB of log).
                .pragma("wal_autocheckpoint", "10000")
                // Deleted rows are overwritten with zeros, not left in free pages: deleting
                // a workspace must leave no byte of its content in the database file.
                .pragma("secure_delete", "on");
            // An embedded file cannot drop a connection: no ping before every use (it was
            // one more round trip to the SQLite worker thread per commit).
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .connect_with(opts.clone())
                .await?;
            let log = LogConnection {
                options: opts,
                conn: tokio::sync::Mutex::new(None),
            };
            Ok(Store {
                pool: Pool::Sqlite(pool, Arc::new(log)),
                read_only: false,
                state_lock: Arc::default(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(PG_ACQUIRE_TIMEOUT)
                .connect_with(opts)
                .await?;
            Ok(Store {
                pool: Pool::Postgres(pool),
                read_only: false,
                state_lock: Arc::default(),
            })
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    /// Opens a SQLite database that cannot be opened as usual because its disk is full,
    /// for reading only. In WAL mode even a reader needs a `-shm` index file next to the
    /// database, and a full disk has no room to create it, so [`Store::open_with`] fails.
    /// When the write-ahead log is empty or gone (a clean shutdown checkpoints it into
    /// the file), the database file alone holds every commit and is opened `immutable`:
    /// no index file, no locks, every write refused. With a non-empty log this refuses
    /// (reading the file alone would lose the commits still in the log).
    pub async fn open_read_only(url: &str) -> Result<Store, StoreError> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::UnsupportedUrl);
        }
        let opts = SqliteConnectOptions::from_str(url)?;
        let mut wal = opts.get_filename().as_os_str().to_owned();
        wal.push("-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            return Err(StoreError::ReadOnly(format!(
                "{} holds commits not yet in the database file: free some disk space",
                std::path::Path::new(&wal).display()
            )));
        }
        let opts = opts
            .read_only(true)
            .immutable(true)
            .create_if_missing(false);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(opts.clone())
            .await?;
        let log = LogConnection {
            options: opts,
            conn: tokio::sync::Mutex::new(None),
        };
        Ok(Store {
            pool: Pool::Sqlite(pool, Arc::new(log)),
            read_only: true,
            state_lock: Arc::default(),
        })
    }

    /// Whether this store was opened by [`Store::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(..) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs the embedded migrations of this backend, then rewrites snapshots stored
    /// before migration 0004 (Yjs v2) in the v1 encoding every snapshot now has.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if self.read_only {
            return self.check_migrated().await;
        }
        match &self.pool {
            Pool::Sqlite(p, _) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        self.upgrade_snapshot_encoding().await
    }

    /// A read-only store cannot migrate: it only checks that every migration is applied.
    async fn check_migrated(&self) -> Result<(), StoreError> {
        let Pool::Sqlite(p, _) = &self.pool else {
            return Ok(());
        };
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(p)
                .await?;
        match SQLITE_MIGRATIONS
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .find(|m| !applied.contains(&m.version))
        {
            Some(m) => Err(StoreError::ReadOnly(format!(
                "migration {} is not applied and cannot be",
                m.version
            ))),
            None => Ok(()),
        }
    }

    /// Rewrites v2 snapshots as v1, one row at a time (decoding and re-encoding the update,
    /// no document needed). A snapshot that does not decode is left as it is and logged:
    /// loading its board reports it the same way as before.
    async fn upgrade_snapshot_encoding(&self) -> Result<(), StoreError> {
        use yrs::updates::decoder::Decode;
        use yrs::updates::encoder::Encode;
        let mut after = 0i64;
        loop {
            let row: Option<(i64, Vec<u8>)> = fetch!(
                self,
                fetch_optional,
                (i64, Vec<u8>),
                "SELECT id, state FROM board_snapshots WHERE encoding = 2 AND id > $1 \
                 ORDER BY id LIMIT 1",
                after
            )?;
            let Some((id, state)) = row else {
                return Ok(());
            };
            after = id;
            let v1 =
                std::panic::catch_unwind(|| yrs::Update::decode_v2(&state).map(|u| u.encode_v1()));
            match v1 {
                Ok(Ok(v1)) => {
                    exec!(
                        self,
                        "UPDATE board_snapshots SET state = $1, encoding = 1 WHERE id = $2",
                        v1.as_slice(),
                        id
                    )?;
                }
                _ => tracing::error!(
                    snapshot = id,
                    "stored snapshot does not decode; left as it is"
                ),
            }
        }
    }

    /// Copies the write-ahead log back into the SQLite database file without blocking
    /// writers (a PASSIVE checkpoint, on its own connection) and returns the frames it
    /// copied; the hub calls it in the background. Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<i64, StoreError> {
        match &self.pool {
            Pool::Sqlite(p, _) => {
                let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(p)
                    .await?;
                Ok(row.try_get::<i64, _>(2)?)
            }
            Pool::Postgres(_) => Ok(0),
        }
    }

    /// After an erasure: copies the whole write-ahead log into the database file and
    /// truncates the log to nothing (with `secure_delete` on, the freed pages were zeroed
    /// as they were written), so no deleted byte remains in either file. Waits for readers
    /// and writers to let go, up to the busy timeout. Nothing to do on PostgreSQL, where a
    /// deleted row stays in its page until VACUUM reuses it (see the README).
    pub async fn checkpoint_truncate(&self) -> Result<(), StoreError> {
        if let Pool::Sqlite(p, _) = &self.pool {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(p)
                .await?;
        }
        Ok(())
    }

    /// Answers when the database does (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(drop))?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Pool::Sqlite(_, log) = &self.pool {
            if let Some(conn) = log.conn.lock().await.take() {
                conn.close().await.ok();
            }
        }
        with_pool!(self, |p| p.close().await)
    }

    /// The newest snapshot of a board and every logged update after it, read as of one
    /// moment: a compaction committing between the two reads (it inserts a snapshot and
    /// deletes the log rows it covers) must not leave the reader with neither. SQLite's
    /// read transaction is one snapshot already; PostgreSQL's default (read committed)
    /// gives each statement its own, so there the transaction asks for repeatable read.
    pub async fn load_board(&self, board_id: &str) -> Result<StoredBoard, StoreError> {
        let begin = match &self.pool {
            Pool::Sqlite(..) => "BEGIN",
            Pool::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        with_pool!(self, |p| {
            let mut tx = p.begin_with(begin).await?;
            let snap = sqlx::query(
                "SELECT seq, state FROM board_snapshots WHERE board_id = $1 \
                 ORDER BY seq DESC, id DESC LIMIT 1",
            )
            .bind(board_id)
            .fetch_optional(&mut *tx)
            .await?;
            let snapshot = match snap {
                Some(row) => Some(StoredSnapshot {
                    seq: row.try_get("seq")?,
                    state: row.try_get("state")?,
                }),
                None => None,
            };
            let after = snapshot.as_ref().map(|s| s.seq).unwrap_or(0);
            let rows = sqlx::query(
                "SELECT seq, data FROM board_updates WHERE board_id = $1 AND seq > $2 \
                 ORDER BY seq",
            )
            .bind(board_id)
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut updates = Vec::with_capacity(rows.len());
            for row in rows {
                updates.push((row.try_get("seq")?, row.try_get("data")?));
            }
            Ok(StoredBoard { snapshot, updates })
        })
    }

    /// Appends every board's updates to the log in one transaction (all or none) and
    /// returns, per board, the sequence number given to its first update (the others
    /// follow). Numbers are reserved in `board_heads` inside the same transaction: one
    /// row lock per board, so concurrent writers (several nodes) get distinct numbers in
    /// commit order, and a committed number implies every smaller one is committed.
    pub async fn append(&self, batches: &[BoardAppend]) -> Result<Vec<i64>, StoreError> {
        let now = now_ms();
        match &self.pool {
            Pool::Sqlite(_, log) => append_sqlite(log, batches, now).await,
            Pool::Postgres(p) => append_postgres(p, batches, now).await,
        }
    }

    /// Appends one update to a board's log only if the log still ends at `expected`
    /// (nobody, on any node, appended since): returns its sequence number
    /// (`expected + 1`), or `None` when the log has moved on. The check and the append
    /// are one transaction on the board's `board_heads` row, so of several writers
    /// expecting the same head exactly one succeeds: this is how a change that must
    /// happen once (the schema migration of a board when it is loaded) is written.
    pub async fn append_if_head(
        &self,
        board_id: &str,
        expected: i64,
        update: &[u8],
    ) -> Result<Option<i64>, StoreError> {
        let now = now_ms();
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // a board never appended to has no head row: its head is what it stored
            sqlx::query(
                "INSERT INTO board_heads (board_id, last_seq) VALUES ($1, $2) \
                 ON CONFLICT (board_id) DO NOTHING",
            )
            .bind(board_id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
            let moved = sqlx::query(
                "UPDATE board_heads SET last_seq = last_seq + 1 \
                 WHERE board_id = $1 AND last_seq = $2",
            )
            .bind(board_id)
            .bind(expected)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                tx.rollback().await?;
                return Ok(None);
            }
            sqlx::query(
                "INSERT INTO board_updates (board_id, seq, data, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(board_id)
            .bind(expected + 1)
            .bind(update)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(expected + 1))
        })
    }

    /// The log of a board after `seq`, in order (to catch up with other nodes).
    pub async fn updates_after(
        &self,
        board_id: &str,
        seq: i64,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        with_pool!(self, |p| {
            let rows = sqlx::query(
                "SELECT seq, data FROM board_updates WHERE board_id = $1 AND seq > $2 ORDER BY seq",
            )
            .bind(board_id)
            .bind(seq)
            .fetch_all(p)
            .await?;
            rows.into_iter()
                .map(|r| Ok((r.try_get("seq")?, r.try_get("data")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// The last sequence number of each of these boards (0 for a board with no log).
    pub async fn heads(&self, board_ids: &[String]) -> Result<Vec<i64>, StoreError> {
        let mut out = Vec::with_capacity(board_ids.len());
        for chunk in board_ids.chunks(500) {
            let rows: Vec<(String, i64)> = with_pool!(self, |p| {
                let mut qb = QueryBuilder::new(
                    "SELECT board_id, last_seq FROM board_heads WHERE board_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.as_str());
                }
                sep.push_unseparated(")");
                let rows = qb.build().fetch_all(p).await?;
                rows.into_iter()
                    .map(|r| Ok((r.try_get("board_id")?, r.try_get("last_seq")?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })?;
            for id in chunk {
                out.push(
                    rows.iter()
                        .find(|(b, _)| b == id)
                        .map(|(_, s)| *s)
                        .unwrap_or(0),
                );
            }
        }
        Ok(out)
    }

    /// Folds a board's log up to `seq` into a snapshot: writes `state` (v1) as the
    /// board's automatic snapshot, deletes the log rows it covers and older automatic
    /// snapshots, in one transaction. Labelled snapshots are never deleted here.
    pub async fn compact(&self, board_id: &str, seq: i64, state: &[u8]) -> Result<(), StoreError> {
        let now = now_ms();
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO board_snapshots (board_id, seq, state, encoding, kind, created_at) \
                 VALUES ($1, $2, $3, 1, 'auto', $4)",
            )
            .bind(board_id)
            .bind(seq)
            .bind(state)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM board_updates WHERE board_id = $1 AND seq <= $2")
                .bind(board_id)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "DELETE FROM board_snapshots WHERE board_id = $1 AND kind = 'auto' AND seq < $2",
            )
            .bind(board_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// How many log rows a board has (for tests, metrics and operators).
    pub async fn log_len(&self, board_id: &str) -> Result<i64, StoreError> {
        with_pool!(self, |p| {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM board_updates WHERE board_id = $1")
                .bind(board_id)
                .fetch_one(p)
                .await?;
            Ok(row.try_get::<i64, _>("n")?)
        })
    }
}

/// [`Store::append`] on PostgreSQL: a transaction of one upsert per board (reserving its
/// numbers) and the rows' INSERTs.
async fn append_postgres(
    p: &PgPool,
    batches: &[BoardAppend],
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut tx = p.begin().await?;
    let mut firsts = Vec::with_capacity(batches.len());
    for batch in batches {
        let n = batch.updates.len() as i64;
        if n == 0 {
            firsts.push(0);
            continue;
        }
        let last: i64 = sqlx::query(
            "INSERT INTO board_heads (board_id, last_seq) VALUES ($1, $2) \
                 ON CONFLICT (board_id) DO UPDATE SET last_seq = board_heads.last_seq + $2 \
                 RETURNING last_seq",
        )
        .bind(batch.board_id.as_str())
        .bind(n)
        .fetch_one(&mut *tx)
        .await?
        .try_get("last_seq")?;
        let first = last - n + 1;
        firsts.push(first);
        let numbered: Vec<(i64, &Vec<u8>)> = batch
            .updates
            .iter()
            .enumerate()
            .map(|(i, u)| (first + i as i64, u))
            .collect();
        for chunk in numbered.chunks(INSERT_CHUNK) {
            let mut qb =
                QueryBuilder::new("INSERT INTO board_updates (board_id, seq, data, created_at) ");
            qb.push_values(chunk, |mut b, (seq, data)| {
                b.push_bind(batch.board_id.as_str())
                    .push_bind(*seq)
                    .push_bind(data.as_slice())
                    .push_bind(now);
            });
            qb.build().execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(firsts)
}

/// [`Store::append`] on SQLite, in one round trip to sqlx's SQLite worker thread: the
/// transaction, each board's upsert (reserving its numbers) and its rows go as one
/// multi-statement query. The same statements as on PostgreSQL, run as one command
/// instead of four; with commits that take microseconds, those hand-offs between threads
/// were most of a commit's latency.
async fn append_sqlite(
    log: &LogConnection,
    batches: &[BoardAppend],
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    // Bind parameters per query, well under SQLite's limit (32,766): a rare huge batch
    // goes as several queries, still in the one transaction.
    const MAX_BINDS: usize = 16_000;
    let mut firsts = vec![0; batches.len()];
    let mut numbered = Vec::new();
    let mut queries = vec![QueryBuilder::<sqlx::Sqlite>::new("BEGIN IMMEDIATE;")];
    let mut binds = 0;
    for (i, batch) in batches.iter().enumerate() {
        let n = batch.updates.len() as i64;
        if n == 0 {
            continue;
        }
        numbered.push((i, n));
        if binds + 2 > MAX_BINDS {
            queries.push(QueryBuilder::new(""));
            binds = 0;
        }
        binds += 2;
        let qb = queries.last_mut().expect("one query at least");
        qb.push(" INSERT INTO board_heads (board_id, last_seq) VALUES (")
            .push_bind(batch.board_id.as_str())
            .push(", ")
            .push_bind(n)
            .push(
                ") ON CONFLICT (board_id) DO UPDATE SET last_seq = board_heads.last_seq + \
                 excluded.last_seq RETURNING last_seq;",
            );
        // row k of n gets the head just reserved minus (n - 1 - k)
        for (c, chunk) in batch.updates.chunks(INSERT_CHUNK).enumerate() {
            if binds + 2 * chunk.len() + 2 > MAX_BINDS {
                queries.push(QueryBuilder::new(""));
                binds = 0;
            }
            binds += 2 * chunk.len() + 2;
            let qb = queries.last_mut().expect("one query at least");
            qb.push(
                " INSERT INTO board_updates (board_id, seq, data, created_at) \
                 SELECT h.board_id, h.last_seq - v.column1, v.column2, ",
            )
            .push_bind(now)
            .push(" FROM board_heads h, (VALUES ");
            let mut sep = qb.separated(", ");
            for (k, data) in chunk.iter().enumerate() {
                let row = (c * INSERT_CHUNK + k) as i64;
                sep.push("(")
                    .push_bind_unseparated(n - 1 - row)
                    .push_unseparated(", ")
                    .push_bind_unseparated(data.as_slice())
                    .push_unseparated(")");
            }
            qb.push(") v WHERE h.board_id = ")
                .push_bind(batch.board_id.as_str())
                .push(";");
        }
    }
    if numbered.is_empty() {
        return Ok(firsts);
    }
    queries
        .last_mut()
        .expect("one query at least")
        .push(" COMMIT;");
    let mut slot = log.conn.lock().await;
    let mut conn = match slot.take() {
        Some(conn) => conn,
        None => SqliteConnection::connect_with(&log.options).await?,
    };
    let mut heads = Vec::with_capacity(numbered.len());
    let mut outcome = Ok(());
    for mut qb in queries {
        match qb.build().fetch_all(&mut conn).await {
            Ok(rows) => heads.extend(rows),
            Err(e) => {
                outcome = Err(StoreError::from(e));
                break;
            }
        }
    }
    if outcome.is_ok() && heads.len() != numbered.len() {
        outcome = Err(StoreError::Commit(format!(
            "expected {} sequence numbers, got {}",
            numbered.len(),
            heads.len()
        )));
    }
    if let Err(e) = outcome {
        // The transaction may still be open on this connection.
        if sqlx::query("ROLLBACK").execute(&mut conn).await.is_ok() {
            *slot = Some(conn);
        } else {
            // not known to be usable: the next append opens a fresh one
            conn.close().await.ok();
        }
        return Err(e);
    }
    *slot = Some(conn);
    for ((i, n), row) in numbered.iter().zip(heads) {
        let last: i64 = row.try_get(0)?;
        firsts[*i] = last - n + 1;
    }
    Ok(firsts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact};

    /// A migrated SQLite store in a fresh temporary directory (kept while the guard lives).
    async fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    /// A database written before migration 0004 holds v2 snapshots; `migrate` rewrites
    /// them as v1 and leaves one that does not decode as it was.
    #[tokio::test]
    async fn old_v2_snapshots_become_v1() {
        let (_dir, store) = temp_store().await;
        let doc = Doc::new();
        let text = doc.get_or_insert_text("t");
        text.insert(&mut doc.transact_mut(), 0, "ciao");
        let v2 = doc
            .transact()
            .encode_state_as_update_v2(&StateVector::default());
        for (board, state) in [("old", v2.as_slice()), ("bad", b"\x05garbage".as_slice())] {
            exec!(
                store,
                "INSERT INTO board_snapshots (board_id, seq, state, encoding, kind, created_at) \
                 VALUES ($1, 7, $2, 2, 'auto', 0)",
                board,
                state
            )
            .unwrap();
        }
        store.migrate().await.unwrap();

        let old = store.load_board("old").await.unwrap().snapshot.unwrap();
        assert_eq!(old.seq, 7);
        let back = Doc::new();
        back.transact_mut()
            .apply_update(yrs::Update::decode_v1(&old.state).unwrap())
            .unwrap();
        assert_eq!(
            back.get_or_insert_text("t").get_string(&back.transact()),
            "ciao"
        );
        assert_ne!(old.state, v2);
        let bad = store.load_board("bad").await.unwrap().snapshot.unwrap();
        assert_eq!(bad.state, b"\x05garbage");
        let left: Vec<(String,)> = fetch!(
            store,
            fetch_all,
            (String,),
            "SELECT board_id FROM board_snapshots WHERE encoding = 2"
        )
        .unwrap();
        assert_eq!(left, vec![("bad".to_owned(),)]);
        // new snapshots are written as v1
        store
            .compact(
                "new",
                1,
                &doc.transact()
                    .encode_state_as_update_v1(&StateVector::default()),
            )
            .await
            .unwrap();
        let n: Vec<(i64,)> = fetch!(
            store,
            fetch_all,
            (i64,),
            "SELECT encoding FROM board_snapshots WHERE board_id = 'new'"
        )
        .unwrap();
        assert_eq!(n, vec![(1,)]);
    }

    /// Commits leave the write-ahead log to `checkpoint`, which copies it back.
    #[tokio::test]
    async fn checkpoints_happen_off_the_commit_path() {
        let (_dir, store) = temp_store().await;
        let auto: Vec<(i64,)> =
            fetch!(store, fetch_all, (i64,), "PRAGMA wal_autocheckpoint").unwrap();
        assert_eq!(auto, vec![(10_000,)]);
        store.checkpoint().await.unwrap();
        for i in 0..200u32 {
            store
                .append(&[BoardAppend {
                    board_id: format!("b{}", i % 7),
                    updates: vec![vec![1; 600]],
                }])
                .await
                .unwrap();
        }
        let copied = store.checkpoint().await.unwrap();
        assert!(copied > 0, "the log's frames were copied: {copied}");
        assert_eq!(store.load_board("b3").await.unwrap().updates.len(), 29);
    }
}
