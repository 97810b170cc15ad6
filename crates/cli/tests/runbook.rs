//! The runbook commands end to end on temporary directories: results,
//! `--json`, exit codes, one-line errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, s};

use std::io::Write;
use std::path::Path;

use serde_json::Value;

fn json(args: &[&str], code: i32) -> Value {
    let (out, err) = run(args, code);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

fn one_line_error(err: &str) {
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        !err.contains("backtrace") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn guard_kill_reset_status_and_journal() {
    let d = tempfile::tempdir().unwrap();
    let st = d.path().join("state");
    let st = s(&st);
    // fresh directory: halted, exit 5
    let v = json(&["guard", "status", "--state-dir", st, "--json"], 5);
    assert_eq!(v["state"], "HALTED");
    run(
        &[
            "guard",
            "reset",
            "--state-dir",
            st,
            "--reason",
            "start of day",
            "--by",
            "alice",
        ],
        0,
    );
    let v = json(&["guard", "status", "--state-dir", st, "--json"], 0);
    assert_eq!(
        (v["state"].as_str(), v["actor"].as_str()),
        (Some("ACTIVE"), Some("alice"))
    );
    // kill switch: file written, state killed, reset refused until removed deliberately
    run(
        &[
            "guard",
            "kill",
            "--state-dir",
            st,
            "--reason",
            "runaway orders",
            "--by",
            "bob",
        ],
        0,
    );
    assert!(d.path().join("state/KILL_SWITCH").exists());
    let v = json(&["guard", "status", "--state-dir", st, "--json"], 5);
    assert_eq!(v["state"], "KILLED");
    assert_eq!(v["kill_switch_record"]["activated_by"], "bob");
    let (_, err) = run(
        &[
            "guard",
            "reset",
            "--state-dir",
            st,
            "--reason",
            "x",
            "--by",
            "alice",
        ],
        5,
    );
    one_line_error(&err);
    assert!(err.contains("KILL_SWITCH"), "{err}");
    run(
        &[
            "guard",
            "reset",
            "--state-dir",
            st,
            "--reason",
            "closed",
            "--by",
            "alice",
            "--remove-kill-switch",
        ],
        0,
    );
    assert!(!d.path().join("state/KILL_SWITCH").exists());
    let (_, err) = run(
        &[
            "guard",
            "kill",
            "--state-dir",
            st,
            "--reason",
            " ",
            "--by",
            "bob",
        ],
        3,
    );
    one_line_error(&err);
    // journal: the kill, the removal and the resets, in order
    let v = json(
        &[
            "guard",
            "journal",
            "tail",
            "--state-dir",
            st,
            "-n",
            "50",
            "--json",
        ],
        0,
    );
    let kinds: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"transition") && kinds.contains(&"override"),
        "{kinds:?}"
    );
    let whats: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["what"].as_str())
        .collect();
    assert!(whats.contains(&"removed KILL_SWITCH"), "{whats:?}");
    let v = json(
        &[
            "guard",
            "journal",
            "tail",
            "--state-dir",
            st,
            "-n",
            "1",
            "--json",
        ],
        0,
    );
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
}

#[test]
fn guard_check_policy_reports_every_problem() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("p.toml");
    std::fs::write(
        &good,
        "[pre_trade]\nmax_order_notional = 1000.0\n[symbols.ES]\n",
    )
    .unwrap();
    let v = json(&["guard", "check-policy", s(&good), "--json"], 0);
    assert_eq!(v["valid"], true);
    assert_eq!(v["symbols"][0], "ES");
    let bad = d.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[pre_trade]\nmax_order_notional = -1.0\nmax_gross_leverage = 0.0\n",
    )
    .unwrap();
    let (_, err) = run(&["guard", "check-policy", s(&bad)], 3);
    one_line_error(&err);
    assert!(
        err.contains("max_order_notional") && err.contains("max_gross_leverage"),
        "{err}"
    );
    let (_, err) = run(
        &["guard", "check-policy", s(&d.path().join("missing.toml"))],
        3,
    );
    one_line_error(&err);
}

