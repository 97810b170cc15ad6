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

    /// The pair kernels on every instruction set against plain loops, on every
    /// length remainder of a block, NaN on either side, both market sides.
    #[test]
    fn pair_kernels_on_every_path_match_plain_loops() {
        let close =
            |a: f64, b: f64| a == b || (a - b).abs() <= 1e-13 * a.abs().max(b.abs()).max(1e-3);
        for path in [SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512] {
            let arch = arch_for(path);
            for n in 0..80usize {
                let x: Vec<f64> = (0..n)
                    .map(|i| ((i * 37 % 23) as f64 - 11.0) * 1e-3)
                    .collect();
                let mut y: Vec<f64> = (0..n)
                    .map(|i| ((i * 53 % 29) as f64 - 14.0) * 1e-3)
                    .collect();
                let mut xn = x.clone();
                for i in (2..n).step_by(9) {
                    xn[i] = f64::NAN;
                }
                for i in (5..n).step_by(13) {
                    y[i] = f64::NAN;
                }
                for (xs, sel) in [
                    (&x, PairSelect::All),
                    (&xn, PairSelect::All),
                    (&xn, PairSelect::Up),
                    (&xn, PairSelect::Down),
                ] {
                    let keep = |a: f64, b: f64| {
                        !a.is_nan()
                            && match sel {
                                PairSelect::All => !b.is_nan(),
                                PairSelect::Up => b > 0.0,
                                PairSelect::Down => b < 0.0,
                            }
                    };
                    let (sx, sy) = (0.002, -0.001);
                    let mut w = PairSums {
                        n: 0,
                        sx: 0.0,
                        sy: 0.0,
                        sxx: 0.0,
                        syy: 0.0,
                        sxy: 0.0,
                    };
                    for (&a, &b) in xs.iter().zip(&y) {
                        if keep(a, b) {
                            let (dx, dy) = (a - sx, b - sy);
                            w.n += 1;
                            w.sx += dx;
                            w.sy += dy;
                            w.sxx += dx * dx;
                            w.syy += dy * dy;
                            w.sxy += dx * dy;
                        }
                    }
                    let g = pair_sums_on(arch, xs, &y, sel, sx, sy);
                    assert_eq!(g.n, w.n, "{path:?} n={n} {sel:?}");
                    for (a, b) in [
                        (g.sx, w.sx),
                        (g.sy, w.sy),
                        (g.sxx, w.sxx),
                        (g.syy, w.syy),
                        (g.sxy, w.sxy),
                    ] {
                        assert!(close(a, b), "{path:?} n={n} {sel:?}: {a} vs {b}");
                    }
                }
                // differences
                let pairs: Vec<(f64, f64)> = xn
                    .iter()
                    .zip(&y)
                    .filter(|(a, b)| !a.is_nan() && !b.is_nan())
                    .map(|(a, b)| (*a, *b))
                    .collect();
                let Some(&(a0, b0)) = pairs.first() else {
                    continue;
                };
                let shift = a0 - b0;
                let (mut s1, mut s2) = (0.0, 0.0);
                for (a, b) in &pairs {
                    let d = (a - b) - shift;
                    s1 += d;
                    s2 += d * d;
                }
                let Some(m) = diff_moments_on(arch, &xn, &y, shift) else {
                    panic!("{path:?} n={n}: finite input refused");
                };
                assert_eq!(m.n, pairs.len());
                assert!(
                    close(m.s1, s1) && close(m.s2, s2),
                    "{path:?} n={n}: {m:?} vs {s1} {s2}"
                );
                assert_eq!(
                    m.constant,
                    pairs.iter().all(|(a, b)| a - b == shift),
                    "{path:?} n={n}"
                );
            }
            // an infinity among the pairs: refused (the careful path runs)
            let x = vec![0.01, f64::INFINITY, 0.02, 0.0, 0.01];
            let y = vec![0.0; 5];
            assert!(diff_moments_on(arch, &x, &y, 0.01).is_none());
            assert!(!pair_sums_on(arch, &x, &y, PairSelect::All, 0.01, 0.0).finite());
        }
    }
}

