//! OpenID Connect sign-in against a real provider (npm `oidc-provider`,
//! scripts/oidc-server.sh) on 127.0.0.1, on both databases. The app runs
//! in-process; a reqwest client with a cookie jar plays the browser at the
//! provider (its development interactions: any name, any password).

use actix_web::http::StatusCode;
use portcullis::{
    settings::{GroupsSync, ProviderSettings},
    Settings,
};

use crate::{
    on_both_backends,
    support::{self, csrf_of, Backend, Browser},
};

/// The provider's issuer when `PORTCULLIS_TEST_OIDC_ISSUER` is set; under
/// CI it must be (scripts/test.sh starts the provider). Elsewhere the test
/// says it skipped, as the PostgreSQL tests do.
pub(crate) fn issuer() -> Option<String> {
    match std::env::var("PORTCULLIS_TEST_OIDC_ISSUER") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PORTCULLIS_TEST_OIDC_ISSUER must be set under CI (scripts/test.sh starts the provider)"
            );
            eprintln!(
                "SKIPPED: {}: PORTCULLIS_TEST_OIDC_ISSUER not set (bash scripts/oidc-server.sh start DIR)",
                std::thread::current().name().unwrap_or("an OpenID test")
            );
            None
        }
    }
}

fn provider(id: &str, issuer: &str) -> ProviderSettings {
    let public = id == "public";
    ProviderSettings {
        id: id.into(),
        display_name: format!("Test IdP {id}"),
        issuer: issuer.into(),
        client_id: if public {
            "portcullis-public"
        } else {
            "portcullis-confidential"
        }
        .into(),
        client_secret: if public { "" } else { "portcullis-test-secret" }.into(),
        extra_scopes: vec!["groups".into()],
        groups_claim: "groups".into(),
        client_secret_env: String::new(),
        icon: String::new(),
        trust_email_for_linking: false,
        groups_sync: GroupsSync::Add,
        rp_initiated_logout: false,
    }
}

/// `local` (confidential), `public` (PKCE only) and `demo` (the same
/// confidential client, groups mirrored, trusted for linking).
pub(crate) async fn setup(
    backend: &Backend,
    issuer: &str,
    change: impl FnOnce(&mut Settings),
) -> support::Ctx {
    let issuer = issuer.to_owned();
    support::setup_with(backend, move |s| {
        let mut demo = provider("demo", &issuer);
        demo.groups_sync = GroupsSync::Mirror;
        demo.trust_email_for_linking = true;
        s.oidc.providers = vec![
            provider("local", &issuer),
            provider("public", &issuer),
            demo,
        ];
        change(s);
    })
    .await
}

/// A browser at the provider: cookies kept, redirects followed while they
/// stay at the provider (the one back to the app is returned).
pub(crate) fn idp_browser(issuer: &str) -> reqwest::Client {
    let origin = reqwest::Url::parse(issuer).unwrap().origin();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(move |a| {
            if a.url().origin() == origin {
                a.follow()
            } else {
                a.stop()
            }
        }))
        .build()
        .unwrap()
}

/// Logs in as `login` at the provider from `authorize_url` and consents;
/// returns the path and query the provider sends the browser back to.
pub(crate) async fn at_provider(idp: &reqwest::Client, authorize_url: &str, login: &str) -> String {
    let res = idp.get(authorize_url).send().await.unwrap();
    on_at_provider(idp, res, login).await
}

/// [`at_provider`] from `res`, a page of the provider the browser is on.
pub(crate) async fn on_at_provider(
    idp: &reqwest::Client,
    mut res: reqwest::Response,
    login: &str,
) -> String {
    for _ in 0..6 {
        if res.status().is_redirection() {
            let back = res.headers()["location"].to_str().unwrap();
            let url = reqwest::Url::parse(back).unwrap();
            assert!(url.path().contains("/oidc/"), "back to {back}");
            return format!("{}?{}", url.path(), url.query().unwrap_or(""));
        }
        let url = res.url().clone();
        let body = res.text().await.unwrap();
        let prompt = if body.contains(r#"name="prompt" value="login""#) {
            "login"
        } else if body.contains(r#"name="prompt" value="consent""#) {
            "consent"
        } else {
            panic!("unexpected provider page at {url}: {body}");
        };
        res = idp
            .post(url)
            .form(&[("prompt", prompt), ("login", login), ("password", "any")])
            .send()
            .await
            .unwrap();
    }
    panic!("the provider never sent the browser back");
}

