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
use tradewarden::core::Error;
use tradewarden::core::returns::attribution;
use tradewarden::core::returns::bootstrap::{BootstrapOptions, IntervalMethod};
use tradewarden::core::returns::pbo::{StrategyMatrix, pbo};
use tradewarden::core::returns::promotion::{
    PsrConvention, deflated_sharpe_ratio, min_track_record_length, probabilistic_sharpe_ratio,
};
use tradewarden::core::returns::{
    self, AlphaMethod, BootstrapStatistic, Summary, SummaryOptions, VarMethod, bootstrap_metric_ci,
    resampling_named,
};
use tradewarden::core::returns::{ReturnsState, StateMetrics};
use tradewarden::core::{Classify, NanPolicy, Period, ReturnsOptions};
use tradewarden::drift::distance::jensenshannon;
use tradewarden::drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden::drift::profile::BinKind;
use tradewarden::drift::psi::psi_of_samples;
use tradewarden::guardrails::exposure::TradeLog;
use tradewarden::guardrails::promotion::{PromotionGates, PromotionInputs, evaluate_promotion};
use tradewarden::ops::{OperationsSummary, OperationsThresholds, Trades};
use tradewarden::report::{Dates, ReportInput, html_report};

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
    /// Values and a text artefact (a serialized state: `expect.text`).
    ValuesText(BTreeMap<String, f64>, String),
    /// A JSON document (the operations summary), compared as JSON.
    Document(Value),
    /// The sha256 of bytes (the HTML page).
    Sha256(String),
    Error(String),
}

fn kind_name(k: tradewarden::ErrorKind) -> String {
    format!("{k:?}")
}

