//! The HTML report: converts the arguments and calls
//! `tradewarden::report::html_report` once (the operations summary and its
//! page) — the same bytes as `tradewarden report`'s `report.html` for the
//! same series, names, dates and options (a drift report and a journal
//! directory add the same sections).

use std::path::PathBuf;

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use tradewarden::core::returns::SummaryOptions;
use tradewarden::drift::report::DriftReport;
use tradewarden::guardrails::exposure::{TradeLog, TradeLogColumns};
use tradewarden::ops::{OperationsThresholds, Trades};
use tradewarden::report::{Dates, JournalEvents, ReportInput, html_report as report_page};

use crate::arrow::import_stream;
use crate::{call, from_py, from_py_or_default, opts, slice};

/// The report page of a returns series as a string. `dates`: Unix seconds
/// (UTC), one per return, read from the column `date_column`; without them
/// the page says `missing_dates` where the dates would be. `drift`: a drift
/// report as a dict (validated); `journal`: a guardrail journal directory.
#[pyfunction]
#[pyo3(signature = (returns, benchmark=None, dates=None, date_column="date",
                    missing_dates="no dates given", name="returns", benchmark_name=None,
                    trades=None, capital=1.0, tail_percentile=5.0, thresholds=None,
                    columns=None, period="daily", annualization=None, risk_free=0.0,
                    nan_policy="error", drift=None, journal=None))]
#[allow(clippy::too_many_arguments)]
fn html_report<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    benchmark: Option<PyReadonlyArray1<'py, f64>>,
    dates: Option<PyReadonlyArray1<'py, i64>>,
    date_column: &str,
    missing_dates: &str,
    name: &str,
    benchmark_name: Option<&str>,
    trades: Option<Bound<'py, PyAny>>,
    capital: f64,
    tail_percentile: f64,
    thresholds: Option<Bound<'py, PyAny>>,
    columns: Option<Bound<'py, PyAny>>,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    nan_policy: &str,
    drift: Option<Bound<'py, PyAny>>,
    journal: Option<PathBuf>,
) -> PyResult<String> {
    let o = opts(period, annualization, risk_free, 0.0, nan_policy);
    let r = slice(&returns, "returns");
    let b = benchmark.as_ref().map(|f| slice(f, "benchmark"));
    let d = match &dates {
        Some(d) => Dates::Column {
            name: date_column.to_string(),
            ts: d.as_array().to_vec(),
        },
        None => Dates::Missing(missing_dates.to_string()),
    };
    let thresholds: Option<OperationsThresholds> = thresholds
        .as_ref()
        .map(|t| from_py_or_default("thresholds", Some(t)))
        .transpose()?;
    let columns: TradeLogColumns = from_py_or_default("columns", columns.as_ref())?;
    let batches = trades
        .as_ref()
        .map(|t| import_stream(t, "trades"))
        .transpose()?;
    let drift: Option<DriftReport> = drift
        .as_ref()
        .filter(|d| !d.is_none())
        .map(|d| from_py("drift", d))
        .transpose()?;
    call(py, move || {
        if let Some(d) = &drift {
            d.validate()?;
        }
        let journal = journal.as_deref().map(JournalEvents::read).transpose()?;
        let log = batches
            .map(|b| TradeLog::from_batches(&b, &columns))
            .transpose()?;
        let (r, b) = (r?, b.transpose()?);
        Ok(report_page(&ReportInput {
            name,
            benchmark_name,
            returns: r,
            benchmark: b,
            dates: &d,
            trades: log.as_ref().map(|log| Trades {
                log,
                capital,
                tail_percentile,
            }),
            thresholds: thresholds.as_ref(),
            options: &SummaryOptions {
                returns: o?,
                ..Default::default()
            },
            drift: drift.as_ref(),
            journal: journal.as_ref().map(|(entries, unreadable)| JournalEvents {
                entries,
                unreadable: *unreadable,
            }),
        })?
        .html)
    })
}

/// Registers the HTML report.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(html_report, m)?)?;
    Ok(())
}
