//! Promotion gates computed from data, the drift guard, and the rollback plan as data.

use serde::{Deserialize, Serialize};
use tradewarden_core::ReturnsOptions;
use tradewarden_core::config::Validator;
use tradewarden_core::returns::pbo::{StrategyMatrix, pbo};
use tradewarden_core::returns::promotion::{PsrConvention, deflated_sharpe_ratio};
use tradewarden_core::returns::{max_drawdown, sharpe_ratio};

use crate::canary::Check;
use crate::error::{Error, Result};

/// Promotion gate thresholds; `None` disables a gate. Comparisons are strict
/// (Autotrader: Sharpe > 2.0, |DD| < .15, win rate > .55, trades > 100).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromotionGates {
    /// Walk-forward (out-of-sample) Sharpe must exceed this (annualised per `returns` options).
    pub min_walk_forward_sharpe: Option<f64>,
    /// Deflated Sharpe ratio (a probability) must exceed this.
    pub min_deflated_sharpe: Option<f64>,
    /// Probability of backtest overfitting must be below this.
    pub max_pbo: Option<f64>,
    /// Number of trades must exceed this.
    pub min_trades: Option<u64>,
    /// Share of winning trades must exceed this.
    pub min_win_rate: Option<f64>,
    /// |max drawdown| of the walk-forward returns must be below this.
    pub max_drawdown: Option<f64>,
    /// Number of CSCV blocks for PBO (even, ≥ 2). Default 16 when 0.
    pub pbo_blocks: usize,
    /// Returns conventions (annualisation etc.).
    pub returns: ReturnsOptions,
}

impl PromotionGates {
    /// Autotrader's example: Sharpe > 2.0, |DD| < .15, win rate > .55, trades > 100.
    pub fn autotrader() -> PromotionGates {
        PromotionGates {
            min_walk_forward_sharpe: Some(2.0),
            max_drawdown: Some(0.15),
            min_win_rate: Some(0.55),
            min_trades: Some(100),
            ..Default::default()
        }
    }

    /// Validates thresholds (all violations at once).
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        if let Some(x) = self.min_walk_forward_sharpe {
            v.check(
                x.is_finite(),
                "min_walk_forward_sharpe",
                x,
                "must be finite",
            );
        }
        for (f, x) in [
            ("min_deflated_sharpe", self.min_deflated_sharpe),
            ("max_pbo", self.max_pbo),
            ("min_win_rate", self.min_win_rate),
            ("max_drawdown", self.max_drawdown),
        ] {
            if let Some(x) = x {
                v.in_range(f, x, 0.0, 1.0);
            }
        }
        v.check(
            self.pbo_blocks == 0 || (self.pbo_blocks >= 2 && self.pbo_blocks.is_multiple_of(2)),
            "pbo_blocks",
            self.pbo_blocks,
            "must be 0 (default 16) or even and >= 2",
        );
        v.finish()?;
        Ok(())
    }
}

/// Data the gates are computed from.
#[derive(Debug, Clone, Copy)]
pub struct PromotionInputs<'a> {
    /// Concatenated out-of-sample walk-forward returns of the candidate.
    pub walk_forward_returns: &'a [f64],
    /// Per-period Sharpe ratios of every trial of the search (for DSR).
    pub trial_sharpes: Option<&'a [f64]>,
    /// The periods × strategies returns matrix for PBO, typed: the caller
    /// names its memory order ([`StrategyMatrix::new`] for column-major,
    /// [`StrategyMatrix::from_row_major`] for row-major). It used to be a bare
    /// `(values, rows, cols)` documented row-major but read column-major, so
    /// a row-major caller got a wrong PBO (issue 18: 0.73 instead of 0.12).
    pub strategy_matrix: Option<StrategyMatrix<'a>>,
    /// P&L of each closed trade.
    pub trade_pnls: &'a [f64],
}

/// Gate report: every check and whether all passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionReport {
    /// Every enabled gate.
    pub checks: Vec<Check>,
    /// All passed.
    pub passed: bool,
}

/// Per-period |mean / std| of walk-forward returns above which their
/// dispersion is floating-point rounding, not risk: constant returns (a
/// stub, a stuck strategy) whose mean is not exactly representable. No
/// strategy's per-period Sharpe ratio comes near it (an annualised 20 on
/// daily data is 1.26 per period); the rounding noise of constant growth
/// measured from prices gives 1e11–1e14.
pub const MAX_PER_PERIOD_SHARPE: f64 = 1e9;

