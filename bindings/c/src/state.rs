//! Score states (`tradewarden_drift::state::ScoreState`): the mergeable
//! per-partition summary of current data against a frozen reference profile,
//! behind an opaque `tw_score_state`. Compute one per partition, merge them,
//! move them as bytes (the checksummed `TWSS` format), and report from the
//! merged state with `tw_report_compute_states` (same `tw_report` as
//! `tw_report_compute`, equal to it on all the rows bit for bit).

use std::ffi::c_char;

use tradewarden_drift::state::{CellGrid, ScoreState};

use crate::drift::{profile_ref, tw_profile};
use crate::handle::{self, Tagged, handle};
use crate::report::feature_arrays;
use crate::{
    Failure, TW_ERR_BUFFER_TOO_SMALL, TW_ERR_INVALID_INPUT, guard, non_null, null, tw_status,
    write_out,
};

/// The score state of current data against one reference profile (counts of
/// current values in the reference's cells and bins, row and NaN counts):
/// its size depends on the reference, not on the rows. Functions taking a
/// `const tw_score_state *` may be called from several threads at once.
/// Free it with `tw_score_state_free`.
#[derive(Debug)]
pub struct tw_score_state(Tagged<ScoreState>);
handle!(tw_score_state, ScoreState, b"twSCORST");

/// The state behind `s`, named `param` in errors (NULL, not a live state).
///
/// # Safety
/// `s` must be NULL or a score state of this library.
pub(crate) unsafe fn state_ref<'a>(
    s: *const tw_score_state,
    param: &str,
) -> Result<&'a ScoreState, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(s, param) }
}

/// The cell grid of a `cells` argument: 0 exact, K > 0 bounded.
fn grid_of(cells: usize) -> CellGrid {
    if cells == 0 {
        CellGrid::Exact
    } else {
        CellGrid::Bounded { cells }
    }
}

/// The score state of one partition of `n_features` numeric current features
/// against `reference` (same arguments as `tw_report_compute`: feature
/// `features[i]` has the `lens[i]` values `values[i]`; a partition may have
/// 0 rows). `cells` 0: exact state (every distinct reference value delimits
/// a cell; `tw_report_compute_states` of the merged states equals
/// `tw_report_compute` on all rows bit for bit); `cells` K > 0: bounded
/// state of K grid points (KS known within 1/K; no report). A name missing
/// from the profile is `TW_ERR_NOT_FOUND`; `n_features` above
/// `TW_MAX_REPORT_FEATURES`, a length whose byte size overflows, a duplicate
/// name, NaN under the profile's error policy, a reference fitted without
/// its stored values or with Sturges bins, or `cells` above 2^24
/// `TW_ERR_INVALID_INPUT`. Free the state with `tw_score_state_free`.
///
/// # Safety
/// `reference` must be a live profile; `features`, `values` and `lens` valid
/// for `n_features` reads each, every `features[i]` a NUL-terminated string
/// and every `values[i]` valid for `lens[i]` reads; `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_score_state_compute(
    reference: *const tw_profile,
    features: *const *const c_char,
    values: *const *const f64,
    lens: *const usize,
    n_features: usize,
    cells: usize,
    out: *mut *mut tw_score_state,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(reference, "reference")? };
        // SAFETY: forwarded caller contract.
        let data = unsafe { feature_arrays(features, values, lens, n_features)? };
        non_null(out, "out")?;
        let inner = ScoreState::build(p, &data, grid_of(cells))?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_score_state>(out, inner) }
    })
}

/// Merges `other` into `into` (counts add; exactly associative and
/// commutative). States of different profiles, grids or feature sets, or a
/// count overflow, are `TW_ERR_INVALID_INPUT`; `into` is unchanged on error.
/// `other` may be freed afterwards.
///
/// # Safety
/// `into` and `other` must be live score states, not the same one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_score_state_merge(
    into: *mut tw_score_state,
    other: *const tw_score_state,
) -> tw_status {
    guard(|| {
        if other.is_null() {
            return Err(null("other"));
        }
        if std::ptr::eq(into.cast_const(), other) {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                "other is into: merge a state with itself through a copy (tw_score_state_to_bytes + _from_bytes)".into(),
            ));
        }
        // SAFETY: forwarded caller contract.
        let o = unsafe { state_ref(other, "other")? };
        // SAFETY: forwarded caller contract; a distinct handle from `other`.
        let s = unsafe { handle::live_mut(into, "into")? };
        s.merge(o)?;
        Ok(())
    })
}

/// Writes the size in bytes of `state`'s serialised form
/// (`tw_score_state_to_bytes`) to `out`.
///
/// # Safety
/// `state` must be a live score state, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_score_state_bytes_length(
    state: *const tw_score_state,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { state_ref(state, "state")? };
        non_null(out, "out")?;
        let n = s.to_bytes().len();
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", n) }
    })
}

