//! Escaping for the bits of HTML the demo builds outside its templates.

use askama::filters::{Escaper as _, Html};

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
