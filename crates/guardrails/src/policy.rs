//! The policy document: pre-trade limits, period limits, exposure policy.
//!
//! One document (TOML, YAML or JSON, `deny_unknown_fields`), validated as a
//! whole by [`Policy::validate`]: every violation is reported at once.
//!
//! Units: every ratio is a **fraction** (0.003 = 0.3 %); losses and
//! drawdowns are positive magnitudes; times are seconds; money is in the
//! account currency.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tradewarden_core::config::{ConfigFormat, Validator, load_config, parse_config};

use crate::error::Result;

/// What to do with an order that exceeds a size limit but could be reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Oversize {
    /// Reduce the quantity to the largest that passes (the default).
    #[default]
    Clip,
    /// Deny the order.
    Deny,
}

/// Token-bucket order-rate throttle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained orders per second (refill rate).
    pub orders_per_second: f64,
    /// Bucket capacity (largest burst).
    pub burst: f64,
}

/// Per-order checks (NautilusTrader / Autotrader RiskManager). `None` disables a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PreTradeLimits {
    /// Largest |quantity × price| of one order.
    pub max_order_notional: Option<f64>,
    /// Smallest |quantity × price| of one order (dust orders are denied);
    /// checked after every clip. Per-symbol overrides in `symbols`.
    pub min_order_notional: Option<f64>,
    /// Largest |quantity × price| of one order as a fraction of account
    /// equity, in (0, 1].
    pub max_order_equity_fraction: Option<f64>,
    /// Largest |quantity| of one order.
    pub max_order_quantity: Option<f64>,
    /// Largest |position| (units) per symbol after the order; per-symbol overrides in `symbols`.
    pub max_position_quantity: Option<f64>,
    /// Largest |position × price| per symbol after the order.
    pub max_position_notional: Option<f64>,
    /// Largest gross exposure ÷ equity after the order.
    pub max_gross_leverage: Option<f64>,
    /// Largest |net exposure| ÷ equity after the order.
    pub max_net_leverage: Option<f64>,
    /// Largest |price − reference| ÷ reference.
    pub price_band_ratio: Option<f64>,
    /// Largest age (s) of the reference price / market data.
    pub max_data_age_s: Option<f64>,
    /// Smallest model confidence an order may carry.
    pub min_confidence: Option<f64>,
    /// Order-rate throttle.
    pub rate_limit: Option<RateLimit>,
    /// Clip or deny oversized orders.
    pub oversize: Oversize,
    /// Opt out of failing closed on a missing (NaN) `data_timestamp`: by
    /// default an order without one is denied `stale_data` while
    /// `max_data_age_s` is set; `true` skips the staleness rule for it.
    pub allow_missing_data_timestamp: bool,
    /// Opt out of failing closed on a missing (NaN) `reference_price`: by
    /// default an order without one is denied `price_band` while
    /// `price_band_ratio` is set; `true` skips the band for it.
    pub allow_missing_reference_price: bool,
}

impl Default for PreTradeLimits {
    fn default() -> Self {
        PreTradeLimits {
            max_order_notional: None,
            min_order_notional: None,
            max_order_equity_fraction: None,
            max_order_quantity: None,
            max_position_quantity: None,
            max_position_notional: None,
            max_gross_leverage: None,
            max_net_leverage: None,
            price_band_ratio: None,
            max_data_age_s: Some(5.0),
            min_confidence: None,
            rate_limit: None,
            oversize: Oversize::Clip,
            allow_missing_data_timestamp: false,
            allow_missing_reference_price: false,
        }
    }
}

/// A registered symbol with its optional overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SymbolSpec {
    /// Overrides `pre_trade.max_position_quantity`.
    pub max_position_quantity: Option<f64>,
    /// Overrides `pre_trade.max_order_notional`.
    pub max_order_notional: Option<f64>,
    /// Overrides `pre_trade.min_order_notional`.
    pub min_order_notional: Option<f64>,
    /// Sector (for exposure sector caps).
    pub sector: Option<String>,
    /// Disabled symbols are denied (`symbol_disabled`).
    pub disabled: bool,
}

/// Warning and critical levels of one ceiling (a value above the level breaches).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ceiling {
    /// Warning level; must be ≤ `critical`.
    pub warning: f64,
    /// Critical level.
    pub critical: f64,
}

/// Warning and critical levels of one floor (a value below the level breaches).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    /// Warning level; must be ≥ `critical`.
    pub warning: f64,
    /// Critical level.
    pub critical: f64,
}

