//! Passwords: argon2id hashing on a bounded pool of dedicated threads, and validators.

mod common;
mod error;
pub(crate) mod hash;
mod os;
mod validate;

pub use error::HashError;
pub(crate) use hash::{HashParams, HashPool, Verified};
pub use validate::{validate_password, PasswordProblem, PasswordRules};
