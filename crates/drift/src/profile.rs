//! Reference profiles: fitted once per feature from reference data, frozen,
//! persisted (JSON and a compact binary form), merged across partitions, and
//! scored against current data (PSI, KS, Jensen–Shannon, Wasserstein, χ²).
//!
//! A numeric profile keeps the **sorted reference** (8 bytes per value) so
//! that KS, Wasserstein and the Evidently-compatible PSI are exact, and so
//! that profiles of partitions merge into exactly the profile of the whole
//! data. Set `keep_reference = false` to store only bins and moments (then
//! KS/Wasserstein/Evidently-PSI return an error, and partitions merge only
//! with identical bins: take explicit edges from a merged
//! [`crate::sketch::QuantileSketch`]). References too large to keep sorted
//! can be summarised by that sketch instead (approximate, with a stated rank
//! error bound).

use std::collections::BTreeMap;
use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tradewarden_core::NanPolicy;

use crate::error::{Artefact, Error, Result};
use crate::ks::{Alternative, KsMethod, KsResult, ks_2samp_sorted};
use crate::psi::{PsiMode, histogram_sorted, psi_evidently_sorted, psi_from_counts, sturges_edges};
use crate::report::FeatureData;
use crate::sample::prepare_sorted;

/// Version of the persisted profile format (JSON field `format_version`, binary header).
pub const PROFILE_FORMAT_VERSION: u32 = 1;

/// Largest number of bins (2²⁰ = 1 048 576) of any bin strategy, of
/// explicit edges (at most `MAX_BINS + 1` edges with the ±inf outer ones)
/// and of every PSI entry point; more is an `InvalidParameter` naming
/// `bins` (when fitting or scoring) or a `Corrupt` profile (when loading).
pub const MAX_BINS: usize = 1 << 20;

/// How a numeric feature is binned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BinStrategy {
    /// Reference quantiles at k/bins (numpy linear interpolation), outer edges ±inf;
    /// duplicate edges (ties) are merged. Default: deciles (`bins = 10`).
    Quantile {
        /// Number of bins (≥ 2).
        bins: usize,
    },
    /// `bins` equal-width bins over [min, max] of the reference, outer edges ±inf.
    EqualWidth {
        /// Number of bins (≥ 2).
        bins: usize,
    },
    /// Sturges bins on reference ∪ current at scoring time (as Evidently);
    /// needs the stored reference.
    Sturges,
    /// Explicit strictly increasing edges; −inf/+inf are added at the ends when
    /// missing, so no value is ever dropped.
    Explicit {
        /// The edges.
        #[serde(with = "edges_serde")]
        edges: Vec<f64>,
    },
}

impl Default for BinStrategy {
    fn default() -> Self {
        BinStrategy::Quantile { bins: 10 }
    }
}

/// A bin strategy by the name the doors give it (Python's `strategy=`; the
/// table is in [`crate::names`]): 'quantile', 'equal_width' (or 'uniform'),
/// 'sturges', 'evidently' — Sturges bins, scored as Evidently's `psi`
/// stat test ([`PsiMode::Evidently`]) where a door computes PSI in one call —
/// and 'explicit' (the given edges; refused without them).
///
/// ```
/// use tradewarden_drift::profile::{BinKind, BinStrategy};
/// use tradewarden_drift::psi::PsiMode;
/// let k: BinKind = "uniform".parse().unwrap();
/// assert_eq!(k.strategy(4, None).unwrap(), BinStrategy::EqualWidth { bins: 4 });
/// let e: BinKind = "evidently".parse().unwrap();
/// assert_eq!(e.strategy(4, None).unwrap(), BinStrategy::Sturges);
/// let x: BinKind = "explicit".parse().unwrap();
/// assert_eq!(x.strategy(4, Some(vec![0.0])).unwrap(), BinStrategy::Explicit { edges: vec![0.0] });
/// let err = x.strategy(4, None).unwrap_err().to_string();
/// assert!(err.contains("edges") && err.contains("explicit"), "{err}");
/// assert_eq!(e.psi_mode(1e-4), PsiMode::Evidently);
/// let err = "deciles".parse::<BinKind>().unwrap_err().to_string();
/// assert!(err.contains("strategy") && err.contains("\"deciles\"") && err.contains("'evidently'"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinKind {
    /// [`BinStrategy::Quantile`].
    Quantile,
    /// [`BinStrategy::EqualWidth`].
    EqualWidth,
    /// [`BinStrategy::Sturges`].
    Sturges,
    /// [`BinStrategy::Sturges`] bins, [`PsiMode::Evidently`] scoring.
    Evidently,
    /// [`BinStrategy::Explicit`]: the edges given with it.
    Explicit,
}

impl BinKind {
    /// The bin strategy: explicit `edges` when given (they replace the named
    /// strategy and `bins`), else the named strategy with `bins` bins.
    ///
    /// # Errors
    /// `InvalidInput` naming `edges` for 'explicit' without edges.
    pub fn strategy(self, bins: usize, edges: Option<Vec<f64>>) -> Result<BinStrategy> {
        Ok(match (edges, self) {
            (Some(edges), _) => BinStrategy::Explicit { edges },
            (None, BinKind::Quantile) => BinStrategy::Quantile { bins },
            (None, BinKind::EqualWidth) => BinStrategy::EqualWidth { bins },
            (None, BinKind::Sturges | BinKind::Evidently) => BinStrategy::Sturges,
            (None, BinKind::Explicit) => {
                return Err(Error::invalid(
                    "edges",
                    "None",
                    "strategy 'explicit' needs the bin edges",
                ));
            }
        })
    }

    /// The PSI mode a one-call PSI uses with this name: Evidently's for
    /// 'evidently', else the standard one with fractions floored at `epsilon`.
    pub fn psi_mode(self, epsilon: f64) -> PsiMode {
        match self {
            BinKind::Evidently => PsiMode::Evidently,
            _ => PsiMode::Standard { epsilon },
        }
    }
}

/// Fit parameters of a profile (stored inside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileOptions {
    /// Bin strategy of numeric features.
    pub bins: BinStrategy,
    /// NaN/±inf handling when fitting and scoring (default: error).
    pub nan_policy: NanPolicy,
    /// Keep the sorted reference (needed for KS, Wasserstein, Sturges/Evidently PSI).
    pub keep_reference: bool,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            bins: BinStrategy::default(),
            nan_policy: NanPolicy::Error,
            keep_reference: true,
        }
    }
}

impl ProfileOptions {
    /// Checks the options before anything is allocated or fitted: `bins`
    /// within 2..=[`MAX_BINS`] for the quantile and equal-width strategies,
    /// explicit edges strictly increasing, NaN-free and at most
    /// `MAX_BINS + 1` (with the ±inf outer edges added), Sturges bins only
    /// with the stored reference. [`NumericProfile::fit`] calls it first.
    ///
    /// ```
    /// use tradewarden_drift::profile::{BinStrategy, ProfileOptions, MAX_BINS};
    /// let o = ProfileOptions { bins: BinStrategy::EqualWidth { bins: MAX_BINS + 1 }, ..Default::default() };
    /// assert!(o.validate().is_err());
    /// ```
    ///
    /// # Errors
    /// `InvalidParameter` naming `bins`, `edges` or `keep_reference`.
    pub fn validate(&self) -> Result<()> {
        match &self.bins {
            BinStrategy::Quantile { bins } | BinStrategy::EqualWidth { bins } => check_bins(*bins),
            BinStrategy::Sturges if !self.keep_reference => Err(Error::invalid(
                "keep_reference",
                false,
                "Sturges bins need the stored reference",
            )),
            BinStrategy::Sturges => Ok(()),
            BinStrategy::Explicit { edges } => validate_explicit(edges).map(|_| ()),
        }
    }
}

/// Profile of one numeric feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumericProfile {
    /// Fit parameters.
    pub options: ProfileOptions,
    /// Bin edges including the ±inf outer edges (empty for Sturges).
    #[serde(with = "edges_serde")]
    pub edges: Vec<f64>,
    /// Reference count per bin (len = edges.len() − 1).
    pub counts: Vec<u64>,
    /// Number of finite values.
    pub count: u64,
    /// Number of NaN/±inf values skipped (NanPolicy::Skip).
    pub nan_count: u64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Mean (±inf when the sum of the reference overflows `f64`; JSON writes
    /// ±inf as the strings "inf"/"-inf").
    #[serde(with = "float_serde")]
    pub mean: f64,
    /// Sum of squared deviations from the mean (M2; variance = m2/(count − ddof));
    /// +inf when it overflows `f64`.
    #[serde(with = "float_serde")]
    pub m2: f64,
    /// Sorted reference values (empty when `keep_reference` is false).
    pub reference: Vec<f64>,
}

/// Bins values into `edges` (bins [eᵢ, eᵢ₊₁)) and returns counts and
/// whether every value was finite; `edges` starts with −inf and ends with +inf.
///
/// Up to 32 inner edges: count #{v ≥ e} per inner edge (a branch-free,
/// vectorisable reduction over L1-sized blocks, no scatter), then take
/// differences; more edges: binary search per value.
///
/// Edges that are too few or not increasing (a profile built by hand) give
/// a `Corrupt` error, never a panic or a wrapped count; loaded profiles are
/// checked once by [`Profile::validate`].
pub(crate) fn bin_counts_checked(values: &[f64], edges: &[f64]) -> Result<(Vec<u64>, bool)> {
    const BLOCK: usize = 2048;
    if edges.len() < 2 {
        return Err(corrupt_field(
            "edges",
            format!("{} edge(s): at least 2 required", edges.len()),
        ));
    }
    let inner = &edges[1..edges.len() - 1];
    let nb = edges.len() - 1;
    let mut counts = vec![0u64; nb];
    let mut finite = true;
    if inner.len() <= 32 {
        let mut ge = vec![0u64; inner.len()];
        // run-time SIMD dispatch: the loops vectorise with the CPU's widest lanes
        tradewarden_core::simd::arch().dispatch(|| {
            for block in values.chunks(BLOCK) {
                for (g, &e) in ge.iter_mut().zip(inner) {
                    let mut c = 0u64;
                    for &v in block {
                        c += u64::from(v >= e);
                    }
                    *g += c;
                }
                let mut ok = true;
                for &v in block {
                    ok &= v.is_finite();
                }
                finite &= ok;
            }
        });
        let mut prev = values.len() as u64;
        for (k, &g) in ge.iter().enumerate() {
            counts[k] = prev.checked_sub(g).ok_or_else(|| {
                corrupt_field("edges", format!("edges[{}] below edges[{k}]", k + 1))
            })?;
            prev = g;
        }
        counts[nb - 1] = prev;
    } else {
        for &v in values {
            finite &= v.is_finite();
            counts[inner.partition_point(|&e| e <= v)] += 1;
        }
    }
    Ok((counts, finite))
}

pub(crate) fn bin_counts(values: &[f64], edges: &[f64]) -> Result<Vec<u64>> {
    Ok(bin_counts_checked(values, edges)?.0)
}

/// `Corrupt` error naming a profile field.
fn corrupt_field(what: &'static str, reason: String) -> Error {
    Error::Corrupt {
        artefact: Artefact::Profile,
        what,
        reason,
    }
}

/// `bins` within 2..=[`MAX_BINS`].
pub(crate) fn check_bins(bins: usize) -> Result<()> {
    if bins < 2 {
        return Err(Error::invalid("bins", bins, "at least 2 bins required"));
    }
    if bins > MAX_BINS {
        return Err(Error::invalid(
            "bins",
            bins,
            "at most MAX_BINS = 1048576 (2^20) bins",
        ));
    }
    Ok(())
}

