//! A request that writes the session while another ends it must not bring
//! the sign-in back, nor renew an expired session's lifetime.

use std::{sync::Arc, time::Duration};

use actix_session::Session;
use actix_web::{http::StatusCode, test, web, App, HttpResponse};
use portcullis::{AuthAppExt, OptionalUser};
use tokio::sync::Barrier;

use crate::support::{exec, setup, setup_with, user, Backend, Browser, Ctx, PASSWORD};

/// Two barriers: the slow handler has read the session / may write it now.
#[derive(Clone)]
struct Gates {
    loaded: Arc<Barrier>,
    write: Arc<Barrier>,
}

/// Reads the session (loaded with the request), waits, then writes to it.
async fn slow_write(session: Session, gates: web::Data<Gates>) -> HttpResponse {
    gates.loaded.wait().await;
    gates.write.wait().await;
    session.insert("cart", 3).unwrap();
    HttpResponse::Ok().body("written")
}

async fn me(OptionalUser(u): OptionalUser) -> String {
    u.map(|u| u.username).unwrap_or_else(|| "anonymous".into())
}

async fn cart(session: Session) -> String {
    format!("{:?}", session.get::<i64>("cart").unwrap())
}

/// Runs the slow write against `ended`, which ends the session while the
/// write waits; returns the browser as the slow request left it.
async fn race(ctx: &Ctx, ended: impl AsyncFnOnce()) -> Browser {
    let gates = Gates {
        loaded: Arc::new(Barrier::new(2)),
        write: Arc::new(Barrier::new(2)),
    };
    let app = test::init_service(
        App::new()
            .add_auth_pages(&ctx.auth)
            .app_data(web::Data::new(gates.clone()))
            .route("/slow-write", web::post().to(slow_write))
            .route("/me", web::get().to(me))
            .route("/cart", web::get().to(cart)),
    )
    .await;
    let mut br = Browser::new();
    assert_eq!(
        br.login(&app, "ann", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let token = crate::support::csrf_of(&br.get(&app, "/logout").await.body);
    let mut slow = br.clone();
    let form = [("csrf_token", token.as_str())];
    let slow_req = slow.post(&app, "/slow-write", &form);
    let other = async {
        gates.loaded.wait().await;
        ended().await;
        gates.write.wait().await;
    };
    let (res, ()) = tokio::join!(slow_req, other);
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        slow.get(&app, "/me").await.body,
        "anonymous",
        "the sign-in came back"
    );
    // The app's own data written by the slow request is not lost.
    assert_eq!(slow.get(&app, "/cart").await.body, "Some(3)");
    slow
}

async fn a_session_ended_by_logout_does_not_come_back(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ann").await;
    race(&ctx, async || {
        // Logout elsewhere deletes the row (as POST /logout does).
        exec(&ctx, "DELETE FROM portcullis_sessions").await;
    })
    .await;
    // No signed-in row exists any more.
    let ids: i64 = match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM portcullis_sessions WHERE user_id IS NOT NULL")
                .fetch_one(p)
                .await
                .unwrap()
        }
        portcullis::db::Database::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM portcullis_sessions WHERE user_id IS NOT NULL")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert_eq!(ids, 0);
}

async fn a_session_that_expires_mid_request_is_not_renewed(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ann").await;
    race(&ctx, async || {
        exec(&ctx, "UPDATE portcullis_sessions SET expires_at = 1").await;
    })
    .await;
}

async fn expired_sessions_are_purged_in_process(b: Backend) {
    let ctx = setup_with(&b, |s| s.session.purge_interval_secs = 1).await;
    user(&ctx, "ann").await;
    let app = crate::support::app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "ann", PASSWORD).await;
    let mut other = Browser::new();
    other.login(&app, "ann", PASSWORD).await;
    exec(&ctx, "UPDATE portcullis_sessions SET expires_at = 1").await;
    let count = || portcullis::test_support::count_sessions(ctx.auth.db());
    assert_eq!(count().await.unwrap(), 2);
    // The purge runs every second on this runtime; give it a few.
    for _ in 0..50 {
        if count().await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expired sessions were not purged in-process");
}

/// Rate-limit windows that no longer count go with the same purge, or
/// every address that ever tried would keep a row.
async fn expired_rate_limit_windows_are_purged_in_process(b: Backend) {
    let ctx = setup_with(&b, |s| s.session.purge_interval_secs = 1).await;
    let app = crate::support::app(&ctx.auth).await;
    Browser::new().login(&app, "nobody", "wrong").await;
    exec(&ctx, "UPDATE portcullis_rate_limits SET expires_at = 1").await;
    const ROWS: &str = "SELECT COUNT(*) FROM portcullis_rate_limits";
    let rows = || async {
        match ctx.auth.db() {
            portcullis::db::Database::Sqlite(p) => sqlx::query_scalar::<_, i64>(ROWS)
                .fetch_one(p)
                .await
                .unwrap(),
            portcullis::db::Database::Postgres(p) => sqlx::query_scalar::<_, i64>(ROWS)
                .fetch_one(p)
                .await
                .unwrap(),
        }
    };
    assert!(rows().await > 0, "the failed login counted nothing");
    for _ in 0..50 {
        if rows().await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expired rate-limit windows were not purged in-process");
}

crate::on_both_backends!(
    a_session_ended_by_logout_does_not_come_back,
    a_session_that_expires_mid_request_is_not_renewed,
    expired_sessions_are_purged_in_process,
    expired_rate_limit_windows_are_purged_in_process,
);
