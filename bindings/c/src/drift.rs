//! Drift statistics: scipy-exact two-sample KS, Jensen–Shannon distance, and
//! frozen reference profiles (fit, save, load, PSI and KS against them).

use std::ffi::c_char;
use std::path::Path;

use tradewarden_core::NanPolicy;
use tradewarden_drift::distance;
use tradewarden_drift::ks::{Alternative, KsMethod, ks_2samp};
use tradewarden_drift::profile::{
    BinStrategy, FeatureProfile, MAX_BINS, NumericProfile, Profile, ProfileOptions,
};
use tradewarden_drift::psi::{DEFAULT_PSI_EPSILON, PsiMode, psi_of_samples};

use crate::handle::{self, Tagged, handle};
use crate::{
    Failure, TW_ERR_INVALID_INPUT, guard, nan_policy_of, non_null, req_str, series, tw_status,
};

/// Alternative hypothesis of the KS test (one of `TW_ALTERNATIVE_*`).
pub type tw_alternative = u32;
/// The two distributions differ: D = max |F1 − F2|.
pub const TW_ALTERNATIVE_TWO_SIDED: tw_alternative = 0;
/// F1 < F2 somewhere: D = max(F2 − F1).
pub const TW_ALTERNATIVE_LESS: tw_alternative = 1;
/// F1 > F2 somewhere: D = max(F1 − F2).
pub const TW_ALTERNATIVE_GREATER: tw_alternative = 2;

fn alternative_of(code: tw_alternative) -> Result<Alternative, Failure> {
    match code {
        TW_ALTERNATIVE_TWO_SIDED => Ok(Alternative::TwoSided),
        TW_ALTERNATIVE_LESS => Ok(Alternative::Less),
        TW_ALTERNATIVE_GREATER => Ok(Alternative::Greater),
        other => Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid alternative = {other}: expected TW_ALTERNATIVE_TWO_SIDED, _LESS or _GREATER"
            ),
        )),
    }
}

/// Two-sample Kolmogorov–Smirnov test exactly as `scipy.stats.ks_2samp(a, b,
/// alternative, method="auto")`: exact p-value when max(na, nb) ≤ 10000,
/// asymptotic above. NaN or ±inf in either sample is `TW_ERR_INVALID_INPUT`
/// (the message names the sample and index); an empty sample too.
///
/// # Safety
/// `a` must point to `na` doubles, `b` to `nb` doubles, `statistic` and
/// `pvalue` must be valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_drift_ks_2samp(
    a: *const f64,
    na: usize,
    b: *const f64,
    nb: usize,
    alternative: tw_alternative,
    statistic: *mut f64,
    pvalue: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let a = unsafe { series(a, na, "a")? };
        // SAFETY: forwarded caller contract.
        let b = unsafe { series(b, nb, "b")? };
        non_null(statistic, "statistic")?;
        non_null(pvalue, "pvalue")?;
        let alt = alternative_of(alternative)?;
        let r = ks_2samp(a, b, alt, KsMethod::Auto, NanPolicy::Error)?;
        // SAFETY: both checked non-NULL above.
        unsafe {
            *statistic = r.statistic;
            *pvalue = r.pvalue;
        }
        Ok(())
    })
}

/// Jensen–Shannon **distance** as `scipy.spatial.distance.jensenshannon(p, q,
/// base)`: both vectors are normalised to sum 1 first. `base` = 0 means the
/// natural logarithm; otherwise it must be finite, > 0 and ≠ 1. Negative or
/// non-finite weights, all-zero vectors, `len` = 0 → `TW_ERR_INVALID_INPUT`.
///
/// # Safety
/// `p` and `q` must point to `len` doubles each, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_drift_jensenshannon(
    p: *const f64,
    q: *const f64,
    len: usize,
    base: f64,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { series(p, len, "p")? };
        // SAFETY: forwarded caller contract.
        let q = unsafe { series(q, len, "q")? };
        non_null(out, "out")?;
        let base = if base == 0.0 { None } else { Some(base) };
        let d = distance::jensenshannon(p, q, base)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = d };
        Ok(())
    })
}

