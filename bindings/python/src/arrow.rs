//! Arrow PyCapsule interface (`__arrow_c_array__`, `__arrow_c_stream__`)
//! imported with arrow's C data interface (`arrow_array::ffi`), so any
//! producer (pyarrow, polars, duckdb, nanoarrow, ...) hands its buffers over
//! without pyarrow on our side.

use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{Array, RecordBatch, make_array};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};
use tradewarden::core::{Classify, ErrorKind};
use tradewarden_drift::report::{DriftReport, ReportOptions};

use crate::drift::PyProfile;
use crate::{CallError, call, pool};

fn invalid(py: Python<'_>, msg: String) -> PyErr {
    crate::raise(py, ErrorKind::InvalidInput, msg)
}

fn capsule<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyCapsule>> {
    obj.cast::<PyCapsule>()
        .cloned()
        .map_err(|_| invalid(obj.py(), format!("{what} did not return a PyCapsule")))
}

/// Imports an object exposing `__arrow_c_stream__` as record batches.
pub(crate) fn import_stream(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<RecordBatch>> {
    let py = obj.py();
    if !obj.hasattr("__arrow_c_stream__")? {
        return Err(invalid(
            py,
            format!(
                "{name} does not implement the Arrow PyCapsule stream interface (__arrow_c_stream__)"
            ),
        ));
    }
    let cap = obj.call_method0("__arrow_c_stream__")?;
    let cap = capsule(&cap, "__arrow_c_stream__")?;
    let ptr = cap.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: the capsule named "arrow_array_stream" holds an FFI_ArrowArrayStream
    // (PyCapsule interface contract); `from_raw` moves it out and marks the
    // original released, so the capsule's destructor does not release it twice.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast()) };
    let reader = RecordBatchStreamReader::try_new(stream)
        .map_err(|e| invalid(py, format!("{name}: cannot import the Arrow stream: {e}")))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(py, format!("{name}: cannot read the Arrow stream: {e}")))
}

/// Imports an object exposing `__arrow_c_array__` as one array.
fn import_array(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Arc<dyn Array>> {
    let py = obj.py();
    let pair = obj.call_method0("__arrow_c_array__")?;
    let pair = pair.cast::<PyTuple>().map_err(|_| {
        invalid(
            py,
            format!("{name}.__arrow_c_array__() did not return a tuple"),
        )
    })?;
    if pair.len() != 2 {
        return Err(invalid(
            py,
            format!("{name}.__arrow_c_array__() must return (schema, array) capsules"),
        ));
    }
    let schema_cap = capsule(&pair.get_item(0)?, "__arrow_c_array__ schema")?;
    let array_cap = capsule(&pair.get_item(1)?, "__arrow_c_array__ array")?;
    let schema_ptr = schema_cap.pointer_checked(Some(c"arrow_schema"))?;
    let array_ptr = array_cap.pointer_checked(Some(c"arrow_array"))?;
    // SAFETY: capsules named "arrow_schema" / "arrow_array" hold an
    // FFI_ArrowSchema / FFI_ArrowArray (PyCapsule interface contract). The
    // schema is only borrowed (its capsule keeps owning it); the array is
    // moved out (its release callback is nulled in the capsule).
    let data = unsafe {
        let schema: &FFI_ArrowSchema = &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>();
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast());
        from_ffi(array, schema)
    }
    .map_err(|e| invalid(py, format!("{name}: cannot import the Arrow array: {e}")))?;
    Ok(make_array(data))
}

/// Values of a numeric Arrow array as f64 (nulls become NaN): the crate's
/// one numeric ingestion (`core::io::as_f64`), errors prefixed with `name`.
fn to_f64(a: &dyn Array, name: &str) -> Result<Vec<f64>, CallError> {
    tradewarden::core::io::as_f64(a, "column")
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| CallError::Lib(e.kind(), format!("{name}: {e}")))
}

/// A 1-D float64 numpy array from any `__arrow_c_array__` producer (one conversion; nulls become NaN).
#[pyfunction]
pub(crate) fn arrow_to_f64<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let a = import_array(obj, name)?;
    let v = call(py, move || to_f64(a.as_ref(), name))?;
    Ok(PyArray1::from_vec(py, v))
}

/// Scores the columns of an Arrow stream (record batches) against a profile;
/// columns that are not profiled features are ignored. Returns the report as a dict.
#[pyfunction]
#[pyo3(signature = (profile, stream, options=None))]
pub(crate) fn score_arrow(
    py: Python<'_>,
    profile: &PyProfile,
    stream: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let o: ReportOptions = crate::from_py_or_default("options", options)?;
    let batches = import_stream(stream, "current")?;
    let p = &profile.inner;
    let r = call(py, move || {
        Ok(pool()?.install(|| DriftReport::compute_batches(p, &batches, &o))?)
    })?;
    crate::to_py(py, "report", &r)
}

/// Exposure metrics of a trade log read from an Arrow stream (column names as
/// a dict, `TradeLogColumns`); returns the metrics as a dict.
#[pyfunction]
#[pyo3(signature = (trades, capital, tail_percentile=5.0, columns=None))]
pub(crate) fn exposure_metrics_arrow(
    py: Python<'_>,
    trades: &Bound<'_, PyAny>,
    capital: f64,
    tail_percentile: f64,
    columns: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    use tradewarden_guardrails::exposure::{TradeLog, TradeLogColumns, exposure_metrics};
    let cols: TradeLogColumns = crate::from_py_or_default("columns", columns)?;
    let batches = import_stream(trades, "trades")?;
    let m = call(py, move || {
        let log = TradeLog::from_batches(&batches, &cols)?;
        Ok(exposure_metrics(&log, capital, tail_percentile)?)
    })?;
    crate::to_py(py, "metrics", &m)
}

/// Registers the Arrow functions.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(arrow_to_f64, m)?)?;
    m.add_function(wrap_pyfunction!(score_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(exposure_metrics_arrow, m)?)?;
    Ok(())
}