/// The case's conventions: the period by name when the case gives one
/// (`Period::from_name`, as Python's `period=`), else its number; the NaN
/// policy by name. A bad name is the library's error, as in every door.
fn returns_options(o: &Map<String, Value>) -> Result<ReturnsOptions, tradewarden::ErrorKind> {
    let period = match o.get("period").and_then(Value::as_str) {
        Some(name) => Period::from_name(name).map_err(|e| e.kind())?,
        None => Period::Custom(num(&o["annualization"])),
    };
    Ok(ReturnsOptions {
        period,
        risk_free: num(&o["risk_free"]),
        required_return: num(&o["required_return"]),
        ddof: 1,
        nan_policy: o["nan_policy"]
            .as_str()
            .unwrap()
            .parse::<NanPolicy>()
            .map_err(|e| e.kind())?,
    })
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
                let ro = returns_options(o)?;
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
            "returns.probabilistic_sharpe_ratio"
            | "returns.deflated_sharpe_ratio"
            | "returns.min_track_record_length" => {
                // the Python door's conventions: daily, the case's risk-free rate and NaN policy
                let conv: PsrConvention = o["convention"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .map_err(|e: Error| e.kind())?;
                let ro = ReturnsOptions {
                    risk_free: num(&o["risk_free"]),
                    nan_policy: o["nan_policy"]
                        .as_str()
                        .unwrap()
                        .parse::<NanPolicy>()
                        .map_err(|e| e.kind())?,
                    ..Default::default()
                };
                let r = arr("returns");
                value(match f {
                    "returns.probabilistic_sharpe_ratio" => {
                        probabilistic_sharpe_ratio(&r, num(&o["sr_benchmark"]), conv, &ro)
                    }
                    "returns.deflated_sharpe_ratio" => {
                        deflated_sharpe_ratio(&r, &arr("trial_sharpes"), conv, &ro)
                    }
                    _ => min_track_record_length(
                        &r,
                        num(&o["sr_benchmark"]),
                        num(&o["alpha"]),
                        conv,
                        &ro,
                    ),
                })
            }
            "returns.bootstrap_ci" => {
                let ro = ReturnsOptions {
                    period: Period::Custom(num(&o["annualization"])),
                    ..Default::default()
                };
                let kind = |e: Error| e.kind();
                let statistic: BootstrapStatistic =
                    o["metric"].as_str().unwrap().parse().map_err(kind)?;
                let resampling =
                    resampling_named(o["resampling"].as_str().unwrap(), num(&o["block_length"]))
                        .map_err(kind)?;
                let method: IntervalMethod =
                    o["interval"].as_str().unwrap().parse().map_err(kind)?;
                let boot = BootstrapOptions {
                    resampling,
                    method,
                    n_resamples: o["n_resamples"].as_u64().unwrap() as usize,
                    confidence: num(&o["confidence"]),
                    seed: o["seed"].as_u64().unwrap(),
                };
                let b =
                    bootstrap_metric_ci(&arr("returns"), statistic, &ro, &boot).map_err(kind)?;
                Ok(Out::Values(BTreeMap::from([
                    ("estimate".to_string(), b.estimate),
                    ("lower".to_string(), b.lower),
                    ("upper".to_string(), b.upper),
                    ("confidence".to_string(), b.confidence),
                    ("n_resamples".to_string(), b.n_resamples as f64),
                    ("std_error".to_string(), b.std_error),
                ])))
            }
            "returns.pbo" => {
                // the file writes the T x N matrix row by row (row-major)
                let (t, n) = (
                    o["n_rows"].as_u64().unwrap() as usize,
                    o["n_cols"].as_u64().unwrap() as usize,
                );
                let rows = arr("matrix");
                let nb = o["n_blocks"].as_u64().unwrap() as usize;
                let m = StrategyMatrix::from_row_major(&rows, t, n).map_err(|e| e.kind())?;
                let first = m.column(0).unwrap_or_default();
                let p = pbo(m, nb).map_err(|e| e.kind())?;
                // the promotion gate on the same matrix must report the same PBO
                let gate = evaluate_promotion(
                    &PromotionGates {
                        max_pbo: Some(0.5),
                        pbo_blocks: nb,
                        ..Default::default()
                    },
                    &PromotionInputs {
                        walk_forward_returns: &first,
                        trial_sharpes: None,
                        strategy_matrix: Some(m),
                        trade_pnls: &[],
                    },
                )
                .map_err(|e| e.kind())?;
                let gate_pbo = gate.checks.iter().find(|c| c.name == "pbo").unwrap().value;
                Ok(Out::Values(BTreeMap::from([
                    ("pbo".to_string(), p.pbo),
                    ("gate_pbo".to_string(), gate_pbo),
                    ("mean_oos_rank".to_string(), p.mean_oos_rank),
                    ("n_combinations".to_string(), p.n_combinations as f64),
                    ("n_rows_used".to_string(), p.n_rows_used as f64),
                    ("prob_loss".to_string(), p.prob_loss),
                    ("degradation_slope".to_string(), p.degradation.slope),
                    ("degradation_intercept".to_string(), p.degradation.intercept),
                    ("degradation_r_squared".to_string(), p.degradation.r_squared),
                ])))
            }
            "returns.state" => {
                let r = arr("returns");
                let ro = returns_options(o)?;
                let kind = |e: Error| e.kind();
                let cuts: Vec<usize> = o["splits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as usize)
                    .chain([r.len()])
                    .collect();
                let mut parts = Vec::new();
                let mut start = 0;
                for c in cuts {
                    parts.push(ReturnsState::from_returns(&r[start..c], &ro).map_err(kind)?);
                    start = c;
                }
                let merged = ReturnsState::merge_all(&parts).map_err(kind)?;
                let whole = ReturnsState::from_returns(&r, &ro).map_err(kind)?;
                let bytes = merged.to_bytes().map_err(kind)?;
                let loaded = ReturnsState::from_bytes(&bytes).map_err(kind)?;
                let mut m = BTreeMap::new();
                for (name, s) in [("merged", &merged), ("whole", &whole), ("loaded", &loaded)] {
                    for (k, v) in state_metrics(&s.metrics(&ro).map_err(kind)?) {
                        m.insert(format!("{name}.{k}"), v);
                    }
                }
                Ok(Out::ValuesText(m, String::from_utf8(bytes).unwrap()))
            }
            "returns.attribution" => {
                let symbols: Vec<Option<&str>> = inputs[case["args"]["symbols"].as_str().unwrap()]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(Value::as_str)
                    .collect();
                let rows = attribution::by_symbol_with_missing(&symbols, &arr("returns"))
                    .map_err(|e| e.kind())?;
                let mut m = BTreeMap::new();
                for (i, x) in rows.iter().enumerate() {
                    let key = |f: &str| format!("{i}:{}.{f}", x.symbol);
                    m.insert(key("samples"), x.samples as f64);
                    m.insert(key("sample_weight"), x.sample_weight);
                    m.insert(key("average_return"), x.average_return);
                    m.insert(key("cumulative_return"), x.cumulative_return);
                    m.insert(key("contribution"), x.contribution);
                }
                Ok(Out::Values(m))
            }
            "returns.operations_summary" | "returns.html_report" => {
                let kind = |e: tradewarden::guardrails::Error| e.kind();
                let ro = ReturnsOptions {
                    period: Period::Custom(num(&o["annualization"])),
                    risk_free: num(&o["risk_free"]),
                    nan_policy: o["nan_policy"]
                        .as_str()
                        .unwrap()
                        .parse::<NanPolicy>()
                        .map_err(|e| e.kind())?,
                    ..Default::default()
                };
                let so = SummaryOptions {
                    returns: ro,
                    cutoff: o.get("cutoff").map_or(0.05, num),
                    ..Default::default()
                };
                let thresholds: Option<OperationsThresholds> = match &o["thresholds"] {
                    Value::Null => None,
                    t => Some(serde_json::from_value(t.clone()).unwrap()),
                };
                let log = match case["args"].get("timestamp") {
                    Some(_) => {
                        let ts: Vec<i64> = arr("timestamp").iter().map(|&x| x as i64).collect();
                        let sym: Vec<&str> = inputs[case["args"]["symbol"].as_str().unwrap()]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_str().unwrap())
                            .collect();
                        Some(
                            TradeLog::new(
                                &ts,
                                &sym,
                                Some(&arr("notional")),
                                None,
                                None,
                                &arr("pnl"),
                            )
                            .map_err(kind)?,
                        )
                    }
                    None => None,
                };
                let trades = log.as_ref().map(|log| Trades {
                    log,
                    capital: num(&o["capital"]),
                    tail_percentile: num(&o["tail_percentile"]),
                });
                let r = arr("returns");
                if f == "returns.operations_summary" {
                    let b = case["args"]
                        .get("factor_returns")
                        .map(|_| arr("factor_returns"));
                    let s = OperationsSummary::compute(
                        &r,
                        b.as_deref(),
                        trades,
                        &thresholds.unwrap_or_default(),
                        &so,
                    )
                    .map_err(kind)?;
                    return Ok(Out::Document(serde_json::to_value(s.document()).unwrap()));
                }
                let b = case["args"].get("benchmark").map(|_| arr("benchmark"));
                let dates = match case["args"].get("dates") {
                    Some(_) => Dates::Column {
                        name: "date".into(),
                        ts: arr("dates").iter().map(|&x| x as i64).collect(),
                    },
                    None => Dates::Missing("no dates given".into()),
                };
                let page = html_report(&ReportInput {
                    name: o["name"].as_str().unwrap(),
                    benchmark_name: o["benchmark_name"].as_str(),
                    returns: &r,
                    benchmark: b.as_deref(),
                    dates: &dates,
                    trades,
                    thresholds: thresholds.as_ref(),
                    options: &so,
                    drift: None,
                    journal: None,
                })
                .map_err(kind)?;
                Ok(Out::Sha256(sha256_hex(page.html.as_bytes())))
            }
            _ if f.starts_with("returns.") => {
                let r = arr("returns");
                let ro = returns_options(o)?;
                let bench = || arr("factor_returns");
                let var = || -> Result<(f64, VarMethod), tradewarden::ErrorKind> {
                    let m = o["method"].as_str().unwrap();
                    Ok((num(&o["cutoff"]), m.parse().map_err(|e: Error| e.kind())?))
                };
                match &f["returns.".len()..] {
                    "sharpe_ratio" => value(returns::sharpe_ratio(&r, &ro)),
                    "sortino_ratio" => value(returns::sortino_ratio(&r, &ro)),
                    "max_drawdown" => value(returns::max_drawdown(&r, &ro)),
                    "annual_return" => value(returns::annual_return(&r, &ro)),
                    "annual_volatility" => value(returns::annual_volatility(&r, &ro)),
                    "calmar_ratio" => value(returns::calmar_ratio(&r, &ro)),
                    "downside_risk" => value(returns::downside_risk(&r, &ro)),
                    "tail_ratio" => value(returns::tail_ratio(&r, &ro)),
                    "stability_of_timeseries" => value(returns::stability_of_timeseries(&r, &ro)),
                    "skew" => value(returns::skew(&r, &ro)),
                    "kurtosis" => value(returns::kurtosis(&r, &ro)),
                    "win_rate" => value(returns::win_rate(&r, &ro)),
                    "profit_factor" => value(returns::profit_factor(&r, &ro)),
                    "ulcer_index" => value(returns::ulcer_index(&r, &ro)),
                    "value_at_risk" => {
                        let (c, m) = var()?;
                        value(returns::value_at_risk(&r, c, m, &ro))
                    }
                    "conditional_value_at_risk" => {
                        let (c, m) = var()?;
                        value(returns::conditional_value_at_risk(&r, c, m, &ro))
                    }
                    "omega_ratio" => value(returns::omega_ratio(
                        &r,
                        num(&o["omega_required_return"]),
                        &ro,
                    )),
                    "beta" => value(returns::beta(&r, &bench(), &ro)),
                    // `which` (Python's native door): the market side by name
                    "alpha" => match o.get("which").and_then(Value::as_str) {
                        None => value(returns::alpha(&r, &bench(), AlphaMethod::Compound, &ro)),
                        Some(w) => {
                            let side = w.parse::<returns::MarketSide>().map_err(|e| e.kind())?;
                            value(
                                returns::alpha_beta_on(
                                    side,
                                    &r,
                                    &bench(),
                                    AlphaMethod::Compound,
                                    &ro,
                                )
                                .map(|ab| ab.alpha),
                            )
                        }
                    },
                    "up_capture" => value(returns::up_capture(&r, &bench(), &ro)),
                    "down_capture" => value(returns::down_capture(&r, &bench(), &ro)),
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
                // the strategy by name, as the Python door passes it
                let kind = o["strategy"]
                    .as_str()
                    .unwrap()
                    .parse::<BinKind>()
                    .map_err(|e| e.kind())?;
                let np = o["nan_policy"]
                    .as_str()
                    .unwrap()
                    .parse::<NanPolicy>()
                    .unwrap();
                psi_of_samples(
                    &arr("reference"),
                    &arr("current"),
                    kind.strategy(bins, None).map_err(|e| e.kind())?,
                    np,
                    kind.psi_mode(num(&o["epsilon"])),
                )
                .map(Out::Value)
                .map_err(|e| e.kind())
            }
            other => panic!("unknown function {other}"),
        }
    })();
    res.unwrap_or_else(|k| Out::Error(kind_name(k)))
}

