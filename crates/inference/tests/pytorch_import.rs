#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Our forward pass against numpy's on the committed PyTorch-style fixture
//! (tests/scripts/make_mlp_fixture.py), and the burnpack round trip.

use std::path::PathBuf;

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::model::{Activation, Mlp, MlpConfig, OutputKind, cpu_device};
use tradewarden_inference::{InferenceError, Predictor};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

struct Expected {
    config: MlpConfig,
    n_rows: usize,
    inputs: Vec<f64>,
    point: Vec<f64>,
    quantiles_sorted: Vec<f64>,
    softmax: Vec<f64>,
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(data("mlp_tiny_expected.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vec = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    Expected {
        config: serde_json::from_value(v["config"].clone()).unwrap(),
        n_rows: v["n_rows"].as_u64().unwrap() as usize,
        inputs: vec("inputs"),
        point: vec("point"),
        quantiles_sorted: vec("quantiles_sorted"),
        softmax: vec("softmax"),
    }
}

fn assert_close(ours: &[f32], theirs: &[f64], tol: f64, what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let d = (f64::from(*a) - b).abs();
        assert!(d <= tol, "{what}[{i}]: ours {a} numpy {b} (|diff| = {d:e})");
    }
}

#[test]
fn safetensors_import_matches_numpy_forward_pass() {
    let e = expected();
    assert_eq!(e.config.activation, Activation::Tanh);
    let dev = cpu_device();
    for (kind, want) in [
        (OutputKind::Point, &e.point),
        (OutputKind::Quantiles, &e.quantiles_sorted),
        (OutputKind::Classes, &e.softmax),
    ] {
        let cfg = e.config.clone().with_output_kind(kind);
        let model = Mlp::load_safetensors(data("mlp_tiny.safetensors"), cfg, &dev).unwrap();
        let out = model.forward_f64(&e.inputs, e.n_rows).unwrap();
        assert_close(&out, want, 1e-5, &format!("{kind:?}"));
    }
}

#[test]
fn quantile_rows_never_cross_and_softmax_rows_sum_to_one() {
    let e = expected();
    let dev = cpu_device();
    let q = Mlp::load_safetensors(
        data("mlp_tiny.safetensors"),
        e.config.clone().with_output_kind(OutputKind::Quantiles),
        &dev,
    )
    .unwrap();
    let out = q.forward_f64(&e.inputs, e.n_rows).unwrap();
    for row in out.chunks(3) {
        assert!(row.windows(2).all(|w| w[0] <= w[1]), "{row:?}");
    }
    let c = Mlp::load_safetensors(
        data("mlp_tiny.safetensors"),
        e.config.clone().with_output_kind(OutputKind::Classes),
        &dev,
    )
    .unwrap();
    let out = c.forward_f64(&e.inputs, e.n_rows).unwrap();
    for row in out.chunks(3) {
        let s: f32 = row.iter().sum();
        assert!(
            (s - 1.0).abs() < 1e-6 && row.iter().all(|p| *p > 0.0),
            "{row:?}"
        );
    }
}

