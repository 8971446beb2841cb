//! Names of the session entries Portcullis owns (prefixed `_` like Django's).

/// The signed-in user's id.
pub const USER_ID: &str = "_auth_user_id";
/// The user's credential version at login; a password change makes it stale.
pub const CREDENTIAL: &str = "_auth_credential";
/// The CSRF secret.
pub const CSRF: &str = "_csrf";
