//! Sessions: a database-backed actix-session store, and login/logout.

pub(crate) mod keys;
pub(crate) mod purge;
mod store;

pub use store::DbSessionStore;
