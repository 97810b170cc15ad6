//! # tradewarden-core
//!
//! The foundation every other tradewarden crate stands on:
//!
//! - [`error`]: the shared [`ErrorKind`] and this crate's [`Error`];
//! - [`conventions`]: [`Period`] (annualisation), [`NanPolicy`], [`ReturnsOptions`];
//! - [`returns`]: empyrical-compatible returns analytics, the fused
//!   [`returns::Summary`], promotion statistics (PSR, DSR, MinTRL, PBO) and
//!   bootstrap confidence intervals;
//! - [`stats`]: ranking with ties, the normal distribution, moments;
//! - [`config`]: TOML/YAML/JSON configuration loading and whole-document validation;
//! - [`fs`]: atomic, durable writes of persisted state;
//! - [`io`]: returns columns and strategy matrices from Arrow, Parquet and CSV;
//! - [`simd`]: the instruction set of the run-time SIMD paths
//!   (`TRADEWARDEN_SIMD`), shared with `tradewarden-inference`.
//!
//! ```
//! use tradewarden_core::{returns, ReturnsOptions};
//! let r = [0.01, -0.02, 0.015, 0.005, -0.003];
//! let opts = ReturnsOptions::default();
//! let sharpe = returns::sharpe_ratio(&r, &opts).unwrap();
//! let mdd = returns::max_drawdown(&r, &opts).unwrap();
//! assert!(sharpe.is_finite() && mdd <= 0.0);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod conventions;
pub mod error;
pub mod fs;
pub mod io;
pub mod names;
pub mod par;

pub mod returns;
pub mod simd;
pub mod stats;

pub use conventions::{NanPolicy, Period, ReturnsOptions};
pub use error::{Classify, Error, ErrorKind, Result, Violation};
