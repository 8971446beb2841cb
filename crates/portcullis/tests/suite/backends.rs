//! The authentication-backend seam: a backend that only proves who someone
//! is (here a fixed token) signs in through the same path as the password
//! form: rotated session, CSRF secret, credential version, backend recorded,
//! safe `next`.

use actix_http::Request;
use actix_session::Session;
use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceResponse},
    get,
    http::StatusCode,
    post, test, web, App, HttpResponse, Responder,
};
use portcullis::{guard::login_required, Auth, AuthAppExt, AuthBackend, AuthError, User};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use crate::support::{csrf_of, setup, user, Backend, Browser, PASSWORD};

const TOKEN: &str = "s3cret-token-of-ann";

/// Proves one fixed user with one fixed token.
struct FixedToken;

impl AuthBackend for FixedToken {
    type Credentials = String;

    fn id(&self) -> &'static str {
        "fixed-token"
    }

    async fn authenticate(&self, auth: &Auth, token: String) -> Result<Option<User>, AuthError> {
        if !bool::from(token.as_bytes().ct_eq(TOKEN.as_bytes())) {
            return Ok(None);
        }
        auth.user_by_username("ann").await
    }
}

#[derive(Deserialize)]
struct TokenForm {
    token: String,
    next: Option<String>,
}

#[post("/token-login")]
async fn token_login(
    auth: web::ReqData<Auth>,
    session: Session,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    let form = form.into_inner();
    match FixedToken.authenticate(&auth, form.token).await {
        Ok(Some(user)) => {
            match auth
                .sign_in(&session, &user, FixedToken.id(), form.next.as_deref())
                .await
            {
                Ok(location) => HttpResponse::SeeOther()
                    .insert_header(("location", location))
                    .finish(),
                Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
            }
        }
        Ok(None) => HttpResponse::Forbidden().body("no such token"),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// The app's own form page: its CSRF field, as a template would render it.
#[get("/token-form")]
async fn token_form(req: actix_web::HttpRequest) -> impl Responder {
    let token = portcullis::csrf_token(&req).unwrap();
    format!("<input type=hidden name=\"csrf_token\" value=\"{token}\">")
}

/// Signs the current user in again, as the password form would.
#[post("/relogin")]
#[login_required]
async fn relogin(auth: web::ReqData<Auth>, user: User, session: Session) -> impl Responder {
    auth.login(&session, &user).await.unwrap();
    "again"
}

#[get("/who")]
#[login_required]
async fn who(user: User, session: Session) -> impl Responder {
    let backend = Auth::signed_in_backend(&session).unwrap_or_default();
    format!("{} via {backend}", user.username)
}

/// The app with the backend's routes beside the auth pages.
async fn token_app(
    auth: &Auth,
) -> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error> {
    test::init_service(
        App::new()
            .add_auth_pages(auth)
            .service(token_login)
            .service(token_form)
            .service(relogin)
            .service(who),
    )
    .await
}

async fn a_custom_backend_signs_in_through_the_shared_path(b: Backend) {
    let ctx = setup(&b).await;
    let ann = user(&ctx, "ann").await;
    user(&ctx, "bob").await;
    let app = token_app(&ctx.auth).await;
    let mut br = Browser::new();

    // Signed in as bob by password first: the token login must replace him.
    assert_eq!(
        br.login(&app, "bob", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(br.get(&app, "/who").await.body, "bob via password");
    let bobs_cookie = br.cookies["portcullis_session"].clone();
    let token = csrf_of(&br.get(&app, "/token-form").await.body);

    // A wrong token proves no one and signs no one in.
    let res = br
        .post(
            &app,
            "/token-login",
            &[("csrf_token", &token), ("token", "guess")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(br.get(&app, "/who").await.body, "bob via password");

    // The token without the CSRF token is refused like any form.
    let res = br.post(&app, "/token-login", &[("token", TOKEN)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let token = csrf_of(&br.get(&app, "/token-form").await.body);
    let res = br
        .post(
            &app,
            "/token-login",
            &[
                ("csrf_token", &token),
                ("token", TOKEN),
                ("next", "/who?x=1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/who?x=1", "a safe next is honoured");
    assert_ne!(
        br.cookies["portcullis_session"], bobs_cookie,
        "the session id is rotated"
    );
    assert_eq!(br.get(&app, "/who").await.body, "ann via fixed-token");

    // The old cookie (bob's) no longer signs anyone in.
    let mut stale = Browser::new();
    stale
        .cookies
        .insert("portcullis_session".into(), bobs_cookie);
    assert_eq!(stale.get(&app, "/who").await.status, StatusCode::FOUND);

    // The CSRF secret was renewed: a token from before the sign-in fails.
    let res = br
        .post(
            &app,
            "/token-login",
            &[("csrf_token", &token), ("token", TOKEN)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // Signed in again by the password backend: the record follows.
    let token = csrf_of(&br.get(&app, "/token-form").await.body);
    let res = br.post(&app, "/relogin", &[("csrf_token", &token)]).await;
    assert_eq!(res.body, "again");
    assert_eq!(br.get(&app, "/who").await.body, "ann via password");

    // The session is bound to the credential version, whatever the backend.
    ctx.auth
        .set_password(&ann, "another-long-passphrase-77")
        .await
        .unwrap();
    assert_eq!(br.get(&app, "/who").await.status, StatusCode::FOUND);
}

async fn an_unsafe_next_falls_back_to_the_login_redirect(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ann").await;
    let app = token_app(&ctx.auth).await;
    let mut br = Browser::new();
    let token = csrf_of(&br.get(&app, "/token-form").await.body);
    let res = br
        .post(
            &app,
            "/token-login",
            &[
                ("csrf_token", &token),
                ("token", TOKEN),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), ctx.auth.settings().auth.login_redirect_url);
}

crate::on_both_backends!(
    a_custom_backend_signs_in_through_the_shared_path,
    an_unsafe_next_falls_back_to_the_login_redirect,
);
