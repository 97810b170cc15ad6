//! `tradewarden demo` document (`ops_summary.json`, and stdout with `--json`):
//! the library's operations summary plus the demo's own sections.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tradewarden::ops::OperationsDocument;

/// `ops_summary.json` of the demo: the [`OperationsDocument`] (its
/// `non_finite` also names the demo sections' nulls) and the sections
/// below. Floats that are not finite are `null` (`None`) with the reason in
/// `non_finite`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoDocument {
    /// The operations summary (risk, metrics, guardrails, attribution,
    /// triggered, non_finite, conventions).
    #[serde(flatten)]
    pub summary: OperationsDocument,
    /// Trading state, transitions, breaches and guardrail counts.
    pub guardrail_state: GuardrailState,
    /// Drift of the live window against the frozen reference.
    pub drift: DemoDrift,
    /// Bootstrap CIs, PSR, DSR and MinTRL.
    pub profitability: Profitability,
    /// The run itself.
    pub demo: DemoRunInfo,
}

/// `guardrail_state` of a [`DemoDocument`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardrailState {
    /// Trading state at the end (`ACTIVE`, `REDUCING`, `HALTED`, `KILLED`).
    pub final_state: String,
    /// Whether it is latched (HALTED or KILLED).
    pub latched: bool,
    /// Day the breaker latched.
    pub halted_at: Option<String>,
    /// Every state transition.
    pub transitions: Vec<StateTransition>,
    /// Period-limit breaches.
    pub violations: Vec<PeriodViolation>,
    /// Exposure-policy violations.
    pub exposure_violations: Vec<ExposureViolation>,
    /// Orders submitted.
    pub orders: u64,
    /// Denials by reason.
    pub denials: BTreeMap<String, u64>,
    /// Clips by reason.
    pub clips: BTreeMap<String, u64>,
    /// Denials per 1000 orders.
    pub denials_per_1000_orders: f64,
}

/// One trading-state transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateTransition {
    /// Day (`YYYY-MM-DD`).
    pub at: String,
    /// State before.
    pub from: String,
    /// State after.
    pub to: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub actor: String,
}

/// One period-limit breach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodViolation {
    /// Day (`YYYY-MM-DD`).
    pub at: String,
    /// Rule name.
    pub rule: String,
    /// Observed value.
    pub value: Option<f64>,
    /// The level crossed.
    pub threshold: f64,
    /// `warning` or `critical`.
    pub severity: String,
}

/// One exposure-policy violation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureViolation {
    /// Rule name.
    pub name: String,
    /// Observed value.
    pub value: Option<f64>,
    /// The limit (`None` when a cap's group column is missing).
    pub threshold: Option<f64>,
    /// Human-readable message.
    pub message: String,
}

/// `drift` of a [`DemoDocument`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDrift {
    /// Days the reference profile was fitted on.
    pub reference_window: DayWindow,
    /// Days scored.
    pub current_window: DayWindow,
    /// Dataset drift.
    pub dataset_drift: bool,
    /// Features that drifted.
    pub n_drifted: usize,
    /// Share of features that drifted.
    pub drift_share: f64,
    /// Per feature.
    pub features: Vec<DemoDriftFeature>,
    /// The same before the regime change.
    pub before_regime_change: DriftCounts,
}

/// A window of days (`YYYY-MM-DD`, inclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayWindow {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

/// One feature's drift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDriftFeature {
    /// Feature name.
    pub name: String,
    /// Method (`ks`, `psi`, …).
    pub method: String,
    /// Test statistic.
    pub statistic: Option<f64>,
    /// p-value, for methods that have one.
    pub pvalue: Option<f64>,
    /// PSI, when computed.
    pub psi: Option<f64>,
    /// Whether it drifted.
    pub drift: bool,
    /// Severity.
    pub severity: String,
}

/// Dataset-level drift counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftCounts {
    /// Dataset drift.
    pub dataset_drift: bool,
    /// Features that drifted.
    pub n_drifted: usize,
    /// Share of features that drifted.
    pub drift_share: f64,
}

/// `profitability` of a [`DemoDocument`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profitability {
    /// How the CIs were bootstrapped.
    pub bootstrap: BootstrapSettings,
    /// One CI per metric.
    pub confidence_intervals: Vec<MetricInterval>,
    /// PSR against 0.
    pub probabilistic_sharpe_ratio: Option<f64>,
    /// DSR over `n_trials`.
    pub deflated_sharpe_ratio: Option<f64>,
    /// Minimum track record length (periods) at 95 %.
    pub min_track_record_length: Option<f64>,
    /// Trials the DSR deflates for.
    pub n_trials: u32,
}

/// Bootstrap settings of the demo's CIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapSettings {
    /// Resampling scheme.
    pub resampling: String,
    /// Mean block length.
    pub mean_block: f64,
    /// Resamples.
    pub n_resamples: u64,
    /// Confidence level.
    pub confidence: f64,
    /// Interval method.
    pub method: String,
    /// Seed.
    pub seed: u64,
}

/// One metric's estimate and CI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricInterval {
    /// Metric name.
    pub metric: String,
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Lower bound.
    pub lower: Option<f64>,
    /// Upper bound.
    pub upper: Option<f64>,
}

/// `demo` of a [`DemoDocument`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoRunInfo {
    /// Market seed.
    pub seed: u64,
    /// Symbols traded.
    pub symbols: Vec<String>,
    /// Trading days with a return.
    pub days: usize,
    /// First day.
    pub first_day: String,
    /// Last day.
    pub last_day: String,
    /// Day of the regime change.
    pub regime_change: String,
    /// The model served.
    pub model: ModelRef,
}

/// A model name and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelRef {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
}
