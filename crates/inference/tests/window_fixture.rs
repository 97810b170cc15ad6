#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The window-model fixture that the Python and C tests read:
//! `tests/data/gru_window.bpk` and `tests/data/transformer_window.bpk`
//! (burnpack weights) and `tests/data/window_models.json` (each model's
//! architecture, a batch of windows and this crate's outputs for it).
//!
//! Regenerate (new random weights, outputs recomputed) with
//! `TW_BLESS=1 cargo test -p tradewarden-inference --test window_fixture -- committed`
//! (that test alone: the others read the files it rewrites);
//! then update the constants in `bindings/c/tests/c/test_inference.c` and
//! `bindings/c/src/inference.rs` (the test prints them).
//!
//! The committed outputs were computed on one CPU; the SIMD path chosen at
//! run time may change the last bits on another (docs/conventions.md), so
//! they are compared within 1e-5. Within one process the answers are
//! compared bit for bit: the predictor's window entry points, its row entry
//! point and the model's own forward pass.

use std::path::PathBuf;

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::any::{AnyModel, Architecture};
use tradewarden_inference::device::cpu_device;
use tradewarden_inference::sequence::{GruModel, TransformerModel};
use tradewarden_inference::{InferenceError, Predictor};

const GRU: &str = r#"{"kind": "gru", "input": 3, "window": 5, "hidden": 6, "layers": 2, "output": 2, "output_kind": "point"}"#;
const TRANSFORMER: &str = r#"{"kind": "transformer", "input": 3, "window": 5, "d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16, "output": 3, "output_kind": "classes", "pooling": "mean"}"#;
const N_ROWS: usize = 4;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `N_ROWS` windows of 5 steps × 3 features, row-major; exact in f32.
fn windows() -> Vec<f64> {
    (0..N_ROWS * 5 * 3)
        .map(|k| ((k * 29 % 31) as f64 - 15.0) / 8.0)
        .collect()
}

