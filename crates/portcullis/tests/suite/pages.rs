//! Login, signup and logout pages as a browser sees them.

use actix_web::http::StatusCode;
use portcullis::{security::redirect::encode_next, AuthAppExt as _};

use crate::support::{app, csrf_of, setup, setup_with, user, Backend, Browser, PASSWORD};

async fn login_page_has_a_csrf_form_and_safe_headers(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let res = Browser::new().get(&app, "/login").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("name=\"login\"") && res.body.contains("name=\"password\""));
    assert!(!csrf_of(&res.body).is_empty());
    assert!(res.body.contains("/static/portcullis/portcullis.css"));
    assert!(res.body.contains("href=\"/register\""), "signup link");
    assert!(res.header("cache-control").contains("no-store"));
    assert_eq!(res.header("x-frame-options"), "DENY");
    assert!(res
        .header("content-security-policy")
        .contains("frame-ancestors 'none'"));
    assert!(
        !res.body.contains("<script"),
        "pages work without JavaScript"
    );
    let css = Browser::new()
        .get(&app, "/static/portcullis/portcullis.css")
        .await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    let svg = Browser::new()
        .get(&app, "/static/portcullis/portcullis.svg")
        .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.header("content-type"), "image/svg+xml");
    let missing = Browser::new()
        .get(&app, "/static/portcullis/other.css")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn one_message_for_unknown_user_wrong_password_and_inactive(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "hal").await;
    user(&ctx, "ina").await;
    ctx.auth
        .set_user_flags("ina", false, false, false)
        .await
        .unwrap();
    let app = app(&ctx.auth).await;
    let msg = &ctx.auth.settings().auth.messages.login_failed;
    let mut seen = Vec::new();
    for (login, pw) in [
        ("nobody", PASSWORD),
        ("hal", "wrong-password-123"),
        ("ina", PASSWORD),
    ] {
        let mut br = Browser::new();
        let res = br.login(&app, login, pw).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains(msg.as_str()), "{login}: {}", res.body);
        assert!(
            res.body.contains(&format!("value=\"{login}\"")),
            "login kept"
        );
        assert!(!res.body.contains(pw), "password never echoed");
        assert_eq!(br.get(&app, "/me").await.body, "anonymous");
        seen.push(
            res.body
                .replace(&csrf_of(&res.body), "")
                .replace(&format!("value=\"{login}\""), ""),
        );
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "responses differ");
}

