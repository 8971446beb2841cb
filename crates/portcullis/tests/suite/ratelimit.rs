//! Brute-force protection: login and signup limits per address and per
//! login, counted in the database before any hash, shared by replicas.

use std::time::Duration;

use actix_web::http::StatusCode;
use portcullis::{
    security::ratelimit::{RateLimitStore, Window},
    test_support::DbRateLimitStore,
    Auth,
};

use crate::support::{app, setup, setup_with, user, Backend, Browser, Ctx, Resp, PASSWORD};

/// The highest count stored in a bucket starting with `prefix`.
async fn stored_hits(ctx: &Ctx, prefix: &str) -> i64 {
    const SQL: &str = "SELECT COALESCE(MAX(hits), 0) FROM portcullis_rate_limits \
                       WHERE bucket LIKE $1";
    let pattern = format!("{prefix}%");
    match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => sqlx::query_scalar(SQL)
            .bind(pattern)
            .fetch_one(p)
            .await
            .unwrap(),
        portcullis::db::Database::Postgres(p) => sqlx::query_scalar(SQL)
            .bind(pattern)
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

/// Rows whose bucket matches the SQL pattern `like`.
async fn bucket_rows(ctx: &Ctx, like: &str) -> i64 {
    const SQL: &str = "SELECT COUNT(*) FROM portcullis_rate_limits WHERE bucket LIKE $1";
    match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => sqlx::query_scalar(SQL)
            .bind(like)
            .fetch_one(p)
            .await
            .unwrap(),
        portcullis::db::Database::Postgres(p) => sqlx::query_scalar(SQL)
            .bind(like)
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

fn retry_after(res: &Resp) -> u64 {
    res.header("retry-after")
        .parse()
        .unwrap_or_else(|_| panic!("no Retry-After on {}: {}", res.status, res.body))
}

fn assert_refused(ctx: &Ctx, res: &Resp) {
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert!((1..=600).contains(&retry_after(res)));
    let m = &ctx.auth.settings().auth.messages;
    assert!(
        res.body.contains(m.too_many_login_attempts.as_str()),
        "{}",
        res.body
    );
}

fn assert_failed(ctx: &Ctx, res: &Resp) {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let m = &ctx.auth.settings().auth.messages;
    assert!(res.body.contains(m.login_failed.as_str()), "{}", res.body);
}

async fn ten_failed_logins_from_one_address_refuse_the_next_without_a_hash(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ada").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::from_ip("203.0.113.1");
    for i in 0..10 {
        let res = br.login(&app, &format!("nobody{i}"), "wrong").await;
        assert_failed(&ctx, &res);
    }
    let hashes = ctx.auth.hasher().submitted();
    let res = br.login(&app, "ada", PASSWORD).await;
    assert_refused(&ctx, &res);
    assert_eq!(
        ctx.auth.hasher().submitted(),
        hashes,
        "a refused login hashed"
    );
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
    // Another address is not held back by this one's failures.
    let res = Browser::from_ip("203.0.113.2")
        .login(&app, "ada", PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

async fn five_failures_on_one_account_refuse_it_but_not_another_account(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "victim").await;
    user(&ctx, "bystander").await;
    let app = app(&ctx.auth).await;
    // From five addresses, and in any case: one key.
    for (i, login) in ["victim", "VICTIM", "Victim", " victim", "victim"]
        .iter()
        .enumerate()
    {
        let res = Browser::from_ip(&format!("198.51.100.{i}"))
            .login(&app, login, "wrong")
            .await;
        assert_failed(&ctx, &res);
    }
    let hashes = ctx.auth.hasher().submitted();
    let res = Browser::from_ip("198.51.100.50")
        .login(&app, "victim", PASSWORD)
        .await;
    assert_refused(&ctx, &res);
    assert_eq!(
        ctx.auth.hasher().submitted(),
        hashes,
        "a refused login hashed"
    );
    // Hammering the lock does not lengthen it: refused attempts are not counted.
    for i in 0..5 {
        let res = Browser::from_ip(&format!("198.51.100.{}", 60 + i))
            .login(&app, "victim", "wrong")
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(stored_hits(&ctx, "login_failed/key/").await, 5);
    // A refused attempt writes nothing: it is turned away on a read, so a
    // flood at a locked account costs no write (its addresses get no row).
    assert_eq!(bucket_rows(&ctx, "%198.51.100.6%").await, 0);
    // Someone else's failures never block a correct login to another account.
    let mut other = Browser::from_ip("192.0.2.77");
    let res = other.login(&app, "bystander", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(other.get(&app, "/me").await.body, "bystander");
}

async fn a_successful_login_rolls_back_only_its_own_failed_login_hit(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "rae").await;
    let app = app(&ctx.auth).await;
    for _ in 0..4 {
        assert_failed(
            &ctx,
            &Browser::from_ip("203.0.113.9")
                .login(&app, "rae", "wrong")
                .await,
        );
    }
    let res = Browser::from_ip("203.0.113.9")
        .login(&app, "rae", PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Had the success kept its hit, this fifth failure would be the sixth attempt: refused.
    assert_failed(
        &ctx,
        &Browser::from_ip("203.0.113.9")
            .login(&app, "rae", "wrong")
            .await,
    );
    // ...and the success cleared nothing: the earlier four still count.
    assert_refused(
        &ctx,
        &Browser::from_ip("203.0.113.9")
            .login(&app, "rae", "wrong")
            .await,
    );
}

async fn a_lock_ends_when_retry_after_says(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.security.rate_limits.login_failed = "2/2s/key".into();
    })
    .await;
    user(&ctx, "kim").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::from_ip("203.0.113.20");
    for _ in 0..2 {
        assert_failed(&ctx, &br.login(&app, "kim", "wrong").await);
    }
    let res = br.login(&app, "kim", PASSWORD).await;
    assert_refused(&ctx, &res);
    let wait = retry_after(&res);
    assert!(wait <= 4, "Retry-After {wait} for a 2 s limit");
    // Retrying meanwhile does not push the end back.
    assert_eq!(
        br.login(&app, "kim", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Whole seconds: the window may have started up to a second before the header was computed.
    tokio::time::sleep(Duration::from_secs(wait + 1)).await;
    let res = br.login(&app, "kim", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Once past, the windows are deleted by the purge.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(ctx.auth.clear_expired_rate_limits().await.unwrap() > 0);
    assert_eq!(stored_hits(&ctx, "login_failed/").await, 0);
}

async fn signups_from_one_address_are_limited_before_hashing(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::from_ip("203.0.113.30");
    let signup = |i: usize, confirm: &'static str| {
        let name = format!("new{i}");
        let email = format!("new{i}@example.com");
        (name, email, confirm)
    };
    for i in 0..20 {
        let (name, email, confirm) = signup(i, "mismatch");
        let res = br
            .submit(
                &app,
                "/register",
                &[
                    ("username", &name),
                    ("email", &email),
                    ("password1", PASSWORD),
                    ("password2", confirm),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let hashes = ctx.auth.hasher().submitted();
    let (name, email, confirm) = signup(20, PASSWORD);
    let form = [
        ("username", name.as_str()),
        ("email", email.as_str()),
        ("password1", PASSWORD),
        ("password2", confirm),
    ];
    let res = br.submit(&app, "/register", &form).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert!(retry_after(&res) >= 1);
    let m = &ctx.auth.settings().auth.messages;
    assert!(
        res.body.contains(m.too_many_attempts.as_str()),
        "{}",
        res.body
    );
    assert_eq!(
        ctx.auth.hasher().submitted(),
        hashes,
        "a refused signup hashed"
    );
    assert!(ctx.auth.user_by_username("new20").await.unwrap().is_none());
    // Another address signs up as usual.
    let res = Browser::from_ip("203.0.113.31")
        .submit(&app, "/register", &form)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

async fn x_forwarded_for_is_ignored_without_trusted_proxies(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    for i in 0..11 {
        let mut br = Browser::from_ip("10.0.0.1");
        br.headers
            .push(("x-forwarded-for".into(), format!("198.51.100.{i}")));
        let res = br.login(&app, &format!("nobody{i}"), "wrong").await;
        if i < 10 {
            assert_failed(&ctx, &res);
        } else {
            assert_refused(&ctx, &res);
        }
    }
}

async fn x_forwarded_for_names_the_client_through_trusted_proxies(b: Backend) {
    let ctx = setup_with(&b, |s| s.security.trusted_proxy_count = 1).await;
    let app = app(&ctx.auth).await;
    // Every request comes through the one proxy; the client may prepend anything.
    let through_proxy = |xff: String| {
        let mut br = Browser::from_ip("10.0.0.1");
        br.headers.push(("x-forwarded-for".into(), xff));
        br
    };
    for i in 0..10 {
        let res = through_proxy(format!("6.6.6.{i}, 198.51.100.7"))
            .login(&app, &format!("nobody{i}"), "wrong")
            .await;
        assert_failed(&ctx, &res);
    }
    let res = through_proxy("1.2.3.4, 198.51.100.7".into())
        .login(&app, "nobody10", "wrong")
        .await;
    assert_refused(&ctx, &res);
    // Another client behind the same proxy is not held back.
    let res = through_proxy("198.51.100.8".into())
        .login(&app, "nobody11", "wrong")
        .await;
    assert_failed(&ctx, &res);
}

async fn api_clients_get_a_json_429(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "api").await;
    let app = app(&ctx.auth).await;
    for i in 0..6 {
        let mut br = Browser::from_ip(&format!("198.51.100.{i}"));
        br.headers
            .push(("accept".into(), "application/json".into()));
        let res = br.login(&app, "api", "wrong").await;
        if i < 5 {
            assert_eq!(res.status, StatusCode::OK);
            continue;
        }
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        assert!(retry_after(&res) >= 1);
        assert!(res.header("content-type").starts_with("application/json"));
        let body: serde_json::Value = serde_json::from_str(&res.body).unwrap();
        assert_eq!(body["error"], "rate_limited");
        assert_eq!(body["retry_after"].as_u64(), Some(retry_after(&res)));
    }
}

async fn replicas_on_one_database_share_the_limits(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "shared").await;
    let replica = Auth::connect(ctx.auth.settings().clone())
        .await
        .expect("a second replica");
    let (one, two) = (app(&ctx.auth).await, app(&replica).await);
    for i in 0..5 {
        let mut br = Browser::from_ip(&format!("198.51.100.{i}"));
        let res = if i % 2 == 0 {
            br.login(&one, "shared", "wrong").await
        } else {
            br.login(&two, "shared", "wrong").await
        };
        assert_failed(&ctx, &res);
    }
    for replica in [&one, &two] {
        let res = Browser::from_ip("192.0.2.200")
            .login(replica, "shared", PASSWORD)
            .await;
        assert_refused(&ctx, &res);
    }
}

async fn an_empty_limit_turns_it_off(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.security.rate_limits.login = String::new();
        s.security.rate_limits.login_failed = String::new();
    })
    .await;
    user(&ctx, "free").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::from_ip("203.0.113.40");
    for _ in 0..12 {
        assert_failed(&ctx, &br.login(&app, "free", "wrong").await);
    }
    let res = br.login(&app, "free", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(stored_hits(&ctx, "").await, 0);
}

async fn the_database_store_counts_atomically_and_purges(b: Backend) {
    let ctx = setup(&b).await;
    let store = DbRateLimitStore::new(ctx.auth.db().clone());
    let earlier = Window::containing(1_000_000, 60);
    let now = Window::containing(1_000_060, 60);
    assert_eq!(now.previous_start(), earlier.start);
    for _ in 0..3 {
        store.hit("b", earlier).await.unwrap();
    }
    // Concurrent hits each get their own count.
    let hits = futures_util::future::join_all((0..8).map(|_| store.hit("b", now))).await;
    let mut counts: Vec<u64> = hits.into_iter().map(|h| h.unwrap().current).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=8).collect::<Vec<_>>());
    let h = store.hit("b", now).await.unwrap();
    assert_eq!((h.current, h.previous), (9, 3));
    // Undo takes back one hit, never below zero.
    store.undo("b", now).await.unwrap();
    for _ in 0..5 {
        store.undo("b", earlier).await.unwrap();
    }
    let h = store.hit("b", now).await.unwrap();
    assert_eq!((h.current, h.previous), (9, 0));
    assert_eq!(
        store.purge_expired(earlier.expires_at() - 1).await.unwrap(),
        0
    );
    assert_eq!(store.purge_expired(earlier.expires_at()).await.unwrap(), 1);
    assert_eq!(store.purge_expired(now.expires_at()).await.unwrap(), 1);
}

crate::on_both_backends!(
    ten_failed_logins_from_one_address_refuse_the_next_without_a_hash,
    five_failures_on_one_account_refuse_it_but_not_another_account,
    a_successful_login_rolls_back_only_its_own_failed_login_hit,
    a_lock_ends_when_retry_after_says,
    signups_from_one_address_are_limited_before_hashing,
    x_forwarded_for_is_ignored_without_trusted_proxies,
    x_forwarded_for_names_the_client_through_trusted_proxies,
    api_clients_get_a_json_429,
    replicas_on_one_database_share_the_limits,
    an_empty_limit_turns_it_off,
    the_database_store_counts_atomically_and_purges,
);
