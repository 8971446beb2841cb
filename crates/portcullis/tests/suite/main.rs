//! Behaviour suite: every test runs against SQLite and PostgreSQL.

mod support;

mod accounts;
mod bad_input;
mod csrf;
mod guards;
mod pages;
mod server;
mod sessions;
mod settings;
mod shedding;
