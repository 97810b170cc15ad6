//! Metrics by name, defined once: the rolling, bootstrap and per-column
//! doors (Python `roll`/`bootstrap_ci`/`columns`, the CLI, config files)
//! parse a metric's name here and call [`Metric::compute`],
//! [`Metric::rolling`] or [`bootstrap_metric_ci`] — so every door accepts
//! the same names and aliases and refuses the same typos with one error
//! listing every accepted name.
//!
//! ```
//! use tradewarden_core::ReturnsOptions;
//! use tradewarden_core::returns::{Metric, PairMetric};
//! let r = [0.01, -0.02, 0.015, 0.003, -0.004, 0.02];
//! let o = ReturnsOptions::default();
//! let m: Metric = "cagr".parse().unwrap();
//! assert_eq!(m, Metric::AnnualReturn);
//! assert_eq!(m.compute(&r, &o).unwrap(), tradewarden_core::returns::annual_return(&r, &o).unwrap());
//! assert_eq!(Metric::SharpeRatio.rolling(&r, 3, &o).unwrap().len(), 4);
//! let b = [0.005, -0.01, 0.01, 0.001, -0.002, 0.01];
//! assert!(PairMetric::Beta.compute(&r, &b, &o).unwrap() > 1.0);
//! let e = "sharpe".parse::<Metric>().unwrap_err().to_string();
//! assert!(e.contains("metric") && e.contains("'sharpe_ratio'"));
//! ```

use super::basic::{self as b, AlphaMethod};
use super::bootstrap::{
    BootstrapInterval, BootstrapOptions, IntervalMethod, MomentStatistic, Resampling, bootstrap_ci,
    bootstrap_moment_ci,
};
use crate::NanPolicy;
use crate::conventions::ReturnsOptions;
use crate::error::{Error, Result};
use crate::named_enum;
use crate::names::Named;

/// A metric of one return series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// [`b::sharpe_ratio`].
    SharpeRatio,
    /// [`b::sortino_ratio`].
    SortinoRatio,
    /// [`b::downside_risk`].
    DownsideRisk,
    /// [`b::max_drawdown`].
    MaxDrawdown,
    /// [`b::annual_return`] (alias `cagr`).
    AnnualReturn,
    /// [`b::annual_volatility`].
    AnnualVolatility,
    /// [`b::calmar_ratio`].
    CalmarRatio,
    /// [`b::tail_ratio`].
    TailRatio,
    /// [`b::stability_of_timeseries`].
    StabilityOfTimeseries,
    /// [`b::cum_returns_final`] from a starting value of 0 (the compounded return).
    CumReturnsFinal,
    /// [`b::win_rate`].
    WinRate,
    /// [`b::profit_factor`].
    ProfitFactor,
}

named_enum!(
    Metric,
    "metric",
    [
        ("sharpe_ratio", Metric::SharpeRatio),
        ("sortino_ratio", Metric::SortinoRatio),
        ("downside_risk", Metric::DownsideRisk),
        ("max_drawdown", Metric::MaxDrawdown),
        ("annual_return", Metric::AnnualReturn),
        ("cagr", Metric::AnnualReturn),
        ("annual_volatility", Metric::AnnualVolatility),
        ("calmar_ratio", Metric::CalmarRatio),
        ("tail_ratio", Metric::TailRatio),
        ("stability_of_timeseries", Metric::StabilityOfTimeseries),
        ("cum_returns_final", Metric::CumReturnsFinal),
        ("win_rate", Metric::WinRate),
        ("profit_factor", Metric::ProfitFactor),
    ]
);

