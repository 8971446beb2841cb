//! Responses shared by the pages: redirects, error pages, rate limits, current user.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};

use crate::{
    guard::{current_user, is_api_request},
    render::error_page,
    security::{headers::apply_page_headers, ratelimit::Limited, redirect::safe_next},
    Auth, User,
};

/// The `Auth` of this request; pages need the middleware.
pub(super) fn auth(req: &HttpRequest) -> Result<Auth, HttpResponse> {
    Auth::of_request(req).ok_or_else(|| {
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

/// The signed-in user, or the failure page.
pub(super) async fn user(auth: &Auth, req: &HttpRequest) -> Result<Option<User>, HttpResponse> {
    current_user(req).await.map_err(|e| auth.failure_page(&e))
}

/// 429 with `Retry-After`: `message` on the error page, or
/// `{"error":"rate_limited"}` for API clients (as guards decide who is one).
pub(super) fn rate_limited(
    auth: &Auth,
    req: &HttpRequest,
    limited: &Limited,
    message: &str,
) -> HttpResponse {
    let status = StatusCode::TOO_MANY_REQUESTS;
    let mut res = if is_api_request(req) {
        HttpResponse::build(status)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({
                "error": "rate_limited",
                "retry_after": limited.retry_after_secs,
            }))
    } else {
        error_page(
            auth.inner.renderer.as_ref(),
            auth.settings(),
            status,
            message,
        )
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, limited.retry_after_secs.into());
    res
}
