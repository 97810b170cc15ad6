//! A returns state is a loaded artefact (Python `to_bytes`, the Dask door,
//! C): `from_bytes` runs `ReturnsState::validate` on every decode and
//! `merge` on both operands. Every state a real series produces passes and
//! round-trips; a state with one field broken is refused as `Corrupt`,
//! naming that field and its value (issue 20).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Value, json};
use tradewarden_core::returns::ReturnsState;
use tradewarden_core::{Classify, ErrorKind, NanPolicy, ReturnsOptions};

fn opts(policy: NanPolicy, required_return: f64) -> ReturnsOptions {
    ReturnsOptions {
        nan_policy: policy,
        required_return,
        ..ReturnsOptions::default()
    }
}

/// Checks one produced state: it validates, and where it can be written its
/// bytes load back to the same state.
fn check(s: &ReturnsState) {
    s.validate()
        .unwrap_or_else(|e| panic!("a real state refused: {e}\n{s:?}"));
    if let Ok(b) = s.to_bytes() {
        let back = ReturnsState::from_bytes(&b)
            .unwrap_or_else(|e| panic!("a real state's bytes refused: {e}\n{s:?}"));
        assert_eq!(&back, s);
    }
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -0.2f64..0.2,
        2 => -3.0f64..3.0,
        1 => Just(f64::NAN),
        1 => Just(-1.0),
        1 => Just(0.0),
        1 => -1e-300f64..1e-300,
        1 => Just(0.05),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn every_real_state_validates_and_round_trips(
        r in prop::collection::vec(value(), 0..200),
        cuts in prop::collection::vec(0usize..200, 0..10),
        policy in prop_oneof![Just(NanPolicy::Skip), Just(NanPolicy::Propagate), Just(NanPolicy::Error)],
        req in prop_oneof![Just(0.0), -0.05f64..0.05],
    ) {
        let o = opts(policy, req);
        let r: Vec<f64> = if policy == NanPolicy::Error {
            r.into_iter().filter(|x| !x.is_nan()).collect()
        } else {
            r
        };
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied().filter(|&c| c < r.len()));
        bounds.push(r.len());
        bounds.sort_unstable();
        let parts: Vec<ReturnsState> = bounds
            .windows(2)
            .map(|w| ReturnsState::from_returns(&r[w[0]..w[1]], &o).unwrap())
            .collect();
        for p in &parts {
            check(p);
        }
        let folded = ReturnsState::merge_all(&parts).unwrap();
        check(&folded);
        let mut level = parts.clone();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|c| if c.len() == 2 { c[0].merge(&c[1]).unwrap() } else { c[0].clone() })
                .collect();
            for s in &level {
                check(s);
            }
        }
        let mut streamed = ReturnsState::new(req).unwrap();
        for w in bounds.windows(2) {
            streamed.extend(&r[w[0]..w[1]], policy).unwrap();
        }
        check(&streamed);
        check(&ReturnsState::from_returns(&r, &o).unwrap());
    }
}

fn real() -> ReturnsState {
    let r = [0.01, -0.02, 0.015, 0.03, -0.04, 0.02, 0.05, -0.01];
    ReturnsState::from_returns(&r, &ReturnsOptions::default()).unwrap()
}

/// The bytes of `s` with `field` replaced: refused as `Corrupt` naming the
/// field (`name`) and the value (`shown`).
fn refused(s: &ReturnsState, field: &str, v: Value, name: &str, shown: &str) {
    let mut j: Value = serde_json::from_slice(&s.to_bytes().unwrap()).unwrap();
    j[field] = v;
    let b = serde_json::to_vec(&j).unwrap();
    let e = ReturnsState::from_bytes(&b).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{field}: {e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("`{name}` = {shown}")),
        "{field}: the error does not name `{name}` = {shown}: {msg}"
    );
    // the same state in memory: merge refuses it too
    let bad: ReturnsState = serde_json::from_slice(&b).unwrap();
    assert_eq!(bad.validate().unwrap_err().kind(), ErrorKind::Corrupt);
    assert!(s.merge(&bad).is_err() && bad.merge(s).is_err());
}

