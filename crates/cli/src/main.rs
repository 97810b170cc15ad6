//! `tradewarden`: the operations command line.
//!
//! Every command prints a short human summary, or with `--json` one JSON
//! document on stdout for automation. Errors are one line on stderr
//! (`error: …`) and a documented exit code (see `docs/cli.md`):
//! 0 ok, 1 internal error, 2 usage error, 3 bad input or configuration,
//! 4 I/O error or corrupt file, 5 state (e.g. trading halted).
#![forbid(unsafe_code)]

mod demo;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tradewarden::core::{Classify, ErrorKind};

/// The operations core of an ML trading system.
#[derive(Debug, Parser)]
#[command(name = "tradewarden", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole system on embedded deterministic demo data.
    Demo(demo::DemoArgs),
    /// Profitability report of a returns (or prices) series from Parquet or CSV.
    Report(report::ReportArgs),
}

/// A command failure: exit code and one-line message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl<E: Classify + std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: exit_code(e.kind()),
            message: e.to_string(),
        }
    }
}

/// Exit code of each error kind (documented in docs/cli.md).
pub(crate) fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::InvalidConfig | ErrorKind::NotFound => 3,
        ErrorKind::Io | ErrorKind::Corrupt => 4,
        ErrorKind::State => 5,
        ErrorKind::Unsupported | ErrorKind::Internal => 1,
    }
}

pub(crate) fn io_failure(path: &std::path::Path, e: std::io::Error) -> Failure {
    Failure {
        code: 4,
        message: format!("cannot write {}: {e}", path.display()),
    }
}

/// An internal error (a bug), exit code 1.
pub(crate) fn internal(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

/// A progress bar on stderr, hidden when `quiet` or when stderr is not a terminal.
pub(crate) fn progress(quiet: bool, len: u64, what: &'static str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style);
    }
    bar.set_message(what);
    bar
}

/// Default output directory of a command.
pub(crate) fn default_out(name: &str) -> PathBuf {
    PathBuf::from(name)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Report(args) => report::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message.replace('\n', " "));
            ExitCode::from(f.code)
        }
    }
}
