//! A thread-safe, hot-swappable predictor over slices.

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use tradewarden_metrics::catalog::{self, Catalog};
use tradewarden_metrics::handles::InferenceMetrics;

use crate::any::{AnyModel, Architecture};
use crate::error::{InferenceError, Result};

/// One loaded model version: the model, its version tag, its metric handles.
#[derive(Debug)]
struct Loaded {
    model: AnyModel,
    version: Arc<str>,
    metrics: InferenceMetrics,
}

/// The handles of predictor `name` under `explicit`, or under the installed
/// catalog when `None`.
fn register(explicit: Option<&Catalog>, name: &str) -> InferenceMetrics {
    match explicit {
        Some(c) => InferenceMetrics::new(c, name),
        None => InferenceMetrics::new(&catalog::installed(), name),
    }
}

/// The answer to one batch: `n_rows × n_outputs` values, row-major, all
/// computed by the model version named in `version`.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Version tag of the model that produced every value of this batch.
    pub version: Arc<str>,
    /// Number of rows.
    pub n_rows: usize,
    /// Outputs per row.
    pub n_outputs: usize,
    /// `n_rows × n_outputs` values, row-major.
    pub values: Vec<f32>,
}

impl Prediction {
    /// Row `i` of the outputs (`None` past the last row).
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        self.values.chunks_exact(self.n_outputs.max(1)).nth(i)
    }
}

/// A thread-safe predictor whose model can be replaced while callers predict.
///
/// **Input.** A batch is `n_rows × n_features` values, row-major (row `r`,
/// feature `c` at `r × n_features + c`), as `&[f64]` ([`Predictor::predict`])
/// or `&[f32]` ([`Predictor::predict_f32`]); the model computes in `f32`.
/// A buffer of the wrong size or any NaN/±inf feature is a typed error
/// ([`InferenceError::ShapeMismatch`], [`InferenceError::NonFiniteFeature`]),
/// never a panic and never a prediction.
///
/// **Hot swap.** The current model sits behind an [`ArcSwap`]: a prediction
/// takes a reference-counted snapshot of it (lock-free, no waiting on a
/// writer), runs the whole batch on that snapshot, and tags the answer with
/// the snapshot's version. [`Predictor::swap`] publishes a new model with one
/// atomic pointer store; predictions in flight finish on the version they
/// started with, later ones see the new one, and the old model is freed when
/// its last in-flight batch ends. No caller ever waits for a swap, no batch
/// mixes two versions, no prediction fails because of a swap. (An
/// `RwLock<Arc<_>>` would give the same guarantee but makes readers contend on
/// the lock word and lets a writer queue readers behind it.) A new model must
/// have the same number of input features and outputs as the current one,
/// otherwise the swap is refused and the current model keeps serving.
///
/// **Telemetry.** Each batch records its latency in
/// `<namespace>_inference_latency_seconds{model}` and adds `n_rows` to
/// `<namespace>_predictions_total{model}` (`tradewarden_*` by default), with
/// `model` the predictor's name. Names come from the catalog the exporter was
/// installed with ([`tradewarden_metrics::catalog::installed`]) or the one
/// given to [`Predictor::with_catalog`]. Handles are registered when the
/// predictor is built and at each swap: install the exporter first (a swap
/// after the install re-registers under the installed catalog).
///
/// ```
/// use tradewarden_inference::{Predictor, model::{cpu_device, Mlp, MlpConfig}};
/// let dev = cpu_device();
/// let v1 = Mlp::new(MlpConfig::new(3, vec![8], 1), &dev).unwrap();
/// let p = Predictor::new("demo", "v1", v1);
/// let out = p.predict(&[0.1, 0.2, 0.3, 1.0, 2.0, 3.0], 2).unwrap();
/// assert_eq!((out.n_rows, out.n_outputs, &*out.version), (2, 1, "v1"));
/// let v2 = Mlp::new(MlpConfig::new(3, vec![4], 1), &dev).unwrap();
/// p.swap("v2", v2).unwrap();
/// assert_eq!(&*p.version(), "v2");
/// assert!(p.predict(&[f64::NAN, 0.0, 0.0], 1).is_err());
/// ```
#[derive(Debug)]
pub struct Predictor {
    name: String,
    /// `None`: follow the installed catalog (resolved at each registration).
    catalog: Option<Catalog>,
    current: ArcSwap<Loaded>,
}

