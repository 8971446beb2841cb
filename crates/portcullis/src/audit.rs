//! Security-relevant events. Every login, failure, logout, signup and denial
//! goes through [`audit`]; today they are `tracing` events (target
//! `portcullis::audit`), later also a table. Secrets are never included.

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    /// A successful login.
    LoginSucceeded,
    /// A failed login (unknown user, wrong password or inactive).
    LoginFailed,
    /// A logout.
    LoggedOut,
    /// A new account.
    SignedUp,
    /// A guard refused a request.
    AccessDenied,
    /// A request failed the CSRF check.
    CsrfRejected,
    /// A password was changed (CLI or page).
    PasswordChanged,
    /// A password-reset link was asked for (the detail says whether a mail
    /// went out; never the typed address).
    PasswordResetRequested,
    /// A password was set through a reset link.
    PasswordReset,
    /// An email address was confirmed.
    EmailVerified,
    /// An account's email address was changed.
    EmailChanged,
    /// A signed-in user typed their password again (reauthentication).
    Reauthenticated,
    /// An attempt was refused by a rate limit (the detail names the
    /// action and the client address, never the login).
    RateLimited,
    /// An OpenID identity was linked to an account (the detail names the provider).
    IdentityLinked,
    /// An OpenID identity was unlinked from an account.
    IdentityUnlinked,
}

/// Records `event`; `user` is a known user's id, never a typed value (people
/// type passwords into the login box) and never a secret.
pub fn audit(event: AuditEvent, user: Option<&str>, detail: &str) {
    tracing::info!(target: "portcullis::audit", event = ?event, user = user.unwrap_or("-"), detail);
}
