//! Drift reports: method choice, corrections, severity, bad input.
#![allow(clippy::unwrap_used)]

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_drift::Error;
use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden_drift::report::{
    Correction, DriftReport, FeatureData, Method, ReportOptions, Severity, SeverityBands,
    adjust_pvalues,
};

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
fn identical_features_do_not_drift() {
    let a = lcg(300, 1, 0.0);
    let big = lcg(5000, 2, 0.0);
    let cats: Vec<Option<&str>> = (0..400).map(|i| Some(["a", "b", "c"][i % 3])).collect();
    let refs = [
        ("a", FeatureData::Numeric(&a)),
        ("big", FeatureData::Numeric(&big)),
        ("c", FeatureData::Categorical(&cats)),
    ];
    let r = DriftReport::from_slices(
        &refs,
        &refs,
        &ProfileOptions::default(),
        &ReportOptions::default(),
    )
    .unwrap();
    assert_eq!(r.n_drifted, 0);
    assert!(!r.dataset_drift);
    for f in &r.features {
        assert_eq!(f.statistic, 0.0, "{f:?}");
        assert_eq!(f.psi, Some(0.0));
        assert_eq!(f.jensenshannon, Some(0.0));
        assert_eq!(f.severity, Severity::None);
    }
    assert_eq!(r.features[0].method, Method::Ks);
    assert_eq!(r.features[0].ks, Some((0.0, 1.0)));
    assert_eq!(r.features[1].method, Method::Psi);
    assert_eq!(r.features[2].method, Method::Chi2);
    let json = r.to_json().unwrap();
    let back: DriftReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn disjoint_seed_case_drifts() {
    let refs = [("x", FeatureData::Numeric(&[0.0, 0.1][..]))];
    let cur = [("x", FeatureData::Numeric(&[0.2, 0.3][..]))];
    let r = DriftReport::from_slices(
        &refs,
        &cur,
        &ProfileOptions::default(),
        &ReportOptions::default(),
    )
    .unwrap();
    let f = &r.features[0];
    assert_eq!(f.ks.unwrap().0, 1.0);
    assert!(f.psi.unwrap() > 4.0);
    assert_eq!(f.severity, Severity::Critical);
    // KS p = 1/3 with n = 2 vs 2: not significant at 0.05, and the flag says so
    assert!(!f.drift);
}

#[test]
fn large_shift_flags_psi_and_dataset() {
    let a = lcg(20_000, 3, 0.0);
    let b = lcg(20_000, 4, 0.5);
    let c = lcg(20_000, 5, 0.0);
    let refs = [
        ("a", FeatureData::Numeric(&a)),
        ("c", FeatureData::Numeric(&c)),
    ];
    let cur = [
        ("a", FeatureData::Numeric(&b)),
        ("c", FeatureData::Numeric(&c)),
    ];
    let r = DriftReport::from_slices(
        &refs,
        &cur,
        &ProfileOptions::default(),
        &ReportOptions::default(),
    )
    .unwrap();
    assert!(r.features[0].drift);
    assert_eq!(r.features[0].severity, Severity::Critical);
    assert!(!r.features[1].drift);
    assert_eq!(r.drift_share, 0.5);
    assert!(r.dataset_drift);
}

#[test]
fn corrections() {
    let mut p = [0.01, 0.04, 0.03, 0.005];
    adjust_pvalues(&mut p, Correction::BenjaminiHochberg);
    let want = [0.02, 0.04, 0.04, 0.02];
    for (g, w) in p.iter().zip(want) {
        assert!((g - w).abs() < 1e-15, "{p:?}");
    }
    let mut p = [0.01, 0.3];
    adjust_pvalues(&mut p, Correction::Bonferroni);
    assert_eq!(p, [0.02, 0.6]);
    let mut p = [0.01, 0.3];
    adjust_pvalues(&mut p, Correction::None);
    assert_eq!(p, [0.01, 0.3]);
}

#[test]
fn bands() {
    let b = SeverityBands::AUTOTRADER_KS;
    assert_eq!(b.classify(0.1), Severity::None);
    assert_eq!(b.classify(0.11), Severity::Low);
    assert_eq!(b.classify(0.25), Severity::Medium);
    assert_eq!(b.classify(0.4), Severity::High);
    assert_eq!(b.classify(0.6), Severity::Critical);
    assert_eq!(SeverityBands::AUTOTRADER_PSI.classify(0.22), Severity::High);
}

#[test]
fn bad_input() {
    let a = lcg(100, 1, 0.0);
    let mut profile = Profile::new();
    profile.insert(
        "a",
        FeatureProfile::Numeric(NumericProfile::fit(&a, &ProfileOptions::default()).unwrap()),
    );
    let e = DriftReport::compute(
        &profile,
        &[("zzz", FeatureData::Numeric(&a))],
        &ReportOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, Error::UnknownFeature { .. }));
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(DriftReport::compute(&profile, &[], &ReportOptions::default()).is_err());
    let cats = [Some("x")];
    let e = DriftReport::compute(
        &profile,
        &[("a", FeatureData::Categorical(&cats))],
        &ReportOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidParameter {
            param: "current",
            ..
        }
    ));
    for (o, param) in [
        (
            ReportOptions {
                alpha: 0.0,
                ..Default::default()
            },
            "alpha",
        ),
        (
            ReportOptions {
                alpha: 1.5,
                ..Default::default()
            },
            "alpha",
        ),
        (
            ReportOptions {
                drift_share: 0.0,
                ..Default::default()
            },
            "drift_share",
        ),
        (
            ReportOptions {
                js_threshold: 2.0,
                ..Default::default()
            },
            "js_threshold",
        ),
        (
            ReportOptions {
                psi_threshold: f64::NAN,
                ..Default::default()
            },
            "psi_threshold",
        ),
        (
            ReportOptions {
                ks_bands: SeverityBands {
                    low: 0.5,
                    medium: 0.1,
                    high: 0.6,
                    critical: 0.7,
                },
                ..Default::default()
            },
            "ks_bands",
        ),
    ] {
        let e = DriftReport::compute(&profile, &[("a", FeatureData::Numeric(&a))], &o).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { param: p, .. } if p == param),
            "{e}"
        );
    }
    let with_nan = [1.0, f64::NAN];
    let e = DriftReport::compute(
        &profile,
        &[("a", FeatureData::Numeric(&with_nan))],
        &ReportOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        Error::NonFinite {
            param: "current",
            index: 1,
            ..
        }
    ));
}

