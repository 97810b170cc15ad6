//! `NumericProfile::score_unsorted` (fused-grid KS, direct binning) gives
//! exactly what sorting the current sample first gives: values on the bin
//! edges, outside the reference range, ties, −0.0, small samples (exact
//! p-value) and large ones, standard and Evidently PSI; and it declines
//! what needs the order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tradewarden_core::NanPolicy;
use tradewarden_drift::profile::{NumericProfile, ProfileOptions};
use tradewarden_drift::psi::PsiMode;

fn lcg(seed: u64, n: usize, scale: f64, shift: f64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * scale + shift
        })
        .collect()
}

fn same(p: &NumericProfile, cur: &[f64], what: &str) {
    same_in(p, cur, PsiMode::default(), what);
    same_in(p, cur, PsiMode::Evidently, what);
}

fn same_in(p: &NumericProfile, cur: &[f64], mode: PsiMode, what: &str) {
    let fast = p
        .score_unsorted(cur, mode)
        .unwrap()
        .expect("handled without sorting");
    let slow = p
        .score_sorted(&p.prepare_current(cur).unwrap(), mode)
        .unwrap();
    assert_eq!(
        fast.0.statistic.to_bits(),
        slow.0.statistic.to_bits(),
        "{what}: KS statistic"
    );
    assert_eq!(
        fast.0.pvalue.to_bits(),
        slow.0.pvalue.to_bits(),
        "{what}: KS p-value"
    );
    assert_eq!(fast.1.to_bits(), slow.1.to_bits(), "{what}: PSI");
    assert_eq!(fast.2, slow.2, "{what}: JS");
}

#[test]
fn equals_the_sorted_path() {
    let o = ProfileOptions::default();
    for (seed, n_ref, n_cur, shift) in [
        (1, 500, 300, 0.0),
        (2, 20_000, 15_000, 0.05),
        (3, 200_000, 200_000, 0.01),
    ] {
        let r = lcg(seed, n_ref, 2.0, 0.0);
        let p = NumericProfile::fit(&r, &o).unwrap();
        same(&p, &lcg(seed + 10, n_cur, 2.0, shift), "random");
        // values exactly on the reference's bin edges and far outside its range
        let mut c = lcg(seed + 20, n_cur, 2.0, 0.0);
        let finite: Vec<f64> = p.edges.iter().copied().filter(|e| e.is_finite()).collect();
        for (i, e) in finite.iter().enumerate() {
            c[2 + i] = *e;
            c[2 + i + finite.len()] = *e;
        }
        c[0] = -1e9;
        c[1] = 1e9;
        same(&p, &c, "edges and outliers");
        // ties with the reference and signed zeros
        let mut t: Vec<f64> = r.iter().take(n_cur.min(n_ref)).copied().collect();
        t[0] = -0.0;
        t[1] = 0.0;
        same(&p, &t, "ties");
    }
    // rounded data: many ties inside both samples
    let r: Vec<f64> = lcg(7, 5000, 20.0, 0.0).iter().map(|v| v.round()).collect();
    let p = NumericProfile::fit(&r, &o).unwrap();
    let c: Vec<f64> = lcg(8, 4000, 20.0, 1.0).iter().map(|v| v.round()).collect();
    same(&p, &c, "rounded");
}

#[test]
fn declines_what_needs_the_order_and_rejects_nan() {
    let r = lcg(1, 1000, 2.0, 0.0);
    let c = lcg(2, 1000, 2.0, 0.0);
    let p = NumericProfile::fit(&r, &ProfileOptions::default()).unwrap();
    // Evidently's PSI over a reference of ≤ 20 distinct values bins by value: declined.
    let few: Vec<f64> = (0..1000).map(|i| f64::from(i % 20)).collect();
    let pf = NumericProfile::fit(&few, &ProfileOptions::default()).unwrap();
    assert!(pf.score_unsorted(&c, PsiMode::Evidently).unwrap().is_none());
    assert!(pf.score_unsorted(&c, PsiMode::default()).unwrap().is_some());
    let skip = ProfileOptions {
        nan_policy: NanPolicy::Skip,
        ..ProfileOptions::default()
    };
    let ps = NumericProfile::fit(&r, &skip).unwrap();
    assert!(ps.score_unsorted(&c, PsiMode::default()).unwrap().is_none());
    let mut bad = c.clone();
    bad[3] = f64::NAN;
    let e = p.score_unsorted(&bad, PsiMode::default()).unwrap_err();
    assert!(e.to_string().contains("current"), "{e}");
    assert!(p.score_unsorted(&[], PsiMode::default()).is_err());
}
