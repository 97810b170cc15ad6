//! Returns columns and strategy matrices from Arrow arrays, record batches,
//! Parquet and CSV files.
//!
//! A `Float64Array` without nulls is borrowed as `&[f64]` without copying;
//! nulls become NaN (then handled by the [`NanPolicy`](crate::NanPolicy)), and
//! other numeric types are converted once.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Views a numeric Arrow array as `f64` values: zero-copy for a `Float64Array`
/// without nulls; otherwise converted once with nulls as NaN.
///
/// ```
/// use arrow_array::Float64Array;
/// use std::borrow::Cow;
/// let a = Float64Array::from(vec![0.01, -0.02]);
/// let v = tradewarden_core::io::as_f64(&a, "returns").unwrap();
/// assert!(matches!(v, Cow::Borrowed(_)));
/// assert_eq!(&*v, &[0.01, -0.02]);
/// ```
pub fn as_f64<'a>(array: &'a dyn Array, param: &'static str) -> Result<Cow<'a, [f64]>> {
    fn with_nulls<T, F>(a: &arrow_array::PrimitiveArray<T>, f: F) -> Vec<f64>
    where
        T: arrow_array::ArrowPrimitiveType,
        F: Fn(T::Native) -> f64,
    {
        (0..a.len())
            .map(|i| {
                if a.is_null(i) {
                    f64::NAN
                } else {
                    f(a.value(i))
                }
            })
            .collect()
    }
    match array.data_type() {
        DataType::Float64 => {
            let a = array.as_primitive::<Float64Type>();
            if a.null_count() == 0 {
                Ok(Cow::Borrowed(a.values().as_ref()))
            } else {
                Ok(Cow::Owned(with_nulls(a, |v| v)))
            }
        }
        DataType::Float32 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Float32Type>(),
            f64::from,
        ))),
        DataType::Int64 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Int64Type>(),
            |v| v as f64,
        ))),
        DataType::Int32 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Int32Type>(),
            f64::from,
        ))),
        other => Err(Error::invalid(
            param,
            other,
            "expected a numeric column (float64, float32, int64, int32)",
        )),
    }
}

fn is_numeric(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Float64 | DataType::Float32 | DataType::Int64 | DataType::Int32
    )
}

/// Picks a column: the named one, else the only floating-point column, else
/// the only numeric column.
fn pick_column(schema: &Schema, column: Option<&str>) -> Result<usize> {
    match column {
        Some(name) => schema.index_of(name).map_err(|_| Error::NotFound {
            what: "column",
            name: format!(
                "{name} (available: {})",
                schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
        None => {
            let pick = |pred: &dyn Fn(&DataType) -> bool| -> Vec<usize> {
                schema
                    .fields()
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| pred(f.data_type()))
                    .map(|(i, _)| i)
                    .collect()
            };
            let floats = pick(&|t| matches!(t, DataType::Float64 | DataType::Float32));
            let numeric = pick(&is_numeric);
            match (floats.as_slice(), numeric.as_slice()) {
                ([one], _) | ([], [one]) => Ok(*one),
                _ => Err(Error::invalid(
                    "column",
                    "<none>",
                    format!(
                        "name the returns column: {} floating-point and {} numeric columns found",
                        floats.len(),
                        numeric.len()
                    ),
                )),
            }
        }
    }
}

/// Extracts a returns column from record batches (concatenated in order).
pub fn column_from_batches(batches: &[RecordBatch], column: Option<&str>) -> Result<Vec<f64>> {
    let Some(first) = batches.first() else {
        return Err(Error::Empty {
            param: "batches",
            min: 1,
        });
    };
    let idx = pick_column(first.schema_ref(), column)?;
    let mut out = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for b in batches {
        out.extend_from_slice(&as_f64(b.column(idx).as_ref(), "column")?);
    }
    Ok(out)
}

/// Strategies as columns: `values` holds `n_cols` contiguous columns of
/// `n_rows` returns each (column-major), with their names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnsMatrix {
    /// Column-major values: column `j` is `values[j*n_rows .. (j+1)*n_rows]`.
    pub values: Vec<f64>,
    /// Rows (periods).
    pub n_rows: usize,
    /// Column names.
    pub names: Vec<String>,
}

impl ReturnsMatrix {
    /// Number of columns (strategies).
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Column `j`.
    pub fn column(&self, j: usize) -> Option<&[f64]> {
        (j < self.n_cols()).then(|| &self.values[j * self.n_rows..(j + 1) * self.n_rows])
    }

    /// Every numeric column of the batches (other columns, e.g. dates, are ignored).
    pub fn from_batches(batches: &[RecordBatch]) -> Result<ReturnsMatrix> {
        let Some(first) = batches.first() else {
            return Err(Error::Empty {
                param: "batches",
                min: 1,
            });
        };
        let schema = first.schema();
        let cols: Vec<usize> = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| is_numeric(f.data_type()))
            .map(|(i, _)| i)
            .collect();
        if cols.is_empty() {
            return Err(Error::invalid(
                "batches",
                "no numeric column",
                "a strategies matrix needs numeric columns",
            ));
        }
        let n_rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let mut values = Vec::with_capacity(n_rows * cols.len());
        for &c in &cols {
            for b in batches {
                values.extend_from_slice(&as_f64(b.column(c).as_ref(), "column")?);
            }
        }
        Ok(ReturnsMatrix {
            values,
            n_rows,
            names: cols
                .iter()
                .map(|&c| schema.field(c).name().clone())
                .collect(),
        })
    }
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound {
                what: "file",
                name: path.display().to_string(),
            }
        } else {
            Error::io(path, e)
        }
    })
}

