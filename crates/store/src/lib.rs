//! All of Frameproof's SQL: the database file, migrations, and one module per aggregate.
//!
//! Owns the schema and the queries; holds no business rules (who may do what is decided by the
//! caller, in the server's use cases). SQL is written to port to PostgreSQL: `$n` placeholders,
//! UUIDv7 ids and epoch-millisecond times bound from Rust, no SQLite-only functions in shared
//! statements. Writes run on one writer connection with group commit (see [`WriteTx`]): writers
//! queue in-process instead of meeting `database is locked`, and one fsync covers every write
//! that queued up behind the previous one.

pub mod accounts;
pub mod assets;
pub mod audit;
pub mod briefs;
pub mod calendars;
pub mod checks;
pub mod comments;
pub mod events;
pub mod folders;
pub mod intake;
pub mod jobs;
pub mod list;
pub mod mail;
pub mod projects;
pub mod reminders;
pub mod review;
pub mod shares;
pub mod uploads;
pub mod versions;
pub mod workflows;
pub mod workspaces;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};

use futures::StreamExt;
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, Either, Executor, FromRow, Row, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot, watch};

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
    #[error("the write was not committed: {0}")]
    Batch(String),
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

/// The database: one writer connection with group commit, and a reader pool.
#[derive(Clone, Debug)]
pub struct Store {
    writer: Arc<Mutex<Writer>>,
    flush: Arc<Notify>,
    read: SqlitePool,
    changes: watch::Sender<u64>,
    epochs: Arc<Epochs>,
    /// The connection that checkpoints the WAL, away from the writer (see [`checkpointer`]).
    checkpoints: Arc<Mutex<Option<SqliteConnection>>>,
    path: PathBuf,
}

/// The writer connection and the batch of transactions waiting for its next commit.
#[derive(Debug)]
struct Writer {
    conn: Option<SqliteConnection>,
    /// A batch transaction (`BEGIN IMMEDIATE`) is open on the connection.
    open: bool,
    /// A holder went away mid-work: its savepoint must be rolled back before anyone else writes.
    dangling: bool,
    /// A claim went away while its first statements were running (its request was dropped):
    /// whether its savepoint was set, and how far its statements got, is unknown, so the whole
    /// batch is rolled back before anyone else writes.
    interrupted: bool,
    /// A holder committed: its savepoint is released by whoever uses the connection next (the
    /// next writer, in the same round trip as its own savepoint, or the flusher, with COMMIT).
    release: bool,
    /// Those whose work is in the open batch, waiting for its commit.
    waiting: Vec<oneshot::Sender<Result<(), String>>>,
    /// The audit chain's head as this batch left it (sequence number, hash), once read or
    /// written in the batch. Forgotten whenever the batch ends or work in it is rolled back:
    /// outside a batch another process may append.
    audit_head: Option<(i64, String)>,
    /// The epochs as of this process's last commit (see [`Store::access_epoch`]).
    epochs: Arc<Epochs>,
}

/// The access and content epochs as of this process's last commit.
#[derive(Debug, Default)]
struct Epochs {
    access: AtomicI64,
    content: AtomicI64,
}

const RELEASE: &str = "RELEASE fp_write";
const ROLLBACK_TO: &str = "ROLLBACK TO fp_write";

impl Writer {
    fn conn(&mut self) -> &mut SqliteConnection {
        // Present from open() until close(), and close() takes the lock for good.
        self.conn.as_mut().unwrap_or_else(|| unreachable!("the writer is used after close"))
    }

