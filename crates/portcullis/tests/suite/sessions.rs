//! The database session store, cookie flags, rotation, logout, expiry.

use actix_web::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::support::{app, exec, setup, setup_with, user, Backend, Browser, PASSWORD};

fn session_cookie(b: &Browser) -> String {
    b.cookies
        .get("portcullis_session")
        .cloned()
        .expect("a session cookie")
}

/// The session key inside a signed cookie value (the signature is 44 base64 chars).
fn key_of(cookie: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(cookie)
        .decode_utf8()
        .unwrap();
    decoded[44..].to_owned()
}

async fn stored_hashes(ctx: &crate::support::Ctx) -> Vec<String> {
    match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => {
            sqlx::query_scalar("SELECT key_hash FROM portcullis_sessions")
                .fetch_all(p)
                .await
                .unwrap()
        }
        portcullis::db::Database::Postgres(p) => {
            sqlx::query_scalar("SELECT key_hash FROM portcullis_sessions")
                .fetch_all(p)
                .await
                .unwrap()
        }
    }
}

async fn session_keys_are_stored_hashed(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ann").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "ann", PASSWORD).await;
    let key = key_of(&session_cookie(&br));
    let hashes = stored_hashes(&ctx).await;
    assert!(!hashes.contains(&key), "raw key stored");
    assert!(
        hashes.contains(&hex::encode(Sha256::digest(key.as_bytes()))),
        "hash of the key not found"
    );
}

fn set_cookie(res: &crate::support::Resp, name: &str) -> String {
    res.set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", res.set_cookies()))
}

async fn cookie_is_httponly_lax_and_not_secure_on_plain_http_localhost(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "abe").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    // An anonymous visitor gets only the CSRF cookie, flagged the same way.
    let res = br.get(&app, "/login").await;
    let token = crate::support::csrf_of(&res.body);
    let cookie = set_cookie(&res, "portcullis_session_csrf");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "abe"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let cookie = set_cookie(&res, "portcullis_session");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

async fn https_origin_gives_a_secure_host_prefixed_cookie(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.auth.site_origin = "https://auth.example.com".into()
    })
    .await;
    user(&ctx, "bo").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let res = br.get(&app, "/login").await;
    let token = crate::support::csrf_of(&res.body);
    let csrf = set_cookie(&res, "__Host-portcullis_session_csrf");
    let res = br
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "bo"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let session = set_cookie(&res, "__Host-portcullis_session");
    for cookie in [csrf, session] {
        assert!(
            cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.contains("Domain"), "{cookie}");
    }
}

async fn login_rotates_the_session_id(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "bea").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    // An anonymous session with data of its own (the app wrote to it).
    br.get(&app, "/set-theme/dark").await;
    let before = session_cookie(&br);
    let res = br.login(&app, "bea", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let after = session_cookie(&br);
    assert_ne!(key_of(&before), key_of(&after));
    // The pre-login id is dead: a fixated cookie gives no access.
    let mut attacker = Browser::new();
    attacker.cookies.insert("portcullis_session".into(), before);
    assert_eq!(attacker.get(&app, "/me").await.body, "anonymous");
    assert_eq!(br.get(&app, "/me").await.body, "bea");
}

async fn logout_deletes_the_server_session_and_keeps_only_preserved_keys(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "cy").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "cy", PASSWORD).await;
    br.get(&app, "/set-theme/dark").await;
    let signed_in = session_cookie(&br);
    // GET only asks.
    let confirm = br.get(&app, "/logout").await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("method=\"post\""), "{}", confirm.body);
    assert_eq!(br.get(&app, "/me").await.body, "cy");
    let res = br.submit(&app, "/logout", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/");
    assert_eq!(res.header("clear-site-data"), "\"cache\"");
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
    assert_eq!(
        br.get(&app, "/theme").await.body,
        "dark",
        "theme survives logout"
    );
    let mut replay = Browser::new();
    replay
        .cookies
        .insert("portcullis_session".into(), signed_in);
    assert_eq!(
        replay.get(&app, "/me").await.body,
        "anonymous",
        "old session row deleted"
    );
    assert_eq!(replay.get(&app, "/theme").await.body, "none");
}

async fn a_password_change_ends_other_sessions(b: Backend) {
    let ctx = setup(&b).await;
    let u = user(&ctx, "dee").await;
    let app = app(&ctx.auth).await;
    let (mut one, mut two) = (Browser::new(), Browser::new());
    one.login(&app, "dee", PASSWORD).await;
    two.login(&app, "dee", PASSWORD).await;
    assert_eq!(
        portcullis::db::sessions::count_for_user(ctx.auth.db(), u.id)
            .await
            .unwrap(),
        2
    );
    ctx.auth
        .set_password(&u, "new-violet-harbour-77")
        .await
        .unwrap();
    assert_eq!(one.get(&app, "/me").await.body, "anonymous");
    assert_eq!(two.get(&app, "/me").await.body, "anonymous");
    assert_eq!(
        portcullis::db::sessions::count_for_user(ctx.auth.db(), u.id)
            .await
            .unwrap(),
        0
    );
}