/// Period limits (Quant Bot runbook, Autotrader). Defaults are the runbook's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PeriodLimits {
    /// Hourly loss as a fraction of AUM (positive magnitude). Default 0.003 / 0.005.
    pub hourly_loss_ratio: Option<Ceiling>,
    /// Daily loss as a fraction of AUM. Default 0.01 / 0.02.
    pub daily_loss_ratio: Option<Ceiling>,
    /// Drawdown of mark-to-market equity from its high-water mark. Default 0.07 / 0.10.
    pub max_drawdown_ratio: Option<Ceiling>,
    /// Realised ÷ expected slippage. Default 2 / 3.
    pub slippage_ratio: Option<Ceiling>,
    /// Filled ÷ submitted orders. Default 0.95 / 0.90.
    pub fill_rate: Option<Floor>,
    /// Live precision of the model's directional calls (a fraction in [0, 1],
    /// the `model_precision_ratio` gauge; Quant Bot's levels are 0.55 / 0.50),
    /// not a ratio to a baseline (that is the canary gate's). Levels above 1
    /// are refused. Default none.
    pub model_precision_ratio: Option<Floor>,
    /// Mean model confidence. Default none.
    pub min_confidence: Option<Floor>,
    /// Age (s) of the newest market data. Default 60 / 300.
    pub data_age_s: Option<Ceiling>,
    /// What a configured limit whose observation is absent (`None`) does:
    /// `skip` (default: the field is simply not checked in this evaluation),
    /// `warning` (→ REDUCING) or `critical` (→ HALTED, fail closed: a feed
    /// that stops reporting P&L or data age halts trading).
    pub on_missing: OnMissing,
}

/// Handling of an absent period observation whose limit is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// Not checked.
    #[default]
    Skip,
    /// A warning breach (value NaN).
    Warning,
    /// A critical breach (value NaN).
    Critical,
}

impl Default for PeriodLimits {
    fn default() -> Self {
        PeriodLimits {
            hourly_loss_ratio: Some(Ceiling {
                warning: 0.003,
                critical: 0.005,
            }),
            daily_loss_ratio: Some(Ceiling {
                warning: 0.01,
                critical: 0.02,
            }),
            max_drawdown_ratio: Some(Ceiling {
                warning: 0.07,
                critical: 0.10,
            }),
            slippage_ratio: Some(Ceiling {
                warning: 2.0,
                critical: 3.0,
            }),
            fill_rate: Some(Floor {
                warning: 0.95,
                critical: 0.90,
            }),
            model_precision_ratio: None,
            min_confidence: None,
            data_age_s: Some(Ceiling {
                warning: 60.0,
                critical: 300.0,
            }),
            on_missing: OnMissing::Skip,
        }
    }
}

/// Exposure enforcement (Market NN Plus Ultra).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// Scale rows down to the limits, then record what still breaches.
    #[default]
    Clip,
    /// Record violations only.
    Warn,
}

/// Exposure policy over a trade log. A limit that is `None` or ≤ 0 is disabled (seed behaviour).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExposurePolicy {
    /// Whether the exposure policy is applied at all.
    pub enabled: bool,
    /// Capital the exposures are divided by; must be > 0.
    pub capital: f64,
    /// Ceiling on gross_exposure_peak.
    pub max_gross_exposure: Option<f64>,
    /// Ceiling on net_exposure_peak.
    pub max_net_exposure: Option<f64>,
    /// Ceiling on turnover_rate.
    pub max_turnover: Option<f64>,
    /// Floor on tail_return_quantile (a negative P&L).
    pub tail_floor: Option<f64>,
    /// Percentile (0–100) of the tail quantile. Default 5.
    pub tail_percentile: f64,
    /// Ceiling on tail_event_frequency (flagged, never clipped).
    pub max_tail_frequency: Option<f64>,
    /// Per-symbol ceilings on max |notional| ÷ capital.
    pub symbol_caps: BTreeMap<String, f64>,
    /// Per-sector ceilings.
    pub sector_caps: BTreeMap<String, f64>,
    /// Per-factor ceilings.
    pub factor_caps: BTreeMap<String, f64>,
    /// Clip or warn.
    pub enforcement: Enforcement,
    /// Relative tolerance of the post-clip violation check: a value breaches
    /// only when `value > limit · (1 + tolerance)` (floors: `value < floor − |floor|·tolerance`).
    /// Default 1e-9, so a clipped gross of 0.5000000000000001 is not a violation.
    pub tolerance: f64,
}

