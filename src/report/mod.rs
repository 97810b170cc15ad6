//! The HTML report: one self-contained page (inline CSS, SVG charts and a
//! small self-check script; no network) of a returns series and its
//! [operations summary](crate::ops) — equity curve, drawdown, rolling Sharpe,
//! monthly returns heatmap, return distribution, metrics with stationary
//! bootstrap confidence intervals, alerts, attribution and conventions.
//!
//! The page is rendered by [minijinja] from the templates in
//! `src/report/templates/` with HTML auto-escaping (through [`charts::esc`]):
//! every text that reaches the page — a file or symbol name, an alert, a
//! reason — is escaped; the charts are Rust functions ([`charts`]) whose SVG
//! escapes the text it embeds and enters the template as safe HTML. The same
//! input gives the same bytes (seeded bootstrap, no clock, no paths).
//! `tradewarden report`, Python's `tradewarden.report.html_report` and Rust
//! callers all call [`html_report`] (the summary, then [`render_html`]) with
//! one [`ReportInput`]. A drift report and the guardrails' journal, when
//! given, add a drift section and a guardrail-events section.
//!
//! ```
//! use tradewarden::core::returns::SummaryOptions;
//! use tradewarden::report::{Dates, ReportInput, html_report};
//!
//! let r: Vec<f64> = (0..120).map(|i| 0.001 * ((i * 7 % 11) as f64 - 5.0)).collect();
//! let report = html_report(&ReportInput {
//!     name: "strategy <A>",
//!     benchmark_name: None,
//!     returns: &r,
//!     benchmark: None,
//!     dates: &Dates::Missing("no dates given".into()),
//!     trades: None,
//!     thresholds: None,
//!     options: &SummaryOptions::default(),
//!     drift: None,
//!     journal: None,
//! })?;
//! assert!(report.html.starts_with("<!DOCTYPE html>"));
//! assert!(report.html.contains("<code>strategy &lt;A&gt;</code>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [minijinja]: https://docs.rs/minijinja

pub mod charts;
pub mod demo;

use std::path::Path;
use std::sync::OnceLock;

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, context};
use serde::Serialize;
use tradewarden_core::returns::bootstrap::{
    BootstrapInterval, BootstrapOptions, MomentStatistic, Resampling, bootstrap_ci,
    bootstrap_moment_ci,
};
use tradewarden_core::returns::promotion::{PsrConvention, probabilistic_sharpe_ratio};
use tradewarden_core::returns::{self, SummaryOptions};
use tradewarden_core::{Error, Period, Result};
use tradewarden_drift::report::{Correction, DriftReport};
use tradewarden_guardrails::journal::{self, Entry, Event, journal_stats};

use crate::ops::{
    OperationsDocument, OperationsSummary, OperationsThresholds, Trades, non_finite_reason,
};
use charts::{XAxis, esc, fmt, pct};

/// Window of the rolling Sharpe ratio, in periods (a quarter of trading days).
pub const ROLLING_WINDOW: usize = 63;
/// Seed of the stationary bootstrap, so that the same input gives the same page.
pub const BOOTSTRAP_SEED: u64 = 7_531_441;
/// Mean block length of the stationary bootstrap.
pub const BOOTSTRAP_MEAN_BLOCK: f64 = 5.0;
/// Number of bootstrap resamples.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;
/// The header of the metric table's interval column.
pub const CI_HEADER: &str = "95% CI (stationary bootstrap)";

const FRAME: &str = include_str!("templates/frame.html");
const MACROS: &str = include_str!("templates/macros.html");
const REPORT: &str = include_str!("templates/report.html");
const DEMO: &str = include_str!("templates/demo.html");

/// The dates of a returns series: one timestamp per value (Unix seconds,
/// UTC) from a named column, or why there are none (shown on the page;
/// dates are never invented).
#[derive(Debug, Clone, PartialEq)]
pub enum Dates {
    /// Timestamps read from the named column, one per return.
    Column {
        /// The column's name (shown on the page).
        name: String,
        /// Unix seconds, one per return.
        ts: Vec<i64>,
    },
    /// No usable dates, and why.
    Missing(String),
}

