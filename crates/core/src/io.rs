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
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
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
        DataType::Float16 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Float16Type>(),
            |v| v.to_f64(),
        ))),
        DataType::Int64 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Int64Type>(),
            |v| v as f64,
        ))),
        DataType::Int32 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Int32Type>(),
            f64::from,
        ))),
        DataType::Int16 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Int16Type>(),
            f64::from,
        ))),
        DataType::Int8 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<Int8Type>(),
            f64::from,
        ))),
        DataType::UInt64 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<UInt64Type>(),
            |v| v as f64,
        ))),
        DataType::UInt32 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<UInt32Type>(),
            f64::from,
        ))),
        DataType::UInt16 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<UInt16Type>(),
            f64::from,
        ))),
        DataType::UInt8 => Ok(Cow::Owned(with_nulls(
            array.as_primitive::<UInt8Type>(),
            f64::from,
        ))),
        other => Err(Error::invalid(
            param,
            other,
            "expected a numeric column (float64/32/16, a signed or unsigned integer of 8 to 64 bits)",
        )),
    }
}

/// The raw values of an integer, date or timestamp column as `i64` in the
/// column's own unit (days for `Date32`, milliseconds for `Date64`, the
/// timestamp's unit): for keys where only equality and order matter (a trade
/// log's timestamps). Nulls are an error naming `param` — a key cannot be
/// missing. For Unix seconds use [`time_column`].
///
/// ```
/// use arrow_array::{Date32Array, Int32Array};
/// use tradewarden_core::io::time_values;
/// assert_eq!(time_values(&Date32Array::from(vec![19_359, 19_360]), "t").unwrap(), [19_359, 19_360]);
/// assert_eq!(time_values(&Int32Array::from(vec![3, 1]), "t").unwrap(), [3, 1]);
/// assert!(time_values(&Int32Array::from(vec![Some(3), None]), "t").is_err());
/// ```
///
/// # Errors
/// A null, or a column of another type, naming `param`.
pub fn time_values(array: &dyn Array, param: &'static str) -> Result<Vec<i64>> {
    use arrow_array::types as t;
    use arrow_schema::TimeUnit;
    if array.null_count() > 0 {
        return Err(Error::invalid(
            param,
            format!("{} nulls", array.null_count()),
            "timestamps must not be null",
        ));
    }
    fn widen<T: arrow_array::ArrowPrimitiveType>(a: &dyn Array) -> Vec<i64>
    where
        T::Native: Into<i64>,
    {
        a.as_primitive::<T>()
            .values()
            .iter()
            .map(|&v| v.into())
            .collect()
    }
    Ok(match array.data_type() {
        DataType::Int64 => widen::<Int64Type>(array),
        DataType::Int32 => widen::<Int32Type>(array),
        DataType::Int16 => widen::<Int16Type>(array),
        DataType::Int8 => widen::<Int8Type>(array),
        DataType::UInt32 => widen::<UInt32Type>(array),
        DataType::UInt16 => widen::<UInt16Type>(array),
        DataType::UInt8 => widen::<UInt8Type>(array),
        DataType::Date32 => widen::<t::Date32Type>(array),
        DataType::Date64 => widen::<t::Date64Type>(array),
        DataType::Timestamp(TimeUnit::Second, _) => widen::<t::TimestampSecondType>(array),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            widen::<t::TimestampMillisecondType>(array)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            widen::<t::TimestampMicrosecondType>(array)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => widen::<t::TimestampNanosecondType>(array),
        other => {
            return Err(Error::invalid(
                param,
                other,
                "expected an integer, timestamp or date column",
            ));
        }
    })
}

/// The values of a string column (`Utf8`, `LargeUtf8` or `Utf8View`),
/// borrowed; nulls are `None`.
///
/// ```
/// use arrow_array::LargeStringArray;
/// let a = LargeStringArray::from(vec![Some("a"), None]);
/// assert_eq!(tradewarden_core::io::str_values(&a, "side").unwrap(), [Some("a"), None]);
/// ```
///
/// # Errors
/// A column of another type, naming `param`.
pub fn str_values<'a>(array: &'a dyn Array, param: &'static str) -> Result<Vec<Option<&'a str>>> {
    if let Some(a) = array.as_string_opt::<i32>() {
        Ok(a.iter().collect())
    } else if let Some(a) = array.as_string_opt::<i64>() {
        Ok(a.iter().collect())
    } else if let Some(a) = array.as_string_view_opt() {
        Ok(a.iter().collect())
    } else {
        Err(Error::invalid(
            param,
            array.data_type(),
            "expected a string column (utf8, large_utf8, utf8_view)",
        ))
    }
}

