//! Names of the metrics this crate emits through the `metrics` facade, taken
//! from the `tradewarden-metrics` catalog. These are the catalog's *fixed*
//! names (`drift_score`, `drift_detections_total`,
//! `prediction_quality_metric`): the seed systems' dashboards and the
//! Prometheus rules under `deploy/` query them verbatim, so they carry no
//! namespace. A non-empty prefix (`LiveMonitorOptions::prefix`, the `prefix`
//! argument of `emit_prediction_quality`) is prepended with `_` for setups
//! that want one; the default is empty.

use tradewarden_metrics::catalog::names;

/// Default prefix: empty, so the catalog's names are emitted verbatim.
pub const DEFAULT_PREFIX: &str = "";
/// Gauge: latest drift score; labels `feature`, `method`.
pub const DRIFT_SCORE: &str = names::DRIFT_SCORE;
/// Counter: drift detections; labels `metric_type` (method), `severity`.
pub const DRIFT_DETECTIONS_TOTAL: &str = names::DRIFT_DETECTIONS;
/// Gauge: prediction quality; labels `symbol`, `timeframe`, `metric`
/// (`mae`, `mape`, `directional_accuracy`, `drift_score`).
pub const PREDICTION_QUALITY_METRIC: &str = names::PREDICTION_QUALITY_METRIC;

/// Label keys.
pub mod labels {
    /// Feature name.
    pub const FEATURE: &str = "feature";
    /// Drift method.
    pub const METHOD: &str = "method";
    /// Drift method, on the detections counter.
    pub const METRIC_TYPE: &str = "metric_type";
    /// Severity.
    pub const SEVERITY: &str = "severity";
    /// Instrument symbol.
    pub const SYMBOL: &str = "symbol";
    /// Bar timeframe.
    pub const TIMEFRAME: &str = "timeframe";
    /// Quality metric name.
    pub const METRIC: &str = "metric";
}

/// `prefix_name`, or `name` when the prefix is empty.
pub fn full_name(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}_{name}")
    }
}
