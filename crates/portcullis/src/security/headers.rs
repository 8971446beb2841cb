//! Security headers for auth pages.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Headers every auth page and error page carries: no caching, no framing,
/// no sniffing, a tight CSP (no scripts at all: the pages need none).
pub fn apply_page_headers(headers: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CACHE_CONTROL,
        "no-cache, no-store, must-revalidate, private",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data: https:; script-src 'none'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'; style-src 'self'; style-src-attr 'unsafe-inline'",
    );
}
