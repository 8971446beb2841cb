//! Behaviour suite: every test runs against SQLite and PostgreSQL.

mod mailbox;
mod support;

mod accounts;
mod app_forms;
mod architecture;
mod audit_log;
mod backends;
mod bad_input;
mod csrf;
mod csrf_forms;
mod email_verification;
mod form_limits;
mod guards;
mod hash_load;
mod honest_settings;
mod oidc;
mod oidc_keys;
mod oidc_origin;
mod pages;
mod password_change;
mod password_reset;
mod ratelimit;
mod reauthentication;
mod renderers;
mod server;
mod session_races;
mod sessions;
mod settings;
mod shedding;
