//! `report.html`: one self-contained page (inline CSS, SVG and a small
//! self-check script; no network): equity curve, drawdown, rolling Sharpe,
//! monthly returns heatmap, return distribution, metrics with bootstrap CIs,
//! drift per feature with severity, guardrail violations and the state timeline.
//!
//! The page frame ([`page_start`], [`page_end`]), the profitability charts
//! ([`equity_chart`], [`drawdown_chart`], [`rolling_chart`], [`heatmap`],
//! [`histogram`]) and the [`metric_table`] take plain series, so that
//! `tradewarden report` draws its `report.html` with the same code.

use std::fmt::Write as _;

use serde_json::Value;
use tradewarden_core::returns::AggregatedReturn;
use tradewarden_guardrails::TradingState;

use super::{DemoRun, ROLL_WINDOW, day_str};

const W: f64 = 860.0;
const H: f64 = 240.0;
const PAD_L: f64 = 56.0;
const PAD_R: f64 = 12.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 28.0;

/// HTML-escapes text for element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fmt(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "—".to_string()
    }
}

/// A percentage with 2 decimals, or "—" when not finite.
pub(crate) fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2}%", x * 100.0)
    } else {
        "—".to_string()
    }
}

/// Why a number is not finite (the wording of `ops_summary.json`'s `non_finite`).
pub(crate) use tradewarden::ops::non_finite_reason;

/// A table cell's number, or "n/a" followed by the reason.
pub(crate) fn num_or_na(x: f64, digits: usize, reason: Option<&str>) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        na(reason.unwrap_or_else(|| non_finite_reason(x)))
    }
}

/// "n/a" with its reason, visible (small print) and as a tooltip.
pub(crate) fn na(reason: &str) -> String {
    format!(
        "<span class=\"na\" title=\"{0}\">n/a</span> <small class=\"why\">({0})</small>",
        esc(reason)
    )
}

/// Linear scale of the data range onto the plot area.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn new(x0: f64, x1: f64, ys: impl Iterator<Item = f64>) -> Frame {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for y in ys.filter(|y| y.is_finite()) {
            lo = lo.min(y);
            hi = hi.max(y);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if hi - lo < 1e-12 {
            hi = lo + 1.0;
        }
        let m = (hi - lo) * 0.05;
        Frame {
            x0,
            x1: if x1 > x0 { x1 } else { x0 + 1.0 },
            y0: lo - m,
            y1: hi + m,
        }
    }
    fn x(&self, x: f64) -> f64 {
        PAD_L + (x - self.x0) / (self.x1 - self.x0) * (W - PAD_L - PAD_R)
    }
    fn y(&self, y: f64) -> f64 {
        H - PAD_B - (y - self.y0) / (self.y1 - self.y0) * (H - PAD_T - PAD_B)
    }
}

/// The x axis of a time-series chart: one timestamp (Unix seconds, UTC) per
/// point, labelled by date, or no dates (labelled by row number, from 1).
#[derive(Debug, Clone, Copy)]
pub(crate) enum XAxis<'a> {
    /// One timestamp per point.
    Dates(&'a [i64]),
    /// `n` points without dates.
    Rows(usize),
}

impl XAxis<'_> {
    fn len(&self) -> usize {
        match self {
            XAxis::Dates(ts) => ts.len(),
            XAxis::Rows(n) => *n,
        }
    }
    fn label(&self, i: usize) -> String {
        match self {
            XAxis::Dates(ts) => day_str(ts[i]),
            XAxis::Rows(_) => (i + 1).to_string(),
        }
    }
    fn position(&self, at: i64) -> Option<usize> {
        match self {
            XAxis::Dates(ts) => ts.iter().position(|t| *t >= at),
            XAxis::Rows(_) => None,
        }
    }
}

/// A vertical line at a date with a label (`class`: a CSS class, e.g.
/// `regime` or `halt`; `row`: label line, 0 = top).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marker<'a> {
    pub(crate) at: i64,
    pub(crate) label: &'a str,
    pub(crate) class: &'a str,
    pub(crate) row: f64,
}

fn open_svg(out: &mut String, name: &str, title: &str) {
    let _ = write!(
        out,
        "<figure><figcaption>{}</figcaption><svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(name),
        esc(title)
    );
}

