//! Score states (issue 22): per-partition states of current data against a
//! frozen reference merge into a state whose report equals the report on
//! all the data bit for bit; merging is associative and commutative; the
//! binary form is validated; the bounded variant's KS interval holds the
//! exact statistic and is at most 1/K wide.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use tradewarden_core::{Classify, ErrorKind, NanPolicy};
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden_drift::profile::{BinStrategy, Profile, ProfileOptions};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::state::{CellGrid, ScoreState, StateScorer};
use tradewarden_drift::{Artefact, Error};

/// Ties on a half-integer grid, continuous values, −0.0, and (when `nan`)
/// NaN / ±inf.
fn value(nan: bool) -> BoxedStrategy<f64> {
    let finite = prop_oneof![
        3 => -50.0..50.0f64,
        3 => (-12i32..12).prop_map(|i| f64::from(i) * 0.5),
        1 => Just(-0.0f64),
        1 => Just(0.0f64),
    ];
    if nan {
        prop_oneof![
            8 => finite,
            1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)],
        ]
        .boxed()
    } else {
        finite.boxed()
    }
}

fn category() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => (0u8..5).prop_map(|i| Some(format!("c{i}"))),
        2 => (5u8..8).prop_map(|i| Some(format!("new{i}"))),
        1 => Just(None),
    ]
}

fn bins() -> impl Strategy<Value = BinStrategy> {
    prop_oneof![
        (2usize..12).prop_map(|bins| BinStrategy::Quantile { bins }),
        (2usize..12).prop_map(|bins| BinStrategy::EqualWidth { bins }),
        prop::collection::btree_set(-20i32..20, 1..6).prop_map(|s| BinStrategy::Explicit {
            edges: s.into_iter().map(|i| f64::from(i) * 2.5).collect()
        }),
    ]
}

/// A case: reference (numeric, categorical), current (numeric,
/// categorical, same length), partition cut points, profile options,
/// report options' `large_sample`.
#[derive(Debug, Clone)]
struct Case {
    ref_x: Vec<f64>,
    ref_c: Vec<Option<String>>,
    cur_x: Vec<f64>,
    cur_c: Vec<Option<String>>,
    cuts: Vec<usize>,
    options: ProfileOptions,
    large_sample: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (any::<bool>(), bins(), 2usize..120, 0usize..150, 0usize..6).prop_flat_map(
        |(skip, bins, nr, nc, nparts)| {
            (
                prop::collection::vec(value(false), nr),
                prop::collection::vec(category(), nr),
                prop::collection::vec(value(skip), nc),
                prop::collection::vec(category(), nc),
                prop::collection::vec(0..=nc, nparts),
                Just(ProfileOptions {
                    bins,
                    nan_policy: if skip {
                        NanPolicy::Skip
                    } else {
                        NanPolicy::Error
                    },
                    keep_reference: true,
                }),
                prop_oneof![Just(1000usize), Just(10usize)],
            )
                .prop_map(
                    |(ref_x, ref_c, cur_x, cur_c, mut cuts, options, large_sample)| {
                        cuts.sort_unstable();
                        Case {
                            ref_x,
                            ref_c,
                            cur_x,
                            cur_c,
                            cuts,
                            options,
                            large_sample,
                        }
                    },
                )
        },
    )
}

fn as_refs(v: &[Option<String>]) -> Vec<Option<&str>> {
    v.iter().map(|s| s.as_deref()).collect()
}

fn profile_of(c: &Case) -> Option<Profile> {
    let rc = as_refs(&c.ref_c);
    Profile::fit_features(
        &[
            ("x", FeatureData::Numeric(&c.ref_x)),
            ("side", FeatureData::Categorical(&rc)),
        ],
        &c.options,
    )
    .ok()
}

/// The partitions' states (cut at `cuts`, empty partitions included).
fn states(p: &Profile, c: &Case, grid: CellGrid) -> Vec<ScoreState> {
    let mut bounds = vec![0];
    bounds.extend(&c.cuts);
    bounds.push(c.cur_x.len());
    bounds
        .windows(2)
        .map(|w| {
            let cc = as_refs(&c.cur_c[w[0]..w[1]]);
            ScoreState::build(
                p,
                &[
                    ("x", FeatureData::Numeric(&c.cur_x[w[0]..w[1]])),
                    ("side", FeatureData::Categorical(&cc)),
                ],
                grid,
            )
            .unwrap()
        })
        .collect()
}

