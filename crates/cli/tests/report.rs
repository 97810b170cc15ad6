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

/// `n` business days from 2023-01-02 with deterministic returns.
fn series(n: usize) -> Vec<(String, f64)> {
    let mut out = Vec::with_capacity(n);
    let mut day = 0i64; // days since 2023-01-02 (a Monday)
    let mut k = 0u64;
    while out.len() < n {
        if day % 7 < 5 {
            let (y, m, d) = civil(19_359 + day);
            k = k
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (k >> 11) as f64 / (1u64 << 53) as f64;
            out.push((format!("{y:04}-{m:02}-{d:02}"), 0.0004 + 0.02 * (u - 0.5)));
        }
        day += 1;
    }
    out
}

/// (year, month, day) of days since 1970-01-01.
fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn report_html(args: &[&std::ffi::OsStr], out: &std::path::Path) -> String {
    cmd()
        .arg("report")
        .args(args)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    assert!(out.join("ops_summary.json").is_file());
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("<script>"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    for attr in ["src=\"", "href=\""] {
        assert!(!html.contains(attr), "{attr} in report.html");
    }
    assert!(html.contains("95% CI (stationary bootstrap)"));
    assert!(html.contains("SELFCHECK-PENDING"));
}

/// `<svg class="chart" data-chart="NAME"` for every chart name.
fn has_chart(html: &str, name: &str) -> bool {
    html.contains(&format!("<svg class=\"chart\" data-chart=\"{name}\""))
}

#[test]
fn report_html_with_dates_draws_every_chart_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let rows = series(300);
    let mut csv = String::from("date,ret\n");
    let mut bench = String::from("date,bench\n");
    for (d, r) in &rows {
        csv.push_str(&format!("{d},{r}\n"));
        bench.push_str(&format!("{d},{}\n", r * 0.5 + 0.0001));
    }
    let (r, b) = (dir.path().join("r.csv"), dir.path().join("b.csv"));
    std::fs::write(&r, csv).unwrap();
    std::fs::write(&b, bench).unwrap();
    let th = dir.path().join("th.toml");
    std::fs::write(&th, "min_sharpe = 100.0\n").unwrap();
    let args = [
        "--returns".as_ref(),
        r.as_os_str(),
        "--benchmark".as_ref(),
        b.as_os_str(),
        "--thresholds".as_ref(),
        th.as_os_str(),
    ];
    let (a1, a2) = (dir.path().join("a"), dir.path().join("b"));
    let html = report_html(&args, &a1);
    assert_self_contained(&html);
    for chart in [
        "equity",
        "drawdown",
        "rolling_sharpe",
        "monthly_heatmap",
        "return_distribution",
    ] {
        assert!(has_chart(&html, chart), "{chart} missing");
    }
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 5);
    assert!(html.contains("Rolling Sharpe ratio (63 daily periods"));
    assert!(html.contains("2023-01-02 → "));
    // the triggered alert and the benchmark are shown
    assert!(html.contains("<li>Sharpe ratio"), "alert missing");
    assert!(html.contains(">benchmark</text>"));
    // same input, same bytes (seeded bootstrap, no clock, no paths)
    let again = report_html(&args, &a2);
    assert!(html == again, "report.html differs between runs");
    // --json still prints exactly ops_summary.json
    let a3 = dir.path().join("c");
    let out = cmd()
        .arg("report")
        .args(args)
        .arg("--out")
        .arg(&a3)
        .arg("--json")
        .assert()
        .success();
    let stdout: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(a3.join("ops_summary.json")).unwrap())
            .unwrap();
    assert_eq!(stdout, file);
    assert_eq!(
        std::fs::read(a3.join("report.html")).unwrap(),
        html.as_bytes()
    );
}

