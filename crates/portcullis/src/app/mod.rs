//! [`Auth`]: the handle an app builds once and shares with every worker.
//! It composes the layers below it; its methods are the app's way in:
//! building ([`builder`]), signing in ([`sign_in`]), signing up
//! ([`signup`]), managing accounts ([`manage`]) and shared responses.

mod backend;
mod builder;
mod csrf_token;
mod email_confirm;
mod mail;
mod manage;
pub(crate) mod oidc;
mod password_change;
mod password_reset;
mod purge;
mod reauthenticate;
mod responses;
mod sign_in;
mod signup;

use std::sync::Arc;

use actix_web::cookie::Key;

pub use backend::{AuthBackend, PasswordBackend, PasswordCredentials};
pub use builder::AuthBuilder;
pub use csrf_token::{csrf_token, CsrfField};
pub(crate) use password_reset::ResetOutcome;
pub(crate) use reauthenticate::Reauthentication;

use crate::{
    accounts::tokens::TokenKey,
    db::Database,
    guard::context::GuardContext,
    mail::Mailer,
    oidc::Registry,
    password::{HashPool, PasswordRules},
    render::Renderer,
    security::{
        csrf::cookie::CsrfCookie,
        ratelimit::{Policy, RateLimitStore, RateLimiter},
    },
    session::DbSessionStore,
    settings::Settings,
};

/// Portcullis, connected: settings, database, hashing pool, renderer, rate limiter.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use portcullis::{Auth, NewUser, Settings};
/// let settings = Settings::from_toml_str("[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n").unwrap();
/// let auth = Auth::connect(settings).await.unwrap();
/// let user = auth.create_user(NewUser::new("alice", "alice@example.com", "violet-harbour-42-kites")).await.unwrap().unwrap();
/// let found = auth.authenticate("ALICE", "violet-harbour-42-kites").await.unwrap();
/// assert_eq!(found.map(|u| u.id), Some(user.id));
/// assert!(auth.authenticate("alice", "wrong password").await.unwrap().is_none());
/// # }
/// ```
#[derive(Clone)]
pub struct Auth {
    pub(crate) inner: Arc<AuthInner>,
}

pub(crate) struct AuthInner {
    pub(crate) settings: Arc<Settings>,
    pub(crate) db: Database,
    pub(crate) hasher: HashPool,
    pub(crate) cookie_key: Key,
    pub(crate) csrf_cookie: Arc<CsrfCookie>,
    pub(crate) renderer: Arc<dyn Renderer>,
    pub(crate) rules: PasswordRules,
    pub(crate) rate_limiter: RateLimiter,
    /// A store set with [`AuthBuilder::rate_limit_store`]; `None`: the database's.
    pub(crate) rate_limit_store: Option<Arc<dyn RateLimitStore>>,
    pub(crate) rate_limit_policy: Arc<Policy>,
    /// What guards read on every request (shares settings, database and renderer).
    pub(crate) guard: Arc<GuardContext>,
    pub(crate) mailer: Mailer,
    pub(crate) tokens: TokenKey,
    /// The OpenID providers (discovery cached across workers) and the flow cookie.
    pub(crate) oidc: Arc<Registry>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("db", &self.inner.db)
            .field("hasher", &self.inner.hasher)
            .finish()
    }
}

impl Auth {
    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The database pool.
    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    /// The password hashing pool (feature `test-support`).
    #[cfg(feature = "test-support")]
    pub fn hasher(&self) -> &HashPool {
        &self.inner.hasher
    }

    /// How many times the current user was loaded from the database by
    /// requests (feature `test-support`).
    #[cfg(feature = "test-support")]
    pub fn user_loads(&self) -> u64 {
        self.inner
            .guard
            .user_loads
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The rate limiter the login and signup pages use.
    pub(crate) fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.rate_limiter
    }

    /// The `Auth` the middleware attached to `req`.
    pub(crate) fn of_request(req: &actix_web::HttpRequest) -> Option<Auth> {
        use actix_web::HttpMessage as _;
        req.extensions().get::<Auth>().cloned()
    }

    /// The page renderer.
    pub(crate) fn renderer(&self) -> &dyn Renderer {
        self.inner.renderer.as_ref()
    }

    /// `user`'s row as it is now (password hash, email), or
    /// [`AuthError::NoSuchUser`] when the account is gone.
    pub(crate) async fn user_row(
        &self,
        user: &crate::User,
    ) -> Result<crate::db::users::UserRow, crate::AuthError> {
        crate::db::users::by_id(&self.inner.db, user.id)
            .await?
            .ok_or_else(|| crate::AuthError::NoSuchUser(user.username.clone()))
    }

    pub(crate) fn session_store(&self) -> DbSessionStore {
        let settings = &self.inner.settings;
        let s = &settings.session;
        DbSessionStore::new(self.inner.db.clone(), s.max_age, s.idle_timeout)
            .read_connections(settings.database.session_read_connections)
    }
}
