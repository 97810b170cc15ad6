//! Distances between distributions: Jensen–Shannon (as
//! `scipy.spatial.distance.jensenshannon`), Kullback–Leibler, Hellinger,
//! Wasserstein-1 (as `scipy.stats.wasserstein_distance`, plus Evidently's
//! normed variant) and the energy distance (as `scipy.stats.energy_distance`).
//!
//! Formulas are in `docs/drift.md`.

use crate::error::{Error, Result};

/// Tolerance on |Σp − 1| for functions that take probability vectors.
pub const PROB_SUM_TOL: f64 = 1e-9;

fn check_weights(param: &'static str, p: &[f64]) -> Result<f64> {
    if p.is_empty() {
        return Err(Error::TooFewValues {
            param,
            actual: 0,
            min: 1,
        });
    }
    let mut s = 0.0;
    for &v in p {
        if !v.is_finite() {
            return Err(Error::InvalidProbabilities {
                param,
                value: v,
                reason: "entries must be finite",
            });
        }
        if v < 0.0 {
            return Err(Error::InvalidProbabilities {
                param,
                value: v,
                reason: "entries must be non-negative",
            });
        }
        s += v;
    }
    if s <= 0.0 {
        return Err(Error::InvalidProbabilities {
            param,
            value: s,
            reason: "sum must be positive",
        });
    }
    Ok(s)
}

fn check_probs(param: &'static str, p: &[f64]) -> Result<()> {
    let s = check_weights(param, p)?;
    if (s - 1.0).abs() > PROB_SUM_TOL {
        return Err(Error::InvalidProbabilities {
            param,
            value: s,
            reason: "must sum to 1 (±1e-9)",
        });
    }
    Ok(())
}

fn check_len(p: &[f64], q: &[f64]) -> Result<()> {
    if p.len() != q.len() {
        return Err(Error::invalid(
            "q",
            format!("length {}", q.len()),
            "must have the same length as p",
        ));
    }
    Ok(())
}

fn check_base(base: Option<f64>) -> Result<f64> {
    match base {
        None => Ok(1.0),
        Some(b) if b.is_finite() && b > 0.0 && b != 1.0 => Ok(b.ln()),
        Some(b) => Err(Error::invalid("base", b, "must be finite, > 0 and != 1")),
    }
}

/// scipy `rel_entr(x, y)`: x·ln(x/y) (0 when x = 0, +inf when y = 0 < x).
pub(crate) fn rel_entr(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// KL(p‖m) + KL(q‖m) of `p / sp` and `q / sq`, m their midpoint (the
/// Jensen–Shannon sum before halving and the log base), entries unchecked:
/// the checked [`js_divergence`] and scipy's unchecked rows
/// ([`crate::compat`]) share it. Vectorised ([`crate::vmath`]): lanes and a
/// logarithm within 1 ulp of libm's, so the last bits differ from a
/// value-by-value sum.
pub(crate) fn js_sum(p: &[f64], q: &[f64], sp: f64, sq: f64) -> f64 {
    crate::vmath::js_sum(p, q, sp, sq)
}

/// [`jensenshannon`] (natural log) of two count vectors of equal length,
/// both with a positive total, without allocating: the same arithmetic as
/// `jensenshannon(&p_as_f64, &q_as_f64, None)` (the live monitor's hot path).
pub(crate) fn jensenshannon_counts(p: &[u64], q: &[u64]) -> f64 {
    let sp: f64 = p.iter().map(|&c| c as f64).sum();
    let sq: f64 = q.iter().map(|&c| c as f64).sum();
    let (mut left, mut right) = (0.0, 0.0);
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a as f64 / sp, b as f64 / sq);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    ((left + right) / 2.0).max(0.0).sqrt()
}

/// Jensen–Shannon **distance** exactly as
/// `scipy.spatial.distance.jensenshannon(p, q, base)`: the inputs are
/// normalised to sum 1, m = (p+q)/2, JS = sqrt((KL(p‖m) + KL(q‖m)) / 2 / ln(base)).
/// `base = None` is the natural log.
///
/// ```
/// use tradewarden_drift::distance::jensenshannon;
/// let d = jensenshannon(&[1.0, 0.0], &[0.0, 1.0], Some(2.0)).unwrap();
/// assert!((d - 1.0).abs() < 1e-15);
/// assert_eq!(jensenshannon(&[0.2, 0.8], &[2.0, 8.0], None).unwrap(), 0.0);
/// ```
pub fn jensenshannon(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    Ok(js_divergence(p, q, base)?.sqrt())
}

/// Jensen–Shannon **divergence** (the square of [`jensenshannon`]).
pub fn js_divergence(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    check_len(p, q)?;
    let sp = check_weights("p", p)?;
    let sq = check_weights("q", q)?;
    let lb = check_base(base)?;
    let mut js = js_sum(p, q, sp, sq);
    if base.is_some() {
        js /= lb;
    }
    Ok((js / 2.0).max(0.0))
}

