//! `tradewarden report`: the operations summary of a returns series
//! (`ops_summary.json`) and its self-contained HTML report (`report.html`,
//! drawn with the demo's chart code, `crate::cmd::demo::html`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;
use tradewarden::core::returns::bootstrap::{
    BootstrapOptions, MomentStatistic, Resampling, bootstrap_ci, bootstrap_moment_ci,
};
use tradewarden::core::returns::promotion::{PsrConvention, probabilistic_sharpe_ratio};
use tradewarden::core::returns::{self, Summary, SummaryOptions};
use tradewarden::core::{NanPolicy, Period, ReturnsOptions, config, io};
use tradewarden::guardrails::exposure::{TradeLog, TradeLogColumns};
use tradewarden::ops::{OperationsSummary, OperationsThresholds, Trades};

use crate::cmd::demo::html::{self, CiRow, XAxis, esc, na, num_or_na, pct};
use crate::{Failure, default_out, io_failure};

/// Window of the rolling Sharpe ratio in `report.html`, in periods (the
/// demo's 63: a quarter of trading days).
pub(crate) const ROLLING_WINDOW: usize = crate::cmd::demo::ROLL_WINDOW;
/// Seed of the stationary bootstrap (the demo's), so the same input gives the same bytes.
const BOOT_SEED: u64 = 7_531_441;
/// Stationary bootstrap: mean block length and number of resamples (the demo's).
const BOOT_MEAN_BLOCK: f64 = 5.0;
const BOOT_RESAMPLES: usize = 1000;

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

