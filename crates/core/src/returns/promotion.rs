//! Promotion statistics of Bailey & López de Prado: probabilistic Sharpe ratio
//! (PSR), deflated Sharpe ratio (DSR) and minimum track record length (MinTRL).
//!
//! Every Sharpe ratio here is **per period** (not annualised): mean excess
//! return over its standard deviation (`ddof` from [`ReturnsOptions`], default
//! 1). Skewness is pandas' adjusted G1 and kurtosis pandas' adjusted *excess*
//! kurtosis G2 (normal = 0); the formulas use the raw kurtosis `γ4 = G2 + 3`.
//!
//! The peers disagree on where the variance of the Sharpe estimator is
//! evaluated; [`PsrConvention`] makes that an explicit parameter:
//!
//! - [`PsrConvention::Paper`] (default; BLdP 2012, quantstats, ffn):
//!   `PSR = Φ((SR − SR*)·√(T−1) / √(1 − γ3·SR + (γ4−1)/4·SR²))`, variance at the
//!   *observed* SR, `T − 1` degrees of freedom;
//! - [`PsrConvention::VarianceAtBenchmark`] (jsharpe):
//!   `PSR = Φ((SR − SR*)·√T / √(1 − γ3·SR* + (γ4−1)/4·SR*²))`.
//!
//! The formulas and conventions are in `docs/promotion.md`.
//!
//! ```
//! use tradewarden_core::returns::promotion::{probabilistic_sharpe_ratio, PsrConvention};
//! use tradewarden_core::ReturnsOptions;
//! let r = [0.003, 0.026, 0.011, -0.01, 0.015, 0.025, 0.016, 0.067, -0.014, 0.04];
//! let psr = probabilistic_sharpe_ratio(&r, 0.0, PsrConvention::Paper, &ReturnsOptions::default()).unwrap();
//! assert!(psr > 0.5 && psr < 1.0);
//! ```

use serde::{Deserialize, Serialize};

use crate::conventions::ReturnsOptions;
use crate::error::{Error, Result};
use crate::stats::{kurtosis, norm_cdf, norm_ppf, skew};

use super::basic::{mean, non_empty, prepare, std_dev};

/// Euler–Mascheroni constant γ.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Where the variance of the Sharpe-ratio estimator is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PsrConvention {
    /// Bailey & López de Prado (2012): variance at the observed SR, `T − 1`
    /// (as quantstats and ffn). MinTRL carries the `1 +` term.
    #[default]
    Paper,
    /// jsharpe: variance at the benchmark SR*, `T` (MinTRL without the `1 +` term).
    VarianceAtBenchmark,
}

// Names of every door (the Python `convention=` keyword): 'jsharpe' is an alias of 'variance_at_benchmark'.
crate::named_enum!(
    PsrConvention,
    "convention",
    [
        ("paper", PsrConvention::Paper),
        ("variance_at_benchmark", PsrConvention::VarianceAtBenchmark),
        ("jsharpe", PsrConvention::VarianceAtBenchmark),
    ]
);

/// The summary numbers the promotion statistics need.
///
/// Build it with [`SharpeStats::from_returns`] or fill it directly when the
/// numbers come from elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SharpeStats {
    /// Per-period (non-annualised) Sharpe ratio.
    pub sharpe: f64,
    /// Number of observations T.
    pub n_obs: usize,
    /// Skewness γ3 (pandas adjusted G1).
    pub skew: f64,
    /// **Excess** kurtosis (pandas adjusted G2; normal = 0). The formulas use `γ4 = excess + 3`.
    pub excess_kurtosis: f64,
}

impl SharpeStats {
    /// Per-period Sharpe `mean(r − rf)/std(r − rf, ddof)`, skew and excess
    /// kurtosis of the excess returns, with `opts.nan_policy` (`Propagate` with
    /// a NaN present gives NaN fields, which the statistics then reject).
    ///
    /// Errors: empty input, fewer than 4 values (kurtosis undefined), zero
    /// variance, NaN under the default policy, bad `opts`.
    pub fn from_returns(returns: &[f64], opts: &ReturnsOptions) -> Result<SharpeStats> {
        opts.validate()?;
        non_empty(returns, "returns")?;
        let Some(r) = prepare(returns, "returns", opts.nan_policy)? else {
            return Ok(SharpeStats {
                sharpe: f64::NAN,
                n_obs: returns.len(),
                skew: f64::NAN,
                excess_kurtosis: f64::NAN,
            });
        };
        if r.len() < 4 {
            return Err(Error::invalid(
                "returns",
                format!("{} value(s)", r.len()),
                "at least 4 values are needed for skewness and kurtosis",
            ));
        }
        let adj: Vec<f64> = r.iter().map(|v| v - opts.risk_free).collect();
        let sd = std_dev(&adj, opts.ddof);
        if sd.is_nan() || sd <= 0.0 {
            return Err(Error::invalid(
                "returns",
                "constant series",
                "zero variance: the Sharpe ratio is undefined",
            ));
        }
        Ok(SharpeStats {
            sharpe: mean(&adj) / sd,
            n_obs: adj.len(),
            skew: skew(&adj),
            excess_kurtosis: kurtosis(&adj),
        })
    }

