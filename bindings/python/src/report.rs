//! The operations summary (`tradewarden::ops`): converts the arguments, calls
//! `OperationsSummary::compute` once, returns its document as JSON text.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use tradewarden::core::ErrorKind;
use tradewarden::core::returns::SummaryOptions;
use tradewarden::guardrails::exposure::{TradeLog, TradeLogColumns};
use tradewarden::ops::{OperationsSummary, OperationsThresholds, Trades};

use crate::arrow::import_stream;
use crate::{CallError, call, opts, slice};

/// The `ops_summary.json` document of a returns series (and optionally a
/// trade log given as an Arrow stream), with the seven thresholds' alerts.
#[pyfunction]
#[pyo3(signature = (returns, factor_returns=None, trades=None, capital=1.0, tail_percentile=5.0,
                    thresholds_json="{}", columns_json="{}", period="daily", annualization=None,
                    risk_free=0.0, cutoff=0.05, nan_policy="skip"))]
#[allow(clippy::too_many_arguments)]
fn operations_summary<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    factor_returns: Option<PyReadonlyArray1<'py, f64>>,
    trades: Option<Bound<'py, PyAny>>,
    capital: f64,
    tail_percentile: f64,
    thresholds_json: &str,
    columns_json: &str,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    cutoff: f64,
    nan_policy: &str,
) -> PyResult<String> {
    let o = opts(period, annualization, risk_free, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    let b = factor_returns.as_ref().map(|f| slice(f, "factor_returns"));
    let batches = trades
        .as_ref()
        .map(|t| import_stream(t, "trades"))
        .transpose()?;
    call(py, move || {
        let config = |what: &str, e: serde_json::Error| {
            CallError::Lib(ErrorKind::InvalidConfig, format!("invalid {what}: {e}"))
        };
        let thresholds: OperationsThresholds =
            serde_json::from_str(thresholds_json).map_err(|e| config("thresholds", e))?;
        let columns: TradeLogColumns =
            serde_json::from_str(columns_json).map_err(|e| config("columns", e))?;
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
        serde_json::to_string(&s.document())
            .map_err(|e| CallError::Lib(ErrorKind::Internal, format!("summary to JSON: {e}")))
    })
}

/// Registers the operations summary.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(operations_summary, m)?)?;
    Ok(())
}