fn models() -> [(&'static str, &'static str, &'static str); 2] {
    [
        ("gru", GRU, "gru_window.bpk"),
        ("transformer", TRANSFORMER, "transformer_window.bpk"),
    ]
}

fn bless() {
    let dev = cpu_device();
    let x = windows();
    let mut entries = Vec::new();
    for (name, arch_json, file) in models() {
        let arch = Architecture::from_json(arch_json).unwrap();
        let model: AnyModel = match &arch {
            Architecture::Window(tradewarden_inference::any::WindowArchitecture::Gru(c)) => {
                GruModel::new(c.clone(), &dev).unwrap().into()
            }
            Architecture::Window(tradewarden_inference::any::WindowArchitecture::Transformer(
                c,
            )) => TransformerModel::new(c.clone(), &dev).unwrap().into(),
            Architecture::Mlp(_) => unreachable!("window models only"),
        };
        model.save_burnpack(data(file)).unwrap();
        let out = model.forward_f64(&x, N_ROWS).unwrap();
        println!("{name}: {out:?}");
        entries.push(serde_json::json!({
            "name": name,
            "architecture": serde_json::from_str::<serde_json::Value>(arch_json).unwrap(),
            "weights": file,
            "n_rows": N_ROWS,
            "outputs": out,
        }));
    }
    let doc = serde_json::json!({
        "generator": "crates/inference/tests/window_fixture.rs (TW_BLESS=1)",
        "layout": "inputs: n_rows × window × input, row-major (sample, step, feature); outputs: n_rows × output",
        "inputs": x,
        "models": entries,
    });
    std::fs::write(
        data("window_models.json"),
        serde_json::to_string_pretty(&doc).unwrap() + "\n",
    )
    .unwrap();
}

#[test]
fn committed_window_models_reproduce_their_outputs() {
    if std::env::var_os("TW_BLESS").is_some() {
        bless();
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("window_models.json")).unwrap())
            .unwrap();
    let x: Vec<f64> = doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(x, windows(), "the fixture's inputs are the generator's");
    let dev = cpu_device();
    let entries = doc["models"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    for ((name, arch_json, file), entry) in models().into_iter().zip(entries) {
        assert_eq!(entry["name"], name);
        let arch = Architecture::from_json(&entry["architecture"].to_string()).unwrap();
        assert_eq!(arch, Architecture::from_json(arch_json).unwrap());
        assert_eq!(entry["weights"], file);
        let model = arch.load_burnpack(data(file), &dev).unwrap();
        let want: Vec<f64> = entry["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let own = model.forward_f64(&x, N_ROWS).unwrap();
        assert_eq!(own.len(), want.len(), "{name}");
        for (i, (a, b)) in own.iter().zip(&want).enumerate() {
            assert!(
                (f64::from(*a) - b).abs() <= 1e-5,
                "{name}[{i}]: {a} vs committed {b}"
            );
        }
        // through the predictor: window and row entry points, f64 and f32,
        // bit for bit the model's own forward pass
        let p = Predictor::new(name, "v1", model.clone());
        assert_eq!(p.window_shape(), (5, 3));
        let via_window = p.predict_window(&x, N_ROWS, 5, 3).unwrap();
        assert_eq!(via_window.values, own, "{name}");
        assert_eq!(p.predict(&x, N_ROWS).unwrap().values, own, "{name}");
        let x32: Vec<f32> = x.iter().map(|v| *v as f32).collect();
        assert_eq!(
            p.predict_window_f32(&x32, N_ROWS, 5, 3).unwrap().values,
            own,
            "{name}"
        );
        // one window alone gives that row of the batch (a batch of one may
        // take another GEMM blocking: equal within f32 rounding)
        let one = p.predict_window(&x[15..30], 1, 5, 3).unwrap();
        let row = &own[one.n_outputs..2 * one.n_outputs];
        for (a, b) in one.values.iter().zip(row) {
            assert!(
                (a - b).abs() <= 1e-6,
                "{name}: one window {a} vs in the batch {b}"
            );
        }
        println!("{name} outputs: {own:?}");
    }
}

#[test]
fn window_dimensions_are_checked_against_the_serving_model() {
    let dev = cpu_device();
    let arch = Architecture::from_json(GRU).unwrap();
    let p = Predictor::new(
        "gru",
        "v1",
        arch.load_burnpack(data("gru_window.bpk"), &dev).unwrap(),
    );
    let x = windows();
    // the same number of values split the other way
    let err = p.predict_window(&x, N_ROWS, 3, 5).unwrap_err();
    assert!(
        matches!(
            err,
            InferenceError::InvalidInput {
                param: "window",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("window = 3"), "{err}");
    let err = p.predict_window(&x, N_ROWS * 5, 1, 3).unwrap_err();
    assert!(err.to_string().contains("window = 1"), "{err}");
    let err = p
        .predict_window(&x[..N_ROWS * 5 * 2], N_ROWS, 5, 2)
        .unwrap_err();
    assert!(
        matches!(
            err,
            InferenceError::InvalidInput {
                param: "n_features",
                ..
            }
        ),
        "{err}"
    );
    // a buffer that does not hold n_rows windows
    let err = p.predict_window(&x[..59], N_ROWS, 5, 3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let err = p.predict_window(&x, 0, 5, 3).unwrap_err();
    assert!(err.to_string().contains("n_rows"), "{err}");
    // NaN: row and position within the window (t × n_features + c)
    let mut bad = x.clone();
    bad[(2 * 5 + 4) * 3 + 1] = f64::NAN;
    let err = p.predict_window(&bad, N_ROWS, 5, 3).unwrap_err();
    assert!(
        matches!(
            err,
            InferenceError::NonFiniteFeature {
                row: 2,
                column: 13,
                ..
            }
        ),
        "{err}"
    );
    // an MLP reads windows of one step; after a swap to it the GRU's split is refused
    let mlp = Architecture::from_json(r#"{"input": 15, "hidden": [4], "output": 2}"#).unwrap();
    let Architecture::Mlp(c) = mlp else {
        unreachable!()
    };
    let m = tradewarden_inference::Mlp::new(c, &dev).unwrap();
    p.swap("mlp", m).unwrap();
    assert_eq!(p.window_shape(), (1, 15));
    let err = p.predict_window(&x, N_ROWS, 5, 3).unwrap_err();
    assert!(err.to_string().contains("serving mlp model"), "{err}");
    assert_eq!(p.predict_window(&x, N_ROWS, 1, 15).unwrap().n_rows, N_ROWS);
}

#[test]
fn architecture_json_errors_name_the_problem() {
    let err = Architecture::from_json(r#"{"kind": "lstm", "input": 3}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("lstm"), "{err}");
    let err = Architecture::from_json(
        r#"{"kind": "gru", "input": 3, "window": 5, "hidden": 4, "output": 1, "dropout": 0.1}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("dropout"), "{err}");
    let err = Architecture::from_json(r#"{"input": 3, "output": 1, "window": 5}"#).unwrap_err();
    assert!(err.to_string().contains("window"), "{err}");
    // valid JSON, invalid config: every violation listed
    let err = Architecture::from_json(
        r#"{"kind": "transformer", "input": 0, "window": 5, "d_model": 6, "n_heads": 4, "n_layers": 1, "d_ff": 8, "output": 1}"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    let s = err.to_string();
    assert!(s.contains("input = 0") && s.contains("d_model = 6"), "{s}");
    // an MLP's safetensors file does not fit a GRU: the first torch key it
    // lacks is named (GRU import: tests/torch_fixtures.rs)
    let gru = Architecture::from_json(GRU).unwrap();
    let err = gru
        .load_safetensors(data("mlp_tiny.safetensors"), &cpu_device())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("gru.weight_ih_l0"), "{err}");
}
