//! Per-feature drift reports (`tradewarden_drift::report::DriftReport`) of
//! current data or a current profile against a frozen reference profile,
//! behind an opaque `tw_report`: per-feature rows, the dataset summary and
//! the JSON document.

use std::ffi::c_char;

use tradewarden_drift::psi::{DEFAULT_PSI_EPSILON, PsiMode};
use tradewarden_drift::report::{Correction, DriftReport, FeatureData, Method, ReportOptions};

use crate::drift::{TW_PSI_EVIDENTLY, TW_PSI_STANDARD, profile_ref, tw_profile, tw_psi_mode};
use crate::handle::{self, Tagged, handle};
use crate::monitor::{bands_of, severity_code, tw_severity, tw_severity_bands};
use crate::state::{state_ref, tw_score_state};
use crate::{
    Failure, TW_ERR_INVALID_INPUT, TW_ERR_NOT_FOUND, guard, non_null, null, req_str, series,
    tw_status, write_out, write_str,
};

/// Multiple-testing correction across the p-value features (one of `TW_CORRECTION_*`).
pub type tw_correction = u32;
/// Raw p-values (default).
pub const TW_CORRECTION_NONE: tw_correction = 0;
/// Bonferroni: p·m, capped at 1.
pub const TW_CORRECTION_BONFERRONI: tw_correction = 1;
/// Benjamini–Hochberg step-up adjusted p-values.
pub const TW_CORRECTION_BENJAMINI_HOCHBERG: tw_correction = 2;

/// The statistic that decided a feature's drift flag (one of `TW_METHOD_*`).
pub type tw_method = u32;
/// Two-sample Kolmogorov–Smirnov (numeric, reference ≤ `large_sample`).
pub const TW_METHOD_KS: tw_method = 0;
/// Population Stability Index (numeric, larger reference).
pub const TW_METHOD_PSI: tw_method = 1;
/// Jensen–Shannon distance (categorical, larger reference).
pub const TW_METHOD_JENSENSHANNON: tw_method = 2;
/// χ² test of homogeneity (categorical, reference ≤ `large_sample`).
pub const TW_METHOD_CHI2: tw_method = 3;
/// A method this header does not know yet (a newer library).
pub const TW_METHOD_OTHER: tw_method = 255;

fn method_code(m: Method) -> tw_method {
    match m {
        Method::Ks => TW_METHOD_KS,
        Method::Psi => TW_METHOD_PSI,
        Method::JensenShannon => TW_METHOD_JENSENSHANNON,
        Method::Chi2 => TW_METHOD_CHI2,
        #[allow(unreachable_patterns)]
        _ => TW_METHOD_OTHER,
    }
}

/// The stable name of a `TW_METHOD_*` code ("ks", "psi", "jensenshannon",
/// "chi2"; the `method` label of the drift metrics), a static NUL-terminated
/// string; NULL for an unknown code.
#[unsafe(no_mangle)]
pub extern "C" fn tw_method_name(method: tw_method) -> *const c_char {
    match method {
        TW_METHOD_KS => c"ks".as_ptr(),
        TW_METHOD_PSI => c"psi".as_ptr(),
        TW_METHOD_JENSENSHANNON => c"jensenshannon".as_ptr(),
        TW_METHOD_CHI2 => c"chi2".as_ptr(),
        _ => std::ptr::null(),
    }
}

