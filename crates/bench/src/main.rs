//! `portcullis-bench`: one run measures the demo's guarded page and logins
//! on SQLite and PostgreSQL beside a one-lookup floor server (and Django,
//! when Python is here), then checks the budgets of docs/BENCHMARKS.md.
//!
//! Run from the repository root after `cargo build --release -p demo -p portcullis-bench`
//! (`scripts/bench.sh` does both).

mod backend;
mod ceiling;
mod django;
mod http;
mod load;
mod report;
mod server;
mod setup;
mod stats;

use std::{
    path::PathBuf,
    process::{Command, ExitCode},
    time::Duration,
};

use anyhow::{bail, Context as _};
use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DjangoMode {
    /// When python3 is available.
    Auto,
    On,
    Off,
}

/// Portcullis load benchmark.
#[derive(Debug, Parser)]
#[command(name = "portcullis-bench")]
struct Args {
    /// The short bounded version for the test command: shorter phases, a
    /// smaller large store, no Django; checks ratio budgets only.
    #[arg(long)]
    quick: bool,
    /// Exit 1 when a budget is missed.
    #[arg(long)]
    check: bool,
    /// Backends to measure.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "sqlite,postgres"
    )]
    backends: Vec<Backend>,
    /// A PostgreSQL URL to an empty database (default: start a private server with scripts/pg-server.sh).
    #[arg(long, env = "PORTCULLIS_BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// Measure Django + gunicorn too.
    #[arg(long, value_enum, default_value = "auto")]
    django: DjangoMode,
    /// Seconds per measured phase (default: 10, quick: 5).
    #[arg(long)]
    duration: Option<u64>,
    /// Write the figures as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Where `demo` and `bench-floor` are (default: beside this binary).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

/// What a run does; every phase reads it.
pub struct Plan {
    pub bin_dir: PathBuf,
    pub quick: bool,
    pub duration: Duration,
    pub warmup: Duration,
    pub reps: usize,
    pub page_conns: usize,
    pub login_conns: usize,
    pub overload_conns: usize,
    pub cost_samples: usize,
    pub small_sessions: i64,
    pub big_sessions: i64,
    pub big_users: i64,
    pub max_connections: u32,
}

/// The repository root (the driver is built from it).
fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let bin_dir = match args.bin_dir {
        Some(d) => d,
        None => std::env::current_exe()?
            .parent()
            .context("binary has no directory")?
            .to_path_buf(),
    };
    for bin in ["demo", "bench-floor"] {
        if !bin_dir.join(bin).is_file() {
            bail!(
                "{} missing: cargo build --release -p demo -p portcullis-bench",
                bin_dir.join(bin).display()
            );
        }
    }
    let quick = args.quick;
    let plan = Plan {
        bin_dir,
        quick,
        duration: Duration::from_secs(args.duration.unwrap_or(if quick { 5 } else { 10 })),
        warmup: Duration::from_secs(1),
        reps: 3,
        page_conns: 64,
        login_conns: 8,
        overload_conns: 256,
        cost_samples: if quick { 31 } else { 41 },
        small_sessions: 1_000,
        big_sessions: if quick { 200_000 } else { 1_000_000 },
        big_users: if quick { 20_000 } else { 100_000 },
        max_connections: 10,
    };
    let work = tempfile::Builder::new()
        .prefix("portcullis-bench-")
        .tempdir()?;
    let cores = ceiling::cores();
    let hash = ceiling::hash_time(if quick { 5 } else { 11 })?;
    eprintln!(
        "machine: {cores} cores; one argon2id hash (m=19456 KiB, t=2, p=1): {:.1} ms",
        hash.as_secs_f64() * 1e3
    );
    let mut results = vec![];
    for backend in &args.backends {
        let (name, url, _pg) = match backend {
            Backend::Sqlite => {
                let path = work.path().join("portcullis.db");
                (
                    "sqlite",
                    format!("sqlite://{}?mode=rwc", path.display()),
                    None,
                )
            }
            Backend::Postgres => match &args.postgres_url {
                Some(url) => ("postgres", url.clone(), None),
                None => {
                    let pg = PgServer::start(&work.path().join("pg"))?;
                    ("postgres", pg.url.clone(), Some(pg))
                }
            },
        };
        eprintln!("measuring {name}…");
        results.push(backend::measure(&plan, name, &url, work.path()).await?);
    }
    let want_django = match args.django {
        DjangoMode::On => true,
        DjangoMode::Off => false,
        DjangoMode::Auto => !quick && django::available(),
    };
    let django = if want_django {
        eprintln!("measuring Django + gunicorn (installing it into a temporary venv)…");
        let server = django::start(&repo(), work.path(), 2 * cores + 1)?;
        Some(backend::django_page(&plan, &server, "/login/", "/dashboard/").await?)
    } else {
        None
    };
    let report = report::Report::new(&plan, cores, hash, results, django);
    println!("{}", report.markdown());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    let passed = report.passed();
    Ok(passed || !args.check)
}

/// A private PostgreSQL server for the run (scripts/pg-server.sh), stopped by PID on drop.
struct PgServer {
    dir: PathBuf,
    url: String,
}

impl PgServer {
    fn start(dir: &std::path::Path) -> anyhow::Result<PgServer> {
        let out = Command::new("bash")
            .arg(repo().join("scripts/pg-server.sh"))
            .arg("start")
            .arg(dir)
            .output()
            .context("running scripts/pg-server.sh")?;
        if !out.status.success() {
            bail!(
                "scripts/pg-server.sh failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let url = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned();
        Ok(PgServer {
            dir: dir.to_path_buf(),
            url,
        })
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(repo().join("scripts/pg-server.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}
