//! Returns analytics benches. Target (issue 3): the five headline metrics on
//! 10M daily returns in ≤ 20 ms on one thread (empyrical: 591 ms, a numba-fused
//! loop: 30 ms on this machine).
//!
//! Run: `cargo bench -p tradewarden-core --bench returns`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::ReturnsOptions;
use tradewarden_core::returns::{self, Summary, SummaryOptions};

/// Uniform returns with a 1 % standard deviation and a 0.005 % daily drift
/// (the data of benches/compare/compare.py): wealth stays within f64 over
/// 10M values, as a real series does.
fn data(n: usize) -> Vec<f64> {
    data_seeded(n, 42)
}

/// [`data`] from another seed (a benchmark series beside the returns).
fn data_seeded(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| (rng.random::<f64>() - 0.5) * 0.034641 + 0.00005)
        .collect()
}

fn bench(c: &mut Criterion) {
    let r = data(10_000_000);
    let o = ReturnsOptions::default();
    let mut g = c.benchmark_group("returns_10M");
    g.sample_size(20);
    // Floor: one read of the data with four independent sums (memory bandwidth).
    g.bench_function("floor_sum_only", |b| {
        b.iter(|| {
            let mut acc = [0.0f64; 4];
            for c in black_box(&r).chunks_exact(4) {
                for k in 0..4 {
                    acc[k] += c[k];
                }
            }
            acc
        })
    });
    g.bench_function("core_metrics_fused_5", |b| {
        b.iter(|| returns::core_metrics(black_box(&r), &o))
    });
    // The same on a one-thread pool (no split across threads).
    if let Ok(one) = rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        g.bench_function("core_metrics_fused_5_one_thread", |b| {
            one.install(|| b.iter(|| returns::core_metrics(black_box(&r), &o)))
        });
    }
    g.bench_function("five_separate_functions", |b| {
        b.iter(|| {
            (
                returns::sharpe_ratio(black_box(&r), &o),
                returns::sortino_ratio(&r, &o),
                returns::max_drawdown(&r, &o),
                returns::annual_return(&r, &o),
                returns::annual_volatility(&r, &o),
            )
        })
    });
    g.bench_function("summary_full", |b| {
        b.iter(|| Summary::compute(black_box(&r), None, &SummaryOptions::default()))
    });
    g.finish();
}

/// The public functions one by one, as a drop-in user of
/// `tradewarden.returns` calls them (issue 19, item 3). Targets, as the
/// ratio to empyrical's time for the same call through Python
/// (benches/compare/functions.py measures the ratio): ≥ 5× at 10M for every
/// single-pass metric (the read floor above is the limit: ≈ 2.3 ms per 10M),
/// ≥ 1× for the quantile metrics (numpy's introselect on a copy); here the
/// Rust side alone, 10M and 100k values, one thread (`RAYON_NUM_THREADS=1`
/// changes nothing: these functions do not split).
///
/// Run: `cargo bench -p tradewarden-core --bench returns -- public_`
fn bench_public(c: &mut Criterion) {
    use tradewarden_core::returns::VarMethod;
    let o = ReturnsOptions::default();
    for n in [100_000usize, 10_000_000] {
        let r = data(n);
        let mut g = c.benchmark_group(format!("public_{n}"));
        g.sample_size(if n > 1_000_000 { 20 } else { 50 });
        // single pass, vectorised (targets: ≥ 5× empyrical at 10M)
        g.bench_function("sharpe_ratio", |b| {
            b.iter(|| returns::sharpe_ratio(black_box(&r), &o))
        });
        g.bench_function("sortino_ratio", |b| {
            b.iter(|| returns::sortino_ratio(black_box(&r), &o))
        });
        g.bench_function("annual_volatility", |b| {
            b.iter(|| returns::annual_volatility(black_box(&r), &o))
        });
        g.bench_function("annual_return", |b| {
            b.iter(|| returns::annual_return(black_box(&r), &o))
        });
        g.bench_function("max_drawdown", |b| {
            b.iter(|| returns::max_drawdown(black_box(&r), &o))
        });
        g.bench_function("stability_of_timeseries", |b| {
            b.iter(|| returns::stability_of_timeseries(black_box(&r), &o))
        });
        // selection (targets: ≥ 1× empyrical = np.percentile on a copy)
        g.bench_function("value_at_risk", |b| {
            b.iter(|| returns::value_at_risk(black_box(&r), 0.05, VarMethod::Historical, &o))
        });
        g.bench_function("conditional_value_at_risk", |b| {
            b.iter(|| {
                returns::conditional_value_at_risk(black_box(&r), 0.05, VarMethod::Historical, &o)
            })
        });
        g.bench_function("tail_ratio", |b| {
            b.iter(|| returns::tail_ratio(black_box(&r), &o))
        });
        g.finish();
    }
}

