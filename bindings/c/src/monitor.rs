//! Live drift monitors: a rolling window per numeric feature of a frozen
//! profile, scored by PSI against the profile's bins
//! (`tradewarden_drift::monitor::LiveMonitor`), and the severity types shared
//! with the drift report.

use std::ffi::c_char;

use tradewarden_drift::monitor::{LiveMonitor, LiveMonitorOptions, LiveScore};
use tradewarden_drift::report::{Severity, SeverityBands};

use crate::drift::{profile_ref, tw_profile};
use crate::handle::{self, Tagged, handle};
use crate::{
    Failure, TW_ERR_INVALID_INPUT, guard, non_null, req_str, series, tw_status, write_out,
};

/// Drift severity (one of `TW_SEVERITY_*`), ordered: a larger code is more severe.
pub type tw_severity = u32;
/// At or below the low band.
pub const TW_SEVERITY_NONE: tw_severity = 0;
/// Above the low band.
pub const TW_SEVERITY_LOW: tw_severity = 1;
/// Above the medium band.
pub const TW_SEVERITY_MEDIUM: tw_severity = 2;
/// Above the high band.
pub const TW_SEVERITY_HIGH: tw_severity = 3;
/// Above the critical band.
pub const TW_SEVERITY_CRITICAL: tw_severity = 4;

/// The stable code of a severity.
pub(crate) fn severity_code(s: Severity) -> tw_severity {
    match s {
        Severity::None => TW_SEVERITY_NONE,
        Severity::Low => TW_SEVERITY_LOW,
        Severity::Medium => TW_SEVERITY_MEDIUM,
        Severity::High => TW_SEVERITY_HIGH,
        Severity::Critical => TW_SEVERITY_CRITICAL,
    }
}

/// The lower-case name of a `TW_SEVERITY_*` code ("none", "low", "medium",
/// "high", "critical"; the `severity` label of the drift metrics), a static
/// NUL-terminated string; NULL for an unknown code.
#[unsafe(no_mangle)]
pub extern "C" fn tw_severity_name(severity: tw_severity) -> *const c_char {
    match severity {
        TW_SEVERITY_NONE => c"none".as_ptr(),
        TW_SEVERITY_LOW => c"low".as_ptr(),
        TW_SEVERITY_MEDIUM => c"medium".as_ptr(),
        TW_SEVERITY_HIGH => c"high".as_ptr(),
        TW_SEVERITY_CRITICAL => c"critical".as_ptr(),
        _ => std::ptr::null(),
    }
}

/// Severity thresholds on a statistic: the severity is the highest band whose
/// threshold the statistic strictly exceeds. Must be finite and
/// non-decreasing (low ≤ medium ≤ high ≤ critical).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct tw_severity_bands {
    /// Low above this.
    pub low: f64,
    /// Medium above this.
    pub medium: f64,
    /// High above this.
    pub high: f64,
    /// Critical above this.
    pub critical: f64,
}

impl From<SeverityBands> for tw_severity_bands {
    fn from(b: SeverityBands) -> Self {
        tw_severity_bands {
            low: b.low,
            medium: b.medium,
            high: b.high,
            critical: b.critical,
        }
    }
}

/// The Rust bands of C bands, checked finite and non-decreasing (the rule the
/// drift report applies) so that a bad band is an error, not a silently
/// wrong severity.
pub(crate) fn bands_of(b: tw_severity_bands, param: &str) -> Result<SeverityBands, Failure> {
    let v = [b.low, b.medium, b.high, b.critical];
    if v.iter().any(|x| !x.is_finite()) || v.windows(2).any(|w| w[0] > w[1]) {
        return Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid {param} = {{low: {}, medium: {}, high: {}, critical: {}}}: bands must be finite and non-decreasing",
                b.low, b.medium, b.high, b.critical
            ),
        ));
    }
    Ok(SeverityBands {
        low: b.low,
        medium: b.medium,
        high: b.high,
        critical: b.critical,
    })
}

