//! Every `emp.*` case of `../shared/reference/returns_cases.json` (values from
//! empyrical-reloaded 0.7.1's own test suite) through the Rust API, with
//! empyrical's NaN convention (`NanPolicy::Skip`).
//!
//! Deliberate difference: where empyrical returns NaN for an *empty* series,
//! tradewarden returns `Error::Empty` naming the parameter; those cases assert
//! that error instead of NaN (documented in docs/conventions.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use serde_json::Value;
use tradewarden_core::returns::{self, AlphaMethod};
use tradewarden_core::{Error, NanPolicy, Period, ReturnsOptions};

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/returns_cases.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("cannot read reference cases at {path}: {e} (shared/ must sit beside the checkout)")
    });
    serde_json::from_str(&text).expect("reference JSON parses")
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => panic!("not a number: {other}"),
    }
}

/// A fixture resolved to (offset in its date index, values).
#[derive(Clone)]
struct Series {
    offset: usize,
    values: Vec<f64>,
}

fn fixture(fixtures: &BTreeMap<String, Value>, name: &str) -> Series {
    let (base, start) = match name.find('[') {
        Some(i) => {
            let slice = &name[i + 1..name.len() - 1];
            let start: usize = slice
                .trim_end_matches(':')
                .parse()
                .expect("slice like [1:]");
            (&name[..i], start)
        }
        None => (name, 0),
    };
    let f = fixtures
        .get(base)
        .unwrap_or_else(|| panic!("fixture {base}"));
    let values: Vec<f64> = f["values"].as_array().unwrap().iter().map(num).collect();
    Series {
        offset: start,
        values: values[start..].to_vec(),
    }
}

/// Inner join of two fixtures on their date index (same start date and
/// frequency in every emp.* case, so the index is the position).
fn align(a: &Series, b: &Series) -> (Vec<f64>, Vec<f64>) {
    let lo = a.offset.max(b.offset);
    let hi = (a.offset + a.values.len()).min(b.offset + b.values.len());
    (
        a.values[lo - a.offset..hi - a.offset].to_vec(),
        b.values[lo - b.offset..hi - b.offset].to_vec(),
    )
}

fn close(expected: f64, got: f64, tol: f64) -> bool {
    if expected.is_nan() {
        return got.is_nan();
    }
    if expected.is_infinite() {
        return got == expected;
    }
    (expected - got).abs() <= tol + 1e-9 * expected.abs()
}

enum Outcome {
    Scalar(f64),
    Vector(Vec<f64>),
}

