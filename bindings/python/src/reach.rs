//! Python doors to the crates' seed-facing pieces that had none (issue #21
//! "Reach"): stateless period limits, the clip/warn exposure policy, the
//! regime classifier, the prediction sanity guard, the recovery tracker and
//! the seed metric handles (Quant Bot / Autotrader trading gauges,
//! ml-trading-bot's regime and prediction-quality gauges). Each door
//! converts its arguments, calls one crate function, converts the result.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tradewarden::core::ErrorKind;
use tradewarden::metrics::Catalog;
use tradewarden::metrics::handles::{
    DriftMetrics, MlBotMetrics, MonitoringMetrics, RiskMetric, ServiceMetrics, TradingMetrics,
    TradingSnapshot,
};
use tradewarden::metrics::recovery::{Outcome, RecoveryConfig, RecoveryTracker};
use tradewarden_guardrails::exposure::{TradeLog, apply_policy};
use tradewarden_guardrails::period::{self, PeriodObservation, Severity};
use tradewarden_inference::guard::SanityGuard;
use tradewarden_inference::regime::{self, RegimeConfig};

use crate::guardrails::PyPolicy;
use crate::{CallError, call, slice};

fn invalid(msg: String) -> CallError {
    CallError::Lib(ErrorKind::InvalidInput, msg)
}

/// An optional config dict (None: the crate's defaults); one that does not
/// deserialize is `InvalidConfig` naming `what`. Read as every door's
/// options are ([`crate::from_py`]): a NaN or ±inf field reaches the crate's
/// own validation, whose error (kind and field) is the one the Rust and C
/// doors give.
fn config<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<T> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(T::default()),
        Some(o) => crate::from_py(what, o),
    }
}

/// The installed exporter's catalog (the names the handles export under).
fn catalog() -> Result<Catalog, CallError> {
    let guard = crate::EXPORTER.lock().unwrap_or_else(|p| p.into_inner());
    guard.as_ref().map(|e| e.catalog().clone()).ok_or_else(|| {
        CallError::Lib(
            ErrorKind::State,
            "the telemetry exporter is not installed: call tradewarden.telemetry.install() first"
                .to_string(),
        )
    })
}

// ------------------------------------------------------------ period ---

/// `period::evaluate` over the policy's `[period]` limits, without a session
/// (nothing latched or journaled): the breaches as (rule, value, threshold, severity).
#[pyfunction]
#[pyo3(signature = (policy, *, aum=None, hourly_pnl=None, daily_pnl=None, equity=None, high_water_mark=None, slippage_ratio=None, fill_rate=None, model_precision_ratio=None, confidence=None, data_age_s=None))]
#[allow(clippy::too_many_arguments)]
fn period_evaluate(
    py: Python<'_>,
    policy: &Bound<'_, PyPolicy>,
    aum: Option<f64>,
    hourly_pnl: Option<f64>,
    daily_pnl: Option<f64>,
    equity: Option<f64>,
    high_water_mark: Option<f64>,
    slippage_ratio: Option<f64>,
    fill_rate: Option<f64>,
    model_precision_ratio: Option<f64>,
    confidence: Option<f64>,
    data_age_s: Option<f64>,
) -> PyResult<Vec<(&'static str, f64, f64, &'static str)>> {
    let limits = policy.get().inner.period.clone();
    let o = PeriodObservation {
        aum,
        hourly_pnl,
        daily_pnl,
        equity,
        high_water_mark,
        slippage_ratio,
        fill_rate,
        model_precision_ratio,
        confidence,
        data_age_s,
    };
    call(py, move || {
        Ok(period::evaluate(&limits, &o)
            .into_iter()
            .map(|b| {
                let sev = match b.severity {
                    Severity::Warning => "warning",
                    Severity::Critical => "critical",
                };
                (b.rule.as_str(), b.value, b.threshold, sev)
            })
            .collect())
    })
}

// ---------------------------------------------------------- exposure ---

