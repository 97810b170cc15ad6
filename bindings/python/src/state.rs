//! `tradewarden.returns.ReturnsState`: the mergeable returns state
//! (`tradewarden_core::returns::ReturnsState`) for partitioned data (issue 12).
//! Convert, call with the interpreter released, map errors.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use tradewarden::core::returns::ReturnsState;

use crate::{call, opts, slice};

/// Mergeable sufficient statistics of consecutive returns.
#[pyclass(name = "ReturnsState", module = "tradewarden._native")]
#[derive(Debug, Clone)]
pub(crate) struct PyReturnsState {
    inner: ReturnsState,
}

#[pymethods]
impl PyReturnsState {
    /// An empty state whose downside sum is taken against `required_return`.
    #[new]
    #[pyo3(signature = (required_return=0.0))]
    fn new(py: Python<'_>, required_return: f64) -> PyResult<PyReturnsState> {
        call(py, move || {
            Ok(PyReturnsState {
                inner: ReturnsState::new(required_return)?,
            })
        })
    }

    /// The state of `returns` (per-period `required_return`; NaN handled by `nan_policy`).
    #[staticmethod]
    #[pyo3(signature = (returns, required_return=0.0, nan_policy="raise"))]
    fn from_returns(
        py: Python<'_>,
        returns: PyReadonlyArray1<'_, f64>,
        required_return: f64,
        nan_policy: &str,
    ) -> PyResult<PyReturnsState> {
        let o = opts("daily", None, 0.0, required_return, nan_policy);
        let r = slice(&returns, "returns");
        call(py, move || {
            Ok(PyReturnsState {
                inner: ReturnsState::from_returns(r?, &o?)?,
            })
        })
    }

    /// Appends the returns that follow this state's (unchanged on error).
    #[pyo3(signature = (returns, nan_policy="raise"))]
    fn extend(
        &mut self,
        py: Python<'_>,
        returns: PyReadonlyArray1<'_, f64>,
        nan_policy: &str,
    ) -> PyResult<()> {
        let p = crate::nan_policy(nan_policy);
        let r = slice(&returns, "returns");
        let s = &mut self.inner;
        call(py, move || Ok(s.extend(r?, p?)?))
    }

    /// The state of this partition followed by `next`.
    fn merge(&self, py: Python<'_>, next: PyRef<'_, PyReturnsState>) -> PyResult<PyReturnsState> {
        let (a, b) = (&self.inner, &next.inner);
        call(py, move || Ok(PyReturnsState { inner: a.merge(b)? }))
    }

    /// States of consecutive partitions merged in order.
    #[staticmethod]
    fn merge_all(
        py: Python<'_>,
        states: Vec<PyRef<'_, PyReturnsState>>,
    ) -> PyResult<PyReturnsState> {
        let refs: Vec<&ReturnsState> = states.iter().map(|s| &s.inner).collect();
        call(py, move || {
            Ok(PyReturnsState {
                inner: ReturnsState::merge_all(refs.iter().copied())?,
            })
        })
    }

    /// The metrics of the whole series, as a dict (keys: the fields of `StateMetrics`).
    #[pyo3(signature = (period="daily", annualization=None, risk_free=0.0))]
    fn metrics<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        annualization: Option<f64>,
        risk_free: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.inner;
        // The state applied its own NaN policy; metrics() does not read it.
        let o = opts(period, annualization, risk_free, s.required_return, "raise");
        let m = call(py, move || Ok(s.metrics(&o?)?))?;
        let d = PyDict::new(py);
        d.set_item("n", m.n)?;
        d.set_item("mean", m.mean)?;
        d.set_item("std", m.std)?;
        d.set_item("sharpe_ratio", m.sharpe_ratio)?;
        d.set_item("sortino_ratio", m.sortino_ratio)?;
        d.set_item("max_drawdown", m.max_drawdown)?;
        d.set_item("annual_return", m.annual_return)?;
        d.set_item("annual_volatility", m.annual_volatility)?;
        d.set_item("calmar_ratio", m.calmar_ratio)?;
        d.set_item("cum_return", m.cum_return)?;
        d.set_item("best", m.best)?;
        d.set_item("worst", m.worst)?;
        Ok(d)
    }

    /// Values used (NaN excluded).
    fn count(&self) -> u64 {
        self.inner.n
    }

    /// NaN values seen.
    fn n_nan(&self) -> u64 {
        self.inner.n_nan
    }

    /// The per-period required return of the downside sum.
    fn required_return(&self) -> f64 {
        self.inner.required_return
    }

    /// The serialized state (serde JSON, UTF-8).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let s = &self.inner;
        let b = call(py, move || Ok(s.to_bytes()?))?;
        Ok(PyBytes::new(py, &b))
    }

    /// A state from `to_bytes`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PyReturnsState> {
        call(py, move || {
            Ok(PyReturnsState {
                inner: ReturnsState::from_bytes(data)?,
            })
        })
    }

    fn __eq__(&self, other: PyRef<'_, PyReturnsState>) -> bool {
        self.inner == other.inner
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyReturnsState>()
}
