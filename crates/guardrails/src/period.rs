//! Period limits: warning → REDUCING, critical → HALTED (latched).

use serde::{Deserialize, Serialize};
use tradewarden_core::names::Named;

use crate::error::Result;
use crate::policy::{Ceiling, Floor, OnMissing, PeriodLimits};
use crate::state::{StateStore, TradingState};
use crate::telemetry;

/// Observed values for one evaluation. A field that is `None` is handled by
/// [`PeriodLimits::on_missing`] (default: not checked); a NaN/±inf value is
/// always a critical breach (fail closed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PeriodObservation {
    /// Account AUM (> 0) the P&L ratios are divided by.
    pub aum: Option<f64>,
    /// P&L of the last hour (negative = loss).
    pub hourly_pnl: Option<f64>,
    /// P&L of the day.
    pub daily_pnl: Option<f64>,
    /// Mark-to-market equity now.
    pub equity: Option<f64>,
    /// High-water mark of equity.
    pub high_water_mark: Option<f64>,
    /// Realised ÷ expected slippage.
    pub slippage_ratio: Option<f64>,
    /// Filled ÷ submitted.
    pub fill_rate: Option<f64>,
    /// Live precision of the model's directional calls, a fraction in
    /// [0, 1] — the quantity of the `model_precision_ratio` gauge and of
    /// Quant Bot's "Model Precision" key metric (warning < 0.55, critical
    /// < 0.50). Not relative to a baseline: the comparison with the baseline
    /// is the canary gate's `precision / baseline_precision`. A value outside
    /// [0, 1] (e.g. a live ÷ baseline ratio above 1) is a critical breach
    /// when the limit is configured (fail closed).
    pub model_precision_ratio: Option<f64>,
    /// Mean model confidence.
    pub confidence: Option<f64>,
    /// Age (s) of the newest market data.
    pub data_age_s: Option<f64>,
}

/// Severity of a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Warning level crossed → REDUCING.
    Warning,
    /// Critical level crossed (or input non-finite) → HALTED.
    Critical,
}

/// The period limit a breach crossed: a bounded set whose names (the
/// policy's `[period]` keys, the `rule` label of `violations_total`, the
/// journal's violation `rule`) are defined once, in [`Named::NAMES`]; serde
/// writes and reads the same names, so a breach document parses back.
///
/// ```
/// use tradewarden_core::names::Named;
/// use tradewarden_guardrails::period::PeriodRule;
/// assert_eq!(PeriodRule::DailyLossRatio.as_str(), "daily_loss_ratio");
/// assert_eq!(PeriodRule::from_name("min_confidence")?, PeriodRule::MinConfidence);
/// assert_eq!(serde_json::to_string(&PeriodRule::DataAgeS)?, "\"data_age_s\"");
/// assert!(PeriodRule::from_name("weekly_loss").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodRule {
    /// Loss of the last hour over AUM.
    HourlyLossRatio,
    /// Loss of the day over AUM.
    DailyLossRatio,
    /// Drawdown from the high-water mark.
    MaxDrawdownRatio,
    /// Realised ÷ expected slippage.
    SlippageRatio,
    /// Age of the newest market data, seconds.
    DataAgeS,
    /// Filled ÷ submitted (a floor).
    FillRate,
    /// Live precision of the model's directional calls (a floor).
    ModelPrecisionRatio,
    /// Mean model confidence (a floor).
    MinConfidence,
}

impl Named for PeriodRule {
    const PARAM: &'static str = "rule";
    const NAMES: &'static [(&'static str, Self)] = &[
        ("hourly_loss_ratio", PeriodRule::HourlyLossRatio),
        ("daily_loss_ratio", PeriodRule::DailyLossRatio),
        ("max_drawdown_ratio", PeriodRule::MaxDrawdownRatio),
        ("slippage_ratio", PeriodRule::SlippageRatio),
        ("data_age_s", PeriodRule::DataAgeS),
        ("fill_rate", PeriodRule::FillRate),
        ("model_precision_ratio", PeriodRule::ModelPrecisionRatio),
        ("min_confidence", PeriodRule::MinConfidence),
    ];
}

impl PeriodRule {
    /// The rule's name ([`Named::as_str`]).
    pub fn as_str(self) -> &'static str {
        Named::as_str(self)
    }
}

impl std::fmt::Display for PeriodRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One breached period limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodBreach {
    /// The rule (bounded set, also the telemetry label).
    pub rule: PeriodRule,
    /// Observed value (after conversion, e.g. loss ratio); NaN when it
    /// cannot be computed (JSON `null`, read back as NaN).
    #[serde(deserialize_with = "nan_if_null")]
    pub value: f64,
    /// The level crossed.
    pub threshold: f64,
    /// Warning or critical.
    pub severity: Severity,
}

/// An `f64` that JSON wrote as `null` (serde_json's NaN and ±inf) reads back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// A breach for a configured limit whose observation is absent.
fn missing(out: &mut Vec<PeriodBreach>, rule: PeriodRule, threshold: f64, m: OnMissing) {
    let severity = match m {
        OnMissing::Skip => return,
        OnMissing::Warning => Severity::Warning,
        OnMissing::Critical => Severity::Critical,
    };
    out.push(PeriodBreach {
        rule,
        value: f64::NAN,
        threshold,
        severity,
    });
}

