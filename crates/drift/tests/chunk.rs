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
        0..400,
        &data,
        &chunker,
        None,
        &ReportOptions::default(),
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].0.rows, 400..600);
    assert!(!out[0].1.features[0].drift);
    assert!(out[1].1.features[0].drift);
    let bad = [
        ("x", FeatureData::Numeric(&x)),
        ("y", FeatureData::Numeric(&x[..10])),
    ];
    assert!(matches!(
        chunked_drift(
            &profile,
            0..400,
            &bad,
            &chunker,
            None,
            &ReportOptions::default()
        ),
        Err(Error::InvalidParameter { param: "data", .. })
    ));
}
