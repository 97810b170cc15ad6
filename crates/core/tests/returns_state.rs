//! Mergeable returns state: states of consecutive partitions, merged in order
//! (left fold and balanced tree), equal the single-series functions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use tradewarden_core::returns::{self, ReturnsState};
use tradewarden_core::{Classify, ErrorKind, NanPolicy, ReturnsOptions};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= tol * b.abs().max(1e-12)
}

fn assert_matches(r: &[f64], cuts: &[usize], o: &ReturnsOptions) {
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < r.len()));
    bounds.push(r.len());
    bounds.sort_unstable();
    bounds.dedup();
    let parts: Vec<ReturnsState> = bounds
        .windows(2)
        .map(|w| ReturnsState::from_returns(&r[w[0]..w[1]], o).unwrap())
        .collect();
    let folded = ReturnsState::merge_all(&parts).unwrap();
    // Balanced tree: merge neighbours pairwise until one is left.
    let mut level = parts.clone();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|c| {
                if c.len() == 2 {
                    c[0].merge(&c[1]).unwrap()
                } else {
                    c[0].clone()
                }
            })
            .collect();
    }
    let whole = ReturnsState::from_returns(r, o).unwrap();
    for s in [&folded, &level[0], &whole] {
        let m = s.metrics(o).unwrap();
        let mdd = returns::max_drawdown(r, o).unwrap();
        assert!(
            close(m.max_drawdown, mdd, 1e-12),
            "mdd {} vs {mdd} (cuts {bounds:?})",
            m.max_drawdown
        );
        let sh = returns::sharpe_ratio(r, o).unwrap();
        assert!(
            close(m.sharpe_ratio, sh, 1e-9),
            "sharpe {} vs {sh}",
            m.sharpe_ratio
        );
        let so = returns::sortino_ratio(r, o).unwrap();
        assert!(
            close(m.sortino_ratio, so, 1e-9),
            "sortino {} vs {so}",
            m.sortino_ratio
        );
        let ar = returns::annual_return(r, o).unwrap();
        assert!(
            close(m.annual_return, ar, 1e-10),
            "annual return {} vs {ar}",
            m.annual_return
        );
        let av = returns::annual_volatility(r, o).unwrap();
        assert!(
            close(m.annual_volatility, av, 1e-10),
            "vol {} vs {av}",
            m.annual_volatility
        );
        let ca = returns::calmar_ratio(r, o).unwrap();
        assert!(
            close(m.calmar_ratio, ca, 1e-9),
            "calmar {} vs {ca}",
            m.calmar_ratio
        );
        let cr = returns::cum_returns_final(r, 0.0, o).unwrap();
        assert!(
            close(m.cum_return, cr, 1e-10),
            "cum {} vs {cr}",
            m.cum_return
        );
    }
}

#[test]
fn drawdown_straddling_partitions() {
    // Peak in the first part, trough in the third, recovery in the fourth.
    let r = [
        0.05, 0.02, -0.01, -0.03, -0.04, 0.01, -0.02, 0.06, 0.08, -0.01,
    ];
    let o = ReturnsOptions::default();
    for a in 0..r.len() {
        for b in a..r.len() {
            assert_matches(&r, &[a, b], &o);
        }
    }
    // Never regains the first peak.
    let down = [0.1, -0.05, 0.02, -0.05, 0.01, -0.02, 0.03, -0.01];
    for a in 0..down.len() {
        assert_matches(&down, &[a, a + 2, a + 5], &o);
    }
}

#[test]
fn required_return_risk_free_and_period() {
    let r: Vec<f64> = (0..500)
        .map(|i| ((i * 7919) % 200) as f64 / 5000.0 - 0.019)
        .collect();
    let o = ReturnsOptions {
        required_return: 0.001,
        risk_free: 0.0002,
        period: tradewarden_core::Period::Weekly,
        ..ReturnsOptions::default()
    };
    assert_matches(&r, &[13, 250, 251, 499], &o);
}