fn ceil(
    out: &mut Vec<PeriodBreach>,
    rule: PeriodRule,
    v: Option<f64>,
    c: Option<Ceiling>,
    m: OnMissing,
) {
    let Some(c) = c else { return };
    let Some(v) = v else {
        return missing(out, rule, c.critical, m);
    };
    if !v.is_finite() || v > c.critical {
        out.push(PeriodBreach {
            rule,
            value: v,
            threshold: c.critical,
            severity: Severity::Critical,
        });
    } else if v > c.warning {
        out.push(PeriodBreach {
            rule,
            value: v,
            threshold: c.warning,
            severity: Severity::Warning,
        });
    }
}

/// A floor check; `max` is the largest meaningful value (a fraction's 1):
/// a value above it is a critical breach, like a non-finite one.
fn flo(
    out: &mut Vec<PeriodBreach>,
    rule: PeriodRule,
    v: Option<f64>,
    f: Option<Floor>,
    m: OnMissing,
    max: Option<f64>,
) {
    let Some(f) = f else { return };
    let Some(v) = v else {
        return missing(out, rule, f.critical, m);
    };
    if !v.is_finite() || v < f.critical || max.is_some_and(|x| v > x) {
        out.push(PeriodBreach {
            rule,
            value: v,
            threshold: f.critical,
            severity: Severity::Critical,
        });
    } else if v < f.warning {
        out.push(PeriodBreach {
            rule,
            value: v,
            threshold: f.warning,
            severity: Severity::Warning,
        });
    }
}

/// Evaluates period limits. Loss ratios are `max(0, −pnl) / aum`; drawdown is
/// `(hwm − equity) / hwm`. A missing or non-positive AUM (HWM) with a P&L
/// (equity) given is a critical breach of that rule with value NaN. An absent
/// observation of a configured limit follows [`PeriodLimits::on_missing`].
///
/// ```
/// use tradewarden_guardrails::{PeriodLimits};
/// use tradewarden_guardrails::period::{evaluate, PeriodObservation, PeriodRule, Severity};
/// let obs = PeriodObservation { aum: Some(1e6), daily_pnl: Some(-12_000.0), ..Default::default() };
/// let b = evaluate(&PeriodLimits::default(), &obs);
/// assert_eq!(b.len(), 1);
/// assert_eq!((b[0].rule, b[0].severity), (PeriodRule::DailyLossRatio, Severity::Warning));
/// assert_eq!(b[0].rule.as_str(), "daily_loss_ratio");
/// ```
pub fn evaluate(limits: &PeriodLimits, o: &PeriodObservation) -> Vec<PeriodBreach> {
    let mut out = Vec::new();
    let m = limits.on_missing;
    let loss = |pnl: Option<f64>| -> Option<f64> {
        let pnl = pnl?;
        match o.aum {
            Some(a) if a.is_finite() && a > 0.0 => {
                Some((-pnl).max(0.0) / a + if pnl.is_finite() { 0.0 } else { f64::NAN })
            }
            _ => Some(f64::NAN),
        }
    };
    ceil(
        &mut out,
        PeriodRule::HourlyLossRatio,
        loss(o.hourly_pnl),
        limits.hourly_loss_ratio,
        m,
    );
    ceil(
        &mut out,
        PeriodRule::DailyLossRatio,
        loss(o.daily_pnl),
        limits.daily_loss_ratio,
        m,
    );
    let dd = o.equity.map(|e| match o.high_water_mark {
        Some(h) if h.is_finite() && h > 0.0 => {
            ((h - e) / h).max(0.0) + if e.is_finite() { 0.0 } else { f64::NAN }
        }
        _ => f64::NAN,
    });
    ceil(
        &mut out,
        PeriodRule::MaxDrawdownRatio,
        dd,
        limits.max_drawdown_ratio,
        m,
    );
    ceil(
        &mut out,
        PeriodRule::SlippageRatio,
        o.slippage_ratio,
        limits.slippage_ratio,
        m,
    );
    ceil(
        &mut out,
        PeriodRule::DataAgeS,
        o.data_age_s,
        limits.data_age_s,
        m,
    );
    flo(
        &mut out,
        PeriodRule::FillRate,
        o.fill_rate,
        limits.fill_rate,
        m,
        None,
    );
    flo(
        &mut out,
        PeriodRule::ModelPrecisionRatio,
        o.model_precision_ratio,
        limits.model_precision_ratio,
        m,
        Some(1.0),
    );
    flo(
        &mut out,
        PeriodRule::MinConfidence,
        o.confidence,
        limits.min_confidence,
        m,
        None,
    );
    out
}

/// Counts `violations_total{rule}` per breach and sets the last-count gauge.
pub fn count_breaches(breaches: &[PeriodBreach]) {
    telemetry::record_violations(breaches.iter().map(|b| b.rule.as_str()));
}

/// Evaluates and latches: any critical → HALTED, else any warning → REDUCING.
/// Returns the breaches. Counts `violations_total{rule}`.
pub fn evaluate_and_latch(
    limits: &PeriodLimits,
    o: &PeriodObservation,
    store: &mut StateStore,
) -> Result<Vec<PeriodBreach>> {
    let breaches = evaluate(limits, o);
    count_breaches(&breaches);
    if let Some(worst) = breaches.iter().max_by_key(|b| b.severity) {
        let to = match worst.severity {
            Severity::Critical => TradingState::Halted,
            Severity::Warning => TradingState::Reducing,
        };
        let reason = format!(
            "{} {:?}: value {} crossed {}",
            worst.rule, worst.severity, worst.value, worst.threshold
        );
        store.escalate(to, &reason)?;
    }
    Ok(breaches)
}
