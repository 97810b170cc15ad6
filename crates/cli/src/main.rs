//! `tradewarden`: the operations command line.
//!
//! Every command prints a short human summary, or with `--json` one JSON
//! document on stdout for automation. Errors are one line on stderr
//! (`error: …`) and a documented exit code ([`ExitStatus`], `docs/cli.md`):
//! 0 ok, 1 internal error, 2 usage error, 3 bad input or configuration,
//! 4 I/O error or corrupt file, 5 state (e.g. trading halted), 6 a check
//! found a problem (drift, gate, canary rollback, degraded), 7 unhealthy.
#![forbid(unsafe_code)]

mod cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cmd::{
    canary, demo, doctor, drift, guard, promote, regime, registry, report, rollback, serve,
    snapshot,
};
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
    Drift(drift::DriftArgs),
    /// Promotion gates.
    Promote(promote::PromoteArgs),
    /// Canary stage ladder.
    Canary(canary::CanaryArgs),
    /// Execute the rollback plan: kill switch, last-good model, freeze, position
    /// override (3 attempts, 300 s apart).
    Rollback(rollback::RollbackArgs),
    /// Model registry: list, inventory, verify, promote, rollback.
    Registry(registry::RegistryArgs),
    /// Market regime (trending, range-bound, volatile…) of the last candles of a file.
    Regime(regime::RegimeArgs),
    /// tar.gz snapshots with a sha256 manifest.
    Snapshot(snapshot::SnapshotArgs),
    /// Diagnose the installation: state directory, policy, models, backend
    /// (exit 7 unhealthy; 6 degraded with --strict).
    Doctor(doctor::DoctorArgs),
    /// One-word health: healthy (0), degraded (6), unhealthy (7).
    Health(doctor::DoctorArgs),
    /// Serve the Prometheus exposition over HTTP until interrupted.
    ServeMetrics(serve::ServeArgs),
}

/// The process exit status of every command (the table in docs/cli.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ExitStatus {
    /// Internal error (a bug) or an unsupported request.
    Internal = 1,
    /// Usage error (unknown flag, missing argument), from clap.
    Usage = 2,
    /// Bad input or configuration, or a name that does not exist; also a
    /// value outside an option's listed choices.
    BadInput = 3,
    /// I/O error or corrupt file.
    IoOrCorrupt = 4,
    /// Not allowed in the current state (e.g. trading halted).
    State = 5,
    /// A check found a problem (drift, a failed gate, a canary rollback,
    /// degraded health).
    CheckFailed = 6,
    /// Unhealthy (`doctor`, `health`).
    Unhealthy = 7,
    /// stdout was closed (`tradewarden … | head`): ends quietly.
    BrokenPipe = 141,
}

impl From<ErrorKind> for ExitStatus {
    /// The exit status of each library error kind.
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidInput | ErrorKind::InvalidConfig | ErrorKind::NotFound => {
                ExitStatus::BadInput
            }
            ErrorKind::Io | ErrorKind::Corrupt => ExitStatus::IoOrCorrupt,
            ErrorKind::State => ExitStatus::State,
            ErrorKind::Unsupported | ErrorKind::Internal => ExitStatus::Internal,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(s as u8)
    }
}

/// A command failure: exit status and one-line message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: ExitStatus,
    pub(crate) message: String,
}

impl<E: Classify + std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: e.kind().into(),
            message: e.to_string(),
        }
    }
}

impl Failure {
    /// Exit with `code` after the command printed its own result (no message).
    pub(crate) fn silent(code: ExitStatus) -> Failure {
        Failure {
            code,
            message: String::new(),
        }
    }

    /// The same failure with its message prefixed by `what` (a file name).
    pub(crate) fn about(self, what: impl std::fmt::Display) -> Failure {
        Failure {
            code: self.code,
            message: format!("{what}: {}", self.message),
        }
    }
}

/// A document as the command writes it: pretty JSON, keys sorted as
/// `serde_json::Value` orders them (what `--json` prints and the files
/// `ops_summary.json` hold).
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(doc: &T) -> Result<String, Failure> {
    let value = serde_json::to_value(doc).map_err(|e| internal(e.to_string()))?;
    serde_json::to_string_pretty(&value).map_err(|e| internal(e.to_string()))
}

/// Prints `doc` as JSON when `json` ([`json_text`]), else runs `human`.
pub(crate) fn emit<T: serde::Serialize + ?Sized>(
    json: bool,
    doc: &T,
    human: impl FnOnce(),
) -> Result<(), Failure> {
    if json {
        println!("{}", json_text(doc)?);
    } else {
        human();
    }
    Ok(())
}

/// Prints `doc` as JSON when `json`, else its `Display` (the human form;
/// a newline added unless it ends with one).
pub(crate) fn show<T: serde::Serialize + std::fmt::Display>(
    json: bool,
    doc: &T,
) -> Result<(), Failure> {
    emit(json, doc, || {
        let text = doc.to_string();
        if text.ends_with('\n') {
            print!("{text}");
        } else {
            println!("{text}");
        }
    })
}

pub(crate) fn io_failure(path: &std::path::Path, e: std::io::Error) -> Failure {
    Failure {
        code: ExitStatus::IoOrCorrupt,
        message: format!("cannot write {}: {e}", path.display()),
    }
}

/// An internal error (a bug), exit code 1.
pub(crate) fn internal(message: impl Into<String>) -> Failure {
    Failure {
        code: ExitStatus::Internal,
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
            std::process::exit(i32::from(ExitStatus::BrokenPipe as u8));
        }
        eprintln!("error: internal error: {}", msg.replace('\n', " "));
        std::process::exit(i32::from(ExitStatus::Internal as u8));
    }));
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A value outside an option's choices is bad input (the library's
        // message names the parameter and every accepted name); any other
        // clap error is a usage error (2), --help and --version exit 0.
        Err(e) if cmd::choice_refused() => {
            let _ = e.print();
            return ExitStatus::BadInput.into();
        }
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Usage.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Report(args) => report::run(args),
        Command::Guard(args) => guard::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Promote(args) => promote::run(args),
        Command::Canary(args) => canary::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Registry(args) => registry::run(args),
        Command::Regime(args) => regime::run(args),
        Command::Snapshot(args) => snapshot::run(args),
        Command::Doctor(args) => doctor::run(args, false),
        Command::Health(args) => doctor::run(args, true),
        Command::ServeMetrics(args) => serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message.replace('\n', " "));
            }
            f.code.into()
        }
    }
}
