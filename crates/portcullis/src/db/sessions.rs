//! The `portcullis_sessions` table. Keys arrive already hashed.
//!
//! Lookups by key are written `key_hash = CAST($1 AS TEXT) AND +expires_at > $2`.
//! After `ANALYZE` (or `PRAGMA optimize`), SQLite with STAT4 expires a
//! prepared statement at every bind of a bare parameter compared with an
//! indexed column, and compiles it again: for the session-and-user statement,
//! a compilation on every request (see docs/BENCHMARKS.md). The cast (same
//! index, no re-plan) and the unary plus (the expiry index is never the
//! right one here) keep the statement prepared.

use std::sync::Arc;

use super::{
    access::{Access, AccessKey},
    execute, now, on_pool,
    session_reads::SessionReadPool,
    users::UserRow,
    Database, DbError, Doing,
};

/// A live session row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Serialized session state (JSON object of strings).
    pub data: String,
    /// Epoch seconds of the last request that touched it.
    pub last_seen: i64,
}

/// Stores a new session.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn insert(
    db: &Database,
    key_hash: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: i64,
) -> Result<(), DbError> {
    let t = now();
    execute!(
        db,
        "INSERT INTO portcullis_sessions (key_hash, user_id, data, created_at, last_seen, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
        [key_hash, user_id, data, t, expires_at],
        "saving a session"
    )?;
    Ok(())
}

/// Replaces a live session's data; false when the row is gone or expired.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn update(
    db: &Database,
    key_hash: &str,
    user_id: Option<i64>,
    data: &str,
) -> Result<bool, DbError> {
    let t = now();
    let done = execute!(
        db,
        "UPDATE portcullis_sessions SET data = $1, user_id = $2, last_seen = $3 \
         WHERE key_hash = CAST($4 AS TEXT) AND +expires_at > $3",
        [data, user_id, t, key_hash],
        "updating a session"
    )?;
    Ok(done == 1)
}

/// When a live session's row was stored (epoch seconds): a sign-in, or a
/// reauthentication, stores the session under a new key, so this is when
/// its user last proved who they are. `None` when the row is gone or expired.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn created_at(db: &Database, key_hash: &str) -> Result<Option<i64>, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT created_at FROM portcullis_sessions \
         WHERE key_hash = CAST($1 AS TEXT) AND +expires_at > $2"
    )
    .bind(key_hash)
    .bind(now())
    .fetch_optional(pool)
    .await
    .doing("reading when a session began"))
}

/// Records activity (for the idle timeout).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn touch(db: &Database, key_hash: &str) -> Result<(), DbError> {
    execute!(
        db,
        "UPDATE portcullis_sessions SET last_seen = $1 WHERE key_hash = CAST($2 AS TEXT)",
        [now(), key_hash],
        "touching a session"
    )?;
    Ok(())
}

/// Deletes one session.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn delete(db: &Database, key_hash: &str) -> Result<(), DbError> {
    execute!(
        db,
        "DELETE FROM portcullis_sessions WHERE key_hash = CAST($1 AS TEXT)",
        [key_hash],
        "deleting a session"
    )?;
    Ok(())
}

/// The `last_seen` before which a session counts as idle (`i64::MIN` when the timeout is off).
pub fn idle_cutoff(idle_timeout_secs: u64) -> i64 {
    if idle_timeout_secs == 0 {
        i64::MIN
    } else {
        now() - idle_timeout_secs as i64
    }
}

/// Deletes every session past its absolute expiry or idle since `idle_cutoff`; returns how many.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn clear_expired(db: &Database, idle_cutoff: i64) -> Result<u64, DbError> {
    execute!(
        db,
        "DELETE FROM portcullis_sessions WHERE expires_at <= $1 OR last_seen <= $2",
        [now(), idle_cutoff],
        "clearing expired sessions"
    )
}

