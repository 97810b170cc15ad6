//! Cross-door conformance of the drift capabilities, Rust runner: every case
//! of `tests/conformance/drift_cases.json` (reference profile, persisted
//! profiles, `DriftReport`, score states, the live monitor, the compact
//! scorer, the research distances, chunked drift, prediction quality,
//! scale-out) through the library, compared with the case's `expect`.
//! The Python (`bindings/python/tests/test_conformance_drift.py`) and C
//! (`bindings/c/tests/c/conformance_drift.c`,
//! scripts/test.d/44-conformance-drift.sh) runners check the same file and,
//! bit for bit, this runner's answers on the same machine.
//!
//! An answer is `{"error": Kind}` or `{"values": {...}}`: floats as numbers
//! or "nan"/"inf"/"-inf", bytes as hex, documents (reports, KS intervals)
//! as their JSON value (a non-finite float is `null` there, as in the
//! document the library writes). Persisted artefacts: a case's `artefact`
//! is the hex of the bytes this door saved for it (blessed); every door
//! loads those bytes (or a corrupted copy: `source` + `corrupt`) and must
//! save the same bytes itself.
//!
//! `TRADEWARDEN_SIMD=scalar TW_BLESS=1 cargo test -p tradewarden --test
//! conformance_drift` rewrites every `expect` and `artefact`;
//! `TW_CONFORMANCE_OUT=FILE` writes this runner's answers there;
//! `TW_DRIFT_FOREIGN=DIR` also loads the artefacts another door saved there
//! (`ID.saved`, `ID.twss`, `ID.twsc`) and requires the same answers.
//! Options a door takes by name (a Mann–Whitney alternative and method, a
//! CvM method, an Anderson variant) are parsed by the library's one name
//! table (`FromStr`), as the Python door parses them: an unknown name is the
//! library's `InvalidInput`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use tradewarden::core::Classify;
use tradewarden::core::stats::mannwhitney::{MwuAlternative, MwuMethod, mannwhitneyu};
use tradewarden::drift::anderson::{AdVariant, anderson_ksamp};
use tradewarden::drift::chunk::{Chunker, chunked_drift};
use tradewarden::drift::cvm::{CvmMethod, cramervonmises_2samp};
use tradewarden::drift::distance::{energy_distance, wasserstein};
use tradewarden::drift::ks::{Alternative, KsMethod};
use tradewarden::drift::monitor::{LiveMonitor, LiveMonitorOptions, prediction_quality_aligned};
use tradewarden::drift::profile::{BinStrategy, Profile, ProfileFormat, ProfileOptions};
use tradewarden::drift::psi::PsiMode;
use tradewarden::drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden::drift::state::{CellGrid, ScoreState, StateScorer};
use tradewarden::drift::tests::chi2_contingency_table;

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/drift_cases.json")
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The bytes a case loads: its own `artefact`, or a corrupted copy of its
/// `source` case's (`flip`: xor 1 at an offset, negative from the end;
/// `truncate`: the first n bytes; `edit`: the first `[from, to]` text
/// replacement).
fn artefact_of(case: &Value, artefacts: &Map<String, Value>) -> Vec<u8> {
    let Some(src) = case.get("source").and_then(Value::as_str) else {
        return unhex(case["artefact"].as_str().expect("artefact (bless first)"));
    };
    let mut b = unhex(artefacts[src].as_str().unwrap());
    let how = &case["corrupt"];
    if let Some(i) = how.get("flip").and_then(Value::as_i64) {
        let i = if i < 0 { b.len() as i64 + i } else { i } as usize;
        b[i] ^= 1;
    }
    if let Some(n) = how.get("truncate").and_then(Value::as_u64) {
        b.truncate(n as usize);
    }
    if let Some(e) = how.get("edit").and_then(Value::as_array) {
        let t = String::from_utf8(b).unwrap();
        b = t
            .replacen(e[0].as_str().unwrap(), e[1].as_str().unwrap(), 1)
            .into_bytes();
    }
    b
}

