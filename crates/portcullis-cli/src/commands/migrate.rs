//! `portcullis migrate`: apply pending migrations explicitly (deploy step on PostgreSQL).

use anyhow::Result;
use portcullis::{db::Database, Settings};

/// Connects without `Auth` so nothing else (hashing pool, cookie key) is needed.
pub async fn run(settings: &Settings) -> Result<String> {
    let db = Database::connect(&settings.database).await?;
    let result = db.migrate().await;
    db.close().await;
    result?;
    Ok("migrations applied".into())
}