/// POSTs the login page's button for `provider` (with `next`); returns the
/// provider URL the app redirects to.
pub(crate) async fn start<S, B>(
    app: &S,
    browser: &mut Browser,
    provider: &str,
    next: Option<&str>,
) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let page = browser.get(app, "/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("/oidc/{provider}/login")),
        "{}",
        page.body
    );
    let token = csrf_of(&page.body);
    let path = match next {
        Some(n) => format!(
            "/oidc/{provider}/login?next={}",
            portcullis::security::redirect::encode_next(n)
        ),
        None => format!("/oidc/{provider}/login"),
    };
    let res = browser.post(app, &path, &[("csrf_token", &token)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.location();
    assert!(
        location.contains("code_challenge_method=S256"),
        "{location}"
    );
    assert!(location.contains("nonce="), "{location}");
    location
}

/// The whole sign-in; returns the app's answer to the callback.
pub(crate) async fn sign_in<S, B>(
    app: &S,
    browser: &mut Browser,
    issuer: &str,
    provider: &str,
    login: &str,
    next: Option<&str>,
) -> support::Resp
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let authorize = start(app, browser, provider, next).await;
    let back = at_provider(&idp_browser(issuer), &authorize, login).await;
    browser.get(app, &back).await
}

pub(crate) async fn me<S, B>(app: &S, browser: &mut Browser) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    browser.get(app, "/me").await.body
}

/// POSTs the connections page's form: `action` ("connect" or
/// "disconnect") for `provider`, with the page's CSRF token.
async fn connection_post<S, B>(
    app: &S,
    browser: &mut Browser,
    token: &str,
    action: &str,
    provider: &str,
) -> support::Resp
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let form = [
        ("csrf_token", token),
        ("action", action),
        ("provider", provider),
    ];
    browser.post(app, "/account/connections", &form).await
}

