//! `auth.site_origin` unset: the OpenID callback URL and the CSRF `Origin`
//! check take the request's own origin (scheme of the connection, `Host`;
//! `X-Forwarded-Proto`/`-Host` only through trusted proxies), and start-up
//! refuses every feature that would mail a link built from it. On both
//! databases, against the real provider (scripts/oidc-provider/provider.mjs
//! registers callbacks under http(s)://app.portcullis.test for this).

use actix_web::http::StatusCode;
use portcullis::{Auth, Settings};

use crate::{
    oidc::{at_provider, idp_browser, issuer, me, setup, start},
    on_both_backends,
    support::{self, csrf_of, Backend, Browser},
};

/// The host the tests reach the app at.
const HOST: &str = "app.portcullis.test";

/// Unset origin, and off what mails links (start-up refuses them else).
fn unset_origin(s: &mut Settings) {
    s.auth.site_origin = String::new();
    s.auth.password_reset_enabled = false;
    s.auth.email_pages_enabled = false;
}

fn behind_one_proxy(s: &mut Settings) {
    unset_origin(s);
    s.security.trusted_proxy_count = 1;
}

/// A browser whose requests name `host`, from `peer`.
fn browser_at(host: &str, peer: &str) -> Browser {
    let mut b = Browser::from_ip(peer);
    b.headers.push(("host".into(), host.into()));
    b
}

/// The `redirect_uri` of a provider URL.
fn redirect_uri(authorize: &str) -> String {
    reqwest::Url::parse(authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no redirect_uri in {authorize}"))
}

async fn the_callback_url_comes_from_the_host(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, unset_origin).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = browser_at(HOST, "203.0.113.9");
    let authorize = start(&app, &mut browser, "local", None).await;
    assert_eq!(
        redirect_uri(&authorize),
        "http://app.portcullis.test/oidc/local/callback"
    );
    // Forwarded headers from a peer no setting trusts change nothing.
    let mut spoofing = browser_at(HOST, "203.0.113.9");
    spoofing
        .headers
        .push(("x-forwarded-host".into(), "evil.example".into()));
    spoofing
        .headers
        .push(("x-forwarded-proto".into(), "https".into()));
    let authorize = start(&app, &mut spoofing, "local", None).await;
    assert_eq!(
        redirect_uri(&authorize),
        "http://app.portcullis.test/oidc/local/callback"
    );
}

async fn a_trusted_proxy_names_the_origin(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, behind_one_proxy).await;
    let app = support::app(&ctx.auth).await;
    // The proxy is the peer; it talks to the app as internal:8000 and says
    // the browser asked for https://app.portcullis.test.
    let mut browser = browser_at("internal:8000", "10.0.0.2");
    browser
        .headers
        .push(("x-forwarded-host".into(), format!("evil.example, {HOST}")));
    browser
        .headers
        .push(("x-forwarded-proto".into(), "https".into()));
    let authorize = start(&app, &mut browser, "local", None).await;
    assert_eq!(
        redirect_uri(&authorize),
        "https://app.portcullis.test/oidc/local/callback",
        "the entry the trusted proxy wrote, not the client's"
    );
    // The whole sign-in, the code exchanged with that same URI.
    let back = at_provider(&idp_browser(&iss), &authorize, "alice").await;
    let res = browser.get(&app, &back).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(me(&app, &mut browser).await, "alice");
}

async fn a_full_sign_in_uses_the_request_derived_callback(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, unset_origin).await;
    let app = support::app(&ctx.auth).await;
    for (provider, login) in [("local", "alice"), ("public", "bob")] {
        let mut browser = browser_at(HOST, "203.0.113.9");
        let authorize = start(&app, &mut browser, provider, None).await;
        let back = at_provider(&idp_browser(&iss), &authorize, login).await;
        assert!(
            back.starts_with(&format!("/oidc/{provider}/callback?")),
            "{back}"
        );
        let res = browser.get(&app, &back).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(me(&app, &mut browser).await, login);
        // Secure cookies: the scheme is not known in advance.
        let cookies = res.set_cookies().join("\n");
        assert!(cookies.contains("__Host-"), "{cookies}");
        assert!(cookies.contains("Secure"), "{cookies}");
    }
}

