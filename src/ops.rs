//! The operations summary: Market NN Plus Ultra's `compile_operations_summary`
//! (risk metrics of a returns series, the nine exposure metrics of a trade
//! log, and the alerts of its seven thresholds), computed once here for every
//! door — `tradewarden report` (CLI), `tradewarden.report` (Python) and Rust
//! callers.
//!
//! What differs from the seed, deliberately (docs/cli.md, "Operations
//! summary"): the risk metrics follow `docs/conventions.md` (an annualised
//! Sharpe ratio with the sample standard deviation, empyrical's drawdown on
//! compounded wealth) where the seed uses a non-annualised `mean/(std₀+1e-6)`
//! and additive equity; the document is always valid JSON (a non-finite value
//! is `null` with its reason under `non_finite`, where the seed writes
//! `Infinity`).
//!
//! ```
//! use tradewarden::guardrails::exposure::TradeLog;
//! use tradewarden::ops::{OperationsSummary, OperationsThresholds, Trades};
//! use tradewarden::core::returns::SummaryOptions;
//! // The seed's acceptance check T2: all seven alerts fire.
//! let r = [0.02, -0.03, 0.015, -0.025, 0.01];
//! let log = TradeLog::new(&[1, 2, 3, 4, 5], &["AAA", "AAA", "BBB", "BBB", "BBB"], None,
//!     Some(&[100.0, -80.0, 120.0, -90.0, 140.0]), Some(&[10.0, 10.5, 9.5, 9.8, 10.2]),
//!     &[200.0, -260.0, 150.0, -220.0, 175.0]).unwrap();
//! let t = OperationsThresholds {
//!     min_sharpe: Some(1.5), max_drawdown: Some(0.01), max_gross_exposure: Some(0.4),
//!     max_turnover: Some(0.05), min_tail_return: Some(-150.0),
//!     max_tail_frequency: Some(0.1), max_symbol_exposure: Some(0.5),
//! };
//! let trades = Trades { log: &log, capital: 1000.0, tail_percentile: 5.0 };
//! let s = OperationsSummary::compute(&r, None, Some(trades), &t, &SummaryOptions::default()).unwrap();
//! assert_eq!(s.triggered.len(), 7);
//! assert_eq!(s.triggered[2], "Gross exposure peak 1.428 exceeded limit 0.400");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tradewarden_core::config::Validator;
use tradewarden_core::returns::attribution::{self, SymbolAttribution};
use tradewarden_core::returns::{Summary, SummaryOptions};
use tradewarden_guardrails::Result;
use tradewarden_guardrails::exposure::{ExposureMetrics, TradeLog, exposure_metrics};

/// The seed's default tail percentile of the trade log's per-timestamp P&L.
pub const DEFAULT_TAIL_PERCENTILE: f64 = 5.0;

/// The seven alert thresholds of the operations summary (the seed's
/// `OperationsThresholds`; every field optional, `None` = no alert). All
/// comparisons are strict, as the seed's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperationsThresholds {
    /// Alert when the Sharpe ratio is below (finite).
    pub min_sharpe: Option<f64>,
    /// Alert when |max drawdown| exceeds (a fraction in (0, 1]).
    pub max_drawdown: Option<f64>,
    /// Alert when the trade log's gross exposure peak (÷ capital) exceeds (≥ 0).
    pub max_gross_exposure: Option<f64>,
    /// Alert when the trade log's turnover rate (÷ capital) exceeds (≥ 0).
    pub max_turnover: Option<f64>,
    /// Alert when the tail return is below this floor (< 0): with a trade
    /// log, the percentile of its per-timestamp P&L (the seed's
    /// `tail_return_quantile`, in P&L units); without one, the returns'
    /// historical VaR (the seed's live-monitor rule).
    pub min_tail_return: Option<f64>,
    /// Alert when the trade log's tail event frequency exceeds (in [0, 1]).
    pub max_tail_frequency: Option<f64>,
    /// Alert when the largest single-symbol exposure (÷ capital) exceeds (≥ 0).
    pub max_symbol_exposure: Option<f64>,
}

