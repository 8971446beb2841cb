//! The signup page.

use actix_session::Session;
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    fields::{field, focus_first},
    form, respond, verify_email,
};
use crate::{
    accounts::{create::confirm_errors, FieldErrors, NewUser},
    error::AuthError,
    render::{auth_page_base, error_title, FormError, SignupContext},
    security::{client_ip::client_ip, ratelimit::Action, redirect::safe_next},
    settings::EmailVerification,
    Auth,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignupForm {
    username: String,
    email: String,
    password1: String,
    password2: String,
    next: Option<String>,
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    let respond::Visit { auth, next, .. } = match respond::visit(&req, true).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    render(
        &auth,
        &req,
        &SignupForm {
            next,
            ..Default::default()
        },
        &FieldErrors::default(),
        StatusCode::OK,
    )
}

pub(super) async fn submit(
    req: HttpRequest,
    session: Session,
    payload: web::Payload,
) -> HttpResponse {
    let (auth, mut f): (_, SignupForm) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    if f.next.is_none() {
        f.next = form::query_next(&req);
    }
    let m = &auth.settings().auth.messages;
    // Every POST counts, before the password is hashed.
    let ip = client_ip(&req, auth.settings().security.trusted_proxy_count);
    match auth
        .rate_limiter()
        .consume(&[Action::Signup], ip, None)
        .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(limited)) => {
            return respond::rate_limited(&auth, &req, &limited, &m.too_many_attempts)
        }
        Err(e) => return auth.failure_page(&e.into()),
    }
    let mismatch = FieldErrors {
        password_confirm: confirm_errors(&f.password1, &f.password2, m),
        ..Default::default()
    };
    let new = NewUser::new(f.username.trim(), f.email.trim(), f.password1.clone());
    let a = &auth.settings().auth;
    // With verification on, an address that has an account is not
    // revealed: the owner is mailed, the visitor sees "check your email".
    let verifying = a.email_verification != EmailVerification::None;
    match auth.create_checked(new, true, mismatch).await {
        Ok(Ok(user)) => {
            if verifying {
                if let Err(e) = auth.mail_verification_of(user.id).await {
                    return auth.failure_page(&e);
                }
                return respond::see_other(&verify_email::sent_path(&auth));
            }
            match auth.login(&session, &user).await {
                Ok(()) => {
                    respond::see_other(&respond::target(f.next.as_deref(), &a.signup_redirect_url))
                }
                Err(e) => auth.failure_page(&e),
            }
        }
        Ok(Err(mut errors)) => {
            if verifying && errors.email.contains(&m.email_taken) {
                errors.email.retain(|e| e != &m.email_taken);
                if errors.is_empty() {
                    if let Err(e) = auth.mail_account_exists(&f.email).await {
                        return auth.failure_page(&e);
                    }
                    return respond::see_other(&verify_email::sent_path(&auth));
                }
            }
            render(&auth, &req, &f, &errors, StatusCode::OK)
        }
        Err(e @ AuthError::Hash(_)) => {
            tracing::warn!(error = %e, "signup shed: hashing queue full");
            auth.busy_page()
        }
        Err(e) => auth.failure_page(&e),
    }
}

fn render(
    auth: &Auth,
    req: &HttpRequest,
    f: &SignupForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> HttpResponse {
    let s = auth.settings();
    let a = &s.auth;
    let m = &a.messages;
    let token = match auth.form_token(req) {
        Ok(t) => t,
        Err(res) => return res,
    };
    let username = field(
        "username",
        &m.username_label,
        "text",
        &f.username,
        &errors.username,
        "username",
        150,
    );
    let email = field(
        "email",
        &m.email_label,
        "email",
        &f.email,
        &errors.email,
        "email",
        254,
    );
    let mut password1 = field(
        "password1",
        &m.password_label,
        "password",
        "",
        &errors.password,
        "new-password",
        // No maxlength on a new password: browsers cut a pasted one short
        // without a word. The validators report an overlong one instead.
        0,
    );
    password1.help = m
        .password_help
        .replace("{min}", &a.password_min_length.to_string());
    let password2 = field(
        "password2",
        &m.password_confirm_label,
        "password",
        "",
        &errors.password_confirm,
        "new-password",
        0,
    );
    let mut fields = [username, email, password1, password2];
    focus_first(&mut fields);
    let [username, email, password1, password2] = fields;
    let errors = FormError::collect(&errors.form, [&username, &email, &password1, &password2]);
    let mut base = auth_page_base(s, &m.signup_heading, None);
    if !errors.is_empty() {
        base.title = error_title(s, &m.signup_heading);
    }
    let ctx = SignupContext {
        base,
        heading: m.signup_heading.clone(),
        action: a.signup_url.clone(),
        csrf_token: token,
        username,
        email,
        password1,
        password2,
        form_errors: errors
            .iter()
            .filter(|e| e.field.is_empty())
            .map(|e| e.message.clone())
            .collect(),
        errors,
        button: m.signup_button.clone(),
        next: safe_next(f.next.as_deref()).map(str::to_owned),
        login_url: a.login_url.clone(),
        login_prompt: m.login_prompt.clone(),
    };
    auth.page_response(auth.inner.renderer.signup(&ctx), status)
}
