//! The metric catalog: every metric tradewarden emits, declared once.
//!
//! A [`MetricDef`] carries the name, type, unit, help text, the bounded label
//! names and (for histograms) the fixed buckets. Names come in two kinds:
//!
//! - [`Naming::Namespaced`]: `<namespace>_<suffix>`, the namespace defaulting to
//!   `tradewarden` and configurable through [`Catalog::new`];
//! - [`Naming::Fixed`]: compatibility names emitted verbatim because existing
//!   dashboards query them (ml-trading-bot, Autotrader).
//!
//! Under [`Profile::PlusUltra`] the metrics that Market NN Plus Ultra's
//! playbook lists are emitted under its exact `plus_ultra_*` names.
//!
//! ```
//! use tradewarden_metrics::catalog::{self, Catalog, Profile};
//! let native = Catalog::default();
//! assert_eq!(native.name(&catalog::SERVICE_REQUESTS), "tradewarden_service_requests_total");
//! let pu = Catalog::new("tradewarden", Profile::PlusUltra).unwrap();
//! assert_eq!(pu.name(&catalog::SERVICE_LAST_SUCCESS), "plus_ultra_service_last_success_timestamp");
//! assert_eq!(pu.name(&catalog::DRIFT_SCORE), "drift_score");
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, validate_metric_name};

/// Default namespace prefix.
pub const DEFAULT_NAMESPACE: &str = "tradewarden";

/// The Prometheus type of a metric. Histograms always have fixed buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Monotonic counter (`_total`).
    Counter,
    /// Gauge.
    Gauge,
    /// Fixed-bucket histogram.
    Histogram,
}

impl MetricKind {
    /// The Prometheus `# TYPE` word.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// The unit of a metric's value (documentation; names carry base units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricUnit {
    /// Seconds.
    Seconds,
    /// Unix timestamp in seconds.
    TimestampSeconds,
    /// A plain count of events or things.
    Count,
    /// A fraction (0.05 means 5 %).
    Ratio,
    /// Percent (5 means 5 %), only for compatibility names that say `percent`.
    Percent,
    /// Money in the account currency.
    Currency,
    /// 1 when the condition holds, 0 otherwise (one-hot state gauges included).
    Boolean,
    /// A dimensionless score or statistic.
    Dimensionless,
}

/// How a metric's exported name is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `<namespace>_<suffix>`.
    Namespaced(&'static str),
    /// Emitted verbatim, whatever the namespace (compatibility names).
    Fixed(&'static str),
}

/// Which seed system a metric serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Request accounting of a service embedding the library (Plus Ultra `service_*`).
    Service,
    /// Guardrails: trading state, breaker, kill switch, denials, violations, canary.
    Guardrails,
    /// Live monitoring snapshot (Plus Ultra `monitoring_*`).
    Monitoring,
    /// Model inference.
    Inference,
    /// Autotrader dashboard `trading_*` gauges.
    Trading,
    /// Quant Bot runbook key metrics (P&L, drawdown, slippage, fill, precision).
    Risk,
    /// ml-trading-bot names.
    MlTradingBot,
    /// Drift detections and scores.
    Drift,
    /// Trading-graph recovery metrics.
    Recovery,
    /// Build information.
    Build,
}

/// One metric, declared once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricDef {
    /// Name formation.
    pub naming: Naming,
    /// The exact Market NN Plus Ultra name, used under [`Profile::PlusUltra`].
    pub plus_ultra: Option<&'static str>,
    /// Prometheus type.
    pub kind: MetricKind,
    /// Unit of the value.
    pub unit: MetricUnit,
    /// Help text (the `# HELP` line).
    pub help: &'static str,
    /// Label names; every one has a bounded set of values.
    pub labels: &'static [&'static str],
    /// Fixed histogram buckets (upper bounds, strictly increasing); `None` for others.
    pub buckets: Option<&'static [f64]>,
    /// The seed system it serves.
    pub family: Family,
}

/// Name profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// `<namespace>_*` names for everything namespaced.
    #[default]
    Native,
    /// The Market NN Plus Ultra playbook names (`plus_ultra_*`) where one exists.
    PlusUltra,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Native => "native",
            Profile::PlusUltra => "plus_ultra",
        })
    }
}

/// Resolves catalog entries to exported names for one namespace and profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    namespace: String,
    profile: Profile,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog {
            namespace: DEFAULT_NAMESPACE.to_string(),
            profile: Profile::Native,
        }
    }
}

impl Catalog {
    /// A catalog with a namespace prefix and a profile.
    ///
    /// # Errors
    /// [`MetricsError::InvalidMetricName`] when `namespace` is empty or not
    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    pub fn new(namespace: &str, profile: Profile) -> Result<Catalog, MetricsError> {
        validate_metric_name("namespace", namespace)?;
        if namespace.contains(':') {
            return Err(MetricsError::InvalidMetricName {
                param: "namespace",
                value: namespace.to_string(),
                reason: "colons are reserved for recording rules".into(),
            });
        }
        let c = Catalog {
            namespace: namespace.to_string(),
            profile,
        };
        let mut seen = std::collections::HashSet::new();
        for (name, _) in c.entries() {
            if !seen.insert(name.clone()) {
                return Err(MetricsError::InvalidMetricName {
                    param: "namespace",
                    value: namespace.to_string(),
                    reason: format!("makes two catalog metrics share the name {name}"),
                });
            }
        }
        Ok(c)
    }

