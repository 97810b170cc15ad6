//! Sample preparation: NaN policy and sorting (sort once, derive everything
//! from the sorted data).

use std::borrow::Cow;

use tradewarden_core::NanPolicy;

use crate::error::{Error, Result};

/// Applies the NaN policy to `x` and returns the finite values sorted
/// ascending (−0.0 normalised to +0.0). `None` means "a NaN was present under
/// `NanPolicy::Propagate`": the caller returns NaN results.
///
/// Under `NanPolicy::Error` any NaN or ±inf is an error naming `param`;
/// under `Skip` NaN and ±inf are dropped.
pub fn prepare_sorted(
    param: &'static str,
    x: &[f64],
    policy: NanPolicy,
) -> Result<Option<Vec<f64>>> {
    if policy == NanPolicy::Error {
        // check first, then sort straight from the input (no intermediate copy)
        check_finite(param, x)?;
        return Ok(Some(sorted_copy_plus_zero(x)));
    }
    let mut v = Vec::with_capacity(x.len());
    for (i, &value) in x.iter().enumerate() {
        if value.is_finite() {
            v.push(value + 0.0);
        } else {
            match policy {
                NanPolicy::Error => {
                    return Err(Error::NonFinite {
                        param,
                        index: i,
                        value,
                    });
                }
                NanPolicy::Skip => {}
                NanPolicy::Propagate => {
                    if value.is_nan() {
                        return Ok(None);
                    }
                    return Err(Error::NonFinite {
                        param,
                        index: i,
                        value,
                    });
                }
            }
        }
    }
    Ok(Some(sorted_vec(v)))
}

/// Applies the NaN policy to `x` like [`prepare_sorted`] but does not sort:
/// the finite values in input order, borrowed when nothing was dropped.
/// −0.0 is **not** normalised here (callers that need +0.0 add `0.0`).
/// `None` means "a NaN was present under `NanPolicy::Propagate`".
pub fn prepare_finite<'a>(
    param: &'static str,
    x: &'a [f64],
    policy: NanPolicy,
) -> Result<Option<Cow<'a, [f64]>>> {
    let Some(first) = x.iter().position(|v| !v.is_finite()) else {
        return Ok(Some(Cow::Borrowed(x)));
    };
    let reject = |index: usize| Error::NonFinite {
        param,
        index,
        value: x[index],
    };
    match policy {
        NanPolicy::Error => Err(reject(first)),
        NanPolicy::Propagate => {
            // the first non-finite value decides, as in `prepare_sorted`
            if x[first].is_nan() {
                Ok(None)
            } else {
                Err(reject(first))
            }
        }
        NanPolicy::Skip => Ok(Some(Cow::Owned(
            x.iter().copied().filter(|v| v.is_finite()).collect(),
        ))),
    }
}

/// Checks that `x` holds only finite values (the `NanPolicy::Error` rule).
pub fn check_finite(param: &'static str, x: &[f64]) -> Result<()> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            param,
            index,
            value: x[index],
        }),
        None => Ok(()),
    }
}

/// Below this length a slice is insertion-sorted.
const SMALL: usize = 24;
/// Below this length (or past the recursion limit) the standard unstable sort is used.
const BUCKET_MIN: usize = 2048;

fn insertion_sort(s: &mut [f64]) {
    for j in 1..s.len() {
        let x = s[j];
        let mut k = j;
        while k > 0 && s[k - 1].total_cmp(&x).is_gt() {
            s[k] = s[k - 1];
            k -= 1;
        }
        s[k] = x;
    }
}

