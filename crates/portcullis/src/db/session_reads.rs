//! [`SessionReadPool`]: the connections the per-request session read runs
//! on, beside sqlx's pool.
//!
//! A guarded page makes one query, the session read. Through sqlx's pool it
//! also pays for a ping as the connection goes back (a spawned task and a
//! round trip to SQLite's connection thread or to the PostgreSQL server,
//! unconditionally) and, with sqlx's default options, another before each
//! acquire: for a one-row lookup, more work than the query itself (see
//! docs/BENCHMARKS.md). Here a connection goes back with no ping, last in
//! first out, bounded by the pool's `max_connections`. sqlx's ping on release
//! guards against a query cut off mid-way (its future dropped when a client
//! goes, or failed); here such a connection goes back marked, and is pinged
//! before its next use (which drains the cut-off reply, as sqlx's does) or
//! closed when that fails. Closing it at once would make every client that
//! leaves mid-query cost a new connection: for PostgreSQL a server process
//! and a SCRAM handshake.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use sqlx::{pool::PoolOptions, ConnectOptions, Connection, Database as SqlxDatabase, Pool};
use tokio::sync::{Semaphore, SemaphorePermit};

// One idle for PING_IF_IDLE is pinged before use (a server may have dropped
// it); one in steady use was proven by its last query.
use super::{read_batches::ReadBatches, Database, PING_IF_IDLE};

/// Session reads in flight at once on a worker's PostgreSQL connections.
/// The reads that come meanwhile wait and go together in the next
/// statement ([`ReadBatches`]): fewer statements in flight make fuller
/// ones, and a statement's fixed cost is most of the server's work. Two, so
/// that one slow statement does not hold up every page on the worker.
const POSTGRES_READ_CONNECTIONS: usize = 2;

/// Session-read connections for whichever database the pool serves.
#[derive(Debug)]
pub(crate) enum SessionReadPool {
    Sqlite(Connections<sqlx::Sqlite>),
    /// With the reads waiting for one of them ([`ReadBatches`]).
    Postgres {
        conns: Connections<sqlx::Postgres>,
        batches: ReadBatches,
    },
}

impl SessionReadPool {
    /// As many connections as `db`'s pool allows, on PostgreSQL at most
    /// [`POSTGRES_READ_CONNECTIONS`], opened on first use with the pool's
    /// options. None for a single-connection pool (an in-memory SQLite
    /// database lives in one connection).
    pub(crate) fn beside(db: &Database) -> Option<SessionReadPool> {
        match db {
            Database::Sqlite(pool) => {
                Connections::beside(pool, usize::MAX).map(SessionReadPool::Sqlite)
            }
            Database::Postgres(pool) => {
                Connections::beside(pool, POSTGRES_READ_CONNECTIONS).map(|mut conns| {
                    // The batch statement's plan is the same for any number of
                    // keys (a probe each); left to choose, the server plans it
                    // again on every execution, its estimate for a one-key
                    // array being below the generic plan's.
                    conns.options = conns
                        .options
                        .options([("plan_cache_mode", "force_generic_plan")]);
                    SessionReadPool::Postgres {
                        conns,
                        batches: ReadBatches::default(),
                    }
                })
            }
        }
    }
}

/// A bounded last-in-first-out stack of connections to one database.
pub(crate) struct Connections<DB: SqlxDatabase> {
    /// The pool beside which these live: closing it closes them too.
    pool: Pool<DB>,
    options: <DB::Connection as Connection>::Options,
    idle: Mutex<Vec<Idle<DB::Connection>>>,
    permits: Semaphore,
    acquire_timeout: Duration,
    idle_timeout: Option<Duration>,
    max_lifetime: Option<Duration>,
}

struct Idle<C> {
    conn: C,
    opened: Instant,
    since: Instant,
    /// Given back with its query unfinished: pinged before reuse.
    suspect: bool,
}