async fn a_new_user_is_created_and_a_returning_user_finds_the_same_account(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let res = sign_in(&app, &mut browser, &iss, "local", "alice", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/");
    assert_eq!(me(&app, &mut browser).await, "alice");
    let alice = ctx.auth.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(alice.email, "alice@example.test");
    assert!(alice.email_verified, "the provider said it is verified");
    // No usable password: the password form cannot sign this account in.
    assert!(ctx.auth.authenticate("alice", "").await.unwrap().is_none());
    // Groups came from the claim: the group guard lets alice in.
    assert_eq!(browser.get(&app, "/editors").await.status, StatusCode::OK);

    let mut again = Browser::new();
    let res = sign_in(&app, &mut again, &iss, "local", "alice", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(me(&app, &mut again).await, "alice");
    assert_eq!(
        ctx.auth
            .user_by_username("alice")
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.id,
        "the same account, not a second one"
    );
    assert!(ctx.auth.user_by_username("alice2").await.unwrap().is_none());
}

async fn a_wrong_state_is_refused(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let authorize = start(&app, &mut browser, "local", None).await;
    let back = at_provider(&idp_browser(&iss), &authorize, "alice").await;
    let forged = back.replace("state=", "state=x");
    let res = browser.get(&app, &forged).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.body.contains("could not be completed"), "{}", res.body);
    assert!(
        res.body.contains("href=\"/login\""),
        "a retry link: {}",
        res.body
    );
    assert_eq!(me(&app, &mut browser).await, "anonymous");
    // No flow cookie at all (another browser) is refused the same way.
    let res = Browser::new().get(&app, &back).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(ctx.auth.user_by_username("alice").await.unwrap().is_none());
}

async fn a_replayed_code_is_refused(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let authorize = start(&app, &mut browser, "local", None).await;
    let stolen = browser.clone();
    let back = at_provider(&idp_browser(&iss), &authorize, "alice").await;
    assert_eq!(browser.get(&app, &back).await.status, StatusCode::SEE_OTHER);
    // The same callback again, even with the flow cookie as it was.
    let mut replay = stolen;
    let res = replay.get(&app, &back).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(me(&app, &mut replay).await, "anonymous");
}

async fn a_tampered_id_token_is_refused(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let res = sign_in(&app, &mut browser, &iss, "local", "tampered", None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.body.contains("could not be completed"), "{}", res.body);
    assert_eq!(me(&app, &mut browser).await, "anonymous");
    assert!(ctx
        .auth
        .user_by_username("tampered")
        .await
        .unwrap()
        .is_none());
}

async fn a_wrong_nonce_is_refused(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let authorize = start(&app, &mut browser, "local", None).await;
    // The provider signs a token for another nonce; state, code and PKCE are right.
    let mut url = reqwest::Url::parse(&authorize).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "nonce" {
                "another-nonce-value".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let back = at_provider(&idp_browser(&iss), url.as_str(), "alice").await;
    let res = browser.get(&app, &back).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(me(&app, &mut browser).await, "anonymous");
}

async fn an_unverified_email_never_links_to_an_existing_account(backend: Backend) {
    let Some(iss) = issuer() else { return };
    // Even a provider trusted for linking: the email is not verified.
    let ctx = setup(&backend, &iss, |s| {
        s.oidc.providers[0].trust_email_for_linking = true
    })
    .await;
    let victim = ctx
        .auth
        .create_user(portcullis::NewUser::new(
            "victim",
            "victim@example.test",
            support::PASSWORD,
        ))
        .await
        .unwrap()
        .unwrap();
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let res = sign_in(&app, &mut browser, &iss, "local", "unverified", None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.contains("already exists"), "{}", res.body);
    assert_eq!(me(&app, &mut browser).await, "anonymous");
    assert!(ctx
        .auth
        .user_by_username("unverified")
        .await
        .unwrap()
        .is_none());
    // A verified email from a provider not trusted for linking: refused too.
    let res = sign_in(&app, &mut Browser::new(), &iss, "public", "verified", None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // The account still signs in with its password only.
    let still = ctx.auth.user_by_username("victim").await.unwrap().unwrap();
    assert_eq!(still.id, victim.id);
    assert!(!still.email_verified);
}

async fn a_verified_email_links_when_the_provider_is_trusted(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |s| {
        s.oidc.providers[0].trust_email_for_linking = true
    })
    .await;
    let victim = ctx
        .auth
        .create_user(portcullis::NewUser::new(
            "victim",
            "victim@example.test",
            support::PASSWORD,
        ))
        .await
        .unwrap()
        .unwrap();
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let res = sign_in(&app, &mut browser, &iss, "local", "verified", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(me(&app, &mut browser).await, "victim");
    let linked = ctx.auth.user_by_username("victim").await.unwrap().unwrap();
    assert_eq!(linked.id, victim.id);
    assert!(linked.email_verified);
}

async fn groups_sync_adds_and_mirrors(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let res = sign_in(&app, &mut Browser::new(), &iss, "local", "alice", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let groups = |u: portcullis::User| {
        let mut g = u.groups;
        g.sort();
        g
    };
    let alice = ctx.auth.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(groups(alice), ["Editors", "Staffers"]);
    ctx.auth.add_user_to_group("Legacy", "alice").await.unwrap();
    // `add` (provider local): the local-only group stays.
    sign_in(&app, &mut Browser::new(), &iss, "local", "alice", None).await;
    let alice = ctx.auth.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(groups(alice), ["Editors", "Legacy", "Staffers"]);
    // `mirror` (provider demo, linked by the verified email): it goes.
    let res = sign_in(&app, &mut Browser::new(), &iss, "demo", "alice", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let alice = ctx.auth.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(groups(alice), ["Editors", "Staffers"]);
}

async fn a_public_client_signs_in_with_pkce_only(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let res = sign_in(&app, &mut browser, &iss, "public", "pat", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(me(&app, &mut browser).await, "pat");
}

async fn a_provider_that_is_down_gets_a_clear_error_page(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |s| {
        s.oidc.providers[0].issuer = "http://127.0.0.1:9".into()
    })
    .await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let page = browser.get(&app, "/login?next=/dashboard").await;
    let token = csrf_of(&page.body);
    let res = browser
        .post(
            &app,
            "/oidc/local/login?next=/dashboard",
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_GATEWAY, "{}", res.body);
    assert!(res.body.contains("cannot be reached"), "{}", res.body);
    assert!(
        res.body.contains("/login?next=%2Fdashboard"),
        "retry keeps next: {}",
        res.body
    );
    assert!(
        !res.body.contains("127.0.0.1:9"),
        "no internals: {}",
        res.body
    );
}

async fn cancelling_at_the_provider_says_so(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let authorize = start(&app, &mut browser, "local", None).await;
    let idp = idp_browser(&iss);
    let res = idp.get(&authorize).send().await.unwrap();
    let abort = format!("{}/abort", res.url());
    let res = idp.get(abort).send().await.unwrap();
    let back = reqwest::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.query().unwrap().contains("error=access_denied"));
    let res = browser
        .get(&app, &format!("{}?{}", back.path(), back.query().unwrap()))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.body.contains("was cancelled"), "{}", res.body);
}

async fn logout_ends_the_session_at_the_provider_too(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |s| {
        s.oidc.providers[0].rp_initiated_logout = true
    })
    .await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let idp = idp_browser(&iss);
    let authorize = start(&app, &mut browser, "local", None).await;
    let back = at_provider(&idp, &authorize, "alice").await;
    browser.get(&app, &back).await;
    assert_eq!(me(&app, &mut browser).await, "alice");
    let page = browser.get(&app, "/logout").await;
    assert!(
        page.header("content-security-policy")
            .contains(&format!("form-action 'self' {iss}")),
        "{}",
        page.header("content-security-policy")
    );
    let res = browser
        .post(&app, "/logout", &[("csrf_token", &csrf_of(&page.body))])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let end = res.location();
    assert!(end.starts_with(&format!("{iss}/session/end?")), "{end}");
    assert!(end.contains("id_token_hint="), "{end}");
    assert!(
        end.contains("post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2F"),
        "{end}"
    );
    assert_eq!(
        me(&app, &mut browser).await,
        "anonymous",
        "signed out here first"
    );
    // The provider takes the hint (a bad one is a 400 there) and asks to
    // confirm ending the session it has for this browser.
    let at_idp = idp.get(&end).send().await.unwrap();
    assert_eq!(at_idp.status(), reqwest::StatusCode::OK);
    let body = at_idp.text().await.unwrap();
    assert!(body.contains("sign-out"), "{body}");
    // Without the setting, logout stays local.
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    sign_in(&app, &mut browser, &iss, "local", "alice", None).await;
    let page = browser.get(&app, "/logout").await;
    let res = browser
        .post(&app, "/logout", &[("csrf_token", &csrf_of(&page.body))])
        .await;
    assert_eq!(res.location(), "/");
}

/// `/account/connections` denies anonymous visitors as every guard does:
/// a browser goes to the login page with this path as `next` (or gets 403
/// under `anonymous_denial = "forbidden"`), an API client gets 401 JSON.
async fn the_connections_page_denies_anonymous_visitors_like_the_guards(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let res = browser.get(&app, "/account/connections").await;
    assert_eq!(res.status, StatusCode::FOUND, "the guards' redirect");
    assert_eq!(res.location(), "/login?next=%2Faccount%2Fconnections");
    // A POST (with a valid CSRF token) is denied by the same guard.
    let token = csrf_of(&browser.get(&app, "/login").await.body);
    let res = connection_post(&app, &mut browser, &token, "disconnect", "local").await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.location(), "/login", "no next to a POST-only target");

    let mut api = Browser::new();
    api.headers
        .push(("accept".into(), "application/json".into()));
    let res = api.get(&app, "/account/connections").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert!(
        res.header("content-type").starts_with("application/json"),
        "{}",
        res.header("content-type")
    );
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(json["error"], "unauthenticated");

    let ctx = setup(&backend, &iss, |s| {
        s.auth.anonymous_denial = portcullis::settings::AnonymousDenial::Forbidden
    })
    .await;
    let app = support::app(&ctx.auth).await;
    let res = Browser::new().get(&app, "/account/connections").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.location(), "");
    assert!(res
        .body
        .contains(ctx.auth.settings().auth.messages.forbidden_message.as_str()));
}

