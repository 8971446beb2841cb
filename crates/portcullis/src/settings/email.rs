//! `[email]`: how mail leaves the application.

use serde::{Deserialize, Serialize};

/// Where mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EmailBackend {
    /// Written to the log (development).
    #[default]
    Console,
    /// Sent through `smtp_url`.
    Smtp,
    /// Written as files into `file_dir`.
    File,
}

/// `[email]`: backend, SMTP server and sender.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// console | smtp | file.
    pub backend: EmailBackend,
    /// `smtp://user:pass@host:port` or `smtps://…` (backend = "smtp").
    pub smtp_url: String,
    /// Folder for backend = "file".
    pub file_dir: String,
    /// Sender of every mail.
    pub from: String,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            backend: EmailBackend::Console,
            smtp_url: String::new(),
            file_dir: "mail".into(),
            from: "My App <noreply@localhost>".into(),
        }
    }
}
