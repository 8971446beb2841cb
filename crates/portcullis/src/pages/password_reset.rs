//! Password reset by email: the request form, its "check your email" page,
//! the link (whose token moves into the session before the form is shown,
//! so it never leaks through `Referer` or history, as Django does), the
//! set-a-new-password form and the page after it.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    account::{link, no_referrer, notice, FormPage},
    fields::{email_field, new_password_pair},
    respond,
};
use crate::{
    accounts::FieldErrors, app::ResetOutcome, error::AuthError, render::Notice,
    security::ratelimit::Action, session::keys, Auth,
};

/// The path segment that stands for the token once it is in the session.
const SET_PASSWORD: &str = "set-password";

#[derive(Deserialize, Default)]
#[serde(default)]
struct RequestForm {
    email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetForm {
    new_password1: String,
    new_password2: String,
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    match respond::auth(&req) {
        Ok(auth) => render_request(&auth, &req, "", &FieldErrors::default()),
        Err(res) => res,
    }
}

pub(super) async fn submit(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (auth, f): (_, RequestForm) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    let a = &auth.settings().auth;
    let m = &a.messages;
    let email = f.email.trim();
    if email.is_empty() {
        let errors = FieldErrors {
            email: vec![m.field_required.clone()],
            ..Default::default()
        };
        return render_request(&auth, &req, email, &errors);
    }
    // Per address and per client; the same 429 whether the address has an
    // account or not.
    if let Err(res) = respond::count_attempt(
        &auth,
        &req,
        &[Action::ResetPassword],
        Some(email),
        &auth.settings().auth.messages.too_many_attempts,
    )
    .await
    {
        return res;
    }
    match auth.request_password_reset(email).await {
        Ok(()) => respond::see_other(&format!("{}/done", a.password_reset_url)),
        Err(e) => auth.failure_page(&e),
    }
}

/// "Check your email": the same page whether a mail went out or not.
pub(super) async fn done(req: HttpRequest) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let a = &auth.settings().auth;
    let m = &a.messages;
    notice(
        &auth,
        &req,
        Notice::PasswordResetSent,
        &m.password_reset_sent_heading,
        vec![m.password_reset_sent_message.clone()],
        None,
        vec![link(&a.login_url, &m.login_prompt)],
    )
}

/// The link from the mail: a valid token goes into the session and the
/// browser on to the token-less form; anything else gets the "no longer
/// valid" page.
pub(super) async fn link_get(
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let (uid, token) = path.into_inner();
    let base = &auth.settings().auth.password_reset_url;
    if token == SET_PASSWORD {
        return set_form(&auth, &req, &session, &uid).await;
    }
    match auth.reset_link_user(&uid, &token).await {
        Ok(Some(_)) => {
            if session.insert(keys::RESET_TOKEN, &token).is_err() {
                return auth.failure_page(&AuthError::Session("storing the reset token".into()));
            }
            no_referrer(respond::see_other(&format!(
                "{base}/confirm/{uid}/{SET_PASSWORD}"
            )))
        }
        Ok(None) => invalid(&auth, &req),
        Err(e) => auth.failure_page(&e),
    }
}

/// The token this browser's session holds for `uid`, and its account while valid.
async fn session_target(
    auth: &Auth,
    session: &Session,
    uid: &str,
) -> Result<Option<crate::db::users::UserRow>, AuthError> {
    let Some(token) = session.get::<String>(keys::RESET_TOKEN).ok().flatten() else {
        return Ok(None);
    };
    auth.reset_link_user(uid, &token).await
}

async fn set_form(auth: &Auth, req: &HttpRequest, session: &Session, uid: &str) -> HttpResponse {
    match session_target(auth, session, uid).await {
        Ok(Some(_)) => render_set(auth, req, uid, &FieldErrors::default()),
        Ok(None) => invalid(auth, req),
        Err(e) => auth.failure_page(&e),
    }
}

pub(super) async fn link_post(
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (auth, f): (_, SetForm) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    let (uid, segment) = path.into_inner();
    if segment != SET_PASSWORD {
        return invalid(&auth, &req);
    }
    if let Err(res) = respond::count_attempt(
        &auth,
        &req,
        &[Action::ResetPasswordFromKey],
        None,
        &auth.settings().auth.messages.too_many_attempts,
    )
    .await
    {
        return res;
    }
    let row = match session_target(&auth, &session, &uid).await {
        Ok(Some(row)) => row,
        Ok(None) => return invalid(&auth, &req),
        Err(e) => return auth.failure_page(&e),
    };
    match auth
        .finish_password_reset(&row, &f.new_password1, &f.new_password2)
        .await
    {
        Ok(ResetOutcome::Done(row)) => {
            session.remove(keys::RESET_TOKEN);
            let a = &auth.settings().auth;
            if a.post_reset_login {
                let user = match auth.user_by_id(row.id).await {
                    Ok(Some(u)) => u,
                    Ok(None) => return invalid(&auth, &req),
                    Err(e) => return auth.failure_page(&e),
                };
                return match auth.login(&session, &user).await {
                    Ok(()) => respond::see_other(&a.login_redirect_url),
                    Err(e) => auth.failure_page(&e),
                };
            }
            respond::see_other(&format!("{}/complete", a.password_reset_url))
        }
        Ok(ResetOutcome::Refused(errors)) => render_set(&auth, &req, &uid, &errors),
        Ok(ResetOutcome::LinkDead) => {
            session.remove(keys::RESET_TOKEN);
            invalid(&auth, &req)
        }
        Err(e @ AuthError::Hash(_)) => {
            tracing::warn!(error = %e, "password reset shed: hashing queue full");
            auth.busy_page()
        }
        Err(e) => auth.failure_page(&e),
    }
}

/// After the reset: sign in with the new password.
pub(super) async fn complete(req: HttpRequest) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let a = &auth.settings().auth;
    let m = &a.messages;
    notice(
        &auth,
        &req,
        Notice::PasswordResetComplete,
        &m.password_reset_complete_heading,
        vec![m.password_reset_complete_message.clone()],
        None,
        vec![link(&a.login_url, &m.login_button)],
    )
}

/// "This link is no longer valid", with the way to ask for a new one.
fn invalid(auth: &Auth, req: &HttpRequest) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    notice(
        auth,
        req,
        Notice::PasswordResetLinkInvalid,
        &m.link_invalid_heading,
        vec![m.password_reset_link_invalid.clone()],
        None,
        vec![link(&a.password_reset_url, &m.request_new_link)],
    )
}

fn render_request(
    auth: &Auth,
    req: &HttpRequest,
    email: &str,
    errors: &FieldErrors,
) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    FormPage {
        heading: m.password_reset_heading.clone(),
        intro: vec![m.password_reset_intro.clone()],
        action: a.password_reset_url.clone(),
        fields: vec![email_field(a, email, errors)],
        form_errors: Vec::new(),
        button: m.password_reset_button.clone(),
        links: vec![link(&a.login_url, &m.login_prompt)],
    }
    .respond(auth, req, None, |r, ctx| r.password_reset(ctx))
}

fn render_set(auth: &Auth, req: &HttpRequest, uid: &str, errors: &FieldErrors) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    FormPage {
        heading: m.password_reset_confirm_heading.clone(),
        intro: Vec::new(),
        action: format!("{}/confirm/{uid}/{SET_PASSWORD}", a.password_reset_url),
        fields: new_password_pair(a, errors),
        form_errors: Vec::new(),
        button: m.password_reset_confirm_button.clone(),
        links: Vec::new(),
    }
    .respond(auth, req, None, |r, ctx| r.password_reset_confirm(ctx))
}