async fn login_redirects_to_a_safe_next_only(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "jan").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let res = br
        .submit(
            &app,
            "/login?next=/reports%3Fx%3D1",
            &[("login", "jan"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/reports?x=1");
    for evil in [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
    ] {
        let mut br = Browser::new();
        let res = br
            .submit(
                &app,
                "/login",
                &[("login", "jan"), ("password", PASSWORD), ("next", evil)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/", "{evil} followed");
    }
}

async fn signed_in_users_are_sent_away_from_login_and_signup(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "kay").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "kay", PASSWORD).await;
    let res = br.get(&app, "/login").await;
    assert_eq!(
        (res.status, res.location()),
        (StatusCode::SEE_OTHER, "/".to_string())
    );
    let res = br.get(&app, "/register?next=/dashboard").await;
    assert_eq!(
        (res.status, res.location()),
        (StatusCode::SEE_OTHER, "/dashboard".to_string())
    );

    let ctx = setup_with(&b, |s| s.auth.redirect_authenticated_user = false).await;
    user(&ctx, "kay").await;
    let app = crate::support::app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "kay", PASSWORD).await;
    assert_eq!(br.get(&app, "/login").await.status, StatusCode::OK);
}

/// `next` values that leave the site, each a known open-redirect form.
const UNSAFE_NEXTS: [&str; 5] = [
    "//evil.example/",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\t/evil.example",
];

/// Signup lands on `auth.signup_redirect_url` for an unsafe `next`, given
/// in the form or in the page's query string (never echoed into the
/// form), and a signed-in visitor sent away from the login and signup
/// pages goes to `auth.login_redirect_url`, not to it.
async fn signup_and_the_signed_in_redirect_drop_an_unsafe_next(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.auth.signup_redirect_url = "/welcome".into();
        s.auth.login_redirect_url = "/home".into();
    })
    .await;
    let app = app(&ctx.auth).await;
    for (i, evil) in UNSAFE_NEXTS.into_iter().enumerate() {
        let (in_form, in_query) = (format!("form{i}"), format!("query{i}"));
        let mut br = Browser::new();
        let res = br
            .submit(&app, "/register", &pairs(&signup(&in_form, Some(evil))))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{evil}: {}", res.body);
        assert_eq!(res.location(), "/welcome", "{evil} followed");

        let page = format!("/register?next={}", encode_next(evil));
        let mut br = Browser::new();
        let shown = br.get(&app, &page).await;
        assert!(
            !shown.body.contains("evil.example") && !shown.body.contains("alert(1)"),
            "{evil} echoed: {}",
            shown.body
        );
        let res = br
            .submit(&app, &page, &pairs(&signup(&in_query, None)))
            .await;
        assert_eq!(res.location(), "/welcome", "{evil} followed");
        assert_eq!(br.get(&app, "/me").await.body, in_query);

        for signed_in_page in ["/login", "/register"] {
            let res = br
                .get(
                    &app,
                    &format!("{signed_in_page}?next={}", encode_next(evil)),
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER);
            assert_eq!(res.location(), "/home", "{signed_in_page}: {evil} followed");
        }
    }
    // The same paths do follow a local `next`.
    let mut br = Browser::new();
    let res = br
        .submit(
            &app,
            "/register",
            &pairs(&signup("local", Some("/reports?x=1"))),
        )
        .await;
    assert_eq!(res.location(), "/reports?x=1");
    let res = br.get(&app, "/login?next=%2Fdashboard").await;
    assert_eq!(res.location(), "/dashboard");
}

/// A filled signup form for `name`, with `next` when given.
fn signup(name: &str, next: Option<&str>) -> Vec<(String, String)> {
    let mut form = vec![
        ("username".into(), name.to_owned()),
        ("email".into(), format!("{name}@example.com")),
        ("password1".into(), PASSWORD.to_owned()),
        ("password2".into(), PASSWORD.to_owned()),
    ];
    form.extend(next.map(|n| ("next".into(), n.to_owned())));
    form
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn signup_creates_signs_in_and_redirects(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "lea"),
                ("email", "lea@example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/");
    assert_eq!(br.get(&app, "/me").await.body, "lea");
    assert!(ctx
        .auth
        .authenticate("lea@example.com", PASSWORD)
        .await
        .unwrap()
        .is_some());
}

async fn signup_shows_field_errors_and_keeps_values_but_not_passwords(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "max").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "MAX"),
                ("email", "not-an-email"),
                ("password1", "short"),
                ("password2", "different"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let m = &ctx.auth.settings().auth.messages;
    for expected in [&m.username_taken, &m.email_invalid, &m.password_mismatch] {
        let escaped = expected.replace('\'', "&#39;");
        assert!(
            res.body.contains(expected.as_str()) || res.body.contains(&escaped),
            "missing {expected:?}"
        );
    }
    assert!(res.body.contains("too short"), "password validator message");
    assert!(res.body.contains("value=\"MAX\"") && res.body.contains("value=\"not-an-email\""));
    assert!(!res.body.contains("value=\"short\"") && !res.body.contains("value=\"different\""));
    assert_eq!(
        portcullis::test_support::count_users(ctx.auth.db())
            .await
            .unwrap(),
        1
    );

    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "bad@name"),
                ("email", "n@example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert!(res.body.contains(m.username_invalid.as_str()));
}