/// Bin strategy of a numeric profile (one of `TW_BINS_*`).
pub type tw_bins = u32;
/// Reference quantiles k/bins (numpy linear), ±inf outer edges, ties merged (default, 10 bins).
pub const TW_BINS_QUANTILE: tw_bins = 0;
/// `bins` equal-width bins over [min, max] of the reference, ±inf outer edges.
pub const TW_BINS_EQUAL_WIDTH: tw_bins = 1;
/// Sturges bins on reference ∪ current at scoring time (Evidently); needs `keep_reference`.
pub const TW_BINS_STURGES: tw_bins = 2;
/// Explicit strictly increasing `edges` (±inf added at the ends when missing).
pub const TW_BINS_EXPLICIT: tw_bins = 3;

/// PSI mode (one of `TW_PSI_*`).
pub type tw_psi_mode = u32;
/// The profile's bins, each fraction floored at `epsilon` (0 means 1e-4).
pub const TW_PSI_STANDARD: tw_psi_mode = 0;
/// Evidently's `psi` stat test (Sturges bins on reference ∪ current); needs the stored reference.
pub const TW_PSI_EVIDENTLY: tw_psi_mode = 1;

/// How `tw_profile_fit` builds a numeric feature profile. Passing NULL means
/// deciles, NaN is an error, and the sorted reference is kept.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_profile_options {
    /// One of `TW_BINS_*`.
    pub bins_kind: tw_bins,
    /// Number of bins (≥ 2) for `TW_BINS_QUANTILE` and `TW_BINS_EQUAL_WIDTH`; else ignored.
    pub bins: u32,
    /// Edges for `TW_BINS_EXPLICIT` (NULL otherwise).
    pub edges: *const f64,
    /// Number of `edges`.
    pub edges_len: usize,
    /// One of `TW_NAN_POLICY_*` (`_PROPAGATE` is refused when fitting).
    pub nan_policy: u32,
    /// 1: keep the sorted reference (needed for KS, Sturges and Evidently PSI); 0: bins only.
    pub keep_reference: u32,
}

/// # Safety
/// `opts` must be NULL or valid, its `edges` valid for `edges_len` reads.
unsafe fn profile_options(opts: *const tw_profile_options) -> Result<ProfileOptions, Failure> {
    if opts.is_null() {
        return Ok(ProfileOptions::default());
    }
    // SAFETY: non-NULL and valid by the caller's contract.
    let o = unsafe { *opts };
    let bins = match o.bins_kind {
        TW_BINS_QUANTILE => BinStrategy::Quantile {
            bins: o.bins as usize,
        },
        TW_BINS_EQUAL_WIDTH => BinStrategy::EqualWidth {
            bins: o.bins as usize,
        },
        TW_BINS_STURGES => BinStrategy::Sturges,
        TW_BINS_EXPLICIT => {
            // The edges are copied: refuse a count the library refuses
            // anyway before allocating for it.
            if o.edges_len > MAX_BINS + 1 {
                return Err(Failure(
                    TW_ERR_INVALID_INPUT,
                    format!(
                        "invalid edges_len = {}: at most MAX_BINS + 1 = {} edges",
                        o.edges_len,
                        MAX_BINS + 1
                    ),
                ));
            }
            BinStrategy::Explicit {
                // SAFETY: forwarded caller contract.
                edges: unsafe { series(o.edges, o.edges_len, "edges")? }.to_vec(),
            }
        }
        other => {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!(
                    "invalid bins_kind = {other}: expected TW_BINS_QUANTILE, _EQUAL_WIDTH, _STURGES or _EXPLICIT"
                ),
            ));
        }
    };
    let keep_reference = match o.keep_reference {
        0 => false,
        1 => true,
        other => {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!("invalid keep_reference = {other}: expected 0 or 1"),
            ));
        }
    };
    Ok(ProfileOptions {
        bins,
        nan_policy: nan_policy_of(o.nan_policy)?,
        keep_reference,
    })
}

