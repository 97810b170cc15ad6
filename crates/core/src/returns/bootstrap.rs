//! Bootstrap confidence intervals for any metric of a returns series.
//!
//! - Resampling ([`Resampling`]): iid, stationary (Politis–Romano: blocks
//!   with geometric lengths of mean `mean_block`, wrapping around, as arch's
//!   `StationaryBootstrap`) and circular blocks of fixed length (arch's
//!   `CircularBlockBootstrap`).
//! - Intervals ([`IntervalMethod`]): percentile and BCa (bias-corrected and
//!   accelerated, acceleration from the leave-one-out jackknife), with numpy's
//!   linear quantiles — arch's `conf_int` conventions.
//! - Reproducible: resample `b` draws from its own xoshiro256++ stream seeded
//!   from `(seed, b)`, so a seed gives bit-identical intervals whatever the
//!   number of threads. Resamples run in parallel with rayon.
//!
//! Two entry points: [`bootstrap_ci`] takes any closure `Fn(&[f64]) -> f64`
//! (each resample is written into a reused per-worker buffer);
//! [`bootstrap_moment_ci`] computes mean / std / Sharpe from prefix sums over
//! the drawn blocks without materialising the resample (O(blocks) per resample).
//!
//! ```
//! use tradewarden_core::returns::bootstrap::{bootstrap_ci, BootstrapOptions, Resampling};
//! let r: Vec<f64> = (0..500).map(|i| ((i * 7919 % 1000) as f64 - 480.0) * 1e-5).collect();
//! let opts = BootstrapOptions {
//!     resampling: Resampling::Stationary { mean_block: 10.0 },
//!     n_resamples: 200,
//!     ..Default::default()
//! };
//! let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
//! let ci = bootstrap_ci(&r, mean, &opts).unwrap();
//! assert!(ci.lower <= ci.estimate && ci.estimate <= ci.upper);
//! ```

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::{norm_cdf, norm_ppf, quantile_sorted};

/// How resamples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resampling {
    /// Independent draws with replacement.
    Iid,
    /// Politis–Romano stationary bootstrap: blocks start at uniform positions,
    /// lengths are geometric with mean `mean_block` (≥ 1), wrapping around.
    Stationary {
        /// Mean block length (≥ 1; 1 is the iid bootstrap).
        mean_block: f64,
    },
    /// Circular block bootstrap: blocks of `block_len` (1..=n) from uniform
    /// starts, wrapping around; the last block is truncated to length n.
    Circular {
        /// Block length.
        block_len: usize,
    },
}

/// Confidence-interval construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Quantiles `(1−c)/2` and `(1+c)/2` of the bootstrap distribution.
    #[default]
    Percentile,
    /// Bias-corrected and accelerated (Efron 1987), jackknife acceleration.
    Bca,
}

/// Options of a bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapOptions {
    /// Resampling scheme (default iid).
    pub resampling: Resampling,
    /// Interval method (default percentile).
    pub method: IntervalMethod,
    /// Number of resamples (default 1000; ≥ 1).
    pub n_resamples: usize,
    /// Two-sided confidence level in (0, 1) (default 0.95).
    pub confidence: f64,
    /// RNG seed (default 0).
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            resampling: Resampling::Iid,
            method: IntervalMethod::Percentile,
            n_resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// A bootstrap confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapInterval {
    /// The statistic on the original data.
    pub estimate: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Confidence level.
    pub confidence: f64,
    /// Interval method.
    pub method: IntervalMethod,
    /// Resampling scheme.
    pub resampling: Resampling,
    /// Number of resamples.
    pub n_resamples: usize,
    /// Standard deviation (ddof = 1) of the bootstrap distribution (NaN for one resample).
    pub std_error: f64,
    /// Seed used.
    pub seed: u64,
}

impl BootstrapInterval {
    /// The interval of `k·statistic` for `k > 0` (e.g. `√252` to annualise a
    /// per-period Sharpe): percentile and BCa intervals are scale-equivariant.
    pub fn scaled(mut self, k: f64) -> Result<Self> {
        if !(k.is_finite() && k > 0.0) {
            return Err(Error::invalid("k", k, "must be finite and > 0"));
        }
        self.estimate *= k;
        self.lower *= k;
        self.upper *= k;
        self.std_error *= k;
        Ok(self)
    }
}

