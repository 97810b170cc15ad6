//! Hostile inputs to drift profiles (issue 20) and the profile format fixes
//! (issue 21): every reproduction is a typed error, never a panic, a hang or
//! an absurd number.
//!
//! - binary profiles mutated field by field, re-encoded so that the checksum
//!   matches and the decoder is reached: `edges = [x]`, unsorted edges, NaN
//!   edges, counts that disagree with the total, huge bin counts;
//! - NaN/±inf into the sorted distance kernels (run in a thread with a
//!   timeout, so a regression fails instead of hanging);
//! - `bins` above `MAX_BINS` in every strategy and PSI entry point;
//! - random byte mutations of an encoded profile (checksum fixed up);
//! - JSON: bit-exact float round trip, checksum verified, format detection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use tradewarden_core::{Classify, ErrorKind, NanPolicy};
use tradewarden_drift::Error;
use tradewarden_drift::distance::{energy_distance_sorted, wasserstein_sorted};
use tradewarden_drift::profile::{
    BinStrategy, CategoricalProfile, FeatureProfile, MAX_BINS, NumericProfile, Profile,
    ProfileFormat, ProfileOptions, quantile_sorted,
};
use tradewarden_drift::psi::{PsiMode, psi_from_counts};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::sketch::QuantileSketch;

/// Runs `f` on another thread and fails the test if it does not finish in
/// `secs` seconds (a hang) or panics.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("still running after {secs} s: a hang"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the call panicked"),
    }
}

/// 64-bit FNV-1a, the checksum of the binary format (docs/drift.md).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Recomputes the header checksum of a (mutated) binary profile, so the
/// decoder sees the payload.
fn fix_checksum(bytes: &mut [u8]) {
    let sum = fnv1a(&bytes[24..]);
    bytes[16..24].copy_from_slice(&sum.to_le_bytes());
}

fn lcg(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn fitted(values: &[f64]) -> NumericProfile {
    NumericProfile::fit(values, &ProfileOptions::default()).unwrap()
}

fn one(p: NumericProfile) -> Profile {
    let mut prof = Profile::new();
    prof.insert("x", FeatureProfile::Numeric(p));
    prof
}

/// `to_bytes` encodes without validating, with a correct checksum: the
/// decoder's validation is what must refuse the mutation.
fn decode_mutated(mutate: impl FnOnce(&mut NumericProfile)) -> Error {
    let mut p = fitted(&lcg(500, 7));
    mutate(&mut p);
    let bytes = one(p.clone()).to_bytes();
    let e = Profile::from_bytes(&bytes).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    // the JSON decoder applies the same validation (with a matching checksum)
    let json = one(p).to_json().unwrap();
    let j = Profile::from_json(&json).unwrap_err();
    assert_eq!(j.kind(), ErrorKind::Corrupt, "{j}");
    e
}

fn what(e: &Error) -> &'static str {
    match e {
        Error::Corrupt { what, .. } => what,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn single_edge_is_corrupt_not_a_panic() {
    let e = decode_mutated(|p| {
        p.edges = vec![0.5];
        p.counts = Vec::new();
    });
    assert_eq!(what(&e), "edges", "{e}");
    assert!(e.to_string().contains("\"x\""), "names the feature: {e}");
    // a profile built by hand with one edge: scoring is an error too
    let mut p = fitted(&lcg(500, 7));
    p.edges = vec![0.5];
    let r = within(10, move || p.psi(&[0.1, 0.2], PsiMode::default()).is_err());
    assert!(r);
}

#[test]
fn unsorted_edges_are_corrupt() {
    let e = decode_mutated(|p| p.edges.swap(2, 6));
    assert_eq!(what(&e), "edges", "{e}");
    assert!(e.to_string().contains("strictly increasing"), "{e}");
    // the reproduction: PSI of a hand-built profile with swapped edges is
    // an error or a finite number, never the wrapped 2.98e18
    let mut p = fitted(&lcg(5000, 3));
    p.edges.swap(2, 6);
    let cur = lcg(3000, 4);
    let r = within(10, move || {
        (
            p.psi(&cur, PsiMode::default()).ok(),
            p.histogram_of_sorted(&{
                let mut c = cur.clone();
                c.sort_by(f64::total_cmp);
                c
            })
            .is_err(),
        )
    });
    if let Some(psi) = r.0 {
        assert!(psi.is_finite() && psi < 100.0, "{psi}");
    }
    assert!(
        r.1,
        "unsorted edges are detected when counting a sorted sample"
    );
}

#[test]
fn nan_and_infinite_edges_are_corrupt() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = decode_mutated(|p| p.edges[3] = bad);
        assert_eq!(what(&e), "edges", "{bad}: {e}");
    }
    let e = decode_mutated(|p| p.edges[0] = 0.0);
    assert_eq!(what(&e), "edges", "{e}");
}

