//! Every bad-input case listed in the issue gives a typed error naming the
//! parameter (never a panic): empty sample, all-NaN, NaN under the default
//! policy, ±inf, a single value, a constant feature, bins < 2, an unknown
//! feature name, probabilities not summing to 1 or negative.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tradewarden_core::{Classify, ErrorKind, NanPolicy};
use tradewarden_drift::Error;
use tradewarden_drift::anderson::{AdVariant, anderson_ksamp};
use tradewarden_drift::cvm::{CvmMethod, cramervonmises_2samp};
use tradewarden_drift::distance::{
    energy_distance, hellinger, jensenshannon, kl_divergence, wasserstein, wasserstein_normed,
};
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden_drift::profile::{
    BinStrategy, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};
use tradewarden_drift::psi::{PsiMode, psi_from_counts};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};

fn param_of(e: &Error) -> &'static str {
    match e {
        Error::TooFewValues { param, .. }
        | Error::NonFinite { param, .. }
        | Error::InvalidParameter { param, .. }
        | Error::InvalidProbabilities { param, .. }
        | Error::Degenerate { param, .. }
        | Error::UnknownFeature { param, .. } => param,
        other => panic!("no parameter in {other:?}"),
    }
}

fn expect(e: Error, param: &str, kind: ErrorKind) {
    assert_eq!(param_of(&e), param, "{e}");
    assert_eq!(e.kind(), kind, "{e}");
    assert!(
        e.to_string().contains(param),
        "message names the parameter: {e}"
    );
}

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

#[test]
fn empty_samples() {
    let x = [1.0, 2.0, 3.0];
    let ks = |a: &[f64], b: &[f64]| {
        ks_2samp(
            a,
            b,
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Error,
        )
        .unwrap_err()
    };
    expect(ks(&[], &x), "data1", ErrorKind::InvalidInput);
    expect(ks(&x, &[]), "data2", ErrorKind::InvalidInput);
    expect(
        wasserstein(&[], &x).unwrap_err(),
        "u",
        ErrorKind::InvalidInput,
    );
    expect(
        energy_distance(&x, &[]).unwrap_err(),
        "v",
        ErrorKind::InvalidInput,
    );
    expect(
        cramervonmises_2samp(&[], &x, CvmMethod::Auto).unwrap_err(),
        "x",
        ErrorKind::InvalidInput,
    );
    expect(
        anderson_ksamp(&[&x, &[]], AdVariant::Midrank).unwrap_err(),
        "samples",
        ErrorKind::InvalidInput,
    );
    expect(
        NumericProfile::fit(&[], &ProfileOptions::default()).unwrap_err(),
        "reference",
        ErrorKind::InvalidInput,
    );
    let p = NumericProfile::fit(&x, &ProfileOptions::default()).unwrap();
    expect(
        p.psi(&[], PsiMode::default()).unwrap_err(),
        "current",
        ErrorKind::InvalidInput,
    );
}

#[test]
fn all_nan_and_nan_under_default_policy() {
    let x = [1.0, 2.0, 3.0];
    let all_nan = [NAN, NAN, NAN];
    // default policy (Error): NaN is an error naming the sample and index
    let e = ks_2samp(
        &x,
        &[1.0, NAN],
        Alternative::TwoSided,
        KsMethod::Auto,
        NanPolicy::Error,
    )
    .unwrap_err();
    expect(e, "data2", ErrorKind::InvalidInput);
    // all-NaN under Skip: nothing left
    let e = ks_2samp(
        &all_nan,
        &x,
        Alternative::TwoSided,
        KsMethod::Auto,
        NanPolicy::Skip,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooFewValues {
                param: "data1",
                actual: 0,
                ..
            }
        ),
        "{e}"
    );
    let skip = ProfileOptions {
        nan_policy: NanPolicy::Skip,
        ..Default::default()
    };
    for keep_reference in [true, false] {
        let o = ProfileOptions {
            keep_reference,
            ..skip.clone()
        };
        let e = NumericProfile::fit(&all_nan, &o).unwrap_err();
        assert!(
            matches!(
                e,
                Error::TooFewValues {
                    param: "reference",
                    actual: 0,
                    ..
                }
            ),
            "{e}"
        );
        let e = NumericProfile::fit(
            &[1.0, NAN, 2.0],
            &ProfileOptions {
                keep_reference,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    param: "reference",
                    index: 1,
                    ..
                }
            ),
            "{e}"
        );
    }
    let p = NumericProfile::fit(&x, &skip).unwrap();
    expect(
        p.psi(&all_nan, PsiMode::default()).unwrap_err(),
        "current",
        ErrorKind::InvalidInput,
    );
    expect(
        wasserstein(&x, &[NAN]).unwrap_err(),
        "v",
        ErrorKind::InvalidInput,
    );
    expect(
        cramervonmises_2samp(&x, &[1.0, NAN], CvmMethod::Auto).unwrap_err(),
        "y",
        ErrorKind::InvalidInput,
    );
}

