#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "wgpu")]
//! The same weights give the same outputs on the flex CPU backend and on the
//! wgpu backend (within 1e-4). Runs only with `--features wgpu`; the suite
//! script `scripts/test.d/50-inference-wgpu.sh` runs it on Mesa's software
//! Vulkan (llvmpipe) when no GPU is present.

use tradewarden_inference::Predictor;
use tradewarden_inference::device::{backend_name, cpu_device, wgpu_device};
use tradewarden_inference::model::{Activation, Mlp, MlpConfig, OutputKind};

const TOL: f32 = 1e-4;

/// Deterministic pseudo-random features in [-2, 2) (splitmix64).
fn features(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0) as f32
        })
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn wgpu_device_is_available_and_cached() {
    let a = wgpu_device().expect("a wgpu adapter (install mesa-vulkan-drivers)");
    let b = wgpu_device().unwrap();
    assert_eq!(a, b, "the device is initialised once and reused");
    assert_eq!(backend_name(&a), "wgpu");
    assert_eq!(backend_name(&cpu_device()), "flex");
}

#[test]
fn mlp_flex_and_wgpu_agree() {
    let gpu = wgpu_device().unwrap();
    let cpu = cpu_device();
    for (act, kind, out) in [
        (Activation::Relu, OutputKind::Point, 3),
        (Activation::Gelu, OutputKind::Quantiles, 5),
        (Activation::Tanh, OutputKind::Classes, 5),
        (Activation::Silu, OutputKind::Point, 1),
    ] {
        let cfg = MlpConfig::new(64, vec![128, 128], out)
            .with_activation(act)
            .with_output_kind(kind);
        let m_cpu = Mlp::new(cfg, &cpu).unwrap();
        let m_gpu = m_cpu.to_device(&gpu);
        assert_eq!(backend_name(m_gpu.device()), "wgpu");
        for rows in [1usize, 257] {
            let x = features(rows * 64, rows as u64 + out as u64);
            let a = m_cpu.forward_f32(&x, rows).unwrap();
            let b = m_gpu.forward_f32(&x, rows).unwrap();
            assert_eq!(a.len(), rows * out);
            let d = max_abs_diff(&a, &b);
            assert!(
                d <= TOL,
                "{act:?}/{kind:?} rows={rows}: max |flex - wgpu| = {d}"
            );
            // not a degenerate comparison: outputs vary across the batch
            if a.len() > 1 {
                assert!(a.iter().any(|v| (v - a[0]).abs() > 1e-3));
            }
        }
    }
}

#[test]
fn predictor_serves_a_wgpu_model_and_checks_input() {
    let gpu = wgpu_device().unwrap();
    let cfg = MlpConfig::new(8, vec![16], 2);
    let m_cpu = Mlp::new(cfg, &cpu_device()).unwrap();
    let p = Predictor::new("wgpu_test", "v1", m_cpu.to_device(&gpu));
    let x: Vec<f64> = features(3 * 8, 7).iter().map(|v| f64::from(*v)).collect();
    let got = p.predict(&x, 3).unwrap();
    let want = m_cpu.forward_f64(&x, 3).unwrap();
    assert!(max_abs_diff(&got.values, &want) <= TOL);
    assert!(p.predict(&x[..23], 3).is_err());
}

#[test]
fn window_models_flex_and_wgpu_agree() {
    use tradewarden_inference::sequence::{
        GruModel, GruModelConfig, TransformerModel, TransformerModelConfig,
    };
    let gpu = wgpu_device().unwrap();
    let cpu = cpu_device();
    let rows = 9;
    let x = features(rows * 16 * 6, 99);
    let gru = GruModel::new(GruModelConfig::new(6, 16, 24, 3).with_layers(2), &cpu).unwrap();
    let a = gru.forward_f32(&x, rows).unwrap();
    let b = gru.to_device(&gpu).forward_f32(&x, rows).unwrap();
    let d = max_abs_diff(&a, &b);
    assert!(d <= TOL, "GRU: max |flex - wgpu| = {d}");
    let tf = TransformerModel::new(
        TransformerModelConfig::new(6, 16, 32, 4, 2, 64, 3).with_output_kind(OutputKind::Classes),
        &cpu,
    )
    .unwrap();
    let a = tf.forward_f32(&x, rows).unwrap();
    let b = tf.to_device(&gpu).forward_f32(&x, rows).unwrap();
    let d = max_abs_diff(&a, &b);
    assert!(d <= TOL, "Transformer: max |flex - wgpu| = {d}");
}