impl Default for ExposurePolicy {
    fn default() -> Self {
        ExposurePolicy {
            enabled: false,
            capital: 1.0,
            max_gross_exposure: None,
            max_net_exposure: None,
            max_turnover: None,
            tail_floor: None,
            tail_percentile: 5.0,
            max_tail_frequency: None,
            symbol_caps: BTreeMap::new(),
            sector_caps: BTreeMap::new(),
            factor_caps: BTreeMap::new(),
            enforcement: Enforcement::Clip,
            tolerance: 1e-9,
        }
    }
}

/// The whole policy document.
///
/// ```
/// use tradewarden_guardrails::Policy;
/// let p = Policy::from_toml(r#"
/// [pre_trade]
/// max_order_notional = 50000.0
/// max_gross_leverage = 2.0
/// [symbols.AAPL]
/// max_position_quantity = 1000.0
/// "#).unwrap();
/// assert_eq!(p.period.daily_loss_ratio.unwrap().critical, 0.02);
/// assert!(Policy::from_toml("[pre_trade]\nmax_order_notionl = 1.0").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Per-order checks.
    pub pre_trade: PreTradeLimits,
    /// Registered symbols (the hot path only knows these).
    pub symbols: BTreeMap<String, SymbolSpec>,
    /// Period limits.
    pub period: PeriodLimits,
    /// Exposure policy over trade logs.
    pub exposure: ExposurePolicy,
}

fn opt_positive(v: &mut Validator, field: &str, x: Option<f64>) {
    if let Some(x) = x {
        v.positive(field, x);
    }
}

/// `min < max` when both are set (a minimum at or above the maximum denies every order).
fn min_below_max(v: &mut Validator, field: &str, min: Option<f64>, max: Option<f64>) {
    if let (Some(lo), Some(hi)) = (min, max) {
        v.check(
            lo < hi,
            field,
            lo,
            format!("must be < max_order_notional ({hi})"),
        );
    }
}

fn ceiling(v: &mut Validator, field: &str, c: Option<Ceiling>, max: Option<f64>) {
    if let Some(c) = c {
        v.positive(format!("{field}.warning"), c.warning);
        v.positive(format!("{field}.critical"), c.critical);
        v.check(
            c.warning <= c.critical,
            format!("{field}.warning"),
            c.warning,
            format!("warning must not be looser than critical ({})", c.critical),
        );
        if let Some(m) = max {
            v.check(
                c.critical <= m,
                format!("{field}.critical"),
                c.critical,
                format!("must be <= {m}"),
            );
        }
    }
}

fn floor(v: &mut Validator, field: &str, f: Option<Floor>) {
    if let Some(f) = f {
        v.non_negative(format!("{field}.warning"), f.warning);
        v.non_negative(format!("{field}.critical"), f.critical);
        v.check(
            f.warning >= f.critical,
            format!("{field}.warning"),
            f.warning,
            format!("warning must not be looser than critical ({})", f.critical),
        );
    }
}

impl Policy {
    /// Parses and validates a policy in the given format.
    pub fn parse(text: &str, format: ConfigFormat) -> Result<Policy> {
        let p: Policy = parse_config(text, format)?;
        p.validate()?;
        Ok(p)
    }

    /// Parses and validates a TOML policy.
    pub fn from_toml(text: &str) -> Result<Policy> {
        Self::parse(text, ConfigFormat::Toml)
    }

    /// Loads and validates a policy file (format from the extension).
    pub fn load(path: impl AsRef<Path>) -> Result<Policy> {
        let p: Policy = load_config(path)?;
        p.validate()?;
        Ok(p)
    }