fn write_csv(path: &Path, cols: &[(&str, Vec<f64>)]) {
    let mut f = std::fs::File::create(path).unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    writeln!(f, "{}", names.join(",")).unwrap();
    for i in 0..cols[0].1.len() {
        let row: Vec<String> = cols.iter().map(|c| c.1[i].to_string()).collect();
        writeln!(f, "{}", row.join(",")).unwrap();
    }
}

fn series(n: usize, shift: f64, scale: f64, k: u64) -> Vec<f64> {
    // deterministic pseudo-normal values (sum of 4 uniforms)
    let mut x = k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            let mut u = 0.0;
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                u += (x >> 11) as f64 / (1u64 << 53) as f64;
            }
            shift + scale * (u - 2.0)
        })
        .collect()
}

#[test]
fn drift_profile_fit_show_and_report() {
    let d = tempfile::tempdir().unwrap();
    let reference = d.path().join("ref.csv");
    let same = d.path().join("same.csv");
    let shifted = d.path().join("shifted.csv");
    write_csv(
        &reference,
        &[
            ("a", series(800, 0.0, 1.0, 1)),
            ("b", series(800, 5.0, 2.0, 2)),
        ],
    );
    write_csv(
        &same,
        &[
            ("a", series(800, 0.0, 1.0, 3)),
            ("b", series(800, 5.0, 2.0, 4)),
        ],
    );
    write_csv(
        &shifted,
        &[
            ("a", series(800, 1.5, 1.0, 5)),
            ("b", series(800, 5.0, 2.0, 6)),
        ],
    );
    let profile = d.path().join("profile.json");
    let v = json(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&profile),
            "--json",
        ],
        0,
    );
    assert_eq!(v["features"].as_array().unwrap().len(), 2);
    let v = json(&["drift", "profile", "show", s(&profile), "--json"], 0);
    assert_eq!(v["features"][0]["count"], 800);
    let v = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&profile),
            "--current",
            s(&same),
            "--json",
        ],
        0,
    );
    assert_eq!(v["n_drifted"], 0);
    let v = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&profile),
            "--current",
            s(&shifted),
            "--json",
            "--fail-on-drift",
        ],
        6,
    );
    let a = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "a")
        .unwrap();
    assert_eq!(a["drift"], true);
    // fitting on the fly gives the same flags
    let v = json(
        &[
            "drift",
            "report",
            "--reference",
            s(&reference),
            "--current",
            s(&shifted),
            "--json",
        ],
        0,
    );
    assert_eq!(v["n_drifted"], 1);
    let (_, err) = run(
        &[
            "drift",
            "report",
            "--profile",
            s(&profile),
            "--current",
            s(&d.path().join("nope.csv")),
        ],
        3,
    );
    one_line_error(&err);
    let (_, err) = run(
        &[
            "drift",
            "report",
            "--profile",
            s(&profile),
            "--current",
            s(&same),
            "--columns",
            "zzz",
        ],
        3,
    );
    one_line_error(&err);
}