#[test]
fn nan_policies() {
    let r = [0.01, f64::NAN, -0.02, 0.03];
    let skip = ReturnsOptions {
        nan_policy: NanPolicy::Skip,
        ..ReturnsOptions::default()
    };
    assert_matches(&r, &[1, 2], &skip);
    let err = ReturnsState::from_returns(&r, &ReturnsOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("returns"), "{err}");
    // The position is counted over the whole stream.
    let mut s = ReturnsState::new(0.0).unwrap();
    s.extend(&[0.01, 0.02], NanPolicy::Error).unwrap();
    let before = s.clone();
    let e = s.extend(&[0.0, f64::NAN], NanPolicy::Error).unwrap_err();
    assert!(e.to_string().contains('3'), "{e}");
    assert_eq!(s, before, "a refused extend leaves the state unchanged");
    let prop = ReturnsOptions {
        nan_policy: NanPolicy::Propagate,
        ..ReturnsOptions::default()
    };
    let p = ReturnsState::from_returns(&r[..2], &prop)
        .unwrap()
        .merge(&ReturnsState::from_returns(&r[2..], &prop).unwrap())
        .unwrap();
    assert!(p.metrics(&prop).unwrap().sharpe_ratio.is_nan());
    // ±inf is refused under every policy.
    assert!(ReturnsState::from_returns(&[0.1, f64::INFINITY], &skip).is_err());
}

#[test]
fn bad_merges_and_empty() {
    let a = ReturnsState::new(0.0).unwrap();
    let b = ReturnsState::new(0.01).unwrap();
    let e = a.merge(&b).unwrap_err();
    assert!(e.to_string().contains("required_return"), "{e}");
    assert!(ReturnsState::new(f64::NAN).is_err());
    assert_eq!(
        a.metrics(&ReturnsOptions::default()).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let none: Vec<ReturnsState> = Vec::new();
    assert!(ReturnsState::merge_all(&none).is_err());
    let mut old = ReturnsState::new(0.0).unwrap();
    old.version = 99;
    assert_eq!(old.merge(&a).unwrap_err().kind(), ErrorKind::Unsupported);
    let o = ReturnsOptions {
        required_return: 0.5,
        ..ReturnsOptions::default()
    };
    assert!(
        ReturnsState::from_returns(&[0.1, 0.2], &ReturnsOptions::default())
            .unwrap()
            .metrics(&o)
            .is_err()
    );
}

#[test]
fn serde_round_trip() {
    let r = [0.01, -0.02, 0.03, -0.01, 0.02];
    let s = ReturnsState::from_returns(&r, &ReturnsOptions::default()).unwrap();
    let j = serde_json::to_string(&s).unwrap();
    let back: ReturnsState = serde_json::from_str(&j).unwrap();
    assert_eq!(s, back);
}

#[test]
fn pairs_stay_small_on_a_rising_series() {
    let r = vec![0.001; 10_000];
    let s = ReturnsState::from_returns(&r, &ReturnsOptions::default()).unwrap();
    assert!(s.pre_peak_lows.len() <= 1, "{:?}", s.pre_peak_lows);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn any_partition_merges_exactly(
        r in prop::collection::vec(-0.08f64..0.08, 2..300),
        cuts in prop::collection::vec(0usize..300, 0..8),
    ) {
        assert_matches(&r, &cuts, &ReturnsOptions::default());
    }
}

#[test]
fn bytes_round_trip_and_fail_closed() {
    let r = [0.01, -0.02, 0.015, 0.005, -0.03];
    let o = ReturnsOptions::default();
    let s = ReturnsState::from_returns(&r, &o).unwrap();
    let b = s.to_bytes().unwrap();
    assert_eq!(ReturnsState::from_bytes(&b).unwrap(), s);
    // the bytes are the serde JSON every door writes
    assert_eq!(b, serde_json::to_vec(&s).unwrap());
    // not a state: Corrupt; another version: Unsupported
    let err = ReturnsState::from_bytes(b"{\"version\":1}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert_eq!(
        ReturnsState::from_bytes(&b[..b.len() - 1])
            .unwrap_err()
            .kind(),
        ErrorKind::Corrupt
    );
    let mut v: serde_json::Value = serde_json::from_slice(&b).unwrap();
    v["version"] = serde_json::json!(2);
    let err = ReturnsState::from_bytes(&serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    // a state whose wealth overflowed (returns in percent) cannot be written
    let big = ReturnsState::from_returns(&[150.0; 400], &o).unwrap();
    assert_eq!(big.to_bytes().unwrap_err().kind(), ErrorKind::InvalidInput);
}
