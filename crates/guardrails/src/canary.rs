//! Canary stages, shadow gates (RAG rating) and the statistical canary judge.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tradewarden_core::config::Validator;
use tradewarden_core::stats::mannwhitney::{MwuAlternative, MwuMethod, mannwhitneyu};

use crate::error::{Error, Result};
use crate::telemetry;

// ---------------------------------------------------------------- stages ---

/// One canary stage (Quant Bot runbook columns). `None` disables a criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Stage name.
    pub name: String,
    /// Share of AUM traded in this stage (fraction).
    pub aum_share: f64,
    /// Minimum days in stage before promotion.
    pub min_days: u32,
    /// Largest drawdown (fraction); a breach triggers rollback.
    pub max_drawdown: Option<f64>,
    /// Largest |real − sim| ÷ |sim| P&L deviation (skipped when sim = 0 or in a 0-AUM stage).
    pub pnl_deviation: Option<f64>,
    /// Largest realised ÷ expected slippage.
    pub slippage_multiplier: f64,
    /// Smallest live ÷ baseline precision.
    pub precision_ratio: f64,
}

/// One promotion criterion of a stage, as [`CanaryMachine::evaluate`]
/// checks it: `name comparison threshold` (the name of its [`Check`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Criterion {
    /// The check's name (`min_days`, `pnl_deviation`, …).
    pub name: &'static str,
    /// `>=`, `<=` or `==`.
    pub comparison: &'static str,
    /// The stage's limit.
    pub threshold: f64,
    /// When it is skipped or what it means, if not obvious.
    pub note: Option<&'static str>,
}

impl StageSpec {
    /// The promotion criteria of this stage, in the order
    /// [`CanaryMachine::evaluate`] reports its checks (`pnl_deviation` only
    /// in a stage with AUM and a limit; it is not checked when the
    /// observation's `sim_pnl` is 0).
    ///
    /// ```
    /// use tradewarden_guardrails::canary::CanaryConfig;
    /// let shadow = &CanaryConfig::default().stages[0];
    /// let names: Vec<_> = shadow.criteria().iter().map(|c| c.name).collect();
    /// assert_eq!(names, ["min_days", "slippage_ratio", "critical_alerts", "precision_ratio"]);
    /// ```
    pub fn criteria(&self) -> Vec<Criterion> {
        let c = |name, comparison, threshold, note| Criterion {
            name,
            comparison,
            threshold,
            note,
        };
        let mut out = vec![c("min_days", ">=", f64::from(self.min_days), None)];
        if let Some(l) = self.pnl_deviation
            && self.aum_share > 0.0
        {
            out.push(c(
                "pnl_deviation",
                "<=",
                l,
                Some("|real − sim| ÷ |sim| P&L; not checked when sim_pnl = 0"),
            ));
        }
        if let Some(l) = self.max_drawdown {
            out.push(c("max_drawdown", "<=", l, Some("a breach rolls back")));
        }
        out.push(c("slippage_ratio", "<=", self.slippage_multiplier, None));
        out.push(c("critical_alerts", "==", 0.0, Some("any rolls back")));
        out.push(c(
            "precision_ratio",
            ">=",
            self.precision_ratio,
            Some("precision ÷ baseline_precision"),
        ));
        out
    }
}

/// The stage ladder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryConfig {
    /// Stages in order; the last one is production.
    pub stages: Vec<StageSpec>,
}

impl Default for CanaryConfig {
    /// The Quant Bot stages: shadow, canary_1, canary_2, production.
    fn default() -> Self {
        let s = |name: &str, aum, days, dd, dev, slip, prec| StageSpec {
            name: name.into(),
            aum_share: aum,
            min_days: days,
            max_drawdown: dd,
            pnl_deviation: dev,
            slippage_multiplier: slip,
            precision_ratio: prec,
        };
        CanaryConfig {
            stages: vec![
                s("shadow", 0.0, 30, None, None, 1.0, 0.9),
                s("canary_1", 0.01, 7, Some(0.02), Some(0.10), 1.5, 0.9),
                s("canary_2", 0.05, 14, Some(0.03), Some(0.10), 1.5, 0.9),
                s("production", 1.0, 0, Some(0.10), Some(0.15), 2.0, 0.85),
            ],
        }
    }
}

