//! The database session store, cookie flags, rotation, logout, expiry.

use actix_web::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::support::{
    app, csrf_of, exec, exec_with, sessions_of, setup, setup_with, user, Backend, Browser, PASSWORD,
};

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

/// `Auth::set_password` (the CLI's `changepassword`) ends every session of
/// the user, the one that asked included: no library call yet keeps the
/// current session while ending the others (see the next test).
async fn set_password_ends_every_session_of_the_user_and_no_other(b: Backend) {
    let ctx = setup(&b).await;
    let dee = user(&ctx, "dee").await;
    let eli = user(&ctx, "eli").await;
    let app = app(&ctx.auth).await;
    let (mut one, mut two, mut other) = (Browser::new(), Browser::new(), Browser::new());
    one.login(&app, "dee", PASSWORD).await;
    two.login(&app, "dee", PASSWORD).await;
    other.login(&app, "eli", PASSWORD).await;
    assert_eq!(
        (sessions_of(&ctx, &dee).await, sessions_of(&ctx, &eli).await),
        (2, 1)
    );
    ctx.auth
        .set_password(&dee, "new-violet-harbour-77")
        .await
        .unwrap();
    assert_eq!(
        (sessions_of(&ctx, &dee).await, sessions_of(&ctx, &eli).await),
        (0, 1)
    );
    assert_eq!(one.get(&app, "/me").await.body, "anonymous");
    assert_eq!(two.get(&app, "/me").await.body, "anonymous");
    assert_eq!(other.get(&app, "/me").await.body, "eli");
    let changed = ctx.auth.user_by_id(dee.id).await.unwrap().unwrap();
    assert_eq!(changed.credential_version(), dee.credential_version() + 1);
}

