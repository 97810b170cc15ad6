//! Bytes → a `RankSummary` (`TWRS`, `crates/drift/src/state/summary.rs`:
//! pass 1 of the bounded Dask job ships one per reference partition and
//! tree node, issue 22) → everything a decoded one is used for. Nothing may
//! panic or hang.
//!
//! First byte (mode, taken mod 2), then the payload: `0` the bytes as they
//! are, `1` the payload behind a valid header (magic, version, length,
//! FNV-1a), so that the payload's validation is reached without the fuzzer
//! forging a checksum.
//!
//! A decoded summary: decoding is canonical (re-encoding gives the input);
//! e ≤ n; `rank_bounds` is ordered, within [0, n] and non-decreasing in x,
//! 0 below the minimum and n (upper) at +inf; quantiles lie in [min, max]
//! and q = 1 is the maximum; `points(K)` are strictly increasing, at most K,
//! ending at the maximum; `quantile_edges` run from −inf to +inf strictly
//! increasing; an empty summary refuses all three. Merged with itself: n, e
//! and the NaN count double, the same items (equal values add), or the merge
//! is refused and leaves it unchanged. `compress(m)`: at most m items, same
//! n, min and max, the error grows by less than n/m (or refused, unchanged).
//! `merge_node` of two copies: at most m items when the union holds more
//! than 2m, else the union; it round-trips through its bytes.
//! `SketchGrid::from_summaries` on it: a grid whose points are the
//! summary's, or a typed refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradewarden_core::NanPolicy;
use tradewarden_drift::state::{RankSummary, SketchGrid};
use tradewarden_fuzz::wrap;

fn check_ranks(s: &RankSummary) {
    let n = s.n();
    let mut probes = vec![
        f64::NEG_INFINITY,
        f64::INFINITY,
        0.0,
        -0.0,
        f64::MAX,
        f64::MIN,
    ];
    if let Some((lo, hi)) = s.min_max() {
        probes.extend([lo, hi, lo / 2.0 + hi / 2.0]);
        for i in 0..=16 {
            probes.push(
                s.quantile(f64::from(i) / 16.0)
                    .expect("a non-empty summary has quantiles"),
            );
        }
    }
    probes.sort_unstable_by(f64::total_cmp);
    let mut last = (0u64, 0u64);
    for x in probes {
        let (lo, hi) = s.rank_bounds(x);
        assert!(
            lo <= hi && hi <= n,
            "rank_bounds({x}) = ({lo}, {hi}), n = {n}"
        );
        assert!(
            lo >= last.0 && hi >= last.1,
            "rank_bounds not monotone at {x}"
        );
        last = (lo, hi);
    }
    assert_eq!(s.rank_bounds(f64::NEG_INFINITY).0, 0);
    assert_eq!(s.rank_bounds(f64::INFINITY).1, n);
}

fn check_reads(s: &RankSummary) {
    let Some((min, max)) = s.min_max() else {
        assert!(s.quantile(0.5).is_err() && s.points(4).is_err() && s.quantile_edges(4).is_err());
        return;
    };
    assert!(min <= max);
    assert_eq!(s.quantile(1.0).expect("quantile"), max);
    for q in [0.0, 0.1, 0.5, 0.9] {
        let v = s.quantile(q).expect("quantile");
        assert!(
            min <= v && v <= max,
            "quantile({q}) = {v} outside [{min}, {max}]"
        );
    }
    for cells in [1usize, 2, 7, 64] {
        let p = s.points(cells).expect("points");
        assert!(
            !p.is_empty() && p.len() <= cells,
            "{} points for K = {cells}",
            p.len()
        );
        assert!(p.windows(2).all(|w| w[0] < w[1]), "points not increasing");
        assert_eq!(p.last().copied(), Some(max));
    }
    for bins in [2usize, 10] {
        let e = s.quantile_edges(bins).expect("edges");
        assert_eq!(e.first().copied(), Some(f64::NEG_INFINITY));
        assert_eq!(e.last().copied(), Some(f64::INFINITY));
        assert!(e.windows(2).all(|w| w[0] < w[1]), "edges not increasing");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        wrap(b"TWRS", rest)
    };
    let Ok(s) = RankSummary::from_bytes(&bytes) else {
        return;
    };
    assert_eq!(s.to_bytes(), bytes, "decoding is not canonical");
    assert!(s.rank_error() <= s.n());
    check_ranks(&s);
    check_reads(&s);

    // merged with itself
    let mut d = s.clone();
    match d.merge(&s) {
        Ok(()) => {
            assert_eq!(d.n(), 2 * s.n());
            assert_eq!(d.rank_error(), 2 * s.rank_error());
            assert_eq!(d.nan_count(), 2 * s.nan_count());
            assert_eq!(d.len(), s.len());
            assert_eq!(d.min_max(), s.min_max());
            check_ranks(&d);
        }
        Err(_) => assert_eq!(
            d.to_bytes(),
            s.to_bytes(),
            "a refused merge changed the summary"
        ),
    }

    // compressed
    for m in [1usize, 2, 16] {
        let mut c = s.clone();
        if c.compress(m).is_err() {
            // only the error count can overflow; the summary is unchanged
            assert_eq!(
                c.to_bytes(),
                s.to_bytes(),
                "a refused compress changed the summary"
            );
            continue;
        }
        assert!(c.len() <= m, "{} items after compress({m})", c.len());
        assert_eq!(
            (c.n(), c.nan_count(), c.min_max()),
            (s.n(), s.nan_count(), s.min_max())
        );
        let added = c.rank_error() - s.rank_error();
        // in integers: near u64::MAX the f64 quotient rounds (n − 6 vs n)
        assert!(
            added == 0 || u128::from(added) * (m as u128) < u128::from(s.n()),
            "compress({m}) added {added} with n = {}",
            s.n()
        );
        assert_eq!(
            RankSummary::from_bytes(&c.to_bytes()).expect("compressed bytes load"),
            c
        );
        check_ranks(&c);
        check_reads(&c);
    }

    // a tree node of two copies
    for m in [1usize, 3, 4096] {
        if let Ok(node) = RankSummary::merge_node(&[&s, &s], m) {
            if s.len() > 2 * m {
                assert!(node.len() <= m, "{} items in a node of m = {m}", node.len());
            } else {
                assert_eq!(node.len(), s.len());
            }
            assert_eq!(
                RankSummary::from_bytes(&node.to_bytes()).expect("node bytes load"),
                node
            );
            check_ranks(&node);
        }
    }

    // a grid from it
    match SketchGrid::from_summaries(&[("x", &s)], &[], 4, 16, NanPolicy::Skip) {
        Ok(g) => {
            let p = g.points("x").expect("the grid's feature");
            assert_eq!(p, s.points(16).expect("points").as_slice());
        }
        Err(e) => assert!(s.n() == 0, "a non-empty summary refused by the grid: {e}"),
    }
    assert!(RankSummary::merge_node(&[&s], 0).is_err());
});