#[test]
fn report_html_without_dates_omits_the_heatmap_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("ret\n");
    for (_, r) in series(200) {
        csv.push_str(&format!("{r}\n"));
    }
    let r = dir.path().join("nodates.csv");
    std::fs::write(&r, csv).unwrap();
    let args = ["--returns".as_ref(), r.as_os_str()];
    let html = report_html(&args, &dir.path().join("a"));
    assert_self_contained(&html);
    for chart in [
        "equity",
        "drawdown",
        "rolling_sharpe",
        "return_distribution",
    ] {
        assert!(has_chart(&html, chart), "{chart} missing");
    }
    assert!(!html.contains("data-chart=\"monthly_heatmap\""));
    assert!(
        html.contains(
            "Monthly returns heatmap omitted: no date or timestamp column in nodates.csv"
        ),
        "no visible note"
    );
    let again = report_html(&args, &dir.path().join("b"));
    assert!(html == again, "report.html differs between runs");
}

#[test]
fn report_html_shows_non_finite_numbers_as_na_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // no losses: Sortino and profit factor are +inf; 9 values: no rolling window
    let r = write_csv(
        dir.path(),
        "r.csv",
        "ret",
        &[0.01, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01],
    );
    let html = report_html(
        &["--returns".as_ref(), r.as_os_str()],
        &dir.path().join("o"),
    );
    assert!(html.contains("n/a</span> <small class=\"why\">(+inf: division by zero"));
    assert!(html.contains("<code>risk.sortino</code>: n/a — +inf"));
    assert!(html.contains("Rolling Sharpe ratio not drawn: 9 returns"));
    assert!(
        [">NaN", ">inf", ">-inf", "NaN%", "inf%"]
            .iter()
            .all(|raw| !html.contains(raw)),
        "raw non-finite number"
    );
}

/// File names, column names and trade-log symbols reach the page only
/// escaped (the library's template auto-escapes every text).
#[test]
fn report_html_escapes_file_column_and_symbol_names() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("a<script>&\"b\".csv");
    std::fs::write(
        &r,
        "<i>day</i>,ret\n2024-01-02,0.01\n2024-01-03,-0.02\n2024-01-04,0.015\n",
    )
    .unwrap();
    let trades = dir.path().join("trades.csv");
    std::fs::write(
        &trades,
        "timestamp,symbol,notional,pnl\n1,<script>x</script>,100.0,10.0\n2,AAA,-50.0,-5.0\n",
    )
    .unwrap();
    let html = report_html(
        &[
            "--returns".as_ref(),
            r.as_os_str(),
            "--trades".as_ref(),
            trades.as_os_str(),
        ],
        &dir.path().join("o"),
    );
    assert_self_contained(&html);
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the self-check script"
    );
    assert!(html.contains("<code>a&lt;script&gt;&amp;&quot;b&quot;.csv</code>"));
    assert!(html.contains("<td>&lt;script&gt;x&lt;/script&gt;</td>"));
    assert!(!html.contains("<i>day</i>"));
    assert!(html.contains("(date column <code>&lt;i&gt;day&lt;/i&gt;</code>)"));
}

