//! Models over feature windows: a GRU ([`GruModel`]) and a small Transformer
//! encoder ([`TransformerModel`]), each with a serde config, the same output
//! kinds as the MLP (point, quantiles, classes) and burnpack save/load.
//!
//! **Input layout.** One sample ("row") is a window of `window` time steps of
//! `input` features, oldest step first; a batch is `n_rows × window × input`
//! values, row-major: row `r`, step `t`, feature `c` at
//! `(r × window + t) × input + c`.
//!
//! ```
//! use tradewarden_inference::device::cpu_device;
//! use tradewarden_inference::sequence::{GruModel, GruModelConfig};
//! let cfg = GruModelConfig::new(4, 16, 8, 3); // 4 features, 16 steps, 8 hidden, 3 outputs
//! let model = GruModel::new(cfg, &cpu_device()).unwrap();
//! let x = vec![0.1f32; 2 * 16 * 4];
//! let y = model.forward_f32(&x, 2).unwrap();
//! assert_eq!(y.len(), 2 * 3);
//! ```

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::GateController;
use burn::nn::gru::{Gru, GruConfig};
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Linear, LinearConfig};
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use serde::Serialize;

use crate::error::{InferenceError, Result};
use crate::model::{OutputKind, postprocess};
use crate::torch::{self, StateDict, block};

pub use crate::config::{GruModelConfig, Pooling, TransformerModelConfig};

#[derive(Module, Debug)]
struct GruNet {
    grus: Vec<Gru>,
    head: Linear,
}

/// A GRU over feature windows with a linear head (see the module docs for
/// the input layout).
#[derive(Debug, Clone)]
pub struct GruModel {
    net: GruNet,
    config: GruModelConfig,
    device: Device,
}

impl GruModel {
    /// A randomly initialised model (burn's default initialisers).
    ///
    /// # Errors
    /// [`InferenceError::Core`] when the config is invalid.
    pub fn new(config: GruModelConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        let grus = (0..config.layers)
            .map(|l| {
                let d_in = if l == 0 { config.input } else { config.hidden };
                // reset_after (burn's default, spelled out): torch's GRU form,
                // which `load_safetensors` relies on.
                GruConfig::new(d_in, config.hidden, true)
                    .with_reset_after(true)
                    .init(device)
            })
            .collect();
        let head = LinearConfig::new(config.hidden, config.output).init(device);
        Ok(GruModel {
            net: GruNet { grus, head },
            config,
            device: device.clone(),
        })
    }

    /// The architecture.
    pub fn config(&self) -> &GruModelConfig {
        &self.config
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// A copy of this model with its weights on `device`.
    pub fn to_device(&self, device: &Device) -> GruModel {
        GruModel {
            net: self.net.clone().to_device(device),
            config: self.config.clone(),
            device: device.clone(),
        }
    }

    /// Forward pass over `n_rows` windows (layout in the module docs);
    /// returns `n_rows × output` values after the output kind's
    /// post-processing. NaN is not checked here.
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] when `n_rows == 0`;
    /// [`InferenceError::ShapeMismatch`] when `input.len() != n_rows × window × input`;
    /// [`InferenceError::Backend`] when the backend fails.
    pub fn forward_f32(&self, input: &[f32], n_rows: usize) -> Result<Vec<f32>> {
        let c = &self.config;
        let x = window_tensor(input.to_vec(), n_rows, c.window, c.input, &self.device)?;
        let mut h = x;
        for gru in &self.net.grus {
            h = gru.forward(h, None);
        }
        let last = h.narrow(1, c.window - 1, 1).reshape([n_rows, c.hidden]);
        let y = self.net.head.forward(last);
        read_out(y, c.output_kind, c.output)
    }

    /// As [`GruModel::forward_f32`] over `f64` values (converted to `f32`).
    ///
    /// # Errors
    /// As [`GruModel::forward_f32`].
    pub fn forward_f64(&self, input: &[f64], n_rows: usize) -> Result<Vec<f32>> {
        let v: Vec<f32> = input.iter().map(|x| *x as f32).collect();
        self.forward_f32(&v, n_rows)
    }

    /// Saves the weights as burnpack (config as metadata
    /// `tradewarden.gru_config`).
    ///
    /// # Errors
    /// [`InferenceError::Weights`] when burn cannot write the file.
    pub fn save_burnpack(&self, path: impl AsRef<Path>) -> Result<()> {
        save_module(
            &self.net,
            path.as_ref(),
            "tradewarden.gru_config",
            &self.config,
        )
    }