    /// Rolls back the savepoint of a holder that went away without finishing. If the savepoint
    /// is gone, SQLite rolled the whole transaction back (disk full, I/O error): the batch is
    /// lost, and everyone waiting for it is told so.
    async fn settle(&mut self) {
        if std::mem::take(&mut self.interrupted) {
            self.dangling = false;
            // BEGIN may have run even if the batch was not open yet.
            self.open = true;
            self.fail_batch(String::from("a write in the batch was interrupted")).await;
            return;
        }
        if !std::mem::take(&mut self.dangling) {
            return;
        }
        self.audit_head = None;
        let undone = match sqlx::query(ROLLBACK_TO).execute(self.conn()).await {
            Ok(_) => sqlx::query(RELEASE).execute(self.conn()).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = undone {
            self.fail_batch(format!("the batch transaction was lost: {e}")).await;
        }
    }

    /// Ends the open batch without committing; everyone waiting gets `why`.
    async fn fail_batch(&mut self, why: String) {
        if self.open {
            let _ = sqlx::query("ROLLBACK").execute(self.conn()).await;
        }
        self.open = false;
        self.release = false;
        self.audit_head = None;
        for w in self.waiting.drain(..) {
            let _ = w.send(Err(why.clone()));
        }
    }

    /// Commits the open batch (one fsync for all of it) and answers everyone waiting.
    async fn commit_batch(&mut self, changes: &watch::Sender<u64>) {
        self.settle().await;
        if !self.open {
            return;
        }
        // The epochs are read in the same round trip, just before COMMIT: with the batch's own
        // changes, and published before anyone in the batch is answered.
        macro_rules! commit {
            () => {
                "SELECT (SELECT n FROM access_epoch WHERE id = 1), (SELECT n FROM content_epoch WHERE id = 1); COMMIT"
            };
        }
        let sql = if std::mem::take(&mut self.release) { concat!("RELEASE fp_write; ", commit!()) } else { commit!() };
        self.audit_head = None;
        match sqlx::raw_sql(sql).fetch_all(self.conn()).await {
            Ok(rows) => {
                self.open = false;
                if let Some(r) = rows.first() {
                    if let Ok(n) = r.try_get::<i64, _>(0) {
                        self.epochs.access.store(n, Ordering::Release);
                    }
                    if let Ok(n) = r.try_get::<i64, _>(1) {
                        self.epochs.content.store(n, Ordering::Release);
                    }
                }
                // Wake event streams and job runners only when something was committed (a
                // batch of rolled-back work changes nothing, and waking them would make them
                // look again, roll back again, and spin).
                if !self.waiting.is_empty() {
                    changes.send_modify(|n| *n = n.wrapping_add(1));
                }
                for w in self.waiting.drain(..) {
                    let _ = w.send(Ok(()));
                }
            }
            Err(e) => self.fail_batch(format!("commit failed: {e}")).await,
        }
    }
}

/// A write transaction. Commit it to keep its changes; dropping it rolls them back.
///
/// Group commit: every write runs on the one writer connection inside a savepoint of a shared
/// batch transaction. `commit` hands the connection to the next writer and waits (its savepoint
/// is released by the next writer, in the same round trip as that writer's own savepoint, or
/// by the flusher just before COMMIT); the flusher commits the batch (one fsync for everyone in
/// it) as soon as it gets the connection, which is right away when nobody else is waiting. A
/// commit answers only after that COMMIT is durable, and if anything fails, every transaction
/// in the batch fails (none was acknowledged). Writers queue in order; none meets `database is
/// locked`.
pub struct WriteTx {
    guard: Option<OwnedMutexGuard<Writer>>,
    flush: Arc<Notify>,
    /// This holder's savepoint is set (always, once a [`Claim`] becomes a `WriteTx`).
    set: bool,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").field("finished", &self.guard.is_none()).finish()
    }
}

/// The writer, claimed for one write transaction whose savepoint is not set yet: the savepoint
/// goes in the same round trip as the transaction's first statements (see [`Claim::exec`]), so
/// a writer that does all its work in one batch of statements holds the writer for one round
/// trip instead of two. [`Claim::begin`] sets it alone. Dropping a claim that never ran
/// anything leaves nothing behind.
///
/// A separate type because until the savepoint is set, statements sent on the connection would
/// run outside it: a claim has no connection to hand out.
#[derive(Debug)]
pub struct Claim(WriteTx);

impl Claim {
    /// What must run before this holder's first statement, and how many statements that is:
    /// open the batch (or release the previous holder's savepoint) and set this holder's.
    fn prefix(&self) -> (&'static str, usize) {
        let w = self.0.guard.as_ref().unwrap_or_else(|| unreachable!("a claim always holds the writer"));
        if self.0.set {
            ("", 0)
        } else if !w.open {
            ("BEGIN IMMEDIATE; SAVEPOINT fp_write; ", 2)
        } else if w.release {
            ("RELEASE fp_write; SAVEPOINT fp_write; ", 2)
        } else {
            ("SAVEPOINT fp_write; ", 1)
        }
    }

