//! Cross-door conformance, Rust runner: every case of
//! `tests/conformance/functions.json` through the library, compared with the
//! case's `expect` — bit for bit, or within the file's documented `ulps`
//! bound for a function whose SIMD path may change the last bits by CPU.
//! The Python (`bindings/python/tests/test_conformance_functions.py`), C
//! (`bindings/c/tests/c/conformance_functions.c`, scripts/test.d/42-conformance.sh)
//! and CLI runners check the same expectations through their doors.
//!
//! `TW_BLESS=1 cargo test -p tradewarden --test conformance_functions`
//! rewrites every `expect` from this runner (after a deliberate change; bless
//! with `TRADEWARDEN_SIMD=scalar` so the file holds the portable path's bits).
//! With `TW_CONFORMANCE_OUT=FILE` it also writes its answers there, so that
//! the other runners can require **bit-identical** answers from their doors
//! on the same machine (the `ulps` bound only covers other CPUs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value, json};
use tradewarden::core::returns::{self, Summary, SummaryOptions};
use tradewarden::core::{Classify, NanPolicy, Period, ReturnsOptions};
use tradewarden::drift::distance::jensenshannon;
use tradewarden::drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden::drift::profile::BinStrategy;
use tradewarden::drift::psi::{PsiMode, psi_of_samples};

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/functions.json")
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

/// What a door answered.
#[derive(Debug, PartialEq)]
enum Out {
    Value(f64),
    Values(BTreeMap<String, f64>),
    Error(String),
}

fn kind_name(k: tradewarden::ErrorKind) -> String {
    format!("{k:?}")
}

fn returns_options(o: &Map<String, Value>) -> ReturnsOptions {
    ReturnsOptions {
        period: Period::Custom(num(&o["annualization"])),
        risk_free: num(&o["risk_free"]),
        required_return: num(&o["required_return"]),
        ddof: 1,
        nan_policy: o["nan_policy"]
            .as_str()
            .unwrap()
            .parse::<NanPolicy>()
            .unwrap(),
    }
}

fn run(case: &Value, inputs: &Map<String, Value>) -> Out {
    let arr = |name: &str| -> Vec<f64> {
        let key = case["args"][name].as_str().unwrap();
        inputs[key].as_array().unwrap().iter().map(num).collect()
    };
    let empty = Map::new();
    let o = case
        .get("options")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let f = case["fn"].as_str().unwrap();
    let res: Result<Out, tradewarden::ErrorKind> = (|| {
        let value = |r: tradewarden::core::Result<f64>| r.map(Out::Value).map_err(|e| e.kind());
        match f {
            "returns.summary" => {
                let r = arr("returns");
                let b = case["args"].get("benchmark").map(|_| arr("benchmark"));
                let ro = returns_options(o);
                // the options are checked before the data, as in every door
                ro.validate().map_err(|e| e.kind())?;
                let s = Summary::compute(
                    &r,
                    b.as_deref(),
                    &SummaryOptions {
                        returns: ro,
                        ..Default::default()
                    },
                )
                .map_err(|e| e.kind())?;
                Ok(Out::Values(
                    s.metrics()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                ))
            }
            _ if f.starts_with("returns.") => {
                let r = arr("returns");
                let ro = returns_options(o);
                match &f["returns.".len()..] {
                    "sharpe_ratio" => value(returns::sharpe_ratio(&r, &ro)),
                    "sortino_ratio" => value(returns::sortino_ratio(&r, &ro)),
                    "max_drawdown" => value(returns::max_drawdown(&r, &ro)),
                    "annual_return" => value(returns::annual_return(&r, &ro)),
                    "annual_volatility" => value(returns::annual_volatility(&r, &ro)),
                    "calmar_ratio" => value(returns::calmar_ratio(&r, &ro)),
                    "downside_risk" => value(returns::downside_risk(&r, &ro)),
                    other => panic!("unknown function returns.{other}"),
                }
            }
            "drift.ks_2samp" => {
                let alt = o["alternative"]
                    .as_str()
                    .unwrap()
                    .parse::<Alternative>()
                    .unwrap();
                let r = ks_2samp(
                    &arr("data1"),
                    &arr("data2"),
                    alt,
                    KsMethod::Auto,
                    NanPolicy::Error,
                )
                .map_err(|e| e.kind())?;
                Ok(Out::Values(BTreeMap::from([
                    ("statistic".to_string(), r.statistic),
                    ("pvalue".to_string(), r.pvalue),
                ])))
            }
            "drift.jensenshannon" => {
                let base = match &o["base"] {
                    Value::Null => None,
                    v => Some(num(v)),
                };
                jensenshannon(&arr("p"), &arr("q"), base)
                    .map(Out::Value)
                    .map_err(|e| e.kind())
            }
            "drift.psi" => {
                let bins = o["bins"].as_u64().unwrap() as usize;
                let strategy = match o["strategy"].as_str().unwrap() {
                    "quantile" => BinStrategy::Quantile { bins },
                    "equal_width" => BinStrategy::EqualWidth { bins },
                    other => panic!("strategy {other}"),
                };
                let np = o["nan_policy"]
                    .as_str()
                    .unwrap()
                    .parse::<NanPolicy>()
                    .unwrap();
                psi_of_samples(
                    &arr("reference"),
                    &arr("current"),
                    strategy,
                    np,
                    PsiMode::Standard {
                        epsilon: num(&o["epsilon"]),
                    },
                )
                .map(Out::Value)
                .map_err(|e| e.kind())
            }
            other => panic!("unknown function {other}"),
        }
    })();
    res.unwrap_or_else(|k| Out::Error(kind_name(k)))
}