#[test]
fn empyrical_reference_cases() {
    let doc = reference();
    let fixtures: BTreeMap<String, Value> =
        serde_json::from_value(doc["fixtures"].clone()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        if !id.starts_with("emp.") {
            continue;
        }
        let call = case["call"].as_str().unwrap();
        let func = &call[..call.find('(').unwrap()];
        let params = case["params"].as_object().unwrap();
        let names: Vec<String> = case["fixtures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let tol = case["tolerance_abs"].as_f64().unwrap();
        let r = fixture(&fixtures, &names[0]);
        let period = params
            .get("period")
            .and_then(|p| p.as_str())
            .map(|p| Period::from_name(p).unwrap())
            .unwrap_or(Period::Daily);
        let mut opts = ReturnsOptions {
            period,
            nan_policy: NanPolicy::Skip,
            ..Default::default()
        };
        let second = |key: &str| -> Option<Series> {
            params
                .get(key)
                .and_then(|v| v.as_str())
                .map(|n| fixture(&fixtures, n))
        };
        let result: Result<Outcome, Error> = (|| {
            Ok(match func {
                "max_drawdown" => Outcome::Scalar(returns::max_drawdown(&r.values, &opts)?),
                "annual_return" => Outcome::Scalar(returns::annual_return(&r.values, &opts)?),
                "cagr" => Outcome::Scalar(returns::cagr(&r.values, &opts)?),
                "annual_volatility" => {
                    Outcome::Scalar(returns::annual_volatility(&r.values, &opts)?)
                }
                "calmar_ratio" => Outcome::Scalar(returns::calmar_ratio(&r.values, &opts)?),
                "sharpe_ratio" => Outcome::Scalar(match second("risk_free") {
                    Some(rf) => {
                        let (a, b) = align(&r, &rf);
                        returns::sharpe_ratio(&returns::excess_returns(&a, &b)?, &opts)?
                    }
                    None => {
                        opts.risk_free = params["risk_free"].as_f64().unwrap();
                        returns::sharpe_ratio(&r.values, &opts)?
                    }
                }),
                "downside_risk" | "sortino_ratio" => {
                    let f = if func == "downside_risk" {
                        returns::downside_risk
                    } else {
                        returns::sortino_ratio
                    };
                    Outcome::Scalar(match second("required_return") {
                        Some(rr) => {
                            let (a, b) = align(&r, &rr);
                            f(&returns::excess_returns(&a, &b)?, &opts)?
                        }
                        None => {
                            opts.required_return = params["required_return"].as_f64().unwrap();
                            f(&r.values, &opts)?
                        }
                    })
                }
                "omega_ratio" => {
                    opts.period = Period::Custom(params["annualization"].as_f64().unwrap());
                    let req = params["required_return"].as_f64().unwrap();
                    Outcome::Scalar(match second("risk_free") {
                        Some(rf) => {
                            let (a, b) = align(&r, &rf);
                            returns::omega_ratio(&returns::excess_returns(&a, &b)?, req, &opts)?
                        }
                        None => {
                            opts.risk_free = params["risk_free"].as_f64().unwrap();
                            returns::omega_ratio(&r.values, req, &opts)?
                        }
                    })
                }
                "excess_sharpe" => Outcome::Scalar(match second("factor_returns") {
                    Some(b) => {
                        let (x, y) = align(&r, &b);
                        returns::excess_sharpe(&x, &y, &opts)?
                    }
                    None => {
                        let c = params["factor_returns"].as_f64().unwrap();
                        let b = vec![c; r.values.len()];
                        returns::excess_sharpe(&r.values, &b, &opts)?
                    }
                }),
                "alpha_beta" | "up_alpha_beta" | "down_alpha_beta" => {
                    let b = if names.len() > 1 {
                        fixture(&fixtures, &names[1])
                    } else if call.contains("-r") {
                        Series {
                            offset: r.offset,
                            values: r.values.iter().map(|v| -v).collect(),
                        }
                    } else {
                        r.clone()
                    };
                    let (x, y) = align(&r, &b);
                    let f = match func {
                        "alpha_beta" => returns::alpha_beta,
                        "up_alpha_beta" => returns::up_alpha_beta,
                        _ => returns::down_alpha_beta,
                    };
                    let ab = f(&x, &y, AlphaMethod::Compound, &opts)?;
                    Outcome::Vector(vec![ab.alpha, ab.beta])
                }
                "stability_of_timeseries" => {
                    Outcome::Scalar(returns::stability_of_timeseries(&r.values, &opts)?)
                }
                "tail_ratio" => Outcome::Scalar(returns::tail_ratio(&r.values, &opts)?),
                "capture" | "up_capture" | "down_capture" => {
                    let b = fixture(&fixtures, &names[1]);
                    let (x, y) = align(&r, &b);
                    let f = match func {
                        "capture" => returns::capture,
                        "up_capture" => returns::up_capture,
                        _ => returns::down_capture,
                    };
                    Outcome::Scalar(f(&x, &y, &opts)?)
                }
                "cum_returns_final" => {
                    let sv = params["starting_value"].as_f64().unwrap();
                    Outcome::Scalar(returns::cum_returns_final(&r.values, sv, &opts)?)
                }
                "cum_returns" => Outcome::Vector(returns::cum_returns(&r.values, 0.0, &opts)?),
                "roll_max_drawdown" => {
                    let w = params["window"].as_u64().unwrap() as usize;
                    Outcome::Vector(returns::roll_max_drawdown(&r.values, w, &opts)?)
                }
                "roll_sharpe_ratio" => {
                    let w = params["window"].as_u64().unwrap() as usize;
                    Outcome::Vector(returns::roll_sharpe_ratio(&r.values, w, &opts)?)
                }
                "batting_average" => {
                    let b = fixture(&fixtures, &names[1]);
                    let (x, y) = align(&r, &b);
                    let ba = returns::batting_average(&x, &y, &opts)?;
                    Outcome::Vector(vec![ba.batting_average, ba.up_market, ba.down_market])
                }
                other => panic!("case {id}: no dispatcher for {other}"),
            })
        })();
        checked += 1;
        let expected = &case["expected"];
        match result {
            Err(Error::Empty { param, .. }) if r.values.is_empty() => {
                // Deliberate difference: typed error instead of NaN.
                assert!(
                    num(expected).is_nan(),
                    "{id}: empty input but expected {expected}"
                );
                assert_eq!(param, "returns");
            }
            Err(e) => failures.push(format!("{id}: error {e}")),
            Ok(Outcome::Scalar(v)) => {
                let e = num(expected);
                if !close(e, v, tol) {
                    failures.push(format!("{id}: expected {e}, got {v}"));
                }
            }
            Ok(Outcome::Vector(v)) => {
                let e: Vec<f64> = expected.as_array().unwrap().iter().map(num).collect();
                if e.len() != v.len() || e.iter().zip(&v).any(|(a, b)| !close(*a, *b, tol)) {
                    failures.push(format!("{id}: expected {e:?}, got {v:?}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 90, "only {checked} emp.* cases found");
}