fn axes(out: &mut String, f: &Frame, xs: XAxis<'_>, yfmt: &dyn Fn(f64) -> String) {
    out.push_str("<g class=\"axes\">");
    for k in 0..=4 {
        let v = f.y0 + (f.y1 - f.y0) * k as f64 / 4.0;
        let y = f.y(v);
        let _ = write!(
            out,
            "<line x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            W - PAD_R,
            PAD_L - 4.0,
            y + 4.0,
            esc(&yfmt(v))
        );
    }
    let n = xs.len();
    if n > 0 {
        for k in 0..=4 {
            let i = ((n - 1) as f64 * k as f64 / 4.0).round() as usize;
            let x = f.x(i as f64);
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                H - 8.0,
                xs.label(i)
            );
        }
    }
    out.push_str("</g>");
}

fn polyline(f: &Frame, ys: &[f64], offset: usize) -> String {
    let mut d = String::new();
    let mut pen = false;
    for (i, y) in ys.iter().enumerate() {
        if !y.is_finite() {
            pen = false;
            continue;
        }
        let _ = write!(
            d,
            "{}{:.1},{:.1} ",
            if pen { "L" } else { "M" },
            f.x((i + offset) as f64),
            f.y(*y)
        );
        pen = true;
    }
    d
}

fn marker(out: &mut String, f: &Frame, xs: XAxis<'_>, m: &Marker<'_>) {
    if let Some(i) = xs.position(m.at) {
        let x = f.x(i as f64);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{PAD_T}\" y2=\"{:.1}\" class=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"mlabel\">{}</text>",
            H - PAD_B,
            m.class,
            x + 3.0,
            PAD_T + 10.0 + 12.0 * m.row,
            esc(m.label)
        );
    }
}

fn markers(out: &mut String, f: &Frame, xs: XAxis<'_>, ms: &[Marker<'_>]) {
    for m in ms {
        marker(out, f, xs, m);
    }
}

/// Growth of 1: the running product of `1 + r`.
pub(crate) fn wealth(r: &[f64]) -> Vec<f64> {
    let mut w = 1.0;
    r.iter()
        .map(|x| {
            w *= 1.0 + x;
            w
        })
        .collect()
}

/// Equity curve (growth of 1) of `returns`, with the benchmark's when given.
pub(crate) fn equity_chart(
    out: &mut String,
    xs: XAxis<'_>,
    returns: &[f64],
    benchmark: Option<&[f64]>,
    title: &str,
    ms: &[Marker<'_>],
) {
    let s = wealth(returns);
    let b = benchmark.map(wealth).unwrap_or_default();
    let n = s.len();
    let f = Frame::new(0.0, n.saturating_sub(1) as f64, s.iter().chain(&b).copied());
    open_svg(out, "equity", title);
    axes(out, &f, xs, &|v| format!("{v:.2}"));
    out.push_str("<g class=\"data\">");
    if benchmark.is_some() {
        let _ = write!(out, "<path d=\"{}\" class=\"bench\"/>", polyline(&f, &b, 0));
    }
    let _ = write!(
        out,
        "<path d=\"{}\" class=\"line\"/></g>",
        polyline(&f, &s, 0)
    );
    markers(out, &f, xs, ms);
    out.push_str("<g class=\"legend\"><rect x=\"70\" y=\"18\" width=\"12\" height=\"3\" class=\"lg-line\"/><text x=\"86\" y=\"23\" class=\"tick\">strategy</text>");
    if benchmark.is_some() {
        out.push_str("<rect x=\"150\" y=\"18\" width=\"12\" height=\"3\" class=\"lg-bench\"/><text x=\"166\" y=\"23\" class=\"tick\">benchmark</text>");
    }
    out.push_str("</g></svg></figure>");
}

/// Drawdown (fractions ≤ 0) as a filled area.
pub(crate) fn drawdown_chart(out: &mut String, xs: XAxis<'_>, d: &[f64], ms: &[Marker<'_>]) {
    let n = d.len();
    let last = n.saturating_sub(1) as f64;
    let f = Frame::new(0.0, last, d.iter().copied().chain([0.0]));
    open_svg(out, "drawdown", "Drawdown");
    axes(out, &f, xs, &|v| format!("{:.0}%", v * 100.0));
    let mut p = polyline(&f, d, 0);
    let _ = write!(
        p,
        "L{:.1},{:.1} L{:.1},{:.1} Z",
        f.x(last),
        f.y(0.0),
        f.x(0.0),
        f.y(0.0)
    );
    let _ = write!(
        out,
        "<g class=\"data\"><path d=\"{p}\" class=\"area\"/></g>"
    );
    markers(out, &f, xs, ms);
    out.push_str("</svg></figure>");
}

