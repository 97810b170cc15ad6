#![allow(clippy::unwrap_used, clippy::expect_used)]
//! safetensors import beyond F32 and the `layers.{i}` key layout: F16,
//! BF16 and F64 weights (a `.half()` export) are converted to f32 on load and
//! predict exactly what the f32 model predicts; other dtypes are refused as
//! `InvalidInput` naming the tensor and its dtype; the key layout of a
//! PyTorch `nn.Sequential` (`0.weight`, `2.weight`, …) is mapped to the
//! MLP's layers. Every file here is written by hand (header JSON + little
//! endian bytes), with our own half-precision encoders: nothing shares code
//! with the loader.

use std::path::{Path, PathBuf};

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::InferenceError;
use tradewarden_inference::model::{Activation, Mlp, MlpConfig, cpu_device};

/// One tensor of a hand-written file: name, dtype tag, shape, raw bytes.
struct Raw {
    name: String,
    dtype: &'static str,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

/// Writes a safetensors file: 8-byte little-endian header length, the JSON
/// header (padded with spaces to a multiple of 8), the tensors' bytes in
/// order.
fn write_safetensors(path: &Path, tensors: &[Raw]) {
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    for t in tensors {
        header.insert(
            t.name.clone(),
            serde_json::json!({
                "dtype": t.dtype,
                "shape": t.shape,
                "data_offsets": [offset, offset + t.bytes.len()],
            }),
        );
        offset += t.bytes.len();
    }
    let mut text = serde_json::Value::Object(header).to_string().into_bytes();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&text);
    for t in tensors {
        out.extend_from_slice(&t.bytes);
    }
    std::fs::write(path, out).unwrap();
}

/// IEEE binary16 bits of `v`, which must be exactly representable as a
/// normal half (or zero): checked, so a test value can never be rounded.
fn f16_bits(v: f32) -> u16 {
    let b = v.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    if v == 0.0 {
        return sign;
    }
    let exp = ((b >> 23) & 0xff) as i32 - 127 + 15;
    let mant = b & 0x7f_ffff;
    assert!((1..31).contains(&exp), "{v} is not a normal f16");
    assert_eq!(mant & 0x1fff, 0, "{v} is not exact in f16");
    sign | ((exp as u16) << 10) | ((mant >> 13) as u16)
}

/// bfloat16 bits of `v`, which must be exactly representable (checked).
fn bf16_bits(v: f32) -> u16 {
    let b = v.to_bits();
    assert_eq!(b & 0xffff, 0, "{v} is not exact in bf16");
    (b >> 16) as u16
}

fn encode(values: &[f64], dtype: &'static str) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        match dtype {
            "F64" => out.extend_from_slice(&v.to_le_bytes()),
            "F32" => out.extend_from_slice(&(*v as f32).to_le_bytes()),
            "F16" => out.extend_from_slice(&f16_bits(*v as f32).to_le_bytes()),
            "BF16" => out.extend_from_slice(&bf16_bits(*v as f32).to_le_bytes()),
            other => panic!("no encoder for {other}"),
        }
    }
    out
}

/// PyTorch-layout parameters of `config`: per linear layer (weight
/// `[out, in]`, bias `[out]`), from a seeded generator. `grid`: multiples
/// of 1/16 in [-2, 2) (exact in F16 and BF16); otherwise arbitrary f64
/// values (not representable in f32).
fn params(config: &MlpConfig, seed: u64, grid: bool) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut s = seed;
    let mut next = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let u = (s >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
        if grid {
            ((u * 64.0).floor() - 32.0) / 16.0
        } else {
            (u - 0.5) * 1.7
        }
    };
    config
        .layer_shapes()
        .into_iter()
        .map(|(i, o)| {
            let w = (0..i * o).map(|_| next()).collect();
            let b = (0..o).map(|_| next()).collect();
            (w, b)
        })
        .collect()
}

/// The tensors of `params` under `key(layer)` + `.weight` / `.bias`, each
/// stored as `dtype(layer, is_bias)`.
fn tensors(
    config: &MlpConfig,
    params: &[(Vec<f64>, Vec<f64>)],
    key: impl Fn(usize) -> String,
    dtype: impl Fn(usize, bool) -> &'static str,
) -> Vec<Raw> {
    let mut out = Vec::new();
    for (l, ((i, o), (w, b))) in config.layer_shapes().into_iter().zip(params).enumerate() {
        out.push(Raw {
            name: format!("{}.weight", key(l)),
            dtype: dtype(l, false),
            shape: vec![o, i],
            bytes: encode(w, dtype(l, false)),
        });
        out.push(Raw {
            name: format!("{}.bias", key(l)),
            dtype: dtype(l, true),
            shape: vec![o],
            bytes: encode(b, dtype(l, true)),
        });
    }
    out
}