pub(crate) fn validate_explicit(edges: &[f64]) -> Result<Vec<f64>> {
    if edges.len() > MAX_BINS + 1 {
        return Err(Error::invalid(
            "bins",
            format!("{} explicit edges", edges.len()),
            "at most MAX_BINS + 1 = 1048577 edges",
        ));
    }
    for (i, &e) in edges.iter().enumerate() {
        if e.is_nan() {
            return Err(Error::invalid(
                "edges",
                format!("edges[{i}] = NaN"),
                "must not be NaN",
            ));
        }
        if i > 0 && e <= edges[i - 1] {
            return Err(Error::invalid(
                "edges",
                format!("edges[{i}] = {e}"),
                "must be strictly increasing",
            ));
        }
    }
    let mut v = edges.to_vec();
    if v.first() != Some(&f64::NEG_INFINITY) {
        v.insert(0, f64::NEG_INFINITY);
    }
    if v.last() != Some(&f64::INFINITY) {
        v.push(f64::INFINITY);
    }
    if v.len() < 3 {
        return Err(Error::invalid(
            "edges",
            format!("{} edges", edges.len()),
            "at least 2 bins required",
        ));
    }
    if v.len() > MAX_BINS + 1 {
        return Err(Error::invalid(
            "bins",
            format!("{} bins", v.len() - 1),
            "at most MAX_BINS = 1048576 (2^20) bins",
        ));
    }
    Ok(v)
}

/// numpy linear-interpolation position of quantile `q` among `n` sorted
/// values: (lower rank, upper rank, fraction) — as `quantile_sorted`.
/// Callers pass q = k/bins ∈ (0, 1) and n ≥ 2; the ranks are clamped to
/// `0..n` all the same, so no q can index out of bounds.
fn quantile_position(n: usize, q: f64) -> (usize, usize, f64) {
    let last = n.saturating_sub(1);
    let pos = (q.clamp(0.0, 1.0) * last as f64).min(last as f64);
    let lo = (pos.floor() as usize).min(last);
    (lo, (lo + 1).min(last), pos - lo as f64)
}

/// Linear-interpolated quantile of **sorted** data, numpy's default
/// (`method = "linear"`: position q·(n − 1)), with the arguments checked:
/// `q` outside [0, 1] (or NaN) is an `InvalidParameter` naming `q`, an
/// empty sample is `TooFewValues`. The same arithmetic as the quantile
/// bin edges.
///
/// ```
/// use tradewarden_drift::profile::quantile_sorted;
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5).unwrap(), 2.5);
/// assert!(quantile_sorted(&[1.0, 2.0], 1.5).is_err());
/// ```
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&q) {
        return Err(Error::invalid("q", q, "must be in [0, 1]"));
    }
    if sorted.is_empty() {
        return Err(Error::TooFewValues {
            param: "sorted",
            actual: 0,
            min: 1,
        });
    }
    let (lo, hi, frac) = quantile_position(sorted.len(), q);
    let a = sorted[lo];
    Ok(if frac == 0.0 {
        a
    } else {
        a + (sorted[hi] - a) * frac
    })
}

/// Records the order statistics of `v` at the (ascending, distinct) `ranks`
/// (relative to `offset`) by recursive selection.
fn multi_select(v: &mut [f64], ranks: &[usize], offset: usize, out: &mut Vec<(usize, f64)>) {
    if ranks.is_empty() || v.is_empty() {
        return;
    }
    let mid = ranks.len() / 2;
    let r = ranks[mid] - offset;
    let (left, pivot, right) = v.select_nth_unstable_by(r, f64::total_cmp);
    out.push((ranks[mid], *pivot));
    multi_select(left, &ranks[..mid], offset, out);
    multi_select(right, &ranks[mid + 1..], offset + r + 1, out);
}

/// Below this many values the unsorted fit selects its order statistics on a
/// copy of the values; from here on, in windows gathered in one pass.
const WINDOW_FIT_MIN: usize = 1 << 16;
/// Most merged windows the windowed selection tracks (many bins: the copy).
const MAX_WINDOWS: usize = 64;
/// Values per block of the counting passes (the per-value window index of a
/// block stays in L1).
const PASS_BLOCK: usize = 2048;

/// Minimum, maximum (−0.0 read as +0.0) and whether every value is finite,
/// in one branch-free pass over 8 lanes (run-time SIMD dispatch).
fn min_max_finite(values: &[f64]) -> (f64, f64, bool) {
    tradewarden_core::simd::arch().dispatch(|| {
        const L: usize = 8;
        let mut lo = [f64::INFINITY; L];
        let mut hi = [f64::NEG_INFINITY; L];
        let mut ok = [true; L];
        let chunks = values.chunks_exact(L);
        let rest = chunks.remainder();
        for c in chunks {
            for (((&v, l), h), ok) in c.iter().zip(&mut lo).zip(&mut hi).zip(&mut ok) {
                *l = if v < *l { v } else { *l };
                *h = if v > *h { v } else { *h };
                *ok &= v.is_finite();
            }
        }
        let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut finite = ok.iter().all(|&o| o);
        for (&l, &h) in lo.iter().zip(&hi) {
            mn = mn.min(l);
            mx = mx.max(h);
        }
        for &v in rest {
            mn = if v < mn { v } else { mn };
            mx = if v > mx { v } else { mx };
            finite &= v.is_finite();
        }
        (mn + 0.0, mx + 0.0, finite)
    })
}

/// Disjoint, ascending value windows `[lo, hi]` of a finite series, with
/// the number of values below each window and the values inside it
/// (−0.0 stored as +0.0), gathered in one pass: what the quantile edges and
/// their bin counts need, without copying the series.
struct Windows {
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// Values below `lo[w]`.
    below: Vec<usize>,
    /// The values of window `w` are `data[start[w]..start[w + 1]]`.
    data: Vec<f64>,
    start: Vec<usize>,
}

impl Windows {
    /// Windows that hold the order statistics at `ranks` (ascending) of the
    /// finite `values` with overwhelming probability: a strided sample of
    /// `m` values gives, per rank, the sample values ± 4 standard deviations
    /// of a sample rank (plus a margin) around it; overlapping windows are
    /// merged; one pass counts the values below each window and gathers
    /// those inside. `None` when the windows would hold too many values
    /// (more than half the series, or more than [`MAX_WINDOWS`] windows:
    /// many bins, or a series too short for a telling sample) — the caller
    /// copies instead. Whether a rank was caught is
    /// checked by [`Windows::select`], never assumed.
    fn gather(values: &[f64], ranks: &[usize]) -> Option<Windows> {
        let n = values.len();
        let m = (n / 16).clamp(1024, 1 << 18).min(n);
        let step = n / m;
        let mut sample: Vec<f64> = (0..m).map(|i| values[i * step] + 0.0).collect();
        let last = (m - 1) as f64;
        let scale = last / (n - 1) as f64;
        // per rank: sample ranks a ≤ b of the window ends (−1 / m: open end)
        let mut ends: Vec<(i64, i64)> = Vec::with_capacity(ranks.len());
        for &r in ranks {
            let q = r as f64 / (n - 1) as f64;
            let p = r as f64 * scale;
            let margin = 4.0 * (m as f64 * q * (1.0 - q)).sqrt() + 8.0;
            let a = (p - margin).floor().max(-1.0) as i64;
            let b = (p + margin).ceil().min(m as f64) as i64;
            if let Some(e) = ends.last_mut()
                && a <= e.1
            {
                e.1 = e.1.max(b);
            } else {
                ends.push((a, b));
            }
        }
        if ends.len() > MAX_WINDOWS {
            return None;
        }
        let mut wanted: Vec<usize> = ends
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter(|&s| s >= 0 && s < m as i64)
            .map(|s| s as usize)
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = Vec::with_capacity(wanted.len());
        multi_select(&mut sample, &wanted, 0, &mut found);
        found.sort_unstable_by_key(|&(r, _)| r);
        let at = |s: i64, open: f64| {
            if s < 0 || s >= m as i64 {
                return open;
            }
            found
                .binary_search_by_key(&(s as usize), |&(k, _)| k)
                .map_or(f64::NAN, |i| found[i].1)
        };
        let (mut lo, mut hi, mut share) = (Vec::new(), Vec::new(), 0i64);
        for &(a, b) in &ends {
            let (l, h) = (at(a, f64::NEG_INFINITY), at(b, f64::INFINITY));
            // equal sample values can make value windows of distinct rank
            // windows overlap: merge them by value too
            match hi.last_mut() {
                Some(ph) if l <= *ph => *ph = h.max(*ph),
                _ => {
                    lo.push(l);
                    hi.push(h);
                }
            }
            share += b.min(m as i64) - a.max(-1) + 1;
        }
        let cap = ((share as f64 / m as f64) * 1.5 * n as f64) as usize + 4 * PASS_BLOCK;
        if cap > n / 2 {
            return None;
        }
        let nw = lo.len();
        let mut ge = vec![0u64; nw];
        let mut data = vec![0.0f64; cap + PASS_BLOCK];
        let mut which = vec![0u8; cap + PASS_BLOCK];
        let mut fill = 0usize;
        let mut idx = [0u64; PASS_BLOCK];
        let arch = tradewarden_core::simd::arch();
        for block in values.chunks(PASS_BLOCK) {
            let idx = &mut idx[..block.len()];
            // idx = #{window ends at or below v}: odd inside window idx/2
            arch.dispatch(|| {
                idx.fill(0);
                for ((&l, &h), g) in lo.iter().zip(&hi).zip(&mut ge) {
                    let mut c = 0u64;
                    for (&v, i) in block.iter().zip(idx.iter_mut()) {
                        let a = u64::from(v >= l);
                        *i += a + u64::from(v > h);
                        c += a;
                    }
                    *g += c;
                }
            });
            // branch-free gather: every value is written at the end, which
            // advances only for values inside a window
            for (&v, &i) in block.iter().zip(idx.iter()) {
                data[fill] = v + 0.0;
                which[fill] = (i >> 1) as u8;
                fill += (i & 1) as usize;
            }
            if fill > cap {
                return None;
            }
        }
        // group by window (counting sort)
        let mut start = vec![0usize; nw + 1];
        for &w in &which[..fill] {
            start[usize::from(w) + 1] += 1;
        }
        for w in 0..nw {
            start[w + 1] += start[w];
        }
        let mut next = start.clone();
        let mut grouped = vec![0.0f64; fill];
        for (&v, &w) in data[..fill].iter().zip(&which[..fill]) {
            let w = usize::from(w);
            grouped[next[w]] = v;
            next[w] += 1;
        }
        let below = ge.iter().map(|&g| n - g as usize).collect();
        Some(Windows {
            lo,
            hi,
            below,
            data: grouped,
            start,
        })
    }

    /// The order statistics at `ranks` (ascending, distinct), as
    /// (rank, value) in any order; `None` when a window missed one (the
    /// sample misled: ordered or adversarial data).
    fn select(&mut self, ranks: &[usize]) -> Option<Vec<(usize, f64)>> {
        let mut out = Vec::with_capacity(ranks.len());
        let mut rest = ranks;
        for w in 0..self.lo.len() {
            let (b, s) = (
                self.below[w],
                &mut self.data[self.start[w]..self.start[w + 1]],
            );
            let k = rest.partition_point(|&r| r < b + s.len());
            if rest[..k].iter().any(|&r| r < b) {
                return None;
            }
            multi_select(s, &rest[..k], b, &mut out);
            rest = &rest[k..];
        }
        rest.is_empty().then_some(out)
    }

    /// #{v < e}, when `e` lies in a window (else `None`).
    fn count_below(&self, e: f64) -> Option<usize> {
        let w = self.hi.partition_point(|&h| h < e);
        if w == self.lo.len() || self.lo[w] > e {
            return None;
        }
        let s = &self.data[self.start[w]..self.start[w + 1]];
        Some(self.below[w] + s.iter().filter(|&&v| v < e).count())
    }
}

