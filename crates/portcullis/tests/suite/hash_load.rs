//! A burst of sign-ups queues for the hashing threads; a flood beyond what
//! they can do within `security.hash_max_wait_ms` is shed with 503.

use actix_web::{
    http::{header, StatusCode},
    test,
};
use futures_util::future::join_all;

use crate::support::{app, csrf_of, setup_with, Backend, Browser};

/// `n` sign-ups sent at once, each from its own address; their statuses.
async fn burst(ctx: &crate::support::Ctx, n: usize) -> Vec<(StatusCode, String, String)> {
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/register").await.body);
    let requests = (0..n).map(|i| {
        let mut person = br.clone();
        let body = serde_urlencoded::to_string([
            ("csrf_token", token.as_str()),
            ("username", &format!("person{i}")),
            ("email", &format!("person{i}@example.com")),
            ("password1", "violet-harbour-42-kites"),
            ("password2", "violet-harbour-42-kites"),
        ])
        .unwrap();
        let app = &app;
        async move {
            let req = test::TestRequest::post()
                .uri("/register")
                .peer_addr(
                    format!("10.1.{}.{}:40000", i / 200, i % 200 + 1)
                        .parse()
                        .unwrap(),
                )
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body);
            let res = person.send(app, req).await;
            (res.status, res.header("retry-after"), res.body)
        }
    });
    join_all(requests).await
}

/// Statuses only, for failure messages.
fn codes(statuses: &[(StatusCode, String, String)]) -> Vec<u16> {
    statuses.iter().map(|(s, _, _)| s.as_u16()).collect()
}

/// A launch-day burst: 100 people sign up in the same instant and every one
/// gets an account (the old count bound of 16 shed most of them).
async fn a_burst_of_signups_all_complete(b: Backend) {
    let ctx = setup_with(&b, |s| {
        // A real hash cost, small enough for 100 of them to fit in the wait.
        s.security.argon2_memory_kib = 1024;
        s.security.hash_workers = 1;
    })
    .await;
    let statuses = burst(&ctx, 100).await;
    let created = statuses
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(created, 100, "{:?}", codes(&statuses));
    assert_eq!(
        portcullis::test_support::count_users(ctx.auth.db())
            .await
            .unwrap(),
        100
    );
}

/// Beyond the wait the threads can absorb, sign-ups are shed at once with
/// 503, the "try again in a moment" page and Retry-After; none is lost
/// half-done (every one is either created or refused).
async fn a_flood_beyond_the_wait_is_shed_with_503(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.security.argon2_memory_kib = 4096;
        s.security.argon2_iterations = 2;
        s.security.hash_workers = 1;
        s.security.hash_max_wait_ms = 20;
    })
    .await;
    let statuses = burst(&ctx, 60).await;
    let created = statuses
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::SEE_OTHER)
        .count();
    let shed: Vec<_> = statuses
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(created >= 1, "{:?}", codes(&statuses));
    assert!(!shed.is_empty(), "nothing shed: {:?}", codes(&statuses));
    assert_eq!(created + shed.len(), 60, "{:?}", codes(&statuses));
    let busy = &ctx.auth.settings().auth.messages.busy;
    assert!(
        shed.iter()
            .all(|(_, retry, body)| retry == "1" && body.contains(busy.as_str())),
        "a shed answer without Retry-After: 1 or the busy message"
    );
    assert_eq!(
        portcullis::test_support::count_users(ctx.auth.db())
            .await
            .unwrap(),
        created as i64
    );
}

crate::on_both_backends!(
    a_burst_of_signups_all_complete,
    a_flood_beyond_the_wait_is_shed_with_503,
);
