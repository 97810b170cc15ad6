//! Criterion benches of the quantile sketch candidates (issue 12): KLL
//! (`QuantileSketch`, k = 200) against DataSketches' t-digest (default
//! compression) on 1e6 normals — update throughput, merge of 16 partition
//! sketches, serialized size (printed). See docs/performance.md,
//! "Quantile sketch (issue 12)".
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datasketches::tdigest::TDigestMut;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use tradewarden_core::NanPolicy;
use tradewarden_drift::sketch::QuantileSketch;

const N: usize = 1_000_000;
const PARTS: usize = 16;

fn normals(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let u: f64 = rng.random::<f64>().max(1e-300);
            let v: f64 = rng.random();
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        })
        .collect()
}

fn tdigest_of(values: &[f64]) -> TDigestMut {
    let mut t = TDigestMut::default();
    for &x in values {
        t.update(x);
    }
    t
}

fn bench_update(c: &mut Criterion) {
    let v = normals(N, 1);
    let mut g = c.benchmark_group("sketch update 1M normals");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("KLL k=200 (QuantileSketch::from_values)", |b| {
        b.iter(|| QuantileSketch::from_values(black_box(&v), 200, NanPolicy::Error).unwrap())
    });
    g.bench_function("t-digest k=200 (TDigestMut::update)", |b| {
        b.iter(|| tdigest_of(black_box(&v)))
    });
    g.finish();
}

fn bench_merge(c: &mut Criterion) {
    let v = normals(N, 2);
    let kll: Vec<QuantileSketch> = v
        .chunks(N / PARTS)
        .map(|p| QuantileSketch::from_values(p, 200, NanPolicy::Error).unwrap())
        .collect();
    let td: Vec<TDigestMut> = v.chunks(N / PARTS).map(tdigest_of).collect();
    let mut g = c.benchmark_group("sketch merge 16 partitions of 1M normals");
    g.bench_function("KLL k=200", |b| {
        b.iter(|| {
            let mut m = QuantileSketch::new(200).unwrap();
            for s in black_box(&kll) {
                m.merge(s).unwrap();
            }
            m
        })
    });
    g.bench_function("t-digest k=200", |b| {
        b.iter(|| {
            let mut m = TDigestMut::default();
            for s in black_box(&td) {
                m.merge(s);
            }
            m.freeze()
        })
    });
    g.finish();

    // sizes (not timed): printed once
    let mut k = QuantileSketch::new(200).unwrap();
    for s in &kll {
        k.merge(s).unwrap();
    }
    let mut t = TDigestMut::default();
    for s in &td {
        t.merge(s);
    }
    let single_k = QuantileSketch::from_values(&v, 200, NanPolicy::Error).unwrap();
    let mut single_t = tdigest_of(&v);
    eprintln!(
        "serialized size, 1M normals: KLL k=200 {} B ({} retained; merged from 16: {} B, {} retained), \
         t-digest k=200 {} B (merged from 16: {} B); sorted reference {} B",
        single_k.to_bytes().len(),
        single_k.num_retained(),
        k.to_bytes().len(),
        k.num_retained(),
        single_t.serialize().len(),
        t.serialize().len(),
        8 * N
    );
}

criterion_group!(benches, bench_update, bench_merge);
criterion_main!(benches);
