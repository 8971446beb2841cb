//! OpenID Connect, the protocol side: the provider registry (discovery and
//! keys, cached and refreshed), the anonymous flow cookie (state, nonce,
//! PKCE verifier), the code exchange with the ID token's checks, the claims
//! Portcullis reads, group sync and the end-session URL. Which local account
//! a proven identity is, and the session, are `app/`'s (`app/oidc.rs`).

mod authorize;
mod check;
mod claims;
mod error;
pub(crate) mod flow;
mod groups;
mod http;
mod logout;
mod registry;
mod verify;

pub(crate) use authorize::authorization;
pub use check::check_oidc_providers;
pub(crate) use claims::username_base;
pub(crate) use error::OidcError;
pub(crate) use flow::{FlowCookie, FlowState};
pub(crate) use groups::sync_groups;
pub(crate) use logout::end_session_url;
pub(crate) use registry::{Provider, Registry};
pub(crate) use verify::{exchange, Proven};
