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