/// Computes every enabled gate. A gate whose input is missing fails (NaN value).
///
/// Fail closed: a gate whose value is not finite fails whatever its
/// comparison says — for every gate (walk-forward Sharpe, deflated Sharpe,
/// PBO, trades, win rate, drawdown). Constant positive walk-forward returns
/// (a stub or a stuck strategy) have zero dispersion and a Sharpe of +inf,
/// which `s > threshold` would pass (issue 20); NaN (too few values, a NaN
/// under `nan_policy = propagate`, a missing input) fails too. Constant
/// growth measured from prices (`p[t] / p[t−1] − 1`, whose rounding leaves a
/// dispersion of ~1e-16) counts as constant: a per-period Sharpe ratio above [`MAX_PER_PERIOD_SHARPE`]
/// is reported as ±inf, and the deflated Sharpe of such returns as NaN.
///
/// ```
/// use tradewarden_guardrails::promotion::{PromotionGates, PromotionInputs, evaluate_promotion};
/// let r: Vec<f64> = (0..300).map(|i| 0.002 + 0.01 * ((i % 5) as f64 - 2.0) / 2.0).collect();
/// let pnls: Vec<f64> = (0..150).map(|i| if i % 3 == 0 { -1.0 } else { 1.5 }).collect();
/// let rep = evaluate_promotion(&PromotionGates::autotrader(), &PromotionInputs {
///     walk_forward_returns: &r, trial_sharpes: None, strategy_matrix: None, trade_pnls: &pnls }).unwrap();
/// assert_eq!(rep.checks.len(), 4);
/// ```
pub fn evaluate_promotion(g: &PromotionGates, x: &PromotionInputs<'_>) -> Result<PromotionReport> {
    g.validate()?;
    let mut checks = Vec::new();
    let mut add = |name: &str, value: f64, threshold: f64, passed: bool| {
        checks.push(Check {
            name: name.into(),
            value,
            threshold,
            // fail closed: ±inf or NaN never passes a gate
            passed: value.is_finite() && passed,
        });
    };
    // A constant return series has zero dispersion (the moments are shifted
    // by the first value, so `[0.001; 300]` gives exactly 0 and +inf), but
    // constant growth measured from prices does not: p[t] / p[t−1] − 1 of
    // prices growing 0.1 % a period carries rounding noise of ~1e-16, and
    // the Sharpe ratio is ~1e13 — finite, and it passed `s > 2`. A
    // per-period |mean / std| above MAX_PER_PERIOD_SHARPE is such rounding
    // noise, not a measurement: the gate reports ±inf (the Sharpe ratio of
    // constant returns) and fails, and the deflated Sharpe, which rests on
    // the same dispersion, is NaN and fails.
    let ann = g.returns.validate()?;
    // computed once, and only when a gate reads it
    let needs_sharpe = g.min_walk_forward_sharpe.is_some()
        || (g.min_deflated_sharpe.is_some() && x.trial_sharpes.is_some());
    let wf_sharpe = if needs_sharpe {
        let s = sharpe_ratio(x.walk_forward_returns, &g.returns)?;
        if s.is_finite() && (s / ann.sqrt()).abs() > MAX_PER_PERIOD_SHARPE {
            f64::INFINITY.copysign(s)
        } else {
            s
        }
    } else {
        f64::NAN
    };
    if let Some(t) = g.min_walk_forward_sharpe {
        add("walk_forward_sharpe", wf_sharpe, t, wf_sharpe > t);
    }
    if let Some(t) = g.min_deflated_sharpe {
        let d = match x.trial_sharpes {
            Some(_) if wf_sharpe.is_infinite() => f64::NAN,
            Some(ts) => {
                deflated_sharpe_ratio(x.walk_forward_returns, ts, PsrConvention::Paper, &g.returns)?
            }
            None => f64::NAN,
        };
        add("deflated_sharpe", d, t, d > t);
    }
    if let Some(t) = g.max_pbo {
        let p = match x.strategy_matrix {
            Some(m) => {
                let blocks = if g.pbo_blocks == 0 { 16 } else { g.pbo_blocks };
                pbo(m, blocks)?.pbo
            }
            None => f64::NAN,
        };
        add("pbo", p, t, p < t);
    }
    if let Some(t) = g.min_trades {
        let n = x.trade_pnls.len() as u64;
        add("trades", n as f64, t as f64, n > t);
    }
    if let Some(t) = g.min_win_rate {
        if let Some(i) = x.trade_pnls.iter().position(|p| !p.is_finite()) {
            return Err(Error::invalid(
                "trade_pnls",
                format!("[{i}]"),
                "must be finite",
            ));
        }
        let wr = if x.trade_pnls.is_empty() {
            f64::NAN
        } else {
            x.trade_pnls.iter().filter(|p| **p > 0.0).count() as f64 / x.trade_pnls.len() as f64
        };
        add("win_rate", wr, t, wr > t);
    }
    if let Some(t) = g.max_drawdown {
        let dd = max_drawdown(x.walk_forward_returns, &g.returns)?.abs();
        add("max_drawdown", dd, t, dd < t);
    }
    let passed = checks.iter().all(|c| c.passed);
    Ok(PromotionReport { checks, passed })
}

