//! Databases for the run: migrated, one realistic signed-in user, and as
//! many extra users and sessions as a phase asks for.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use portcullis::{db::Database, settings::DatabaseSettings, Auth, NewUser, Settings};

/// The user every measured request signs in as.
pub const USER: &str = "bench";
pub const PASSWORD: &str = "bench-password-123";
/// Accounts beside [`USER`] with the same password: a login flood is many
/// people signing in, one account a connection (the per-account rate limit
/// would refuse one account signing in on eight connections at once).
pub const CROWD: usize = 64;

/// The `i`-th crowd account's username.
pub fn crowd_user(i: usize) -> String {
    format!("{USER}-{}", i % CROWD)
}

/// Migrates `url`, creates [`USER`] with a group, group permissions and a
/// direct permission (so the guarded page loads a realistic identity).
pub async fn prepare(url: &str) -> anyhow::Result<()> {
    let mut settings = Settings::default();
    settings.database.url = url.to_owned();
    settings.database.auto_migrate = Some(true);
    let auth = Auth::connect(settings)
        .await
        .context("preparing the database")?;
    if auth.user_by_username(USER).await?.is_none() {
        if let Err(e) = auth
            .create_user(NewUser::new(USER, "bench@example.com", PASSWORD))
            .await?
        {
            bail!("cannot create the bench user: {}", e.summary());
        }
    }
    for i in 0..CROWD {
        let name = crowd_user(i);
        if auth.user_by_username(&name).await?.is_none() {
            if let Err(e) = auth
                .create_user(NewUser::new(&name, format!("{name}@example.com"), PASSWORD))
                .await?
            {
                bail!("cannot create the crowd user {name}: {}", e.summary());
            }
        }
    }
    auth.grant_group_permission("Editors", "articles.edit")
        .await?;
    auth.grant_group_permission("Editors", "articles.publish")
        .await?;
    auth.add_user_to_group("Editors", USER).await?;
    auth.grant_user_permission(USER, "reports.view").await?;
    auth.db().close().await;
    Ok(())
}

/// Opens `url` for the driver's own queries.
pub async fn open(url: &str) -> anyhow::Result<Database> {
    let settings = DatabaseSettings {
        url: url.to_owned(),
        max_connections: 2,
        ..Default::default()
    };
    Ok(Database::connect(&settings).await?)
}

/// The stored key hash of [`USER`]'s newest session: the floor's cookie.
pub async fn newest_session_hash(db: &Database) -> anyhow::Result<String> {
    const SQL: &str = "SELECT s.key_hash FROM portcullis_sessions s \
        JOIN portcullis_users u ON u.id = s.user_id WHERE u.username = $1 \
        ORDER BY s.created_at DESC LIMIT 1";
    let hash: Option<(String,)> = match db {
        Database::Sqlite(p) => sqlx::query_as(SQL).bind(USER).fetch_optional(p).await?,
        Database::Postgres(p) => sqlx::query_as(SQL).bind(USER).fetch_optional(p).await?,
    };
    Ok(hash.context("the bench user has no session")?.0)
}

/// The large store's database: a second one beside `url` (a file next to the
/// SQLite one, a database on the same PostgreSQL server, created through `db`,
/// the open connection to `url`), so the small and the large store can be
/// served at once and measured interleaved.
pub async fn sibling(
    db: &Database,
    url: &str,
    work: &std::path::Path,
    name: &str,
) -> anyhow::Result<String> {
    let Database::Postgres(pool) = db else {
        let path = work.join(format!("{name}-large.db"));
        return Ok(format!("sqlite://{}?mode=rwc", path.display()));
    };
    for sql in [DROP_LARGE, CREATE_LARGE] {
        sqlx::query(sql)
            .execute(pool)
            .await
            .context("creating the large store's database (the role needs CREATEDB)")?;
    }
    with_database(url, LARGE_DATABASE)
}

/// Drops what [`sibling`] created on PostgreSQL (SQLite's file goes with the work directory).
pub async fn drop_sibling(db: &Database) -> anyhow::Result<()> {
    if let Database::Postgres(pool) = db {
        sqlx::query(DROP_LARGE).execute(pool).await?;
    }
    Ok(())
}

