//! `tradewarden.drift`: KS, distances, PSI, profiles, reports and live monitors
//! over `tradewarden-drift`. Convert, call with the interpreter released, map errors.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tradewarden::core::names::Named as _;
use tradewarden::core::{ErrorKind, NanPolicy};
use tradewarden_drift::anderson::AdVariant;
use tradewarden_drift::chunk::{Chunker, chunked_drift};
use tradewarden_drift::compat;
use tradewarden_drift::cvm::{CvmMethod, cramervonmises_2samp as cvm_2samp};
use tradewarden_drift::distance;
use tradewarden_drift::ks::{Alternative, KsMethod};
use tradewarden_drift::monitor::{self, LiveMonitorOptions};
use tradewarden_drift::profile::{BinKind, Profile, ProfileOptions};
use tradewarden_drift::psi::{PsiMode, psi_of_samples};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::sketch::{QuantileSketch, ks_2samp_sketch};
use tradewarden_drift::state::DEFAULT_SUMMARY_ITEMS;
use tradewarden_drift::state::{
    CellGrid, GridCounts, KsBounds, RankSummary, ScoreState, SketchGrid, StateScorer,
};

use crate::{CallError, call, from_py, from_py_or_default, pool, slice, to_py};

fn invalid(msg: String) -> CallError {
    CallError::Lib(ErrorKind::InvalidInput, msg)
}

fn drift_nan_policy(s: &str) -> Result<NanPolicy, CallError> {
    Ok(s.parse::<NanPolicy>()?)
}

fn alternative(s: &str) -> Result<Alternative, CallError> {
    Ok(s.parse::<Alternative>()?)
}

fn ks_method(s: &str) -> Result<KsMethod, CallError> {
    Ok(s.parse::<KsMethod>()?)
}

/// Two-sample KS: (statistic, pvalue, statistic_location, statistic_sign, method_used).
#[pyfunction]
#[pyo3(signature = (data1, data2, alternative="two-sided", method="auto", nan_policy="raise"))]
pub(crate) fn ks_2samp(
    py: Python<'_>,
    data1: PyReadonlyArray1<'_, f64>,
    data2: PyReadonlyArray1<'_, f64>,
    alternative: &str,
    method: &str,
    nan_policy: &str,
) -> PyResult<(f64, f64, f64, i8, &'static str)> {
    let a = slice(&data1, "data1");
    let b = slice(&data2, "data2");
    let alt = self::alternative(alternative);
    let m = ks_method(method);
    let np = drift_nan_policy(nan_policy);
    call(py, move || {
        let r = tradewarden_drift::ks::ks_2samp(a?, b?, alt?, m?, np?)?;
        Ok((
            r.statistic,
            r.pvalue,
            r.statistic_location,
            r.statistic_sign,
            r.method_used.as_str(),
        ))
    })
}

/// Jensen–Shannon distance (scipy.spatial.distance.jensenshannon).
#[pyfunction]
#[pyo3(signature = (p, q, base=None))]
pub(crate) fn jensenshannon(
    py: Python<'_>,
    p: PyReadonlyArray1<'_, f64>,
    q: PyReadonlyArray1<'_, f64>,
    base: Option<f64>,
) -> PyResult<f64> {
    let a = slice(&p, "p");
    let b = slice(&q, "q");
    call(py, move || Ok(distance::jensenshannon(a?, b?, base)?))
}

/// Wasserstein-1 distance between two samples (unweighted).
#[pyfunction]
pub(crate) fn wasserstein_distance(
    py: Python<'_>,
    u_values: PyReadonlyArray1<'_, f64>,
    v_values: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    let a = slice(&u_values, "u_values");
    let b = slice(&v_values, "v_values");
    call(py, move || Ok(distance::wasserstein(a?, b?)?))
}

/// Energy distance between two samples (unweighted).
#[pyfunction]
pub(crate) fn energy_distance(
    py: Python<'_>,
    u_values: PyReadonlyArray1<'_, f64>,
    v_values: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    let a = slice(&u_values, "u_values");
    let b = slice(&v_values, "v_values");
    call(py, move || Ok(distance::energy_distance(a?, b?)?))
}

/// Two-sample KS with scipy's arithmetic (±inf kept as values; `nan_policy` on NaN only):
/// (statistic, pvalue, statistic_location, statistic_sign, method_used).
#[pyfunction]
#[pyo3(signature = (data1, data2, alternative="two-sided", method="auto", nan_policy="propagate"))]
pub(crate) fn ks_2samp_ieee(
    py: Python<'_>,
    data1: PyReadonlyArray1<'_, f64>,
    data2: PyReadonlyArray1<'_, f64>,
    alternative: &str,
    method: &str,
    nan_policy: &str,
) -> PyResult<(f64, f64, f64, i8, &'static str)> {
    let a = slice(&data1, "data1");
    let b = slice(&data2, "data2");
    let alt = self::alternative(alternative);
    let m = ks_method(method);
    let np = drift_nan_policy(nan_policy);
    call(py, move || {
        let r = compat::ks_2samp_ieee(a?, b?, alt?, m?, np?)?;
        Ok((
            r.statistic,
            r.pvalue,
            r.statistic_location,
            r.statistic_sign,
            r.method_used.as_str(),
        ))
    })
}

/// Jensen–Shannon distances of the rows of two row-major matrices (flattened), scipy's arithmetic.
#[pyfunction]
#[pyo3(signature = (p, q, row_len, base=None))]
pub(crate) fn jensenshannon_rows<'py>(
    py: Python<'py>,
    p: PyReadonlyArray1<'_, f64>,
    q: PyReadonlyArray1<'_, f64>,
    row_len: usize,
    base: Option<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let a = slice(&p, "p");
    let b = slice(&q, "q");
    let v = call(py, move || {
        Ok(compat::jensenshannon_rows(a?, b?, row_len, base)?)
    })?;
    Ok(PyArray1::from_vec(py, v))
}

/// Weighted Wasserstein-1 distance with scipy's arithmetic (±inf give inf or NaN).
#[pyfunction]
#[pyo3(signature = (u_values, v_values, u_weights=None, v_weights=None))]
pub(crate) fn wasserstein_weighted(
    py: Python<'_>,
    u_values: PyReadonlyArray1<'_, f64>,
    v_values: PyReadonlyArray1<'_, f64>,
    u_weights: Option<PyReadonlyArray1<'_, f64>>,
    v_weights: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    weighted(
        py,
        compat::wasserstein_weighted,
        &u_values,
        &v_values,
        &u_weights,
        &v_weights,
    )
}

