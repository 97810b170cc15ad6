//! The canary store and the rollback executor, as [`Session`] methods: the
//! persisted canary ladder (`canary_state.json`), evaluation with `apply`,
//! and Quant Bot's rollback plan run against the session — kill switch,
//! registry rollback to last-good (through a caller-supplied step, since the
//! registry lives in `tradewarden-inference`), learning freeze and the
//! position-size override the engine applies as a clip. Attempts are
//! limited and spaced by the plan (`rollback_attempts.json`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::canary::{CanaryConfig, CanaryMachine, StageAction, StageEvaluation, StageObservation};
use crate::error::{Error, Result};
use crate::journal::f64_text;
use crate::promotion::{RollbackAttempts, RollbackPlan, RollbackStep};
use crate::session::Session;
use crate::state::now_s;

/// File of the persisted canary ladder.
pub const CANARY_FILE: &str = "canary_state.json";
/// File of the rollback attempts.
pub const ATTEMPTS_FILE: &str = "rollback_attempts.json";

/// A [`StageObservation`] as stored (non-finite numbers kept as text).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationRecord {
    /// Days in the stage.
    pub days: u32,
    /// Real P&L.
    #[serde(with = "f64_text::opt", default)]
    pub real_pnl: Option<f64>,
    /// Simulated P&L.
    #[serde(with = "f64_text::opt", default)]
    pub sim_pnl: Option<f64>,
    /// Drawdown (positive fraction).
    #[serde(with = "f64_text::opt", default)]
    pub drawdown: Option<f64>,
    /// Slippage ratio.
    #[serde(with = "f64_text::opt", default)]
    pub slippage_ratio: Option<f64>,
    /// Critical alerts.
    pub critical_alerts: u32,
    /// Live precision.
    #[serde(with = "f64_text::opt", default)]
    pub precision: Option<f64>,
    /// Baseline precision.
    #[serde(with = "f64_text::opt", default)]
    pub baseline_precision: Option<f64>,
}

impl From<&StageObservation> for ObservationRecord {
    fn from(o: &StageObservation) -> Self {
        ObservationRecord {
            days: o.days,
            real_pnl: Some(o.real_pnl),
            sim_pnl: Some(o.sim_pnl),
            drawdown: Some(o.drawdown),
            slippage_ratio: Some(o.slippage_ratio),
            critical_alerts: o.critical_alerts,
            precision: Some(o.precision),
            baseline_precision: Some(o.baseline_precision),
        }
    }
}

impl From<&ObservationRecord> for StageObservation {
    fn from(o: &ObservationRecord) -> Self {
        let f = |x: Option<f64>| x.unwrap_or(f64::NAN);
        StageObservation {
            days: o.days,
            real_pnl: f(o.real_pnl),
            sim_pnl: f(o.sim_pnl),
            drawdown: f(o.drawdown),
            slippage_ratio: f(o.slippage_ratio),
            critical_alerts: o.critical_alerts,
            precision: f(o.precision),
            baseline_precision: f(o.baseline_precision),
        }
    }
}

/// An applied evaluation: when, which stage, what was observed, what followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastEvaluation {
    /// Unix seconds.
    pub at: i64,
    /// Stage index evaluated.
    pub stage_index: usize,
    /// Stage name.
    pub stage: String,
    /// The observation.
    pub observation: ObservationRecord,
    /// What followed.
    pub action: StageAction,
}

/// The persisted canary ladder (`canary_state.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryState {
    /// Current stage index.
    pub stage_index: usize,
    /// Whether a rollback was ever applied.
    pub rolled_back: bool,
    /// When the current stage was entered (Unix seconds); absent on a fresh ladder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_entered_at: Option<i64>,
    /// The last evaluation applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_evaluation: Option<LastEvaluation>,
}

impl CanaryState {
    /// Reads the ladder of a state directory (default when absent; corrupt →
    /// [`Error::Corrupt`]).
    pub fn load(dir: &Path) -> Result<CanaryState> {
        let path = dir.join(CANARY_FILE);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Corrupt {
                path: path.clone(),
                reason: format!("canary state: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CanaryState::default()),
            Err(e) => Err(Error::Io { path, source: e }),
        }
    }

    /// Writes the ladder atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let b = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::invalid("canary_state", self.stage_index, e.to_string()))?;
        Ok(tradewarden_core::fs::write_atomic(
            dir.join(CANARY_FILE),
            &b,
        )?)
    }

