//! The empyrical set of returns metrics and the quantstats / Plus Ultra additions.
//!
//! Inputs are simple (not log) per-period returns as `&[f64]`. Every function
//! takes [`ReturnsOptions`]; formulas and conventions are in
//! `docs/conventions.md`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::conventions::{NanPolicy, ReturnsOptions};
use crate::error::{Error, Result};
use crate::simd::{self, Moments, PairSelect};

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
pub(crate) fn prepare_pair<'a>(
    returns: &'a [f64],
    factor: &'a [f64],
    policy: NanPolicy,
) -> Result<Option<Pair<'a>>> {
    non_empty(returns, "returns")?;
    same_len(returns, factor, "factor_returns")?;
    let borrowed = || Some((Cow::Borrowed(returns), Cow::Borrowed(factor)));
    match policy {
        NanPolicy::Error => {
            prepare(returns, "returns", policy)?;
            prepare(factor, "factor_returns", policy)?;
            Ok(borrowed())
        }
        NanPolicy::Propagate => {
            if returns.iter().chain(factor).any(|v| v.is_nan()) {
                Ok(None)
            } else {
                Ok(borrowed())
            }
        }
        NanPolicy::Skip => {
            // no copy unless a pair must be dropped
            if !returns.iter().chain(factor).any(|v| v.is_nan()) {
                return Ok(borrowed());
            }
            let (a, b): (Vec<f64>, Vec<f64>) = returns
                .iter()
                .zip(factor)
                .filter(|(a, b)| !a.is_nan() && !b.is_nan())
                .map(|(a, b)| (*a, *b))
                .unzip();
            Ok(Some((Cow::Owned(a), Cow::Owned(b))))
        }
    }
}

/// Two aligned series as [`prepare_pair`] leaves them (borrowed when nothing was dropped).
pub(crate) type Pair<'a> = (Cow<'a, [f64]>, Cow<'a, [f64]>);

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
///
/// ```
/// use tradewarden_core::{returns::cum_returns, ReturnsOptions};
/// let c = cum_returns(&[0.1, -0.1], 0.0, &ReturnsOptions::default()).unwrap();
/// assert!((c[1] - (1.1 * 0.9 - 1.0)).abs() < 1e-15);
/// ```
pub fn cum_returns(
    returns: &[f64],
    starting_value: f64,
    opts: &ReturnsOptions,
) -> Result<Vec<f64>> {
    check_cum_returns(returns, starting_value, opts)?;
    let mut out = Vec::with_capacity(returns.len());
    out.extend(CumReturns::new(returns, starting_value, opts.nan_policy));
    Ok(out)
}

/// [`cum_returns`] written into `out` (one element per return), the same
/// values bit for bit. For a caller that owns the output buffer: the Python
/// binding writes into an array numpy allocated (numpy asks the kernel for
/// huge pages on large arrays; a fresh 80 MB `Vec` faults 4 KiB pages one by
/// one — at 10 M values that was most of the call).
pub fn cum_returns_into(
    returns: &[f64],
    starting_value: f64,
    opts: &ReturnsOptions,
    out: &mut [f64],
) -> Result<()> {
    check_cum_returns(returns, starting_value, opts)?;
    if out.len() != returns.len() {
        return Err(Error::invalid(
            "out",
            out.len(),
            format!("must have one element per return ({})", returns.len()),
        ));
    }
    for (o, v) in out
        .iter_mut()
        .zip(CumReturns::new(returns, starting_value, opts.nan_policy))
    {
        *o = v;
    }
    Ok(())
}

fn check_cum_returns(returns: &[f64], starting_value: f64, opts: &ReturnsOptions) -> Result<()> {
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
    Ok(())
}

/// The running product of [`cum_returns`], one value per return.
struct CumReturns<'a> {
    returns: std::slice::Iter<'a, f64>,
    wealth: f64,
    starting_value: f64,
    skip_nan: bool,
}

impl<'a> CumReturns<'a> {
    fn new(returns: &'a [f64], starting_value: f64, policy: NanPolicy) -> Self {
        CumReturns {
            returns: returns.iter(),
            wealth: 1.0,
            starting_value,
            skip_nan: policy == NanPolicy::Skip,
        }
    }
}

impl Iterator for CumReturns<'_> {
    type Item = f64;

    #[inline]
    fn next(&mut self) -> Option<f64> {
        let &r = self.returns.next()?;
        let r = if r.is_nan() && self.skip_nan { 0.0 } else { r };
        self.wealth *= 1.0 + r;
        Some(if self.starting_value == 0.0 {
            self.wealth - 1.0
        } else {
            self.wealth * self.starting_value
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.returns.size_hint()
    }
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
    non_empty(returns, "returns")?;
    let p = match fast_growth(returns, opts.nan_policy) {
        Fast::Done(p) => p,
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {
            let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
            r.iter().map(|v| 1.0 + v).product()
        }
    };
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
    non_empty(returns, "returns")?;
    let ending = match fast_growth(returns, opts.nan_policy) {
        Fast::Done(p) => p,
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {
            let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
            r.iter().map(|v| 1.0 + v).product()
        }
    };
    Ok(ending.powf(ann / n_raw as f64) - 1.0)
}

/// Alias of [`annual_return`] (empyrical `cagr`).
pub fn cagr(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    annual_return(returns, opts)
}

/// Annualised volatility: `std(r, ddof) · √P`; NaN for fewer than 2 values.
pub fn annual_volatility(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    non_empty(returns, "returns")?;
    match fast_moments(returns, 0.0, None, opts.nan_policy) {
        Fast::Done(m) if m.n < 2 => return Ok(f64::NAN),
        Fast::Done(m) => return Ok(m.std(opts.ddof) * ann.sqrt()),
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {}
    }
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    Ok(std_dev(&r, opts.ddof) * ann.sqrt())
}

/// Annualised volatility with a Lévy stability exponent `alpha` (empyrical's
/// `alpha`): `std(r, ddof) · P^(1/alpha)`; `alpha = 2` is
/// [`annual_volatility`] (square-root-of-time scaling), bit for bit.
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let r = [0.01, -0.02, 0.015, 0.003];
/// let o = ReturnsOptions::default();
/// let std = returns::annual_volatility_alpha(&r, 2.0, &o).unwrap() / 252f64.sqrt();
/// let v3 = returns::annual_volatility_alpha(&r, 3.0, &o).unwrap();
/// assert!((v3 - std * 252f64.powf(1.0 / 3.0)).abs() < 1e-15);
/// assert!(returns::annual_volatility_alpha(&r, 0.0, &o).is_err());
/// ```
///
/// # Errors
/// `alpha` zero or not finite (an `InvalidParameter` naming `alpha`); as
/// [`annual_volatility`] otherwise.
pub fn annual_volatility_alpha(returns: &[f64], alpha: f64, opts: &ReturnsOptions) -> Result<f64> {
    if !(alpha.is_finite() && alpha != 0.0) {
        return Err(Error::invalid(
            "alpha",
            alpha,
            "must be finite and non-zero",
        ));
    }
    if alpha == 2.0 {
        return annual_volatility(returns, opts);
    }
    let ann = opts.validate()?;
    // the standard deviation: P = 1 makes annual_volatility's √P exactly 1
    let one = ReturnsOptions {
        period: crate::conventions::Period::Custom(1.0),
        ..*opts
    };
    Ok(annual_volatility(returns, &one)? * ann.powf(1.0 / alpha))
}

/// Annualised Sharpe ratio: `mean(r − rf) / std(r − rf, ddof) · √P`.
///
/// NaN for fewer than 2 values (empyrical); a constant series has std exactly
/// 0 and gives ±inf (or NaN for 0/0), as empyrical's `_zero_dispersion_std`.
pub fn sharpe_ratio(returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
    let ann = opts.validate()?;
    non_empty(returns, "returns")?;
    match fast_moments(returns, opts.risk_free, None, opts.nan_policy) {
        Fast::Done(m) if m.n < 2 => return Ok(f64::NAN),
        Fast::Done(m) => return Ok(m.mean() / m.std(opts.ddof) * ann.sqrt()),
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {}
    }
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
    non_empty(returns, "returns")?;
    match fast_moments(returns, 0.0, Some(opts.required_return), opts.nan_policy) {
        Fast::Done(m) => return Ok((m.down2 / m.n as f64).sqrt() * ann.sqrt()),
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {}
    }
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
    non_empty(returns, "returns")?;
    let req = opts.required_return;
    match fast_moments(returns, 0.0, Some(req), opts.nan_policy) {
        Fast::Done(m) if m.n < 2 => return Ok(f64::NAN),
        Fast::Done(m) => {
            let downside = (m.down2 / m.n as f64).sqrt();
            return Ok((m.mean() - req) * ann / (downside * ann.sqrt()));
        }
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {}
    }
    let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let req = opts.required_return;
    let avg = mean(&r) - req;
    Ok(avg * ann / (downside(&r, req) * ann.sqrt()))
}

/// Sortino ratio with the annualised downside risk given (empyrical's
/// `_downside_risk`, e.g. computed once for several calls):
/// `mean(r − req) · P / downside_risk`. NaN for fewer than 2 values.
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let r = [0.01, -0.02, 0.015, 0.003, -0.004];
/// let o = ReturnsOptions::default();
/// let dr = returns::downside_risk(&r, &o).unwrap();
/// let a = returns::sortino_ratio_given_downside(&r, dr, &o).unwrap();
/// assert!((a - returns::sortino_ratio(&r, &o).unwrap()).abs() < 1e-12);
/// ```
///
/// # Errors
/// As [`sortino_ratio`]; a NaN `downside_risk` is not an error (the result is NaN).
pub fn sortino_ratio_given_downside(
    returns: &[f64],
    downside_risk: f64,
    opts: &ReturnsOptions,
) -> Result<f64> {
    let ann = opts.validate()?;
    non_empty(returns, "returns")?;
    let req = opts.required_return;
    let m = match fast_moments(returns, 0.0, Some(req), opts.nan_policy) {
        Fast::Done(m) if m.n < 2 => return Ok(f64::NAN),
        Fast::Done(m) => m.mean(),
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {
            let r = prepared_or_nan!(returns, "returns", opts.nan_policy);
            if r.len() < 2 {
                return Ok(f64::NAN);
            }
            mean(&r)
        }
    };
    Ok((m - req) * ann / downside_risk)
}

/// [`cum_returns`] of every column of a column-major matrix of `rows` rows
/// (`data[j·rows..(j + 1)·rows]` is column j), column-major as well: one
/// call for a 2-D input (empyrical's `cum_returns` of a DataFrame) instead
/// of one per column.
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let o = ReturnsOptions::default();
/// let m = [0.1, 0.1, -0.5, 1.0]; // columns [0.1, 0.1] and [-0.5, 1.0]
/// let c = returns::cum_returns_columns(&m, 2, 0.0, &o).unwrap();
/// assert!((c[1] - 0.21).abs() < 1e-15 && c[2] == -0.5 && c[3] == 0.0);
/// ```
///
/// # Errors
/// `rows` zero or not dividing `data.len()` (an `InvalidParameter` naming
/// `rows`); as [`cum_returns`] for a column.
pub fn cum_returns_columns(
    data: &[f64],
    rows: usize,
    starting_value: f64,
    opts: &ReturnsOptions,
) -> Result<Vec<f64>> {
    if rows == 0 || !data.len().is_multiple_of(rows) {
        return Err(Error::invalid(
            "rows",
            rows,
            "must be >= 1 and divide the number of values",
        ));
    }
    let mut out = Vec::with_capacity(data.len());
    for col in data.chunks_exact(rows) {
        out.extend_from_slice(&cum_returns(col, starting_value, opts)?);
    }
    Ok(out)
}

/// [`cum_returns`] of every column of a **row-major** matrix with `k`
/// columns (`data[i·k + j]` is period i of column j), row-major as well
/// (a C-ordered 2-D input, as empyrical's `cumprod(axis=0)` returns it): bit
/// for bit each column's [`cum_returns`] — the same products in the same
/// order — with the k products running side by side as the rows lie (no
/// column copy; a single column's product is bound by the multiply latency).
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let o = ReturnsOptions::default();
/// let m = [0.1, -0.5, 0.1, 1.0]; // columns [0.1, 0.1] and [-0.5, 1.0]
/// let c = returns::cum_returns_row_major(&m, 2, 0.0, &o).unwrap();
/// assert!((c[2] - 0.21).abs() < 1e-15 && c[1] == -0.5 && c[3] == 0.0);
/// ```
///
/// # Errors
/// `k` zero or not dividing `data.len()`, or no values (naming `k`); as
/// [`cum_returns`] for a column.
pub fn cum_returns_row_major(
    data: &[f64],
    k: usize,
    starting_value: f64,
    opts: &ReturnsOptions,
) -> Result<Vec<f64>> {
    opts.validate()?;
    if k == 0 || data.is_empty() || !data.len().is_multiple_of(k) {
        return Err(Error::invalid(
            "k",
            k,
            "must be >= 1 and divide the number of values (at least one row)",
        ));
    }
    if opts.nan_policy != NanPolicy::Skip || !starting_value.is_finite() {
        // column by column: the same checks and errors as cum_returns
        let n = data.len() / k;
        let mut out = vec![0.0; data.len()];
        for j in 0..k {
            let col: Vec<f64> = data.iter().skip(j).step_by(k).copied().collect();
            for (i, v) in cum_returns(&col, starting_value, opts)?
                .into_iter()
                .enumerate()
            {
                out[i * k + j] = v;
            }
        }
        debug_assert_eq!(out.len(), n * k);
        return Ok(out);
    }
    let mut w = vec![1.0_f64; k];
    let mut out = Vec::with_capacity(data.len());
    for row in data.chunks_exact(k) {
        for (&x, w) in row.iter().zip(w.iter_mut()) {
            let r = if x.is_nan() { 0.0 } else { x };
            *w *= 1.0 + r;
            out.push(if starting_value == 0.0 {
                *w - 1.0
            } else {
                *w * starting_value
            });
        }
    }
    Ok(out)
}

/// `Π (1 + x)` over the non-NaN values of every column of a **row-major**
/// matrix with `k` columns, with the number of rows: each column's
/// left-to-right product (as numpy's `prod(axis=0)` of a C-ordered array
/// forms it, and as [`cum_returns_final`] does where its lane-wise product
/// leaves the normal range), the k products running side by side as the
/// rows lie (no column copy).
fn growth_row_major(data: &[f64], k: usize) -> (Vec<f64>, usize) {
    let mut w = vec![1.0_f64; k];
    for row in data.chunks_exact(k) {
        for (&x, w) in row.iter().zip(w.iter_mut()) {
            *w *= 1.0 + if x.is_nan() { 0.0 } else { x };
        }
    }
    (w, data.len() / k.max(1))
}

/// The shape check of the `_row_major` functions (naming `k`).
pub(crate) fn check_row_major(data: &[f64], k: usize) -> Result<()> {
    if k == 0 || data.is_empty() || !data.len().is_multiple_of(k) {
        return Err(Error::invalid(
            "k",
            k,
            "must be >= 1 and divide the number of values (at least one row)",
        ));
    }
    Ok(())
}

/// The columns of a row-major matrix with `k` columns, one after the other
/// (for the column-by-column fallbacks of the `_row_major` functions).
fn columns_of(data: &[f64], k: usize) -> impl Iterator<Item = Vec<f64>> + '_ {
    (0..k).map(move |j| data.iter().skip(j).step_by(k).copied().collect())
}

