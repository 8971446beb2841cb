//! Starting a sign-in: the provider's authorization URL (code flow, PKCE
//! S256, scopes `openid email profile` and the extras, fresh `state` and
//! `nonce`) and the flow that must come back with it.

use openidconnect::{
    core::{CoreAuthenticationFlow, CoreClient},
    ClientId, CsrfToken, Nonce, PkceCodeChallenge, RedirectUrl, Scope,
};

use super::{FlowState, OidcError, Provider, Registry};

/// The URL to send the browser to, and the flow to keep in its cookie.
///
/// # Errors
/// [`OidcError::Unavailable`] when the provider's discovery fails.
pub(crate) async fn authorization(
    registry: &Registry,
    provider: &Provider,
    redirect_uri: &str,
    next: Option<String>,
    link_user: Option<i64>,
    now: i64,
) -> Result<(String, FlowState), OidcError> {
    let d = registry.discovered(provider).await?;
    let p = &provider.settings;
    let redirect =
        RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| OidcError::Unavailable {
            provider: p.id.clone(),
            doing: "building the callback URL",
            detail: e.to_string(),
        })?;
    let client = CoreClient::from_provider_metadata(
        d.metadata.clone(),
        ClientId::new(p.client_id.clone()),
        None,
    )
    .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    for scope in &p.extra_scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.url();
    let flow = FlowState {
        provider: p.id.clone(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        redirect_uri: redirect_uri.to_owned(),
        next,
        link_user,
        started: now,
    };
    Ok((url.to_string(), flow))
}
