//! `[session]`: the session cookie and its lifetime.

use serde::{Deserialize, Serialize};

/// When the session cookie carries the `Secure` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CookieSecure {
    /// Secure (and `__Host-` prefixed) when `auth.site_origin` is https.
    #[default]
    Auto,
    /// Always Secure.
    Always,
    /// Never Secure: only allowed when `site_origin` is http on localhost.
    Never,
}

/// The cookie's SameSite attribute (`None` is refused: it would open the cookie to cross-site requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SameSitePolicy {
    /// Sent on top-level navigations from other sites (needed for OIDC callbacks).
    #[default]
    Lax,
    /// Never sent from other sites.
    Strict,
}

/// `[session]`: cookie name, lifetime and key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Cookie name; `__Host-` is prefixed when the cookie is Secure.
    pub cookie_name: String,
    /// Absolute lifetime of a session in seconds.
    pub max_age: u64,
    /// A session unused this many seconds ends (0 turns it off).
    pub idle_timeout: u64,
    /// Keep the cookie across browser restarts (false: a browser-session cookie).
    pub persistent: bool,
    /// Secure flag policy.
    pub secure: CookieSecure,
    /// SameSite policy.
    pub same_site: SameSitePolicy,
    /// Key signing the cookie, at least 64 characters; empty: one is made and kept in the database.
    pub secret: String,
    /// Seconds between in-process purges of expired sessions and rate-limit
    /// windows (0 turns them off, e.g. when a cron job runs
    /// `portcullis sessions clear-expired`).
    pub purge_interval_secs: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            cookie_name: "portcullis_session".into(),
            max_age: 1_209_600,
            idle_timeout: 43_200,
            persistent: true,
            secure: CookieSecure::Auto,
            same_site: SameSitePolicy::Lax,
            secret: String::new(),
            purge_interval_secs: 3600,
        }
    }
}