impl Predictor {
    /// A predictor named `name` (the `model` metric label; keep it a bounded,
    /// stable name such as the model type, not the version) serving `model`
    /// as `version`, with the metric catalog the exporter was installed with
    /// ([`tradewarden_metrics::catalog::installed`]; the default catalog when
    /// none is installed).
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        model: impl Into<AnyModel>,
    ) -> Self {
        Self::build(name.into(), version.into(), model.into(), None)
    }

    /// As [`Predictor::new`] with a custom metric catalog (namespace/profile),
    /// whatever catalog is installed.
    pub fn with_catalog(
        name: impl Into<String>,
        version: impl Into<String>,
        model: impl Into<AnyModel>,
        catalog: Catalog,
    ) -> Self {
        Self::build(name.into(), version.into(), model.into(), Some(catalog))
    }

    fn build(name: String, version: String, model: AnyModel, catalog: Option<Catalog>) -> Self {
        let loaded = Loaded {
            metrics: register(catalog.as_ref(), &name),
            model,
            version: Arc::from(version),
        };
        Predictor {
            name,
            catalog,
            current: ArcSwap::from_pointee(loaded),
        }
    }

    /// The predictor's name (metric label).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Version tag of the model serving now.
    pub fn version(&self) -> Arc<str> {
        self.current.load().version.clone()
    }

    /// Architecture of the model serving now.
    pub fn config(&self) -> Architecture {
        self.current.load().model.architecture()
    }

    /// Replaces the serving model without pausing callers; returns the
    /// version tag it replaced.
    ///
    /// # Errors
    /// [`InferenceError::ShapeMismatch`] when the new model's input or output
    /// width differs from the current one (the current model keeps serving).
    pub fn swap(&self, version: impl Into<String>, model: impl Into<AnyModel>) -> Result<Arc<str>> {
        let model = model.into();
        let cur = self.current.load();
        let (old, new) = (&cur.model, &model);
        if old.n_features() != new.n_features() {
            return Err(InferenceError::ShapeMismatch {
                param: "model.input",
                expected: old.n_features(),
                actual: new.n_features(),
                reason: "a swapped-in model must take the same number of features per row".into(),
            });
        }
        if old.n_outputs() != new.n_outputs() {
            return Err(InferenceError::ShapeMismatch {
                param: "model.output",
                expected: old.n_outputs(),
                actual: new.n_outputs(),
                reason: "a swapped-in model must produce the same number of outputs".into(),
            });
        }
        let prev = cur.version.clone();
        drop(cur);
        let loaded = Loaded {
            metrics: register(self.catalog.as_ref(), &self.name),
            model,
            version: Arc::from(version.into()),
        };
        self.current.store(Arc::new(loaded));
        Ok(prev)
    }

    /// Predicts a batch of `n_rows` rows of `f64` features (row-major).
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] when `n_rows == 0`;
    /// [`InferenceError::ShapeMismatch`] when `features.len() != n_rows × n_features`;
    /// [`InferenceError::NonFiniteFeature`] at the first NaN/±inf;
    /// [`InferenceError::Backend`] if the backend fails.
    pub fn predict(&self, features: &[f64], n_rows: usize) -> Result<Prediction> {
        let start = Instant::now();
        let cur = self.current.load_full();
        let width = cur.model.n_features();
        check_finite(features.iter().copied(), width)?;
        let values = cur.model.forward_f64(features, n_rows)?;
        Ok(finish(&cur, start, n_rows, values))
    }

    /// Predicts a batch of `n_rows` rows of `f32` features (row-major).
    ///
    /// # Errors
    /// As [`Predictor::predict`].
    pub fn predict_f32(&self, features: &[f32], n_rows: usize) -> Result<Prediction> {
        let start = Instant::now();
        let cur = self.current.load_full();
        let width = cur.model.n_features();
        check_finite(features.iter().map(|v| f64::from(*v)), width)?;
        let values = cur.model.forward_f32(features, n_rows)?;
        Ok(finish(&cur, start, n_rows, values))
    }
}

