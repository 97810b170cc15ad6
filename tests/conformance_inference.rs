//! Cross-door conformance, Rust runner of the inference and telemetry areas
//! (docs/conformance.md): every case of `tests/conformance/inference_*.json`
//! and `tests/conformance/telemetry_recovery.json` through the library,
//! compared exactly with the case's `expect` (floats by their bits: these
//! functions have no SIMD path).
//!
//! With `TW_CONFORMANCE_OUT=FILE` the runner also writes its answers there:
//! the Python (`bindings/python/tests/test_conformance_inference.py`) and C
//! (`bindings/c/tests/c/conformance_inference.c`,
//! scripts/test.d/47-conformance-inference.sh) runners require
//! **bit-identical** answers from their doors on the same machine, and
//! `python3 tests/conformance/make_inference.py bless FILE` writes them into
//! the files' `expect` after a deliberate change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use tradewarden::core::{Classify, ErrorKind};
use tradewarden::metrics::recovery::{Outcome, RecoveryConfig, RecoveryTracker};
use tradewarden_inference::Predictor;
use tradewarden_inference::any::{AnyModel, Architecture, WeightsFormat, load_weights};
use tradewarden_inference::demo::demo_predictor;
use tradewarden_inference::guard::{DropReason, SanityGuard};
use tradewarden_inference::model::cpu_device;
use tradewarden_inference::regime::{self, RegimeConfig};
use tradewarden_inference::registry::{
    Inventory, Registry, RegistryOptions, Stage, load_signing_key, load_verifying_key,
};

const FILES: [&str; 3] = [
    "inference_functions.json",
    "telemetry_recovery.json",
    "inference_predictor.json",
];
/// The registry scenario: its steps share one registry, in file order.
const REGISTRY: &str = "inference_registry.json";

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance")
        .join(name)
}

/// A float of the file: a JSON number, or "nan" / "inf" / "-inf".
fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("bad float {other:?}"),
        },
        other => panic!("bad float {other}"),
    }
}

