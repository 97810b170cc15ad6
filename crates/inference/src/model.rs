//! The MLP: configuration, forward pass, weights (burnpack and PyTorch safetensors).
//!
//! Tensors in burn 0.22 carry their backend in their [`Device`] rather than in a
//! type parameter, so a model is backend-agnostic code and the backend is chosen
//! by the device passed to [`Mlp::new`] / the loaders. This crate enables only
//! the flex CPU backend ([`cpu_device`]).

use std::path::Path;
use std::sync::Arc;

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::store::{
    BurnpackStore, FloatCastAdapter, KeyRemapper, ModuleAdapter, ModuleSnapshot,
    PyTorchToBurnAdapter, SafetensorsStore,
};
use burn::tensor::{DType, Device, Tensor, TensorData, activation};

use crate::dense::DensePlan;
use crate::error::{InferenceError, Result};

pub use crate::device::cpu_device;

pub use crate::config::{Activation, MlpConfig, OutputKind};

/// The burn module: its parameter paths are `layers.{i}.weight` ([in, out] in
/// burn) and `layers.{i}.bias`.
#[derive(Module, Debug)]
struct MlpNet {
    layers: Vec<Linear>,
}

/// A multi-layer perceptron on one device.
///
/// Weights are stored as burn keeps them (`[in, out]`); PyTorch's `[out, in]`
/// layout is transposed on import ([`Mlp::load_safetensors`],
/// [`Mlp::from_pytorch_weights`]).
///
/// ```
/// use tradewarden_inference::model::{cpu_device, Mlp, MlpConfig};
/// let model = Mlp::new(MlpConfig::new(4, vec![8], 2), &cpu_device()).unwrap();
/// let out = model.forward_f32(&[0.1, 0.2, 0.3, 0.4, 1.0, 0.0, -1.0, 0.5], 2).unwrap();
/// assert_eq!(out.len(), 2 * 2);
/// ```
#[derive(Debug, Clone)]
pub struct Mlp {
    net: MlpNet,
    config: MlpConfig,
    device: Device,
    /// The weights laid out for the CPU kernel ([`crate::dense`]); present
    /// on the flex CPU device, `None` elsewhere (the forward pass then runs
    /// through burn's tensor ops).
    plan: Option<Arc<DensePlan>>,
}

/// Reads a weights file into memory once (the path loaders parse these
/// bytes and never open the file again).
pub(crate) fn read_weights(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| InferenceError::io(path, e))
}

