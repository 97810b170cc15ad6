//! Cross-door conformance, Rust runner of `tests/conformance/telemetry_exporter.json`
//! (docs/conformance.md): the exporter installs once per process, so this
//! binary holds one test that replays every step in order — render before
//! install, bad configurations, the install under namespace `acme` and
//! profile `plus_ultra`, a second install, renders, and drift metrics
//! emitted by a live monitor — and compares each answer with the file.
//!
//! With `TW_CONFORMANCE_TELEMETRY_OUT=FILE` it writes its answers and every
//! rendered text there: the Python
//! (`bindings/python/tests/test_conformance_inference.py`) and C
//! (`bindings/c/tests/c/conformance_telemetry.c`) runners require the same
//! answers and the same exposition text, byte for byte, on this machine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use tradewarden::core::config::{ConfigFormat, parse_config};
use tradewarden::core::{Classify, ErrorKind};
use tradewarden::drift::monitor::{LiveMonitor, LiveMonitorOptions};
use tradewarden::drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden::metrics::handles::{
    MlBotMetrics, MonitoringMetrics, ServiceMetrics, TradingMetrics, TradingSnapshot,
};
use tradewarden::metrics::{Catalog, Exporter, ExporterConfig, MetricsError};

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/telemetry_exporter.json")
}

fn num(v: &Value) -> f64 {
    match v.as_str() {
        Some("nan") => f64::NAN,
        Some("inf") => f64::INFINITY,
        Some("-inf") => f64::NEG_INFINITY,
        _ => v.as_f64().unwrap(),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

/// One handle call of a `gauges` step (new handles per call, as the Python
/// runner makes them), on the installed exporter's catalog.
fn handle_call(catalog: &Catalog, c: &Value) -> Result<(), MetricsError> {
    let a = &c["args"];
    let s = |k: &str| a[k].as_str().unwrap();
    let u = |k: &str| a[k].as_u64().unwrap();
    match (c["handle"].as_str().unwrap(), c["call"].as_str().unwrap()) {
        ("trading", "set_snapshot") => {
            TradingMetrics::new(catalog, s("strategy")).set_snapshot(&TradingSnapshot {
                pnl: num(&a["pnl"]),
                sharpe: num(&a["sharpe"]),
                winning_trades: u("winning_trades"),
                total_trades: u("total_trades"),
                max_drawdown_ratio: num(&a["max_drawdown_ratio"]),
                gross_profit: num(&a["gross_profit"]),
                gross_loss: num(&a["gross_loss"]),
            })
        }
        ("mlbot", "set_regime") => {
            MlBotMetrics::new(catalog).set_regime(s("symbol"), s("timeframe"), s("regime"))
        }
        ("mlbot", "set_quality") => MlBotMetrics::new(catalog).set_quality(
            s("symbol"),
            s("timeframe"),
            s("metric"),
            num(&a["value"]),
        ),
        ("mlbot", "prediction") => MlBotMetrics::new(catalog).prediction(
            s("bot_name"),
            s("symbol"),
            s("timeframe"),
            num(&a["seconds"]),
        ),
        ("mlbot", "cache") => {
            MlBotMetrics::new(catalog).cache(u("hits"), u("misses"), u("size") as usize);
            Ok(())
        }
        ("mlbot", "websocket_connections") => {
            MlBotMetrics::new(catalog).websocket_connections(u("n") as usize);
            Ok(())
        }
        ("monitoring", "risk") => MonitoringMetrics::new(catalog).risk(s("name"), num(&a["value"])),
        ("monitoring", "drift") => {
            MonitoringMetrics::new(catalog).drift(s("name"), num(&a["value"]))
        }
        ("monitoring", "window_size") => {
            MonitoringMetrics::new(catalog).window_size(u("n") as usize);
            Ok(())
        }
        ("monitoring", "alert") => {
            MonitoringMetrics::new(catalog).alert(s("alert"));
            Ok(())
        }
        ("service", "record") => ServiceMetrics::new(catalog).record(
            s("endpoint"),
            s("http_method"),
            u("status") as u16,
            num(&a["seconds"]),
            a["exception"].as_str(),
        ),
        ("service", "prediction_rows") => {
            ServiceMetrics::new(catalog).prediction_rows(u("rows") as usize);
            Ok(())
        }
        (h, m) => panic!("{h}.{m}"),
    }
}

/// The families (`# TYPE` lines) and the samples of an exposition, sorted;
/// `build_info` (its labels carry the version) and the `*_timestamp` gauges
/// (the wall clock's) left out of the samples.
fn exposition(text: &str) -> Value {
    let mut families: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut samples: Vec<&str> = text
        .lines()
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with('#')
                && !l.contains("build_info")
                && !l.contains("_timestamp{")
        })
        .collect();
    families.sort_unstable();
    samples.sort_unstable();
    json!({"families": families, "samples": samples})
}

