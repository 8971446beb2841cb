//! Why settings were refused.

/// Settings could not be loaded or are unsafe; the message names the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The file or an environment override could not be parsed, or has an unknown key.
    #[error("settings: {0}")]
    Parse(String),
    /// A value parsed but is invalid or unsafe.
    #[error("settings: {key}: {reason}")]
    Invalid {
        /// Dotted key, e.g. `auth.password_min_length`.
        key: String,
        /// Why it is refused.
        reason: String,
    },
    /// The key switches on a feature this version does not have: it is
    /// refused rather than accepted and ignored (every feature a key names
    /// exists today; kept for keys that come before their feature).
    #[error("settings: {key}: {feature} is not available yet; remove the key or set it back to its default")]
    Unavailable {
        /// Dotted key, e.g. `auth.password_reset_enabled`.
        key: String,
        /// What the key would switch on.
        feature: String,
    },
}

impl SettingsError {
    pub(crate) fn invalid(key: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }
}

impl From<figment::Error> for SettingsError {
    fn from(err: figment::Error) -> Self {
        // figment's Display names the key path and the source (file or env var).
        let mut parts = Vec::new();
        for e in err {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(src) => format!(" (from {src})"),
                    None => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            if key.is_empty() {
                parts.push(format!("{}{source}", e.kind));
            } else {
                parts.push(format!("{key}: {}{source}", e.kind));
            }
        }
        SettingsError::Parse(parts.join("; "))
    }
}