    /// Sets the savepoint (if no statement has yet) and hands over the transaction.
    pub async fn begin(mut self) -> Result<WriteTx> {
        if !self.0.set {
            self.exec("", |q| q).await?;
        }
        Ok(self.0)
    }

    /// Runs `body` (one or more statements; `bind` binds its parameters) after the savepoint
    /// SQL, in one round trip. Answers the body's results: each statement's rows, then its
    /// outcome. If the body fails after the savepoint is set, only this holder's work is rolled
    /// back (when the claim is dropped); if the savepoint SQL itself fails, the batch is in an
    /// unknown state and, as in [`Store::begin`], ends without committing.
    pub(crate) async fn exec<'q, F>(&mut self, body: &str, bind: F) -> Result<Vec<Either<SqliteQueryResult, SqliteRow>>>
    where
        F: FnOnce(Query<'q, Sqlite, SqliteArguments>) -> Query<'q, Sqlite, SqliteArguments>,
    {
        let (prefix, before) = self.prefix();
        let opening = before > 0 && !self.0.writer().open;
        let q = bind(sqlx::query(sqlx::AssertSqlSafe(format!("{prefix}{body}"))));
        let mut out = Vec::new();
        let mut done = 0;
        // Until the results are in, this future being dropped leaves the connection in a state
        // nobody knows: the next holder rolls the whole batch back (see `Writer::settle`).
        self.0.writer().interrupted = true;
        let failed = {
            let mut results = self.0.writer().conn().fetch_many(q);
            loop {
                match results.next().await {
                    None => break None,
                    Some(Ok(r)) => {
                        if r.is_left() {
                            done += 1;
                        }
                        if done > before || r.is_right() {
                            out.push(r);
                        }
                    }
                    Some(Err(e)) => break Some(e),
                }
            }
        };
        let w = self.0.writer();
        w.interrupted = false;
        if done >= before {
            // The savepoint is set (whatever happened after it): the batch is open, the previous
            // holder's savepoint released, and a failure is this holder's alone.
            w.open = true;
            w.release = false;
            self.0.set = true;
        } else if opening {
            // BEGIN may have succeeded before SAVEPOINT failed: leave no transaction open.
            let _ = sqlx::query("ROLLBACK").execute(w.conn()).await;
        } else if let Some(e) = &failed {
            // The batch's state is unknown: nobody in it was acknowledged, so it all goes.
            w.fail_batch(format!("the batch transaction was lost: {e}")).await;
        }
        match failed {
            None => Ok(out),
            Some(e) => Err(e.into()),
        }
    }

    /// The audit chain's head as of this transaction (see [`WriteTx::audit_head`]); when the
    /// batch has not read it yet, it is read in the savepoint's round trip.
    pub(crate) async fn audit_head(&mut self) -> Result<(i64, String)> {
        if let Some(h) = &self.0.writer().audit_head {
            return Ok(h.clone());
        }
        let rows = self.exec(audit::HEAD, |q| q).await?;
        let h = match rows.iter().find_map(|r| r.as_ref().right()) {
            Some(row) => (row.try_get("seq")?, row.try_get("hash")?),
            None => (0, frameproof_domain::audit::GENESIS.to_owned()),
        };
        self.0.writer().audit_head = Some(h.clone());
        Ok(h)
    }

    /// The transaction, once its savepoint is set by [`Claim::exec`].
    pub(crate) fn into_tx(self) -> WriteTx {
        debug_assert!(self.0.set, "a claim's savepoint is set before its transaction is used");
        self.0
    }

    pub(crate) fn set_audit_head(&mut self, seq: i64, hash: String) {
        self.0.set_audit_head(seq, hash);
    }
}

impl WriteTx {
    /// Makes the changes durable and tells event streams to look for new rows.
    pub async fn commit(mut self) -> Result<()> {
        let Some(mut guard) = self.guard.take() else {
            return Err(StoreError::Batch(String::from("the transaction was already finished")));
        };
        guard.release = true;
        let (tx, rx) = oneshot::channel();
        guard.waiting.push(tx);
        drop(guard);
        self.flush.notify_one();
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(StoreError::Batch(why)),
            Err(_) => Err(StoreError::Batch(String::from("the database closed before the commit"))),
        }
    }