#[test]
fn registry_promote_rollback_verify_and_tamper() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("reg");
    let r = s(&root);
    for v in ["v1", "v2"] {
        run(
            &["registry", "--root", r, "register-demo", "--version", v],
            0,
        );
    }
    run(
        &[
            "registry",
            "--root",
            r,
            "promote",
            "--name",
            "demo_momentum_mlp",
            "--version",
            "v1",
        ],
        0,
    );
    run(
        &[
            "registry",
            "--root",
            r,
            "promote",
            "--name",
            "demo_momentum_mlp",
            "--version",
            "v2",
        ],
        0,
    );
    let v = json(&["registry", "--root", r, "list", "--json"], 0);
    assert_eq!(v["models"][0]["active"], "v2");
    assert_eq!(v["models"][0]["last_good"], "v1");
    let v = json(
        &[
            "registry",
            "--root",
            r,
            "rollback",
            "--name",
            "demo_momentum_mlp",
            "--json",
        ],
        0,
    );
    assert_eq!(v["active"], "v1");
    json(
        &[
            "registry",
            "--root",
            r,
            "verify",
            "--name",
            "demo_momentum_mlp",
            "--json",
        ],
        0,
    );
    // tamper with v2's weights: verify fails with exit 4 and one line
    let vdir = root.join("demo_momentum_mlp/versions/v2");
    let weights = std::fs::read_dir(&vdir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap() != "manifest.json")
        .unwrap();
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&weights, bytes).unwrap();
    let (_, err) = run(
        &[
            "registry",
            "--root",
            r,
            "verify",
            "--name",
            "demo_momentum_mlp",
            "--version",
            "v2",
        ],
        4,
    );
    one_line_error(&err);
    let (_, err) = run(
        &["registry", "--root", s(&d.path().join("none")), "list"],
        3,
    );
    one_line_error(&err);
}

fn tar_gz(members: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut buf = Vec::new();
    {
        let gz = flate2::write::GzEncoder::new(&mut buf, flate2::Compression::fast());
        let mut t = tar::Builder::new(gz);
        for (name, data) in members {
            let mut h = tar::Header::new_gnu();
            h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            t.append(&h, *data).unwrap();
        }
        t.into_inner().unwrap().finish().unwrap();
    }
    buf
}

#[test]
fn snapshot_round_trip_and_refusals() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    std::fs::create_dir_all(src.join("models/v1")).unwrap();
    std::fs::write(src.join("policy.toml"), "[symbols.ES]\n").unwrap();
    std::fs::write(src.join("models/v1/w.bin"), vec![7u8; 3000]).unwrap();
    let archive = d.path().join("out/snap.tar.gz");
    let v = json(
        &[
            "snapshot",
            "create",
            "--root",
            s(&src),
            "policy.toml",
            "models",
            "--out",
            s(&archive),
            "--json",
        ],
        0,
    );
    let files = v["snapshot"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], "models/v1/w.bin");
    assert_eq!(files[0]["size"], 3000);
    assert!(
        v["snapshot"]["snapshot_id"]
            .as_str()
            .unwrap()
            .starts_with("snap-")
    );
    assert!(d.path().join("out/snap.tar.gz.manifest.json").exists());

    // restore needs --confirm or --dry-run
    let target = d.path().join("restored");
    let (_, err) = run(
        &["snapshot", "restore", s(&archive), "--target", s(&target)],
        3,
    );
    one_line_error(&err);
    json(
        &[
            "snapshot",
            "restore",
            s(&archive),
            "--target",
            s(&target),
            "--dry-run",
            "--json",
        ],
        0,
    );
    assert!(!target.exists());
    json(
        &[
            "snapshot",
            "restore",
            s(&archive),
            "--target",
            s(&target),
            "--confirm",
            "--json",
        ],
        0,
    );
    assert_eq!(
        std::fs::read(target.join("models/v1/w.bin")).unwrap(),
        vec![7u8; 3000]
    );

    // a tampered member: refused, nothing written
    let manifest = std::fs::read(d.path().join("out/snap.tar.gz.manifest.json")).unwrap();
    let tampered = d.path().join("tampered.tar.gz");
    std::fs::write(
        &tampered,
        tar_gz(&[
            (b".snapshot_manifest.json", &manifest),
            (b"models/v1/w.bin", &[8u8; 3000]),
            (b"policy.toml", b"[symbols.ES]\n"),
        ]),
    )
    .unwrap();
    let t2 = d.path().join("t2");
    let (_, err) = run(
        &[
            "snapshot",
            "restore",
            s(&tampered),
            "--target",
            s(&t2),
            "--confirm",
        ],
        4,
    );
    one_line_error(&err);
    assert!(err.contains("sha256"), "{err}");
    assert!(!t2.exists());

    // `..` and absolute paths: refused
    for evil in [&b"../evil.txt"[..], &b"/tmp/evil.txt"[..]] {
        let m = format!(
            "{{\"snapshot_id\":\"x\",\"created_at\":\"2024-01-01T00:00:00Z\",\"files\":[{{\"path\":{:?},\"size\":1,\"sha256\":\"{}\"}}]}}",
            String::from_utf8_lossy(evil),
            "4b68ab3847feda7d6c62c1fbcbeebfa35eab7351ed5e78f4ddadea5df64b8015"
        );
        let a = d.path().join("evil.tar.gz");
        std::fs::write(
            &a,
            tar_gz(&[(b".snapshot_manifest.json", m.as_bytes()), (evil, b"X")]),
        )
        .unwrap();
        let (_, err) = run(
            &[
                "snapshot",
                "restore",
                s(&a),
                "--target",
                s(&t2),
                "--confirm",
            ],
            4,
        );
        one_line_error(&err);
        assert!(err.contains("unsafe path"), "{err}");
    }
    assert!(!d.path().join("evil.txt").exists());
    let (_, err) = run(
        &[
            "snapshot",
            "restore",
            s(&d.path().join("src/policy.toml")),
            "--target",
            s(&t2),
            "--dry-run",
        ],
        4,
    );
    one_line_error(&err);
}