#[test]
fn counts_that_disagree_with_the_total_are_corrupt() {
    let e = decode_mutated(|p| p.counts[0] += 1);
    assert_eq!(what(&e), "counts", "{e}");
    let e = decode_mutated(|p| p.count += 1);
    assert_eq!(what(&e), "counts", "{e}");
    let e = decode_mutated(|p| {
        p.counts[0] = u64::MAX;
        p.counts[1] = 2;
    });
    assert_eq!(what(&e), "counts", "{e}");
    let e = decode_mutated(|p| {
        p.counts.pop();
    });
    assert_eq!(what(&e), "counts", "{e}");
    let e = decode_mutated(|p| p.nan_count = 3); // nan_policy = error drops nothing
    assert_eq!(what(&e), "nan_count", "{e}");
}

#[test]
fn huge_bin_counts_are_corrupt() {
    let e = decode_mutated(|p| p.options.bins = BinStrategy::Quantile { bins: 1 << 40 });
    assert_eq!(what(&e), "options", "{e}");
    assert!(e.to_string().contains("bins"), "{e}");
    let e = decode_mutated(|p| p.options.bins = BinStrategy::EqualWidth { bins: 0 });
    assert_eq!(what(&e), "options", "{e}");
}

#[test]
fn bad_reference_and_moments_are_corrupt() {
    let e = decode_mutated(|p| p.reference[10] = f64::NAN);
    assert_eq!(what(&e), "reference", "{e}");
    let e = decode_mutated(|p| p.reference.swap(10, 400));
    assert_eq!(what(&e), "reference", "{e}");
    let e = decode_mutated(|p| {
        p.reference.pop();
    });
    assert_eq!(what(&e), "reference", "{e}");
    let e = decode_mutated(|p| p.min = -1.0);
    assert_eq!(what(&e), "reference", "{e}");
    let e = decode_mutated(|p| p.max = f64::INFINITY);
    assert_eq!(what(&e), "max", "{e}");
    let e = decode_mutated(|p| p.m2 = -1.0);
    assert_eq!(what(&e), "m2", "{e}");
    let e = decode_mutated(|p| {
        p.options.bins = BinStrategy::Sturges;
    });
    assert_eq!(what(&e), "edges", "{e}");
}

#[test]
fn categorical_counts_must_add_up() {
    let mut c = CategoricalProfile::fit(&[Some("a"), Some("b"), None]).unwrap();
    c.count = 5;
    let mut prof = Profile::new();
    prof.insert("c", FeatureProfile::Categorical(c));
    let e = Profile::from_bytes(&prof.to_bytes()).unwrap_err();
    assert_eq!(what(&e), "counts", "{e}");
    let e = Profile::from_json(&prof.to_json().unwrap()).unwrap_err();
    assert_eq!(what(&e), "counts", "{e}");
}

#[test]
fn raw_byte_mutation_reaches_the_validation() {
    // flip the sign bit of the 4th edge in the encoded bytes, fix the checksum
    let p = fitted(&lcg(500, 7));
    let target = p.edges[3].to_le_bytes();
    let mut b = one(p).to_bytes();
    let at = b.windows(8).position(|w| w == target).unwrap();
    b[at + 7] ^= 0x80;
    fix_checksum(&mut b);
    let e = Profile::from_bytes(&b).unwrap_err();
    assert_eq!(what(&e), "edges", "{e}");
}

