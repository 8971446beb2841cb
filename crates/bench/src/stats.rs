//! Latency histograms and counts of one measured run.

use std::{collections::BTreeMap, time::Duration};

use hdrhistogram::Histogram;
use serde::Serialize;

/// What one run saw: per-request latency (µs) and status counts.
#[derive(Clone)]
pub struct Stats {
    pub hist: Histogram<u64>,
    pub statuses: BTreeMap<u16, u64>,
    /// Transport failures (refused, reset): never expected.
    pub errors: u64,
    /// Shed responses (429/503) that carried Retry-After.
    pub shed_with_retry_after: u64,
    pub elapsed: Duration,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("static bounds"),
            statuses: BTreeMap::new(),
            errors: 0,
            shed_with_retry_after: 0,
            elapsed: Duration::ZERO,
        }
    }
}

impl Stats {
    pub fn record(&mut self, status: u16, latency: Duration) {
        let us = (latency.as_micros() as u64).clamp(1, 120_000_000);
        let _ = self.hist.record(us);
        *self.statuses.entry(status).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Stats) {
        let _ = self.hist.add(&other.hist);
        for (k, v) in &other.statuses {
            *self.statuses.entry(*k).or_default() += v;
        }
        self.errors += other.errors;
        self.shed_with_retry_after += other.shed_with_retry_after;
    }

    /// Responses with `status`.
    pub fn count(&self, status: u16) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    /// Responses with any of `statuses`.
    pub fn count_any(&self, statuses: &[u16]) -> u64 {
        statuses.iter().map(|s| self.count(*s)).sum()
    }

    /// Responses of any status.
    pub fn total(&self) -> u64 {
        self.statuses.values().sum()
    }

    /// The latency at quantile `q` (0..1), in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    /// Figures counting `ok` statuses as successes.
    pub fn summary(&self, ok: &[u16]) -> Summary {
        let n = self.count_any(ok);
        Summary {
            per_sec: n as f64 / self.elapsed.as_secs_f64().max(1e-9),
            p50_ms: self.ms(0.50),
            p99_ms: self.ms(0.99),
            ok: n,
            other: self.total() - n,
            errors: self.errors,
        }
    }
}

/// The printable figures of a run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub ok: u64,
    pub other: u64,
    pub errors: u64,
}
