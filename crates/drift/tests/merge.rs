//! Merging numeric profiles fitted on partitions (issue 12): with the stored
//! reference a merge equals the single fit field for field, for every bin
//! strategy; without it only identical bins merge.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tradewarden_core::NanPolicy;
use tradewarden_drift::Error;
use tradewarden_drift::profile::{BinStrategy, NumericProfile, ProfileOptions};
use tradewarden_drift::sketch::QuantileSketch;

/// Values with ties (a half-integer grid), continuous values and, when
/// `nan`, NaN/±inf (then fitted under `NanPolicy::Skip`).
fn value(nan: bool) -> BoxedStrategy<f64> {
    let finite = prop_oneof![
        3 => -1e3..1e3f64,
        2 => (-20i32..20).prop_map(|i| f64::from(i) * 0.5),
        1 => Just(-0.0f64),
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

/// (partition sizes (1–6 partitions of 3–60 values), values, NaN allowed).
fn partitioned() -> impl Strategy<Value = (Vec<usize>, Vec<f64>, bool)> {
    (prop::collection::vec(3usize..60, 1..=6), any::<bool>()).prop_flat_map(|(sizes, nan)| {
        let total: usize = sizes.iter().sum();
        (
            Just(sizes),
            prop::collection::vec(value(nan), total),
            Just(nan),
        )
    })
}

fn bin_strategy() -> impl Strategy<Value = BinStrategy> {
    prop_oneof![
        (2usize..12).prop_map(|bins| BinStrategy::Quantile { bins }),
        (2usize..12).prop_map(|bins| BinStrategy::EqualWidth { bins }),
        Just(BinStrategy::Sturges),
        prop::collection::btree_set(-60i32..60, 1..8).prop_map(|s| BinStrategy::Explicit {
            edges: s.into_iter().map(|i| f64::from(i) * 7.5).collect()
        }),
    ]
}

fn split<'a>(values: &'a [f64], sizes: &[usize]) -> Vec<&'a [f64]> {
    let mut out = Vec::with_capacity(sizes.len());
    let mut at = 0;
    for &s in sizes {
        out.push(&values[at..at + s]);
        at += s;
    }
    out
}