/// Options of a drift report. Passing NULL means the defaults, which
/// `tw_report_options_default` also writes: `alpha` 0.05, `psi_threshold`
/// 0.2, `js_threshold` 0.1, `large_sample` 1000, `correction`
/// `TW_CORRECTION_NONE`, `ks_bands` {0.1, 0.2, 0.3, 0.5}, `psi_bands`
/// {0.05, 0.1, 0.2, 0.25}, `drift_share` 0.5, `psi_mode` `TW_PSI_STANDARD`,
/// `psi_epsilon` 1e-4.
///
/// Method rule: a numeric feature whose reference has ≤ `large_sample`
/// values is decided by KS (drift when the — possibly corrected — p-value <
/// `alpha`), a larger one by PSI (drift when PSI > `psi_threshold`); KS, PSI
/// and Jensen–Shannon are always computed for numeric features.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_report_options {
    /// Significance level of the p-value tests, in (0, 1) (default 0.05).
    pub alpha: f64,
    /// PSI drift threshold, finite and ≥ 0 (default 0.2).
    pub psi_threshold: f64,
    /// Jensen–Shannon distance drift threshold, in [0, 1] (default 0.1).
    pub js_threshold: f64,
    /// Reference size above which PSI (numeric) or JS (categorical) decides (default 1000).
    pub large_sample: usize,
    /// One of `TW_CORRECTION_*` (default `TW_CORRECTION_NONE`).
    pub correction: tw_correction,
    /// Severity bands on the KS statistic (default {0.1, 0.2, 0.3, 0.5}).
    pub ks_bands: tw_severity_bands,
    /// Severity bands on PSI (default {0.05, 0.1, 0.2, 0.25}).
    pub psi_bands: tw_severity_bands,
    /// Dataset drift when the share of drifted features ≥ this, in (0, 1] (default 0.5).
    pub drift_share: f64,
    /// `TW_PSI_STANDARD` (default) or `TW_PSI_EVIDENTLY` (needs the stored reference).
    pub psi_mode: tw_psi_mode,
    /// Floor of each bin fraction for `TW_PSI_STANDARD`, in (0, 1); 0 means 1e-4 (default 1e-4).
    pub psi_epsilon: f64,
}

fn default_report_options() -> tw_report_options {
    let d = ReportOptions::default();
    let psi_epsilon = match d.psi_mode {
        PsiMode::Standard { epsilon } => epsilon,
        PsiMode::Evidently => DEFAULT_PSI_EPSILON,
    };
    tw_report_options {
        alpha: d.alpha,
        psi_threshold: d.psi_threshold,
        js_threshold: d.js_threshold,
        large_sample: d.large_sample,
        correction: TW_CORRECTION_NONE,
        ks_bands: d.ks_bands.into(),
        psi_bands: d.psi_bands.into(),
        drift_share: d.drift_share,
        psi_mode: match d.psi_mode {
            PsiMode::Standard { .. } => TW_PSI_STANDARD,
            PsiMode::Evidently => TW_PSI_EVIDENTLY,
        },
        psi_epsilon,
    }
}

/// # Safety
/// `opts` must be NULL or valid.
unsafe fn report_options(opts: *const tw_report_options) -> Result<ReportOptions, Failure> {
    if opts.is_null() {
        return Ok(ReportOptions::default());
    }
    // SAFETY: non-NULL and valid by the caller's contract.
    let o = unsafe { *opts };
    let correction = match o.correction {
        TW_CORRECTION_NONE => Correction::None,
        TW_CORRECTION_BONFERRONI => Correction::Bonferroni,
        TW_CORRECTION_BENJAMINI_HOCHBERG => Correction::BenjaminiHochberg,
        other => {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!(
                    "invalid correction = {other}: expected TW_CORRECTION_NONE, _BONFERRONI or _BENJAMINI_HOCHBERG"
                ),
            ));
        }
    };
    let psi_mode = match o.psi_mode {
        TW_PSI_STANDARD => {
            let epsilon = if o.psi_epsilon == 0.0 {
                DEFAULT_PSI_EPSILON
            } else {
                o.psi_epsilon
            };
            if !(epsilon > 0.0 && epsilon < 1.0) {
                return Err(Failure(
                    TW_ERR_INVALID_INPUT,
                    format!(
                        "invalid psi_epsilon = {}: must be in (0, 1), or 0 for 1e-4",
                        o.psi_epsilon
                    ),
                ));
            }
            PsiMode::Standard { epsilon }
        }
        TW_PSI_EVIDENTLY => PsiMode::Evidently,
        other => {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!("invalid psi_mode = {other}: expected TW_PSI_STANDARD or TW_PSI_EVIDENTLY"),
            ));
        }
    };
    // The library checks the remaining fields (alpha, thresholds, share, bands).
    Ok(ReportOptions {
        alpha: o.alpha,
        psi_threshold: o.psi_threshold,
        js_threshold: o.js_threshold,
        large_sample: o.large_sample,
        correction,
        ks_bands: bands_of(o.ks_bands, "ks_bands")?,
        psi_bands: bands_of(o.psi_bands, "psi_bands")?,
        drift_share: o.drift_share,
        psi_mode,
    })
}

/// Writes the default report options (see `tw_report_options`) to `out`,
/// to change a field or two before computing a report.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_options_default(out: *mut tw_report_options) -> tw_status {
    // SAFETY: forwarded caller contract.
    guard(|| unsafe { write_out(out, "out", default_report_options()) })
}

