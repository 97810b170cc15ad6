//! Statistical building blocks shared by the sibling crates (drift,
//! guardrails): ranking with ties, the normal distribution, moments.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};

pub mod mannwhitney;

/// Ranks `x` from 1 to n, ties receiving the average of their ranks
/// (`scipy.stats.rankdata(method="average")`). NaN is rejected.
///
/// ```
/// let r = tradewarden_core::stats::rankdata(&[3.0, 1.0, 3.0, 2.0]).unwrap();
/// assert_eq!(r, vec![3.5, 1.0, 3.5, 2.0]);
/// ```
pub fn rankdata(x: &[f64]) -> Result<Vec<f64>> {
    if let Some(i) = x.iter().position(|v| v.is_nan()) {
        return Err(Error::NonFinite {
            param: "x",
            index: i,
            value: x[i],
        });
    }
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_unstable_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i + 1;
        while j < idx.len() && x[idx[j]] == x[idx[i]] {
            j += 1;
        }
        // positions i..j (0-based) share ranks i+1..=j → average (i+1+j)/2
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &idx[i..j] {
            ranks[k] = r;
        }
        i = j;
    }
    Ok(ranks)
}

/// Average rank (1-based, ties averaged) of `value` among `values`, i.e. its
/// position in the sorted union; used for "OOS rank" in PBO.
pub fn rank_of(values: &[f64], index: usize) -> f64 {
    let v = values[index];
    let mut less = 0usize;
    let mut equal = 0usize;
    for &x in values {
        if x < v {
            less += 1;
        } else if x == v {
            equal += 1;
        }
    }
    less as f64 + (equal as f64 + 1.0) / 2.0
}

fn std_normal() -> Normal {
    Normal::standard()
}

/// Standard normal CDF Φ(x) = erfc(−x/√2)/2, with musl's `erfc` (the `libm`
/// crate, < 1 ulp). statrs' `Normal::cdf` is off by 1.1e-12 at x = 1.96 —
/// too coarse for p-values compared with scipy to 1e-10 relative.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal survival function 1 − Φ(x), accurate in the upper tail.
pub fn norm_sf(x: f64) -> f64 {
    0.5 * libm::erfc(x / std::f64::consts::SQRT_2)
}

/// Standard normal density φ(x).
pub fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal quantile Φ⁻¹(p) for p in (0, 1): statrs' inverse as the
/// start, polished by two Newton steps on the accurate [`norm_cdf`] /
/// [`norm_sf`] (whichever tail is smaller, to keep relative accuracy).
pub fn norm_ppf(p: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(Error::invalid("p", p, "must be in (0, 1)"));
    }
    let mut x = std_normal().inverse_cdf(p);
    for _ in 0..2 {
        let d = norm_pdf(x);
        if !(d > 0.0) || !x.is_finite() {
            break;
        }
        let err = if p < 0.5 {
            norm_cdf(x) - p
        } else {
            (1.0 - p) - norm_sf(x)
        };
        x -= err / d;
    }
    Ok(x)
}

/// Sample skewness with the adjusted Fisher–Pearson estimator G1 (pandas
/// `Series.skew()`, `scipy.stats.skew(bias=False)`). NaN for n < 3 or zero variance.
pub fn skew(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 3 {
        return f64::NAN;
    }
    let m = x.iter().sum::<f64>() / n;
    let (mut m2, mut m3) = (0.0, 0.0);
    for &v in x {
        let d = v - m;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= n;
    m3 /= n;
    if m2 == 0.0 || is_constant(x) {
        return f64::NAN;
    }
    let g1 = m3 / m2.powf(1.5);
    g1 * (n * (n - 1.0)).sqrt() / (n - 2.0)
}

/// Sample excess kurtosis with the adjusted estimator G2 (pandas `Series.kurt()`,
/// `scipy.stats.kurtosis(bias=False)`). NaN for n < 4 or zero variance.
pub fn kurtosis(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 4 {
        return f64::NAN;
    }
    let m = x.iter().sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for &v in x {
        let d = v - m;
        let d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
    }
    m2 /= n;
    m4 /= n;
    if m2 == 0.0 || is_constant(x) {
        return f64::NAN;
    }
    let g2 = m4 / (m2 * m2) - 3.0;
    ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
}

/// True when every value equals the first (so any variance is exactly 0).
pub fn is_constant(x: &[f64]) -> bool {
    match x.first() {
        None => true,
        Some(&f) => x.iter().all(|&v| v == f),
    }
}

/// Linear-interpolated quantile of already **sorted** data (numpy's default
/// `method="linear"`): position q·(n−1).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = pos - lo as f64;
    if frac == 0.0 {
        sorted[lo]
    } else {
        sorted[lo] + (sorted[hi] - sorted[lo]) * frac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_with_ties() {
        assert_eq!(rankdata(&[]).unwrap(), Vec::<f64>::new());
        assert_eq!(rankdata(&[1.0, 1.0, 1.0]).unwrap(), vec![2.0, 2.0, 2.0]);
        assert!(rankdata(&[1.0, f64::NAN]).is_err());
        let v = [0.5, 0.1, 0.5, 0.9];
        assert_eq!(rank_of(&v, 0), 2.5);
        assert_eq!(rank_of(&v, 3), 4.0);
    }

    #[test]
    fn normal() {
        let c = norm_cdf(1.959963984540054);
        assert!((c - 0.975).abs() < 1e-12, "{c}");
        assert!((norm_ppf(0.975).unwrap() - 1.959963984540054).abs() < 1e-14);
        // scipy.stats.norm.ppf(1e-10) = -6.361340902404056
        assert!((norm_ppf(1e-10).unwrap() + 6.361340902404056).abs() < 1e-12);
        // scipy.stats.norm.sf(8) = 6.22096057427174e-16
        assert!((norm_sf(8.0) / 6.22096057427174e-16 - 1.0).abs() < 1e-12);
        assert!(norm_ppf(1.0).is_err());
    }

    #[test]
    fn moments_match_pandas() {
        // pandas: pd.Series([1,2,3,4,10]).skew() = 1.69705627484771, .kurt() = 3.152
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!(
            (skew(&x) - 1.697_056_274_847_714).abs() < 1e-12,
            "{}",
            skew(&x)
        );
        assert!(
            (kurtosis(&x) - 3.151_999_999_999_998).abs() < 1e-12,
            "{}",
            kurtosis(&x)
        );
        assert!(skew(&[1.0, 1.0, 1.0]).is_nan());
    }

    #[test]
    fn quantiles_linear() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
    }
}
