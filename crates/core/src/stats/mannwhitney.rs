//! Mann–Whitney U test, numerically as `scipy.stats.mannwhitneyu` with its
//! defaults (`use_continuity=True`, `alternative="two-sided"`, `method="auto"`).
//!
//! U1 = R1 − n1(n1+1)/2 with R1 the sum of the (tie-averaged) ranks of `x` in
//! x ∪ y. The p-value uses U = U1 (greater), U2 = n1·n2 − U1 (less) or
//! max(U1, U2) (two-sided, p doubled):
//! - asymptotic: z = (U − n1·n2/2 − 0.5·continuity) / σ,
//!   σ = sqrt(n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1)))), p = Φ(−z);
//! - exact (no ties): P(U ≥ u) from the exact null distribution.
//!
//! `auto` chooses exact when n1 ≤ 8 or n2 ≤ 8 and there are no ties, as scipy.
//! Shared by the drift tests and the canary judge.

use crate::error::{Error, Result};

/// Alternative hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MwuAlternative {
    /// Distributions differ.
    #[default]
    TwoSided,
    /// x is stochastically less than y.
    Less,
    /// x is stochastically greater than y.
    Greater,
}

/// p-value method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MwuMethod {
    /// scipy's rule: exact if (n1 ≤ 8 or n2 ≤ 8) and no ties, else asymptotic.
    #[default]
    Auto,
    /// Exact null distribution (ties ignored, as scipy).
    Exact,
    /// Normal approximation with tie correction.
    Asymptotic,
}

// Names of every door (scipy's spellings; `two_sided` the alias the Python
// door accepted).
crate::named_enum!(
    MwuAlternative,
    "alternative",
    [
        ("two-sided", MwuAlternative::TwoSided),
        ("two_sided", MwuAlternative::TwoSided),
        ("less", MwuAlternative::Less),
        ("greater", MwuAlternative::Greater),
    ]
);

crate::named_enum!(
    MwuMethod,
    "method",
    [
        ("auto", MwuMethod::Auto),
        ("exact", MwuMethod::Exact),
        ("asymptotic", MwuMethod::Asymptotic),
    ]
);

/// Result of [`mannwhitneyu`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MannWhitneyU {
    /// U1, the statistic of `x` (as scipy reports it).
    pub statistic: f64,
    /// The p-value.
    pub pvalue: f64,
}

/// Largest n1·n2 for which the exact distribution is computed (O((n1·n2)²)).
pub const MAX_EXACT_PRODUCT: usize = 40_000;

/// Mann–Whitney U test of `x` against `y`. Empty samples and NaN/±inf are errors.
///
/// ```
/// use tradewarden_core::stats::mannwhitney::{mannwhitneyu, MwuAlternative, MwuMethod};
/// // scipy.stats.mannwhitneyu([1, 2, 3], [4, 5, 6]) -> U=0.0, p=0.1
/// let r = mannwhitneyu(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], true, MwuAlternative::TwoSided, MwuMethod::Auto).unwrap();
/// assert_eq!(r.statistic, 0.0);
/// assert!((r.pvalue - 0.1).abs() < 1e-15);
/// ```
pub fn mannwhitneyu(
    x: &[f64],
    y: &[f64],
    use_continuity: bool,
    alternative: MwuAlternative,
    method: MwuMethod,
) -> Result<MannWhitneyU> {
    if x.is_empty() {
        return Err(Error::Empty { param: "x", min: 1 });
    }
    if y.is_empty() {
        return Err(Error::Empty { param: "y", min: 1 });
    }
    for (param, s) in [("x", x), ("y", y)] {
        if let Some(index) = s.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                param,
                index,
                value: s[index],
            });
        }
    }
    let (n1, n2) = (x.len(), y.len());
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut r1 = 0.0;
    let mut tie_term = 0.0;
    let mut has_ties = false;
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + 1 + j) as f64 / 2.0;
        let in_x = all[i..j].iter().filter(|e| e.1).count();
        r1 += rank * in_x as f64;
        let t = (j - i) as f64;
        if j - i > 1 {
            has_ties = true;
        }
        tie_term += t * t * t - t;
        i = j;
    }
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = r1 - f1 * (f1 + 1.0) / 2.0;
    let u2 = f1 * f2 - u1;
    let (u, factor) = match alternative {
        MwuAlternative::Greater => (u1, 1.0),
        MwuAlternative::Less => (u2, 1.0),
        MwuAlternative::TwoSided => (u1.max(u2), 2.0),
    };
    let exact = match method {
        MwuMethod::Auto => (n1 <= 8 || n2 <= 8) && !has_ties,
        MwuMethod::Exact => true,
        MwuMethod::Asymptotic => false,
    };
    let p = if exact {
        if n1 * n2 > MAX_EXACT_PRODUCT {
            return Err(Error::invalid(
                "method",
                format!("exact with n1·n2 = {}", n1 * n2),
                format!(
                    "exact distribution limited to n1·n2 ≤ {MAX_EXACT_PRODUCT}; use asymptotic"
                ),
            ));
        }
        exact_sf(n1.min(n2), n1.max(n2), u)
    } else {
        let n = f1 + f2;
        let s = (f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
        let mut num = u - f1 * f2 / 2.0;
        if use_continuity {
            num -= 0.5;
        }
        let z = num / s;
        if z.is_nan() {
            f64::NAN
        } else {
            super::norm_cdf(-z)
        }
    };
    Ok(MannWhitneyU {
        statistic: u1,
        pvalue: (p * factor).clamp(0.0, 1.0),
    })
}