/// Weighted energy distance with scipy's arithmetic (±inf give inf or NaN).
#[pyfunction]
#[pyo3(signature = (u_values, v_values, u_weights=None, v_weights=None))]
pub(crate) fn energy_distance_weighted(
    py: Python<'_>,
    u_values: PyReadonlyArray1<'_, f64>,
    v_values: PyReadonlyArray1<'_, f64>,
    u_weights: Option<PyReadonlyArray1<'_, f64>>,
    v_weights: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    weighted(
        py,
        compat::energy_distance_weighted,
        &u_values,
        &v_values,
        &u_weights,
        &v_weights,
    )
}

/// A scipy-compatible weighted distance of `tradewarden_drift::compat`.
type WeightedDistance =
    fn(&[f64], &[f64], Option<&[f64]>, Option<&[f64]>) -> tradewarden_drift::Result<f64>;

/// A scipy-compatible weighted distance (`f`) over borrowed samples and weights.
fn weighted(
    py: Python<'_>,
    f: WeightedDistance,
    u_values: &PyReadonlyArray1<'_, f64>,
    v_values: &PyReadonlyArray1<'_, f64>,
    u_weights: &Option<PyReadonlyArray1<'_, f64>>,
    v_weights: &Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    let a = slice(u_values, "u_values");
    let b = slice(v_values, "v_values");
    let wa = u_weights
        .as_ref()
        .map(|w| slice(w, "u_weights"))
        .transpose();
    let wb = v_weights
        .as_ref()
        .map(|w| slice(w, "v_weights"))
        .transpose();
    call(py, move || Ok(f(a?, b?, wa?, wb?)?))
}

fn cvm_method(method: &str) -> Result<CvmMethod, CallError> {
    Ok(method.parse::<CvmMethod>()?)
}

/// Two-sample Cramér–von Mises test: (statistic, pvalue).
#[pyfunction]
#[pyo3(signature = (x, y, method="auto"))]
pub(crate) fn cramervonmises_2samp(
    py: Python<'_>,
    x: PyReadonlyArray1<'_, f64>,
    y: PyReadonlyArray1<'_, f64>,
    method: &str,
) -> PyResult<(f64, f64)> {
    let a = slice(&x, "x");
    let b = slice(&y, "y");
    let m = cvm_method(method);
    call(py, move || {
        let r = cvm_2samp(a?, b?, m?)?;
        Ok((r.statistic, r.pvalue))
    })
}

/// Two-sample Cramér–von Mises test with ±inf as values (scipy's ranks): (statistic, pvalue).
#[pyfunction]
#[pyo3(signature = (x, y, method="auto"))]
pub(crate) fn cramervonmises_2samp_ieee(
    py: Python<'_>,
    x: PyReadonlyArray1<'_, f64>,
    y: PyReadonlyArray1<'_, f64>,
    method: &str,
) -> PyResult<(f64, f64)> {
    let a = slice(&x, "x");
    let b = slice(&y, "y");
    let m = cvm_method(method);
    call(py, move || {
        let r = compat::cramervonmises_2samp_ieee(a?, b?, m?)?;
        Ok((r.statistic, r.pvalue))
    })
}

/// χ² test of independence on a row-major r×c table of `n_rows` rows
/// (flattened): (statistic, pvalue, dof, expected frequencies, flattened).
#[pyfunction]
#[pyo3(signature = (observed, n_rows, correction=true))]
pub(crate) fn chi2_contingency<'py>(
    py: Python<'py>,
    observed: PyReadonlyArray1<'_, f64>,
    n_rows: usize,
    correction: bool,
) -> PyResult<(f64, f64, usize, Bound<'py, PyArray1<f64>>)> {
    let o = slice(&observed, "observed");
    let (r, expected) = call(py, move || {
        Ok(tradewarden_drift::tests::chi2_contingency_table(
            o?, n_rows, correction,
        )?)
    })?;
    Ok((
        r.statistic,
        r.pvalue,
        r.dof,
        PyArray1::from_vec(py, expected),
    ))
}

/// PSI of `current` against `reference`, binned by `strategy` on the reference.
#[pyfunction]
#[pyo3(signature = (reference, current, bins=10, strategy="quantile", eps=1e-4, edges=None, nan_policy="raise"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn psi(
    py: Python<'_>,
    reference: PyReadonlyArray1<'_, f64>,
    current: PyReadonlyArray1<'_, f64>,
    bins: usize,
    strategy: &str,
    eps: f64,
    edges: Option<Vec<f64>>,
    nan_policy: &str,
) -> PyResult<f64> {
    let r = slice(&reference, "reference");
    let c = slice(&current, "current");
    let kind = strategy.parse::<BinKind>();
    let np = drift_nan_policy(nan_policy);
    call(py, move || {
        let kind = kind?;
        Ok(psi_of_samples(
            r?,
            c?,
            kind.strategy(bins, edges)?,
            np?,
            kind.psi_mode(eps),
        )?)
    })
}

/// One input column: numeric (float64) or categorical (strings, None = missing).
#[derive(FromPyObject)]
pub(crate) enum Column<'py> {
    Numeric(PyReadonlyArray1<'py, f64>),
    Categorical(Vec<Option<String>>),
}

