//! Responses shared by the pages: redirects, error pages, rate limits, current user.

use actix_web::{
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};
use serde::de::DeserializeOwned;

use super::form;
use crate::{
    guard::{current_user, is_api_request, require_login},
    render::error_page,
    security::{
        form_body::read_limited, headers::apply_page_headers, ratelimit::Limited,
        redirect::safe_next,
    },
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

/// What a page's GET starts from.
pub(super) struct Visit {
    pub(super) auth: Auth,
    /// `next` from the query string (not yet checked: see [`target`]).
    pub(super) next: Option<String>,
    pub(super) user: Option<User>,
}

/// The prologue of every page's GET: this request's `Auth`, the query's
/// `next` and the signed-in user, or the response to send instead (the
/// middleware missing, the user not loadable, or, with `send_signed_in_on`
/// and `auth.redirect_authenticated_user`, a signed-in user sent on to
/// `next` or the login redirect, as Django's `LoginView` does).
pub(super) async fn visit(
    req: &HttpRequest,
    send_signed_in_on: bool,
) -> Result<Visit, HttpResponse> {
    let auth = auth(req)?;
    let next = form::query_next(req);
    let user = user(&auth, req).await?;
    let a = &auth.settings().auth;
    if send_signed_in_on && a.redirect_authenticated_user && user.is_some() {
        return Err(see_other(&target(next.as_deref(), &a.login_redirect_url)));
    }
    Ok(Visit { auth, next, user })
}

/// The prologue of every page's POST: this request's `Auth` and its form,
/// read under `security.max_form_bytes`, or the error page (413, 400).
pub(super) async fn posted<F: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Auth, F), HttpResponse> {
    let auth = auth(req)?;
    let limit = auth.settings().security.max_form_bytes;
    let form = read_limited(req.headers(), payload, limit)
        .await
        .and_then(|body| form::parse(req, &body));
    match form {
        Ok(f) => Ok((auth, f)),
        Err(status) => Err(auth.status_page(status)),
    }
}

/// The prologue of a signed-in user's visit to an account page: this
/// request's `Auth` and the user, or the standard guard's denial to send
/// instead (the login redirect with this path as `next`, 403 under
/// `auth.anonymous_denial = "forbidden"`, 401 JSON for API clients).
pub(super) async fn visit_signed_in(req: &HttpRequest) -> Result<(Auth, User), HttpResponse> {
    let auth = auth(req)?;
    let user = signed_in(req).await?;
    Ok((auth, user))
}

/// The prologue of a signed-in user's POST on an account page: this
/// request's `Auth`, its form, the user, and one attempt counted at
/// `action` for that user; or the response to send instead (413/400, the
/// login redirect, the 429 page).
pub(super) async fn posted_by_user<F: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    action: crate::security::ratelimit::Action,
) -> Result<(Auth, F, User), HttpResponse> {
    let (auth, form) = posted(req, payload).await?;
    let user = signed_in(req).await?;
    count_attempt(
        &auth,
        req,
        &[action],
        Some(&format!("user:{}", user.id)),
        &auth.settings().auth.messages.too_many_attempts,
    )
    .await?;
    Ok((auth, form, user))
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

/// The signed-in user, or the guards' answer to anyone else: the login
/// redirect with this page as `next` (403 under `auth.anonymous_denial =
/// "forbidden"`), 401 JSON for API clients. The account pages' prologue.
pub(super) async fn signed_in(req: &HttpRequest) -> Result<User, HttpResponse> {
    require_login(req)
        .await
        .map_err(|e| e.as_response_error().error_response())
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

/// Counts one attempt at `actions` for this client (and `key`, when the
/// action counts per key), or the response to send instead: the 429 page
/// with `Retry-After` saying `message`, or the failure page.
pub(super) async fn count_attempt(
    auth: &Auth,
    req: &HttpRequest,
    actions: &[crate::security::ratelimit::Action],
    key: Option<&str>,
    message: &str,
) -> Result<(), HttpResponse> {
    let ip =
        crate::security::client_ip::client_ip(req, auth.settings().security.trusted_proxy_count);
    match auth.rate_limiter().consume(actions, ip, key).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(limited)) => Err(rate_limited(auth, req, &limited, message)),
        Err(e) => Err(auth.failure_page(&e.into())),
    }
}
