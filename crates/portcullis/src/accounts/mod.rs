//! Users, groups, permissions: the account model and its rules.

mod canonical;
pub(crate) mod create;
pub(crate) mod load;
pub(crate) mod tokens;
mod user;

pub(crate) use canonical::MAX_EMAIL_CHARS;
pub use canonical::{canonical_email, canonical_username, validate_username, UsernameProblem};
pub use create::{FieldErrors, NewUser};
pub use user::{user_snapshot, User, UserSnapshot};