/// Borrowed views of the columns (taken with the interpreter held).
enum View<'a> {
    Numeric(Result<&'a [f64], CallError>),
    Categorical(Vec<Option<&'a str>>),
}

fn views<'a>(cols: &'a [(String, Column<'_>)]) -> Vec<(&'a str, View<'a>)> {
    cols.iter()
        .map(|(name, c)| {
            let v = match c {
                Column::Numeric(a) => View::Numeric(slice(a, "column")),
                Column::Categorical(v) => {
                    View::Categorical(v.iter().map(|s| s.as_deref()).collect())
                }
            };
            (name.as_str(), v)
        })
        .collect()
}

fn feature_data<'a>(
    views: &'a [(&'a str, View<'a>)],
) -> Result<Vec<(&'a str, FeatureData<'a>)>, CallError> {
    views
        .iter()
        .map(|(n, v)| {
            let d = match v {
                View::Numeric(Ok(s)) => FeatureData::Numeric(s),
                View::Numeric(Err(_)) => {
                    return Err(invalid(format!(
                        "column {n:?} must be a contiguous 1-D float64 array"
                    )));
                }
                View::Categorical(c) => FeatureData::Categorical(c.as_slice()),
            };
            Ok((*n, d))
        })
        .collect()
}

/// A frozen reference profile (`tradewarden_drift::profile::Profile`).
#[pyclass(name = "Profile", module = "tradewarden._native")]
#[derive(Debug, Clone)]
pub(crate) struct PyProfile {
    pub(crate) inner: Profile,
}

#[pymethods]
impl PyProfile {
    /// Fits a profile on named columns.
    #[staticmethod]
    #[pyo3(signature = (columns, bins=10, strategy="quantile", edges=None, nan_policy="raise", keep_reference=true))]
    fn fit(
        py: Python<'_>,
        columns: Vec<(String, Column<'_>)>,
        bins: usize,
        strategy: &str,
        edges: Option<Vec<f64>>,
        nan_policy: &str,
        keep_reference: bool,
    ) -> PyResult<PyProfile> {
        let b = strategy.parse::<BinKind>();
        let np = drift_nan_policy(nan_policy);
        let v = views(&columns);
        call(py, move || {
            let options = ProfileOptions {
                bins: b?.strategy(bins, edges)?,
                nan_policy: np?,
                keep_reference,
            };
            if v.is_empty() {
                return Err(invalid(
                    "columns is empty: a profile needs at least one feature".into(),
                ));
            }
            let data = feature_data(&v)?;
            let p = Profile::fit_features(&data, &options)?;
            Ok(PyProfile { inner: p })
        })
    }

    /// Feature names.
    fn features(&self) -> Vec<String> {
        self.inner.features.keys().cloned().collect()
    }

    /// JSON text of the profile.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let p = &self.inner;
        call(py, move || Ok(p.to_json()?))
    }

    /// Profile from JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyProfile> {
        call(py, move || {
            Ok(PyProfile {
                inner: Profile::from_json(text)?,
            })
        })
    }

    /// The binary form (checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let p = &self.inner;
        let b = call(py, move || Ok(p.to_bytes()))?;
        Ok(PyBytes::new(py, &b))
    }

    /// Profile from its binary form.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PyProfile> {
        call(py, move || {
            Ok(PyProfile {
                inner: Profile::from_bytes(data)?,
            })
        })
    }

    /// Writes the binary form atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let p = &self.inner;
        call(py, move || Ok(p.save(&path)?))
    }

    /// Reads a profile written by `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyProfile> {
        call(py, move || {
            Ok(PyProfile {
                inner: Profile::load(&path)?,
            })
        })
    }

    /// Merges a profile fitted on another partition (same features and types).
    fn merge(&mut self, py: Python<'_>, other: &PyProfile) -> PyResult<()> {
        let (me, other) = (&mut self.inner, &other.inner);
        call(py, move || Ok(me.merge(other)?))
    }

    /// Merges the profiles of several partitions at once.
    #[staticmethod]
    fn merge_all(py: Python<'_>, parts: Vec<PyRef<'_, PyProfile>>) -> PyResult<PyProfile> {
        let refs: Vec<&Profile> = parts.iter().map(|p| &p.inner).collect();
        call(py, move || {
            Ok(PyProfile {
                inner: Profile::merge_all(&refs)?,
            })
        })
    }

    /// The features of this profile and `other` (disjoint columns of the same rows) as one profile.
    fn union(&self, py: Python<'_>, other: &PyProfile) -> PyResult<PyProfile> {
        let (me, other) = (&self.inner, &other.inner);
        call(py, move || {
            Ok(PyProfile {
                inner: me.union(other)?,
            })
        })
    }

    /// Scores named current columns against this profile; returns the report as a dict.
    #[pyo3(signature = (columns, options=None))]
    fn score(
        &self,
        py: Python<'_>,
        columns: Vec<(String, Column<'_>)>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let o: ReportOptions = from_py_or_default("options", options)?;
        let p = &self.inner;
        let v = views(&columns);
        let r = call(py, move || {
            let data = feature_data(&v)?;
            Ok(pool()?.install(|| DriftReport::compute(p, &data, &o))?)
        })?;
        to_py(py, "report", &r)
    }

    /// Scores a current profile (fitted with keep_reference, e.g. merged from
    /// partitions) against this one; returns the report as a dict.
    #[pyo3(signature = (current, options=None))]
    fn score_profile(
        &self,
        py: Python<'_>,
        current: &PyProfile,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let o: ReportOptions = from_py_or_default("options", options)?;
        let (p, c) = (&self.inner, &current.inner);
        let r = call(py, move || {
            Ok(pool()?.install(|| DriftReport::compute_profiles(p, c, &o))?)
        })?;
        to_py(py, "report", &r)
    }

    fn __len__(&self) -> usize {
        self.inner.features.len()
    }

    /// Provenance: the rows `(start, end)` of the analysed data the profile
    /// was fitted on, or None.
    fn reference_rows(&self) -> Option<(u64, u64)> {
        self.inner.reference_rows.as_ref().map(|r| (r.start, r.end))
    }

    /// A copy of this profile recording `rows` (None clears it).
    fn with_reference_rows(&self, py: Python<'_>, rows: Option<(u64, u64)>) -> PyResult<PyProfile> {
        let mut p = self.inner.clone();
        call(py, move || {
            p.set_reference_rows(rows.map(|(a, b)| a..b))?;
            Ok(PyProfile { inner: p })
        })
    }

    /// Drift per chunk (`tradewarden_drift::chunk::chunked_drift`): the
    /// chunker as a dict, the reference rows (None: the profile's provenance);
    /// returns the list of chunk results.
    #[pyo3(signature = (columns, chunker, reference_rows=None, timestamps=None, options=None))]
    fn chunked_drift(
        &self,
        py: Python<'_>,
        columns: Vec<(String, Column<'_>)>,
        chunker: &Bound<'_, PyAny>,
        reference_rows: Option<(usize, usize)>,
        timestamps: Option<PyReadonlyArray1<'_, f64>>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let chunker: Chunker = from_py("chunker", chunker)?;
        let o: ReportOptions = from_py_or_default("options", options)?;
        let p = &self.inner;
        let v = views(&columns);
        let ts = timestamps.as_ref().map(|t| slice(t, "timestamps"));
        let out = call(py, move || {
            let ts = ts.transpose()?;
            let data = feature_data(&v)?;
            let out = pool()?.install(|| {
                chunked_drift(
                    p,
                    reference_rows.map(|(a, b)| a..b),
                    &data,
                    &chunker,
                    ts,
                    &o,
                )
            })?;
            Ok(out)
        })?;
        to_py(py, "chunks", &out)
    }
}

/// A mergeable per-partition score state (`tradewarden_drift::state::ScoreState`).
#[pyclass(name = "ScoreState", module = "tradewarden._native")]
#[derive(Debug, Clone)]
pub(crate) struct PyScoreState {
    pub(crate) inner: ScoreState,
}

fn cell_grid(cells: Option<usize>) -> CellGrid {
    match cells {
        None => CellGrid::Exact,
        Some(cells) => CellGrid::Bounded { cells },
    }
}

#[pymethods]
impl PyScoreState {
    /// Scores one partition of named current columns against `profile`
    /// (`cells`: None for the exact grid, K for the bounded one).
    #[staticmethod]
    #[pyo3(signature = (profile, columns, cells=None))]
    fn build(
        py: Python<'_>,
        profile: &PyProfile,
        columns: Vec<(String, Column<'_>)>,
        cells: Option<usize>,
    ) -> PyResult<PyScoreState> {
        let p = &profile.inner;
        let v = views(&columns);
        call(py, move || {
            let data = feature_data(&v)?;
            let inner = pool()?.install(|| ScoreState::build(p, &data, cell_grid(cells)))?;
            Ok(PyScoreState { inner })
        })
    }

    /// Merges another state into this one.
    fn merge(&mut self, py: Python<'_>, other: &PyScoreState) -> PyResult<()> {
        let (me, other) = (&mut self.inner, &other.inner);
        call(py, move || Ok(me.merge(other)?))
    }

    /// Merges several states at once.
    #[staticmethod]
    fn merge_all(py: Python<'_>, parts: Vec<PyRef<'_, PyScoreState>>) -> PyResult<PyScoreState> {
        let refs: Vec<&ScoreState> = parts.iter().map(|p| &p.inner).collect();
        call(py, move || {
            Ok(PyScoreState {
                inner: ScoreState::merge_all(&refs)?,
            })
        })
    }

    /// The binary form (checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let s = &self.inner;
        let b = call(py, move || Ok(s.to_bytes()))?;
        Ok(PyBytes::new(py, &b))
    }

    /// A state from its binary form (validated).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PyScoreState> {
        call(py, move || {
            Ok(PyScoreState {
                inner: ScoreState::from_bytes(data)?,
            })
        })
    }

    /// Size of the binary form in bytes.
    fn nbytes(&self) -> usize {
        self.inner.nbytes()
    }

    /// Grid points K of a bounded state (None: exact).
    fn cells(&self) -> Option<usize> {
        match self.inner.grid() {
            CellGrid::Exact => None,
            CellGrid::Bounded { cells } => Some(cells),
        }
    }

    /// Feature names.
    fn features(&self) -> Vec<String> {
        self.inner.features().keys().cloned().collect()
    }

    /// The drift report of this (merged) state against `profile`, as a dict.
    #[pyo3(signature = (profile, options=None))]
    fn report(
        &self,
        py: Python<'_>,
        profile: &PyProfile,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let o: ReportOptions = from_py_or_default("options", options)?;
        let (s, p) = (&self.inner, &profile.inner);
        let r = call(py, move || {
            Ok(pool()?.install(|| DriftReport::compute_states(p, s, &o))?)
        })?;
        to_py(py, "report", &r)
    }

    /// KS intervals (and exact PSI / Jensen–Shannon) of the numeric features, as a dict.
    #[pyo3(signature = (profile, options=None))]
    fn ks_bounds(
        &self,
        py: Python<'_>,
        profile: &PyProfile,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (s, p) = (&self.inner, &profile.inner);
        ks_bounds(py, options, move |m| s.ks_bounds(p, m))
    }
}