/// Sums of one pass over a series, NaN skipped: what the moment-based
/// returns metrics (Sharpe, Sortino, volatility, downside risk, Gaussian
/// VaR) need. Values are taken as `a = x − off`; the sums are shifted by
/// `shift` (a value of the series, so that they do not cancel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moments {
    /// Non-NaN values.
    pub n: usize,
    /// `Σ (a − shift)`.
    pub s1: f64,
    /// `Σ (a − shift)²`.
    pub s2: f64,
    /// `Σ min(x − req, 0)²`.
    pub down2: f64,
    /// Every non-NaN `a` finite, and at least one of them.
    pub finite: bool,
    /// Every non-NaN `a` equal.
    pub constant: bool,
}

/// [`Moments`] of `x` in one pass, vectorised on [`arch`]'s instruction set
/// (`down`: whether `down2` is wanted; 0 otherwise).
pub(crate) fn moments(x: &[f64], off: f64, shift: f64, req: f64, down: bool) -> Moments {
    moments_on(arch(), x, off, shift, req, down)
}

/// [`moments`] on an explicit instruction set. The dense loop (no NaN
/// masks, no extrema: 3 vector operations per step, 6 with `down`) runs
/// first; a NaN or an infinity makes its sums non-finite, and the masked
/// loop then runs instead.
pub(crate) fn moments_on(
    arch: Arch,
    x: &[f64],
    off: f64,
    shift: f64,
    req: f64,
    down: bool,
) -> Moments {
    let dense = if down {
        arch.dispatch(DenseOp::<true> { x, off, shift, req })
    } else {
        arch.dispatch(DenseOp::<false> { x, off, shift, req })
    };
    if let Some(m) = dense {
        return m;
    }
    arch.dispatch(MomentsOp { x, off, shift, req })
}

/// The dense loop of [`moments_on`]: `None` unless every value is finite.
struct DenseOp<'a, const DOWN: bool> {
    x: &'a [f64],
    off: f64,
    shift: f64,
    req: f64,
}

impl<const DOWN: bool> pulp::WithSimd for DenseOp<'_, DOWN> {
    type Output = Option<Moments>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> Option<Moments> {
        let DenseOp { x, off, shift, req } = self;
        let (blocks, rest) = S::as_simd_f64s(x);
        let zero = simd.splat_f64s(0.0);
        let (voff, vshift, vreq) = (
            simd.splat_f64s(off),
            simd.splat_f64s(shift),
            simd.splat_f64s(req),
        );
        let mut acc = [[zero; 3]; 2];
        let pairs = blocks.chunks_exact(2);
        let odd = pairs.remainder();
        // a macro, not a closure (see `MomentsOp`)
        macro_rules! body {
            ($k:expr, $v:expr) => {{
                let (k, v) = ($k, $v);
                let d = simd.sub_f64s(simd.sub_f64s(v, voff), vshift);
                let [s1, s2, dn] = &mut acc[k];
                *s1 = simd.add_f64s(*s1, d);
                *s2 = simd.mul_add_e_f64s(d, d, *s2);
                if DOWN {
                    let e = simd.min_f64s(simd.sub_f64s(v, vreq), zero);
                    *dn = simd.mul_add_e_f64s(e, e, *dn);
                }
            }};
        }
        for p in pairs {
            body!(0, p[0]);
            body!(1, p[1]);
        }
        for &v in odd {
            body!(0, v);
        }
        let mut sum = [0.0; 3];
        for (i, s) in sum.iter_mut().enumerate() {
            *s = simd.reduce_sum_f64s(simd.add_f64s(acc[0][i], acc[1][i]));
        }
        let [mut s1, mut s2, mut down2] = sum;
        for &v in rest {
            let d = (v - off) - shift;
            s1 += d;
            s2 += d * d;
            if DOWN {
                let e = (v - req).min(0.0);
                down2 += e * e;
            }
        }
        if !(s1.is_finite() && s2.is_finite() && down2.is_finite()) || x.is_empty() {
            return None;
        }
        // s2 = 0: every deviation is 0 — or so small that its square
        // underflowed; look at the values themselves
        let constant = s2 == 0.0 && {
            let first = x[0] - off;
            x.iter().all(|&v| v - off == first)
        };
        Some(Moments {
            n: x.len(),
            s1,
            s2,
            down2,
            finite: true,
            constant,
        })
    }
}

struct MomentsOp<'a> {
    x: &'a [f64],
    off: f64,
    shift: f64,
    req: f64,
}