    /// Loads weights saved by [`GruModel::save_burnpack`] for `config`.
    ///
    /// # Errors
    /// [`InferenceError::NotFound`] when the file is missing;
    /// [`InferenceError::Weights`] (kind `Corrupt`) when it is malformed or
    /// does not fit `config`.
    pub fn load_burnpack(
        path: impl AsRef<Path>,
        config: GruModelConfig,
        device: &Device,
    ) -> Result<Self> {
        let path = path.as_ref();
        // Read once; the model is built from those bytes (see `Mlp::load_burnpack`).
        let bytes = crate::model::read_weights(path)?;
        GruModel::load_burnpack_bytes(bytes, config, device, path)
    }

    /// Loads a PyTorch state dict from safetensors, with torch's own key
    /// names, of the module
    ///
    /// ```text
    /// gru  = nn.GRU(input, hidden, num_layers=layers, batch_first=True)
    /// head = nn.Linear(hidden, output)   # on the last step's output
    /// ```
    ///
    /// keys `gru.weight_ih_l{k}` (`[3·hidden, in]`), `gru.weight_hh_l{k}`
    /// (`[3·hidden, hidden]`), `gru.bias_ih_l{k}`, `gru.bias_hh_l{k}`
    /// (`[3·hidden]`), `head.weight` (`[output, hidden]`), `head.bias`.
    /// torch stacks the gates in the order reset, update, new: each block
    /// of rows becomes burn's `reset_gate`, `update_gate`, `new_gate` (input
    /// and hidden transforms, weights transposed), and burn's GRU with
    /// `reset_after` computes torch's `n = tanh(W_in x + b_in + r ⊙ (W_hn h
    /// + b_hn))`. Dtypes as [`crate::model::Mlp::load_safetensors`] (F16,
    /// BF16, F64 converted to `f32`).
    ///
    /// ```
    /// use tradewarden_inference::device::cpu_device;
    /// use tradewarden_inference::sequence::{GruModel, GruModelConfig};
    /// // written by torch (tests/fixtures/torch/make_fixtures.py)
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/torch/gru.safetensors");
    /// let cfg = GruModelConfig::new(3, 5, 6, 2).with_layers(2);
    /// let model = GruModel::load_safetensors(path, cfg, &cpu_device()).unwrap();
    /// assert_eq!(model.forward_f32(&[0.5; 5 * 3], 1).unwrap().len(), 2);
    /// // another architecture names the torch tensor that does not fit
    /// let err = GruModel::load_safetensors(path, GruModelConfig::new(3, 5, 7, 2), &cpu_device());
    /// assert!(err.unwrap_err().to_string().contains("gru.weight_ih_l0"));
    /// ```
    ///
    /// # Errors
    /// [`InferenceError::NotFound`] when the file is missing;
    /// [`InferenceError::InvalidInput`] (`param` = `"weights.dtype"`) for a
    /// non-float tensor; [`InferenceError::Weights`] (kind `Corrupt`) naming
    /// the key of a missing, wrongly shaped or unexpected tensor, or when
    /// the file is malformed; [`InferenceError::Core`] for an invalid config.
    pub fn load_safetensors(
        path: impl AsRef<Path>,
        config: GruModelConfig,
        device: &Device,
    ) -> Result<Self> {
        let path = path.as_ref();
        let mut model = GruModel::new(config, device)?;
        let bytes = crate::model::read_weights(path)?;
        let mut sd = StateDict::parse(
            path,
            bytes,
            "nn.GRU as `gru` (batch_first) + nn.Linear as `head`",
        )?;
        let c = model.config.clone();
        let h = c.hidden;
        for (l, gru) in model.net.grus.iter_mut().enumerate() {
            let d_in = if l == 0 { c.input } else { h };
            let w_ih = sd.take(&format!("gru.weight_ih_l{l}"), &[3 * h, d_in])?;
            let w_hh = sd.take(&format!("gru.weight_hh_l{l}"), &[3 * h, h])?;
            let b_ih = sd.take(&format!("gru.bias_ih_l{l}"), &[3 * h])?;
            let b_hh = sd.take(&format!("gru.bias_hh_l{l}"), &[3 * h])?;
            // torch's row blocks: 0 = reset, 1 = update, 2 = new.
            let gate = |k: usize| GateController {
                input_transform: torch::linear(
                    block(&w_ih, 3, k),
                    block(&b_ih, 3, k),
                    d_in,
                    h,
                    device,
                ),
                hidden_transform: torch::linear(
                    block(&w_hh, 3, k),
                    block(&b_hh, 3, k),
                    h,
                    h,
                    device,
                ),
            };
            gru.reset_gate = gate(0);
            gru.update_gate = gate(1);
            gru.new_gate = gate(2);
        }
        model.net.head = sd.linear("head.", h, c.output, device)?;
        sd.finish()?;
        Ok(model)
    }

