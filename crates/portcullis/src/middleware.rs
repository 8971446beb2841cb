//! [`AuthMiddleware`]: the session layer (actix-session on our store), then
//! the auth layer (attaches [`Auth`] to the request, checks CSRF on unsafe
//! methods, turns database outages into a 503 page).

use std::{future::Future, pin::Pin, rc::Rc};

use actix_service::boxed::{self, BoxService};
use actix_session::{
    config::{BrowserSession, CookieContentSecurity, PersistentSession},
    SessionExt, SessionMiddleware,
};
use actix_web::{
    body::{EitherBody, MessageBody},
    cookie::{time::Duration, SameSite},
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    http::{header, Method, StatusCode},
    Error, HttpMessage,
};

use crate::{
    audit::{audit, AuditEvent},
    security::{csrf, csrf_cookie::Issued},
    settings::SameSitePolicy,
    Auth,
};

/// Session + auth middleware; build it with [`Auth::middleware`].
#[derive(Clone, Debug)]
pub struct AuthMiddleware {
    auth: Auth,
}

impl Auth {
    /// The middleware every app using Portcullis wraps around its routes.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actix_web::App;
    /// # let settings = portcullis::Settings::from_toml_str("[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n").unwrap();
    /// let auth = portcullis::Auth::connect(settings).await.unwrap();
    /// let app = App::new().wrap(auth.middleware()).configure(auth.pages());
    /// # }
    /// ```
    pub fn middleware(&self) -> AuthMiddleware {
        AuthMiddleware { auth: self.clone() }
    }

    fn session_middleware(&self) -> SessionMiddleware<crate::session::DbSessionStore> {
        let s = self.settings();
        let ttl = Duration::seconds(s.session.max_age as i64);
        let builder =
            SessionMiddleware::builder(self.session_store(), self.inner.cookie_key.clone())
                .cookie_name(s.cookie_name())
                .cookie_secure(s.cookie_secure())
                .cookie_http_only(true)
                .cookie_path("/".into())
                .cookie_domain(None)
                .cookie_same_site(match s.session.same_site {
                    SameSitePolicy::Lax => SameSite::Lax,
                    SameSitePolicy::Strict => SameSite::Strict,
                })
                .cookie_content_security(CookieContentSecurity::Signed);
        if s.session.persistent {
            builder
                .session_lifecycle(PersistentSession::default().session_ttl(ttl))
                .build()
        } else {
            builder
                .session_lifecycle(BrowserSession::default().state_ttl(ttl))
                .build()
        }
    }
}

type Inner<B> = BoxService<ServiceRequest, ServiceResponse<EitherBody<B>>, Error>;

impl<S, B> Transform<S, ServiceRequest> for AuthMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = AuthService<B>;
    type InitError = ();
    type Future = Pin<Box<dyn Future<Output = Result<Self::Transform, ()>>>>;

    fn new_transform(&self, service: S) -> Self::Future {
        // Runs on each worker as it builds its app: its own pool when configured.
        let auth = self.auth.for_worker();
        let inner = CsrfService {
            service: Rc::new(service),
            auth: auth.clone(),
        };
        let session = auth.session_middleware();
        Box::pin(async move {
            let with_session = session.new_transform(inner).await?;
            Ok(AuthService {
                service: Rc::new(boxed::service(with_session)),
                auth,
            })
        })
    }
}

/// The outer service: maps session-store failures to an error page.
pub struct AuthService<B> {
    service: Rc<Inner<B>>,
    auth: Auth,
}

impl<B: MessageBody + 'static> Service<ServiceRequest> for AuthService<B> {
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Error>>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let auth = self.auth.clone();
        Box::pin(async move {
            match crate::guard::identity::with_preload_slot(service.call(req)).await {
                Ok(res) => Ok(res),
                // actix-session reports its store's failures as opaque 500 errors:
                // the database is unreachable or refused the write. Answer with the
                // 503 page (the server renders an error's response as it is).
                Err(err)
                    if err.as_response_error().status_code()
                        == StatusCode::INTERNAL_SERVER_ERROR =>
                {
                    tracing::error!(error = %err, "session store failed");
                    Err(actix_web::error::InternalError::from_response(
                        err.to_string(),
                        auth.status_page(StatusCode::SERVICE_UNAVAILABLE),
                    )
                    .into())
                }
                Err(err) => Err(err),
            }
        })
    }
}

/// The inner service: attaches `Auth`, enforces CSRF on unsafe methods.
struct CsrfService<S> {
    service: Rc<S>,
    auth: Auth,
}

