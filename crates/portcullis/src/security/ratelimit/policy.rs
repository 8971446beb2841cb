//! Which limits apply to which action, whose bucket an attempt lands in,
//! and what a window's counts mean: a sliding-window estimate over the
//! current and previous fixed windows.

use std::net::{IpAddr, Ipv6Addr};

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

use super::Hits;
use crate::{
    accounts::{canonical_email, canonical_username},
    settings::{Rate, RateLimitSettings, RatePer},
};

/// An action whose attempts are limited (POSTs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Any login attempt (`security.rate_limits.login`).
    Login,
    /// A failed login (`security.rate_limits.login_failed`); counted before
    /// the password is checked, taken back when it succeeds.
    LoginFailed,
    /// A signup attempt (`security.rate_limits.signup`).
    Signup,
    /// A password-reset request (`security.rate_limits.reset_password`;
    /// the key is the typed address).
    ResetPassword,
    /// A new password set through a reset link
    /// (`security.rate_limits.reset_password_from_key`).
    ResetPasswordFromKey,
    /// A password change (`security.rate_limits.change_password`; the key
    /// is the user).
    ChangePassword,
    /// An email-change request (`security.rate_limits.manage_email`; the
    /// key is the user).
    ManageEmail,
    /// A password typed on the reauthentication page
    /// (`security.rate_limits.reauthenticate`; the key is the user).
    Reauthenticate,
    /// A confirmation mail sent (`security.rate_limits.confirm_email`; the
    /// key is the address).
    ConfirmEmail,
}

impl Action {
    /// The action's key under `[security.rate_limits]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Signup => "signup",
            Action::ResetPassword => "reset_password",
            Action::ResetPasswordFromKey => "reset_password_from_key",
            Action::ChangePassword => "change_password",
            Action::ManageEmail => "manage_email",
            Action::Reauthenticate => "reauthenticate",
            Action::ConfirmEmail => "confirm_email",
        }
    }
}

/// The parsed limits of every action.
#[derive(Clone, Default)]
pub(crate) struct Policy {
    login: Vec<Rate>,
    login_failed: Vec<Rate>,
    signup: Vec<Rate>,
    reset_password: Vec<Rate>,
    reset_password_from_key: Vec<Rate>,
    change_password: Vec<Rate>,
    manage_email: Vec<Rate>,
    reauthenticate: Vec<Rate>,
    confirm_email: Vec<Rate>,
    /// Keys the account buckets' HMAC: derived from the server's secret, so
    /// the table does not tell which accounts were tried to anyone who can
    /// hash a list of usernames.
    login_key: [u8; 32],
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("login", &self.login)
            .field("login_failed", &self.login_failed)
            .field("signup", &self.signup)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// The limits `settings` name (validated at start-up); account buckets
    /// keyed from `secret` (the session cookie's secret).
    pub(crate) fn new(settings: &RateLimitSettings, secret: &str) -> Policy {
        let parse = |list: &str| Rate::parse_list(list).expect("validated at start-up");
        let mut key = Sha256::new();
        key.update(b"portcullis rate-limit login key:");
        key.update(secret.as_bytes());
        Policy {
            login: parse(&settings.login),
            login_failed: parse(&settings.login_failed),
            signup: parse(&settings.signup),
            reset_password: parse(&settings.reset_password),
            reset_password_from_key: parse(&settings.reset_password_from_key),
            change_password: parse(&settings.change_password),
            manage_email: parse(&settings.manage_email),
            reauthenticate: parse(&settings.reauthenticate),
            confirm_email: parse(&settings.confirm_email),
            login_key: key.finalize().into(),
        }
    }

    /// The limits of `action` (empty: not limited).
    pub(crate) fn rates(&self, action: Action) -> &[Rate] {
        match action {
            Action::Login => &self.login,
            Action::LoginFailed => &self.login_failed,
            Action::Signup => &self.signup,
            Action::ResetPassword => &self.reset_password,
            Action::ResetPasswordFromKey => &self.reset_password_from_key,
            Action::ChangePassword => &self.change_password,
            Action::ManageEmail => &self.manage_email,
            Action::Reauthenticate => &self.reauthenticate,
            Action::ConfirmEmail => &self.confirm_email,
        }
    }
}

impl Policy {
    /// The bucket `rate` of `action` counts an attempt in: per client address
    /// (IPv6 by its /64, which one subscriber usually holds whole), or per
    /// keyed hash of the canonical login. `None` for a key limit without a login.
    pub(crate) fn bucket(
        &self,
        action: Action,
        rate: &Rate,
        ip: Option<IpAddr>,
        login: Option<&str>,
    ) -> Option<String> {
        bucket(action, rate, ip, login.map(|l| (l, &self.login_key)))
    }
}

fn bucket(
    action: Action,
    rate: &Rate,
    ip: Option<IpAddr>,
    login: Option<(&str, &[u8; 32])>,
) -> Option<String> {
    let whose = match rate.per {
        RatePer::Ip => match ip {
            Some(IpAddr::V6(v6)) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", Ipv6Addr::from(prefix))
            }
            Some(ip) => ip.to_string(),
            // No address at all (a Unix socket without a proxy header): all such clients share one budget.
            None => "unknown".to_owned(),
        },
        RatePer::Key => {
            let (login, key) = login?;
            login_key(login, key)?
        }
    };
    Some(format!(
        "{}/{}/{}:{whose}",
        action.as_str(),
        rate.per.as_str(),
        rate.period_secs
    ))
}