/// `exposure::apply_policy` with the policy's `[exposure]` section over a
/// trade log given as columns. Returns {metrics, violations, scaled,
/// notional, position, pnl, exposures}.
#[pyfunction]
#[pyo3(signature = (policy, timestamp, symbol, pnl, notional=None, position=None, price=None, sector=None, factor=None))]
#[allow(clippy::too_many_arguments)]
fn exposure_apply_policy<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyPolicy>,
    timestamp: PyReadonlyArray1<'py, i64>,
    symbol: Vec<String>,
    pnl: PyReadonlyArray1<'py, f64>,
    notional: Option<PyReadonlyArray1<'py, f64>>,
    position: Option<PyReadonlyArray1<'py, f64>>,
    price: Option<PyReadonlyArray1<'py, f64>>,
    sector: Option<Vec<String>>,
    factor: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyDict>> {
    let p = policy.get().inner.exposure.clone();
    let ts = timestamp.as_slice().map_err(|_| {
        invalid("timestamp must be a contiguous 1-D int64 array (unix seconds)".into())
    });
    let pl = slice(&pnl, "pnl");
    let n = notional.as_ref().map(|a| slice(a, "notional")).transpose();
    let q = position.as_ref().map(|a| slice(a, "position")).transpose();
    let pr = price.as_ref().map(|a| slice(a, "price")).transpose();
    let out = call(py, move || {
        let mut log = TradeLog::new(ts?, &symbol, n?, q?, pr?, pl?)?;
        if let Some(s) = &sector {
            log = log.with_sector(s.as_slice())?;
        }
        if let Some(f) = &factor {
            log = log.with_factor(f.as_slice())?;
        }
        Ok(apply_policy(&log, &p)?)
    })?;
    let m = &out.metrics;
    let metrics = PyDict::new(py);
    metrics.set_item("gross_exposure_peak", m.gross_exposure_peak)?;
    metrics.set_item("gross_exposure_mean", m.gross_exposure_mean)?;
    metrics.set_item("net_exposure_mean", m.net_exposure_mean)?;
    metrics.set_item("net_exposure_peak", m.net_exposure_peak)?;
    metrics.set_item("turnover_rate", m.turnover_rate)?;
    metrics.set_item("tail_return_quantile", m.tail_return_quantile)?;
    metrics.set_item("tail_return_mean", m.tail_return_mean)?;
    metrics.set_item("tail_event_frequency", m.tail_event_frequency)?;
    metrics.set_item("max_symbol_exposure", m.max_symbol_exposure)?;
    let violations = PyList::empty(py);
    for v in &out.violations {
        violations.append((v.name.as_str(), v.value, v.threshold, v.message.as_str()))?;
    }
    let exposures = PyDict::new(py);
    exposures.set_item("symbol", &out.exposures.symbol)?;
    exposures.set_item("sector", &out.exposures.sector)?;
    exposures.set_item("factor", &out.exposures.factor)?;
    let d = PyDict::new(py);
    d.set_item("metrics", metrics)?;
    d.set_item("violations", violations)?;
    d.set_item("scaled", out.scaled)?;
    d.set_item("notional", PyArray1::from_vec(py, out.trades.notional))?;
    d.set_item(
        "position",
        out.trades.position.map(|p| PyArray1::from_vec(py, p)),
    )?;
    d.set_item("pnl", PyArray1::from_vec(py, out.trades.pnl))?;
    d.set_item("exposures", exposures)?;
    Ok(d)
}

// ------------------------------------------------------------ regime ---

/// `regime::classify` over the last candles: (regime, vol, momentum, range).
#[pyfunction]
#[pyo3(signature = (high, low, close, config=None))]
fn regime_classify(
    py: Python<'_>,
    high: PyReadonlyArray1<'_, f64>,
    low: PyReadonlyArray1<'_, f64>,
    close: PyReadonlyArray1<'_, f64>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<(&'static str, f64, f64, f64)> {
    let cfg: RegimeConfig = self::config("regime config", config)?;
    let (h, l, c) = (
        slice(&high, "high"),
        slice(&low, "low"),
        slice(&close, "close"),
    );
    call(py, move || {
        let r = regime::classify(h?, l?, c?, &cfg)?;
        Ok((r.regime.as_str(), r.vol, r.momentum, r.range))
    })
}

// ------------------------------------------------------------- guard ---

