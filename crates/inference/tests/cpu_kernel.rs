//! The CPU kernel (`Mlp::forward_f32` on the flex device) against burn's
//! tensor ops (`Mlp::forward_f32_burn`): every activation and output kind,
//! layer widths around the vector sizes (1..4 outputs take the dot-product
//! path, 5..15 the partial-vector tail, 16/32/64/… full blocks, odd widths
//! both), batches that leave every row remainder of the 6-row micro-kernel and
//! span several 256-row tiles (the parallel path).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tradewarden_inference::InferenceError;
use tradewarden_inference::model::{Activation, Mlp, MlpConfig, OutputKind, cpu_device};

fn inputs(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
        })
        .collect()
}

/// Largest |a − b| / max(1, |b|).
fn max_rel(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f32::max)
}

fn check(cfg: MlpConfig, rows: &[usize]) {
    let dev = cpu_device();
    let m = Mlp::new(cfg.clone(), &dev).unwrap();
    for (i, &n) in rows.iter().enumerate() {
        let x = inputs(n * cfg.input, i as u64 + 7);
        let fast = m.forward_f32(&x, n).unwrap();
        let slow = m.forward_f32_burn(&x, n).unwrap();
        let err = max_rel(&fast, &slow);
        assert!(err <= 1e-5, "{cfg:?}, {n} rows: max rel diff {err}");
        let x64: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
        assert_eq!(m.forward_f64(&x64, n).unwrap(), fast, "{cfg:?} f64 input");
    }
}

#[test]
fn every_activation_and_output_kind_matches_burn() {
    let acts = [
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Gelu,
        Activation::Silu,
    ];
    let kinds = [
        OutputKind::Point,
        OutputKind::Quantiles,
        OutputKind::Classes,
    ];
    for act in acts {
        for kind in kinds {
            let cfg = MlpConfig::new(64, vec![128, 128], 3)
                .with_activation(act)
                .with_output_kind(kind);
            check(cfg, &[1, 7, 300]);
        }
    }
}

#[test]
fn odd_widths_and_every_row_remainder_match_burn() {
    let shapes: &[(usize, &[usize], usize)] = &[
        (1, &[], 1),
        (3, &[], 4),
        (5, &[17], 2),
        (7, &[5, 9], 5),
        (13, &[16, 33], 15),
        (64, &[65], 16),
        (31, &[130, 64], 31),
        (100, &[257], 70),
        (8, &[1], 3),
    ];
    for &(i, h, o) in shapes {
        let rows: Vec<usize> = (1..=13).chain([255, 256, 257, 600]).collect();
        check(MlpConfig::new(i, h.to_vec(), o), &rows);
    }
}

#[test]
fn relu_keeps_nan_like_burn() {
    // A NaN weight makes every row's hidden unit NaN; burn's ReLU keeps NaN,
    // and so must the kernel (the predictor rejects NaN inputs, not weights).
    let cfg = MlpConfig::new(2, vec![3], 2);
    let w1 = vec![f32::NAN, 0.5, 1.0, -1.0, 0.25, 0.0];
    let w2 = vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    let layers = vec![(w1, vec![0.0; 3]), (w2, vec![0.0; 2])];
    let m = Mlp::from_pytorch_weights(cfg, &layers, &cpu_device()).unwrap();
    let fast = m.forward_f32(&[1.0, 2.0], 1).unwrap();
    let slow = m.forward_f32_burn(&[1.0, 2.0], 1).unwrap();
    // both paths check the shape the same way
    for bad in [
        m.forward_f32(&[1.0, 2.0, 3.0], 1),
        m.forward_f32_burn(&[1.0, 2.0, 3.0], 1),
    ] {
        assert!(
            matches!(bad, Err(InferenceError::ShapeMismatch { .. })),
            "{bad:?}"
        );
    }
    assert!(matches!(
        m.forward_f32_burn(&[], 0),
        Err(InferenceError::InvalidInput { .. })
    ));
    assert!(fast[0].is_nan() && slow[0].is_nan(), "{fast:?} vs {slow:?}");
    assert_eq!(fast[1].to_bits(), slow[1].to_bits());
}

#[test]
fn large_batch_spans_tiles_and_rows_are_independent() {
    // Row r of a 1000-row batch equals the same row predicted alone.
    let cfg = MlpConfig::new(16, vec![32], 4).with_output_kind(OutputKind::Classes);
    let m = Mlp::new(cfg, &cpu_device()).unwrap();
    let x = inputs(1000 * 16, 3);
    let all = m.forward_f32(&x, 1000).unwrap();
    for r in [0usize, 255, 256, 511, 999] {
        let one = m.forward_f32(&x[r * 16..(r + 1) * 16], 1).unwrap();
        assert_eq!(&all[r * 4..(r + 1) * 4], &one[..], "row {r}");
    }
}
