//! An app's own look: a layout hook that wraps every default page, and a
//! single page replaced by the app's own template, the rest left default.

use actix_web::{http::StatusCode, test::init_service, App};
use askama::Template;
use portcullis::{
    render::{LogoutContext, PageBase, RenderError, Renderer},
    Auth, AuthAppExt as _,
};

use crate::support::{settings, test_app, user, Backend, Browser, PASSWORD};

#[derive(Template)]
#[template(
    source = r#"<!doctype html><html lang="{{ base.lang }}"><head><title>{{ base.title }}</title><link rel="stylesheet" href="{{ base.stylesheet }}"></head><body class="pc-body"><nav id="acme-nav">Acme nav</nav><main class="pc-main">{{ body|safe }}</main><footer id="acme-footer">Acme footer</footer></body></html>"#,
    ext = "html"
)]
struct AcmeLayout<'a> {
    base: &'a PageBase,
    body: &'a str,
}

/// Only the layout is the app's: every page keeps its default body.
struct AcmeFrame;

impl Renderer for AcmeFrame {
    fn layout(&self, base: &PageBase, body: &str) -> Result<String, RenderError> {
        Ok(AcmeLayout { base, body }.render()?)
    }
}

#[derive(Template)]
#[template(
    source = r#"<h1 id="acme-logout">{{ ctx.heading }}, Acme style</h1>{% if ctx.signed_in %}<form method="post" action="{{ ctx.action }}"><input type="hidden" name="csrf_token" value="{{ ctx.csrf_token }}"><button>{{ ctx.button }}</button></form>{% endif %}"#,
    ext = "html"
)]
struct AcmeLogout<'a> {
    ctx: &'a LogoutContext,
}

/// One page replaced (its body, in the default layout).
struct AcmeLogoutPage;

impl Renderer for AcmeLogoutPage {
    fn logout(&self, ctx: &LogoutContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &AcmeLogout { ctx }.render()?)
    }
}

async fn connect(b: &Backend, renderer: impl Renderer) -> (Auth, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(b, &dir).await;
    let auth = Auth::builder(s).renderer(renderer).connect().await.unwrap();
    (auth, dir)
}

async fn a_layout_hook_wraps_every_default_page(b: Backend) {
    let (auth, _dir) = connect(&b, AcmeFrame).await;
    let app = init_service(test_app(&auth)).await;
    let ctx = crate::support::Ctx::of(auth.clone());
    user(&ctx, "amy").await;
    let m = &auth.settings().auth.messages;
    let mut br = Browser::new();
    for (path, status, content) in [
        ("/login", StatusCode::OK, &m.login_heading),
        ("/register", StatusCode::OK, &m.signup_heading),
        ("/logout", StatusCode::OK, &m.logout_not_signed_in),
    ] {
        let res = br.get(&app, path).await;
        assert_eq!(res.status, status, "{path}");
        for part in [
            "<nav id=\"acme-nav\">",
            "<footer id=\"acme-footer\">",
            content,
        ] {
            assert!(res.body.contains(part), "{path}: no {part} in {}", res.body);
        }
        assert_eq!(res.body.matches("<html").count(), 1, "{path}: one document");
        assert!(
            !res.body.contains("class=\"pc-header\""),
            "{path}: the default frame is gone"
        );
    }
    // The wrapped form works, and so do the error pages.
    let res = br.login(&app, "amy", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let denied = br.get(&app, "/reports").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(
        denied.body.contains("<footer id=\"acme-footer\">"),
        "{}",
        denied.body
    );
    assert!(denied.body.contains(m.forbidden_message.as_str()));
}

async fn a_replaced_page_shows_and_the_others_stay_default(b: Backend) {
    let (auth, _dir) = connect(&b, AcmeLogoutPage).await;
    let ctx = crate::support::Ctx::of(auth.clone());
    user(&ctx, "bea").await;
    let app = init_service(App::new().add_auth_pages(&auth)).await;
    let mut br = Browser::new();
    br.login(&app, "bea", PASSWORD).await;
    let page = br.get(&app, "/logout").await;
    assert!(
        page.body
            .contains("<h1 id=\"acme-logout\">Sign out, Acme style</h1>"),
        "{}",
        page.body
    );
    // Still in the default frame, which names the user.
    assert!(
        page.body.contains("class=\"pc-header\"") && page.body.contains("<strong>bea</strong>")
    );
    let login = Browser::new().get(&app, "/login").await;
    assert!(!login.body.contains("Acme") && login.body.contains("name=\"password\""));
    // The replaced form signs out.
    let token = crate::support::csrf_of(&page.body);
    let res = br.post(&app, "/logout", &[("csrf_token", &token)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let again = br.get(&app, "/logout").await;
    assert!(!again.body.contains("<form"), "signed out: {}", again.body);
}

#[derive(Template)]
#[template(
    source = r#"<form method="post">{% for e in ctx.errors %}<p>{{ e.message }}</p>{% endfor %}<button>Go</button></form>"#,
    ext = "html"
)]
struct NoCsrfSignup<'a> {
    ctx: &'a portcullis::render::SignupContext,
}