/// A computed drift report (immutable; every function on it may run on
/// several threads at once). Free it with `tw_report_free`.
#[derive(Debug)]
pub struct tw_report(Tagged<DriftReport>);
handle!(tw_report, DriftReport, b"twREPORT");

/// The largest `n_features` `tw_report_compute` accepts: 2^20 = 1 048 576
/// features (the per-feature table is allocated up front).
pub const TW_MAX_REPORT_FEATURES: usize = 1 << 20;

/// The drift of one feature, as `tw_report_feature` writes it. Values that do
/// not apply to the feature's method are NaN.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_feature_drift {
    /// `TW_METHOD_*` that decided `drift`.
    pub method: tw_method,
    /// The deciding statistic (KS D, PSI, JS distance or χ²).
    pub statistic: f64,
    /// 1 when the deciding method has a p-value (KS, χ²), else 0.
    pub has_pvalue: u32,
    /// Raw p-value of the deciding test; NaN when `has_pvalue` is 0.
    pub pvalue: f64,
    /// p-value after the multiple-testing correction; NaN when `has_pvalue` is 0.
    pub pvalue_adjusted: f64,
    /// KS statistic (numeric features; NaN for categorical ones).
    pub ks_statistic: f64,
    /// KS p-value, scipy's auto method (numeric features; NaN for categorical ones).
    pub ks_pvalue: f64,
    /// PSI (natural log) over the profile's bins or categories.
    pub psi: f64,
    /// Jensen–Shannon distance (natural log); NaN when not computed.
    pub jensenshannon: f64,
    /// 1 when the feature drifted, else 0.
    pub drift: u32,
    /// `TW_SEVERITY_*` from the deciding statistic's bands (KS bands for KS, PSI bands otherwise).
    pub severity: tw_severity,
    /// Reference size (values the profile was fitted on).
    pub n_reference: u64,
    /// Current size.
    pub n_current: u64,
}

/// The dataset-level result of a report, as `tw_report_summary` writes it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_dataset_drift {
    /// Number of features scored.
    pub n_features: usize,
    /// Number of drifted features.
    pub n_drifted: usize,
    /// `n_drifted / n_features`.
    pub drift_share: f64,
    /// 1 when `drift_share` ≥ the options' `drift_share` (the dataset drifted), else 0.
    pub dataset_drift: u32,
}

/// # Safety
/// `r` must be NULL or a live report.
unsafe fn report_ref<'a>(r: *const tw_report) -> Result<&'a DriftReport, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(r, "report") }
}

fn feature_at(
    r: &DriftReport,
    index: usize,
) -> Result<&tradewarden_drift::report::FeatureDrift, Failure> {
    r.features.get(index).ok_or_else(|| {
        Failure(
            TW_ERR_NOT_FOUND,
            format!(
                "index = {index}: the report has {} features",
                r.features.len()
            ),
        )
    })
}

/// The named numeric current features of `tw_report_compute` and
/// `tw_score_state_compute` (`features[i]` has the `lens[i]` values
/// `values[i]`): `n_features` is checked against `TW_MAX_REPORT_FEATURES`
/// before anything is read or allocated, every pointer and length before its
/// slice is made.
///
/// # Safety
/// `features`, `values` and `lens` valid for `n_features` reads each, every
/// `features[i]` a NUL-terminated string and every `values[i]` valid for
/// `lens[i]` reads, for the lifetime `'a`.
pub(crate) unsafe fn feature_arrays<'a>(
    features: *const *const c_char,
    values: *const *const f64,
    lens: *const usize,
    n_features: usize,
) -> Result<Vec<(&'a str, FeatureData<'a>)>, Failure> {
    // Sizes first: n_features drives the allocation below.
    if n_features > TW_MAX_REPORT_FEATURES {
        return Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid n_features = {n_features}: at most TW_MAX_REPORT_FEATURES = {TW_MAX_REPORT_FEATURES}"
            ),
        ));
    }
    // SAFETY: features, values and lens are valid for n_features reads
    // (caller's contract); slice_in checks the length and alignment.
    let features = unsafe { handle::slice_in(features, n_features, "features")? };
    // SAFETY: see above.
    let values = unsafe { handle::slice_in(values, n_features, "values")? };
    // SAFETY: see above.
    let lens = unsafe { handle::slice_in(lens, n_features, "lens")? };
    let mut data: Vec<(&str, FeatureData<'_>)> = Vec::new();
    data.try_reserve_exact(n_features).map_err(|e| {
        Failure(
            crate::TW_ERR_INTERNAL,
            format!("n_features = {n_features}: cannot allocate the feature table ({e})"),
        )
    })?;
    for (i, ((&name, &v), &len)) in features.iter().zip(values).zip(lens).enumerate() {
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, &format!("features[{i}]"))? };
        // SAFETY: forwarded caller contract.
        let v = unsafe { series(v, len, &format!("values[{i}]"))? };
        data.push((name, FeatureData::Numeric(v)));
    }
    Ok(data)
}