impl pulp::WithSimd for MomentsOp<'_> {
    type Output = Moments;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> Moments {
        let MomentsOp { x, off, shift, req } = self;
        let (blocks, rest) = S::as_simd_f64s(x);
        let zero = simd.splat_f64s(0.0);
        let one = simd.splat_f64s(1.0);
        let (voff, vshift, vreq) = (
            simd.splat_f64s(off),
            simd.splat_f64s(shift),
            simd.splat_f64s(req),
        );
        // Two independent sets of accumulators hide the add latency.
        let mut acc = [[zero; 4]; 2];
        let mut mn = [simd.splat_f64s(f64::INFINITY); 2];
        let mut mx = [simd.splat_f64s(f64::NEG_INFINITY); 2];
        let pairs = blocks.chunks_exact(2);
        let odd = pairs.remainder();
        // A macro, not a closure: a closure would not inherit the target
        // features of `with_simd`, and every vector operation in it would
        // become a call (measured: 18 ns per value instead of < 1).
        macro_rules! body {
            ($k:expr, $v:expr) => {{
                let (k, v) = ($k, $v);
                let ok = simd.equal_f64s(v, v);
                let a = simd.select_f64s(ok, simd.sub_f64s(v, voff), vshift);
                let d = simd.sub_f64s(a, vshift);
                let [s1, s2, dn, cnt] = &mut acc[k];
                *s1 = simd.add_f64s(*s1, d);
                *s2 = simd.mul_add_e_f64s(d, d, *s2);
                let e = simd.select_f64s(ok, simd.min_f64s(simd.sub_f64s(v, vreq), zero), zero);
                *dn = simd.mul_add_e_f64s(e, e, *dn);
                *cnt = simd.add_f64s(*cnt, simd.select_f64s(ok, one, zero));
                mn[k] = simd.min_f64s(mn[k], a);
                mx[k] = simd.max_f64s(mx[k], a);
            }};
        }
        for p in pairs {
            body!(0, p[0]);
            body!(1, p[1]);
        }
        for &v in odd {
            body!(0, v);
        }
        let mut sum = [0.0; 4];
        for (i, s) in sum.iter_mut().enumerate() {
            *s = simd.reduce_sum_f64s(simd.add_f64s(acc[0][i], acc[1][i]));
        }
        let mut n = sum[3] as usize;
        let (mut s1, mut s2, mut down2) = (sum[0], sum[1], sum[2]);
        let mut min = simd.reduce_min_f64s(simd.min_f64s(mn[0], mn[1]));
        let mut max = simd.reduce_max_f64s(simd.max_f64s(mx[0], mx[1]));
        for &v in rest {
            if v.is_nan() {
                continue;
            }
            let a = v - off;
            let d = a - shift;
            n += 1;
            s1 += d;
            s2 += d * d;
            let e = (v - req).min(0.0);
            down2 += e * e;
            min = min.min(a);
            max = max.max(a);
        }
        Moments {
            n,
            s1,
            s2,
            down2,
            finite: min.is_finite() && max.is_finite(),
            constant: min == max,
        }
    }
}

/// `Π (1 + x)` over the non-NaN values of `x` and the number of NaN, in one
/// vectorised pass (lane-wise products, multiplied together at the end).
/// The product is `None` when it is not a normal number (0, subnormal,
/// infinite or NaN): lane-wise partial products may then have under- or
/// overflowed where a left-to-right product would not, and the caller
/// multiplies in order instead.
pub(crate) fn growth(x: &[f64]) -> (Option<f64>, usize) {
    growth_on(arch(), x)
}

/// [`growth`] on an explicit instruction set.
pub(crate) fn growth_on(arch: Arch, x: &[f64]) -> (Option<f64>, usize) {
    arch.dispatch(GrowthOp { x })
}

struct GrowthOp<'a> {
    x: &'a [f64],
}