/// Options of a live monitor. Passing NULL to `tw_monitor_new` means the
/// defaults, which `tw_monitor_options_default` also writes:
/// `window` 10000, `min_values` 500, `psi_epsilon` 1e-4, `psi_threshold` 0.2,
/// `bands` Autotrader's PSI bands {0.05, 0.1, 0.2, 0.25}, `prefix` NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_monitor_options {
    /// Rolling window length per feature, in values (1..=`TW_MAX_MONITOR_WINDOW`; default 10000).
    pub window: usize,
    /// Values the window must hold before a score is produced (1..=window; default 500).
    pub min_values: usize,
    /// Floor of each bin fraction in PSI, in (0, 1) (default 1e-4).
    pub psi_epsilon: f64,
    /// A feature drifts when PSI > this; finite and ≥ 0 (default 0.2).
    pub psi_threshold: f64,
    /// Severity bands on PSI (default {0.05, 0.1, 0.2, 0.25}).
    pub bands: tw_severity_bands,
    /// Prefix prepended (with `_`) to the metric names `tw_monitor_emit`
    /// emits; NULL or "" for the catalog names verbatim (default NULL).
    pub prefix: *const c_char,
}

fn default_monitor_options() -> tw_monitor_options {
    let d = LiveMonitorOptions::default();
    tw_monitor_options {
        window: d.window,
        min_values: d.min_values,
        psi_epsilon: d.psi_epsilon,
        psi_threshold: d.psi_threshold,
        bands: d.bands.into(),
        prefix: std::ptr::null(),
    }
}

/// # Safety
/// `opts` must be NULL or valid, its `prefix` NULL or NUL-terminated.
unsafe fn monitor_options(opts: *const tw_monitor_options) -> Result<LiveMonitorOptions, Failure> {
    if opts.is_null() {
        return Ok(LiveMonitorOptions::default());
    }
    // SAFETY: non-NULL and valid by the caller's contract.
    let o = unsafe { *opts };
    if !(o.psi_threshold.is_finite() && o.psi_threshold >= 0.0) {
        return Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid psi_threshold = {}: must be finite and >= 0",
                o.psi_threshold
            ),
        ));
    }
    // The window is allocated up front: refuse a size that would abort the
    // process on allocation failure.
    if o.window > TW_MAX_MONITOR_WINDOW {
        return Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid window = {}: at most TW_MAX_MONITOR_WINDOW = {TW_MAX_MONITOR_WINDOW} values",
                o.window
            ),
        ));
    }
    let bands = bands_of(o.bands, "bands")?;
    // SAFETY: forwarded caller contract.
    let prefix = unsafe { crate::c_str(o.prefix, "prefix")? }.unwrap_or("");
    Ok(LiveMonitorOptions {
        window: o.window,
        min_values: o.min_values,
        psi_epsilon: o.psi_epsilon,
        psi_threshold: o.psi_threshold,
        bands,
        prefix: prefix.to_string(),
        ..LiveMonitorOptions::default()
    })
}

/// Writes the default monitor options (see `tw_monitor_options`) to `out`,
/// to change a field or two before `tw_monitor_new`.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_options_default(out: *mut tw_monitor_options) -> tw_status {
    // SAFETY: forwarded caller contract.
    guard(|| unsafe { write_out(out, "out", default_monitor_options()) })
}

/// A live drift monitor: one rolling window per binned numeric feature of the
/// profile it was built from (a copy of the bins: the profile may be freed
/// afterwards). Not thread-safe for `tw_monitor_push`; `tw_monitor_score`
/// and `tw_monitor_emit` only read and may run concurrently with each other.
#[derive(Debug)]
pub struct tw_monitor(Tagged<LiveMonitor>);
handle!(tw_monitor, LiveMonitor, b"twMONITR");

/// The largest `window` `tw_monitor_new` accepts: 2^24 = 16 777 216 values
/// per feature (the window's storage is allocated up front, 2 bytes a value).
/// The drift crate's `monitor::MAX_WINDOW`, published to C (cbindgen needs
/// the literal; the assertion below keeps the two one number).
pub const TW_MAX_MONITOR_WINDOW: usize = 1 << 24;
// One limit, the drift crate's: a different value does not compile.
const _: () = assert!(TW_MAX_MONITOR_WINDOW == tradewarden_drift::monitor::MAX_WINDOW);

