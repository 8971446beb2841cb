//! `portcullis check`'s look at the providers: each discovery document
//! fetched (issuer matched, keys read) the way sign-in will fetch it.

use super::Registry;
use crate::settings::Settings;

/// One line per configured provider: `{id}: discovery OK`, or what went
/// wrong. Empty when no provider is configured.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let settings = portcullis::Settings::default();
/// assert!(portcullis::check_oidc_providers(&settings).await.is_empty());
/// # }
/// ```
pub async fn check_oidc_providers(settings: &Settings) -> Vec<Result<String, String>> {
    // The secret only keys the flow cookie, which a check never writes.
    let registry = Registry::new(settings, "portcullis check");
    let mut out = Vec::new();
    for p in registry.all() {
        let id = &p.settings.id;
        out.push(match registry.discovered(p).await {
            Ok(_) => Ok(format!("{id}: discovery OK ({})", p.settings.issuer)),
            Err(e) => Err(format!("{id}: {e}")),
        });
    }
    out
}
