//! Expired sessions, and rate-limit windows that no longer count, are
//! deleted in-process on a schedule, so both tables stay bounded without a
//! cron job (`portcullis sessions clear-expired` does the sessions on demand).

use std::{sync::Weak, time::Duration};

use super::{Auth, AuthInner};

/// Starts the purge task (sessions, then rate-limit windows) on the current tokio runtime, when there is one
/// and `session.purge_interval_secs` is not 0. The task holds only a weak
/// reference: it ends with the last clone of the [`Auth`].
pub(crate) fn start(auth: &Auth) {
    let secs = auth.settings().session.purge_interval_secs;
    if secs == 0 || tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let weak: Weak<AuthInner> = std::sync::Arc::downgrade(&auth.inner);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(secs));
        // The first tick is immediate; the first purge waits one interval.
        every.tick().await;
        loop {
            every.tick().await;
            let Some(inner) = weak.upgrade() else { return };
            let auth = Auth { inner };
            match auth.clear_expired_sessions().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "purged expired sessions"),
                // The database may be down for a while: try again next time.
                Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
            }
            match auth.rate_limiter().purge_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "purged expired rate-limit windows"),
                Err(e) => tracing::warn!(error = %e, "purging rate-limit windows failed"),
            }
        }
    });
}