    /// The namespace prefix.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The exported name of `def` under this namespace and profile.
    pub fn name(&self, def: &MetricDef) -> Cow<'static, str> {
        if self.profile == Profile::PlusUltra
            && let Some(pu) = def.plus_ultra
        {
            return Cow::Borrowed(pu);
        }
        match def.naming {
            Naming::Fixed(n) => Cow::Borrowed(n),
            Naming::Namespaced(s) => Cow::Owned(format!("{}_{}", self.namespace, s)),
        }
    }

    /// Every catalog entry with its exported name.
    pub fn entries(&self) -> impl Iterator<Item = (Cow<'static, str>, &'static MetricDef)> + '_ {
        ALL.iter().map(move |d| (self.name(d), *d))
    }

    /// The entry exported as `name`, if any.
    pub fn lookup(&self, name: &str) -> Option<&'static MetricDef> {
        ALL.iter().copied().find(|d| self.name(d) == name)
    }

    /// Whether `series` (a name as it appears in PromQL, possibly with the
    /// `_bucket`/`_sum`/`_count` suffix of a histogram) is in the catalog.
    pub fn contains_series(&self, series: &str) -> bool {
        if self.lookup(series).is_some() {
            return true;
        }
        ["_bucket", "_sum", "_count"].iter().any(|sfx| {
            series
                .strip_suffix(sfx)
                .and_then(|base| self.lookup(base))
                .is_some_and(|d| d.kind == MetricKind::Histogram)
        })
    }
}

/// The catalog of the exporter installed process-wide, set once by
/// [`crate::Exporter::install`].
static INSTALLED: OnceLock<Catalog> = OnceLock::new();

/// The catalog every emitting crate resolves its names with: the one
/// [`crate::Exporter::install`] installed the process-wide recorder with, or
/// [`Catalog::default`] (namespace `tradewarden`, native profile) while no
/// exporter is installed.
///
/// Semantics:
///
/// - **Set once.** The `metrics` facade accepts one global recorder per
///   process, so a second [`crate::Exporter::install`] fails with
///   [`MetricsError::RecorderAlreadyInstalled`] and leaves this catalog as the
///   first install set it. Dropping the [`crate::Exporter`] leaves both the
///   recorder and this catalog installed. A recorder installed some other way
///   (`metrics::set_global_recorder`, `Exporter::build` with a local
///   recorder) does not change it.
/// - **Names bind at registration.** A handle takes its name when it is
///   registered, exactly as it binds to the recorder installed at that
///   moment: handles registered before the install keep the default names and
///   the no-op recorder until they are registered again
///   (`Engine::rebind_telemetry`, `Session::rebind_telemetry`, a new
///   `Predictor`, a model swap). Emitters that register at each emission
///   (state and canary gauges, violations, drift scores) follow the install
///   from their next emission on.
///
/// ```
/// use tradewarden_metrics::catalog::{self, Catalog};
/// // Nothing installed in this doctest: the default catalog.
/// assert_eq!(catalog::installed(), Catalog::default());
/// assert_eq!(catalog::installed().name(&catalog::TRADING_STATE), "tradewarden_trading_state");
/// ```
pub fn installed() -> Catalog {
    INSTALLED.get().cloned().unwrap_or_default()
}

/// Records the catalog of the exporter just installed; `false` when one was
/// recorded already (cannot happen after a successful recorder install).
pub(crate) fn set_installed(catalog: &Catalog) -> bool {
    INSTALLED.set(catalog.clone()).is_ok()
}

/// Latency buckets of Market NN Plus Ultra's service histogram (seconds).
pub const PLUS_ULTRA_LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// ml-trading-bot's `prediction_latency_seconds` buckets.
pub const ML_BOT_LATENCY_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0];
/// Prediction row-count buckets (1 … 5000 rows).
pub const ROWS_BUCKETS: &[f64] = &[
    1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0,
];
/// In-process inference latency buckets (10 µs … 1 s).
pub const INFERENCE_LATENCY_BUCKETS: &[f64] = &[
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1.0,
];
/// Buckets used for any histogram not in the catalog (never a summary).
pub const DEFAULT_BUCKETS: &[f64] = PLUS_ULTRA_LATENCY_BUCKETS;

/// Trading states (one-hot over the `state` label of [`TRADING_STATE`]); the
/// one definition of this label set (`handles::TradingState` indexes it, the
/// guardrails crate re-exports it).
pub const TRADING_STATES: &[&str] = &["active", "reducing", "halted"];
/// Canary stages (one-hot over the `stage` label of [`CANARY_STAGE`]); the
/// one definition of this label set (`handles::CanaryStage` indexes it, the
/// guardrails crate re-exports it).
pub const CANARY_STAGES: &[&str] = &["shadow", "canary_1", "canary_2", "production"];
/// Market regimes of ml-trading-bot (one-hot over [`MARKET_REGIME_STATE`]).
pub const MARKET_REGIMES: &[&str] = &[
    "trending_up",
    "trending_down",
    "range_bound",
    "volatile",
    "neutral",
    "unknown",
];
/// Values of the `metric` label of [`PREDICTION_QUALITY_METRIC`].
pub const PREDICTION_QUALITY_METRICS: &[&str] =
    &["mae", "mape", "directional_accuracy", "drift_score"];

