//! Start-up helpers: which settings to load, and a printable database URL.

use std::path::{Path, PathBuf};

use portcullis::{settings::SettingsError, Settings};

/// The settings file used when neither `--settings` nor `PORTCULLIS_SETTINGS` names one.
pub const DEFAULT_SETTINGS_FILE: &str = "settings.toml";

/// The demo's own settings (its branding), used when the working directory
/// has no `settings.toml`.
pub const DEMO_SETTINGS_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/settings.toml");

/// Loads `explicit` (from `--settings` or `PORTCULLIS_SETTINGS`), else
/// `settings.toml` when the current directory has one, else the demo's own
/// `crates/demo/settings.toml` (while the checkout is there), else the
/// built-in defaults; `PORTCULLIS__…` environment overrides apply in every
/// case. Returns the settings and the file they came from.
///
/// # Errors
/// [`SettingsError`] naming the bad key, or the missing file.
pub fn load_settings(
    explicit: Option<&Path>,
) -> Result<(Settings, Option<PathBuf>), SettingsError> {
    let file = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => [DEFAULT_SETTINGS_FILE, DEMO_SETTINGS_FILE]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file()),
    };
    let settings = match &file {
        Some(path) => Settings::load(path)?,
        None => Settings::from_env()?,
    };
    Ok((settings, file))
}

/// The demo's `Auth`: Portcullis with the demo's renderer
/// ([`crate::render::DemoPages`]: its own logout page).
///
/// # Errors
/// [`portcullis::AuthError`] when the database cannot be opened or migrated.
pub async fn connect(settings: Settings) -> Result<portcullis::Auth, portcullis::AuthError> {
    portcullis::Auth::builder(settings)
        .renderer(crate::render::DemoPages)
        .connect()
        .await
}

/// `url` with the password replaced by `***`, safe to print.
///
/// ```
/// use demo::startup::mask_password;
/// assert_eq!(mask_password("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
/// assert_eq!(mask_password("sqlite://portcullis.db?mode=rwc"), "sqlite://portcullis.db?mode=rwc");
/// ```
pub fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..scheme_end],
        &authority[..colon],
        &rest[at..]
    )
}

#[cfg(test)]
mod tests {
    use super::mask_password;

    #[test]
    fn passwords_are_masked_and_nothing_else_changes() {
        assert_eq!(
            mask_password("postgres://u:p@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            mask_password("postgres://u:p%40ss:w@h:1/db?sslmode=require"),
            "postgres://u:***@h:1/db?sslmode=require"
        );
        assert_eq!(mask_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            mask_password("postgres://h/db?x=a:b@c"),
            "postgres://h/db?x=a:b@c"
        );
        assert_eq!(mask_password("sqlite::memory:"), "sqlite::memory:");
    }
}
