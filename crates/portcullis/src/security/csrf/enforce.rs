//! CSRF enforcement on every unsafe request: `Origin` (or
//! `Sec-Fetch-Site`), then the token from the `X-CSRF-Token` header or the
//! form's `csrf_token` field; and the anonymous visitor's cookie, set or
//! expired on the way out.

use actix_session::SessionExt as _;
use actix_web::{
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method, StatusCode},
    HttpMessage as _,
};

use super::{
    cookie::{CsrfCookie, Issued},
    request_token_matches, signed_in, FORM_FIELD, HEADER,
};
use crate::{
    security::{form_body, request_origin::request_origin},
    settings::Settings,
};

/// Checks `req` when its method is unsafe and its path not exempt: `Ok`,
/// or the status and reason to refuse it with. A urlencoded body read for
/// its token is put back for the handler.
pub(crate) async fn check(
    settings: &Settings,
    cookie: &CsrfCookie,
    req: &mut ServiceRequest,
) -> Result<(), (StatusCode, &'static str)> {
    if !needs_check(settings, req) {
        return Ok(());
    }
    check_token(settings, cookie, req).await
}

/// Sets the anonymous visitor's CSRF cookie when a page issued a secret,
/// and expires it once the session is signed in (its secret moved there).
pub(crate) fn settle_cookie<B>(
    settings: &Settings,
    c: &CsrfCookie,
    res: &mut ServiceResponse<B>,
    unsafe_method: bool,
) {
    let issued = res.request().extensions().get::<Issued>().copied();
    // Only a POST signs in, so GETs (the guarded pages) skip the lookups.
    if issued.is_none() && !unsafe_method {
        return;
    }
    let signed_in = signed_in(&res.request().get_session());
    let cookie = match issued {
        Some(Issued(secret)) if !signed_in => c.cookie(settings, &secret),
        None if signed_in && res.request().cookie(&c.name).is_some() => c.removal(settings),
        _ => return,
    };
    let _ = res.response_mut().add_cookie(&cookie);
}

fn needs_check(settings: &Settings, req: &ServiceRequest) -> bool {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return false;
    }
    // No `Authorization` exemption: browsers resend Basic, Digest and
    // Negotiate credentials by themselves, so the header proves nothing
    // about who sent the request. Only a credential Portcullis verifies
    // itself could exempt a request, and none exists yet.
    !settings.security.csrf_exempt(req.path())
}

async fn check_token(
    settings: &Settings,
    cookie: &CsrfCookie,
    req: &mut ServiceRequest,
) -> Result<(), (StatusCode, &'static str)> {
    let forbidden = StatusCode::FORBIDDEN;
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin
            .to_str()
            .map_err(|_| (forbidden, "unreadable Origin"))?;
        if !origin_allowed(settings, req, origin) {
            return Err((forbidden, "Origin checking failed"));
        }
    } else if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err((forbidden, "cross-site request"));
    }
    if let Some(token) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if request_token_matches(req.request(), cookie, token) {
            Ok(())
        } else {
            Err((forbidden, "CSRF token incorrect"))
        };
    }
    if !form_body::is_urlencoded(req.headers()) {
        return Err((forbidden, "CSRF token missing"));
    }
    let limit = settings.security.max_form_bytes;
    let payload = req.take_payload();
    let body = form_body::read_limited(req.headers(), payload, limit)
        .await
        .map_err(|status| match status {
            StatusCode::PAYLOAD_TOO_LARGE => (status, "form too large"),
            _ => (status, "unreadable body"),
        })?;
    // Put the body back for the handler.
    req.set_payload(actix_web::dev::Payload::from(body.clone()));
    let token = form_value(&body, FORM_FIELD).ok_or((forbidden, "CSRF token missing"))?;
    if request_token_matches(req.request(), cookie, &token) {
        Ok(())
    } else {
        Err((forbidden, "CSRF token incorrect"))
    }
}

/// The first value of `field` in a urlencoded body.
fn form_value(body: &[u8], field: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .find(|(k, _)| k == field)
        .map(|(_, v)| v)
}

/// Lossy parse: a body with invalid UTF-8 still yields its token, so the page
/// itself can answer 400 rather than a misleading CSRF 403.
fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

fn origin_allowed(settings: &Settings, req: &ServiceRequest, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let s = settings;
    if s.origin().is_some_and(|o| o.serialized == origin) {
        return true;
    }
    if s.security
        .csrf_trusted_origins
        .iter()
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&origin))
    {
        return true;
    }
    // Same origin as the request itself (Django's check; the only one when
    // `site_origin` is unset): a browser sets Host to the server it talks
    // to, so a cross-site page cannot forge this match. Forwarded headers
    // count only from trusted proxies.
    request_origin(req.request(), s.security.trusted_proxy_count)
        .is_ok_and(|own| own.serialized == origin)
}
