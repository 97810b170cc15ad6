//! `tradewarden.guardrails`: policy, the guardrails session (`Engine`: a thin
//! door over `tradewarden_guardrails::Session`), journal, exposure metrics,
//! canary and promotion gates over `tradewarden-guardrails`. Convert, call
//! with the interpreter released, map errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tradewarden::core::ErrorKind;
use tradewarden::core::config::ConfigFormat;
use tradewarden_guardrails::canary::{
    self, CanaryConfig, GateSpec, JudgeConfig, StageAction, StageObservation, TrafficCanary,
};
use tradewarden_guardrails::exposure::{TradeLog, exposure_metrics as metrics_of};
use tradewarden_guardrails::journal::{self, FsyncPolicy};
use tradewarden_guardrails::period::{PeriodObservation, Severity};
use tradewarden_guardrails::promotion::{
    DriftGuard, PromotionGates, PromotionInputs, RollbackPlan, evaluate_promotion,
};
use tradewarden_guardrails::{
    Decision, DecisionLog, Order, Policy, Session, SessionConfig, Side, SymbolId, TradingState,
};

use crate::{CallError, call, from_py, slice, to_py};

fn invalid(msg: String) -> CallError {
    CallError::Lib(ErrorKind::InvalidInput, msg)
}

/// An optional config dict: None gives `default`.
fn opt_config<T: serde::de::DeserializeOwned>(
    what: &str,
    obj: Option<&Bound<'_, PyAny>>,
    default: impl FnOnce() -> T,
) -> PyResult<T> {
    match obj.filter(|o| !o.is_none()) {
        Some(o) => from_py(what, o),
        None => Ok(default()),
    }
}

/// An order side by name (any case; `buy`/`b`, `sell`/`s`), parsed by the guardrails crate.
fn side(s: &str) -> Result<Side, CallError> {
    Ok(s.parse::<Side>()?)
}

/// A trading state by name (any case), parsed by the guardrails crate.
fn trading_state(s: &str) -> Result<TradingState, CallError> {
    Ok(s.parse::<TradingState>()?)
}

/// A validated guardrails policy.
#[pyclass(name = "Policy", module = "tradewarden._native", frozen)]
#[derive(Debug, Clone)]
pub(crate) struct PyPolicy {
    pub(crate) inner: Policy,
}

#[pymethods]
impl PyPolicy {
    /// Parses and validates a policy document (`format`: toml, json or yaml).
    #[staticmethod]
    #[pyo3(signature = (text, format="toml"))]
    fn parse(py: Python<'_>, text: &str, format: &str) -> PyResult<PyPolicy> {
        call(py, move || {
            let f = format.parse::<ConfigFormat>()?;
            Ok(PyPolicy {
                inner: Policy::parse(text, f)?,
            })
        })
    }

    /// Loads and validates a policy file (format from the extension).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyPolicy> {
        call(py, move || {
            Ok(PyPolicy {
                inner: Policy::load(&path)?,
            })
        })
    }

    /// A policy from plain Python data (the document's structure), validated.
    #[staticmethod]
    fn from_dict(py: Python<'_>, d: &Bound<'_, PyAny>) -> PyResult<PyPolicy> {
        let p: Policy = from_py("policy", d)?;
        call(py, move || {
            p.validate()?;
            Ok(PyPolicy { inner: p })
        })
    }

    /// The policy as a dict (every default filled in).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, "policy", &self.inner)
    }
}

/// The guardrails session: pre-trade engine, persisted latched state and
/// KILL_SWITCH, hash-chained journal, period limits, high-water mark and
/// overrides — one `tradewarden_guardrails::Session`, with the crate's
/// defaults. Every method converts, calls one `Session` method, converts.
///
/// Fork: the session's watcher thread does not exist in a forked child, so
/// there the engine would never see another process's kill. An `Engine`
/// used in a process other than the one that opened it raises `StateError`
/// (open a new one in the child), and is dropped there without joining the
/// parent's thread.
#[pyclass(name = "Engine", module = "tradewarden._native")]
#[derive(Debug)]
pub(crate) struct PyEngine {
    /// `None` only after a drop in a forked child.
    s: Option<Session>,
    /// Process that opened the session.
    pid: u32,
}

impl Drop for PyEngine {
    fn drop(&mut self) {
        if self.pid != std::process::id()
            && let Some(s) = self.s.take()
        {
            // The watcher thread belongs to the parent: joining it here panics.
            std::mem::forget(s);
        }
    }
}

