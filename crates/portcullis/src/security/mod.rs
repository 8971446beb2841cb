//! Request-level protections: CSRF, safe redirects, response headers.

pub mod csrf;
pub(crate) mod csrf_cookie;
pub mod headers;
pub mod redirect;
