//! Start-up checks: a bad or unsafe value stops the app and names its key.

use super::{
    security::covers, CookieSecure, EmailVerification, Rate, RatePer, Settings, SettingsError,
};

/// Checks every rule; the first violation is returned.
pub(super) fn validate(s: &Settings) -> Result<(), SettingsError> {
    let a = &s.auth;
    for (key, path) in [
        ("auth.login_url", &a.login_url),
        ("auth.logout_url", &a.logout_url),
        ("auth.signup_url", &a.signup_url),
        ("auth.password_reset_url", &a.password_reset_url),
        ("auth.password_change_url", &a.password_change_url),
        ("auth.verify_email_url", &a.verify_email_url),
        ("auth.email_change_url", &a.email_change_url),
        ("auth.reauthenticate_url", &a.reauthenticate_url),
        ("auth.login_redirect_url", &a.login_redirect_url),
        ("auth.logout_redirect_url", &a.logout_redirect_url),
        ("auth.signup_redirect_url", &a.signup_redirect_url),
    ] {
        if !super::is_local_path(path) {
            return Err(SettingsError::invalid(
                key,
                format!("{path:?} must be a local path starting with a single '/'"),
            ));
        }
    }
    if a.redirect_authenticated_user && a.login_redirect_url == a.login_url {
        return Err(SettingsError::invalid(
            "auth.login_redirect_url",
            "equals auth.login_url while auth.redirect_authenticated_user is on: a redirect loop",
        ));
    }
    if a.login_fields.is_empty() {
        return Err(SettingsError::invalid(
            "auth.login_fields",
            "name at least one of \"username\", \"email\"",
        ));
    }
    if a.password_min_length < 8 {
        return Err(SettingsError::invalid(
            "auth.password_min_length",
            "must be at least 8 (ASVS)",
        ));
    }
    if a.password_max_length < a.password_min_length || a.password_max_length > 1024 {
        return Err(SettingsError::invalid(
            "auth.password_max_length",
            "must be between password_min_length and 1024",
        ));
    }
    if !(0.0..=1.0).contains(&a.password_similarity) {
        return Err(SettingsError::invalid(
            "auth.password_similarity",
            "must be between 0.0 and 1.0",
        ));
    }
    for key in &a.logout_preserve_session_keys {
        // Portcullis' own keys (session::keys), spelled here because settings
        // sit below the session layer.
        if key.starts_with("_auth_") || key == "_csrf" {
            return Err(SettingsError::invalid(
                "auth.logout_preserve_session_keys",
                format!("{key:?} is Portcullis' own session key and ends with the session"),
            ));
        }
    }
    // Unset (""): the origin comes from each request, which emailed links
    // must never do (a forged `Host` would point them elsewhere).
    let origin = if a.site_origin.is_empty() {
        if let Some(feature) = link_mailing_feature(s) {
            return Err(SettingsError::invalid(
                "auth.site_origin",
                format!(
                    "is unset, but {feature} mails links, which are built from auth.site_origin only (never from a request's Host): set it, or turn that off"
                ),
            ));
        }
        None
    } else {
        Some(
            Origin::parse(&a.site_origin)
                .map_err(|why| SettingsError::invalid("auth.site_origin", why))?,
        )
    };
    if a.email_verification != EmailVerification::None && !a.email_pages_enabled {
        return Err(SettingsError::invalid(
            "auth.email_pages_enabled",
            "is false, but auth.email_verification mails links to the email pages",
        ));
    }
    for (key, value) in [
        ("auth.branding.primary_color", &a.branding.primary_color),
        (
            "auth.branding.background_color",
            &a.branding.background_color,
        ),
        ("auth.branding.text_color", &a.branding.text_color),
    ] {
        if !is_hex_colour(value) {
            return Err(SettingsError::invalid(
                key,
                format!("{value:?} is not a colour like #1d2433"),
            ));
        }
    }
    let b = &a.branding;
    // URLs that land in href/src attributes: no script, no data, no other
    // scheme, and only what the pages' CSP lets the browser load.
    for (key, value, allowed) in [
        ("auth.branding.home_url", &b.home_url, UrlKind::PageLink),
        (
            "auth.branding.brand_icon_src",
            &b.brand_icon_src,
            UrlKind::Image,
        ),
        (
            "auth.branding.extra_stylesheet",
            &b.extra_stylesheet,
            UrlKind::SameSite,
        ),
    ] {
        if !(value.is_empty() && allowed != UrlKind::PageLink) {
            check_url(value, allowed).map_err(|why| SettingsError::invalid(key, why))?;
        }
    }
    if !is_language_tag(&a.messages.lang) {
        return Err(SettingsError::invalid(
            "auth.messages.lang",
            format!(
                "{:?} is not a language tag like \"en\" or \"pt-BR\"",
                a.messages.lang
            ),
        ));
    }

    if a.reauthentication_timeout > 24 * 3600 {
        return Err(SettingsError::invalid(
            "auth.reauthentication_timeout",
            "must be at most a day (86400); 0 never asks",
        ));
    }
    for (key, secs) in [
        ("auth.password_reset_timeout", a.password_reset_timeout),
        (
            "auth.email_verification_timeout",
            a.email_verification_timeout,
        ),
    ] {
        if !(60..=MAX_LIFETIME_SECS).contains(&secs) {
            return Err(SettingsError::invalid(
                key,
                "must be between 60 seconds and 400 days (34560000)",
            ));
        }
    }
    super::email::validate(&s.email)?;

    let db = &s.database;
    if !(db.url.starts_with("sqlite:")
        || db.url.starts_with("postgres://")
        || db.url.starts_with("postgresql://"))
    {
        return Err(SettingsError::invalid(
            "database.url",
            "must start with sqlite:, postgres:// or postgresql://",
        ));
    }
    if db.max_connections == 0 {
        return Err(SettingsError::invalid(
            "database.max_connections",
            "must be at least 1",
        ));
    }
    if !(0..=19).contains(&s.security.hash_thread_nice) {
        return Err(SettingsError::invalid(
            "security.hash_thread_nice",
            "must be between 0 and 19",
        ));
    }

    let ss = &s.session;
    if ss.cookie_name.is_empty()
        || !ss
            .cookie_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(SettingsError::invalid(
            "session.cookie_name",
            "use letters, digits, '_' and '-' only",
        ));
    }
    if !(60..=MAX_LIFETIME_SECS).contains(&ss.max_age) {
        return Err(SettingsError::invalid(
            "session.max_age",
            "must be between 60 seconds and 400 days (34560000)",
        ));
    }
    if ss.idle_timeout != 0 && !(60..=MAX_LIFETIME_SECS).contains(&ss.idle_timeout) {
        return Err(SettingsError::invalid(
            "session.idle_timeout",
            "must be 0 (off) or between 60 seconds and 400 days (34560000)",
        ));
    }
    if ss.purge_interval_secs > MAX_LIFETIME_SECS {
        return Err(SettingsError::invalid(
            "session.purge_interval_secs",
            "must be 0 (off) or at most 400 days (34560000)",
        ));
    }
    if !ss.secret.is_empty() && ss.secret.len() < 64 {
        return Err(SettingsError::invalid(
            "session.secret",
            "must be at least 64 characters (or empty to keep one in the database)",
        ));
    }
    if ss.secure == CookieSecure::Never && !origin.as_ref().is_some_and(Origin::is_loopback) {
        return Err(SettingsError::invalid(
            "session.secure",
            "\"never\" is only allowed when auth.site_origin is set to http on localhost",
        ));
    }

    let sec = &s.security;
    if sec.argon2_memory_kib < 8 * sec.argon2_parallelism.max(1)
        || sec.argon2_memory_kib > 4 * 1024 * 1024
    {
        return Err(SettingsError::invalid(
            "security.argon2_memory_kib",
            "must be between 8×parallelism and 4194304",
        ));
    }
    if sec.argon2_iterations == 0 {
        return Err(SettingsError::invalid(
            "security.argon2_iterations",
            "must be at least 1",
        ));
    }
    if sec.argon2_parallelism == 0 || sec.argon2_parallelism > 64 {
        return Err(SettingsError::invalid(
            "security.argon2_parallelism",
            "must be between 1 and 64",
        ));
    }
    if !(1..=60_000).contains(&sec.hash_max_wait_ms) {
        return Err(SettingsError::invalid(
            "security.hash_max_wait_ms",
            "must be between 1 and 60000",
        ));
    }
    if sec.max_form_bytes < 1024 {
        return Err(SettingsError::invalid(
            "security.max_form_bytes",
            "must be at least 1024",
        ));
    }
    for exempt in &sec.csrf_exempt_paths {
        if !exempt.starts_with('/') {
            return Err(SettingsError::invalid(
                "security.csrf_exempt_paths",
                format!("{exempt:?} must be a path starting with '/'"),
            ));
        }
        if let Some(page) = portcullis_pages(s).find(|page| covers(exempt, page)) {
            return Err(SettingsError::invalid(
                "security.csrf_exempt_paths",
                format!("{exempt:?} covers the Portcullis page {page}, which is never exempt"),
            ));
        }
    }
    for o in &sec.csrf_trusted_origins {
        Origin::parse(o).map_err(|why| {
            SettingsError::invalid("security.csrf_trusted_origins", format!("{o:?}: {why}"))
        })?;
    }
    let rl = &sec.rate_limits;
    for (key, list, pers) in [
        (
            "security.rate_limits.login",
            &rl.login,
            &[RatePer::Ip, RatePer::Key][..],
        ),
        (
            "security.rate_limits.login_failed",
            &rl.login_failed,
            &[RatePer::Ip, RatePer::Key][..],
        ),
        (
            "security.rate_limits.signup",
            &rl.signup,
            &[RatePer::Ip][..],
        ),
        (
            "security.rate_limits.reset_password",
            &rl.reset_password,
            &[RatePer::Ip, RatePer::Key][..],
        ),
        (
            "security.rate_limits.reset_password_from_key",
            &rl.reset_password_from_key,
            &[RatePer::Ip][..],
        ),
        (
            "security.rate_limits.change_password",
            &rl.change_password,
            &[RatePer::Ip, RatePer::Key][..],
        ),
        (
            "security.rate_limits.manage_email",
            &rl.manage_email,
            &[RatePer::Ip, RatePer::Key][..],
        ),
        (
            "security.rate_limits.reauthenticate",
            &rl.reauthenticate,
            &[RatePer::Ip, RatePer::Key][..],
        ),
        (
            "security.rate_limits.confirm_email",
            &rl.confirm_email,
            &[RatePer::Ip, RatePer::Key][..],
        ),
    ] {
        let rates = Rate::parse_list(list).map_err(|why| SettingsError::invalid(key, why))?;
        if let Some(r) = rates.iter().find(|r| !pers.contains(&r.per)) {
            return Err(SettingsError::invalid(
                key,
                format!(
                    "cannot count per {}: this action has no login",
                    r.per.as_str()
                ),
            ));
        }
    }

    let mut seen = std::collections::HashSet::new();
    for p in &s.oidc.providers {
        if p.id.is_empty()
            || !p
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(SettingsError::invalid(
                "oidc.providers.id",
                format!("{:?}: use letters, digits, '-' and '_'", p.id),
            ));
        }
        if !seen.insert(p.id.clone()) {
            return Err(SettingsError::invalid(
                "oidc.providers.id",
                format!("{:?} is listed twice", p.id),
            ));
        }
        if !p.issuer.starts_with("https://")
            && !p.issuer.starts_with("http://127.0.0.1")
            && !p.issuer.starts_with("http://localhost")
        {
            return Err(SettingsError::invalid(
                "oidc.providers.issuer",
                format!("{:?} must be https (http only on localhost)", p.issuer),
            ));
        }
        if p.client_id.is_empty() {
            return Err(SettingsError::invalid(
                "oidc.providers.client_id",
                format!("provider {:?} has no client_id", p.id),
            ));
        }
        if p.display_name.trim().is_empty() {
            return Err(SettingsError::invalid(
                "oidc.providers.display_name",
                format!("provider {:?} has no display_name", p.id),
            ));
        }
        if !p.client_secret_env.is_empty()
            && std::env::var(&p.client_secret_env).map_or(true, |v| v.is_empty())
        {
            return Err(SettingsError::invalid(
                "oidc.providers.client_secret_env",
                format!(
                    "provider {:?}: the environment variable {} is not set",
                    p.id, p.client_secret_env
                ),
            ));
        }
        if let Some(bad) = p.extra_scopes.iter().find(|s| {
            s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        }) {
            return Err(SettingsError::invalid(
                "oidc.providers.extra_scopes",
                format!("provider {:?}: {bad:?} is not a scope", p.id),
            ));
        }
    }
    let o = &s.oidc;
    if !o.only_provider.is_empty() && o.provider(&o.only_provider).is_none() {
        return Err(SettingsError::invalid(
            "oidc.only_provider",
            format!("{:?} is not the id of a provider", o.only_provider),
        ));
    }
    if !o.only_provider.is_empty() && a.signup_enabled {
        return Err(SettingsError::invalid(
            "oidc.only_provider",
            "a provider is the only way in, but auth.signup_enabled makes password accounts: set it to false",
        ));
    }
    if !o.only_provider.is_empty() && a.password_reset_enabled {
        return Err(SettingsError::invalid(
            "oidc.only_provider",
            "a provider is the only way in, but auth.password_reset_enabled mails links that set passwords: set it to false",
        ));
    }
    for (key, value) in [
        ("oidc.discovery_refresh_secs", o.discovery_refresh_secs),
        ("oidc.flow_max_age_secs", o.flow_max_age_secs),
        ("oidc.http_timeout_secs", o.http_timeout_secs),
    ] {
        if value == 0 || value > MAX_LIFETIME_SECS {
            return Err(SettingsError::invalid(
                key,
                "must be between 1 and 400 days in seconds",
            ));
        }
    }
    Ok(())
}

