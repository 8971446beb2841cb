//! [`AuthMiddleware`]: the session layer (actix-session on our store), then
//! the auth layer (attaches [`Auth`] to the request, checks CSRF on unsafe
//! methods, turns database outages into a 503 page).

use std::{future::Future, pin::Pin, rc::Rc, sync::Arc};

use actix_service::boxed::{self, BoxService};
use actix_session::{
    config::{BrowserSession, CookieContentSecurity, PersistentSession},
    SessionMiddleware,
};
use actix_web::{
    body::{EitherBody, MessageBody},
    cookie::{time::Duration, SameSite},
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    http::StatusCode,
    Error, HttpMessage,
};

use crate::{
    app::Auth,
    audit::{audit, AuditEvent},
    security::csrf,
    session,
    settings::SameSitePolicy,
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
            match session::preload::scope(service.call(req)).await {
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
        {
            // Pages and `csrf_token` find the `Auth`, guards their context.
            let mut ext = req.extensions_mut();
            ext.insert(Arc::clone(&auth.inner.guard));
            ext.insert(auth.clone());
        }
        Box::pin(async move {
            {
                let (settings, cookie) = (auth.settings(), &auth.inner.csrf_cookie);
                if let Err((status, reason)) =
                    csrf::enforce::check(settings, cookie, &mut req).await
                {
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
            csrf::enforce::settle_cookie(
                auth.settings(),
                &auth.inner.csrf_cookie,
                &mut res,
                unsafe_method,
            );
            Ok(res.map_into_left_body())
        })
    }
}
