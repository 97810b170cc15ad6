//! Two-sample Kolmogorov–Smirnov test, numerically as `scipy.stats.ks_2samp`
//! (scipy ≥ 1.11: statistic, p-value, statistic location and sign).
//!
//! See `docs/drift.md` for the formulas and the method selection rule.

use serde::{Deserialize, Serialize};
use tradewarden_core::NanPolicy;

use crate::error::{Error, Result};
use crate::kolmogorov::kolmogn_sf;
use crate::sample::{prepare_finite, sort_f64};

/// Alternative hypothesis (scipy's `alternative`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alternative {
    /// The two distributions differ (statistic max |F1 − F2|).
    #[default]
    TwoSided,
    /// F1 < F2 somewhere (statistic max(F2 − F1)).
    Less,
    /// F1 > F2 somewhere (statistic max(F1 − F2)).
    Greater,
}

/// How the p-value is computed (scipy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KsMethod {
    /// Exact when max(n1, n2) ≤ 10000, else asymptotic.
    #[default]
    Auto,
    /// Exact lattice-path computation (falls back to asymptotic as scipy does).
    Exact,
    /// Asymptotic: `kstwo` at n = round(n1·n2/(n1+n2)) (two-sided) or Hodges' formula.
    Asymp,
}

/// Result of [`ks_2samp`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsResult {
    /// The KS statistic D.
    pub statistic: f64,
    /// The p-value.
    pub pvalue: f64,
    /// The data value at which D is attained (scipy `statistic_location`).
    pub statistic_location: f64,
    /// +1 if F1 − F2 attains D, −1 if F2 − F1 does (scipy `statistic_sign`).
    pub statistic_sign: i8,
    /// The method actually used for the p-value (after fallbacks).
    pub method_used: KsMethod,
}

impl KsResult {
    fn nan() -> Self {
        KsResult {
            statistic: f64::NAN,
            pvalue: f64::NAN,
            statistic_location: f64::NAN,
            statistic_sign: 0,
            method_used: KsMethod::Auto,
        }
    }
}

/// Largest max(n1, n2) for which `Auto` uses the exact p-value.
pub const MAX_AUTO_N: usize = 10_000;

/// Two-sample KS test on raw samples (sorted internally).
///
/// NaN and ±inf are rejected under `NanPolicy::Error` (the default), dropped
/// under `Skip`; under `Propagate` a NaN yields NaN results like scipy.
///
/// ```
/// use tradewarden_drift::ks::{ks_2samp, Alternative, KsMethod};
/// use tradewarden_core::NanPolicy;
/// let r = ks_2samp(&[0.0, 0.1], &[0.2, 0.3], Alternative::TwoSided, KsMethod::Auto, NanPolicy::Error).unwrap();
/// assert_eq!(r.statistic, 1.0);
/// assert!((r.pvalue - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn ks_2samp(
    data1: &[f64],
    data2: &[f64],
    alternative: Alternative,
    method: KsMethod,
    nan_policy: NanPolicy,
) -> Result<KsResult> {
    let a = prepare_finite("data1", data1, nan_policy)?;
    let b = prepare_finite("data2", data2, nan_policy)?;
    match (a, b) {
        (Some(a), Some(b)) => ks_2samp_finite(&a, &b, alternative, method),
        _ => Ok(KsResult::nan()),
    }
}

/// KS of two finite, non-empty samples in any order (no NaN check, no
/// copy): the fused grid path of [`ks_2samp`]. For callers that checked the
/// values already (a profile's sorted reference against raw current values).
pub(crate) fn ks_2samp_finite(
    a: &[f64],
    b: &[f64],
    alternative: Alternative,
    method: KsMethod,
) -> Result<KsResult> {
    check_nonempty(a, b)?;
    let e = fused::extremes(a, b, fused::buckets_for(a.len() + b.len()));
    Ok(from_extremes(
        a.len() as u64,
        b.len() as u64,
        &e,
        alternative,
        method,
    ))
}

/// The ECDF difference extremes of two sorted samples, as scipy computes
/// them over the concatenation `[data1, data2]` with `searchsorted(side='right')`.
struct Extremes {
    max: f64,
    max_loc: f64,
    min: f64,
    min_loc: f64,
}

/// State of one merge walk over a value range of the two sorted samples:
/// positions `i`, `j` are global (counts of values ≤ the current one), and
/// the extremes over values present in data1 (`a*`) and in data2 (`b*`) are
/// kept apart.
struct Walk {
    i: usize,
    j: usize,
    i_end: usize,
    j_end: usize,
    run_i: usize,
    run_j: usize,
    xa: f64,
    xb: f64,
    /// [a max, a min, b max, b min]
    ext: [f64; 4],
    loc: [f64; 4],
}

