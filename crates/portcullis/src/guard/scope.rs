//! Guards as middleware for a whole `web::scope` (`portcullis::require::…`).

use std::{future::Future, pin::Pin, rc::Rc};

use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    Error,
};

use super::{deny::DenyHook, extract::check, rule::Kind};

/// Middleware that checks a rule before every request of the scope it wraps.
#[derive(Clone)]
pub struct RequireScope {
    kind: Kind,
    names: Rc<Vec<String>>,
    hook: Option<DenyHook>,
    raise_exception: bool,
}

impl std::fmt::Debug for RequireScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireScope")
            .field("kind", &self.kind)
            .field("names", &self.names)
            .finish()
    }
}

impl RequireScope {
    fn new(kind: Kind, names: Vec<String>) -> Self {
        Self {
            kind,
            names: Rc::new(names),
            hook: None,
            raise_exception: false,
        }
    }

    /// Replaces the denial response.
    pub fn on_denied(mut self, hook: DenyHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Answers 403 to anonymous browsers too, instead of redirecting.
    pub fn raise_exception(mut self) -> Self {
        self.raise_exception = true;
        self
    }
}

/// Signed in.
///
/// ```
/// use actix_web::{web, App};
/// let app = App::new().service(web::scope("/account").wrap(portcullis::require::login()));
/// ```
pub fn login() -> RequireScope {
    RequireScope::new(Kind::Login, Vec::new())
}

/// Holds permission `codename`.
pub fn permission(codename: &str) -> RequireScope {
    permissions([codename])
}

/// Holds every one of `codenames`.
pub fn permissions<I: IntoIterator<Item = S>, S: Into<String>>(codenames: I) -> RequireScope {
    RequireScope::new(
        Kind::Permissions,
        codenames.into_iter().map(Into::into).collect(),
    )
}

/// Belongs to group `name`.
pub fn group(name: &str) -> RequireScope {
    groups([name])
}

/// Belongs to any one of `names`.
pub fn groups<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> RequireScope {
    RequireScope::new(Kind::Groups, names.into_iter().map(Into::into).collect())
}

/// Has the staff flag.
///
/// ```
/// use actix_web::{web, App};
/// let app = App::new().service(web::scope("/admin").wrap(portcullis::require::staff()));
/// ```
pub fn staff() -> RequireScope {
    RequireScope::new(Kind::Staff, Vec::new())
}

/// Has the superuser flag.
pub fn superuser() -> RequireScope {
    RequireScope::new(Kind::Superuser, Vec::new())
}

impl<S, B> Transform<S, ServiceRequest> for RequireScope
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = RequireScopeService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(RequireScopeService {
            service: Rc::new(service),
            rule: self.clone(),
        }))
    }
}

/// The service [`RequireScope`] wraps around a scope.
pub struct RequireScopeService<S> {
    service: Rc<S>,
    rule: RequireScope,
}

impl<S, B> Service<ServiceRequest> for RequireScopeService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Error>>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let rule = self.rule.clone();
        Box::pin(async move {
            let verdict = {
                // This clone must be gone before the inner service runs: actix
                // needs sole ownership of the request to route it.
                let http = req.request().clone();
                let names: Vec<&str> = rule.names.iter().map(String::as_str).collect();
                check(&http, rule.kind, &names, rule.hook, rule.raise_exception).await
            };
            match verdict {
                Ok(_) => service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_boxed_body),
                Err(e) => Ok(req.error_response(e)),
            }
        })
    }
}
