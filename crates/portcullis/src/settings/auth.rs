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
    /// No verification mail; signup signs the new user in.
    #[default]
    None,
    /// A verification mail is sent at signup; login is allowed before the
    /// address is confirmed.
    Optional,
    /// A verification mail is sent at signup; no login until the address is
    /// confirmed (the login page then offers to send the link again).
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
    /// Mount the password-reset pages (a link by email).
    pub password_reset_enabled: bool,
    /// Mount the email pages: the email-change page and the confirmation
    /// links with their resend form (both mail links). Required by
    /// `email_verification` other than `"none"`.
    pub email_pages_enabled: bool,
    /// Path of the login page; guards redirect anonymous browsers here.
    pub login_url: String,
    /// Path of the logout page.
    pub logout_url: String,
    /// Path of the signup page.
    pub signup_url: String,
    /// Path of the password-reset page; its other pages live below it
    /// (`/done`, `/confirm/{uid}/{token}`, `/complete`).
    pub password_reset_url: String,
    /// Seconds a password-reset link stays valid (Django's
    /// `PASSWORD_RESET_TIMEOUT`).
    pub password_reset_timeout: u64,
    /// Sign the user in right after a password reset (Django's `post_reset_login`).
    pub post_reset_login: bool,
    /// Path of the password-change page (signed-in users).
    pub password_change_url: String,
    /// Path of the email-verification pages: the resend form here, the
    /// emailed links at `{verify_email_url}/{token}`.
    pub verify_email_url: String,
    /// Seconds an email-verification or email-change link stays valid.
    pub email_verification_timeout: u64,
    /// Path of the page where a signed-in user changes their email address.
    pub email_change_url: String,
    /// Path of the page where a signed-in user types their password again
    /// before a sensitive change (mounted with the email pages, and with the
    /// OpenID connections page).
    pub reauthenticate_url: String,
    /// Seconds a sign-in (or a reauthentication) counts as recent: an older
    /// one is asked for the password again before the email address
    /// changes and before an OpenID provider is connected or disconnected
    /// (allauth's `REAUTHENTICATION_TIMEOUT`; ASVS 5 7.5.1). 0
    /// never asks.
    pub reauthentication_timeout: u64,
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
    /// Public origin of the site (`scheme://host[:port]`): emailed links,
    /// OIDC callbacks, CSRF origin checks. `""` leaves it unset: the OIDC
    /// callback and the CSRF check then use each request's own origin
    /// (forwarded headers only from `security.trusted_proxy_count`
    /// proxies), and start-up refuses any feature that mails a link.
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
            password_reset_enabled: true,
            email_pages_enabled: true,
            login_url: "/login".into(),
            logout_url: "/logout".into(),
            signup_url: "/register".into(),
            password_reset_url: "/password-reset".into(),
            password_reset_timeout: 3 * 24 * 3600,
            post_reset_login: false,
            password_change_url: "/password-change".into(),
            verify_email_url: "/verify-email".into(),
            email_verification_timeout: 3 * 24 * 3600,
            email_change_url: "/account/email".into(),
            reauthenticate_url: "/account/reauthenticate".into(),
            reauthentication_timeout: 300,
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