fn report_bits(r: &DriftReport) -> String {
    // every float as its bits, so that the comparison is bit for bit (and NaN-safe)
    r.features
        .iter()
        .map(|f| {
            let b = |x: f64| x.to_bits();
            format!(
                "{} {:?} {} {:?} {:?} {:?} {:?} {:?} {} {:?} {} {}",
                f.name,
                f.method,
                b(f.statistic),
                f.pvalue.map(b),
                f.pvalue_adjusted.map(b),
                f.ks.map(|(d, p)| (b(d), b(p))),
                f.psi.map(b),
                f.jensenshannon.map(b),
                f.drift,
                f.severity,
                f.n_reference,
                f.n_current
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
        + &format!(
            " | {} {} {}",
            r.n_drifted,
            r.drift_share.to_bits(),
            r.dataset_drift
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Merged states give the report of all the data, bit for bit, in any
    /// merge order and grouping; the states themselves merge to identical
    /// bytes.
    #[test]
    fn merged_states_equal_the_direct_report(c in case(), seed in any::<u64>()) {
        let Some(p) = profile_of(&c) else { return Ok(()); };
        let cc = as_refs(&c.cur_c);
        let o = ReportOptions { large_sample: c.large_sample, ..Default::default() };
        // name order: "side" < "x"
        let direct = DriftReport::compute(
            &p,
            &[("side", FeatureData::Categorical(&cc)), ("x", FeatureData::Numeric(&c.cur_x))],
            &o,
        );
        let parts = states(&p, &c, CellGrid::Exact);
        let left = ScoreState::merge_all(&parts.iter().collect::<Vec<_>>()).unwrap();
        // another order and a tree grouping
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut shuffled = parts.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.random_range(0..=i));
        }
        let mut level = shuffled;
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|ch| ScoreState::merge_all(&ch.iter().collect::<Vec<_>>()).unwrap())
                .collect();
        }
        let tree = level.pop().unwrap();
        prop_assert_eq!(&tree, &left);
        prop_assert_eq!(tree.to_bytes(), left.to_bytes());
        let back = ScoreState::from_bytes(&left.to_bytes()).unwrap();
        prop_assert_eq!(&back, &left);
        prop_assert_eq!(left.nbytes(), left.to_bytes().len());
        let via_states = DriftReport::compute_states(&p, &back, &o);
        match (direct, via_states) {
            (Ok(d), Ok(s)) => {
                prop_assert_eq!(report_bits(&s), report_bits(&d));
                prop_assert_eq!(s, d);
            }
            (Err(d), Err(s)) => prop_assert_eq!(s.to_string(), d.to_string()),
            (d, s) => prop_assert!(false, "direct {:?} vs states {:?}", d, s),
        }
        // the exact grid's KS "interval" is the statistic itself
        if let Ok(b) = back.ks_bounds(&p, PsiMode::default()) {
            let d = ks_2samp(&p.numeric("x").unwrap().reference, &c.cur_x, Alternative::TwoSided,
                KsMethod::Asymp, NanPolicy::Skip).unwrap().statistic;
            prop_assert_eq!(b[0].statistic_lo, b[0].statistic_hi);
            prop_assert_eq!(b[0].statistic_lo, d);
        }
    }

    /// The bounded grid's interval holds the exact KS statistic and is at
    /// most 1/K wide — on ties, duplicates and current data packed inside
    /// one cell.
    #[test]
    fn bounded_interval_holds_and_is_narrow(
        c in case(),
        k in 1usize..40,
        packed in any::<bool>(),
    ) {
        let mut c = c;
        if packed && !c.cur_x.is_empty() {
            // all current values strictly inside one reference cell
            let mut r: Vec<f64> = c.ref_x.clone();
            r.sort_by(f64::total_cmp);
            let (a, b) = (r[r.len() / 3], r[r.len() / 3 + 1]);
            if a < b {
                let n = c.cur_x.len();
                c.cur_x = (0..n).map(|i| a + (b - a) * (i as f64 + 0.5) / n as f64).collect();
            }
        }
        let Some(p) = profile_of(&c) else { return Ok(()); };
        let grid = CellGrid::Bounded { cells: k };
        let parts = states(&p, &c, grid);
        let merged = ScoreState::merge_all(&parts.iter().collect::<Vec<_>>()).unwrap();
        let Ok(b) = merged.ks_bounds(&p, PsiMode::default()) else {
            // no finite current value: compute fails too
            prop_assert!(c.cur_x.iter().all(|v| !v.is_finite()));
            return Ok(());
        };
        let d = ks_2samp(&p.numeric("x").unwrap().reference, &c.cur_x, Alternative::TwoSided,
            KsMethod::Asymp, NanPolicy::Skip).unwrap().statistic;
        let b = &b[0];
        prop_assert!(b.statistic_lo <= d && d <= b.statistic_hi, "{} <= {} <= {}", b.statistic_lo, d, b.statistic_hi);
        prop_assert!(b.statistic_hi - b.statistic_lo <= 1.0 / k as f64 + 1e-12,
            "width {} > 1/{}", b.statistic_hi - b.statistic_lo, k);
        prop_assert!(b.pvalue_lo <= b.pvalue_hi);
        // PSI and JS stay exact
        let direct = DriftReport::compute(&p, &[("x", FeatureData::Numeric(&c.cur_x))], &ReportOptions::default()).unwrap();
        prop_assert_eq!(Some(b.psi), direct.features[0].psi);
        prop_assert_eq!(b.jensenshannon, direct.features[0].jensenshannon);
        // a state of a bounded grid holds O(K) cells
        prop_assert!(merged.nbytes() < 400 + 24 * (2 * k + 1) + 8 * 12 + 200);
    }
}

