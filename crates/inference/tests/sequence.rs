#![allow(clippy::unwrap_used, clippy::expect_used)]
//! GRU and Transformer models over feature windows: shapes, output kinds,
//! determinism, burnpack round trip, typed errors on bad input and configs.

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::InferenceError;
use tradewarden_inference::device::cpu_device;
use tradewarden_inference::model::OutputKind;
use tradewarden_inference::sequence::{
    GruModel, GruModelConfig, Pooling, TransformerModel, TransformerModelConfig,
};

fn features(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn gru(kind: OutputKind, output: usize) -> GruModel {
    let cfg = GruModelConfig::new(5, 12, 16, output)
        .with_layers(2)
        .with_output_kind(kind);
    GruModel::new(cfg, &cpu_device()).unwrap()
}

fn transformer(kind: OutputKind, output: usize, pooling: Pooling) -> TransformerModel {
    let cfg = TransformerModelConfig::new(5, 12, 16, 4, 2, 32, output)
        .with_output_kind(kind)
        .with_pooling(pooling);
    TransformerModel::new(cfg, &cpu_device()).unwrap()
}

/// Checks shape and output-kind invariants for any forward function.
fn check_outputs(out: &[f32], rows: usize, width: usize, kind: OutputKind) {
    assert_eq!(out.len(), rows * width);
    assert!(out.iter().all(|v| v.is_finite()));
    for row in out.chunks(width) {
        match kind {
            OutputKind::Point => {}
            OutputKind::Quantiles => assert!(row.windows(2).all(|w| w[0] <= w[1]), "{row:?}"),
            OutputKind::Classes => {
                assert!(row.iter().all(|p| (0.0..=1.0).contains(p)));
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            }
        }
    }
}

#[test]
fn gru_shapes_kinds_and_determinism() {
    for (kind, width) in [
        (OutputKind::Point, 1),
        (OutputKind::Quantiles, 5),
        (OutputKind::Classes, 3),
    ] {
        let m = gru(kind, width);
        for rows in [1usize, 7] {
            let x = features(rows * 12 * 5, rows as u64);
            let a = m.forward_f32(&x, rows).unwrap();
            check_outputs(&a, rows, width, kind);
            let b = m.forward_f32(&x, rows).unwrap();
            assert_eq!(a, b, "same model, same input, same output");
            let x64: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
            assert_eq!(m.forward_f64(&x64, rows).unwrap(), a);
        }
    }
}

#[test]
fn rows_are_independent_and_order_matters() {
    let m = gru(OutputKind::Point, 2);
    let x = features(3 * 12 * 5, 11);
    let all = m.forward_f32(&x, 3).unwrap();
    let second = m.forward_f32(&x[60..120], 1).unwrap();
    for (a, b) in all[2..4].iter().zip(&second) {
        assert!((a - b).abs() < 1e-5, "batching changed row 1: {a} vs {b}");
    }
    // Reversing the time order of a window changes the answer (the model is
    // not a bag of steps).
    let mut rev = Vec::new();
    for t in (0..12).rev() {
        rev.extend_from_slice(&x[t * 5..t * 5 + 5]);
    }
    let fwd = m.forward_f32(&x[..60], 1).unwrap();
    let bwd = m.forward_f32(&rev, 1).unwrap();
    assert!(fwd.iter().zip(&bwd).any(|(a, b)| (a - b).abs() > 1e-6));
}

#[test]
fn transformer_shapes_kinds_and_determinism() {
    for pooling in [Pooling::Mean, Pooling::Last] {
        for (kind, width) in [
            (OutputKind::Point, 2),
            (OutputKind::Quantiles, 3),
            (OutputKind::Classes, 5),
        ] {
            let m = transformer(kind, width, pooling);
            for rows in [1usize, 4] {
                let x = features(rows * 12 * 5, 100 + rows as u64);
                let a = m.forward_f32(&x, rows).unwrap();
                check_outputs(&a, rows, width, kind);
                assert_eq!(a, m.forward_f32(&x, rows).unwrap());
            }
        }
    }
}

#[test]
fn burnpack_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let x = features(3 * 12 * 5, 5);

    let g = gru(OutputKind::Quantiles, 3);
    let p = dir.path().join("gru.bpk");
    g.save_burnpack(&p).unwrap();
    let g2 = GruModel::load_burnpack(&p, g.config().clone(), &cpu_device()).unwrap();
    assert_eq!(
        g.forward_f32(&x, 3).unwrap(),
        g2.forward_f32(&x, 3).unwrap()
    );
    // a fresh random model differs (the round trip is not vacuous)
    let fresh = gru(OutputKind::Quantiles, 3);
    assert_ne!(
        g.forward_f32(&x, 3).unwrap(),
        fresh.forward_f32(&x, 3).unwrap()
    );

    let t = transformer(OutputKind::Classes, 4, Pooling::Mean);
    let p = dir.path().join("tf.bpk");
    t.save_burnpack(&p).unwrap();
    let t2 = TransformerModel::load_burnpack(&p, t.config().clone(), &cpu_device()).unwrap();
    assert_eq!(
        t.forward_f32(&x, 3).unwrap(),
        t2.forward_f32(&x, 3).unwrap()
    );
}

