//! `portcullis-bench`: one run measures the demo's guarded page and logins
//! on SQLite and PostgreSQL beside a one-lookup floor server (and Django,
//! when Python is here), then checks the budgets of docs/BENCHMARKS.md.
//!
//! Run from the repository root after `cargo build --release -p demo -p portcullis-bench`
//! (`scripts/bench.sh` does both).

mod attempts;
mod backend;
mod ceiling;
mod django;
mod http;
mod load;
mod raw;
mod report;
mod server;
mod setup;
mod stats;

use std::{
    net::SocketAddr,
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
    /// A single step instead of the whole run.
    #[command(subcommand)]
    step: Option<Step>,
}

/// The benchmark's set-up steps on their own, for scripts/callgrind.sh.
#[derive(Debug, clap::Subcommand)]
enum Step {
    /// Migrates DATABASE and creates the benchmark's user with its group,
    /// group permissions and direct permission.
    Prepare {
        /// sqlite://FILE?mode=rwc or postgres://…
        #[arg(long)]
        database: String,
    },
    /// Signs in through the login form of the demo at DEMO (serving the
    /// prepared DATABASE) and prints two lines: the session's `Cookie:`
    /// value, and the floor's (`sid=` the stored key hash).
    SignIn {
        /// The prepared database the demo serves.
        #[arg(long)]
        database: String,
        /// The demo's address, HOST:PORT.
        #[arg(long)]
        demo: SocketAddr,
    },
}

/// Runs one set-up step; prints what the step gives.
async fn step(step: Step) -> anyhow::Result<bool> {
    match step {
        Step::Prepare { database } => setup::prepare(&database).await?,
        Step::SignIn { database, demo } => {
            let cookie = load::Login::bench_user(demo, "/login").cookie().await?;
            let db = setup::open(&database).await?;
            let sid = setup::newest_session_hash(&db).await?;
            db.close().await;
            println!("{cookie}\nsid={sid}");
        }
    }
    Ok(true)
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
    let outcome = match args.step {
        Some(s) => rt.block_on(step(s)),
        None => rt.block_on(run(args)),
    };
    match outcome {
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
        // The demo's default, for the floor too.
        max_connections: portcullis::settings::DatabaseSettings::default().max_connections,
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory as _, Parser as _};

    use super::{Args, Step};

    #[test]
    fn the_cli_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn set_up_steps_parse_and_a_bare_run_has_none() {
        let args = Args::parse_from([
            "portcullis-bench",
            "sign-in",
            "--database",
            "sqlite://x.db",
            "--demo",
            "127.0.0.1:8000",
        ]);
        match args.step {
            Some(Step::SignIn { database, demo }) => {
                assert_eq!(database, "sqlite://x.db");
                assert_eq!(demo.port(), 8000);
            }
            other => panic!("expected sign-in, got {other:?}"),
        }
        assert!(Args::parse_from(["portcullis-bench", "--quick"])
            .step
            .is_none());
        assert!(Args::try_parse_from(["portcullis-bench", "sign-in", "--database", "x"]).is_err());
    }
}