#[test]
fn doctor_health_promote_canary() {
    let d = tempfile::tempdir().unwrap();
    let st = d.path().join("state");
    let st = s(&st);
    // halted (fresh) → unhealthy
    let v = json(&["health", "--state-dir", st, "--json"], 7);
    assert_eq!(v["status"], "unhealthy");
    run(
        &[
            "guard",
            "reset",
            "--state-dir",
            st,
            "--reason",
            "start",
            "--by",
            "alice",
        ],
        0,
    );
    // no policy / registry given → degraded: doctor 0, doctor --strict 6, health 6
    run(&["doctor", "--state-dir", st], 0);
    run(&["doctor", "--state-dir", st, "--strict"], 6);
    let v = json(&["health", "--state-dir", st, "--json"], 6);
    assert_eq!(v["status"], "degraded");
    let policy = d.path().join("p.toml");
    std::fs::write(&policy, "[symbols.ES]\n").unwrap();
    let reg = d.path().join("reg");
    run(
        &[
            "registry",
            "--root",
            s(&reg),
            "register-demo",
            "--version",
            "v1",
        ],
        0,
    );
    run(
        &[
            "registry",
            "--root",
            s(&reg),
            "promote",
            "--name",
            "demo_momentum_mlp",
            "--version",
            "v1",
        ],
        0,
    );
    let v = json(
        &[
            "health",
            "--state-dir",
            st,
            "--policy",
            s(&policy),
            "--registry",
            s(&reg),
            "--json",
        ],
        0,
    );
    assert_eq!(v["status"], "healthy");
    std::fs::write(&policy, "[pre_trade]\nmax_order_notional = -5.0\n").unwrap();
    run(&["doctor", "--state-dir", st, "--policy", s(&policy)], 7);

    // promotion gates
    let good = d.path().join("wf.csv");
    let r: Vec<f64> = (0..400)
        .map(|i| 0.003 + 0.004 * (((i * 7) % 5) as f64 - 2.0) / 2.0)
        .collect();
    write_csv(&good, &[("ret", r)]);
    let v = json(&["promote", "check", "--returns", s(&good), "--json"], 0);
    assert_eq!(v["passed"], true);
    let bad = d.path().join("bad.csv");
    let r: Vec<f64> = (0..400)
        .map(|i| -0.001 + 0.01 * (((i * 7) % 5) as f64 - 2.0) / 2.0)
        .collect();
    write_csv(&bad, &[("ret", r)]);
    let v = json(&["promote", "check", "--returns", s(&bad), "--json"], 6);
    assert_eq!(v["passed"], false);

    // canary: shadow → canary_1 with --apply; a drawdown breach rolls back (exit 6)
    let v = json(&["canary", "--state-dir", st, "status", "--json"], 0);
    assert_eq!(v["stage"], "shadow");
    let obs = d.path().join("obs.json");
    std::fs::write(&obs, r#"{"days": 30, "real_pnl": 0.0, "sim_pnl": 100.0, "drawdown": 0.0,
        "slippage_ratio": 1.0, "critical_alerts": 0, "precision": 0.9, "baseline_precision": 0.95}"#).unwrap();
    json(
        &[
            "canary",
            "--state-dir",
            st,
            "evaluate",
            "--observation",
            s(&obs),
            "--apply",
            "--json",
        ],
        0,
    );
    let v = json(&["canary", "--state-dir", st, "status", "--json"], 0);
    assert_eq!(v["stage"], "canary_1");
    std::fs::write(&obs, r#"{"days": 3, "real_pnl": -50.0, "sim_pnl": 10.0, "drawdown": 0.05,
        "slippage_ratio": 1.0, "critical_alerts": 0, "precision": 0.9, "baseline_precision": 0.95}"#).unwrap();
    let v = json(
        &[
            "canary",
            "--state-dir",
            st,
            "evaluate",
            "--observation",
            s(&obs),
            "--apply",
            "--json",
        ],
        6,
    );
    assert_eq!(v["action"]["action"], "rollback");
    let v = json(&["canary", "--state-dir", st, "status", "--json"], 0);
    assert_eq!(
        (v["stage"].as_str(), v["rolled_back"].as_bool()),
        (Some("shadow"), Some(true))
    );
    std::fs::write(&obs, r#"{"days": 3}"#).unwrap();
    let (_, err) = run(
        &[
            "canary",
            "--state-dir",
            st,
            "evaluate",
            "--observation",
            s(&obs),
        ],
        3,
    );
    one_line_error(&err);
}

#[test]
fn serve_metrics_answers_on_loopback_and_refuses_public_addresses() {
    use std::io::{BufRead, BufReader, Read};
    let d = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("tradewarden");
    let mut child = std::process::Command::new(bin)
        .args(["serve-metrics", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(d.path().join("st"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("serving http://")
        .unwrap()
        .strip_suffix("/metrics")
        .unwrap()
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    child.kill().unwrap();
    let _ = child.wait();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("tradewarden_trading_state"), "{body}");

    let (_, err) = run(&["serve-metrics", "--listen", "0.0.0.0:0"], 3);
    one_line_error(&err);
}

#[test]
fn usage_errors_exit_2() {
    let (_, err) = run(&["guard", "kill", "--reason", "x"], 2);
    assert!(err.contains("--by"), "{err}");
    run(&["no-such-command"], 2);
}

#[test]
fn rollback_executes_the_plan_once_per_cooldown() {
    let d = tempfile::tempdir().unwrap();
    let st = d.path().join("state");
    let reg = d.path().join("reg");
    let (st, r) = (s(&st), s(&reg));
    for v in ["v1", "v2"] {
        run(
            &["registry", "--root", r, "register-demo", "--version", v],
            0,
        );
        run(
            &[
                "registry",
                "--root",
                r,
                "promote",
                "--name",
                "demo_momentum_mlp",
                "--version",
                v,
            ],
            0,
        );
    }
    run(
        &[
            "guard",
            "reset",
            "--state-dir",
            st,
            "--reason",
            "start",
            "--by",
            "alice",
        ],
        0,
    );
    // dry run: nothing changes
    let v = json(
        &[
            "rollback",
            "--state-dir",
            st,
            "--reason",
            "bad fills",
            "--by",
            "bob",
            "--dry-run",
            "--json",
        ],
        0,
    );
    assert!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "planned")
    );
    json(&["guard", "status", "--state-dir", st, "--json"], 0);
    let v = json(
        &[
            "rollback",
            "--state-dir",
            st,
            "--reason",
            "bad fills",
            "--by",
            "bob",
            "--registry",
            r,
            "--name",
            "demo_momentum_mlp",
            "--json",
        ],
        0,
    );
    assert_eq!(v["attempt"], 1);
    let status: Vec<(&str, &str)> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"]["step"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        status.contains(&("activate_kill_switch", "done")),
        "{status:?}"
    );
    assert!(
        status.contains(&("restore_last_good_model", "done")),
        "{status:?}"
    );
    assert!(d.path().join("state/KILL_SWITCH").exists());
    // The learning freeze and the 10 % size override are session overrides
    // every process on the directory reads (not files nothing reads).
    let o: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("state/overrides.json")).unwrap())
            .unwrap();
    assert_eq!(o["learning_frozen"], true);
    assert_eq!(o["size_override"], 0.1);
    let v = json(&["registry", "--root", r, "list", "--json"], 0);
    assert_eq!(v["models"][0]["active"], "v1");
    // The registry exposes the learning freeze the rollback set.
    assert!(
        d.path()
            .join("reg/demo_momentum_mlp/learning_freeze.json")
            .exists()
    );
    let v = json(&["guard", "status", "--state-dir", st, "--json"], 5);
    assert_eq!(v["state"], "KILLED");
    assert_eq!(v["overrides"]["learning_frozen"], true);
    // a second attempt inside the 300 s cooldown is refused
    let (_, err) = run(
        &[
            "rollback",
            "--state-dir",
            st,
            "--reason",
            "again",
            "--by",
            "bob",
        ],
        5,
    );
    one_line_error(&err);
    assert!(err.contains("cooldown"), "{err}");
}