/// Reference bins and summary of an unsorted fit (no stored reference).
pub(crate) struct UnsortedFit {
    pub(crate) edges: Vec<f64>,
    pub(crate) counts: Vec<u64>,
    pub(crate) n: usize,
    pub(crate) min: f64,
    pub(crate) max: f64,
    /// NaN unless the moments were asked for.
    pub(crate) mean: f64,
    pub(crate) m2: f64,
}

/// The bins of a fit without the stored reference (any strategy but
/// Sturges), with the mean and M2 when `moments`: the body of
/// [`NumericProfile::fit`] for `keep_reference = false`, and of
/// [`crate::psi::psi_of_samples`] (which needs no moments).
///
/// One vectorised pass finds the minimum, the maximum and whether every
/// value is finite. A finite series of at least [`WINDOW_FIT_MIN`] values
/// is then neither copied nor sorted: quantile edges come from
/// [`Windows`] (one more pass), and their bin counts from the windows
/// too; other strategies count their bins on the series. Otherwise (short,
/// or NaN/±inf to skip) the finite values are copied and the order
/// statistics selected on the copy. Either way the edges and counts are
/// those of the sorted path exactly; the mean and M2 are summed in input
/// order.
pub(crate) fn fit_unsorted_bins(
    values: &[f64],
    options: &ProfileOptions,
    moments: bool,
) -> Result<UnsortedFit> {
    let (min, max, finite) = min_max_finite(values);
    if !finite && options.nan_policy != NanPolicy::Skip {
        let index = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
        return Err(Error::NonFinite {
            param: "reference",
            index,
            value: values.get(index).copied().unwrap_or(f64::NAN),
        });
    }
    let n_all = values.len();
    if !finite || n_all < WINDOW_FIT_MIN {
        return fit_unsorted_copy(values, options, moments);
    }
    let n = n_all;
    let (mean, m2) = if moments {
        sum_moments(values)
    } else {
        (f64::NAN, f64::NAN)
    };
    let done = |edges: Vec<f64>, counts: Vec<u64>| UnsortedFit {
        edges,
        counts,
        n,
        min,
        max,
        mean,
        m2,
    };
    if let BinStrategy::Quantile { bins } = options.bins
        && (2..=MAX_BINS).contains(&bins)
        && min != max
    {
        let ranks = quantile_ranks(n, bins);
        if let Some(mut w) = Windows::gather(values, &ranks)
            && let Some(mut found) = w.select(&ranks)
        {
            found.sort_unstable_by_key(|&(r, _)| r);
            let edges = fit_edges(&options.bins, n, min, max, false, |r| {
                found
                    .binary_search_by_key(&r, |&(k, _)| k)
                    .map_or(f64::NAN, |i| found[i].1)
            })?;
            let counts = match counts_from_windows(&w, &edges, n) {
                Some(c) => c,
                None => bin_counts(values, &edges)?,
            };
            return Ok(done(edges, counts));
        }
        return fit_unsorted_copy(values, options, moments);
    }
    let edges = fit_edges(&options.bins, n, min, max, false, |_| f64::NAN)?;
    let counts = bin_counts(values, &edges)?;
    Ok(done(edges, counts))
}

/// The (distinct, ascending) order-statistic ranks of the quantile edges
/// of `bins` bins over `n` values.
fn quantile_ranks(n: usize, bins: usize) -> Vec<usize> {
    let mut ranks: Vec<usize> = Vec::with_capacity(2 * bins);
    for k in 1..bins {
        let (lo, hi, _) = quantile_position(n, k as f64 / bins as f64);
        ranks.push(lo);
        ranks.push(hi);
    }
    ranks.sort_unstable();
    ranks.dedup();
    ranks
}

/// Bin counts of `n` values over `edges` (±inf outer) from the windows:
/// #{v ≥ e} = n − #{v < e}; `None` when an inner edge lies outside every
/// window (an interpolated edge between two windows).
fn counts_from_windows(w: &Windows, edges: &[f64], n: usize) -> Option<Vec<u64>> {
    let inner = &edges[1..edges.len() - 1];
    let mut counts = Vec::with_capacity(edges.len() - 1);
    let mut prev = 0usize;
    for &e in inner {
        let b = w.count_below(e)?;
        counts.push(b.checked_sub(prev)? as u64);
        prev = b;
    }
    counts.push((n - prev) as u64);
    Some(counts)
}

/// Mean and M2 of finite values, summed in input order (as the copy path).
fn sum_moments(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mut sum = 0.0;
    for &x in values {
        sum += x;
    }
    let mean = sum / n;
    let m2 = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>();
    (mean, m2)
}

/// [`fit_unsorted_bins`] on a copy of the finite values (short series, or
/// NaN/±inf skipped): order statistics by recursive selection on the copy.
fn fit_unsorted_copy(
    values: &[f64],
    options: &ProfileOptions,
    moments: bool,
) -> Result<UnsortedFit> {
    let mut v: Vec<f64> = Vec::with_capacity(values.len());
    for (i, &x) in values.iter().enumerate() {
        if x.is_finite() {
            v.push(x + 0.0);
        } else if options.nan_policy != NanPolicy::Skip {
            return Err(Error::NonFinite {
                param: "reference",
                index: i,
                value: x,
            });
        }
    }
    let n = v.len();
    if n < 1 {
        return Err(Error::TooFewValues {
            param: "reference",
            actual: n,
            min: 1,
        });
    }
    let (mut min, mut max) = (v[0], v[0]);
    for &x in &v {
        min = min.min(x);
        max = max.max(x);
    }
    let (mean, m2) = if moments {
        sum_moments(&v)
    } else {
        (f64::NAN, f64::NAN)
    };
    let edges = match &options.bins {
        BinStrategy::Quantile { bins } if *bins >= 2 && min != max => {
            let ranks = quantile_ranks(n, *bins);
            // selection permutes `v` in place; the bin counts below do
            // not depend on the order
            let mut found = Vec::with_capacity(ranks.len());
            multi_select(&mut v, &ranks, 0, &mut found);
            found.sort_unstable_by_key(|&(r, _)| r);
            fit_edges(&options.bins, n, min, max, false, |r| {
                found
                    .binary_search_by_key(&r, |&(k, _)| k)
                    .map_or(f64::NAN, |i| found[i].1)
            })?
        }
        other => fit_edges(other, n, min, max, false, |_| f64::NAN)?,
    };
    let counts = bin_counts(&v, &edges)?;
    Ok(UnsortedFit {
        edges,
        counts,
        n,
        min,
        max,
        mean,
        m2,
    })
}

/// a + (b − a)·t (numpy's linear interpolation); when b − a overflows
/// `f64` (a far below 0, b far above), a·(1 − t) + b·t, which stays finite.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let x = a + (b - a) * t;
    if x.is_finite() {
        x
    } else {
        a * (1.0 - t) + b * t
    }
}

/// Appends a finite edge above the last one: equal edges (ties, or
/// equal-width bins narrower than the spacing of floats) are merged, so
/// fitted edges are always strictly increasing, as loading requires.
fn push_increasing(e: &mut Vec<f64>, x: f64) {
    if x.is_finite() && e.last().is_none_or(|&l| x > l) {
        e.push(x);
    }
}

/// The edges of a constant feature (every reference value equals `v`):
/// `[−inf, v, v⁺, +inf]` with v⁺ the next float above `v` — three bins:
/// below the constant, the constant itself, above it (two bins when `v`
/// is the largest float). Quantile and equal-width edges are undefined
/// there (they would all equal `v`), so a constant partition still fits
/// and merges, and a constant feature is scored: any current value other
/// than the constant moves out of the middle bin (a drift report flags the
/// feature, see [`crate::report::FeatureDrift::constant_reference`]).
pub(crate) fn constant_edges(v: f64) -> Vec<f64> {
    let mut e = vec![f64::NEG_INFINITY, v + 0.0];
    push_increasing(&mut e, (v + 0.0).next_up());
    e.push(f64::INFINITY);
    e
}

/// Bin edges of a strategy; `order_stat(r)` is the r-th smallest reference value.
fn fit_edges(
    strategy: &BinStrategy,
    n: usize,
    min: f64,
    max: f64,
    keep_reference: bool,
    order_stat: impl Fn(usize) -> f64,
) -> Result<Vec<f64>> {
    Ok(match strategy {
        BinStrategy::Quantile { bins } => {
            check_bins(*bins)?;
            if min == max {
                return Ok(constant_edges(min));
            }
            let mut e = vec![f64::NEG_INFINITY];
            for k in 1..*bins {
                // same arithmetic as tradewarden_core::stats::quantile_sorted
                let (lo, hi, frac) = quantile_position(n, k as f64 / *bins as f64);
                let q = if frac == 0.0 {
                    order_stat(lo)
                } else {
                    lerp(order_stat(lo), order_stat(hi), frac)
                };
                push_increasing(&mut e, q);
            }
            e.push(f64::INFINITY);
            e
        }
        BinStrategy::EqualWidth { bins } => {
            check_bins(*bins)?;
            if min == max {
                return Ok(constant_edges(min));
            }
            let w = (max - min) / *bins as f64;
            let mut e = vec![f64::NEG_INFINITY];
            for k in 1..*bins {
                let mut x = min + k as f64 * w;
                if !x.is_finite() {
                    // max − min overflows f64
                    x = lerp(min, max, k as f64 / *bins as f64);
                }
                push_increasing(&mut e, x);
            }
            e.push(f64::INFINITY);
            e
        }
        BinStrategy::Sturges => {
            if !keep_reference {
                return Err(Error::invalid(
                    "keep_reference",
                    false,
                    "Sturges bins need the stored reference",
                ));
            }
            Vec::new()
        }
        BinStrategy::Explicit { edges } => validate_explicit(edges)?,
    })
}

/// Everything a profile derives from its sorted reference (≥ 2 finite values):
/// edges, bin counts, min, max, mean and M2. Shared by [`NumericProfile::fit`]
/// and [`NumericProfile::merge`], so that a merged profile equals the profile
/// fitted on the concatenated data bit for bit.
struct SortedSummary {
    edges: Vec<f64>,
    counts: Vec<u64>,
    min: f64,
    max: f64,
    mean: f64,
    m2: f64,
}

impl SortedSummary {
    fn of(sorted: &[f64], options: &ProfileOptions) -> Result<Self> {
        let n = sorted.len();
        let (min, max) = (sorted[0], sorted[n - 1]);
        let edges = fit_edges(&options.bins, n, min, max, options.keep_reference, |r| {
            sorted[r]
        })?;
        let counts = if edges.is_empty() {
            Vec::new()
        } else {
            bin_counts(sorted, &edges)?
        };
        let nf = n as f64;
        let mean = sorted.iter().sum::<f64>() / nf;
        let m2 = sorted.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>();
        Ok(SortedSummary {
            edges,
            counts,
            min,
            max,
            mean,
            m2,
        })
    }
}

