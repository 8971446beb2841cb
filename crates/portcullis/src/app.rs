//! [`Auth`]: the handle an app builds once and shares with every worker.

use std::sync::Arc;

use actix_session::Session;
use actix_web::cookie::Key;

use crate::{
    accounts::{create, AuthError, FieldErrors, NewUser, User},
    audit::{audit, AuditEvent},
    db::{self, users::Taken, Database},
    guard::DenyHook,
    mail::{ConsoleMailer, Mailer},
    oidc::ProviderRegistry,
    password::{HashParams, PasswordHasher, PasswordRules, Verified},
    render::{DefaultRenderer, Renderer},
    security::{
        csrf,
        csrf_cookie::CsrfCookie,
        ratelimit::{DbRateLimitStore, Policy, RateLimitStore, RateLimiter},
    },
    session::{keys, DbSessionStore},
    settings::{LoginField, Settings},
};

/// Portcullis, connected: settings, database, hasher, renderer, mailer.
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
    pub(crate) settings: Settings,
    pub(crate) db: Database,
    pub(crate) hasher: PasswordHasher,
    pub(crate) cookie_key: Key,
    pub(crate) csrf_cookie: CsrfCookie,
    pub(crate) renderer: Arc<dyn Renderer>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) on_denied: Option<DenyHook>,
    pub(crate) providers: ProviderRegistry,
    pub(crate) rules: PasswordRules,
    pub(crate) rate_limiter: RateLimiter,
    /// A store set with [`AuthBuilder::rate_limit_store`]; `None`: the database's.
    pub(crate) rate_limit_store: Option<Arc<dyn RateLimitStore>>,
    pub(crate) rate_limit_policy: Arc<Policy>,
    /// Database loads of the current user (tests check: at most one per request).
    pub(crate) user_loads: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("db", &self.inner.db)
            .field("hasher", &self.inner.hasher)
            .finish()
    }
}

/// Builds an [`Auth`] with custom hooks; [`Auth::connect`] uses the defaults.
pub struct AuthBuilder {
    settings: Settings,
    renderer: Arc<dyn Renderer>,
    mailer: Option<Arc<dyn Mailer>>,
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

