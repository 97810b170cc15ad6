//! Two-sample Kolmogorov–Smirnov test, numerically as `scipy.stats.ks_2samp`
//! (scipy ≥ 1.11: statistic, p-value, statistic location and sign).
//!
//! See `docs/drift.md` for the formulas and the method selection rule.

use serde::{Deserialize, Serialize};
use tradewarden_core::NanPolicy;

use crate::error::{Error, Result};
use crate::kolmogorov::kolmogn_sf;
use crate::sample::prepare_sorted;

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
    let a = prepare_sorted("data1", data1, nan_policy)?;
    let b = prepare_sorted("data2", data2, nan_policy)?;
    match (a, b) {
        (Some(a), Some(b)) => ks_2samp_sorted(&a, &b, alternative, method),
        _ => Ok(KsResult::nan()),
    }
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
    let (max, max_loc) = if w.ext[2] > w.ext[0] {
        (w.ext[2], w.loc[2])
    } else {
        (w.ext[0], w.loc[0])
    };
    let (min, min_loc) = if w.ext[3] < w.ext[1] {
        (w.ext[3], w.loc[3])
    } else {
        (w.ext[1], w.loc[1])
    };
    Extremes {
        max,
        max_loc,
        min,
        min_loc,
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
    let (n1, n2) = (data1.len() as u64, data2.len() as u64);
    let e = extremes(data1, data2);
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
    Ok(KsResult {
        statistic: d,
        pvalue: prob.clamp(0.0, 1.0),
        statistic_location: loc,
        statistic_sign: sign,
        method_used: mode,
    })
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
