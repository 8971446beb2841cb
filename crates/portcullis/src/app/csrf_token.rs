//! CSRF for the app's own forms: the token, and the hidden field as an
//! extractor for askama templates (Django's `{% csrf_token %}`).

use std::{fmt, future::Future, pin::Pin};

use actix_web::{dev::Payload, error::InternalError, FromRequest, HttpRequest, HttpResponse};

use super::Auth;
use crate::{
    error::AuthError,
    security::csrf::{self, CsrfError, FORM_FIELD},
};

/// A masked token for a form on this request's page: the signed-in
/// session's secret, or the anonymous visitor's cookie secret (issued on
/// first use; the middleware sets the cookie). Use it in your own forms as
/// the hidden `csrf_token` field, or send it as the `X-CSRF-Token` header.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actix_web::{test, web, App, HttpRequest};
/// # let settings = portcullis::Settings::from_toml_str("[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n").unwrap();
/// let auth = portcullis::Auth::connect(settings).await.unwrap();
/// let app = test::init_service(App::new().wrap(auth.middleware()).route(
///     "/form",
///     web::get().to(|req: HttpRequest| async move {
///         portcullis::csrf_token(&req).unwrap()
///     }),
/// ))
/// .await;
/// let res = test::call_service(&app, test::TestRequest::get().uri("/form").to_request()).await;
/// // An anonymous visitor's secret travels in a signed cookie, not a session row.
/// assert!(res.headers().get("set-cookie").unwrap().to_str().unwrap().starts_with("portcullis_session_csrf="));
/// # }
/// ```
///
/// # Errors
/// [`CsrfError`] when the middleware is missing or the session cannot be written.
pub fn csrf_token(req: &HttpRequest) -> Result<String, CsrfError> {
    let auth = Auth::of_request(req).ok_or(CsrfError::NoMiddleware)?;
    csrf::token_for(req, &auth.inner.csrf_cookie)
}

impl Auth {
    /// A CSRF token for a form on `req`'s page, or the failure page (the
    /// session could not take a new secret).
    // Pages return the ready response early; boxing it would only add noise.
    #[allow(clippy::result_large_err)]
    pub(crate) fn form_token(&self, req: &HttpRequest) -> Result<String, HttpResponse> {
        csrf::token_for(req, &self.inner.csrf_cookie)
            .map_err(|e| self.failure_page(&AuthError::Session(e.to_string())))
    }
}

/// The hidden CSRF field for a form of the app's own: take it as an
/// extractor, hand it to the template and write `{{ csrf }}` inside the
/// `<form>`. It renders `<input type="hidden" name="csrf_token" value="…">`
/// and is marked HTML-safe, so askama writes it as it is.
///
/// ```
/// use actix_web::{get, HttpResponse};
/// use askama::Template;
/// use portcullis::CsrfField;
///
/// #[derive(Template)]
/// #[template(source = "<form method=post action=/notes>{{ csrf }}<button>Save</button></form>", ext = "html")]
/// struct NoteForm { csrf: CsrfField }
///
/// #[get("/notes/new")]
/// async fn new_note(csrf: CsrfField) -> HttpResponse {
///     HttpResponse::Ok().body(NoteForm { csrf }.render().unwrap())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CsrfField(String);

impl CsrfField {
    /// The masked token alone (for a `fetch` header, `X-CSRF-Token`).
    pub fn token(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CsrfField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is URL-safe base64: nothing in it needs escaping.
        write!(
            f,
            r#"<input type="hidden" name="{FORM_FIELD}" value="{}">"#,
            self.0
        )
    }
}

impl askama::filters::HtmlSafe for CsrfField {}

impl FromRequest for CsrfField {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(auth) = Auth::of_request(req) else {
            tracing::error!("CsrfField needs the portcullis middleware");
            let res = HttpResponse::InternalServerError().body("Server misconfigured.");
            let err = InternalError::from_response(CsrfError::NoMiddleware, res);
            return Box::pin(std::future::ready(Err(err.into())));
        };
        // The failure page has logged the cause.
        let result = auth.form_token(req).map(CsrfField).map_err(|res| {
            InternalError::from_response("the CSRF secret could not be stored", res).into()
        });
        Box::pin(std::future::ready(result))
    }
}