/// Merges two ascending, NaN-free slices (stable: ties from `a` first).
fn merge_sorted(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            merged.push(a[i]);
            i += 1;
        } else {
            merged.push(b[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&a[i..]);
    merged.extend_from_slice(&b[j..]);
    merged
}

/// A merge through stored references needs every value of `p` stored.
fn full_reference(p: &NumericProfile, label: &str) -> Result<()> {
    if p.reference.len() as u64 == p.count {
        return Ok(());
    }
    Err(Error::Merge {
        reason: format!(
            "{label}: stored reference has {} values but count = {} \
             (keep_reference = true needs the full sorted reference)",
            p.reference.len(),
            p.count
        ),
    })
}

fn type_differs(name: &str) -> Error {
    Error::Merge {
        reason: format!("feature {name:?} is numeric in one part and categorical in another"),
    }
}

fn in_feature(name: &str, e: Error) -> Error {
    match e {
        Error::Merge { reason } => Error::Merge {
            reason: format!("feature {name:?}: {reason}"),
        },
        other => other,
    }
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

impl NumericProfile {
    /// Fits a profile from reference values.
    ///
    /// ```
    /// use tradewarden_drift::profile::{NumericProfile, ProfileOptions};
    /// let reference: Vec<f64> = (0..1000).map(|i| i as f64).collect();
    /// let p = NumericProfile::fit(&reference, &ProfileOptions::default()).unwrap();
    /// assert_eq!(p.counts.len(), 10);
    /// assert_eq!(p.psi(&reference, Default::default()).unwrap(), 0.0);
    /// ```
    pub fn fit(values: &[f64], options: &ProfileOptions) -> Result<Self> {
        // before any allocation sized by `bins`
        options.validate()?;
        if !options.keep_reference && options.bins != BinStrategy::Sturges {
            return Self::fit_unsorted(values, options);
        }
        let sorted = match prepare_sorted("reference", values, options.nan_policy)? {
            Some(s) => s,
            None => {
                // Propagate makes no sense for a frozen profile: a NaN is an error.
                let index = values.iter().position(|v| v.is_nan()).unwrap_or(0);
                return Err(Error::NonFinite {
                    param: "reference",
                    index,
                    value: f64::NAN,
                });
            }
        };
        Self::fit_sorted(sorted, (values.len()) as u64, options)
    }

    fn fit_sorted(sorted: Vec<f64>, total: u64, options: &ProfileOptions) -> Result<Self> {
        let n = sorted.len();
        if n < 1 {
            return Err(Error::TooFewValues {
                param: "reference",
                actual: n,
                min: 1,
            });
        }
        let s = SortedSummary::of(&sorted, options)?;
        Ok(NumericProfile {
            options: options.clone(),
            edges: s.edges,
            counts: s.counts,
            count: n as u64,
            nan_count: total - n as u64,
            min: s.min,
            max: s.max,
            mean: s.mean,
            m2: s.m2,
            reference: if options.keep_reference {
                sorted
            } else {
                Vec::new()
            },
        })
    }

    /// Fit without the stored reference: no full sort, no copy of a long
    /// finite series ([`fit_unsorted_bins`]). Edges and counts equal those
    /// of the sorted path exactly; the mean and M2 are summed in input order
    /// (they may differ from the sorted path's in the last bits).
    fn fit_unsorted(values: &[f64], options: &ProfileOptions) -> Result<Self> {
        let f = fit_unsorted_bins(values, options, true)?;
        Ok(NumericProfile {
            options: options.clone(),
            edges: f.edges,
            counts: f.counts,
            count: f.n as u64,
            nan_count: (values.len() - f.n) as u64,
            min: f.min,
            max: f.max,
            mean: f.mean,
            m2: f.m2,
            reference: Vec::new(),
        })
    }

    /// Whether the reference is constant (every value equal: `min = max`,
    /// including a one-value reference); its quantile and equal-width bins
    /// are then `[−inf, v)`, `[v, v⁺)` (the constant alone; v⁺ the next
    /// float) and `[v⁺, +inf)`.
    ///
    /// ```
    /// use tradewarden_drift::profile::{NumericProfile, ProfileOptions};
    /// let p = NumericProfile::fit(&[2.5; 10], &ProfileOptions::default()).unwrap();
    /// assert!(p.is_constant());
    /// assert_eq!(p.edges, vec![f64::NEG_INFINITY, 2.5, 2.5f64.next_up(), f64::INFINITY]);
    /// assert_eq!(p.counts, vec![0, 10, 0]);
    /// ```
    pub fn is_constant(&self) -> bool {
        self.min == self.max
    }

    /// Checks the structural invariants every fitted (or merged) numeric
    /// profile satisfies; called on every loaded profile by
    /// [`Profile::validate`], in O(bins + reference) once at load time:
    ///
    /// - `options` valid ([`ProfileOptions::validate`]);
    /// - Sturges: no edges and no counts; otherwise 3..=`MAX_BINS + 1`
    ///   edges, −inf first, +inf last, strictly increasing (so the inner
    ///   edges are finite and NaN-free), and `counts.len() = edges.len() − 1`
    ///   with Σ counts = `count` (no overflow);
    /// - `count ≥ 1`; `count + nan_count` fits `u64`; `nan_count = 0` unless
    ///   the NaN policy is `skip`;
    /// - `min ≤ max`, both finite; `m2` not negative (`mean` and `m2` are
    ///   descriptive only: ±inf when the sums overflowed, NaN allowed);
    /// - `keep_reference`: the reference holds `count` finite values in
    ///   ascending order, from `min` to `max`; otherwise it is empty.
    ///
    /// # Errors
    /// `Error::Corrupt` whose `what` names the field (`options`, `edges`,
    /// `counts`, `count`, `nan_count`, `min`, `max`, `m2`, `reference`).
    pub fn validate(&self) -> Result<()> {
        self.options
            .validate()
            .map_err(|e| corrupt_field("options", e.to_string()))?;
        if self.options.bins == BinStrategy::Sturges {
            if !self.edges.is_empty() || !self.counts.is_empty() {
                return Err(corrupt_field(
                    "edges",
                    format!(
                        "{} edges and {} counts with Sturges bins (must be empty)",
                        self.edges.len(),
                        self.counts.len()
                    ),
                ));
            }
        } else {
            self.validate_bins()?;
        }
        if self.count < 1 {
            return Err(corrupt_field(
                "count",
                format!("{} values (a fitted profile has ≥ 1)", self.count),
            ));
        }
        if self.count.checked_add(self.nan_count).is_none() {
            return Err(corrupt_field(
                "nan_count",
                format!(
                    "count + nan_count = {} + {} overflows u64",
                    self.count, self.nan_count
                ),
            ));
        }
        if self.nan_count > 0 && self.options.nan_policy != NanPolicy::Skip {
            return Err(corrupt_field(
                "nan_count",
                format!(
                    "{} with nan_policy = {:?} (only skip drops values)",
                    self.nan_count, self.options.nan_policy
                ),
            ));
        }
        if !self.min.is_finite() {
            return Err(corrupt_field("min", format!("{} is not finite", self.min)));
        }
        if !(self.max.is_finite() && self.max >= self.min) {
            return Err(corrupt_field(
                "max",
                format!("{} (must be finite and ≥ min = {})", self.max, self.min),
            ));
        }
        // mean and m2 are descriptive (never used in scoring): ±inf when
        // the sums overflow f64, NaN after merging overflowed moments
        if self.m2 < 0.0 {
            return Err(corrupt_field("m2", format!("{} (must be ≥ 0)", self.m2)));
        }
        self.validate_reference()
    }

    /// Edges and counts of a binned profile (see [`NumericProfile::validate`]).
    pub(crate) fn validate_bins(&self) -> Result<()> {
        let e = &self.edges;
        if e.len() < 3 || e.len() > MAX_BINS + 1 {
            return Err(corrupt_field(
                "edges",
                format!(
                    "{} edges (need 3..={} : 2..=MAX_BINS bins)",
                    e.len(),
                    MAX_BINS + 1
                ),
            ));
        }
        if e[0] != f64::NEG_INFINITY || e[e.len() - 1] != f64::INFINITY {
            return Err(corrupt_field(
                "edges",
                format!(
                    "outer edges {} and {} (must be -inf and +inf)",
                    e[0],
                    e[e.len() - 1]
                ),
            ));
        }
        for i in 1..e.len() {
            if !(e[i] > e[i - 1]) {
                return Err(corrupt_field(
                    "edges",
                    format!(
                        "edges[{i}] = {} after edges[{}] = {} (must be strictly increasing, no NaN)",
                        e[i],
                        i - 1,
                        e[i - 1]
                    ),
                ));
            }
        }
        if self.counts.len() + 1 != e.len() {
            return Err(corrupt_field(
                "counts",
                format!(
                    "{} counts for {} edges (must be edges.len() − 1)",
                    self.counts.len(),
                    e.len()
                ),
            ));
        }
        let sum = self
            .counts
            .iter()
            .try_fold(0u64, |a, &c| a.checked_add(c))
            .ok_or_else(|| corrupt_field("counts", "bin counts overflow u64".into()))?;
        if sum != self.count {
            return Err(corrupt_field(
                "counts",
                format!("bin counts sum to {sum}, count = {}", self.count),
            ));
        }
        Ok(())
    }

    /// The stored reference (see [`NumericProfile::validate`]).
    fn validate_reference(&self) -> Result<()> {
        let r = &self.reference;
        if !self.options.keep_reference {
            if !r.is_empty() {
                return Err(corrupt_field(
                    "reference",
                    format!("{} values with keep_reference = false", r.len()),
                ));
            }
            return Ok(());
        }
        if r.len() as u64 != self.count {
            return Err(corrupt_field(
                "reference",
                format!("{} values, count = {}", r.len(), self.count),
            ));
        }
        let mut prev = f64::NEG_INFINITY;
        for (i, &x) in r.iter().enumerate() {
            // `!(x >= prev)` also rejects NaN
            if !x.is_finite() || !(x >= prev) {
                return Err(corrupt_field(
                    "reference",
                    format!("reference[{i}] = {x} (must be finite and ascending)"),
                ));
            }
            prev = x;
        }
        if r.first() != Some(&self.min) || r.last() != Some(&self.max) {
            return Err(corrupt_field(
                "reference",
                format!(
                    "runs from {:?} to {:?}, min = {}, max = {}",
                    r.first(),
                    r.last(),
                    self.min,
                    self.max
                ),
            ));
        }
        Ok(())
    }

    /// Sample variance with `ddof` (1 = unbiased).
    pub fn variance(&self, ddof: u64) -> f64 {
        if self.count <= ddof {
            f64::NAN
        } else {
            self.m2 / (self.count - ddof) as f64
        }
    }

    fn current_checked(&self, current: &[f64]) -> Result<Vec<f64>> {
        let v: Vec<f64> = match self.options.nan_policy {
            NanPolicy::Skip => current.iter().copied().filter(|v| v.is_finite()).collect(),
            _ => {
                crate::sample::check_finite("current", current)?;
                current.to_vec()
            }
        };
        if v.is_empty() {
            return Err(Error::TooFewValues {
                param: "current",
                actual: 0,
                min: 1,
            });
        }
        Ok(v)
    }

    /// Counts of `current` in this profile's bins (not for Sturges).
    pub fn histogram(&self, current: &[f64]) -> Result<Vec<u64>> {
        if self.edges.is_empty() {
            return Err(Error::invalid(
                "bins",
                "sturges",
                "bins depend on the current sample; use psi()",
            ));
        }
        self.check_bin_shape()?;
        if self.options.nan_policy == NanPolicy::Skip {
            let v = self.current_checked(current)?;
            return bin_counts(&v, &self.edges);
        }
        crate::sample::check_finite("current", current)?;
        if current.is_empty() {
            return Err(Error::TooFewValues {
                param: "current",
                actual: 0,
                min: 1,
            });
        }
        bin_counts(current, &self.edges)
    }

    /// O(1) shape check of the bins before scoring (a profile built by hand
    /// may be inconsistent; a loaded one was checked by [`Profile::validate`]).
    fn check_bin_shape(&self) -> Result<()> {
        if self.edges.len() < 2 || self.counts.len() + 1 != self.edges.len() {
            return Err(corrupt_field(
                "counts",
                format!(
                    "{} counts for {} edges: need edges.len() − 1 ≥ 1",
                    self.counts.len(),
                    self.edges.len()
                ),
            ));
        }
        Ok(())
    }

    fn reference(&self) -> Result<&[f64]> {
        if self.reference.is_empty() {
            return Err(Error::invalid(
                "keep_reference",
                false,
                "this statistic needs the stored reference",
            ));
        }
        Ok(&self.reference)
    }

    /// Counts of an already sorted, finite `current` in this profile's bins
    /// (O(bins·log n)); not for Sturges.
    pub fn histogram_of_sorted(&self, sorted: &[f64]) -> Result<Vec<u64>> {
        if self.edges.is_empty() {
            return Err(Error::invalid(
                "bins",
                "sturges",
                "bins depend on the current sample; use psi()",
            ));
        }
        self.check_bin_shape()?;
        let k = self.edges.len() - 1;
        let mut out = Vec::with_capacity(k);
        let mut prev = 0usize;
        for (i, &e) in self.edges.iter().enumerate().skip(1) {
            let pos = if i == k {
                sorted.len()
            } else {
                sorted.partition_point(|&v| v < e)
            };
            let c = pos.checked_sub(prev).ok_or_else(|| {
                corrupt_field("edges", format!("edges[{i}] = {e} below an earlier edge"))
            })?;
            out.push(c as u64);
            prev = pos;
        }
        Ok(out)
    }

    /// KS, PSI and (when binned) Jensen–Shannon of a sorted, finite `current`
    /// in one go: the sample is sorted once and every statistic derived from it.
    pub fn score_sorted(
        &self,
        sorted: &[f64],
        mode: PsiMode,
    ) -> Result<(KsResult, f64, Option<f64>)> {
        if sorted.is_empty() {
            return Err(Error::TooFewValues {
                param: "current",
                actual: 0,
                min: 1,
            });
        }
        let r = self.reference()?;
        let ks = ks_2samp_sorted(r, sorted, Alternative::TwoSided, KsMethod::Auto)?;
        let (psi, js) = match (mode, self.edges.is_empty()) {
            (PsiMode::Evidently, _) => (psi_evidently_sorted(r, sorted)?, None),
            (PsiMode::Standard { epsilon }, true) => {
                let edges = sturges_edges(r, sorted)?;
                let psi = psi_from_counts(
                    &histogram_sorted(r, &edges),
                    &histogram_sorted(sorted, &edges),
                    epsilon,
                )?;
                (psi, None)
            }
            (PsiMode::Standard { epsilon }, false) => {
                self.psi_js_of_counts(&self.histogram_of_sorted(sorted)?, epsilon)?
            }
        };
        Ok((ks, psi, js))
    }

    /// As [`NumericProfile::score_sorted`] without sorting `current`, when
    /// nothing needs it: NaN policy other than `Skip`, and standard PSI over
    /// the profile's fixed edges or Evidently's PSI over a reference of more
    /// than 20 distinct values. KS runs the fused grid path on the raw
    /// values, PSI and Jensen–Shannon bin them directly; the results equal
    /// the sorted path's bit for bit (same statistic, same edges and
    /// counts). `Ok(None)` when the sorted path is needed (`Skip`, Sturges
    /// bins, Evidently's PSI over ≤ 20 distinct reference values).
    ///
    /// # Errors
    /// NaN/±inf in `current` (typed, naming `current`), an empty `current`,
    /// a profile without its reference.
    pub fn score_unsorted(
        &self,
        current: &[f64],
        mode: PsiMode,
    ) -> Result<Option<(KsResult, f64, Option<f64>)>> {
        if self.options.nan_policy == NanPolicy::Skip {
            return Ok(None);
        }
        let epsilon = match mode {
            PsiMode::Standard { epsilon } if !self.edges.is_empty() => epsilon,
            PsiMode::Standard { .. } => return Ok(None),
            PsiMode::Evidently => {
                let r = self.reference()?;
                crate::sample::check_finite("current", current)?;
                let Some(psi) = crate::psi::psi_evidently_unsorted(r, current)? else {
                    return Ok(None);
                };
                let ks =
                    crate::ks::ks_2samp_finite(r, current, Alternative::TwoSided, KsMethod::Auto)?;
                return Ok(Some((ks, psi, None)));
            }
        };
        let r = self.reference()?;
        let h = self.histogram(current)?; // checks finite and non-empty
        let ks = crate::ks::ks_2samp_finite(r, current, Alternative::TwoSided, KsMethod::Auto)?;
        let (psi, js) = self.psi_js_of_counts(&h, epsilon)?;
        Ok(Some((ks, psi, js)))
    }

    /// PSI and Jensen–Shannon distance of current bin counts `h` against
    /// the profile's counts (over its fixed edges).
    pub(crate) fn psi_js_of_counts(&self, h: &[u64], epsilon: f64) -> Result<(f64, Option<f64>)> {
        let psi = psi_from_counts(&self.counts, h, epsilon)?;
        let p: Vec<f64> = self.counts.iter().map(|&c| c as f64).collect();
        let q: Vec<f64> = h.iter().map(|&c| c as f64).collect();
        Ok((psi, Some(crate::distance::jensenshannon(&p, &q, None)?)))
    }

    /// Sorts `current` under this profile's NaN policy (NaN/±inf rejected
    /// unless the policy is `Skip`).
    pub fn prepare_current(&self, current: &[f64]) -> Result<Vec<f64>> {
        if self.options.nan_policy != NanPolicy::Skip {
            crate::sample::check_finite("current", current)?;
            if current.is_empty() {
                return Err(Error::TooFewValues {
                    param: "current",
                    actual: 0,
                    min: 1,
                });
            }
            return Ok(crate::sample::sorted_copy(current));
        }
        let mut c = self.current_checked(current)?;
        crate::sample::sort_f64(&mut c);
        Ok(c)
    }

    /// PSI of `current` against this profile.
    pub fn psi(&self, current: &[f64], mode: PsiMode) -> Result<f64> {
        match mode {
            PsiMode::Standard { epsilon } => {
                if self.edges.is_empty() {
                    let r = self.reference()?;
                    let mut c = self.current_checked(current)?;
                    crate::sample::sort_f64(&mut c);
                    let edges = sturges_edges(r, &c)?;
                    return psi_from_counts(
                        &histogram_sorted(r, &edges),
                        &histogram_sorted(&c, &edges),
                        epsilon,
                    );
                }
                let h = self.histogram(current)?;
                psi_from_counts(&self.counts, &h, epsilon)
            }
            PsiMode::Evidently => {
                let r = self.reference()?;
                let mut c = self.current_checked(current)?;
                crate::sample::sort_f64(&mut c);
                psi_evidently_sorted(r, &c)
            }
        }
    }

    /// Two-sample KS of the stored reference (data1) against `current` (data2).
    pub fn ks(
        &self,
        current: &[f64],
        alternative: Alternative,
        method: KsMethod,
    ) -> Result<KsResult> {
        let r = self.reference()?;
        let c = self.prepare_current(current)?;
        ks_2samp_sorted(r, &c, alternative, method)
    }

    /// Jensen–Shannon distance between reference and current bin frequencies
    /// (`base = None`: natural log).
    pub fn jensenshannon(&self, current: &[f64], base: Option<f64>) -> Result<f64> {
        let h = self.histogram(current)?;
        let p: Vec<f64> = self.counts.iter().map(|&c| c as f64).collect();
        let q: Vec<f64> = h.iter().map(|&c| c as f64).collect();
        crate::distance::jensenshannon(&p, &q, base)
    }

    /// Wasserstein-1 distance between the stored reference and `current`.
    pub fn wasserstein(&self, current: &[f64]) -> Result<f64> {
        let r = self.reference()?;
        let mut c = self.current_checked(current)?;
        crate::sample::sort_f64(&mut c);
        crate::distance::wasserstein_sorted(r, &c)
    }

    /// Bin fractions of the reference and of `current` (not for Sturges).
    fn bin_fractions(&self, current: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let h = self.histogram(current)?;
        let (ne, na) = (self.count as f64, h.iter().sum::<u64>() as f64);
        Ok((
            self.counts.iter().map(|&c| c as f64 / ne).collect(),
            h.iter().map(|&c| c as f64 / na).collect(),
        ))
    }

    /// KL divergence KL(reference ‖ current) over this profile's bins
    /// (+inf when a bin is empty in `current` but not in the reference).
    pub fn kl_divergence(&self, current: &[f64], base: Option<f64>) -> Result<f64> {
        let (p, q) = self.bin_fractions(current)?;
        crate::distance::kl_divergence(&p, &q, base)
    }

    /// Hellinger distance between reference and current bin fractions.
    pub fn hellinger(&self, current: &[f64]) -> Result<f64> {
        let (p, q) = self.bin_fractions(current)?;
        crate::distance::hellinger(&p, &q)
    }

    /// Evidently's normed Wasserstein distance: W1 / std(reference, ddof = 0)
    /// (needs the stored reference).
    pub fn wasserstein_normed(&self, current: &[f64]) -> Result<f64> {
        let r = self.reference()?;
        let c = self.current_checked(current)?;
        crate::distance::wasserstein_normed(r, &c)
    }

    /// Energy distance between the stored reference and `current` (as scipy).
    pub fn energy_distance(&self, current: &[f64]) -> Result<f64> {
        let r = self.reference()?;
        let c = self.prepare_current(current)?;
        crate::distance::energy_distance_sorted(r, &c)
    }

    /// Cramér–von Mises two-sample test, reference (x) against `current` (y).
    pub fn cramervonmises(
        &self,
        current: &[f64],
        method: crate::cvm::CvmMethod,
    ) -> Result<crate::cvm::CvmResult> {
        let r = self.reference()?;
        let c = self.current_checked(current)?;
        crate::cvm::cramervonmises_2samp(r, &c, method)
    }

    /// Anderson–Darling 2-sample test of the stored reference and `current`.
    pub fn anderson_ksamp(
        &self,
        current: &[f64],
        variant: crate::anderson::AdVariant,
    ) -> Result<crate::anderson::AndersonKsampResult> {
        let r = self.reference()?;
        let c = self.current_checked(current)?;
        crate::anderson::anderson_ksamp(&[r, &c], variant)
    }

    /// Mann–Whitney U of the stored reference (x) against `current` (y),
    /// with the continuity correction (scipy's default).
    pub fn mannwhitneyu(
        &self,
        current: &[f64],
        alternative: crate::tests::MwuAlternative,
        method: crate::tests::MwuMethod,
    ) -> Result<crate::tests::MannWhitneyU> {
        let r = self.reference()?;
        let c = self.current_checked(current)?;
        Ok(crate::tests::mannwhitneyu(
            r,
            &c,
            true,
            alternative,
            method,
        )?)
    }

    /// Merges a profile fitted on another partition (`self` first, then
    /// `other`, as if their data were concatenated).
    ///
    /// Both profiles must have been fitted with the same options
    /// (`Error::Merge` otherwise; explicit edges must be identical).
    ///
    /// - `keep_reference = true` (the default): the sorted references are
    ///   merged, and edges (quantile, equal-width), bin counts, min, max, mean
    ///   and M2 are recomputed from the merged reference exactly as
    ///   [`NumericProfile::fit`] computes them, so `merge(fit(a), fit(b))`
    ///   equals `fit(a ++ b)` field for field; partitions may have different
    ///   quantile edges. NaN counts add.
    /// - `keep_reference = false`: counts, min/max and NaN count add exactly,
    ///   moments merge by Chan et al.'s formula (equal to a single fit up to
    ///   rounding). Bins must be identical: explicit edges always are;
    ///   quantile or equal-width edges fitted on different partitions differ
    ///   and give `Error::Merge` — fit the partitions with explicit edges taken
    ///   from a merged [`crate::sketch::QuantileSketch`] instead (two passes).
    ///
    /// ```
    /// use tradewarden_drift::profile::{NumericProfile, ProfileOptions};
    /// let data: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64).collect();
    /// let o = ProfileOptions::default(); // quantile deciles, keep_reference
    /// let mut a = NumericProfile::fit(&data[..300], &o).unwrap();
    /// a.merge(&NumericProfile::fit(&data[300..], &o).unwrap()).unwrap();
    /// assert_eq!(a, NumericProfile::fit(&data, &o).unwrap());
    /// ```
    pub fn merge(&mut self, other: &NumericProfile) -> Result<()> {
        if let (BinStrategy::Explicit { edges: a }, BinStrategy::Explicit { edges: b }) =
            (&self.options.bins, &other.options.bins)
            && !same_bits(a, b)
        {
            return Err(Error::Merge {
                reason: format!("explicit bin edges differ ({a:?} vs {b:?})"),
            });
        }
        if self.options != other.options {
            return Err(Error::Merge {
                reason: format!(
                    "profiles were fitted with different options ({:?} vs {:?})",
                    self.options, other.options
                ),
            });
        }
        if self.options.keep_reference {
            return self.merge_with_reference(other);
        }
        if !same_bits(&self.edges, &other.edges) {
            return Err(Error::Merge {
                reason: format!(
                    "bin edges differ ({:?} vs {:?}): {:?} edges fitted on different partitions \
                     cannot be merged without the stored reference; fit the partitions with \
                     BinStrategy::Explicit edges taken from a merged QuantileSketch \
                     (QuantileSketch::quantile_edges; two passes), or keep the reference",
                    self.edges, other.edges, self.options.bins
                ),
            });
        }
        if self.counts.len() != other.counts.len() {
            return Err(Error::Merge {
                reason: format!(
                    "bin counts have different lengths ({} vs {})",
                    self.counts.len(),
                    other.counts.len()
                ),
            });
        }
        let overflow = |what: &str| Error::Merge {
            reason: format!("merged {what} overflows u64"),
        };
        let count = self
            .count
            .checked_add(other.count)
            .ok_or_else(|| overflow("count"))?;
        let nan_count = self
            .nan_count
            .checked_add(other.nan_count)
            .ok_or_else(|| overflow("nan_count"))?;
        count
            .checked_add(nan_count)
            .ok_or_else(|| overflow("count + nan_count"))?;
        let counts = self
            .counts
            .iter()
            .zip(&other.counts)
            .map(|(a, b)| a.checked_add(*b).ok_or_else(|| overflow("bin count")))
            .collect::<Result<Vec<u64>>>()?;
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.mean += delta * nb / n;
        self.count = count;
        self.nan_count = nan_count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.counts = counts;
        Ok(())
    }

    /// Merges the profiles of several partitions at once: the result equals
    /// folding [`NumericProfile::merge`] left to right, but with the stored
    /// reference the sorted runs are merged pairwise in one tree (⌈log₂ k⌉
    /// linear passes) and the profile is rebuilt once, instead of k − 1
    /// merges that each copy and refit everything merged so far.
    pub fn merge_all(parts: &[&NumericProfile]) -> Result<NumericProfile> {
        let Some((first, rest)) = parts.split_first() else {
            return Err(Error::TooFewValues {
                param: "parts",
                actual: 0,
                min: 1,
            });
        };
        if !first.options.keep_reference || rest.is_empty() {
            let mut acc = (*first).clone();
            for p in rest {
                acc.merge(p)?;
            }
            return Ok(acc);
        }
        let mut nan_count = 0;
        for (i, p) in parts.iter().enumerate() {
            if p.options != first.options {
                return Err(Error::Merge {
                    reason: format!(
                        "parts[{i}] was fitted with different options ({:?} vs {:?})",
                        p.options, first.options
                    ),
                });
            }
            full_reference(p, &format!("parts[{i}]"))?;
            nan_count = u64::checked_add(nan_count, p.nan_count).ok_or_else(|| Error::Merge {
                reason: "merged nan_count overflows u64".into(),
            })?;
        }
        let mut runs: Vec<Vec<f64>> = Vec::with_capacity(parts.len().div_ceil(2));
        for pair in parts.chunks(2) {
            runs.push(match pair {
                [a, b] => merge_sorted(&a.reference, &b.reference),
                [a] => a.reference.clone(),
                _ => Vec::new(),
            });
        }
        while runs.len() > 1 {
            let mut next = Vec::with_capacity(runs.len().div_ceil(2));
            let mut it = runs.into_iter();
            while let Some(a) = it.next() {
                next.push(match it.next() {
                    Some(b) => merge_sorted(&a, &b),
                    None => a,
                });
            }
            runs = next;
        }
        let merged = runs.pop().unwrap_or_default();
        let total = (merged.len() as u64)
            .checked_add(nan_count)
            .ok_or_else(|| Error::Merge {
                reason: "merged count + nan_count overflows u64".into(),
            })?;
        Self::fit_sorted(merged, total, &first.options)
    }

    /// Exact merge through the stored references (see [`NumericProfile::merge`]).
    fn merge_with_reference(&mut self, other: &NumericProfile) -> Result<()> {
        full_reference(self, "self")?;
        full_reference(other, "other")?;
        let merged = merge_sorted(&self.reference, &other.reference);
        let total = self
            .nan_count
            .checked_add(other.nan_count)
            .and_then(|n| n.checked_add(merged.len() as u64))
            .ok_or_else(|| Error::Merge {
                reason: "merged count + nan_count overflows u64".into(),
            })?;
        let options = self.options.clone();
        *self = Self::fit_sorted(merged, total, &options)?;
        Ok(())
    }
}

/// Profile of one categorical feature: category frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoricalProfile {
    /// Count per category.
    pub counts: BTreeMap<String, u64>,
    /// Number of non-missing values.
    pub count: u64,
    /// Number of missing values (`None`).
    pub missing: u64,
}

impl CategoricalProfile {
    /// Fits category frequencies (`None` = missing). Needs ≥ 1 non-missing value.
    pub fn fit(values: &[Option<&str>]) -> Result<Self> {
        let mut counts = BTreeMap::new();
        let mut missing = 0;
        for v in values {
            match v {
                Some(s) => *counts.entry((*s).to_string()).or_insert(0u64) += 1,
                None => missing += 1,
            }
        }
        let count = values.len() as u64 - missing;
        if count == 0 {
            return Err(Error::TooFewValues {
                param: "reference",
                actual: 0,
                min: 1,
            });
        }
        Ok(CategoricalProfile {
            counts,
            count,
            missing,
        })
    }

    /// Reference and current counts over the union of categories (sorted by name).
    pub fn aligned_counts(
        &self,
        current: &[Option<&str>],
    ) -> Result<(Vec<String>, Vec<u64>, Vec<u64>)> {
        let cur = CategoricalProfile::fit(current).map_err(|_| Error::TooFewValues {
            param: "current",
            actual: 0,
            min: 1,
        })?;
        let mut keys: Vec<String> = self.counts.keys().cloned().collect();
        for k in cur.counts.keys() {
            if !self.counts.contains_key(k) {
                keys.push(k.clone());
            }
        }
        keys.sort();
        let e = keys
            .iter()
            .map(|k| self.counts.get(k).copied().unwrap_or(0))
            .collect();
        let a = keys
            .iter()
            .map(|k| cur.counts.get(k).copied().unwrap_or(0))
            .collect();
        Ok((keys, e, a))
    }

    /// PSI over categories (unseen categories get ε).
    pub fn psi(&self, current: &[Option<&str>], epsilon: f64) -> Result<f64> {
        let (_, e, a) = self.aligned_counts(current)?;
        if e.len() < 2 {
            return Ok(0.0);
        }
        psi_from_counts(&e, &a, epsilon)
    }

    /// Jensen–Shannon distance between reference and current category
    /// frequencies (over the union of categories).
    pub fn jensenshannon(&self, current: &[Option<&str>], base: Option<f64>) -> Result<f64> {
        let (_, e, a) = self.aligned_counts(current)?;
        let p: Vec<f64> = e.iter().map(|&x| x as f64).collect();
        let q: Vec<f64> = a.iter().map(|&x| x as f64).collect();
        crate::distance::jensenshannon(&p, &q, base)
    }

    /// χ² test of homogeneity on the 2×k table of reference and current
    /// category counts (as `scipy.stats.chi2_contingency`, Yates' correction
    /// for 2×2); a single category gives statistic 0, p = 1.
    pub fn chi2(&self, current: &[Option<&str>]) -> Result<crate::tests::Chi2Result> {
        let (_, e, a) = self.aligned_counts(current)?;
        if e.len() < 2 {
            return Ok(crate::tests::Chi2Result {
                statistic: 0.0,
                pvalue: 1.0,
                dof: 0,
            });
        }
        let row = |v: &[u64]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
        crate::tests::chi2_contingency(&[row(&e), row(&a)], true)
    }

    /// Merges another partition's frequencies (exact); a count that would
    /// overflow `u64` is an `Error::Merge` and leaves `self` unchanged.
    pub fn merge(&mut self, other: &CategoricalProfile) -> Result<()> {
        let overflow = |what: &str| Error::Merge {
            reason: format!("merged {what} overflows u64"),
        };
        let count = self
            .count
            .checked_add(other.count)
            .ok_or_else(|| overflow("count"))?;
        let missing = self
            .missing
            .checked_add(other.missing)
            .ok_or_else(|| overflow("missing"))?;
        count
            .checked_add(missing)
            .ok_or_else(|| overflow("count + missing"))?;
        let mut counts = self.counts.clone();
        for (k, v) in &other.counts {
            let c = counts.entry(k.clone()).or_insert(0);
            *c = c
                .checked_add(*v)
                .ok_or_else(|| overflow("category count"))?;
        }
        self.counts = counts;
        self.count = count;
        self.missing = missing;
        Ok(())
    }

    /// Checks the invariants every fitted categorical profile satisfies
    /// (called on every loaded profile by [`Profile::validate`]): the
    /// category counts sum to `count` without overflow, `count ≥ 1`, and
    /// `count + missing` fits `u64`.
    ///
    /// # Errors
    /// `Error::Corrupt` whose `what` names the field (`counts`, `count`, `missing`).
    pub fn validate(&self) -> Result<()> {
        let sum = self
            .counts
            .values()
            .try_fold(0u64, |a, &c| a.checked_add(c))
            .ok_or_else(|| corrupt_field("counts", "category counts overflow u64".into()))?;
        if sum != self.count {
            return Err(corrupt_field(
                "counts",
                format!("category counts sum to {sum}, count = {}", self.count),
            ));
        }
        if self.count == 0 {
            return Err(corrupt_field(
                "count",
                "0 non-missing values (a fitted profile has ≥ 1)".into(),
            ));
        }
        if self.count.checked_add(self.missing).is_none() {
            return Err(corrupt_field(
                "missing",
                format!(
                    "count + missing = {} + {} overflows u64",
                    self.count, self.missing
                ),
            ));
        }
        Ok(())
    }
}

/// A feature's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureProfile {
    /// Numeric feature.
    Numeric(NumericProfile),
    /// Categorical feature.
    Categorical(CategoricalProfile),
}

