//! `tradewarden._native`: the PyO3 module behind the `tradewarden` Python package.
//!
//! Bindings hold no logic: every function converts its arguments, calls the
//! Rust library with the interpreter released and inside `catch_unwind`, and
//! maps errors onto the exception tree of `tradewarden.errors` through an
//! exhaustive match on [`ErrorKind`].

// PyO3's macros expand to unsafe code (the workspace lints deny it elsewhere).
#![allow(unsafe_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tradewarden::core::returns::{
    self, AlphaBeta, AlphaMethod, Summary, SummaryOptions, VarMethod,
};
use tradewarden::core::{Classify, ErrorKind, NanPolicy, Period, ReturnsOptions};

use crate::plain::Plain;

mod arrow;
mod attribution;
mod compat;
mod drift;
mod guardrails;
mod inference;
mod plain;
mod reach;
mod report;
mod report_html;
mod state;

/// The Python exception class (in `tradewarden.errors`) of each kind.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "InvalidInputError",
        ErrorKind::InvalidConfig => "InvalidConfigError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::Io => "IoError",
        ErrorKind::Corrupt => "CorruptError",
        ErrorKind::State => "StateError",
        ErrorKind::Unsupported => "UnsupportedError",
        ErrorKind::Internal => "InternalError",
    }
}

pub(crate) fn raise(py: Python<'_>, kind: ErrorKind, message: String) -> PyErr {
    let built = py
        .import("tradewarden.errors")
        .and_then(|m| m.getattr(class_name(kind)))
        .and_then(|cls| cls.call1((message.clone(),)));
    match built {
        Ok(exc) => PyErr::from_value(exc),
        Err(_) => PyRuntimeError::new_err(format!("{}: {message}", kind.as_str())),
    }
}

/// Error of a binding call: a library error or a caught panic.
pub(crate) enum CallError {
    Lib(ErrorKind, String),
    Panic(String),
}

impl<E: Classify + std::fmt::Display> From<E> for CallError {
    fn from(e: E) -> Self {
        CallError::Lib(e.kind(), e.to_string())
    }
}

/// Process id at import (see [`forked`]).
static IMPORT_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// True in a child forked from the process that imported the module: there
/// rayon's global pool (used by the library's parallel paths when called
/// from outside a pool) may be a copy whose threads do not exist, and work
/// handed to it would never run.
fn forked() -> bool {
    IMPORT_PID
        .get()
        .is_some_and(|pid| *pid != std::process::id())
}

/// Runs `f` with the interpreter released and panics caught; in a forked
/// child, inside this process's own pool ([`pool`]) so that no work goes to
/// the parent's global pool.
pub(crate) fn call<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, CallError> + Send,
{
    let guarded = move || match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(CallError::Panic(msg))
        }
    };
    let out = py.detach(|| {
        if forked() {
            pool().and_then(|p| p.install(guarded))
        } else {
            guarded()
        }
    });
    out.map_err(|e| match e {
        CallError::Lib(kind, msg) => raise(py, kind, msg),
        CallError::Panic(msg) => raise(
            py,
            ErrorKind::Internal,
            format!("internal error (panic caught): {msg}"),
        ),
    })
}

/// A rayon pool owned by this process: rebuilt in a forked child, whose copy
/// of the parent's pool has no threads (Airflow's executor forks).
static POOL: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);

pub(crate) fn pool() -> Result<Arc<rayon::ThreadPool>, CallError> {
    let pid = std::process::id();
    let mut guard = POOL.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((owner, p)) = guard.as_ref()
        && *owner == pid
    {
        return Ok(p.clone());
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .build()
            .map_err(|e| CallError::Lib(ErrorKind::Internal, format!("thread pool: {e}")))?,
    );
    // The parent's pool (if any) is leaked in the child on purpose: dropping
    // it would wait for threads that do not exist here.
    if let Some(old) = guard.take() {
        std::mem::forget(old);
    }
    *guard = Some((pid, p.clone()));
    Ok(p)
}

/// Nesting limit of [`value_of`] (serde_json's own parser stopped at 128).
const MAX_DEPTH: usize = 128;