/// Kept points and dropped points (index, value, reason).
type GuardResult = (Vec<(usize, f64)>, Vec<(usize, f64, &'static str)>);

/// `SanityGuard::check` of a forecast path after `last_close` (None
/// thresholds: the crate's defaults): (kept, dropped).
#[pyfunction]
#[pyo3(signature = (last_close, forecast, max_move_from_last_close=None, max_step_move=None))]
fn sanity_guard_check(
    py: Python<'_>,
    last_close: f64,
    forecast: PyReadonlyArray1<'_, f64>,
    max_move_from_last_close: Option<f64>,
    max_step_move: Option<f64>,
) -> PyResult<GuardResult> {
    let f = slice(&forecast, "forecast");
    call(py, move || {
        let d = SanityGuard::default();
        let g = SanityGuard {
            max_move_from_last_close: max_move_from_last_close
                .unwrap_or(d.max_move_from_last_close),
            max_step_move: max_step_move.unwrap_or(d.max_step_move),
        };
        let out = g.check(last_close, f?)?;
        Ok((
            out.kept,
            out.dropped
                .into_iter()
                .map(|p| (p.index, p.value, p.reason.as_str()))
                .collect(),
        ))
    })
}

// ---------------------------------------------------------- recovery ---

/// Trading-graph's recovery tracker (`tradewarden_metrics::recovery`).
#[pyclass(name = "RecoveryTracker", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyRecoveryTracker {
    inner: RecoveryTracker,
}

#[pymethods]
impl PyRecoveryTracker {
    /// `RecoveryTracker::new` from a `RecoveryConfig` dict (None: defaults).
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let cfg: RecoveryConfig = self::config("recovery config", config)?;
        call(py, move || {
            Ok(PyRecoveryTracker {
                inner: RecoveryTracker::new(cfg)?,
            })
        })
    }

    /// `RecoveryTracker::record_at` (`at` None: now).
    #[pyo3(signature = (operation, success, duration_seconds, attempts=1, error_type=None, recovery_strategy=None, fallback_used=false, at=None))]
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        py: Python<'_>,
        operation: &str,
        success: bool,
        duration_seconds: f64,
        attempts: u32,
        error_type: Option<&str>,
        recovery_strategy: Option<&str>,
        fallback_used: bool,
        at: Option<f64>,
    ) -> PyResult<()> {
        let o = Outcome {
            operation,
            success,
            duration_seconds,
            attempts,
            error_type,
            recovery_strategy,
            fallback_used,
        };
        let t = &self.inner;
        call(py, move || {
            match at {
                Some(at) => t.record_at(at, &o)?,
                None => t.record(&o)?,
            }
            Ok(())
        })
    }

    /// `RecoveryTracker::health_at` as a dict (`now` None: now).
    #[pyo3(signature = (now=None))]
    fn health(&self, py: Python<'_>, now: Option<f64>) -> PyResult<Py<PyAny>> {
        let t = &self.inner;
        let h = call(py, move || {
            Ok(match now {
                Some(now) => t.health_at(now),
                None => t.health(),
            })
        })?;
        crate::to_py(py, "health", &h)
    }

    /// `RecoveryTracker::checked_summary_at` as a dict (`now` None: now).
    #[pyo3(signature = (now=None))]
    fn summary(&self, py: Python<'_>, now: Option<f64>) -> PyResult<Py<PyAny>> {
        let t = &self.inner;
        let s = call(py, move || {
            Ok(match now {
                Some(now) => t.checked_summary_at(now)?,
                None => t.summary(),
            })
        })?;
        crate::to_py(py, "summary", &s)
    }

    /// `RecoveryTracker::export`: sets the `recovery_*` gauges through the
    /// installed exporter's catalog.
    fn export(&self, py: Python<'_>) -> PyResult<()> {
        let t = &self.inner;
        call(py, move || {
            t.export(&catalog()?);
            Ok(())
        })
    }
}

// ----------------------------------------------------- metric handles ---

/// `TradingMetrics` of one strategy (Autotrader's `trading_*` gauges and
/// Quant Bot's risk gauges), registered in the installed exporter's catalog.
#[pyclass(name = "TradingMetrics", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyTradingMetrics {
    inner: TradingMetrics,
}

#[pymethods]
impl PyTradingMetrics {
    /// `TradingMetrics::new(catalog, strategy)`; needs the exporter installed.
    #[new]
    fn new(py: Python<'_>, strategy: &str) -> PyResult<Self> {
        call(py, move || {
            Ok(PyTradingMetrics {
                inner: TradingMetrics::new(&catalog()?, strategy),
            })
        })
    }

    /// `TradingMetrics::set_snapshot`.
    #[allow(clippy::too_many_arguments)]
    fn set_snapshot(
        &self,
        py: Python<'_>,
        pnl: f64,
        sharpe: f64,
        winning_trades: u64,
        total_trades: u64,
        max_drawdown_ratio: f64,
        gross_profit: f64,
        gross_loss: f64,
    ) -> PyResult<()> {
        let s = TradingSnapshot {
            pnl,
            sharpe,
            winning_trades,
            total_trades,
            max_drawdown_ratio,
            gross_profit,
            gross_loss,
        };
        let m = &self.inner;
        call(py, move || Ok(m.set_snapshot(&s)?))
    }

    /// `TradingMetrics::set_risk`; `metric` is the gauge's name without the
    /// namespace (e.g. `model_precision_ratio`).
    fn set_risk(&self, py: Python<'_>, metric: &str, value: f64) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || {
            Ok(m.set_risk(metric.parse::<RiskMetric>()?, value)?)
        })
    }
}

/// ml-trading-bot's metrics (`MlBotMetrics`), in the installed exporter's catalog.
#[pyclass(name = "MlBotMetrics", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyMlBotMetrics {
    inner: MlBotMetrics,
}

