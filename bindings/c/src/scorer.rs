//! The compact state scorer (`tradewarden_drift::state::StateScorer`) behind
//! an opaque `tw_state_scorer`, and the KS intervals of bounded score states:
//! a reference profile prepared for scoring partitions, whose saved form (the
//! `TWSC` file: the profile **without its stored reference**, its checksum
//! and each numeric feature's cell grid — kilobytes for a bounded grid) is all
//! a process that scores partitions or reads a merged state's intervals
//! needs. The same file and bytes as Python's `StateScorer.save` / `to_bytes`.

use std::ffi::c_char;
use std::path::Path;

use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::state::{CellGrid, KsBounds, ScoreState, StateScorer};

use crate::drift::{profile_ref, tw_profile};
use crate::handle::{self, Tagged, handle};
use crate::report::feature_arrays;
use crate::state::{state_ref, tw_score_state};
use crate::{Failure, TW_ERR_NOT_FOUND, guard, non_null, req_str, tw_status, write_out};

/// A reference profile prepared for scoring partitions into score states
/// (checksum and cell grids computed once). Functions taking a
/// `const tw_state_scorer *` may be called from several threads at once.
/// Free it with `tw_state_scorer_free`.
#[derive(Debug)]
pub struct tw_state_scorer(Tagged<StateScorer>);
handle!(tw_state_scorer, StateScorer, b"twSCORER");

/// The KS interval (and exact PSI / Jensen–Shannon) of one numeric feature of
/// a score state, as `tw_state_scorer_ks_bounds` and
/// `tw_score_state_ks_bounds` write it: `statistic_lo` ≤ KS ≤
/// `statistic_hi`, at most 1/K wide for a bounded state of K cells.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_ks_bounds {
    /// Lower bound of the KS statistic.
    pub statistic_lo: f64,
    /// Upper bound of the KS statistic.
    pub statistic_hi: f64,
    /// p-value at `statistic_hi` (the smaller one).
    pub pvalue_lo: f64,
    /// p-value at `statistic_lo` (the larger one).
    pub pvalue_hi: f64,
    /// PSI (natural log) over the profile's bins (exact).
    pub psi: f64,
    /// Jensen–Shannon distance (natural log, exact); NaN when not defined.
    pub jensenshannon: f64,
    /// Reference size.
    pub n_reference: u64,
    /// Current rows.
    pub n_current: u64,
}

fn bounds_of(all: Vec<KsBounds>, feature: &str) -> Result<tw_ks_bounds, Failure> {
    let b = all.into_iter().find(|b| b.name == feature).ok_or_else(|| {
        Failure(
            TW_ERR_NOT_FOUND,
            format!("feature {feature:?}: not a numeric feature of the state"),
        )
    })?;
    Ok(tw_ks_bounds {
        statistic_lo: b.statistic_lo,
        statistic_hi: b.statistic_hi,
        pvalue_lo: b.pvalue_lo,
        pvalue_hi: b.pvalue_hi,
        psi: b.psi,
        jensenshannon: b.jensenshannon.unwrap_or(f64::NAN),
        n_reference: b.n_reference,
        n_current: b.n_current,
    })
}

/// The scorer behind `s`, named `param` in errors.
///
/// # Safety
/// `s` must be NULL or a scorer of this library.
unsafe fn scorer_ref<'a>(
    s: *const tw_state_scorer,
    param: &str,
) -> Result<&'a StateScorer, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(s, param) }
}

/// Prepares `reference` (fitted with its stored values, the default) for
/// scoring partitions: `cells` 0 the exact grid, K > 0 a bounded grid of K
/// points. `cells` above 2^24 is `TW_ERR_INVALID_INPUT`. Free the scorer
/// with `tw_state_scorer_free`.
///
/// # Safety
/// `reference` must be a live profile, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_state_scorer_new(
    reference: *const tw_profile,
    cells: usize,
    out: *mut *mut tw_state_scorer,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(reference, "reference")? };
        non_null(out, "out")?;
        let grid = if cells == 0 {
            CellGrid::Exact
        } else {
            CellGrid::Bounded { cells }
        };
        let inner = StateScorer::new(p.clone(), grid)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_state_scorer>(out, inner) }
    })
}

/// Writes the scorer's compact form (`TWSC`) to `path` atomically (temp
/// file, fsync, rename). I/O errors are `TW_ERR_IO`.
///
/// # Safety
/// `scorer` must be a live scorer, `path` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_state_scorer_save(
    scorer: *const tw_state_scorer,
    path: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { scorer_ref(scorer, "scorer")? };
        // SAFETY: forwarded caller contract.
        let path = unsafe { req_str(path, "path")? };
        s.save(Path::new(path))?;
        Ok(())
    })
}

