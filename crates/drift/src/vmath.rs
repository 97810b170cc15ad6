//! Vectorised kernels of the distance functions: a lane-wise natural
//! logarithm (fdlibm's `__ieee754_log` polynomial, branch-free, so that the
//! compiler vectorises it under the instruction set [`pulp`] dispatches to)
//! and the Jensen–Shannon sum built on it.
//!
//! The instruction set is the process-wide one of
//! [`tradewarden_core::simd::arch`] (`TRADEWARDEN_SIMD` chooses it); the
//! `_on` variants take it explicitly so that tests run every path.
//!
//! Every path computes in eight lanes with the same operations (no fused
//! multiply-add), so the results are the same bits on every CPU; they differ
//! from a value-by-value sum with libm's `ln` in the last bits.
//!
//! Accuracy: `ln_one` is within 1 ulp of `f64::ln` (libm) for every
//! positive normal finite input (tests: random bit patterns over the whole
//! normal range, values near 1, powers of two, the reduction boundaries
//! near √2/2 and √2). Inputs outside that range (0, subnormal, ±inf, NaN,
//! negative) are never given to it: the callers send such entries to the
//! scalar definition instead.

use pulp::Arch;

use crate::distance::rel_entr;

/// Lanes per block of the vectorised loops (one AVX-512 register, two AVX2
/// ones; the scalar path runs the same code lane by lane).
const LANES: usize = 8;

const LG1: f64 = 6.666_666_666_666_735e-1;
const LG2: f64 = 3.999_999_999_940_942e-1;
const LG3: f64 = 2.857_142_874_366_239e-1;
const LG4: f64 = 2.222_219_843_214_978_4e-1;
const LG5: f64 = 1.818_357_216_161_805e-1;
const LG6: f64 = 1.531_383_769_920_937_3e-1;
const LG7: f64 = 1.479_819_860_511_658_6e-1;
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// `0x3ff0_0000_0000_0000 − bits(√2/2)`: adding it to the bits of a
/// positive finite `x` puts `k + 1023` in the exponent field, where
/// `x = 2^k · z` with `z` in `[√2/2, √2)` (unsigned arithmetic only, so that
/// AVX2, which has no 64-bit arithmetic shift, vectorises it too).
const REDUCE: u64 = 0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd;
const EXP_MASK: u64 = 0xfff0_0000_0000_0000;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
/// `2^52` as bits: `bits(2^52) | m` is the float `2^52 + m` for `m < 2^52`.
const TWO52_BITS: u64 = 0x4330_0000_0000_0000;
const TWO52: f64 = 4_503_599_627_370_496.0;

/// Natural logarithm of one value, valid for positive normal finite `x`
/// (branch-free: a loop of it vectorises).
#[inline(always)]
fn ln_one(x: f64) -> f64 {
    let bits = x.to_bits();
    let t = bits.wrapping_add(REDUCE);
    let kb = t >> 52; // k + 1023
    let z = f64::from_bits(bits.wrapping_sub(t & EXP_MASK).wrapping_add(ONE_BITS));
    let dk = f64::from_bits(TWO52_BITS | kb) - (TWO52 + 1023.0);
    let f = z - 1.0;
    let s = f / (2.0 + f);
    let z2 = s * s;
    let w = z2 * z2;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z2 * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
}

/// True when `x` is positive, normal and finite (NaN gives false).
#[inline(always)]
fn normal_positive(x: f64) -> bool {
    (f64::MIN_POSITIVE..=f64::MAX).contains(&x)
}

/// KL(p‖m) + KL(q‖m) of `p / sp` and `q / sq`, m their midpoint, entries
/// unchecked (scipy's `rel_entr` rules), on the process's SIMD path.
pub(crate) fn js_sum(p: &[f64], q: &[f64], sp: f64, sq: f64) -> f64 {
    js_sum_on(tradewarden_core::simd::arch(), p, q, sp, sq)
}

