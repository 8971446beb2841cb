//! The OpenID Connect pages, mounted only when providers are configured:
//! `/oidc/{id}/login` (GET asks, POST goes), `/oidc/{id}/callback` and
//! `/account/connections`. Each provider's paths are literal routes (no
//! `{id}` pattern for every later request to be matched against).

mod callback;
mod connections;
mod login;

use actix_session::Session;
use actix_web::{
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};

use crate::{
    app::oidc::Refusal,
    oidc::{end_session_url, OidcError, Provider},
    render::{auth_page_base, OidcErrorContext, ProviderButton},
    security::{
        headers::csp_with_form_targets, redirect::with_next, request_origin::public_origin,
    },
    session::keys,
    settings::Settings,
    Auth,
};

/// The path of the connections page.
pub(super) const CONNECTIONS_PATH: &str = "/account/connections";

/// Mounts every provider's routes and the connections page.
pub(super) fn mount(auth: &Auth, cfg: &mut web::ServiceConfig) {
    for p in auth.inner.oidc.all() {
        let id = p.settings.id.clone();
        let (show, start, back) = (id.clone(), id.clone(), id);
        cfg.service(
            web::resource(format!("/oidc/{}/login", p.settings.id))
                .route(web::get().to(move |req: HttpRequest| login::show(req, show.clone())))
                .route(
                    web::post().to(move |req: HttpRequest, payload: web::Payload| {
                        login::start(req, payload, start.clone())
                    }),
                ),
        );
        cfg.route(
            &format!("/oidc/{}/callback", p.settings.id),
            web::get().to(move |req: HttpRequest, session: Session| {
                callback::finish(req, session, back.clone())
            }),
        );
    }
    cfg.service(
        web::resource(CONNECTIONS_PATH)
            .route(web::get().to(connections::show))
            .route(web::post().to(connections::submit)),
    );
}

/// The redirect URI registered at the provider: `auth.site_origin` +
/// `/oidc/{id}/callback`, or, with `site_origin` unset, the request's own
/// origin (forwarded headers only from trusted proxies). The flow cookie
/// carries it to the code exchange, which must send the very same URI.
pub(crate) fn callback_url(
    settings: &Settings,
    req: &HttpRequest,
    id: &str,
) -> Result<String, OidcError> {
    let origin = public_origin(settings, req).map_err(|e| OidcError::BadOrigin(e.to_string()))?;
    Ok(format!("{}/oidc/{id}/callback", origin.serialized))
}

/// `provider`'s button, POSTing to its login path with the safe `next`.
pub(super) fn button(
    settings: &Settings,
    provider: &Provider,
    next: Option<&str>,
) -> ProviderButton {
    let p = &provider.settings;
    let action = with_next(&format!("/oidc/{}/login", p.id), next);
    ProviderButton {
        label: settings
            .oidc
            .messages
            .sign_in_with
            .replace("{provider}", &p.display_name),
        action,
        icon: p.icon.clone(),
    }
}

/// Every configured provider's button (the login page).
pub(super) fn buttons(auth: &Auth, next: Option<&str>) -> Vec<ProviderButton> {
    auth.inner
        .oidc
        .all()
        .iter()
        .map(|p| button(auth.settings(), p, next))
        .collect()
}

/// Sets the CSP of a page whose forms lead to providers: `form-action`
/// allows their authorization endpoints' origins (and, with
/// `rp_initiated_logout`, their end-session endpoints'), no others. A
/// provider not discovered yet counts by its issuer's origin, and its
/// discovery starts in the background.
pub(super) fn allow_provider_forms(auth: &Auth, res: &mut HttpResponse) {
    let registry = &auth.inner.oidc;
    if registry.is_empty() {
        return;
    }
    let mut origins = Vec::new();
    for p in registry.all() {
        match registry.cached(p) {
            Some(d) => {
                origins.push(origin_of(d.metadata.authorization_endpoint().as_str()));
                if p.settings.rp_initiated_logout {
                    if let Some(end) = &d.metadata.additional_metadata().end_session_endpoint {
                        origins.push(origin_of(end.as_str()));
                    }
                }
            }
            None => {
                origins.push(origin_of(&p.settings.issuer));
                let (auth, p) = (auth.clone(), std::sync::Arc::clone(p));
                actix_web::rt::spawn(async move {
                    if let Err(e) = auth.inner.oidc.discovered(&p).await {
                        tracing::warn!(error = %e, "OpenID discovery failed");
                    }
                });
            }
        }
    }
    origins.sort();
    origins.dedup();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        csp_with_form_targets(&origins),
    );
}

