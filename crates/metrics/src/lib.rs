//! # tradewarden-metrics
//!
//! Telemetry for tradewarden, through the [`metrics`] facade:
//!
//! - [`catalog`]: every metric declared once (name, type, unit, help, bounded
//!   labels, fixed buckets), a configurable namespace (default `tradewarden`),
//!   the `plus_ultra` compatibility profile, and the ml-trading-bot,
//!   Autotrader and drift names existing dashboards query, and
//!   `catalog::installed()`, the catalog the exporter was installed with,
//!   through which every emitting crate names its metrics;
//! - [`handles`]: helpers whose handles are registered once and cached, and a
//!   request-timing guard for the service family;
//! - [`exporter`]: a Prometheus recorder with fixed-bucket histograms (never
//!   summaries), an HTTP listener bound to 127.0.0.1 unless configured
//!   otherwise, and `render()` for services with their own HTTP server;
//! - [`recovery`]: Trading-graph's recovery metrics with bounded memory,
//!   health rules and a JSON summary, exported as gauges;
//! - [`testing`]: a scoped recorder for unit tests.
//!
//! Libraries only emit; executables and bindings install the exporter:
//!
//! ```
//! use tradewarden_metrics::{exporter::{Exporter, ExporterConfig}, handles::GuardrailMetrics};
//! let cfg = ExporterConfig { listen: None, ..ExporterConfig::default() };
//! let (recorder, exporter) = Exporter::build(&cfg).unwrap();
//! metrics::with_local_recorder(&recorder, || {
//!     let g = GuardrailMetrics::new(exporter.catalog());
//!     g.set_breaker_active(true);
//! });
//! let text = exporter.render().unwrap();
//! assert!(text.contains("tradewarden_circuit_breaker_active 1"));
//! assert!(text.contains("trading_circuit_breaker_active 1"));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod catalog;
pub mod error;
pub mod exporter;
pub mod handles;
mod listener;
pub mod recovery;
pub mod testing;

pub use catalog::{Catalog, MetricDef, MetricKind, Profile};
pub use error::{MetricsError, Result};
pub use exporter::{Exporter, ExporterConfig};
