//! The demo model: a small MLP trained deterministically on a synthetic
//! momentum market and shipped with the crate, for the CLI demo, examples
//! and tests.
//!
//! **What it predicts.** The next day's close-to-close return of a series
//! from four features computed at today's close ([`DEMO_FEATURES`], see
//! [`demo_features`]): `mom_5d`, `mom_20d`, `vol_20d`, `volume_z`. Model
//! `4 → 16 (tanh) → 1`, output kind `point`; the input standardisation and the
//! target scale are folded into the weights, so it takes raw features.
//!
//! **Where it comes from.** `cargo run -p tradewarden-inference --example
//! train_demo` simulates [`synthetic_dataset`] with seed [`TRAIN_SEED`],
//! trains with [`train_demo`] (full determinism: seeded init, seeded
//! shuffles, f64 arithmetic, no threads) and writes
//! `assets/demo_model/{weights.bpk, config.json, meta.json}`, which are
//! embedded in the library ([`load_demo_model`] reads no file at run time).
//! A test retrains and checks that the shipped weights are reproduced.
//!
//! ```
//! use tradewarden_inference::demo;
//! use tradewarden_inference::device::cpu_device;
//! let model = demo::load_demo_model(&cpu_device()).unwrap();
//! assert_eq!(model.config().input, demo::DEMO_FEATURES.len());
//! // strong positive 5-day momentum at ordinary volatility and volume
//! let x = [2.0, 1.0, 0.16, 0.0];
//! let up = model.forward_f64(&x, 1).unwrap()[0];
//! let down = model.forward_f64(&[-2.0, -1.0, 0.16, 0.0], 1).unwrap()[0];
//! assert!(up > down, "the market it was trained on rewards momentum");
//! ```
//!
//! ## The synthetic market
//!
//! Series `s` has daily volatility `σ_s = 0.008 + 0.008·(s mod 5)/4`. Its
//! return on day `t` is
//! `r_t = 0.0002 + φ_t·σ_s·z5_{t−1} + σ_s·ε_t`, with `z5_{t−1}` the sum of the
//! five previous returns over `σ_s·√5`, `ε_t ~ N(0, 1)`, and a momentum
//! strength that grows with yesterday's traded volume:
//! `φ_t = 0.08·(1 + 0.75·tanh(v_{t−1}))`, `v ~ N(0, 1)` the volume z-score.
//!
//! Features at the close of day `t` over the last 20 returns `w`
//! (`d` = their sample standard deviation, at least 10⁻⁶):
//! `mom_5d = Σ(last 5 of w)/(d·√5)`, `mom_20d = Σw/(d·√20)`,
//! `vol_20d = d·√252`, `volume_z = v_t`. Target: `r_{t+1}`.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use burn::tensor::Device;

use crate::error::{InferenceError, Result};
use crate::model::{Activation, Mlp, MlpConfig, OutputKind};
use crate::predictor::Predictor;

/// Name of the demo model (metric label, registry name).
pub const DEMO_MODEL_NAME: &str = "demo_momentum_mlp";
/// Version tag of the shipped demo weights.
pub const DEMO_MODEL_VERSION: &str = "demo-v1";
/// Feature names, in model-input order.
pub const DEMO_FEATURES: [&str; 4] = ["mom_5d", "mom_20d", "vol_20d", "volume_z"];
/// Returns needed by [`demo_features`] (the look-back).
pub const LOOKBACK: usize = 20;
/// Seed of the training market.
pub const TRAIN_SEED: u64 = 20_260_101;
/// Seed of the holdout market the shipped metrics are measured on.
pub const HOLDOUT_SEED: u64 = 20_260_102;

const CONFIG_JSON: &str = include_str!("../assets/demo_model/config.json");
const META_JSON: &str = include_str!("../assets/demo_model/meta.json");
static WEIGHTS: &[u8] = include_bytes!("../assets/demo_model/weights.bpk");

