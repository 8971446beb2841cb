//! The standard error page for a status, and for an internal failure.

use actix_web::{
    http::{header, StatusCode},
    HttpResponse,
};

use super::{error_page, Renderer};
use crate::{error::AuthError, settings::Settings};

/// The error page for `status` with its message from `[auth.messages]`
/// (403 here is the CSRF failure; guards render their own 403 text).
pub(crate) fn status_page(
    renderer: &dyn Renderer,
    settings: &Settings,
    status: StatusCode,
) -> HttpResponse {
    let m = &settings.auth.messages;
    let msg = match status {
        StatusCode::BAD_REQUEST => &m.bad_request,
        StatusCode::FORBIDDEN => &m.csrf_failed,
        StatusCode::NOT_FOUND => &m.not_found,
        StatusCode::PAYLOAD_TOO_LARGE => &m.too_large,
        StatusCode::TOO_MANY_REQUESTS => &m.too_many_attempts,
        StatusCode::SERVICE_UNAVAILABLE => &m.unavailable,
        _ => &m.server_error,
    };
    error_page(renderer, settings, status, msg)
}

/// The 503 page for a login or signup shed because the hashing threads
/// are booked beyond `security.hash_max_wait_ms`: retry in a second.
pub(crate) fn busy_page(renderer: &dyn Renderer, settings: &Settings) -> HttpResponse {
    let mut res = error_page(
        renderer,
        settings,
        StatusCode::SERVICE_UNAVAILABLE,
        &settings.auth.messages.busy,
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    res
}

/// The page for an internal failure: 503 when temporary (database down,
/// hashing queue full), else 500. The cause is logged, never shown.
pub(crate) fn failure_page(
    renderer: &dyn Renderer,
    settings: &Settings,
    err: &AuthError,
) -> HttpResponse {
    if err.is_unavailable() {
        tracing::warn!(error = %err, "temporarily unavailable");
        status_page(renderer, settings, StatusCode::SERVICE_UNAVAILABLE)
    } else {
        tracing::error!(error = %err, "request failed");
        status_page(renderer, settings, StatusCode::INTERNAL_SERVER_ERROR)
    }
}