impl Metric {
    /// The metric of `returns` (the same call as the named function).
    pub fn compute(self, returns: &[f64], opts: &ReturnsOptions) -> Result<f64> {
        match self {
            Metric::SharpeRatio => b::sharpe_ratio(returns, opts),
            Metric::SortinoRatio => b::sortino_ratio(returns, opts),
            Metric::DownsideRisk => b::downside_risk(returns, opts),
            Metric::MaxDrawdown => b::max_drawdown(returns, opts),
            Metric::AnnualReturn => b::annual_return(returns, opts),
            Metric::AnnualVolatility => b::annual_volatility(returns, opts),
            Metric::CalmarRatio => b::calmar_ratio(returns, opts),
            Metric::TailRatio => b::tail_ratio(returns, opts),
            Metric::StabilityOfTimeseries => b::stability_of_timeseries(returns, opts),
            Metric::CumReturnsFinal => b::cum_returns_final(returns, 0.0, opts),
            Metric::WinRate => b::win_rate(returns, opts),
            Metric::ProfitFactor => b::profit_factor(returns, opts),
        }
    }

    /// The metric of every column of a **row-major** matrix with `k`
    /// columns (`data[i·k + j]` is period i of column j; a C-ordered 2-D
    /// input, which empyrical computes per column): the products
    /// ([`Metric::AnnualReturn`], [`Metric::CumReturnsFinal`]),
    /// [`Metric::DownsideRisk`] and, for finite values under `skip`, the
    /// moment metrics ([`Metric::SharpeRatio`], [`Metric::SortinoRatio`],
    /// [`Metric::AnnualVolatility`]) in one pass over the rows as they lie,
    /// the others per column on one column-major
    /// copy made in one row-major pass (reading each column on its own would
    /// stream the whole matrix k times).
    ///
    /// ```
    /// use tradewarden_core::{ReturnsOptions, returns::Metric};
    /// let o = ReturnsOptions::default();
    /// let m = [0.01, -0.02, 0.03, 0.01, -0.01, 0.02]; // 3 rows, 2 columns
    /// let v = Metric::SharpeRatio.columns_row_major(&m, 2, &o).unwrap();
    /// assert_eq!(v[1], Metric::SharpeRatio.compute(&[-0.02, 0.01, 0.02], &o).unwrap());
    /// ```
    ///
    /// # Errors
    /// `k` zero or not dividing `data.len()`, or no values (naming `k`); the
    /// metric's own errors for a column.
    pub fn columns_row_major(
        self,
        data: &[f64],
        k: usize,
        opts: &ReturnsOptions,
    ) -> Result<Vec<f64>> {
        match self {
            Metric::AnnualReturn => b::annual_return_row_major(data, k, opts),
            Metric::CumReturnsFinal => b::cum_returns_final_row_major(data, k, 0.0, opts),
            Metric::DownsideRisk => b::downside_risk_row_major(data, k, opts),
            Metric::SharpeRatio | Metric::SortinoRatio | Metric::AnnualVolatility => {
                let which = match self {
                    Metric::SharpeRatio => b::MomentMetric::Sharpe,
                    Metric::SortinoRatio => b::MomentMetric::Sortino,
                    _ => b::MomentMetric::Volatility,
                };
                match b::moment_metric_row_major(data, k, which, opts)? {
                    Some(v) => Ok(v),
                    None => {
                        let n = data.len() / k;
                        column_major(data, k)
                            .chunks_exact(n)
                            .map(|c| self.compute(c, opts))
                            .collect()
                    }
                }
            }
            m => {
                b::check_row_major(data, k)?;
                let n = data.len() / k;
                column_major(data, k)
                    .chunks_exact(n)
                    .map(|c| m.compute(c, opts))
                    .collect()
            }
        }
    }

    /// The metric over every trailing window (empyrical `roll_*`; see
    /// [`b::rolling`] for the output's length). The options are validated
    /// and, under `nan_policy = error`, the whole series is checked once.
    pub fn rolling(
        self,
        returns: &[f64],
        window: usize,
        opts: &ReturnsOptions,
    ) -> Result<Vec<f64>> {
        match self {
            Metric::SharpeRatio => b::roll_sharpe_ratio(returns, window, opts),
            Metric::SortinoRatio => b::roll_sortino_ratio(returns, window, opts),
            Metric::MaxDrawdown => b::roll_max_drawdown(returns, window, opts),
            Metric::AnnualVolatility => b::roll_annual_volatility(returns, window, opts),
            Metric::AnnualReturn => b::roll_annual_return(returns, window, opts),
            Metric::DownsideRisk => b::roll_downside_risk(returns, window, opts),
            m => {
                b::check_all(returns, opts)?;
                b::rolling(returns, window, |w| m.compute(w, opts))
            }
        }
    }
}

