//! Cached handles over the `metrics` facade, one helper per metric family.
//!
//! Every helper resolves its names through a [`Catalog`] and registers its
//! handles once, when it is built; recording afterwards touches only the
//! cached handle (an atomic in the installed recorder). Build helpers *after*
//! installing a recorder: a handle registered while no recorder is installed
//! stays a no-op, exactly like the facade. Emitting crates pass
//! [`crate::catalog::installed`], the catalog the exporter was installed
//! with, so names follow its namespace and profile.
//!
//! ```
//! use tradewarden_metrics::{catalog::Catalog, handles::InferenceMetrics, testing::TestRecorder};
//! let rec = TestRecorder::new();
//! rec.with(|| {
//!     let m = InferenceMetrics::new(&Catalog::default(), "mlp_v3");
//!     m.record(0.0004, 16);
//! });
//! assert_eq!(rec.counter("tradewarden_predictions_total", &[("model", "mlp_v3")]), Some(16));
//! ```

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use metrics::{Counter, Gauge, Histogram, Label};

use crate::catalog::{self, CANARY_STAGES, Catalog, MARKET_REGIMES, MetricDef, TRADING_STATES};
use crate::error::{MetricsError, Result};

fn labels_of(def: &MetricDef, values: &[&str]) -> Vec<Label> {
    def.labels
        .iter()
        .zip(values)
        .map(|(k, v)| Label::new(*k, v.to_string()))
        .collect()
}

fn counter(c: &Catalog, def: &MetricDef, values: &[&str]) -> Counter {
    metrics::counter!(c.name(def).into_owned(), labels_of(def, values))
}

fn gauge(c: &Catalog, def: &MetricDef, values: &[&str]) -> Gauge {
    metrics::gauge!(c.name(def).into_owned(), labels_of(def, values))
}

fn histogram(c: &Catalog, def: &MetricDef, values: &[&str]) -> Histogram {
    metrics::histogram!(c.name(def).into_owned(), labels_of(def, values))
}

fn finite(param: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(MetricsError::InvalidInput {
            param,
            value: v.to_string(),
            reason: "must be finite".into(),
        })
    }
}

fn one_of<'a>(param: &'static str, v: &'a str, allowed: &[&str]) -> Result<&'a str> {
    if allowed.contains(&v) {
        Ok(v)
    } else {
        Err(MetricsError::InvalidInput {
            param,
            value: v.to_string(),
            reason: format!("must be one of {}", allowed.join(", ")),
        })
    }
}

/// Current Unix time in seconds (0 if the clock is before 1970).
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Describes every catalog metric (help text) to the installed recorder.
pub fn describe_all(catalog: &Catalog) {
    for (name, def) in catalog.entries() {
        let name = name.into_owned();
        match def.kind {
            catalog::MetricKind::Counter => metrics::describe_counter!(name, def.help),
            catalog::MetricKind::Gauge => metrics::describe_gauge!(name, def.help),
            catalog::MetricKind::Histogram => metrics::describe_histogram!(name, def.help),
        }
    }
}

/// Distinct values a [`CounterFamily`] label (or a service endpoint) may take
/// before further values are folded into [`OVERFLOW_LABEL_VALUE`]: a guard
/// against unbounded series, never a limit reached in normal use.
pub const MAX_LABEL_VALUES: usize = 512;
/// The label value that absorbs values past [`MAX_LABEL_VALUES`].
pub const OVERFLOW_LABEL_VALUE: &str = "_other";

/// A counter family with one dynamic label, handles cached per label value.
///
/// Label values must come from a bounded set (rule names, denial reasons).
#[derive(Debug)]
pub struct CounterFamily {
    name: String,
    fixed: Vec<Label>,
    label: &'static str,
    cache: RwLock<HashMap<String, Counter>>,
}

impl CounterFamily {
    fn new(c: &Catalog, def: &MetricDef, fixed_values: &[&str]) -> Self {
        let n = fixed_values.len();
        CounterFamily {
            name: c.name(def).into_owned(),
            fixed: labels_of(def, fixed_values),
            label: def.labels.get(n).copied().unwrap_or("name"),
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The cached counter for `value`. Past [`MAX_LABEL_VALUES`] distinct
    /// values, new values are counted under [`OVERFLOW_LABEL_VALUE`].
    pub fn get(&self, value: &str) -> Counter {
        {
            let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(c) = cache.get(value) {
                return c.clone();
            }
            if cache.len() >= MAX_LABEL_VALUES && value != OVERFLOW_LABEL_VALUE {
                drop(cache);
                return self.get(OVERFLOW_LABEL_VALUE);
            }
        }
        let mut labels = self.fixed.clone();
        labels.push(Label::new(self.label, value.to_string()));
        let c = metrics::counter!(self.name.clone(), labels);
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(value.to_string())
            .or_insert(c)
            .clone()
    }

    /// Adds `n` to the counter for `value`.
    pub fn increment(&self, value: &str, n: u64) {
        self.get(value).increment(n);
    }
}

/// Inference latency histogram and prediction counter for one model.
#[derive(Debug, Clone)]
pub struct InferenceMetrics {
    latency: Histogram,
    predictions: Counter,
}

impl InferenceMetrics {
    /// Registers the handles for `model`.
    pub fn new(catalog: &Catalog, model: &str) -> Self {
        InferenceMetrics {
            latency: histogram(catalog, &catalog::INFERENCE_LATENCY, &[model]),
            predictions: counter(catalog, &catalog::PREDICTIONS, &[model]),
        }
    }

    /// Records one forward pass of `seconds` that produced `predictions` outputs.
    #[inline]
    pub fn record(&self, seconds: f64, predictions: u64) {
        self.latency.record(seconds);
        self.predictions.increment(predictions);
    }

    /// The cached latency histogram.
    pub fn latency(&self) -> &Histogram {
        &self.latency
    }

    /// The cached prediction counter.
    pub fn predictions(&self) -> &Counter {
        &self.predictions
    }
}

/// Trading state of the guardrails, exported one-hot over [`TRADING_STATES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradingState {
    /// Orders accepted.
    Active,
    /// Only risk-reducing orders accepted.
    Reducing,
    /// No orders accepted.
    Halted,
}

impl TradingState {
    /// Every state, in the order of [`TRADING_STATES`].
    pub const ALL: [TradingState; 3] = [
        TradingState::Active,
        TradingState::Reducing,
        TradingState::Halted,
    ];

    /// Position in [`TRADING_STATES`].
    pub const fn index(self) -> usize {
        match self {
            TradingState::Active => 0,
            TradingState::Reducing => 1,
            TradingState::Halted => 2,
        }
    }

    /// The `state` label value (from [`TRADING_STATES`]).
    pub const fn as_str(self) -> &'static str {
        TRADING_STATES[self.index()]
    }
}

