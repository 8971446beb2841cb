//! Password reset by email, end to end through a real SMTP server: the
//! mail is read from the sink, its link followed, the password set.

use actix_http::Request;
use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceResponse},
    http::StatusCode,
    Error,
};
use portcullis::NewUser;

use crate::mailbox::{address, count_after_a_while, sink, use_sink, wait_for};
use crate::support::{app, sessions_of, setup_with, Backend, Browser, Captured, Resp, PASSWORD};

const ORIGIN: &str = "http://127.0.0.1:8000";
const NEW_PASSWORD: &str = "copper-lantern-77-meadows";

/// Asks for a reset link for `email`, from a browser that forges its host.
pub async fn reset_request<S, B>(app: &S, email: &str) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    let mut br = Browser::new();
    // A forged Host and X-Forwarded-Host must not reach the link.
    br.headers = vec![
        ("host".into(), "evil.example".into()),
        ("x-forwarded-host".into(), "evil.example".into()),
    ];
    br.submit(app, "/password-reset", &[("email", email)]).await
}

async fn a_reset_link_sets_a_new_password_once(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| use_sink(s, &url)).await;
    let email = address("rosa");
    let rosa = ctx
        .auth
        .create_user(NewUser::new("rosa", &email, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    let mut other = Browser::new();
    assert_eq!(
        other.login(&app, "rosa", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    let res = reset_request(&app, &email.to_uppercase()).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/password-reset/done");
    let mail = wait_for(&dir, &email, 1).await.remove(0);
    assert_eq!(mail.subject, "Reset your password");
    let link = mail.link(ORIGIN);
    assert!(
        link.starts_with(&format!("{ORIGIN}/password-reset/confirm/")),
        "link not on site_origin: {link}"
    );
    assert!(!mail.text.contains("evil.example") && !mail.html.contains("evil.example"));
    assert!(
        mail.html.contains(&link),
        "the HTML part carries the link too"
    );

    // The token leaves the URL before the form is shown.
    let mut br = Browser::new();
    let first = br.get(&app, &mail.link_path(ORIGIN)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert!(
        first.location().ends_with("/set-password"),
        "{}",
        first.location()
    );
    assert_eq!(first.header("referrer-policy"), "no-referrer");
    let form = br.get(&app, &first.location()).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("name=\"new_password1\""));
    assert!(
        !form.body.contains(&link[link.rfind('/').unwrap() + 1..]),
        "token in the page"
    );

    // The validators apply, as at signup.
    let weak = br
        .submit(
            &app,
            &first.location(),
            &[("new_password1", "short"), ("new_password2", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::OK);
    assert!(weak.body.contains("too short"), "{}", weak.body);

    let done = br
        .submit(
            &app,
            &first.location(),
            &[
                ("new_password1", NEW_PASSWORD),
                ("new_password2", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/password-reset/complete");
    assert_eq!(
        br.get(&app, "/me").await.body,
        "anonymous",
        "no automatic sign-in"
    );
    assert_eq!(
        other.get(&app, "/me").await.body,
        "anonymous",
        "other sessions end"
    );
    assert_eq!(sessions_of(&ctx, &rosa).await, 0);

    // The old password fails, the new one works.
    let old = Browser::new().login(&app, "rosa", PASSWORD).await;
    assert_eq!(old.status, StatusCode::OK);
    let mut fresh = Browser::new();
    assert_eq!(
        fresh.login(&app, "rosa", NEW_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(fresh.get(&app, "/me").await.body, "rosa");

    // The link works once.
    let again = Browser::new().get(&app, &mail.link_path(ORIGIN)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("no longer valid"), "{}", again.body);
    assert!(
        again.body.contains("href=\"/password-reset\""),
        "a way to ask again"
    );

    // And a "your password was changed" notice went out.
    let mails = wait_for(&dir, &email, 2).await;
    assert_eq!(mails[1].subject, "Your password was changed");
}

async fn unknown_inactive_and_known_addresses_get_the_same_answer(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| use_sink(s, &url)).await;
    let known = address("kim");
    let inactive = address("ivo");
    let unknown = address("nobody");
    for (name, email) in [("kim", &known), ("ivo", &inactive)] {
        ctx.auth
            .create_user(NewUser::new(name, email, PASSWORD))
            .await
            .unwrap()
            .unwrap();
    }
    ctx.auth
        .set_user_flags("ivo", false, false, false)
        .await
        .unwrap();
    let app = app(&ctx.auth).await;
    let answers: Vec<(StatusCode, String)> = {
        let mut out = Vec::new();
        for email in [&known, &inactive, &unknown] {
            let res = reset_request(&app, email).await;
            out.push((res.status, res.location()));
        }
        out
    };
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    let page = Browser::new().get(&app, "/password-reset/done").await;
    assert!(
        page.body.contains("If an account uses that address"),
        "{}",
        page.body
    );
    assert_eq!(wait_for(&dir, &known, 1).await.len(), 1);
    assert_eq!(count_after_a_while(&dir, &inactive).await, 0);
    assert_eq!(count_after_a_while(&dir, &unknown).await, 0);
}

async fn bad_and_stale_links_get_a_clear_page(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| use_sink(s, &url)).await;
    let email = address("lev");
    ctx.auth
        .create_user(NewUser::new("lev", &email, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    for path in [
        "/password-reset/confirm/zz/garbage",
        "/password-reset/confirm/1/abc-0123",
        "/password-reset/confirm/%00/%00",
        "/password-reset/confirm/1/set-password",
    ] {
        let res = Browser::new().get(&app, path).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        assert!(res.body.contains("no longer valid"), "{path}");
    }
    // A POST to the form without a token in the session sets nothing.
    let mut br = Browser::new();
    let page = br.get(&app, "/password-reset").await;
    let csrf = crate::support::csrf_of(&page.body);
    let res = br
        .post(
            &app,
            "/password-reset/confirm/1/set-password",
            &[
                ("csrf_token", &csrf),
                ("new_password1", NEW_PASSWORD),
                ("new_password2", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    // Signing in kills a link (it is bound to the last login, as Django's).
    reset_request(&app, &email).await;
    let mail = wait_for(&dir, &email, 1).await.remove(0);
    Browser::new().login(&app, "lev", PASSWORD).await;
    let res = Browser::new().get(&app, &mail.link_path(ORIGIN)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

async fn smtp_down_gives_the_same_page_and_logs_the_error(b: Backend) {
    let (log, _guard) = Captured::start();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ctx = setup_with(&b, |s| use_sink(s, &format!("smtp://127.0.0.1:{port}"))).await;
    let email = address("max");
    ctx.auth
        .create_user(NewUser::new("max", &email, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    let res = reset_request(&app, &email).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/password-reset/done");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !log.text().contains("mail not sent") {
        assert!(
            std::time::Instant::now() < deadline,
            "no error logged: {}",
            log.text()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let text = log.text();
    assert!(text.contains("password_reset"), "{text}");
    assert!(
        !text.contains("/password-reset/confirm/"),
        "the link was logged: {text}"
    );
}

async fn reset_requests_are_rate_limited_without_telling_anything(b: Backend) {
    let Some((url, _dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| use_sink(s, &url)).await;
    let known = address("pia");
    ctx.auth
        .create_user(NewUser::new("pia", &known, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    for email in [known, address("nobody")] {
        for i in 0..5 {
            let res = reset_request(&app, &email).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "attempt {i}");
        }
        let res = reset_request(&app, &email).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(!res.header("retry-after").is_empty());
    }
}

async fn a_file_backend_writes_the_mail(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("mail");
    let folder_s = folder.to_str().unwrap().to_owned();
    let ctx = setup_with(&b, |s| {
        s.email.backend = portcullis::settings::EmailBackend::File;
        s.email.file_dir = folder_s;
    })
    .await;
    ctx.auth
        .create_user(NewUser::new("fay", "fay@example.com", PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    reset_request(&app, "fay@example.com").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let eml = loop {
        let found: Vec<_> = std::fs::read_dir(&folder)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        if let Some(p) = found
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "eml"))
        {
            break std::fs::read(p).unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no .eml in {folder:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let parsed = mail_parser::MessageParser::default().parse(&eml).unwrap();
    assert_eq!(parsed.subject(), Some("Reset your password"));
    assert!(parsed
        .body_text(0)
        .unwrap()
        .contains(&format!("{ORIGIN}/password-reset/confirm/")));
}

/// `auth.post_reset_login` (Django's `post_reset_login`): signed in at once.
async fn post_reset_login_signs_the_user_in(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| {
        use_sink(s, &url);
        s.auth.post_reset_login = true;
    })
    .await;
    let email = address("sam");
    ctx.auth
        .create_user(NewUser::new("sam", &email, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    let (mut br, done) = reset_by_mail(&app, &dir, &email).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/");
    assert_eq!(br.get(&app, "/me").await.body, "sam");
}

/// Asks for a link for `email`, follows the mailed one and sets
/// NEW_PASSWORD: the browser that did, and the form's answer.
async fn reset_by_mail<S, B>(app: &S, dir: &std::path::Path, email: &str) -> (Browser, Resp)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    reset_request(app, email).await;
    let mail = wait_for(dir, email, 1).await.remove(0);
    let mut br = Browser::new();
    let first = br.get(app, &mail.link_path(ORIGIN)).await;
    let done = br
        .submit(
            app,
            &first.location(),
            &[
                ("new_password1", NEW_PASSWORD),
                ("new_password2", NEW_PASSWORD),
            ],
        )
        .await;
    (br, done)
}

/// Locked out by failed logins (someone else's, or one's own forgetting),
/// the owner resets the password and can sign in with it at once, as with
/// allauth; the limits on addresses stay.
async fn a_reset_clears_the_accounts_failed_logins(b: Backend) {
    let Some((url, dir)) = sink() else { return };
    let ctx = setup_with(&b, |s| use_sink(s, &url)).await;
    let email = address("locked");
    ctx.auth
        .create_user(NewUser::new("locked", &email, PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let app = app(&ctx.auth).await;
    // Five failures by username and five by address, from ten addresses:
    // the account is locked whichever way it is named.
    for i in 0..10 {
        let login = if i < 5 { "locked" } else { email.as_str() };
        let res = Browser::from_ip(&format!("198.51.100.{i}"))
            .login(&app, login, "wrong")
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    for login in ["locked", email.as_str()] {
        let res = Browser::from_ip("198.51.100.40")
            .login(&app, login, PASSWORD)
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    }

    let (_, done) = reset_by_mail(&app, &dir, &email).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    for (i, login) in ["locked", email.as_str()].into_iter().enumerate() {
        let mut fresh = Browser::from_ip(&format!("198.51.100.{}", 50 + i));
        let res = fresh.login(&app, login, NEW_PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{login}: {}", res.body);
        assert_eq!(fresh.get(&app, "/me").await.body, "locked");
    }
}

crate::on_both_backends!(
    a_reset_clears_the_accounts_failed_logins,
    a_reset_link_sets_a_new_password_once,
    post_reset_login_signs_the_user_in,
    unknown_inactive_and_known_addresses_get_the_same_answer,
    bad_and_stale_links_get_a_clear_page,
    smtp_down_gives_the_same_page_and_logs_the_error,
    reset_requests_are_rate_limited_without_telling_anything,
    a_file_backend_writes_the_mail,
);
