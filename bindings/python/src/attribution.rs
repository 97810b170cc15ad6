//! P&L attribution by symbol and by regime (`returns::attribution`):
//! converts the columns, calls the crate once, returns plain dicts.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tradewarden::core::returns::attribution;

use crate::{call, slice};

/// Attribution by symbol: one dict per symbol, largest summed return first
/// (a symbol `None` is missing).
#[pyfunction]
fn attribution_by_symbol<'py>(
    py: Python<'py>,
    symbols: Vec<Option<String>>,
    returns: PyReadonlyArray1<'py, f64>,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let r = slice(&returns, "returns");
    let rows = call(py, move || {
        let s: Vec<Option<&str>> = symbols.iter().map(|x| x.as_deref()).collect();
        Ok(attribution::by_symbol_with_missing(&s, r?)?)
    })?;
    rows.into_iter()
        .map(|x| {
            let d = PyDict::new(py);
            d.set_item("symbol", x.symbol)?;
            d.set_item("samples", x.samples)?;
            d.set_item("sample_weight", x.sample_weight)?;
            d.set_item("average_return", x.average_return)?;
            d.set_item("cumulative_return", x.cumulative_return)?;
            d.set_item("contribution", x.contribution)?;
            Ok(d)
        })
        .collect()
}

/// Attribution by regime: `(group name, [row dict, …])` per column in name
/// order; a label `None` is missing.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn attribution_by_regime<'py>(
    py: Python<'py>,
    columns: Vec<(String, Vec<Option<String>>)>,
    returns: PyReadonlyArray1<'py, f64>,
) -> PyResult<Vec<(String, Vec<Bound<'py, PyDict>>)>> {
    let r = slice(&returns, "returns");
    let groups = call(py, move || {
        let labels: Vec<Vec<Option<&str>>> = columns
            .iter()
            .map(|(_, l)| l.iter().map(|x| x.as_deref()).collect())
            .collect();
        let cols: Vec<(&str, &[Option<&str>])> = columns
            .iter()
            .zip(&labels)
            .map(|((n, _), l)| (n.as_str(), l.as_slice()))
            .collect();
        Ok(attribution::by_regime(&cols, r?)?)
    })?;
    groups
        .into_iter()
        .map(|g| {
            let rows = g
                .rows
                .into_iter()
                .map(|x| {
                    let d = PyDict::new(py);
                    d.set_item("label", x.label)?;
                    d.set_item("samples", x.samples)?;
                    d.set_item("sample_weight", x.sample_weight)?;
                    d.set_item("average_return", x.average_return)?;
                    d.set_item("cumulative_return", x.cumulative_return)?;
                    d.set_item("sharpe", x.sharpe)?;
                    d.set_item("hit_rate", x.hit_rate)?;
                    Ok(d)
                })
                .collect::<PyResult<Vec<_>>>()?;
            Ok((g.name, rows))
        })
        .collect()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(attribution_by_symbol, m)?)?;
    m.add_function(wrap_pyfunction!(attribution_by_regime, m)?)?;
    m.add("ATTRIBUTION_REGIME_PREFIX", attribution::REGIME_PREFIX)?;
    Ok(())
}
