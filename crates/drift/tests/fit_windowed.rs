//! The unsorted fit (no stored reference) of long series — order statistics
//! selected in value windows gathered in one pass, bin counts taken from the
//! windows — equals the sorted fit bit for bit, on data that exercises the
//! windows and their fallbacks; `psi_of_samples` equals fit + psi.
#![allow(clippy::unwrap_used)]

use tradewarden_core::NanPolicy;
use tradewarden_drift::Error;
use tradewarden_drift::profile::{BinStrategy, NumericProfile, ProfileOptions};
use tradewarden_drift::psi::{PsiMode, psi_of_samples};

fn uniform(n: usize, seed: u64) -> Vec<f64> {
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

/// Named series, all longer than the windowed fit's threshold (2^16) but one;
/// at 300 000 values the windows of up to 10 quantile bins are used, more
/// bins take the copy.
fn series() -> Vec<(&'static str, Vec<f64>)> {
    let n = 300_000;
    let u = uniform(n, 11);
    let mut out = vec![
        ("uniform", u.clone()),
        ("ascending", (0..n).map(|i| i as f64).collect()),
        (
            "descending",
            (0..n).rev().map(|i| i as f64 * 0.5 - 7.0).collect(),
        ),
        (
            "seven values",
            u.iter().map(|x| (x * 7.0).floor()).collect(),
        ),
        // the strided sample sees one value only: the windows miss
        (
            "period of the stride",
            (0..n).map(|i| (i % 32) as f64).collect(),
        ),
        (
            "signed zeros",
            (0..n)
                .map(|i| match i % 3 {
                    0 => -0.0,
                    1 => 0.0,
                    _ => u[i] - 0.5,
                })
                .collect(),
        ),
        (
            "cauchy",
            u.iter()
                .map(|x| (std::f64::consts::PI * (x - 0.5)).tan())
                .collect(),
        ),
        (
            "almost constant",
            (0..n)
                .map(|i| match i {
                    17 => 0.0,
                    99_000 => 2.0,
                    _ => 1.0,
                })
                .collect(),
        ),
        (
            "huge magnitudes",
            u.iter().map(|x| (x - 0.5) * 3.5e307 * 5.0).collect(),
        ),
        ("exactly 2^16", uniform(1 << 16, 3)),
        ("2^16 - 1", uniform((1 << 16) - 1, 4)),
        ("a million", uniform(1_000_000, 5)),
    ];
    // a block of ties straddling the median
    let mut t = uniform(n, 6);
    for v in t.iter_mut().skip(40_000).take(20_000) {
        *v = 0.5;
    }
    out.push(("ties at the median", t));
    out
}

fn strategies() -> Vec<BinStrategy> {
    vec![
        BinStrategy::Quantile { bins: 2 },
        BinStrategy::Quantile { bins: 10 },
        BinStrategy::Quantile { bins: 64 },
        BinStrategy::Quantile { bins: 1000 },
        BinStrategy::EqualWidth { bins: 13 },
        BinStrategy::Explicit {
            edges: vec![-0.25, 0.0, 0.3, 0.5],
        },
    ]
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn unsorted_fit_equals_the_sorted_fit_bit_for_bit() {
    let current = uniform(30_000, 99);
    for (name, x) in series() {
        for bins in strategies() {
            let keep = ProfileOptions {
                bins: bins.clone(),
                nan_policy: NanPolicy::Error,
                keep_reference: true,
            };
            let light = ProfileOptions {
                keep_reference: false,
                ..keep.clone()
            };
            let a = NumericProfile::fit(&x, &keep);
            let b = NumericProfile::fit(&x, &light);
            let (a, b) = match (a, b) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(ea), Err(eb)) => {
                    assert_eq!(ea.to_string(), eb.to_string(), "{name} {bins:?}");
                    continue;
                }
                (a, b) => panic!("{name} {bins:?}: {a:?} vs {b:?}"),
            };
            assert_eq!(bits(&a.edges), bits(&b.edges), "{name} {bins:?}");
            assert_eq!(a.counts, b.counts, "{name} {bins:?}");
            assert_eq!((a.count, a.nan_count), (b.count, b.nan_count), "{name}");
            assert_eq!(
                (a.min.to_bits(), a.max.to_bits()),
                (b.min.to_bits(), b.max.to_bits()),
                "{name}"
            );
            // the light fit's moments: summed in input order
            let mut sum = 0.0;
            for &v in &x {
                sum += v;
            }
            let mean = sum / x.len() as f64;
            let m2 = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
            assert_eq!(b.mean.to_bits(), mean.to_bits(), "{name}");
            assert_eq!(b.m2.to_bits(), m2.to_bits(), "{name}");
            let want = a.psi(&current, PsiMode::default()).unwrap();
            assert_eq!(
                b.psi(&current, PsiMode::default()).unwrap().to_bits(),
                want.to_bits()
            );
            let got = psi_of_samples(
                &x,
                &current,
                bins.clone(),
                NanPolicy::Error,
                PsiMode::default(),
            );
            assert_eq!(got.unwrap().to_bits(), want.to_bits(), "{name} {bins:?}");
        }
    }
}

