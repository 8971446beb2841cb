//! # Portcullis
//!
//! Batteries-included, Django-style authentication for actix-web: login,
//! signup and logout pages, a database-backed session store, users, groups
//! and permissions, guards for your handlers, and a `portcullis` CLI.
//!
//! ## Getting started
//!
//! ```no_run
//! use actix_web::{get, App, HttpServer, Responder};
//! use portcullis::{guard::login_required, Auth, AuthAppExt, Settings, User};
//!
//! #[get("/dashboard")]
//! #[login_required]
//! async fn dashboard(user: User) -> impl Responder {
//!     format!("Hello {}", user.username)
//! }
//!
//! #[actix_web::main]
//! async fn main() -> anyhow::Result<()> {
//!     let settings = Settings::load("settings.toml")?; // TOML + PORTCULLIS__… env overrides
//!     let auth = Auth::connect(settings).await?;       // pool, migrations, hashing pool
//!     HttpServer::new(move || App::new().add_auth_pages(&auth).service(dashboard))
//!         .bind(("127.0.0.1", 8000))?
//!         .run()
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! ## Choosing a database
//!
//! `database.url = "sqlite://portcullis.db?mode=rwc"` (the default) needs no
//! set-up and migrates itself at start-up. For several replicas use
//! `postgres://user:pass@host/db` and run `portcullis migrate` on deploy.
//! The same code and tests run on both.
//!
//! ## Your own login UI, your own way in
//!
//! [`Auth::authenticate`], [`Auth::login`] (rotates the session id) and
//! [`Auth::logout`] are the machinery the pages use. Another way of proving
//! who someone is (a token, a provider) is an [`AuthBackend`]; whatever
//! proved the user, [`Auth::sign_in`] signs them in the same way and
//! records which backend did. [`CsrfField`] (an extractor; `{{ csrf }}` in
//! an askama template) or [`csrf_token`] gives your own forms their hidden
//! `csrf_token` field.
//!
//! ## Sign in with OpenID Connect
//!
//! List providers under `[[oidc.providers]]` (settings.example.toml): the
//! login page gets a "Sign in with …" button each, and `/oidc/{id}/login`,
//! `/oidc/{id}/callback` and `/account/connections` are mounted. Code flow
//! with PKCE, `state` and `nonce` in a short-lived encrypted cookie, the ID
//! token checked by the `openidconnect` crate; accounts are matched on
//! (provider, subject) only, and signed in through [`Auth::sign_in`].
//! [`check_oidc_providers`] fetches each provider's discovery document
//! (`portcullis check` runs it).
//!
//! ## The public API
//!
//! What an app needs, and nothing under it:
//!
//! * the crate root: [`Auth`] and [`AuthBuilder`], [`Settings`], [`User`]
//!   and the account types, [`AuthBackend`] with [`PasswordBackend`],
//!   [`csrf_token`] and [`CsrfField`], [`AuthError`], [`AuthAppExt`] and
//!   [`AuthMiddleware`];
//! * [`guard`] and [`require`]: guards as attributes, extractors and scope
//!   middleware;
//! * [`render`]: the [`Renderer`](render::Renderer) trait and its page contexts;
//! * [`settings`]: every settings type;
//! * [`security`]: safe redirects, the CSRF field and header names, and the
//!   [`RateLimitStore`](security::ratelimit::RateLimitStore) trait for a
//!   custom store;
//! * [`password`]: the validators, for the app's own forms;
//! * [`db`]: the [`Database`](db::Database) handle (for
//!   [`AuthBuilder::database`]) and its error.
//!
//! The account-management API (grant, revoke, groups, flags, passwords) is
//! methods on [`Auth`]: it validates and audits. The SQL layer, the session
//! store and the hashing pool are private; the `test-support` feature opens
//! the few hooks this crate's own tests need (`test_support`).
//!
//! Public items: 111 (rustdoc's list of all items; `scripts/api-count.sh`
//! checks this number in the test command).

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod accounts;
mod app;
mod audit;
pub mod db;
mod error;
pub mod guard;
mod mail;
mod middleware;
mod oidc;
mod pages;
pub mod password;
pub mod render;
pub mod security;
mod session;
pub mod settings;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use accounts::{user_snapshot, FieldErrors, NewUser, User, UserSnapshot};
pub use app::{
    csrf_token, Auth, AuthBackend, AuthBuilder, CsrfField, PasswordBackend, PasswordCredentials,
};
pub use error::AuthError;
pub use guard::{Authenticated, OptionalUser};
pub use mail::MailError;
pub use middleware::AuthMiddleware;
pub use oidc::check_oidc_providers;
pub use pages::AuthAppExt;
pub use settings::Settings;

/// Guards as middleware for whole scopes: `web::scope("/admin").wrap(portcullis::require::staff())`.
pub mod require {
    pub use crate::guard::scope::{
        group, groups, login, permission, permissions, staff, superuser, RequireScope,
    };
}
