//! One fused pass over a returns series computing every single-series metric.
//!
//! [`core_metrics`] computes the five metrics most dashboards show (Sharpe,
//! Sortino, max drawdown, annual return, annual volatility) in a single pass
//! with no allocation. [`Summary::compute`] adds everything else in the same
//! pass, plus one sort of a copy for the quantile metrics (VaR, CVaR, tail
//! ratio). Results equal the individual functions of [`super::basic`] up to
//! floating-point rounding (shifted power sums instead of two-pass moments);
//! a test checks the agreement to 1e-10 relative.

use std::collections::BTreeMap;

use pulp::{Arch, Simd, WithSimd};
use serde::{Deserialize, Serialize};

use super::basic::{gaussian_es, gaussian_var, profit_factor_of, same_len};
use crate::conventions::{NanPolicy, ReturnsOptions};
use crate::error::{Error, Result};
use crate::simd::{self, SimdPath};

/// The five headline metrics, computed in one pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CoreMetrics {
    /// Annualised Sharpe ratio (see [`super::sharpe_ratio`]).
    pub sharpe_ratio: f64,
    /// Annualised Sortino ratio (see [`super::sortino_ratio`]).
    pub sortino_ratio: f64,
    /// Maximum drawdown, ≤ 0 (see [`super::max_drawdown`]).
    pub max_drawdown: f64,
    /// CAGR (see [`super::annual_return`]).
    pub annual_return: f64,
    /// Annualised volatility (see [`super::annual_volatility`]).
    pub annual_volatility: f64,
}

/// Accumulators of the fused pass.
#[derive(Debug, Clone, Copy)]
struct Acc {
    n: usize,
    n_nan: usize,
    shift: f64,
    s1: f64,
    s2: f64,
    down2: f64,
    wealth: f64,
    peak: f64,
    min_ratio: f64,
}

impl Acc {
    fn new(shift: f64) -> Self {
        Acc {
            n: 0,
            n_nan: 0,
            shift,
            s1: 0.0,
            s2: 0.0,
            down2: 0.0,
            wealth: 1.0,
            peak: 1.0,
            min_ratio: 1.0,
        }
    }
}

/// Checks the policy and returns Ok(false) when the result must be NaN (Propagate).
fn scan_policy(returns: &[f64], policy: NanPolicy) -> Result<bool> {
    if returns.is_empty() {
        return Err(Error::Empty {
            param: "returns",
            min: 1,
        });
    }
    match policy {
        NanPolicy::Error => {
            if let Some(i) = returns.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFinite {
                    param: "returns",
                    index: i,
                    value: returns[i],
                });
            }
            Ok(true)
        }
        NanPolicy::Propagate => Ok(!returns.iter().any(|v| v.is_nan())),
        NanPolicy::Skip => Ok(true),
    }
}

#[inline(always)]
fn step(a: &mut Acc, x: f64, req: f64) {
    let d = x - a.shift;
    a.s1 += d;
    a.s2 += d * d;
    let dn = (x - req).min(0.0);
    a.down2 += dn * dn;
    a.wealth *= 1.0 + x;
    if a.wealth > a.peak {
        a.peak = a.wealth;
    }
    let ratio = a.wealth / a.peak;
    if ratio < a.min_ratio {
        a.min_ratio = ratio;
    }
}

fn fused(returns: &[f64], req: f64, arch: Arch) -> Acc {
    let shift = returns.iter().copied().find(|v| !v.is_nan()).unwrap_or(0.0);
    if let Some(a) = fused_finite(returns, shift, req, arch) {
        return a;
    }
    let mut a = Acc::new(shift);
    for &x in returns {
        if x.is_nan() {
            a.n_nan += 1;
            continue;
        }
        a.n += 1;
        step(&mut a, x, req);
    }
    a
}

