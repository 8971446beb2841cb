//! The demo's own pages: the home page that links everything, the
//! dashboard, and one small page per guarded route.

use actix_web::{http::StatusCode, HttpResponse};
use portcullis::{
    render::{page_base, PageBase},
    Auth, CsrfField, Settings, User,
};

use crate::html::escape;

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

    fn text(&self) -> String {
        match self {
            Access::Public => String::new(),
            Access::Open => "open to you".into(),
            Access::SignInFirst => "you will be asked to sign in".into(),
            Access::Lacks(what) => format!("403 for you: you lack {what}"),
        }
    }
}

/// One route on the home page (`templates/demo/item.html`).
pub struct Item {
    path: String,
    requires: &'static str,
    access: String,
}

fn item(path: &str, requires: &'static str, access: Access) -> Item {
    Item {
        path: path.to_owned(),
        requires,
        access: access.text(),
    }
}

/// The links back home and to the logout page that every demo page ends with.
fn nav(settings: &Settings) -> String {
    format!(
        r#"<p class="pc-alt"><a href="/">Home</a> · <a href="/dashboard">Dashboard</a> · <a href="{}">Sign out</a></p>"#,
        escape(&settings.auth.logout_url)
    )
}

/// `templates/demo/home.html`.
#[derive(askama::Template)]
#[template(path = "demo/home.html")]
struct Home<'a> {
    base: PageBase,
    who: Option<&'a str>,
    login_url: &'a str,
    logout_url: &'a str,
    pages: Vec<Item>,
    guarded: Vec<Item>,
    commands: Vec<String>,
}

/// `GET /`: who is signed in, every page and guarded route, and the CLI commands to try.
pub fn home(auth: &Auth, user: Option<&User>) -> HttpResponse {
    let settings = auth.settings();
    let a = &settings.auth;
    let mut pages = vec![item(
        &a.login_url,
        "public: the sign-in form (username or email, per auth.login_fields)",
        Access::Public,
    )];
    if a.signup_enabled {
        pages.push(item(
            &a.signup_url,
            "public: create an account (auth.signup_enabled)",
            Access::Public,
        ));
    }
    pages.push(item(
        &a.logout_url,
        "public: asks to confirm (the demo's own template, through its Renderer); only its POST signs you out",
        Access::Public,
    ));
    if a.password_reset_enabled {
        pages.push(item(
            &a.password_reset_url,
            "public: mails a reset link (the demo prints every mail where it runs: email.backend = \"console\")",
            Access::Public,
        ));
    }
    pages.push(item(
        &a.password_change_url,
        "signed in: change your password; this session stays, the others end",
        Access::for_user(user, |u| u.is_active, "an active account"),
    ));
    pages.push(item(
        &a.email_change_url,
        "signed in: change your address; a link goes to the new one",
        Access::for_user(user, |u| u.is_active, "an active account"),
    ));
    pages.push(item(
        &a.verify_email_url,
        "public: send the confirmation link again (auth.email_verification)",
        Access::Public,
    ));

    let active = |u: &User| u.is_active;
    let guarded = vec![
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
    ];

    let name = user.map_or("alice", |u| u.username.as_str());
    let commands = vec![
        format!("{CLI} createsuperuser --username admin --email admin@example.com"),
        format!("{CLI} user create alice --email alice@example.com"),
        format!("{CLI} user grant {name} reports.view"),
        format!("{CLI} group add-user Editors {name}"),
        format!("{CLI} user create staffer --email staffer@example.com --staff"),
    ];
    let who = user.map(|u| u.username.as_str());
    auth.render_page(
        &Home {
            base: page_base(settings, "Home", who.map(str::to_owned)),
            who,
            login_url: &a.login_url,
            logout_url: &a.logout_url,
            pages,
            guarded,
            commands,
        },
        StatusCode::OK,
    )
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
    refused: Option<Refused>,
    nav: String,
}

/// A greeting the form refused: what was typed and why.
pub struct Refused {
    /// The value as typed.
    pub typed: String,
    /// The message shown under the field.
    pub error: &'static str,
}

/// `GET /greeting`: the demo's own form and the greeting it saved; with
/// `refused`, the form again with its error (400).
pub fn greeting(
    auth: &Auth,
    user: &User,
    csrf: CsrfField,
    greeting: Option<String>,
    refused: Option<Refused>,
) -> HttpResponse {
    let settings = auth.settings();
    let status = if refused.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    auth.render_page(
        &Greeting {
            base: page_base(settings, "Your greeting", Some(user.username.clone())),
            csrf,
            greeting,
            refused,
            nav: nav(settings),
        },
        status,
    )
}

/// `templates/demo/guarded.html`.
#[derive(askama::Template)]
#[template(path = "demo/guarded.html")]
struct Guarded<'a> {
    base: PageBase,
    title: &'a str,
    name: &'a str,
    passed: &'a str,
    nav: String,
}

/// A page behind a guard: what it required and that `user` passed.
pub fn guarded(auth: &Auth, user: &User, title: &str, passed: &str) -> HttpResponse {
    let settings = auth.settings();
    auth.render_page(
        &Guarded {
            base: page_base(settings, title, Some(user.username.clone())),
            title,
            name: &user.username,
            passed,
            nav: nav(settings),
        },
        StatusCode::OK,
    )
}