type Answer = Result<Map<String, Value>, String>;

fn kind(e: tradewarden::drift::Error) -> String {
    format!("{:?}", e.kind())
}

/// An option a door takes by name, through the library's one name table
/// (`FromStr`): an unknown name is the library's error kind.
fn name<T: std::str::FromStr<Err = tradewarden::core::Error>>(v: &Value) -> Result<T, String> {
    use tradewarden::core::Classify;
    v.as_str()
        .unwrap()
        .parse::<T>()
        .map_err(|e| format!("{:?}", e.kind()))
}

struct Ctx<'a> {
    inputs: &'a Map<String, Value>,
}

impl<'a> Ctx<'a> {
    fn arr(&self, name: &Value) -> Vec<f64> {
        self.inputs[name.as_str().unwrap()]
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect()
    }

    /// `{"feature": input}` → columns in the file's (name) order; an input
    /// named `cat_*` is a categorical column (strings, null = missing).
    fn columns(&self, m: &Value) -> Vec<(String, Col<'a>)> {
        m.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let name = v.as_str().unwrap();
                let col = if name.starts_with("cat_") {
                    Col::Cat(
                        self.inputs[name]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(Value::as_str)
                            .collect(),
                    )
                } else {
                    Col::Num(self.arr(v))
                };
                (k.clone(), col)
            })
            .collect()
    }
}

/// A column of the file: numeric, or categorical (borrowed from the inputs).
enum Col<'a> {
    Num(Vec<f64>),
    Cat(Vec<Option<&'a str>>),
}

fn data<'c>(cols: &'c [(String, Col<'_>)]) -> Vec<(&'c str, FeatureData<'c>)> {
    cols.iter()
        .map(|(n, c)| {
            let d = match c {
                Col::Num(v) => FeatureData::Numeric(v.as_slice()),
                Col::Cat(v) => FeatureData::Categorical(v.as_slice()),
            };
            (n.as_str(), d)
        })
        .collect()
}

fn profile_options(o: &Value) -> ProfileOptions {
    let bins = o["bins"].as_u64().unwrap() as usize;
    ProfileOptions {
        bins: match o["strategy"].as_str().unwrap() {
            "quantile" => BinStrategy::Quantile { bins },
            "equal_width" => BinStrategy::EqualWidth { bins },
            "explicit" => BinStrategy::Explicit {
                edges: o["edges"].as_array().unwrap().iter().map(num).collect(),
            },
            other => panic!("strategy {other}"),
        },
        nan_policy: o["nan_policy"].as_str().unwrap().parse().unwrap(),
        keep_reference: o["keep_reference"].as_bool().unwrap(),
    }
}

/// Report options as serde reads them; a float written "nan" / "inf" (JSON has
/// no such number) is set after reading.
fn report_options(o: &Value) -> ReportOptions {
    let mut o = o.clone();
    let mut special = Vec::new();
    for (k, v) in o.as_object_mut().unwrap().iter_mut() {
        if v.is_string() && ["nan", "inf", "-inf"].contains(&v.as_str().unwrap()) {
            special.push((k.clone(), num(v)));
            *v = json!(0.0);
        }
    }
    let mut r: ReportOptions = serde_json::from_value(o).unwrap();
    for (k, x) in special {
        match k.as_str() {
            "alpha" => r.alpha = x,
            "psi_threshold" => r.psi_threshold = x,
            "js_threshold" => r.js_threshold = x,
            "drift_share" => r.drift_share = x,
            other => panic!("non-finite {other}"),
        }
    }
    r
}

fn fit(ctx: &Ctx<'_>, reference: &Value, o: &Value) -> Result<Profile, String> {
    let cols = ctx.columns(reference);
    Profile::fit_features(&data(&cols), &profile_options(o)).map_err(kind)
}

fn doc<T: serde::Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap()
}

