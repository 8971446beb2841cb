//! CSRF: the form token, the header token, `Origin` and `Sec-Fetch-Site`,
//! on the login, logout and signup forms and the app's own.

use actix_web::http::StatusCode;

use crate::support::{app, csrf_of, setup, user, Backend, Browser, PASSWORD};

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

crate::on_both_backends!(
    missing_or_wrong_csrf_tokens_get_a_403_page,
    cross_origin_posts_are_refused_even_with_a_token,
);
