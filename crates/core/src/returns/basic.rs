//! The empyrical set of returns metrics and the quantstats / Plus Ultra additions.
//!
//! Inputs are simple (not log) per-period returns as `&[f64]`. Every function
//! takes [`ReturnsOptions`]; formulas and conventions are in
//! `docs/conventions.md`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::conventions::{NanPolicy, ReturnsOptions};
use crate::error::{Error, Result};
use crate::stats::quantile_sorted;

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
    if x[0].is_finite() && crate::stats::is_constant(x) {
        return 0.0; // ±inf repeated is not a zero-dispersion series: its std is NaN
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (n - ddof as usize) as f64).sqrt()
}

/// Element-wise difference `returns − other` (e.g. a risk-free or benchmark
/// series already aligned by the caller). NaN in either side gives NaN.
///
/// empyrical accepts a series for `risk_free` / `required_return` /
/// `factor_returns` and subtracts it element-wise; here that is this explicit step.
pub fn excess_returns(returns: &[f64], other: &[f64]) -> Result<Vec<f64>> {
    same_len(returns, other, "other")?;
    Ok(returns.iter().zip(other).map(|(a, b)| a - b).collect())
}

pub(crate) fn same_len(returns: &[f64], other: &[f64], other_name: &'static str) -> Result<()> {
    if returns.len() != other.len() {
        return Err(Error::LengthMismatch {
            param: other_name,
            actual: other.len(),
            other: "returns",
            expected: returns.len(),
        });
    }
    Ok(())
}

/// Validates a pair of aligned series and applies the NaN policy pairwise:
/// under `Skip` a pair is dropped when either side is NaN (empyrical's
/// paired mask); under `Propagate` any NaN yields `None`.
pub(crate) fn prepare_pair(
    returns: &[f64],
    factor: &[f64],
    policy: NanPolicy,
) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    non_empty(returns, "returns")?;
    same_len(returns, factor, "factor_returns")?;
    match policy {
        NanPolicy::Error => {
            prepare(returns, "returns", policy)?;
            prepare(factor, "factor_returns", policy)?;
            Ok(Some((returns.to_vec(), factor.to_vec())))
        }
        NanPolicy::Propagate => {
            if returns.iter().chain(factor).any(|v| v.is_nan()) {
                Ok(None)
            } else {
                Ok(Some((returns.to_vec(), factor.to_vec())))
            }
        }
        NanPolicy::Skip => {
            let (a, b) = returns
                .iter()
                .zip(factor)
                .filter(|(a, b)| !a.is_nan() && !b.is_nan())
                .map(|(a, b)| (*a, *b))
                .unzip();
            Ok(Some((a, b)))
        }
    }
}

macro_rules! prepared_or_nan {
    ($x:expr, $param:expr, $policy:expr) => {{
        non_empty($x, $param)?;
        match prepare($x, $param, $policy)? {
            Some(v) => v,
            None => return Ok(f64::NAN),
        }
    }};
}

fn subtract(x: &[f64], c: f64) -> Cow<'_, [f64]> {
    if c == 0.0 {
        Cow::Borrowed(x)
    } else {
        Cow::Owned(x.iter().map(|v| v - c).collect())
    }
}

/// Cumulative compounded returns: `starting_value · Π(1 + r)` (or `Π(1+r) − 1`
/// when `starting_value == 0`), one value per input (empyrical `cum_returns`).
/// Under `Skip` a NaN return counts as 0, as in empyrical.
pub fn cum_returns(
    returns: &[f64],
    starting_value: f64,
    opts: &ReturnsOptions,
) -> Result<Vec<f64>> {
    opts.validate()?;
    non_empty(returns, "returns")?;
    if !starting_value.is_finite() {
        return Err(Error::invalid(
            "starting_value",
            starting_value,
            "must be finite",
        ));
    }
    if opts.nan_policy == NanPolicy::Error {
        prepare(returns, "returns", NanPolicy::Error)?;
    }
    let mut w = 1.0;
    Ok(returns
        .iter()
        .map(|&r| {
            let r = if r.is_nan() && opts.nan_policy == NanPolicy::Skip {
                0.0
            } else {
                r
            };
            w *= 1.0 + r;
            if starting_value == 0.0 {
                w - 1.0
            } else {
                w * starting_value
            }
        })
        .collect())
}

