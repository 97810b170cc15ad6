//! MLP 64→128→128→3 (relu) on the flex CPU backend: batch 1 latency and
//! batch 1024 throughput, through the model and through the Predictor
//! (shape/NaN checks, hot-swap snapshot, metrics with no recorder installed).
//! Also the GRU and Transformer window models (batch 1 and 256), and, with
//! `--features wgpu`, the MLP on the wgpu device (skipped with a message when
//! no adapter is found).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tradewarden_inference::Predictor;
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_inference::sequence::{
    GruModel, GruModelConfig, TransformerModel, TransformerModelConfig,
};

fn inputs(n: usize) -> Vec<f32> {
    (0..n).map(|i| ((i % 97) as f32) * 0.01 - 0.5).collect()
}

fn bench(c: &mut Criterion) {
    let dev = cpu_device();
    let cfg = MlpConfig::new(64, vec![128, 128], 3);
    let model = Mlp::new(cfg.clone(), &dev).unwrap();
    let predictor = Predictor::new("bench", "v1", Mlp::new(cfg, &dev).unwrap());
    let mut g = c.benchmark_group("mlp_64_128_128_3_flex");
    for rows in [1usize, 1024] {
        let x32 = inputs(rows * 64);
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

/// GRU (16 features × 32 steps, hidden 32, 1 layer) and Transformer
/// (16 × 32, d_model 32, 4 heads, 2 layers, d_ff 64), 3 outputs.
fn bench_sequence(c: &mut Criterion) {
    let dev = cpu_device();
    let gru = GruModel::new(GruModelConfig::new(16, 32, 32, 3), &dev).unwrap();
    let tf =
        TransformerModel::new(TransformerModelConfig::new(16, 32, 32, 4, 2, 64, 3), &dev).unwrap();
    let mut g = c.benchmark_group("window_16x32_flex");
    g.sample_size(20);
    for rows in [1usize, 256] {
        let x = inputs(rows * 32 * 16);
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_with_input(BenchmarkId::new("gru_h32", rows), &rows, |b, &n| {
            b.iter(|| black_box(gru.forward_f32(black_box(&x), n).unwrap()))
        });
        g.bench_with_input(
            BenchmarkId::new("transformer_d32_l2", rows),
            &rows,
            |b, &n| b.iter(|| black_box(tf.forward_f32(black_box(&x), n).unwrap())),
        );
    }
    g.finish();
}

#[cfg(feature = "wgpu")]
fn bench_wgpu(c: &mut Criterion) {
    let gpu = match tradewarden_inference::device::wgpu_device() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("skipping wgpu benches: {e}");
            return;
        }
    };
    let cfg = MlpConfig::new(64, vec![128, 128], 3);
    let model = Mlp::new(cfg, &cpu_device()).unwrap().to_device(&gpu);
    let mut g = c.benchmark_group("mlp_64_128_128_3_wgpu");
    for rows in [1usize, 1024, 65536] {
        let x = inputs(rows * 64);
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_with_input(
            BenchmarkId::new("model_forward_f32", rows),
            &rows,
            |b, &n| b.iter(|| black_box(model.forward_f32(black_box(&x), n).unwrap())),
        );
    }
    g.finish();
    let cfg = MlpConfig::new(64, vec![128, 128], 3);
    let cpu_model = Mlp::new(cfg, &cpu_device()).unwrap();
    let mut g = c.benchmark_group("mlp_64_128_128_3_flex_large");
    let rows = 65536usize;
    let x = inputs(rows * 64);
    g.sample_size(20);
    g.throughput(Throughput::Elements(rows as u64));
    g.bench_with_input(
        BenchmarkId::new("model_forward_f32", rows),
        &rows,
        |b, &n| b.iter(|| black_box(cpu_model.forward_f32(black_box(&x), n).unwrap())),
    );
    g.finish();
}

#[cfg(not(feature = "wgpu"))]
fn bench_wgpu(_: &mut Criterion) {}

criterion_group!(benches, bench, bench_sequence, bench_wgpu);
criterion_main!(benches);
