//! `tradewarden canary`: the stage ladder.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Serialize;
use tradewarden_guardrails::canary::{CanaryConfig, CanaryMachine, StageAction, StageObservation};
use tradewarden_guardrails::promotion::RollbackPlan;
use tradewarden_guardrails::rollback::CanaryState;
use tradewarden_guardrails::{Session, SessionConfig};

use super::guard::StateDir;
use crate::{Failure, emit};

/// `tradewarden canary`.
#[derive(Debug, Args)]
pub(crate) struct CanaryArgs {
    #[command(flatten)]
    dir: StateDir,
    #[command(subcommand)]
    command: CanaryCommand,
}

#[derive(Debug, Subcommand)]
enum CanaryCommand {
    /// Current stage of the canary ladder (Quant Bot stages).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate the current stage on an observation file (JSON/TOML/YAML);
    /// with --apply, advance or roll back. Exit 6 on rollback.
    Evaluate {
        /// The observation: days, real_pnl, sim_pnl, drawdown, slippage_ratio,
        /// critical_alerts, precision, baseline_precision.
        #[arg(long)]
        observation: PathBuf,
        /// Apply the action to the persisted stage.
        #[arg(long)]
        apply: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Where the ladder stands: stage, days in stage vs its minimum, each
    /// promotion criterion (threshold, last observed value, pass/fail/unknown),
    /// the next stage and the armed rollback triggers. Always exit 0.
    Progress {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The `canary status` document (`--json`); humans get its `Display`.
#[derive(Debug, Serialize)]
struct CanaryStatus {
    stage: String,
    stage_index: usize,
    aum_share: f64,
    min_days: u32,
    rolled_back: bool,
}

impl std::fmt::Display for CanaryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stage {} ({} of AUM, min {} days){}",
            self.stage,
            self.aum_share,
            self.min_days,
            if self.rolled_back {
                " — rolled back before"
            } else {
                ""
            }
        )
    }
}

/// A number, or none (JSON null) when not finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The `canary progress` document (`--json`); humans get its `Display`.
#[derive(Debug, Serialize)]
struct CanaryProgress {
    stage: String,
    stage_index: usize,
    stage_number: usize,
    n_stages: usize,
    aum_share: f64,
    min_days: u32,
    /// Days in the stage (from the last observation, or since it was entered).
    days_in_stage: Option<i64>,
    /// `last_observation` or `since_entered`.
    days_source: Option<&'static str>,
    stage_entered_at: Option<i64>,
    rolled_back: bool,
    criteria: Vec<CriterionProgress>,
    /// `pass` (every criterion), `fail` (one or more) or `unknown`.
    criteria_status: &'static str,
    next_stage: Option<NextStage>,
    rollback_triggers: Vec<RollbackTrigger>,
    last_evaluation: Option<AppliedEvaluation>,
}

/// One promotion criterion of the current stage and its last observed value.
#[derive(Debug, Serialize)]
struct CriterionProgress {
    name: &'static str,
    rule: String,
    comparison: &'static str,
    threshold: f64,
    /// Last observed value (none: not checked, or not a number).
    value: Option<f64>,
    /// `pass`, `fail` or `unknown`.
    status: &'static str,
    note: Option<&'static str>,
    unknown_because: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct NextStage {
    name: String,
    stage_index: usize,
    aum_share: f64,
    min_days: u32,
}

/// The observed value of a rollback trigger: a count or a level.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum TriggerValue {
    Count(u32),
    Level(Option<f64>),
}

#[derive(Debug, Serialize)]
struct RollbackTrigger {
    name: &'static str,
    rule: String,
    armed: bool,
    value: Option<TriggerValue>,
    /// Whether the last observation triggered it (none: no observation).
    triggered: Option<bool>,
}

#[derive(Debug, Serialize)]
struct AppliedEvaluation {
    at: i64,
    stage: String,
    stage_index: usize,
    action: StageAction,
    /// Whether it belongs to the current stage.
    current_stage: bool,
}