impl pulp::WithSimd for GrowthOp<'_> {
    type Output = (Option<f64>, usize);

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> Self::Output {
        let (blocks, rest) = S::as_simd_f64s(self.x);
        let zero = simd.splat_f64s(0.0);
        let one = simd.splat_f64s(1.0);
        let mut p = [one; 4];
        let mut nan = [zero; 4];
        // Smallest partial product seen: one that went below the normal
        // range (or negative) may have lost bits, so the caller recomputes.
        let mut low = one;
        let quads = blocks.chunks_exact(4);
        let tail = quads.remainder();
        for q in quads {
            for k in 0..4 {
                let ok = simd.equal_f64s(q[k], q[k]);
                p[k] = simd.mul_f64s(p[k], simd.select_f64s(ok, simd.add_f64s(q[k], one), one));
                nan[k] = simd.add_f64s(nan[k], simd.select_f64s(ok, zero, one));
            }
            low = simd.min_f64s(
                low,
                simd.min_f64s(simd.min_f64s(p[0], p[1]), simd.min_f64s(p[2], p[3])),
            );
        }
        for &v in tail {
            let ok = simd.equal_f64s(v, v);
            p[0] = simd.mul_f64s(p[0], simd.select_f64s(ok, simd.add_f64s(v, one), one));
            nan[0] = simd.add_f64s(nan[0], simd.select_f64s(ok, zero, one));
            low = simd.min_f64s(low, p[0]);
        }
        let low = simd.reduce_min_f64s(low);
        let mut prod = simd.reduce_product_f64s(
            simd.mul_f64s(simd.mul_f64s(p[0], p[1]), simd.mul_f64s(p[2], p[3])),
        );
        let mut n_nan = simd.reduce_sum_f64s(
            simd.add_f64s(simd.add_f64s(nan[0], nan[1]), simd.add_f64s(nan[2], nan[3])),
        ) as usize;
        for &v in rest {
            if v.is_nan() {
                n_nan += 1;
            } else {
                prod *= 1.0 + v;
            }
        }
        let ok = prod.is_normal() && low >= f64::MIN_POSITIVE;
        (ok.then_some(prod), n_nan)
    }
}

/// Sums of the stability regression (`stability_of_timeseries`): with
/// `y_t = Σ_{s≤t} ln(1 + x_s)` over `t = 0 .. n`, `sy = Σ (y_t − shift)`,
/// `syy = Σ (y_t − shift)²` and `sty = Σ (t − (n−1)/2)·y_t` (time centred, so
/// that it does not cancel). `None` when `x` holds a NaN, an infinity or a
/// return ≤ −1 (the careful path then runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TrendSums {
    pub sy: f64,
    pub syy: f64,
    pub sty: f64,
}

/// [`TrendSums`] of `x` in one vectorised pass, shifted by `shift`.
pub(crate) fn trend_sums(x: &[f64], shift: f64) -> Option<TrendSums> {
    trend_sums_on(arch(), x, shift)
}

/// [`trend_sums`] on an explicit instruction set.
pub(crate) fn trend_sums_on(arch: Arch, x: &[f64], shift: f64) -> Option<TrendSums> {
    arch.dispatch(TrendOp { x, shift })
}

/// Lane indices 0, 1, 2, … (masks of the in-vector prefix sums, time index).
const LANE_INDEX: [f64; 16] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
];

/// `ln(1 + x)` where `1 + x` lies in [1/√2, √2] (`x` in [−0.2929, 0.4142]):
/// `2·atanh(s)` with `s = x / (2 + x)`, `|s| ≤ 0.1716`, by its series up to
/// `s¹⁹` (truncation below 3e-17 relative); about 2 ulp. Other lanes are
/// computed by the caller.
#[inline(always)]
fn ln_1p_near_one<S: pulp::Simd>(simd: S, x: S::f64s) -> S::f64s {
    let s = simd.div_f64s(x, simd.add_f64s(simd.splat_f64s(2.0), x));
    let z = simd.mul_f64s(s, s);
    let mut p = simd.splat_f64s(1.0 / 19.0);
    for k in (0..9).rev() {
        p = simd.mul_add_e_f64s(p, z, simd.splat_f64s(1.0 / (2 * k + 1) as f64));
    }
    simd.mul_f64s(simd.add_f64s(s, s), p)
}

/// The range of [`ln_1p_near_one`]: 1/√2 − 1 and √2 − 1.
const LN1P_LO: f64 = -0.292_893_218_813_452_4;
const LN1P_HI: f64 = 0.414_213_562_373_095_1;

struct TrendOp<'a> {
    x: &'a [f64],
    shift: f64,
}

