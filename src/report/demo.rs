//! The demo's report page (`tradewarden demo`'s `report.html`): the report's
//! frame and charts, plus a drift section and the guardrails' state
//! timeline, transitions, period-limit violations and pre-trade decisions —
//! rendered from the `demo.html` template with the same auto-escaping as the
//! report page. The CLI runs the simulation and calls [`render_demo`] once.
//!
//! ```
//! use std::collections::BTreeMap;
//! use tradewarden::core::returns::{Summary, SummaryOptions};
//! use tradewarden::drift::profile::{Profile, ProfileOptions};
//! use tradewarden::drift::report::{DriftReport, FeatureData, ReportOptions};
//! use tradewarden::guardrails::TradingState;
//! use tradewarden::ops::{OperationsSummary, OperationsThresholds};
//! use tradewarden::report::demo::{DemoPage, Transition, render_demo};
//!
//! let r: Vec<f64> = (0..90).map(|i| 0.002 * ((i * 7 % 11) as f64 - 5.0)).collect();
//! let ts: Vec<i64> = (0..90).map(|i| 1_700_000_000 + 86_400 * i).collect();
//! let ops = OperationsSummary::compute(&r, None, None, &OperationsThresholds::default(),
//!                                      &SummaryOptions::default())?;
//! let x: Vec<f64> = (0..200).map(|i| (i % 13) as f64).collect();
//! let cols = [("x", FeatureData::Numeric(&x))];
//! let profile = Profile::fit_features(&cols, &ProfileOptions::default())?;
//! let drift = DriftReport::compute(&profile, &cols, &ReportOptions::default())?;
//! let page = render_demo(&DemoPage {
//!     ts: &ts, returns: &r, benchmark: &r, ops: &ops,
//!     drawdown: &vec![-0.01; 90], rolling_sharpe: &[0.5, 0.7], rolling_window: 89,
//!     monthly: &[], intervals: &[], extra_metrics: &[],
//!     drift: &drift, drift_before: &drift, drift_window_days: 21, drift_timeline: &[],
//!     transitions: &[Transition { ts: ts[3], from: TradingState::Active, to: TradingState::Halted,
//!                                 reason: "loss <limit>".into(), actor: "system".into() }],
//!     breaches: &[], denials: &BTreeMap::new(), clips: &BTreeMap::new(), orders: 0,
//!     final_state: TradingState::Halted, regime_ts: ts[45], halted_ts: Some(ts[3]),
//! })?;
//! assert!(page.contains("Final trading state: <b class=\"st-halted\">HALTED</b>"));
//! assert!(page.contains("<td>loss &lt;limit&gt;</td>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;
use tradewarden_core::returns::AggregatedReturn;
use tradewarden_core::{Error, Result};
use tradewarden_drift::report::DriftReport;
use tradewarden_guardrails::TradingState;

use super::charts::{self, Marker, NamedSeries, StateSpan, XAxis, day_str, fmt, pct, state_class};
use super::{CI_HEADER, IntervalRow, IntervalView, MetricView, Num, drift_rows, render, risk_rows};
use crate::ops::OperationsSummary;

/// One trading-state transition (simulated time).
#[derive(Debug, Clone)]
pub struct Transition {
    /// When (Unix seconds, UTC).
    pub ts: i64,
    /// The state left.
    pub from: TradingState,
    /// The state entered.
    pub to: TradingState,
    /// Why (shown, escaped).
    pub reason: String,
    /// Who (shown, escaped).
    pub actor: String,
}

/// One period-limit breach (simulated time).
#[derive(Debug, Clone)]
pub struct Breach {
    /// When (Unix seconds, UTC).
    pub ts: i64,
    /// The rule breached.
    pub rule: String,
    /// The observed value.
    pub value: f64,
    /// The rule's threshold.
    pub threshold: f64,
    /// The rule's severity.
    pub severity: String,
}

