//! The one-pass kernels of the two-series metrics (`excess_sharpe`,
//! `tracking_error`, `alpha_beta`, `alpha`, `beta`, `up_alpha_beta`,
//! `down_alpha_beta`) against the previous definitions, written out here as
//! they were (NaN pairs filtered into new vectors, the market side filtered
//! into new vectors, sequential sums, beta from the two-pass covariance,
//! the compounded alpha as the mean of per-period residuals).
//!
//! The kernels sum in vector lanes with fused multiply-adds and from shifted
//! sums, so the last bits differ. Tolerance against the previous results,
//! asserted below: alpha, beta and excess Sharpe within 1e-10 relative (or
//! absolute below 1) on series of up to 100 000 values — far inside
//! empyrical's suite (8 decimals) and the compare harness (rtol 1e-8).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::returns::{self, AlphaMethod};
use tradewarden_core::{NanPolicy, ReturnsOptions};

fn series(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| (rng.random::<f64>() - 0.5) * 0.034641 + 0.00005)
        .collect()
}

/// `r = 0.8·b + noise + 0.0002`: a series with a real beta and alpha.
fn correlated(b: &[f64], seed: u64) -> Vec<f64> {
    let noise = series(seed, b.len());
    b.iter()
        .zip(&noise)
        .map(|(y, e)| 0.8 * y + 0.3 * e + 0.0002)
        .collect()
}

/// Relative 1e-10 (absolute near 0: 1e-10 for an alpha, whose compounding
/// `(1 + m)^252` multiplies the rounding of the mean residual by 252).
fn close(got: f64, want: f64) -> bool {
    (got.is_nan() && want.is_nan())
        || got == want
        || (got - want).abs() <= 1e-10 * want.abs().max(1.0)
}

// ---- the previous definitions ----

fn old_pairs(r: &[f64], b: &[f64], keep: impl Fn(f64) -> bool) -> (Vec<f64>, Vec<f64>) {
    r.iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan() && keep(**y))
        .map(|(x, y)| (*x, *y))
        .unzip()
}

fn old_mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn old_beta(r: &[f64], b: &[f64]) -> f64 {
    if r.is_empty() || b.len() < 2 {
        return f64::NAN;
    }
    let mb = old_mean(b);
    let (mut cov, mut var) = (0.0, 0.0);
    for (x, y) in r.iter().zip(b) {
        let d = y - mb;
        cov += d * x;
        var += d * d;
    }
    let n = r.len() as f64;
    let var = var / n;
    if var < 1.0e-30 {
        return f64::NAN;
    }
    (cov / n) / var
}

fn old_alpha_beta(r: &[f64], b: &[f64], ann: f64, rf: f64, compound: bool) -> (f64, f64) {
    let beta = old_beta(r, b);
    if r.len() < 2 {
        return (f64::NAN, beta);
    }
    let alpha = if compound {
        let m = r
            .iter()
            .zip(b)
            .map(|(x, y)| (x - rf) - beta * (y - rf))
            .sum::<f64>()
            / r.len() as f64;
        (1.0 + m).powf(ann) - 1.0
    } else {
        (old_mean(r) - beta * old_mean(b)) * ann
    };
    (alpha, beta)
}

fn old_excess_sharpe(r: &[f64], b: &[f64]) -> f64 {
    let (r, b) = old_pairs(r, b, |_| true);
    if r.len() < 2 {
        return f64::NAN;
    }
    let a: Vec<f64> = r.iter().zip(&b).map(|(x, y)| x - y).collect();
    let m = old_mean(&a);
    let ss: f64 = a.iter().map(|v| (v - m) * (v - m)).sum();
    m / (ss / (a.len() - 1) as f64).sqrt()
}