/// Deployment stage, exported one-hot over [`CANARY_STAGES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanaryStage {
    /// No capital.
    Shadow,
    /// First canary (1 % AUM in the Quant Bot runbook).
    Canary1,
    /// Second canary (5 % AUM).
    Canary2,
    /// Full capital.
    Production,
}

impl CanaryStage {
    /// Every stage, in the order of [`CANARY_STAGES`].
    pub const ALL: [CanaryStage; 4] = [
        CanaryStage::Shadow,
        CanaryStage::Canary1,
        CanaryStage::Canary2,
        CanaryStage::Production,
    ];

    /// Position in [`CANARY_STAGES`].
    pub const fn index(self) -> usize {
        match self {
            CanaryStage::Shadow => 0,
            CanaryStage::Canary1 => 1,
            CanaryStage::Canary2 => 2,
            CanaryStage::Production => 3,
        }
    }

    /// The `stage` label value (from [`CANARY_STAGES`]).
    pub const fn as_str(self) -> &'static str {
        CANARY_STAGES[self.index()]
    }

    /// The stage at `index` of [`CANARY_STAGES`], if any.
    pub fn from_index(index: usize) -> Option<CanaryStage> {
        CanaryStage::ALL.get(index).copied()
    }

    /// The stage whose label value is `label`, if any.
    pub fn from_label(label: &str) -> Option<CanaryStage> {
        CanaryStage::ALL.into_iter().find(|s| s.as_str() == label)
    }
}

fn bool_value(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// Trading-state gauges (one-hot state, both breaker gauges, kill switch) and
/// the transitions counter.
#[derive(Debug)]
pub struct StateMetrics {
    states: Vec<Gauge>,
    breaker: Gauge,
    trading_breaker: Gauge,
    kill_switch: Gauge,
    transitions: CounterFamily,
}

impl StateMetrics {
    /// Registers the gauges; the transitions counter registers per target
    /// state on first use.
    pub fn new(catalog: &Catalog) -> Self {
        StateMetrics {
            states: gauges_over(catalog, &catalog::TRADING_STATE, TRADING_STATES),
            breaker: gauge(catalog, &catalog::CIRCUIT_BREAKER_ACTIVE, &[]),
            trading_breaker: gauge(catalog, &catalog::TRADING_CIRCUIT_BREAKER_ACTIVE, &[]),
            kill_switch: gauge(catalog, &catalog::KILL_SWITCH_ACTIVE, &[]),
            transitions: CounterFamily::new(catalog, &catalog::STATE_TRANSITIONS, &[]),
        }
    }

    /// Sets the one-hot trading state.
    pub fn set_trading_state(&self, state: TradingState) {
        let i = state.index();
        for (j, g) in self.states.iter().enumerate() {
            g.set(bool_value(i == j));
        }
    }

    /// Sets the breaker gauges (ours and Autotrader's `trading_circuit_breaker_active`).
    pub fn set_breaker_active(&self, active: bool) {
        let v = bool_value(active);
        self.breaker.set(v);
        self.trading_breaker.set(v);
    }

    /// Sets the kill-switch gauge.
    pub fn set_kill_switch_active(&self, active: bool) {
        self.kill_switch.set(bool_value(active));
    }

    /// Counts one transition into `to` (a bounded state name).
    pub fn transition(&self, to: &str) {
        self.transitions.increment(to, 1);
    }
}

/// The one-hot canary stage and its traffic (or AUM) share.
#[derive(Debug, Clone)]
pub struct CanaryMetrics {
    stages: Vec<Gauge>,
    traffic: Gauge,
}

impl CanaryMetrics {
    /// Registers the handles.
    pub fn new(catalog: &Catalog) -> Self {
        CanaryMetrics {
            stages: gauges_over(catalog, &catalog::CANARY_STAGE, CANARY_STAGES),
            traffic: gauge(catalog, &catalog::CANARY_TRAFFIC, &[]),
        }
    }

    /// Sets the one-hot stage (all 0 for `None`, a stage outside
    /// [`CANARY_STAGES`]) and the traffic share (a fraction in `[0, 1]`).
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] when `traffic_ratio` is outside `[0, 1]`
    /// or not finite; nothing is set then.
    pub fn set(&self, stage: Option<CanaryStage>, traffic_ratio: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&traffic_ratio) {
            return Err(MetricsError::InvalidInput {
                param: "traffic_ratio",
                value: traffic_ratio.to_string(),
                reason: "must be a fraction in [0, 1]".into(),
            });
        }
        let hot = stage.map(CanaryStage::index);
        for (j, g) in self.stages.iter().enumerate() {
            g.set(bool_value(hot == Some(j)));
        }
        self.traffic.set(traffic_ratio);
        Ok(())
    }
}

/// Guardrail violations by rule name and the last evaluation's count.
#[derive(Debug)]
pub struct ViolationMetrics {
    violations: CounterFamily,
    last_count: Gauge,
}

impl ViolationMetrics {
    /// Registers the gauge; the counter registers per rule name on first use.
    pub fn new(catalog: &Catalog) -> Self {
        ViolationMetrics {
            violations: CounterFamily::new(catalog, &catalog::GUARDRAIL_VIOLATIONS, &[]),
            last_count: gauge(catalog, &catalog::GUARDRAIL_LAST_VIOLATION_COUNT, &[]),
        }
    }

    /// Records the rule names (a bounded set) violated by one evaluation:
    /// increments each and sets the last-violation-count gauge.
    pub fn record<'a>(&self, rules: impl IntoIterator<Item = &'a str>) {
        let mut n = 0u64;
        for r in rules {
            self.violations.increment(r, 1);
            n += 1;
        }
        self.last_count.set(n as f64);
    }
}

/// Pre-trade counters with every handle registered up front: one denial and
/// one clip counter per reason code, and the orders-checked counter.
/// Recording indexes a cached handle and never allocates (an atomic add in
/// the installed recorder, nothing without one).
///
/// ```
/// use tradewarden_metrics::{catalog::{Catalog, Profile}, handles::PreTradeMetrics, testing::TestRecorder};
/// let rec = TestRecorder::new();
/// let acme = Catalog::new("acme", Profile::Native).unwrap();
/// let m = rec.with(|| PreTradeMetrics::new(&acme, ["max_notional", "price_band"]));
/// m.checked();
/// m.denial(1);
/// assert_eq!(rec.counter("acme_order_denials_total", &[("reason", "price_band")]), Some(1));
/// assert_eq!(rec.counter("acme_orders_checked_total", &[]), Some(1));
/// ```
#[derive(Debug, Clone)]
pub struct PreTradeMetrics {
    checked: Counter,
    denials: Vec<Counter>,
    clips: Vec<Counter>,
}