impl CanaryProgress {
    fn new(m: &CanaryMachine, f: &CanaryState, config: &CanaryConfig, now: i64) -> CanaryProgress {
        let s = m.stage();
        let idx = m.index();
        // the last applied evaluation belongs to the current stage when it was of
        // this stage and did not move the ladder (hold, or complete at the top)
        let current = f.last_evaluation.as_ref().filter(|e| {
            e.stage_index == idx
                && !matches!(
                    e.action,
                    StageAction::Advance { .. } | StageAction::Rollback { .. }
                )
        });
        let obs = current.map(|e| StageObservation::from(&e.observation));
        let checks = obs.map(|o| m.evaluate(&o).checks).unwrap_or_default();
        let (days_in_stage, days_source) = match (&obs, f.stage_entered_at) {
            (Some(o), _) => (Some(i64::from(o.days)), Some("last_observation")),
            (None, Some(t)) => (Some((now - t).max(0) / 86_400), Some("since_entered")),
            (None, None) => (None, None),
        };
        let criteria: Vec<CriterionProgress> = s
            .criteria()
            .into_iter()
            .map(|c| {
                let hit = checks.iter().find(|k| k.name == c.name);
                let (value, status, unknown_because) = match (hit, &obs) {
                    (Some(k), _) => (
                        finite(k.value),
                        if k.passed { "pass" } else { "fail" },
                        (!k.value.is_finite()).then_some("the observed value is not a number"),
                    ),
                    (None, Some(_)) => (
                        None,
                        "unknown",
                        Some("not checked by the last evaluation (sim_pnl = 0)"),
                    ),
                    (None, None) => (
                        None,
                        "unknown",
                        Some("no evaluation applied in this stage yet"),
                    ),
                };
                CriterionProgress {
                    name: c.name,
                    rule: format!("{} {} {}", c.name, c.comparison, c.threshold),
                    comparison: c.comparison,
                    threshold: c.threshold,
                    value,
                    status,
                    note: c.note,
                    unknown_because,
                }
            })
            .collect();
        let criteria_status = if criteria.iter().all(|c| c.status == "pass") {
            "pass"
        } else if criteria.iter().any(|c| c.status == "fail") {
            "fail"
        } else {
            "unknown"
        };
        let next_stage = config.stages.get(idx + 1).map(|n| NextStage {
            name: n.name.clone(),
            stage_index: idx + 1,
            aum_share: n.aum_share,
            min_days: n.min_days,
        });
        let dd = obs.map(|o| o.drawdown);
        let alerts = obs.map(|o| o.critical_alerts);
        let rollback_triggers = vec![
            RollbackTrigger {
                name: "critical_alerts",
                rule: "critical_alerts > 0".into(),
                armed: true,
                value: alerts.map(TriggerValue::Count),
                triggered: alerts.map(|a| a > 0),
            },
            match s.max_drawdown {
                Some(l) => RollbackTrigger {
                    name: "max_drawdown",
                    rule: format!("drawdown > {l} or not finite"),
                    armed: true,
                    value: dd.map(|d| TriggerValue::Level(finite(d))),
                    triggered: dd.map(|d| !(d.is_finite() && d <= l)),
                },
                None => RollbackTrigger {
                    name: "max_drawdown",
                    rule: "drawdown not finite (no drawdown limit in this stage)".into(),
                    armed: true,
                    value: dd.map(|d| TriggerValue::Level(finite(d))),
                    triggered: dd.map(|d| !d.is_finite()),
                },
            },
        ];
        let last_evaluation = f.last_evaluation.as_ref().map(|e| AppliedEvaluation {
            at: e.at,
            stage: e.stage.clone(),
            stage_index: e.stage_index,
            action: e.action.clone(),
            current_stage: current.is_some(),
        });
        CanaryProgress {
            stage: s.name.clone(),
            stage_index: idx,
            stage_number: idx + 1,
            n_stages: config.stages.len(),
            aum_share: s.aum_share,
            min_days: s.min_days,
            days_in_stage,
            days_source,
            stage_entered_at: f.stage_entered_at,
            rolled_back: f.rolled_back,
            criteria,
            criteria_status,
            next_stage,
            rollback_triggers,
            last_evaluation,
        }
    }
}

/// A number as the progress table shows it: whole numbers without decimals,
/// others with up to 4; "—" for none.
fn num_txt(x: Option<f64>) -> String {
    match x {
        None => "—".to_string(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x:.4}").trim_end_matches('0').to_string(),
    }
}

fn action_name(a: &StageAction) -> &'static str {
    match a {
        StageAction::Advance { .. } => "advance",
        StageAction::Hold => "hold",
        StageAction::Rollback { .. } => "rollback",
        StageAction::Complete => "complete",
    }
}

