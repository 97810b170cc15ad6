//! Criterion benches of tradewarden-drift (see docs/performance.md, "Drift").
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use tradewarden_core::NanPolicy;
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp, ks_2samp_sorted};
use tradewarden_drift::profile::{FeatureProfile, Profile};
use tradewarden_drift::profile::{NumericProfile, ProfileOptions};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::sample::prepare_sorted;

fn normals(n: usize, shift: f64, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let u: f64 = rng.random::<f64>().max(1e-300);
            let v: f64 = rng.random();
            shift + (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        })
        .collect()
}

/// The sort-based path `ks_2samp` took before the fused one: two sorted
/// copies (`prepare_sorted`), then the merge walk and p-value.
fn ks_2samp_sort_based(a: &[f64], b: &[f64]) -> tradewarden_drift::ks::KsResult {
    let sa = prepare_sorted("data1", a, NanPolicy::Error)
        .unwrap()
        .unwrap();
    let sb = prepare_sorted("data2", b, NanPolicy::Error)
        .unwrap()
        .unwrap();
    ks_2samp_sorted(&sa, &sb, Alternative::TwoSided, KsMethod::Auto).unwrap()
}

fn bench_ks(c: &mut Criterion) {
    let a = normals(1_000_000, 0.0, 1);
    let b = normals(1_000_000, 0.01, 2);
    c.bench_function("ks_2samp 1M vs 1M (auto, two-sided, with p-value)", |bch| {
        bch.iter(|| {
            ks_2samp(
                black_box(&a),
                black_box(&b),
                Alternative::TwoSided,
                KsMethod::Auto,
                NanPolicy::Error,
            )
        })
    });
    c.bench_function(
        "ks_2samp 1M vs 1M (auto, two-sided, with p-value), old sort-based path",
        |bch| bch.iter(|| ks_2samp_sort_based(black_box(&a), black_box(&b))),
    );
    // heavy tails: most values fall into a few buckets of the top-level grid
    let cauchy = |seed: u64| -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..1_000_000)
            .map(|_| (std::f64::consts::PI * (rng.random::<f64>() - 0.5)).tan())
            .collect()
    };
    let (ca, cb) = (cauchy(11), cauchy(12));
    c.bench_function("ks_2samp 1M vs 1M Cauchy (heavy tails)", |bch| {
        bch.iter(|| {
            ks_2samp(
                black_box(&ca),
                black_box(&cb),
                Alternative::TwoSided,
                KsMethod::Auto,
                NanPolicy::Error,
            )
        })
    });
    c.bench_function(
        "ks_2samp 1M vs 1M Cauchy (heavy tails), old sort-based path",
        |bch| bch.iter(|| ks_2samp_sort_based(black_box(&ca), black_box(&cb))),
    );
}

/// Where the KS time goes: the sort, the ECDF walk + p-value on presorted data,
/// and the p-value alone.
fn bench_ks_stages(c: &mut Criterion) {
    let a = normals(1_000_000, 0.0, 1);
    let b = normals(1_000_000, 0.01, 2);
    let c2 = normals(1_000_000, 0.0, 6);
    c.bench_function("stage: sort_f64 1M normals", |bch| {
        bch.iter(|| {
            let mut v = a.clone();
            tradewarden_drift::sample::sort_f64(&mut v);
            v
        })
    });
    let mut sa = a.clone();
    let mut sb = b.clone();
    let mut sc = c2.clone();
    for v in [&mut sa, &mut sb, &mut sc] {
        tradewarden_drift::sample::sort_f64(v);
    }
    for (name, other) in [("shifted", &sb), ("same distribution", &sc)] {
        let r = tradewarden_drift::ks::ks_2samp_sorted(
            &sa,
            other,
            Alternative::TwoSided,
            KsMethod::Auto,
        )
        .unwrap();
        c.bench_function(
            &format!("stage: ks_2samp_sorted 1M vs 1M presorted, {name}"),
            |bch| {
                bch.iter(|| {
                    tradewarden_drift::ks::ks_2samp_sorted(
                        black_box(&sa),
                        black_box(other),
                        Alternative::TwoSided,
                        KsMethod::Auto,
                    )
                })
            },
        );
        c.bench_function(
            &format!("stage: kolmogn_sf(500000, D) only, {name}"),
            |bch| {
                bch.iter(|| {
                    tradewarden_drift::kolmogorov::kolmogn_sf(500_000, black_box(r.statistic))
                })
            },
        );
    }
}

fn bench_psi(c: &mut Criterion) {
    let r = normals(1_000_000, 0.0, 3);
    let cur = normals(1_000_000, 0.05, 4);
    let frozen = NumericProfile::fit(&r, &ProfileOptions::default()).unwrap();
    c.bench_function("psi 1M values vs frozen decile profile", |b| {
        b.iter(|| frozen.psi(black_box(&cur), PsiMode::default()))
    });
    let light = ProfileOptions {
        keep_reference: false,
        ..Default::default()
    };
    c.bench_function(
        "profile fit (deciles, no stored reference) + psi, 1M + 1M",
        |b| {
            b.iter(|| {
                let p = NumericProfile::fit(black_box(&r), &light).unwrap();
                p.psi(black_box(&cur), PsiMode::default())
            })
        },
    );
    c.bench_function(
        "profile fit (deciles, stored reference) + psi, 1M + 1M",
        |b| {
            b.iter(|| {
                let p = NumericProfile::fit(black_box(&r), &ProfileOptions::default()).unwrap();
                p.psi(black_box(&cur), PsiMode::default())
            })
        },
    );
}

