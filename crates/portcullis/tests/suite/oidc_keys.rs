//! The provider's signing keys rotate without a restart: an ID token that
//! names a key Portcullis has not seen makes it read the provider's keys
//! again (at most once per 10 s unless the last read found new keys), and
//! a key the provider never published still fails. Against the real
//! provider, whose `POST /__test/rotate-key` swaps in a new signing key
//! under the same issuer and port; on both databases.

use actix_web::http::StatusCode;

use crate::{
    oidc::{idp_browser, issuer, me, on_at_provider, setup, sign_in, start},
    on_both_backends,
    support::{self, Backend, Browser, Captured},
};

/// Makes the provider sign with a new key (published first); its `kid`.
async fn rotate_provider_key(issuer: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{issuer}/__test/rotate-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    body["kid"].as_str().unwrap().to_owned()
}

/// The `kid`s the provider publishes, in order (it signs with the first).
async fn published_kids(issuer: &str) -> Vec<String> {
    let jwks: serde_json::Value = reqwest::get(format!("{issuer}/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_rotated_signing_key_is_followed_without_a_restart(backend: Backend) {
    let Some(iss) = issuer() else { return };
    let (log, _guard) = Captured::start();
    let ctx = setup(&backend, &iss, |_| {}).await;
    let app = support::app(&ctx.auth).await;
    // Discovery reads the keys in force; the sign-in needs no other read.
    let mut first = Browser::new();
    let res = sign_in(&app, &mut first, &iss, "local", "alice", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(!log.text().contains("keys re-read"), "{}", log.text());

    // A sign-in under way at the provider as its key rotates: the provider
    // must keep its interactions (the test provider once lost them, and a
    // sign-in of another test running beside this one failed).
    let mut pending = Browser::new();
    let authorize = start(&app, &mut pending, "local", None).await;
    let idp = idp_browser(&iss);
    let at_login = idp.get(&authorize).send().await.unwrap();
    assert_eq!(at_login.status(), reqwest::StatusCode::OK);

    let kid = rotate_provider_key(&iss).await;
    let back = on_at_provider(&idp, at_login, "carol").await;
    let res = pending.get(&app, &back).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(me(&app, &mut pending).await, "carol");
    assert_eq!(published_kids(&iss).await.first(), Some(&kid));
    // The same app, its keys cached from before: the token names the new
    // key, the keys are read again, and the sign-in works.
    let mut second = Browser::new();
    let res = sign_in(&app, &mut second, &iss, "local", "bob", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(me(&app, &mut second).await, "bob");
    assert!(log.text().contains("keys re-read"), "{}", log.text());
    // Signed in before the rotation, still signed in after it.
    assert_eq!(me(&app, &mut first).await, "alice");

    // A key the provider never published fails, read again or not.
    for _ in 0..2 {
        let mut forged = Browser::new();
        let res = sign_in(&app, &mut forged, &iss, "local", "unpublished", None).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("could not be completed"), "{}", res.body);
        assert_eq!(me(&app, &mut forged).await, "anonymous");
    }
    assert!(ctx
        .auth
        .user_by_username("unpublished")
        .await
        .unwrap()
        .is_none());
}

on_both_backends!(a_rotated_signing_key_is_followed_without_a_restart);