    /// Validates the whole document, reporting every violation at once.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        let t = &self.pre_trade;
        opt_positive(&mut v, "pre_trade.max_order_notional", t.max_order_notional);
        opt_positive(&mut v, "pre_trade.min_order_notional", t.min_order_notional);
        min_below_max(
            &mut v,
            "pre_trade.min_order_notional",
            t.min_order_notional,
            t.max_order_notional,
        );
        if let Some(f) = t.max_order_equity_fraction {
            v.check(
                f.is_finite() && f > 0.0 && f <= 1.0,
                "pre_trade.max_order_equity_fraction",
                f,
                "must be finite and in (0, 1]",
            );
        }
        opt_positive(&mut v, "pre_trade.max_order_quantity", t.max_order_quantity);
        opt_positive(
            &mut v,
            "pre_trade.max_position_quantity",
            t.max_position_quantity,
        );
        opt_positive(
            &mut v,
            "pre_trade.max_position_notional",
            t.max_position_notional,
        );
        opt_positive(&mut v, "pre_trade.max_gross_leverage", t.max_gross_leverage);
        opt_positive(&mut v, "pre_trade.max_net_leverage", t.max_net_leverage);
        opt_positive(&mut v, "pre_trade.price_band_ratio", t.price_band_ratio);
        opt_positive(&mut v, "pre_trade.max_data_age_s", t.max_data_age_s);
        if let Some(c) = t.min_confidence {
            v.in_range("pre_trade.min_confidence", c, 0.0, 1.0);
        }
        if let Some(r) = t.rate_limit {
            v.positive(
                "pre_trade.rate_limit.orders_per_second",
                r.orders_per_second,
            );
            v.check(
                r.burst.is_finite() && r.burst >= 1.0,
                "pre_trade.rate_limit.burst",
                r.burst,
                "must be finite and >= 1",
            );
        }
        for (name, s) in &self.symbols {
            v.check(
                !name.is_empty(),
                "symbols",
                "\"\"",
                "symbol names must be non-empty",
            );
            opt_positive(
                &mut v,
                &format!("symbols.{name}.max_position_quantity"),
                s.max_position_quantity,
            );
            opt_positive(
                &mut v,
                &format!("symbols.{name}.max_order_notional"),
                s.max_order_notional,
            );
            opt_positive(
                &mut v,
                &format!("symbols.{name}.min_order_notional"),
                s.min_order_notional,
            );
            // The effective pair for this symbol, when an override makes it differ
            // from the pre_trade pair (already checked above).
            if s.min_order_notional.is_some() || s.max_order_notional.is_some() {
                min_below_max(
                    &mut v,
                    &format!("symbols.{name}.min_order_notional"),
                    s.min_order_notional.or(t.min_order_notional),
                    s.max_order_notional.or(t.max_order_notional),
                );
            }
        }
        let p = &self.period;
        ceiling(
            &mut v,
            "period.hourly_loss_ratio",
            p.hourly_loss_ratio,
            Some(1.0),
        );
        ceiling(
            &mut v,
            "period.daily_loss_ratio",
            p.daily_loss_ratio,
            Some(1.0),
        );
        ceiling(
            &mut v,
            "period.max_drawdown_ratio",
            p.max_drawdown_ratio,
            Some(1.0),
        );
        ceiling(&mut v, "period.slippage_ratio", p.slippage_ratio, None);
        ceiling(&mut v, "period.data_age_s", p.data_age_s, None);
        floor(&mut v, "period.fill_rate", p.fill_rate);
        floor(
            &mut v,
            "period.model_precision_ratio",
            p.model_precision_ratio,
        );
        if let Some(f) = p.model_precision_ratio {
            for (field, x) in [("warning", f.warning), ("critical", f.critical)] {
                v.check(
                    x <= 1.0,
                    format!("period.model_precision_ratio.{field}"),
                    x,
                    "must be <= 1: live precision is a fraction, not a ratio to a baseline",
                );
            }
        }
        floor(&mut v, "period.min_confidence", p.min_confidence);
        let e = &self.exposure;
        v.positive("exposure.capital", e.capital);
        v.in_range("exposure.tail_percentile", e.tail_percentile, 0.0, 100.0);
        v.in_range("exposure.tolerance", e.tolerance, 0.0, 0.01);
        for (f, x) in [
            ("exposure.max_gross_exposure", e.max_gross_exposure),
            ("exposure.max_net_exposure", e.max_net_exposure),
            ("exposure.max_turnover", e.max_turnover),
            ("exposure.max_tail_frequency", e.max_tail_frequency),
        ] {
            if let Some(x) = x {
                v.non_negative(f, x);
            }
        }
        if let Some(x) = e.tail_floor {
            v.check(x.is_finite(), "exposure.tail_floor", x, "must be finite");
        }
        for (s, cap) in &e.symbol_caps {
            v.non_negative(format!("exposure.symbol_caps.{s}"), *cap);
            if !self.symbols.is_empty() {
                v.check(
                    self.symbols.contains_key(s),
                    format!("exposure.symbol_caps.{s}"),
                    s,
                    "unknown symbol: not registered in [symbols]",
                );
            }
        }
        let sectors: std::collections::BTreeSet<&str> = self
            .symbols
            .values()
            .filter_map(|s| s.sector.as_deref())
            .collect();
        for (s, cap) in &e.sector_caps {
            v.non_negative(format!("exposure.sector_caps.{s}"), *cap);
            if !sectors.is_empty() {
                v.check(
                    sectors.contains(s.as_str()),
                    format!("exposure.sector_caps.{s}"),
                    s,
                    "unknown sector: no registered symbol has it",
                );
            }
        }
        for (s, cap) in &e.factor_caps {
            v.non_negative(format!("exposure.factor_caps.{s}"), *cap);
        }
        v.finish()?;
        Ok(())
    }
}