/// The current score of one monitored feature, as `tw_monitor_score` writes it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_live_score {
    /// 1 when the window holds at least `min_values` values and the fields
    /// below are set; 0 when it does not yet (then `psi` is NaN, `n` 0,
    /// `drift` 0 and `severity` `TW_SEVERITY_NONE`).
    pub ready: u32,
    /// PSI of the window against the profile's bins (natural log).
    pub psi: f64,
    /// Values in the window (≤ `window`).
    pub n: u64,
    /// 1 when `psi` > `psi_threshold`, else 0.
    pub drift: u32,
    /// `TW_SEVERITY_*` of `psi` on the monitor's bands.
    pub severity: tw_severity,
}

impl From<Option<LiveScore>> for tw_live_score {
    fn from(s: Option<LiveScore>) -> Self {
        match s {
            Some(s) => tw_live_score {
                ready: 1,
                psi: s.psi,
                n: s.n as u64,
                drift: u32::from(s.drift),
                severity: severity_code(s.severity),
            },
            None => tw_live_score {
                ready: 0,
                psi: f64::NAN,
                n: 0,
                drift: 0,
                severity: TW_SEVERITY_NONE,
            },
        }
    }
}

/// # Safety
/// `m` must be NULL or a live monitor.
unsafe fn monitor_ref<'a>(m: *const tw_monitor) -> Result<&'a LiveMonitor, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(m, "monitor") }
}

/// Builds a monitor over every feature of `profile`, which must all be
/// numeric features binned by quantile or uniform edges: a profile with a
/// categorical or Sturges-binned feature is `TW_ERR_INVALID_INPUT` naming
/// the feature (monitor a numeric-only profile)
/// (`opts` NULL: the defaults of `tw_monitor_options`). Bad options —
/// `window` 0 or above `TW_MAX_MONITOR_WINDOW`, `min_values` outside 1..=`window`, `psi_epsilon` outside
/// (0, 1) or NaN, `psi_threshold` negative or not finite, bands not finite or
/// decreasing, `prefix` not UTF-8 — are `TW_ERR_INVALID_INPUT`, the message
/// naming the field and its value. Free the monitor with `tw_monitor_free`.
///
/// # Safety
/// `profile` must be a live profile, `opts` NULL or valid, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_new(
    profile: *const tw_profile,
    opts: *const tw_monitor_options,
    out: *mut *mut tw_monitor,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(profile, "profile")? };
        // SAFETY: forwarded caller contract.
        let o = unsafe { monitor_options(opts)? };
        non_null(out, "out")?;
        let inner = LiveMonitor::new(p, o)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_monitor>(out, inner) }
    })
}

/// Appends `len` values to the window of `feature`, evicting the oldest
/// beyond `window`. An unknown (or unbinned) feature is `TW_ERR_NOT_FOUND`;
/// a NaN or ±inf value `TW_ERR_INVALID_INPUT` naming `values[i]`, and then
/// nothing is added. `len` 0 adds nothing and succeeds (`values` must still
/// not be NULL).
///
/// # Safety
/// `monitor` must be a live monitor not used concurrently, `feature` a
/// NUL-terminated string, `values` valid for `len` reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_push(
    monitor: *mut tw_monitor,
    feature: *const c_char,
    values: *const f64,
    len: usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { handle::live_mut(monitor, "monitor")? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(feature, "feature")? };
        // SAFETY: forwarded caller contract.
        let v = unsafe { series(values, len, "values")? };
        m.push(name, v)?;
        Ok(())
    })
}

/// Writes the current score of `feature` to `out` (`out->ready` is 0 until
/// the window holds `min_values` values). An unknown feature is
/// `TW_ERR_NOT_FOUND`. Emits no metric (see `tw_monitor_emit`).
///
/// # Safety
/// `monitor` must be a live monitor, `feature` a NUL-terminated string,
/// `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_score(
    monitor: *const tw_monitor,
    feature: *const c_char,
    out: *mut tw_live_score,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { monitor_ref(monitor)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(feature, "feature")? };
        non_null(out, "out")?;
        let s = m.score(name)?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, "out", s.into()) }
    })
}

