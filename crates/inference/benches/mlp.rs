//! MLP 64→128→128→3 (relu) on the flex CPU backend: batch 1 latency and
//! batch 1024 throughput, through the model and through the Predictor
//! (shape/NaN checks, hot-swap snapshot, metrics with no recorder installed).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tradewarden_inference::Predictor;
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};

fn bench(c: &mut Criterion) {
    let dev = cpu_device();
    let cfg = MlpConfig::new(64, vec![128, 128], 3);
    let model = Mlp::new(cfg.clone(), &dev).unwrap();
    let predictor = Predictor::new("bench", "v1", Mlp::new(cfg, &dev).unwrap());
    let mut g = c.benchmark_group("mlp_64_128_128_3_flex");
    for rows in [1usize, 1024] {
        let x32: Vec<f32> = (0..rows * 64)
            .map(|i| ((i % 97) as f32) * 0.01 - 0.5)
            .collect();
        let x64: Vec<f64> = x32.iter().map(|v| f64::from(*v)).collect();
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_with_input(
            BenchmarkId::new("model_forward_f32", rows),
            &rows,
            |b, &n| b.iter(|| black_box(model.forward_f32(black_box(&x32), n).unwrap())),
        );
        g.bench_with_input(BenchmarkId::new("predictor_f64", rows), &rows, |b, &n| {
            b.iter(|| black_box(predictor.predict(black_box(&x64), n).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