/// Plain Python data (a config, options, observation…) as a [`Plain`] value,
/// without text: what `json.dumps(value)` accepts — dict (str, int, float,
/// bool or None keys, as JSON would write them), list, tuple, str, int,
/// float, bool, None, subclasses included — with every float kept as it is
/// (NaN / ±inf included: the crate's own validation answers them, naming the
/// field, as from Rust and C). Anything else, a non-finite dict key and
/// nesting deeper than 128 are an `InvalidConfig` error naming `what` (not
/// pythonize's `depythonize`: it reads any truthy object as a bool).
pub(crate) fn value_of(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Plain> {
    use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};
    fn key(k: &Bound<'_, PyAny>) -> Result<String, String> {
        if let Ok(s) = k.cast::<PyString>() {
            return Ok(s.to_cow().map_err(|e| e.to_string())?.into_owned());
        }
        if k.is_none() {
            return Ok("null".into());
        }
        if k.is_instance_of::<PyBool>() {
            return Ok(if k.is_truthy().map_err(|e| e.to_string())? {
                "true"
            } else {
                "false"
            }
            .into());
        }
        if k.is_instance_of::<PyInt>() {
            return k.str().map(|s| s.to_string()).map_err(|e| e.to_string());
        }
        if let Ok(f) = k.cast::<PyFloat>() {
            let v = f.value();
            if !v.is_finite() {
                return Err(format!(
                    "Out of range float values are not JSON compliant: {v}"
                ));
            }
            return k.repr().map(|s| s.to_string()).map_err(|e| e.to_string());
        }
        Err(format!(
            "keys must be str, int, float, bool or None, not {}",
            type_name(k)
        ))
    }
    fn type_name(o: &Bound<'_, PyAny>) -> String {
        o.get_type()
            .qualname()
            .map_or_else(|_| "object".into(), |n| n.to_string())
    }
    fn go(o: &Bound<'_, PyAny>, depth: usize) -> Result<Plain, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        if o.is_none() {
            return Ok(Plain::Null);
        }
        if o.is_instance_of::<PyBool>() {
            return Ok(Plain::Bool(o.is_truthy().map_err(|e| e.to_string())?));
        }
        if o.is_instance_of::<PyInt>() {
            if let Ok(i) = o.extract::<i64>() {
                return Ok(Plain::I64(i));
            }
            if let Ok(u) = o.extract::<u64>() {
                return Ok(Plain::U64(u));
            }
            // Beyond 64 bits: what serde_json made of the digits (a float).
            let f: f64 = o.extract::<f64>().map_err(|e| e.to_string())?;
            return if f.is_finite() {
                Ok(Plain::F64(f))
            } else {
                Err(format!("integer {o} out of range"))
            };
        }
        if let Ok(f) = o.cast::<PyFloat>() {
            return Ok(Plain::F64(f.value()));
        }
        if let Ok(s) = o.cast::<PyString>() {
            return Ok(Plain::Str(
                s.to_cow().map_err(|e| e.to_string())?.into_owned(),
            ));
        }
        if let Ok(d) = o.cast::<PyDict>() {
            let mut m = Vec::with_capacity(d.len());
            for (k, v) in d.iter() {
                m.push((key(&k)?, go(&v, depth + 1)?));
            }
            return Ok(Plain::Map(m));
        }
        if o.is_instance_of::<PyList>() || o.is_instance_of::<PyTuple>() {
            let mut a = Vec::new();
            for item in o.try_iter().map_err(|e| e.to_string())? {
                a.push(go(&item.map_err(|e| e.to_string())?, depth + 1)?);
            }
            return Ok(Plain::List(a));
        }
        Err(format!(
            "Object of type {} is not JSON serializable",
            type_name(o)
        ))
    }
    go(obj, 0).map_err(|why| {
        raise(
            obj.py(),
            ErrorKind::InvalidConfig,
            format!("invalid {what}: {why}"),
        )
    })
}