/// The reference: the same parameters rounded to f32 (nearest), built in
/// memory without any file.
fn reference(config: &MlpConfig, params: &[(Vec<f64>, Vec<f64>)]) -> Mlp {
    let layers: Vec<(Vec<f32>, Vec<f32>)> = params
        .iter()
        .map(|(w, b)| {
            (
                w.iter().map(|v| *v as f32).collect(),
                b.iter().map(|v| *v as f32).collect(),
            )
        })
        .collect();
    Mlp::from_pytorch_weights(config.clone(), &layers, &cpu_device()).unwrap()
}

fn inputs(config: &MlpConfig, rows: usize) -> Vec<f32> {
    (0..rows * config.input)
        .map(|k| ((k * 37 % 23) as f32 - 11.0) / 7.0)
        .collect()
}

fn config() -> MlpConfig {
    MlpConfig::new(5, vec![7, 4], 3).with_activation(Activation::Tanh)
}

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    (dir, path)
}

fn predictions(model: &Mlp, config: &MlpConfig) -> Vec<f32> {
    model.forward_f32(&inputs(config, 9), 9).unwrap()
}

#[test]
fn half_precision_weights_predict_as_the_f32_model() {
    let cfg = config();
    let p = params(&cfg, 7, true);
    let want = predictions(&reference(&cfg, &p), &cfg);
    let (_dir, path) = scratch();
    for dtype in ["F16", "BF16", "F32"] {
        write_safetensors(
            &path,
            &tensors(&cfg, &p, |l| format!("layers.{l}"), |_, _| dtype),
        );
        let model = Mlp::load_safetensors(&path, cfg.clone(), &cpu_device())
            .unwrap_or_else(|e| panic!("{dtype}: {e}"));
        assert_eq!(predictions(&model, &cfg), want, "{dtype}");
    }
    // one dtype per tensor, as a partly converted export has them
    let mixed = |l: usize, bias: bool| match (l, bias) {
        (0, false) => "F16",
        (0, true) => "F64",
        (1, _) => "BF16",
        _ => "F32",
    };
    write_safetensors(&path, &tensors(&cfg, &p, |l| format!("layers.{l}"), mixed));
    let model = Mlp::load_safetensors(&path, cfg.clone(), &cpu_device()).unwrap();
    assert_eq!(predictions(&model, &cfg), want, "mixed dtypes");
}

#[test]
fn f64_weights_are_rounded_to_the_nearest_f32() {
    let cfg = config();
    let p = params(&cfg, 11, false);
    // the values really are not f32 values: the test would not see a
    // truncating conversion otherwise
    assert!(p[0].0.iter().any(|v| f64::from(*v as f32) != *v));
    let want = predictions(&reference(&cfg, &p), &cfg);
    let (_dir, path) = scratch();
    write_safetensors(
        &path,
        &tensors(&cfg, &p, |l| format!("layers.{l}"), |_, _| "F64"),
    );
    let model = Mlp::load_safetensors(&path, cfg.clone(), &cpu_device()).unwrap();
    assert_eq!(predictions(&model, &cfg), want);
    // and not truncated toward zero: the model built from truncated weights differs
    let truncated: Vec<(Vec<f64>, Vec<f64>)> = p
        .iter()
        .map(|(w, b)| {
            let t = |v: &f64| {
                let r = *v as f32;
                if f64::from(r).abs() > v.abs() {
                    f64::from(f32::from_bits(r.to_bits() - 1))
                } else {
                    f64::from(r)
                }
            };
            (w.iter().map(t).collect(), b.iter().map(t).collect())
        })
        .collect();
    assert_ne!(predictions(&reference(&cfg, &truncated), &cfg), want);
}

#[test]
fn unaligned_wide_tensors_after_a_half_tensor_load() {
    // 3 → 5 → 1: the first weight has 15 F16 values (30 bytes), so the F64
    // tensor after it starts at an offset that is not a multiple of 8.
    let cfg = MlpConfig::new(3, vec![5], 1);
    let p = params(&cfg, 3, true);
    let (_dir, path) = scratch();
    let dtype = |l: usize, bias: bool| if l == 0 && !bias { "F16" } else { "F64" };
    write_safetensors(&path, &tensors(&cfg, &p, |l| format!("layers.{l}"), dtype));
    let model = Mlp::load_safetensors(&path, cfg.clone(), &cpu_device()).unwrap();
    assert_eq!(
        predictions(&model, &cfg),
        predictions(&reference(&cfg, &p), &cfg)
    );
}