/// Final compounded return: `Π(1 + r) − 1`, or `starting_value · Π(1 + r)`
/// when `starting_value ≠ 0` (empyrical `cum_returns_final`).
pub fn cum_returns_final(
    returns: &[f64],
    starting_value: f64,
    opts: &ReturnsOptions,
) -> Result<f64> {
    opts.validate()?;
    if !starting_value.is_finite() {
        return Err(Error::invalid(
            "starting_value",
            starting_value,
            "must be finite",
        ));
    }
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    let p: f64 = r.iter().map(|v| 1.0 + v).product();
    Ok(if starting_value == 0.0 {
        p - 1.0
    } else {
        p * starting_value
    })
}

/// Compound annual growth rate: `(Π(1 + r))^(P / n) − 1` with n = the number of
/// periods **including NaN** (empyrical `annual_return`).
pub fn annual_return(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    let n_raw = returns.len();
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    let ending: f64 = r.iter().map(|v| 1.0 + v).product();
    Ok(ending.powf(ann / n_raw as f64) - 1.0)
}

/// Alias of [`annual_return`] (empyrical `cagr`).
pub fn cagr(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    annual_return(returns, opts)
}

/// Annualised volatility: `std(r, ddof) · √P`; NaN for fewer than 2 values.
pub fn annual_volatility(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    Ok(std_dev(&r, opts.ddof) * ann.sqrt())
}

/// Annualised Sharpe ratio: `mean(r − rf) / std(r − rf, ddof) · √P`.
///
/// NaN for fewer than 2 values (empyrical); a constant series has std exactly
/// 0 and gives ±inf (or NaN for 0/0), as empyrical's `_zero_dispersion_std`.
pub fn sharpe_ratio(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let adj = subtract(&r, opts.risk_free);
    Ok(mean(&adj) / std_dev(&adj, opts.ddof) * ann.sqrt())
}

/// Annualised downside deviation below `required_return`:
/// `√(mean(min(r − req, 0)²)) · √P`, the mean taken over **all** n values.
pub fn downside_risk(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    Ok(downside(&r, opts.required_return) * ann.sqrt())
}

fn downside(r: &[f64], req: f64) -> f64 {
    let ss: f64 = r
        .iter()
        .map(|v| {
            let d = (v - req).min(0.0);
            d * d
        })
        .sum();
    (ss / r.len() as f64).sqrt()
}

/// Annualised Sortino ratio: `mean(r − req) · P / downside_risk` (empyrical).
/// NaN for fewer than 2 values; +inf when there is no downside and the mean is positive.
pub fn sortino_ratio(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let req = opts.required_return;
    let avg = mean(&r) - req;
    Ok(avg * ann / (downside(&r, req) * ann.sqrt()))
}

/// Drawdown series of compounded wealth: `W_t / max_{s≤t} W_s − 1`, where the
/// starting capital counts as a peak (empyrical `drawdown_series`).
pub fn drawdown_series(returns: &[f64], opts: &ReturnsOptions) -> Result<Vec<f64>> {
    let wealth = cum_returns(returns, 1.0, opts)?;
    let mut peak = 1.0_f64;
    Ok(wealth
        .into_iter()
        .map(|w| {
            peak = peak.max(w);
            (w - peak) / peak
        })
        .collect())
}

/// Maximum drawdown: the minimum of [`drawdown_series`], a number ≤ 0.
pub fn max_drawdown(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    Ok(mdd_of(&r))
}

pub(crate) fn mdd_of(r: &[f64]) -> f64 {
    let mut wealth = 1.0_f64;
    let mut peak = 1.0_f64;
    let mut mdd = 0.0_f64;
    for &x in r {
        wealth *= 1.0 + x;
        if wealth > peak {
            peak = wealth;
        }
        let dd = (wealth - peak) / peak;
        if dd < mdd {
            mdd = dd;
        }
    }
    mdd
}

/// Calmar ratio: `annual_return / |max_drawdown|`; NaN when there is no
/// drawdown or the ratio is infinite (empyrical).
pub fn calmar_ratio(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let mdd = max_drawdown(returns, opts)?;
    if mdd.is_nan() || mdd >= 0.0 {
        return Ok(f64::NAN);
    }
    let v = annual_return(returns, opts)? / mdd.abs();
    Ok(if v.is_infinite() { f64::NAN } else { v })
}