/// The first enabled feature that mails a link, as its setting reads.
fn link_mailing_feature(s: &Settings) -> Option<&'static str> {
    let a = &s.auth;
    if a.password_reset_enabled {
        Some("auth.password_reset_enabled (the reset link)")
    } else if a.email_verification != EmailVerification::None {
        Some("auth.email_verification (the confirmation link)")
    } else if a.email_pages_enabled {
        Some("auth.email_pages_enabled (the email-change and resend-confirmation pages)")
    } else {
        None
    }
}

/// Browsers cap a cookie's lifetime at 400 days; longer settings are typos
/// (and would overflow the signed timestamps they are added to).
const MAX_LIFETIME_SECS: u64 = 400 * 24 * 3600;

/// Every path a Portcullis page answers on (or will, as its feature lands),
/// so that no CSRF exemption can cover one.
fn portcullis_pages(s: &Settings) -> impl Iterator<Item = &str> {
    let a = &s.auth;
    [
        a.login_url.as_str(),
        a.logout_url.as_str(),
        a.signup_url.as_str(),
        a.password_reset_url.as_str(),
        a.password_change_url.as_str(),
        a.verify_email_url.as_str(),
        a.email_change_url.as_str(),
        a.reauthenticate_url.as_str(),
        "/account/connections",
        "/oidc",
    ]
    .into_iter()
}

