//! The rest of empyrical's returns toolkit: simple returns from prices of any
//! numeric type, the beta-fragility heuristic, the Generalized Pareto
//! tail estimates (VaR and expected shortfall) and the per-date factor
//! exposures of a performance attribution.
//!
//! These follow empyrical's numbers, including its IEEE conventions (a zero
//! price gives ±inf or NaN returns instead of an error), because
//! `tradewarden.returns` exposes them as a drop-in; the strict
//! [`simple_returns`](super::simple_returns) stays the checked entry point.

use crate::error::{Error, Result};

/// Simple returns `(p_t − p_{t−1}) / p_{t−1}` with IEEE semantics: n − 1
/// values (none for n < 2); a zero previous price gives ±inf (NaN for 0/0),
/// NaN prices give NaN, as numpy's division.
///
/// ```
/// let r = tradewarden_core::returns::extra::price_returns(&[100.0, 110.0, 0.0, 5.0]);
/// assert!((r[0] - 0.1).abs() < 1e-15 && r[1] == -1.0 && r[2].is_infinite());
/// ```
pub fn price_returns(prices: &[f64]) -> Vec<f64> {
    prices.windows(2).map(|w| (w[1] - w[0]) / w[0]).collect()
}

/// [`price_returns`] of signed integer prices; the difference is exact (in
/// 128 bits) before the one rounding to `f64`, so a one-tick change of a
/// price above 2^53 is kept.
pub fn price_returns_i64(prices: &[i64]) -> Vec<f64> {
    prices
        .windows(2)
        .map(|w| (i128::from(w[1]) - i128::from(w[0])) as f64 / w[0] as f64)
        .collect()
}

/// [`price_returns`] of unsigned integer prices (exact difference, see
/// [`price_returns_i64`]).
pub fn price_returns_u64(prices: &[u64]) -> Vec<f64> {
    prices
        .windows(2)
        .map(|w| (i128::from(w[1]) - i128::from(w[0])) as f64 / w[0] as f64)
        .collect()
}

/// Beta fragility heuristic (Dattels, McCaughrin, Miyajima, Puig, IMF WP/12/216;
/// empyrical `beta_fragility_heuristic`).
///
/// Pairs with a NaN on either side are dropped; with fewer than 3 pairs the
/// result is NaN. The pairs are ordered by the benchmark return (ties keep
/// their input order); with the first, middle (`⌊m/2⌋`) and last pairs
/// `(r_s, b_s)`, `(r_m, b_m)`, `(r_e, b_e)` the result is
/// `w_s·r_s + w_e·r_e − r_m` with `w_s = (b_e − b_m)/(b_e − b_s)`,
/// `w_e = (b_m − b_s)/(b_e − b_s)` (½ each when `b_e = b_s`): the gap
/// between the chord and the strategy at the median benchmark, negative
/// for a concave (fragile) exposure.
pub fn beta_fragility_heuristic(returns: &[f64], factor_returns: &[f64]) -> Result<f64> {
    if returns.len() != factor_returns.len() {
        return Err(Error::LengthMismatch {
            param: "factor_returns",
            actual: factor_returns.len(),
            other: "returns",
            expected: returns.len(),
        });
    }
    let mut pairs: Vec<(f64, f64)> = returns
        .iter()
        .zip(factor_returns)
        .filter(|(r, b)| !r.is_nan() && !b.is_nan())
        .map(|(r, b)| (*r, *b))
        .collect();
    if pairs.len() < 3 {
        return Ok(f64::NAN);
    }
    pairs.sort_by(|x, y| x.1.total_cmp(&y.1));
    let (rs, bs) = pairs[0];
    let (rm, bm) = pairs[pairs.len() / 2];
    let (re, be) = pairs[pairs.len() - 1];
    let range = be - bs;
    let (ws, we) = if range == 0.0 {
        (0.5, 0.5)
    } else {
        ((be - bm) / range, (bm - bs) / range)
    };
    Ok(ws * rs + we * re - rm)
}

/// The five Generalized Pareto tail estimates of [`gpd_risk_estimates`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpdEstimates {
    /// Loss threshold above which the tail is fitted.
    pub threshold: f64,
    /// Fitted scale σ.
    pub scale: f64,
    /// Fitted shape ξ (> 0 for the fat tail the estimate requires).
    pub shape: f64,
    /// Value at risk (a positive loss) at the requested probability.
    pub value_at_risk: f64,
    /// Expected shortfall beyond the VaR; +inf when ξ ≥ 1 (no finite mean).
    pub expected_shortfall: f64,
}