/// The PSI mode of the C codes (`epsilon` 0 is the C spelling of "the default").
fn psi_mode_of(mode: tw_psi_mode, epsilon: f64) -> Result<PsiMode, Failure> {
    match mode {
        TW_PSI_STANDARD => Ok(PsiMode::Standard {
            epsilon: if epsilon == 0.0 {
                DEFAULT_PSI_EPSILON
            } else {
                epsilon
            },
        }),
        TW_PSI_EVIDENTLY => Ok(PsiMode::Evidently),
        other => Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!("invalid mode = {other}: expected TW_PSI_STANDARD or TW_PSI_EVIDENTLY"),
        )),
    }
}

/// PSI of `current` against `reference` in one call, as Python's
/// `tradewarden.drift.psi(reference, current)` and the library's
/// `psi_of_samples`: the reference's bins are fitted with `opts` (NULL:
/// deciles, NaN is an error; `keep_reference` is ignored — the library keeps
/// the reference only where the mode needs it) and `current` is scored with
/// `mode` / `epsilon` as in `tw_profile_psi`.
///
/// # Safety
/// `reference` valid for `n_reference` reads, `current` for `n_current`
/// reads, `opts` NULL or valid, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_drift_psi(
    reference: *const f64,
    n_reference: usize,
    current: *const f64,
    n_current: usize,
    opts: *const tw_profile_options,
    mode: tw_psi_mode,
    epsilon: f64,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { series(reference, n_reference, "reference")? };
        // SAFETY: forwarded caller contract.
        let c = unsafe { series(current, n_current, "current")? };
        // SAFETY: forwarded caller contract.
        let o = unsafe { profile_options(opts)? };
        non_null(out, "out")?;
        let v = psi_of_samples(r, c, o.bins, o.nan_policy, psi_mode_of(mode, epsilon)?)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = v };
        Ok(())
    })
}

/// A frozen reference profile: a named set of numeric feature profiles
/// (bins, moments and, by default, the sorted reference). Functions taking a
/// `const tw_profile *` may be called from several threads at once.
#[derive(Debug)]
pub struct tw_profile(Tagged<Profile>);
handle!(tw_profile, Profile, b"twPROFIL");

/// The profile behind `p`, named `param` in errors (NULL, not a live profile).
///
/// # Safety
/// `p` must be NULL or a profile of this library.
pub(crate) unsafe fn profile_ref<'a>(
    p: *const tw_profile,
    param: &str,
) -> Result<&'a Profile, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(p, param) }
}

/// Creates an empty profile; fill it with `tw_profile_fit`, free it with `tw_profile_free`.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_new(out: *mut *mut tw_profile) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_profile>(out, Profile::new()) }
    })
}

/// Fits the numeric profile of `feature` from `len` reference values and adds
/// it to `profile` (replacing a feature of the same name). `opts` NULL: deciles,
/// NaN is an error, reference kept. No values (or none left after skipping
/// NaN / ±inf), a NaN or ±inf value under the error policy, bad options →
/// `TW_ERR_INVALID_INPUT`; the profile is unchanged on error. One value or a
/// constant feature fits (quantile or equal-width bins become three: below,
/// at and above the constant) and is scored like any other; a drift report
/// flags it `constant_reference`.
///
/// # Safety
/// `profile` must be a live profile, `feature` a NUL-terminated string,
/// `values` valid for `len` reads, `opts` NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_fit(
    profile: *mut tw_profile,
    feature: *const c_char,
    values: *const f64,
    len: usize,
    opts: *const tw_profile_options,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { handle::live_mut(profile, "profile")? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(feature, "feature")? };
        // SAFETY: forwarded caller contract.
        let v = unsafe { series(values, len, "values")? };
        // SAFETY: forwarded caller contract.
        let o = unsafe { profile_options(opts)? };
        let fitted = NumericProfile::fit(v, &o)?;
        p.insert(name, FeatureProfile::Numeric(fitted));
        Ok(())
    })
}

/// Writes the number of features of `profile` to `out`.
///
/// # Safety
/// `profile` must be a live profile, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_feature_count(
    profile: *const tw_profile,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(profile, "profile")? };
        non_null(out, "out")?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = p.features.len() };
        Ok(())
    })
}

