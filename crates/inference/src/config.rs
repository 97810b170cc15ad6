//! Model architectures as configuration: the MLP's, the GRU's and the
//! Transformer's serde configs and [`Architecture`], the document a registry
//! manifest stores, with their validation (widths, windows, layer counts,
//! heads dividing the width, classes needing two outputs).
//!
//! Burn-free: with the crate's default feature `models` off, this module and
//! the [`registry`](crate::registry)'s manifest parsing, checksum and
//! signature verification still build, so the manifest fuzz target
//! (`fuzz/fuzz_targets/registry_manifest.rs`) exercises everything a load
//! checks before the weights are decoded without compiling burn. The model
//! modules re-export these types where they always were
//! (`model::MlpConfig`, `sequence::GruModelConfig`, `any::Architecture`, …).

use serde::{Deserialize, Serialize};
use tradewarden_core::config::{ConfigFormat, Validator, parse_config};

use crate::error::Result;

/// Hidden-layer activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `max(0, x)`.
    #[default]
    Relu,
    /// `tanh(x)`.
    Tanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// Exact (erf) GELU, as `torch.nn.GELU()`.
    Gelu,
    /// `x · sigmoid(x)` (SiLU / swish).
    Silu,
}

/// What the last layer's outputs mean, and the post-processing applied to each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// Point forecasts: the raw outputs.
    #[default]
    Point,
    /// Quantile bands: each row is sorted ascending, so bands never cross
    /// (output `j` is the `j`-th quantile level in ascending order).
    Quantiles,
    /// Class probabilities: softmax over each row (sums to 1).
    Classes,
}

/// Architecture of an `Mlp`: `input → hidden[0] → … → output`, the
/// activation after every hidden layer, none after the last.
///
/// ```
/// use tradewarden_inference::model::{Activation, MlpConfig, OutputKind};
/// let c: MlpConfig = serde_json::from_str(
///     r#"{"input": 64, "hidden": [128, 128], "output": 3, "activation": "relu", "output_kind": "classes"}"#,
/// ).unwrap();
/// assert_eq!(c.activation, Activation::Relu);
/// assert_eq!(c.output_kind, OutputKind::Classes);
/// c.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpConfig {
    /// Number of input features (≥ 1).
    pub input: usize,
    /// Sizes of the hidden layers (each ≥ 1; may be empty: a linear model).
    #[serde(default)]
    pub hidden: Vec<usize>,
    /// Number of outputs (≥ 1; ≥ 2 for `classes`).
    pub output: usize,
    /// Hidden activation (default `relu`).
    #[serde(default)]
    pub activation: Activation,
    /// Output semantics (default `point`).
    #[serde(default)]
    pub output_kind: OutputKind,
}

/// Layers larger than this are refused (a typo guard: 2^20 units).
const MAX_WIDTH: usize = 1 << 20;

impl MlpConfig {
    /// A config with the default activation (relu) and output kind (point).
    pub fn new(input: usize, hidden: Vec<usize>, output: usize) -> Self {
        MlpConfig {
            input,
            hidden,
            output,
            activation: Activation::default(),
            output_kind: OutputKind::default(),
        }
    }

    /// Sets the activation.
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Sets the output kind.
    pub fn with_output_kind(mut self, kind: OutputKind) -> Self {
        self.output_kind = kind;
        self
    }

    /// Checks every rule and reports all violations at once.
    ///
    /// # Errors
    /// [`InferenceError::Core`](crate::InferenceError::Core) (kind `InvalidConfig`) listing each bad field.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        let ok = |n: usize| (1..=MAX_WIDTH).contains(&n);
        v.check(
            ok(self.input),
            "input",
            self.input,
            format!("must be in [1, {MAX_WIDTH}]"),
        );
        for (i, h) in self.hidden.iter().enumerate() {
            v.check(
                ok(*h),
                format!("hidden[{i}]"),
                h,
                format!("must be in [1, {MAX_WIDTH}]"),
            );
        }
        v.check(
            ok(self.output),
            "output",
            self.output,
            format!("must be in [1, {MAX_WIDTH}]"),
        );
        v.check(
            self.output_kind != OutputKind::Classes || self.output >= 2,
            "output",
            self.output,
            "output_kind = classes needs at least 2 outputs",
        );
        v.finish()?;
        Ok(())
    }

    /// `(in, out)` of every linear layer, in order.
    pub fn layer_shapes(&self) -> Vec<(usize, usize)> {
        let mut sizes = Vec::with_capacity(self.hidden.len() + 2);
        sizes.push(self.input);
        sizes.extend_from_slice(&self.hidden);
        sizes.push(self.output);
        sizes.windows(2).map(|w| (w[0], w[1])).collect()
    }

    /// Number of trainable parameters (weights and biases).
    pub fn num_params(&self) -> usize {
        self.layer_shapes().iter().map(|(i, o)| i * o + o).sum()
    }
}

/// Widths, windows, layer counts above this are refused (a typo guard).
const MAX_DIM: usize = 1 << 16;

fn check_dim(v: &mut Validator, name: &str, value: usize) {
    v.check(
        (1..=MAX_DIM).contains(&value),
        name.to_string(),
        value,
        format!("must be in [1, {MAX_DIM}]"),
    );
}

fn check_output(v: &mut Validator, output: usize, kind: OutputKind) {
    check_dim(v, "output", output);
    v.check(
        kind != OutputKind::Classes || output >= 2,
        "output",
        output,
        "output_kind = classes needs at least 2 outputs",
    );
}

// ---------------------------------------------------------------- GRU --

