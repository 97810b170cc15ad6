//! The deterministic mergeable quantile summary of the bounded job's pass 1
//! (issue 22): R̂(x) ≤ R(x) ≤ R̂(x) + e at every x, e < n/m for partitions
//! of m items merged, merges exactly associative and commutative (the same
//! bytes in any order), `compress` keeps the bound it states, and the binary
//! form is validated.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tradewarden_core::NanPolicy;
use tradewarden_drift::state::RankSummary;
use tradewarden_drift::{Artefact, Error};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -50.0..50.0f64,
        3 => (-12i32..12).prop_map(|i| f64::from(i) * 0.5),
        1 => Just(-0.0f64),
    ]
}

fn parts(v: &[f64], cuts: &[f64]) -> Vec<Vec<f64>> {
    let mut pos: Vec<usize> = cuts.iter().map(|f| (f * v.len() as f64) as usize).collect();
    pos.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for p in pos.into_iter().chain([v.len()]) {
        out.push(v[start..p.max(start)].to_vec());
        start = p.max(start);
    }
    out
}

fn exact_rank(v: &[f64], x: f64) -> u64 {
    v.iter().filter(|&&y| y <= x).count() as u64
}

fn check_bounds(s: &RankSummary, v: &[f64]) -> Result<(), TestCaseError> {
    let mut probes: Vec<f64> = v.to_vec();
    probes.extend(v.iter().map(|x| x + 0.25));
    probes.extend([-1e9, 1e9]);
    for x in probes {
        let (lo, hi) = s.rank_bounds(x);
        let r = exact_rank(v, x);
        prop_assert!(
            lo <= r && r <= hi,
            "R({}) = {} not in [{}, {}]",
            x,
            r,
            lo,
            hi
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn merged_summaries_bound_every_rank(
        v in prop::collection::vec(value(), 1..800),
        cuts in prop::collection::vec(0.0..1.0f64, 0..6),
        items in 1usize..50,
        compress_to in 1usize..30,
    ) {
        let ps = parts(&v, &cuts);
        let sums: Vec<RankSummary> = ps
            .iter()
            .map(|p| RankSummary::from_values(p, items, NanPolicy::Error).unwrap())
            .collect();
        let refs: Vec<&RankSummary> = sums.iter().collect();
        let merged = RankSummary::merge_all(&refs).unwrap();
        let n = v.len() as u64;
        prop_assert_eq!(merged.n(), n);
        check_bounds(&merged, &v)?;
        // e = Σ (⌈nₚ/m⌉ − 1) < n/m
        let stated: u64 = ps.iter().map(|p| (p.len() as u64).div_ceil(items as u64).saturating_sub(1)).sum();
        prop_assert_eq!(merged.rank_error(), stated);
        prop_assert!(merged.rank_error() == 0 || (merged.rank_error() as f64) < n as f64 / items as f64);
        // any order: the same bytes
        let mut rev = refs.clone();
        rev.reverse();
        prop_assert_eq!(RankSummary::merge_all(&rev).unwrap().to_bytes(), merged.to_bytes());
        // exact min and max
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min) + 0.0;
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max) + 0.0;
        prop_assert_eq!(merged.min_max(), Some((lo, hi)));
        prop_assert_eq!(merged.quantile(1.0).unwrap(), hi);
        // the binary form round-trips
        prop_assert_eq!(&RankSummary::from_bytes(&merged.to_bytes()).unwrap(), &merged);
        // points: ranks straddle their targets within e
        let cells = compress_to + 3;
        let pts = merged.points(cells).unwrap();
        prop_assert!(pts.len() <= cells && pts.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(*pts.last().unwrap(), hi);
        // compression: at most m' items, the error grows by < n/m'
        let mut c = merged.clone();
        c.compress(compress_to).unwrap();
        prop_assert!(c.len() <= compress_to);
        let added = c.rank_error() - merged.rank_error();
        prop_assert!(added == 0 || (added as f64) < n as f64 / compress_to as f64, "added {}", added);
        check_bounds(&c, &v)?;
        prop_assert_eq!(c.min_max(), merged.min_max());
        // a tree node: the union, compressed only above 2·items
        let node = RankSummary::merge_node(&refs, compress_to).unwrap();
        let expect = if merged.len() > 2 * compress_to { &c } else { &merged };
        prop_assert_eq!(node.to_bytes(), expect.to_bytes());
        check_bounds(&node, &v)?;
    }

    #[test]
    fn edges_are_explicit_edges(v in prop::collection::vec(value(), 1..300), bins in 2usize..20, items in 1usize..40) {
        let s = RankSummary::from_values(&v, items, NanPolicy::Error).unwrap();
        let e = s.quantile_edges(bins).unwrap();
        prop_assert_eq!(e[0], f64::NEG_INFINITY);
        prop_assert_eq!(*e.last().unwrap(), f64::INFINITY);
        prop_assert!(e.windows(2).all(|w| w[0] < w[1]));
    }
}

/// Fuzz finding 7 (rank_summary_decode): a summary that already carries an
/// error (400 values in 16 items), compressed to one item, stated an error
/// above n, and its own bytes were refused as corrupt. The error is capped at
/// n (a rank is at most n); the bytes load back and the bounds still hold.
#[test]
fn compressing_to_few_items_keeps_loadable_bytes() {
    let v: Vec<f64> = (0..400).map(|i| f64::from((i * 37) % 101)).collect();
    for items in [16usize, 3, 1] {
        let mut s = RankSummary::from_values(&v, items, NanPolicy::Error).unwrap();
        for m in [1usize, 2] {
            s.compress(m).unwrap();
            assert!(s.rank_error() <= s.n());
            assert_eq!(RankSummary::from_bytes(&s.to_bytes()).unwrap(), s);
            for x in [-1.0, 0.0, 50.0, 100.0, 1e9] {
                let (lo, hi) = s.rank_bounds(x);
                let r = v.iter().filter(|&&y| y <= x).count() as u64;
                assert!(
                    lo <= r && r <= hi,
                    "items {items}, m {m}: R({x}) = {r} not in [{lo}, {hi}]"
                );
            }
        }
    }
    // four partitions of distinct values, one item each (e = 4 · 99), then
    // compressed to one item: uncapped, e would be 396 + 300 > n = 400
    let w: Vec<f64> = (0..400).map(f64::from).collect();
    let parts: Vec<RankSummary> = w
        .chunks(100)
        .map(|c| RankSummary::from_values(c, 1, NanPolicy::Error).unwrap())
        .collect();
    let refs: Vec<&RankSummary> = parts.iter().collect();
    let mut s = RankSummary::merge_all(&refs).unwrap();
    assert_eq!((s.rank_error(), s.len()), (396, 4));
    s.compress(1).unwrap();
    assert_eq!(s.rank_error(), 400);
    assert_eq!(RankSummary::from_bytes(&s.to_bytes()).unwrap(), s);
    let node = RankSummary::merge_node(&refs, 1).unwrap();
    assert_eq!(RankSummary::from_bytes(&node.to_bytes()).unwrap(), node);
}

/// Fuzz (rank_summary_decode smoke, session 12): with n past 2⁵³, q·n in
/// f64 rounded below n and `quantile(1.0)` answered a value below the
/// maximum. A hand-made TWRS with n = 2⁵⁶ + 200 and a last item of weight 3.
#[test]
fn quantile_one_is_the_maximum_for_huge_counts() {
    let n: u64 = (1 << 56) + 200;
    let mut p = Vec::new();
    for x in [n, 0, 0, (-5.0f64).to_bits(), 5.0f64.to_bits(), 2] {
        p.extend_from_slice(&x.to_le_bytes());
    }
    for (v, w) in [(4.75f64, n - 3), (5.0, 3)] {
        p.extend_from_slice(&v.to_bits().to_le_bytes());
        p.extend_from_slice(&w.to_le_bytes());
    }
    let mut b = b"TWRS".to_vec();
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&(p.len() as u64).to_le_bytes());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in &p {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    b.extend_from_slice(&h.to_le_bytes());
    b.extend_from_slice(&p);
    let s = RankSummary::from_bytes(&b).unwrap();
    assert_eq!(s.n(), n);
    assert_eq!(s.quantile(1.0).unwrap(), 5.0);
    assert_eq!(s.quantile(0.5).unwrap(), 4.75);
}

#[test]
fn merge_node_refuses_bad_items_and_no_parts() {
    let s = RankSummary::from_values(&[1.0, 2.0], 4, NanPolicy::Error).unwrap();
    for items in [0, tradewarden_drift::state::MAX_SUMMARY_ITEMS + 1] {
        let e = RankSummary::merge_node(&[&s], items).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { param: "items", .. }),
            "{e}"
        );
    }
    assert!(matches!(
        RankSummary::merge_node(&[], 4).unwrap_err(),
        Error::TooFewValues { .. }
    ));
}

