//! `[email]`: how mail leaves the application.

use serde::{Deserialize, Serialize};

use super::SettingsError;

/// Where mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EmailBackend {
    /// Printed to standard output, links and all (development).
    #[default]
    Console,
    /// Sent through `smtp_url` (lettre's pooled async SMTP transport).
    Smtp,
    /// Written as `.eml` files into `file_dir` (development).
    File,
}

/// `[email]`: backend, SMTP server and sender.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// console | smtp | file.
    pub backend: EmailBackend,
    /// The SMTP server (backend = "smtp"): `smtps://host:465` for implicit
    /// TLS, `smtp://host:587?tls=required` for STARTTLS, `smtp://host:25`
    /// for plain SMTP (only sensible on loopback).
    pub smtp_url: String,
    /// SMTP user name (or in `smtp_url`); empty for none.
    pub smtp_username: String,
    /// SMTP password (or in `smtp_url`); set it from the environment,
    /// `PORTCULLIS__EMAIL__SMTP_PASSWORD`.
    pub smtp_password: String,
    /// Folder for backend = "file".
    pub file_dir: String,
    /// Sender of every mail.
    pub from: String,
    /// Seconds a mail may take to hand over to the server before it is
    /// given up and the failure logged (1 to 300). Pages never wait for it.
    pub timeout_secs: u64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            backend: EmailBackend::Console,
            smtp_url: String::new(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            file_dir: "mail".into(),
            from: "My App <noreply@localhost>".into(),
            timeout_secs: 10,
        }
    }
}

impl std::fmt::Debug for EmailSettings {
    // The SMTP password and any credentials in the URL never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettings")
            .field("backend", &self.backend)
            .field("smtp_url", &redact_url(&self.smtp_url))
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &"<redacted>")
            .field("file_dir", &self.file_dir)
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// `url` with any `user:password@` replaced.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://<redacted>{}", &url[at..]),
        _ => url.to_owned(),
    }
}

/// The `[email]` checks: a sender that parses, a sane timeout, and for SMTP
/// a URL lettre accepts that does not send in clear text off this machine.
pub(super) fn validate(e: &EmailSettings) -> Result<(), SettingsError> {
    if e.from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(SettingsError::invalid(
            "email.from",
            format!(
                "{:?} is not an address like \"My App <noreply@example.com>\"",
                e.from
            ),
        ));
    }
    if !(1..=300).contains(&e.timeout_secs) {
        return Err(SettingsError::invalid(
            "email.timeout_secs",
            "must be between 1 and 300",
        ));
    }
    match e.backend {
        EmailBackend::Console => Ok(()),
        EmailBackend::File if e.file_dir.trim().is_empty() => Err(SettingsError::invalid(
            "email.file_dir",
            "name a folder for the mail files",
        )),
        EmailBackend::File => Ok(()),
        EmailBackend::Smtp => validate_smtp_url(&e.smtp_url),
    }
}

fn validate_smtp_url(url: &str) -> Result<(), SettingsError> {
    let bad = |why: &str| {
        Err(SettingsError::invalid(
            "email.smtp_url",
            format!("{:?}: {why}", redact_url(url)),
        ))
    };
    if url.is_empty() {
        return bad("backend = \"smtp\" needs the server's URL, e.g. smtps://smtp.example.com:465");
    }
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(_) => return bad("not a URL"),
    };
    let tls = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "smtps" => {}
        "smtp" => match tls.as_deref() {
            Some("required") => {}
            // Mail carries reset links: never in clear text off this machine.
            None | Some("opportunistic") if loopback => {}
            _ => {
                return bad(
                    "sends in clear text (or lets an attacker strip STARTTLS): use smtps:// or add ?tls=required",
                )
            }
        },
        _ => return bad("use smtp:// or smtps://"),
    }
    if host.is_empty() {
        return bad("names no host");
    }
    if lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).is_err() {
        return bad("lettre cannot use this URL");
    }
    Ok(())
}
