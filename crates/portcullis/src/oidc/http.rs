//! The HTTP client every provider call goes through: redirects off (a
//! discovery or token URL must not bounce the server to another host: SSRF),
//! a timeout per call, rustls.

use std::time::Duration;

/// A client for provider calls, waiting at most `timeout` per call.
pub(super) fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        // Only fails when the TLS backend cannot start, which no request could survive.
        .expect("the HTTP client for OpenID providers builds")
}