fn is_numeric(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Float64
            | DataType::Float32
            | DataType::Float16
            | DataType::Int64
            | DataType::Int32
            | DataType::Int16
            | DataType::Int8
            | DataType::UInt64
            | DataType::UInt32
            | DataType::UInt16
            | DataType::UInt8
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
            let floats =
                pick(&|t| matches!(t, DataType::Float64 | DataType::Float32 | DataType::Float16));
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

/// Named numeric columns of record batches as `f64` (concatenated in
/// order): the columns `wanted`, in that order, or — when `wanted` is empty —
/// every column of a numeric Arrow type (floats of every width, signed and
/// unsigned integers) in schema order. The one reading of "the numeric
/// columns of a table" for every door (the CLI's `drift` commands, …).
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Float32Array, Int64Array, RecordBatch, StringArray};
/// use tradewarden_core::io::numeric_columns;
///
/// let b = RecordBatch::try_from_iter([
///     ("x", Arc::new(Float32Array::from(vec![0.5f32, 1.5])) as ArrayRef),
///     ("name", Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef),
///     ("n", Arc::new(Int64Array::from(vec![3, 4])) as ArrayRef),
/// ])?;
/// let cols = numeric_columns(&[b.clone()], &[])?;
/// assert_eq!(cols, vec![("x".to_string(), vec![0.5, 1.5]), ("n".to_string(), vec![3.0, 4.0])]);
/// assert_eq!(numeric_columns(&[b.clone()], &["n".to_string()])?.len(), 1);
/// assert!(numeric_columns(&[b], &["zzz".to_string()]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Empty`] (`batches`) without a batch; [`Error::NotFound`] for a
/// wanted column that does not exist; [`Error::InvalidParameter`] (`columns`)
/// when nothing is wanted and no column is numeric; a wanted column that is
/// not numeric as [`as_f64`].
pub fn numeric_columns(
    batches: &[RecordBatch],
    wanted: &[String],
) -> Result<Vec<(String, Vec<f64>)>> {
    let Some(first) = batches.first() else {
        return Err(Error::Empty {
            param: "batches",
            min: 1,
        });
    };
    let names: Vec<String> = if wanted.is_empty() {
        first
            .schema()
            .fields()
            .iter()
            .filter(|f| is_numeric(f.data_type()))
            .map(|f| f.name().clone())
            .collect()
    } else {
        wanted.to_vec()
    };
    if names.is_empty() {
        return Err(Error::invalid(
            "columns",
            "<none>",
            "the table has no numeric column",
        ));
    }
    names
        .into_iter()
        .map(|n| {
            let v = column_from_batches(batches, Some(&n))?;
            Ok((n, v))
        })
        .collect()
}

/// Column names whose 32/64-bit integer values are read as Unix seconds by
/// [`time_column`] (a date or timestamp column is recognised by its type).
pub const UNIX_SECONDS_NAMES: [&str; 3] = ["timestamp", "ts", "unix_time"];

/// A table's date/timestamp column as Unix seconds (UTC): see [`time_column`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeColumn {
    /// The column's name.
    pub name: String,
    /// One value per non-null row, in row order, floored to the second.
    pub seconds: Vec<i64>,
    /// Null rows (left out of `seconds`).
    pub nulls: usize,
}

/// (seconds per unit, units per second) of a column read as time.
fn time_scale(data_type: &DataType, name: &str) -> Option<(i64, i64)> {
    use arrow_schema::TimeUnit;
    match data_type {
        DataType::Date32 => Some((86_400, 1)),
        DataType::Date64 => Some((1, 1_000)),
        DataType::Timestamp(unit, _) => Some((
            1,
            match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            },
        )),
        DataType::Int32 | DataType::Int64
            if UNIX_SECONDS_NAMES
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n)) =>
        {
            Some((1, 1))
        }
        _ => None,
    }
}