/// Serialises `state` (the checksummed `TWSS` binary format, the same bytes
/// as Python's `ScoreState.to_bytes`) into `buf` of `len` bytes and writes
/// the size to `written`. `TW_ERR_BUFFER_TOO_SMALL` when it does not fit
/// (nothing written; see `tw_score_state_bytes_length`).
///
/// # Safety
/// `state` must be a live score state, `buf` valid for `len` writes,
/// `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_score_state_to_bytes(
    state: *const tw_score_state,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { state_ref(state, "state")? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let bytes = s.to_bytes();
        if bytes.len() > len {
            return Err(Failure(
                TW_ERR_BUFFER_TOO_SMALL,
                format!("len = {len}: the score state needs {} bytes", bytes.len()),
            ));
        }
        // SAFETY: buf valid for len ≥ bytes.len() writes (caller's contract).
        let dst = unsafe { handle::slice_out(buf, bytes.len(), "buf")? };
        handle::copy_into(dst, &bytes);
        // SAFETY: forwarded caller contract.
        unsafe { write_out(written, "written", bytes.len()) }
    })
}

/// Parses a score state from the `len` bytes at `bytes` (written by
/// `tw_score_state_to_bytes` or Python's `ScoreState.to_bytes`), validated
/// before use: a truncated buffer, bad magic, unknown version, bad checksum
/// or inconsistent content is `TW_ERR_CORRUPT` (the message names the
/// field). Free the state with `tw_score_state_free`.
///
/// # Safety
/// `bytes` must be valid for `len` reads, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_score_state_from_bytes(
    bytes: *const u8,
    len: usize,
    out: *mut *mut tw_score_state,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract; slice_in checks NULL and the length.
        let b = unsafe { handle::slice_in(bytes, len, "bytes")? };
        non_null(out, "out")?;
        let inner = ScoreState::from_bytes(b)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_score_state>(out, inner) }
    })
}

/// Frees a score state; NULL is a no-op.
///
/// # Safety
/// `state` must be NULL or a state from `tw_score_state_compute` /
/// `tw_score_state_from_bytes` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_score_state_free(state: *mut tw_score_state) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(state, "state") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::drift::{tw_profile_fit, tw_profile_free, tw_profile_new};
    use crate::report::{tw_report, tw_report_compute, tw_report_compute_states, tw_report_free};
    use crate::{TW_ERR_CORRUPT, TW_OK};
    use std::ptr::{null, null_mut};
    use tradewarden_drift::report::DriftReport;

    unsafe fn state_of(p: *const tw_profile, v: &[f64], cells: usize) -> *mut tw_score_state {
        let (names, values, lens) = ([c"x".as_ptr()], [v.as_ptr()], [v.len()]);
        let mut s = null_mut();
        let st = unsafe {
            tw_score_state_compute(
                p,
                names.as_ptr(),
                values.as_ptr(),
                lens.as_ptr(),
                1,
                cells,
                &mut s,
            )
        };
        assert_eq!(st, TW_OK);
        s
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "600 + 450 values through exact KS: minutes interpreted; tests_hardening::score_state_* cover the unsafe paths"
    )]
    fn merged_partitions_report_like_all_rows_and_bytes_round_trip() {
        let reference: Vec<f64> = (0..600).map(|i| (f64::from(i) * 0.37).sin()).collect();
        let current: Vec<f64> = (0..450)
            .map(|i| (f64::from(i) * 0.11).cos() * 1.2 + 0.1)
            .collect();
        let mut p = null_mut();
        unsafe {
            assert_eq!(tw_profile_new(&mut p), TW_OK);
            let st = tw_profile_fit(
                p,
                c"x".as_ptr(),
                reference.as_ptr(),
                reference.len(),
                null(),
            );
            assert_eq!(st, TW_OK);
            let a = state_of(p, &current[..200], 0);
            let b = state_of(p, &current[200..], 0);
            let mut n = 0;
            assert_eq!(tw_score_state_bytes_length(b, &mut n), TW_OK);
            let mut buf = vec![0u8; n];
            let mut w = 0;
            assert_eq!(
                tw_score_state_to_bytes(b, buf.as_mut_ptr(), n, &mut w),
                TW_OK
            );
            assert_eq!(w, n);
            let mut b2 = null_mut();
            assert_eq!(tw_score_state_from_bytes(buf.as_ptr(), n, &mut b2), TW_OK);
            assert_eq!(tw_score_state_merge(a, b2), TW_OK);
            let mut rs: *mut tw_report = null_mut();
            assert_eq!(tw_report_compute_states(p, a, null(), &mut rs), TW_OK);
            let (names, values, lens) = ([c"x".as_ptr()], [current.as_ptr()], [current.len()]);
            let mut r: *mut tw_report = null_mut();
            let st = tw_report_compute(
                p,
                names.as_ptr(),
                values.as_ptr(),
                lens.as_ptr(),
                1,
                null(),
                &mut r,
            );
            assert_eq!(st, TW_OK);
            let got: &DriftReport = handle::live(rs, "rs").ok().unwrap();
            let want: &DriftReport = handle::live(r, "r").ok().unwrap();
            assert_eq!(got.to_json().unwrap(), want.to_json().unwrap());
            buf[n / 2] ^= 0x04;
            let mut bad = null_mut();
            assert_eq!(
                tw_score_state_from_bytes(buf.as_ptr(), n, &mut bad),
                TW_ERR_CORRUPT
            );
            assert!(bad.is_null());
            tw_report_free(r);
            tw_report_free(rs);
            tw_score_state_free(a);
            tw_score_state_free(b);
            tw_score_state_free(b2);
            tw_profile_free(p);
        }
    }
}
