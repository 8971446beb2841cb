//! Request-level protections: CSRF, safe redirects, response headers,
//! client addresses and rate limits.

pub(crate) mod client_ip;
pub mod csrf;
pub(crate) mod form_body;
pub(crate) mod headers;
pub mod ratelimit;
pub mod redirect;