/// What a URL setting may point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlKind {
    /// A link: a local path, or an http(s) URL.
    PageLink,
    /// An image: a local path or https (the pages' CSP: `img-src 'self' data: https:`).
    Image,
    /// A local path only (the pages' CSP: `style-src 'self'`).
    SameSite,
}

/// Checks a URL a setting puts into an `href` or `src`.
fn check_url(value: &str, kind: UrlKind) -> Result<(), String> {
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\'))
    {
        return Err(format!(
            "{value:?} must be a plain URL (no spaces, quotes or angle brackets)"
        ));
    }
    if super::is_local_path(value) {
        return Ok(());
    }
    let lower = value.to_ascii_lowercase();
    let ok = match kind {
        UrlKind::PageLink => lower.starts_with("https://") || lower.starts_with("http://"),
        UrlKind::Image => lower.starts_with("https://"),
        UrlKind::SameSite => false,
    };
    if ok
        && value
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'))
    {
        return Ok(());
    }
    Err(match kind {
        UrlKind::PageLink => format!("{value:?} must be a local path like /home or an http(s) URL"),
        UrlKind::Image => format!("{value:?} must be a local path like /static/logo.svg or an https URL"),
        UrlKind::SameSite => format!(
            "{value:?} must be a local path like /static/app.css (the pages load stylesheets from this site only)"
        ),
    })
}