macro_rules! def {
    ($id:ident, $naming:expr, $pu:expr, $kind:ident, $unit:ident, $fam:ident, [$($l:expr),*], $buckets:expr, $help:expr) => {
        #[doc = $help]
        pub const $id: MetricDef = MetricDef {
            naming: $naming,
            plus_ultra: $pu,
            kind: MetricKind::$kind,
            unit: MetricUnit::$unit,
            help: $help,
            labels: &[$($l),*],
            buckets: $buckets,
            family: Family::$fam,
        };
    };
}

use Naming::{Fixed, Namespaced};

// --- service (Market NN Plus Ultra `plus_ultra_service_*`) ---
def!(
    SERVICE_REQUESTS,
    Namespaced("service_requests_total"),
    Some("plus_ultra_service_requests_total"),
    Counter,
    Count,
    Service,
    ["endpoint", "method", "status"],
    None,
    "Requests handled, by endpoint, method and HTTP status."
);
def!(
    SERVICE_LATENCY,
    Namespaced("service_request_latency_seconds"),
    Some("plus_ultra_service_request_latency_seconds"),
    Histogram,
    Seconds,
    Service,
    ["endpoint", "method"],
    Some(PLUS_ULTRA_LATENCY_BUCKETS),
    "Request latency in seconds, by endpoint and method."
);
def!(
    SERVICE_EXCEPTIONS,
    Namespaced("service_request_exceptions_total"),
    Some("plus_ultra_service_request_exceptions_total"),
    Counter,
    Count,
    Service,
    ["endpoint", "method", "exception"],
    None,
    "Requests that failed with an exception, by exception class."
);
def!(
    SERVICE_LAST_SUCCESS,
    Namespaced("service_last_success_timestamp_seconds"),
    Some("plus_ultra_service_last_success_timestamp"),
    Gauge,
    TimestampSeconds,
    Service,
    ["endpoint"],
    None,
    "Unix time of the last request with status 200-399, by endpoint."
);
def!(
    SERVICE_LAST_ERROR,
    Namespaced("service_last_error_timestamp_seconds"),
    Some("plus_ultra_service_last_error_timestamp"),
    Gauge,
    TimestampSeconds,
    Service,
    ["endpoint"],
    None,
    "Unix time of the last failed request, by endpoint."
);
def!(
    SERVICE_PREDICTION_ROWS,
    Namespaced("service_prediction_rows"),
    Some("plus_ultra_service_prediction_rows"),
    Histogram,
    Count,
    Service,
    [],
    Some(ROWS_BUCKETS),
    "Rows returned per prediction response."
);
def!(
    SERVICE_LAST_PREDICTION_ROWS,
    Namespaced("service_last_prediction_rows"),
    Some("plus_ultra_service_last_prediction_rows"),
    Gauge,
    Count,
    Service,
    [],
    None,
    "Rows of the most recent prediction response."
);

// --- guardrails ---
def!(
    GUARDRAILS_ENABLED,
    Namespaced("guardrails_enabled"),
    Some("plus_ultra_guardrails_enabled"),
    Gauge,
    Boolean,
    Guardrails,
    ["policy"],
    None,
    "1 when guardrails are enabled for the policy, 0 when disabled."
);
def!(
    GUARDRAIL_VIOLATIONS,
    Namespaced("guardrail_violations_total"),
    Some("plus_ultra_guardrail_violations_total"),
    Counter,
    Count,
    Guardrails,
    ["name"],
    None,
    "Guardrail violations, by rule name."
);
def!(
    GUARDRAIL_LAST_VIOLATION_COUNT,
    Namespaced("guardrail_last_violations"),
    Some("plus_ultra_guardrail_last_violation_count"),
    Gauge,
    Count,
    Guardrails,
    [],
    None,
    "Violations found by the most recent guardrail evaluation."
);
def!(
    TRADING_STATE,
    Namespaced("trading_state"),
    None,
    Gauge,
    Boolean,
    Guardrails,
    ["state"],
    None,
    "Trading state, one-hot over active, reducing and halted."
);
def!(
    CIRCUIT_BREAKER_ACTIVE,
    Namespaced("circuit_breaker_active"),
    None,
    Gauge,
    Boolean,
    Guardrails,
    [],
    None,
    "1 while the latched circuit breaker is tripped."
);
def!(
    TRADING_CIRCUIT_BREAKER_ACTIVE,
    Fixed("trading_circuit_breaker_active"),
    None,
    Gauge,
    Boolean,
    Trading,
    [],
    None,
    "1 while the circuit breaker is tripped (Autotrader dashboard name)."
);
def!(
    KILL_SWITCH_ACTIVE,
    Namespaced("kill_switch_active"),
    None,
    Gauge,
    Boolean,
    Guardrails,
    [],
    None,
    "1 while the kill switch is engaged."
);
def!(
    ORDER_DENIALS,
    Namespaced("order_denials_total"),
    None,
    Counter,
    Count,
    Guardrails,
    ["reason"],
    None,
    "Orders denied by the pre-trade guardrails, by denial reason."
);
def!(
    ORDERS_CHECKED,
    Namespaced("orders_checked_total"),
    None,
    Counter,
    Count,
    Guardrails,
    [],
    None,
    "Orders checked by the pre-trade guardrails (every decision: allowed, clipped or denied); the denominator of violations per 1000 trades."
);
def!(
    ORDER_CLIPS,
    Namespaced("order_clips_total"),
    None,
    Counter,
    Count,
    Guardrails,
    ["reason"],
    None,
    "Orders clipped to a smaller size by the pre-trade guardrails, by reason."
);
def!(
    STATE_TRANSITIONS,
    Namespaced("state_transitions_total"),
    None,
    Counter,
    Count,
    Guardrails,
    ["to"],
    None,
    "Trading-state transitions, by the state entered (active, reducing, halted, killed)."
);
def!(
    CANARY_STAGE,
    Namespaced("canary_stage"),
    None,
    Gauge,
    Boolean,
    Guardrails,
    ["stage"],
    None,
    "Deployment stage, one-hot over shadow, canary_1, canary_2 and production."
);
def!(
    CANARY_TRAFFIC,
    Namespaced("canary_traffic_ratio"),
    None,
    Gauge,
    Ratio,
    Guardrails,
    [],
    None,
    "Share of capital or traffic given to the candidate (fraction)."
);

