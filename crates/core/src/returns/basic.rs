//! The empyrical set of returns metrics and the quantstats / Plus Ultra additions.
//!
//! Inputs are simple (not log) per-period returns as `&[f64]`. Every function
//! takes [`ReturnsOptions`]; formulas and conventions are in
//! `docs/conventions.md`.

use std::borrow::Cow;

use crate::conventions::{NanPolicy, ReturnsOptions};
use crate::error::{Error, Result};

/// Applies the NaN policy to an input series.
///
/// Returns `Ok(None)` when the policy is `Propagate` and a NaN is present (the
/// caller then returns NaN). Under `Error` any non-finite value is rejected;
/// under `Skip` NaN values are removed (±inf is kept, as numpy would).
pub(crate) fn prepare<'a>(
    x: &'a [f64],
    param: &'static str,
    policy: NanPolicy,
) -> Result<Option<Cow<'a, [f64]>>> {
    match policy {
        NanPolicy::Error => {
            if let Some(i) = x.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFinite {
                    param,
                    index: i,
                    value: x[i],
                });
            }
            Ok(Some(Cow::Borrowed(x)))
        }
        NanPolicy::Skip => {
            if x.iter().any(|v| v.is_nan()) {
                Ok(Some(Cow::Owned(
                    x.iter().copied().filter(|v| !v.is_nan()).collect(),
                )))
            } else {
                Ok(Some(Cow::Borrowed(x)))
            }
        }
        NanPolicy::Propagate => {
            if x.iter().any(|v| v.is_nan()) {
                Ok(None)
            } else {
                Ok(Some(Cow::Borrowed(x)))
            }
        }
    }
}

/// Rejects an empty series.
pub(crate) fn non_empty(x: &[f64], param: &'static str) -> Result<()> {
    if x.is_empty() {
        Err(Error::Empty { param, min: 1 })
    } else {
        Ok(())
    }
}

/// Mean of a slice (NaN for empty).
pub(crate) fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Standard deviation with `ddof`; exactly 0 for a constant series (as
/// empyrical's `_zero_dispersion_std`), NaN when n ≤ ddof.
pub(crate) fn std_dev(x: &[f64], ddof: u8) -> f64 {
    let n = x.len();
    if n <= ddof as usize {
        return f64::NAN;
    }
    if crate::stats::is_constant(x) {
        return 0.0;
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (n - ddof as usize) as f64).sqrt()
}

/// Annualised Sharpe ratio: mean(r − rf) / std(r − rf, ddof) · √P.
///
/// NaN for fewer than 2 values (empyrical); ±inf for a constant non-zero series.
pub fn sharpe_ratio(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    non_empty(returns, "returns")?;
    let Some(r) = prepare(returns, "returns", opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let adj: Cow<'_, [f64]> = if opts.risk_free == 0.0 {
        r
    } else {
        Cow::Owned(r.iter().map(|v| v - opts.risk_free).collect())
    };
    Ok(mean(&adj) / std_dev(&adj, opts.ddof) * ann.sqrt())
}

/// Maximum drawdown of compounded wealth, the starting capital counting as a
/// peak (empyrical): min over t of W_t / max_{s≤t} W_s − 1, a number ≤ 0.
pub fn max_drawdown(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    non_empty(returns, "returns")?;
    let Some(r) = prepare(returns, "returns", opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    let mut wealth = 1.0_f64;
    let mut peak = 1.0_f64;
    let mut mdd = 0.0_f64;
    for &x in r.iter() {
        wealth *= 1.0 + x;
        if wealth > peak {
            peak = wealth;
        }
        let dd = (wealth - peak) / peak;
        if dd < mdd {
            mdd = dd;
        }
    }
    Ok(mdd)
}