#[test]
fn canary_progress_shows_the_ladder_and_the_last_applied_evaluation() {
    let d = tempfile::tempdir().unwrap();
    let st = d.path().join("state");
    let st = s(&st);
    let progress = || json(&["canary", "--state-dir", st, "progress", "--json"], 0);
    let evaluate = |obs: &Path, code: i32| {
        json(
            &[
                "canary",
                "--state-dir",
                st,
                "evaluate",
                "--observation",
                s(obs),
                "--apply",
                "--json",
            ],
            code,
        )
    };
    let status_of = |v: &Value, name: &str| -> (Value, String) {
        let c = v["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {v}"));
        (
            c["value"].clone(),
            c["status"].as_str().unwrap().to_string(),
        )
    };

    // fresh ladder: stage 1 (shadow), every criterion unknown, nothing written
    let v = progress();
    assert_eq!(
        (v["stage"].as_str(), v["stage_number"].as_u64()),
        (Some("shadow"), Some(1))
    );
    assert_eq!(v["n_stages"], 4);
    assert_eq!(v["min_days"], 30);
    assert!(v["days_in_stage"].is_null() && v["last_evaluation"].is_null());
    let names: Vec<&str> = v["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "min_days",
            "slippage_ratio",
            "critical_alerts",
            "precision_ratio"
        ]
    );
    for c in v["criteria"].as_array().unwrap() {
        assert_eq!(c["status"], "unknown", "{c}");
        assert!(c["value"].is_null());
    }
    assert_eq!(v["criteria_status"], "unknown");
    assert_eq!(v["next_stage"]["name"], "canary_1");
    let triggers: Vec<&str> = v["rollback_triggers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["armed"] == true)
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(triggers, ["critical_alerts", "max_drawdown"]);
    assert!(!Path::new(st).join("canary_state.json").exists());
    let (out, _) = run(&["canary", "--state-dir", st, "progress"], 0);
    assert!(out.contains("stage 1 of 4: shadow"), "{out}");
    assert!(out.contains("unknown"), "{out}");

    // a held evaluation (12 of 30 days): the values of this stage, min_days failing
    let obs = d.path().join("obs.json");
    std::fs::write(&obs, r#"{"days": 12, "real_pnl": 0.0, "sim_pnl": 100.0, "drawdown": 0.0,
        "slippage_ratio": 1.0, "critical_alerts": 0, "precision": 0.9, "baseline_precision": 0.95}"#).unwrap();
    assert_eq!(evaluate(&obs, 0)["action"]["action"], "hold");
    let v = progress();
    assert_eq!(v["stage"], "shadow");
    assert_eq!(v["days_in_stage"], 12);
    assert_eq!(v["days_source"], "last_observation");
    assert_eq!(status_of(&v, "min_days"), (json_num(12.0), "fail".into()));
    assert_eq!(
        status_of(&v, "slippage_ratio"),
        (json_num(1.0), "pass".into())
    );
    assert_eq!(v["criteria_status"], "fail");
    assert_eq!(v["last_evaluation"]["action"]["action"], "hold");
    assert_eq!(v["last_evaluation"]["current_stage"], true);
    assert_eq!(v["rollback_triggers"][0]["triggered"], false);

    // a passing evaluation advances: stage 2, its criteria unknown again,
    // days counted from the advance, the evaluation that moved the ladder shown
    std::fs::write(&obs, r#"{"days": 30, "real_pnl": 0.0, "sim_pnl": 100.0, "drawdown": 0.0,
        "slippage_ratio": 1.0, "critical_alerts": 0, "precision": 0.9, "baseline_precision": 0.95}"#).unwrap();
    assert_eq!(evaluate(&obs, 0)["action"]["action"], "advance");
    let v = progress();
    assert_eq!(
        (v["stage"].as_str(), v["stage_number"].as_u64()),
        (Some("canary_1"), Some(2))
    );
    assert_eq!(v["min_days"], 7);
    assert_eq!(v["days_in_stage"], 0);
    assert_eq!(v["days_source"], "since_entered");
    assert_eq!(v["last_evaluation"]["stage"], "shadow");
    assert_eq!(v["last_evaluation"]["action"]["action"], "advance");
    assert_eq!(v["last_evaluation"]["current_stage"], false);
    assert_eq!(v["criteria"].as_array().unwrap().len(), 6);
    assert_eq!(status_of(&v, "max_drawdown").1, "unknown");
    assert_eq!(v["next_stage"]["name"], "canary_2");
    assert!(
        v["rollback_triggers"][1]["rule"]
            .as_str()
            .unwrap()
            .starts_with("drawdown > 0.02")
    );
    // `canary status` still reads the state
    let s2 = json(&["canary", "--state-dir", st, "status", "--json"], 0);
    assert_eq!(s2["stage"], "canary_1");

    // a non-finite observed value (TOML nan) is stored as null and reads back as "fail"
    let obs_toml = d.path().join("obs.toml");
    std::fs::write(
        &obs_toml,
        "days = 8\nreal_pnl = 10.0\nsim_pnl = 10.0\ndrawdown = 0.0\nslippage_ratio = 1.0\n\
         critical_alerts = 0\nprecision = nan\nbaseline_precision = 0.95\n",
    )
    .unwrap();
    assert_eq!(evaluate(&obs_toml, 0)["action"]["action"], "hold");
    let v = progress();
    assert_eq!(
        status_of(&v, "precision_ratio"),
        (Value::Null, "fail".into())
    );
    assert_eq!(status_of(&v, "min_days").1, "pass");
    assert_eq!(
        status_of(&v, "pnl_deviation"),
        (json_num(0.0), "pass".into())
    );

    // a state file written before `progress` existed still reads
    std::fs::write(
        Path::new(st).join("canary_state.json"),
        r#"{"stage_index": 2, "rolled_back": true}"#,
    )
    .unwrap();
    let v = progress();
    assert_eq!(
        (v["stage"].as_str(), v["rolled_back"].as_bool()),
        (Some("canary_2"), Some(true))
    );
    assert!(v["days_in_stage"].is_null());
    // corrupt state: exit 4, one line
    std::fs::write(Path::new(st).join("canary_state.json"), "{").unwrap();
    let (_, err) = run(&["canary", "--state-dir", st, "progress"], 4);
    one_line_error(&err);
}

fn json_num(x: f64) -> Value {
    serde_json::json!(x)
}
