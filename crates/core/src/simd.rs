//! The instruction set of the run-time SIMD paths, for the whole process.
//!
//! Two hot loops are vectorised with [`pulp`] and pick their instruction set
//! when they run: the fused pass of [`crate::returns::core_metrics`] (f64) and
//! the CPU MLP kernel of `tradewarden-inference` (f32). Lanes and fused
//! multiply-adds change the order and the rounding of the sums, so the last
//! bits of a result depend on the CPU (AVX-512, AVX2+FMA or none);
//! `docs/conventions.md` ("Results across CPUs") states by how much.
//!
//! Both loops take their [`Arch`] from [`arch`], which honours the
//! environment variable [`ENV_VAR`] (`TRADEWARDEN_SIMD`), read once, on first
//! use:
//!
//! | value            | path                                                    |
//! |------------------|---------------------------------------------------------|
//! | unset, `auto`    | the best the CPU has (AVX-512, else AVX2+FMA, else none) |
//! | `avx512`         | the same (the highest path there is)                    |
//! | `avx2`           | AVX2+FMA even on an AVX-512 CPU; scalar without AVX2    |
//! | `scalar`         | no vectors                                              |
//!
//! Values are case-insensitive and trimmed. A path the CPU lacks falls back
//! to the best one below it, never to one above. An unknown value is **not**
//! an error (a library must not panic on an environment variable): it means
//! `auto`, and [`selection`] reports it in [`Selection::unknown_value`] so a
//! test run can refuse it (`crates/core/tests/simd_paths.rs` does). On CPUs
//! other than x86, `avx2` and `avx512` mean `auto` (NEON on aarch64).
//!
//! Set the variable to reproduce another machine's figures (`scalar` or
//! `avx2` on an AVX-512 machine) or to test every path on one machine.
//!
//! ```
//! use tradewarden_core::simd::{self, SimdPath};
//! assert_eq!(SimdPath::parse("AVX2"), Some(SimdPath::Avx2));
//! assert_eq!(SimdPath::parse("sse"), None);
//! assert_eq!(simd::arch_name(simd::arch_for(SimdPath::Scalar)), "scalar");
//! let _arch = simd::arch(); // what core_metrics and the MLP kernel use
//! ```

use std::sync::OnceLock;

pub use pulp::Arch;

/// The environment variable that chooses the SIMD path (module docs).
pub const ENV_VAR: &str = "TRADEWARDEN_SIMD";

/// A requested SIMD path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SimdPath {
    /// The best the CPU has.
    #[default]
    Auto,
    /// No vectors (`pulp`'s scalar fallback).
    Scalar,
    /// AVX2 with FMA (x86-64-v3), or scalar where the CPU lacks it.
    Avx2,
    /// AVX-512 (x86-64-v4), or the best lower path where the CPU lacks it.
    Avx512,
}

impl SimdPath {
    /// Every path, `Auto` first.
    pub const ALL: [SimdPath; 4] = [
        SimdPath::Auto,
        SimdPath::Scalar,
        SimdPath::Avx2,
        SimdPath::Avx512,
    ];

    /// Parses a value of [`ENV_VAR`]: `auto` (or empty), `scalar`, `avx2`,
    /// `avx512`, case-insensitive, surrounding whitespace ignored; `None`
    /// for anything else.
    pub fn parse(value: &str) -> Option<SimdPath> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Some(SimdPath::Auto),
            "scalar" => Some(SimdPath::Scalar),
            "avx2" => Some(SimdPath::Avx2),
            "avx512" => Some(SimdPath::Avx512),
            _ => None,
        }
    }

    /// The value [`SimdPath::parse`] reads back.
    pub fn as_str(self) -> &'static str {
        match self {
            SimdPath::Auto => "auto",
            SimdPath::Scalar => "scalar",
            SimdPath::Avx2 => "avx2",
            SimdPath::Avx512 => "avx512",
        }
    }
}

