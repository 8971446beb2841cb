//! CSRF: a secret per visitor, masked afresh for every form so the token
//! never repeats in a page (BREACH), compared in constant time. A signed-in
//! session keeps its secret in the session row; an anonymous visitor's
//! lives in a signed cookie (`cookie.rs`), so a visit that does not sign
//! in writes nothing to the database. Every unsafe request is checked
//! (`enforce.rs`): the token together with `Origin`/`Sec-Fetch-Site`.

use actix_session::{Session, SessionExt as _};
use actix_web::{HttpMessage as _, HttpRequest};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use subtle::ConstantTimeEq;

pub(crate) mod cookie;
pub(crate) mod enforce;

use cookie::{CsrfCookie, Issued};

use crate::session::keys;

/// Name of the hidden form field carrying the token.
pub const FORM_FIELD: &str = "csrf_token";
/// Header carrying the token for scripts (`fetch`).
pub const HEADER: &str = "x-csrf-token";

pub(crate) const SECRET_LEN: usize = 32;
/// A visitor's CSRF secret.
pub(crate) type Secret = [u8; SECRET_LEN];

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsrfError {
    /// The request did not pass through Portcullis' middleware.
    #[error(
        "portcullis middleware is not installed (use add_auth_pages or .wrap(auth.middleware()))"
    )]
    NoMiddleware,
    /// The session could not take the secret.
    #[error("while storing the CSRF secret in the session: {0}")]
    Session(String),
}

fn session_secret(session: &Session) -> Option<Secret> {
    let encoded: String = session.get(keys::CSRF).ok().flatten()?;
    decode_secret(&encoded)
}

fn decode_secret(encoded: &str) -> Option<Secret> {
    URL_SAFE_NO_PAD.decode(encoded).ok()?.try_into().ok()
}

fn fresh_secret() -> Secret {
    let mut s = [0u8; SECRET_LEN];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// True when `session` names a signed-in user (whose CSRF secret lives in
/// the session, not in the anonymous cookie).
pub(crate) fn signed_in(session: &Session) -> bool {
    session.get::<i64>(keys::USER_ID).ok().flatten().is_some()
}

/// A masked token for a form on this request's page: the signed-in
/// session's secret, or the anonymous visitor's cookie secret (issued on
/// first use; the middleware sets the cookie). The app's forms get it
/// through [`crate::csrf_token`].
pub(crate) fn token_for(req: &HttpRequest, c: &CsrfCookie) -> Result<String, CsrfError> {
    let session = req.get_session();
    if signed_in(&session) {
        let secret = match session_secret(&session) {
            Some(s) => s,
            None => rotate(&session)?,
        };
        return Ok(mask(&secret));
    }
    let secret = match cookie::read(req, &c.name, &c.key) {
        Some(s) => s,
        None => {
            let s = fresh_secret();
            req.extensions_mut().insert(Issued(s));
            s
        }
    };
    Ok(mask(&secret))
}

/// Gives `session` a new secret (at login: tokens from before no longer work).
pub(crate) fn rotate(session: &Session) -> Result<Secret, CsrfError> {
    let secret = fresh_secret();
    session
        .insert(keys::CSRF, URL_SAFE_NO_PAD.encode(secret))
        .map_err(|e| CsrfError::Session(e.to_string()))?;
    Ok(secret)
}

/// True when `submitted` unmasks to this visitor's secret: the session's
/// when signed in, else the anonymous cookie's.
fn request_token_matches(req: &HttpRequest, c: &CsrfCookie, submitted: &str) -> bool {
    let session = req.get_session();
    let secret = if signed_in(&session) {
        session_secret(&session)
    } else {
        cookie::read(req, &c.name, &c.key)
    };
    secret.is_some_and(|s| unmask_matches(&s, submitted))
}

fn mask(secret: &Secret) -> String {
    let mut pad = [0u8; SECRET_LEN];
    // A fresh pad per page only hides the secret from compression attacks
    // (BREACH); the thread's CSPRNG serves without a system call per page.
    rand::thread_rng().fill_bytes(&mut pad);
    let mut out = Vec::with_capacity(SECRET_LEN * 2);
    out.extend_from_slice(&pad);
    out.extend(secret.iter().zip(pad.iter()).map(|(s, p)| s ^ p));
    URL_SAFE_NO_PAD.encode(out)
}

/// True when the masked token `submitted` unmasks to `secret`, the session's
/// CSRF secret as stored (32 bytes, URL-safe base64 without padding); the
/// comparison is constant-time; a malformed secret or token never matches.
///
/// (A token is a random 32-byte pad followed by the secret XOR the pad.)
#[cfg_attr(not(feature = "test-support"), allow(dead_code))] // tests, test_support
pub(crate) fn masked_token_matches(secret: &str, submitted: &str) -> bool {
    let Some(secret) = decode_secret(secret) else {
        return false;
    };
    unmask_matches(&secret, submitted)
}

fn unmask_matches(secret: &Secret, submitted: &str) -> bool {
    if submitted.len() > 200 {
        return false;
    }
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(submitted.trim()) else {
        return false;
    };
    if bytes.len() != SECRET_LEN * 2 {
        return false;
    }
    let (pad, masked) = bytes.split_at(SECRET_LEN);
    let unmasked: Vec<u8> = masked.iter().zip(pad).map(|(m, p)| m ^ p).collect();
    bool::from(unmasked.as_slice().ct_eq(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_differ_but_all_match() {
        let secret = [7u8; SECRET_LEN];
        let a = mask(&secret);
        let b = mask(&secret);
        assert_ne!(a, b);
        assert!(unmask_matches(&secret, &a));
        assert!(unmask_matches(&secret, &b));
    }

    #[test]
    fn stored_secret_matches_its_masked_tokens_only() {
        let secret = [7u8; SECRET_LEN];
        let stored = URL_SAFE_NO_PAD.encode(secret);
        assert!(masked_token_matches(&stored, &mask(&secret)));
        assert!(!masked_token_matches(&stored, &mask(&[8u8; SECRET_LEN])));
        assert!(!masked_token_matches("", &mask(&secret)));
        assert!(!masked_token_matches(
            &URL_SAFE_NO_PAD.encode([7u8; 16]),
            &mask(&secret)
        ));
    }

    #[test]
    fn wrong_or_garbage_tokens_fail() {
        let secret = [7u8; SECRET_LEN];
        assert!(!unmask_matches(&secret, &mask(&[8u8; SECRET_LEN])));
        assert!(!unmask_matches(&secret, ""));
        assert!(!unmask_matches(&secret, "not base64 !!"));
        assert!(!unmask_matches(&secret, &URL_SAFE_NO_PAD.encode([0u8; 10])));
    }
}
