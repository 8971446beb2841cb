//! The `[auth]` section: pages, redirects, login fields, password rules.

use serde::{Deserialize, Serialize};

use super::{branding::Branding, messages::Messages};

/// Which identifiers the login form accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginField {
    /// The account's username.
    Username,
    /// The account's email address.
    Email,
}

/// Whether new accounts must confirm their email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EmailVerification {
    /// No verification mail (the only mode available yet).
    #[default]
    None,
    /// A verification mail is sent, login is allowed before it is confirmed.
    /// Not available yet: refused at start-up.
    Optional,
    /// No login until the address is confirmed. Not available yet: refused at start-up.
    Mandatory,
}

/// What an anonymous browser gets from a guard that denies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AnonymousDenial {
    /// Redirect to `login_url?next=<path>` (Django's default).
    #[default]
    Redirect,
    /// Answer 403 at once (Django's `raise_exception`).
    Forbidden,
}

/// `[auth]`: pages, redirects, login fields, password rules, branding, messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Master switch: when false `add_auth_pages` mounts no page.
    pub enabled: bool,
    /// Mount the signup page.
    pub signup_enabled: bool,
    /// Password reset by email. Not available yet: `true` stops start-up
    /// until the reset pages exist.
    pub password_reset_enabled: bool,
    /// Path of the login page; guards redirect anonymous browsers here.
    pub login_url: String,
    /// Path of the logout page.
    pub logout_url: String,
    /// Path of the signup page.
    pub signup_url: String,
    /// Path of the password-reset page.
    pub password_reset_url: String,
    /// Where a login without a safe `next` lands.
    pub login_redirect_url: String,
    /// Where logout lands.
    pub logout_redirect_url: String,
    /// Where signup lands.
    pub signup_redirect_url: String,
    /// Send signed-in users away from the login and signup pages.
    pub redirect_authenticated_user: bool,
    /// Identifiers accepted by the login form.
    pub login_fields: Vec<LoginField>,
    /// Minimum password length in characters (at least 8).
    pub password_min_length: usize,
    /// Maximum password length in characters (longer ones are refused, never truncated).
    pub password_max_length: usize,
    /// Refuse passwords too similar to the username or email (0.0–1.0; 0 turns it off).
    pub password_similarity: f64,
    /// Refuse passwords from the shipped common-passwords list.
    pub password_common_check: bool,
    /// Email verification policy for new accounts.
    pub email_verification: EmailVerification,
    /// Public origin of the site (`scheme://host[:port]`): emailed links, OIDC callbacks, CSRF origin checks.
    pub site_origin: String,
    /// Session keys copied into the fresh anonymous session at logout.
    pub logout_preserve_session_keys: Vec<String>,
    /// Include group names in `user_snapshot`.
    pub user_snapshot_include_groups: bool,
    /// What guards do with anonymous browsers.
    pub anonymous_denial: AnonymousDenial,
    /// Page branding.
    pub branding: Branding,
    /// Every user-visible string of the pages.
    pub messages: Messages,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            signup_enabled: true,
            password_reset_enabled: false,
            login_url: "/login".into(),
            logout_url: "/logout".into(),
            signup_url: "/register".into(),
            password_reset_url: "/password-reset".into(),
            login_redirect_url: "/".into(),
            logout_redirect_url: "/".into(),
            signup_redirect_url: "/".into(),
            redirect_authenticated_user: true,
            login_fields: vec![LoginField::Username, LoginField::Email],
            password_min_length: 12,
            password_max_length: 128,
            password_similarity: 0.7,
            password_common_check: true,
            email_verification: EmailVerification::None,
            site_origin: "http://127.0.0.1:8000".into(),
            logout_preserve_session_keys: vec!["theme".into()],
            user_snapshot_include_groups: false,
            anonymous_denial: AnonymousDenial::Redirect,
            branding: Branding::default(),
            messages: Messages::default(),
        }
    }
}

impl AuthSettings {
    /// True when the login form accepts `field`.
    pub fn accepts(&self, field: LoginField) -> bool {
        self.login_fields.contains(&field)
    }
}