    fn validate(&self) -> Result<()> {
        finite("sharpe", self.sharpe)?;
        finite("skew", self.skew)?;
        finite("excess_kurtosis", self.excess_kurtosis)?;
        if self.n_obs < 2 {
            return Err(Error::invalid(
                "n_obs",
                self.n_obs,
                "at least 2 observations are required",
            ));
        }
        Ok(())
    }

    /// `1 − γ3·sr + (γ4 − 1)/4·sr²` with `γ4 = excess + 3`.
    fn variance_term(&self, sr: f64) -> Result<f64> {
        let g4 = self.excess_kurtosis + 3.0;
        let v = 1.0 - self.skew * sr + (g4 - 1.0) / 4.0 * sr * sr;
        if v > 0.0 && v.is_finite() {
            Ok(v)
        } else {
            Err(Error::invalid(
                "excess_kurtosis",
                self.excess_kurtosis,
                format!(
                    "the Sharpe variance term 1 − skew·SR + (kurtosis − 1)/4·SR² = {v} is not positive \
                     (skew = {}, SR = {sr}); the moments are inconsistent",
                    self.skew
                ),
            ))
        }
    }
}

fn finite(param: &'static str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(param, v, "must be finite"))
    }
}

/// Probabilistic Sharpe ratio from summary numbers: the probability that the
/// true per-period Sharpe exceeds `sr_benchmark` (per period).
///
/// ```
/// use tradewarden_core::returns::promotion::{probabilistic_sharpe_ratio_from_stats, PsrConvention, SharpeStats};
/// let s = SharpeStats { sharpe: 0.1, n_obs: 250, skew: 0.0, excess_kurtosis: 0.0 };
/// let p = probabilistic_sharpe_ratio_from_stats(&s, 0.0, PsrConvention::Paper).unwrap();
/// assert!((p - 0.942_261_27).abs() < 1e-8);
/// ```
pub fn probabilistic_sharpe_ratio_from_stats(
    stats: &SharpeStats,
    sr_benchmark: f64,
    convention: PsrConvention,
) -> Result<f64> {
    stats.validate()?;
    finite("sr_benchmark", sr_benchmark)?;
    let t = stats.n_obs as f64;
    let z = match convention {
        PsrConvention::Paper => {
            (stats.sharpe - sr_benchmark) * (t - 1.0).sqrt()
                / stats.variance_term(stats.sharpe)?.sqrt()
        }
        PsrConvention::VarianceAtBenchmark => {
            (stats.sharpe - sr_benchmark) * t.sqrt() / stats.variance_term(sr_benchmark)?.sqrt()
        }
    };
    Ok(norm_cdf(z))
}

/// Probabilistic Sharpe ratio of a returns series against the per-period
/// benchmark Sharpe `sr_benchmark` (see [`SharpeStats::from_returns`]).
pub fn probabilistic_sharpe_ratio(
    returns: &[f64],
    sr_benchmark: f64,
    convention: PsrConvention,
    opts: &ReturnsOptions,
) -> Result<f64> {
    let s = SharpeStats::from_returns(returns, opts)?;
    if s.sharpe.is_nan() {
        return Ok(f64::NAN);
    }
    probabilistic_sharpe_ratio_from_stats(&s, sr_benchmark, convention)
}

/// Expected maximum Sharpe ratio of `n_trials` skill-less trials whose Sharpe
/// ratios have standard deviation `sr_std` (Bailey & López de Prado 2014):
///
/// `E[max SR] = σ · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))`, γ the
/// Euler–Mascheroni constant. 0 when `n_trials = 1` or `sr_std = 0` (as ffn).
/// The result is in the units of `sr_std` (per period in, per period out).
///
/// ```
/// use tradewarden_core::returns::promotion::expected_max_sharpe;
/// // BLdP (2014) example: N = 100, V = 0.5 (annualised) → 1.7894
/// let e = expected_max_sharpe(100, 0.5_f64.sqrt()).unwrap();
/// assert!((e - 1.789_406_466).abs() < 1e-8);
/// ```
pub fn expected_max_sharpe(n_trials: usize, sr_std: f64) -> Result<f64> {
    if n_trials < 1 {
        return Err(Error::invalid("n_trials", n_trials, "must be at least 1"));
    }
    if !(sr_std.is_finite() && sr_std >= 0.0) {
        return Err(Error::invalid("sr_std", sr_std, "must be finite and ≥ 0"));
    }
    if n_trials == 1 || sr_std == 0.0 {
        return Ok(0.0);
    }
    let n = n_trials as f64;
    let a = norm_ppf(1.0 - 1.0 / n)?;
    let b = norm_ppf(1.0 - 1.0 / (n * std::f64::consts::E))?;
    Ok(sr_std * ((1.0 - EULER_GAMMA) * a + EULER_GAMMA * b))
}

