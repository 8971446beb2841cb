//! The password-change page: the current password, the new one twice;
//! this session stays, every other one ends, and a notice is mailed.

use actix_web::http::StatusCode;
use portcullis::NewUser;

use crate::mailbox::{address, sink, use_sink, wait_for};
use crate::support::{app, sessions_of, setup, setup_with, user, Backend, Browser, PASSWORD};

const NEW_PASSWORD: &str = "copper-lantern-77-meadows";

async fn a_change_keeps_this_session_and_ends_the_others(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| use_sink(s, &url)).await;
    let email = address("uma");
    let uma = ctx
        .auth
        .create_user(NewUser::new("uma", &email, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    let mut here = Browser::new();
    let mut there = Browser::new();
    here.login(&app, "uma", PASSWORD).await;
    there.login(&app, "uma", PASSWORD).await;
    assert_eq!(sessions_of(&ctx, &uma).await, 2);

    let wrong = here
        .submit(
            &app,
            "/password-change",
            &[
                ("old_password", "not-my-password-1"),
                ("new_password1", NEW_PASSWORD),
                ("new_password2", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("entered incorrectly"), "{}", wrong.body);
    let mismatch = here
        .submit(
            &app,
            "/password-change",
            &[
                ("old_password", PASSWORD),
                ("new_password1", NEW_PASSWORD),
                ("new_password2", "something-else-entirely"),
            ],
        )
        .await;
    // "didn't match", however the apostrophe is escaped.
    assert!(mismatch.body.contains("t match"), "{}", mismatch.body);

    let cookie_before = here.cookies.clone();
    let done = here
        .submit(
            &app,
            "/password-change",
            &[
                ("old_password", PASSWORD),
                ("new_password1", NEW_PASSWORD),
                ("new_password2", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/password-change/done");
    assert_ne!(here.cookies, cookie_before, "the session id rotates");
    assert_eq!(
        here.get(&app, "/me").await.body,
        "uma",
        "this session stays"
    );
    assert_eq!(
        there.get(&app, "/me").await.body,
        "anonymous",
        "the other ends"
    );
    assert_eq!(sessions_of(&ctx, &uma).await, 1);
    let page = here.get(&app, "/password-change/done").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Password changed"));

    assert_eq!(
        Browser::new().login(&app, "uma", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        Browser::new().login(&app, "uma", NEW_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let mails = wait_for(&dir, &email, 1).await;
    assert_eq!(mails[0].subject, "Your password was changed");
    assert!(mails[0]
        .text
        .contains("http://127.0.0.1:8000/password-reset"));
}

async fn the_change_page_needs_a_signed_in_user(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "vic").await;
    let app = app(&ctx.auth).await;
    let res = Browser::new().get(&app, "/password-change").await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(res.location(), "/login?next=%2Fpassword%2Dchange");
    let mut br = Browser::new();
    let login_page = br.get(&app, "/login").await;
    let csrf = crate::support::csrf_of(&login_page.body);
    let post = br
        .post(
            &app,
            "/password-change",
            &[("csrf_token", &csrf), ("old_password", PASSWORD)],
        )
        .await;
    assert_eq!(post.status, StatusCode::FOUND);
    assert!(post.location().starts_with("/login"));
}

async fn password_changes_are_rate_limited_per_user(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "wim").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "wim", PASSWORD).await;
    for _ in 0..5 {
        let res = br
            .submit(
                &app,
                "/password-change",
                &[("old_password", "wrong-guess-123456")],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let res = br
        .submit(
            &app,
            "/password-change",
            &[("old_password", "wrong-guess-123456")],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!res.header("retry-after").is_empty());
}

crate::on_both_backends!(
    a_change_keeps_this_session_and_ends_the_others,
    the_change_page_needs_a_signed_in_user,
    password_changes_are_rate_limited_per_user,
);