impl Default for PreTradeMetrics {
    /// No reasons, no-op handles.
    fn default() -> Self {
        PreTradeMetrics {
            checked: Counter::noop(),
            denials: Vec::new(),
            clips: Vec::new(),
        }
    }
}

impl PreTradeMetrics {
    /// Registers the handles; `reasons` are the bounded reason codes, the
    /// index of a code is the one [`PreTradeMetrics::denial`] and
    /// [`PreTradeMetrics::clip`] take.
    pub fn new<'a>(catalog: &Catalog, reasons: impl IntoIterator<Item = &'a str>) -> Self {
        let reasons: Vec<&str> = reasons.into_iter().collect();
        PreTradeMetrics {
            checked: counter(catalog, &catalog::ORDERS_CHECKED, &[]),
            denials: reasons
                .iter()
                .map(|r| counter(catalog, &catalog::ORDER_DENIALS, &[r]))
                .collect(),
            clips: reasons
                .iter()
                .map(|r| counter(catalog, &catalog::ORDER_CLIPS, &[r]))
                .collect(),
        }
    }

    /// Counts one checked order.
    #[inline]
    pub fn checked(&self) {
        self.checked.increment(1);
    }

    /// Counts one denial for the reason at `index` (ignored when out of range).
    #[inline]
    pub fn denial(&self, index: usize) {
        if let Some(c) = self.denials.get(index) {
            c.increment(1);
        }
    }

    /// Counts one clip for the reason at `index` (ignored when out of range).
    #[inline]
    pub fn clip(&self, index: usize) {
        if let Some(c) = self.clips.get(index) {
            c.increment(1);
        }
    }
}

/// Every guardrail family in one helper: [`StateMetrics`],
/// [`CanaryMetrics`], [`ViolationMetrics`], denials by reason (cached per
/// reason on first use) and `guardrails_enabled{policy}`. The guardrails
/// crate uses the parts it needs; this is the same set for a service that
/// reports guardrail outcomes of its own.
#[derive(Debug)]
pub struct GuardrailMetrics {
    state: StateMetrics,
    canary: CanaryMetrics,
    violations: ViolationMetrics,
    denials: CounterFamily,
    catalog: Catalog,
}

impl GuardrailMetrics {
    /// Registers the handles.
    pub fn new(catalog: &Catalog) -> Self {
        GuardrailMetrics {
            state: StateMetrics::new(catalog),
            canary: CanaryMetrics::new(catalog),
            violations: ViolationMetrics::new(catalog),
            denials: CounterFamily::new(catalog, &catalog::ORDER_DENIALS, &[]),
            catalog: catalog.clone(),
        }
    }

    /// Sets the one-hot trading state.
    pub fn set_trading_state(&self, state: TradingState) {
        self.state.set_trading_state(state);
    }

    /// Sets the breaker gauges (ours and Autotrader's `trading_circuit_breaker_active`).
    pub fn set_breaker_active(&self, active: bool) {
        self.state.set_breaker_active(active);
    }

    /// Sets the kill-switch gauge.
    pub fn set_kill_switch_active(&self, active: bool) {
        self.state.set_kill_switch_active(active);
    }

    /// Counts one denied order for `reason` (a bounded reason code).
    pub fn denial(&self, reason: &str) {
        self.denials.increment(reason, 1);
    }

    /// Records the rule names violated by one evaluation: increments each and
    /// sets the last-violation-count gauge.
    pub fn violations<'a>(&self, rules: impl IntoIterator<Item = &'a str>) {
        self.violations.record(rules);
    }

    /// Sets `guardrails_enabled{policy}`.
    pub fn set_enabled(&self, policy: &str, enabled: bool) {
        gauge(&self.catalog, &catalog::GUARDRAILS_ENABLED, &[policy]).set(bool_value(enabled));
    }

    /// Sets the one-hot canary stage and the traffic share (a fraction in `[0, 1]`).
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] when `traffic_ratio` is outside `[0, 1]` or not finite.
    pub fn set_canary(&self, stage: CanaryStage, traffic_ratio: f64) -> Result<()> {
        self.canary.set(Some(stage), traffic_ratio)
    }
}

fn gauges_over(c: &Catalog, def: &MetricDef, values: &[&str]) -> Vec<Gauge> {
    values.iter().map(|v| gauge(c, def, &[v])).collect()
}

/// Handles of one `(endpoint, method)` pair.
#[derive(Debug, Clone)]
struct EndpointHandles {
    latency: Histogram,
    // Registered on first use, so no `0` timestamp series appears before an event.
    last_success: Arc<OnceLock<Gauge>>,
    last_error: Arc<OnceLock<Gauge>>,
}

/// The request-accounting family (`plus_ultra_service_*` under the
/// Plus Ultra profile), with a timing guard.
///
/// ```
/// use tradewarden_metrics::{catalog::{Catalog, Profile}, handles::ServiceMetrics, testing::TestRecorder};
/// let rec = TestRecorder::new();
/// rec.with(|| {
///     let svc = ServiceMetrics::new(&Catalog::new("tradewarden", Profile::PlusUltra).unwrap());
///     let t = svc.start("predict", "POST");
///     t.finish(200);
/// });
/// let labels = [("endpoint", "predict"), ("method", "POST"), ("status", "200")];
/// assert_eq!(rec.counter("plus_ultra_service_requests_total", &labels), Some(1));
/// ```
#[derive(Debug)]
pub struct ServiceMetrics {
    catalog: Catalog,
    endpoints: RwLock<HashMap<(String, String), EndpointHandles>>,
    prediction_rows: Histogram,
    last_prediction_rows: Gauge,
}

impl ServiceMetrics {
    /// Registers the label-less handles; per-endpoint handles are cached on first use.
    pub fn new(catalog: &Catalog) -> Self {
        ServiceMetrics {
            catalog: catalog.clone(),
            endpoints: RwLock::new(HashMap::new()),
            prediction_rows: histogram(catalog, &catalog::SERVICE_PREDICTION_ROWS, &[]),
            last_prediction_rows: gauge(catalog, &catalog::SERVICE_LAST_PREDICTION_ROWS, &[]),
        }
    }

    /// The cached handles, and whether `endpoint` overflowed into `_other`.
    fn endpoint(&self, endpoint: &str, method: &str) -> (EndpointHandles, bool) {
        let key = (endpoint.to_string(), method.to_string());
        {
            let cache = self
                .endpoints
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(h) = cache.get(&key) {
                return (h.clone(), false);
            }
            if cache.len() >= MAX_LABEL_VALUES && endpoint != OVERFLOW_LABEL_VALUE {
                drop(cache);
                return (self.endpoint(OVERFLOW_LABEL_VALUE, method).0, true);
            }
        }
        let c = &self.catalog;
        let h = EndpointHandles {
            latency: histogram(c, &catalog::SERVICE_LATENCY, &[endpoint, method]),
            last_success: Arc::new(OnceLock::new()),
            last_error: Arc::new(OnceLock::new()),
        };
        let h = self
            .endpoints
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert(h)
            .clone();
        (h, false)
    }

