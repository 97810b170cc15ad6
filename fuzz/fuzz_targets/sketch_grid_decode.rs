//! Bytes → the two artefacts of a job whose reference is never gathered
//! (`crates/drift/src/state/sketch_grid.rs`, issue 22): a `SketchGrid`
//! (`TWSG`) or `GridCounts` (`TWGC`) → everything a decoded one is used for.
//! Nothing may panic or hang.
//!
//! First byte (mode, taken mod 4), then the payload:
//! - `0` / `1`: `SketchGrid::from_bytes` on the payload as it is / wrapped in
//!   a valid header (magic, version, length, FNV-1a checksum), so the
//!   payload decoder and its validation are reached without the fuzzer
//!   forging a checksum;
//! - `2` / `3`: the same for `GridCounts::from_bytes`.
//!
//! A decoded grid: decoding is canonical (re-encoding gives the input bytes;
//! the checksum is that of the re-encoded payload); fixed rows (the grid's
//! points, the midpoints between them, a spread) for each of its features,
//! split into two partitions, give states (`SketchGrid::state`, merged =
//! the state of all the rows, same bytes), reference parts and counts
//! (`reference_part`, merged with `Profile::merge_all` / `GridCounts::merge_all`)
//! and a scorer (`StateScorer::from_grid_counts`) equal, bit for bit in its
//! intervals, to the one-process `SketchGrid::scorer`; every numeric
//! feature's KS interval holds the exact KS (`ks_2samp`, to 4 ulps), is at
//! most the scorer's `rank_bounds` wide, and `n_reference`/`n_current` are
//! the rows; the scorer, the state and the counts round-trip through their
//! bytes.
//!
//! Decoded counts: canonical as above; merged with themselves they double
//! or the merge is refused and leaves them unchanged; against the fixed grid
//! of `tradewarden_fuzz::grid_fixture` (the seeds' counts are of that grid),
//! `StateScorer::from_grid_counts` either refuses them or gives a scorer
//! whose intervals of a fixed state are ordered, within [0, 1], at most its
//! `rank_bounds` wide, with p-values in [0, 1].
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tradewarden_core::NanPolicy;
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden_drift::profile::Profile;
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::FeatureData;
use tradewarden_drift::state::{GridCounts, KsBounds, ScoreState, SketchGrid, StateScorer};
use tradewarden_fuzz::{fnv1a, grid_fixture, grid_reference, wrap};

/// Header length of the binary forms (magic, version, length, checksum).
const HEADER: usize = 24;

/// Slack of the exact-KS containment: `ks_2samp` (method auto) takes the
/// exact method for small samples, which rounds D to h/lcm(n1, n2) as scipy
/// does; the interval is a difference of count fractions.
const SLACK: f64 = 4.0 * f64::EPSILON;

/// Fixed rows for a numeric feature on `points`: up to 48 points, the
/// midpoints between them, and a spread around them (all finite).
fn rows_on(points: &[f64], salt: u64) -> Vec<f64> {
    let p = &points[..points.len().min(48)];
    let mut v: Vec<f64> = Vec::with_capacity(3 * p.len() + 40);
    for (i, w) in p.windows(2).enumerate() {
        if !(i as u64 + salt).is_multiple_of(3) {
            v.push(w[0]);
        }
        v.push(w[0] / 2.0 + w[1] / 2.0);
    }
    let (lo, hi) = (p[0], p[p.len() - 1]);
    for k in 0..40u64 {
        // a spread over [lo, hi] and a little past either end
        let t = ((k * 37 + salt * 11) % 47) as f64 / 40.0 - 0.1;
        let x = lo + (hi / 2.0 - lo / 2.0) * 2.0 * t;
        if x.is_finite() {
            v.push(x);
        }
    }
    v
}

/// Categorical rows, never missing (a partition of all-missing values does
/// not fit).
fn cats(salt: usize) -> Vec<Option<&'static str>> {
    (0..30)
        .map(|i| Some(["a", "b", "zz", "a"][(i + salt) % 4]))
        .collect()
}

/// Rows of every feature of `g` (current when `salt` odd), as owned data.
struct Rows {
    numeric: Vec<(String, Vec<f64>)>,
    categorical: Vec<(String, Vec<Option<&'static str>>)>,
}

impl Rows {
    fn of(g: &SketchGrid, salt: u64) -> Rows {
        let mut numeric = Vec::new();
        let mut categorical = Vec::new();
        for name in g.features() {
            match g.points(name) {
                Some(p) => numeric.push((name.to_string(), rows_on(p, salt))),
                None => categorical.push((name.to_string(), cats(salt as usize))),
            }
        }
        Rows {
            numeric,
            categorical,
        }
    }