impl GpdEstimates {
    const ZERO: GpdEstimates = GpdEstimates {
        threshold: 0.0,
        scale: 0.0,
        shape: 0.0,
        value_at_risk: 0.0,
        expected_shortfall: 0.0,
    };

    /// `[threshold, scale, shape, value_at_risk, expected_shortfall]`.
    pub fn to_array(&self) -> [f64; 5] {
        [
            self.threshold,
            self.scale,
            self.shape,
            self.value_at_risk,
            self.expected_shortfall,
        ]
    }
}

/// Expected shortfall of a GPD tail beyond `var` (Gilli & Kellezi 2006):
/// `var/(1−ξ) + (σ − ξ·u)/(1−ξ)`; +inf for ξ ≥ 1.
pub fn gpd_expected_shortfall(var: f64, threshold: f64, scale: f64, shape: f64) -> f64 {
    if shape >= 1.0 {
        return f64::INFINITY;
    }
    var / (1.0 - shape) + (scale - shape * threshold) / (1.0 - shape)
}

/// VaR of a GPD tail (Gilli & Kellezi 2006):
/// `u + σ/ξ · ((n/n_u · p)^(−ξ) − 1)`; 0 without exceedances or for ξ ≤ 0.
pub fn gpd_value_at_risk(
    threshold: f64,
    scale: f64,
    shape: f64,
    probability: f64,
    total_n: usize,
    exceedance_n: usize,
) -> f64 {
    if exceedance_n == 0 || shape <= 0.0 {
        return 0.0;
    }
    let prob_ratio = total_n as f64 / exceedance_n as f64 * probability;
    threshold + scale / shape * (prob_ratio.powf(-shape) - 1.0)
}

/// Negative GPD log-likelihood of `data` (exceedances) at `(σ, ξ)`;
/// `f64::MAX` outside the admissible region (σ ≤ 0 or ξ/σ < 0), the
/// exponential limit for ξ = 0.
fn gpd_nll(scale: f64, shape: f64, data: &[f64]) -> f64 {
    let n = data.len() as f64;
    if shape == 0.0 {
        if scale < 0.0 {
            return f64::MAX;
        }
        let s: f64 = data.iter().sum();
        return -((-n * scale.ln()) - s / scale);
    }
    if scale == 0.0 || shape / scale < 0.0 || scale < 0.0 {
        return f64::MAX;
    }
    let k = shape / scale;
    let sum_log: f64 = data.iter().map(|x| (k * x + 1.0).ln()).sum();
    -((-n * scale.ln()) - (1.0 / shape + 1.0) * sum_log)
}

/// Nelder–Mead over two parameters with the usual coefficients (reflection 1,
/// expansion 2, contraction ½, shrink ½), an initial simplex of +5 % steps,
/// stopping when the simplex spans at most 1e-4 in both the parameters and
/// the function value; `None` when 400 iterations or function evaluations
/// run out first. Same steps and order as scipy's `minimize(method=
/// "Nelder-Mead")` defaults, so the fitted parameters agree with empyrical's.
fn nelder_mead_2d<F: Fn(f64, f64) -> f64>(f: F, x0: [f64; 2]) -> Option<[f64; 2]> {
    const MAX: usize = 400;
    const TOL: f64 = 1e-4;
    let mut sim = [x0, x0, x0];
    for (k, v) in sim.iter_mut().skip(1).enumerate() {
        v[k] = if v[k] != 0.0 { 1.05 * v[k] } else { 0.00025 };
    }
    let eval = |p: &[f64; 2]| f(p[0], p[1]);
    let mut fs = [eval(&sim[0]), eval(&sim[1]), eval(&sim[2])];
    let mut calls = 3usize;
    let sort = |sim: &mut [[f64; 2]; 3], fs: &mut [f64; 3]| {
        let mut idx = [0usize, 1, 2];
        idx.sort_by(|&a, &b| fs[a].total_cmp(&fs[b]));
        let (s, v) = (*sim, *fs);
        for (i, &j) in idx.iter().enumerate() {
            sim[i] = s[j];
            fs[i] = v[j];
        }
    };
    sort(&mut sim, &mut fs);
    let mut iterations = 1usize;
    while calls < MAX && iterations < MAX {
        let spread_x = sim[1..]
            .iter()
            .flat_map(|p| [(p[0] - sim[0][0]).abs(), (p[1] - sim[0][1]).abs()])
            .fold(0.0_f64, f64::max);
        let spread_f = fs[1..]
            .iter()
            .map(|v| (v - fs[0]).abs())
            .fold(0.0_f64, f64::max);
        if spread_x <= TOL && spread_f <= TOL {
            return Some(sim[0]);
        }
        let c = [(sim[0][0] + sim[1][0]) / 2.0, (sim[0][1] + sim[1][1]) / 2.0];
        let at = |t: f64| [c[0] + t * (sim[2][0] - c[0]), c[1] + t * (sim[2][1] - c[1])];
        let xr = at(-1.0);
        let fr = eval(&xr);
        calls += 1;
        let mut shrink = false;
        if fr < fs[0] {
            let xe = at(-2.0);
            let fe = eval(&xe);
            calls += 1;
            if fe < fr {
                sim[2] = xe;
                fs[2] = fe;
            } else {
                sim[2] = xr;
                fs[2] = fr;
            }
        } else if fr < fs[1] {
            sim[2] = xr;
            fs[2] = fr;
        } else if fr < fs[2] {
            let xc = at(-0.5);
            let fc = eval(&xc);
            calls += 1;
            if fc <= fr {
                sim[2] = xc;
                fs[2] = fc;
            } else {
                shrink = true;
            }
        } else {
            let xcc = at(0.5);
            let fcc = eval(&xcc);
            calls += 1;
            if fcc < fs[2] {
                sim[2] = xcc;
                fs[2] = fcc;
            } else {
                shrink = true;
            }
        }
        if shrink {
            for j in 1..3 {
                sim[j] = [
                    sim[0][0] + 0.5 * (sim[j][0] - sim[0][0]),
                    sim[0][1] + 0.5 * (sim[j][1] - sim[0][1]),
                ];
                fs[j] = eval(&sim[j]);
                calls += 1;
            }
        }
        sort(&mut sim, &mut fs);
        iterations += 1;
    }
    None // the evaluation / iteration budget ran out before convergence (scipy: success = False)
}