#[test]
fn bonferroni_changes_flags() {
    // 3 small features with a moderate shift: raw p < 0.05 but not after ×3
    let a = lcg(60, 11, 0.0);
    let b = lcg(60, 12, 0.2);
    let refs = [
        ("a", FeatureData::Numeric(&a)),
        ("b", FeatureData::Numeric(&a)),
        ("c", FeatureData::Numeric(&a)),
    ];
    let cur = [
        ("a", FeatureData::Numeric(&b)),
        ("b", FeatureData::Numeric(&a)),
        ("c", FeatureData::Numeric(&a)),
    ];
    let raw = DriftReport::from_slices(
        &refs,
        &cur,
        &ProfileOptions::default(),
        &ReportOptions::default(),
    )
    .unwrap();
    let p = raw.features[0].pvalue.unwrap();
    let o = ReportOptions {
        correction: Correction::Bonferroni,
        ..Default::default()
    };
    let adj = DriftReport::from_slices(&refs, &cur, &ProfileOptions::default(), &o).unwrap();
    assert_eq!(adj.features[0].pvalue_adjusted, Some((p * 3.0).min(1.0)));
    assert_eq!(adj.features[0].drift, p * 3.0 < 0.05);
    assert_eq!(raw.features[0].drift, p < 0.05);
}

