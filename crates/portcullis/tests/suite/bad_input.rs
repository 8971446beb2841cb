//! Bad input gets a clear page and the right status, never a panic or a 500.

use actix_web::{
    http::{header, StatusCode},
    test,
};

use portcullis::Auth;

use crate::support::{
    app, csrf_of, exec, setup, setup_with, user, Backend, Browser, Resp, PASSWORD,
};

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
    assert_unavailable(&ctx.auth, &res);
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

/// The 503 page: the unavailable message and a `Retry-After`, never a 500.
fn assert_unavailable(auth: &Auth, res: &Resp) {
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert!(res
        .body
        .contains(auth.settings().auth.messages.unavailable.as_str()));
    assert!(!res.header("retry-after").is_empty());
}

const NEWCOMER: [(&str, &str); 4] = [
    ("username", "newcomer"),
    ("email", "newcomer@example.com"),
    ("password1", PASSWORD),
    ("password2", PASSWORD),
];

/// The database refuses writes for a while (a PostgreSQL standby, or a
/// failover under way; a read-only SQLite file): forms that write get the
/// 503 page, as for an unreachable database, and pages that only read work.
async fn a_read_only_database_gets_a_503_page(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ros").await;
    let mut s = ctx.auth.settings().clone();
    s.database.auto_migrate = Some(false);
    match &b {
        Backend::Sqlite => s.database.url = s.database.url.replace("mode=rwc", "mode=ro"),
        // New connections start read-only, as on a hot standby.
        Backend::Postgres(_) => {
            exec(
                &ctx,
                "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET \
                 default_transaction_read_only = on', current_database()); END $$",
            )
            .await
        }
    }
    let ro = Auth::connect(s).await.expect("a read-only database opens");
    let app = app(&ro).await;
    let res = Browser::new().submit(&app, "/register", &NEWCOMER).await;
    assert_unavailable(&ro, &res);
    let res = Browser::new().login(&app, "ros", PASSWORD).await;
    assert_unavailable(&ro, &res);
    assert_eq!(
        Browser::new().get(&app, "/login").await.status,
        StatusCode::OK
    );
    assert!(ro.user_by_username("ros").await.unwrap().is_some());
    assert!(ro.user_by_username("newcomer").await.unwrap().is_none());
}

crate::on_both_backends!(
    malformed_and_invalid_utf8_forms_get_400,
    huge_forms_get_413,
    overlong_fields_get_form_errors,
    garbage_session_cookies_are_ignored,
    an_unreachable_database_gets_a_503_page,
    a_read_only_database_gets_a_503_page,
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

/// A statement that runs past PostgreSQL's `statement_timeout` (here it waits
/// on a table an operator holds locked) is cancelled by the server: the form
/// gets the 503 page, and the signup can be made again once the lock goes.
#[actix_web::test]
async fn postgres_statement_timeouts_get_a_503_page() {
    let Some(b) = Backend::postgres() else {
        return;
    };
    let ctx = setup(&b).await;
    exec(
        &ctx,
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET statement_timeout = 300', \
         current_database()); END $$",
    )
    .await;
    let mut s = ctx.auth.settings().clone();
    s.database.auto_migrate = Some(false);
    let timed = Auth::connect(s).await.unwrap();
    let app = app(&timed).await;
    let mut br = Browser::new();
    let operator = sqlx::PgPool::connect(&timed.settings().database.url)
        .await
        .unwrap();
    let mut lock = operator.begin().await.unwrap();
    sqlx::query("SET LOCAL statement_timeout = 0")
        .execute(&mut *lock)
        .await
        .unwrap();
    sqlx::query("LOCK TABLE portcullis_users IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    // The form page needs no database: only the POST waits on the lock.
    let res = br.submit(&app, "/register", &NEWCOMER).await;
    assert_unavailable(&timed, &res);
    lock.rollback().await.unwrap();
    operator.close().await;
    let res = br.submit(&app, "/register", &NEWCOMER).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(timed.user_by_username("newcomer").await.unwrap().is_some());
}
