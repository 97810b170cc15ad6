#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_guardrails::promotion::*;

fn returns(n: usize, drift: f64) -> Vec<f64> {
    (0..n)
        .map(|i| drift + 0.01 * (((i * 7) % 11) as f64 - 5.0) / 5.0)
        .collect()
}

#[test]
fn autotrader_gates_computed() {
    let g = PromotionGates::autotrader();
    let good = returns(500, 0.004);
    let pnls: Vec<f64> = (0..150)
        .map(|i| if i % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    let rep = evaluate_promotion(
        &g,
        &PromotionInputs {
            walk_forward_returns: &good,
            trial_sharpes: None,
            strategy_matrix: None,
            trade_pnls: &pnls,
        },
    )
    .unwrap();
    let names: Vec<&str> = rep.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["walk_forward_sharpe", "trades", "win_rate", "max_drawdown"]
    );
    let sharpe = tradewarden_core::returns::sharpe_ratio(&good, &Default::default()).unwrap();
    assert_eq!(rep.checks[0].value, sharpe);
    assert!(sharpe > 2.0, "{sharpe}");
    assert!((rep.checks[2].value - 100.0 / 150.0).abs() < 1e-12);
    assert!(rep.passed, "{:?}", rep.checks);
    // Exactly 100 trades fails (strict >), win rate .5 fails.
    let few: Vec<f64> = (0..100)
        .map(|i| if i % 2 == 0 { -1.0 } else { 1.0 })
        .collect();
    let rep = evaluate_promotion(
        &g,
        &PromotionInputs {
            walk_forward_returns: &good,
            trial_sharpes: None,
            strategy_matrix: None,
            trade_pnls: &few,
        },
    )
    .unwrap();
    assert!(!rep.passed);
    assert!(!rep.checks[1].passed && !rep.checks[2].passed);
    // A losing strategy fails Sharpe and drawdown.
    let bad = returns(500, -0.004);
    let rep = evaluate_promotion(
        &g,
        &PromotionInputs {
            walk_forward_returns: &bad,
            trial_sharpes: None,
            strategy_matrix: None,
            trade_pnls: &pnls,
        },
    )
    .unwrap();
    assert!(!rep.checks[0].passed && !rep.checks[3].passed);
}