#[test]
fn psi_of_samples_checks_as_fit_and_psi_do() {
    let mut r = uniform(300_000, 21);
    let c = uniform(50_000, 22);
    let q = BinStrategy::Quantile { bins: 10 };
    // NaN / inf in a long reference: the first one is named under Error
    r[70_000] = f64::INFINITY;
    r[80_000] = f64::NAN;
    let e = psi_of_samples(&r, &c, q.clone(), NanPolicy::Error, PsiMode::default()).unwrap_err();
    assert!(
        matches!(e, Error::NonFinite { param: "reference", index: 70_000, value } if value == f64::INFINITY),
        "{e:?}"
    );
    // skipped: the same as the reference without them
    let clean: Vec<f64> = r.iter().copied().filter(|v| v.is_finite()).collect();
    let skip = psi_of_samples(&r, &c, q.clone(), NanPolicy::Skip, PsiMode::default()).unwrap();
    let want = psi_of_samples(&clean, &c, q.clone(), NanPolicy::Error, PsiMode::default()).unwrap();
    assert_eq!(skip.to_bits(), want.to_bits());
    // NaN in the current sample: named under Error, skipped under Skip
    let mut c2 = c.clone();
    c2[123] = f64::NAN;
    let e =
        psi_of_samples(&clean, &c2, q.clone(), NanPolicy::Error, PsiMode::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                param: "current",
                index: 123,
                ..
            }
        ),
        "{e:?}"
    );
    let p = NumericProfile::fit(
        &clean,
        &ProfileOptions {
            bins: q.clone(),
            nan_policy: NanPolicy::Skip,
            keep_reference: true,
        },
    )
    .unwrap();
    let skip = psi_of_samples(&clean, &c2, q.clone(), NanPolicy::Skip, PsiMode::default()).unwrap();
    assert_eq!(
        skip.to_bits(),
        p.psi(&c2, PsiMode::default()).unwrap().to_bits()
    );
    // empty or all-NaN current
    for cur in [vec![], vec![f64::NAN; 3]] {
        let e = psi_of_samples(&clean, &cur, q.clone(), NanPolicy::Skip, PsiMode::default())
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::TooFewValues {
                    param: "current",
                    ..
                }
            ),
            "{e:?}"
        );
    }
    // a constant long reference: the quantile edges are the constant's
    // [−inf, 2.5, 2.5⁺, +inf], the same as the sorted fit's
    let constant = vec![2.5; 300_000];
    let got = psi_of_samples(
        &constant,
        &c,
        q.clone(),
        NanPolicy::Error,
        PsiMode::default(),
    )
    .unwrap();
    let o = ProfileOptions {
        bins: q,
        ..Default::default()
    };
    let sorted = NumericProfile::fit(&constant, &o).unwrap();
    assert_eq!(
        sorted.edges,
        vec![f64::NEG_INFINITY, 2.5, 2.5f64.next_up(), f64::INFINITY]
    );
    assert_eq!(
        got.to_bits(),
        sorted.psi(&c, PsiMode::default()).unwrap().to_bits()
    );
}
