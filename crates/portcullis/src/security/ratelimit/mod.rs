//! Brute-force protection: limits on login and signup attempts, per client
//! address and per login, counted in a [`RateLimitStore`] that every replica
//! shares (the database by default).
//!
//! The login page counts an attempt in every applicable limit before it
//! checks the password, and refuses at once (429, no hash computed) when one
//! is exceeded; a successful login then takes back its own failed-login hits
//! (`Usage::rollback`), so an attacker's own account cannot refill the
//! budget. Limits count over a sliding window, so nothing locks for good;
//! refused attempts are taken back too, so hammering does not prolong a
//! lock. Defaults are allauth's; see `[security.rate_limits]`.

pub(crate) mod database;
mod error;
mod locks;
mod policy;
mod store;

use std::{net::IpAddr, sync::Arc};

pub(crate) use database::DbRateLimitStore;
pub use error::RateLimitError;
pub(crate) use policy::Action;
pub(crate) use policy::Policy;
pub use store::{Hits, RateLimitStore, StoreFuture, Window};

use crate::{
    audit::{audit, AuditEvent},
    settings::RatePer,
};

/// Applies the configured limits through a store; cheap to clone.
#[derive(Clone)]
pub(crate) struct RateLimiter {
    store: Arc<dyn RateLimitStore>,
    policy: Arc<Policy>,
    recent: Arc<locks::RecentLocks>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// An attempt was refused: a limit of `action` is exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Limited {
    /// The action whose limit refused.
    pub action: Action,
    /// Whom that limit counts.
    pub per: RatePer,
    /// Seconds until an attempt would be allowed again (for `Retry-After`).
    pub retry_after_secs: u64,
}

/// The hits one allowed attempt counted, to take back what it should not
/// have cost (`Usage::rollback`).
#[derive(Clone)]
#[must_use = "a successful login rolls back its failed-login hits"]
pub(crate) struct Usage {
    store: Arc<dyn RateLimitStore>,
    hits: Vec<(Action, String, Window)>,
}

impl std::fmt::Debug for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Usage")
            .field("hits", &self.hits.len())
            .finish()
    }
}

impl Usage {
    /// Takes back this attempt's hits of `action` (a successful login
    /// rolls back its own `LoginFailed` hits, not anyone else's).
    ///
    /// # Errors
    /// [`RateLimitError`] when the store fails.
    pub async fn rollback(&self, action: Action) -> Result<(), RateLimitError> {
        for (_, bucket, window) in self.hits.iter().filter(|(a, ..)| *a == action) {
            self.store.undo(bucket, *window).await?;
        }
        Ok(())
    }
}

/// The refusal of `action` by `rate`, logged (never with the login).
fn refused(
    action: Action,
    rate: &crate::settings::Rate,
    hits: Hits,
    elapsed: u64,
    ip: Option<IpAddr>,
) -> Limited {
    let from = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    audit(
        AuditEvent::RateLimited,
        None,
        &format!("{} per {} from {from}", action.as_str(), rate.per.as_str()),
    );
    Limited {
        action,
        per: rate.per,
        retry_after_secs: policy::retry_after(rate, hits, elapsed),
    }
}

impl RateLimiter {
    /// A limiter for `policy` counting in `store`.
    pub(crate) fn new(store: Arc<dyn RateLimitStore>, policy: Arc<Policy>) -> Self {
        Self {
            store,
            policy,
            recent: Default::default(),
        }
    }