/// Everything a report page is drawn from, as a door receives it: the
/// series, their names and dates, an optional trade log, the alert
/// thresholds (when given), the conventions, and optionally a drift report
/// and the guardrails' journal. [`html_report`] computes the operations
/// summary from it and renders the page.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// Name of the returns series (e.g. its file name; shown, escaped).
    pub name: &'a str,
    /// Name of the benchmark series, when there is one.
    pub benchmark_name: Option<&'a str>,
    /// The returns (NaN follows `options.returns.nan_policy`).
    pub returns: &'a [f64],
    /// Benchmark returns aligned with `returns`.
    pub benchmark: Option<&'a [f64]>,
    /// The dates of `returns`.
    pub dates: &'a Dates,
    /// The trade log with its capital and tail percentile (exposure metrics
    /// and their alerts), when there is one.
    pub trades: Option<Trades<'a>>,
    /// Alert thresholds; `None`: the defaults, and the page says none were given.
    pub thresholds: Option<&'a OperationsThresholds>,
    /// Conventions of the summary and the page.
    pub options: &'a SummaryOptions,
    /// A drift report of the model's features (e.g. `tradewarden drift
    /// report`'s document read back with [`DriftReport::from_json`]): adds
    /// the drift section (every feature's method, statistic, p-value, PSI,
    /// flag and severity).
    pub drift: Option<&'a DriftReport>,
    /// The guardrails' journal (e.g. [`journal::read_dir`]): adds the
    /// guardrail-events section (decision counts, then every transition,
    /// violation, override, approval and repair, newest
    /// [`MAX_EVENT_ROWS`]).
    pub journal: Option<JournalEvents<'a>>,
}

/// The guardrails' journal entries a report shows, and how many lines the
/// reader skipped (the second value of [`journal::read_dir`]).
#[derive(Debug, Clone, Copy)]
pub struct JournalEvents<'a> {
    /// The entries, in journal order.
    pub entries: &'a [Entry],
    /// Unreadable lines skipped by the reader (shown).
    pub unreadable: usize,
}

impl JournalEvents<'_> {
    /// Reads the journal of directory `dir` for a report ([`journal::read_dir`]:
    /// the entries, and the unreadable lines skipped), refusing a path that
    /// is not a directory (a report never shows an empty journal for a
    /// mistyped path).
    ///
    /// # Errors
    /// `Io` naming `dir` when it is not a directory or cannot be read.
    pub fn read(dir: &Path) -> tradewarden_guardrails::Result<(Vec<Entry>, usize)> {
        if !dir.is_dir() {
            return Err(tradewarden_guardrails::Error::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a journal directory",
                ),
            });
        }
        journal::read_dir(dir)
    }
}

/// The most guardrail events (every kind but decisions) the events table
/// lists; older ones are counted in a note.
pub const MAX_EVENT_ROWS: usize = 500;

/// A rendered report: the operations summary (`ops_summary.json` is its
/// [`OperationsSummary::document`]) and the page drawn from it.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlReport {
    /// The operations summary the page shows.
    pub ops: OperationsSummary,
    /// The HTML page.
    pub html: String,
}

/// The one entry of every door (`tradewarden report`, Python's
/// `tradewarden.report.html_report`, Rust callers): computes the
/// [operations summary](OperationsSummary::compute) of the input and
/// renders its page ([`render_html`]) — the same bytes for the same input.
///
/// ```
/// use tradewarden::core::returns::SummaryOptions;
/// use tradewarden::report::{Dates, ReportInput, html_report};
///
/// let r: Vec<f64> = (0..120).map(|i| 0.001 * ((i * 7 % 11) as f64 - 5.0)).collect();
/// let report = html_report(&ReportInput {
///     name: "strategy <A>",
///     benchmark_name: None,
///     returns: &r,
///     benchmark: None,
///     dates: &Dates::Missing("no dates given".into()),
///     trades: None,
///     thresholds: None,
///     options: &SummaryOptions::default(),
///     drift: None,
///     journal: None,
/// })?;
/// assert!(report.html.contains("<code>strategy &lt;A&gt;</code>"));
/// assert_eq!(report.ops.summary.n, 120);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`OperationsSummary::compute`] (bad thresholds or conventions,
/// thresholds that need a trade log without one) and [`render_html`]
/// (dates or benchmark of another length than the returns).
pub fn html_report(input: &ReportInput<'_>) -> tradewarden_guardrails::Result<HtmlReport> {
    let defaults = OperationsThresholds::default();
    let ops = OperationsSummary::compute(
        input.returns,
        input.benchmark,
        input.trades,
        input.thresholds.unwrap_or(&defaults),
        input.options,
    )?;
    let html = render_html(input, &ops)?;
    Ok(HtmlReport { ops, html })
}