/// The JS and KS thresholds of a live monitor (a separate struct so that
/// `tw_monitor_options` keeps its layout). NULL to `tw_monitor_new_js_ks`
/// means the defaults, which `tw_monitor_js_ks_default` writes:
/// `js_threshold` √0.05 ≈ 0.2236, `ks_threshold` 0.15 (the seed's).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_monitor_js_ks {
    /// A feature's JS drift flag is set when the Jensen–Shannon distance > this; finite and ≥ 0.
    pub js_threshold: f64,
    /// A feature's KS drift flag is set when the KS statistic > this; finite and ≥ 0.
    pub ks_threshold: f64,
}

/// Writes the default JS/KS thresholds (see `tw_monitor_js_ks`) to `out`.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_js_ks_default(out: *mut tw_monitor_js_ks) -> tw_status {
    let d = LiveMonitorOptions::default();
    let v = tw_monitor_js_ks {
        js_threshold: d.js_threshold,
        ks_threshold: d.ks_threshold,
    };
    // SAFETY: forwarded caller contract.
    guard(|| unsafe { write_out(out, "out", v) })
}

/// As `tw_monitor_new`, with the JS and KS thresholds of `js_ks` (NULL: the
/// defaults of `tw_monitor_js_ks`; `tw_monitor_new` uses those too). A
/// threshold that is negative or not finite is `TW_ERR_INVALID_INPUT`
/// naming it. Read the three statistics with `tw_monitor_score_all`.
///
/// # Safety
/// As `tw_monitor_new`; `js_ks` NULL or valid for one read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_new_js_ks(
    profile: *const tw_profile,
    opts: *const tw_monitor_options,
    js_ks: *const tw_monitor_js_ks,
    out: *mut *mut tw_monitor,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { profile_ref(profile, "profile")? };
        // SAFETY: forwarded caller contract.
        let mut o = unsafe { monitor_options(opts)? };
        if !js_ks.is_null() {
            // SAFETY: non-NULL and valid by the caller's contract.
            let t = unsafe { *js_ks };
            o.js_threshold = t.js_threshold;
            o.ks_threshold = t.ks_threshold;
        }
        non_null(out, "out")?;
        let inner = LiveMonitor::new(p, o)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_monitor>(out, inner) }
    })
}

/// The three live statistics of one monitored feature (PSI, Jensen–Shannon
/// distance, KS), as `tw_monitor_score_all` writes them. A new struct rather
/// than new fields of `tw_live_score`, whose size callers compiled against.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_live_scores {
    /// 1 when the window holds at least `min_values` values and the fields
    /// below are set; 0 when it does not yet (then the statistics are NaN,
    /// `n` 0, the flags 0 and `severity` `TW_SEVERITY_NONE`).
    pub ready: u32,
    /// PSI of the window against the profile's bins (natural log).
    pub psi: f64,
    /// Jensen–Shannon distance (natural log) between the reference's and the
    /// window's frequencies over the profile's bins.
    pub jensenshannon: f64,
    /// KS statistic on the profile's bin edges (a lower bound of the exact
    /// two-sample KS statistic; docs/drift.md).
    pub ks: f64,
    /// Values in the window (≤ `window`).
    pub n: u64,
    /// Non-finite values skipped so far under the profile's `skip` NaN policy.
    pub skipped: u64,
    /// 1 when `psi` > `psi_threshold` (PSI decides the monitor's drift).
    pub drift: u32,
    /// 1 when `jensenshannon` > `js_threshold`.
    pub js_drift: u32,
    /// 1 when `ks` > `ks_threshold`.
    pub ks_drift: u32,
    /// `TW_SEVERITY_*` of `psi` on the monitor's bands.
    pub severity: tw_severity,
}

