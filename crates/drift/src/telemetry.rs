//! Names of the metrics this crate emits through the `metrics` facade
//! (base names; the namespace prefix, default `tradewarden`, is prepended
//! with `_`). Keep in sync with the catalog in `tradewarden-metrics`.

/// Default namespace prefix.
pub const DEFAULT_PREFIX: &str = "tradewarden";
/// Gauge: latest drift score; labels `feature`, `method`.
pub const DRIFT_SCORE: &str = "drift_score";
/// Counter: drift detections; labels `metric_type` (method), `severity`.
pub const DRIFT_DETECTIONS_TOTAL: &str = "drift_detections_total";
/// Gauge: prediction quality; labels `symbol`, `timeframe`, `metric`
/// (`mae`, `mape`, `directional_accuracy`, `drift_score`).
pub const PREDICTION_QUALITY_METRIC: &str = "prediction_quality_metric";

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
