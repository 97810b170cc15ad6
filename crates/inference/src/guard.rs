//! ml-trading-bot's prediction sanity guard: drop forecast points that move
//! implausibly far.
//!
//! A forecast path `p[0], p[1], …` following the last observed close is
//! checked point by point. Point `i` is dropped when
//!
//! - `|p[i] / last_close − 1| > max_move_from_last_close` (default 0.12), or
//! - `|p[i] / prev − 1| > max_step_move` (default 0.06), where `prev` is the
//!   last *kept* point (the last close for the first one) — so one spike is
//!   dropped and the path resumes from the last trusted value;
//! - or `p[i]` is not finite and > 0.
//!
//! Count the dropped points in your service metrics (`dropped.len()` by
//! [`DropReason::as_str`]).
//!
//! ```
//! use tradewarden_inference::guard::{SanityGuard, DropReason};
//! let g = SanityGuard::default();
//! let r = g.check(100.0, &[101.0, 109.0, 103.0, 115.0]).unwrap();
//! assert_eq!(r.kept, vec![(0, 101.0), (2, 103.0)]);
//! assert_eq!(r.dropped[0].reason, DropReason::StepMove);       // 101 → 109 is +7.9 %
//! assert_eq!(r.dropped[1].reason, DropReason::MoveFromLastClose); // 115 is +15 %
//! ```

use serde::{Deserialize, Serialize};
use tradewarden_core::config::Validator;

use crate::error::{InferenceError, Result};

/// Thresholds (fractions: 0.12 = 12 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SanityGuard {
    /// Largest accepted move from the last close (default 0.12).
    pub max_move_from_last_close: f64,
    /// Largest accepted move from the previous kept point (default 0.06).
    pub max_step_move: f64,
}

impl Default for SanityGuard {
    fn default() -> Self {
        SanityGuard {
            max_move_from_last_close: 0.12,
            max_step_move: 0.06,
        }
    }
}

/// Why a point was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Beyond `max_move_from_last_close`.
    MoveFromLastClose,
    /// Beyond `max_step_move`.
    StepMove,
    /// NaN, ±inf or ≤ 0.
    NotFinite,
}

impl DropReason {
    /// The snake_case reason code (a bounded metric label value).
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::MoveFromLastClose => "move_from_last_close",
            DropReason::StepMove => "step_move",
            DropReason::NotFinite => "not_finite",
        }
    }
}

/// One dropped point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DroppedPoint {
    /// Position in the forecast path.
    pub index: usize,
    /// The value.
    pub value: f64,
    /// Why.
    pub reason: DropReason,
}

/// The checked path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardOutcome {
    /// `(index, value)` of every kept point, in order.
    pub kept: Vec<(usize, f64)>,
    /// Every dropped point, in order.
    pub dropped: Vec<DroppedPoint>,
}

impl SanityGuard {
    /// Checks both thresholds at once.
    ///
    /// # Errors
    /// [`InferenceError::Core`] listing each threshold that is not finite and > 0.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        v.positive("max_move_from_last_close", self.max_move_from_last_close)
            .positive("max_step_move", self.max_step_move);
        v.finish()?;
        Ok(())
    }

    /// Checks `forecast` (the path after `last_close`).
    ///
    /// # Errors
    /// [`InferenceError::Core`] for invalid thresholds;
    /// [`InferenceError::InvalidInput`] when `last_close` is not finite and > 0.
    pub fn check(&self, last_close: f64, forecast: &[f64]) -> Result<GuardOutcome> {
        self.validate()?;
        if !(last_close.is_finite() && last_close > 0.0) {
            return Err(InferenceError::InvalidInput {
                param: "last_close",
                value: last_close.to_string(),
                reason: "must be finite and > 0".into(),
            });
        }
        let mut out = GuardOutcome {
            kept: Vec::with_capacity(forecast.len()),
            dropped: Vec::new(),
        };
        let mut prev = last_close;
        for (index, &value) in forecast.iter().enumerate() {
            let reason = if !(value.is_finite() && value > 0.0) {
                Some(DropReason::NotFinite)
            } else if (value / last_close - 1.0).abs() > self.max_move_from_last_close {
                Some(DropReason::MoveFromLastClose)
            } else if (value / prev - 1.0).abs() > self.max_step_move {
                Some(DropReason::StepMove)
            } else {
                None
            };
            match reason {
                Some(reason) => out.dropped.push(DroppedPoint {
                    index,
                    value,
                    reason,
                }),
                None => {
                    out.kept.push((index, value));
                    prev = value;
                }
            }
        }
        Ok(out)
    }
}