impl From<Option<LiveScore>> for tw_live_scores {
    fn from(s: Option<LiveScore>) -> Self {
        match s {
            Some(s) => tw_live_scores {
                ready: 1,
                psi: s.psi,
                jensenshannon: s.jensenshannon,
                ks: s.ks,
                n: s.n as u64,
                skipped: s.skipped,
                drift: u32::from(s.drift),
                js_drift: u32::from(s.js_drift),
                ks_drift: u32::from(s.ks_drift),
                severity: severity_code(s.severity),
            },
            None => tw_live_scores {
                ready: 0,
                psi: f64::NAN,
                jensenshannon: f64::NAN,
                ks: f64::NAN,
                n: 0,
                skipped: 0,
                drift: 0,
                js_drift: 0,
                ks_drift: 0,
                severity: TW_SEVERITY_NONE,
            },
        }
    }
}

/// Writes the current PSI, JS and KS of `feature` to `out` (`out->ready` is
/// 0 until the window holds `min_values` values). An unknown feature is
/// `TW_ERR_NOT_FOUND`. Emits no metric.
///
/// # Safety
/// `monitor` must be a live monitor, `feature` a NUL-terminated string,
/// `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_score_all(
    monitor: *const tw_monitor,
    feature: *const c_char,
    out: *mut tw_live_scores,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { monitor_ref(monitor)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(feature, "feature")? };
        non_null(out, "out")?;
        let s = m.score(name)?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, "out", s.into()) }
    })
}

/// Scores every ready feature (`min_values` in its window) and emits, through
/// the installed metrics recorder (`tw_metrics_install`, its catalog's names),
/// `drift_score{feature,method}` for `method` = `psi`, `jensenshannon` and
/// `ks` on every call, and `drift_detections_total{metric_type,severity}`
/// (the same three `metric_type`s; `severity` from the PSI bands) once per
/// transition into drift: when a statistic exceeds its threshold and did not
/// at the feature's previous scored call. A feature that stays drifted is not
/// counted again; one that recovers and drifts again is. Writes the number of
/// features scored to `n_scored` and of those over the PSI threshold to
/// `n_drifted` (either may be NULL). Without a recorder the metrics go
/// nowhere and the call still succeeds.
///
/// # Safety
/// `monitor` must be a live monitor; `n_scored` and `n_drifted` NULL or
/// valid for one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_emit(
    monitor: *const tw_monitor,
    n_scored: *mut usize,
    n_drifted: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { monitor_ref(monitor)? };
        let scores = m.score_and_emit()?;
        let drifted = scores.iter().filter(|s| s.drift).count();
        if !n_scored.is_null() {
            // SAFETY: checked non-NULL; valid by the caller's contract.
            unsafe { *n_scored = scores.len() };
        }
        if !n_drifted.is_null() {
            // SAFETY: checked non-NULL; valid by the caller's contract.
            unsafe { *n_drifted = drifted };
        }
        Ok(())
    })
}

