//! The logout page: GET asks, only POST signs out.

use actix_session::Session;
use actix_web::{http::StatusCode, HttpRequest, HttpResponse};

use super::respond;
use crate::render::{auth_page_base, LogoutContext};

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    let respond::Visit { auth, user, .. } = match respond::visit(&req, false).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let s = auth.settings();
    let m = &s.auth.messages;
    let token = match auth.form_token(&req) {
        Ok(t) => t,
        Err(res) => return res,
    };
    let ctx = LogoutContext {
        base: auth_page_base(
            s,
            &m.logout_heading,
            user.as_ref().map(|u| u.username.clone()),
        ),
        heading: m.logout_heading.clone(),
        action: s.auth.logout_url.clone(),
        csrf_token: token,
        signed_in: user.is_some(),
        confirm: m.logout_confirm.clone(),
        not_signed_in: m.logout_not_signed_in.clone(),
        button: m.logout_button.clone(),
        home_label: m.logout_home_link.clone(),
    };
    let mut res = auth.page_response(auth.inner.renderer.logout(&ctx), StatusCode::OK);
    super::oidc::allow_provider_forms(&auth, &mut res);
    res
}

pub(super) async fn submit(req: HttpRequest, session: Session) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    // Read before the session ends: the provider's logout needs its ID token.
    let provider_logout = super::oidc::end_session(&auth, &req, &session).await;
    auth.logout(&session);
    let mut res = respond::see_other(
        provider_logout
            .as_deref()
            .unwrap_or(&auth.settings().auth.logout_redirect_url),
    );
    res.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("clear-site-data"),
        actix_web::http::header::HeaderValue::from_static("\"cache\""),
    );
    res
}