#[test]
fn from_pytorch_weights_equals_safetensors_import() {
    // The same tensors read by hand (PyTorch [out, in] layout) give the same outputs.
    let e = expected();
    let dev = cpu_device();
    let bytes = std::fs::read(data("mlp_tiny.safetensors")).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    let body = &bytes[8 + header_len..];
    let tensor = |k: &str| -> Vec<f32> {
        let off = header[k]["data_offsets"].as_array().unwrap();
        let (a, b) = (
            off[0].as_u64().unwrap() as usize,
            off[1].as_u64().unwrap() as usize,
        );
        body[a..b]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let layers: Vec<(Vec<f32>, Vec<f32>)> = (0..3)
        .map(|i| {
            (
                tensor(&format!("layers.{i}.weight")),
                tensor(&format!("layers.{i}.bias")),
            )
        })
        .collect();
    let by_hand = Mlp::from_pytorch_weights(e.config.clone(), &layers, &dev).unwrap();
    assert_close(
        &by_hand.forward_f64(&e.inputs, e.n_rows).unwrap(),
        &e.point,
        1e-5,
        "from_pytorch_weights",
    );
}

#[test]
fn burnpack_round_trip_is_exact() {
    let e = expected();
    let dev = cpu_device();
    let model =
        Mlp::load_safetensors(data("mlp_tiny.safetensors"), e.config.clone(), &dev).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlp.bpk");
    model.save_burnpack(&path).unwrap();
    // saving twice overwrites
    model.save_burnpack(&path).unwrap();
    let back = Mlp::load_burnpack(&path, e.config.clone(), &dev).unwrap();
    assert_eq!(
        model.forward_f64(&e.inputs, e.n_rows).unwrap(),
        back.forward_f64(&e.inputs, e.n_rows).unwrap()
    );
}

#[test]
fn mismatched_or_corrupt_weights_are_typed_errors() {
    let e = expected();
    let dev = cpu_device();
    // wrong hidden width
    let wrong = MlpConfig::new(5, vec![8, 7], 3);
    let err = Mlp::load_safetensors(data("mlp_tiny.safetensors"), wrong, &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    // one layer too few: unexpected tensors
    let fewer = MlpConfig::new(5, vec![8], 3);
    let err = Mlp::load_safetensors(data("mlp_tiny.safetensors"), fewer, &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    // one layer too many: missing tensors
    let more = MlpConfig::new(5, vec![8, 6, 3], 3);
    let err = Mlp::load_safetensors(data("mlp_tiny.safetensors"), more, &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("layers.3"), "{err}");
    // missing file
    let err = Mlp::load_safetensors(data("nope.safetensors"), e.config.clone(), &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    // garbage file, truncated file
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.safetensors");
    std::fs::write(&junk, b"definitely not safetensors").unwrap();
    let err = Mlp::load_safetensors(&junk, e.config.clone(), &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    let bytes = std::fs::read(data("mlp_tiny.safetensors")).unwrap();
    std::fs::write(&junk, &bytes[..bytes.len() - 17]).unwrap();
    let err = Mlp::load_safetensors(&junk, e.config.clone(), &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    let bpk = dir.path().join("junk.bpk");
    std::fs::write(&bpk, b"BURNPACK?").unwrap();
    let err = Mlp::load_burnpack(&bpk, e.config.clone(), &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
}

#[test]
fn invalid_configs_report_every_violation() {
    let dev = cpu_device();
    let c = MlpConfig::new(0, vec![4, 0], 1).with_output_kind(OutputKind::Classes);
    let err = Mlp::new(c, &dev).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    let s = err.to_string();
    assert!(
        s.contains("input = 0") && s.contains("hidden[1] = 0") && s.contains("output = 1"),
        "{s}"
    );
    let unknown = serde_json::from_str::<MlpConfig>(r#"{"input": 2, "output": 1, "dropout": 0.1}"#);
    assert!(unknown.unwrap_err().to_string().contains("dropout"));
    let bad_act =
        serde_json::from_str::<MlpConfig>(r#"{"input": 2, "output": 1, "activation": "swish2"}"#);
    assert!(bad_act.is_err());
}

#[test]
fn predictor_rejects_bad_batches_without_panicking() {
    let e = expected();
    let dev = cpu_device();
    let model =
        Mlp::load_safetensors(data("mlp_tiny.safetensors"), e.config.clone(), &dev).unwrap();
    let p = Predictor::new("tiny", "v1", model);
    let ok = p.predict(&e.inputs, e.n_rows).unwrap();
    assert_eq!((ok.n_rows, ok.n_outputs, ok.values.len()), (7, 3, 21));
    assert_close(ok.row(1).unwrap(), &e.point[3..6], 1e-5, "row 1");
    let f32s: Vec<f32> = e.inputs.iter().map(|x| *x as f32).collect();
    assert_eq!(p.predict_f32(&f32s, e.n_rows).unwrap().values, ok.values);

    let err = p.predict(&e.inputs[..34], 7).unwrap_err();
    assert!(
        matches!(
            err,
            InferenceError::ShapeMismatch {
                expected: 35,
                actual: 34,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = p.predict(&e.inputs, 6).unwrap_err();
    assert!(err.to_string().contains("features"), "{err}");
    let err = p.predict(&[], 0).unwrap_err();
    assert!(err.to_string().contains("n_rows"), "{err}");
    let mut bad = e.inputs.clone();
    bad[2 * 5 + 3] = f64::NAN;
    let err = p.predict(&bad, 7).unwrap_err();
    assert!(
        matches!(
            err,
            InferenceError::NonFiniteFeature {
                row: 2,
                column: 3,
                ..
            }
        ),
        "{err}"
    );
    bad[2 * 5 + 3] = f64::INFINITY;
    assert_eq!(
        p.predict(&bad, 7).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let mut bad32 = f32s.clone();
    bad32[0] = f32::NAN;
    assert!(matches!(
        p.predict_f32(&bad32, 7).unwrap_err(),
        InferenceError::NonFiniteFeature {
            row: 0,
            column: 0,
            ..
        }
    ));
    // a swap to a model of another width is refused; the old one keeps serving
    let other = Mlp::new(MlpConfig::new(4, vec![8], 3), &dev).unwrap();
    let err = p.swap("v2", other).unwrap_err();
    assert!(err.to_string().contains("model.input"), "{err}");
    assert_eq!(&*p.version(), "v1");
    let other = Mlp::new(MlpConfig::new(5, vec![8], 2), &dev).unwrap();
    assert!(
        p.swap("v2", other)
            .unwrap_err()
            .to_string()
            .contains("model.output")
    );
    assert_eq!(p.predict(&e.inputs, 7).unwrap().values, ok.values);
}
