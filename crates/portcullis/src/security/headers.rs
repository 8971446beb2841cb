//! Security headers for auth pages.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Built once: `HeaderValue::from_static` checks every byte each time it runs.
static PAGE_HEADERS: LazyLock<[(HeaderName, HeaderValue); 6]> = LazyLock::new(|| {
    [
        (
            header::CACHE_CONTROL,
            "no-cache, no-store, must-revalidate, private",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data: https:; script-src 'none'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'; style-src 'self'; style-src-attr 'unsafe-inline'",
        ),
    ]
    .map(|(name, value)| (name, HeaderValue::from_static(value)))
});

/// Headers every auth page and error page carries: no caching, no framing,
/// no sniffing, a tight CSP (no scripts at all: the pages need none).
pub fn apply_page_headers(headers: &mut HeaderMap) {
    for (name, value) in PAGE_HEADERS.iter() {
        // Clones of static values share their bytes: no allocation.
        headers.insert(name.clone(), value.clone());
    }
}

#[cfg(test)]
mod examples {
    use actix_web::http::header::HeaderMap;

    use super::apply_page_headers;

    #[test]
    fn pages_get_frame_and_script_protection() {
        let mut headers = HeaderMap::new();
        apply_page_headers(&mut headers);
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
        let csp = headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'none'"));
    }
}
