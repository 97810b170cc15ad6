//! `tradewarden.inference`: models, the hot-swappable predictor, the demo
//! model and the registry over `tradewarden-inference`. Convert, call with the
//! interpreter released, map errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyReadonlyArray3, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use tradewarden::core::ErrorKind;
use tradewarden_inference::any::{AnyModel, WeightsFormat, load_weights};
use tradewarden_inference::demo;
use tradewarden_inference::device::cpu_device;
use tradewarden_inference::model::{Mlp, MlpConfig};
use tradewarden_inference::predictor::{Feature, Prediction, Predictor};
use tradewarden_inference::registry::{
    self as registry, Registry, RegistryOptions, SigningKey, Stage, VerifyingKey,
};

use crate::{CallError, call, to_py};

fn config_err(what: &str, e: serde_json::Error) -> CallError {
    CallError::Lib(ErrorKind::InvalidConfig, format!("invalid {what}: {e}"))
}

fn parse_config(config_json: &str) -> Result<MlpConfig, CallError> {
    serde_json::from_str(config_json).map_err(|e| config_err("config", e))
}

/// A loaded model — an MLP, a GRU or a Transformer (weights and
/// architecture) — not yet serving.
#[pyclass(name = "Model", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyModel {
    // Boxed: burn's tensors ask for 64-byte alignment, more than Python's
    // allocator gives a class object (an inline model aborts on creation).
    inner: Box<AnyModel>,
}

impl PyModel {
    fn new(model: impl Into<AnyModel>) -> Self {
        PyModel {
            inner: Box::new(model.into()),
        }
    }
}

/// `Model.load_burnpack` / `load_safetensors`: the crate's one loader, off
/// the GIL.
fn load_model(
    py: Python<'_>,
    format: WeightsFormat,
    path: PathBuf,
    architecture_json: &str,
) -> PyResult<PyModel> {
    call(py, move || {
        let model = load_weights(format, &path, architecture_json, &cpu_device())?;
        Ok(PyModel::new(model))
    })
}

#[pymethods]
impl PyModel {
    /// PyTorch weights from a safetensors file (the MLP's `layers.{i}` or
    /// `nn.Sequential` keys; F32, F16, BF16 or F64).
    #[staticmethod]
    fn load_safetensors(py: Python<'_>, path: PathBuf, config_json: &str) -> PyResult<PyModel> {
        load_model(py, WeightsFormat::Safetensors, path, config_json)
    }

    /// Weights in burn's burnpack format, for any architecture (a window
    /// model's config carries its `"kind"`).
    #[staticmethod]
    fn load_burnpack(py: Python<'_>, path: PathBuf, config_json: &str) -> PyResult<PyModel> {
        load_model(py, WeightsFormat::Burnpack, path, config_json)
    }

    /// PyTorch-layout MLP parameters: per layer (weight `[out, in]` row-major, bias `[out]`).
    #[staticmethod]
    fn from_pytorch_weights(
        py: Python<'_>,
        config_json: &str,
        layers: Vec<(Vec<f32>, Vec<f32>)>,
    ) -> PyResult<PyModel> {
        call(py, move || {
            let c = parse_config(config_json)?;
            Ok(PyModel::new(Mlp::from_pytorch_weights(
                c,
                &layers,
                &cpu_device(),
            )?))
        })
    }

    /// The shipped demo model.
    #[staticmethod]
    fn demo(py: Python<'_>) -> PyResult<PyModel> {
        call(py, move || {
            Ok(PyModel::new(demo::load_demo_model(&cpu_device())?))
        })
    }

    /// The architecture as a dict (`Architecture`'s serde form).
    fn config(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, "config", &self.inner.architecture())
    }

    /// `"mlp"`, `"gru"` or `"transformer"`.
    fn kind(&self) -> &'static str {
        self.inner.architecture().kind()
    }

    /// `(window, n_features)` of one sample (`(1, input)` for an MLP).
    fn window_shape(&self) -> (usize, usize) {
        self.inner.window_shape()
    }

    /// Writes the weights in burnpack format.
    fn save_burnpack(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let m = &self.inner;
        call(py, move || Ok(m.save_burnpack(&path)?))
    }

    /// The model's own forward pass over a C-contiguous float64 array of
    /// rows (`n_rows × window·n_features`): no NaN check, no telemetry.
    fn forward_f64<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let m = &self.inner;
        let rows = x.shape()[0];
        let data = x.as_slice().ok().filter(|_| x.is_c_contiguous());
        let values = call(py, move || match data {
            Some(d) => Ok(m.forward_f64(d, rows)?),
            None => Err(CallError::Lib(
                ErrorKind::InvalidInput,
                "x must be a C-contiguous 2-D float64 array".into(),
            )),
        })?;
        let width = m.n_outputs();
        PyArray1::from_vec(py, values).reshape([rows, width])
    }
}

