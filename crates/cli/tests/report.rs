//! `tradewarden report` end to end on temporary files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::Value;

fn cmd() -> Command {
    Command::cargo_bin("tradewarden").unwrap()
}

fn schema() -> jsonschema::Validator {
    let text = include_str!("../../../docs/schemas/ops_summary.schema.json");
    jsonschema::validator_for(&serde_json::from_str(text).unwrap()).unwrap()
}

fn write_csv(
    dir: &std::path::Path,
    name: &str,
    header: &str,
    values: &[f64],
) -> std::path::PathBuf {
    let mut s = format!("date,{header}\n");
    for (i, v) in values.iter().enumerate() {
        s.push_str(&format!("2024-01-{:02},{v}\n", i + 1));
    }
    let p = dir.join(name);
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn report_writes_a_valid_summary_with_empyrical_numbers() {
    let dir = tempfile::tempdir().unwrap();
    // empyrical fixture `positive_returns`: Sharpe 52.915026221291804; no losses → Sortino +inf
    let r = write_csv(
        dir.path(),
        "r.csv",
        "ret",
        &[0.01, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01],
    );
    let b = write_csv(
        dir.path(),
        "b.csv",
        "bench",
        &[0.0, 0.01, 0.0, 0.01, 0.0, 0.01, 0.0, 0.01, 0.0],
    );
    let th = dir.path().join("th.toml");
    std::fs::write(&th, "min_sharpe = 100.0\n").unwrap();
    let out = dir.path().join("out");
    let assert = cmd()
        .args(["report", "--returns"])
        .arg(&r)
        .arg("--benchmark")
        .arg(&b)
        .arg("--thresholds")
        .arg(&th)
        .arg("--out")
        .arg(&out)
        .arg("--json")
        .assert()
        .success();
    let stdout: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ops_summary.json")).unwrap())
            .unwrap();
    assert_eq!(stdout, file);
    let v = schema();
    assert!(
        v.is_valid(&file),
        "{:?}",
        v.iter_errors(&file)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let sharpe = file["risk"]["sharpe"].as_f64().unwrap();
    assert!((sharpe - 52.915026221291804).abs() < 1e-8, "{sharpe}");
    assert!(file["risk"]["sortino"].is_null());
    assert!(
        file["non_finite"]["risk.sortino"]
            .as_str()
            .unwrap()
            .starts_with("+inf")
    );
    assert_eq!(file["risk"].as_object().unwrap().len(), 26);
    assert_eq!(
        file["triggered"][0],
        "Sharpe ratio 52.915 below minimum 100.000"
    );
}

#[test]
fn report_reads_integer_prices() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_csv(
        dir.path(),
        "p.csv",
        "close",
        &[100.0, 101.0, 99.0, 102.0, 103.0],
    );
    let out = dir.path().join("o");
    cmd()
        .args(["report", "--prices", "--returns"])
        .arg(&p)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ops_summary.json")).unwrap())
            .unwrap();
    assert_eq!(file["metrics"]["n"].as_f64().unwrap(), 4.0);
    let mdd = file["risk"]["max_drawdown"].as_f64().unwrap();
    assert!((mdd - (99.0 / 101.0 - 1.0)).abs() < 1e-12, "{mdd}");
}

#[test]
fn bad_input_is_one_line_and_a_documented_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec!["--returns".into(), "/nonexistent/r.csv".into()],
            3,
            "file not found",
        ),
        (
            vec![
                "--returns".into(),
                write_csv(dir.path(), "n.csv", "r", &[0.01, f64::NAN, 0.02])
                    .display()
                    .to_string(),
            ],
            3,
            "returns[1] = NaN",
        ),
        (
            vec![
                "--returns".into(),
                write_csv(dir.path(), "a.csv", "r", &[0.01, 0.02])
                    .display()
                    .to_string(),
                "--period".into(),
                "hourly".into(),
            ],
            3,
            "period",
        ),
        (
            vec![
                "--returns".into(),
                write_csv(dir.path(), "c.csv", "r", &[0.01, 0.02])
                    .display()
                    .to_string(),
                "--column".into(),
                "zzz".into(),
            ],
            3,
            "zzz",
        ),
    ];
    for (args, code, needle) in cases {
        let out = dir.path().join("o");
        let a = cmd()
            .arg("report")
            .args(&args)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(code);
        let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(needle),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    std::fs::write(dir.path().join("bad.parquet"), b"junk").unwrap();
    cmd()
        .args(["report", "--returns"])
        .arg(dir.path().join("bad.parquet"))
        .assert()
        .code(4);
    let th = dir.path().join("th.yaml");
    std::fs::write(&th, "min_sharp: 1\n").unwrap();
    let a = cmd()
        .args(["report", "--returns"])
        .arg(write_csv(dir.path(), "d.csv", "r", &[0.01, 0.02]))
        .arg("--thresholds")
        .arg(&th)
        .assert()
        .code(3);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("min_sharp"));
    cmd().args(["report", "--bogus"]).assert().code(2);
}