    /// Starts timing one request; finish it with [`RequestTimer::finish`] or
    /// [`RequestTimer::fail`]. A timer dropped unfinished (e.g. the handler
    /// unwound) records status 500 and exception `Unfinished`.
    pub fn start(&self, endpoint: &str, method: &str) -> RequestTimer<'_> {
        RequestTimer {
            service: self,
            endpoint: endpoint.to_string(),
            method: method.to_string(),
            started: Instant::now(),
            done: false,
        }
    }

    /// Records one finished request of known duration. Endpoints past
    /// [`MAX_LABEL_VALUES`] distinct `(endpoint, method)` pairs are recorded
    /// as endpoint [`OVERFLOW_LABEL_VALUE`].
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] naming `seconds` when the latency is
    /// not finite and >= 0; nothing is recorded then.
    pub fn record(
        &self,
        endpoint: &str,
        method: &str,
        status: u16,
        seconds: f64,
        exception: Option<&str>,
    ) -> Result<()> {
        if !(finite("seconds", seconds)? >= 0.0) {
            return Err(MetricsError::InvalidInput {
                param: "seconds",
                value: seconds.to_string(),
                reason: "must be >= 0".into(),
            });
        }
        self.record_valid(endpoint, method, status, seconds, exception);
        Ok(())
    }

    /// [`ServiceMetrics::record`] of a latency known to be finite and >= 0
    /// (a [`RequestTimer`]'s elapsed time).
    fn record_valid(
        &self,
        endpoint: &str,
        method: &str,
        status: u16,
        seconds: f64,
        exception: Option<&str>,
    ) {
        let (h, overflow) = self.endpoint(endpoint, method);
        let endpoint = if overflow {
            OVERFLOW_LABEL_VALUE
        } else {
            endpoint
        };
        h.latency.record(seconds);
        let status_s = status.to_string();
        counter(
            &self.catalog,
            &catalog::SERVICE_REQUESTS,
            &[endpoint, method, &status_s],
        )
        .increment(1);
        if let Some(exc) = exception {
            counter(
                &self.catalog,
                &catalog::SERVICE_EXCEPTIONS,
                &[endpoint, method, exc],
            )
            .increment(1);
        }
        let now = unix_now();
        let c = &self.catalog;
        if (200..400).contains(&status) && exception.is_none() {
            h.last_success
                .get_or_init(|| gauge(c, &catalog::SERVICE_LAST_SUCCESS, &[endpoint]))
                .set(now);
        } else {
            h.last_error
                .get_or_init(|| gauge(c, &catalog::SERVICE_LAST_ERROR, &[endpoint]))
                .set(now);
        }
    }

    /// Records the row count of one prediction response.
    pub fn prediction_rows(&self, rows: usize) {
        let r = rows as f64;
        self.prediction_rows.record(r);
        self.last_prediction_rows.set(r);
    }
}

/// Times one request; see [`ServiceMetrics::start`].
#[derive(Debug)]
pub struct RequestTimer<'a> {
    service: &'a ServiceMetrics,
    endpoint: String,
    method: String,
    started: Instant,
    done: bool,
}

impl RequestTimer<'_> {
    /// Records the request with its HTTP status.
    pub fn finish(mut self, status: u16) {
        self.done = true;
        self.service.record_valid(
            &self.endpoint,
            &self.method,
            status,
            self.started.elapsed().as_secs_f64(),
            None,
        );
    }

    /// Records a request that failed with `exception` (a class name, bounded).
    pub fn fail(mut self, status: u16, exception: &str) {
        self.done = true;
        self.service.record_valid(
            &self.endpoint,
            &self.method,
            status,
            self.started.elapsed().as_secs_f64(),
            Some(exception),
        );
    }
}

impl Drop for RequestTimer<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.service.record_valid(
                &self.endpoint,
                &self.method,
                500,
                self.started.elapsed().as_secs_f64(),
                Some("Unfinished"),
            );
        }
    }
}

/// Live monitoring snapshot gauges (`plus_ultra_monitoring_*`).
#[derive(Debug)]
pub struct MonitoringMetrics {
    catalog: Catalog,
    window: Gauge,
    last_alert: Gauge,
    alerts: CounterFamily,
}

impl MonitoringMetrics {
    /// Registers the handles.
    pub fn new(catalog: &Catalog) -> Self {
        MonitoringMetrics {
            catalog: catalog.clone(),
            window: gauge(catalog, &catalog::MONITORING_WINDOW_SIZE, &[]),
            last_alert: gauge(catalog, &catalog::MONITORING_LAST_ALERT, &[]),
            alerts: CounterFamily::new(catalog, &catalog::MONITORING_ALERTS, &[]),
        }
    }

    /// Sets a risk metric; negative values are stored as absolute values
    /// (Plus Ultra convention, so drawdown thresholds read as `> limit`).
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] for a non-finite value.
    pub fn risk(&self, name: &str, value: f64) -> Result<()> {
        let v = finite("value", value)?.abs();
        gauge(&self.catalog, &catalog::MONITORING_RISK_METRIC, &[name]).set(v);
        Ok(())
    }

    /// Sets a drift metric (psi, js, ks).
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] for a non-finite value.
    pub fn drift(&self, name: &str, value: f64) -> Result<()> {
        let v = finite("value", value)?;
        gauge(&self.catalog, &catalog::MONITORING_DRIFT_METRIC, &[name]).set(v);
        Ok(())
    }

    /// Sets the window size.
    pub fn window_size(&self, n: usize) {
        self.window.set(n as f64);
    }

    /// Counts one alert by its (bounded) name and stamps the time.
    pub fn alert(&self, alert: &str) {
        self.alerts.increment(alert, 1);
        self.last_alert.set(unix_now());
    }
}

/// Autotrader's dashboard figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TradingSnapshot {
    /// Cumulative P&L in account currency.
    pub pnl: f64,
    /// Annualised Sharpe ratio.
    pub sharpe: f64,
    /// Winning closed trades.
    pub winning_trades: u64,
    /// Closed trades.
    pub total_trades: u64,
    /// Maximum drawdown as a positive fraction (0.15 = 15 %); exported in percent.
    pub max_drawdown_ratio: f64,
    /// Gross profit in account currency.
    pub gross_profit: f64,
    /// Gross loss in account currency, positive.
    pub gross_loss: f64,
}

