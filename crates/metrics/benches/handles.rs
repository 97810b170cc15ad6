//! Cached handles vs the raw `metrics` facade, in the same run, against the
//! Prometheus recorder installed globally (as a service would run it).
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tradewarden_metrics::exporter::{Exporter, ExporterConfig};
use tradewarden_metrics::handles::InferenceMetrics;

fn bench(c: &mut Criterion) {
    let cfg = ExporterConfig {
        listen: None,
        ..ExporterConfig::default()
    };
    let exporter = match Exporter::install(&cfg) {
        Ok(e) => e,
        Err(e) => panic!("cannot install exporter: {e}"),
    };
    let m = InferenceMetrics::new(exporter.catalog(), "bench_model");
    let counter = m.predictions().clone();
    let hist = m.latency().clone();

    let mut g = c.benchmark_group("telemetry");
    g.bench_function("counter_increment/cached_handle", |b| {
        b.iter(|| counter.increment(black_box(1)))
    });
    g.bench_function("counter_increment/facade_macro", |b| {
        b.iter(|| {
            metrics::counter!("tradewarden_predictions_total", "model" => "bench_model")
                .increment(black_box(1))
        })
    });
    g.bench_function("histogram_record/cached_handle", |b| {
        b.iter(|| hist.record(black_box(0.00042)))
    });
    g.bench_function("histogram_record/facade_macro", |b| {
        b.iter(|| {
            metrics::histogram!("tradewarden_inference_latency_seconds", "model" => "bench_model")
                .record(black_box(0.00042))
        })
    });
    g.bench_function("inference_record/cached", |b| {
        b.iter(|| m.record(black_box(0.00042), 1))
    });
    g.finish();
    drop(exporter);
}

criterion_group!(benches, bench);
criterion_main!(benches);
