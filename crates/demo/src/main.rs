//! `demo`: serves the Portcullis demo app.

use std::path::PathBuf;

use actix_web::HttpServer;
use anyhow::Context as _;
use clap::Parser;
use demo::{
    pages::CLI,
    routes,
    startup::{connect, load_settings, mask_password},
};
use portcullis::settings::SETTINGS_ENV;

/// The Portcullis demo: every guard on one small site.
#[derive(Debug, Parser)]
#[command(name = "demo", version)]
struct Args {
    /// Settings file (TOML). Default: $PORTCULLIS_SETTINGS, else ./settings.toml
    /// when present, else the demo's own crates/demo/settings.toml; PORTCULLIS__SECTION__KEY variables
    /// override either.
    #[arg(long, value_name = "FILE", env = SETTINGS_ENV)]
    settings: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8000")]
    bind: String,
}

#[actix_web::main]
async fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,portcullis=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(args).await {
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// The error and its causes on one line, skipping causes an outer message already quotes
/// (settings errors already name the key; no Debug dump).
fn one_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !msg.contains(&text) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&text);
        }
    }
    msg.replace('\n', " ")
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (settings, file) = load_settings(args.settings.as_deref())?;
    let database = mask_password(&settings.database.url);
    let auth = connect(settings).await?;
    let app_auth = auth.clone();
    let server = HttpServer::new(move || routes::app(&app_auth))
        .bind(&args.bind)
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = server
        .addrs()
        .first()
        .map_or_else(|| args.bind.clone(), ToString::to_string);
    let settings_flag = file
        .map(|f| format!(" --settings {}", f.display()))
        .unwrap_or_default();
    println!("Portcullis demo on http://{addr} (database: {database})");
    println!(
        "Create a superuser: {CLI}{settings_flag} createsuperuser --username admin --email admin@example.com"
    );
    server.run().await.context("while serving")?;
    auth.db().close().await;
    Ok(())
}