/// Fits every partition (None when one cannot be fitted: too few finite
/// values or a constant partition) and merges them left to right.
fn fit_and_merge(parts: &[&[f64]], o: &ProfileOptions) -> Option<NumericProfile> {
    let mut fits = Vec::with_capacity(parts.len());
    for p in parts {
        fits.push(NumericProfile::fit(p, o).ok()?);
    }
    let mut it = fits.into_iter();
    let mut merged = it.next()?;
    for f in it {
        merged.merge(&f).unwrap();
    }
    Some(merged)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// keep_reference = true: merge(fit(a), fit(b), …) == fit(a ++ b ++ …) exactly,
    /// for every strategy (quantile edges are refitted on the merged reference).
    #[test]
    fn merge_with_reference_equals_single_fit(
        (sizes, values, nan) in partitioned(),
        bins in bin_strategy(),
    ) {
        let o = ProfileOptions {
            bins,
            nan_policy: if nan { NanPolicy::Skip } else { NanPolicy::Error },
            keep_reference: true,
        };
        let parts = split(&values, &sizes);
        let merged = fit_and_merge(&parts, &o);
        prop_assume!(merged.is_some());
        let whole = NumericProfile::fit(&values, &o).unwrap();
        // merge_all (one tree of sorted runs, one rebuild) equals the fold
        let fits: Vec<NumericProfile> = parts.iter().map(|p| NumericProfile::fit(p, &o).unwrap()).collect();
        let all = NumericProfile::merge_all(&fits.iter().collect::<Vec<_>>()).unwrap();
        prop_assert_eq!(&all, &whole);
        prop_assert_eq!(merged.unwrap(), whole);
    }

    /// keep_reference = false, explicit edges: counts, min, max, count and NaN
    /// count exact; mean and M2 (Chan et al.) within 1e-12 relative.
    #[test]
    fn merge_without_reference_explicit_edges(
        (sizes, values, nan) in partitioned(),
        edges in prop::collection::btree_set(-60i32..60, 1..8),
    ) {
        let o = ProfileOptions {
            bins: BinStrategy::Explicit {
                edges: edges.into_iter().map(|i| f64::from(i) * 7.5).collect(),
            },
            nan_policy: if nan { NanPolicy::Skip } else { NanPolicy::Error },
            keep_reference: false,
        };
        let parts = split(&values, &sizes);
        let merged = fit_and_merge(&parts, &o);
        prop_assume!(merged.is_some());
        let m = merged.unwrap();
        let w = NumericProfile::fit(&values, &o).unwrap();
        prop_assert_eq!(&m.edges, &w.edges);
        prop_assert_eq!(&m.counts, &w.counts);
        prop_assert_eq!((m.count, m.nan_count), (w.count, w.nan_count));
        prop_assert_eq!((m.min, m.max), (w.min, w.max));
        prop_assert!(m.reference.is_empty());
        // relative to the data's scale (the mean may be ~0)
        let scale = w.min.abs().max(w.max.abs()).max(f64::MIN_POSITIVE);
        prop_assert!((m.mean - w.mean).abs() <= 1e-12 * scale, "{} vs {}", m.mean, w.mean);
        prop_assert!(
            (m.m2 - w.m2).abs() <= 1e-12 * w.m2.max(scale * scale * 1e-6),
            "{} vs {}", m.m2, w.m2
        );
    }

    /// keep_reference = false, quantile / equal-width: partitions with
    /// different edges do not merge (the error names the two-pass remedy);
    /// identical edges do.
    #[test]
    fn merge_without_reference_fitted_edges(
        (sizes, values, _nan) in partitioned(),
        bins in 2usize..12,
        quantile in any::<bool>(),
    ) {
        prop_assume!(sizes.len() >= 2);
        let o = ProfileOptions {
            bins: if quantile {
                BinStrategy::Quantile { bins }
            } else {
                BinStrategy::EqualWidth { bins }
            },
            nan_policy: NanPolicy::Error,
            keep_reference: false,
        };
        let parts = split(&values, &sizes);
        let a = NumericProfile::fit(parts[0], &o);
        let b = NumericProfile::fit(parts[1], &o);
        prop_assume!(a.is_ok() && b.is_ok());
        let (mut a, b) = (a.unwrap(), b.unwrap());
        let same = a.edges.len() == b.edges.len()
            && a.edges.iter().zip(&b.edges).all(|(x, y)| x.to_bits() == y.to_bits());
        let a0 = a.clone();
        match a.merge(&b) {
            Ok(()) => {
                prop_assert!(same);
                prop_assert_eq!(a.count, a0.count + b.count);
            }
            Err(Error::Merge { reason }) => {
                prop_assert!(!same);
                prop_assert!(reason.contains("QuantileSketch"), "{}", reason);
                prop_assert_eq!(a, a0); // unchanged on error
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

fn grid(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

#[test]
fn quantile_partitions_with_different_edges_merge_exactly() {
    let all = grid(3000, 5);
    let o = ProfileOptions::default();
    let mut a = NumericProfile::fit(&all[..700], &o).unwrap();
    let b = NumericProfile::fit(&all[700..], &o).unwrap();
    assert_ne!(a.edges, b.edges);
    a.merge(&b).unwrap();
    assert_eq!(a, NumericProfile::fit(&all, &o).unwrap());
}

#[test]
fn different_options_do_not_merge() {
    let all = grid(400, 6);
    let q10 = ProfileOptions::default();
    let q5 = ProfileOptions {
        bins: BinStrategy::Quantile { bins: 5 },
        ..ProfileOptions::default()
    };
    let skip = ProfileOptions {
        nan_policy: NanPolicy::Skip,
        ..ProfileOptions::default()
    };
    let no_ref = ProfileOptions {
        keep_reference: false,
        ..ProfileOptions::default()
    };
    let mut a = NumericProfile::fit(&all[..200], &q10).unwrap();
    let a0 = a.clone();
    for o in [&q5, &skip, &no_ref] {
        let b = NumericProfile::fit(&all[200..], o).unwrap();
        match a.merge(&b) {
            Err(Error::Merge { reason }) => {
                assert!(reason.contains("different options"), "{reason}")
            }
            other => panic!("expected a merge error, got {other:?}"),
        }
        assert_eq!(a, a0);
    }
}

#[test]
fn different_explicit_edges_do_not_merge() {
    let all = grid(400, 7);
    for keep_reference in [true, false] {
        let o = |edges: Vec<f64>| ProfileOptions {
            bins: BinStrategy::Explicit { edges },
            keep_reference,
            ..ProfileOptions::default()
        };
        let mut a = NumericProfile::fit(&all[..200], &o(vec![0.25, 0.5, 0.75])).unwrap();
        let b = NumericProfile::fit(&all[200..], &o(vec![0.25, 0.5, 0.8])).unwrap();
        match a.merge(&b) {
            Err(Error::Merge { reason }) => {
                assert!(reason.contains("explicit bin edges differ"), "{reason}")
            }
            other => panic!("expected a merge error, got {other:?}"),
        }
        // same explicit edges merge
        let c = NumericProfile::fit(&all[200..], &o(vec![0.25, 0.5, 0.75])).unwrap();
        a.merge(&c).unwrap();
        assert_eq!(a.count, 400);
    }
}

#[test]
fn quantile_without_reference_needs_explicit_edges() {
    let all = grid(1000, 8);
    let o = ProfileOptions {
        keep_reference: false,
        ..ProfileOptions::default()
    };
    let mut a = NumericProfile::fit(&all[..500], &o).unwrap();
    let b = NumericProfile::fit(&all[500..], &o).unwrap();
    let err = a.merge(&b).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Merge { .. }));
    assert!(
        text.contains("QuantileSketch") && text.contains("Explicit"),
        "{text}"
    );
    // identical edges (the same partition twice) still merge
    let mut c = b.clone();
    c.merge(&b).unwrap();
    assert_eq!(c.count, 1000);
    assert_eq!(c.counts, b.counts.iter().map(|x| 2 * x).collect::<Vec<_>>());
}

/// The remedy the error names: sketch the partitions, merge the sketches,
/// take explicit edges, fit every partition with them (no reference), merge.
#[test]
fn two_pass_explicit_edges_from_a_merged_sketch_merge_exactly() {
    let all = grid(20_000, 9);
    let parts: Vec<&[f64]> = all.chunks(3000).collect();
    let mut sketch = QuantileSketch::new(200).unwrap();
    for p in &parts {
        sketch
            .merge(&QuantileSketch::from_values(p, 200, NanPolicy::Error).unwrap())
            .unwrap();
    }
    let edges = sketch.quantile_edges(10).unwrap();
    let o = ProfileOptions {
        bins: BinStrategy::Explicit { edges },
        keep_reference: false,
        ..ProfileOptions::default()
    };
    let merged = fit_and_merge(&parts, &o).unwrap();
    let whole = NumericProfile::fit(&all, &o).unwrap();
    assert_eq!(merged.counts, whole.counts);
    assert_eq!(merged.count, whole.count);
    assert!((merged.mean - whole.mean).abs() <= 1e-12);
    assert!((merged.m2 - whole.m2).abs() <= 1e-12 * whole.m2);
    // every bin holds about a tenth of the data (within the sketch's rank error)
    let eps = sketch.rank_error_bound();
    for &c in &whole.counts {
        assert!((c as f64 / 20_000.0 - 0.1).abs() <= 2.0 * eps, "{c}");
    }
}

#[test]
fn merge_with_truncated_reference_is_an_error() {
    let all = grid(400, 10);
    let o = ProfileOptions::default();
    let mut a = NumericProfile::fit(&all[..200], &o).unwrap();
    let mut b = NumericProfile::fit(&all[200..], &o).unwrap();
    b.reference.truncate(10);
    match a.merge(&b) {
        Err(Error::Merge { reason }) => assert!(reason.contains("other"), "{reason}"),
        other => panic!("expected a merge error, got {other:?}"),
    }
}

#[test]
fn profile_merge_all_feature_sets_and_errors() {
    use tradewarden_drift::profile::{CategoricalProfile, FeatureProfile, Profile};
    let data = grid(3000, 5);
    let cats: Vec<Option<&str>> = (0..3000)
        .map(|i| {
            if i % 17 == 0 {
                None
            } else {
                Some(["u", "v", "w"][i % 3])
            }
        })
        .collect();
    let o = ProfileOptions::default();
    let fit = |lo: usize, hi: usize| {
        let mut p = Profile::new();
        p.insert(
            "x",
            FeatureProfile::Numeric(NumericProfile::fit(&data[lo..hi], &o).unwrap()),
        );
        p.insert(
            "c",
            FeatureProfile::Categorical(CategoricalProfile::fit(&cats[lo..hi]).unwrap()),
        );
        p
    };
    let parts = [
        fit(0, 400),
        fit(400, 1700),
        fit(1700, 1750),
        fit(1750, 3000),
    ];
    let refs: Vec<&Profile> = parts.iter().collect();
    let whole = fit(0, 3000);
    assert_eq!(Profile::merge_all(&refs).unwrap(), whole);
    let mut folded = parts[0].clone();
    for p in &parts[1..] {
        folded.merge(p).unwrap();
    }
    assert_eq!(folded, whole);

    // errors: no parts, different feature sets, a type mismatch, different options
    assert!(matches!(
        Profile::merge_all(&[]),
        Err(Error::TooFewValues { param: "parts", .. })
    ));
    let mut fewer = fit(0, 400);
    fewer.features.remove("c");
    let e = Profile::merge_all(&[&parts[0], &fewer]).unwrap_err();
    assert!(
        matches!(e, Error::Merge { .. }) && e.to_string().contains("parts[1]"),
        "{e}"
    );
    let mut swapped = fit(0, 400);
    swapped.insert(
        "c",
        FeatureProfile::Numeric(NumericProfile::fit(&data[..50], &o).unwrap()),
    );
    let e = Profile::merge_all(&[&parts[0], &swapped]).unwrap_err();
    assert!(e.to_string().contains("\"c\""), "{e}");
    let mut other_bins = fit(0, 400);
    other_bins.insert(
        "x",
        FeatureProfile::Numeric(
            NumericProfile::fit(
                &data[..400],
                &ProfileOptions {
                    bins: BinStrategy::Quantile { bins: 5 },
                    ..o.clone()
                },
            )
            .unwrap(),
        ),
    );
    let mut target = parts[1].clone();
    let e = target.merge(&other_bins).unwrap_err();
    assert!(e.to_string().contains("feature \"x\""), "{e}");
    assert_eq!(
        target, parts[1],
        "a failed merge leaves the profile unchanged"
    );
}

/// Issue #21: a partition in which a feature is constant (or holds one
/// value) fits, and merges with the others into the profile of the whole
/// (edges refitted at merge when the reference is kept); without the
/// stored reference the edges cannot be refitted and the merge says so.
#[test]
fn constant_and_single_value_partitions_fit_and_merge() {
    use tradewarden_drift::profile::{FeatureProfile, Profile};
    let data: Vec<f64> = [
        vec![1.5; 300],
        vec![7.0],
        (0..500).map(|i| ((i * 37) % 101) as f64).collect(),
    ]
    .concat();
    let parts: [&[f64]; 3] = [&data[..300], &data[300..301], &data[301..]];
    let o = ProfileOptions::default();
    let fits: Vec<NumericProfile> = parts
        .iter()
        .map(|p| NumericProfile::fit(p, &o).unwrap())
        .collect();
    assert!(fits[0].is_constant() && fits[1].is_constant() && !fits[2].is_constant());
    let merged = NumericProfile::merge_all(&fits.iter().collect::<Vec<_>>()).unwrap();
    assert_eq!(merged, NumericProfile::fit(&data, &o).unwrap());
    let mut folded = fits[0].clone();
    folded.merge(&fits[1]).unwrap();
    folded.merge(&fits[2]).unwrap();
    assert_eq!(folded, merged);
    // whole profiles (as profile_from_partitions / tradewarden.dask merge them)
    let whole = |v: &[f64]| {
        let mut p = Profile::new();
        p.insert(
            "x",
            FeatureProfile::Numeric(NumericProfile::fit(v, &o).unwrap()),
        );
        p
    };
    let ps: Vec<Profile> = parts.iter().map(|p| whole(p)).collect();
    assert_eq!(
        Profile::merge_all(&ps.iter().collect::<Vec<_>>()).unwrap(),
        whole(&data)
    );
    // all partitions constant at the same value: a constant whole
    let c = NumericProfile::merge_all(&[&fits[0], &fits[0]]).unwrap();
    assert!(c.is_constant());
    assert_eq!(c, NumericProfile::fit(&[1.5; 600], &o).unwrap());
    // without the stored reference, differing edges cannot be refitted
    let light = ProfileOptions {
        keep_reference: false,
        ..Default::default()
    };
    let mut a = NumericProfile::fit(parts[0], &light).unwrap();
    let e = a
        .merge(&NumericProfile::fit(parts[2], &light).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("keep the reference"), "{e}");
}

/// A constant feature in a drift report is reported as such
/// (`constant_reference`) instead of failing the whole report; the other
/// features are scored as usual.
#[test]
fn a_constant_feature_is_flagged_in_the_report() {
    use tradewarden_drift::profile::{CategoricalProfile, FeatureProfile, Profile};
    use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
    let o = ProfileOptions::default();
    let x: Vec<f64> = (0..400).map(|i| ((i * 37) % 101) as f64).collect();
    let k = vec![3.0; 400];
    let mut p = Profile::new();
    p.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(&x, &o).unwrap()),
    );
    p.insert(
        "k",
        FeatureProfile::Numeric(NumericProfile::fit(&k, &o).unwrap()),
    );
    p.insert(
        "venue",
        FeatureProfile::Categorical(CategoricalProfile::fit(&[Some("a"); 50]).unwrap()),
    );
    let venue = vec![Some("a"); 200];
    let same = DriftReport::compute(
        &p,
        &[
            ("x", FeatureData::Numeric(&x[..200])),
            ("k", FeatureData::Numeric(&k[..200])),
            ("venue", FeatureData::Categorical(&venue)),
        ],
        &ReportOptions::default(),
    )
    .unwrap();
    let by = |r: &DriftReport, n: &str| r.features.iter().find(|f| f.name == n).unwrap().clone();
    assert!(by(&same, "k").constant_reference && !by(&same, "k").drift);
    assert!(by(&same, "venue").constant_reference);
    assert!(!by(&same, "x").constant_reference);
    // the constant moved: drift on that feature only
    let moved = vec![3.5; 200];
    let r = DriftReport::compute(
        &p,
        &[
            ("x", FeatureData::Numeric(&x[..200])),
            ("k", FeatureData::Numeric(&moved)),
            ("venue", FeatureData::Categorical(&venue)),
        ],
        &ReportOptions::default(),
    )
    .unwrap();
    let fk = by(&r, "k");
    assert!(fk.constant_reference && fk.drift, "{fk:?}");
    assert_eq!(fk.ks.unwrap().0, 1.0);
    assert!(fk.psi.unwrap() > 1.0, "{fk:?}");
    assert!(!by(&r, "x").drift);
    // the flag is in the JSON form (and reads back)
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"constant_reference\":true"));
    let back: DriftReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}