impl Walk {
    fn new(a: &[f64], b: &[f64], i: usize, i_end: usize, j: usize, j_end: usize) -> Self {
        let mut w = Walk {
            i,
            j,
            i_end,
            j_end,
            run_i: i,
            run_j: j,
            xa: 0.0,
            xb: 0.0,
            ext: [
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
            ],
            loc: [f64::NAN; 4],
        };
        w.load(a, b);
        w
    }

    #[inline(always)]
    fn load(&mut self, a: &[f64], b: &[f64]) {
        self.xa = if self.i < self.i_end {
            a[self.i]
        } else {
            f64::INFINITY
        };
        self.xb = if self.j < self.j_end {
            b[self.j]
        } else {
            f64::INFINITY
        };
    }

    fn len(&self) -> usize {
        (self.i_end - self.i) + (self.j_end - self.j)
    }

    /// Takes the next pooled value; at the end of its run evaluates
    /// F1 − F2 with scipy's arithmetic (count/n1 − count/n2). Selects, not
    /// jumps: the interleaving of the samples is random.
    #[inline(always)]
    fn step(&mut self, a: &[f64], b: &[f64], n1: f64, n2: f64) {
        let take_a = self.xa <= self.xb;
        let x = if take_a { self.xa } else { self.xb };
        self.i += usize::from(take_a);
        self.j += usize::from(!take_a);
        self.load(a, b);
        if self.xa.min(self.xb) != x {
            let d = self.i as f64 / n1 - self.j as f64 / n2;
            let (in_a, in_b) = (self.i > self.run_i, self.j > self.run_j);
            let upd = [
                in_a & (d > self.ext[0]),
                in_a & (d < self.ext[1]),
                in_b & (d > self.ext[2]),
                in_b & (d < self.ext[3]),
            ];
            for ((e, l), u) in self.ext.iter_mut().zip(&mut self.loc).zip(upd) {
                *e = if u { d } else { *e };
                *l = if u { x } else { *l };
            }
            self.run_i = self.i;
            self.run_j = self.j;
        }
    }

    /// Folds a walk over a later (larger-valued) range into this one, as a
    /// sequential walk would: a later extreme wins only when strictly better.
    fn then(mut self, later: &Walk) -> Walk {
        for k in 0..4 {
            let better = if k % 2 == 0 {
                later.ext[k] > self.ext[k]
            } else {
                later.ext[k] < self.ext[k]
            };
            if better {
                self.ext[k] = later.ext[k];
                self.loc[k] = later.loc[k];
            }
        }
        self
    }
}

/// The ECDF-difference extremes over the pooled values, as scipy: the first
/// arg-max/arg-min over `[data1, data2]` is the smallest value of data1
/// attaining the extreme, else the smallest of data2. The pooled range is
/// split at a value of data1 into two halves walked in one interleaved loop
/// (two independent dependency chains instead of one long one).
fn extremes(a: &[f64], b: &[f64]) -> Extremes {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let split = a[a.len() / 2];
    let i_s = a.partition_point(|&v| v <= split);
    let j_s = b.partition_point(|&v| v <= split);
    let mut lo = Walk::new(a, b, 0, i_s, 0, j_s);
    let mut hi = Walk::new(a, b, i_s, a.len(), j_s, b.len());
    let (l1, l2) = (lo.len(), hi.len());
    for _ in 0..l1.min(l2) {
        lo.step(a, b, n1, n2);
        hi.step(a, b, n1, n2);
    }
    for _ in l1.min(l2)..l1 {
        lo.step(a, b, n1, n2);
    }
    for _ in l1.min(l2)..l2 {
        hi.step(a, b, n1, n2);
    }
    let w = lo.then(&hi);
    Extremes::pick(&w.ext, &w.loc)
}

impl Extremes {
    /// scipy's choice from the per-sample extremes `[a max, a min, b max,
    /// b min]`: data2's only when strictly more extreme.
    fn pick(ext: &[f64; 4], loc: &[f64; 4]) -> Extremes {
        let (max, max_loc) = if ext[2] > ext[0] {
            (ext[2], loc[2])
        } else {
            (ext[0], loc[0])
        };
        let (min, min_loc) = if ext[3] < ext[1] {
            (ext[3], loc[3])
        } else {
            (ext[1], loc[1])
        };
        Extremes {
            max,
            max_loc,
            min,
            min_loc,
        }
    }
}

/// The extremes of raw (unsorted, finite) samples without sorting them.
///
/// Both samples are counted on one equal-width value grid (spanning the
/// bulk of the pooled values; values outside it saturate into the end
/// buckets). Equal values share a bucket and the bucket index is monotone
/// in the value, so every value of bucket k is below every value of bucket
/// k + 1 and the ECDF counts at a bucket's end are prefix sums of the
/// counts. Inside bucket k (counts before it I, J; in it ca, cb) every
/// F1 − F2 evaluated at a run end is a correctly rounded `i/n1 − j/n2` with
/// I ≤ i ≤ I + ca, J ≤ j ≤ J + cb, hence (rounding is monotone) within
/// [I/n1 − (J+cb)/n2, (I+ca)/n1 − J/n2]. The bucket ends are evaluation
/// points themselves, so the largest end value is a lower bound of the
/// maximum: only buckets whose upper bound reaches it (and likewise for the
/// minimum) can hold a value attaining the maximum. Those candidate buckets
/// are gathered (large ones are gridded again the same way), sorted and
/// walked in value order with the global counts, which gives the same
/// values, first locations and data1/data2 preference as the full merge
/// walk ([`extremes`]): every run end attaining an extreme lies in a
/// candidate bucket, and a per-sample extreme that falls short of the
/// overall one loses the final choice either way.
mod fused {
    use super::{Extremes, sort_f64};