/// One of the Quant Bot runbook's key metrics, by its seed name
/// (`FromStr` / `Display`: `pnl_hourly_ratio`, `pnl_daily_ratio`,
/// `drawdown_ratio`, `slippage_ratio`, `fill_ratio`, `model_precision_ratio`).
///
/// ```
/// use tradewarden_metrics::handles::RiskMetric;
/// assert_eq!(RiskMetric::Fill.to_string(), "fill_ratio");
/// assert_eq!("drawdown_ratio".parse::<RiskMetric>().unwrap(), RiskMetric::Drawdown);
/// let e = "fill".parse::<RiskMetric>().unwrap_err().to_string();
/// assert!(e.contains("metric = \"fill\"") && e.contains("'model_precision_ratio'"), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskMetric {
    /// Last-hour P&L / AUM.
    HourlyPnl,
    /// Day-to-date P&L / AUM.
    DailyPnl,
    /// Drawdown from peak, positive fraction.
    Drawdown,
    /// Realised / simulated slippage.
    Slippage,
    /// Filled / ordered quantity.
    Fill,
    /// Live model precision.
    ModelPrecision,
}

// The metric names, defined once for every door (`FromStr` / `Display`; an
// unknown name is `InvalidInput` naming `metric`, the value and the choices).
tradewarden_core::named_enum!(
    RiskMetric,
    "metric",
    [
        ("pnl_hourly_ratio", RiskMetric::HourlyPnl),
        ("pnl_daily_ratio", RiskMetric::DailyPnl),
        ("drawdown_ratio", RiskMetric::Drawdown),
        ("slippage_ratio", RiskMetric::Slippage),
        ("fill_ratio", RiskMetric::Fill),
        ("model_precision_ratio", RiskMetric::ModelPrecision),
    ]
);

impl RiskMetric {
    /// Position of the metric's gauge in [`TradingMetrics`] (the name table's order).
    const fn index(self) -> usize {
        match self {
            RiskMetric::HourlyPnl => 0,
            RiskMetric::DailyPnl => 1,
            RiskMetric::Drawdown => 2,
            RiskMetric::Slippage => 3,
            RiskMetric::Fill => 4,
            RiskMetric::ModelPrecision => 5,
        }
    }
}

/// `trading_*` gauges (Autotrader) and the Quant Bot risk gauges of one strategy.
#[derive(Debug, Clone)]
pub struct TradingMetrics {
    pnl: Gauge,
    sharpe: Gauge,
    winning: Gauge,
    total: Gauge,
    mdd_pct: Gauge,
    gross_profit: Gauge,
    gross_loss: Gauge,
    risk: [Gauge; 6],
}

impl TradingMetrics {
    /// Registers the handles; `strategy` labels the risk gauges.
    pub fn new(catalog: &Catalog, strategy: &str) -> Self {
        let g = |d: &MetricDef| gauge(catalog, d, &[strategy]);
        TradingMetrics {
            pnl: gauge(catalog, &catalog::TRADING_PNL, &[]),
            sharpe: gauge(catalog, &catalog::TRADING_SHARPE, &[]),
            winning: gauge(catalog, &catalog::TRADING_WINNING_TRADES, &[]),
            total: gauge(catalog, &catalog::TRADING_TOTAL_TRADES, &[]),
            mdd_pct: gauge(catalog, &catalog::TRADING_MAX_DRAWDOWN_PERCENT, &[]),
            gross_profit: gauge(catalog, &catalog::TRADING_GROSS_PROFIT, &[]),
            gross_loss: gauge(catalog, &catalog::TRADING_GROSS_LOSS, &[]),
            risk: [
                g(&catalog::PNL_HOURLY),
                g(&catalog::PNL_DAILY),
                g(&catalog::DRAWDOWN),
                g(&catalog::SLIPPAGE),
                g(&catalog::FILL),
                g(&catalog::MODEL_PRECISION),
            ],
        }
    }

    /// Sets the Autotrader gauges.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] naming the first non-finite field, or
    /// when `winning_trades > total_trades`; nothing is set then.
    pub fn set_snapshot(&self, s: &TradingSnapshot) -> Result<()> {
        finite("pnl", s.pnl)?;
        finite("sharpe", s.sharpe)?;
        finite("max_drawdown_ratio", s.max_drawdown_ratio)?;
        finite("gross_profit", s.gross_profit)?;
        finite("gross_loss", s.gross_loss)?;
        if s.winning_trades > s.total_trades {
            return Err(MetricsError::InvalidInput {
                param: "winning_trades",
                value: s.winning_trades.to_string(),
                reason: format!("exceeds total_trades = {}", s.total_trades),
            });
        }
        self.pnl.set(s.pnl);
        self.sharpe.set(s.sharpe);
        self.winning.set(s.winning_trades as f64);
        self.total.set(s.total_trades as f64);
        self.mdd_pct.set(s.max_drawdown_ratio.abs() * 100.0);
        self.gross_profit.set(s.gross_profit);
        self.gross_loss.set(s.gross_loss.abs());
        Ok(())
    }

    /// Sets one Quant Bot risk gauge (a fraction, see [`RiskMetric`]).
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] for a non-finite value.
    pub fn set_risk(&self, metric: RiskMetric, value: f64) -> Result<()> {
        let v = finite("value", value)?;
        self.risk[metric.index()].set(v);
        Ok(())
    }
}

/// Drift detections and scores (Autotrader names).
#[derive(Debug)]
pub struct DriftMetrics {
    catalog: Catalog,
}

impl DriftMetrics {
    /// A drift helper.
    pub fn new(catalog: &Catalog) -> Self {
        DriftMetrics {
            catalog: catalog.clone(),
        }
    }

    /// Counts one detection, e.g. `("psi", "high")`.
    pub fn detection(&self, metric_type: &str, severity: &str) {
        counter(
            &self.catalog,
            &catalog::DRIFT_DETECTIONS,
            &[metric_type, severity],
        )
        .increment(1);
    }

    /// Sets `drift_score{feature,method}`.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] for a non-finite score.
    pub fn score(&self, feature: &str, method: &str, value: f64) -> Result<()> {
        let v = finite("value", value)?;
        gauge(&self.catalog, &catalog::DRIFT_SCORE, &[feature, method]).set(v);
        Ok(())
    }
}

/// ml-trading-bot's metrics.
#[derive(Debug)]
pub struct MlBotMetrics {
    catalog: Catalog,
}

impl MlBotMetrics {
    /// An ml-trading-bot helper.
    pub fn new(catalog: &Catalog) -> Self {
        MlBotMetrics {
            catalog: catalog.clone(),
        }
    }