    fn writer(&mut self) -> &mut Writer {
        self.guard.as_mut().unwrap_or_else(|| unreachable!("a finished transaction"))
    }

    /// The audit chain's head as of this transaction: remembered within the batch, so only the
    /// batch's first audited write reads it.
    pub(crate) async fn audit_head(&mut self) -> Result<(i64, String)> {
        if let Some(h) = &self.writer().audit_head {
            return Ok(h.clone());
        }
        let h = audit::head(self).await?.unwrap_or_else(|| (0, frameproof_domain::audit::GENESIS.to_owned()));
        self.writer().audit_head = Some(h.clone());
        Ok(h)
    }

    /// Records the entry this transaction just appended as the head.
    pub(crate) fn set_audit_head(&mut self, seq: i64, hash: String) {
        self.writer().audit_head = Some((seq, hash));
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // Not committed: the savepoint is rolled back by the next holder of the writer, or by
        // the flusher, which also ends the batch so it does not hold SQLite's write lock.
        if let Some(g) = self.guard.as_mut() {
            g.dangling = self.set;
            self.flush.notify_one();
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.guard.as_ref().and_then(|g| g.conn.as_ref()).unwrap_or_else(|| unreachable!("a finished transaction"))
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        self.guard.as_mut().map(|g| g.conn()).unwrap_or_else(|| unreachable!("a finished transaction"))
    }
}

impl Store {
    /// Opens (creating if needed) the database file at `path`, switches it to WAL, and applies
    /// pending migrations.
    pub async fn open(path: &Path) -> Result<Store> {
        // How much of the database file each reader maps (larger files read the rest with pread).
        const READER_MMAP_BYTES: u64 = 1 << 30;
        let opts = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before we answer, so an acknowledged write survives a
            // power cut, not only a process kill.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // The WAL is copied into the database by a connection of its own (see
            // `checkpointer`), not by whichever commit crosses SQLite's threshold: that commit
            // would hold every writer behind it for the copy and an fsync of the database.
            .pragma("wal_autocheckpoint", "0")
            .busy_timeout(Duration::from_secs(10));
        // Every write runs in a savepoint of its own (see [`WriteTx`]), so SQLite copies each
        // page a write changes into a sub-journal first, to be able to undo that write alone.
        // In a temporary file (the default) that is a pwrite per page, per write; in memory it
        // is a copy. It is emptied when the write's savepoint is released, so it never holds
        // more than the pages one write changed.
        let writer_opts = opts
            .clone()
            .pragma("temp_store", "memory")
            // After the WAL starts over (see `checkpointer`), its file is cut back to this size.
            .pragma("journal_size_limit", WAL_KEEP_BYTES.to_string());
        let mut conn = SqliteConnection::connect_with(&writer_opts)
            .await
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        MIGRATOR.run(&mut conn).await.map_err(StoreError::Migrate)?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            // A local file needs no liveness check, and on SQLite each one is a round trip to
            // the connection's thread.
            .test_before_acquire(false)
            // Readers map the database file instead of copying each page out of the kernel with
            // a pread, and keep 16 MiB of pages each (SQLite's default is 2 MB).
            .connect_with(
                opts.clone()
                    .read_only(true)
                    .pragma("mmap_size", READER_MMAP_BYTES.to_string())
                    .pragma("cache_size", "-16384"),
            )
            .await
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let (changes, _) = watch::channel(0);
        let epochs = Arc::new(Epochs::default());
        let writer = Arc::new(Mutex::new(Writer {
            conn: Some(conn),
            open: false,
            dangling: false,
            interrupted: false,
            release: false,
            waiting: Vec::new(),
            audit_head: None,
            epochs: epochs.clone(),
        }));
        let flush = Arc::new(Notify::new());
        tokio::spawn(flusher(Arc::downgrade(&writer), flush.clone(), changes.clone()));
        let checkpoints = SqliteConnection::connect_with(&opts)
            .await
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let checkpoints = Arc::new(Mutex::new(Some(checkpoints)));
        tokio::spawn(checkpointer(checkpoints.clone(), Arc::downgrade(&writer), changes.clone()));
        Ok(Store { writer, flush, read, changes, epochs, checkpoints, path: path.to_owned() })
    }

