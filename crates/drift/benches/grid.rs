//! Criterion benches of one partition of the bounded Dask job (issue 22,
//! docs/scale-out.md): 500 000 rows × 6 numeric features on a
//! `SketchGrid` of K = 1 024 points and 10 bins — pass 1's `RankSummary`,
//! pass 2's `reference_part` (profile on the edges + exact counts at the
//! points) and `state` (the current partition's bounded score state). The
//! per-partition CPU of these three is what the 2-worker job pays against one
//! process (target: the whole job faster than the one-process exact report).
//! Run on one thread, as each Dask worker does:
//! `RAYON_NUM_THREADS=1 cargo bench -p tradewarden-drift --bench grid`.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use tradewarden_core::NanPolicy;
use tradewarden_drift::report::FeatureData;
use tradewarden_drift::state::{RankSummary, SketchGrid};

const ROWS: usize = 500_000;
const NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

/// Six columns: normals, lognormals, uniforms, normals rounded to cents
/// (ties), a shifted normal, integers 0..100 (heavy ties).
fn columns(seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut normal = move || {
        let u: f64 = rng.random::<f64>().max(1e-300);
        let v: f64 = rng.random();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    (0..6)
        .map(|c| {
            (0..ROWS)
                .map(|i| {
                    let z = normal();
                    match c {
                        0 => z,
                        1 => z.exp(),
                        2 => (z * 0.3).tanh(),
                        3 => (z * 100.0).round() / 100.0,
                        4 => z * 2.0 + 0.3,
                        _ => ((i * 7919) % 100) as f64,
                    }
                })
                .collect()
        })
        .collect()
}

fn bench_partition(c: &mut Criterion) {
    let (r, cur) = (columns(1), columns(2));
    let view = |d: &[Vec<f64>]| -> Vec<(&'static str, Vec<f64>)> {
        NAMES.iter().copied().zip(d.iter().cloned()).collect()
    };
    let (rd, cd) = (view(&r), view(&cur));
    let rv: Vec<(&str, FeatureData<'_>)> = rd
        .iter()
        .map(|(n, v)| (*n, FeatureData::Numeric(v)))
        .collect();
    let cv: Vec<(&str, FeatureData<'_>)> = cd
        .iter()
        .map(|(n, v)| (*n, FeatureData::Numeric(v)))
        .collect();
    let grid = SketchGrid::from_reference(&rv, 10, 1024, NanPolicy::Error, 4096).unwrap();
    let mut g = c.benchmark_group("grid_partition_500k_x6");
    g.throughput(Throughput::Elements((ROWS * NAMES.len()) as u64));
    g.sample_size(10);
    g.bench_function("summary (pass 1)", |b| {
        b.iter(|| {
            r.iter()
                .map(|v| RankSummary::from_values(black_box(v), 4096, NanPolicy::Error).unwrap())
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("reference_part (pass 2)", |b| {
        b.iter(|| grid.reference_part(black_box(&rv)).unwrap())
    });
    g.bench_function("state (pass 2)", |b| {
        b.iter(|| grid.state(black_box(&cv)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_partition);
criterion_main!(benches);
