//! `tradewarden report`: the operations summary of a returns series
//! (`ops_summary.json`, `tradewarden::ops`) and its self-contained HTML report
//! (`report.html`), both from one library call (`tradewarden::report::html_report`);
//! `--drift-report` and `--journal` add the page's drift and guardrail-events
//! sections.

use std::path::{Path, PathBuf};

use clap::Args;
use tradewarden::core::returns::{self, SummaryOptions};
use tradewarden::core::{NanPolicy, Period, ReturnsOptions, config, io};
use tradewarden::drift::report::DriftReport;
use tradewarden::guardrails::exposure::{TradeLog, TradeLogColumns};
use tradewarden::ops::{OperationsThresholds, Trades};
use tradewarden::report::{Dates, HtmlReport, JournalEvents, ReportInput, html_report};

use crate::{Failure, default_out, emit, io_failure, json_text};

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
    /// Sampling period.
    #[arg(long, default_value = "daily", value_parser = period_choice())]
    period: Period,
    /// Explicit periods per year (overrides --period).
    #[arg(long)]
    annualization: Option<f64>,
    /// Per-period risk-free rate.
    #[arg(long, default_value_t = 0.0)]
    risk_free: f64,
    /// NaN handling: error, skip (as empyrical) or propagate.
    #[arg(long, default_value = "error", value_parser = super::named::<NanPolicy>())]
    nan_policy: NanPolicy,
    /// Alert thresholds (TOML, YAML or JSON; the seven fields of the seed's
    /// `OperationsThresholds`, see docs/cli.md).
    #[arg(long)]
    thresholds: Option<PathBuf>,
    /// Trade log (Parquet or CSV; columns timestamp, symbol, notional — or
    /// position and price — and pnl): adds the nine exposure metrics and
    /// their alerts.
    #[arg(long)]
    trades: Option<PathBuf>,
    /// Capital the trade log's exposures are divided by.
    #[arg(long, default_value_t = 1.0)]
    capital: f64,
    /// Tail percentile (0–100) of the trade log's per-timestamp P&L.
    #[arg(long, default_value_t = tradewarden::ops::DEFAULT_TAIL_PERCENTILE)]
    tail_percentile: f64,
    /// A drift report (the document `tradewarden drift report --json`
    /// prints, validated): adds the drift section to report.html.
    #[arg(long)]
    drift_report: Option<PathBuf>,
    /// A guardrail journal directory (`journal.jsonl` and its rotations):
    /// adds the guardrail-events section (decision counts, transitions,
    /// violations, overrides, approvals, repairs).
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(long, default_value_os_t = default_out("tradewarden-report"))]
    out: PathBuf,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `--period`: the library's period names (`Period::from_name`).
fn period_choice() -> super::Choice<Period> {
    super::Choice::new(
        || {
            Period::NAMES
                .iter()
                .map(|n| clap::builder::PossibleValue::new(*n))
                .collect()
        },
        |s| Period::from_name(s).map_err(|e| e.to_string()),
    )
}

/// A returns (or prices) column and the file's dates.
fn read_series(
    path: &Path,
    column: Option<&str>,
    prices: bool,
) -> Result<(Vec<f64>, Dates), Failure> {
    let batches = io::read_table(path)?;
    let v = io::column_from_batches(&batches, column)?;
    let mut dates = Dates::Missing(format!(
        "no date or timestamp column in {}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    if let Some(io::TimeColumn {
        name,
        seconds: ts,
        nulls,
    }) = io::time_column(&batches)
    {
        dates = if nulls > 0 {
            Dates::Missing(format!("date column {name:?} has {nulls} empty value(s)"))
        } else if ts.len() != v.len() {
            Dates::Missing(format!(
                "date column {name:?} has {} values for {} returns",
                ts.len(),
                v.len()
            ))
        } else {
            Dates::Column { name, ts }
        };
    }
    if prices {
        let r = returns::simple_returns(&v)?;
        // the return of row i ends at row i + 1
        if let Dates::Column { ts, .. } = &mut dates
            && !ts.is_empty()
        {
            ts.remove(0);
        }
        Ok((r, dates))
    } else {
        Ok((v, dates))
    }
}

pub(crate) fn run(a: ReportArgs) -> Result<(), Failure> {
    let period = match a.annualization {
        Some(x) => Period::Custom(x),
        None => a.period,
    };
    let opts = ReturnsOptions {
        period,
        risk_free: a.risk_free,
        nan_policy: a.nan_policy,
        ..Default::default()
    };
    opts.validate()?;
    let thresholds: Option<OperationsThresholds> = match &a.thresholds {
        Some(p) => Some(config::load_config(p)?),
        None => None,
    };
    let (r, dates) = read_series(&a.returns, a.column.as_deref(), a.prices)?;
    let b = match &a.benchmark {
        Some(p) => Some(read_series(p, a.benchmark_column.as_deref(), a.prices)?.0),
        None => None,
    };
    let log = match &a.trades {
        Some(p) => Some(TradeLog::from_batches(
            &io::read_table(p)?,
            &TradeLogColumns::default(),
        )?),
        None => None,
    };
    let drift = match &a.drift_report {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| super::unreadable(p, e))?;
            Some(DriftReport::from_json(&text).map_err(|e| Failure::from(e).about(p.display()))?)
        }
        None => None,
    };
    let journal = match &a.journal {
        Some(dir) => Some(JournalEvents::read(dir)?),
        None => None,
    };
    let HtmlReport { ops, html: page } = html_report(&ReportInput {
        name: &file_label(&a.returns),
        benchmark_name: a.benchmark.as_deref().map(file_label).as_deref(),
        returns: &r,
        benchmark: b.as_deref(),
        dates: &dates,
        trades: log.as_ref().map(|log| Trades {
            log,
            capital: a.capital,
            tail_percentile: a.tail_percentile,
        }),
        thresholds: thresholds.as_ref(),
        options: &SummaryOptions {
            returns: opts,
            ..Default::default()
        },
        drift: drift.as_ref(),
        journal: journal.as_ref().map(|(entries, unreadable)| JournalEvents {
            entries,
            unreadable: *unreadable,
        }),
    })?;
    let s = &ops.summary;
    let doc = ops.document();
    std::fs::create_dir_all(&a.out).map_err(|e| io_failure(&a.out, e))?;
    let path = a.out.join("ops_summary.json");
    tradewarden::core::fs::write_atomic(&path, json_text(&doc)?.as_bytes())?;
    let html_path = a.out.join("report.html");
    tradewarden::core::fs::write_atomic(&html_path, page.as_bytes())?;
    emit(a.json, &doc, || {
        println!(
            "{} returns, {} NaN skipped → {}, {}",
            s.n,
            s.n_nan,
            path.display(),
            html_path.display()
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
        for t in &doc.triggered {
            println!("  ALERT: {t}");
        }
    })
}

// ---------------------------------------------------------------- report.html

fn file_label(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
