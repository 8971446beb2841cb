//! Reading a submitted form body: bounded by `security.max_form_bytes`
//! however the body arrives, for the CSRF check and the pages alike.

use actix_web::{
    error::PayloadError,
    http::{header::HeaderMap, StatusCode},
    web::{Bytes, BytesMut},
};
use futures_util::{Stream, StreamExt as _};

/// True when the request says its body is `application/x-www-form-urlencoded`.
pub(crate) fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// Reads `payload` whole under `limit` bytes: a declared or counted excess
/// (counted as it arrives when no length is sent) is a 413, a broken
/// stream a 400. The CSRF check reads the token's body with it too.
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