/// A rolling statistic over the last `r.len()` of `n_points` points (the
/// first window ends at point `n_points − r.len()`), with a zero line.
pub(crate) fn rolling_chart(
    out: &mut String,
    xs: XAxis<'_>,
    n_points: usize,
    r: &[f64],
    title: &str,
    ms: &[Marker<'_>],
) {
    let off = n_points.saturating_sub(r.len());
    let f = Frame::new(
        0.0,
        n_points.saturating_sub(1) as f64,
        r.iter().copied().chain([0.0]),
    );
    open_svg(out, "rolling_sharpe", title);
    axes(out, &f, xs, &|v| format!("{v:.1}"));
    let y0 = f.y(0.0);
    let _ = write!(
        out,
        "<line x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" class=\"zero\"/><g class=\"data\"><path d=\"{}\" class=\"line\"/></g>",
        W - PAD_R,
        polyline(&f, r, off)
    );
    markers(out, &f, xs, ms);
    out.push_str("</svg></figure>");
}

fn color(v: f64, scale: f64) -> String {
    if !v.is_finite() {
        return "#ddd".into();
    }
    let t = (v / scale).clamp(-1.0, 1.0);
    let (r, g, b) = if t >= 0.0 {
        (255.0 - 200.0 * t, 255.0 - 80.0 * t, 255.0 - 200.0 * t)
    } else {
        (255.0 + 40.0 * t, 255.0 + 200.0 * t, 255.0 + 200.0 * t)
    };
    format!("rgb({:.0},{:.0},{:.0})", r, g, b)
}

/// Monthly returns heatmap: a row per year, a column per month.
pub(crate) fn heatmap(out: &mut String, monthly: &[AggregatedReturn]) {
    let years: Vec<i32> = {
        let mut y: Vec<i32> = monthly.iter().map(|m| m.year).collect();
        y.dedup();
        y
    };
    let scale = monthly
        .iter()
        .map(|m| m.value.abs())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9);
    let cw = (W - PAD_L - PAD_R) / 12.0;
    let ch = 34.0;
    let h = PAD_T + ch * years.len() as f64 + 24.0;
    let _ = write!(
        out,
        "<figure><figcaption>Monthly returns</figcaption><svg class=\"chart\" data-chart=\"monthly_heatmap\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-label=\"Monthly returns heatmap\"><g class=\"data\">"
    );
    for m in monthly {
        let Some(row) = years.iter().position(|y| *y == m.year) else {
            continue;
        };
        let x = PAD_L + cw * (m.period as f64 - 1.0);
        let y = PAD_T + ch * row as f64;
        let cell = if m.value.is_finite() {
            format!("{:.1}", m.value * 100.0)
        } else {
            "n/a".to_string()
        };
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}-{:02}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" class=\"cell\" text-anchor=\"middle\">{cell}</text>",
            cw - 2.0,
            ch - 2.0,
            color(m.value, scale),
            m.year,
            m.period,
            pct(m.value),
            x + cw / 2.0,
            y + ch / 2.0 + 4.0,
        );
    }
    out.push_str("</g>");
    for (row, y) in years.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{y}</text>",
            PAD_L - 6.0,
            PAD_T + ch * row as f64 + ch / 2.0 + 4.0
        );
    }
    for (k, name) in [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{name}</text>",
            PAD_L + cw * (k as f64 + 0.5),
            h - 6.0
        );
    }
    out.push_str("</svg></figure>");
}

