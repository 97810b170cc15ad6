//! The report page: user text is escaped, inputs are validated.

use super::*;
use crate::ops::OperationsThresholds;
use tradewarden_core::returns::SummaryOptions;

fn series(n: usize) -> Vec<f64> {
    // deterministic, with losses and gains (every chart draws)
    (0..n)
        .map(|i| 0.0004 + 0.01 * (((i * 37) % 23) as f64 / 23.0 - 0.5))
        .collect()
}

fn ops(r: &[f64], b: Option<&[f64]>) -> OperationsSummary {
    let th = OperationsThresholds {
        min_sharpe: Some(100.0),
        ..Default::default()
    };
    OperationsSummary::compute(r, b, None, &th, &SummaryOptions::default()).unwrap()
}

#[test]
fn user_text_reaching_the_page_is_escaped() {
    let r = series(200);
    let b: Vec<f64> = r.iter().map(|x| x * 0.5).collect();
    let mut summary = ops(&r, Some(&b));
    summary
        .triggered
        .push("<script>alert('x')</script> & \"q\"".into());
    let ts: Vec<i64> = (0..200).map(|i| 1_672_617_600 + 86_400 * i).collect();
    let page = render_html(&ReportInput {
        name: "<script>alert(1)</script>.csv",
        benchmark_name: Some("b\"><img onerror=x>"),
        returns: &r,
        benchmark: Some(&b),
        dates: &Dates::Column {
            name: "<b>date</b>".into(),
            ts,
        },
        ops: &summary,
        thresholds_given: true,
    })
    .unwrap();
    // the only script is the page's own self-check
    assert_eq!(page.matches("<script>").count(), 1);
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>date</b>"));
    assert!(page.contains("<code>&lt;script&gt;alert(1)&lt;/script&gt;.csv</code>"));
    assert!(page.contains("<code>b&quot;&gt;&lt;img onerror=x&gt;</code>"));
    assert!(page.contains("(date column <code>&lt;b&gt;date&lt;/b&gt;</code>)"));
    assert!(page.contains("<li>&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;q&quot;</li>"));
    // the charts are passed through unescaped
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 5);
}

#[test]
fn a_symbol_name_in_the_attribution_table_is_escaped() {
    use tradewarden_guardrails::exposure::{TradeLog, TradeLogColumns};
    let batches = arrow_like::trade_batches();
    let log = TradeLog::from_batches(&batches, &TradeLogColumns::default()).unwrap();
    let r = series(5);
    let s = OperationsSummary::compute(
        &r,
        None,
        Some(crate::ops::Trades {
            log: &log,
            capital: 1000.0,
            tail_percentile: 5.0,
        }),
        &OperationsThresholds::default(),
        &SummaryOptions::default(),
    )
    .unwrap();
    let page = render_html(&ReportInput {
        name: "r",
        benchmark_name: None,
        returns: &r,
        benchmark: None,
        dates: &Dates::Missing("none".into()),
        ops: &s,
        thresholds_given: false,
    })
    .unwrap();
    assert!(
        page.contains("<td>&lt;script&gt;x&lt;/script&gt;</td>"),
        "{page}"
    );
    assert!(!page.contains("<script>x"));
}

/// A trade log with a hostile symbol, as Arrow batches.
mod arrow_like {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};

    pub(super) fn trade_batches() -> Vec<RecordBatch> {
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("timestamp", Arc::new(Int64Array::from(vec![1, 2, 3]))),
            (
                "symbol",
                Arc::new(StringArray::from(vec!["<script>x</script>", "AAA", "AAA"])),
            ),
            (
                "notional",
                Arc::new(Float64Array::from(vec![100.0, -50.0, 80.0])),
            ),
            ("pnl", Arc::new(Float64Array::from(vec![10.0, -5.0, 3.0]))),
        ];
        vec![RecordBatch::try_from_iter(cols).unwrap()]
    }
}