/// The process-wide choice, made once from [`ENV_VAR`].
#[derive(Debug, Clone)]
pub struct Selection {
    /// The path asked for (`Auto` when the variable is unset or unknown).
    pub requested: SimdPath,
    /// The variable's value when it was set but not understood (then
    /// `requested` is `Auto`).
    pub unknown_value: Option<String>,
    /// The path in use, as [`arch_name`] names it: `"scalar"`, `"avx2"`,
    /// `"avx512"` or, off x86, `"neon"` / `"native"`.
    pub active: &'static str,
    arch: Arch,
}

/// The choice made from [`ENV_VAR`] (read on the first call, then cached for
/// the life of the process).
pub fn selection() -> &'static Selection {
    static SELECTION: OnceLock<Selection> = OnceLock::new();
    SELECTION.get_or_init(|| {
        let raw = std::env::var(ENV_VAR).ok();
        let parsed = raw.as_deref().map(SimdPath::parse);
        let (requested, unknown_value) = match (parsed, raw) {
            (Some(Some(p)), _) => (p, None),
            (Some(None), raw) => (SimdPath::Auto, raw),
            (None, _) => (SimdPath::Auto, None),
        };
        let arch = arch_for(requested);
        Selection {
            requested,
            unknown_value,
            active: arch_name(arch),
            arch,
        }
    })
}

/// The [`Arch`] every run-time SIMD path of tradewarden dispatches on: the
/// one [`ENV_VAR`] asks for, within what the CPU has (module docs).
#[inline]
pub fn arch() -> Arch {
    selection().arch
}

/// The [`Arch`] for `path` on this CPU, ignoring [`ENV_VAR`]: the requested
/// instruction set, or the best one below it that the CPU has.
pub fn arch_for(path: SimdPath) -> Arch {
    match path {
        SimdPath::Auto => Arch::new(),
        SimdPath::Scalar => Arch::Scalar,
        SimdPath::Avx2 | SimdPath::Avx512 => x86_arch(path),
    }
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn x86_arch(path: SimdPath) -> Arch {
    use pulp::x86::{V3, V4};
    if path == SimdPath::Avx512
        && let Some(v4) = V4::try_new()
    {
        return Arch::V4(v4);
    }
    match V3::try_new() {
        Some(v3) => Arch::V3(v3),
        None => Arch::Scalar,
    }
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn x86_arch(_path: SimdPath) -> Arch {
    Arch::new()
}

/// A short name of an [`Arch`]: `"scalar"`, `"avx2"` (x86-64-v3),
/// `"avx512"` (x86-64-v4), `"neon"`, or `"native"` for another platform's
/// vectors.
pub fn arch_name(arch: Arch) -> &'static str {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    match arch {
        Arch::Scalar => "scalar",
        Arch::V3(_) => "avx2",
        Arch::V4(_) => "avx512",
        _ => "native",
    }
    #[cfg(target_arch = "aarch64")]
    match arch {
        Arch::Scalar => "scalar",
        Arch::Neon(_) => "neon",
        _ => "native",
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    match arch {
        Arch::Scalar => "scalar",
        _ => "native",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_and_rejects_unknown_values() {
        for p in SimdPath::ALL {
            assert_eq!(SimdPath::parse(p.as_str()), Some(p));
            assert_eq!(
                SimdPath::parse(&format!(" {} ", p.as_str().to_uppercase())),
                Some(p)
            );
        }
        assert_eq!(SimdPath::parse(""), Some(SimdPath::Auto));
        for bad in ["avx", "avx-2", "sse4", "v3", "none"] {
            assert_eq!(SimdPath::parse(bad), None, "{bad}");
        }
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[test]
    fn lower_paths_never_exceed_higher_ones() {
        let rank = |a: Arch| match arch_name(a) {
            "scalar" => 0,
            "avx2" => 1,
            _ => 2,
        };
        let s = rank(arch_for(SimdPath::Scalar));
        let v3 = rank(arch_for(SimdPath::Avx2));
        let v4 = rank(arch_for(SimdPath::Avx512));
        assert_eq!(s, 0);
        assert!(v3 <= 1 && v3 <= v4, "{v3} {v4}");
        assert_eq!(
            arch_name(arch_for(SimdPath::Avx512)),
            arch_name(Arch::new())
        );
    }
}
