//! `tradewarden canary`: the stage ladder.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Value, json};
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

/// A JSON number, or null when not finite.
fn num(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The `canary progress` document.
fn progress_doc(m: &CanaryMachine, f: &CanaryState, config: &CanaryConfig, now: i64) -> Value {
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
    let (days, days_source) = match (&obs, f.stage_entered_at) {
        (Some(o), _) => (json!(o.days), json!("last_observation")),
        (None, Some(t)) => (json!((now - t).max(0) / 86_400), json!("since_entered")),
        (None, None) => (Value::Null, Value::Null),
    };
    let criteria: Vec<Value> = s
        .criteria()
        .into_iter()
        .map(|c| {
            let (name, op, threshold, note) = (c.name, c.comparison, c.threshold, c.note);
            let hit = checks.iter().find(|c| c.name == name);
            let (value, status, why) = match (hit, &obs) {
                (Some(c), _) => (
                    num(c.value),
                    if c.passed { "pass" } else { "fail" },
                    (!c.value.is_finite()).then_some("the observed value is not a number"),
                ),
                (None, Some(_)) => (
                    Value::Null,
                    "unknown",
                    Some("not checked by the last evaluation (sim_pnl = 0)"),
                ),
                (None, None) => (
                    Value::Null,
                    "unknown",
                    Some("no evaluation applied in this stage yet"),
                ),
            };
            json!({"name": name, "rule": format!("{name} {op} {threshold}"),
                   "comparison": op, "threshold": threshold, "value": value,
                   "status": status, "note": note, "unknown_because": why})
        })
        .collect();
    let all_pass = criteria.iter().all(|c| c["status"] == "pass");
    let any_fail = criteria.iter().any(|c| c["status"] == "fail");
    let next = config.stages.get(idx + 1).map(|n| {
        json!({"name": n.name, "stage_index": idx + 1, "aum_share": n.aum_share,
               "min_days": n.min_days})
    });
    let dd_value = obs.map(|o| o.drawdown);
    let alerts_value = obs.map(|o| o.critical_alerts);
    let mut triggers = vec![json!({
        "name": "critical_alerts",
        "rule": "critical_alerts > 0",
        "armed": true,
        "value": alerts_value,
        "triggered": alerts_value.map(|a| a > 0),
    })];
    triggers.push(match s.max_drawdown {
        Some(l) => json!({
            "name": "max_drawdown",
            "rule": format!("drawdown > {l} or not finite"),
            "armed": true,
            "value": dd_value.map(num),
            "triggered": dd_value.map(|d| !(d.is_finite() && d <= l)),
        }),
        None => json!({
            "name": "max_drawdown",
            "rule": "drawdown not finite (no drawdown limit in this stage)",
            "armed": true,
            "value": dd_value.map(num),
            "triggered": dd_value.map(|d| !d.is_finite()),
        }),
    });
    let last = f.last_evaluation.as_ref().map(|e| {
        json!({"at": e.at, "stage": e.stage, "stage_index": e.stage_index,
               "action": e.action, "current_stage": current.is_some()})
    });
    json!({
        "stage": s.name,
        "stage_index": idx,
        "stage_number": idx + 1,
        "n_stages": config.stages.len(),
        "aum_share": s.aum_share,
        "min_days": s.min_days,
        "days_in_stage": days,
        "days_source": days_source,
        "stage_entered_at": f.stage_entered_at,
        "rolled_back": f.rolled_back,
        "criteria": criteria,
        "criteria_status": if all_pass { "pass" } else if any_fail { "fail" } else { "unknown" },
        "next_stage": next,
        "rollback_triggers": triggers,
        "last_evaluation": last,
    })
}

fn print_progress(doc: &Value) {
    let txt = |v: &Value| match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else {
                let t = format!("{x:.4}");
                t.trim_end_matches('0').to_string()
            }
        }
        other => other.to_string(),
    };
    let share = |v: &Value| format!("{}%", v.as_f64().unwrap_or(f64::NAN) * 100.0);
    println!(
        "stage {} of {}: {} ({} of AUM){}",
        doc["stage_number"],
        doc["n_stages"],
        txt(&doc["stage"]),
        share(&doc["aum_share"]),
        if doc["rolled_back"] == true {
            " — rolled back before"
        } else {
            ""
        }
    );
    match doc["days_source"].as_str() {
        Some(src) => println!(
            "days in stage: {} of min {} ({})",
            doc["days_in_stage"],
            doc["min_days"],
            src.replace('_', " ")
        ),
        None => println!(
            "days in stage: unknown (no evaluation applied in this stage), min {}",
            doc["min_days"]
        ),
    }
    println!("promotion criteria ({}):", txt(&doc["criteria_status"]));
    for c in doc["criteria"].as_array().into_iter().flatten() {
        println!(
            "  {:<16} {:<2} {:>8}   last {:>10}   {}",
            txt(&c["name"]),
            txt(&c["comparison"]),
            txt(&c["threshold"]),
            txt(&c["value"]),
            txt(&c["status"])
        );
    }
    match doc["next_stage"].as_object() {
        Some(n) => println!(
            "next stage: {} ({} of AUM, min {} days)",
            txt(&n["name"]),
            share(&n["aum_share"]),
            txt(&n["min_days"])
        ),
        None => println!("next stage: none (last stage)"),
    }
    println!("rollback triggers armed:");
    for t in doc["rollback_triggers"].as_array().into_iter().flatten() {
        println!(
            "  {}{}",
            txt(&t["rule"]),
            match t["triggered"].as_bool() {
                Some(true) => "   TRIGGERED by the last observation",
                Some(false) => "   (last observation: clear)",
                None => "",
            }
        );
    }
    if let Some(e) = doc["last_evaluation"].as_object() {
        println!(
            "last evaluation applied: {} in stage {} → {}",
            crate::cmd::day_str(e["at"].as_i64().unwrap_or(0)),
            txt(&e["stage"]),
            txt(&e["action"]["action"])
        );
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
            let doc = json!({"stage": m.stage().name, "stage_index": m.index(),
                             "aum_share": m.stage().aum_share, "min_days": m.stage().min_days,
                             "rolled_back": f.rolled_back});
            emit(json, &doc, || {
                println!(
                    "stage {} ({} of AUM, min {} days){}",
                    m.stage().name,
                    m.stage().aum_share,
                    m.stage().min_days,
                    if f.rolled_back {
                        " — rolled back before"
                    } else {
                        ""
                    }
                );
            })
        }
        CanaryCommand::Progress { json } => {
            let (m, f) = canary_machine(&dir)?;
            let doc = progress_doc(&m, &f, &CanaryConfig::default(), super::unix_now());
            emit(json, &doc, || print_progress(&doc))
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
            let doc = serde_json::to_value(&ev).map_err(|e| crate::internal(e.to_string()))?;
            emit(json, &doc, || {
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
