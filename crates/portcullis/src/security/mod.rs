//! Request-level protections: CSRF, safe redirects, response headers,
//! client addresses, the request's own origin and rate limits.

pub(crate) mod client_ip;
pub mod csrf;
pub(crate) mod form_body;
pub(crate) mod headers;
pub mod ratelimit;
pub mod redirect;
pub(crate) mod request_origin;