/// Scores `n_features` numeric current features against `reference`:
/// feature `features[i]` has the `lens[i]` values `values[i]`. Features are
/// scored in parallel and reported in input order (`opts` NULL: the defaults
/// of `tw_report_options`). A name missing from the profile is
/// `TW_ERR_NOT_FOUND`; `n_features` 0 or above `TW_MAX_REPORT_FEATURES`, a
/// length whose byte size overflows, an empty feature, NaN under the
/// profile's error policy, or bad options `TW_ERR_INVALID_INPUT` (the message
/// names the field or `features[i]`/`values[i]` and the value). Free the
/// report with `tw_report_free`.
///
/// # Safety
/// `reference` must be a live profile; `features`, `values` and `lens` valid
/// for `n_features` reads each, every `features[i]` a NUL-terminated string
/// and every `values[i]` valid for `lens[i]` reads; `opts` NULL or valid;
/// `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_compute(
    reference: *const tw_profile,
    features: *const *const c_char,
    values: *const *const f64,
    lens: *const usize,
    n_features: usize,
    opts: *const tw_report_options,
    out: *mut *mut tw_report,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(reference, "reference")? };
        // SAFETY: forwarded caller contract.
        let data = unsafe { feature_arrays(features, values, lens, n_features)? };
        // SAFETY: forwarded caller contract.
        let o = unsafe { report_options(opts)? };
        non_null(out, "out")?;
        let inner = DriftReport::compute(p, &data, &o)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_report>(out, inner) }
    })
}

/// Scores a **current profile** (fitted with the sorted values kept, the
/// default; e.g. merged from partitions) against `reference`: every feature
/// of `current`, in name order. Equals `tw_report_compute` on the data
/// `current` was fitted on. A current feature missing from the reference is
/// `TW_ERR_NOT_FOUND`; one fitted with `keep_reference` 0 or an empty
/// `current` `TW_ERR_INVALID_INPUT`. Free the report with `tw_report_free`.
///
/// # Safety
/// `reference` and `current` must be live profiles, `opts` NULL or valid,
/// `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_compute_profiles(
    reference: *const tw_profile,
    current: *const tw_profile,
    opts: *const tw_report_options,
    out: *mut *mut tw_report,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { profile_ref(reference, "reference")? };
        if current.is_null() {
            return Err(null("current"));
        }
        // SAFETY: forwarded caller contract.
        let c = unsafe { profile_ref(current, "current")? };
        // SAFETY: forwarded caller contract.
        let o = unsafe { report_options(opts)? };
        non_null(out, "out")?;
        let inner = DriftReport::compute_profiles(r, c, &o)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_report>(out, inner) }
    })
}

/// The report of a (merged) score state against the `reference` it was
/// computed on (`tw_score_state_compute`, merged with
/// `tw_score_state_merge`): every feature of the state, in name order, equal
/// to `tw_report_compute` on all the partitions' rows bit for bit (statistics,
/// p-values, PSI, JS, flags). A state of another profile, a bounded state
/// (`cells` > 0), an empty state, `TW_PSI_EVIDENTLY` or bad options are
/// `TW_ERR_INVALID_INPUT`. Free the report with `tw_report_free`.
///
/// # Safety
/// `reference` must be a live profile, `state` a live score state, `opts`
/// NULL or valid, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_compute_states(
    reference: *const tw_profile,
    state: *const tw_score_state,
    opts: *const tw_report_options,
    out: *mut *mut tw_report,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { profile_ref(reference, "reference")? };
        // SAFETY: forwarded caller contract.
        let s = unsafe { state_ref(state, "state")? };
        // SAFETY: forwarded caller contract.
        let o = unsafe { report_options(opts)? };
        non_null(out, "out")?;
        let inner = DriftReport::compute_states(r, s, &o)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_report>(out, inner) }
    })
}