    /// Below this many values in all the samples are sorted and walked.
    const MIN_VALUES: usize = 4096;

    /// Bucket count for `n` pooled values: about 32 values per bucket, at
    /// most 2^16 buckets (the two count arrays stay in L2).
    pub(super) fn buckets_for(n: usize) -> usize {
        if n < MIN_VALUES {
            0
        } else {
            (n / 32).min(1 << 16)
        }
    }

    /// Sort-based extremes (the reference path): sorted copies with −0.0
    /// normalised, then the merge walk.
    pub(super) fn extremes_sorted(a: &[f64], b: &[f64]) -> Extremes {
        let a = crate::sample::sorted_copy_plus_zero(a);
        let b = crate::sample::sorted_copy_plus_zero(b);
        super::extremes(&a, &b)
    }

    /// A candidate region with more values than this is gridded again
    /// (uneven density, heavy tails: most values in a few top-level
    /// buckets, whose count bounds are then too wide to prune) …
    const REGION_MAX: usize = 256;
    /// … down to this depth; then it is sorted.
    const MAX_DEPTH: u32 = 4;

    /// Running state: sample sizes, the best bucket-end values seen (a lower
    /// bound of the maximum, an upper bound of the minimum) and the
    /// per-sample extremes `[a max, a min, b max, b min]` with locations.
    struct State {
        n1: f64,
        n2: f64,
        lmax: f64,
        lmin: f64,
        ext: [f64; 4],
        loc: [f64; 4],
    }

    fn range(a: &[f64], b: &[f64]) -> (f64, f64) {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &x in a.iter().chain(b) {
            lo = lo.min(x);
            hi = hi.max(x);
        }
        (lo, hi)
    }

    /// The 0.5 % and 99.5 % quantiles of a systematic sample of ≈ 32k
    /// pooled values, when there are enough values and they differ: the
    /// top-level grid spans them (values outside fall into the end buckets,
    /// the index saturates), so a few extreme values do not squeeze the bulk
    /// of the data into a few buckets.
    fn sampled_range(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
        let step = ((a.len() + b.len()) / 32_768).max(1);
        let mut s: Vec<f64> = a
            .iter()
            .step_by(step)
            .chain(b.iter().step_by(step))
            .copied()
            .collect();
        if s.len() < 1024 {
            return None;
        }
        let (k_lo, k_hi) = (s.len() / 200, s.len() - 1 - s.len() / 200);
        let (_, &mut lo, upper) = s.select_nth_unstable_by(k_lo, f64::total_cmp);
        let (_, &mut hi, _) = upper.select_nth_unstable_by(k_hi - k_lo - 1, f64::total_cmp);
        (hi > lo).then_some((lo, hi))
    }

    /// The extremes of finite, non-empty `a`, `b` on a grid of `nb`
    /// buckets (`nb == 0`, or a range that cannot be gridded: sort-based).
    pub(super) fn extremes(a: &[f64], b: &[f64], nb: usize) -> Extremes {
        let (lo, hi) = match sampled_range(a, b) {
            Some(r) if nb as f64 / (r.1 - r.0) < f64::INFINITY => r,
            _ => range(a, b),
        };
        let scale = nb as f64 / (hi - lo);
        if nb == 0
            || !(scale.is_finite() && scale > 0.0)
            || u32::try_from(a.len().max(b.len())).is_err()
        {
            return extremes_sorted(a, b);
        }
        let mut st = State {
            n1: a.len() as f64,
            n2: b.len() as f64,
            lmax: f64::NEG_INFINITY,
            lmin: f64::INFINITY,
            ext: [
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
            ],
            loc: [f64::NAN; 4],
        };
        grid(a, b, (0, 0), (lo, scale, nb), &mut st, 0);
        Extremes::pick(&st.ext, &st.loc)
    }