#[test]
fn dsr_and_pbo_gates() {
    let g = PromotionGates {
        min_deflated_sharpe: Some(0.95),
        max_pbo: Some(0.5),
        pbo_blocks: 4,
        ..Default::default()
    };
    let r = returns(400, 0.004);
    // Missing inputs fail closed.
    let rep = evaluate_promotion(
        &g,
        &PromotionInputs {
            walk_forward_returns: &r,
            trial_sharpes: None,
            strategy_matrix: None,
            trade_pnls: &[],
        },
    )
    .unwrap();
    assert!(!rep.passed && rep.checks.iter().all(|c| c.value.is_nan()));
    // With inputs: values come from tradewarden-core.
    let trials = [0.05, 0.1, 0.2, 0.15];
    let (rows, cols) = (40, 3);
    let m: Vec<f64> = (0..rows * cols)
        .map(|k| 0.001 * (((k * 13) % 17) as f64 - 8.0) + if k % cols == 0 { 0.002 } else { 0.0 })
        .collect();
    let rep = evaluate_promotion(
        &g,
        &PromotionInputs {
            walk_forward_returns: &r,
            trial_sharpes: Some(&trials),
            // `m` is row-major (period by period; strategy 0 gets the drift)
            strategy_matrix: Some(
                tradewarden_core::returns::pbo::StrategyMatrix::from_row_major(&m, rows, cols)
                    .unwrap(),
            ),
            trade_pnls: &[],
        },
    )
    .unwrap();
    let dsr = tradewarden_core::returns::promotion::deflated_sharpe_ratio(
        &r,
        &trials,
        tradewarden_core::returns::promotion::PsrConvention::Paper,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(rep.checks[0].value, dsr);
    // the expectation reads the same matrix column by column (issue 18: the
    // gate once read a row-major matrix as column-major)
    let by_column: Vec<f64> = (0..cols)
        .flat_map(|j| (0..rows).map(move |i| (i, j)))
        .map(|(i, j)| m[i * cols + j])
        .collect();
    let p = tradewarden_core::returns::pbo::pbo(
        tradewarden_core::returns::pbo::StrategyMatrix::new(&by_column, rows, cols).unwrap(),
        4,
    )
    .unwrap()
    .pbo;
    let misread = tradewarden_core::returns::pbo::pbo(
        tradewarden_core::returns::pbo::StrategyMatrix::new(&m, rows, cols).unwrap(),
        4,
    )
    .unwrap()
    .pbo;
    assert_ne!(
        p.to_bits(),
        misread.to_bits(),
        "the case tells the two orders apart"
    );
    assert_eq!(rep.checks[1].value, p);
    assert_eq!(rep.checks[1].passed, p < 0.5);
    // Bad thresholds.
    let bad = PromotionGates {
        max_pbo: Some(1.5),
        pbo_blocks: 3,
        ..Default::default()
    };
    let e = bad.validate().unwrap_err().to_string();
    assert!(e.contains("max_pbo") && e.contains("pbo_blocks"), "{e}");
}

#[test]
fn drift_guard_levels() {
    let g = DriftGuard::default();
    assert_eq!(g.evaluate(0.0, 0.0), DriftAction::Continue);
    assert_eq!(g.evaluate(0.08, 0.0), DriftAction::ShadowMode);
    assert_eq!(g.evaluate(0.0, 0.05), DriftAction::ShadowMode);
    assert_eq!(g.evaluate(0.16, 0.0), DriftAction::RollbackRecommended);
    assert_eq!(g.evaluate(0.0, 0.10), DriftAction::RollbackRecommended);
    assert_eq!(g.evaluate(0.079, 0.049), DriftAction::Continue);
    assert_eq!(g.evaluate(f64::NAN, 0.0), DriftAction::RollbackRecommended);
}

#[test]
fn rollback_plan_as_data() {
    let plan = RollbackPlan::quant_bot("critical alert", "alertmanager");
    assert_eq!((plan.max_attempts, plan.cooldown_s), (3, 300.0));
    assert!(matches!(
        plan.steps[0],
        RollbackStep::ActivateKillSwitch { .. }
    ));
    assert!(plan.steps.contains(&RollbackStep::FreezeOnlineLearning {
        file: "online_learning_freeze.json".into(),
        accept_threshold: 0.99
    }));
    assert!(plan.steps.contains(&RollbackStep::PositionOverride {
        file: "position_override.json".into(),
        max_position_pct: 0.10
    }));
    assert!(plan.steps.iter().any(|s| matches!(s, RollbackStep::RestoreLastGoodModel { last_good, .. } if last_good == "models/last_good_model.json")));
    let json = serde_json::to_string(&plan).unwrap();
    let back: RollbackPlan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan);
    assert!(RollbackPlan::alert_triggers("critical", "AUTO_KILL_SWITCH"));
    assert!(!RollbackPlan::alert_triggers("warning", "AUTO_KILL_SWITCH"));
    assert!(!RollbackPlan::alert_triggers("critical", "NOTIFY"));
    let mut a = RollbackAttempts::default();
    assert_eq!(a.try_begin(&plan, 1000.0).unwrap(), 1);
    assert!(a.try_begin(&plan, 1299.0).is_err(), "cooldown");
    assert_eq!(a.try_begin(&plan, 1300.0).unwrap(), 2);
    assert_eq!(a.try_begin(&plan, 1600.0).unwrap(), 3);
    assert!(a.try_begin(&plan, 5000.0).is_err(), "max attempts");
}

#[test]
fn rollback_plan_validation() {
    let plan = RollbackPlan::quant_bot("critical alert", "alertmanager");
    plan.validate().unwrap();
    let mut bad = plan.clone();
    bad.max_attempts = 0;
    bad.cooldown_s = f64::NAN;
    for s in bad.steps.iter_mut() {
        if let RollbackStep::PositionOverride {
            max_position_pct, ..
        } = s
        {
            *max_position_pct = 10.0; // percent instead of a fraction
        }
    }
    let msg = bad.validate().unwrap_err().to_string();
    for needle in [
        "max_attempts = 0",
        "cooldown_s = NaN",
        "max_position_pct = 10",
    ] {
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
    }
    // A NaN clock never starts an attempt after the first (fail closed).
    let mut a = RollbackAttempts::default();
    a.try_begin(&plan, 1000.0).unwrap();
    assert!(a.try_begin(&plan, f64::NAN).is_err());
}

#[test]
fn rollback_step_names_are_their_json_tags() {
    let plan = RollbackPlan::quant_bot("drift", "ops");
    assert!(plan.steps.len() >= 5, "{:?}", plan.steps);
    let mut seen = std::collections::BTreeSet::new();
    for s in &plan.steps {
        let v = serde_json::to_value(s).unwrap();
        assert_eq!(v["step"].as_str(), Some(s.name()), "{v}");
        seen.insert(s.name());
    }
    assert_eq!(seen.len(), plan.steps.len(), "names are distinct: {seen:?}");
}