impl CanaryConfig {
    /// Validates every stage, reporting all violations.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        v.check(
            !self.stages.is_empty(),
            "stages",
            "[]",
            "at least one stage required",
        );
        let mut prev = -1.0;
        for (i, s) in self.stages.iter().enumerate() {
            v.in_range(format!("stages[{i}].aum_share"), s.aum_share, 0.0, 1.0);
            v.check(
                s.aum_share >= prev,
                format!("stages[{i}].aum_share"),
                s.aum_share,
                "must not decrease",
            );
            prev = s.aum_share;
            if let Some(d) = s.max_drawdown {
                v.in_range(format!("stages[{i}].max_drawdown"), d, 0.0, 1.0);
            }
            if let Some(d) = s.pnl_deviation {
                v.non_negative(format!("stages[{i}].pnl_deviation"), d);
            }
            v.positive(
                format!("stages[{i}].slippage_multiplier"),
                s.slippage_multiplier,
            );
            v.in_range(
                format!("stages[{i}].precision_ratio"),
                s.precision_ratio,
                0.0,
                10.0,
            );
        }
        v.finish()?;
        Ok(())
    }
}

/// What was observed during the current stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageObservation {
    /// Days spent in the stage.
    pub days: u32,
    /// Real P&L.
    pub real_pnl: f64,
    /// Simulated P&L over the same period.
    pub sim_pnl: f64,
    /// Drawdown (positive fraction).
    pub drawdown: f64,
    /// Realised ÷ expected slippage.
    pub slippage_ratio: f64,
    /// Critical alerts raised.
    pub critical_alerts: u32,
    /// Live precision.
    pub precision: f64,
    /// Baseline precision (> 0).
    pub baseline_precision: f64,
}

impl StageObservation {
    /// Checks the conventions: `drawdown` is a positive fraction (0.05 for a
    /// 5 % drawdown — the seeds' negative numbers are refused, not read as
    /// zero), finite; `slippage_ratio` ≥ 0.
    pub fn validate(&self) -> Result<()> {
        if !(self.drawdown.is_finite() && self.drawdown >= 0.0) {
            return Err(Error::invalid(
                "drawdown",
                self.drawdown,
                "drawdown is a positive fraction of the peak (0.05 = 5 %); pass -x as x",
            ));
        }
        if self.slippage_ratio < 0.0 {
            return Err(Error::invalid(
                "slippage_ratio",
                self.slippage_ratio,
                "must be >= 0 (realised / expected slippage)",
            ));
        }
        Ok(())
    }
}

/// One evaluated criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Criterion name.
    pub name: String,
    /// Observed value.
    pub value: f64,
    /// Limit.
    pub threshold: f64,
    /// Whether it passed (NaN never passes).
    pub passed: bool,
}

/// Outcome of a stage evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum StageAction {
    /// All criteria pass: move to the next stage.
    Advance {
        /// Next stage index.
        to: usize,
    },
    /// Some non-critical criterion fails: stay.
    Hold,
    /// A critical alert or drawdown breach: roll back.
    Rollback {
        /// Why.
        reason: String,
    },
    /// Already in the last stage and everything passes.
    Complete,
}

/// Evaluation of the current stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageEvaluation {
    /// Stage name.
    pub stage: String,
    /// Every criterion (all must pass to advance).
    pub checks: Vec<Check>,
    /// What to do.
    pub action: StageAction,
}

/// The canary stage machine.
///
/// ```
/// use tradewarden_guardrails::canary::{CanaryMachine, CanaryConfig, StageObservation, StageAction};
/// let mut m = CanaryMachine::new(CanaryConfig::default()).unwrap();
/// let obs = StageObservation { days: 30, real_pnl: 0.0, sim_pnl: 100.0, drawdown: 0.0,
///     slippage_ratio: 1.0, critical_alerts: 0, precision: 0.9, baseline_precision: 0.95 };
/// let ev = m.evaluate(&obs);
/// assert_eq!(ev.action, StageAction::Advance { to: 1 });
/// m.apply(&ev.action);
/// assert_eq!(m.stage().name, "canary_1");
/// ```
#[derive(Debug, Clone)]
pub struct CanaryMachine {
    config: CanaryConfig,
    index: usize,
    rolled_back: bool,
}