/// Market NN Plus Ultra's acceptance check T2 from the command line: a
/// returns file, a trades file, capital 1000 and the seven thresholds — all
/// seven alerts fire, the exposure metrics are the seed's.
#[test]
fn report_with_a_trade_log_fires_the_seeds_seven_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let r = write_csv(
        dir.path(),
        "r.csv",
        "ret",
        &[0.02, -0.03, 0.015, -0.025, 0.01],
    );
    let trades = dir.path().join("trades.csv");
    std::fs::write(
        &trades,
        "timestamp,symbol,position,price,pnl\n\
         1,AAA,100.0,10.0,200.0\n\
         2,AAA,-80.0,10.5,-260.0\n\
         3,BBB,120.0,9.5,150.0\n\
         4,BBB,-90.0,9.8,-220.0\n\
         5,BBB,140.0,10.2,175.0\n",
    )
    .unwrap();
    let th = dir.path().join("th.json");
    std::fs::write(
        &th,
        r#"{"min_sharpe": 1.5, "max_drawdown": 0.01, "max_gross_exposure": 0.4,
            "max_turnover": 0.05, "min_tail_return": -150, "max_tail_frequency": 0.1,
            "max_symbol_exposure": 0.5}"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let assert = cmd()
        .args(["report", "--returns"])
        .arg(&r)
        .arg("--trades")
        .arg(&trades)
        .args(["--capital", "1000", "--thresholds"])
        .arg(&th)
        .arg("--out")
        .arg(&out)
        .arg("--json")
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let errors: Vec<String> = schema().iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let g = &doc["guardrails"];
    assert!((g["gross_exposure_peak"].as_f64().unwrap() - 1.428).abs() < 1e-12);
    assert!((g["turnover_rate"].as_f64().unwrap() - 1.6304).abs() < 1e-12);
    assert!((g["tail_return_quantile"].as_f64().unwrap() + 252.0).abs() < 1e-9);
    assert!((g["tail_event_frequency"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    assert!((g["max_symbol_exposure"].as_f64().unwrap() - 1.428).abs() < 1e-12);
    let triggered: Vec<&str> = doc["triggered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(triggered.len(), 7, "{triggered:?}");
    assert_eq!(
        triggered[2],
        "Gross exposure peak 1.428 exceeded limit 0.400"
    );
    assert_eq!(triggered[4], "Tail return -252.000 below floor -150.000");
    // P&L attribution by symbol: BBB 105 of 45, AAA −60 of 45 — in the document and the page
    let a = doc["attribution"].as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0]["symbol"].as_str(), a[0]["samples"].as_u64()),
        (Some("BBB"), Some(3))
    );
    assert!((a[0]["contribution"].as_f64().unwrap() - 105.0 / 45.0).abs() < 1e-12);
    assert!((a[1]["cumulative_return"].as_f64().unwrap() + 60.0).abs() < 1e-12);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html
        .split("Attribution by symbol")
        .nth(1)
        .expect("attribution section");
    let bbb = section.find("<td>BBB</td>").expect("BBB row");
    let aaa = section.find("<td>AAA</td>").expect("AAA row");
    assert!(bbb < aaa, "largest P&L first");

    // exposure thresholds without a trade log: refused, naming `trades`
    let th2 = dir.path().join("th2.toml");
    std::fs::write(&th2, "max_turnover = 0.05\n").unwrap();
    let assert = cmd()
        .args(["report", "--returns"])
        .arg(&r)
        .arg("--thresholds")
        .arg(&th2)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.contains("trades"), "{err}");
}

