//! `report.html`: one self-contained page (inline CSS, SVG and a small
//! self-check script; no network): equity curve, drawdown, rolling Sharpe,
//! monthly returns heatmap, return distribution, metrics with bootstrap CIs,
//! drift per feature with severity, guardrail violations and the state timeline.

use std::fmt::Write as _;

use serde_json::Value;
use tradewarden_guardrails::TradingState;

use super::{DemoRun, ROLL_WINDOW, day_str};

const W: f64 = 860.0;
const H: f64 = 240.0;
const PAD_L: f64 = 56.0;
const PAD_R: f64 = 12.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 28.0;

fn esc(s: &str) -> String {
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

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2}%", x * 100.0)
    } else {
        "—".to_string()
    }
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

fn open_svg(out: &mut String, name: &str, title: &str) {
    let _ = write!(
        out,
        "<figure><figcaption>{}</figcaption><svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(name),
        esc(title)
    );
}

fn axes(out: &mut String, f: &Frame, ts: &[i64], yfmt: &dyn Fn(f64) -> String) {
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
    if !ts.is_empty() {
        for k in 0..=4 {
            let i = ((ts.len() - 1) as f64 * k as f64 / 4.0).round() as usize;
            let x = f.x(i as f64);
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                H - 8.0,
                day_str(ts[i])
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

fn marker(out: &mut String, f: &Frame, ts: &[i64], at: i64, label: &str, class: &str, row: f64) {
    if let Some(i) = ts.iter().position(|t| *t >= at) {
        let x = f.x(i as f64);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{PAD_T}\" y2=\"{:.1}\" class=\"{class}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"mlabel\">{}</text>",
            H - PAD_B,
            x + 3.0,
            PAD_T + 10.0 + 12.0 * row,
            esc(label)
        );
    }
}

fn wealth(r: &[f64]) -> Vec<f64> {
    let mut w = 1.0;
    r.iter()
        .map(|x| {
            w *= 1.0 + x;
            w
        })
        .collect()
}

fn markers(out: &mut String, f: &Frame, run: &DemoRun) {
    marker(
        out,
        f,
        &run.ts,
        run.regime_ts,
        "regime change",
        "regime",
        0.0,
    );
    if let Some(h) = run.halted_ts {
        marker(out, f, &run.ts, h, "breaker latched", "halt", 1.0);
    }
}

fn equity_chart(out: &mut String, run: &DemoRun) {
    let s = wealth(&run.returns);
    let b = wealth(&run.benchmark);
    let n = s.len();
    let f = Frame::new(0.0, (n - 1) as f64, s.iter().chain(&b).copied());
    open_svg(
        out,
        "equity",
        "Equity curve (growth of 1): strategy vs equal-weight benchmark",
    );
    axes(out, &f, &run.ts, &|v| format!("{v:.2}"));
    let _ = write!(
        out,
        "<g class=\"data\"><path d=\"{}\" class=\"bench\"/><path d=\"{}\" class=\"line\"/></g>",
        polyline(&f, &b, 0),
        polyline(&f, &s, 0)
    );
    markers(out, &f, run);
    out.push_str("<g class=\"legend\"><rect x=\"70\" y=\"18\" width=\"12\" height=\"3\" class=\"lg-line\"/><text x=\"86\" y=\"23\" class=\"tick\">strategy</text><rect x=\"150\" y=\"18\" width=\"12\" height=\"3\" class=\"lg-bench\"/><text x=\"166\" y=\"23\" class=\"tick\">benchmark</text></g></svg></figure>");
}

fn drawdown_chart(out: &mut String, run: &DemoRun) {
    let d = &run.drawdown;
    let n = d.len();
    let f = Frame::new(0.0, (n - 1) as f64, d.iter().copied().chain([0.0]));
    open_svg(out, "drawdown", "Drawdown");
    axes(out, &f, &run.ts, &|v| format!("{:.0}%", v * 100.0));
    let mut p = polyline(&f, d, 0);
    let _ = write!(
        p,
        "L{:.1},{:.1} L{:.1},{:.1} Z",
        f.x((n - 1) as f64),
        f.y(0.0),
        f.x(0.0),
        f.y(0.0)
    );
    let _ = write!(
        out,
        "<g class=\"data\"><path d=\"{p}\" class=\"area\"/></g>"
    );
    markers(out, &f, run);
    out.push_str("</svg></figure>");
}

fn rolling_chart(out: &mut String, run: &DemoRun) {
    let r = &run.rolling_sharpe;
    let off = run.returns.len() - r.len();
    let f = Frame::new(
        0.0,
        (run.returns.len() - 1) as f64,
        r.iter().copied().chain([0.0]),
    );
    open_svg(
        out,
        "rolling_sharpe",
        &format!("Rolling Sharpe ratio ({ROLL_WINDOW} trading days, annualised)"),
    );
    axes(out, &f, &run.ts, &|v| format!("{v:.1}"));
    let y0 = f.y(0.0);
    let _ = write!(
        out,
        "<line x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" class=\"zero\"/><g class=\"data\"><path d=\"{}\" class=\"line\"/></g>",
        W - PAD_R,
        polyline(&f, r, off)
    );
    markers(out, &f, run);
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

fn heatmap(out: &mut String, run: &DemoRun) {
    let years: Vec<i32> = {
        let mut y: Vec<i32> = run.monthly.iter().map(|m| m.year).collect();
        y.dedup();
        y
    };
    let scale = run
        .monthly
        .iter()
        .map(|m| m.value.abs())
        .fold(0.0, f64::max)
        .max(1e-9);
    let cw = (W - PAD_L - PAD_R) / 12.0;
    let ch = 34.0;
    let h = PAD_T + ch * years.len() as f64 + 24.0;
    let _ = write!(
        out,
        "<figure><figcaption>Monthly returns</figcaption><svg class=\"chart\" data-chart=\"monthly_heatmap\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-label=\"Monthly returns heatmap\"><g class=\"data\">"
    );
    for m in &run.monthly {
        let Some(row) = years.iter().position(|y| *y == m.year) else {
            continue;
        };
        let x = PAD_L + cw * (m.period as f64 - 1.0);
        let y = PAD_T + ch * row as f64;
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}-{:02}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" class=\"cell\" text-anchor=\"middle\">{:.1}</text>",
            cw - 2.0,
            ch - 2.0,
            color(m.value, scale),
            m.year,
            m.period,
            pct(m.value),
            x + cw / 2.0,
            y + ch / 2.0 + 4.0,
            m.value * 100.0
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

fn histogram(out: &mut String, run: &DemoRun) {
    let r = &run.returns;
    let (lo, hi) = r
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(*x), b.max(*x))
        });
    let bins = 40usize;
    let width = ((hi - lo) / bins as f64).max(1e-12);
    let mut counts = vec![0u64; bins];
    for x in r {
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
    open_svg(out, "return_distribution", "Distribution of daily returns");
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
    let var = run.summary.value_at_risk;
    if var.is_finite() {
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
    axes(out, &f, &ts, &|v| format!("{v:.2}"));
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
    marker(out, &f, &ts, run.regime_ts, "regime change", "regime", 0.0);
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

fn metric_table(out: &mut String, run: &DemoRun, doc: &Value) {
    out.push_str("<table><thead><tr><th>metric</th><th>estimate</th><th>95% CI (stationary bootstrap)</th></tr></thead><tbody>");
    for (name, e, lo, hi) in &run.cis {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} … {}</td></tr>",
            esc(name),
            fmt(*e, 4),
            fmt(*lo, 4),
            fmt(*hi, 4)
        );
    }
    let _ = write!(
        out,
        "<tr><td>probabilistic Sharpe ratio (SR* = 0)</td><td class=\"num\">{}</td><td></td></tr><tr><td>deflated Sharpe ratio (5 trials)</td><td class=\"num\">{}</td><td></td></tr>",
        fmt(run.psr, 4),
        fmt(run.dsr, 4)
    );
    if let Some(risk) = doc.get("risk").and_then(Value::as_object) {
        for (k, v) in risk {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td></td></tr>",
                esc(k),
                v.as_f64().map(|x| fmt(x, 4)).unwrap_or_else(|| "—".into())
            );
        }
    }
    out.push_str("</tbody></table>");
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

/// Renders the report page.
pub(crate) fn render(run: &DemoRun, doc: &Value) -> String {
    let mut o = String::with_capacity(256 * 1024);
    let s = &run.summary;
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>tradewarden demo report</title><style>{CSS}</style></head><body>"
    );
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
    if let Some(t) = doc.get("triggered").and_then(Value::as_array)
        && !t.is_empty()
    {
        o.push_str("<ul class=\"alert\">");
        for a in t {
            let _ = write!(o, "<li>{}</li>", esc(a.as_str().unwrap_or("")));
        }
        o.push_str("</ul>");
    }
    o.push_str("<h2>Profitability</h2>");
    equity_chart(&mut o, run);
    drawdown_chart(&mut o, run);
    rolling_chart(&mut o, run);
    heatmap(&mut o, run);
    histogram(&mut o, run);
    o.push_str("<h2>Metrics with bootstrap confidence intervals</h2>");
    metric_table(&mut o, run, doc);
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
    let _ = writeln!(
        o,
        "<p id=\"selfcheck\">SELFCHECK-PENDING</p><script>{SELF_CHECK}</script></body></html>"
    );
    o
}
