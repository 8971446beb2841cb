//! `portcullis oidc …`

use anyhow::{bail, Result};
use portcullis::Settings;

/// The redirect URIs to register with each provider, one per line:
/// `{id} redirect_uri {site_origin}/oidc/{id}/callback`, and with
/// `rp_initiated_logout` `{id} post_logout_redirect_uri …`.
pub fn urls(settings: &Settings) -> Result<String> {
    let providers = &settings.oidc.providers;
    if providers.is_empty() {
        bail!("no [[oidc.providers]] in the settings");
    }
    let origin = settings.origin().serialized;
    let mut lines = Vec::new();
    for p in providers {
        lines.push(format!(
            "{} redirect_uri {origin}/oidc/{}/callback",
            p.id, p.id
        ));
        if p.rp_initiated_logout {
            lines.push(format!(
                "{} post_logout_redirect_uri {origin}{}",
                p.id, settings.auth.logout_redirect_url
            ));
        }
    }
    Ok(lines.join("\n"))
}