impl pulp::WithSimd for TrendOp<'_> {
    type Output = Option<TrendSums>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> Option<TrendSums> {
        let TrendOp { x, shift } = self;
        let l = S::F64_LANES;
        if l > 16 || !l.is_power_of_two() {
            return None;
        }
        let n = x.len();
        let t_mid = (n as f64 - 1.0) / 2.0;
        let (blocks, rest) = S::as_simd_f64s(x);
        let zero = simd.splat_f64s(0.0);
        let idx = simd.partial_load_f64s(&LANE_INDEX[..l]);
        let (lo, hi) = (simd.splat_f64s(LN1P_LO), simd.splat_f64s(LN1P_HI));
        let mut masks = [simd.less_than_f64s(idx, zero); 4];
        let mut steps = 0;
        while (1usize << steps) < l {
            masks[steps] =
                simd.greater_than_or_equal_f64s(idx, simd.splat_f64s((1usize << steps) as f64));
            steps += 1;
        }
        let vshift = simd.splat_f64s(shift);
        let (mut sy, mut syy, mut sty) = (zero, zero, zero);
        let mut tc = simd.sub_f64s(idx, simd.splat_f64s(t_mid));
        let step = simd.splat_f64s(l as f64);
        let mut carry = 0.0f64;
        let mut buf = [0.0f64; 16];
        for &v in blocks {
            let inside = simd.and_m64s(
                simd.greater_than_or_equal_f64s(v, lo),
                simd.less_than_or_equal_f64s(v, hi),
            );
            let mut g = ln_1p_near_one(simd, v);
            if simd.first_true_m64s(simd.not_m64s(inside)) < l {
                // a lane outside the polynomial's range (or NaN): libm there
                let (bv, _) = S::as_mut_simd_f64s(&mut buf[..l]);
                bv[0] = v;
                let mut out = [0.0f64; 16];
                for k in 0..l {
                    if !(buf[k] > -1.0 && buf[k].is_finite()) {
                        return None;
                    }
                    out[k] = buf[k].ln_1p();
                }
                g = simd.partial_load_f64s(&out[..l]);
            }
            // in-vector prefix sums
            for (k, mask) in masks.iter().enumerate().take(steps) {
                let shifted = simd.rotate_right_f64s(g, 1 << k);
                g = simd.add_f64s(g, simd.select_f64s(*mask, shifted, zero));
            }
            let y = simd.add_f64s(g, simd.splat_f64s(carry));
            let (bv, _) = S::as_mut_simd_f64s(&mut buf[..l]);
            bv[0] = y;
            carry = buf[l - 1];
            let d = simd.sub_f64s(y, vshift);
            sy = simd.add_f64s(sy, d);
            syy = simd.mul_add_e_f64s(d, d, syy);
            sty = simd.mul_add_e_f64s(tc, y, sty);
            tc = simd.add_f64s(tc, step);
        }
        let mut out = TrendSums {
            sy: simd.reduce_sum_f64s(sy),
            syy: simd.reduce_sum_f64s(syy),
            sty: simd.reduce_sum_f64s(sty),
        };
        let mut t = (blocks.len() * l) as f64 - t_mid;
        for &v in rest {
            if !(v > -1.0 && v.is_finite()) {
                return None;
            }
            carry += v.ln_1p();
            let d = carry - shift;
            out.sy += d;
            out.syy += d * d;
            out.sty += t * carry;
            t += 1.0;
        }
        (out.syy.is_finite() && out.sty.is_finite()).then_some(out)
    }
}

/// Which pairs `(x_i, y_i)` a [`pair_sums`] pass takes: those with neither
/// side NaN (`All`), and of those the ones with `y > 0` (`Up`) or `y < 0`
/// (`Down`) — empyrical's up/down market (a NaN `y` is neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PairSelect {
    /// Every pair without a NaN.
    All,
    /// Pairs with `y > 0` and `x` not NaN.
    Up,
    /// Pairs with `y < 0` and `x` not NaN.
    Down,
}

/// Shifted sums over the selected pairs, with `dx = x − shift_x` and
/// `dy = y − shift_y`: the moments of a regression of `x` on `y` (beta,
/// alpha) in one pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairSums {
    /// Pairs taken.
    pub n: usize,
    /// `Σ dx`.
    pub sx: f64,
    /// `Σ dy`.
    pub sy: f64,
    /// `Σ dx²`.
    pub sxx: f64,
    /// `Σ dy²`.
    pub syy: f64,
    /// `Σ dx·dy`.
    pub sxy: f64,
}