fn run<T: Feature>(
    p: &Predictor,
    rows: usize,
    cols: usize,
    data: &[T],
) -> Result<Prediction, CallError> {
    let view = ndarray::ArrayView2::from_shape((rows, cols), data)
        .map_err(|e| CallError::Lib(ErrorKind::Internal, format!("x: {e}")))?;
    Ok(p.predict_array(view)?)
}

fn out<'py>(py: Python<'py>, p: Prediction) -> PyResult<(String, Bound<'py, PyArray2<f32>>)> {
    let (r, c) = (p.n_rows, p.n_outputs);
    let a = PyArray1::from_vec(py, p.values).reshape([r, c])?;
    Ok((p.version.to_string(), a))
}

/// A thread-safe predictor whose model can be swapped while callers predict.
#[pyclass(name = "Predictor", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyPredictor {
    inner: Predictor,
}

impl PyPredictor {
    fn predict_any<'py, T: Feature + numpy::Element>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, T>,
    ) -> PyResult<(String, Bound<'py, PyArray2<f32>>)> {
        let p = &self.inner;
        let (rows, cols) = (x.shape()[0], x.shape()[1]);
        // C-contiguous arrays are read in place; other layouts are copied once.
        // (numpy's `as_slice` also accepts Fortran order: check C order first.)
        let borrowed = if x.is_c_contiguous() {
            x.as_slice().ok()
        } else {
            None
        };
        let owned: Option<Vec<T>> = match borrowed {
            Some(_) => None,
            None => Some(x.as_array().iter().copied().collect()),
        };
        let r = call(py, move || match (borrowed, &owned) {
            (Some(s), _) => run(p, rows, cols, s),
            (None, Some(v)) => run(p, rows, cols, v),
            (None, None) => Err(CallError::Lib(ErrorKind::Internal, "x: no data".into())),
        })?;
        out(py, r)
    }
}

/// `f32` or `f64` windows for [`Predictor::predict_window`].
trait WindowFeature: Feature + numpy::Element {
    fn run_window(
        p: &Predictor,
        x: &[Self],
        n_rows: usize,
        window: usize,
        n_features: usize,
    ) -> Result<Prediction, CallError>;
}

impl WindowFeature for f64 {
    fn run_window(
        p: &Predictor,
        x: &[f64],
        n_rows: usize,
        window: usize,
        n_features: usize,
    ) -> Result<Prediction, CallError> {
        Ok(p.predict_window(x, n_rows, window, n_features)?)
    }
}

impl WindowFeature for f32 {
    fn run_window(
        p: &Predictor,
        x: &[f32],
        n_rows: usize,
        window: usize,
        n_features: usize,
    ) -> Result<Prediction, CallError> {
        Ok(p.predict_window_f32(x, n_rows, window, n_features)?)
    }
}

impl PyPredictor {
    fn predict_windows<'py, T: WindowFeature>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray3<'py, T>,
    ) -> PyResult<(String, Bound<'py, PyArray2<f32>>)> {
        let p = &self.inner;
        let (rows, window, cols) = (x.shape()[0], x.shape()[1], x.shape()[2]);
        // C-contiguous arrays are read in place; other layouts are copied once.
        let borrowed = if x.is_c_contiguous() {
            x.as_slice().ok()
        } else {
            None
        };
        let owned: Option<Vec<T>> = match borrowed {
            Some(_) => None,
            None => Some(x.as_array().iter().copied().collect()),
        };
        let r = call(py, move || {
            let data = match (borrowed, &owned) {
                (Some(s), _) => s,
                (None, Some(v)) => v.as_slice(),
                (None, None) => {
                    return Err(CallError::Lib(ErrorKind::Internal, "x: no data".into()));
                }
            };
            T::run_window(p, data, rows, window, cols)
        })?;
        out(py, r)
    }
}

#[pymethods]
impl PyPredictor {
    /// A predictor named `name` serving `model` as `version`.
    #[new]
    fn new(name: String, version: String, model: &PyModel) -> Self {
        PyPredictor {
            inner: Predictor::new(name, version, (*model.inner).clone()),
        }
    }

    /// The demo predictor (demo model, its name and version).
    #[staticmethod]
    fn demo(py: Python<'_>) -> PyResult<PyPredictor> {
        call(py, move || {
            Ok(PyPredictor {
                inner: demo::demo_predictor(&cpu_device())?,
            })
        })
    }

