//! KS two-sample against scipy reference cases (tests/data/scipy_cases.json).
#![allow(clippy::unwrap_used)]

mod common;

use tradewarden_core::NanPolicy;
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};

#[test]
fn ks_2samp_matches_scipy() {
    let doc = common::cases();
    let cases = doc["ks_2samp"].as_array().unwrap();
    assert!(cases.len() >= 300);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let a = common::gen_sample(&c["a"]);
        let b = common::gen_sample(&c["b"]);
        let alt = match c["alternative"].as_str().unwrap() {
            "two-sided" => Alternative::TwoSided,
            "less" => Alternative::Less,
            _ => Alternative::Greater,
        };
        let method = match c["method"].as_str().unwrap() {
            "auto" => KsMethod::Auto,
            "exact" => KsMethod::Exact,
            _ => KsMethod::Asymp,
        };
        let r = ks_2samp(&a, &b, alt, method, NanPolicy::Error).unwrap();
        let want_d = c["statistic"].as_f64().unwrap();
        let want_p = c["pvalue"].as_f64().unwrap();
        let ok = common::close(r.statistic, want_d, 1e-15, 1e-15)
            && common::close(r.pvalue, want_p, 1e-10, 1e-14)
            && r.statistic_location == c["statistic_location"].as_f64().unwrap()
            && i64::from(r.statistic_sign) == c["statistic_sign"].as_i64().unwrap();
        if !ok {
            failures.push(format!(
                "case {i}: n1={} n2={} {:?} {:?}: got D={} p={} loc={} sign={} ({:?}); scipy D={} p={} loc={} sign={}",
                a.len(), b.len(), alt, method, r.statistic, r.pvalue, r.statistic_location,
                r.statistic_sign, r.method_used, want_d, want_p, c["statistic_location"], c["statistic_sign"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
