//! The stylesheet and logo, compiled into the binary so they ship with it.

use actix_web::{http::header, web, HttpResponse};

const CSS: &str = include_str!("../../../../static/portcullis/portcullis.css");
const SVG: &str = include_str!("../../../../static/portcullis/portcullis.svg");

pub(super) async fn serve(file: web::Path<String>) -> HttpResponse {
    let (body, kind) = match file.as_str() {
        "portcullis.css" => (CSS, "text/css; charset=utf-8"),
        "portcullis.svg" => (SVG, "image/svg+xml"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, kind))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
