//! Telemetry: every emitted name is in the tradewarden-metrics catalog (the
//! default catalog here: nothing installs an exporter in this binary), and
//! the values follow the state. tests/telemetry_names.rs at the workspace
//! root checks the names under a custom namespace and the plus_ultra profile.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_guardrails::canary::{CanaryConfig, CanaryMachine, StageAction};
use tradewarden_guardrails::exposure::{TradeLog, apply_policy};
use tradewarden_guardrails::period::{PeriodObservation, evaluate_and_latch};
use tradewarden_guardrails::telemetry as t;
use tradewarden_guardrails::{
    Engine, ExposurePolicy, Order, PeriodLimits, Policy, Side, StateStore, TradingState,
};
use tradewarden_metrics::catalog::{Catalog, names};
use tradewarden_metrics::testing::TestRecorder;

fn state_of(rec: &TestRecorder) -> Vec<f64> {
    t::TRADING_STATES
        .iter()
        .map(|s| {
            rec.gauge(names::TRADING_STATE, &[(t::LABEL_STATE, s)])
                .unwrap()
        })
        .collect()
}

#[test]
fn state_breaker_kill_switch_denials_violations_canary() {
    let rec = TestRecorder::new();
    let dir = tempfile::tempdir().unwrap();
    rec.with(|| {
        let mut store = StateStore::open(dir.path()).unwrap();
        // Missing file: HALTED, breaker on.
        assert_eq!(state_of(&rec), [0.0, 0.0, 1.0]);
        assert_eq!(rec.gauge("trading_circuit_breaker_active", &[]), Some(1.0));
        assert_eq!(
            rec.gauge("tradewarden_circuit_breaker_active", &[]),
            Some(1.0)
        );
        store
            .manual_reset(TradingState::Active, "ops", "start")
            .unwrap();
        assert_eq!(state_of(&rec), [1.0, 0.0, 0.0]);
        assert_eq!(rec.gauge("trading_circuit_breaker_active", &[]), Some(0.0));
        assert_eq!(rec.gauge("tradewarden_kill_switch_active", &[]), Some(0.0));
        store.escalate(TradingState::Reducing, "warning").unwrap();
        assert_eq!(state_of(&rec), [0.0, 1.0, 0.0]);
        assert_eq!(rec.gauge("trading_circuit_breaker_active", &[]), Some(1.0));
        assert_eq!(
            rec.counter(names::STATE_TRANSITIONS, &[(t::LABEL_TO, "REDUCING")]),
            Some(1)
        );
        store.activate_kill_switch("test", "alice").unwrap();
        assert_eq!(state_of(&rec), [0.0, 0.0, 1.0]);
        assert_eq!(rec.gauge("tradewarden_kill_switch_active", &[]), Some(1.0));

        // Denials by reason through the catalog name.
        let policy = Policy::from_toml("[symbols.AAA]\n").unwrap();
        let mut e = Engine::new(&policy, 1e6).unwrap();
        e.sync_state(&store);
        let o = Order {
            symbol: e.symbol_id("AAA").unwrap(),
            side: Side::Buy,
            quantity: 1.0,
            price: 10.0,
            reference_price: 10.0,
            data_timestamp: 0.0,
            timestamp: 0.0,
            confidence: f64::NAN,
        };
        for _ in 0..3 {
            assert!(!e.check_order(&o).is_allowed());
        }
        assert_eq!(
            rec.counter(
                "tradewarden_order_denials_total",
                &[("reason", "trading_killed")]
            ),
            Some(3)
        );

        // Violations by rule name (label `name`) and the last-count gauge.
        let mut s2 = StateStore::open(dir.path().join("b")).unwrap();
        let obs = PeriodObservation {
            aum: Some(1e6),
            daily_pnl: Some(-30_000.0),
            hourly_pnl: Some(-4_000.0),
            ..Default::default()
        };
        let b = evaluate_and_latch(&PeriodLimits::default(), &obs, &mut s2).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(
            rec.counter(
                "tradewarden_guardrail_violations_total",
                &[("name", "daily_loss_ratio")]
            ),
            Some(1)
        );
        assert_eq!(
            rec.gauge("tradewarden_guardrail_last_violations", &[]),
            Some(2.0)
        );
        let log = TradeLog::new(&[1], &["A"], Some(&[10.0]), None, None, &[0.0]).unwrap();
        let p = ExposurePolicy {
            enabled: true,
            capital: 1.0,
            max_gross_exposure: Some(1.0),
            enforcement: tradewarden_guardrails::Enforcement::Warn,
            ..Default::default()
        };
        assert_eq!(apply_policy(&log, &p).unwrap().violations.len(), 1);
        assert_eq!(
            rec.counter(
                "tradewarden_guardrail_violations_total",
                &[("name", "gross_exposure_peak")]
            ),
            Some(1)
        );
        assert_eq!(
            rec.gauge("tradewarden_guardrail_last_violations", &[]),
            Some(1.0)
        );

        // Canary stage one-hot and traffic share.
        let mut m = CanaryMachine::new(CanaryConfig::default()).unwrap();
        let stage = |s: &str| rec.gauge("tradewarden_canary_stage", &[("stage", s)]);
        assert_eq!(stage("shadow"), Some(1.0));
        assert_eq!(stage("canary_1"), Some(0.0));
        m.apply(&StageAction::Advance { to: 1 });
        assert_eq!((stage("shadow"), stage("canary_1")), (Some(0.0), Some(1.0)));
        assert_eq!(
            rec.gauge("tradewarden_canary_traffic_ratio", &[]),
            Some(0.01)
        );
    });
    // Every series the crate emitted is a catalog name.
    let c = Catalog::default();
    for n in rec.names() {
        assert!(c.contains_series(&n), "emitted {n}");
    }
}
