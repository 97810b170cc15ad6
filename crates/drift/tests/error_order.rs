//! One bad input, one answer: with two bad features (an unknown name and a
//! NaN value) every parallel per-feature path returns the error of the
//! **first** bad feature by position, on every run and thread count.
//! rayon's `collect::<Result<_>>()` returned whichever error a thread met
//! first: the `capi` fuzz target saw `tw_state_scorer_state` answer
//! `TW_ERR_NOT_FOUND` and `tw_score_state_compute` `TW_ERR_INVALID_INPUT`
//! on the same input (seed `fuzz/corpus/capi/regression-score-state-error-order`).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_core::{Classify, ErrorKind, NanPolicy};
use tradewarden_drift::profile::{Profile, ProfileOptions};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::sketch::QuantileSketch;
use tradewarden_drift::state::{CellGrid, ScoreState, SketchGrid, StateScorer};

const RUNS: usize = 150;

/// `f` on a 4-thread pool, RUNS times: always the same error, of `kind`.
fn same_error<T: std::fmt::Debug + Send>(
    what: &str,
    kind: ErrorKind,
    needle: &str,
    f: impl Fn() -> Result<T, tradewarden_drift::Error> + Sync,
) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let first = pool.install(&f).unwrap_err();
    assert_eq!(first.kind(), kind, "{what}: {first}");
    assert!(first.to_string().contains(needle), "{what}: {first}");
    for _ in 0..RUNS {
        let e = pool.install(&f).unwrap_err();
        assert_eq!(
            (e.kind(), e.to_string()),
            (first.kind(), first.to_string()),
            "{what}"
        );
    }
}

#[test]
fn the_first_bad_feature_decides_the_error() {
    let r: Vec<f64> = (0..400).map(|i| ((i * 37) % 101) as f64).collect();
    let names = ["a", "b", "c", "d"];
    let cols: Vec<(&str, FeatureData<'_>)> = names
        .iter()
        .map(|n| (*n, FeatureData::Numeric(&r)))
        .collect();
    let profile = Profile::fit_features(&cols, &ProfileOptions::default()).unwrap();
    let nan = [1.0, f64::NAN, 2.0];
    let good = [1.0, 2.0, 3.0];
    // unknown first, then NaN (and good features around them) — and the reverse
    let unknown_first: Vec<(&str, FeatureData<'_>)> = vec![
        ("a", FeatureData::Numeric(&good)),
        ("nope", FeatureData::Numeric(&good)),
        ("b", FeatureData::Numeric(&nan)),
        ("c", FeatureData::Numeric(&nan)),
        ("d", FeatureData::Numeric(&good)),
    ];
    let nan_first: Vec<(&str, FeatureData<'_>)> = vec![
        ("a", FeatureData::Numeric(&good)),
        ("b", FeatureData::Numeric(&nan)),
        ("nope", FeatureData::Numeric(&good)),
        ("c", FeatureData::Numeric(&nan)),
        ("d", FeatureData::Numeric(&good)),
    ];
    let scorer = StateScorer::new(profile.clone(), CellGrid::Bounded { cells: 64 }).unwrap();
    let mut sk = QuantileSketch::from_values(&r, 200, NanPolicy::Error).unwrap();
    sk.merge(&QuantileSketch::from_values(&r, 200, NanPolicy::Error).unwrap())
        .unwrap();
    let sketches: Vec<(&str, &QuantileSketch)> = names.iter().map(|n| (*n, &sk)).collect();
    let grid = SketchGrid::new(&sketches, &[], 10, 64, NanPolicy::Error).unwrap();
    for (current, kind, needle) in [
        (&unknown_first, ErrorKind::NotFound, "nope"),
        (&nan_first, ErrorKind::InvalidInput, "is not finite"),
    ] {
        same_error("ScoreState::build", kind, needle, || {
            ScoreState::build(&profile, current, CellGrid::Bounded { cells: 64 })
        });
        same_error("StateScorer::state", kind, needle, || scorer.state(current));
        same_error("SketchGrid::state", kind, needle, || grid.state(current));
        same_error("SketchGrid::reference_part", kind, needle, || {
            grid.reference_part(current)
        });
        same_error("DriftReport::compute", kind, needle, || {
            DriftReport::compute(&profile, current, &ReportOptions::default())
        });
    }
}
