//! Population Stability Index.
//!
//! PSI = Σᵢ (aᵢ − eᵢ)·ln(aᵢ/eᵢ) over bins, eᵢ the reference (expected)
//! fraction and aᵢ the current (actual) fraction. Empty bins would make a
//! term infinite, so each fraction is floored at an explicit ε
//! ([`DEFAULT_PSI_EPSILON`] = 1e-4 unless told): eᵢ = max(eᵢ, ε), aᵢ = max(aᵢ, ε),
//! without renormalising. [`PsiMode::Evidently`] instead reproduces
//! Evidently's `psi` stat test (Sturges bins on reference ∪ current, zero
//! fractions replaced by min-nonzero/10⁶ or 10⁻⁴).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::profile::{
    BinStrategy, MAX_BINS, NumericProfile, ProfileOptions, bin_counts_checked, fit_unsorted_bins,
};
use tradewarden_core::NanPolicy;

/// Default ε floor of bin fractions in [`PsiMode::Standard`].
pub const DEFAULT_PSI_EPSILON: f64 = 1e-4;

/// How PSI treats empty bins and where its bins come from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PsiMode {
    /// The profile's bins, fractions floored at `epsilon`.
    Standard {
        /// Floor of each bin fraction (> 0, < 1).
        epsilon: f64,
    },
    /// Evidently's `psi` stat test: Sturges bins on reference ∪ current when the
    /// reference has more than 20 distinct values (else one bin per value),
    /// zero fractions replaced by (smallest non-zero fraction)/10⁶ if that is
    /// ≤ 10⁻⁴, else by 10⁻⁴. Needs the profile's stored reference.
    Evidently,
}

impl Default for PsiMode {
    fn default() -> Self {
        PsiMode::Standard {
            epsilon: DEFAULT_PSI_EPSILON,
        }
    }
}

/// PSI of `current` against `reference` in one call: fits the reference's
/// bins with `bins` and `nan_policy` and scores `current` with `mode`.
///
/// The reference is kept (sorted) only where the scoring needs it —
/// [`PsiMode::Evidently`] and [`BinStrategy::Sturges`]. Otherwise nothing
/// is sorted or copied for a long finite reference: one pass finds its
/// range (and checks it), one more gathers the values around each wanted
/// quantile (selected there) and counts the reference's bins, and one pass
/// over `current` checks and counts it; the moments of a profile are not
/// computed. The value equals [`NumericProfile::fit`] + [`NumericProfile::psi`]
/// bit for bit (the Python `psi(reference, current)` and every other door
/// call this).
///
/// ```
/// use tradewarden_drift::{profile::BinStrategy, psi::{psi_of_samples, PsiMode}};
/// use tradewarden_core::NanPolicy;
/// let r: Vec<f64> = (0..1000).map(|i| i as f64).collect();
/// let same = psi_of_samples(&r, &r, BinStrategy::Quantile { bins: 10 }, NanPolicy::Error, PsiMode::default()).unwrap();
/// assert!(same.abs() < 1e-12);
/// ```
pub fn psi_of_samples(
    reference: &[f64],
    current: &[f64],
    bins: BinStrategy,
    nan_policy: NanPolicy,
    mode: PsiMode,
) -> Result<f64> {
    let keep_reference = matches!(mode, PsiMode::Evidently) || matches!(bins, BinStrategy::Sturges);
    let options = ProfileOptions {
        bins,
        nan_policy,
        keep_reference,
    };
    if let (false, PsiMode::Standard { epsilon }) = (keep_reference, mode) {
        // NumericProfile::fit + psi without the moments nobody reads:
        // the same checks, edges and counts, so the same value bit for bit
        options.validate()?;
        let fit = fit_unsorted_bins(reference, &options, false)?;
        let actual = current_counts(current, &fit.edges, nan_policy)?;
        return psi_from_counts(&fit.counts, &actual, epsilon);
    }
    NumericProfile::fit(reference, &options)?.psi(current, mode)
}

/// Counts of `current` over fitted `edges` as [`NumericProfile::histogram`]
/// finds them, in one pass when every value is finite: NaN/±inf are an
/// error naming `current` (its first one) unless `nan_policy` skips them;
/// no value left is `TooFewValues`.
fn current_counts(current: &[f64], edges: &[f64], nan_policy: NanPolicy) -> Result<Vec<u64>> {
    let (counts, finite) = bin_counts_checked(current, edges)?;
    let counts = if finite {
        counts
    } else if nan_policy == NanPolicy::Skip {
        let v: Vec<f64> = current.iter().copied().filter(|v| v.is_finite()).collect();
        bin_counts_checked(&v, edges)?.0
    } else {
        crate::sample::check_finite("current", current)?;
        counts
    };
    if counts.iter().all(|&c| c == 0) {
        return Err(Error::TooFewValues {
            param: "current",
            actual: 0,
            min: 1,
        });
    }
    Ok(counts)
}

