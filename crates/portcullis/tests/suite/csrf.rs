//! CSRF holes found by the security review: what may not switch the check
//! off, what an exemption covers, and tokens that must stay valid.

use actix_web::{http::StatusCode, test};

use crate::support::{app, csrf_of, exec, setup, setup_with, user, Backend, Browser, PASSWORD};

/// Browsers resend Basic, Digest and Negotiate credentials by themselves, so
/// an `Authorization` header proves nothing about who sent a form.
async fn an_authorization_header_does_not_switch_csrf_off(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ada").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "ada", PASSWORD).await;
    br.headers = vec![
        ("authorization".into(), "Basic Zm9vOmJhcg==".into()),
        ("origin".into(), "http://evil.example".into()),
    ];
    let res = br.post(&app, "/logout", &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    br.headers.clear();
    assert_eq!(br.get(&app, "/me").await.body, "ada", "signed out by CSRF");

    // Login CSRF: a cross-site form signing the victim into the attacker's account.
    let mut victim = Browser::new();
    victim.get(&app, "/login").await;
    victim.headers = vec![("authorization".into(), "Negotiate abc".into())];
    let res = victim
        .post(&app, "/login", &[("login", "ada"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    victim.headers.clear();
    assert_eq!(victim.get(&app, "/me").await.body, "anonymous");
}

/// `"/api"` exempts `/api` and `/api/…`, never `/apikeys`.
async fn an_exemption_matches_whole_path_segments(b: Backend) {
    let ctx = setup_with(&b, |s| s.security.csrf_exempt_paths = vec!["/api".into()]).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    // No route there: exempt requests reach routing (404), checked ones stop at 403.
    for (path, want) in [
        ("/api", StatusCode::NOT_FOUND),
        ("/api/hook", StatusCode::NOT_FOUND),
        ("/apikeys", StatusCode::FORBIDDEN),
        ("/api-v2/x", StatusCode::FORBIDDEN),
    ] {
        let res = br.post(&app, path, &[("a", "b")]).await;
        assert_eq!(res.status, want, "POST {path}");
    }
}

/// An exemption covering a Portcullis page stops start-up, naming the key.
async fn an_exemption_covering_an_auth_page_is_refused(b: Backend) {
    for exempt in ["/", "/login", "/log", "/register/"] {
        let dir = tempfile::tempdir().unwrap();
        let mut s = crate::support::settings(&b, &dir).await;
        s.security.csrf_exempt_paths = vec![exempt.into()];
        let result = s.validate();
        if exempt == "/log" {
            // "/log" is not a segment of "/login" or "/logout".
            assert!(result.is_ok(), "{exempt}: {result:?}");
            continue;
        }
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("security.csrf_exempt_paths"),
            "{exempt}: {err}"
        );
    }
}

/// A page rendered in the request that ended a stale session shows a token
/// the next post accepts (actix-session ignores inserts after `purge`).
async fn a_token_rendered_after_a_stale_session_ends_still_works(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "bea").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "bea", PASSWORD).await;
    // The password changed elsewhere: this session is stale.
    exec(
        &ctx,
        "UPDATE portcullis_users SET credential_version = credential_version + 1",
    )
    .await;
    // This GET finds the session stale, ends it and renders the form.
    let page = br.get(&app, "/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = csrf_of(&page.body);
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "bea"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(br.get(&app, "/me").await.body, "bea");
}

/// The token travels in a header as well; it must still be the page's.
async fn a_header_token_is_checked_like_a_form_token(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/login").await.body);
    let req = test::TestRequest::post()
        .uri("/echo")
        .insert_header(("x-csrf-token", token.as_str()))
        .set_payload("hello");
    assert_eq!(br.send(&app, req).await.body, "5 bytes");
    let req = test::TestRequest::post()
        .uri("/echo")
        .insert_header(("x-csrf-token", "AAAA"))
        .set_payload("hello");
    assert_eq!(br.send(&app, req).await.status, StatusCode::FORBIDDEN);
}

/// A crawler cannot grow the session table: anonymous page views, failed
/// logins and failed signups write no session row.
async fn anonymous_visits_write_no_session_rows(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "cal").await;
    let app = app(&ctx.auth).await;
    for _ in 0..5 {
        let mut crawler = Browser::new();
        assert_eq!(crawler.get(&app, "/login").await.status, StatusCode::OK);
        assert_eq!(crawler.get(&app, "/register").await.status, StatusCode::OK);
        assert_eq!(crawler.get(&app, "/logout").await.status, StatusCode::OK);
    }
    let mut br = Browser::new();
    let res = br.login(&app, "cal", "wrong password").await;
    assert_eq!(res.status, StatusCode::OK);
    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "cal"),
                ("email", "x@example.com"),
                ("password1", "a"),
                ("password2", "b"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        !br.cookies.contains_key("portcullis_session"),
        "{:?}",
        br.cookies
    );
    assert_eq!(
        portcullis::test_support::count_sessions(ctx.auth.db())
            .await
            .unwrap(),
        0,
        "anonymous visits wrote session rows"
    );
    // Signing in writes the first row.
    assert_eq!(
        br.login(&app, "cal", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        portcullis::test_support::count_sessions(ctx.auth.db())
            .await
            .unwrap(),
        1
    );
}

/// At login the secret moves into the session: tokens from before no
/// longer work, and the anonymous cookie is expired.
async fn login_rotates_the_csrf_secret(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "dot").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let before = csrf_of(&br.get(&app, "/login").await.body);
    assert!(br.cookies.contains_key("portcullis_session_csrf"));
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &before),
                ("login", "dot"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(
        !br.cookies.contains_key("portcullis_session_csrf"),
        "anonymous CSRF cookie kept after login: {:?}",
        res.set_cookies()
    );
    let res = br.post(&app, "/logout", &[("csrf_token", &before)]).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "a pre-login token still works"
    );
    let after = csrf_of(&br.get(&app, "/logout").await.body);
    let res = br.post(&app, "/logout", &[("csrf_token", &after)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
}

/// A forged or unsigned anonymous cookie gives no valid token.
async fn a_forged_csrf_cookie_is_refused(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "eli").await;
    let app = app(&ctx.auth).await;
    // Another site's Portcullis (another key) signs its own cookie and token.
    let other = setup(&b).await;
    let other_app = crate::support::app(&other.auth).await;
    let mut attacker = Browser::new();
    let token = csrf_of(&attacker.get(&other_app, "/login").await.body);
    let mut victim = Browser::new();
    victim.cookies = attacker.cookies.clone();
    let res = victim
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "eli"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

crate::on_both_backends!(
    anonymous_visits_write_no_session_rows,
    login_rotates_the_csrf_secret,
    a_forged_csrf_cookie_is_refused,
    an_authorization_header_does_not_switch_csrf_off,
    an_exemption_matches_whole_path_segments,
    an_exemption_covering_an_auth_page_is_refused,
    a_token_rendered_after_a_stale_session_ends_still_works,
    a_header_token_is_checked_like_a_form_token,
);
