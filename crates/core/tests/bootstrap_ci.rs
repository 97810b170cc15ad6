//! Bootstrap confidence intervals: reproducibility, coverage on a known
//! distribution, BCa vs percentile, ordering, bad input, and agreement with
//! arch 8.0 (`StationaryBootstrap` / `CircularBlockBootstrap` `conf_int`,
//! values from `tests/scripts/bootstrap_arch_cases.py`) within Monte-Carlo error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::Error;
use tradewarden_core::returns::bootstrap::{
    BootstrapOptions, IntervalMethod, MomentStatistic, Resampling, bootstrap_ci,
    bootstrap_moment_ci,
};

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn sharpe(x: &[f64]) -> f64 {
    let m = mean(x);
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (x.len() as f64 - 1.0);
    m / v.sqrt()
}

fn normals(n: usize, mu: f64, sigma: f64, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut u = || ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
    (0..n)
        .map(|_| {
            let (a, b) = (u(), u());
            mu + sigma * (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
        })
        .collect()
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn uniform(i: u64) -> f64 {
    (splitmix64(i) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Same series as `series()` in tests/scripts/bootstrap_arch_cases.py.
fn arch_series(n: usize) -> Vec<f64> {
    let mut prev = 0.0;
    (0..n as u64)
        .map(|t| {
            let mut s = 0.0;
            for k in 0..4 {
                s += uniform(4 * t + k);
            }
            let e = (s - 2.0) * 0.017;
            prev = 0.3 * prev + e;
            4e-4 + prev
        })
        .collect()
}

fn opts(resampling: Resampling, method: IntervalMethod, n: usize, seed: u64) -> BootstrapOptions {
    BootstrapOptions {
        resampling,
        method,
        n_resamples: n,
        confidence: 0.95,
        seed,
    }
}

const SCHEMES: [Resampling; 3] = [
    Resampling::Iid,
    Resampling::Stationary { mean_block: 7.5 },
    Resampling::Circular { block_len: 8 },
];

#[test]
fn reproducible_bit_for_bit_whatever_the_thread_count() {
    let x = normals(300, 0.001, 0.01, 1);
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for scheme in SCHEMES {
        for method in [IntervalMethod::Percentile, IntervalMethod::Bca] {
            let o = opts(scheme, method, 500, 42);
            let a = bootstrap_ci(&x, sharpe, &o).unwrap();
            let b = single.install(|| bootstrap_ci(&x, sharpe, &o).unwrap());
            assert_eq!(a, b);
            assert_eq!(a.lower.to_bits(), b.lower.to_bits());
            let c = bootstrap_moment_ci(&x, MomentStatistic::Sharpe, &o).unwrap();
            let d =
                single.install(|| bootstrap_moment_ci(&x, MomentStatistic::Sharpe, &o).unwrap());
            assert_eq!(c, d);
            // another seed gives another interval
            let e = bootstrap_ci(&x, sharpe, &BootstrapOptions { seed: 43, ..o }).unwrap();
            assert_ne!(a.lower, e.lower);
        }
    }
}

#[test]
fn moment_path_agrees_with_the_closure_path() {
    // same seed → same index draws; only the summation order differs
    let x = normals(400, 0.0005, 0.01, 2);
    for scheme in SCHEMES {
        for method in [IntervalMethod::Percentile, IntervalMethod::Bca] {
            let o = opts(scheme, method, 300, 7);
            for (stat, f) in [
                (MomentStatistic::Sharpe, sharpe as fn(&[f64]) -> f64),
                (MomentStatistic::Mean, mean),
            ] {
                let a = bootstrap_ci(&x, f, &o).unwrap();
                let b = bootstrap_moment_ci(&x, stat, &o).unwrap();
                for (u, v) in [
                    (a.estimate, b.estimate),
                    (a.lower, b.lower),
                    (a.upper, b.upper),
                    (a.std_error, b.std_error),
                ] {
                    assert!(
                        (u - v).abs() < 1e-10 * (1.0 + u.abs()),
                        "{scheme:?} {method:?} {stat:?}: {u} vs {v}"
                    );
                }
            }
        }
    }
}

#[test]
fn coverage_of_the_mean_of_normal_data() {
    // 200 fixed-seed data sets of 100 N(0.5, 1) draws; the 95% percentile
    // interval of the mean should contain 0.5 in ≈ 93–95% of them. The bound
    // is loose (≥ 85%) and every seed is fixed, so the test cannot flake.
    let mut hits = [0usize; 2];
    for trial in 0..200u64 {
        let x = normals(100, 0.5, 1.0, 1000 + trial);
        for (k, method) in [IntervalMethod::Percentile, IntervalMethod::Bca]
            .into_iter()
            .enumerate()
        {
            let ci = bootstrap_moment_ci(
                &x,
                MomentStatistic::Mean,
                &opts(Resampling::Iid, method, 400, trial),
            )
            .unwrap();
            hits[k] += usize::from(ci.lower <= 0.5 && 0.5 <= ci.upper);
        }
    }
    for h in hits {
        assert!((170..=199).contains(&h), "coverage {h}/200");
    }
}

#[test]
fn bca_and_percentile_agree_on_symmetric_data() {
    // symmetric data, symmetric statistic: bias ≈ 0, acceleration ≈ 0
    let x: Vec<f64> = (0..401).map(|i| (i as f64 - 200.0) * 1e-4).collect();
    let p = bootstrap_moment_ci(
        &x,
        MomentStatistic::Mean,
        &opts(Resampling::Iid, IntervalMethod::Percentile, 4000, 3),
    )
    .unwrap();
    let b = bootstrap_moment_ci(
        &x,
        MomentStatistic::Mean,
        &opts(Resampling::Iid, IntervalMethod::Bca, 4000, 3),
    )
    .unwrap();
    let width = p.upper - p.lower;
    assert!((p.lower - b.lower).abs() < 0.05 * width, "{p:?} {b:?}");
    assert!((p.upper - b.upper).abs() < 0.05 * width, "{p:?} {b:?}");
}

#[test]
fn intervals_are_ordered_and_nested() {
    let x = normals(250, 0.0008, 0.012, 5);
    for scheme in SCHEMES {
        for method in [IntervalMethod::Percentile, IntervalMethod::Bca] {
            let o = opts(scheme, method, 1000, 11);
            let c95 = bootstrap_ci(&x, sharpe, &o).unwrap();
            let c80 = bootstrap_ci(
                &x,
                sharpe,
                &BootstrapOptions {
                    confidence: 0.8,
                    ..o
                },
            )
            .unwrap();
            assert!(
                c95.lower <= c95.estimate && c95.estimate <= c95.upper,
                "{c95:?}"
            );
            assert!(c95.lower <= c80.lower && c80.upper <= c95.upper);
            assert!(c95.std_error > 0.0);
            let ann = c95.clone().scaled(252f64.sqrt()).unwrap();
            assert!((ann.upper - c95.upper * 252f64.sqrt()).abs() < 1e-15);
        }
    }
}

/// arch 8.0, series(1000), 4000 resamples, block 10 (tests/scripts/bootstrap_arch_cases.py):
/// (scheme, method, lower, upper); estimate 0.04605280246251124; arch std errors
/// (ddof = 1) 0.0424 (stationary) and 0.0410 (circular).
const ARCH: [(Resampling, IntervalMethod, f64, f64); 4] = [
    (
        Resampling::Stationary { mean_block: 10.0 },
        IntervalMethod::Percentile,
        -0.03802391610455434,
        0.1302784195331496,
    ),
    (
        Resampling::Stationary { mean_block: 10.0 },
        IntervalMethod::Bca,
        -0.039658994265834635,
        0.1274480696033333,
    ),
    (
        Resampling::Circular { block_len: 10 },
        IntervalMethod::Percentile,
        -0.03717848659141523,
        0.12589945131128644,
    ),
    (
        Resampling::Circular { block_len: 10 },
        IntervalMethod::Bca,
        -0.03796477042320946,
        0.1263077149543668,
    ),
];

#[test]
fn agrees_with_arch_within_monte_carlo_error() {
    let x = arch_series(1000);
    assert!(
        (sharpe(&x) - 0.04605280246251124).abs() < 1e-14,
        "series differs from the script's"
    );
    for (scheme, method, lo, hi) in ARCH {
        let ci = bootstrap_ci(&x, sharpe, &opts(scheme, method, 4000, 2024)).unwrap();
        assert!((ci.estimate - 0.04605280246251124).abs() < 1e-14);
        // Monte-Carlo error of a 2.5% quantile from B = 4000 resamples of a
        // roughly normal distribution with sd σ: √(0.025·0.975/B)/φ(1.96) ≈ 0.042σ;
        // two independent runs (different RNGs) differ by ≈ 0.06σ (1 s.e.).
        // Tolerance 0.3σ ≈ 5 s.e. (σ ≈ 0.042: our own bootstrap std error).
        let tol = 0.3 * ci.std_error;
        eprintln!(
            "{scheme:?} {method:?}: ours [{:.5}, {:.5}] arch [{lo:.5}, {hi:.5}] se {:.5}",
            ci.lower, ci.upper, ci.std_error
        );
        assert!(
            (ci.lower - lo).abs() < tol,
            "{scheme:?} {method:?}: lower {} vs arch {lo} (tol {tol})",
            ci.lower
        );
        assert!(
            (ci.upper - hi).abs() < tol,
            "{scheme:?} {method:?}: upper {} vs arch {hi} (tol {tol})",
            ci.upper
        );
        // std error: s.e. of an sd estimate ≈ σ/√(2B) ≈ 1.1% per run → 10% ≈ 6 s.e.
        let arch_se = if matches!(scheme, Resampling::Stationary { .. }) {
            0.04241239376904599
        } else {
            0.040958012945091576
        };
        assert!(
            (ci.std_error / arch_se - 1.0).abs() < 0.10,
            "{scheme:?}: se {} vs arch {arch_se}",
            ci.std_error
        );
    }
}

#[test]
fn bad_input_is_a_typed_error_naming_the_parameter() {
    let x = normals(50, 0.0, 1.0, 9);
    let base = BootstrapOptions::default();
    let err = |o: BootstrapOptions| bootstrap_ci(&x, mean, &o).unwrap_err();
    let param = |e: Error| match e {
        Error::InvalidParameter { param, .. }
        | Error::Empty { param, .. }
        | Error::NonFinite { param, .. } => param,
        other => panic!("unexpected {other}"),
    };
    assert_eq!(
        param(err(BootstrapOptions {
            n_resamples: 0,
            ..base
        })),
        "n_resamples"
    );
    for c in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
        assert_eq!(
            param(err(BootstrapOptions {
                confidence: c,
                ..base
            })),
            "confidence"
        );
    }
    for b in [0.0, 0.5, f64::NAN, f64::INFINITY] {
        let o = BootstrapOptions {
            resampling: Resampling::Stationary { mean_block: b },
            ..base
        };
        assert_eq!(param(err(o)), "mean_block");
    }
    for b in [0, 51] {
        let o = BootstrapOptions {
            resampling: Resampling::Circular { block_len: b },
            ..base
        };
        assert_eq!(param(err(o)), "block_len");
    }
    assert!(matches!(
        bootstrap_ci(&[], mean, &base).unwrap_err(),
        Error::Empty { param: "data", .. }
    ));
    assert!(matches!(
        bootstrap_moment_ci(&[], MomentStatistic::Mean, &base).unwrap_err(),
        Error::Empty { param: "data", .. }
    ));
    let mut bad = x.clone();
    bad[4] = f64::NAN;
    assert!(matches!(
        bootstrap_ci(&bad, mean, &base).unwrap_err(),
        Error::NonFinite {
            param: "data",
            index: 4,
            ..
        }
    ));
    // a statistic that is NaN on the data, or on a resample
    assert_eq!(
        param(bootstrap_ci(&x, |_| f64::NAN, &base).unwrap_err()),
        "statistic"
    );
    let two = [1.0, 2.0];
    let e = bootstrap_ci(
        &two,
        sharpe,
        &BootstrapOptions {
            n_resamples: 200,
            ..base
        },
    )
    .unwrap_err();
    assert_eq!(param(e), "statistic");
    assert_eq!(
        param(bootstrap_moment_ci(&[0.01; 20], MomentStatistic::Sharpe, &base).unwrap_err()),
        "data"
    );
    // BCa on a constant statistic: bias correction undefined
    let bca = BootstrapOptions {
        method: IntervalMethod::Bca,
        ..base
    };
    assert_eq!(
        param(bootstrap_ci(&x, |_| 1.0, &bca).unwrap_err()),
        "method"
    );
    assert_eq!(param(bootstrap_ci(&[1.0], mean, &bca).unwrap_err()), "data");
    // options deny unknown fields
    assert!(serde_json::from_str::<BootstrapOptions>(r#"{"n_resample": 10}"#).is_err());
    let o: BootstrapOptions =
        serde_json::from_str(r#"{"resampling": {"stationary": {"mean_block": 5.0}}, "seed": 3}"#)
            .unwrap();
    assert_eq!(o.resampling, Resampling::Stationary { mean_block: 5.0 });
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn no_panic_on_arbitrary_input(
            x in proptest::collection::vec(prop_oneof![-1.0f64..1.0, Just(0.0), Just(f64::NAN)], 0..40),
            block in 0usize..50,
            mean_block in -1.0f64..60.0,
            conf in -0.5f64..1.5,
            n in 0usize..60,
            bca in any::<bool>(),
        ) {
            let method = if bca { IntervalMethod::Bca } else { IntervalMethod::Percentile };
            for scheme in [Resampling::Iid, Resampling::Circular { block_len: block }, Resampling::Stationary { mean_block }] {
                let o = BootstrapOptions { resampling: scheme, method, n_resamples: n, confidence: conf, seed: 1 };
                if let Ok(ci) = bootstrap_ci(&x, mean, &o) {
                    prop_assert!(ci.lower <= ci.upper);
                }
                if let Ok(ci) = bootstrap_moment_ci(&x, MomentStatistic::Sharpe, &o) {
                    prop_assert!(ci.lower <= ci.upper);
                }
            }
        }
    }
}