/// Up/down market capture of one series against a benchmark, at 252 and
/// 100k values. Targets: faster than empyrical (`up_capture` 20.5 µs at 252
/// and 1.29 ms at 100k, `down_capture` 20.2 µs / 1.37 ms, `up_down_capture`
/// 39.9 µs / 6.42 ms; docs/performance.md, the functions table), i.e. one
/// branch-free pass each (the benchmark's sign changes every other period).
///
/// Run: `cargo bench -p tradewarden-core --bench returns -- capture_`
fn bench_capture(c: &mut Criterion) {
    let o = ReturnsOptions::default();
    for n in [252usize, 100_000] {
        let (r, b) = (data(n), data_seeded(n, 7));
        let mut g = c.benchmark_group(format!("capture_{n}"));
        g.bench_function("up_capture", |x| {
            x.iter(|| returns::up_capture(black_box(&r), black_box(&b), &o))
        });
        g.bench_function("down_capture", |x| {
            x.iter(|| returns::down_capture(black_box(&r), black_box(&b), &o))
        });
        g.bench_function("up_down_capture", |x| {
            x.iter(|| returns::up_down_capture(black_box(&r), black_box(&b), &o))
        });
        g.finish();
    }
}

/// `down_capture` of 10M pairs whose benchmark's down-market product goes
/// subnormal (as on the functions table's data, where it sticks at
/// 28·2⁻¹⁰⁷⁴ for about 4.9M multiplies): every further multiply is a slow
/// subnormal one. The figure to beat for a subnormal-skipping product (not
/// done: two attempts were slower, docs/performance.md).
///
/// Run: `cargo bench -p tradewarden-core --bench returns -- capture_subnormal`
fn bench_capture_subnormal(c: &mut Criterion) {
    let o = ReturnsOptions::default();
    let n = 10_000_000;
    let (r, b) = (data(n), data_seeded(n, 7));
    let mut g = c.benchmark_group("capture_subnormal");
    g.sample_size(20);
    g.bench_function("down_capture 10M", |x| {
        x.iter(|| returns::down_capture(black_box(&r), black_box(&b), &o))
    });
    g.finish();
}

/// Up/down market capture of a C-ordered (row-major) matrix of 20 columns
/// against one benchmark — the 2-D door of `tradewarden.returns` — at 252,
/// 2 520 and 100 000 rows: one side (`market_capture_row_major`) and both
/// (`market_captures_row_major`, as `up_down_capture` needs). Target: faster
/// than empyrical's `up_capture(matrix, benchmark)` (docs/performance.md,
/// the "(20 columns)" rows of the functions table).
///
/// Run: `cargo bench -p tradewarden-core --bench returns -- capture_2d`
fn bench_capture_2d(c: &mut Criterion) {
    let o = ReturnsOptions::empyrical();
    let k = 20;
    for n in [252usize, 2_520, 100_000] {
        let (m, b) = (data(n * k), data_seeded(n, 7));
        let mut g = c.benchmark_group(format!("capture_2d_{n}x{k}"));
        g.bench_function("up", |x| {
            x.iter(|| {
                returns::market_capture_row_major(
                    black_box(&m),
                    k,
                    black_box(&b),
                    returns::Market::Up,
                    &o,
                )
            })
        });
        g.bench_function("down", |x| {
            x.iter(|| {
                returns::market_capture_row_major(
                    black_box(&m),
                    k,
                    black_box(&b),
                    returns::Market::Down,
                    &o,
                )
            })
        });
        g.bench_function("both", |x| {
            x.iter(|| returns::market_captures_row_major(black_box(&m), k, black_box(&b), &o))
        });
        g.finish();
    }
}

