//! Bounded scorers whose grid comes from merged sketches (issue 22, the whole
//! job without gathering the reference): the KS interval holds the exact
//! `ks_2samp` statistic and is at most the stated rank bound wide; the
//! partitioned job equals the one-process job on the same grid bit for bit;
//! every decoded artefact is validated.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tradewarden_core::NanPolicy;
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden_drift::profile::{
    BinStrategy, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::FeatureData;
use tradewarden_drift::sketch::QuantileSketch;
use tradewarden_drift::state::{
    CellGrid, GridCounts, RankSummary, ScoreState, SketchGrid, StateScorer,
};
use tradewarden_drift::{Artefact, Error};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -50.0..50.0f64,
        3 => (-12i32..12).prop_map(|i| f64::from(i) * 0.5),
        1 => Just(-0.0f64),
    ]
}

/// Cuts `v` at sorted positions derived from `cuts` (fractions).
fn split<'a, T>(v: &'a [T], cuts: &[f64]) -> Vec<&'a [T]> {
    let mut pos: Vec<usize> = cuts.iter().map(|f| (f * v.len() as f64) as usize).collect();
    pos.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for p in pos.into_iter().chain([v.len()]) {
        out.push(&v[start..p.max(start)]);
        start = p.max(start);
    }
    out.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Categories (no missing value: a partition of missing values alone has no
/// categorical profile, as `CategoricalProfile::fit` says).
fn cats(v: &[u8]) -> Vec<Option<String>> {
    v.iter().map(|&i| Some(format!("c{i}"))).collect()
}

fn data<'a>(x: &'a [f64], c: &'a [Option<&'a str>]) -> Vec<(&'a str, FeatureData<'a>)> {
    vec![
        ("x", FeatureData::Numeric(x)),
        ("side", FeatureData::Categorical(c)),
    ]
}

/// The partitioned job: deterministic rank summaries (`items` each) per
/// reference partition (merged through their bytes), the grid, reference
/// parts and current states per partition (merged), the scorer; and the
/// merged summary's rank error.
fn partitioned(
    r: &[f64],
    rc: &[Option<&str>],
    c: &[f64],
    cc: &[Option<&str>],
    (rcuts, ccuts): (&[f64], &[f64]),
    (bins, cells, items): (usize, usize, usize),
) -> (SketchGrid, StateScorer, ScoreState, u64) {
    let mut start = 0;
    let rparts: Vec<(&[f64], &[Option<&str>])> = split(r, rcuts)
        .into_iter()
        .map(|p| {
            let k = &rc[start..start + p.len()];
            start += p.len();
            (p, k)
        })
        .collect();
    let mut summary: Option<RankSummary> = None;
    for (x, _) in &rparts {
        let s = RankSummary::from_values(x, items, NanPolicy::Error).unwrap();
        let s = RankSummary::from_bytes(&s.to_bytes()).unwrap(); // as the client receives it
        match &mut summary {
            Some(a) => a.merge(&s).unwrap(),
            None => summary = Some(s),
        }
    }
    let summary = summary.unwrap();
    let grid =
        SketchGrid::from_summaries(&[("x", &summary)], &["side"], bins, cells, NanPolicy::Error)
            .unwrap();
    let grid = SketchGrid::from_bytes(&grid.to_bytes()).unwrap(); // as a worker receives it
    let mut profiles = Vec::new();
    let mut counts = Vec::new();
    for (x, k) in &rparts {
        let (p, n) = grid.reference_part(&data(x, k)).unwrap();
        profiles.push(Profile::from_bytes(&p.to_bytes()).unwrap());
        counts.push(GridCounts::from_bytes(&n.to_bytes()).unwrap());
    }
    let mut state: Option<ScoreState> = None;
    let mut start = 0;
    for x in split(c, ccuts) {
        let k = &cc[start..start + x.len()];
        start += x.len();
        let s = ScoreState::from_bytes(&grid.state(&data(x, k)).unwrap().to_bytes()).unwrap();
        match &mut state {
            Some(a) => a.merge(&s).unwrap(),
            None => state = Some(s),
        }
    }
    let profile = Profile::merge_all(&profiles.iter().collect::<Vec<_>>()).unwrap();
    let counts = GridCounts::merge_all(&counts.iter().collect::<Vec<_>>()).unwrap();
    let scorer = StateScorer::from_grid_counts(profile, &grid, &counts).unwrap();
    (grid, scorer, state.unwrap(), summary.rank_error())
}