    /// Opens `DB_FILE` inside a data dir.
    pub async fn open_in(data_dir: &Path) -> Result<Store> {
        Store::open(&data_dir.join(DB_FILE)).await
    }

    /// Starts a write transaction: waits for the writer connection, joins (or opens, with
    /// `BEGIN IMMEDIATE`, so the write lock is taken up front) the batch transaction, and sets a
    /// savepoint of its own (in one round trip with releasing the previous holder's).
    pub async fn begin(&self) -> Result<WriteTx> {
        self.claim().await?.begin().await
    }

    /// Waits for the writer connection and claims it for one write transaction, whose
    /// savepoint is set with its first statements (see [`Claim`]).
    pub async fn claim(&self) -> Result<Claim> {
        let mut guard = self.writer.clone().lock_owned().await;
        if guard.conn.is_none() {
            return Err(StoreError::Batch(String::from("the database is closed")));
        }
        guard.settle().await;
        Ok(Claim(WriteTx { guard: Some(guard), flush: self.flush.clone(), set: false }))
    }

    /// A connection for reads. Reads see the last committed state (WAL snapshot).
    pub async fn reader(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
        Ok(self.read.acquire().await?)
    }

    /// The access epoch (see [`events::access_epoch`]: it moves whenever a credential,
    /// membership, role, project or asset that grants access changes) as of this process's last
    /// commit, read without a query. Every write of this process that moves the epoch has
    /// published it here before its commit is answered; writes of other processes (`frameproof
    /// admin`, another node) are seen only by reading the database. The value is only ever
    /// compared with itself: what something was checked under, against what it is now.
    pub fn access_epoch(&self) -> i64 {
        self.epochs.access.load(Ordering::Acquire)
    }

    /// The content epoch (migration 0008: it moves with every change to a version but its
    /// processing progress, an asset or a project) as of this process's last commit, published
    /// as [`Store::access_epoch`] is.
    pub fn content_epoch(&self) -> i64 {
        self.epochs.content.load(Ordering::Acquire)
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

    /// Commits what is pending, closes the writer and the readers, checkpointing the WAL.
    pub async fn close(&self) {
        self.read.close().await;
        if let Some(conn) = self.checkpoints.lock().await.take() {
            let _ = conn.close().await;
        }
        // The writer closes last: the last connection to close checkpoints the WAL.
        let mut w = self.writer.lock().await;
        w.commit_batch(&self.changes).await;
        if let Some(conn) = w.conn.take() {
            let _ = conn.close().await;
        }
        self.flush.notify_one();
    }
}

/// The rows of a multi-statement read, each statement's rows tagged by a first column `k`.
///
/// sqlx runs every SQLite call on the connection's own thread, so each query costs two thread
/// wake-ups, which under load cost more than the query itself. Reads that always go together
/// (a credential and its user; a version, its asset, project and the caller's role) are sent as
/// one batch of statements and told apart by their tag. (A PostgreSQL backend would use joins.)
pub(crate) struct Tagged(Vec<SqliteRow>);

impl Tagged {
    pub(crate) async fn fetch(c: &mut Conn, q: sqlx::query::Query<'_, Sqlite, SqliteArguments>) -> Result<Tagged> {
        Ok(Tagged(q.fetch_all(c).await?))
    }