    /// Loads burnpack weights from memory (see `Mlp::load_burnpack_bytes`).
    pub(crate) fn load_burnpack_bytes(
        bytes: Vec<u8>,
        config: GruModelConfig,
        device: &Device,
        source: &Path,
    ) -> Result<Self> {
        let mut model = GruModel::new(config, device)?;
        load_module_bytes(&mut model.net, bytes, source)?;
        Ok(model)
    }
}

#[derive(Module, Debug)]
struct TransformerNet {
    proj: Linear,
    pos: Param<Tensor<2>>,
    encoder: TransformerEncoder,
    head: Linear,
}

/// A small Transformer encoder over feature windows (see the module docs for
/// the input layout).
///
/// ```
/// use tradewarden_inference::device::cpu_device;
/// use tradewarden_inference::sequence::{TransformerModel, TransformerModelConfig};
/// let cfg = TransformerModelConfig::new(4, 8, 16, 2, 1, 32, 2);
/// let model = TransformerModel::new(cfg, &cpu_device()).unwrap();
/// assert_eq!(model.forward_f32(&vec![0.5; 8 * 4], 1).unwrap().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct TransformerModel {
    net: TransformerNet,
    config: TransformerModelConfig,
    device: Device,
}

impl TransformerModel {
    /// A randomly initialised model (burn's default initialisers; positional
    /// embedding ~ N(0, 0.02²)).
    ///
    /// # Errors
    /// [`InferenceError::Core`] when the config is invalid.
    pub fn new(config: TransformerModelConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        let proj = LinearConfig::new(config.input, config.d_model).init(device);
        let pos = Param::from_tensor(Tensor::<2>::random(
            [config.window, config.d_model],
            Distribution::Normal(0.0, 0.02),
            device,
        ));
        let encoder = TransformerEncoderConfig::new(
            config.d_model,
            config.d_ff,
            config.n_heads,
            config.n_layers,
        )
        .with_dropout(0.0)
        .with_norm_first(true)
        .init(device);
        let head = LinearConfig::new(config.d_model, config.output).init(device);
        Ok(TransformerModel {
            net: TransformerNet {
                proj,
                pos,
                encoder,
                head,
            },
            config,
            device: device.clone(),
        })
    }