const LARGE_DATABASE: &str = "portcullis_bench_large";
const DROP_LARGE: &str = "DROP DATABASE IF EXISTS portcullis_bench_large WITH (FORCE)";
const CREATE_LARGE: &str = "CREATE DATABASE portcullis_bench_large";

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let host_start = url.find("://").context("URL without scheme")? + 3;
    let (head, rest) = url.split_at(host_start);
    let path_start = rest.find('/').unwrap_or(rest.len());
    let query = rest[path_start..]
        .find('?')
        .map(|q| &rest[path_start + q..])
        .unwrap_or("");
    Ok(format!("{head}{}/{name}{query}", &rest[..path_start]))
}

/// Rows in `portcullis_sessions` and `portcullis_users`.
pub async fn counts(db: &Database) -> anyhow::Result<(i64, i64)> {
    const SQL: &str = "SELECT (SELECT COUNT(*) FROM portcullis_sessions), (SELECT COUNT(*) FROM portcullis_users)";
    Ok(match db {
        Database::Sqlite(p) => sqlx::query_as(SQL).fetch_one(p).await?,
        Database::Postgres(p) => sqlx::query_as(SQL).fetch_one(p).await?,
    })
}

/// Adds users and live sessions (each owned by one of the new users) until
/// the tables hold `sessions` and `users` rows; returns the time taken.
pub async fn fill(db: &Database, sessions: i64, users: i64) -> anyhow::Result<Duration> {
    let t0 = Instant::now();
    let (have_sessions, have_users) = counts(db).await?;
    let add_users = (users - have_users).max(1);
    let add_sessions = (sessions - have_sessions).max(0);
    let now = portcullis::test_support::now();
    let tag = format!("load{now}x");
    // (users, sessions) statements: each backend's own row generator.
    let [users_sql, sessions_sql] = match db {
        Database::Sqlite(_) => [
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
                 INSERT INTO portcullis_users (username, username_canonical, email, created_at) \
                 SELECT $2 || i, $2 || i, '', $3 FROM n",
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1), \
                 first(id) AS (SELECT MIN(id) FROM portcullis_users WHERE username_canonical LIKE $2 || '%') \
                 INSERT INTO portcullis_sessions (key_hash, user_id, data, created_at, last_seen, expires_at) \
                 SELECT lower(hex(randomblob(32))), first.id + (i % $3), \
                        '{\"_auth_user_id\":\"' || (first.id + (i % $3)) || '\"}', $4, $4, $4 + 1209600 \
                 FROM n, first",
        ],
        Database::Postgres(_) => [
            "INSERT INTO portcullis_users (username, username_canonical, email, created_at) \
                 SELECT $2 || i, $2 || i, '', $3 FROM generate_series(1, $1) i",
            "WITH first AS (SELECT MIN(id) AS id FROM portcullis_users WHERE username_canonical LIKE $2 || '%') \
                 INSERT INTO portcullis_sessions (key_hash, user_id, data, created_at, last_seen, expires_at) \
                 SELECT md5(random()::text || i) || md5(i::text || random()::text), first.id + (i % $3), \
                        '{\"_auth_user_id\":\"' || (first.id + (i % $3)) || '\"}', $4, $4, $4 + 1209600 \
                 FROM generate_series(0, $1 - 1) i, first",
        ],
    };
    macro_rules! fill_on {
        ($p:expr) => {{
            sqlx::query(users_sql)
                .bind(add_users)
                .bind(&tag)
                .bind(now)
                .execute($p)
                .await?;
            sqlx::query(sessions_sql)
                .bind(add_sessions)
                .bind(&tag)
                .bind(add_users)
                .bind(now)
                .execute($p)
                .await?;
            // Statistics as a maintained database has them (this is what exposed STAT4 recompiles).
            sqlx::query("ANALYZE").execute($p).await?;
        }};
    }
    match db {
        Database::Sqlite(p) => fill_on!(p),
        Database::Postgres(p) => fill_on!(p),
    }
    Ok(t0.elapsed())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database(
                "postgres://u@127.0.0.1:5433/portcullis?sslmode=disable",
                "big"
            )
            .unwrap(),
            "postgres://u@127.0.0.1:5433/big?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u:p@host/db", "big").unwrap(),
            "postgres://u:p@host/big"
        );
        assert_eq!(
            with_database("postgres://host:1", "big").unwrap(),
            "postgres://host:1/big"
        );
    }
}