/// Large samples (fused KS grid, asymptotic p-values, PSI deciding) and
/// several partitions: the same report bit for bit.
#[test]
fn large_partitions_equal_the_direct_report() {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(22);
    for case in 0..6 {
        let nr = [500, 3000, 20_000][case % 3];
        let nc = [12_000, 800, 40_000][case % 3];
        let ties = [1.0, 8.0, 1e6][case % 3];
        let reference: Vec<f64> = (0..nr)
            .map(|_| (rng.random::<f64>() * 10.0 * ties).round() / ties)
            .collect();
        let current: Vec<f64> = (0..nc)
            .map(|_| (rng.random::<f64>() * 11.0 * ties).round() / ties - 0.3)
            .collect();
        let cats: Vec<Option<&str>> = (0..nc)
            .map(|i| [Some("a"), Some("b"), None, Some("zz")][(i * 7 + case) % 4])
            .collect();
        let rcats: Vec<Option<&str>> = (0..nr).map(|i| [Some("a"), Some("b")][i % 2]).collect();
        let p = Profile::fit_features(
            &[
                ("x", FeatureData::Numeric(&reference)),
                ("k", FeatureData::Categorical(&rcats)),
            ],
            &ProfileOptions::default(),
        )
        .unwrap();
        let o = ReportOptions::default();
        let direct = DriftReport::compute(
            &p,
            &[
                ("k", FeatureData::Categorical(&cats)),
                ("x", FeatureData::Numeric(&current)),
            ],
            &o,
        )
        .unwrap();
        let parts: Vec<ScoreState> = current
            .chunks(nc / 5 + 1)
            .zip(cats.chunks(nc / 5 + 1))
            .map(|(x, k)| {
                ScoreState::build(
                    &p,
                    &[
                        ("x", FeatureData::Numeric(x)),
                        ("k", FeatureData::Categorical(k)),
                    ],
                    CellGrid::Exact,
                )
                .unwrap()
            })
            .collect();
        // a scorer prepared once gives the same states
        let scorer = StateScorer::new(p.clone(), CellGrid::Exact).unwrap();
        for (i, (x, k)) in current
            .chunks(nc / 5 + 1)
            .zip(cats.chunks(nc / 5 + 1))
            .enumerate()
        {
            let s = scorer
                .state(&[
                    ("x", FeatureData::Numeric(x)),
                    ("k", FeatureData::Categorical(k)),
                ])
                .unwrap();
            assert_eq!(s, parts[i]);
        }
        let merged = ScoreState::merge_all(&parts.iter().rev().collect::<Vec<_>>()).unwrap();
        let got = DriftReport::compute_states(&p, &merged, &o).unwrap();
        assert_eq!(report_bits(&got), report_bits(&direct), "case {case}");
        assert_eq!(got, direct);
    }
}

fn small_profile(options: ProfileOptions) -> Profile {
    let r: Vec<f64> = (0..200).map(|i| f64::from(i % 37)).collect();
    Profile::fit_features(&[("x", FeatureData::Numeric(&r))], &options).unwrap()
}

