//! Reauthentication before the email address changes: a sign-in older than
//! `auth.reauthentication_timeout` types the password again, and comes back.

use actix_web::http::StatusCode;
use portcullis::settings::Settings;

use crate::support::{app, csrf_of, exec, setup, setup_with, user, Backend, Browser, PASSWORD};

const EMAIL_PAGE: &str = "/account/email";
const REAUTH_PAGE: &str = "/account/reauthenticate?next=%2Faccount%2Femail";

/// Ten minutes pass for every session, as far as their rows tell.
async fn age_sessions(ctx: &crate::support::Ctx) {
    exec(
        ctx,
        "UPDATE portcullis_sessions SET created_at = created_at - 600",
    )
    .await;
}

async fn an_old_sign_in_types_the_password_again_before_the_email_changes(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ivy").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "ivy", PASSWORD).await;
    // Just signed in: the page shows at once.
    let fresh = br.get(&app, EMAIL_PAGE).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    let token = csrf_of(&fresh.body);

    age_sessions(&ctx).await;
    let page = br.get(&app, EMAIL_PAGE).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), REAUTH_PAGE);
    // A form left open past the timeout changes nothing either.
    let posted = br
        .post(
            &app,
            EMAIL_PAGE,
            &[("csrf_token", &token), ("email", "ivy-new@example.com")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    assert_eq!(posted.location(), REAUTH_PAGE);

    let ask = br.get(&app, REAUTH_PAGE).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("Confirm it is you"), "{}", ask.body);
    assert!(
        ask.body
            .contains("action=\"/account/reauthenticate?next=%2Faccount%2Femail\""),
        "the form posts next back: {}",
        ask.body
    );
    let wrong = br
        .submit(&app, REAUTH_PAGE, &[("password", "not-the-password-1")])
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("entered incorrectly"), "{}", wrong.body);
    assert!(wrong.body.contains("aria-invalid"), "{}", wrong.body);
    assert_eq!(
        br.get(&app, EMAIL_PAGE).await.status,
        StatusCode::SEE_OTHER,
        "a wrong password proves nothing"
    );

    let session_cookie = |br: &Browser| br.cookies.get("portcullis_session").cloned();
    let before = session_cookie(&br);
    let right = br
        .submit(&app, REAUTH_PAGE, &[("password", PASSWORD)])
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    assert_eq!(right.location(), EMAIL_PAGE, "back where it was going");
    assert!(before.is_some());
    assert_ne!(session_cookie(&br), before, "the session id is rotated");
    let back = br.get(&app, EMAIL_PAGE).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert!(back.body.contains("ivy@example.com"));
    assert_eq!(br.get(&app, "/me").await.body, "ivy", "still signed in");
}

async fn reauthentication_is_limited_and_never_leaves_the_site(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "jo").await;
    let app = app(&ctx.auth).await;
    let anon = Browser::new().get(&app, REAUTH_PAGE).await;
    assert_eq!(
        anon.status,
        StatusCode::FOUND,
        "anonymous: to the login page"
    );

    let mut br = Browser::new();
    br.login(&app, "jo", PASSWORD).await;
    // An unsafe next ends on the login redirect, not another site.
    let away = br
        .submit(
            &app,
            "/account/reauthenticate?next=%2F%2Fevil.example%2F",
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(away.location(), "/");
    // allauth's limit: ten passwords a minute per user (the one above
    // counted), then 429.
    for _ in 0..9 {
        let r = br
            .submit(&app, REAUTH_PAGE, &[("password", "not-the-password-1")])
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let limited = br
        .submit(&app, REAUTH_PAGE, &[("password", PASSWORD)])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!limited.header("retry-after").is_empty());
}

async fn an_account_without_a_password_signs_in_again(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "kai").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "kai", PASSWORD).await;
    // As an account made by an OpenID sign-in has no password.
    exec(&ctx, "UPDATE portcullis_users SET password_hash = ''").await;
    age_sessions(&ctx).await;
    assert_eq!(br.get(&app, EMAIL_PAGE).await.location(), REAUTH_PAGE);
    let page = br.get(&app, REAUTH_PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("sign out and sign in again"),
        "{}",
        page.body
    );
    assert!(page.body.contains("action=\"/logout\""), "{}", page.body);
    assert!(!page.body.contains("type=\"password\""), "{}", page.body);
    // A posted password proves nothing for it.
    let token = csrf_of(&page.body);
    let posted = br
        .post(
            &app,
            REAUTH_PAGE,
            &[("csrf_token", &token), ("password", "")],
        )
        .await;
    assert!(posted.body.contains("sign out and sign in again"));
    assert_eq!(br.get(&app, EMAIL_PAGE).await.status, StatusCode::SEE_OTHER);
}

async fn a_timeout_of_zero_never_asks(b: Backend) {
    let ctx = setup_with(&b, |s| s.auth.reauthentication_timeout = 0).await;
    user(&ctx, "lea").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "lea", PASSWORD).await;
    age_sessions(&ctx).await;
    assert_eq!(br.get(&app, EMAIL_PAGE).await.status, StatusCode::OK);
}

crate::on_both_backends!(
    an_old_sign_in_types_the_password_again_before_the_email_changes,
    reauthentication_is_limited_and_never_leaves_the_site,
    an_account_without_a_password_signs_in_again,
    a_timeout_of_zero_never_asks,
);

#[test]
fn bad_reauthentication_settings_are_refused() {
    let err = Settings::from_toml_str("[auth]\nreauthentication_timeout = 86401\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("auth.reauthentication_timeout"), "{err}");
    let err = Settings::from_toml_str("[auth]\nreauthenticate_url = \"https://evil.example/\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("auth.reauthenticate_url"), "{err}");
}
