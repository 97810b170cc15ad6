//! Every `psr.`, `dsr.` and `mintrl.` case of
//! `../shared/reference/returns_cases.json` (BLdP paper formulas, quantstats,
//! jsharpe and ffn 1.4.1 values) through the Rust API, plus bad-input errors
//! and properties of the promotion statistics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tradewarden_core::returns::promotion::{
    PsrConvention, SharpeStats, deflated_sharpe_ratio, deflated_sharpe_ratio_from_stats,
    expected_max_sharpe, min_track_record_length, min_track_record_length_from_stats,
    probabilistic_sharpe_ratio, probabilistic_sharpe_ratio_from_stats,
};
use tradewarden_core::{Error, NanPolicy, ReturnsOptions};

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

fn nums(v: &Value) -> Vec<f64> {
    let v = match v {
        // numbers may be stored as a JSON string holding a list
        Value::String(s) => serde_json::from_str::<Value>(s).unwrap(),
        other => other.clone(),
    };
    v.as_array().unwrap().iter().map(num).collect()
}

fn fixture(root: &Value, name: &str) -> Value {
    root["fixtures"][name].clone()
}

fn check(id: &str, got: f64, case: &Value) {
    let expected = num(&case["expected"]);
    let tol = num(&case["tolerance_abs"]) + 1e-9 * expected.abs();
    assert!(
        (got - expected).abs() <= tol,
        "{id}: got {got:.17}, expected {expected:.17} (tol {tol:e})"
    );
}

fn opts() -> ReturnsOptions {
    ReturnsOptions::default()
}

/// Evaluates one case; returns false when the id is unknown (the test then fails).
fn run_case(root: &Value, case: &Value) -> bool {
    let id = case["id"].as_str().unwrap();
    let params = &case["params"];
    match id {
        "psr.bacon.sr*=0.quantstats" | "psr.bacon.sr*=0.1.paper" => {
            let r = nums(&fixture(root, "bacon_monthly")["values"]);
            let sr_star = num(&params["sr_star"]);
            let got =
                probabilistic_sharpe_ratio(&r, sr_star, PsrConvention::Paper, &opts()).unwrap();
            check(id, got, case);
        }
        "psr.bacon.sr*=0.jsharpe_variance_at_SR0" => {
            let r = nums(&fixture(root, "bacon_monthly")["values"]);
            assert_eq!(params["T"].as_u64(), Some(r.len() as u64));
            let got =
                probabilistic_sharpe_ratio(&r, 0.0, PsrConvention::VarianceAtBenchmark, &opts())
                    .unwrap();
            check(id, got, case);
        }
        "mintrl.bacon.sr*=0.alpha=0.05.paper" => {
            let r = nums(&fixture(root, "bacon_monthly")["values"]);
            let got = min_track_record_length(
                &r,
                num(&params["sr_star"]),
                num(&params["alpha"]),
                PsrConvention::Paper,
                &opts(),
            )
            .unwrap();
            check(id, got, case);
        }
        "mintrl.bacon.sr*=0.alpha=0.05.jsharpe" => {
            let r = nums(&fixture(root, "bacon_monthly")["values"]);
            let got =
                min_track_record_length(&r, 0.0, 0.05, PsrConvention::VarianceAtBenchmark, &opts())
                    .unwrap();
            check(id, got, case);
        }
        "dsr.paper_example" => {
            let ppy = num(&params["periods_per_year"]);
            let n_trials = params["N"].as_u64().unwrap() as usize;
            // annual variance of trial Sharpes → per period: divide by ppy
            let v_period = num(&params["V_annual"]) / ppy;
            let sr0 = expected_max_sharpe(n_trials, v_period.sqrt()).unwrap();
            let sr0_expected = num(&params["SR0_per_period"]);
            assert!(
                (sr0 - sr0_expected).abs() < 1e-12,
                "{id}: SR0 {sr0} vs {sr0_expected}"
            );
            let stats = SharpeStats {
                sharpe: num(&params["SR_annual"]) / ppy.sqrt(),
                n_obs: params["T"].as_u64().unwrap() as usize,
                skew: num(&params["skew"]),
                excess_kurtosis: num(&params["kurtosis_raw"]) - 3.0,
            };
            let got =
                deflated_sharpe_ratio_from_stats(&stats, n_trials, v_period, PsrConvention::Paper)
                    .unwrap();
            check(id, got, case);
        }
        "dsr.ffn.20_trials" => {
            let cols: Vec<Vec<f64>> = {
                let f = fixture(root, "dsr_trials_20x504");
                let c = match &f["columns"] {
                    Value::String(s) => serde_json::from_str::<Value>(s).unwrap(),
                    other => other.clone(),
                };
                c.as_array().unwrap().iter().map(nums).collect()
            };
            assert_eq!(cols.len(), params["N"].as_u64().unwrap() as usize);
            // trial Sharpes as ffn's calc_sharpe(annualize=False): mean / std(ddof=1)
            let trials: Vec<f64> = cols
                .iter()
                .map(|c| SharpeStats::from_returns(c, &opts()).unwrap().sharpe)
                .collect();
            let winner = params["winner"].as_u64().unwrap() as usize;
            let got = deflated_sharpe_ratio(&cols[winner], &trials, PsrConvention::Paper, &opts())
                .unwrap();
            check(id, got, case);
        }
        _ => return false,
    }
    true
}