/// [`js_sum`] on `arch`.
pub(crate) fn js_sum_on(arch: Arch, p: &[f64], q: &[f64], sp: f64, sq: f64) -> f64 {
    arch.dispatch(JsOp { p, q, sp, sq })
}

/// The scalar definition of [`js_sum`] on `p`, `q` (also the fallback of
/// blocks with a lane the vectorised logarithm cannot take).
fn js_scalar(p: &[f64], q: &[f64], sp: f64, sq: f64) -> (f64, f64) {
    let (mut left, mut right) = (0.0, 0.0);
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    (left, right)
}

/// One entry of the vectorised Jensen–Shannon sum: the two terms
/// `a·ln(a/m)`, `b·ln(b/m)` of `a = p/sp`, `b = q/sq`, `m = (a + b)/2`, and
/// whether the entry is *simple*: each side either positive with its ratio
/// in the logarithm's range, or 0 against `m ≥ 0` (term 0). The terms of an
/// entry that is not simple (a negative, NaN or infinite entry, a subnormal
/// ratio) are 0 here; the caller adds its scalar definition. Branch-free,
/// so that the compiler vectorises a loop of it; `rm = 1/m` saves a division
/// (a ratio may differ from `a/m` by an ulp: `a = b` gives a ratio ≤ 1, a
/// term ≤ 0, and the clamp of the callers keeps their 0).
#[inline(always)]
fn js_entry(pv: f64, qv: f64, sp: f64, sq: f64) -> (f64, f64, bool) {
    let (a, b) = (pv / sp, qv / sq);
    let m = (a + b) / 2.0;
    let rm = 1.0 / m;
    let (xa, xb) = (a * rm, b * rm);
    let ok_a = normal_positive(xa) & normal_positive(a);
    let ok_b = normal_positive(xb) & normal_positive(b);
    let simple = (ok_a | ((a == 0.0) & (m >= 0.0))) & (ok_b | ((b == 0.0) & (m >= 0.0)));
    let la = ln_one(if ok_a { xa } else { 1.0 });
    let lb = ln_one(if ok_b { xb } else { 1.0 });
    let ta = if ok_a & simple { a * la } else { 0.0 };
    let tb = if ok_b & simple { b * lb } else { 0.0 };
    (ta, tb, simple)
}

struct JsOp<'a> {
    p: &'a [f64],
    q: &'a [f64],
    sp: f64,
    sq: f64,
}

impl pulp::WithSimd for JsOp<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        let JsOp { p, q, sp, sq } = self;
        let n = p.len().min(q.len());
        let full = n - n % LANES;
        let (pv, qv) = (&p[..full], &q[..full]);
        let mut left = [0.0; LANES];
        let mut right = [0.0; LANES];
        let mut odd = [0.0; LANES];
        for (pb, qb) in pv.chunks_exact(LANES).zip(qv.chunks_exact(LANES)) {
            for i in 0..LANES {
                let (ta, tb, simple) = js_entry(pb[i], qb[i], sp, sq);
                left[i] += ta;
                right[i] += tb;
                odd[i] += if simple { 0.0 } else { 1.0 };
            }
        }
        let (mut left_s, mut right_s) = js_scalar(&p[full..n], &q[full..n], sp, sq);
        if odd.iter().any(|&c| c > 0.0) {
            // the entries that are not simple, by their scalar definition
            // (the same branch-free classification, entry by entry)
            for (&a, &b) in pv.iter().zip(qv) {
                if !js_entry(a, b, sp, sq).2 {
                    let (l, r) = js_scalar(&[a], &[b], sp, sq);
                    left_s += l;
                    right_s += r;
                }
            }
        }
        left.iter().sum::<f64>() + left_s + (right.iter().sum::<f64>() + right_s)
    }
}

/// Σ x in [`LANES`] partial sums (closer to numpy's pairwise sum than one
/// running sum, and not bound by the latency of one addition), on the
/// process's SIMD path.
pub(crate) fn lane_sum(x: &[f64]) -> f64 {
    lane_sum_on(tradewarden_core::simd::arch(), x)
}