#[test]
fn nan_into_sorted_distances_is_an_error_not_a_hang() {
    let cases: Vec<(Vec<f64>, Vec<f64>, &str)> = vec![
        (vec![0.0, f64::NAN, 2.0], vec![1.0, 3.0], "u"),
        (vec![0.0, 1.0], vec![f64::NAN], "v"),
        (vec![f64::NAN], vec![f64::NAN], "u"),
        (vec![0.0, 1.0, f64::NAN], vec![0.5, 5.0], "u"),
        (vec![0.0, 1.0], vec![0.5, f64::INFINITY], "v"),
        (vec![f64::NEG_INFINITY, 1.0], vec![0.5], "u"),
    ];
    for (u, v, param) in cases {
        let (w, e) = within(10, move || {
            (wasserstein_sorted(&u, &v), energy_distance_sorted(&u, &v))
        });
        for r in [w, e] {
            match r {
                Err(Error::NonFinite { param: p, .. }) => assert_eq!(p, param),
                other => panic!("expected NonFinite({param}), got {other:?}"),
            }
        }
    }
    // not ascending, empty, overflowing
    let r = within(10, || wasserstein_sorted(&[2.0, 1.0], &[0.0]));
    assert!(
        matches!(r, Err(Error::InvalidParameter { param: "u", .. })),
        "{r:?}"
    );
    let r = within(10, || energy_distance_sorted(&[], &[0.0]));
    assert!(
        matches!(r, Err(Error::TooFewValues { param: "u", .. })),
        "{r:?}"
    );
    let r = within(10, || wasserstein_sorted(&[-f64::MAX], &[f64::MAX]));
    assert!(matches!(r, Err(Error::Degenerate { .. })), "{r:?}");
    // the finite results are unchanged
    let w = wasserstein_sorted(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]).unwrap();
    assert!((w - 5.0).abs() < 1e-12);
}

#[test]
fn profile_distances_on_a_nan_reference_terminate() {
    // a profile built by hand (never loaded, so never validated)
    let mut p = fitted(&lcg(100, 9));
    p.reference[50] = f64::NAN;
    let cur = lcg(80, 10);
    let (w, e) = within(10, move || {
        // Sturges bins over a NaN reference: must terminate (any outcome)
        let _ = p.psi(&[0.5, 0.5], PsiMode::Evidently);
        (p.wasserstein(&cur), p.energy_distance(&cur))
    });
    assert!(w.is_err(), "{w:?}");
    assert!(e.is_err(), "{e:?}");
    // Evidently PSI over ≤ 20 distinct values walks both samples: an error, not a loop
    let mut q = NumericProfile::fit(
        &[1.0, 2.0, 2.0, 3.0],
        &ProfileOptions {
            bins: BinStrategy::Sturges,
            ..Default::default()
        },
    )
    .unwrap();
    q.reference[1] = f64::NAN;
    let r = within(10, move || q.psi(&[1.0, 2.0], PsiMode::Evidently));
    assert!(r.is_err(), "{r:?}");
}

fn opts(bins: BinStrategy, keep_reference: bool) -> ProfileOptions {
    ProfileOptions {
        bins,
        nan_policy: NanPolicy::Error,
        keep_reference,
    }
}