fn opened_elsewhere(pid: u32) -> CallError {
    CallError::Lib(
        ErrorKind::State,
        format!(
            "this Engine was opened in process {pid} and this is process {} (a fork): its state \
             watcher does not run here; open a new Engine in this process",
            std::process::id()
        ),
    )
}

impl PyEngine {
    fn s(&self) -> Result<&Session, CallError> {
        match &self.s {
            Some(s) if self.pid == std::process::id() => Ok(s),
            _ => Err(opened_elsewhere(self.pid)),
        }
    }

    fn s_mut(&mut self) -> Result<&mut Session, CallError> {
        let pid = self.pid;
        match self.s.as_mut() {
            Some(s) if pid == std::process::id() => Ok(s),
            _ => Err(opened_elsewhere(pid)),
        }
    }

    fn id(&self, symbol: &str) -> Result<SymbolId, CallError> {
        self.s()?.symbol_id(symbol).ok_or_else(|| {
            CallError::Lib(
                ErrorKind::NotFound,
                format!("unknown symbol = {symbol:?}: not in the policy's [symbols]"),
            )
        })
    }
}

/// Unix seconds now: the engine clock of an order given without `timestamp`.
fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[pymethods]
impl PyEngine {
    /// Opens a session; `None` options take the crate's defaults
    /// (`SessionConfig::default()`), strings are parsed by the crate.
    #[new]
    #[pyo3(signature = (policy, equity, state_dir=None, journal=true, journal_max_bytes=None, journal_fsync=None, decisions=None, watch_interval_s=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        policy: &PyPolicy,
        equity: f64,
        state_dir: Option<PathBuf>,
        journal: bool,
        journal_max_bytes: Option<u64>,
        journal_fsync: Option<String>,
        decisions: Option<String>,
        watch_interval_s: Option<f64>,
    ) -> PyResult<Self> {
        let p = &policy.inner;
        call(py, move || {
            let d = SessionConfig::default();
            let cfg = SessionConfig {
                state_dir,
                journal,
                journal_max_bytes: journal_max_bytes.unwrap_or(d.journal_max_bytes),
                journal_fsync: match journal_fsync {
                    Some(f) => f.parse::<FsyncPolicy>()?,
                    None => d.journal_fsync,
                },
                decisions: match decisions {
                    Some(x) => x.parse::<DecisionLog>()?,
                    None => d.decisions,
                },
                watch_interval_s: watch_interval_s.unwrap_or(d.watch_interval_s),
            };
            Ok(PyEngine {
                s: Some(Session::open(p, equity, cfg)?),
                pid: std::process::id(),
            })
        })
    }

    /// Checks one order: (decision, allowed quantity, reason or None). A
    /// missing `reference_price` / `data_timestamp` is passed as NaN (the
    /// crate fails closed unless the policy opts out); a missing `timestamp`
    /// is now; a missing `confidence` is NaN.
    #[pyo3(signature = (symbol, side, quantity, price, reference_price=None, data_timestamp=None, timestamp=None, confidence=None))]
    #[allow(clippy::too_many_arguments)]
    fn check_order(
        &mut self,
        py: Python<'_>,
        symbol: &str,
        side: &str,
        quantity: f64,
        price: f64,
        reference_price: Option<f64>,
        data_timestamp: Option<f64>,
        timestamp: Option<f64>,
        confidence: Option<f64>,
    ) -> PyResult<(&'static str, f64, Option<&'static str>)> {
        let sd = self::side(side);
        call(py, move || {
            let s = self.s_mut()?;
            let order = Order {
                // an unregistered symbol is denied by the engine (unknown_symbol)
                symbol: s.symbol_id(symbol).unwrap_or(SymbolId(u32::MAX)),
                side: sd?,
                quantity,
                price,
                reference_price: reference_price.unwrap_or(f64::NAN),
                data_timestamp: data_timestamp.unwrap_or(f64::NAN),
                timestamp: timestamp.unwrap_or_else(now_s),
                confidence: confidence.unwrap_or(f64::NAN),
            };
            Ok(match s.check_order(&order)? {
                Decision::Allow => ("allow", quantity, None),
                Decision::Clip { quantity, reason } => ("clip", quantity, Some(reason.as_str())),
                Decision::Deny { reason } => ("deny", 0.0, Some(reason.as_str())),
            })
        })
    }

    /// The effective trading state (ACTIVE, REDUCING, HALTED, KILLED).
    fn state(&self, py: Python<'_>) -> PyResult<&'static str> {
        call(py, move || Ok(self.s()?.state().as_str()))
    }

    /// Sets the state of an in-memory session (Session::set_state).
    fn set_state(&mut self, py: Python<'_>, state: &str) -> PyResult<()> {
        let t = trading_state(state);
        call(py, move || Ok(self.s_mut()?.set_state(t?)?))
    }

    /// Session::sync: re-reads the directory, retries a pending escalation; the state.
    fn sync(&mut self, py: Python<'_>) -> PyResult<&'static str> {
        call(py, move || Ok(self.s_mut()?.sync()?.as_str()))
    }

    /// Session::kill: KILLED in memory first, then KILL_SWITCH, state file, journal.
    fn kill(&mut self, py: Python<'_>, reason: &str, activated_by: &str) -> PyResult<()> {
        call(py, move || Ok(self.s_mut()?.kill(reason, activated_by)?))
    }

    /// Session::reset: named manual reset (refused while KILL_SWITCH exists).
    #[pyo3(signature = (who, why, to="ACTIVE"))]
    fn reset(&mut self, py: Python<'_>, who: &str, why: &str, to: &str) -> PyResult<()> {
        let t = trading_state(to);
        call(py, move || Ok(self.s_mut()?.reset(t?, who, why)?))
    }

    /// Session::escalate: latches a more severe state; whether it changed.
    fn escalate(&mut self, py: Python<'_>, to: &str, reason: &str) -> PyResult<bool> {
        let t = trading_state(to);
        call(py, move || Ok(self.s_mut()?.escalate(t?, reason)?))
    }

    /// Session::remove_kill_switch (journaled override; the state stays KILLED until reset).
    fn remove_kill_switch(&mut self, py: Python<'_>, who: &str, why: &str) -> PyResult<()> {
        call(py, move || {
            Ok(self.s_mut()?.remove_kill_switch(who, why)?)
        })
    }

    /// Session::set_size_override (fraction in (0, 1]; 1 = off), persisted and journaled.
    fn set_size_override(
        &mut self,
        py: Python<'_>,
        fraction: f64,
        who: &str,
        why: &str,
    ) -> PyResult<()> {
        call(py, move || {
            Ok(self.s_mut()?.set_size_override(fraction, who, why)?)
        })
    }

    /// Session::set_learning_frozen, persisted and journaled.
    fn set_learning_frozen(
        &mut self,
        py: Python<'_>,
        frozen: bool,
        who: &str,
        why: &str,
    ) -> PyResult<()> {
        call(py, move || {
            Ok(self.s_mut()?.set_learning_frozen(frozen, who, why)?)
        })
    }

    /// Session::record_approval: the journal sequence number of the record.
    fn record_approval(
        &mut self,
        py: Python<'_>,
        who: &str,
        why: &str,
        what: &str,
    ) -> PyResult<u64> {
        call(py, move || {
            Ok(self.s_mut()?.record_approval(who, why, what)?)
        })
    }

    /// The persisted position-size override (1 = none).
    fn size_override(&self, py: Python<'_>) -> PyResult<f64> {
        call(py, move || Ok(self.s()?.overrides().size_override))
    }

    /// Whether model learning is frozen (persisted override).
    fn learning_frozen(&self, py: Python<'_>) -> PyResult<bool> {
        call(py, move || Ok(self.s()?.overrides().learning_frozen))
    }

    /// The tracked (persisted) high-water mark of equity; None before any.
    fn high_water_mark(&self, py: Python<'_>) -> PyResult<Option<f64>> {
        call(py, move || Ok(self.s()?.high_water_mark()))
    }

    /// Counts since the session opened: (trades, denials, breaches, violations per 1000 trades or None).
    fn counts(&self, py: Python<'_>) -> PyResult<(u64, u64, u64, Option<f64>)> {
        call(py, move || {
            let c = self.s()?.counts();
            Ok((
                c.trades,
                c.denials,
                c.breaches,
                c.violations_per_1000_trades(),
            ))
        })
    }

    /// The state directory (None: in memory).
    fn state_dir(&self, py: Python<'_>) -> PyResult<Option<PathBuf>> {
        call(py, move || Ok(self.s()?.config().state_dir.clone()))
    }

    /// The journal directory (None: no journal kept).
    fn journal_dir(&self, py: Python<'_>) -> PyResult<Option<PathBuf>> {
        call(py, move || {
            Ok(self.s()?.journal().map(|j| j.config().dir.clone()))
        })
    }

    /// Session::evaluate_canary (Quant Bot ladder, persisted in the state
    /// directory): the observation as a dict; with `apply` the ladder moves
    /// and a failed stage runs the rollback plan (kill switch, learning
    /// freeze, 10 % size override; the model restore is skipped here).
    /// Returns the outcome as a dict.
    #[pyo3(signature = (observation, apply=false))]
    fn evaluate_canary(
        &mut self,
        py: Python<'_>,
        observation: &Bound<'_, PyAny>,
        apply: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: StageObservation = from_py("observation", observation)?;
        let out = call(py, move || {
            let plan = RollbackPlan::quant_bot("canary stage failed", "canary");
            Ok(self
                .s_mut()?
                .evaluate_canary(CanaryConfig::default(), &o, apply, &plan, None)?)
        })?;
        to_py(py, "canary outcome", &out)
    }

    /// Session::execute_rollback of Quant Bot's plan; the report as a dict.
    #[pyo3(signature = (reason, by, dry_run=false))]
    fn execute_rollback(
        &mut self,
        py: Python<'_>,
        reason: &str,
        by: &str,
        dry_run: bool,
    ) -> PyResult<Py<PyAny>> {
        let r = call(py, move || {
            let plan = RollbackPlan::quant_bot(reason, by);
            Ok(self
                .s_mut()?
                .execute_rollback(&plan, by, reason, dry_run, None)?)
        })?;
        to_py(py, "rollback report", &r)
    }

    /// Session::evaluate_period over one observation (None = not observed);
    /// the breaches as (rule, value, threshold, severity).
    #[pyo3(signature = (*, aum=None, hourly_pnl=None, daily_pnl=None, equity=None, high_water_mark=None, slippage_ratio=None, fill_rate=None, model_precision_ratio=None, confidence=None, data_age_s=None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_period(
        &mut self,
        py: Python<'_>,
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
            Ok(self
                .s_mut()?
                .evaluate_period(&o)?
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

    /// Session::set_equity: leverage equity; tracks and persists the high-water mark.
    fn set_equity(&mut self, py: Python<'_>, equity: f64) -> PyResult<()> {
        call(py, move || Ok(self.s_mut()?.set_equity(equity)?))
    }

    /// Session::set_position: a symbol's position and mark price.
    fn set_position(
        &mut self,
        py: Python<'_>,
        symbol: &str,
        quantity: f64,
        mark: f64,
    ) -> PyResult<()> {
        call(py, move || {
            let id = self.id(symbol)?;
            Ok(self.s_mut()?.set_position(id, quantity, mark)?)
        })
    }

    /// Session::on_fill: applies a fill to the position.
    fn on_fill(
        &mut self,
        py: Python<'_>,
        symbol: &str,
        side: &str,
        quantity: f64,
        price: f64,
    ) -> PyResult<()> {
        let s = self::side(side);
        call(py, move || {
            let id = self.id(symbol)?;
            Ok(self.s_mut()?.on_fill(id, s?, quantity, price)?)
        })
    }

    /// A symbol's position.
    fn position(&self, py: Python<'_>, symbol: &str) -> PyResult<f64> {
        call(py, move || {
            let id = self.id(symbol)?;
            Ok(self.s()?.engine().position(id).unwrap_or(0.0))
        })
    }

    /// Gross exposure (Σ |position × mark|).
    fn gross_exposure(&self, py: Python<'_>) -> PyResult<f64> {
        call(py, move || Ok(self.s()?.engine().gross_exposure()))
    }
}

/// Reads a journal directory: (entries as a list of dicts, number of unparseable lines skipped).
#[pyfunction]
pub(crate) fn read_journal(py: Python<'_>, dir: PathBuf) -> PyResult<(Py<PyAny>, usize)> {
    let (entries, skipped) = call(py, move || Ok(journal::read_dir(&dir)?))?;
    Ok((to_py(py, "journal", &entries)?, skipped))
}

/// journal::verify over a journal directory: (report as a dict, ok, the report as text).
#[pyfunction]
pub(crate) fn verify_journal(py: Python<'_>, dir: PathBuf) -> PyResult<(Py<PyAny>, bool, String)> {
    let r = call(py, move || Ok(journal::verify(&dir)?))?;
    Ok((to_py(py, "verify report", &r)?, r.ok(), r.to_string()))
}

/// Exposure metrics of a trade log given as columns.
#[pyfunction]
#[pyo3(signature = (timestamp, symbol, pnl, capital, notional=None, position=None, price=None, tail_percentile=5.0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn exposure_metrics<'py>(
    py: Python<'py>,
    timestamp: PyReadonlyArray1<'py, i64>,
    symbol: Vec<String>,
    pnl: PyReadonlyArray1<'py, f64>,
    capital: f64,
    notional: Option<PyReadonlyArray1<'py, f64>>,
    position: Option<PyReadonlyArray1<'py, f64>>,
    price: Option<PyReadonlyArray1<'py, f64>>,
    tail_percentile: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let ts = timestamp.as_slice().map_err(|_| {
        invalid("timestamp must be a contiguous 1-D int64 array (unix seconds)".into())
    });
    let p = slice(&pnl, "pnl");
    let n = notional.as_ref().map(|a| slice(a, "notional")).transpose();
    let q = position.as_ref().map(|a| slice(a, "position")).transpose();
    let pr = price.as_ref().map(|a| slice(a, "price")).transpose();
    let m = call(py, move || {
        let log = TradeLog::new(ts?, &symbol, n?, q?, pr?, p?)?;
        Ok(metrics_of(&log, capital, tail_percentile)?)
    })?;
    let d = PyDict::new(py);
    d.set_item("gross_exposure_peak", m.gross_exposure_peak)?;
    d.set_item("gross_exposure_mean", m.gross_exposure_mean)?;
    d.set_item("net_exposure_mean", m.net_exposure_mean)?;
    d.set_item("net_exposure_peak", m.net_exposure_peak)?;
    d.set_item("turnover_rate", m.turnover_rate)?;
    d.set_item("tail_return_quantile", m.tail_return_quantile)?;
    d.set_item("tail_return_mean", m.tail_return_mean)?;
    d.set_item("tail_event_frequency", m.tail_event_frequency)?;
    d.set_item("max_symbol_exposure", m.max_symbol_exposure)?;
    Ok(d)
}

/// The canary stage machine (config dict; None = Quant Bot stages).
#[pyclass(name = "CanaryMachine", module = "tradewarden._native")]
#[derive(Debug)]
pub(crate) struct PyCanaryMachine {
    inner: canary::CanaryMachine,
}

#[pymethods]
impl PyCanaryMachine {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let cfg: CanaryConfig = opt_config("canary config", config, CanaryConfig::default)?;
        call(py, move || {
            Ok(PyCanaryMachine {
                inner: canary::CanaryMachine::new(cfg)?,
            })
        })
    }

    /// Evaluates the current stage against an observation (a dict), checked
    /// first (`try_evaluate`: a negative or non-finite drawdown is a typed
    /// error, as from the CLI); returns the evaluation as a dict.
    fn evaluate(&self, py: Python<'_>, observation: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let o: StageObservation = from_py("observation", observation)?;
        let m = &self.inner;
        let e = call(py, move || Ok(m.try_evaluate(&o)?))?;
        to_py(py, "evaluation", &e)
    }

    /// Applies an action (a dict, as returned in an evaluation's `action`).
    fn apply(&mut self, py: Python<'_>, action: &Bound<'_, PyAny>) -> PyResult<()> {
        let a: StageAction = from_py("action", action)?;
        let m = &mut self.inner;
        call(py, move || {
            m.apply(&a);
            Ok(())
        })
    }

    /// Current stage index.
    fn index(&self) -> usize {
        self.inner.index()
    }

    /// Current stage as a dict.
    fn stage(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, "stage", self.inner.stage())
    }

    /// Whether a rollback was applied.
    fn rolled_back(&self) -> bool {
        self.inner.rolled_back()
    }
}

