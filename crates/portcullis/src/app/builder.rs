//! [`AuthBuilder`]: connecting an [`Auth`], with custom hooks, and the
//! per-worker copy the middleware makes.

use std::sync::Arc;

use actix_web::cookie::Key;

use super::{Auth, AuthInner};
use crate::{
    accounts::tokens::TokenKey,
    db::{self, Database, DbError},
    error::AuthError,
    guard::{context::GuardContext, DenyHook},
    mail::Mailer,
    oidc::Registry,
    password::{HashParams, HashPool, PasswordRules},
    render::{DefaultRenderer, Renderer},
    security::{
        csrf::cookie::CsrfCookie,
        ratelimit::{DbRateLimitStore, Policy, RateLimitStore, RateLimiter},
    },
    settings::Settings,
};

/// Builds an [`Auth`] with custom hooks; [`Auth::connect`] uses the defaults.
pub struct AuthBuilder {
    settings: Settings,
    renderer: Arc<dyn Renderer>,
    on_denied: Option<DenyHook>,
    database: Option<Database>,
    rate_limit_store: Option<Arc<dyn RateLimitStore>>,
}

impl AuthBuilder {
    /// Replaces the page renderer (your own askama templates).
    pub fn renderer(mut self, renderer: impl Renderer) -> Self {
        self.renderer = Arc::new(renderer);
        self
    }

    /// Replaces the response of every guard denial that has no hook of its own.
    pub fn on_denied(mut self, hook: DenyHook) -> Self {
        self.on_denied = Some(hook);
        self
    }

    /// Uses an already open database instead of `database.url`.
    ///
    /// The session read on every request runs on connections opened with
    /// this pool's connect options, not its `after_connect` hooks; when the
    /// read needs those, set `database.session_read_connections = false`.
    pub fn database(mut self, db: Database) -> Self {
        self.database = Some(db);
        self
    }

    /// Replaces where rate-limit attempts are counted (default: the
    /// database, shared by every replica on it).
    pub fn rate_limit_store(mut self, store: impl RateLimitStore) -> Self {
        self.rate_limit_store = Some(Arc::new(store));
        self
    }

    /// Connects to the database, applies migrations when `database.auto_migrate`,
    /// starts the hashing pool, loads the cookie key and, on a tokio runtime,
    /// starts the periodic purge of expired sessions
    /// (`session.purge_interval_secs`).
    ///
    /// # Errors
    /// [`AuthError::Settings`] for invalid settings, [`AuthError::Db`] when the
    /// database is unreachable or a migration fails.
    pub async fn connect(self) -> Result<Auth, AuthError> {
        let settings = Arc::new(self.settings);
        settings.validate()?;
        let db = match self.database {
            Some(db) => db,
            None => Database::connect(&settings.database).await?,
        };
        if settings.database.auto_migrate() {
            db.migrate().await?;
        } else {
            let pending = db.pending_migrations().await?;
            if pending > 0 {
                return Err(DbError::NotMigrated { pending }.into());
            }
        }
        let sec = &settings.security;
        let hasher = HashPool::with_limits(
            HashParams {
                memory_kib: sec.argon2_memory_kib,
                iterations: sec.argon2_iterations,
                parallelism: sec.argon2_parallelism,
            },
            sec.hash_workers,
            sec.hash_queue,
            std::time::Duration::from_millis(sec.hash_max_wait_ms),
            sec.hash_thread_nice,
        )?;
        let secret = if settings.session.secret.is_empty() {
            db::secrets::get_or_create(&db, "session_cookie_key", 64).await?
        } else {
            settings.session.secret.clone()
        };
        let cookie_key = Key::derive_from(secret.as_bytes());
        let csrf_cookie = Arc::new(CsrfCookie::new(&settings, &secret));
        let rules = PasswordRules::from(&settings.auth);
        let rate_limit_policy = Arc::new(Policy::new(&settings.security.rate_limits, &secret));
        let rate_limiter = rate_limiter(&db, &self.rate_limit_store, &rate_limit_policy);
        let guard = Arc::new(GuardContext {
            settings: Arc::clone(&settings),
            db: db.clone(),
            renderer: Arc::clone(&self.renderer),
            on_denied: self.on_denied,
            user_loads: Default::default(),
        });
        let mailer = Mailer::start(&settings.email)?;
        let tokens = TokenKey::new(&secret);
        let oidc = Arc::new(Registry::new(&settings, &secret));
        let auth = Auth {
            inner: Arc::new(AuthInner {
                mailer,
                tokens,
                oidc,
                settings,
                db,
                hasher,
                cookie_key,
                csrf_cookie,
                renderer: self.renderer,
                rules,
                rate_limiter,
                rate_limit_store: self.rate_limit_store,
                rate_limit_policy,
                guard,
            }),
        };
        super::purge::start(&auth);
        Ok(auth)
    }
}

/// The limiter counting in `custom`, else in `db`.
fn rate_limiter(
    db: &Database,
    custom: &Option<Arc<dyn RateLimitStore>>,
    policy: &Arc<Policy>,
) -> RateLimiter {
    let store = custom
        .clone()
        .unwrap_or_else(|| Arc::new(DbRateLimitStore::new(db.clone())));
    RateLimiter::new(store, Arc::clone(policy))
}

impl Auth {
    /// Starts a builder for a custom renderer, denial hook, database or rate-limit store.
    pub fn builder(settings: Settings) -> AuthBuilder {
        AuthBuilder {
            settings,
            renderer: Arc::new(DefaultRenderer),
            on_denied: None,
            database: None,
            rate_limit_store: None,
        }
    }

    /// Connects with the default renderer.
    ///
    /// # Errors
    /// See [`AuthBuilder::connect`].
    pub async fn connect(settings: Settings) -> Result<Auth, AuthError> {
        Self::builder(settings).connect().await
    }

    /// This `Auth` for one server worker: with `database.pool_per_worker`
    /// (and a database that is not in memory), the same everything but a
    /// database pool of the worker's own. The middleware calls it as each
    /// worker builds its app.
    pub(crate) fn for_worker(&self) -> Auth {
        let s = &self.inner.settings.database;
        if !s.pool_per_worker || s.is_in_memory() {
            return self.clone();
        }
        let i = &self.inner;
        let db = i.db.lazy_copy();
        let guard = Arc::new(i.guard.on(db.clone()));
        Auth {
            inner: Arc::new(AuthInner {
                settings: Arc::clone(&i.settings),
                rate_limiter: rate_limiter(&db, &i.rate_limit_store, &i.rate_limit_policy),
                rate_limit_store: i.rate_limit_store.clone(),
                rate_limit_policy: Arc::clone(&i.rate_limit_policy),
                db,
                hasher: i.hasher.clone(),
                cookie_key: i.cookie_key.clone(),
                csrf_cookie: Arc::clone(&i.csrf_cookie),
                renderer: Arc::clone(&i.renderer),
                rules: i.rules.clone(),
                oidc: Arc::clone(&i.oidc),
                guard,
                mailer: i.mailer.clone(),
                tokens: i.tokens.clone(),
            }),
        }
    }
}
