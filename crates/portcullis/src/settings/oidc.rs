//! `[oidc]`: OpenID Connect providers ("Sign in with …").

use serde::{Deserialize, Serialize};

/// One `[[oidc.providers]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// Short id used in paths: `/oidc/{id}/login`.
    pub id: String,
    /// Button text: "Sign in with {display_name}".
    pub display_name: String,
    /// Issuer URL; discovery is read from `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// Client id registered at the provider.
    pub client_id: String,
    /// Client secret for confidential clients (prefer the env override).
    #[serde(default)]
    pub client_secret: String,
    /// Scopes beyond `openid email profile`.
    #[serde(default)]
    pub extra_scopes: Vec<String>,
    /// Dotted path of a claim listing the user's groups.
    #[serde(default)]
    pub groups_claim: String,
}

/// `[oidc]`: providers and options.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// Redirect to the provider on a bare GET of `/oidc/{id}/login` (false: a confirm page).
    pub login_on_get: bool,
    /// The providers.
    pub providers: Vec<ProviderSettings>,
}
