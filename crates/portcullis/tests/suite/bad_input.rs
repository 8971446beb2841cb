//! Bad input gets a clear page and the right status, never a panic or a 500.

use actix_web::{
    http::{header, StatusCode},
    test,
};

use crate::support::{app, csrf_of, setup, setup_with, user, Backend, Browser, PASSWORD};

async fn malformed_and_invalid_utf8_forms_get_400(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/login").await.body);
    for body in [
        format!("csrf_token={token}&login=%FF%FE&password=x"),
        format!("csrf_token={token}&login=a&login=b&password=x"),
    ] {
        let res = br
            .send(
                &app,
                test::TestRequest::post()
                    .uri("/login")
                    .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                    .set_payload(body.clone()),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.body);
        assert!(res.header("content-type").starts_with("text/html"));
    }
}

async fn huge_forms_get_413(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/login").await.body);
    let big = "x".repeat(200_000);
    let res = br
        .post(
            &app,
            "/login",
            &[("csrf_token", &token), ("login", &big), ("password", "x")],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res
        .body
        .contains(ctx.auth.settings().auth.messages.too_large.as_str()));
}

async fn overlong_fields_get_form_errors(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let long_name = "u".repeat(151);
    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", &long_name),
                ("email", "u@example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .body
        .contains(ctx.auth.settings().auth.messages.username_too_long.as_str()));
    let long_pw = "p".repeat(500);
    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "ok"),
                ("email", "ok@example.com"),
                ("password1", &long_pw),
                ("password2", &long_pw),
            ],
        )
        .await;
    assert!(res.body.contains("too long"), "{}", res.body);
    let res = br
        .submit(
            &app,
            "/login",
            &[("login", &"l".repeat(300)), ("password", "x")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .body
        .contains(ctx.auth.settings().auth.messages.login_failed.as_str()));
}

async fn garbage_session_cookies_are_ignored(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    for garbage in ["x", "%%%", &"A".repeat(3000), "eyJhbGciOiJub25lIn0.e30."] {
        let mut br = Browser::new();
        br.cookies
            .insert("portcullis_session".into(), garbage.to_string());
        let res = br.get(&app, "/login").await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(br.get(&app, "/me").await.body, "anonymous");
    }
}

async fn an_unreachable_database_gets_a_503_page(b: Backend) {
    // The outage is simulated by closing the pool, so the app must use that one pool.
    let ctx = setup_with(&b, |s| s.database.pool_per_worker = false).await;
    user(&ctx, "tia").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "tia", PASSWORD).await;
    let mut fresh = Browser::new();
    let token = csrf_of(&fresh.get(&app, "/login").await.body);
    ctx.auth.db().close().await;
    let res = br.get(&app, "/dashboard").await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert!(res
        .body
        .contains(ctx.auth.settings().auth.messages.unavailable.as_str()));
    assert!(!res.header("retry-after").is_empty());
    let res = fresh
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "tia"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    // A new visitor's login page needs no database: the form's CSRF secret
    // lives in a signed cookie, so the page shows and its POST is the 503 above.
    let res = Browser::new().get(&app, "/login").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("csrf_token"));
}

crate::on_both_backends!(
    malformed_and_invalid_utf8_forms_get_400,
    huge_forms_get_413,
    overlong_fields_get_form_errors,
    garbage_session_cookies_are_ignored,
    an_unreachable_database_gets_a_503_page,
);

/// PostgreSQL restarted, or a proxy cut idle connections: the pool must
/// notice before use (it pings a connection idle over a second) and open a
/// new one, so the next request is served, not answered 503.
#[actix_web::test]
async fn postgres_connections_dropped_while_idle_are_replaced_before_use() {
    let Some(b) = Backend::postgres() else {
        return;
    };
    let ctx = setup_with(&b, |s| s.database.pool_per_worker = false).await;
    user(&ctx, "ida").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "ida", PASSWORD).await;
    assert_eq!(br.get(&app, "/dashboard").await.status, StatusCode::OK);
    let admin = sqlx::PgPool::connect(&ctx.auth.settings().database.url)
        .await
        .unwrap();
    let (ended,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    admin.close().await;
    assert!(ended >= 1, "the app's pooled connections were ended");
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let res = br.get(&app, "/dashboard").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}
