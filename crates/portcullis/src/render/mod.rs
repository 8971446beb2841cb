//! Rendering pages: a [`Renderer`] with one method per page, askama
//! templates by default. Replace any page by implementing the method with
//! your own template over the same context.
//!
//! ```
//! use askama::Template;
//! use portcullis::render::{ErrorContext, LoginContext, RenderError, Renderer};
//!
//! #[derive(Template)]
//! #[template(source = "<h1>{{ ctx.heading }}</h1><form method=post><input type=hidden name=csrf_token value=\"{{ ctx.csrf_token }}\"></form>", ext = "html")]
//! struct MyLogin<'a> { ctx: &'a LoginContext }
//!
//! struct MyPages;
//! impl Renderer for MyPages {
//!     fn login(&self, ctx: &LoginContext) -> Result<String, RenderError> {
//!         Ok(MyLogin { ctx }.render()?)
//!     }
//! }
//! // Auth::builder(settings).renderer(MyPages).connect().await
//! ```

mod context;
mod page;
mod status;

use actix_web::{http::StatusCode, HttpResponse};

pub(crate) use page::page_response;
pub(crate) use status::{busy_page, failure_page, status_page};

pub use context::{
    ConnectionRow, ConnectionsContext, ErrorContext, FieldContext, LoginContext, LogoutContext,
    OidcConfirmContext, OidcErrorContext, PageBase, ProviderButton, SignupContext,
};

use crate::{security::headers::apply_page_headers, settings::Settings};

/// A template failed to render.
#[derive(Debug, thiserror::Error)]
#[error("while rendering a page: {0}")]
pub struct RenderError(#[from] pub askama::Error);

/// Renders each page; every method defaults to the shipped askama template.
pub trait Renderer: Send + Sync + 'static {
    /// The login page.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn login(&self, ctx: &LoginContext) -> Result<String, RenderError> {
        Ok(askama::Template::render(ctx)?)
    }

    /// The logout confirmation page.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn logout(&self, ctx: &LogoutContext) -> Result<String, RenderError> {
        Ok(askama::Template::render(ctx)?)
    }

    /// The signup page.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn signup(&self, ctx: &SignupContext) -> Result<String, RenderError> {
        Ok(askama::Template::render(ctx)?)
    }

    /// Error pages (400, 403, 404, 413, 429, 500, 503).
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn error(&self, ctx: &ErrorContext) -> Result<String, RenderError> {
        Ok(askama::Template::render(ctx)?)
    }

    /// The page a bare GET of `/oidc/{id}/login` shows (unless `oidc.login_on_get`).
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn oidc_confirm(&self, ctx: &OidcConfirmContext) -> Result<String, RenderError> {
        Ok(askama::Template::render(ctx)?)
    }

    /// A failed sign-in with a provider, with a retry link.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn oidc_error(&self, ctx: &OidcErrorContext) -> Result<String, RenderError> {
        Ok(askama::Template::render(ctx)?)
    }

    /// `/account/connections`: connect and disconnect providers.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn connections(&self, ctx: &ConnectionsContext) -> Result<String, RenderError> {
        Ok(askama::Template::render(ctx)?)
    }
}

/// The shipped templates.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultRenderer;

impl Renderer for DefaultRenderer {}

/// Path of the default stylesheet.
pub(crate) const STYLESHEET: &str = "/static/portcullis/portcullis.css";

/// The shared page fields from settings.
pub fn page_base(settings: &Settings, title: &str, signed_in_as: Option<String>) -> PageBase {
    let b = &settings.auth.branding;
    PageBase {
        title: title.to_owned(),
        brand_text: b.brand_text.clone(),
        brand_icon_src: b.brand_icon_src.clone(),
        primary_color: b.primary_color.clone(),
        background_color: b.background_color.clone(),
        text_color: b.text_color.clone(),
        stylesheet: STYLESHEET.to_owned(),
        home_url: "/".to_owned(),
        signed_in_as,
    }
}

/// An HTML response with the auth-page security headers.
pub(crate) fn html(status: StatusCode, body: String) -> HttpResponse {
    let mut res = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    apply_page_headers(res.headers_mut());
    res
}

/// Renders an error page; a failing renderer falls back to plain text (never a stack trace).
pub(crate) fn error_page(
    renderer: &dyn Renderer,
    settings: &Settings,
    status: StatusCode,
    message: &str,
) -> HttpResponse {
    let m = &settings.auth.messages;
    let heading = match status.as_u16() {
        403 => m.forbidden_heading.clone(),
        s => status
            .canonical_reason()
            .map(str::to_owned)
            .unwrap_or_else(|| s.to_string()),
    };
    let ctx = ErrorContext {
        base: page_base(settings, &heading, None),
        status: status.as_u16(),
        heading,
        message: message.to_owned(),
        home_label: m.home_link.clone(),
    };
    let mut res = match renderer.error(&ctx) {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            let mut res = HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(message.to_owned());
            apply_page_headers(res.headers_mut());
            res
        }
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // Clients and proxies may retry shortly: outages here are brief by nature.
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("5"),
        );
    }
    res
}
