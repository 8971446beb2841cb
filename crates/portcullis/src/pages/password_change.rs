//! The password-change page (signed-in users): current password, new
//! password twice. This session stays, every other one ends.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    account::{link, notice, FormPage},
    fields::field,
    respond,
};
use crate::{
    accounts::FieldErrors,
    error::AuthError,
    guard::require_login,
    render::Notice,
    security::{client_ip::client_ip, ratelimit::Action},
    Auth, User,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeForm {
    old_password: String,
    new_password1: String,
    new_password2: String,
}

/// The signed-in user, or the guards' answer (login redirect, 401 JSON).
pub(super) async fn signed_in(req: &HttpRequest) -> Result<User, HttpResponse> {
    require_login(req)
        .await
        .map_err(|e| e.as_response_error().error_response())
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    match signed_in(&req).await {
        Ok(user) => render(&auth, &req, &user, &FieldErrors::default()),
        Err(res) => res,
    }
}

pub(super) async fn submit(
    req: HttpRequest,
    session: Session,
    payload: web::Payload,
) -> HttpResponse {
    let (auth, f): (_, ChangeForm) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    let user = match signed_in(&req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let ip = client_ip(&req, auth.settings().security.trusted_proxy_count);
    let key = format!("user:{}", user.id);
    match auth
        .rate_limiter()
        .consume(&[Action::ChangePassword], ip, Some(&key))
        .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(limited)) => {
            let m = &auth.settings().auth.messages;
            return respond::rate_limited(&auth, &req, &limited, &m.too_many_attempts);
        }
        Err(e) => return auth.failure_page(&e.into()),
    }
    match auth
        .change_password(
            &session,
            &user,
            &f.old_password,
            &f.new_password1,
            &f.new_password2,
        )
        .await
    {
        Ok(Ok(())) => respond::see_other(&format!(
            "{}/done",
            auth.settings().auth.password_change_url
        )),
        Ok(Err(errors)) => render(&auth, &req, &user, &errors),
        Err(e @ AuthError::Hash(_)) => {
            tracing::warn!(error = %e, "password change shed: hashing queue full");
            auth.busy_page()
        }
        Err(e) => auth.failure_page(&e),
    }
}

/// After a change: the notice, for the user still signed in here.
pub(super) async fn done(req: HttpRequest) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    if let Err(res) = signed_in(&req).await {
        return res;
    }
    let a = &auth.settings().auth;
    let m = &a.messages;
    notice(
        &auth,
        &req,
        Notice::PasswordChanged,
        &m.password_changed_heading,
        vec![m.password_changed_message.clone()],
        None,
        vec![link(&a.login_redirect_url, &m.home_link)],
    )
}

fn render(auth: &Auth, req: &HttpRequest, user: &User, errors: &FieldErrors) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    // The current password's problem shows under its field.
    let old = field(
        "old_password",
        &m.old_password_label,
        "password",
        "",
        &errors.form,
        "current-password",
        0,
    );
    let mut new1 = field(
        "new_password1",
        &m.new_password_label,
        "password",
        "",
        &errors.password,
        "new-password",
        0,
    );
    new1.help = m
        .password_help
        .replace("{min}", &a.password_min_length.to_string());
    let new2 = field(
        "new_password2",
        &m.new_password_confirm_label,
        "password",
        "",
        &errors.password_confirm,
        "new-password",
        0,
    );
    let mut links = Vec::new();
    if a.password_reset_enabled {
        links.push(link(&a.password_reset_url, &m.forgot_password_prompt));
    }
    FormPage {
        heading: m.password_change_heading.clone(),
        intro: Vec::new(),
        action: a.password_change_url.clone(),
        fields: vec![old, new1, new2],
        form_errors: Vec::new(),
        button: m.password_change_button.clone(),
        links,
    }
    .respond(auth, req, Some(user.username.clone()), |r, ctx| {
        r.password_change(ctx)
    })
}