/// Deflated Sharpe ratio from summary numbers: the PSR against the benchmark
/// `SR0 = E[max SR]` of `n_trials` trials whose per-period Sharpe ratios have
/// variance `trials_sr_variance`.
pub fn deflated_sharpe_ratio_from_stats(
    stats: &SharpeStats,
    n_trials: usize,
    trials_sr_variance: f64,
    convention: PsrConvention,
) -> Result<f64> {
    if !(trials_sr_variance.is_finite() && trials_sr_variance >= 0.0) {
        return Err(Error::invalid(
            "trials_sr_variance",
            trials_sr_variance,
            "must be finite and ≥ 0",
        ));
    }
    let sr0 = expected_max_sharpe(n_trials, trials_sr_variance.sqrt())?;
    probabilistic_sharpe_ratio_from_stats(stats, sr0, convention)
}

/// Deflated Sharpe ratio of the selected strategy's `returns`, given the
/// per-period Sharpe ratios of **all** trials of the search (the winner
/// included). The trials' variance uses `ddof = 1`; one trial gives SR0 = 0.
/// With [`PsrConvention::Paper`] this is ffn's
/// `calc_deflated_sharpe_ratio(..., annualized_trials=False)`.
pub fn deflated_sharpe_ratio(
    returns: &[f64],
    trial_sharpes: &[f64],
    convention: PsrConvention,
    opts: &ReturnsOptions,
) -> Result<f64> {
    non_empty(trial_sharpes, "trial_sharpes")?;
    if let Some(i) = trial_sharpes.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "trial_sharpes",
            format!("[{i}] = {}", trial_sharpes[i]),
            "every trial Sharpe ratio must be finite",
        ));
    }
    let var = if trial_sharpes.len() < 2 {
        0.0
    } else {
        let sd = std_dev(trial_sharpes, 1);
        sd * sd
    };
    let s = SharpeStats::from_returns(returns, opts)?;
    if s.sharpe.is_nan() {
        return Ok(f64::NAN);
    }
    deflated_sharpe_ratio_from_stats(&s, trial_sharpes.len(), var, convention)
}

/// Minimum track record length (in observations) from summary numbers: the
/// number of periods needed for the PSR against `sr_benchmark` to reach
/// `1 − alpha`.
///
/// - Paper: `1 + (1 − γ3·SR + (γ4−1)/4·SR²) · (z_{1−α} / (SR − SR*))²`;
/// - VarianceAtBenchmark: `(1 − γ3·SR* + (γ4−1)/4·SR*²) · (z_{1−α} / (SR − SR*))²`.
///
/// `+∞` when `SR ≤ SR*` (no track record is long enough). `n_obs` is not used.
pub fn min_track_record_length_from_stats(
    stats: &SharpeStats,
    sr_benchmark: f64,
    alpha: f64,
    convention: PsrConvention,
) -> Result<f64> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("alpha", alpha, "must be in (0, 1)"));
    }
    finite("sr_benchmark", sr_benchmark)?;
    stats.validate()?;
    if stats.sharpe <= sr_benchmark {
        return Ok(f64::INFINITY);
    }
    let z = norm_ppf(1.0 - alpha)?;
    let ratio = z / (stats.sharpe - sr_benchmark);
    Ok(match convention {
        PsrConvention::Paper => 1.0 + stats.variance_term(stats.sharpe)? * ratio * ratio,
        PsrConvention::VarianceAtBenchmark => stats.variance_term(sr_benchmark)? * ratio * ratio,
    })
}

/// Minimum track record length (observations) of a returns series; see
/// [`min_track_record_length_from_stats`].
pub fn min_track_record_length(
    returns: &[f64],
    sr_benchmark: f64,
    alpha: f64,
    convention: PsrConvention,
    opts: &ReturnsOptions,
) -> Result<f64> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("alpha", alpha, "must be in (0, 1)"));
    }
    let s = SharpeStats::from_returns(returns, opts)?;
    if s.sharpe.is_nan() {
        return Ok(f64::NAN);
    }
    min_track_record_length_from_stats(&s, sr_benchmark, alpha, convention)
}
