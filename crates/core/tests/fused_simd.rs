//! The vectorised fused pass (`core_metrics` on series of 64 values and more,
//! AVX2/AVX-512 when the CPU has them) against the separate functions: every
//! length remainder of a vector block, new peaks inside a block and on its
//! edges, a drawdown that starts in one block and ends in another, returns of
//! −1 and below (the vector path declines them; the result must not change),
//! and a required return other than 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::ReturnsOptions;
use tradewarden_core::returns;

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        return 0.0;
    }
    (a - b).abs() / b.abs().max(1e-12)
}

fn check(r: &[f64], o: &ReturnsOptions, what: &str) {
    let m = returns::core_metrics(r, o).unwrap();
    let want = [
        (
            "max_drawdown",
            m.max_drawdown,
            returns::max_drawdown(r, o).unwrap(),
        ),
        (
            "sharpe",
            m.sharpe_ratio,
            returns::sharpe_ratio(r, o).unwrap(),
        ),
        (
            "sortino",
            m.sortino_ratio,
            returns::sortino_ratio(r, o).unwrap(),
        ),
        (
            "volatility",
            m.annual_volatility,
            returns::annual_volatility(r, o).unwrap(),
        ),
        (
            "annual_return",
            m.annual_return,
            returns::annual_return(r, o).unwrap(),
        ),
    ];
    for (i, (name, got, exp)) in want.into_iter().enumerate() {
        // The drawdown to 1e-12 (as the property test); the moments come from
        // shifted power sums, equal to the two-pass functions to 1e-9.
        let tol = if i == 0 { 1e-12 } else { 1e-9 };
        let ok = rel(got, exp) < tol || (got.is_nan() && exp.is_nan());
        assert!(ok, "{what} (n = {}): {name} {got} vs {exp}", r.len());
    }
}

fn random(seed: u64, n: usize, drift: f64, vol: f64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| drift + rng.random_range(-vol..vol))
        .collect()
}

#[test]
fn every_length_remainder_and_drift() {
    let o = ReturnsOptions::default();
    for n in 60..=100 {
        for (i, drift) in [-0.01, -0.001, 0.0, 0.001, 0.01].into_iter().enumerate() {
            check(
                &random(n as u64 * 7 + i as u64, n, drift, 0.05),
                &o,
                "random",
            );
        }
    }
}

#[test]
fn peaks_and_troughs_on_block_edges() {
    let o = ReturnsOptions::default();
    for n in [64usize, 67, 128, 1000] {
        for at in 0..24 {
            // Flat, a jump to a new peak at `at`, a fall that spans blocks,
            // a partial recovery, another higher peak later.
            let mut r = vec![0.0; n];
            r[at] = 0.2;
            for x in r.iter_mut().skip(at + 1).take(11) {
                *x = -0.03;
            }
            for x in r.iter_mut().skip(at + 12).take(5) {
                *x = 0.01;
            }
            r[n - 3] = 0.5;
            r[n - 1] = -0.4;
            check(&r, &o, "edges");
        }
    }
}

#[test]
fn returns_of_minus_one_and_below_fall_back_unchanged() {
    let o = ReturnsOptions::default();
    for pos in [0usize, 5, 63, 64, 99] {
        // n = 50 takes the scalar loop only.
        let mut short = random(9, 50, 0.001, 0.02);
        short[pos % 50] = -1.5;
        check(&short, &o, "≤ −1, scalar");
        for bad in [-1.0, -1.5] {
            let mut r = random(9, 100, 0.001, 0.02);
            r[pos] = bad;
            check(&r, &o, "≤ −1");
        }
    }
}

#[test]
fn nonzero_required_return_and_long_series() {
    let o = ReturnsOptions {
        required_return: 0.002,
        risk_free: 0.0001,
        ..ReturnsOptions::default()
    };
    check(&random(3, 100_003, 0.0003, 0.02), &o, "required return");
    check(
        &random(4, 250_001, -0.0002, 0.03),
        &ReturnsOptions::default(),
        "long",
    );
}
