//! `report.html`: the demo page, rendered by the library
//! (`tradewarden::report::demo::render_demo`: the report's frame, charts and
//! auto-escaping templates) from the run; this module only lends it the run.

use tradewarden::ops::OperationsSummary;
use tradewarden::report::IntervalRow;
use tradewarden::report::demo::{DemoPage, render_demo};

use super::{DRIFT_WINDOW_DAYS, DemoRun, ROLL_WINDOW};
use crate::Failure;

/// Renders the report page of `run` (whose operations summary is `ops`).
pub(crate) fn render(run: &DemoRun, ops: &OperationsSummary) -> Result<String, Failure> {
    let intervals: Vec<IntervalRow> = run
        .cis
        .iter()
        .map(|(name, e, lo, hi)| IntervalRow {
            name: name.clone(),
            estimate: *e,
            interval: Ok((*lo, *hi)),
        })
        .collect();
    let extra = [
        ("probabilistic Sharpe ratio (SR* = 0)".to_string(), run.psr),
        ("deflated Sharpe ratio (5 trials)".to_string(), run.dsr),
    ];
    Ok(render_demo(&DemoPage {
        ts: &run.ts,
        returns: &run.returns,
        benchmark: &run.benchmark,
        ops,
        drawdown: &run.drawdown,
        rolling_sharpe: &run.rolling_sharpe,
        rolling_window: ROLL_WINDOW,
        monthly: &run.monthly,
        intervals: &intervals,
        extra_metrics: &extra,
        drift: &run.drift,
        drift_before: &run.drift_before,
        drift_window_days: DRIFT_WINDOW_DAYS,
        drift_timeline: &run.drift_timeline,
        transitions: &run.transitions,
        breaches: &run.breaches,
        denials: &run.denials,
        clips: &run.clips,
        orders: run.orders,
        final_state: run.final_state,
        regime_ts: run.regime_ts,
        halted_ts: run.halted_ts,
    })?)
}