/// `min` for non-NaN operands: one instruction (`f64::min` adds NaN handling
/// that sits on the dependency chain).
#[inline(always)]
fn fmin(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// `max` for non-NaN operands.
#[inline(always)]
fn fmax(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// The fast path for finite input, 4 values per iteration.
///
/// Sums run in 4 independent lanes; the wealth chain advances one multiply per
/// 4 values (block prefix products are computed off the chain); the maximum
/// drawdown is tracked per peak segment (trough / peak when a new peak starts),
/// so there is no division per value. Returns `None` when the input holds a NaN
/// or ±inf (then the sum of squares is not finite) or a return ≤ −1, and the
/// careful per-value loop runs instead. Measured on 10M values: 35 ms for the straightforward
/// loop (one division and a 4-cycle multiply chain per value) vs the figure in
/// docs/performance.md for this one.
fn fused_finite(returns: &[f64], shift: f64, req: f64, arch: Arch) -> Option<Acc> {
    if returns.len() < PARALLEL_MIN_LEN
        || rayon::current_thread_index().is_none()
        || rayon::current_num_threads() < 2
    {
        return fused_finite_seq(returns, shift, req, arch);
    }
    // Two halves on two threads, merged exactly (see `merge_halves`) — only
    // when the caller runs inside a rayon pool of ≥ 2 threads (its opt-in:
    // `pool.install(|| core_metrics(..))`). A plain call stays on its own
    // thread: the pass is bound by memory bandwidth (≈ 2× the read floor on
    // one thread), and on the shared 2-core machine the split measured
    // 5.8 ms against 4.4 ms on one thread from Python (docs/performance.md,
    // issue 19).
    let mid = returns.len() / 2;
    let (head, tail) = returns.split_at(mid);
    let (a, b) = rayon::join(
        || fused_finite_seq(head, shift, req, arch),
        || fused_finite_seq(tail, shift, req, arch),
    );
    Some(merge_halves(a?, b?, tail))
}

/// Maximum drawdown of a series of finite returns > −1 from the vectorised
/// fused pass (the drawdown part of [`core_metrics`]); `None` for any other
/// input (NaN, ±inf, a return ≤ −1), which the careful loop then handles.
/// Never split across threads (so `tests/fused_parallel.rs` still compares
/// the split path with an unsplit one).
pub(crate) fn fused_max_drawdown(returns: &[f64]) -> Option<f64> {
    let shift = *returns.first()?;
    fused_finite_seq(returns, shift, 0.0, simd::arch()).map(|a| a.min_ratio - 1.0)
}

/// Below this length the series is not split across threads (the join costs
/// a few microseconds; a series of 2^20 values takes about 1.5 ms).
const PARALLEL_MIN_LEN: usize = 1 << 20;

/// Merges the accumulators of two consecutive halves.
///
/// Sums add and wealth multiplies. The drawdown is exact: `b` was computed as
/// if its wealth started at 1 with a peak of 1; its true wealth is
/// `a.wealth · w_t` and its true peak `max(a.peak, a.wealth · m_t)`, with `m_t`
/// the running peak of `b` on its own. Once `a.wealth · m_t` exceeds
/// `a.peak`, every ratio of `b` equals the one it computed on its own; before
/// that (a prefix of `b`), the true ratio is `a.wealth · w_t / a.peak`, which
/// is at most the ratio `b` computed, so the minimum over that prefix is
/// recomputed here and `b`'s own values there are dominated.
fn merge_halves(a: Acc, b: Acc, tail: &[f64]) -> Acc {
    let w0 = a.wealth;
    let p = a.peak;
    // Lowest true wealth of `b`'s prefix that stays below the peak of `a`.
    let mut lo = f64::INFINITY;
    let mut w = w0;
    let chunks = tail.chunks_exact(4);
    let rest = chunks.remainder();
    let mut crossed = false;
    for c in chunks {
        let g01 = (1.0 + c[0]) * (1.0 + c[1]);
        let q = [
            1.0 + c[0],
            g01,
            g01 * (1.0 + c[2]),
            g01 * ((1.0 + c[2]) * (1.0 + c[3])),
        ];
        let qmax = fmax(fmax(q[0], q[1]), fmax(q[2], q[3]));
        if w * qmax > p {
            for qk in q {
                let wk = w * qk;
                if wk > p {
                    crossed = true;
                    break;
                }
                lo = fmin(lo, wk);
            }
            break;
        }
        lo = fmin(lo, w * fmin(fmin(q[0], q[1]), fmin(q[2], q[3])));
        w *= q[3];
    }
    if !crossed {
        for &x in rest {
            w *= 1.0 + x;
            if w > p {
                break;
            }
            lo = fmin(lo, w);
        }
    }
    Acc {
        n: a.n + b.n,
        n_nan: a.n_nan + b.n_nan,
        shift: a.shift,
        s1: a.s1 + b.s1,
        s2: a.s2 + b.s2,
        down2: a.down2 + b.down2,
        wealth: a.wealth * b.wealth,
        peak: fmax(a.peak, a.wealth * b.peak),
        min_ratio: fmin(fmin(a.min_ratio, b.min_ratio), lo / p),
    }
}

fn fused_finite_seq(returns: &[f64], shift: f64, req: f64, arch: Arch) -> Option<Acc> {
    // Vectorised when the CPU has AVX2 or AVX-512 (chosen at run time, or
    // forced with TRADEWARDEN_SIMD: see `crate::simd`); the scalar loop below
    // otherwise, and for the rare inputs the vector path declines (a return
    // ≤ −1).
    if returns.len() >= SIMD_MIN_LEN {
        let op = FusedSimd {
            x: returns,
            shift,
            req,
        };
        if let Some(Some(a)) = arch.dispatch(op) {
            return Some(a);
        }
    }
    // The common required return of 0 saves one subtraction per value.
    if req == 0.0 {
        fused_finite_impl::<true>(returns, shift, req)
    } else {
        fused_finite_impl::<false>(returns, shift, req)
    }
}

#[inline(always)]
fn fused_finite_impl<const ZERO_REQ: bool>(returns: &[f64], shift: f64, req: f64) -> Option<Acc> {
    let mut s1 = [0.0f64; 4];
    let mut s2 = [0.0f64; 4];
    let mut dn = [0.0f64; 4];
    let mut wealth = 1.0f64;
    let mut peak = 1.0f64;
    let mut trough = 1.0f64;
    let mut min_ratio = 1.0f64;
    // Lowest return per lane: a return ≤ −1 makes wealth non-positive, where
    // the block shortcuts below (trough = w0 · qmin) no longer hold.
    let mut lowest = [f64::INFINITY; 4];
    let chunks = returns.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            lowest[k] = fmin(lowest[k], c[k]);
            let d = c[k] - shift;
            s1[k] += d;
            s2[k] += d * d;
            let e = if ZERO_REQ {
                fmin(c[k], 0.0)
            } else {
                fmin(c[k] - req, 0.0)
            };
            dn[k] += e * e;
        }
        let g0 = 1.0 + c[0];
        let g1 = 1.0 + c[1];
        let g2 = 1.0 + c[2];
        let g3 = 1.0 + c[3];
        let p01 = g0 * g1;
        let q = [g0, p01, p01 * g2, p01 * (g2 * g3)];
        let w0 = wealth;
        // Off the chain: the block's highest and lowest relative wealth.
        let qmax = fmax(fmax(q[0], q[1]), fmax(q[2], q[3]));
        if w0 * qmax > peak {
            // A new peak inside the block: walk it value by value.
            for qk in q {
                let w = w0 * qk;
                if w > peak {
                    min_ratio = fmin(min_ratio, trough / peak);
                    peak = w;
                    trough = w;
                } else {
                    trough = fmin(trough, w);
                }
            }
        } else {
            let qmin = fmin(fmin(q[0], q[1]), fmin(q[2], q[3]));
            trough = fmin(trough, w0 * qmin);
        }
        wealth = w0 * q[3];
    }
    for (k, &x) in rest.iter().enumerate() {
        lowest[k] = fmin(lowest[k], x);
        let d = x - shift;
        s1[k] += d;
        s2[k] += d * d;
        let e = (x - req).min(0.0);
        dn[k] += e * e;
        wealth *= 1.0 + x;
        if wealth > peak {
            min_ratio = min_ratio.min(trough / peak);
            peak = wealth;
            trough = wealth;
        } else {
            trough = trough.min(wealth);
        }
    }
    min_ratio = min_ratio.min(trough / peak);
    let s2: f64 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
    if !s2.is_finite() || lowest.iter().any(|x| !(*x > -1.0)) {
        return None;
    }
    Some(Acc {
        n: returns.len(),
        n_nan: 0,
        shift,
        s1: (s1[0] + s1[1]) + (s1[2] + s1[3]),
        s2,
        down2: (dn[0] + dn[1]) + (dn[2] + dn[3]),
        wealth,
        peak,
        min_ratio,
    })
}

