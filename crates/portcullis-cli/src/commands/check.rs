//! `portcullis check`: settings were already loaded and validated before
//! dispatch, so reaching here means they are valid. Colours that pass
//! validation but fall below WCAG AA contrast are warned about on stderr.

use anyhow::{bail, Result};
use portcullis::{db::Database, Settings};

use super::{contrast, SettingsSource};

pub async fn run(settings: &Settings, source: &SettingsSource, database: bool) -> Result<String> {
    for warning in contrast::warnings(&settings.auth.branding) {
        eprintln!("warning: {warning}");
    }
    // Each provider's discovery document, fetched as sign-in will fetch it.
    let problems: Vec<String> = portcullis::check_oidc_providers(settings)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if !problems.is_empty() {
        bail!("OpenID provider problems: {}", problems.join("; "));
    }
    if !database {
        return Ok(format!("settings OK ({source})"));
    }
    // Opening the pool makes one real connection, which is the reachability test.
    let db = Database::connect(&settings.database).await?;
    db.close().await;
    Ok(format!("settings OK ({source}); database reachable"))
}