impl OperationsThresholds {
    /// Every field checked at once; the error names each bad field.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        let nonneg = |v: &mut Validator, x: Option<f64>, name: &'static str| {
            if let Some(x) = x {
                v.check(x.is_finite() && x >= 0.0, name, x, "must be finite and ≥ 0");
            }
        };
        if let Some(x) = self.min_sharpe {
            v.check(x.is_finite(), "min_sharpe", x, "must be finite");
        }
        if let Some(x) = self.max_drawdown {
            v.check(
                x.is_finite() && x > 0.0 && x <= 1.0,
                "max_drawdown",
                x,
                "must be in (0, 1] (a positive fraction)",
            );
        }
        nonneg(&mut v, self.max_gross_exposure, "max_gross_exposure");
        nonneg(&mut v, self.max_turnover, "max_turnover");
        if let Some(x) = self.min_tail_return {
            v.check(
                x.is_finite() && x < 0.0,
                "min_tail_return",
                x,
                "must be a negative floor",
            );
        }
        if let Some(x) = self.max_tail_frequency {
            v.check(
                (0.0..=1.0).contains(&x),
                "max_tail_frequency",
                x,
                "must be in [0, 1]",
            );
        }
        nonneg(&mut v, self.max_symbol_exposure, "max_symbol_exposure");
        Ok(v.finish()?)
    }

    /// Whether any threshold needs a trade log.
    pub fn needs_trades(&self) -> bool {
        self.max_gross_exposure.is_some()
            || self.max_turnover.is_some()
            || self.max_tail_frequency.is_some()
            || self.max_symbol_exposure.is_some()
    }

    /// The alert strings, in the seed's order and format
    /// (`"<what> <value> <verb> <limit>"`, three decimals). Exposure alerts
    /// need `exposure`; without it they cannot fire (and
    /// [`OperationsSummary::compute`] refuses such thresholds).
    pub fn triggered(&self, s: &Summary, exposure: Option<&ExposureMetrics>) -> Vec<String> {
        let mut out = Vec::new();
        if s.sharpe_ratio.is_finite() {
            below(
                &mut out,
                "Sharpe ratio",
                s.sharpe_ratio,
                self.min_sharpe,
                "below minimum",
            );
        }
        above(
            &mut out,
            "Max drawdown",
            s.max_drawdown.abs(),
            self.max_drawdown,
        );
        match exposure {
            Some(m) => {
                above(
                    &mut out,
                    "Gross exposure peak",
                    m.gross_exposure_peak,
                    self.max_gross_exposure,
                );
                above(&mut out, "Turnover", m.turnover_rate, self.max_turnover);
                below(
                    &mut out,
                    "Tail return",
                    m.tail_return_quantile,
                    self.min_tail_return,
                    "below floor",
                );
                above(
                    &mut out,
                    "Tail event frequency",
                    m.tail_event_frequency,
                    self.max_tail_frequency,
                );
                above(
                    &mut out,
                    "Symbol exposure",
                    m.max_symbol_exposure,
                    self.max_symbol_exposure,
                );
            }
            None => below(
                &mut out,
                "Tail return",
                s.value_at_risk,
                self.min_tail_return,
                "below floor",
            ),
        }
        out
    }
}

/// `"<what> <value> <verb> <limit>"` when `value < limit` (strict).
fn below(out: &mut Vec<String>, what: &str, value: f64, limit: Option<f64>, verb: &str) {
    if let Some(l) = limit
        && value < l
    {
        out.push(format!("{what} {value:.3} {verb} {l:.3}"));
    }
}

/// `"<what> <value> exceeded limit <limit>"` when `value > limit` (strict).
fn above(out: &mut Vec<String>, what: &str, value: f64, limit: Option<f64>) {
    if let Some(l) = limit
        && value > l
    {
        out.push(format!("{what} {value:.3} exceeded limit {l:.3}"));
    }
}