    /// The architecture.
    pub fn config(&self) -> &TransformerModelConfig {
        &self.config
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// A copy of this model with its weights on `device`.
    pub fn to_device(&self, device: &Device) -> TransformerModel {
        TransformerModel {
            net: self.net.clone().to_device(device),
            config: self.config.clone(),
            device: device.clone(),
        }
    }

    /// Forward pass over `n_rows` windows (layout in the module docs);
    /// returns `n_rows × output` values after the output kind's
    /// post-processing. NaN is not checked here.
    ///
    /// # Errors
    /// As [`GruModel::forward_f32`].
    pub fn forward_f32(&self, input: &[f32], n_rows: usize) -> Result<Vec<f32>> {
        let c = &self.config;
        let x = window_tensor(input.to_vec(), n_rows, c.window, c.input, &self.device)?;
        let h = self.net.proj.forward(x) + self.net.pos.val().unsqueeze::<3>();
        let h = self.net.encoder.forward(TransformerEncoderInput::new(h));
        let pooled = match c.pooling {
            Pooling::Mean => h.mean_dim(1),
            Pooling::Last => h.narrow(1, c.window - 1, 1),
        }
        .reshape([n_rows, c.d_model]);
        let y = self.net.head.forward(pooled);
        read_out(y, c.output_kind, c.output)
    }

    /// As [`TransformerModel::forward_f32`] over `f64` values.
    ///
    /// # Errors
    /// As [`GruModel::forward_f32`].
    pub fn forward_f64(&self, input: &[f64], n_rows: usize) -> Result<Vec<f32>> {
        let v: Vec<f32> = input.iter().map(|x| *x as f32).collect();
        self.forward_f32(&v, n_rows)
    }

    /// Saves the weights as burnpack (config as metadata
    /// `tradewarden.transformer_config`).
    ///
    /// # Errors
    /// [`InferenceError::Weights`] when burn cannot write the file.
    pub fn save_burnpack(&self, path: impl AsRef<Path>) -> Result<()> {
        save_module(
            &self.net,
            path.as_ref(),
            "tradewarden.transformer_config",
            &self.config,
        )
    }

    /// Loads weights saved by [`TransformerModel::save_burnpack`].
    ///
    /// # Errors
    /// As [`GruModel::load_burnpack`].
    pub fn load_burnpack(
        path: impl AsRef<Path>,
        config: TransformerModelConfig,
        device: &Device,
    ) -> Result<Self> {
        let path = path.as_ref();
        // Read once; the model is built from those bytes (see `Mlp::load_burnpack`).
        let bytes = crate::model::read_weights(path)?;
        TransformerModel::load_burnpack_bytes(bytes, config, device, path)
    }

    /// Loads a PyTorch state dict from safetensors, with torch's own key
    /// names, of the module
    ///
    /// ```text
    /// proj    = nn.Linear(input, d_model)
    /// pos     = nn.Parameter(torch.zeros(window, d_model))   # added to every window
    /// encoder = nn.TransformerEncoder(
    ///     nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0.0,
    ///         activation="gelu", batch_first=True, norm_first=True),
    ///     n_layers)                                           # no final norm
    /// head    = nn.Linear(d_model, output)   # on the mean over the window, or the last step
    /// ```
    ///
    /// Per layer `i` (prefix `encoder.layers.{i}.`): `self_attn.in_proj_weight`
    /// `[3·d_model, d_model]` and `in_proj_bias` are split in the rows of
    /// query, key and value; `self_attn.out_proj.*` is the attention output;
    /// `linear1.*` / `linear2.*` the feed-forward layers; `norm1.*` (before
    /// the attention) and `norm2.*` (before the feed-forward). Layer norms
    /// use ε = 1e-5 as torch's default. Dtypes as
    /// [`crate::model::Mlp::load_safetensors`].
    ///
    /// ```
    /// use tradewarden_inference::device::cpu_device;
    /// use tradewarden_inference::sequence::{TransformerModel, TransformerModelConfig};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/torch/transformer.safetensors");
    /// // input 3, window 6, d_model 8, 2 heads, 2 layers, d_ff 16, 2 outputs
    /// let cfg = TransformerModelConfig::new(3, 6, 8, 2, 2, 16, 2);
    /// let model = TransformerModel::load_safetensors(path, cfg, &cpu_device()).unwrap();
    /// assert_eq!(model.forward_f32(&[0.5; 6 * 3], 1).unwrap().len(), 2);
    /// ```
    ///
    /// # Errors
    /// As [`GruModel::load_safetensors`].
    pub fn load_safetensors(
        path: impl AsRef<Path>,
        config: TransformerModelConfig,
        device: &Device,
    ) -> Result<Self> {
        let path = path.as_ref();
        let mut model = TransformerModel::new(config, device)?;
        let bytes = crate::model::read_weights(path)?;
        let mut sd = StateDict::parse(
            path,
            bytes,
            "nn.Linear `proj`, parameter `pos`, nn.TransformerEncoder `encoder` (norm_first, \
             no final norm), nn.Linear `head`",
        )?;
        let c = model.config.clone();
        let (d, f) = (c.d_model, c.d_ff);
        model.net.proj = sd.linear("proj.", c.input, d, device)?;
        let pos = sd.take("pos", &[c.window, d])?;
        model.net.pos = Param::from_tensor(Tensor::<2>::from_data(
            TensorData::new(pos, [c.window, d]),
            device,
        ));
        for (i, layer) in model.net.encoder.layers.iter_mut().enumerate() {
            let p = format!("encoder.layers.{i}.");
            let w = sd.take(&format!("{p}self_attn.in_proj_weight"), &[3 * d, d])?;
            let b = sd.take(&format!("{p}self_attn.in_proj_bias"), &[3 * d])?;
            let qkv = |k: usize| torch::linear(block(&w, 3, k), block(&b, 3, k), d, d, device);
            layer.mha.query = qkv(0);
            layer.mha.key = qkv(1);
            layer.mha.value = qkv(2);
            layer.mha.output = sd.linear(&format!("{p}self_attn.out_proj."), d, d, device)?;
            layer.pwff.linear_inner = sd.linear(&format!("{p}linear1."), d, f, device)?;
            layer.pwff.linear_outer = sd.linear(&format!("{p}linear2."), f, d, device)?;
            // burn's pre-norm layer normalises with `norm_2` before the
            // attention and `norm_1` before the feed-forward: torch's norm1
            // and norm2 in that order.
            sd.layer_norm(&format!("{p}norm1."), d, &mut layer.norm_2, device)?;
            sd.layer_norm(&format!("{p}norm2."), d, &mut layer.norm_1, device)?;
        }
        model.net.head = sd.linear("head.", d, c.output, device)?;
        sd.finish()?;
        Ok(model)
    }

    /// Loads burnpack weights from memory (see `Mlp::load_burnpack_bytes`).
    pub(crate) fn load_burnpack_bytes(
        bytes: Vec<u8>,
        config: TransformerModelConfig,
        device: &Device,
        source: &Path,
    ) -> Result<Self> {
        let mut model = TransformerModel::new(config, device)?;
        load_module_bytes(&mut model.net, bytes, source)?;
        Ok(model)
    }
}

// ------------------------------------------------------------ helpers --

fn window_tensor(
    values: Vec<f32>,
    n_rows: usize,
    window: usize,
    input: usize,
    device: &Device,
) -> Result<Tensor<3>> {
    if n_rows == 0 {
        return Err(InferenceError::InvalidInput {
            param: "n_rows",
            value: "0".into(),
            reason: "at least one row is required".into(),
        });
    }
    let expected = n_rows
        .checked_mul(window)
        .and_then(|v| v.checked_mul(input))
        .ok_or_else(|| InferenceError::InvalidInput {
            param: "n_rows",
            value: n_rows.to_string(),
            reason: "n_rows × window × n_features overflows".into(),
        })?;
    if values.len() != expected {
        return Err(InferenceError::ShapeMismatch {
            param: "features",
            expected,
            actual: values.len(),
            reason: format!("n_rows = {n_rows} × window = {window} × n_features = {input}"),
        });
    }
    Ok(Tensor::<3>::from_data(
        TensorData::new(values, [n_rows, window, input]),
        device,
    ))
}

fn read_out(y: Tensor<2>, kind: OutputKind, width: usize) -> Result<Vec<f32>> {
    let data = y.try_into_data().map_err(|e| InferenceError::Backend {
        reason: format!("{e:?}"),
    })?;
    let mut out = data
        .try_into_vec::<f32>()
        .map_err(|e| InferenceError::Backend {
            reason: format!("{e:?}"),
        })?;
    postprocess(kind, width, &mut out);
    Ok(out)
}

pub(crate) fn save_module<M: Module, C: Serialize>(
    module: &M,
    path: &Path,
    meta_key: &str,
    config: &C,
) -> Result<()> {
    let weights_err = |reason: String| InferenceError::Weights {
        path: path.display().to_string(),
        reason,
    };
    let config = serde_json::to_string(config).map_err(|e| weights_err(e.to_string()))?;
    let mut store = BurnpackStore::from_file(path)
        .auto_extension(false)
        .overwrite(true)
        .metadata(meta_key, config);
    module
        .save_into(&mut store)
        .map_err(|e| weights_err(e.to_string()))
}

/// Loads `module`'s weights from an in-memory burnpack buffer (`source`
/// names it in errors): nothing is read from a file.
pub(crate) fn load_module_bytes<M: Module>(
    module: &mut M,
    bytes: Vec<u8>,
    source: &Path,
) -> Result<()> {
    let owned = burn::tensor::Bytes::from_bytes_vec(bytes);
    let mut store = BurnpackStore::from_bytes(Some(owned));
    let res = module
        .load_from(&mut store)
        .map_err(|e| InferenceError::Weights {
            path: source.display().to_string(),
            reason: e.to_string(),
        })?;
    crate::model::check_apply(source, &res)
}