// ------------------------------------------------------------ drift guard ---

/// Trading-graph drift guard thresholds (drops are positive magnitudes).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftGuard {
    /// Score drop ≥ this → rollback recommended. Default 0.16.
    pub rollback_score_drop: f64,
    /// Accuracy drop ≥ this → rollback recommended. Default 0.10.
    pub rollback_accuracy_drop: f64,
    /// Score drop ≥ this → shadow mode. Default 0.08.
    pub shadow_score_drop: f64,
    /// Accuracy drop ≥ this → shadow mode. Default 0.05.
    pub shadow_accuracy_drop: f64,
}

impl Default for DriftGuard {
    fn default() -> Self {
        DriftGuard {
            rollback_score_drop: 0.16,
            rollback_accuracy_drop: 0.10,
            shadow_score_drop: 0.08,
            shadow_accuracy_drop: 0.05,
        }
    }
}

/// Drift-guard recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftAction {
    /// Keep trading.
    Continue,
    /// Move the model to shadow mode.
    ShadowMode,
    /// Roll back to the last good model.
    RollbackRecommended,
}

impl DriftGuard {
    /// Recommends an action; NaN drops recommend rollback (fail closed).
    pub fn evaluate(&self, score_drop: f64, accuracy_drop: f64) -> DriftAction {
        if !(score_drop.is_finite() && accuracy_drop.is_finite())
            || score_drop >= self.rollback_score_drop
            || accuracy_drop >= self.rollback_accuracy_drop
        {
            DriftAction::RollbackRecommended
        } else if score_drop >= self.shadow_score_drop || accuracy_drop >= self.shadow_accuracy_drop
        {
            DriftAction::ShadowMode
        } else {
            DriftAction::Continue
        }
    }
}

// ---------------------------------------------------------- rollback plan ---

/// One step of the rollback the CLI executes, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RollbackStep {
    /// Write the `KILL_SWITCH` file {activated_at, reason, activated_by}.
    ActivateKillSwitch {
        /// Reason written into the file.
        reason: String,
        /// Actor written into the file.
        activated_by: String,
    },
    /// Send a signal to the trading process.
    SignalTradingProcess {
        /// Signal name.
        signal: String,
    },
    /// Restore the last-good model pointer into the active slot (backing up the old one).
    RestoreLastGoodModel {
        /// Last-good pointer file.
        last_good: String,
        /// Active model location.
        active: String,
    },
    /// Freeze online learning.
    FreezeOnlineLearning {
        /// File written.
        file: String,
        /// Accept threshold written (0.99).
        accept_threshold: f64,
    },
    /// Cap positions.
    PositionOverride {
        /// File written.
        file: String,
        /// Max position as a fraction (0.10).
        max_position_pct: f64,
    },
    /// Notify channels.
    Notify {
        /// Channel names.
        channels: Vec<String>,
    },
}

