//! Where attempts are counted: a [`RateLimitStore`] keeps one hit counter
//! per bucket and fixed window. The limiter decides what the counts mean.

use std::{future::Future, pin::Pin};

use super::RateLimitError;

/// The future a [`RateLimitStore`] method returns (`Send`, so a purge can
/// run on a spawned task).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, RateLimitError>> + Send + 'a>>;

/// One fixed window: `start .. start + period_secs`, epoch seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First second of the window (a multiple of `period_secs`).
    pub start: i64,
    /// Its length in seconds.
    pub period_secs: u32,
}

impl Window {
    /// The window of `period_secs` that contains `now`.
    ///
    /// ```
    /// use portcullis::security::ratelimit::Window;
    /// let w = Window::containing(130, 60);
    /// assert_eq!((w.start, w.previous_start(), w.expires_at()), (120, 60, 240));
    /// ```
    pub fn containing(now: i64, period_secs: u32) -> Window {
        let period = i64::from(period_secs.max(1));
        Window {
            start: now - now.rem_euclid(period),
            period_secs: period_secs.max(1),
        }
    }

    /// Start of the window before this one.
    pub fn previous_start(&self) -> i64 {
        self.start - i64::from(self.period_secs)
    }

    /// When this window's hits stop counting: the end of the next window
    /// (until then they weigh on the sliding estimate).
    pub fn expires_at(&self) -> i64 {
        self.start + 2 * i64::from(self.period_secs)
    }
}

/// A bucket's hits in the current window (the new one included) and in the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hits {
    /// Hits in the current window, this one included.
    pub current: u64,
    /// Hits in the window before it.
    pub previous: u64,
}

/// Keeps hit counters, shared by every replica. Buckets are opaque strings
/// built by the limiter (a login in one is already hashed).
///
/// Installed with [`crate::AuthBuilder::rate_limit_store`]; the default is
/// `DbRateLimitStore` on the app's database.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one hit in `bucket`'s `window` and returns the counts with it.
    /// Must be atomic: concurrent hits, from any replica, each see a
    /// different `current`.
    fn hit<'a>(&'a self, bucket: &'a str, window: Window) -> StoreFuture<'a, Hits>;

    /// Takes back one hit that [`hit`](Self::hit) counted in `bucket`'s `window`.
    fn undo<'a>(&'a self, bucket: &'a str, window: Window) -> StoreFuture<'a, ()>;

    /// Deletes every window of `bucket`, so its attempts stop counting at
    /// once: a password reset clears the account's failed logins (as
    /// allauth does), or its owner would stay locked out after proving who
    /// they are.
    fn clear<'a>(&'a self, bucket: &'a str) -> StoreFuture<'a, ()>;

    /// Deletes the windows that no longer count at `now` (epoch seconds,
    /// past [`Window::expires_at`]) and returns how many. The default does
    /// nothing, for stores whose entries expire by themselves.
    fn purge_expired(&self, now: i64) -> StoreFuture<'_, u64> {
        let _ = now;
        Box::pin(async { Ok(0) })
    }
}