/// Issue 20: constant positive walk-forward returns (a stub, a stuck
/// strategy) have zero dispersion, Sharpe = +inf, and `+inf > 2` passed the
/// gate. A gate whose value is not finite fails, whatever the comparison.
#[test]
fn a_non_finite_gate_value_fails_closed() {
    let stub = vec![0.0625; 300];
    let pnls: Vec<f64> = (0..150)
        .map(|i| if i % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    let x = PromotionInputs {
        walk_forward_returns: &stub,
        trial_sharpes: None,
        strategy_matrix: None,
        trade_pnls: &pnls,
    };
    let sharpe_only = PromotionGates {
        min_walk_forward_sharpe: Some(2.0),
        ..Default::default()
    };
    let rep = evaluate_promotion(&sharpe_only, &x).unwrap();
    assert_eq!(rep.checks[0].value, f64::INFINITY);
    assert!(!rep.checks[0].passed && !rep.passed, "{:?}", rep.checks);
    let rep = evaluate_promotion(&PromotionGates::autotrader(), &x).unwrap();
    assert!(!rep.passed, "a stub was promoted: {:?}", rep.checks);
    for c in &rep.checks {
        assert_eq!(
            c.passed,
            c.value.is_finite() && c.name != "walk_forward_sharpe",
            "{c:?}"
        );
    }
    // NaN (one value: no dispersion at all) fails every gate it reaches
    let one = [0.01];
    let rep = evaluate_promotion(
        &PromotionGates {
            min_walk_forward_sharpe: Some(-1e9),
            max_drawdown: Some(0.5),
            ..Default::default()
        },
        &PromotionInputs {
            walk_forward_returns: &one,
            ..x
        },
    )
    .unwrap();
    assert!(rep.checks[0].value.is_nan() && !rep.checks[0].passed);
    assert!(rep.checks[1].passed, "{:?}", rep.checks);
}

/// Constant growth measured from prices: p[t] / p[t−1] − 1 of prices growing
/// by a fixed rate carries rounding noise of ~1e-16, so the Sharpe ratio is
/// finite and enormous (~1e13 per period) and `s > 2` passed a stub. Above
/// `MAX_PER_PERIOD_SHARPE` the gate reports ±inf and fails; the deflated
/// Sharpe on the same returns is NaN and fails. A genuinely strong series
/// far below the bound still passes.
#[test]
fn constant_growth_from_prices_fails_closed() {
    use tradewarden_core::returns::sharpe_ratio;
    use tradewarden_guardrails::promotion::MAX_PER_PERIOD_SHARPE;
    let pnls: Vec<f64> = (0..150)
        .map(|i| if i % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    let gates = PromotionGates {
        min_walk_forward_sharpe: Some(2.0),
        min_deflated_sharpe: Some(0.5),
        ..Default::default()
    };
    let trials = [0.5, 1.0, 1.5, 0.2, 0.8];
    for (growth, sign) in [(0.001, 1.0), (0.0005, 1.0), (0.01, 1.0), (-0.002, -1.0)] {
        let prices: Vec<f64> = (0..=300)
            .map(|t| 100.0 * (1.0f64 + growth).powi(t))
            .collect();
        let r: Vec<f64> = prices.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
        let raw = sharpe_ratio(&r, &gates.returns).unwrap();
        let ann = gates.returns.validate().unwrap();
        assert!(
            raw.is_finite() && (raw / ann.sqrt()).abs() > MAX_PER_PERIOD_SHARPE,
            "growth {growth}: the returns module's Sharpe is rounding noise ({raw:e})"
        );
        let x = PromotionInputs {
            walk_forward_returns: &r,
            trial_sharpes: Some(&trials),
            strategy_matrix: None,
            trade_pnls: &pnls,
        };
        let rep = evaluate_promotion(&gates, &x).unwrap();
        assert_eq!(
            rep.checks[0].value,
            sign * f64::INFINITY,
            "{:?}",
            rep.checks
        );
        assert!(rep.checks[1].value.is_nan(), "{:?}", rep.checks);
        assert!(
            !rep.checks[0].passed && !rep.checks[1].passed && !rep.passed,
            "growth {growth}: a stub passed: {:?}",
            rep.checks
        );
    }
    // per-period Sharpe 10 (annualised ≈ 159): implausible for a strategy,
    // a measurement all the same, below the bound: it passes
    let strong: Vec<f64> = (0..300)
        .map(|i| 0.01 + 0.001 * if i % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let rep = evaluate_promotion(
        &PromotionGates {
            min_walk_forward_sharpe: Some(2.0),
            ..Default::default()
        },
        &PromotionInputs {
            walk_forward_returns: &strong,
            trial_sharpes: None,
            strategy_matrix: None,
            trade_pnls: &pnls,
        },
    )
    .unwrap();
    assert!(
        rep.passed && rep.checks[0].value.is_finite(),
        "{:?}",
        rep.checks
    );
}
