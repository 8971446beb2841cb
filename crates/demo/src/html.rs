//! Tiny HTML helpers: escaping and the page layout the demo's pages share.

use actix_web::{http::StatusCode, HttpResponse};
use portcullis::{render::page_base, Settings};

/// Escapes text for HTML element content and quoted attribute values.
///
/// ```
/// assert_eq!(demo::html::escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A full page in the look of Portcullis' own pages (same stylesheet and
/// branding), sent as `text/html; charset=utf-8` with the library's page
/// security headers. `content` is trusted HTML: escape what goes into it.
pub fn page(
    settings: &Settings,
    title: &str,
    signed_in_as: Option<&str>,
    content: &str,
) -> HttpResponse {
    let base = page_base(settings, title, signed_in_as.map(str::to_owned));
    let logo = if base.brand_icon_src.is_empty() {
        String::new()
    } else {
        format!(
            r#"<img class="pc-brand__logo" src="{}" alt="" width="32" height="32">"#,
            escape(&base.brand_icon_src)
        )
    };
    let session = match &base.signed_in_as {
        Some(who) => format!(
            r#"<p class="pc-session">Signed in as <strong>{}</strong></p>"#,
            escape(who)
        ),
        None => String::new(),
    };
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} · {brand}</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
<body class="pc-body" style="--pc-primary: {primary}; --pc-bg: {bg}; --pc-text: {text}">
<header class="pc-header">
  <a class="pc-brand" href="{home}">{logo}<span class="pc-brand__text">{brand}</span></a>
  {session}
</header>
<main class="pc-main">
<section class="pc-card" style="max-width: 46rem">
{content}
</section>
</main>
</body>
</html>
"#,
        title = escape(&base.title),
        brand = escape(&base.brand_text),
        stylesheet = escape(&base.stylesheet),
        primary = escape(&base.primary_color),
        bg = escape(&base.background_color),
        text = escape(&base.text_color),
        home = escape(&base.home_url),
    );
    portcullis::render::html(StatusCode::OK, body)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
        );
        assert_eq!(escape(r#"" onmouseover="x"#), "&quot; onmouseover=&quot;x");
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
    }
}
