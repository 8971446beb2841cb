//! The callback's checks: the code exchanged (with the PKCE verifier and,
//! for a confidential client, the secret), then the ID token validated by
//! `openidconnect` (signature with the provider's keys, `iss`, `aud`, `exp`,
//! `nonce`) plus what that crate leaves to its caller: `azp`, audiences
//! other than this client, `iat`, and a leeway on `exp`.

use chrono::{Duration as ChronoDuration, Utc};
use openidconnect::{
    core::{
        CoreClient, CoreClientAuthMethod, CoreGenderClaim, CoreJsonWebKey,
        CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    },
    AdditionalClaims, AuthType, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    IdToken, IdTokenClaims, IdTokenVerifier, Nonce, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, SignatureVerificationError, TokenResponse as _,
};
use serde::{Deserialize, Serialize};

use super::{claims, registry::error_chain, FlowState, OidcError, Provider, Registry};

/// Clock skew allowed on `exp` and a future `iat`.
const LEEWAY_SECS: i64 = 60;
/// An ID token issued longer ago than this is refused (REFERENCE: ~10 min).
const MAX_TOKEN_AGE_SECS: i64 = 600;

/// Every claim, for the groups claim's dotted path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AllClaims(pub(crate) serde_json::Map<String, serde_json::Value>);
impl AdditionalClaims for AllClaims {}

type ExtIdToken =
    IdToken<AllClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type ExtClaims = IdTokenClaims<AllClaims, CoreGenderClaim>;

/// Who the provider says signed in, after every check.
#[derive(Debug, Clone)]
pub(crate) struct Proven {
    /// The provider's id in settings.
    pub(crate) provider: String,
    /// The issuer that signed the token.
    pub(crate) issuer: String,
    /// `sub`: the only thing an account is matched on.
    pub(crate) subject: String,
    /// `email`, if sent.
    pub(crate) email: Option<String>,
    /// `email_verified`; missing counts as false.
    pub(crate) email_verified: bool,
    /// `preferred_username`, if sent (only a hint for a new username).
    pub(crate) preferred_username: Option<String>,
    /// The groups claim's values, when `groups_claim` is set and present.
    pub(crate) groups: Option<Vec<String>>,
    /// The ID token as received, for `id_token_hint` at logout.
    pub(crate) id_token: String,
}