// --- monitoring snapshot (Market NN Plus Ultra `plus_ultra_monitoring_*`) ---
def!(
    MONITORING_RISK_METRIC,
    Namespaced("monitoring_risk_metric"),
    Some("plus_ultra_monitoring_risk_metric"),
    Gauge,
    Dimensionless,
    Monitoring,
    ["name"],
    None,
    "Latest live risk metric (sharpe, max_drawdown, ...); negative values stored as absolute."
);
def!(
    MONITORING_DRIFT_METRIC,
    Namespaced("monitoring_drift_metric"),
    Some("plus_ultra_monitoring_drift_metric"),
    Gauge,
    Dimensionless,
    Monitoring,
    ["name"],
    None,
    "Latest live drift metric (psi, js, ks)."
);
def!(
    MONITORING_WINDOW_SIZE,
    Namespaced("monitoring_window_size"),
    Some("plus_ultra_monitoring_window_size"),
    Gauge,
    Count,
    Monitoring,
    [],
    None,
    "Observations in the live monitoring window."
);
def!(
    MONITORING_ALERTS,
    Namespaced("monitoring_alerts_total"),
    Some("plus_ultra_monitoring_alerts_total"),
    Counter,
    Count,
    Monitoring,
    ["alert"],
    None,
    "Live monitoring alerts, by alert name (never the message text)."
);
def!(
    MONITORING_LAST_ALERT,
    Namespaced("monitoring_last_alert_timestamp_seconds"),
    Some("plus_ultra_monitoring_last_alert_timestamp"),
    Gauge,
    TimestampSeconds,
    Monitoring,
    [],
    None,
    "Unix time of the last live monitoring alert."
);

// --- inference ---
def!(
    INFERENCE_LATENCY,
    Namespaced("inference_latency_seconds"),
    None,
    Histogram,
    Seconds,
    Inference,
    ["model"],
    Some(INFERENCE_LATENCY_BUCKETS),
    "Model forward-pass latency in seconds, by model name."
);
def!(
    PREDICTIONS,
    Namespaced("predictions_total"),
    None,
    Counter,
    Count,
    Inference,
    ["model"],
    None,
    "Predictions produced, by model name."
);

// --- Autotrader dashboard (`trading_*`) ---
def!(
    TRADING_PNL,
    Fixed("trading_pnl_total"),
    None,
    Gauge,
    Currency,
    Trading,
    [],
    None,
    "Cumulative P&L in account currency (a gauge: it can fall)."
);
def!(
    TRADING_SHARPE,
    Fixed("trading_sharpe_ratio"),
    None,
    Gauge,
    Dimensionless,
    Trading,
    [],
    None,
    "Annualised Sharpe ratio of the live strategy."
);
def!(
    TRADING_WINNING_TRADES,
    Fixed("trading_winning_trades"),
    None,
    Gauge,
    Count,
    Trading,
    [],
    None,
    "Closed trades with positive P&L."
);
def!(
    TRADING_TOTAL_TRADES,
    Fixed("trading_total_trades"),
    None,
    Gauge,
    Count,
    Trading,
    [],
    None,
    "Closed trades."
);
def!(
    TRADING_MAX_DRAWDOWN_PERCENT,
    Fixed("trading_max_drawdown_percent"),
    None,
    Gauge,
    Percent,
    Trading,
    [],
    None,
    "Maximum drawdown in percent (15 means 15 %), positive."
);
def!(
    TRADING_GROSS_PROFIT,
    Fixed("trading_gross_profit"),
    None,
    Gauge,
    Currency,
    Trading,
    [],
    None,
    "Sum of winning trades' P&L in account currency."
);
def!(
    TRADING_GROSS_LOSS,
    Fixed("trading_gross_loss"),
    None,
    Gauge,
    Currency,
    Trading,
    [],
    None,
    "Sum of losing trades' P&L in account currency, as a positive number."
);