/// Statistics computed by [`bootstrap_moment_ci`] from sums over blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MomentStatistic {
    /// Arithmetic mean.
    Mean,
    /// Standard deviation, ddof = 1.
    Std,
    /// Per-period Sharpe ratio `mean / std(ddof = 1)`; NaN for a (relatively) zero-variance resample.
    Sharpe,
}

impl MomentStatistic {
    /// From `n`, shift `c`, `s = Σ(x−c)`, `q = Σ(x−c)²`.
    fn eval(self, n: f64, c: f64, s: f64, q: f64) -> f64 {
        let mean = c + s / n;
        let ss = q - s * s / n;
        // a resample of one repeated value: the residue is rounding, not variance
        let var = if ss <= q * 1e-12 { 0.0 } else { ss / (n - 1.0) };
        match self {
            MomentStatistic::Mean => mean,
            MomentStatistic::Std => var.sqrt(),
            MomentStatistic::Sharpe => {
                if var > 0.0 {
                    mean / var.sqrt()
                } else {
                    f64::NAN
                }
            }
        }
    }
}

fn validate(data: &[f64], opts: &BootstrapOptions) -> Result<()> {
    if data.is_empty() {
        return Err(Error::Empty {
            param: "data",
            min: 1,
        });
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            param: "data",
            index: i,
            value: data[i],
        });
    }
    if opts.n_resamples == 0 {
        return Err(Error::invalid("n_resamples", 0, "must be ≥ 1"));
    }
    if !(opts.confidence > 0.0 && opts.confidence < 1.0) {
        return Err(Error::invalid(
            "confidence",
            opts.confidence,
            "must be in (0, 1)",
        ));
    }
    match opts.resampling {
        Resampling::Iid => {}
        Resampling::Stationary { mean_block } => {
            if !(mean_block.is_finite() && mean_block >= 1.0) {
                return Err(Error::invalid(
                    "mean_block",
                    mean_block,
                    "must be finite and ≥ 1",
                ));
            }
        }
        Resampling::Circular { block_len } => {
            if block_len < 1 || block_len > data.len() {
                return Err(Error::invalid(
                    "block_len",
                    block_len,
                    format!("must be in 1..={} (the series length)", data.len()),
                ));
            }
        }
    }
    if opts.method == IntervalMethod::Bca && data.len() < 2 {
        return Err(Error::Empty {
            param: "data",
            min: 2,
        });
    }
    Ok(())
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG stream of resample `b`.
fn stream(seed: u64, b: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(
        splitmix64(seed) ^ splitmix64(b as u64 ^ 0xA076_1D64_78BD_642F),
    )
}

/// Uniform index in `0..n` (widening multiply; bias ≤ n/2⁶⁴).
#[inline]
fn index(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    ((rng.next_u64() as u128 * n as u128) >> 64) as usize
}

/// Calls `piece(a, b)` for contiguous index ranges `[a, b)` of `0..n` whose
/// concatenation is one resample of length n. `piece` has a single call site
/// so that it inlines (the moment path keeps its sums in registers).
#[inline(always)]
fn draw<F: FnMut(usize, usize)>(
    rng: &mut Xoshiro256PlusPlus,
    n: usize,
    scheme: Resampling,
    mut piece: F,
) {
    let p = match scheme {
        Resampling::Stationary { mean_block } => 1.0 / mean_block,
        _ => 1.0,
    };
    // 1 / ln(1 − p): a multiply per block instead of a division
    let inv_ln_q = 1.0 / (-p).ln_1p();
    let mut filled = 0;
    while filled < n {
        let start = index(rng, n);
        let remaining = n - filled;
        let len = match scheme {
            Resampling::Iid => 1,
            Resampling::Circular { block_len } => block_len.min(remaining),
            Resampling::Stationary { .. } if p >= 1.0 => 1,
            Resampling::Stationary { .. } => {
                // geometric on {1, 2, …} with success probability p; u in (0, 1]
                let u = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
                // ln u / ln(1 − p) ≥ 0, so the (saturating) cast is the floor
                (1 + ((u.ln() * inv_ln_q) as usize).min(remaining)).min(remaining)
            }
        };
        filled += len;
        // [start, start + len) wrapped around n: at most two pieces
        let (mut a, mut left) = (start, len);
        loop {
            let e = (a + left).min(n);
            piece(a, e);
            left -= e - a;
            if left == 0 {
                break;
            }
            a = 0;
        }
    }
}

