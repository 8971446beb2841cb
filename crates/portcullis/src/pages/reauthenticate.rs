//! The reauthentication page: a signed-in user whose sign-in is older than
//! `auth.reauthentication_timeout` types their password again before a
//! sensitive change (the email-change page sends them here, and they come
//! back to it).

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    account::{link, notice, FormPage},
    fields::field,
    form, respond,
};
use crate::{
    accounts::FieldErrors,
    app::Reauthentication,
    error::AuthError,
    render::Notice,
    security::{ratelimit::Action, redirect::with_next},
    Auth, User,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReauthForm {
    password: String,
}

/// The prologue of a sensitive page: nothing when the session proved who
/// its user is recently, else a 303 to the reauthentication page, which
/// sends the browser back to `back` (a local path) afterwards.
pub(super) async fn require_recent(
    auth: &Auth,
    req: &HttpRequest,
    back: &str,
) -> Result<(), HttpResponse> {
    match auth.recently_authenticated(req).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(respond::see_other(&with_next(
            &auth.settings().auth.reauthenticate_url,
            Some(back),
        ))),
        Err(e) => Err(auth.failure_page(&e)),
    }
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    let (auth, user) = match respond::visit_signed_in(&req).await {
        Ok(visit) => visit,
        Err(res) => return res,
    };
    match auth.has_password(&user).await {
        Ok(true) => render(&auth, &req, &user, &FieldErrors::default()),
        Ok(false) => no_password(&auth, &req),
        Err(e) => auth.failure_page(&e),
    }
}

pub(super) async fn submit(
    req: HttpRequest,
    session: Session,
    payload: web::Payload,
) -> HttpResponse {
    let (auth, f, user): (_, ReauthForm, _) =
        match respond::posted_by_user(&req, payload, Action::Reauthenticate).await {
            Ok(posted) => posted,
            Err(res) => return res,
        };
    match auth.reauthenticate(&session, &user, &f.password).await {
        Ok(Reauthentication::Done) => {
            let next = form::query_next(&req);
            respond::see_other(&respond::target(
                next.as_deref(),
                &auth.settings().auth.login_redirect_url,
            ))
        }
        Ok(Reauthentication::Refused) => {
            let mut errors = FieldErrors::default();
            errors
                .form
                .push(auth.settings().auth.messages.password_incorrect.clone());
            render(&auth, &req, &user, &errors)
        }
        Ok(Reauthentication::NoPassword) => no_password(&auth, &req),
        Err(e @ AuthError::Hash(_)) => {
            tracing::warn!(error = %e, "reauthentication shed: hashing queue full");
            auth.busy_page()
        }
        Err(e) => auth.failure_page(&e),
    }
}

/// This page's own address with the request's safe `next`, so the form posts it back.
fn action(auth: &Auth, req: &HttpRequest) -> String {
    with_next(
        &auth.settings().auth.reauthenticate_url,
        form::query_next(req).as_deref(),
    )
}

fn render(auth: &Auth, req: &HttpRequest, user: &User, errors: &FieldErrors) -> HttpResponse {
    let m = &auth.settings().auth.messages;
    // The wrong password shows under its field.
    let password = field(
        "password",
        &m.password_label,
        "password",
        "",
        &errors.form,
        "current-password",
        0,
    );
    FormPage {
        heading: m.reauthenticate_heading.clone(),
        intro: vec![m.reauthenticate_intro.clone()],
        action: action(auth, req),
        fields: vec![password],
        form_errors: Vec::new(),
        button: m.reauthenticate_button.clone(),
        links: Vec::new(),
    }
    .respond(auth, req, Some(user.username.clone()), |r, ctx| {
        r.reauthenticate(ctx)
    })
}

/// An account without a password proves itself by signing in again.
fn no_password(auth: &Auth, req: &HttpRequest) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    notice(
        auth,
        req,
        Notice::ReauthenticationNeeded,
        &m.reauthenticate_heading,
        vec![m.reauthenticate_no_password.clone()],
        Some((&a.logout_url, &m.logout_button)),
        vec![link(&a.login_redirect_url, &m.home_link)],
    )
}