fn state_of(p: &Profile, x: &[f64]) -> ScoreState {
    ScoreState::build(p, &[("x", FeatureData::Numeric(x))], CellGrid::Exact).unwrap()
}

/// The state's size is bounded by the reference (its cells and bins), not
/// by the current rows: once the cells are filled, 10× the rows add nothing
/// but wider counts.
#[test]
fn size_is_bounded_by_the_reference() {
    let p = small_profile(ProfileOptions::default());
    let small: Vec<f64> = (0..10_000).map(|i| f64::from(i % 101) * 0.4).collect();
    let large: Vec<f64> = (0..100_000).map(|i| f64::from(i % 103) * 0.4).collect();
    let (a, b) = (state_of(&p, &small), state_of(&p, &large));
    assert_eq!(a.nbytes(), a.to_bytes().len());
    assert_eq!(b.nbytes(), b.to_bytes().len());
    // 37 distinct reference values: 75 cells; each non-empty cell costs at
    // most 1 (gap) + 10 (count) + 8 (max) bytes
    let nb = p.numeric("x").unwrap().counts.len();
    let bound = 24 + 21 + 8 + 1 + 1 + 40 + 24 + 8 * nb + 19 * 75;
    assert!(a.nbytes() <= bound && b.nbytes() <= bound);
    assert!(
        b.nbytes() <= a.nbytes() + 75,
        "{} vs {}",
        b.nbytes(),
        a.nbytes()
    );
    // a handful of rows: only the cells they fall in
    let c = state_of(&p, &[3.5, 3.5, 7.0]);
    assert!(c.nbytes() < 24 + 21 + 8 + 1 + 1 + 40 + 24 + 8 * nb + 30);
}

/// A reference with many distinct values (cells counted by sorting the
/// partition, not in a dense array) and small partitions: merged, the
/// report is still the direct one, bit for bit.
#[test]
fn sparse_and_dense_cell_counting_agree() {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
    let reference: Vec<f64> = (0..60_000).map(|_| rng.random::<f64>() * 10.0).collect();
    let current: Vec<f64> = (0..41_000)
        .map(|i| {
            if i % 7 == 0 {
                reference[i % reference.len()] // values equal to reference points
            } else {
                rng.random::<f64>() * 10.5 - 0.2
            }
        })
        .collect();
    let p = Profile::fit_features(
        &[("x", FeatureData::Numeric(&reference))],
        &ProfileOptions::default(),
    )
    .unwrap();
    let o = ReportOptions::default();
    let direct = DriftReport::compute(&p, &[("x", FeatureData::Numeric(&current))], &o).unwrap();
    let parts = [
        state_of(&p, &current[..100]),     // 120001 cells > 4·16384: sorted
        state_of(&p, &current[100..1000]), // sorted
        state_of(&p, &current[1000..]),    // 40000 values: dense
    ];
    let merged = ScoreState::merge_all(&parts.iter().collect::<Vec<_>>()).unwrap();
    assert_eq!(merged, state_of(&p, &current));
    let got = DriftReport::compute_states(&p, &merged, &o).unwrap();
    assert_eq!(report_bits(&got), report_bits(&direct));
    // a small partition's state is small although the reference is large
    assert!(parts[0].nbytes() < 100 * 19 + 400, "{}", parts[0].nbytes());
}