#[test]
fn load_refuses_missing_corrupt_and_mismatched_files() {
    let dir = tempfile::tempdir().unwrap();
    let g = gru(OutputKind::Point, 2);
    let p = dir.path().join("gru.bpk");
    g.save_burnpack(&p).unwrap();

    // another architecture (hidden 16 -> 8): tensors do not fit
    let other = GruModelConfig::new(5, 12, 8, 2).with_layers(2);
    let e = GruModel::load_burnpack(&p, other, &cpu_device()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    // one layer fewer: extra tensors in the file
    let fewer = GruModelConfig::new(5, 12, 16, 2);
    let e = GruModel::load_burnpack(&p, fewer, &cpu_device()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    // a GRU file is not a Transformer file
    let tcfg = TransformerModelConfig::new(5, 12, 16, 4, 1, 32, 2);
    let e = TransformerModel::load_burnpack(&p, tcfg, &cpu_device()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    // truncated file
    let bytes = std::fs::read(&p).unwrap();
    let bad = dir.path().join("bad.bpk");
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let e = GruModel::load_burnpack(&bad, g.config().clone(), &cpu_device()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    // missing
    let e = GruModel::load_burnpack(
        dir.path().join("nope.bpk"),
        g.config().clone(),
        &cpu_device(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[test]
fn bad_input_is_a_typed_error() {
    let g = gru(OutputKind::Point, 2);
    let t = transformer(OutputKind::Point, 2, Pooling::Mean);
    let x = features(2 * 12 * 5, 3);
    for r in [g.forward_f32(&x, 0), t.forward_f32(&x, 0)] {
        match r.unwrap_err() {
            InferenceError::InvalidInput { param, .. } => assert_eq!(param, "n_rows"),
            e => panic!("unexpected {e}"),
        }
    }
    for r in [g.forward_f32(&x[1..], 2), t.forward_f32(&x, 3)] {
        match r.unwrap_err() {
            InferenceError::ShapeMismatch {
                param,
                expected,
                actual,
                ..
            } => {
                assert_eq!(param, "features");
                assert_ne!(expected, actual);
            }
            e => panic!("unexpected {e}"),
        }
    }
    assert!(g.forward_f32(&x, usize::MAX).is_err());
}

#[test]
fn invalid_configs_list_every_violation() {
    let e = GruModel::new(GruModelConfig::new(0, 0, 4, 1), &cpu_device()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    let msg = e.to_string();
    assert!(msg.contains("input") && msg.contains("window"), "{msg}");

    let cfg =
        TransformerModelConfig::new(4, 8, 10, 4, 1, 16, 1).with_output_kind(OutputKind::Classes);
    let msg = TransformerModel::new(cfg, &cpu_device())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("d_model") && msg.contains("output"), "{msg}");

    let unknown: Result<GruModelConfig, _> =
        serde_json::from_str(r#"{"input": 1, "window": 2, "hidden": 3, "output": 1, "typo": 1}"#);
    assert!(unknown.is_err());
    let parsed: GruModelConfig =
        serde_json::from_str(r#"{"input": 1, "window": 2, "hidden": 3, "output": 1}"#).unwrap();
    assert_eq!(parsed.layers, 1);
    let round: TransformerModelConfig =
        serde_json::from_str(&serde_json::to_string(t_cfg()).unwrap()).unwrap();
    assert_eq!(&round, t_cfg());
}

fn t_cfg() -> &'static TransformerModelConfig {
    static C: std::sync::OnceLock<TransformerModelConfig> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        TransformerModelConfig::new(3, 4, 8, 2, 1, 16, 3)
            .with_output_kind(OutputKind::Quantiles)
            .with_pooling(Pooling::Last)
    })
}