#[test]
fn bins_above_the_cap_are_refused_quickly() {
    let x = lcg(1000, 1);
    for keep in [true, false] {
        for strategy in [
            BinStrategy::Quantile { bins: 1 << 40 },
            BinStrategy::EqualWidth { bins: 1 << 40 },
            BinStrategy::Quantile { bins: MAX_BINS + 1 },
            BinStrategy::EqualWidth { bins: MAX_BINS + 1 },
        ] {
            let x = x.clone();
            let o = opts(strategy, keep);
            let r = within(10, move || NumericProfile::fit(&x, &o));
            match r {
                Err(Error::InvalidParameter { param, value, .. }) => {
                    assert_eq!(param, "bins");
                    assert!(value.parse::<usize>().unwrap() > MAX_BINS, "{value}");
                }
                other => panic!("expected InvalidParameter(bins), got {other:?}"),
            }
        }
    }
    // MAX_BINS itself is allowed
    let p =
        NumericProfile::fit(&x, &opts(BinStrategy::Quantile { bins: MAX_BINS }, false)).unwrap();
    assert!(p.counts.len() <= MAX_BINS);
    assert_eq!(p.counts.iter().sum::<u64>(), 1000);
    // explicit edges: at most MAX_BINS + 1
    let edges: Vec<f64> = (0..MAX_BINS + 2).map(|i| i as f64).collect();
    let r = NumericProfile::fit(&x, &opts(BinStrategy::Explicit { edges }, false));
    assert!(
        matches!(r, Err(Error::InvalidParameter { param: "bins", .. })),
        "{r:?}"
    );
    // the profile-level entry point and the sketch
    let r = within(10, move || {
        Profile::fit_features(
            &cols_owned(),
            &opts(BinStrategy::EqualWidth { bins: 1 << 40 }, true),
        )
        .map(|_| ())
    });
    assert!(
        matches!(r, Err(Error::InvalidParameter { param: "bins", .. })),
        "{r:?}"
    );
    let s = QuantileSketch::from_values(&x, 200, NanPolicy::Error).unwrap();
    assert!(matches!(
        s.quantile_edges(1 << 40),
        Err(Error::InvalidParameter { param: "bins", .. })
    ));
}

fn cols_owned() -> Vec<(&'static str, FeatureData<'static>)> {
    static X: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let x = X.get_or_init(|| lcg(1000, 1));
    vec![("x", FeatureData::Numeric(x))]
}

