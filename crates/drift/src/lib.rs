//! # tradewarden-drift
//!
//! Distribution-drift statistics with scipy-exact numbers, over frozen,
//! persisted, mergeable reference profiles.
//!
//! - [`ks`]: two-sample Kolmogorov–Smirnov exactly as `scipy.stats.ks_2samp`;
//! - [`kolmogorov`]: the KS distributions (`kstwo`, `smirnov`) as scipy computes them;
//! - [`profile`]: frozen, persisted (JSON / binary), mergeable reference profiles;
//! - [`psi`]: Population Stability Index (explicit ε, Evidently-compatible mode);
//! - [`distance`]: Jensen–Shannon, KL, Hellinger, Wasserstein, energy distance;
//! - [`compat`]: scipy's arithmetic for the drop-in Python module (weighted
//!   Wasserstein / energy distance, ±inf as IEEE values, row-wise Jensen–Shannon);
//! - [`anderson`]: Anderson–Darling k-sample test as `scipy.stats.anderson_ksamp`;
//! - [`tests`]: χ² contingency, two-proportion z-test, Mann–Whitney U (from core);
//! - [`report`]: per-feature drift reports with method choice, severity bands and
//!   multiple-testing correction, features in parallel;
//! - [`chunk`]: NannyML-style chunking and per-chunk drift;
//! - [`monitor`]: rolling live monitors and prediction-quality drift;
//! - [`telemetry`]: the metric names this crate emits;
//! - [`sample`]: NaN policy and sorting;
//! - [`sketch`]: mergeable KLL quantile sketch (approximate references, explicit edges
//!   for partitioned fits) and KS against a sketch;
//! - [`state`]: per-partition score states against a broadcast reference (mergeable,
//!   size independent of the current rows; reports equal bit for bit).
//!
//! Formulas and conventions: `docs/drift.md`.
//!
//! ```
//! use tradewarden_drift::ks::{ks_2samp, Alternative, KsMethod};
//! use tradewarden_core::NanPolicy;
//! let a = [0.1, 0.4, 0.2, 0.9, 0.5];
//! let r = ks_2samp(&a, &a, Alternative::TwoSided, KsMethod::Auto, NanPolicy::Error).unwrap();
//! assert_eq!((r.statistic, r.pvalue), (0.0, 1.0));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod anderson;
mod binfmt;
pub mod chunk;
pub mod compat;
pub mod cvm;
pub mod distance;
pub mod error;
pub mod kolmogorov;
pub mod ks;
pub mod monitor;
pub mod names;
pub mod profile;
pub mod psi;
pub mod report;
pub mod sample;
pub mod sketch;
pub mod state;
pub mod telemetry;
pub mod tests;
mod vmath;

pub use error::{Artefact, Error, Result};
