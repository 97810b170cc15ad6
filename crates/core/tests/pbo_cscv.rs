//! PBO by CSCV: logits, PBO and mean OOS rank against ffn 1.4.1
//! (`calc_prob_backtest_overfitting(..., full_output=True)`; values from
//! `tests/scripts/pbo_ffn_cases.py`), the IS/OOS performance against a
//! brute-force re-slicing implementation, bad input and properties.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tradewarden_core::Error;
use tradewarden_core::returns::pbo::{HalfStats, Metric, PboMetric, StrategyMatrix, pbo, pbo_with};

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn uniform(i: u64) -> f64 {
    (splitmix64(i) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Same matrix as `matrix()` in tests/scripts/pbo_ffn_cases.py (column-major);
/// the last column duplicates column 1, so OOS ties occur.
fn matrix(n_rows: usize, n_cols: usize, seed: u64) -> Vec<f64> {
    let mut v = Vec::with_capacity(n_rows * n_cols);
    for j in 0..n_cols {
        let src = if j == n_cols - 1 { 1 } else { j } as u64;
        for t in 0..n_rows as u64 {
            v.push(
                0.01 * (uniform(seed * 1_000_003 + src * 100_003 + t) - 0.5) + 2e-5 * src as f64,
            );
        }
    }
    v
}

struct FfnCase {
    n_rows: usize,
    n_cols: usize,
    seed: u64,
    n_blocks: usize,
    pbo: f64,
    mean_oos_rank: f64,
    logits: &'static [f64],
}

const FFN_CASES: &[FfnCase] = &[
    FfnCase {
        n_rows: 203,
        n_cols: 7,
        seed: 1,
        n_blocks: 8,
        pbo: 0.7142857142857143,
        mean_oos_rank: 0.4660714285714286,
        logits: &[
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            -0.5108256237659907,
            0.0,
            0.0,
            -0.5108256237659907,
            -0.5108256237659907,
            0.0,
            -0.5108256237659907,
            0.0,
            1.0986122886681098,
            0.5108256237659907,
            0.0,
            0.5108256237659907,
            0.5108256237659907,
            0.5108256237659907,
            0.0,
            0.5108256237659907,
            0.0,
            -1.9459101490553135,
            1.0986122886681098,
            0.5108256237659907,
            -0.5108256237659907,
            -0.5108256237659907,
            -0.5108256237659907,
            0.5108256237659907,
            0.0,
            0.0,
            1.0986122886681098,
            0.5108256237659907,
            0.0,
            -0.5108256237659907,
            0.0,
            1.0986122886681098,
            -1.9459101490553135,
            0.5108256237659907,
            -1.0986122886681098,
            0.0,
            -1.9459101490553135,
            0.0,
            -1.0986122886681098,
            0.0,
            0.5108256237659907,
            0.0,
            -0.5108256237659907,
            0.0,
            -0.5108256237659907,
            1.0986122886681098,
            -0.5108256237659907,
            -0.5108256237659907,
            0.0,
            -0.5108256237659907,
            1.0986122886681098,
            0.5108256237659907,
            0.5108256237659907,
            -1.9459101490553135,
            -0.5108256237659907,
            -1.0986122886681098,
            -1.0986122886681098,
            -1.9459101490553135,
            1.0986122886681098,
            -1.0986122886681098,
            0.0,
            -0.5108256237659907,
            0.5108256237659907,
            -1.9459101490553135,
            -1.9459101490553135,
        ],
    },
    FfnCase {
        n_rows: 120,
        n_cols: 5,
        seed: 2,
        n_blocks: 6,
        pbo: 0.85,
        mean_oos_rank: 0.37500000000000006,
        logits: &[
            0.0,
            0.0,
            -1.6094379124341005,
            -1.6094379124341005,
            -0.6931471805599454,
            -1.0986122886681098,
            0.0,
            -1.6094379124341005,
            1.6094379124341007,
            -0.33647223662121273,
            -0.6931471805599454,
            1.6094379124341007,
            -1.6094379124341005,
            -1.6094379124341005,
            0.0,
            -1.6094379124341005,
            0.6931471805599452,
            -1.6094379124341005,
            -1.0986122886681098,
            -0.33647223662121273,
        ],
    },
];

#[test]
fn matches_ffn_logits_pbo_and_mean_rank() {
    for c in FFN_CASES {
        let v = matrix(c.n_rows, c.n_cols, c.seed);
        let m = StrategyMatrix::new(&v, c.n_rows, c.n_cols).unwrap();
        let r = pbo(m, c.n_blocks).unwrap();
        assert_eq!(r.n_combinations, c.logits.len());
        assert_eq!(r.n_rows_used, c.n_rows / c.n_blocks * c.n_blocks);
        for (i, (a, b)) in r.logits.iter().zip(c.logits).enumerate() {
            assert!(
                (a - b).abs() < 1e-12,
                "seed {} combination {i}: {a} vs ffn {b}",
                c.seed
            );
        }
        assert!((r.pbo - c.pbo).abs() < 1e-12, "{} vs {}", r.pbo, c.pbo);
        assert!((r.mean_oos_rank - c.mean_oos_rank).abs() < 1e-12);
    }
}

fn sharpe(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0);
    m / v.sqrt()
}

/// Lexicographic k-subsets of 0..n (as itertools.combinations).
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut c: Vec<usize> = (0..k).collect();
    loop {
        out.push(c.clone());
        let mut i = k;
        loop {
            if i == 0 {
                return out;
            }
            i -= 1;
            if c[i] < n - k + i {
                c[i] += 1;
                for j in i + 1..k {
                    c[j] = c[j - 1] + 1;
                }
                break;
            }
        }
    }
}