/// A metric of a return series against a benchmark (factor) series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PairMetric {
    /// [`b::excess_sharpe`].
    ExcessSharpe,
    /// [`b::beta`].
    Beta,
    /// Alpha of [`b::alpha_beta`], annualised as empyrical does ([`AlphaMethod::Compound`]).
    Alpha,
    /// [`b::capture`].
    Capture,
    /// [`b::up_capture`].
    UpCapture,
    /// [`b::down_capture`].
    DownCapture,
    /// [`b::up_down_capture`].
    UpDownCapture,
}

named_enum!(
    PairMetric,
    "metric",
    [
        ("excess_sharpe", PairMetric::ExcessSharpe),
        ("beta", PairMetric::Beta),
        ("alpha", PairMetric::Alpha),
        ("capture", PairMetric::Capture),
        ("up_capture", PairMetric::UpCapture),
        ("down_capture", PairMetric::DownCapture),
        ("up_down_capture", PairMetric::UpDownCapture),
    ]
);

impl PairMetric {
    /// The metric of `returns` against `factor_returns`.
    pub fn compute(
        self,
        returns: &[f64],
        factor_returns: &[f64],
        opts: &ReturnsOptions,
    ) -> Result<f64> {
        match self {
            PairMetric::ExcessSharpe => b::excess_sharpe(returns, factor_returns, opts),
            PairMetric::Beta => b::beta(returns, factor_returns, opts),
            PairMetric::Alpha => {
                Ok(b::alpha_beta(returns, factor_returns, AlphaMethod::Compound, opts)?.alpha)
            }
            PairMetric::Capture => b::capture(returns, factor_returns, opts),
            PairMetric::UpCapture => b::up_capture(returns, factor_returns, opts),
            PairMetric::DownCapture => b::down_capture(returns, factor_returns, opts),
            PairMetric::UpDownCapture => b::up_down_capture(returns, factor_returns, opts),
        }
    }

    /// The metric of every column of a **row-major** matrix with `k`
    /// columns against the one benchmark `factor_returns` (one value per
    /// row; empyrical's per-column answer for a C-ordered 2-D input): the
    /// captures in one pass over the rows ([`b::market_capture_row_major`],
    /// [`b::annual_return_row_major`] over the benchmark's annual return),
    /// the others per column on one column-major copy.
    ///
    /// ```
    /// use tradewarden_core::{ReturnsOptions, returns::PairMetric};
    /// let o = ReturnsOptions::default();
    /// let m = [0.01, -0.02, 0.03, 0.01, -0.01, 0.02]; // 3 rows, 2 columns
    /// let f = [0.005, 0.01, -0.01];
    /// let v = PairMetric::Capture.columns_row_major(&m, 2, &f, &o).unwrap();
    /// let one = PairMetric::Capture.compute(&[-0.02, 0.01, 0.02], &f, &o).unwrap();
    /// assert!((v[1] - one).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// `k` zero or not dividing `data.len()`, or no values (naming `k`); a
    /// benchmark of another length than the rows (naming `factor_returns`);
    /// the metric's own errors for a column.
    pub fn columns_row_major(
        self,
        data: &[f64],
        k: usize,
        factor_returns: &[f64],
        opts: &ReturnsOptions,
    ) -> Result<Vec<f64>> {
        b::check_row_major(data, k)?;
        let n = data.len() / k;
        if factor_returns.len() != n {
            return Err(Error::invalid(
                "factor_returns",
                format!("length {}", factor_returns.len()),
                "must have one value per row of returns",
            ));
        }
        match self {
            PairMetric::UpCapture => {
                b::market_capture_row_major(data, k, factor_returns, b::Market::Up, opts)
            }
            PairMetric::DownCapture => {
                b::market_capture_row_major(data, k, factor_returns, b::Market::Down, opts)
            }
            PairMetric::UpDownCapture => {
                Ok(b::market_captures_row_major(data, k, factor_returns, opts)?
                    .into_iter()
                    .map(|(up, down)| up / down)
                    .collect())
            }
            PairMetric::Capture => {
                let columns = b::annual_return_row_major(data, k, opts)?;
                let bench = b::annual_return(factor_returns, opts)?;
                Ok(columns.into_iter().map(|a| a / bench).collect())
            }
            m => column_major(data, k)
                .chunks_exact(n)
                .map(|c| m.compute(c, factor_returns, opts))
                .collect(),
        }
    }

