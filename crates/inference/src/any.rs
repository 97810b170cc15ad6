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
use serde::{Deserialize, Serialize};

use tradewarden_core::config::{ConfigFormat, parse_config};

use crate::error::{InferenceError, Result};
use crate::model::{Mlp, MlpConfig};
use crate::sequence::{GruModel, GruModelConfig, TransformerModel, TransformerModelConfig};

/// A window model's architecture, tagged by `"kind"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WindowArchitecture {
    /// A GRU over feature windows.
    Gru(GruModelConfig),
    /// A Transformer encoder over feature windows.
    Transformer(TransformerModelConfig),
}

/// The architecture of any servable model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Architecture {
    /// The MLP (stored untagged, as manifests always held it).
    Mlp(MlpConfig),
    /// A window model (stored with its `"kind"`).
    Window(WindowArchitecture),
}

impl Architecture {
    /// Parses an architecture from JSON — an MLP config, or a window model's
    /// config with its `"kind"` (`"gru"`, `"transformer"`) — and validates
    /// it. Unlike serde's untagged parse, a bad document gets the error of the
    /// architecture it names (unknown field, missing field, bad kind).
    ///
    /// ```
    /// use tradewarden_inference::any::Architecture;
    /// let a = Architecture::from_json(
    ///     r#"{"kind": "transformer", "input": 3, "window": 8, "d_model": 8, "n_heads": 2,
    ///         "n_layers": 1, "d_ff": 16, "output": 2}"#,
    /// ).unwrap();
    /// assert_eq!((a.kind(), a.window_shape()), ("transformer", (8, 3)));
    /// let err = Architecture::from_json(r#"{"kind": "gru", "input": 3, "window": 8, "output": 1}"#);
    /// assert!(err.unwrap_err().to_string().contains("hidden"));
    /// ```
    ///
    /// # Errors
    /// [`InferenceError::Core`] (kind `InvalidConfig`) for text that is not
    /// such a document or a config that does not validate.
    pub fn from_json(text: &str) -> Result<Architecture> {
        let value: serde_json::Value = parse_config(text, ConfigFormat::Json)?;
        let arch = if value.get("kind").is_some() {
            Architecture::Window(parse_config(text, ConfigFormat::Json)?)
        } else {
            Architecture::Mlp(parse_config(text, ConfigFormat::Json)?)
        };
        arch.validate()?;
        Ok(arch)
    }

    /// Checks the config's rules (the model's `validate`).
    ///
    /// # Errors
    /// [`InferenceError::Core`] (kind `InvalidConfig`) listing each bad field.
    pub fn validate(&self) -> Result<()> {
        match self {
            Architecture::Mlp(c) => c.validate(),
            Architecture::Window(WindowArchitecture::Gru(c)) => c.validate(),
            Architecture::Window(WindowArchitecture::Transformer(c)) => c.validate(),
        }
    }

    /// `(window, n_features)`: the time steps and the features per step of
    /// one sample. An MLP reads one step (`(1, input)`), a window model
    /// `(window, input)`; a row of [`Architecture::n_features`] values is
    /// `window × n_features` of them, time-major.
    pub fn window_shape(&self) -> (usize, usize) {
        match self {
            Architecture::Mlp(c) => (1, c.input),
            Architecture::Window(WindowArchitecture::Gru(c)) => (c.window, c.input),
            Architecture::Window(WindowArchitecture::Transformer(c)) => (c.window, c.input),
        }
    }

    /// Loads PyTorch weights from a safetensors file: the MLP's layout (see
    /// [`Mlp::load_safetensors`]). Window models load from burnpack only.
    ///
    /// # Errors
    /// As [`Mlp::load_safetensors`]; [`InferenceError::InvalidInput`]
    /// (`param` = `"architecture"`) for a window model.
    pub fn load_safetensors(&self, path: impl AsRef<Path>, device: &Device) -> Result<AnyModel> {
        match self {
            Architecture::Mlp(c) => Ok(AnyModel::Mlp(Mlp::load_safetensors(
                path,
                c.clone(),
                device,
            )?)),
            Architecture::Window(_) => Err(InferenceError::InvalidInput {
                param: "architecture",
                value: self.kind().to_string(),
                reason: "safetensors import maps the MLP's keys only; load a GRU or Transformer \
                         from burnpack (save_burnpack)"
                    .into(),
            }),
        }
    }

    /// Values per row a caller passes (`input` for the MLP, `window × input`
    /// for window models).
    pub fn n_features(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.input,
            Architecture::Window(WindowArchitecture::Gru(c)) => c.sample_len(),
            Architecture::Window(WindowArchitecture::Transformer(c)) => c.sample_len(),
        }
    }

    /// Outputs per row.
    pub fn n_outputs(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.output,
            Architecture::Window(WindowArchitecture::Gru(c)) => c.output,
            Architecture::Window(WindowArchitecture::Transformer(c)) => c.output,
        }
    }

    /// `"mlp"`, `"gru"` or `"transformer"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Architecture::Mlp(_) => "mlp",
            Architecture::Window(WindowArchitecture::Gru(_)) => "gru",
            Architecture::Window(WindowArchitecture::Transformer(_)) => "transformer",
        }
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
