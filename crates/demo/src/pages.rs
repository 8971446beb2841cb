//! The demo's own pages: the home page that links everything, the
//! dashboard, and one small page per guarded route.

use actix_web::{http::StatusCode, HttpResponse};
use portcullis::{
    render::{page_base, PageBase},
    Auth, CsrfField, Settings, User,
};

use crate::html::{escape, page};

/// How the CLI is started from the workspace root.
pub const CLI: &str = "cargo run -p portcullis-cli --";

/// What the current visitor would get from a route.
enum Access {
    Public,
    Open,
    SignInFirst,
    Lacks(&'static str),
}

impl Access {
    fn for_user(
        user: Option<&User>,
        passes: impl Fn(&User) -> bool,
        lacks: &'static str,
    ) -> Access {
        match user {
            None => Access::SignInFirst,
            Some(u) if passes(u) => Access::Open,
            Some(_) => Access::Lacks(lacks),
        }
    }

    fn html(&self) -> String {
        match self {
            Access::Public => String::new(),
            Access::Open => " <em>(open to you)</em>".into(),
            Access::SignInFirst => " <em>(you will be asked to sign in)</em>".into(),
            Access::Lacks(what) => format!(" <em>(403 for you: you lack {})</em>", escape(what)),
        }
    }
}

fn item(path: &str, requires: &str, access: Access) -> String {
    format!(
        "<li><a href=\"{p}\"><code>{p}</code></a> — {requires}{access}</li>\n",
        p = escape(path),
        requires = escape(requires),
        access = access.html()
    )
}

/// The links back home and to the logout page that every demo page ends with.
fn nav(settings: &Settings) -> String {
    format!(
        r#"<p class="pc-alt"><a href="/">Home</a> · <a href="/dashboard">Dashboard</a> · <a href="{}">Sign out</a></p>"#,
        escape(&settings.auth.logout_url)
    )
}

/// `GET /`: who is signed in, every page and guarded route, and the CLI commands to try.
pub fn home(auth: &Auth, user: Option<&User>) -> HttpResponse {
    let settings = auth.settings();
    let a = &settings.auth;
    let who = match user {
        Some(u) => format!(
            "Signed in as {}. <a href=\"{}\">Sign out</a>",
            escape(&u.username),
            escape(&a.logout_url)
        ),
        None => format!(
            "Not signed in. <a href=\"{}\">Sign in</a>",
            escape(&a.login_url)
        ),
    };

    let mut pages = item(
        &a.login_url,
        "public: the sign-in form (username or email, per auth.login_fields)",
        Access::Public,
    );
    if a.signup_enabled {
        pages += &item(
            &a.signup_url,
            "public: create an account (auth.signup_enabled)",
            Access::Public,
        );
    }
    pages += &item(
        &a.logout_url,
        "public: asks to confirm; only its POST signs you out",
        Access::Public,
    );

    let active = |u: &User| u.is_active;
    let guarded = [
        item("/dashboard", "#[login_required]: any signed-in user", Access::for_user(user, active, "an active account")),
        item(
            "/reports",
            "#[permission_required(\"reports.view\")]: the reports.view permission, granted directly or through a group (superusers hold every permission)",
            Access::for_user(user, |u| u.has_perm("reports.view"), "reports.view"),
        ),
        item(
            "/editors",
            "#[group_required(\"Editors\")]: membership of the Editors group",
            Access::for_user(user, |u| u.in_group("Editors"), "group Editors"),
        ),
        item(
            "/staff",
            "#[staff_required]: the staff flag",
            Access::for_user(user, |u| u.is_active && u.is_staff, "the staff flag"),
        ),
        item(
            "/superuser",
            "#[superuser_required]: the superuser flag",
            Access::for_user(user, |u| u.is_active && u.is_superuser, "the superuser flag"),
        ),
        item(
            "/staff-area",
            "web::scope(\"/staff-area\").wrap(portcullis::require::staff()): the staff flag, for every route of the scope",
            Access::for_user(user, |u| u.is_active && u.is_staff, "the staff flag"),
        ),
        item(
            "/greeting",
            "#[login_required], with a POST form of the demo's own: {{ csrf }} from the CsrfField extractor",
            Access::for_user(user, active, "an active account"),
        ),
        item(
            "/api/me",
            "public JSON: the signed-in user, or 401 {\"error\":\"unauthenticated\"}",
            Access::Public,
        ),
    ]
    .concat();

    let name = user.map_or("alice", |u| u.username.as_str());
    let commands = [
        format!("{CLI} createsuperuser --username admin --email admin@example.com"),
        format!("{CLI} user create alice --email alice@example.com"),
        format!("{CLI} user grant {name} reports.view"),
        format!("{CLI} group add-user Editors {name}"),
        format!("{CLI} user create staffer --email staffer@example.com --staff"),
    ]
    .map(|c| escape(&c))
    .join("\n");

    let content = format!(
        r#"<h1 class="pc-heading">Portcullis demo</h1>
<p class="pc-text">{who}</p>
<h2>Pages</h2>
<ul>
{pages}</ul>
<h2>Guarded routes</h2>
<p class="pc-text">Anonymous browsers are sent to the sign-in page; signed-in users without the right get 403; JSON clients get 401/403 JSON.</p>
<ul>
{guarded}</ul>
<h2>Try it from the command line</h2>
<p class="pc-text">Run these from the workspace root while the demo runs (add <code>--settings FILE</code> after <code>--</code> when the demo runs with one), then reload: guards read users, groups and permissions live from the database.</p>
<pre>{commands}</pre>
"#
    );
    page(auth, "Home", None, &content)
}

/// `templates/demo/dashboard.html`.
#[derive(askama::Template)]
#[template(path = "demo/dashboard.html")]
struct Dashboard<'a> {
    base: PageBase,
    user: &'a User,
    email: &'a str,
    flags: String,
    nav: String,
}