async fn concurrent_signups_of_one_name_give_one_user_and_form_errors(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut browsers = Vec::new();
    for _ in 0..6 {
        let mut br = Browser::new();
        let token = csrf_of(&br.get(&app, "/register").await.body);
        browsers.push((br, token));
    }
    let posts = browsers.iter_mut().enumerate().map(|(i, (br, token))| {
        let email = format!("same{i}@example.com");
        let token = token.clone();
        let app = &app;
        async move {
            br.post(
                app,
                "/register",
                &[
                    ("csrf_token", &token),
                    ("username", "same"),
                    ("email", &email),
                    ("password1", PASSWORD),
                    ("password2", PASSWORD),
                ],
            )
            .await
        }
    });
    let responses = futures_util::future::join_all(posts).await;
    let statuses: Vec<_> = responses.iter().map(|r| r.status).collect();
    let (won, lost): (Vec<_>, Vec<_>) = responses
        .iter()
        .partition(|r| r.status == StatusCode::SEE_OTHER);
    assert_eq!(won.len(), 1, "{statuses:?}");
    assert_eq!(lost.len(), 5, "{statuses:?}");
    // Whether a loser saw the name taken before inserting or lost the race
    // at the unique index, its form says the name is taken.
    let taken = &ctx.auth.settings().auth.messages.username_taken;
    for res in lost {
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains(taken.as_str()), "{}", res.body);
        assert!(res.body.contains("value=\"same\""), "username kept");
    }
    assert_eq!(
        portcullis::test_support::count_users(ctx.auth.db())
            .await
            .unwrap(),
        1
    );
    let mut signed_in = Vec::new();
    for (br, _) in &mut browsers {
        signed_in.push(br.get(&app, "/me").await.body);
    }
    assert_eq!(
        signed_in.iter().filter(|n| *n == "same").count(),
        1,
        "only the winner is signed in: {signed_in:?}"
    );
}

async fn disabled_pages_are_not_mounted(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.auth.signup_enabled = false;
        s.auth.password_reset_enabled = false;
    })
    .await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    assert_eq!(
        br.get(&app, "/register").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!br.get(&app, "/login").await.body.contains("/register"));
    let login = br.get(&app, "/login").await;
    assert!(
        !login.body.contains("/password-reset"),
        "no link to it either"
    );
    for path in [
        "/password-reset",
        "/password-reset/done",
        "/password-reset/confirm/1/x",
    ] {
        assert_eq!(
            br.get(&app, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let ctx = setup_with(&b, |s| s.auth.enabled = false).await;
    let app = crate::support::app(&ctx.auth).await;
    assert_eq!(
        Browser::new().get(&app, "/login").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn custom_urls_and_messages_come_from_settings(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.auth.login_url = "/sign-in".into();
        s.auth.messages.login_heading = "Welcome back to Acme".into();
        s.auth.branding.brand_text = "Acme <Corp>".into();
    })
    .await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let res = br.get(&app, "/sign-in").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Welcome back to Acme"));
    assert!(
        res.body.contains("Acme &#60;Corp&#62;") || res.body.contains("Acme &lt;Corp&gt;"),
        "brand escaped"
    );
    let res = br.get(&app, "/dashboard").await;
    assert_eq!(res.location(), "/sign-in?next=%2Fdashboard");
}

/// The `<input …>` tag whose id is `id`.
fn input_tag<'a>(body: &'a str, id: &str) -> &'a str {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no input #{id} in {body}"));
    let start = body[..at].rfind("<input").unwrap();
    let end = at + body[at..].find('>').unwrap();
    &body[start..=end]
}

