//! Anderson–Darling k-sample test, as `scipy.stats.anderson_ksamp`
//! (Scholz & Stephens 1987).
//!
//! The statistic A²ₖₙ is computed from the pooled sorted sample in one merge
//! walk (each sample sorted once), standardised as
//! A² = (A²ₖₙ − (k − 1))/σₙ with Scholz & Stephens' finite-sample variance
//! σₙ², and the p-value is scipy's: a quadratic least-squares fit of
//! ln(significance) on the seven tabulated critical values
//! (significance 0.25 … 0.001), evaluated at A²; capped at 0.25 below the
//! smallest critical value and floored at 0.001 above the largest (scipy
//! warns in those cases; here [`AndersonKsampResult::pvalue_clipped`] says so).
//! Formulas: `docs/drift.md`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which A²ₖₙ of Scholz & Stephens is computed (scipy `variant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdVariant {
    /// Midrank version for discrete/tied data (their eq. 7); scipy's default.
    #[default]
    Midrank,
    /// Right-continuous ECDF version (their eq. 6).
    Right,
    /// Version for continuous distributions (their eq. 3).
    Continuous,
}

/// Significance levels of the tabulated critical values.
pub const AD_SIGNIFICANCE_LEVELS: [f64; 7] = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/// Result of [`anderson_ksamp`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AndersonKsampResult {
    /// Standardised statistic A² = (A²ₖₙ − (k − 1))/σₙ.
    pub statistic: f64,
    /// Critical values at [`AD_SIGNIFICANCE_LEVELS`] for k samples.
    pub critical_values: [f64; 7],
    /// Approximate p-value (interpolated; in [0.001, 0.25]).
    pub pvalue: f64,
    /// True when the p-value was capped at 0.25 or floored at 0.001.
    pub pvalue_clipped: bool,
}

fn check_samples(samples: &[&[f64]]) -> Result<usize> {
    if samples.len() < 2 {
        return Err(Error::invalid(
            "samples",
            format!("{} sample(s)", samples.len()),
            "at least 2 samples required",
        ));
    }
    let mut total = 0usize;
    for (i, s) in samples.iter().enumerate() {
        if s.is_empty() {
            return Err(Error::invalid(
                "samples",
                format!("samples[{i}] is empty"),
                "every sample needs at least one value",
            ));
        }
        crate::sample::check_finite("samples", s)?;
        total += s.len();
    }
    if total < 4 {
        return Err(Error::TooFewValues {
            param: "samples",
            actual: total,
            min: 4,
        });
    }
    Ok(total)
}

/// Anderson–Darling k-sample test, as
/// `scipy.stats.anderson_ksamp(samples, variant=...)` without `method`.
///
/// NaN/±inf are rejected; needs ≥ 2 samples, none empty, ≥ 4 values in all
/// and ≥ 2 distinct values.
///
/// ```
/// use tradewarden_drift::anderson::{anderson_ksamp, AdVariant};
/// let a: Vec<f64> = (0..50).map(|i| i as f64).collect();
/// let b: Vec<f64> = (0..50).map(|i| i as f64 + 40.0).collect();
/// let r = anderson_ksamp(&[&a, &b], AdVariant::Midrank).unwrap();
/// assert!(r.statistic > r.critical_values[6] && r.pvalue == 0.001);
/// ```
pub fn anderson_ksamp(samples: &[&[f64]], variant: AdVariant) -> Result<AndersonKsampResult> {
    let total = check_samples(samples)?;
    let sorted: Vec<Vec<f64>> = samples
        .iter()
        .map(|s| {
            let mut v: Vec<f64> = s.iter().map(|x| x + 0.0).collect();
            crate::sample::sort_f64(&mut v);
            v
        })
        .collect();
    let mut pooled: Vec<f64> = Vec::with_capacity(total);
    for s in &sorted {
        pooled.extend_from_slice(s);
    }
    crate::sample::sort_f64(&mut pooled);
    if pooled[0] == pooled[total - 1] {
        return Err(Error::Degenerate {
            param: "samples",
            reason: "needs more than one distinct observation",
        });
    }
    let a2kn = match variant {
        AdVariant::Midrank => a2kn_midrank(&sorted, &pooled),
        AdVariant::Right => a2kn_right(&sorted, &pooled),
        AdVariant::Continuous => a2kn_continuous(&sorted, &pooled),
    };
    Ok(standardise(a2kn, &sorted, total))
}