/// Architecture of a `GruModel`: `layers` stacked GRUs over the window, a
/// linear head on the last step's hidden state.
///
/// ```
/// use tradewarden_inference::sequence::GruModelConfig;
/// let c: GruModelConfig = serde_json::from_str(
///     r#"{"input": 8, "window": 32, "hidden": 16, "layers": 2, "output": 5, "output_kind": "quantiles"}"#,
/// ).unwrap();
/// c.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GruModelConfig {
    /// Features per time step.
    pub input: usize,
    /// Time steps per sample.
    pub window: usize,
    /// Hidden state width of every GRU layer.
    pub hidden: usize,
    /// Number of stacked GRU layers (default 1).
    #[serde(default = "one")]
    pub layers: usize,
    /// Outputs per sample.
    pub output: usize,
    /// Output semantics (default `point`).
    #[serde(default)]
    pub output_kind: OutputKind,
}

fn one() -> usize {
    1
}

impl GruModelConfig {
    /// One GRU layer, output kind `point`.
    pub fn new(input: usize, window: usize, hidden: usize, output: usize) -> Self {
        GruModelConfig {
            input,
            window,
            hidden,
            layers: 1,
            output,
            output_kind: OutputKind::Point,
        }
    }

    /// Sets the number of stacked GRU layers.
    pub fn with_layers(mut self, layers: usize) -> Self {
        self.layers = layers;
        self
    }

    /// Sets the output kind.
    pub fn with_output_kind(mut self, kind: OutputKind) -> Self {
        self.output_kind = kind;
        self
    }

    /// Values per sample: `window × input`.
    pub fn sample_len(&self) -> usize {
        self.window.saturating_mul(self.input)
    }

    /// Checks every rule and reports all violations at once.
    ///
    /// # Errors
    /// [`InferenceError::Core`](crate::InferenceError::Core) (kind `InvalidConfig`) listing each bad field.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        check_dim(&mut v, "input", self.input);
        check_dim(&mut v, "window", self.window);
        check_dim(&mut v, "hidden", self.hidden);
        v.check(
            (1..=64).contains(&self.layers),
            "layers",
            self.layers,
            "must be in [1, 64]",
        );
        check_output(&mut v, self.output, self.output_kind);
        v.finish()?;
        Ok(())
    }
}

// -------------------------------------------------------- Transformer --

/// How a `TransformerModel` reduces the encoded window to one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Mean over the time steps.
    #[default]
    Mean,
    /// The last time step.
    Last,
}

/// Architecture of a `TransformerModel`: a linear projection of each step
/// to `d_model`, a learned positional embedding, `n_layers` pre-norm
/// Transformer encoder layers (`n_heads` heads, feed-forward width `d_ff`,
/// GELU, no dropout at inference), pooling over time, a linear head.
///
/// ```
/// use tradewarden_inference::sequence::TransformerModelConfig;
/// let c: TransformerModelConfig = serde_json::from_str(
///     r#"{"input": 8, "window": 32, "d_model": 32, "n_heads": 4, "n_layers": 2, "d_ff": 64, "output": 3, "output_kind": "classes"}"#,
/// ).unwrap();
/// c.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerModelConfig {
    /// Features per time step.
    pub input: usize,
    /// Time steps per sample.
    pub window: usize,
    /// Model width (a multiple of `n_heads`).
    pub d_model: usize,
    /// Attention heads.
    pub n_heads: usize,
    /// Encoder layers.
    pub n_layers: usize,
    /// Feed-forward width.
    pub d_ff: usize,
    /// Outputs per sample.
    pub output: usize,
    /// Output semantics (default `point`).
    #[serde(default)]
    pub output_kind: OutputKind,
    /// Pooling over time (default `mean`).
    #[serde(default)]
    pub pooling: Pooling,
}

impl TransformerModelConfig {
    /// A config with output kind `point` and mean pooling.
    pub fn new(
        input: usize,
        window: usize,
        d_model: usize,
        n_heads: usize,
        n_layers: usize,
        d_ff: usize,
        output: usize,
    ) -> Self {
        TransformerModelConfig {
            input,
            window,
            d_model,
            n_heads,
            n_layers,
            d_ff,
            output,
            output_kind: OutputKind::Point,
            pooling: Pooling::Mean,
        }
    }

    /// Sets the output kind.
    pub fn with_output_kind(mut self, kind: OutputKind) -> Self {
        self.output_kind = kind;
        self
    }

    /// Sets the pooling.
    pub fn with_pooling(mut self, pooling: Pooling) -> Self {
        self.pooling = pooling;
        self
    }

    /// Values per sample: `window × input`.
    pub fn sample_len(&self) -> usize {
        self.window.saturating_mul(self.input)
    }

    /// Checks every rule and reports all violations at once.
    ///
    /// # Errors
    /// [`InferenceError::Core`](crate::InferenceError::Core) (kind `InvalidConfig`) listing each bad field.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        check_dim(&mut v, "input", self.input);
        check_dim(&mut v, "window", self.window);
        check_dim(&mut v, "d_model", self.d_model);
        check_dim(&mut v, "n_heads", self.n_heads);
        check_dim(&mut v, "d_ff", self.d_ff);
        v.check(
            (1..=64).contains(&self.n_layers),
            "n_layers",
            self.n_layers,
            "must be in [1, 64]",
        );
        v.check(
            self.n_heads == 0 || self.d_model.is_multiple_of(self.n_heads),
            "d_model",
            self.d_model,
            format!("must be a multiple of n_heads = {}", self.n_heads),
        );
        check_output(&mut v, self.output, self.output_kind);
        v.finish()?;
        Ok(())
    }
}

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
    /// [`InferenceError::Core`](crate::InferenceError::Core) (kind `InvalidConfig`) for text that is not
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
    /// [`InferenceError::Core`](crate::InferenceError::Core) (kind `InvalidConfig`) listing each bad field.
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
}
