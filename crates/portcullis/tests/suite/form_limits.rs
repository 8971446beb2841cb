//! One size limit for every form however its token travels, no CPU sink in
//! the password checks, and no byte a database cannot store.

use actix_web::{
    http::{header, StatusCode},
    test,
};

use crate::support::{app, csrf_of, setup, user, Backend, Browser, PASSWORD};

/// With the token in `X-CSRF-Token` the middleware does not read the body;
/// the page must still refuse more than `security.max_form_bytes`.
async fn a_header_token_does_not_lift_the_form_size_limit(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/register").await.body);
    let big = "u".repeat(200_000);
    let body = serde_urlencoded::to_string([
        ("username", big.as_str()),
        ("email", "x@example.com"),
        ("password1", "violet-harbour-42-kites"),
        ("password2", "violet-harbour-42-kites"),
    ])
    .unwrap();
    for chunked in [false, true] {
        let mut req = test::TestRequest::post()
            .uri("/register")
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .insert_header(("x-csrf-token", token.as_str()))
            .set_payload(body.clone());
        if chunked {
            // No Content-Length to refuse up front: the page must count.
            req = req.insert_header((header::TRANSFER_ENCODING, "chunked"));
        }
        let res = br.send(&app, req).await;
        assert_eq!(
            res.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "chunked={chunked}"
        );
        assert!(res
            .body
            .contains(ctx.auth.settings().auth.messages.too_large.as_str()));
    }
    assert_eq!(
        portcullis::test_support::count_users(ctx.auth.db())
            .await
            .unwrap(),
        0
    );
}

/// A NUL byte (which PostgreSQL text cannot hold) in any field of any form
/// gets a 4xx or a form error, never a 500.
async fn a_nul_byte_in_any_field_is_refused_cleanly(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "nia").await;
    let app = app(&ctx.auth).await;
    let forms: [(&str, &[&str]); 2] = [
        ("/login", &["login", "password", "next"]),
        (
            "/register",
            &["username", "email", "password1", "password2", "next"],
        ),
    ];
    for (page, fields) in forms {
        for field in fields.iter() {
            let mut br = Browser::new();
            let token = csrf_of(&br.get(&app, page).await.body);
            let mut form = vec![("csrf_token", token.clone())];
            for f in fields.iter() {
                let v = if f == field {
                    "a\0b".to_owned()
                } else {
                    "nia".to_owned()
                };
                form.push((f, v));
            }
            let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = br.post(&app, page, &borrowed).await;
            assert!(
                res.status.is_client_error() || res.status == StatusCode::OK,
                "{page} {field}: {} {}",
                res.status,
                res.body
            );
        }
    }
    // The API path too: a NUL login is just an unknown login.
    assert!(ctx
        .auth
        .authenticate("nia\0", PASSWORD)
        .await
        .unwrap()
        .is_none());
    assert!(ctx
        .auth
        .authenticate("n\0@example.com", PASSWORD)
        .await
        .unwrap()
        .is_none());
}

crate::on_both_backends!(
    a_header_token_does_not_lift_the_form_size_limit,
    a_nul_byte_in_any_field_is_refused_cleanly,
);