/// Runs of equal values in a sorted slice: (value, count).
fn runs(x: &[f64]) -> impl Iterator<Item = (f64, usize)> + '_ {
    let mut i = 0usize;
    std::iter::from_fn(move || {
        let v = *x.get(i)?;
        let start = i;
        while i < x.len() && x[i] == v {
            i += 1;
        }
        Some((v, i - start))
    })
}

/// Scholz & Stephens eq. 7 (midranks).
fn a2kn_midrank(sorted: &[Vec<f64>], pooled: &[f64]) -> f64 {
    let nn = pooled.len() as f64;
    let mut acc = 0.0;
    for s in sorted {
        let ni = s.len() as f64;
        let mut inner = 0.0;
        let mut below = 0usize; // pooled values < z
        let mut p = 0usize; // sample values < z
        for (z, lj) in runs(pooled) {
            let mut f = 0usize;
            while p + f < s.len() && s[p + f] == z {
                f += 1;
            }
            let lj_f = lj as f64;
            let bj = below as f64 + lj_f / 2.0;
            let mij = (p + f) as f64 - f as f64 / 2.0;
            let d = nn * mij - bj * ni;
            inner += lj_f / nn * d * d / (bj * (nn - bj) - nn * lj_f / 4.0);
            below += lj;
            p += f;
        }
        acc += inner / ni;
    }
    acc * (nn - 1.0) / nn
}

/// Scholz & Stephens eq. 6 (right-continuous ECDF), over all distinct values but the last.
fn a2kn_right(sorted: &[Vec<f64>], pooled: &[f64]) -> f64 {
    let nn = pooled.len() as f64;
    let last = pooled[pooled.len() - 1];
    let mut acc = 0.0;
    for s in sorted {
        let ni = s.len() as f64;
        let mut inner = 0.0;
        let mut bj = 0usize;
        let mut p = 0usize; // sample values ≤ z
        for (z, lj) in runs(pooled) {
            if z == last {
                break;
            }
            while p < s.len() && s[p] <= z {
                p += 1;
            }
            bj += lj;
            let b = bj as f64;
            let d = nn * p as f64 - b * ni;
            inner += lj as f64 / nn * d * d / (b * (nn - b));
        }
        acc += inner / ni;
    }
    acc
}

/// Scholz & Stephens eq. 3 (continuous), over Z₁ … Z_{N−1} with ties repeated.
fn a2kn_continuous(sorted: &[Vec<f64>], pooled: &[f64]) -> f64 {
    let n = pooled.len();
    let nn = n as f64;
    let mut acc = 0.0;
    for s in sorted {
        let ni = s.len() as f64;
        let mut inner = 0.0;
        let mut p = 0usize;
        for (j0, &z) in pooled[..n - 1].iter().enumerate() {
            while p < s.len() && s[p] <= z {
                p += 1;
            }
            let j = (j0 + 1) as f64;
            let d = nn * p as f64 - j * ni;
            inner += d * d / (j * (nn - j));
        }
        acc += inner / ni;
    }
    acc / nn
}

fn standardise(a2kn: f64, sorted: &[Vec<f64>], total: usize) -> AndersonKsampResult {
    let k = sorted.len() as f64;
    let nn = total as f64;
    let h_big: f64 = sorted.iter().map(|s| 1.0 / s.len() as f64).sum();
    // hs_cs[i] = Σ_{j=N−1 down to N−1−i} 1/j, i.e. cumulative sums of 1/(N−1), 1/(N−2), …, 1/2
    let mut cs = 0.0;
    let mut g = 0.0;
    let mut count = 0usize;
    for (idx, j) in (2..total).rev().enumerate() {
        cs += 1.0 / j as f64;
        // divided by arange(2, N)[idx] = idx + 2
        g += cs / (idx + 2) as f64;
        count += 1;
    }
    debug_assert_eq!(count, total - 2);
    let h = cs + 1.0;
    let a = (4.0 * g - 6.0) * (k - 1.0) + (10.0 - 6.0 * g) * h_big;
    let b = (2.0 * g - 4.0) * k * k + 8.0 * h * k + (2.0 * g - 14.0 * h - 4.0) * h_big - 8.0 * h
        + 4.0 * g
        - 6.0;
    let c = (6.0 * h + 2.0 * g - 2.0) * k * k
        + (4.0 * h - 4.0 * g + 6.0) * k
        + (2.0 * h - 6.0) * h_big
        + 4.0 * h;
    let d = (2.0 * h + 6.0) * k * k - 4.0 * h * k;
    let sigmasq =
        (a * nn.powi(3) + b * nn * nn + c * nn + d) / ((nn - 1.0) * (nn - 2.0) * (nn - 3.0));
    let m = k - 1.0;
    let a2 = (a2kn - m) / sigmasq.sqrt();
    const B0: [f64; 7] = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
    const B1: [f64; 7] = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
    const B2: [f64; 7] = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
    let mut critical = [0.0; 7];
    for i in 0..7 {
        critical[i] = B0[i] + B1[i] / m.sqrt() + B2[i] / m;
    }
    let cmin = critical.iter().copied().fold(f64::INFINITY, f64::min);
    let cmax = critical.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (pvalue, clipped) = if a2 < cmin {
        (0.25, true)
    } else if a2 > cmax {
        (0.001, true)
    } else {
        let logs = AD_SIGNIFICANCE_LEVELS.map(f64::ln);
        let coef = polyfit2(&critical, &logs);
        ((coef[0] * a2 * a2 + coef[1] * a2 + coef[2]).exp(), false)
    };
    AndersonKsampResult {
        statistic: a2,
        critical_values: critical,
        pvalue,
        pvalue_clipped: clipped,
    }
}

