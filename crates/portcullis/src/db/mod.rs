//! The database: one pool type over SQLite and PostgreSQL, migrations, and
//! one module per table family. Every query is a static SQL string that both
//! backends accept (`$N` placeholders, BIGINT epoch seconds).

pub(crate) mod access;
mod error;
pub(crate) mod groups;
pub(crate) mod identities;
pub(crate) mod permissions;
pub(crate) mod rate_limits;
mod read_batches;
pub(crate) mod secrets;
pub(crate) mod session_reads;
pub(crate) mod sessions;
pub(crate) mod users;

use std::{str::FromStr, time::Duration};

use sqlx::{
    pool::PoolOptions,
    postgres::{PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

pub use error::DbError;
pub(crate) use error::Doing;

use crate::settings::DatabaseSettings;

/// Name of the table recording applied migrations (kept apart from an app's own `_sqlx_migrations`).
pub const MIGRATIONS_TABLE: &str = "_portcullis_migrations";

/// A pooled connection idle this long is pinged before use (the SQLite pool,
/// and the session read's own connections in `session_reads`).
pub(crate) const PING_IF_IDLE: Duration = Duration::from_secs(1);

/// Pings a pooled connection before use only after [`PING_IF_IDLE`]: sqlx
/// already pings every connection as it goes back to the pool, so one in
/// steady use was checked moments ago (HikariCP skips its check within 500 ms
/// the same way). sqlx's default pings on every acquire, a hop to SQLite's
/// connection thread and back per query. Used for SQLite only: the
/// PostgreSQL pool keeps sqlx's defaults, since its latency with this
/// setting is not yet understood (see docs/BENCHMARKS.md, "No ping for a
/// connection in use"). By default the per-request session read uses
/// neither pool but connections of its own (`session_reads`).
fn ping_if_idle<DB: sqlx::Database>(options: PoolOptions<DB>) -> PoolOptions<DB> {
    options
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// A connection pool to SQLite or PostgreSQL; cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use portcullis::{db::Database, settings::DatabaseSettings};
/// let settings = DatabaseSettings { url: "sqlite::memory:".into(), ..Default::default() };
/// let db = Database::connect(&settings).await.unwrap();
/// db.migrate().await.unwrap();
/// assert!(db.is_sqlite());
/// # }
/// ```
#[derive(Clone, Debug)]
pub enum Database {
    /// The embedded default.
    Sqlite(SqlitePool),
    /// For several replicas.
    Postgres(PgPool),
}

/// Runs the same statement on whichever backend `db` holds; `$pool` is bound to the pool.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Database::Sqlite($pool) => $body,
            $crate::db::Database::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs one static statement with `binds` (in `$N` order) on whichever pool
/// `db` holds; evaluates to the rows it affected, its error classified with
/// `doing` (what was under way).
macro_rules! execute {
    ($db:expr, $sql:expr, [$($bind:expr),* $(,)?], $doing:expr $(,)?) => {{
        use $crate::db::Doing as _;
        $crate::db::on_pool!($db, |pool| ::sqlx::query($sql)
            $(.bind($bind))*
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .doing($doing))
    }};
}
pub(crate) use execute;

/// Runs `$body` inside a transaction on whichever backend `db` holds; `$tx` is `&mut Transaction`.
macro_rules! in_tx {
    ($db:expr, $doing:literal, |$tx:ident| $body:expr) => {{
        use $crate::db::Doing as _;
        match $db {
            $crate::db::Database::Sqlite(pool) => {
                let mut tx = pool.begin().await.doing($doing)?;
                let $tx = &mut tx;
                let out = $body;
                tx.commit().await.doing($doing)?;
                out
            }
            $crate::db::Database::Postgres(pool) => {
                let mut tx = pool.begin().await.doing($doing)?;
                let $tx = &mut tx;
                let out = $body;
                tx.commit().await.doing($doing)?;
                out
            }
        }
    }};
}
pub(crate) use in_tx;

impl Database {
    /// Opens a pool for `settings.url`; SQLite files are created when the URL says `mode=rwc`.
    ///
    /// # Errors
    /// [`DbError::Unavailable`] when the server cannot be reached.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Database, DbError> {
        let acquire = Duration::from_secs(settings.acquire_timeout_secs.max(1));
        if settings.is_sqlite() {
            let in_memory = settings.is_in_memory();
            let opts = SqliteConnectOptions::from_str(&settings.url)
                .doing("parsing database.url")?
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .synchronous(SqliteSynchronous::Normal);
            // WAL lets readers run beside the writer; memory databases cannot use it,
            // and must live in one connection or each connection sees its own empty database.
            let (opts, max) = if in_memory {
                (opts, 1)
            } else {
                (
                    opts.journal_mode(SqliteJournalMode::Wal),
                    settings.max_connections,
                )
            };
            let pool = ping_if_idle(SqlitePoolOptions::new())
                .max_connections(max)
                .acquire_timeout(acquire)
                .idle_timeout(None::<Duration>)
                .max_lifetime(None::<Duration>)
                .connect_with(opts)
                .await
                .doing("opening the SQLite database")?;
            Ok(Database::Sqlite(pool))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(acquire)
                .connect(&settings.url)
                .await
                .doing("connecting to PostgreSQL")?;
            Ok(Database::Postgres(pool))
        }
    }

    /// A new pool to the same database with the same options, connecting
    /// lazily: called on a server worker, its connections are opened (and
    /// driven) by that worker's runtime.
    pub fn lazy_copy(&self) -> Database {
        match self {
            Database::Sqlite(pool) => Database::Sqlite(
                pool.options()
                    .clone()
                    .connect_lazy_with((*pool.connect_options()).clone()),
            ),
            Database::Postgres(pool) => Database::Postgres(
                pool.options()
                    .clone()
                    .connect_lazy_with((*pool.connect_options()).clone()),
            ),
        }
    }

    /// True for SQLite.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Database::Sqlite(_))
    }

    /// Applies pending migrations from `migrations/{sqlite,postgres}`.
    ///
    /// # Errors
    /// [`DbError::Migrate`] when a migration fails or an applied one was edited.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let m = self.migrator();
        match self {
            Database::Sqlite(pool) => m.run(pool).await?,
            Database::Postgres(pool) => m.run(pool).await?,
        }
        Ok(())
    }

    /// Portcullis' migrations for this database's kind.
    fn migrator(&self) -> sqlx::migrate::Migrator {
        let mut m = match self {
            Database::Sqlite(_) => sqlx::migrate!("migrations/sqlite"),
            Database::Postgres(_) => sqlx::migrate!("migrations/postgres"),
        };
        m.dangerous_set_table_name(MIGRATIONS_TABLE);
        m
    }

    /// How many of Portcullis' migrations this database has not applied
    /// (all of them on a fresh database), so that start-up without
    /// `auto_migrate` can say "run `portcullis migrate`" instead of failing
    /// later on a missing table.
    ///
    /// # Errors
    /// [`DbError`] when the database cannot be read.
    pub(crate) async fn pending_migrations(&self) -> Result<usize, DbError> {
        const DOING: &str = "looking for the migrations table";
        let exists = match self {
            Database::Sqlite(pool) => sqlx::query_scalar::<_, bool>(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(MIGRATIONS_TABLE)
            .fetch_one(pool)
            .await
            .doing(DOING)?,
            Database::Postgres(pool) => {
                sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
                    .bind(MIGRATIONS_TABLE)
                    .fetch_one(pool)
                    .await
                    .doing(DOING)?
            }
        };
        let applied: Vec<i64> = if exists {
            let sql = format!("SELECT version FROM {MIGRATIONS_TABLE} WHERE success");
            on_pool!(self, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(
                sql.as_str()
            ))
            .fetch_all(pool)
            .await
            .doing("reading the applied migrations"))?
        } else {
            Vec::new()
        };
        Ok(self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .count())
    }

    /// Closes every pooled connection.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

/// Seconds since the Unix epoch (UTC).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The PostgreSQL test server's URL, or None with a visible skip: never
/// under CI (the integration suite's rule).
#[cfg(test)]
pub(crate) fn test_postgres_url() -> Option<String> {
    match std::env::var("PORTCULLIS_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PORTCULLIS_TEST_POSTGRES_URL must be set under CI"
            );
            eprintln!("SKIPPED: PORTCULLIS_TEST_POSTGRES_URL not set");
            None
        }
    }
}