/// What the demo page is drawn from (one simulated run).
#[derive(Debug, Clone, Copy)]
pub struct DemoPage<'a> {
    /// Timestamp of each return (Unix seconds, UTC); not empty.
    pub ts: &'a [i64],
    /// Daily returns of the strategy, one per `ts`.
    pub returns: &'a [f64],
    /// The equal-weight benchmark's returns, one per `ts`.
    pub benchmark: &'a [f64],
    /// The operations summary of the run (headline numbers, alerts, risk keys).
    pub ops: &'a OperationsSummary,
    /// Drawdown series of `returns`.
    pub drawdown: &'a [f64],
    /// Rolling Sharpe ratio over the last points of `returns`.
    pub rolling_sharpe: &'a [f64],
    /// Window of `rolling_sharpe`, in days (its chart title).
    pub rolling_window: usize,
    /// Monthly returns (heatmap).
    pub monthly: &'a [AggregatedReturn],
    /// Bootstrap intervals of the metric table.
    pub intervals: &'a [IntervalRow],
    /// Further metric rows (name, value) between the intervals and the risk keys.
    pub extra_metrics: &'a [(String, f64)],
    /// Drift of the live window against the reference profile.
    pub drift: &'a DriftReport,
    /// Drift of the window before the regime change.
    pub drift_before: &'a DriftReport,
    /// Length of each window of the drift timeline, in days (its chart title).
    pub drift_window_days: usize,
    /// Per feature: (window end, PSI) of each window of the timeline.
    pub drift_timeline: &'a [(String, Vec<(i64, f64)>)],
    /// Trading-state transitions, in time order.
    pub transitions: &'a [Transition],
    /// Period-limit breaches, in time order.
    pub breaches: &'a [Breach],
    /// Denied orders by reason.
    pub denials: &'a BTreeMap<String, u64>,
    /// Clipped orders by reason.
    pub clips: &'a BTreeMap<String, u64>,
    /// Orders checked.
    pub orders: u64,
    /// The trading state at the end.
    pub final_state: TradingState,
    /// When the regime changed (marker).
    pub regime_ts: i64,
    /// When the breaker latched, if it did (marker).
    pub halted_ts: Option<i64>,
}

