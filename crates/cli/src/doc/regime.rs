//! `tradewarden regime` document.

use std::fmt;

use serde::{Deserialize, Serialize};
use tradewarden_inference::regime::{Regime, RegimeReading};

/// The regime of the last candles of a file and the statistics it was
/// decided on (`regime::classify`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeDoc {
    /// The candles file.
    pub data: String,
    /// Candles in the file.
    pub candles: usize,
    /// Candles looked at (at most `candles`).
    pub window: usize,
    /// The regime.
    pub regime: Regime,
    /// Sample standard deviation of close-to-close returns (`null` when `unknown`).
    pub vol: Option<f64>,
    /// `close[last] / close[first] − 1` over the window (`null` when `unknown`).
    pub momentum: Option<f64>,
    /// `(max high − min low) / close[last]` (`null` when `unknown`).
    pub range: Option<f64>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl RegimeDoc {
    /// The document of `reading` over `candles` candles of `data` with the
    /// configured `window`.
    pub fn of(data: &std::path::Path, candles: usize, window: usize, r: &RegimeReading) -> Self {
        RegimeDoc {
            data: data.display().to_string(),
            candles,
            window,
            regime: r.regime,
            vol: finite(r.vol),
            momentum: finite(r.momentum),
            range: finite(r.range),
        }
    }
}

impl fmt::Display for RegimeDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let num = |x: Option<f64>| x.map_or_else(|| "NaN".to_string(), |v| v.to_string());
        write!(
            f,
            "{}: {} (vol {}, momentum {}, range {}) over the last {} of {} candles",
            self.data,
            self.regime.as_str(),
            num(self.vol),
            num(self.momentum),
            num(self.range),
            self.window.min(self.candles),
            self.candles
        )
    }
}