/// One bootstrap interval of the metric table, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalRow {
    /// Metric name.
    pub name: String,
    /// Point estimate.
    pub estimate: f64,
    /// `Ok((lower, upper))`, or the reason the interval could not be computed.
    pub interval: std::result::Result<(f64, f64), String>,
}

/// The report's stationary-bootstrap intervals ([`BOOTSTRAP_MEAN_BLOCK`],
/// [`BOOTSTRAP_RESAMPLES`] resamples, 95 % percentile, [`BOOTSTRAP_SEED`])
/// of the annualised Sharpe ratio (of the returns in excess of
/// `risk_free`), annualised mean, annualised volatility and cumulative
/// return of the finite series `r`. An interval that cannot be computed
/// (too few values, zero variance, a non-finite resample) carries the
/// library's reason.
///
/// ```
/// let r: Vec<f64> = (0..50).map(|i| 0.001 * ((i % 7) as f64 - 3.0)).collect();
/// let rows = tradewarden::report::bootstrap_intervals(&r, 252.0, 0.0);
/// assert_eq!(rows[0].name, "sharpe_ratio");
/// assert!(rows.iter().all(|row| row.interval.is_ok()));
/// ```
pub fn bootstrap_intervals(r: &[f64], ann: f64, risk_free: f64) -> Vec<IntervalRow> {
    let boot = BootstrapOptions {
        resampling: Resampling::Stationary {
            mean_block: BOOTSTRAP_MEAN_BLOCK,
        },
        n_resamples: BOOTSTRAP_RESAMPLES,
        seed: BOOTSTRAP_SEED,
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
               ci: std::result::Result<BootstrapInterval, String>|
     -> IntervalRow {
        match ci {
            Ok(c) => IntervalRow {
                name: name.to_string(),
                estimate: c.estimate,
                interval: Ok((c.lower, c.upper)),
            },
            Err(e) => IntervalRow {
                name: name.to_string(),
                estimate: fallback,
                interval: Err(e),
            },
        }
    };
    let scaled = |ci: Result<BootstrapInterval>, k: f64| {
        ci.and_then(|c| c.scaled(k)).map_err(|e| e.to_string())
    };
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

/// The template environment: the page frame, the shared macros and the two
/// pages (report, demo), HTML auto-escaping of `.html` templates through
/// [`charts::esc`], trailing newlines kept.
fn env() -> Result<&'static Environment<'static>> {
    static ENV: OnceLock<std::result::Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let mut syntax = minijinja::syntax::SyntaxConfig::builder();
        syntax.keep_trailing_newline(true);
        env.set_syntax(syntax.build().map_err(|e| e.to_string())?);
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Html)
                && !value.is_safe()
                && !value.is_none()
                && !value.is_undefined()
            {
                out.write_str(&esc(&value.to_string())).map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                })
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        env.add_template("frame.html", FRAME)
            .map_err(|e| e.to_string())?;
        env.add_template("macros.html", MACROS)
            .map_err(|e| e.to_string())?;
        env.add_template("report.html", REPORT)
            .map_err(|e| e.to_string())?;
        env.add_template("demo.html", DEMO)
            .map_err(|e| e.to_string())?;
        Ok(env)
    })
    .as_ref()
    .map_err(|e| Error::Internal {
        reason: format!("report templates: {e}"),
    })
}

fn render(name: &str, ctx: Value) -> Result<String> {
    env()?
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| Error::Internal {
            reason: format!("rendering {name}: {e:#}"),
        })
}