/// Every field of the bounds, floats by their bits.
fn bits(b: &[tradewarden_drift::state::KsBounds]) -> Vec<(String, Vec<u64>)> {
    b.iter()
        .map(|k| {
            let mut v = vec![
                k.statistic_lo.to_bits(),
                k.statistic_hi.to_bits(),
                k.pvalue_lo.to_bits(),
                k.pvalue_hi.to_bits(),
                k.psi.to_bits(),
                k.n_reference,
                k.n_current,
            ];
            v.extend(k.jensenshannon.map(f64::to_bits));
            (k.name.clone(), v)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Random reference/current, random partitions: the sketch-grid
    /// scorer's interval holds the exact KS D of all rows, its width is at
    /// most the stated rank bound, and the one-process job on the same grid
    /// gives the same states, intervals, PSI and JS bit for bit.
    #[test]
    fn interval_holds_exact_ks_and_equals_one_process(
        r in prop::collection::vec(value(), 2..600),
        rk in prop::collection::vec(0u8..8, 600),
        c in prop::collection::vec(value(), 1..600),
        ck in prop::collection::vec(0u8..8, 600),
        shift in -20.0..20.0f64,
        rcuts in prop::collection::vec(0.0..1.0f64, 0..5),
        ccuts in prop::collection::vec(0.0..1.0f64, 0..5),
        bins in 2usize..12,
        cells in 1usize..80,
        items in 1usize..40,
    ) {
        let c: Vec<f64> = c.iter().map(|x| x + shift.round() * 0.5).collect();
        let rcat = cats(&rk[..r.len()]);
        let ccat = cats(&ck[..c.len()]);
        let rc: Vec<Option<&str>> = rcat.iter().map(|s| s.as_deref()).collect();
        let cc: Vec<Option<&str>> = ccat.iter().map(|s| s.as_deref()).collect();
        let (grid, scorer, state, err) =
            partitioned(&r, &rc, &c, &cc, (&rcuts, &ccuts), (bins, cells, items));
        let got = scorer.ks_bounds(&state, PsiMode::default()).unwrap();
        // the raw statistic (the exact-p-value mode rounds D to a multiple of 1/lcm(n1, n2), ulps away)
        let exact = ks_2samp(&r, &c, Alternative::TwoSided, KsMethod::Asymp, NanPolicy::Error).unwrap();
        let bound = scorer.rank_bounds()["x"];
        prop_assert_eq!(got.len(), 1);
        let b = &got[0];
        prop_assert!(b.statistic_lo <= exact.statistic && exact.statistic <= b.statistic_hi,
            "D = {} not in [{}, {}]", exact.statistic, b.statistic_lo, b.statistic_hi);
        prop_assert!(b.statistic_hi - b.statistic_lo <= bound + 1e-12,
            "width {} > rank bound {}", b.statistic_hi - b.statistic_lo, bound);
        prop_assert!(bound <= 1.0);
        // the summary's guarantee: fewer than n/K + e + 1 reference values inside any open cell,
        // and e < n/m for partitions summarised with m items each
        let n = r.len() as u64;
        let inside = (bound * n as f64).round() as u64;
        prop_assert!(inside < n.div_ceil(cells as u64) + err, "{} inside, K = {}, e = {}", inside, cells, err);
        prop_assert!(err == 0 || (err as f64) < n as f64 / items as f64, "e = {} n = {} m = {}", err, n, items);
        // the same partitions: the same grid, bit for bit
        let (again, ..) = partitioned(&r, &rc, &c, &cc, (&rcuts, &ccuts), (bins, cells, items));
        prop_assert_eq!(again.to_bytes(), grid.to_bytes());
        prop_assert_eq!(scorer.grid(), CellGrid::Bounded { cells });
        // the one-process counterpart on the same grid
        let one = grid.scorer(&data(&r, &rc)).unwrap();
        let s1 = one.state(&data(&c, &cc)).unwrap();
        prop_assert_eq!(&s1, &state);
        let b1 = one.ks_bounds(&s1, PsiMode::default()).unwrap();
        prop_assert_eq!(bits(&b1), bits(&got));
        // PSI/JS equal the profile fitted on all rows with the grid's edges
        let edges = grid.edges("x").unwrap().to_vec();
        let o = ProfileOptions { bins: BinStrategy::Explicit { edges }, keep_reference: false, ..Default::default() };
        let p = NumericProfile::fit(&r, &o).unwrap();
        prop_assert_eq!(p.psi(&c, PsiMode::default()).unwrap().to_bits(), b.psi.to_bits());
        // the compact form round-trips to the same numbers
        let back = StateScorer::from_bytes(&scorer.to_bytes()).unwrap();
        prop_assert_eq!(bits(&back.ks_bounds(&state, PsiMode::default()).unwrap()), bits(&got));
        prop_assert_eq!(back.rank_bounds(), scorer.rank_bounds());
    }
}

fn small() -> (Vec<f64>, Vec<f64>) {
    let r: Vec<f64> = (0..3000)
        .map(|i| ((i * 7919) % 10_007) as f64 * 0.01)
        .collect();
    let c: Vec<f64> = (0..2000)
        .map(|i| ((i * 104_729) % 9_001) as f64 * 0.01 + 5.0)
        .collect();
    (r, c)
}

fn grid_of(r: &[f64], cells: usize) -> SketchGrid {
    SketchGrid::from_reference(
        &[("x", FeatureData::Numeric(r))],
        10,
        cells,
        NanPolicy::Error,
        200,
    )
    .unwrap()
}

#[test]
fn profile_grid_rank_bound_is_at_most_one_over_k() {
    let (r, _) = small();
    let o = ProfileOptions::default();
    let mut p = Profile::new();
    p.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(&r, &o).unwrap()),
    );
    for k in [1usize, 7, 64, 1000] {
        let s = StateScorer::new(p.clone(), CellGrid::Bounded { cells: k }).unwrap();
        assert!(s.rank_bounds()["x"] <= 1.0 / k as f64, "K = {k}");
    }
    let exact = StateScorer::new(p, CellGrid::Exact).unwrap();
    assert_eq!(exact.rank_bounds()["x"], 0.0);
}