fn step(s: &Value, exporter: &mut Option<Exporter>) -> Result<(Value, Option<String>), ErrorKind> {
    match s["op"].as_str().unwrap() {
        "install" => {
            let cfg: ExporterConfig =
                parse_config(&s["config"].to_string(), ConfigFormat::Json).map_err(|e| e.kind())?;
            // a second install: the library refuses it (the recorder is
            // process-wide) and the first exporter stays
            let e = Exporter::install(&cfg).map_err(|e| e.kind())?;
            *exporter = Some(e);
            Ok((json!({"ok": true}), None))
        }
        "render" => {
            let e = exporter.as_ref().ok_or(ErrorKind::State)?;
            let text = e.render().map_err(|e| e.kind())?;
            Ok((exposition(&text), Some(text)))
        }
        "monitor_emit" => {
            let mut p = Profile::new();
            let fp = NumericProfile::fit(&floats(&s["reference"]), &ProfileOptions::default())
                .map_err(|e| e.kind())?;
            p.insert("x", FeatureProfile::Numeric(fp));
            let o = &s["options"];
            let opts = LiveMonitorOptions {
                window: o["window"].as_u64().unwrap() as usize,
                min_values: o["min_values"].as_u64().unwrap() as usize,
                ..Default::default()
            };
            let mut m = LiveMonitor::new(&p, opts).map_err(|e| e.kind())?;
            m.push("x", &floats(&s["current"])).map_err(|e| e.kind())?;
            let scores = m.score_and_emit().map_err(|e| e.kind())?;
            let drifted = scores.iter().filter(|x| x.drift).count();
            Ok((
                json!({"n_scored": scores.len(), "n_drifted": drifted}),
                None,
            ))
        }
        "gauges" => {
            let e = exporter.as_ref().ok_or(ErrorKind::State)?;
            let answers: Vec<Value> = s["calls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| match handle_call(e.catalog(), c) {
                    Ok(()) => json!({"ok": true}),
                    Err(err) => json!({"error": format!("{:?}", err.kind())}),
                })
                .collect();
            Ok((Value::Array(answers), None))
        }
        other => panic!("op {other}"),
    }
}

#[test]
fn every_step_gives_the_expected_answer() {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    let mut exporter = None;
    let (mut answers, mut failures) = (Map::new(), Vec::new());
    for s in doc["cases"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let (got, text) = match step(s, &mut exporter) {
            Ok((v, t)) => (json!({ "value": v }), t),
            Err(k) => (json!({ "error": format!("{k:?}") }), None),
        };
        match s.get("expect") {
            Some(want) if *want == got => {}
            Some(want) => failures.push(format!("{id}: got {got}, expected {want}")),
            None => failures.push(format!("{id}: no expectation (bless the file)")),
        }
        if let Some(t) = text {
            answers.insert(format!("{id}.text"), json!(t));
        }
        answers.insert(id.to_string(), got);
    }
    if let Some(out) = std::env::var_os("TW_CONFORMANCE_TELEMETRY_OUT") {
        std::fs::write(out, serde_json::to_string(&answers).unwrap()).unwrap();
    }
    assert!(answers.len() > 10);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