impl PairSums {
    /// Every sum finite (no ±inf among the selected pairs, no overflow).
    pub(crate) fn finite(&self) -> bool {
        self.sx.is_finite()
            && self.sy.is_finite()
            && self.sxx.is_finite()
            && self.syy.is_finite()
            && self.sxy.is_finite()
    }
}

/// [`PairSums`] of the pairs of `x` and `y` (equal lengths) that `select`
/// takes, in one vectorised pass on [`arch`]'s instruction set. For `All` a
/// dense loop (no masks) runs first; a NaN or an infinity makes its sums
/// non-finite and the masked loop runs instead. The sums may be non-finite
/// (±inf among the pairs): the caller checks [`PairSums::finite`].
pub(crate) fn pair_sums(
    x: &[f64],
    y: &[f64],
    select: PairSelect,
    shift_x: f64,
    shift_y: f64,
) -> PairSums {
    pair_sums_on(arch(), x, y, select, shift_x, shift_y)
}

/// [`pair_sums`] on an explicit instruction set.
pub(crate) fn pair_sums_on(
    arch: Arch,
    x: &[f64],
    y: &[f64],
    select: PairSelect,
    shift_x: f64,
    shift_y: f64,
) -> PairSums {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let (sx, sy) = (shift_x, shift_y);
    match select {
        PairSelect::All => {
            let dense = arch.dispatch(PairOp::<0> { x, y, sx, sy });
            if dense.finite() {
                return dense;
            }
            arch.dispatch(PairOp::<1> { x, y, sx, sy })
        }
        PairSelect::Up => arch.dispatch(PairOp::<2> { x, y, sx, sy }),
        PairSelect::Down => arch.dispatch(PairOp::<3> { x, y, sx, sy }),
    }
}

/// The loop of [`pair_sums_on`]: `M` = 0 dense (every pair), 1 pairs
/// without NaN, 2 up (`y > 0`), 3 down (`y < 0`).
struct PairOp<'a, const M: u8> {
    x: &'a [f64],
    y: &'a [f64],
    sx: f64,
    sy: f64,
}

impl<const M: u8> PairOp<'_, M> {
    /// Whether the pair is taken (scalar form of the vector mask).
    #[inline(always)]
    fn keep(a: f64, b: f64) -> bool {
        match M {
            0 => true,
            1 => !a.is_nan() && !b.is_nan(),
            2 => !a.is_nan() && b > 0.0,
            _ => !a.is_nan() && b < 0.0,
        }
    }
}

impl<const M: u8> pulp::WithSimd for PairOp<'_, M> {
    type Output = PairSums;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> PairSums {
        let PairOp { x, y, sx, sy } = self;
        let (xb, xr) = S::as_simd_f64s(x);
        let (yb, yr) = S::as_simd_f64s(y);
        let zero = simd.splat_f64s(0.0);
        let one = simd.splat_f64s(1.0);
        let (vsx, vsy) = (simd.splat_f64s(sx), simd.splat_f64s(sy));
        // [Σdx, Σdy, Σdx², Σdy², Σdxdy, count] in two sets (add latency)
        let mut acc = [[zero; 6]; 2];
        macro_rules! body {
            ($k:expr, $a:expr, $b:expr) => {{
                let (k, a, b) = ($k, $a, $b);
                let mut dx = simd.sub_f64s(a, vsx);
                let mut dy = simd.sub_f64s(b, vsy);
                if M != 0 {
                    let ok = match M {
                        1 => simd.and_m64s(simd.equal_f64s(a, a), simd.equal_f64s(b, b)),
                        2 => simd.and_m64s(simd.equal_f64s(a, a), simd.greater_than_f64s(b, zero)),
                        _ => simd.and_m64s(simd.equal_f64s(a, a), simd.less_than_f64s(b, zero)),
                    };
                    dx = simd.select_f64s(ok, dx, zero);
                    dy = simd.select_f64s(ok, dy, zero);
                    acc[k][5] = simd.add_f64s(acc[k][5], simd.select_f64s(ok, one, zero));
                }
                let s = &mut acc[k];
                s[0] = simd.add_f64s(s[0], dx);
                s[1] = simd.add_f64s(s[1], dy);
                s[2] = simd.mul_add_e_f64s(dx, dx, s[2]);
                s[3] = simd.mul_add_e_f64s(dy, dy, s[3]);
                s[4] = simd.mul_add_e_f64s(dx, dy, s[4]);
            }};
        }
        let (xp, yp) = (xb.chunks_exact(2), yb.chunks_exact(2));
        let (xo, yo) = (xp.remainder(), yp.remainder());
        for (p, q) in xp.zip(yp) {
            body!(0, p[0], q[0]);
            body!(1, p[1], q[1]);
        }
        for (&a, &b) in xo.iter().zip(yo) {
            body!(0, a, b);
        }
        let mut sum = [0.0; 6];
        for (i, s) in sum.iter_mut().enumerate() {
            *s = simd.reduce_sum_f64s(simd.add_f64s(acc[0][i], acc[1][i]));
        }
        let mut out = PairSums {
            n: if M == 0 {
                xb.len() * S::F64_LANES
            } else {
                sum[5] as usize
            },
            sx: sum[0],
            sy: sum[1],
            sxx: sum[2],
            syy: sum[3],
            sxy: sum[4],
        };
        for (&a, &b) in xr.iter().zip(yr) {
            if !Self::keep(a, b) {
                continue;
            }
            let (dx, dy) = (a - sx, b - sy);
            out.n += 1;
            out.sx += dx;
            out.sy += dy;
            out.sxx += dx * dx;
            out.syy += dy * dy;
            out.sxy += dx * dy;
        }
        out
    }
}