#[test]
fn each_rule_refuses_a_mutated_field() {
    let s = real();
    assert!(s.validate().is_ok());
    let pairs = s.pre_peak_lows.clone();
    assert!(pairs.len() >= 2, "{pairs:?}");
    refused(&s, "poisoned", json!(true), "poisoned", "true");
    refused(&s, "n_nan", json!(u64::MAX), "n_nan", &u64::MAX.to_string());
    refused(
        &s,
        "n",
        json!(1),
        "pre_peak_lows",
        &format!("{} pairs", pairs.len()),
    );
    refused(&s, "best", Value::Null, "best", "null");
    refused(&s, "worst", Value::Null, "worst", "null");
    refused(&s, "worst", json!(0.5), "worst", "0.5");
    refused(&s, "mean", json!(0.9), "mean", "0.9");
    refused(&s, "mean", json!(-0.9), "mean", "-0.9");
    refused(&s, "m2", json!(-1e-3), "m2", "-0.001");
    refused(&s, "m2", json!(10.0), "m2", "10");
    refused(&s, "down2", json!(-1.0), "down2", "-1");
    refused(&s, "down2", json!(1.0), "down2", "1");
    refused(&s, "peak", json!(0.5), "peak", "0.5");
    refused(&s, "lowest", json!(1.5), "lowest", "1.5");
    refused(&s, "min_ratio", json!(1.5), "min_ratio", "1.5");
    refused(&s, "min_ratio", json!(1e-6), "min_ratio", "0.000001");
    refused(&s, "wealth", json!(100.0), "wealth", "100");
    refused(&s, "wealth", json!(0.001), "wealth", "0.001");
    let (m0, l0) = pairs[0];
    let (m1, l1) = pairs[1];
    refused(
        &s,
        "pre_peak_lows",
        json!([[m1, l0], [m0, l1]]),
        "pre_peak_lows[1]",
        &format!("({m0}, {l1})"),
    );
    refused(
        &s,
        "pre_peak_lows",
        json!([[m0, l1], [m1, l0]]),
        "pre_peak_lows[1]",
        &format!("({m1}, {l0})"),
    );
    refused(
        &s,
        "pre_peak_lows",
        json!([[0.5, l0]]),
        "pre_peak_lows[0]",
        &format!("(0.5, {l0})"),
    );
    refused(
        &s,
        "pre_peak_lows",
        json!([[1e9, l0]]),
        "pre_peak_lows[0]",
        &format!("(1000000000, {l0})"),
    );
    refused(
        &s,
        "pre_peak_lows",
        json!([[m0, 1.5]]),
        "pre_peak_lows[0]",
        &format!("({m0}, 1.5)"),
    );
    refused(
        &s,
        "pre_peak_lows",
        json!([[m0, 0.1]]),
        "pre_peak_lows[0]",
        &format!("({m0}, 0.1)"),
    );

    // one value: m2 = 0, mean = best = worst
    let one = ReturnsState::from_returns(&[0.02], &ReturnsOptions::default()).unwrap();
    refused(&one, "m2", json!(1e-9), "m2", "0.000000001");
    refused(&one, "mean", json!(0.019), "mean", "0.019");
    // required return at or below the worst value: no downside
    let up = ReturnsState::from_returns(&[0.01, 0.02], &ReturnsOptions::default()).unwrap();
    refused(&up, "down2", json!(1e-9), "down2", "0.000000001");

    // n = 0: the empty state's values
    let empty = ReturnsState::from_returns(&[f64::NAN], &opts(NanPolicy::Skip, 0.0)).unwrap();
    assert!(empty.validate().is_ok());
    for (field, v, shown) in [
        ("mean", json!(0.1), "0.1"),
        ("m2", json!(0.1), "0.1"),
        ("down2", json!(0.1), "0.1"),
        ("wealth", json!(2.0), "2"),
        ("peak", json!(2.0), "2"),
        ("min_ratio", json!(0.5), "0.5"),
        ("lowest", json!(0.5), "0.5"),
        ("best", json!(0.1), "0.1"),
        ("worst", json!(0.1), "0.1"),
    ] {
        refused(&empty, field, v, field, shown);
    }
    refused(
        &empty,
        "pre_peak_lows",
        json!([[1.5, 1.0]]),
        "pre_peak_lows",
        "1 pairs",
    );
}

#[test]
fn json_holds_no_non_finite_number_and_a_version_is_checked_first() {
    let s = real();
    let mut j: Value = serde_json::from_slice(&s.to_bytes().unwrap()).unwrap();
    let text = serde_json::to_string(&j).unwrap();
    // 1e999 does not load as +inf
    let inf = text.replacen(&format!("\"m2\":{}", j["m2"]), "\"m2\":1e999", 1);
    assert_ne!(inf, text);
    assert_eq!(
        ReturnsState::from_bytes(inf.as_bytes()).unwrap_err().kind(),
        ErrorKind::Corrupt
    );
    j["version"] = json!(7);
    j["m2"] = json!(-1.0);
    let e = ReturnsState::from_bytes(&serde_json::to_vec(&j).unwrap()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    // a non-finite required return built in memory
    let mut m = s.clone();
    m.required_return = f64::NAN;
    assert!(
        m.validate()
            .unwrap_err()
            .to_string()
            .contains("`required_return` = NaN")
    );
}

#[test]
fn merge_refuses_mixed_nan_policies_and_count_overflow() {
    let r = [0.01, f64::NAN, -0.02];
    let skip = ReturnsState::from_returns(&r, &opts(NanPolicy::Skip, 0.0)).unwrap();
    let prop = ReturnsState::from_returns(&r, &opts(NanPolicy::Propagate, 0.0)).unwrap();
    let clean = ReturnsState::from_returns(&[0.01, 0.02], &ReturnsOptions::default()).unwrap();
    for (a, b) in [(&skip, &prop), (&prop, &skip)] {
        let e = a.merge(b).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("nan_policy"), "{e}");
    }
    // a state that saw no NaN shows no policy: it merges with either
    for s in [&skip, &prop] {
        check(&s.merge(&clean).unwrap());
        check(&clean.merge(s).unwrap());
    }
    assert!(skip.merge(&skip).is_ok() && prop.merge(&prop).is_ok());

    // counts near u64::MAX: a typed refusal, never a wrap or a panic
    let mut big = ReturnsState::from_returns(&[f64::NAN], &opts(NanPolicy::Skip, 0.0)).unwrap();
    big.n_nan = u64::MAX - 1;
    big.validate().unwrap();
    let e = big.merge(&big).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("n_nan"), "{e}");
    let e = big.merge(&clean).unwrap_err();
    assert!(e.to_string().contains("overflows"), "{e}");
    // metrics of such a state: no overflow either
    assert!(big.metrics(&opts(NanPolicy::Skip, 0.0)).is_ok());
}
