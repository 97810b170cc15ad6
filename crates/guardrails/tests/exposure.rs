#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use tradewarden_guardrails::exposure::{TradeLog, apply_policy, exposure_metrics};
use tradewarden_guardrails::{Enforcement, Error, ExposurePolicy};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn t2_exposure_numbers() {
    let log = TradeLog::new(
        &[1, 2, 3, 4, 5],
        &["AAA", "AAA", "BBB", "BBB", "BBB"],
        None,
        Some(&[100.0, -80.0, 120.0, -90.0, 140.0]),
        Some(&[10.0, 10.5, 9.5, 9.8, 10.2]),
        &[200.0, -260.0, 150.0, -220.0, 175.0],
    )
    .unwrap();
    let m = exposure_metrics(&log, 1000.0, 5.0).unwrap();
    assert!(close(m.gross_exposure_peak, 1.428, 1e-12), "{m:?}");
    assert!(close(m.turnover_rate, 1.6304, 1e-12), "{m:?}");
    assert!(close(m.tail_return_quantile, -252.0, 1e-9), "{m:?}");
    assert!(close(m.tail_event_frequency, 0.2, 1e-12), "{m:?}");
    assert!(close(m.max_symbol_exposure, 1.428, 1e-12), "{m:?}");
    assert!(close(m.tail_return_mean, -260.0, 1e-9));
    assert!(close(m.net_exposure_peak, 1.428, 1e-12));
    // mean gross = (1000+840+1140+882+1428)/5/1000
    assert!(close(m.gross_exposure_mean, 1.058, 1e-12));
    assert!(close(
        m.net_exposure_mean,
        (1000.0 - 840.0 + 1140.0 - 882.0 + 1428.0) / 5000.0,
        1e-12
    ));
}

#[test]
fn grouping_by_timestamp_sums_rows_and_sorts() {
    // Out-of-order rows; two rows share a timestamp.
    let log = TradeLog::new(
        &[2, 1, 2],
        &["A", "B", "C"],
        Some(&[10.0, -5.0, -30.0]),
        None,
        None,
        &[1.0, 2.0, -3.0],
    )
    .unwrap();
    let m = exposure_metrics(&log, 10.0, 5.0).unwrap();
    assert!(close(m.gross_exposure_peak, 4.0, 1e-12));
    // nets: t1 −5, t2 −20 → turnover (0 + 15)/2/10
    assert!(close(m.turnover_rate, 0.75, 1e-12));
    assert!(close(m.net_exposure_peak, 2.0, 1e-12));
}

fn t5_log() -> TradeLog {
    TradeLog::new(
        &[1, 1, 2, 2],
        &["AAA", "BBB", "AAA", "BBB"],
        Some(&[200.0, 40.0, 200.0, 40.0]),
        Some(&[20.0, 4.0, 20.0, 4.0]),
        None,
        &[10.0, -2.0, 5.0, 1.0],
    )
    .unwrap()
    .with_sector(&["tech", "finance", "tech", "finance"])
    .unwrap()
}

#[test]
fn t5_policy_clip_with_tolerance() {
    let log = t5_log();
    let p = ExposurePolicy {
        enabled: true,
        capital: 200.0,
        max_gross_exposure: Some(0.5),
        ..Default::default()
    };
    let out = apply_policy(&log, &p).unwrap();
    assert!(out.scaled);
    assert!(close(out.metrics.gross_exposure_peak, 0.5, 1e-12));
    for i in 0..4 {
        assert!(close(
            out.trades.notional[i],
            log.notional[i] * 5.0 / 12.0,
            1e-12
        ));
        assert!(close(out.trades.pnl[i], log.pnl[i] * 5.0 / 12.0, 1e-12));
        let (a, b) = (
            out.trades.position.as_ref().unwrap()[i],
            log.position.as_ref().unwrap()[i],
        );
        assert!(close(a, b * 5.0 / 12.0, 1e-12));
    }
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    // Without tolerance the float residue would be flagged exactly when gross > .5.
    let strict = ExposurePolicy {
        tolerance: 0.0,
        ..p.clone()
    };
    let out0 = apply_policy(&log, &strict).unwrap();
    // The seed's float residue is reproduced: 0.5000000000000001 > 0.5, and
    // with tolerance 0 it is (wrongly) a violation, as in the seed.
    assert_eq!(out0.metrics.gross_exposure_peak, 0.5000000000000001);
    assert_eq!(out0.violations.len(), 1);
    assert_eq!(out0.violations[0].name, "gross_exposure_peak");
    assert_eq!(out.metrics.gross_exposure_peak, 0.5000000000000001);
    // Warn mode: no scaling, one violation.
    let warn = ExposurePolicy {
        enforcement: Enforcement::Warn,
        ..p
    };
    let w = apply_policy(&log, &warn).unwrap();
    assert!(!w.scaled);
    assert_eq!(w.violations.len(), 1);
    assert_eq!(w.violations[0].name, "gross_exposure_peak");
    assert_eq!(w.violations[0].threshold, Some(0.5));
    assert!(close(w.violations[0].value, 1.2, 1e-12));
}