/// Omega ratio (empyrical): with the *annual* `required_return` turned into a
/// per-period threshold `(1 + req)^(1/P) − 1` (used as is when P = 1), and
/// `x = r − risk_free − threshold`: `Σ x⁺ / Σ x⁻`. NaN for fewer than 2 values,
/// for `required_return ≤ −1`, or when nothing falls below the threshold.
pub fn omega_ratio(returns: &[f64], required_return: f64, opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    if !required_return.is_finite() {
        return Err(Error::invalid(
            "required_return",
            required_return,
            "must be finite",
        ));
    }
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let threshold = if ann == 1.0 {
        required_return
    } else if required_return <= -1.0 {
        return Ok(f64::NAN);
    } else {
        (1.0 + required_return).powf(1.0 / ann) - 1.0
    };
    let (mut up, mut down) = (0.0, 0.0);
    for v in r.iter() {
        let x = v - opts.risk_free - threshold;
        if x > 0.0 {
            up += x;
        } else if x < 0.0 {
            down -= x;
        }
    }
    Ok(if down > 0.0 { up / down } else { f64::NAN })
}

fn sorted_copy(r: &[f64]) -> Vec<f64> {
    let mut s = r.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    s
}

fn check_cutoff(cutoff: f64, method: VarMethod) -> Result<()> {
    match method {
        // numpy's percentile is defined at 0 and 1 (min and max), as empyrical uses them
        VarMethod::Historical if (0.0..=1.0).contains(&cutoff) => Ok(()),
        VarMethod::Historical => Err(Error::invalid("cutoff", cutoff, "must be in [0, 1]")),
        VarMethod::Gaussian if cutoff > 0.0 && cutoff < 1.0 => Ok(()),
        VarMethod::Gaussian => Err(Error::invalid("cutoff", cutoff, "must be in (0, 1)")),
    }
}

/// Tail ratio: `|q95| / |q5|` with numpy's linear percentiles (empyrical).
pub fn tail_ratio(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.is_empty() {
        return Ok(f64::NAN);
    }
    let s = sorted_copy(&r);
    Ok(tail_ratio_sorted(&s))
}

pub(crate) fn tail_ratio_sorted(s: &[f64]) -> f64 {
    quantile_sorted(s, 0.95).abs() / quantile_sorted(s, 0.05).abs()
}

/// How value-at-risk and expected shortfall are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VarMethod {
    /// Empirical quantile (empyrical): VaR = numpy linear percentile at
    /// `cutoff`; ES = mean of the `⌊(n−1)·cutoff⌋ + 1` smallest returns.
    #[default]
    Historical,
    /// Normal approximation (quantstats): VaR = mean + Φ⁻¹(cutoff)·std (ddof=1);
    /// ES = mean − std·φ(Φ⁻¹(cutoff))/cutoff.
    Gaussian,
}

/// Value at risk at `cutoff` (e.g. 0.05), a signed return (negative = loss).
pub fn value_at_risk(
    returns: &[f64],
    cutoff: f64,
    method: VarMethod,
    opts: &ReturnsOptions,
) -> Result<f64> {
    opts.validate()?;
    check_cutoff(cutoff, method)?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    Ok(match method {
        VarMethod::Historical => quantile_sorted(&sorted_copy(&r), cutoff),
        VarMethod::Gaussian => gaussian_var(mean(&r), std_dev(&r, 1), cutoff),
    })
}

/// Conditional value at risk (expected shortfall) at `cutoff`.
pub fn conditional_value_at_risk(
    returns: &[f64],
    cutoff: f64,
    method: VarMethod,
    opts: &ReturnsOptions,
) -> Result<f64> {
    opts.validate()?;
    check_cutoff(cutoff, method)?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    Ok(match method {
        VarMethod::Historical => cvar_sorted(&sorted_copy(&r), cutoff),
        VarMethod::Gaussian => gaussian_es(mean(&r), std_dev(&r, 1), cutoff),
    })
}

