//! The fused five-metric path splits long series across two threads when it
//! is called from inside a rayon pool of two or more threads (the caller's
//! opt-in; a plain call runs on one thread) and merges the halves exactly;
//! these series are long enough to take that path
//! and are built so the merge's drawdown fix-up covers every case: the second
//! half never regains the first half's peak, regains it at once, regains it
//! late, and a series whose only peak is in the first half.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::ReturnsOptions;
use tradewarden_core::returns;

const N: usize = 3 * (1 << 20) + 3; // above the split threshold, odd tail

fn series(seed: u64, drift_head: f64, drift_tail: f64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..N)
        .map(|i| {
            let d = if i < N / 2 { drift_head } else { drift_tail };
            d + rng.random_range(-0.01..0.01)
        })
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// `f` inside a pool of two threads: the split path.
fn in_two_threads<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(f)
}

fn check(r: &[f64], what: &str) {
    let o = ReturnsOptions::default();
    let m = in_two_threads(|| returns::core_metrics(r, &o).unwrap());
    let mdd = returns::max_drawdown(r, &o).unwrap();
    let sharpe = returns::sharpe_ratio(r, &o).unwrap();
    let sortino = returns::sortino_ratio(r, &o).unwrap();
    let vol = returns::annual_volatility(r, &o).unwrap();
    let ann = returns::annual_return(r, &o).unwrap();
    assert!(
        rel(m.max_drawdown, mdd) < 1e-9,
        "{what}: mdd {} vs {mdd}",
        m.max_drawdown
    );
    assert!(
        rel(m.sharpe_ratio, sharpe) < 1e-9,
        "{what}: sharpe {} vs {sharpe}",
        m.sharpe_ratio
    );
    assert!(rel(m.sortino_ratio, sortino) < 1e-9, "{what}: sortino");
    assert!(rel(m.annual_volatility, vol) < 1e-9, "{what}: vol");
    assert!(
        rel(m.annual_return, ann) < 1e-9 || (m.annual_return - ann).abs() < 1e-12,
        "{what}: annual return {} vs {ann}",
        m.annual_return
    );
}

#[test]
fn split_halves_merge_exactly() {
    // Up then down: the tail never regains the head's peak (fix-up scans all of it).
    check(&series(1, 2e-4, -2e-4), "up then down");
    // Down then up: the tail regains the head's peak late.
    check(&series(2, -1e-4, 2e-4), "down then up");
    // Up then up: the tail regains the peak almost at once.
    check(&series(3, 1e-4, 1e-4), "up then up");
    // Zero drift.
    check(&series(4, 0.0, 0.0), "random walk");
}

#[test]
fn deepest_drawdown_straddles_the_split() {
    // Peak just before the middle, trough just after it, recovery later.
    let mut r = vec![1e-5; N];
    let mid = N / 2;
    for x in &mut r[mid - 1000..mid] {
        *x = 1e-3;
    }
    for x in &mut r[mid..mid + 5000] {
        *x = -1e-4;
    }
    check(&r, "straddling drawdown");
    let o = ReturnsOptions::default();
    let m = in_two_threads(|| returns::core_metrics(&r, &o).unwrap());
    assert!(
        m.max_drawdown < -0.39,
        "the straddling drawdown is the deepest: {}",
        m.max_drawdown
    );
}

#[test]
fn one_thread_and_two_agree() {
    // Summation order differs between the two, so the near-zero mean of this
    // series agrees to 1e-9 relative, not to the last bit.
    let r = series(5, 1e-4, -1e-4);
    let o = ReturnsOptions::default();
    let two = in_two_threads(|| returns::core_metrics(&r, &o).unwrap());
    // outside any pool: one thread
    let one = returns::core_metrics(&r, &o).unwrap();
    assert!(
        rel(one.max_drawdown, two.max_drawdown) < 1e-12,
        "{} vs {}",
        one.max_drawdown,
        two.max_drawdown
    );
    assert!(
        rel(one.sharpe_ratio, two.sharpe_ratio) < 1e-9,
        "{} vs {}",
        one.sharpe_ratio,
        two.sharpe_ratio
    );
    assert!(
        (one.annual_return - two.annual_return).abs() < 1e-12,
        "{} vs {}",
        one.annual_return,
        two.annual_return
    );
}
