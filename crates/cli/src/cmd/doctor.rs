//! `tradewarden doctor` and `tradewarden health`.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use tradewarden_guardrails::{Policy, StateStore, TradingState};
use tradewarden_inference::registry::Registry;
use tradewarden_metrics::ExporterConfig;

use super::guard::StateDir;
use crate::{Failure, emit};

/// `tradewarden doctor` and `tradewarden health`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    dir: StateDir,
    /// Guardrail policy to validate.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Model registry to verify (the active version of every model).
    #[arg(long)]
    registry: Option<PathBuf>,
    /// Metrics exporter configuration to validate.
    #[arg(long)]
    metrics_config: Option<PathBuf>,
    /// Treat warnings (degraded) as failures (doctor only).
    #[arg(long)]
    strict: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
enum Level {
    Ok,
    Warn,
    Fail,
}

/// One check of the doctor's report.
#[derive(Debug, Serialize)]
struct Check {
    /// What was checked (`state_dir_writable`, `trading_state`, …).
    check: String,
    level: Level,
    /// What was found.
    detail: String,
}

/// The `doctor`/`health` document (`--json`); humans get its `Display`
/// (the checks are listed by `doctor`, not by `health`).
#[derive(Debug, Serialize)]
struct DoctorReport {
    /// `healthy`, `degraded` or `unhealthy` (the worst check).
    status: &'static str,
    checks: Vec<Check>,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<5} {:<20} {}",
            match self.level {
                Level::Ok => "ok",
                Level::Warn => "WARN",
                Level::Fail => "FAIL",
            },
            self.check,
            self.detail
        )
    }
}

fn check(out: &mut Vec<Check>, name: &str, level: Level, detail: String) -> Level {
    out.push(Check {
        check: name.to_string(),
        level,
        detail,
    });
    level
}

fn diagnose(a: &DoctorArgs) -> (Vec<Check>, Level) {
    let mut c = Vec::new();
    let mut worst = Level::Ok;
    let mut add = |c: &mut Vec<Check>, name: &str, l: Level, d: String| {
        worst = worst.max(check(c, name, l, d));
    };
    // writable state directory
    let dir = &a.dir.state_dir;
    let probe = dir.join(".tradewarden-doctor-probe");
    match std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&probe, b"ok")) {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            add(
                &mut c,
                "state_dir_writable",
                Level::Ok,
                dir.display().to_string(),
            );
        }
        Err(e) => add(
            &mut c,
            "state_dir_writable",
            Level::Fail,
            format!("{}: {e}", dir.display()),
        ),
    }
    // trading state
    match StateStore::open(dir) {
        Ok(s) => {
            let st = s.state();
            let l = match st {
                TradingState::Active => Level::Ok,
                TradingState::Reducing => Level::Warn,
                TradingState::Halted | TradingState::Killed => Level::Fail,
            };
            let reason = &s.record().reason;
            add(
                &mut c,
                "trading_state",
                l,
                format!("{} ({reason})", st.as_str()),
            );
        }
        Err(e) => add(&mut c, "trading_state", Level::Fail, e.to_string()),
    }
    // configuration
    match &a.policy {
        Some(p) => match Policy::load(p) {
            Ok(_) => add(&mut c, "policy", Level::Ok, p.display().to_string()),
            Err(e) => add(&mut c, "policy", Level::Fail, e.to_string()),
        },
        None => add(&mut c, "policy", Level::Warn, "no --policy given".into()),
    }
    if let Some(p) = &a.metrics_config {
        match ExporterConfig::load(p) {
            Ok(_) => add(&mut c, "metrics_config", Level::Ok, p.display().to_string()),
            Err(e) => add(&mut c, "metrics_config", Level::Fail, e.to_string()),
        }
    }
    // model artifacts
    match &a.registry {
        Some(root) => match Registry::open(root).and_then(|reg| Ok((reg.models()?, reg))) {
            Ok((names, reg)) => {
                if names.is_empty() {
                    add(
                        &mut c,
                        "model_artifacts",
                        Level::Warn,
                        "registry holds no model".into(),
                    );
                }
                for n in names {
                    match reg.active(&n) {
                        Ok(Some(v)) => match reg.verify(&n, &v) {
                            Ok(_) => add(
                                &mut c,
                                "model_artifacts",
                                Level::Ok,
                                format!("{n} {v} verified"),
                            ),
                            Err(e) => add(
                                &mut c,
                                "model_artifacts",
                                Level::Fail,
                                format!("{n} {v}: {e}"),
                            ),
                        },
                        Ok(None) => add(
                            &mut c,
                            "model_artifacts",
                            Level::Warn,
                            format!("{n}: no active version"),
                        ),
                        Err(e) => add(&mut c, "model_artifacts", Level::Fail, format!("{n}: {e}")),
                    }
                }
            }
            Err(e) => add(&mut c, "model_artifacts", Level::Fail, e.to_string()),
        },
        None => add(
            &mut c,
            "model_artifacts",
            Level::Warn,
            "no --registry given".into(),
        ),
    }
    // dependencies: the inference backend runs
    match tradewarden_inference::demo::load_demo_model(&tradewarden_inference::device::cpu_device())
        .and_then(|m| m.forward_f64(&[0.0, 0.0, 0.16, 0.0], 1))
        .map_err(Failure::from)
    {
        Ok(v) if v.iter().all(|x| x.is_finite()) => add(
            &mut c,
            "inference_backend",
            Level::Ok,
            "cpu forward pass ok".into(),
        ),
        Ok(_) => add(
            &mut c,
            "inference_backend",
            Level::Fail,
            "non-finite output".into(),
        ),
        Err(f) => add(&mut c, "inference_backend", Level::Fail, f.message),
    }
    (c, worst)
}

fn status_name(l: Level) -> &'static str {
    match l {
        Level::Ok => "healthy",
        Level::Warn => "degraded",
        Level::Fail => "unhealthy",
    }
}

/// `doctor` (0 unless unhealthy, or degraded with --strict) and `health`
/// (0 healthy, 6 degraded, 7 unhealthy).
pub(crate) fn run(a: DoctorArgs, health: bool) -> Result<(), Failure> {
    let (checks, worst) = diagnose(&a);
    let report = DoctorReport {
        status: status_name(worst),
        checks,
    };
    emit(a.json, &report, || {
        if !health {
            for c in &report.checks {
                println!("{c}");
            }
        }
        println!("{}", report.status);
    })?;
    match worst {
        Level::Ok => Ok(()),
        Level::Warn if health || a.strict => Err(Failure::silent(crate::ExitStatus::CheckFailed)),
        Level::Warn => Ok(()),
        Level::Fail => Err(Failure::silent(crate::ExitStatus::Unhealthy)),
    }
}