/// A named set of feature profiles, persisted as a unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Persisted format version ([`PROFILE_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Features by name.
    pub features: BTreeMap<String, FeatureProfile>,
    /// Provenance: the rows `[start, end)` of the analysed data the profile
    /// was fitted on, when the reference is a row range of it (`None`:
    /// unknown, or a separate reference data set). Chunked drift
    /// ([`crate::chunk::chunked_drift`]) never scores these rows, so a chunk
    /// is never compared with itself. Optional in both persisted forms:
    /// profiles written without it load unchanged (JSON field
    /// `reference_rows: {"start", "end"}`; binary trailer, see docs/drift.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_rows: Option<Range<u64>>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            format_version: PROFILE_FORMAT_VERSION,
            features: BTreeMap::new(),
            reference_rows: None,
        }
    }
}

const MAGIC: &[u8; 4] = b"TWDP";

/// Prefix of the JSON `checksum` field: 64-bit FNV-1a, as 16 lowercase hex digits.
const JSON_CHECKSUM_PREFIX: &str = "fnv1a64:";

/// The two persisted forms of a [`Profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileFormat {
    /// The checksummed binary form ([`Profile::to_bytes`]).
    Binary,
    /// The checksummed JSON form ([`Profile::to_json`]).
    Json,
}