fn weights_err(path: &Path, reason: impl Into<String>) -> InferenceError {
    InferenceError::Weights {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

impl Mlp {
    /// A randomly initialised model (burn's default Kaiming-uniform init).
    ///
    /// # Errors
    /// [`InferenceError::Core`] when the config is invalid.
    pub fn new(config: MlpConfig, device: &Device) -> Result<Self> {
        Self::init(config, device)?.with_plan()
    }

    /// A randomly initialised model without the CPU plan (the loaders
    /// overwrite the weights, then build it).
    fn init(config: MlpConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        let layers = config
            .layer_shapes()
            .into_iter()
            .map(|(i, o)| LinearConfig::new(i, o).init(device))
            .collect();
        Ok(Mlp {
            net: MlpNet { layers },
            config,
            device: device.clone(),
            plan: None,
        })
    }

    /// A model from PyTorch-layout parameters: per layer, the weight as
    /// `[out, in]` row-major (as `torch.nn.Linear.weight`) and the bias `[out]`.
    ///
    /// # Errors
    /// [`InferenceError::Core`] for an invalid config;
    /// [`InferenceError::ShapeMismatch`] when the number of layers or a buffer
    /// size does not match the config.
    pub fn from_pytorch_weights(
        config: MlpConfig,
        layers: &[(Vec<f32>, Vec<f32>)],
        device: &Device,
    ) -> Result<Self> {
        config.validate()?;
        let shapes = config.layer_shapes();
        if layers.len() != shapes.len() {
            return Err(InferenceError::ShapeMismatch {
                param: "layers",
                expected: shapes.len(),
                actual: layers.len(),
                reason: "one (weight, bias) pair per linear layer".into(),
            });
        }
        let mut out = Vec::with_capacity(shapes.len());
        for ((i, o), (w, b)) in shapes.into_iter().zip(layers) {
            if w.len() != i * o {
                return Err(InferenceError::ShapeMismatch {
                    param: "weight",
                    expected: i * o,
                    actual: w.len(),
                    reason: format!("[out = {o}, in = {i}]"),
                });
            }
            if b.len() != o {
                return Err(InferenceError::ShapeMismatch {
                    param: "bias",
                    expected: o,
                    actual: b.len(),
                    reason: format!("[out = {o}]"),
                });
            }
            // PyTorch [out, in] -> burn [in, out].
            let w = Tensor::<2>::from_data(TensorData::new(w.clone(), [o, i]), device).transpose();
            let b = Tensor::<1>::from_data(TensorData::new(b.clone(), [o]), device);
            out.push(Linear {
                weight: Param::from_tensor(w),
                bias: Some(Param::from_tensor(b)),
            });
        }
        Mlp {
            net: MlpNet { layers: out },
            config,
            device: device.clone(),
            plan: None,
        }
        .with_plan()
    }

    /// Loads PyTorch weights from a safetensors file with the key names of a
    /// torch module holding `self.layers = nn.ModuleList([nn.Linear, …])`:
    /// `layers.{i}.weight` (`[out, in]`, transposed on load) and
    /// `layers.{i}.bias`. Every key must be present and no other key may be.
    ///
    /// **`nn.Sequential` layout.** A file whose keys are all
    /// `{prefix}{n}.weight` / `{prefix}{n}.bias` with one common prefix
    /// (`0.weight`, `2.weight`, … of an `nn.Sequential` that interleaves
    /// activations, or `net.0.weight`, … of `self.net = nn.Sequential(…)`)
    /// is mapped on load: the distinct indices `n`, in ascending order, are
    /// the linear layers `0, 1, 2, …`. There must be exactly one index per
    /// linear layer of `config`, and every tensor must have that layer's
    /// shape (errors then name the mapped `layers.{i}` keys).
    ///
    /// **Dtypes.** `F32` tensors load as they are; `F16` and `BF16` (a
    /// `.half()` / `.bfloat16()` export) are converted to `f32` exactly
    /// (every half value is an `f32` value); `F64` is rounded to the nearest
    /// `f32`. The model always computes in `f32`.
    ///
    /// # Errors
    /// [`InferenceError::NotFound`] when the file is missing;
    /// [`InferenceError::InvalidInput`] (`param` = `"weights.dtype"`, the
    /// value naming the tensor and its dtype) for a tensor of another dtype
    /// (integers, booleans, 8-bit floats);
    /// [`InferenceError::Weights`] (kind `Corrupt`) when the file is
    /// malformed or its tensors do not match the config (missing, extra,
    /// wrongly shaped).
    pub fn load_safetensors(
        path: impl AsRef<Path>,
        config: MlpConfig,
        device: &Device,
    ) -> Result<Self> {
        let path = path.as_ref();
        // Read once, parse those bytes: no mapping of a file that can change
        // under the parser (a truncation would be a SIGBUS), no second open.
        let bytes = read_weights(path)?;
        let mut model = Mlp::init(config, device)?;
        let keys = safetensors_keys(path, &bytes)?;
        let remapper = sequential_remapper(path, &keys, model.config.layer_shapes().len())?;
        let mut store = SafetensorsStore::from_bytes(Some(bytes))
            .remap(remapper)
            .with_from_adapter(PyTorchToBurnAdapter.chain(FloatCastAdapter::to(DType::F32)));
        let res = model
            .net
            .load_from(&mut store)
            .map_err(|e| weights_err(path, e.to_string()))?;
        check_apply(path, &res)?;
        model.with_plan()
    }

    /// Saves the weights in burn's own burnpack format (written to a scratch
    /// file and renamed into place). The architecture is stored as metadata
    /// key `tradewarden.mlp_config` for inspection; pass the config again to
    /// [`Mlp::load_burnpack`].
    ///
    /// # Errors
    /// [`InferenceError::Weights`] when burn cannot write the file.
    pub fn save_burnpack(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let config =
            serde_json::to_string(&self.config).map_err(|e| weights_err(path, e.to_string()))?;
        let mut store = BurnpackStore::from_file(path)
            .auto_extension(false)
            .overwrite(true)
            .metadata("tradewarden.mlp_config", config);
        self.net
            .save_into(&mut store)
            .map_err(|e| weights_err(path, e.to_string()))
    }

    /// Loads weights saved by [`Mlp::save_burnpack`].
    ///
    /// # Errors
    /// [`InferenceError::NotFound`] when the file is missing;
    /// [`InferenceError::Weights`] (kind `Corrupt`) when it is malformed or does
    /// not match `config`.
    pub fn load_burnpack(
        path: impl AsRef<Path>,
        config: MlpConfig,
        device: &Device,
    ) -> Result<Self> {
        let path = path.as_ref();
        // The file is read once and the model built from those bytes (a
        // store opened on the path would re-read tensor data lazily).
        Mlp::load_burnpack_bytes(read_weights(path)?, config, device, path)
    }

    /// Loads burnpack weights from bytes embedded in the binary (e.g. with
    /// `include_bytes!`, whatever their alignment), as [`Mlp::load_burnpack`]
    /// does from a file. The bytes are copied once.
    ///
    /// # Errors
    /// [`InferenceError::Weights`] (kind `Corrupt`, path `"<embedded>"`)
    /// when the bytes are malformed or do not match `config`.
    pub fn load_burnpack_static(
        bytes: &'static [u8],
        config: MlpConfig,
        device: &Device,
    ) -> Result<Self> {
        // Copied into an allocation aligned for every dtype: burn's zero-copy
        // `from_static` path casts tensor data in place and panics on an
        // unaligned `include_bytes!` buffer.
        Mlp::load_burnpack_bytes(bytes.to_vec(), config, device, Path::new("<embedded>"))
    }

    /// Loads burnpack weights from memory (the registry's verified bytes),
    /// as [`Mlp::load_burnpack`] does from a file; `source` names them in
    /// errors. The tensors live in that buffer: nothing is read from a file
    /// later (a store opened on a file reads tensor data lazily, on first
    /// use).
    pub(crate) fn load_burnpack_bytes(
        bytes: Vec<u8>,
        config: MlpConfig,
        device: &Device,
        source: &Path,
    ) -> Result<Self> {
        let mut model = Mlp::init(config, device)?;
        let owned = burn::tensor::Bytes::from_bytes_vec(bytes);
        let mut store = BurnpackStore::from_bytes(Some(owned));
        let res = model
            .net
            .load_from(&mut store)
            .map_err(|e| weights_err(source, e.to_string()))?;
        check_apply(source, &res)?;
        model.with_plan()
    }

    /// The architecture.
    pub fn config(&self) -> &MlpConfig {
        &self.config
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// A copy of this model with its weights on `device` (e.g. from the flex
    /// CPU device to [`crate::device::wgpu_device`]).
    pub fn to_device(&self, device: &Device) -> Mlp {
        Mlp {
            net: self.net.clone().to_device(device),
            config: self.config.clone(),
            device: device.clone(),
            plan: if is_cpu(device) {
                self.plan.clone()
            } else {
                None
            },
        }
    }

    /// Builds the CPU kernel's copy of the weights when the model lives on
    /// the flex CPU device.
    fn with_plan(mut self) -> Result<Self> {
        if !is_cpu(&self.device) {
            self.plan = None;
            return Ok(self);
        }
        let mut layers = Vec::with_capacity(self.net.layers.len());
        for (layer, (k, n)) in self.net.layers.iter().zip(self.config.layer_shapes()) {
            let w = tensor_values(layer.weight.val().into_data())?;
            let b = match &layer.bias {
                Some(b) => tensor_values(b.val().into_data())?,
                None => vec![0.0; n],
            };
            if w.len() != k * n || b.len() != n {
                return Err(InferenceError::Backend {
                    reason: format!(
                        "layer [{k}, {n}] holds {} weights and {} biases",
                        w.len(),
                        b.len()
                    ),
                });
            }
            layers.push((k, n, w, b));
        }
        self.plan = Some(Arc::new(DensePlan::new(
            layers,
            self.config.activation,
            self.config.output_kind,
        )));
        Ok(self)
    }

    /// Forward pass over `n_rows` rows of `config().input` features, row-major
    /// `f32`, with the output kind's post-processing applied; returns
    /// `n_rows × config().output` values, row-major. Inputs are not checked
    /// for NaN here (the [`Predictor`](crate::Predictor) does).
    ///
    /// # Errors
    /// [`InferenceError::ShapeMismatch`] when `input.len() != n_rows × input`
    /// or `n_rows == 0`; [`InferenceError::Backend`] when the backend fails.
    pub fn forward_f32(&self, input: &[f32], n_rows: usize) -> Result<Vec<f32>> {
        self.check_shape(input.len(), n_rows)?;
        if let Some(plan) = &self.plan {
            let mut out = vec![0.0f32; n_rows * self.config.output];
            plan.forward(input, n_rows, &mut out);
            return Ok(out);
        }
        self.forward_f32_burn(input, n_rows)
    }

    /// The same forward pass through burn's tensor ops, as on a GPU device:
    /// on the CPU, [`Mlp::forward_f32`] runs a dedicated kernel instead
    /// (faster; equal to this within 1e-5). Kept public for cross-checking.
    ///
    /// # Errors
    /// As [`Mlp::forward_f32`].
    pub fn forward_f32_burn(&self, input: &[f32], n_rows: usize) -> Result<Vec<f32>> {
        self.check_shape(input.len(), n_rows)?;
        let x = Tensor::<2>::from_data(
            TensorData::new(input.to_vec(), [n_rows, self.config.input]),
            &self.device,
        );
        self.run(x)
    }

    /// As [`Mlp::forward_f32`] over `f64` features (converted to `f32`, the
    /// weights' precision).
    ///
    /// # Errors
    /// As [`Mlp::forward_f32`].
    pub fn forward_f64(&self, input: &[f64], n_rows: usize) -> Result<Vec<f32>> {
        self.check_shape(input.len(), n_rows)?;
        if let Some(plan) = &self.plan {
            let mut out = vec![0.0f32; n_rows * self.config.output];
            plan.forward_f64(input, n_rows, &mut out);
            return Ok(out);
        }
        let v: Vec<f32> = input.iter().map(|x| *x as f32).collect();
        let x = Tensor::<2>::from_data(
            TensorData::new(v, [n_rows, self.config.input]),
            &self.device,
        );
        self.run(x)
    }

    fn check_shape(&self, len: usize, n_rows: usize) -> Result<()> {
        if n_rows == 0 {
            return Err(InferenceError::InvalidInput {
                param: "n_rows",
                value: "0".into(),
                reason: "at least one row is required".into(),
            });
        }
        let expected =
            n_rows
                .checked_mul(self.config.input)
                .ok_or_else(|| InferenceError::InvalidInput {
                    param: "n_rows",
                    value: n_rows.to_string(),
                    reason: "n_rows × n_features overflows".into(),
                })?;
        if len != expected {
            return Err(InferenceError::ShapeMismatch {
                param: "features",
                expected,
                actual: len,
                reason: format!("n_rows = {n_rows} × n_features = {}", self.config.input),
            });
        }
        Ok(())
    }

    fn run(&self, mut x: Tensor<2>) -> Result<Vec<f32>> {
        let last = self.net.layers.len().saturating_sub(1);
        for (i, layer) in self.net.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                x = match self.config.activation {
                    Activation::Relu => activation::relu(x),
                    Activation::Tanh => activation::tanh(x),
                    Activation::Sigmoid => activation::sigmoid(x),
                    Activation::Gelu => activation::gelu(x),
                    Activation::Silu => activation::silu(x),
                };
            }
        }
        let data = x.try_into_data().map_err(|e| InferenceError::Backend {
            reason: format!("{e:?}"),
        })?;
        let mut out = data
            .try_into_vec::<f32>()
            .map_err(|e| InferenceError::Backend {
                reason: format!("{e:?}"),
            })?;
        postprocess(self.config.output_kind, self.config.output, &mut out);
        Ok(out)
    }
}

/// Float dtypes a safetensors import converts to `f32` (see
/// [`Mlp::load_safetensors`]).
const SAFETENSORS_FLOATS: [&str; 4] = ["F32", "F16", "BF16", "F64"];

/// The tensor names of a safetensors buffer, after checking that every
/// tensor has a float dtype this crate converts. A buffer whose header
/// cannot be read gives no names: the safetensors parser then reports what
/// is wrong with it (kind `Corrupt`).
pub(crate) fn safetensors_keys(path: &Path, bytes: &[u8]) -> Result<Vec<String>> {
    let Some(len) = bytes
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
    else {
        return Ok(Vec::new());
    };
    let Some(header) = usize::try_from(len)
        .ok()
        .and_then(|n| n.checked_add(8))
        .and_then(|end| bytes.get(8..end))
    else {
        return Ok(Vec::new());
    };
    let Ok(serde_json::Value::Object(entries)) = serde_json::from_slice(header) else {
        return Ok(Vec::new());
    };
    let mut keys = Vec::with_capacity(entries.len());
    for (name, info) in &entries {
        if name == "__metadata__" {
            continue;
        }
        let Some(dtype) = info.get("dtype").and_then(|d| d.as_str()) else {
            continue; // malformed: the parser reports it
        };
        if !SAFETENSORS_FLOATS.contains(&dtype) {
            return Err(InferenceError::InvalidInput {
                param: "weights.dtype",
                value: format!("{name}: {dtype}"),
                reason: format!(
                    "{}: tensor {name:?} has dtype {dtype}; only F32, F16, BF16 and F64 \
                     weights are read (converted to f32)",
                    path.display()
                ),
            });
        }
        keys.push(name.clone());
    }
    Ok(keys)
}

/// `(prefix, index, param)` of a key `{prefix}{index}.{weight|bias}`, the
/// prefix empty or ending in `.` and made of `[A-Za-z0-9_.]`.
fn sequential_key(key: &str) -> Option<(&str, usize, &str)> {
    let (rest, param) = key.rsplit_once('.')?;
    if param != "weight" && param != "bias" {
        return None;
    }
    let (prefix, index) = match rest.rsplit_once('.') {
        Some((p, i)) => (&key[..p.len() + 1], i),
        None => ("", rest),
    };
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !prefix
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    {
        return None;
    }
    Some((prefix, index.parse().ok()?, param))
}

/// The key mapping of an `nn.Sequential` state dict (see
/// [`Mlp::load_safetensors`]): empty when the keys are already
/// `layers.0 … layers.{n-1}` or are not of that shape (the loader then
/// reports the missing and unexpected tensors).
fn sequential_remapper(path: &Path, keys: &[String], n_layers: usize) -> Result<KeyRemapper> {
    let parsed: Option<Vec<(&str, usize, &str)>> = keys.iter().map(|k| sequential_key(k)).collect();
    let Some(parsed) = parsed else {
        return Ok(KeyRemapper::new());
    };
    let Some(prefix) = parsed.first().map(|(p, _, _)| *p) else {
        return Ok(KeyRemapper::new());
    };
    if parsed.iter().any(|(p, _, _)| *p != prefix) {
        return Ok(KeyRemapper::new());
    }
    let mut indices: Vec<usize> = parsed.iter().map(|(_, i, _)| *i).collect();
    indices.sort_unstable();
    indices.dedup();
    if prefix == "layers." && indices.iter().copied().eq(0..indices.len()) {
        return Ok(KeyRemapper::new()); // our own layout
    }
    if indices.len() != n_layers {
        return Err(weights_err(
            path,
            format!(
                "nn.Sequential layout ({prefix:?} + index): {} linear layer(s) at indices {indices:?}, \
                 the config has {n_layers}",
                indices.len()
            ),
        ));
    }
    let escaped = prefix.replace('.', r"\.");
    let mut remapper = KeyRemapper::new();
    // Ascending: layer k comes from index indices[k] ≥ k, so a renamed key
    // never matches a later pattern.
    for (k, i) in indices.iter().enumerate() {
        remapper = remapper
            .add_pattern(
                format!(r"^{escaped}{i}\.(weight|bias)$"),
                format!("layers.{k}.$1"),
            )
            .map_err(|e| weights_err(path, format!("key mapping: {e}")))?;
    }
    Ok(remapper)
}

/// True for the flex CPU device (the one [`cpu_device`] returns).
fn is_cpu(device: &Device) -> bool {
    *device == cpu_device()
}

/// A tensor's values as `f32`.
fn tensor_values(data: TensorData) -> Result<Vec<f32>> {
    data.try_to_vec::<f32>()
        .map_err(|e| InferenceError::Backend {
            reason: format!("{e:?}"),
        })
}

/// Applies the output kind's per-row post-processing in place.
pub(crate) fn postprocess(kind: OutputKind, width: usize, out: &mut [f32]) {
    if width == 0 {
        return;
    }
    match kind {
        OutputKind::Point => {}
        OutputKind::Quantiles => {
            for row in out.chunks_exact_mut(width) {
                row.sort_unstable_by(f32::total_cmp);
            }
        }
        OutputKind::Classes => {
            for row in out.chunks_exact_mut(width) {
                let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut s = 0.0f64;
                for v in row.iter_mut() {
                    let e = f64::from(*v - m).exp();
                    s += e;
                    *v = e as f32;
                }
                for v in row.iter_mut() {
                    *v = (f64::from(*v) / s) as f32;
                }
            }
        }
    }
}

pub(crate) fn check_apply(path: &Path, res: &burn::store::ApplyResult) -> Result<()> {
    let mut problems = Vec::new();
    if !res.errors.is_empty() {
        problems.push(format!(
            "{} tensor(s) do not fit: {:?}",
            res.errors.len(),
            res.errors
        ));
    }
    if !res.missing.is_empty() {
        let m: Vec<&str> = res.missing.iter().map(|(p, _)| p.as_str()).collect();
        problems.push(format!("missing tensors: {}", m.join(", ")));
    }
    if !res.unused.is_empty() {
        problems.push(format!("unexpected tensors: {}", res.unused.join(", ")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(weights_err(path, problems.join("; ")))
    }
}