impl CanaryMachine {
    /// Starts at the first stage.
    pub fn new(config: CanaryConfig) -> Result<CanaryMachine> {
        config.validate()?;
        let m = CanaryMachine {
            config,
            index: 0,
            rolled_back: false,
        };
        m.publish();
        Ok(m)
    }

    /// Current stage index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Current stage.
    pub fn stage(&self) -> &StageSpec {
        &self.config.stages[self.index.min(self.config.stages.len() - 1)]
    }

    /// Whether a rollback was applied.
    pub fn rolled_back(&self) -> bool {
        self.rolled_back
    }

    fn publish(&self) {
        let s = self.stage();
        telemetry::publish_canary(&s.name, self.index, s.aum_share);
    }

    /// Evaluates the promotion criteria of the current stage (runbook: hourly).
    pub fn evaluate(&self, o: &StageObservation) -> StageEvaluation {
        self.evaluate_unchecked(o)
    }

    /// [`CanaryMachine::evaluate`] after [`StageObservation::validate`]: a
    /// negative or non-finite drawdown, or a negative slippage ratio, is a
    /// typed error naming the convention instead of a failed gate.
    pub fn try_evaluate(&self, o: &StageObservation) -> Result<StageEvaluation> {
        o.validate()?;
        Ok(self.evaluate_unchecked(o))
    }

    fn evaluate_unchecked(&self, o: &StageObservation) -> StageEvaluation {
        let s = self.stage();
        let mut checks = Vec::new();
        let mut add = |name: &str, value: f64, threshold: f64, passed: bool| {
            checks.push(Check {
                name: name.into(),
                value,
                threshold,
                passed,
            });
        };
        add(
            "min_days",
            f64::from(o.days),
            f64::from(s.min_days),
            o.days >= s.min_days,
        );
        if let Some(lim) = s.pnl_deviation
            && s.aum_share > 0.0
            && o.sim_pnl != 0.0
        {
            let dev = (o.real_pnl - o.sim_pnl).abs() / o.sim_pnl.abs();
            add("pnl_deviation", dev, lim, dev <= lim);
        }
        // A negative drawdown is a sign-convention error (drawdown is a
        // positive fraction): it never passes the gate. `try_evaluate`
        // refuses it with a typed error instead.
        let dd_ok = s.max_drawdown.is_none_or(|l| o.drawdown <= l)
            && o.drawdown.is_finite()
            && o.drawdown >= 0.0;
        if let Some(l) = s.max_drawdown {
            add("max_drawdown", o.drawdown, l, dd_ok);
        }
        add(
            "slippage_ratio",
            o.slippage_ratio,
            s.slippage_multiplier,
            o.slippage_ratio <= s.slippage_multiplier,
        );
        add(
            "critical_alerts",
            f64::from(o.critical_alerts),
            0.0,
            o.critical_alerts == 0,
        );
        let ratio = if o.baseline_precision > 0.0 {
            o.precision / o.baseline_precision
        } else {
            f64::NAN
        };
        add(
            "precision_ratio",
            ratio,
            s.precision_ratio,
            ratio >= s.precision_ratio,
        );
        let action = if o.critical_alerts > 0 {
            StageAction::Rollback {
                reason: format!(
                    "{} critical alert(s) in stage {}",
                    o.critical_alerts, s.name
                ),
            }
        } else if !dd_ok {
            StageAction::Rollback {
                reason: format!("drawdown {} breaches stage {} limit", o.drawdown, s.name),
            }
        } else if checks.iter().all(|c| c.passed) {
            if self.index + 1 < self.config.stages.len() {
                StageAction::Advance { to: self.index + 1 }
            } else {
                StageAction::Complete
            }
        } else {
            StageAction::Hold
        };
        StageEvaluation {
            stage: s.name.clone(),
            checks,
            action,
        }
    }

