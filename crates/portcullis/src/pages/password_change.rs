//! The password-change page (signed-in users): current password, new
//! password twice. This session stays, every other one ends.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    account::{link, notice, FormPage},
    fields::{field, new_password_pair},
    respond,
};
use crate::{
    accounts::FieldErrors, error::AuthError, render::Notice, security::ratelimit::Action, Auth,
    User,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeForm {
    old_password: String,
    new_password1: String,
    new_password2: String,
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    match respond::visit_signed_in(&req).await {
        Ok((auth, user)) => render(&auth, &req, &user, &FieldErrors::default()),
        Err(res) => res,
    }
}

pub(super) async fn submit(
    req: HttpRequest,
    session: Session,
    payload: web::Payload,
) -> HttpResponse {
    let (auth, f, user): (_, ChangeForm, _) =
        match respond::posted_by_user(&req, payload, Action::ChangePassword).await {
            Ok(posted) => posted,
            Err(res) => return res,
        };
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
    let auth = match respond::visit_signed_in(&req).await {
        Ok((auth, _)) => auth,
        Err(res) => return res,
    };
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
    let mut fields = vec![old];
    fields.extend(new_password_pair(a, errors));
    let mut links = Vec::new();
    if a.password_reset_enabled {
        links.push(link(&a.password_reset_url, &m.forgot_password_prompt));
    }
    FormPage {
        heading: m.password_change_heading.clone(),
        intro: Vec::new(),
        action: a.password_change_url.clone(),
        fields,
        form_errors: Vec::new(),
        button: m.password_change_button.clone(),
        links,
    }
    .respond(auth, req, Some(user.username.clone()), |r, ctx| {
        r.password_change(ctx)
    })
}
