//! Bytes → a `.csv` or `.parquet` file → the `tradewarden_core::io` readers
//! (`read_table`, `read_csv`, `read_parquet`, `read_returns`,
//! `column_from_batches`, `ReturnsMatrix::from_batches`) → the returns
//! summary over what was read. Nothing may panic: a malformed file is a
//! typed error. (The core has no Arrow IPC reader; IPC is read only by the
//! Python binding through pyarrow.)
//!
//! Byte 0: bit 0 picks the extension (0 = csv, 1 = parquet), bit 1 also
//! tries the other reader on the same bytes; the rest is the file.
//!
//! The parquet crate's (60.1) panics and its hang on corrupt files (findings
//! 4a–4c in docs/reliability.md, "Fuzzing") are handled in `read_parquet`
//! itself (a Thrift guard before decoding, a panic caught as `Corrupt`).
//! A panic inside parquet/arrow that `read_parquet` catches is a handled
//! input (finding 5: the harness lets it unwind to that `catch_unwind`);
//! any other panic, or one that escapes, is a finding. The minimised inputs are seeds
//! (`fuzz/corpus/io_ingest/regression-*`) and regression tests
//! (crates/core/tests/hostile_parquet.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradewarden_core::io::{self, ReturnsMatrix};
use tradewarden_core::returns::{Summary, SummaryOptions};
use tradewarden_core::{NanPolicy, ReturnsOptions};

fn summarise(values: &[f64]) {
    let opts = SummaryOptions {
        returns: ReturnsOptions {
            nan_policy: NanPolicy::Skip,
            ..Default::default()
        },
        ..Default::default()
    };
    let _ = Summary::compute(values, None, &opts);
    let _ = Summary::compute(values, Some(values), &opts);
}

fuzz_target!(init: {
    // read_parquet catches the parquet crate's panics (Corrupt naming the
    // file, tested in crates/core/tests/hostile_parquet.rs): those inputs are
    // handled, not crashes. Anything else that panics still aborts.
    tradewarden_fuzz::let_dependency_panics_unwind(&["/parquet-", "/arrow-"]);
}, |data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    // One scratch directory per process (tmpfs when there is one). The
    // input's file is rewritten (truncated) for every input and only that
    // path is read, so the directory is not emptied: a `r.csv` left by an
    // earlier input is never read by one that writes `r.parquet`.
    let dir = tradewarden_fuzz::scratch();
    let ext = if flags & 1 == 0 { "csv" } else { "parquet" };
    let path = dir.join(format!("r.{ext}"));
    std::fs::write(&path, rest).expect("write input");
    run(&path, ext, flags);
});

fn run(path: &std::path::Path, ext: &str, flags: u8) {
    if let Ok(batches) = io::read_table(path) {
        for col in [None, Some("ret"), Some("a")] {
            if let Ok(v) = io::column_from_batches(&batches, col) {
                summarise(&v);
            }
        }
        if let Ok(m) = ReturnsMatrix::from_batches(&batches) {
            assert_eq!(m.values.len(), m.n_rows * m.n_cols());
            for j in 0..m.n_cols() {
                let c = m.column(j).expect("column in range");
                assert_eq!(c.len(), m.n_rows);
            }
            if let Some(c) = m.column(0) {
                summarise(c);
            }
        }
    }
    let _ = io::read_returns(path, None);
    if flags & 2 != 0 {
        if ext == "csv" {
            let _ = io::read_parquet(path);
        } else {
            let _ = io::read_csv(path);
        }
    }
}