pub(crate) fn cvar_sorted(s: &[f64], cutoff: f64) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    let k = ((s.len() - 1) as f64 * cutoff) as usize;
    mean(&s[..=k])
}

pub(crate) fn gaussian_var(mu: f64, sd: f64, cutoff: f64) -> f64 {
    // cutoff is validated to lie in (0, 1), so the quantile exists.
    mu + crate::stats::norm_ppf(cutoff).unwrap_or(f64::NAN) * sd
}

pub(crate) fn gaussian_es(mu: f64, sd: f64, cutoff: f64) -> f64 {
    if sd == 0.0 || sd.is_nan() {
        return mu;
    }
    let z = crate::stats::norm_ppf(cutoff).unwrap_or(f64::NAN);
    mu - sd * crate::stats::norm_pdf(z) / cutoff
}

/// Stability of the time series (empyrical): R² of a linear fit of the
/// cumulative log returns `Σ ln(1 + r)` against time. NaN for fewer than 2
/// values; 0 when the cumulative log return is constant (as scipy's `linregress`).
pub fn stability_of_timeseries(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let raw_len = returns.len();
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if raw_len < 2 {
        return Ok(f64::NAN);
    }
    let mut y = Vec::with_capacity(r.len());
    let mut acc = 0.0;
    for v in r.iter() {
        acc += v.ln_1p();
        y.push(acc);
    }
    let x: Vec<f64> = (0..y.len()).map(|i| i as f64).collect();
    let c = pearson(&x, &y);
    Ok(c * c)
}

/// Pearson correlation; 0 when either side has zero variance (scipy `linregress` convention).
pub(crate) fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 {
        return f64::NAN;
    }
    let mx = mean(x);
    let my = mean(y);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let dx = a - mx;
        let dy = b - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return 0.0;
    }
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// Excess Sharpe (empyrical): per-period `mean(r − b) / std(r − b, ddof)`, not annualised.
pub fn excess_sharpe(
    returns: &[f64],
    factor_returns: &[f64],
    opts: &ReturnsOptions,
) -> Result<f64> {
    opts.validate()?;
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let active: Vec<f64> = r.iter().zip(&b).map(|(x, y)| x - y).collect();
    Ok(mean(&active) / std_dev(&active, opts.ddof))
}

/// Information ratio, per period: `mean(r − b) / std(r − b, ddof=1)` (quantstats'
/// definition; equal to [`excess_sharpe`]). With zero tracking error the result
/// is ±inf/NaN (empyrical) where quantstats returns 0 — see `docs/conventions.md`.
pub fn information_ratio(
    returns: &[f64],
    factor_returns: &[f64],
    opts: &ReturnsOptions,
) -> Result<f64> {
    excess_sharpe(returns, factor_returns, opts)
}

/// Tracking error: `std(r − b, ddof) · √P` (per period when the annualisation is 1).
pub fn tracking_error(
    returns: &[f64],
    factor_returns: &[f64],
    opts: &ReturnsOptions,
) -> Result<f64> {
    let ann = opts.validate()?;
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let active: Vec<f64> = r.iter().zip(&b).map(|(x, y)| x - y).collect();
    Ok(std_dev(&active, opts.ddof) * ann.sqrt())
}

/// Pearson correlation of returns with the benchmark (pairs with NaN dropped under `Skip`).
pub fn benchmark_correlation(
    returns: &[f64],
    factor_returns: &[f64],
    opts: &ReturnsOptions,
) -> Result<f64> {
    opts.validate()?;
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    if r.len() < 2 || crate::stats::is_constant(&r) || crate::stats::is_constant(&b) {
        return Ok(f64::NAN);
    }
    Ok(pearson(&r, &b))
}

/// Alpha and beta of returns against a benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlphaBeta {
    /// Annualised alpha.
    pub alpha: f64,
    /// Beta: `cov(r, b) / var(b)` (population moments over paired values).
    pub beta: f64,
}

/// How alpha is annualised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AlphaMethod {
    /// empyrical: `(1 + mean((r − rf) − β·(b − rf)))^P − 1`.
    #[default]
    Compound,
    /// Arithmetic (quantstats / Plus Ultra): `(mean(r) − β·mean(b)) · P`.
    Arithmetic,
}

