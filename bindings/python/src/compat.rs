//! The empyrical functions `tradewarden.returns` adds for drop-in use (issue 19):
//! prices of any numeric type to returns, drawdown series, rolling alpha/beta,
//! calendar aggregation, beta fragility and the GPD tail estimates.
//! Convert, call with the interpreter released, map errors.

use ndarray::ShapeBuilder;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use tradewarden::core::returns::{self, AlphaMethod, Metric, PairMetric, extra};
use tradewarden::core::{ErrorKind, NanPolicy, Period, ReturnsOptions};

use crate::{CallError, call, opts, slice};

/// Simple returns of float prices with IEEE division (zero price: ±inf / NaN).
#[pyfunction]
fn price_returns<'py>(
    py: Python<'py>,
    prices: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let p = slice(&prices, "prices");
    let v = call(py, move || Ok(extra::price_returns(p?)))?;
    Ok(PyArray1::from_vec(py, v))
}

/// Simple returns of signed integer prices (exact difference).
#[pyfunction]
fn price_returns_i64<'py>(
    py: Python<'py>,
    prices: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let p = prices.as_slice().map_err(|_| {
        CallError::Lib(
            ErrorKind::InvalidInput,
            "prices must be a contiguous 1-D int64 array".into(),
        )
    });
    let v = call(py, move || Ok(extra::price_returns_i64(p?)))?;
    Ok(PyArray1::from_vec(py, v))
}

/// Simple returns of unsigned integer prices (exact difference).
#[pyfunction]
fn price_returns_u64<'py>(
    py: Python<'py>,
    prices: PyReadonlyArray1<'py, u64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let p = prices.as_slice().map_err(|_| {
        CallError::Lib(
            ErrorKind::InvalidInput,
            "prices must be a contiguous 1-D uint64 array".into(),
        )
    });
    let v = call(py, move || Ok(extra::price_returns_u64(p?)))?;
    Ok(PyArray1::from_vec(py, v))
}

/// Drawdown series (one value per return, NaN returns count as 0).
#[pyfunction]
fn drawdown_series<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let r = slice(&returns, "returns");
    let v = call(py, move || {
        Ok(returns::drawdown_series(r?, &ReturnsOptions::empyrical())?)
    })?;
    Ok(PyArray1::from_vec(py, v))
}

/// Rolling [alpha, beta], flattened: `[a0, b0, a1, b1, …]`.
#[pyfunction]
#[pyo3(signature = (returns, factor_returns, window, period="daily", annualization=None, risk_free=0.0))]
fn roll_alpha_beta<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray1<'py, f64>,
    factor_returns: PyReadonlyArray1<'py, f64>,
    window: usize,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = opts(period, annualization, risk_free, 0.0, "skip");
    let r = slice(&returns, "returns");
    let b = slice(&factor_returns, "factor_returns");
    let v = call(py, move || {
        let ab = returns::roll_alpha_beta(r?, b?, window, AlphaMethod::Compound, &o?)?;
        Ok(ab
            .iter()
            .flat_map(|x| [x.alpha, x.beta])
            .collect::<Vec<f64>>())
    })?;
    Ok(PyArray1::from_vec(py, v))
}

/// Compounded returns per calendar group: (years, periods, values).
#[pyfunction]
fn aggregate_returns(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    timestamps: PyReadonlyArray1<'_, i64>,
    convert_to: &str,
) -> PyResult<(Vec<i32>, Vec<u32>, Vec<f64>)> {
    let r = slice(&returns, "returns");
    let t = timestamps.as_slice().map_err(|_| {
        CallError::Lib(
            ErrorKind::InvalidInput,
            "timestamps must be a contiguous 1-D int64 array".into(),
        )
    });
    let convert_to = convert_to.to_string();
    call(py, move || {
        let period = Period::from_name(&convert_to)?;
        let o = ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..ReturnsOptions::default()
        };
        let g = returns::aggregate_returns(r?, t?, period, &o)?;
        Ok((
            g.iter().map(|x| x.year).collect(),
            g.iter().map(|x| x.period).collect(),
            g.iter().map(|x| x.value).collect(),
        ))
    })
}