/// The architecture of the demo model (`4 → 16 → 1`, tanh, point).
pub fn demo_architecture() -> MlpConfig {
    MlpConfig::new(DEMO_FEATURES.len(), vec![16], 1)
        .with_activation(Activation::Tanh)
        .with_output_kind(OutputKind::Point)
}

/// The shipped config (`assets/demo_model/config.json`).
///
/// # Errors
/// [`InferenceError::Weights`] (kind `Corrupt`) if the embedded file does
/// not parse (a broken build).
pub fn demo_config() -> Result<MlpConfig> {
    serde_json::from_str(CONFIG_JSON).map_err(|e| InferenceError::Weights {
        path: "assets/demo_model/config.json".into(),
        reason: e.to_string(),
    })
}

/// Training and holdout figures of the shipped weights
/// (`assets/demo_model/meta.json`).
///
/// # Errors
/// As [`demo_config`].
pub fn demo_metadata() -> Result<DemoReport> {
    serde_json::from_str(META_JSON).map_err(|e| InferenceError::Weights {
        path: "assets/demo_model/meta.json".into(),
        reason: e.to_string(),
    })
}

/// The shipped demo model on `device` (weights embedded in the library).
///
/// # Errors
/// [`InferenceError::Weights`] (kind `Corrupt`) if the embedded files are
/// broken (a broken build).
pub fn load_demo_model(device: &Device) -> Result<Mlp> {
    Mlp::load_burnpack_static(WEIGHTS, demo_config()?, device)
}

/// A [`Predictor`] named [`DEMO_MODEL_NAME`] serving the demo model as
/// [`DEMO_MODEL_VERSION`].
///
/// # Errors
/// As [`load_demo_model`].
pub fn demo_predictor(device: &Device) -> Result<Predictor> {
    Ok(Predictor::new(
        DEMO_MODEL_NAME,
        DEMO_MODEL_VERSION,
        load_demo_model(device)?,
    ))
}

/// The four demo features at the close of the last day of `returns`
/// (close-to-close returns, oldest first; the last [`LOOKBACK`] are used),
/// with `volume_z` that day's traded-volume z-score. Formulas in the module
/// docs.
///
/// ```
/// let r: Vec<f64> = (0..30).map(|i| 0.001 * ((i % 5) as f64 - 1.0)).collect();
/// let f = tradewarden_inference::demo::demo_features(&r, 0.5).unwrap();
/// assert_eq!(f[3], 0.5);
/// assert!(f[2] > 0.0);
/// ```
///
/// # Errors
/// [`InferenceError::InvalidInput`] when fewer than [`LOOKBACK`] returns are
/// given (`param` = `"returns"`) or a value is not finite (`"returns"` or
/// `"volume_z"`).
pub fn demo_features(returns: &[f64], volume_z: f64) -> Result<[f64; 4]> {
    if returns.len() < LOOKBACK {
        return Err(InferenceError::InvalidInput {
            param: "returns",
            value: format!("{} values", returns.len()),
            reason: format!("at least {LOOKBACK} returns are needed"),
        });
    }
    let w = &returns[returns.len() - LOOKBACK..];
    if let Some((i, v)) = w.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(InferenceError::InvalidInput {
            param: "returns",
            value: format!("returns[{}] = {v}", returns.len() - LOOKBACK + i),
            reason: "returns must be finite".into(),
        });
    }
    if !volume_z.is_finite() {
        return Err(InferenceError::InvalidInput {
            param: "volume_z",
            value: volume_z.to_string(),
            reason: "must be finite".into(),
        });
    }
    Ok(features_of(w, volume_z))
}

fn features_of(w: &[f64], volume_z: f64) -> [f64; 4] {
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let var = w.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    let d = var.sqrt().max(1e-6);
    let sum5: f64 = w[w.len() - 5..].iter().sum();
    let sum20: f64 = w.iter().sum();
    [
        sum5 / (d * 5f64.sqrt()),
        sum20 / (d * n.sqrt()),
        d * 252f64.sqrt(),
        volume_z,
    ]
}

