//! One-time links, Django's way: stateless HMAC tokens bound to the
//! account's state, so no table holds them and using one kills it.
//!
//! - A password-reset token covers the user id, the password hash, the last
//!   login, the email and its timestamp: setting a password, signing in or
//!   changing the address makes it invalid, as does its age.
//! - An email token names an address for a user and covers the user's
//!   current address and whether it is confirmed: confirming the address
//!   (or changing to the new one) makes it invalid.
//!
//! Tokens are compared in constant time; the key is derived from the
//! server's secret, apart from every other key made from it.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

/// What an account's tokens are bound to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenState<'a> {
    /// The user's id.
    pub(crate) id: i64,
    /// The current password hash (empty for none).
    pub(crate) password_hash: &'a str,
    /// Epoch seconds of the last login.
    pub(crate) last_login: Option<i64>,
    /// The current address (as stored).
    pub(crate) email: &'a str,
    /// Whether the current address is confirmed.
    pub(crate) email_verified: bool,
}

/// The HMAC key of every one-time link.
#[derive(Clone)]
pub(crate) struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

/// Bytes of HMAC a token carries: 128 bits, as Django.
const MAC_BYTES: usize = 16;

impl TokenKey {
    /// The key for links, derived from the server's `secret`.
    pub(crate) fn new(secret: &str) -> TokenKey {
        let mut key = Sha256::new();
        key.update(b"portcullis one-time link key:");
        key.update(secret.as_bytes());
        TokenKey(key.finalize().into())
    }

    fn mac(&self, purpose: &str, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        for part in parts {
            // Length-prefixed: no two different lists hash alike.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    fn reset_mac(&self, user: &TokenState<'_>, ts: u64) -> Hmac<Sha256> {
        let last_login = user.last_login.map(|t| t.to_string()).unwrap_or_default();
        self.mac(
            "password-reset",
            &[
                user.id.to_string().as_bytes(),
                user.password_hash.as_bytes(),
                last_login.as_bytes(),
                user.email.as_bytes(),
                ts.to_string().as_bytes(),
            ],
        )
    }

    /// A reset token for `user` made at `now`: `{ts base36}-{hmac hex}`.
    pub(crate) fn reset_token(&self, user: &TokenState<'_>, now: u64) -> String {
        let tag = self.reset_mac(user, now).finalize().into_bytes();
        format!("{}-{}", to_base36(now), hex::encode(&tag[..MAC_BYTES]))
    }

    /// True when `token` was made for `user` in its current state less than
    /// `timeout` seconds before `now`.
    pub(crate) fn check_reset_token(
        &self,
        user: &TokenState<'_>,
        token: &str,
        now: u64,
        timeout: u64,
    ) -> bool {
        let Some((ts, tag)) = token.split_once('-') else {
            return false;
        };
        let (Some(ts), Ok(tag)) = (from_base36(ts), hex::decode(tag)) else {
            return false;
        };
        fresh(ts, now, timeout)
            && tag.len() == MAC_BYTES
            && self.reset_mac(user, ts).verify_truncated_left(&tag).is_ok()
    }

    fn email_mac(&self, user: &TokenState<'_>, address: &str, ts: u64) -> Hmac<Sha256> {
        self.mac(
            "email-confirm",
            &[
                user.id.to_string().as_bytes(),
                address.as_bytes(),
                user.email.as_bytes(),
                &[u8::from(user.email_verified)],
                ts.to_string().as_bytes(),
            ],
        )
    }

    /// A token confirming that `address` belongs to `user` (its current
    /// address, or the one it asked to change to), made at `now`.
    pub(crate) fn email_token(&self, user: &TokenState<'_>, address: &str, now: u64) -> String {
        let tag = self.email_mac(user, address, now).finalize().into_bytes();
        format!(
            "{}.{}.{}.{}",
            to_base36(user.id as u64),
            to_base36(now),
            URL_SAFE_NO_PAD.encode(address),
            hex::encode(&tag[..MAC_BYTES])
        )
    }
}

/// What an email token claims, before it is checked against the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmailClaim {
    /// The user it was made for.
    pub(crate) user_id: i64,
    /// The address it confirms.
    pub(crate) address: String,
    ts: u64,
    tag: Vec<u8>,
}

