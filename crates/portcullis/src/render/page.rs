//! An askama page as a response, dressed like the auth pages.

use std::fmt::Display;

use actix_web::{http::StatusCode, HttpResponse};

use super::{status::status_page, Renderer};
use crate::settings::Settings;

/// A rendered page, or the branded 500 page when rendering failed (the
/// cause is logged, never shown).
pub(crate) fn page_response<E: Display>(
    renderer: &dyn Renderer,
    settings: &Settings,
    rendered: Result<String, E>,
    status: StatusCode,
) -> HttpResponse {
    match rendered {
        Ok(body) => super::html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "page failed to render");
            status_page(renderer, settings, StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}