    /// The stage machine positioned at this ladder's stage (an index out of
    /// range for `config` is [`Error::Corrupt`]).
    pub fn machine(&self, config: CanaryConfig, dir: &Path) -> Result<CanaryMachine> {
        let mut m = CanaryMachine::new(config)?;
        for to in 1..=self.stage_index {
            m.apply(&StageAction::Advance { to });
        }
        if m.index() != self.stage_index {
            return Err(Error::Corrupt {
                path: dir.join(CANARY_FILE),
                reason: format!("stage index {} out of range", self.stage_index),
            });
        }
        Ok(m)
    }
}

/// One executed rollback step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// The step.
    pub step: RollbackStep,
    /// `done`, `failed`, `skipped` or `planned` (dry run).
    pub status: String,
    /// What happened.
    pub detail: String,
}

/// The result of a rollback run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackReport {
    /// Attempt number (1-based).
    pub attempt: u32,
    /// Attempts the plan allows.
    pub max_attempts: u32,
    /// Seconds between attempts.
    pub cooldown_s: f64,
    /// Whether nothing was executed.
    pub dry_run: bool,
    /// Each step in order.
    pub steps: Vec<StepOutcome>,
}

impl RollbackReport {
    /// Whether any step failed.
    pub fn failed(&self) -> bool {
        self.steps.iter().any(|s| s.status == "failed")
    }
}

/// Restores the last-good model (the registry's rollback), returning what
/// is active now or why it failed. Supplied by the caller: the registry
/// lives in `tradewarden-inference`.
pub type RestoreModel<'a> = &'a mut dyn FnMut() -> std::result::Result<String, String>;

/// The outcome of [`Session::evaluate_canary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryOutcome {
    /// The evaluation.
    pub evaluation: StageEvaluation,
    /// Whether it was applied to the persisted ladder.
    pub applied: bool,
    /// The rollback run when the applied action was a rollback.
    pub rollback: Option<RollbackReport>,
}

impl Session {
    fn dir_required(&self, what: &'static str) -> Result<std::path::PathBuf> {
        self.store()
            .map(|s| s.dir().to_path_buf())
            .ok_or_else(|| Error::IllegalTransition {
                from: "in-memory",
                to: what,
                reason: "needs a session with a state directory".into(),
            })
    }

    /// The persisted canary ladder.
    pub fn canary_state(&self) -> Result<CanaryState> {
        CanaryState::load(&self.dir_required("canary")?)
    }

    /// Evaluates the current canary stage ([`CanaryMachine::try_evaluate`]:
    /// a negative drawdown is refused). With `apply`, the ladder advances or
    /// rolls back and is persisted; an applied rollback runs the rollback
    /// `plan` against this session.
    pub fn evaluate_canary(
        &mut self,
        config: CanaryConfig,
        obs: &StageObservation,
        apply: bool,
        plan: &RollbackPlan,
        restore: Option<RestoreModel<'_>>,
    ) -> Result<CanaryOutcome> {
        let (who, why) = ("canary", "canary stage failed");
        let dir = self.dir_required("canary")?;
        let mut st = CanaryState::load(&dir)?;
        let mut m = st.machine(config, &dir)?;
        let ev = m.try_evaluate(obs)?;
        if !apply {
            return Ok(CanaryOutcome {
                evaluation: ev,
                applied: false,
                rollback: None,
            });
        }
        let before = m.index();
        m.apply(&ev.action);
        let now = now_s() as i64;
        let is_rollback = matches!(ev.action, StageAction::Rollback { .. });
        if is_rollback || m.index() != before {
            st.stage_entered_at = Some(now);
        }
        st.last_evaluation = Some(LastEvaluation {
            at: now,
            stage_index: before,
            stage: ev.stage.clone(),
            observation: ObservationRecord::from(obs),
            action: ev.action.clone(),
        });
        st.stage_index = m.index();
        st.rolled_back |= m.rolled_back();
        st.save(&dir)?;
        let rollback = if is_rollback {
            Some(self.execute_rollback(plan, who, why, false, restore)?)
        } else {
            None
        };
        Ok(CanaryOutcome {
            evaluation: ev,
            applied: true,
            rollback,
        })
    }