/// PSI from bin counts of the reference (`expected`) and current (`actual`)
/// samples, with fractions floored at `epsilon`.
///
/// ```
/// use tradewarden_drift::psi::psi_from_counts;
/// assert_eq!(psi_from_counts(&[5, 5], &[50, 50], 1e-4).unwrap(), 0.0);
/// assert!(psi_from_counts(&[10, 0], &[0, 10], 1e-4).unwrap() > 10.0);
/// ```
pub fn psi_from_counts(expected: &[u64], actual: &[u64], epsilon: f64) -> Result<f64> {
    if !(epsilon > 0.0 && epsilon < 1.0) {
        return Err(Error::invalid("epsilon", epsilon, "must be in (0, 1)"));
    }
    if expected.len() != actual.len() {
        return Err(Error::invalid(
            "actual",
            format!("{} bins", actual.len()),
            "must have as many bins as expected",
        ));
    }
    if expected.len() < 2 {
        return Err(Error::invalid(
            "expected",
            format!("{} bins", expected.len()),
            "at least 2 bins required",
        ));
    }
    if expected.len() > MAX_BINS {
        return Err(Error::invalid(
            "bins",
            expected.len(),
            "at most MAX_BINS = 1048576 bins (or categories)",
        ));
    }
    let ne = checked_total("expected", expected)?;
    let na = checked_total("actual", actual)?;
    if ne == 0 {
        return Err(Error::TooFewValues {
            param: "expected",
            actual: 0,
            min: 1,
        });
    }
    if na == 0 {
        return Err(Error::TooFewValues {
            param: "actual",
            actual: 0,
            min: 1,
        });
    }
    let (ne, na) = (ne as f64, na as f64);
    Ok(expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            let e = (e as f64 / ne).max(epsilon);
            let a = (a as f64 / na).max(epsilon);
            (a - e) * (a / e).ln()
        })
        .sum())
}

/// Σ counts, or a typed error when the sum overflows `u64`.
fn checked_total(param: &'static str, counts: &[u64]) -> Result<u64> {
    counts
        .iter()
        .try_fold(0u64, |acc, &c| acc.checked_add(c))
        .ok_or_else(|| Error::invalid(param, "Σ counts > u64::MAX", "bin counts overflow u64"))
}

/// PSI of two fraction vectors as Evidently computes it (its zero filling).
pub(crate) fn psi_evidently_fractions(mut e: Vec<f64>, mut a: Vec<f64>) -> f64 {
    fill_zeroes(&mut e);
    fill_zeroes(&mut a);
    e.iter()
        .zip(&a)
        .map(|(&r, &c)| (r - c) * (r / c).ln())
        .sum()
}