/// Below this length the scalar loop is used (dispatch and the lane
/// reductions cost more than they save).
const SIMD_MIN_LEN: usize = 64;

/// Lane indices 0, 1, 2, … (masks for the in-vector prefix scans).
const LANE_INDEX: [f64; 16] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
];

/// The fused pass over finite input, one vector of `L` values (8 with
/// AVX-512, 4 with AVX2) per step.
///
/// Sums accumulate lane-wise. For the drawdown, each block's growth factors
/// `g = 1 + r` give, off the wealth chain, the in-block prefix products `p`
/// (log-step scan) and their prefix maxima `m`; with `W` the wealth before
/// the block and `P` the running peak, the true wealth is `W·p_i` and the
/// true peak `max(P, W·m_i)`, so (for `W > 0`) the drawdown ratio is
/// `W·p_i / max(P, W·m_i) = min((W/P)·p_i, p_i/m_i)`. Both terms are
/// vector operations; only `W ← W·p_last` and `P ← max(P, W·m_last)` are
/// carried from block to block. Returns `Some(None)` for a series the
/// scalar loop must handle (a non-finite value, or a return ≤ −1, where
/// wealth stops being positive), `None` when the CPU has no usable vectors;
/// the scalar loop then runs.
///
/// Measured on 10M values, one thread, the dev machine's AVX-512 CPU, same
/// run (docs/performance.md): 4.4 ms here vs 9.3–11.0 ms for the scalar
/// 4-value-block loop; a plain read of the data takes 2.3 ms.
struct FusedSimd<'a> {
    x: &'a [f64],
    shift: f64,
    req: f64,
}

impl WithSimd for FusedSimd<'_> {
    type Output = Option<Option<Acc>>;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Self::Output {
        let l = S::F64_LANES;
        if !(4..=16).contains(&l) || !l.is_power_of_two() {
            return None;
        }
        let FusedSimd { x, shift, req } = self;
        let (blocks, rest) = S::as_simd_f64s(x);
        let idx = simd.partial_load_f64s(&LANE_INDEX[..l]);
        let zero = simd.splat_f64s(0.0);
        let one = simd.splat_f64s(1.0);
        let ninf = simd.splat_f64s(f64::NEG_INFINITY);
        let vshift = simd.splat_f64s(shift);
        let vreq = simd.splat_f64s(req);
        let mut masks = [simd.less_than_f64s(idx, zero); 4];
        let mut steps = 0;
        while (1usize << steps) < l {
            let s = (1usize << steps) as f64;
            masks[steps] = simd.greater_than_or_equal_f64s(idx, simd.splat_f64s(s));
            steps += 1;
        }
        let (mut s1, mut s2, mut dn) = (zero, zero, zero);
        let mut ratio = one;
        let mut gmin = simd.splat_f64s(f64::INFINITY);
        let (mut w, mut peak) = (1.0f64, 1.0f64);
        let mut last = [0.0f64; 16];
        for &v in blocks {
            let d = simd.sub_f64s(v, vshift);
            s1 = simd.add_f64s(s1, d);
            s2 = simd.mul_add_e_f64s(d, d, s2);
            let e = simd.min_f64s(simd.sub_f64s(v, vreq), zero);
            dn = simd.mul_add_e_f64s(e, e, dn);
            let g = simd.add_f64s(v, one);
            gmin = simd.min_f64s(gmin, g);
            // In-block prefix products.
            let mut p = g;
            for (k, mask) in masks.iter().enumerate().take(steps) {
                let shifted = simd.rotate_right_f64s(p, 1 << k);
                p = simd.mul_f64s(p, simd.select_f64s(*mask, shifted, one));
            }
            let c = w / peak;
            ratio = simd.min_f64s(ratio, simd.mul_f64s(simd.splat_f64s(c), p));
            let (pv, _) = S::as_mut_simd_f64s(&mut last[..l]);
            pv[0] = p;
            let p_last = last[l - 1];
            let p_max = simd.reduce_max_f64s(p);
            if w * p_max > peak {
                // A new high inside the block (rare: a random walk of n
                // steps sets O(√n) records): the running peak moves within
                // the block, and `p_i / m_i` (m the prefix maxima) is the
                // drawdown from it. Otherwise every `m_i ≤ P / W`, so
                // `p_i / m_i ≥ (W/P)·p_i` and the term above is the minimum.
                let mut m = p;
                for (k, mask) in masks.iter().enumerate().take(steps) {
                    let shifted = simd.rotate_right_f64s(m, 1 << k);
                    m = simd.max_f64s(m, simd.select_f64s(*mask, shifted, ninf));
                }
                ratio = simd.min_f64s(ratio, simd.div_f64s(p, m));
                peak = w * p_max;
            }
            w *= p_last;
        }
        if !(simd.reduce_min_f64s(gmin) > 0.0) {
            return Some(None);
        }
        let mut min_ratio = simd.reduce_min_f64s(ratio);
        let (mut s1, mut s2, mut dn) = (
            simd.reduce_sum_f64s(s1),
            simd.reduce_sum_f64s(s2),
            simd.reduce_sum_f64s(dn),
        );
        for &v in rest {
            let d = v - shift;
            s1 += d;
            s2 += d * d;
            let e = (v - req).min(0.0);
            dn += e * e;
            if !(v > -1.0) {
                return Some(None);
            }
            w *= 1.0 + v;
            peak = fmax(peak, w);
            min_ratio = fmin(min_ratio, w / peak);
        }
        if !s2.is_finite() {
            return Some(None);
        }
        Some(Some(Acc {
            n: x.len(),
            n_nan: 0,
            shift,
            s1,
            s2,
            down2: dn,
            wealth: w,
            peak,
            min_ratio,
        }))
    }
}

