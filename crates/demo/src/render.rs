//! The demo's [`Renderer`]: Portcullis' logout page replaced by the demo's
//! own template (`templates/demo/logout.html`); every other page default.

use askama::Template;
use portcullis::render::{LogoutContext, RenderError, Renderer};

/// `templates/demo/logout.html`, over Portcullis' logout context.
#[derive(Template)]
#[template(path = "demo/logout.html")]
struct Logout<'a> {
    ctx: &'a LogoutContext,
}

impl std::ops::Deref for Logout<'_> {
    type Target = LogoutContext;
    fn deref(&self) -> &LogoutContext {
        self.ctx
    }
}

/// The demo's pages, installed with `Auth::builder(settings).renderer(DemoPages)`.
#[derive(Debug, Default, Clone, Copy)]
pub struct DemoPages;

impl Renderer for DemoPages {
    fn logout(&self, ctx: &LogoutContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &Logout { ctx }.render()?)
    }
}
