//! The real SMTP server the mail tests send to: scripts/smtp-sink.sh
//! (aiosmtpd) stores each message under a Maildir, which these helpers read.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use portcullis::settings::EmailBackend;
use portcullis::Settings;

/// The sink's URL and Maildir, from `PORTCULLIS_TEST_SMTP_URL` and
/// `PORTCULLIS_TEST_SMTP_MAILDIR` (scripts/test.sh starts it). Under CI they
/// must be set; elsewhere the test is skipped with a note on stderr.
pub fn sink() -> Option<(String, PathBuf)> {
    match (
        std::env::var("PORTCULLIS_TEST_SMTP_URL"),
        std::env::var("PORTCULLIS_TEST_SMTP_MAILDIR"),
    ) {
        (Ok(url), Ok(dir)) if !url.is_empty() && !dir.is_empty() => Some((url, dir.into())),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PORTCULLIS_TEST_SMTP_URL and PORTCULLIS_TEST_SMTP_MAILDIR must be set under CI (scripts/test.sh starts the SMTP sink)"
            );
            eprintln!(
                "SKIPPED: {}: PORTCULLIS_TEST_SMTP_URL not set (bash scripts/smtp-sink.sh start DIR)",
                std::thread::current().name().unwrap_or("a mail test")
            );
            None
        }
    }
}

/// Points `s` at the sink.
pub fn use_sink(s: &mut Settings, url: &str) {
    s.email.backend = EmailBackend::Smtp;
    s.email.smtp_url = url.to_owned();
    s.email.timeout_secs = 5;
}

/// An address no other test uses, so each test finds only its own mail.
pub fn address(name: &str) -> String {
    format!("{name}-{}@example.com", crate::support::rand_suffix())
}

/// A received mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The first link in the text part that starts with `origin`.
    pub fn link(&self, origin: &str) -> String {
        let start = self
            .text
            .find(origin)
            .unwrap_or_else(|| panic!("no link on {origin} in: {}", self.text));
        self.text[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }

    /// The link's path and query (what the test client requests).
    pub fn link_path(&self, origin: &str) -> String {
        self.link(origin)[origin.len()..].to_owned()
    }
}

/// Every mail the sink holds for `to` (the envelope recipient).
pub fn mails_to(dir: &std::path::Path, to: &str) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir.join("new")) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, Mail)> = Vec::new();
    for entry in entries.flatten() {
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let raw = String::from_utf8_lossy(&bytes);
        let rcpt = raw
            .lines()
            .find_map(|l| l.strip_prefix("X-RcptTo: "))
            .unwrap_or_default();
        if !rcpt.split(',').any(|r| r.trim().eq_ignore_ascii_case(to)) {
            continue;
        }
        let parsed = mail_parser::MessageParser::default()
            .parse(&bytes)
            .expect("a parsable mail");
        let mail = Mail {
            subject: parsed.subject().unwrap_or_default().to_owned(),
            text: parsed
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: parsed
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
        };
        let when = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        found.push((when, mail));
    }
    found.sort_by_key(|(when, _)| *when);
    found.into_iter().map(|(_, m)| m).collect()
}

/// Waits (up to 10 s) until `to` has received `count` mails; returns them, oldest first.
pub async fn wait_for(dir: &std::path::Path, to: &str, count: usize) -> Vec<Mail> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mails = mails_to(dir, to);
        if mails.len() >= count {
            return mails;
        }
        assert!(
            Instant::now() < deadline,
            "{to} received {} mails, expected {count}",
            mails.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Gives a mail that should not come time to arrive, then says how many did.
pub async fn count_after_a_while(dir: &std::path::Path, to: &str) -> usize {
    tokio::time::sleep(Duration::from_millis(700)).await;
    mails_to(dir, to).len()
}
