//! `[database]`: where users, groups and sessions live.

use serde::{Deserialize, Serialize};

/// `[database]`: the connection URL and pool options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://FILE?mode=rwc` (embedded, zero set-up) or `postgres://user:pass@host/db`.
    pub url: String,
    /// Largest number of pooled connections (per worker when `pool_per_worker`).
    /// The session read keeps up to as many again of its own on each worker
    /// (on PostgreSQL at most two, as the reads that wait for one go
    /// together in one statement), so a server holds up to workers × 2 ×
    /// this many on SQLite and workers × (this many + 2) on PostgreSQL: keep
    /// PostgreSQL's own `max_connections` above that times the replicas. Few connections keep
    /// the database's processes (or SQLite's connection threads) from
    /// competing with the workers for the cores; raise it for a database far
    /// away, where each query waits longer on the network (see
    /// docs/BENCHMARKS.md).
    pub max_connections: u32,
    /// Give each server worker thread its own pool, connected from that
    /// worker, instead of one pool shared by all: its connections are then
    /// driven by the worker's own runtime, not by the one that opened a
    /// shared pool (see docs/BENCHMARKS.md). In-memory SQLite always shares
    /// one pool.
    pub pool_per_worker: bool,
    /// Run the session read on every request on connections of its own
    /// beside the pool, which skip the ping sqlx's pool makes as each
    /// connection goes back (a spawned task and a round trip to SQLite's
    /// connection thread or the PostgreSQL server on every request; see
    /// docs/BENCHMARKS.md). They are opened with the
    /// pool's connect options only: turn this off when a pool passed to
    /// `AuthBuilder::database` relies on `after_connect` hooks (a
    /// `SET search_path`, a role) that the session read must see too.
    pub session_read_connections: bool,
    /// Seconds to wait for a pooled connection before answering 503.
    pub acquire_timeout_secs: u64,
    /// Apply pending migrations at start-up (unset: true for SQLite, false for PostgreSQL).
    pub auto_migrate: Option<bool>,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://portcullis.db?mode=rwc".into(),
            max_connections: 4,
            pool_per_worker: true,
            session_read_connections: true,
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

    /// True for SQLite databases that live in memory (one connection, never per worker).
    pub fn is_in_memory(&self) -> bool {
        self.is_sqlite() && (self.url.contains(":memory:") || self.url.contains("mode=memory"))
    }

    /// Whether migrations run at start-up, after applying the backend default.
    pub fn auto_migrate(&self) -> bool {
        self.auto_migrate.unwrap_or(self.is_sqlite())
    }
}