impl std::fmt::Display for CanaryProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = |x: f64| format!("{}%", x * 100.0);
        writeln!(
            f,
            "stage {} of {}: {} ({} of AUM){}",
            self.stage_number,
            self.n_stages,
            self.stage,
            share(self.aum_share),
            if self.rolled_back {
                " — rolled back before"
            } else {
                ""
            }
        )?;
        match (self.days_source, self.days_in_stage) {
            (Some(src), Some(days)) => writeln!(
                f,
                "days in stage: {days} of min {} ({})",
                self.min_days,
                src.replace('_', " ")
            )?,
            _ => writeln!(
                f,
                "days in stage: unknown (no evaluation applied in this stage), min {}",
                self.min_days
            )?,
        }
        writeln!(f, "promotion criteria ({}):", self.criteria_status)?;
        for c in &self.criteria {
            writeln!(
                f,
                "  {:<16} {:<2} {:>8}   last {:>10}   {}",
                c.name,
                c.comparison,
                num_txt(Some(c.threshold)),
                num_txt(c.value),
                c.status
            )?;
        }
        match &self.next_stage {
            Some(n) => writeln!(
                f,
                "next stage: {} ({} of AUM, min {} days)",
                n.name,
                share(n.aum_share),
                n.min_days
            )?,
            None => writeln!(f, "next stage: none (last stage)")?,
        }
        writeln!(f, "rollback triggers armed:")?;
        for t in &self.rollback_triggers {
            writeln!(
                f,
                "  {}{}",
                t.rule,
                match t.triggered {
                    Some(true) => "   TRIGGERED by the last observation",
                    Some(false) => "   (last observation: clear)",
                    None => "",
                }
            )?;
        }
        if let Some(e) = &self.last_evaluation {
            writeln!(
                f,
                "last evaluation applied: {} in stage {} → {}",
                crate::cmd::day_str(e.at),
                e.stage,
                action_name(&e.action)
            )?;
        }
        Ok(())
    }
}

fn canary_machine(dir: &Path) -> Result<(CanaryMachine, CanaryState), Failure> {
    let f = CanaryState::load(dir)?;
    let m = f.machine(CanaryConfig::default(), dir)?;
    Ok((m, f))
}

pub(crate) fn run(a: CanaryArgs) -> Result<(), Failure> {
    let dir = a.dir.state_dir;
    match a.command {
        CanaryCommand::Status { json } => {
            let (m, f) = canary_machine(&dir)?;
            let status = CanaryStatus {
                stage: m.stage().name.clone(),
                stage_index: m.index(),
                aum_share: m.stage().aum_share,
                min_days: m.stage().min_days,
                rolled_back: f.rolled_back,
            };
            emit(json, &status, || println!("{status}"))
        }
        CanaryCommand::Progress { json } => {
            let (m, f) = canary_machine(&dir)?;
            let progress = CanaryProgress::new(&m, &f, &CanaryConfig::default(), super::unix_now());
            emit(json, &progress, || print!("{progress}"))
        }
        CanaryCommand::Evaluate {
            observation,
            apply,
            json,
        } => {
            let obs: StageObservation = tradewarden_core::config::load_config(&observation)?;
            let plan = RollbackPlan::quant_bot("canary stage failed", "canary");
            let out = if apply {
                let mut session = Session::operator(SessionConfig::in_dir(&dir))?;
                session.evaluate_canary(CanaryConfig::default(), &obs, true, &plan, None)?
            } else {
                // Evaluation only: nothing is opened for writing.
                let (m, _) = canary_machine(&dir)?;
                tradewarden_guardrails::rollback::CanaryOutcome {
                    evaluation: m.try_evaluate(&obs)?,
                    applied: false,
                    rollback: None,
                }
            };
            let ev = out.evaluation;
            emit(json, &ev, || {
                for c in &ev.checks {
                    println!(
                        "{:<22} {:>10.4} vs {:>10.4}  {}",
                        c.name,
                        c.value,
                        c.threshold,
                        if c.passed { "pass" } else { "FAIL" }
                    );
                }
                println!(
                    "{}: {:?}{}",
                    ev.stage,
                    ev.action,
                    if apply { " (applied)" } else { "" }
                );
            })?;
            if matches!(ev.action, StageAction::Rollback { .. }) {
                return Err(Failure::silent(crate::ExitStatus::CheckFailed));
            }
            Ok(())
        }
    }
}