#[test]
fn every_promotion_case_of_the_reference_file() {
    let root = reference();
    let cases: Vec<&Value> = root["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let id = c["id"].as_str().unwrap();
            id.starts_with("psr.") || id.starts_with("dsr.") || id.starts_with("mintrl.")
        })
        .collect();
    assert!(
        cases.len() >= 7,
        "expected at least 7 promotion cases, found {}",
        cases.len()
    );
    let unknown: Vec<&str> = cases
        .iter()
        .filter(|c| !run_case(&root, c))
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(unknown.is_empty(), "cases without a runner: {unknown:?}");
}

const BACON: [f64; 24] = [
    0.003, 0.026, 0.011, -0.01, 0.015, 0.025, 0.016, 0.067, -0.014, 0.04, -0.005, 0.081, 0.04,
    -0.037, -0.061, 0.017, -0.049, -0.022, 0.07, 0.058, -0.065, 0.024, -0.005, -0.009,
];

#[test]
fn stats_from_returns_match_pandas() {
    // pandas: s = pd.Series(BACON); s.mean()/s.std(), s.skew(), s.kurt()
    let s = SharpeStats::from_returns(&BACON, &opts()).unwrap();
    assert_eq!(s.n_obs, 24);
    assert!(
        (s.sharpe - 0.227_568_455_662_388_87).abs() < 1e-12,
        "{}",
        s.sharpe
    );
    assert!(
        (s.skew - (-0.088_171_749_349_675_31)).abs() < 1e-12,
        "{}",
        s.skew
    );
    assert!(
        (s.excess_kurtosis - (-0.407_660_321_186_086_9)).abs() < 1e-12,
        "{}",
        s.excess_kurtosis
    );
}

#[test]
fn psr_against_its_own_sharpe_is_one_half() {
    let s = SharpeStats::from_returns(&BACON, &opts()).unwrap();
    for c in [PsrConvention::Paper, PsrConvention::VarianceAtBenchmark] {
        let p = probabilistic_sharpe_ratio_from_stats(&s, s.sharpe, c).unwrap();
        assert!((p - 0.5).abs() < 1e-15);
    }
    // monotone in the benchmark
    let a = probabilistic_sharpe_ratio_from_stats(&s, -0.1, PsrConvention::Paper).unwrap();
    let b = probabilistic_sharpe_ratio_from_stats(&s, 0.1, PsrConvention::Paper).unwrap();
    assert!(a > b);
}

