#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use tradewarden_guardrails::canary::*;

fn good() -> StageObservation {
    StageObservation {
        days: 40,
        real_pnl: 95.0,
        sim_pnl: 100.0,
        drawdown: 0.01,
        slippage_ratio: 1.2,
        critical_alerts: 0,
        precision: 0.9,
        baseline_precision: 0.95,
    }
}

#[test]
fn quant_bot_stages_advance_hold_rollback() {
    let cfg = CanaryConfig::default();
    let names: Vec<&str> = cfg.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["shadow", "canary_1", "canary_2", "production"]);
    let mut m = CanaryMachine::new(cfg).unwrap();
    // shadow: slippage multiplier 1.0 → 1.2 holds.
    assert_eq!(m.evaluate(&good()).action, StageAction::Hold);
    let ok = StageObservation {
        slippage_ratio: 1.0,
        ..good()
    };
    let ev = m.evaluate(&ok);
    assert!(ev.checks.iter().all(|c| c.passed), "{:?}", ev.checks);
    assert!(
        !ev.checks.iter().any(|c| c.name == "pnl_deviation"),
        "skipped in shadow"
    );
    m.apply(&ev.action);
    assert_eq!(m.index(), 1);
    // canary_1: too few days → hold; P&L deviation 5% ok; 20% → hold.
    assert_eq!(
        m.evaluate(&StageObservation { days: 6, ..good() }).action,
        StageAction::Hold
    );
    assert_eq!(
        m.evaluate(&StageObservation {
            real_pnl: 80.0,
            ..good()
        })
        .action,
        StageAction::Hold
    );
    // Precision ratio .8/.95 < .9 → hold.
    assert_eq!(
        m.evaluate(&StageObservation {
            precision: 0.8,
            ..good()
        })
        .action,
        StageAction::Hold
    );
    m.apply(&m.evaluate(&good()).action);
    assert_eq!(m.stage().name, "canary_2");
    // Drawdown breach → rollback to shadow.
    let ev = m.evaluate(&StageObservation {
        drawdown: 0.031,
        ..good()
    });
    assert!(matches!(ev.action, StageAction::Rollback { .. }));
    m.apply(&ev.action);
    assert_eq!((m.index(), m.rolled_back()), (0, true));
    // Critical alert → rollback even with everything else fine.
    assert!(matches!(
        m.evaluate(&StageObservation {
            critical_alerts: 1,
            slippage_ratio: 1.0,
            ..good()
        })
        .action,
        StageAction::Rollback { .. }
    ));
    // NaN never passes.
    let ev = m.evaluate(&StageObservation {
        slippage_ratio: f64::NAN,
        ..good()
    });
    assert_eq!(ev.action, StageAction::Hold);
}

#[test]
fn production_completes_and_bad_config_rejected() {
    let mut m = CanaryMachine::new(CanaryConfig::default()).unwrap();
    for _ in 0..3 {
        let a = m
            .evaluate(&StageObservation {
                slippage_ratio: 1.0,
                ..good()
            })
            .action;
        m.apply(&a);
    }
    assert_eq!(m.stage().name, "production");
    assert_eq!(
        m.evaluate(&StageObservation {
            slippage_ratio: 1.0,
            ..good()
        })
        .action,
        StageAction::Complete
    );
    let mut bad = CanaryConfig::default();
    bad.stages[1].aum_share = 2.0;
    bad.stages[2].slippage_multiplier = -1.0;
    let e = CanaryMachine::new(bad).unwrap_err().to_string();
    assert!(
        e.contains("stages[1].aum_share") && e.contains("stages[2].slippage_multiplier"),
        "{e}"
    );
    assert!(CanaryMachine::new(CanaryConfig { stages: vec![] }).is_err());
}

#[test]
fn autotrader_traffic_canary() {
    let t = TrafficCanary::default();
    assert_eq!(t.stages, [0.05, 0.25, 0.5, 1.0]);
    assert_eq!(
        t.evaluate(0, 0.005, 0.1, 1.9, 2.0),
        TrafficAction::Advance { to: Some(0.25) }
    );
    assert_eq!(
        t.evaluate(3, 0.005, 0.1, 1.9, 2.0),
        TrafficAction::Advance { to: None }
    );
    let TrafficAction::Rollback { triggers } = t.evaluate(1, 0.02, 0.25, 1.5, 2.0) else {
        panic!()
    };
    assert_eq!(triggers.len(), 3);
    assert!(matches!(
        t.evaluate(1, f64::NAN, 0.1, 2.0, 2.0),
        TrafficAction::Rollback { .. }
    ));
}

