//! The stylesheet and logo, compiled into the binary so they ship with it.

use actix_web::{http::header, HttpResponse};

const CSS: &str = include_str!("../../static/portcullis/portcullis.css");
const SVG: &str = include_str!("../../static/portcullis/portcullis.svg");

/// Where the files are served.
pub(super) const PREFIX: &str = "/static/portcullis";

/// `(path under PREFIX, body, content type)` of every file served.
pub(super) const FILES: [(&str, &str, &str); 2] = [
    ("/portcullis.css", CSS, "text/css; charset=utf-8"),
    ("/portcullis.svg", SVG, "image/svg+xml"),
];

/// A handler answering with one compiled-in file.
pub(super) fn serve(
    body: &'static str,
    kind: &'static str,
) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone + 'static {
    move || {
        std::future::ready(
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, kind))
                .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .body(body),
        )
    }
}
