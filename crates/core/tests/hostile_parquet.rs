//! Corrupt and hostile Parquet files through `core::io` (issue #20;
//! docs/reliability.md, "Fuzzing"). The first three are the `io_ingest` fuzz
//! target's findings against parquet 60.1 (two panics, one hang of hours in
//! its Thrift skip); the others are made here from a valid file. Every
//! reader must answer each with a typed `Corrupt` error naming the file, and
//! valid files of every page layout must still read back equal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use tradewarden_core::Error;
use tradewarden_core::io;

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hostile_parquet")
        .join(name)
}

/// Every door answers `Corrupt` naming the file; returns the reason.
fn assert_corrupt(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut reasons = Vec::new();
    for result in [
        io::read_parquet(path).map(|_| ()),
        io::read_table(path).map(|_| ()),
        io::read_returns(path, None).map(|_| ()),
    ] {
        match result {
            Err(Error::Corrupt { what, reason }) => {
                assert!(what.contains(name), "{what} does not name {name}");
                reasons.push(reason);
            }
            other => panic!("{name}: expected Corrupt, got {other:?}"),
        }
    }
    reasons.swap_remove(0)
}

/// Fuzz finding: "column start and length should not be negative" (a panic
/// in parquet's `byte_range`).
#[test]
fn negative_column_chunk_offset_is_corrupt() {
    let reason = assert_corrupt(&seed("negative-offset.parquet"));
    assert!(reason.contains("negative start -2"), "{reason}");
}

/// Fuzz finding: "attempt to divide by zero" — a boolean wire type where
/// the dictionary page header's `num_values` (i32) belongs made parquet read
/// 0 values.
#[test]
fn mistyped_dictionary_page_header_is_corrupt() {
    let reason = assert_corrupt(&seed("dict-divide-by-zero.parquet"));
    assert!(reason.contains("page header"), "{reason}");
}

/// Fuzz finding: parquet's Thrift skip of a mutated page header ran for
/// hours (2^31-element lists skipped one read call at a time past the end of
/// the file).
#[test]
fn thrift_skip_hang_seed_is_corrupt() {
    let reason = assert_corrupt(&seed("thrift-skip.parquet"));
    assert!(reason.contains("page header"), "{reason}");
}

fn batch(rows: usize) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("ret", DataType::Float64, true),
        Field::new("n", DataType::Int64, false),
        Field::new("tag", DataType::Utf8, false),
    ]));
    let ret: Float64Array = (0..rows)
        .map(|i| (i % 7 != 3).then(|| (i as f64 * 0.37).sin() * 0.01))
        .collect();
    let n = Int64Array::from_iter_values((0..rows).map(|i| i as i64 * 3 - 7));
    let tag = StringArray::from_iter_values((0..rows).map(|i| format!("t{}", i % 5)));
    RecordBatch::try_new(schema, vec![Arc::new(ret), Arc::new(n), Arc::new(tag)])
        .expect("valid batch")
}

fn write(path: &Path, batch: &RecordBatch, props: WriterProperties) {
    let file = std::fs::File::create(path).expect("create");
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
    w.write(batch).expect("write");
    w.close().expect("close");
}

/// The guard accepts every layout the writer makes: v1 and v2 data pages,
/// dictionary pages, page statistics, several pages and row groups, each
/// codec; what is read back equals what was written.
#[test]
fn valid_files_of_every_layout_read_back_equal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = batch(5_000);
    for (i, version) in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0]
        .into_iter()
        .enumerate()
    {
        for (j, codec) in [
            Compression::UNCOMPRESSED,
            Compression::SNAPPY,
            Compression::ZSTD(ZstdLevel::default()),
        ]
        .into_iter()
        .enumerate()
        {
            for (k, stats) in [EnabledStatistics::Page, EnabledStatistics::None]
                .into_iter()
                .enumerate()
            {
                let props = WriterProperties::builder()
                    .set_writer_version(version)
                    .set_compression(codec)
                    .set_statistics_enabled(stats)
                    .set_data_page_row_count_limit(300)
                    .set_write_batch_size(100)
                    .set_max_row_group_row_count(Some(1_700))
                    .build();
                let path = dir.path().join(format!("v{i}-c{j}-s{k}.parquet"));
                write(&path, &b, props);
                let back = io::read_parquet(&path).expect("valid file reads");
                assert!(back.len() >= 3, "{} batches", back.len());
                let back = arrow_select_concat(&back);
                assert_eq!(back.num_rows(), b.num_rows());
                for c in 0..b.num_columns() {
                    assert_eq!(
                        back.column(c).to_data(),
                        b.column(c).to_data(),
                        "column {c}"
                    );
                }
            }
        }
    }
}

/// Concatenates batches column by column through `core::io`'s own column
/// reader for the numeric ones, and by value for the strings.
fn arrow_select_concat(batches: &[RecordBatch]) -> RecordBatch {
    let ret = io::column_from_batches(batches, Some("ret")).expect("ret");
    let n = io::column_from_batches(batches, Some("n")).expect("n");
    let mut tags = Vec::new();
    for b in batches {
        let t = b
            .column(2)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("utf8");
        tags.extend((0..t.len()).map(|i| t.value(i).to_owned()));
    }
    let ret: Float64Array = ret
        .into_iter()
        .map(|v| (!v.is_nan()).then_some(v))
        .collect();
    let n = Int64Array::from_iter_values(n.into_iter().map(|v| v as i64));
    RecordBatch::try_new(
        batches[0].schema(),
        vec![
            Arc::new(ret),
            Arc::new(n),
            Arc::new(StringArray::from_iter_values(tags)),
        ],
    )
    .expect("same schema")
}