#[test]
fn t6_sector_cap() {
    let log = t5_log();
    let p = ExposurePolicy {
        enabled: true,
        capital: 200.0,
        sector_caps: BTreeMap::from([("tech".to_string(), 0.3)]),
        ..Default::default()
    };
    let out = apply_policy(&log, &p).unwrap();
    assert!(out.scaled);
    assert!(close(out.exposures.sector["tech"], 0.3, 1e-12));
    assert!(close(out.exposures.sector["finance"], 0.2, 1e-12));
    assert_eq!(out.trades.notional[1], 40.0);
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    // Missing sector column: clip mode errors, warn mode records `sector_caps` with null threshold.
    let bare = TradeLog::new(&[1], &["AAA"], Some(&[1.0]), None, None, &[0.0]).unwrap();
    assert!(matches!(
        apply_policy(&bare, &p),
        Err(Error::MissingColumn {
            column: "sector",
            ..
        })
    ));
    let w = apply_policy(
        &bare,
        &ExposurePolicy {
            enforcement: Enforcement::Warn,
            ..p
        },
    )
    .unwrap();
    assert_eq!(w.violations.len(), 1);
    assert_eq!(
        (w.violations[0].name.as_str(), w.violations[0].threshold),
        ("sector_caps", None)
    );
}

#[test]
fn t7_warn_only_tail_floor() {
    let log = TradeLog::new(
        &[1, 2, 3],
        &["A", "A", "A"],
        Some(&[10.0, 10.0, 10.0]),
        None,
        None,
        &[-0.1, -0.05, 0.02],
    )
    .unwrap();
    let p = ExposurePolicy {
        enabled: true,
        capital: 100.0,
        tail_floor: Some(-0.02),
        enforcement: Enforcement::Warn,
        ..Default::default()
    };
    let out = apply_policy(&log, &p).unwrap();
    assert!(!out.scaled);
    assert!(close(out.metrics.tail_return_quantile, -0.095, 1e-12));
    assert_eq!(out.violations.len(), 1);
    assert_eq!(out.violations[0].name, "tail_return_quantile");
    assert!(close(out.violations[0].value, -0.095, 1e-12));
    assert_eq!(out.violations[0].threshold, Some(-0.02));
    assert!(!out.violations[0].message.is_empty());
    // Not scaled: the rows are untouched.
    assert_eq!(out.trades, log);
    // Clip mode scales every row by floor/value and then passes.
    let c = apply_policy(
        &log,
        &ExposurePolicy {
            enforcement: Enforcement::Clip,
            ..p
        },
    )
    .unwrap();
    assert!(c.scaled);
    assert!(close(c.metrics.tail_return_quantile, -0.02, 1e-12));
    assert!(c.violations.is_empty(), "{:?}", c.violations);
}

#[test]
fn symbol_caps_and_clip_order() {
    let log = t5_log();
    let p = ExposurePolicy {
        enabled: true,
        capital: 200.0,
        symbol_caps: BTreeMap::from([("AAA".to_string(), 0.5)]),
        max_gross_exposure: Some(0.6),
        max_tail_frequency: Some(0.1),
        ..Default::default()
    };
    let out = apply_policy(&log, &p).unwrap();
    // AAA 1.0 → .5 (100), then gross 140/200=.7 → .6.
    assert!(close(out.metrics.gross_exposure_peak, 0.6, 1e-12));
    assert!(close(out.exposures.symbol["AAA"], 0.5 * 0.6 / 0.7, 1e-12));
    // Tail frequency is flagged, never clipped: 1 of 2 days ≤ q.
    assert_eq!(out.violations.len(), 1);
    assert_eq!(out.violations[0].name, "tail_event_frequency");
}

