//! The email-change page (signed-in users): a link goes to the new
//! address, which replaces the old one only when the link is followed.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    account::{link, notice, FormPage},
    fields::field,
    reauthenticate, respond,
};
use crate::{accounts::FieldErrors, render::Notice, security::ratelimit::Action, Auth, User};

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeForm {
    email: String,
}

pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    let (auth, user) = match respond::visit_signed_in(&req).await {
        Ok(visit) => visit,
        Err(res) => return res,
    };
    if let Err(res) =
        reauthenticate::require_recent(&auth, &req, &auth.settings().auth.email_change_url).await
    {
        return res;
    }
    render(&auth, &req, &user, "", &FieldErrors::default())
}

pub(super) async fn submit(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (auth, f, user): (_, ChangeForm, _) =
        match respond::posted_by_user(&req, payload, Action::ManageEmail).await {
            Ok(posted) => posted,
            Err(res) => return res,
        };
    let a = &auth.settings().auth;
    let m = &a.messages;
    // Asked again on the POST: a form left open past the timeout, or
    // posted without the page, must not change the address.
    if let Err(res) = reauthenticate::require_recent(&auth, &req, &a.email_change_url).await {
        return res;
    }
    match auth.request_email_change(&user, &f.email).await {
        Ok(Ok(())) => notice(
            &auth,
            &req,
            Notice::VerificationSent,
            &m.verification_sent_heading,
            vec![m
                .email_change_sent_message
                .replace("{email}", f.email.trim())],
            None,
            vec![link(&a.email_change_url, &m.email_change_heading)],
        ),
        Ok(Err(errors)) => render(&auth, &req, &user, &f.email, &errors),
        Err(e) => auth.failure_page(&e),
    }
}

fn render(
    auth: &Auth,
    req: &HttpRequest,
    user: &User,
    value: &str,
    errors: &FieldErrors,
) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    let mut intro = Vec::new();
    if !user.email.is_empty() {
        intro.push(m.email_change_current.replace("{email}", &user.email));
        if !user.email_verified {
            intro.push(m.email_unconfirmed.clone());
        }
    }
    FormPage {
        heading: m.email_change_heading.clone(),
        intro,
        action: a.email_change_url.clone(),
        fields: vec![field(
            "email",
            &m.new_email_label,
            "email",
            value,
            &errors.email,
            "email",
            254,
        )],
        form_errors: Vec::new(),
        button: m.email_change_button.clone(),
        links: Vec::new(),
    }
    .respond(auth, req, Some(user.username.clone()), |r, ctx| {
        r.email_change(ctx)
    })
}