/// Writes the number of features in the report to `out`.
///
/// # Safety
/// `report` must be a live report, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_feature_count(
    report: *const tw_report,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { report_ref(report)? };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", r.features.len()) }
    })
}

/// Writes the drift of feature number `index` (0-based, in report order) to
/// `out`. An index ≥ the feature count is `TW_ERR_NOT_FOUND`.
///
/// # Safety
/// `report` must be a live report, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_feature(
    report: *const tw_report,
    index: usize,
    out: *mut tw_feature_drift,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { report_ref(report)? };
        non_null(out, "out")?;
        let f = feature_at(r, index)?;
        let (ks_statistic, ks_pvalue) = f.ks.unwrap_or((f64::NAN, f64::NAN));
        let row = tw_feature_drift {
            method: method_code(f.method),
            statistic: f.statistic,
            has_pvalue: u32::from(f.pvalue.is_some()),
            pvalue: f.pvalue.unwrap_or(f64::NAN),
            pvalue_adjusted: f.pvalue_adjusted.unwrap_or(f64::NAN),
            ks_statistic,
            ks_pvalue,
            psi: f.psi.unwrap_or(f64::NAN),
            jensenshannon: f.jensenshannon.unwrap_or(f64::NAN),
            drift: u32::from(f.drift),
            severity: severity_code(f.severity),
            n_reference: f.n_reference,
            n_current: f.n_current,
        };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", row) }
    })
}

/// Copies the name of feature number `index`, NUL-terminated, into `buf` of
/// `len` bytes and its length (without the NUL) to `written`. An index ≥ the
/// feature count is `TW_ERR_NOT_FOUND`; `TW_ERR_BUFFER_TOO_SMALL` when it
/// does not fit (nothing written; the message gives the size needed).
///
/// # Safety
/// `report` must be a live report, `buf` valid for `len` writes, `written`
/// for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_feature_name(
    report: *const tw_report,
    index: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { report_ref(report)? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let f = feature_at(r, index)?;
        // SAFETY: forwarded caller contract.
        unsafe { write_str(&f.name, "feature name", buf, len, written) }
    })
}

/// Writes the index of the feature named `feature` to `out`;
/// `TW_ERR_NOT_FOUND` when the report has no such feature.
///
/// # Safety
/// `report` must be a live report, `feature` a NUL-terminated string, `out`
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_feature_index(
    report: *const tw_report,
    feature: *const c_char,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { report_ref(report)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(feature, "feature")? };
        non_null(out, "out")?;
        let i = r
            .features
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| {
                Failure(
                    TW_ERR_NOT_FOUND,
                    format!("unknown feature = {name:?}: not in the report"),
                )
            })?;
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", i) }
    })
}

/// Writes the dataset-level summary (drifted count and share, dataset drift flag) to `out`.
///
/// # Safety
/// `report` must be a live report, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_summary(
    report: *const tw_report,
    out: *mut tw_dataset_drift,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { report_ref(report)? };
        let s = tw_dataset_drift {
            n_features: r.features.len(),
            n_drifted: r.n_drifted,
            drift_share: r.drift_share,
            dataset_drift: u32::from(r.dataset_drift),
        };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", s) }
    })
}

/// Copies the report as JSON (the document the Rust and Python APIs write:
/// `features`, `n_drifted`, `drift_share`, `dataset_drift`, `options`),
/// NUL-terminated, into `buf` of `len` bytes and its length (without the
/// NUL) to `written`. `TW_ERR_BUFFER_TOO_SMALL` when it does not fit
/// (nothing written; see `tw_report_to_json_length`).
///
/// # Safety
/// `report` must be a live report, `buf` valid for `len` writes, `written`
/// for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_to_json(
    report: *const tw_report,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { report_ref(report)? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let json = r.to_json()?;
        // SAFETY: forwarded caller contract.
        unsafe { write_str(&json, "report JSON", buf, len, written) }
    })
}

/// Writes the buffer size (including the NUL) `tw_report_to_json` needs.
///
/// # Safety
/// `report` must be a live report, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_to_json_length(
    report: *const tw_report,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { report_ref(report)? };
        non_null(out, "out")?;
        let n = r.to_json()?.len() + 1;
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", n) }
    })
}

