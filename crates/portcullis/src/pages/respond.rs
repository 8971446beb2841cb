//! Responses shared by the pages: redirects, error pages, current user.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};

use crate::{
    accounts::AuthError,
    guard::current_user,
    render::error_page,
    security::{headers::apply_page_headers, redirect::safe_next},
    Auth, User,
};

/// The `Auth` of this request; pages need the middleware.
pub(super) fn auth(req: &HttpRequest) -> Result<Auth, HttpResponse> {
    crate::guard::identity::auth_of(req).ok_or_else(|| {
        tracing::error!(
            "portcullis pages are mounted without auth.middleware(); use add_auth_pages"
        );
        HttpResponse::InternalServerError().body("Server misconfigured.")
    })
}

/// A 303 to `location` with auth-page headers.
pub(super) fn see_other(location: &str) -> HttpResponse {
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    apply_page_headers(res.headers_mut());
    res
}

/// The safe `next`, else `fallback`.
pub(super) fn target(next: Option<&str>, fallback: &str) -> String {
    safe_next(next).unwrap_or(fallback).to_owned()
}

/// An error page for `status`, with the matching message from settings.
pub(super) fn status_page(auth: &Auth, status: StatusCode) -> HttpResponse {
    let m = &auth.settings().auth.messages;
    let msg = match status {
        StatusCode::BAD_REQUEST => &m.bad_request,
        StatusCode::PAYLOAD_TOO_LARGE => &m.too_large,
        StatusCode::FORBIDDEN => &m.csrf_failed,
        StatusCode::SERVICE_UNAVAILABLE => &m.unavailable,
        _ => &m.server_error,
    };
    let mut res = error_page(auth.inner.renderer.as_ref(), auth.settings(), status, msg);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    }
    res
}

/// The page for an internal failure: 503 when temporary, else 500 (logged, never shown).
pub(super) fn failure(auth: &Auth, err: AuthError) -> HttpResponse {
    if err.is_unavailable() {
        tracing::warn!(error = %err, "temporarily unavailable");
        status_page(auth, StatusCode::SERVICE_UNAVAILABLE)
    } else {
        tracing::error!(error = %err, "auth page failed");
        status_page(auth, StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The signed-in user, or the failure page.
pub(super) async fn user(auth: &Auth, req: &HttpRequest) -> Result<Option<User>, HttpResponse> {
    current_user(req).await.map_err(|e| failure(auth, e))
}

/// A rendered page, or a 500 when the renderer fails.
pub(super) fn page(
    auth: &Auth,
    rendered: Result<String, crate::render::RenderError>,
    status: StatusCode,
) -> HttpResponse {
    match rendered {
        Ok(body) => crate::render::html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "page failed to render");
            status_page(auth, StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}