// --- Quant Bot key metrics (fractions) ---
def!(
    PNL_HOURLY,
    Namespaced("pnl_hourly_ratio"),
    None,
    Gauge,
    Ratio,
    Risk,
    ["strategy"],
    None,
    "P&L over the last hour as a fraction of AUM (-0.005 means -0.5 %)."
);
def!(
    PNL_DAILY,
    Namespaced("pnl_daily_ratio"),
    None,
    Gauge,
    Ratio,
    Risk,
    ["strategy"],
    None,
    "P&L since the start of the trading day as a fraction of AUM."
);
def!(
    DRAWDOWN,
    Namespaced("drawdown_ratio"),
    None,
    Gauge,
    Ratio,
    Risk,
    ["strategy"],
    None,
    "Current drawdown from the equity peak as a positive fraction."
);
def!(
    SLIPPAGE,
    Namespaced("slippage_ratio"),
    None,
    Gauge,
    Ratio,
    Risk,
    ["strategy"],
    None,
    "Realised slippage divided by simulated slippage (2 means twice the model)."
);
def!(
    FILL,
    Namespaced("fill_ratio"),
    None,
    Gauge,
    Ratio,
    Risk,
    ["strategy"],
    None,
    "Filled quantity over ordered quantity (fraction)."
);
def!(
    MODEL_PRECISION,
    Namespaced("model_precision_ratio"),
    None,
    Gauge,
    Ratio,
    Risk,
    ["strategy"],
    None,
    "Live precision of the model's directional calls (fraction in [0, 1], not relative to a baseline)."
);

// --- ml-trading-bot ---
def!(
    ML_PREDICTIONS,
    Fixed("predictions_total"),
    None,
    Counter,
    Count,
    MlTradingBot,
    ["bot_name", "symbol", "timeframe"],
    None,
    "Predictions served, by bot, symbol and timeframe (ml-trading-bot name)."
);
def!(
    ML_PREDICTION_LATENCY,
    Fixed("prediction_latency_seconds"),
    None,
    Histogram,
    Seconds,
    MlTradingBot,
    ["bot_name"],
    Some(ML_BOT_LATENCY_BUCKETS),
    "Prediction latency in seconds, by bot (ml-trading-bot name and buckets)."
);
def!(
    ML_WEBSOCKET_CONNECTIONS,
    Fixed("websocket_connections_total"),
    None,
    Gauge,
    Count,
    MlTradingBot,
    [],
    None,
    "Open websocket connections (a gauge despite its ml-trading-bot name)."
);
def!(
    ML_CACHE_HITS,
    Fixed("cache_hits_total"),
    None,
    Counter,
    Count,
    MlTradingBot,
    [],
    None,
    "Feature cache hits."
);
def!(
    ML_CACHE_MISSES,
    Fixed("cache_misses_total"),
    None,
    Counter,
    Count,
    MlTradingBot,
    [],
    None,
    "Feature cache misses."
);
def!(
    ML_CACHE_SIZE,
    Fixed("cache_size"),
    None,
    Gauge,
    Count,
    MlTradingBot,
    [],
    None,
    "Entries in the feature cache."
);
def!(
    MARKET_REGIME_STATE,
    Fixed("market_regime_state"),
    None,
    Gauge,
    Boolean,
    MlTradingBot,
    ["symbol", "timeframe", "regime"],
    None,
    "Market regime, one-hot over the six regimes, by symbol and timeframe."
);
def!(
    PREDICTION_QUALITY_METRIC,
    Fixed("prediction_quality_metric"),
    None,
    Gauge,
    Dimensionless,
    MlTradingBot,
    ["symbol", "timeframe", "metric"],
    None,
    "Prediction quality (mae, mape in percent, directional_accuracy in percent, drift_score)."
);

// --- drift ---
def!(
    DRIFT_DETECTIONS,
    Fixed("drift_detections_total"),
    None,
    Counter,
    Count,
    Drift,
    ["metric_type", "severity"],
    None,
    "Drift detections: transitions into drift (counted when a statistic crosses its threshold, not again while it stays above), by statistic (psi, jensenshannon, ks, ...) and severity."
);
def!(
    DRIFT_SCORE,
    Fixed("drift_score"),
    None,
    Gauge,
    Dimensionless,
    Drift,
    ["feature", "method"],
    None,
    "Latest drift statistic, by feature and method."
);

// --- recovery (Trading-graph) ---
def!(
    RECOVERY_OPERATIONS,
    Namespaced("recovery_operations"),
    None,
    Gauge,
    Count,
    Recovery,
    ["operation"],
    None,
    "Operations recorded within the retention window, by operation."
);
def!(
    RECOVERY_SUCCESS_RATE,
    Namespaced("recovery_success_rate"),
    None,
    Gauge,
    Ratio,
    Recovery,
    ["operation"],
    None,
    "Success rate within the retention window (1 when empty), by operation."
);
def!(
    RECOVERY_RECENT_SUCCESS_RATE,
    Namespaced("recovery_recent_success_rate"),
    None,
    Gauge,
    Ratio,
    Recovery,
    ["operation"],
    None,
    "Success rate of the last 100 results, by operation."
);
def!(
    RECOVERY_AVG_ATTEMPTS,
    Namespaced("recovery_avg_attempts"),
    None,
    Gauge,
    Count,
    Recovery,
    ["operation"],
    None,
    "Mean attempts per operation."
);
def!(
    RECOVERY_AVG_DURATION,
    Namespaced("recovery_avg_duration_seconds"),
    None,
    Gauge,
    Seconds,
    Recovery,
    ["operation"],
    None,
    "Mean operation duration in seconds."
);
def!(
    RECOVERY_FALLBACK_RATE,
    Namespaced("recovery_fallback_rate"),
    None,
    Gauge,
    Ratio,
    Recovery,
    ["operation"],
    None,
    "Share of operations that used a fallback."
);
def!(
    RECOVERY_CONSECUTIVE_FAILURES,
    Namespaced("recovery_consecutive_failures"),
    None,
    Gauge,
    Count,
    Recovery,
    [],
    None,
    "Failures since the last success (any operation)."
);
def!(
    RECOVERY_OVERALL_SUCCESS_RATE,
    Namespaced("recovery_overall_success_rate"),
    None,
    Gauge,
    Ratio,
    Recovery,
    [],
    None,
    "Success rate over all operations within the retention window."
);
def!(
    RECOVERY_HEALTH,
    Namespaced("recovery_health_status"),
    None,
    Gauge,
    Dimensionless,
    Recovery,
    [],
    None,
    "Recovery health: 0 healthy, 1 degraded, 2 unhealthy."
);

