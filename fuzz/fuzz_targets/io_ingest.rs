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
//! Known issue (docs/reliability.md, "Fuzzing"; regression seeds
//! `fuzz/corpus/io_ingest/regression-parquet-*`): the parquet crate (60.1)
//! panics on some corrupt files (a negative column-chunk offset: "column
//! start and length should not be negative"; a dictionary page of 0 values:
//! "attempt to divide by zero"), and `read_parquet` lets the panic through.
//! Unless the environment sets `FUZZ_STRICT=1`, a panic *located in the
//! parquet crate* unwinds to a `catch_unwind` here (what `read_parquet`
//! should do) instead of aborting; every other panic still aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradewarden_core::io::{self, ReturnsMatrix};
use tradewarden_core::returns::{Summary, SummaryOptions};
use tradewarden_core::{NanPolicy, ReturnsOptions};

/// A scratch directory on tmpfs when there is one (fsync costs nothing there).
fn scratch() -> std::io::Result<tempfile::TempDir> {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
}

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

fn strict() -> bool {
    static STRICT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("FUZZ_STRICT").is_some_and(|v| v == "1"))
}

/// Lets a panic located in the parquet crate unwind (not strict); any
/// other panic goes to libfuzzer's hook, which aborts.
fn parquet_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parquet = info
                .location()
                .is_some_and(|l| l.file().contains("/parquet-"));
            if !(in_parquet && !strict()) {
                prev(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(dir) = scratch() else { return };
    let ext = if flags & 1 == 0 { "csv" } else { "parquet" };
    let path = dir.path().join(format!("r.{ext}"));
    std::fs::write(&path, rest).expect("write input");
    parquet_panics_unwind();
    // Only a parquet-located panic gets here as an Err (see the hook).
    let _ = std::panic::catch_unwind(|| run(&path, ext, flags));
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
