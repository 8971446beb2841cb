//! Generated secrets kept in the database, so every replica shares them.

use rand::RngCore;

use super::{execute, now, on_pool, Database, DbError, Doing};

/// Returns the secret `name`, creating a random one of `len` bytes (hex) on first use.
/// Concurrent first calls from several replicas agree: the insert ignores a conflict and
/// everyone reads back the row that won. A secret that exists is only read, so a
/// replica can start while the database is read-only (a standby during failover).
pub(crate) async fn get_or_create(
    db: &Database,
    name: &str,
    len: usize,
) -> Result<String, DbError> {
    if let Some(value) = read(db, name).await? {
        return Ok(value);
    }
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let fresh = hex::encode(bytes);
    execute!(
        db,
        "INSERT INTO portcullis_secrets (name, value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
        [name, &fresh, now()],
        "storing a generated secret"
    )?;
    read(db, name).await?.ok_or(DbError::Query {
        doing: "reading a generated secret",
        source: sqlx::Error::RowNotFound,
    })
}

async fn read(db: &Database, name: &str) -> Result<Option<String>, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT value FROM portcullis_secrets WHERE name = $1"
    )
    .bind(name)
    .fetch_optional(pool)
    .await
    .doing("reading a generated secret"))
}