impl<S, B> Service<ServiceRequest> for CsrfService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Error>>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let auth = self.auth.clone();
        req.extensions_mut().insert(auth.clone());
        Box::pin(async move {
            if needs_csrf_check(&auth, &req) {
                if let Err((status, reason)) = check_csrf(&auth, &mut req).await {
                    audit(
                        AuditEvent::CsrfRejected,
                        None,
                        &format!("{} {}: {reason}", req.method(), req.path()),
                    );
                    let page = auth.status_page(status);
                    return Ok(req.into_response(page).map_into_right_body());
                }
            }
            let unsafe_method = !req.method().is_safe();
            let mut res = service.call(req).await?;
            settle_csrf_cookie(&auth, &mut res, unsafe_method);
            Ok(res.map_into_left_body())
        })
    }
}

/// Sets the anonymous visitor's CSRF cookie when a page issued a secret,
/// and expires it once the session is signed in (its secret moved there).
fn settle_csrf_cookie<B>(auth: &Auth, res: &mut ServiceResponse<B>, unsafe_method: bool) {
    let issued = res.request().extensions().get::<Issued>().copied();
    // Only a POST signs in, so GETs (the guarded pages) skip the lookups.
    if issued.is_none() && !unsafe_method {
        return;
    }
    let c = &auth.inner.csrf_cookie;
    let settings = auth.settings();
    let signed_in = csrf::signed_in(&res.request().get_session());
    let cookie = match issued {
        Some(Issued(secret)) if !signed_in => c.cookie(settings, &secret),
        None if signed_in && res.request().cookie(&c.name).is_some() => c.removal(settings),
        _ => return,
    };
    let _ = res.response_mut().add_cookie(&cookie);
}

fn needs_csrf_check(auth: &Auth, req: &ServiceRequest) -> bool {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return false;
    }
    // No `Authorization` exemption: browsers resend Basic, Digest and
    // Negotiate credentials by themselves, so the header proves nothing
    // about who sent the request. Only a credential Portcullis verifies
    // itself could exempt a request, and none exists yet.
    !auth.settings().security.csrf_exempt(req.path())
}

async fn check_csrf(
    auth: &Auth,
    req: &mut ServiceRequest,
) -> Result<(), (StatusCode, &'static str)> {
    let forbidden = StatusCode::FORBIDDEN;
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin
            .to_str()
            .map_err(|_| (forbidden, "unreadable Origin"))?;
        if !origin_allowed(auth, req, origin) {
            return Err((forbidden, "Origin checking failed"));
        }
    } else if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err((forbidden, "cross-site request"));
    }
    if let Some(token) = req
        .headers()
        .get(csrf::HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if csrf::request_token_matches(req.request(), auth, token) {
            Ok(())
        } else {
            Err((forbidden, "CSRF token incorrect"))
        };
    }
    if !crate::pages::form::is_urlencoded(req.headers()) {
        return Err((forbidden, "CSRF token missing"));
    }
    let limit = auth.settings().security.max_form_bytes;
    let payload = req.take_payload();
    let body = crate::pages::form::read_limited(req.headers(), payload, limit)
        .await
        .map_err(|status| match status {
            StatusCode::PAYLOAD_TOO_LARGE => (status, "form too large"),
            _ => (status, "unreadable body"),
        })?;
    // Put the body back for the handler.
    req.set_payload(actix_web::dev::Payload::from(body.clone()));
    let token = form_value(&body, csrf::FORM_FIELD).ok_or((forbidden, "CSRF token missing"))?;
    if csrf::request_token_matches(req.request(), auth, &token) {
        Ok(())
    } else {
        Err((forbidden, "CSRF token incorrect"))
    }
}

/// The first value of `field` in a urlencoded body.
fn form_value(body: &[u8], field: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .find(|(k, _)| k == field)
        .map(|(_, v)| v)
}

/// Lossy parse: a body with invalid UTF-8 still yields its token, so the page
/// itself can answer 400 rather than a misleading CSRF 403.
fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

fn origin_allowed(auth: &Auth, req: &ServiceRequest, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let s = auth.settings();
    if origin == s.origin().serialized {
        return true;
    }
    if s.security
        .csrf_trusted_origins
        .iter()
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&origin))
    {
        return true;
    }
    // Same origin as the request itself: a browser sets Host to the server it
    // talks to, so a cross-site page cannot forge this match.
    if let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    {
        let scheme = if req.app_config().secure() {
            "https"
        } else {
            "http"
        };
        if origin == format!("{scheme}://{}", host.to_ascii_lowercase()) {
            return true;
        }
    }
    false
}
