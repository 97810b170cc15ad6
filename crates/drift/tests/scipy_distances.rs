//! Distances against scipy reference cases.
#![allow(clippy::unwrap_used)]

mod common;

use tradewarden_drift::distance::{energy_distance, jensenshannon, wasserstein};

#[test]
fn jensenshannon_matches_scipy() {
    let doc = common::cases();
    let cases = doc["jensenshannon"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let p: Vec<f64> = c["p"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let q: Vec<f64> = c["q"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let base = c["base"].as_f64();
        let got = jensenshannon(&p, &q, base).unwrap();
        let want = c["value"].as_f64().unwrap();
        assert!(common::close(got, want, 1e-12, 1e-15), "{c}: got {got}");
    }
}

#[test]
fn wasserstein_and_energy_match_scipy() {
    let doc = common::cases();
    for (key, f) in [
        ("wasserstein", wasserstein as fn(&[f64], &[f64]) -> _),
        ("energy", energy_distance),
    ] {
        let cases = doc[key].as_array().unwrap();
        assert!(!cases.is_empty());
        for c in cases {
            let a = common::gen_sample(&c["a"]);
            let b = common::gen_sample(&c["b"]);
            let got = f(&a, &b).unwrap();
            let want = c["value"].as_f64().unwrap();
            assert!(
                common::close(got, want, 1e-10, 1e-14),
                "{key} n1={} n2={}: got {got} want {want}",
                a.len(),
                b.len()
            );
        }
    }
}

#[test]
fn chi2_contingency_matches_scipy() {
    let doc = common::cases();
    let cases = doc["chi2_contingency"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let t: Vec<Vec<f64>> = c["table"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            })
            .collect();
        let r = tradewarden_drift::tests::chi2_contingency(&t, true).unwrap();
        assert_eq!(r.dof as u64, c["dof"].as_u64().unwrap());
        assert!(
            common::close(r.statistic, c["statistic"].as_f64().unwrap(), 1e-12, 1e-14),
            "{c}: {r:?}"
        );
        assert!(
            common::close(r.pvalue, c["pvalue"].as_f64().unwrap(), 1e-9, 1e-14),
            "{c}: {r:?}"
        );
    }
}

#[test]
fn mannwhitneyu_matches_scipy() {
    use tradewarden_drift::tests::{MwuAlternative, MwuMethod, mannwhitneyu};
    let doc = common::cases();
    let cases = doc["mannwhitneyu"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let a = common::gen_sample(&c["a"]);
        let b = common::gen_sample(&c["b"]);
        let alt = match c["alternative"].as_str().unwrap() {
            "two-sided" => MwuAlternative::TwoSided,
            "less" => MwuAlternative::Less,
            _ => MwuAlternative::Greater,
        };
        let r = mannwhitneyu(&a, &b, true, alt, MwuMethod::Auto).unwrap();
        assert!(
            common::close(r.statistic, c["statistic"].as_f64().unwrap(), 1e-12, 1e-12),
            "{c}: {r:?}"
        );
        assert!(
            common::close(r.pvalue, c["pvalue"].as_f64().unwrap(), 1e-9, 1e-14),
            "n1={} n2={} {c}: {r:?}",
            a.len(),
            b.len()
        );
    }
}

#[test]
fn cramervonmises_2samp_matches_scipy() {
    use tradewarden_drift::cvm::{CvmMethod, cramervonmises_2samp};
    let doc = common::cases();
    let cases = doc["cvm"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let a = common::gen_sample(&c["a"]);
        let b = common::gen_sample(&c["b"]);
        let r = cramervonmises_2samp(&a, &b, CvmMethod::Auto).unwrap();
        let (ws, wp) = (
            c["statistic"].as_f64().unwrap(),
            c["pvalue"].as_f64().unwrap(),
        );
        assert!(
            common::close(r.statistic, ws, 1e-12, 1e-14),
            "n1={} n2={}: {r:?} vs {ws} {wp}",
            a.len(),
            b.len()
        );
        assert!(
            common::close(r.pvalue, wp, 1e-9, 1e-12),
            "n1={} n2={}: {r:?} vs {ws} {wp}",
            a.len(),
            b.len()
        );
    }
}

#[test]
fn anderson_ksamp_matches_scipy() {
    use tradewarden_drift::anderson::{AdVariant, anderson_ksamp};
    let doc = common::cases();
    let mut cases = doc["anderson_ksamp"].as_array().unwrap().clone();
    cases.extend(doc["anderson_ksamp_variants"].as_array().unwrap().clone());
    assert!(cases.len() >= 50);
    let mut seen_interpolated = false;
    for c in &cases {
        let samples: Vec<Vec<f64>> = c["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(common::gen_sample)
            .collect();
        let refs: Vec<&[f64]> = samples.iter().map(|s| s.as_slice()).collect();
        let variant = match c["variant"].as_str().unwrap_or("midrank") {
            "midrank" => AdVariant::Midrank,
            "right" => AdVariant::Right,
            _ => AdVariant::Continuous,
        };
        let r = anderson_ksamp(&refs, variant).unwrap();
        let (ws, wp) = (
            c["statistic"].as_f64().unwrap(),
            c["pvalue"].as_f64().unwrap(),
        );
        let sizes: Vec<usize> = samples.iter().map(Vec::len).collect();
        assert!(
            common::close(r.statistic, ws, 1e-11, 1e-12),
            "{variant:?} sizes {sizes:?}: {r:?} vs {ws} {wp}"
        );
        assert!(
            common::close(r.pvalue, wp, 1e-10, 1e-14),
            "{variant:?} sizes {sizes:?}: {r:?} vs {ws} {wp}"
        );
        seen_interpolated |= !r.pvalue_clipped;
    }
    assert!(
        seen_interpolated,
        "no case exercises the interpolated p-value"
    );
}

#[test]
fn evidently_psi_matches_numpy_reference() {
    use tradewarden_drift::profile::{BinStrategy, NumericProfile, ProfileOptions};
    use tradewarden_drift::psi::PsiMode;
    let doc = common::cases();
    let cases = doc["psi_evidently"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for c in cases {
        let r = common::gen_sample(&c["reference"]);
        let cur = common::gen_sample(&c["current"]);
        let want = c["value"].as_f64().unwrap();
        // the Evidently mode ignores the profile's own bins: same value for any strategy
        for bins in [BinStrategy::Quantile { bins: 10 }, BinStrategy::Sturges] {
            let opts = ProfileOptions {
                bins,
                ..Default::default()
            };
            let Ok(p) = NumericProfile::fit(&r, &opts) else {
                continue; // constant reference: no quantile bins
            };
            let got = p.psi(&cur, PsiMode::Evidently).unwrap();
            assert!(
                common::close(got, want, 1e-10, 1e-13),
                "n_ref={} n_cur={}: got {got} want {want}",
                r.len(),
                cur.len()
            );
        }
    }
}