/// Calls `f(row, value)` for every row of `col` when it is a `T` array.
fn each<T: arrow_array::ArrowPrimitiveType>(col: &dyn Array, f: &mut impl FnMut(usize, i64)) -> bool
where
    T::Native: Into<i64>,
{
    match col.as_primitive_opt::<T>() {
        Some(a) => {
            a.values()
                .iter()
                .enumerate()
                .for_each(|(j, x)| f(j, (*x).into()));
            true
        }
        None => false,
    }
}

/// The first date or timestamp column of `batches` (by its Arrow type:
/// `Date32`, `Date64`, `Timestamp` of any unit and zone; or a 32/64-bit
/// integer column named as in [`UNIX_SECONDS_NAMES`]), as Unix seconds;
/// `None` when the table has none.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Date32Array, Float64Array, RecordBatch};
/// let b = RecordBatch::try_from_iter([
///     ("r", Arc::new(Float64Array::from(vec![0.01, 0.02])) as _),
///     ("day", Arc::new(Date32Array::from(vec![Some(19_359), None])) as _),
/// ]).unwrap();
/// let t = tradewarden_core::io::time_column(&[b]).unwrap();
/// assert_eq!((t.name.as_str(), t.seconds, t.nulls), ("day", vec![1_672_617_600], 1));
/// ```
pub fn time_column(batches: &[RecordBatch]) -> Option<TimeColumn> {
    let schema = batches.first()?.schema();
    let (idx, name, (mul, div)) =
        schema.fields().iter().enumerate().find_map(|(i, f)| {
            time_scale(f.data_type(), f.name()).map(|s| (i, f.name().clone(), s))
        })?;
    let mut seconds = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    let mut nulls = 0usize;
    for b in batches {
        let col = b.column(idx);
        let mut push = |j: usize, raw: i64| {
            if col.is_null(j) {
                nulls += 1;
            } else {
                seconds.push(raw.saturating_mul(mul).div_euclid(div));
            }
        };
        use arrow_array::types::{
            Date32Type, Date64Type, TimestampMicrosecondType, TimestampMillisecondType,
            TimestampNanosecondType, TimestampSecondType,
        };
        let read = each::<Date32Type>(col, &mut push)
            || each::<Int32Type>(col, &mut push)
            || each::<Date64Type>(col, &mut push)
            || each::<Int64Type>(col, &mut push)
            || each::<TimestampSecondType>(col, &mut push)
            || each::<TimestampMillisecondType>(col, &mut push)
            || each::<TimestampMicrosecondType>(col, &mut push)
            || each::<TimestampNanosecondType>(col, &mut push);
        if !read {
            // Not reached: time_scale accepts only the types above.
            nulls += col.len();
        }
    }
    Some(TimeColumn {
        name,
        seconds,
        nulls,
    })
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
///
/// A corrupt or hostile file is a [`Error::Corrupt`] naming the file, never a
/// panic and never an unbounded loop: before the parquet crate decodes any
/// Thrift metadata, a Thrift guard (`thrift_guard`) walks the footer and every page header it
/// will read, with work bounded by their size (docs/reliability.md,
/// "Fuzzing").
pub fn read_parquet(path: impl AsRef<Path>) -> Result<Vec<RecordBatch>> {
    let path = path.as_ref();
    let file = open(path)?;
    // A dependency's panic, not ours: parquet 60.1 asserts on some corrupt
    // files instead of returning an error (a negative column-chunk offset:
    // "column start and length should not be negative"; a dictionary page of
    // 0 values: "attempt to divide by zero"; regression files in
    // tests/data/hostile_parquet). Such a panic means the *file* cannot be
    // trusted, so it is reported as `Corrupt`, naming the file. Nothing of
    // ours is left half-updated by an unwind here: the reader and its batches
    // are local and dropped. (The panic hook still prints the message.)
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_parquet_guarded(path, file)
    })) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<no message>".to_owned());
            Err(corrupt(
                path,
                format!("the parquet reader panicked: {message}"),
            ))
        }
    }
}