fn finish_core(a: &Acc, n_raw: usize, opts: &ReturnsOptions, ann: f64) -> CoreMetrics {
    let n = a.n as f64;
    let mean = a.shift + a.s1 / n;
    let var = if a.n > opts.ddof as usize {
        ((a.s2 - a.s1 * a.s1 / n) / (n - opts.ddof as f64)).max(0.0)
    } else {
        f64::NAN
    };
    let std = var.sqrt();
    let enough = a.n >= 2;
    let sharpe = if enough {
        (mean - opts.risk_free) / std * ann.sqrt()
    } else {
        f64::NAN
    };
    let downside = (a.down2 / n).sqrt();
    let sortino = if enough {
        (mean - opts.required_return) * ann / (downside * ann.sqrt())
    } else {
        f64::NAN
    };
    CoreMetrics {
        sharpe_ratio: sharpe,
        sortino_ratio: sortino,
        max_drawdown: a.min_ratio - 1.0,
        annual_return: a.wealth.powf(ann / n_raw as f64) - 1.0,
        annual_volatility: if enough { std * ann.sqrt() } else { f64::NAN },
    }
}

/// Sharpe, Sortino, max drawdown, annual return and annual volatility in one
/// pass, without allocating.
///
/// ```
/// use tradewarden_core::{returns, ReturnsOptions};
/// let r = [0.01, -0.02, 0.015, 0.005, -0.01, 0.02];
/// let o = ReturnsOptions::default();
/// let m = returns::core_metrics(&r, &o).unwrap();
/// assert!((m.sharpe_ratio - returns::sharpe_ratio(&r, &o).unwrap()).abs() < 1e-12);
/// assert!((m.max_drawdown - returns::max_drawdown(&r, &o).unwrap()).abs() < 1e-15);
/// ```
pub fn core_metrics(returns: &[f64], opts: &ReturnsOptions) -> Result<CoreMetrics> {
    core_metrics_arch(returns, opts, simd::arch())
}

/// As [`core_metrics`] on an explicit SIMD path instead of the process-wide
/// one ([`simd::arch`]): the requested instruction set, or the best one below
/// it that the CPU has. For comparing the paths on one machine; results
/// differ from [`core_metrics`]'s in the last bits only (docs/conventions.md,
/// "Results across CPUs").
///
/// ```
/// use tradewarden_core::returns::summary::core_metrics_on;
/// use tradewarden_core::{simd::SimdPath, ReturnsOptions};
/// let r: Vec<f64> = (0..200).map(|i| ((i * 37 % 101) as f64 - 50.0) * 1e-3).collect();
/// let o = ReturnsOptions::default();
/// let s = core_metrics_on(&r, &o, SimdPath::Scalar).unwrap();
/// let v = core_metrics_on(&r, &o, SimdPath::Avx512).unwrap();
/// assert!((s.sharpe_ratio - v.sharpe_ratio).abs() <= 1e-12 * s.sharpe_ratio.abs());
/// ```
pub fn core_metrics_on(
    returns: &[f64],
    opts: &ReturnsOptions,
    path: SimdPath,
) -> Result<CoreMetrics> {
    core_metrics_arch(returns, opts, simd::arch_for(path))
}

