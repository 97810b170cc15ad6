//! The CLI doors of issue #21's reach rows: `registry inventory` (good and
//! corrupt versions, exit 0 where `list` fails), `regime --data` and
//! `guard period`. Each output is compared with the crate function on the
//! same input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::run;

use serde_json::Value;
use tradewarden_guardrails::Policy;
use tradewarden_guardrails::period::{self, PeriodObservation};
use tradewarden_inference::regime::{self, RegimeConfig};
use tradewarden_inference::registry::Registry;

const NAME: &str = "demo_momentum_mlp";

#[test]
fn registry_inventory_reports_corrupt_versions_where_list_fails() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("reg");
    let r = root.to_str().unwrap();
    for v in ["v1", "v2"] {
        run(
            &["registry", "--root", r, "register-demo", "--version", v],
            0,
        );
    }
    let manifest = root.join(NAME).join("versions/v2/manifest.json");
    std::fs::write(&manifest, b"{\"name\": \"demo_mom").unwrap();

    // `list` stays strict; `inventory` reports and exits 0
    let (_, err) = run(&["registry", "--root", r, "list"], 4);
    assert!(err.contains("manifest.json"), "{err}");
    let (out, _) = run(&["registry", "--root", r, "inventory", "--json"], 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let inv = Registry::open(&root).unwrap().inventory(NAME).unwrap();
    assert_eq!(inv.versions.len(), 1);
    assert_eq!(inv.corrupt.len(), 1);
    let m = &doc["models"][0];
    assert_eq!(m["name"], NAME);
    assert_eq!(m["versions"], serde_json::to_value(&inv.versions).unwrap());
    assert_eq!(m["corrupt"], serde_json::to_value(&inv.corrupt).unwrap());
    assert_eq!(m["corrupt"][0]["version"], "v2");
    assert!(
        m["corrupt"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("manifest.json")
    );

    // human output names the corrupt file; --name selects one model
    let (out, _) = run(&["registry", "--root", r, "inventory"], 0);
    assert!(
        out.contains("v2 CORRUPT") && out.contains("manifest.json"),
        "{out}"
    );
    let (out, _) = run(
        &[
            "registry",
            "--root",
            r,
            "inventory",
            "--name",
            "other",
            "--json",
        ],
        0,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["models"][0]["versions"], serde_json::json!([]));
}

fn candles(slope: f64, wiggle: f64, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let c: Vec<f64> = (0..n)
        .map(|i| 100.0 * (1.0 + slope * i as f64) * (1.0 + wiggle * (i as f64).sin()))
        .collect();
    (
        c.iter().map(|x| x * 1.001).collect(),
        c.iter().map(|x| x * 0.999).collect(),
        c,
    )
}

#[test]
fn regime_equals_the_classifier_on_the_same_candles() {
    let d = tempfile::tempdir().unwrap();
    for (k, (slope, wiggle)) in [(0.0005, 0.0), (-0.0005, 0.0), (0.0, 0.0005), (0.0, 0.02)]
        .into_iter()
        .enumerate()
    {
        let (h, l, c) = candles(slope, wiggle, 130);
        let mut csv = String::from("ts,hi,lo,close\n");
        for i in 0..c.len() {
            csv.push_str(&format!("{i},{},{},{}\n", h[i], l[i], c[i]));
        }
        let f = d.path().join(format!("c{k}.csv"));
        std::fs::write(&f, csv).unwrap();
        let f = f.to_str().unwrap();
        let (out, _) = run(
            &[
                "regime", "--data", f, "--high", "hi", "--low", "lo", "--json",
            ],
            0,
        );
        let doc: Value = serde_json::from_str(&out).unwrap();
        let want = regime::classify(&h, &l, &c, &RegimeConfig::default()).unwrap();
        assert_eq!(doc["regime"], want.regime.as_str());
        assert_eq!(doc["vol"].as_f64().unwrap(), want.vol);
        assert_eq!(doc["momentum"].as_f64().unwrap(), want.momentum);
        assert_eq!(doc["range"].as_f64().unwrap(), want.range);
        assert_eq!(doc["candles"], 130);

        let cfg = RegimeConfig {
            window: 20,
            ..RegimeConfig::default()
        };
        let want = regime::classify(&h, &l, &c, &cfg).unwrap();
        let (out, _) = run(
            &[
                "regime", "--data", f, "--high", "hi", "--low", "lo", "--window", "20", "--json",
            ],
            0,
        );
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["regime"], want.regime.as_str());
        assert_eq!(doc["momentum"].as_f64().unwrap(), want.momentum);
    }
    // bad inputs: a missing column and window 2 are exit 3, naming them
    let f = d.path().join("c0.csv");
    let f = f.to_str().unwrap();
    let (_, err) = run(&["regime", "--data", f], 3);
    assert!(err.contains("high"), "{err}");
    let (_, err) = run(
        &[
            "regime", "--data", f, "--high", "hi", "--low", "lo", "--window", "2",
        ],
        3,
    );
    assert!(err.contains("window"), "{err}");
}

#[test]
fn guard_period_equals_period_evaluate() {
    let d = tempfile::tempdir().unwrap();
    let policy = d.path().join("policy.toml");
    std::fs::write(&policy, "[pre_trade]\nmax_order_notional = 10000.0\n").unwrap();
    let p = policy.to_str().unwrap();
    let limits = Policy::load(&policy).unwrap().period;
    for obs in [
        r#"{"aum": 1e6, "daily_pnl": -12000}"#,
        r#"{"aum": 1e6, "daily_pnl": -25000, "hourly_pnl": -4000, "fill_rate": 0.93}"#,
        r#"{"aum": 1e6}"#,
    ] {
        let o: PeriodObservation = serde_json::from_str(obs).unwrap();
        let want = serde_json::to_value(period::evaluate(&limits, &o)).unwrap();
        let (out, _) = run(
            &[
                "guard",
                "period",
                "--policy",
                p,
                "--observation",
                obs,
                "--json",
            ],
            0,
        );
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["breaches"], want, "{obs}");
    }
    // the doctest's warning, from a file, and --fail-on-breach
    let f = d.path().join("obs.json");
    std::fs::write(&f, r#"{"aum": 1e6, "daily_pnl": -12000}"#).unwrap();
    let f = f.to_str().unwrap();
    let (out, _) = run(
        &[
            "guard",
            "period",
            "--policy",
            p,
            "--observation",
            f,
            "--json",
        ],
        0,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["breaches"][0]["rule"], "daily_loss_ratio");
    assert_eq!(doc["breaches"][0]["severity"], "warning");
    run(
        &[
            "guard",
            "period",
            "--policy",
            p,
            "--observation",
            f,
            "--fail-on-breach",
        ],
        6,
    );
    run(
        &[
            "guard",
            "period",
            "--policy",
            p,
            "--observation",
            r#"{"aum": 1e6}"#,
            "--fail-on-breach",
        ],
        0,
    );
    // bad observation field / value: exit 3 naming it; missing file: exit 4
    let (_, err) = run(
        &[
            "guard",
            "period",
            "--policy",
            p,
            "--observation",
            r#"{"aum": "lots"}"#,
        ],
        3,
    );
    assert!(err.contains("observation"), "{err}");
    let (_, err) = run(
        &[
            "guard",
            "period",
            "--policy",
            p,
            "--observation",
            r#"{"no_such": 1}"#,
        ],
        3,
    );
    assert!(err.contains("no_such"), "{err}");
    run(
        &[
            "guard",
            "period",
            "--policy",
            p,
            "--observation",
            "/nonexistent/obs.json",
        ],
        4,
    );
}