/// Number of stored sessions for `user_id` (tests, future session lists).
///
/// # Errors
/// [`DbError`] for database failures.
#[cfg_attr(not(feature = "test-support"), allow(dead_code))] // test_support
pub async fn count_for_user(db: &Database, user_id: i64) -> Result<i64, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM portcullis_sessions WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_one(pool)
    .await
    .doing("counting sessions"))
}

/// Number of stored sessions.
///
/// # Errors
/// [`DbError`] for database failures.
#[cfg_attr(not(feature = "test-support"), allow(dead_code))] // test_support
pub async fn count(db: &Database) -> Result<i64, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM portcullis_sessions"
    )
    .fetch_one(pool)
    .await
    .doing("counting sessions"))
}

/// A live session and, when it is signed in, its user's row (without the
/// password hash, which a guard never needs) with the user's group and
/// permission names.
pub(crate) type SessionWithUser = (SessionRow, Option<(UserRow, Arc<Access>)>);

/// `SELECT` and the columns of a [`JoinedRow`], in the order it reads them
/// (`s` the session, `u` its user), for the one-key and the many-key
/// statements alike.
macro_rules! joined_row_columns_sql {
    ($flags:expr) => {
        concat!(
            "SELECT s.data, s.last_seen, u.id, u.username, u.email, u.credential_version, ",
            $flags,
            ", u.created_at, u.last_login, u.access_version, ",
            super::access::generation_sql!()
        )
    };
}

/// The session row joined with its user and the user's access key (access
/// version and generation), in one statement: a guarded page costs one
/// database round trip. The user's group and permission names come from this
/// thread's cache while the key is unchanged ([`super::access`]), else from a
/// second statement. The user
/// columns are NULL for anonymous sessions; the password hash is not read (a
/// guard never needs it). The four flags travel as one bit set: sqlx copies
/// and frees every column of a row.
macro_rules! session_with_user_sql {
    ($flags:expr) => {
        concat!(
            joined_row_columns_sql!($flags),
            " FROM portcullis_sessions s LEFT JOIN portcullis_users u ON u.id = s.user_id ",
            "WHERE s.key_hash = CAST($1 AS TEXT) AND +s.expires_at > $2 AND s.last_seen > $3"
        )
    };
}

/// One result row of [`session_with_user_sql`], read by column position
/// (by name, sqlx hashes every column name on every row): the session, and
/// the user (names still empty) with its access key (None when the
/// generation row is missing: then the cache is bypassed).
#[derive(Debug, Clone)]
pub(crate) struct JoinedRow(
    pub(crate) SessionRow,
    pub(crate) Option<(UserRow, Option<AccessKey>)>,
);

/// Bits of the flags column.
const ACTIVE: i64 = 1;
const STAFF: i64 = 2;
const SUPERUSER: i64 = 4;
const EMAIL_VERIFIED: i64 = 8;

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for JoinedRow
where
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(r: &'r R) -> Result<Self, sqlx::Error> {
        let session = SessionRow {
            data: r.try_get(0)?,
            last_seen: r.try_get(1)?,
        };
        let Some(id) = r.try_get::<Option<i64>, _>(2)? else {
            return Ok(JoinedRow(session, None));
        };
        let flags: i64 = r.try_get(6)?;
        let access_version = r.try_get(9)?;
        let access_generation = r.try_get(10)?;
        let user = UserRow {
            id,
            username: r.try_get(3)?,
            email: r.try_get(4)?,
            password_hash: String::new(),
            credential_version: r.try_get(5)?,
            is_active: flags & ACTIVE != 0,
            is_staff: flags & STAFF != 0,
            is_superuser: flags & SUPERUSER != 0,
            email_verified: flags & EMAIL_VERIFIED != 0,
            created_at: r.try_get(7)?,
            last_login: r.try_get(8)?,
            access_version,
            access_generation,
        };
        let key = AccessKey::new(access_version, access_generation);
        Ok(JoinedRow(session, Some((user, key))))
    }
}

/// The flags column on PostgreSQL.
macro_rules! postgres_flags_sql {
    () => {
        "(u.is_active::int + 2 * u.is_staff::int + 4 * u.is_superuser::int \
         + 8 * u.email_verified::int)::int8"
    };
}

