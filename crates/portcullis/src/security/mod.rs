//! Request-level protections: CSRF, safe redirects, response headers.

pub mod csrf;
pub mod headers;
pub mod redirect;
