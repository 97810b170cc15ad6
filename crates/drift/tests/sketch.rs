//! The KLL quantile sketch (issue 12): rank error of merged partition
//! sketches against the exact ranks, KS against a sketch, sketch bin edges,
//! persistence and error paths.
//!
//! KLL is randomized (DataSketches seeds its RNG per thread, unseeded), so the
//! bound tests are statistical: the rank error bound is DataSketches' 99 %
//! confidence figure. Set `TW_SKETCH_REPEAT=50` to repeat them; measured over
//! 50 repetitions (see docs/performance.md, "Quantile sketch (issue 12)") the
//! bound was never exceeded.
#![allow(clippy::unwrap_used)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tradewarden_core::NanPolicy;
use tradewarden_drift::Error;
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden_drift::sketch::{QuantileSketch, ks_2samp_sketch};

const N: usize = 1_000_000;
const PARTS: usize = 8;

#[derive(Clone, Copy, Debug)]
enum Dist {
    Normal,
    LogNormal,
    Bimodal,
}

const DISTS: [Dist; 3] = [Dist::Normal, Dist::LogNormal, Dist::Bimodal];

fn sample(dist: Dist, n: usize, shift: f64, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let normal = |rng: &mut Xoshiro256PlusPlus| {
        let u: f64 = rng.random::<f64>().max(1e-300);
        let v: f64 = rng.random();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    (0..n)
        .map(|_| {
            shift
                + match dist {
                    Dist::Normal => normal(&mut rng),
                    Dist::LogNormal => normal(&mut rng).exp(),
                    Dist::Bimodal => {
                        if rng.random::<f64>() < 0.7 {
                            normal(&mut rng)
                        } else {
                            4.0 + 0.5 * normal(&mut rng)
                        }
                    }
                }
        })
        .collect()
}

fn repeats() -> usize {
    std::env::var("TW_SKETCH_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// Sketches 8 partitions separately and merges them.
fn merged_sketch(values: &[f64], k: u16) -> QuantileSketch {
    let mut merged = QuantileSketch::new(k).unwrap();
    for part in values.chunks(values.len().div_ceil(PARTS)) {
        let s = QuantileSketch::from_values(part, k, NanPolicy::Error).unwrap();
        merged.merge(&s).unwrap();
    }
    merged
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    s
}

/// Fraction of `sorted` values ≤ x.
fn exact_rank(sorted: &[f64], x: f64) -> f64 {
    sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
}

/// max |sketch rank − exact rank| at the exact quantiles (i + 0.5)/1000.
fn max_rank_error(sorted: &[f64], rank: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len();
    (0..1000)
        .map(|i| {
            let x = sorted[((i as f64 + 0.5) / 1000.0 * n as f64) as usize];
            (rank(x) - exact_rank(sorted, x)).abs()
        })
        .fold(0.0, f64::max)
}

#[test]
fn merged_partition_sketches_are_within_the_rank_bound() {
    let reps = repeats();
    for (d, dist) in DISTS.into_iter().enumerate() {
        let values = sample(dist, N, 0.0, 100 + d as u64);
        let s = sorted(&values);
        let (mut worst, mut exceeded) = (0.0f64, 0);
        let mut eps = 0.0;
        for _ in 0..reps {
            let sketch = merged_sketch(&values, 200);
            assert_eq!(sketch.n(), N as u64);
            assert_eq!((sketch.min(), sketch.max()), (Some(s[0]), Some(s[N - 1])));
            eps = sketch.rank_error_bound();
            let err = max_rank_error(&s, |x| sketch.rank(x).unwrap());
            worst = worst.max(err);
            exceeded += usize::from(err > eps);
        }
        eprintln!("{dist:?}: worst max rank error over {reps} run(s): {worst:.5} (bound {eps:.5})");
        assert_eq!(
            exceeded, 0,
            "{dist:?}: {exceeded}/{reps} runs above the bound {eps}, worst {worst}"
        );
    }
}

#[test]
fn ks_against_a_sketch_is_within_the_bound_of_exact_ks() {
    let reps = repeats();
    for (d, dist) in DISTS.into_iter().enumerate() {
        let reference = sample(dist, N, 0.0, 200 + d as u64);
        for shift in [0.0, 0.05, 0.5] {
            let current = sample(dist, 20_000, shift, 300 + d as u64);
            let exact = ks_2samp(
                &reference,
                &current,
                Alternative::TwoSided,
                KsMethod::Asymp,
                NanPolicy::Error,
            )
            .unwrap();
            let (mut worst, mut exceeded) = (0.0f64, 0);
            for _ in 0..reps {
                let sketch = merged_sketch(&reference, 200);
                let r = ks_2samp_sketch(&sketch, &current).unwrap();
                assert_eq!(r.statistic_error_bound, sketch.rank_error_bound());
                assert_eq!((r.n_reference, r.n_current), (N as u64, 20_000));
                let diff = (r.statistic - exact.statistic).abs();
                worst = worst.max(diff);
                exceeded += usize::from(diff > r.statistic_error_bound);
                if shift == 0.5 {
                    assert!(r.pvalue < 1e-12 && r.statistic_sign == 1);
                }
            }
            eprintln!(
                "{dist:?} shift {shift}: exact D {:.5}, worst |D - D_exact| over {reps} run(s): {worst:.5}",
                exact.statistic
            );
            assert_eq!(
                exceeded, 0,
                "{dist:?} shift {shift}: {exceeded}/{reps} runs above the bound, worst {worst}"
            );
        }
    }
}

/// A sketch that has not compacted (n ≤ k) is exact: D and the asymptotic
/// p-value equal `ks_2samp(method = asymp)`.
#[test]
fn ks_against_an_exact_sketch_equals_scipy_asymp() {
    for (reference, current) in [
        (
            sample(Dist::Normal, 150, 0.0, 1),
            sample(Dist::Normal, 80, 0.3, 2),
        ),
        (
            sample(Dist::Bimodal, 199, 0.0, 3),
            sample(Dist::Bimodal, 500, 0.0, 4),
        ),
        // ties
        (
            (0..120).map(|i| f64::from(i % 7)).collect(),
            (0..60)
                .map(|i| f64::from(i % 5) + 0.5 * f64::from(i % 2))
                .collect(),
        ),
    ] {
        let sketch = QuantileSketch::from_values(&reference, 200, NanPolicy::Error).unwrap();
        let r = ks_2samp_sketch(&sketch, &current).unwrap();
        let want = ks_2samp(
            &reference,
            &current,
            Alternative::TwoSided,
            KsMethod::Asymp,
            NanPolicy::Error,
        )
        .unwrap();
        assert!((r.statistic - want.statistic).abs() < 1e-12);
        assert!((r.pvalue - want.pvalue).abs() <= 1e-12 * want.pvalue.max(1e-300));
        assert_eq!(r.statistic_sign, want.statistic_sign);
    }
}

#[test]
fn quantile_edges_of_a_merged_sketch_are_near_the_exact_deciles() {
    let reps = repeats();
    for (d, dist) in DISTS.into_iter().enumerate() {
        let values = sample(dist, N, 0.0, 400 + d as u64);
        let s = sorted(&values);
        let (mut worst, mut exceeded) = (0.0f64, 0);
        for _ in 0..reps {
            let sketch = merged_sketch(&values, 200);
            let eps = sketch.rank_error_bound();
            let edges = sketch.quantile_edges(10).unwrap();
            assert_eq!(edges.len(), 11);
            assert_eq!(edges[0], f64::NEG_INFINITY);
            assert_eq!(edges[10], f64::INFINITY);
            assert!(edges.windows(2).all(|w| w[0] < w[1]));
            for (k, &e) in edges[1..10].iter().enumerate() {
                let err = (exact_rank(&s, e) - (k + 1) as f64 / 10.0).abs();
                worst = worst.max(err);
                exceeded += usize::from(err > eps);
            }
        }
        eprintln!("{dist:?}: worst decile-edge rank error over {reps} run(s): {worst:.5}");
        assert_eq!(
            exceeded, 0,
            "{dist:?}: {exceeded} edge(s) over {reps} runs above the bound, worst {worst}"
        );
    }
}

#[test]
fn edges_merge_ties_and_work_as_explicit_bins() {
    use tradewarden_drift::profile::{BinStrategy, NumericProfile, ProfileOptions};
    // 90 % zeros: most deciles coincide
    let v: Vec<f64> = (0..5000)
        .map(|i| if i % 10 == 0 { f64::from(i) } else { 0.0 })
        .collect();
    let sketch = QuantileSketch::from_values(&v, 200, NanPolicy::Error).unwrap();
    let edges = sketch.quantile_edges(10).unwrap();
    assert!(edges.windows(2).all(|w| w[0] < w[1]), "{edges:?}");
    assert!(edges.len() < 11);
    let o = ProfileOptions {
        bins: BinStrategy::Explicit { edges },
        keep_reference: false,
        ..ProfileOptions::default()
    };
    let p = NumericProfile::fit(&v, &o).unwrap();
    assert_eq!(p.counts.iter().sum::<u64>(), 5000);
}

#[test]
fn queries_of_a_small_exact_sketch() {
    let v: Vec<f64> = (1..=100).map(f64::from).collect();
    let s = QuantileSketch::from_values(&v, 200, NanPolicy::Error).unwrap();
    assert_eq!(s.k(), 200);
    assert_eq!(s.num_retained(), 100);
    assert_eq!(s.rank(50.0).unwrap(), 0.5);
    assert_eq!(s.rank(0.0).unwrap(), 0.0);
    assert_eq!(s.rank(f64::INFINITY).unwrap(), 1.0);
    assert_eq!(s.quantile(0.5).unwrap(), 50.0);
    assert_eq!(s.quantile(0.0).unwrap(), 1.0);
    assert_eq!(s.quantile(1.0).unwrap(), 100.0);
    assert_eq!(
        s.quantile_edges(4).unwrap(),
        vec![f64::NEG_INFINITY, 25.0, 50.0, 75.0, f64::INFINITY]
    );
}

#[test]
fn merging_different_k_takes_the_smaller_bound() {
    let v = sample(Dist::Normal, 50_000, 0.0, 9);
    let mut a = QuantileSketch::from_values(&v[..25_000], 400, NanPolicy::Error).unwrap();
    let b = QuantileSketch::from_values(&v[25_000..], 100, NanPolicy::Error).unwrap();
    let bound_400 = a.rank_error_bound();
    a.merge(&b).unwrap();
    assert_eq!(a.n(), 50_000);
    assert!(a.rank_error_bound() > bound_400);
    assert_eq!(
        a.rank_error_bound(),
        QuantileSketch::new(100).unwrap().rank_error_bound()
    );
}

#[test]
fn nan_policy() {
    let v = [1.0, f64::NAN, 2.0, f64::INFINITY, 3.0, f64::NEG_INFINITY];
    for policy in [NanPolicy::Error, NanPolicy::Propagate] {
        match QuantileSketch::from_values(&v, 200, policy) {
            Err(Error::NonFinite { param, index, .. }) => {
                assert_eq!((param, index), ("values", 1));
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
    }
    // nothing is added when the update fails
    let mut s = QuantileSketch::from_values(&[5.0], 200, NanPolicy::Error).unwrap();
    assert!(s.update(&v, NanPolicy::Error).is_err());
    assert_eq!(s.n(), 1);
    let s = QuantileSketch::from_values(&v, 200, NanPolicy::Skip).unwrap();
    assert_eq!((s.n(), s.nan_count()), (3, 3));
    assert_eq!((s.min(), s.max()), (Some(1.0), Some(3.0)));
    let mut t = s.clone();
    t.merge(&s).unwrap();
    assert_eq!((t.n(), t.nan_count()), (6, 6));
    // −0.0 is stored as +0.0
    let z = QuantileSketch::from_values(&[-0.0, 1.0], 200, NanPolicy::Error).unwrap();
    assert!(z.min().unwrap().is_sign_positive());
}

#[test]
fn parameter_errors() {
    for k in [0u16, 4, 7] {
        match QuantileSketch::new(k) {
            Err(Error::InvalidParameter { param, value, .. }) => {
                assert_eq!((param, value), ("k", k.to_string()))
            }
            other => panic!("expected InvalidParameter, got {other:?}"),
        }
    }
    assert!(QuantileSketch::new(8).is_ok() && QuantileSketch::new(u16::MAX).is_ok());
    let empty = QuantileSketch::new(200).unwrap();
    assert!(empty.is_empty());
    assert_eq!((empty.min(), empty.max()), (None, None));
    assert!(matches!(empty.rank(1.0), Err(Error::TooFewValues { .. })));
    assert!(matches!(
        empty.quantile(0.5),
        Err(Error::TooFewValues { .. })
    ));
    assert!(matches!(
        empty.quantile_edges(10),
        Err(Error::TooFewValues { .. })
    ));
    let s = QuantileSketch::from_values(&[1.0, 2.0, 3.0], 200, NanPolicy::Error).unwrap();
    for q in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            s.quantile(q),
            Err(Error::InvalidParameter { param: "q", .. })
        ));
    }
    assert!(matches!(
        s.rank(f64::NAN),
        Err(Error::InvalidParameter { param: "x", .. })
    ));
    assert!(matches!(
        s.quantile_edges(1),
        Err(Error::InvalidParameter { param: "bins", .. })
    ));
    // a constant feature: the constant's edges, as a quantile fit gives
    let c = QuantileSketch::from_values(&[2.0; 10], 200, NanPolicy::Error).unwrap();
    let o = tradewarden_drift::profile::ProfileOptions::default();
    assert_eq!(
        c.quantile_edges(4).unwrap(),
        tradewarden_drift::profile::NumericProfile::fit(&[2.0; 10], &o)
            .unwrap()
            .edges
    );
    // KS
    assert!(matches!(
        ks_2samp_sketch(&empty, &[1.0]),
        Err(Error::TooFewValues {
            param: "reference",
            ..
        })
    ));
    assert!(matches!(
        ks_2samp_sketch(&s, &[]),
        Err(Error::TooFewValues {
            param: "current",
            ..
        })
    ));
    assert!(matches!(
        ks_2samp_sketch(&s, &[1.0, f64::NAN]),
        Err(Error::NonFinite {
            param: "current",
            index: 1,
            ..
        })
    ));
}

#[test]
fn bytes_and_json_round_trip() {
    let v = sample(Dist::LogNormal, 100_000, 0.0, 11);
    for s in [
        QuantileSketch::new(200).unwrap(),
        QuantileSketch::from_values(&[1.5], 200, NanPolicy::Error).unwrap(),
        QuantileSketch::from_values(&v[..100], 64, NanPolicy::Error).unwrap(),
        merged_sketch(&v, 200),
    ] {
        let b = s.to_bytes();
        let back = QuantileSketch::from_bytes(&b).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.to_bytes(), b);
        let json = serde_json::to_string(&s).unwrap();
        let back: QuantileSketch = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
    // the NaN count travels in the serde form
    let s = QuantileSketch::from_values(&[1.0, f64::NAN, 2.0], 200, NanPolicy::Skip).unwrap();
    let back: QuantileSketch = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back.nan_count(), 1);
    assert!(serde_json::from_str::<QuantileSketch>(r#"{"kll":[1,2,3],"nan_count":0}"#).is_err());
    assert!(serde_json::from_str::<QuantileSketch>(r#"{"kll":[],"nan_count":0,"x":1}"#).is_err());
}

/// Garbage, truncated and bit-flipped images are typed errors, never panics.
#[test]
fn garbage_bytes_are_errors_not_panics() {
    let v = sample(Dist::Bimodal, 20_000, 0.0, 12);
    let good = merged_sketch(&v, 200).to_bytes();
    let single = QuantileSketch::from_values(&[1.0], 200, NanPolicy::Error)
        .unwrap()
        .to_bytes();
    let check = |b: &[u8]| {
        if let Err(e) = QuantileSketch::from_bytes(b) {
            assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");
        }
    };
    assert!(QuantileSketch::from_bytes(&[]).is_err());
    assert!(QuantileSketch::from_bytes(b"not a sketch at all").is_err());
    for image in [&good, &single] {
        for len in 0..image.len() {
            check(&image[..len]);
        }
        let mut longer = image.clone();
        longer.push(0);
        assert!(QuantileSketch::from_bytes(&longer).is_err());
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
    for _ in 0..20_000 {
        let mut b = if rng.random::<bool>() {
            good.clone()
        } else {
            single.clone()
        };
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..b.len());
            b[i] ^= 1 << rng.random_range(0..8);
        }
        check(&b);
        let len = rng.random_range(0..64);
        let junk: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        check(&junk);
        // a valid header followed by junk
        let mut h = good[..8.min(good.len())].to_vec();
        h.extend_from_slice(&junk);
        check(&h);
    }
    // an image holding ±inf (valid for DataSketches) is rejected here
    let mut with_inf =
        datasketches::kll::KllSketch::<datasketches::kll::KllFloat<f64>>::new(200).unwrap();
    for x in [1.0, f64::INFINITY] {
        with_inf.update(datasketches::kll::KllFloat::<f64>::new(x).unwrap());
    }
    assert!(matches!(
        QuantileSketch::from_bytes(&with_inf.serialize()),
        Err(Error::Corrupt { .. })
    ));
}

/// Accuracy of KLL (k = 200) and the crate's t-digest (default compression)
/// at 1e6 values: max rank error over 1,000 quantiles. A measurement, not a
/// check: `cargo test -p tradewarden-drift --test sketch -- --ignored
/// --nocapture kll_vs_tdigest` (figures in docs/performance.md).
#[test]
#[ignore]
fn kll_vs_tdigest_rank_error() {
    use datasketches::tdigest::TDigestMut;
    let reps = repeats();
    for (d, dist) in DISTS.into_iter().enumerate() {
        let values = sample(dist, N, 0.0, 500 + d as u64);
        let s = sorted(&values);
        let (mut kll_worst, mut kll_sum, mut td_worst, mut td_sum) = (0.0f64, 0.0, 0.0f64, 0.0);
        let mut td_tail = 0.0f64;
        for _ in 0..reps {
            let kll = merged_sketch(&values, 200);
            let e = max_rank_error(&s, |x| kll.rank(x).unwrap());
            kll_worst = kll_worst.max(e);
            kll_sum += e;
            let mut td = TDigestMut::default();
            for part in values.chunks(N / PARTS) {
                let mut p = TDigestMut::default();
                for &x in part {
                    p.update(x);
                }
                td.merge(&p);
            }
            let td = td.freeze();
            let e = max_rank_error(&s, |x| td.rank(x).unwrap().unwrap());
            td_worst = td_worst.max(e);
            td_sum += e;
            // tails: the 1 % lowest and highest ranks
            let n = s.len();
            for q in [0.001, 0.005, 0.01, 0.99, 0.995, 0.999] {
                let x = s[(q * n as f64) as usize];
                td_tail = td_tail.max((td.rank(x).unwrap().unwrap() - exact_rank(&s, x)).abs());
            }
        }
        println!(
            "{dist:?}: KLL k=200 max rank error mean {:.5} worst {:.5} (bound {:.5}); \
             t-digest k=200 mean {:.5} worst {:.5}, tails {:.6} ({reps} run(s))",
            kll_sum / reps as f64,
            kll_worst,
            QuantileSketch::new(200).unwrap().rank_error_bound(),
            td_sum / reps as f64,
            td_worst,
            td_tail
        );
    }
}