    /// The predictor's name.
    fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// Version tag of the model serving now.
    fn version(&self) -> String {
        self.inner.version().to_string()
    }

    /// Values per row of the model serving now (`window × n_features` for
    /// a window model).
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    /// `(window, n_features)` of the model serving now (`(1, input)` for an MLP).
    fn window_shape(&self) -> (usize, usize) {
        self.inner.window_shape()
    }

    /// `"mlp"`, `"gru"` or `"transformer"`: the architecture serving now.
    fn kind(&self) -> &'static str {
        self.inner.config().kind()
    }

    /// Outputs per row of the model serving now.
    fn n_outputs(&self) -> usize {
        self.inner.n_outputs()
    }

    /// The serving architecture as a dict.
    fn config(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let p = &self.inner;
        let c = call(py, move || Ok(p.config()))?;
        to_py(py, "config", &c)
    }

    /// Replaces the serving model; returns the version it replaced.
    fn swap(&self, py: Python<'_>, version: String, model: &PyModel) -> PyResult<String> {
        let (p, m) = (&self.inner, (*model.inner).clone());
        call(py, move || Ok(p.swap(version, m)?.to_string()))
    }

    /// Predicts a 2-D float64 array: (version, n_rows × n_outputs float32).
    fn predict_f64<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<(String, Bound<'py, PyArray2<f32>>)> {
        self.predict_any(py, x)
    }

    /// Predicts a 2-D float32 array: (version, n_rows × n_outputs float32).
    fn predict_f32<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<(String, Bound<'py, PyArray2<f32>>)> {
        self.predict_any(py, x)
    }

    /// Predicts a 3-D float64 array of windows (n_rows × window ×
    /// n_features): (version, n_rows × n_outputs float32).
    fn predict_window_f64<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray3<'py, f64>,
    ) -> PyResult<(String, Bound<'py, PyArray2<f32>>)> {
        self.predict_windows(py, x)
    }

    /// Predicts a 3-D float32 array of windows: (version, n_rows × n_outputs float32).
    fn predict_window_f32<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray3<'py, f32>,
    ) -> PyResult<(String, Bound<'py, PyArray2<f32>>)> {
        self.predict_windows(py, x)
    }

    /// Predicts an Arrow stream (`__arrow_c_stream__`: pyarrow Table, …), one
    /// column per feature: per record batch (version, n_rows × n_outputs).
    fn predict_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<(String, Bound<'py, PyArray2<f32>>)>> {
        let batches = crate::arrow::import_stream(data, "x")?;
        let p = &self.inner;
        let rs = call(py, move || {
            batches
                .iter()
                .filter(|b| b.num_rows() > 0)
                .map(|b| Ok(p.predict_record_batch(b)?))
                .collect::<Result<Vec<_>, CallError>>()
        })?;
        rs.into_iter().map(|r| out(py, r)).collect()
    }
}

/// The four demo features from returns (oldest first) and today's volume z-score.
#[pyfunction]
pub(crate) fn inference_demo_features(
    py: Python<'_>,
    returns: numpy::PyReadonlyArray1<'_, f64>,
    volume_z: f64,
) -> PyResult<Vec<f64>> {
    let r = crate::slice(&returns, "returns");
    call(py, move || Ok(demo::demo_features(r?, volume_z)?.to_vec()))
}

/// (name, version, feature names, config dict) of the shipped demo model.
#[pyfunction]
pub(crate) fn inference_demo_info(
    py: Python<'_>,
) -> PyResult<(String, String, Vec<String>, Py<PyAny>)> {
    let config = call(py, move || Ok(demo::demo_config()?))?;
    Ok((
        demo::DEMO_MODEL_NAME.to_string(),
        demo::DEMO_MODEL_VERSION.to_string(),
        demo::DEMO_FEATURES.iter().map(|s| s.to_string()).collect(),
        to_py(py, "config", &config)?,
    ))
}

/// A model registry rooted at a directory.
#[pyclass(name = "ModelRegistry", module = "tradewarden._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyRegistry {
    inner: Registry,
}

#[pymethods]
impl PyRegistry {
    /// Opens (creates) a registry rooted at `root`. With a verifying key (a
    /// key file path, or the key's 32 raw bytes / 64 hex characters) every
    /// version loaded, verified, promoted or rolled back to must be signed by
    /// its private half.
    #[new]
    #[pyo3(signature = (root, verifying_key_path=None, verifying_key_bytes=None))]
    fn new(
        py: Python<'_>,
        root: PathBuf,
        verifying_key_path: Option<PathBuf>,
        verifying_key_bytes: Option<Vec<u8>>,
    ) -> PyResult<Self> {
        call(py, move || {
            let mut opts = RegistryOptions::default();
            if let Some(k) = verifying_key(verifying_key_path, verifying_key_bytes)? {
                opts = opts.with_verifying_key(k);
            }
            Ok(PyRegistry {
                inner: Registry::open_with(&root, opts)?,
            })
        })
    }