/// Kullback–Leibler divergence KL(p‖q) = Σ pᵢ·ln(pᵢ/qᵢ) of probability
/// vectors (each must sum to 1 within 1e-9); +inf when some qᵢ = 0 < pᵢ.
pub fn kl_divergence(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    check_len(p, q)?;
    check_probs("p", p)?;
    check_probs("q", q)?;
    let lb = check_base(base)?;
    let s: f64 = p.iter().zip(q).map(|(&a, &b)| rel_entr(a, b)).sum();
    Ok(if base.is_some() { s / lb } else { s })
}

/// Hellinger distance H(p, q) = sqrt(1 − Σ sqrt(pᵢ·qᵢ)) of probability vectors
/// (each must sum to 1 within 1e-9); in [0, 1]. Evaluated as
/// sqrt(Σ (√pᵢ − √qᵢ)² / 2), equal when both sum to 1, and exactly 0 for
/// identical inputs (no cancellation in 1 − Σ…).
pub fn hellinger(p: &[f64], q: &[f64]) -> Result<f64> {
    check_len(p, q)?;
    check_probs("p", p)?;
    check_probs("q", q)?;
    let s: f64 = p
        .iter()
        .zip(q)
        .map(|(&a, &b)| {
            let d = a.sqrt() - b.sqrt();
            d * d
        })
        .sum();
    Ok((s / 2.0).sqrt().min(1.0))
}

