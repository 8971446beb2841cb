//! Responses shared by the pages: redirects, error pages, current user.

use actix_web::{http::header, HttpRequest, HttpResponse};

use crate::{
    guard::current_user,
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

/// The signed-in user, or the failure page.
pub(super) async fn user(auth: &Auth, req: &HttpRequest) -> Result<Option<User>, HttpResponse> {
    current_user(req).await.map_err(|e| auth.failure_page(&e))
}