    /// Applies an action: advance moves up one stage; rollback returns to stage 0.
    pub fn apply(&mut self, action: &StageAction) {
        match action {
            StageAction::Advance { to }
                if *to == self.index + 1 && *to < self.config.stages.len() =>
            {
                self.index = *to;
            }
            StageAction::Rollback { .. } => {
                self.index = 0;
                self.rolled_back = true;
            }
            _ => {}
        }
        self.publish();
    }
}

/// Autotrader traffic canary: 5 → 25 → 50 → 100 % with rollback triggers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficCanary {
    /// Traffic shares in order.
    pub stages: Vec<f64>,
    /// Roll back when error rate > this (fraction). Default 0.01.
    pub max_error_rate: f64,
    /// Roll back when p99 latency > this (s). Default 0.2.
    pub max_p99_latency_s: f64,
    /// Roll back when (baseline − canary) Sharpe ÷ |baseline| > this. Default 0.2.
    pub max_sharpe_drop: f64,
}

impl Default for TrafficCanary {
    fn default() -> Self {
        TrafficCanary {
            stages: vec![0.05, 0.25, 0.5, 1.0],
            max_error_rate: 0.01,
            max_p99_latency_s: 0.2,
            max_sharpe_drop: 0.2,
        }
    }
}

/// Traffic-canary verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum TrafficAction {
    /// Go to the next traffic share (`None` when already at 100 %).
    Advance {
        /// Next share.
        to: Option<f64>,
    },
    /// Roll back; every failed trigger is named.
    Rollback {
        /// Failed triggers.
        triggers: Vec<String>,
    },
}

impl TrafficCanary {
    /// Validates the preset (all violations at once): shares in (0, 1],
    /// increasing, ending at 1; thresholds finite and ≥ 0.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        v.check(
            !self.stages.is_empty(),
            "stages",
            "[]",
            "at least one stage required",
        );
        let mut prev = 0.0;
        for (i, &x) in self.stages.iter().enumerate() {
            v.check(
                x > prev && x <= 1.0,
                format!("stages[{i}]"),
                x,
                "traffic shares must increase within (0, 1]",
            );
            prev = x;
        }
        if let Some(&last) = self.stages.last() {
            v.check(
                last == 1.0,
                "stages",
                last,
                "the last stage must carry 100 % of the traffic",
            );
        }
        v.non_negative("max_error_rate", self.max_error_rate);
        v.non_negative("max_p99_latency_s", self.max_p99_latency_s);
        v.non_negative("max_sharpe_drop", self.max_sharpe_drop);
        v.finish()?;
        Ok(())
    }

    /// Evaluates the triggers at stage `index`. Non-finite inputs roll back (fail closed).
    pub fn evaluate(
        &self,
        index: usize,
        error_rate: f64,
        p99_latency_s: f64,
        sharpe: f64,
        baseline_sharpe: f64,
    ) -> TrafficAction {
        let mut t = Vec::new();
        if !(error_rate <= self.max_error_rate) {
            t.push(format!("error_rate {error_rate} > {}", self.max_error_rate));
        }
        if !(p99_latency_s <= self.max_p99_latency_s) {
            t.push(format!(
                "p99_latency_s {p99_latency_s} > {}",
                self.max_p99_latency_s
            ));
        }
        let drop = if baseline_sharpe != 0.0 {
            (baseline_sharpe - sharpe) / baseline_sharpe.abs()
        } else {
            -sharpe
        };
        if !(drop <= self.max_sharpe_drop) {
            t.push(format!("sharpe_drop {drop} > {}", self.max_sharpe_drop));
        }
        if t.is_empty() {
            TrafficAction::Advance {
                to: self.stages.get(index + 1).copied(),
            }
        } else {
            TrafficAction::Rollback { triggers: t }
        }
    }
}

// ---------------------------------------------------------- shadow gates ---

/// Direction of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateDirection {
    /// Passes when value ≥ threshold.
    AtLeast,
    /// Passes when value ≤ threshold.
    AtMost,
}

