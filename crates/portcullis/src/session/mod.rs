//! Sessions: a database-backed actix-session store, and login/logout.

pub(crate) mod keys;
pub(crate) mod preload;
mod store;

pub use store::DbSessionStore;