#[test]
fn other_dtypes_are_invalid_input_naming_tensor_and_dtype() {
    let cfg = config();
    let p = params(&cfg, 5, true);
    let (_dir, path) = scratch();
    for (dtype, width) in [
        ("I64", 8),
        ("I32", 4),
        ("U8", 1),
        ("BOOL", 1),
        ("F8_E4M3", 1),
    ] {
        let mut t = tensors(&cfg, &p, |l| format!("layers.{l}"), |_, _| "F32");
        // the bias of layer 1 stored as an integer (or 8-bit float) tensor
        let n = t[3].shape[0];
        t[3].dtype = dtype;
        t[3].bytes = vec![0u8; n * width];
        write_safetensors(&path, &t);
        let err = Mlp::load_safetensors(&path, cfg.clone(), &cpu_device()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{dtype}: {err}");
        assert!(
            matches!(&err, InferenceError::InvalidInput { param: "weights.dtype", value, .. }
                if value == &format!("layers.1.bias: {dtype}")),
            "{dtype}: {err:?}"
        );
        assert!(err.to_string().contains("F16"), "{err}");
    }
    // an extra integer buffer (as BatchNorm's num_batches_tracked) too
    let mut t = tensors(&cfg, &p, |l| format!("layers.{l}"), |_, _| "F32");
    t.push(Raw {
        name: "num_batches_tracked".into(),
        dtype: "I64",
        shape: vec![],
        bytes: 3i64.to_le_bytes().to_vec(),
    });
    write_safetensors(&path, &t);
    let err = Mlp::load_safetensors(&path, cfg.clone(), &cpu_device()).unwrap_err();
    assert!(
        err.to_string().contains("num_batches_tracked: I64"),
        "{err}"
    );
}

#[test]
fn sequential_key_layouts_are_mapped_to_the_layers() {
    let cfg = config();
    let p = params(&cfg, 13, true);
    let want = predictions(&reference(&cfg, &p), &cfg);
    let (_dir, path) = scratch();
    // nn.Sequential(Linear, Tanh, Linear, Tanh, Linear): linears at 0, 2, 4;
    // held as self.net; held as self.layers; only linears (0, 1, 2); F16.
    type Key = Box<dyn Fn(usize) -> String>;
    let layouts: [(&str, Key, &'static str); 5] = [
        (
            "top-level sequential",
            Box::new(|l| format!("{}", 2 * l)),
            "F32",
        ),
        ("self.net", Box::new(|l| format!("net.{}", 2 * l)), "F32"),
        (
            "self.layers",
            Box::new(|l| format!("layers.{}", 2 * l)),
            "F32",
        ),
        (
            "nested prefix",
            Box::new(|l| format!("model.mlp.{}", 3 * l + 1)),
            "F32",
        ),
        ("linears only, half", Box::new(|l| format!("{l}")), "F16"),
    ];
    for (what, key, dtype) in layouts {
        write_safetensors(&path, &tensors(&cfg, &p, key, |_, _| dtype));
        let model = Mlp::load_safetensors(&path, cfg.clone(), &cpu_device())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(predictions(&model, &cfg), want, "{what}");
    }
}

#[test]
fn sequential_layouts_that_do_not_fit_are_refused() {
    let cfg = config();
    let p = params(&cfg, 17, true);
    let (_dir, path) = scratch();
    let load = |path: &Path, cfg: &MlpConfig| {
        Mlp::load_safetensors(path, cfg.clone(), &cpu_device()).unwrap_err()
    };
    // three linears in the file, two in the config
    write_safetensors(
        &path,
        &tensors(&cfg, &p, |l| format!("{}", 2 * l), |_, _| "F32"),
    );
    let fewer = MlpConfig::new(5, vec![7], 3).with_activation(Activation::Tanh);
    let err = load(&path, &fewer);
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("[0, 2, 4]"), "{err}");
    // the linears in another order (shapes do not chain)
    let reordered = |l: usize| format!("{}", [4, 2, 0][l]);
    write_safetensors(&path, &tensors(&cfg, &p, reordered, |_, _| "F32"));
    let err = load(&path, &cfg);
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    // two prefixes: not one Sequential, nothing is mapped
    let mixed = |l: usize| {
        if l == 0 {
            "a.0".to_string()
        } else {
            format!("b.{l}")
        }
    };
    write_safetensors(&path, &tensors(&cfg, &p, mixed, |_, _| "F32"));
    let err = load(&path, &cfg);
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("missing tensors"), "{err}");
    // a norm layer's extra parameters: not a Linear-only Sequential
    let mut t = tensors(&cfg, &p, |l| format!("{}", 2 * l), |_, _| "F32");
    t.push(Raw {
        name: "1.running_mean".into(),
        dtype: "F32",
        shape: vec![7],
        bytes: vec![0u8; 28],
    });
    write_safetensors(&path, &t);
    let err = load(&path, &cfg);
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    // our own layout with a gap and a missing layer keeps the strict check
    let gap = |l: usize| format!("layers.{}", [0, 1, 3][l]);
    let two = MlpConfig::new(5, vec![7, 4, 4], 3).with_activation(Activation::Tanh);
    write_safetensors(&path, &tensors(&cfg, &p, gap, |_, _| "F32"));
    let err = load(&path, &two);
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
}
