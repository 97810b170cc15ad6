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

/// A NaN or ±inf prediction or actual is a typed error naming the array,
/// the index and the value (it gave NaN / inf metrics before), from pairs
/// and from aligned arrays; arrays of different lengths name `actuals`.
#[test]
fn non_finite_values_and_lengths_are_named() {
    use tradewarden_core::{Classify, ErrorKind};
    use tradewarden_drift::error::Error;
    use tradewarden_drift::monitor::prediction_quality_aligned;
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = prediction_quality(&[(1.0, 1.0), (bad, 2.0)]).unwrap_err();
        let want = format!("{bad} (pair 1)");
        assert!(
            matches!(&e, Error::InvalidParameter { param: "predictions", value, .. } if *value == want),
            "{e:?}"
        );
        let e = prediction_quality_aligned(&[1.0, 2.0, 3.0], &[1.0, 2.0, bad]).unwrap_err();
        let want = format!("{bad} (pair 2)");
        assert!(
            matches!(&e, Error::InvalidParameter { param: "actuals", value, .. } if *value == want),
            "{e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
    let e = prediction_quality_aligned(&[1.0, 2.0], &[1.0]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("actuals"), "{e}");
    let q = prediction_quality_aligned(&[1.0, 2.0], &[1.0, 2.5]).unwrap();
    assert_eq!(q, prediction_quality(&[(1.0, 1.0), (2.0, 2.5)]).unwrap());
}