/// KS intervals (and exact PSI / Jensen–Shannon) as Python objects: the
/// `psi_mode` of `options` (report options) passed to `bounds`, which is
/// `ScoreState::ks_bounds` against a profile or `StateScorer::ks_bounds` of
/// a state.
fn ks_bounds<F>(
    py: Python<'_>,
    options: Option<&Bound<'_, PyAny>>,
    bounds: F,
) -> PyResult<Py<PyAny>>
where
    F: FnOnce(PsiMode) -> tradewarden_drift::Result<Vec<KsBounds>> + Send,
{
    let o: ReportOptions = from_py_or_default("options", options)?;
    let b = call(py, move || Ok(bounds(o.psi_mode)?))?;
    to_py(py, "ks bounds", &b)
}

/// A profile prepared for scoring many partitions (`StateScorer`): checksum
/// and cell grids computed once.
#[pyclass(name = "StateScorer", module = "tradewarden._native")]
#[derive(Debug)]
pub(crate) struct PyStateScorer {
    inner: StateScorer,
}

#[pymethods]
impl PyStateScorer {
    /// A scorer of the profile in `data` (its binary form), decoded and validated here.
    #[staticmethod]
    #[pyo3(signature = (data, cells=None))]
    fn from_profile_bytes(py: Python<'_>, data: &[u8], cells: Option<usize>) -> PyResult<Self> {
        call(py, move || {
            let p = Profile::from_bytes(data)?;
            let inner = pool()?.install(|| StateScorer::new(p, cell_grid(cells)))?;
            Ok(PyStateScorer { inner })
        })
    }

    /// A scorer of an in-memory profile (no serialisation round trip).
    #[staticmethod]
    #[pyo3(signature = (profile, cells=None))]
    fn from_profile(py: Python<'_>, profile: &PyProfile, cells: Option<usize>) -> PyResult<Self> {
        let p = &profile.inner;
        call(py, move || {
            let inner = pool()?.install(|| StateScorer::new(p.clone(), cell_grid(cells)))?;
            Ok(PyStateScorer { inner })
        })
    }