async fn a_stale_credential_version_is_refused_even_if_the_row_survives(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "eve").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "eve", PASSWORD).await;
    exec(
        &ctx,
        "UPDATE portcullis_users SET credential_version = credential_version + 1",
    )
    .await;
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
}

async fn expired_and_idle_sessions_are_ignored_and_cleared(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "fay").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "fay", PASSWORD).await;
    assert_eq!(br.get(&app, "/me").await.body, "fay");
    exec(&ctx, "UPDATE portcullis_sessions SET expires_at = 0").await;
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
    assert!(ctx.auth.clear_expired_sessions().await.unwrap() >= 1);
    assert_eq!(
        portcullis::db::sessions::count(ctx.auth.db())
            .await
            .unwrap(),
        0
    );

    let mut idle = Browser::new();
    idle.login(&app, "fay", PASSWORD).await;
    exec(&ctx, "UPDATE portcullis_sessions SET last_seen = 0").await;
    assert_eq!(
        idle.get(&app, "/me").await.body,
        "anonymous",
        "idle timeout"
    );
    assert_eq!(ctx.auth.clear_expired_sessions().await.unwrap(), 1);
}

async fn deactivating_a_user_ends_their_sessions(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "gus").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "gus", PASSWORD).await;
    ctx.auth
        .set_user_flags("gus", false, false, false)
        .await
        .unwrap();
    let res = br.get(&app, "/dashboard").await;
    assert_eq!(res.status, StatusCode::FOUND);
}

crate::on_both_backends!(
    session_keys_are_stored_hashed,
    cookie_is_httponly_lax_and_not_secure_on_plain_http_localhost,
    https_origin_gives_a_secure_host_prefixed_cookie,
    login_rotates_the_session_id,
    logout_deletes_the_server_session_and_keeps_only_preserved_keys,
    a_password_change_ends_other_sessions,
    a_stale_credential_version_is_refused_even_if_the_row_survives,
    expired_and_idle_sessions_are_ignored_and_cleared,
    deactivating_a_user_ends_their_sessions,
);

/// An app passes in a PostgreSQL pool whose `after_connect` hook sets
/// `search_path` to the schema Portcullis' tables live in. The session
/// read's own connections are opened without that hook and cannot find the
/// sessions table: the page is a clear 503, and with
/// `database.session_read_connections = false` the read goes through the
/// pool (hook applied, on each worker's copy too) and the page is served.
#[actix_web::test]
async fn a_pool_with_an_after_connect_hook_can_serve_the_session_read() {
    use sqlx::{postgres::PgPoolOptions, Executor as _};
    let Some(b) = Backend::postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::support::settings(&b, &dir).await;
    let url = settings.database.url.clone();
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    admin.execute("CREATE SCHEMA auth").await.unwrap();
    admin.close().await;
    let hooked = || {
        PgPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move { conn.execute("SET search_path TO auth").await.map(|_| ()) })
            })
            .connect_lazy(&url)
            .unwrap()
    };
    let mut served = vec![];
    for reads in [false, true] {
        let mut s = settings.clone();
        s.database.session_read_connections = reads;
        let auth = portcullis::Auth::builder(s)
            .database(portcullis::db::Database::Postgres(hooked()))
            .connect()
            .await
            .expect("connect through the hooked pool");
        if !reads {
            auth.create_user(portcullis::NewUser::new("hal", "hal@example.com", PASSWORD))
                .await
                .unwrap()
                .unwrap();
        }
        let app = app(&auth).await;
        let mut br = Browser::new();
        // Signing in already reads the session the login form started.
        let login = br.login(&app, "hal", PASSWORD).await;
        let res = br.get(&app, "/dashboard").await;
        served.push((login.status, res.status, res.body));
    }
    let (login, status, body) = &served[0];
    assert_eq!(*login, StatusCode::SEE_OTHER);
    assert_eq!(*status, StatusCode::OK, "reads through the pool: {body}");
    assert!(body.contains("hal"), "{body}");
    let (login, status, body) = &served[1];
    assert!(
        [StatusCode::SEE_OTHER, StatusCode::SERVICE_UNAVAILABLE].contains(login),
        "{login}"
    );
    assert_eq!(
        *status,
        StatusCode::SERVICE_UNAVAILABLE,
        "reads on connections without the hook: {body}"
    );
    assert!(!body.contains("panicked"), "{body}");
}
