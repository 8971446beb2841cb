//! The Portcullis demo: a small site whose pages show each guard at work.
//!
//! [`routes::app`] builds the whole application (auth pages, middleware and
//! the demo's routes), so the binary and the tests run the same app.

pub mod html;
pub mod pages;
pub mod render;
pub mod routes;
pub mod startup;