#[test]
fn summary_grid_rank_bound_is_near_one_over_k() {
    let (r, _) = small();
    let g = grid_of(&r, 32);
    let s = g.scorer(&[("x", FeatureData::Numeric(&r))]).unwrap();
    let e = RankSummary::from_values(&r, 200, NanPolicy::Error)
        .unwrap()
        .rank_error();
    let n = r.len() as u64;
    assert!(e < n / 200 + 1);
    let b = s.rank_bounds()["x"];
    let inside = (b * n as f64).round() as u64;
    assert!(b > 0.0 && inside < n.div_ceil(32) + e, "bound {b}");
    assert!(g.points("x").unwrap().len() <= 32);
    // one process, the same reference: the same grid every time
    assert_eq!(grid_of(&r, 32).to_bytes(), g.to_bytes());
}

#[test]
fn kll_sketch_grid_rank_bound_is_near_one_over_k() {
    let (r, _) = small();
    let sk = QuantileSketch::from_values(&r, 200, NanPolicy::Error).unwrap();
    let g = SketchGrid::new(&[("x", &sk)], &[], 10, 32, NanPolicy::Error).unwrap();
    let s = g.scorer(&[("x", FeatureData::Numeric(&r))]).unwrap();
    let b = s.rank_bounds()["x"];
    assert!(
        b > 0.0 && b <= 1.0 / 32.0 + 2.0 * sk.rank_error_bound(),
        "bound {b}"
    );
}