/// A number on the page: its text, or "n/a" with the reason.
#[derive(Debug, Serialize)]
struct Num {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    na: Option<String>,
}

impl Num {
    fn digits(x: f64, digits: usize, reason: Option<&str>) -> Num {
        if x.is_finite() {
            Num {
                text: Some(format!("{x:.digits$}")),
                na: None,
            }
        } else {
            Num::na(reason.unwrap_or_else(|| non_finite_reason(x)))
        }
    }
    fn pct(x: f64) -> Num {
        if x.is_finite() {
            Num {
                text: Some(pct(x)),
                na: None,
            }
        } else {
            Num::na(non_finite_reason(x))
        }
    }
    fn na(reason: &str) -> Num {
        Num {
            text: None,
            na: Some(reason.to_string()),
        }
    }
}

#[derive(Debug, Serialize)]
struct IntervalView {
    name: String,
    estimate: Num,
    #[serde(skip_serializing_if = "Option::is_none")]
    lower: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
}

impl IntervalView {
    fn of(row: &IntervalRow) -> IntervalView {
        let (lower, upper, why) = match &row.interval {
            Ok((lo, hi)) => (
                Some(Num::digits(*lo, 4, None)),
                Some(Num::digits(*hi, 4, None)),
                None,
            ),
            Err(why) => (None, None, Some(why.clone())),
        };
        IntervalView {
            name: row.name.clone(),
            estimate: Num::digits(row.estimate, 4, None),
            lower,
            upper,
            why,
        }
    }
}

#[derive(Debug, Serialize)]
struct MetricView {
    name: String,
    value: Num,
}

/// The metric rows of every risk key of `doc` (null: "n/a" with the reason
/// from `doc.non_finite`).
fn risk_rows(doc: &OperationsDocument) -> impl Iterator<Item = MetricView> + '_ {
    doc.risk.iter().map(|(k, v)| MetricView {
        name: k.clone(),
        value: match v {
            Some(x) => Num::digits(*x, 4, None),
            None => Num::na(
                doc.non_finite
                    .get(&format!("risk.{k}"))
                    .map_or("not a number", String::as_str),
            ),
        },
    })
}

#[derive(Debug, Serialize)]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Debug, Serialize)]
struct NonFinite {
    key: String,
    why: String,
}

#[derive(Debug, Serialize)]
struct AttributionView {
    symbol: String,
    samples: usize,
    share: String,
    mean: Num,
    sum: Num,
    contribution: String,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Span {
    Dates {
        first: String,
        last: String,
        column: String,
    },
    Missing {
        missing: String,
    },
    None {},
}

/// One feature's row of a drift table (the report's drift section and the
/// demo page's).
#[derive(Debug, Serialize)]
struct DriftRow {
    name: String,
    method: &'static str,
    statistic: String,
    pvalue: String,
    psi: String,
    drift: bool,
    severity: &'static str,
}

/// The rows of every feature of `report`, in its order.
fn drift_rows(report: &DriftReport) -> Vec<DriftRow> {
    report
        .features
        .iter()
        .map(|f| DriftRow {
            name: f.name.clone(),
            method: f.method.as_str(),
            statistic: fmt(f.statistic, 4),
            pvalue: f
                .pvalue
                .map(|p| format!("{p:.3e}"))
                .unwrap_or_else(|| "—".into()),
            psi: f.psi.map(|p| fmt(p, 4)).unwrap_or_else(|| "—".into()),
            drift: f.drift,
            severity: f.severity.as_str(),
        })
        .collect()
}

/// The report page's drift section.
#[derive(Debug, Serialize)]
struct DriftView {
    n_drifted: usize,
    n_features: usize,
    dataset_drift: bool,
    share: String,
    threshold: String,
    alpha: f64,
    correction: &'static str,
    rows: Vec<DriftRow>,
}

impl DriftView {
    fn of(report: &DriftReport) -> DriftView {
        let o = &report.options;
        DriftView {
            n_drifted: report.n_drifted,
            n_features: report.features.len(),
            dataset_drift: report.dataset_drift,
            share: pct(report.drift_share),
            threshold: pct(o.drift_share),
            alpha: o.alpha,
            correction: match o.correction {
                Correction::None => "none",
                Correction::Bonferroni => "Bonferroni",
                Correction::BenjaminiHochberg => "Benjamini–Hochberg",
            },
            rows: drift_rows(report),
        }
    }
}

/// One guardrail event of the events table.
#[derive(Debug, Serialize)]
struct EventRow {
    seq: u64,
    time: String,
    kind: &'static str,
    detail: String,
}

/// The report page's guardrail-events section.
#[derive(Debug, Serialize)]
struct JournalView {
    decisions: u64,
    denials: u64,
    violations: u64,
    per_1000: Option<String>,
    unreadable: usize,
    /// Events (not decisions) older than the listed ones.
    earlier: usize,
    rows: Vec<EventRow>,
}

/// A journal timestamp (Unix seconds) as UTC date and time.
fn utc_time(ts: f64) -> String {
    if !ts.is_finite() {
        return non_finite_reason(ts).to_string();
    }
    let secs = ts.floor();
    let nanos = ((ts - secs) * 1e9) as u32;
    match chrono::DateTime::from_timestamp(secs as i64, nanos.min(999_999_999)) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => format!("{ts} s (out of range)"),
    }
}