/// Generalized Pareto estimates of the loss tail (Gilli & Kellezi 2006;
/// empyrical `gpd_risk_estimates`).
///
/// Losses are the positive values of `−returns`. Starting at a threshold of
/// 0.2 and halving it while it exceeds 1e-9, the GPD (σ, ξ) is fitted by
/// maximum likelihood (Nelder–Mead from (1, 1)) to the losses at or above
/// the threshold; the first fit with ξ > 0 and a positive VaR at
/// `var_p` is kept. All zeros for fewer than 3 returns or when no threshold
/// qualifies. NaN returns are not losses.
pub fn gpd_risk_estimates(returns: &[f64], var_p: f64) -> Result<GpdEstimates> {
    if !(var_p > 0.0 && var_p < 1.0) {
        return Err(Error::invalid("var_p", var_p, "must be in (0, 1)"));
    }
    if returns.len() < 3 {
        return Ok(GpdEstimates::ZERO);
    }
    let losses: Vec<f64> = returns.iter().map(|r| -r).filter(|l| *l > 0.0).collect();
    let mut threshold = 0.2_f64;
    while threshold > 1e-9 {
        let beyond: Vec<f64> = losses.iter().copied().filter(|l| *l >= threshold).collect();
        let fit = if beyond.is_empty() {
            None
        } else {
            nelder_mead_2d(|s, k| gpd_nll(s, k, &beyond), [1.0, 1.0])
        };
        if let Some([scale, shape]) = fit {
            let var = gpd_value_at_risk(threshold, scale, shape, var_p, losses.len(), beyond.len());
            if shape > 0.0 && var > 0.0 {
                return Ok(GpdEstimates {
                    threshold,
                    scale,
                    shape,
                    value_at_risk: var,
                    expected_shortfall: gpd_expected_shortfall(var, threshold, scale, shape),
                });
            }
        }
        threshold /= 2.0;
    }
    Ok(GpdEstimates::ZERO)
}

