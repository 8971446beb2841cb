//! `[database]`: where users, groups and sessions live.

use serde::{Deserialize, Serialize};

/// `[database]`: the connection URL and pool options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://FILE?mode=rwc` (embedded, zero set-up) or `postgres://user:pass@host/db`.
    pub url: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Seconds to wait for a pooled connection before answering 503.
    pub acquire_timeout_secs: u64,
    /// Apply pending migrations at start-up (unset: true for SQLite, false for PostgreSQL).
    pub auto_migrate: Option<bool>,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://portcullis.db?mode=rwc".into(),
            max_connections: 10,
            acquire_timeout_secs: 5,
            auto_migrate: None,
        }
    }
}

impl DatabaseSettings {
    /// True when the URL names an SQLite database.
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }

    /// Whether migrations run at start-up, after applying the backend default.
    pub fn auto_migrate(&self) -> bool {
        self.auto_migrate.unwrap_or(self.is_sqlite())
    }
}