impl ProfileFormat {
    /// The form to write at `path`: binary for a `.bin` extension (any
    /// case), JSON otherwise (what `tradewarden drift profile fit --out`
    /// writes; reading detects the form by content, [`ProfileFormat::detect`]).
    ///
    /// ```
    /// use std::path::Path;
    /// use tradewarden_drift::profile::ProfileFormat;
    /// assert_eq!(ProfileFormat::for_path(Path::new("ref.BIN")), ProfileFormat::Binary);
    /// assert_eq!(ProfileFormat::for_path(Path::new("ref.json")), ProfileFormat::Json);
    /// assert_eq!(ProfileFormat::for_path(Path::new("ref")), ProfileFormat::Json);
    /// ```
    pub fn for_path(path: &std::path::Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("bin") => ProfileFormat::Binary,
            _ => ProfileFormat::Json,
        }
    }

    /// The format of persisted bytes, by content: the `TWDP` magic is the
    /// binary form, a `{` after optional whitespace (and UTF-8 BOM) is JSON;
    /// `None` otherwise.
    pub fn detect(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(MAGIC) {
            return Some(ProfileFormat::Binary);
        }
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Some(ProfileFormat::Json),
            _ => None,
        }
    }
}

/// Provenance of merged partitions: the row ranges, in part order, when they
/// are contiguous (each starts where the previous ends); otherwise unknown.
fn merged_rows(parts: &[&Profile]) -> Option<Range<u64>> {
    let mut it = parts.iter();
    let mut acc = it.next()?.reference_rows.clone()?;
    for p in it {
        let r = p.reference_rows.as_ref()?;
        if r.start != acc.end {
            return None;
        }
        acc.end = r.end;
    }
    Some(acc)
}