/// Modes whose bins depend on the current values, and profiles without
/// the stored reference, are typed errors — never a number.
#[test]
fn unsupported_modes_are_typed_errors() {
    let x = [1.0, 2.0, 3.0];
    let sturges = small_profile(ProfileOptions {
        bins: BinStrategy::Sturges,
        ..Default::default()
    });
    let e = StateScorer::new(sturges.clone(), CellGrid::Exact)
        .unwrap()
        .state(&[("x", FeatureData::Numeric(&x))])
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { param: "bins", .. }),
        "{e}"
    );
    let e = ScoreState::build(
        &sturges,
        &[("x", FeatureData::Numeric(&x))],
        CellGrid::Exact,
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { param: "bins", .. }),
        "{e}"
    );
    let no_ref = small_profile(ProfileOptions {
        keep_reference: false,
        ..Default::default()
    });
    let e = ScoreState::build(&no_ref, &[("x", FeatureData::Numeric(&x))], CellGrid::Exact)
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "keep_reference",
                ..
            }
        ),
        "{e}"
    );
    let p = small_profile(ProfileOptions::default());
    let s = state_of(&p, &x);
    let o = ReportOptions {
        psi_mode: PsiMode::Evidently,
        ..Default::default()
    };
    let e = DriftReport::compute_states(&p, &s, &o).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "psi_mode",
                ..
            }
        ),
        "{e}"
    );
    // a bounded state is not a report
    let b = ScoreState::build(
        &p,
        &[("x", FeatureData::Numeric(&x))],
        CellGrid::Bounded { cells: 8 },
    )
    .unwrap();
    let e = DriftReport::compute_states(&p, &b, &ReportOptions::default()).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { param: "state", .. }),
        "{e}"
    );
    let e = ScoreState::build(
        &p,
        &[("x", FeatureData::Numeric(&x))],
        CellGrid::Bounded { cells: 0 },
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { param: "cells", .. }),
        "{e}"
    );
    // NaN under the default policy: named, with its index in the partition
    let e = ScoreState::build(
        &p,
        &[("x", FeatureData::Numeric(&[1.0, f64::NAN]))],
        CellGrid::Exact,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                param: "current",
                index: 1,
                ..
            }
        ),
        "{e}"
    );
    // unknown feature, wrong type, duplicate name
    let e = ScoreState::build(&p, &[("y", FeatureData::Numeric(&x))], CellGrid::Exact).unwrap_err();
    assert!(matches!(e, Error::UnknownFeature { .. }), "{e}");
    let e = ScoreState::build(
        &p,
        &[("x", FeatureData::Categorical(&[Some("a")]))],
        CellGrid::Exact,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = ScoreState::build(
        &p,
        &[
            ("x", FeatureData::Numeric(&x)),
            ("x", FeatureData::Numeric(&x)),
        ],
        CellGrid::Exact,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "current",
                ..
            }
        ),
        "{e}"
    );
    // all partitions empty: the same error as the direct report
    let empty = state_of(&p, &[]);
    let e = DriftReport::compute_states(&p, &empty, &ReportOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooFewValues {
                param: "current",
                ..
            }
        ),
        "{e}"
    );
}