fn bench_ks_no_drift(c: &mut Criterion) {
    let a = normals(1_000_000, 0.0, 5);
    let b = normals(1_000_000, 0.0, 6);
    c.bench_function(
        "ks_2samp 1M vs 1M, same distribution (auto, two-sided)",
        |bch| {
            bch.iter(|| {
                ks_2samp(
                    black_box(&a),
                    black_box(&b),
                    Alternative::TwoSided,
                    KsMethod::Auto,
                    NanPolicy::Error,
                )
            })
        },
    );
    c.bench_function(
        "ks_2samp 1M vs 1M, same distribution (auto, two-sided), old sort-based path",
        |bch| bch.iter(|| ks_2samp_sort_based(black_box(&a), black_box(&b))),
    );
}

fn bench_report(c: &mut Criterion) {
    let (nf, rows) = (50usize, 200_000usize);
    let reference: Vec<Vec<f64>> = (0..nf)
        .map(|i| normals(rows, 0.0, 100 + i as u64))
        .collect();
    let current: Vec<Vec<f64>> = (0..nf)
        .map(|i| normals(rows, if i % 5 == 0 { 0.1 } else { 0.0 }, 900 + i as u64))
        .collect();
    let names: Vec<String> = (0..nf).map(|i| format!("f{i}")).collect();
    let mut profile = Profile::new();
    for (n, r) in names.iter().zip(&reference) {
        profile.insert(
            n.clone(),
            FeatureProfile::Numeric(NumericProfile::fit(r, &ProfileOptions::default()).unwrap()),
        );
    }
    let cur: Vec<(&str, FeatureData<'_>)> = names
        .iter()
        .zip(&current)
        .map(|(n, v)| (n.as_str(), FeatureData::Numeric(v)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function(
        "50 features x 200k rows, KS+PSI+JS vs frozen profile, 2 threads",
        |b| {
            b.iter(|| {
                pool.install(|| {
                    DriftReport::compute(&profile, black_box(&cur), &ReportOptions::default())
                        .unwrap()
                })
            })
        },
    );
    let refs: Vec<(&str, FeatureData<'_>)> = names
        .iter()
        .zip(&reference)
        .map(|(n, v)| (n.as_str(), FeatureData::Numeric(v)))
        .collect();
    g.bench_function(
        "50 features x 200k rows, Profile::fit_features, 2 threads",
        |b| {
            b.iter(|| {
                pool.install(|| {
                    Profile::fit_features(black_box(&refs), &ProfileOptions::default()).unwrap()
                })
            })
        },
    );
    g.finish();
}

/// Jensen–Shannon of two 1M-entry weight vectors (the vectorised logarithm
/// of crates/drift/src/vmath.rs): the strict function and scipy's rows.
fn bench_js(c: &mut Criterion) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let p: Vec<f64> = (0..1_000_000).map(|_| rng.random::<f64>()).collect();
    let q: Vec<f64> = (0..1_000_000).map(|_| rng.random::<f64>()).collect();
    c.bench_function("jensenshannon 1M entries (strict)", |b| {
        b.iter(|| {
            tradewarden_drift::distance::jensenshannon(black_box(&p), black_box(&q), None).unwrap()
        })
    });
    c.bench_function("jensenshannon_rows 1M entries, one row (scipy's)", |b| {
        b.iter(|| {
            tradewarden_drift::compat::jensenshannon_rows(
                black_box(&p),
                black_box(&q),
                p.len(),
                None,
            )
            .unwrap()
        })
    });
}

/// Cramér–von Mises two-sample test, 100k vs 100k and 1M vs 1M normals
/// (scipy's `cramervonmises_2samp` rows of docs/performance.md's functions
/// table): two separate sorts (in parallel when both samples are large) and
/// one merge walk over the tie groups.
///
/// Run: `cargo bench -p tradewarden-drift --bench drift -- cramervonmises`
fn bench_cvm(c: &mut Criterion) {
    use tradewarden_drift::cvm::{CvmMethod, cramervonmises_2samp};
    for n in [100_000usize, 1_000_000] {
        let (a, b) = (normals(n, 0.0, 21), normals(n, 0.1, 22));
        c.bench_function(&format!("cramervonmises_2samp {n} vs {n}"), |bch| {
            bch.iter(|| {
                cramervonmises_2samp(black_box(&a), black_box(&b), CvmMethod::Auto).unwrap()
            })
        });
    }
}

criterion_group!(
    benches,
    bench_cvm,
    bench_js,
    bench_ks,
    bench_ks_no_drift,
    bench_ks_stages,
    bench_psi,
    bench_report
);
criterion_main!(benches);