/// Frees a monitor; NULL is a no-op.
///
/// # Safety
/// `monitor` must be NULL or a monitor from `tw_monitor_new` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_monitor_free(monitor: *mut tw_monitor) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(monitor, "monitor") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::drift::{tw_profile_fit, tw_profile_free, tw_profile_new};
    use crate::{TW_ERR_NOT_FOUND, TW_ERR_NULL_ARGUMENT, TW_OK};
    use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};

    /// The header's `#define` is the drift crate's limit (the `const`
    /// assertion covers the Rust value; this, the committed header).
    #[test]
    fn header_window_cap_is_the_drift_crates() {
        let header = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/include/tradewarden.h"
        ))
        .unwrap();
        let line = header
            .lines()
            .find(|l| l.starts_with("#define TW_MAX_MONITOR_WINDOW "))
            .unwrap();
        let expr = line["#define TW_MAX_MONITOR_WINDOW ".len()..].trim();
        let shift: u32 = expr
            .strip_prefix("(1 << ")
            .and_then(|r| r.strip_suffix(')'))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(1usize << shift, tradewarden_drift::monitor::MAX_WINDOW);
        assert_eq!(
            TW_MAX_MONITOR_WINDOW,
            tradewarden_drift::monitor::MAX_WINDOW
        );
    }

    #[test]
    fn monitor_equals_the_rust_api() {
        let reference: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin()).collect();
        let current: Vec<f64> = (0..700).map(|i| (i as f64 * 0.11).cos() * 1.3).collect();
        let mut p: *mut tw_profile = std::ptr::null_mut();
        assert_eq!(unsafe { tw_profile_new(&mut p) }, TW_OK);
        let st = unsafe {
            tw_profile_fit(
                p,
                c"x".as_ptr(),
                reference.as_ptr(),
                reference.len(),
                std::ptr::null(),
            )
        };
        assert_eq!(st, TW_OK);
        let mut o = default_monitor_options();
        assert_eq!(unsafe { tw_monitor_options_default(&mut o) }, TW_OK);
        o.window = 600;
        o.min_values = 100;
        let mut m: *mut tw_monitor = std::ptr::null_mut();
        assert_eq!(unsafe { tw_monitor_new(p, &o, &mut m) }, TW_OK);
        unsafe { tw_profile_free(p) };

        let mut rp = Profile::new();
        rp.insert(
            "x",
            FeatureProfile::Numeric(
                NumericProfile::fit(&reference, &ProfileOptions::default()).unwrap(),
            ),
        );
        let mut rust = LiveMonitor::new(
            &rp,
            LiveMonitorOptions {
                window: 600,
                min_values: 100,
                ..Default::default()
            },
        )
        .unwrap();
        let mut s = tw_live_score::from(None);
        assert_eq!(
            unsafe { tw_monitor_push(m, c"x".as_ptr(), current.as_ptr(), 50) },
            TW_OK
        );
        assert_eq!(unsafe { tw_monitor_score(m, c"x".as_ptr(), &mut s) }, TW_OK);
        assert_eq!(s.ready, 0);
        assert!(s.psi.is_nan());
        assert_eq!(
            unsafe { tw_monitor_push(m, c"x".as_ptr(), current[50..].as_ptr(), 650) },
            TW_OK
        );
        rust.push("x", &current).unwrap();
        assert_eq!(unsafe { tw_monitor_score(m, c"x".as_ptr(), &mut s) }, TW_OK);
        let r = rust.score("x").unwrap().unwrap();
        assert_eq!(
            (s.ready, s.psi, s.n, s.drift, s.severity),
            (
                1,
                r.psi,
                r.n as u64,
                u32::from(r.drift),
                severity_code(r.severity)
            )
        );
        assert_eq!(s.n, 600);
        let before = s.psi;
        let bad = [0.1, f64::NAN];
        assert_eq!(
            unsafe { tw_monitor_push(m, c"x".as_ptr(), bad.as_ptr(), 2) },
            TW_ERR_INVALID_INPUT
        );
        assert_eq!(unsafe { tw_monitor_score(m, c"x".as_ptr(), &mut s) }, TW_OK);
        assert_eq!(s.psi, before);
        assert_eq!(
            unsafe { tw_monitor_score(m, c"y".as_ptr(), &mut s) },
            TW_ERR_NOT_FOUND
        );
        assert_eq!(
            unsafe { tw_monitor_score(m, c"x".as_ptr(), std::ptr::null_mut()) },
            TW_ERR_NULL_ARGUMENT
        );
        let (mut a, mut b) = (9usize, 9usize);
        assert_eq!(unsafe { tw_monitor_emit(m, &mut a, &mut b) }, TW_OK);
        assert_eq!((a, b), (1, usize::from(r.drift)));
        unsafe { tw_monitor_free(m) };
    }

    #[test]
    fn severity_codes_and_names() {
        for (s, name) in [
            (Severity::None, "none"),
            (Severity::Low, "low"),
            (Severity::Medium, "medium"),
            (Severity::High, "high"),
            (Severity::Critical, "critical"),
        ] {
            let n = tw_severity_name(severity_code(s));
            // SAFETY: a static NUL-terminated string.
            let n = unsafe { std::ffi::CStr::from_ptr(n) };
            assert_eq!(n.to_str().unwrap(), name);
            assert_eq!(s.as_str(), name);
        }
        assert!(tw_severity_name(5).is_null());
    }
}