fn check(r: &[f64], b: &[f64], rf: f64, what: &str) {
    let mut o = ReturnsOptions::empyrical();
    o.risk_free = rf;
    let ann = 252.0;
    for (side, keep) in [
        ("all", (|_| true) as fn(f64) -> bool),
        ("up", |y| y > 0.0),
        ("down", |y| y < 0.0),
    ] {
        let (fr, fb) = old_pairs(r, b, keep);
        for compound in [true, false] {
            let method = if compound {
                AlphaMethod::Compound
            } else {
                AlphaMethod::Arithmetic
            };
            let got = match side {
                "all" => returns::alpha_beta(r, b, method, &o),
                "up" => returns::up_alpha_beta(r, b, method, &o),
                _ => returns::down_alpha_beta(r, b, method, &o),
            }
            .unwrap();
            let (alpha, beta) = old_alpha_beta(&fr, &fb, ann, rf, compound);
            assert!(
                close(got.alpha, alpha) && close(got.beta, beta),
                "{what} n={} {side} compound={compound}: got ({}, {}), previous ({alpha}, {beta})",
                r.len(),
                got.alpha,
                got.beta
            );
            if side == "all" {
                assert!(
                    close(returns::beta(r, b, &o).unwrap(), beta),
                    "{what}: beta"
                );
                assert!(
                    close(returns::alpha(r, b, method, &o).unwrap(), alpha),
                    "{what}: alpha"
                );
            }
        }
    }
    let es = returns::excess_sharpe(r, b, &o).unwrap();
    let want = old_excess_sharpe(r, b);
    assert!(
        close(es, want),
        "{what} n={}: excess_sharpe {es} vs {want}",
        r.len()
    );
}

#[test]
fn every_length_remainder_against_the_previous_definitions() {
    for n in 0..70 {
        let b = series(1 + n as u64, n);
        let r = correlated(&b, 100 + n as u64);
        if n == 0 {
            assert!(returns::beta(&r, &b, &ReturnsOptions::empyrical()).is_err());
            continue;
        }
        check(&r, &b, 0.0, "plain");
        check(&r, &b, 0.0001, "risk-free");
    }
}

#[test]
fn long_series_against_the_previous_definitions() {
    for (n, seed) in [(2_520usize, 7u64), (100_000, 8)] {
        let b = series(seed, n);
        check(&correlated(&b, seed + 50), &b, 0.0, "correlated");
        check(&series(seed + 90, n), &b, 0.0, "independent");
        // means away from 0, and a first pair far from the means (an outlier:
        // the shifted sums would cancel, the second pass about the means runs)
        let mut r: Vec<f64> = correlated(&b, seed + 60).iter().map(|x| x + 0.05).collect();
        let mut b5: Vec<f64> = b.iter().map(|y| y + 0.03).collect();
        check(&r, &b5, 0.0, "offset");
        r[0] += 3.0;
        b5[0] -= 2.0;
        check(&r, &b5, 0.0, "outlier first");
    }
}

#[test]
fn nan_pairs_are_skipped_in_the_pass() {
    let n = 1_003;
    let b = series(3, n);
    let mut r = correlated(&b, 4);
    let mut b = b;
    for i in (0..n).step_by(7) {
        r[i] = f64::NAN;
    }
    for i in (3..n).step_by(11) {
        b[i] = f64::NAN;
    }
    b[0] = f64::NAN; // the first pair is skipped: the shift is a later pair's
    check(&r, &b, 0.0, "with NaN");
    // all pairs NaN: NaN, as the previous definitions
    let nan = vec![f64::NAN; 9];
    check(&nan, &series(5, 9), 0.0, "all NaN");
}