fn event_row(e: &Entry) -> Option<EventRow> {
    let (kind, detail) = match &e.event {
        Event::Decision { .. } => return None,
        Event::Transition {
            from,
            to,
            reason,
            actor,
        } => (
            "transition",
            format!("{} → {} by {actor}: {reason}", from.as_str(), to.as_str()),
        ),
        Event::Violation {
            rule,
            value,
            threshold,
        } => (
            "violation",
            match threshold {
                Some(t) => format!("{rule}: {} (limit {})", fmt(*value, 4), fmt(*t, 4)),
                None => format!("{rule}: {} (no limit defined)", fmt(*value, 4)),
            },
        ),
        Event::Override { who, why, what } => ("override", format!("{what} by {who}: {why}")),
        Event::Approval { who, why, what } => ("approval", format!("{what} by {who}: {why}")),
        Event::Repair {
            file,
            truncated_bytes,
        } => (
            "repair",
            format!("{file}: torn tail of {truncated_bytes} byte(s) removed"),
        ),
    };
    Some(EventRow {
        seq: e.seq,
        time: utc_time(e.ts),
        kind,
        detail,
    })
}

impl JournalView {
    fn of(j: JournalEvents<'_>) -> JournalView {
        let stats = journal_stats(j.entries);
        let mut rows: Vec<EventRow> = j.entries.iter().filter_map(event_row).collect();
        let earlier = rows.len().saturating_sub(MAX_EVENT_ROWS);
        rows.drain(..earlier);
        JournalView {
            decisions: stats.trades,
            denials: stats.denials,
            violations: stats.violations,
            per_1000: stats.per_1000.map(|x| fmt(x, 2)),
            unreadable: j.unreadable,
            earlier,
            rows,
        }
    }
}