    /// Counts `a`, `b` (the values of one region, `i0`/`j0` values of each
    /// sample below it) on the grid `(lo, scale, nb)`, then gathers the
    /// candidate buckets (−0.0 as +0.0) and processes them in value order.
    fn grid(
        a: &[f64],
        b: &[f64],
        (i0, j0): (usize, usize),
        (lo, scale, nb): (f64, f64, usize),
        st: &mut State,
        depth: u32,
    ) {
        let idx = |x: f64| -> usize { (((x - lo) * scale) as usize).min(nb - 1) };
        let mut ca = vec![0u32; nb];
        let mut cb = vec![0u32; nb];
        for &x in a {
            ca[idx(x)] += 1;
        }
        for &x in b {
            cb[idx(x)] += 1;
        }
        let (n1, n2) = (st.n1, st.n2);
        // the values at the bucket ends (evaluation points themselves)
        let (mut i, mut j) = (i0, j0);
        for (&x, &y) in ca.iter().zip(&cb) {
            if x + y > 0 {
                i += x as usize;
                j += y as usize;
                let d = i as f64 / n1 - j as f64 / n2;
                st.lmax = st.lmax.max(d);
                st.lmin = st.lmin.min(d);
            }
        }
        // candidate buckets; their counts become gather cursors into the
        // compact buffers (u32::MAX: not a candidate)
        let mut cand = Vec::new();
        let (mut i, mut j) = (i0, j0);
        let (mut oa, mut ob) = (0u32, 0u32);
        for (x, y) in ca.iter_mut().zip(cb.iter_mut()) {
            let (ka, kb) = (*x as usize, *y as usize);
            let upper = (i + ka) as f64 / n1 - j as f64 / n2;
            let lower = i as f64 / n1 - (j + kb) as f64 / n2;
            if ka + kb > 0 && (upper >= st.lmax || lower <= st.lmin) {
                cand.push(Bucket {
                    i,
                    j,
                    a: oa as usize..oa as usize + ka,
                    b: ob as usize..ob as usize + kb,
                });
                (*x, *y) = (oa, ob);
                oa += ka as u32;
                ob += kb as u32;
            } else {
                (*x, *y) = (u32::MAX, u32::MAX);
            }
            i += ka;
            j += kb;
        }
        let mut ga = vec![0.0; oa as usize];
        let mut gb = vec![0.0; ob as usize];
        gather(a, &mut ca, &mut ga, idx);
        gather(b, &mut cb, &mut gb, idx);
        drop((ca, cb));
        for c in cand {
            region(&mut ga[c.a], &mut gb[c.b], (c.i, c.j), st, depth + 1);
        }
    }

    /// One candidate bucket's values: walked as they are when all equal,
    /// gridded again when large (and the range allows), else sorted and
    /// walked.
    fn region(a: &mut [f64], b: &mut [f64], at: (usize, usize), st: &mut State, depth: u32) {
        let n = a.len() + b.len();
        let (lo, hi) = range(a, b);
        if lo == hi {
            // one value (ties, discrete data): already in order
            walk(a, b, at, st);
            return;
        }
        if n > REGION_MAX && depth < MAX_DEPTH {
            // ≈ 16 values per bucket
            let nb = (n / 16).min(1 << 16);
            let scale = nb as f64 / (hi - lo);
            if scale.is_finite() && scale > 0.0 {
                grid(a, b, at, (lo, scale, nb), st, depth);
                return;
            }
        }
        sort_f64(a);
        sort_f64(b);
        walk(a, b, at, st);
    }

    /// A candidate bucket: counts of data1/data2 values below it and its
    /// ranges in the compact buffers.
    struct Bucket {
        i: usize,
        j: usize,
        a: std::ops::Range<usize>,
        b: std::ops::Range<usize>,
    }

    /// Copies the values of candidate buckets (−0.0 as +0.0) to their slots.
    fn gather(x: &[f64], cursor: &mut [u32], out: &mut [f64], idx: impl Fn(f64) -> usize) {
        for &v in x {
            let c = &mut cursor[idx(v)];
            if *c != u32::MAX {
                out[*c as usize] = v + 0.0;
                *c += 1;
            }
        }
    }