/// Risk-factor exposures per date (empyrical `compute_exposures`): for each
/// group `g`, `Σ_{i: codes[i] = g} weights[i] · loadings[i, f]`, a product
/// with a NaN contributing nothing (pandas' `sum` skips it). `loadings` is
/// column-major (`n` rows × `k` factors); the result is column-major
/// `n_groups × k`.
pub fn group_weighted_sums(
    codes: &[usize],
    weights: &[f64],
    loadings: &[f64],
    n_groups: usize,
) -> Result<Vec<f64>> {
    let n = codes.len();
    if weights.len() != n {
        return Err(Error::LengthMismatch {
            param: "weights",
            actual: weights.len(),
            other: "codes",
            expected: n,
        });
    }
    if n == 0 || !loadings.len().is_multiple_of(n) {
        if n == 0 && loadings.is_empty() {
            return Ok(Vec::new());
        }
        return Err(Error::invalid(
            "loadings",
            loadings.len(),
            format!("length must be a multiple of the {n} rows"),
        ));
    }
    if let Some(i) = codes.iter().position(|&c| c >= n_groups) {
        return Err(Error::invalid(
            "codes",
            format!("[{i}] = {}", codes[i]),
            format!("must be < n_groups = {n_groups}"),
        ));
    }
    let k = loadings.len() / n;
    let mut out = vec![0.0; n_groups * k];
    for (f, col) in loadings.chunks_exact(n).enumerate() {
        let acc = &mut out[f * n_groups..(f + 1) * n_groups];
        for ((&g, &w), &l) in codes.iter().zip(weights).zip(col) {
            let p = w * l;
            if !p.is_nan() {
                acc[g] += p;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_returns_follow_ieee_division() {
        let r = price_returns(&[0.0, 0.0, 10.0, 0.0]);
        assert!(r[0].is_nan());
        assert_eq!(r[1], f64::INFINITY);
        assert_eq!(r[2], -1.0);
        assert!(price_returns(&[1.0]).is_empty());
    }

    #[test]
    fn integer_prices_keep_one_tick_changes() {
        let big = 1_i64 << 53;
        let r = price_returns_i64(&[big, big + 1]);
        assert_eq!(r, vec![1.0 / big as f64]);
        let r = price_returns_i64(&[-128, 127, -128]);
        assert_eq!(r, vec![255.0 / -128.0, -255.0 / 127.0]);
        let r = price_returns_u64(&[u64::MAX, u64::MAX - 1]);
        assert!(r[0] < 0.0 && (r[0] * u64::MAX as f64 + 1.0).abs() < 1e-12);
    }

    #[test]
    fn fragility_is_zero_for_affine_and_negative_for_concave() {
        let b = [-0.02, -0.01, 0.01, 0.03];
        let affine: Vec<f64> = b.iter().map(|x| 0.01 + 2.0 * x).collect();
        assert!(beta_fragility_heuristic(&affine, &b).unwrap().abs() < 1e-15);
        let concave: Vec<f64> = b.iter().map(|x| -x * x).collect();
        let h = beta_fragility_heuristic(&concave, &b).unwrap();
        assert!((h - -0.0006).abs() < 1e-15, "{h}");
        assert!(
            beta_fragility_heuristic(&[0.01, f64::NAN, 0.02], &[0.0, 0.1, 0.2])
                .unwrap()
                .is_nan()
        );
        assert!(beta_fragility_heuristic(&[0.01], &[0.0, 0.1]).is_err());
    }

    #[test]
    fn gpd_expected_shortfall_is_infinite_without_a_finite_mean() {
        assert_eq!(gpd_expected_shortfall(0.2, 0.1, 0.02, 1.0), f64::INFINITY);
        assert!((gpd_expected_shortfall(0.2, 0.1, 0.02, 0.5) - 0.34).abs() < 1e-12);
        assert!((gpd_expected_shortfall(0.2, 0.1, 0.02, 0.0) - 0.22).abs() < 1e-12);
    }

    #[test]
    fn gpd_estimates_a_fat_tail_and_refuses_too_little_data() {
        assert_eq!(
            gpd_risk_estimates(&[0.01, -0.02], 0.01).unwrap(),
            GpdEstimates::ZERO
        );
        assert!(gpd_risk_estimates(&[0.01, -0.02, 0.0], 0.0).is_err());
        let r = [
            0.01, -0.02, 0.03, -0.04, 0.02, -0.01, -0.03, 0.015, 0.005, -0.025,
        ];
        let rare = gpd_risk_estimates(&r, 0.01).unwrap();
        let common = gpd_risk_estimates(&r, 0.05).unwrap();
        assert!(rare.shape > 0.0 && rare.value_at_risk > common.value_at_risk);
        assert!(rare.expected_shortfall > common.expected_shortfall);
    }

    #[test]
    fn group_sums_skip_missing_products() {
        // rows: (g0, w 0.5), (g0, w NaN), (g1, w 2); one factor then a second
        let out = group_weighted_sums(
            &[0, 0, 1],
            &[0.5, f64::NAN, 2.0],
            &[1.0, 3.0, 4.0, 2.0, 2.0, 2.0],
            2,
        )
        .unwrap();
        assert_eq!(out, vec![0.5, 8.0, 1.0, 4.0]);
        assert!(group_weighted_sums(&[0, 2], &[1.0, 1.0], &[1.0, 1.0], 2).is_err());
        assert!(group_weighted_sums(&[0], &[1.0, 1.0], &[1.0], 1).is_err());
    }

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let x = nelder_mead_2d(|a, b| (a - 3.0).powi(2) + (b + 1.0).powi(2), [1.0, 1.0]).unwrap();
        assert!((x[0] - 3.0).abs() < 1e-3 && (x[1] + 1.0).abs() < 1e-3);
    }
}
