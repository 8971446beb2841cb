//! Email verification (none, optional, mandatory), signup without
//! enumeration, and email change, with mail through a real SMTP server.

use actix_web::http::StatusCode;
use portcullis::{settings::EmailVerification, NewUser};

use crate::mailbox::{address, count_after_a_while, sink, use_sink, wait_for};
use crate::support::{app, setup_with, Backend, Browser, PASSWORD};

const ORIGIN: &str = "http://127.0.0.1:8000";

fn signup_form<'a>(username: &'a str, email: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("username", username),
        ("email", email),
        ("password1", PASSWORD),
        ("password2", PASSWORD),
    ]
}

async fn mandatory_verification_refuses_login_until_the_link_is_posted(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| {
        use_sink(s, &url);
        s.auth.email_verification = EmailVerification::Mandatory;
    })
    .await;
    let app = app(&ctx.auth).await;
    let email = address("ada");
    let mut br = Browser::new();
    let res = br
        .submit(&app, "/register", &signup_form("ada", &email))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/verify-email/sent");
    assert_eq!(br.get(&app, "/me").await.body, "anonymous");
    let sent = br.get(&app, "/verify-email/sent").await;
    assert!(sent.body.contains("Check your email"));

    let mail = wait_for(&dir, &email, 1).await.remove(0);
    assert_eq!(mail.subject, "Confirm your email address");
    let link = mail.link_path(ORIGIN);
    assert!(link.starts_with("/verify-email/"), "{link}");

    // The right password is not enough yet, and the page says why.
    let mut login = Browser::new();
    let refused = login.login(&app, "ada", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body.contains("confirm your email address"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("href=\"/verify-email\""),
        "a way to resend"
    );
    assert_eq!(login.get(&app, "/me").await.body, "anonymous");

    // A GET (a mail scanner) verifies nothing.
    let mut scanner = Browser::new();
    let shown = scanner.get(&app, &link).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains(&email), "{}", shown.body);
    // Its button posts back here: `same-origin` keeps the token on this
    // site and still lets the browser send `Origin` (under `no-referrer`
    // it sends `Origin: null`, which the CSRF check refuses).
    assert_eq!(shown.header("referrer-policy"), "same-origin");
    assert_eq!(
        Browser::new().login(&app, "ada", PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );

    // The button does.
    let confirmed = scanner.submit(&app, &link, &[]).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert!(confirmed.body.contains("confirmed"), "{}", confirmed.body);
    let mut now_in = Browser::new();
    assert_eq!(
        now_in.login(&app, "ada", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(now_in.get(&app, "/me").await.body, "ada");

    // The link works once.
    let again = Browser::new().get(&app, &link).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("no longer valid"));
}

async fn a_taken_address_at_signup_reveals_nothing_and_mails_the_owner(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| {
        use_sink(s, &url);
        s.auth.email_verification = EmailVerification::Mandatory;
    })
    .await;
    let email = address("bea");
    ctx.auth
        .create_user(NewUser::new("bea", &email, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    let fresh = Browser::new()
        .submit(&app, "/register", &signup_form("cat", &address("cat")))
        .await;
    let taken = Browser::new()
        .submit(
            &app,
            "/register",
            &signup_form("dan", &email.to_uppercase()),
        )
        .await;
    assert_eq!(
        (taken.status, taken.location()),
        (fresh.status, fresh.location())
    );
    assert!(ctx.auth.user_by_username("dan").await.unwrap().is_none());
    let mails = wait_for(&dir, &email, 1).await;
    assert_eq!(
        mails[0].subject,
        "Someone tried to sign up with your email address"
    );
    assert!(mails[0].text.contains(&format!("{ORIGIN}/login")));
    // A taken username is still a form error (it is public anyway).
    let name = Browser::new()
        .submit(&app, "/register", &signup_form("bea", &address("bea2")))
        .await;
    assert_eq!(name.status, StatusCode::OK);
    assert!(name.body.contains("username already exists"));
    assert!(!name.body.contains("email address already exists"));
}

async fn optional_verification_mails_a_link_and_allows_login(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| {
        use_sink(s, &url);
        s.auth.email_verification = EmailVerification::Optional;
    })
    .await;
    let app = app(&ctx.auth).await;
    let email = address("eli");
    let res = Browser::new()
        .submit(&app, "/register", &signup_form("eli", &email))
        .await;
    assert_eq!(res.location(), "/verify-email/sent");
    wait_for(&dir, &email, 1).await;
    let mut br = Browser::new();
    assert_eq!(
        br.login(&app, "eli", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(br.get(&app, "/me").await.body, "eli");
    // The resend form sends another link (at most one per 3 minutes).
    let resent = Browser::new()
        .submit(&app, "/verify-email", &[("email", &email)])
        .await;
    assert_eq!(resent.location(), "/verify-email/sent");
    let again = Browser::new()
        .submit(&app, "/verify-email", &[("email", &email)])
        .await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(wait_for(&dir, &email, 2).await.len(), 2);
    assert_eq!(count_after_a_while(&dir, &email).await, 2);
}

async fn an_email_change_waits_for_the_link_and_tells_the_old_address(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| use_sink(s, &url)).await;
    let old = address("fin");
    let new = address("fin-new");
    let taken = address("gus");
    ctx.auth
        .create_user(NewUser::new("fin", &old, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    ctx.auth
        .create_user(NewUser::new("gus", &taken, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    let anon = Browser::new().get(&app, "/account/email").await;
    assert_eq!(anon.status, StatusCode::FOUND, "to the login page");

    let mut br = Browser::new();
    br.login(&app, "fin", PASSWORD).await;
    let page = br.get(&app, "/account/email").await;
    assert!(page.body.contains(&old), "{}", page.body);
    let same = br.submit(&app, "/account/email", &[("email", &old)]).await;
    assert!(same.body.contains("already your email address"));
    let bad = br
        .submit(&app, "/account/email", &[("email", "not-an-address")])
        .await;
    assert!(bad.body.contains("valid email address"));

    // An address another account has: the same answer, no mail.
    let to_taken = br
        .submit(&app, "/account/email", &[("email", &taken)])
        .await;
    assert_eq!(to_taken.status, StatusCode::OK);
    let asked = br.submit(&app, "/account/email", &[("email", &new)]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains(&new));
    assert_eq!(
        ctx.auth
            .user_by_username("fin")
            .await
            .unwrap()
            .unwrap()
            .email,
        old,
        "unchanged until the link is followed"
    );
    let mail = wait_for(&dir, &new, 1).await.remove(0);
    assert_eq!(mail.subject, "Confirm your new email address");
    let link = mail.link_path(ORIGIN);
    let confirmed = br.submit(&app, &link, &[]).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let fin = ctx.auth.user_by_username("fin").await.unwrap().unwrap();
    assert_eq!(fin.email, new);
    assert!(fin.email_verified);
    let told = wait_for(&dir, &old, 1).await;
    assert_eq!(told[0].subject, "Your email address was changed");
    assert!(told[0].text.contains(&new));
    assert_eq!(
        Browser::new().get(&app, &link).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(count_after_a_while(&dir, &taken).await, 0);
}

crate::on_both_backends!(
    mandatory_verification_refuses_login_until_the_link_is_posted,
    a_taken_address_at_signup_reveals_nothing_and_mails_the_owner,
    optional_verification_mails_a_link_and_allows_login,
    an_email_change_waits_for_the_link_and_tells_the_old_address,
);
