//! `[auth.branding]`: what the default pages look like.

use serde::{Deserialize, Serialize};

/// Brand text, icon and colours of the default pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Branding {
    /// Name shown in the page header and titles.
    pub brand_text: String,
    /// URL of the logo shown beside the brand text (a local path or an https
    /// URL: the pages' CSP loads images from this site or https only); empty for none.
    pub brand_icon_src: String,
    /// Buttons and links (`#rgb` or `#rrggbb`).
    pub primary_color: String,
    /// Page background (`#rgb` or `#rrggbb`).
    pub background_color: String,
    /// Body text (`#rgb` or `#rrggbb`).
    pub text_color: String,
    /// Where the brand in the page header links to: a local path or an
    /// http(s) URL.
    pub home_url: String,
    /// A stylesheet of the app's own loaded after the default one (a local
    /// path: the pages' CSP loads stylesheets from this site only); empty for none.
    pub extra_stylesheet: String,
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            brand_text: "My App".into(),
            brand_icon_src: String::new(),
            primary_color: "#2f5bea".into(),
            background_color: "#f5f6fa".into(),
            text_color: "#1d2433".into(),
            home_url: "/".into(),
            extra_stylesheet: String::new(),
        }
    }
}