/// Renders the report page of `input` from its operations summary `ops`
/// (computed by [`html_report`] from the same input; `input.trades` and
/// `input.options` are not read again): the same bytes for the same input.
/// Whether `input.thresholds` is given decides the "no thresholds given"
/// note.
///
/// Errors: `dates` that do not hold one timestamp per return, or a
/// `benchmark` of another length than `returns` (typed
/// [`Error::LengthMismatch`]).
pub fn render_html(input: &ReportInput<'_>, ops: &OperationsSummary) -> Result<String> {
    let n_returns = input.returns.len();
    if let Dates::Column { ts, .. } = input.dates
        && ts.len() != n_returns
    {
        return Err(Error::LengthMismatch {
            param: "dates",
            actual: ts.len(),
            other: "returns",
            expected: n_returns,
        });
    }
    if let Some(b) = input.benchmark
        && b.len() != n_returns
    {
        return Err(Error::LengthMismatch {
            param: "benchmark",
            actual: b.len(),
            other: "returns",
            expected: n_returns,
        });
    }
    let s = &ops.summary;
    let opts = &ops.options.returns;
    let period = opts.period.to_string();
    let ann = opts.period.annualization();
    let doc = ops.document();

    // the charts and intervals use the rows where every series is a number
    let keep: Vec<usize> = (0..n_returns)
        .filter(|&i| {
            input.returns[i].is_finite()
                && input
                    .benchmark
                    .is_none_or(|b| b.get(i).is_some_and(|x| x.is_finite()))
        })
        .collect();
    let dropped = n_returns - keep.len();
    let r: Vec<f64> = keep.iter().map(|&i| input.returns[i]).collect();
    let b: Option<Vec<f64>> = input
        .benchmark
        .map(|b| keep.iter().map(|&i| b[i]).collect());
    let ts: Option<Vec<i64>> = match input.dates {
        Dates::Column { ts, .. } => Some(keep.iter().map(|&i| ts[i]).collect()),
        Dates::Missing(_) => None,
    };
    let xs = match &ts {
        Some(t) => XAxis::Dates(t),
        None => XAxis::Rows(r.len()),
    };
    let span = match (input.dates, &ts) {
        (Dates::Column { name, .. }, Some(t)) if !t.is_empty() => Span::Dates {
            first: charts::day_str(t[0]),
            last: charts::day_str(t[t.len() - 1]),
            column: name.clone(),
        },
        (Dates::Missing(why), _) => Span::Missing {
            missing: why.clone(),
        },
        _ => Span::None {},
    };

    // profitability: each chart, or a note saying why it is not drawn
    let mut items: Vec<Value> = Vec::new();
    let note = |items: &mut Vec<Value>, text: String| items.push(context! { note => text });
    let chart = |items: &mut Vec<Value>, draw: &dyn Fn(&mut String)| {
        let mut svg = String::new();
        draw(&mut svg);
        items.push(context! { svg => Value::from_safe_string(svg) });
    };
    if dropped > 0 {
        note(
            &mut items,
            format!(
                "{dropped} row(s) with a non-finite return{} are left out of the charts and the intervals.",
                if input.benchmark.is_some() {
                    " or benchmark return"
                } else {
                    ""
                }
            ),
        );
    }
    if r.is_empty() {
        note(&mut items, "No finite returns: nothing to chart.".into());
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
                &mut items,
                "Equity curve not drawn: every return is 0 (the growth of 1 stays at 1).".into(),
            );
        } else {
            chart(&mut items, &|o| {
                charts::equity_chart(o, xs, &r, b.as_deref(), title, &[]);
            });
        }
        match returns::drawdown_series(&r, opts) {
            Ok(d) if d.iter().any(|x| *x < 0.0) => {
                chart(&mut items, &|o| charts::drawdown_chart(o, xs, &d, &[]));
            }
            Ok(_) => note(
                &mut items,
                "Drawdown not drawn: the equity never fell below its running peak (drawdown 0 throughout).".into(),
            ),
            Err(e) => note(&mut items, format!("Drawdown not drawn: {e}")),
        }
        if r.len() < ROLLING_WINDOW {
            note(
                &mut items,
                format!(
                    "Rolling Sharpe ratio not drawn: {} returns, fewer than its {ROLLING_WINDOW}-period window.",
                    r.len()
                ),
            );
        } else {
            match returns::rolling(&r, ROLLING_WINDOW, |w| returns::sharpe_ratio(w, opts)) {
                Ok(rs) if rs.iter().any(|x| x.is_finite()) => chart(&mut items, &|o| {
                    charts::rolling_chart(
                        o,
                        xs,
                        r.len(),
                        &rs,
                        &format!(
                            "Rolling Sharpe ratio ({ROLLING_WINDOW} {period} periods, annualised ×√{ann})"
                        ),
                        &[],
                    );
                }),
                Ok(_) => note(
                    &mut items,
                    "Rolling Sharpe ratio not drawn: no window has a finite Sharpe ratio (zero variance).".into(),
                ),
                Err(e) => note(&mut items, format!("Rolling Sharpe ratio not drawn: {e}")),
            }
        }
        match (&ts, input.dates) {
            (Some(t), _) => match returns::aggregate_returns(&r, t, Period::Monthly, opts) {
                Ok(m) if !m.is_empty() => chart(&mut items, &|o| charts::heatmap(o, &m)),
                Ok(_) => note(
                    &mut items,
                    "Monthly returns heatmap omitted: no months.".into(),
                ),
                Err(e) => note(&mut items, format!("Monthly returns heatmap omitted: {e}")),
            },
            (None, Dates::Missing(why)) => note(
                &mut items,
                format!(
                    "Monthly returns heatmap omitted: {why} (dates are never invented; add a date or timestamp column)."
                ),
            ),
            (None, Dates::Column { .. }) => {}
        }
        chart(&mut items, &|o| {
            charts::histogram(
                o,
                &r,
                s.value_at_risk,
                &format!("Distribution of {period} returns"),
            );
        });
    }

    // metrics: bootstrap intervals, the probabilistic Sharpe ratio, every risk key
    let intervals: Vec<IntervalView> = if r.is_empty() {
        Vec::new()
    } else {
        bootstrap_intervals(&r, ann, opts.risk_free)
    }
    .iter()
    .map(IntervalView::of)
    .collect();
    let psr = match probabilistic_sharpe_ratio(&r, 0.0, PsrConvention::Paper, opts) {
        Ok(p) => Num::digits(p, 4, None),
        Err(e) => Num::na(&e.to_string()),
    };
    let mut metrics = vec![MetricView {
        name: "probabilistic Sharpe ratio (SR* = 0)".into(),
        value: psr,
    }];
    metrics.extend(risk_rows(&doc));
    let non_finite: Vec<NonFinite> = doc
        .non_finite
        .iter()
        .map(|(k, v)| NonFinite {
            key: k.clone(),
            why: v.clone(),
        })
        .collect();
    let attribution: Option<Vec<AttributionView>> = doc.attribution.as_ref().map(|rows| {
        rows.iter()
            .map(|a| AttributionView {
                symbol: a.symbol.clone(),
                samples: a.samples,
                share: pct(a.sample_weight),
                mean: Num::digits(a.average_return, 4, None),
                sum: Num::digits(a.cumulative_return, 4, None),
                contribution: pct(a.contribution),
            })
            .collect()
    });
    // the conventions as ops_summary.json writes them
    let conventions: Vec<KeyValue> = match serde_json::to_value(&doc.conventions) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .map(|(key, v)| KeyValue {
                key,
                value: match v {
                    serde_json::Value::String(x) => x,
                    other => other.to_string(),
                },
            })
            .collect(),
        Ok(other) => {
            return Err(Error::Internal {
                reason: format!("conventions are not an object: {other}"),
            });
        }
        Err(e) => {
            return Err(Error::Internal {
                reason: format!("conventions to JSON: {e}"),
            });
        }
    };
    let (sharpe, max_drawdown, total_return) = (
        Num::digits(s.sharpe_ratio, 2, None),
        Num::pct(s.max_drawdown),
        Num::pct(s.cumulative_return),
    );

    render(
        "report.html",
        context! {
            title => "tradewarden report",
            n => s.n,
            period => period,
            name => input.name,
            benchmark_name => input.benchmark_name,
            span => Serde(span),
            sharpe => Serde(sharpe),
            max_drawdown => Serde(max_drawdown),
            total_return => Serde(total_return),
            triggered => Serde(&ops.triggered),
            thresholds_given => input.thresholds.is_some(),
            profitability => items,
            ci_header => CI_HEADER,
            intervals => Serde(intervals),
            metrics => Serde(metrics),
            non_finite => Serde(non_finite),
            attribution => Serde(attribution),
            conventions => Serde(conventions),
            bootstrap => format!(
                "stationary, mean block {BOOTSTRAP_MEAN_BLOCK}, {BOOTSTRAP_RESAMPLES} resamples, 95% percentile, seed {BOOTSTRAP_SEED}"
            ),
            rolling_window => ROLLING_WINDOW,
            drift => Serde(input.drift.map(DriftView::of)),
            journal => Serde(input.journal.map(JournalView::of)),
            max_event_rows => MAX_EVENT_ROWS,
        },
    )
}

#[cfg(test)]
mod tests;
