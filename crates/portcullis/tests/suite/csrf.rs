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

crate::on_both_backends!(
    an_authorization_header_does_not_switch_csrf_off,
    an_exemption_matches_whole_path_segments,
    an_exemption_covering_an_auth_page_is_refused,
    a_token_rendered_after_a_stale_session_ends_still_works,
    a_header_token_is_checked_like_a_form_token,
);
