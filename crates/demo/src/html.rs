//! Tiny HTML helpers: escaping and the page layout the demo's pages share.

use actix_web::{http::StatusCode, HttpResponse};
use askama::{
    filters::{Escaper as _, Html},
    Template,
};
use portcullis::{
    render::{page_base, PageBase},
    Auth,
};

/// Escapes text for HTML element content and quoted attribute values, as
/// the templates do (askama's HTML escaper).
///
/// ```
/// assert_eq!(demo::html::escape(r#"<a href="x">'&'</a>"#), "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = Html.write_escaped_str(&mut out, text);
    out
}

/// The demo's pages extend the layout of Portcullis' own pages (same
/// stylesheet and branding): `templates/demo/page.html`.
#[derive(Template)]
#[template(path = "demo/page.html")]
struct PageTemplate<'a> {
    base: PageBase,
    content: &'a str,
}

/// A full page around `content`, sent as `text/html; charset=utf-8` with
/// the library's page security headers. `content` is trusted HTML: escape
/// what goes into it.
pub fn page(auth: &Auth, title: &str, signed_in_as: Option<&str>, content: &str) -> HttpResponse {
    auth.render_page(
        &PageTemplate {
            base: page_base(auth.settings(), title, signed_in_as.map(str::to_owned)),
            content,
        },
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"
        );
        assert_eq!(escape(r#"" onmouseover="x"#), "&#34; onmouseover=&#34;x");
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
    }
}