fn core_metrics_arch(returns: &[f64], opts: &ReturnsOptions, arch: Arch) -> Result<CoreMetrics> {
    let ann = opts.validate()?;
    if returns.is_empty() {
        return Err(Error::Empty {
            param: "returns",
            min: 1,
        });
    }
    let shift = returns.iter().copied().find(|v| !v.is_nan()).unwrap_or(0.0);
    if let Some(a) = fused_finite(returns, shift, opts.required_return, arch) {
        return Ok(finish_core(&a, returns.len(), opts, ann));
    }
    if !scan_policy(returns, opts.nan_policy)? {
        return Ok(CoreMetrics {
            sharpe_ratio: f64::NAN,
            sortino_ratio: f64::NAN,
            max_drawdown: f64::NAN,
            annual_return: f64::NAN,
            annual_volatility: f64::NAN,
        });
    }
    let a = fused(returns, opts.required_return, arch);
    Ok(finish_core(&a, returns.len(), opts, ann))
}

/// Options of [`Summary::compute`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SummaryOptions {
    /// Shared conventions.
    pub returns: ReturnsOptions,
    /// Tail probability of VaR / CVaR (default 0.05), in [0, 1] as
    /// [`crate::returns::value_at_risk`]'s historical method: 0 gives the
    /// minimum, 1 the maximum (and the mean as CVaR); the Gaussian VaR and
    /// ES, whose quantile is infinite there, are NaN at 0 and 1.
    pub cutoff: f64,
    /// Annual required return of the Omega ratio (empyrical default 0).
    pub omega_required_return: f64,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            returns: ReturnsOptions::default(),
            cutoff: 0.05,
            omega_required_return: 0.0,
        }
    }
}

/// Every single-series metric (and the benchmark-relative ones when a
/// benchmark is given), from one pass plus one sort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Values used (NaN excluded).
    pub n: usize,
    /// NaN values skipped.
    pub n_nan: usize,
    /// Per-period arithmetic mean.
    pub mean: f64,
    /// Per-period standard deviation (ddof from the options).
    pub std: f64,
    /// Smallest return.
    pub worst: f64,
    /// Largest return.
    pub best: f64,
    /// Compounded return `Π(1+r) − 1`.
    pub cumulative_return: f64,
    /// Final wealth multiple `Π(1+r)`.
    pub return_multiple: f64,
    /// CAGR.
    pub annual_return: f64,
    /// Annualised volatility.
    pub annual_volatility: f64,
    /// Annualised Sharpe ratio.
    pub sharpe_ratio: f64,
    /// Annualised Sortino ratio.
    pub sortino_ratio: f64,
    /// Annualised downside deviation.
    pub downside_risk: f64,
    /// Maximum drawdown (≤ 0).
    pub max_drawdown: f64,
    /// Calmar ratio.
    pub calmar_ratio: f64,
    /// Omega ratio at `omega_required_return`.
    pub omega_ratio: f64,
    /// Tail ratio.
    pub tail_ratio: f64,
    /// Historical VaR at `cutoff`.
    pub value_at_risk: f64,
    /// Historical CVaR (expected shortfall) at `cutoff`.
    pub conditional_value_at_risk: f64,
    /// Gaussian VaR at `cutoff`.
    pub gaussian_value_at_risk: f64,
    /// Gaussian expected shortfall at `cutoff`.
    pub gaussian_expected_shortfall: f64,
    /// Skewness (G1).
    pub skew: f64,
    /// Excess kurtosis (G2).
    pub kurtosis: f64,
    /// Stability of the time series (R²).
    pub stability: f64,
    /// Win rate (zeros excluded).
    pub win_rate: f64,
    /// Hit rate (zeros count as misses).
    pub hit_rate: f64,
    /// Profit factor.
    pub profit_factor: f64,
    /// Ulcer index.
    pub ulcer_index: f64,
    /// Benchmark-relative metrics, when a benchmark was given.
    pub benchmark: Option<BenchmarkSummary>,
}

/// Benchmark-relative metrics (the 9 benchmark keys of the operations summary).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkSummary {
    /// Per-period mean of the benchmark.
    pub benchmark_average_return: f64,
    /// CAGR of the benchmark.
    pub benchmark_annualised_return: f64,
    /// Per-period mean of `r − b`.
    pub average_excess_return: f64,
    /// `mean(r − b) · P`.
    pub annualised_excess_return: f64,
    /// `std(r − b, ddof) · √P`.
    pub tracking_error: f64,
    /// Per-period information ratio `mean(r − b) / std(r − b, ddof)`.
    pub information_ratio: f64,
    /// Beta.
    pub beta: f64,
    /// Alpha (empyrical, compounded).
    pub alpha: f64,
    /// Pearson correlation with the benchmark.
    pub benchmark_correlation: f64,
}

