//! CPU-time companion of the criterion bench (`benches/drift.rs`): runs the
//! issue's speed workloads and prints, per workload, the median wall time and
//! the median **CPU time** consumed (Linux: `/proc/thread-self/schedstat`
//! for one-thread work, `/proc/self/stat` for the 2-thread report). On a
//! shared, oversubscribed machine wall time includes time spent descheduled;
//! CPU time does not. See docs/performance.md ("Drift").
//!
//! `cargo run --release -p tradewarden-drift --example drift_cpu_time`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::NanPolicy;
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};

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

/// On-CPU nanoseconds of the calling thread.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// utime + stime of the whole process, in nanoseconds (100 Hz ticks assumed).
fn process_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000_000)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(name: &str, reps: usize, cpu: fn() -> Option<u64>, mut f: impl FnMut()) {
    f();
    let (mut wall, mut busy) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let c0 = cpu();
        let t = Instant::now();
        f();
        wall.push(t.elapsed().as_secs_f64() * 1e3);
        if let (Some(a), Some(b)) = (c0, cpu()) {
            busy.push((b - a) as f64 / 1e6);
        }
    }
    let cpu_ms = if busy.is_empty() {
        "n/a".to_string()
    } else {
        format!("{:.1} ms", median(busy))
    };
    println!(
        "{name}: wall median {:.1} ms (min {:.1}), cpu median {cpu_ms}",
        median(wall.clone()),
        wall.iter().copied().fold(f64::INFINITY, f64::min)
    );
}

fn main() {
    let a = normals(1_000_000, 0.0, 1);
    let b = normals(1_000_000, 0.01, 2);
    let c = normals(1_000_000, 0.0, 6);
    let ks = |x: &[f64], y: &[f64]| {
        ks_2samp(
            x,
            y,
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Error,
        )
        .unwrap()
    };
    run(
        "ks_2samp 1M vs 1M shifted 0.01, p-value",
        15,
        thread_cpu_ns,
        || {
            black_box(ks(&a, &b));
        },
    );
    run(
        "ks_2samp 1M vs 1M same distribution",
        15,
        thread_cpu_ns,
        || {
            black_box(ks(&a, &c));
        },
    );
    let cur = normals(1_000_000, 0.05, 4);
    let frozen = NumericProfile::fit(&a, &ProfileOptions::default()).unwrap();
    run("psi 1M vs frozen decile profile", 41, thread_cpu_ns, || {
        black_box(frozen.psi(&cur, PsiMode::default()).unwrap());
    });
    let light = ProfileOptions {
        keep_reference: false,
        ..Default::default()
    };
    run(
        "fit (no stored reference) + psi, 1M + 1M",
        15,
        thread_cpu_ns,
        || {
            let p = NumericProfile::fit(&a, &light).unwrap();
            black_box(p.psi(&cur, PsiMode::default()).unwrap());
        },
    );
    run(
        "fit (stored sorted reference) + psi, 1M + 1M",
        15,
        thread_cpu_ns,
        || {
            let p = NumericProfile::fit(&a, &ProfileOptions::default()).unwrap();
            black_box(p.psi(&cur, PsiMode::default()).unwrap());
        },
    );
    let (nf, rows) = (50usize, 200_000usize);
    let names: Vec<String> = (0..nf).map(|i| format!("f{i}")).collect();
    let mut profile = Profile::new();
    for (i, n) in names.iter().enumerate() {
        let r = normals(rows, 0.0, 100 + i as u64);
        profile.insert(
            n.clone(),
            FeatureProfile::Numeric(NumericProfile::fit(&r, &ProfileOptions::default()).unwrap()),
        );
    }
    let current: Vec<Vec<f64>> = (0..nf)
        .map(|i| normals(rows, if i % 5 == 0 { 0.1 } else { 0.0 }, 900 + i as u64))
        .collect();
    let cur: Vec<(&str, FeatureData<'_>)> = names
        .iter()
        .zip(&current)
        .map(|(n, v)| (n.as_str(), FeatureData::Numeric(v)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    // peak memory of one report beyond what is already resident (Linux:
    // reset the high-water mark through clear_refs, then read VmHWM)
    let status_kb = |key: &str| -> Option<f64> {
        let s = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = s.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    if std::fs::write("/proc/self/clear_refs", "5").is_ok() {
        let before = status_kb("VmRSS:");
        pool.install(|| {
            black_box(DriftReport::compute(&profile, &cur, &ReportOptions::default()).unwrap());
        });
        if let (Some(b), Some(peak)) = (before, status_kb("VmHWM:")) {
            let input_mb = (nf * rows * 8) as f64 / 1e6;
            println!(
                "report peak memory beyond resident data: {:.1} MB ({:.1}% of the {input_mb:.0} MB current input)",
                (peak - b) / 1e3,
                (peak - b) / 1e3 / input_mb * 100.0
            );
        }
    }
    run(
        "report 50 x 200k KS+PSI+JS, 2 threads (cpu = both threads)",
        7,
        process_cpu_ns,
        || {
            pool.install(|| {
                black_box(DriftReport::compute(&profile, &cur, &ReportOptions::default()).unwrap());
            })
        },
    );
}