fn enc(x: f64) -> Value {
    if x.is_nan() {
        json!("nan")
    } else if x.is_infinite() {
        json!(if x > 0.0 { "inf" } else { "-inf" })
    } else {
        json!(x)
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

fn kind_name(k: ErrorKind) -> String {
    format!("{k:?}")
}

fn regime_config(c: &Value) -> RegimeConfig {
    if c.is_null() {
        return RegimeConfig::default();
    }
    RegimeConfig {
        window: c["window"].as_u64().unwrap() as usize,
        range_bound_max_vol: num(&c["range_bound_max_vol"]),
        range_bound_max_abs_momentum: num(&c["range_bound_max_abs_momentum"]),
        trend_min_abs_momentum: num(&c["trend_min_abs_momentum"]),
        volatile_min_vol: num(&c["volatile_min_vol"]),
        volatile_min_range: num(&c["volatile_min_range"]),
    }
}

fn recovery_config(c: &Value) -> RecoveryConfig {
    if c.is_null() {
        return RecoveryConfig::default();
    }
    RecoveryConfig {
        capacity: c["capacity"].as_u64().unwrap() as usize,
        retention_seconds: num(&c["retention_seconds"]),
        recent_window: c["recent_window"].as_u64().unwrap() as usize,
        max_operations: c["max_operations"].as_u64().unwrap() as usize,
    }
}

/// The verdict of every point, as the C door writes them (`TW_SANITY_*`).
fn verdict(r: Option<DropReason>) -> &'static str {
    r.map_or("kept", DropReason::as_str)
}

/// One case's answer: `{"value": ...}` or `{"error": Kind}`.
fn run(case: &Value) -> Value {
    let f = case["fn"].as_str().unwrap();
    let a = &case["args"];
    let res: Result<Value, ErrorKind> = match f {
        "regime.classify" => regime::classify(
            &floats(&a["high"]),
            &floats(&a["low"]),
            &floats(&a["close"]),
            &regime_config(&case["config"]),
        )
        .map(|r| {
            json!({"regime": r.regime.as_str(), "vol": enc(r.vol), "momentum": enc(r.momentum),
                   "range": enc(r.range)})
        })
        .map_err(|e| e.kind()),
        "sanity_guard.check" => {
            let t = &case["thresholds"];
            let g = if t.is_null() {
                SanityGuard::default()
            } else {
                SanityGuard {
                    max_move_from_last_close: num(&t["max_move_from_last_close"]),
                    max_step_move: num(&t["max_step_move"]),
                }
            };
            let forecast = floats(&a["forecast"]);
            g.check(num(&a["last_close"]), &forecast)
                .map(|out| {
                    let mut v = vec![None; forecast.len()];
                    for d in &out.dropped {
                        v[d.index] = Some(d.reason);
                    }
                    let verdicts: Vec<&str> = v.into_iter().map(verdict).collect();
                    json!({"verdicts": verdicts, "n_kept": out.kept.len()})
                })
                .map_err(|e| e.kind())
        }
        "recovery.summary" => recovery(case),
        "predictor.run" => predictor_run(case),
        other => panic!("unknown function {other}"),
    };
    match res {
        Ok(v) => json!({ "value": v }),
        Err(k) => json!({ "error": kind_name(k) }),
    }
}

fn recovery(case: &Value) -> Result<Value, ErrorKind> {
    let t = RecoveryTracker::new(recovery_config(&case["config"])).map_err(|e| e.kind())?;
    for r in case["records"].as_array().unwrap() {
        let o = Outcome {
            operation: r["operation"].as_str().unwrap(),
            success: r["success"].as_bool().unwrap(),
            duration_seconds: num(&r["duration_seconds"]),
            attempts: r["attempts"].as_u64().unwrap() as u32,
            error_type: r["error_type"].as_str(),
            recovery_strategy: r["recovery_strategy"].as_str(),
            fallback_used: r["fallback_used"].as_bool().unwrap(),
        };
        t.record_at(num(&r["at"]), &o).map_err(|e| e.kind())?;
    }
    let summary = t
        .checked_summary_at(num(&case["now"]))
        .map_err(|e| e.kind())?;
    let mut v = serde_json::to_value(summary).unwrap();
    // wall-clock dependent (time since the tracker was created)
    v.as_object_mut().unwrap().remove("uptime_seconds");
    Ok(v)
}

fn model(spec: &Value) -> Result<AnyModel, ErrorKind> {
    let format = match spec["format"].as_str().unwrap() {
        "safetensors" => WeightsFormat::Safetensors,
        "burnpack" => WeightsFormat::Burnpack,
        other => panic!("format {other}"),
    };
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(spec["file"].as_str().unwrap());
    load_weights(format, file, &spec["config"].to_string(), &cpu_device()).map_err(|e| e.kind())
}

/// Loads the case's model, then runs its steps in order: each step's answer
/// (`{"version", "outputs"}` of a prediction, `{"ok": true}` of a swap, or
/// `{"error": Kind}`); a load that fails is the case's error.
fn predictor_run(case: &Value) -> Result<Value, ErrorKind> {
    let spec = &case["load"];
    let p = if spec["format"] == "demo" {
        demo_predictor(&cpu_device()).map_err(|e| e.kind())?
    } else {
        Predictor::new("model", "v1", model(spec)?)
    };
    let mut answers = Vec::new();
    for step in case["steps"].as_array().unwrap() {
        let r = match step["op"].as_str().unwrap() {
            "predict" => prediction(&p, step),
            "swap" => model(step).and_then(|m| {
                p.swap(step["version"].as_str().unwrap(), m)
                    .map(|_| json!({"ok": true}))
                    .map_err(|e| e.kind())
            }),
            other => panic!("op {other}"),
        };
        answers.push(r.unwrap_or_else(|k| json!({"error": kind_name(k)})));
    }
    Ok(Value::Array(answers))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn key_path(name: &Value) -> PathBuf {
    root()
        .join("tests/conformance/data")
        .join(name.as_str().unwrap())
}

/// The registry at `dir`, with the step's verifying key when it names one.
fn open_registry(dir: &std::path::Path, step: &Value) -> Result<Registry, ErrorKind> {
    match step.get("verifying_key") {
        Some(k) => {
            let vk = load_verifying_key(key_path(k)).map_err(|e| e.kind())?;
            Registry::open_with(dir, RegistryOptions::default().with_verifying_key(vk))
        }
        None => Registry::open(dir),
    }
    .map_err(|e| e.kind())
}

/// What every door compares of an inventory: per version its stage,
/// pointers, signature, file names, metrics and architecture (not the
/// registration time, not the checksums: burnpack bytes are not reproducible),
/// per corrupt version the file at fault (its name: the directories differ).
fn inventory_answer(inv: &Inventory) -> Value {
    let v = serde_json::to_value(inv).unwrap();
    normalize_inventory(&v)
}

fn normalize_inventory(v: &Value) -> Value {
    let versions: Vec<Value> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let m = &e["manifest"];
            // the files by name, not by checksum: the stored burnpack bytes of
            // one model differ from one registration to the next
            let files: Vec<&String> = m["files"].as_object().unwrap().keys().collect();
            json!({"version": m["version"], "stage": m["stage"], "active": e["active"],
                   "last_good": e["last_good"], "signed": e["signed"], "files": files,
                   "metrics": m["metrics"], "architecture": m["architecture"]})
        })
        .collect();
    let corrupt: Vec<Value> = v["corrupt"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let file = c["path"].as_str().unwrap().rsplit('/').next().unwrap();
            json!({"version": c["version"], "file": file})
        })
        .collect();
    json!({"versions": versions, "corrupt": corrupt})
}

