//! `report.html`: one self-contained page (inline CSS, SVG and a small
//! self-check script; no network): equity curve, drawdown, rolling Sharpe,
//! monthly returns heatmap, return distribution, metrics with bootstrap CIs,
//! drift per feature with severity, guardrail violations and the state timeline.
//!
//! The page frame (template) and every chart are the library's
//! (`tradewarden::report`, the code of `tradewarden report`'s page); the
//! demo-specific parts (header, metric, drift and guardrail tables) are
//! built here with the library's `esc`.

use std::fmt::Write as _;

use serde_json::Value;
use tradewarden::report::CI_HEADER;
use tradewarden::report::charts::{
    Marker, NamedSeries, StateSpan, XAxis, day_str, drawdown_chart, equity_chart, esc, fmt,
    heatmap, histogram, na, num_or_na, pct, psi_timeline_chart, rolling_chart, state_class,
    state_timeline_chart,
};

use super::{DemoRun, ROLL_WINDOW};
use crate::Failure;

/// One row of the metric table: a bootstrap interval, or why there is none.
#[derive(Debug, Clone)]
pub(crate) struct CiRow {
    pub(crate) name: String,
    pub(crate) estimate: f64,
    /// `Ok((lower, upper))`, or the reason the interval could not be computed.
    pub(crate) interval: Result<(f64, f64), String>,
}

/// Metrics with their bootstrap confidence intervals, then `extra` rows
/// (name, value, why it is not a number when it is not) and every key of `doc["risk"]` (nulls as "n/a" with the
/// reason from `doc["non_finite"]`).
pub(crate) fn metric_table(
    out: &mut String,
    ci_header: &str,
    cis: &[CiRow],
    extra: &[(String, f64, Option<String>)],
    doc: &Value,
) {
    let _ = write!(
        out,
        "<table><thead><tr><th>metric</th><th>estimate</th><th>{}</th></tr></thead><tbody>",
        esc(ci_header)
    );
    for row in cis {
        let interval = match &row.interval {
            Ok((lo, hi)) => format!("{} … {}", num_or_na(*lo, 4, None), num_or_na(*hi, 4, None)),
            Err(why) => na(why),
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{interval}</td></tr>",
            esc(&row.name),
            num_or_na(row.estimate, 4, None),
        );
    }
    for (name, v, why) in extra {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td></td></tr>",
            esc(name),
            num_or_na(*v, 4, why.as_deref())
        );
    }
    if let Some(risk) = doc.get("risk").and_then(Value::as_object) {
        for (k, v) in risk {
            let cell = match v.as_f64() {
                Some(x) => num_or_na(x, 4, None),
                None => na(doc
                    .pointer(&format!("/non_finite/risk.{k}"))
                    .and_then(Value::as_str)
                    .unwrap_or("not a number")),
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{cell}</td><td></td></tr>",
                esc(k),
            );
        }
    }
    out.push_str("</tbody></table>");
}

fn drift_chart(out: &mut String, run: &DemoRun) {
    let Some((_, first)) = run.drift_timeline.first() else {
        return;
    };
    let ts: Vec<i64> = first.iter().map(|(t, _)| *t).collect();
    let series: Vec<NamedSeries> = run
        .drift_timeline
        .iter()
        .map(|(name, pts)| (name.clone(), pts.iter().map(|(_, p)| *p).collect()))
        .collect();
    psi_timeline_chart(
        out,
        &ts,
        &series,
        "PSI of each 21-day window against the frozen reference profile",
        &[Marker {
            at: run.regime_ts,
            label: "regime change",
            class: "regime",
            row: 0.0,
        }],
    );
}

fn state_timeline(out: &mut String, run: &DemoRun) {
    let spans: Vec<StateSpan<'_>> = run
        .transitions
        .iter()
        .map(|t| StateSpan {
            at: t.ts,
            to: t.to,
            reason: &t.reason,
        })
        .collect();
    state_timeline_chart(out, &run.ts, &spans);
}

/// The demo's markers: the regime change and, when it happened, the latched breaker.
fn demo_markers(run: &DemoRun) -> Vec<Marker<'static>> {
    let mut ms = vec![Marker {
        at: run.regime_ts,
        label: "regime change",
        class: "regime",
        row: 0.0,
    }];
    if let Some(h) = run.halted_ts {
        ms.push(Marker {
            at: h,
            label: "breaker latched",
            class: "halt",
            row: 1.0,
        });
    }
    ms
}

fn demo_metric_table(out: &mut String, run: &DemoRun, doc: &Value) {
    let cis: Vec<CiRow> = run
        .cis
        .iter()
        .map(|(name, e, lo, hi)| CiRow {
            name: name.clone(),
            estimate: *e,
            interval: Ok((*lo, *hi)),
        })
        .collect();
    let extra = [
        (
            "probabilistic Sharpe ratio (SR* = 0)".to_string(),
            run.psr,
            None,
        ),
        (
            "deflated Sharpe ratio (5 trials)".to_string(),
            run.dsr,
            None,
        ),
    ];
    metric_table(out, CI_HEADER, &cis, &extra, doc);
}