fn beta_of(r: &[f64], b: &[f64]) -> f64 {
    if r.is_empty() || b.len() < 2 {
        return f64::NAN;
    }
    let mb = mean(b);
    let (mut cov, mut var) = (0.0, 0.0);
    for (x, y) in r.iter().zip(b) {
        let d = y - mb;
        cov += d * x;
        var += d * d;
    }
    let n = r.len() as f64;
    let var = var / n;
    if var < 1.0e-30 {
        return f64::NAN;
    }
    (cov / n) / var
}

fn alpha_beta_of(r: &[f64], b: &[f64], ann: f64, rf: f64, method: AlphaMethod) -> AlphaBeta {
    if r.len() < 2 {
        return AlphaBeta {
            alpha: f64::NAN,
            beta: beta_of(r, b),
        };
    }
    let beta = beta_of(r, b);
    let alpha = match method {
        AlphaMethod::Compound => {
            let m = r
                .iter()
                .zip(b)
                .map(|(x, y)| (x - rf) - beta * (y - rf))
                .sum::<f64>()
                / r.len() as f64;
            (1.0 + m).powf(ann) - 1.0
        }
        AlphaMethod::Arithmetic => (mean(r) - beta * mean(b)) * ann,
    };
    AlphaBeta { alpha, beta }
}

/// Alpha and beta against `factor_returns` (aligned, same length); `risk_free`
/// and the period come from `opts`.
pub fn alpha_beta(
    returns: &[f64],
    factor_returns: &[f64],
    method: AlphaMethod,
    opts: &ReturnsOptions,
) -> Result<AlphaBeta> {
    let ann = opts.validate()?;
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(AlphaBeta {
            alpha: f64::NAN,
            beta: f64::NAN,
        });
    };
    Ok(alpha_beta_of(&r, &b, ann, opts.risk_free, method))
}

/// Annualised alpha (see [`alpha_beta`]).
pub fn alpha(
    returns: &[f64],
    factor_returns: &[f64],
    method: AlphaMethod,
    opts: &ReturnsOptions,
) -> Result<f64> {
    Ok(alpha_beta(returns, factor_returns, method, opts)?.alpha)
}

/// Beta (see [`alpha_beta`]).
pub fn beta(returns: &[f64], factor_returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    Ok(alpha_beta(returns, factor_returns, AlphaMethod::Compound, opts)?.beta)
}

fn market_filter(
    returns: &[f64],
    factor_returns: &[f64],
    up: bool,
    opts: &ReturnsOptions,
) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(None);
    };
    Ok(Some(
        r.into_iter()
            .zip(b)
            .filter(|(_, y)| if up { *y > 0.0 } else { *y < 0.0 })
            .unzip(),
    ))
}

/// Alpha and beta over the periods where the benchmark rose (b > 0).
pub fn up_alpha_beta(
    returns: &[f64],
    factor_returns: &[f64],
    method: AlphaMethod,
    opts: &ReturnsOptions,
) -> Result<AlphaBeta> {
    let ann = opts.validate()?;
    Ok(match market_filter(returns, factor_returns, true, opts)? {
        Some((r, b)) => alpha_beta_of(&r, &b, ann, opts.risk_free, method),
        None => AlphaBeta {
            alpha: f64::NAN,
            beta: f64::NAN,
        },
    })
}

/// Alpha and beta over the periods where the benchmark fell (b < 0).
pub fn down_alpha_beta(
    returns: &[f64],
    factor_returns: &[f64],
    method: AlphaMethod,
    opts: &ReturnsOptions,
) -> Result<AlphaBeta> {
    let ann = opts.validate()?;
    Ok(match market_filter(returns, factor_returns, false, opts)? {
        Some((r, b)) => alpha_beta_of(&r, &b, ann, opts.risk_free, method),
        None => AlphaBeta {
            alpha: f64::NAN,
            beta: f64::NAN,
        },
    })
}

fn cagr_of(r: &[f64], n: usize, ann: f64) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let ending: f64 = r.iter().map(|v| 1.0 + v).product();
    ending.powf(ann / n as f64) - 1.0
}

/// Capture ratio: `annual_return(r) / annual_return(b)` (empyrical `capture`).
pub fn capture(returns: &[f64], factor_returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    same_len(returns, factor_returns, "factor_returns")?;
    Ok(annual_return(returns, opts)? / annual_return(factor_returns, opts)?)
}