impl EmailClaim {
    /// Reads a token's parts; `None` when it is malformed.
    pub(crate) fn parse(token: &str) -> Option<EmailClaim> {
        let mut parts = token.split('.');
        let (Some(id), Some(ts), Some(address), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let user_id = i64::try_from(from_base36(id)?).ok()?;
        let address = String::from_utf8(URL_SAFE_NO_PAD.decode(address).ok()?).ok()?;
        let tag = hex::decode(tag).ok().filter(|t| t.len() == MAC_BYTES)?;
        Some(EmailClaim {
            user_id,
            address,
            ts: from_base36(ts)?,
            tag,
        })
    }

    /// True when the claim was made by `key` for `user` in its current state
    /// less than `timeout` seconds before `now`.
    pub(crate) fn holds(
        &self,
        key: &TokenKey,
        user: &TokenState<'_>,
        now: u64,
        timeout: u64,
    ) -> bool {
        user.id == self.user_id
            && fresh(self.ts, now, timeout)
            && key
                .email_mac(user, &self.address, self.ts)
                .verify_truncated_left(&self.tag)
                .is_ok()
    }
}

/// Made no later than `now` (a little clock skew between replicas allowed)
/// and less than `timeout` seconds ago.
fn fresh(ts: u64, now: u64, timeout: u64) -> bool {
    ts <= now.saturating_add(60) && now.saturating_sub(ts) < timeout
}

/// Lower-case base 36, as Django's `int_to_base36`.
pub(crate) fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

/// The inverse of [`to_base36`]; `None` for anything else (at most 13 digits).
pub(crate) fn from_base36(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 13 {
        return None;
    }
    s.chars().try_fold(0u64, |n, c| {
        let d = c.to_digit(36).filter(|_| !c.is_ascii_uppercase())?;
        n.checked_mul(36)?.checked_add(u64::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state<'a>(hash: &'a str, email: &'a str) -> TokenState<'a> {
        TokenState {
            id: 7,
            password_hash: hash,
            last_login: Some(1000),
            email,
            email_verified: false,
        }
    }

    #[test]
    fn base36_round_trips_and_refuses_junk() {
        for n in [0, 35, 36, 1_700_000_000, u64::MAX / 2] {
            assert_eq!(from_base36(&to_base36(n)), Some(n));
        }
        for junk in ["", "A", "-1", "zzzzzzzzzzzzzz", "1 2"] {
            assert_eq!(from_base36(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_reset_token_dies_with_the_state_it_was_made_for() {
        let key = TokenKey::new("secret");
        let user = state("hash-1", "a@example.com");
        let token = key.reset_token(&user, 5000);
        assert!(key.check_reset_token(&user, &token, 5000, 100));
        assert!(key.check_reset_token(&user, &token, 5099, 100));
        assert!(!key.check_reset_token(&user, &token, 5100, 100), "expired");
        assert!(!key.check_reset_token(&state("hash-2", "a@example.com"), &token, 5000, 100));
        assert!(!key.check_reset_token(&state("hash-1", "b@example.com"), &token, 5000, 100));
        let logged_in = TokenState {
            last_login: Some(4999),
            ..user
        };
        assert!(!key.check_reset_token(&logged_in, &token, 5000, 100));
        assert!(!TokenKey::new("other").check_reset_token(&user, &token, 5000, 100));
        let (ts, tag) = token.split_once('-').unwrap();
        let later = format!("{}-{tag}", to_base36(5050));
        assert!(
            !key.check_reset_token(&user, &later, 5060, 100),
            "timestamp forged"
        );
        assert!(!key.check_reset_token(&user, &format!("{ts}-00"), 5000, 100));
        assert!(!key.check_reset_token(&user, "garbage", 5000, 100));
    }

    #[test]
    fn an_email_token_names_its_address_and_dies_once_used() {
        let key = TokenKey::new("secret");
        let user = state("h", "old@example.com");
        let token = key.email_token(&user, "new@example.com", 5000);
        let claim = EmailClaim::parse(&token).unwrap();
        assert_eq!(
            (claim.user_id, claim.address.as_str()),
            (7, "new@example.com")
        );
        assert!(claim.holds(&key, &user, 5000, 100));
        assert!(!claim.holds(&key, &user, 5100, 100), "expired");
        let changed = state("h", "new@example.com");
        assert!(!claim.holds(&key, &changed, 5000, 100), "used");
        let verified = TokenState {
            email_verified: true,
            ..user
        };
        assert!(!claim.holds(&key, &verified, 5000, 100));
        let forged = token.replace(
            &URL_SAFE_NO_PAD.encode("new@example.com"),
            &URL_SAFE_NO_PAD.encode("evil@example.com"),
        );
        assert!(!EmailClaim::parse(&forged)
            .unwrap()
            .holds(&key, &user, 5000, 100));
        for junk in ["", "a.b.c", "1.2.3.4.5", "7.zz.!!.00"] {
            assert!(EmailClaim::parse(junk).is_none(), "{junk}");
        }
    }
}
