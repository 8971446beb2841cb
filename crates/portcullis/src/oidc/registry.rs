//! The configured providers, each with its discovery document and keys:
//! fetched on first use, kept `oidc.discovery_refresh_secs`, and the keys
//! re-read at once when an ID token names a key they lack (rotation without
//! a restart). A provider that cannot be reached keeps serving the last
//! document it gave, if any.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use openidconnect::{core::CoreJsonWebKeySet, IssuerUrl, ProviderMetadataWithLogout};

use super::{http, FlowCookie, OidcError};
use crate::settings::{ProviderSettings, Settings};

/// Keys are re-read for an unknown `kid` at most this often, unless the
/// last read brought keys not seen before: a stream of forged tokens naming
/// made-up keys finds the same keys each time, so it costs one fetch per
/// this period, while a rotation under way is followed at once.
const KEYS_REFETCH_MIN: Duration = Duration::from_secs(10);

/// A discovery document as fetched, and when.
#[derive(Clone)]
pub(crate) struct Discovered {
    pub(crate) metadata: ProviderMetadataWithLogout,
    fetched: Instant,
    keys_fetched: Instant,
    /// The last read of the keys brought new ones (a discovery's first
    /// read counts): the next unknown `kid` may read them again at once.
    keys_changed: bool,
}

/// Whether an unknown `kid` may re-read the keys now.
fn may_refetch(last_changed: bool, since_last: Duration) -> bool {
    last_changed || since_last >= KEYS_REFETCH_MIN
}

/// One configured provider.
pub(crate) struct Provider {
    pub(crate) settings: ProviderSettings,
    /// Resolved at start-up (`client_secret_env` or `client_secret`).
    pub(crate) client_secret: Option<String>,
    cache: RwLock<Option<Arc<Discovered>>>,
    /// One fetch at a time per provider; the others wait and reuse it.
    fetching: tokio::sync::Mutex<()>,
}

/// Every configured provider, the HTTP client and the flow cookie.
pub(crate) struct Registry {
    providers: Vec<Arc<Provider>>,
    by_id: HashMap<String, usize>,
    pub(crate) http: reqwest::Client,
    pub(crate) flow: FlowCookie,
    refresh: Duration,
}