/// One shadow gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateSpec {
    /// Gate name (the key of the observed value).
    pub name: String,
    /// Direction.
    pub direction: GateDirection,
    /// Threshold.
    pub threshold: f64,
}

/// RAG rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rating {
    /// Passing with a relative margin > `green_margin` (or a passing threshold-0 gate).
    Green,
    /// Passing, thin margin.
    Amber,
    /// Failing (or value missing / non-finite).
    Red,
}

/// Shadow verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// All GREEN.
    Promote,
    /// 1–2 AMBER, no RED.
    PromoteWithCaution,
    /// ≥ 3 AMBER, no RED.
    Hold,
    /// Any RED.
    Reject,
}

/// A rated gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatedGate {
    /// Gate name.
    pub name: String,
    /// Observed value (NaN when missing).
    pub value: f64,
    /// Threshold.
    pub threshold: f64,
    /// Relative margin |value − threshold| ÷ |threshold| (None for threshold 0).
    pub margin: Option<f64>,
    /// Rating.
    pub rating: Rating,
}

/// Quant Bot shadow gates: uptime ≥ .995, slippage ≤ 1.5×, drawdown ≤ 2× simulated
/// (`drawdown_vs_sim` = live ÷ simulated), precision ≥ .9× baseline,
/// |P&L deviation| ≤ .1, critical alerts ≤ 0, interventions ≤ 3.
pub fn quant_bot_shadow_gates() -> Vec<GateSpec> {
    let g = |n: &str, d, t| GateSpec {
        name: n.into(),
        direction: d,
        threshold: t,
    };
    use GateDirection::{AtLeast, AtMost};
    vec![
        g("uptime", AtLeast, 0.995),
        g("slippage_ratio", AtMost, 1.5),
        g("drawdown_vs_sim", AtMost, 2.0),
        g("precision_ratio", AtLeast, 0.9),
        g("abs_pnl_deviation", AtMost, 0.1),
        g("critical_alerts", AtMost, 0.0),
        g("interventions", AtMost, 3.0),
    ]
}

/// Rates the gates and gives the verdict. `green_margin` is the seed's 0.2.
///
/// Seed bug fixed: the seed divides by the threshold, so a gate with
/// threshold 0 (e.g. "critical alerts ≤ 0") can never exceed the margin and
/// is always AMBER, making PROMOTE unreachable. Here a threshold-0 gate has
/// no relative margin: passing is GREEN, failing is RED.
///
/// ```
/// use std::collections::BTreeMap;
/// use tradewarden_guardrails::canary::{rate_gates, quant_bot_shadow_gates, Verdict};
/// let obs = BTreeMap::from([("uptime".to_string(), 0.999), ("slippage_ratio".into(), 1.0),
///     ("drawdown_vs_sim".into(), 1.0), ("precision_ratio".into(), 1.0),
///     ("abs_pnl_deviation".into(), 0.01), ("critical_alerts".into(), 0.0),
///     ("interventions".into(), 0.0)]);
/// let (_, verdict) = rate_gates(&quant_bot_shadow_gates(), &obs, 0.2);
/// assert_eq!(verdict, Verdict::PromoteWithCaution); // uptime margin is thin
/// ```
pub fn rate_gates(
    specs: &[GateSpec],
    observed: &BTreeMap<String, f64>,
    green_margin: f64,
) -> (Vec<RatedGate>, Verdict) {
    let mut rated = Vec::with_capacity(specs.len());
    for g in specs {
        let value = observed.get(&g.name).copied().unwrap_or(f64::NAN);
        let passed = match g.direction {
            GateDirection::AtLeast => value >= g.threshold,
            GateDirection::AtMost => value <= g.threshold,
        };
        let margin = (g.threshold != 0.0).then(|| (value - g.threshold).abs() / g.threshold.abs());
        let rating = if !passed {
            Rating::Red
        } else {
            match margin {
                None => Rating::Green,
                Some(m) if m > green_margin => Rating::Green,
                Some(_) => Rating::Amber,
            }
        };
        rated.push(RatedGate {
            name: g.name.clone(),
            value,
            threshold: g.threshold,
            margin,
            rating,
        });
    }
    let amber = rated.iter().filter(|r| r.rating == Rating::Amber).count();
    let verdict = if rated.iter().any(|r| r.rating == Rating::Red) {
        Verdict::Reject
    } else if amber >= 3 {
        Verdict::Hold
    } else if amber >= 1 {
        Verdict::PromoteWithCaution
    } else {
        Verdict::Promote
    };
    (rated, verdict)
}