/// Plain Python data deserialised into the library's serde type (see
/// [`value_of`]); a shape the type refuses is an `InvalidConfig` error
/// naming `what`, a value it refuses the crate's own error.
pub(crate) fn from_py<T: serde::de::DeserializeOwned>(
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<T> {
    let v = value_of(what, obj)?;
    T::deserialize(v).map_err(|e: serde::de::value::Error| {
        raise(
            obj.py(),
            ErrorKind::InvalidConfig,
            format!("invalid {what}: {e}"),
        )
    })
}

/// [`from_py`] of an optional argument (None: what an empty dict gives).
pub(crate) fn from_py_or_default<T: serde::de::DeserializeOwned>(
    what: &str,
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<T> {
    match obj.filter(|o| !o.is_none()) {
        Some(o) => from_py(what, o),
        None => T::deserialize(Plain::Map(Vec::new())).map_err(|e: serde::de::value::Error| {
            Python::attach(|py| raise(py, ErrorKind::InvalidConfig, format!("invalid {what}: {e}")))
        }),
    }
}

/// A library result as Python objects (dict, list, str, int, float, bool,
/// None), without JSON text: exactly what `json.loads` made of serde_json's
/// text before — NaN / ±inf become None, tuples lists, map keys strings,
/// floats the same f64 bits — converted by pythonize from a `serde_json::Value`.
pub(crate) fn to_py<T: serde::Serialize + ?Sized>(
    py: Python<'_>,
    what: &str,
    v: &T,
) -> PyResult<Py<PyAny>> {
    let internal = |e: String| raise(py, ErrorKind::Internal, format!("{what} to Python: {e}"));
    let value = serde_json::to_value(v).map_err(|e| internal(e.to_string()))?;
    pythonize::pythonize(py, &value)
        .map(Bound::unbind)
        .map_err(|e| internal(e.to_string()))
}

pub(crate) fn slice<'a>(
    a: &'a PyReadonlyArray1<'_, f64>,
    name: &'static str,
) -> Result<&'a [f64], CallError> {
    a.as_slice().map_err(|_| {
        CallError::Lib(
            ErrorKind::InvalidInput,
            format!("{name} must be a contiguous 1-D float64 array"),
        )
    })
}

/// A contiguous 2-D float64 array as a `StrategyMatrix` in the order it holds
/// (C order: row-major, Fortran order: column-major), without a copy.
pub(crate) fn strategy_matrix<'a>(
    a: &'a PyReadonlyArray2<'_, f64>,
    name: &'static str,
) -> Result<returns::pbo::StrategyMatrix<'a>, CallError> {
    let (rows, cols) = (a.shape()[0], a.shape()[1]);
    let v = a.as_slice().map_err(|_| {
        CallError::Lib(
            ErrorKind::InvalidInput,
            format!("{name} must be a contiguous 2-D float64 array"),
        )
    })?;
    Ok(if a.is_c_contiguous() {
        returns::pbo::StrategyMatrix::from_row_major(v, rows, cols)?
    } else {
        returns::pbo::StrategyMatrix::new(v, rows, cols)?
    })
}

/// `nan_policy` by its names (defined once in the core crate: 'skip' /
/// 'omit', 'raise' / 'error', 'propagate').
fn nan_policy(s: &str) -> Result<NanPolicy, CallError> {
    Ok(s.parse::<NanPolicy>()?)
}

/// Options from the Python keywords (`period` names as empyrical's).
pub(crate) fn opts(
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    required_return: f64,
    policy: &str,
) -> Result<ReturnsOptions, CallError> {
    let period = match annualization {
        Some(a) => Period::Custom(a),
        None => Period::from_name(period)?,
    };
    let o = ReturnsOptions {
        period,
        risk_free,
        required_return,
        ddof: 1,
        nan_policy: nan_policy(policy)?,
    };
    o.validate()?;
    Ok(o)
}

macro_rules! unary_scalar {
    ($($name:ident),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (returns, period="daily", annualization=None, risk_free=0.0, required_return=0.0, nan_policy="skip"))]
        fn $name(
            py: Python<'_>,
            returns: PyReadonlyArray1<'_, f64>,
            period: &str,
            annualization: Option<f64>,
            risk_free: f64,
            required_return: f64,
            nan_policy: &str,
        ) -> PyResult<f64> {
            let o = opts(period, annualization, risk_free, required_return, nan_policy);
            let r = slice(&returns, "returns");
            call(py, move || Ok(returns::$name(r?, &o?)?))
        }
    )*};
}

unary_scalar!(
    sharpe_ratio,
    sortino_ratio,
    downside_risk,
    max_drawdown,
    annual_return,
    annual_volatility,
    calmar_ratio,
    tail_ratio,
    stability_of_timeseries,
    skew,
    kurtosis,
    win_rate,
    hit_rate,
    profit_factor,
    ulcer_index,
);

