//! The demo model: a small MLP (4 → 8 → 1, ReLU) built from in-memory,
//! seeded weights through `Mlp::from_pytorch_weights`.
//!
//! Two hidden units carry the momentum signal the demo market rewards before
//! its regime change: `h₀ = relu(w·x)`, `h₁ = relu(−w·x)` with
//! `w = (0.8, 0.2, 0, 0)` over (mom_5d, mom_20d, vol_20d, volume_z), and the
//! output adds `c·(h₀ − h₁) = c·w·x` (`c = 10⁻³`: expected next-day return).
//! The other six hidden units have seeded random weights and output weights
//! of order 10⁻⁶, as the leftovers of training would.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_inference::model::{Activation, Mlp, MlpConfig, OutputKind, cpu_device};

use crate::Failure;

/// Name of the demo model (metric label, registry name).
pub(crate) const MODEL_NAME: &str = "demo_momentum";
/// Version of the demo model.
pub(crate) const MODEL_VERSION: &str = "v1";
const HIDDEN: usize = 8;
/// Mixed into the seed so the model's weights differ from the market's draws.
const MODEL_SEED_TAG: u64 = 0x6d6f_6465_6c00;

/// Builds the demo model deterministically from `seed`.
pub(crate) fn demo_model(seed: u64) -> Result<Mlp, Failure> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ MODEL_SEED_TAG);
    let w = [0.8f32, 0.2, 0.0, 0.0];
    let mut w0 = Vec::with_capacity(HIDDEN * 4);
    let mut b0 = vec![0.0f32; HIDDEN];
    w0.extend_from_slice(&w);
    w0.extend(w.iter().map(|v| -v));
    for (i, b) in b0.iter_mut().enumerate().skip(2) {
        for _ in 0..4 {
            w0.push((rng.random::<f32>() - 0.5) * 0.6);
        }
        *b = (i as f32) * 0.01;
    }
    let c = 1e-3f32;
    let mut w1 = vec![c, -c];
    for _ in 2..HIDDEN {
        w1.push((rng.random::<f32>() - 0.5) * 2e-6);
    }
    let config = MlpConfig::new(4, vec![HIDDEN], 1)
        .with_activation(Activation::Relu)
        .with_output_kind(OutputKind::Point);
    Ok(Mlp::from_pytorch_weights(
        config,
        &[(w0, b0), (w1, vec![0.0])],
        &cpu_device(),
    )?)
}