/// Until the library has a password-change page, an app's own page keeps
/// the browser that changed the password signed in by signing it in again
/// (`support::change_password`): that browser survives under a new session
/// id, every other session of the user ends.
async fn a_browser_that_signs_in_again_after_set_password_alone_survives(b: Backend) {
    let ctx = setup(&b).await;
    let dee = user(&ctx, "dee").await;
    let app = app(&ctx.auth).await;
    let (mut current, mut other) = (Browser::new(), Browser::new());
    current.login(&app, "dee", PASSWORD).await;
    other.login(&app, "dee", PASSWORD).await;
    assert_eq!(sessions_of(&ctx, &dee).await, 2);
    let before = session_cookie(&current);
    let token = csrf_of(&current.get(&app, "/logout").await.body);
    let res = current
        .post(
            &app,
            "/change-password",
            &[
                ("csrf_token", &token),
                ("new_password", "new-violet-harbour-77"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(sessions_of(&ctx, &dee).await, 1);
    assert_eq!(current.get(&app, "/me").await.body, "dee");
    assert_eq!(other.get(&app, "/me").await.body, "anonymous");
    assert_ne!(key_of(&session_cookie(&current)), key_of(&before));
    let mut replay = Browser::new();
    replay.cookies.insert("portcullis_session".into(), before);
    assert_eq!(replay.get(&app, "/me").await.body, "anonymous");
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
        portcullis::test_support::count_sessions(ctx.auth.db())
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

/// `last_seen` of the session the browser holds.
async fn last_seen(ctx: &crate::support::Ctx, br: &Browser) -> i64 {
    const SQL: &str = "SELECT last_seen FROM portcullis_sessions WHERE key_hash = $1";
    let hash = hex::encode(Sha256::digest(key_of(&session_cookie(br)).as_bytes()));
    match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => {
            sqlx::query_scalar(SQL).bind(hash).fetch_one(p).await
        }
        portcullis::db::Database::Postgres(p) => {
            sqlx::query_scalar(SQL).bind(hash).fetch_one(p).await
        }
    }
    .unwrap()
}

/// A session in use is refreshed (at most once a minute, so reads stay
/// reads) and outlives one left alone from the same moment.
async fn an_idle_timeout_ends_only_sessions_left_unused(b: Backend) {
    let ctx = setup_with(&b, |s| s.session.idle_timeout = 3_600).await;
    user(&ctx, "fay").await;
    let app = app(&ctx.auth).await;
    let (mut used, mut left) = (Browser::new(), Browser::new());
    used.login(&app, "fay", PASSWORD).await;
    left.login(&app, "fay", PASSWORD).await;

    // Seen 30 s ago: a request does not write the row.
    let now = portcullis::test_support::now();
    exec_with(
        &ctx,
        "UPDATE portcullis_sessions SET last_seen = $1",
        now - 30,
    )
    .await;
    assert_eq!(used.get(&app, "/me").await.body, "fay");
    assert_eq!(last_seen(&ctx, &used).await, now - 30);

    // Two minutes before the timeout: a request refreshes its own row only.
    let stale = now - 3_600 + 120;
    exec_with(&ctx, "UPDATE portcullis_sessions SET last_seen = $1", stale).await;
    assert_eq!(used.get(&app, "/me").await.body, "fay");
    assert!(last_seen(&ctx, &used).await >= now);
    assert_eq!(last_seen(&ctx, &left).await, stale);

    // Three minutes on, the unused session is past the timeout.
    exec_with(
        &ctx,
        "UPDATE portcullis_sessions SET last_seen = last_seen - $1",
        180,
    )
    .await;
    assert_eq!(used.get(&app, "/me").await.body, "fay");
    assert_eq!(left.get(&app, "/me").await.body, "anonymous");
    assert_eq!(ctx.auth.clear_expired_sessions().await.unwrap(), 1);
    assert_eq!(
        portcullis::test_support::count_sessions(ctx.auth.db())
            .await
            .unwrap(),
        1
    );
}

/// `session.idle_timeout = 0`: no session ends for idleness (nor is its
/// row written to record activity); the absolute lifetime still holds.
async fn idle_timeout_zero_ends_sessions_by_lifetime_only(b: Backend) {
    let ctx = setup_with(&b, |s| s.session.idle_timeout = 0).await;
    user(&ctx, "fay").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "fay", PASSWORD).await;
    exec(&ctx, "UPDATE portcullis_sessions SET last_seen = 0").await;
    assert_eq!(br.get(&app, "/me").await.body, "fay");
    assert_eq!(last_seen(&ctx, &br).await, 0);
    assert_eq!(ctx.auth.clear_expired_sessions().await.unwrap(), 0);
    exec(&ctx, "UPDATE portcullis_sessions SET expires_at = 0").await;
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
    assert_eq!(ctx.auth.clear_expired_sessions().await.unwrap(), 1);
}

/// Identity refuses inactive users anyway, so only the rows show that
/// deactivation deletes the sessions: with them kept, reactivating would
/// sign every old browser back in.
async fn deactivating_a_user_ends_their_sessions(b: Backend) {
    let ctx = setup(&b).await;
    let gus = user(&ctx, "gus").await;
    let ivy = user(&ctx, "ivy").await;
    let app = app(&ctx.auth).await;
    let (mut laptop, mut phone, mut other) = (Browser::new(), Browser::new(), Browser::new());
    laptop.login(&app, "gus", PASSWORD).await;
    phone.login(&app, "gus", PASSWORD).await;
    other.login(&app, "ivy", PASSWORD).await;
    assert_eq!(
        (sessions_of(&ctx, &gus).await, sessions_of(&ctx, &ivy).await),
        (2, 1)
    );
    ctx.auth
        .set_user_flags("gus", false, false, false)
        .await
        .unwrap();
    assert_eq!(
        (sessions_of(&ctx, &gus).await, sessions_of(&ctx, &ivy).await),
        (0, 1)
    );
    let res = laptop.get(&app, "/dashboard").await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(res.location(), "/login?next=%2Fdashboard");

    // Reactivated, gus has no session back: the phone, untouched since, included.
    ctx.auth
        .set_user_flags("gus", true, false, false)
        .await
        .unwrap();
    assert_eq!(phone.get(&app, "/me").await.body, "anonymous");
    assert_eq!(laptop.get(&app, "/me").await.body, "anonymous");
    assert_eq!(sessions_of(&ctx, &gus).await, 0);
    assert_eq!(other.get(&app, "/me").await.body, "ivy");
    laptop.login(&app, "gus", PASSWORD).await;
    assert_eq!(laptop.get(&app, "/me").await.body, "gus");
}

crate::on_both_backends!(
    session_keys_are_stored_hashed,
    cookie_is_httponly_lax_and_not_secure_on_plain_http_localhost,
    https_origin_gives_a_secure_host_prefixed_cookie,
    login_rotates_the_session_id,
    logout_deletes_the_server_session_and_keeps_only_preserved_keys,
    set_password_ends_every_session_of_the_user_and_no_other,
    a_browser_that_signs_in_again_after_set_password_alone_survives,
    a_stale_credential_version_is_refused_even_if_the_row_survives,
    expired_and_idle_sessions_are_ignored_and_cleared,
    an_idle_timeout_ends_only_sessions_left_unused,
    idle_timeout_zero_ends_sessions_by_lifetime_only,
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
        let login = br.login(&app, "hal", PASSWORD).await;
        let res = br.get(&app, "/dashboard").await;
        served.push((login.status, res.status, res.body));
    }
    let (login, status, body) = &served[0];
    assert_eq!(*login, StatusCode::SEE_OTHER);
    assert_eq!(*status, StatusCode::OK, "reads through the pool: {body}");
    assert!(body.contains("hal"), "{body}");
    // The login writes the first session row (through the pool: an
    // anonymous visitor has none to read); the next request is the first
    // to read one, on connections without the hook, and fails.
    let (login, status, body) = &served[1];
    assert_eq!(*login, StatusCode::SEE_OTHER);
    assert_eq!(
        *status,
        StatusCode::SERVICE_UNAVAILABLE,
        "reads on connections without the hook: {body}"
    );
    assert!(!body.contains("panicked"), "{body}");
}