/// Traffic-canary triggers at stage `index`; returns the action as a dict.
#[pyfunction]
#[pyo3(signature = (index, error_rate, p99_latency_s, sharpe, baseline_sharpe, config=None))]
pub(crate) fn traffic_canary(
    py: Python<'_>,
    index: usize,
    error_rate: f64,
    p99_latency_s: f64,
    sharpe: f64,
    baseline_sharpe: f64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let c: TrafficCanary = opt_config("traffic canary config", config, TrafficCanary::default)?;
    let a = call(py, move || {
        Ok(c.evaluate(index, error_rate, p99_latency_s, sharpe, baseline_sharpe))
    })?;
    to_py(py, "traffic action", &a)
}

/// Rates shadow gates (a list of spec dicts, or Quant Bot's when None): (rated gates, verdict).
#[pyfunction]
#[pyo3(signature = (observed, specs=None, green_margin=0.2))]
pub(crate) fn rate_gates(
    py: Python<'_>,
    observed: BTreeMap<String, f64>,
    specs: Option<&Bound<'_, PyAny>>,
    green_margin: f64,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let specs: Vec<GateSpec> = opt_config("gate specs", specs, canary::quant_bot_shadow_gates)?;
    let (rated, verdict) = call(py, move || {
        Ok(canary::rate_gates(&specs, &observed, green_margin))
    })?;
    Ok((to_py(py, "gates", &rated)?, to_py(py, "verdict", &verdict)?))
}

