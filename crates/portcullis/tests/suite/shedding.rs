//! A full hashing queue: logins and signups are shed at once with a 503
//! and `Retry-After`, never queued without bound, never a 500.

use std::{future::Future, pin::Pin};

use actix_web::http::StatusCode;
use portcullis::{password::HashError, test_support::HashPool, Auth};

use crate::support::{app, pending_after_one_poll, setup, user, Backend, Browser, PASSWORD};

type HashJob<'a> = Pin<Box<dyn Future<Output = Result<String, HashError>> + 'a>>;

/// Fills a hasher of one thread and a queue of one with two jobs of our
/// own: the first is running, the second waits in the queue. While the
/// first is unfinished the queue stays full, so any other hash job is
/// refused at once; the caller checks that at the end.
async fn fill_the_queue(h: &HashPool) -> (HashJob<'_>, HashJob<'_>) {
    let mut running: HashJob = Box::pin(h.hash("running job"));
    assert!(pending_after_one_poll(&mut running).await);
    // The one slot frees when the thread takes the first job (the hasher
    // gives no signal of it): until then a second one is refused, so retry.
    let waiting = loop {
        let mut job: HashJob = Box::pin(h.hash("waiting job"));
        if pending_after_one_poll(&mut job).await {
            break job;
        }
        assert!(
            pending_after_one_poll(&mut running).await,
            "the first job finished before the thread was seen taking it"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    };
    let mut probe: HashJob = Box::pin(h.hash("probe"));
    assert!(
        matches!(probe.as_mut().await, Err(HashError::Busy)),
        "the queue is full"
    );
    (running, waiting)
}

/// With one hashing thread busy and the one queue slot taken, a login (of
/// an unknown user and of a real one) and a signup are answered 503 with
/// `Retry-After` and change nothing.
async fn a_full_hashing_queue_sheds_logins_and_signups_with_503_and_retry_after(b: Backend) {
    let ctx = setup(&b).await;
    let ann = user(&ctx, "ann").await;
    // Same database, one hashing thread, one queue slot, and a hash slow
    // enough (about 1.5 s on the reference machine, where the default
    // parameters take 17 ms) that our first job outlasts the requests.
    let mut s = ctx.auth.settings().clone();
    s.security.hash_workers = 1;
    s.security.hash_queue = 1;
    s.security.argon2_memory_kib = 8 * 1024;
    s.security.argon2_iterations = 512;
    let slow = Auth::builder(s)
        .database(ctx.auth.db().clone())
        .connect()
        .await
        .unwrap();
    let app = app(&slow).await;
    let users_before = portcullis::test_support::count_users(ctx.auth.db())
        .await
        .unwrap();

    let (mut running, _waiting) = fill_the_queue(slow.hasher()).await;
    let mut shed = Vec::new();
    for (login, password) in [("nobody", "wrong-password-123"), ("ann", PASSWORD)] {
        let mut br = Browser::new();
        let res = br
            .submit(&app, "/login", &[("login", login), ("password", password)])
            .await;
        assert_eq!(br.get(&app, "/me").await.body, "anonymous");
        shed.push((format!("login as {login}"), res));
    }
    let mut br = Browser::new();
    let res = br
        .submit(
            &app,
            "/register",
            &[
                ("username", "bea"),
                ("email", "bea@example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    shed.push(("signup".into(), res));
    assert!(
        pending_after_one_poll(&mut running).await,
        "the first job finished during the requests: the queue was not full throughout; \
         raise argon2_iterations"
    );

    let busy = &slow.settings().auth.messages.busy;
    for (what, res) in &shed {
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert!(!res.header("retry-after").is_empty(), "{what}");
        assert!(res.body.contains(busy.as_str()), "{what}: {}", res.body);
    }
    assert_eq!(
        portcullis::test_support::count_users(ctx.auth.db())
            .await
            .unwrap(),
        users_before,
        "the shed signup created nobody"
    );
    assert_eq!(crate::support::sessions_of(&ctx, &ann).await, 0);
    // A shed login was never checked: it does not count as a failed one.
    const FAILED: &str = "SELECT COALESCE(MAX(hits), 0) FROM portcullis_rate_limits \
                          WHERE bucket LIKE 'login_failed/%'";
    let failed: i64 = match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => {
            sqlx::query_scalar(FAILED).fetch_one(p).await.unwrap()
        }
        portcullis::db::Database::Postgres(p) => {
            sqlx::query_scalar(FAILED).fetch_one(p).await.unwrap()
        }
    };
    assert_eq!(failed, 0, "shed logins counted as failed ones");
}

crate::on_both_backends!(a_full_hashing_queue_sheds_logins_and_signups_with_503_and_retry_after);