/// Per-column metrics of a C-ordered 100 000 × 20 matrix (the table's
/// "(20 columns)" rows): `Metric::columns_row_major` reads the rows once
/// (annual_return, cum_returns_final, downside_risk; sharpe_ratio,
/// sortino_ratio and annual_volatility of finite values by their shifted
/// sums, the columns side by side).
///
/// Run: `cargo bench -p tradewarden-core --bench returns -- columns_2d`
fn bench_columns_2d(c: &mut Criterion) {
    let o = ReturnsOptions::empyrical();
    let (n, k) = (100_000usize, 20);
    let (m, b) = (data(n * k), data_seeded(n, 7));
    let mut g = c.benchmark_group(format!("columns_2d_{n}x{k}"));
    for metric in [
        returns::Metric::AnnualReturn,
        returns::Metric::CumReturnsFinal,
        returns::Metric::DownsideRisk,
        returns::Metric::SharpeRatio,
        returns::Metric::SortinoRatio,
        returns::Metric::AnnualVolatility,
    ] {
        g.bench_function(format!("{metric:?}"), |x| {
            x.iter(|| metric.columns_row_major(black_box(&m), k, &o))
        });
    }
    g.bench_function("Capture", |x| {
        x.iter(|| {
            returns::PairMetric::Capture.columns_row_major(black_box(&m), k, black_box(&b), &o)
        })
    });
    g.finish();
}

/// The two-series metrics on 10M pairs (and 100k), as `tradewarden.returns`
/// calls them: one vectorised pass over both slices each (NaN pairs and the
/// other side of the market skipped inside the pass, nothing copied), issue
/// 19's target ≥ 5× empyrical at 10M. Floor: one read of both series (two
/// 80 MB slices) with independent sums. The targets in time, from
/// empyrical's 10M figures in docs/performance.md's functions table ÷ 5:
/// excess_sharpe ≤ 15 ms, beta ≤ 31 ms, alpha_beta / alpha ≤ 59 ms,
/// up_alpha_beta ≤ 91 ms, down_alpha_beta ≤ 87 ms, down_capture ≤ 80 ms (the
/// figures recorded in docs/performance.md, "Two-series metrics").
///
/// Run: `cargo bench -p tradewarden-core --bench returns -- pair_`
fn bench_pair(c: &mut Criterion) {
    use tradewarden_core::returns::AlphaMethod;
    let o = ReturnsOptions::empyrical();
    for n in [100_000usize, 10_000_000] {
        let (r, b) = (data(n), data_seeded(n, 7));
        let mut g = c.benchmark_group(format!("pair_{n}"));
        g.sample_size(if n > 1_000_000 { 20 } else { 50 });
        g.bench_function("floor_read_both", |x| {
            x.iter(|| {
                let mut acc = [0.0f64; 8];
                for (p, q) in black_box(&r)
                    .chunks_exact(4)
                    .zip(black_box(&b).chunks_exact(4))
                {
                    for k in 0..4 {
                        acc[k] += p[k];
                        acc[4 + k] += q[k];
                    }
                }
                acc
            })
        });
        g.bench_function("excess_sharpe", |x| {
            x.iter(|| returns::excess_sharpe(black_box(&r), black_box(&b), &o))
        });
        g.bench_function("beta", |x| {
            x.iter(|| returns::beta(black_box(&r), black_box(&b), &o))
        });
        g.bench_function("alpha_beta", |x| {
            x.iter(|| returns::alpha_beta(black_box(&r), black_box(&b), AlphaMethod::Compound, &o))
        });
        g.bench_function("up_alpha_beta", |x| {
            x.iter(|| {
                returns::up_alpha_beta(black_box(&r), black_box(&b), AlphaMethod::Compound, &o)
            })
        });
        g.bench_function("down_alpha_beta", |x| {
            x.iter(|| {
                returns::down_alpha_beta(black_box(&r), black_box(&b), AlphaMethod::Compound, &o)
            })
        });
        g.bench_function("down_capture", |x| {
            x.iter(|| returns::down_capture(black_box(&r), black_box(&b), &o))
        });
        g.finish();
    }
}

criterion_group!(
    benches,
    bench_pair,
    bench,
    bench_public,
    bench_capture,
    bench_capture_subnormal,
    bench_capture_2d,
    bench_columns_2d
);
criterion_main!(benches);