/// Element types a [`Predictor`] accepts from ndarray views and Arrow arrays.
#[allow(unreachable_pub)]
mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`: the feature element types of the array entry points.
pub trait Feature: sealed::Sealed + Copy + Send + Sync + 'static {
    /// Predicts `values` (row-major) with the matching `predict*` method.
    #[doc(hidden)]
    fn run(p: &Predictor, values: &[Self], n_rows: usize) -> Result<Prediction>;
}

impl Feature for f64 {
    fn run(p: &Predictor, values: &[f64], n_rows: usize) -> Result<Prediction> {
        p.predict(values, n_rows)
    }
}

impl Feature for f32 {
    fn run(p: &Predictor, values: &[f32], n_rows: usize) -> Result<Prediction> {
        p.predict_f32(values, n_rows)
    }
}

impl Predictor {
    /// Number of input features of the model serving now.
    pub fn n_features(&self) -> usize {
        self.current.load().model.n_features()
    }

    /// Number of outputs per row of the model serving now.
    pub fn n_outputs(&self) -> usize {
        self.current.load().model.n_outputs()
    }

    /// Predicts the rows of a 2-D ndarray view, shape `[n_rows, n_features]`
    /// (`f32` or `f64`). A C-contiguous view is read in place; any other
    /// layout (transposed, sliced with steps, Fortran order) is copied into
    /// row-major order first.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use tradewarden_inference::{Predictor, model::{cpu_device, Mlp, MlpConfig}};
    /// let p = Predictor::new("demo", "v1", Mlp::new(MlpConfig::new(3, vec![4], 2), &cpu_device()).unwrap());
    /// let x = Array2::<f64>::from_shape_fn((5, 3), |(r, c)| (r * 3 + c) as f64 * 0.1);
    /// let out = p.predict_array(x.view()).unwrap();
    /// assert_eq!((out.n_rows, out.n_outputs), (5, 2));
    /// // a column-major (transposed) view gives the same answer
    /// let xt = x.t().to_owned();
    /// assert_eq!(p.predict_array(xt.t()).unwrap().values, out.values);
    /// ```
    ///
    /// # Errors
    /// [`InferenceError::ShapeMismatch`] when the number of columns is not
    /// the model's feature count (`param` = `"features.ncols"`), otherwise as
    /// [`Predictor::predict`].
    pub fn predict_array<T: Feature>(
        &self,
        features: ndarray::ArrayView2<'_, T>,
    ) -> Result<Prediction> {
        let (rows, cols) = features.dim();
        let want = self.n_features();
        if cols != want {
            return Err(InferenceError::ShapeMismatch {
                param: "features.ncols",
                expected: want,
                actual: cols,
                reason: "one column per model input feature".into(),
            });
        }
        match features.as_slice() {
            Some(s) => T::run(self, s, rows),
            None => {
                let owned: Vec<T> = features.iter().copied().collect();
                T::run(self, &owned, rows)
            }
        }
    }

    /// Predicts from Arrow columns, one array per feature in the model's
    /// feature order, all `Float64` or all `Float32` and of equal length
    /// (the rows). A null is a typed error (nulls are not imputed).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Float64Array};
    /// use tradewarden_inference::{Predictor, model::{cpu_device, Mlp, MlpConfig}};
    /// let p = Predictor::new("demo", "v1", Mlp::new(MlpConfig::new(2, vec![4], 1), &cpu_device()).unwrap());
    /// let cols: Vec<ArrayRef> = vec![
    ///     Arc::new(Float64Array::from(vec![0.1, 0.2, 0.3])),
    ///     Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])),
    /// ];
    /// let out = p.predict_arrow(&cols).unwrap();
    /// assert_eq!(out.n_rows, 3);
    /// let with_null: Vec<ArrayRef> = vec![
    ///     Arc::new(Float64Array::from(vec![Some(0.1), None])),
    ///     Arc::new(Float64Array::from(vec![1.0, 2.0])),
    /// ];
    /// assert!(p.predict_arrow(&with_null).is_err());
    /// ```
    ///
    /// # Errors
    /// [`InferenceError::ShapeMismatch`] when the number of columns is not
    /// the model's feature count (`param` = `"columns"`) or the columns'
    /// lengths differ (`param` = `"columns[i]"`);
    /// [`InferenceError::InvalidInput`] for a column that is not
    /// `Float64`/`Float32` or mixes with the other type, or holds a null
    /// (`param` = `"columns"`, the value names the column and row);
    /// otherwise as [`Predictor::predict`].
    pub fn predict_arrow(&self, columns: &[arrow_array::ArrayRef]) -> Result<Prediction> {
        let refs: Vec<&dyn arrow_array::Array> = columns.iter().map(|a| a.as_ref()).collect();
        self.predict_arrow_arrays(&refs)
    }

    /// As [`Predictor::predict_arrow`] over the columns of a record batch
    /// (all its columns, in schema order).
    ///
    /// # Errors
    /// As [`Predictor::predict_arrow`].
    pub fn predict_record_batch(&self, batch: &arrow_array::RecordBatch) -> Result<Prediction> {
        self.predict_arrow(batch.columns())
    }

    /// As [`Predictor::predict_arrow`] over borrowed arrays.
    ///
    /// # Errors
    /// As [`Predictor::predict_arrow`].
    pub fn predict_arrow_arrays(&self, columns: &[&dyn arrow_array::Array]) -> Result<Prediction> {
        use arrow_array::{Float32Array, Float64Array};
        use arrow_schema::DataType;

        let want = self.n_features();
        if columns.len() != want {
            return Err(InferenceError::ShapeMismatch {
                param: "columns",
                expected: want,
                actual: columns.len(),
                reason: "one Arrow array per model input feature".into(),
            });
        }
        let n_rows = columns.first().map_or(0, |c| c.len());
        let first_type = columns.first().map(|c| c.data_type().clone());
        for (i, col) in columns.iter().enumerate() {
            let ok_type = matches!(col.data_type(), DataType::Float64 | DataType::Float32);
            if !ok_type || Some(col.data_type()) != first_type.as_ref() {
                return Err(InferenceError::InvalidInput {
                    param: "columns",
                    value: format!("columns[{i}]: {}", col.data_type()),
                    reason: "all columns must be Float64, or all Float32".into(),
                });
            }
            if col.len() != n_rows {
                return Err(InferenceError::ShapeMismatch {
                    param: "columns[i]",
                    expected: n_rows,
                    actual: col.len(),
                    reason: format!("columns[{i}] must have as many rows as columns[0]"),
                });
            }
            if col.null_count() > 0 {
                let row = (0..col.len()).find(|r| col.is_null(*r)).unwrap_or(0);
                return Err(InferenceError::InvalidInput {
                    param: "columns",
                    value: format!("columns[{i}][{row}] = null"),
                    reason: "null features are rejected (impute before predicting)".into(),
                });
            }
        }
        let width = columns.len();
        macro_rules! gather {
            ($arr:ty, $t:ty) => {{
                let mut buf: Vec<$t> = vec![0.0; n_rows.saturating_mul(width)];
                for (c, col) in columns.iter().enumerate() {
                    let arr = col.as_any().downcast_ref::<$arr>().ok_or_else(|| {
                        InferenceError::InvalidInput {
                            param: "columns",
                            value: format!("columns[{c}]: {}", col.data_type()),
                            reason: "cannot read the array as its declared type".into(),
                        }
                    })?;
                    for (r, v) in arr.values().iter().enumerate() {
                        buf[r * width + c] = *v;
                    }
                }
                buf
            }};
        }
        match first_type {
            Some(DataType::Float32) => {
                let buf = gather!(Float32Array, f32);
                self.predict_f32(&buf, n_rows)
            }
            _ => {
                let buf = gather!(Float64Array, f64);
                self.predict(&buf, n_rows)
            }
        }
    }
}

