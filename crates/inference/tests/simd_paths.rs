//! The CPU MLP kernel on every SIMD path. The path is fixed per process
//! (`TRADEWARDEN_SIMD`, read once by `tradewarden_core::simd`), so the parent
//! test runs this test binary again once per path (`scalar`, `avx2`,
//! `avx512`), each child writing its outputs to a file, and compares them
//! within the bound stated in docs/conventions.md ("Results across CPUs").
//! On a CPU without a path the child falls back to a lower one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use tradewarden_core::simd::{self, SimdPath};
use tradewarden_inference::demo::{self, HOLDOUT_SEED, synthetic_dataset};
use tradewarden_inference::model::{Activation, Mlp, MlpConfig, OutputKind, cpu_device};

/// Set in a child: where it writes its outputs.
const CHILD_OUT: &str = "TRADEWARDEN_TEST_SIMD_CHILD_OUT";

/// Deterministic values in [−1, 1) (an LCG; no dependence on burn's RNG).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// An MLP with weights of scale 1/√in and the given activation and output.
fn model(cfg: MlpConfig, seed: u64) -> Mlp {
    let layers: Vec<(Vec<f32>, Vec<f32>)> = cfg
        .layer_shapes()
        .into_iter()
        .enumerate()
        .map(|(i, (k, n))| {
            let scale = 1.0 / (k as f32).sqrt();
            let w = values(k * n, seed * 31 + i as u64)
                .into_iter()
                .map(|v| v * scale)
                .collect();
            let b = values(n, seed * 37 + i as u64)
                .into_iter()
                .map(|v| v * 0.1)
                .collect();
            (w, b)
        })
        .collect();
    Mlp::from_pytorch_weights(cfg, &layers, &cpu_device()).unwrap()
}

/// Every case's outputs, in order: the bench model (64→128→128→3, ReLU),
/// the same with tanh and quantile outputs, odd widths (tails of every
/// vector size) with GELU and softmax, and the demo model on the holdout
/// market.
fn outputs() -> Vec<(&'static str, Vec<f32>)> {
    let mut out = Vec::new();
    let cases = [
        ("64-128-128-3 relu", MlpConfig::new(64, vec![128, 128], 3)),
        (
            "64-128-128-3 tanh quantiles",
            MlpConfig::new(64, vec![128, 128], 3)
                .with_activation(Activation::Tanh)
                .with_output_kind(OutputKind::Quantiles),
        ),
        (
            "31-130-33-5 gelu classes",
            MlpConfig::new(31, vec![130, 33], 5)
                .with_activation(Activation::Gelu)
                .with_output_kind(OutputKind::Classes),
        ),
    ];
    for (i, (name, cfg)) in cases.into_iter().enumerate() {
        let rows = 300;
        let x = values(rows * cfg.input, 1000 + i as u64);
        let m = model(cfg, i as u64 + 1);
        out.push((name, m.forward_f32(&x, rows).unwrap()));
    }
    let dev = cpu_device();
    let hold = synthetic_dataset(HOLDOUT_SEED, 40, 520).unwrap();
    let m = demo::load_demo_model(&dev).unwrap();
    out.push((
        "demo holdout",
        m.forward_f64(&hold.features, hold.len()).unwrap(),
    ));
    out
}

/// The child: writes the active path and every output's bits to the file
/// named by [`CHILD_OUT`]; a no-op in an ordinary run.
#[test]
fn child_writes_outputs() {
    let Ok(path) = std::env::var(CHILD_OUT) else {
        return;
    };
    let mut text = format!("{}\n", simd::selection().active);
    for (name, v) in outputs() {
        let words: Vec<String> = v.iter().map(|x| format!("{:08x}", x.to_bits())).collect();
        text.push_str(&format!("{name}\t{}\n", words.join(" ")));
    }
    std::fs::write(path, text).unwrap();
}

type Run = (String, Vec<(String, Vec<f32>)>);

fn run_child(path: SimdPath, dir: &std::path::Path) -> Run {
    let file = dir.join(path.as_str());
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child_writes_outputs", "--exact", "--test-threads=1"])
        .env(simd::ENV_VAR, path.as_str())
        .env(CHILD_OUT, &file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child on {path:?}: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    let active = lines.next().unwrap().to_string();
    let cases = lines
        .map(|l| {
            let (name, words) = l.split_once('\t').unwrap();
            let v = words
                .split(' ')
                .map(|w| f32::from_bits(u32::from_str_radix(w, 16).unwrap()))
                .collect();
            (name.to_string(), v)
        })
        .collect();
    (active, cases)
}

/// Asserts `got` within the bound of `want` case by case; prints the
/// largest absolute difference of each case.
fn compare(got: &Run, want: &Run) {
    assert_eq!(got.1.len(), want.1.len());
    for ((name, a), (_, b)) in got.1.iter().zip(&want.1) {
        assert_eq!(a.len(), b.len(), "{name}");
        let mut max_abs = 0.0f32;
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            // Bound: each output is b + Σ x·w over at most 130 terms of
            // magnitude ≲ 1 per layer, summed in another order (16, 8 or 1
            // lanes) and with or without FMA; the f32 rounding differences
            // are ≲ k·ε·Σ|x·w| ≈ 130 · 6e-8 · 10 ≈ 1e-4 in the worst case, a
            // few ε·√k in practice: measured ≤ 2.1e-7 (docs/conventions.md).
            // 1e-5 · max(1, |y|), the kernel-vs-burn bound of cpu_kernel.rs,
            // is 40× that and far below what a wrong weight, row or
            // activation gives (typically ≥ 1e-3).
            let d = (x - y).abs();
            assert!(
                d <= 1e-5 * y.abs().max(1.0),
                "{name}[{i}]: {x} on {} vs {y} on {}",
                got.0,
                want.0
            );
            max_abs = max_abs.max(d);
        }
        println!("{name}: {} vs {}: max |diff| {max_abs:e}", got.0, want.0);
    }
}

#[test]
fn mlp_outputs_agree_across_simd_paths() {
    if std::env::var_os(CHILD_OUT).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<Run> = [SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512]
        .into_iter()
        .map(|p| run_child(p, dir.path()))
        .collect();
    assert_eq!(runs[0].0, "scalar");
    compare(&runs[1], &runs[0]);
    compare(&runs[2], &runs[0]);
    compare(&runs[2], &runs[1]);
    // Deterministic per path: this process's outputs equal the child's on
    // the same path bit for bit.
    let here = outputs();
    let active = simd::selection().active;
    for (path, cases) in runs.iter().filter(|r| r.0 == active) {
        for ((name, got), (_, mine)) in cases.iter().zip(&here) {
            let same = got.len() == mine.len()
                && got
                    .iter()
                    .zip(mine)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{name}: not reproducible on {path}");
        }
    }
}
