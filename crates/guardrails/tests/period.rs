#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_guardrails::period::{PeriodObservation, Severity, evaluate, evaluate_and_latch};
use tradewarden_guardrails::{PeriodLimits, StateStore, TradingState};

fn rules(b: &[tradewarden_guardrails::period::PeriodBreach]) -> Vec<(&'static str, Severity)> {
    b.iter().map(|x| (x.rule, x.severity)).collect()
}

#[test]
fn each_limit_warning_and_critical() {
    let l = PeriodLimits::default();
    let aum = Some(1_000_000.0);
    let o = PeriodObservation {
        aum,
        hourly_pnl: Some(-3_500.0),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("hourly_loss_ratio", Severity::Warning)]
    );
    let o = PeriodObservation {
        aum,
        hourly_pnl: Some(-5_001.0),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("hourly_loss_ratio", Severity::Critical)]
    );
    let o = PeriodObservation {
        aum,
        hourly_pnl: Some(-3_000.0),
        daily_pnl: Some(50_000.0),
        ..Default::default()
    };
    assert!(
        evaluate(&l, &o).is_empty(),
        "exactly at warning and gains do not breach"
    );
    let o = PeriodObservation {
        aum,
        daily_pnl: Some(-25_000.0),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("daily_loss_ratio", Severity::Critical)]
    );
    let o = PeriodObservation {
        equity: Some(92.0),
        high_water_mark: Some(100.0),
        ..Default::default()
    };
    let b = evaluate(&l, &o);
    assert_eq!(rules(&b), [("max_drawdown_ratio", Severity::Warning)]);
    assert!((b[0].value - 0.08).abs() < 1e-12);
    let o = PeriodObservation {
        equity: Some(89.0),
        high_water_mark: Some(100.0),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("max_drawdown_ratio", Severity::Critical)]
    );
    let o = PeriodObservation {
        slippage_ratio: Some(2.5),
        fill_rate: Some(0.85),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [
            ("slippage_ratio", Severity::Warning),
            ("fill_rate", Severity::Critical)
        ]
    );
    let o = PeriodObservation {
        data_age_s: Some(400.0),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("data_age_s", Severity::Critical)]
    );
}

#[test]
fn non_finite_or_missing_denominator_fails_closed() {
    let l = PeriodLimits::default();
    let o = PeriodObservation {
        aum: Some(0.0),
        daily_pnl: Some(-1.0),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("daily_loss_ratio", Severity::Critical)]
    );
    let o = PeriodObservation {
        aum: Some(1e6),
        hourly_pnl: Some(f64::NAN),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("hourly_loss_ratio", Severity::Critical)]
    );
    let o = PeriodObservation {
        fill_rate: Some(f64::NAN),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("fill_rate", Severity::Critical)]
    );
    let o = PeriodObservation {
        equity: Some(f64::NAN),
        high_water_mark: Some(100.0),
        ..Default::default()
    };
    assert_eq!(
        rules(&evaluate(&l, &o)),
        [("max_drawdown_ratio", Severity::Critical)]
    );
}

#[test]
fn breaches_latch_the_state() {
    let d = tempfile::tempdir().unwrap();
    let mut s = StateStore::open(d.path()).unwrap();
    s.manual_reset(TradingState::Active, "ops", "start")
        .unwrap();
    let l = PeriodLimits::default();
    let warn = PeriodObservation {
        slippage_ratio: Some(2.5),
        ..Default::default()
    };
    evaluate_and_latch(&l, &warn, &mut s).unwrap();
    assert_eq!(s.state(), TradingState::Reducing);
    let crit = PeriodObservation {
        fill_rate: Some(0.5),
        ..Default::default()
    };
    evaluate_and_latch(&l, &crit, &mut s).unwrap();
    assert_eq!(s.state(), TradingState::Halted);
    assert!(s.record().reason.contains("fill_rate"));
    // Good numbers do not un-latch.
    evaluate_and_latch(&l, &PeriodObservation::default(), &mut s).unwrap();
    assert_eq!(
        StateStore::open(d.path()).unwrap().state(),
        TradingState::Halted
    );
}