#[test]
fn dates_and_benchmark_of_another_length_are_typed_errors() {
    let r = series(100);
    let s = ops(&r, None);
    let base = ReportInput {
        name: "r",
        benchmark_name: None,
        returns: &r,
        benchmark: None,
        dates: &Dates::Missing("none".into()),
        ops: &s,
        thresholds_given: false,
    };
    let dates = Dates::Column {
        name: "date".into(),
        ts: vec![0; 99],
    };
    let e = render_html(&ReportInput {
        dates: &dates,
        ..base
    })
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::LengthMismatch {
                param: "dates",
                actual: 99,
                expected: 100,
                ..
            }
        ),
        "{e}"
    );
    let b = vec![0.0; 101];
    let e = render_html(&ReportInput {
        benchmark: Some(&b),
        ..base
    })
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::LengthMismatch {
                param: "benchmark",
                actual: 101,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn same_input_same_bytes_and_notes_instead_of_empty_charts() {
    let r = vec![0.0; 10];
    let s = ops(&r, None);
    let inp = ReportInput {
        name: "flat",
        benchmark_name: None,
        returns: &r,
        benchmark: None,
        dates: &Dates::Missing("no dates given".into()),
        ops: &s,
        thresholds_given: false,
    };
    let a = render_html(&inp).unwrap();
    assert_eq!(a, render_html(&inp).unwrap());
    assert!(a.contains("Equity curve not drawn: every return is 0"));
    assert!(a.contains("Drawdown not drawn"));
    assert!(a.contains("Rolling Sharpe ratio not drawn: 10 returns"));
    assert!(a.contains("Monthly returns heatmap omitted: no dates given"));
    assert!(a.contains("No alert triggered (no thresholds given)."));
    assert!(a.ends_with("</body></html>\n"));
}

/// `html_report` (the doors' one call) is the summary then the page, for
/// every door's combination: thresholds given or not, trade log or not.
#[test]
fn html_report_is_the_summary_then_the_page() {
    use tradewarden_guardrails::exposure::{TradeLog, TradeLogColumns};
    let r = series(150);
    let b: Vec<f64> = r.iter().map(|x| x * 0.3).collect();
    let log =
        TradeLog::from_batches(&arrow_like::trade_batches(), &TradeLogColumns::default()).unwrap();
    let th = OperationsThresholds {
        min_sharpe: Some(100.0),
        ..Default::default()
    };
    let options = SummaryOptions::default();
    let dates = Dates::Missing("no dates given".into());
    for thresholds in [None, Some(&th)] {
        for with_log in [false, true] {
            let trades = with_log.then_some(Trades {
                log: &log,
                capital: 1000.0,
                tail_percentile: 5.0,
            });
            let got = html_report(&ReportRequest {
                name: "r.csv",
                benchmark_name: Some("b.csv"),
                returns: &r,
                benchmark: Some(&b),
                dates: &dates,
                trades,
                thresholds,
                options: &options,
            })
            .unwrap();
            let default = OperationsThresholds::default();
            let ops = OperationsSummary::compute(
                &r,
                Some(&b),
                trades,
                thresholds.unwrap_or(&default),
                &options,
            )
            .unwrap();
            let page = render_html(&ReportInput {
                name: "r.csv",
                benchmark_name: Some("b.csv"),
                returns: &r,
                benchmark: Some(&b),
                dates: &dates,
                ops: &ops,
                thresholds_given: thresholds.is_some(),
            })
            .unwrap();
            assert_eq!(got.ops, ops);
            assert_eq!(got.html, page);
            assert_eq!(
                got.html.contains("(no thresholds given)"),
                thresholds.is_none()
            );
        }
    }
    // a threshold that needs a trade log, without one: the summary's typed error
    let needs_log = OperationsThresholds {
        max_gross_exposure: Some(1.0),
        ..Default::default()
    };
    let e = html_report(&ReportRequest {
        name: "r.csv",
        benchmark_name: None,
        returns: &r,
        benchmark: None,
        dates: &dates,
        trades: None,
        thresholds: Some(&needs_log),
        options: &options,
    })
    .unwrap_err();
    assert!(e.to_string().contains("trades"), "{e}");
}

/// The demo page: user text escaped, lengths checked, one figure per chart.
#[test]
fn demo_page_escapes_and_checks_lengths() {
    use std::collections::BTreeMap;

    use demo::{Breach, DemoPage, Transition, render_demo};
    use tradewarden_drift::profile::{Profile, ProfileOptions};
    use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
    use tradewarden_guardrails::TradingState;

    let r = series(120);
    let ts: Vec<i64> = (0..120).map(|i| 1_672_617_600 + 86_400 * i).collect();
    let mut summary = ops(&r, None);
    summary.triggered.push("<b>alert</b>".into());
    let dd = returns::drawdown_series(&r, &Default::default()).unwrap();
    let monthly =
        returns::aggregate_returns(&r, &ts, Period::Monthly, &Default::default()).unwrap();
    let x: Vec<f64> = (0..300).map(|i| f64::from(i % 17)).collect();
    let cols = [("<x>", FeatureData::Numeric(&x))];
    let profile = Profile::fit_features(&cols, &ProfileOptions::default()).unwrap();
    let drift = DriftReport::compute(&profile, &cols, &ReportOptions::default()).unwrap();
    let timeline = vec![("<x>".to_string(), vec![(ts[30], 0.05), (ts[60], 0.3)])];
    let transitions = [Transition {
        ts: ts[50],
        from: TradingState::Active,
        to: TradingState::Halted,
        reason: "loss > <limit>".into(),
        actor: "\"ops\"".into(),
    }];
    let breaches = [Breach {
        ts: ts[50],
        rule: "daily<loss>".into(),
        value: f64::NAN,
        threshold: 0.02,
        severity: "critical".into(),
    }];
    let denials = BTreeMap::from([("<why>".to_string(), 3u64)]);
    let intervals = [IntervalRow {
        name: "sharpe_ratio".into(),
        estimate: 1.0,
        interval: Err("too <few>".into()),
    }];
    let extra = [("dsr".to_string(), f64::INFINITY)];
    let page = DemoPage {
        ts: &ts,
        returns: &r,
        benchmark: &r,
        ops: &summary,
        drawdown: &dd,
        rolling_sharpe: &r[60..],
        rolling_window: 60,
        monthly: &monthly,
        intervals: &intervals,
        extra_metrics: &extra,
        drift: &drift,
        drift_before: &drift,
        drift_window_days: 30,
        drift_timeline: &timeline,
        transitions: &transitions,
        breaches: &breaches,
        denials: &denials,
        clips: &BTreeMap::new(),
        orders: 7,
        final_state: TradingState::Halted,
        regime_ts: ts[40],
        halted_ts: Some(ts[50]),
    };
    let html = render_demo(&page).unwrap();
    assert_eq!(html.matches("<script>").count(), 1);
    assert!(html.contains("<ul class=\"alert\"><li>"));
    assert!(html.contains("<li>&lt;b&gt;alert&lt;/b&gt;</li></ul>"));
    assert!(html.contains("<td>&lt;x&gt;</td>"));
    assert!(html.contains("<td>&quot;ops&quot;</td><td>loss &gt; &lt;limit&gt;</td>"));
    assert!(html.contains("<td>daily&lt;loss&gt;</td><td class=\"num\">—</td>"));
    assert!(html.contains("<tr><td>denied</td><td>&lt;why&gt;</td><td class=\"num\">3</td></tr>"));
    assert!(html.contains("(too &lt;few&gt;)"));
    assert!(html.contains("<p>7 orders checked.</p>"));
    assert!(html.contains("PSI of each 30-day window"));
    // equity, drawdown, rolling, heatmap, histogram, PSI timeline, state timeline
    assert_eq!(html.matches("<figure>").count(), 7, "{html}");
    assert!(!html.contains(">\n<"), "no whitespace between elements");
    let short = DemoPage {
        benchmark: &r[1..],
        ..page
    };
    let e = render_demo(&short).unwrap_err();
    assert!(e.to_string().contains("benchmark"), "{e}");
    let empty = DemoPage { ts: &[], ..page };
    assert!(render_demo(&empty).is_err());
}
