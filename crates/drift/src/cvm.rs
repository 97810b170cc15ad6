//! Cramér–von Mises two-sample test, as `scipy.stats.cramervonmises_2samp`
//! (method `auto`: exact when max(nx, ny) ≤ 20, else asymptotic).
//!
//! U = nx·Σ(rᵢ − i)² + ny·Σ(sⱼ − j)² with rᵢ, sⱼ the pooled (tie-averaged)
//! ranks of the sorted samples; T = U/(nx·ny·N) − (4·nx·ny − 1)/(6N).
//! Asymptotic p: 1 − F∞(tₙ), tₙ = 1/6 + (T − E\[T\])/√(45·Var\[T\]) (Anderson
//! 1962), F∞ the limiting CDF (Csörgő & Faraway eq. 1.2, terms added until
//! one is < 1e-7 as scipy), with K_{1/4} by the trapezoidal rule on
//! ∫₀^∞ e^{−x cosh t} cosh(t/4) dt. Exact p: Xiao, Gordon & Yakovlev's
//! lattice recursion over all C(N, nx) arrangements.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::error::{Error, Result};

/// p-value method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CvmMethod {
    /// Exact when max(nx, ny) ≤ 20, else asymptotic.
    #[default]
    Auto,
    /// Exact (limited to max(nx, ny) ≤ 30).
    Exact,
    /// Asymptotic.
    Asymptotic,
}

/// Result of [`cramervonmises_2samp`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvmResult {
    /// The statistic T.
    pub statistic: f64,
    /// The p-value.
    pub pvalue: f64,
}

/// e^x·K_ν(x) for x > 0 by the trapezoidal rule (double-exponential decay).
fn bessel_k_scaled(nu: f64, x: f64) -> f64 {
    let h = 0.05;
    let mut sum = 0.5; // t = 0: exp(0)·cosh(0)
    let mut k = 1;
    loop {
        let t = k as f64 * h;
        let e = -x * (t.cosh() - 1.0);
        let f = e.exp() * (nu * t).cosh();
        sum += f;
        if e < -45.0 || k > 100_000 {
            break;
        }
        k += 1;
    }
    sum * h
}

/// Limiting CDF of the Cramér–von Mises statistic (scipy `_cdf_cvm_inf`).
fn cdf_cvm_inf(x: f64) -> f64 {
    let mut tot = 0.0;
    let mut k = 0u32;
    loop {
        let kf = f64::from(k);
        let u = (ln_gamma(kf + 0.5) - ln_gamma(kf + 1.0)).exp()
            / (std::f64::consts::PI.powf(1.5) * x.sqrt());
        let y = 4.0 * kf + 1.0;
        let q = y * y / (16.0 * x);
        let z = u * y.sqrt() * (-2.0 * q).exp() * bessel_k_scaled(0.25, q);
        tot += z;
        if z.abs() < 1e-7 || k > 10_000 {
            break;
        }
        k += 1;
    }
    tot
}