/// Window inputs (GRU, Transformer; an MLP row is a window of one step).
impl Predictor {
    /// `(window, n_features)` of the model serving now: the time steps and
    /// the features per step of one sample (`(1, input)` for an MLP). A swap
    /// keeps the row width `window × n_features` but may change the split
    /// (e.g. an MLP of 12 inputs for a GRU over 4 steps × 3 features).
    pub fn window_shape(&self) -> (usize, usize) {
        self.current.load().model.window_shape()
    }

    /// Predicts `n_rows` samples of `window` time steps × `n_features`
    /// features (`f64`, row-major: sample `r`, step `t`, feature `c` at
    /// `(r × window + t) × n_features + c`), oldest step first. The
    /// dimensions are checked against the model that serves the batch (the
    /// same snapshot), so a swap between the check and the forward pass
    /// cannot pass a window of one architecture to another.
    ///
    /// ```
    /// use tradewarden_inference::Predictor;
    /// use tradewarden_inference::device::cpu_device;
    /// use tradewarden_inference::sequence::{GruModel, GruModelConfig};
    /// let gru = GruModel::new(GruModelConfig::new(3, 4, 8, 2), &cpu_device()).unwrap();
    /// let p = Predictor::new("gru", "v1", gru);
    /// assert_eq!(p.window_shape(), (4, 3));
    /// let x = vec![0.1; 2 * 4 * 3]; // 2 samples × 4 steps × 3 features
    /// let out = p.predict_window(&x, 2, 4, 3).unwrap();
    /// assert_eq!((out.n_rows, out.n_outputs), (2, 2));
    /// assert_eq!(out.values, p.predict(&x, 2).unwrap().values);
    /// assert!(p.predict_window(&x, 2, 3, 4).is_err()); // same size, wrong split
    /// ```
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] when `window` (`param` =
    /// `"window"`) or `n_features` (`param` = `"n_features"`) is not the
    /// model's; [`InferenceError::NonFiniteFeature`] at the first NaN/±inf
    /// (`column` = `t × n_features + c` within the sample); otherwise as
    /// [`Predictor::predict`].
    pub fn predict_window(
        &self,
        features: &[f64],
        n_rows: usize,
        window: usize,
        n_features: usize,
    ) -> Result<Prediction> {
        let start = Instant::now();
        let cur = self.current.load_full();
        check_window(&cur.model, window, n_features)?;
        check_finite(features.iter().copied(), cur.model.n_features())?;
        let values = cur.model.forward_f64(features, n_rows)?;
        Ok(finish(&cur, start, n_rows, values))
    }

    /// As [`Predictor::predict_window`] over `f32` features.
    ///
    /// # Errors
    /// As [`Predictor::predict_window`].
    pub fn predict_window_f32(
        &self,
        features: &[f32],
        n_rows: usize,
        window: usize,
        n_features: usize,
    ) -> Result<Prediction> {
        let start = Instant::now();
        let cur = self.current.load_full();
        check_window(&cur.model, window, n_features)?;
        check_finite(
            features.iter().map(|v| f64::from(*v)),
            cur.model.n_features(),
        )?;
        let values = cur.model.forward_f32(features, n_rows)?;
        Ok(finish(&cur, start, n_rows, values))
    }
}

