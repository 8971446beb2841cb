//! `portcullis check`: settings were already loaded and validated before
//! dispatch, so reaching here means they are valid. Colours that pass
//! validation but fall below WCAG AA contrast are warned about on stderr.

use anyhow::Result;
use portcullis::{db::Database, Settings};

use super::{contrast, SettingsSource};

pub async fn run(settings: &Settings, source: &SettingsSource, database: bool) -> Result<String> {
    for warning in contrast::warnings(&settings.auth.branding) {
        eprintln!("warning: {warning}");
    }
    if !database {
        return Ok(format!("settings OK ({source})"));
    }
    // Opening the pool makes one real connection, which is the reachability test.
    let db = Database::connect(&settings.database).await?;
    db.close().await;
    Ok(format!("settings OK ({source}); database reachable"))
}
