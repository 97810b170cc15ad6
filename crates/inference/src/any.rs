//! Any servable model: the MLP or a window model (GRU, Transformer), behind
//! one type that the [`Predictor`](crate::Predictor) and the
//! [`Registry`](crate::registry::Registry) work with.
//!
//! A row of features is what the model reads per prediction: `input` values
//! for the MLP, a whole window of `window × input` values (time-major, as in
//! [`crate::sequence`]) for the GRU and the Transformer, so
//! [`AnyModel::n_features`] is the row width a caller passes.
//!
//! The architecture is stored in registry manifests as [`Architecture`]: the
//! MLP's config as it always was (no tag, so manifests written before window
//! models could be registered still load), a window model's config with a
//! `"kind"` tag:
//!
//! ```
//! use tradewarden_inference::any::Architecture;
//! let mlp: Architecture = serde_json::from_str(
//!     r#"{"input": 4, "hidden": [8], "output": 1, "activation": "tanh", "output_kind": "point"}"#,
//! ).unwrap();
//! assert!(matches!(mlp, Architecture::Mlp(_)));
//! let gru: Architecture = serde_json::from_str(
//!     r#"{"kind": "gru", "input": 16, "window": 32, "hidden": 32, "layers": 1, "output": 3, "output_kind": "point"}"#,
//! ).unwrap();
//! assert_eq!((gru.n_features(), gru.n_outputs()), (16 * 32, 3));
//! ```

use std::path::Path;

use burn::tensor::Device;

use crate::error::Result;
use crate::model::Mlp;
use crate::sequence::{GruModel, TransformerModel};

pub use crate::config::{Architecture, WindowArchitecture};

impl Architecture {
    /// Loads PyTorch weights from a safetensors file with torch's key names:
    /// the MLP's ([`Mlp::load_safetensors`]: `nn.ModuleList` or
    /// `nn.Sequential` keys), a GRU's ([`GruModel::load_safetensors`]:
    /// `nn.GRU` keys) or a Transformer's
    /// ([`TransformerModel::load_safetensors`]: `nn.TransformerEncoder`
    /// keys).
    ///
    /// # Errors
    /// As the model's `load_safetensors`.
    pub fn load_safetensors(&self, path: impl AsRef<Path>, device: &Device) -> Result<AnyModel> {
        Ok(match self {
            Architecture::Mlp(c) => AnyModel::Mlp(Mlp::load_safetensors(path, c.clone(), device)?),
            Architecture::Window(WindowArchitecture::Gru(c)) => AnyModel::Gru(Box::new(
                GruModel::load_safetensors(path, c.clone(), device)?,
            )),
            Architecture::Window(WindowArchitecture::Transformer(c)) => AnyModel::Transformer(
                Box::new(TransformerModel::load_safetensors(path, c.clone(), device)?),
            ),
        })
    }

    /// Loads burnpack weights saved by the matching model's `save_burnpack`.
    ///
    /// # Errors
    /// As the model's `load_burnpack`.
    pub fn load_burnpack(&self, path: impl AsRef<Path>, device: &Device) -> Result<AnyModel> {
        Ok(match self {
            Architecture::Mlp(c) => AnyModel::Mlp(Mlp::load_burnpack(path, c.clone(), device)?),
            Architecture::Window(WindowArchitecture::Gru(c)) => {
                AnyModel::Gru(Box::new(GruModel::load_burnpack(path, c.clone(), device)?))
            }
            Architecture::Window(WindowArchitecture::Transformer(c)) => AnyModel::Transformer(
                Box::new(TransformerModel::load_burnpack(path, c.clone(), device)?),
            ),
        })
    }