    /// The metric over every pair of trailing windows (see [`b::rolling_pair`]).
    pub fn rolling(
        self,
        returns: &[f64],
        factor_returns: &[f64],
        window: usize,
        opts: &ReturnsOptions,
    ) -> Result<Vec<f64>> {
        match self {
            PairMetric::ExcessSharpe => {
                b::roll_excess_sharpe(returns, factor_returns, window, opts)
            }
            PairMetric::Beta => b::roll_beta(returns, factor_returns, window, opts),
            PairMetric::UpCapture => b::roll_up_capture(returns, factor_returns, window, opts),
            PairMetric::DownCapture => b::roll_down_capture(returns, factor_returns, window, opts),
            PairMetric::UpDownCapture => {
                b::roll_up_down_capture(returns, factor_returns, window, opts)
            }
            m => {
                b::check_all(returns, opts)?;
                b::check_all(factor_returns, opts)?;
                b::rolling_pair(returns, factor_returns, window, |x, y| {
                    m.compute(x, y, opts)
                })
            }
        }
    }
}

/// What [`bootstrap_metric_ci`] resamples: a per-period moment (`mean`,
/// `std`, `sharpe` — the per-period Sharpe, not annualised) or any
/// [`Metric`] by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapStatistic {
    /// A moment computed from block sums ([`bootstrap_moment_ci`]).
    Moment(MomentStatistic),
    /// A named metric, recomputed on every resample.
    Metric(Metric),
}

impl std::str::FromStr for BootstrapStatistic {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "mean" => BootstrapStatistic::Moment(MomentStatistic::Mean),
            "std" => BootstrapStatistic::Moment(MomentStatistic::Std),
            "sharpe" => BootstrapStatistic::Moment(MomentStatistic::Sharpe),
            other => match Metric::from_name(other) {
                Ok(m) => BootstrapStatistic::Metric(m),
                Err(_) => {
                    let names: Vec<String> = ["mean", "std", "sharpe"]
                        .iter()
                        .copied()
                        .chain(Metric::NAMES.iter().map(|(n, _)| *n))
                        .map(|n| format!("'{n}'"))
                        .collect();
                    return Err(Error::invalid(
                        "metric",
                        format!("{other:?}"),
                        format!("expected one of {}", names.join(", ")),
                    ));
                }
            },
        })
    }
}

/// The resampling scheme named `method` (`iid`, `stationary` with mean block
/// length `block_length` ≥ 1, `circular` with blocks of the integer
/// `block_length` ≥ 1), as the doors spell it.
pub fn resampling_named(method: &str, block_length: f64) -> Result<Resampling> {
    match method {
        "iid" => Ok(Resampling::Iid),
        "stationary" => Ok(Resampling::Stationary {
            mean_block: block_length,
        }),
        "circular" => {
            if !(block_length >= 1.0 && block_length.fract() == 0.0 && block_length < 2f64.powi(53))
            {
                return Err(Error::invalid(
                    "block_length",
                    block_length,
                    "the circular bootstrap needs an integer >= 1",
                ));
            }
            Ok(Resampling::Circular {
                block_len: block_length as usize,
            })
        }
        other => Err(Error::invalid(
            "method",
            format!("{other:?}"),
            "expected 'iid', 'stationary' or 'circular'",
        )),
    }
}