/// [`session_with_user_sql`] for several keys at once (PostgreSQL, `$1` a
/// text array), each row followed by its key. Each key is its own lateral
/// lookup, cut off by `LIMIT 1` so the planner cannot merge it into a join:
/// whatever the table's statistics, every key is one probe of the primary
/// key, where `key_hash = ANY($1)` was planned as a scan of a small table.
const MANY_SQL: &str = concat!(
    joined_row_columns_sql!(postgres_flags_sql!()),
    ", s.key_hash FROM unnest($1::text[]) AS k(key_hash) ",
    "CROSS JOIN LATERAL (SELECT * FROM portcullis_sessions s ",
    "WHERE s.key_hash = k.key_hash AND +s.expires_at > $2 AND s.last_seen > $3 LIMIT 1) s ",
    "LEFT JOIN LATERAL (SELECT * FROM portcullis_users u WHERE u.id = s.user_id LIMIT 1) u ON true"
);

/// A row of [`MANY_SQL`]: its key, then the row.
struct KeyedRow(String, JoinedRow);

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for KeyedRow {
    fn from_row(r: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        Ok(KeyedRow(r.try_get(11)?, JoinedRow::from_row(r)?))
    }
}

/// The live rows among `keys` (PostgreSQL), each with its key: one
/// statement for all (see [`super::read_batches`]). Keys may repeat; each
/// live one comes back once.
pub(crate) async fn fetch_many(
    conn: &mut sqlx::PgConnection,
    keys: &[&str],
    now: i64,
    idle_cutoff: i64,
) -> Result<Vec<(String, JoinedRow)>, sqlx::Error> {
    let rows: Vec<KeyedRow> = sqlx::query_as(MANY_SQL)
        .bind(keys)
        .bind(now)
        .bind(idle_cutoff)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|KeyedRow(k, row)| (k, row)).collect())
}

/// The live row for `key_hash` (not past its absolute expiry, not idle
/// since `idle_cutoff`), with the signed-in user's row, groups and permissions:
/// one statement, plus one more when this thread's cached names are stale;
/// the statement runs on one of `session_reads` when given.
pub(crate) async fn load_with_user_on(
    db: &Database,
    reads: Option<&SessionReadPool>,
    key_hash: &str,
    idle_cutoff: i64,
) -> Result<Option<SessionWithUser>, DbError> {
    const SQLITE: &str = session_with_user_sql!(
        "u.is_active + 2 * u.is_staff + 4 * u.is_superuser + 8 * u.email_verified"
    );
    const POSTGRES: &str = session_with_user_sql!(postgres_flags_sql!());
    let sql = match db {
        Database::Sqlite(_) => SQLITE,
        Database::Postgres(_) => POSTGRES,
    };
    const DOING: &str = "loading a session";
    let now = now();
    /// The statement on `$executor`.
    macro_rules! fetch {
        ($executor:expr) => {
            sqlx::query_as(sql)
                .bind(key_hash)
                .bind(now)
                .bind(idle_cutoff)
                .fetch_optional($executor)
                .await
                .doing(DOING)
        };
    }
    /// The statement on a leased connection, given back once it finished.
    macro_rules! on_lease {
        ($connections:expr) => {{
            let mut lease = $connections.lease().await.doing(DOING)?;
            let row = fetch!(lease.conn())?;
            lease.finish();
            row
        }};
    }
    let row: Option<JoinedRow> = match reads {
        Some(SessionReadPool::Sqlite(c)) => on_lease!(c),
        Some(SessionReadPool::Postgres { conns, batches }) => {
            batches.read(conns, key_hash, idle_cutoff).await?
        }
        None => on_pool!(db, |pool| fetch!(pool))?,
    };
    let Some(JoinedRow(session, user)) = row else {
        return Ok(None);
    };
    let Some((user, key)) = user else {
        return Ok(Some((session, None)));
    };
    let access = super::access::load(db, key, user.id).await?;
    Ok(Some((session, Some((user, access)))))
}