    /// Counts one prediction and records its latency.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] naming `seconds` when the latency is
    /// not finite and >= 0; nothing is recorded then.
    pub fn prediction(
        &self,
        bot_name: &str,
        symbol: &str,
        timeframe: &str,
        seconds: f64,
    ) -> Result<()> {
        if !(finite("seconds", seconds)? >= 0.0) {
            return Err(MetricsError::InvalidInput {
                param: "seconds",
                value: seconds.to_string(),
                reason: "must be >= 0".into(),
            });
        }
        counter(
            &self.catalog,
            &catalog::ML_PREDICTIONS,
            &[bot_name, symbol, timeframe],
        )
        .increment(1);
        histogram(&self.catalog, &catalog::ML_PREDICTION_LATENCY, &[bot_name]).record(seconds);
        Ok(())
    }

    /// Sets the one-hot regime of `(symbol, timeframe)`: 1 on `regime`, 0 on the other five.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] for a regime outside [`MARKET_REGIMES`].
    pub fn set_regime(&self, symbol: &str, timeframe: &str, regime: &str) -> Result<()> {
        one_of("regime", regime, MARKET_REGIMES)?;
        for r in MARKET_REGIMES {
            gauge(
                &self.catalog,
                &catalog::MARKET_REGIME_STATE,
                &[symbol, timeframe, r],
            )
            .set(if *r == regime { 1.0 } else { 0.0 });
        }
        Ok(())
    }

    /// Sets `prediction_quality_metric{symbol,timeframe,metric}`.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] for an unknown metric or a non-finite value.
    pub fn set_quality(
        &self,
        symbol: &str,
        timeframe: &str,
        metric: &str,
        value: f64,
    ) -> Result<()> {
        one_of("metric", metric, catalog::PREDICTION_QUALITY_METRICS)?;
        let v = finite("value", value)?;
        gauge(
            &self.catalog,
            &catalog::PREDICTION_QUALITY_METRIC,
            &[symbol, timeframe, metric],
        )
        .set(v);
        Ok(())
    }

    /// Cache statistics.
    pub fn cache(&self, hits: u64, misses: u64, size: usize) {
        counter(&self.catalog, &catalog::ML_CACHE_HITS, &[]).increment(hits);
        counter(&self.catalog, &catalog::ML_CACHE_MISSES, &[]).increment(misses);
        gauge(&self.catalog, &catalog::ML_CACHE_SIZE, &[]).set(size as f64);
    }

    /// Open websocket connections.
    pub fn websocket_connections(&self, n: usize) {
        gauge(&self.catalog, &catalog::ML_WEBSOCKET_CONNECTIONS, &[]).set(n as f64);
    }
}

