#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hot swap under load: 8 threads predict while the model is swapped 1000
//! times; no prediction fails and every answer comes from exactly one version.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tradewarden_inference::Predictor;
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_metrics::testing::TestRecorder;

const INPUT: usize = 6;
const OUTPUT: usize = 3;

/// A model whose every output is exactly `c`, whatever the input: all weights
/// zero, hidden biases zero, output biases `c`.
fn constant_model(c: f32) -> Mlp {
    let cfg = MlpConfig::new(INPUT, vec![16, 16], OUTPUT);
    let layers: Vec<(Vec<f32>, Vec<f32>)> = cfg
        .layer_shapes()
        .iter()
        .enumerate()
        .map(|(i, (fan_in, fan_out))| {
            let bias = if i == 2 { c } else { 0.0 };
            (vec![0.0; fan_in * fan_out], vec![bias; *fan_out])
        })
        .collect();
    Mlp::from_pytorch_weights(cfg, &layers, &cpu_device()).unwrap()
}

#[test]
fn eight_threads_see_no_failure_and_no_mixed_versions_across_1000_swaps() {
    let versions = [("a", 1.0f32), ("b", 2.0f32)];
    let p = Arc::new(Predictor::new("swap_test", "a", constant_model(1.0)));
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut seen_b = Vec::new();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (p, stop, answered) = (p.clone(), stop.clone(), answered.clone());
            std::thread::spawn(move || {
                let mut failures = 0usize;
                let mut per_version = [0usize; 2];
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) || i < 50 {
                    let rows = 1 + (i + t) % 4;
                    let x: Vec<f64> = (0..rows * INPUT).map(|k| (k + i) as f64 * 0.01).collect();
                    match p.predict(&x, rows) {
                        Ok(pred) => {
                            let want = match &*pred.version {
                                "a" => 1.0,
                                "b" => 2.0,
                                other => panic!("unknown version {other}"),
                            };
                            assert_eq!(pred.values.len(), rows * OUTPUT);
                            assert!(
                                pred.values.iter().all(|v| *v == want),
                                "batch tagged {} has values {:?}",
                                pred.version,
                                pred.values
                            );
                            per_version[usize::from(want == 2.0)] += 1;
                        }
                        Err(_) => failures += 1,
                    }
                    i += 1;
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                (failures, per_version)
            })
        })
        .collect();

    for k in 0..1000 {
        // let the readers answer between swaps, so every swap lands under load
        let before = answered.load(Ordering::Relaxed);
        while answered.load(Ordering::Relaxed) == before {
            std::thread::yield_now();
        }
        let (v, c) = versions[(k + 1) % 2];
        p.swap(v, constant_model(c)).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let mut total_fail = 0;
    for h in handles {
        let (f, pv) = h.join().unwrap();
        total_fail += f;
        seen_b.push(pv);
    }
    assert_eq!(total_fail, 0, "failed predictions during swaps");
    let (a, b): (usize, usize) = seen_b
        .iter()
        .fold((0, 0), |(a, b), pv| (a + pv[0], b + pv[1]));
    assert!(a > 0 && b > 0, "both versions answered: a = {a}, b = {b}");
    assert!(answered.load(Ordering::Relaxed) >= 8 * 50);
    // 1000 swaps end on version "a" (even count).
    assert_eq!(&*p.version(), "a");
}

#[test]
fn predictions_are_counted_and_timed_through_the_facade() {
    let rec = TestRecorder::new();
    let p = rec.with(|| Predictor::new("mlp_demo", "v1", constant_model(0.5)));
    p.predict(&[0.0; 3 * INPUT], 3).unwrap();
    p.predict_f32(&[0.0; INPUT], 1).unwrap();
    assert!(p.predict(&[f64::NAN; INPUT], 1).is_err());
    assert_eq!(
        rec.counter("tradewarden_predictions_total", &[("model", "mlp_demo")]),
        Some(4)
    );
    let lat = rec
        .histogram(
            "tradewarden_inference_latency_seconds",
            &[("model", "mlp_demo")],
        )
        .unwrap();
    assert_eq!(lat.len(), 2);
    assert!(lat.iter().all(|s| *s >= 0.0 && *s < 10.0));
    // handles re-registered at swap still reach the recorder
    rec.with(|| p.swap("v2", constant_model(0.25)).unwrap());
    p.predict(&[0.0; INPUT], 1).unwrap();
    assert_eq!(
        rec.counter("tradewarden_predictions_total", &[("model", "mlp_demo")]),
        Some(5)
    );
}