// --- build ---
def!(
    BUILD_INFO,
    Namespaced("build_info"),
    None,
    Gauge,
    Boolean,
    Build,
    ["version"],
    None,
    "Always 1; the version label names the tradewarden release."
);

/// Every metric in the catalog.
pub const ALL: &[&MetricDef] = &[
    &SERVICE_REQUESTS,
    &SERVICE_LATENCY,
    &SERVICE_EXCEPTIONS,
    &SERVICE_LAST_SUCCESS,
    &SERVICE_LAST_ERROR,
    &SERVICE_PREDICTION_ROWS,
    &SERVICE_LAST_PREDICTION_ROWS,
    &GUARDRAILS_ENABLED,
    &GUARDRAIL_VIOLATIONS,
    &GUARDRAIL_LAST_VIOLATION_COUNT,
    &TRADING_STATE,
    &CIRCUIT_BREAKER_ACTIVE,
    &TRADING_CIRCUIT_BREAKER_ACTIVE,
    &KILL_SWITCH_ACTIVE,
    &ORDER_DENIALS,
    &ORDERS_CHECKED,
    &ORDER_CLIPS,
    &STATE_TRANSITIONS,
    &CANARY_STAGE,
    &CANARY_TRAFFIC,
    &MONITORING_RISK_METRIC,
    &MONITORING_DRIFT_METRIC,
    &MONITORING_WINDOW_SIZE,
    &MONITORING_ALERTS,
    &MONITORING_LAST_ALERT,
    &INFERENCE_LATENCY,
    &PREDICTIONS,
    &TRADING_PNL,
    &TRADING_SHARPE,
    &TRADING_WINNING_TRADES,
    &TRADING_TOTAL_TRADES,
    &TRADING_MAX_DRAWDOWN_PERCENT,
    &TRADING_GROSS_PROFIT,
    &TRADING_GROSS_LOSS,
    &PNL_HOURLY,
    &PNL_DAILY,
    &DRAWDOWN,
    &SLIPPAGE,
    &FILL,
    &MODEL_PRECISION,
    &ML_PREDICTIONS,
    &ML_PREDICTION_LATENCY,
    &ML_WEBSOCKET_CONNECTIONS,
    &ML_CACHE_HITS,
    &ML_CACHE_MISSES,
    &ML_CACHE_SIZE,
    &MARKET_REGIME_STATE,
    &PREDICTION_QUALITY_METRIC,
    &DRIFT_DETECTIONS,
    &DRIFT_SCORE,
    &RECOVERY_OPERATIONS,
    &RECOVERY_SUCCESS_RATE,
    &RECOVERY_RECENT_SUCCESS_RATE,
    &RECOVERY_AVG_ATTEMPTS,
    &RECOVERY_AVG_DURATION,
    &RECOVERY_FALLBACK_RATE,
    &RECOVERY_CONSECUTIVE_FAILURES,
    &RECOVERY_OVERALL_SUCCESS_RATE,
    &RECOVERY_HEALTH,
    &BUILD_INFO,
];