/// A score state of each partition, merged in order (the first is the accumulator).
fn merged_state(
    ctx: &Ctx<'_>,
    parts: &Value,
    mut build: impl FnMut(&[(&str, FeatureData<'_>)]) -> tradewarden::drift::Result<ScoreState>,
) -> Result<ScoreState, String> {
    let mut acc: Option<ScoreState> = None;
    for p in parts.as_array().unwrap() {
        let cols = ctx.columns(p);
        let s = build(&data(&cols)).map_err(kind)?;
        match &mut acc {
            None => acc = Some(s),
            Some(a) => a.merge(&s).map_err(kind)?,
        }
    }
    Ok(acc.unwrap())
}

fn run(case: &Value, ctx: &Ctx<'_>, artefacts: &Map<String, Value>) -> Answer {
    let a = &case["args"];
    let empty = json!({});
    let o = case.get("options").unwrap_or(&empty);
    let mut v = Map::new();
    match case["fn"].as_str().unwrap() {
        "drift.profile" => {
            let cols = vec![("x".to_string(), Col::Num(ctx.arr(&a["reference"])))];
            let p = Profile::fit_features(&data(&cols), &profile_options(&o["profile"]))
                .map_err(kind)?;
            let f = p.numeric(o["feature"].as_str().unwrap()).map_err(kind)?;
            let cur = ctx.arr(&a["current"]);
            let eps = num(&o["epsilon"]);
            let psi = f
                .psi(&cur, PsiMode::Standard { epsilon: eps })
                .map_err(kind)?;
            let ks = f
                .ks(&cur, Alternative::TwoSided, KsMethod::Auto)
                .map_err(kind)?;
            v.insert("psi".into(), enc(psi));
            v.insert("ks_statistic".into(), enc(ks.statistic));
            v.insert("ks_pvalue".into(), enc(ks.pvalue));
        }
        "drift.profile_persisted" => {
            if case.get("source").is_none() {
                let p = fit(ctx, &a["reference"], &o["profile"])?;
                let format = match o["format"].as_str().unwrap() {
                    "binary" => ProfileFormat::Binary,
                    _ => ProfileFormat::Json,
                };
                v.insert("saved".into(), json!(hex(&p.encode(format).map_err(kind)?)));
            }
            let p = Profile::decode(&artefact_of(case, artefacts)).map_err(kind)?;
            v.insert("features".into(), json!(p.features.len()));
            let f = p.numeric("x").map_err(kind)?;
            let cur = ctx.arr(&a["current"]);
            v.insert(
                "psi".into(),
                enc(f.psi(&cur, PsiMode::default()).map_err(kind)?),
            );
            if f.options.keep_reference {
                let ks = f
                    .ks(&cur, Alternative::TwoSided, KsMethod::Auto)
                    .map_err(kind)?;
                v.insert("ks_statistic".into(), enc(ks.statistic));
                v.insert("ks_pvalue".into(), enc(ks.pvalue));
            }
        }
        "drift.report" => {
            let p = fit(ctx, &a["reference"], &o["profile"])?;
            let cols = ctx.columns(&a["current"]);
            let r = DriftReport::compute(&p, &data(&cols), &report_options(&o["report"]))
                .map_err(kind)?;
            v.insert("report".into(), doc(&r));
        }
        "drift.score_state" => {
            let state = match case.get("source") {
                Some(_) => ScoreState::from_bytes(&artefact_of(case, artefacts)).map_err(kind)?,
                None => {
                    let p = fit(ctx, &a["reference"], &o["profile"])?;
                    let s = merged_state(ctx, &a["partitions"], |d| {
                        ScoreState::build(&p, d, CellGrid::Exact)
                    })?;
                    v.insert("state".into(), json!(hex(&s.to_bytes())));
                    let r = DriftReport::compute_states(&p, &s, &report_options(&o["report"]))
                        .map_err(kind)?;
                    v.insert("report".into(), doc(&r));
                    // the state every door saved, read back: the same report
                    let loaded =
                        ScoreState::from_bytes(&artefact_of(case, artefacts)).map_err(kind)?;
                    let r2 =
                        DriftReport::compute_states(&p, &loaded, &report_options(&o["report"]))
                            .map_err(kind)?;
                    v.insert("report_loaded".into(), doc(&r2));
                    return Ok(v);
                }
            };
            v.insert("features".into(), json!(state.features().len()));
        }
        "drift.monitor" => {
            let p = fit(ctx, &a["reference"], &o["profile"])?;
            let mo = &o["monitor"];
            let f = |k: &str, d: f64| mo.get(k).map_or(d, num);
            let d = LiveMonitorOptions::default();
            let opts = LiveMonitorOptions {
                window: mo["window"].as_u64().unwrap() as usize,
                min_values: mo["min_values"].as_u64().unwrap() as usize,
                psi_threshold: f("psi_threshold", d.psi_threshold),
                js_threshold: f("js_threshold", d.js_threshold),
                ks_threshold: f("ks_threshold", d.ks_threshold),
                psi_epsilon: f("psi_epsilon", d.psi_epsilon),
                ..d.clone()
            };
            let mut m = LiveMonitor::new(&p, opts).map_err(kind)?;
            let mut steps = Vec::new();
            for s in a["steps"].as_array().unwrap() {
                let feature = s.get(1).and_then(Value::as_str).unwrap_or("");
                let out = match s[0].as_str().unwrap() {
                    "emit" => match m.score_and_emit() {
                        Ok(all) => json!({
                            "scored": all.len(),
                            "drifted": all.iter().filter(|x| x.drift).count(),
                        }),
                        Err(e) => json!({ "error": kind(e) }),
                    },
                    "push" => match m.push(feature, &ctx.arr(&s[2])) {
                        Ok(()) => json!("ok"),
                        Err(e) => json!({ "error": kind(e) }),
                    },
                    _ => match m.score(feature) {
                        Ok(None) => json!({ "ready": false }),
                        Ok(Some(sc)) => json!({
                            "ready": true, "psi": enc(sc.psi), "jensenshannon": enc(sc.jensenshannon),
                            "ks": enc(sc.ks), "n": sc.n, "skipped": sc.skipped, "drift": sc.drift,
                            "js_drift": sc.js_drift, "ks_drift": sc.ks_drift, "severity": sc.severity.as_str(),
                        }),
                        Err(e) => json!({ "error": kind(e) }),
                    },
                };
                steps.push(out);
            }
            v.insert("steps".into(), Value::Array(steps));
        }
        "drift.scorer" => {
            let scorer = match case.get("source") {
                Some(_) => StateScorer::from_bytes(&artefact_of(case, artefacts)).map_err(kind)?,
                None => {
                    let p = fit(ctx, &a["reference"], &o["profile"])?;
                    let cells = o["cells"].as_u64().unwrap() as usize;
                    let s =
                        StateScorer::new(p.clone(), CellGrid::Bounded { cells }).map_err(kind)?;
                    v.insert("scorer".into(), json!(hex(&s.to_bytes())));
                    let loaded =
                        StateScorer::from_bytes(&artefact_of(case, artefacts)).map_err(kind)?;
                    let state = merged_state(ctx, &a["partitions"], |d| loaded.state(d))?;
                    v.insert("state".into(), json!(hex(&state.to_bytes())));
                    let b = loaded.ks_bounds(&state, PsiMode::default()).map_err(kind)?;
                    v.insert("bounds".into(), doc(&b));
                    let b2 = state.ks_bounds(&p, PsiMode::default()).map_err(kind)?;
                    v.insert("bounds_profile".into(), doc(&b2));
                    return Ok(v);
                }
            };
            let state = merged_state(ctx, &a["partitions"], |d| scorer.state(d))?;
            v.insert("state".into(), json!(hex(&state.to_bytes())));
        }
        "drift.wasserstein_distance" | "drift.energy_distance" => {
            let (x, y) = (ctx.arr(&a["u"]), ctx.arr(&a["v"]));
            let f = if case["fn"] == "drift.wasserstein_distance" {
                wasserstein(&x, &y)
            } else {
                energy_distance(&x, &y)
            };
            v.insert("value".into(), enc(f.map_err(kind)?));
        }
        "drift.cramervonmises_2samp" => {
            let m = name::<CvmMethod>(&o["method"])?;
            let r = cramervonmises_2samp(&ctx.arr(&a["x"]), &ctx.arr(&a["y"]), m).map_err(kind)?;
            v.insert("statistic".into(), enc(r.statistic));
            v.insert("pvalue".into(), enc(r.pvalue));
        }
        "drift.mannwhitneyu" => {
            let alt = name::<MwuAlternative>(&o["alternative"])?;
            let m = name::<MwuMethod>(&o["method"])?;
            let r = mannwhitneyu(
                &ctx.arr(&a["x"]),
                &ctx.arr(&a["y"]),
                o["use_continuity"].as_bool().unwrap(),
                alt,
                m,
            )
            .map_err(|e| format!("{:?}", e.kind()))?;
            v.insert("statistic".into(), enc(r.statistic));
            v.insert("pvalue".into(), enc(r.pvalue));
        }
        "drift.anderson_ksamp" => {
            let variant = name::<AdVariant>(&o["variant"])?;
            let samples: Vec<Vec<f64>> = a["samples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| ctx.arr(s))
                .collect();
            let refs: Vec<&[f64]> = samples.iter().map(Vec::as_slice).collect();
            let r = anderson_ksamp(&refs, variant).map_err(kind)?;
            v.insert("statistic".into(), enc(r.statistic));
            v.insert(
                "critical_values".into(),
                r.critical_values.iter().map(|x| enc(*x)).collect(),
            );
            v.insert("pvalue".into(), enc(r.pvalue));
            v.insert("pvalue_clipped".into(), json!(r.pvalue_clipped));
        }
        "drift.chi2_contingency" => {
            let (r, expected) = chi2_contingency_table(
                &ctx.arr(&a["observed"]),
                o["n_rows"].as_u64().unwrap() as usize,
                o["correction"].as_bool().unwrap(),
            )
            .map_err(kind)?;
            v.insert("statistic".into(), enc(r.statistic));
            v.insert("pvalue".into(), enc(r.pvalue));
            v.insert("dof".into(), json!(r.dof));
            v.insert(
                "expected".into(),
                expected.iter().map(|x| enc(*x)).collect(),
            );
        }
        "drift.prediction_quality" => {
            let (p, act) = (ctx.arr(&a["predictions"]), ctx.arr(&a["actuals"]));
            let q = prediction_quality_aligned(&p, &act).map_err(kind)?;
            v.insert("n".into(), json!(q.n));
            v.insert("mae".into(), enc(q.mae));
            v.insert("mape_pct".into(), enc(q.mape_pct));
            v.insert("rmse".into(), enc(q.rmse));
            v.insert(
                "directional_accuracy_pct".into(),
                enc(q.directional_accuracy_pct),
            );
        }
        "drift.chunked_drift" => {
            let p = fit(ctx, &a["reference"], &o["profile"])?;
            let cols = ctx.columns(&a["current"]);
            let chunker: Chunker = serde_json::from_value(o["chunker"].clone()).unwrap();
            let rows = o["reference_rows"]
                .as_array()
                .map(|r| r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize);
            let ts = a.get("timestamps").map(|t| ctx.arr(t));
            let out = chunked_drift(
                &p,
                rows,
                &data(&cols),
                &chunker,
                ts.as_deref(),
                &report_options(&o["report"]),
            )
            .map_err(kind)?;
            v.insert("chunks".into(), doc(&out));
        }
        "drift.scale_out" => {
            // what tradewarden.dask.score(method="states") computes: the scorer of the
            // profile, one state per partition, merged, then the report (exact) or the
            // KS intervals (bounded)
            let p = fit(ctx, &a["reference"], &o["profile"])?;
            let grid = match o["cells"].as_u64() {
                None => CellGrid::Exact,
                Some(cells) => CellGrid::Bounded {
                    cells: cells as usize,
                },
            };
            let scorer = StateScorer::new(p.clone(), grid).map_err(kind)?;
            let state = merged_state(ctx, &a["partitions"], |d| scorer.state(d))?;
            v.insert("state".into(), json!(hex(&state.to_bytes())));
            match grid {
                CellGrid::Exact => {
                    let r = DriftReport::compute_states(&p, &state, &ReportOptions::default())
                        .map_err(kind)?;
                    v.insert("report".into(), doc(&r));
                }
                CellGrid::Bounded { .. } => {
                    let b = scorer.ks_bounds(&state, PsiMode::default()).map_err(kind)?;
                    v.insert("bounds".into(), doc(&b));
                }
            }
        }
        other => panic!("unknown function {other}"),
    }
    Ok(v)
}

fn answer_value(a: &Answer) -> Value {
    match a {
        Ok(v) => json!({ "values": v }),
        Err(k) => json!({ "error": k }),
    }
}

/// The expectation as the file holds it: bytes equal to the case's own
/// artefact are written `"=artefact"` (the file stays half as long).
fn shorten(mut expect: Value, artefact: Option<&Value>) -> Value {
    if let (Some(a), Some(v)) = (artefact, expect.get_mut("values")) {
        for x in v.as_object_mut().unwrap().values_mut() {
            if x == a {
                *x = json!("=artefact");
            }
        }
    }
    expect
}

/// Runs every case in order (a corrupted copy reads its source's artefact).
fn run_all(doc: &mut Value, bless: bool) -> Vec<(String, Answer)> {
    let inputs = doc["inputs"].as_object().unwrap().clone();
    let ctx = Ctx { inputs: &inputs };
    let mut artefacts = Map::new();
    let mut out = Vec::new();
    for case in doc["cases"].as_array_mut().unwrap() {
        let id = case["id"].as_str().unwrap().to_string();
        let source_free = case.get("source").is_none();
        let saves = matches!(
            case["fn"].as_str().unwrap(),
            "drift.profile_persisted" | "drift.score_state" | "drift.scorer"
        ) && source_free;
        if bless && saves {
            // what this door saves becomes the case's artefact (none: the save fails)
            match saved_bytes(case, &ctx) {
                Some(h) => case["artefact"] = h,
                None => {
                    case.as_object_mut().unwrap().remove("artefact");
                }
            }
        }
        if let Some(h) = case.get("artefact") {
            artefacts.insert(id.clone(), h.clone());
        }
        let ans = run(case, &ctx, &artefacts);
        if bless {
            case["expect"] = shorten(answer_value(&ans), case.get("artefact"));
        }
        out.push((id, ans));
    }
    out
}

/// The saved bytes of a saving case, by running its save step only.
fn saved_bytes(case: &Value, ctx: &Ctx<'_>) -> Option<Value> {
    let a = &case["args"];
    let o = &case["options"];
    match case["fn"].as_str().unwrap() {
        "drift.profile_persisted" => {
            let p = fit(ctx, &a["reference"], &o["profile"]).ok()?;
            let f = match o["format"].as_str().unwrap() {
                "binary" => ProfileFormat::Binary,
                _ => ProfileFormat::Json,
            };
            Some(json!(hex(&p.encode(f).ok()?)))
        }
        "drift.score_state" => {
            let p = fit(ctx, &a["reference"], &o["profile"]).ok()?;
            let s = merged_state(ctx, &a["partitions"], |d| {
                ScoreState::build(&p, d, CellGrid::Exact)
            })
            .ok()?;
            Some(json!(hex(&s.to_bytes())))
        }
        "drift.scorer" => {
            let p = fit(ctx, &a["reference"], &o["profile"]).ok()?;
            let cells = o["cells"].as_u64()? as usize;
            let s = StateScorer::new(p, CellGrid::Bounded { cells }).ok()?;
            Some(json!(hex(&s.to_bytes())))
        }
        _ => None,
    }
}

/// Artefacts another door saved (`TW_DRIFT_FOREIGN=DIR`: `ID.saved` profiles,
/// `ID.twss` score states, `ID.twsc` scorers, as the C runner leaves them),
/// loaded here in place of the case's own artefact: the case's answer must
/// not change. Prints how many were loaded (44-conformance-drift.sh
/// requires some).
fn foreign(doc: &Value, dir: &std::path::Path) -> Vec<String> {
    let inputs = doc["inputs"].as_object().unwrap().clone();
    let ctx = Ctx { inputs: &inputs };
    let mut artefacts = Map::new();
    let (mut loaded, mut bad) = (0, Vec::new());
    for case in doc["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let Some(own) = case.get("artefact") else {
            continue;
        };
        artefacts.insert(id.to_string(), own.clone());
        let ext = match case["fn"].as_str().unwrap() {
            "drift.profile_persisted" => "saved",
            "drift.score_state" => "twss",
            _ => "twsc",
        };
        let Ok(bytes) = std::fs::read(dir.join(format!("{id}.{ext}"))) else {
            continue;
        };
        loaded += 1;
        let mut c = case.clone();
        c["artefact"] = json!(hex(&bytes));
        let got = shorten(answer_value(&run(&c, &ctx, &artefacts)), Some(own));
        if got != case["expect"] {
            bad.push(format!("{id} from {ext} of the other door: got {got}"));
        }
    }
    println!("foreign artefacts: {loaded} loaded, {} differ", bad.len());
    if loaded == 0 {
        bad.push(format!("no foreign artefact in {}", dir.display()));
    }
    bad
}

#[test]
fn every_case_gives_the_expected_answer() {
    let text = std::fs::read_to_string(path()).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let bless = std::env::var_os("TW_BLESS").is_some();
    let answers = run_all(&mut doc, bless);
    if bless {
        let cases: Vec<String> = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("  {c}"))
            .collect();
        let inputs: Vec<String> = doc["inputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("  {}: {v}", json!(k)))
            .collect();
        let text = format!(
            "{{\n \"about\": {},\n \"cases\": [\n{}\n ],\n \"inputs\": {{\n{}\n }}\n}}\n",
            doc["about"],
            cases.join(",\n"),
            inputs.join(",\n")
        );
        std::fs::write(path(), text).unwrap();
    }
    let mut failures = Vec::new();
    for ((id, ans), case) in answers.iter().zip(doc["cases"].as_array().unwrap()) {
        let got = shorten(answer_value(ans), case.get("artefact"));
        if got != case["expect"] {
            failures.push(format!("{id}: got {got}, expected {}", case["expect"]));
        }
    }
    if let Some(out) = std::env::var_os("TW_CONFORMANCE_OUT") {
        let m: Map<String, Value> = answers
            .iter()
            .map(|(id, a)| (id.clone(), answer_value(a)))
            .collect();
        std::fs::write(out, serde_json::to_string(&m).unwrap()).unwrap();
    }
    if let Some(dir) = std::env::var_os("TW_DRIFT_FOREIGN") {
        failures.extend(foreign(&doc, &PathBuf::from(dir)));
    }
    assert!(answers.len() > 150, "only {} cases", answers.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_checker_can_fail() {
    // answers are compared as JSON values: one ulp, another error kind or other bytes differ
    let a = json!({ "values": { "psi": enc(0.5) } });
    let b = json!({ "values": { "psi": enc(f64::from_bits(0.5f64.to_bits() + 1)) } });
    assert_ne!(a, b);
    assert_ne!(
        json!({ "error": "Corrupt" }),
        json!({ "error": "InvalidInput" })
    );
    assert_eq!(enc(f64::NAN), json!("nan"));
    // the shortened expectation only stands for the case's own artefact
    let art = json!("abcd");
    let e = shorten(json!({ "values": { "state": "abcd", "x": 1 } }), Some(&art));
    assert_eq!(e["values"]["state"], json!("=artefact"));
    let e = shorten(json!({ "values": { "state": "abce" } }), Some(&art));
    assert_eq!(e["values"]["state"], json!("abce"));
}