#[derive(Template)]
#[template(
    source = r#"<form method="post"><input type="hidden" name="csrf_token" value="{{ ctx.csrf_token }}"><input type="hidden" name="next" value="{{ ctx.next.as_deref().unwrap_or_default() }}">{{ ctx.error.as_deref().unwrap_or_default()|safe }}</form>"#,
    ext = "html"
)]
struct UnescapedLogin<'a> {
    ctx: &'a portcullis::render::LoginContext,
}

/// A signup page that forgot the CSRF field, and a login page that shows
/// its failure message as raw HTML.
struct Careless;

impl Renderer for Careless {
    fn signup(&self, ctx: &portcullis::render::SignupContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &NoCsrfSignup { ctx }.render()?)
    }
    fn login(&self, ctx: &portcullis::render::LoginContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &UnescapedLogin { ctx }.render()?)
    }
}

/// A logout page without its form, and error pages without their message.
struct Forgetful;

impl Renderer for Forgetful {
    fn logout(&self, ctx: &LogoutContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, "<p>Bye</p>")
    }
    fn error(&self, ctx: &portcullis::render::ErrorContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, "<p>Oops</p>")
    }
}

#[test]
fn check_renderer_passes_complete_pages_and_names_what_a_replaced_page_forgot() {
    use portcullis::{render::DefaultRenderer, test_support::check_renderer};
    for (name, result) in [
        ("default", check_renderer(&DefaultRenderer)),
        ("layout only", check_renderer(&AcmeFrame)),
        ("own logout page", check_renderer(&AcmeLogoutPage)),
    ] {
        assert_eq!(result, Ok(()), "{name}");
    }
    let careless = check_renderer(&Careless).unwrap_err();
    assert!(
        careless.contains("signup: no csrf_token field"),
        "{careless}"
    );
    assert!(careless.contains("signup: no next field"), "{careless}");
    assert!(
        careless.contains("login: a message is not escaped"),
        "{careless}"
    );
    assert!(
        !careless.contains("the error"),
        "every error shown: {careless}"
    );
    assert!(!careless.contains("logout"), "{careless}");
    let forgetful = check_renderer(&Forgetful).unwrap_err();
    assert!(
        forgetful.contains("logout: no csrf_token field"),
        "{forgetful}"
    );
    assert!(
        forgetful.contains("error: the error \"probe error message\" is not shown"),
        "{forgetful}"
    );
    assert!(
        !forgetful.contains("login") && !forgetful.contains("signup"),
        "{forgetful}"
    );
}

/// What docs/TEMPLATES.md shows for ejected templates: the app's struct
/// derefs to the page's context, so the copied template compiles unchanged.
#[derive(Template)]
#[template(path = "portcullis/pages/login.html")]
struct EjectedLogin<'a> {
    ctx: &'a portcullis::render::LoginContext,
}

impl std::ops::Deref for EjectedLogin<'_> {
    type Target = portcullis::render::LoginContext;
    fn deref(&self) -> &Self::Target {
        self.ctx
    }
}

struct Ejected;

impl Renderer for Ejected {
    fn login(&self, ctx: &portcullis::render::LoginContext) -> Result<String, RenderError> {
        self.layout(&ctx.base, &EjectedLogin { ctx }.render()?)
    }
}

#[test]
fn an_ejected_template_compiles_into_the_apps_renderer_unchanged() {
    assert_eq!(portcullis::test_support::check_renderer(&Ejected), Ok(()));
}

crate::on_both_backends!(
    a_layout_hook_wraps_every_default_page,
    a_replaced_page_shows_and_the_others_stay_default,
);