#[test]
fn winners_and_performance_match_brute_force() {
    let (t, n, s) = (203, 7, 8);
    let v = matrix(t, n, 1);
    let r = pbo(StrategyMatrix::new(&v, t, n).unwrap(), s).unwrap();
    let bl = t / s;
    let combos = combinations(s, s / 2);
    assert_eq!(combos.len(), r.n_combinations);
    let mut losses = 0;
    for (i, is_blocks) in combos.iter().enumerate() {
        let half = |inside: bool, j: usize| -> Vec<f64> {
            (0..s)
                .filter(|b| is_blocks.contains(b) == inside)
                .flat_map(|b| v[j * t + b * bl..j * t + (b + 1) * bl].to_vec())
                .collect()
        };
        let is_perf: Vec<f64> = (0..n).map(|j| sharpe(&half(true, j))).collect();
        let oos_perf: Vec<f64> = (0..n).map(|j| sharpe(&half(false, j))).collect();
        let mut w = 0;
        for j in 1..n {
            if is_perf[j] > is_perf[w] {
                w = j;
            }
        }
        assert_eq!(r.winners[i], w, "combination {i}");
        assert!((r.is_performance[i] - is_perf[w]).abs() < 1e-12);
        assert!((r.oos_performance[i] - oos_perf[w]).abs() < 1e-12);
        losses += usize::from(oos_perf[w] < 0.0);
    }
    assert!((r.prob_loss - losses as f64 / combos.len() as f64).abs() < 1e-15);
    // degradation regression against a direct least-squares fit
    let (x, y) = (&r.is_performance, &r.oos_performance);
    let k = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / k, y.iter().sum::<f64>() / k);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    let syy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
    assert!((r.degradation.slope - sxy / sxx).abs() < 1e-12);
    assert!((r.degradation.intercept - (my - sxy / sxx * mx)).abs() < 1e-12);
    assert!((r.degradation.r_squared - sxy * sxy / (sxx * syy)).abs() < 1e-12);
}

#[test]
fn a_dominant_strategy_is_not_overfit() {
    // strategy 0 has a large drift: it wins IS and ranks top OOS in every split
    let (t, n) = (160, 5);
    let mut v = matrix(t, n, 9);
    for x in &mut v[..t] {
        *x += 0.01;
    }
    let r = pbo(StrategyMatrix::new(&v, t, n).unwrap(), 8).unwrap();
    assert_eq!(r.pbo, 0.0);
    assert!(r.winners.iter().all(|&w| w == 0));
    assert!((r.mean_oos_rank - 5.0 / 6.0).abs() < 1e-12);
    assert_eq!(r.prob_loss, 0.0);
}

#[test]
fn other_metrics_and_custom_trait() {
    let (t, n) = (96, 4);
    let v = matrix(t, n, 3);
    let m = StrategyMatrix::new(&v, t, n).unwrap();
    let mean = pbo_with(m, 4, &Metric::Mean).unwrap();
    let sum = pbo_with(m, 4, &Metric::Sum).unwrap();
    // equal half sizes: mean and sum rank identically
    assert_eq!(mean.logits, sum.logits);
    struct NegVar;
    impl PboMetric for NegVar {
        fn score(&self, h: &HalfStats) -> f64 {
            -h.variance(1)
        }
    }
    let r = pbo_with(m, 4, &NegVar).unwrap();
    assert_eq!(r.n_combinations, 6);
    assert!((0.0..=1.0).contains(&r.pbo));
}