#[test]
fn other_nan_policies_and_infinities() {
    let b = series(11, 300);
    let mut r = correlated(&b, 12);
    r[17] = f64::NAN;
    let mut o = ReturnsOptions::empyrical();
    o.nan_policy = NanPolicy::Propagate;
    let ab = returns::alpha_beta(&r, &b, AlphaMethod::Compound, &o).unwrap();
    assert!(ab.alpha.is_nan() && ab.beta.is_nan());
    assert!(returns::excess_sharpe(&r, &b, &o).unwrap().is_nan());
    assert!(
        returns::up_alpha_beta(&r, &b, AlphaMethod::Compound, &o)
            .unwrap()
            .beta
            .is_nan()
    );
    o.nan_policy = NanPolicy::Error;
    for e in [
        returns::beta(&r, &b, &o).unwrap_err(),
        returns::excess_sharpe(&r, &b, &o).unwrap_err(),
        returns::down_alpha_beta(&r, &b, AlphaMethod::Compound, &o).unwrap_err(),
    ] {
        let msg = e.to_string();
        assert!(msg.contains("returns") && msg.contains("17"), "{msg}");
    }
    // ±inf among the pairs: the careful path (the previous definitions' values)
    let mut r = correlated(&b, 13);
    r[40] = f64::INFINITY;
    check(&r, &b, 0.0, "with inf");
    // an inf on the side of the market not taken does not matter
    let mut r = correlated(&b, 14);
    let i = b.iter().position(|y| *y < 0.0).unwrap();
    r[i] = f64::INFINITY;
    let (fr, fb) = old_pairs(&r, &b, |y| y > 0.0);
    let got = returns::up_alpha_beta(&r, &b, AlphaMethod::Compound, &ReturnsOptions::empyrical())
        .unwrap();
    let (alpha, beta) = old_alpha_beta(&fr, &fb, 252.0, 0.0, true);
    assert!(close(got.alpha, alpha) && close(got.beta, beta));
    // length mismatch names the parameter
    let e = returns::beta(&r, &b[1..], &ReturnsOptions::empyrical()).unwrap_err();
    assert!(e.to_string().contains("factor_returns"), "{e}");
}

#[test]
fn constant_benchmark_and_constant_difference() {
    let o = ReturnsOptions::empyrical();
    let b = vec![0.01; 50];
    let r = series(21, 50);
    assert!(returns::beta(&r, &b, &o).unwrap().is_nan());
    // r − b exactly constant (values on a binary grid): zero tracking error,
    // an infinite excess Sharpe, as the previous definition (m / 0)
    let b2: Vec<f64> = series(22, 50)
        .iter()
        .map(|y| (y * 1024.0).round() / 1024.0)
        .collect();
    let r3: Vec<f64> = b2.iter().map(|y| y + 0.0009765625).collect();
    assert_eq!(returns::tracking_error(&r3, &b2, &o).unwrap(), 0.0);
    let es = returns::excess_sharpe(&r3, &b2, &o).unwrap();
    assert_eq!(es, f64::INFINITY);
    assert_eq!(old_excess_sharpe(&r3, &b2), es);
}

/// The previous up/down capture: NaN pairs and the other market filtered
/// into new vectors, products in order.
fn old_capture(r: &[f64], b: &[f64], up: bool) -> f64 {
    let (fr, fb) = old_pairs(r, b, |y| if up { y > 0.0 } else { y < 0.0 });
    if fr.is_empty() {
        return f64::NAN;
    }
    let wr: f64 = fr.iter().fold(1.0, |w, x| w * (1.0 + x));
    let wb: f64 = fb.iter().fold(1.0, |w, y| w * (1.0 + y));
    let e = 252.0 / fr.len() as f64;
    (wr.powf(e) - 1.0) / (wb.powf(e) - 1.0)
}

#[test]
fn captures_skip_nan_in_the_pass_bit_for_bit() {
    let o = ReturnsOptions::empyrical();
    for n in [1usize, 7, 64, 1_001, 60_000] {
        let mut b = series(31 + n as u64, n);
        let mut r = correlated(&b, 32 + n as u64);
        for i in (1..n).step_by(5) {
            r[i] = f64::NAN;
        }
        for i in (2..n).step_by(17) {
            b[i] = f64::NAN;
        }
        let got = (
            returns::up_capture(&r, &b, &o).unwrap(),
            returns::down_capture(&r, &b, &o).unwrap(),
        );
        let want = (old_capture(&r, &b, true), old_capture(&r, &b, false));
        assert_eq!(got.0.to_bits(), want.0.to_bits(), "n={n} up");
        assert_eq!(got.1.to_bits(), want.1.to_bits(), "n={n} down");
    }
    // 60 000 down periods of −2 %: the benchmark's product ends in the
    // subnormal range (stuck there, as numpy's product): the same bits
    let b: Vec<f64> = (0..60_000)
        .map(|i| if i % 2 == 0 { -0.02 } else { 0.01 })
        .collect();
    let r = series(40, 60_000);
    let got = returns::down_capture(&r, &b, &o).unwrap();
    assert_eq!(got.to_bits(), old_capture(&r, &b, false).to_bits());
}
