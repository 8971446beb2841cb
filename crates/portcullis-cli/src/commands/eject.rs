//! `portcullis eject-templates DIR`: the default templates and stylesheet,
//! compiled into this binary, written out as the start of the app's own.

use std::path::Path;

use anyhow::{bail, Context as _, Result};

/// Declares each shipped file once: its path under DIR and its text.
macro_rules! shipped {
    ($($path:literal),* $(,)?) => {
        [$(($path, include_str!(concat!("../../../../", $path)))),*]
    };
}

/// Every default template and the stylesheet and logo of the pages (a test
/// keeps this list in step with the folders).
pub const FILES: [(&str, &str); 30] = shipped![
    "templates/portcullis/layouts/base.html",
    "templates/portcullis/layouts/page.html",
    "templates/portcullis/elements/error_summary.html",
    "templates/portcullis/elements/field.html",
    "templates/portcullis/pages/error.html",
    "templates/portcullis/pages/login.html",
    "templates/portcullis/pages/logout.html",
    "templates/portcullis/pages/signup.html",
    "templates/portcullis/pages/account_form.html",
    "templates/portcullis/pages/notice.html",
    "templates/portcullis/pages/connections.html",
    "templates/portcullis/pages/oidc_confirm.html",
    "templates/portcullis/pages/oidc_error.html",
    "templates/portcullis/email/layout.html",
    "templates/portcullis/email/password_reset.txt",
    "templates/portcullis/email/password_reset.html",
    "templates/portcullis/email/password_changed.txt",
    "templates/portcullis/email/password_changed.html",
    "templates/portcullis/email/verify_email.txt",
    "templates/portcullis/email/verify_email.html",
    "templates/portcullis/email/email_change.txt",
    "templates/portcullis/email/email_change.html",
    "templates/portcullis/email/email_changed.txt",
    "templates/portcullis/email/email_changed.html",
    "templates/portcullis/email/account_exists.txt",
    "templates/portcullis/email/account_exists.html",
    "templates/portcullis/email/test.txt",
    "templates/portcullis/email/test.html",
    "static/portcullis/portcullis.css",
    "static/portcullis/portcullis.svg",
];

pub fn run(dir: &Path, force: bool) -> Result<String> {
    if !force {
        let existing: Vec<String> = FILES
            .iter()
            .map(|(path, _)| dir.join(path))
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            bail!(
                "{} already exist{} (nothing was written; --force overwrites): {}",
                if existing.len() == 1 {
                    "a file"
                } else {
                    "files"
                },
                if existing.len() == 1 { "s" } else { "" },
                existing.join(", ")
            );
        }
    }
    for (path, text) in FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("while creating {}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .with_context(|| format!("while writing {}", target.display()))?;
    }
    Ok(format!(
        "copied {} files into {} (templates/portcullis/, static/portcullis/); see docs/TEMPLATES.md",
        FILES.len(),
        dir.display()
    ))
}
