//! Regression (issue 21): directional accuracy counted a flat step as up
//! (`f64::signum(0.0) = 1`): predictions [1, 1, 1] against actuals
//! [1, 2, 1.5] gave 50 %; the seed's `np.sign` gives 0 %.
#![allow(missing_docs, clippy::unwrap_used)]

use tradewarden_drift::monitor::prediction_quality;

#[test]
fn flat_steps_follow_np_sign() {
    let q = prediction_quality(&[(1.0, 1.0), (1.0, 2.0), (1.0, 1.5)]).unwrap();
    assert_eq!(q.directional_accuracy_pct, 0.0);
    // Flat matches flat.
    let q = prediction_quality(&[(1.0, 1.0), (1.0, 1.0), (2.0, 3.0)]).unwrap();
    assert_eq!(q.directional_accuracy_pct, 100.0);
    // The seed's upstream case (prediction 3200+i, actual 3200+1.1i): 100 %.
    let pairs: Vec<(f64, f64)> = (0..10)
        .map(|i| (3200.0 + i as f64, 3200.0 + 1.1 * i as f64))
        .collect();
    let q = prediction_quality(&pairs).unwrap();
    assert_eq!(q.directional_accuracy_pct, 100.0);
    assert!((q.mae - 0.45).abs() < 1e-9);
}