// ------------------------------------------------------------- the judge ---

/// Which movement of a metric is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadDirection {
    /// An increase is bad (latency, error rate).
    Increase,
    /// A decrease is bad (Sharpe, precision).
    Decrease,
    /// Any significant change is bad.
    Either,
}

/// Judge settings of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// Metric name (key into the samples).
    pub name: String,
    /// Bad direction.
    pub bad: BadDirection,
    /// Allowed relative change of the canary median vs the baseline median
    /// (|Δ| ÷ |baseline median|; absolute Δ when that median is 0) before a
    /// significant difference counts as a failure. Default-style value: 0.1.
    pub effect_tolerance: f64,
    /// Significance level of the two-sided Mann–Whitney U test.
    pub alpha: f64,
    /// Weight in the score.
    pub weight: f64,
    /// A failing critical metric fails the whole judgement.
    pub critical: bool,
}

/// Judge configuration (Kayenta's defaults: pass ≥ 95, marginal ≥ 75).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeConfig {
    /// Metrics judged.
    pub metrics: Vec<MetricSpec>,
    /// Score at or above which the canary passes.
    pub pass_score: f64,
    /// Score at or above which it is marginal.
    pub marginal_score: f64,
}

/// Per-metric classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricClass {
    /// No significant bad change beyond tolerance.
    Pass,
    /// Significantly higher, beyond tolerance, and higher is bad.
    High,
    /// Significantly lower, beyond tolerance, and lower is bad.
    Low,
}

/// One metric's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    /// Metric name.
    pub name: String,
    /// Mann–Whitney U statistic of the canary sample.
    pub u: f64,
    /// Two-sided p-value.
    pub pvalue: f64,
    /// Relative change of medians (canary vs baseline).
    pub effect: f64,
    /// Classification.
    pub class: MetricClass,
}

/// Overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeVerdict {
    /// Score ≥ pass_score and no critical failure.
    Pass,
    /// marginal_score ≤ score < pass_score.
    Marginal,
    /// Otherwise, or a critical metric failed.
    Fail,
}

/// Judgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// Per metric.
    pub metrics: Vec<MetricResult>,
    /// 100 × Σ weight of passing metrics ÷ Σ weight.
    pub score: f64,
    /// Verdict.
    pub verdict: JudgeVerdict,
}

fn median(x: &[f64]) -> f64 {
    let mut s = x.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    tradewarden_core::stats::quantile_sorted(&s, 0.5)
}