#[test]
fn bad_inputs_are_typed_errors() {
    assert!(TradeLog::new::<&str>(&[], &[], Some(&[]), None, None, &[]).is_err());
    assert!(TradeLog::new(&[1, 2], &["A"], Some(&[1.0, 2.0]), None, None, &[0.0, 0.0]).is_err());
    assert!(TradeLog::new(&[1], &["A"], Some(&[f64::NAN]), None, None, &[0.0]).is_err());
    assert!(matches!(
        TradeLog::new(&[1], &["A"], None, Some(&[1.0]), None, &[0.0]),
        Err(Error::MissingColumn {
            column: "notional",
            ..
        })
    ));
    let log = TradeLog::new(&[1], &["A"], Some(&[1.0]), None, None, &[0.0]).unwrap();
    assert!(exposure_metrics(&log, 0.0, 5.0).is_err());
    assert!(exposure_metrics(&log, 1.0, 101.0).is_err());
    assert!(
        apply_policy(
            &log,
            &ExposurePolicy {
                capital: f64::NAN,
                ..Default::default()
            }
        )
        .is_err()
    );
    // Disabled policy: metrics only.
    let out = apply_policy(
        &log,
        &ExposurePolicy {
            max_gross_exposure: Some(1e-9),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!out.scaled && out.violations.is_empty());
}

mod arrow_input {
    use super::*;
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, Float32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
        TimestampNanosecondArray,
    };
    use tradewarden_guardrails::exposure::TradeLogColumns;

    fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(cols).unwrap()
    }

    /// The T2 log as two record batches, position × price, custom column names.
    #[test]
    fn record_batches_match_columns() {
        let b1 = batch(vec![
            ("ts", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
            (
                "sym",
                Arc::new(StringArray::from(vec!["AAA", "AAA", "BBB"])),
            ),
            (
                "qty",
                Arc::new(Float64Array::from(vec![100.0, -80.0, 120.0])),
            ),
            ("px", Arc::new(Float64Array::from(vec![10.0, 10.5, 9.5]))),
            (
                "pl",
                Arc::new(Float64Array::from(vec![200.0, -260.0, 150.0])),
            ),
        ]);
        let b2 = batch(vec![
            ("ts", Arc::new(Int64Array::from(vec![4, 5])) as ArrayRef),
            ("sym", Arc::new(StringArray::from(vec!["BBB", "BBB"]))),
            ("qty", Arc::new(Float64Array::from(vec![-90.0, 140.0]))),
            ("px", Arc::new(Float64Array::from(vec![9.8, 10.2]))),
            ("pl", Arc::new(Float64Array::from(vec![-220.0, 175.0]))),
        ]);
        let cols = TradeLogColumns {
            timestamp: "ts".into(),
            symbol: "sym".into(),
            position: "qty".into(),
            price: "px".into(),
            pnl: "pl".into(),
            ..Default::default()
        };
        let log = TradeLog::from_batches(&[b1, b2], &cols).unwrap();
        let direct = TradeLog::new(
            &[1, 2, 3, 4, 5],
            &["AAA", "AAA", "BBB", "BBB", "BBB"],
            None,
            Some(&[100.0, -80.0, 120.0, -90.0, 140.0]),
            Some(&[10.0, 10.5, 9.5, 9.8, 10.2]),
            &[200.0, -260.0, 150.0, -220.0, 175.0],
        )
        .unwrap();
        assert_eq!(log, direct);
        let m = exposure_metrics(&log, 1000.0, 5.0).unwrap();
        assert!(close(m.gross_exposure_peak, 1.428, 1e-12));
        assert!(close(m.turnover_rate, 1.6304, 1e-12));
    }

    #[test]
    fn notional_sector_and_other_types() {
        let b = batch(vec![
            (
                "timestamp",
                Arc::new(TimestampNanosecondArray::from(vec![5, 5, 9, 9])) as ArrayRef,
            ),
            (
                "symbol",
                Arc::new(StringArray::from(vec!["AAA", "BBB", "AAA", "BBB"])),
            ),
            (
                "notional",
                Arc::new(Float32Array::from(vec![200.0, 40.0, 200.0, 40.0])),
            ),
            ("pnl", Arc::new(Int32Array::from(vec![10, -2, 5, 1]))),
            (
                "sector",
                Arc::new(StringArray::from(vec![
                    "tech", "finance", "tech", "finance",
                ])),
            ),
        ]);
        let log = TradeLog::from_batches(&[b], &TradeLogColumns::default()).unwrap();
        assert_eq!(log.sector.as_ref().unwrap()[1], "finance");
        // T6 through Arrow.
        let p = ExposurePolicy {
            enabled: true,
            capital: 200.0,
            sector_caps: BTreeMap::from([("tech".to_string(), 0.3)]),
            ..Default::default()
        };
        let out = apply_policy(&log, &p).unwrap();
        assert!(close(out.exposures.sector["tech"], 0.3, 1e-12));
        assert!(out.violations.is_empty());
    }

    #[test]
    fn bad_batches_are_typed_errors() {
        let cols = TradeLogColumns::default();
        assert!(TradeLog::from_batches(&[], &cols).is_err());
        // No notional and no price.
        let b = batch(vec![
            ("timestamp", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ("symbol", Arc::new(StringArray::from(vec!["A"]))),
            ("position", Arc::new(Float64Array::from(vec![1.0]))),
            ("pnl", Arc::new(Float64Array::from(vec![0.0]))),
        ]);
        let e = TradeLog::from_batches(&[b], &cols).unwrap_err();
        assert!(
            matches!(
                e,
                Error::MissingColumn {
                    column: "price",
                    ..
                }
            ),
            "{e}"
        );
        // Missing pnl names the column and lists what is there.
        let b = batch(vec![
            ("timestamp", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ("symbol", Arc::new(StringArray::from(vec!["A"]))),
            ("notional", Arc::new(Float64Array::from(vec![1.0]))),
        ]);
        let e = TradeLog::from_batches(&[b], &cols).unwrap_err();
        assert!(e.to_string().contains("notional"), "{e}");
        assert!(matches!(e, Error::MissingColumn { column: "pnl", .. }));
        // Null / NaN numbers and a non-string symbol column.
        let b = batch(vec![
            (
                "timestamp",
                Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
            ),
            ("symbol", Arc::new(StringArray::from(vec!["A", "B"]))),
            (
                "notional",
                Arc::new(Float64Array::from(vec![Some(1.0), None])),
            ),
            ("pnl", Arc::new(Float64Array::from(vec![0.0, 0.0]))),
        ]);
        let e = TradeLog::from_batches(&[b], &cols).unwrap_err();
        assert!(e.to_string().contains("notional"), "{e}");
        let b = batch(vec![
            ("timestamp", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ("symbol", Arc::new(Int64Array::from(vec![7]))),
            ("notional", Arc::new(Float64Array::from(vec![1.0]))),
            ("pnl", Arc::new(Float64Array::from(vec![f64::NAN]))),
        ]);
        let e = TradeLog::from_batches(&[b], &cols).unwrap_err();
        assert!(e.to_string().contains("symbol"), "{e}");
        let b = batch(vec![
            (
                "timestamp",
                Arc::new(Float64Array::from(vec![1.0])) as ArrayRef,
            ),
            ("symbol", Arc::new(StringArray::from(vec!["A"]))),
            ("notional", Arc::new(Float64Array::from(vec![1.0]))),
            ("pnl", Arc::new(Float64Array::from(vec![0.0]))),
        ]);
        let e = TradeLog::from_batches(&[b], &cols).unwrap_err();
        assert!(e.to_string().contains("timestamp"), "{e}");
    }
}

#[test]
fn sectors_from_the_policy_symbols() {
    let policy = tradewarden_guardrails::Policy::from_toml(
        r#"
[symbols.AAA]
sector = "tech"
[symbols.BBB]
sector = "finance"
[symbols.CCC]
[exposure]
enabled = true
capital = 200.0
[exposure.sector_caps]
tech = 0.3
"#,
    )
    .unwrap();
    let log = TradeLog::new(
        &[1, 1, 2, 2],
        &["AAA", "BBB", "AAA", "BBB"],
        Some(&[200.0, 40.0, 200.0, 40.0]),
        None,
        None,
        &[10.0, -2.0, 5.0, 1.0],
    )
    .unwrap();
    let with = log.clone().with_sectors_from(&policy).unwrap();
    assert_eq!(with, t5_log_without_position());
    // T6 again, sectors taken from the policy.
    let out = apply_policy(&with, &policy.exposure).unwrap();
    assert!(close(out.exposures.sector["tech"], 0.3, 1e-12));
    assert!(out.violations.is_empty());
    // Unregistered symbol or symbol without a sector: error naming it.
    let bad = TradeLog::new(&[1], &["ZZZ"], Some(&[1.0]), None, None, &[0.0]).unwrap();
    let e = bad.with_sectors_from(&policy).unwrap_err().to_string();
    assert!(e.contains("ZZZ"), "{e}");
    let bad = TradeLog::new(&[1], &["CCC"], Some(&[1.0]), None, None, &[0.0]).unwrap();
    let e = bad.with_sectors_from(&policy).unwrap_err().to_string();
    assert!(e.contains("CCC") && e.contains("sector"), "{e}");
    // A sector cap naming a sector no registered symbol has is rejected at load.
    let e = tradewarden_guardrails::Policy::from_toml(
        "[symbols.AAA]\nsector = \"tech\"\n[exposure.sector_caps]\ntecj = 0.3\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("exposure.sector_caps.tecj") && e.contains("unknown sector"),
        "{e}"
    );
}

fn t5_log_without_position() -> TradeLog {
    TradeLog::new(
        &[1, 1, 2, 2],
        &["AAA", "BBB", "AAA", "BBB"],
        Some(&[200.0, 40.0, 200.0, 40.0]),
        None,
        None,
        &[10.0, -2.0, 5.0, 1.0],
    )
    .unwrap()
    .with_sector(&["tech", "finance", "tech", "finance"])
    .unwrap()
}