#[test]
fn small_partitions_are_exact_and_nan_follows_the_policy() {
    let v = [3.0, 1.0, 2.0, 2.0];
    let s = RankSummary::from_values(&v, 8, NanPolicy::Error).unwrap();
    assert_eq!((s.rank_error(), s.len()), (0, 3));
    assert_eq!(s.rank_bounds(2.0), (3, 3));
    let bad = [1.0, f64::NAN];
    assert!(matches!(
        RankSummary::from_values(&bad, 8, NanPolicy::Error),
        Err(Error::NonFinite { .. })
    ));
    let s = RankSummary::from_values(&bad, 8, NanPolicy::Skip).unwrap();
    assert_eq!((s.n(), s.nan_count()), (1, 1));
    assert!(RankSummary::from_values(&v, 0, NanPolicy::Error).is_err());
    let empty = RankSummary::from_values(&[], 8, NanPolicy::Error).unwrap();
    assert!(empty.is_empty() && empty.quantile(0.5).is_err() && empty.points(4).is_err());
    assert_eq!(RankSummary::from_bytes(&empty.to_bytes()).unwrap(), empty);
    // a constant feature gets the constant's edges
    let c = RankSummary::from_values(&[4.0; 10], 3, NanPolicy::Error).unwrap();
    assert_eq!(c.quantile_edges(10).unwrap().len(), 4);
}