macro_rules! pair_scalar {
    ($($name:ident),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (returns, factor_returns, period="daily", annualization=None, risk_free=0.0, nan_policy="skip"))]
        fn $name(
            py: Python<'_>,
            returns: PyReadonlyArray1<'_, f64>,
            factor_returns: PyReadonlyArray1<'_, f64>,
            period: &str,
            annualization: Option<f64>,
            risk_free: f64,
            nan_policy: &str,
        ) -> PyResult<f64> {
            let o = opts(period, annualization, risk_free, 0.0, nan_policy);
            let r = slice(&returns, "returns");
            let b = slice(&factor_returns, "factor_returns");
            call(py, move || Ok(returns::$name(r?, b?, &o?)?))
        }
    )*};
}

pair_scalar!(
    excess_sharpe,
    information_ratio,
    tracking_error,
    beta,
    capture,
    up_capture,
    down_capture,
    up_down_capture,
    benchmark_correlation,
);

fn alpha_method(compound: bool) -> AlphaMethod {
    if compound {
        AlphaMethod::Compound
    } else {
        AlphaMethod::Arithmetic
    }
}

/// alpha_beta / up_alpha_beta / down_alpha_beta selected by `which`.
#[pyfunction]
#[pyo3(signature = (which, returns, factor_returns, period="daily", annualization=None, risk_free=0.0, compound=true, nan_policy="skip"))]
#[allow(clippy::too_many_arguments)]
fn alpha_beta(
    py: Python<'_>,
    which: &str,
    returns: PyReadonlyArray1<'_, f64>,
    factor_returns: PyReadonlyArray1<'_, f64>,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    compound: bool,
    nan_policy: &str,
) -> PyResult<(f64, f64)> {
    let o = opts(period, annualization, risk_free, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    let b = slice(&factor_returns, "factor_returns");
    let side = which.parse::<returns::MarketSide>();
    call(py, move || {
        let AlphaBeta { alpha, beta } =
            returns::alpha_beta_on(side?, r?, b?, alpha_method(compound), &o?)?;
        Ok((alpha, beta))
    })
}

/// Annual volatility with a Lévy stability exponent: std · P^(1/alpha).
#[pyfunction]
#[pyo3(signature = (returns, alpha, period="daily", annualization=None, nan_policy="skip"))]
fn annual_volatility_alpha(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    alpha: f64,
    period: &str,
    annualization: Option<f64>,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts(period, annualization, 0.0, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    call(py, move || {
        Ok(returns::annual_volatility_alpha(r?, alpha, &o?)?)
    })
}

/// Sortino ratio with the annualised downside risk given (empyrical `_downside_risk`).
#[pyfunction]
#[pyo3(signature = (returns, downside_risk, period="daily", annualization=None, required_return=0.0, nan_policy="skip"))]
fn sortino_ratio_given_downside(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    downside_risk: f64,
    period: &str,
    annualization: Option<f64>,
    required_return: f64,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts(period, annualization, 0.0, required_return, nan_policy);
    let r = slice(&returns, "returns");
    call(py, move || {
        Ok(returns::sortino_ratio_given_downside(
            r?,
            downside_risk,
            &o?,
        )?)
    })
}

/// Omega ratio with empyrical's signature (annual `required_return`).
#[pyfunction]
#[pyo3(signature = (returns, risk_free=0.0, required_return=0.0, annualization=252.0, nan_policy="skip"))]
fn omega_ratio(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    risk_free: f64,
    required_return: f64,
    annualization: f64,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts("daily", Some(annualization), risk_free, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    call(py, move || {
        Ok(returns::omega_ratio(r?, required_return, &o?)?)
    })
}

fn var_method(m: &str) -> Result<VarMethod, CallError> {
    Ok(m.parse::<VarMethod>()?)
}

/// Value at risk (`which = "var"`) or conditional value at risk (`"cvar"`).
#[pyfunction]
#[pyo3(signature = (which, returns, cutoff=0.05, method="historical", nan_policy="skip"))]
fn value_at_risk(
    py: Python<'_>,
    which: &str,
    returns: PyReadonlyArray1<'_, f64>,
    cutoff: f64,
    method: &str,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts("daily", None, 0.0, 0.0, nan_policy);
    let m = var_method(method);
    let r = slice(&returns, "returns");
    let which = which.to_string();
    call(py, move || {
        let f = match which.as_str() {
            "var" => returns::value_at_risk,
            "cvar" => returns::conditional_value_at_risk,
            // never a silent VaR for a misspelt 'cvar'
            other => {
                return Err(CallError::Lib(
                    ErrorKind::InvalidInput,
                    format!("invalid which = {other:?}: expected 'var' or 'cvar'"),
                ));
            }
        };
        Ok(f(r?, cutoff, m?, &o?)?)
    })
}

/// Cumulative returns (empyrical `cum_returns`).
#[pyfunction]
#[pyo3(signature = (returns, starting_value=0.0, nan_policy="skip"))]
fn cum_returns<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    starting_value: f64,
    nan_policy: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = opts("daily", None, 0.0, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    // numpy allocates the result (huge pages for large arrays), the crate fills it
    let n = r.as_ref().map_or(0, |s| s.len());
    let out = PyArray1::<f64>::zeros(py, n, false);
    {
        let mut w = out.readwrite();
        let o_buf = w
            .as_slice_mut()
            .map_err(|e| raise(py, ErrorKind::Internal, format!("result array: {e}")))?;
        call(py, move || {
            Ok(returns::cum_returns_into(r?, starting_value, &o?, o_buf)?)
        })?;
    }
    Ok(out)
}

/// Final cumulative return (empyrical `cum_returns_final`).
#[pyfunction]
#[pyo3(signature = (returns, starting_value=0.0, nan_policy="skip"))]
fn cum_returns_final(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    starting_value: f64,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts("daily", None, 0.0, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    call(py, move || {
        Ok(returns::cum_returns_final(r?, starting_value, &o?)?)
    })
}

/// `returns − other`, element-wise (a risk-free or required-return series).
#[pyfunction]
fn excess_returns<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    other: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let r = slice(&returns, "returns");
    let b = slice(&other, "other");
    let v = call(py, move || Ok(returns::excess_returns(r?, b?)?))?;
    Ok(PyArray1::from_vec(py, v))
}

/// Batting average: (batting average, up market, down market).
#[pyfunction]
#[pyo3(signature = (returns, factor_returns, nan_policy="skip"))]
fn batting_average(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    factor_returns: PyReadonlyArray1<'_, f64>,
    nan_policy: &str,
) -> PyResult<(f64, f64, f64)> {
    let o = opts("daily", None, 0.0, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    let b = slice(&factor_returns, "factor_returns");
    call(py, move || {
        let x = returns::batting_average(r?, b?, &o?)?;
        Ok((x.batting_average, x.up_market, x.down_market))
    })
}

/// A rolling single-series metric by name.
#[pyfunction]
#[pyo3(signature = (name, returns, window, period="daily", annualization=None, risk_free=0.0, required_return=0.0, nan_policy="skip"))]
#[allow(clippy::too_many_arguments)]
fn roll<'py>(
    py: Python<'py>,
    name: &str,
    returns: PyReadonlyArray1<'py, f64>,
    window: usize,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    required_return: f64,
    nan_policy: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = opts(
        period,
        annualization,
        risk_free,
        required_return,
        nan_policy,
    );
    let r = slice(&returns, "returns");
    let metric = name.parse::<returns::Metric>();
    let v = call(py, move || Ok(metric?.rolling(r?, window, &o?)?))?;
    Ok(PyArray1::from_vec(py, v))
}

/// A rolling two-series metric by name.
#[pyfunction]
#[pyo3(signature = (name, returns, factor_returns, window, period="daily", annualization=None, nan_policy="skip"))]
#[allow(clippy::too_many_arguments)]
fn roll_pair<'py>(
    py: Python<'py>,
    name: &str,
    returns: PyReadonlyArray1<'py, f64>,
    factor_returns: PyReadonlyArray1<'py, f64>,
    window: usize,
    period: &str,
    annualization: Option<f64>,
    nan_policy: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = opts(period, annualization, 0.0, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    let b = slice(&factor_returns, "factor_returns");
    let metric = name.parse::<returns::PairMetric>();
    let v = call(py, move || Ok(metric?.rolling(r?, b?, window, &o?)?))?;
    Ok(PyArray1::from_vec(py, v))
}

/// Every metric in one pass, as a dict (benchmark keys when `factor_returns` is given).
#[pyfunction]
#[pyo3(signature = (returns, factor_returns=None, period="daily", annualization=None, risk_free=0.0, required_return=0.0, cutoff=0.05, nan_policy="skip"))]
#[allow(clippy::too_many_arguments)]
fn summary<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    factor_returns: Option<PyReadonlyArray1<'py, f64>>,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    required_return: f64,
    cutoff: f64,
    nan_policy: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let o = opts(
        period,
        annualization,
        risk_free,
        required_return,
        nan_policy,
    );
    let r = slice(&returns, "returns");
    let b = factor_returns.as_ref().map(|f| slice(f, "factor_returns"));
    let s = call(py, move || {
        let b = b.transpose()?;
        let so = SummaryOptions {
            returns: o?,
            cutoff,
            ..Default::default()
        };
        Ok(Summary::compute(r?, b, &so)?)
    })?;
    let d = PyDict::new(py);
    for (k, v) in s.metrics() {
        d.set_item(k, v)?;
    }
    Ok(d)
}

/// Five headline metrics in one fused pass: (sharpe, sortino, max_drawdown, annual_return, annual_volatility).
#[pyfunction]
#[pyo3(signature = (returns, period="daily", annualization=None, risk_free=0.0, required_return=0.0, nan_policy="skip"))]
fn core_metrics(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    required_return: f64,
    nan_policy: &str,
) -> PyResult<(f64, f64, f64, f64, f64)> {
    let o = opts(
        period,
        annualization,
        risk_free,
        required_return,
        nan_policy,
    );
    let r = slice(&returns, "returns");
    call(py, move || {
        let m = returns::core_metrics(r?, &o?)?;
        Ok((
            m.sharpe_ratio,
            m.sortino_ratio,
            m.max_drawdown,
            m.annual_return,
            m.annual_volatility,
        ))
    })
}

fn psr_convention(s: &str) -> Result<returns::promotion::PsrConvention, CallError> {
    Ok(s.parse::<returns::promotion::PsrConvention>()?)
}

/// Probabilistic Sharpe ratio of `returns` against a per-period benchmark Sharpe.
#[pyfunction]
#[pyo3(signature = (returns, sr_benchmark=0.0, convention="paper", risk_free=0.0, nan_policy="skip"))]
fn probabilistic_sharpe_ratio(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    sr_benchmark: f64,
    convention: &str,
    risk_free: f64,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts("daily", None, risk_free, 0.0, nan_policy);
    let c = psr_convention(convention);
    let r = slice(&returns, "returns");
    call(py, move || {
        Ok(returns::promotion::probabilistic_sharpe_ratio(
            r?,
            sr_benchmark,
            c?,
            &o?,
        )?)
    })
}

/// Deflated Sharpe ratio of `returns` given the per-period Sharpe ratios of all trials.
#[pyfunction]
#[pyo3(signature = (returns, trial_sharpes, convention="paper", risk_free=0.0, nan_policy="skip"))]
fn deflated_sharpe_ratio(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    trial_sharpes: PyReadonlyArray1<'_, f64>,
    convention: &str,
    risk_free: f64,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts("daily", None, risk_free, 0.0, nan_policy);
    let c = psr_convention(convention);
    let r = slice(&returns, "returns");
    let t = slice(&trial_sharpes, "trial_sharpes");
    call(py, move || {
        Ok(returns::promotion::deflated_sharpe_ratio(r?, t?, c?, &o?)?)
    })
}

/// Minimum track record length (observations) for the Sharpe ratio to exceed the benchmark at `alpha`.
#[pyfunction]
#[pyo3(signature = (returns, sr_benchmark=0.0, alpha=0.05, convention="paper", risk_free=0.0, nan_policy="skip"))]
#[allow(clippy::too_many_arguments)]
fn min_track_record_length(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    sr_benchmark: f64,
    alpha: f64,
    convention: &str,
    risk_free: f64,
    nan_policy: &str,
) -> PyResult<f64> {
    let o = opts("daily", None, risk_free, 0.0, nan_policy);
    let c = psr_convention(convention);
    let r = slice(&returns, "returns");
    call(py, move || {
        Ok(returns::promotion::min_track_record_length(
            r?,
            sr_benchmark,
            alpha,
            c?,
            &o?,
        )?)
    })
}

/// PBO by CSCV over a T×N float64 matrix (rows = periods), C or Fortran order.
#[pyfunction]
fn probability_of_backtest_overfitting<'py>(
    py: Python<'py>,
    returns_matrix: PyReadonlyArray2<'py, f64>,
    n_blocks: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let m = strategy_matrix(&returns_matrix, "returns_matrix");
    let res = call(py, move || {
        let (m, p) = (m?, pool()?);
        Ok(p.install(|| returns::pbo::pbo(m, n_blocks))?)
    })?;
    let d = PyDict::new(py);
    d.set_item("pbo", res.pbo)?;
    d.set_item("logits", PyArray1::from_vec(py, res.logits))?;
    d.set_item("mean_oos_rank", res.mean_oos_rank)?;
    d.set_item("n_combinations", res.n_combinations)?;
    d.set_item("n_blocks", res.n_blocks)?;
    d.set_item("n_rows_used", res.n_rows_used)?;
    d.set_item("winners", res.winners)?;
    d.set_item("is_performance", PyArray1::from_vec(py, res.is_performance))?;
    d.set_item(
        "oos_performance",
        PyArray1::from_vec(py, res.oos_performance),
    )?;
    d.set_item("prob_loss", res.prob_loss)?;
    d.set_item(
        "degradation",
        (
            res.degradation.slope,
            res.degradation.intercept,
            res.degradation.r_squared,
        ),
    )?;
    Ok(d)
}

/// Bootstrap confidence interval of a named metric.
#[pyfunction]
#[pyo3(signature = (returns, metric, n_resamples, resampling, block_length, interval, confidence, seed, period="daily", annualization=None))]
#[allow(clippy::too_many_arguments)]
fn bootstrap_ci<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    metric: &str,
    n_resamples: usize,
    resampling: &str,
    block_length: f64,
    interval: &str,
    confidence: f64,
    seed: u64,
    period: &str,
    annualization: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let o = opts(period, annualization, 0.0, 0.0, "raise");
    let r = slice(&returns, "returns");
    let statistic = metric.parse::<returns::BootstrapStatistic>();
    let resampling = returns::resampling_named(resampling, block_length);
    let method = interval.parse::<returns::bootstrap::IntervalMethod>();
    let res = call(py, move || {
        let boot = returns::bootstrap::BootstrapOptions {
            resampling: resampling?,
            method: method?,
            n_resamples,
            confidence,
            seed,
        };
        let (r, statistic, o) = (r?, statistic?, o?);
        Ok(pool()?.install(|| returns::bootstrap_metric_ci(r, statistic, &o, &boot))?)
    })?;
    let d = PyDict::new(py);
    d.set_item("estimate", res.estimate)?;
    d.set_item("lower", res.lower)?;
    d.set_item("upper", res.upper)?;
    d.set_item("confidence", res.confidence)?;
    d.set_item("n_resamples", res.n_resamples)?;
    d.set_item("std_error", res.std_error)?;
    d.set_item("seed", res.seed)?;
    Ok(d)
}

