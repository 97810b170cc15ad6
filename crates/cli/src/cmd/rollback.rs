//! `tradewarden rollback`: the rollback plan.

use std::path::{Path, PathBuf};

use clap::Args;
use tradewarden_guardrails::promotion::RollbackPlan;
use tradewarden_guardrails::{Session, SessionConfig};
use tradewarden_inference::registry::Registry;

use super::bad;
use super::guard::StateDir;
use crate::{Failure, emit};

/// `tradewarden rollback`.
#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    #[command(flatten)]
    dir: StateDir,
    /// Why (kill-switch file, journal).
    #[arg(long)]
    reason: String,
    /// Who.
    #[arg(long)]
    by: String,
    /// Model registry whose model goes back to its last-good version.
    #[arg(long, requires = "name")]
    registry: Option<PathBuf>,
    /// Model name in the registry.
    #[arg(long, requires = "registry")]
    name: Option<String>,
    /// Print the plan without executing it or counting an attempt.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Executes Quant Bot's rollback plan: kill switch, last-good model, freeze
/// online learning, position override (at most 3 attempts, 300 s apart).
/// Exit 5 when no attempt is allowed, 6 when a step failed.
pub(crate) fn run(a: RollbackArgs) -> Result<(), Failure> {
    if a.reason.trim().is_empty() || a.by.trim().is_empty() {
        return Err(bad("--reason and --by must not be empty".into()));
    }
    let plan = RollbackPlan::quant_bot(&a.reason, &a.by);
    let mut session = Session::operator(SessionConfig::in_dir(&a.dir.state_dir))?;
    // The model step: back to last-good, then the registry's learning
    // freeze (no retrained version is registered or promoted until lifted).
    let restore = |root: &Path, name: &str| -> Result<String, String> {
        Registry::open(root)
            .and_then(|r| {
                let v = r.rollback(name)?;
                r.freeze_learning(name, &a.by, &a.reason)?;
                Ok(v)
            })
            .map(|v| format!("{name}: active = {v}, learning frozen in the registry"))
            .map_err(|e| e.to_string())
    };
    let report = match (&a.registry, &a.name) {
        (Some(root), Some(name)) => {
            let mut f = || restore(root, name);
            session.execute_rollback(&plan, &a.by, &a.reason, a.dry_run, Some(&mut f))?
        }
        _ => session.execute_rollback(&plan, &a.by, &a.reason, a.dry_run, None)?,
    };
    let failed = report.failed();
    emit(a.json, &report, || {
        for s in &report.steps {
            println!("{:<8} {:<26} {}", s.status, s.step.name(), s.detail);
        }
        println!(
            "rollback attempt {} of {}",
            report.attempt, report.max_attempts
        );
    })?;
    if failed {
        return Err(Failure::silent(crate::ExitStatus::CheckFailed));
    }
    Ok(())
}