/// Least-squares quadratic fit y ≈ c₀x² + c₁x + c₂ (as `np.polyfit(x, y, 2)`):
/// Householder QR of the column-scaled Vandermonde matrix.
fn polyfit2(x: &[f64; 7], y: &[f64; 7]) -> [f64; 3] {
    const M: usize = 7;
    let mut a = [[0.0f64; 3]; M];
    for i in 0..M {
        a[i] = [x[i] * x[i], x[i], 1.0];
    }
    // column scaling as numpy does (divide by the column 2-norm)
    let mut scale = [0.0f64; 3];
    for (j, s) in scale.iter_mut().enumerate() {
        *s = (0..M).map(|i| a[i][j] * a[i][j]).sum::<f64>().sqrt();
        for row in a.iter_mut() {
            row[j] /= *s;
        }
    }
    let mut b = *y;
    for j in 0..3 {
        let norm = (j..M).map(|i| a[i][j] * a[i][j]).sum::<f64>().sqrt();
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v = [0.0f64; M];
        for i in j..M {
            v[i] = a[i][j];
        }
        v[j] -= alpha;
        let vnorm2: f64 = (j..M).map(|i| v[i] * v[i]).sum();
        if vnorm2 == 0.0 {
            continue;
        }
        #[allow(clippy::needless_range_loop)]
        for col in j..3 {
            let dot: f64 = (j..M).map(|i| v[i] * a[i][col]).sum();
            let f = 2.0 * dot / vnorm2;
            for i in j..M {
                a[i][col] -= f * v[i];
            }
        }
        let dot: f64 = (j..M).map(|i| v[i] * b[i]).sum();
        let f = 2.0 * dot / vnorm2;
        for i in j..M {
            b[i] -= f * v[i];
        }
    }
    let mut c = [0.0f64; 3];
    for j in (0..3).rev() {
        let mut s = b[j];
        for l in j + 1..3 {
            s -= a[j][l] * c[l];
        }
        c[j] = s / a[j][j];
    }
    for (cj, s) in c.iter_mut().zip(scale) {
        *cj /= s;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyfit_recovers_a_quadratic() {
        let x = [0.3, 1.0, 1.5, 2.0, 3.0, 4.5, 6.0];
        let y = x.map(|t| 0.5 * t * t - 2.0 * t + 3.0);
        let c = polyfit2(&x, &y);
        assert!(
            (c[0] - 0.5).abs() < 1e-13 && (c[1] + 2.0).abs() < 1e-13 && (c[2] - 3.0).abs() < 1e-13
        );
    }

    #[test]
    fn bad_input() {
        let a = [1.0, 2.0, 3.0];
        assert!(matches!(
            anderson_ksamp(&[&a], AdVariant::Midrank),
            Err(Error::InvalidParameter {
                param: "samples",
                ..
            })
        ));
        assert!(matches!(
            anderson_ksamp(&[&a, &[]], AdVariant::Midrank),
            Err(Error::InvalidParameter {
                param: "samples",
                ..
            })
        ));
        assert!(matches!(
            anderson_ksamp(&[&a, &[f64::NAN]], AdVariant::Midrank),
            Err(Error::NonFinite {
                param: "samples",
                ..
            })
        ));
        assert!(matches!(
            anderson_ksamp(&[&[1.0], &[2.0]], AdVariant::Midrank),
            Err(Error::TooFewValues {
                param: "samples",
                actual: 2,
                ..
            })
        ));
        assert!(matches!(
            anderson_ksamp(&[&[1.0, 1.0], &[1.0, 1.0]], AdVariant::Right),
            Err(Error::Degenerate {
                param: "samples",
                ..
            })
        ));
    }
}