    /// Replaces the mailer.
    pub fn mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Some(Arc::new(mailer));
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
        let settings = self.settings;
        settings.validate()?;
        let db = match self.database {
            Some(db) => db,
            None => Database::connect(&settings.database).await?,
        };
        if settings.database.auto_migrate() {
            db.migrate().await?;
        }
        let sec = &settings.security;
        let hasher = PasswordHasher::with_limits(
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
        let csrf_cookie = CsrfCookie::new(&settings, &secret);
        let mailer = self.mailer.unwrap_or_else(|| Arc::new(ConsoleMailer));
        let providers = ProviderRegistry::new(settings.oidc.providers.clone());
        let rules = PasswordRules::from(&settings.auth);
        let rate_limit_policy = Arc::new(Policy::new(&settings.security.rate_limits));
        let rate_limiter = rate_limiter(&db, &self.rate_limit_store, &rate_limit_policy);
        let auth = Auth {
            inner: Arc::new(AuthInner {
                settings,
                db,
                hasher,
                cookie_key,
                csrf_cookie,
                renderer: self.renderer,
                mailer,
                on_denied: self.on_denied,
                providers,
                rules,
                rate_limiter,
                rate_limit_store: self.rate_limit_store,
                rate_limit_policy,
                user_loads: Default::default(),
            }),
        };
        crate::session::purge::start(&auth);
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
    /// This `Auth` for one server worker: with `database.pool_per_worker`
    /// (and a database that is not in memory), the same everything but a
    /// database pool of the worker's own. The middleware calls it as each
    /// worker builds its app.
    pub fn for_worker(&self) -> Auth {
        let s = &self.inner.settings.database;
        if !s.pool_per_worker || s.is_in_memory() {
            return self.clone();
        }
        let i = &self.inner;
        let db = i.db.lazy_copy();
        Auth {
            inner: Arc::new(AuthInner {
                settings: i.settings.clone(),
                rate_limiter: rate_limiter(&db, &i.rate_limit_store, &i.rate_limit_policy),
                rate_limit_store: i.rate_limit_store.clone(),
                rate_limit_policy: Arc::clone(&i.rate_limit_policy),
                db,
                hasher: i.hasher.clone(),
                cookie_key: i.cookie_key.clone(),
                csrf_cookie: i.csrf_cookie.clone(),
                renderer: Arc::clone(&i.renderer),
                mailer: Arc::clone(&i.mailer),
                on_denied: i.on_denied,
                providers: i.providers.clone(),
                rules: i.rules.clone(),
                user_loads: Arc::clone(&i.user_loads),
            }),
        }
    }

    /// Starts a builder for custom renderer, mailer or denial hook.
    pub fn builder(settings: Settings) -> AuthBuilder {
        AuthBuilder {
            settings,
            renderer: Arc::new(DefaultRenderer),
            mailer: None,
            on_denied: None,
            database: None,
            rate_limit_store: None,
        }
    }

    /// Connects with the default renderer and mailer.
    ///
    /// # Errors
    /// See [`AuthBuilder::connect`].
    pub async fn connect(settings: Settings) -> Result<Auth, AuthError> {
        Self::builder(settings).connect().await
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The database pool.
    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    /// The password hashing pool.
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// How many times the current user was loaded from the database by requests.
    pub fn user_loads(&self) -> u64 {
        self.inner
            .user_loads
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The mailer.
    pub fn mailer(&self) -> &dyn Mailer {
        self.inner.mailer.as_ref()
    }

    /// The rate limiter the login and signup pages use (to limit your own
    /// login UI the same way, or to purge expired windows).
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.rate_limiter
    }

    /// The OIDC provider registry.
    pub fn providers(&self) -> &ProviderRegistry {
        &self.inner.providers
    }

    pub(crate) fn session_store(&self) -> DbSessionStore {
        let settings = &self.inner.settings;
        let s = &settings.session;
        DbSessionStore::new(self.inner.db.clone(), s.max_age, s.idle_timeout)
            .read_connections(settings.database.session_read_connections)
    }

    /// Finds the user for `login` (a username, or an email when it contains `@`,
    /// per `auth.login_fields`) and checks the password.
    ///
    /// Unknown users, inactive users and users without a usable password cost
    /// one full hash too, so timing tells nothing; all give `Ok(None)`.
    /// Outdated hash parameters are upgraded on success.
    ///
    /// # Errors
    /// [`AuthError`] when the database is down or the hashing queue is full.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<User>, AuthError> {
        let a = &self.inner.settings.auth;
        let login = login.trim();
        // A NUL cannot be in any account's name, and PostgreSQL text cannot hold one.
        let row = if login.is_empty() || login.contains('\0') {
            None
        } else if login.contains('@') {
            if a.accepts(LoginField::Email) {
                db::users::by_email(&self.inner.db, &crate::accounts::canonical_email(login))
                    .await?
            } else {
                None
            }
        } else if a.accepts(LoginField::Username) {
            db::users::by_username(&self.inner.db, &crate::accounts::canonical_username(login))
                .await?
        } else {
            None
        };
        let Some(row) = row else {
            self.inner.hasher.dummy_verify(password).await?;
            // Never the typed value: people type passwords into the login box.
            audit(AuditEvent::LoginFailed, None, "unknown login");
            return Ok(None);
        };
        let verified = self
            .inner
            .hasher
            .try_verify(password, &row.password_hash)
            .await?;
        let Verified::Yes { rehash } = verified else {
            audit(
                AuditEvent::LoginFailed,
                Some(&row.id.to_string()),
                "wrong password",
            );
            return Ok(None);
        };
        if !row.is_active {
            audit(
                AuditEvent::LoginFailed,
                Some(&row.id.to_string()),
                "inactive",
            );
            return Ok(None);
        }
        if let Some(new_hash) = rehash {
            // Same password, stronger parameters: no credential-version bump, sessions stay.
            db::users::rehash(&self.inner.db, row.id, &row.password_hash, &new_hash).await?;
        }
        // The row is at hand: only the names are read.
        self.with_names(row).await.map(Some)
    }

    /// `row` as a [`User`], with its group names and permission codenames
    /// (from this thread's cache when the row's statement read their access key).
    async fn with_names(&self, row: db::users::UserRow) -> Result<User, AuthError> {
        let key = db::access::AccessKey::new(row.access_version, row.access_generation);
        let access = db::access::load(&self.inner.db, key, row.id).await?;
        Ok(User::from_access(row, &access))
    }

    /// Loads a user with groups and permissions.
    ///
    /// # Errors
    /// [`AuthError::Db`] for database failures.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, AuthError> {
        match db::users::by_id(&self.inner.db, id).await? {
            Some(row) => self.with_names(row).await.map(Some),
            None => Ok(None),
        }
    }

