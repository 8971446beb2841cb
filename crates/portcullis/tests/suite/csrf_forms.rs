//! CSRF: the form token, the header token, `Origin` and `Sec-Fetch-Site`,
//! on the login, logout and signup forms and the app's own.

use actix_web::http::StatusCode;

use crate::support::{app, csrf_of, setup, setup_with, user, Backend, Browser, PASSWORD};

async fn missing_or_wrong_csrf_tokens_get_a_403_page(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "rae").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.get(&app, "/login").await;
    let res = br
        .post(&app, "/login", &[("login", "rae"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res
        .body
        .contains(ctx.auth.settings().auth.messages.csrf_failed.as_str()));
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", "AAAA"),
                ("login", "rae"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // A token from another session does not work either.
    let other = csrf_of(&Browser::new().get(&app, "/login").await.body);
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &other),
                ("login", "rae"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
    // Logout needs the token too.
    br.login(&app, "rae", PASSWORD).await;
    assert_eq!(
        br.post(&app, "/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(br.get(&app, "/me").await.body, "rae");
    // The app's own forms are covered as well; JSON needs the header.
    assert_eq!(
        br.post(&app, "/echo", &[("a", "b")]).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn cross_origin_posts_are_refused_even_with_a_token(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "sam").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/login").await.body);
    br.headers
        .push(("origin".into(), "https://evil.example".into()));
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "sam"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    br.headers = vec![("origin".into(), "http://127.0.0.1:8000".into())];
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "sam"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

/// The signup form as a browser fills it, for `name`.
fn signup(name: &str) -> [(&'static str, String); 4] {
    [
        ("username", name.to_owned()),
        ("email", format!("{name}@example.com")),
        ("password1", PASSWORD.to_owned()),
        ("password2", PASSWORD.to_owned()),
    ]
}

fn with_token<'a>(
    token: Option<&'a str>,
    form: &'a [(&'static str, String)],
) -> Vec<(&'a str, &'a str)> {
    token
        .map(|t| ("csrf_token", t))
        .into_iter()
        .chain(form.iter().map(|(k, v)| (*k, v.as_str())))
        .collect()
}

async fn users(ctx: &crate::support::Ctx) -> i64 {
    portcullis::test_support::count_users(ctx.auth.db())
        .await
        .unwrap()
}

/// The signup form needs its own page's token: none, a forged one or
/// another visitor's is a 403 page and creates nobody.
async fn signup_refuses_a_missing_forged_or_foreign_token(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let form = signup("una");
    let mut br = Browser::new();
    let own = csrf_of(&br.get(&app, "/register").await.body);
    let foreign = csrf_of(&Browser::new().get(&app, "/register").await.body);
    let refused = &ctx.auth.settings().auth.messages.csrf_failed;
    for token in [None, Some("AAAA"), Some(foreign.as_str())] {
        let res = br.post(&app, "/register", &with_token(token, &form)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{token:?}");
        assert!(
            res.body.contains(refused.as_str()),
            "{token:?}: {}",
            res.body
        );
    }
    assert_eq!(users(&ctx).await, 0);
    let res = br
        .post(&app, "/register", &with_token(Some(&own), &form))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(br.get(&app, "/me").await.body, "una");
}

/// Scripts send the page's token in `X-CSRF-Token` instead of the form:
/// it is accepted alone, and when present it is the token checked (a wrong
/// header is not rescued by a right form field).
async fn signup_checks_the_header_token(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let own = csrf_of(&br.get(&app, "/register").await.body);
    let foreign = csrf_of(&Browser::new().get(&app, "/register").await.body);
    let form = signup("vic");
    for header in ["AAAA", foreign.as_str()] {
        let res = br
            .post_with(
                &app,
                "/register",
                &with_token(Some(&own), &form),
                &[("x-csrf-token", header)],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{header}");
    }
    assert_eq!(users(&ctx).await, 0);
    let res = br
        .post_with(
            &app,
            "/register",
            &with_token(None, &form),
            &[("x-csrf-token", &own)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(br.get(&app, "/me").await.body, "vic");
}

/// A browser that sends no `Origin` still says where a request comes
/// from in `Sec-Fetch-Site`: cross-site is refused whatever the token.
async fn signup_refuses_a_cross_site_post_without_origin(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/register").await.body);
    let form = signup("wes");
    let res = br
        .post_with(
            &app,
            "/register",
            &with_token(Some(&token), &form),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(users(&ctx).await, 0);
    let res = br
        .post_with(
            &app,
            "/register",
            &with_token(Some(&token), &form),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

/// `security.csrf_trusted_origins` admits another origin's form posts
/// (with the page's token still); any other origin stays refused.
async fn signup_admits_a_trusted_origin_only(b: Backend) {
    for trusted in [false, true] {
        let ctx = setup_with(&b, |s| {
            if trusted {
                s.security.csrf_trusted_origins = vec!["https://partner.example".into()];
            }
        })
        .await;
        let app = app(&ctx.auth).await;
        let mut br = Browser::new();
        let token = csrf_of(&br.get(&app, "/register").await.body);
        let form = signup("xia");
        let post = |origin: &'static str| {
            let fields = with_token(Some(&token), &form);
            let mut br = br.clone();
            let app = &app;
            async move {
                br.post_with(app, "/register", &fields, &[("origin", origin)])
                    .await
                    .status
            }
        };
        assert_eq!(post("https://evil.example").await, StatusCode::FORBIDDEN);
        assert_eq!(post("http://partner.example").await, StatusCode::FORBIDDEN);
        let expected = if trusted {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(
            post("https://partner.example").await,
            expected,
            "trusted: {trusted}"
        );
        assert_eq!(users(&ctx).await, i64::from(trusted));
    }
}

crate::on_both_backends!(
    missing_or_wrong_csrf_tokens_get_a_403_page,
    cross_origin_posts_are_refused_even_with_a_token,
    signup_refuses_a_missing_forged_or_foreign_token,
    signup_checks_the_header_token,
    signup_refuses_a_cross_site_post_without_origin,
    signup_admits_a_trusted_origin_only,
);