impl Summary {
    /// Computes the summary of `returns` (and of `returns` against `benchmark`).
    ///
    /// ```
    /// use tradewarden_core::returns::{Summary, SummaryOptions};
    /// let r = [0.01, -0.02, 0.015, 0.005, -0.01, 0.02];
    /// let s = Summary::compute(&r, None, &SummaryOptions::default()).unwrap();
    /// assert_eq!(s.n, 6);
    /// assert!(s.max_drawdown < 0.0 && s.win_rate > 0.5);
    /// let keys = s.operations_keys();
    /// assert_eq!(keys.len(), 17);
    /// ```
    pub fn compute(
        returns: &[f64],
        benchmark: Option<&[f64]>,
        opts: &SummaryOptions,
    ) -> Result<Summary> {
        let ro = &opts.returns;
        let ann = ro.validate()?;
        if !(0.0..=1.0).contains(&opts.cutoff) {
            return Err(Error::invalid("cutoff", opts.cutoff, "must be in [0, 1]"));
        }
        if !opts.omega_required_return.is_finite() {
            return Err(Error::invalid(
                "omega_required_return",
                opts.omega_required_return,
                "must be finite",
            ));
        }
        if let Some(b) = benchmark {
            same_len(returns, b, "benchmark")?;
            if ro.nan_policy == NanPolicy::Error {
                scan_policy(b, NanPolicy::Error).map_err(|e| match e {
                    Error::NonFinite { index, value, .. } => Error::NonFinite {
                        param: "benchmark",
                        index,
                        value,
                    },
                    other => other,
                })?;
            }
        }
        if !scan_policy(returns, ro.nan_policy)?
            || (ro.nan_policy == NanPolicy::Propagate
                && benchmark.is_some_and(|b| b.iter().any(|v| v.is_nan())))
        {
            return Ok(Summary::nan(benchmark.is_some()));
        }
        let shift = returns.iter().copied().find(|v| !v.is_nan()).unwrap_or(0.0);
        let mut a = Acc::new(shift);
        let (mut s3, mut s4) = (0.0, 0.0);
        let (mut best, mut worst) = (f64::NEG_INFINITY, f64::INFINITY);
        let (mut gains, mut losses) = (0.0, 0.0);
        let (mut n_pos, mut n_nonzero) = (0usize, 0usize);
        let (mut om_up, mut om_down) = (0.0, 0.0);
        let omega_threshold = if ann == 1.0 {
            opts.omega_required_return
        } else {
            (1.0 + opts.omega_required_return).powf(1.0 / ann) - 1.0
        };
        // stability regression sums: t = 0.., y = cumulative log return
        let (mut ly, mut sy, mut syy, mut sty) = (0.0, 0.0, 0.0, 0.0);
        let mut ulcer2 = 0.0;
        let mut clean = Vec::with_capacity(returns.len());
        for &x in returns {
            if x.is_nan() {
                a.n_nan += 1;
                continue;
            }
            let t = a.n as f64;
            a.n += 1;
            step(&mut a, x, ro.required_return);
            let d = x - shift;
            let d2 = d * d;
            s3 += d2 * d;
            s4 += d2 * d2;
            best = best.max(x);
            worst = worst.min(x);
            if x >= 0.0 {
                gains += x;
            } else {
                losses -= x;
            }
            if x > 0.0 {
                n_pos += 1;
            }
            if x != 0.0 {
                n_nonzero += 1;
            }
            let ox = x - ro.risk_free - omega_threshold;
            if ox > 0.0 {
                om_up += ox;
            } else {
                om_down -= ox;
            }
            ly += x.ln_1p();
            sy += ly;
            syy += ly * ly;
            sty += t * ly;
            let dd = a.wealth / a.peak - 1.0;
            ulcer2 += dd * dd;
            clean.push(x);
        }
        let core = finish_core(&a, returns.len(), ro, ann);
        let n = a.n as f64;
        let mu_d = a.s1 / n;
        let mean = shift + mu_d;
        // central moments from shifted power sums
        let m2 = (a.s2 / n - mu_d * mu_d).max(0.0);
        let m3 = s3 / n - 3.0 * mu_d * a.s2 / n + 2.0 * mu_d.powi(3);
        let m4 = s4 / n - 4.0 * mu_d * s3 / n + 6.0 * mu_d * mu_d * a.s2 / n - 3.0 * mu_d.powi(4);
        let constant = a.s2 == 0.0;
        let skew = if a.n < 3 || constant {
            f64::NAN
        } else {
            m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0)
        };
        let kurt = if a.n < 4 || constant {
            f64::NAN
        } else {
            let g2 = m4 / (m2 * m2) - 3.0;
            ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
        };
        let std = if a.n > ro.ddof as usize {
            core.annual_volatility / ann.sqrt()
        } else {
            f64::NAN
        };
        let std = if a.n >= 2 { std } else { f64::NAN };
        // stability: r² of y on t
        let stability = if returns.len() < 2 {
            f64::NAN
        } else {
            let st = n * (n - 1.0) / 2.0;
            let stt = (n - 1.0) * n * (2.0 * n - 1.0) / 6.0;
            let cxx = stt - st * st / n;
            let cyy = syy - sy * sy / n;
            let cxy = sty - st * sy / n;
            if cxx <= 0.0 || cyy <= 0.0 {
                0.0
            } else {
                let r = (cxy / (cxx * cyy).sqrt()).clamp(-1.0, 1.0);
                r * r
            }
        };
        let mdd = core.max_drawdown;
        let calmar = if mdd < 0.0 {
            let v = core.annual_return / mdd.abs();
            if v.is_infinite() { f64::NAN } else { v }
        } else {
            f64::NAN
        };
        let tails = Tails::select(&mut clean, opts.cutoff);
        let sd1 = if a.n >= 2 && !constant {
            ((a.s2 - a.s1 * a.s1 / n) / (n - 1.0)).max(0.0).sqrt()
        } else if a.n >= 2 {
            0.0
        } else {
            f64::NAN
        };
        let benchmark = benchmark.map(|b| benchmark_summary(returns, b, ro, ann));
        let gaussian_cutoff = opts.cutoff > 0.0 && opts.cutoff < 1.0;
        Ok(Summary {
            n: a.n,
            n_nan: a.n_nan,
            mean,
            std,
            worst,
            best,
            cumulative_return: a.wealth - 1.0,
            return_multiple: a.wealth,
            annual_return: core.annual_return,
            annual_volatility: core.annual_volatility,
            sharpe_ratio: core.sharpe_ratio,
            sortino_ratio: core.sortino_ratio,
            downside_risk: (a.down2 / n).sqrt() * ann.sqrt(),
            max_drawdown: mdd,
            calmar_ratio: calmar,
            omega_ratio: if a.n < 2 || om_down <= 0.0 {
                f64::NAN
            } else {
                om_up / om_down
            },
            tail_ratio: tails.tail_ratio,
            value_at_risk: tails.var,
            conditional_value_at_risk: tails.cvar,
            gaussian_value_at_risk: if gaussian_cutoff {
                gaussian_var(mean, sd1, opts.cutoff)
            } else {
                f64::NAN
            },
            gaussian_expected_shortfall: if gaussian_cutoff {
                gaussian_es(mean, sd1, opts.cutoff)
            } else {
                f64::NAN
            },
            skew,
            kurtosis: kurt,
            stability,
            win_rate: if n_nonzero == 0 {
                0.0
            } else {
                n_pos as f64 / n_nonzero as f64
            },
            hit_rate: n_pos as f64 / n,
            profit_factor: profit_factor_of(gains, losses),
            ulcer_index: if a.n < 2 {
                f64::NAN
            } else {
                (ulcer2 / (n - 1.0)).sqrt()
            },
            benchmark,
        })
    }

    fn nan(with_benchmark: bool) -> Summary {
        let x = f64::NAN;
        Summary {
            n: 0,
            n_nan: 0,
            mean: x,
            std: x,
            worst: x,
            best: x,
            cumulative_return: x,
            return_multiple: x,
            annual_return: x,
            annual_volatility: x,
            sharpe_ratio: x,
            sortino_ratio: x,
            downside_risk: x,
            max_drawdown: x,
            calmar_ratio: x,
            omega_ratio: x,
            tail_ratio: x,
            value_at_risk: x,
            conditional_value_at_risk: x,
            gaussian_value_at_risk: x,
            gaussian_expected_shortfall: x,
            skew: x,
            kurtosis: x,
            stability: x,
            win_rate: x,
            hit_rate: x,
            profit_factor: x,
            ulcer_index: x,
            benchmark: with_benchmark.then_some(BenchmarkSummary {
                benchmark_average_return: x,
                benchmark_annualised_return: x,
                average_excess_return: x,
                annualised_excess_return: x,
                tracking_error: x,
                information_ratio: x,
                beta: x,
                alpha: x,
                benchmark_correlation: x,
            }),
        }
    }

    /// Every scalar metric by its field name (benchmark fields flattened in),
    /// in a stable order: the form the bindings and the CLI hand out.
    pub fn metrics(&self) -> Vec<(&'static str, f64)> {
        let mut v = vec![
            ("n", self.n as f64),
            ("n_nan", self.n_nan as f64),
            ("mean", self.mean),
            ("std", self.std),
            ("worst", self.worst),
            ("best", self.best),
            ("cumulative_return", self.cumulative_return),
            ("return_multiple", self.return_multiple),
            ("annual_return", self.annual_return),
            ("annual_volatility", self.annual_volatility),
            ("sharpe_ratio", self.sharpe_ratio),
            ("sortino_ratio", self.sortino_ratio),
            ("downside_risk", self.downside_risk),
            ("max_drawdown", self.max_drawdown),
            ("calmar_ratio", self.calmar_ratio),
            ("omega_ratio", self.omega_ratio),
            ("tail_ratio", self.tail_ratio),
            ("value_at_risk", self.value_at_risk),
            ("conditional_value_at_risk", self.conditional_value_at_risk),
            ("gaussian_value_at_risk", self.gaussian_value_at_risk),
            (
                "gaussian_expected_shortfall",
                self.gaussian_expected_shortfall,
            ),
            ("skew", self.skew),
            ("kurtosis", self.kurtosis),
            ("stability", self.stability),
            ("win_rate", self.win_rate),
            ("hit_rate", self.hit_rate),
            ("profit_factor", self.profit_factor),
            ("ulcer_index", self.ulcer_index),
        ];
        if let Some(b) = &self.benchmark {
            v.extend([
                ("benchmark_average_return", b.benchmark_average_return),
                ("benchmark_annualised_return", b.benchmark_annualised_return),
                ("average_excess_return", b.average_excess_return),
                ("annualised_excess_return", b.annualised_excess_return),
                ("tracking_error", b.tracking_error),
                ("information_ratio", b.information_ratio),
                ("beta", b.beta),
                ("alpha", b.alpha),
                ("benchmark_correlation", b.benchmark_correlation),
            ]);
        }
        v
    }

    /// The operations-summary risk keys of Market NN Plus Ultra (17 keys, plus
    /// its 9 benchmark keys when a benchmark was given), computed with
    /// tradewarden's conventions (see `docs/conventions.md` for how each
    /// differs from the seed's formula).
    pub fn operations_keys(&self) -> BTreeMap<&'static str, f64> {
        let mut m = BTreeMap::new();
        m.insert("sharpe", self.sharpe_ratio);
        m.insert("sortino", self.sortino_ratio);
        m.insert("max_drawdown", self.max_drawdown);
        m.insert("calmar", self.calmar_ratio);
        m.insert("volatility", self.annual_volatility);
        m.insert("downside_deviation", self.downside_risk);
        m.insert("hit_rate", self.hit_rate);
        m.insert("ulcer_index", self.ulcer_index);
        m.insert("value_at_risk", self.value_at_risk);
        m.insert("expected_shortfall", self.conditional_value_at_risk);
        m.insert("omega_ratio", self.omega_ratio);
        m.insert("profit_factor", self.profit_factor);
        m.insert("cumulative_return", self.cumulative_return);
        m.insert("total_return", self.cumulative_return);
        m.insert("return_multiple", self.return_multiple);
        m.insert("average_return", self.mean);
        m.insert("annualised_return", self.annual_return);
        if let Some(b) = &self.benchmark {
            m.insert("benchmark_average_return", b.benchmark_average_return);
            m.insert("benchmark_annualised_return", b.benchmark_annualised_return);
            m.insert("average_excess_return", b.average_excess_return);
            m.insert("annualised_excess_return", b.annualised_excess_return);
            m.insert("tracking_error", b.tracking_error);
            m.insert("information_ratio", b.information_ratio);
            m.insert("beta", b.beta);
            m.insert("alpha", b.alpha);
            m.insert("benchmark_correlation", b.benchmark_correlation);
        }
        m
    }
}