#[test]
fn mismatched_artefacts_are_typed_errors() {
    let (r, c) = small();
    let g1 = grid_of(&r, 16);
    let g2 = grid_of(&r, 17);
    let x = [("x", FeatureData::Numeric(&r[..]))];
    let (p1, n1) = g1.reference_part(&x).unwrap();
    let (_, n2) = g2.reference_part(&x).unwrap();
    // counts of another grid
    let e = StateScorer::from_grid_counts(p1.clone(), &g2, &n1).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "counts",
                ..
            }
        ),
        "{e}"
    );
    assert!(matches!(
        GridCounts::merge_all(&[&n1, &n2]),
        Err(Error::Merge { .. })
    ));
    // a profile not fitted on the grid's edges
    let p = Profile::fit_features(
        &x,
        &ProfileOptions {
            keep_reference: false,
            ..Default::default()
        },
    )
    .unwrap();
    let e = StateScorer::from_grid_counts(p, &g1, &n1).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "profile",
                ..
            }
        ),
        "{e}"
    );
    // counts of part of the reference only
    let (_, half) = g1
        .reference_part(&[("x", FeatureData::Numeric(&r[..100]))])
        .unwrap();
    let e = StateScorer::from_grid_counts(p1.clone(), &g1, &half).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "counts",
                ..
            }
        ),
        "{e}"
    );
    // states of another grid do not merge and are not scored
    let s1 = g1.state(&[("x", FeatureData::Numeric(&c))]).unwrap();
    let s2 = g2.state(&[("x", FeatureData::Numeric(&c))]).unwrap();
    assert!(s1.clone().merge(&s2).is_err());
    let scorer = StateScorer::from_grid_counts(p1.clone(), &g1, &n1).unwrap();
    assert!(matches!(
        scorer.ks_bounds(&s2, PsiMode::default()),
        Err(Error::InvalidParameter { param: "state", .. })
    ));
    // ... nor against the profile itself (the state carries the grid's checksum)
    assert!(s1.ks_bounds(&p1, PsiMode::default()).is_err());
    // unknown feature, missing feature, wrong type
    assert!(matches!(
        g1.state(&[("y", FeatureData::Numeric(&c))]),
        Err(Error::UnknownFeature { .. })
    ));
    assert!(g1.reference_part(&[]).is_err());
    assert!(
        g1.state(&[("x", FeatureData::Categorical(&[Some("a")]))])
            .is_err()
    );
    // bad parameters
    let sk = QuantileSketch::from_values(&r, 200, NanPolicy::Error).unwrap();
    assert!(matches!(
        SketchGrid::new(&[("x", &sk)], &[], 10, 0, NanPolicy::Error),
        Err(Error::InvalidParameter { param: "cells", .. })
    ));
    assert!(matches!(
        SketchGrid::new(&[("x", &sk)], &[], 1, 8, NanPolicy::Error),
        Err(Error::InvalidParameter { param: "bins", .. })
    ));
    assert!(SketchGrid::new(&[("x", &sk)], &["x"], 10, 8, NanPolicy::Error).is_err());
    assert!(
        SketchGrid::new(
            &[("x", &QuantileSketch::new(200).unwrap())],
            &[],
            10,
            8,
            NanPolicy::Error
        )
        .is_err()
    );
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
fn corrupt_grid_and_counts_are_refused() {
    let (r, _) = small();
    let cat: Vec<Option<&str>> = (0..r.len()).map(|i| Some(["a", "b"][i % 2])).collect();
    let sk = QuantileSketch::from_values(&r, 200, NanPolicy::Error).unwrap();
    let g = SketchGrid::new(&[("x", &sk)], &["side"], 10, 16, NanPolicy::Skip).unwrap();
    let back = SketchGrid::from_bytes(&g.to_bytes()).unwrap();
    assert_eq!(back, g);
    assert_eq!(back.checksum(), g.checksum());
    let (_, n) = g.reference_part(&data(&r, &cat)).unwrap();
    assert_eq!(GridCounts::from_bytes(&n.to_bytes()).unwrap(), n);
    for (bytes, artefact) in [
        (g.to_bytes(), Artefact::SketchGrid),
        (n.to_bytes(), Artefact::GridCounts),
    ] {
        // every truncation, and every byte flipped (framing checksum catches it)
        for cut in 0..bytes.len() {
            let e = if artefact == Artefact::SketchGrid {
                SketchGrid::from_bytes(&bytes[..cut])
                    .map(|_| ())
                    .unwrap_err()
            } else {
                GridCounts::from_bytes(&bytes[..cut])
                    .map(|_| ())
                    .unwrap_err()
            };
            assert!(
                matches!(e, Error::Corrupt { artefact: a, .. } if a == artefact),
                "cut {cut}: {e}"
            );
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            let ok = if artefact == Artefact::SketchGrid {
                SketchGrid::from_bytes(&b).is_ok()
            } else {
                GridCounts::from_bytes(&b).is_ok()
            };
            assert!(!ok, "flip at {i} accepted");
        }
        // resealed mutations of the payload: never a panic, and a value
        // accepted only if it re-encodes to the same bytes
        for i in 24..bytes.len() {
            for x in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = x;
                let b = resealed(b);
                if artefact == Artefact::SketchGrid {
                    if let Ok(v) = SketchGrid::from_bytes(&b) {
                        assert_eq!(v.to_bytes(), b);
                    }
                } else if let Ok(v) = GridCounts::from_bytes(&b) {
                    assert_eq!(v.to_bytes(), b);
                }
            }
        }
    }
    // a semantically bad grid, resealed: points not increasing
    let mut b = g.to_bytes();
    let p = g.points("x").unwrap();
    let needle = p[1].to_bits().to_le_bytes();
    let at = b.windows(8).position(|w| w == needle).unwrap();
    b[at..at + 8].copy_from_slice(&p[0].to_bits().to_le_bytes());
    let e = SketchGrid::from_bytes(&resealed(b)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Corrupt {
                artefact: Artefact::SketchGrid,
                what: "points",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn arrow_batches_equal_the_values() {
    use arrow_array::{ArrayRef, Float32Array, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let (r, c) = small();
    let side: Vec<Option<&str>> = (0..r.len())
        .map(|i| [Some("buy"), Some("sell"), None][i % 3])
        .collect();
    let grid = SketchGrid::from_reference(&data(&r, &side), 10, 32, NanPolicy::Error, 200).unwrap();
    let batch = |x: &[f64], s: &[Option<&str>], f32col: bool| {
        let xs: ArrayRef = if f32col {
            Arc::new(Float32Array::from(
                x.iter().map(|v| *v as f32).collect::<Vec<_>>(),
            ))
        } else {
            Arc::new(Float64Array::from(x.to_vec()))
        };
        let other: ArrayRef = Arc::new(Float64Array::from(vec![0.0; x.len()]));
        RecordBatch::try_from_iter([
            ("x", xs),
            ("side", Arc::new(StringArray::from(s.to_vec())) as ArrayRef),
            ("unprofiled", other),
        ])
        .unwrap()
    };
    let (h, t) = r.split_at(1000);
    let (sh, st) = side.split_at(1000);
    let batches = [batch(h, sh, false), batch(t, st, false)];
    assert_eq!(
        grid.reference_part_batches(&batches).unwrap(),
        grid.reference_part(&data(&r, &side)).unwrap()
    );
    let cs = &side[..c.len()];
    assert_eq!(
        grid.state_batches(&[batch(&c, cs, false)]).unwrap(),
        grid.state(&data(&c, cs)).unwrap()
    );
    let c32: Vec<f64> = c.iter().map(|v| f64::from(*v as f32)).collect();
    assert_eq!(
        grid.state_batches(&[batch(&c, cs, true)]).unwrap(),
        grid.state(&data(&c32, cs)).unwrap()
    );
    assert!(grid.state_batches(&[]).is_err());
    // the grid from batches: the same features and kinds (KLL's compaction is randomized — DataSketches'
    // thread-local generator, not seedable — so two sketches of the same values may differ: the points are
    // compared only where they cannot, on a constant column)
    let g2 = SketchGrid::from_reference_batches(&batches, 10, 32, NanPolicy::Error, 200).unwrap();
    assert_eq!(g2.features(), vec!["side", "unprofiled", "x"]);
    assert_eq!(g2.points("unprofiled"), Some(&[0.0][..]));
    assert!(g2.points("side").is_none() && g2.points("x").unwrap().len() <= 32);
    assert_eq!(
        grid.scorer_batches(&batches).unwrap().to_bytes(),
        grid.scorer(&data(&r, &side)).unwrap().to_bytes()
    );
    assert!(SketchGrid::from_reference_batches(&[], 10, 32, NanPolicy::Error, 200).is_err());
}