/// Exact P(U ≥ u) over all arrangements (scipy `_pval_cvm_2samp_exact`).
fn pval_exact(s: f64, m: u64, n: u64) -> f64 {
    let g = {
        let (mut a, mut b) = (m, n);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let lcm = m / g * n;
    let (a, b) = (lcm / m, lcm / n);
    let mn = (m * n) as f64;
    let zeta = ((lcm * lcm * (m + n)) as f64 * (6.0 * s - mn * (4.0 * mn - 1.0)) / (6.0 * mn * mn))
        .floor();
    let mut total = 1.0f64;
    for i in 1..=m {
        total = total * (n + i) as f64 / i as f64;
    }
    let mut gs: Vec<BTreeMap<u64, u64>> = vec![BTreeMap::new(); (m + 1) as usize];
    gs[0].insert(0, 1);
    for u in 0..=n {
        let mut next: Vec<BTreeMap<u64, u64>> = Vec::with_capacity(gs.len());
        let mut tmp: BTreeMap<u64, u64> = BTreeMap::new();
        for (v, g) in gs.iter().enumerate() {
            for (&val, &f) in g {
                *tmp.entry(val).or_insert(0) += f;
            }
            let d = (a * v as u64).abs_diff(b * u);
            let res = d * d;
            tmp = tmp.into_iter().map(|(val, f)| (val + res, f)).collect();
            next.push(tmp.clone());
        }
        gs = next;
    }
    let hits: u64 = gs[m as usize]
        .iter()
        .filter(|&(&v, _)| v as f64 >= zeta)
        .map(|(_, &f)| f)
        .sum();
    hits as f64 / total
}

/// Two-sample Cramér–von Mises test (both samples ≥ 2 finite values).
///
/// ```
/// use tradewarden_drift::cvm::{cramervonmises_2samp, CvmMethod};
/// let x = [1.0, 2.0, 3.0, 4.0];
/// let r = cramervonmises_2samp(&x, &x, CvmMethod::Auto).unwrap();
/// assert!(r.statistic < 0.05 && r.pvalue > 0.9);
/// ```
pub fn cramervonmises_2samp(x: &[f64], y: &[f64], method: CvmMethod) -> Result<CvmResult> {
    for (param, s) in [("x", x), ("y", y)] {
        if s.len() < 2 {
            return Err(Error::TooFewValues {
                param,
                actual: s.len(),
                min: 2,
            });
        }
        crate::sample::check_finite(param, s)?;
    }
    cvm_ranked(x, y, method)
}

/// [`cramervonmises_2samp`] after the checks: any values without NaN (the
/// statistic depends on ranks only, so ±inf are ordinary values), both
/// samples ≥ 2 values.
pub(crate) fn cvm_ranked(x: &[f64], y: &[f64], method: CvmMethod) -> Result<CvmResult> {
    let (nx, ny) = (x.len(), y.len());
    let exact = match method {
        CvmMethod::Auto => nx.max(ny) <= 20,
        CvmMethod::Exact => {
            if nx.max(ny) > 30 {
                return Err(Error::invalid(
                    "method",
                    "exact",
                    "exact p-value limited to max(nx, ny) ≤ 30",
                ));
            }
            true
        }
        CvmMethod::Asymptotic => false,
    };
    let (sx, sy) = rank_sums(x, y);
    let (fx, fy) = (nx as f64, ny as f64);
    let u = fx * sx + fy * sy;
    let (k, nn) = (fx * fy, fx + fy);
    let t = u / (k * nn) - (4.0 * k - 1.0) / (6.0 * nn);
    let p = if exact {
        pval_exact(u, nx as u64, ny as u64)
    } else {
        let et = (1.0 + 1.0 / nn) / 6.0;
        let vt = (nn + 1.0) * (4.0 * k * nn - 3.0 * (fx * fx + fy * fy) - 2.0 * k)
            / (45.0 * nn * nn * 4.0 * k);
        let tn = 1.0 / 6.0 + (t - et) / (45.0 * vt).sqrt();
        if tn >= 0.003 {
            (1.0 - cdf_cvm_inf(tn)).max(0.0)
        } else {
            1.0
        }
    };
    Ok(CvmResult {
        statistic: t,
        pvalue: p,
    })
}

/// Sorts one sample (the bucket sort for finite values, the standard sort
/// when ±inf widen the range); −0.0 and +0.0 compare equal in the walk.
fn sorted(v: &[f64]) -> Vec<f64> {
    crate::sample::sorted_copy(v)
}

/// Σ(rᵢ − i)² over x and Σ(sⱼ − j)² over y, rᵢ/sⱼ the tie-averaged pooled
/// ranks of the sorted samples: each sample is sorted on its own (the two
/// sorts in parallel when both are large) and the pooled order is a merge
/// walk over tie groups — no sort of the concatenation. The sums are added
/// in the same order as a walk over the pooled sorted array would add them.
fn rank_sums(x: &[f64], y: &[f64]) -> (f64, f64) {
    const PAR_MIN: usize = 1 << 16;
    let (xs, ys) = if x.len().min(y.len()) >= PAR_MIN {
        rayon::join(|| sorted(x), || sorted(y))
    } else {
        (sorted(x), sorted(y))
    };
    merge_walk(&xs, &ys)
}

/// The rank sums of two ascending samples (no NaN).
fn merge_walk(xs: &[f64], ys: &[f64]) -> (f64, f64) {
    let (mut ix, mut iy) = (0usize, 0usize);
    let (mut sx, mut sy) = (0.0, 0.0);
    while ix < xs.len() || iy < ys.len() {
        // the smallest remaining value; its tie group is contiguous in both
        let v = match (xs.get(ix), ys.get(iy)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let mut jx = ix;
        while jx < xs.len() && xs[jx] == v {
            jx += 1;
        }
        let mut jy = iy;
        while jy < ys.len() && ys[jy] == v {
            jy += 1;
        }
        let first = ix + iy;
        let last = jx + jy;
        let rank = (first + 1 + last) as f64 / 2.0;
        for k in ix + 1..=jx {
            sx += (rank - k as f64).powi(2);
        }
        for k in iy + 1..=jy {
            sy += (rank - k as f64).powi(2);
        }
        ix = jx;
        iy = jy;
    }
    (sx, sy)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn bessel_k_quarter() {
        // scipy.special.kv(0.25, 1.0) = 0.4307397744485814
        let k = bessel_k_scaled(0.25, 1.0) * (-1.0f64).exp();
        assert!((k - 0.430_739_774_448_581_4).abs() < 1e-13, "{k}");
    }

    /// The rank sums by sorting the concatenation (the definition).
    fn rank_sums_pooled(x: &[f64], y: &[f64]) -> (f64, f64) {
        let mut all: Vec<(f64, bool)> = x
            .iter()
            .map(|&v| (v, true))
            .chain(y.iter().map(|&v| (v, false)))
            .collect();
        all.sort_by(|p, q| p.0.total_cmp(&q.0).then(q.1.cmp(&p.1)));
        let (mut ix, mut iy, mut sx, mut sy, mut i) = (0usize, 0usize, 0.0, 0.0, 0);
        while i < all.len() {
            let mut j = i + 1;
            while j < all.len() && all[j].0 == all[i].0 {
                j += 1;
            }
            let rank = (i + 1 + j) as f64 / 2.0;
            for e in &all[i..j] {
                if e.1 {
                    ix += 1;
                    sx += (rank - ix as f64).powi(2);
                } else {
                    iy += 1;
                    sy += (rank - iy as f64).powi(2);
                }
            }
            i = j;
        }
        (sx, sy)
    }

    fn lcg(n: usize, seed: u64, levels: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                if levels == 0 {
                    u * 2.0 - 1.0
                } else {
                    ((s >> 33) % levels) as f64 - (levels / 2) as f64
                }
            })
            .collect()
    }

    #[test]
    fn merge_walk_matches_pooled_sort() {
        // continuous, heavy ties (few levels), ±0, ±inf, sizes across the
        // bucket-sort and parallel thresholds; the sums are the same bits
        let mut cases: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        for &(nx, ny) in &[
            (2, 3),
            (7, 30),
            (1000, 3000),
            (5000, 2049),
            (70_000, 66_000),
        ] {
            cases.push((lcg(nx, 1, 0), lcg(ny, 2, 0)));
            cases.push((lcg(nx, 3, 5), lcg(ny, 4, 5)));
            cases.push((lcg(nx, 5, 200), lcg(ny, 6, 3)));
        }
        let mut z = lcg(3000, 7, 4);
        z[0] = -0.0;
        z[1] = f64::INFINITY;
        z[2] = f64::NEG_INFINITY;
        let mut w = lcg(2500, 8, 4);
        w[5] = 0.0;
        w[6] = -0.0;
        w[7] = f64::INFINITY;
        cases.push((z, w));
        cases.push((vec![0.0, -0.0, 0.0], vec![-0.0, -0.0]));
        for (x, y) in &cases {
            let got = rank_sums(x, y);
            let want = rank_sums_pooled(x, y);
            assert_eq!(got.0.to_bits(), want.0.to_bits(), "{} {}", x.len(), y.len());
            assert_eq!(got.1.to_bits(), want.1.to_bits(), "{} {}", x.len(), y.len());
        }
    }

    #[test]
    fn bad_input() {
        assert!(matches!(
            cramervonmises_2samp(&[1.0], &[1.0, 2.0], CvmMethod::Auto),
            Err(Error::TooFewValues { param: "x", .. })
        ));
        assert!(matches!(
            cramervonmises_2samp(&[1.0, 2.0], &[1.0, f64::NAN], CvmMethod::Auto),
            Err(Error::NonFinite { param: "y", .. })
        ));
        let big: Vec<f64> = (0..40).map(f64::from).collect();
        assert!(matches!(
            cramervonmises_2samp(&big, &big, CvmMethod::Exact),
            Err(Error::InvalidParameter {
                param: "method",
                ..
            })
        ));
    }
}
