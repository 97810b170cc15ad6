//! A PyTorch state dict read from safetensors, for the window models'
//! importers ([`crate::sequence::GruModel::load_safetensors`],
//! [`crate::sequence::TransformerModel::load_safetensors`]): every tensor
//! converted to `f32` (the dtypes of [`crate::model::Mlp::load_safetensors`]),
//! taken by torch's key name with its shape checked, fused tensors split, and
//! PyTorch's `[out, in]` linear weights turned into burn [`Linear`] layers.
//! Every tensor must be taken: one left over is refused by name.

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::Param;
use burn::nn::{LayerNorm, Linear};
use burn::store::{ModuleStore, SafetensorsStore, bridge};
use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::error::{InferenceError, Result};

/// The tensors of one safetensors file, by torch key: shape and `f32`
/// values (row-major).
pub(crate) struct StateDict<'a> {
    path: &'a Path,
    layout: &'static str,
    tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
}

impl<'a> StateDict<'a> {
    /// Parses `bytes` (read from `path`); `layout` names the torch module
    /// the keys are expected from, for error messages.
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] (`param` = `"weights.dtype"`) for a
    /// tensor that is not F32/F16/BF16/F64; [`InferenceError::Weights`] when
    /// the file is malformed.
    pub(crate) fn parse(path: &'a Path, bytes: Vec<u8>, layout: &'static str) -> Result<Self> {
        crate::model::safetensors_keys(path, &bytes)?;
        let err = |e: String| weights_err(path, e);
        let mut store = SafetensorsStore::from_bytes(Some(bytes));
        let all = store.get_all_tensors().map_err(|e| err(e.to_string()))?;
        let mut tensors = BTreeMap::new();
        for (name, t) in all {
            let shape = t.shape.to_vec();
            let values = bridge::to_data(t)
                .map_err(|e| err(format!("tensor {name:?}: {e}")))?
                .try_cast(DType::F32)
                .and_then(|d| d.try_into_vec::<f32>())
                .map_err(|e| err(format!("tensor {name:?}: {e:?}")))?;
            tensors.insert(name.clone(), (shape, values));
        }
        Ok(StateDict {
            path,
            layout,
            tensors,
        })
    }

    /// Removes tensor `key`, which must have exactly `shape`.
    ///
    /// # Errors
    /// [`InferenceError::Weights`] naming the key when it is missing or
    /// shaped otherwise.
    pub(crate) fn take(&mut self, key: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let Some((actual, values)) = self.tensors.remove(key) else {
            return Err(weights_err(
                self.path,
                format!(
                    "missing tensor {key:?} ({}); the file has: {}",
                    self.layout,
                    self.keys()
                ),
            ));
        };
        if actual != shape {
            return Err(weights_err(
                self.path,
                format!(
                    "tensor {key:?} has shape {actual:?}, the config needs {shape:?} ({})",
                    self.layout
                ),
            ));
        }
        Ok(values)
    }

    /// A torch `nn.Linear` (`{prefix}weight` `[out, in]`, `{prefix}bias`
    /// `[out]`) as a burn layer.
    pub(crate) fn linear(
        &mut self,
        prefix: &str,
        d_in: usize,
        d_out: usize,
        device: &Device,
    ) -> Result<Linear> {
        let w = self.take(&format!("{prefix}weight"), &[d_out, d_in])?;
        let b = self.take(&format!("{prefix}bias"), &[d_out])?;
        Ok(linear(w, b, d_in, d_out, device))
    }

    /// A torch `nn.LayerNorm` (`{prefix}weight`, `{prefix}bias`, `[d]`)
    /// written into `norm`.
    pub(crate) fn layer_norm(
        &mut self,
        prefix: &str,
        d: usize,
        norm: &mut LayerNorm,
        device: &Device,
    ) -> Result<()> {
        let gamma = self.take(&format!("{prefix}weight"), &[d])?;
        let beta = self.take(&format!("{prefix}bias"), &[d])?;
        norm.gamma = Param::from_tensor(vector(gamma, device));
        norm.beta = Some(Param::from_tensor(vector(beta, device)));
        Ok(())
    }

    /// Every tensor was taken.
    ///
    /// # Errors
    /// [`InferenceError::Weights`] naming the tensors left over.
    pub(crate) fn finish(self) -> Result<()> {
        if self.tensors.is_empty() {
            return Ok(());
        }
        Err(weights_err(
            self.path,
            format!("unexpected tensors: {} ({})", self.keys(), self.layout),
        ))
    }

    fn keys(&self) -> String {
        let keys: Vec<&str> = self.tensors.keys().map(String::as_str).collect();
        if keys.is_empty() {
            "no other tensor".into()
        } else {
            keys.join(", ")
        }
    }
}

/// A burn [`Linear`] from PyTorch's layout: `w` is `[d_out, d_in]`
/// row-major (transposed to burn's `[d_in, d_out]`), `b` is `[d_out]`.
pub(crate) fn linear(
    w: Vec<f32>,
    b: Vec<f32>,
    d_in: usize,
    d_out: usize,
    device: &Device,
) -> Linear {
    // Transposed on the values: a contiguous `[d_in, d_out]` tensor, as
    // after a burnpack round trip, so a saved and reloaded model computes
    // the same products in the same order (the same bits).
    let mut t = vec![0.0f32; w.len()];
    for (o, row) in w.chunks_exact(d_in.max(1)).enumerate() {
        for (i, v) in row.iter().enumerate() {
            if let Some(slot) = t.get_mut(i * d_out + o) {
                *slot = *v;
            }
        }
    }
    let w = Tensor::<2>::from_data(TensorData::new(t, [d_in, d_out]), device);
    Linear {
        weight: Param::from_tensor(w),
        bias: Some(Param::from_tensor(vector(b, device))),
    }
}

/// `k`-th of `n` equal row blocks of a row-major tensor (a fused torch
/// tensor: GRU gates r, z, n; attention q, k, v).
pub(crate) fn block(values: &[f32], n: usize, k: usize) -> Vec<f32> {
    let len = values.len() / n.max(1);
    values
        .get(k * len..(k + 1) * len)
        .map(<[f32]>::to_vec)
        .unwrap_or_default()
}

fn vector(v: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = v.len();
    Tensor::<1>::from_data(TensorData::new(v, [n]), device)
}

fn weights_err(path: &Path, reason: String) -> InferenceError {
    InferenceError::Weights {
        path: path.display().to_string(),
        reason,
    }
}