fn origin_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// Where logout sends the browser after the local logout: the provider's
/// end-session endpoint when this session came from a provider with
/// `rp_initiated_logout` (and its ID token was kept), else `None`.
pub(super) async fn end_session(
    auth: &Auth,
    req: &HttpRequest,
    session: &Session,
) -> Option<String> {
    let backend = Auth::signed_in_backend(session)?;
    let id = backend.strip_prefix("oidc:")?;
    let provider = auth.inner.oidc.get(id).ok()?;
    if !provider.settings.rp_initiated_logout {
        return None;
    }
    let id_token: String = session.get(keys::OIDC_ID_TOKEN).ok().flatten()?;
    let d = match auth.inner.oidc.discovered(&provider).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "no provider logout: discovery failed");
            return None;
        }
    };
    let s = auth.settings();
    // With `site_origin` unset, back to the origin this logout came to.
    let origin = match public_origin(s, req) {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!(error = %e, "no provider logout: no post-logout URL");
            return None;
        }
    };
    let back = format!("{}{}", origin.serialized, s.auth.logout_redirect_url);
    end_session_url(&d, &provider.settings.client_id, &id_token, &back)
}

/// What failed, as the error page says it.
pub(super) enum Failure {
    Oidc(OidcError),
    Refused(Refusal),
}

/// The branded error page of a failed sign-in, with a retry link to
/// `retry_url`. Logged without secrets; never a 500.
pub(super) fn failure_page(
    auth: &Auth,
    provider: &Provider,
    failure: Failure,
    retry_url: &str,
) -> HttpResponse {
    let s = auth.settings();
    let m = &s.oidc.messages;
    let name = &provider.settings.display_name;
    let (status, text) = match &failure {
        Failure::Oidc(e) => {
            tracing::warn!(provider = %provider.settings.id, error = %e, "OpenID sign-in failed");
            match e {
                OidcError::Unavailable { .. } => (StatusCode::BAD_GATEWAY, &m.unavailable),
                OidcError::BadOrigin(_) => (StatusCode::BAD_REQUEST, &m.bad_origin),
                e if e.is_cancelled() => (StatusCode::BAD_REQUEST, &m.cancelled),
                _ => (StatusCode::BAD_REQUEST, &m.failed),
            }
        }
        Failure::Refused(r) => {
            tracing::info!(provider = %provider.settings.id, refusal = ?r, "OpenID sign-in refused");
            let text = match r {
                Refusal::EmailInUse => &m.email_in_use,
                Refusal::Inactive => &m.inactive,
                Refusal::LinkedElsewhere => &m.linked_elsewhere,
                Refusal::NoUsername => &m.no_username,
            };
            (StatusCode::FORBIDDEN, text)
        }
    };
    let ctx = OidcErrorContext {
        base: auth_page_base(s, &m.error_heading, None),
        status: status.as_u16(),
        heading: m.error_heading.clone(),
        message: text.replace("{provider}", name),
        retry_url: retry_url.to_owned(),
        retry_label: m.retry.clone(),
    };
    auth.page_response(auth.renderer().oidc_error(&ctx), status)
}

/// The login page, keeping `next`: where a failed sign-in retries.
pub(super) fn login_retry(settings: &Settings, next: Option<&str>) -> String {
    with_next(&settings.auth.login_url, next)
}
