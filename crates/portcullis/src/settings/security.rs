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
    /// Longest a login or signup may expect to wait for a hashing thread, in
    /// milliseconds (from the measured hash time and the jobs ahead); beyond
    /// that it gets 503 + Retry-After at once. A burst of sign-ins queues, a
    /// sustained flood beyond the cores' capacity is shed.
    pub hash_max_wait_ms: u64,
    /// Hash jobs allowed to wait, as a count (0: bounded only by `hash_max_wait_ms`).
    pub hash_queue: usize,
    /// How much lower the hashing threads' priority is than the request
    /// workers' (niceness added to the process's, 0–19, Linux): while a login
    /// flood hashes on every core, pages get a little more of the CPU. 0
    /// shares it equally; higher values take from the flood's logins.
    pub hash_thread_nice: i32,
    /// Largest accepted form body in bytes; larger ones get 413.
    pub max_form_bytes: usize,
    /// Extra origins allowed to POST forms (`scheme://host[:port]`).
    pub csrf_trusted_origins: Vec<String>,
    /// Paths exempt from the CSRF check (webhooks), matched by whole segments:
    /// `"/api"` covers `/api` and `/api/…`, not `/apikeys`. An exemption
    /// covering a Portcullis page stops start-up.
    pub csrf_exempt_paths: Vec<String>,
    /// Reverse proxies in front of the app that append the client address to
    /// X-Forwarded-For. 0: the client address (for rate limits) is the socket
    /// peer and the header is ignored; n: the n-th address from the right of
    /// the header (a missing or malformed one falls back to the peer).
    /// With n > 0 the request's own origin (the CSRF Origin check; the OIDC
    /// callback when auth.site_origin is unset) also takes X-Forwarded-Proto
    /// and X-Forwarded-Host, their n-th entries from the right.
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
            hash_max_wait_ms: 1000,
            hash_queue: 0,
            hash_thread_nice: 1,
            max_form_bytes: 16 * 1024,
            csrf_trusted_origins: Vec::new(),
            csrf_exempt_paths: Vec::new(),
            trusted_proxy_count: 0,
            rate_limits: RateLimitSettings::default(),
        }
    }
}

impl SecuritySettings {
    /// True when `path` lies under one of `csrf_exempt_paths`, segment by segment.
    ///
    /// ```
    /// let mut s = portcullis::settings::SecuritySettings::default();
    /// s.csrf_exempt_paths = vec!["/api".into()];
    /// assert!(s.csrf_exempt("/api/hooks"));
    /// assert!(!s.csrf_exempt("/apikeys"));
    /// ```
    pub fn csrf_exempt(&self, path: &str) -> bool {
        self.csrf_exempt_paths
            .iter()
            .any(|prefix| covers(prefix, path))
    }
}

/// True when `path` is `prefix` or lies below it (whole segments only).
pub(super) fn covers(prefix: &str, path: &str) -> bool {
    let base = prefix.trim_end_matches('/');
    match path.strip_prefix(base) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn exemptions_cover_whole_segments_only() {
        assert!(covers("/api", "/api"));
        assert!(covers("/api", "/api/x"));
        assert!(covers("/api/", "/api/x"));
        assert!(!covers("/api", "/apikeys"));
        assert!(!covers("/api/", "/apikeys"));
        assert!(covers("/", "/login"));
        assert!(!covers("/log", "/login"));
    }
}