/// The JSON form as written: the profile's fields, then its checksum.
#[derive(Serialize)]
struct JsonOut<'a> {
    format_version: u32,
    features: &'a BTreeMap<String, FeatureProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_rows: &'a Option<Range<u64>>,
    checksum: String,
}

impl Profile {
    /// An empty profile.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records (or, with `None`, clears) the rows of the analysed data the
    /// profile was fitted on ([`Profile::reference_rows`]).
    ///
    /// ```
    /// use tradewarden_drift::profile::Profile;
    /// let mut p = Profile::new();
    /// p.set_reference_rows(Some(0..400)).unwrap();
    /// assert_eq!(p.reference_rows, Some(0..400));
    /// #[allow(clippy::reversed_empty_ranges)]
    /// let reversed = 5..4;
    /// assert!(p.set_reference_rows(Some(reversed)).is_err());
    /// ```
    ///
    /// # Errors
    /// `InvalidParameter` naming `reference_rows` when start > end.
    pub fn set_reference_rows(&mut self, rows: Option<Range<u64>>) -> Result<()> {
        if let Some(r) = &rows
            && r.start > r.end
        {
            return Err(Error::invalid(
                "reference_rows",
                format!("{}..{}", r.start, r.end),
                "start must be ≤ end",
            ));
        }
        self.reference_rows = rows;
        Ok(())
    }

    /// Adds (or replaces) a feature.
    pub fn insert(&mut self, name: impl Into<String>, feature: FeatureProfile) {
        self.features.insert(name.into(), feature);
    }

    /// Fits every column (numeric: [`NumericProfile::fit`] with `options`;
    /// categorical: [`CategoricalProfile::fit`]) in parallel on the current
    /// rayon pool. A later column of the same name replaces an earlier one,
    /// as with [`Profile::insert`]; the error reported is that of the first
    /// failing column in input order.
    ///
    /// ```
    /// use tradewarden_drift::profile::{Profile, ProfileOptions};
    /// use tradewarden_drift::report::FeatureData;
    /// let a: Vec<f64> = (0..100).map(f64::from).collect();
    /// let cols = [("a", FeatureData::Numeric(&a)), ("side", FeatureData::Categorical(&[Some("buy"), None]))];
    /// let p = Profile::fit_features(&cols, &ProfileOptions::default()).unwrap();
    /// assert_eq!(p.features.len(), 2);
    /// ```
    ///
    /// # Errors
    /// As the per-column fits.
    pub fn fit_features(
        columns: &[(&str, FeatureData<'_>)],
        options: &ProfileOptions,
    ) -> Result<Self> {
        let fitted: Vec<Result<FeatureProfile>> = columns
            .par_iter()
            .map(|(_, data)| match data {
                FeatureData::Numeric(x) => {
                    NumericProfile::fit(x, options).map(FeatureProfile::Numeric)
                }
                FeatureData::Categorical(x) => {
                    CategoricalProfile::fit(x).map(FeatureProfile::Categorical)
                }
            })
            .collect();
        let mut p = Profile::new();
        for ((name, _), f) in columns.iter().zip(fitted) {
            p.insert(*name, f?);
        }
        Ok(p)
    }

    /// The profile of feature `name`, or [`Error::UnknownFeature`].
    pub fn feature(&self, name: &str) -> Result<&FeatureProfile> {
        self.features
            .get(name)
            .ok_or_else(|| Error::UnknownFeature {
                param: "name",
                name: name.to_string(),
            })
    }

    /// The numeric profile of feature `name`.
    pub fn numeric(&self, name: &str) -> Result<&NumericProfile> {
        match self.feature(name)? {
            FeatureProfile::Numeric(p) => Ok(p),
            FeatureProfile::Categorical(_) => Err(Error::invalid(
                "name",
                name,
                "feature is categorical, not numeric",
            )),
        }
    }

    /// Merges a profile fitted on another partition, feature by feature
    /// ([`NumericProfile::merge`], [`CategoricalProfile::merge`]). Both must
    /// have the same features with the same types; on error `self` is
    /// unchanged.
    pub fn merge(&mut self, other: &Profile) -> Result<()> {
        *self = Profile::merge_all(&[&*self, other])?;
        Ok(())
    }

    /// Merges the profiles of several partitions (same features, same types)
    /// into the profile of the whole: with stored references it equals the
    /// profile fitted on all the data ([`NumericProfile::merge_all`]).
    ///
    /// ```
    /// use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
    /// let data: Vec<f64> = (0..900).map(|i| ((i * 37) % 101) as f64).collect();
    /// let fit = |v: &[f64]| {
    ///     let mut p = Profile::new();
    ///     p.insert("x", FeatureProfile::Numeric(NumericProfile::fit(v, &ProfileOptions::default()).unwrap()));
    ///     p
    /// };
    /// let parts = [fit(&data[..200]), fit(&data[200..650]), fit(&data[650..])];
    /// let merged = Profile::merge_all(&parts.iter().collect::<Vec<_>>()).unwrap();
    /// assert_eq!(merged, fit(&data));
    /// ```
    pub fn merge_all(parts: &[&Profile]) -> Result<Profile> {
        let Some((first, rest)) = parts.split_first() else {
            return Err(Error::TooFewValues {
                param: "parts",
                actual: 0,
                min: 1,
            });
        };
        for (i, p) in rest.iter().enumerate() {
            if !p.features.keys().eq(first.features.keys()) {
                return Err(Error::Merge {
                    reason: format!(
                        "parts[{}] has features {:?}, parts[0] has {:?}",
                        i + 1,
                        p.features.keys().collect::<Vec<_>>(),
                        first.features.keys().collect::<Vec<_>>()
                    ),
                });
            }
        }
        let mut out = Profile::new();
        out.reference_rows = merged_rows(parts);
        for (name, f) in &first.features {
            let merged = match f {
                FeatureProfile::Numeric(_) => {
                    let mut nums = Vec::with_capacity(parts.len());
                    for p in parts {
                        match p.features.get(name) {
                            Some(FeatureProfile::Numeric(n)) => nums.push(n),
                            _ => return Err(type_differs(name)),
                        }
                    }
                    FeatureProfile::Numeric(
                        NumericProfile::merge_all(&nums).map_err(|e| in_feature(name, e))?,
                    )
                }
                FeatureProfile::Categorical(c) => {
                    let mut acc = c.clone();
                    for p in rest {
                        match p.features.get(name) {
                            Some(FeatureProfile::Categorical(o)) => {
                                acc.merge(o).map_err(|e| in_feature(name, e))?;
                            }
                            _ => return Err(type_differs(name)),
                        }
                    }
                    FeatureProfile::Categorical(acc)
                }
            };
            out.insert(name.clone(), merged);
        }
        Ok(out)
    }

    /// The features of two profiles over *disjoint columns* of the same rows
    /// as one profile (e.g. columns fitted one by one, each with its own
    /// explicit edges): every feature keeps its own fit options, so the
    /// features may differ in bins, NaN policy and stored reference, as the
    /// features of any profile may. The result is validated like a loaded
    /// profile; its content checksum ([`Profile::to_json`],
    /// [`Profile::to_bytes`]) is that of the union. Neither input changes.
    ///
    /// ```
    /// use tradewarden_drift::profile::{Profile, ProfileOptions};
    /// use tradewarden_drift::report::FeatureData;
    /// let (a, b): (Vec<f64>, Vec<f64>) = (0..200).map(|i| (f64::from(i % 17), f64::from(i % 5))).unzip();
    /// let o = ProfileOptions::default();
    /// let pa = Profile::fit_features(&[("a", FeatureData::Numeric(&a))], &o).unwrap();
    /// let pb = Profile::fit_features(&[("b", FeatureData::Numeric(&b))], &o).unwrap();
    /// let both = pa.union(&pb).unwrap();
    /// let fitted = Profile::fit_features(&[("a", FeatureData::Numeric(&a)), ("b", FeatureData::Numeric(&b))], &o).unwrap();
    /// assert_eq!(both, fitted);
    /// assert!(both.union(&pa).is_err()); // feature "a" is in both
    /// ```
    ///
    /// # Errors
    /// `InvalidParameter` naming `other` when a feature is in both profiles
    /// (the value is the feature's name), or naming `reference_rows` when
    /// the two record different rows; a feature that fails
    /// [`Profile::validate`] as loading would.
    pub fn union(&self, other: &Profile) -> Result<Profile> {
        if let Some(name) = other
            .features
            .keys()
            .find(|k| self.features.contains_key(*k))
        {
            return Err(Error::InvalidParameter {
                param: "other",
                value: format!("feature {name:?}"),
                reason: "is in both profiles: a union needs disjoint features (merge partitions of the same features with Profile::merge)",
            });
        }
        if self.reference_rows != other.reference_rows {
            return Err(Error::InvalidParameter {
                param: "reference_rows",
                value: format!("{:?} vs {:?}", self.reference_rows, other.reference_rows),
                reason: "the two profiles were fitted on different rows",
            });
        }
        let mut out = self.clone();
        out.features
            .extend(other.features.iter().map(|(k, f)| (k.clone(), f.clone())));
        out.validate()?;
        Ok(out)
    }

    /// Checks every feature's structural invariants
    /// ([`NumericProfile::validate`], [`CategoricalProfile::validate`]) and
    /// the format version. Every decoder ([`Profile::from_bytes`],
    /// [`Profile::from_json`], [`Profile::decode`], [`Profile::load`]) calls
    /// it, so a loaded profile never hangs, panics or overflows when scored.
    ///
    /// # Errors
    /// `Error::Corrupt` whose `what` names the field and whose reason names
    /// the feature.
    pub fn validate(&self) -> Result<()> {
        if self.format_version != PROFILE_FORMAT_VERSION {
            return Err(Error::Version {
                artefact: Artefact::Profile,
                found: self.format_version,
                expected: PROFILE_FORMAT_VERSION,
            });
        }
        if let Some(r) = &self.reference_rows
            && r.start > r.end
        {
            return Err(corrupt_field(
                "reference_rows",
                format!("start {} > end {}", r.start, r.end),
            ));
        }
        for (name, f) in &self.features {
            let r = match f {
                FeatureProfile::Numeric(p) => p.validate(),
                FeatureProfile::Categorical(c) => c.validate(),
            };
            r.map_err(|e| match e {
                Error::Corrupt {
                    artefact,
                    what,
                    reason,
                } => Error::Corrupt {
                    artefact,
                    what,
                    reason: format!("feature {name:?}: {reason}"),
                },
                other => other,
            })?;
        }
        Ok(())
    }

    /// The content checksum shared by both forms: 64-bit FNV-1a of the
    /// binary payload (the canonical serialization of the features; see
    /// docs/drift.md).
    fn content_checksum(&self) -> u64 {
        let mut p = Vec::new();
        crate::binfmt::encode_profile(self, &mut p);
        crate::binfmt::fnv1a(&p)
    }

    /// JSON text: `format_version`, `features` and `checksum`
    /// (`"fnv1a64:<16 hex digits>"`, the FNV-1a checksum of the binary
    /// payload of the same profile, i.e. of its content bit for bit, not of
    /// the JSON text). Floats are written so that they parse back bit for bit.
    pub fn to_json(&self) -> Result<String> {
        let out = JsonOut {
            format_version: self.format_version,
            features: &self.features,
            reference_rows: &self.reference_rows,
            checksum: format!("{JSON_CHECKSUM_PREFIX}{:016x}", self.content_checksum()),
        };
        serde_json::to_string(&out).map_err(|e| Error::Corrupt {
            artefact: Artefact::Profile,
            what: "profile json",
            reason: e.to_string(),
        })
    }

    /// Parses JSON; another format version, malformed text, a checksum that
    /// does not match the content, or a profile that fails
    /// [`Profile::validate`] is a typed error. JSON without a `checksum`
    /// (written before checksums existed, or by hand) is accepted after
    /// the same validation.
    pub fn from_json(text: &str) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Corrupt {
            artefact: Artefact::Profile,
            what: "profile json",
            reason: e.to_string(),
        })?;
        let found = v
            .get("format_version")
            .and_then(|x| x.as_u64())
            .ok_or_else(|| Error::Corrupt {
                artefact: Artefact::Profile,
                what: "profile json",
                reason: "missing format_version".into(),
            })?;
        if found != u64::from(PROFILE_FORMAT_VERSION) {
            return Err(Error::Version {
                artefact: Artefact::Profile,
                found: found.min(u64::from(u32::MAX)) as u32,
                expected: PROFILE_FORMAT_VERSION,
            });
        }
        let mut v = v;
        let checksum = match v.as_object_mut().and_then(|o| o.remove("checksum")) {
            None => None,
            Some(serde_json::Value::String(s)) => Some(parse_json_checksum(&s)?),
            Some(other) => {
                return Err(Error::Corrupt {
                    artefact: Artefact::Profile,
                    what: "checksum",
                    reason: format!("{other} is not a string"),
                });
            }
        };
        let p: Profile = serde_json::from_value(v).map_err(|e| Error::Corrupt {
            artefact: Artefact::Profile,
            what: "profile json",
            reason: e.to_string(),
        })?;
        if let Some(expected) = checksum {
            let actual = p.content_checksum();
            if actual != expected {
                return Err(Error::Corrupt {
                    artefact: Artefact::Profile,
                    what: "checksum",
                    reason: format!(
                        "checksum mismatch: the file says {JSON_CHECKSUM_PREFIX}{expected:016x}, \
                         the content hashes to {JSON_CHECKSUM_PREFIX}{actual:016x}"
                    ),
                });
            }
        }
        p.validate()?;
        Ok(p)
    }