async fn providers_are_connected_and_disconnected_but_never_the_last_way_in(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    support::user(&ctx, "bob").await;
    let app = support::app(&ctx.auth).await;
    // Anonymous: sent to the login page.
    let res = Browser::new().get(&app, "/account/connections").await;
    assert_eq!(res.status, StatusCode::FOUND, "the guards' redirect");
    assert!(res.location().starts_with("/login?next="));

    let mut browser = Browser::new();
    browser.login(&app, "bob", support::PASSWORD).await;
    let page = browser.get(&app, "/account/connections").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Not connected"));
    let token = csrf_of(&page.body);
    let res = connection_post(&app, &mut browser, &token, "connect", "local").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let back = at_provider(&idp_browser(&iss), &res.location(), "bob-at-idp").await;
    let res = browser.get(&app, &back).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/account/connections");
    let page = browser.get(&app, "/account/connections").await;
    assert!(
        page.body.contains("bob-at-idp@example.test"),
        "{}",
        page.body
    );
    assert_eq!(me(&app, &mut browser).await, "bob", "still bob");
    // Signing in with the provider now opens bob's account.
    let mut other = Browser::new();
    sign_in(&app, &mut other, &iss, "local", "bob-at-idp", None).await;
    assert_eq!(me(&app, &mut other).await, "bob");
    // Bob has a password: the provider may go.
    let token = csrf_of(&page.body);
    let res = connection_post(&app, &mut browser, &token, "disconnect", "local").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(browser
        .get(&app, "/account/connections")
        .await
        .body
        .contains("Not connected"));

    // An account made by the provider has no other way in: refused.
    let mut carol = Browser::new();
    sign_in(&app, &mut carol, &iss, "local", "carol", None).await;
    let page = carol.get(&app, "/account/connections").await;
    let res = connection_post(
        &app,
        &mut carol,
        &csrf_of(&page.body),
        "disconnect",
        "local",
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("only way to sign in"), "{}", res.body);
    let mut again = Browser::new();
    sign_in(&app, &mut again, &iss, "local", "carol", None).await;
    assert_eq!(me(&app, &mut again).await, "carol");
}