impl<DB: SqlxDatabase> std::fmt::Debug for Connections<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections")
            .field("available", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl<DB: SqlxDatabase> Connections<DB> {
    /// As many as the pool's `max_connections`, but at most `cap` (two or more).
    fn beside(pool: &Pool<DB>, cap: usize) -> Option<Self> {
        let o: &PoolOptions<DB> = pool.options();
        let max = (o.get_max_connections() as usize).min(cap);
        (max > 1).then(|| Connections {
            pool: pool.clone(),
            options: (*pool.connect_options()).clone(),
            idle: Mutex::new(Vec::with_capacity(max)),
            permits: Semaphore::new(max),
            acquire_timeout: o.get_acquire_timeout(),
            idle_timeout: o.get_idle_timeout(),
            max_lifetime: o.get_max_lifetime(),
        })
    }

    /// A connection for one query, waiting up to the pool's acquire timeout
    /// for one to come free.
    ///
    /// # Errors
    /// `PoolClosed` once the pool was closed, `PoolTimedOut` when none came
    /// free in time, or the driver's error when a new connection cannot be
    /// opened.
    pub(crate) async fn lease(&self) -> Result<Lease<'_, DB>, sqlx::Error> {
        let turn = self.turn().await?;
        self.lease_on(turn).await
    }

    /// The right to one connection, waiting up to the pool's acquire
    /// timeout. Unlike [`Connections::lease`], safe to drop unfinished (in
    /// a `select!`): it holds no connection yet, where a lease dropped
    /// while it opens one, or pings it, loses that connection.
    ///
    /// # Errors
    /// As [`Connections::lease`], but for opening a connection.
    pub(crate) async fn turn(&self) -> Result<SemaphorePermit<'_>, sqlx::Error> {
        if self.pool.is_closed() {
            // The idle ones close as they are dropped.
            self.lock().clear();
            return Err(sqlx::Error::PoolClosed);
        }
        match tokio::time::timeout(self.acquire_timeout, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(sqlx::Error::PoolClosed),
            Err(_elapsed) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// A connection for `turn`: the most recent idle one, or a new one.
    ///
    /// # Errors
    /// The driver's error when a new connection cannot be opened.
    pub(crate) async fn lease_on<'a>(
        &'a self,
        permit: SemaphorePermit<'a>,
    ) -> Result<Lease<'a, DB>, sqlx::Error> {
        let (conn, opened) = match self.reuse().await {
            Some(found) => found,
            None => (self.open().await?, Instant::now()),
        };
        Ok(Lease {
            conn: Some(conn),
            opened,
            home: self,
            _permit: permit,
        })
    }

    /// The most recently returned connection that is still usable; stale
    /// ones are closed on the way.
    async fn reuse(&self) -> Option<(DB::Connection, Instant)> {
        loop {
            let Idle {
                mut conn,
                opened,
                since,
                suspect,
            } = self.lock().pop()?;
            let idle = since.elapsed();
            let expired = self.idle_timeout.is_some_and(|t| idle >= t)
                || self.max_lifetime.is_some_and(|t| opened.elapsed() >= t);
            if expired {
                drop(conn.close().await);
                continue;
            }
            if (idle < PING_IF_IDLE && !suspect) || self.ping(&mut conn).await {
                return Some((conn, opened));
            }
            // The ping failed: the connection is dropped, try the next.
        }
    }

    /// True when `conn` answered within the acquire timeout (a cut-off
    /// query on PostgreSQL is drained first; one still running that long
    /// is not worth the wait).
    async fn ping(&self, conn: &mut DB::Connection) -> bool {
        matches!(
            tokio::time::timeout(self.acquire_timeout, conn.ping()).await,
            Ok(Ok(()))
        )
    }

    async fn open(&self) -> Result<DB::Connection, sqlx::Error> {
        match tokio::time::timeout(self.acquire_timeout, self.options.connect()).await {
            Ok(conn) => conn,
            Err(_elapsed) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Idle<DB::Connection>>> {
        // Nothing panics while holding it; if something did, the stack is still whole.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One connection, lent for one query. [`Lease::finish`] gives it back;
/// dropped unfinished (an error, or the request's future dropped mid-query)
/// it goes back marked, since it may hold a half-read reply, and is pinged
/// before its next use.
pub(crate) struct Lease<'a, DB: SqlxDatabase> {
    conn: Option<DB::Connection>,
    opened: Instant,
    home: &'a Connections<DB>,
    _permit: SemaphorePermit<'a>,
}

impl<DB: SqlxDatabase> Lease<'_, DB> {
    /// The connection, for one query.
    pub(crate) fn conn(&mut self) -> &mut DB::Connection {
        // Only `finish` takes it out, and that consumes the lease.
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("a lease holds its connection until finished"))
    }

    /// The query finished: the connection goes back on top of the stack.
    pub(crate) fn finish(mut self) {
        self.give_back(false);
    }

    fn give_back(&mut self, suspect: bool) {
        if let Some(conn) = self.conn.take() {
            self.home.lock().push(Idle {
                conn,
                opened: self.opened,
                since: Instant::now(),
                suspect,
            });
        }
    }
}