    /// Compact binary form: `TWDP` magic, u32 format version, u64 payload
    /// length, u64 FNV-1a checksum of the payload, then the payload (little-endian
    /// fields; the sorted reference as raw f64). See docs/drift.md.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::new();
        crate::binfmt::encode_profile(self, &mut p);
        let mut out = Vec::with_capacity(p.len() + 24);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&PROFILE_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(p.len() as u64).to_le_bytes());
        out.extend_from_slice(&crate::binfmt::fnv1a(&p).to_le_bytes());
        out.extend_from_slice(&p);
        out
    }

    /// Reads the binary form; wrong magic, version, length or checksum is a typed error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let corrupt = |r: &str| Error::Corrupt {
            artefact: Artefact::Profile,
            what: "profile binary",
            reason: r.to_string(),
        };
        if bytes.len() < 24 || &bytes[..4] != MAGIC {
            return Err(corrupt("bad magic or truncated header"));
        }
        let mut v4 = [0u8; 4];
        v4.copy_from_slice(&bytes[4..8]);
        let version = u32::from_le_bytes(v4);
        if version != PROFILE_FORMAT_VERSION {
            return Err(Error::Version {
                artefact: Artefact::Profile,
                found: version,
                expected: PROFILE_FORMAT_VERSION,
            });
        }
        let mut v8 = [0u8; 8];
        v8.copy_from_slice(&bytes[8..16]);
        let len = u64::from_le_bytes(v8);
        v8.copy_from_slice(&bytes[16..24]);
        let sum = u64::from_le_bytes(v8);
        let payload = &bytes[24..];
        if payload.len() as u64 != len {
            return Err(corrupt("payload length mismatch"));
        }
        if crate::binfmt::fnv1a(payload) != sum {
            return Err(corrupt("checksum mismatch"));
        }
        let p = crate::binfmt::decode_profile(payload)?;
        p.validate()?;
        Ok(p)
    }

    /// Reads either persisted form, detected by content
    /// ([`ProfileFormat::detect`]): the binary form by its `TWDP` magic,
    /// JSON by its opening brace.
    ///
    /// # Errors
    /// As [`Profile::from_bytes`] / [`Profile::from_json`]; bytes that are
    /// neither (or JSON that is not UTF-8) are `Error::Corrupt`.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        match ProfileFormat::detect(bytes) {
            Some(ProfileFormat::Binary) => Self::from_bytes(bytes),
            Some(ProfileFormat::Json) => {
                let text = std::str::from_utf8(bytes).map_err(|e| Error::Corrupt {
                    artefact: Artefact::Profile,
                    what: "profile json",
                    reason: format!("not UTF-8: {e}"),
                })?;
                Self::from_json(text.strip_prefix('\u{feff}').unwrap_or(text))
            }
            None => Err(Error::Corrupt {
                artefact: Artefact::Profile,
                what: "profile",
                reason: "neither the binary form (TWDP magic) nor JSON (an object)".into(),
            }),
        }
    }

    /// The persisted form in `format`.
    ///
    /// # Errors
    /// JSON serialization errors (none for a valid profile).
    pub fn encode(&self, format: ProfileFormat) -> Result<Vec<u8>> {
        Ok(match format {
            ProfileFormat::Binary => self.to_bytes(),
            ProfileFormat::Json => self.to_json()?.into_bytes(),
        })
    }

    /// Writes the binary form atomically (temp file, fsync, rename).
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        self.save_as(path, ProfileFormat::Binary)
    }

    /// Writes the profile in `format` atomically (temp file, fsync, rename).
    pub fn save_as(&self, path: &std::path::Path, format: ProfileFormat) -> Result<()> {
        tradewarden_core::fs::write_atomic(path, &self.encode(format)?)?;
        Ok(())
    }

    /// Reads a profile written by [`Profile::save`] or [`Profile::save_as`]
    /// (binary or JSON, detected by content: [`Profile::decode`]).
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| tradewarden_core::Error::io(path, e))?;
        Self::decode(&bytes)
    }
}

/// `"fnv1a64:<16 hex digits>"` → the checksum.
fn parse_json_checksum(s: &str) -> Result<u64> {
    s.strip_prefix(JSON_CHECKSUM_PREFIX)
        .filter(|h| h.len() == 16)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| Error::Corrupt {
            artefact: Artefact::Profile,
            what: "checksum",
            reason: format!("{s:?} is not \"{JSON_CHECKSUM_PREFIX}\" + 16 hex digits"),
        })
}

/// JSON encoding of one float that may be ±inf (as the strings "inf" /
/// "-inf"; finite values as numbers; NaN as "nan", which reads back as NaN
/// and is then refused by validation where a field must not be NaN).
mod float_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Jf {
        N(f64),
        S(String),
    }

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        let x = *v;
        if x.is_finite() {
            Jf::N(x)
        } else if x.is_nan() {
            Jf::S("nan".into())
        } else if x > 0.0 {
            Jf::S("inf".into())
        } else {
            Jf::S("-inf".into())
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Jf::deserialize(d)? {
            Jf::N(x) => Ok(x),
            Jf::S(s) => match s.as_str() {
                "inf" | "+inf" | "Infinity" => Ok(f64::INFINITY),
                "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
                "nan" | "NaN" => Ok(f64::NAN),
                other => Err(serde::de::Error::custom(format!(
                    "bad float value {other:?}"
                ))),
            },
        }
    }
}

/// JSON encoding of edge vectors: finite values as numbers, ±inf as the
/// strings "-inf"/"inf" (JSON has no infinity).
mod edges_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Jf {
        N(f64),
        S(String),
    }

    pub(super) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let items: Vec<Jf> = v
            .iter()
            .map(|&x| {
                if x.is_finite() {
                    Jf::N(x)
                } else if x.is_nan() {
                    Jf::S("nan".into())
                } else if x > 0.0 {
                    Jf::S("inf".into())
                } else {
                    Jf::S("-inf".into())
                }
            })
            .collect();
        items.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let items = Vec::<Jf>::deserialize(d)?;
        items
            .into_iter()
            .map(|j| match j {
                Jf::N(x) => Ok(x),
                Jf::S(s) => match s.as_str() {
                    "inf" | "+inf" | "Infinity" => Ok(f64::INFINITY),
                    "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
                    other => Err(serde::de::Error::custom(format!(
                        "bad edge value {other:?}"
                    ))),
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod window_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn uniform(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    /// The windows are taken (not the copy) where they should be, hold the
    /// order statistics of a sort and count below their edges exactly; the
    /// integration tests (tests/fit_windowed.rs) compare whole fits.
    #[test]
    fn windows_hold_the_ranks_of_a_sort() {
        for (n, bins) in [(300_000, 10), (300_000, 2), (1_000_000, 10), (200_000, 4)] {
            let x = uniform(n, n as u64 + bins as u64);
            let mut sorted = x.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            let ranks = quantile_ranks(n, bins);
            let mut w = Windows::gather(&x, &ranks).unwrap();
            let got = w.select(&ranks).unwrap();
            assert_eq!(got.len(), ranks.len());
            for (r, v) in got {
                assert_eq!(v.to_bits(), sorted[r].to_bits(), "n {n} rank {r}");
                assert_eq!(w.count_below(v), Some(sorted.partition_point(|&s| s < v)));
            }
            let total: usize = w.start[w.lo.len()];
            assert!(total < n / 2, "{total} of {n} gathered");
        }
        // a sample that sees one value: the windows miss the ranks, never a wrong answer
        let x: Vec<f64> = (0..300_000).map(|i| (i % 16) as f64).collect();
        let ranks = quantile_ranks(x.len(), 10);
        assert!(
            Windows::gather(&x, &ranks)
                .and_then(|mut w| w.select(&ranks))
                .is_none()
        );
        // many bins: the copy
        assert!(Windows::gather(&x, &quantile_ranks(x.len(), 1000)).is_none());
    }
}