named_enum!(
    IntervalMethod,
    "interval",
    [
        ("percentile", IntervalMethod::Percentile),
        ("bca", IntervalMethod::Bca),
    ]
);

/// Bootstrap confidence interval of `statistic` on `returns`.
///
/// Moments use the block-sum path ([`bootstrap_moment_ci`]); so does
/// `sharpe_ratio` when `opts` has no risk-free rate, `ddof` 1 and
/// `nan_policy` error (the moment path's conventions; its interval is the per-period
/// Sharpe's scaled by √annualisation, identical to recomputing it on each
/// resample up to rounding); every other metric is recomputed on each
/// resample ([`bootstrap_ci`]; a resample on which it fails counts as NaN,
/// which the interval then refuses as non-finite).
pub fn bootstrap_metric_ci(
    returns: &[f64],
    statistic: BootstrapStatistic,
    opts: &ReturnsOptions,
    boot: &BootstrapOptions,
) -> Result<BootstrapInterval> {
    opts.validate()?;
    match statistic {
        BootstrapStatistic::Moment(m) => bootstrap_moment_ci(returns, m, boot),
        BootstrapStatistic::Metric(Metric::SharpeRatio)
            if opts.risk_free == 0.0 && opts.ddof == 1 && opts.nan_policy == NanPolicy::Error =>
        {
            bootstrap_moment_ci(returns, MomentStatistic::Sharpe, boot)?
                .scaled(opts.period.annualization().sqrt())
        }
        BootstrapStatistic::Metric(m) => {
            bootstrap_ci(returns, |w| m.compute(w, opts).unwrap_or(f64::NAN), boot)
        }
    }
}

