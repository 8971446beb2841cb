//! `/oidc/{id}/callback`: the browser back from the provider. The flow
//! cookie must match `state` and be fresh; the code is exchanged and the
//! ID token checked (`oidc/verify.rs`); then the account is found, linked or
//! made (`app/oidc.rs`) and signed in through `Auth::sign_in`, the one path
//! every backend takes. The flow cookie ends here whatever the outcome.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{super::respond, failure_page, login_retry, Failure, CONNECTIONS_PATH};
use crate::{
    app::oidc::OidcBackend,
    db,
    oidc::{exchange, FlowState, OidcError, Proven, Provider},
    session::keys,
    Auth,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

pub(super) async fn finish(req: HttpRequest, session: Session, id: String) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let registry = &auth.inner.oidc;
    let Ok(provider) = registry.get(&id) else {
        return auth.status_page(actix_web::http::StatusCode::NOT_FOUND);
    };
    let flow = registry.flow.read(&req);
    let mut res = handle(&auth, &req, &session, &provider, flow).await;
    if req.cookie(&registry.flow.name).is_some() {
        let _ = res.add_cookie(&registry.flow.removal());
    }
    res
}

async fn handle(
    auth: &Auth,
    req: &HttpRequest,
    session: &Session,
    provider: &Provider,
    flow: Option<FlowState>,
) -> HttpResponse {
    let q: CallbackQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let settings = auth.settings();
    let p = &provider.settings;
    let fail = |flow: Option<&FlowState>, e: Failure| {
        let retry = match flow {
            Some(f) if f.link_user.is_some() => CONNECTIONS_PATH.to_owned(),
            Some(f) => login_retry(settings, f.next.as_deref()),
            None => login_retry(settings, None),
        };
        failure_page(auth, provider, e, &retry)
    };
    let Some(flow) = flow.filter(|f| {
        q.state.as_deref().is_some_and(|state| {
            f.matches(&p.id, state, db::now(), settings.oidc.flow_max_age_secs)
        })
    }) else {
        return fail(None, Failure::Oidc(OidcError::BadState));
    };
    if let Some(code) = q.error {
        return fail(Some(&flow), Failure::Oidc(OidcError::Provider { code }));
    }
    // RFC 9207: with several providers, the answer must come from this one.
    if q.iss
        .as_deref()
        .is_some_and(|iss| iss.trim_end_matches('/') != p.issuer.trim_end_matches('/'))
    {
        return fail(Some(&flow), Failure::Oidc(OidcError::BadState));
    }
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        return fail(Some(&flow), Failure::Oidc(OidcError::BadState));
    };
    let proven = match exchange(&auth.inner.oidc, provider, &code, &flow).await {
        Ok(proven) => proven,
        Err(e) => return fail(Some(&flow), Failure::Oidc(e)),
    };
    match flow.link_user {
        Some(user_id) => connect(auth, req, user_id, &proven, provider).await,
        None => sign_in(auth, session, &flow, &proven, provider).await,
    }
}

async fn sign_in(
    auth: &Auth,
    session: &Session,
    flow: &FlowState,
    proven: &Proven,
    provider: &Provider,
) -> HttpResponse {
    let retry = login_retry(auth.settings(), flow.next.as_deref());
    let user = match OidcBackend.resolve(auth, proven).await {
        Ok(Ok(user)) => user,
        Ok(Err(refusal)) => return failure_page(auth, provider, Failure::Refused(refusal), &retry),
        Err(e) => return auth.failure_page(&e),
    };
    let backend = OidcBackend::session_id(&provider.settings.id);
    let location = match auth
        .sign_in(session, &user, &backend, flow.next.as_deref())
        .await
    {
        Ok(l) => l,
        Err(e) => return auth.failure_page(&e),
    };
    if provider.settings.rp_initiated_logout {
        // Server-side (the session row), for `id_token_hint` at logout only.
        if let Err(e) = session.insert(keys::OIDC_ID_TOKEN, &proven.id_token) {
            tracing::warn!(error = %e, "could not keep the ID token for logout");
        }
    }
    respond::see_other(&location)
}

async fn connect(
    auth: &Auth,
    req: &HttpRequest,
    user_id: i64,
    proven: &Proven,
    provider: &Provider,
) -> HttpResponse {
    // Only the user who asked may finish: the same session, still signed in.
    let user = match respond::user(auth, req).await {
        Ok(Some(u)) if u.id == user_id => u,
        Ok(_) => {
            return failure_page(
                auth,
                provider,
                Failure::Oidc(OidcError::BadState),
                CONNECTIONS_PATH,
            )
        }
        Err(res) => return res,
    };
    match auth.oidc_connect(&user, proven).await {
        Ok(Ok(())) => respond::see_other(CONNECTIONS_PATH),
        Ok(Err(refusal)) => {
            failure_page(auth, provider, Failure::Refused(refusal), CONNECTIONS_PATH)
        }
        Err(e) => auth.failure_page(&e),
    }
}
