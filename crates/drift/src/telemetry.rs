//! How this crate names the metrics it emits through the `metrics` facade.
//!
//! Names are resolved through the catalog the exporter was installed with,
//! [`tradewarden_metrics::catalog::installed`] (the default catalog when none
//! is installed), at each emission. The drift families are the catalog's
//! *fixed* names (`drift_score`, `drift_detections_total`,
//! `prediction_quality_metric`): the seed systems' dashboards and the
//! Prometheus rules under `deploy/` query them verbatim, so the catalog gives
//! them no namespace under any namespace or profile. A non-empty prefix
//! (`LiveMonitorOptions::prefix`, the `prefix` argument of
//! `emit_prediction_quality`) is prepended with `_` for setups that want one,
//! which takes the name outside the catalog; the default is empty.

use tradewarden_metrics::catalog::{self, MetricDef};

/// Default prefix: empty, so the catalog's names are emitted verbatim.
pub const DEFAULT_PREFIX: &str = "";

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

/// The exported name of `def` under the installed catalog, with `prefix`
/// (see [`full_name`]).
///
/// ```
/// use tradewarden_drift::telemetry::name;
/// use tradewarden_metrics::catalog;
/// assert_eq!(name("", &catalog::DRIFT_SCORE), "drift_score");
/// assert_eq!(name("svc", &catalog::DRIFT_SCORE), "svc_drift_score");
/// ```
pub fn name(prefix: &str, def: &MetricDef) -> String {
    full_name(prefix, &catalog::installed().name(def))
}