    /// A scorer from its compact form (`StateScorer::to_bytes`), validated here.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        call(py, move || {
            Ok(PyStateScorer {
                inner: StateScorer::from_bytes(data)?,
            })
        })
    }

    /// The compact form: the profile without its reference, its checksum and
    /// the cell grids (kilobytes for a bounded grid, whatever the reference).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// The score state of one partition of named current columns.
    fn state(&self, py: Python<'_>, columns: Vec<(String, Column<'_>)>) -> PyResult<PyScoreState> {
        let sc = &self.inner;
        let v = views(&columns);
        call(py, move || {
            let data = feature_data(&v)?;
            let inner = pool()?.install(|| sc.state(&data))?;
            Ok(PyScoreState { inner })
        })
    }

    /// Feature names of the profile.
    fn features(&self) -> Vec<String> {
        self.inner.profile().features.keys().cloned().collect()
    }

    /// The score state of the profiled columns of an Arrow stream
    /// (`__arrow_c_stream__`: a pyarrow Table, …), read in the crate without
    /// converting strings to Python objects; other columns are ignored.
    fn state_arrow(&self, py: Python<'_>, stream: &Bound<'_, PyAny>) -> PyResult<PyScoreState> {
        let batches = crate::arrow::import_stream(stream, "current")?;
        let sc = &self.inner;
        call(py, move || {
            let inner = pool()?.install(|| sc.state_batches(&batches))?;
            Ok(PyScoreState { inner })
        })
    }

    /// Grid points K of a bounded scorer (None: exact).
    fn cells(&self) -> Option<usize> {
        match self.inner.grid() {
            CellGrid::Exact => None,
            CellGrid::Bounded { cells } => Some(cells),
        }
    }

    /// KS intervals (and exact PSI / Jensen–Shannon) of a state built with
    /// this scorer, as a list of dicts — without the full profile.
    #[pyo3(signature = (state, options=None))]
    fn ks_bounds(
        &self,
        py: Python<'_>,
        state: &PyScoreState,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (sc, s) = (&self.inner, &state.inner);
        ks_bounds(py, options, move |m| sc.ks_bounds(s, m))
    }

    /// Writes the compact form atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let sc = &self.inner;
        call(py, move || Ok(sc.save(&path)?))
    }

    /// Reads a scorer written by `save` (validated).
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        call(py, move || {
            Ok(PyStateScorer {
                inner: StateScorer::load(&path)?,
            })
        })
    }

    /// The bounded scorer of a sketch grid, the merged reference profile
    /// fitted on its edges and the merged counts at its points.
    #[staticmethod]
    fn from_grid_counts(
        py: Python<'_>,
        profile: &PyProfile,
        grid: &PySketchGrid,
        counts: &PyGridCounts,
    ) -> PyResult<Self> {
        let (p, g, c) = (&profile.inner, &grid.inner, &counts.inner);
        call(py, move || {
            Ok(PyStateScorer {
                inner: StateScorer::from_grid_counts(p.clone(), g, c)?,
            })
        })
    }

    /// Per numeric feature, the stated width bound of the KS intervals.
    fn rank_bounds(&self) -> std::collections::BTreeMap<String, f64> {
        self.inner.rank_bounds()
    }
}

/// Bin edges and grid points from merged reference sketches (`SketchGrid`).
#[pyclass(name = "SketchGrid", module = "tradewarden._native")]
#[derive(Debug)]
pub(crate) struct PySketchGrid {
    inner: SketchGrid,
}

#[pymethods]
impl PySketchGrid {
    /// The grid of merged sketches (name, sketch) and categorical names.
    #[staticmethod]
    #[pyo3(signature = (sketches, categorical, bins, cells, nan_policy="raise"))]
    fn new(
        py: Python<'_>,
        sketches: Vec<(String, PyRef<'_, PySketch>)>,
        categorical: Vec<String>,
        bins: usize,
        cells: usize,
        nan_policy: &str,
    ) -> PyResult<Self> {
        let np = drift_nan_policy(nan_policy);
        let sk: Vec<(&str, &QuantileSketch)> = sketches
            .iter()
            .map(|(n, s)| (n.as_str(), &s.inner))
            .collect();
        let cat: Vec<&str> = categorical.iter().map(String::as_str).collect();
        call(py, move || {
            Ok(PySketchGrid {
                inner: SketchGrid::new(&sk, &cat, bins, cells, np?)?,
            })
        })
    }

    /// The grid of merged rank summaries (name, summary) and categorical names.
    #[staticmethod]
    #[pyo3(signature = (summaries, categorical, bins, cells, nan_policy="raise"))]
    fn from_summaries(
        py: Python<'_>,
        summaries: Vec<(String, PyRef<'_, PyRankSummary>)>,
        categorical: Vec<String>,
        bins: usize,
        cells: usize,
        nan_policy: &str,
    ) -> PyResult<Self> {
        let np = drift_nan_policy(nan_policy);
        let sm: Vec<(&str, &RankSummary)> = summaries
            .iter()
            .map(|(n, s)| (n.as_str(), &s.inner))
            .collect();
        let cat: Vec<&str> = categorical.iter().map(String::as_str).collect();
        call(py, move || {
            Ok(PySketchGrid {
                inner: SketchGrid::from_summaries(&sm, &cat, bins, cells, np?)?,
            })
        })
    }

    /// The grid of one rank summary (`items` each) of every reference column.
    #[staticmethod]
    #[pyo3(signature = (columns, bins, cells, nan_policy="raise", items=DEFAULT_SUMMARY_ITEMS))]
    fn from_reference(
        py: Python<'_>,
        columns: Vec<(String, Column<'_>)>,
        bins: usize,
        cells: usize,
        nan_policy: &str,
        items: usize,
    ) -> PyResult<Self> {
        let np = drift_nan_policy(nan_policy);
        let v = views(&columns);
        call(py, move || {
            let data = feature_data(&v)?;
            Ok(PySketchGrid {
                inner: SketchGrid::from_reference(&data, bins, cells, np?, items)?,
            })
        })
    }

    /// `from_reference` of an Arrow stream's float, integer and string columns, read in the crate.
    #[staticmethod]
    #[pyo3(signature = (stream, bins, cells, nan_policy="raise", items=DEFAULT_SUMMARY_ITEMS))]
    fn from_reference_arrow(
        py: Python<'_>,
        stream: &Bound<'_, PyAny>,
        bins: usize,
        cells: usize,
        nan_policy: &str,
        items: usize,
    ) -> PyResult<Self> {
        let np = drift_nan_policy(nan_policy);
        let batches = crate::arrow::import_stream(stream, "reference")?;
        call(py, move || {
            Ok(PySketchGrid {
                inner: SketchGrid::from_reference_batches(&batches, bins, cells, np?, items)?,
            })
        })
    }

    /// `scorer` of the grid's columns of an Arrow stream, read in the crate.
    fn scorer_arrow(&self, py: Python<'_>, stream: &Bound<'_, PyAny>) -> PyResult<PyStateScorer> {
        let batches = crate::arrow::import_stream(stream, "reference")?;
        let g = &self.inner;
        call(py, move || {
            let inner = pool()?.install(|| g.scorer_batches(&batches))?;
            Ok(PyStateScorer { inner })
        })
    }

    /// The binary form (checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// A grid from its binary form (validated).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        call(py, move || {
            Ok(PySketchGrid {
                inner: SketchGrid::from_bytes(data)?,
            })
        })
    }

