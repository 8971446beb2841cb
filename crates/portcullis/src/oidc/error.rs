//! What can go wrong in an OpenID Connect sign-in.

/// An OpenID Connect sign-in failed. The message is for logs; the pages
/// show a fixed text per kind, never the provider's own words.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum OidcError {
    /// No provider with this id is configured.
    #[error("no OpenID provider {0:?} is configured")]
    UnknownProvider(String),
    /// The provider could not be reached, or answered with something unusable.
    #[error("while {doing} at provider {provider:?}: {detail}")]
    Unavailable {
        /// The provider's id.
        provider: String,
        /// What was under way.
        doing: &'static str,
        /// The cause (no secrets: URLs and error texts only).
        detail: String,
    },
    /// The browser came back without a matching, fresh flow cookie (wrong
    /// `state`, another tab's flow, or too late).
    #[error("the sign-in state is missing, expired or does not match")]
    BadState,
    /// The provider sent the user back with an error (`access_denied` when
    /// they cancelled).
    #[error("the provider answered {code:?}")]
    Provider {
        /// The OAuth error code, as sent.
        code: String,
    },
    /// The code exchange was refused (a replayed or expired code, a wrong
    /// verifier or secret).
    #[error("the provider refused the code: {0}")]
    Exchange(String),
    /// `auth.site_origin` is unset and the request's own origin (its Host,
    /// or a trusted proxy's forwarded headers) is not an origin, so no
    /// callback URL can be made.
    #[error("no callback URL: {0}")]
    BadOrigin(String),
    /// The ID token failed a check (signature, issuer, audience, expiry,
    /// nonce…).
    #[error("the ID token was refused: {0}")]
    IdToken(String),
}

impl OidcError {
    /// True when the user cancelled at the provider.
    pub(crate) fn is_cancelled(&self) -> bool {
        matches!(self, OidcError::Provider { code } if code == "access_denied")
    }
}
