//! Names of the session entries Portcullis owns (prefixed `_` like Django's).

/// The signed-in user's id.
pub const USER_ID: &str = "_auth_user_id";
/// The user's credential version at login; a password change makes it stale.
pub const CREDENTIAL: &str = "_auth_credential";
/// The id of the backend that signed the user in (Django's
/// `BACKEND_SESSION_KEY`); absent for the password backend.
pub const BACKEND: &str = "_auth_backend";
/// A password-reset link's token, moved out of the URL (Django's
/// `_password_reset_token`).
pub const RESET_TOKEN: &str = "_auth_reset_token";
/// The CSRF secret.
pub const CSRF: &str = "_csrf";

/// True for the keys Portcullis owns (`_auth_*` and the CSRF secret):
/// never preserved across logout, never carried into a re-created session.
pub(crate) fn is_portcullis_key(key: &str) -> bool {
    key.starts_with("_auth_") || key == CSRF
}

/// The ID token of an OpenID sign-in whose provider has
/// `rp_initiated_logout`: the `id_token_hint` at logout (server-side only).
pub const OIDC_ID_TOKEN: &str = "_auth_oidc_id_token";
