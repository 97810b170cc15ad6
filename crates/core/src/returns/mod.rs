//! Returns analytics with empyrical's defaults and explicit conventions.
//!
//! Inputs are simple (not log) per-period returns as `&[f64]`. Every function
//! takes [`ReturnsOptions`](crate::ReturnsOptions); formulas and conventions
//! are in `docs/conventions.md`.
//!
//! - [`basic`]: the empyrical set and the quantstats/Plus-Ultra additions;
//! - [`promotion`]: probabilistic and deflated Sharpe, minimum track record length;
//! - [`pbo`]: probability of backtest overfitting by CSCV;
//! - [`summary`]: every single-series metric in one fused pass;
//! - [`state`]: mergeable sufficient statistics (partitions combine exactly);
//! - [`bootstrap`]: bootstrap confidence intervals for any metric;
//! - [`extra`]: the rest of empyrical (integer prices, beta fragility, GPD tail estimates).

pub mod attribution;
pub mod basic;
pub mod bootstrap;
pub mod extra;
pub mod metric;
pub mod pbo;
pub mod promotion;
pub mod state;
pub mod summary;

pub use basic::*;
pub use metric::{BootstrapStatistic, Metric, PairMetric, bootstrap_metric_ci, resampling_named};
pub use state::{ReturnsState, StateMetrics};
pub use summary::{BenchmarkSummary, CoreMetrics, Summary, SummaryOptions, core_metrics};