/// A current profile merged from partitions scores exactly like the current
/// data itself (the Dask/Spark path).
#[test]
fn merged_current_profile_scores_like_the_data() {
    use tradewarden_drift::profile::{BinStrategy, CategoricalProfile};
    let reference = lcg(4000, 11, 0.0);
    let small = lcg(600, 12, 0.0);
    let current: Vec<f64> = lcg(3000, 13, 0.02);
    let cur_small = lcg(500, 14, 0.3);
    let cats_ref: Vec<Option<&str>> = (0..900)
        .map(|i| {
            if i % 50 == 0 {
                None
            } else {
                Some(["a", "b", "c"][i % 3])
            }
        })
        .collect();
    let cats_cur: Vec<Option<&str>> = (0..700)
        .map(|i| {
            if i % 31 == 0 {
                None
            } else {
                Some(["a", "b", "d"][(i * 7) % 3])
            }
        })
        .collect();
    let opts = ProfileOptions::default();
    let mut rp = Profile::new();
    rp.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(&reference, &opts).unwrap()),
    );
    rp.insert(
        "s",
        FeatureProfile::Numeric(NumericProfile::fit(&small, &opts).unwrap()),
    );
    rp.insert(
        "c",
        FeatureProfile::Categorical(CategoricalProfile::fit(&cats_ref).unwrap()),
    );

    // current partitions fitted with two explicit bins (their bins are never used), then merged
    let cur_opts = ProfileOptions {
        bins: BinStrategy::Explicit { edges: vec![0.5] },
        ..ProfileOptions::default()
    };
    let mut merged: Option<Profile> = None;
    for k in 0..5 {
        let part = |v: &[f64]| {
            let (lo, hi) = (k * v.len() / 5, (k + 1) * v.len() / 5);
            v[lo..hi].to_vec()
        };
        let (lo, hi) = (k * cats_cur.len() / 5, (k + 1) * cats_cur.len() / 5);
        let mut p = Profile::new();
        p.insert(
            "x",
            FeatureProfile::Numeric(NumericProfile::fit(&part(&current), &cur_opts).unwrap()),
        );
        p.insert(
            "s",
            FeatureProfile::Numeric(NumericProfile::fit(&part(&cur_small), &cur_opts).unwrap()),
        );
        p.insert(
            "c",
            FeatureProfile::Categorical(CategoricalProfile::fit(&cats_cur[lo..hi]).unwrap()),
        );
        match merged.as_mut() {
            None => merged = Some(p),
            Some(m) => {
                for (name, f) in p.features {
                    match (m.features.get_mut(&name).unwrap(), f) {
                        (FeatureProfile::Numeric(a), FeatureProfile::Numeric(b)) => {
                            a.merge(&b).unwrap()
                        }
                        (FeatureProfile::Categorical(a), FeatureProfile::Categorical(b)) => {
                            a.merge(&b).unwrap()
                        }
                        _ => unreachable!(),
                    }
                }
            }
        }
    }
    let merged = merged.unwrap();
    for correction in [Correction::None, Correction::BenjaminiHochberg] {
        let o = ReportOptions {
            correction,
            ..ReportOptions::default()
        };
        let direct = DriftReport::compute(
            &rp,
            &[
                ("c", FeatureData::Categorical(&cats_cur)),
                ("s", FeatureData::Numeric(&cur_small)),
                ("x", FeatureData::Numeric(&current)),
            ],
            &o,
        )
        .unwrap();
        let via_profiles = DriftReport::compute_profiles(&rp, &merged, &o).unwrap();
        assert_eq!(via_profiles, direct);
        assert!(direct.n_drifted >= 1);
    }

    // a numeric current feature without stored values cannot be scored
    let mut no_ref = Profile::new();
    let o2 = ProfileOptions {
        keep_reference: false,
        ..cur_opts.clone()
    };
    no_ref.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(&current, &o2).unwrap()),
    );
    let e = DriftReport::compute_profiles(&rp, &no_ref, &ReportOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("keep_reference"), "{e}");
    // unknown feature in the current profile
    let mut unknown = Profile::new();
    unknown.insert(
        "zzz",
        FeatureProfile::Numeric(NumericProfile::fit(&current, &cur_opts).unwrap()),
    );
    assert!(DriftReport::compute_profiles(&rp, &unknown, &ReportOptions::default()).is_err());
}
