//! Reading submitted forms: bounded, UTF-8 checked, never a panic.

use actix_web::{
    error::PayloadError,
    http::{header::HeaderMap, StatusCode},
    web::{self, Bytes, BytesMut},
    HttpRequest,
};
use futures_util::{Stream, StreamExt as _};
use serde::de::DeserializeOwned;

/// True when the request says its body is `application/x-www-form-urlencoded`.
pub(crate) fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// Reads a form body of at most `limit` bytes (`security.max_form_bytes`),
/// whether or not the middleware read it already for the CSRF token.
pub(super) async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Bytes, StatusCode> {
    read_limited(req.headers(), payload, limit).await
}

/// Reads `payload` whole under `limit` bytes: a declared or counted excess
/// (counted as it arrives when no length is sent) is a 413, a broken
/// stream a 400. The middleware reads the CSRF token's body with it too.
pub(crate) async fn read_limited<S>(
    headers: &HeaderMap,
    mut payload: S,
    limit: usize,
) -> Result<Bytes, StatusCode>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let declared = headers
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        if body.len() + chunk.len() > limit {
            return Err(StatusCode::PAYLOAD_TOO_LARGE);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

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