impl Registry {
    /// The providers of `settings`; `secret` is the server's cookie secret
    /// (the flow cookie's key is derived from it).
    pub(crate) fn new(settings: &Settings, secret: &str) -> Registry {
        let o = &settings.oidc;
        let providers: Vec<Arc<Provider>> = o
            .providers
            .iter()
            .map(|p| {
                Arc::new(Provider {
                    client_secret: p.resolved_client_secret(),
                    settings: p.clone(),
                    cache: RwLock::new(None),
                    fetching: tokio::sync::Mutex::new(()),
                })
            })
            .collect();
        let by_id = providers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.settings.id.clone(), i))
            .collect();
        Registry {
            providers,
            by_id,
            http: http::client(Duration::from_secs(o.http_timeout_secs)),
            flow: FlowCookie::new(settings, secret),
            refresh: Duration::from_secs(o.discovery_refresh_secs),
        }
    }

    /// The provider with id `id`.
    pub(crate) fn get(&self, id: &str) -> Result<Arc<Provider>, OidcError> {
        self.by_id
            .get(id)
            .map(|&i| Arc::clone(&self.providers[i]))
            .ok_or_else(|| OidcError::UnknownProvider(id.to_owned()))
    }

    /// Every provider, in settings order.
    pub(crate) fn all(&self) -> &[Arc<Provider>] {
        &self.providers
    }

    /// True when no provider is configured.
    pub(crate) fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// `provider`'s discovery document: the cached one while fresh, else
    /// fetched again (the stale one when the provider cannot be reached).
    ///
    /// # Errors
    /// [`OidcError::Unavailable`] when there is none and none can be fetched.
    pub(crate) async fn discovered(
        &self,
        provider: &Provider,
    ) -> Result<Arc<Discovered>, OidcError> {
        if let Some(d) = provider
            .cached()
            .filter(|d| d.fetched.elapsed() < self.refresh)
        {
            return Ok(d);
        }
        let _one = provider.fetching.lock().await;
        // Another request may have fetched it while this one waited.
        if let Some(d) = provider
            .cached()
            .filter(|d| d.fetched.elapsed() < self.refresh)
        {
            return Ok(d);
        }
        match self.fetch(provider).await {
            Ok(d) => {
                let d = Arc::new(d);
                provider.store(Arc::clone(&d));
                Ok(d)
            }
            Err(e) => match provider.cached() {
                Some(stale) => {
                    tracing::warn!(error = %e, "OpenID discovery failed; using the last document");
                    Ok(stale)
                }
                None => Err(e),
            },
        }
    }

    /// The cached document only (no network): for the login page's CSP.
    pub(crate) fn cached(&self, provider: &Provider) -> Option<Arc<Discovered>> {
        provider.cached()
    }

    /// Re-reads `provider`'s keys: an ID token named a key that `seen`
    /// lacks. `None` when they were read moments ago and brought nothing
    /// new (see [`KEYS_REFETCH_MIN`]), or cannot be read now.
    pub(crate) async fn refetch_keys(
        &self,
        provider: &Provider,
        seen: &Arc<Discovered>,
    ) -> Option<Arc<Discovered>> {
        let _one = provider.fetching.lock().await;
        let current = provider.cached()?;
        // Another request read them while this one waited: try those.
        if !Arc::ptr_eq(&current, seen) {
            return Some(current);
        }
        if !may_refetch(current.keys_changed, current.keys_fetched.elapsed()) {
            return None;
        }
        match CoreJsonWebKeySet::fetch_async(current.metadata.jwks_uri(), &self.http).await {
            Ok(keys) => {
                let mut d = (*current).clone();
                d.keys_changed = serde_json::to_value(&keys).ok()
                    != serde_json::to_value(current.metadata.jwks()).ok();
                d.metadata = d.metadata.set_jwks(keys);
                d.keys_fetched = Instant::now();
                let d = Arc::new(d);
                provider.store(Arc::clone(&d));
                tracing::info!(provider = %provider.settings.id, "OpenID provider keys re-read");
                Some(d)
            }
            Err(e) => {
                tracing::warn!(provider = %provider.settings.id, error = %e, "could not re-read OpenID provider keys");
                None
            }
        }
    }

    async fn fetch(&self, provider: &Provider) -> Result<Discovered, OidcError> {
        let id = &provider.settings.id;
        let unavailable = |doing, detail: String| OidcError::Unavailable {
            provider: id.clone(),
            doing,
            detail,
        };
        let issuer = IssuerUrl::new(provider.settings.issuer.clone())
            .map_err(|e| unavailable("reading the issuer URL", e.to_string()))?;
        // Checks that the document's `issuer` is exactly the configured one.
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| unavailable("reading the discovery document", error_chain(&e)))?;
        let now = Instant::now();
        Ok(Discovered {
            metadata,
            fetched: now,
            keys_fetched: now,
            keys_changed: true,
        })
    }
}

impl Provider {
    fn cached(&self) -> Option<Arc<Discovered>> {
        self.cache.read().ok().and_then(|c| c.clone())
    }

    fn store(&self, d: Arc<Discovered>) {
        if let Ok(mut c) = self.cache.write() {
            *c = Some(d);
        }
    }
}

/// An error and its causes on one line (the discovery errors nest).
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A storm of tokens naming made-up keys: the first re-read after a
    /// discovery goes at once; it finds the same keys, so the next ones
    /// wait out the period. A read that found new keys allows another.
    #[test]
    fn unknown_kids_cannot_cause_a_fetch_storm() {
        let moments = Duration::from_millis(50);
        assert!(may_refetch(true, moments), "keys fresh from discovery");
        assert!(!may_refetch(false, moments), "the same keys moments ago");
        assert!(!may_refetch(false, KEYS_REFETCH_MIN - moments));
        assert!(may_refetch(false, KEYS_REFETCH_MIN));
        assert!(may_refetch(true, Duration::ZERO), "a rotation under way");
    }
}
