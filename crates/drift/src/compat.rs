//! scipy's arithmetic, for the drop-in Python module `tradewarden.drift`.
//!
//! The functions of [`crate::distance`] and [`crate::ks`] are strict: ±inf is
//! an error, probability vectors are checked. scipy instead lets IEEE
//! arithmetic decide (an infinite value gives an infinite distance, or NaN
//! when the distance is undefined; a negative "probability" gives +inf). The
//! functions here compute what scipy computes, with the same inputs
//! accepted, and add what the strict API lacks (sample weights, row-wise
//! Jensen–Shannon). Formulas and the list of differences: `docs/drift.md`.

use tradewarden_core::NanPolicy;

use crate::error::{Error, Result};
use crate::ks::{Alternative, KsMethod, KsResult};

/// Checks one sample and its optional weights as scipy's
/// `_validate_distribution` does: a non-empty sample; weights of the same
/// length, none negative, summing to a positive finite number.
fn check_distribution(
    param: &'static str,
    wparam: &'static str,
    x: &[f64],
    w: Option<&[f64]>,
) -> Result<()> {
    if x.is_empty() {
        return Err(Error::TooFewValues {
            param,
            actual: 0,
            min: 1,
        });
    }
    let Some(w) = w else { return Ok(()) };
    if w.len() != x.len() {
        return Err(Error::invalid(
            wparam,
            format!("length {} (sample length {})", w.len(), x.len()),
            "must have the same length as the sample",
        ));
    }
    let mut s = 0.0;
    for &v in w {
        if v < 0.0 {
            return Err(Error::InvalidProbabilities {
                param: wparam,
                value: v,
                reason: "weights must be non-negative",
            });
        }
        s += v;
    }
    if !(s > 0.0 && s.is_finite()) {
        return Err(Error::InvalidProbabilities {
            param: wparam,
            value: s,
            reason: "weights must sum to a positive, finite number",
        });
    }
    Ok(())
}

