//! Bytes → `Profile` (binary and JSON decoders) → everything a loaded
//! profile is used for: scoring against a fixed sample, the live monitor,
//! distances, merge, re-encoding. Nothing may panic or hang, and a profile a
//! decoder accepted must re-encode and decode to the same bytes.
//!
//! First byte (mode), then the payload:
//! - `0`: `Profile::decode` (format detected by content);
//! - `1`: the payload is wrapped in a valid binary header (magic, version,
//!   length, FNV-1a checksum), so the payload decoder is reached without the
//!   fuzzer having to forge a checksum;
//! - `2`: `Profile::from_json` on the payload as text;
//! - `3`: `from_bytes` and `from_json` on the raw payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradewarden_core::NanPolicy;
use tradewarden_drift::anderson::AdVariant;
use tradewarden_drift::cvm::CvmMethod;
use tradewarden_drift::distance;
use tradewarden_drift::ks::{Alternative, KsMethod};
use tradewarden_drift::monitor::{LiveMonitor, LiveMonitorOptions};
use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::tests::{MwuAlternative, MwuMethod};
use tradewarden_fuzz::wrap;

/// A fixed current sample: 64 finite values over [-5, 5], with ties.
fn sample() -> Vec<f64> {
    (0..64)
        .map(|i| ((i * 37) % 101) as f64 / 10.0 - 5.0)
        .collect()
}

fn exercise_numeric(n: &NumericProfile, cur: &[f64], with_nan: &[f64]) {
    for c in [cur, with_nan, &cur[..1]] {
        let _ = n.psi(c, PsiMode::Standard { epsilon: 1e-4 });
        let _ = n.psi(c, PsiMode::Evidently);
        let _ = n.ks(c, Alternative::TwoSided, KsMethod::Auto);
        let _ = n.jensenshannon(c, None);
        let _ = n.jensenshannon(c, Some(2.0));
        let _ = n.kl_divergence(c, None);
        let _ = n.hellinger(c);
        let _ = n.wasserstein(c);
        let _ = n.wasserstein_normed(c);
        let _ = n.energy_distance(c);
        let _ = n.cramervonmises(c, CvmMethod::Auto);
        let _ = n.anderson_ksamp(c, AdVariant::Midrank);
        let _ = n.mannwhitneyu(c, MwuAlternative::TwoSided, MwuMethod::Auto);
        let _ = n.histogram(c);
        let _ = n.variance(1);
        if let Ok(sorted) = n.prepare_current(c) {
            let a = n.score_sorted(&sorted, PsiMode::Standard { epsilon: 1e-4 });
            // The unsorted fast path must agree with the sorted one bit for bit.
            if let (Ok(a), Ok(Some(b))) =
                (&a, n.score_unsorted(c, PsiMode::Standard { epsilon: 1e-4 }))
            {
                assert_eq!(a.0.statistic.to_bits(), b.0.statistic.to_bits());
                assert_eq!(a.1.to_bits(), b.1.to_bits());
            }
            let _ = n.score_sorted(&sorted, PsiMode::Evidently);
            let _ = n.score_unsorted(c, PsiMode::Evidently);
        }
    }
    // Distances straight over the profile's own bins.
    let p: Vec<f64> = n.counts.iter().map(|&c| c as f64).collect();
    let q: Vec<f64> = p.iter().rev().copied().collect();
    let _ = distance::jensenshannon(&p, &q, None);
    let _ = distance::kl_divergence(&p, &q, None);
    let _ = distance::hellinger(&p, &q);
    if !n.reference.is_empty() {
        let _ = distance::wasserstein(&n.reference, cur);
        let _ = distance::energy_distance(&n.reference, cur);
        let _ = distance::wasserstein_normed(&n.reference, cur);
    }
}

fn exercise(p: &Profile) {
    // Every decoder validates: a decoded profile is valid.
    p.validate().expect("a decoded profile validates");

    // Re-encoding round-trips bit for bit through both forms.
    let bin = p.to_bytes();
    let again = Profile::from_bytes(&bin).expect("binary form of a valid profile decodes");
    assert_eq!(again.to_bytes(), bin, "binary round trip");
    let json = p.to_json().expect("a valid profile encodes as JSON");
    let from_json = Profile::from_json(&json).expect("JSON form of a valid profile decodes");
    assert_eq!(from_json.to_bytes(), bin, "JSON round trip");

    let cur = sample();
    let mut with_nan = cur.clone();
    with_nan[3] = f64::NAN;
    with_nan[7] = f64::INFINITY;
    let cats: Vec<Option<&str>> = (0..40)
        .map(|i| match i % 5 {
            0 => Some("buy"),
            1 => Some("sell"),
            2 => None,
            3 => Some(""),
            _ => Some("hold"),
        })
        .collect();

    for (name, f) in &p.features {
        let _ = p.feature(name);
        let _ = p.numeric(name);
        match f {
            FeatureProfile::Numeric(n) => exercise_numeric(n, &cur, &with_nan),
            FeatureProfile::Categorical(c) => {
                let _ = c.psi(&cats, 1e-4);
                let _ = c.jensenshannon(&cats, None);
                let _ = c.chi2(&cats);
                let _ = c.aligned_counts(&cats[..2]);
            }
        }
    }

    // Live monitor over every binned numeric feature.
    let opts = LiveMonitorOptions {
        window: 50,
        min_values: 10,
        ..Default::default()
    };
    if let Ok(mut m) = LiveMonitor::new(p, opts) {
        for (name, f) in &p.features {
            if matches!(f, FeatureProfile::Numeric(_)) {
                let _ = m.push(name, &cur);
                let _ = m.push(name, &with_nan);
                let _ = m.score(name);
            }
        }
        let _ = m.score_and_emit();
    }

    // Merging a valid profile with itself gives a valid profile.
    let mut merged = p.clone();
    if merged.merge(p).is_ok() {
        merged.validate().expect("a merged profile validates");
    }

    // A fresh fit with the profile's own options, from its reference.
    for f in p.features.values() {
        if let FeatureProfile::Numeric(n) = f
            && !n.reference.is_empty()
        {
            let o = ProfileOptions {
                nan_policy: NanPolicy::Skip,
                ..n.options.clone()
            };
            if let Ok(refit) = NumericProfile::fit(&n.reference, &o) {
                refit.validate().expect("a fitted profile validates");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let decoded = match mode % 4 {
        0 => Profile::decode(rest).ok(),
        1 => Profile::from_bytes(&wrap(b"TWDP", rest)).ok(),
        2 => std::str::from_utf8(rest)
            .ok()
            .and_then(|t| Profile::from_json(t).ok()),
        _ => {
            let a = Profile::from_bytes(rest).ok();
            let b = Profile::from_json(&String::from_utf8_lossy(rest)).ok();
            a.or(b)
        }
    };
    if let Some(p) = decoded {
        exercise(&p);
    }
});
