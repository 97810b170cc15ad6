//! Chunking as NannyML and per-chunk drift.
#![allow(clippy::unwrap_used)]

use tradewarden_drift::Error;
use tradewarden_drift::chunk::{Chunker, Incomplete, chunked_drift};
use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden_drift::report::{FeatureData, ReportOptions};

fn rows(c: &[tradewarden_drift::chunk::Chunk]) -> Vec<(usize, usize)> {
    c.iter().map(|c| (c.rows.start, c.rows.end)).collect()
}

#[test]
fn size_count_period() {
    let keep = Chunker::Size {
        size: 4,
        incomplete: Incomplete::Keep,
    };
    assert_eq!(
        rows(&keep.split(10, None).unwrap()),
        vec![(0, 4), (4, 8), (8, 10)]
    );
    let drop = Chunker::Size {
        size: 4,
        incomplete: Incomplete::Drop,
    };
    assert_eq!(rows(&drop.split(10, None).unwrap()), vec![(0, 4), (4, 8)]);
    let app = Chunker::Size {
        size: 4,
        incomplete: Incomplete::Append,
    };
    assert_eq!(rows(&app.split(10, None).unwrap()), vec![(0, 4), (4, 10)]);
    let count = Chunker::Count {
        count: 3,
        incomplete: Incomplete::Keep,
    };
    assert_eq!(
        rows(&count.split(10, None).unwrap()),
        vec![(0, 3), (3, 6), (6, 9), (9, 10)]
    );
    let count = Chunker::Count {
        count: 3,
        incomplete: Incomplete::Append,
    };
    assert_eq!(
        rows(&count.split(10, None).unwrap()),
        vec![(0, 3), (3, 6), (6, 10)]
    );
    let ts = [0.0, 100.0, 86_399.0, 86_400.0, 90_000.0, 200_000.0];
    let day = Chunker::Period { seconds: 86_400.0 };
    let c = day.split(6, Some(&ts)).unwrap();
    assert_eq!(rows(&c), vec![(0, 3), (3, 5), (5, 6)]);
    assert_eq!(c[2].key, 172_800.0);
}

#[test]
fn chunker_bad_input() {
    assert!(matches!(
        Chunker::Size {
            size: 0,
            incomplete: Incomplete::Keep
        }
        .split(5, None),
        Err(Error::InvalidParameter { param: "size", .. })
    ));
    assert!(matches!(
        Chunker::Count {
            count: 0,
            incomplete: Incomplete::Keep
        }
        .split(5, None),
        Err(Error::InvalidParameter { param: "count", .. })
    ));
    assert!(matches!(
        Chunker::Count {
            count: 6,
            incomplete: Incomplete::Keep
        }
        .split(5, None),
        Err(Error::InvalidParameter { param: "count", .. })
    ));
    let p = Chunker::Period { seconds: 60.0 };
    assert!(matches!(
        p.split(2, None),
        Err(Error::InvalidParameter {
            param: "timestamps",
            ..
        })
    ));
    assert!(matches!(
        p.split(2, Some(&[2.0, 1.0])),
        Err(Error::InvalidParameter {
            param: "timestamps",
            ..
        })
    ));
    assert!(matches!(
        Chunker::Period { seconds: 0.0 }.split(1, Some(&[1.0])),
        Err(Error::InvalidParameter {
            param: "seconds",
            ..
        })
    ));
}

#[test]
fn chunks_never_overlap_the_fit_rows() {
    // rows 0..400 are the reference; rows 400..800 drift from row 600 on
    let x: Vec<f64> = (0..800)
        .map(|i| ((i * 37) % 100) as f64 / 100.0 + if i >= 600 { 0.5 } else { 0.0 })
        .collect();
    let mut profile = Profile::new();
    profile.insert(
        "x",
        FeatureProfile::Numeric(
            NumericProfile::fit(&x[..400], &ProfileOptions::default()).unwrap(),
        ),
    );
    let data = [("x", FeatureData::Numeric(&x))];
    let chunker = Chunker::Size {
        size: 200,
        incomplete: Incomplete::Keep,
    };
    let out = chunked_drift(
        &profile,
        Some(0..400),
        &data,
        &chunker,
        None,
        &ReportOptions::default(),
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].chunk.rows, 400..600);
    assert!(!out[0].report.features[0].drift);
    assert!(out[1].report.features[0].drift);
    let bad = [
        ("x", FeatureData::Numeric(&x)),
        ("y", FeatureData::Numeric(&x[..10])),
    ];
    assert!(matches!(
        chunked_drift(
            &profile,
            Some(0..400),
            &bad,
            &chunker,
            None,
            &ReportOptions::default()
        ),
        Err(Error::InvalidParameter { param: "data", .. })
    ));
}

fn fit(x: &[f64]) -> Profile {
    let mut p = Profile::new();
    p.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(x, &ProfileOptions::default()).unwrap()),
    );
    p
}

fn series(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 37) % 100) as f64 / 100.0 + if i >= 700 { 0.3 } else { 0.0 })
        .collect()
}

fn report_of(p: &Profile, rows: &[f64]) -> tradewarden_drift::report::DriftReport {
    tradewarden_drift::report::DriftReport::compute(
        p,
        &[("x", FeatureData::Numeric(rows))],
        &ReportOptions::default(),
    )
    .unwrap()
}

