#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The shipped demo model: loads, is what the committed example trains
//! (bit-for-bit reproducible), and its recorded holdout figures are true.

use tradewarden_inference::InferenceError;
use tradewarden_inference::demo::{
    self, DEMO_FEATURES, HOLDOUT_SEED, LOOKBACK, TrainOptions, demo_features, synthetic_dataset,
};
use tradewarden_inference::device::cpu_device;

#[test]
fn shipped_model_loads_with_its_config() {
    let dev = cpu_device();
    let m = demo::load_demo_model(&dev).unwrap();
    assert_eq!(m.config(), &demo::demo_architecture());
    assert_eq!(demo::demo_config().unwrap(), demo::demo_architecture());
    let p = demo::demo_predictor(&dev).unwrap();
    assert_eq!(p.name(), demo::DEMO_MODEL_NAME);
    assert_eq!(&*p.version(), demo::DEMO_MODEL_VERSION);
    let meta = demo::demo_metadata().unwrap();
    assert_eq!(meta.features, DEMO_FEATURES.to_vec());
    assert_eq!(meta.options, TrainOptions::default());
}

#[test]
fn retraining_reproduces_the_shipped_weights() {
    let dev = cpu_device();
    let shipped = demo::load_demo_model(&dev).unwrap();
    let trained = demo::train_demo(&TrainOptions::default(), &dev).unwrap();
    let probe = synthetic_dataset(7, 3, 60).unwrap();
    let a = shipped.forward_f64(&probe.features, probe.len()).unwrap();
    let b = trained
        .model
        .forward_f64(&probe.features, probe.len())
        .unwrap();
    assert_eq!(
        a, b,
        "the committed example no longer produces the shipped weights"
    );
    assert_eq!(trained.report, demo::demo_metadata().unwrap());
}

#[test]
fn recorded_holdout_figures_hold_and_beat_the_zero_forecast() {
    let meta = demo::demo_metadata().unwrap();
    let o = &meta.options;
    let hold = synthetic_dataset(HOLDOUT_SEED, o.n_series, o.n_days).unwrap();
    assert_eq!(hold.len(), meta.holdout_samples);
    let m = demo::load_demo_model(&cpu_device()).unwrap();
    let pred = m.forward_f64(&hold.features, hold.len()).unwrap();
    let mse = pred
        .iter()
        .zip(&hold.targets)
        .map(|(p, y)| (f64::from(*p) - y).powi(2))
        .sum::<f64>()
        / hold.len() as f64;
    assert!((mse - meta.holdout_mse).abs() <= 1e-12 * mse.max(1.0));
    assert!(meta.holdout_mse < meta.holdout_mse_zero, "{meta:?}");
    assert!(meta.holdout_correlation > 0.05, "{meta:?}");
    assert!(meta.holdout_hit_rate > 0.5, "{meta:?}");
}

#[test]
fn features_and_dataset_are_deterministic_and_checked() {
    let a = synthetic_dataset(1, 2, 40).unwrap();
    assert_eq!(a, synthetic_dataset(1, 2, 40).unwrap());
    assert_ne!(a, synthetic_dataset(2, 2, 40).unwrap());
    assert_eq!(a.len(), 2 * (40 - LOOKBACK - 1));
    assert_eq!(a.features.len(), a.len() * 4);
    assert!(synthetic_dataset(1, 0, 40).is_err());
    assert!(synthetic_dataset(1, 1, LOOKBACK).is_err());

    // mom_5d of a window whose last 5 returns are positive is positive.
    let mut r = [-0.001, 0.001].repeat(15);
    r.extend([0.01; 5]);
    let f = demo_features(&r, -1.0).unwrap();
    assert!(f[0] > 0.0 && f[1] > 0.0 && f[2] > 0.0 && f[3] == -1.0);
    match demo_features(&r[..LOOKBACK - 1], 0.0).unwrap_err() {
        InferenceError::InvalidInput { param, .. } => assert_eq!(param, "returns"),
        e => panic!("{e}"),
    }
    let mut bad = r.clone();
    bad[30] = f64::NAN;
    assert!(
        demo_features(&bad, 0.0)
            .unwrap_err()
            .to_string()
            .contains("returns[30]")
    );
    assert!(demo_features(&r, f64::INFINITY).is_err());
    let bad_opts = TrainOptions {
        epochs: 0,
        ..TrainOptions::default()
    };
    assert!(demo::train_demo(&bad_opts, &cpu_device()).is_err());
}
