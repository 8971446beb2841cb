//! The default page frame: `portcullis/layouts/page.html` around a page body.

use askama::Template;

use super::PageBase;

/// `templates/portcullis/layouts/page.html`: the shipped layout.
#[derive(Template)]
#[template(path = "portcullis/layouts/page.html")]
pub(super) struct DefaultLayout<'a> {
    pub(super) base: &'a PageBase,
    /// The page body, already rendered and escaped by its own template.
    pub(super) body: &'a str,
}
