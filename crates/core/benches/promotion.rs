//! Promotion-statistics benches. Targets (issue 3):
//! - PBO by CSCV, S = 16, 2520 × 100 strategies: ≤ 10 ms (ffn 1.4.1: 17.8 s);
//! - stationary bootstrap of the Sharpe CI, 1000 resamples × 2520 days:
//!   ≤ 5 ms (arch 8.0 `StationaryBootstrap.conf_int`: 47 ms).
//!
//! Run: `cargo bench -p tradewarden-core --bench promotion -- --warm-up-time 1 --measurement-time 3`
//! One thread: prefix with `RAYON_NUM_THREADS=1`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::ReturnsOptions;
use tradewarden_core::returns::bootstrap::{
    BootstrapOptions, IntervalMethod, MomentStatistic, Resampling, bootstrap_ci,
    bootstrap_moment_ci,
};
use tradewarden_core::returns::pbo::{StrategyMatrix, pbo};
use tradewarden_core::returns::promotion::{PsrConvention, deflated_sharpe_ratio};

fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| (rng.random::<f64>() - 0.5) * 0.02 + 0.0002)
        .collect()
}

fn sharpe(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0);
    m / v.sqrt()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("promotion");
    g.sample_size(20);

    let m = data(2520 * 100, 1);
    let view = StrategyMatrix::new(&m, 2520, 100).unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("pbo_s16_2520x100", |b| b.iter(|| pbo(black_box(view), 16)));

    let r = data(2520, 2);
    let stationary = BootstrapOptions {
        resampling: Resampling::Stationary { mean_block: 10.0 },
        n_resamples: 1000,
        seed: 7,
        ..Default::default()
    };
    g.bench_function("bootstrap_sharpe_stationary_1000x2520_moment", |b| {
        b.iter(|| bootstrap_moment_ci(black_box(&r), MomentStatistic::Sharpe, &stationary))
    });
    g.bench_function("bootstrap_sharpe_stationary_1000x2520_closure", |b| {
        b.iter(|| bootstrap_ci(black_box(&r), sharpe, &stationary))
    });
    let bca = BootstrapOptions {
        method: IntervalMethod::Bca,
        ..stationary
    };
    g.bench_function("bootstrap_sharpe_stationary_1000x2520_closure_bca", |b| {
        b.iter(|| bootstrap_ci(black_box(&r), sharpe, &bca))
    });
    let iid = BootstrapOptions {
        resampling: Resampling::Iid,
        ..stationary
    };
    g.bench_function("bootstrap_sharpe_iid_1000x2520_closure", |b| {
        b.iter(|| bootstrap_ci(black_box(&r), sharpe, &iid))
    });

    let trials: Vec<f64> = (0..100).map(|j| 0.01 + j as f64 * 1e-4).collect();
    let o = ReturnsOptions::default();
    g.bench_function("dsr_2520", |b| {
        b.iter(|| deflated_sharpe_ratio(black_box(&r), &trials, PsrConvention::Paper, &o))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
