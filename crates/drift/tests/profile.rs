//! Reference profiles: seed cases, bad input, persistence, merging.
#![allow(clippy::unwrap_used)]

use tradewarden_core::{Classify, ErrorKind, NanPolicy};
use tradewarden_drift::ks::{Alternative, KsMethod};
use tradewarden_drift::profile::{
    BinStrategy, CategoricalProfile, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::FeatureData;
use tradewarden_drift::{Artefact, Error};

fn lcg(n: usize, seed: u64, shift: f64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            shift + (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

#[test]
fn identical_inputs_give_zero_everywhere() {
    let x = lcg(500, 7, 0.0);
    for bins in [
        BinStrategy::Quantile { bins: 10 },
        BinStrategy::EqualWidth { bins: 7 },
        BinStrategy::Sturges,
    ] {
        let opts = ProfileOptions {
            bins,
            ..Default::default()
        };
        let p = NumericProfile::fit(&x, &opts).unwrap();
        assert_eq!(p.psi(&x, PsiMode::default()).unwrap(), 0.0);
        assert_eq!(p.psi(&x, PsiMode::Evidently).unwrap(), 0.0);
        let ks = p.ks(&x, Alternative::TwoSided, KsMethod::Auto).unwrap();
        assert_eq!((ks.statistic, ks.pvalue), (0.0, 1.0));
        assert_eq!(p.wasserstein(&x).unwrap(), 0.0);
        assert_eq!(
            tradewarden_drift::distance::energy_distance(&x, &x).unwrap(),
            0.0
        );
        assert_eq!(
            tradewarden_drift::distance::wasserstein_normed(&x, &x).unwrap(),
            0.0
        );
        if !p.edges.is_empty() {
            assert_eq!(p.jensenshannon(&x, None).unwrap(), 0.0);
            let h = p.histogram(&x).unwrap();
            let n = h.iter().sum::<u64>() as f64;
            let f: Vec<f64> = h.iter().map(|&c| c as f64 / n).collect();
            assert_eq!(
                tradewarden_drift::distance::kl_divergence(&f, &f, None).unwrap(),
                0.0
            );
            assert_eq!(tradewarden_drift::distance::hellinger(&f, &f).unwrap(), 0.0);
        }
    }
}

#[test]
fn disjoint_seed_case_is_large_not_zero() {
    let p = NumericProfile::fit(&[0.0, 0.1], &ProfileOptions::default()).unwrap();
    let cur = [0.2, 0.3];
    let psi = p.psi(&cur, PsiMode::default()).unwrap();
    // e = [0.5, ε×8, 0.5], a = [ε×9, 1]: (ε−0.5)ln(ε/0.5) + 0.5·ln 2
    let eps: f64 = 1e-4;
    let want = (eps - 0.5) * (eps / 0.5).ln() + 0.5 * 2f64.ln();
    assert!((psi - want).abs() < 1e-12, "{psi} vs {want}");
    assert!(psi > 4.0);
    assert!(p.psi(&cur, PsiMode::Evidently).unwrap() > 4.0);
    let ks = p.ks(&cur, Alternative::TwoSided, KsMethod::Auto).unwrap();
    assert_eq!(ks.statistic, 1.0);
    assert!(p.jensenshannon(&cur, Some(2.0)).unwrap() > 0.5);
}

#[test]
fn psi_detects_shift() {
    let r = lcg(20_000, 1, 0.0);
    let same = lcg(20_000, 2, 0.0);
    let shifted = lcg(20_000, 3, 0.3);
    let p = NumericProfile::fit(&r, &ProfileOptions::default()).unwrap();
    let a = p.psi(&same, PsiMode::default()).unwrap();
    let b = p.psi(&shifted, PsiMode::default()).unwrap();
    assert!(a < 0.01, "{a}");
    assert!(b > 0.25, "{b}");
}

#[test]
fn bad_inputs_are_typed_errors() {
    let d = ProfileOptions::default();
    let e = NumericProfile::fit(&[], &d).unwrap_err();
    assert!(matches!(
        e,
        Error::TooFewValues {
            param: "reference",
            actual: 0,
            ..
        }
    ));
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // one value fits (a partition may hold one): a constant feature
    assert!(NumericProfile::fit(&[1.0], &d).unwrap().is_constant());
    assert!(matches!(
        NumericProfile::fit(&[1.0, f64::NAN], &d),
        Err(Error::NonFinite {
            param: "reference",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        NumericProfile::fit(&[1.0, f64::INFINITY], &d),
        Err(Error::NonFinite {
            param: "reference",
            ..
        })
    ));
    let skip = ProfileOptions {
        nan_policy: NanPolicy::Skip,
        ..Default::default()
    };
    assert!(matches!(
        NumericProfile::fit(&[f64::NAN, f64::NAN], &skip),
        Err(Error::TooFewValues {
            param: "reference",
            actual: 0,
            ..
        })
    ));
    // a constant reference fits, with the two bins below / at-or-above it
    let c = NumericProfile::fit(&[2.0, 2.0, 2.0], &d).unwrap();
    assert_eq!(
        c.edges,
        vec![f64::NEG_INFINITY, 2.0, 2.0f64.next_up(), f64::INFINITY]
    );
    assert!(c.is_constant());
    for bins in [0, 1] {
        for s in [
            BinStrategy::Quantile { bins },
            BinStrategy::EqualWidth { bins },
        ] {
            let o = ProfileOptions {
                bins: s,
                ..Default::default()
            };
            let e = NumericProfile::fit(&[1.0, 2.0], &o).unwrap_err();
            assert!(
                matches!(e, Error::InvalidParameter { param: "bins", .. }),
                "{e}"
            );
            assert!(e.to_string().contains(&format!("bins = {bins}")));
        }
    }
    let o = ProfileOptions {
        bins: BinStrategy::Explicit {
            edges: vec![1.0, 0.5],
        },
        ..Default::default()
    };
    assert!(matches!(
        NumericProfile::fit(&[1.0, 2.0], &o),
        Err(Error::InvalidParameter { param: "edges", .. })
    ));
    let p = NumericProfile::fit(&[1.0, 2.0, 3.0], &d).unwrap();
    assert!(matches!(
        p.psi(&[], PsiMode::default()),
        Err(Error::TooFewValues {
            param: "current",
            ..
        })
    ));
    assert!(matches!(
        p.psi(&[1.0, f64::NAN], PsiMode::default()),
        Err(Error::NonFinite {
            param: "current",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        p.psi(&[1.0], PsiMode::Standard { epsilon: 0.0 }),
        Err(Error::InvalidParameter {
            param: "epsilon",
            ..
        })
    ));
    let mut prof = Profile::new();
    prof.insert("x", FeatureProfile::Numeric(p));
    let e = prof.feature("nope").unwrap_err();
    assert!(matches!(e, Error::UnknownFeature { .. }));
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("nope"));
    let nokeep = ProfileOptions {
        keep_reference: false,
        ..Default::default()
    };
    let p = NumericProfile::fit(&[1.0, 2.0, 3.0], &nokeep).unwrap();
    assert!(p.reference.is_empty());
    assert!(matches!(
        p.ks(&[1.0], Alternative::TwoSided, KsMethod::Auto),
        Err(Error::InvalidParameter {
            param: "keep_reference",
            ..
        })
    ));
}

fn sample_profile() -> Profile {
    let mut prof = Profile::new();
    let x = lcg(1000, 5, 0.0);
    prof.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(&x, &ProfileOptions::default()).unwrap()),
    );
    let st = ProfileOptions {
        bins: BinStrategy::Sturges,
        nan_policy: NanPolicy::Skip,
        keep_reference: true,
    };
    prof.insert(
        "y",
        FeatureProfile::Numeric(NumericProfile::fit(&x, &st).unwrap()),
    );
    let ex = ProfileOptions {
        bins: BinStrategy::Explicit {
            edges: vec![0.25, 0.5],
        },
        nan_policy: NanPolicy::Error,
        keep_reference: false,
    };
    prof.insert(
        "z",
        FeatureProfile::Numeric(NumericProfile::fit(&x, &ex).unwrap()),
    );
    let cats = [Some("a"), Some("b"), None, Some("a")];
    prof.insert(
        "c",
        FeatureProfile::Categorical(CategoricalProfile::fit(&cats).unwrap()),
    );
    prof
}

#[test]
fn json_and_binary_roundtrip() {
    let prof = sample_profile();
    let json = prof.to_json().unwrap();
    assert_eq!(Profile::from_json(&json).unwrap(), prof);
    let bytes = prof.to_bytes();
    assert_eq!(Profile::from_bytes(&bytes).unwrap(), prof);
    assert!(bytes.len() < json.len());
    let dir = std::env::temp_dir().join(format!("twd-drift-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.twdp");
    prof.save(&path).unwrap();
    assert_eq!(Profile::load(&path).unwrap(), prof);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn other_version_and_corruption_are_typed_errors() {
    let prof = sample_profile();
    let json = prof
        .to_json()
        .unwrap()
        .replacen("\"format_version\":1", "\"format_version\":2", 1);
    let e = Profile::from_json(&json).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Version {
                artefact: Artefact::Profile,
                found: 2,
                expected: 1
            }
        ),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(matches!(
        Profile::from_json("{not json"),
        Err(Error::Corrupt { .. })
    ));
    assert!(matches!(
        Profile::from_json("{\"format_version\":1,\"features\":{},\"extra\":1}"),
        Err(Error::Corrupt { .. })
    ));
    let mut b = prof.to_bytes();
    b[4] = 9;
    assert!(matches!(
        Profile::from_bytes(&b),
        Err(Error::Version { found: 9, .. })
    ));
    let mut b = prof.to_bytes();
    let last = b.len() - 1;
    b[last] ^= 0xFF;
    assert!(matches!(
        Profile::from_bytes(&b),
        Err(Error::Corrupt { .. })
    ));
    let b = prof.to_bytes();
    assert!(matches!(
        Profile::from_bytes(&b[..b.len() - 3]),
        Err(Error::Corrupt { .. })
    ));
    assert!(matches!(
        Profile::from_bytes(b"XXXX"),
        Err(Error::Corrupt { .. })
    ));
}

#[test]
fn merge_is_exact_with_same_edges() {
    let all = lcg(3000, 11, 0.0);
    let opts = ProfileOptions {
        bins: BinStrategy::Explicit {
            edges: vec![0.1, 0.3, 0.5, 0.9],
        },
        ..Default::default()
    };
    let whole = NumericProfile::fit(&all, &opts).unwrap();
    let mut a = NumericProfile::fit(&all[..1000], &opts).unwrap();
    let b = NumericProfile::fit(&all[1000..], &opts).unwrap();
    a.merge(&b).unwrap();
    assert_eq!(a.counts, whole.counts);
    assert_eq!(a.count, whole.count);
    assert_eq!(a.reference, whole.reference);
    assert_eq!((a.min, a.max), (whole.min, whole.max));
    assert!((a.mean - whole.mean).abs() < 1e-14);
    assert!((a.m2 - whole.m2).abs() < 1e-10 * whole.m2);
    let other = NumericProfile::fit(&all[..10], &ProfileOptions::default()).unwrap();
    assert!(matches!(a.merge(&other), Err(Error::Merge { .. })));
    let mut c = CategoricalProfile::fit(&[Some("a"), Some("b")]).unwrap();
    c.merge(&CategoricalProfile::fit(&[Some("a"), None]).unwrap())
        .unwrap();
    assert_eq!(c.counts["a"], 2);
    assert_eq!((c.count, c.missing), (3, 1));
}

#[test]
fn categorical_psi() {
    let r = CategoricalProfile::fit(&[Some("a"), Some("b"), Some("a"), Some("b")]).unwrap();
    assert_eq!(r.psi(&[Some("a"), Some("b")], 1e-4).unwrap(), 0.0);
    assert!(r.psi(&[Some("c"), Some("c")], 1e-4).unwrap() > 5.0);
    assert!(matches!(
        CategoricalProfile::fit(&[None]),
        Err(Error::TooFewValues {
            param: "reference",
            ..
        })
    ));
}

#[test]
fn score_sorted_agrees_with_separate_calls() {
    let r = lcg(3000, 21, 0.0);
    let c = lcg(2000, 22, 0.1);
    let p = NumericProfile::fit(&r, &ProfileOptions::default()).unwrap();
    let sorted = p.prepare_current(&c).unwrap();
    assert_eq!(
        p.histogram_of_sorted(&sorted).unwrap(),
        p.histogram(&c).unwrap()
    );
    let (ks, psi, js) = p.score_sorted(&sorted, PsiMode::default()).unwrap();
    assert_eq!(ks, p.ks(&c, Alternative::TwoSided, KsMethod::Auto).unwrap());
    assert_eq!(psi, p.psi(&c, PsiMode::default()).unwrap());
    assert_eq!(js, Some(p.jensenshannon(&c, None).unwrap()));
    let (_, psi_e, js_e) = p.score_sorted(&sorted, PsiMode::Evidently).unwrap();
    assert_eq!(psi_e, p.psi(&c, PsiMode::Evidently).unwrap());
    assert!(js_e.is_none());
    assert!(matches!(
        p.score_sorted(&[], PsiMode::default()),
        Err(Error::TooFewValues {
            param: "current",
            ..
        })
    ));
}

#[test]
fn binning_kernels_agree() {
    // ≤ 32 inner edges (cumulative kernel) vs > 32 (binary search) vs sorted path
    let x = lcg(10_000, 31, 0.0);
    let cur = lcg(7_777, 32, 0.05);
    for bins in [2, 10, 33, 34, 100] {
        let p = NumericProfile::fit(
            &x,
            &ProfileOptions {
                bins: BinStrategy::Quantile { bins },
                ..Default::default()
            },
        )
        .unwrap();
        let h = p.histogram(&cur).unwrap();
        let sorted = p.prepare_current(&cur).unwrap();
        assert_eq!(h, p.histogram_of_sorted(&sorted).unwrap(), "bins = {bins}");
        assert_eq!(h.iter().sum::<u64>(), cur.len() as u64);
        assert_eq!(p.counts.iter().sum::<u64>(), x.len() as u64);
    }
    // values equal to an edge go to the upper bin
    let o = ProfileOptions {
        bins: BinStrategy::Explicit {
            edges: vec![1.0, 2.0],
        },
        ..Default::default()
    };
    let p = NumericProfile::fit(&[0.0, 3.0], &o).unwrap();
    assert_eq!(p.histogram(&[1.0, 2.0, 0.5, 5.0]).unwrap(), vec![1, 1, 2]);
}

#[test]
fn fit_without_reference_matches_sorted_fit() {
    // the no-reference fit selects order statistics instead of sorting: the
    // edges and counts must be identical to the sorted path's
    let mut x = lcg(10_007, 21, -0.5);
    for (i, v) in x.iter_mut().enumerate() {
        if i % 3 == 0 {
            *v = (*v * 8.0).round() / 8.0; // ties
        }
        if i == 17 {
            *v = -0.0;
        }
    }
    x[100] = f64::NAN;
    for bins in [
        BinStrategy::Quantile { bins: 10 },
        BinStrategy::Quantile { bins: 7 },
        BinStrategy::Quantile { bins: 64 },
        BinStrategy::Quantile { bins: 2 },
        BinStrategy::EqualWidth { bins: 13 },
        BinStrategy::Explicit {
            edges: vec![-0.25, 0.0, 0.3],
        },
    ] {
        let keep = ProfileOptions {
            bins: bins.clone(),
            nan_policy: NanPolicy::Skip,
            keep_reference: true,
        };
        let light = ProfileOptions {
            keep_reference: false,
            ..keep.clone()
        };
        let a = NumericProfile::fit(&x, &keep).unwrap();
        let b = NumericProfile::fit(&x, &light).unwrap();
        assert_eq!(a.edges, b.edges, "{bins:?}");
        assert_eq!(a.counts, b.counts, "{bins:?}");
        assert_eq!(
            (a.count, a.nan_count, a.min, a.max),
            (b.count, b.nan_count, b.min, b.max)
        );
        assert!((a.mean - b.mean).abs() <= 1e-15, "{} {}", a.mean, b.mean);
        assert!((a.m2 - b.m2).abs() <= 1e-12 * a.m2);
        assert!(b.reference.is_empty());
        let cur = lcg(3000, 5, -0.4);
        assert_eq!(
            a.psi(&cur, PsiMode::default()).unwrap(),
            b.psi(&cur, PsiMode::default()).unwrap()
        );
    }
    let light = ProfileOptions {
        keep_reference: false,
        ..Default::default()
    };
    assert!(matches!(
        NumericProfile::fit(&x, &light),
        Err(Error::NonFinite {
            param: "reference",
            index: 100,
            ..
        })
    ));
    for one in [&[3.0, 3.0][..], &[3.0]] {
        let p = NumericProfile::fit(one, &light).unwrap();
        assert_eq!(
            p.edges,
            vec![f64::NEG_INFINITY, 3.0, 3.0f64.next_up(), f64::INFINITY]
        );
        assert_eq!(p.count, one.len() as u64);
    }
    assert!(matches!(
        NumericProfile::fit(&[], &light),
        Err(Error::TooFewValues { actual: 0, .. })
    ));
}

#[test]
fn profile_methods_equal_the_pure_functions() {
    use tradewarden_drift::anderson::{AdVariant, anderson_ksamp};
    use tradewarden_drift::cvm::{CvmMethod, cramervonmises_2samp};
    use tradewarden_drift::distance;
    use tradewarden_drift::tests::{MwuAlternative, MwuMethod, chi2_contingency, mannwhitneyu};
    let r = lcg(700, 31, 0.0);
    let c = lcg(400, 32, 0.1);
    let p = NumericProfile::fit(&r, &ProfileOptions::default()).unwrap();
    assert_eq!(
        p.energy_distance(&c).unwrap(),
        distance::energy_distance(&r, &c).unwrap()
    );
    assert_eq!(
        p.wasserstein_normed(&c).unwrap(),
        distance::wasserstein_normed(&r, &c).unwrap()
    );
    assert_eq!(
        p.cramervonmises(&c, CvmMethod::Auto).unwrap(),
        cramervonmises_2samp(&r, &c, CvmMethod::Auto).unwrap()
    );
    assert_eq!(
        p.anderson_ksamp(&c, AdVariant::Midrank).unwrap(),
        anderson_ksamp(&[&r, &c], AdVariant::Midrank).unwrap()
    );
    let m = p
        .mannwhitneyu(&c, MwuAlternative::TwoSided, MwuMethod::Auto)
        .unwrap();
    let want = mannwhitneyu(&r, &c, true, MwuAlternative::TwoSided, MwuMethod::Auto).unwrap();
    assert_eq!((m.statistic, m.pvalue), (want.statistic, want.pvalue));
    let h = p.histogram(&c).unwrap();
    let fr = |v: &[u64]| {
        let n = v.iter().sum::<u64>() as f64;
        v.iter().map(|&x| x as f64 / n).collect::<Vec<f64>>()
    };
    let (pe, pa) = (fr(&p.counts), fr(&h));
    assert_eq!(
        p.kl_divergence(&c, Some(2.0)).unwrap(),
        distance::kl_divergence(&pe, &pa, Some(2.0)).unwrap()
    );
    assert_eq!(
        p.hellinger(&c).unwrap(),
        distance::hellinger(&pe, &pa).unwrap()
    );
    assert!(p.kl_divergence(&c, None).unwrap() > 0.0);
    // needs the stored reference
    let light = NumericProfile::fit(
        &r,
        &ProfileOptions {
            keep_reference: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(matches!(
        light.energy_distance(&c),
        Err(Error::InvalidParameter {
            param: "keep_reference",
            ..
        })
    ));
    // categorical: χ² and JS over the union of categories
    let cats = CategoricalProfile::fit(&[Some("a"), Some("b"), Some("a"), Some("a")]).unwrap();
    let cur = [Some("b"), Some("b"), Some("c"), None];
    let chi = cats.chi2(&cur).unwrap();
    let want = chi2_contingency(&[vec![3.0, 1.0, 0.0], vec![0.0, 2.0, 1.0]], true).unwrap();
    assert_eq!(chi, want);
    let js = cats.jensenshannon(&cur, None).unwrap();
    let want = distance::jensenshannon(&[3.0, 1.0, 0.0], &[0.0, 2.0, 1.0], None).unwrap();
    assert_eq!(js, want);
    assert!(cats.jensenshannon(&[Some("a")], None).unwrap() > 0.0);
}

/// `Profile::union` over disjoint columns equals fitting them together,
/// keeps each feature's own options, and refuses shared features, different
/// rows and a feature that would not load.
#[test]
fn union_of_disjoint_profiles() {
    let (a, b) = (lcg(400, 3, 0.0), lcg(400, 5, 2.0));
    let side: Vec<Option<&str>> = (0..400)
        .map(|i| [Some("buy"), Some("sell"), None][i % 3])
        .collect();
    let o = ProfileOptions::default();
    let fit = |cols: &[(&str, FeatureData<'_>)], o: &ProfileOptions| {
        Profile::fit_features(cols, o).unwrap()
    };
    let pa = fit(&[("a", FeatureData::Numeric(&a))], &o);
    let pb = fit(
        &[
            ("b", FeatureData::Numeric(&b)),
            ("side", FeatureData::Categorical(&side)),
        ],
        &o,
    );
    let u = pa.union(&pb).unwrap();
    let all = fit(
        &[
            ("a", FeatureData::Numeric(&a)),
            ("b", FeatureData::Numeric(&b)),
            ("side", FeatureData::Categorical(&side)),
        ],
        &o,
    );
    assert_eq!(u, all);
    assert_eq!(pb.union(&pa).unwrap(), all);
    // the checksum is the union's: both persisted forms load back equal
    assert_eq!(Profile::from_bytes(&u.to_bytes()).unwrap(), all);
    assert_eq!(Profile::from_json(&u.to_json().unwrap()).unwrap(), all);
    assert_eq!(u.to_json().unwrap(), all.to_json().unwrap());

    // per-feature options: explicit edges for one column, skip + no reference for another
    let explicit = ProfileOptions {
        bins: BinStrategy::Explicit {
            edges: vec![0.25, 0.5, 0.75],
        },
        keep_reference: false,
        ..Default::default()
    };
    let skip = ProfileOptions {
        nan_policy: NanPolicy::Skip,
        ..Default::default()
    };
    let mut bn = b.clone();
    bn[7] = f64::NAN;
    let pe = fit(&[("a", FeatureData::Numeric(&a))], &explicit);
    let ps = fit(&[("b", FeatureData::Numeric(&bn))], &skip);
    let mixed = pe.union(&ps).unwrap();
    assert_eq!(mixed.numeric("a").unwrap().options, explicit);
    assert_eq!(mixed.numeric("b").unwrap().options, skip);
    assert_eq!(mixed.numeric("b").unwrap().nan_count, 1);

    // a shared feature is named
    let e = u.union(&pa).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("feature \"a\""), "{e}");
    // different rows
    let mut rows = pb.clone();
    rows.set_reference_rows(Some(0..400)).unwrap();
    let e = pa.union(&rows).unwrap_err();
    assert!(e.to_string().contains("reference_rows"), "{e}");
    let (mut ra, mut rb) = (pa.clone(), pb.clone());
    ra.set_reference_rows(Some(0..400)).unwrap();
    rb.set_reference_rows(Some(0..400)).unwrap();
    assert_eq!(ra.union(&rb).unwrap().reference_rows, Some(0..400));
    // a feature that would not load is refused, naming it
    let mut bad = pb.clone();
    if let Some(FeatureProfile::Numeric(n)) = bad.features.get_mut("b") {
        n.counts.pop();
    }
    let e = pa.union(&bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    assert!(e.to_string().contains("feature \"b\""), "{e}");
    // neither input changed
    assert_eq!(pa.features.len(), 1);
    assert_eq!(pb.features.len(), 2);
}