/// ∫|F_u − F_v|^order style integral of two **sorted** samples: returns
/// Σ over consecutive pooled values of |ΔCDF|·Δx (order 1) or (ΔCDF)²·Δx (order 2).
///
/// Terminates on any input: every step consumes at least one value, and a
/// step that would not (a NaN) is an error, as is ±inf, an empty sample, a
/// sample that is not ascending, and an integral that overflows `f64`. The
/// checks cost one comparison per pooled distinct value inside the walk (no
/// extra pass).
fn cdf_integral(u: &[f64], v: &[f64], order: u8) -> Result<f64> {
    for (param, x) in [("u", u), ("v", v)] {
        if x.is_empty() {
            return Err(Error::TooFewValues {
                param,
                actual: 0,
                min: 1,
            });
        }
    }
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut acc = 0.0;
    let mut prev: Option<f64> = None;
    while i < u.len() || j < v.len() {
        let x = match (u.get(i), v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        if !x.is_finite() {
            // a NaN never equals x: report the sample that holds one, else
            // the one whose current value is x (±inf)
            let (param, index, value) = match u.get(i) {
                Some(&a) if !a.is_finite() && (a.is_nan() || a == x) => ("u", i, a),
                _ => ("v", j, v.get(j).copied().unwrap_or(x)),
            };
            return Err(Error::NonFinite {
                param,
                index,
                value,
            });
        }
        if let Some(p) = prev {
            let w = x - p;
            if w < 0.0 {
                let (param, index) = if u.get(i) == Some(&x) {
                    ("u", i)
                } else {
                    ("v", j)
                };
                return Err(Error::invalid(
                    param,
                    format!("{param}[{index}] = {x} after {p}"),
                    "must be sorted ascending",
                ));
            }
            let d = i as f64 / nu - j as f64 / nv;
            if d != 0.0 {
                acc += if order == 1 { d.abs() * w } else { d * d * w };
            }
        }
        while i < u.len() && u[i] == x {
            i += 1;
        }
        while j < v.len() && v[j] == x {
            j += 1;
        }
        prev = Some(x);
    }
    if !acc.is_finite() {
        return Err(Error::Degenerate {
            param: "u",
            reason: "the distance overflows f64 (the samples span more than f64::MAX)",
        });
    }
    Ok(acc)
}

fn sorted_finite(param: &'static str, x: &[f64]) -> Result<Vec<f64>> {
    if x.is_empty() {
        return Err(Error::TooFewValues {
            param,
            actual: 0,
            min: 1,
        });
    }
    crate::sample::check_finite(param, x)?;
    let mut v: Vec<f64> = x.iter().map(|v| v + 0.0).collect();
    crate::sample::sort_f64(&mut v);
    Ok(v)
}

/// Wasserstein-1 distance between two samples (`scipy.stats.wasserstein_distance`,
/// unweighted): ∫|F_u(x) − F_v(x)| dx. NaN/±inf rejected.
///
/// ```
/// let w = tradewarden_drift::distance::wasserstein(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]).unwrap();
/// assert!((w - 5.0).abs() < 1e-12);
/// ```
pub fn wasserstein(u: &[f64], v: &[f64]) -> Result<f64> {
    let (u, v) = (sorted_finite("u", u)?, sorted_finite("v", v)?);
    wasserstein_sorted(&u, &v)
}

/// [`wasserstein`] on samples already sorted ascending and finite.
///
/// # Errors
/// An empty sample (`TooFewValues`), NaN/±inf (`NonFinite`), a sample
/// that is not ascending (`InvalidParameter`), a distance that overflows
/// `f64` (`Degenerate`); never a hang, whatever the input.
pub fn wasserstein_sorted(u: &[f64], v: &[f64]) -> Result<f64> {
    cdf_integral(u, v, 1)
}

/// Evidently's normed Wasserstein distance: W1(reference, current) / std(reference)
/// with the population standard deviation (numpy `np.std`, ddof = 0).
/// Errors when the reference is constant.
pub fn wasserstein_normed(reference: &[f64], current: &[f64]) -> Result<f64> {
    let r = sorted_finite("reference", reference)?;
    let c = sorted_finite("current", current)?;
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let sd = (r.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    if sd == 0.0 {
        return Err(Error::Degenerate {
            param: "reference",
            reason: "constant feature: std = 0, normed Wasserstein undefined",
        });
    }
    if !sd.is_finite() {
        return Err(Error::Degenerate {
            param: "reference",
            reason: "std overflows f64, normed Wasserstein undefined",
        });
    }
    Ok(wasserstein_sorted(&r, &c)? / sd)
}

/// Energy distance (`scipy.stats.energy_distance`, unweighted):
/// sqrt(2·∫(F_u − F_v)² dx).
pub fn energy_distance(u: &[f64], v: &[f64]) -> Result<f64> {
    let (u, v) = (sorted_finite("u", u)?, sorted_finite("v", v)?);
    energy_distance_sorted(&u, &v)
}

/// [`energy_distance`] on samples already sorted ascending and finite.
///
/// # Errors
/// As [`wasserstein_sorted`].
pub fn energy_distance_sorted(u: &[f64], v: &[f64]) -> Result<f64> {
    let s = 2.0 * cdf_integral(u, v, 2)?;
    if !s.is_finite() {
        return Err(Error::Degenerate {
            param: "u",
            reason: "the distance overflows f64 (the samples span more than f64::MAX)",
        });
    }
    Ok(s.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_is_zero() {
        let p = [0.1, 0.2, 0.7];
        assert_eq!(jensenshannon(&p, &p, None).unwrap(), 0.0);
        assert_eq!(kl_divergence(&p, &p, None).unwrap(), 0.0);
        assert_eq!(hellinger(&p, &p).unwrap(), 0.0);
        let x = [1.0, 2.0, 2.0, 5.0];
        assert_eq!(wasserstein(&x, &x).unwrap(), 0.0);
        assert_eq!(energy_distance(&x, &x).unwrap(), 0.0);
    }

    #[test]
    fn bad_probabilities() {
        assert!(matches!(
            kl_divergence(&[0.5, 0.6], &[0.5, 0.5], None),
            Err(Error::InvalidProbabilities { param: "p", .. })
        ));
        assert!(matches!(
            hellinger(&[0.5, 0.5], &[1.5, -0.5]),
            Err(Error::InvalidProbabilities { param: "q", .. })
        ));
        assert!(matches!(
            jensenshannon(&[-0.1, 1.1], &[0.5, 0.5], None),
            Err(Error::InvalidProbabilities { param: "p", .. })
        ));
        assert!(matches!(
            jensenshannon(&[0.0, 0.0], &[0.5, 0.5], None),
            Err(Error::InvalidProbabilities { param: "p", .. })
        ));
        assert!(jensenshannon(&[0.5, 0.5], &[1.0], None).is_err());
        assert!(matches!(
            jensenshannon(&[0.5, 0.5], &[0.5, 0.5], Some(1.0)),
            Err(Error::InvalidParameter { param: "base", .. })
        ));
        assert!(matches!(
            wasserstein(&[], &[1.0]),
            Err(Error::TooFewValues { param: "u", .. })
        ));
        assert!(matches!(
            energy_distance(&[1.0], &[f64::NAN]),
            Err(Error::NonFinite { param: "v", .. })
        ));
        assert!(matches!(
            wasserstein_normed(&[1.0, 1.0], &[2.0]),
            Err(Error::Degenerate {
                param: "reference",
                ..
            })
        ));
    }

    #[test]
    fn disjoint_seed_case() {
        // [0, 0.1] vs [0.2, 0.3]: W1 = 0.2, energy = sqrt(2·0.15) (scipy 0.5477225575051661)
        let w = wasserstein(&[0.0, 0.1], &[0.2, 0.3]).unwrap();
        assert!((w - 0.2).abs() < 1e-15);
        let e = energy_distance(&[0.0, 0.1], &[0.2, 0.3]).unwrap();
        assert!((e - 0.5477225575051661).abs() < 1e-12, "{e}");
    }
}
