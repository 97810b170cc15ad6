//! The SVG charts of the HTML report: plain Rust functions that append one
//! self-contained `<figure>` (caption + inline `<svg class="chart">`) to a
//! string. Every text they embed goes through [`esc`]; the page template
//! receives their output as safe HTML.
//!
//! ```
//! use tradewarden::report::charts::{XAxis, equity_chart};
//! let mut svg = String::new();
//! equity_chart(&mut svg, XAxis::Rows(3), &[0.01, -0.02, 0.03], None, "Equity <of> \"us\"", &[]);
//! assert!(svg.contains("data-chart=\"equity\""));
//! assert!(svg.contains("Equity &lt;of&gt; &quot;us&quot;"));
//! ```

use std::fmt::Write as _;

use tradewarden_core::returns::AggregatedReturn;
use tradewarden_guardrails::TradingState;

const W: f64 = 860.0;
const H: f64 = 240.0;
const PAD_L: f64 = 56.0;
const PAD_R: f64 = 12.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 28.0;

/// HTML-escapes text for element content and (double-quoted) attribute
/// values: `&`, `<`, `>` and `"`. The report template's auto-escaping uses
/// this function too, so the charts and the template escape alike.
///
/// ```
/// assert_eq!(tradewarden::report::charts::esc("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
/// ```
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// A number with `digits` decimals, or "—" when not finite.
pub fn fmt(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "—".to_string()
    }
}

/// A percentage with 2 decimals, or "—" when not finite.
pub fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2}%", x * 100.0)
    } else {
        "—".to_string()
    }
}

/// A table cell's number (HTML), or "n/a" followed by the reason.
pub fn num_or_na(x: f64, digits: usize, reason: Option<&str>) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        na(reason.unwrap_or_else(|| crate::ops::non_finite_reason(x)))
    }
}

/// "n/a" with its reason (HTML), visible (small print) and as a tooltip.
pub fn na(reason: &str) -> String {
    format!(
        "<span class=\"na\" title=\"{0}\">n/a</span> <small class=\"why\">({0})</small>",
        esc(reason)
    )
}