#[test]
fn psr_doc_example_value() {
    // normal moments, SR = 0.1, T = 250: scipy norm.cdf(0.1·√249/√1.005) = 0.942261266719699
    // (statrs' Φ agrees to ~3e-12)
    let s = SharpeStats {
        sharpe: 0.1,
        n_obs: 250,
        skew: 0.0,
        excess_kurtosis: 0.0,
    };
    let p = probabilistic_sharpe_ratio_from_stats(&s, 0.0, PsrConvention::Paper).unwrap();
    assert!((p - 0.942_261_266_719_699).abs() < 1e-10, "{p}");
}

#[test]
fn dsr_with_one_trial_is_psr_at_zero() {
    let s = SharpeStats::from_returns(&BACON, &opts()).unwrap();
    let psr = probabilistic_sharpe_ratio_from_stats(&s, 0.0, PsrConvention::Paper).unwrap();
    let dsr = deflated_sharpe_ratio(&BACON, &[s.sharpe], PsrConvention::Paper, &opts()).unwrap();
    assert_eq!(psr, dsr);
    assert_eq!(expected_max_sharpe(1, 0.3).unwrap(), 0.0);
    assert_eq!(expected_max_sharpe(50, 0.0).unwrap(), 0.0);
    // more trials → higher hurdle
    assert!(expected_max_sharpe(1000, 0.1).unwrap() > expected_max_sharpe(10, 0.1).unwrap());
}

#[test]
fn mintrl_is_infinite_when_sharpe_below_benchmark() {
    let s = SharpeStats::from_returns(&BACON, &opts()).unwrap();
    let m = min_track_record_length_from_stats(&s, 0.5, 0.05, PsrConvention::Paper).unwrap();
    assert_eq!(m, f64::INFINITY);
    // PSR evaluated at T = MinTRL equals 1 − α (paper convention)
    let t = min_track_record_length_from_stats(&s, 0.0, 0.05, PsrConvention::Paper).unwrap();
    let z = (s.sharpe) * (t - 1.0).sqrt()
        / (1.0 - s.skew * s.sharpe + (s.excess_kurtosis + 2.0) / 4.0 * s.sharpe * s.sharpe).sqrt();
    assert!((z - 1.644_853_626_951_472_2).abs() < 1e-9, "{z}");
}