#[derive(Debug, Serialize)]
struct TransitionRow {
    day: String,
    from: &'static str,
    to: &'static str,
    class: &'static str,
    actor: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct BreachRow {
    day: String,
    rule: String,
    value: String,
    threshold: String,
    severity: String,
}

#[derive(Debug, Serialize)]
struct DecisionRow {
    outcome: &'static str,
    reason: String,
    count: u64,
}

fn svg(draw: impl FnOnce(&mut String)) -> Value {
    let mut s = String::new();
    draw(&mut s);
    Value::from_safe_string(s)
}

/// Renders the demo page: the same bytes for the same run.
///
/// # Errors
/// `ts` empty, or `returns`, `benchmark` or `drawdown` of another length
/// than `ts` (typed, naming the parameter); a template failure.
pub fn render_demo(page: &DemoPage<'_>) -> Result<String> {
    let (Some(first), Some(last)) = (page.ts.first(), page.ts.last()) else {
        return Err(Error::Empty {
            param: "ts",
            min: 1,
        });
    };
    for (param, n) in [
        ("returns", page.returns.len()),
        ("benchmark", page.benchmark.len()),
        ("drawdown", page.drawdown.len()),
    ] {
        if n != page.ts.len() {
            return Err(Error::LengthMismatch {
                param,
                actual: n,
                other: "ts",
                expected: page.ts.len(),
            });
        }
    }
    let s = &page.ops.summary;
    let doc = page.ops.document();
    let xs = XAxis::Dates(page.ts);
    let mut ms = vec![Marker {
        at: page.regime_ts,
        label: "regime change",
        class: "regime",
        row: 0.0,
    }];
    if let Some(h) = page.halted_ts {
        ms.push(Marker {
            at: h,
            label: "breaker latched",
            class: "halt",
            row: 1.0,
        });
    }
    let profitability = vec![
        svg(|o| {
            charts::equity_chart(
                o,
                xs,
                page.returns,
                Some(page.benchmark),
                "Equity curve (growth of 1): strategy vs equal-weight benchmark",
                &ms,
            );
        }),
        svg(|o| charts::drawdown_chart(o, xs, page.drawdown, &ms)),
        svg(|o| {
            charts::rolling_chart(
                o,
                xs,
                page.returns.len(),
                page.rolling_sharpe,
                &format!(
                    "Rolling Sharpe ratio ({} trading days, annualised)",
                    page.rolling_window
                ),
                &ms,
            );
        }),
        svg(|o| charts::heatmap(o, page.monthly)),
        svg(|o| {
            charts::histogram(
                o,
                page.returns,
                s.value_at_risk,
                "Distribution of daily returns",
            );
        }),
    ];

    // the metric table: intervals, the extra rows, every risk key
    let intervals: Vec<IntervalView> = page.intervals.iter().map(IntervalView::of).collect();
    let mut metrics: Vec<MetricView> = page
        .extra_metrics
        .iter()
        .map(|(name, v)| MetricView {
            name: name.clone(),
            value: Num::digits(*v, 4, None),
        })
        .collect();
    metrics.extend(risk_rows(&doc));

    let drift_rows = drift_rows(page.drift);
    let drift_chart = page.drift_timeline.first().map(|(_, first)| {
        let ts: Vec<i64> = first.iter().map(|(t, _)| *t).collect();
        let series: Vec<NamedSeries> = page
            .drift_timeline
            .iter()
            .map(|(name, pts)| (name.clone(), pts.iter().map(|(_, p)| *p).collect()))
            .collect();
        svg(|o| {
            charts::psi_timeline_chart(
                o,
                &ts,
                &series,
                &format!(
                    "PSI of each {}-day window against the frozen reference profile",
                    page.drift_window_days
                ),
                &ms[..1],
            );
        })
    });
    let spans: Vec<StateSpan<'_>> = page
        .transitions
        .iter()
        .map(|t| StateSpan {
            at: t.ts,
            to: t.to,
            reason: &t.reason,
        })
        .collect();
    let state_chart = svg(|o| charts::state_timeline_chart(o, page.ts, &spans));
    let transitions: Vec<TransitionRow> = page
        .transitions
        .iter()
        .map(|t| TransitionRow {
            day: day_str(t.ts),
            from: t.from.as_str(),
            to: t.to.as_str(),
            class: state_class(t.to),
            actor: t.actor.clone(),
            reason: t.reason.clone(),
        })
        .collect();
    let breaches: Vec<BreachRow> = page
        .breaches
        .iter()
        .map(|b| BreachRow {
            day: day_str(b.ts),
            rule: b.rule.clone(),
            value: fmt(b.value, 4),
            threshold: fmt(b.threshold, 4),
            severity: b.severity.clone(),
        })
        .collect();
    let decisions: Vec<DecisionRow> = page
        .denials
        .iter()
        .map(|(k, v)| ("denied", k, v))
        .chain(page.clips.iter().map(|(k, v)| ("clipped", k, v)))
        .map(|(outcome, reason, count)| DecisionRow {
            outcome,
            reason: reason.clone(),
            count: *count,
        })
        .collect();

    render(
        "demo.html",
        context! {
            title => "tradewarden demo report",
            n => page.returns.len(),
            first_day => day_str(*first),
            last_day => day_str(*last),
            regime_day => day_str(page.regime_ts),
            state => page.final_state.as_str(),
            state_class => state_class(page.final_state),
            sharpe => fmt(s.sharpe_ratio, 2),
            max_drawdown => pct(s.max_drawdown),
            total_return => pct(s.cumulative_return),
            triggered => Serde(&doc.triggered),
            profitability => profitability,
            ci_header => CI_HEADER,
            intervals => Serde(intervals),
            metrics => Serde(metrics),
            n_drifted => page.drift.n_drifted,
            n_features => page.drift.features.len(),
            dataset_drift => page.drift.dataset_drift,
            n_drifted_before => page.drift_before.n_drifted,
            n_features_before => page.drift_before.features.len(),
            drift_rows => Serde(drift_rows),
            drift_chart => drift_chart,
            state_chart => state_chart,
            transitions => Serde(transitions),
            breaches => Serde(breaches),
            orders => page.orders,
            decisions => Serde(decisions),
        },
    )
}
