//! Returns analytics beyond the empyrical test suite: values from
//! quantstats/empyrical on a seeded series (tests/data/peer_cases.json, made by
//! tests/scripts/gen_peer_cases.py), the fused summary against the individual
//! functions, bad input, and property tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::Value;
use tradewarden_core::returns::{self, AlphaMethod, Summary, SummaryOptions, VarMethod};
use tradewarden_core::{Classify, Error, ErrorKind, NanPolicy, Period, ReturnsOptions};

struct Peer {
    ts: Vec<i64>,
    r: Vec<f64>,
    b: Vec<f64>,
    e: Value,
}

fn peer() -> Peer {
    let text = include_str!("data/peer_cases.json");
    let v: Value = serde_json::from_str(text).unwrap();
    let f = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    Peer {
        ts: v["timestamps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect(),
        r: f("returns"),
        b: f("benchmark"),
        e: v["expected"].clone(),
    }
}

fn assert_close(name: &str, expected: f64, got: f64, rel: f64) {
    let tol = 1e-12 + rel * expected.abs();
    assert!(
        (expected - got).abs() <= tol,
        "{name}: expected {expected}, got {got} (|diff| = {})",
        (expected - got).abs()
    );
}

#[test]
fn quantstats_and_empyrical_values_on_seeded_series() {
    let p = peer();
    let o = ReturnsOptions::default();
    let e = |k: &str| p.e[k].as_f64().unwrap();
    let (r, b) = (&p.r[..], &p.b[..]);
    let checks: Vec<(&str, f64)> = vec![
        ("skew", returns::skew(r, &o).unwrap()),
        ("kurtosis", returns::kurtosis(r, &o).unwrap()),
        ("win_rate", returns::win_rate(r, &o).unwrap()),
        ("profit_factor", returns::profit_factor(r, &o).unwrap()),
        ("ulcer_index", returns::ulcer_index(r, &o).unwrap()),
        (
            "gaussian_var_05",
            returns::value_at_risk(r, 0.05, VarMethod::Gaussian, &o).unwrap(),
        ),
        (
            "gaussian_es_05",
            returns::conditional_value_at_risk(r, 0.05, VarMethod::Gaussian, &o).unwrap(),
        ),
        (
            "information_ratio",
            returns::information_ratio(r, b, &o).unwrap(),
        ),
        (
            "tracking_error_annual",
            returns::tracking_error(r, b, &o).unwrap(),
        ),
        (
            "alpha_arithmetic",
            returns::alpha(r, b, AlphaMethod::Arithmetic, &o).unwrap(),
        ),
        (
            "alpha_compound",
            returns::alpha(r, b, AlphaMethod::Compound, &o).unwrap(),
        ),
        ("beta", returns::beta(r, b, &o).unwrap()),
        (
            "benchmark_correlation",
            returns::benchmark_correlation(r, b, &o).unwrap(),
        ),
        ("sharpe", returns::sharpe_ratio(r, &o).unwrap()),
        ("sortino", returns::sortino_ratio(r, &o).unwrap()),
        ("max_drawdown", returns::max_drawdown(r, &o).unwrap()),
        ("annual_return", returns::annual_return(r, &o).unwrap()),
        (
            "annual_volatility",
            returns::annual_volatility(r, &o).unwrap(),
        ),
        ("calmar", returns::calmar_ratio(r, &o).unwrap()),
        ("omega", returns::omega_ratio(r, 0.0, &o).unwrap()),
        ("tail_ratio", returns::tail_ratio(r, &o).unwrap()),
        (
            "var_hist_05",
            returns::value_at_risk(r, 0.05, VarMethod::Historical, &o).unwrap(),
        ),
        (
            "cvar_hist_05",
            returns::conditional_value_at_risk(r, 0.05, VarMethod::Historical, &o).unwrap(),
        ),
        (
            "stability",
            returns::stability_of_timeseries(r, &o).unwrap(),
        ),
        ("downside_risk", returns::downside_risk(r, &o).unwrap()),
        ("excess_sharpe", returns::excess_sharpe(r, b, &o).unwrap()),
        ("up_capture", returns::up_capture(r, b, &o).unwrap()),
        ("down_capture", returns::down_capture(r, b, &o).unwrap()),
        ("capture", returns::capture(r, b, &o).unwrap()),
    ];
    for (name, got) in checks {
        assert_close(name, e(name), got, 1e-9);
    }
    let roll = returns::roll_sortino_ratio(r, 20, &o).unwrap();
    let exp: Vec<f64> = p.e["roll_sortino_20"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(roll.len(), exp.len());
    for (i, (a, g)) in exp.iter().zip(&roll).enumerate() {
        assert_close(&format!("roll_sortino_20[{i}]"), *a, *g, 1e-9);
    }
    let roll = returns::roll_beta(r, b, 20, &o).unwrap();
    let exp: Vec<f64> = p.e["roll_beta_20"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(roll.len(), exp.len());
    for (i, (a, g)) in exp.iter().zip(&roll).enumerate() {
        assert_close(&format!("roll_beta_20[{i}]"), *a, *g, 1e-9);
    }
}

#[test]
fn aggregate_returns_matches_empyrical() {
    let p = peer();
    let o = ReturnsOptions::default();
    for (name, period) in [
        ("weekly", Period::Weekly),
        ("monthly", Period::Monthly),
        ("yearly", Period::Yearly),
    ] {
        let got = returns::aggregate_returns(&p.r, &p.ts, period, &o).unwrap();
        let exp = p.e[format!("aggregate_{name}")].as_array().unwrap();
        assert_eq!(got.len(), exp.len(), "{name}");
        for (g, x) in got.iter().zip(exp) {
            let key: Vec<i64> = x[0]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            assert_eq!(g.year as i64, key[0], "{name}");
            if key.len() > 1 {
                assert_eq!(g.period as i64, key[1], "{name}");
            }
            assert_close(name, x[1].as_f64().unwrap(), g.value, 1e-12);
        }
    }
    let e = returns::aggregate_returns(&p.r, &p.ts, Period::Daily, &o).unwrap_err();
    assert!(e.to_string().contains("convert_to"), "{e}");
    let mut ts = p.ts.clone();
    ts.swap(3, 4);
    let e = returns::aggregate_returns(&p.r, &ts, Period::Monthly, &o).unwrap_err();
    assert!(e.to_string().contains("timestamps"), "{e}");
}

fn rel_eq(a: f64, b: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn summary_equals_individual_functions() {
    let p = peer();
    for policy in [NanPolicy::Error, NanPolicy::Skip] {
        let mut r = p.r.clone();
        let mut b = p.b.clone();
        if policy == NanPolicy::Skip {
            r[10] = f64::NAN;
            b[40] = f64::NAN;
        }
        let o = ReturnsOptions {
            nan_policy: policy,
            risk_free: 0.0001,
            ..Default::default()
        };
        let so = SummaryOptions {
            returns: o,
            ..Default::default()
        };
        let s = Summary::compute(&r, Some(&b), &so).unwrap();
        let tol = 1e-10;
        let pairs = [
            (
                "sharpe",
                s.sharpe_ratio,
                returns::sharpe_ratio(&r, &o).unwrap(),
            ),
            (
                "sortino",
                s.sortino_ratio,
                returns::sortino_ratio(&r, &o).unwrap(),
            ),
            (
                "mdd",
                s.max_drawdown,
                returns::max_drawdown(&r, &o).unwrap(),
            ),
            (
                "annual_return",
                s.annual_return,
                returns::annual_return(&r, &o).unwrap(),
            ),
            (
                "vol",
                s.annual_volatility,
                returns::annual_volatility(&r, &o).unwrap(),
            ),
            (
                "downside",
                s.downside_risk,
                returns::downside_risk(&r, &o).unwrap(),
            ),
            (
                "calmar",
                s.calmar_ratio,
                returns::calmar_ratio(&r, &o).unwrap(),
            ),
            (
                "omega",
                s.omega_ratio,
                returns::omega_ratio(&r, 0.0, &o).unwrap(),
            ),
            ("tail", s.tail_ratio, returns::tail_ratio(&r, &o).unwrap()),
            (
                "var",
                s.value_at_risk,
                returns::value_at_risk(&r, 0.05, VarMethod::Historical, &o).unwrap(),
            ),
            (
                "cvar",
                s.conditional_value_at_risk,
                returns::conditional_value_at_risk(&r, 0.05, VarMethod::Historical, &o).unwrap(),
            ),
            (
                "gvar",
                s.gaussian_value_at_risk,
                returns::value_at_risk(&r, 0.05, VarMethod::Gaussian, &o).unwrap(),
            ),
            (
                "ges",
                s.gaussian_expected_shortfall,
                returns::conditional_value_at_risk(&r, 0.05, VarMethod::Gaussian, &o).unwrap(),
            ),
            ("skew", s.skew, returns::skew(&r, &o).unwrap()),
            ("kurt", s.kurtosis, returns::kurtosis(&r, &o).unwrap()),
            (
                "stability",
                s.stability,
                returns::stability_of_timeseries(&r, &o).unwrap(),
            ),
            ("win", s.win_rate, returns::win_rate(&r, &o).unwrap()),
            ("hit", s.hit_rate, returns::hit_rate(&r, &o).unwrap()),
            (
                "pf",
                s.profit_factor,
                returns::profit_factor(&r, &o).unwrap(),
            ),
            (
                "ulcer",
                s.ulcer_index,
                returns::ulcer_index(&r, &o).unwrap(),
            ),
            (
                "cum",
                s.cumulative_return,
                returns::cum_returns_final(&r, 0.0, &o).unwrap(),
            ),
        ];
        for (name, a, b) in pairs {
            assert!(
                rel_eq(a, b, tol),
                "{policy:?} {name}: summary {a} vs function {b}"
            );
        }
        let bs = s.benchmark.unwrap();
        let bp = [
            ("beta", bs.beta, returns::beta(&r, &b, &o).unwrap()),
            (
                "alpha",
                bs.alpha,
                returns::alpha(&r, &b, AlphaMethod::Compound, &o).unwrap(),
            ),
            (
                "te",
                bs.tracking_error,
                returns::tracking_error(&r, &b, &o).unwrap(),
            ),
            (
                "ir",
                bs.information_ratio,
                returns::information_ratio(&r, &b, &o).unwrap(),
            ),
            (
                "corr",
                bs.benchmark_correlation,
                returns::benchmark_correlation(&r, &b, &o).unwrap(),
            ),
            (
                "bench cagr",
                bs.benchmark_annualised_return,
                returns::annual_return(&b, &o).unwrap(),
            ),
        ];
        for (name, a, b) in bp {
            assert!(
                rel_eq(a, b, tol),
                "{policy:?} {name}: summary {a} vs function {b}"
            );
        }
        let keys = s.operations_keys();
        assert_eq!(keys.len(), 26);
        let core = returns::core_metrics(&r, &o).unwrap();
        assert!(rel_eq(core.sharpe_ratio, s.sharpe_ratio, 1e-15));
    }
}

#[test]
fn degenerate_inputs_follow_empyrical() {
    let o = ReturnsOptions::default();
    // zero variance: Sharpe is +inf for a positive constant, like empyrical
    let flat = [0.01; 9];
    assert_eq!(returns::sharpe_ratio(&flat, &o).unwrap(), f64::INFINITY);
    assert_eq!(
        returns::core_metrics(&flat, &o).unwrap().sharpe_ratio,
        f64::INFINITY
    );
    assert_eq!(returns::annual_volatility(&flat, &o).unwrap(), 0.0);
    // all-zero: 0/0
    assert!(returns::sharpe_ratio(&[0.0; 5], &o).unwrap().is_nan());
    // one value
    assert!(returns::sharpe_ratio(&[0.01], &o).unwrap().is_nan());
    assert!(returns::sortino_ratio(&[0.01], &o).unwrap().is_nan());
    let s = Summary::compute(&[0.01], None, &SummaryOptions::default()).unwrap();
    assert!(s.sharpe_ratio.is_nan() && s.max_drawdown == 0.0);
}

#[test]
fn bad_input_gives_typed_errors_naming_the_parameter() {
    let o = ReturnsOptions::default();
    let r = [0.01, -0.02, 0.03];
    let check = |e: Error, needle: &str, kind: ErrorKind| {
        assert!(
            e.to_string().contains(needle),
            "message {e:?} should name {needle}"
        );
        assert_eq!(e.kind(), kind);
    };
    check(
        returns::sharpe_ratio(&[], &o).unwrap_err(),
        "returns",
        ErrorKind::InvalidInput,
    );
    check(
        returns::max_drawdown(&[0.1, f64::NAN], &o).unwrap_err(),
        "returns[1] = NaN",
        ErrorKind::InvalidInput,
    );
    check(
        returns::sharpe_ratio(&[0.1, f64::INFINITY], &o).unwrap_err(),
        "returns[1] = inf",
        ErrorKind::InvalidInput,
    );
    check(
        returns::beta(&r, &[0.1, 0.2], &o).unwrap_err(),
        "factor_returns has 2",
        ErrorKind::InvalidInput,
    );
    check(
        returns::alpha_beta(&r, &[0.1, f64::NAN, 0.0], AlphaMethod::Compound, &o).unwrap_err(),
        "factor_returns[1]",
        ErrorKind::InvalidInput,
    );
    for bad in [0.0, -252.0, f64::NAN] {
        let ob = ReturnsOptions {
            period: Period::Custom(bad),
            ..o
        };
        check(
            returns::sharpe_ratio(&r, &ob).unwrap_err(),
            "annualization",
            ErrorKind::InvalidInput,
        );
        check(
            returns::core_metrics(&r, &ob).unwrap_err(),
            "annualization",
            ErrorKind::InvalidInput,
        );
    }
    // the historical (numpy percentile) method is defined on [0, 1], as empyrical uses it
    for bad in [-0.1, 1.5, f64::NAN] {
        check(
            returns::value_at_risk(&r, bad, VarMethod::Historical, &o).unwrap_err(),
            "cutoff",
            ErrorKind::InvalidInput,
        );
    }
    let (lo, hi) = (
        returns::value_at_risk(&r, 0.0, VarMethod::Historical, &o).unwrap(),
        returns::value_at_risk(&r, 1.0, VarMethod::Historical, &o).unwrap(),
    );
    let finite = r.iter().copied().filter(|v| v.is_finite());
    assert_eq!(lo, finite.clone().fold(f64::INFINITY, f64::min));
    assert_eq!(hi, finite.fold(f64::NEG_INFINITY, f64::max));
    for bad in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        check(
            returns::value_at_risk(&r, bad, VarMethod::Gaussian, &o).unwrap_err(),
            "cutoff",
            ErrorKind::InvalidInput,
        );
        check(
            returns::conditional_value_at_risk(&r, bad, VarMethod::Gaussian, &o).unwrap_err(),
            "cutoff",
            ErrorKind::InvalidInput,
        );
        let so = SummaryOptions {
            cutoff: bad,
            ..Default::default()
        };
        // Summary takes [0, 1] as the historical VaR does (its Gaussian fields are NaN at the ends)
        if bad == 0.0 || bad == 1.0 {
            assert!(Summary::compute(&r, None, &so).is_ok());
            continue;
        }
        check(
            Summary::compute(&r, None, &so).unwrap_err(),
            "cutoff",
            ErrorKind::InvalidInput,
        );
    }
    check(
        returns::roll_sharpe_ratio(&r, 0, &o).unwrap_err(),
        "window",
        ErrorKind::InvalidInput,
    );
    check(
        Summary::compute(&r, Some(&[0.0]), &SummaryOptions::default()).unwrap_err(),
        "benchmark",
        ErrorKind::InvalidInput,
    );
    check(
        Summary::compute(&r, Some(&[0.0, f64::NAN, 0.0]), &SummaryOptions::default()).unwrap_err(),
        "benchmark[1]",
        ErrorKind::InvalidInput,
    );
    check(
        returns::cum_returns(&r, f64::NAN, &o).unwrap_err(),
        "starting_value",
        ErrorKind::InvalidInput,
    );
    let mut short = vec![0.0; r.len() - 1];
    check(
        returns::cum_returns_into(&r, 0.0, &o, &mut short).unwrap_err(),
        "out",
        ErrorKind::InvalidInput,
    );
    check(
        returns::cum_returns_into(&[], 0.0, &o, &mut []).unwrap_err(),
        "returns",
        ErrorKind::InvalidInput,
    );
    // NaN policies
    let with_nan = [0.01, f64::NAN, 0.02, -0.01];
    let skip = ReturnsOptions {
        nan_policy: NanPolicy::Skip,
        ..o
    };
    let prop = ReturnsOptions {
        nan_policy: NanPolicy::Propagate,
        ..o
    };
    assert!(returns::sharpe_ratio(&with_nan, &skip).unwrap().is_finite());
    assert!(returns::sharpe_ratio(&with_nan, &prop).unwrap().is_nan());
    assert!(
        returns::core_metrics(&with_nan, &prop)
            .unwrap()
            .max_drawdown
            .is_nan()
    );
    let s = Summary::compute(
        &with_nan,
        None,
        &SummaryOptions {
            returns: skip,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((s.n, s.n_nan), (3, 1));
}

fn finite_returns() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-0.5f64..0.5, 1..200)
}

proptest! {
    #[test]
    fn no_panic_on_arbitrary_input(r in prop::collection::vec(prop::num::f64::ANY, 0..64), b in prop::collection::vec(prop::num::f64::ANY, 0..64), w in 0usize..70) {
        for policy in [NanPolicy::Error, NanPolicy::Skip, NanPolicy::Propagate] {
            let o = ReturnsOptions { nan_policy: policy, ..Default::default() };
            let _ = returns::sharpe_ratio(&r, &o);
            let _ = returns::sortino_ratio(&r, &o);
            let _ = returns::max_drawdown(&r, &o);
            let _ = returns::calmar_ratio(&r, &o);
            let _ = returns::omega_ratio(&r, 0.0, &o);
            let _ = returns::tail_ratio(&r, &o);
            let _ = returns::value_at_risk(&r, 0.05, VarMethod::Historical, &o);
            let _ = returns::conditional_value_at_risk(&r, 0.05, VarMethod::Gaussian, &o);
            let _ = returns::stability_of_timeseries(&r, &o);
            let _ = returns::ulcer_index(&r, &o);
            let _ = returns::core_metrics(&r, &o);
            let _ = Summary::compute(&r, None, &SummaryOptions { returns: o, ..Default::default() });
            let _ = Summary::compute(&r, Some(&b), &SummaryOptions { returns: o, ..Default::default() });
            let _ = returns::alpha_beta(&r, &b, AlphaMethod::Compound, &o);
            let _ = returns::batting_average(&r, &b, &o);
            let _ = returns::up_capture(&r, &b, &o);
            let _ = returns::roll_sharpe_ratio(&r, w, &o);
            let _ = returns::roll_alpha_beta(&r, &b, w, AlphaMethod::Compound, &o);
        }
    }

    #[test]
    fn sharpe_is_scale_invariant(r in finite_returns(), k in 0.01f64..100.0) {
        let o = ReturnsOptions::default();
        let s1 = returns::sharpe_ratio(&r, &o).unwrap();
        let scaled: Vec<f64> = r.iter().map(|x| x * k).collect();
        let s2 = returns::sharpe_ratio(&scaled, &o).unwrap();
        // Scaling changes the rounding of the mean by ~n·eps·mean|r| in
        // absolute terms: near a zero mean (Sharpe ~1e-6) that is more than
        // 1e-9 relative (the saved case: 6.3116896862e-6 vs …6925e-6, an
        // absolute 6e-15), so the bound has an absolute floor of 1e-10
        // (n ≤ 200 values in ±0.5: the rounding error is ≲ 1e-11 here).
        prop_assert!(
            rel_eq(s1, s2, 1e-9) || (s1 - s2).abs() <= 1e-10 || (s1.is_infinite() && s2.is_infinite()),
            "{} vs {}", s1, s2
        );
    }

    #[test]
    fn drawdown_is_non_positive_and_fused_agrees(r in finite_returns()) {
        let o = ReturnsOptions::default();
        let mdd = returns::max_drawdown(&r, &o).unwrap();
        prop_assert!((-1.0..=0.0).contains(&mdd));
        let core = returns::core_metrics(&r, &o).unwrap();
        prop_assert!((core.max_drawdown - mdd).abs() <= 1e-12);
        prop_assert!(rel_eq(core.annual_return, returns::annual_return(&r, &o).unwrap(), 1e-9));
        let dd = returns::drawdown_series(&r, &o).unwrap();
        prop_assert!(dd.iter().all(|d| *d <= 0.0));
    }
}

proptest! {
    /// `cum_returns_into` (the caller's buffer) gives `cum_returns`' values bit
    /// for bit, for every NaN policy and starting value.
    #[test]
    fn cum_returns_into_equals_cum_returns(
        r in prop::collection::vec(prop_oneof![9 => -0.5f64..0.5, 1 => Just(f64::NAN)], 1..300),
        sv in prop_oneof![Just(0.0), 1.0f64..1000.0],
        policy in prop_oneof![Just(NanPolicy::Skip), Just(NanPolicy::Propagate), Just(NanPolicy::Error)],
    ) {
        let o = ReturnsOptions { nan_policy: policy, ..ReturnsOptions::default() };
        let mut out = vec![7.0; r.len()];
        match returns::cum_returns(&r, sv, &o) {
            Ok(want) => {
                returns::cum_returns_into(&r, sv, &o, &mut out).unwrap();
                prop_assert_eq!(
                    want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                );
            }
            Err(e) => {
                let e2 = returns::cum_returns_into(&r, sv, &o, &mut out).unwrap_err();
                prop_assert_eq!(e.to_string(), e2.to_string());
            }
        }
    }
}
