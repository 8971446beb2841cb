//! Users, groups, permissions: the account model and its rules.

mod admin;
mod canonical;
pub(crate) mod create;
mod error;
mod user;

pub use admin::validate_codename;
pub use canonical::{canonical_email, canonical_username, validate_username, UsernameProblem};
pub use create::{FieldErrors, NewUser};
pub use error::AuthError;
pub use user::{user_snapshot, User, UserSnapshot};
