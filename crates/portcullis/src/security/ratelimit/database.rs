//! [`DbRateLimitStore`]: counters in the app's database (`portcullis_rate_limits`).

use super::{Hits, RateLimitStore, StoreFuture, Window};
use crate::db::{rate_limits, Database};

/// Counts attempts in the `portcullis_rate_limits` table, so replicas on
/// one database share every limit. A hit is one atomic statement.
#[derive(Debug, Clone)]
pub struct DbRateLimitStore {
    db: Database,
}

impl DbRateLimitStore {
    /// A store on `db` (migrated).
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl RateLimitStore for DbRateLimitStore {
    fn hit<'a>(&'a self, bucket: &'a str, window: Window) -> StoreFuture<'a, Hits> {
        Box::pin(async move {
            let (current, previous) = rate_limits::hit(
                &self.db,
                bucket,
                window.start,
                window.previous_start(),
                window.expires_at(),
            )
            .await?;
            Ok(Hits {
                current: current.max(0) as u64,
                previous: previous.max(0) as u64,
            })
        })
    }

    fn undo<'a>(&'a self, bucket: &'a str, window: Window) -> StoreFuture<'a, ()> {
        Box::pin(async move { Ok(rate_limits::undo(&self.db, bucket, window.start).await?) })
    }

    fn clear<'a>(&'a self, bucket: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { Ok(rate_limits::clear(&self.db, bucket).await?) })
    }

    fn purge_expired(&self, now: i64) -> StoreFuture<'_, u64> {
        Box::pin(async move { Ok(rate_limits::purge_expired(&self.db, now).await?) })
    }
}

#[cfg(test)]
mod examples {
    use super::DbRateLimitStore;
    use crate::{
        db::Database,
        security::ratelimit::{RateLimitStore, Window},
        settings::DatabaseSettings,
    };

    #[tokio::test]
    async fn hits_count_up_and_expired_windows_are_purged() {
        let settings = DatabaseSettings {
            url: "sqlite::memory:".into(),
            ..Default::default()
        };
        let db = Database::connect(&settings).await.unwrap();
        db.migrate().await.unwrap();
        let store = DbRateLimitStore::new(db);
        let window = Window::containing(1_000, 60);
        store.hit("login/ip/60:192.0.2.1", window).await.unwrap();
        let hits = store.hit("login/ip/60:192.0.2.1", window).await.unwrap();
        assert_eq!(hits.current, 2);
        assert_eq!(store.purge_expired(window.expires_at()).await.unwrap(), 1);
    }
}
