//! `tradewarden regime`: the market regime of the last candles of a CSV or
//! Parquet file (`tradewarden_inference::regime::classify`).

use std::path::PathBuf;

use clap::Args;
use tradewarden_cli::doc::regime::RegimeDoc;
use tradewarden_core::io::{column_from_batches, read_table};
use tradewarden_inference::regime::{self, RegimeConfig};

use crate::{Failure, show};

/// `tradewarden regime`.
#[derive(Debug, Args)]
pub(crate) struct RegimeArgs {
    /// Candles, oldest first: a Parquet (.parquet, .pq) or CSV (.csv) file.
    #[arg(long)]
    data: PathBuf,
    /// Column of the highs.
    #[arg(long, default_value = "high")]
    high: String,
    /// Column of the lows.
    #[arg(long, default_value = "low")]
    low: String,
    /// Column of the closes.
    #[arg(long, default_value = "close")]
    close: String,
    /// Classifier thresholds: a JSON file of `RegimeConfig` fields (window,
    /// range_bound_max_vol, …; absent fields keep ml-trading-bot's defaults).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Candles looked at (overrides the config's `window`; default 120).
    #[arg(long)]
    window: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(a: RegimeArgs) -> Result<(), Failure> {
    let mut cfg = match &a.config {
        None => RegimeConfig::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| super::unreadable(p, e))?;
            serde_json::from_str(&text)
                .map_err(|e| super::bad(format!("invalid --config {}: {e}", p.display())))?
        }
    };
    if let Some(w) = a.window {
        cfg.window = w;
    }
    let batches = read_table(&a.data)?;
    let high = column_from_batches(&batches, Some(&a.high))?;
    let low = column_from_batches(&batches, Some(&a.low))?;
    let close = column_from_batches(&batches, Some(&a.close))?;
    let r = regime::classify(&high, &low, &close, &cfg)?;
    show(a.json, &RegimeDoc::of(&a.data, close.len(), cfg.window, &r))
}
