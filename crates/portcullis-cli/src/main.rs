//! `portcullis`: the management command (like Django's manage.py).
//! Parsing and dispatch live in `cli` and `commands`; this file only turns
//! results into one line of output and an exit code.

mod cli;
mod commands;

use std::{io::IsTerminal, process::ExitCode};

use clap::{error::ErrorKind, Parser};
use tracing_subscriber::EnvFilter;

/// Exit code of a command that failed.
const FAILED: u8 = 1;
/// Exit code of a command line clap refused (the usual convention for usage errors).
const USAGE: u8 = 2;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    init_logging();
    match commands::run(cli).await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", one_line(&chain_message(&err)));
            ExitCode::from(FAILED)
        }
    }
}

/// Logs go to stderr and default to warnings only, so stdout stays one line.
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // No colour codes in log files and CI output.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Help and version go out as clap prints them; real usage errors become one line.
fn usage_error(err: clap::Error) -> ExitCode {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        err.exit();
    }
    // clap's text is "error: …", then indented details and tips, then Usage.
    let text = err.to_string();
    let body = text.split("\nUsage:").next().unwrap_or_default();
    let body = body.trim_start().strip_prefix("error:").unwrap_or(body);
    // Keep clap's "tip: …" lines as separate clauses rather than run-on text.
    let body = one_line(&body.replace("\n  tip:", "\n; tip:")).replace(" ; tip:", "; tip:");
    eprintln!("error: {body} (see --help)");
    ExitCode::from(USAGE)
}

/// The error and its causes joined by ": ", skipping causes the library's
/// messages already quote (its errors embed their source in Display).
fn chain_message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Collapses line breaks so every error is exactly one line on stderr.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
