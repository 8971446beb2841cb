//! The same guarded page on Django + gunicorn, installed from PyPI into a
//! temporary virtualenv (`bench/django/prepare.sh`), measured by the same driver.

use std::{path::Path, process::Command};

use anyhow::{bail, Context as _};

use crate::{
    server::{free_addr, Server},
    setup,
};

/// True when `python3` runs here.
pub fn available() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Prepares the venv and an SQLite database under `work`, then starts gunicorn with `workers`.
pub fn start(repo: &Path, work: &Path, workers: usize) -> anyhow::Result<Server> {
    let app = repo.join("bench/django");
    let db = work.join("django.sqlite3");
    let status = Command::new("bash")
        .arg(app.join("prepare.sh"))
        .arg(work)
        .env("BENCH_DJANGO_DB", &db)
        .env("BENCH_PASSWORD", setup::PASSWORD)
        .status()
        .context("running bench/django/prepare.sh")?;
    if !status.success() {
        bail!("bench/django/prepare.sh failed ({status})");
    }
    let addr = free_addr()?;
    let mut cmd = Command::new(work.join("venv/bin/gunicorn"));
    cmd.arg("--chdir")
        .arg(&app)
        .args([
            "--workers",
            &workers.to_string(),
            "--bind",
            &addr.to_string(),
        ])
        .args([
            "--log-level",
            "warning",
            "--no-control-socket",
            "benchsite.wsgi",
        ])
        .env("BENCH_DJANGO_DB", &db);
    Server::start("Django + gunicorn", cmd, addr, &work.join("django.log"))
}