    /// Loads a user by username (case-insensitive).
    ///
    /// # Errors
    /// [`AuthError::Db`] for database failures.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, AuthError> {
        match db::users::by_username(
            &self.inner.db,
            &crate::accounts::canonical_username(username),
        )
        .await?
        {
            Some(row) => self.with_names(row).await.map(Some),
            None => Ok(None),
        }
    }

    /// Signs `user` in on `session`: the session id is rotated (fixation), a
    /// session of another user is emptied first, the CSRF secret is renewed
    /// (and kept in the session from now on) and `last_login` recorded. Use it to build your own login UI.
    ///
    /// # Errors
    /// [`AuthError::Session`] when the session cannot be written, [`AuthError::Db`].
    pub async fn login(&self, session: &Session, user: &User) -> Result<(), AuthError> {
        let previous: Option<i64> = session.get(keys::USER_ID).ok().flatten();
        if previous.is_some_and(|id| id != user.id) {
            session.clear();
        }
        session.renew();
        session
            .insert(keys::USER_ID, user.id)
            .and_then(|_| session.insert(keys::CREDENTIAL, user.credential_version))
            .map_err(|e| AuthError::Session(e.to_string()))?;
        // A new CSRF secret, in the session now (the anonymous cookie's ends).
        csrf::rotate(session).map_err(|e| AuthError::Session(e.to_string()))?;
        db::users::touch_last_login(&self.inner.db, user.id).await?;
        audit(AuditEvent::LoginSucceeded, Some(&user.id.to_string()), "");
        Ok(())
    }

    /// Signs out: the server-side session is deleted and a fresh one keeps only
    /// `auth.logout_preserve_session_keys`.
    pub fn logout(&self, session: &Session) {
        let keep: Vec<(String, String)> = {
            let entries = session.entries();
            self.inner
                .settings
                .auth
                .logout_preserve_session_keys
                .iter()
                .filter_map(|k| entries.get(k).map(|v| (k.clone(), v.clone())))
                .collect()
        };
        let user: Option<i64> = session.get(keys::USER_ID).ok().flatten();
        if keep.is_empty() {
            // Deletes the row and the cookie.
            session.purge();
        } else {
            // renew() deletes the old row and stores the kept keys under a brand-new id.
            session.clear();
            for (k, v) in keep {
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(&v) {
                    let _ = session.insert(k, value);
                }
            }
            session.renew();
        }
        audit(
            AuditEvent::LoggedOut,
            user.map(|u| u.to_string()).as_deref(),
            "",
        );
    }

    /// Creates a user after validating username, email and password; a taken
    /// username or email (case-insensitive) comes back as a field error.
    ///
    /// # Errors
    /// [`AuthError`] when the database is down or the hashing queue is full.
    pub async fn create_user(&self, new: NewUser) -> Result<Result<User, FieldErrors>, AuthError> {
        self.create_user_checked(new, false).await
    }

    /// Shape checks of a new user (no uniqueness), with the configured messages.
    pub(crate) fn validate_new_user(&self, new: &NewUser, email_required: bool) -> FieldErrors {
        create::validate_new_user(
            new,
            &self.inner.rules,
            &self.inner.settings.auth.messages,
            email_required,
        )
    }

    /// Shape and uniqueness problems of `new`, without creating it (a form
    /// with another error still reports a taken name in the same round trip).
    pub(crate) async fn check_new_user(
        &self,
        new: &NewUser,
        email_required: bool,
    ) -> Result<FieldErrors, AuthError> {
        let mut errors = self.validate_new_user(new, email_required);
        let (username_c, email_c) = create::canonical_pair(new);
        let messages = &self.inner.settings.auth.messages;
        for t in db::users::taken(&self.inner.db, &username_c, email_c.as_deref()).await? {
            match t {
                Taken::Username if errors.username.is_empty() => {
                    errors.username.push(messages.username_taken.clone())
                }
                Taken::Email if errors.email.is_empty() => {
                    errors.email.push(messages.email_taken.clone())
                }
                _ => {}
            }
        }
        Ok(errors)
    }

    pub(crate) async fn create_user_checked(
        &self,
        new: NewUser,
        email_required: bool,
    ) -> Result<Result<User, FieldErrors>, AuthError> {
        let messages = &self.inner.settings.auth.messages;
        let errors = self.validate_new_user(&new, email_required);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let hash = match &new.password {
            Some(p) => self.inner.hasher.hash(p).await?,
            None => String::new(),
        };
        let (username_c, email_c) = create::canonical_pair(&new);
        let row = db::users::NewUserRow {
            username: new.username.trim(),
            username_canonical: &username_c,
            email: new.email.trim(),
            email_canonical: email_c.as_deref(),
            password_hash: &hash,
            is_active: new.is_active,
            is_staff: new.is_staff,
            is_superuser: new.is_superuser,
        };
        match db::users::insert(&self.inner.db, &row).await? {
            Ok(id) => {
                audit(AuditEvent::SignedUp, Some(&id.to_string()), "");
                let user = self
                    .user_by_id(id)
                    .await?
                    .ok_or_else(|| AuthError::NoSuchUser(new.username.clone()))?;
                Ok(Ok(user))
            }
            Err(taken) => {
                let mut errors = FieldErrors::default();
                for t in taken {
                    match t {
                        Taken::Username => errors.username.push(messages.username_taken.clone()),
                        Taken::Email => errors.email.push(messages.email_taken.clone()),
                    }
                }
                Ok(Err(errors))
            }
        }
    }

    /// Sets a new password (validated) and ends every session of the user.
    ///
    /// # Errors
    /// [`AuthError::Invalid`] listing what the validators refused, [`AuthError::NoSuchUser`].
    pub async fn set_password(&self, user: &User, password: &str) -> Result<(), AuthError> {
        let problems = crate::password::validate_password(
            password,
            &self.inner.rules,
            &user.username,
            &user.email,
        );
        if !problems.is_empty() {
            let m = &self.inner.settings.auth.messages;
            let text: Vec<String> = problems
                .iter()
                .map(|p| create::password_message(p, m))
                .collect();
            return Err(AuthError::Invalid(text.join(" ")));
        }
        let hash = self.inner.hasher.hash(password).await?;
        if !db::users::set_password(&self.inner.db, user.id, &hash).await? {
            return Err(AuthError::NoSuchUser(user.username.clone()));
        }
        audit(AuditEvent::PasswordChanged, Some(&user.id.to_string()), "");
        Ok(())
    }
}