    /// Counts one attempt at each of `actions` from `ip` (the client
    /// address, see [`crate::security::client_ip`]) for `login` (as typed:
    /// it is canonicalised and hashed here, and key limits are skipped
    /// without one). When any limit is exceeded nothing is counted (the
    /// hits made so far are taken back), a `RateLimited` audit event is
    /// logged and [`Limited`] says when to retry.
    ///
    /// # Errors
    /// [`RateLimitError`] when the store fails.
    pub async fn consume(
        &self,
        actions: &[Action],
        ip: Option<IpAddr>,
        login: Option<&str>,
    ) -> Result<Result<Usage, Limited>, RateLimitError> {
        if let Some(limited) = self.recently_exceeded(actions, ip, login) {
            return Ok(Err(limited));
        }
        let now = crate::db::now();
        let mut usage = Usage {
            store: Arc::clone(&self.store),
            hits: Vec::new(),
        };
        for &action in actions {
            for rate in self.policy.rates(action) {
                let Some(bucket) = self.policy.bucket(action, rate, ip, login) else {
                    continue;
                };
                let window = Window::containing(now, rate.period_secs);
                let hits = self.store.hit(&bucket, window).await?;
                usage.hits.push((action, bucket.clone(), window));
                let elapsed = (now - window.start) as u64;
                if !policy::allows(rate, hits, elapsed) {
                    // A refused attempt costs nothing: hammering must not prolong the wait.
                    for (_, bucket, window) in &usage.hits {
                        self.store.undo(bucket, *window).await?;
                    }
                    let limited = refused(action, rate, hits, elapsed, ip);
                    self.recent.remember(
                        &bucket,
                        limited.retry_after_secs,
                        std::time::Instant::now(),
                    );
                    return Ok(Err(limited));
                }
            }
        }
        Ok(Ok(usage))
    }

    /// A limit of `actions` this worker found exceeded less than a second
    /// ago (`locks.rs`): refused again with no store access at all, so a
    /// flood at a locked account or from a locked address costs neither
    /// reads nor writes, and only one store round trip a second.
    fn recently_exceeded(
        &self,
        actions: &[Action],
        ip: Option<IpAddr>,
        login: Option<&str>,
    ) -> Option<Limited> {
        let now = std::time::Instant::now();
        for &action in actions {
            for rate in self.policy.rates(action) {
                let Some(bucket) = self.policy.bucket(action, rate, ip, login) else {
                    continue;
                };
                if let Some(retry_after_secs) = self.recent.retry_after(&bucket, now) {
                    return Some(Limited {
                        action,
                        per: rate.per,
                        retry_after_secs,
                    });
                }
            }
        }
        None
    }

    /// Forgets every attempt at `actions` counted per login for each of
    /// `logins` (as typed: canonicalised and hashed here), in the store and
    /// in this worker's memory of refusals. Limits per address are kept.
    ///
    /// # Errors
    /// [`RateLimitError`] when the store fails.
    pub async fn clear_logins(
        &self,
        actions: &[Action],
        logins: &[&str],
    ) -> Result<(), RateLimitError> {
        for &action in actions {
            let per_login = self
                .policy
                .rates(action)
                .iter()
                .filter(|r| r.per == RatePer::Key);
            for rate in per_login {
                for login in logins {
                    let Some(bucket) = self.policy.bucket(action, rate, None, Some(login)) else {
                        continue;
                    };
                    self.store.clear(&bucket).await?;
                    self.recent.forget(&bucket);
                }
            }
        }
        Ok(())
    }

    /// Deletes the stored windows that no longer count; returns how many.
    /// Run it now and then (the database store keeps a row per bucket and window).
    ///
    /// # Errors
    /// [`RateLimitError`] when the store fails.
    pub async fn purge_expired(&self) -> Result<u64, RateLimitError> {
        self.store.purge_expired(crate::db::now()).await
    }
}

#[cfg(test)]
mod examples {
    use std::sync::Arc;

    use super::{Action, DbRateLimitStore, Policy, RateLimiter};
    use crate::{db::Database, settings::Settings};

    #[tokio::test]
    async fn a_tripped_account_limit_says_when_to_retry() {
        let settings = Settings::from_toml_str(
            "[database]\nurl = \"sqlite::memory:\"\n[security.rate_limits]\nlogin_failed = \"2/m/key\"\n",
        )
        .unwrap();
        let db = Database::connect(&settings.database).await.unwrap();
        db.migrate().await.unwrap();
        let policy = Arc::new(Policy::new(&settings.security.rate_limits, "test secret"));
        let limiter = RateLimiter::new(Arc::new(DbRateLimitStore::new(db)), policy);
        let ip = Some("203.0.113.7".parse().unwrap());
        for _ in 0..2 {
            let usage = limiter
                .consume(&[Action::LoginFailed], ip, Some("alice"))
                .await;
            assert!(usage.unwrap().is_ok());
        }
        let limited = limiter
            .consume(&[Action::LoginFailed], ip, Some("ALICE"))
            .await
            .unwrap()
            .unwrap_err();
        assert!(limited.retry_after_secs >= 1);
    }
}
