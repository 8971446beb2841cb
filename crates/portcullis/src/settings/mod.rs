//! Typed settings: one struct, loaded from TOML with `PORTCULLIS__SECTION__KEY`
//! environment overrides, validated at start-up.
//!
//! ```
//! use portcullis::Settings;
//! let settings = Settings::from_toml_str(r#"
//!     [auth]
//!     login_url = "/sign-in"
//!     [database]
//!     url = "sqlite::memory:"
//! "#).unwrap();
//! assert_eq!(settings.auth.login_url, "/sign-in");
//! assert_eq!(settings.auth.password_min_length, 12);
//! ```

mod auth;
mod branding;
mod database;
mod email;
mod error;
pub(crate) mod local_path;
mod messages;
mod oidc;
mod rate_limits;
mod security;
mod session;
mod validate;

use std::path::Path;

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use serde::{Deserialize, Serialize};

pub use auth::{AnonymousDenial, AuthSettings, EmailVerification, LoginField};
pub use branding::Branding;
pub use database::DatabaseSettings;
pub use email::{EmailBackend, EmailSettings};
pub use error::SettingsError;
pub(crate) use local_path::is_local_path;
pub use messages::Messages;
pub use oidc::{GroupsSync, OidcMessages, OidcSettings, ProviderSettings};
pub use rate_limits::{Rate, RateLimitSettings, RatePer, MAX_RATE_PERIOD_SECS};
pub use security::SecuritySettings;
pub use session::{CookieSecure, SameSitePolicy, SessionSettings};
pub use validate::Origin;

/// Environment variable naming the settings file when no path is given.
pub const SETTINGS_ENV: &str = "PORTCULLIS_SETTINGS";
/// Prefix of environment overrides: `PORTCULLIS__DATABASE__URL` sets `database.url`.
pub const ENV_PREFIX: &str = "PORTCULLIS__";

/// All of Portcullis' settings, one field per TOML section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[auth]`: pages, redirects, login fields, password rules, branding, messages.
    pub auth: AuthSettings,
    /// `[database]`: connection URL and pool.
    pub database: DatabaseSettings,
    /// `[session]`: cookie and lifetime.
    pub session: SessionSettings,
    /// `[email]`: mail backend.
    pub email: EmailSettings,
    /// `[security]`: hashing cost, limits, CSRF origins, proxies, rate limits.
    pub security: SecuritySettings,
    /// `[oidc]`: OpenID Connect providers.
    pub oidc: OidcSettings,
}

