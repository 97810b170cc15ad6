//! A thread-safe, hot-swappable predictor over slices.

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use tradewarden_metrics::catalog::Catalog;
use tradewarden_metrics::handles::InferenceMetrics;

use crate::error::{InferenceError, Result};
use crate::model::{Mlp, MlpConfig};

/// One loaded model version: the model, its version tag, its metric handles.
#[derive(Debug)]
struct Loaded {
    model: Mlp,
    version: Arc<str>,
    metrics: InferenceMetrics,
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
/// `tradewarden_inference_latency_seconds{model}` and adds `n_rows` to
/// `tradewarden_predictions_total{model}` (names from `tradewarden-metrics`),
/// with `model` the predictor's name. Handles are registered when the
/// predictor is built and at each swap: install the recorder first.
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
    catalog: Catalog,
    current: ArcSwap<Loaded>,
}

impl Predictor {
    /// A predictor named `name` (the `model` metric label; keep it a bounded,
    /// stable name such as the model type, not the version) serving `model`
    /// as `version`, with the default metric catalog.
    pub fn new(name: impl Into<String>, version: impl Into<String>, model: Mlp) -> Self {
        Self::with_catalog(name, version, model, Catalog::default())
    }

    /// As [`Predictor::new`] with a custom metric catalog (namespace/profile).
    pub fn with_catalog(
        name: impl Into<String>,
        version: impl Into<String>,
        model: Mlp,
        catalog: Catalog,
    ) -> Self {
        let name = name.into();
        let loaded = Loaded {
            metrics: InferenceMetrics::new(&catalog, &name),
            model,
            version: Arc::from(version.into()),
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
    pub fn config(&self) -> MlpConfig {
        self.current.load().model.config().clone()
    }

    /// Replaces the serving model without pausing callers; returns the
    /// version tag it replaced.
    ///
    /// # Errors
    /// [`InferenceError::ShapeMismatch`] when the new model's input or output
    /// width differs from the current one (the current model keeps serving).
    pub fn swap(&self, version: impl Into<String>, model: Mlp) -> Result<Arc<str>> {
        let cur = self.current.load();
        let (old, new) = (cur.model.config(), model.config());
        if old.input != new.input {
            return Err(InferenceError::ShapeMismatch {
                param: "model.input",
                expected: old.input,
                actual: new.input,
                reason: "a swapped-in model must take the same number of features".into(),
            });
        }
        if old.output != new.output {
            return Err(InferenceError::ShapeMismatch {
                param: "model.output",
                expected: old.output,
                actual: new.output,
                reason: "a swapped-in model must produce the same number of outputs".into(),
            });
        }
        let prev = cur.version.clone();
        drop(cur);
        let loaded = Loaded {
            metrics: InferenceMetrics::new(&self.catalog, &self.name),
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
        let width = cur.model.config().input;
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
        let width = cur.model.config().input;
        check_finite(features.iter().map(|v| f64::from(*v)), width)?;
        let values = cur.model.forward_f32(features, n_rows)?;
        Ok(finish(&cur, start, n_rows, values))
    }
}

fn finish(cur: &Loaded, start: Instant, n_rows: usize, values: Vec<f32>) -> Prediction {
    cur.metrics
        .record(start.elapsed().as_secs_f64(), n_rows as u64);
    Prediction {
        version: cur.version.clone(),
        n_rows,
        n_outputs: cur.model.config().output,
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
