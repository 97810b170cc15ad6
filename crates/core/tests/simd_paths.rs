//! The run-time SIMD paths (`tradewarden_core::simd`): the environment
//! variable is understood and obeyed, and the fused five metrics
//! (`core_metrics`) agree across the scalar, AVX2 and AVX-512 paths within
//! the bounds stated in docs/conventions.md ("Results across CPUs"). Every
//! path is forced in-process with `core_metrics_on`, so this runs all of them
//! on any machine that has them (a path the CPU lacks falls back to a lower
//! one, which then agrees with itself).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::ReturnsOptions;
use tradewarden_core::returns::summary::core_metrics_on;
use tradewarden_core::returns::{self, CoreMetrics};
use tradewarden_core::simd::{self, SimdPath};

/// The data of the `returns` bench (benches/returns.rs): uniform returns,
/// 1 % standard deviation, 0.005 % daily drift.
fn bench_data(n: usize) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    (0..n)
        .map(|_| (rng.random::<f64>() - 0.5) * 0.034641 + 0.00005)
        .collect()
}

fn random(seed: u64, n: usize, drift: f64, vol: f64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| drift + rng.random_range(-vol..vol))
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        return 0.0;
    }
    (a - b).abs() / b.abs().max(1e-300)
}

fn fields(m: &CoreMetrics) -> [(&'static str, f64); 5] {
    [
        ("sharpe_ratio", m.sharpe_ratio),
        ("sortino_ratio", m.sortino_ratio),
        ("max_drawdown", m.max_drawdown),
        ("annual_return", m.annual_return),
        ("annual_volatility", m.annual_volatility),
    ]
}

/// Largest relative difference per field between `a` and `b`.
fn diffs(a: &CoreMetrics, b: &CoreMetrics) -> [(&'static str, f64); 5] {
    let (fa, fb) = (fields(a), fields(b));
    core::array::from_fn(|i| (fa[i].0, rel(fa[i].1, fb[i].1)))
}

/// Every path against the scalar one on `r`; returns the largest relative
/// difference per field.
fn check(r: &[f64], o: &ReturnsOptions, what: &str) -> [(&'static str, f64); 5] {
    let scalar = core_metrics_on(r, o, SimdPath::Scalar).unwrap();
    let mut worst = diffs(&scalar, &scalar);
    for path in [SimdPath::Avx2, SimdPath::Avx512, SimdPath::Auto] {
        let m = core_metrics_on(r, o, path).unwrap();
        for (i, (name, d)) in diffs(&m, &scalar).into_iter().enumerate() {
            // Bounds (docs/conventions.md, "Results across CPUs"): the paths
            // differ only in the order and the rounding of the sums (8, 4 or
            // 4 scalar accumulators; FMA or not) and in how the wealth
            // products are grouped per block. Sums of n terms in another
            // order differ by about ε·√n·(Σ|d| / |Σd|); for the mean-based
            // ratios on the 10M bench values (Σ|d| / |Σd| ≈ 200) that is
            // ~1e-11, measured ≤ 3e-12 (Sharpe, Sortino), 2.5e-14
            // (volatility). CAGR amplifies the wealth's rounding by
            // (P/n)/|CAGR| on short series: measured ≤ 3e-11. The drawdown
            // is a ratio of products over at most one block: measured
            // ≤ 9e-15. 1e-9 (the bound of the fused-vs-separate tests) and
            // 1e-12 keep a margin of 30× or more; a dropped or doubled block
            // moves the bench data's Sharpe ratio by ~5e-5 (8 values of ~1 %
            // against a summed return of ~500), the short series' by far more.
            let tol = if name == "max_drawdown" { 1e-12 } else { 1e-9 };
            assert!(
                d <= tol,
                "{what} (n = {}): {name} on {path:?} differs from scalar by {d:e} > {tol:e}: {m:?} vs {scalar:?}",
                r.len()
            );
            worst[i].1 = worst[i].1.max(d);
        }
    }
    worst
}

#[test]
fn env_value_is_understood_and_obeyed() {
    // A typo in TRADEWARDEN_SIMD must not silently test the default path:
    // the library falls back to `auto` without panicking, and this test
    // refuses the run.
    let sel = simd::selection();
    assert!(
        sel.unknown_value.is_none(),
        "{} = {:?} is not one of auto, scalar, avx2, avx512",
        simd::ENV_VAR,
        sel.unknown_value
    );
    if let Ok(v) = std::env::var(simd::ENV_VAR) {
        assert_eq!(Some(sel.requested), SimdPath::parse(&v));
    }
    assert_eq!(sel.active, simd::arch_name(simd::arch()));
    assert_eq!(sel.active, simd::arch_name(simd::arch_for(sel.requested)));
    if sel.requested == SimdPath::Scalar {
        assert_eq!(sel.active, "scalar");
    }
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if sel.requested == SimdPath::Avx2 {
        assert_ne!(sel.active, "avx512");
    }
    // core_metrics runs on the process-wide path: bit for bit the same as
    // forcing that path explicitly.
    let r = random(5, 1000, 0.0005, 0.02);
    let o = ReturnsOptions::default();
    let a = returns::core_metrics(&r, &o).unwrap();
    let b = core_metrics_on(&r, &o, sel.requested).unwrap();
    for ((name, x), (_, y)) in fields(&a).into_iter().zip(fields(&b)) {
        assert_eq!(x.to_bits(), y.to_bits(), "{name}: {x} vs {y}");
    }
}

#[test]
fn paths_agree_on_short_series_and_every_remainder() {
    let o = ReturnsOptions::default();
    let req = ReturnsOptions {
        required_return: 0.001,
        ..ReturnsOptions::default()
    };
    let mut worst = [0.0f64; 5];
    for n in (60..=140).chain([1000, 4099]) {
        for (i, drift) in [-0.01, 0.0, 0.0005, 0.01].into_iter().enumerate() {
            let r = random(n as u64 * 11 + i as u64, n, drift, 0.05);
            for d in [
                check(&r, &o, "random"),
                check(&r, &req, "random, required return 0.001"),
            ] {
                for (w, (_, x)) in worst.iter_mut().zip(d) {
                    *w = w.max(x);
                }
            }
        }
    }
    println!(
        "short series: max relative difference vs scalar per field (sharpe, sortino, mdd, annual return, volatility) {worst:?}"
    );
    // A return of −1 (the vector paths decline it): every path gives the
    // scalar loop's result.
    let mut r = random(3, 200, 0.0, 0.02);
    r[150] = -1.0;
    check(&r, &o, "return of -1");
}

#[test]
fn paths_agree_on_the_bench_data() {
    // 10M values: the two-thread split and merge too (above 2^20 values).
    let r = bench_data(10_000_000);
    let o = ReturnsOptions::default();
    let worst = check(&r, &o, "bench data");
    // `cargo test -- --nocapture` prints the measured differences
    // (docs/conventions.md quotes them).
    for (name, d) in worst {
        println!("bench data, 10M values: {name}: max relative difference vs scalar {d:e}");
    }
}