fn check_window(model: &AnyModel, window: usize, n_features: usize) -> Result<()> {
    let (want_window, want_features) = model.window_shape();
    if window != want_window {
        return Err(InferenceError::InvalidInput {
            param: "window",
            value: window.to_string(),
            reason: format!(
                "the serving {} model reads {want_window} time step(s) per sample",
                model.architecture().kind()
            ),
        });
    }
    if n_features != want_features {
        return Err(InferenceError::InvalidInput {
            param: "n_features",
            value: n_features.to_string(),
            reason: format!(
                "the serving {} model reads {want_features} feature(s) per time step",
                model.architecture().kind()
            ),
        });
    }
    Ok(())
}

fn finish(cur: &Loaded, start: Instant, n_rows: usize, values: Vec<f32>) -> Prediction {
    cur.metrics
        .record(start.elapsed().as_secs_f64(), n_rows as u64);
    Prediction {
        version: cur.version.clone(),
        n_rows,
        n_outputs: cur.model.n_outputs(),
        values,
    }
}

fn check_finite(values: impl Iterator<Item = f64>, width: usize) -> Result<()> {
    let width = width.max(1);
    for (i, v) in values.enumerate() {
        if !v.is_finite() {
            return Err(InferenceError::NonFiniteFeature {
                row: i / width,
                column: i % width,
                value: v,
            });
        }
    }
    Ok(())
}