/// `YYYY-MM-DD` of a Unix timestamp (UTC), `@ts` when out of chrono's range.
pub fn day_str(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map_or_else(|| format!("@{ts}"), |d| d.format("%Y-%m-%d").to_string())
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
pub enum XAxis<'a> {
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
pub struct Marker<'a> {
    /// Where (Unix seconds, UTC): the first point at or after it.
    pub at: i64,
    /// Label drawn beside the line (escaped).
    pub label: &'a str,
    /// CSS class of the line (e.g. `regime`, `halt`).
    pub class: &'a str,
    /// Label line, 0 = top.
    pub row: f64,
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
            esc(m.class),
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
pub fn wealth(r: &[f64]) -> Vec<f64> {
    let mut w = 1.0;
    r.iter()
        .map(|x| {
            w *= 1.0 + x;
            w
        })
        .collect()
}

/// Equity curve (growth of 1) of `returns`, with the benchmark's when given.
pub fn equity_chart(
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
pub fn drawdown_chart(out: &mut String, xs: XAxis<'_>, d: &[f64], ms: &[Marker<'_>]) {
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
pub fn rolling_chart(
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
pub fn heatmap(out: &mut String, monthly: &[AggregatedReturn]) {
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
pub fn histogram(out: &mut String, r: &[f64], var: f64, title: &str) {
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

/// One named series of a [`psi_timeline_chart`]: a value per timestamp.
pub type NamedSeries = (String, Vec<f64>);

/// PSI (or any drift score) of several features over time, one line per
/// feature, with the 0.1 (warning) and 0.2 (critical) lines and `ms` drawn
/// over the legend. Draws nothing when `ts` is empty.
pub fn psi_timeline_chart(
    out: &mut String,
    ts: &[i64],
    series: &[NamedSeries],
    title: &str,
    ms: &[Marker<'_>],
) {
    if ts.is_empty() {
        return;
    }
    let f = Frame::new(
        0.0,
        (ts.len().max(2) - 1) as f64,
        series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .chain([0.0, 0.25]),
    );
    open_svg(out, "drift_timeline", title);
    axes(out, &f, XAxis::Dates(ts), &|v| format!("{v:.2}"));
    for (thr, class) in [(0.1, "warnline"), (0.2, "critline")] {
        let y = f.y(thr);
        let _ = write!(
            out,
            "<line x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"{class}\"/>",
            W - PAD_R
        );
    }
    out.push_str("<g class=\"data\">");
    for (k, (name, ys)) in series.iter().enumerate() {
        let _ = write!(
            out,
            "<path d=\"{}\" class=\"series s{k}\"><title>{}</title></path>",
            polyline(&f, ys, 0),
            esc(name)
        );
    }
    out.push_str("</g><g class=\"legend\">");
    for (k, (name, _)) in series.iter().enumerate() {
        let x = 70.0 + 120.0 * k as f64;
        let _ = write!(
            out,
            "<rect x=\"{x:.0}\" y=\"18\" width=\"12\" height=\"3\" class=\"lg s{k}\"/><text x=\"{:.0}\" y=\"23\" class=\"tick\">{}</text>",
            x + 16.0,
            esc(name)
        );
    }
    markers(out, &f, XAxis::Dates(ts), ms);
    out.push_str("</g></svg></figure>");
}

/// The CSS class of a trading state (`st-active`, `st-reducing`,
/// `st-halted`, `st-killed`): the page's colours.
pub fn state_class(s: TradingState) -> &'static str {
    match s {
        TradingState::Active => "st-active",
        TradingState::Reducing => "st-reducing",
        TradingState::Halted => "st-halted",
        TradingState::Killed => "st-killed",
    }
}

/// A trading-state transition as the state timeline draws it.
#[derive(Debug, Clone, Copy)]
pub struct StateSpan<'a> {
    /// When the state was entered (Unix seconds, UTC).
    pub at: i64,
    /// The state entered.
    pub to: TradingState,
    /// Why (shown as the span's tooltip).
    pub reason: &'a str,
}

/// The trading-state timeline over the days `ts`: one coloured span per
/// transition, from its day to the next transition's (the last to the end).
/// Draws nothing when `ts` is empty.
pub fn state_timeline_chart(out: &mut String, ts: &[i64], spans: &[StateSpan<'_>]) {
    let Some(last) = ts.len().checked_sub(1) else {
        return;
    };
    let h = 70.0;
    let f = Frame {
        x0: 0.0,
        x1: last.max(1) as f64,
        y0: 0.0,
        y1: 1.0,
    };
    let _ = write!(
        out,
        "<figure><figcaption>Trading state timeline</figcaption><svg class=\"chart\" data-chart=\"state_timeline\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-label=\"Trading state timeline\"><g class=\"data\">"
    );
    let idx = |t: i64| ts.iter().position(|x| *x >= t).unwrap_or(0);
    for (k, s) in spans.iter().enumerate() {
        let a = idx(s.at);
        let b = spans.get(k + 1).map_or(last, |n| idx(n.at));
        let (x0, x1) = (f.x(a as f64), f.x(b as f64));
        let _ = write!(
            out,
            "<rect x=\"{x0:.1}\" y=\"10\" width=\"{:.1}\" height=\"30\" class=\"{}\"><title>{} from {}: {}</title></rect>",
            (x1 - x0).max(1.0),
            state_class(s.to),
            s.to.as_str(),
            day_str(s.at),
            esc(s.reason)
        );
    }
    out.push_str("</g>");
    for k in 0..=4 {
        let i = (last as f64 * k as f64 / 4.0).round() as usize;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"58\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            f.x(i as f64),
            day_str(ts[i])
        );
    }
    out.push_str("</svg></figure>");
}