/// Judges canary samples against baseline samples, metric by metric.
///
/// ```
/// use std::collections::BTreeMap;
/// use tradewarden_guardrails::canary::*;
/// let cfg = JudgeConfig { pass_score: 95.0, marginal_score: 75.0, metrics: vec![MetricSpec {
///     name: "latency".into(), bad: BadDirection::Increase, effect_tolerance: 0.1,
///     alpha: 0.05, weight: 1.0, critical: false }] };
/// let base: Vec<f64> = (0..50).map(|i| 100.0 + (i % 7) as f64).collect();
/// let slow: Vec<f64> = base.iter().map(|x| x * 1.5).collect();
/// let b = BTreeMap::from([("latency".to_string(), base.clone())]);
/// assert_eq!(judge(&cfg, &b, &BTreeMap::from([("latency".to_string(), base)])).unwrap().verdict, JudgeVerdict::Pass);
/// assert_eq!(judge(&cfg, &b, &BTreeMap::from([("latency".to_string(), slow)])).unwrap().verdict, JudgeVerdict::Fail);
/// ```
pub fn judge(
    cfg: &JudgeConfig,
    baseline: &BTreeMap<String, Vec<f64>>,
    canary: &BTreeMap<String, Vec<f64>>,
) -> Result<Judgement> {
    let mut v = Validator::new();
    v.check(
        !cfg.metrics.is_empty(),
        "metrics",
        "[]",
        "at least one metric required",
    );
    v.in_range("pass_score", cfg.pass_score, 0.0, 100.0);
    v.in_range(
        "marginal_score",
        cfg.marginal_score,
        0.0,
        cfg.pass_score.max(0.0),
    );
    for m in &cfg.metrics {
        v.non_negative(
            format!("metrics.{}.effect_tolerance", m.name),
            m.effect_tolerance,
        );
        v.check(
            m.alpha > 0.0 && m.alpha < 1.0,
            format!("metrics.{}.alpha", m.name),
            m.alpha,
            "must be in (0, 1)",
        );
        v.positive(format!("metrics.{}.weight", m.name), m.weight);
    }
    v.finish()?;
    let mut results = Vec::new();
    let (mut wsum, mut wpass, mut critical_fail) = (0.0, 0.0, false);
    for m in &cfg.metrics {
        let b = baseline
            .get(&m.name)
            .ok_or_else(|| Error::invalid("baseline", &m.name, "no samples for metric"))?;
        let c = canary
            .get(&m.name)
            .ok_or_else(|| Error::invalid("canary", &m.name, "no samples for metric"))?;
        let r = mannwhitneyu(c, b, true, MwuAlternative::TwoSided, MwuMethod::Auto)?;
        let (mb, mc) = (median(b), median(c));
        let delta = mc - mb;
        let effect = if mb != 0.0 { delta / mb.abs() } else { delta };
        let significant = r.pvalue < m.alpha && effect.abs() > m.effect_tolerance;
        let class = if !significant {
            MetricClass::Pass
        } else if delta > 0.0 && matches!(m.bad, BadDirection::Increase | BadDirection::Either) {
            MetricClass::High
        } else if delta < 0.0 && matches!(m.bad, BadDirection::Decrease | BadDirection::Either) {
            MetricClass::Low
        } else {
            MetricClass::Pass
        };
        wsum += m.weight;
        if class == MetricClass::Pass {
            wpass += m.weight;
        } else if m.critical {
            critical_fail = true;
        }
        results.push(MetricResult {
            name: m.name.clone(),
            u: r.statistic,
            pvalue: r.pvalue,
            effect,
            class,
        });
    }
    let score = 100.0 * wpass / wsum;
    let verdict = if critical_fail {
        JudgeVerdict::Fail
    } else if score >= cfg.pass_score {
        JudgeVerdict::Pass
    } else if score >= cfg.marginal_score {
        JudgeVerdict::Marginal
    } else {
        JudgeVerdict::Fail
    };
    Ok(Judgement {
        metrics: results,
        score,
        verdict,
    })
}

#[cfg(test)]
mod criteria_tests {
    use super::*;

    /// `StageSpec::criteria` lists exactly the checks `evaluate` makes, in
    /// its order and with its thresholds, in every stage of the ladder.
    #[test]
    fn criteria_are_the_checks_of_evaluate() {
        let config = CanaryConfig::default();
        let o = StageObservation {
            days: 3,
            real_pnl: 1.0,
            sim_pnl: 2.0,
            drawdown: 0.01,
            slippage_ratio: 1.2,
            critical_alerts: 0,
            precision: 0.5,
            baseline_precision: 0.6,
        };
        for (i, stage) in config.stages.iter().enumerate() {
            let mut m = CanaryMachine::new(config.clone()).unwrap();
            m.index = i;
            let checks: Vec<(String, f64)> = m
                .evaluate(&o)
                .checks
                .into_iter()
                .map(|c| (c.name, c.threshold))
                .collect();
            let criteria: Vec<(String, f64)> = stage
                .criteria()
                .into_iter()
                .map(|c| (c.name.to_string(), c.threshold))
                .collect();
            assert_eq!(checks, criteria, "stage {}", stage.name);
        }
    }
}