/// Beta fragility heuristic (NaN with fewer than 3 complete pairs).
#[pyfunction]
fn beta_fragility_heuristic(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    factor_returns: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    let r = slice(&returns, "returns");
    let b = slice(&factor_returns, "factor_returns");
    call(py, move || Ok(extra::beta_fragility_heuristic(r?, b?)?))
}

/// GPD tail estimates: [threshold, scale, shape, VaR, ES].
#[pyfunction]
#[pyo3(signature = (returns, var_p=0.01))]
fn gpd_risk_estimates(
    py: Python<'_>,
    returns: PyReadonlyArray1<'_, f64>,
    var_p: f64,
) -> PyResult<[f64; 5]> {
    let r = slice(&returns, "returns");
    call(py, move || {
        Ok(extra::gpd_risk_estimates(r?, var_p)?.to_array())
    })
}

/// Expected shortfall of a GPD tail beyond `var_estimate`.
#[pyfunction]
fn gpd_es(var_estimate: f64, threshold: f64, scale: f64, shape: f64) -> f64 {
    extra::gpd_expected_shortfall(var_estimate, threshold, scale, shape)
}

/// VaR of a GPD tail.
#[pyfunction]
fn gpd_var(
    threshold: f64,
    scale: f64,
    shape: f64,
    probability: f64,
    total_n: usize,
    exceedance_n: usize,
) -> f64 {
    extra::gpd_value_at_risk(threshold, scale, shape, probability, total_n, exceedance_n)
}

/// Per-group weighted sums of column-major loadings (empyrical `compute_exposures`).
#[pyfunction]
fn group_weighted_sums<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, i64>,
    weights: PyReadonlyArray1<'py, f64>,
    loadings: PyReadonlyArray1<'py, f64>,
    n_groups: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let c: Result<Vec<usize>, CallError> = codes
        .as_slice()
        .map_err(|_| {
            CallError::Lib(
                ErrorKind::InvalidInput,
                "codes must be a contiguous 1-D int64 array".into(),
            )
        })
        .and_then(|s| {
            s.iter()
                .map(|&v| {
                    usize::try_from(v).map_err(|_| {
                        CallError::Lib(
                            ErrorKind::InvalidInput,
                            format!("codes must be >= 0, got {v}"),
                        )
                    })
                })
                .collect()
        });
    let w = slice(&weights, "weights");
    let l = slice(&loadings, "loadings");
    let v = call(py, move || {
        Ok(extra::group_weighted_sums(&c?, w?, l?, n_groups)?)
    })?;
    Ok(PyArray1::from_vec(py, v))
}

/// `name` over each column of a 2-D array (any memory order: without
/// contiguous columns the matrix is copied column-major once); NaN for zero
/// rows. With
/// `factor_returns`, each column is paired with that one benchmark.
#[pyfunction]
#[pyo3(signature = (name, returns, factor_returns=None, period="daily", annualization=None, risk_free=0.0, required_return=0.0))]
#[allow(clippy::too_many_arguments)]
fn columns<'py>(
    py: Python<'py>,
    name: &str,
    returns: PyReadonlyArray2<'py, f64>,
    factor_returns: Option<PyReadonlyArray1<'py, f64>>,
    period: &str,
    annualization: Option<f64>,
    risk_free: f64,
    required_return: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = opts(period, annualization, risk_free, required_return, "skip");
    let view = returns.as_array();
    let bench = factor_returns.as_ref().map(|b| slice(b, "factor_returns"));
    let name = name.to_string();
    let v = call(py, move || {
        let o = o?;
        let (n, k) = view.dim();
        let bench = bench.transpose()?;
        // metric names are the crate's (returns::Metric / PairMetric)
        let (f1, f2) = match bench {
            None => (Some(name.parse::<Metric>()?), None),
            Some(_) => (None, Some(name.parse::<PairMetric>()?)),
        };
        // a C-ordered matrix: the crate reads it as it lies
        if let (true, Some(rows)) = (n > 0 && k > 0, view.as_slice()) {
            return Ok(match (f1, f2, bench) {
                (Some(m), _, _) => m.columns_row_major(rows, k, &o)?,
                (_, Some(m), Some(b)) => m.columns_row_major(rows, k, b, &o)?,
                _ => vec![f64::NAN; k],
            });
        }
        let contiguous = k == 0 || view.column(0).to_slice().is_some();
        let cm: Vec<f64> = if contiguous {
            Vec::new()
        } else {
            column_major_copy(&view)
        };
        let mut out = Vec::with_capacity(k);
        for j in 0..k {
            if n == 0 {
                out.push(f64::NAN);
                continue;
            }
            let col = view.column(j);
            let s: &[f64] = match col.to_slice() {
                Some(s) => s,
                None => &cm[j * n..(j + 1) * n],
            };
            out.push(match (f1, f2, bench) {
                (Some(m), _, _) => m.compute(s, &o)?,
                (_, Some(m), Some(b)) => m.compute(s, b, &o)?,
                _ => f64::NAN,
            });
        }
        Ok(out)
    })?;
    Ok(PyArray1::from_vec(py, v))
}