    /// The verifying key as 64 hex characters (None: signatures not checked).
    fn verifying_key_hex(&self) -> Option<String> {
        self.inner
            .verifying_key()
            .map(|k| registry::key_hex(k.as_bytes()))
    }

    /// The root directory.
    fn root(&self) -> PathBuf {
        self.inner.root().to_path_buf()
    }

    /// Registers `model` as name/version (stage development); returns the
    /// manifest as a dict. With a signing key (path, or 32 raw bytes / 64 hex
    /// characters) the manifest is signed too (`Registry::register_signed`).
    #[pyo3(signature = (name, version, model, metrics=BTreeMap::new(), signing_key_path=None, signing_key_bytes=None))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        py: Python<'_>,
        name: &str,
        version: &str,
        model: &PyModel,
        metrics: BTreeMap<String, f64>,
        signing_key_path: Option<PathBuf>,
        signing_key_bytes: Option<Vec<u8>>,
    ) -> PyResult<Py<PyAny>> {
        let (r, m) = (&self.inner, &model.inner);
        let manifest = call(py, move || {
            Ok(match signing_key(signing_key_path, signing_key_bytes)? {
                Some(k) => r.register_signed(name, version, &**m, metrics, &k)?,
                None => r.register(name, version, &**m, metrics)?,
            })
        })?;
        to_py(py, "manifest", &manifest)
    }

    /// Signs (or re-signs) an existing version (`Registry::sign`).
    #[pyo3(signature = (name, version, signing_key_path=None, signing_key_bytes=None))]
    fn sign(
        &self,
        py: Python<'_>,
        name: &str,
        version: &str,
        signing_key_path: Option<PathBuf>,
        signing_key_bytes: Option<Vec<u8>>,
    ) -> PyResult<()> {
        let r = &self.inner;
        call(py, move || {
            match signing_key(signing_key_path, signing_key_bytes)? {
                Some(k) => Ok(r.sign(name, version, &k)?),
                None => Err(CallError::Lib(
                    ErrorKind::InvalidInput,
                    "sign needs signing_key (a key file path or the key's bytes)".to_string(),
                )),
            }
        })
    }

    /// The manifest of name/version as a dict (not verified).
    fn manifest(&self, py: Python<'_>, name: &str, version: &str) -> PyResult<Py<PyAny>> {
        let r = &self.inner;
        let m = call(py, move || Ok(r.manifest(name, version)?))?;
        to_py(py, "manifest", &m)
    }

    /// Registered versions of `name`, sorted.
    fn versions(&self, py: Python<'_>, name: &str) -> PyResult<Vec<String>> {
        let r = &self.inner;
        call(py, move || Ok(r.versions(name)?))
    }

    /// Every version of `name` in registration order, with its manifest and
    /// the active / last_good flags, as a list of dicts.
    fn list(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        let r = &self.inner;
        let l = call(py, move || Ok(r.list(name)?))?;
        to_py(py, "version list", &l)
    }

    /// Every version of `name`, good and corrupt, as a dict (`Registry::inventory`).
    fn inventory(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        let r = &self.inner;
        let inv = call(py, move || Ok(r.inventory(name)?))?;
        to_py(py, "inventory", &inv)
    }

    /// Recomputes every checksum; returns the manifest as a dict.
    fn verify(&self, py: Python<'_>, name: &str, version: &str) -> PyResult<Py<PyAny>> {
        let r = &self.inner;
        let m = call(py, move || Ok(r.verify(name, version)?))?;
        to_py(py, "manifest", &m)
    }

    /// Verifies and loads name/version (any architecture).
    fn load(&self, py: Python<'_>, name: &str, version: &str) -> PyResult<PyModel> {
        let r = &self.inner;
        call(py, move || {
            Ok(PyModel::new(r.load_model(name, version, &cpu_device())?))
        })
    }

    /// The serving version of `name` (None when nothing was promoted).
    fn active(&self, py: Python<'_>, name: &str) -> PyResult<Option<String>> {
        let r = &self.inner;
        call(py, move || Ok(r.active(name)?))
    }

    /// The version rollback returns to.
    fn last_good(&self, py: Python<'_>, name: &str) -> PyResult<Option<String>> {
        let r = &self.inner;
        call(py, move || Ok(r.last_good(name)?))
    }

    /// Marks a version 'staging' or 'development'.
    fn stage(&self, py: Python<'_>, name: &str, version: &str, stage: &str) -> PyResult<()> {
        let r = &self.inner;
        call(py, move || {
            Ok(r.stage(name, version, stage.parse::<Stage>()?)?)
        })
    }

    /// Verifies, loads and makes name/version the active one.
    fn promote(&self, py: Python<'_>, name: &str, version: &str) -> PyResult<()> {
        let r = &self.inner;
        call(py, move || Ok(r.promote(name, version)?))
    }

    /// Points active back at last_good; returns the version now active.
    fn rollback(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        let r = &self.inner;
        call(py, move || Ok(r.rollback(name)?))
    }

    /// Freezes learning for `name` (`Registry::freeze_learning`): register
    /// and promote refuse until it is lifted; rollback still works.
    fn freeze_learning(&self, py: Python<'_>, name: &str, who: &str, why: &str) -> PyResult<()> {
        let r = &self.inner;
        call(py, move || Ok(r.freeze_learning(name, who, why)?))
    }

    /// Lifts the learning freeze of `name` (no-op when not frozen).
    fn unfreeze_learning(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        let r = &self.inner;
        call(py, move || Ok(r.unfreeze_learning(name)?))
    }

    /// The learning freeze of `name` as a dict (who, why, since), or None.
    fn learning_freeze(&self, py: Python<'_>, name: &str) -> PyResult<Option<Py<PyAny>>> {
        let r = &self.inner;
        let f = call(py, move || Ok(r.learning_freeze(name)?))?;
        f.map(|f| to_py(py, "learning freeze", &f)).transpose()
    }

    /// Verifies and loads the active version: (version, model) or None.
    fn load_active(&self, py: Python<'_>, name: &str) -> PyResult<Option<(String, PyModel)>> {
        let r = &self.inner;
        call(py, move || {
            Ok(r.load_active_model(name, &cpu_device())?
                .map(|(v, m)| (v, PyModel::new(m))))
        })
    }
}

