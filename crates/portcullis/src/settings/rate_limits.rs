//! `[security.rate_limits]`: brute-force limits per action, written as
//! allauth writes them (`"10/m/ip,5/5m/key"`).

use serde::{Deserialize, Serialize};

/// Longest period a limit may count over: a longer one would let a stranger
/// lock an account out for about as long.
pub const MAX_RATE_PERIOD_SECS: u32 = 24 * 60 * 60;

/// `[security.rate_limits]`: how many attempts each action allows. Each
/// value lists limits as `amount/period/per`, comma-separated: `period` is
/// `s`, `m`, `h` or `d`, optionally preceded by a count (`5m`), and `per` is
/// `ip` (the client address) or `key` (the hashed login, email address or
/// user, as each action says). Only POSTs count.
/// An empty string turns that action's limits off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Login attempts, failed or not (POST of the login page).
    pub login: String,
    /// Failed logins; a successful login takes its own attempt back.
    pub login_failed: String,
    /// Signup attempts (POST of the signup page); `ip` only.
    pub signup: String,
    /// Password-reset requests; `key` is the typed email address.
    pub reset_password: String,
    /// New passwords set through a reset link; `ip` only.
    pub reset_password_from_key: String,
    /// Password changes; `key` is the signed-in user.
    pub change_password: String,
    /// Email-change requests; `key` is the signed-in user.
    pub manage_email: String,
    /// Passwords typed on the reauthentication page; `key` is the
    /// signed-in user.
    pub reauthenticate: String,
    /// Verification mails sent (signup, resend, login while unverified);
    /// `key` is the email address.
    pub confirm_email: String,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        // allauth's defaults.
        Self {
            login: "30/m/ip".into(),
            login_failed: "10/m/ip,5/5m/key".into(),
            signup: "20/m/ip".into(),
            reset_password: "20/m/ip,5/m/key".into(),
            reset_password_from_key: "20/m/ip".into(),
            change_password: "5/m/key".into(),
            manage_email: "10/m/key".into(),
            reauthenticate: "10/m/key".into(),
            confirm_email: "1/3m/key".into(),
        }
    }
}

/// Whom a limit counts: one client address, or one login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RatePer {
    /// The client address (`ip`).
    Ip,
    /// The hashed canonical login, email address or user (`key`).
    Key,
}

impl RatePer {
    /// The name used in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            RatePer::Ip => "ip",
            RatePer::Key => "key",
        }
    }
}

/// One parsed limit: at most `amount` attempts per `period_secs`, counted per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Attempts allowed in one period (at least 1).
    pub amount: u32,
    /// The period in seconds (1 to [`MAX_RATE_PERIOD_SECS`]).
    pub period_secs: u32,
    /// Whom it counts.
    pub per: RatePer,
}

impl Rate {
    /// Parses a comma-separated list of limits; an empty string is no limit.
    ///
    /// ```
    /// use portcullis::settings::{Rate, RatePer};
    /// let rates = Rate::parse_list("10/m/ip, 5/5m/key").unwrap();
    /// assert_eq!(rates[1], Rate { amount: 5, period_secs: 300, per: RatePer::Key });
    /// assert!(Rate::parse_list("").unwrap().is_empty());
    /// assert!(Rate::parse_list("10/fortnight/ip").is_err());
    /// ```
    ///
    /// # Errors
    /// A message saying which limit is malformed and why.
    pub fn parse_list(list: &str) -> Result<Vec<Rate>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(Rate::parse)
            .collect()
    }

    fn parse(rate: &str) -> Result<Rate, String> {
        let bad = |why: &str| format!("{rate:?}: {why} (write amount/period/per, e.g. 5/5m/key)");
        let mut parts = rate.split('/').map(str::trim);
        let (Some(amount), Some(period), Some(per), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("needs three parts"));
        };
        let amount: u32 = amount
            .parse()
            .ok()
            .filter(|&a| a > 0)
            .ok_or_else(|| bad("the amount must be a whole number of at least 1"))?;
        let unit_secs = match period.chars().last() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            _ => return Err(bad("the period must end in s, m, h or d")),
        };
        let count = &period[..period.len() - 1];
        let count: u32 = if count.is_empty() {
            1
        } else {
            count
                .parse()
                .map_err(|_| bad("the period's count must be a whole number"))?
        };
        let period_secs = count
            .checked_mul(unit_secs)
            .filter(|p| (1..=MAX_RATE_PERIOD_SECS).contains(p))
            .ok_or_else(|| bad("the period must be between 1 second and 1 day"))?;
        let per = match per {
            "ip" => RatePer::Ip,
            "key" => RatePer::Key,
            _ => return Err(bad("per must be ip or key")),
        };
        Ok(Rate {
            amount,
            period_secs,
            per,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_parse() {
        let d = RateLimitSettings::default();
        for list in [
            &d.login,
            &d.login_failed,
            &d.signup,
            &d.reset_password,
            &d.reset_password_from_key,
            &d.change_password,
            &d.manage_email,
            &d.reauthenticate,
            &d.confirm_email,
        ] {
            assert!(!Rate::parse_list(list).unwrap().is_empty(), "{list}");
        }
    }

    #[test]
    fn periods_take_a_count_and_a_unit() {
        let p = |s: &str| Rate::parse_list(s).unwrap()[0].period_secs;
        assert_eq!(p("1/s/ip"), 1);
        assert_eq!(p("1/30s/ip"), 30);
        assert_eq!(p("1/m/ip"), 60);
        assert_eq!(p("1/2h/key"), 7200);
        assert_eq!(p("1/d/ip"), 86_400);
    }

    #[test]
    fn malformed_limits_are_refused() {
        for bad in [
            "10",
            "10/m",
            "10/m/ip/x",
            "0/m/ip",
            "-1/m/ip",
            "x/m/ip",
            "10/0m/ip",
            "10/2d/ip",
            "10/1.5m/ip",
            "10/m/user",
            "10/w/ip",
        ] {
            assert!(Rate::parse_list(bad).is_err(), "{bad} accepted");
        }
    }
}
