//! Email confirmation: the emailed link (a GET shows one button and
//! confirms nothing, since mail scanners follow links; the POST confirms),
//! the form that sends a link again, and the "check your email" page.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{
    account::{link, notice, FormPage},
    fields::email_field,
    respond,
};
use crate::{
    accounts::FieldErrors,
    render::Notice,
    security::{client_ip::client_ip, ratelimit::Action},
    Auth,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResendForm {
    email: String,
}

/// The resend form.
pub(super) async fn show(req: HttpRequest) -> HttpResponse {
    match respond::auth(&req) {
        Ok(auth) => render_resend(&auth, &req, "", &FieldErrors::default()),
        Err(res) => res,
    }
}

/// Sends a new link when the address has an unconfirmed account; the same
/// answer otherwise.
pub(super) async fn submit(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (auth, f): (_, ResendForm) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    let m = &auth.settings().auth.messages;
    let email = f.email.trim();
    if email.is_empty() {
        let errors = FieldErrors {
            email: vec![m.field_required.clone()],
            ..Default::default()
        };
        return render_resend(&auth, &req, email, &errors);
    }
    if let Err(res) = respond::count_attempt(
        &auth,
        &req,
        &[Action::ConfirmEmail],
        Some(email),
        &auth.settings().auth.messages.too_many_attempts,
    )
    .await
    {
        return res;
    }
    match auth.row_by_email(email).await {
        Ok(Some(row)) if row.is_active => auth.mail_verification(&row),
        Ok(_) => {}
        Err(e) => return auth.failure_page(&e),
    }
    respond::see_other(&sent_path(&auth))
}

/// Where the flows send the browser after mailing a link.
pub(super) fn sent_path(auth: &Auth) -> String {
    format!("{}/sent", auth.settings().auth.verify_email_url)
}

/// "Check your email".
pub(super) async fn sent(req: HttpRequest) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let a = &auth.settings().auth;
    let m = &a.messages;
    notice(
        &auth,
        &req,
        Notice::VerificationSent,
        &m.verification_sent_heading,
        vec![m.verification_sent_message.clone()],
        None,
        vec![link(&a.login_url, &m.login_prompt)],
    )
}

/// The link's page: one button; nothing is confirmed by a GET.
pub(super) async fn link_get(req: HttpRequest, token: web::Path<String>) -> HttpResponse {
    let auth = match respond::auth(&req) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let a = &auth.settings().auth;
    let m = &a.messages;
    match auth.email_link(&token).await {
        Ok(Some(target)) => notice(
            &auth,
            &req,
            Notice::ConfirmEmail,
            &m.verify_email_heading,
            vec![m.verify_email_confirm.replace("{email}", &target.address)],
            Some((req.path(), &m.verify_email_button)),
            Vec::new(),
        ),
        Ok(None) => invalid(&auth, &req),
        Err(e) => auth.failure_page(&e),
    }
}

/// The button: confirms the address the link names.
pub(super) async fn link_post(
    req: HttpRequest,
    token: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    // The form carries only the CSRF token (checked by the middleware).
    let (auth, _): (_, serde::de::IgnoredAny) = match respond::posted(&req, payload).await {
        Ok(posted) => posted,
        Err(res) => return res,
    };
    let a = &auth.settings().auth;
    let m = &a.messages;
    match auth.confirm_email_link(&token).await {
        Ok(Some(done)) => notice(
            &auth,
            &req,
            Notice::EmailVerified,
            &m.email_verified_heading,
            vec![m.email_verified_message.replace("{email}", &done.address)],
            None,
            vec![link(&a.login_url, &m.login_button)],
        ),
        Ok(None) => invalid(&auth, &req),
        Err(e) => auth.failure_page(&e),
    }
}

fn invalid(auth: &Auth, req: &HttpRequest) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    notice(
        auth,
        req,
        Notice::VerificationLinkInvalid,
        &m.link_invalid_heading,
        vec![m.verification_link_invalid.clone()],
        None,
        vec![link(&a.verify_email_url, &m.request_new_link)],
    )
}

fn render_resend(
    auth: &Auth,
    req: &HttpRequest,
    email: &str,
    errors: &FieldErrors,
) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    FormPage {
        heading: m.verify_email_resend_heading.clone(),
        intro: vec![m.verify_email_resend_intro.clone()],
        action: a.verify_email_url.clone(),
        fields: vec![email_field(a, email, errors)],
        form_errors: Vec::new(),
        button: m.verify_email_resend_button.clone(),
        links: vec![link(&a.login_url, &m.login_prompt)],
    }
    .respond(auth, req, None, |r, ctx| r.verify_email_resend(ctx))
}

/// The login page's answer to a right password on an unconfirmed address
/// under `auth.email_verification = "mandatory"`: a link is mailed (at
/// most one per `security.rate_limits.confirm_email`) and nobody is signed in.
pub(super) async fn required(auth: &Auth, req: &HttpRequest, user: &crate::User) -> HttpResponse {
    let a = &auth.settings().auth;
    let m = &a.messages;
    let ip = client_ip(req, auth.settings().security.trusted_proxy_count);
    match auth
        .rate_limiter()
        .consume(&[Action::ConfirmEmail], ip, Some(&user.email))
        .await
    {
        Ok(Ok(_)) => {
            if let Err(e) = auth.mail_verification_of(user.id).await {
                return auth.failure_page(&e);
            }
        }
        // Sent a moment ago: the page still says to look for it.
        Ok(Err(_)) => {}
        Err(e) => return auth.failure_page(&e.into()),
    }
    notice(
        auth,
        req,
        Notice::VerificationRequired,
        &m.verify_email_heading,
        vec![m.verification_required.clone()],
        None,
        vec![link(&a.verify_email_url, &m.verify_email_resend_heading)],
    )
}