/// A BCP 47 language tag as `<html lang>` takes it: `en`, `pt-BR`, `zh-Hant-TW`.
fn is_language_tag(v: &str) -> bool {
    let mut parts = v.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn is_hex_colour(v: &str) -> bool {
    let Some(hex) = v.strip_prefix('#') else {
        return false;
    };
    matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// A parsed `scheme://host[:port]` origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// Host name or address, lower-cased.
    pub host: String,
    /// The origin as written, without a trailing slash.
    pub serialized: String,
}

impl Origin {
    /// Parses an origin; a path, query, user info or other scheme is refused.
    ///
    /// ```
    /// use portcullis::settings::Origin;
    /// assert!(Origin::parse("https://example.com").is_ok());
    /// assert!(Origin::parse("https://example.com/path").is_err());
    /// ```
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(value: &str) -> Result<Origin, String> {
        let trimmed = value.strip_suffix('/').unwrap_or(value);
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| format!("{value:?} is not an origin like https://example.com"))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("{value:?}: scheme must be http or https"));
        }
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', '\\', ' ']) {
            return Err(format!("{value:?}: only scheme://host[:port], no path"));
        }
        let host = match rest.rsplit_once(':') {
            Some((h, port)) if !h.ends_with(']') || rest.starts_with('[') => {
                if !port.chars().all(|c| c.is_ascii_digit()) || port.is_empty() {
                    if rest.starts_with('[') && rest.ends_with(']') {
                        rest
                    } else {
                        return Err(format!("{value:?}: bad port"));
                    }
                } else {
                    h
                }
            }
            _ => rest,
        };
        Ok(Origin {
            scheme: scheme.to_owned(),
            host: host.to_ascii_lowercase(),
            serialized: trimmed.to_ascii_lowercase(),
        })
    }

    /// True for https origins.
    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// True for localhost, 127.0.0.0/8 and `[::1]` (an address, not a name
    /// that merely starts with `127.`).
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self.host == "[::1]"
            || self
                .host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_parsed_strictly() {
        let o = Origin::parse("https://Example.com:8443/").unwrap();
        assert_eq!(o.host, "example.com");
        assert!(o.is_https());
        assert_eq!(o.serialized, "https://example.com:8443");
        assert!(Origin::parse("http://127.0.0.1:8000")
            .unwrap()
            .is_loopback());
        assert!(Origin::parse("http://[::1]:80").unwrap().is_loopback());
        assert!(Origin::parse("http://127.9.9.9").unwrap().is_loopback());
        for name in [
            "http://127.evil.com",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com",
        ] {
            assert!(!Origin::parse(name).unwrap().is_loopback(), "{name}");
        }
        for bad in [
            "example.com",
            "ftp://x",
            "https://x/y",
            "https://u@x",
            "https://x:abc",
            "https://",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn url_settings_refuse_scripts_and_what_the_csp_would_block() {
        for good in ["/", "/home", "https://example.com/", "http://example.com"] {
            assert!(check_url(good, UrlKind::PageLink).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example",
            "/\\evil.example",
            "home",
            "https://",
            "https:///x",
            "/a\" onmouseover=\"x",
            "/a b",
            "vbscript:x",
        ] {
            assert!(check_url(bad, UrlKind::PageLink).is_err(), "{bad}");
        }
        assert!(check_url("/static/logo.svg", UrlKind::Image).is_ok());
        assert!(check_url("https://cdn.example/logo.png", UrlKind::Image).is_ok());
        assert!(check_url("http://cdn.example/logo.png", UrlKind::Image).is_err());
        assert!(check_url("/static/app.css", UrlKind::SameSite).is_ok());
        assert!(check_url("https://cdn.example/app.css", UrlKind::SameSite).is_err());
    }

    #[test]
    fn languages_are_tags() {
        for good in ["en", "pt-BR", "zh-Hant-TW", "de-1996"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in ["", "e", "en_GB", "en-", "en\" x=\"", "englishlanguage"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn colours_must_be_hex() {
        assert!(is_hex_colour("#fff"));
        assert!(is_hex_colour("#A0b1C2"));
        assert!(!is_hex_colour("red"));
        assert!(!is_hex_colour("#12345"));
        assert!(!is_hex_colour("#fff;background:url(x)"));
    }
}