fn resealed(mut b: Vec<u8>) -> Vec<u8> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in &b[24..] {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let len = (b.len() - 24) as u64;
    b[8..16].copy_from_slice(&len.to_le_bytes());
    b[16..24].copy_from_slice(&h.to_le_bytes());
    b
}

#[test]
fn corrupt_summaries_are_refused() {
    let v: Vec<f64> = (0..500).map(|i| f64::from((i * 37) % 101)).collect();
    let s = RankSummary::from_values(&v, 16, NanPolicy::Error).unwrap();
    let bytes = s.to_bytes();
    for cut in 0..bytes.len() {
        let e = RankSummary::from_bytes(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Corrupt {
                    artefact: Artefact::RankSummary,
                    ..
                }
            ),
            "cut {cut}: {e}"
        );
    }
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        assert!(RankSummary::from_bytes(&b).is_err(), "flip at {i} accepted");
    }
    // resealed mutations: never a panic; accepted only if it re-encodes the same
    for i in 24..bytes.len() {
        for x in [0u8, 1, 0x7f, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[i] = x;
            let b = resealed(b);
            if let Ok(v) = RankSummary::from_bytes(&b) {
                assert_eq!(v.to_bytes(), b);
            }
        }
    }
    // a weight changed, resealed: weights no longer sum to n
    let mut b = bytes.clone();
    let last = b.len() - 8;
    b[last] ^= 1;
    let e = RankSummary::from_bytes(&resealed(b)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Corrupt {
                artefact: Artefact::RankSummary,
                what: "n",
                ..
            }
        ),
        "{e}"
    );
    // another version
    let mut b = bytes;
    b[4..8].copy_from_slice(&9u32.to_le_bytes());
    assert!(matches!(
        RankSummary::from_bytes(&b).unwrap_err(),
        Error::Version {
            artefact: Artefact::RankSummary,
            found: 9,
            ..
        }
    ));
}
