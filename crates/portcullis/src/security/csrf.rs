//! CSRF: a secret in the server-side session (anonymous visitors get a
//! pre-session), masked afresh for every form so the token never repeats
//! in a page (BREACH), compared in constant time. The middleware checks it
//! on every unsafe request together with `Origin`/`Sec-Fetch-Site`.

use actix_session::Session;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::session::keys;

/// Name of the hidden form field carrying the token.
pub const FORM_FIELD: &str = "csrf_token";
/// Header carrying the token for scripts (`fetch`).
pub const HEADER: &str = "x-csrf-token";

const SECRET_LEN: usize = 32;

fn secret(session: &Session) -> Option<[u8; SECRET_LEN]> {
    let encoded: String = session.get(keys::CSRF).ok().flatten()?;
    decode_secret(&encoded)
}

fn decode_secret(encoded: &str) -> Option<[u8; SECRET_LEN]> {
    URL_SAFE_NO_PAD.decode(encoded).ok()?.try_into().ok()
}

/// A masked token for a form, creating the session's secret on first use.
///
/// # Errors
/// When the session cannot be written.
pub fn csrf_token(session: &Session) -> Result<String, actix_session::SessionInsertError> {
    let secret = match secret(session) {
        Some(s) => s,
        None => {
            let mut s = [0u8; SECRET_LEN];
            rand::rngs::OsRng.fill_bytes(&mut s);
            session.insert(keys::CSRF, URL_SAFE_NO_PAD.encode(s))?;
            s
        }
    };
    Ok(mask(&secret))
}

fn mask(secret: &[u8; SECRET_LEN]) -> String {
    let mut pad = [0u8; SECRET_LEN];
    // A fresh pad per page only hides the secret from compression attacks
    // (BREACH); the thread's CSPRNG serves without a system call per page.
    rand::thread_rng().fill_bytes(&mut pad);
    let mut out = Vec::with_capacity(SECRET_LEN * 2);
    out.extend_from_slice(&pad);
    out.extend(secret.iter().zip(pad.iter()).map(|(s, p)| s ^ p));
    URL_SAFE_NO_PAD.encode(out)
}

/// True when `submitted` unmasks to the session's secret.
pub fn token_matches(session: &Session, submitted: &str) -> bool {
    let Ok(Some(encoded)) = session.get::<String>(keys::CSRF) else {
        return false;
    };
    masked_token_matches(&encoded, submitted)
}

/// True when the masked token `submitted` unmasks to `secret`, the session's
/// CSRF secret as stored (32 bytes, URL-safe base64 without padding); the
/// comparison is constant-time. [`token_matches`] is this with the secret read
/// from the session; a malformed secret or token never matches.
///
/// A token is a random 32-byte pad followed by the secret XOR the pad, so an
/// all-zero pad leaves the secret as it is:
///
/// ```
/// use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
/// use portcullis::security::csrf::masked_token_matches;
/// let secret = [7u8; 32];
/// let stored = URL_SAFE_NO_PAD.encode(secret);
/// let token = URL_SAFE_NO_PAD.encode([[0u8; 32], secret].concat());
/// assert!(masked_token_matches(&stored, &token));
/// let forged = URL_SAFE_NO_PAD.encode([[0u8; 32], [8u8; 32]].concat());
/// assert!(!masked_token_matches(&stored, &forged));
/// assert!(!masked_token_matches(&stored, "not a token"));
/// ```
pub fn masked_token_matches(secret: &str, submitted: &str) -> bool {
    let Some(secret) = decode_secret(secret) else {
        return false;
    };
    unmask_matches(&secret, submitted)
}

fn unmask_matches(secret: &[u8; SECRET_LEN], submitted: &str) -> bool {
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
