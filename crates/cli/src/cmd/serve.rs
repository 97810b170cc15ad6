//! `tradewarden serve-metrics`.

use clap::Args;
use tradewarden_guardrails::StateStore;
use tradewarden_metrics::{Exporter, ExporterConfig};

use super::bad;
use super::guard::StateDir;
use crate::Failure;

/// `tradewarden serve-metrics`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Listen address (loopback unless --allow-non-loopback); port 0 picks one.
    #[arg(long, default_value = tradewarden_metrics::exporter::DEFAULT_LISTEN)]
    listen: String,
    /// Allow a non-loopback address.
    #[arg(long)]
    allow_non_loopback: bool,
    #[command(flatten)]
    dir: StateDir,
    /// Seconds between refreshes of the trading-state gauges.
    #[arg(long, default_value_t = 5.0)]
    interval: f64,
}

pub(crate) fn run(a: ServeArgs) -> Result<(), Failure> {
    if !(a.interval.is_finite() && a.interval > 0.0) {
        return Err(bad(format!(
            "invalid --interval {}: must be > 0",
            a.interval
        )));
    }
    let exporter = Exporter::install(&ExporterConfig {
        listen: Some(a.listen.clone()),
        allow_non_loopback: a.allow_non_loopback,
        ..Default::default()
    })?;
    let addr = exporter
        .local_addr()
        .ok_or_else(|| crate::internal("the exporter has no listener"))?;
    if let Ok(store) = StateStore::open(&a.dir.state_dir) {
        store.publish_telemetry();
    }
    println!("serving http://{addr}/metrics");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        if let Ok(store) = StateStore::open(&a.dir.state_dir) {
            store.publish_telemetry();
        }
        std::thread::sleep(std::time::Duration::from_secs_f64(a.interval));
    }
}