impl<DB: SqlxDatabase> Drop for Lease<'_, DB> {
    fn drop(&mut self) {
        // Still here: the query did not finish.
        self.give_back(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::DatabaseSettings;

    async fn file_db(dir: &tempfile::TempDir, max: u32) -> Database {
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("db.sqlite").display()
        );
        let settings = DatabaseSettings {
            url,
            max_connections: max,
            ..Default::default()
        };
        Database::connect(&settings).await.unwrap()
    }

    fn sqlite(reads: &SessionReadPool) -> &Connections<sqlx::Sqlite> {
        match reads {
            SessionReadPool::Sqlite(c) => c,
            SessionReadPool::Postgres { .. } => panic!("expected SQLite"),
        }
    }

    async fn one(conn: &mut sqlx::SqliteConnection) -> i64 {
        sqlx::query_scalar("SELECT 1")
            .fetch_one(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_single_connection_pool_gets_none() {
        let db = Database::connect(&DatabaseSettings {
            url: "sqlite::memory:".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert!(SessionReadPool::beside(&db).is_none());
    }

    /// Polls `fut` once: true when it has not finished (a query sent and
    /// still waiting for its answer).
    async fn pending_after_one_poll<F: std::future::Future + Unpin>(fut: &mut F) -> bool {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(std::pin::Pin::new(&mut *fut).poll(cx).is_pending())
        })
        .await
    }

    #[tokio::test]
    async fn a_finished_lease_is_reused_and_one_cut_off_mid_query_too() {
        let dir = tempfile::tempdir().unwrap();
        let db = file_db(&dir, 2).await;
        let Database::Sqlite(pool) = &db else {
            panic!("expected SQLite");
        };
        sqlx::query("CREATE TABLE cut (x INTEGER)")
            .execute(pool)
            .await
            .unwrap();
        let reads = SessionReadPool::beside(&db).unwrap();
        let c = sqlite(&reads);

        let mut lease = c.lease().await.unwrap();
        assert_eq!(one(lease.conn()).await, 1);
        let opened = lease.opened;
        lease.finish();
        assert_eq!(c.lock().len(), 1);

        // The same connection comes back (same opening time). A query cut
        // off (its future dropped, as when a client goes) gives it back
        // marked. The cut is certain, not a race with a timer: the insert
        // waits for the write lock a transaction on the pool holds.
        let mut lease = c.lease().await.unwrap();
        assert_eq!(lease.opened, opened);
        assert_eq!(c.lock().len(), 0);
        let mut writer = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO cut VALUES (0)")
            .execute(&mut *writer)
            .await
            .unwrap();
        let mut insert = Box::pin(sqlx::query("INSERT INTO cut VALUES (1)").execute(lease.conn()));
        assert!(pending_after_one_poll(&mut insert).await);
        drop(insert);
        drop(lease);
        assert!(c.lock().last().is_some_and(|idle| idle.suspect));
        assert_eq!(c.permits.available_permits(), 2);

        // The lock goes; the next lease pings the marked connection, which
        // waits for the cut-off insert, then answers its own query.
        writer.rollback().await.unwrap();
        let mut lease = c.lease().await.unwrap();
        assert_eq!(lease.opened, opened);
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM cut")
            .fetch_one(lease.conn())
            .await
            .unwrap();
        assert_eq!(rows, 1, "the cut-off insert, and only it, was applied");
        lease.finish();
        assert!(c.lock().last().is_some_and(|idle| !idle.suspect));
    }

    /// PostgreSQL leaves a cut-off query's reply on the socket: the next
    /// query on the same server process must still read its own answer
    /// (drained by the ping before reuse; sqlx's connection also waits out
    /// a pending reply itself). The query is held on an advisory lock until
    /// the server shows it waiting, so it is cut off mid-way on any
    /// machine, however loaded.
    #[tokio::test]
    async fn postgres_a_lease_cut_off_mid_query_is_drained_and_reused() {
        use sqlx::Connection as _;
        let Some(url) = crate::db::test_postgres_url() else {
            return;
        };
        let db = Database::connect(&DatabaseSettings {
            url: url.clone(),
            max_connections: 2,
            ..Default::default()
        })
        .await
        .unwrap();
        let Database::Postgres(pool) = &db else {
            panic!("expected PostgreSQL");
        };
        let reads = SessionReadPool::beside(&db).unwrap();
        let SessionReadPool::Postgres { conns: c, .. } = &reads else {
            panic!("expected PostgreSQL");
        };
        async fn pid(conn: &mut sqlx::PgConnection) -> i32 {
            sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(conn)
                .await
                .unwrap()
        }
        // Advisory locks live in the database other test runs share: a key of our own.
        let key: i64 = rand::random();
        let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(key)
            .execute(&mut holder)
            .await
            .unwrap();

        let mut lease = c.lease().await.unwrap();
        let first = pid(lease.conn()).await;
        let mut blocked = Box::pin(
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(key)
                .execute(lease.conn()),
        );
        let waiting = async {
            loop {
                let on_lock: Option<bool> = sqlx::query_scalar(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                )
                .bind(first)
                .fetch_one(pool)
                .await
                .unwrap();
                if on_lock == Some(true) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::select! {
            done = &mut blocked => panic!("finished while the lock was held: {done:?}"),
            () = waiting => {}
        }
        drop(blocked);
        drop(lease);
        assert!(c.lock().last().is_some_and(|idle| idle.suspect));
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut holder)
            .await
            .unwrap();

        let mut lease = c.lease().await.unwrap();
        assert_eq!(pid(lease.conn()).await, first);
        // The cut-off query ran to its end on this server process: it holds the lock.
        let held: bool = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .fetch_one(lease.conn())
            .await
            .unwrap();
        assert!(held);
        let answer: String = sqlx::query_scalar("SELECT 'own answer'")
            .fetch_one(lease.conn())
            .await
            .unwrap();
        assert_eq!(answer, "own answer");
        lease.finish();
    }

    #[tokio::test]
    async fn leases_are_bounded_by_max_connections() {
        let dir = tempfile::tempdir().unwrap();
        let db = file_db(&dir, 2).await;
        let mut reads = SessionReadPool::beside(&db).unwrap();
        if let SessionReadPool::Sqlite(c) = &mut reads {
            c.acquire_timeout = Duration::from_millis(200);
        }
        let c = sqlite(&reads);
        let a = c.lease().await.unwrap();
        let _b = c.lease().await.unwrap();
        assert!(matches!(c.lease().await, Err(sqlx::Error::PoolTimedOut)));
        a.finish();
        let mut third = c.lease().await.unwrap();
        assert_eq!(one(third.conn()).await, 1);
    }

    #[tokio::test]
    async fn closing_the_pool_closes_them_too() {
        let dir = tempfile::tempdir().unwrap();
        let db = file_db(&dir, 2).await;
        let reads = SessionReadPool::beside(&db).unwrap();
        let c = sqlite(&reads);
        c.lease().await.unwrap().finish();
        db.close().await;
        assert!(matches!(c.lease().await, Err(sqlx::Error::PoolClosed)));
        assert_eq!(c.lock().len(), 0);
    }
}