/// P(U ≥ u) under the null for sizes m ≤ n (no ties): counts of U values by
/// the recurrence c_{m,n}(k) = c_{m−1,n}(k − n) + c_{m,n−1}(k), using the
/// symmetry P(U ≥ u) = P(U ≤ m·n − u).
fn exact_sf(m: usize, n: usize, u: f64) -> f64 {
    let mn = m * n;
    let k = u.round() as usize;
    // counts[a][k] for the current n, over a = 0..=m
    // with b = 0 the only arrangement of a values has U = 0
    let mut prev: Vec<Vec<f64>> = (0..=m)
        .map(|_| {
            let mut v = vec![0.0; mn + 1];
            v[0] = 1.0;
            v
        })
        .collect();
    // build up b from 1..=n: c[a][b](k) = c[a-1][b](k-b) + c[a][b-1](k)
    for b in 1..=n {
        let mut cur: Vec<Vec<f64>> = vec![vec![0.0; mn + 1]; m + 1];
        cur[0][0] = 1.0;
        for a in 1..=m {
            for kk in 0..=(a * b).min(mn) {
                let mut v = prev[a][kk];
                if kk >= b {
                    v += cur[a - 1][kk - b];
                }
                cur[a][kk] = v;
            }
        }
        prev = cur;
    }
    let c = &prev[m];
    let total: f64 = c.iter().sum();
    let kc = mn.saturating_sub(k);
    let (lo, complement) = if k < kc { (k, true) } else { (kc, false) };
    let cdf: f64 = c[..=lo.min(mn)].iter().sum::<f64>() / total;
    if complement {
        1.0 - cdf + c[lo] / total
    } else {
        cdf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy_small_cases() {
        // scipy.stats.mannwhitneyu([1,2,3,4], [2.5,5,6]) -> U=2.0, p=0.22857142857142856 (exact)
        let r = mannwhitneyu(
            &[1.0, 2.0, 3.0, 4.0],
            &[2.5, 5.0, 6.0],
            true,
            MwuAlternative::TwoSided,
            MwuMethod::Auto,
        )
        .unwrap();
        assert_eq!(r.statistic, 2.0);
        assert!(
            (r.pvalue - 0.228_571_428_571_428_56).abs() < 1e-15,
            "{}",
            r.pvalue
        );
        // with ties -> asymptotic: mannwhitneyu([1,2,2,3],[2,3,4]) -> U=2.5, p=0.2663799233424825
        let r = mannwhitneyu(
            &[1.0, 2.0, 2.0, 3.0],
            &[2.0, 3.0, 4.0],
            true,
            MwuAlternative::TwoSided,
            MwuMethod::Auto,
        )
        .unwrap();
        assert_eq!(r.statistic, 2.5);
        assert!(
            (r.pvalue - 0.266_379_923_342_482_5).abs() < 1e-12,
            "{}",
            r.pvalue
        );
    }

    #[test]
    fn identical_and_bad_input() {
        let x = [1.0, 2.0, 3.0];
        let r = mannwhitneyu(&x, &x, true, MwuAlternative::TwoSided, MwuMethod::Auto).unwrap();
        assert_eq!(r.statistic, 4.5);
        assert_eq!(r.pvalue, 1.0);
        assert!(matches!(
            mannwhitneyu(&[], &x, true, MwuAlternative::TwoSided, MwuMethod::Auto),
            Err(Error::Empty { param: "x", .. })
        ));
        assert!(matches!(
            mannwhitneyu(
                &x,
                &[f64::NAN],
                true,
                MwuAlternative::TwoSided,
                MwuMethod::Auto
            ),
            Err(Error::NonFinite { param: "y", .. })
        ));
        let big: Vec<f64> = (0..300).map(f64::from).collect();
        assert!(matches!(
            mannwhitneyu(&big, &big, true, MwuAlternative::TwoSided, MwuMethod::Exact),
            Err(Error::InvalidParameter {
                param: "method",
                ..
            })
        ));
    }
}