/// Sets `<ns>_build_info{version} 1`.
pub fn set_build_info(catalog: &Catalog) {
    gauge(catalog, &catalog::BUILD_INFO, &[env!("CARGO_PKG_VERSION")]).set(1.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Profile;
    use crate::testing::TestRecorder;
    use tradewarden_core::{Classify, ErrorKind};

    fn native() -> Catalog {
        Catalog::default()
    }

    #[test]
    fn risk_metric_names_round_trip_and_a_wrong_one_is_named() {
        use tradewarden_core::names::Named;
        let all: Vec<RiskMetric> = RiskMetric::NAMES.iter().map(|(_, m)| *m).collect();
        let names: std::collections::BTreeSet<&str> = all.iter().map(|m| m.as_str()).collect();
        assert_eq!(names.len(), 6, "one distinct name per metric");
        for (i, m) in all.iter().enumerate() {
            assert_eq!(m.index(), i, "the table is in gauge order");
            assert_eq!(m.to_string().parse::<RiskMetric>().unwrap(), *m);
        }
        for bad in ["model_precision", "", "Fill_Ratio", "fill_ratio "] {
            let e = bad.parse::<RiskMetric>().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            let text = e.to_string();
            assert!(text.contains(&format!("metric = {bad:?}")), "{text}");
            for m in &all {
                assert!(text.contains(&format!("'{m}'")), "{text}");
            }
        }
    }

    #[test]
    fn guardrail_state_and_stage_are_one_hot() {
        let rec = TestRecorder::new();
        let g = rec.with(|| GuardrailMetrics::new(&native()));
        g.set_trading_state(TradingState::Reducing);
        g.set_trading_state(TradingState::Halted);
        let st = |s| rec.gauge("tradewarden_trading_state", &[("state", s)]);
        assert_eq!(
            (st("active"), st("reducing"), st("halted")),
            (Some(0.0), Some(0.0), Some(1.0))
        );
        g.set_canary(CanaryStage::Canary2, 0.05).unwrap();
        let sg = |s| rec.gauge("tradewarden_canary_stage", &[("stage", s)]);
        assert_eq!(sg("canary_2"), Some(1.0));
        assert_eq!(sg("shadow"), Some(0.0));
        assert_eq!(sg("production"), Some(0.0));
        assert_eq!(
            rec.gauge("tradewarden_canary_traffic_ratio", &[]),
            Some(0.05)
        );
        for bad in [-0.1, 1.5, f64::NAN] {
            let e = g.set_canary(CanaryStage::Shadow, bad).unwrap_err();
            assert!(e.to_string().contains("traffic_ratio"), "{e}");
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
        }
        // unchanged after the rejected calls
        assert_eq!(sg("canary_2"), Some(1.0));
    }

    #[test]
    fn state_and_stage_enums_index_the_catalog_label_sets() {
        let states: Vec<&str> = TradingState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(states, TRADING_STATES);
        let stages: Vec<&str> = CanaryStage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(stages, CANARY_STAGES);
        for (i, s) in CANARY_STAGES.iter().enumerate() {
            assert_eq!(CanaryStage::from_label(s).map(CanaryStage::index), Some(i));
            assert_eq!(
                CanaryStage::from_index(i).map(CanaryStage::as_str),
                Some(*s)
            );
        }
        assert_eq!(CanaryStage::from_label("canary_3"), None);
        assert_eq!(CanaryStage::from_index(CANARY_STAGES.len()), None);
    }

    #[test]
    fn guardrail_parts_resolve_names_through_their_catalog() {
        let rec = TestRecorder::new();
        let acme = Catalog::new("acme", Profile::Native).unwrap();
        rec.with(|| {
            let s = StateMetrics::new(&acme);
            s.set_trading_state(TradingState::Reducing);
            s.transition("REDUCING");
            CanaryMetrics::new(&acme).set(None, 0.5).unwrap();
            ViolationMetrics::new(&acme).record(["turnover_rate"]);
            let p = PreTradeMetrics::new(&acme, ["a", "b"]);
            p.clip(0);
            p.denial(7); // out of range: ignored
        });
        assert_eq!(
            rec.gauge("acme_trading_state", &[("state", "reducing")]),
            Some(1.0)
        );
        assert_eq!(
            rec.counter("acme_state_transitions_total", &[("to", "REDUCING")]),
            Some(1)
        );
        // A stage outside the set: every one-hot gauge 0.
        for s in CANARY_STAGES {
            assert_eq!(rec.gauge("acme_canary_stage", &[("stage", s)]), Some(0.0));
        }
        assert_eq!(rec.gauge("acme_canary_traffic_ratio", &[]), Some(0.5));
        assert_eq!(
            rec.counter(
                "acme_guardrail_violations_total",
                &[("name", "turnover_rate")]
            ),
            Some(1)
        );
        assert_eq!(
            rec.counter("acme_order_clips_total", &[("reason", "a")]),
            Some(1)
        );
        assert!(rec.names().iter().all(|n| !n.starts_with("tradewarden_")));
    }

    #[test]
    fn breaker_sets_both_names_and_counters_count() {
        let rec = TestRecorder::new();
        let g = rec.with(|| GuardrailMetrics::new(&native()));
        g.set_breaker_active(true);
        assert_eq!(
            rec.gauge("tradewarden_circuit_breaker_active", &[]),
            Some(1.0)
        );
        assert_eq!(rec.gauge("trading_circuit_breaker_active", &[]), Some(1.0));
        g.set_breaker_active(false);
        assert_eq!(rec.gauge("trading_circuit_breaker_active", &[]), Some(0.0));
        g.set_kill_switch_active(true);
        assert_eq!(rec.gauge("tradewarden_kill_switch_active", &[]), Some(1.0));
        rec.with(|| {
            g.denial("max_notional");
            g.denial("max_notional");
            g.denial("price_band");
            g.violations(["gross_exposure_peak", "turnover_rate"]);
            g.violations(["gross_exposure_peak"]);
            g.set_enabled("service", false);
        });
        let d = |r| rec.counter("tradewarden_order_denials_total", &[("reason", r)]);
        assert_eq!((d("max_notional"), d("price_band")), (Some(2), Some(1)));
        let v = |n| rec.counter("tradewarden_guardrail_violations_total", &[("name", n)]);
        assert_eq!(
            (v("gross_exposure_peak"), v("turnover_rate")),
            (Some(2), Some(1))
        );
        assert_eq!(
            rec.gauge("tradewarden_guardrail_last_violations", &[]),
            Some(1.0)
        );
        assert_eq!(
            rec.gauge("tradewarden_guardrails_enabled", &[("policy", "service")]),
            Some(0.0)
        );
    }

    #[test]
    fn request_timer_records_plus_ultra_family() {
        let rec = TestRecorder::new();
        let pu = Catalog::new("tradewarden", Profile::PlusUltra).unwrap();
        rec.with(|| {
            let svc = ServiceMetrics::new(&pu);
            svc.start("predict", "POST").finish(200);
            svc.start("predict", "POST").fail(500, "ValueError");
            {
                let _unfinished = svc.start("guardrails", "POST");
            }
            svc.prediction_rows(64);
        });
        let req = |e, s| {
            rec.counter(
                "plus_ultra_service_requests_total",
                &[("endpoint", e), ("method", "POST"), ("status", s)],
            )
        };
        assert_eq!(req("predict", "200"), Some(1));
        assert_eq!(req("predict", "500"), Some(1));
        assert_eq!(req("guardrails", "500"), Some(1));
        let exc = |e, x| {
            rec.counter(
                "plus_ultra_service_request_exceptions_total",
                &[("endpoint", e), ("method", "POST"), ("exception", x)],
            )
        };
        assert_eq!(exc("predict", "ValueError"), Some(1));
        assert_eq!(exc("guardrails", "Unfinished"), Some(1));
        let lat = rec
            .histogram(
                "plus_ultra_service_request_latency_seconds",
                &[("endpoint", "predict"), ("method", "POST")],
            )
            .unwrap();
        assert_eq!(lat.len(), 2);
        assert!(lat.iter().all(|s| *s >= 0.0 && *s < 5.0));
        let now = unix_now();
        let ok = rec
            .gauge(
                "plus_ultra_service_last_success_timestamp",
                &[("endpoint", "predict")],
            )
            .unwrap();
        assert!((now - ok).abs() < 60.0);
        assert!(
            rec.gauge(
                "plus_ultra_service_last_success_timestamp",
                &[("endpoint", "guardrails")]
            )
            .is_none()
        );
        assert!(
            rec.gauge(
                "plus_ultra_service_last_error_timestamp",
                &[("endpoint", "guardrails")]
            )
            .is_some()
        );
        assert_eq!(
            rec.gauge("plus_ultra_service_last_prediction_rows", &[]),
            Some(64.0)
        );
        assert_eq!(
            rec.histogram("plus_ultra_service_prediction_rows", &[]),
            Some(vec![64.0])
        );
    }

    #[test]
    fn trading_snapshot_and_risk_gauges() {
        let rec = TestRecorder::new();
        let t = rec.with(|| TradingMetrics::new(&native(), "s1"));
        let snap = TradingSnapshot {
            pnl: -120.0,
            sharpe: 1.7,
            winning_trades: 55,
            total_trades: 100,
            max_drawdown_ratio: -0.12,
            gross_profit: 900.0,
            gross_loss: -1020.0,
        };
        t.set_snapshot(&snap).unwrap();
        assert_eq!(rec.gauge("trading_pnl_total", &[]), Some(-120.0));
        assert_eq!(rec.gauge("trading_max_drawdown_percent", &[]), Some(12.0));
        assert_eq!(rec.gauge("trading_gross_loss", &[]), Some(1020.0));
        assert_eq!(rec.gauge("trading_winning_trades", &[]), Some(55.0));
        let bad = TradingSnapshot {
            sharpe: f64::NAN,
            ..snap
        };
        let e = t.set_snapshot(&bad).unwrap_err();
        assert!(e.to_string().contains("sharpe"), "{e}");
        let bad = TradingSnapshot {
            winning_trades: 101,
            ..snap
        };
        assert!(
            t.set_snapshot(&bad)
                .unwrap_err()
                .to_string()
                .contains("winning_trades")
        );
        assert_eq!(rec.gauge("trading_sharpe_ratio", &[]), Some(1.7));

        t.set_risk(RiskMetric::DailyPnl, -0.015).unwrap();
        t.set_risk(RiskMetric::Fill, 0.97).unwrap();
        assert_eq!(
            rec.gauge("tradewarden_pnl_daily_ratio", &[("strategy", "s1")]),
            Some(-0.015)
        );
        assert_eq!(
            rec.gauge("tradewarden_fill_ratio", &[("strategy", "s1")]),
            Some(0.97)
        );
        let e = t.set_risk(RiskMetric::Drawdown, f64::INFINITY).unwrap_err();
        assert!(matches!(
            e,
            MetricsError::InvalidInput { param: "value", .. }
        ));
    }

    #[test]
    fn ml_bot_regime_is_one_hot_and_inputs_are_checked() {
        let rec = TestRecorder::new();
        let ml = MlBotMetrics::new(&native());
        rec.with(|| {
            ml.set_regime("BTCUSDT", "1h", "volatile").unwrap();
            ml.set_regime("BTCUSDT", "1h", "neutral").unwrap();
            ml.set_quality("BTCUSDT", "1h", "mape", 3.5).unwrap();
            ml.prediction("lstm", "BTCUSDT", "1h", 0.07).unwrap();
            for bad in [f64::NAN, -0.01, f64::INFINITY] {
                let e = ml.prediction("lstm", "BTCUSDT", "1h", bad).unwrap_err();
                assert!(e.to_string().contains("seconds"), "{e}");
            }
            ml.cache(3, 1, 10);
        });
        let r = |g| {
            rec.gauge(
                "market_regime_state",
                &[("symbol", "BTCUSDT"), ("timeframe", "1h"), ("regime", g)],
            )
        };
        let ones: usize = MARKET_REGIMES.iter().filter(|g| r(g) == Some(1.0)).count();
        assert_eq!(ones, 1);
        assert_eq!(r("neutral"), Some(1.0));
        assert_eq!(r("volatile"), Some(0.0));
        assert_eq!(
            rec.counter(
                "predictions_total",
                &[
                    ("bot_name", "lstm"),
                    ("symbol", "BTCUSDT"),
                    ("timeframe", "1h")
                ]
            ),
            Some(1)
        );
        assert_eq!(
            rec.histogram("prediction_latency_seconds", &[("bot_name", "lstm")]),
            Some(vec![0.07])
        );
        let e = rec
            .with(|| ml.set_regime("BTCUSDT", "1h", "sideways"))
            .unwrap_err();
        assert!(e.to_string().contains("sideways") && e.to_string().contains("regime"));
        let e = rec
            .with(|| ml.set_quality("BTCUSDT", "1h", "rmse", 1.0))
            .unwrap_err();
        assert!(e.to_string().contains("rmse"));
        let e = rec
            .with(|| ml.set_quality("BTCUSDT", "1h", "drift_score", f64::NAN))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn drift_and_monitoring() {
        let rec = TestRecorder::new();
        let c = native();
        rec.with(|| {
            let d = DriftMetrics::new(&c);
            d.detection("psi", "high");
            d.detection("psi", "high");
            d.score("ret_1m", "psi", 0.31).unwrap();
            assert!(d.score("ret_1m", "psi", f64::NAN).is_err());
            let m = MonitoringMetrics::new(&c);
            m.risk("max_drawdown", -0.2).unwrap();
            m.drift("psi", 0.4).unwrap();
            assert!(m.drift("psi", f64::INFINITY).is_err());
            m.alert("psi_above_threshold");
            m.window_size(512);
        });
        assert_eq!(
            rec.counter(
                "drift_detections_total",
                &[("metric_type", "psi"), ("severity", "high")]
            ),
            Some(2)
        );
        assert_eq!(
            rec.gauge("drift_score", &[("feature", "ret_1m"), ("method", "psi")]),
            Some(0.31)
        );
        assert_eq!(
            rec.gauge(
                "tradewarden_monitoring_risk_metric",
                &[("name", "max_drawdown")]
            ),
            Some(0.2)
        );
        assert_eq!(
            rec.counter(
                "tradewarden_monitoring_alerts_total",
                &[("alert", "psi_above_threshold")]
            ),
            Some(1)
        );
        assert_eq!(
            rec.gauge("tradewarden_monitoring_window_size", &[]),
            Some(512.0)
        );
    }

    #[test]
    fn cached_inference_handles_record() {
        let rec = TestRecorder::new();
        let m = rec.with(|| InferenceMetrics::new(&native(), "mlp"));
        // recorded outside the closure: the cached handle still points at rec
        m.record(0.001, 4);
        m.record(0.002, 4);
        assert_eq!(
            rec.counter("tradewarden_predictions_total", &[("model", "mlp")]),
            Some(8)
        );
        assert_eq!(
            rec.histogram("tradewarden_inference_latency_seconds", &[("model", "mlp")]),
            Some(vec![0.001, 0.002])
        );
        assert!(
            rec.names()
                .contains("tradewarden_inference_latency_seconds")
        );
    }
}

#[cfg(test)]
mod service_tests {
    use super::*;
    use crate::testing::TestRecorder;

    /// A latency that is not finite and >= 0 is a typed error naming
    /// `seconds`, and nothing of the request is recorded.
    #[test]
    fn bad_latency_is_refused_and_records_nothing() {
        let rec = TestRecorder::new();
        let svc = rec.with(|| ServiceMetrics::new(&Catalog::default()));
        for bad in [f64::NAN, f64::INFINITY, -1.0, -0.5e-9] {
            let e = rec
                .with(|| svc.record("/p", "GET", 200, bad, None))
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    MetricsError::InvalidInput {
                        param: "seconds",
                        ..
                    }
                ),
                "{bad}: {e:?}"
            );
        }
        assert_eq!(
            rec.counter(
                "tradewarden_service_requests_total",
                &[("endpoint", "/p"), ("method", "GET"), ("status", "200")]
            ),
            None
        );
        rec.with(|| svc.record("/p", "GET", 200, 0.0, None))
            .unwrap();
        assert_eq!(
            rec.counter(
                "tradewarden_service_requests_total",
                &[("endpoint", "/p"), ("method", "GET"), ("status", "200")]
            ),
            Some(1)
        );
    }
}

