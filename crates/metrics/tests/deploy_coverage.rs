//! Every metric that an alert rule, a rule unit test or a dashboard panel
//! queries is in the catalog, with the labels the catalog declares. (The
//! seeds' dashboards queried metrics nothing emitted.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tradewarden_metrics::catalog::{Catalog, MetricDef, MetricKind, Profile};

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "inf",
    "nan",
    // aggregation operators may be followed by `by (...)` rather than `(`
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
];

/// Metric selectors in a PromQL expression: (metric name, label names used in its matcher).
fn selectors(expr: &str) -> Vec<(String, Vec<String>)> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let is_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c == b':';
    let is_cont = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b':';
    let mut skip_group = false; // after by/without/on/ignoring/group_*: the (...) holds labels
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == b'[' {
            while i < b.len() && b[i] != b']' {
                i += 1;
            }
            i += 1;
        } else if c == b'(' && skip_group {
            while i < b.len() && b[i] != b')' {
                i += 1;
            }
            i += 1;
            skip_group = false;
        } else if c.is_ascii_digit() || (c == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit())
        {
            // number or duration such as 5m, 0.75, 1e-3
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'-') {
                if b[i] == b'-' && !(b[i - 1] == b'e' || b[i - 1] == b'E') {
                    break;
                }
                i += 1;
            }
        } else if is_start(c) {
            let s = i;
            while i < b.len() && is_cont(b[i]) {
                i += 1;
            }
            let word = &expr[s..i];
            let mut j = i;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            let next = b.get(j).copied();
            if KEYWORDS.contains(&word) {
                skip_group = matches!(
                    word,
                    "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
                );
                continue;
            }
            if next == Some(b'(') {
                continue; // function or aggregation
            }
            let mut labels = Vec::new();
            if next == Some(b'{') {
                let end = expr[j..].find('}').map(|k| j + k).unwrap_or(b.len());
                for m in expr[j + 1..end].split(',') {
                    let name: String = m
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        labels.push(name);
                    }
                }
                i = end + 1;
            }
            out.push((word.to_string(), labels));
        } else {
            i += 1;
        }
    }
    out
}

fn find_def(name: &str) -> Option<(&'static MetricDef, bool)> {
    for profile in [Profile::Native, Profile::PlusUltra] {
        let Ok(c) = Catalog::new("tradewarden", profile) else {
            continue;
        };
        if let Some(d) = c.lookup(name) {
            return Some((d, false));
        }
        for sfx in ["_bucket", "_sum", "_count"] {
            if let Some(d) = name
                .strip_suffix(sfx)
                .and_then(|b| c.lookup(b))
                .filter(|d| d.kind == MetricKind::Histogram)
            {
                return Some((d, sfx == "_bucket"));
            }
        }
    }
    None
}

fn check(expr: &str, origin: &str, problems: &mut Vec<String>, seen: &mut BTreeSet<String>) {
    let sels = selectors(expr);
    if sels.is_empty() {
        problems.push(format!("{origin}: no metric in {expr:?}"));
    }
    for (name, labels) in sels {
        match find_def(&name) {
            None => problems.push(format!("{origin}: {name} is not in the catalog ({expr})")),
            Some((def, bucket)) => {
                seen.insert(name.clone());
                for l in labels {
                    let ok = def.labels.contains(&l.as_str())
                        || (bucket && l == "le")
                        || l == "instance"
                        || l == "job";
                    if !ok {
                        problems.push(format!(
                            "{origin}: label {l} is not declared for {name} ({:?})",
                            def.labels
                        ));
                    }
                }
            }
        }
    }
}

fn yaml(path: &Path) -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(deploy().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no {ext} files under deploy/{dir}");
    v
}

fn json_exprs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k == "expr" {
                    if let Some(s) = x.as_str() {
                        out.push(s.to_string());
                    }
                } else {
                    json_exprs(x, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_exprs(x, out)),
        _ => {}
    }
}

#[test]
fn extractor_finds_metrics_and_labels() {
    let s = selectors(
        r#"histogram_quantile(0.95, sum by (endpoint, le) (rate(foo_bucket{endpoint="predict",le=~"0.5|1"}[5m]))) > 0.75 and on(instance) bar_total offset 5m or baz"#,
    );
    let names: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(names, ["foo_bucket", "bar_total", "baz"]);
    assert_eq!(s[0].1, ["endpoint", "le"]);
    let s = selectors("time() - a_seconds > 1e-3");
    assert_eq!(s, vec![("a_seconds".to_string(), vec![])]);
}

