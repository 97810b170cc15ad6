//! Conventions as explicit parameters: annualisation, NaN handling, ddof.
//!
//! Defaults follow empyrical (empyrical-reloaded 0.7): daily data, 252
//! periods a year, zero risk-free rate, `ddof = 1`. See `docs/conventions.md`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Sampling period of a returns series, which fixes the annualisation factor.
///
/// Factors are empyrical's: daily 252, weekly 52, monthly 12, quarterly 4,
/// yearly 1. `Custom(f)` sets the factor explicitly (e.g. 365 for crypto,
/// 252·6.5·60 for minute bars); it must be finite and > 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// 252 periods a year.
    #[default]
    Daily,
    /// 52 periods a year.
    Weekly,
    /// 12 periods a year.
    Monthly,
    /// 4 periods a year.
    Quarterly,
    /// 1 period a year.
    Yearly,
    /// An explicit number of periods per year.
    Custom(f64),
}

impl Period {
    /// Periods per year.
    pub fn annualization(self) -> f64 {
        match self {
            Period::Daily => 252.0,
            Period::Weekly => 52.0,
            Period::Monthly => 12.0,
            Period::Quarterly => 4.0,
            Period::Yearly => 1.0,
            Period::Custom(f) => f,
        }
    }

    /// Checked annualisation factor: finite and > 0.
    pub fn checked_annualization(self) -> Result<f64> {
        let f = self.annualization();
        if f.is_finite() && f > 0.0 {
            Ok(f)
        } else {
            Err(Error::invalid(
                "annualization",
                f,
                "must be finite and > 0 (periods per year)",
            ))
        }
    }

    /// The canonical names [`Period::from_name`] accepts (it also takes
    /// any case and `annual`/`annually` for `yearly`).
    pub const NAMES: &'static [&'static str] =
        &["daily", "weekly", "monthly", "quarterly", "yearly"];

    /// Parses empyrical's period names (`daily`, `weekly`, `monthly`,
    /// `quarterly`, `yearly`).
    pub fn from_name(name: &str) -> Result<Period> {
        match name.to_ascii_lowercase().as_str() {
            "daily" => Ok(Period::Daily),
            "weekly" => Ok(Period::Weekly),
            "monthly" => Ok(Period::Monthly),
            "quarterly" => Ok(Period::Quarterly),
            "yearly" | "annual" | "annually" => Ok(Period::Yearly),
            _ => Err(Error::invalid(
                "period",
                name,
                "expected one of daily, weekly, monthly, quarterly, yearly",
            )),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Daily => f.write_str("daily"),
            Period::Weekly => f.write_str("weekly"),
            Period::Monthly => f.write_str("monthly"),
            Period::Quarterly => f.write_str("quarterly"),
            Period::Yearly => f.write_str("yearly"),
            Period::Custom(x) => write!(f, "custom({x})"),
        }
    }
}

/// What to do with NaN in an input series.
///
/// ±inf is always rejected under `Error`; under `Skip` and `Propagate` it
/// flows into the arithmetic like numpy would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NanPolicy {
    /// Reject the input with [`Error::NonFinite`] naming the position (default).
    #[default]
    #[serde(alias = "raise")]
    Error,
    /// Ignore NaN as empyrical's `nanmean`/`nanstd` do (compounding treats a
    /// NaN return as 0; `annual_return` still counts it in n, as empyrical).
    #[serde(alias = "omit")]
    Skip,
    /// Any NaN makes the result NaN.
    Propagate,
}

// Names of every door (Python keyword, C, CLI, config files): scipy's
// 'raise'/'omit' are aliases of 'error'/'skip'.
crate::named_enum!(
    NanPolicy,
    "nan_policy",
    [
        ("error", NanPolicy::Error),
        ("raise", NanPolicy::Error),
        ("skip", NanPolicy::Skip),
        ("omit", NanPolicy::Skip),
        ("propagate", NanPolicy::Propagate),
    ]
);

/// Shared options of the returns analytics.
///
/// ```
/// use tradewarden_core::{Period, ReturnsOptions};
/// let o = ReturnsOptions::default();
/// assert_eq!(o.period, Period::Daily);
/// assert_eq!(o.ddof, 1);
/// let weekly = ReturnsOptions { period: Period::Weekly, ..Default::default() };
/// assert_eq!(weekly.period.annualization(), 52.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReturnsOptions {
    /// Sampling period (annualisation factor).
    pub period: Period,
    /// Per-period risk-free rate subtracted before Sharpe/excess metrics (empyrical: 0).
    pub risk_free: f64,
    /// Per-period minimum acceptable return for Sortino / downside risk (empyrical: 0).
    pub required_return: f64,
    /// Delta degrees of freedom of standard deviations (empyrical: 1).
    pub ddof: u8,
    /// NaN handling.
    pub nan_policy: NanPolicy,
}

impl Default for ReturnsOptions {
    fn default() -> Self {
        ReturnsOptions {
            period: Period::Daily,
            risk_free: 0.0,
            required_return: 0.0,
            ddof: 1,
            nan_policy: NanPolicy::Error,
        }
    }
}

impl ReturnsOptions {
    /// empyrical-compatible options: as default but NaN skipped as numpy's nan-functions do.
    pub fn empyrical() -> Self {
        ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..Default::default()
        }
    }

    /// Builder: set the period.
    pub fn with_period(mut self, period: Period) -> Self {
        self.period = period;
        self
    }

    /// Builder: set the NaN policy.
    pub fn with_nan_policy(mut self, nan_policy: NanPolicy) -> Self {
        self.nan_policy = nan_policy;
        self
    }

    /// Validates every field; reports the first violation.
    pub fn validate(&self) -> Result<f64> {
        let ann = self.period.checked_annualization()?;
        if !self.risk_free.is_finite() {
            return Err(Error::invalid(
                "risk_free",
                self.risk_free,
                "must be finite",
            ));
        }
        if !self.required_return.is_finite() {
            return Err(Error::invalid(
                "required_return",
                self.required_return,
                "must be finite",
            ));
        }
        if self.ddof > 1 {
            return Err(Error::invalid("ddof", self.ddof, "must be 0 or 1"));
        }
        Ok(ann)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        assert_eq!(Period::Daily.annualization(), 252.0);
        assert_eq!(Period::Weekly.annualization(), 52.0);
        assert_eq!(Period::Monthly.annualization(), 12.0);
        assert_eq!(Period::Quarterly.annualization(), 4.0);
        assert_eq!(Period::Yearly.annualization(), 1.0);
        assert_eq!(Period::from_name("Weekly").ok(), Some(Period::Weekly));
        assert!(Period::from_name("hourly").is_err());
    }

    #[test]
    fn bad_annualization_is_typed_error() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = Period::Custom(bad).checked_annualization().unwrap_err();
            assert!(e.to_string().contains("annualization"), "{e}");
        }
        let o = ReturnsOptions {
            ddof: 2,
            ..Default::default()
        };
        assert!(o.validate().unwrap_err().to_string().contains("ddof"));
    }

    #[test]
    fn options_deny_unknown_fields() {
        let ok: ReturnsOptions = serde_json::from_str(r#"{"period":"weekly"}"#).unwrap();
        assert_eq!(ok.period, Period::Weekly);
        let err = serde_json::from_str::<ReturnsOptions>(r#"{"periods":"weekly"}"#).unwrap_err();
        assert!(err.to_string().contains("periods"));
    }
}