fn read_parquet_guarded(path: &Path, file: File) -> Result<Vec<RecordBatch>> {
    use parquet::arrow::arrow_reader::{
        ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };
    use parquet::file::metadata::PageIndexPolicy;
    let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    thrift_guard::check_footer(&file, file_len).map_err(|e| corrupt(path, e))?;
    // The page index is not read: pages are then found by walking their
    // headers from each column chunk's start, which is what the guard checks.
    let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Skip);
    let metadata = ArrowReaderMetadata::load(&file, options).map_err(|e| corrupt(path, e))?;
    thrift_guard::check_page_headers(&file, file_len, metadata.metadata())
        .map_err(|e| corrupt(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata)
        .build()
        .map_err(|e| corrupt(path, e))?;
    reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| corrupt(path, e))
}

/// Bounds the parquet crate's Thrift decoding on hostile files.
///
/// parquet 60.1 skips unknown Thrift fields with a loop that trusts the
/// element count on the wire: a list of booleans is skipped at 0 bytes per
/// element, and a value skipped past the end of a file is not an error when
/// page headers are read from a file. So a few bytes declaring a list of
/// 2^31 elements cost 2^31 iterations (each a read system call past the end
/// of the file), nested up to 64 deep: the fuzzer's "hang in thrift skip"
/// (tests/data/hostile_parquet/thrift-skip.parquet) ran for hours.
///
/// This walker reads the same bytes first, following the compact protocol
/// as written, and refuses what the parquet crate would mis-skip: every value
/// must lie inside its bounds (the footer, or the column chunk for a page
/// header), a collection may not declare more elements than bytes remain
/// (every element of a well-formed one takes at least a byte), a non-empty collection
/// of booleans is refused (none exists in the Parquet format's footer or page
/// headers, and the parquet crate would skip it wrongly), nesting stops at
/// 64. Its work is therefore linear in the bytes it reads. Page headers are
/// also checked against their schema (a known field with another wire type
/// would make the parquet crate decode the rest at another offset than the
/// walker). The footer is checked structurally only, without the (large)
/// `FileMetaData` schema: a footer whose known fields carry wrong wire types
/// could still desynchronise the parquet crate's view from the walker's —
/// the residual risk recorded in docs/reliability.md.
///
/// The cost is one extra read of the footer and one small buffered read per
/// page header, before decoding.
mod thrift_guard {
    use std::fs::File;
    use std::io::{BufReader, Read, Seek, SeekFrom};

    use parquet::file::metadata::ParquetMetaData;

    type Check<T> = std::result::Result<T, String>;

    /// The parquet crate's own skip depth.
    const MAX_DEPTH: u32 = 64;

    // Compact protocol type ids.
    const BOOL_TRUE: u8 = 1;
    const BOOL_FALSE: u8 = 2;
    const I32: u8 = 5;
    const I64: u8 = 6;
    const BINARY: u8 = 8;
    const STRUCT: u8 = 12;

    /// What a known field of a page-header struct must be on the wire.
    #[derive(Clone, Copy)]
    enum Kind {
        Bool,
        I32,
        /// `PageHeader.compressed_page_size`, kept for the walk.
        CompressedSize,
        I64,
        Binary,
        Struct(&'static [(i16, Kind)]),
    }

    const PAGE_STATISTICS: &[(i16, Kind)] = &[
        (1, Kind::Binary),
        (2, Kind::Binary),
        (3, Kind::I64),
        (4, Kind::I64),
        (5, Kind::Binary),
        (6, Kind::Binary),
        (7, Kind::Bool),
        (8, Kind::Bool),
        (9, Kind::I64),
    ];
    const DATA_PAGE_HEADER: &[(i16, Kind)] = &[
        (1, Kind::I32),
        (2, Kind::I32),
        (3, Kind::I32),
        (4, Kind::I32),
        (5, Kind::Struct(PAGE_STATISTICS)),
    ];
    const DICTIONARY_PAGE_HEADER: &[(i16, Kind)] =
        &[(1, Kind::I32), (2, Kind::I32), (3, Kind::Bool)];
    const DATA_PAGE_HEADER_V2: &[(i16, Kind)] = &[
        (1, Kind::I32),
        (2, Kind::I32),
        (3, Kind::I32),
        (4, Kind::I32),
        (5, Kind::I32),
        (6, Kind::I32),
        (7, Kind::Bool),
        (8, Kind::Struct(PAGE_STATISTICS)),
    ];
    /// `PageHeader` of parquet.thrift, as the parquet crate (60.1) reads it.
    const PAGE_HEADER: &[(i16, Kind)] = &[
        (1, Kind::I32),
        (2, Kind::I32),
        (3, Kind::CompressedSize),
        (4, Kind::I32),
        (5, Kind::Struct(DATA_PAGE_HEADER)),
        (6, Kind::Struct(&[])),
        (7, Kind::Struct(DICTIONARY_PAGE_HEADER)),
        (8, Kind::Struct(DATA_PAGE_HEADER_V2)),
    ];

