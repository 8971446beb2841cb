//! `/account/connections`: the signed-in user's providers, each with a
//! button to connect it (a sign-in at the provider, bound to this account)
//! or disconnect it, never the last way in. Either asks a sign-in older
//! than `auth.reauthentication_timeout` for the password first.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    super::{reauthenticate, respond},
    allow_provider_forms,
    login::redirect_to_provider,
    CONNECTIONS_PATH,
};
use crate::{
    render::{auth_page_base, ConnectionRow, ConnectionsContext},
    Auth, User,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConnectionForm {
    action: String,
    provider: String,
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    match respond::visit_signed_in(&req).await {
        Ok((auth, user)) => render(&auth, &req, &user, None, StatusCode::OK).await,
        Err(res) => res,
    }
}

pub(super) async fn submit(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (auth, user) = match respond::visit_signed_in(&req).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let f: ConnectionForm = match respond::posted(&req, payload).await {
        Ok((_, f)) => f,
        Err(res) => return res,
    };
    // A stolen session must not bind the attacker's provider account (a
    // way back in) or remove the owner's: an old sign-in proves itself
    // first, as before an email change (allauth asks the same).
    if let Err(res) = reauthenticate::require_recent(&auth, &req, CONNECTIONS_PATH).await {
        return res;
    }
    if auth.inner.oidc.get(&f.provider).is_err() {
        return auth.status_page(StatusCode::BAD_REQUEST);
    }
    match f.action.as_str() {
        "connect" => redirect_to_provider(&auth, &req, &f.provider, None, Some(user.id)).await,
        "disconnect" => match auth.oidc_disconnect(&user, &f.provider).await {
            Ok(true) => respond::see_other(CONNECTIONS_PATH),
            Ok(false) => {
                let m = auth.settings().oidc.messages.last_way_in.clone();
                render(&auth, &req, &user, Some(m), StatusCode::CONFLICT).await
            }
            Err(e) => auth.failure_page(&e),
        },
        _ => auth.status_page(StatusCode::BAD_REQUEST),
    }
}

async fn render(
    auth: &Auth,
    req: &HttpRequest,
    user: &User,
    error: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let s = auth.settings();
    let m = &s.oidc.messages;
    let linked = match auth.oidc_identities(user).await {
        Ok(l) => l,
        Err(e) => return auth.failure_page(&e),
    };
    let token = match auth.form_token(req) {
        Ok(t) => t,
        Err(res) => return res,
    };
    let rows = s
        .oidc
        .providers
        .iter()
        .map(|p| {
            let email = linked
                .iter()
                .find(|(provider, _)| *provider == p.id)
                .map(|(_, email)| email.clone());
            ConnectionRow {
                name: p.display_name.clone(),
                provider: p.id.clone(),
                connected: email.is_some(),
                status: if email.is_some() {
                    m.connected.clone()
                } else {
                    m.not_connected.clone()
                },
                email: email.unwrap_or_default(),
            }
        })
        .collect();
    let ctx = ConnectionsContext {
        base: auth_page_base(s, &m.connections_heading, Some(user.username.clone())),
        heading: m.connections_heading.clone(),
        action: CONNECTIONS_PATH.to_owned(),
        csrf_token: token,
        rows,
        error,
        connect_button: m.connect_button.clone(),
        disconnect_button: m.disconnect_button.clone(),
    };
    let mut res = auth.page_response(auth.renderer().connections(&ctx), status);
    allow_provider_forms(auth, &mut res);
    res
}
