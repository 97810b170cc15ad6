#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Window models (GRU, Transformer) through the Predictor and the Registry:
//! the same answers as the model itself, hot swap between architectures of
//! the same row width, manifests that tag window models and still read the
//! untagged MLP manifests written before.

use std::collections::BTreeMap;

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::any::{AnyModel, Architecture, WindowArchitecture};
use tradewarden_inference::model::{Mlp, MlpConfig, OutputKind, cpu_device};
use tradewarden_inference::registry::Registry;
use tradewarden_inference::sequence::{
    GruModel, GruModelConfig, TransformerModel, TransformerModelConfig,
};
use tradewarden_inference::{InferenceError, Predictor};

const F: usize = 5;
const W: usize = 12;

fn gru() -> GruModel {
    GruModel::new(GruModelConfig::new(F, W, 8, 3), &cpu_device()).unwrap()
}

fn transformer() -> TransformerModel {
    let cfg =
        TransformerModelConfig::new(F, W, 16, 4, 1, 32, 3).with_output_kind(OutputKind::Classes);
    TransformerModel::new(cfg, &cpu_device()).unwrap()
}

fn windows(rows: usize) -> Vec<f64> {
    (0..rows * W * F)
        .map(|i| ((i * 37 % 101) as f64) / 50.0 - 1.0)
        .collect()
}

#[test]
fn predictor_serves_window_models_and_swaps_between_them() {
    let g = gru();
    let t = transformer();
    let x = windows(4);
    let p = Predictor::new("windows", "gru-1", g.clone());
    assert_eq!((p.n_features(), p.n_outputs()), (W * F, 3));
    assert_eq!(p.config().kind(), "gru");
    let out = p.predict(&x, 4).unwrap();
    assert_eq!(out.values, g.forward_f64(&x, 4).unwrap());
    assert_eq!(&*out.version, "gru-1");

    // Same row width and outputs: a Transformer may replace the GRU.
    assert_eq!(&*p.swap("tf-1", t.clone()).unwrap(), "gru-1");
    let out = p.predict(&x, 4).unwrap();
    assert_eq!(out.values, t.forward_f64(&x, 4).unwrap());
    for row in out.values.chunks(3) {
        assert!(
            (row.iter().sum::<f32>() - 1.0).abs() < 1e-5,
            "class probabilities"
        );
    }

    // An MLP over 5 features has another row width: refused, nothing changes.
    let mlp = Mlp::new(MlpConfig::new(F, vec![4], 3), &cpu_device()).unwrap();
    let err = p.swap("mlp", mlp).unwrap_err();
    assert!(
        matches!(
            err,
            InferenceError::ShapeMismatch {
                param: "model.input",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(&*p.version(), "tf-1");

    // Bad rows are typed errors for window models too.
    let mut bad = x.clone();
    bad[7] = f64::NAN;
    assert!(matches!(
        p.predict(&bad, 4),
        Err(InferenceError::NonFiniteFeature { .. })
    ));
    assert!(matches!(
        p.predict(&x[..x.len() - 1], 4),
        Err(InferenceError::ShapeMismatch { .. })
    ));
}

#[test]
fn registry_stores_window_models_with_a_kind_tag() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    let (g, t) = (gru(), transformer());
    let mg = reg.register("win", "g1", &g, BTreeMap::new()).unwrap();
    let mt = reg
        .register("win", "t1", &AnyModel::from(t.clone()), BTreeMap::new())
        .unwrap();
    assert_eq!(mg.architecture.kind(), "gru");
    assert!(matches!(
        mt.architecture,
        Architecture::Window(WindowArchitecture::Transformer(_))
    ));
    let raw = std::fs::read_to_string(dir.path().join("win/versions/g1/manifest.json")).unwrap();
    assert!(
        raw.contains(r#""kind": "gru""#) || raw.contains(r#""kind":"gru""#),
        "{raw}"
    );

    let x = windows(3);
    let back = reg.load_model("win", "g1", &cpu_device()).unwrap();
    assert_eq!(
        back.forward_f64(&x, 3).unwrap(),
        g.forward_f64(&x, 3).unwrap()
    );
    let back = reg.load_model("win", "t1", &cpu_device()).unwrap();
    assert_eq!(
        back.forward_f64(&x, 3).unwrap(),
        t.forward_f64(&x, 3).unwrap()
    );

    // The MLP-only loader names what the version is.
    let err = reg.load("win", "g1", &cpu_device()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("gru"), "{err}");

    reg.promote("win", "t1").unwrap();
    let (v, m) = reg
        .load_active_model("win", &cpu_device())
        .unwrap()
        .unwrap();
    assert_eq!((v.as_str(), m.architecture().kind()), ("t1", "transformer"));
    let p = Predictor::new("win", v, m);
    assert_eq!(
        p.predict(&x, 3).unwrap().values,
        t.forward_f64(&x, 3).unwrap()
    );
    let listed = reg.list("win").unwrap();
    let kinds: Vec<&str> = listed
        .iter()
        .map(|e| e.manifest.architecture.kind())
        .collect();
    assert_eq!(kinds, ["gru", "transformer"]);
}

#[test]
fn untagged_mlp_manifests_still_read_and_mlp_is_written_untagged() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    let mlp = Mlp::new(MlpConfig::new(3, vec![4], 2), &cpu_device()).unwrap();
    reg.register("m", "v1", &mlp, BTreeMap::new()).unwrap();
    let raw = std::fs::read_to_string(dir.path().join("m/versions/v1/manifest.json")).unwrap();
    assert!(!raw.contains("\"kind\""), "{raw}");
    let arch: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        arch["architecture"],
        serde_json::to_value(mlp.config()).unwrap(),
        "the MLP's architecture is its config, as before"
    );
    assert!(reg.load("m", "v1", &cpu_device()).is_ok());

    // An architecture that is neither is refused when read.
    let bad: Result<Architecture, _> =
        serde_json::from_str(r#"{"kind": "lstm", "input": 3, "window": 4, "output": 1}"#);
    assert!(bad.is_err());
    let bad: Result<Architecture, _> = serde_json::from_str(
        r#"{"kind": "gru", "input": 3, "window": 4, "hidden": 2, "output": 1, "extra": 1}"#,
    );
    assert!(
        bad.is_err(),
        "unknown fields of a window config are refused"
    );
}
