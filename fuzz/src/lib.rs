//! Helpers shared by the fuzz targets and the seed generator: the binary
//! header the drift decoders check (so a target can reach a payload decoder
//! without the fuzzer forging a checksum), hex, and the splitting of one
//! input into documents.
#![deny(missing_docs)]

/// FNV-1a 64, the checksum of tradewarden's binary forms (`TWDP` profiles,
/// `TWSS` score states).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `payload` behind a valid version-1 header: `magic`, version (u32 LE),
/// payload length (u64 LE), FNV-1a of the payload (u64 LE).
pub fn wrap(magic: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 24);
    out.extend_from_slice(magic);
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The line separating the documents of one input.
pub const SEP: &[u8] = b"=====\n";

/// Index of the first occurrence of `sep` (non-empty) in `b`: a byte scan
/// for its first byte, the whole separator compared only there. (A
/// `windows(..).position(|w| w == sep)` search calls `memcmp` at every
/// offset; under ASan each call goes through the sanitizer's interceptor and
/// libFuzzer's comparison hook — 3–4 % of a harness's time for a few kB.)
pub fn find(b: &[u8], sep: &[u8]) -> Option<usize> {
    let (&first, _) = sep.split_first()?;
    let mut from = 0;
    while let Some(k) = b.get(from..)?.iter().position(|&c| c == first) {
        let at = from + k;
        if b[at..].starts_with(sep) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Splits `b` at [`SEP`] into at most `max` parts (the last one keeps any
/// further separators).
pub fn parts(mut b: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while out.len() + 1 < max {
        match find(b, SEP) {
            Some(i) => {
                out.push(&b[..i]);
                b = &b[i + SEP.len()..];
            }
            None => break,
        }
    }
    out.push(b);
    out
}

/// A fresh temporary directory on tmpfs (`/dev/shm`) when there is one
/// (fsync costs nothing there), else in the system's temporary directory.
pub fn scratch_dir() -> std::io::Result<tempfile::TempDir> {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
}

/// Empties `dir` (every file and directory under it removed), keeping the
/// directory itself: a harness that writes files reuses one scratch
/// directory per process (from [`scratch_dir`]) and starts every input from
/// an empty one, without creating and removing a directory per input.
pub fn empty_dir(dir: &std::path::Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// The process's scratch directory (created on first use by
/// [`scratch_dir`], removed when the process exits normally), as it is.
pub fn scratch() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| scratch_dir().expect("a scratch directory"))
        .path()
}

/// [`scratch`] emptied by [`empty_dir`]: what an input finds there is what
/// it wrote itself.
pub fn fresh_scratch() -> &'static std::path::Path {
    let d = scratch();
    empty_dir(d).expect("empty the scratch directory");
    d
}

/// Lets a panic raised inside one of the named dependency crates unwind
/// (silently) instead of aborting, for the harnesses whose library code
/// catches such panics on purpose: `core::io::read_parquet` runs the parquet
/// crate inside `catch_unwind` and reports its panics as `Corrupt` naming the
/// file (docs/reliability.md, finding 5). libFuzzer-sys's own hook aborts on
/// every panic before unwinding, which would make each such *handled* input a
/// crash. Every other panic still goes to that hook (abort: a finding), and a
/// dependency panic that nothing of ours catches still unwinds to
/// libFuzzer-sys's `catch_unwind` around the target, which aborts: a finding
/// too. `crates` are crates.io package-name prefixes matched against the
/// panic's source path (`/parquet-`, `/arrow-`). Call it from the target's
/// `init:` (after libFuzzer-sys installed its hook).
pub fn let_dependency_panics_unwind(crates: &'static [&'static str]) {
    let abort_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let inside = info.location().is_some_and(|l| {
            let file = l.file();
            file.contains("/index.crates.io-") && crates.iter().any(|c| file.contains(c))
        });
        if !inside {
            abort_hook(info);
        }
    }));
}

/// The reference rows `sketch_grid_decode` builds its fixed grid from, and
/// the seed generator its seeds: numeric `x` (with ties) and `y`,
/// categorical `c` (never missing, so every partition fits).
pub fn grid_reference() -> (Vec<f64>, Vec<f64>, Vec<Option<&'static str>>) {
    let x: Vec<f64> = (0..200u64)
        .map(|i| ((i * 37) % 41) as f64 / 4.0 - 5.0)
        .collect();
    let y: Vec<f64> = (0..200u64)
        .map(|i| ((i * 7919) % 1_009) as f64 * 0.01)
        .collect();
    let c: Vec<Option<&str>> = (0..200)
        .map(|i| [Some("a"), Some("b"), Some("a"), Some("d")][i % 4])
        .collect();
    (x, y, c)
}

/// The fixed sketch grid of [`grid_reference`] (10 PSI bins, 16 cells,
/// NaN policy `error`): sketches with k = 1 024 over 200 values never
/// compact, so the grid (and its checksum, which the seeds' grid counts
/// carry) is the same on every run.
pub fn grid_fixture() -> &'static tradewarden_drift::state::SketchGrid {
    use tradewarden_drift::report::FeatureData;
    static G: std::sync::OnceLock<tradewarden_drift::state::SketchGrid> =
        std::sync::OnceLock::new();
    G.get_or_init(|| {
        let (x, y, c) = grid_reference();
        tradewarden_drift::state::SketchGrid::from_reference(
            &[
                ("c", FeatureData::Categorical(&c)),
                ("x", FeatureData::Numeric(&x)),
                ("y", FeatureData::Numeric(&y)),
            ],
            10,
            16,
            tradewarden_core::NanPolicy::Error,
            1024,
        )
        .expect("the fixed sketch grid")
    })
}