/// [`annual_return`] of every column of a **row-major** matrix with `k`
/// columns (a C-ordered 2-D input, as empyrical computes it per column), in
/// one pass over the rows (`growth_row_major`'s products; under a NaN
/// policy other than `skip`, column by column through [`annual_return`]).
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let o = ReturnsOptions::default();
/// let m = [0.01, -0.02, 0.03, 0.01]; // columns [0.01, 0.03] and [-0.02, 0.01]
/// let a = returns::annual_return_row_major(&m, 2, &o).unwrap();
/// assert!((a[0] - returns::annual_return(&[0.01, 0.03], &o).unwrap()).abs() < 1e-12);
/// ```
///
/// # Errors
/// `k` zero or not dividing `data.len()`, or no values (naming `k`); as
/// [`annual_return`] for a column.
pub fn annual_return_row_major(data: &[f64], k: usize, opts: &ReturnsOptions) -> Result<Vec<f64>> {
    let ann = opts.validate()?;
    check_row_major(data, k)?;
    if opts.nan_policy != NanPolicy::Skip {
        return columns_of(data, k)
            .map(|c| annual_return(&c, opts))
            .collect();
    }
    let (growth, n) = growth_row_major(data, k);
    Ok(growth
        .into_iter()
        .map(|g| g.powf(ann / n as f64) - 1.0)
        .collect())
}

/// [`downside_risk`] of every column of a **row-major** matrix with `k`
/// columns, in one pass over the rows (the squared shortfalls and the
/// counts of the k columns side by side; under a NaN policy other than
/// `skip`, column by column through [`downside_risk`]).
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let o = ReturnsOptions::default();
/// let m = [0.01, -0.02, -0.03, 0.01]; // columns [0.01, -0.03] and [-0.02, 0.01]
/// let d = returns::downside_risk_row_major(&m, 2, &o).unwrap();
/// assert!((d[0] - returns::downside_risk(&[0.01, -0.03], &o).unwrap()).abs() < 1e-15);
/// ```
///
/// # Errors
/// As [`annual_return_row_major`].
pub fn downside_risk_row_major(data: &[f64], k: usize, opts: &ReturnsOptions) -> Result<Vec<f64>> {
    let ann = opts.validate()?;
    check_row_major(data, k)?;
    if opts.nan_policy != NanPolicy::Skip {
        return columns_of(data, k)
            .map(|c| downside_risk(&c, opts))
            .collect();
    }
    let req = opts.required_return;
    let mut ss = vec![0.0_f64; k];
    let mut count = vec![0.0_f64; k];
    for row in data.chunks_exact(k) {
        for ((&x, s), c) in row.iter().zip(ss.iter_mut()).zip(count.iter_mut()) {
            let ok = !x.is_nan();
            let d = if ok { (x - req).min(0.0) } else { 0.0 };
            *s += d * d;
            *c += if ok { 1.0 } else { 0.0 };
        }
    }
    Ok(ss
        .into_iter()
        .zip(count)
        .map(|(s, c)| (s / c).sqrt() * ann.sqrt())
        .collect())
}

/// A moment metric of [`moment_metric_row_major`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MomentMetric {
    /// [`sharpe_ratio`].
    Sharpe,
    /// [`sortino_ratio`].
    Sortino,
    /// [`annual_volatility`].
    Volatility,
}

/// [`sharpe_ratio`], [`sortino_ratio`] or [`annual_volatility`] of every
/// column of a **row-major** matrix with `k` columns in one pass over the
/// rows as they lie: per column the shifted sums Σd, Σd² (and Σmin(x − req,
/// 0)² for Sortino), d = x − off − shift with the first row as the shift,
/// the k columns side by side (the compiler vectorises across them). The
/// per-column results then follow the 1-D functions' one-pass path
/// ([`FastMoments`]); a column whose sums cancel (more than 3 of 16 digits
/// lost) goes through the 1-D function instead.
///
/// `Ok(None)` (nothing computed) unless the policy is `skip` and every
/// value is finite: the caller then takes the column-by-column path.
pub(crate) fn moment_metric_row_major(
    data: &[f64],
    k: usize,
    which: MomentMetric,
    opts: &ReturnsOptions,
) -> Result<Option<Vec<f64>>> {
    let ann = opts.validate()?;
    check_row_major(data, k)?;
    if opts.nan_policy != NanPolicy::Skip {
        return Ok(None);
    }
    let n = data.len() / k;
    if n < 2 {
        return Ok(Some(vec![f64::NAN; k]));
    }
    let off = match which {
        MomentMetric::Sharpe => opts.risk_free,
        MomentMetric::Sortino | MomentMetric::Volatility => 0.0,
    };
    let req = opts.required_return;
    let down = which == MomentMetric::Sortino;
    let shift: Vec<f64> = data[..k].iter().map(|v| v - off).collect();
    let (mut s1, mut s2, mut d2) = (vec![0.0_f64; k], vec![0.0_f64; k], vec![0.0_f64; k]);
    for row in data.chunks_exact(k) {
        for ((((&v, &sh), a), b), c) in row
            .iter()
            .zip(&shift)
            .zip(s1.iter_mut())
            .zip(s2.iter_mut())
            .zip(d2.iter_mut())
        {
            let d = (v - off) - sh;
            *a += d;
            *b += d * d;
            if down {
                let e = (v - req).min(0.0);
                *c += e * e;
            }
        }
    }
    // a NaN or an infinity anywhere makes its column's sums non-finite
    if !(s1.iter().chain(&s2).chain(&d2).all(|v| v.is_finite())
        && shift.iter().all(|v| v.is_finite()))
    {
        return Ok(None);
    }
    let nf = n as f64;
    let mut out = Vec::with_capacity(k);
    for j in 0..k {
        let (a, b) = (s1[j], s2[j]);
        let ss = b - a * (a / nf);
        if !(ss >= 1e-3 * b) || b == 0.0 {
            // cancellation (or a constant column): the 1-D function's path
            let col: Vec<f64> = data.iter().skip(j).step_by(k).copied().collect();
            out.push(match which {
                MomentMetric::Sharpe => sharpe_ratio(&col, opts)?,
                MomentMetric::Sortino => sortino_ratio(&col, opts)?,
                MomentMetric::Volatility => annual_volatility(&col, opts)?,
            });
            continue;
        }
        let m = FastMoments {
            n,
            mean: shift[j] + a / nf,
            ss: ss.max(0.0),
            constant: false,
            down2: d2[j],
        };
        out.push(match which {
            MomentMetric::Sharpe => m.mean() / m.std(opts.ddof) * ann.sqrt(),
            MomentMetric::Volatility => m.std(opts.ddof) * ann.sqrt(),
            MomentMetric::Sortino => {
                let downside = (m.down2 / nf).sqrt();
                (m.mean() - req) * ann / (downside * ann.sqrt())
            }
        });
    }
    Ok(Some(out))
}

