//! Keys that would switch on a feature this version does not have yet.
//!
//! Such a key stops start-up instead of being accepted and ignored. Keys
//! that only configure a missing feature (its URL, its timeout) stay
//! accepted: they take effect when the feature lands.

use super::{Settings, SettingsError};

/// The first key that asks for a missing feature, if any.
pub(super) fn check(s: &Settings) -> Result<(), SettingsError> {
    let refuse = |key: &str, feature: &str| {
        Err(SettingsError::Unavailable {
            key: key.to_owned(),
            feature: feature.to_owned(),
        })
    };
    if s.oidc.login_on_get {
        return refuse("oidc.login_on_get", "OpenID Connect sign-in");
    }
    if !s.oidc.providers.is_empty() {
        return refuse("oidc.providers", "OpenID Connect sign-in");
    }
    Ok(())
}