/// One pass over the (paired, NaN-free) benchmark-relative quantities.
fn benchmark_summary(
    returns: &[f64],
    bench: &[f64],
    ro: &ReturnsOptions,
    ann: f64,
) -> BenchmarkSummary {
    let (mut n, mut sr, mut sb, mut sbb, mut srb, mut srr) = (0usize, 0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut bn_raw, mut bwealth) = (0usize, 1.0);
    let (sr0, sb0) = returns
        .iter()
        .zip(bench)
        .find(|(r, b)| !r.is_nan() && !b.is_nan())
        .map(|(r, b)| (*r, *b))
        .unwrap_or((0.0, 0.0));
    for (&r, &b) in returns.iter().zip(bench) {
        bn_raw += 1;
        if !b.is_nan() {
            bwealth *= 1.0 + b;
        }
        if r.is_nan() || b.is_nan() {
            continue;
        }
        n += 1;
        let (dr, db) = (r - sr0, b - sb0);
        sr += dr;
        sb += db;
        sbb += db * db;
        srb += dr * db;
        srr += dr * dr;
    }
    let nf = n as f64;
    let mr = sr0 + sr / nf;
    let mb = sb0 + sb / nf;
    let cov = srb / nf - (sr / nf) * (sb / nf);
    let var_b = sbb / nf - (sb / nf) * (sb / nf);
    let var_r = srr / nf - (sr / nf) * (sr / nf);
    let beta = if n < 2 || var_b < 1e-30 {
        f64::NAN
    } else {
        cov / var_b
    };
    // active = r − b: variance from the same sums
    let var_a_pop = (var_r + var_b - 2.0 * cov).max(0.0);
    let constant_active = returns
        .iter()
        .zip(bench)
        .filter(|(r, b)| !r.is_nan() && !b.is_nan())
        .map(|(r, b)| r - b)
        .try_fold(None, |first: Option<f64>, v| match first {
            None => Some(Some(v)),
            Some(f) if f == v => Some(Some(f)),
            Some(_) => None,
        })
        .is_some();
    let ddof = ro.ddof as f64;
    let sd_a = if n as f64 <= ddof || n < 2 {
        f64::NAN
    } else if constant_active {
        0.0
    } else {
        (var_a_pop * nf / (nf - ddof)).sqrt()
    };
    let mean_active = mr - mb;
    let rf = ro.risk_free;
    let alpha = if n < 2 {
        f64::NAN
    } else {
        (1.0 + ((mr - rf) - beta * (mb - rf))).powf(ann) - 1.0
    };
    let corr = if n < 2 || var_b <= 0.0 || var_r <= 0.0 {
        f64::NAN
    } else {
        (cov / (var_r * var_b).sqrt()).clamp(-1.0, 1.0)
    };
    BenchmarkSummary {
        benchmark_average_return: mb,
        benchmark_annualised_return: bwealth.powf(ann / bn_raw as f64) - 1.0,
        average_excess_return: mean_active,
        annualised_excess_return: mean_active * ann,
        tracking_error: sd_a * ann.sqrt(),
        information_ratio: if n < 2 { f64::NAN } else { mean_active / sd_a },
        beta,
        alpha,
        benchmark_correlation: corr,
    }
}