/// Order-preserving map of an `f64` (no NaN) to a `u64` key (−0.0 is
/// normalised to +0.0 first, so the two zeros tie).
fn key(x: f64) -> u64 {
    let b = (x + 0.0).to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// A sample sorted ascending with the cumulative weight at each position:
/// `cum[i]` is the total weight of the first `i` sorted values
/// (`cum.len() == values.len() + 1`).
struct Weighted {
    values: Vec<f64>,
    cum: Vec<f64>,
}

fn sort_weighted(x: &[f64], w: &[f64]) -> Weighted {
    let mut pairs: Vec<(u64, f64)> = x.iter().zip(w).map(|(&v, &w)| (key(v), w)).collect();
    pairs.sort_unstable_by_key(|p| p.0);
    let mut values = Vec::with_capacity(x.len());
    let mut cum = Vec::with_capacity(x.len() + 1);
    let mut s = 0.0;
    cum.push(0.0);
    for (k, w) in pairs {
        values.push(unkey(k));
        s += w;
        cum.push(s);
    }
    Weighted { values, cum }
}

fn sort_plain(x: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = x.iter().map(|v| v + 0.0).collect();
    if v.iter().all(|v| v.is_finite()) {
        crate::sample::sort_f64(&mut v);
    } else {
        v.sort_unstable_by(f64::total_cmp);
    }
    v
}

/// scipy's `_cdf_distance` walk over two sorted samples without NaN:
/// Σₖ |F_u(xₖ) − F_v(xₖ)|^order · (xₖ₊₁ − xₖ) over the pooled sorted values
/// xₖ, with F the (weighted) right-continuous ECDF given by `fu`/`fv` (the
/// CDF after `i` values). Ties of a finite value add 0·0; a repeated ±inf
/// adds a NaN term (inf − inf), as does a zero CDF difference across an
/// infinite gap (0·inf), exactly as numpy's arithmetic does.
fn cdf_walk<FU, FV>(u: &[f64], v: &[f64], fu: FU, fv: FV, order: u8) -> f64
where
    FU: Fn(usize) -> f64,
    FV: Fn(usize) -> f64,
{
    let (mut i, mut j) = (0usize, 0usize);
    let mut acc = 0.0;
    let mut prev: Option<(f64, f64)> = None; // (value, |ΔF|^order at it)
    while i < u.len() || j < v.len() {
        let x = match (u.get(i), v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let (i0, j0) = (i, j);
        while i < u.len() && u[i] == x {
            i += 1;
        }
        while j < v.len() && v[j] == x {
            j += 1;
        }
        if x.is_infinite() && (i - i0) + (j - j0) > 1 {
            // numpy: a zero-width step between two equal infinities is NaN
            acc += f64::NAN;
        }
        if let Some((p, d)) = prev {
            acc += d * (x - p);
        }
        let d = (fu(i) - fv(j)).abs();
        prev = Some((x, if order == 1 { d } else { d * d }));
    }
    acc
}

/// The integral of [`cdf_walk`] for values and optional weights, NaN when a
/// value is NaN (scipy's sort puts NaN last and every step after it is NaN).
fn cdf_distance(
    u: &[f64],
    v: &[f64],
    u_weights: Option<&[f64]>,
    v_weights: Option<&[f64]>,
    order: u8,
) -> Result<f64> {
    check_distribution("u_values", "u_weights", u, u_weights)?;
    check_distribution("v_values", "v_weights", v, v_weights)?;
    if u.iter().chain(v).any(|x| x.is_nan()) {
        return Ok(f64::NAN);
    }
    let s = match (u_weights, v_weights) {
        (None, None) => {
            let (su, sv) = (sort_plain(u), sort_plain(v));
            let (nu, nv) = (u.len() as f64, v.len() as f64);
            cdf_walk(&su, &sv, |i| i as f64 / nu, |j| j as f64 / nv, order)
        }
        (Some(uw), None) => {
            let su = sort_weighted(u, uw);
            let sv = sort_plain(v);
            let (tu, nv) = (su.cum[u.len()], v.len() as f64);
            cdf_walk(
                &su.values,
                &sv,
                |i| su.cum[i] / tu,
                |j| j as f64 / nv,
                order,
            )
        }
        (None, Some(vw)) => {
            let su = sort_plain(u);
            let sv = sort_weighted(v, vw);
            let (nu, tv) = (u.len() as f64, sv.cum[v.len()]);
            cdf_walk(
                &su,
                &sv.values,
                |i| i as f64 / nu,
                |j| sv.cum[j] / tv,
                order,
            )
        }
        (Some(uw), Some(vw)) => {
            let su = sort_weighted(u, uw);
            let sv = sort_weighted(v, vw);
            let (tu, tv) = (su.cum[u.len()], sv.cum[v.len()]);
            cdf_walk(
                &su.values,
                &sv.values,
                |i| su.cum[i] / tu,
                |j| sv.cum[j] / tv,
                order,
            )
        }
    };
    Ok(s)
}

/// Wasserstein-1 distance as `scipy.stats.wasserstein_distance(u, v,
/// u_weights, v_weights)`: ∫|F_u − F_v| dx with weighted ECDFs (a weight `w`
/// on a value equals repeating the value `w` times).
///
/// Unlike the strict [`crate::distance::wasserstein`], ±inf values give +inf,
/// or NaN where the distance is undefined (an infinity in both samples), and
/// a NaN value gives NaN.
///
/// # Errors
/// An empty sample (`TooFewValues`); weights of another length
/// (`InvalidParameter`), with a negative entry or a sum that is not
/// positive and finite (`InvalidProbabilities`) — scipy's `ValueError`s.
///
/// ```
/// use tradewarden_drift::compat::wasserstein_weighted;
/// // weight 3 on 0 and 1 on 1, against all mass on 0: 1/4 of the mass moves by 1
/// let w = wasserstein_weighted(&[0.0, 1.0], &[0.0], Some(&[3.0, 1.0]), None).unwrap();
/// assert_eq!(w, 0.25);
/// assert_eq!(wasserstein_weighted(&[1.0, f64::INFINITY], &[1.0], None, None).unwrap(), f64::INFINITY);
/// ```
pub fn wasserstein_weighted(
    u: &[f64],
    v: &[f64],
    u_weights: Option<&[f64]>,
    v_weights: Option<&[f64]>,
) -> Result<f64> {
    if strict_path_applies(u, v, u_weights, v_weights) {
        return crate::distance::wasserstein(u, v);
    }
    cdf_distance(u, v, u_weights, v_weights, 1)
}

/// Energy distance as `scipy.stats.energy_distance(u, v, u_weights,
/// v_weights)`: √2 · (∫(F_u − F_v)² dx)^½ with weighted ECDFs; ±inf and NaN
/// as [`wasserstein_weighted`].
///
/// # Errors
/// As [`wasserstein_weighted`].
///
/// ```
/// use tradewarden_drift::compat::energy_distance_weighted;
/// let e = energy_distance_weighted(&[0.0, 2.0], &[0.0], Some(&[1.0, 1.0]), Some(&[1.0])).unwrap();
/// assert!((e - 1.0).abs() < 1e-15); // √2 · √(¼ · 2)
/// ```
pub fn energy_distance_weighted(
    u: &[f64],
    v: &[f64],
    u_weights: Option<&[f64]>,
    v_weights: Option<&[f64]>,
) -> Result<f64> {
    if strict_path_applies(u, v, u_weights, v_weights) {
        return crate::distance::energy_distance(u, v);
    }
    Ok(std::f64::consts::SQRT_2 * cdf_distance(u, v, u_weights, v_weights, 2)?.sqrt())
}

/// Unweighted, non-empty, finite samples: the strict distance in
/// [`crate::distance`] gives scipy's number, faster than the ECDF integral.
fn strict_path_applies(u: &[f64], v: &[f64], uw: Option<&[f64]>, vw: Option<&[f64]>) -> bool {
    uw.is_none()
        && vw.is_none()
        && !u.is_empty()
        && !v.is_empty()
        && u.iter().chain(v).all(|x| x.is_finite())
}

/// Jensen–Shannon distances of the rows of two row-major matrices with rows
/// of `row_len` entries, as `scipy.spatial.distance.jensenshannon(p, q,
/// base, axis=-1)`: each row is divided by its sum, then
/// √((KL(p‖m) + KL(q‖m)) / 2 / ln base) with m = (p + q)/2.
///
/// No entry is checked, as in scipy: a negative entry gives +inf, a row
/// summing to 0 gives NaN, `base` ≤ 0 or = 1 gives what the division by
/// ln(base) gives. The strict [`crate::distance::jensenshannon`] refuses
/// these. One difference from scipy: a rounding-negative divergence is
/// clamped to 0 (scipy's square root would give NaN).
///
/// # Errors
/// `row_len` = 0, or `p`, `q` not the same length or not a whole number of rows.
///
/// ```
/// use tradewarden_drift::compat::jensenshannon_rows;
/// let d = jensenshannon_rows(&[1.0, 0.0, 2.0, 2.0], &[0.0, 1.0, 1.0, 1.0], 2, Some(2.0)).unwrap();
/// assert_eq!(d, vec![1.0, 0.0]);
/// assert_eq!(jensenshannon_rows(&[-1.0, 2.0], &[0.5, 0.5], 2, None).unwrap(), vec![f64::INFINITY]);
/// ```
pub fn jensenshannon_rows(
    p: &[f64],
    q: &[f64],
    row_len: usize,
    base: Option<f64>,
) -> Result<Vec<f64>> {
    if p.len() != q.len() {
        return Err(Error::invalid(
            "q",
            format!("length {}", q.len()),
            "must have the same length as p",
        ));
    }
    if row_len == 0 || !p.len().is_multiple_of(row_len) {
        return Err(Error::invalid(
            "row_len",
            row_len,
            "must be positive and divide the length of p",
        ));
    }
    let lb = base.map(f64::ln);
    Ok(p.chunks_exact(row_len)
        .zip(q.chunks_exact(row_len))
        .map(|(p, q)| {
            let sp = crate::vmath::lane_sum(p);
            let sq = crate::vmath::lane_sum(q);
            let mut js = crate::distance::js_sum(p, q, sp, sq);
            if let Some(lb) = lb {
                js /= lb;
            }
            let js = js / 2.0;
            // clamp a rounding-negative divergence; keep NaN (0.0.max(NaN) would drop it)
            if js < 0.0 { 0.0 } else { js.sqrt() }
        })
        .collect())
}

/// Two-sample KS as `scipy.stats.ks_2samp`, with ±inf as ordinary values
/// (the strict [`crate::ks::ks_2samp`] refuses them): `nan_policy` applies
/// to NaN only — `Error` refuses a NaN, `Skip` drops NaN (and keeps ±inf),
/// `Propagate` gives NaN results.
///
/// # Errors
/// A NaN under `Error`; an empty sample (after dropping NaN).
///
/// ```
/// use tradewarden_drift::compat::ks_2samp_ieee;
/// use tradewarden_drift::ks::{Alternative, KsMethod};
/// use tradewarden_core::NanPolicy;
/// let r = ks_2samp_ieee(&[f64::NEG_INFINITY, 0.0], &[1.0, f64::INFINITY],
///                       Alternative::TwoSided, KsMethod::Auto, NanPolicy::Error).unwrap();
/// assert_eq!(r.statistic, 1.0);
/// ```
pub fn ks_2samp_ieee(
    data1: &[f64],
    data2: &[f64],
    alternative: Alternative,
    method: KsMethod,
    nan_policy: NanPolicy,
) -> Result<KsResult> {
    if nan_policy != NanPolicy::Skip {
        match crate::ks::ks_2samp(data1, data2, alternative, method, nan_policy) {
            Err(Error::NonFinite { value, .. }) if value.is_infinite() => {}
            other => return other,
        }
    } else if !data1.iter().chain(data2).any(|x| x.is_infinite()) {
        return crate::ks::ks_2samp(data1, data2, alternative, method, nan_policy);
    }
    // a ±inf is present: NaN policy by hand, then the sorted path
    let mut prepared = Vec::with_capacity(2);
    for (param, x) in [("data1", data1), ("data2", data2)] {
        let nan = x.iter().position(|v| v.is_nan());
        let values: Vec<f64> = match (nan, nan_policy) {
            (None, _) => x.to_vec(),
            (Some(index), NanPolicy::Error) => {
                return Err(Error::NonFinite {
                    param,
                    index,
                    value: x[index],
                });
            }
            (Some(_), NanPolicy::Propagate) => {
                return Ok(KsResult {
                    statistic: f64::NAN,
                    pvalue: f64::NAN,
                    statistic_location: f64::NAN,
                    statistic_sign: 0,
                    method_used: method,
                });
            }
            (Some(_), NanPolicy::Skip) => x.iter().copied().filter(|v| !v.is_nan()).collect(),
        };
        prepared.push(sort_plain(&values));
    }
    crate::ks::ks_2samp_sorted(&prepared[0], &prepared[1], alternative, method)
}

/// Two-sample Cramér–von Mises test as `scipy.stats.cramervonmises_2samp`,
/// with ±inf as ordinary values (the statistic depends on ranks only; the
/// strict [`crate::cvm::cramervonmises_2samp`] refuses them).
///
/// # Errors
/// A sample with fewer than 2 values (`TooFewValues`) or with a NaN
/// (`NonFinite`); `Exact` beyond 30 values per sample.
///
/// ```
/// use tradewarden_drift::compat::cramervonmises_2samp_ieee;
/// use tradewarden_drift::cvm::{cramervonmises_2samp, CvmMethod};
/// let inf = f64::INFINITY;
/// let r = cramervonmises_2samp_ieee(&[1.0, inf, 2.0, 5.0], &[3.0, 4.0, -inf], CvmMethod::Auto).unwrap();
/// let f = cramervonmises_2samp(&[1.0, 1e300, 2.0, 5.0], &[3.0, 4.0, -1e300], CvmMethod::Auto).unwrap();
/// assert_eq!((r.statistic, r.pvalue), (f.statistic, f.pvalue));
/// ```
pub fn cramervonmises_2samp_ieee(
    x: &[f64],
    y: &[f64],
    method: crate::cvm::CvmMethod,
) -> Result<crate::cvm::CvmResult> {
    for (param, s) in [("x", x), ("y", y)] {
        if s.len() < 2 {
            return Err(Error::TooFewValues {
                param,
                actual: s.len(),
                min: 2,
            });
        }
        if let Some(index) = s.iter().position(|v| v.is_nan()) {
            return Err(Error::NonFinite {
                param,
                index,
                value: s[index],
            });
        }
    }
    crate::cvm::cvm_ranked(x, y, method)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-13 * b.abs().max(1.0)
    }

    #[test]
    fn weights_equal_repetition() {
        // weights (1, 2, 4) on (5, 0, 1) are the samples with 0 twice and 1 four times
        let (u, uw) = ([5.0, 0.0, 1.0], [1.0, 2.0, 4.0]);
        let (v, vw) = ([0.0, 4.0, 3.0], [1.0, 2.0, 4.0]);
        let ur = [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 5.0];
        let vr = [0.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0];
        let w = wasserstein_weighted(&u, &v, Some(&uw), Some(&vw)).unwrap();
        let e = energy_distance_weighted(&u, &v, Some(&uw), Some(&vw)).unwrap();
        assert!(
            close(w, crate::distance::wasserstein(&ur, &vr).unwrap()),
            "{w}"
        );
        assert!(
            close(e, crate::distance::energy_distance(&ur, &vr).unwrap()),
            "{e}"
        );
        // by hand: F_u − F_v on [0,1) 2/7−1/7, [1,3) 6/7−1/7, [3,4) 6/7−5/7, [4,5) 6/7−1
        let by_hand = 1.0 / 7.0 + 2.0 * 5.0 / 7.0 + 1.0 / 7.0 + 1.0 / 7.0;
        assert!(close(w, by_hand), "{w} vs {by_hand}");
        let sq: f64 = 1.0 / 49.0 + 2.0 * 25.0 / 49.0 + 1.0 / 49.0 + 1.0 / 49.0;
        assert!(close(e, (2.0 * sq).sqrt()), "{e}");
    }

    #[test]
    fn weight_on_one_side_and_zero_weight() {
        // u = {0: 3/4, 1: 1/4}, v = {0: 1}: a quarter of the mass moves by 1
        assert_eq!(
            wasserstein_weighted(&[0.0, 1.0], &[0.0], Some(&[3.0, 1.0]), None).unwrap(),
            0.25
        );
        assert_eq!(
            wasserstein_weighted(&[0.0], &[0.0, 1.0], None, Some(&[3.0, 1.0])).unwrap(),
            0.25
        );
        // a zero-weight value far away changes nothing
        let a = wasserstein_weighted(&[1.0, 2.0, 1e5], &[1.0, 1.0], Some(&[1.0, 1.0, 0.0]), None)
            .unwrap();
        assert_eq!(
            a,
            wasserstein_weighted(&[1.0, 2.0], &[1.0, 1.0], None, None).unwrap()
        );
        assert_eq!(a, 0.5);
        // energy: u = {0: ½, 2: ½}, v = {0: 1}: ∫(F_u − F_v)² = ¼ · 2
        let e = energy_distance_weighted(&[0.0, 2.0], &[0.0], Some(&[1.0, 1.0]), None).unwrap();
        assert!(close(e, 1.0), "{e}");
    }

    #[test]
    fn infinities_follow_ieee() {
        let inf = f64::INFINITY;
        let w = |u: &[f64], v: &[f64]| wasserstein_weighted(u, v, None, None).unwrap();
        assert_eq!(w(&[1.0, 2.0, inf], &[1.0, 1.0]), inf);
        assert_eq!(w(&[1.0, 2.0, inf], &[-inf, 1.0]), inf);
        assert_eq!(w(&[1.0, -inf, inf], &[1.0, 1.0]), inf);
        // an infinity in both: inf − inf between them is NaN
        assert!(w(&[1.0, 2.0, inf], &[inf, 1.0]).is_nan());
        // equal CDFs across an infinite gap: 0 · inf is NaN
        assert!(w(&[1.0, inf], &[1.0, inf]).is_nan());
        assert!(w(&[1.0, f64::NAN], &[1.0]).is_nan());
        let e = energy_distance_weighted(&[1.0, 2.0, inf], &[1.0, 1.0], None, None).unwrap();
        assert_eq!(e, inf);
        // the strict API refuses them
        assert!(crate::distance::wasserstein(&[1.0, inf], &[1.0]).is_err());
    }

    #[test]
    fn bad_weights_are_errors() {
        let e = wasserstein_weighted(&[1.0, 2.0], &[1.0], Some(&[1.0]), None).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    param: "u_weights",
                    ..
                }
            ),
            "{e}"
        );
        let e = wasserstein_weighted(&[1.0, 2.0], &[1.0], None, Some(&[-1.0])).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidProbabilities {
                    param: "v_weights",
                    ..
                }
            ),
            "{e}"
        );
        let e = energy_distance_weighted(&[1.0], &[1.0], Some(&[0.0]), None).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidProbabilities {
                    param: "u_weights",
                    ..
                }
            ),
            "{e}"
        );
        let e = energy_distance_weighted(&[1.0], &[1.0], Some(&[f64::NAN]), None).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidProbabilities {
                    param: "u_weights",
                    ..
                }
            ),
            "{e}"
        );
        let e = wasserstein_weighted(&[], &[1.0], None, None).unwrap_err();
        assert!(
            matches!(
                e,
                Error::TooFewValues {
                    param: "u_values",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn unweighted_matches_strict_path() {
        let u = [0.3, -1.2, 4.4, 0.3, 2.0];
        let v = [1.0, 1.5, -0.5];
        let ones_u = [1.0; 5];
        let ones_v = [1.0; 3];
        let a = wasserstein_weighted(&u, &v, Some(&ones_u), Some(&ones_v)).unwrap();
        assert!(close(a, crate::distance::wasserstein(&u, &v).unwrap()));
        let a = energy_distance_weighted(&u, &v, Some(&ones_u), Some(&ones_v)).unwrap();
        assert!(close(a, crate::distance::energy_distance(&u, &v).unwrap()));
    }

    #[test]
    fn jensenshannon_rows_as_scipy() {
        // [1, 2] vs [0.5, 1.5]: p = (1/3, 2/3), q = (1/4, 3/4)
        let (p, q) = ([1.0 / 3.0, 2.0 / 3.0], [0.25, 0.75]);
        let m = [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0];
        let kl = |a: [f64; 2]| a[0] * (a[0] / m[0]).ln() + a[1] * (a[1] / m[1]).ln();
        let want = ((kl(p) + kl(q)) / 2.0).sqrt();
        let got = jensenshannon_rows(&[1.0, 2.0], &[0.5, 1.5], 2, None).unwrap();
        assert!(close(got[0], want), "{} vs {want}", got[0]);
        // the strict function agrees where both are defined
        let strict = crate::distance::jensenshannon(&[1.0, 2.0], &[0.5, 1.5], None).unwrap();
        assert!(close(got[0], strict));
        // a zero-sum row is NaN (0/0), a negative entry +inf; other rows unaffected
        let got =
            jensenshannon_rows(&[0.0, 0.0, 1.0, 1.0], &[1.0, 1.0, 1.0, 1.0], 2, None).unwrap();
        assert!(got[0].is_nan());
        assert_eq!(got[1], 0.0);
        assert!(jensenshannon_rows(&[1.0], &[1.0, 2.0], 1, None).is_err());
        assert!(jensenshannon_rows(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 2, None).is_err());
    }

    #[test]
    fn ks_with_infinities() {
        let inf = f64::INFINITY;
        let a = [0.5, -inf, 2.0];
        let b = [1.0, inf, 3.0, 0.0];
        // the infinities sort to the ends: same statistic as with large finite stand-ins
        let af = [0.5, -1e300, 2.0];
        let bf = [1.0, 1e300, 3.0, 0.0];
        for policy in [NanPolicy::Error, NanPolicy::Skip, NanPolicy::Propagate] {
            let r = ks_2samp_ieee(&a, &b, Alternative::TwoSided, KsMethod::Auto, policy).unwrap();
            let f = crate::ks::ks_2samp(&af, &bf, Alternative::TwoSided, KsMethod::Auto, policy)
                .unwrap();
            assert_eq!((r.statistic, r.pvalue), (f.statistic, f.pvalue));
        }
        let an = [0.5, -inf, f64::NAN, 2.0];
        assert!(
            ks_2samp_ieee(&an, &b, Alternative::Less, KsMethod::Auto, NanPolicy::Error).is_err()
        );
        let p = ks_2samp_ieee(
            &an,
            &b,
            Alternative::Less,
            KsMethod::Auto,
            NanPolicy::Propagate,
        )
        .unwrap();
        assert!(p.statistic.is_nan() && p.pvalue.is_nan());
        let s = ks_2samp_ieee(&an, &b, Alternative::Less, KsMethod::Auto, NanPolicy::Skip).unwrap();
        let t = ks_2samp_ieee(&a, &b, Alternative::Less, KsMethod::Auto, NanPolicy::Skip).unwrap();
        assert_eq!(s, t);
        // strict API refuses ±inf
        assert!(
            crate::ks::ks_2samp(&a, &b, Alternative::Less, KsMethod::Auto, NanPolicy::Error)
                .is_err()
        );
    }
}
