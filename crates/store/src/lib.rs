//! All of Frameproof's SQL: the database file, migrations, and one module per aggregate.
//!
//! Owns the schema and the queries; holds no business rules (who may do what is decided by the
//! caller, in the server's use cases). SQL is written to port to PostgreSQL: `$n` placeholders,
//! UUIDv7 ids and epoch-millisecond times bound from Rust, no SQLite-only functions in shared
//! statements. Write transactions open with `BEGIN IMMEDIATE` on a single-connection writer
//! pool, so writers queue in-process instead of meeting `database is locked`.

pub mod accounts;
pub mod assets;
pub mod audit;
pub mod comments;
pub mod events;
pub mod folders;
pub mod jobs;
pub mod list;
pub mod projects;
pub mod review;
pub mod uploads;
pub mod versions;
pub mod workspaces;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::watch;

pub use list::{Cursor, ListQuery, SortKey};

/// The database connection every store function takes. One name, so the PostgreSQL backend
/// has one place to change.
pub type Conn = SqliteConnection;

/// The database file's name inside the data dir.
pub const DB_FILE: &str = "frameproof.db";

/// Errors from the store. Callers map `NotFound`/`Conflict` to 4xx answers and everything else
/// to a logged 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening the database at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("applying migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("a uniqueness rule was violated: {0}")]
    Conflict(String),
    #[error("database query failed")]
    Sql(#[source] sqlx::Error),
    #[error("stored JSON could not be read")]
    Json(#[source] serde_json::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(db.message().to_owned());
        }
        StoreError::Sql(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Json(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The database: a writer pool of one connection and a reader pool.
#[derive(Clone, Debug)]
pub struct Store {
    write: SqlitePool,
    read: SqlitePool,
    changes: watch::Sender<u64>,
    path: PathBuf,
}

/// A write transaction. Commit it to keep its changes; dropping it rolls back. Committing wakes
/// event-stream readers.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    changes: watch::Sender<u64>,
}

impl WriteTx {
    /// Makes the changes durable and tells event streams to look for new rows.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

impl Store {
    /// Opens (creating if needed) the database file at `path`, switches it to WAL, and applies
    /// pending migrations.
    pub async fn open(path: &Path) -> Result<Store> {
        let opts = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before we answer, so an acknowledged write survives a
            // power cut, not only a process kill.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        MIGRATOR.run(&write).await.map_err(StoreError::Migrate)?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts.read_only(true))
            .await
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let (changes, _) = watch::channel(0);
        Ok(Store { write, read, changes, path: path.to_owned() })
    }

    /// Opens `DB_FILE` inside a data dir.
    pub async fn open_in(data_dir: &Path) -> Result<Store> {
        Store::open(&data_dir.join(DB_FILE)).await
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE`: the write lock is taken up front, so the
    /// transaction never fails half-way on a lock upgrade).
    pub async fn begin(&self) -> Result<WriteTx> {
        let tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, changes: self.changes.clone() })
    }

    /// A connection for reads. Reads see the last committed state (WAL snapshot).
    pub async fn reader(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
        Ok(self.read.acquire().await?)
    }

    /// Wakes when a write transaction of this process commits. (Other processes' writes are
    /// seen by polling.)
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Answers whether the database is reachable (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Writes a consistent copy of the database to `dest` (which must not exist) while others
    /// keep reading and writing: `VACUUM INTO` reads one snapshot.
    pub async fn backup_to(&self, dest: &Path) -> Result<()> {
        let dest = dest.to_string_lossy().into_owned();
        sqlx::query("VACUUM INTO $1").bind(dest).execute(&self.read).await?;
        Ok(())
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's integrity and foreign-key checks; returns the problems found (empty when
    /// healthy).
    pub async fn integrity_check(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&self.read).await?;
        let mut problems: Vec<String> = rows.into_iter().map(|r| r.0).filter(|r| r != "ok").collect();
        let orphans: Vec<(String, Option<i64>, String)> =
            sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                .fetch_all(&self.read)
                .await?;
        problems.extend(orphans.into_iter().map(|(t, id, parent)| {
            format!("{t} row {} refers to a missing {parent} row", id.map(|i| i.to_string()).unwrap_or_default())
        }));
        Ok(problems)
    }

    /// Closes both pools, checkpointing the WAL.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
