//! The CLI runner of tests/conformance/guardrails_session.json (see the
//! Rust runner in crates/guardrails/tests/conformance.rs): the CLI has no
//! order entry, so it runs the state steps through `tradewarden guard …`
//! and compares its journal with the expected one minus `decision` records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::Value;

fn tw(args: &[&str]) -> Value {
    let out = Command::cargo_bin("tradewarden")
        .unwrap()
        .env_remove("TRADEWARDEN_STATE_DIR")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(5),
        "{args:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn cli_guard_commands_run_the_shared_scenario() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance/guardrails_session.json");
    let sc: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    let lower = |v: &Value| v.as_str().unwrap().to_ascii_lowercase();
    for st in sc["steps"].as_array().unwrap() {
        let s = |k: &str| st[k].as_str().unwrap().to_string();
        match s("op").as_str() {
            "reset" => {
                tw(&[
                    "guard",
                    "reset",
                    "--state-dir",
                    dir,
                    "--to",
                    &lower(&st["to"]),
                    "--by",
                    &s("who"),
                    "--reason",
                    &s("why"),
                ]);
            }
            "escalate" => {
                let v = tw(&[
                    "guard",
                    "escalate",
                    "--state-dir",
                    dir,
                    "--to",
                    &lower(&st["to"]),
                    "--reason",
                    &s("reason"),
                ]);
                assert_eq!(v["changed"], st["expect_changed"]);
            }
            "kill" => {
                tw(&[
                    "guard",
                    "kill",
                    "--state-dir",
                    dir,
                    "--reason",
                    &s("reason"),
                    "--by",
                    &s("by"),
                ]);
            }
            "remove_kill_switch" => {
                tw(&[
                    "guard",
                    "remove-kill-switch",
                    "--state-dir",
                    dir,
                    "--by",
                    &s("who"),
                    "--reason",
                    &s("why"),
                ]);
            }
            "size_override" => {
                let f = st["fraction"].as_f64().unwrap().to_string();
                tw(&[
                    "guard",
                    "size-override",
                    "--state-dir",
                    dir,
                    "--fraction",
                    &f,
                    "--by",
                    &s("who"),
                    "--reason",
                    &s("why"),
                ]);
            }
            "order" => {} // no order entry in the CLI
            other => panic!("unknown op {other}"),
        }
    }
    let status = tw(&["guard", "status", "--state-dir", dir]);
    assert_eq!(status["state"], sc["expected"]["state"]);
    let tail = tw(&["guard", "journal", "tail", "--state-dir", dir, "-n", "1000"]);
    let got: Vec<Value> = tail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut e = e.clone();
            for k in ["seq", "ts", "prev"] {
                e.as_object_mut().unwrap().remove(k);
            }
            e
        })
        .collect();
    let want: Vec<Value> = sc["expected"]["journal"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] != "decision")
        .cloned()
        .collect();
    assert_eq!(got, want);
    let v = tw(&["guard", "journal", "verify", "--state-dir", dir]);
    assert_eq!(v["problem"], Value::Null, "{v}");
    // The SLO figure from a journal with the scenario's decisions: the
    // Python/Rust runners' journals have 7 decisions, 5 of them denials.
    let v = tw(&["guard", "journal", "stats", "--state-dir", dir]);
    assert_eq!(v["trades"], 0, "the CLI journals no decisions: {v}");
    assert_eq!(v["violations_per_1000_trades"], Value::Null);
}

/// Reproduction (issue 17): one invalid byte in a journal file made
/// `tradewarden guard kill` exit 4 with no KILL_SWITCH and the state ACTIVE
/// (the kill opened — read — the whole journal first).
#[test]
fn guard_kill_engages_over_a_corrupted_journal() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    tw(&[
        "guard",
        "reset",
        "--state-dir",
        dir,
        "--to",
        "active",
        "--by",
        "ops",
        "--reason",
        "start",
    ]);
    let cur = d.path().join("journal.jsonl");
    let mut b = std::fs::read(&cur).unwrap();
    let mid = b.len() / 2;
    b[mid] = 0xff;
    std::fs::write(&cur, &b).unwrap();
    // A rotated "file" nothing can read: the kill must not read history.
    std::fs::create_dir(d.path().join("journal.1.jsonl")).unwrap();
    let v = tw(&[
        "guard",
        "kill",
        "--state-dir",
        dir,
        "--reason",
        "desk limit",
        "--by",
        "alice",
    ]);
    assert_eq!(v["state"], "KILLED");
    assert!(d.path().join("KILL_SWITCH").exists());
    assert_eq!(v["persisted_state"], "KILLED");
}
