//! `tradewarden`: the operations command line.
//!
//! Every command prints a short human summary, or with `--json` one JSON
//! document on stdout for automation. Errors are one line on stderr
//! (`error: …`) and a documented exit code (see `docs/cli.md`):
//! 0 ok, 1 internal error, 2 usage error, 3 bad input or configuration,
//! 4 I/O error or corrupt file, 5 state (e.g. trading halted), 6 a check
//! found a problem (drift, gate, canary rollback, degraded), 7 unhealthy.
#![forbid(unsafe_code)]

mod demo;
mod guard;
mod ops;
mod report;
mod snapshot;

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
    /// Guardrails: policy check, trading state, kill switch, reset, journal.
    Guard(guard::GuardArgs),
    /// Drift: reference profiles and reports.
    Drift(ops::DriftArgs),
    /// Promotion gates.
    Promote(ops::PromoteArgs),
    /// Canary stage ladder.
    Canary(ops::CanaryArgs),
    /// Execute the rollback plan: kill switch, last-good model, freeze, position
    /// override (3 attempts, 300 s apart).
    Rollback(ops::RollbackArgs),
    /// Model registry: list, verify, promote, rollback.
    Registry(ops::RegistryArgs),
    /// tar.gz snapshots with a sha256 manifest.
    Snapshot(snapshot::SnapshotArgs),
    /// Diagnose the installation: state directory, policy, models, backend
    /// (exit 7 unhealthy; 6 degraded with --strict).
    Doctor(ops::DoctorArgs),
    /// One-word health: healthy (0), degraded (6), unhealthy (7).
    Health(ops::DoctorArgs),
    /// Serve the Prometheus exposition over HTTP until interrupted.
    ServeMetrics(ops::ServeArgs),
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

impl Failure {
    /// Exit with `code` after the command printed its own result (no message).
    pub(crate) fn silent(code: u8) -> Failure {
        Failure {
            code,
            message: String::new(),
        }
    }
}

/// Prints `doc` as JSON when `json`, else runs `human`.
pub(crate) fn emit(
    json: bool,
    doc: &serde_json::Value,
    human: impl FnOnce(),
) -> Result<(), Failure> {
    if json {
        let text = serde_json::to_string_pretty(doc).map_err(|e| internal(e.to_string()))?;
        println!("{text}");
    } else {
        human();
    }
    Ok(())
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

/// One line on stderr instead of a panic message and backtrace; a closed
/// stdout (`tradewarden … | head`) ends the command quietly.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("panic");
        if msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        eprintln!("error: internal error: {}", msg.replace('\n', " "));
        std::process::exit(1);
    }));
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Report(args) => report::run(args),
        Command::Guard(args) => guard::run(args),
        Command::Drift(args) => ops::run_drift(args),
        Command::Promote(args) => ops::run_promote(args),
        Command::Canary(args) => ops::run_canary(args),
        Command::Rollback(args) => ops::run_rollback(args),
        Command::Registry(args) => ops::run_registry(args),
        Command::Snapshot(args) => snapshot::run(args),
        Command::Doctor(args) => ops::run_doctor(args, false),
        Command::Health(args) => ops::run_doctor(args, true),
        Command::ServeMetrics(args) => ops::run_serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message.replace('\n', " "));
            }
            ExitCode::from(f.code)
        }
    }
}