impl Settings {
    /// Loads `path` (TOML), applies `PORTCULLIS__…` environment overrides and validates.
    ///
    /// A missing file is an error; use [`Settings::from_env`] to run on defaults.
    ///
    /// # Errors
    /// [`SettingsError`] naming the first bad key: unknown, unparsable or unsafe.
    pub fn load(path: impl AsRef<Path>) -> Result<Settings, SettingsError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(SettingsError::Parse(format!(
                "settings file {} not found",
                path.display()
            )));
        }
        Self::extract(
            Figment::from(Serialized::defaults(Settings::default())).merge(Toml::file_exact(path)),
        )
    }

    /// Defaults plus environment overrides only (no file).
    ///
    /// # Errors
    /// [`SettingsError`] naming the first bad key.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Self::extract(Figment::from(Serialized::defaults(Settings::default())))
    }

    /// Parses TOML text without environment overrides (tests, doc examples).
    ///
    /// # Errors
    /// [`SettingsError`] naming the first bad key.
    pub fn from_toml_str(toml: &str) -> Result<Settings, SettingsError> {
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(toml))
            .extract()?;
        settings.validate()?;
        Ok(settings)
    }

    fn extract(figment: Figment) -> Result<Settings, SettingsError> {
        let settings: Settings = figment
            .merge(Env::prefixed(ENV_PREFIX).split("__").lowercase(true))
            .extract()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Runs the start-up checks again (after changing fields in code).
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] naming the key.
    pub fn validate(&self) -> Result<(), SettingsError> {
        validate::validate(self)
    }

    /// The parsed `auth.site_origin`; `None` when it is unset (`""`): the
    /// origin then comes from each request.
    ///
    /// ```
    /// use portcullis::Settings;
    /// let s = Settings::from_toml_str("[auth]\nsite_origin = \"https://example.com\"\n").unwrap();
    /// assert_eq!(s.origin().unwrap().serialized, "https://example.com");
    /// ```
    pub fn origin(&self) -> Option<Origin> {
        if self.auth.site_origin.is_empty() {
            return None;
        }
        Some(Origin::parse(&self.auth.site_origin).expect("validated at load"))
    }

    /// Whether the session cookie is Secure under these settings. With
    /// `auto` and `site_origin` unset it is: the scheme is not known in
    /// advance, and browsers keep Secure cookies on http://localhost too.
    pub fn cookie_secure(&self) -> bool {
        match self.session.secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => self.origin().is_none_or(|o| o.is_https()),
        }
    }

    /// The session cookie's name, `__Host-` prefixed when Secure.
    pub fn cookie_name(&self) -> String {
        if self.cookie_secure() {
            format!("__Host-{}", self.session.cookie_name)
        } else {
            self.session.cookie_name.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Settings::from_toml_str("[auth]\nno_such_key = 1\n").unwrap_err();
        assert!(err.to_string().contains("no_such_key"), "{err}");
    }

    #[test]
    fn bad_value_is_named() {
        let err = Settings::from_toml_str("[auth]\npassword_min_length = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("password_min_length"), "{err}");
        let err = Settings::from_toml_str("[auth]\npassword_min_length = 4\n").unwrap_err();
        assert!(
            err.to_string().contains("auth.password_min_length"),
            "{err}"
        );
        let err = Settings::from_toml_str("[auth]\nlogin_fields = [\"phone\"]\n").unwrap_err();
        assert!(err.to_string().contains("login_fields"), "{err}");
    }

    #[test]
    fn bad_rate_limits_are_named() {
        for (toml, key) in [
            (
                "login_failed = \"5/fortnight/key\"",
                "security.rate_limits.login_failed",
            ),
            ("login = \"0/m/ip\"", "security.rate_limits.login"),
            ("signup = \"5/m/key\"", "security.rate_limits.signup"),
            ("no_such_action = \"1/m/ip\"", "no_such_action"),
        ] {
            let err =
                Settings::from_toml_str(&format!("[security.rate_limits]\n{toml}\n")).unwrap_err();
            assert!(err.to_string().contains(key), "{toml}: {err}");
        }
        let off = Settings::from_toml_str("[security.rate_limits]\nlogin = \"\"\n").unwrap();
        assert!(off.security.rate_limits.login.is_empty());
    }

    #[test]
    fn redirect_loop_is_refused() {
        let err = Settings::from_toml_str("[auth]\nlogin_redirect_url = \"/login\"\n").unwrap_err();
        assert!(err.to_string().contains("redirect loop"), "{err}");
    }

    #[test]
    fn open_redirect_targets_are_refused() {
        let err = Settings::from_toml_str("[auth]\nlogin_redirect_url = \"//evil.example\"\n")
            .unwrap_err();
        assert!(err.to_string().contains("auth.login_redirect_url"), "{err}");
    }

    #[test]
    fn https_origin_makes_a_host_prefixed_secure_cookie() {
        let s = Settings::from_toml_str("[auth]\nsite_origin = \"https://example.com\"\n").unwrap();
        assert!(s.cookie_secure());
        assert_eq!(s.cookie_name(), "__Host-portcullis_session");
        let s = Settings::default();
        assert!(!s.cookie_secure());
        assert_eq!(s.cookie_name(), "portcullis_session");
    }

    #[test]
    fn insecure_cookie_refused_off_localhost() {
        let err = Settings::from_toml_str(
            "[auth]\nsite_origin = \"https://example.com\"\n[session]\nsecure = \"never\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("session.secure"), "{err}");
    }

    /// What an unset origin allows: no feature that mails a link, a Secure
    /// cookie, and no insecure cookie.
    #[test]
    fn unset_origin_refuses_emailed_links_and_makes_a_secure_cookie() {
        let unset = "[auth]\nsite_origin = \"\"\n";
        let err = Settings::from_toml_str(unset).unwrap_err().to_string();
        assert!(
            err.contains("auth.site_origin") && err.contains("password_reset_enabled"),
            "{err}"
        );
        let quiet = format!("{unset}password_reset_enabled = false\nemail_pages_enabled = false\n");
        let s = Settings::from_toml_str(&quiet).unwrap();
        assert!(s.origin().is_none());
        assert!(s.cookie_secure());
        assert_eq!(s.cookie_name(), "__Host-portcullis_session");
        let err = Settings::from_toml_str(&format!("{quiet}email_verification = \"optional\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("email_verification"), "{err}");
        let err = Settings::from_toml_str(&format!("{}password_reset_enabled = false\n", unset))
            .unwrap_err()
            .to_string();
        assert!(err.contains("email_pages_enabled"), "{err}");
        let err = Settings::from_toml_str(&format!("{quiet}[session]\nsecure = \"never\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("session.secure"), "{err}");
    }
}
