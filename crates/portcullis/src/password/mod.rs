//! Passwords: argon2id hashing on a bounded pool of dedicated threads, and validators.

mod common;
mod error;
mod hash;
mod memory;
mod validate;

pub use error::HashError;
pub use hash::{HashParams, PasswordHasher, Verified};
pub use validate::{validate_password, PasswordProblem, PasswordRules};
