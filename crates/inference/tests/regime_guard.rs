#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Regime classifier (rule order of ml-trading-bot) and prediction sanity guard.

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::guard::{DropReason, SanityGuard};
use tradewarden_inference::regime::{Regime, RegimeConfig, classify};
use tradewarden_metrics::catalog::{Catalog, MARKET_REGIMES};
use tradewarden_metrics::handles::MlBotMetrics;
use tradewarden_metrics::testing::TestRecorder;

/// `n` closes repeating `pattern`, times `(1 + trend)^i`; highs/lows ±`spread`.
fn candles(n: usize, pattern: &[f64], trend: f64, spread: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let close: Vec<f64> = (0..n)
        .map(|i| pattern[i % pattern.len()] * (1.0 + trend).powi(i as i32))
        .collect();
    let high = close.iter().map(|c| c * (1.0 + spread)).collect();
    let low = close.iter().map(|c| c * (1.0 - spread)).collect();
    (high, low, close)
}

fn regime_of(c: &(Vec<f64>, Vec<f64>, Vec<f64>)) -> Regime {
    classify(&c.0, &c.1, &c.2, &RegimeConfig::default())
        .unwrap()
        .regime
}

#[test]
fn each_rule_fires_on_its_market() {
    // quiet and flat
    let flat = candles(120, &[100.0, 100.1, 100.05], 0.0, 0.0005);
    let r = classify(&flat.0, &flat.1, &flat.2, &RegimeConfig::default()).unwrap();
    assert_eq!(r.regime, Regime::RangeBound, "{r:?}");
    assert!(r.vol < 0.004 && r.momentum.abs() < 0.01);
    // steady trends (tiny vol, but |momentum| > 1 % so not range_bound)
    assert_eq!(
        regime_of(&candles(120, &[100.0], 0.0005, 0.001)),
        Regime::TrendingUp
    );
    assert_eq!(
        regime_of(&candles(120, &[100.0], -0.0005, 0.001)),
        Regime::TrendingDown
    );
    // swings of ~2 % with momentum +1 %
    let swings = candles(120, &[100.0, 102.0, 101.0], 0.0, 0.001);
    let r = classify(&swings.0, &swings.1, &swings.2, &RegimeConfig::default()).unwrap();
    assert_eq!(r.regime, Regime::Volatile, "{r:?}");
    assert!(r.vol >= 0.01 && (r.momentum - 0.01).abs() < 1e-12);
    // moderate noise, narrow range: neutral; one wide candle: volatile by range
    let mut calm = candles(120, &[100.0, 100.8, 100.4], 0.0, 0.001);
    let r = classify(&calm.0, &calm.1, &calm.2, &RegimeConfig::default()).unwrap();
    assert_eq!(r.regime, Regime::Neutral, "{r:?}");
    assert!(r.vol > 0.004 && r.vol < 0.01 && r.range < 0.03);
    calm.0[60] = 104.0;
    assert_eq!(regime_of(&calm), Regime::Volatile);
}

#[test]
fn rules_are_checked_in_order() {
    // big swings on an up-trend: trending_up wins over volatile (rule 2 before 4)
    let c = candles(120, &[100.0, 102.0, 101.0], 0.001, 0.001);
    let r = classify(&c.0, &c.1, &c.2, &RegimeConfig::default()).unwrap();
    assert!(r.vol >= 0.01 && r.momentum > 0.015, "{r:?}");
    assert_eq!(r.regime, Regime::TrendingUp);
    // only the last `window` candles count: a crash before them is ignored
    let mut long = candles(200, &[100.0, 100.1, 100.05], 0.0, 0.0005);
    long.2[10] = 50.0;
    long.1[10] = 49.0;
    assert_eq!(regime_of(&long), Regime::RangeBound);
    // a lower volatile threshold turns the neutral market volatile
    let calm = candles(120, &[100.0, 100.8, 100.4], 0.0, 0.001);
    let cfg = RegimeConfig {
        volatile_min_vol: 0.005,
        ..RegimeConfig::default()
    };
    assert_eq!(
        classify(&calm.0, &calm.1, &calm.2, &cfg).unwrap().regime,
        Regime::Volatile
    );
}

#[test]
fn classifier_is_deterministic_and_handles_short_history() {
    let c = candles(150, &[100.0, 102.0, 101.0], 0.0003, 0.002);
    let a = classify(&c.0, &c.1, &c.2, &RegimeConfig::default()).unwrap();
    let b = classify(&c.0, &c.1, &c.2, &RegimeConfig::default()).unwrap();
    assert_eq!(
        (
            a.regime,
            a.vol.to_bits(),
            a.momentum.to_bits(),
            a.range.to_bits()
        ),
        (
            b.regime,
            b.vol.to_bits(),
            b.momentum.to_bits(),
            b.range.to_bits()
        )
    );
    let short = candles(119, &[100.0], 0.001, 0.001);
    let r = classify(&short.0, &short.1, &short.2, &RegimeConfig::default()).unwrap();
    assert_eq!(r.regime, Regime::Unknown);
    assert!(r.vol.is_nan());
}

