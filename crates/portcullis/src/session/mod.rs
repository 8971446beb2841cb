//! Sessions: a database-backed actix-session store, and login/logout.

pub(crate) mod keys;
pub(crate) mod preload;
mod store;

pub(crate) use store::hash_key;
pub use store::DbSessionStore;