/// Samples of the synthetic market: `features` row-major `n × 4`, `targets`
/// the next day's return of each row.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoDataset {
    /// `n × 4` features, row-major, in [`DEMO_FEATURES`] order.
    pub features: Vec<f64>,
    /// The next day's return of each row.
    pub targets: Vec<f64>,
}

impl DemoDataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // Box–Muller on (0, 1] × [0, 1).
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Simulates `n_series` series of `n_days` days of the synthetic market
/// (module docs) from `seed` and returns one sample per series and day with
/// a full look-back and a next day.
///
/// # Errors
/// [`InferenceError::InvalidInput`] when `n_series == 0` or
/// `n_days < LOOKBACK + 3`.
pub fn synthetic_dataset(seed: u64, n_series: usize, n_days: usize) -> Result<DemoDataset> {
    if n_series == 0 {
        return Err(InferenceError::InvalidInput {
            param: "n_series",
            value: "0".into(),
            reason: "at least one series".into(),
        });
    }
    if n_days < LOOKBACK + 3 {
        return Err(InferenceError::InvalidInput {
            param: "n_days",
            value: n_days.to_string(),
            reason: format!("at least {} days", LOOKBACK + 3),
        });
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut features = Vec::new();
    let mut targets = Vec::new();
    for s in 0..n_series {
        let sigma = 0.008 + 0.008 * ((s % 5) as f64) / 4.0;
        let mut r = vec![0.0f64; n_days];
        let mut v = vec![0.0f64; n_days];
        for t in 0..n_days {
            let eps = normal(&mut rng);
            v[t] = normal(&mut rng);
            if t == 0 {
                continue;
            }
            let lo = t.saturating_sub(5);
            let z5 = r[lo..t].iter().sum::<f64>() / (sigma * 5f64.sqrt());
            let phi = 0.08 * (1.0 + 0.75 * v[t - 1].tanh());
            r[t] = 0.0002 + phi * sigma * z5 + sigma * eps;
        }
        // day t uses returns 1..=t (day 0 has no return)
        for t in LOOKBACK..n_days - 1 {
            features.extend_from_slice(&features_of(&r[t + 1 - LOOKBACK..=t], v[t]));
            targets.push(r[t + 1]);
        }
    }
    Ok(DemoDataset { features, targets })
}

/// Training options of [`train_demo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Seed of the training market.
    pub seed: u64,
    /// Series simulated.
    pub n_series: usize,
    /// Days per series.
    pub n_days: usize,
    /// Seed of the holdout market.
    pub holdout_seed: u64,
    /// Passes over the data.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
}

impl Default for TrainOptions {
    /// The options the shipped weights were trained with.
    fn default() -> Self {
        TrainOptions {
            seed: TRAIN_SEED,
            n_series: 40,
            n_days: 520,
            holdout_seed: HOLDOUT_SEED,
            epochs: 12,
            batch: 256,
            learning_rate: 0.003,
        }
    }
}

/// Figures of a training run (shipped as `meta.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoReport {
    /// Model name.
    pub name: String,
    /// Version tag.
    pub version: String,
    /// Feature names in input order.
    pub features: Vec<String>,
    /// What the output is.
    pub target: String,
    /// The options used.
    pub options: TrainOptions,
    /// Training samples.
    pub train_samples: usize,
    /// Holdout samples.
    pub holdout_samples: usize,
    /// Mean squared error of the trained model on the holdout market.
    pub holdout_mse: f64,
    /// Mean squared error of always predicting 0 on the holdout market.
    pub holdout_mse_zero: f64,
    /// Pearson correlation of prediction and realised return (holdout).
    pub holdout_correlation: f64,
    /// Share of holdout rows where the prediction's sign is the realised
    /// return's sign.
    pub holdout_hit_rate: f64,
}

