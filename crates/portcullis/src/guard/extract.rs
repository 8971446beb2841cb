//! Extractors: `User`, `OptionalUser`, `Authenticated`, `Require<R>`.

use std::{future::Future, marker::PhantomData, pin::Pin};

use actix_web::{dev::Payload, error::InternalError, FromRequest, HttpRequest};

use super::{
    context,
    deny::{deny_response, Denial, DenyHook},
    identity::{current_user, loaded},
    rule::{missing, Kind, Requirement},
};
use crate::{
    accounts::User,
    audit::{audit, AuditEvent},
    error::AuthError,
    render::failure_page,
};

/// The error page for a failure to load the user (503 when the database is down).
pub(crate) fn load_failure(req: &HttpRequest, err: AuthError) -> actix_web::Error {
    let res = match context::of(req) {
        Some(ctx) => failure_page(ctx.renderer.as_ref(), &ctx.settings, &err),
        None => {
            tracing::error!(error = %err, "loading the current user failed");
            actix_web::HttpResponse::InternalServerError().finish()
        }
    };
    InternalError::from_response(err, res).into()
}

/// Checks `kind`/`names` for the current request; the error is the denial response.
pub(crate) async fn check(
    req: &HttpRequest,
    kind: Kind,
    names: &[&str],
    hook: Option<DenyHook>,
    raise_exception: bool,
) -> Result<User, actix_web::Error> {
    check_with(req, kind, names, hook, raise_exception, User::clone).await
}

/// Like [`check`], handing the passing user to `take` by reference (a guard
/// that only needs the verdict copies nothing).
async fn check_with<T>(
    req: &HttpRequest,
    kind: Kind,
    names: &[&str],
    hook: Option<DenyHook>,
    raise_exception: bool,
    take: impl FnOnce(&User) -> T,
) -> Result<T, actix_web::Error> {
    let identity = loaded(req).await.map_err(|e| load_failure(req, e))?;
    let user = identity.user();
    let denial = match user {
        None => Denial::Anonymous,
        Some(u) => match missing(kind, names, u) {
            None => return Ok(take(u)),
            Some(what) => Denial::Forbidden { missing: what },
        },
    };
    let ctx = context::of(req).expect("the identity loaded, so the middleware is installed");
    let who = user.map(|u| u.id.to_string());
    audit(
        AuditEvent::AccessDenied,
        who.as_deref(),
        &format!("{} {} {denial:?}", req.method(), req.path()),
    );
    let res = deny_response(&ctx, req, &denial, hook, raise_exception);
    Err(InternalError::from_response(format!("{denial:?}"), res).into())
}

type LocalFut<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// The signed-in user; anonymous requests are denied (redirect, or 401 JSON for APIs).
impl FromRequest for User {
    type Error = actix_web::Error;
    type Future = LocalFut<User>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { check(&req, Kind::Login, &[], None, false).await })
    }
}

/// The signed-in user, or `None`; never denies.
///
/// ```
/// use portcullis::guard::OptionalUser;
/// async fn home(OptionalUser(user): OptionalUser) -> String {
///     match user {
///         Some(u) => format!("Hello {}", u.username),
///         None => "Hello stranger".into(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct OptionalUser(pub Option<User>);

impl FromRequest for OptionalUser {
    type Error = actix_web::Error;
    type Future = LocalFut<OptionalUser>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            current_user(&req)
                .await
                .map(OptionalUser)
                .map_err(|e| load_failure(&req, e))
        })
    }
}

/// Proof that someone is signed in, for handlers that don't need the user.
#[derive(Debug, Clone)]
pub struct Authenticated(pub User);

impl FromRequest for Authenticated {
    type Error = actix_web::Error;
    type Future = LocalFut<Authenticated>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            check(&req, Kind::Login, &[], None, false)
                .await
                .map(Authenticated)
        })
    }
}

/// Passes only when the current user meets `R::RULE`; what the attribute macros insert.
pub struct Require<R: Requirement> {
    /// The user who passed.
    pub user: User,
    _rule: PhantomData<R>,
}

impl<R: Requirement> std::fmt::Debug for Require<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Require")
            .field("rule", &R::RULE)
            .field("user", &self.user.username)
            .finish()
    }
}

impl<R: Requirement> FromRequest for Require<R> {
    type Error = actix_web::Error;
    type Future = LocalFut<Require<R>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        rule_check::<R, _>(req, |user| Require {
            user: user.clone(),
            _rule: PhantomData,
        })
    }
}

/// Checks `R::RULE` for `req`; `take` makes the extractor from the passing user.
fn rule_check<R: Requirement, T: 'static>(req: &HttpRequest, take: fn(&User) -> T) -> LocalFut<T> {
    let req = req.clone();
    Box::pin(async move {
        let (kind, names) = R::RULE.parts();
        check_with(&req, kind, names, R::on_denied(), R::RAISE_EXCEPTION, take).await
    })
}

/// Passes only when the current user meets `R::RULE`, like [`Require`], but
/// holds no copy of the user: what the attribute macros insert, so a guarded
/// handler that also takes a [`User`] copies it once.
///
/// ```
/// use portcullis::guard::{Passed, Requirement, Rule};
///
/// struct CanPublish;
/// impl Requirement for CanPublish {
///     const RULE: Rule = Rule::Permissions(&["articles.publish"]);
/// }
///
/// async fn publish(_: Passed<CanPublish>) -> &'static str { "published" }
/// ```
pub struct Passed<R: Requirement>(PhantomData<R>);

impl<R: Requirement> std::fmt::Debug for Passed<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Passed").field(&R::RULE).finish()
    }
}

impl<R: Requirement> FromRequest for Passed<R> {
    type Error = actix_web::Error;
    type Future = LocalFut<Passed<R>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        rule_check::<R, _>(req, |_| Passed(PhantomData))
    }
}

/// Imperative check: the user, or the denial as an error.
///
/// ```
/// use actix_web::{HttpRequest, HttpResponse};
/// async fn handler(req: HttpRequest) -> actix_web::Result<HttpResponse> {
///     let user = portcullis::guard::require_login(&req).await?;
///     Ok(HttpResponse::Ok().body(user.username))
/// }
/// ```
///
/// # Errors
/// The denial response (redirect, 401/403) as an `actix_web::Error`.
pub async fn require_login(req: &HttpRequest) -> Result<User, actix_web::Error> {
    check(req, Kind::Login, &[], None, false).await
}
