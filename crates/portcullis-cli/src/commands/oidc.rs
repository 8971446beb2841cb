//! `portcullis oidc …`

use anyhow::{bail, Result};
use portcullis::Settings;

/// What `oidc urls` prints in place of an unset `auth.site_origin`.
pub const REQUEST_ORIGIN: &str = "<request-origin>";

/// The redirect URIs to register with each provider, one per line:
/// `{id} redirect_uri {site_origin}/oidc/{id}/callback`, and with
/// `rp_initiated_logout` `{id} post_logout_redirect_uri …`. With
/// `site_origin` unset the origin is [`REQUEST_ORIGIN`], after a first line
/// (`# …`) saying that it comes from each request.
pub fn urls(settings: &Settings) -> Result<String> {
    let providers = &settings.oidc.providers;
    if providers.is_empty() {
        bail!("no [[oidc.providers]] in the settings");
    }
    let mut lines = Vec::new();
    let origin = match settings.origin() {
        Some(o) => o.serialized,
        None => {
            lines.push(format!(
                "# auth.site_origin is unset: the origin comes from each request (its scheme and Host, \
                 or X-Forwarded-Proto/-Host from trusted proxies); register these with {REQUEST_ORIGIN} \
                 replaced by every origin the site is reached at"
            ));
            REQUEST_ORIGIN.to_owned()
        }
    };
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
