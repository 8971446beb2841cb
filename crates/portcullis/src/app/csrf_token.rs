//! The CSRF token for the app's own forms.

use actix_web::HttpRequest;

use super::Auth;
use crate::security::csrf::{self, CsrfError};

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