/// The process-wide exporter (one recorder per process, as the `metrics` facade allows).
static EXPORTER: Mutex<Option<tradewarden::metrics::Exporter>> = Mutex::new(None);

/// Installs the Prometheus exporter from an `ExporterConfig` dict; returns the
/// listener's address (None without a listener).
#[pyfunction]
fn telemetry_install(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    use tradewarden::metrics::{Exporter, ExporterConfig};
    let cfg: ExporterConfig = from_py("telemetry config", config)?;
    call(py, move || {
        let mut guard = EXPORTER.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_some() {
            return Err(CallError::Lib(
                ErrorKind::State,
                "the telemetry exporter is already installed in this process".to_string(),
            ));
        }
        let exporter = Exporter::install(&cfg)?;
        let addr = exporter.local_addr().map(|a| a.to_string());
        *guard = Some(exporter);
        Ok(addr)
    })
}

/// The Prometheus text exposition of every metric.
#[pyfunction]
fn telemetry_render(py: Python<'_>) -> PyResult<String> {
    call(py, || {
        let guard = EXPORTER.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(e) => Ok(e.render()?),
            None => Err(CallError::Lib(
                ErrorKind::State,
                "the telemetry exporter is not installed: call tradewarden.telemetry.install() first".to_string(),
            )),
        }
    })
}