fn capture_filtered(
    returns: &[f64],
    factor_returns: &[f64],
    up: bool,
    opts: &ReturnsOptions,
) -> Result<f64> {
    let ann = opts.validate()?;
    Ok(match market_filter(returns, factor_returns, up, opts)? {
        Some((r, b)) => cagr_of(&r, r.len(), ann) / cagr_of(&b, b.len(), ann),
        None => f64::NAN,
    })
}

/// Up-market capture: [`capture`] over the periods with b > 0.
pub fn up_capture(returns: &[f64], factor_returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    capture_filtered(returns, factor_returns, true, opts)
}

/// Down-market capture: [`capture`] over the periods with b < 0.
pub fn down_capture(returns: &[f64], factor_returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    capture_filtered(returns, factor_returns, false, opts)
}

/// Up capture divided by down capture.
pub fn up_down_capture(
    returns: &[f64],
    factor_returns: &[f64],
    opts: &ReturnsOptions,
) -> Result<f64> {
    Ok(up_capture(returns, factor_returns, opts)? / down_capture(returns, factor_returns, opts)?)
}

/// Batting average (empyrical): shares of periods where the strategy beat the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BattingAverage {
    /// Share of all periods with `r − b > 0`.
    pub batting_average: f64,
    /// Same over periods with `b ≥ 0`.
    pub up_market: f64,
    /// Same over periods with `b < 0`.
    pub down_market: f64,
}

/// Batting average of `returns` against `factor_returns` (NaN where a subset is empty).
pub fn batting_average(
    returns: &[f64],
    factor_returns: &[f64],
    opts: &ReturnsOptions,
) -> Result<BattingAverage> {
    opts.validate()?;
    let nan = BattingAverage {
        batting_average: f64::NAN,
        up_market: f64::NAN,
        down_market: f64::NAN,
    };
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(nan);
    };
    let share = |pred: &dyn Fn(f64) -> bool| {
        let (mut hit, mut n) = (0usize, 0usize);
        for (x, y) in r.iter().zip(&b) {
            if (x - y).is_finite() && pred(*y) {
                n += 1;
                if x - y > 0.0 {
                    hit += 1;
                }
            }
        }
        if n == 0 {
            f64::NAN
        } else {
            hit as f64 / n as f64
        }
    };
    Ok(BattingAverage {
        batting_average: share(&|_| true),
        up_market: share(&|y| y >= 0.0),
        down_market: share(&|y| y < 0.0),
    })
}

/// Sample skewness, adjusted Fisher–Pearson G1 (as pandas `Series.skew()`).
pub fn skew(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    Ok(crate::stats::skew(&r))
}

/// Sample excess kurtosis, adjusted G2 (as pandas `Series.kurt()`).
pub fn kurtosis(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    Ok(crate::stats::kurtosis(&r))
}

/// Win rate (quantstats): positive periods / non-zero periods; 0 when every return is 0.
pub fn win_rate(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    let nonzero = r.iter().filter(|v| **v != 0.0).count();
    let wins = r.iter().filter(|v| **v > 0.0).count();
    Ok(if nonzero == 0 {
        0.0
    } else {
        wins as f64 / nonzero as f64
    })
}

/// Hit rate: positive periods / all periods (zeros count as misses; compare [`win_rate`]).
pub fn hit_rate(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    Ok(r.iter().filter(|v| **v > 0.0).count() as f64 / r.len() as f64)
}

/// Profit factor (quantstats): `Σ r≥0 / |Σ r<0|`; 0 when both sums are 0,
/// +inf when there are gains and no losses.
pub fn profit_factor(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    let (mut gains, mut losses) = (0.0, 0.0);
    for &v in r.iter() {
        if v >= 0.0 {
            gains += v;
        } else {
            losses -= v;
        }
    }
    Ok(profit_factor_of(gains, losses))
}

pub(crate) fn profit_factor_of(gains: f64, losses: f64) -> f64 {
    if losses == 0.0 {
        if gains == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        gains / losses
    }
}

