//! # tradewarden
//!
//! The operations core of a machine-learning trading system. This umbrella
//! crate re-exports the member crates:
//!
//! - [`core`]: errors, conventions, returns analytics, Arrow/Parquet I/O;
//! - [`metrics`]: the Prometheus metric catalog, cached handles, the exporter;
//! - [`drift`]: scipy-exact drift statistics, reference profiles, reports, monitors;
//! - [`guardrails`]: policy, pre-trade engine, latched state, canary and promotion gates;
//! - [`ops`]: the operations summary (risk metrics, exposure metrics, the seven alerts);
//! - [`report`]: the HTML report page (templates with auto-escaping, SVG charts).
//!
//! `tradewarden-inference` (burn) is used directly, not re-exported here, so
//! that crates linking the umbrella do not compile burn (docs/architecture.md).
//!
//! ```
//! use tradewarden::core::{returns, ReturnsOptions};
//! let r = [0.01, -0.02, 0.015, 0.005];
//! let s = returns::sharpe_ratio(&r, &ReturnsOptions::default()).unwrap();
//! assert!(s.is_finite());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use tradewarden_core as core;
pub use tradewarden_core::{Classify, Error, ErrorKind, NanPolicy, Period, ReturnsOptions};
pub use tradewarden_drift as drift;
pub use tradewarden_guardrails as guardrails;
pub use tradewarden_metrics as metrics;

pub mod ops;
pub mod report;

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
