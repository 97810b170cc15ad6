//! Every family the emitting crates produce is named by the catalog the
//! exporter was installed with (issue 18, item 3): under a custom namespace
//! no `tradewarden_*` family is left, under the `plus_ultra` profile the
//! playbook's `plus_ultra_*` names replace the native ones.
//!
//! `harness = false`: the exporter's recorder is process-wide and installs
//! once, so the same binary is the parent (no `TW_TELEMETRY_CASE`) and one
//! child process per case. Each child installs the exporter, drives the
//! guardrails (state transitions, kill switch, an engine built before the
//! install and rebound, an engine built after: denials, clips, checks; period
//! and exposure violations; a canary stage), a drift `LiveMonitor` and the
//! prediction-quality gauges, and an inference `Predictor`, renders the
//! exposition and checks every family name.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

use tradewarden::drift::monitor::{
    LiveMonitor, LiveMonitorOptions, emit_prediction_quality, prediction_quality,
};
use tradewarden::drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden::guardrails::canary::{CanaryConfig, CanaryMachine, StageAction};
use tradewarden::guardrails::exposure::{TradeLog, apply_policy};
use tradewarden::guardrails::period::{PeriodObservation, evaluate_and_latch};
use tradewarden::guardrails::{
    Decision, Enforcement, Engine, ExposurePolicy, Order, PeriodLimits, Policy, Side, StateStore,
    TradingState,
};
use tradewarden::metrics::catalog::{self, MetricDef, MetricKind};
use tradewarden::metrics::{Exporter, ExporterConfig, Profile as NameProfile};
use tradewarden_inference::Predictor;
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};

const CASE_VAR: &str = "TW_TELEMETRY_CASE";

/// `(case, namespace, profile)`.
const CASES: [(&str, &str, NameProfile); 3] = [
    ("acme", "acme", NameProfile::Native),
    ("plus_ultra", "tradewarden", NameProfile::PlusUltra),
    ("acme_plus_ultra", "acme", NameProfile::PlusUltra),
];

/// The families the drive below must produce.
const DRIVEN: [&MetricDef; 18] = [
    &catalog::TRADING_STATE,
    &catalog::CIRCUIT_BREAKER_ACTIVE,
    &catalog::TRADING_CIRCUIT_BREAKER_ACTIVE,
    &catalog::KILL_SWITCH_ACTIVE,
    &catalog::STATE_TRANSITIONS,
    &catalog::ORDERS_CHECKED,
    &catalog::ORDER_DENIALS,
    &catalog::ORDER_CLIPS,
    &catalog::GUARDRAIL_VIOLATIONS,
    &catalog::GUARDRAIL_LAST_VIOLATION_COUNT,
    &catalog::CANARY_STAGE,
    &catalog::CANARY_TRAFFIC,
    &catalog::DRIFT_SCORE,
    &catalog::DRIFT_DETECTIONS,
    &catalog::PREDICTION_QUALITY_METRIC,
    &catalog::INFERENCE_LATENCY,
    &catalog::PREDICTIONS,
    &catalog::BUILD_INFO,
];

fn main() {
    match std::env::var(CASE_VAR) {
        Ok(case) => {
            let (_, ns, profile) = CASES
                .iter()
                .find(|(c, _, _)| *c == case)
                .unwrap_or_else(|| panic!("unknown {CASE_VAR}={case}"));
            child(ns, *profile);
        }
        Err(_) => parent(),
    }
}

fn parent() {
    let exe = std::env::current_exe().unwrap();
    for (case, _, _) in CASES {
        let out = Command::new(&exe).env(CASE_VAR, case).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "case {case} failed:\n{text}");
        print!("{text}");
    }
    println!("telemetry_names: {} cases passed", CASES.len());
}

fn order(e: &Engine, quantity: f64) -> Order {
    Order {
        symbol: e.symbol_id("AAA").unwrap(),
        side: Side::Buy,
        quantity,
        price: 50.0,
        reference_price: 50.0,
        data_timestamp: 100.0,
        timestamp: 100.0,
        confidence: 0.9,
    }
}

