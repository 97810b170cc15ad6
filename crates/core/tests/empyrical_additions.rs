//! What the empyrical drop-in (issue 19) added to the returns API:
//! `SummaryOptions::cutoff` over [0, 1], as `value_at_risk`'s historical
//! method accepts it (the ends give the minimum and the maximum, the mean as
//! CVaR; the Gaussian fields are NaN there; outside [0, 1] an error naming
//! `cutoff`); `annual_volatility_alpha`; `sortino_ratio_given_downside`;
//! `cum_returns_columns` and `market_captures_row_major` (2-D inputs in one
//! call) equal to the per-column functions bit for bit.
#![allow(clippy::unwrap_used)]

use tradewarden_core::returns::{self, Summary, SummaryOptions, VarMethod};
use tradewarden_core::{Error, NanPolicy, ReturnsOptions};

fn series() -> Vec<f64> {
    let mut s = 17u64;
    (0..500)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.03
        })
        .collect()
}

#[test]
fn summary_cutoff_at_the_ends_matches_value_at_risk() {
    let r = series();
    let o = ReturnsOptions::default();
    for cutoff in [0.0, 0.05, 0.5, 1.0] {
        let s = Summary::compute(
            &r,
            None,
            &SummaryOptions {
                cutoff,
                ..Default::default()
            },
        )
        .unwrap();
        let var = returns::value_at_risk(&r, cutoff, VarMethod::Historical, &o).unwrap();
        let cvar =
            returns::conditional_value_at_risk(&r, cutoff, VarMethod::Historical, &o).unwrap();
        assert_eq!(s.value_at_risk, var, "cutoff {cutoff}");
        assert!(
            (s.conditional_value_at_risk - cvar).abs() <= 1e-15,
            "cutoff {cutoff}"
        );
        let inner = cutoff > 0.0 && cutoff < 1.0;
        assert_eq!(s.gaussian_value_at_risk.is_nan(), !inner, "cutoff {cutoff}");
        assert_eq!(
            s.gaussian_expected_shortfall.is_nan(),
            !inner,
            "cutoff {cutoff}"
        );
    }
    let min = r.iter().copied().fold(f64::INFINITY, f64::min);
    let max = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = r.iter().sum::<f64>() / r.len() as f64;
    let at = |c: f64| {
        Summary::compute(
            &r,
            None,
            &SummaryOptions {
                cutoff: c,
                ..Default::default()
            },
        )
        .unwrap()
    };
    assert_eq!(
        (at(0.0).value_at_risk, at(0.0).conditional_value_at_risk),
        (min, min)
    );
    assert_eq!(at(1.0).value_at_risk, max);
    assert!((at(1.0).conditional_value_at_risk - mean).abs() <= 1e-15);
    for bad in [-0.01, 1.01, f64::NAN] {
        let e = Summary::compute(
            &r,
            None,
            &SummaryOptions {
                cutoff: bad,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    param: "cutoff",
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

#[test]
fn volatility_with_a_stability_exponent() {
    let r = series();
    let o = ReturnsOptions::default();
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let std = (r.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    assert_eq!(
        returns::annual_volatility_alpha(&r, 2.0, &o).unwrap(),
        returns::annual_volatility(&r, &o).unwrap()
    );
    for alpha in [1.0, 1.5, 3.0, -2.0] {
        let v = returns::annual_volatility_alpha(&r, alpha, &o).unwrap();
        let want = std * 252f64.powf(1.0 / alpha);
        assert!(
            (v - want).abs() <= 1e-14 * want.abs(),
            "alpha {alpha}: {v} vs {want}"
        );
    }
    for bad in [0.0, f64::NAN, f64::INFINITY] {
        let e = returns::annual_volatility_alpha(&r, bad, &o).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { param: "alpha", .. }),
            "{e:?}"
        );
    }
    assert!(
        returns::annual_volatility_alpha(&r[..1], 3.0, &o)
            .unwrap()
            .is_nan()
    );
}

#[test]
fn sortino_with_a_given_downside_risk() {
    let mut r = series();
    let o = ReturnsOptions {
        required_return: 0.001,
        ..ReturnsOptions::empyrical()
    };
    let dr = returns::downside_risk(&r, &o).unwrap();
    let a = returns::sortino_ratio_given_downside(&r, dr, &o).unwrap();
    let b = returns::sortino_ratio(&r, &o).unwrap();
    assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} vs {b}");
    // half the downside risk: twice the ratio
    let h = returns::sortino_ratio_given_downside(&r, dr / 2.0, &o).unwrap();
    assert!((h - 2.0 * a).abs() <= 1e-12 * a.abs());
    // NaN skipped under Skip, as the full ratio
    r[3] = f64::NAN;
    let a = returns::sortino_ratio_given_downside(&r, dr, &o).unwrap();
    let n = (r.len() - 1) as f64;
    let mean = r.iter().filter(|x| !x.is_nan()).sum::<f64>() / n;
    let want = (mean - 0.001) * 252.0 / dr;
    assert!((a - want).abs() <= 1e-12 * want.abs(), "{a} vs {want}");
    let strict = ReturnsOptions {
        nan_policy: NanPolicy::Error,
        ..o
    };
    assert!(returns::sortino_ratio_given_downside(&r, dr, &strict).is_err());
    assert!(
        returns::sortino_ratio_given_downside(&r[..1], dr, &o)
            .unwrap()
            .is_nan()
    );
}

fn matrix(n: usize, k: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n * k)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.03
        })
        .collect()
}