/// Sums `returns` on the process's rayon pool (used by the fork test to prove
/// the pool works in a forked child).
#[pyfunction]
fn _pool_sum(py: Python<'_>, returns: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    use rayon::prelude::*;
    let r = slice(&returns, "returns");
    call(py, move || {
        let r = r?;
        Ok(pool()?.install(|| r.par_chunks(1024).map(|c| c.iter().sum::<f64>()).sum()))
    })
}

/// Panics inside a binding call: proves the panic becomes `InternalError`.
#[pyfunction]
fn _force_panic(py: Python<'_>) -> PyResult<()> {
    call(py, || -> Result<(), CallError> {
        panic!("forced panic for the test suite")
    })
}

/// Sleeps with the interpreter released (used by the test that shows two
/// threads overlapping inside the library).
#[pyfunction]
fn _sleep_released(py: Python<'_>, seconds: f64) -> PyResult<()> {
    call(py, move || {
        std::thread::sleep(std::time::Duration::from_secs_f64(seconds.clamp(0.0, 10.0)));
        Ok(())
    })
}

/// The stable error kinds with their codes, for the exhaustiveness test.
#[pyfunction]
fn _error_kinds() -> Vec<(&'static str, u32, &'static str)> {
    ErrorKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.code(), class_name(*k)))
        .collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let _ = IMPORT_PID.set(std::process::id());
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(sharpe_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(sortino_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(downside_risk, m)?)?;
    m.add_function(wrap_pyfunction!(max_drawdown, m)?)?;
    m.add_function(wrap_pyfunction!(annual_return, m)?)?;
    m.add_function(wrap_pyfunction!(annual_volatility, m)?)?;
    m.add_function(wrap_pyfunction!(calmar_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(tail_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(stability_of_timeseries, m)?)?;
    m.add_function(wrap_pyfunction!(skew, m)?)?;
    m.add_function(wrap_pyfunction!(kurtosis, m)?)?;
    m.add_function(wrap_pyfunction!(win_rate, m)?)?;
    m.add_function(wrap_pyfunction!(hit_rate, m)?)?;
    m.add_function(wrap_pyfunction!(profit_factor, m)?)?;
    m.add_function(wrap_pyfunction!(ulcer_index, m)?)?;
    m.add_function(wrap_pyfunction!(excess_sharpe, m)?)?;
    m.add_function(wrap_pyfunction!(information_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(tracking_error, m)?)?;
    m.add_function(wrap_pyfunction!(beta, m)?)?;
    m.add_function(wrap_pyfunction!(capture, m)?)?;
    m.add_function(wrap_pyfunction!(up_capture, m)?)?;
    m.add_function(wrap_pyfunction!(down_capture, m)?)?;
    m.add_function(wrap_pyfunction!(up_down_capture, m)?)?;
    m.add_function(wrap_pyfunction!(benchmark_correlation, m)?)?;
    m.add_function(wrap_pyfunction!(alpha_beta, m)?)?;
    m.add_function(wrap_pyfunction!(omega_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(annual_volatility_alpha, m)?)?;
    m.add_function(wrap_pyfunction!(sortino_ratio_given_downside, m)?)?;
    m.add_function(wrap_pyfunction!(value_at_risk, m)?)?;
    m.add_function(wrap_pyfunction!(cum_returns, m)?)?;
    m.add_function(wrap_pyfunction!(cum_returns_final, m)?)?;
    m.add_function(wrap_pyfunction!(excess_returns, m)?)?;
    m.add_function(wrap_pyfunction!(batting_average, m)?)?;
    m.add_function(wrap_pyfunction!(roll, m)?)?;
    m.add_function(wrap_pyfunction!(roll_pair, m)?)?;
    m.add_function(wrap_pyfunction!(summary, m)?)?;
    m.add_function(wrap_pyfunction!(core_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(probabilistic_sharpe_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(deflated_sharpe_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(min_track_record_length, m)?)?;
    m.add_function(wrap_pyfunction!(probability_of_backtest_overfitting, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap_ci, m)?)?;
    m.add_function(wrap_pyfunction!(telemetry_install, m)?)?;
    m.add_function(wrap_pyfunction!(telemetry_render, m)?)?;
    m.add_function(wrap_pyfunction!(_pool_sum, m)?)?;
    m.add_function(wrap_pyfunction!(_force_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_sleep_released, m)?)?;
    m.add_function(wrap_pyfunction!(_error_kinds, m)?)?;
    drift::register(m)?;
    guardrails::register(m)?;
    arrow::register(m)?;
    state::register(m)?;
    compat::register(m)?;
    inference::register(m)?;
    report::register(m)?;
    report_html::register(m)?;
    attribution::register(m)?;
    reach::register(m)?;
    Ok(())
}