async fn next_is_honoured_only_when_safe(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let res = sign_in(
        &app,
        &mut Browser::new(),
        &iss,
        "local",
        "alice",
        Some("/dashboard"),
    )
    .await;
    assert_eq!(res.location(), "/dashboard");
    for evil in ["//evil.example/", "https://evil.example/"] {
        let res = sign_in(
            &app,
            &mut Browser::new(),
            &iss,
            "local",
            "alice",
            Some(evil),
        )
        .await;
        assert_eq!(res.location(), "/", "{evil}");
    }
}

async fn the_login_page_offers_the_providers_and_its_csp_allows_only_them(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    // Discovery happens on first use; the login page then names the endpoint's origin.
    start(&app, &mut browser, "local", None).await;
    let page = browser.get(&app, "/login").await;
    assert!(
        page.body.contains("Sign in with Test IdP local"),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"password\""));
    let csp = page.header("content-security-policy");
    assert!(csp.contains(&format!("form-action 'self' {iss};")), "{csp}");
    // Without providers the CSP is the plain one.
    let plain = support::setup(&backend).await;
    let plain_app = support::app(&plain.auth).await;
    let page = Browser::new().get(&plain_app, "/login").await;
    assert!(page
        .header("content-security-policy")
        .contains("form-action 'self';"));
    assert_eq!(
        Browser::new()
            .get(&plain_app, "/oidc/local/login")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A bare GET asks first; with login_on_get it goes.
    let confirm = browser.get(&app, "/oidc/local/login?next=/dashboard").await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm
            .body
            .contains("action=\"/oidc/local/login?next=%2Fdashboard\""),
        "{}",
        confirm.body
    );
    let ctx = setup(&backend, &iss, |s| s.oidc.login_on_get = true).await;
    let app = support::app(&ctx.auth).await;
    let res = Browser::new().get(&app, "/oidc/local/login").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with(&format!("{iss}/auth?")));
}

