//! # tradewarden-inference
//!
//! Neural-network inference for tradewarden, on [burn] 0.22:
//!
//! - [`model`]: an MLP with a serde config ([`MlpConfig`]: input, hidden
//!   sizes, output, activation, output kind — point forecast, sorted quantile
//!   bands, softmax class probabilities), weights in burn's burnpack format and
//!   import of PyTorch weights from safetensors;
//! - [`Predictor`]: a thread-safe batch predictor over row-major slices with
//!   typed errors for shape mismatches and NaN features, hot swap without
//!   pausing callers, and latency/prediction metrics through the `metrics`
//!   facade;
//! - [`regime`]: ml-trading-bot's rule-based regime classifier;
//! - [`guard`]: ml-trading-bot's prediction sanity guard;
//! - [`registry`]: versions with sha256 manifests, atomic `active` /
//!   `last_good` pointers, promote / rollback / verify.
//!
//! **Features.** `models` (default) builds the models, the predictor and
//! everything that loads weights; it is the only part that needs burn.
//! Without it (`default-features = false`) the crate is burn-free: the
//! architectures as configuration ([`config`]), the regime classifier, the
//! sanity guard and the registry's documents — manifests, pointers, checksum
//! and signature verification, listing — but no registration, loading,
//! promotion or rollback. The manifest fuzz target builds it that way.
//! `wgpu` adds burn's wgpu backend.
//!
//! The device is always passed explicitly; [`model::cpu_device`] is burn's
//! flex CPU backend, the only backend this build enables. No burn type is
//! needed to use the [`Predictor`] API besides the device.
//!
//! ```
//! use tradewarden_inference::{Predictor, model::{cpu_device, Mlp, MlpConfig, OutputKind}};
//! let config = MlpConfig::new(4, vec![16, 16], 3).with_output_kind(OutputKind::Classes);
//! let model = Mlp::new(config, &cpu_device()).unwrap();
//! let predictor = Predictor::new("regime_mlp", "v1", model);
//! let p = predictor.predict(&[0.1, -0.2, 0.3, 0.0], 1).unwrap();
//! let sum: f32 = p.values.iter().sum();
//! assert!((sum - 1.0).abs() < 1e-5);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "models")]
pub mod any;
pub mod config;
#[cfg(feature = "models")]
pub mod demo;
#[cfg(feature = "models")]
mod dense;
#[cfg(feature = "models")]
pub mod device;
pub mod error;
pub mod guard;
#[cfg(feature = "models")]
pub mod model;
#[cfg(feature = "models")]
pub mod predictor;
pub mod regime;
pub mod registry;
#[cfg(feature = "models")]
pub mod sequence;
#[cfg(feature = "models")]
mod torch;

#[cfg(feature = "models")]
pub use any::AnyModel;
pub use config::{Activation, Architecture, MlpConfig, OutputKind};
pub use error::{InferenceError, Result};
#[cfg(feature = "models")]
pub use model::Mlp;
#[cfg(feature = "models")]
pub use predictor::{Feature, Prediction, Predictor};
