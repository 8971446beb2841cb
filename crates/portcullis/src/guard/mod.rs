//! Guards, Django-style, in three equivalent forms that all check live
//! database state: attribute macros on handlers, middleware for a scope
//! ([`crate::require`]), and extractors ([`User`](crate::User),
//! [`OptionalUser`], [`Authenticated`], [`Require`], [`Passed`]).
//!
//! ```
//! use actix_web::{get, web, App, HttpResponse, Responder};
//! use portcullis::guard::{login_required, permission_required};
//! use portcullis::User;
//!
//! #[get("/dashboard")]
//! #[login_required]
//! async fn dashboard(user: User) -> impl Responder {
//!     format!("Hello {}", user.username)
//! }
//!
//! #[get("/reports")]
//! #[permission_required("reports.view")]
//! async fn reports() -> impl Responder {
//!     HttpResponse::Ok().body("reports")
//! }
//!
//! let app = App::new()
//!     .service(dashboard)
//!     .service(reports)
//!     .service(web::scope("/admin").wrap(portcullis::require::staff()));
//! ```
//!
//! Denials: an anonymous browser is redirected to `login_url?next=<path>`; a
//! signed-in user lacking the right gets a 403 page (never a redirect loop);
//! API clients (JSON `Accept`, an `Authorization` header, or XHR) get 401/403
//! JSON. An `on_denied` hook, per guard or on [`crate::AuthBuilder`], can
//! replace the response.

pub(crate) mod context;
mod deny;
mod extract;
pub(crate) mod identity;
mod rule;
pub(crate) mod scope;

pub use deny::{is_api_request, Denial, DenyHook};
pub use extract::{require_login, Authenticated, OptionalUser, Passed, Require};
pub use identity::current_user;
pub use portcullis_macros::{
    group_required, login_required, permission_required, staff_required, superuser_required,
};
pub use rule::{Requirement, Rule};