/// Scatters the finite values of `src` into `dst` by equal-width value
/// buckets over [min, max] (n/2 buckets, about 2 values each for smooth
/// data) and sorts each bucket: insertion sort when small, recursion (twice
/// at most) when large, then the standard sort. The bucket index
/// ⌊(x − min)·scale⌋ is monotone in x under IEEE rounding, so the buckets
/// are ordered. Returns `false` (nothing written) when the range is empty
/// or not representable; the caller then uses the standard sort.
fn bucket_sort_into(src: &[f64], dst: &mut [f64], depth: u32, plus_zero: bool) -> bool {
    let n = src.len();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in src {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if u32::try_from(n).is_err() {
        return false;
    }
    let nb = n / 2;
    let scale = nb as f64 / (hi - lo);
    if !(scale.is_finite() && scale > 0.0) {
        return false;
    }
    let idx = |x: f64| -> usize { (((x - lo) * scale) as usize).min(nb - 1) };
    let mut start = vec![0u32; nb + 1];
    for &x in src {
        start[idx(x) + 1] += 1;
    }
    for i in 0..nb {
        start[i + 1] += start[i];
    }
    // scatter, advancing each bucket's cursor: afterwards start[b] is the
    // end of bucket b (one offsets array instead of two)
    for &x in src {
        let b = idx(x);
        // `x + 0.0` turns −0.0 into +0.0 (same bucket either way)
        dst[start[b] as usize] = if plus_zero { x + 0.0 } else { x };
        start[b] += 1;
    }
    let mut begin = 0usize;
    for &end in &start[..nb] {
        let end = end as usize;
        sort_small_or_recurse(&mut dst[begin..end], depth + 1);
        begin = end;
    }
    true
}

fn sort_small_or_recurse(s: &mut [f64], depth: u32) {
    if s.len() <= SMALL {
        insertion_sort(s);
    } else if s.len() < BUCKET_MIN || depth >= 3 {
        s.sort_unstable_by(f64::total_cmp);
    } else {
        let mut tmp = vec![0.0; s.len()];
        if bucket_sort_into(s, &mut tmp, depth, false) {
            s.copy_from_slice(&tmp);
        } else {
            s.sort_unstable_by(f64::total_cmp);
        }
    }
}

/// A sorted copy of finite values, scattered straight from `x` (no
/// intermediate copy: one extra buffer of n values at the peak).
pub(crate) fn sorted_copy(x: &[f64]) -> Vec<f64> {
    sorted_copy_impl(x, false)
}

/// [`sorted_copy`] with −0.0 normalised to +0.0.
pub(crate) fn sorted_copy_plus_zero(x: &[f64]) -> Vec<f64> {
    sorted_copy_impl(x, true)
}

fn sorted_copy_impl(x: &[f64], plus_zero: bool) -> Vec<f64> {
    if x.len() >= BUCKET_MIN {
        let mut out = vec![0.0; x.len()];
        if bucket_sort_into(x, &mut out, 0, plus_zero) {
            return out;
        }
    }
    let mut v: Vec<f64> = if plus_zero {
        x.iter().map(|v| v + 0.0).collect()
    } else {
        x.to_vec()
    };
    sort_small_or_recurse(&mut v, 0);
    v
}

/// Sorts finite values, consuming the vector (saves the copy back).
pub(crate) fn sorted_vec(v: Vec<f64>) -> Vec<f64> {
    if v.len() < BUCKET_MIN {
        let mut v = v;
        sort_small_or_recurse(&mut v, 0);
        return v;
    }
    let mut out = vec![0.0; v.len()];
    if bucket_sort_into(&v, &mut out, 0, false) {
        out
    } else {
        let mut v = v;
        v.sort_unstable_by(f64::total_cmp);
        v
    }
}

/// Sorts finite `f64` values ascending (in `f64::total_cmp` order). Large
/// inputs are distributed into equal-width value buckets (n/2 of them) and
/// each bucket is sorted (insertion sort when small, recursively when
/// large, the standard unstable sort as the fallback for skewed data), so
/// smooth data costs about three linear passes; small inputs use the
/// standard sort. NaN is not expected (no panic, but no order guarantee).
pub fn sort_f64(v: &mut [f64]) {
    sort_small_or_recurse(v, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg_uniform(n: usize, seed: u64) -> Vec<f64> {
        let mut s: u64 = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn bucket_sort_matches_comparison_sort() {
        let u = lcg_uniform(50_000, 12345);
        let cases: Vec<Vec<f64>> = vec![
            // smooth with ties and signed zeros
            u.iter()
                .enumerate()
                .map(|(i, &x)| {
                    if i % 7 == 0 {
                        (x * 10.0).round() - 5.0
                    } else if i % 101 == 0 {
                        -0.0
                    } else {
                        (x - 0.5) * 1e6
                    }
                })
                .collect(),
            // heavy tail: most values in one bucket, forces recursion and fallback
            u.iter().map(|&x| 1.0 / (x + 1e-12).powi(3)).collect(),
            // one huge outlier
            u.iter()
                .enumerate()
                .map(|(i, &x)| if i == 3 { 1e300 } else { x })
                .collect(),
            // range not representable (hi − lo overflows)
            u.iter()
                .enumerate()
                .map(|(i, &x)| match i {
                    0 => -f64::MAX,
                    1 => f64::MAX,
                    _ => x,
                })
                .collect(),
            // all equal, and two values only
            vec![2.5; 10_000],
            u.iter()
                .map(|&x| if x < 0.5 { 0.0 } else { -0.0 })
                .collect(),
            u[..5000]
                .iter()
                .map(|&x| if x < 0.5 { 1.0 } else { 2.0 })
                .collect(),
            // subnormals
            u.iter().map(|&x| x * 1e-310).collect(),
        ];
        for (c, v) in cases.into_iter().enumerate() {
            let mut want = v.clone();
            want.sort_unstable_by(f64::total_cmp);
            let mut got = v.clone();
            sort_f64(&mut got);
            let bits = |s: &[f64]| s.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "case {c}");
            assert_eq!(bits(&sorted_copy(&v)), bits(&want), "case {c} (copy)");
            let plus: Vec<f64> = want.iter().map(|x| x + 0.0).collect();
            assert_eq!(
                bits(&sorted_copy_plus_zero(&v)),
                bits(&plus),
                "case {c} (+0)"
            );
            assert_eq!(bits(&sorted_vec(v)), bits(&want), "case {c} (vec)");
        }
    }

    #[test]
    fn policies() {
        let x = [1.0, f64::NAN, 0.5];
        assert!(matches!(
            prepare_sorted("x", &x, NanPolicy::Error),
            Err(Error::NonFinite {
                param: "x",
                index: 1,
                ..
            })
        ));
        assert_eq!(
            prepare_sorted("x", &x, NanPolicy::Skip).unwrap(),
            Some(vec![0.5, 1.0])
        );
        assert_eq!(prepare_sorted("x", &x, NanPolicy::Propagate).unwrap(), None);
        assert!(prepare_sorted("x", &[f64::INFINITY], NanPolicy::Error).is_err());
        assert_eq!(
            prepare_sorted("x", &[-0.0], NanPolicy::Error)
                .unwrap()
                .unwrap()[0]
                .to_bits(),
            0
        );
    }
}