/// [`cum_returns_final`] of every column of a **row-major** matrix with `k`
/// columns, in one pass over the rows (as [`annual_return_row_major`]).
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let o = ReturnsOptions::default();
/// let c = returns::cum_returns_final_row_major(&[0.1, -0.5, 0.1, 1.0], 2, 0.0, &o).unwrap();
/// assert!((c[0] - 0.21).abs() < 1e-15 && c[1] == 0.0);
/// ```
///
/// # Errors
/// As [`annual_return_row_major`]; a `starting_value` that is not finite.
pub fn cum_returns_final_row_major(
    data: &[f64],
    k: usize,
    starting_value: f64,
    opts: &ReturnsOptions,
) -> Result<Vec<f64>> {
    opts.validate()?;
    if !starting_value.is_finite() {
        return Err(Error::invalid(
            "starting_value",
            starting_value,
            "must be finite",
        ));
    }
    check_row_major(data, k)?;
    if opts.nan_policy != NanPolicy::Skip {
        return columns_of(data, k)
            .map(|c| cum_returns_final(&c, starting_value, opts))
            .collect();
    }
    let (growth, _) = growth_row_major(data, k);
    Ok(growth
        .into_iter()
        .map(|p| {
            if starting_value == 0.0 {
                p - 1.0
            } else {
                p * starting_value
            }
        })
        .collect())
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
    if let Some(mdd) = super::summary::fused_max_drawdown(returns) {
        return Ok(mdd);
    }
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
    let r = skip_in_pass(returns, opts.nan_policy)?;
    let Some(r) = r else {
        return Ok(f64::NAN);
    };
    let [(q95, _), (q05, _)] = quantiles(&r, [0.95, 0.05]);
    Ok(q95.abs() / q05.abs())
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

// Names of every door (the Python `method=` keyword): 'parametric' is an alias of 'gaussian'.
crate::named_enum!(
    VarMethod,
    "method",
    [
        ("historical", VarMethod::Historical),
        ("gaussian", VarMethod::Gaussian),
        ("parametric", VarMethod::Gaussian),
    ]
);

/// Value at risk at `cutoff` (e.g. 0.05), a signed return (negative = loss).
pub fn value_at_risk(
    returns: &[f64],
    cutoff: f64,
    method: VarMethod,
    opts: &ReturnsOptions,
) -> Result<f64> {
    opts.validate()?;
    check_cutoff(cutoff, method)?;
    let Some(r) = skip_in_pass(returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    Ok(match method {
        VarMethod::Historical => quantiles(&r, [cutoff])[0].0,
        VarMethod::Gaussian => {
            let (mu, sd) = mean_std(&r);
            gaussian_var(mu, sd, cutoff)
        }
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
    let Some(r) = skip_in_pass(returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    Ok(match method {
        VarMethod::Historical => {
            // mean of the ⌊(n−1)·cutoff⌋ + 1 smallest values
            let (_, low_sum, n) = quantiles_with_count(&r, [cutoff])[0];
            if n == 0 {
                f64::NAN
            } else {
                low_sum / (((n - 1) as f64 * cutoff) as usize + 1) as f64
            }
        }
        VarMethod::Gaussian => {
            let (mu, sd) = mean_std(&r);
            gaussian_es(mu, sd, cutoff)
        }
    })
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
    if raw_len >= 2
        && let Some(r2) = fast_stability(returns)
    {
        return Ok(r2);
    }
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

/// [`stability_of_timeseries`] in one vectorised pass without allocating
/// ([`simd::trend_sums`]: time centred, so only the cumulative log return's
/// own sum of squares can cancel — then it is taken again about its mean).
/// `None` for a NaN, an infinity or a return ≤ −1 (the careful path runs).
fn fast_stability(x: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let a = simd::trend_sums(x, 0.0)?;
    let mut cyy = a.syy - a.sy * (a.sy / n);
    if !(cyy >= 1e-3 * a.syy) {
        let b = simd::trend_sums(x, a.sy / n)?;
        cyy = b.syy - b.sy * (b.sy / n);
    }
    // Σ (t − t̄)² for t = 0 .. n
    let cxx = n * (n * n - 1.0) / 12.0;
    if !(cyy > 0.0) {
        return Some(0.0);
    }
    let r = (a.sty / (cxx * cyy).sqrt()).clamp(-1.0, 1.0);
    Some(r * r)
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
    non_empty(returns, "returns")?;
    same_len(returns, factor_returns, "factor_returns")?;
    match fast_active(returns, factor_returns, opts.ddof, opts.nan_policy) {
        Fast::Done((n, mu, sd)) => return Ok(if n < 2 { f64::NAN } else { mu / sd }),
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {}
    }
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    let (mu, sd) = active_mean_std(&r, &b, opts.ddof);
    Ok(mu / sd)
}

/// `(n, mean, std)` of `r − b` over the pairs without NaN, in one vectorised
/// pass over the caller's slices ([`simd::diff_moments`]: no filtered copy,
/// no separate NaN scan), with the conventions of [`active_mean_std`]; or
/// what to do instead (±inf among the pairs, a NaN under `Error`: the
/// careful path). `r` and `b` have equal, non-zero lengths.
fn fast_active(r: &[f64], b: &[f64], ddof: u8, policy: NanPolicy) -> Fast<(usize, f64, f64)> {
    let Some(shift) = r
        .iter()
        .zip(b)
        .find(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| x - y)
    else {
        // no pair without NaN
        return match policy {
            NanPolicy::Error => Fast::Slow,
            _ => Fast::Nan,
        };
    };
    let Some(m) = simd::diff_moments(r, b, shift) else {
        return Fast::Slow;
    };
    if m.n < r.len() {
        match policy {
            NanPolicy::Skip => {}
            NanPolicy::Propagate => return Fast::Nan,
            NanPolicy::Error => return Fast::Slow,
        }
    }
    let n = m.n;
    let nf = n as f64;
    let mut mean = shift + m.s1 / nf;
    let mut ss = m.s2 - m.s1 * (m.s1 / nf);
    if !(ss >= 1e-3 * m.s2) {
        // the shift lay far from the mean: again about the first mean
        let Some(c) = simd::diff_moments(r, b, mean) else {
            return Fast::Slow;
        };
        ss = c.s2 - c.s1 * (c.s1 / nf);
        mean += c.s1 / nf;
    }
    let sd = if n <= ddof as usize {
        f64::NAN
    } else if m.constant {
        0.0
    } else {
        (ss.max(0.0) / (n - ddof as usize) as f64).sqrt()
    };
    Fast::Done((n, mean, sd))
}

/// Mean and standard deviation (with `ddof`) of `r − b` without storing it:
/// shifted sums in 4 lanes, one pass (a second about the mean when they
/// would cancel); exactly 0 for a constant difference, as [`std_dev`].
/// `r` and `b` are NaN-free, of equal length ≥ 1.
fn active_mean_std(r: &[f64], b: &[f64], ddof: u8) -> (f64, f64) {
    let n = r.len();
    let sums = |shift: f64| {
        let (mut s1, mut s2) = ([0.0f64; 4], [0.0f64; 4]);
        let (mut lo, mut hi) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
        let (rc, bc) = (r.chunks_exact(4), b.chunks_exact(4));
        let (rr, br) = (rc.remainder(), bc.remainder());
        for (x, y) in rc.zip(bc) {
            for k in 0..4 {
                let a = x[k] - y[k];
                let d = a - shift;
                s1[k] += d;
                s2[k] += d * d;
                lo[k] = if a < lo[k] { a } else { lo[k] };
                hi[k] = if a > hi[k] { a } else { hi[k] };
            }
        }
        for (x, y) in rr.iter().zip(br) {
            let a = x - y;
            let d = a - shift;
            s1[0] += d;
            s2[0] += d * d;
            lo[0] = lo[0].min(a);
            hi[0] = hi[0].max(a);
        }
        let lo = lo.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = hi.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (
            (s1[0] + s1[1]) + (s1[2] + s1[3]),
            (s2[0] + s2[1]) + (s2[2] + s2[3]),
            lo == hi,
        )
    };
    let nf = n as f64;
    let shift = r[0] - b[0];
    let (s1, s2, constant) = sums(shift);
    let mut mean = shift + s1 / nf;
    let mut ss = s2 - s1 * (s1 / nf);
    if !(ss >= 1e-3 * s2) {
        let (c1, c2, _) = sums(mean);
        ss = c2 - c1 * (c1 / nf);
        mean += c1 / nf;
    }
    let sd = if n <= ddof as usize {
        f64::NAN
    } else if constant {
        0.0
    } else {
        (ss.max(0.0) / (n - ddof as usize) as f64).sqrt()
    };
    (mean, sd)
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
    non_empty(returns, "returns")?;
    same_len(returns, factor_returns, "factor_returns")?;
    match fast_active(returns, factor_returns, opts.ddof, opts.nan_policy) {
        Fast::Done((n, _, sd)) => return Ok(if n < 2 { f64::NAN } else { sd * ann.sqrt() }),
        Fast::Nan => return Ok(f64::NAN),
        Fast::Slow => {}
    }
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    if r.len() < 2 {
        return Ok(f64::NAN);
    }
    Ok(active_mean_std(&r, &b, opts.ddof).1 * ann.sqrt())
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

/// Alpha and beta over the pairs that `select` takes, from one vectorised
/// pass over the caller's slices ([`simd::pair_sums`]: NaN pairs and the
/// other side of the market skipped inside the pass, nothing copied or
/// filtered into new vectors). `Ok(None)`: the careful path must run (±inf
/// among the pairs, or sums out of range).
///
/// The moments come from sums shifted by the first selected pair (taken
/// again about the means when they would cancel, as [`FastMoments`]); beta
/// is `Σ(x − x̄)(y − ȳ) / Σ(y − ȳ)²` and the compounded alpha uses
/// `mean((r − rf) − β(b − rf)) = (r̄ − rf) − β(b̄ − rf)`. Algebraically the
/// careful path's formulas; the order of the sums differs (lanes, fused
/// multiply-adds), so the last bits do — by how much is tested
/// (`tests/pair_kernels.rs`).
fn fast_alpha_beta(
    returns: &[f64],
    factor_returns: &[f64],
    select: PairSelect,
    ann: f64,
    method: AlphaMethod,
    opts: &ReturnsOptions,
) -> Result<Option<AlphaBeta>> {
    let nan = AlphaBeta {
        alpha: f64::NAN,
        beta: f64::NAN,
    };
    // Skip: the pass skips NaN pairs itself; the other policies validate
    // first (nothing is copied for them: their pairs are kept as they are)
    let pair = if opts.nan_policy == NanPolicy::Skip {
        non_empty(returns, "returns")?;
        same_len(returns, factor_returns, "factor_returns")?;
        (Cow::Borrowed(returns), Cow::Borrowed(factor_returns))
    } else {
        match prepare_pair(returns, factor_returns, opts.nan_policy)? {
            Some(p) => p,
            None => return Ok(Some(nan)),
        }
    };
    let (r, b) = (&*pair.0, &*pair.1);
    let keep = |x: f64, y: f64| {
        !x.is_nan()
            && match select {
                PairSelect::All => !y.is_nan(),
                PairSelect::Up => y > 0.0,
                PairSelect::Down => y < 0.0,
            }
    };
    let Some((x0, y0)) = r
        .iter()
        .zip(b)
        .map(|(x, y)| (*x, *y))
        .find(|(x, y)| keep(*x, *y))
    else {
        return Ok(Some(nan)); // no pair selected
    };
    let mut s = simd::pair_sums(r, b, select, x0, y0);
    if !s.finite() {
        return Ok(None);
    }
    let nf = s.n as f64;
    let (mut mx, mut my) = (x0 + s.sx / nf, y0 + s.sy / nf);
    let cancels = |s: &simd::PairSums| {
        !(s.sxx - s.sx * (s.sx / nf) >= 1e-3 * s.sxx && s.syy - s.sy * (s.sy / nf) >= 1e-3 * s.syy)
    };
    if cancels(&s) {
        // a shift far from the means: the sums again about the first means
        s = simd::pair_sums(r, b, select, mx, my);
        if !s.finite() {
            return Ok(None);
        }
        mx += s.sx / nf;
        my += s.sy / nf;
    }
    if s.n < 2 {
        return Ok(Some(nan));
    }
    let var = (s.syy - s.sy * (s.sy / nf)) / nf;
    let beta = if var < 1.0e-30 {
        f64::NAN
    } else {
        ((s.sxy - s.sx * (s.sy / nf)) / nf) / var
    };
    let rf = opts.risk_free;
    let alpha = match method {
        AlphaMethod::Compound => (1.0 + ((mx - rf) - beta * (my - rf))).powf(ann) - 1.0,
        AlphaMethod::Arithmetic => (mx - beta * my) * ann,
    };
    Ok(Some(AlphaBeta { alpha, beta }))
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
    if let Some(ab) = fast_alpha_beta(returns, factor_returns, PairSelect::All, ann, method, opts)?
    {
        return Ok(ab);
    }
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
    // alpha_beta's beta, without computing alpha
    let ann = opts.validate()?;
    if let Some(ab) = fast_alpha_beta(
        returns,
        factor_returns,
        PairSelect::All,
        ann,
        AlphaMethod::Arithmetic,
        opts,
    )? {
        return Ok(ab.beta);
    }
    let Some((r, b)) = prepare_pair(returns, factor_returns, opts.nan_policy)? else {
        return Ok(f64::NAN);
    };
    Ok(beta_of(&r, &b))
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
        r.iter()
            .zip(b.iter())
            .filter(|(_, y)| if up { **y > 0.0 } else { **y < 0.0 })
            .map(|(x, y)| (*x, *y))
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
    if let Some(ab) = fast_alpha_beta(returns, factor_returns, PairSelect::Up, ann, method, opts)? {
        return Ok(ab);
    }
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
    if let Some(ab) = fast_alpha_beta(returns, factor_returns, PairSelect::Down, ann, method, opts)?
    {
        return Ok(ab);
    }
    Ok(match market_filter(returns, factor_returns, false, opts)? {
        Some((r, b)) => alpha_beta_of(&r, &b, ann, opts.risk_free, method),
        None => AlphaBeta {
            alpha: f64::NAN,
            beta: f64::NAN,
        },
    })
}

/// Which periods alpha and beta are computed over: all of them
/// ([`alpha_beta`]), those where the benchmark rose ([`up_alpha_beta`]) or
/// fell ([`down_alpha_beta`]). The doors pass it by name (`which`:
/// 'all', 'up', 'down').
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MarketSide {
    /// Every period.
    #[default]
    All,
    /// Periods where the benchmark rose (b > 0).
    Up,
    /// Periods where the benchmark fell (b < 0).
    Down,
}

crate::named_enum!(
    MarketSide,
    "which",
    [
        ("all", MarketSide::All),
        ("up", MarketSide::Up),
        ("down", MarketSide::Down),
    ]
);

/// [`alpha_beta`], [`up_alpha_beta`] or [`down_alpha_beta`] by `side`.
///
/// ```
/// use tradewarden_core::ReturnsOptions;
/// use tradewarden_core::returns::{AlphaMethod, MarketSide, alpha_beta_on, up_alpha_beta};
/// let (r, b) = ([0.01, -0.02, 0.015, 0.003], [0.005, -0.01, 0.01, -0.002]);
/// let o = ReturnsOptions::default();
/// let side: MarketSide = "up".parse().unwrap();
/// assert_eq!(
///     alpha_beta_on(side, &r, &b, AlphaMethod::Compound, &o).unwrap(),
///     up_alpha_beta(&r, &b, AlphaMethod::Compound, &o).unwrap()
/// );
/// assert!("sideways".parse::<MarketSide>().unwrap_err().to_string().contains("'down'"));
/// ```
pub fn alpha_beta_on(
    side: MarketSide,
    returns: &[f64],
    factor_returns: &[f64],
    method: AlphaMethod,
    opts: &ReturnsOptions,
) -> Result<AlphaBeta> {
    match side {
        MarketSide::All => alpha_beta(returns, factor_returns, method, opts),
        MarketSide::Up => up_alpha_beta(returns, factor_returns, method, opts),
        MarketSide::Down => down_alpha_beta(returns, factor_returns, method, opts),
    }
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
    // Skip: a pair with a NaN is left out inside the pass below (a NaN
    // benchmark is in neither market; a NaN return is masked), no separate
    // scan of both series; the other policies validate first.
    let pair = if opts.nan_policy == NanPolicy::Skip {
        non_empty(returns, "returns")?;
        same_len(returns, factor_returns, "factor_returns")?;
        (Cow::Borrowed(returns), Cow::Borrowed(factor_returns))
    } else {
        match prepare_pair(returns, factor_returns, opts.nan_policy)? {
            Some(p) => p,
            None => return Ok(f64::NAN),
        }
    };
    let (r, b) = (&*pair.0, &*pair.1);
    // One branch-free pass over the pairs instead of collecting the market's
    // periods: the benchmark's sign is a coin flip, so a branch mispredicts
    // every other period (measured 7.8 ns per value on 20 columns × 100 000,
    // 0.3–0.6× empyrical). A period outside the market multiplies by exactly
    // 1.0, and the products run in the order of the filtered ones, so the
    // result is bit for bit the same.
    // The select is done on the bits: LLVM turned an `if` select back into a
    // branch (5.5 ns per value); with the bit select, 20 columns × 100 000
    // take 3.7 ms against empyrical's 5.3 ms (1.4×; was 16 ms with the copies).
    let one = 1.0_f64.to_bits();
    let pick = |keep: u64, v: f64| f64::from_bits((v.to_bits() & keep) | (one & !keep));
    let (mut wr, mut wb, mut n) = (1.0_f64, 1.0_f64, 0_usize);
    // Blocks of the pairs: a block that starts with a subnormal product runs
    // that product through `ExactProduct` (the same bits, no slow subnormal
    // multiplies); every other block is the plain loop.
    for (rc, bc) in r.chunks(PRODUCT_BLOCK).zip(b.chunks(PRODUCT_BLOCK)) {
        if is_subnormal(wr) || is_subnormal(wb) {
            let (mut pr, mut pb) = (ExactProduct::new(wr), ExactProduct::new(wb));
            let (mut rx, mut bx) = (rc.chunks_exact(8), bc.chunks_exact(8));
            for (x8, y8) in (&mut rx).zip(&mut bx) {
                let (mut fr, mut fb) = ([1.0_f64; 8], [1.0_f64; 8]);
                for i in 0..8 {
                    let (x, y) = (x8[i], y8[i]);
                    let m = (if up { y > 0.0 } else { y < 0.0 }) & !x.is_nan();
                    let keep = 0_u64.wrapping_sub(u64::from(m));
                    fr[i] = pick(keep, 1.0 + x);
                    fb[i] = pick(keep, 1.0 + y);
                    n += usize::from(m);
                }
                pr.mul8(&fr);
                pb.mul8(&fb);
            }
            for (x, y) in rx.remainder().iter().zip(bx.remainder().iter()) {
                let m = (if up { *y > 0.0 } else { *y < 0.0 }) & !x.is_nan();
                let keep = 0_u64.wrapping_sub(u64::from(m));
                pr.mul(pick(keep, 1.0 + x));
                pb.mul(pick(keep, 1.0 + y));
                n += usize::from(m);
            }
            (wr, wb) = (pr.value(), pb.value());
            continue;
        }
        (wr, wb, n) = capture_plain(rc, bc, up, (wr, wb, n));
    }
    if n == 0 {
        return Ok(f64::NAN);
    }
    let e = ann / n as f64;
    Ok((wr.powf(e) - 1.0) / (wb.powf(e) - 1.0))
}

/// The plain products of a block of pairs (no subnormal product at its
/// start), continued from `(wr, wb, n)`. Kept out of line: inlined into the
/// block loop beside the exact path, the same loop ran 1.6× slower (15.3 vs
/// 9.7 ms for 10M pairs, scratch A/B of the two shapes, session 12).
#[inline(never)]
fn capture_plain(r: &[f64], b: &[f64], up: bool, acc: (f64, f64, usize)) -> (f64, f64, usize) {
    let one = 1.0_f64.to_bits();
    let pick = |keep: u64, v: f64| f64::from_bits((v.to_bits() & keep) | (one & !keep));
    let (mut wr, mut wb, mut n) = acc;
    for (x, y) in r.iter().zip(b.iter()) {
        let m = (if up { *y > 0.0 } else { *y < 0.0 }) & !x.is_nan();
        let keep = 0_u64.wrapping_sub(u64::from(m));
        wr *= pick(keep, 1.0 + x);
        wb *= pick(keep, 1.0 + y);
        n += usize::from(m);
    }
    (wr, wb, n)
}

/// Pairs per block of [`capture_filtered`]'s product loop: a product that
/// goes subnormal inside a block is multiplied by the hardware until the
/// block ends (at most this many slow multiplies), then exactly by
/// [`ExactProduct`].
const PRODUCT_BLOCK: usize = 4096;

/// 2⁵²: a subnormal double is m·2⁻¹⁰⁷⁴ with an integer |m| < 2⁵².
const TWO_52: f64 = 4_503_599_627_370_496.0;

/// `x` is subnormal (not zero, below the smallest normal).
#[inline]
fn is_subnormal(x: f64) -> bool {
    x != 0.0 && x.abs() < f64::MIN_POSITIVE
}

/// An in-order running product w ← w·f that gives **the same bits as the
/// hardware multiply** but does not multiply subnormal numbers: while w is
/// subnormal it is held as the integer-valued double m = w·2¹⁰⁷⁴ (exact) and
/// a step is m ← round-half-even(m·f), which is what the hardware does to
/// the exact product w·f on the subnormal grid. A subnormal multiply's cost
/// swings on the machine measured — about a normal one's on an idle core, up
/// to ≈ 10× under load (docs/performance.md, session 12) — and a falling
/// market's product can stay subnormal for millions of periods (numpy's
/// `prod` does too: the value is empyrical's); this path's time does not
/// swing.
///
/// A step rounds with the 2⁵² addition (round half to even in the default
/// rounding mode, no branch); a product whose rounding is a tie is corrected
/// with the fused multiply-add's exact error term; a product that leaves the
/// subnormal range (|m·f| ≥ 2⁵², an infinity, a NaN) goes back to the
/// hardware multiply on the exact subnormal value. The exact step is as slow
/// as the hardware's subnormal multiply (one dependent chain of 4
/// operations); the gain is [`ExactProduct::mul8`]: a subnormal product is
/// mostly *stuck* (m·f rounds back to m), which 8 factors at a time are
/// checked for without a dependent chain.
#[derive(Debug, Clone, Copy)]
struct ExactProduct {
    /// `w` when `!sub`, else m = w·2¹⁰⁷⁴.
    v: f64,
    sub: bool,
}

/// Below this, the computed |m·(f − 1)| leaves m·f rounding back to m:
/// 0.5 − 2⁻⁵⁰ (the computed product is within a relative 2⁻⁵³ of the exact).
const STUCK: f64 = 0.5 - 1.0 / 1_125_899_906_842_624.0;

impl ExactProduct {
    /// 2⁵³⁷ and 2⁻⁵³⁷: scaling by 2^±1074 in two exact steps (2⁻¹⁰⁷⁴ itself is
    /// subnormal).
    const UP: f64 = f64::from_bits((1023 + 537) << 52);
    const DOWN: f64 = f64::from_bits((1023 - 537) << 52);

    #[inline]
    fn new(w: f64) -> Self {
        if is_subnormal(w) {
            Self {
                v: (w * Self::UP) * Self::UP,
                sub: true,
            }
        } else {
            Self { v: w, sub: false }
        }
    }

    /// The product as a double (exact: |m| ≤ 2⁵² is on the subnormal grid).
    #[inline]
    fn value(self) -> f64 {
        if self.sub {
            (self.v * Self::DOWN) * Self::DOWN
        } else {
            self.v
        }
    }

    /// Eight steps in order. A subnormal product first checks whether all
    /// eight leave it where it is: f > 0 (a zero keeps its sign) and the
    /// computed |m·(f − 1)| < [`STUCK`] — then the exact |m·(f − 1)| < 0.5 and
    /// m·f = m + m·(f − 1) rounds to m (f − 1 is exact for f in [0.5, 2];
    /// outside it |m·(f − 1)| ≥ 0.5 for every m ≠ 0, so the check fails as it
    /// should). Measured on the functions table's 10M down-market data
    /// (benchmark stuck at 28·2⁻¹⁰⁷⁴ for ≈ 4.9M steps), under load 11:
    /// 114 → 48 ms for the pass; the exact step alone was 2.7× slower than
    /// the hardware (docs/performance.md).
    #[inline(always)]
    fn mul8(&mut self, f: &[f64; 8]) {
        if self.sub {
            let m = self.v;
            let mut stuck = true;
            for &x in f {
                stuck &= (x > 0.0) & ((m * (x - 1.0)).abs() < STUCK);
            }
            if stuck {
                return;
            }
            for &x in f {
                self.mul(x);
            }
        } else {
            let mut w = self.v;
            for &x in f {
                w *= x;
            }
            self.v = w;
        }
    }

    #[inline(always)]
    fn mul(&mut self, f: f64) {
        if !self.sub {
            self.v *= f;
            return;
        }
        let m = self.v;
        let p = m * f;
        let a = p.abs();
        if a < TWO_52 {
            // round half to even in the default rounding mode
            let mut q = ((a + TWO_52) - TWO_52).copysign(p);
            if (q - p).abs() == 0.5 {
                // p is a tie; the exact product is p + e
                let e = m.mul_add(f, -p);
                if e > 0.0 {
                    q = p + 0.5;
                } else if e < 0.0 {
                    q = p - 0.5;
                }
            }
            self.v = q;
        } else {
            // out of the subnormal range (or not finite): the hardware, on
            // the exact value
            *self = Self {
                v: self.value() * f,
                sub: false,
            };
        }
    }
}

/// A side of the market: the periods where the benchmark rose (`Up`, b > 0)
/// or fell (`Down`, b < 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Market {
    /// Periods with a benchmark return above zero.
    Up,
    /// Periods with a benchmark return below zero.
    Down,
}

/// Up- and down-market capture of every column of a **row-major** matrix
/// (`data[i·k + j]` is period i of column j, `k` columns) against one
/// benchmark, as (up, down) per column: bit for bit [`up_capture`] and
/// [`down_capture`] of each column (the same products in the same order),
/// without gathering the columns. Both sides in one pass over the rows, as
/// `up_down_capture` needs; [`market_capture_row_major`] computes one side
/// only (half the work).
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// let o = ReturnsOptions::empyrical();
/// let b = [0.01, -0.02, 0.03];
/// let m = [0.02, 0.01, -0.01, -0.03, 0.05, 0.02]; // columns [.02, -.01, .05] and [.01, -.03, .02]
/// let c = returns::market_captures_row_major(&m, 2, &b, &o).unwrap();
/// let col0 = [0.02, -0.01, 0.05];
/// assert_eq!(c[0], (returns::up_capture(&col0, &b, &o).unwrap(), returns::down_capture(&col0, &b, &o).unwrap()));
/// ```
///
/// # Errors
/// As [`market_capture_row_major`].
pub fn market_captures_row_major(
    data: &[f64],
    k: usize,
    factor_returns: &[f64],
    opts: &ReturnsOptions,
) -> Result<Vec<(f64, f64)>> {
    let [up, down] = market_captures_of(data, k, factor_returns, [Market::Up, Market::Down], opts)?;
    Ok(up.into_iter().zip(down).collect())
}

/// Rows of a row-major matrix read per block in [`market_capture_row_major`]:
/// about 128 KiB of values, so that every column block re-reads them from
/// cache (the matrix itself is streamed once).
const CAPTURE_CHUNK_VALUES: usize = 16_384;

/// Up- **or** down-market capture of every column of a **row-major** matrix
/// (`data[i·k + j]` is period i of column j, `k` columns) against one
/// benchmark: bit for bit [`up_capture`] (or [`down_capture`]) of each column
/// — the same products in the same order — without gathering the columns.
///
/// Only the requested side is computed. Rows are taken in chunks that stay
/// in cache; in a chunk the periods of the market are listed once, then
/// blocks of 8 (then 4, then 1) columns run over those periods only, their
/// products held in registers as independent chains (a single column's
/// product is bound by the multiply latency). Under [`NanPolicy::Skip`] a
/// pair with a NaN is dropped per column (it multiplies by exactly 1.0,
/// selected on the bits); other policies go column by column.
///
/// ```
/// use tradewarden_core::{ReturnsOptions, returns};
/// use tradewarden_core::returns::Market;
/// let o = ReturnsOptions::empyrical();
/// let b = [0.01, -0.02, 0.03];
/// let m = [0.02, 0.01, -0.01, -0.03, 0.05, 0.02]; // columns [.02, -.01, .05] and [.01, -.03, .02]
/// let up = returns::market_capture_row_major(&m, 2, &b, Market::Up, &o).unwrap();
/// assert_eq!(up[1], returns::up_capture(&[0.01, -0.03, 0.02], &b, &o).unwrap());
/// ```
///
/// # Errors
/// `k` zero or `data.len() ≠ k · factor_returns.len()` (naming `returns`);
/// an empty benchmark; as [`up_capture`] under the other policies.
pub fn market_capture_row_major(
    data: &[f64],
    k: usize,
    factor_returns: &[f64],
    market: Market,
    opts: &ReturnsOptions,
) -> Result<Vec<f64>> {
    let [v] = market_captures_of(data, k, factor_returns, [market], opts)?;
    Ok(v)
}

/// [`market_capture_row_major`] of each market in `markets`, in one pass
/// over the rows (a chunk of rows stays in cache for every market).
fn market_captures_of<const S: usize>(
    data: &[f64],
    k: usize,
    factor_returns: &[f64],
    markets: [Market; S],
    opts: &ReturnsOptions,
) -> Result<[Vec<f64>; S]> {
    let ann = opts.validate()?;
    let n = factor_returns.len();
    non_empty(factor_returns, "factor_returns")?;
    if k == 0 || n.checked_mul(k) != Some(data.len()) {
        return Err(Error::invalid(
            "returns",
            format!("{} values for {k} columns", data.len()),
            "must hold k columns of len(factor_returns) periods",
        ));
    }
    if opts.nan_policy != NanPolicy::Skip {
        let cols: Vec<Vec<f64>> = (0..k)
            .map(|j| data.iter().skip(j).step_by(k).copied().collect())
            .collect();
        let mut out: [Vec<f64>; S] = std::array::from_fn(|_| Vec::with_capacity(k));
        for (m, o) in markets.iter().zip(out.iter_mut()) {
            for col in &cols {
                o.push(capture_filtered(
                    col,
                    factor_returns,
                    *m == Market::Up,
                    opts,
                )?);
            }
        }
        return Ok(out);
    }
    let mut acc: [(Vec<f64>, Vec<f64>, Vec<u64>); S] =
        std::array::from_fn(|_| (vec![1.0_f64; k], vec![1.0_f64; k], vec![0_u64; k]));
    let chunk = (CAPTURE_CHUNK_VALUES / k).clamp(16, 4096);
    let mut rows: Vec<usize> = Vec::with_capacity(chunk.min(n));
    crate::simd::arch().dispatch(CaptureOp {
        data,
        k,
        factor_returns,
        markets,
        chunk,
        acc: &mut acc,
        rows: &mut rows,
    });
    Ok(acc.map(|(wr, wb, cnt)| {
        (0..k)
            .map(|j| {
                if cnt[j] == 0 {
                    return f64::NAN;
                }
                let e = ann / cnt[j] as f64;
                (wr[j].powf(e) - 1.0) / (wb[j].powf(e) - 1.0)
            })
            .collect()
    }))
}

/// The column-block pass of [`market_captures_of`], a pulp operation so that
/// its loops compile for the CPU's vector width (a closure handed to
/// `Arch::dispatch` is called, not inlined, and runs without those target
/// features).
struct CaptureOp<'a, const S: usize> {
    data: &'a [f64],
    k: usize,
    factor_returns: &'a [f64],
    markets: [Market; S],
    chunk: usize,
    acc: &'a mut [(Vec<f64>, Vec<f64>, Vec<u64>); S],
    rows: &'a mut Vec<usize>,
}

impl<const S: usize> pulp::WithSimd for CaptureOp<'_, S> {
    type Output = ();

    #[inline(always)]
    fn with_simd<V: pulp::Simd>(self, _simd: V) {
        let Self {
            data,
            k,
            factor_returns,
            markets,
            chunk,
            acc,
            rows,
        } = self;
        for (c, bench) in factor_returns.chunks(chunk).enumerate() {
            let base = c * chunk;
            for (m, (wr, wb, cnt)) in markets.iter().zip(acc.iter_mut()) {
                let up = *m == Market::Up;
                rows.clear();
                rows.extend(
                    bench
                        .iter()
                        .enumerate()
                        .filter(|(_, y)| if up { **y > 0.0 } else { **y < 0.0 })
                        .map(|(i, _)| base + i),
                );
                let mut j = 0;
                while j + 8 <= k {
                    capture_block::<8>(data, k, j, rows, factor_returns, wr, wb, cnt);
                    j += 8;
                }
                if j + 4 <= k {
                    capture_block::<4>(data, k, j, rows, factor_returns, wr, wb, cnt);
                    j += 4;
                }
                while j < k {
                    capture_block::<1>(data, k, j, rows, factor_returns, wr, wb, cnt);
                    j += 1;
                }
            }
        }
    }
}

/// Columns `j0 .. j0 + W` of a row-major matrix with `k` columns over the
/// listed `rows` (periods in the market): the products of (1 + x) and of
/// (1 + b) and the count of the pairs without a NaN, continued from `wr`,
/// `wb`, `cnt`. A NaN pair multiplies by exactly 1.0 (bit select, no branch).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn capture_block<const W: usize>(
    data: &[f64],
    k: usize,
    j0: usize,
    rows: &[usize],
    bench: &[f64],
    wr: &mut [f64],
    wb: &mut [f64],
    cnt: &mut [u64],
) {
    let one = 1.0_f64.to_bits();
    let pick = |keep: u64, v: f64| f64::from_bits((v.to_bits() & keep) | (one & !keep));
    let mut r = [1.0_f64; W];
    let mut b = [1.0_f64; W];
    let mut c = [0_u64; W];
    r.copy_from_slice(&wr[j0..j0 + W]);
    b.copy_from_slice(&wb[j0..j0 + W]);
    c.copy_from_slice(&cnt[j0..j0 + W]);
    for &i in rows {
        let yb = 1.0 + bench[i];
        let xs = &data[i * k + j0..i * k + j0 + W];
        for (((&x, r), b), c) in xs
            .iter()
            .zip(r.iter_mut())
            .zip(b.iter_mut())
            .zip(c.iter_mut())
        {
            let keep = 0_u64.wrapping_sub(u64::from(!x.is_nan()));
            *r *= pick(keep, 1.0 + x);
            *b *= pick(keep, yb);
            *c += keep & 1;
        }
    }
    wr[j0..j0 + W].copy_from_slice(&r);
    wb[j0..j0 + W].copy_from_slice(&b);
    cnt[j0..j0 + W].copy_from_slice(&c);
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
    // one pass, no branches: counts of (finite) differences and of hits,
    // overall and with b ≥ 0
    let (mut n, mut hit, mut n_up, mut hit_up) = (0usize, 0usize, 0usize, 0usize);
    for (x, y) in r.iter().zip(b.iter()) {
        let d = x - y;
        let ok = d.is_finite() as usize;
        let h = ok & (d > 0.0) as usize;
        let up = ok & (*y >= 0.0) as usize;
        n += ok;
        hit += h;
        n_up += up;
        hit_up += h & up;
    }
    let share = |hit: usize, n: usize| {
        if n == 0 {
            f64::NAN
        } else {
            hit as f64 / n as f64
        }
    };
    // a finite difference has a non-NaN y: y < 0 is the rest
    Ok(BattingAverage {
        batting_average: share(hit, n),
        up_market: share(hit_up, n_up),
        down_market: share(hit - hit_up, n - n_up),
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

pub(crate) fn check_all(returns: &[f64], opts: &ReturnsOptions) -> Result<()> {
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
    /// Rolling [`up_capture`].
    roll_up_capture => up_capture;
    /// Rolling [`down_capture`].
    roll_down_capture => down_capture;
    /// Rolling [`up_down_capture`].
    roll_up_down_capture => up_down_capture;
}

/// Rolling [`beta`]. Without a NaN in either series (one scan) each window
/// is its own pair, and only beta's two short passes run per window.
pub fn roll_beta(
    returns: &[f64],
    factor_returns: &[f64],
    window: usize,
    opts: &ReturnsOptions,
) -> Result<Vec<f64>> {
    check_all(returns, opts)?;
    check_all(factor_returns, opts)?;
    if !returns.iter().chain(factor_returns).any(|v| v.is_nan()) {
        return rolling_pair(returns, factor_returns, window, |a, b| Ok(beta_of(a, b)));
    }
    rolling_pair(returns, factor_returns, window, |a, b| beta(a, b, opts))
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

// --- one-pass kernels of the public functions --------------------------------
//
// The functions above first try one vectorised pass over the caller's slice
// (`crate::simd::moments` / `growth`), NaN skipped inside the pass (no
// filtered copy, no separate scan), and fall back to the careful code for the
// inputs that pass cannot serve: ±inf, a NaN under `NanPolicy::Error` (the
// careful code reports its position), lane products out of the normal range.

/// What a one-pass kernel made of an input.
enum Fast<T> {
    /// The kernel's result.
    Done(T),
    /// The metric is NaN (`NanPolicy::Propagate` and a NaN present).
    Nan,
    /// The careful path must run (see above).
    Slow,
}

/// Mean and spread of `x − off` over the non-NaN values, from [`Moments`].
#[derive(Debug, Clone, Copy)]
struct FastMoments {
    /// Non-NaN values.
    n: usize,
    /// Mean of `x − off`.
    mean: f64,
    /// `Σ (x − off − mean)²`.
    ss: f64,
    /// Every value equal.
    constant: bool,
    /// `Σ min(x − req, 0)²`.
    down2: f64,
}

impl FastMoments {
    /// From the shifted sums of one pass. When the shift lies far from the
    /// mean (the sums would cancel: more than 3 of 16 digits lost), mean and
    /// sum of squares are taken again about the first mean — a second pass
    /// only for such inputs.
    fn new(x: &[f64], m: Moments, off: f64, shift: f64) -> Self {
        let n = m.n as f64;
        let mut mean = shift + m.s1 / n;
        let mut ss = m.s2 - m.s1 * (m.s1 / n);
        if !(ss >= 1e-3 * m.s2) {
            let c = simd::moments(x, off, mean, 0.0, false);
            ss = c.s2 - c.s1 * (c.s1 / n);
            mean += c.s1 / n;
        }
        FastMoments {
            n: m.n,
            mean,
            ss: ss.max(0.0),
            constant: m.constant,
            down2: m.down2,
        }
    }

    /// Mean of `x − off`.
    fn mean(&self) -> f64 {
        self.mean
    }

    /// Standard deviation of `x − off` with `ddof`: exactly 0 for a constant
    /// series (as [`std_dev`]), NaN when n ≤ ddof.
    fn std(&self, ddof: u8) -> f64 {
        if self.n <= ddof as usize {
            return f64::NAN;
        }
        if self.constant {
            return 0.0;
        }
        (self.ss / (self.n - ddof as usize) as f64).sqrt()
    }
}

/// One pass of [`simd::moments`] over `x − off` (`req`: the downside
/// threshold), or what to do instead. `x` must not be empty.
fn fast_moments(x: &[f64], off: f64, req: Option<f64>, policy: NanPolicy) -> Fast<FastMoments> {
    let shift = x.iter().find(|v| !v.is_nan()).map_or(0.0, |v| v - off);
    let m = simd::moments(x, off, shift, req.unwrap_or(0.0), req.is_some());
    // every non-NaN value (and x − off) finite, at least one of them
    if !(m.finite && m.s2.is_finite() && m.down2.is_finite()) {
        return Fast::Slow;
    }
    if m.n < x.len() {
        match policy {
            NanPolicy::Skip => {}
            NanPolicy::Propagate => return Fast::Nan,
            NanPolicy::Error => return Fast::Slow,
        }
    }
    Fast::Done(FastMoments::new(x, m, off, shift))
}

/// `Π (1 + r)` over the non-NaN values in one pass ([`simd::growth`]).
fn fast_growth(x: &[f64], policy: NanPolicy) -> Fast<f64> {
    match simd::growth(x) {
        (Some(p), 0) => Fast::Done(p),
        (Some(p), _) if policy == NanPolicy::Skip => Fast::Done(p),
        (Some(_), _) if policy == NanPolicy::Propagate => Fast::Nan,
        _ => Fast::Slow,
    }
}

/// Mean and standard deviation (ddof = 1) of the non-NaN values of `r`.
fn mean_std(r: &[f64]) -> (f64, f64) {
    match fast_moments(r, 0.0, None, NanPolicy::Skip) {
        Fast::Done(m) => (m.mean(), m.std(1)),
        _ => {
            let clean: Vec<f64> = r.iter().copied().filter(|v| !v.is_nan()).collect();
            (mean(&clean), std_dev(&clean, 1))
        }
    }
}

/// The input of a quantile metric under `policy`: under `Skip` the caller's
/// slice as is (the selection pass skips NaN itself), otherwise as
/// [`prepare`] leaves it; `None` when the result is NaN.
fn skip_in_pass<'a>(x: &'a [f64], policy: NanPolicy) -> Result<Option<Cow<'a, [f64]>>> {
    non_empty(x, "returns")?;
    if policy == NanPolicy::Skip {
        return Ok(Some(Cow::Borrowed(x)));
    }
    prepare(x, "returns", policy)
}

/// numpy's linear quantile (`np.percentile(x, 100·q)`) of the non-NaN values
/// of `x` at each `q`, with the sum of the values at sorted positions
/// `0..=⌊q·(n−1)⌋` (for the expected shortfall); NaN for no values.
///
/// Selection, not sorting: the order statistics are exactly those of a full
/// sort (by `f64::total_cmp`), found in O(n).
fn quantiles<const K: usize>(x: &[f64], qs: [f64; K]) -> [(f64, f64); K] {
    quantiles_with_count(x, qs).map(|(q, s, _)| (q, s))
}

/// [`quantiles`], each with the number of non-NaN values.
fn quantiles_with_count<const K: usize>(x: &[f64], qs: [f64; K]) -> [(f64, f64, usize); K] {
    if x.len() > WINDOW_MIN_LEN
        && let Some(r) = quantiles_windowed(x, qs)
    {
        return r;
    }
    let mut v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    let n = v.len();
    qs.map(|q| {
        let (value, sum) = select_quantile(&mut v, 0, 0.0, n, q).unwrap_or((f64::NAN, f64::NAN));
        (value, sum, n)
    })
}

/// Below this length the quantile metrics select on a filtered copy directly.
const WINDOW_MIN_LEN: usize = 4096;

/// The linear quantile at `q` of `n` values of which `below` (summing to
/// `below_sum`) are not in `v` and rank under every value of `v`; `v` holds
/// the values of ranks `below ..` (some of them). `None` when a rank the
/// quantile needs is not in `v`.
fn select_quantile(
    v: &mut [f64],
    below: usize,
    below_sum: f64,
    n: usize,
    q: f64,
) -> Option<(f64, f64)> {
    if n == 0 {
        return Some((f64::NAN, f64::NAN));
    }
    let pos = q * (n - 1) as f64;
    let k = pos.floor() as usize;
    let frac = pos - k as f64;
    let need = if frac == 0.0 { k } else { k + 1 };
    if k < below || need >= below + v.len() {
        return None;
    }
    let (left, &mut at, right) = v.select_nth_unstable_by(k - below, f64::total_cmp);
    let sum = below_sum + left.iter().sum::<f64>() + at;
    let value = if frac == 0.0 {
        at
    } else {
        let hi = right.iter().copied().fold(f64::INFINITY, f64::min);
        at + (hi - at) * frac
    };
    Some((value, sum))
}

/// [`quantiles_with_count`] for long series without copying them: a strided
/// sample of the series gives, per quantile, a window `[lo, hi]` of values
/// that holds the wanted ranks with overwhelming probability (± 4 standard
/// deviations of a sample rank, plus a margin); one pass counts (and sums) the
/// values below `lo` and gathers those in the window; selection then runs on
/// the window only (≈ 2 % of a 10M series). `None` when the window missed a
/// rank or overflowed (ordered or adversarial data): the caller selects on a
/// full copy instead, so the result never depends on the sample.
fn quantiles_windowed<const K: usize>(x: &[f64], qs: [f64; K]) -> Option<[(f64, f64, usize); K]> {
    let len = x.len();
    let m = (len / 16).clamp(256, 16_384);
    let step = len / m;
    let mut sample: Vec<f64> = (0..m)
        .map(|i| x[i * step])
        .filter(|v| !v.is_nan())
        .collect();
    if sample.len() < m / 2 {
        return None;
    }
    let ms = sample.len();
    let last = (ms - 1) as f64;
    let mut lo = [f64::NEG_INFINITY; K];
    let mut hi = [f64::INFINITY; K];
    let mut cap = [0usize; K];
    for j in 0..K {
        let q = qs[j];
        let r = q * last;
        let margin = 4.0 * (ms as f64 * q * (1.0 - q)).sqrt() + 8.0;
        let (a, b) = ((r - margin).floor(), (r + margin).ceil());
        if a >= 0.0 {
            lo[j] = *sample.select_nth_unstable_by(a as usize, f64::total_cmp).1;
        }
        if b <= last {
            hi[j] = *sample.select_nth_unstable_by(b as usize, f64::total_cmp).1;
        }
        let share = (b.min(last) - a.max(0.0) + 1.0) / ms as f64;
        cap[j] = (share * 1.5 * len as f64) as usize + 64;
    }
    if cap.iter().sum::<usize>() > len / 2 {
        return None;
    }
    let mut win: [Vec<f64>; K] = std::array::from_fn(|j| vec![0.0; cap[j] + 1]);
    // Blocks of 8 values: counts, NaNs and the partial sums below each window
    // in 4 lanes (value i in lane i mod 4, in order: the sums are those of a
    // pass value by value), vectorised, with one flag for "a value of the
    // block is inside a window"; only such blocks (≈ 1 in 5 for the 5 % and
    // 95 % windows of tail_ratio) append their values to the windows, in
    // order.
    let (below4, below_sum, nan4, fill) = crate::simd::arch().dispatch(WindowPass {
        x,
        lo,
        hi,
        cap,
        win: &mut win,
    })?;
    let n_nan = nan4.iter().sum::<u64>() as usize;
    let below: [usize; K] = std::array::from_fn(|j| below4[j].iter().sum::<u64>() as usize);
    let n = len - n_nan;
    let mut out = [(f64::NAN, f64::NAN, n); K];
    for j in 0..K {
        let s = below_sum[j];
        let (value, sum) = select_quantile(
            &mut win[j][..fill[j]],
            below[j],
            (s[0] + s[1]) + (s[2] + s[3]),
            n,
            qs[j],
        )?;
        out[j] = (value, sum, n);
    }
    Some(out)
}

/// The counting and gathering pass of [`quantiles_windowed`], a pulp
/// operation so that its blocks compile for the CPU's vector width (a
/// closure handed to `Arch::dispatch` is called, not inlined, and runs
/// without those target features). Output: per window the counts and the 4
/// lane sums of the values below it, the NaN count per lane, and how many
/// values each window holds; `None` when a window reached its capacity.
struct WindowPass<'a, const K: usize> {
    x: &'a [f64],
    lo: [f64; K],
    hi: [f64; K],
    cap: [usize; K],
    win: &'a mut [Vec<f64>; K],
}

/// What [`WindowPass`] gives: counts below, lane sums below, NaN lanes, fill.
type WindowCounts<const K: usize> = ([[u64; 4]; K], [[f64; 4]; K], [u64; 4], [usize; K]);

impl<const K: usize> pulp::WithSimd for WindowPass<'_, K> {
    type Output = Option<WindowCounts<K>>;

    #[inline(always)]
    fn with_simd<V: pulp::Simd>(self, _simd: V) -> Self::Output {
        let Self {
            x,
            lo,
            hi,
            cap,
            win,
        } = self;
        // window slices and accumulators as locals: kept in registers
        let win: [&mut [f64]; K] = win.each_mut().map(|w| w.as_mut_slice());
        let mut below_sum = [[0.0f64; 4]; K];
        let mut below4 = [[0u64; 4]; K];
        let mut nan4 = [0u64; 4];
        let mut fill = [0usize; K];
        macro_rules! count4 {
            ($c:expr) => {{
                let c: &[f64] = $c;
                let mut inside = false;
                for l in 0..4 {
                    nan4[l] += u64::from(c[l].is_nan());
                }
                for j in 0..K {
                    for l in 0..4 {
                        let v = c[l];
                        let under = v < lo[j];
                        below4[j][l] += u64::from(under);
                        below_sum[j][l] += if under { v } else { 0.0 };
                        inside |= v >= lo[j] && v <= hi[j];
                    }
                }
                inside
            }};
        }
        macro_rules! gather {
            ($v:expr) => {{
                let v: f64 = $v;
                for j in 0..K {
                    if v >= lo[j] && v <= hi[j] {
                        win[j][fill[j]] = v;
                        fill[j] += 1;
                        if fill[j] == cap[j] {
                            return None;
                        }
                    }
                }
            }};
        }
        let mut eights = x.chunks_exact(8);
        for c in &mut eights {
            let a = count4!(&c[..4]);
            let b = count4!(&c[4..]);
            if a | b {
                for &v in c {
                    gather!(v);
                }
            }
        }
        let mut fours = eights.remainder().chunks_exact(4);
        for c in &mut fours {
            if count4!(c) {
                for &v in c {
                    gather!(v);
                }
            }
        }
        for &v in fours.remainder() {
            nan4[0] += u64::from(v.is_nan());
            for j in 0..K {
                let under = v < lo[j];
                below4[j][0] += u64::from(under);
                below_sum[j][0] += if under { v } else { 0.0 };
            }
            gather!(v);
        }
        Some((below4, below_sum, nan4, fill))
    }
}

#[cfg(test)]
mod fast_path_tests {
    #![allow(clippy::unwrap_used)]

    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;

    /// The window pass before blocks of 8 (every value appended branch-free):
    /// the reference the blocked pass must equal bit for bit.
    #[allow(clippy::needless_range_loop)]
    fn quantiles_windowed_value_by_value<const K: usize>(
        x: &[f64],
        qs: [f64; K],
    ) -> Option<[(f64, f64, usize); K]> {
        let len = x.len();
        let m = (len / 16).clamp(256, 16_384);
        let step = len / m;
        let mut sample: Vec<f64> = (0..m)
            .map(|i| x[i * step])
            .filter(|v| !v.is_nan())
            .collect();
        if sample.len() < m / 2 {
            return None;
        }
        let ms = sample.len();
        let last = (ms - 1) as f64;
        let mut lo = [f64::NEG_INFINITY; K];
        let mut hi = [f64::INFINITY; K];
        let mut cap = [0usize; K];
        for j in 0..K {
            let q = qs[j];
            let r = q * last;
            let margin = 4.0 * (ms as f64 * q * (1.0 - q)).sqrt() + 8.0;
            let (a, b) = ((r - margin).floor(), (r + margin).ceil());
            if a >= 0.0 {
                lo[j] = *sample.select_nth_unstable_by(a as usize, f64::total_cmp).1;
            }
            if b <= last {
                hi[j] = *sample.select_nth_unstable_by(b as usize, f64::total_cmp).1;
            }
            let share = (b.min(last) - a.max(0.0) + 1.0) / ms as f64;
            cap[j] = (share * 1.5 * len as f64) as usize + 64;
        }
        if cap.iter().sum::<usize>() > len / 2 {
            return None;
        }
        let mut below = [0usize; K];
        let mut below_sum = [[0.0f64; 4]; K];
        let mut n_nan = 0usize;
        let mut win: [Vec<f64>; K] = std::array::from_fn(|j| vec![0.0; cap[j] + 1]);
        let mut fill = [0usize; K];
        let chunks = x.chunks_exact(4);
        let rest = chunks.remainder();
        // Branch-free: every value is written at the window's end, which advances
        // only for values inside; 4 partial sums keep the adds off one chain.
        macro_rules! visit {
            ($v:expr, $lane:expr) => {{
                let v: f64 = $v;
                n_nan += v.is_nan() as usize;
                for j in 0..K {
                    let under = v < lo[j];
                    below[j] += under as usize;
                    below_sum[j][$lane] += if under { v } else { 0.0 };
                    win[j][fill[j]] = v;
                    fill[j] += (v >= lo[j] && v <= hi[j]) as usize;
                    if fill[j] == cap[j] {
                        return None;
                    }
                }
            }};
        }
        for c in chunks {
            visit!(c[0], 0);
            visit!(c[1], 1);
            visit!(c[2], 2);
            visit!(c[3], 3);
        }
        for &v in rest {
            visit!(v, 0);
        }
        let n = len - n_nan;
        let mut out = [(f64::NAN, f64::NAN, n); K];
        for j in 0..K {
            let s = below_sum[j];
            let (value, sum) = select_quantile(
                &mut win[j][..fill[j]],
                below[j],
                (s[0] + s[1]) + (s[2] + s[3]),
                n,
                qs[j],
            )?;
            out[j] = (value, sum, n);
        }
        Some(out)
    }

    #[test]
    fn blocked_window_pass_equals_the_value_by_value_pass_bit_for_bit() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(77);
        for len in [4097, 4100, 4103, 5000, 8191, 20_011, 100_003] {
            let mut x = data(len as u64, len);
            for _ in 0..len / 500 {
                let i = rng.random_range(0..len);
                x[i] = f64::NAN;
            }
            for qs in [[0.05, 0.95], [0.01, 0.5], [0.0, 1.0]] {
                let got = quantiles_windowed(&x, qs);
                let want = quantiles_windowed_value_by_value(&x, qs);
                let bits = |r: Option<[(f64, f64, usize); 2]>| {
                    r.map(|a| a.map(|(v, s, n)| (v.to_bits(), s.to_bits(), n)))
                };
                assert_eq!(bits(got), bits(want), "len {len} qs {qs:?}");
            }
            let got = quantiles_windowed(&x, [0.05]);
            let want = quantiles_windowed_value_by_value(&x, [0.05]);
            assert_eq!(
                got.map(|a| a.map(|(v, s, n)| (v.to_bits(), s.to_bits(), n))),
                want.map(|a| a.map(|(v, s, n)| (v.to_bits(), s.to_bits(), n)))
            );
        }
        // sorted data: the windows miss, both give None
        let sorted: Vec<f64> = (0..10_000).map(f64::from).collect();
        assert_eq!(
            quantiles_windowed(&sorted, [0.05, 0.95]).is_some(),
            quantiles_windowed_value_by_value(&sorted, [0.05, 0.95]).is_some()
        );
    }
    use crate::simd::SimdPath;

    /// `ExactProduct` against the hardware multiply, bit for bit after every
    /// step: subnormal starts (tiny, mid-range and near-normal m, both signs,
    /// signed zeros), factors near 1 (the stuck case), tie makers (x.5
    /// products, 1 ± 2⁻⁵² on m near 2⁵¹ where the rounded product is a tie
    /// but the exact one is not), negatives, zeros, infinities, NaN, huge and
    /// tiny factors; re-entering the subnormal form every few steps.
    #[test]
    fn exact_product_is_the_hardware_multiply() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(41);
        let sub = |m: f64| (m * ExactProduct::DOWN) * ExactProduct::DOWN;
        let special = [
            1.0,
            0.5,
            1.5,
            2.5,
            3.0,
            0.75,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
            1.0 + f64::EPSILON / 2.0,
            1.0 - f64::EPSILON,
            -1.0,
            -1.5,
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e300,
            1e-300,
            2.0_f64.powi(52),
            f64::MIN_POSITIVE,
        ];
        let mut steps = 0usize;
        for case in 0..4000 {
            let m0: f64 = match case % 6 {
                0 => f64::from(rng.random_range(1_u32..64)),
                1 => (rng.random::<f64>() * TWO_52).floor(),
                2 => TWO_52 - f64::from(rng.random_range(1_u32..1000)),
                3 => (TWO_52 / 2.0) - f64::from(rng.random_range(0_u32..4)) - 1.0,
                4 => -(rng.random::<f64>() * 1e6).floor() - 1.0,
                _ => {
                    if rng.random::<bool>() {
                        0.0
                    } else {
                        -0.0
                    }
                }
            };
            let mut w = sub(m0);
            let mut p = ExactProduct::new(w);
            for step in 0..200 {
                let f = match rng.random_range(0_u32..10) {
                    0..=4 => 1.0 + (rng.random::<f64>() - 0.5) * 0.03,
                    5 => 1.0 + (rng.random::<f64>() - 0.5) * 2e-14,
                    6 => rng.random::<f64>() * 4.0,
                    7 => f64::from(rng.random_range(1_u32..8)) * 0.5,
                    _ => special[rng.random_range(0..special.len())],
                };
                if step % 5 == 0 {
                    // eight at once: mostly stuck factors, sometimes one that moves m
                    let mut f8 = [1.0_f64; 8];
                    for v in &mut f8 {
                        *v = if rng.random_range(0_u32..16) == 0 {
                            special[rng.random_range(0..special.len())]
                        } else {
                            1.0 + (rng.random::<f64>() - 0.5) * 1.2 / p.v.abs().max(1.0)
                        };
                    }
                    p.mul8(&f8);
                    for v in f8 {
                        w *= v;
                    }
                } else {
                    w *= f;
                    p.mul(f);
                }
                let got = p.value();
                assert!(
                    got.to_bits() == w.to_bits() || (got.is_nan() && w.is_nan()),
                    "case {case} (m0 {m0}) step {step}: f {f:e}: {got:e} vs hardware {w:e}"
                );
                if step % 17 == 0 {
                    p = ExactProduct::new(w);
                }
                steps += 1;
            }
        }
        assert_eq!(steps, 800_000);
        // the tie corrected by the exact error term: m odd near 2^51, f = 1 + 2^-52
        let m = TWO_52 / 2.0 - 1.0;
        let mut p = ExactProduct::new(sub(m));
        p.mul(1.0 + f64::EPSILON);
        assert_eq!(
            p.value().to_bits(),
            (sub(m) * (1.0 + f64::EPSILON)).to_bits()
        );
        assert!(p.sub);
    }

    fn data(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n)
            .map(|_| (rng.random::<f64>() - 0.5) * 0.03 + 1e-4)
            .collect()
    }

    /// The definitions the fast paths replace: a sorted copy of the non-NaN values.
    fn sorted(x: &[f64]) -> Vec<f64> {
        let mut s: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        s.sort_unstable_by(f64::total_cmp);
        s
    }

    fn q_sorted(s: &[f64], q: f64) -> f64 {
        crate::stats::quantile_sorted(s, q)
    }

    /// The up/down capture definition the branch-free pass replaces: CAGR of
    /// the filtered copies, divided.
    fn capture_by_copies(r: &[f64], b: &[f64], up: bool, ann: f64) -> f64 {
        let (fr, fb): (Vec<f64>, Vec<f64>) = r
            .iter()
            .zip(b)
            .filter(|(x, y)| !x.is_nan() && !y.is_nan() && if up { **y > 0.0 } else { **y < 0.0 })
            .map(|(x, y)| (*x, *y))
            .unzip();
        if fr.is_empty() {
            return f64::NAN;
        }
        let cagr = |v: &[f64]| {
            v.iter()
                .map(|x| 1.0 + x)
                .product::<f64>()
                .powf(ann / v.len() as f64)
                - 1.0
        };
        cagr(&fr) / cagr(&fb)
    }

    #[test]
    fn market_capture_is_bit_for_bit_the_filtered_definition() {
        let o = ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..ReturnsOptions::default()
        };
        for (seed, n) in [(2, 1), (3, 7), (4, 252), (5, 10_000)] {
            let r = data(seed, n);
            let mut b = data(seed + 100, n);
            // exact zeros, negative zeros and NaN in the benchmark; NaN in the strategy
            for (i, v) in b.iter_mut().enumerate() {
                match i % 11 {
                    3 => *v = 0.0,
                    5 => *v = -0.0,
                    7 => *v = f64::NAN,
                    _ => {}
                }
            }
            let mut r = r;
            if n > 9 {
                r[9] = f64::NAN;
            }
            let up = up_capture(&r, &b, &o).unwrap();
            let down = down_capture(&r, &b, &o).unwrap();
            let (eu, ed) = (
                capture_by_copies(&r, &b, true, 252.0),
                capture_by_copies(&r, &b, false, 252.0),
            );
            assert!(
                up.to_bits() == eu.to_bits() || (up.is_nan() && eu.is_nan()),
                "n={n}: up {up} vs {eu}"
            );
            assert!(
                down.to_bits() == ed.to_bits() || (down.is_nan() && ed.is_nan()),
                "n={n}: down {down} vs {ed}"
            );
        }
        // a long falling market: the benchmark's down-market product goes
        // subnormal and sticks there, the strategy's goes subnormal too, then
        // recovers; still bit for bit the in-order filtered product
        for (seed, n, drift) in [
            (11, 300_000, -0.004),
            (12, 120_000, -0.006),
            (13, 5_000, -0.3),
        ] {
            let mut r = data(seed, n);
            let b: Vec<f64> = data(seed + 100, n).iter().map(|v| v + drift).collect();
            for (i, v) in r.iter_mut().enumerate() {
                *v += if i < n / 2 { drift * 3.0 } else { -drift * 4.5 };
            }
            r[n / 3] = f64::NAN;
            let down = down_capture(&r, &b, &o).unwrap();
            let ed = capture_by_copies(&r, &b, false, 252.0);
            assert!(
                down.to_bits() == ed.to_bits() || (down.is_nan() && ed.is_nan()),
                "n={n}: down {down} vs {ed}"
            );
            let up = up_capture(&r, &b, &o).unwrap();
            let eu = capture_by_copies(&r, &b, true, 252.0);
            assert!(up.to_bits() == eu.to_bits() || (up.is_nan() && eu.is_nan()));
        }
        // all benchmark periods down: no up market, NaN
        let r = data(9, 50);
        let b: Vec<f64> = r.iter().map(|v| -v.abs() - 1e-3).collect();
        assert!(up_capture(&r, &b, &o).unwrap().is_nan());
    }

    fn rel(a: f64, b: f64) -> f64 {
        if a == b {
            0.0
        } else {
            (a - b).abs() / b.abs().max(1e-300)
        }
    }

    /// Series that exercise the windowed selection and its fallback: random
    /// (windows hold the ranks), ascending and descending (the strided sample
    /// is exact), periodic with the sample's stride (the sample sees one
    /// value: the window misses and the full copy is selected), heavy ties,
    /// NaN sprinkled, ±inf present, short and long.
    fn cases() -> Vec<(String, Vec<f64>)> {
        let mut out = Vec::new();
        for n in [1usize, 2, 3, 7, 252, 2520, 4097, 10_000, 100_003] {
            out.push((format!("random {n}"), data(n as u64, n)));
        }
        let mut asc = data(5, 50_000);
        asc.sort_unstable_by(f64::total_cmp);
        let mut desc = asc.clone();
        desc.reverse();
        out.push(("ascending".into(), asc));
        out.push(("descending".into(), desc));
        let periodic: Vec<f64> = (0..65_536)
            .map(|i| if i % 16 == 0 { 0.5 } else { -(i as f64) * 1e-6 })
            .collect();
        out.push(("periodic".into(), periodic));
        let ties: Vec<f64> = (0..30_000)
            .map(|i| ((i * 7919) % 5) as f64 * 0.01 - 0.02)
            .collect();
        out.push(("ties".into(), ties));
        let mut nan = data(9, 20_000);
        for i in (0..nan.len()).step_by(7) {
            nan[i] = f64::NAN;
        }
        out.push(("nan every 7th".into(), nan));
        let mut inf = data(11, 20_000);
        inf[3] = f64::NEG_INFINITY;
        inf[17] = f64::INFINITY;
        out.push(("with inf".into(), inf));
        out.push(("all NaN".into(), vec![f64::NAN; 5000]));
        out
    }

    #[test]
    fn selected_quantiles_equal_the_sorted_ones_exactly() {
        for (name, x) in cases() {
            let s = sorted(&x);
            for q in [0.0, 0.01, 0.05, 0.3, 0.5, 0.95, 0.99] {
                let [(got, sum, n)] = quantiles_with_count(&x, [q]);
                let want = q_sorted(&s, q);
                assert_eq!(n, s.len(), "{name} q={q}");
                assert!(
                    got == want || (got.is_nan() && want.is_nan()),
                    "{name} q={q}: {got} vs {want}"
                );
                if !s.is_empty() {
                    let k = ((s.len() - 1) as f64 * q) as usize;
                    let want_sum: f64 = s[..=k].iter().sum();
                    // another summation order: bounded by the sum of magnitudes
                    let scale: f64 = s[..=k].iter().map(|v| v.abs()).sum();
                    assert!(
                        sum == want_sum
                            || (sum - want_sum).abs() <= 1e-12 * scale
                            || (sum.is_nan() && want_sum.is_nan()),
                        "{name} q={q}: sum {sum} vs {want_sum}"
                    );
                }
            }
            let [(a, _), (b, _)] = quantiles(&x, [0.95, 0.05]);
            let (wa, wb) = (q_sorted(&s, 0.95), q_sorted(&s, 0.05));
            assert!((a == wa && b == wb) || s.is_empty(), "{name}: pair");
        }
    }

    #[test]
    fn var_cvar_and_tail_ratio_match_their_definitions() {
        let o = ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..Default::default()
        };
        for (name, x) in cases() {
            let s = sorted(&x);
            if s.is_empty() {
                assert!(
                    value_at_risk(&x, 0.05, VarMethod::Historical, &o)
                        .unwrap()
                        .is_nan()
                );
                continue;
            }
            let var = value_at_risk(&x, 0.05, VarMethod::Historical, &o).unwrap();
            assert_eq!(var.to_bits(), q_sorted(&s, 0.05).to_bits(), "{name}");
            let k = ((s.len() - 1) as f64 * 0.05) as usize;
            let cvar = conditional_value_at_risk(&x, 0.05, VarMethod::Historical, &o).unwrap();
            let want = mean(&s[..=k]);
            assert!(
                cvar == want || rel(cvar, want) < 1e-12,
                "{name}: {cvar} vs {want}"
            );
            let tr = tail_ratio(&x, &o).unwrap();
            let want = q_sorted(&s, 0.95).abs() / q_sorted(&s, 0.05).abs();
            assert!(
                tr == want || (tr.is_nan() && want.is_nan()),
                "{name}: {tr} vs {want}"
            );
        }
    }

    /// The moment-based metrics on the one-pass path against two-pass
    /// formulas on the NaN-free values, on every SIMD path.
    #[test]
    fn moments_agree_with_two_pass_formulas_on_every_path() {
        let mut inputs = cases();
        // first value far from the mean: the shifted sums cancel and the
        // second pass about the mean runs
        let mut far = data(3, 10_000);
        far[0] = 1e3;
        inputs.push(("far first value".into(), far));
        let mut offset = data(4, 3000);
        offset.iter_mut().for_each(|v| *v += 1e4);
        inputs.push(("large offset".into(), offset));
        inputs.push(("constant".into(), vec![0.003; 1000]));
        for (name, x) in inputs {
            let clean: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
            if clean.len() < 2 || clean.iter().any(|v| v.is_infinite()) {
                continue;
            }
            let mu = mean(&clean);
            let sd = std_dev(&clean, 1);
            let req = 0.001;
            let dn: f64 = clean.iter().map(|v| (v - req).min(0.0).powi(2)).sum();
            let prod: f64 = clean.iter().map(|v| 1.0 + v).product();
            for path in [SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512] {
                let arch = simd::arch_for(path);
                let shift = clean[0];
                let m = simd::moments_on(arch, &x, 0.0, shift, req, true);
                let plain = simd::moments_on(arch, &x, 0.0, shift, req, false);
                assert_eq!(
                    (plain.n, plain.s1, plain.s2),
                    (m.n, m.s1, m.s2),
                    "{name} {path:?}"
                );
                assert_eq!(m.n, clean.len(), "{name}");
                let f = FastMoments::new(&x, m, 0.0, shift);
                let scale = clean.iter().map(|v| v.abs()).sum::<f64>() / clean.len() as f64;
                assert!(
                    (f.mean() - mu).abs() <= 1e-12 * scale,
                    "{name} {path:?}: mean {} vs {mu}",
                    f.mean()
                );
                let got = f.std(1);
                assert!(
                    got == sd || rel(got, sd) < 1e-10,
                    "{name} {path:?}: std {got} vs {sd}"
                );
                assert!(rel(m.down2, dn) < 1e-12, "{name} {path:?}: down2");
                let (p, n_nan) = simd::growth_on(arch, &x);
                assert_eq!(n_nan, x.len() - clean.len(), "{name}");
                if let Some(p) = p {
                    assert!(
                        rel(p, prod) < 1e-12,
                        "{name} {path:?}: product {p} vs {prod}"
                    );
                }
                // declined (a lane's partial product left the normal range)
                // or not, the public function gives the in-order product's CAGR
                let o = ReturnsOptions {
                    nan_policy: NanPolicy::Skip,
                    ..Default::default()
                };
                let want = prod.powf(252.0 / x.len() as f64) - 1.0;
                let got = annual_return(&x, &o).unwrap();
                assert!(
                    got == want || rel(got, want) < 1e-12,
                    "{name}: CAGR {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn stability_agrees_with_the_two_pass_regression_on_every_path() {
        let mut big = data(21, 50_000);
        big[100] = 0.6; // a lane outside the polynomial's range: libm there
        big[101] = -0.5;
        let mut inputs = vec![
            ("random 2".to_string(), data(1, 2)),
            ("random 253".to_string(), data(2, 253)),
            ("random 100003".to_string(), data(3, 100_003)),
            ("outliers".to_string(), big),
            ("zeros".to_string(), vec![0.0; 1000]),
            (
                "jump then flat".to_string(),
                (0..5000).map(|i| if i == 0 { 0.5 } else { 0.0 }).collect(),
            ),
            (
                "trend".to_string(),
                (0..3000).map(|i| 1e-3 + (i % 3) as f64 * 1e-6).collect(),
            ),
        ];
        inputs.push((
            "no trend".into(),
            (0..4000)
                .map(|i| if i % 2 == 0 { 0.01 } else { -0.01 / 1.01 })
                .collect(),
        ));
        for (name, x) in inputs {
            let mut y = Vec::new();
            let mut acc = 0.0;
            for v in &x {
                acc += f64::ln_1p(*v);
                y.push(acc);
            }
            let t: Vec<f64> = (0..y.len()).map(|i| i as f64).collect();
            let c = pearson(&t, &y);
            let want = c * c;
            for path in [SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512] {
                let arch = simd::arch_for(path);
                let n = x.len() as f64;
                let a = simd::trend_sums_on(arch, &x, 0.0).unwrap();
                let b = simd::trend_sums_on(arch, &x, a.sy / n).unwrap();
                let cyy = b.syy - b.sy * (b.sy / n);
                let cxx = n * (n * n - 1.0) / 12.0;
                let got = if cyy > 0.0 {
                    (a.sty / (cxx * cyy).sqrt()).powi(2)
                } else {
                    0.0
                };
                assert!(
                    (got - want).abs() <= 1e-10 * want.max(1e-3),
                    "{name} {path:?}: {got} vs {want}"
                );
            }
            let o = ReturnsOptions::default();
            let got = stability_of_timeseries(&x, &o).unwrap();
            assert!(
                (got - want).abs() <= 1e-10 * want.max(1e-3),
                "{name}: {got} vs {want}"
            );
        }
        let mut nan = data(5, 1000);
        nan[3] = f64::NAN;
        assert!(simd::trend_sums(&nan, 0.0).is_none());
        assert!(simd::trend_sums(&[0.1, -1.0, 0.2], 0.0).is_none());
    }

    #[test]
    fn active_moments_equal_the_stored_difference() {
        for (n, far) in [
            (2usize, false),
            (3, false),
            (1001, false),
            (50_003, false),
            (5000, true),
        ] {
            let r = data(n as u64, n);
            let mut b = data(n as u64 + 7, n);
            if far {
                b[0] = -1e3; // first difference far from the mean: the second pass runs
            }
            let active: Vec<f64> = r.iter().zip(&b).map(|(x, y)| x - y).collect();
            let (mu, sd) = active_mean_std(&r, &b, 1);
            assert!(
                (mu - mean(&active)).abs()
                    <= 1e-13 * active.iter().map(|v| v.abs()).sum::<f64>() / n as f64
            );
            let want = std_dev(&active, 1);
            assert!(sd == want || rel(sd, want) < 1e-10, "{n}: {sd} vs {want}");
        }
        // a constant difference has a standard deviation of exactly 0
        let (r, b) = ([0.5, 0.75, 1.0], [0.25, 0.5, 0.75]);
        assert_eq!(active_mean_std(&r, &b, 1), (0.25, 0.0));
    }

    #[test]
    fn policies_hold_on_the_fast_paths() {
        let mut x = data(1, 1000);
        x[500] = f64::NAN;
        let err = ReturnsOptions {
            nan_policy: NanPolicy::Error,
            ..Default::default()
        };
        let prop = ReturnsOptions {
            nan_policy: NanPolicy::Propagate,
            ..Default::default()
        };
        for f in [
            sharpe_ratio,
            sortino_ratio,
            annual_volatility,
            downside_risk,
            annual_return,
            tail_ratio,
        ] {
            assert!(matches!(
                f(&x, &err),
                Err(Error::NonFinite { index: 500, .. })
            ));
            assert!(f(&x, &prop).unwrap().is_nan());
        }
        assert!(matches!(
            value_at_risk(&x, 0.05, VarMethod::Historical, &err),
            Err(Error::NonFinite { index: 500, .. })
        ));
        assert!(
            value_at_risk(&x, 0.05, VarMethod::Historical, &prop)
                .unwrap()
                .is_nan()
        );
        let mut y = data(2, 1000);
        y[10] = f64::INFINITY;
        assert!(matches!(
            sharpe_ratio(&y, &err),
            Err(Error::NonFinite { index: 10, .. })
        ));
    }
}