/// Ulcer index (quantstats): `√(Σ dd_t² / (n − 1))` over the compounded drawdown series.
pub fn ulcer_index(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    opts.validate()?;
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let dd = drawdown_series(
        &r,
        &ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..*opts
        },
    )?;
    Ok((dd.iter().map(|d| d * d).sum::<f64>() / (r.len() - 1) as f64).sqrt())
}

/// Applies `metric` to every trailing window of `window` values (empyrical
/// `roll_*`): the output has `n − w + 1` values with `w = min(window, n)`;
/// value `i` covers `returns[i .. i + w]`.
pub fn rolling<F>(returns: &[f64], window: usize, metric: F) -> Result<Vec<f64>>
where
    F: Fn(&[f64]) -> Result<f64>,
{
    non_empty(returns, "returns")?;
    if window == 0 {
        return Err(Error::invalid("window", window, "must be >= 1"));
    }
    let w = window.min(returns.len());
    returns.windows(w).map(metric).collect()
}

/// Applies a two-series `metric` to every trailing window (see [`rolling`]).
pub fn rolling_pair<F, T>(
    returns: &[f64],
    factor_returns: &[f64],
    window: usize,
    metric: F,
) -> Result<Vec<T>>
where
    F: Fn(&[f64], &[f64]) -> Result<T>,
{
    non_empty(returns, "returns")?;
    same_len(returns, factor_returns, "factor_returns")?;
    if window == 0 {
        return Err(Error::invalid("window", window, "must be >= 1"));
    }
    let w = window.min(returns.len());
    returns
        .windows(w)
        .zip(factor_returns.windows(w))
        .map(|(a, b)| metric(a, b))
        .collect()
}

fn check_all(returns: &[f64], opts: &ReturnsOptions) -> Result<()> {
    opts.validate()?;
    if opts.nan_policy == NanPolicy::Error {
        prepare(returns, "returns", NanPolicy::Error)?;
    }
    Ok(())
}

macro_rules! roll_unary {
    ($(#[$doc:meta] $name:ident => $f:ident;)*) => {$(
        #[$doc]
        pub fn $name(returns: &[f64], window: usize, opts: &ReturnsOptions) -> Result<Vec<f64>> {
            check_all(returns, opts)?;
            rolling(returns, window, |w| $f(w, opts))
        }
    )*};
}

roll_unary! {
    /// Rolling [`sharpe_ratio`].
    roll_sharpe_ratio => sharpe_ratio;
    /// Rolling [`sortino_ratio`].
    roll_sortino_ratio => sortino_ratio;
    /// Rolling [`max_drawdown`].
    roll_max_drawdown => max_drawdown;
    /// Rolling [`annual_volatility`].
    roll_annual_volatility => annual_volatility;
    /// Rolling [`annual_return`] (empyrical `roll_cagr`).
    roll_annual_return => annual_return;
    /// Rolling [`downside_risk`].
    roll_downside_risk => downside_risk;
}

macro_rules! roll_binary {
    ($(#[$doc:meta] $name:ident => $f:ident;)*) => {$(
        #[$doc]
        pub fn $name(returns: &[f64], factor_returns: &[f64], window: usize, opts: &ReturnsOptions) -> Result<Vec<f64>> {
            check_all(returns, opts)?;
            check_all(factor_returns, opts)?;
            rolling_pair(returns, factor_returns, window, |a, b| $f(a, b, opts))
        }
    )*};
}

roll_binary! {
    /// Rolling [`excess_sharpe`].
    roll_excess_sharpe => excess_sharpe;
    /// Rolling [`beta`].
    roll_beta => beta;
    /// Rolling [`up_capture`].
    roll_up_capture => up_capture;
    /// Rolling [`down_capture`].
    roll_down_capture => down_capture;
    /// Rolling [`up_down_capture`].
    roll_up_down_capture => up_down_capture;
}

/// Rolling [`alpha_beta`].
pub fn roll_alpha_beta(
    returns: &[f64],
    factor_returns: &[f64],
    window: usize,
    method: AlphaMethod,
    opts: &ReturnsOptions,
) -> Result<Vec<AlphaBeta>> {
    check_all(returns, opts)?;
    check_all(factor_returns, opts)?;
    rolling_pair(returns, factor_returns, window, |a, b| {
        alpha_beta(a, b, method, opts)
    })
}