/// Loads a scorer written by `tw_state_scorer_save` (or Python's
/// `StateScorer.save`), validated: a missing file is `TW_ERR_IO`, a damaged
/// or foreign one `TW_ERR_CORRUPT`. Free it with `tw_state_scorer_free`.
///
/// # Safety
/// `path` must be a NUL-terminated string, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_state_scorer_load(
    path: *const c_char,
    out: *mut *mut tw_state_scorer,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let path = unsafe { req_str(path, "path")? };
        non_null(out, "out")?;
        let inner = StateScorer::load(Path::new(path))?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_state_scorer>(out, inner) }
    })
}

/// The score state of one partition (arguments as `tw_score_state_compute`,
/// the grid the scorer's): equal to `tw_score_state_compute` with the
/// scorer's profile and cells, bit for bit. Free it with
/// `tw_score_state_free`.
///
/// # Safety
/// `scorer` must be a live scorer; `features`, `values` and `lens` valid for
/// `n_features` reads each, every `features[i]` a NUL-terminated string and
/// every `values[i]` valid for `lens[i]` reads; `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_state_scorer_state(
    scorer: *const tw_state_scorer,
    features: *const *const c_char,
    values: *const *const f64,
    lens: *const usize,
    n_features: usize,
    out: *mut *mut tw_score_state,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { scorer_ref(scorer, "scorer")? };
        // SAFETY: forwarded caller contract.
        let data = unsafe { feature_arrays(features, values, lens, n_features)? };
        non_null(out, "out")?;
        let inner: ScoreState = s.state(&data)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_score_state>(out, inner) }
    })
}

/// The KS interval, PSI and Jensen–Shannon distance of numeric `feature` of
/// a (merged) state built with this scorer — from the scorer's grids and
/// bins, equal bit for bit to `tw_score_state_ks_bounds` against the full
/// profile. A state of another profile or grid is `TW_ERR_INVALID_INPUT`; a
/// feature that is not a numeric feature of the state `TW_ERR_NOT_FOUND`.
///
/// # Safety
/// `scorer` and `state` must be live, `feature` a NUL-terminated string,
/// `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_state_scorer_ks_bounds(
    scorer: *const tw_state_scorer,
    state: *const tw_score_state,
    feature: *const c_char,
    out: *mut tw_ks_bounds,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { scorer_ref(scorer, "scorer")? };
        // SAFETY: forwarded caller contract.
        let st = unsafe { state_ref(state, "state")? };
        // SAFETY: forwarded caller contract.
        let feature = unsafe { req_str(feature, "feature")? };
        non_null(out, "out")?;
        let b = bounds_of(s.ks_bounds(st, PsiMode::default())?, feature)?;
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", b) }
    })
}

/// The KS interval, PSI and Jensen–Shannon distance of numeric `feature` of
/// a (merged) score state against the profile it was built against — the
/// report of a **bounded** state (`tw_report_compute_states` refuses those:
/// their KS is an interval). Errors as `tw_state_scorer_ks_bounds`.
///
/// # Safety
/// `reference` and `state` must be live, `feature` a NUL-terminated string,
/// `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_score_state_ks_bounds(
    reference: *const tw_profile,
    state: *const tw_score_state,
    feature: *const c_char,
    out: *mut tw_ks_bounds,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(reference, "reference")? };
        // SAFETY: forwarded caller contract.
        let st = unsafe { state_ref(state, "state")? };
        // SAFETY: forwarded caller contract.
        let feature = unsafe { req_str(feature, "feature")? };
        non_null(out, "out")?;
        let b = bounds_of(st.ks_bounds(p, PsiMode::default())?, feature)?;
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", b) }
    })
}