#[test]
fn infinities() {
    let x = [1.0, 2.0, 3.0];
    for bad in [INF, -INF] {
        let e = ks_2samp(
            &[1.0, bad],
            &x,
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Error,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    param: "data1",
                    index: 1,
                    ..
                }
            ),
            "{e}"
        );
        let e = NumericProfile::fit(&[1.0, 2.0, bad], &ProfileOptions::default()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    param: "reference",
                    index: 2,
                    ..
                }
            ),
            "{e}"
        );
        let p = NumericProfile::fit(&x, &ProfileOptions::default()).unwrap();
        let e = p.psi(&[bad], PsiMode::default()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    param: "current",
                    index: 0,
                    ..
                }
            ),
            "{e}"
        );
        expect(
            energy_distance(&[bad], &x).unwrap_err(),
            "u",
            ErrorKind::InvalidInput,
        );
        expect(
            anderson_ksamp(&[&x, &[bad, 1.0]], AdVariant::Midrank).unwrap_err(),
            "samples",
            ErrorKind::InvalidInput,
        );
        expect(
            jensenshannon(&[bad, 1.0], &[0.5, 0.5], None).unwrap_err(),
            "p",
            ErrorKind::InvalidInput,
        );
    }
}

#[test]
fn single_value_and_constant_feature() {
    // a profile needs one value (a partition may hold a single one); no
    // finite value at all is an error naming the reference
    let e = NumericProfile::fit(&[], &ProfileOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooFewValues {
                param: "reference",
                actual: 0,
                min: 1
            }
        ),
        "{e}"
    );
    // a constant feature (or a single value) fits: its quantile /
    // equal-width edges are [−inf, v, v⁺, +inf] (issue #21: a constant
    // partition used to fail the whole fit)
    for bins in [
        BinStrategy::Quantile { bins: 10 },
        BinStrategy::EqualWidth { bins: 5 },
    ] {
        for keep_reference in [true, false] {
            let o = ProfileOptions {
                bins: bins.clone(),
                keep_reference,
                ..Default::default()
            };
            for values in [&[4.0; 100][..], &[4.0]] {
                let p = NumericProfile::fit(values, &o).unwrap();
                assert_eq!(
                    p.edges,
                    vec![f64::NEG_INFINITY, 4.0, 4.0f64.next_up(), f64::INFINITY]
                );
                assert_eq!(p.counts, vec![0, values.len() as u64, 0]);
                assert!(p.is_constant());
                p.validate().unwrap();
            }
        }
    }
    // the normed Wasserstein divides by the reference std
    expect(
        wasserstein_normed(&[4.0; 10], &[1.0, 2.0]).unwrap_err(),
        "reference",
        ErrorKind::InvalidInput,
    );
    // Anderson–Darling needs two distinct values and four in all
    expect(
        anderson_ksamp(&[&[4.0; 3], &[4.0; 3]], AdVariant::Midrank).unwrap_err(),
        "samples",
        ErrorKind::InvalidInput,
    );
    expect(
        anderson_ksamp(&[&[4.0], &[5.0]], AdVariant::Midrank).unwrap_err(),
        "samples",
        ErrorKind::InvalidInput,
    );
    // (a single value per side is valid for KS, as in scipy)
    let r = ks_2samp(
        &[0.0],
        &[1.0],
        Alternative::TwoSided,
        KsMethod::Auto,
        NanPolicy::Error,
    )
    .unwrap();
    assert_eq!(r.statistic, 1.0);
}

#[test]
fn fewer_than_two_bins() {
    for bins in [0usize, 1] {
        for s in [
            BinStrategy::Quantile { bins },
            BinStrategy::EqualWidth { bins },
        ] {
            for keep_reference in [true, false] {
                let o = ProfileOptions {
                    bins: s.clone(),
                    keep_reference,
                    ..Default::default()
                };
                let e = NumericProfile::fit(&[1.0, 2.0, 3.0], &o).unwrap_err();
                expect(e, "bins", ErrorKind::InvalidInput);
            }
        }
    }
    let o = ProfileOptions {
        bins: BinStrategy::Explicit { edges: vec![] },
        ..Default::default()
    };
    expect(
        NumericProfile::fit(&[1.0, 2.0], &o).unwrap_err(),
        "edges",
        ErrorKind::InvalidInput,
    );
    expect(
        psi_from_counts(&[5], &[5], 1e-4).unwrap_err(),
        "expected",
        ErrorKind::InvalidInput,
    );
}

#[test]
fn unknown_feature_name() {
    let x: Vec<f64> = (0..50).map(f64::from).collect();
    let mut profile = Profile::new();
    profile.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(&x, &ProfileOptions::default()).unwrap()),
    );
    let e = profile.numeric("y").unwrap_err();
    expect(e, "name", ErrorKind::NotFound);
    let e = DriftReport::compute(
        &profile,
        &[("y", FeatureData::Numeric(&x))],
        &ReportOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::UnknownFeature { name, .. } if name == "y"),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn probabilities_not_summing_to_one_or_negative() {
    let q = [0.5, 0.5];
    expect(
        kl_divergence(&[0.7, 0.7], &q, None).unwrap_err(),
        "p",
        ErrorKind::InvalidInput,
    );
    expect(
        kl_divergence(&q, &[0.2, 0.2], None).unwrap_err(),
        "q",
        ErrorKind::InvalidInput,
    );
    expect(
        hellinger(&[1.2, -0.2], &q).unwrap_err(),
        "p",
        ErrorKind::InvalidInput,
    );
    // jensenshannon normalises (as scipy) but rejects negative entries and zero sums
    expect(
        jensenshannon(&q, &[-0.5, 1.5], None).unwrap_err(),
        "q",
        ErrorKind::InvalidInput,
    );
    expect(
        jensenshannon(&[0.0, 0.0], &q, None).unwrap_err(),
        "p",
        ErrorKind::InvalidInput,
    );
    let e = kl_divergence(&[0.7, 0.7], &q, None).unwrap_err();
    assert!(matches!(e, Error::InvalidProbabilities { value, .. } if (value - 1.4).abs() < 1e-12));
}