/// Names under the default namespace and native profile, as `&'static str`,
/// for tests, documentation and readers of a default-configured exposition.
///
/// Emitters do not use these: they resolve names through [`installed()`] (or
/// an explicit [`Catalog`]), so a custom namespace or the `plus_ultra`
/// profile reaches every family. Each constant equals
/// `Catalog::default().name(&catalog::X)` (tested).
pub mod names {
    /// `tradewarden_trading_state{state}` (one-hot: active, reducing, halted).
    pub const TRADING_STATE: &str = "tradewarden_trading_state";
    /// `tradewarden_circuit_breaker_active`.
    pub const CIRCUIT_BREAKER_ACTIVE: &str = "tradewarden_circuit_breaker_active";
    /// `trading_circuit_breaker_active` (Autotrader name; set together with the above).
    pub const TRADING_CIRCUIT_BREAKER_ACTIVE: &str = "trading_circuit_breaker_active";
    /// `tradewarden_kill_switch_active`.
    pub const KILL_SWITCH_ACTIVE: &str = "tradewarden_kill_switch_active";
    /// `tradewarden_order_denials_total{reason}`.
    pub const ORDER_DENIALS: &str = "tradewarden_order_denials_total";
    /// `tradewarden_orders_checked_total`.
    pub const ORDERS_CHECKED: &str = "tradewarden_orders_checked_total";
    /// `tradewarden_order_clips_total{reason}`.
    pub const ORDER_CLIPS: &str = "tradewarden_order_clips_total";
    /// `tradewarden_state_transitions_total{to}`.
    pub const STATE_TRANSITIONS: &str = "tradewarden_state_transitions_total";
    /// `tradewarden_guardrail_violations_total{name}`.
    pub const GUARDRAIL_VIOLATIONS: &str = "tradewarden_guardrail_violations_total";
    /// `tradewarden_guardrail_last_violations` (`plus_ultra_guardrail_last_violation_count` under that profile).
    pub const GUARDRAIL_LAST_VIOLATION_COUNT: &str = "tradewarden_guardrail_last_violations";
    /// `tradewarden_guardrails_enabled{policy}`.
    pub const GUARDRAILS_ENABLED: &str = "tradewarden_guardrails_enabled";
    /// `tradewarden_canary_stage{stage}` (one-hot: shadow, canary_1, canary_2, production).
    pub const CANARY_STAGE: &str = "tradewarden_canary_stage";
    /// `tradewarden_canary_traffic_ratio`.
    pub const CANARY_TRAFFIC: &str = "tradewarden_canary_traffic_ratio";
    /// `drift_detections_total{metric_type,severity}`.
    pub const DRIFT_DETECTIONS: &str = "drift_detections_total";
    /// `drift_score{feature,method}`.
    pub const DRIFT_SCORE: &str = "drift_score";
    /// `tradewarden_monitoring_drift_metric{name}`.
    pub const MONITORING_DRIFT_METRIC: &str = "tradewarden_monitoring_drift_metric";
    /// `tradewarden_inference_latency_seconds{model}`.
    pub const INFERENCE_LATENCY: &str = "tradewarden_inference_latency_seconds";
    /// `tradewarden_predictions_total{model}`.
    pub const PREDICTIONS: &str = "tradewarden_predictions_total";
    /// `prediction_quality_metric{symbol,timeframe,metric}`.
    pub const PREDICTION_QUALITY_METRIC: &str = "prediction_quality_metric";
    /// `market_regime_state{symbol,timeframe,regime}`.
    pub const MARKET_REGIME_STATE: &str = "market_regime_state";
}

/// Label names used by the catalog, for direct `metrics` macro users.
pub mod labels {
    /// Trading state label of `trading_state`.
    pub const STATE: &str = "state";
    /// Denial reason label of `order_denials_total`.
    pub const REASON: &str = "reason";
    /// Rule name label of `guardrail_violations_total`.
    pub const NAME: &str = "name";
    /// Policy label of `guardrails_enabled`.
    pub const POLICY: &str = "policy";
    /// Stage label of `canary_stage`.
    pub const STAGE: &str = "stage";
    /// Statistic label of `drift_detections_total` (psi, ks, js, ...).
    pub const METRIC_TYPE: &str = "metric_type";
    /// Severity label of `drift_detections_total` (low, medium, high, critical).
    pub const SEVERITY: &str = "severity";
    /// Feature label of `drift_score`.
    pub const FEATURE: &str = "feature";
    /// Method label of `drift_score`.
    pub const METHOD: &str = "method";
    /// Model label of inference metrics.
    pub const MODEL: &str = "model";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::validate_label_name;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_valid_in_both_profiles() {
        for profile in [Profile::Native, Profile::PlusUltra] {
            let c = Catalog::new("tradewarden", profile).unwrap();
            let mut seen = HashSet::new();
            for (name, def) in c.entries() {
                validate_metric_name("name", &name).unwrap();
                assert!(seen.insert(name.to_string()), "duplicate {name}");
                for l in def.labels {
                    validate_label_name("label", l).unwrap();
                }
                if def.kind == MetricKind::Counter {
                    assert!(name.ends_with("_total"), "counter {name} lacks _total");
                }
                if def.unit == MetricUnit::Seconds {
                    assert!(name.ends_with("_seconds"), "{name}");
                }
                assert_eq!(def.buckets.is_some(), def.kind == MetricKind::Histogram);
                if let Some(b) = def.buckets {
                    assert!(
                        b.windows(2).all(|w| w[0] < w[1]),
                        "{name} buckets not increasing"
                    );
                }
                assert!(!def.help.is_empty());
                // Bounded labels: none that identifies an order or a message.
                for l in def.labels {
                    assert!(!["order_id", "id", "message", "client_order_id"].contains(l));
                }
            }
        }
    }