    /// Runs a rollback plan (at most `max_attempts`, `cooldown_s` apart,
    /// counted in `rollback_attempts.json`): the kill switch through
    /// [`Session::kill`], the model through `restore` (skipped when `None`),
    /// the learning freeze and the position-size override through the
    /// session's persisted overrides (the engine clips every order to the
    /// plan's fraction). A failed step does not stop the others; the report
    /// says which failed. `dry_run` executes nothing and records nothing.
    pub fn execute_rollback(
        &mut self,
        plan: &RollbackPlan,
        who: &str,
        why: &str,
        dry_run: bool,
        mut restore: Option<RestoreModel<'_>>,
    ) -> Result<RollbackReport> {
        plan.validate()?;
        if who.trim().is_empty() || why.trim().is_empty() {
            return Err(Error::invalid(
                "who/why",
                format!("{who:?}/{why:?}"),
                "a rollback must name who and why",
            ));
        }
        let dir = self.dir_required("rollback")?;
        let apath = dir.join(ATTEMPTS_FILE);
        let mut attempts: RollbackAttempts = match std::fs::read(&apath) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Corrupt {
                path: apath.clone(),
                reason: format!("rollback attempts: {e}"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RollbackAttempts::default(),
            Err(e) => {
                return Err(Error::Io {
                    path: apath,
                    source: e,
                });
            }
        };
        let attempt = if dry_run {
            attempts.attempts.len() as u32 + 1
        } else {
            let n = attempts.try_begin(plan, now_s())?;
            let b = serde_json::to_vec_pretty(&attempts)
                .map_err(|e| Error::invalid("rollback_attempts", n, e.to_string()))?;
            tradewarden_core::fs::write_atomic(&apath, &b)?;
            n
        };
        let mut steps = Vec::with_capacity(plan.steps.len());
        for step in &plan.steps {
            let (status, detail): (&str, String) = if dry_run {
                ("planned", String::new())
            } else {
                match step {
                    RollbackStep::ActivateKillSwitch {
                        reason,
                        activated_by,
                    } => match self.kill(reason, activated_by) {
                        Ok(()) => ("done", "KILL_SWITCH written, state KILLED".into()),
                        Err(e) => ("failed", format!("session KILLED, persisting failed: {e}")),
                    },
                    RollbackStep::SignalTradingProcess { signal } => (
                        "skipped",
                        format!(
                            "{signal}: not needed — every session on the directory sees \
                             KILL_SWITCH through its watcher"
                        ),
                    ),
                    RollbackStep::RestoreLastGoodModel { .. } => match restore.as_mut() {
                        Some(f) => match f() {
                            Ok(v) => ("done", v),
                            Err(e) => ("failed", e),
                        },
                        None => ("skipped", "no model registry given".into()),
                    },
                    RollbackStep::FreezeOnlineLearning { .. } => {
                        match self.set_learning_frozen(true, who, why) {
                            Ok(()) => ("done", "learning frozen (overrides.json)".into()),
                            Err(e) => ("failed", e.to_string()),
                        }
                    }
                    RollbackStep::PositionOverride {
                        max_position_pct, ..
                    } => match self.set_size_override(*max_position_pct, who, why) {
                        Ok(()) => (
                            "done",
                            format!("orders clipped to {max_position_pct} of their size"),
                        ),
                        Err(e) => ("failed", e.to_string()),
                    },
                    RollbackStep::Notify { channels } => (
                        "skipped",
                        format!("no notifier configured for {}", channels.join(", ")),
                    ),
                }
            };
            steps.push(StepOutcome {
                step: step.clone(),
                status: status.into(),
                detail,
            });
        }
        if !dry_run {
            self.journal_override(who, why, &format!("rollback attempt {attempt}"))?;
        }
        Ok(RollbackReport {
            attempt,
            max_attempts: plan.max_attempts,
            cooldown_s: plan.cooldown_s,
            dry_run,
            steps,
        })
    }
}