/// States of another profile neither merge nor score; bytes are validated.
#[test]
fn wrong_profile_and_corrupt_bytes_are_typed_errors() {
    let p = small_profile(ProfileOptions::default());
    let q = small_profile(ProfileOptions {
        nan_policy: NanPolicy::Skip,
        ..Default::default()
    });
    let x: Vec<f64> = (0..50).map(|i| f64::from(i) * 0.7).collect();
    let (mut a, b) = (state_of(&p, &x), state_of(&q, &x));
    let before = a.clone();
    assert!(matches!(a.merge(&b), Err(Error::Merge { .. })));
    assert_eq!(a, before, "a failed merge leaves the state unchanged");
    let e = DriftReport::compute_states(&q, &a, &ReportOptions::default()).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { param: "state", .. }),
        "{e}"
    );

    let bytes = a.to_bytes();
    for cut in [0, 3, 23, 24, 40, bytes.len() - 1] {
        let e = ScoreState::from_bytes(&bytes[..cut]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt, "cut {cut}: {e}");
        // the message names the artefact read (a score state), not a profile
        assert!(
            matches!(
                e,
                Error::Corrupt {
                    artefact: Artefact::ScoreState,
                    ..
                }
            ) && e.to_string().starts_with("corrupt score state ("),
            "cut {cut}: {e}"
        );
    }
    // every single flipped bit is caught (header fields or checksum)
    for i in 0..bytes.len() {
        for bit in [0, 3, 7] {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            let e = ScoreState::from_bytes(&b).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Corrupt, "byte {i} bit {bit}: {e}");
        }
    }
    // a later version
    let mut v = bytes.clone();
    v[4] = 2;
    assert!(matches!(
        ScoreState::from_bytes(&v),
        Err(Error::Version { found: 2, .. })
    ));
    // structurally wrong payloads with a valid checksum name the field
    let reseal = |mut b: Vec<u8>| {
        let sum = fnv1a(&b[24..]);
        b[16..24].copy_from_slice(&sum.to_le_bytes());
        b
    };
    // payload: checksum 8, grid 9, nfeat 4, name (8 + 1), kind 1, rows 8, nan 8, count 8
    let count_at = 24 + 8 + 9 + 4 + 9 + 1 + 16;
    let mut c = bytes.clone();
    c[count_at] ^= 1;
    match ScoreState::from_bytes(&reseal(c)).unwrap_err() {
        Error::Corrupt { what, .. } => assert!(["cells", "rows"].contains(&what), "{what}"),
        e => panic!("{e}"),
    }
    let nnz_at = count_at + 8 + 16 + 8;
    let mut c = bytes.clone();
    c[nnz_at + 7] = 0x7f; // absurd number of cells: never allocated
    match ScoreState::from_bytes(&reseal(c)).unwrap_err() {
        Error::Corrupt { what, .. } => assert_eq!(what, "cells"),
        e => panic!("{e}"),
    }
    let mut c = bytes.clone();
    c.push(0);
    let len = (c.len() - 24) as u64;
    c[8..16].copy_from_slice(&len.to_le_bytes());
    match ScoreState::from_bytes(&reseal(c)).unwrap_err() {
        Error::Corrupt { what, .. } => assert_eq!(what, "length"),
        e => panic!("{e}"),
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Hostile payloads with a valid checksum: every load is a state or a
    /// typed `Corrupt` error, and every loaded state scores to a report or
    /// a typed error — never a panic.
    #[test]
    fn resealed_mutations_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        truncate in any::<Option<prop::sample::Index>>(),
    ) {
        let r: Vec<f64> = (0..300).map(|i| f64::from(i % 23) * 0.5).collect();
        let rc: Vec<Option<&str>> = (0..300).map(|i| [Some("a"), Some("b"), None][i % 3]).collect();
        let p = Profile::fit_features(
            &[("x", FeatureData::Numeric(&r)), ("k", FeatureData::Categorical(&rc))],
            &ProfileOptions::default(),
        )
        .unwrap();
        let x: Vec<f64> = (0..200).map(|i| f64::from(i % 31) * 0.4 - 1.0).collect();
        let k: Vec<Option<&str>> = (0..200).map(|i| [Some("a"), Some("z"), None][i % 3]).collect();
        let s = ScoreState::build(
            &p,
            &[("x", FeatureData::Numeric(&x)), ("k", FeatureData::Categorical(&k))],
            CellGrid::Exact,
        )
        .unwrap();
        let mut b = s.to_bytes();
        for (at, v) in edits {
            let i = 24 + at.index(b.len() - 24);
            b[i] = v;
        }
        if let Some(t) = truncate {
            let n = 24 + t.index(b.len() - 24);
            b.truncate(n);
        }
        let len = (b.len() - 24) as u64;
        b[8..16].copy_from_slice(&len.to_le_bytes());
        let sum = fnv1a(&b[24..]);
        b[16..24].copy_from_slice(&sum.to_le_bytes());
        match ScoreState::from_bytes(&b) {
            Ok(t) => {
                if let Err(e) = DriftReport::compute_states(&p, &t, &ReportOptions::default()) {
                    prop_assert!(
                        matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Corrupt | ErrorKind::NotFound),
                        "{e}"
                    );
                }
                let mut u = t.clone();
                let _ = u.merge(&s);
            }
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Corrupt, "{}", e),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The compact scorer (profile without its reference + cell grids) gives
    /// the same states as the full one, exact and bounded; so its states
    /// merge and report against the full profile.
    #[test]
    fn compact_scorer_gives_the_same_states(c in case()) {
        let Some(p) = profile_of(&c) else { return Ok(()); };
        for grid in [CellGrid::Exact, CellGrid::Bounded { cells: 7 }] {
            let full = StateScorer::new(p.clone(), grid).unwrap();
            let bytes = full.to_bytes();
            let compact = StateScorer::from_bytes(&bytes).unwrap();
            prop_assert_eq!(compact.grid(), grid);
            prop_assert_eq!(compact.to_bytes(), bytes.clone());
            let cc = as_refs(&c.cur_c);
            let cur = [
                ("x", FeatureData::Numeric(&c.cur_x)),
                ("side", FeatureData::Categorical(&cc)),
            ];
            let a = full.state(&cur);
            let b = compact.state(&cur);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    prop_assert_eq!(a.to_bytes(), b.to_bytes());
                    // the client needs only the compact scorer: its KS intervals, PSI and JS are
                    // those against the full profile, bit for bit (or the same error)
                    let via_profile = a.ks_bounds(&p, PsiMode::default());
                    let via_scorer = compact.ks_bounds(&b, PsiMode::default());
                    match (via_profile, via_scorer) {
                        (Ok(x), Ok(y)) => prop_assert_eq!(format!("{x:?}"), format!("{y:?}")),
                        (Err(x), Err(y)) => prop_assert_eq!(x.to_string(), y.to_string()),
                        (x, y) => prop_assert!(false, "profile {:?} vs scorer {:?}", x, y),
                    }
                    if grid == CellGrid::Exact {
                        let ra = DriftReport::compute_states(&p, &a, &ReportOptions::default());
                        let rb = DriftReport::compute_states(&p, &b, &ReportOptions::default());
                        prop_assert_eq!(format!("{ra:?}"), format!("{rb:?}"));
                    }
                }
                // Sturges bins: refused by both
                (Err(_), Err(_)) => prop_assert!(c.options.bins == BinStrategy::Sturges),
                (a, b) => prop_assert!(false, "full {:?} vs compact {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }
}

#[test]
fn compact_bounded_scorer_is_small_and_corruption_is_refused() {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
    let r: Vec<f64> = (0..200_000).map(|_| rng.random::<f64>()).collect();
    let p = Profile::fit_features(
        &[("x", FeatureData::Numeric(&r))],
        &ProfileOptions::default(),
    )
    .unwrap();
    let profile_bytes = p.to_bytes().len();
    let s = StateScorer::new(p.clone(), CellGrid::Bounded { cells: 256 }).unwrap();
    let b = s.to_bytes();
    // 256 points × 24 bytes + bins: kilobytes, against 1.6 MB of reference
    assert!(
        profile_bytes > 1_600_000 && b.len() < 8_000,
        "{profile_bytes} vs {}",
        b.len()
    );
    let c: Vec<f64> = (0..5000).map(|_| rng.random::<f64>() * 1.1).collect();
    let full = s.state(&[("x", FeatureData::Numeric(&c))]).unwrap();
    let compact = StateScorer::from_bytes(&b)
        .unwrap()
        .state(&[("x", FeatureData::Numeric(&c))])
        .unwrap();
    assert_eq!(full, compact);
    // a state of another grid or profile is refused by the scorer's ks_bounds
    let exact = StateScorer::new(p.clone(), CellGrid::Exact)
        .unwrap()
        .state(&[("x", FeatureData::Numeric(&c))])
        .unwrap();
    let e = s.ks_bounds(&exact, PsiMode::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("grid"), "{e}");
    let other = Profile::fit_features(
        &[("x", FeatureData::Numeric(&c))],
        &ProfileOptions::default(),
    )
    .unwrap();
    let foreign = StateScorer::new(other, CellGrid::Bounded { cells: 256 })
        .unwrap()
        .state(&[("x", FeatureData::Numeric(&c))])
        .unwrap();
    let e = s.ks_bounds(&foreign, PsiMode::default()).unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    // saved beside the profile and loaded back: the same scorer, validated on load
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reference.twsc");
    s.save(&path).unwrap();
    assert_eq!(StateScorer::load(&path).unwrap().to_bytes(), b);
    let mut damaged = b.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x40;
    std::fs::write(&path, &damaged).unwrap();
    assert_eq!(
        StateScorer::load(&path).unwrap_err().kind(),
        ErrorKind::Corrupt
    );
    // every single-bit flip is refused with a typed error, never a panic
    for i in (0..b.len()).step_by(7) {
        let mut m = b.clone();
        m[i] ^= 1 << (i % 8);
        let e = StateScorer::from_bytes(&m).unwrap_err();
        assert!(
            matches!(e, Error::Corrupt { .. } | Error::Version { .. }),
            "byte {i}: {e:?}"
        );
    }
    let e = StateScorer::from_bytes(&b[..b.len() - 1]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Corrupt {
                artefact: Artefact::Scorer,
                ..
            }
        ) && e.to_string().starts_with("corrupt scorer ("),
        "{e}"
    );
    let e = StateScorer::from_bytes(b"TWSS").unwrap_err();
    assert!(e.to_string().starts_with("corrupt scorer (header)"), "{e}");
    let e = Profile::from_bytes(b"TWSS and more bytes than a header needs").unwrap_err();
    assert!(
        matches!(
            e,
            Error::Corrupt {
                artefact: Artefact::Profile,
                ..
            }
        ) && e.to_string().starts_with("corrupt profile ("),
        "{e}"
    );
}