    /// K.
    fn cells(&self) -> usize {
        self.inner.cells()
    }

    /// Feature names, sorted.
    fn features(&self) -> Vec<String> {
        self.inner
            .features()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// Grid points of a numeric feature (None: not a numeric feature).
    fn points(&self, name: &str) -> Option<Vec<f64>> {
        self.inner.points(name).map(<[f64]>::to_vec)
    }

    /// Bin edges of a numeric feature (None: not a numeric feature).
    fn edges(&self, name: &str) -> Option<Vec<f64>> {
        self.inner.edges(name).map(<[f64]>::to_vec)
    }

    /// The bounded score state of one current partition at the points.
    fn state(&self, py: Python<'_>, columns: Vec<(String, Column<'_>)>) -> PyResult<PyScoreState> {
        let g = &self.inner;
        let v = views(&columns);
        call(py, move || {
            let data = feature_data(&v)?;
            let inner = pool()?.install(|| g.state(&data))?;
            Ok(PyScoreState { inner })
        })
    }

    /// `state` of the grid's columns of an Arrow stream, read in the crate.
    fn state_arrow(&self, py: Python<'_>, stream: &Bound<'_, PyAny>) -> PyResult<PyScoreState> {
        let batches = crate::arrow::import_stream(stream, "current")?;
        let g = &self.inner;
        call(py, move || {
            let inner = pool()?.install(|| g.state_batches(&batches))?;
            Ok(PyScoreState { inner })
        })
    }

    /// `reference_part` of the grid's columns of an Arrow stream, read in the crate.
    fn reference_part_arrow(
        &self,
        py: Python<'_>,
        stream: &Bound<'_, PyAny>,
    ) -> PyResult<(PyProfile, PyGridCounts)> {
        let batches = crate::arrow::import_stream(stream, "reference")?;
        let g = &self.inner;
        call(py, move || {
            let (p, c) = pool()?.install(|| g.reference_part_batches(&batches))?;
            Ok((PyProfile { inner: p }, PyGridCounts { inner: c }))
        })
    }

    /// One reference partition: (profile on the edges, counts at the points).
    fn reference_part(
        &self,
        py: Python<'_>,
        columns: Vec<(String, Column<'_>)>,
    ) -> PyResult<(PyProfile, PyGridCounts)> {
        let g = &self.inner;
        let v = views(&columns);
        call(py, move || {
            let data = feature_data(&v)?;
            let (p, c) = pool()?.install(|| g.reference_part(&data))?;
            Ok((PyProfile { inner: p }, PyGridCounts { inner: c }))
        })
    }

    /// The one-process scorer of all the reference rows on this grid.
    fn scorer(
        &self,
        py: Python<'_>,
        columns: Vec<(String, Column<'_>)>,
    ) -> PyResult<PyStateScorer> {
        let g = &self.inner;
        let v = views(&columns);
        call(py, move || {
            let data = feature_data(&v)?;
            let inner = pool()?.install(|| g.scorer(&data))?;
            Ok(PyStateScorer { inner })
        })
    }
}

/// The reference's exact counts at a sketch grid's points (`GridCounts`).
#[pyclass(name = "GridCounts", module = "tradewarden._native")]
#[derive(Debug)]
pub(crate) struct PyGridCounts {
    inner: GridCounts,
}

#[pymethods]
impl PyGridCounts {
    /// The binary form (checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// Counts from their binary form (validated).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        call(py, move || {
            Ok(PyGridCounts {
                inner: GridCounts::from_bytes(data)?,
            })
        })
    }

    /// Merges several partitions' counts.
    #[staticmethod]
    fn merge_all(py: Python<'_>, parts: Vec<PyRef<'_, PyGridCounts>>) -> PyResult<Self> {
        let refs: Vec<&GridCounts> = parts.iter().map(|p| &p.inner).collect();
        call(py, move || {
            Ok(PyGridCounts {
                inner: GridCounts::merge_all(&refs)?,
            })
        })
    }

    /// Finite reference values counted for a numeric feature.
    fn count(&self, name: &str) -> Option<u64> {
        self.inner.count(name)
    }
}

/// Rolling live PSI / Jensen–Shannon / KS monitor over a profile's numeric features.
#[pyclass(name = "LiveMonitor", module = "tradewarden._native")]
#[derive(Debug)]
pub(crate) struct PyLiveMonitor {
    inner: monitor::LiveMonitor,
}

#[pymethods]
impl PyLiveMonitor {
    #[new]
    #[pyo3(signature = (profile, options=None))]
    fn new(
        py: Python<'_>,
        profile: &PyProfile,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let o: LiveMonitorOptions = from_py_or_default("options", options)?;
        let p = &profile.inner;
        call(py, move || {
            Ok(PyLiveMonitor {
                inner: monitor::LiveMonitor::new(p, o)?,
            })
        })
    }

    /// Appends values to a feature's window.
    fn push(
        &mut self,
        py: Python<'_>,
        feature: &str,
        values: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let v = slice(&values, "values");
        let m = &mut self.inner;
        call(py, move || Ok(m.push(feature, v?)?))
    }

    /// Scores one feature as a dict (None until the window holds min_values).
    fn score(&self, py: Python<'_>, feature: &str) -> PyResult<Py<PyAny>> {
        let m = &self.inner;
        let s = call(py, move || Ok(m.score(feature)?))?;
        to_py(py, "score", &s)
    }