/// A trade log with its capital (the seed treats 0 as 1; here it must be
/// finite and > 0) and the tail percentile of its per-timestamp P&L.
#[derive(Debug, Clone, Copy)]
pub struct Trades<'a> {
    /// The trades.
    pub log: &'a TradeLog,
    /// Capital the exposures are divided by.
    pub capital: f64,
    /// Tail percentile in [0, 100] ([`DEFAULT_TAIL_PERCENTILE`]).
    pub tail_percentile: f64,
}

/// The operations summary of a returns series (and optionally a trade log).
#[derive(Debug, Clone, PartialEq)]
pub struct OperationsSummary {
    /// Every returns metric.
    pub summary: Summary,
    /// The trade log's nine exposure metrics (when a trade log was given).
    pub guardrails: Option<ExposureMetrics>,
    /// Each symbol's share of the trade log's summed P&L (when a trade log
    /// was given; [`attribution::by_symbol`] over its `pnl` column).
    pub attribution: Option<Vec<SymbolAttribution>>,
    /// The alerts that fired, in the seed's order.
    pub triggered: Vec<String>,
    /// The options the summary used.
    pub options: SummaryOptions,
}

/// The `ops_summary.json` document: the seed's `risk`, `guardrails` and
/// `triggered`, plus every metric, the conventions and the reason of each
/// `null` (JSON has no NaN or infinity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationsDocument {
    /// The seed's 17 risk keys (+ 9 benchmark keys with a benchmark).
    pub risk: BTreeMap<String, Option<f64>>,
    /// Every metric of [`Summary::metrics`].
    pub metrics: BTreeMap<String, Option<f64>>,
    /// The nine exposure metrics (only with a trade log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardrails: Option<BTreeMap<String, Option<f64>>>,
    /// P&L attribution by symbol of the trade log, largest P&L first (only
    /// with a trade log; every value finite: the log's P&L is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Vec<SymbolAttribution>>,
    /// Alerts that fired.
    pub triggered: Vec<String>,
    /// `section.key` → why the value is null.
    pub non_finite: BTreeMap<String, String>,
    /// The conventions used.
    pub conventions: Conventions,
}

/// The conventions a summary was computed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conventions {
    /// Sampling period.
    pub period: String,
    /// Periods per year.
    pub annualization: f64,
    /// Per-period risk-free rate.
    pub risk_free: f64,
    /// Degrees of freedom of standard deviations.
    pub ddof: u8,
    /// NaN policy.
    pub nan_policy: String,
    /// Tail probability of VaR / CVaR.
    pub cutoff: f64,
}

/// Why a value is not finite, in words (the `non_finite` entries of the
/// document and the report's "n/a" cells).
pub fn non_finite_reason(x: f64) -> &'static str {
    if x.is_nan() {
        "nan: undefined (e.g. fewer than 2 values, or 0/0)"
    } else if x > 0.0 {
        "+inf: division by zero (e.g. no losses or zero variance)"
    } else {
        "-inf: division by zero"
    }
}

impl OperationsSummary {
    /// Computes the summary and its alerts. Thresholds that need a trade log
    /// (gross exposure, turnover, tail frequency, symbol exposure) without
    /// one are an error naming `trades`, never a silently missing alert.
    pub fn compute(
        returns: &[f64],
        benchmark: Option<&[f64]>,
        trades: Option<Trades<'_>>,
        thresholds: &OperationsThresholds,
        options: &SummaryOptions,
    ) -> Result<Self> {
        thresholds.validate()?;
        if trades.is_none() && thresholds.needs_trades() {
            return Err(tradewarden_guardrails::Error::InvalidInput {
                param: "trades",
                value: "none".into(),
                reason: "the thresholds max_gross_exposure, max_turnover, \
                         max_tail_frequency and max_symbol_exposure need a trade log"
                    .into(),
            });
        }
        let summary = Summary::compute(returns, benchmark, options)?;
        let guardrails = match trades {
            Some(t) => Some(exposure_metrics(t.log, t.capital, t.tail_percentile)?),
            None => None,
        };
        let attribution = match trades {
            Some(t) => Some(attribution::by_symbol(&t.log.symbol, &t.log.pnl)?),
            None => None,
        };
        let triggered = thresholds.triggered(&summary, guardrails.as_ref());
        Ok(OperationsSummary {
            summary,
            guardrails,
            attribution,
            triggered,
            options: *options,
        })
    }

