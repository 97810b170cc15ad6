//! Bytes → `ScoreState` (the per-partition drift state that travels between
//! processes, issue 22) → everything a loaded state is used for: merging
//! with a state of the same profile, scoring it into a report, bounds of a
//! bounded state, re-encoding. Nothing may panic or hang; a state the
//! decoder accepted must re-encode to bytes that decode to an equal state.
//!
//! First byte (mode), then the payload:
//! - `0`: `ScoreState::from_bytes` on the payload as it is;
//! - `1`: the payload wrapped in a valid header (magic, version, length,
//!   FNV-1a checksum), so the payload decoder and the validation are reached
//!   without the fuzzer having to forge a checksum.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tradewarden_drift::profile::{Profile, ProfileOptions};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::state::{CellGrid, ScoreState};
use tradewarden_fuzz::wrap;

/// The profile the seeds were built against (the same as gen_corpus's):
/// numeric `x` with ties, categorical `c`.
fn profile() -> &'static Profile {
    static P: OnceLock<Profile> = OnceLock::new();
    P.get_or_init(|| {
        let x: Vec<f64> = (0..200u64)
            .map(|i| ((i * 37) % 41) as f64 / 4.0 - 5.0)
            .collect();
        let c: Vec<Option<&str>> = (0..200)
            .map(|i| [Some("a"), Some("b"), None][i % 3])
            .collect();
        Profile::fit_features(
            &[
                ("c", FeatureData::Categorical(&c)),
                ("x", FeatureData::Numeric(&x)),
            ],
            &ProfileOptions::default(),
        )
        .expect("fit")
    })
}

/// A valid state of the same profile to merge with.
fn other() -> &'static ScoreState {
    static S: OnceLock<ScoreState> = OnceLock::new();
    S.get_or_init(|| {
        let x: Vec<f64> = (0..64u64)
            .map(|i| ((i * 13) % 50) as f64 / 5.0 - 4.0)
            .collect();
        let c: Vec<Option<&str>> = (0..64)
            .map(|i| [Some("b"), Some("z"), None][i % 3])
            .collect();
        ScoreState::build(
            profile(),
            &[
                ("c", FeatureData::Categorical(&c)),
                ("x", FeatureData::Numeric(&x)),
            ],
            CellGrid::Exact,
        )
        .expect("state")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    let bytes = match mode % 2 {
        0 => payload.to_vec(),
        _ => wrap(b"TWSS", payload),
    };
    let Ok(s) = ScoreState::from_bytes(&bytes) else {
        return;
    };
    let again = ScoreState::from_bytes(&s.to_bytes()).expect("re-encoded state decodes");
    assert_eq!(
        again.to_bytes(),
        s.to_bytes(),
        "re-encoding changed the state"
    );
    let _ = s.ks_bounds(profile(), PsiMode::default());
    let _ = DriftReport::compute_states(profile(), &s, &ReportOptions::default());
    let mut m = s.clone();
    if m.merge(other()).is_ok() {
        let _ = DriftReport::compute_states(profile(), &m, &ReportOptions::default());
    }
});
