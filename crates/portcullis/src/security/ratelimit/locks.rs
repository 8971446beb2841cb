//! Limits this worker has just seen exceeded, remembered for a second so
//! that a flood at a locked account or from a locked address is refused
//! without a store round trip for every attempt (counting each refused
//! attempt would put a write and its undo on every one; see
//! docs/BENCHMARKS.md). The store stays the truth: an entry only ever
//! refuses, for at most [`RECHECK`] past what the store last said, and then
//! the store is asked again.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long a refusal is taken on trust before the store is read again.
const RECHECK: Duration = Duration::from_secs(1);
/// Entries kept at most; past it expired ones go, then all (a flood of
/// distinct addresses must not grow memory).
const CAPACITY: usize = 4096;

/// Buckets recently found over their limit.
#[derive(Debug, Default)]
pub(super) struct RecentLocks {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// When the store said an attempt would be allowed again.
    retry_at: Instant,
    /// When to stop trusting this entry.
    recheck_at: Instant,
}

impl RecentLocks {
    /// Seconds until `bucket` allows an attempt, when it was found locked
    /// less than [`RECHECK`] ago (at least 1).
    pub(super) fn retry_after(&self, bucket: &str, now: Instant) -> Option<u64> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(bucket)?;
        (now < e.recheck_at && now < e.retry_at)
            .then(|| e.retry_at.duration_since(now).as_secs().max(1))
    }

    /// Remembers that the store refused `bucket` for `retry_after_secs`.
    pub(super) fn remember(&self, bucket: &str, retry_after_secs: u64, now: Instant) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.recheck_at > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            bucket.to_owned(),
            Entry {
                retry_at: now + Duration::from_secs(retry_after_secs),
                recheck_at: now + RECHECK,
            },
        );
    }

    /// Drops what is remembered of `bucket` (its store windows were cleared).
    pub(super) fn forget(&self, bucket: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(bucket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_trusted_for_a_second_and_never_past_its_retry_time() {
        let locks = RecentLocks::default();
        let t0 = Instant::now();
        assert_eq!(locks.retry_after("b", t0), None);
        locks.remember("b", 30, t0);
        assert_eq!(locks.retry_after("b", t0), Some(30));
        assert_eq!(
            locks.retry_after("b", t0 + Duration::from_millis(999)),
            Some(29)
        );
        assert_eq!(
            locks.retry_after("b", t0 + RECHECK),
            None,
            "asks the store again"
        );
        locks.remember("short", 1, t0);
        assert_eq!(
            locks.retry_after("short", t0 + Duration::from_millis(500)),
            Some(1)
        );
        locks.remember("zero", 0, t0);
        assert_eq!(locks.retry_after("zero", t0), None);
    }

    #[test]
    fn a_flood_of_distinct_buckets_stays_bounded() {
        let locks = RecentLocks::default();
        let t0 = Instant::now();
        for i in 0..3 * CAPACITY {
            locks.remember(&format!("b{i}"), 60, t0);
        }
        assert!(locks.entries.lock().unwrap().len() <= CAPACITY);
    }
}