/// Family names of a text exposition: `# TYPE` lines and sample names (a
/// histogram's `_bucket`/`_sum`/`_count` series folded into its family).
fn families(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut typed = BTreeSet::new();
    let mut sampled = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.insert(rest.split(' ').next().unwrap().to_string());
        } else if !line.starts_with('#') && !line.is_empty() {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            sampled.insert(line[..end].to_string());
        }
    }
    (typed, sampled)
}

fn child(namespace: &str, profile: NameProfile) {
    let cfg = ExporterConfig {
        namespace: namespace.to_string(),
        profile,
        listen: None,
        ..ExporterConfig::default()
    };
    let policy = Policy::from_toml(
        "[pre_trade]\nmax_order_equity_fraction = 0.03\nmin_order_notional = 10.0\n[symbols.AAA]\n",
    )
    .unwrap();
    // Built before the install: default names, no-op handles until rebound.
    let mut early = Engine::new(&policy, 100_000.0).unwrap();

    let exporter = Exporter::install(&cfg).unwrap();
    let cat = exporter.catalog().clone();
    assert_eq!(catalog::installed(), cat);
    assert_eq!((cat.namespace(), cat.profile()), (namespace, profile));

    // Guardrails: state file, transitions, kill switch.
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(dir.path()).unwrap();
    store
        .manual_reset(TradingState::Active, "ops", "start")
        .unwrap();
    store.escalate(TradingState::Reducing, "warning").unwrap();
    store
        .manual_reset(TradingState::Active, "ops", "cleared")
        .unwrap();

    // Pre-trade: allow, clip (0.03 × 100 000 = 3000 → 60 units), deny (dust).
    early.rebind_telemetry();
    early.sync_state(&store);
    let mut e = Engine::new(&policy, 100_000.0).unwrap();
    e.sync_state(&store);
    for eng in [&mut early, &mut e] {
        assert_eq!(eng.check_order(&order(eng, 10.0)), Decision::Allow);
        assert!(matches!(
            eng.check_order(&order(eng, 500.0)),
            Decision::Clip { .. }
        ));
        assert!(!eng.check_order(&order(eng, 0.1)).is_allowed());
    }
    store.activate_kill_switch("test", "alice").unwrap();
    e.sync_state(&store);
    assert!(!e.check_order(&order(&e, 10.0)).is_allowed());

    // Violations: period limits and the exposure policy.
    let mut other = StateStore::open(dir.path().join("period")).unwrap();
    let obs = PeriodObservation {
        aum: Some(1e6),
        daily_pnl: Some(-30_000.0),
        ..Default::default()
    };
    assert!(
        !evaluate_and_latch(&PeriodLimits::default(), &obs, &mut other)
            .unwrap()
            .is_empty()
    );
    let log = TradeLog::new(&[1], &["A"], Some(&[10.0]), None, None, &[0.0]).unwrap();
    let exposure = ExposurePolicy {
        enabled: true,
        capital: 1.0,
        max_gross_exposure: Some(1.0),
        enforcement: Enforcement::Warn,
        ..Default::default()
    };
    assert_eq!(apply_policy(&log, &exposure).unwrap().violations.len(), 1);

    // Canary: start in shadow, advance to canary_1.
    let mut canary = CanaryMachine::new(CanaryConfig::default()).unwrap();
    canary.apply(&StageAction::Advance { to: 1 });

    // Drift: a live monitor on a shifted window, and prediction quality.
    let reference: Vec<f64> = (0..2000)
        .map(|i| (f64::from(i) * 0.618_034).fract())
        .collect();
    let mut p = Profile::new();
    p.insert(
        "x",
        FeatureProfile::Numeric(
            NumericProfile::fit(&reference, &ProfileOptions::default()).unwrap(),
        ),
    );
    let opts = LiveMonitorOptions {
        window: 500,
        min_values: 100,
        ..Default::default()
    };
    let mut monitor = LiveMonitor::new(&p, opts).unwrap();
    let shifted: Vec<f64> = reference[..500].iter().map(|v| v + 5.0).collect();
    monitor.push("x", &shifted).unwrap();
    assert!(monitor.score_and_emit().unwrap()[0].drift);
    let q = prediction_quality(&[(1.0, 1.1), (2.0, 1.9), (3.0, 3.2)]).unwrap();
    emit_prediction_quality("", "BTCUSDT", "1h", &q, 0.1);

    // Inference: a predictor built after the install.
    let dev = cpu_device();
    let mlp = Mlp::new(MlpConfig::new(3, vec![4], 1), &dev).unwrap();
    let predictor = Predictor::new("demo", "v1", mlp);
    predictor
        .predict(&[0.1, 0.2, 0.3, 1.0, 2.0, 3.0], 2)
        .unwrap();

    let text = exporter.render().unwrap();
    let (typed, sampled) = families(&text);

    // 1. Every emitted family is a catalog name under this namespace/profile.
    for f in typed.iter().chain(&sampled) {
        assert!(
            cat.contains_series(f),
            "{namespace}/{profile}: emitted {f}, not a catalog name\n{text}"
        );
    }
    // 2. Every driven family is there, under the catalog's name and type.
    for def in DRIVEN {
        let name = cat.name(def);
        let ty = format!("# TYPE {name} {}", def.kind.as_str());
        assert!(
            text.contains(&ty),
            "{namespace}/{profile}: no {ty:?}\n{text}"
        );
        if def.kind == MetricKind::Histogram {
            assert!(sampled.contains(&format!("{name}_bucket")), "{name}");
        } else {
            assert!(sampled.contains(name.as_ref()), "{name}");
        }
    }
    // 3. Literal names, written out rather than derived from the catalog.
    let ns = |suffix: &str| format!("{namespace}_{suffix}");
    let mut expect = vec![
        ns("trading_state"),
        ns("circuit_breaker_active"),
        ns("kill_switch_active"),
        ns("state_transitions_total"),
        ns("orders_checked_total"),
        ns("order_denials_total"),
        ns("order_clips_total"),
        ns("canary_stage"),
        ns("canary_traffic_ratio"),
        ns("inference_latency_seconds"),
        ns("predictions_total"),
        ns("build_info"),
        "trading_circuit_breaker_active".to_string(),
        "drift_score".to_string(),
        "drift_detections_total".to_string(),
        "prediction_quality_metric".to_string(),
    ];
    if profile == NameProfile::PlusUltra {
        expect.push("plus_ultra_guardrail_violations_total".into());
        expect.push("plus_ultra_guardrail_last_violation_count".into());
        for native in ["guardrail_violations_total", "guardrail_last_violations"] {
            assert!(
                !typed.contains(&ns(native)),
                "{} under plus_ultra",
                ns(native)
            );
        }
    } else {
        expect.push(ns("guardrail_violations_total"));
        expect.push(ns("guardrail_last_violations"));
    }
    for name in &expect {
        assert!(
            typed.contains(name),
            "{namespace}/{profile}: no {name}\n{text}"
        );
    }
    if namespace != "tradewarden" {
        let left: Vec<&String> = typed
            .iter()
            .chain(&sampled)
            .filter(|f| f.starts_with("tradewarden_"))
            .collect();
        assert!(
            left.is_empty(),
            "{namespace}: tradewarden_ families left: {left:?}"
        );
    }
    // 4. The values followed the drive (both engines counted, the rebound one too).
    let denials = format!(
        r#"{}{{reason="min_order_notional"}} 2"#,
        ns("order_denials_total")
    );
    assert!(text.contains(&denials), "no {denials:?}\n{text}");
    let killed = format!(
        r#"{}{{reason="trading_killed"}} 1"#,
        ns("order_denials_total")
    );
    assert!(text.contains(&killed), "no {killed:?}\n{text}");
    let checked = format!("{} 7", ns("orders_checked_total"));
    assert!(text.contains(&checked), "no {checked:?}\n{text}");
    assert!(text.contains(&format!("{} 1", ns("kill_switch_active"))));
    assert!(text.contains(&format!(r#"{}{{stage="canary_1"}} 1"#, ns("canary_stage"))));
    assert!(text.contains(&format!(r#"{}{{model="demo"}} 2"#, ns("predictions_total"))));
    println!(
        "telemetry_names {namespace}/{profile}: {} families, all catalog names",
        typed.len()
    );
}