    struct Walker<R> {
        input: R,
        /// Bytes left inside the bounds.
        left: u64,
        compressed_size: Option<i32>,
    }

    fn zigzag(v: u64) -> i64 {
        (v >> 1) as i64 ^ -((v & 1) as i64)
    }

    impl<R: Read> Walker<R> {
        fn new(input: R, left: u64) -> Self {
            Walker {
                input,
                left,
                compressed_size: None,
            }
        }

        fn byte(&mut self) -> Check<u8> {
            if self.left == 0 {
                return Err("thrift metadata runs past its bounds".to_owned());
            }
            let mut b = [0u8; 1];
            self.input
                .read_exact(&mut b)
                .map_err(|e| format!("reading thrift metadata: {e}"))?;
            self.left -= 1;
            Ok(b[0])
        }

        fn skip(&mut self, n: u64) -> Check<()> {
            if n > self.left {
                return Err(format!(
                    "a thrift value of {n} bytes runs past its bounds ({} bytes left)",
                    self.left
                ));
            }
            let copied = std::io::copy(&mut (&mut self.input).take(n), &mut std::io::sink())
                .map_err(|e| format!("reading thrift metadata: {e}"))?;
            if copied != n {
                return Err("the file ends inside thrift metadata".to_owned());
            }
            self.left -= n;
            Ok(())
        }

        fn varint(&mut self) -> Check<u64> {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = self.byte()?;
                v |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    return Ok(v);
                }
            }
            Err("a thrift varint longer than 10 bytes".to_owned())
        }

        /// A collection's element count: at most `i32::MAX` (as the parquet
        /// crate reads it) and at most one element per byte left.
        fn count(&mut self, n: u64, what: &str) -> Check<u64> {
            if n > i32::MAX as u64 || n > self.left {
                return Err(format!(
                    "a thrift {what} of {n} elements in {} bytes",
                    self.left
                ));
            }
            Ok(n)
        }

        fn element_type(ty: u8, what: &str) -> Check<u8> {
            match ty {
                BOOL_TRUE | BOOL_FALSE => Err(format!(
                    "a thrift {what} of booleans (not in the Parquet format; the parquet \
                     reader would skip it wrongly)"
                )),
                3..=13 => Ok(ty),
                _ => Err(format!("a thrift {what} of unknown element type {ty}")),
            }
        }

        /// One value of wire type `ty` (a struct field's boolean lives in
        /// the field header: nothing to read).
        fn value(&mut self, ty: u8, depth: u32) -> Check<()> {
            if depth > MAX_DEPTH {
                return Err(format!("thrift metadata nested deeper than {MAX_DEPTH}"));
            }
            match ty {
                BOOL_TRUE | BOOL_FALSE => Ok(()),
                3 => self.byte().map(drop),
                4 | I32 | I64 => self.varint().map(drop),
                7 => self.skip(8),
                BINARY => {
                    let n = self.varint()?;
                    self.skip(n)
                }
                9 | 10 => {
                    let header = self.byte()?;
                    if header == 0 {
                        // An empty list some writers emit; parquet accepts it.
                        return Ok(());
                    }
                    let n = match header >> 4 {
                        15 => self.varint()?,
                        short => u64::from(short),
                    };
                    if n == 0 {
                        return Ok(());
                    }
                    let elem = Self::element_type(header & 0x0f, "list")?;
                    for _ in 0..self.count(n, "list")? {
                        self.value(elem, depth + 1)?;
                    }
                    Ok(())
                }
                11 => {
                    let n = self.varint()?;
                    if n == 0 {
                        return Ok(());
                    }
                    let kv = self.byte()?;
                    let key = Self::element_type(kv >> 4, "map")?;
                    let val = Self::element_type(kv & 0x0f, "map")?;
                    for _ in 0..self.count(n.saturating_mul(2), "map")? / 2 {
                        self.value(key, depth + 1)?;
                        self.value(val, depth + 1)?;
                    }
                    Ok(())
                }
                STRUCT => self.structure(&[], depth + 1),
                13 => self.skip(16),
                other => Err(format!("unknown thrift type {other}")),
            }
        }

