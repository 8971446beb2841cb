//! The origin a request was made to, as the browser saw it: for the OpenID
//! callback URL and the CSRF `Origin` check when `auth.site_origin` is
//! unset. Never for emailed links (OWASP: no `Host`-built reset links).
//!
//! The scheme is the connection's and the host the `Host` header's (the
//! `:authority` under HTTP/2). `X-Forwarded-Proto` and `X-Forwarded-Host`
//! count only with `security.trusted_proxy_count` > 0, read as
//! `client_ip` reads `X-Forwarded-For`: the n-th entry from the right, the
//! one the outermost trusted proxy wrote. actix's `ConnectionInfo` is not
//! used: it believes those headers from anyone.

use actix_web::{http::header, HttpRequest};

use crate::settings::{Origin, Settings};

/// Why a request's origin could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OriginError {
    /// Neither `Host` nor the request target names a host.
    #[error("the request names no host")]
    NoHost,
    /// The scheme or host read does not make an origin.
    #[error("the request's origin {0:?} is not scheme://host[:port]")]
    Malformed(String),
}

/// The origin of `req`: scheme and host, forwarded ones only through
/// `trusted_proxy_count` trusted proxies.
///
/// # Errors
/// [`OriginError`] when no host is named or the result is not an origin.
pub(crate) fn request_origin(
    req: &HttpRequest,
    trusted_proxy_count: usize,
) -> Result<Origin, OriginError> {
    let forwarded = |name: &'static str| {
        (trusted_proxy_count > 0)
            .then(|| nth_from_right(req, name, trusted_proxy_count))
            .flatten()
    };
    let scheme = match forwarded("x-forwarded-proto") {
        Some(proto) => proto.to_ascii_lowercase(),
        None if req.app_config().secure() => "https".to_owned(),
        None => "http".to_owned(),
    };
    let host = match forwarded("x-forwarded-host") {
        Some(host) => host,
        None => req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
            .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
            .ok_or(OriginError::NoHost)?,
    };
    let candidate = format!("{scheme}://{host}");
    // Letters, digits and the few marks of a host, port or IPv6 literal:
    // whatever else a header carries never reaches a URL.
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'));
    if !plain || host.ends_with(':') {
        return Err(OriginError::Malformed(candidate));
    }
    Origin::parse(&candidate).map_err(|_| OriginError::Malformed(candidate))
}

/// `auth.site_origin` when set, else the origin of `req`.
///
/// # Errors
/// [`OriginError`] when the request's origin is needed and unreadable.
pub(crate) fn public_origin(settings: &Settings, req: &HttpRequest) -> Result<Origin, OriginError> {
    match settings.origin() {
        Some(o) => Ok(o),
        None => request_origin(req, settings.security.trusted_proxy_count),
    }
}

/// The `n`-th (from 1) comma-separated entry from the right of every
/// `name` header, in order; `None` when there are fewer.
fn nth_from_right(req: &HttpRequest, name: &str, n: usize) -> Option<String> {
    let mut entries = Vec::new();
    for value in req.headers().get_all(name) {
        entries.extend(value.to_str().ok()?.split(',').map(str::trim));
    }
    let i = entries.len().checked_sub(n)?;
    Some(entries[i].to_owned())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn req(headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr("192.0.2.1:1234".parse().unwrap());
        for (k, v) in headers {
            r = r.append_header((*k, *v));
        }
        r.to_http_request()
    }

    fn origin(r: &HttpRequest, trusted: usize) -> String {
        request_origin(r, trusted).unwrap().serialized
    }

    #[test]
    fn scheme_of_the_connection_and_the_host_header() {
        let r = req(&[("host", "App.Example:8443")]);
        assert_eq!(origin(&r, 0), "http://app.example:8443");
        let r = req(&[("host", "[::1]:8000")]);
        assert_eq!(origin(&r, 0), "http://[::1]:8000");
    }

    #[test]
    fn forwarded_headers_count_only_through_trusted_proxies() {
        let r = req(&[
            ("host", "internal:8000"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "evil.example, app.example"),
        ]);
        assert_eq!(origin(&r, 0), "http://internal:8000");
        assert_eq!(origin(&r, 1), "https://app.example");
        assert_eq!(origin(&r, 2), "http://evil.example");
        // Fewer entries than proxies: the connection's own values.
        assert_eq!(origin(&r, 3), "http://internal:8000");
    }

    #[test]
    fn what_is_not_an_origin_is_refused() {
        assert_eq!(
            request_origin(&TestRequest::default().to_http_request(), 0),
            Err(OriginError::NoHost)
        );
        for host in [
            "evil.example/path",
            "a b",
            "u@evil.example",
            "x\"y",
            "h:",
            "",
        ] {
            let r = req(&[("host", host)]);
            assert!(request_origin(&r, 0).is_err(), "{host:?}");
        }
        let r = req(&[("host", "app.example"), ("x-forwarded-proto", "javascript")]);
        assert!(matches!(
            request_origin(&r, 1),
            Err(OriginError::Malformed(_))
        ));
    }
}