/// A trained model and its figures.
#[derive(Debug, Clone)]
pub struct TrainedDemo {
    /// The model on the flex CPU device.
    pub model: Mlp,
    /// Training and holdout figures.
    pub report: DemoReport,
}

/// Trains the demo model (module docs): inputs standardised with the
/// training means and standard deviations, target divided by its standard
/// deviation, Xavier-uniform init from the seed, mini-batch Adam on the mean
/// squared error with seeded shuffles, all in f64 on one thread; the
/// standardisation is folded into the weights at the end. Same options, same
/// weights, bit for bit.
///
/// # Errors
/// [`InferenceError::InvalidInput`] for zero epochs or batch or a
/// non-positive learning rate, or from [`synthetic_dataset`].
pub fn train_demo(options: &TrainOptions, device: &Device) -> Result<TrainedDemo> {
    if options.epochs == 0 || options.batch == 0 {
        return Err(InferenceError::InvalidInput {
            param: "options",
            value: format!("epochs = {}, batch = {}", options.epochs, options.batch),
            reason: "epochs and batch must be ≥ 1".into(),
        });
    }
    if !(options.learning_rate > 0.0 && options.learning_rate.is_finite()) {
        return Err(InferenceError::InvalidInput {
            param: "options.learning_rate",
            value: options.learning_rate.to_string(),
            reason: "must be finite and > 0".into(),
        });
    }
    let train = synthetic_dataset(options.seed, options.n_series, options.n_days)?;
    let holdout = synthetic_dataset(options.holdout_seed, options.n_series, options.n_days)?;
    let config = demo_architecture();
    let (n_in, n_hid) = (config.input, config.hidden[0]);
    let n = train.len();

    // Standardisation.
    let mut mean = vec![0.0; n_in];
    let mut sd = vec![0.0; n_in];
    for row in train.features.chunks_exact(n_in) {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x / n as f64;
        }
    }
    for row in train.features.chunks_exact(n_in) {
        for ((s, x), m) in sd.iter_mut().zip(row).zip(&mean) {
            *s += (x - m) * (x - m) / n as f64;
        }
    }
    for s in sd.iter_mut() {
        *s = s.sqrt().max(1e-12);
    }
    let y_mean = train.targets.iter().sum::<f64>() / n as f64;
    let y_sd = (train
        .targets
        .iter()
        .map(|y| (y - y_mean) * (y - y_mean))
        .sum::<f64>()
        / n as f64)
        .sqrt()
        .max(1e-12);
    let xs: Vec<f64> = train
        .features
        .chunks_exact(n_in)
        .flat_map(|row| {
            row.iter()
                .zip(&mean)
                .zip(&sd)
                .map(|((x, m), s)| (x - m) / s)
                .collect::<Vec<_>>()
        })
        .collect();
    let ys: Vec<f64> = train.targets.iter().map(|y| (y - y_mean) / y_sd).collect();

    // Parameters: w1 [hid][in], b1 [hid], w2 [hid], b2.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(options.seed ^ 0x7472_6169_6e00);
    let a1 = (6.0 / (n_in + n_hid) as f64).sqrt();
    let a2 = (6.0 / (n_hid + 1) as f64).sqrt();
    let mut p: Vec<f64> = Vec::with_capacity(n_hid * n_in + 2 * n_hid + 1);
    for _ in 0..n_hid * n_in {
        p.push((rng.random::<f64>() * 2.0 - 1.0) * a1);
    }
    p.extend(std::iter::repeat_n(0.0, n_hid));
    for _ in 0..n_hid {
        p.push((rng.random::<f64>() * 2.0 - 1.0) * a2);
    }
    p.push(0.0);
    let (o_b1, o_w2, o_b2) = (n_hid * n_in, n_hid * n_in + n_hid, n_hid * n_in + 2 * n_hid);

    let (beta1, beta2, eps) = (0.9f64, 0.999f64, 1e-8f64);
    let mut m1 = vec![0.0; p.len()];
    let mut m2 = vec![0.0; p.len()];
    let mut step = 0i32;
    let mut order: Vec<usize> = (0..n).collect();
    let mut grad = vec![0.0; p.len()];
    let mut h = vec![0.0; n_hid];
    for _ in 0..options.epochs {
        // Fisher–Yates with the seeded generator.
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        for chunk in order.chunks(options.batch) {
            grad.iter_mut().for_each(|g| *g = 0.0);
            let scale = 2.0 / chunk.len() as f64;
            for &i in chunk {
                let x = &xs[i * n_in..(i + 1) * n_in];
                let mut out = p[o_b2];
                for (k, hk) in h.iter_mut().enumerate() {
                    let z = p[o_b1 + k] + (0..n_in).map(|c| p[k * n_in + c] * x[c]).sum::<f64>();
                    *hk = z.tanh();
                    out += p[o_w2 + k] * *hk;
                }
                let e = (out - ys[i]) * scale;
                grad[o_b2] += e;
                for (k, hk) in h.iter().enumerate() {
                    grad[o_w2 + k] += e * hk;
                    let dz = e * p[o_w2 + k] * (1.0 - hk * hk);
                    grad[o_b1 + k] += dz;
                    for c in 0..n_in {
                        grad[k * n_in + c] += dz * x[c];
                    }
                }
            }
            step += 1;
            let (c1, c2) = (1.0 - beta1.powi(step), 1.0 - beta2.powi(step));
            for (((w, g), a), b) in p.iter_mut().zip(&grad).zip(&mut m1).zip(&mut m2) {
                *a = beta1 * *a + (1.0 - beta1) * g;
                *b = beta2 * *b + (1.0 - beta2) * g * g;
                *w -= options.learning_rate * (*a / c1) / ((*b / c2).sqrt() + eps);
            }
        }
    }

    // Fold the standardisation into the weights (PyTorch layout [out, in]).
    let mut w1 = Vec::with_capacity(n_hid * n_in);
    let mut b1 = Vec::with_capacity(n_hid);
    for k in 0..n_hid {
        let mut b = p[o_b1 + k];
        for c in 0..n_in {
            let w = p[k * n_in + c] / sd[c];
            w1.push(w as f32);
            b -= w * mean[c];
        }
        b1.push(b as f32);
    }
    let w2: Vec<f32> = (0..n_hid).map(|k| (p[o_w2 + k] * y_sd) as f32).collect();
    let b2 = vec![(p[o_b2] * y_sd + y_mean) as f32];
    let model = Mlp::from_pytorch_weights(config, &[(w1, b1), (w2, b2)], device)?;

    // Holdout figures.
    let pred = model.forward_f64(&holdout.features, holdout.len())?;
    let pred: Vec<f64> = pred.into_iter().map(f64::from).collect();
    let m = holdout.len() as f64;
    let mse = pred
        .iter()
        .zip(&holdout.targets)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        / m;
    let mse0 = holdout.targets.iter().map(|b| b * b).sum::<f64>() / m;
    let hits = pred
        .iter()
        .zip(&holdout.targets)
        .filter(|(a, b)| a.signum() == b.signum())
        .count() as f64
        / m;
    let report = DemoReport {
        name: DEMO_MODEL_NAME.into(),
        version: DEMO_MODEL_VERSION.into(),
        features: DEMO_FEATURES.iter().map(|s| s.to_string()).collect(),
        target: "next day's close-to-close return".into(),
        options: options.clone(),
        train_samples: n,
        holdout_samples: holdout.len(),
        holdout_mse: mse,
        holdout_mse_zero: mse0,
        holdout_correlation: pearson(&pred, &holdout.targets),
        holdout_hit_rate: hits,
    };
    Ok(TrainedDemo { model, report })
}

/// Pearson correlation (0 when either side is constant).
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa <= 0.0 || sbb <= 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}