fn prediction(p: &Predictor, step: &Value) -> Result<Value, ErrorKind> {
    let shape: Vec<usize> = step["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let x = floats(&step["features"]);
    // an MLP reads rows of `n_features` (its window is 1); a window model
    // windows of `window × n_features`
    if matches!(p.config(), Architecture::Mlp(_)) {
        p.predict(&x, shape[0])
    } else {
        p.predict_window(&x, shape[0], shape[1], shape[2])
    }
    .map(|o| {
        let v: Vec<Value> = o.values.iter().map(|v| enc(f64::from(*v))).collect();
        json!({"version": &*o.version, "outputs": v})
    })
    .map_err(|e| e.kind())
}

/// One step of the registry scenario on the registry at `dir`.
fn registry_step(dir: &std::path::Path, step: &Value) -> Result<Value, ErrorKind> {
    let name = step["name"].as_str().unwrap();
    let version = || step["version"].as_str().unwrap();
    let ok = json!({"ok": true});
    let r = open_registry(dir, step)?;
    let kind = |e: tradewarden_inference::InferenceError| e.kind();
    match step["op"].as_str().unwrap() {
        "register" => {
            let m = model(&step["model"])?;
            match step.get("key") {
                Some(k) => {
                    let key = load_signing_key(key_path(k)).map_err(kind)?;
                    r.register_signed(name, version(), &m, Default::default(), &key)
                }
                None => r.register(name, version(), &m, Default::default()),
            }
            .map(|_| ok)
            .map_err(kind)
        }
        "sign" => {
            let key = load_signing_key(key_path(&step["key"])).map_err(kind)?;
            r.sign(name, version(), &key).map(|()| ok).map_err(kind)
        }
        "versions" => r.versions(name).map(|v| json!(v)).map_err(kind),
        "inventory" => r
            .inventory(name)
            .map(|i| inventory_answer(&i))
            .map_err(kind),
        "active" => r.active(name).map(|v| json!(v)).map_err(kind),
        "promote" => r.promote(name, version()).map(|()| ok).map_err(kind),
        "rollback" => r.rollback(name).map(|v| json!({"active": v})).map_err(kind),
        "freeze" => {
            let arg = |k: &str| step[k].as_str().unwrap();
            r.freeze_learning(name, arg("who"), arg("why"))
                .map(|()| ok)
                .map_err(kind)
        }
        "unfreeze" => r.unfreeze_learning(name).map(|()| ok).map_err(kind),
        // the Rust door parses the name as every door does (`Stage: FromStr`)
        "stage" => step["stage"]
            .as_str()
            .unwrap()
            .parse::<Stage>()
            .map_err(|e| kind(e.into()))
            .and_then(|s| r.stage(name, version(), s).map_err(kind))
            .map(|()| ok),
        // who and why (not `since`: the wall clock's)
        "learning_freeze" => r
            .learning_freeze(name)
            .map(|f| f.map_or(Value::Null, |f| json!({"who": f.who, "why": f.why})))
            .map_err(kind),
        "predict_active" => match r.load_active_model(name, &cpu_device()).map_err(kind)? {
            None => Err(ErrorKind::NotFound),
            Some((v, m)) => prediction(&Predictor::new(name, v, m), step),
        },
        "corrupt" => {
            // the test harness, not a door: flip a byte of a version's file
            let path = dir
                .join(name)
                .join("versions")
                .join(version())
                .join(step["file"].as_str().unwrap());
            let mut bytes = std::fs::read(&path).unwrap();
            let i = bytes.len() / 2;
            bytes[i] ^= 0x5a;
            std::fs::write(&path, bytes).unwrap();
            Ok(ok)
        }
        other => panic!("registry op {other}"),
    }
}

/// The steps of the registry scenario on a new registry at `dir`: id → answer.
fn registry_answers(dir: &std::path::Path) -> Vec<(String, Value)> {
    load(REGISTRY)["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let a = match registry_step(dir, c) {
                Ok(v) => json!({ "value": v }),
                Err(k) => json!({ "error": kind_name(k) }),
            };
            (c["id"].as_str().unwrap().to_string(), a)
        })
        .collect()
}

