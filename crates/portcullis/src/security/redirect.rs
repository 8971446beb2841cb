//! Safe `next` handling: only local paths are followed (no open redirects).

pub use crate::settings::local_path::is_local_path;

/// `next` when it is safe to follow, otherwise `None` (dropped silently, as Django does).
///
/// ```
/// use portcullis::security::redirect::safe_next;
/// assert_eq!(safe_next(Some("/reports")), Some("/reports"));
/// assert_eq!(safe_next(Some("//evil.example/")), None);
/// assert_eq!(safe_next(None), None);
/// ```
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| is_local_path(n))
}

/// Percent-encodes `path` for use as the `next` query parameter.
///
/// ```
/// use portcullis::security::redirect::encode_next;
/// assert_eq!(encode_next("/a b?c=d&e"), "%2Fa%20b%3Fc%3Dd%26e");
/// ```
pub fn encode_next(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `path?next=…` when `next` is safe to follow (encoded), else `path`:
/// a page that sends the browser on, and back afterwards.
///
/// ```
/// use portcullis::security::redirect::with_next;
/// assert_eq!(with_next("/login", Some("/a b")), "/login?next=%2Fa%20b");
/// assert_eq!(with_next("/login", Some("//evil.example/")), "/login");
/// assert_eq!(with_next("/login", None), "/login");
/// ```
pub fn with_next(path: &str, next: Option<&str>) -> String {
    match safe_next(next) {
        Some(n) => format!("{path}?next={}", encode_next(n)),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::local_path::MAX_NEXT_LEN;

    #[test]
    fn rejects_every_known_open_redirect_form() {
        for bad in [
            "",
            "//evil.com",
            "///evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "https://evil.com",
            "http:evil.com",
            "http:///evil.com",
            "javascript:alert(1)",
            "evil.com",
            " /x",
            "\x01/x",
            "/x\ny",
            "/\t/evil.com",
            "/a\\b",
        ] {
            assert!(!is_local_path(bad), "{bad:?} accepted");
        }
        assert!(!is_local_path(&format!("/{}", "a".repeat(MAX_NEXT_LEN))));
    }

    #[test]
    fn accepts_local_paths() {
        for ok in ["/", "/dashboard", "/a/b?c=d#e", "/caf%C3%A9", "/über"] {
            assert!(is_local_path(ok), "{ok:?} refused");
        }
    }
}