/// The values of a row-major matrix with `k` columns (`k` ≥ 1 dividing
/// `data.len()`), column after column, copied in one row-major pass.
fn column_major(data: &[f64], k: usize) -> Vec<f64> {
    let n = data.len() / k;
    let mut cm = vec![0.0; data.len()];
    for (i, row) in data.chunks_exact(k).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            cm[j * n + i] = v;
        }
    }
    cm
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn series(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| ((i * 7919 % 1000) as f64 - 480.0) * 3e-5)
            .collect()
    }

    #[test]
    fn columns_row_major_are_the_columns_metrics() {
        let (n, k) = (301, 5);
        let mut m: Vec<f64> = (0..n * k)
            .map(|i| ((i * 7919 % 1000) as f64 - 480.0) * 3e-5 * (1.0 + (i % k) as f64))
            .collect();
        m[7 * k + 2] = f64::NAN; // a NaN in column 2
        m[8 * k + 2] = f64::NAN;
        m[9 * k + 1] = f64::NEG_INFINITY; // column 1 has -inf
        for i in 0..n {
            m[i * k + 4] = f64::NAN; // column 4: no values
        }
        let column = |j: usize| -> Vec<f64> { (0..n).map(|i| m[i * k + j]).collect() };
        for policy in [NanPolicy::Skip, NanPolicy::Propagate, NanPolicy::Error] {
            let o = ReturnsOptions {
                nan_policy: policy,
                ..ReturnsOptions::default()
            };
            for (name, metric) in Metric::NAMES {
                let got = metric.columns_row_major(&m, k, &o);
                let want: Result<Vec<f64>> =
                    (0..k).map(|j| metric.compute(&column(j), &o)).collect();
                match (got, want) {
                    (Ok(g), Ok(w)) => {
                        for (j, (g, w)) in g.iter().zip(&w).enumerate() {
                            // the products run left to right here, lane-wise in
                            // the 1-D functions: the last bits may differ
                            let tol = 1e-13 * w.abs().max(1e-300);
                            assert!(
                                g == w || (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol,
                                "{name} {policy:?} column {j}: {g} vs {w}"
                            );
                        }
                    }
                    (Err(_), Err(_)) => {}
                    (g, w) => panic!("{name} {policy:?}: {g:?} vs {w:?}"),
                }
            }
        }
        let o = ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..ReturnsOptions::default()
        };
        for (data, k) in [(&m[..], 0), (&m[..10], 3), (&[][..], 2)] {
            for (_, metric) in Metric::NAMES {
                assert!(
                    matches!(
                        metric.columns_row_major(data, k, &o),
                        Err(Error::InvalidParameter { param: "k", .. })
                    ),
                    "{k}"
                );
            }
        }
        // one pass over the rows: numpy's prod(axis=0) order, bit for bit
        let c = b::cum_returns_final_row_major(&m, k, 0.0, &o).unwrap();
        for (j, c) in c.iter().enumerate() {
            let p: f64 = column(j)
                .iter()
                .filter(|v| !v.is_nan())
                .map(|v| 1.0 + v)
                .product();
            assert_eq!(*c, p - 1.0, "column {j}");
        }
        let c = b::cum_returns_final_row_major(&m, k, 2.0, &o).unwrap();
        assert!((c[0] - 2.0 * b::cum_returns_final(&column(0), 1.0, &o).unwrap()).abs() < 1e-12);
        assert!(b::cum_returns_final_row_major(&m, k, f64::NAN, &o).is_err());
    }

    #[test]
    fn moment_metrics_row_major_in_one_pass_are_the_columns_metrics() {
        // finite values under `skip`: the one-pass path (not the column
        // copy); a constant column, a column whose first value is far from
        // its mean (the sums cancel: the 1-D path), options that move the
        // offsets; 1 to 1000 rows
        let k = 20;
        for n in [1, 2, 3, 17, 257, 1000] {
            let mut m: Vec<f64> = (0..n * k)
                .map(|i| ((i * 7919 % 1000) as f64 - 480.0) * 3e-5 * (1.0 + (i % 7) as f64))
                .collect();
            for i in 0..n {
                m[i * k + 3] = 0.0125; // constant
                m[i * k + 5] += 50.0; // large level, small spread
            }
            m[6] = 40.0; // column 6: an outlier first
            let column = |j: usize| -> Vec<f64> { (0..n).map(|i| m[i * k + j]).collect() };
            for (rf, req, ddof) in [(0.0, 0.0, 1), (1e-4, -2e-4, 0), (-3e-3, 5e-3, 1)] {
                let o = ReturnsOptions {
                    risk_free: rf,
                    required_return: req,
                    ddof,
                    nan_policy: NanPolicy::Skip,
                    ..ReturnsOptions::default()
                };
                for metric in [
                    Metric::SharpeRatio,
                    Metric::SortinoRatio,
                    Metric::AnnualVolatility,
                ] {
                    let which = match metric {
                        Metric::SharpeRatio => b::MomentMetric::Sharpe,
                        Metric::SortinoRatio => b::MomentMetric::Sortino,
                        _ => b::MomentMetric::Volatility,
                    };
                    let got = b::moment_metric_row_major(&m, k, which, &o)
                        .unwrap()
                        .expect("finite values under skip take the one-pass path");
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&got),
                        bits(&metric.columns_row_major(&m, k, &o).unwrap())
                    );
                    for (j, g) in got.iter().enumerate() {
                        let w = metric.compute(&column(j), &o).unwrap();
                        // sums across columns vs the 1-D lanes: the last bits differ
                        let tol = 1e-12 * w.abs().max(1e-300);
                        assert!(
                            *g == w || (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol,
                            "{metric:?} n={n} rf={rf} column {j}: {g} vs {w}"
                        );
                    }
                }
            }
        }
        // a NaN, an infinity or another policy: not this path
        let mut m: Vec<f64> = (0..40).map(|i| f64::from(i) * 1e-3).collect();
        let o = ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..ReturnsOptions::default()
        };
        m[7] = f64::NAN;
        assert!(
            b::moment_metric_row_major(&m, 4, b::MomentMetric::Sharpe, &o)
                .unwrap()
                .is_none()
        );
        m[7] = f64::INFINITY;
        assert!(
            b::moment_metric_row_major(&m, 4, b::MomentMetric::Sortino, &o)
                .unwrap()
                .is_none()
        );
        m[7] = 0.0;
        let p = ReturnsOptions {
            nan_policy: NanPolicy::Propagate,
            ..ReturnsOptions::default()
        };
        assert!(
            b::moment_metric_row_major(&m, 4, b::MomentMetric::Volatility, &p)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn pair_columns_row_major_are_the_columns_metrics() {
        let (n, k) = (257, 4);
        let mut m: Vec<f64> = (0..n * k)
            .map(|i| ((i * 7919 % 1000) as f64 - 480.0) * 3e-5 * (1.0 + (i % k) as f64))
            .collect();
        m[5 * k + 1] = f64::NAN;
        let mut f: Vec<f64> = (0..n)
            .map(|i| ((i * 104_729 % 997) as f64 - 490.0) * 2e-5)
            .collect();
        f[11] = f64::NAN;
        let column = |j: usize| -> Vec<f64> { (0..n).map(|i| m[i * k + j]).collect() };
        for policy in [NanPolicy::Skip, NanPolicy::Propagate, NanPolicy::Error] {
            let o = ReturnsOptions {
                nan_policy: policy,
                ..ReturnsOptions::default()
            };
            for (name, metric) in PairMetric::NAMES {
                let got = metric.columns_row_major(&m, k, &f, &o);
                let want: Result<Vec<f64>> =
                    (0..k).map(|j| metric.compute(&column(j), &f, &o)).collect();
                match (got, want) {
                    (Ok(g), Ok(w)) => {
                        for (j, (g, w)) in g.iter().zip(&w).enumerate() {
                            let tol = 1e-12 * w.abs().max(1e-300);
                            assert!(
                                g == w || (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol,
                                "{name} {policy:?} column {j}: {g} vs {w}"
                            );
                        }
                    }
                    (Err(_), Err(_)) => {}
                    (g, w) => panic!("{name} {policy:?}: {g:?} vs {w:?}"),
                }
            }
        }
        let o = ReturnsOptions::default();
        for (_, metric) in PairMetric::NAMES {
            assert!(matches!(
                metric.columns_row_major(&m, k, &f[1..], &o),
                Err(Error::InvalidParameter {
                    param: "factor_returns",
                    ..
                })
            ));
            assert!(matches!(
                metric.columns_row_major(&m, 0, &f, &o),
                Err(Error::InvalidParameter { param: "k", .. })
            ));
        }
    }

    #[test]
    fn every_name_computes_what_its_function_computes() {
        let r = series(300);
        let f: Vec<f64> = r.iter().map(|x| x * 0.7 + 1e-4).collect();
        let o = ReturnsOptions::default();
        for (name, m) in Metric::NAMES {
            let direct = match *name {
                "sharpe_ratio" => b::sharpe_ratio(&r, &o),
                "sortino_ratio" => b::sortino_ratio(&r, &o),
                "downside_risk" => b::downside_risk(&r, &o),
                "max_drawdown" => b::max_drawdown(&r, &o),
                "annual_return" | "cagr" => b::annual_return(&r, &o),
                "annual_volatility" => b::annual_volatility(&r, &o),
                "calmar_ratio" => b::calmar_ratio(&r, &o),
                "tail_ratio" => b::tail_ratio(&r, &o),
                "stability_of_timeseries" => b::stability_of_timeseries(&r, &o),
                "cum_returns_final" => b::cum_returns_final(&r, 0.0, &o),
                "win_rate" => b::win_rate(&r, &o),
                "profit_factor" => b::profit_factor(&r, &o),
                other => panic!("untested metric name {other}"),
            }
            .unwrap();
            assert_eq!(
                m.compute(&r, &o).unwrap().to_bits(),
                direct.to_bits(),
                "{name}"
            );
            let roll = m.rolling(&r, 50, &o).unwrap();
            assert_eq!(roll.len(), 251);
            assert_eq!(
                roll[7].to_bits(),
                m.compute(&r[7..57], &o).unwrap().to_bits(),
                "{name}"
            );
        }
        for (name, m) in PairMetric::NAMES {
            let direct = match *name {
                "excess_sharpe" => b::excess_sharpe(&r, &f, &o),
                "beta" => b::beta(&r, &f, &o),
                "alpha" => Ok(b::alpha_beta(&r, &f, AlphaMethod::Compound, &o)
                    .unwrap()
                    .alpha),
                "capture" => b::capture(&r, &f, &o),
                "up_capture" => b::up_capture(&r, &f, &o),
                "down_capture" => b::down_capture(&r, &f, &o),
                "up_down_capture" => b::up_down_capture(&r, &f, &o),
                other => panic!("untested pair metric name {other}"),
            }
            .unwrap();
            assert_eq!(
                m.compute(&r, &f, &o).unwrap().to_bits(),
                direct.to_bits(),
                "{name}"
            );
            let roll = m.rolling(&r, &f, 40, &o).unwrap();
            assert_eq!(roll.len(), 261);
            let one = m.compute(&r[3..43], &f[3..43], &o).unwrap();
            assert!(
                (roll[3] - one).abs() <= 1e-12 * one.abs().max(1.0),
                "{name}"
            );
        }
    }

    #[test]
    fn unknown_names_are_typed_errors_listing_every_name() {
        let e = "Sharpe_Ratio".parse::<Metric>().unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    param: "metric",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = "nope"
            .parse::<BootstrapStatistic>()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'mean'") && e.contains("'cagr'") && e.contains("'profit_factor'"),
            "{e}"
        );
        assert!(matches!(
            resampling_named("blocks", 5.0).unwrap_err(),
            Error::InvalidParameter {
                param: "method",
                ..
            }
        ));
        for bad in [0.0, 2.5, f64::NAN, f64::INFINITY, 1e300] {
            assert!(matches!(
                resampling_named("circular", bad).unwrap_err(),
                Error::InvalidParameter {
                    param: "block_length",
                    ..
                }
            ));
        }
        assert_eq!(
            resampling_named("circular", 4.0).unwrap(),
            Resampling::Circular { block_len: 4 }
        );
        assert!("BCa".parse::<IntervalMethod>().is_err());
        assert_eq!(
            "bca".parse::<IntervalMethod>().unwrap(),
            IntervalMethod::Bca
        );
    }

    #[test]
    fn bootstrap_sharpe_ratio_fast_path_matches_recomputing_it() {
        let r = series(500);
        let o = ReturnsOptions::default();
        let boot = BootstrapOptions {
            n_resamples: 300,
            seed: 11,
            ..Default::default()
        };
        let fast = bootstrap_metric_ci(&r, "sharpe_ratio".parse().unwrap(), &o, &boot).unwrap();
        let slow = bootstrap_ci(&r, |w| b::sharpe_ratio(w, &o).unwrap_or(f64::NAN), &boot).unwrap();
        for (a, c) in [
            (fast.estimate, slow.estimate),
            (fast.lower, slow.lower),
            (fast.upper, slow.upper),
        ] {
            assert!((a - c).abs() <= 1e-9 * c.abs().max(1.0), "{a} vs {c}");
        }
        // with a risk-free rate the metric is recomputed (rf enters the numerator)
        let orf = ReturnsOptions {
            risk_free: 1e-4,
            ..Default::default()
        };
        let rf = bootstrap_metric_ci(
            &r,
            BootstrapStatistic::Metric(Metric::SharpeRatio),
            &orf,
            &boot,
        )
        .unwrap();
        assert_eq!(rf.estimate, b::sharpe_ratio(&r, &orf).unwrap());
        assert!(rf.estimate < fast.estimate);
        // other conventions than the moment path's (ddof 1, NaN an error): recomputed too
        let o0 = ReturnsOptions {
            ddof: 0,
            ..Default::default()
        };
        let d0 = bootstrap_metric_ci(
            &r,
            BootstrapStatistic::Metric(Metric::SharpeRatio),
            &o0,
            &boot,
        )
        .unwrap();
        assert_eq!(d0.estimate, b::sharpe_ratio(&r, &o0).unwrap());
        assert!(d0.estimate > fast.estimate);
    }
}