/// `--drift-report` (the document `drift report --json` prints) and
/// `--journal` (a guardrail journal directory) add the drift and
/// guardrail-events sections: hostile feature names, reasons and rules are
/// escaped, the numbers are the drift report's and the journal's; a forged
/// drift report and a missing journal directory fail with exit status 4.
#[test]
fn report_html_drift_and_journal_sections() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut text = String::from("date,ret\n");
    for (day, v) in series(120) {
        text.push_str(&format!("{day},{v}\n"));
    }
    let r = d.join("r.csv");
    std::fs::write(&r, text).unwrap();
    // a drift report from the CLI itself, with a hostile feature name
    let (mut reference, mut current) = (
        String::from("<img src=x onerror=alert(1)>,calm\n"),
        String::from("<img src=x onerror=alert(1)>,calm\n"),
    );
    for i in 0..300 {
        let x = f64::from(i % 17);
        reference.push_str(&format!("{x},{x}\n"));
        current.push_str(&format!("{},{x}\n", x + 9.0));
    }
    std::fs::write(d.join("ref.csv"), reference).unwrap();
    std::fs::write(d.join("cur.csv"), current).unwrap();
    let out = cmd()
        .args(["drift", "report", "--json", "--reference"])
        .arg(d.join("ref.csv"))
        .arg("--current")
        .arg(d.join("cur.csv"))
        .assert()
        .success();
    let drift_text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let drift: Value = serde_json::from_str(&drift_text).unwrap();
    assert_eq!(drift["n_drifted"], 1);
    let drift_path = d.join("drift.json");
    std::fs::write(&drift_path, &drift_text).unwrap();
    // a journal: a transition, a violation, an approval, a decision and one unreadable line
    let journal = d.join("journal");
    std::fs::create_dir(&journal).unwrap();
    std::fs::write(
        journal.join("journal.jsonl"),
        concat!(
            r#"{"seq":1,"ts":1700000000.5,"kind":"decision","symbol":"AAA","side":"buy","quantity":1.0,"decision":{"decision":"allow"}}"#,
            "\n",
            r#"{"seq":2,"ts":1700000001.0,"kind":"transition","from":"ACTIVE","to":"HALTED","reason":"loss > <b>limit</b>","actor":"\"ops\""}"#,
            "\n",
            r#"{"seq":3,"ts":1700000002.0,"kind":"violation","rule":"<script>r</script>","value":0.031,"threshold":0.02}"#,
            "\n",
            "not a journal line\n",
            r#"{"seq":4,"ts":1700000003.0,"kind":"approval","who":"<i>me</i>","why":"ok","what":"promote"}"#,
            "\n",
        ),
    )
    .unwrap();
    let plain = report_html(&["--returns".as_ref(), r.as_os_str()], &d.join("plain"));
    let html = report_html(
        &[
            "--returns".as_ref(),
            r.as_os_str(),
            "--drift-report".as_ref(),
            drift_path.as_os_str(),
            "--journal".as_ref(),
            journal.as_os_str(),
        ],
        &d.join("o"),
    );
    assert_self_contained(&html);
    assert_eq!(html.matches("<script>").count(), 1, "only the self-check");
    assert!(!html.contains("<img") && !html.contains("<b>limit") && !html.contains("<i>me"));
    assert!(html.contains("<h2>Drift</h2><p>1 of 2 features drifted (50.00%; dataset drift from 50.00%) — dataset drift."), "{html}");
    assert!(html.contains("<tr><td>&lt;img src=x onerror=alert(1)&gt;</td><td>ks</td>"));
    assert!(html.contains("<tr><td>calm</td><td>ks</td>"));
    assert!(html.contains("<h2>Guardrail events</h2><p>1 pre-trade decision(s), 0 denied; 1 violation record(s) (1000.00 denials and violations per 1000 trades). 1 unreadable journal line(s) skipped.</p>"), "{html}");
    assert!(html.contains("<td>transition</td><td>ACTIVE → HALTED by &quot;ops&quot;: loss &gt; &lt;b&gt;limit&lt;/b&gt;</td>"));
    assert!(html.contains(
        "<td>violation</td><td>&lt;script&gt;r&lt;/script&gt;: 0.0310 (limit 0.0200)</td>"
    ));
    assert!(html.contains("<td>approval</td><td>promote by &lt;i&gt;me&lt;/i&gt;: ok</td>"));
    // the sections only add to the page
    let (head, tail) = plain.split_at(plain.find("<h2>Conventions</h2>").unwrap());
    assert!(html.starts_with(head) && html.ends_with(tail));
    // a forged drift report, a missing journal directory: exit 4, one line naming the path
    let forged = d.join("forged.json");
    std::fs::write(
        &forged,
        drift_text.replace("\"n_drifted\": 1", "\"n_drifted\": 0"),
    )
    .unwrap();
    assert_ne!(std::fs::read_to_string(&forged).unwrap(), drift_text);
    for (flag, path, needle) in [
        ("--drift-report", forged.clone(), "n_drifted"),
        ("--journal", d.join("no-such-dir"), "no-such-dir"),
        ("--drift-report", d.join("missing.json"), "missing.json"),
    ] {
        let a = cmd()
            .arg("report")
            .arg("--returns")
            .arg(&r)
            .arg(flag)
            .arg(&path)
            .arg("--out")
            .arg(d.join("bad"))
            .assert()
            .code(4);
        let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        assert!(err.contains(needle), "{flag}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
