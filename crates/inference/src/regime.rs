//! ml-trading-bot's rule-based market regime classifier, as a deterministic
//! function over the last candles.
//!
//! Over the last [`RegimeConfig::window`] candles (default 120):
//!
//! - `returns[i] = close[i] / close[i-1] − 1` (window − 1 values);
//! - `vol` = sample standard deviation of `returns` (ddof = 1, pandas' default);
//! - `momentum = close[last] / close[first] − 1`;
//! - `range = (max(high) − min(low)) / close[last]`.
//!
//! Rules, checked in this order (first match wins):
//!
//! 1. `range_bound` if `vol < 0.004` and `|momentum| < 0.01`;
//! 2. `trending_up` if `momentum > 0.015`;
//! 3. `trending_down` if `momentum < −0.015`;
//! 4. `volatile` if `vol ≥ 0.01` or `range > 0.03`;
//! 5. otherwise `neutral`.
//!
//! Fewer candles than the window gives `unknown` (not an error: a fresh
//! symbol has no history yet). Publish the result one-hot with
//! `tradewarden_metrics::handles::MlBotMetrics::set_regime(symbol, timeframe, regime.as_str())`.
//!
//! ```
//! use tradewarden_inference::regime::{classify, Regime, RegimeConfig};
//! let close: Vec<f64> = (0..120).map(|i| 100.0 * (1.0 + 0.0005 * i as f64)).collect();
//! let high: Vec<f64> = close.iter().map(|c| c * 1.001).collect();
//! let low: Vec<f64> = close.iter().map(|c| c * 0.999).collect();
//! let r = classify(&high, &low, &close, &RegimeConfig::default()).unwrap();
//! assert_eq!(r.regime, Regime::TrendingUp);
//! assert_eq!(r.regime.as_str(), "trending_up");
//! ```

use serde::{Deserialize, Serialize};
use tradewarden_core::config::Validator;

use crate::error::{InferenceError, Result};

/// A market regime (the values of the `regime` label of `market_regime_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Strong positive momentum.
    TrendingUp,
    /// Strong negative momentum.
    TrendingDown,
    /// Quiet and flat.
    RangeBound,
    /// High volatility or a wide range without a trend.
    Volatile,
    /// None of the above.
    Neutral,
    /// Not enough history.
    Unknown,
}

impl Regime {
    /// Every regime, in the order of the metric catalog.
    pub const ALL: [Regime; 6] = [
        Regime::TrendingUp,
        Regime::TrendingDown,
        Regime::RangeBound,
        Regime::Volatile,
        Regime::Neutral,
        Regime::Unknown,
    ];

    /// The snake_case label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::TrendingUp => "trending_up",
            Regime::TrendingDown => "trending_down",
            Regime::RangeBound => "range_bound",
            Regime::Volatile => "volatile",
            Regime::Neutral => "neutral",
            Regime::Unknown => "unknown",
        }
    }
}

/// Thresholds of the classifier (defaults: ml-trading-bot's). Ratios are fractions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegimeConfig {
    /// Candles looked at (default 120, at least 3).
    pub window: usize,
    /// `range_bound` needs `vol` below this (default 0.004).
    pub range_bound_max_vol: f64,
    /// … and `|momentum|` below this (default 0.01).
    pub range_bound_max_abs_momentum: f64,
    /// `trending_up` / `trending_down` when `|momentum|` exceeds this (default 0.015).
    pub trend_min_abs_momentum: f64,
    /// `volatile` when `vol` is at least this (default 0.01) …
    pub volatile_min_vol: f64,
    /// … or `range` exceeds this (default 0.03).
    pub volatile_min_range: f64,
}

impl Default for RegimeConfig {
    fn default() -> Self {
        RegimeConfig {
            window: 120,
            range_bound_max_vol: 0.004,
            range_bound_max_abs_momentum: 0.01,
            trend_min_abs_momentum: 0.015,
            volatile_min_vol: 0.01,
            volatile_min_range: 0.03,
        }
    }
}

