//! Reports over Arrow record batches and Parquet files.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use tradewarden_drift::Error;
use tradewarden_drift::profile::{
    CategoricalProfile, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};

fn profile(x: &[f64], c: &[Option<&str>]) -> Profile {
    let mut p = Profile::new();
    p.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(x, &ProfileOptions::default()).unwrap()),
    );
    p.insert(
        "c",
        FeatureProfile::Categorical(CategoricalProfile::fit(c).unwrap()),
    );
    p
}

#[test]
fn batch_and_parquet_match_slices() {
    let x: Vec<f64> = (0..500)
        .map(|i| ((i * 7919) % 1000) as f64 / 10.0)
        .collect();
    let c: Vec<Option<&str>> = (0..500).map(|i| Some(["a", "b", "c"][i % 3])).collect();
    let p = profile(&x, &c);
    let shifted: Vec<f64> = x.iter().map(|v| v + 20.0).collect();
    let cur_c: Vec<Option<&str>> = (0..500).map(|i| Some(["a", "a", "b"][i % 3])).collect();
    let batch = RecordBatch::try_from_iter(vec![
        (
            "x",
            Arc::new(Float64Array::from(shifted.clone())) as ArrayRef,
        ),
        ("c", Arc::new(StringArray::from(cur_c.clone())) as ArrayRef),
        (
            "ignored",
            Arc::new(Int64Array::from(vec![1i64; 500])) as ArrayRef,
        ),
    ])
    .unwrap();
    let o = ReportOptions::default();
    let from_batch = DriftReport::compute_batches(&p, std::slice::from_ref(&batch), &o).unwrap();
    let from_slices = DriftReport::compute(
        &p,
        &[
            ("x", FeatureData::Numeric(&shifted)),
            ("c", FeatureData::Categorical(&cur_c)),
        ],
        &o,
    )
    .unwrap();
    assert_eq!(from_batch, from_slices);
    assert!(from_batch.features.iter().all(|f| f.drift));
    // split over two batches
    let two = [batch.slice(0, 200), batch.slice(200, 300)];
    assert_eq!(
        DriftReport::compute_batches(&p, &two, &o).unwrap(),
        from_slices
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cur.parquet");
    tradewarden_core::io::write_parquet(&path, &[batch]).unwrap();
    assert_eq!(
        DriftReport::compute_parquet(&p, &path, &o).unwrap(),
        from_slices
    );
}

#[test]
fn batch_errors() {
    let x: Vec<f64> = (0..50).map(f64::from).collect();
    let p = profile(&x, &[Some("a"), Some("b")]);
    let o = ReportOptions::default();
    assert!(matches!(
        DriftReport::compute_batches(&p, &[], &o),
        Err(Error::TooFewValues { .. })
    ));
    let none = RecordBatch::try_from_iter(vec![(
        "zzz",
        Arc::new(Float64Array::from(vec![1.0])) as ArrayRef,
    )])
    .unwrap();
    assert!(matches!(
        DriftReport::compute_batches(&p, &[none], &o),
        Err(Error::UnknownFeature { .. })
    ));
    let wrong = RecordBatch::try_from_iter(vec![(
        "c",
        Arc::new(Float64Array::from(vec![1.0])) as ArrayRef,
    )])
    .unwrap();
    assert!(matches!(
        DriftReport::compute_batches(&p, &[wrong], &o),
        Err(Error::InvalidParameter { param: "batch", .. })
    ));
    let nulls = RecordBatch::try_from_iter(vec![(
        "x",
        Arc::new(Float64Array::from(vec![Some(1.0), None])) as ArrayRef,
    )])
    .unwrap();
    assert!(matches!(
        DriftReport::compute_batches(&p, &[nulls], &o),
        Err(Error::NonFinite {
            param: "current",
            index: 1,
            ..
        })
    ));
}