/// What a door reads of a registry another door wrote (and of its own):
/// versions, inventory, active version, and the active models' answers.
fn read_registry(dir: &std::path::Path) -> Value {
    let doc = load(REGISTRY);
    let x: Vec<Value> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == "predict_active")
        .cloned()
        .collect();
    let mut out = Vec::new();
    let reads = [
        json!({"op": "versions", "name": "m"}),
        json!({"op": "inventory", "name": "m"}),
        json!({"op": "active", "name": "m"}),
        json!({"op": "versions", "name": "g"}),
    ];
    for step in reads.iter().chain(
        x.iter()
            .filter(|c| c["id"] != "registry.predict_gru_unpromoted"),
    ) {
        out.push(match registry_step(dir, step) {
            Ok(v) => json!({ "value": v }),
            Err(k) => json!({ "error": kind_name(k) }),
        });
    }
    Value::Array(out)
}

/// A form in which equal means bit-identical: every float as its bits
/// (serde_json's `==` holds 0.0 and -0.0 equal), integers as they are.
fn canon(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => json!(format!("f{:016x}", n.as_f64().unwrap().to_bits())),
        Value::Array(a) => Value::Array(a.iter().map(canon).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), canon(x))).collect()),
        other => other.clone(),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    canon(a) == canon(b)
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path(name)).unwrap()).unwrap()
}

#[test]
fn every_case_gives_the_expected_answer() {
    let mut answers = Map::new();
    let mut failures = Vec::new();
    let mut n = 0;
    for name in FILES {
        let doc = load(name);
        for case in doc["cases"].as_array().unwrap() {
            let id = case["id"].as_str().unwrap();
            let got = run(case);
            n += 1;
            match case.get("expect") {
                Some(want) if same(want, &got) => {}
                Some(want) => failures.push(format!("{id}: got {got}, expected {want}")),
                None => failures.push(format!("{id}: no expectation (bless the file)")),
            }
            answers.insert(id.to_string(), got);
        }
    }
    // the registry scenario: in a new directory, or in TW_CONFORMANCE_REGISTRY
    // (left there for the other doors to read)
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("TW_CONFORMANCE_REGISTRY")
        .map_or_else(|| tmp.path().join("registry"), PathBuf::from);
    let cases = load(REGISTRY)["cases"].as_array().unwrap().clone();
    for ((id, got), case) in registry_answers(&dir).into_iter().zip(&cases) {
        n += 1;
        match case.get("expect") {
            Some(want) if same(want, &got) => {}
            Some(want) => failures.push(format!("{id}: got {got}, expected {want}")),
            None => failures.push(format!("{id}: no expectation (bless the file)")),
        }
        answers.insert(id, got);
    }
    answers.insert("registry.read.own".into(), read_registry(&dir));
    // a registry another door wrote: read it the same way
    if let Some(other) = std::env::var_os("TW_CONFORMANCE_READ_REGISTRY") {
        answers.insert(
            "registry.read.other".into(),
            read_registry(std::path::Path::new(&other)),
        );
    }
    if let Some(out) = std::env::var_os("TW_CONFORMANCE_OUT") {
        std::fs::write(out, serde_json::to_string(&answers).unwrap()).unwrap();
    }
    assert!(n > 60, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_error_case_says_which_kind() {
    // the files hold both answers and errors, so a runner that always
    // answered (or always failed) could not pass
    for name in FILES {
        let doc = load(name);
        let cases = doc["cases"].as_array().unwrap();
        let errors = cases
            .iter()
            .filter(|c| c["expect"].get("error").is_some())
            .count();
        assert!(errors >= 5 && errors < cases.len() - 5, "{name}: {errors}");
    }
}

#[test]
fn the_comparison_is_by_bits() {
    // serde_json with float_roundtrip: the file's decimal is the exact f64
    let x = 0.1 + 0.2;
    let v: Value = serde_json::from_str(&serde_json::to_string(&enc(x)).unwrap()).unwrap();
    assert_eq!(num(&v).to_bits(), x.to_bits());
    assert!(!same(&enc(x), &enc(f64::from_bits(x.to_bits() + 1))));
    assert!(!same(&enc(0.0), &enc(-0.0)));
    assert!(same(&json!([1, {"a": -0.0}]), &json!([1, {"a": -0.0}])));
}