/// Moments of the differences `a = x − y` over the pairs without NaN, with
/// `d = a − shift`: `Σ d`, `Σ d²`, and whether every `a` is equal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DiffMoments {
    /// Pairs without NaN.
    pub n: usize,
    /// `Σ d`.
    pub s1: f64,
    /// `Σ d²`.
    pub s2: f64,
    /// Every `a` of the pairs equal.
    pub constant: bool,
}

/// [`DiffMoments`] of `x − y` (equal lengths) in one vectorised pass: a
/// dense loop first, the masked one (NaN pairs skipped) when the dense sums
/// are not finite. `None` when the masked sums are not finite either (±inf
/// among the pairs): the careful path then runs. `shift` must be the
/// difference of a pair without NaN (the first one), or any value when
/// `constant` is not wanted (a second pass about the mean).
pub(crate) fn diff_moments(x: &[f64], y: &[f64], shift: f64) -> Option<DiffMoments> {
    diff_moments_on(arch(), x, y, shift)
}

/// [`diff_moments`] on an explicit instruction set.
pub(crate) fn diff_moments_on(arch: Arch, x: &[f64], y: &[f64], shift: f64) -> Option<DiffMoments> {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let (s1, s2) = arch.dispatch(DiffDenseOp { x, y, shift });
    if s1.is_finite() && s2.is_finite() {
        // s2 = 0: every difference equals the shift — or its square
        // underflowed; look at the values themselves
        let constant = s2 == 0.0 && x.iter().zip(y).all(|(a, b)| a - b == shift);
        return Some(DiffMoments {
            n,
            s1,
            s2,
            constant,
        });
    }
    let m = arch.dispatch(DiffMaskedOp { x, y, shift });
    (m.s1.is_finite() && m.s2.is_finite()).then_some(m)
}

/// The dense loop of [`diff_moments_on`]: `(Σ d, Σ d²)` over every pair.
struct DiffDenseOp<'a> {
    x: &'a [f64],
    y: &'a [f64],
    shift: f64,
}