    /// Loads burnpack weights from memory (the registry's verified bytes;
    /// `source` names them in errors): nothing is read from a file, then or
    /// later.
    ///
    /// # Errors
    /// [`InferenceError::Weights`](crate::InferenceError::Weights) when the
    /// bytes are malformed or do not fit the architecture.
    pub(crate) fn load_burnpack_bytes(
        &self,
        bytes: Vec<u8>,
        device: &Device,
        source: &Path,
    ) -> Result<AnyModel> {
        Ok(match self {
            Architecture::Mlp(c) => {
                AnyModel::Mlp(Mlp::load_burnpack_bytes(bytes, c.clone(), device, source)?)
            }
            Architecture::Window(WindowArchitecture::Gru(c)) => AnyModel::Gru(Box::new(
                GruModel::load_burnpack_bytes(bytes, c.clone(), device, source)?,
            )),
            Architecture::Window(WindowArchitecture::Transformer(c)) => {
                AnyModel::Transformer(Box::new(TransformerModel::load_burnpack_bytes(
                    bytes,
                    c.clone(),
                    device,
                    source,
                )?))
            }
        })
    }
}

/// A weights file format [`load_weights`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsFormat {
    /// burn's burnpack (`save_burnpack`): any architecture.
    Burnpack,
    /// PyTorch weights in safetensors, with torch's key names (see
    /// [`Architecture::load_safetensors`]).
    Safetensors,
}

/// Loads a model from a weights file and its architecture as JSON
/// ([`Architecture::from_json`]: an MLP config, or a window model's config
/// with its `"kind"`), parsed and validated before the file is read. The
/// one loader behind the Python (`Model.load_burnpack` /
/// `load_safetensors`) and C (`tw_predictor_load_burnpack` /
/// `_swap_burnpack`) doors.
///
/// ```
/// use tradewarden_inference::any::{AnyModel, WeightsFormat, load_weights};
/// use tradewarden_inference::model::{cpu_device, Mlp, MlpConfig};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("m.bpk");
/// Mlp::new(MlpConfig::new(3, vec![4], 2), &cpu_device()).unwrap().save_burnpack(&path).unwrap();
/// let arch = r#"{"input": 3, "hidden": [4], "output": 2}"#;
/// let m = load_weights(WeightsFormat::Burnpack, &path, arch, &cpu_device()).unwrap();
/// assert_eq!((m.n_features(), m.n_outputs()), (3, 2));
/// // A bad architecture is refused before the file is opened.
/// let bad = load_weights(WeightsFormat::Burnpack, "/nonexistent", r#"{"input": 0, "output": 2}"#, &cpu_device());
/// assert!(bad.unwrap_err().to_string().contains("input"));
/// ```
///
/// # Errors
/// As [`Architecture::from_json`] (kind `InvalidConfig`), then as
/// [`Architecture::load_burnpack`] / [`Architecture::load_safetensors`]
/// (a missing file, malformed weights, tensors that do not fit).
pub fn load_weights(
    format: WeightsFormat,
    path: impl AsRef<Path>,
    architecture_json: &str,
    device: &Device,
) -> Result<AnyModel> {
    let arch = Architecture::from_json(architecture_json)?;
    match format {
        WeightsFormat::Burnpack => arch.load_burnpack(path, device),
        WeightsFormat::Safetensors => arch.load_safetensors(path, device),
    }
}

/// Any servable model.
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// A multi-layer perceptron over one row of features.
    Mlp(Mlp),
    /// A GRU over a window of feature rows (boxed: the variants differ in
    /// size).
    Gru(Box<GruModel>),
    /// A Transformer encoder over a window of feature rows.
    Transformer(Box<TransformerModel>),
}

impl From<Mlp> for AnyModel {
    fn from(m: Mlp) -> Self {
        AnyModel::Mlp(m)
    }
}

impl From<GruModel> for AnyModel {
    fn from(m: GruModel) -> Self {
        AnyModel::Gru(Box::new(m))
    }
}

impl From<TransformerModel> for AnyModel {
    fn from(m: TransformerModel) -> Self {
        AnyModel::Transformer(Box::new(m))
    }
}

impl AnyModel {
    /// The architecture.
    pub fn architecture(&self) -> Architecture {
        match self {
            AnyModel::Mlp(m) => Architecture::Mlp(m.config().clone()),
            AnyModel::Gru(m) => Architecture::Window(WindowArchitecture::Gru(m.config().clone())),
            AnyModel::Transformer(m) => {
                Architecture::Window(WindowArchitecture::Transformer(m.config().clone()))
            }
        }
    }

