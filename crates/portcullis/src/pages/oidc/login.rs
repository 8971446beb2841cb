//! `/oidc/{id}/login`: a POST (the login page's button, with CSRF) sends the
//! browser to the provider; a bare GET shows a one-button confirm page, or
//! goes at once when `oidc.login_on_get` is set.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    super::form, super::respond, allow_provider_forms, button, callback_url, failure_page,
    login_retry, Failure,
};
use crate::{
    db,
    oidc::{authorization, OidcError},
    render::{auth_page_base, OidcConfirmContext},
    security::redirect::safe_next,
    Auth,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct StartForm {
    next: Option<String>,
}

pub(super) async fn show(req: HttpRequest, id: String) -> HttpResponse {
    let respond::Visit { auth, next, user } = match respond::visit(&req, false).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let Ok(provider) = auth.inner.oidc.get(&id) else {
        return auth.status_page(StatusCode::NOT_FOUND);
    };
    if auth.settings().oidc.login_on_get {
        return redirect_to_provider(&auth, &req, &id, next, None).await;
    }
    let s = auth.settings();
    let m = &s.oidc.messages;
    let name = &provider.settings.display_name;
    let token = match auth.form_token(&req) {
        Ok(t) => t,
        Err(res) => return res,
    };
    let mut button = button(s, &provider, next.as_deref());
    button.label = m.confirm_button.replace("{provider}", name);
    let heading = m.confirm_heading.replace("{provider}", name);
    let ctx = OidcConfirmContext {
        base: auth_page_base(s, &heading, user.map(|u| u.username)),
        heading,
        text: m.confirm_text.replace("{provider}", name),
        button,
        csrf_token: token,
    };
    let mut res = auth.page_response(auth.renderer().oidc_confirm(&ctx), StatusCode::OK);
    allow_provider_forms(&auth, &mut res);
    res
}

pub(super) async fn start(req: HttpRequest, payload: web::Payload, id: String) -> HttpResponse {
    let (auth, f): (_, StartForm) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    let next = f.next.or_else(|| form::query_next(&req));
    redirect_to_provider(&auth, &req, &id, next, None).await
}

/// A 303 to the provider's authorization endpoint, with the flow cookie;
/// `link_user` when a signed-in user connects the provider.
pub(super) async fn redirect_to_provider(
    auth: &Auth,
    req: &HttpRequest,
    id: &str,
    next: Option<String>,
    link_user: Option<i64>,
) -> HttpResponse {
    let registry = &auth.inner.oidc;
    let provider = match registry.get(id) {
        Ok(p) => p,
        Err(_) => return auth.status_page(StatusCode::NOT_FOUND),
    };
    let next = safe_next(next.as_deref()).map(str::to_owned);
    let retry = match link_user {
        Some(_) => super::CONNECTIONS_PATH.to_owned(),
        None => login_retry(auth.settings(), next.as_deref()),
    };
    let callback = match callback_url(auth.settings(), req, id) {
        Ok(c) => c,
        Err(e) => return failure_page(auth, &provider, Failure::Oidc(e), &retry),
    };
    match authorization(registry, &provider, &callback, next, link_user, db::now()).await {
        Ok((url, flow)) => {
            let mut res = respond::see_other(&url);
            if let Err(e) = res.add_cookie(&registry.flow.cookie(&flow)) {
                tracing::error!(error = %e, "could not set the OpenID flow cookie");
                return failure_page(auth, &provider, Failure::Oidc(OidcError::BadState), &retry);
            }
            res
        }
        Err(e) => failure_page(auth, &provider, Failure::Oidc(e), &retry),
    }
}
