//! Parallel work whose answer does not depend on the thread schedule.
//!
//! rayon's `collect::<Result<Vec<_>, _>>()` stops at whichever error a
//! thread meets first, so one call with two bad inputs (an unknown feature
//! and a NaN value in another) could answer `NotFound` and the next call
//! `InvalidInput` — found by the `capi` fuzz target, which compares two
//! entry points on the same input. [`CollectOrdered::collect_ordered`]
//! collects every result in input order and returns the **first error by
//! index**, as the sequential loop would: the same error, kind and message,
//! on every run, thread count and door. Failing inputs no longer stop the
//! other items early; that costs only on the error path.
//!
//! ```
//! use rayon::prelude::*;
//! use tradewarden_core::par::CollectOrdered;
//! let r: Result<Vec<u32>, String> = (0..1000u32)
//!     .into_par_iter()
//!     .map(|i| if i % 100 == 99 { Err(format!("item {i}")) } else { Ok(i) })
//!     .collect_ordered();
//! assert_eq!(r, Err("item 99".to_string()));
//! ```

use rayon::iter::IndexedParallelIterator;

/// [`collect_ordered`](CollectOrdered::collect_ordered) for every indexed
/// parallel iterator of `Result`s.
pub trait CollectOrdered<T, E> {
    /// Every item in input order, or the error of the lowest index.
    ///
    /// # Errors
    /// The first error by index.
    fn collect_ordered(self) -> Result<Vec<T>, E>;
}

impl<I, T, E> CollectOrdered<T, E> for I
where
    I: IndexedParallelIterator<Item = Result<T, E>>,
    T: Send,
    E: Send,
{
    fn collect_ordered(self) -> Result<Vec<T>, E> {
        let all: Vec<Result<T, E>> = self.collect();
        all.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::CollectOrdered;
    use rayon::prelude::*;

    /// Many errors, many threads, many runs: always the lowest index.
    #[test]
    fn the_first_error_by_index_whatever_the_schedule() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for _ in 0..200 {
            let r: Result<Vec<usize>, usize> = pool.install(|| {
                (0..256usize)
                    .into_par_iter()
                    .map(|i| if i >= 17 && i % 3 == 2 { Err(i) } else { Ok(i) })
                    .collect_ordered()
            });
            assert_eq!(r, Err(17));
        }
        let ok: Result<Vec<usize>, usize> = (0..64usize).into_par_iter().map(Ok).collect_ordered();
        assert_eq!(ok.unwrap(), (0..64).collect::<Vec<_>>());
    }
}