async fn the_post_logout_url_comes_from_the_request_too(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |s| {
        unset_origin(s);
        s.oidc.providers[0].rp_initiated_logout = true;
    })
    .await;
    let app = support::app(&ctx.auth).await;
    let mut browser = browser_at(HOST, "203.0.113.9");
    let idp = idp_browser(&iss);
    let authorize = start(&app, &mut browser, "local", None).await;
    let back = at_provider(&idp, &authorize, "alice").await;
    browser.get(&app, &back).await;
    assert_eq!(me(&app, &mut browser).await, "alice");
    let page = browser.get(&app, "/logout").await;
    let res = browser
        .post(&app, "/logout", &[("csrf_token", &csrf_of(&page.body))])
        .await;
    let end = res.location();
    assert!(
        end.contains("post_logout_redirect_uri=http%3A%2F%2Fapp.portcullis.test%2F"),
        "{end}"
    );
    // The provider accepts it as registered.
    let at_idp = idp.get(&end).send().await.unwrap();
    assert_eq!(at_idp.status(), reqwest::StatusCode::OK);
}

async fn an_unreadable_host_gets_a_clear_400_page(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, unset_origin).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = browser_at("bad/host", "203.0.113.9");
    let page = browser.get(&app, "/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = csrf_of(&page.body);
    let res = browser
        .post(&app, "/oidc/local/login", &[("csrf_token", &token)])
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(
        res.body.contains("cannot send you back"),
        "says why: {}",
        res.body
    );
    assert_eq!(res.location(), "", "never off to the provider");
}

async fn start_up_refuses_an_unset_origin_while_links_are_mailed(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = support::settings(&backend, &dir).await;
    s.auth.site_origin = String::new();
    let Err(err) = Auth::connect(s.clone()).await else {
        panic!("started")
    };
    let line = err.to_string();
    assert!(
        line.contains("auth.site_origin")
            && line.contains("password_reset_enabled")
            && !line.contains('\n'),
        "one line naming the key and why: {line}"
    );
    s.auth.password_reset_enabled = false;
    s.auth.email_pages_enabled = false;
    s.auth.email_verification = portcullis::settings::EmailVerification::Optional;
    let Err(err) = Auth::connect(s.clone()).await else {
        panic!("started")
    };
    assert!(err.to_string().contains("email_verification"), "{err}");
    s.auth.email_verification = portcullis::settings::EmailVerification::None;
    Auth::connect(s).await.expect("nothing mails links");
}

async fn the_csrf_origin_check_compares_with_the_request(backend: Backend) {
    let ctx = support::setup_with(&backend, behind_one_proxy).await;
    let app = support::app(&ctx.auth).await;
    let login = |b: &mut Browser, origin: &'static str| {
        let mut b = b.clone();
        let app = &app;
        async move {
            let page = b.get(app, "/login").await;
            let token = csrf_of(&page.body);
            b.post_with(
                app,
                "/login",
                &[("csrf_token", &token), ("login", "x"), ("password", "y")],
                &[("origin", origin)],
            )
            .await
            .status
        }
    };
    // Straight to the app: Origin must be the request's own scheme://Host.
    let mut direct = browser_at(HOST, "10.0.0.2");
    assert_ne!(
        login(&mut direct, "http://app.portcullis.test").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login(&mut direct, "http://evil.example").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login(&mut direct, "https://app.portcullis.test").await,
        StatusCode::FORBIDDEN,
        "another scheme is another origin"
    );
    // Through the trusted proxy: the origin it forwards.
    let mut proxied = browser_at("internal:8000", "10.0.0.2");
    proxied
        .headers
        .push(("x-forwarded-host".into(), HOST.into()));
    proxied
        .headers
        .push(("x-forwarded-proto".into(), "https".into()));
    assert_ne!(
        login(&mut proxied, "https://app.portcullis.test").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login(&mut proxied, "http://internal:8000").await,
        StatusCode::FORBIDDEN
    );
}

/// Without trusted proxies, forwarded headers cannot make a foreign
/// `Origin` the request's own.
async fn forwarded_headers_from_anyone_do_not_pass_the_csrf_check(backend: Backend) {
    let ctx = support::setup_with(&backend, unset_origin).await;
    let app = support::app(&ctx.auth).await;
    let mut b = browser_at(HOST, "203.0.113.9");
    b.headers
        .push(("x-forwarded-host".into(), "evil.example".into()));
    let page = b.get(&app, "/login").await;
    let token = csrf_of(&page.body);
    let res = b
        .post_with(
            &app,
            "/login",
            &[("csrf_token", &token), ("login", "x"), ("password", "y")],
            &[("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}

on_both_backends!(
    the_callback_url_comes_from_the_host,
    a_trusted_proxy_names_the_origin,
    a_full_sign_in_uses_the_request_derived_callback,
    the_post_logout_url_comes_from_the_request_too,
    an_unreadable_host_gets_a_clear_400_page,
    start_up_refuses_an_unset_origin_while_links_are_mailed,
    the_csrf_origin_check_compares_with_the_request,
    forwarded_headers_from_anyone_do_not_pass_the_csrf_check,
);
