//! Parsing submitted forms (read under the limit by `security/form_body.rs`):
//! UTF-8 checked, never a panic.

use actix_web::{http::StatusCode, web::Bytes, HttpRequest};
use serde::de::DeserializeOwned;

use crate::security::form_body::is_urlencoded;

/// Parses a urlencoded body; malformed input, invalid UTF-8 or a NUL byte
/// (which PostgreSQL text cannot hold) is a 400.
pub(super) fn parse<T: DeserializeOwned>(req: &HttpRequest, body: &Bytes) -> Result<T, StatusCode> {
    if !is_urlencoded(req.headers()) {
        return Err(StatusCode::BAD_REQUEST);
    }
    // Every name and value must decode to valid UTF-8 (serde_urlencoded would
    // silently replace bad bytes).
    let strict = body
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .all(|pair| {
            pair.split(|b| *b == b'=').all(|part| {
                let plus_as_space: Vec<u8> = part
                    .iter()
                    .map(|b| if *b == b'+' { b' ' } else { *b })
                    .collect();
                percent_encoding::percent_decode(&plus_as_space)
                    .decode_utf8()
                    .is_ok_and(|text| !text.contains('\0'))
            })
        });
    if !strict {
        return Err(StatusCode::BAD_REQUEST);
    }
    serde_urlencoded::from_bytes(body).map_err(|_| StatusCode::BAD_REQUEST)
}

/// `next` from the query string.
pub(super) fn query_next(req: &HttpRequest) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Q {
        next: Option<String>,
    }
    serde_urlencoded::from_str::<Q>(req.query_string())
        .ok()
        .and_then(|q| q.next)
}