async fn fields_help_people_and_password_managers(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let page = br.get(&app, "/register").await;
    // Pasted new passwords are never cut short by the browser.
    for id in ["password1", "password2"] {
        assert!(
            !input_tag(&page.body, id).contains("maxlength"),
            "{}",
            input_tag(&page.body, id)
        );
    }
    // Account names are neither capitalised nor spell-checked by phones.
    for id in ["username", "email"] {
        let tag = input_tag(&page.body, id);
        assert!(
            tag.contains(r#"autocapitalize="none""#) && tag.contains(r#"spellcheck="false""#),
            "{tag}"
        );
    }
    assert!(input_tag(&page.body, "username").contains("autofocus"));

    // With errors, focus goes to the first field that has one.
    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "newcomer"),
                ("email", "not-an-email"),
                ("password1", "violet-harbour-42-kites"),
                ("password2", "violet-harbour-42-kites"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        !input_tag(&res.body, "username").contains("autofocus"),
        "{}",
        res.body
    );
    let email = input_tag(&res.body, "email");
    assert!(
        email.contains("autofocus") && email.contains(r#"aria-invalid="true""#),
        "{email}"
    );

    let login = br.get(&app, "/login").await;
    let tag = input_tag(&login.body, "login");
    assert!(
        tag.contains(r#"autocapitalize="none""#) && tag.contains("autofocus"),
        "{tag}"
    );
}

async fn an_email_only_login_field_is_filled_as_the_username(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.auth.login_fields = vec![portcullis::settings::LoginField::Email]
    })
    .await;
    let app = app(&ctx.auth).await;
    let page = Browser::new().get(&app, "/login").await;
    let tag = input_tag(&page.body, "login");
    assert!(
        tag.contains(r#"type="email""#) && tag.contains(r#"autocomplete="username""#),
        "{tag}"
    );
}

/// The `<title>` text of a page.
fn title_of(body: &str) -> &str {
    let start = body.find("<title>").expect("a title") + "<title>".len();
    &body[start..start + body[start..].find("</title>").unwrap()]
}

async fn a_form_with_errors_has_a_summary_linking_each_invalid_field(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "max").await;
    let app = app(&ctx.auth).await;
    let m = &ctx.auth.settings().auth.messages;
    let mut br = Browser::new();

    let clean = br.get(&app, "/register").await;
    assert!(!clean.body.contains("pc-error-summary"), "{}", clean.body);
    assert!(title_of(&clean.body).starts_with("Create an account"));

    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "MAX"),
                ("email", "not-an-email"),
                ("password1", PASSWORD),
                ("password2", "different-password-1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        title_of(&res.body).starts_with("Error: Create an account"),
        "{}",
        title_of(&res.body)
    );
    let summary_at = res
        .body
        .find("class=\"pc-error-summary\"")
        .expect("summary");
    let form_at = res.body.find("<form").unwrap();
    assert!(summary_at < form_at, "the summary comes before the form");
    assert!(res.body.contains(m.error_summary_heading.as_str()));
    for (id, message) in [
        ("username", &m.username_taken),
        ("email", &m.email_invalid),
        ("password2", &m.password_mismatch),
    ] {
        let link = format!("<a href=\"#{id}\">{}</a>", message.replace('\'', "&#39;"));
        assert!(res.body.contains(&link), "no {link} in {}", res.body);
        let tag = input_tag(&res.body, id);
        assert!(
            tag.contains(r#"aria-invalid="true""#)
                && tag.contains(&format!("aria-describedby=\"{id}-errors")),
            "{tag}"
        );
        assert!(res
            .body
            .contains(&format!("<ul class=\"pc-errors\" id=\"{id}-errors\">")));
    }
    // The valid password field is not marked.
    assert!(!input_tag(&res.body, "password1").contains("aria-invalid"));
    assert!(
        !res.body
            .contains("<ul class=\"pc-errors\" id=\"username-errors\" role"),
        "no role=alert on a list"
    );

    // The one login failure marks the login field and heads the page.
    let res = Browser::new()
        .login(&app, "max", "wrong-password-123")
        .await;
    assert!(
        title_of(&res.body).starts_with("Error: Sign in"),
        "{}",
        res.body
    );
    let tag = input_tag(&res.body, "login");
    assert!(
        tag.contains(r#"aria-invalid="true""#)
            && tag.contains(r#"aria-describedby="login-errors""#),
        "{tag}"
    );
    assert!(res.body.contains("<a href=\"#login\">"), "{}", res.body);
    let fresh = Browser::new().get(&app, "/login").await;
    assert!(!input_tag(&fresh.body, "login").contains("aria-invalid"));
    assert!(title_of(&fresh.body).starts_with("Sign in"));
}

#[derive(askama::Template)]
#[template(
    source = "{% extends \"portcullis/layouts/base.html\" %}{% block content %}<p>app page</p>{% endblock %}",
    ext = "html"
)]
struct AppPage {
    base: portcullis::render::PageBase,
}

#[actix_web::get("/app-page")]
async fn app_page(auth: actix_web::web::ReqData<portcullis::Auth>) -> actix_web::HttpResponse {
    let base = portcullis::render::page_base(auth.settings(), "App", None);
    auth.render_page(&AppPage { base }, StatusCode::OK)
}