/// Frees a report; NULL is a no-op.
///
/// # Safety
/// `report` must be NULL or a report from `tw_report_compute*` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_report_free(report: *mut tw_report) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(report, "report") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::drift::{tw_profile_fit, tw_profile_free, tw_profile_new};
    use crate::{TW_ERR_BUFFER_TOO_SMALL, TW_ERR_NULL_ARGUMENT, TW_OK};
    use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};

    #[test]
    #[cfg_attr(
        miri,
        ignore = "minutes under Miri (2 500 values through KS and PSI); tests_hardening::report_* cover the report's unsafe paths"
    )]
    fn report_equals_the_rust_api() {
        let small: Vec<f64> = (0..500).map(|i| (i % 97) as f64).collect();
        let large: Vec<f64> = (0..2000).map(|i| (i as f64 * 0.37).sin()).collect();
        let small_cur: Vec<f64> = small.iter().map(|v| v + 50.0).collect();
        let large_cur: Vec<f64> = (0..800).map(|i| (i as f64 * 0.11).sin() * 0.9).collect();
        let mut p: *mut tw_profile = std::ptr::null_mut();
        assert_eq!(unsafe { tw_profile_new(&mut p) }, TW_OK);
        for (n, v) in [(c"small", &small), (c"large", &large)] {
            let st =
                unsafe { tw_profile_fit(p, n.as_ptr(), v.as_ptr(), v.len(), std::ptr::null()) };
            assert_eq!(st, TW_OK);
        }
        let names = [c"small".as_ptr(), c"large".as_ptr()];
        let values = [small_cur.as_ptr(), large_cur.as_ptr()];
        let lens = [small_cur.len(), large_cur.len()];
        let mut o = default_report_options();
        assert_eq!(unsafe { tw_report_options_default(&mut o) }, TW_OK);
        let mut r: *mut tw_report = std::ptr::null_mut();
        let st = unsafe {
            tw_report_compute(
                p,
                names.as_ptr(),
                values.as_ptr(),
                lens.as_ptr(),
                2,
                &o,
                &mut r,
            )
        };
        assert_eq!(st, TW_OK);
        let mut rp = Profile::new();
        let fit = |v: &[f64]| {
            FeatureProfile::Numeric(NumericProfile::fit(v, &ProfileOptions::default()).unwrap())
        };
        rp.insert("small", fit(&small));
        rp.insert("large", fit(&large));
        let rust = DriftReport::compute(
            &rp,
            &[
                ("small", FeatureData::Numeric(&small_cur)),
                ("large", FeatureData::Numeric(&large_cur)),
            ],
            &ReportOptions::default(),
        )
        .unwrap();
        assert_eq!(unsafe { handle::live(r, "r") }.ok().unwrap(), &rust);
        let mut row = std::mem::MaybeUninit::<tw_feature_drift>::uninit();
        assert_eq!(unsafe { tw_report_feature(r, 0, row.as_mut_ptr()) }, TW_OK);
        let row = unsafe { row.assume_init() };
        assert_eq!(row.method, TW_METHOD_KS);
        assert_eq!(row.pvalue, rust.features[0].pvalue.unwrap());
        assert_eq!(row.drift, 1);
        let mut n = 0usize;
        assert_eq!(unsafe { tw_report_to_json_length(r, &mut n) }, TW_OK);
        let mut buf = vec![0 as c_char; n];
        let mut w = 0usize;
        assert_eq!(
            unsafe { tw_report_to_json(r, buf.as_mut_ptr(), n - 1, &mut w) },
            TW_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(w, 0);
        assert_eq!(
            unsafe { tw_report_to_json(r, buf.as_mut_ptr(), n, &mut w) },
            TW_OK
        );
        let bytes: Vec<u8> = buf[..w].iter().map(|c| *c as u8).collect();
        assert_eq!(String::from_utf8(bytes).unwrap(), rust.to_json().unwrap());
        assert_eq!(
            unsafe { tw_report_feature(r, 2, std::ptr::null_mut()) },
            TW_ERR_NULL_ARGUMENT
        );
        unsafe {
            tw_report_free(r);
            tw_profile_free(p);
        }
    }

    #[test]
    fn method_codes_and_names() {
        for m in [Method::Ks, Method::Psi, Method::JensenShannon, Method::Chi2] {
            let n = tw_method_name(method_code(m));
            // SAFETY: a static NUL-terminated string.
            let n = unsafe { std::ffi::CStr::from_ptr(n) };
            assert_eq!(n.to_str().unwrap(), m.as_str());
        }
        assert!(tw_method_name(TW_METHOD_OTHER).is_null());
    }
}
