//! `tradewarden demo` end to end: outputs valid against the schema, the story
//! (denials, a latched breaker, drift only after the regime change), and the
//! same bytes on every run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::Value;

fn demo(out: &std::path::Path) -> String {
    let assert = Command::cargo_bin("tradewarden")
        .unwrap()
        .arg("demo")
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

fn schema() -> jsonschema::Validator {
    let text = include_str!("../../../docs/schemas/ops_summary.schema.json");
    jsonschema::validator_for(&serde_json::from_str(text).unwrap()).unwrap()
}

/// The exposition without the measured inference latency (wall-clock durations).
fn without_latency(prom: &str) -> String {
    prom.lines()
        .filter(|l| !l.contains("inference_latency_seconds"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn demo_tells_the_story_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let stdout = demo(&a);
    assert!(stdout.contains("regime change"), "{stdout}");
    assert!(stdout.contains("HALTED"), "{stdout}");
    demo(&b);

    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("ops_summary.json")).unwrap())
            .unwrap();
    let errors: Vec<String> = schema().iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");

    // the guardrails acted: denials, clips, a latched halt at the regime change
    let g = &doc["guardrail_state"];
    assert_eq!(g["final_state"], "HALTED");
    assert_eq!(g["latched"], true);
    assert_eq!(g["halted_at"], doc["demo"]["regime_change"]);
    assert!(g["denials"]["trading_halted"].as_u64().unwrap() > 0);
    assert!(g["denials"]["low_confidence"].as_u64().unwrap() > 0);
    assert!(g["clips"].as_object().unwrap().values().count() > 0);
    assert!(
        g["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["severity"] == "critical")
    );
    // 17 risk keys + 9 benchmark keys; the 9 exposure keys
    assert_eq!(doc["risk"].as_object().unwrap().len(), 26);
    assert_eq!(doc["guardrails"].as_object().unwrap().len(), 9);
    // drift after the regime change, none before
    assert_eq!(doc["drift"]["dataset_drift"], true);
    assert_eq!(doc["drift"]["before_regime_change"]["n_drifted"], 0);
    let vol = doc["drift"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "vol_20d")
        .unwrap();
    assert_eq!(vol["drift"], true);
    // profitability with CIs that bracket their estimates
    for ci in doc["profitability"]["confidence_intervals"]
        .as_array()
        .unwrap()
    {
        let (lo, e, hi) = (
            ci["lower"].as_f64().unwrap(),
            ci["estimate"].as_f64().unwrap(),
            ci["upper"].as_f64().unwrap(),
        );
        assert!(lo <= e && e <= hi, "{ci}");
    }
    let psr = doc["profitability"]["probabilistic_sharpe_ratio"]
        .as_f64()
        .unwrap();
    assert!((0.0..=1.0).contains(&psr));

    // journal: one JSON object per line, sequence 1..n, simulated timestamps
    let journal = std::fs::read_to_string(a.join("journal.jsonl")).unwrap();
    let entries: Vec<Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["seq"].as_u64().unwrap(), i as u64 + 1);
        assert!(e["ts"].as_f64().unwrap() < 1.8e9);
    }
    assert!(
        entries
            .iter()
            .any(|e| e["kind"] == "transition" && e["to"] == "HALTED")
    );

    // metrics: the exposition at the end of the run
    let prom = std::fs::read_to_string(a.join("metrics.prom")).unwrap();
    for family in [
        "tradewarden_order_denials_total",
        "tradewarden_predictions_total",
        "drift_score",
    ] {
        assert!(prom.contains(family), "{family} missing");
    }

    // HTML: one self-contained page with every chart
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    for chart in [
        "equity",
        "drawdown",
        "rolling_sharpe",
        "monthly_heatmap",
        "return_distribution",
        "drift_timeline",
        "state_timeline",
    ] {
        assert!(html.contains(&format!("data-chart=\"{chart}\"")), "{chart}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"));

    // same output on every run (latency is measured, so it is left out)
    for f in [
        "ops_summary.json",
        "journal.jsonl",
        "report.html",
        "reference_profile.json",
        "policy.toml",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let pb = std::fs::read_to_string(b.join("metrics.prom")).unwrap();
    assert_eq!(without_latency(&prom), without_latency(&pb));
}

#[test]
fn demo_json_prints_the_summary_and_bad_out_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("tradewarden")
        .unwrap()
        .args(["demo", "--json", "--out"])
        .arg(dir.path().join("o"))
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["demo"]["symbols"].as_array().unwrap().len(), 4);

    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let bad = Command::cargo_bin("tradewarden")
        .unwrap()
        .args(["demo", "--out"])
        .arg(file.join("sub"))
        .assert()
        .code(4);
    let err = String::from_utf8(bad.get_output().stderr.clone()).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
}