#[test]
fn classifier_rejects_bad_input_with_typed_errors() {
    let c = candles(120, &[100.0], 0.0, 0.001);
    let e = classify(&c.0[1..], &c.1, &c.2, &RegimeConfig::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("high"), "{e}");
    let mut bad = c.clone();
    bad.2[5] = f64::NAN;
    let e = classify(&bad.0, &bad.1, &bad.2, &RegimeConfig::default()).unwrap_err();
    assert!(
        e.to_string().contains("close") && e.to_string().contains("[5]"),
        "{e}"
    );
    let mut bad = c.clone();
    bad.1[7] = -1.0;
    assert!(
        classify(&bad.0, &bad.1, &bad.2, &RegimeConfig::default())
            .unwrap_err()
            .to_string()
            .contains("low")
    );
    let mut bad = c.clone();
    bad.0[3] = bad.1[3] * 0.5;
    let e = classify(&bad.0, &bad.1, &bad.2, &RegimeConfig::default()).unwrap_err();
    assert!(e.to_string().contains("high"), "{e}");
    let cfg = RegimeConfig {
        window: 1,
        volatile_min_range: f64::NAN,
        ..RegimeConfig::default()
    };
    let e = classify(&c.0, &c.1, &c.2, &cfg).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(
        e.to_string().contains("window = 1") && e.to_string().contains("volatile_min_range"),
        "{e}"
    );
    assert!(serde_json::from_str::<RegimeConfig>(r#"{"windw": 100}"#).is_err());
    let cfg: RegimeConfig = serde_json::from_str(r#"{"window": 60}"#).unwrap();
    assert_eq!((cfg.window, cfg.trend_min_abs_momentum), (60, 0.015));
}

#[test]
fn regimes_match_the_catalog_and_publish_one_hot() {
    let ours: Vec<&str> = Regime::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(ours, MARKET_REGIMES);
    for r in Regime::ALL {
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            format!("\"{}\"", r.as_str())
        );
    }
    let rec = TestRecorder::new();
    let ml = MlBotMetrics::new(&Catalog::default());
    let c = candles(120, &[100.0], 0.0005, 0.001);
    let regime = regime_of(&c);
    rec.with(|| ml.set_regime("BTCUSDT", "1h", regime.as_str()).unwrap());
    for r in Regime::ALL {
        let v = rec.gauge(
            "market_regime_state",
            &[
                ("symbol", "BTCUSDT"),
                ("timeframe", "1h"),
                ("regime", r.as_str()),
            ],
        );
        assert_eq!(v, Some(if r == regime { 1.0 } else { 0.0 }), "{r:?}");
    }
}

#[test]
fn guard_drops_large_moves_and_resumes_from_last_kept_point() {
    let g = SanityGuard::default();
    // just inside both thresholds: kept
    let r = g.check(100.0, &[105.0, 111.0, 111.9]).unwrap();
    assert!(r.dropped.is_empty(), "{r:?}");
    let r = g
        .check(100.0, &[104.0, 112.5, 105.0, 99.0, 90.0, 95.0])
        .unwrap();
    assert_eq!(r.kept, vec![(0, 104.0), (2, 105.0), (3, 99.0), (5, 95.0)]);
    let reasons: Vec<(usize, DropReason)> = r.dropped.iter().map(|d| (d.index, d.reason)).collect();
    // 112.5: +12.5 % from close; 90: −9.1 % from 99 (step) but only −10 % from close
    assert_eq!(
        reasons,
        vec![
            (1, DropReason::MoveFromLastClose),
            (4, DropReason::StepMove)
        ]
    );
    let r = g
        .check(100.0, &[f64::NAN, 0.0, -5.0, f64::INFINITY, 101.0])
        .unwrap();
    assert_eq!(r.kept, vec![(4, 101.0)]);
    assert!(r.dropped.iter().all(|d| d.reason == DropReason::NotFinite));
    assert_eq!(DropReason::StepMove.as_str(), "step_move");
    assert!(g.check(100.0, &[]).unwrap().kept.is_empty());
}

#[test]
fn guard_thresholds_are_configurable_and_validated() {
    let g: SanityGuard = serde_json::from_str(r#"{"max_step_move": 0.02}"#).unwrap();
    assert_eq!(g.max_move_from_last_close, 0.12);
    let r = g.check(100.0, &[101.0, 104.0]).unwrap();
    assert_eq!(r.kept, vec![(0, 101.0)]);
    assert!(serde_json::from_str::<SanityGuard>(r#"{"max_step": 0.02}"#).is_err());
    let bad = SanityGuard {
        max_move_from_last_close: -0.1,
        max_step_move: f64::NAN,
    };
    let e = bad.check(100.0, &[100.0]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(
        e.to_string().contains("max_move_from_last_close")
            && e.to_string().contains("max_step_move"),
        "{e}"
    );
    for lc in [0.0, -1.0, f64::NAN] {
        let e = SanityGuard::default().check(lc, &[1.0]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("last_close"), "{e}");
    }
}