/// A key from a file or from bytes (at most one of them; the crate parses).
fn key_of<K>(
    path: Option<PathBuf>,
    bytes: Option<Vec<u8>>,
    param: &str,
    from_path: fn(&std::path::Path) -> tradewarden_inference::Result<K>,
    from_bytes: fn(&[u8]) -> tradewarden_inference::Result<K>,
) -> Result<Option<K>, CallError> {
    Ok(match (path, bytes) {
        (Some(_), Some(_)) => {
            return Err(CallError::Lib(
                ErrorKind::InvalidInput,
                format!("{param}: give a key file path or the key's bytes, not both"),
            ));
        }
        (Some(p), None) => Some(from_path(&p)?),
        (None, Some(mut b)) => {
            let k = from_bytes(&b);
            b.fill(0);
            Some(k?)
        }
        (None, None) => None,
    })
}

fn verifying_key(
    path: Option<PathBuf>,
    bytes: Option<Vec<u8>>,
) -> Result<Option<VerifyingKey>, CallError> {
    key_of(
        path,
        bytes,
        "verifying_key",
        |p| registry::load_verifying_key(p),
        registry::verifying_key_from_bytes,
    )
}

fn signing_key(
    path: Option<PathBuf>,
    bytes: Option<Vec<u8>>,
) -> Result<Option<SigningKey>, CallError> {
    key_of(
        path,
        bytes,
        "signing_key",
        |p| registry::load_signing_key(p),
        registry::signing_key_from_bytes,
    )
}

/// The ed25519 public half of a signing key (file path or bytes), as 64 hex
/// characters: what `Registry(root, verifying_key=...)` reads.
#[pyfunction]
#[pyo3(signature = (signing_key_path=None, signing_key_bytes=None))]
fn inference_public_key(
    py: Python<'_>,
    signing_key_path: Option<PathBuf>,
    signing_key_bytes: Option<Vec<u8>>,
) -> PyResult<String> {
    call(py, move || {
        match signing_key(signing_key_path, signing_key_bytes)? {
            Some(k) => Ok(registry::key_hex(k.verifying_key().as_bytes())),
            None => Err(CallError::Lib(
                ErrorKind::InvalidInput,
                "signing_key is required".to_string(),
            )),
        }
    })
}

/// Registers the inference functions and classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(inference_demo_features, m)?)?;
    m.add_function(wrap_pyfunction!(inference_demo_info, m)?)?;
    m.add_function(wrap_pyfunction!(inference_public_key, m)?)?;
    m.add_class::<PyModel>()?;
    m.add_class::<PyPredictor>()?;
    m.add_class::<PyRegistry>()?;
    Ok(())
}
