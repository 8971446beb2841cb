//! What the account pages (password change and reset, email confirmation
//! and change) share: their form page, their notice pages, and the
//! `Referrer-Policy` of the answer to a URL that carries a token.

use actix_web::{
    http::{
        header::{self, HeaderValue},
        StatusCode,
    },
    HttpRequest, HttpResponse,
};

use super::fields::focus_first;
use crate::{
    render::{
        auth_page_base, error_title, AccountFormContext, ButtonForm, FieldContext, FormError,
        LinkContext, Notice, NoticeContext, RenderError,
    },
    Auth,
};

/// A form page, drawn by `draw` (one of the renderer's methods).
pub(super) struct FormPage {
    pub(super) heading: String,
    pub(super) intro: Vec<String>,
    pub(super) action: String,
    pub(super) fields: Vec<FieldContext>,
    pub(super) form_errors: Vec<String>,
    pub(super) button: String,
    pub(super) links: Vec<LinkContext>,
}

impl FormPage {
    pub(super) fn respond(
        mut self,
        auth: &Auth,
        req: &HttpRequest,
        signed_in_as: Option<String>,
        draw: impl FnOnce(
            &dyn crate::render::Renderer,
            &AccountFormContext,
        ) -> Result<String, RenderError>,
    ) -> HttpResponse {
        let token = match auth.form_token(req) {
            Ok(t) => t,
            Err(res) => return res,
        };
        focus_first(&mut self.fields);
        let errors = FormError::collect(&self.form_errors, &self.fields);
        let mut base = auth_page_base(auth.settings(), &self.heading, signed_in_as);
        if !errors.is_empty() {
            base.title = error_title(auth.settings(), &self.heading);
        }
        let ctx = AccountFormContext {
            base,
            heading: self.heading,
            intro: self.intro,
            action: self.action,
            csrf_token: token,
            fields: self.fields,
            errors,
            button: self.button,
            links: self.links,
        };
        auth.page_response(draw(auth.renderer(), &ctx), StatusCode::OK)
    }
}

/// A notice page: `heading`, `paragraphs`, maybe one button (its action
/// and label), then `links`; its status follows from `which`.
pub(super) fn notice(
    auth: &Auth,
    req: &HttpRequest,
    which: Notice,
    heading: &str,
    paragraphs: Vec<String>,
    button: Option<(&str, &str)>,
    links: Vec<LinkContext>,
) -> HttpResponse {
    let status = match which {
        Notice::PasswordResetLinkInvalid | Notice::VerificationLinkInvalid => {
            StatusCode::BAD_REQUEST
        }
        Notice::VerificationRequired => StatusCode::FORBIDDEN,
        _ => StatusCode::OK,
    };
    let form = match button {
        Some((action, label)) => match auth.form_token(req) {
            Ok(csrf_token) => Some(ButtonForm {
                action: action.to_owned(),
                csrf_token,
                button: label.to_owned(),
            }),
            Err(res) => return res,
        },
        None => None,
    };
    let ctx = NoticeContext {
        base: auth_page_base(auth.settings(), heading, None),
        notice: which,
        heading: heading.to_owned(),
        paragraphs,
        form,
        links,
    };
    auth.page_response(auth.renderer().notice(&ctx), status)
}

/// A link under a form or notice.
pub(super) fn link(href: &str, label: &str) -> LinkContext {
    LinkContext {
        href: href.to_owned(),
        label: label.to_owned(),
    }
}

/// `Referrer-Policy: no-referrer`, for the answer to a URL that carries a
/// token (OWASP's Forgot Password sheet). Only where no form follows:
/// under `no-referrer` browsers send `Origin: null` with a form's POST,
/// which the CSRF check refuses. Every other page keeps `same-origin`, so
/// no URL of ours reaches another site either way.
pub(super) fn no_referrer(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}