/// Histogram of the (finite) returns in 40 bins, with the 5 % VaR marked when finite.
pub(crate) fn histogram(out: &mut String, r: &[f64], var: f64, title: &str) {
    let (mut lo, mut hi) = r
        .iter()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(*x), b.max(*x))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 0.0);
    }
    if hi - lo < 1e-12 {
        // one distinct value: a single bar centred on it
        let half = (lo.abs() * 0.01).max(1e-4);
        (lo, hi) = (lo - half, hi + half);
    }
    let bins = 40usize;
    let width = ((hi - lo) / bins as f64).max(1e-12);
    let mut counts = vec![0u64; bins];
    for x in r.iter().filter(|x| x.is_finite()) {
        let i = (((x - lo) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let f = Frame {
        x0: lo,
        x1: hi,
        y0: 0.0,
        y1: max * 1.05,
    };
    open_svg(out, "return_distribution", title);
    out.push_str("<g class=\"axes\">");
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            f.x(v),
            H - 8.0,
            pct(v)
        );
    }
    out.push_str("</g><g class=\"data\">");
    for (i, c) in counts.iter().enumerate() {
        let x0 = f.x(lo + width * i as f64);
        let x1 = f.x(lo + width * (i + 1) as f64);
        let y = f.y(*c as f64);
        let _ = write!(
            out,
            "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"bar\"><title>{c}</title></rect>",
            (x1 - x0 - 1.0).max(0.5),
            (H - PAD_B - y).max(0.0)
        );
    }
    if var.is_finite() && var >= lo && var <= hi {
        let x = f.x(var);
        let _ = write!(
            out,
            "</g><line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{PAD_T}\" y2=\"{:.1}\" class=\"halt\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"mlabel\">VaR 5% {}</text>",
            H - PAD_B,
            x + 3.0,
            PAD_T + 10.0,
            pct(var)
        );
    } else {
        out.push_str("</g>");
    }
    out.push_str("</svg></figure>");
}

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
    let f = Frame::new(
        0.0,
        (ts.len().max(2) - 1) as f64,
        run.drift_timeline
            .iter()
            .flat_map(|(_, v)| v.iter().map(|(_, p)| *p))
            .chain([0.0, 0.25]),
    );
    open_svg(
        out,
        "drift_timeline",
        "PSI of each 21-day window against the frozen reference profile",
    );
    axes(out, &f, XAxis::Dates(&ts), &|v| format!("{v:.2}"));
    for (thr, class) in [(0.1, "warnline"), (0.2, "critline")] {
        let y = f.y(thr);
        let _ = write!(
            out,
            "<line x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"{class}\"/>",
            W - PAD_R
        );
    }
    out.push_str("<g class=\"data\">");
    for (k, (name, pts)) in run.drift_timeline.iter().enumerate() {
        let ys: Vec<f64> = pts.iter().map(|(_, p)| *p).collect();
        let _ = write!(
            out,
            "<path d=\"{}\" class=\"series s{k}\"><title>{}</title></path>",
            polyline(&f, &ys, 0),
            esc(name)
        );
    }
    out.push_str("</g><g class=\"legend\">");
    for (k, (name, _)) in run.drift_timeline.iter().enumerate() {
        let x = 70.0 + 120.0 * k as f64;
        let _ = write!(
            out,
            "<rect x=\"{x:.0}\" y=\"18\" width=\"12\" height=\"3\" class=\"lg s{k}\"/><text x=\"{:.0}\" y=\"23\" class=\"tick\">{}</text>",
            x + 16.0,
            esc(name)
        );
    }
    marker(
        out,
        &f,
        XAxis::Dates(&ts),
        &Marker {
            at: run.regime_ts,
            label: "regime change",
            class: "regime",
            row: 0.0,
        },
    );
    out.push_str("</g></svg></figure>");
}

fn state_class(s: TradingState) -> &'static str {
    match s {
        TradingState::Active => "st-active",
        TradingState::Reducing => "st-reducing",
        TradingState::Halted => "st-halted",
        TradingState::Killed => "st-killed",
    }
}

fn state_timeline(out: &mut String, run: &DemoRun) {
    let h = 70.0;
    let n = run.ts.len();
    let f = Frame {
        x0: 0.0,
        x1: (n - 1) as f64,
        y0: 0.0,
        y1: 1.0,
    };
    let _ = write!(
        out,
        "<figure><figcaption>Trading state timeline</figcaption><svg class=\"chart\" data-chart=\"state_timeline\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-label=\"Trading state timeline\"><g class=\"data\">"
    );
    let idx = |t: i64| run.ts.iter().position(|x| *x >= t).unwrap_or(0);
    for (k, tr) in run.transitions.iter().enumerate() {
        let a = idx(tr.ts);
        let b = run
            .transitions
            .get(k + 1)
            .map(|n| idx(n.ts))
            .unwrap_or(n - 1);
        let (x0, x1) = (f.x(a as f64), f.x(b as f64));
        let _ = write!(
            out,
            "<rect x=\"{x0:.1}\" y=\"10\" width=\"{:.1}\" height=\"30\" class=\"{}\"><title>{} from {}: {}</title></rect>",
            (x1 - x0).max(1.0),
            state_class(tr.to),
            tr.to.as_str(),
            day_str(tr.ts),
            esc(&tr.reason)
        );
    }
    out.push_str("</g>");
    for k in 0..=4 {
        let i = ((n - 1) as f64 * k as f64 / 4.0).round() as usize;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"58\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            f.x(i as f64),
            day_str(run.ts[i])
        );
    }
    out.push_str("</svg></figure>");
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

