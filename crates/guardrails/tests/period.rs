#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_guardrails::period::{PeriodObservation, Severity, evaluate, evaluate_and_latch};
use tradewarden_guardrails::{PeriodLimits, StateStore, TradingState};

fn rules(b: &[tradewarden_guardrails::period::PeriodBreach]) -> Vec<(&'static str, Severity)> {
    b.iter().map(|x| (x.rule.as_str(), x.severity)).collect()
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

#[test]
fn absent_observations_follow_on_missing() {
    use tradewarden_guardrails::OnMissing;
    // only the daily P&L is reported: the other configured limits have no observation
    let obs = PeriodObservation {
        aum: Some(1e6),
        daily_pnl: Some(-100.0),
        ..Default::default()
    };
    // default: absent fields are not checked
    assert!(evaluate(&PeriodLimits::default(), &obs).is_empty());
    let configured = [
        "hourly_loss_ratio",
        "max_drawdown_ratio",
        "slippage_ratio",
        "data_age_s",
        "fill_rate",
    ];
    for (m, sev) in [
        (OnMissing::Warning, Severity::Warning),
        (OnMissing::Critical, Severity::Critical),
    ] {
        let limits = PeriodLimits {
            on_missing: m,
            ..PeriodLimits::default()
        };
        let b = evaluate(&limits, &obs);
        let mut rules: Vec<&str> = b.iter().map(|x| x.rule.as_str()).collect();
        rules.sort_unstable();
        let mut want = configured.to_vec();
        want.sort_unstable();
        assert_eq!(rules, want, "{m:?}");
        assert!(b.iter().all(|x| x.severity == sev && x.value.is_nan()));
        // limits that are off (precision, confidence) never breach for absence
        assert!(!rules.contains(&"min_confidence"));
    }
    // every observation present and healthy: nothing breaches even under critical
    let full = PeriodObservation {
        aum: Some(1e6),
        hourly_pnl: Some(10.0),
        daily_pnl: Some(10.0),
        equity: Some(1e6),
        high_water_mark: Some(1e6),
        slippage_ratio: Some(1.0),
        fill_rate: Some(0.99),
        model_precision_ratio: None,
        confidence: None,
        data_age_s: Some(1.0),
    };
    let limits = PeriodLimits {
        on_missing: OnMissing::Critical,
        ..PeriodLimits::default()
    };
    assert!(evaluate(&limits, &full).is_empty());
    // the policy document accepts the key, and rejects an unknown value
    let p =
        tradewarden_guardrails::Policy::from_toml("[period]\non_missing = \"critical\"\n").unwrap();
    assert_eq!(p.period.on_missing, OnMissing::Critical);
    let e = tradewarden_guardrails::Policy::from_toml("[period]\non_missing = \"sometimes\"\n")
        .unwrap_err();
    assert!(e.to_string().contains("sometimes"), "{e}");
}

#[test]
fn missing_data_age_halts_a_store_under_critical() {
    use tradewarden_guardrails::period::evaluate_and_latch;
    use tradewarden_guardrails::{OnMissing, StateStore, TradingState};
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    let limits = PeriodLimits {
        on_missing: OnMissing::Critical,
        hourly_loss_ratio: None,
        daily_loss_ratio: None,
        max_drawdown_ratio: None,
        slippage_ratio: None,
        fill_rate: None,
        ..PeriodLimits::default()
    };
    let b = evaluate_and_latch(&limits, &PeriodObservation::default(), &mut store).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].rule.as_str(), "data_age_s");
    assert_eq!(store.state(), TradingState::Halted);
}

/// `model_precision_ratio` means one thing everywhere: the live precision (a
/// fraction), the value of the `model_precision_ratio` gauge that Quant Bot's
/// ModelPrecisionWarning / Critical alerts compare with 0.55 / 0.50 — not a
/// live ÷ baseline ratio (the canary gate's `precision / baseline_precision`).
#[test]
fn model_precision_is_the_live_precision_fraction() {
    // The seed's key-metric levels, in the policy document.
    let p = tradewarden_guardrails::Policy::from_toml(
        "[period]\nmodel_precision_ratio = { warning = 0.55, critical = 0.50 }\n",
    )
    .unwrap();
    let at = |x: f64| {
        let o = PeriodObservation {
            model_precision_ratio: Some(x),
            ..Default::default()
        };
        rules(&evaluate(&p.period, &o))
    };
    assert_eq!(at(0.60), []);
    assert_eq!(at(0.52), [("model_precision_ratio", Severity::Warning)]);
    assert_eq!(at(0.49), [("model_precision_ratio", Severity::Critical)]);
    // A live ÷ baseline ratio above 1 is not a precision: fail closed.
    assert_eq!(at(1.05), [("model_precision_ratio", Severity::Critical)]);
    assert_eq!(at(1.0), []);
    // Levels meant as ratios to a baseline (above 1) are refused, naming the field.
    let e = tradewarden_guardrails::Policy::from_toml(
        "[period]\nmodel_precision_ratio = { warning = 1.1, critical = 0.9 }\n",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("period.model_precision_ratio.warning"),
        "{e}"
    );
}