fn interval(
    estimate: f64,
    mut dist: Vec<f64>,
    jackknife: Option<Vec<f64>>,
    opts: &BootstrapOptions,
) -> Result<BootstrapInterval> {
    if let Some(b) = dist.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "statistic",
            format!("{} on resample {b}", dist[b]),
            "the statistic must be finite on every resample (e.g. Sharpe of a constant resample is not)",
        ));
    }
    let nb = dist.len() as f64;
    let m = dist.iter().sum::<f64>() / nb;
    let std_error = if dist.len() > 1 {
        (dist.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (nb - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    dist.sort_unstable_by(f64::total_cmp);
    let alpha = (1.0 - opts.confidence) / 2.0;
    let (ql, qu) = match opts.method {
        IntervalMethod::Percentile => (alpha, 1.0 - alpha),
        IntervalMethod::Bca => {
            let p0 = dist.iter().filter(|&&v| v < estimate).count() as f64 / nb;
            if !(p0 > 0.0 && p0 < 1.0) {
                return Err(Error::invalid(
                    "method",
                    "bca",
                    format!(
                        "the share of resamples below the estimate is {p0}; the bias correction is undefined \
                         (use the percentile method or more resamples)"
                    ),
                ));
            }
            let z0 = norm_ppf(p0)?;
            let jk = jackknife.unwrap_or_default();
            let a = acceleration(&jk)?;
            let adj = |z: f64| norm_cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z)));
            (adj(norm_ppf(alpha)?), adj(norm_ppf(1.0 - alpha)?))
        }
    };
    Ok(BootstrapInterval {
        estimate,
        lower: quantile_sorted(&dist, ql),
        upper: quantile_sorted(&dist, qu),
        confidence: opts.confidence,
        method: opts.method,
        resampling: opts.resampling,
        n_resamples: opts.n_resamples,
        std_error,
        seed: opts.seed,
    })
}

/// `a = Σu³ / (6 (Σu²)^{3/2})`, `u = mean(θ₍ᵢ₎) − θ₍ᵢ₎`.
fn acceleration(jk: &[f64]) -> Result<f64> {
    if let Some(i) = jk.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "statistic",
            format!("{} on jackknife sample {i}", jk[i]),
            "the statistic must be finite on every leave-one-out sample for BCa",
        ));
    }
    let m = jk.iter().sum::<f64>() / jk.len() as f64;
    let (mut s2, mut s3) = (0.0, 0.0);
    for &t in jk {
        let u = m - t;
        s2 += u * u;
        s3 += u * u * u;
    }
    let denom = 6.0 * s2.powf(1.5);
    if denom.is_nan() || denom <= s3.abs() * f64::EPSILON {
        return Err(Error::invalid(
            "method",
            "bca",
            "the jackknife estimates do not vary; the acceleration is undefined (use the percentile method)",
        ));
    }
    Ok(s3 / denom)
}

/// Bootstrap confidence interval of any `statistic` of `data`.
///
/// Errors: empty or non-finite `data`; `n_resamples` 0; `confidence` outside
/// (0, 1); `mean_block` < 1; `block_len` outside 1..=n; a non-finite
/// statistic on the data or on some resample; for BCa, n < 2, a degenerate bias correction or jackknife.
pub fn bootstrap_ci<F>(
    data: &[f64],
    statistic: F,
    opts: &BootstrapOptions,
) -> Result<BootstrapInterval>
where
    F: Fn(&[f64]) -> f64 + Sync,
{
    validate(data, opts)?;
    let n = data.len();
    let estimate = statistic(data);
    if !estimate.is_finite() {
        return Err(Error::invalid(
            "statistic",
            estimate,
            "the statistic of the original data must be finite",
        ));
    }
    let dist: Vec<f64> = (0..opts.n_resamples)
        .into_par_iter()
        .map_init(
            || Vec::with_capacity(n),
            |buf, b| {
                buf.clear();
                let mut rng = stream(opts.seed, b);
                draw(&mut rng, n, opts.resampling, |a, e| {
                    if e == a + 1 {
                        buf.push(data[a]);
                    } else {
                        buf.extend_from_slice(&data[a..e]);
                    }
                });
                statistic(buf)
            },
        )
        .collect();
    let jk = (opts.method == IntervalMethod::Bca).then(|| jackknife(data, &statistic));
    interval(estimate, dist, jk, opts)
}

