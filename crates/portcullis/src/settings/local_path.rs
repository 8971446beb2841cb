//! Local paths: the only redirect targets and page URLs Portcullis accepts
//! (no open redirects). Settings validation and `next` handling share it.

/// Longest `next` followed; longer ones are dropped (as recent Django).
pub(crate) const MAX_NEXT_LEN: usize = 2048;

/// True when `path` is a local absolute path: one leading `/`, no scheme, no host,
/// no backslash tricks and no control characters.
///
/// ```
/// use portcullis::security::redirect::is_local_path;
/// assert!(is_local_path("/dashboard?tab=1"));
/// assert!(!is_local_path("//evil.example"));
/// assert!(!is_local_path("/\\evil.example"));
/// assert!(!is_local_path("https://evil.example"));
/// assert!(!is_local_path("javascript:alert(1)"));
/// ```
pub fn is_local_path(path: &str) -> bool {
    if path.is_empty() || path.len() > MAX_NEXT_LEN {
        return false;
    }
    let bytes = path.as_bytes();
    if bytes[0] != b'/' {
        return false;
    }
    // Browsers treat '\' as '/', so "/\host" is "//host".
    if bytes.len() > 1 && (bytes[1] == b'/' || bytes[1] == b'\\') {
        return false;
    }
    // Control characters and whitespace are stripped or mangled by browsers and proxies.
    if path.chars().any(|c| c.is_control() || c == '\\') {
        return false;
    }
    true
}
