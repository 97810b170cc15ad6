#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Registry: manifests with checksums, promote / rollback / verify, corrupt
//! checkpoints refused while the predictor keeps serving.

use std::collections::BTreeMap;

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_inference::registry::{Registry, Stage, sha256_file};
use tradewarden_inference::{InferenceError, Predictor};

fn constant_model(c: f32) -> Mlp {
    let cfg = MlpConfig::new(3, vec![4], 2);
    let layers: Vec<(Vec<f32>, Vec<f32>)> = cfg
        .layer_shapes()
        .iter()
        .enumerate()
        .map(|(i, (fi, fo))| (vec![0.0; fi * fo], vec![if i == 1 { c } else { 0.0 }; *fo]))
        .collect();
    Mlp::from_pytorch_weights(cfg, &layers, &cpu_device()).unwrap()
}

fn metrics(rmse: f64) -> BTreeMap<String, f64> {
    BTreeMap::from([("rmse".to_string(), rmse)])
}

#[test]
fn register_writes_checksummed_manifest_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    let m = reg
        .register("mlp", "v1", &constant_model(1.0), metrics(0.5))
        .unwrap();
    assert_eq!(m.stage, Stage::Development);
    let weights = dir.path().join("mlp/versions/v1/weights.bpk");
    assert_eq!(m.files["weights.bpk"], sha256_file(&weights).unwrap());
    assert_eq!(m.files["weights.bpk"].len(), 64);
    assert_eq!(reg.manifest("mlp", "v1").unwrap(), m);
    assert_eq!(reg.verify("mlp", "v1").unwrap(), m);
    let back = reg.load("mlp", "v1", &cpu_device()).unwrap();
    assert_eq!(
        back.forward_f64(&[0.3, 0.1, 0.2], 1).unwrap(),
        vec![1.0, 1.0]
    );
    // versions are immutable
    let e = reg
        .register("mlp", "v1", &constant_model(2.0), metrics(0.4))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::State);
    // names are path-safe
    for bad in ["", "..", "a/b", "v 1"] {
        let e = reg
            .register("mlp", bad, &constant_model(2.0), metrics(0.4))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    let e = reg
        .register("mlp", "v9", &constant_model(2.0), metrics(f64::NAN))
        .unwrap_err();
    assert!(e.to_string().contains("rmse"), "{e}");
    assert_eq!(reg.versions("mlp").unwrap(), vec!["v1"]);
    assert!(reg.active("mlp").unwrap().is_none());
    assert!(reg.load_active("mlp", &cpu_device()).unwrap().is_none());
}

#[test]
fn promote_archives_previous_production_and_rollback_returns_to_last_good() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    for (v, c) in [("v1", 1.0), ("v2", 2.0), ("v3", 3.0)] {
        reg.register("mlp", v, &constant_model(c), metrics(0.1))
            .unwrap();
    }
    reg.stage("mlp", "v3", Stage::Staging).unwrap();
    assert!(reg.stage("mlp", "v3", Stage::Production).is_err());
    reg.promote("mlp", "v1").unwrap();
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v1"));
    assert!(reg.last_good("mlp").unwrap().is_none());
    let e = reg.rollback("mlp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::State);

    reg.promote("mlp", "v2").unwrap();
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v2"));
    assert_eq!(reg.last_good("mlp").unwrap().as_deref(), Some("v1"));
    let stage = |v: &str| reg.manifest("mlp", v).unwrap().stage;
    assert_eq!(
        (stage("v1"), stage("v2"), stage("v3")),
        (Stage::Archived, Stage::Production, Stage::Staging)
    );

    assert_eq!(reg.rollback("mlp").unwrap(), "v1");
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v1"));
    assert_eq!(
        (stage("v1"), stage("v2")),
        (Stage::Production, Stage::Archived)
    );
    let (v, m) = reg.load_active("mlp", &cpu_device()).unwrap().unwrap();
    assert_eq!(v, "v1");
    assert_eq!(m.forward_f64(&[0.0; 3], 1).unwrap(), vec![1.0, 1.0]);
    // a second rollback has nowhere to go
    assert_eq!(reg.rollback("mlp").unwrap_err().kind(), ErrorKind::State);
    // exactly one production version at any time
    let prod = reg
        .versions("mlp")
        .unwrap()
        .into_iter()
        .filter(|v| stage(v) == Stage::Production)
        .count();
    assert_eq!(prod, 1);
}

#[test]
fn corrupt_checkpoint_is_refused_and_the_serving_model_stays() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    let dev = cpu_device();
    reg.register("mlp", "v1", &constant_model(1.0), metrics(0.1))
        .unwrap();
    reg.register("mlp", "v2", &constant_model(2.0), metrics(0.1))
        .unwrap();
    reg.promote("mlp", "v1").unwrap();
    let (v, m) = reg.load_active("mlp", &dev).unwrap().unwrap();
    let predictor = Predictor::new("mlp", v, m);

    // flip one byte of v2's weights
    let w = dir.path().join("mlp/versions/v2/weights.bpk");
    let mut bytes = std::fs::read(&w).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&w, &bytes).unwrap();
    let e = reg.verify("mlp", "v2").unwrap_err();
    assert!(matches!(e, InferenceError::ChecksumMismatch { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    let e = reg.promote("mlp", "v2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v1"));
    assert_eq!(reg.manifest("mlp", "v2").unwrap().stage, Stage::Development);
    // a hot-swap path fed from the registry never gets the corrupt model
    match reg.load("mlp", "v2", &dev) {
        Ok(m) => {
            predictor.swap("v2", m).unwrap();
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::Corrupt),
    }
    let p = predictor.predict(&[0.0; 3], 1).unwrap();
    assert_eq!(
        (&*p.version, p.values.as_slice()),
        ("v1", &[1.0f32, 1.0][..])
    );

    // a missing weights file
    std::fs::remove_file(&w).unwrap();
    assert_eq!(
        reg.verify("mlp", "v2").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // a truncated manifest, a manifest whose checksum was edited
    let man = dir.path().join("mlp/versions/v1/manifest.json");
    let text = std::fs::read_to_string(&man).unwrap();
    std::fs::write(&man, &text[..text.len() / 2]).unwrap();
    let e = reg.verify("mlp", "v1").unwrap_err();
    assert!(matches!(e, InferenceError::CorruptDocument { .. }), "{e}");
    let edited = text.replacen("\"weights.bpk\": \"", "\"weights.bpk\": \"0", 1);
    std::fs::write(&man, edited).unwrap();
    assert_eq!(
        reg.verify("mlp", "v1").unwrap_err().kind(),
        ErrorKind::Corrupt
    );
    std::fs::write(&man, &text).unwrap();
    reg.verify("mlp", "v1").unwrap();
    // an unreadable active pointer is an error, never a guess
    std::fs::write(dir.path().join("mlp/active.json"), b"{\"version\": ").unwrap();
    assert_eq!(reg.active("mlp").unwrap_err().kind(), ErrorKind::Corrupt);
    assert!(reg.load_active("mlp", &dev).is_err());
}