/// A valid one-column file, its bytes, and the footer's start and length.
fn small_file() -> (Vec<u8>, usize, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new("tag", DataType::Utf8, false)]));
    let tags = StringArray::from_iter_values(["d1", "d2", "d3", "d1"]);
    let b = RecordBatch::try_new(schema, vec![Arc::new(tags)]).expect("batch");
    write(&path, &b, WriterProperties::builder().build());
    let bytes = std::fs::read(&path).expect("read back");
    let n = bytes.len();
    let len = u32::from_le_bytes(bytes[n - 8..n - 4].try_into().expect("4 bytes")) as usize;
    (bytes, n - 8 - len, len)
}

/// Inserts `field` (a Thrift field of `FileMetaData`) just before the
/// footer's closing stop byte and fixes the footer length.
fn with_footer_field(field: &[u8], name: &str, dir: &Path) -> PathBuf {
    let (bytes, start, len) = small_file();
    let end = start + len;
    assert_eq!(bytes[end - 1], 0, "FileMetaData ends with a stop byte");
    let mut out = bytes[..end - 1].to_vec();
    out.extend_from_slice(field);
    out.push(0);
    out.extend_from_slice(&((len + field.len()) as u32).to_le_bytes());
    out.extend_from_slice(b"PAR1");
    let path = dir.join(name);
    std::fs::write(&path, out).expect("write");
    path
}

/// Field id 0 with a full (zig-zag) id: `0x0t 0x00`, then the value.
fn unknown_field(ty: u8, value: &[u8]) -> Vec<u8> {
    let mut f = vec![ty, 0x00];
    f.extend_from_slice(value);
    f
}

/// An unknown footer field holding a list of 2^31 − 1 booleans: parquet
/// skips it at 0 bytes per element (2^31 loop turns for 7 bytes; a footer of
/// such fields runs for minutes). Refused before decoding.
#[test]
fn footer_list_of_booleans_is_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    // List header 0xF1: long-form count, element type boolean; then the count.
    let field = unknown_field(0x09, &[0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]);
    let fields: Vec<u8> = field
        .iter()
        .copied()
        .cycle()
        .take(field.len() * 50)
        .collect();
    let path = with_footer_field(&fields, "bools.parquet", dir.path());
    let reason = assert_corrupt(&path);
    assert!(reason.contains("booleans"), "{reason}");
    // The same footer without the fields reads: the guard, not the
    // surgery, refuses it.
    let ok = with_footer_field(&[], "plain.parquet", dir.path());
    assert_eq!(io::read_parquet(&ok).expect("plain footer").len(), 1);
}

/// Unknown footer fields declaring more elements than bytes remain, a map of
/// 2^31 entries, and nesting past 64 levels: all refused.
#[test]
fn footer_collections_larger_than_their_bytes_are_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "doubles.parquet",
            unknown_field(0x09, &[0xF7, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]),
            "elements",
        ),
        (
            "map.parquet",
            unknown_field(0x0B, &[0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x55]),
            "elements",
        ),
        (
            "deep.parquet",
            {
                // 70 nested single-element lists of lists.
                let mut v = unknown_field(0x09, &[]);
                v.extend(std::iter::repeat_n(0x19, 70));
                v.push(0x00);
                v
            },
            "deeper",
        ),
    ];
    for (name, field, expect) in cases {
        let path = with_footer_field(&field, name, dir.path());
        let reason = assert_corrupt(&path);
        assert!(reason.contains(expect), "{name}: {reason}");
    }
}

/// A dictionary page header of 0 values, well typed: the guard lets it
/// through and parquet 60.1 panics on it ("attempt to divide by zero") — the
/// panic is caught and reported as `Corrupt` naming the file.
#[test]
fn a_panic_inside_parquet_is_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut bytes, _, _) = small_file();
    // The first page is the dictionary page: PageHeader field 7 (0x4C: delta
    // 4, struct) holds DictionaryPageHeader, whose field 1 (0x15: i32) is
    // num_values = 3 (zig-zag 0x06).
    let at = bytes
        .windows(3)
        .position(|w| w == [0x4C, 0x15, 0x06])
        .expect("dictionary page header");
    bytes[at + 2] = 0x00;
    let path = dir.path().join("dict-zero.parquet");
    std::fs::write(&path, bytes).expect("write");
    let reason = assert_corrupt(&path);
    assert!(reason.contains("panicked"), "{reason}");
}

/// Fuzz finding 5 (`io_ingest`, 2026-12-07, after 3.1 M executions): a file
/// whose definition levels claim more bits than their buffer holds passes
/// the guard, and parquet 60.1 panics in arrow-buffer ("offset + len out of
/// bounds", `BitChunks::new`) while decoding them — caught and reported as
/// `Corrupt` naming the file, by every reader.
#[test]
fn definition_levels_past_their_buffer_are_corrupt() {
    let reason = assert_corrupt(&seed("def-levels-out-of-bounds.parquet"));
    assert!(reason.contains("panicked"), "{reason}");
}