    /// Scores every ready feature, emits the drift metrics; a list of dicts.
    fn score_and_emit(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let m = &self.inner;
        let s = call(py, move || Ok(m.score_and_emit()?))?;
        to_py(py, "scores", &s)
    }
}

/// Prediction-quality metrics of aligned (prediction, actual) arrays: (n, mae, mape_pct, rmse, directional_accuracy_pct).
#[pyfunction]
pub(crate) fn prediction_quality(
    py: Python<'_>,
    predictions: PyReadonlyArray1<'_, f64>,
    actuals: PyReadonlyArray1<'_, f64>,
) -> PyResult<(usize, f64, f64, f64, f64)> {
    let p = slice(&predictions, "predictions");
    let a = slice(&actuals, "actuals");
    call(py, move || {
        let q = monitor::prediction_quality_aligned(p?, a?)?;
        Ok((q.n, q.mae, q.mape_pct, q.rmse, q.directional_accuracy_pct))
    })
}

/// Matches predictions to the nearest actual within `tolerance` seconds: (predictions, actuals).
#[pyfunction]
pub(crate) fn match_nearest(
    py: Python<'_>,
    pred_ts: PyReadonlyArray1<'_, f64>,
    pred: PyReadonlyArray1<'_, f64>,
    actual_ts: PyReadonlyArray1<'_, f64>,
    actual: PyReadonlyArray1<'_, f64>,
    tolerance: f64,
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let (a, b, c, d) = (
        slice(&pred_ts, "pred_ts"),
        slice(&pred, "pred"),
        slice(&actual_ts, "actual_ts"),
        slice(&actual, "actual"),
    );
    call(py, move || {
        let pairs = monitor::match_nearest(a?, b?, c?, d?, tolerance)?;
        Ok(pairs.into_iter().unzip())
    })
}

/// Prediction drift score: clamp((mean recent RMSE − training RMSE)/training RMSE, 0, 1).
#[pyfunction]
pub(crate) fn prediction_drift_score(
    py: Python<'_>,
    recent_rmse: PyReadonlyArray1<'_, f64>,
    training_rmse: f64,
) -> PyResult<f64> {
    let r = slice(&recent_rmse, "recent_rmse");
    call(py, move || {
        Ok(monitor::prediction_drift_score(r?, training_rmse)?)
    })
}

/// Anderson–Darling k-sample test: (statistic, critical_values, pvalue, pvalue_clipped).
#[pyfunction]
#[pyo3(signature = (samples, variant="midrank"))]
pub(crate) fn anderson_ksamp(
    py: Python<'_>,
    samples: Vec<PyReadonlyArray1<'_, f64>>,
    variant: &str,
) -> PyResult<(f64, Vec<f64>, f64, bool)> {
    let v = variant.parse::<AdVariant>();
    let s: Vec<Result<&[f64], CallError>> = samples.iter().map(|a| slice(a, "samples")).collect();
    call(py, move || {
        let s = s.into_iter().collect::<Result<Vec<_>, _>>()?;
        let r = tradewarden_drift::anderson::anderson_ksamp(&s, v?)?;
        Ok((
            r.statistic,
            r.critical_values.to_vec(),
            r.pvalue,
            r.pvalue_clipped,
        ))
    })
}

/// Mann–Whitney U test: (statistic, pvalue).
#[pyfunction]
#[pyo3(signature = (x, y, use_continuity=true, alternative="two-sided", method="auto"))]
pub(crate) fn mannwhitneyu(
    py: Python<'_>,
    x: PyReadonlyArray1<'_, f64>,
    y: PyReadonlyArray1<'_, f64>,
    use_continuity: bool,
    alternative: &str,
    method: &str,
) -> PyResult<(f64, f64)> {
    use tradewarden_drift::tests::{MwuAlternative, MwuMethod};
    let a = slice(&x, "x");
    let b = slice(&y, "y");
    let alt = alternative.parse::<MwuAlternative>();
    let m = method.parse::<MwuMethod>();
    call(py, move || {
        let r = tradewarden_drift::tests::mannwhitneyu(a?, b?, use_continuity, alt?, m?)?;
        Ok((r.statistic, r.pvalue))
    })
}

/// Mergeable KLL quantile sketch of one numeric column.
#[pyclass(name = "QuantileSketch", module = "tradewarden._native")]
pub(crate) struct PySketch {
    inner: QuantileSketch,
}

#[pymethods]
impl PySketch {
    /// An empty sketch with accuracy parameter `k`.
    #[new]
    #[pyo3(signature = (k=tradewarden_drift::sketch::DEFAULT_K))]
    fn new(py: Python<'_>, k: u16) -> PyResult<Self> {
        call(py, move || {
            Ok(PySketch {
                inner: QuantileSketch::new(k)?,
            })
        })
    }

    /// Adds values.
    #[pyo3(signature = (values, nan_policy="raise"))]
    fn update(
        &mut self,
        py: Python<'_>,
        values: PyReadonlyArray1<'_, f64>,
        nan_policy: &str,
    ) -> PyResult<()> {
        let v = slice(&values, "values");
        let np = drift_nan_policy(nan_policy);
        let me = &mut self.inner;
        call(py, move || Ok(me.update(v?, np?)?))
    }

    /// Merges another sketch into this one.
    fn merge(&mut self, py: Python<'_>, other: &PySketch) -> PyResult<()> {
        let (me, o) = (&mut self.inner, &other.inner);
        call(py, move || Ok(me.merge(o)?))
    }

    /// (k, n, nan_count, num_retained, min, max, rank_error_bound).
    #[allow(clippy::type_complexity)]
    fn info(&self) -> (u16, u64, u64, usize, Option<f64>, Option<f64>, f64) {
        let s = &self.inner;
        (
            s.k(),
            s.n(),
            s.nan_count(),
            s.num_retained(),
            s.min(),
            s.max(),
            s.rank_error_bound(),
        )
    }

    /// Fraction of values ≤ x.
    fn rank(&self, py: Python<'_>, x: f64) -> PyResult<f64> {
        let s = &self.inner;
        call(py, move || Ok(s.rank(x)?))
    }

    /// The q-quantile.
    fn quantile(&self, py: Python<'_>, q: f64) -> PyResult<f64> {
        let s = &self.inner;
        call(py, move || Ok(s.quantile(q)?))
    }