/// One aggregated period of [`aggregate_returns`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AggregatedReturn {
    /// Calendar year (ISO year for weekly aggregation).
    pub year: i32,
    /// Week (ISO, 1–53), month (1–12) or quarter (1–4); 0 for yearly.
    pub period: u32,
    /// Compounded return over the period: `Π(1 + r) − 1`.
    pub value: f64,
}

/// Compounds returns into calendar weeks (ISO), months, quarters or years
/// (empyrical `aggregate_returns`). `timestamps` are Unix seconds (UTC), one
/// per return, non-decreasing. Groups are returned in time order.
pub fn aggregate_returns(
    returns: &[f64],
    timestamps: &[i64],
    convert_to: crate::conventions::Period,
    opts: &ReturnsOptions,
) -> Result<Vec<AggregatedReturn>> {
    use chrono::{DateTime, Datelike};

    use crate::conventions::Period;
    opts.validate()?;
    non_empty(returns, "returns")?;
    if timestamps.len() != returns.len() {
        return Err(Error::LengthMismatch {
            param: "timestamps",
            actual: timestamps.len(),
            other: "returns",
            expected: returns.len(),
        });
    }
    if opts.nan_policy == NanPolicy::Error {
        prepare(returns, "returns", NanPolicy::Error)?;
    }
    let mut out: Vec<AggregatedReturn> = Vec::new();
    let mut prev_ts = i64::MIN;
    let mut wealth = 1.0;
    let mut nan_in_group = false;
    for (i, (&r, &ts)) in returns.iter().zip(timestamps).enumerate() {
        if ts < prev_ts {
            return Err(Error::invalid(
                "timestamps",
                format!("[{i}] = {ts} < [{}] = {prev_ts}", i - 1),
                "must be non-decreasing",
            ));
        }
        prev_ts = ts;
        let dt = DateTime::from_timestamp(ts, 0).ok_or_else(|| {
            Error::invalid("timestamps", ts, "out of the representable date range")
        })?;
        let key = match convert_to {
            Period::Weekly => {
                let w = dt.iso_week();
                (w.year(), w.week())
            }
            Period::Monthly => (dt.year(), dt.month()),
            Period::Quarterly => (dt.year(), dt.month().div_ceil(3)),
            Period::Yearly => (dt.year(), 0),
            other => {
                return Err(Error::invalid(
                    "convert_to",
                    other,
                    "must be weekly, monthly, quarterly or yearly",
                ));
            }
        };
        let same = out.last().is_some_and(|g| (g.year, g.period) == key);
        if !same {
            if let Some(g) = out.last_mut() {
                g.value = if nan_in_group { f64::NAN } else { wealth - 1.0 };
            }
            out.push(AggregatedReturn {
                year: key.0,
                period: key.1,
                value: 0.0,
            });
            wealth = 1.0;
            nan_in_group = false;
        }
        if r.is_nan() {
            nan_in_group |= opts.nan_policy == NanPolicy::Propagate;
        } else {
            wealth *= 1.0 + r;
        }
    }
    if let Some(g) = out.last_mut() {
        g.value = if nan_in_group { f64::NAN } else { wealth - 1.0 };
    }
    Ok(out)
}

/// Simple returns from prices: `p_t / p_{t−1} − 1` (n − 1 values, empyrical
/// `simple_returns`). Prices must be finite and > 0.
///
/// ```
/// let r = tradewarden_core::returns::simple_returns(&[100.0, 110.0, 99.0]).unwrap();
/// assert!((r[0] - 0.1).abs() < 1e-15 && (r[1] + 0.1).abs() < 1e-15);
/// ```
pub fn simple_returns(prices: &[f64]) -> Result<Vec<f64>> {
    if prices.len() < 2 {
        return Err(Error::Empty {
            param: "prices",
            min: 2,
        });
    }
    if let Some(i) = prices.iter().position(|p| !(p.is_finite() && *p > 0.0)) {
        return Err(Error::invalid(
            "prices",
            format!("[{i}] = {}", prices[i]),
            "prices must be finite and > 0",
        ));
    }
    Ok(prices.windows(2).map(|w| w[1] / w[0] - 1.0).collect())
}
