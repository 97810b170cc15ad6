//! `tradewarden report`: the operations summary of a returns series.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tradewarden::core::returns::{self, Summary, SummaryOptions};
use tradewarden::core::{NanPolicy, Period, ReturnsOptions, config, io};

use crate::{Failure, default_out, io_failure};

/// Arguments of `tradewarden report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Parquet (.parquet, .pq) or CSV (.csv) file holding the returns.
    #[arg(long)]
    returns: PathBuf,
    /// Column to read (default: the only floating-point column).
    #[arg(long)]
    column: Option<String>,
    /// The file holds prices, not returns: returns are p_t / p_{t-1} − 1.
    #[arg(long)]
    prices: bool,
    /// Benchmark returns (same row count, same format rules).
    #[arg(long)]
    benchmark: Option<PathBuf>,
    /// Column of the benchmark file.
    #[arg(long)]
    benchmark_column: Option<String>,
    /// Sampling period: daily, weekly, monthly, quarterly, yearly.
    #[arg(long, default_value = "daily")]
    period: String,
    /// Explicit periods per year (overrides --period).
    #[arg(long)]
    annualization: Option<f64>,
    /// Per-period risk-free rate.
    #[arg(long, default_value_t = 0.0)]
    risk_free: f64,
    /// NaN handling: error, skip (as empyrical) or propagate.
    #[arg(long, default_value = "error")]
    nan_policy: String,
    /// Alert thresholds (TOML, YAML or JSON; see docs/cli.md).
    #[arg(long)]
    thresholds: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(long, default_value_os_t = default_out("tradewarden-report"))]
    out: PathBuf,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Alert thresholds of the operations summary (Market NN Plus Ultra's
/// `OperationsThresholds`, those that apply to a returns series).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Thresholds {
    /// Alert when the Sharpe ratio is below.
    min_sharpe: Option<f64>,
    /// Alert when |max drawdown| exceeds (a positive fraction, e.g. 0.10).
    max_drawdown: Option<f64>,
    /// Alert when the 5 % historical VaR is below (a negative return, e.g. −0.03).
    min_tail_return: Option<f64>,
}

impl Thresholds {
    fn validate(&self) -> Result<(), Failure> {
        let mut v = config::Validator::new();
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
        if let Some(x) = self.min_tail_return {
            v.check(
                x.is_finite() && x < 0.0,
                "min_tail_return",
                x,
                "must be a negative return",
            );
        }
        Ok(v.finish()?)
    }

    /// Alert strings, in the seed's format ("<what> <value> <verb> <limit>", 3 decimals).
    fn triggered(&self, s: &Summary) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(min) = self.min_sharpe
            && s.sharpe_ratio.is_finite()
            && s.sharpe_ratio < min
        {
            out.push(format!(
                "Sharpe ratio {:.3} below minimum {:.3}",
                s.sharpe_ratio, min
            ));
        }
        if let Some(max) = self.max_drawdown
            && s.max_drawdown.abs() > max
        {
            out.push(format!(
                "Max drawdown {:.3} exceeded limit {:.3}",
                s.max_drawdown.abs(),
                max
            ));
        }
        if let Some(min) = self.min_tail_return
            && s.value_at_risk < min
        {
            out.push(format!(
                "Tail return {:.3} below floor {:.3}",
                s.value_at_risk, min
            ));
        }
        out
    }
}

fn nan_policy(s: &str) -> Result<NanPolicy, Failure> {
    match s {
        "error" | "raise" => Ok(NanPolicy::Error),
        "skip" | "omit" => Ok(NanPolicy::Skip),
        "propagate" => Ok(NanPolicy::Propagate),
        other => Err(Failure {
            code: 3,
            message: format!("invalid --nan-policy {other:?}: expected error, skip or propagate"),
        }),
    }
}

fn read_series(path: &Path, column: Option<&str>, prices: bool) -> Result<Vec<f64>, Failure> {
    let v = io::read_returns(path, column)?;
    Ok(if prices {
        returns::simple_returns(&v)?
    } else {
        v
    })
}

/// A JSON number, or null with the reason recorded (JSON has no NaN/inf).
pub(crate) fn finite(key: &str, x: f64, reasons: &mut BTreeMap<String, String>) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        let why = if x.is_nan() {
            "nan: undefined (e.g. fewer than 2 values, or 0/0)"
        } else if x > 0.0 {
            "+inf: division by zero (e.g. no losses or zero variance)"
        } else {
            "-inf: division by zero"
        };
        reasons.insert(key.to_string(), why.to_string());
        Value::Null
    }
}

/// The operations summary document: Market NN Plus Ultra's structure
/// (`risk`, `triggered`) plus every metric, the conventions and the reasons
/// for null values. Always valid JSON.
pub(crate) fn ops_summary(s: &Summary, opts: &ReturnsOptions, triggered: &[String]) -> Value {
    let mut reasons = BTreeMap::new();
    let mut risk = Map::new();
    for (k, v) in s.operations_keys() {
        risk.insert(k.to_string(), finite(&format!("risk.{k}"), v, &mut reasons));
    }
    let mut metrics = Map::new();
    for (k, v) in s.metrics() {
        metrics.insert(
            k.to_string(),
            finite(&format!("metrics.{k}"), v, &mut reasons),
        );
    }
    json!({
        "risk": risk,
        "metrics": metrics,
        "triggered": triggered,
        "non_finite": reasons,
        "conventions": {
            "period": opts.period.to_string(),
            "annualization": opts.period.annualization(),
            "risk_free": opts.risk_free,
            "ddof": opts.ddof,
            "nan_policy": format!("{:?}", opts.nan_policy).to_lowercase(),
        },
    })
}

pub(crate) fn run(a: ReportArgs) -> Result<(), Failure> {
    let period = match a.annualization {
        Some(x) => Period::Custom(x),
        None => Period::from_name(&a.period)?,
    };
    let opts = ReturnsOptions {
        period,
        risk_free: a.risk_free,
        nan_policy: nan_policy(&a.nan_policy)?,
        ..Default::default()
    };
    opts.validate()?;
    let thresholds: Thresholds = match &a.thresholds {
        Some(p) => config::load_config(p)?,
        None => Thresholds::default(),
    };
    thresholds.validate()?;
    let r = read_series(&a.returns, a.column.as_deref(), a.prices)?;
    let b = match &a.benchmark {
        Some(p) => Some(read_series(p, a.benchmark_column.as_deref(), a.prices)?),
        None => None,
    };
    let s = Summary::compute(
        &r,
        b.as_deref(),
        &SummaryOptions {
            returns: opts,
            ..Default::default()
        },
    )?;
    let triggered = thresholds.triggered(&s);
    let doc = ops_summary(&s, &opts, &triggered);
    std::fs::create_dir_all(&a.out).map_err(|e| io_failure(&a.out, e))?;
    let path = a.out.join("ops_summary.json");
    let text = serde_json::to_string_pretty(&doc).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })?;
    tradewarden::core::fs::write_atomic(&path, text.as_bytes())?;
    if a.json {
        println!("{text}");
    } else {
        println!(
            "{} returns, {} NaN skipped → {}",
            s.n,
            s.n_nan,
            path.display()
        );
        for k in [
            "sharpe",
            "sortino",
            "max_drawdown",
            "annualised_return",
            "volatility",
            "calmar",
        ] {
            if let Some(v) = s.operations_keys().get(k) {
                println!("  {k:<20} {v:>12.4}");
            }
        }
        for t in &triggered {
            println!("  ALERT: {t}");
        }
    }
    Ok(())
}