/// Saves `profile` to `path` in the checksummed binary format, atomically
/// (temp file, fsync, rename). An unwritable path is `TW_ERR_IO`.
///
/// # Safety
/// `profile` must be a live profile and `path` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_save(
    profile: *const tw_profile,
    path: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(profile, "profile")? };
        // SAFETY: forwarded caller contract.
        let path = unsafe { req_str(path, "path")? };
        p.save(Path::new(path))?;
        Ok(())
    })
}

/// Loads a profile written by `tw_profile_save`. A missing or unreadable
/// file is `TW_ERR_IO`; a truncated file, bad checksum or unknown format
/// version `TW_ERR_CORRUPT`. Free the result with `tw_profile_free`.
///
/// # Safety
/// `path` must be a NUL-terminated string and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_load(
    path: *const c_char,
    out: *mut *mut tw_profile,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let path = unsafe { req_str(path, "path")? };
        non_null(out, "out")?;
        let inner = Profile::load(Path::new(path))?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_profile>(out, inner) }
    })
}

/// Population Stability Index of `current` against the profile of `feature`.
/// `TW_PSI_STANDARD`: the profile's bins, fractions floored at `epsilon`
/// (0 means 1e-4; otherwise it must be in (0, 1)); `TW_PSI_EVIDENTLY`:
/// Evidently's test (`epsilon` ignored). NaN in `current` follows the
/// profile's NaN policy. An unknown feature is `TW_ERR_NOT_FOUND`.
///
/// # Safety
/// `profile` must be a live profile, `feature` a NUL-terminated string,
/// `current` valid for `len` reads, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_psi(
    profile: *const tw_profile,
    feature: *const c_char,
    current: *const f64,
    len: usize,
    mode: tw_psi_mode,
    epsilon: f64,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(profile, "profile")? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(feature, "feature")? };
        // SAFETY: forwarded caller contract.
        let c = unsafe { series(current, len, "current")? };
        non_null(out, "out")?;
        let v = p.numeric(name)?.psi(c, psi_mode_of(mode, epsilon)?)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = v };
        Ok(())
    })
}

/// Two-sample KS of the stored reference of `feature` (data1) against
/// `current` (data2), scipy's auto method. A profile fitted without
/// `keep_reference` gives `TW_ERR_INVALID_INPUT`.
///
/// # Safety
/// `profile` must be a live profile, `feature` a NUL-terminated string,
/// `current` valid for `len` reads, `statistic` and `pvalue` for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_ks(
    profile: *const tw_profile,
    feature: *const c_char,
    current: *const f64,
    len: usize,
    alternative: tw_alternative,
    statistic: *mut f64,
    pvalue: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(profile, "profile")? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(feature, "feature")? };
        // SAFETY: forwarded caller contract.
        let c = unsafe { series(current, len, "current")? };
        non_null(statistic, "statistic")?;
        non_null(pvalue, "pvalue")?;
        let alt = alternative_of(alternative)?;
        let r = p.numeric(name)?.ks(c, alt, KsMethod::Auto)?;
        // SAFETY: both checked non-NULL above.
        unsafe {
            *statistic = r.statistic;
            *pvalue = r.pvalue;
        }
        Ok(())
    })
}

