//! Rendering pages: a [`Renderer`] with one method per page, askama
//! templates by default. Each page renders its body and
//! [`Renderer::layout`] puts it into the page frame, so an app can wrap
//! every page in its own layout (one method), or replace any page by
//! implementing its method with its own template over the same context.
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
//!         // The body only: the layout adds the page frame around it.
//!         self.layout(&ctx.base, &MyLogin { ctx }.render()?)
//!     }
//! }
//! // Auth::builder(settings).renderer(MyPages).connect().await
//! ```

mod account;
mod context;
mod layout;
mod mail;
mod page;
mod status;

use actix_web::{http::StatusCode, HttpResponse};

pub(crate) use page::page_response;
pub(crate) use status::{busy_page, failure_page, status_page};

pub use account::{AccountFormContext, ButtonForm, LinkContext, Notice, NoticeContext};
pub use mail::{default_mail, MailContext, MailKind, RenderedMail};

pub use context::{
    ConnectionRow, ConnectionsContext, ErrorContext, FieldContext, FormError, LoginContext,
    LogoutContext, OidcConfirmContext, OidcErrorContext, PageBase, ProviderButton, SignupContext,
};

use crate::{security::headers::apply_page_headers, settings::Settings};

/// A template failed to render.
#[derive(Debug, thiserror::Error)]
#[error("while rendering a page: {0}")]
pub struct RenderError(#[from] pub askama::Error);

/// Renders each page; every method defaults to the shipped askama template
/// of the page's body inside [`Renderer::layout`].
pub trait Renderer: Send + Sync + 'static {
    /// The whole document around a page's `body`: by default
    /// `portcullis/layouts/page.html` (the brand header, the stylesheet, a
    /// `<main>`). Override it to show every Portcullis page inside the
    /// app's own header, nav and footer without copying any page. Keep
    /// `base.stylesheet` (the pages' look), `base.lang`, `base.title` and,
    /// when `base.noindex`, `<meta name="robots" content="noindex">`.
    ///
    /// ```
    /// use askama::Template;
    /// use portcullis::render::{page_base, ErrorContext, PageBase, RenderError, Renderer};
    ///
    /// #[derive(Template)]
    /// #[template(source = r#"<!doctype html><html lang="{{ base.lang }}"><head><title>{{ base.title }}</title>
    /// <link rel="stylesheet" href="{{ base.stylesheet }}"></head><body class="pc-body">
    /// <nav><a href="/">Acme</a> · <a href="/pricing">Pricing</a></nav>
    /// <main class="pc-main">{{ body|safe }}</main><footer>© Acme</footer></body></html>"#, ext = "html")]
    /// struct AcmeLayout<'a> { base: &'a PageBase, body: &'a str }
    ///
    /// struct AcmePages;
    /// impl Renderer for AcmePages {
    ///     fn layout(&self, base: &PageBase, body: &str) -> Result<String, RenderError> {
    ///         Ok(AcmeLayout { base, body }.render()?)
    ///     }
    /// }
    ///
    /// // Every default page now comes in Acme's frame, e.g. the 404 page:
    /// let settings = portcullis::Settings::default();
    /// let page = AcmePages.error(&ErrorContext {
    ///     base: page_base(&settings, "Page not found", None),
    ///     status: 404,
    ///     heading: "Page not found".into(),
    ///     message: "This page does not exist.".into(),
    ///     home_label: "Back to the home page".into(),
    /// }).unwrap();
    /// assert!(page.contains("<footer>© Acme</footer>"));
    /// assert!(page.contains("This page does not exist."));
    /// // Installed with Auth::builder(settings).renderer(AcmePages).
    /// ```
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn layout(&self, base: &PageBase, body: &str) -> Result<String, RenderError> {
        Ok(askama::Template::render(&layout::DefaultLayout {
            base,
            body,
        })?)
    }

    /// The login page.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn login(&self, ctx: &LoginContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The logout confirmation page.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn logout(&self, ctx: &LogoutContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The signup page.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn signup(&self, ctx: &SignupContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// Error pages (400, 403, 404, 413, 429, 500, 503).
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn error(&self, ctx: &ErrorContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The password-change form (signed-in users).
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn password_change(&self, ctx: &AccountFormContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The password-reset request form (an email address).
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn password_reset(&self, ctx: &AccountFormContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The set-a-new-password form a reset link leads to.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn password_reset_confirm(&self, ctx: &AccountFormContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The email-change form (signed-in users).
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn email_change(&self, ctx: &AccountFormContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The reauthentication form: the password again before a sensitive change.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn reauthenticate(&self, ctx: &AccountFormContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The form that sends a confirmation link again.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn verify_email_resend(&self, ctx: &AccountFormContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// The pages that tell the user something (link sent, password set,
    /// link no longer valid, confirm your address, …); `ctx.notice` says which.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn notice(&self, ctx: &NoticeContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// Every mail; `ctx.kind` says which. Replace one kind and keep the
    /// others by calling [`default_mail`] for them.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn mail(&self, ctx: &MailContext) -> Result<RenderedMail, RenderError> {
        default_mail(ctx)
    }

    /// The page a bare GET of `/oidc/{id}/login` shows (unless `oidc.login_on_get`).
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn oidc_confirm(&self, ctx: &OidcConfirmContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// A failed sign-in with a provider, with a retry link.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn oidc_error(&self, ctx: &OidcErrorContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }

    /// `/account/connections`: connect and disconnect providers.
    ///
    /// # Errors
    /// [`RenderError`] when the template fails.
    fn connections(&self, ctx: &ConnectionsContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &askama::Template::render(ctx)?)
    }
}

/// The shipped templates.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultRenderer;

impl Renderer for DefaultRenderer {}

/// Path of the default stylesheet.
pub(crate) const STYLESHEET: &str = "/static/portcullis/portcullis.css";

/// The shared page fields from settings, for the app's own pages that
/// extend `portcullis/layouts/base.html` (indexable: no `noindex`).
pub fn page_base(settings: &Settings, title: &str, signed_in_as: Option<String>) -> PageBase {
    let b = &settings.auth.branding;
    let m = &settings.auth.messages;
    PageBase {
        title: title.to_owned(),
        brand_text: b.brand_text.clone(),
        brand_icon_src: b.brand_icon_src.clone(),
        primary_color: b.primary_color.clone(),
        background_color: b.background_color.clone(),
        text_color: b.text_color.clone(),
        stylesheet: STYLESHEET.to_owned(),
        extra_stylesheet: b.extra_stylesheet.clone(),
        home_url: b.home_url.clone(),
        lang: m.lang.clone(),
        signed_in_label: m.signed_in_as.clone(),
        signed_in_as,
        noindex: false,
        error_summary_heading: m.error_summary_heading.clone(),
    }
}

/// [`page_base`] for Portcullis' own pages: kept out of search engines.
pub(crate) fn auth_page_base(
    settings: &Settings,
    title: &str,
    signed_in_as: Option<String>,
) -> PageBase {
    PageBase {
        noindex: true,
        ..page_base(settings, title, signed_in_as)
    }
}

/// The `<title>` of a page whose form came back with errors
/// (`auth.messages.error_title`), so screen-reader users hear it first.
pub(crate) fn error_title(settings: &Settings, title: &str) -> String {
    settings.auth.messages.error_title.replace("{title}", title)
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
    let heading = match status {
        StatusCode::BAD_REQUEST => m.bad_request_heading.clone(),
        StatusCode::FORBIDDEN => m.forbidden_heading.clone(),
        StatusCode::NOT_FOUND => m.not_found_heading.clone(),
        StatusCode::PAYLOAD_TOO_LARGE => m.too_large_heading.clone(),
        StatusCode::TOO_MANY_REQUESTS => m.too_many_attempts_heading.clone(),
        StatusCode::SERVICE_UNAVAILABLE => m.unavailable_heading.clone(),
        _ => m.server_error_heading.clone(),
    };
    let ctx = ErrorContext {
        base: auth_page_base(settings, &heading, None),
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
