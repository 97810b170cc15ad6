#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Predictor inputs from ndarray views and Arrow arrays give the same answer
//! as the row-major slice API; bad shapes, types, nulls and NaN are typed
//! errors.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Float64Array, Int64Array, RecordBatch};
use ndarray::{Array2, Axis, Slice};
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_inference::{InferenceError, Predictor};

const F: usize = 4;

fn predictor() -> Predictor {
    Predictor::new(
        "inputs",
        "v1",
        Mlp::new(MlpConfig::new(F, vec![8], 3), &cpu_device()).unwrap(),
    )
}

fn matrix(rows: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, F), |(r, c)| {
        ((r * 7 + c * 3) % 11) as f64 * 0.1 - 0.5
    })
}

#[test]
fn ndarray_views_match_the_slice_api() {
    let p = predictor();
    let x = matrix(6);
    let want = p.predict(x.as_slice().unwrap(), 6).unwrap();
    assert_eq!(p.n_features(), F);
    assert_eq!(p.n_outputs(), 3);
    assert_eq!(p.predict_array(x.view()).unwrap(), want);
    // Fortran-order storage (non-contiguous row-major view)
    let fortran = x.t().to_owned();
    assert_eq!(p.predict_array(fortran.t()).unwrap(), want);
    // stepped slice: every other row
    let stepped = p
        .predict_array(x.slice_axis(Axis(0), Slice::new(0, None, 2)))
        .unwrap();
    assert_eq!(stepped.n_rows, 3);
    assert_eq!(stepped.row(1).unwrap(), want.row(2).unwrap());
    // f32
    let x32 = x.mapv(|v| v as f32);
    let got = p.predict_array(x32.view()).unwrap();
    assert_eq!(got.values, want.values);
}

#[test]
fn ndarray_bad_shape_and_nan_are_typed_errors() {
    let p = predictor();
    let wide = Array2::<f64>::zeros((2, F + 1));
    match p.predict_array(wide.view()).unwrap_err() {
        InferenceError::ShapeMismatch {
            param,
            expected,
            actual,
            ..
        } => assert_eq!((param, expected, actual), ("features.ncols", F, F + 1)),
        e => panic!("{e}"),
    }
    let empty = Array2::<f64>::zeros((0, F));
    assert!(matches!(
        p.predict_array(empty.view()).unwrap_err(),
        InferenceError::InvalidInput {
            param: "n_rows",
            ..
        }
    ));
    let mut x = matrix(3);
    x[[2, 1]] = f64::NAN;
    match p.predict_array(x.view()).unwrap_err() {
        InferenceError::NonFiniteFeature { row, column, .. } => assert_eq!((row, column), (2, 1)),
        e => panic!("{e}"),
    }
}

fn columns64(x: &Array2<f64>) -> Vec<ArrayRef> {
    (0..F)
        .map(|c| Arc::new(Float64Array::from(x.column(c).to_vec())) as ArrayRef)
        .collect()
}

#[test]
fn arrow_columns_match_the_slice_api() {
    let p = predictor();
    let x = matrix(5);
    let want = p.predict(x.as_slice().unwrap(), 5).unwrap();
    let cols = columns64(&x);
    assert_eq!(p.predict_arrow(&cols).unwrap(), want);
    let batch = RecordBatch::try_from_iter(
        cols.iter()
            .enumerate()
            .map(|(i, a)| (format!("f{i}"), a.clone())),
    )
    .unwrap();
    assert_eq!(p.predict_record_batch(&batch).unwrap(), want);
    let cols32: Vec<ArrayRef> = (0..F)
        .map(|c| {
            Arc::new(Float32Array::from(
                x.column(c).iter().map(|v| *v as f32).collect::<Vec<_>>(),
            )) as ArrayRef
        })
        .collect();
    assert_eq!(p.predict_arrow(&cols32).unwrap().values, want.values);
    // sliced arrays (non-zero offset) are read at their offset
    let sliced: Vec<ArrayRef> = cols.iter().map(|a| a.slice(2, 3)).collect();
    let got = p.predict_arrow(&sliced).unwrap();
    assert_eq!(got.row(0).unwrap(), want.row(2).unwrap());
}

#[test]
fn arrow_bad_input_is_a_typed_error() {
    let p = predictor();
    let x = matrix(4);
    let cols = columns64(&x);
    // too few columns
    assert!(matches!(
        p.predict_arrow(&cols[..F - 1]).unwrap_err(),
        InferenceError::ShapeMismatch {
            param: "columns",
            ..
        }
    ));
    // ragged
    let mut ragged = cols.clone();
    ragged[2] = Arc::new(Float64Array::from(vec![0.0; 3]));
    assert!(matches!(
        p.predict_arrow(&ragged).unwrap_err(),
        InferenceError::ShapeMismatch {
            param: "columns[i]",
            expected: 4,
            actual: 3,
            ..
        }
    ));
    // wrong type, mixed types
    let mut ints = cols.clone();
    ints[1] = Arc::new(Int64Array::from(vec![1, 2, 3, 4]));
    let e = p.predict_arrow(&ints).unwrap_err();
    assert!(e.to_string().contains("columns[1]: Int64"), "{e}");
    let mut mixed = cols.clone();
    mixed[3] = Arc::new(Float32Array::from(vec![0.0f32; 4]));
    assert!(
        p.predict_arrow(&mixed)
            .unwrap_err()
            .to_string()
            .contains("columns[3]: Float32")
    );
    // null
    let mut nulls = cols.clone();
    nulls[0] = Arc::new(Float64Array::from(vec![
        Some(0.1),
        Some(0.2),
        None,
        Some(0.3),
    ]));
    let e = p.predict_arrow(&nulls).unwrap_err();
    assert!(e.to_string().contains("columns[0][2] = null"), "{e}");
    // NaN
    let mut nan = cols;
    nan[3] = Arc::new(Float64Array::from(vec![0.0, 0.0, f64::NAN, 0.0]));
    match p.predict_arrow(&nan).unwrap_err() {
        InferenceError::NonFiniteFeature { row, column, .. } => assert_eq!((row, column), (2, 3)),
        e => panic!("{e}"),
    }
    // zero rows
    let empty: Vec<ArrayRef> = (0..F)
        .map(|_| Arc::new(Float64Array::from(Vec::<f64>::new())) as ArrayRef)
        .collect();
    assert!(p.predict_arrow(&empty).is_err());
}