/// Statistical canary judge (Mann–Whitney U per metric); returns the judgement as a dict.
#[pyfunction]
pub(crate) fn judge(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    baseline: BTreeMap<String, Vec<f64>>,
    canary_samples: BTreeMap<String, Vec<f64>>,
) -> PyResult<Py<PyAny>> {
    let cfg: JudgeConfig = from_py("judge config", config)?;
    let j = call(py, move || {
        Ok(canary::judge(&cfg, &baseline, &canary_samples)?)
    })?;
    to_py(py, "judgement", &j)
}

/// Promotion gates (a dict; None = Autotrader's) over walk-forward returns and trade P&L; report as a dict.
#[pyfunction]
#[pyo3(signature = (walk_forward_returns, trade_pnls, gates=None, trial_sharpes=None, strategy_matrix=None))]
pub(crate) fn promotion_gates(
    py: Python<'_>,
    walk_forward_returns: PyReadonlyArray1<'_, f64>,
    trade_pnls: PyReadonlyArray1<'_, f64>,
    gates: Option<&Bound<'_, PyAny>>,
    trial_sharpes: Option<PyReadonlyArray1<'_, f64>>,
    strategy_matrix: Option<PyReadonlyArray2<'_, f64>>,
) -> PyResult<Py<PyAny>> {
    let g: PromotionGates = opt_config("promotion gates", gates, PromotionGates::autotrader)?;
    let w = slice(&walk_forward_returns, "walk_forward_returns");
    let t = slice(&trade_pnls, "trade_pnls");
    let ts = trial_sharpes
        .as_ref()
        .map(|a| slice(a, "trial_sharpes"))
        .transpose();
    let sm = strategy_matrix
        .as_ref()
        .map(|a| crate::strategy_matrix(a, "strategy_matrix"))
        .transpose();
    let r = call(py, move || {
        let inputs = PromotionInputs {
            walk_forward_returns: w?,
            trial_sharpes: ts?,
            strategy_matrix: sm?,
            trade_pnls: t?,
        };
        let p = crate::pool()?;
        Ok(p.install(|| evaluate_promotion(&g, &inputs))?)
    })?;
    to_py(py, "promotion report", &r)
}

/// Drift guard recommendation: continue, shadow_mode or rollback_recommended.
#[pyfunction]
#[pyo3(signature = (score_drop, accuracy_drop, config=None))]
pub(crate) fn drift_guard(
    py: Python<'_>,
    score_drop: f64,
    accuracy_drop: f64,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let g: DriftGuard = opt_config("drift guard", config, DriftGuard::default)?;
    let a = call(py, move || Ok(g.evaluate(score_drop, accuracy_drop)))?;
    to_py(py, "drift action", &a)
}

/// Registers the guardrails functions and classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPolicy>()?;
    m.add_class::<PyEngine>()?;
    m.add_class::<PyCanaryMachine>()?;
    m.add_function(wrap_pyfunction!(read_journal, m)?)?;
    m.add_function(wrap_pyfunction!(verify_journal, m)?)?;
    m.add_function(wrap_pyfunction!(exposure_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(traffic_canary, m)?)?;
    m.add_function(wrap_pyfunction!(rate_gates, m)?)?;
    m.add_function(wrap_pyfunction!(judge, m)?)?;
    m.add_function(wrap_pyfunction!(promotion_gates, m)?)?;
    m.add_function(wrap_pyfunction!(drift_guard, m)?)?;
    Ok(())
}