#[cfg(test)]
mod cardinality_tests {
    use super::*;
    use crate::testing::TestRecorder;

    #[test]
    fn label_values_past_the_cap_fold_into_other() {
        let rec = TestRecorder::new();
        let c = Catalog::default();
        rec.with(|| {
            let g = GuardrailMetrics::new(&c);
            for i in 0..MAX_LABEL_VALUES + 10 {
                g.denial(&format!("r{i}"));
            }
            let svc = ServiceMetrics::new(&c);
            for i in 0..MAX_LABEL_VALUES + 3 {
                svc.record(&format!("e{i}"), "GET", 200, 0.01, None)
                    .unwrap();
            }
        });
        assert_eq!(
            rec.counter("tradewarden_order_denials_total", &[("reason", "r0")]),
            Some(1)
        );
        assert_eq!(
            rec.counter(
                "tradewarden_order_denials_total",
                &[("reason", OVERFLOW_LABEL_VALUE)]
            ),
            Some(10)
        );
        let last = format!("r{}", MAX_LABEL_VALUES + 5);
        assert!(
            rec.counter("tradewarden_order_denials_total", &[("reason", &last)])
                .is_none()
        );
        assert_eq!(
            rec.counter(
                "tradewarden_service_requests_total",
                &[
                    ("endpoint", OVERFLOW_LABEL_VALUE),
                    ("method", "GET"),
                    ("status", "200")
                ]
            ),
            Some(3)
        );
    }
}