    #[test]
    fn plus_ultra_profile_has_the_playbook_names_and_labels() {
        let c = Catalog::new("tradewarden", Profile::PlusUltra).unwrap();
        let expect: &[(&str, &[&str])] = &[
            (
                "plus_ultra_service_requests_total",
                &["endpoint", "method", "status"],
            ),
            (
                "plus_ultra_service_request_latency_seconds",
                &["endpoint", "method"],
            ),
            (
                "plus_ultra_service_request_exceptions_total",
                &["endpoint", "method", "exception"],
            ),
            ("plus_ultra_service_last_success_timestamp", &["endpoint"]),
            ("plus_ultra_service_last_error_timestamp", &["endpoint"]),
            ("plus_ultra_service_prediction_rows", &[]),
            ("plus_ultra_service_last_prediction_rows", &[]),
            ("plus_ultra_guardrails_enabled", &["policy"]),
            ("plus_ultra_guardrail_violations_total", &["name"]),
            ("plus_ultra_guardrail_last_violation_count", &[]),
            ("plus_ultra_monitoring_risk_metric", &["name"]),
            ("plus_ultra_monitoring_drift_metric", &["name"]),
            ("plus_ultra_monitoring_window_size", &[]),
            ("plus_ultra_monitoring_alerts_total", &["alert"]),
            ("plus_ultra_monitoring_last_alert_timestamp", &[]),
        ];
        for (name, labels) in expect {
            let d = c.lookup(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(&d.labels, labels, "{name}");
        }
        assert_eq!(
            c.lookup("plus_ultra_service_request_latency_seconds")
                .unwrap()
                .buckets,
            Some(PLUS_ULTRA_LATENCY_BUCKETS)
        );
        // Native names are not emitted under the profile.
        assert!(c.lookup("tradewarden_service_requests_total").is_none());
    }

    #[test]
    fn ml_bot_and_autotrader_names() {
        let c = Catalog::default();
        let d = c.lookup("prediction_latency_seconds").unwrap();
        assert_eq!(d.buckets, Some(&[0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0][..]));
        assert_eq!(d.labels, &["bot_name"]);
        assert_eq!(
            c.lookup("market_regime_state").unwrap().labels,
            &["symbol", "timeframe", "regime"]
        );
        assert_eq!(
            c.lookup("prediction_quality_metric").unwrap().labels,
            &["symbol", "timeframe", "metric"]
        );
        for n in [
            "trading_pnl_total",
            "trading_sharpe_ratio",
            "trading_winning_trades",
            "trading_total_trades",
            "trading_max_drawdown_percent",
            "trading_circuit_breaker_active",
            "trading_gross_profit",
            "trading_gross_loss",
        ] {
            assert!(c.lookup(n).is_some(), "{n}");
        }
        assert_eq!(
            c.lookup("drift_detections_total").unwrap().labels,
            &["metric_type", "severity"]
        );
        assert_eq!(
            c.lookup("drift_score").unwrap().labels,
            &["feature", "method"]
        );
    }

    #[test]
    fn namespace_is_configurable_and_validated() {
        let c = Catalog::new("acme", Profile::Native).unwrap();
        assert_eq!(c.name(&TRADING_STATE), "acme_trading_state");
        assert_eq!(c.name(&DRIFT_SCORE), "drift_score");
        // `trading` would make tradewarden's breaker gauge collide with Autotrader's name.
        for bad in ["", "1abc", "a-b", "a b", "ns:x", "trading"] {
            let e = Catalog::new(bad, Profile::Native).unwrap_err();
            assert!(matches!(
                e,
                MetricsError::InvalidMetricName {
                    param: "namespace",
                    ..
                }
            ));
            assert!(e.to_string().contains("namespace"), "{e}");
        }
    }

    #[test]
    fn series_suffixes_of_histograms_resolve() {
        let c = Catalog::default();
        assert!(c.contains_series("tradewarden_inference_latency_seconds_bucket"));
        assert!(c.contains_series("prediction_latency_seconds_count"));
        assert!(!c.contains_series("trading_pnl_total_bucket"));
        assert!(!c.contains_series("nothing_emits_this"));
    }

    #[test]
    fn name_constants_match_catalog() {
        let c = Catalog::default();
        let pairs: &[(&str, &MetricDef)] = &[
            (names::TRADING_STATE, &TRADING_STATE),
            (names::CIRCUIT_BREAKER_ACTIVE, &CIRCUIT_BREAKER_ACTIVE),
            (
                names::TRADING_CIRCUIT_BREAKER_ACTIVE,
                &TRADING_CIRCUIT_BREAKER_ACTIVE,
            ),
            (names::KILL_SWITCH_ACTIVE, &KILL_SWITCH_ACTIVE),
            (names::ORDER_DENIALS, &ORDER_DENIALS),
            (names::ORDERS_CHECKED, &ORDERS_CHECKED),
            (names::ORDER_CLIPS, &ORDER_CLIPS),
            (names::STATE_TRANSITIONS, &STATE_TRANSITIONS),
            (names::GUARDRAIL_VIOLATIONS, &GUARDRAIL_VIOLATIONS),
            (
                names::GUARDRAIL_LAST_VIOLATION_COUNT,
                &GUARDRAIL_LAST_VIOLATION_COUNT,
            ),
            (names::GUARDRAILS_ENABLED, &GUARDRAILS_ENABLED),
            (names::CANARY_STAGE, &CANARY_STAGE),
            (names::CANARY_TRAFFIC, &CANARY_TRAFFIC),
            (names::DRIFT_DETECTIONS, &DRIFT_DETECTIONS),
            (names::DRIFT_SCORE, &DRIFT_SCORE),
            (names::MONITORING_DRIFT_METRIC, &MONITORING_DRIFT_METRIC),
            (names::INFERENCE_LATENCY, &INFERENCE_LATENCY),
            (names::PREDICTIONS, &PREDICTIONS),
            (names::PREDICTION_QUALITY_METRIC, &PREDICTION_QUALITY_METRIC),
            (names::MARKET_REGIME_STATE, &MARKET_REGIME_STATE),
        ];
        for (n, d) in pairs {
            assert_eq!(*n, c.name(d));
            for l in d.labels {
                validate_label_name("label", l).unwrap();
            }
        }
    }
}