/// Leave-one-out estimates; each chunk builds its buffer once and then
/// changes one element per step.
fn jackknife<F: Fn(&[f64]) -> f64 + Sync>(data: &[f64], statistic: &F) -> Vec<f64> {
    let n = data.len();
    const CHUNK: usize = 64;
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let start = c * CHUNK;
            let end = (start + CHUNK).min(n);
            let mut buf: Vec<f64> = Vec::with_capacity(n - 1);
            buf.extend_from_slice(&data[..start]);
            buf.extend_from_slice(&data[start + 1..]);
            let mut out = Vec::with_capacity(end - start);
            for i in start..end {
                out.push(statistic(&buf));
                if i + 1 < n {
                    // leave out i+1 instead of i: slot i now holds data[i]
                    buf[i] = data[i];
                }
            }
            out
        })
        .collect()
}

/// Bootstrap confidence interval of a moment statistic, computed from prefix
/// sums of the mean-shifted data over the drawn blocks (no resample is
/// materialised; the jackknife for BCa is O(1) per observation).
///
/// Same errors as [`bootstrap_ci`]; a Sharpe needs n ≥ 2 and a non-constant series.
///
/// ```
/// use tradewarden_core::returns::bootstrap::{bootstrap_moment_ci, BootstrapOptions, MomentStatistic, Resampling};
/// let r: Vec<f64> = (0..2520).map(|i| ((i * 7919 % 1000) as f64 - 450.0) * 2e-5).collect();
/// let opts = BootstrapOptions { resampling: Resampling::Stationary { mean_block: 5.0 }, seed: 7, ..Default::default() };
/// let ci = bootstrap_moment_ci(&r, MomentStatistic::Sharpe, &opts).unwrap().scaled(252f64.sqrt()).unwrap();
/// assert!(ci.lower < ci.estimate && ci.estimate < ci.upper);
/// ```
pub fn bootstrap_moment_ci(
    data: &[f64],
    statistic: MomentStatistic,
    opts: &BootstrapOptions,
) -> Result<BootstrapInterval> {
    validate(data, opts)?;
    let n = data.len();
    if statistic != MomentStatistic::Mean && n < 2 {
        return Err(Error::Empty {
            param: "data",
            min: 2,
        });
    }
    let nf = n as f64;
    let c = data.iter().sum::<f64>() / nf;
    let dev: Vec<f64> = data.iter().map(|v| v - c).collect();
    let (mut p1, mut p2) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
    let (mut a1, mut a2) = (0.0, 0.0);
    p1.push(0.0);
    p2.push(0.0);
    for &d in &dev {
        a1 += d;
        a2 += d * d;
        p1.push(a1);
        p2.push(a2);
    }
    let (tot1, tot2) = (
        dev.iter().sum::<f64>(),
        dev.iter().map(|d| d * d).sum::<f64>(),
    );
    let estimate = statistic.eval(nf, c, tot1, tot2);
    if !estimate.is_finite() {
        return Err(Error::invalid(
            "data",
            "constant series",
            "the statistic of the original data is undefined (zero variance)",
        ));
    }
    let dist: Vec<f64> = (0..opts.n_resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = stream(opts.seed, b);
            let (mut s, mut q) = (0.0, 0.0);
            draw(&mut rng, n, opts.resampling, |a, e| {
                if e == a + 1 {
                    let d = dev[a];
                    s += d;
                    q += d * d;
                } else {
                    s += p1[e] - p1[a];
                    q += p2[e] - p2[a];
                }
            });
            statistic.eval(nf, c, s, q)
        })
        .collect();
    let jk = (opts.method == IntervalMethod::Bca).then(|| {
        dev.iter()
            .map(|&d| statistic.eval(nf - 1.0, c, tot1 - d, tot2 - d * d))
            .collect()
    });
    interval(estimate, dist, jk, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_cover_length_n() {
        for scheme in [
            Resampling::Iid,
            Resampling::Circular { block_len: 7 },
            Resampling::Stationary { mean_block: 4.5 },
            Resampling::Stationary { mean_block: 1.0 },
        ] {
            let mut rng = stream(3, 0);
            let mut total = 0;
            draw(&mut rng, 50, scheme, |a, e| {
                assert!(a < e && e <= 50);
                total += e - a;
            });
            assert_eq!(total, 50, "{scheme:?}");
        }
    }
}
