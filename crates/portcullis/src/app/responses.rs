//! Responses every page shares, on the renderer and settings in force.

use std::fmt::Display;

use actix_web::{http::StatusCode, HttpResponse};

use super::Auth;
use crate::{error::AuthError, render};

impl Auth {
    /// `template` rendered as `text/html; charset=utf-8` with the auth pages'
    /// security headers. A template that fails to render gives the branded
    /// 500 page (the cause is logged, never shown).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actix_web::http::StatusCode;
    /// use askama::Template;
    ///
    /// #[derive(Template)]
    /// #[template(source = "<h1>Hello, {{ name }}!</h1>", ext = "html")]
    /// struct Hello<'a> { name: &'a str }
    ///
    /// # let settings = portcullis::Settings::from_toml_str("[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n").unwrap();
    /// let auth = portcullis::Auth::connect(settings).await.unwrap();
    /// let res = auth.render_page(&Hello { name: "<Ann>" }, StatusCode::OK);
    /// assert_eq!(res.status(), StatusCode::OK);
    /// assert!(res.headers().contains_key("content-security-policy"));
    /// # }
    /// ```
    pub fn render_page(
        &self,
        template: &impl askama::Template,
        status: StatusCode,
    ) -> HttpResponse {
        self.page_response(template.render(), status)
    }

    /// A rendered page, or the 500 page when rendering failed.
    pub(crate) fn page_response<E: Display>(
        &self,
        rendered: Result<String, E>,
        status: StatusCode,
    ) -> HttpResponse {
        render::page_response(self.renderer(), self.settings(), rendered, status)
    }

    /// The branded error page for `status` (400, 403, 404, 413, 429, 500,
    /// 503) with its heading and message from `[auth.messages]`, e.g. for
    /// the app's `default_service` so unknown paths get the site's 404.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actix_web::http::StatusCode;
    /// # let settings = portcullis::Settings::from_toml_str("[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n").unwrap();
    /// let auth = portcullis::Auth::connect(settings).await.unwrap();
    /// let res = auth.status_page(StatusCode::NOT_FOUND);
    /// assert_eq!(res.status(), StatusCode::NOT_FOUND);
    /// # }
    /// ```
    pub fn status_page(&self, status: StatusCode) -> HttpResponse {
        render::status_page(self.renderer(), self.settings(), status)
    }

    /// The 503 page of a shed login or signup, with `Retry-After: 1`.
    pub(crate) fn busy_page(&self) -> HttpResponse {
        render::busy_page(self.renderer(), self.settings())
    }

    /// 503 for a temporary failure, else 500; the cause is logged, never shown.
    pub(crate) fn failure_page(&self, err: &AuthError) -> HttpResponse {
        render::failure_page(self.renderer(), self.settings(), err)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use actix_web::{body::MessageBody as _, http::StatusCode};
    use askama::Template;

    use crate::{Auth, Settings};

    /// A value whose formatting fails, so its template cannot render.
    struct Broken;

    impl fmt::Display for Broken {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    #[derive(Template)]
    #[template(source = "<p>{{ value }}</p>", ext = "html")]
    struct Page<T: fmt::Display> {
        value: T,
    }

    async fn auth() -> Auth {
        let settings = Settings::from_toml_str(
            "[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n",
        )
        .unwrap();
        Auth::connect(settings).await.unwrap()
    }

    fn body(res: actix_web::HttpResponse) -> String {
        let bytes = res.into_body().try_into_bytes().unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_page_renders_escaped_with_the_status_asked_for() {
        let res = auth()
            .await
            .render_page(&Page { value: "<b>" }, StatusCode::ACCEPTED);
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/html; charset=utf-8"
        );
        assert_eq!(body(res), "<p>&#60;b&#62;</p>");
    }

    #[tokio::test]
    async fn a_failing_template_gives_the_branded_500_page_without_the_cause() {
        let auth = auth().await;
        let res = auth.render_page(&Page { value: Broken }, StatusCode::OK);
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = body(res);
        assert!(html.contains(&auth.settings().auth.messages.server_error));
        // askama reports "formatting error": that stays in the log.
        assert!(!html.to_lowercase().contains("formatting"), "{html}");
    }
}