    /// The rows as feature data; `part` 0: all, 1: the first half, 2: the rest.
    fn data(&self, part: u8) -> Vec<(&str, FeatureData<'_>)> {
        fn cut<T>(v: &[T], part: u8) -> &[T] {
            let h = v.len() / 2;
            match part {
                1 => &v[..h],
                2 => &v[h..],
                _ => v,
            }
        }
        let mut out: Vec<(&str, FeatureData<'_>)> = self
            .numeric
            .iter()
            .map(|(n, v)| (n.as_str(), FeatureData::Numeric(cut(v, part))))
            .collect();
        out.extend(
            self.categorical
                .iter()
                .map(|(n, v)| (n.as_str(), FeatureData::Categorical(cut(v, part)))),
        );
        out
    }
}

/// Every field of the intervals, floats as bits (for bit-for-bit equality).
type Bits = (String, [u64; 5], Option<u64>, u64, u64);

fn bound_bits(b: &[KsBounds]) -> Vec<Bits> {
    b.iter()
        .map(|b| {
            (
                b.name.clone(),
                [
                    b.statistic_lo.to_bits(),
                    b.statistic_hi.to_bits(),
                    b.pvalue_lo.to_bits(),
                    b.pvalue_hi.to_bits(),
                    b.psi.to_bits(),
                ],
                b.jensenshannon.map(f64::to_bits),
                b.n_reference,
                b.n_current,
            )
        })
        .collect()
}

/// What holds for any interval of a scorer over validated counts: ordered,
/// within [0, 1], at most the stated width, p-values in [0, 1].
fn sane(b: &KsBounds, width: f64) {
    assert!(
        0.0 <= b.statistic_lo && b.statistic_lo <= b.statistic_hi && b.statistic_hi <= 1.0 + 1e-12,
        "KS interval {b:?}"
    );
    assert!(
        b.statistic_hi - b.statistic_lo <= width + 1e-12,
        "KS interval {b:?} wider than the stated bound {width}"
    );
    for p in [b.pvalue_lo, b.pvalue_hi] {
        assert!((0.0..=1.0).contains(&p), "p-value {p} of {b:?}");
    }
}

fn use_grid(bytes: &[u8]) {
    let Ok(g) = SketchGrid::from_bytes(bytes) else {
        return;
    };
    let enc = g.to_bytes();
    assert_eq!(enc, bytes, "a decoded grid re-encodes to other bytes");
    assert_eq!(g.checksum(), fnv1a(&enc[HEADER..]), "grid checksum");
    assert_eq!(
        SketchGrid::from_bytes(&enc).expect("a grid's own bytes decode"),
        g
    );

    let reference = Rows::of(&g, 0);
    let current = Rows::of(&g, 1);
    // current partitions: merged states = the state of all the rows
    let state = g.state(&current.data(0)).expect("state of finite rows");
    let mut merged = g.state(&current.data(1)).expect("state of a partition");
    merged
        .merge(&g.state(&current.data(2)).expect("state of a partition"))
        .expect("states of one grid merge");
    assert_eq!(merged.to_bytes(), state.to_bytes(), "partitioned state");
    let again = ScoreState::from_bytes(&state.to_bytes()).expect("a state's own bytes decode");
    assert_eq!(again.to_bytes(), state.to_bytes());

    // reference partitions: merged parts = the one-process scorer
    let (p1, c1) = g
        .reference_part(&reference.data(1))
        .expect("reference part");
    let (p2, c2) = g
        .reference_part(&reference.data(2))
        .expect("reference part");
    let profile = Profile::merge_all(&[&p1, &p2]).expect("parts of one grid merge");
    let counts = GridCounts::merge_all(&[&c1, &c2]).expect("counts of one grid merge");
    assert_eq!(counts.grid_checksum(), g.checksum());
    assert_eq!(
        GridCounts::from_bytes(&counts.to_bytes()).expect("counts' own bytes decode"),
        counts
    );
    let scorer =
        StateScorer::from_grid_counts(profile, &g, &counts).expect("scorer of its own parts");
    let one = g.scorer(&reference.data(0)).expect("one-process scorer");
    let bounds = scorer
        .ks_bounds(&state, PsiMode::default())
        .expect("bounds of a state of the grid");
    assert_eq!(
        bound_bits(&bounds),
        bound_bits(
            &one.ks_bounds(&state, PsiMode::default())
                .expect("bounds, one process")
        ),
        "partitioned scorer differs from the one-process scorer"
    );
    let loaded = StateScorer::from_bytes(&scorer.to_bytes()).expect("a scorer's own bytes decode");
    assert_eq!(loaded.to_bytes(), scorer.to_bytes());
    assert_eq!(
        bound_bits(
            &loaded
                .ks_bounds(&state, PsiMode::default())
                .expect("bounds, loaded scorer")
        ),
        bound_bits(&bounds)
    );
    assert_eq!(
        scorer
            .state(&current.data(0))
            .expect("the scorer's state")
            .to_bytes(),
        state.to_bytes(),
        "the scorer's state differs from the grid's"
    );

    let widths = scorer.rank_bounds();
    assert_eq!(bounds.len(), reference.numeric.len());
    for b in &bounds {
        let r = &reference
            .numeric
            .iter()
            .find(|f| f.0 == b.name)
            .expect("a numeric feature")
            .1;
        let c = &current
            .numeric
            .iter()
            .find(|f| f.0 == b.name)
            .expect("a numeric feature")
            .1;
        assert_eq!(b.n_reference, r.len() as u64, "n_reference of {b:?}");
        assert_eq!(b.n_current, c.len() as u64, "n_current of {b:?}");
        sane(b, widths[&b.name]);
        let d = ks_2samp(
            r,
            c,
            Alternative::TwoSided,
            KsMethod::Auto,
            NanPolicy::Error,
        )
        .expect("KS of finite rows")
        .statistic;
        assert!(
            b.statistic_lo - SLACK <= d && d <= b.statistic_hi + SLACK,
            "exact KS {d} outside {b:?}"
        );
    }
}

/// The fixed grid's merged reference profile and a state of fixed rows.
fn fixture() -> &'static (Profile, ScoreState) {
    static F: OnceLock<(Profile, ScoreState)> = OnceLock::new();
    F.get_or_init(|| {
        let g = grid_fixture();
        let (x, y, c) = grid_reference();
        let (p, _) = g
            .reference_part(&[
                ("c", FeatureData::Categorical(&c)),
                ("x", FeatureData::Numeric(&x)),
                ("y", FeatureData::Numeric(&y)),
            ])
            .expect("reference part");
        let cx: Vec<f64> = x.iter().map(|v| v * 0.9 + 0.3).collect();
        let cy: Vec<f64> = y.iter().rev().take(150).map(|v| v + 0.5).collect();
        let s = g
            .state(&[
                ("c", FeatureData::Categorical(&c[..90])),
                ("x", FeatureData::Numeric(&cx)),
                ("y", FeatureData::Numeric(&cy)),
            ])
            .expect("state");
        (p, s)
    })
}

fn use_counts(bytes: &[u8]) {
    let Ok(c) = GridCounts::from_bytes(bytes) else {
        return;
    };
    let enc = c.to_bytes();
    assert_eq!(enc, bytes, "decoded counts re-encode to other bytes");
    assert_eq!(
        GridCounts::from_bytes(&enc).expect("counts' own bytes decode"),
        c
    );
    let mut twice = c.clone();
    match twice.merge(&c) {
        Ok(()) => {
            let again = GridCounts::from_bytes(&twice.to_bytes()).expect("merged counts decode");
            assert_eq!(again, twice);
        }
        Err(_) => assert_eq!(twice, c, "a refused merge changed the counts"),
    }
    assert_eq!(GridCounts::merge_all(&[&c]).expect("one part"), c);

    let (profile, state) = fixture();
    let Ok(scorer) = StateScorer::from_grid_counts(profile.clone(), grid_fixture(), &c) else {
        return;
    };
    let widths = scorer.rank_bounds();
    for (name, w) in &widths {
        assert!((0.0..=1.0).contains(w), "rank bound {w} of {name:?}");
    }
    if let Ok(bounds) = scorer.ks_bounds(state, PsiMode::default()) {
        for b in &bounds {
            sane(b, widths[&b.name]);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => use_grid(payload),
        1 => use_grid(&wrap(b"TWSG", payload)),
        2 => use_counts(payload),
        _ => use_counts(&wrap(b"TWGC", payload)),
    }
});
