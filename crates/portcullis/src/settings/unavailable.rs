//! Keys that would switch on a feature this version does not have yet.
//!
//! Such a key stops start-up instead of being accepted and ignored. Keys
//! that only configure a missing feature (its URL, its timeout) stay
//! accepted: they take effect when the feature lands.

use super::{EmailBackend, EmailVerification, Settings, SettingsError};

/// The first key that asks for a missing feature, if any.
pub(super) fn check(s: &Settings) -> Result<(), SettingsError> {
    let refuse = |key: &str, feature: &str| {
        Err(SettingsError::Unavailable {
            key: key.to_owned(),
            feature: feature.to_owned(),
        })
    };
    if s.auth.password_reset_enabled {
        return refuse("auth.password_reset_enabled", "password reset by email");
    }
    if s.auth.email_verification != EmailVerification::None {
        return refuse(
            "auth.email_verification",
            "email verification (only \"none\" works today)",
        );
    }
    if s.email.backend != EmailBackend::Console {
        return refuse(
            "email.backend",
            "sending mail by SMTP or to files (only \"console\" works today)",
        );
    }
    Ok(())
}
