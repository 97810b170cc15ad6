//! Sample preparation: NaN policy and sorting (sort once, derive everything
//! from the sorted data).

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
    sort_f64(&mut v);
    Ok(Some(v))
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

#[inline]
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

#[inline]
fn unkey(k: u64) -> f64 {
    let b = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
    f64::from_bits(b)
}

/// Sorts finite `f64` values ascending. Large inputs use an LSD radix sort on
/// the order-preserving bit pattern (6 passes of 11 bits, skipping passes
/// where every key shares the digit); small ones a comparison sort.
pub fn sort_f64(v: &mut [f64]) {
    const BITS: usize = 11;
    const RADIX: usize = 1 << BITS;
    const PASSES: usize = 6;
    let n = v.len();
    if n < 4096 {
        v.sort_unstable_by(f64::total_cmp);
        return;
    }
    let mut a: Vec<u64> = v.iter().map(|&x| key(x)).collect();
    let mut b = vec![0u64; n];
    let mut counts = vec![[0usize; RADIX]; PASSES];
    for &k in &a {
        for (p, c) in counts.iter_mut().enumerate() {
            c[((k >> (BITS * p)) as usize) & (RADIX - 1)] += 1;
        }
    }
    for (p, c) in counts.iter_mut().enumerate() {
        if c.contains(&n) {
            continue; // all keys share this digit
        }
        let mut sum = 0;
        for x in c.iter_mut() {
            let t = *x;
            *x = sum;
            sum += t;
        }
        for &k in &a {
            let d = ((k >> (BITS * p)) as usize) & (RADIX - 1);
            b[c[d]] = k;
            c[d] += 1;
        }
        std::mem::swap(&mut a, &mut b);
    }
    for (o, &k) in v.iter_mut().zip(&a) {
        *o = unkey(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sort_matches_comparison_sort() {
        let mut s: u64 = 12345;
        let mut v: Vec<f64> = (0..20000)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                if i % 7 == 0 {
                    (u * 10.0).round() - 5.0
                } else {
                    (u - 0.5) * 1e6
                }
            })
            .collect();
        v.push(0.0);
        v.push(-1e-300);
        let mut w = v.clone();
        sort_f64(&mut v);
        w.sort_unstable_by(f64::total_cmp);
        assert_eq!(v, w);
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