impl pulp::WithSimd for DiffDenseOp<'_> {
    type Output = (f64, f64);

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> (f64, f64) {
        let DiffDenseOp { x, y, shift } = self;
        let (xb, xr) = S::as_simd_f64s(x);
        let (yb, yr) = S::as_simd_f64s(y);
        let zero = simd.splat_f64s(0.0);
        let vshift = simd.splat_f64s(shift);
        let mut acc = [[zero; 2]; 4];
        macro_rules! body {
            ($k:expr, $a:expr, $b:expr) => {{
                let (k, a, b) = ($k, $a, $b);
                let d = simd.sub_f64s(simd.sub_f64s(a, b), vshift);
                acc[k][0] = simd.add_f64s(acc[k][0], d);
                acc[k][1] = simd.mul_add_e_f64s(d, d, acc[k][1]);
            }};
        }
        let (xp, yp) = (xb.chunks_exact(4), yb.chunks_exact(4));
        let (xo, yo) = (xp.remainder(), yp.remainder());
        for (p, q) in xp.zip(yp) {
            body!(0, p[0], q[0]);
            body!(1, p[1], q[1]);
            body!(2, p[2], q[2]);
            body!(3, p[3], q[3]);
        }
        for (&a, &b) in xo.iter().zip(yo) {
            body!(0, a, b);
        }
        let mut sum = [0.0; 2];
        for (i, s) in sum.iter_mut().enumerate() {
            *s = simd.reduce_sum_f64s(simd.add_f64s(
                simd.add_f64s(acc[0][i], acc[1][i]),
                simd.add_f64s(acc[2][i], acc[3][i]),
            ));
        }
        let [mut s1, mut s2] = sum;
        for (&a, &b) in xr.iter().zip(yr) {
            let d = (a - b) - shift;
            s1 += d;
            s2 += d * d;
        }
        (s1, s2)
    }
}

/// The masked loop of [`diff_moments_on`]: pairs with a NaN skipped,
/// extrema of the differences for `constant`.
struct DiffMaskedOp<'a> {
    x: &'a [f64],
    y: &'a [f64],
    shift: f64,
}

impl pulp::WithSimd for DiffMaskedOp<'_> {
    type Output = DiffMoments;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> DiffMoments {
        let DiffMaskedOp { x, y, shift } = self;
        let (xb, xr) = S::as_simd_f64s(x);
        let (yb, yr) = S::as_simd_f64s(y);
        let zero = simd.splat_f64s(0.0);
        let one = simd.splat_f64s(1.0);
        let vshift = simd.splat_f64s(shift);
        // [Σd, Σd², count] in two sets; a skipped pair counts as a = shift
        // (d = 0, and the extrema unchanged when shift is a pair's difference)
        let mut acc = [[zero; 3]; 2];
        let mut mn = [simd.splat_f64s(f64::INFINITY); 2];
        let mut mx = [simd.splat_f64s(f64::NEG_INFINITY); 2];
        macro_rules! body {
            ($k:expr, $a:expr, $b:expr) => {{
                let (k, a, b) = ($k, $a, $b);
                let ok = simd.and_m64s(simd.equal_f64s(a, a), simd.equal_f64s(b, b));
                let v = simd.select_f64s(ok, simd.sub_f64s(a, b), vshift);
                let d = simd.sub_f64s(v, vshift);
                acc[k][0] = simd.add_f64s(acc[k][0], d);
                acc[k][1] = simd.mul_add_e_f64s(d, d, acc[k][1]);
                acc[k][2] = simd.add_f64s(acc[k][2], simd.select_f64s(ok, one, zero));
                mn[k] = simd.min_f64s(mn[k], v);
                mx[k] = simd.max_f64s(mx[k], v);
            }};
        }
        let (xp, yp) = (xb.chunks_exact(2), yb.chunks_exact(2));
        let (xo, yo) = (xp.remainder(), yp.remainder());
        for (p, q) in xp.zip(yp) {
            body!(0, p[0], q[0]);
            body!(1, p[1], q[1]);
        }
        for (&a, &b) in xo.iter().zip(yo) {
            body!(0, a, b);
        }
        let mut sum = [0.0; 3];
        for (i, s) in sum.iter_mut().enumerate() {
            *s = simd.reduce_sum_f64s(simd.add_f64s(acc[0][i], acc[1][i]));
        }
        let mut lo = simd.reduce_min_f64s(simd.min_f64s(mn[0], mn[1]));
        let mut hi = simd.reduce_max_f64s(simd.max_f64s(mx[0], mx[1]));
        let [mut s1, mut s2, cnt] = sum;
        let mut n = cnt as usize;
        for (&a, &b) in xr.iter().zip(yr) {
            if a.is_nan() || b.is_nan() {
                continue;
            }
            let v = a - b;
            let d = v - shift;
            n += 1;
            s1 += d;
            s2 += d * d;
            lo = lo.min(v);
            hi = hi.max(v);
        }
        DiffMoments {
            n,
            s1,
            s2,
            constant: n > 0 && lo == hi,
        }
    }
}