/// Arrow record batches (two batches, a null in each column, a float32 and
/// a large-utf8 column, an unprofiled column) give the state of the same
/// values passed as slices, bit for bit; wrong types are typed errors.
#[test]
fn state_of_arrow_batches_equals_the_state_of_the_values() {
    use std::sync::Arc;

    use arrow_array::{Float32Array, Float64Array, LargeStringArray, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(31);
    let r: Vec<f64> = (0..5_000).map(|_| rng.random::<f64>()).collect();
    let w: Vec<f64> = (0..5_000).map(|_| f64::from(rng.random::<f32>())).collect();
    let rc: Vec<Option<&str>> = (0..5_000).map(|i| Some(["a", "b", "c"][i % 3])).collect();
    let p = Profile::fit_features(
        &[
            ("x", FeatureData::Numeric(&r)),
            ("w", FeatureData::Numeric(&w)),
            ("side", FeatureData::Categorical(&rc)),
        ],
        &ProfileOptions {
            keep_reference: true,
            nan_policy: NanPolicy::Skip,
            ..Default::default()
        },
    )
    .unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Float64, true),
        Field::new("unprofiled", DataType::Float64, true),
        Field::new("w", DataType::Float32, true),
        Field::new("side", DataType::LargeUtf8, true),
    ]));
    let mut xs: Vec<f64> = Vec::new();
    let mut ws: Vec<f64> = Vec::new();
    let mut ss: Vec<Option<String>> = Vec::new();
    let mut batches = Vec::new();
    for (b, n) in [(0u32, 700usize), (1, 1_300)] {
        let x: Vec<Option<f64>> = (0..n)
            .map(|i| (i != 5).then(|| rng.random::<f64>() * 1.2))
            .collect();
        let wf: Vec<Option<f32>> = (0..n)
            .map(|i| (i != 9).then(|| rng.random::<f32>() + b as f32 * 0.1))
            .collect();
        let s: Vec<Option<String>> = (0..n)
            .map(|i| (i != 3).then(|| ["a", "b", "zz"][(i * 7) % 3].to_string()))
            .collect();
        xs.extend(x.iter().map(|v| v.unwrap_or(f64::NAN)));
        ws.extend(wf.iter().map(|v| v.map_or(f64::NAN, f64::from)));
        ss.extend(s.iter().cloned());
        batches.push(
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Float64Array::from(x.clone())),
                    Arc::new(Float64Array::from(vec![1.0; n])),
                    Arc::new(Float32Array::from(wf)),
                    Arc::new(LargeStringArray::from(s)),
                ],
            )
            .unwrap(),
        );
    }
    let sref: Vec<Option<&str>> = ss.iter().map(|s| s.as_deref()).collect();
    for grid in [CellGrid::Exact, CellGrid::Bounded { cells: 64 }] {
        let scorer = StateScorer::new(p.clone(), grid).unwrap();
        let direct = scorer
            .state(&[
                ("side", FeatureData::Categorical(&sref)),
                ("w", FeatureData::Numeric(&ws)),
                ("x", FeatureData::Numeric(&xs)),
            ])
            .unwrap();
        let via_arrow = scorer.state_batches(&batches).unwrap();
        assert_eq!(via_arrow.to_bytes(), direct.to_bytes(), "{grid:?}");
        // one batch: the zero-copy float64 path
        let one = scorer.state_batches(&batches[..1]).unwrap();
        let first = scorer
            .state(&[
                ("side", FeatureData::Categorical(&sref[..700])),
                ("w", FeatureData::Numeric(&ws[..700])),
                ("x", FeatureData::Numeric(&xs[..700])),
            ])
            .unwrap();
        assert_eq!(one, first);
    }
    let scorer = StateScorer::new(p.clone(), CellGrid::Bounded { cells: 8 }).unwrap();
    assert_eq!(
        scorer.state_batches(&[]).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let bad = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "side",
            DataType::Float64,
            false,
        )])),
        vec![Arc::new(Float64Array::from(vec![1.0]))],
    )
    .unwrap();
    let e = scorer.state_batches(&[bad]).unwrap_err();
    assert!(e.to_string().contains("side"), "{e}");
    let s = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("x", DataType::Utf8, false)])),
        vec![Arc::new(StringArray::from(vec!["1.0"]))],
    )
    .unwrap();
    assert!(scorer.state_batches(&[s]).is_err());
}
