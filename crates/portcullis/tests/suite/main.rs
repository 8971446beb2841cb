//! Behaviour suite: every test runs against SQLite and PostgreSQL.

mod support;

mod accounts;
mod audit_log;
mod bad_input;
mod csrf;
mod form_limits;
mod guards;
mod hash_load;
mod honest_settings;
mod pages;
mod ratelimit;
mod session_races;
mod sessions;
mod settings;