/// The quantile metrics from O(n) selections instead of a full sort:
/// VaR and CVaR share one selection at ⌊(n−1)·cutoff⌋; the tail ratio needs
/// the 5% and 95% quantiles (numpy's linear interpolation).
struct Tails {
    var: f64,
    cvar: f64,
    tail_ratio: f64,
}

impl Tails {
    fn select(v: &mut [f64], cutoff: f64) -> Tails {
        if v.is_empty() {
            return Tails {
                var: f64::NAN,
                cvar: f64::NAN,
                tail_ratio: f64::NAN,
            };
        }
        let var = quantile_select(v, cutoff);
        // after selecting at k, v[..=k] holds the k+1 smallest values
        let k = ((v.len() - 1) as f64 * cutoff) as usize;
        let cvar = v[..=k].iter().sum::<f64>() / (k + 1) as f64;
        let q05 = if cutoff == 0.05 {
            var
        } else {
            quantile_select(v, 0.05)
        };
        let q95 = quantile_select(v, 0.95);
        Tails {
            var,
            cvar,
            tail_ratio: q95.abs() / q05.abs(),
        }
    }
}

/// numpy's linear quantile by selection; leaves `v` partitioned at ⌊q·(n−1)⌋.
fn quantile_select(v: &mut [f64], q: f64) -> f64 {
    let n = v.len();
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    let (_, &mut at, right) = v.select_nth_unstable_by(lo, f64::total_cmp);
    if frac == 0.0 || right.is_empty() {
        return at;
    }
    let hi = right.iter().copied().fold(f64::INFINITY, f64::min);
    at + (hi - at) * frac
}