async fn only_auth_pages_ask_search_engines_not_to_index_them(b: Backend) {
    let ctx = setup(&b).await;
    let app = actix_web::test::init_service(
        actix_web::App::new()
            .add_auth_pages(&ctx.auth)
            .service(app_page),
    )
    .await;
    let noindex = r#"<meta name="robots" content="noindex">"#;
    let mut br = Browser::new();
    for path in ["/login", "/register", "/logout"] {
        let res = br.get(&app, path).await;
        assert!(res.body.contains(noindex), "{path}: {}", res.body);
    }
    let res = br.get(&app, "/app-page").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<p>app page</p>"));
    assert!(!res.body.contains("noindex"), "{}", res.body);
}

/// Every string and link of the page frame comes from settings: language,
/// brand link, extra stylesheet, "Signed in as", the logout page's home
/// link and the error pages' headings.
async fn branding_language_and_every_frame_string_come_from_settings(b: Backend) {
    let ctx = setup_with(&b, |s| {
        let (br, m) = (&mut s.auth.branding, &mut s.auth.messages);
        br.home_url = "/accueil".into();
        br.extra_stylesheet = "/static/app.css".into();
        br.brand_icon_src = "/static/logo.svg".into();
        br.primary_color = "#0b6e4f".into();
        m.lang = "fr-CA".into();
        m.signed_in_as = "Connecté en tant que".into();
        m.logout_home_link = "Retour à l’accueil".into();
        m.bad_request_heading = "Requête invalide".into();
    })
    .await;
    user(&ctx, "zoe").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let page = br.get(&app, "/logout").await;
    for expected in [
        r#"<html lang="fr-CA">"#,
        r#"<a class="pc-brand" href="/accueil">"#,
        r#"<link rel="stylesheet" href="/static/app.css">"#,
        r#"src="/static/logo.svg""#,
        "--pc-primary: #0b6e4f",
        r#"<a href="/accueil">Retour à l’accueil</a>"#,
    ] {
        assert!(
            page.body.contains(expected),
            "no {expected} in {}",
            page.body
        );
    }
    // The default stylesheet comes first, so the app's own overrides it.
    assert!(page.body.find("portcullis.css").unwrap() < page.body.find("/static/app.css").unwrap());
    br.login(&app, "zoe", PASSWORD).await;
    let page = br.get(&app, "/logout").await;
    assert!(
        page.body
            .contains("Connecté en tant que <strong>zoe</strong>"),
        "{}",
        page.body
    );
    let token = csrf_of(&page.body);
    let bad = br
        .post_with(
            &app,
            "/login",
            &[],
            &[("content-type", "text/plain"), ("x-csrf-token", &token)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Requête invalide"), "{}", bad.body);
    assert!(!bad.body.contains("Bad Request"), "{}", bad.body);

    // The defaults name no extra stylesheet.
    let ctx = setup(&b).await;
    let app = crate::support::app(&ctx.auth).await;
    let page = Browser::new().get(&app, "/logout").await;
    assert_eq!(page.body.matches("rel=\"stylesheet\"").count(), 1);
    assert!(page.body.contains(r#"<html lang="en">"#));
}

crate::on_both_backends!(
    login_page_has_a_csrf_form_and_safe_headers,
    one_message_for_unknown_user_wrong_password_and_inactive,
    login_redirects_to_a_safe_next_only,
    signed_in_users_are_sent_away_from_login_and_signup,
    signup_and_the_signed_in_redirect_drop_an_unsafe_next,
    signup_creates_signs_in_and_redirects,
    signup_shows_field_errors_and_keeps_values_but_not_passwords,
    concurrent_signups_of_one_name_give_one_user_and_form_errors,
    disabled_pages_are_not_mounted,
    custom_urls_and_messages_come_from_settings,
    fields_help_people_and_password_managers,
    an_email_only_login_field_is_filled_as_the_username,
    a_form_with_errors_has_a_summary_linking_each_invalid_field,
    only_auth_pages_ask_search_engines_not_to_index_them,
    branding_language_and_every_frame_string_come_from_settings,
);