#[test]
fn checker_rejects_unknown_metrics_and_labels() {
    let mut p = Vec::new();
    let mut seen = BTreeSet::new();
    check("nothing_emits_this > 1", "t", &mut p, &mut seen);
    check(
        r#"drift_score{metric_name="x"} > 1"#,
        "t",
        &mut p,
        &mut seen,
    );
    check(r#"drift_score{feature="x"} > 0.2"#, "t", &mut p, &mut seen);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("nothing_emits_this"));
    assert!(p[1].contains("metric_name"));
}

#[test]
fn every_rule_test_and_dashboard_metric_is_in_the_catalog() {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut n_alerts = 0;
    for f in files("prometheus/rules", "yml") {
        let doc = yaml(&f);
        let groups = doc["groups"].as_sequence().unwrap();
        for g in groups {
            for r in g["rules"].as_sequence().unwrap() {
                let name = r["alert"]
                    .as_str()
                    .or(r["record"].as_str())
                    .unwrap()
                    .to_string();
                let expr = r["expr"].as_str().unwrap();
                check(
                    expr,
                    &format!("{} {name}", f.display()),
                    &mut problems,
                    &mut seen,
                );
                n_alerts += 1;
                let sev = r["labels"]["severity"].as_str().unwrap_or("");
                assert!(
                    ["page", "ticket", "critical", "warning", "info"].contains(&sev),
                    "{name}: severity {sev:?}"
                );
            }
        }
    }
    assert!(n_alerts >= 30, "only {n_alerts} rules");
    for f in files("prometheus/tests", "yml") {
        let doc = yaml(&f);
        for t in doc["tests"].as_sequence().unwrap() {
            for s in t["input_series"].as_sequence().unwrap() {
                let series = s["series"].as_str().unwrap();
                check(series, &f.display().to_string(), &mut problems, &mut seen);
            }
        }
    }
    let mut panels = 0;
    for f in files("grafana", "json") {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let mut exprs = Vec::new();
        json_exprs(&v, &mut exprs);
        assert!(!exprs.is_empty(), "{}", f.display());
        panels += exprs.len();
        for e in exprs {
            check(&e, &f.display().to_string(), &mut problems, &mut seen);
        }
    }
    assert!(panels >= 30, "only {panels} panel queries");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Sanity: the seeds' headline names are queried somewhere.
    for must in [
        "trading_circuit_breaker_active",
        "trading_pnl_total",
        "plus_ultra_guardrails_enabled",
        "drift_score",
        "prediction_quality_metric",
        "tradewarden_recovery_health_status",
    ] {
        assert!(seen.contains(must), "{must} not referenced");
    }
}

#[test]
fn every_alert_has_a_unit_test() {
    let mut alerts = BTreeSet::new();
    for f in files("prometheus/rules", "yml") {
        for g in yaml(&f)["groups"].as_sequence().unwrap() {
            for r in g["rules"].as_sequence().unwrap() {
                if let Some(a) = r["alert"].as_str() {
                    alerts.insert(a.to_string());
                }
            }
        }
    }
    let mut firing = BTreeSet::new();
    let mut silent = BTreeSet::new();
    for f in files("prometheus/tests", "yml") {
        for t in yaml(&f)["tests"].as_sequence().unwrap() {
            for a in t["alert_rule_test"].as_sequence().unwrap() {
                let name = a["alertname"].as_str().unwrap().to_string();
                let exp = a["exp_alerts"].as_sequence().map_or(0, |s| s.len());
                if exp > 0 {
                    firing.insert(name);
                } else {
                    silent.insert(name);
                }
            }
        }
    }
    let no_fire: Vec<_> = alerts.difference(&firing).collect();
    let no_silent: Vec<_> = alerts.difference(&silent).collect();
    assert!(
        no_fire.is_empty(),
        "alerts never tested firing: {no_fire:?}"
    );
    assert!(
        no_silent.is_empty(),
        "alerts never tested silent: {no_silent:?}"
    );
}

#[test]
fn telemetry_doc_lists_every_catalog_metric() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/telemetry.md"),
    )
    .unwrap();
    let mut missing = Vec::new();
    for profile in [Profile::Native, Profile::PlusUltra] {
        let c = Catalog::new("tradewarden", profile).unwrap();
        for (name, _) in c.entries() {
            if !doc.contains(&format!("`{name}`")) {
                missing.push(name.into_owned());
            }
        }
    }
    assert!(missing.is_empty(), "not in docs/telemetry.md: {missing:?}");
}