#[test]
fn bad_input_is_a_typed_error_naming_the_parameter() {
    let o = opts();
    let p = PsrConvention::Paper;
    let msg = |e: Error| e.to_string();
    assert!(matches!(
        probabilistic_sharpe_ratio(&[], 0.0, p, &o).unwrap_err(),
        Error::Empty {
            param: "returns",
            ..
        }
    ));
    assert!(
        msg(probabilistic_sharpe_ratio(&[0.01, 0.02, 0.03], 0.0, p, &o).unwrap_err())
            .contains("returns")
    );
    assert!(
        msg(probabilistic_sharpe_ratio(&[0.01; 10], 0.0, p, &o).unwrap_err())
            .contains("zero variance")
    );
    let mut r = BACON.to_vec();
    r[3] = f64::NAN;
    assert!(matches!(
        probabilistic_sharpe_ratio(&r, 0.0, p, &o).unwrap_err(),
        Error::NonFinite {
            param: "returns",
            index: 3,
            ..
        }
    ));
    // NaN skipped / propagated on request
    let skip = o.with_nan_policy(NanPolicy::Skip);
    assert!(
        probabilistic_sharpe_ratio(&r, 0.0, p, &skip)
            .unwrap()
            .is_finite()
    );
    let prop = o.with_nan_policy(NanPolicy::Propagate);
    assert!(
        probabilistic_sharpe_ratio(&r, 0.0, p, &prop)
            .unwrap()
            .is_nan()
    );
    assert!(
        msg(probabilistic_sharpe_ratio(&BACON, f64::NAN, p, &o).unwrap_err())
            .contains("sr_benchmark")
    );
    for alpha in [0.0, 1.0, -0.1, f64::NAN] {
        let e = min_track_record_length(&BACON, 0.0, alpha, p, &o).unwrap_err();
        assert!(msg(e).contains("alpha"));
    }
    assert!(msg(expected_max_sharpe(0, 0.1).unwrap_err()).contains("n_trials"));
    assert!(msg(expected_max_sharpe(10, -0.1).unwrap_err()).contains("sr_std"));
    assert!(msg(deflated_sharpe_ratio(&BACON, &[], p, &o).unwrap_err()).contains("trial_sharpes"));
    assert!(
        msg(deflated_sharpe_ratio(&BACON, &[0.1, f64::NAN], p, &o).unwrap_err())
            .contains("trial_sharpes")
    );
    let s = SharpeStats::from_returns(&BACON, &o).unwrap();
    assert!(
        msg(deflated_sharpe_ratio_from_stats(&s, 10, -1.0, p).unwrap_err())
            .contains("trials_sr_variance")
    );
    let bad = SharpeStats { n_obs: 1, ..s };
    assert!(
        msg(probabilistic_sharpe_ratio_from_stats(&bad, 0.0, p).unwrap_err()).contains("n_obs")
    );
    let bad = SharpeStats {
        skew: f64::INFINITY,
        ..s
    };
    assert!(msg(probabilistic_sharpe_ratio_from_stats(&bad, 0.0, p).unwrap_err()).contains("skew"));
    // inconsistent moments: variance term ≤ 0
    let bad = SharpeStats {
        sharpe: 1.0,
        skew: 5.0,
        excess_kurtosis: -2.0,
        ..s
    };
    assert!(
        msg(probabilistic_sharpe_ratio_from_stats(&bad, 0.0, p).unwrap_err())
            .contains("excess_kurtosis")
    );
    let bad_opts = ReturnsOptions { ddof: 3, ..o };
    assert!(
        msg(probabilistic_sharpe_ratio(&BACON, 0.0, p, &bad_opts).unwrap_err()).contains("ddof")
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_panic_and_probabilities_in_unit_interval(
            r in proptest::collection::vec(-1.0f64..1.0, 0..60),
            sr in -2.0f64..2.0,
        ) {
            for c in [PsrConvention::Paper, PsrConvention::VarianceAtBenchmark] {
                if let Ok(p) = probabilistic_sharpe_ratio(&r, sr, c, &opts()) {
                    prop_assert!((0.0..=1.0).contains(&p));
                }
                if let Ok(p) = deflated_sharpe_ratio(&r, &[0.1, 0.2, sr], c, &opts()) {
                    prop_assert!((0.0..=1.0).contains(&p));
                }
                if let Ok(m) = min_track_record_length(&r, sr, 0.05, c, &opts()) {
                    prop_assert!(m >= 0.0);
                }
            }
        }

        #[test]
        fn psr_invariant_to_positive_scaling(k in 0.01f64..100.0) {
            let scaled: Vec<f64> = BACON.iter().map(|v| v * k).collect();
            let a = probabilistic_sharpe_ratio(&BACON, 0.05, PsrConvention::Paper, &opts()).unwrap();
            let b = probabilistic_sharpe_ratio(&scaled, 0.05, PsrConvention::Paper, &opts()).unwrap();
            prop_assert!((a - b).abs() < 1e-10);
        }
    }
}

#[test]
fn option_names_are_parsed_once_in_the_crate() {
    use tradewarden_core::returns::VarMethod;
    use tradewarden_core::{Classify, ErrorKind};
    assert_eq!(
        "paper".parse::<PsrConvention>().unwrap(),
        PsrConvention::Paper
    );
    for name in ["variance_at_benchmark", "jsharpe"] {
        assert_eq!(
            name.parse::<PsrConvention>().unwrap(),
            PsrConvention::VarianceAtBenchmark
        );
    }
    let e = "bogus".parse::<PsrConvention>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("convention"), "{e}");
    assert_eq!(
        "historical".parse::<VarMethod>().unwrap(),
        VarMethod::Historical
    );
    for name in ["gaussian", "parametric"] {
        assert_eq!(name.parse::<VarMethod>().unwrap(), VarMethod::Gaussian);
    }
    let e = "bogus".parse::<VarMethod>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("method"), "{e}");
}