async fn the_only_provider_mode_hides_the_password_form(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |s| {
        s.oidc.only_provider = "local".into();
        s.auth.signup_enabled = false;
        s.auth.password_reset_enabled = false;
    })
    .await;
    support::user(&ctx, "bob").await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    let page = browser.get(&app, "/login").await;
    assert!(!page.body.contains("name=\"password\""), "{}", page.body);
    assert!(page.body.contains("/oidc/local/login"));
    let res = browser
        .post(
            &app,
            "/login",
            &[
                ("csrf_token", &csrf_of(&page.body)),
                ("login", "bob"),
                ("password", support::PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(me(&app, &mut browser).await, "anonymous");
}

/// A connection is made or removed only by a recent sign-in: a stolen,
/// older session can neither bind the thief's provider account (a way
/// back in) nor remove the owner's. It is asked for the password first,
/// and comes back. With the email pages off, the reauthentication page is
/// still mounted for it.
async fn an_old_sign_in_reauthenticates_before_connections_change(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let ctx = setup(&backend, &iss, |s| s.auth.email_pages_enabled = false).await;
    support::user(&ctx, "dan").await;
    let app = support::app(&ctx.auth).await;
    let mut browser = Browser::new();
    browser.login(&app, "dan", support::PASSWORD).await;
    // Just signed in: connecting goes straight to the provider.
    let token = csrf_of(&browser.get(&app, "/account/connections").await.body);
    let res = connection_post(&app, &mut browser, &token, "connect", "local").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let back = at_provider(&idp_browser(&iss), &res.location(), "dan-at-idp").await;
    assert_eq!(
        browser.get(&app, &back).await.location(),
        "/account/connections"
    );

    // Ten minutes later, as far as the session rows tell.
    support::exec(
        &ctx,
        "UPDATE portcullis_sessions SET created_at = created_at - 600",
    )
    .await;
    let reauth = "/account/reauthenticate?next=%2Faccount%2Fconnections";
    let page = browser.get(&app, "/account/connections").await;
    assert_eq!(page.status, StatusCode::OK, "the list itself shows");
    let token = csrf_of(&page.body);
    for (action, provider) in [("disconnect", "local"), ("connect", "public")] {
        let res = connection_post(&app, &mut browser, &token, action, provider).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{action}: {}", res.body);
        assert_eq!(res.location(), reauth, "{action}: not to the provider");
    }
    let page = browser.get(&app, "/account/connections").await;
    assert!(
        page.body.contains("dan-at-idp@example.test"),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches("Not connected").count(),
        2,
        "{}",
        page.body
    );

    let ask = browser.get(&app, reauth).await;
    assert_eq!(
        ask.status,
        StatusCode::OK,
        "mounted without the email pages"
    );
    let res = browser
        .submit(&app, reauth, &[("password", support::PASSWORD)])
        .await;
    assert_eq!(res.location(), "/account/connections");
    let token = csrf_of(&browser.get(&app, "/account/connections").await.body);
    let res = connection_post(&app, &mut browser, &token, "disconnect", "local").await;
    assert_eq!(res.location(), "/account/connections", "{}", res.body);
    let page = browser.get(&app, "/account/connections").await;
    assert!(
        !page.body.contains("dan-at-idp@example.test"),
        "{}",
        page.body
    );
}

on_both_backends!(
    a_new_user_is_created_and_a_returning_user_finds_the_same_account,
    a_wrong_state_is_refused,
    a_replayed_code_is_refused,
    a_tampered_id_token_is_refused,
    a_wrong_nonce_is_refused,
    an_unverified_email_never_links_to_an_existing_account,
    a_verified_email_links_when_the_provider_is_trusted,
    groups_sync_adds_and_mirrors,
    a_public_client_signs_in_with_pkce_only,
    a_provider_that_is_down_gets_a_clear_error_page,
    cancelling_at_the_provider_says_so,
    logout_ends_the_session_at_the_provider_too,
    providers_are_connected_and_disconnected_but_never_the_last_way_in,
    the_connections_page_denies_anonymous_visitors_like_the_guards,
    next_is_honoured_only_when_safe,
    the_login_page_offers_the_providers_and_its_csp_allows_only_them,
    the_only_provider_mode_hides_the_password_form,
    an_old_sign_in_reauthenticates_before_connections_change,
);