/// Frees a scorer; NULL is a no-op.
///
/// # Safety
/// `scorer` must be NULL or a scorer from `tw_state_scorer_new` /
/// `tw_state_scorer_load` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_state_scorer_free(scorer: *mut tw_state_scorer) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(scorer, "scorer") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::ffi::CString;

    use super::*;
    use crate::drift::{tw_profile_fit, tw_profile_free, tw_profile_new};
    use crate::state::{tw_score_state_compute, tw_score_state_free};
    use crate::{TW_ERR_CORRUPT, TW_ERR_INVALID_INPUT, TW_OK};

    fn bits(b: &tw_ks_bounds) -> [u64; 8] {
        [
            b.statistic_lo.to_bits(),
            b.statistic_hi.to_bits(),
            b.pvalue_lo.to_bits(),
            b.pvalue_hi.to_bits(),
            b.psi.to_bits(),
            b.jensenshannon.to_bits(),
            b.n_reference,
            b.n_current,
        ]
    }

    /// A saved scorer loaded back scores like the profile and reads the
    /// intervals of the profile's bounded state, bit for bit; damage and
    /// wrong features are typed statuses.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "rayon fit and grid over 3 000 values: minutes interpreted"
    )]
    fn saved_scorer_gives_the_profiles_intervals() {
        let r: Vec<f64> = (0..3000)
            .map(|i| ((i * 7919) % 3001) as f64 / 300.0)
            .collect();
        let c: Vec<f64> = (0..1200)
            .map(|i| ((i * 104_729) % 1201) as f64 / 100.0)
            .collect();
        let name = CString::new("x").unwrap();
        let names = [name.as_ptr()];
        let mut profile = std::ptr::null_mut();
        // SAFETY: out valid; live profile, valid string and values.
        unsafe {
            assert_eq!(tw_profile_new(&mut profile), TW_OK);
            let st = tw_profile_fit(
                profile,
                name.as_ptr(),
                r.as_ptr(),
                r.len(),
                std::ptr::null(),
            );
            assert_eq!(st, TW_OK);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = CString::new(dir.path().join("r.twsc").to_str().unwrap()).unwrap();
        let mut scorer = std::ptr::null_mut();
        let (vals, lens) = ([c.as_ptr()], [c.len()]);
        // SAFETY: live handles, valid arrays and strings throughout.
        unsafe {
            assert_eq!(tw_state_scorer_new(profile, 64, &mut scorer), TW_OK);
            assert_eq!(tw_state_scorer_save(scorer, path.as_ptr()), TW_OK);
            tw_state_scorer_free(scorer);
            let mut loaded = std::ptr::null_mut();
            assert_eq!(tw_state_scorer_load(path.as_ptr(), &mut loaded), TW_OK);
            let (mut a, mut b) = (std::ptr::null_mut(), std::ptr::null_mut());
            let st = tw_state_scorer_state(
                loaded,
                names.as_ptr(),
                vals.as_ptr(),
                lens.as_ptr(),
                1,
                &mut a,
            );
            assert_eq!(st, TW_OK);
            let st = tw_score_state_compute(
                profile,
                names.as_ptr(),
                vals.as_ptr(),
                lens.as_ptr(),
                1,
                64,
                &mut b,
            );
            assert_eq!(st, TW_OK);
            let mut x = std::mem::zeroed::<tw_ks_bounds>();
            let mut y = std::mem::zeroed::<tw_ks_bounds>();
            assert_eq!(
                tw_state_scorer_ks_bounds(loaded, a, name.as_ptr(), &mut x),
                TW_OK
            );
            assert_eq!(
                tw_score_state_ks_bounds(profile, b, name.as_ptr(), &mut y),
                TW_OK
            );
            assert_eq!(bits(&x), bits(&y));
            assert!(
                x.statistic_lo <= x.statistic_hi && x.statistic_hi - x.statistic_lo <= 1.0 / 64.0
            );
            assert_eq!((x.n_reference, x.n_current), (3000, 1200));
            let other = CString::new("y").unwrap();
            assert_eq!(
                tw_state_scorer_ks_bounds(loaded, a, other.as_ptr(), &mut x),
                TW_ERR_NOT_FOUND
            );
            // an exact state is refused by the bounded scorer
            let mut exact = std::ptr::null_mut();
            let st = tw_score_state_compute(
                profile,
                names.as_ptr(),
                vals.as_ptr(),
                lens.as_ptr(),
                1,
                0,
                &mut exact,
            );
            assert_eq!(st, TW_OK);
            assert_eq!(
                tw_state_scorer_ks_bounds(loaded, exact, name.as_ptr(), &mut x),
                TW_ERR_INVALID_INPUT
            );
            assert_eq!(
                tw_state_scorer_new(profile, (1 << 24) + 1, &mut scorer),
                TW_ERR_INVALID_INPUT
            );
            for s in [a, b, exact] {
                tw_score_state_free(s);
            }
            tw_state_scorer_free(loaded);
            tw_profile_free(profile);
        }
        // a damaged file is refused
        let p = dir.path().join("r.twsc");
        let mut bytes = std::fs::read(&p).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x20;
        std::fs::write(&p, bytes).unwrap();
        let mut s = std::ptr::null_mut();
        // SAFETY: valid path string and out.
        assert_eq!(
            unsafe { tw_state_scorer_load(path.as_ptr(), &mut s) },
            TW_ERR_CORRUPT
        );
    }
}
