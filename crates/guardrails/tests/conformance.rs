//! The Rust runner of tests/conformance/guardrails_session.json: the same
//! scripted scenario is run by the Python, C and CLI runners; each compares
//! its journal and final state with the file's `expected`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tradewarden_guardrails::journal::read_dir;
use tradewarden_guardrails::{Decision, Order, Policy, Session, SessionConfig, Side, TradingState};

fn scenario() -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance/guardrails_session.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn state(s: &str) -> TradingState {
    serde_json::from_value(Value::String(s.into())).unwrap()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN) // null = missing
}

/// A journal entry as JSON without `seq`, `ts` and `prev`.
fn normalized(dir: &std::path::Path) -> Vec<Value> {
    let (entries, skipped) = read_dir(dir).unwrap();
    assert_eq!(skipped, 0);
    entries
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap();
            let o = v.as_object_mut().unwrap();
            for k in ["seq", "ts", "prev"] {
                o.remove(k);
            }
            v
        })
        .collect()
}

#[test]
fn rust_session_runs_the_shared_scenario() {
    let sc = scenario();
    let policy = Policy::from_toml(sc["policy_toml"].as_str().unwrap()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let mut s = Session::open(
        &policy,
        sc["equity"].as_f64().unwrap(),
        SessionConfig::in_dir(d.path()),
    )
    .unwrap();
    for (i, st) in sc["steps"].as_array().unwrap().iter().enumerate() {
        let str_ = |k: &str| st[k].as_str().unwrap();
        match str_("op") {
            "reset" => s
                .reset(state(str_("to")), str_("who"), str_("why"))
                .unwrap(),
            "escalate" => {
                let changed = s.escalate(state(str_("to")), str_("reason")).unwrap();
                assert_eq!(changed, st["expect_changed"].as_bool().unwrap(), "step {i}");
            }
            "kill" => s.kill(str_("reason"), str_("by")).unwrap(),
            "remove_kill_switch" => s.remove_kill_switch(str_("who"), str_("why")).unwrap(),
            "size_override" => s
                .set_size_override(st["fraction"].as_f64().unwrap(), str_("who"), str_("why"))
                .unwrap(),
            "order" => {
                let o = Order {
                    symbol: s.symbol_id(str_("symbol")).unwrap(),
                    side: if str_("side") == "buy" {
                        Side::Buy
                    } else {
                        Side::Sell
                    },
                    quantity: num(&st["quantity"]),
                    price: num(&st["price"]),
                    reference_price: num(&st["reference_price"]),
                    data_timestamp: num(&st["data_timestamp"]),
                    timestamp: num(&st["timestamp"]),
                    confidence: f64::NAN,
                };
                let d: Decision = s.check_order(&o).unwrap();
                assert_eq!(
                    serde_json::to_value(d).unwrap(),
                    st["expect"],
                    "step {i}: decision"
                );
            }
            other => panic!("unknown op {other}"),
        }
    }
    assert_eq!(
        s.state().as_str(),
        sc["expected"]["state"].as_str().unwrap()
    );
    let got = normalized(d.path());
    let want = sc["expected"]["journal"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "journal length\n{got:#?}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "journal record {k}");
    }
}