impl RollbackStep {
    /// The step's name: its `step` tag in JSON (`activate_kill_switch`,
    /// `signal_trading_process`, `restore_last_good_model`,
    /// `freeze_online_learning`, `position_override`, `notify`).
    pub const fn name(&self) -> &'static str {
        match self {
            RollbackStep::ActivateKillSwitch { .. } => "activate_kill_switch",
            RollbackStep::SignalTradingProcess { .. } => "signal_trading_process",
            RollbackStep::RestoreLastGoodModel { .. } => "restore_last_good_model",
            RollbackStep::FreezeOnlineLearning { .. } => "freeze_online_learning",
            RollbackStep::PositionOverride { .. } => "position_override",
            RollbackStep::Notify { .. } => "notify",
        }
    }
}

/// The rollback plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackPlan {
    /// Steps in order.
    pub steps: Vec<RollbackStep>,
    /// Attempts allowed (3).
    pub max_attempts: u32,
    /// Seconds between attempts (300).
    pub cooldown_s: f64,
}

impl RollbackPlan {
    /// Validates the plan (all violations at once): at least one step,
    /// `max_attempts ≥ 1`, `cooldown_s` finite and ≥ 0, an accept threshold
    /// and a max position in [0, 1].
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        v.check(
            !self.steps.is_empty(),
            "steps",
            "[]",
            "at least one step required",
        );
        v.check(
            self.max_attempts >= 1,
            "max_attempts",
            self.max_attempts,
            "must be >= 1",
        );
        v.non_negative("cooldown_s", self.cooldown_s);
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                RollbackStep::FreezeOnlineLearning {
                    accept_threshold, ..
                } => {
                    v.in_range(
                        format!("steps[{i}].accept_threshold"),
                        *accept_threshold,
                        0.0,
                        1.0,
                    );
                }
                RollbackStep::PositionOverride {
                    max_position_pct, ..
                } => {
                    v.in_range(
                        format!("steps[{i}].max_position_pct"),
                        *max_position_pct,
                        0.0,
                        1.0,
                    );
                }
                _ => {}
            }
        }
        v.finish()?;
        Ok(())
    }

    /// The Quant Bot runbook plan.
    pub fn quant_bot(reason: &str, activated_by: &str) -> RollbackPlan {
        RollbackPlan {
            steps: vec![
                RollbackStep::ActivateKillSwitch {
                    reason: reason.into(),
                    activated_by: activated_by.into(),
                },
                RollbackStep::SignalTradingProcess {
                    signal: "SIGTERM".into(),
                },
                RollbackStep::RestoreLastGoodModel {
                    last_good: "models/last_good_model.json".into(),
                    active: "models/active".into(),
                },
                RollbackStep::FreezeOnlineLearning {
                    file: "online_learning_freeze.json".into(),
                    accept_threshold: 0.99,
                },
                RollbackStep::PositionOverride {
                    file: "position_override.json".into(),
                    max_position_pct: 0.10,
                },
                RollbackStep::Notify {
                    channels: vec![
                        "slack".into(),
                        "discord".into(),
                        "pagerduty".into(),
                        "jira".into(),
                    ],
                },
            ],
            max_attempts: 3,
            cooldown_s: 300.0,
        }
    }

    /// Whether an Alertmanager alert triggers an automatic rollback
    /// (runbook: only severity=critical and action=AUTO_KILL_SWITCH).
    pub fn alert_triggers(severity: &str, action: &str) -> bool {
        severity == "critical" && action == "AUTO_KILL_SWITCH"
    }
}

/// Attempt bookkeeping: at most `max_attempts`, `cooldown_s` apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RollbackAttempts {
    /// Unix seconds of each attempt.
    pub attempts: Vec<f64>,
}

impl RollbackAttempts {
    /// Records an attempt at `now` if the plan allows one, else explains why not.
    pub fn try_begin(&mut self, plan: &RollbackPlan, now: f64) -> Result<u32> {
        if self.attempts.len() as u32 >= plan.max_attempts {
            return Err(Error::IllegalTransition {
                from: "rollback",
                to: "rollback",
                reason: format!("max_attempts {} exhausted", plan.max_attempts),
            });
        }
        if let Some(&last) = self.attempts.last()
            && !(now - last >= plan.cooldown_s)
        {
            return Err(Error::IllegalTransition {
                from: "rollback",
                to: "rollback",
                reason: format!(
                    "cooldown: {:.0} s of {} s elapsed",
                    now - last,
                    plan.cooldown_s
                ),
            });
        }
        self.attempts.push(now);
        Ok(self.attempts.len() as u32)
    }
}