    /// The row tagged `tag`, decoded (the tag column is ignored by the decoder).
    pub(crate) fn one<T: for<'r> FromRow<'r, SqliteRow>>(&self, tag: &str) -> Result<Option<T>> {
        for row in &self.0 {
            if row.try_get::<&str, _>("k")? == tag {
                return Ok(Some(T::from_row(row)?));
            }
        }
        Ok(None)
    }
}

/// How long the writer must have been idle (no commit) before the WAL is copied into the
/// database.
const CHECKPOINT_QUIET: Duration = Duration::from_millis(100);

/// While commits go on with no quiet moment, the WAL is copied in this often anyway.
const CHECKPOINT_AT_LEAST_EVERY: Duration = Duration::from_secs(1);

/// While commits go on with no quiet moment, the WAL is made to start over this often.
const WAL_START_OVER_EVERY: Duration = Duration::from_secs(10);

/// The WAL file is cut back to this size when it starts over (`journal_size_limit`).
const WAL_KEEP_BYTES: u64 = 64 << 20;

/// Copies committed WAL frames into the database file, on its own connection and thread: when
/// the writer has been idle for [`CHECKPOINT_QUIET`], and every [`CHECKPOINT_AT_LEAST_EVERY`]
/// while commits go on without a quiet moment. Ends when the store is dropped or closed.
///
/// A checkpoint writes pages into the database file and fsyncs it, and a commit's fsync of the
/// WAL issued meanwhile waits behind that on the same disk (measured here: commits that ended
/// with a checkpoint took 8 to 96 ms, against about 2 ms). Copying in quiet moments, and at
/// most once a second during a burst of comments, keeps most commits clear of that.
///
/// The WAL only starts over (writes go back to its beginning) when a write transaction begins
/// with every frame already copied in; with commits every few milliseconds that never happens
/// by itself, and the WAL would grow for as long as the writes go on. So every
/// [`WAL_START_OVER_EVERY`] of commits with no quiet moment, right after copying in the bulk,
/// the checkpointer takes the writer, commits its open batch, and copies in the rest: the next
/// batch starts the WAL over. Only that last copy (of what was committed during the first) and
/// its fsync hold writers up.
async fn checkpointer(
    conn: Arc<Mutex<Option<SqliteConnection>>>,
    writer: Weak<Mutex<Writer>>,
    changes: watch::Sender<u64>,
) {
    let mut commits = changes.subscribe();
    while commits.changed().await.is_ok() {
        // Frames gather from this first commit after a checkpoint that found the writer idle.
        let first = tokio::time::Instant::now();
        let mut copied = first;
        loop {
            commits.mark_unchanged();
            let quiet = match tokio::time::timeout(CHECKPOINT_QUIET, commits.changed()).await {
                Err(_) => true,
                Ok(Err(_)) => return,
                Ok(Ok(())) if copied.elapsed() >= CHECKPOINT_AT_LEAST_EVERY => false,
                Ok(Ok(())) => continue,
            };
            let mut conn = conn.lock().await;
            let Some(c) = conn.as_mut() else { return };
            checkpoint(c).await;
            copied = tokio::time::Instant::now();
            if quiet {
                break;
            }
            if first.elapsed() >= WAL_START_OVER_EVERY {
                let Some(_writer) = commit_open_batch(&writer, &changes).await else { return };
                checkpoint(c).await;
                break;
            }
        }
    }
}

/// Copies what it can of the WAL into the database file. `PASSIVE` takes no lock that writers
/// wait for. A failure is logged: the next checkpoint tries again.
async fn checkpoint(c: &mut SqliteConnection) {
    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(c).await {
        tracing::warn!(error = %e, "checkpointing the WAL failed; will retry after the next commit");
    }
}

/// Commits each batch as soon as it gets the writer. Ends when the store is dropped or closed.
async fn flusher(writer: Weak<Mutex<Writer>>, flush: Arc<Notify>, changes: watch::Sender<u64>) {
    loop {
        flush.notified().await;
        if commit_open_batch(&writer, &changes).await.is_none() {
            return;
        }
    }
}

/// Takes the writer and commits its open batch, if any; answers the writer, still held, or
/// `None` once the store is closed or dropped.
async fn commit_open_batch(
    writer: &Weak<Mutex<Writer>>,
    changes: &watch::Sender<u64>,
) -> Option<OwnedMutexGuard<Writer>> {
    let mut w = writer.upgrade()?.lock_owned().await;
    w.conn.as_ref()?;
    w.commit_batch(changes).await;
    Some(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn count(s: &Store) -> i64 {
        let mut c = s.reader().await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures").fetch_one(&mut *c).await.unwrap()
    }

    /// The keys stored, sorted.
    async fn keys(s: &Store) -> Vec<String> {
        let mut c = s.reader().await.unwrap();
        sqlx::query_scalar("SELECT scope_key FROM login_failures ORDER BY scope_key").fetch_all(&mut *c).await.unwrap()
    }

    /// Commits the transaction, or drops it (rolling it back); answers whether it committed.
    async fn finish(tx: WriteTx, keep: bool) -> bool {
        if keep {
            tx.commit().await.unwrap();
        }
        keep
    }

    async fn committed(tasks: Vec<tokio::task::JoinHandle<bool>>) -> i64 {
        let mut n = 0;
        for t in tasks {
            n += i64::from(t.await.unwrap());
        }
        n
    }

    async fn add(tx: &mut WriteTx, key: &str) {
        sqlx::query("INSERT INTO login_failures (scope_key, at) VALUES ($1, 0)")
            .bind(key)
            .execute(&mut **tx)
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_all_commit_and_a_dropped_one_loses_only_its_own_work() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..64 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = s.begin().await.unwrap();
                add(&mut tx, &format!("k{i}")).await;
                // Every eighth is rolled back; the others in its batch still commit.
                finish(tx, i % 8 != 7).await
            }));
        }
        let committed = committed(tasks).await;
        assert_eq!(committed, 56);
        assert_eq!(count(&s).await, 56);
        s.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn claims_set_their_savepoint_with_their_first_statements_and_a_failure_undoes_only_its_own_work() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        const ADD: &str = "INSERT INTO login_failures (scope_key, at) VALUES ($1, 0)";
        let mut tasks = Vec::new();
        for i in 0..96 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut claim = s.claim().await.unwrap();
                let key = format!("k{i}");
                match i % 6 {
                    // The first statement lands, the second fails: the first must not stay.
                    0 => {
                        let sql = format!("{ADD}; INSERT INTO no_such_table VALUES ($1)");
                        assert!(claim.exec(&sql, |q| q.bind(key.as_str())).await.is_err());
                        false
                    }
                    // Runs, then is dropped without committing.
                    1 => {
                        claim.exec(ADD, |q| q.bind(key.as_str())).await.unwrap();
                        false
                    }
                    // Never runs anything.
                    2 => false,
                    // Two round trips: fused, then on the transaction.
                    3 => {
                        claim.exec(ADD, |q| q.bind(key.as_str())).await.unwrap();
                        let mut tx = claim.into_tx();
                        add(&mut tx, &format!("{key}b")).await;
                        finish(tx, true).await
                    }
                    // Savepoint alone, then the usual way.
                    4 => {
                        let mut tx = claim.begin().await.unwrap();
                        add(&mut tx, &key).await;
                        finish(tx, true).await
                    }
                    _ => {
                        claim.exec(ADD, |q| q.bind(key.as_str())).await.unwrap();
                        finish(claim.into_tx(), true).await
                    }
                }
            }));
        }
        assert_eq!(committed(tasks).await, 48);
        let mut want: Vec<String> = (0..96)
            .filter(|i| i % 6 >= 3)
            .flat_map(|i| if i % 6 == 3 { vec![format!("k{i}"), format!("k{i}b")] } else { vec![format!("k{i}")] })
            .collect();
        want.sort();
        assert_eq!(keys(&s).await, want);
        s.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_claim_dropped_mid_statement_takes_its_batch_down_unacknowledged_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        // A's write is in the batch, its commit not answered yet, when B takes the writer.
        let mut a = s.begin().await.unwrap();
        add(&mut a, "a").await;
        let b = {
            let s = s.clone();
            tokio::spawn(async move {
                let mut claim = s.claim().await.unwrap();
                // B's request goes away while its statements run (its first row is in).
                let slow = "INSERT INTO login_failures (scope_key, at) VALUES ('b', 0);
                    WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3000000)
                    SELECT COUNT(*) FROM r;
                    INSERT INTO login_failures (scope_key, at) VALUES ('b2', 0)";
                let run = claim.exec(slow, |q| q);
                assert!(tokio::time::timeout(Duration::from_millis(30), run).await.is_err());
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let committed = a.commit().await;
        b.await.unwrap();
        assert!(committed.is_err(), "A's commit must not be acknowledged: its batch was rolled back");
        // The writer works again, and nothing of A or B is there.
        let mut c = s.begin().await.unwrap();
        add(&mut c, "c").await;
        c.commit().await.unwrap();
        assert_eq!(keys(&s).await, ["c"]);
        s.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn committed_pages_reach_the_database_file_while_the_store_stays_open() {
        // No commit checkpoints (wal_autocheckpoint is off): the checkpointer must.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        let db = dir.path().join(DB_FILE);
        let before = std::fs::metadata(&db).unwrap().len();
        for i in 0..20 {
            let mut tx = s.begin().await.unwrap();
            add(&mut tx, &format!("{i:04}{}", "x".repeat(50_000))).await;
            tx.commit().await.unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::fs::metadata(&db).unwrap().len() < before + 1_000_000 {
            assert!(std::time::Instant::now() < deadline, "1 MB committed, none of it checkpointed after 5 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        s.close().await;
    }

    /// The WAL header's checkpoint sequence number: it goes up each time the WAL starts over.
    fn wal_restarts(dir: &Path) -> u32 {
        let wal = std::fs::read(dir.join(format!("{DB_FILE}-wal"))).unwrap();
        u32::from_be_bytes(wal[12..16].try_into().unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn under_writes_that_never_pause_the_wal_still_starts_over() {
        // With writers always queued, a batch is always open and the checkpointer never finds
        // the WAL fully copied in between two: it must make that moment (every
        // WAL_START_OVER_EVERY) for the WAL to start over instead of growing for as long as the
        // writes go on.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        let mut tx = s.begin().await.unwrap();
        add(&mut tx, "first").await;
        tx.commit().await.unwrap();
        let before = wal_restarts(dir.path());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let (s, stop) = (s.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let mut tx = s.begin().await.unwrap();
                        add(&mut tx, &format!("{w}-{n}-{}", "x".repeat(2_000))).await;
                        tx.commit().await.unwrap();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let started = std::time::Instant::now();
        let mut restarted = false;
        while !restarted && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            restarted = wal_restarts(dir.path()) != before;
        }
        stop.store(true, Ordering::Relaxed);
        let mut written = 1;
        for w in writers {
            written += w.await.unwrap();
        }
        assert!(restarted, "30 s of writes and the WAL never started over");
        assert_eq!(count(&s).await, written);
        s.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_audit_chain_stays_whole_across_batches_rollbacks_and_processes() {
        // Two stores on one file stand for two processes (`serve` and `worker`): each remembers
        // the chain's head only within its own batch, so neither forks the chain.
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open_in(dir.path()).await.unwrap();
        let b = Store::open_in(dir.path()).await.unwrap();
        let actor = serde_json::json!({"kind": "system"});
        let mut tasks = Vec::new();
        for i in 0..60u32 {
            let s = if i % 3 == 0 { b.clone() } else { a.clone() };
            let actor = actor.clone();
            tasks.push(tokio::spawn(async move {
                let payload = serde_json::json!({ "n": i });
                let mut tx = s.begin().await.unwrap();
                let e = events::NewEvent {
                    kind: "comment.created",
                    at: i64::from(i),
                    actor: &actor,
                    workspace_id: frameproof_domain::WorkspaceId(uuid::Uuid::from_u128(7)),
                    project_id: None,
                    asset_id: None,
                    version_id: None,
                    payload: &payload,
                    team_only: false,
                };
                events::append(&mut tx, &e).await.unwrap();
                // Every fifth is rolled back, audit entry and all.
                finish(tx, i % 5 != 4).await
            }));
        }
        let committed = committed(tasks).await;
        let mut c = a.reader().await.unwrap();
        assert_eq!(audit::whole_chain(&mut c).await as i64, committed);
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(&mut *c).await.unwrap();
        assert_eq!(events, committed);
        drop(c);
        a.close().await;
        b.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_write_does_not_keep_the_database_locked_for_other_processes() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        // A second Store on the same file stands for `frameproof worker` in another process.
        let other = Store::open_in(dir.path()).await.unwrap();
        let mut tx = s.begin().await.unwrap();
        add(&mut tx, "abandoned").await;
        drop(tx);
        let started = std::time::Instant::now();
        let mut tx = other.begin().await.unwrap();
        add(&mut tx, "other").await;
        tx.commit().await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(2), "waited {:?} for the write lock", started.elapsed());
        assert_eq!(count(&s).await, 1);
        s.close().await;
        other.close().await;
    }
}
