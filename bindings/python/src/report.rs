//! The operations summary (`tradewarden::ops`): converts the arguments, calls
//! `OperationsSummary::compute` once, returns its document as a dict.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use tradewarden::core::returns::SummaryOptions;
use tradewarden::guardrails::exposure::{TradeLog, TradeLogColumns};
use tradewarden::ops::{OperationsSummary, OperationsThresholds, Trades};

use crate::arrow::import_stream;
use crate::{call, from_py_or_default, opts, slice, to_py};

/// The `ops_summary.json` document of a returns series (and optionally a
/// trade log given as an Arrow stream), with the seven thresholds' alerts.
#[pyfunction]
#[pyo3(signature = (returns, factor_returns=None, trades=None, capital=1.0, tail_percentile=5.0,
                    thresholds=None, columns=None, period="daily", annualization=None,
                    risk_free=0.0, cutoff=0.05, nan_policy="skip"))]
#[allow(clippy::too_many_arguments)]
fn operations_summary<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    factor_returns: Option<PyReadonlyArray1<'py, f64>>,
    trades: Option<Bound<'py, PyAny>>,
    capital: f64,
    tail_percentile: f64,
    thresholds: Option<Bound<'py, PyAny>>,
    columns: Option<Bound<'py, PyAny>>,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    cutoff: f64,
    nan_policy: &str,
) -> PyResult<Py<PyAny>> {
    let thresholds: OperationsThresholds = from_py_or_default("thresholds", thresholds.as_ref())?;
    let columns: TradeLogColumns = from_py_or_default("columns", columns.as_ref())?;
    let o = opts(period, annualization, risk_free, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    let b = factor_returns.as_ref().map(|f| slice(f, "factor_returns"));
    let batches = trades
        .as_ref()
        .map(|t| import_stream(t, "trades"))
        .transpose()?;
    let doc = call(py, move || {
        let log = batches
            .map(|b| TradeLog::from_batches(&b, &columns))
            .transpose()?;
        let s = OperationsSummary::compute(
            r?,
            b.transpose()?,
            log.as_ref().map(|log| Trades {
                log,
                capital,
                tail_percentile,
            }),
            &thresholds,
            &SummaryOptions {
                returns: o?,
                cutoff,
                ..Default::default()
            },
        )?;
        Ok(s.document())
    })?;
    to_py(py, "summary", &doc)
}

/// Registers the operations summary.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(operations_summary, m)?)?;
    Ok(())
}