fn drift_table(out: &mut String, run: &DemoRun) {
    out.push_str("<table><thead><tr><th>feature</th><th>method</th><th>statistic</th><th>p-value</th><th>PSI</th><th>drift</th><th>severity</th></tr></thead><tbody>");
    for f in &run.drift.features {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td><span class=\"sev sev-{}\">{}</span></td></tr>",
            esc(&f.name),
            f.method.as_str(),
            fmt(f.statistic, 4),
            f.pvalue
                .map(|p| format!("{p:.3e}"))
                .unwrap_or_else(|| "—".into()),
            f.psi.map(|p| fmt(p, 4)).unwrap_or_else(|| "—".into()),
            if f.drift { "yes" } else { "no" },
            f.severity.as_str(),
            f.severity.as_str()
        );
    }
    out.push_str("</tbody></table>");
}

fn guardrail_tables(out: &mut String, run: &DemoRun) {
    out.push_str("<h3>State transitions</h3><table><thead><tr><th>date</th><th>from</th><th>to</th><th>by</th><th>reason</th></tr></thead><tbody>");
    for t in &run.transitions {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td><span class=\"{}\">{}</span></td><td>{}</td><td>{}</td></tr>",
            day_str(t.ts),
            t.from.as_str(),
            state_class(t.to),
            t.to.as_str(),
            esc(&t.actor),
            esc(&t.reason)
        );
    }
    out.push_str("</tbody></table><h3>Period-limit violations</h3><table><thead><tr><th>date</th><th>rule</th><th>value</th><th>threshold</th><th>severity</th></tr></thead><tbody>");
    for b in &run.breaches {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            day_str(b.ts),
            esc(&b.rule),
            fmt(b.value, 4),
            fmt(b.threshold, 4),
            esc(&b.severity)
        );
    }
    let _ = write!(
        out,
        "</tbody></table><h3>Pre-trade decisions</h3><p>{} orders checked.</p><table><thead><tr><th>outcome</th><th>reason</th><th>count</th></tr></thead><tbody>",
        run.orders
    );
    for (k, v) in &run.denials {
        let _ = write!(
            out,
            "<tr><td>denied</td><td>{}</td><td class=\"num\">{v}</td></tr>",
            esc(k)
        );
    }
    for (k, v) in &run.clips {
        let _ = write!(
            out,
            "<tr><td>clipped</td><td>{}</td><td class=\"num\">{v}</td></tr>",
            esc(k)
        );
    }
    out.push_str("</tbody></table>");
}

/// The triggered alerts of `doc["triggered"]` as a list (nothing when none).
pub(crate) fn alerts(o: &mut String, doc: &Value) {
    if let Some(t) = doc.get("triggered").and_then(Value::as_array)
        && !t.is_empty()
    {
        o.push_str("<ul class=\"alert\">");
        for a in t {
            let _ = write!(o, "<li>{}</li>", esc(a.as_str().unwrap_or("")));
        }
        o.push_str("</ul>");
    }
}

/// Renders the report page.
pub(crate) fn render(run: &DemoRun, doc: &Value) -> Result<String, Failure> {
    let mut o = String::with_capacity(256 * 1024);
    let s = &run.summary;
    let _ = write!(
        o,
        "<h1>tradewarden demo report</h1><p>{} daily returns, {} → {}; regime change on {}. Final trading state: <b class=\"{}\">{}</b>. Sharpe {}, max drawdown {}, total return {}.</p>",
        run.returns.len(),
        day_str(run.ts[0]),
        day_str(*run.ts.last().unwrap_or(&0)),
        day_str(run.regime_ts),
        state_class(run.final_state),
        run.final_state.as_str(),
        fmt(s.sharpe_ratio, 2),
        pct(s.max_drawdown),
        pct(s.cumulative_return)
    );
    alerts(&mut o, doc);
    o.push_str("<h2>Profitability</h2>");
    let xs = XAxis::Dates(&run.ts);
    let ms = demo_markers(run);
    equity_chart(
        &mut o,
        xs,
        &run.returns,
        Some(&run.benchmark),
        "Equity curve (growth of 1): strategy vs equal-weight benchmark",
        &ms,
    );
    drawdown_chart(&mut o, xs, &run.drawdown, &ms);
    rolling_chart(
        &mut o,
        xs,
        run.returns.len(),
        &run.rolling_sharpe,
        &format!("Rolling Sharpe ratio ({ROLL_WINDOW} trading days, annualised)"),
        &ms,
    );
    heatmap(&mut o, &run.monthly);
    histogram(
        &mut o,
        &run.returns,
        run.summary.value_at_risk,
        "Distribution of daily returns",
    );
    o.push_str("<h2>Metrics with bootstrap confidence intervals</h2>");
    demo_metric_table(&mut o, run, doc);
    let _ = write!(
        o,
        "<h2>Drift of the live window</h2><p>Live window (from the regime change) against the frozen reference profile: {} of {} features drifted{}. Before the regime change: {} of {}.</p>",
        run.drift.n_drifted,
        run.drift.features.len(),
        if run.drift.dataset_drift {
            " — dataset drift"
        } else {
            ""
        },
        run.drift_before.n_drifted,
        run.drift_before.features.len()
    );
    drift_table(&mut o, run);
    drift_chart(&mut o, run);
    o.push_str("<h2>Guardrails</h2>");
    state_timeline(&mut o, run);
    guardrail_tables(&mut o, run);
    Ok(tradewarden::report::render_page(
        "tradewarden demo report",
        "",
        o,
    )?)
}
