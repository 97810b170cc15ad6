//! Not fuzzed: the check of `tradewarden_fuzz::let_dependency_panics_unwind`
//! under libFuzzer-sys's own panic hook, exactly as `io_ingest` installs it
//! (`init:`, after libFuzzer-sys's hook). `scripts/fuzz --check-hook` runs
//! this binary on one-byte inputs and checks how the process ends:
//!
//! - `c`: a panic inside arrow-array (a listed dependency), under
//!   `catch_unwind`: it unwinds to the catch, the input passes (exit 0);
//! - `o`: a panic in our code (this file: not a listed location), under
//!   `catch_unwind`: the hook aborts before unwinding (a crash);
//! - `u`: a panic inside arrow-array that nothing of ours catches: it
//!   unwinds to libFuzzer-sys's `catch_unwind` around the target, which
//!   aborts (a crash);
//! - anything else: nothing happens (exit 0).
//!
//! Not in `scripts/fuzz --list`: fuzzing it would find the `o` and `u`
//! crashes at once.
#![no_main]

use arrow_array::Float64Array;
use libfuzzer_sys::fuzz_target;

/// Index 5 of a one-element array: arrow-array's own bounds assertion
/// (`PrimitiveArray::value`, not `#[track_caller]`: the panic's location is
/// arrow-array's source file in the cargo registry).
fn arrow_panic() -> f64 {
    let a = Float64Array::from(vec![1.0]);
    let i = std::hint::black_box(5);
    eprintln!("array of length {}, reading index {i}", a.len());
    a.value(i)
}

fuzz_target!(init: {
    tradewarden_fuzz::let_dependency_panics_unwind(&["/parquet-", "/arrow-"]);
}, |data: &[u8]| {
    match data.first() {
        Some(b'c') => {
            let r = std::panic::catch_unwind(arrow_panic);
            assert!(r.is_err(), "arrow-array did not panic");
            eprintln!("panic_hook: the arrow-array panic unwound to catch_unwind");
        }
        Some(b'o') => {
            let r = std::panic::catch_unwind(|| {
                if std::hint::black_box(true) {
                    panic!("panic_hook: a panic in our own code");
                }
            });
            eprintln!("panic_hook: our panic unwound ({r:?}): the hook let it through");
        }
        Some(b'u') => {
            let _ = std::hint::black_box(arrow_panic());
            eprintln!("panic_hook: arrow-array did not panic");
        }
        _ => {}
    }
});