/// The header of the metric table's interval column.
pub(crate) const CI_HEADER: &str = "95% CI (stationary bootstrap)";

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

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:900px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px}
figure{margin:12px 0}figcaption{font-weight:600;font-size:13px;margin-bottom:4px}
svg.chart{background:#fafafa;border:1px solid #e4e4e4;max-width:100%;height:auto}
.grid{stroke:#e2e2e2;stroke-width:1}.zero{stroke:#888;stroke-dasharray:3 3}
.tick{font-size:10px;fill:#555}.mlabel{font-size:10px;fill:#a33}.cell{font-size:10px;fill:#222}
.line{fill:none;stroke:#1f5fa8;stroke-width:1.6}.bench{fill:none;stroke:#999;stroke-width:1.2}
.area{fill:#d9534f55;stroke:#c9302c;stroke-width:1}.bar{fill:#4a7fc1}
.regime{stroke:#8a6d3b;stroke-dasharray:4 3}.halt{stroke:#c9302c;stroke-dasharray:2 2}
.warnline{stroke:#f0ad4e;stroke-dasharray:4 3}.critline{stroke:#d9534f;stroke-dasharray:4 3}
.series{fill:none;stroke-width:1.5}.s0{stroke:#1f77b4;fill:#1f77b4}.s1{stroke:#ff7f0e;fill:#ff7f0e}.s2{stroke:#2ca02c;fill:#2ca02c}.s3{stroke:#9467bd;fill:#9467bd}.s4{stroke:#8c564b;fill:#8c564b}
path.series{fill:none}.lg-line{fill:#1f5fa8}.lg-bench{fill:#999}
.st-active{fill:#5cb85c;color:#2d6a2d}.st-reducing{fill:#f0ad4e;color:#9a6208}.st-halted{fill:#d9534f;color:#a02622}.st-killed{fill:#333;color:#333}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{padding:1px 6px;border-radius:3px}.sev-none{background:#e8f5e9}.sev-low{background:#fff8e1}.sev-medium{background:#ffe0b2}.sev-high{background:#ffab91}.sev-critical{background:#ef5350;color:#fff}
.alert{color:#a02622}#selfcheck{font-size:10px;color:#999}";

const SELF_CHECK: &str = "(function(){var out=document.getElementById('selfcheck');var errs=[];
window.addEventListener('error',function(e){out.textContent='SELFCHECK-FAIL error '+e.message;});
var charts=document.querySelectorAll('svg.chart');
charts.forEach(function(s){var g=s.querySelector('g.data');var n=g?g.querySelectorAll('path,rect,line').length:0;
var b=g&&g.getBBox?g.getBBox():{width:0,height:0};
if(!g||n===0||!(b.width>0)||!(b.height>0)){errs.push(s.getAttribute('data-chart'));}});
out.textContent=(errs.length===0&&charts.length>0?'SELFCHECK-OK ':'SELFCHECK-FAIL ')+charts.length+' charts'+(errs.length?' empty: '+errs.join(','):'');})();";

/// Opens the page: doctype, `<head>` with the title and the inline CSS (plus
/// `extra_css`), `<body>`.
pub(crate) fn page_start(o: &mut String, title: &str, extra_css: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}{extra_css}</style></head><body>",
        esc(title)
    );
}

/// Closes the page with the self-check: every `svg.chart` must have drawn a
/// non-empty `g.data` and no script error may occur; the verdict
/// (`SELFCHECK-OK …` / `SELFCHECK-FAIL …`) is written into `#selfcheck`.
pub(crate) fn page_end(o: &mut String) {
    let _ = writeln!(
        o,
        "<p id=\"selfcheck\">SELFCHECK-PENDING</p><script>{SELF_CHECK}</script></body></html>"
    );
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
pub(crate) fn render(run: &DemoRun, doc: &Value) -> String {
    let mut o = String::with_capacity(256 * 1024);
    let s = &run.summary;
    page_start(&mut o, "tradewarden demo report", "");
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
    page_end(&mut o);
    o
}