    /// The JSON document (`ops_summary.json`).
    pub fn document(&self) -> OperationsDocument {
        let mut non_finite = BTreeMap::new();
        let mut section = |name: &str, items: Vec<(&str, f64)>| {
            items
                .into_iter()
                .map(|(k, v)| {
                    let value = if v.is_finite() {
                        Some(v)
                    } else {
                        non_finite.insert(format!("{name}.{k}"), non_finite_reason(v).to_string());
                        None
                    };
                    (k.to_string(), value)
                })
                .collect::<BTreeMap<_, _>>()
        };
        let risk = section("risk", self.summary.operations_keys().into_iter().collect());
        let metrics = section("metrics", self.summary.metrics());
        let guardrails = self
            .guardrails
            .map(|m| section("guardrails", exposure_items(&m)));
        let o = &self.options.returns;
        OperationsDocument {
            risk,
            metrics,
            guardrails,
            attribution: self.attribution.clone(),
            triggered: self.triggered.clone(),
            non_finite,
            conventions: Conventions {
                period: o.period.to_string(),
                annualization: o.period.annualization(),
                risk_free: o.risk_free,
                ddof: o.ddof,
                nan_policy: o.nan_policy.to_string(),
                cutoff: self.options.cutoff,
            },
        }
    }
}