#[test]
fn psi_from_counts_caps_bins_and_checks_overflow() {
    let big = vec![1u64; MAX_BINS + 1];
    assert!(matches!(
        psi_from_counts(&big, &big, 1e-4),
        Err(Error::InvalidParameter { param: "bins", .. })
    ));
    let r = psi_from_counts(&[u64::MAX, 1], &[1, 1], 1e-4);
    assert!(
        matches!(
            r,
            Err(Error::InvalidParameter {
                param: "expected",
                ..
            })
        ),
        "{r:?}"
    );
    let r = psi_from_counts(&[1, 1], &[u64::MAX, u64::MAX], 1e-4);
    assert!(
        matches!(
            r,
            Err(Error::InvalidParameter {
                param: "actual",
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn quantile_sorted_checks_q() {
    let s = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(quantile_sorted(&s, 0.5).unwrap(), 2.5);
    assert_eq!(quantile_sorted(&s, 0.0).unwrap(), 1.0);
    assert_eq!(quantile_sorted(&s, 1.0).unwrap(), 4.0);
    for q in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                quantile_sorted(&s, q),
                Err(Error::InvalidParameter { param: "q", .. })
            ),
            "{q}"
        );
    }
    assert!(matches!(
        quantile_sorted(&[], 0.5),
        Err(Error::TooFewValues { .. })
    ));
}

#[test]
fn merge_overflow_is_an_error() {
    let x = lcg(100, 2);
    let o = opts(
        BinStrategy::Explicit {
            edges: vec![0.25, 0.5, 0.75],
        },
        false,
    );
    let mut a = NumericProfile::fit(&x, &o).unwrap();
    let mut b = a.clone();
    b.count = u64::MAX - 10;
    b.counts[0] = u64::MAX - 10 - b.counts[1..].iter().sum::<u64>();
    let before = a.clone();
    assert!(matches!(a.merge(&b), Err(Error::Merge { .. })));
    assert_eq!(a, before);
    let mut c = CategoricalProfile::fit(&[Some("a")]).unwrap();
    let mut d = c.clone();
    d.count = u64::MAX;
    d.counts.insert("a".into(), u64::MAX);
    assert!(matches!(c.merge(&d), Err(Error::Merge { .. })));
    assert_eq!(c.count, 1);
}

#[test]
fn extreme_ranges_fit_into_loadable_profiles() {
    // b − a overflows: the interpolated quantile and equal-width edges stay
    // finite and strictly increasing, so the profile loads back
    let x = vec![-f64::MAX, -1.0, 0.0, 1.0, f64::MAX, f64::MAX / 2.0];
    for bins in [
        BinStrategy::Quantile { bins: 4 },
        BinStrategy::EqualWidth { bins: 7 },
    ] {
        let p = NumericProfile::fit(&x, &opts(bins, true)).unwrap();
        let prof = one(p);
        prof.validate().unwrap();
        assert_eq!(Profile::from_bytes(&prof.to_bytes()).unwrap(), prof);
        assert_eq!(Profile::from_json(&prof.to_json().unwrap()).unwrap(), prof);
    }
    // equal-width bins narrower than the float spacing merge
    let one_ulp = f64::from_bits(1.0f64.to_bits() + 1);
    let p = NumericProfile::fit(
        &[1.0, one_ulp, 1.0],
        &opts(BinStrategy::EqualWidth { bins: 10 }, true),
    )
    .unwrap();
    one(p).validate().unwrap();
    // a mean that overflows is written as "inf" in JSON and read back
    let p = NumericProfile::fit(&[f64::MAX, f64::MAX, 1.0], &ProfileOptions::default()).unwrap();
    assert_eq!(p.mean, f64::INFINITY);
    let prof = one(p);
    assert_eq!(Profile::from_json(&prof.to_json().unwrap()).unwrap(), prof);
}

// ------------------------------------------------------------------ JSON

#[test]
fn json_round_trip_of_5000_random_values_is_bit_exact() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(21);
    let values: Vec<f64> = (0..5000)
        .map(|i| match i % 3 {
            0 => rng.random::<f64>(),
            1 => (rng.random::<f64>() - 0.5) * 10f64.powi(rng.random_range(-300..300)),
            _ => f64::from_bits(rng.random::<u64>() & !(0x7ff << 52) | (1000u64 << 52)),
        })
        .collect();
    let p = NumericProfile::fit(&values, &ProfileOptions::default()).unwrap();
    let prof = one(p);
    let back = Profile::from_json(&prof.to_json().unwrap()).unwrap();
    let (FeatureProfile::Numeric(a), FeatureProfile::Numeric(b)) =
        (&prof.features["x"], &back.features["x"])
    else {
        panic!("numeric")
    };
    let changed = a
        .reference
        .iter()
        .zip(&b.reference)
        .filter(|(x, y)| x.to_bits() != y.to_bits())
        .count();
    assert_eq!(
        changed, 0,
        "{changed} of 5000 values changed in a JSON round trip"
    );
    for (x, y) in a.edges.iter().zip(&b.edges) {
        assert_eq!(x.to_bits(), y.to_bits());
    }
    assert_eq!(a.mean.to_bits(), b.mean.to_bits());
    assert_eq!(a.m2.to_bits(), b.m2.to_bits());
    assert_eq!(back.to_bytes(), prof.to_bytes());
}

#[test]
fn json_carries_a_checksum_that_is_verified() {
    let p = fitted(&lcg(300, 5));
    let prof = one(p.clone());
    let json = prof.to_json().unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sum = v["checksum"].as_str().unwrap();
    assert!(sum.starts_with("fnv1a64:") && sum.len() == 8 + 16, "{sum}");
    // the same checksum as the binary header: FNV-1a of the payload
    let b = prof.to_bytes();
    assert_eq!(sum, format!("fnv1a64:{:016x}", fnv1a(&b[24..])));
    // reformatting the JSON (pretty-printing) keeps the content and the checksum valid
    let pretty = serde_json::to_string_pretty(&v).unwrap();
    assert_eq!(Profile::from_json(&pretty).unwrap(), prof);

    // a tampered value (still a valid profile): checksum error
    let old = format!("\"mean\":{}", serde_json::to_string(&p.mean).unwrap());
    assert!(json.contains(&old), "{json}");
    let tampered = json.replacen(&old, "\"mean\":0.25", 1);
    let e = Profile::from_json(&tampered).unwrap_err();
    assert_eq!(what(&e), "checksum", "{e}");
    assert!(e.to_string().contains("mismatch"), "{e}");
    // a reference value changed in place
    let r = serde_json::to_string(&p.reference[100]).unwrap();
    let tampered = json.replacen(&r, &serde_json::to_string(&p.reference[101]).unwrap(), 1);
    assert!(matches!(
        Profile::from_json(&tampered),
        Err(Error::Corrupt {
            what: "checksum",
            ..
        })
    ));
    // a malformed checksum
    let bad = json.replacen("fnv1a64:", "sha1:", 1);
    assert!(matches!(
        Profile::from_json(&bad),
        Err(Error::Corrupt {
            what: "checksum",
            ..
        })
    ));
    let mut v2 = v.clone();
    v2["checksum"] = serde_json::json!(12);
    assert!(matches!(
        Profile::from_json(&v2.to_string()),
        Err(Error::Corrupt {
            what: "checksum",
            ..
        })
    ));
}

#[test]
fn json_without_checksum_is_accepted_after_validation() {
    let prof = one(fitted(&lcg(300, 5)));
    let mut v: serde_json::Value = serde_json::from_str(&prof.to_json().unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("checksum");
    assert_eq!(Profile::from_json(&v.to_string()).unwrap(), prof);
    // ... but still validated
    v["features"]["x"]["numeric"]["counts"][0] = serde_json::json!(1_000_000);
    let e = Profile::from_json(&v.to_string()).unwrap_err();
    assert_eq!(what(&e), "counts", "{e}");
}

#[test]
fn format_is_detected_by_content() {
    let prof = one(fitted(&lcg(300, 5)));
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [
        ("p.json", ProfileFormat::Json),
        ("p.bin", ProfileFormat::Binary),
        ("json-named-binary.json", ProfileFormat::Binary),
        ("binary-named-json.bin", ProfileFormat::Json),
    ] {
        let path = dir.path().join(name);
        prof.save_as(&path, format).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(ProfileFormat::detect(&bytes), Some(format), "{name}");
        assert_eq!(Profile::load(&path).unwrap(), prof, "{name}");
    }
    let text = format!("\u{feff}\n  {}", prof.to_json().unwrap());
    assert_eq!(Profile::decode(text.as_bytes()).unwrap(), prof);
    assert!(matches!(
        Profile::decode(b"garbage"),
        Err(Error::Corrupt {
            what: "profile",
            ..
        })
    ));
    assert!(matches!(
        Profile::decode(b"{\xff}"),
        Err(Error::Corrupt { .. })
    ));
}

// ------------------------------------------------------------------ proptest

/// A profile with every kind of feature: quantile bins with the reference,
/// explicit bins without it, Sturges, skip with NaN counts, categorical.
fn sample_profile() -> Profile {
    let x = lcg(40, 11);
    let mut prof = Profile::new();
    prof.insert("q", FeatureProfile::Numeric(fitted(&x)));
    prof.insert(
        "e",
        FeatureProfile::Numeric(
            NumericProfile::fit(
                &x,
                &opts(
                    BinStrategy::Explicit {
                        edges: vec![0.2, 0.4, 0.6],
                    },
                    false,
                ),
            )
            .unwrap(),
        ),
    );
    prof.insert(
        "s",
        FeatureProfile::Numeric(
            NumericProfile::fit(&x[..25], &opts(BinStrategy::Sturges, true)).unwrap(),
        ),
    );
    let mut with_nan = x[..20].to_vec();
    with_nan.push(f64::NAN);
    prof.insert(
        "w",
        FeatureProfile::Numeric(
            NumericProfile::fit(
                &with_nan,
                &ProfileOptions {
                    bins: BinStrategy::EqualWidth { bins: 4 },
                    nan_policy: NanPolicy::Skip,
                    keep_reference: true,
                },
            )
            .unwrap(),
        ),
    );
    prof.insert(
        "c",
        FeatureProfile::Categorical(
            CategoricalProfile::fit(&[Some("a"), Some("b"), None, Some("a")]).unwrap(),
        ),
    );
    prof
}

/// A mutation: XOR one byte, or overwrite 8 bytes with a hostile value.
#[derive(Debug, Clone)]
enum Mutation {
    Xor(usize, u8),
    Put(usize, u64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop_oneof![
        Just(f64::NAN.to_bits()),
        Just(f64::INFINITY.to_bits()),
        Just(f64::NEG_INFINITY.to_bits()),
        Just((-0.0f64).to_bits()),
        Just(f64::MAX.to_bits()),
        Just((-f64::MAX).to_bits()),
        Just(1e300f64.to_bits()),
        Just(0.5f64.to_bits()),
        Just(u64::MAX),
        Just(1u64 << 40),
        Just(0u64),
        Just(1u64),
        Just(3u64),
        any::<u64>(),
    ];
    prop_oneof![
        3 => (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Mutation::Xor(i, x)),
        2 => (any::<usize>(), special).prop_map(|(i, v)| Mutation::Put(i, v)),
    ]
}

fn finite_or_typed(label: &str, r: Result<f64, Error>) {
    if let Ok(v) = r {
        assert!(v.is_finite(), "{label} = {v}");
    }
}

/// Scores every feature of a decoded profile with every method: each result
/// is finite or a typed error (kind not Internal). KL is +inf by definition
/// when a current bin is empty.
fn score_everything(p: &Profile) {
    let cur = lcg(60, 99);
    let mut sorted = cur.clone();
    sorted.sort_by(f64::total_cmp);
    let cats = [Some("a"), Some("z"), None];
    for (name, f) in &p.features {
        match f {
            FeatureProfile::Numeric(n) => {
                finite_or_typed("psi", n.psi(&cur, PsiMode::default()));
                finite_or_typed("psi evidently", n.psi(&cur, PsiMode::Evidently));
                if let Ok(k) = n.ks(&cur, Default::default(), Default::default()) {
                    assert!(k.statistic.is_finite() && k.pvalue.is_finite(), "{k:?}");
                }
                finite_or_typed("js", n.jensenshannon(&cur, None));
                finite_or_typed("hellinger", n.hellinger(&cur));
                if let Ok(v) = n.kl_divergence(&cur, None) {
                    assert!(!v.is_nan(), "kl = {v}");
                }
                finite_or_typed("wasserstein", n.wasserstein(&cur));
                finite_or_typed("wasserstein normed", n.wasserstein_normed(&cur));
                finite_or_typed("energy", n.energy_distance(&cur));
                if let Ok(r) = n.cramervonmises(&cur, Default::default()) {
                    assert!(r.statistic.is_finite() && !r.pvalue.is_nan(), "{r:?}");
                }
                if let Ok(r) = n.anderson_ksamp(&cur, Default::default()) {
                    assert!(r.statistic.is_finite() && !r.pvalue.is_nan(), "{r:?}");
                }
                if let Ok(r) = n.mannwhitneyu(&cur, Default::default(), Default::default()) {
                    assert!(r.statistic.is_finite() && !r.pvalue.is_nan(), "{r:?}");
                }
                for mode in [PsiMode::default(), PsiMode::Evidently] {
                    if let Ok((k, psi, js)) = n.score_sorted(&sorted, mode) {
                        assert!(k.statistic.is_finite() && psi.is_finite(), "{name}");
                        assert!(js.is_none_or(f64::is_finite));
                    }
                    if let Ok(Some((k, psi, js))) = n.score_unsorted(&cur, mode) {
                        assert!(k.statistic.is_finite() && psi.is_finite(), "{name}");
                        assert!(js.is_none_or(f64::is_finite));
                    }
                }
                let _ = n.variance(1);
            }
            FeatureProfile::Categorical(c) => {
                finite_or_typed("cat psi", c.psi(&cats, 1e-4));
                finite_or_typed("cat js", c.jensenshannon(&cats, None));
                if let Ok(r) = c.chi2(&cats) {
                    assert!(r.statistic.is_finite() && !r.pvalue.is_nan(), "{r:?}");
                }
            }
        }
    }
    let data: Vec<(&str, FeatureData<'_>)> = p
        .features
        .iter()
        .map(|(name, f)| match f {
            FeatureProfile::Numeric(_) => (name.as_str(), FeatureData::Numeric(&cur)),
            FeatureProfile::Categorical(_) => (name.as_str(), FeatureData::Categorical(&cats)),
        })
        .collect();
    if let Ok(r) = DriftReport::compute(p, &data, &ReportOptions::default()) {
        for f in &r.features {
            assert!(!f.statistic.is_nan(), "{f:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Mutated bytes with the checksum fixed up: decoding errors with a
    /// typed error, or the profile is valid, scores without panic or hang,
    /// and round-trips through both forms.
    #[test]
    fn mutated_profiles_decode_to_errors_or_scorable_profiles(
        muts in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut b = sample_profile().to_bytes();
        let payload = b.len() - 24;
        for m in &muts {
            match *m {
                Mutation::Xor(i, x) => b[24 + i % payload] ^= x,
                Mutation::Put(i, v) => {
                    let at = 24 + i % (payload - 8);
                    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
                }
            }
        }
        fix_checksum(&mut b);
        let outcome = within(30, move || match Profile::from_bytes(&b) {
            Err(e) => Err(e.kind()),
            Ok(p) => {
                score_everything(&p);
                // compared as bytes: a NaN mean is allowed and NaN != NaN
                let json = p.to_json().map_err(|e| e.kind())?;
                assert_eq!(Profile::from_json(&json).unwrap().to_bytes(), p.to_bytes());
                assert_eq!(Profile::from_bytes(&p.to_bytes()).unwrap().to_bytes(), p.to_bytes());
                Ok(())
            }
        });
        if let Err(kind) = outcome {
            prop_assert!(kind != ErrorKind::Internal, "{kind:?}");
        }
    }
}

/// Every float of a numeric feature (edges, min, max, mean, reference)
/// mapped by x ↦ a·x + b with a > 0: the profile stays sorted, so it is
/// either still valid (then scored at extreme magnitudes: overflowing
/// distances and Sturges ranges are typed errors) or refused (edges
/// collapsed or overflowed to ±inf).
fn rescaled(p: &Profile, a: f64, b: f64) -> Profile {
    let mut out = p.clone();
    let f = |x: &mut f64| {
        if x.is_finite() {
            *x = a * *x + b;
        }
    };
    for feature in out.features.values_mut() {
        if let FeatureProfile::Numeric(n) = feature {
            n.edges.iter_mut().for_each(f);
            n.reference.iter_mut().for_each(f);
            f(&mut n.min);
            f(&mut n.max);
            f(&mut n.mean);
            n.m2 *= a * a;
            if let BinStrategy::Explicit { edges } = &mut n.options.bins {
                edges.iter_mut().for_each(f);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn rescaled_profiles_score_or_refuse(
        a in prop_oneof![Just(1e300), Just(1e308), Just(f64::MAX), Just(1e-300), Just(5e-324), 1e-3..1e3f64],
        b in prop_oneof![Just(0.0), Just(-1e308), Just(f64::MAX), Just(-f64::MAX), Just(1e16), -1e3..1e3f64],
    ) {
        let bytes = rescaled(&sample_profile(), a, b).to_bytes();
        let outcome = within(30, move || match Profile::from_bytes(&bytes) {
            Err(e) => Err(e.kind()),
            Ok(p) => {
                score_everything(&p);
                let json = p.to_json().map_err(|e| e.kind())?;
                assert_eq!(Profile::from_json(&json).unwrap().to_bytes(), p.to_bytes());
                Ok(())
            }
        });
        if let Err(kind) = outcome {
            prop_assert_eq!(kind, ErrorKind::Corrupt);
        }
    }
}