/// The `Summary` field that answers an other-metrics case in C (where C can
/// express it: historical VaR/CVaR at 0.05, Omega at a required return of 0;
/// `None` otherwise), computed as `tw_returns_summary` does.
fn summary_field(case: &Value, inputs: &Map<String, Value>) -> Option<Out> {
    if case.get("capability") != Some(&json!("returns.other_metrics")) {
        return None;
    }
    let f = &case["fn"].as_str().unwrap()["returns.".len()..];
    let field = match f {
        "stability_of_timeseries" => "stability",
        "up_capture" | "down_capture" => return None,
        other => other,
    };
    let o = case["options"].as_object().unwrap();
    if o.get("cutoff").is_some_and(|c| num(c) != 0.05)
        || o.get("method").is_some_and(|m| m != "historical")
        || o.get("omega_required_return")
            .is_some_and(|r| num(r) != 0.0)
    {
        return None;
    }
    let arr = |name: &str| -> Option<Vec<f64>> {
        let key = case["args"].get(name)?.as_str().unwrap();
        Some(inputs[key].as_array().unwrap().iter().map(num).collect())
    };
    let r = arr("returns").unwrap();
    let b = arr("factor_returns");
    let res = returns_options(o).and_then(|ro| {
        Summary::compute(
            &r,
            b.as_deref(),
            &SummaryOptions {
                returns: ro,
                ..Default::default()
            },
        )
        .map_err(|e| e.kind())
    });
    Some(match res {
        Ok(s) => Out::Value(
            s.metrics()
                .into_iter()
                .find(|(k, _)| *k == field)
                .unwrap()
                .1,
        ),
        Err(k) => Out::Error(kind_name(k)),
    })
}