/// The case: size 300 with reference rows 0..400 — the chunk
/// 300..600 used to be dropped (rows 400..600 never scored); it is scored
/// on its rows outside the reference.
#[test]
fn a_partly_overlapping_chunk_scores_its_other_rows() {
    let x = series(1000);
    let p = fit(&x[..400]);
    let size = Chunker::Size {
        size: 300,
        incomplete: Incomplete::Keep,
    };
    let data = [("x", FeatureData::Numeric(&x))];
    let out = chunked_drift(
        &p,
        Some(0..400),
        &data,
        &size,
        None,
        &ReportOptions::default(),
    )
    .unwrap();
    let keys: Vec<f64> = out.iter().map(|c| c.chunk.key).collect();
    assert_eq!(
        keys,
        vec![1.0, 2.0, 3.0],
        "only the all-reference chunk 0 is left out"
    );
    assert_eq!(out[0].chunk.rows, 300..600);
    assert_eq!(out[0].scored_rows, vec![400..600]);
    assert_eq!(out[0].report, report_of(&p, &x[400..600]));
    assert_eq!(out[1].scored_rows, vec![600..900]);
    assert_eq!(out[1].report, report_of(&p, &x[600..900]));
    assert_eq!(out[2].scored_rows, vec![900..1000]);
    // every non-reference row is scored exactly once
    let scored: usize = out
        .iter()
        .flat_map(|c| c.scored_rows.iter().map(|r| r.len()))
        .sum();
    assert_eq!(scored, 600);

    // reference rows strictly inside a chunk: the two outer pieces, joined
    let p = fit(&x[100..200]);
    let out = chunked_drift(
        &p,
        Some(100..200),
        &data,
        &size,
        None,
        &ReportOptions::default(),
    )
    .unwrap();
    assert_eq!(out[0].scored_rows, vec![0..100, 200..300]);
    let joined: Vec<f64> = x[..100].iter().chain(&x[200..300]).copied().collect();
    assert_eq!(out[0].report, report_of(&p, &joined));
    assert_eq!(out.len(), 4);
}

/// An empty reference range (a reference outside the data) used to skip
/// the chunk containing its position; now every chunk is scored in full.
#[test]
fn an_empty_reference_range_skips_nothing() {
    let x = series(1000);
    let p = fit(&x[..400]);
    let size = Chunker::Size {
        size: 250,
        incomplete: Incomplete::Keep,
    };
    let data = [("x", FeatureData::Numeric(&x))];
    for empty in [0..0, 5..5, 600..600, 1000..1000] {
        let out = chunked_drift(
            &p,
            Some(empty.clone()),
            &data,
            &size,
            None,
            &ReportOptions::default(),
        )
        .unwrap();
        assert_eq!(out.len(), 4, "{empty:?}");
        for c in &out {
            assert_eq!(c.scored_rows, vec![c.chunk.rows.clone()], "{empty:?}");
        }
    }
    // a reversed range or one past the data is an error naming the parameter
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = 10..5;
    for bad in [reversed, 900..1001] {
        let e = chunked_drift(&p, Some(bad), &data, &size, None, &ReportOptions::default())
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    param: "reference_rows",
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

/// The profile records the rows it was fitted on; chunked drift takes them
/// from it, refuses a contradicting range, and refuses to guess when
/// neither is known.
#[test]
fn the_profile_records_its_reference_rows() {
    let x = series(1000);
    let mut p = fit(&x[..400]);
    let size = Chunker::Size {
        size: 300,
        incomplete: Incomplete::Keep,
    };
    let data = [("x", FeatureData::Numeric(&x))];
    let o = ReportOptions::default();
    let e = chunked_drift(&p, None, &data, &size, None, &o).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "reference_rows",
                ..
            }
        ),
        "{e:?}"
    );
    p.reference_rows = Some(0..400);
    let from_profile = chunked_drift(&p, None, &data, &size, None, &o).unwrap();
    assert_eq!(
        from_profile,
        chunked_drift(&p, Some(0..400), &data, &size, None, &o).unwrap()
    );
    assert_eq!(from_profile[0].scored_rows, vec![400..600]);
    let e = chunked_drift(&p, Some(0..300), &data, &size, None, &o).unwrap_err();
    assert!(e.to_string().contains("reference_rows"), "{e}");

    // provenance survives both persisted forms (and is covered by the checksum)
    let back = Profile::from_bytes(&p.to_bytes()).unwrap();
    assert_eq!(back.reference_rows, Some(0..400));
    assert_eq!(back, p);
    let back = Profile::from_json(&p.to_json().unwrap()).unwrap();
    assert_eq!(back, p);
    let mut q = p.clone();
    q.reference_rows = None;
    assert_ne!(q.to_bytes(), p.to_bytes());
    // a profile without provenance writes what it wrote before (no trailer)
    assert!(!q.to_json().unwrap().contains("reference_rows"));
    // a reversed range in a file fails closed
    let json = p
        .to_json()
        .unwrap()
        .replace("\"start\":0,\"end\":400", "\"start\":401,\"end\":400");
    let json = json.split(",\"checksum\"").next().unwrap().to_string() + "}";
    let e = Profile::from_json(&json).unwrap_err();
    assert!(e.to_string().contains("reference_rows"), "{e}");

    // merged partitions keep contiguous provenance only
    let mut a = fit(&x[..200]);
    a.reference_rows = Some(0..200);
    let mut b = fit(&x[200..400]);
    b.reference_rows = Some(200..400);
    let m = Profile::merge_all(&[&a, &b]).unwrap();
    assert_eq!(m.reference_rows, Some(0..400));
    b.reference_rows = Some(300..500);
    assert_eq!(Profile::merge_all(&[&a, &b]).unwrap().reference_rows, None);
}