/// The dates of a series: a date/timestamp column (Unix seconds, UTC, one
/// per value), or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Dates {
    /// Timestamps read from the named column.
    Column { name: String, ts: Vec<i64> },
    /// No usable date column, and why.
    Missing(String),
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
    let thresholds: OperationsThresholds = match &a.thresholds {
        Some(p) => config::load_config(p)?,
        None => OperationsThresholds::default(),
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
    let ops = OperationsSummary::compute(
        &r,
        b.as_deref(),
        log.as_ref().map(|log| Trades {
            log,
            capital: a.capital,
            tail_percentile: a.tail_percentile,
        }),
        &thresholds,
        &SummaryOptions {
            returns: opts,
            ..Default::default()
        },
    )?;
    let s = &ops.summary;
    let triggered = &ops.triggered;
    let doc = serde_json::to_value(ops.document()).map_err(|e| Failure {
        code: crate::ExitStatus::Internal,
        message: e.to_string(),
    })?;
    std::fs::create_dir_all(&a.out).map_err(|e| io_failure(&a.out, e))?;
    let path = a.out.join("ops_summary.json");
    let text = serde_json::to_string_pretty(&doc).map_err(|e| Failure {
        code: crate::ExitStatus::Internal,
        message: e.to_string(),
    })?;
    tradewarden::core::fs::write_atomic(&path, text.as_bytes())?;
    let page = render_html(&HtmlInput {
        name: &file_label(&a.returns),
        benchmark_name: a.benchmark.as_deref().map(file_label),
        returns: &r,
        benchmark: b.as_deref(),
        dates: &dates,
        summary: s,
        opts: &opts,
        doc: &doc,
        thresholds_given: a.thresholds.is_some(),
    });
    let html_path = a.out.join("report.html");
    tradewarden::core::fs::write_atomic(&html_path, page.as_bytes())?;
    if a.json {
        println!("{text}");
    } else {
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
        for t in triggered {
            println!("  ALERT: {t}");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- report.html

fn file_label(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// What `report.html` is drawn from.
pub(crate) struct HtmlInput<'a> {
    /// File name of the returns (shown, not the full path).
    pub(crate) name: &'a str,
    pub(crate) benchmark_name: Option<String>,
    /// The series as read (NaN included, as the summary saw it).
    pub(crate) returns: &'a [f64],
    pub(crate) benchmark: Option<&'a [f64]>,
    pub(crate) dates: &'a Dates,
    pub(crate) summary: &'a Summary,
    pub(crate) opts: &'a ReturnsOptions,
    /// The `ops_summary.json` document (risk keys, non_finite, triggered, conventions).
    pub(crate) doc: &'a Value,
    pub(crate) thresholds_given: bool,
}

const EXTRA_CSS: &str = "
.na{color:#a02622}.why{color:#777;font-size:11px}.note{background:#fff8e1;border-left:3px solid #f0ad4e;padding:4px 8px;font-size:13px}";

fn note(o: &mut String, text: &str) {
    let _ = write!(o, "<p class=\"note\">{}</p>", esc(text));
}

/// The demo's stationary-bootstrap intervals (mean block 5, 1000 resamples,
/// 95 % percentile, fixed seed) of the annualised Sharpe ratio (of the
/// returns in excess of the risk-free rate), annualised mean, annualised
/// volatility and cumulative return. An interval that cannot be computed
/// (too few values, zero variance, a non-finite resample) is `n/a` with the
/// library's reason.
pub(crate) fn bootstrap_rows(r: &[f64], ann: f64, risk_free: f64) -> Vec<CiRow> {
    let boot = BootstrapOptions {
        resampling: Resampling::Stationary {
            mean_block: BOOT_MEAN_BLOCK,
        },
        n_resamples: BOOT_RESAMPLES,
        seed: BOOT_SEED,
        ..Default::default()
    };
    let excess: Vec<f64> = r.iter().map(|x| x - risk_free).collect();
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let std = if r.len() > 1 {
        (r.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let ex_mean = mean - risk_free;
    let total = r.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
    let row = |name: &str,
               fallback: f64,
               ci: Result<tradewarden::core::returns::bootstrap::BootstrapInterval, String>|
     -> CiRow {
        match ci {
            Ok(c) => CiRow {
                name: name.to_string(),
                estimate: c.estimate,
                interval: Ok((c.lower, c.upper)),
            },
            Err(e) => CiRow {
                name: name.to_string(),
                estimate: fallback,
                interval: Err(e),
            },
        }
    };
    let scaled =
        |ci: tradewarden::core::Result<
            tradewarden::core::returns::bootstrap::BootstrapInterval,
        >,
         k: f64| { ci.and_then(|c| c.scaled(k)).map_err(|e| e.to_string()) };
    vec![
        row(
            "sharpe_ratio",
            ex_mean / std * ann.sqrt(),
            scaled(
                bootstrap_moment_ci(&excess, MomentStatistic::Sharpe, &boot),
                ann.sqrt(),
            ),
        ),
        row(
            "annualised_mean",
            mean * ann,
            scaled(bootstrap_moment_ci(r, MomentStatistic::Mean, &boot), ann),
        ),
        row(
            "annual_volatility",
            std * ann.sqrt(),
            scaled(
                bootstrap_moment_ci(r, MomentStatistic::Std, &boot),
                ann.sqrt(),
            ),
        ),
        row(
            "cumulative_return",
            total,
            bootstrap_ci(
                r,
                |x| x.iter().map(|v| 1.0 + v).product::<f64>() - 1.0,
                &boot,
            )
            .map_err(|e| e.to_string()),
        ),
    ]
}

/// Renders `report.html`: one self-contained page (inline CSS, SVG and the
/// demo's self-check script; no network), the same bytes for the same input.
pub(crate) fn render_html(inp: &HtmlInput<'_>) -> String {
    let mut o = String::with_capacity(128 * 1024);
    let s = inp.summary;
    let opts = inp.opts;
    let period = opts.period.to_string();
    let ann = opts.period.annualization();

    // the charts and intervals use the rows where every series is a number
    let keep: Vec<usize> = (0..inp.returns.len())
        .filter(|&i| {
            inp.returns[i].is_finite()
                && inp
                    .benchmark
                    .is_none_or(|b| b.get(i).is_some_and(|x| x.is_finite()))
        })
        .collect();
    let dropped = inp.returns.len() - keep.len();
    let r: Vec<f64> = keep.iter().map(|&i| inp.returns[i]).collect();
    let b: Option<Vec<f64>> = inp.benchmark.map(|b| keep.iter().map(|&i| b[i]).collect());
    let ts: Option<Vec<i64>> = match inp.dates {
        Dates::Column { ts, .. } => Some(keep.iter().map(|&i| ts[i]).collect()),
        Dates::Missing(_) => None,
    };
    let xs = match &ts {
        Some(t) => XAxis::Dates(t),
        None => XAxis::Rows(r.len()),
    };

    html::page_start(&mut o, "tradewarden report", EXTRA_CSS);
    let span = match (inp.dates, &ts) {
        (Dates::Column { name, .. }, Some(t)) if !t.is_empty() => format!(
            "{} → {} (date column <code>{}</code>)",
            crate::cmd::day_str(t[0]),
            crate::cmd::day_str(*t.last().unwrap_or(&t[0])),
            esc(name)
        ),
        (Dates::Missing(why), _) => esc(why),
        _ => String::new(),
    };
    let _ = write!(
        o,
        "<h1>tradewarden report</h1><p>{} {} returns of <code>{}</code>{}; {}. Sharpe {}, max drawdown {}, total return {}.</p>",
        s.n,
        esc(&period),
        esc(inp.name),
        inp.benchmark_name
            .as_deref()
            .map(|n| format!(" against the benchmark <code>{}</code>", esc(n)))
            .unwrap_or_default(),
        span,
        num_or_na(s.sharpe_ratio, 2, None),
        if s.max_drawdown.is_finite() {
            pct(s.max_drawdown)
        } else {
            na(html::non_finite_reason(s.max_drawdown))
        },
        if s.cumulative_return.is_finite() {
            pct(s.cumulative_return)
        } else {
            na(html::non_finite_reason(s.cumulative_return))
        },
    );

    o.push_str("<h2>Alerts</h2>");
    let n_alerts = inp
        .doc
        .get("triggered")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if n_alerts == 0 {
        let _ = write!(
            o,
            "<p>No alert triggered{}.</p>",
            if inp.thresholds_given {
                ""
            } else {
                " (no --thresholds given)"
            }
        );
    } else {
        html::alerts(&mut o, inp.doc);
    }

    o.push_str("<h2>Profitability</h2>");
    if dropped > 0 {
        note(
            &mut o,
            &format!(
                "{dropped} row(s) with a non-finite return{} are left out of the charts and the intervals.",
                if inp.benchmark.is_some() {
                    " or benchmark return"
                } else {
                    ""
                }
            ),
        );
    }
    if r.is_empty() {
        note(&mut o, "No finite returns: nothing to chart.");
    } else {
        let title = if b.is_some() {
            "Equity curve (growth of 1): strategy vs benchmark"
        } else {
            "Equity curve (growth of 1)"
        };
        // a chart of one flat line would draw nothing visible (and fail the page's self-check)
        let flat = |v: &[f64]| v.iter().all(|x| *x == 0.0);
        if flat(&r) && b.as_deref().is_none_or(flat) {
            note(
                &mut o,
                "Equity curve not drawn: every return is 0 (the growth of 1 stays at 1).",
            );
        } else {
            html::equity_chart(&mut o, xs, &r, b.as_deref(), title, &[]);
        }
        match returns::drawdown_series(&r, opts) {
            Ok(d) if d.iter().any(|x| *x < 0.0) => html::drawdown_chart(&mut o, xs, &d, &[]),
            Ok(_) => note(
                &mut o,
                "Drawdown not drawn: the equity never fell below its running peak (drawdown 0 throughout).",
            ),
            Err(e) => note(&mut o, &format!("Drawdown not drawn: {e}")),
        }
        if r.len() < ROLLING_WINDOW {
            note(
                &mut o,
                &format!(
                    "Rolling Sharpe ratio not drawn: {} returns, fewer than its {ROLLING_WINDOW}-period window.",
                    r.len()
                ),
            );
        } else {
            match returns::rolling(&r, ROLLING_WINDOW, |w| returns::sharpe_ratio(w, opts)) {
                Ok(rs) if rs.iter().any(|x| x.is_finite()) => html::rolling_chart(
                    &mut o,
                    xs,
                    r.len(),
                    &rs,
                    &format!(
                        "Rolling Sharpe ratio ({ROLLING_WINDOW} {period} periods, annualised ×√{ann})"
                    ),
                    &[],
                ),
                Ok(_) => note(
                    &mut o,
                    "Rolling Sharpe ratio not drawn: no window has a finite Sharpe ratio (zero variance).",
                ),
                Err(e) => note(&mut o, &format!("Rolling Sharpe ratio not drawn: {e}")),
            }
        }
        match (&ts, inp.dates) {
            (Some(t), _) => match returns::aggregate_returns(&r, t, Period::Monthly, opts) {
                Ok(m) if !m.is_empty() => html::heatmap(&mut o, &m),
                Ok(_) => note(&mut o, "Monthly returns heatmap omitted: no months."),
                Err(e) => note(&mut o, &format!("Monthly returns heatmap omitted: {e}")),
            },
            (None, Dates::Missing(why)) => note(
                &mut o,
                &format!(
                    "Monthly returns heatmap omitted: {why} (dates are never invented; add a date or timestamp column)."
                ),
            ),
            (None, Dates::Column { .. }) => {}
        }
        html::histogram(
            &mut o,
            &r,
            s.value_at_risk,
            &format!("Distribution of {period} returns"),
        );
    }

    o.push_str("<h2>Metrics with bootstrap confidence intervals</h2>");
    let cis = if r.is_empty() {
        Vec::new()
    } else {
        bootstrap_rows(&r, ann, opts.risk_free)
    };
    let psr = match probabilistic_sharpe_ratio(&r, 0.0, PsrConvention::Paper, opts) {
        Ok(p) => (p, None),
        Err(e) => (f64::NAN, Some(e.to_string())),
    };
    let extra = [(
        "probabilistic Sharpe ratio (SR* = 0)".to_string(),
        psr.0,
        psr.1,
    )];
    html::metric_table(&mut o, html::CI_HEADER, &cis, &extra, inp.doc);
    if let Some(nf) = inp.doc.get("non_finite").and_then(Value::as_object)
        && !nf.is_empty()
    {
        o.push_str("<h3>Values that are not numbers</h3><ul>");
        for (k, v) in nf {
            let _ = write!(
                o,
                "<li><code>{}</code>: n/a — {}</li>",
                esc(k),
                esc(v.as_str().unwrap_or(""))
            );
        }
        o.push_str("</ul>");
    }

    if let Some(rows) = inp.doc.get("attribution").and_then(Value::as_array) {
        o.push_str(
            "<h2>Attribution by symbol</h2><p>Each symbol's share of the trade log's summed P&amp;L (docs/conventions.md, Attribution).</p>\
             <table><thead><tr><th>symbol</th><th>trades</th><th>share of trades</th><th>mean P&amp;L</th><th>summed P&amp;L</th><th>contribution</th></tr></thead><tbody>",
        );
        for row in rows {
            let f = |k: &str| row.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(row.get("symbol").and_then(Value::as_str).unwrap_or("")),
                row.get("samples").and_then(Value::as_u64).unwrap_or(0),
                pct(f("sample_weight")),
                num_or_na(f("average_return"), 4, None),
                num_or_na(f("cumulative_return"), 4, None),
                pct(f("contribution")),
            );
        }
        o.push_str("</tbody></table>");
    }

    o.push_str("<h2>Conventions</h2><table><tbody>");
    if let Some(c) = inp.doc.get("conventions").and_then(Value::as_object) {
        for (k, v) in c {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(k),
                esc(&match v {
                    Value::String(x) => x.clone(),
                    other => other.to_string(),
                })
            );
        }
    }
    let _ = write!(
        o,
        "<tr><td>bootstrap</td><td>stationary, mean block {BOOT_MEAN_BLOCK}, {BOOT_RESAMPLES} resamples, 95% percentile, seed {BOOT_SEED}</td></tr><tr><td>rolling window</td><td>{ROLLING_WINDOW} periods</td></tr></tbody></table>"
    );
    html::page_end(&mut o);
    o
}
