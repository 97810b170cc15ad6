//! The embedded demo market: a seeded multi-symbol daily market with a
//! regime change (features: `tradewarden_inference::demo::demo_features`).
//!
//! Returns of symbol `s` on day `t` (close to close):
//! `r = μ + φ·σ_s·z5 + σ_s·k·(ρ·f + √(1−ρ²)·ε)` with `z5` the 5-day momentum
//! z-score up to day `t−1`, `f` a common factor and `ε` idiosyncratic noise
//! (both standard normal). Before the regime change `φ = +0.12` (trends
//! persist: a momentum model earns money) and `k = 1`; from
//! [`REGIME_DAY`] on `φ = −0.10` (trends revert) and `k = 2.2`, and traded
//! volume shifts up; the change itself is a momentum crash (each symbol's
//! 10-day trend reverses by 3σ in one day). No wall clock: dates are business days from 2023-01-02.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Symbols of the demo market.
pub(crate) const SYMBOLS: [&str; 4] = ["CL", "ES", "GC", "NQ"];
/// Number of symbols.
pub(crate) const N_SYM: usize = SYMBOLS.len();
/// Business days simulated (three years).
pub(crate) const N_DAYS: usize = 756;
/// First day of the new regime.
pub(crate) const REGIME_DAY: usize = 504;
/// Days before the first decision (feature look-back).
pub(crate) const WARMUP: usize = 20;
/// End (exclusive) of the reference window the drift profile is fitted on.
pub(crate) const REFERENCE_END: usize = 252;
/// Feature names, in model-input order.
pub(crate) const FEATURES: [&str; 4] = tradewarden_inference::demo::DEMO_FEATURES;

const DAILY_SIGMA: [f64; N_SYM] = [0.016, 0.009, 0.008, 0.011];
const START_PRICE: [f64; N_SYM] = [80.0, 4000.0, 1900.0, 12000.0];
/// 2023-01-02 00:00:00 UTC.
const START_DAY: i64 = 19_359;
/// Close time, seconds after midnight UTC.
const CLOSE_S: i64 = 21 * 3600;

/// The simulated market.
#[derive(Debug, Clone)]
pub(crate) struct Market {
    /// Close timestamp (Unix seconds) of each day.
    pub(crate) ts: Vec<i64>,
    /// Close prices.
    pub(crate) prices: Vec<[f64; N_SYM]>,
    /// Close-to-close returns (0 on day 0).
    pub(crate) returns: Vec<[f64; N_SYM]>,
    /// Traded-volume z-scores.
    pub(crate) volume_z: Vec<[f64; N_SYM]>,
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Business days (Mon–Fri) from 2023-01-02, close time 21:00 UTC.
fn business_days(n: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(n);
    let mut day = START_DAY;
    while out.len() < n {
        // 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sundays.
        let dow = (day + 4).rem_euclid(7);
        if dow != 0 && dow != 6 {
            out.push(day * 86_400 + CLOSE_S);
        }
        day += 1;
    }
    out
}

impl Market {
    /// Simulates the market from `seed`.
    pub(crate) fn simulate(seed: u64) -> Market {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let ts = business_days(N_DAYS);
        let mut prices = Vec::with_capacity(N_DAYS);
        let mut returns: Vec<[f64; N_SYM]> = Vec::with_capacity(N_DAYS);
        let mut volume_z = Vec::with_capacity(N_DAYS);
        let mut p = START_PRICE;
        let rho: f64 = 0.4;
        for t in 0..N_DAYS {
            let regime = t >= REGIME_DAY;
            let (phi, k) = if regime { (-0.10, 2.2) } else { (0.12, 1.0) };
            let f = normal(&mut rng);
            let mut r = [0.0; N_SYM];
            let mut v = [0.0; N_SYM];
            for s in 0..N_SYM {
                let e = normal(&mut rng);
                let vz = normal(&mut rng);
                if t > 0 {
                    let lo = t.saturating_sub(5);
                    let sum5: f64 = returns[lo..t].iter().map(|x| x[s]).sum();
                    let z5 = sum5 / (DAILY_SIGMA[s] * 5f64.sqrt());
                    r[s] = if t == REGIME_DAY {
                        // the regime change opens with a momentum crash: every
                        // trend of the last 10 days reverses by 3 of the new σ
                        let sum10: f64 =
                            returns[t.saturating_sub(10)..t].iter().map(|x| x[s]).sum();
                        -sum10.signum() * 3.0 * DAILY_SIGMA[s] * k + 0.1 * DAILY_SIGMA[s] * e
                    } else {
                        0.0002
                            + phi * DAILY_SIGMA[s] * z5
                            + DAILY_SIGMA[s] * k * (rho * f + (1.0 - rho * rho).sqrt() * e)
                    }
                    .max(-0.25);
                    p[s] *= 1.0 + r[s];
                }
                v[s] = if regime { 0.9 + 1.3 * vz } else { vz };
            }
            prices.push(p);
            returns.push(r);
            volume_z.push(v);
        }
        Market {
            ts,
            prices,
            returns,
            volume_z,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_market_and_business_days() {
        let a = Market::simulate(7);
        let b = Market::simulate(7);
        assert_eq!(a.prices, b.prices);
        assert_ne!(a.prices, Market::simulate(8).prices);
        // 2023-01-02 was a Monday; day 5 is Monday 2023-01-09.
        assert_eq!(a.ts[0], 1_672_693_200);
        assert_eq!(a.ts[5] - a.ts[4], 3 * 86_400);
        assert!(a.prices.iter().flatten().all(|p| *p > 0.0));
    }

    #[test]
    fn volatility_rises_after_the_regime_change() {
        let m = Market::simulate(7);
        let sd = |lo: usize, hi: usize| {
            let v: Vec<f64> = m.returns[lo..hi].iter().map(|r| r[1]).collect();
            let mu = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        assert!(sd(REGIME_DAY, N_DAYS) > 1.4 * sd(1, REGIME_DAY));
    }
}