/// Exchanges `code` and validates the ID token against `flow`.
///
/// # Errors
/// [`OidcError::Exchange`] when the provider refuses the code,
/// [`OidcError::IdToken`] when the token fails a check,
/// [`OidcError::Unavailable`] when the provider cannot be reached.
pub(crate) async fn exchange(
    registry: &Registry,
    provider: &Provider,
    code: &str,
    flow: &FlowState,
) -> Result<Proven, OidcError> {
    let p = &provider.settings;
    let unavailable = |doing, detail: String| OidcError::Unavailable {
        provider: p.id.clone(),
        doing,
        detail,
    };
    let d = registry.discovered(provider).await?;
    // The URI the authorization request sent, as the provider requires.
    let redirect = RedirectUrl::new(flow.redirect_uri.clone())
        .map_err(|e| unavailable("building the callback URL", e.to_string()))?;
    let client = CoreClient::from_provider_metadata(
        d.metadata.clone(),
        ClientId::new(p.client_id.clone()),
        provider.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect)
    .set_auth_type(auth_type(
        d.metadata.token_endpoint_auth_methods_supported(),
    ));
    let request = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| unavailable("finding the token endpoint", e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()));
    let token = match request.request_async(&registry.http).await {
        Ok(t) => t,
        Err(RequestTokenError::ServerResponse(e)) => {
            return Err(OidcError::Exchange(e.error().to_string()))
        }
        Err(RequestTokenError::Request(e)) => {
            return Err(unavailable("exchanging the code", error_chain(&e)))
        }
        Err(e) => return Err(OidcError::Exchange(error_chain(&e))),
    };
    // The access token is dropped with the response: Portcullis signs in a
    // local session and keeps no provider token but the ID token's hint.
    let raw = token
        .id_token()
        .ok_or_else(|| OidcError::IdToken("the token response has no ID token".into()))?
        .to_string();
    let id_token: ExtIdToken = raw
        .parse()
        .map_err(|e: serde_json::Error| OidcError::IdToken(e.to_string()))?;
    let nonce = Nonce::new(flow.nonce.clone());
    let verify =
        |client: &CoreClient<_, _, _, _, _, _>| -> Result<ExtClaims, ClaimsVerificationError> {
            let verifier = checks(client.id_token_verifier());
            id_token.claims(&verifier, &nonce).cloned()
        };
    let claims = match verify(&client) {
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // The provider may have rotated its keys: read them again, once.
            let fresh = registry.refetch_keys(provider, &d).await.ok_or_else(|| {
                OidcError::IdToken("no key of the provider matches the ID token".into())
            })?;
            let client = CoreClient::from_provider_metadata(
                fresh.metadata.clone(),
                ClientId::new(p.client_id.clone()),
                provider.client_secret.clone().map(ClientSecret::new),
            );
            verify(&client)
        }
        other => other,
    }
    .map_err(|e| OidcError::IdToken(e.to_string()))?;
    authorized_party(&claims, &p.client_id)?;
    let extra = &claims.additional_claims().0;
    Ok(Proven {
        provider: p.id.clone(),
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        preferred_username: claims.preferred_username().map(|u| u.to_string()),
        groups: (!p.groups_claim.is_empty())
            .then(|| claims::groups_at(extra, &p.groups_claim))
            .flatten(),
        id_token: raw,
    })
}

/// The checks on top of the crate's defaults: `exp` with leeway, `iat`
/// neither in the future nor too old, RS256 and the other asymmetric
/// algorithms the provider may use (HS* only for confidential clients,
/// which the crate enforces).
fn checks(v: IdTokenVerifier<'_, CoreJsonWebKey>) -> IdTokenVerifier<'_, CoreJsonWebKey> {
    v.set_time_fn(|| Utc::now() - ChronoDuration::seconds(LEEWAY_SECS))
        .set_issue_time_verifier_fn(|iat| {
            let now = Utc::now();
            if iat > now + ChronoDuration::seconds(LEEWAY_SECS) {
                Err(format!("issued in the future ({iat})"))
            } else if iat < now - ChronoDuration::seconds(MAX_TOKEN_AGE_SECS) {
                Err(format!("issued too long ago ({iat})"))
            } else {
                Ok(())
            }
        })
        .set_allowed_algs([
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
            CoreJwsSigningAlgorithm::RsaSsaPssSha256,
            CoreJwsSigningAlgorithm::RsaSsaPssSha384,
            CoreJwsSigningAlgorithm::RsaSsaPssSha512,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::EcdsaP384Sha384,
            CoreJwsSigningAlgorithm::EdDsa,
        ])
}

/// Every audience must be this client, and `azp`, when present, too.
fn authorized_party(claims: &ExtClaims, client_id: &str) -> Result<(), OidcError> {
    if claims.audiences().iter().any(|a| a.as_str() != client_id) {
        return Err(OidcError::IdToken(
            "the ID token is also meant for another audience".into(),
        ));
    }
    if let Some(azp) = claims.authorized_party() {
        if azp.as_str() != client_id {
            return Err(OidcError::IdToken(
                "the ID token's azp is another client".into(),
            ));
        }
    }
    Ok(())
}

/// Basic authentication unless the provider supports only the POST body.
fn auth_type(supported: Option<&Vec<CoreClientAuthMethod>>) -> AuthType {
    match supported {
        Some(m)
            if !m.contains(&CoreClientAuthMethod::ClientSecretBasic)
                && m.contains(&CoreClientAuthMethod::ClientSecretPost) =>
        {
            AuthType::RequestBody
        }
        _ => AuthType::BasicAuth,
    }
}
