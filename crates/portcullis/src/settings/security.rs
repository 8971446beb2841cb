//! `[security]`: hashing cost, body limits, CSRF origins, proxies, rate limits.

use serde::{Deserialize, Serialize};

use super::RateLimitSettings;

/// `[security]`: password hashing, request limits, CSRF, proxy trust and rate limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// argon2id memory cost in KiB (OWASP: 19456).
    pub argon2_memory_kib: u32,
    /// argon2id iterations (OWASP: 2).
    pub argon2_iterations: u32,
    /// argon2id lanes (OWASP: 1).
    pub argon2_parallelism: u32,
    /// Threads hashing passwords (0: one per CPU core).
    pub hash_workers: usize,
    /// Hash jobs allowed to wait; beyond that logins get 503 + Retry-After
    /// at once. Each waiting job adds one hash time (~20 ms) to the wait.
    pub hash_queue: usize,
    /// Niceness of the hashing threads (0–19, Linux): above 0, pages keep the
    /// CPU first while a login flood hashes.
    pub hash_thread_nice: i32,
    /// Largest accepted form body in bytes; larger ones get 413.
    pub max_form_bytes: usize,
    /// Extra origins allowed to POST forms (scheme://host[:port]).
    pub csrf_trusted_origins: Vec<String>,
    /// Path prefixes exempt from the CSRF check (webhooks); auth pages never are.
    pub csrf_exempt_paths: Vec<String>,
    /// Reverse proxies in front of the app that append the client address to
    /// X-Forwarded-For. 0: the client address (for rate limits) is the socket
    /// peer and the header is ignored; n: the n-th address from the right of
    /// the header (a missing or malformed one falls back to the peer).
    pub trusted_proxy_count: usize,
    /// `[security.rate_limits]`: brute-force limits per action.
    pub rate_limits: RateLimitSettings,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            hash_workers: 0,
            hash_queue: 16,
            hash_thread_nice: 0,
            max_form_bytes: 16 * 1024,
            csrf_trusted_origins: Vec::new(),
            csrf_exempt_paths: Vec::new(),
            trusted_proxy_count: 0,
            rate_limits: RateLimitSettings::default(),
        }
    }
}
