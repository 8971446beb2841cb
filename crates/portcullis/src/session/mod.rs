//! Sessions: a database-backed actix-session store, and login/logout.

pub(crate) mod keys;
mod store;

pub use store::DbSessionStore;
