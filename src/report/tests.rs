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

/// An input with no benchmark, trades, thresholds, drift or journal.
fn input<'a>(name: &'a str, r: &'a [f64], dates: &'a Dates) -> ReportInput<'a> {
    static OPTIONS: std::sync::OnceLock<SummaryOptions> = std::sync::OnceLock::new();
    ReportInput {
        name,
        benchmark_name: None,
        returns: r,
        benchmark: None,
        dates,
        trades: None,
        thresholds: None,
        options: OPTIONS.get_or_init(SummaryOptions::default),
        drift: None,
        journal: None,
    }
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
    let dates = Dates::Column {
        name: "<b>date</b>".into(),
        ts,
    };
    let th = OperationsThresholds::default();
    let page = render_html(
        &ReportInput {
            benchmark_name: Some("b\"><img onerror=x>"),
            benchmark: Some(&b),
            thresholds: Some(&th),
            ..input("<script>alert(1)</script>.csv", &r, &dates)
        },
        &summary,
    )
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
    let page = render_html(&input("r", &r, &Dates::Missing("none".into())), &s).unwrap();
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
    let none = Dates::Missing("none".into());
    let base = input("r", &r, &none);
    let dates = Dates::Column {
        name: "date".into(),
        ts: vec![0; 99],
    };
    let e = render_html(
        &ReportInput {
            dates: &dates,
            ..base
        },
        &s,
    )
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
    let e = render_html(
        &ReportInput {
            benchmark: Some(&b),
            ..base
        },
        &s,
    )
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
    let dates = Dates::Missing("no dates given".into());
    let inp = input("flat", &r, &dates);
    let a = render_html(&inp, &s).unwrap();
    assert_eq!(a, render_html(&inp, &s).unwrap());
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
            let inp = ReportInput {
                benchmark_name: Some("b.csv"),
                benchmark: Some(&b),
                trades,
                thresholds,
                options: &options,
                ..input("r.csv", &r, &dates)
            };
            let got = html_report(&inp).unwrap();
            let default = OperationsThresholds::default();
            let ops = OperationsSummary::compute(
                &r,
                Some(&b),
                trades,
                thresholds.unwrap_or(&default),
                &options,
            )
            .unwrap();
            let page = render_html(&inp, &ops).unwrap();
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
    let e = html_report(&ReportInput {
        thresholds: Some(&needs_log),
        ..input("r.csv", &r, &dates)
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

/// The drift and guardrail-events sections: every name and reason escaped,
/// the numbers from the drift report and the journal, absent when not given.
#[test]
fn drift_and_journal_sections_escape_hostile_names() {
    use tradewarden_drift::profile::{Profile, ProfileOptions};
    use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
    use tradewarden_guardrails::TradingState;
    use tradewarden_guardrails::journal::{Entry, Event};

    let r = series(100);
    let dates = Dates::Missing("none".into());
    let x: Vec<f64> = (0..300).map(|i| f64::from(i % 17)).collect();
    let shifted: Vec<f64> = x.iter().map(|v| v + 9.0).collect();
    let name = "<img src=x onerror=alert(1)>";
    let profile = Profile::fit_features(
        &[(name, FeatureData::Numeric(&x))],
        &ProfileOptions::default(),
    )
    .unwrap();
    let drift = DriftReport::compute(
        &profile,
        &[(name, FeatureData::Numeric(&shifted))],
        &ReportOptions::default(),
    )
    .unwrap();
    assert_eq!(drift.n_drifted, 1);
    let entry = |seq: u64, event: Event| Entry {
        seq,
        ts: 1_700_000_000.0 + seq as f64,
        prev: None,
        event,
    };
    let entries = vec![
        entry(
            1,
            Event::Transition {
                from: TradingState::Active,
                to: TradingState::Halted,
                reason: "loss > <b>limit</b>".into(),
                actor: "\"ops\" & co".into(),
            },
        ),
        entry(
            2,
            Event::Violation {
                rule: "<script>rule</script>".into(),
                value: 0.031,
                threshold: Some(0.02),
            },
        ),
        entry(
            3,
            Event::Override {
                who: "<i>me</i>".into(),
                why: "why'".into(),
                what: "reset".into(),
            },
        ),
    ];
    let s = ops(&r, None);
    let plain = render_html(&input("r", &r, &dates), &s).unwrap();
    assert!(!plain.contains("<h2>Drift</h2>") && !plain.contains("<h2>Guardrail events</h2>"));
    let page = render_html(
        &ReportInput {
            drift: Some(&drift),
            journal: Some(JournalEvents {
                entries: &entries,
                unreadable: 2,
            }),
            ..input("r", &r, &dates)
        },
        &s,
    )
    .unwrap();
    assert_eq!(page.matches("<script>").count(), 1, "only the self-check");
    assert!(!page.contains("<img") && !page.contains("<i>me") && !page.contains("<b>limit"));
    assert!(page.contains("<h2>Drift</h2><p>1 of 1 features drifted (100.00%; dataset drift from 50.00%) — dataset drift."));
    assert!(
        page.contains("<tr><td>&lt;img src=x onerror=alert(1)&gt;</td><td>ks</td>"),
        "{page}"
    );
    assert!(page.contains("<h2>Guardrail events</h2><p>0 pre-trade decision(s), 0 denied; 1 violation record(s). 2 unreadable journal line(s) skipped.</p>"), "{page}");
    assert!(page.contains("<td>2023-11-14 22:13:21 UTC</td><td>transition</td><td>ACTIVE → HALTED by &quot;ops&quot; &amp; co: loss &gt; &lt;b&gt;limit&lt;/b&gt;</td>"), "{page}");
    assert!(page.contains(
        "<td>violation</td><td>&lt;script&gt;rule&lt;/script&gt;: 0.0310 (limit 0.0200)</td>"
    ));
    assert!(
        page.contains("<td>override</td><td>reset by &lt;i&gt;me&lt;/i&gt;: why'</td>"),
        "{page}"
    );
    // the sections come after the metrics, before the conventions; the rest is the plain page
    let (head, tail) = plain.split_at(plain.find("<h2>Conventions</h2>").unwrap());
    assert!(page.starts_with(head) && page.ends_with(tail));

    // a long journal: the newest MAX_EVENT_ROWS events, a note for the rest; decisions counted
    let many: Vec<Entry> = (0..MAX_EVENT_ROWS as u64 + 3)
        .map(|i| {
            entry(
                i,
                Event::Violation {
                    rule: "r".into(),
                    value: 1.0,
                    threshold: None,
                },
            )
        })
        .collect();
    let page = render_html(
        &ReportInput {
            journal: Some(JournalEvents {
                entries: &many,
                unreadable: 0,
            }),
            ..input("r", &r, &dates)
        },
        &s,
    )
    .unwrap();
    assert!(page.contains(&format!(
        "The 3 earliest event(s) are not listed (the newest {MAX_EVENT_ROWS} are)."
    )));
    assert_eq!(page.matches("<td>violation</td>").count(), MAX_EVENT_ROWS);
    assert!(!page.contains("<td class=\"num\">2</td><td>2023"));
    assert!(page.contains("<td class=\"num\">3</td><td>2023"));
    assert!(page.contains("r: 1.0000 (no limit defined)"));
}
