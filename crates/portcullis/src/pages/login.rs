//! The login page: username and/or email per `auth.login_fields`. A POST is
//! counted against the login limits before any password is hashed.

use actix_session::Session;
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{form, respond, verify_email};
use crate::{
    error::AuthError,
    render::{auth_page_base, error_title, FieldContext, FormError, LoginContext},
    security::{
        client_ip::client_ip,
        ratelimit::{Action, Usage},
        redirect::safe_next,
    },
    settings::{EmailVerification, LoginField},
    Auth, AuthBackend as _, PasswordBackend, PasswordCredentials,
};

/// Longest accepted login value; longer ones cannot match any account.
const MAX_LOGIN_CHARS: usize = 254;

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    let respond::Visit { auth, next, user } = match respond::visit(&req, true).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    render(
        &auth,
        &req,
        "",
        None,
        next.as_deref(),
        user.map(|u| u.username),
        StatusCode::OK,
    )
}

pub(super) async fn submit(
    req: HttpRequest,
    session: Session,
    payload: web::Payload,
) -> HttpResponse {
    let (auth, f): (_, LoginForm) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    if !auth.settings().oidc.only_provider.is_empty() {
        // A provider is the only way in: no password sign-in at all.
        return auth.status_page(StatusCode::FORBIDDEN);
    }
    // POST `next` first, then the query string, as Django.
    let next = f.next.clone().or_else(|| form::query_next(&req));
    let m = &auth.settings().auth.messages;
    let failed = |auth: &Auth| {
        render(
            auth,
            &req,
            &f.login,
            Some(m.login_failed.clone()),
            next.as_deref(),
            None,
            StatusCode::OK,
        )
    };
    // Counted before the hash: a refused attempt costs no hashing time, so
    // a flood cannot starve real users of it.
    let ip = client_ip(&req, auth.settings().security.trusted_proxy_count);
    let usage = match auth
        .rate_limiter()
        .consume(&[Action::Login, Action::LoginFailed], ip, Some(&f.login))
        .await
    {
        Ok(Ok(usage)) => usage,
        Ok(Err(limited)) => {
            return respond::rate_limited(&auth, &req, &limited, &m.too_many_login_attempts)
        }
        Err(e) => return auth.failure_page(&e.into()),
    };
    if f.login.chars().count() > MAX_LOGIN_CHARS {
        return failed(&auth);
    }
    let credentials = PasswordCredentials {
        login: f.login.clone(),
        password: f.password.clone(),
    };
    match PasswordBackend.authenticate(&auth, credentials).await {
        Ok(Some(user)) => {
            // A success is not a failure: take back this attempt's hits
            // (earlier failures stay counted).
            forgive(&usage).await;
            if auth.settings().auth.email_verification == EmailVerification::Mandatory
                && !user.email_verified
            {
                return verify_email::required(&auth, &req, &user).await;
            }
            match auth
                .sign_in(&session, &user, PasswordBackend::ID, next.as_deref())
                .await
            {
                Ok(location) => respond::see_other(&location),
                Err(e) => auth.failure_page(&e),
            }
        }
        Ok(None) => failed(&auth),
        Err(e @ AuthError::Hash(_)) => {
            tracing::warn!(error = %e, "login shed: hashing queue full");
            // Shed before its password was checked: not a failure to count.
            forgive(&usage).await;
            auth.busy_page()
        }
        Err(e) => auth.failure_page(&e),
    }
}

/// Takes back this attempt's failed-login hits. A store failure costs the
/// user one counted failure at worst: logged, not worth refusing the login.
async fn forgive(usage: &Usage) {
    if let Err(e) = usage.rollback(Action::LoginFailed).await {
        tracing::warn!(error = %e, "could not take back a login's failed-login hits");
    }
}

fn render(
    auth: &Auth,
    req: &HttpRequest,
    login_value: &str,
    error: Option<String>,
    next: Option<&str>,
    signed_in_as: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let s = auth.settings();
    let a = &s.auth;
    let m = &a.messages;
    let token = match auth.form_token(req) {
        Ok(t) => t,
        Err(res) => return res,
    };
    let (label, input_type, autocomplete) = match (
        a.accepts(LoginField::Username),
        a.accepts(LoginField::Email),
    ) {
        (true, true) => (&m.login_label_username_or_email, "text", "username"),
        // Password managers fill the account name into `username`.
        (false, true) => (&m.login_label_email, "email", "username"),
        _ => (&m.login_label_username, "text", "username"),
    };
    let mut base = auth_page_base(s, &m.login_heading, signed_in_as);
    if error.is_some() {
        base.title = error_title(s, &m.login_heading);
    }
    let login = FieldContext {
        name: "login".into(),
        label: label.clone(),
        input_type: input_type.into(),
        value: login_value.chars().take(MAX_LOGIN_CHARS).collect(),
        // The one failure message sits under the login field (and in the
        // summary), which marks the field invalid for assistive technology.
        errors: error.iter().cloned().collect(),
        autocomplete: autocomplete.into(),
        maxlength: MAX_LOGIN_CHARS,
        help: String::new(),
        autofocus: true,
    };
    let ctx = LoginContext {
        base,
        heading: m.login_heading.clone(),
        action: a.login_url.clone(),
        csrf_token: token,
        errors: FormError::collect(&[], [&login]),
        login,
        password: FieldContext {
            name: "password".into(),
            label: m.password_label.clone(),
            input_type: "password".into(),
            value: String::new(),
            errors: Vec::new(),
            autocomplete: "current-password".into(),
            maxlength: 0,
            help: String::new(),
            autofocus: false,
        },
        button: m.login_button.clone(),
        error,
        next: safe_next(next).map(str::to_owned),
        signup_url: a.signup_enabled.then(|| a.signup_url.clone()),
        signup_prompt: m.signup_prompt.clone(),
        password_reset_url: a
            .password_reset_enabled
            .then(|| a.password_reset_url.clone()),
        password_reset_prompt: m.forgot_password_prompt.clone(),
        providers: super::oidc::buttons(auth, next),
        password_form: s.oidc.only_provider.is_empty(),
        or_label: m.login_or.clone(),
    };
    let mut res = auth.page_response(auth.inner.renderer.login(&ctx), status);
    super::oidc::allow_provider_forms(auth, &mut res);
    res
}