/// Frees a profile; NULL is a no-op.
///
/// # Safety
/// `profile` must be NULL or a profile from `tw_profile_new`/`tw_profile_load`
/// not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_profile_free(profile: *mut tw_profile) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(profile, "profile") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{TW_ERR_IO, TW_ERR_NOT_FOUND, TW_ERR_NULL_ARGUMENT, TW_OK};

    #[test]
    fn ks_and_js_equal_the_rust_api() {
        let a = [0.1, 0.4, 0.2, 0.9, 0.5, 0.33];
        let b = [0.7, 1.4, 0.2, 1.9, 0.55];
        for (code, alt) in [
            (TW_ALTERNATIVE_TWO_SIDED, Alternative::TwoSided),
            (TW_ALTERNATIVE_LESS, Alternative::Less),
            (TW_ALTERNATIVE_GREATER, Alternative::Greater),
        ] {
            let (mut d, mut pv) = (0.0, 0.0);
            let st =
                unsafe { tw_drift_ks_2samp(a.as_ptr(), 6, b.as_ptr(), 5, code, &mut d, &mut pv) };
            assert_eq!(st, TW_OK);
            let r = ks_2samp(&a, &b, alt, KsMethod::Auto, NanPolicy::Error).unwrap();
            assert_eq!((d, pv), (r.statistic, r.pvalue));
        }
        let (mut d, mut pv) = (-1.0, -1.0);
        let st = unsafe { tw_drift_ks_2samp(a.as_ptr(), 6, b.as_ptr(), 5, 3, &mut d, &mut pv) };
        assert_eq!(st, TW_ERR_INVALID_INPUT);
        assert_eq!((d, pv), (-1.0, -1.0));
        let mut js = 0.0;
        let st = unsafe { tw_drift_jensenshannon(a.as_ptr(), a[..].as_ptr(), 6, 2.0, &mut js) };
        assert_eq!((st, js), (TW_OK, 0.0));
        let p = [1.0, 0.0];
        let q = [0.0, 1.0];
        let st = unsafe { tw_drift_jensenshannon(p.as_ptr(), q.as_ptr(), 2, 0.0, &mut js) };
        assert_eq!(st, TW_OK);
        assert_eq!(js, distance::jensenshannon(&p, &q, None).unwrap());
    }

    #[test]
    fn profile_round_trip_and_errors() {
        let reference: Vec<f64> = (0..500).map(|i| (i as f64 * 0.37).sin()).collect();
        let current: Vec<f64> = (0..300).map(|i| (i as f64 * 0.11).cos() * 1.2).collect();
        let mut p: *mut tw_profile = std::ptr::null_mut();
        assert_eq!(unsafe { tw_profile_new(&mut p) }, TW_OK);
        let name = c"x";
        let st = unsafe {
            tw_profile_fit(
                p,
                name.as_ptr(),
                reference.as_ptr(),
                reference.len(),
                std::ptr::null(),
            )
        };
        assert_eq!(st, TW_OK);
        let mut psi = 0.0;
        let st = unsafe {
            tw_profile_psi(
                p,
                name.as_ptr(),
                current.as_ptr(),
                current.len(),
                TW_PSI_STANDARD,
                0.0,
                &mut psi,
            )
        };
        assert_eq!(st, TW_OK);
        let rust = NumericProfile::fit(&reference, &ProfileOptions::default()).unwrap();
        assert_eq!(psi, rust.psi(&current, PsiMode::default()).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.twdp");
        let cpath = std::ffi::CString::new(file.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { tw_profile_save(p, cpath.as_ptr()) }, TW_OK);
        let mut q: *mut tw_profile = std::ptr::null_mut();
        assert_eq!(unsafe { tw_profile_load(cpath.as_ptr(), &mut q) }, TW_OK);
        assert_eq!(
            unsafe { profile_ref(q, "q") }.ok().unwrap(),
            unsafe { profile_ref(p, "p") }.ok().unwrap()
        );
        let missing = c"/nonexistent/dir/p.twdp";
        let mut r: *mut tw_profile = std::ptr::null_mut();
        assert_eq!(
            unsafe { tw_profile_load(missing.as_ptr(), &mut r) },
            TW_ERR_IO
        );
        assert!(r.is_null());
        let st = unsafe {
            tw_profile_psi(
                q,
                c"y".as_ptr(),
                current.as_ptr(),
                3,
                TW_PSI_STANDARD,
                0.0,
                &mut psi,
            )
        };
        assert_eq!(st, TW_ERR_NOT_FOUND);
        assert_eq!(
            unsafe {
                tw_profile_fit(
                    std::ptr::null_mut(),
                    name.as_ptr(),
                    reference.as_ptr(),
                    3,
                    std::ptr::null(),
                )
            },
            TW_ERR_NULL_ARGUMENT
        );
        unsafe {
            tw_profile_free(p);
            tw_profile_free(q);
            tw_profile_free(std::ptr::null_mut());
        }
    }
}