/// The nine exposure metrics under the seed's keys.
fn exposure_items(m: &ExposureMetrics) -> Vec<(&'static str, f64)> {
    vec![
        ("gross_exposure_peak", m.gross_exposure_peak),
        ("gross_exposure_mean", m.gross_exposure_mean),
        ("net_exposure_mean", m.net_exposure_mean),
        ("net_exposure_peak", m.net_exposure_peak),
        ("turnover_rate", m.turnover_rate),
        ("tail_return_quantile", m.tail_return_quantile),
        ("tail_return_mean", m.tail_return_mean),
        ("tail_event_frequency", m.tail_event_frequency),
        ("max_symbol_exposure", m.max_symbol_exposure),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t2_log() -> TradeLog {
        TradeLog::new(
            &[1, 2, 3, 4, 5],
            &["AAA", "AAA", "BBB", "BBB", "BBB"],
            None,
            Some(&[100.0, -80.0, 120.0, -90.0, 140.0]),
            Some(&[10.0, 10.5, 9.5, 9.8, 10.2]),
            &[200.0, -260.0, 150.0, -220.0, 175.0],
        )
        .unwrap()
    }

    const T2_RETURNS: [f64; 5] = [0.02, -0.03, 0.015, -0.025, 0.01];

    fn t2_thresholds() -> OperationsThresholds {
        OperationsThresholds {
            min_sharpe: Some(1.5),
            max_drawdown: Some(0.01),
            max_gross_exposure: Some(0.4),
            max_turnover: Some(0.05),
            min_tail_return: Some(-150.0),
            max_tail_frequency: Some(0.1),
            max_symbol_exposure: Some(0.5),
        }
    }

    #[test]
    fn seed_t2_all_seven_alerts_fire_in_the_seeds_order() {
        let log = t2_log();
        let trades = Trades {
            log: &log,
            capital: 1000.0,
            tail_percentile: DEFAULT_TAIL_PERCENTILE,
        };
        let s = OperationsSummary::compute(
            &T2_RETURNS,
            None,
            Some(trades),
            &t2_thresholds(),
            &SummaryOptions::default(),
        )
        .unwrap();
        let what: Vec<&str> = s
            .triggered
            .iter()
            .map(|t| t.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            what,
            [
                "Sharpe", "Max", "Gross", "Turnover", "Tail", "Tail", "Symbol"
            ]
        );
        assert_eq!(s.triggered[3], "Turnover 1.630 exceeded limit 0.050");
        assert_eq!(s.triggered[4], "Tail return -252.000 below floor -150.000");
        assert_eq!(
            s.triggered[5],
            "Tail event frequency 0.200 exceeded limit 0.100"
        );
        assert_eq!(s.triggered[6], "Symbol exposure 1.428 exceeded limit 0.500");
        // the seed's drawdown on additive equity is −0.0392156; ours
        // compounds: trough 1.02·0.97·1.015·0.975 over the peak 1.02
        let compounded = 0.97 * 1.015 * 0.975 - 1.0;
        assert!((s.summary.max_drawdown - compounded).abs() < 1e-12);
        assert_eq!(s.triggered[1], "Max drawdown 0.040 exceeded limit 0.010");
        let doc = s.document();
        let g = doc.guardrails.as_ref().unwrap();
        assert_eq!(g.len(), 9);
        assert!((g["gross_exposure_peak"].unwrap() - 1.428).abs() < 1e-12);
        assert_eq!(doc.risk.len(), 17);
        // attribution of the log's P&L by symbol: AAA 200 − 260 = −60, BBB 105; total 45
        let a = doc.attribution.as_ref().unwrap();
        assert_eq!((a[0].symbol.as_str(), a[1].symbol.as_str()), ("BBB", "AAA"));
        assert_eq!((a[0].samples, a[0].cumulative_return), (3, 105.0));
        assert!((a[0].contribution - 105.0 / 45.0).abs() < 1e-12);
        assert!((a[1].contribution + 60.0 / 45.0).abs() < 1e-12);
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["attribution"][1]["symbol"], "AAA");
    }

    #[test]
    fn no_alert_at_the_limits_strict_comparisons() {
        let log = t2_log();
        let trades = Trades {
            log: &log,
            capital: 1000.0,
            tail_percentile: DEFAULT_TAIL_PERCENTILE,
        };
        let m = exposure_metrics(&log, 1000.0, 5.0).unwrap();
        let t = OperationsThresholds {
            max_gross_exposure: Some(m.gross_exposure_peak),
            max_turnover: Some(m.turnover_rate),
            min_tail_return: Some(m.tail_return_quantile),
            max_tail_frequency: Some(m.tail_event_frequency),
            max_symbol_exposure: Some(m.max_symbol_exposure),
            ..Default::default()
        };
        let s = OperationsSummary::compute(
            &T2_RETURNS,
            None,
            Some(trades),
            &t,
            &SummaryOptions::default(),
        )
        .unwrap();
        assert!(s.triggered.is_empty(), "{:?}", s.triggered);
    }

    #[test]
    fn without_trades_the_tail_floor_is_the_returns_var_and_exposure_limits_are_refused() {
        let t = OperationsThresholds {
            min_tail_return: Some(-0.01),
            ..Default::default()
        };
        let s = OperationsSummary::compute(&T2_RETURNS, None, None, &t, &SummaryOptions::default())
            .unwrap();
        assert_eq!(s.triggered.len(), 1);
        assert!(
            s.triggered[0].starts_with("Tail return -0.0"),
            "{:?}",
            s.triggered
        );
        assert!(s.document().guardrails.is_none());
        let e = OperationsSummary::compute(
            &T2_RETURNS,
            None,
            None,
            &t2_thresholds(),
            &SummaryOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("trades"), "{e}");
    }

    #[test]
    fn every_bad_threshold_is_named() {
        let t = OperationsThresholds {
            min_sharpe: Some(f64::NAN),
            max_drawdown: Some(1.5),
            max_gross_exposure: Some(-1.0),
            max_turnover: Some(f64::INFINITY),
            min_tail_return: Some(0.1),
            max_tail_frequency: Some(2.0),
            max_symbol_exposure: Some(-0.5),
        };
        let e = t.validate().unwrap_err().to_string();
        for name in [
            "min_sharpe",
            "max_drawdown",
            "max_gross_exposure",
            "max_turnover",
            "min_tail_return",
            "max_tail_frequency",
            "max_symbol_exposure",
        ] {
            assert!(e.contains(name), "{name} not in {e}");
        }
    }
}