fn expect_of(out: &Out) -> Value {
    match out {
        Out::Value(x) => json!({ "value": enc(*x) }),
        Out::Values(m) => {
            json!({ "values": m.iter().map(|(k, v)| (k.clone(), enc(*v))).collect::<Map<_, _>>() })
        }
        Out::Error(k) => json!({ "error": k }),
    }
}

/// Distance in units in the last place (0 for equal bits or two NaNs).
fn ulps(a: f64, b: f64) -> u64 {
    if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) {
        return 0;
    }
    if a.is_nan() || b.is_nan() || a.signum() != b.signum() {
        return u64::MAX;
    }
    a.to_bits().abs_diff(b.to_bits())
}

fn check(case: &Value, out: &Out, bound: u64) -> Result<(), String> {
    let expect = &case["expect"];
    let id = case["id"].as_str().unwrap();
    let cmp = |name: &str, want: &Value, got: f64| -> Result<(), String> {
        let w = num(want);
        let d = ulps(w, got);
        if d > bound {
            Err(format!(
                "{id} {name}: expected {w:e}, got {got:e} ({d} ulps > {bound})"
            ))
        } else {
            Ok(())
        }
    };
    match (out, expect) {
        (Out::Error(k), e) if e.get("error").is_some() => (e["error"] == json!(k))
            .then_some(())
            .ok_or(format!("{id}: error {k}, expected {e}")),
        (Out::Value(x), e) if e.get("value").is_some() => cmp("value", &e["value"], *x),
        (Out::Values(m), e) if e.get("values").is_some() => {
            let want = e["values"].as_object().unwrap();
            if want.len() != m.len() {
                return Err(format!("{id}: {} values, expected {}", m.len(), want.len()));
            }
            for (k, v) in want {
                let got = m.get(k).ok_or(format!("{id}: no value {k}"))?;
                cmp(k, v, *got)?;
            }
            Ok(())
        }
        (got, e) => Err(format!("{id}: got {got:?}, expected {e}")),
    }
}

/// One case per line, one input per line (as make_functions.py writes it).
fn dumps(doc: &Value) -> String {
    let mut s = String::from("{\n");
    s += &format!(" \"about\": {},\n", doc["about"]);
    s += &format!(" \"ulps\": {},\n", doc["ulps"]);
    s += " \"cases\": [\n";
    let cases: Vec<String> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("  {c}"))
        .collect();
    s += &cases.join(",\n");
    s += "\n ],\n \"inputs\": {\n";
    let inputs: Vec<String> = doc["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("  {}: {v}", json!(k)))
        .collect();
    s += &inputs.join(",\n");
    s += "\n }\n}\n";
    s
}

#[test]
fn every_case_gives_the_expected_answer() {
    let text = std::fs::read_to_string(path()).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let inputs = doc["inputs"].as_object().unwrap().clone();
    let bounds = doc["ulps"].as_object().cloned().unwrap_or_default();
    let bless = std::env::var_os("TW_BLESS").is_some();
    // The file holds the scalar path's bits: forced to that path, nothing may differ.
    let exact = std::env::var("TRADEWARDEN_SIMD").as_deref() == Ok("scalar");
    let mut failures = Vec::new();
    let mut n = 0;
    for case in doc["cases"].as_array_mut().unwrap() {
        let out = run(case, &inputs);
        n += 1;
        if bless {
            case["expect"] = expect_of(&out);
            continue;
        }
        let f = case["fn"].as_str().unwrap();
        let bound = if exact {
            0
        } else {
            bounds.get(f).and_then(Value::as_u64).unwrap_or(0)
        };
        if let Err(e) = check(case, &out, bound) {
            failures.push(e);
        }
    }
    if bless {
        std::fs::write(path(), dumps(&doc)).unwrap();
    }
    if let Some(out) = std::env::var_os("TW_CONFORMANCE_OUT") {
        let answers: Map<String, Value> = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_string(),
                    expect_of(&run(c, &inputs)),
                )
            })
            .collect();
        std::fs::write(out, serde_json::to_string(&answers).unwrap()).unwrap();
    }
    assert!(n > 100, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_checker_can_fail() {
    let case = json!({"id": "x", "fn": "returns.sharpe_ratio", "expect": {"value": 1.0}});
    assert!(check(&case, &Out::Value(1.0), 0).is_ok());
    assert!(check(&case, &Out::Value(f64::from_bits(1.0f64.to_bits() + 1)), 0).is_err());
    assert!(check(&case, &Out::Value(f64::from_bits(1.0f64.to_bits() + 1)), 1).is_ok());
    assert!(check(&case, &Out::Error("InvalidInput".into()), 0).is_err());
    let nan = json!({"id": "y", "fn": "f", "expect": {"value": "nan"}});
    assert!(check(&nan, &Out::Value(f64::NAN), 0).is_ok());
    assert!(check(&nan, &Out::Value(0.0), 1000).is_err());
}
