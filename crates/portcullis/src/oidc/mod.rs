//! OpenID Connect providers. The registry is filled from `[[oidc.providers]]`;
//! the login flow itself arrives with the OIDC feature, and until then no
//! provider route is mounted and no button is shown.

use crate::settings::ProviderSettings;

/// Providers by id, in settings order.
#[derive(Debug, Clone, Default)]
pub struct ProviderRegistry {
    providers: Vec<ProviderSettings>,
}

impl ProviderRegistry {
    /// A registry of the configured providers.
    pub fn new(providers: Vec<ProviderSettings>) -> Self {
        Self { providers }
    }

    /// The provider with this id.
    pub fn get(&self, id: &str) -> Option<&ProviderSettings> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// Providers whose login flow is mounted (none until the OIDC feature lands).
    pub fn mounted(&self) -> impl Iterator<Item = &ProviderSettings> {
        self.providers.iter().filter(|_| false)
    }
}
