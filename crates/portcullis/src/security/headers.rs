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

/// The page CSP with `form-action` allowing `origins` beside `'self'`: for
/// pages whose forms lead to an OpenID provider (a POST answered by a
/// redirect there is checked against `form-action` too). Each origin must be
/// `scheme://host[:port]`; anything else is left out.
pub(crate) fn csp_with_form_targets(origins: &[String]) -> HeaderValue {
    let extra: String = origins
        .iter()
        .filter(|o| {
            !o.is_empty()
                && o.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '[' | ']')
                })
        })
        .map(|o| format!(" {o}"))
        .collect();
    let csp = format!(
        "default-src 'self'; img-src 'self' data: https:; script-src 'none'; object-src 'none'; \
         base-uri 'none'; form-action 'self'{extra}; frame-ancestors 'none'; style-src 'self'; style-src-attr 'unsafe-inline'"
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| PAGE_HEADERS[5].1.clone())
}

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

    #[test]
    fn provider_pages_allow_only_the_named_origins() {
        let csp = super::csp_with_form_targets(&[
            "https://id.example".into(),
            "bad; script-src *".into(),
        ]);
        let csp = csp.to_str().unwrap();
        assert!(
            csp.contains("form-action 'self' https://id.example;"),
            "{csp}"
        );
        assert!(!csp.contains("script-src *"), "{csp}");
    }
}