fn corrupt(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        what: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Reads every record batch of a Parquet file.
pub fn read_parquet(path: impl AsRef<Path>) -> Result<Vec<RecordBatch>> {
    let path = path.as_ref();
    let file = open(path)?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| corrupt(path, e))?
        .build()
        .map_err(|e| corrupt(path, e))?;
    reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| corrupt(path, e))
}

/// Reads a CSV file with a header row; column types are inferred from the data.
pub fn read_csv(path: impl AsRef<Path>) -> Result<Vec<RecordBatch>> {
    use arrow_csv::reader::{Format, ReaderBuilder};
    use std::io::Seek;
    let path = path.as_ref();
    let mut file = open(path)?;
    let format = Format::default().with_header(true);
    let (schema, _) = format
        .infer_schema(&mut file, Some(10_000))
        .map_err(|e| corrupt(path, e))?;
    file.rewind().map_err(|e| Error::io(path, e))?;
    let reader = ReaderBuilder::new(Arc::new(schema))
        .with_format(format)
        .build(file)
        .map_err(|e| corrupt(path, e))?;
    reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| corrupt(path, e))
}

/// Reads a Parquet (`.parquet`, `.pq`) or CSV (`.csv`) file by extension.
pub fn read_table(path: impl AsRef<Path>) -> Result<Vec<RecordBatch>> {
    let path = path.as_ref();
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("parquet") | Some("pq") => read_parquet(path),
        Some("csv") => read_csv(path),
        _ => Err(Error::invalid(
            "path",
            path.display(),
            "expected a .parquet, .pq or .csv file",
        )),
    }
}

/// Reads one returns column from a Parquet or CSV file (the named column, or
/// the only floating-point column).
///
/// ```
/// let dir = std::env::temp_dir().join(format!("tw-io-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let p = dir.join("r.csv");
/// std::fs::write(&p, "date,ret\n2024-01-02,0.01\n2024-01-03,-0.02\n").unwrap();
/// let r = tradewarden_core::io::read_returns(&p, Some("ret")).unwrap();
/// assert_eq!(r, vec![0.01, -0.02]);
/// ```
pub fn read_returns(path: impl AsRef<Path>, column: Option<&str>) -> Result<Vec<f64>> {
    column_from_batches(&read_table(path)?, column)
}

/// Writes record batches to a Parquet file (atomically: temp file + rename).
pub fn write_parquet(path: impl AsRef<Path>, batches: &[RecordBatch]) -> Result<()> {
    let path = path.as_ref();
    let Some(first) = batches.first() else {
        return Err(Error::Empty {
            param: "batches",
            min: 1,
        });
    };
    let mut buf = Vec::new();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(&mut buf, first.schema(), None).map_err(|e| {
            Error::Internal {
                reason: e.to_string(),
            }
        })?;
    for b in batches {
        w.write(b)
            .map_err(|e| Error::invalid("batches", "schema", e.to_string()))?;
    }
    w.close().map_err(|e| Error::Internal {
        reason: e.to_string(),
    })?;
    crate::fs::write_atomic(path, &buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array, StringArray};
    use arrow_schema::Field;

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("date", DataType::Utf8, false),
            Field::new("a", DataType::Float64, true),
            Field::new("b", DataType::Int64, false),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["d1", "d2", "d3"])),
                Arc::new(Float64Array::from(vec![Some(0.01), None, Some(-0.02)])),
                Arc::new(Int64Array::from(vec![1, 2, 3])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn nulls_become_nan_and_columns_are_picked() {
        let b = batch();
        let v = column_from_batches(std::slice::from_ref(&b), None).unwrap();
        assert_eq!(v[0], 0.01);
        assert!(v[1].is_nan());
        let e = column_from_batches(std::slice::from_ref(&b), Some("zzz")).unwrap_err();
        assert!(e.to_string().contains("zzz") && e.to_string().contains("available: date, a, b"));
        let e = as_f64(b.column(0).as_ref(), "returns").unwrap_err();
        assert!(e.to_string().contains("returns = Utf8"), "{e}");
        let m = ReturnsMatrix::from_batches(&[b.clone(), b]).unwrap();
        assert_eq!((m.n_rows, m.n_cols()), (6, 2));
        assert_eq!(m.column(1).unwrap(), &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn parquet_and_csv_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.parquet");
        write_parquet(&p, &[batch()]).unwrap();
        let v = read_returns(&p, Some("a")).unwrap();
        assert_eq!(v.len(), 3);
        assert!(v[1].is_nan());
        let c = dir.path().join("r.csv");
        std::fs::write(&c, "date,x,y\n2024-01-02,0.5,1\n2024-01-03,-0.25,2\n").unwrap();
        assert_eq!(read_returns(&c, None).unwrap(), vec![0.5, -0.25]);
        assert!(matches!(
            read_returns(dir.path().join("none.csv"), None),
            Err(Error::NotFound { .. })
        ));
        std::fs::write(dir.path().join("bad.parquet"), b"not parquet").unwrap();
        assert!(matches!(
            read_returns(dir.path().join("bad.parquet"), None),
            Err(Error::Corrupt { .. })
        ));
        assert!(read_returns(dir.path().join("x.txt"), None).is_err());
    }
}