/// `GET /dashboard`: a greeting with the user's flags, groups and permissions.
pub fn dashboard(auth: &Auth, user: &User) -> HttpResponse {
    let settings = auth.settings();
    let flags: Vec<&str> = [(user.is_staff, "staff"), (user.is_superuser, "superuser")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    auth.render_page(
        &Dashboard {
            base: page_base(settings, "Dashboard", Some(user.username.clone())),
            user,
            email: if user.email.is_empty() {
                "(no email)"
            } else {
                &user.email
            },
            flags: if flags.is_empty() {
                "none".to_owned()
            } else {
                flags.join(", ")
            },
            nav: nav(settings),
        },
        StatusCode::OK,
    )
}

/// `templates/demo/greeting.html`.
#[derive(askama::Template)]
#[template(path = "demo/greeting.html")]
struct Greeting {
    base: PageBase,
    /// The hidden CSRF field of the demo's own form.
    csrf: CsrfField,
    greeting: Option<String>,
    nav: String,
}

/// `GET /greeting`: the demo's own form and the greeting it saved.
pub fn greeting(
    auth: &Auth,
    user: &User,
    csrf: CsrfField,
    greeting: Option<String>,
) -> HttpResponse {
    let settings = auth.settings();
    auth.render_page(
        &Greeting {
            base: page_base(settings, "Your greeting", Some(user.username.clone())),
            csrf,
            greeting,
            nav: nav(settings),
        },
        StatusCode::OK,
    )
}

/// A page behind a guard: what it required and that `user` passed.
pub fn guarded(auth: &Auth, user: &User, title: &str, passed: &str) -> HttpResponse {
    let settings = auth.settings();
    let content = format!(
        r#"<h1 class="pc-heading">{title}</h1>
<p class="pc-text">Welcome, {name}: you passed <code>{passed}</code>.</p>
{nav}"#,
        title = escape(title),
        name = escape(&user.username),
        passed = escape(passed),
        nav = nav(settings),
    );
    page(auth, title, Some(&user.username), &content)
}