        /// A struct whose known fields are `schema` (empty: none known).
        fn structure(&mut self, schema: &'static [(i16, Kind)], depth: u32) -> Check<()> {
            if depth > MAX_DEPTH {
                return Err(format!("thrift metadata nested deeper than {MAX_DEPTH}"));
            }
            let mut last: i16 = 0;
            loop {
                let header = self.byte()?;
                let ty = header & 0x0f;
                if ty == 0 {
                    return Ok(());
                }
                let delta = header >> 4;
                let id = if delta == 0 {
                    zigzag(self.varint()?) as i16
                } else {
                    last.checked_add(i16::from(delta))
                        .ok_or_else(|| format!("thrift field id overflows after {last}"))?
                };
                last = id;
                let Some(&(_, kind)) = schema.iter().find(|(known, _)| *known == id) else {
                    self.value(ty, depth)?;
                    continue;
                };
                let expected = match kind {
                    Kind::Bool => matches!(ty, BOOL_TRUE | BOOL_FALSE),
                    Kind::I32 | Kind::CompressedSize => ty == I32,
                    Kind::I64 => ty == I64,
                    Kind::Binary => ty == BINARY,
                    Kind::Struct(_) => ty == STRUCT,
                };
                if !expected {
                    return Err(format!("page header field {id} has thrift type {ty}"));
                }
                match kind {
                    Kind::Struct(fields) => self.structure(fields, depth + 1)?,
                    Kind::CompressedSize => {
                        self.compressed_size = Some(zigzag(self.varint()?) as i32);
                    }
                    _ => self.value(ty, depth)?,
                }
            }
        }
    }

    /// Walks the footer (`FileMetaData`) structurally. A file too short,
    /// without the plain `PAR1` tail or with a footer length past its start
    /// is left to the parquet crate, which refuses it.
    pub(super) fn check_footer(file: &File, file_len: u64) -> Check<()> {
        let mut f = file;
        if file_len < 12 {
            return Ok(());
        }
        let mut tail = [0u8; 8];
        f.seek(SeekFrom::Start(file_len - 8))
            .and_then(|_| f.read_exact(&mut tail))
            .map_err(|e| format!("reading the footer: {e}"))?;
        let [a, b, c, d, m0, m1, m2, m3] = tail;
        let len = u64::from(u32::from_le_bytes([a, b, c, d]));
        if [m0, m1, m2, m3] != *b"PAR1" || len + 8 > file_len {
            return Ok(());
        }
        f.seek(SeekFrom::Start(file_len - 8 - len))
            .map_err(|e| format!("reading the footer: {e}"))?;
        let mut w = Walker::new(BufReader::new(f.take(len)), len);
        w.structure(&[], 1).map_err(|e| format!("footer: {e}"))
    }

    /// Walks every page header of every column chunk from the chunk's start,
    /// as the parquet crate finds them without a page index.
    pub(super) fn check_page_headers(
        file: &File,
        file_len: u64,
        metadata: &ParquetMetaData,
    ) -> Check<()> {
        let mut f = file;
        for (g, group) in metadata.row_groups().iter().enumerate() {
            for (c, chunk) in group.columns().iter().enumerate() {
                let at = format!("row group {g}, column {c}");
                let start = chunk
                    .dictionary_page_offset()
                    .unwrap_or_else(|| chunk.data_page_offset());
                let len = chunk.compressed_size();
                let (Ok(mut offset), Ok(mut remaining)) =
                    (u64::try_from(start), u64::try_from(len))
                else {
                    return Err(format!("{at}: negative start {start} or length {len}"));
                };
                if offset
                    .checked_add(remaining)
                    .is_none_or(|end| end > file_len)
                {
                    return Err(format!(
                        "{at}: bytes {start}..+{len} run past the end of the file ({file_len} bytes)"
                    ));
                }
                while remaining > 0 {
                    f.seek(SeekFrom::Start(offset))
                        .map_err(|e| format!("{at}: {e}"))?;
                    let mut w =
                        Walker::new(BufReader::with_capacity(256, f.take(remaining)), remaining);
                    w.structure(PAGE_HEADER, 1)
                        .map_err(|e| format!("{at}: page header at byte {offset}: {e}"))?;
                    let header_len = remaining - w.left;
                    let size = w.compressed_size.ok_or_else(|| {
                        format!("{at}: page header at byte {offset} has no compressed_page_size")
                    })?;
                    let size = u64::try_from(size)
                        .ok()
                        .filter(|&s| s <= w.left)
                        .ok_or_else(|| {
                            format!(
                                "{at}: page at byte {offset} claims {size} bytes, {} left in the chunk",
                                w.left
                            )
                        })?;
                    offset += header_len + size;
                    remaining = w.left - size;
                }
            }
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A page header: type 0 (data page), sizes 4/4, then `extra`
        /// (fields after id 3), then a stop byte.
        fn header(extra: &[u8]) -> Vec<u8> {
            let mut h = vec![0x15, 0x00, 0x15, 0x08, 0x15, 0x08];
            h.extend_from_slice(extra);
            h.push(0x00);
            h
        }

        fn walk(bytes: &[u8]) -> Check<Option<i32>> {
            let mut w = Walker::new(bytes, bytes.len() as u64);
            w.structure(PAGE_HEADER, 1)?;
            Ok(w.compressed_size)
        }

        #[test]
        fn a_well_formed_header_gives_its_compressed_size() {
            assert_eq!(walk(&header(&[])), Ok(Some(4)));
            // Unknown field 9 (delta 6): a list of three i32.
            assert_eq!(walk(&header(&[0x69, 0x35, 0x02, 0x04, 0x06])), Ok(Some(4)));
            // ... an empty list of booleans (nothing to skip).
            assert_eq!(walk(&header(&[0x69, 0x01])), Ok(Some(4)));
        }

        #[test]
        fn hostile_headers_are_refused() {
            let cases: [(&[u8], &str); 6] = [
                // Unknown field 9: list of 2^31 - 1 booleans.
                (&[0x69, 0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07], "booleans"),
                // ... of 2^31 - 1 doubles (past the end of the header).
                (&[0x69, 0xF7, 0xFF, 0xFF, 0xFF, 0xFF, 0x07], "elements"),
                // A map of 2^31 - 1 i32 -> i32.
                (&[0x6B, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x55], "elements"),
                // A binary longer than what is left.
                (&[0x68, 0x80, 0x01], "runs past"),
                // Field 4 (crc, i32) sent as a binary.
                (&[0x18, 0x00], "field 4 has thrift type 8"),
                // Field 5 (data page header) sent as a list.
                (&[0x29, 0x00], "field 5 has thrift type 9"),
            ];
            for (extra, expect) in cases {
                let err = walk(&header(extra)).expect_err("refused");
                assert!(err.contains(expect), "{extra:02x?}: {err}");
            }
            // A truncated header.
            assert!(walk(&[0x15, 0x00, 0x15]).is_err());
        }
    }
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

    /// One numeric ingestion for every door: each float and integer width
    /// (nulls as NaN), strings of every layout, raw time values; other types
    /// are typed errors naming the parameter.
    #[test]
    fn every_numeric_width_and_string_layout_is_read() {
        use arrow_array::{
            BooleanArray, Date64Array, Float16Array, Float32Array, Int8Array, Int16Array,
            Int32Array, LargeStringArray, StringViewArray, TimestampMillisecondArray, UInt8Array,
            UInt16Array, UInt32Array, UInt64Array,
        };
        let want = [1.0, f64::NAN, 3.0];
        let arrays: Vec<Arc<dyn Array>> = vec![
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)])),
            Arc::new(Float32Array::from(vec![Some(1.0), None, Some(3.0)])),
            Arc::new(Float16Array::from(vec![
                Some(half_one()),
                None,
                Some(half_one() + half_one() + half_one()),
            ])),
            Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(Int32Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(Int16Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(Int8Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(UInt64Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(UInt32Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(UInt16Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(UInt8Array::from(vec![Some(1), None, Some(3)])),
        ];
        for a in &arrays {
            let v = as_f64(a.as_ref(), "x").unwrap();
            assert_eq!(v.len(), 3, "{}", a.data_type());
            assert!(
                v.iter()
                    .zip(want)
                    .all(|(x, w)| x == &w || (x.is_nan() && w.is_nan())),
                "{}: {v:?}",
                a.data_type()
            );
            assert!(is_numeric(a.data_type()));
        }
        let e = as_f64(&BooleanArray::from(vec![true]), "flag").unwrap_err();
        assert!(e.to_string().contains("flag"), "{e}");
        let e = as_f64(&StringArray::from(vec!["1"]), "x").unwrap_err();
        assert!(e.to_string().contains("numeric"), "{e}");
        // strings: every layout, nulls as None
        let utf8 = StringArray::from(vec![Some("a"), None]);
        let large = LargeStringArray::from(vec![Some("a"), None]);
        let view = StringViewArray::from(vec![Some("a"), None]);
        for a in [&utf8 as &dyn Array, &large, &view] {
            assert_eq!(str_values(a, "side").unwrap(), [Some("a"), None]);
        }
        assert!(str_values(&Int8Array::from(vec![1]), "side").is_err());
        // raw time values in the column's unit; nulls refused
        assert_eq!(
            time_values(&TimestampMillisecondArray::from(vec![5, 7]), "t").unwrap(),
            [5, 7]
        );
        assert_eq!(
            time_values(&Date64Array::from(vec![86_400_000]), "t").unwrap(),
            [86_400_000]
        );
        assert_eq!(time_values(&UInt16Array::from(vec![9]), "t").unwrap(), [9]);
        assert!(time_values(&Float64Array::from(vec![1.0]), "t").is_err());
        assert!(time_values(&UInt64Array::from(vec![1]), "t").is_err()); // may not fit in i64
    }

    fn half_one() -> <arrow_array::types::Float16Type as arrow_array::ArrowPrimitiveType>::Native {
        <arrow_array::types::Float16Type as arrow_array::ArrowPrimitiveType>::Native::from_f32(1.0)
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

    #[test]
    fn time_column_by_type_and_by_name() {
        use arrow_array::{
            Date64Array, Int32Array, TimestampMillisecondArray, TimestampNanosecondArray,
        };
        let r = || Arc::new(Float64Array::from(vec![0.1, 0.2])) as Arc<dyn Array>;
        let one = |name: &str, col: Arc<dyn Array>| {
            let b = RecordBatch::try_from_iter([("r", r()), (name, col)]).unwrap();
            time_column(&[b])
        };
        // 2023-01-02T00:00:01.5Z and one second before the epoch (floored).
        let ms = TimestampMillisecondArray::from(vec![1_672_617_601_500, -1]).with_timezone("UTC");
        let t = one("when", Arc::new(ms)).unwrap();
        assert_eq!(
            (t.name.as_str(), t.seconds, t.nulls),
            ("when", vec![1_672_617_601, -1], 0)
        );
        let ns = TimestampNanosecondArray::from(vec![2_000_000_000, 3_999_999_999]);
        assert_eq!(one("t", Arc::new(ns)).unwrap().seconds, [2, 3]);
        let d64 = Date64Array::from(vec![86_400_000, 0]);
        assert_eq!(one("d", Arc::new(d64)).unwrap().seconds, [86_400, 0]);
        // Integers only by name (any case), both widths.
        let ints = || Arc::new(Int64Array::from(vec![5, 6])) as Arc<dyn Array>;
        assert_eq!(one("TS", ints()).unwrap().seconds, [5, 6]);
        assert!(one("count", ints()).is_none());
        let i32s = Arc::new(Int32Array::from(vec![Some(7), None]));
        let t = one("unix_time", i32s).unwrap();
        assert_eq!((t.seconds, t.nulls), (vec![7], 1));
        // Across batches, in order; none without a time column.
        let b = |x: i64| {
            RecordBatch::try_from_iter([("timestamp", Arc::new(Int64Array::from(vec![x])) as _)])
                .unwrap()
        };
        assert_eq!(time_column(&[b(1), b(2)]).unwrap().seconds, [1, 2]);
        assert!(time_column(&[RecordBatch::try_from_iter([("r", r())]).unwrap()]).is_none());
        assert!(time_column(&[]).is_none());
    }
}