fn obs(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn shadow_gates_rag_and_zero_threshold_fix() {
    let gates = quant_bot_shadow_gates();
    // The seed's shadow defaults: uptime .998, 0 alerts, 1 intervention.
    let seed_defaults = [
        ("uptime", 0.998),
        ("critical_alerts", 0.0),
        ("interventions", 1.0),
    ];
    let three: Vec<GateSpec> = gates
        .iter()
        .filter(|g| seed_defaults.iter().any(|(n, _)| *n == g.name))
        .cloned()
        .collect();
    let (rated, _) = rate_gates(&three, &obs(&seed_defaults), 0.2);
    let r: Vec<Rating> = rated.iter().map(|g| g.rating).collect();
    // Seed: AMBER, AMBER, GREEN (bug). Fixed: a passing threshold-0 gate is GREEN.
    assert_eq!(r, [Rating::Amber, Rating::Green, Rating::Green]);
    assert_eq!(rated[1].margin, None);
    // PROMOTE is reachable.
    let all_good = obs(&[
        ("uptime", 1.3), // margin > .2
        ("slippage_ratio", 1.0),
        ("drawdown_vs_sim", 1.0),
        ("precision_ratio", 1.2),
        ("abs_pnl_deviation", 0.01),
        ("critical_alerts", 0.0),
        ("interventions", 0.0),
    ]);
    assert_eq!(rate_gates(&gates, &all_good, 0.2).1, Verdict::Promote);
    let mut o = all_good.clone();
    o.insert("critical_alerts".into(), 1.0);
    assert_eq!(rate_gates(&gates, &o, 0.2).1, Verdict::Reject);
    let mut o = all_good.clone();
    o.insert("uptime".into(), 0.996);
    o.insert("slippage_ratio".into(), 1.4);
    assert_eq!(rate_gates(&gates, &o, 0.2).1, Verdict::PromoteWithCaution);
    o.insert("interventions".into(), 3.0);
    assert_eq!(rate_gates(&gates, &o, 0.2).1, Verdict::Hold);
    // Missing value → RED.
    let mut o = all_good;
    o.remove("uptime");
    assert_eq!(rate_gates(&gates, &o, 0.2).1, Verdict::Reject);
}

fn spec(name: &str, bad: BadDirection, critical: bool) -> MetricSpec {
    MetricSpec {
        name: name.into(),
        bad,
        effect_tolerance: 0.1,
        alpha: 0.05,
        weight: 1.0,
        critical,
    }
}

#[test]
fn statistical_judge() {
    let cfg = JudgeConfig {
        pass_score: 95.0,
        marginal_score: 60.0,
        metrics: vec![
            spec("latency", BadDirection::Increase, false),
            spec("sharpe", BadDirection::Decrease, false),
            spec("errors", BadDirection::Either, false),
        ],
    };
    let base: Vec<f64> = (0..60).map(|i| 10.0 + (i % 11) as f64 * 0.1).collect();
    let up: Vec<f64> = base.iter().map(|x| x * 1.5).collect();
    let down: Vec<f64> = base.iter().map(|x| x * 0.5).collect();
    let slight: Vec<f64> = base.iter().map(|x| x * 1.03).collect();
    let mk = |l: &Vec<f64>, s: &Vec<f64>, e: &Vec<f64>| {
        BTreeMap::from([
            ("latency".to_string(), l.clone()),
            ("sharpe".into(), s.clone()),
            ("errors".into(), e.clone()),
        ])
    };
    let b = mk(&base, &base, &base);
    // Identical: p = 1, all pass, score 100.
    let j = judge(&cfg, &b, &b).unwrap();
    assert_eq!((j.score, j.verdict), (100.0, JudgeVerdict::Pass));
    assert!(j.metrics.iter().all(|m| (m.pvalue - 1.0).abs() < 1e-12));
    // Latency up (bad), Sharpe up (good direction), errors slightly up (within tolerance).
    let j = judge(&cfg, &b, &mk(&up, &up, &slight)).unwrap();
    let c: Vec<MetricClass> = j.metrics.iter().map(|m| m.class).collect();
    assert_eq!(c, [MetricClass::High, MetricClass::Pass, MetricClass::Pass]);
    assert!((j.score - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(j.verdict, JudgeVerdict::Marginal);
    // Everything bad.
    let j = judge(&cfg, &b, &mk(&up, &down, &down)).unwrap();
    assert_eq!((j.score, j.verdict), (0.0, JudgeVerdict::Fail));
    // A critical metric failing fails the run even with a high score.
    let mut crit = cfg.clone();
    crit.pass_score = 50.0;
    crit.marginal_score = 40.0;
    crit.metrics[0].critical = true;
    assert_eq!(
        judge(&crit, &b, &mk(&up, &base, &base)).unwrap().verdict,
        JudgeVerdict::Fail
    );
    // Bad input.
    let mut bad = cfg.clone();
    bad.metrics[0].alpha = 0.0;
    assert!(judge(&bad, &b, &b).is_err());
    let missing = BTreeMap::from([("latency".to_string(), base.clone())]);
    assert!(judge(&cfg, &b, &missing).is_err());
    let nan = mk(&vec![f64::NAN; 5], &base, &base);
    assert!(judge(&cfg, &b, &nan).is_err());
}

#[test]
fn traffic_canary_validation() {
    TrafficCanary::default().validate().unwrap();
    let bad = TrafficCanary {
        stages: vec![0.05, 0.5, 0.25],
        max_error_rate: -0.01,
        ..TrafficCanary::default()
    };
    let msg = bad.validate().unwrap_err().to_string();
    for needle in ["stages[2] = 0.25", "last stage", "max_error_rate = -0.01"] {
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
    }
}