#[test]
fn returns_matrix_converts_and_scaling_leaves_logits_unchanged() {
    let (t, n) = (120, 6);
    let v = matrix(t, n, 4);
    let rm = tradewarden_core::io::ReturnsMatrix {
        values: v.clone(),
        n_rows: t,
        names: (0..n).map(|j| format!("s{j}")).collect(),
    };
    let a = pbo(StrategyMatrix::try_from(&rm).unwrap(), 6).unwrap();
    // Sharpe is scale-invariant: the same winners, ranks and logits
    let scaled: Vec<f64> = v.iter().map(|x| x * 3.5).collect();
    let b = pbo(StrategyMatrix::new(&scaled, t, n).unwrap(), 6).unwrap();
    assert_eq!(a.logits, b.logits);
    assert_eq!(a.winners, b.winners);
    let bad = tradewarden_core::io::ReturnsMatrix {
        values: v,
        n_rows: t + 1,
        names: rm.names.clone(),
    };
    assert!(StrategyMatrix::try_from(&bad).is_err());
}

#[test]
fn result_independent_of_thread_count() {
    let (t, n) = (300, 12);
    let v = matrix(t, n, 5);
    let m = StrategyMatrix::new(&v, t, n).unwrap();
    let a = pbo(m, 10).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| pbo(m, 10).unwrap());
    assert_eq!(a, b);
    assert!(serde_json::to_string(&a).unwrap().contains("\"pbo\""));
}

#[test]
fn bad_input_is_a_typed_error_naming_the_parameter() {
    let v = matrix(40, 3, 1);
    let m = StrategyMatrix::new(&v, 40, 3).unwrap();
    for s in [0, 1, 3, 7] {
        let e = pbo(m, s).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    param: "n_blocks",
                    ..
                }
            ),
            "{e}"
        );
    }
    assert!(pbo(m, 26).unwrap_err().to_string().contains("n_blocks"));
    // fewer rows than S
    let short = StrategyMatrix::new(&v[..12], 4, 3).unwrap();
    let e = pbo(short, 6).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "strategies",
                ..
            }
        ),
        "{e}"
    );
    // one strategy
    let one = StrategyMatrix::new(&v[..40], 40, 1).unwrap();
    assert!(
        pbo(one, 4)
            .unwrap_err()
            .to_string()
            .contains("at least 2 strategies")
    );
    // shape mismatch
    assert!(matches!(
        StrategyMatrix::new(&v, 41, 3).unwrap_err(),
        Error::InvalidParameter {
            param: "values",
            ..
        }
    ));
    // NaN / inf, named by row and column
    let mut bad = v.clone();
    bad[40 + 7] = f64::NAN;
    let e = pbo(StrategyMatrix::new(&bad, 40, 3).unwrap(), 4).unwrap_err();
    assert!(e.to_string().contains("row 7, column 1"), "{e}");
    bad[40 + 7] = f64::INFINITY;
    assert!(pbo(StrategyMatrix::new(&bad, 40, 3).unwrap(), 4).is_err());
    // a strategy constant over a whole half: Sharpe undefined → error naming the metric
    let mut flat = v.clone();
    for x in &mut flat[80..100] {
        *x = 0.0;
    }
    let e = pbo(StrategyMatrix::new(&flat, 40, 3).unwrap(), 4).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "metric",
                ..
            }
        ),
        "{e}"
    );
    // ...but fine for the mean
    assert!(pbo_with(StrategyMatrix::new(&flat, 40, 3).unwrap(), 4, &Metric::Mean).is_ok());
    // a single-row half has no Sharpe (std with ddof = 1)
    let e = pbo(StrategyMatrix::new(&v[..6], 2, 3).unwrap(), 2).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "metric",
                ..
            }
        ),
        "{e}"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn pbo_in_unit_interval_and_no_panic(
            mut vals in proptest::collection::vec(prop_oneof![4 => -0.1f64..0.1, 1 => Just(0.0)], 0..240),
            n_cols in 1usize..6,
            s in 0usize..12,
            nan_at in proptest::option::of(0usize..240),
        ) {
            if let Some(i) = nan_at.filter(|&i| i < vals.len()) {
                vals[i] = f64::NAN;
            }
            let n_rows = vals.len() / n_cols;
            let v = &vals[..n_rows * n_cols];
            if let Ok(r) = StrategyMatrix::new(v, n_rows, n_cols).and_then(|m| pbo(m, s)) {
                prop_assert!((0.0..=1.0).contains(&r.pbo));
                prop_assert!(r.logits.iter().all(|l| l.is_finite()));
                prop_assert!((0.0..=1.0).contains(&r.prob_loss));
                prop_assert!(r.mean_oos_rank > 0.0 && r.mean_oos_rank < 1.0);
            }
        }
    }
}