/// The values of a 2-D view column by column. Columns not contiguous (a
/// C-ordered or strided input): one row-major pass copies them all (reading
/// each column on its own would stream the whole matrix k times).
fn column_major_copy(view: &ndarray::ArrayView2<'_, f64>) -> Vec<f64> {
    let (n, k) = view.dim();
    let mut cm = vec![0.0; n * k];
    for (i, row) in view.rows().into_iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            cm[j * n + i] = v;
        }
    }
    cm
}

/// `cum_returns` of each column of a 2-D array (≥ 1 row) in one call; the
/// result is C-ordered for a C-ordered input, else Fortran-ordered.
#[pyfunction]
#[pyo3(signature = (returns, starting_value=0.0))]
fn cum_returns_columns<'py>(
    py: Python<'py>,
    returns: PyReadonlyArray2<'py, f64>,
    starting_value: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let o = opts("daily", None, 0.0, 0.0, "skip");
    let view = returns.as_array();
    let (n, k) = view.dim();
    let v = call(py, move || {
        // a C-ordered input is read row by row as it lies (C-ordered result)
        if let (true, Some(rows)) = (n > 0 && k > 0, view.as_slice()) {
            let v = returns::cum_returns_row_major(rows, k, starting_value, &o?)?;
            return ndarray::Array2::from_shape_vec((n, k), v)
                .map_err(|e| CallError::Lib(ErrorKind::InvalidInput, format!("cum_returns: {e}")));
        }
        // a Fortran-ordered input is read in place
        let t = view.t();
        let cm = match t.as_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(column_major_copy(&view)),
        };
        let v = returns::cum_returns_columns(&cm, n, starting_value, &o?)?;
        ndarray::Array2::from_shape_vec((n, k).f(), v)
            .map_err(|e| CallError::Lib(ErrorKind::InvalidInput, format!("cum_returns: {e}")))
    })?;
    Ok(v.into_pyarray(py))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(price_returns, m)?)?;
    m.add_function(wrap_pyfunction!(price_returns_i64, m)?)?;
    m.add_function(wrap_pyfunction!(price_returns_u64, m)?)?;
    m.add_function(wrap_pyfunction!(drawdown_series, m)?)?;
    m.add_function(wrap_pyfunction!(roll_alpha_beta, m)?)?;
    m.add_function(wrap_pyfunction!(aggregate_returns, m)?)?;
    m.add_function(wrap_pyfunction!(beta_fragility_heuristic, m)?)?;
    m.add_function(wrap_pyfunction!(gpd_risk_estimates, m)?)?;
    m.add_function(wrap_pyfunction!(gpd_es, m)?)?;
    m.add_function(wrap_pyfunction!(gpd_var, m)?)?;
    m.add_function(wrap_pyfunction!(group_weighted_sums, m)?)?;
    m.add_function(wrap_pyfunction!(columns, m)?)?;
    m.add_function(wrap_pyfunction!(cum_returns_columns, m)?)?;
    Ok(())
}