#[test]
fn two_dimensional_inputs_in_one_call_equal_the_columns() {
    let (n, k) = (300, 7);
    let mut rm = matrix(n, k, 5); // row-major: rm[i * k + j]
    let mut b = matrix(n, 1, 6);
    rm[3 * k + 2] = f64::NAN; // a NaN pair is dropped in that column only
    b[10] = f64::NAN;
    b[11] = 0.0; // neither up nor down
    let col = |j: usize| (0..n).map(|i| rm[i * k + j]).collect::<Vec<f64>>();
    let o = ReturnsOptions::empyrical();
    let c = returns::market_captures_row_major(&rm, k, &b, &o).unwrap();
    for (j, &(up, down)) in c.iter().enumerate() {
        let x = col(j);
        assert_eq!(
            up.to_bits(),
            returns::up_capture(&x, &b, &o).unwrap().to_bits(),
            "col {j}"
        );
        assert_eq!(
            down.to_bits(),
            returns::down_capture(&x, &b, &o).unwrap().to_bits(),
            "col {j}"
        );
    }
    // other policies: column by column, the same errors
    let strict = ReturnsOptions::default();
    assert!(returns::market_captures_row_major(&rm, k, &b, &strict).is_err());
    assert!(returns::market_captures_row_major(&rm, k + 1, &b, &o).is_err());
    assert!(returns::market_captures_row_major(&rm, 0, &b, &o).is_err());
    // no up period in a column's data: NaN
    let flat = vec![0.01; 4];
    let down_only = [-0.01, -0.02];
    let c = returns::market_captures_row_major(&flat, 2, &down_only, &o).unwrap();
    assert!(c[0].0.is_nan() && c[1].0.is_nan() && !c[0].1.is_nan());

    // cum_returns of a column-major matrix
    let cm: Vec<f64> = (0..k).flat_map(col).collect();
    let got = returns::cum_returns_columns(&cm, n, 100.0, &o).unwrap();
    for j in 0..k {
        let want = returns::cum_returns(&col(j), 100.0, &o).unwrap();
        assert_eq!(&got[j * n..(j + 1) * n], &want[..], "col {j}");
    }
    assert!(returns::cum_returns_columns(&cm, n + 1, 0.0, &o).is_err());
    assert!(returns::cum_returns_columns(&cm, 0, 0.0, &o).is_err());
}

#[test]
fn one_side_capture_of_every_block_width_equals_the_columns() {
    // widths cover the 8-, 4- and 1-column blocks; 3 000 rows cross several
    // row chunks for every width (16 384 values per chunk)
    let o = ReturnsOptions::empyrical();
    for k in [1, 3, 4, 5, 8, 12, 13, 21] {
        let n = 3_000;
        let mut rm = matrix(n, k, 40 + k as u64);
        let mut b = matrix(n, 1, 7);
        for i in (0..n).step_by(97) {
            rm[i * k + (i % k)] = f64::NAN; // NaN pairs in different columns
        }
        b[5] = f64::NAN;
        b[6] = 0.0;
        rm[9 * k] = f64::INFINITY;
        let col = |j: usize| (0..n).map(|i| rm[i * k + j]).collect::<Vec<f64>>();
        let up = returns::market_capture_row_major(&rm, k, &b, returns::Market::Up, &o).unwrap();
        let down =
            returns::market_capture_row_major(&rm, k, &b, returns::Market::Down, &o).unwrap();
        let both = returns::market_captures_row_major(&rm, k, &b, &o).unwrap();
        assert_eq!((up.len(), down.len(), both.len()), (k, k, k));
        for j in 0..k {
            let x = col(j);
            let (u, d) = (
                returns::up_capture(&x, &b, &o).unwrap(),
                returns::down_capture(&x, &b, &o).unwrap(),
            );
            assert_eq!(up[j].to_bits(), u.to_bits(), "k {k} col {j} up");
            assert_eq!(down[j].to_bits(), d.to_bits(), "k {k} col {j} down");
            assert_eq!(both[j].0.to_bits(), u.to_bits(), "k {k} col {j}");
            assert_eq!(both[j].1.to_bits(), d.to_bits(), "k {k} col {j}");
        }
    }
    // the shape is checked before any work, naming returns
    let err = returns::market_capture_row_major(&[0.1; 5], 2, &[0.1, 0.2], returns::Market::Up, &o)
        .unwrap_err();
    assert!(err.to_string().contains("returns"), "{err}");
}

#[test]
fn cum_returns_of_a_row_major_matrix_equals_the_columns_bit_for_bit() {
    let (n, k) = (257, 6);
    let mut rm = matrix(n, k, 11);
    rm[4 * k + 1] = f64::NAN; // NaN counts as a zero return (skip), in its column only
    let col = |j: usize| (0..n).map(|i| rm[i * k + j]).collect::<Vec<f64>>();
    for sv in [0.0, 100.0] {
        let o = ReturnsOptions::empyrical();
        let got = returns::cum_returns_row_major(&rm, k, sv, &o).unwrap();
        for j in 0..k {
            let want = returns::cum_returns(&col(j), sv, &o).unwrap();
            let g: Vec<u64> = (0..n).map(|i| got[i * k + j].to_bits()).collect();
            let w: Vec<u64> = want.iter().map(|v| v.to_bits()).collect();
            assert_eq!(g, w, "col {j} sv {sv}");
        }
    }
    // other policies go column by column with cum_returns' errors
    let strict = ReturnsOptions::default();
    assert!(returns::cum_returns_row_major(&rm, k, 0.0, &strict).is_err());
    let o = ReturnsOptions::empyrical();
    assert!(returns::cum_returns_row_major(&rm, k, f64::NAN, &o).is_err());
    assert!(returns::cum_returns_row_major(&rm, k + 1, 0.0, &o).is_err());
    assert!(returns::cum_returns_row_major(&rm, 0, 0.0, &o).is_err());
    assert!(returns::cum_returns_row_major(&[], 3, 0.0, &o).is_err());
}