/// HMAC-SHA-256 (hex) under `key` of the login in the form accounts compare
/// it by; `None` when empty. The raw value never reaches the store or the log.
fn login_key(login: &str, key: &[u8; 32]) -> Option<String> {
    let canonical = if login.contains('@') {
        canonical_email(login)
    } else {
        canonical_username(login)
    };
    if canonical.is_empty() {
        return None;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(canonical.as_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// The sliding estimate at `elapsed` seconds into the current window: its
/// hits plus the previous window's, weighted by how much of the previous
/// window the sliding one still covers. Rounded up, so hits just before a
/// window boundary keep counting in full for a moment.
fn estimate(hits: Hits, elapsed: u64, period: u64) -> u64 {
    let weight = period.saturating_sub(elapsed);
    hits.current + (hits.previous * weight).div_ceil(period)
}

/// True when `hits` (the new attempt included), `elapsed` seconds into the
/// window, stay within `rate`.
pub(crate) fn allows(rate: &Rate, hits: Hits, elapsed: u64) -> bool {
    estimate(hits, elapsed, u64::from(rate.period_secs)) <= u64::from(rate.amount)
}

/// Seconds until one more attempt would be allowed, given the refused
/// attempt in `hits` is taken back and nobody else tries meanwhile (at least 1).
pub(crate) fn retry_after(rate: &Rate, hits: Hits, elapsed: u64) -> u64 {
    let (amount, period) = (u64::from(rate.amount), u64::from(rate.period_secs));
    let others = hits.current.saturating_sub(1);
    let left_in_window = period.saturating_sub(elapsed);
    let secs = if others < amount {
        // The current window has room: wait until the previous one weighs little enough.
        match hits.previous {
            0 => 1,
            previous => {
                let room = amount - 1 - others;
                left_in_window.saturating_sub(room * period / previous)
            }
        }
    } else {
        // Wait into the next window, until this one's hits weigh little enough.
        left_in_window + period - (amount - 1) * period / others
    };
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(amount: u32, period_secs: u32) -> Rate {
        Rate {
            amount,
            period_secs,
            per: RatePer::Ip,
        }
    }

    fn hits(current: u64, previous: u64) -> Hits {
        Hits { current, previous }
    }

    #[test]
    fn the_limit_itself_is_allowed_and_one_more_is_not() {
        let r = rate(10, 60);
        assert!(allows(&r, hits(10, 0), 30));
        assert!(!allows(&r, hits(11, 0), 30));
    }

    #[test]
    fn the_previous_window_weighs_by_its_overlap_rounded_up() {
        let r = rate(10, 60);
        // Just past the boundary the previous window still counts in full.
        assert!(!allows(&r, hits(1, 10), 1));
        // Half way through, half of it: 5 + 5.
        assert!(allows(&r, hits(5, 10), 30));
        assert!(!allows(&r, hits(6, 10), 30));
        // In its last second, still one hit's worth.
        assert!(allows(&r, hits(9, 10), 59));
        assert!(!allows(&r, hits(10, 10), 59));
    }

    #[test]
    fn retry_after_reaches_the_first_allowed_second() {
        for (r, h, elapsed) in [
            (rate(10, 60), hits(11, 0), 20),
            (rate(10, 60), hits(11, 7), 50),
            (rate(10, 60), hits(3, 10), 5),
            (rate(5, 300), hits(6, 0), 0),
            (rate(1, 180), hits(2, 0), 100),
            (rate(1, 180), hits(1, 1), 100),
        ] {
            assert!(!allows(&r, h, elapsed), "{h:?} at {elapsed} is allowed");
            let s = retry_after(&r, h, elapsed);
            let period = u64::from(r.period_secs);
            // One new attempt `t` seconds later, the refused one taken back.
            let at = |t: u64| {
                let e = elapsed + t;
                match e / period {
                    0 => allows(&r, h, e),
                    1 => allows(&r, hits(1, h.current - 1), e - period),
                    _ => allows(&r, hits(1, 0), e % period),
                }
            };
            assert!(at(s), "{h:?} at {elapsed}: not allowed after {s} s");
            assert!(
                s == 1 || !at(s - 1),
                "{h:?} at {elapsed}: allowed before {s} s"
            );
        }
    }

    #[test]
    fn buckets_never_hold_the_raw_login() {
        let key = rate(5, 300);
        let key = Rate {
            per: RatePer::Key,
            ..key
        };
        let policy = Policy::new(&RateLimitSettings::default(), "one secret");
        let a = policy
            .bucket(Action::LoginFailed, &key, None, Some("Alice@Example.com"))
            .unwrap();
        let b = policy
            .bucket(Action::LoginFailed, &key, None, Some(" alice@example.COM"))
            .unwrap();
        assert_eq!(a, b);
        assert!(!a.to_lowercase().contains("alice"), "{a}");
        assert!(a.starts_with("login_failed/key/300:"), "{a}");
        assert_eq!(
            policy.bucket(Action::LoginFailed, &key, None, Some("  ")),
            None
        );
        // Not the bare SHA-256 of the login: a list of usernames hashed
        // offline does not name the accounts tried.
        let bare = hex::encode(Sha256::digest(b"alice@example.com"));
        assert!(!a.ends_with(&bare), "{a}");
        // Another server's secret gives another bucket for the same login.
        let other = Policy::new(&RateLimitSettings::default(), "another secret");
        let c = other
            .bucket(Action::LoginFailed, &key, None, Some("alice@example.com"))
            .unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let r = rate(10, 60);
        let ip = |s: &str| Some(s.parse().unwrap());
        let a = bucket(Action::Login, &r, ip("2001:db8:1:2::1"), None).unwrap();
        let b = bucket(Action::Login, &r, ip("2001:db8:1:2:ffff::9"), None).unwrap();
        let c = bucket(Action::Login, &r, ip("2001:db8:1:3::1"), None).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            bucket(Action::Login, &r, ip("192.0.2.1"), None).unwrap(),
            "login/ip/60:192.0.2.1"
        );
    }
}