impl RegimeConfig {
    /// Checks every field; reports all violations at once.
    ///
    /// # Errors
    /// [`InferenceError::Core`] listing each bad field.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        v.check(self.window >= 3, "window", self.window, "must be >= 3");
        v.positive("range_bound_max_vol", self.range_bound_max_vol)
            .positive(
                "range_bound_max_abs_momentum",
                self.range_bound_max_abs_momentum,
            )
            .positive("trend_min_abs_momentum", self.trend_min_abs_momentum)
            .positive("volatile_min_vol", self.volatile_min_vol)
            .positive("volatile_min_range", self.volatile_min_range);
        v.finish()?;
        Ok(())
    }
}

/// The regime and the statistics it was decided on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegimeReading {
    /// The regime.
    pub regime: Regime,
    /// Sample standard deviation of close-to-close returns (NaN when `unknown`).
    pub vol: f64,
    /// `close[last] / close[first] − 1` over the window (NaN when `unknown`).
    pub momentum: f64,
    /// `(max high − min low) / close[last]` (NaN when `unknown`).
    pub range: f64,
}

/// Classifies the last `config.window` candles of `high`, `low`, `close`
/// (oldest first, equal lengths).
///
/// # Errors
/// [`InferenceError::Core`] for an invalid config;
/// [`InferenceError::ShapeMismatch`] when the three slices differ in length;
/// [`InferenceError::InvalidInput`] when a price in the window is not finite
/// and > 0, or a high is below its low.
pub fn classify(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    config: &RegimeConfig,
) -> Result<RegimeReading> {
    config.validate()?;
    for (param, s) in [("high", high), ("low", low)] {
        if s.len() != close.len() {
            return Err(InferenceError::ShapeMismatch {
                param,
                expected: close.len(),
                actual: s.len(),
                reason: "high, low and close must have one value per candle".into(),
            });
        }
    }
    let n = close.len();
    if n < config.window {
        return Ok(RegimeReading {
            regime: Regime::Unknown,
            vol: f64::NAN,
            momentum: f64::NAN,
            range: f64::NAN,
        });
    }
    let start = n - config.window;
    let (h, l, c) = (&high[start..], &low[start..], &close[start..]);
    for (param, s) in [("high", h), ("low", l), ("close", c)] {
        if let Some((i, v)) = s
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(InferenceError::InvalidInput {
                param,
                value: format!("[{}] = {v}", start + i),
                reason: "prices must be finite and > 0".into(),
            });
        }
    }
    if let Some(i) = (0..c.len()).find(|&i| h[i] < l[i]) {
        return Err(InferenceError::InvalidInput {
            param: "high",
            value: format!("[{}] = {} < low = {}", start + i, h[i], l[i]),
            reason: "a candle's high must be >= its low".into(),
        });
    }
    // one pass (Welford) over the returns
    let (mut count, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
    for w in c.windows(2) {
        let r = w[1] / w[0] - 1.0;
        count += 1.0;
        let d = r - mean;
        mean += d / count;
        m2 += d * (r - mean);
    }
    let vol = (m2 / (count - 1.0)).sqrt();
    let last = c[c.len() - 1];
    let momentum = last / c[0] - 1.0;
    let hi = h.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = l.iter().copied().fold(f64::INFINITY, f64::min);
    let range = (hi - lo) / last;
    let regime = if vol < config.range_bound_max_vol
        && momentum.abs() < config.range_bound_max_abs_momentum
    {
        Regime::RangeBound
    } else if momentum > config.trend_min_abs_momentum {
        Regime::TrendingUp
    } else if momentum < -config.trend_min_abs_momentum {
        Regime::TrendingDown
    } else if vol >= config.volatile_min_vol || range > config.volatile_min_range {
        Regime::Volatile
    } else {
        Regime::Neutral
    };
    Ok(RegimeReading {
        regime,
        vol,
        momentum,
        range,
    })
}