    /// Quantile bin edges (±inf outer edges, ties merged) for explicit-edge fits.
    fn quantile_edges(&self, py: Python<'_>, bins: usize) -> PyResult<Vec<f64>> {
        let s = &self.inner;
        call(py, move || Ok(s.quantile_edges(bins)?))
    }

    /// KS of the sketched reference against `current`:
    /// (statistic, pvalue, statistic_error_bound, statistic_location, statistic_sign).
    fn ks(
        &self,
        py: Python<'_>,
        current: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<(f64, f64, f64, f64, i8)> {
        let c = slice(&current, "current");
        let s = &self.inner;
        call(py, move || {
            let r = ks_2samp_sketch(s, c?)?;
            Ok((
                r.statistic,
                r.pvalue,
                r.statistic_error_bound,
                r.statistic_location,
                r.statistic_sign,
            ))
        })
    }

    /// JSON form (keeps the NaN count).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let s = &self.inner;
        call(py, move || {
            serde_json::to_string(s).map_err(|e| invalid(format!("sketch: {e}")))
        })
    }

    /// A sketch from `to_json`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PySketch> {
        call(py, move || {
            let inner: QuantileSketch = serde_json::from_str(text).map_err(|e| {
                CallError::Lib(ErrorKind::Corrupt, format!("not a QuantileSketch: {e}"))
            })?;
            Ok(PySketch { inner })
        })
    }
}

/// Deterministic mergeable quantile summary of one numeric column (`RankSummary`).
#[pyclass(name = "RankSummary", module = "tradewarden._native")]
#[derive(Debug)]
pub(crate) struct PyRankSummary {
    inner: RankSummary,
}

#[pymethods]
impl PyRankSummary {
    /// The summary of one partition's values with at most `items` items.
    #[staticmethod]
    #[pyo3(signature = (values, items=DEFAULT_SUMMARY_ITEMS, nan_policy="raise"))]
    fn from_values(
        py: Python<'_>,
        values: PyReadonlyArray1<'_, f64>,
        items: usize,
        nan_policy: &str,
    ) -> PyResult<Self> {
        let v = slice(&values, "values");
        let np = drift_nan_policy(nan_policy);
        call(py, move || {
            Ok(PyRankSummary {
                inner: RankSummary::from_values(v?, items, np?)?,
            })
        })
    }

    /// Merges another summary into this one (union of the items).
    fn merge(&mut self, py: Python<'_>, other: &PyRankSummary) -> PyResult<()> {
        let (me, o) = (&mut self.inner, &other.inner);
        call(py, move || Ok(me.merge(o)?))
    }

    /// One node of a merge tree: the union of `parts`, compressed to `items`
    /// when it holds more than 2·`items` items (`RankSummary::merge_node`).
    #[staticmethod]
    fn merge_node(
        py: Python<'_>,
        parts: Vec<PyRef<'_, PyRankSummary>>,
        items: usize,
    ) -> PyResult<Self> {
        let refs: Vec<&RankSummary> = parts.iter().map(|p| &p.inner).collect();
        call(py, move || {
            Ok(PyRankSummary {
                inner: RankSummary::merge_node(&refs, items)?,
            })
        })
    }

    /// At most `items` items again (the error bound grows, tracked).
    fn compress(&mut self, py: Python<'_>, items: usize) -> PyResult<()> {
        let me = &mut self.inner;
        call(py, move || Ok(me.compress(items)?))
    }

    /// (n, nan_count, rank_error, items, min, max).
    fn info(&self) -> (u64, u64, u64, usize, Option<f64>, Option<f64>) {
        let s = &self.inner;
        let mm = s.min_max();
        (
            s.n(),
            s.nan_count(),
            s.rank_error(),
            s.len(),
            mm.map(|m| m.0),
            mm.map(|m| m.1),
        )
    }

    /// The range holding the number of values ≤ x.
    fn rank_bounds(&self, x: f64) -> (u64, u64) {
        self.inner.rank_bounds(x)
    }

    /// The q-quantile.
    fn quantile(&self, py: Python<'_>, q: f64) -> PyResult<f64> {
        let s = &self.inner;
        call(py, move || Ok(s.quantile(q)?))
    }

    /// Quantile bin edges (±inf outer edges, ties merged).
    fn quantile_edges(&self, py: Python<'_>, bins: usize) -> PyResult<Vec<f64>> {
        let s = &self.inner;
        call(py, move || Ok(s.quantile_edges(bins)?))
    }

    /// The binary form (checksummed).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// A summary from its binary form (validated).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        call(py, move || {
            Ok(PyRankSummary {
                inner: RankSummary::from_bytes(data)?,
            })
        })
    }
}

/// Registers the drift functions and classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ks_2samp, m)?)?;
    m.add_function(wrap_pyfunction!(jensenshannon, m)?)?;
    m.add_function(wrap_pyfunction!(wasserstein_distance, m)?)?;
    m.add_function(wrap_pyfunction!(energy_distance, m)?)?;
    m.add_function(wrap_pyfunction!(ks_2samp_ieee, m)?)?;
    m.add_function(wrap_pyfunction!(jensenshannon_rows, m)?)?;
    m.add_function(wrap_pyfunction!(wasserstein_weighted, m)?)?;
    m.add_function(wrap_pyfunction!(energy_distance_weighted, m)?)?;
    m.add_function(wrap_pyfunction!(cramervonmises_2samp_ieee, m)?)?;
    m.add_function(wrap_pyfunction!(cramervonmises_2samp, m)?)?;
    m.add_function(wrap_pyfunction!(chi2_contingency, m)?)?;
    m.add_function(wrap_pyfunction!(psi, m)?)?;
    m.add_function(wrap_pyfunction!(anderson_ksamp, m)?)?;
    m.add_function(wrap_pyfunction!(mannwhitneyu, m)?)?;
    m.add_function(wrap_pyfunction!(prediction_quality, m)?)?;
    m.add_function(wrap_pyfunction!(match_nearest, m)?)?;
    m.add_function(wrap_pyfunction!(prediction_drift_score, m)?)?;
    m.add_class::<PyProfile>()?;
    m.add_class::<PyLiveMonitor>()?;
    m.add_class::<PySketch>()?;
    m.add_class::<PyScoreState>()?;
    m.add_class::<PyStateScorer>()?;
    m.add_class::<PySketchGrid>()?;
    m.add_class::<PyGridCounts>()?;
    m.add_class::<PyRankSummary>()?;
    Ok(())
}