/// The metrics of a returns state, by name (the Python door's dict keys).
fn state_metrics(m: &StateMetrics) -> [(&'static str, f64); 12] {
    [
        ("n", m.n as f64),
        ("mean", m.mean),
        ("std", m.std),
        ("sharpe_ratio", m.sharpe_ratio),
        ("sortino_ratio", m.sortino_ratio),
        ("max_drawdown", m.max_drawdown),
        ("annual_return", m.annual_return),
        ("annual_volatility", m.annual_volatility),
        ("calmar_ratio", m.calmar_ratio),
        ("cum_return", m.cum_return),
        ("best", m.best),
        ("worst", m.worst),
    ]
}

/// sha256 of bytes, lower-case hex (through the registry's file hasher: no
/// extra dependency for one test).
fn sha256_hex(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("page.html");
    std::fs::write(&p, bytes).unwrap();
    tradewarden_inference::registry::sha256_file(&p).unwrap()
}

fn expect_of(out: &Out) -> Value {
    let values = |m: &BTreeMap<String, f64>| -> Map<String, Value> {
        m.iter().map(|(k, v)| (k.clone(), enc(*v))).collect()
    };
    match out {
        Out::Value(x) => json!({ "value": enc(*x) }),
        Out::Values(m) => json!({ "values": values(m) }),
        Out::ValuesText(m, t) => json!({ "values": values(m), "text": t }),
        Out::Document(d) => json!({ "document": d }),
        Out::Sha256(h) => json!({ "sha256": h }),
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
        (Out::Document(d), e) if e.get("document").is_some() => (&e["document"] == d)
            .then_some(())
            .ok_or(format!("{id}: document {d}, expected {}", e["document"])),
        (Out::Sha256(h), e) if e.get("sha256").is_some() => (e["sha256"] == json!(h))
            .then_some(())
            .ok_or(format!("{id}: sha256 {h}, expected {}", e["sha256"])),
        (Out::ValuesText(m, t), e) if e.get("text").is_some() => {
            if e["text"] != json!(t) {
                return Err(format!("{id}: text {t}, expected {}", e["text"]));
            }
            check(
                &json!({"id": id, "expect": {"values": e["values"]}}),
                &Out::Values(m.clone()),
                bound,
            )
        }
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
    s += &format!(" \"c_summary_ulps\": {},\n", doc["c_summary_ulps"]);
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
        let mut answers: Map<String, Value> = doc["cases"]
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
        // C answers the other metrics with fields of tw_summary: the Rust
        // summary's field is its bit-for-bit reference (`ID@tw_summary`).
        for c in doc["cases"].as_array().unwrap() {
            if let Some(a) = summary_field(c, &inputs) {
                let id = format!("{}@tw_summary", c["id"].as_str().unwrap());
                answers.insert(id, expect_of(&a));
            }
        }
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

/// The state cases hold the merged parts and the whole series: their metrics
/// agree (counts, best and worst exactly; the moments up to rounding — the
/// pairwise merge is not the one-pass sum), and the state read back from its
/// bytes equals the merged state bit for bit.
#[test]
fn state_cases_merge_to_the_whole() {
    let text = std::fs::read_to_string(path()).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut n = 0;
    for case in doc["cases"].as_array().unwrap() {
        let Some(values) = (case["fn"] == "returns.state")
            .then(|| case["expect"].get("values"))
            .flatten()
            .and_then(Value::as_object)
        else {
            continue;
        };
        n += 1;
        // a constant series' std is rounding noise (~1e-18) in both: not comparable
        let degenerate = num(&values["whole.std"]).abs() <= 1e-12;
        for (k, whole) in values.iter().filter(|(k, _)| k.starts_with("whole.")) {
            let name = &k["whole.".len()..];
            if degenerate && matches!(name, "std" | "annual_volatility" | "sharpe_ratio") {
                continue;
            }
            let (w, m) = (num(whole), num(&values[&format!("merged.{name}")]));
            let loaded = num(&values[&format!("loaded.{name}")]);
            let id = case["id"].as_str().unwrap();
            assert_eq!(
                loaded.to_bits(),
                m.to_bits(),
                "{id} {name}: bytes round trip"
            );
            let exact = matches!(name, "n" | "best" | "worst");
            let close = (w.is_nan() && m.is_nan())
                || w == m
                || (!exact && (w - m).abs() <= 1e-9 * w.abs().max(1e-12));
            assert!(close, "{id} {name}: merged {m:e}, whole {w:e}");
        }
    }
    assert!(n >= 8, "only {n} state cases with values");
}
