//! A persisted artefact of another format version is refused with
//! `Error::Version` naming the artefact that was read (profile in both
//! forms, score state, compact scorer, sketch grid, grid counts) — not "profile" for every file.
#![allow(clippy::unwrap_used)]

use tradewarden_core::NanPolicy;
use tradewarden_core::{Classify, ErrorKind};
use tradewarden_drift::profile::{Profile, ProfileOptions};
use tradewarden_drift::report::FeatureData;
use tradewarden_drift::sketch::QuantileSketch;
use tradewarden_drift::state::{CellGrid, ScoreState, SketchGrid, StateScorer};
use tradewarden_drift::{Artefact, Error};

fn profile() -> Profile {
    let r: Vec<f64> = (0..300).map(|i| f64::from(i % 41)).collect();
    Profile::fit_features(
        &[("x", FeatureData::Numeric(&r))],
        &ProfileOptions::default(),
    )
    .unwrap()
}

/// The bytes with the little-endian u32 version at 4..8 set to `v`.
fn with_version(mut b: Vec<u8>, v: u32) -> Vec<u8> {
    b[4..8].copy_from_slice(&v.to_le_bytes());
    b
}

fn check(e: Error, artefact: Artefact, found: u32, text: &str) {
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    match &e {
        Error::Version {
            artefact: a,
            found: f,
            ..
        } => {
            assert_eq!(*a, artefact, "{e}");
            assert_eq!(*f, found, "{e}");
        }
        other => panic!("expected Error::Version, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("unsupported {text} format version {found} ")),
        "{msg}"
    );
}

#[test]
fn profile_bytes_and_json_name_the_profile() {
    let p = profile();
    check(
        Profile::from_bytes(&with_version(p.to_bytes(), 7)).unwrap_err(),
        Artefact::Profile,
        7,
        "profile",
    );
    let json = p
        .to_json()
        .unwrap()
        .replacen("\"format_version\":1", "\"format_version\":5", 1);
    check(
        Profile::from_json(&json).unwrap_err(),
        Artefact::Profile,
        5,
        "profile",
    );
}

#[test]
fn score_state_names_the_score_state() {
    let p = profile();
    let c = [1.5, 2.0, 40.5];
    let s = ScoreState::build(&p, &[("x", FeatureData::Numeric(&c))], CellGrid::Exact).unwrap();
    check(
        ScoreState::from_bytes(&with_version(s.to_bytes(), 3)).unwrap_err(),
        Artefact::ScoreState,
        3,
        "score state",
    );
}

#[test]
fn scorer_names_the_scorer() {
    let scorer = StateScorer::new(profile(), CellGrid::Bounded { cells: 16 }).unwrap();
    check(
        StateScorer::from_bytes(&with_version(scorer.to_bytes(), 9)).unwrap_err(),
        Artefact::Scorer,
        9,
        "scorer",
    );
}

#[test]
fn sketch_grid_and_grid_counts_name_themselves() {
    let r: Vec<f64> = (0..300).map(|i| f64::from(i % 41)).collect();
    let sketch = QuantileSketch::from_values(&r, 200, NanPolicy::Error).unwrap();
    let grid = SketchGrid::new(&[("x", &sketch)], &[], 10, 16, NanPolicy::Error).unwrap();
    check(
        SketchGrid::from_bytes(&with_version(grid.to_bytes(), 4)).unwrap_err(),
        Artefact::SketchGrid,
        4,
        "sketch grid",
    );
    let (_, counts) = grid
        .reference_part(&[("x", FeatureData::Numeric(&r))])
        .unwrap();
    check(
        tradewarden_drift::state::GridCounts::from_bytes(&with_version(counts.to_bytes(), 6))
            .unwrap_err(),
        Artefact::GridCounts,
        6,
        "grid counts",
    );
}