/// [`lane_sum`] on `arch`.
pub(crate) fn lane_sum_on(arch: Arch, x: &[f64]) -> f64 {
    arch.dispatch(SumOp { x })
}

struct SumOp<'a> {
    x: &'a [f64],
}

impl pulp::WithSimd for SumOp<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        let mut acc = [0.0; LANES];
        let c = self.x.chunks_exact(LANES);
        let rest = c.remainder();
        for b in c {
            for i in 0..LANES {
                acc[i] += b[i];
            }
        }
        acc.iter().sum::<f64>() + rest.iter().sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;
    use tradewarden_core::simd::{SimdPath, arch_for};

    /// Distance in units in the last place between two finite floats of
    /// the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        let (a, b) = (a.to_bits() as i64, b.to_bits() as i64);
        (a - b).unsigned_abs()
    }

    fn check_ln(values: &[f64]) -> u64 {
        let mut worst = 0;
        for chunk in values.chunks(LANES) {
            let got: Vec<f64> = chunk.iter().map(|&v| ln_one(v)).collect();
            for (i, &v) in chunk.iter().enumerate() {
                let want = v.ln();
                let d = if want == 0.0 || got[i] == 0.0 {
                    // ln(1) = 0 exactly
                    assert_eq!(got[i], want, "ln({v:e})");
                    0
                } else {
                    assert_eq!(got[i].signum(), want.signum(), "ln({v:e}) sign");
                    ulps(got[i], want)
                };
                assert!(d <= 1, "ln({v:e}) = {} vs libm {want}: {d} ulps", got[i]);
                worst = worst.max(d);
            }
        }
        worst
    }

    #[test]
    fn ln_within_one_ulp_of_libm() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(19);
        // random bit patterns over the whole positive normal range
        let mut v: Vec<f64> = (0..200_000)
            .map(|_| {
                f64::from_bits(rng.random_range(f64::MIN_POSITIVE.to_bits()..=f64::MAX.to_bits()))
            })
            .collect();
        // near 1 (where ln is small and relative accuracy is hardest)
        v.extend((0..100_000).map(|_| 1.0 + rng.random_range(-1e-3..1e-3)));
        v.extend((1..2000).flat_map(|i| {
            let d = i as f64 * f64::EPSILON;
            [1.0 + d, 1.0 - d / 2.0]
        }));
        // probability-like values and ratios in (0, 2)
        v.extend((0..100_000).map(|_| rng.random_range(1e-12..2.0)));
        // powers of two, their neighbours and the reduction boundaries
        for e in -1022..=1023 {
            let p = 2f64.powi(e);
            v.extend([p, f64::from_bits(p.to_bits() + 1)]);
            if e > -1022 {
                v.push(f64::from_bits(p.to_bits() - 1));
            }
        }
        let r = std::f64::consts::FRAC_1_SQRT_2;
        for base in [
            r,
            std::f64::consts::SQRT_2,
            f64::from_bits(0x3fe6_a09e_667f_3bcd),
        ] {
            if base.is_normal() {
                let b = base.to_bits();
                v.extend((0..64).flat_map(|i| [f64::from_bits(b + i), f64::from_bits(b - i)]));
            }
        }
        v.extend([
            f64::MIN_POSITIVE,
            f64::MAX,
            1.0,
            2.0,
            0.5,
            std::f64::consts::E,
        ]);
        let worst = check_ln(&v);
        assert!(worst <= 1);
    }

    /// Relative agreement of the vectorised and the scalar Jensen–Shannon
    /// sum (same category for inf / NaN).
    fn same(got: f64, want: f64, what: &str) {
        if want.is_nan() {
            assert!(got.is_nan(), "{what}: {got} vs NaN");
        } else if want.is_infinite() {
            assert_eq!(got, want, "{what}");
        } else {
            // relative, with an absolute floor: the terms are of the order of the
            // total mass (2), so a sum that cancels to 0 keeps rounding of ~1e-16
            let tol = 1e-12 * want.abs() + 1e-14;
            assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
        }
    }

    #[test]
    fn js_sum_matches_the_scalar_definition_on_every_path() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut cases: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        for n in [1, 7, 8, 9, 63, 64, 65, 1000, 4099] {
            let p: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
            let q: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
            cases.push((p.clone(), q.clone()));
            // zeros in either (empty histogram bins), same vectors
            let pz: Vec<f64> = p.iter().map(|&v| if v < 0.3 { 0.0 } else { v }).collect();
            let qz: Vec<f64> = q.iter().map(|&v| if v > 0.8 { 0.0 } else { v }).collect();
            cases.push((pz.clone(), qz));
            cases.push((pz.clone(), pz));
            // very different magnitudes: ratios near 0 and 2, subnormal ratios
            let tiny: Vec<f64> = q.iter().map(|&v| v * 1e-300).collect();
            let mut mixed = p.clone();
            if n > 3 {
                mixed[n / 2] = 1e300;
                mixed[1] = 5e-324;
            }
            cases.push((p.clone(), tiny));
            cases.push((mixed, q.clone()));
            // scipy's unchecked entries: negative, inf, NaN
            for bad in [-0.5, f64::INFINITY, f64::NAN] {
                let mut pb = p.clone();
                pb[n / 3] = bad;
                cases.push((pb, q.clone()));
            }
        }
        for (k, (p, q)) in cases.iter().enumerate() {
            // eight lanes on every path and no fused multiply-add: the same
            // bits whatever the instruction set
            let sp: f64 = p.iter().sum();
            let sq: f64 = q.iter().sum();
            let first = js_sum_on(arch_for(SimdPath::Scalar), p, q, sp, sq);
            for path in SimdPath::ALL {
                let got = js_sum_on(arch_for(path), p, q, sp, sq);
                assert!(
                    got.to_bits() == first.to_bits() || (got.is_nan() && first.is_nan()),
                    "{path:?} case {k}: {got} vs scalar path {first}"
                );
            }
        }
        for path in SimdPath::ALL {
            let arch = arch_for(path);
            for (k, (p, q)) in cases.iter().enumerate() {
                let sp: f64 = p.iter().sum();
                let sq: f64 = q.iter().sum();
                let (l, r) = js_scalar(p, q, sp, sq);
                let want = l + r;
                let got = js_sum_on(arch, p, q, sp, sq);
                same(got, want, &format!("{path:?} case {k} (n = {})", p.len()));
            }
        }
    }

    #[test]
    fn identical_inputs_give_zero_on_every_path() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let p: Vec<f64> = (0..1001).map(|_| rng.random::<f64>()).collect();
        let scaled: Vec<f64> = p.iter().map(|v| v * 3.0).collect();
        for path in SimdPath::ALL {
            let arch = arch_for(path);
            let sp = lane_sum_on(arch, &p);
            assert!(js_sum_on(arch, &p, &p, sp, sp) <= 0.0, "{path:?}");
        }
        assert_eq!(crate::distance::jensenshannon(&p, &p, None).unwrap(), 0.0);
        assert_eq!(
            crate::distance::jensenshannon(&p, &scaled, None).unwrap(),
            0.0
        );
        assert_eq!(
            crate::compat::jensenshannon_rows(&p, &p, p.len(), Some(2.0)).unwrap(),
            vec![0.0]
        );
    }

    #[test]
    fn lane_sum_matches_on_every_path() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for n in [0, 1, 7, 8, 9, 100, 10_001] {
            let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
            let want: f64 = x.iter().sum();
            for path in SimdPath::ALL {
                let got = lane_sum_on(arch_for(path), &x);
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "{path:?} n = {n}"
                );
            }
        }
        for path in SimdPath::ALL {
            let arch = arch_for(path);
            assert!(lane_sum_on(arch, &[1.0, f64::NAN, 2.0]).is_nan());
            assert_eq!(lane_sum_on(arch, &[1.0; 9]), 9.0);
            assert_eq!(
                lane_sum_on(
                    arch,
                    &[f64::INFINITY, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0]
                ),
                f64::INFINITY
            );
        }
    }
}