    /// Values per row (see the module docs).
    pub fn n_features(&self) -> usize {
        match self {
            AnyModel::Mlp(m) => m.config().input,
            AnyModel::Gru(m) => m.config().sample_len(),
            AnyModel::Transformer(m) => m.config().sample_len(),
        }
    }

    /// `(window, n_features)` of one sample (see
    /// [`Architecture::window_shape`]).
    pub fn window_shape(&self) -> (usize, usize) {
        match self {
            AnyModel::Mlp(m) => (1, m.config().input),
            AnyModel::Gru(m) => (m.config().window, m.config().input),
            AnyModel::Transformer(m) => (m.config().window, m.config().input),
        }
    }

    /// Outputs per row.
    pub fn n_outputs(&self) -> usize {
        match self {
            AnyModel::Mlp(m) => m.config().output,
            AnyModel::Gru(m) => m.config().output,
            AnyModel::Transformer(m) => m.config().output,
        }
    }

    /// Forward pass over `n_rows` rows of `f32` values, row-major.
    ///
    /// # Errors
    /// As the model's `forward_f32`.
    pub fn forward_f32(&self, input: &[f32], n_rows: usize) -> Result<Vec<f32>> {
        match self {
            AnyModel::Mlp(m) => m.forward_f32(input, n_rows),
            AnyModel::Gru(m) => m.forward_f32(input, n_rows),
            AnyModel::Transformer(m) => m.forward_f32(input, n_rows),
        }
    }

    /// Forward pass over `n_rows` rows of `f64` values, row-major.
    ///
    /// # Errors
    /// As the model's `forward_f64`.
    pub fn forward_f64(&self, input: &[f64], n_rows: usize) -> Result<Vec<f32>> {
        match self {
            AnyModel::Mlp(m) => m.forward_f64(input, n_rows),
            AnyModel::Gru(m) => m.forward_f64(input, n_rows),
            AnyModel::Transformer(m) => m.forward_f64(input, n_rows),
        }
    }

    /// Saves the weights as burnpack.
    ///
    /// # Errors
    /// As the model's `save_burnpack`.
    pub fn save_burnpack(&self, path: impl AsRef<Path>) -> Result<()> {
        match self {
            AnyModel::Mlp(m) => m.save_burnpack(path),
            AnyModel::Gru(m) => m.save_burnpack(path),
            AnyModel::Transformer(m) => m.save_burnpack(path),
        }
    }

    /// The MLP inside, if this is one.
    pub fn as_mlp(&self) -> Option<&Mlp> {
        match self {
            AnyModel::Mlp(m) => Some(m),
            _ => None,
        }
    }

    /// The MLP inside, if this is one (consumes the model).
    pub fn into_mlp(self) -> Option<Mlp> {
        match self {
            AnyModel::Mlp(m) => Some(m),
            _ => None,
        }
    }
}

/// A model the [`Registry`](crate::registry::Registry) can store: its
/// architecture and its weights as burnpack.
pub trait Servable {
    /// The architecture recorded in the manifest.
    fn architecture(&self) -> Architecture;
    /// Writes the weights as burnpack to `path`.
    ///
    /// # Errors
    /// As the model's `save_burnpack`.
    fn save_weights(&self, path: &Path) -> Result<()>;
}

impl Servable for Mlp {
    fn architecture(&self) -> Architecture {
        Architecture::Mlp(self.config().clone())
    }
    fn save_weights(&self, path: &Path) -> Result<()> {
        self.save_burnpack(path)
    }
}

impl Servable for GruModel {
    fn architecture(&self) -> Architecture {
        Architecture::Window(WindowArchitecture::Gru(self.config().clone()))
    }
    fn save_weights(&self, path: &Path) -> Result<()> {
        self.save_burnpack(path)
    }
}

impl Servable for TransformerModel {
    fn architecture(&self) -> Architecture {
        Architecture::Window(WindowArchitecture::Transformer(self.config().clone()))
    }
    fn save_weights(&self, path: &Path) -> Result<()> {
        self.save_burnpack(path)
    }
}

impl Servable for AnyModel {
    fn architecture(&self) -> Architecture {
        AnyModel::architecture(self)
    }
    fn save_weights(&self, path: &Path) -> Result<()> {
        self.save_burnpack(path)
    }
}