fn fill_zeroes(p: &mut [f64]) {
    let min_nz = p
        .iter()
        .copied()
        .filter(|&v| v != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !min_nz.is_finite() {
        return;
    }
    let fill = if min_nz <= 1e-4 { min_nz / 1e6 } else { 1e-4 };
    for v in p.iter_mut() {
        if *v == 0.0 {
            *v = fill;
        }
    }
}

/// numpy `histogram_bin_edges(data, bins="sturges")` of the pooled sorted
/// samples `a` ∪ `b` (both non-empty, sorted, finite).
pub(crate) fn sturges_edges(a: &[f64], b: &[f64]) -> Result<Vec<f64>> {
    let (Some(&a0), Some(&a1), Some(&b0), Some(&b1)) = (a.first(), a.last(), b.first(), b.last())
    else {
        return Err(Error::TooFewValues {
            param: if a.is_empty() { "reference" } else { "current" },
            actual: 0,
            min: 1,
        });
    };
    sturges_edges_of(a0.min(b0), a1.max(b1), a.len() + b.len())
}

/// [`sturges_edges`] from the pooled minimum, maximum and size; a range
/// that overflows `f64` (or is not finite) is an error, not NaN edges.
fn sturges_edges_of(lo: f64, hi: f64, n: usize) -> Result<Vec<f64>> {
    if !(hi - lo).is_finite() {
        return Err(Error::Degenerate {
            param: "current",
            reason: "the range of reference ∪ current overflows f64: Sturges bins undefined",
        });
    }
    let n = n as f64;
    let (mut first, mut last) = (lo, hi);
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let width = (hi - lo) / (n.log2() + 1.0);
    let nbins = if width > 0.0 {
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    let nbins = nbins.max(1);
    let step = (last - first) / nbins as f64;
    let mut e: Vec<f64> = (0..=nbins).map(|i| i as f64 * step + first).collect();
    e[nbins] = last;
    Ok(e)
}

/// np.histogram counts of sorted `x` over `edges` (bins [eᵢ, eᵢ₊₁), last closed).
pub(crate) fn histogram_sorted(x: &[f64], edges: &[f64]) -> Vec<u64> {
    let k = edges.len() - 1;
    let mut out = Vec::with_capacity(k);
    let mut prev = x.partition_point(|&v| v < edges[0]);
    for (i, &e) in edges.iter().enumerate().skip(1) {
        let pos = if i == k {
            x.partition_point(|&v| v <= e)
        } else {
            x.partition_point(|&v| v < e)
        };
        out.push((pos - prev) as u64);
        prev = pos;
    }
    out
}

/// Whether sorted `x` holds more than 20 distinct values (Evidently bins
/// by value up to 20; stops counting at 21).
fn more_than_20_distinct(x: &[f64]) -> bool {
    let (mut uniq, mut i) = (0usize, 0usize);
    while i < x.len() && uniq <= 20 {
        let v = x[i];
        i += 1; // a NaN is one value, not a run that never ends
        while i < x.len() && x[i] == v {
            i += 1;
        }
        uniq += 1;
    }
    uniq > 20
}

/// Evidently's PSI of a sorted finite reference against finite current
/// values in any order, without sorting them: `None` when the reference has
/// at most 20 distinct values (one bin per distinct value of both samples:
/// use [`psi_evidently_sorted`]). Otherwise equal to it bit for bit: the
/// same Sturges edges (from the pooled minimum and maximum) and the same
/// counts (bins `[eᵢ, eᵢ₊₁)`, the last closed), found by binary search.
pub(crate) fn psi_evidently_unsorted(reference: &[f64], current: &[f64]) -> Result<Option<f64>> {
    if !more_than_20_distinct(reference) || current.is_empty() {
        return Ok(None);
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in current {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let lo = lo.min(reference[0]);
    let hi = hi.max(reference[reference.len() - 1]);
    let edges = sturges_edges_of(lo, hi, reference.len() + current.len())?;
    let k = edges.len() - 1;
    let inner = &edges[1..k];
    let mut counts = vec![0u64; k];
    for &x in current {
        counts[inner.partition_point(|&e| e <= x)] += 1;
    }
    let (nr, nc) = (reference.len() as f64, current.len() as f64);
    let e = histogram_sorted(reference, &edges)
        .iter()
        .map(|&c| c as f64 / nr)
        .collect();
    let a = counts.iter().map(|&c| c as f64 / nc).collect();
    Ok(Some(psi_evidently_fractions(e, a)))
}

/// Evidently's PSI over two sorted finite samples.
pub(crate) fn psi_evidently_sorted(reference: &[f64], current: &[f64]) -> Result<f64> {
    let (nr, nc) = (reference.len() as f64, current.len() as f64);
    if more_than_20_distinct(reference) {
        let edges = sturges_edges(reference, current)?;
        let e = histogram_sorted(reference, &edges)
            .iter()
            .map(|&c| c as f64 / nr)
            .collect();
        let a = histogram_sorted(current, &edges)
            .iter()
            .map(|&c| c as f64 / nc)
            .collect();
        Ok(psi_evidently_fractions(e, a))
    } else {
        // one bin per distinct value of reference ∪ current
        let (mut e, mut a) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < reference.len() || j < current.len() {
            let x = match (reference.get(i), current.get(j)) {
                (Some(&p), Some(&q)) => p.min(q),
                (Some(&p), None) => p,
                (None, Some(&q)) => q,
                (None, None) => break,
            };
            let (i0, j0) = (i, j);
            while i < reference.len() && reference[i] == x {
                i += 1;
            }
            while j < current.len() && current[j] == x {
                j += 1;
            }
            if (i, j) == (i0, j0) {
                // only a NaN is never consumed: an error, not an endless loop
                let (param, index) = if reference.get(i).is_some_and(|v| v.is_nan()) {
                    ("reference", i)
                } else {
                    ("current", j)
                };
                return Err(Error::NonFinite {
                    param,
                    index,
                    value: f64::NAN,
                });
            }
            e.push((i - i0) as f64 / nr);
            a.push((j - j0) as f64 / nc);
        }
        Ok(psi_evidently_fractions(e, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters() {
        assert!(matches!(
            psi_from_counts(&[1, 1], &[1, 1], 0.0),
            Err(Error::InvalidParameter {
                param: "epsilon",
                ..
            })
        ));
        assert!(matches!(
            psi_from_counts(&[1], &[1], 1e-4),
            Err(Error::InvalidParameter {
                param: "expected",
                ..
            })
        ));
        assert!(matches!(
            psi_from_counts(&[1, 1], &[1, 1, 1], 1e-4),
            Err(Error::InvalidParameter {
                param: "actual",
                ..
            })
        ));
        assert!(matches!(
            psi_from_counts(&[0, 0], &[1, 1], 1e-4),
            Err(Error::TooFewValues {
                param: "expected",
                ..
            })
        ));
    }

    #[test]
    fn sturges_matches_numpy() {
        // numpy: np.histogram_bin_edges([0, .1, .2, .3], bins="sturges") -> 3 bins
        let e = sturges_edges(&[0.0, 0.1], &[0.2, 0.3]).unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(e[0], 0.0);
        assert_eq!(e[3], 0.3);
        assert_eq!(histogram_sorted(&[0.0, 0.1, 0.2, 0.3], &e), vec![1, 1, 2]);
    }
}