#[pymethods]
impl PyMlBotMetrics {
    /// `MlBotMetrics::new(catalog)`; needs the exporter installed.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        call(py, move || {
            Ok(PyMlBotMetrics {
                inner: MlBotMetrics::new(&catalog()?),
            })
        })
    }

    /// `MlBotMetrics::set_regime` (one-hot `market_regime_state`).
    fn set_regime(
        &self,
        py: Python<'_>,
        symbol: &str,
        timeframe: &str,
        regime: &str,
    ) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || Ok(m.set_regime(symbol, timeframe, regime)?))
    }

    /// `MlBotMetrics::set_quality` (`prediction_quality_metric`).
    fn set_quality(
        &self,
        py: Python<'_>,
        symbol: &str,
        timeframe: &str,
        metric: &str,
        value: f64,
    ) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || {
            Ok(m.set_quality(symbol, timeframe, metric, value)?)
        })
    }

    /// `MlBotMetrics::prediction`: counts one prediction and records its latency.
    fn prediction(
        &self,
        py: Python<'_>,
        bot_name: &str,
        symbol: &str,
        timeframe: &str,
        seconds: f64,
    ) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || {
            Ok(m.prediction(bot_name, symbol, timeframe, seconds)?)
        })
    }

    /// `MlBotMetrics::cache`: cache hits, misses and size.
    fn cache(&self, hits: u64, misses: u64, size: usize) {
        self.inner.cache(hits, misses, size);
    }

    /// `MlBotMetrics::websocket_connections`: open websocket connections.
    fn websocket_connections(&self, n: usize) {
        self.inner.websocket_connections(n);
    }
}

#[pyclass(name = "MonitoringMetrics", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyMonitoringMetrics {
    inner: MonitoringMetrics,
}

#[pymethods]
impl PyMonitoringMetrics {
    /// `MonitoringMetrics::new(catalog)`; needs the exporter installed.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        call(py, move || {
            Ok(PyMonitoringMetrics {
                inner: MonitoringMetrics::new(&catalog()?),
            })
        })
    }

    /// `MonitoringMetrics::risk` (stored as the absolute value).
    fn risk(&self, py: Python<'_>, name: &str, value: f64) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || Ok(m.risk(name, value)?))
    }

    /// `MonitoringMetrics::drift` (psi, js, ks).
    fn drift(&self, py: Python<'_>, name: &str, value: f64) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || Ok(m.drift(name, value)?))
    }

    /// `MonitoringMetrics::window_size`.
    fn window_size(&self, n: usize) {
        self.inner.window_size(n);
    }

    /// `MonitoringMetrics::alert`: counts one alert and stamps the time.
    fn alert(&self, alert: &str) {
        self.inner.alert(alert);
    }
}

#[pyclass(name = "ServiceMetrics", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyServiceMetrics {
    inner: ServiceMetrics,
}

#[pymethods]
impl PyServiceMetrics {
    /// `ServiceMetrics::new(catalog)`; needs the exporter installed.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        call(py, move || {
            Ok(PyServiceMetrics {
                inner: ServiceMetrics::new(&catalog()?),
            })
        })
    }

    /// `ServiceMetrics::record`: one finished request.
    #[pyo3(signature = (endpoint, method, status, seconds, exception=None))]
    fn record(
        &self,
        py: Python<'_>,
        endpoint: &str,
        method: &str,
        status: u16,
        seconds: f64,
        exception: Option<&str>,
    ) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || {
            Ok(m.record(endpoint, method, status, seconds, exception)?)
        })
    }

    /// `ServiceMetrics::prediction_rows`: rows of one prediction request.
    fn prediction_rows(&self, rows: usize) {
        self.inner.prediction_rows(rows);
    }
}

#[pyclass(name = "DriftMetrics", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyDriftMetrics {
    inner: DriftMetrics,
}

#[pymethods]
impl PyDriftMetrics {
    /// `DriftMetrics::new(catalog)`; needs the exporter installed.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        call(py, move || {
            Ok(PyDriftMetrics {
                inner: DriftMetrics::new(&catalog()?),
            })
        })
    }

    /// `DriftMetrics::detection`: counts one detection.
    fn detection(&self, metric_type: &str, severity: &str) {
        self.inner.detection(metric_type, severity);
    }

    /// `DriftMetrics::score`: sets `drift_score{feature,method}`.
    fn score(&self, py: Python<'_>, feature: &str, method: &str, value: f64) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || Ok(m.score(feature, method, value)?))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(period_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(exposure_apply_policy, m)?)?;
    m.add_function(wrap_pyfunction!(regime_classify, m)?)?;
    m.add_function(wrap_pyfunction!(sanity_guard_check, m)?)?;
    m.add_class::<PyRecoveryTracker>()?;
    m.add_class::<PyTradingMetrics>()?;
    m.add_class::<PyMlBotMetrics>()?;
    m.add_class::<PyMonitoringMetrics>()?;
    m.add_class::<PyServiceMetrics>()?;
    m.add_class::<PyDriftMetrics>()?;
    Ok(())
}
