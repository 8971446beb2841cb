//! RP-initiated logout: the provider's `end_session_endpoint` with the ID
//! token as `id_token_hint`, this client's id and where to come back to.

use openidconnect::{core::CoreIdToken, ClientId, CsrfToken, LogoutRequest, PostLogoutRedirectUrl};

use super::registry::Discovered;

/// The URL ending the user's session at the provider, or `None` when the
/// provider has no end-session endpoint or an argument does not parse.
pub(crate) fn end_session_url(
    discovered: &Discovered,
    client_id: &str,
    id_token: &str,
    post_logout_redirect: &str,
) -> Option<String> {
    let endpoint = discovered
        .metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()?;
    let hint: CoreIdToken = id_token.parse().ok()?;
    let back = PostLogoutRedirectUrl::new(post_logout_redirect.to_owned()).ok()?;
    Some(
        LogoutRequest::from(endpoint)
            .set_id_token_hint(&hint)
            .set_client_id(ClientId::new(client_id.to_owned()))
            .set_post_logout_redirect_uri(back)
            .set_state(CsrfToken::new_random())
            .http_get_url()
            .to_string(),
    )
}