    /// The merge walk over one bucket's sorted values (`i0`, `j0`: counts
    /// below the bucket), updating `[a max, a min, b max, b min]` when
    /// strictly better (earlier buckets first: first locations win).
    fn walk(a: &[f64], b: &[f64], (i0, j0): (usize, usize), st: &mut State) {
        let (n1, n2) = (st.n1, st.n2);
        let (ext, loc) = (&mut st.ext, &mut st.loc);
        let (mut i, mut j) = (0usize, 0usize);
        while i < a.len() || j < b.len() {
            let xa = a.get(i).copied().unwrap_or(f64::INFINITY);
            let xb = b.get(j).copied().unwrap_or(f64::INFINITY);
            let x = xa.min(xb);
            let (ri, rj) = (i, j);
            while i < a.len() && a[i] == x {
                i += 1;
            }
            while j < b.len() && b[j] == x {
                j += 1;
            }
            let d = (i0 + i) as f64 / n1 - (j0 + j) as f64 / n2;
            if i > ri {
                if d > ext[0] {
                    (ext[0], loc[0]) = (d, x);
                }
                if d < ext[1] {
                    (ext[1], loc[1]) = (d, x);
                }
            }
            if j > rj {
                if d > ext[2] {
                    (ext[2], loc[2]) = (d, x);
                }
                if d < ext[3] {
                    (ext[3], loc[3]) = (d, x);
                }
            }
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Two-sample KS test on samples already sorted ascending and free of NaN
/// (e.g. a profile's stored reference). Errors on an empty sample.
pub fn ks_2samp_sorted(
    data1: &[f64],
    data2: &[f64],
    alternative: Alternative,
    method: KsMethod,
) -> Result<KsResult> {
    check_nonempty(data1, data2)?;
    let e = extremes(data1, data2);
    Ok(from_extremes(
        data1.len() as u64,
        data2.len() as u64,
        &e,
        alternative,
        method,
    ))
}

fn check_nonempty(data1: &[f64], data2: &[f64]) -> Result<()> {
    if data1.is_empty() {
        return Err(Error::TooFewValues {
            param: "data1",
            actual: 0,
            min: 1,
        });
    }
    if data2.is_empty() {
        return Err(Error::TooFewValues {
            param: "data2",
            actual: 0,
            min: 1,
        });
    }
    Ok(())
}

/// Two-sided KS (`KsMethod::Auto`) from ECDF-difference extremes found
/// elsewhere — `[a max, a min, b max, b min]` with locations, each a value
/// of `i/n1 − j/n2` as the merge walk evaluates it — by the same choice
/// and p-value code as [`ks_2samp`] (score states, `crate::state`).
pub(crate) fn ks_from_extremes(n1: u64, n2: u64, ext: &[f64; 4], loc: &[f64; 4]) -> KsResult {
    from_extremes(
        n1,
        n2,
        &Extremes::pick(ext, loc),
        Alternative::TwoSided,
        KsMethod::Auto,
    )
}

/// Two-sided p-value (`KsMethod::Auto`) of a KS statistic `d` ≥ 0 at
/// sample sizes `n1`, `n2` (bounds of a bounded score state).
pub(crate) fn ks_pvalue(n1: u64, n2: u64, d: f64) -> f64 {
    let e = Extremes {
        max: d,
        max_loc: f64::NAN,
        min: 0.0,
        min_loc: f64::NAN,
    };
    from_extremes(n1, n2, &e, Alternative::TwoSided, KsMethod::Auto).pvalue
}

/// Statistic, sign, location and p-value from the ECDF-difference extremes.
fn from_extremes(
    n1: u64,
    n2: u64,
    e: &Extremes,
    alternative: Alternative,
    method: KsMethod,
) -> KsResult {
    let min_s = (-e.min).clamp(0.0, 1.0);
    let max_s = e.max;
    let (mut d, loc, sign) = if alternative == Alternative::Less
        || (alternative == Alternative::TwoSided && min_s > max_s)
    {
        (min_s, e.min_loc, -1i8)
    } else {
        (max_s, e.max_loc, 1i8)
    };
    let g = gcd(n1, n2);
    let (n1g, n2g) = (n1 / g, n2 / g);
    let mut mode = match method {
        KsMethod::Auto => {
            if n1.max(n2) as usize <= MAX_AUTO_N {
                KsMethod::Exact
            } else {
                KsMethod::Asymp
            }
        }
        KsMethod::Exact => {
            if n1g as f64 >= i32::MAX as f64 / n2g as f64 {
                KsMethod::Asymp
            } else {
                KsMethod::Exact
            }
        }
        KsMethod::Asymp => KsMethod::Asymp,
    };
    let mut prob = f64::NEG_INFINITY;
    if mode == KsMethod::Exact {
        let (ok, d2, p) = exact::attempt(n1, n2, g, d, alternative);
        d = d2;
        if ok {
            prob = p;
        } else {
            mode = KsMethod::Asymp;
        }
    }
    if mode == KsMethod::Asymp {
        let (m, n) = if n1 >= n2 {
            (n1 as f64, n2 as f64)
        } else {
            (n2 as f64, n1 as f64)
        };
        let en = m * n / (m + n);
        if alternative == Alternative::TwoSided {
            prob = kolmogn_sf(en.round_ties_even() as u64, d);
        } else {
            let z = en.sqrt() * d;
            let expt = -2.0 * z * z - 2.0 * z * (m + 2.0 * n) / (m * n * (m + n)).sqrt() / 3.0;
            prob = expt.exp();
        }
    }
    KsResult {
        statistic: d,
        pvalue: prob.clamp(0.0, 1.0),
        statistic_location: loc,
        statistic_sign: sign,
        method_used: mode,
    }
}

mod exact {
    use super::Alternative;

    /// scipy `_attempt_exact_2kssamp`: (success, rounded d, p).
    pub(super) fn attempt(n1: u64, n2: u64, g: u64, d: f64, alt: Alternative) -> (bool, f64, f64) {
        let lcm = (n1 / g) * n2;
        let h = (d * lcm as f64).round_ties_even() as u64;
        let d = h as f64 / lcm as f64;
        if h == 0 {
            return (true, d, 1.0);
        }
        let prob = if alt == Alternative::TwoSided {
            if n1 == n2 {
                prob_outside_square(n1, h)
            } else {
                outer_prob_inside(n1, n2, g, h)
            }
        } else if n1 == n2 {
            let nf = n1 as f64;
            let mut p = 1.0;
            for j in 0..h {
                let jf = j as f64;
                p *= (nf - jf) / (nf + jf + 1.0);
            }
            p
        } else {
            let total = binom(n1 + n2, n1);
            if !total.is_finite() {
                return (false, d, f64::NAN);
            }
            let paths = count_paths_outside(n1, n2, g, h);
            if !paths.is_finite() || paths > total {
                return (false, d, f64::NAN);
            }
            paths / total
        };
        if !prob.is_finite() || !(0.0..=1.0).contains(&prob) {
            return (false, d, prob);
        }
        (true, d, prob)
    }

    /// Binomial coefficient C(n, k) in floating point (product formula over
    /// min(k, n−k) factors; +inf when it overflows).
    pub(super) fn binom(n: u64, k: u64) -> f64 {
        if k > n {
            return 0.0;
        }
        let k = k.min(n - k);
        let mut r = 1.0f64;
        for i in 1..=k {
            r = r * (n - k + i) as f64 / i as f64;
            if !r.is_finite() {
                return f64::INFINITY;
            }
        }
        r
    }

    /// P(D_{n,n} ≥ h/n), Horner-like evaluation of the alternating sum.
    fn prob_outside_square(n: u64, h: u64) -> f64 {
        let mut p = 0.0;
        let nf = n as f64;
        let mut k = (n / h) as i64;
        while k >= 0 {
            let mut p1 = 1.0;
            let kh = (k as u64 * h) as f64;
            for j in 0..h {
                let jf = j as f64;
                p1 = (nf - kh - jf) * p1 / (nf + kh + jf + 1.0);
            }
            p = p1 * (1.0 - p);
            k -= 1;
        }
        2.0 * p
    }

    /// 1 − (proportion of lattice paths staying strictly inside the band),
    /// Hodges' inside method with Viehmann's 1−p recursion.
    fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
        let (m, n) = if m < n { (n, m) } else { (m, n) };
        let (mg, ng) = (m / g, n / g);
        let (m, n, mg, ng, h) = (m as i64, n as i64, mg as i64, ng as i64, h as i64);
        let ceil_div = |a: i64, b: i64| -> i64 { (a as f64 / b as f64).ceil() as i64 };
        let floor_div = |a: i64, b: i64| -> i64 { (a as f64 / b as f64).floor() as i64 };
        let mut minj: i64 = 0;
        let mut maxj: i64 = ceil_div(h, mg).min(n + 1);
        let mut curlen = maxj - minj;
        let len_a = (2 * maxj + 2).min(n + 1) as usize;
        let mut a = vec![1.0f64; len_a];
        for x in a.iter_mut().take(maxj as usize) {
            *x = 0.0;
        }
        for i in 1..=m {
            let (lastminj, lastlen) = (minj, curlen);
            minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
            maxj = ceil_div(ng * i + h, mg).min(n + 1);
            if maxj <= minj {
                return 1.0;
            }
            let mut val = if minj == 0 { 0.0 } else { 1.0 };
            let fi = i as f64;
            for jj in 0..(maxj - minj) {
                let j = (jj + minj) as f64;
                let src = (jj + minj - lastminj) as usize;
                val = (a.get(src).copied().unwrap_or(1.0) * fi + val * j) / (fi + j);
                if let Some(slot) = a.get_mut(jj as usize) {
                    *slot = val;
                }
            }
            curlen = maxj - minj;
            if lastlen > curlen {
                let from = (maxj - minj) as usize;
                let to = (from + (lastlen - curlen) as usize).min(a.len());
                for x in a.iter_mut().take(to).skip(from) {
                    *x = 1.0;
                }
            }
        }
        a.get((maxj - minj - 1) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// Number of lattice paths from (0,0) to (m,n) that reach the line
    /// m·y = n·x − h·g (Hodges' treatment of Drion/Gnedenko/Korolyuk).
    fn count_paths_outside(m: u64, n: u64, g: u64, h: u64) -> f64 {
        let (m, n) = if m < n { (n, m) } else { (m, n) };
        let (mg, ng) = (m / g, n / g);
        let (mi, ni, mgi, ngi, hi) = (m as i64, n as i64, mg as i64, ng as i64, h as i64);
        let lxj = ni + (mgi - hi).div_euclid(mgi);
        if lxj <= 0 {
            return binom(m + n, n);
        }
        let xj: Vec<i64> = (0..lxj)
            .map(|j| (hi + mgi * j + ngi - 1).div_euclid(ngi))
            .collect();
        let lxj = lxj as usize;
        let mut b = vec![0.0f64; lxj];
        b[0] = 1.0;
        for j in 1..lxj {
            let mut bj = binom((xj[j] + j as i64) as u64, j as u64);
            for i in 0..j {
                let c = binom((xj[j] - xj[i] + (j - i) as i64) as u64, (j - i) as u64);
                bj -= c * b[i];
            }
            b[j] = bj;
        }
        let mut num = 0.0;
        for j in 0..lxj {
            let c = binom(
                ((mi - xj[j]) + (ni - j as i64)) as u64,
                (ni - j as i64) as u64,
            );
            num += b[j] * c;
        }
        num
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ks(a: &[f64], b: &[f64], alt: Alternative, m: KsMethod) -> KsResult {
        ks_2samp(a, b, alt, m, NanPolicy::Error).unwrap()
    }

    /// The sort-based path `ks_2samp` took before the fused one.
    fn ks_reference(
        a: &[f64],
        b: &[f64],
        alt: Alternative,
        m: KsMethod,
        policy: NanPolicy,
    ) -> Result<KsResult> {
        let a = crate::sample::prepare_sorted("data1", a, policy)?;
        let b = crate::sample::prepare_sorted("data2", b, policy)?;
        match (a, b) {
            (Some(a), Some(b)) => ks_2samp_sorted(&a, &b, alt, m),
            _ => Ok(KsResult::nan()),
        }
    }

    fn bits(e: &Extremes) -> [u64; 4] {
        [e.max, e.max_loc, e.min, e.min_loc].map(f64::to_bits)
    }

    fn result_bits(r: &KsResult) -> (u64, u64, u64, i8, KsMethod) {
        (
            r.statistic.to_bits(),
            r.pvalue.to_bits(),
            r.statistic_location.to_bits(),
            r.statistic_sign,
            r.method_used,
        )
    }

    /// A random sample of one of several shapes: smooth, discrete with
    /// ties, signed zeros, heavy-tailed, constant, with outliers, subnormal,
    /// or partly copied from `other` (values shared across the samples).
    fn random_sample(rng: &mut impl rand::Rng, n: usize, other: &[f64]) -> Vec<f64> {
        let shape = rng.random_range(0..9u32);
        let shift = rng.random_range(-0.5..0.5f64);
        let ties = [1.0, 4.0, 16.0, 1e3][rng.random_range(0..4usize)];
        (0..n)
            .map(|_| {
                let u: f64 = rng.random();
                match shape {
                    0 => shift + (u - 0.5) * 3.0,
                    1 => ((shift + u * 2.0 - 1.0) * ties).round() / ties,
                    2 => match rng.random_range(0..3u32) {
                        0 => 0.0,
                        1 => -0.0,
                        _ => (u - 0.5).round(),
                    },
                    3 => (u - 0.5).signum() / (u * (1.0 - u) + 1e-9).powi(3),
                    4 => 2.5,
                    5 => {
                        if rng.random_range(0..1000u32) == 0 {
                            [1e300, -1e300, 1e-300, -f64::MAX][rng.random_range(0..4usize)]
                        } else {
                            shift + u
                        }
                    }
                    6 => (u - 0.5) * 1e-310,
                    7 if !other.is_empty() => other[rng.random_range(0..other.len())],
                    _ => {
                        // sum of uniforms, rounded (like the scipy cases)
                        let v: f64 = rng.random::<f64>() + rng.random::<f64>() + u - 1.5 + shift;
                        (v * ties + 0.5).floor() / ties
                    }
                }
            })
            .collect()
    }

    /// The fused (bucketed, candidate-only) extremes equal the sort-based
    /// ones bit for bit on random inputs: ties, duplicates shared by both
    /// samples, ±0.0, skewed and degenerate ranges, tiny and very unequal
    /// sizes, for many grid sizes (down to a single bucket).
    #[test]
    fn fused_extremes_match_sort_based() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0x5eed_4b53);
        let sizes = [1usize, 2, 3, 5, 8, 13, 40, 100, 600, 3000, 9000];
        for case in 0..1500 {
            let n1 = sizes[rng.random_range(0..sizes.len())] + rng.random_range(0..3usize);
            let n2 = sizes[rng.random_range(0..sizes.len())] + rng.random_range(0..3usize);
            let a = random_sample(&mut rng, n1, &[]);
            let b = random_sample(&mut rng, n2, &a);
            let want = fused::extremes_sorted(&a, &b);
            let n = n1 + n2;
            for nb in [0, 1, 2, 3, 7, 64, n / 4 + 1, n, fused::buckets_for(n)] {
                let got = fused::extremes(&a, &b, nb);
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "case {case} n1={n1} n2={n2} nb={nb}"
                );
            }
            if case % 4 != 0 {
                // the p-value follows from the extremes; check the plumbing on a quarter
                continue;
            }
            for alt in [
                Alternative::TwoSided,
                Alternative::Less,
                Alternative::Greater,
            ] {
                // the exact p-value is O(n1·n2): only on the smaller cases
                let m = if n1 * n2 > 200_000 {
                    KsMethod::Asymp
                } else {
                    [KsMethod::Auto, KsMethod::Exact, KsMethod::Asymp][case % 3]
                };
                let got = ks_2samp(&a, &b, alt, m, NanPolicy::Error).unwrap();
                let want = ks_reference(&a, &b, alt, m, NanPolicy::Error).unwrap();
                assert_eq!(
                    result_bits(&got),
                    result_bits(&want),
                    "case {case} {alt:?} {m:?}"
                );
            }
        }
    }

    /// Large inputs through the public function (default grid), including
    /// the NaN policies.
    #[test]
    fn fused_ks_matches_sort_based_large_and_policies() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        for case in 0..40 {
            let n1 = rng.random_range(4000..60_000usize);
            let n2 = if case % 4 == 0 {
                rng.random_range(1..50usize)
            } else {
                rng.random_range(4000..60_000usize)
            };
            let mut a = random_sample(&mut rng, n1, &[]);
            let mut b = random_sample(&mut rng, n2, &a);
            for alt in [
                Alternative::TwoSided,
                Alternative::Less,
                Alternative::Greater,
            ] {
                let got = ks_2samp(&a, &b, alt, KsMethod::Auto, NanPolicy::Error).unwrap();
                let want = ks_reference(&a, &b, alt, KsMethod::Auto, NanPolicy::Error).unwrap();
                assert_eq!(result_bits(&got), result_bits(&want), "case {case} {alt:?}");
            }
            // sprinkle non-finite values: Skip drops them, Propagate/Error as before
            a[rng.random_range(0..n1)] = f64::NAN;
            b[rng.random_range(0..n2)] = f64::INFINITY;
            for policy in [NanPolicy::Skip, NanPolicy::Propagate, NanPolicy::Error] {
                let alt = Alternative::TwoSided;
                let got = ks_2samp(&a, &b, alt, KsMethod::Auto, policy);
                let want = ks_reference(&a, &b, alt, KsMethod::Auto, policy);
                match (got, want) {
                    (Ok(g), Ok(w)) => assert_eq!(
                        (
                            g.statistic.to_bits(),
                            g.pvalue.to_bits(),
                            g.statistic_location.to_bits(),
                            g.statistic_sign
                        ),
                        (
                            w.statistic.to_bits(),
                            w.pvalue.to_bits(),
                            w.statistic_location.to_bits(),
                            w.statistic_sign
                        ),
                        "case {case} {policy:?}"
                    ),
                    (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string()),
                    (g, w) => panic!("case {case} {policy:?}: {g:?} vs {w:?}"),
                }
            }
        }
    }

    #[test]
    fn identical_inputs_give_zero_and_p_one() {
        let x = [0.3, 1.0, -2.0, 5.5, 0.3];
        for alt in [
            Alternative::TwoSided,
            Alternative::Less,
            Alternative::Greater,
        ] {
            for m in [KsMethod::Auto, KsMethod::Exact, KsMethod::Asymp] {
                let r = ks(&x, &x, alt, m);
                assert_eq!(r.statistic, 0.0);
                assert_eq!(r.pvalue, 1.0);
            }
        }
    }

    #[test]
    fn disjoint_seed_case() {
        // scipy: ks_2samp([0, .1], [.2, .3]) -> statistic 1.0, pvalue 0.3333333333333333,
        // statistic_location 0.1, statistic_sign 1
        let r = ks(
            &[0.0, 0.1],
            &[0.2, 0.3],
            Alternative::TwoSided,
            KsMethod::Auto,
        );
        assert_eq!(r.statistic, 1.0);
        assert!((r.pvalue - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(r.statistic_location, 0.1);
        assert_eq!(r.statistic_sign, 1);
    }

    #[test]
    fn bad_input() {
        let e = ks_2samp(
            &[],
            &[1.0],
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Error,
        );
        assert!(matches!(e, Err(Error::TooFewValues { param: "data1", .. })));
        let e = ks_2samp(
            &[1.0],
            &[f64::NAN],
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Error,
        );
        assert!(matches!(
            e,
            Err(Error::NonFinite {
                param: "data2",
                index: 0,
                ..
            })
        ));
        let e = ks_2samp(
            &[1.0],
            &[f64::NAN],
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Skip,
        );
        assert!(matches!(e, Err(Error::TooFewValues { param: "data2", .. })));
        let e = ks_2samp(
            &[f64::NEG_INFINITY],
            &[1.0],
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Error,
        );
        assert!(e.unwrap_err().to_string().contains("data1[0] = -inf"));
        let r = ks_2samp(
            &[1.0],
            &[f64::NAN],
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Propagate,
        )
        .unwrap();
        assert!(r.pvalue.is_nan());
    }
}
