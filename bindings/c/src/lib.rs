//! The C ABI of tradewarden (header: `include/tradewarden.h`).
//!
//! Conventions (rustls-ffi): every function returns a [`tw_status`]; `TW_OK`
//! is 0 and every other code is stable; out-parameters are written only on
//! success; a buffer is followed by its length; every pointer is checked for
//! NULL; every export runs inside `catch_unwind`, so a panic becomes
//! `TW_ERR_INTERNAL` instead of undefined behaviour. The message of the last
//! error on the calling thread is read with [`tw_last_error_message`].
//!
//! The binding holds no logic: it converts, calls the Rust library and maps
//! errors through an exhaustive match on [`ErrorKind`].
// The C ABI is raw pointers; every dereference goes through the checked
// helpers of this crate (the workspace lints deny unsafe code elsewhere).
#![allow(unsafe_code)]
#![allow(non_camel_case_types)]
#![deny(missing_docs)]

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use tradewarden_core::returns::{self, Summary, SummaryOptions};
use tradewarden_core::{Classify, ErrorKind, NanPolicy, Period, ReturnsOptions};

pub mod drift;
pub mod guardrails;
pub(crate) mod handle;
#[cfg(feature = "inference")]
pub mod inference;
pub mod journal;
pub mod monitor;
pub mod reach;
pub mod registry;
pub mod report;
pub mod scorer;
pub mod state;

pub use drift::*;
pub use guardrails::*;
#[cfg(feature = "inference")]
pub use inference::*;
pub use journal::*;
pub use monitor::*;
pub use reach::*;
pub use registry::*;
pub use report::*;
pub use scorer::*;
pub use state::*;

#[cfg(test)]
mod tests_hardening;

/// Status code returned by every function.
pub type tw_status = i32;

/// Success.
pub const TW_OK: tw_status = 0;
/// Invalid argument value (empty series, NaN under the error policy, bad option…).
pub const TW_ERR_INVALID_INPUT: tw_status = 1;
/// Invalid configuration document.
pub const TW_ERR_INVALID_CONFIG: tw_status = 2;
/// A named thing does not exist.
pub const TW_ERR_NOT_FOUND: tw_status = 3;
/// Operating-system I/O failure.
pub const TW_ERR_IO: tw_status = 4;
/// Persisted data is corrupt.
pub const TW_ERR_CORRUPT: tw_status = 5;
/// Not allowed in the current state.
pub const TW_ERR_STATE: tw_status = 6;
/// Not supported by this build.
pub const TW_ERR_UNSUPPORTED: tw_status = 7;
/// A bug in tradewarden, including a caught panic.
pub const TW_ERR_INTERNAL: tw_status = 8;
/// A required pointer argument was NULL.
pub const TW_ERR_NULL_ARGUMENT: tw_status = 100;
/// The caller's buffer is too small (see `tw_last_error_length`).
pub const TW_ERR_BUFFER_TOO_SMALL: tw_status = 101;

/// The status of each error kind: an exhaustive match, so a new kind cannot be forgotten.
pub(crate) fn status_of(kind: ErrorKind) -> tw_status {
    match kind {
        ErrorKind::InvalidInput => TW_ERR_INVALID_INPUT,
        ErrorKind::InvalidConfig => TW_ERR_INVALID_CONFIG,
        ErrorKind::NotFound => TW_ERR_NOT_FOUND,
        ErrorKind::Io => TW_ERR_IO,
        ErrorKind::Corrupt => TW_ERR_CORRUPT,
        ErrorKind::State => TW_ERR_STATE,
        ErrorKind::Unsupported => TW_ERR_UNSUPPORTED,
        ErrorKind::Internal => TW_ERR_INTERNAL,
    }
}

/// NaN policy: NaN or ±inf is an error (default).
pub const TW_NAN_POLICY_ERROR: u32 = 0;
/// NaN policy: skip NaN as empyrical does.
pub const TW_NAN_POLICY_SKIP: u32 = 1;
/// NaN policy: any NaN makes the result NaN.
pub const TW_NAN_POLICY_PROPAGATE: u32 = 2;

/// Options of the returns functions. Passing NULL means empyrical's defaults
/// (annualization 252, risk-free 0, required return 0, ddof 1, NaN is an error).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_returns_options {
    /// Periods per year (252 daily, 52 weekly, 12 monthly, 4 quarterly, 1 yearly); > 0.
    pub annualization: f64,
    /// Per-period risk-free rate.
    pub risk_free: f64,
    /// Per-period required return (Sortino, downside risk).
    pub required_return: f64,
    /// One of `TW_NAN_POLICY_*`.
    pub nan_policy: u32,
}

/// Every single-series metric (and the benchmark-relative ones when
/// `has_benchmark` is 1), as filled by `tw_returns_summary`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct tw_summary {
    /// Values used (NaN excluded).
    pub n: u64,
    /// NaN values skipped.
    pub n_nan: u64,
    /// Per-period mean.
    pub mean: f64,
    /// Per-period standard deviation (ddof 1).
    pub std: f64,
    /// Compounded return.
    pub cumulative_return: f64,
    /// CAGR.
    pub annual_return: f64,
    /// Annualised volatility.
    pub annual_volatility: f64,
    /// Annualised Sharpe ratio.
    pub sharpe_ratio: f64,
    /// Annualised Sortino ratio.
    pub sortino_ratio: f64,
    /// Annualised downside deviation.
    pub downside_risk: f64,
    /// Maximum drawdown (≤ 0).
    pub max_drawdown: f64,
    /// Calmar ratio.
    pub calmar_ratio: f64,
    /// Omega ratio (required return 0).
    pub omega_ratio: f64,
    /// Tail ratio.
    pub tail_ratio: f64,
    /// Historical VaR at 5 %.
    pub value_at_risk: f64,
    /// Historical CVaR at 5 %.
    pub conditional_value_at_risk: f64,
    /// Skewness (G1).
    pub skew: f64,
    /// Excess kurtosis (G2).
    pub kurtosis: f64,
    /// Stability of the time series.
    pub stability: f64,
    /// Win rate (zeros excluded).
    pub win_rate: f64,
    /// Profit factor.
    pub profit_factor: f64,
    /// Ulcer index.
    pub ulcer_index: f64,
    /// 1 when the benchmark fields are set, else 0.
    pub has_benchmark: u32,
    /// Beta against the benchmark.
    pub beta: f64,
    /// Alpha (empyrical, compounded).
    pub alpha: f64,
    /// Tracking error (annualised).
    pub tracking_error: f64,
    /// Information ratio (per period).
    pub information_ratio: f64,
    /// Correlation with the benchmark.
    pub benchmark_correlation: f64,
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set_last_error(msg: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = msg);
}

/// A failed call: status and message.
pub(crate) struct Failure(pub(crate) tw_status, pub(crate) String);

impl<E: Classify + std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(status_of(e.kind()), e.to_string())
    }
}

pub(crate) fn null(name: &str) -> Failure {
    Failure(TW_ERR_NULL_ARGUMENT, format!("{name} is NULL"))
}

/// Runs `f` inside `catch_unwind`, records the error message, returns the status.
pub(crate) fn guard<F: FnOnce() -> Result<(), Failure>>(f: F) -> tw_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => TW_OK,
        Ok(Err(Failure(code, msg))) => {
            set_last_error(msg);
            code
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            set_last_error(format!("internal error (panic caught): {msg}"));
            TW_ERR_INTERNAL
        }
    }
}

/// A caller's series of `len` doubles: NULL is `TW_ERR_NULL_ARGUMENT`, a
/// length whose byte size overflows (or exceeds `isize::MAX`) or a
/// misaligned pointer `TW_ERR_INVALID_INPUT` (see [`handle::slice_in`]).
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable `f64`.
pub(crate) unsafe fn series<'a>(
    ptr: *const f64,
    len: usize,
    name: &str,
) -> Result<&'a [f64], Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::slice_in(ptr, len, name) }
}

/// Copies `bytes` and a NUL into the caller's `buf` of `len` bytes and the
/// length (without the NUL) into `written`; `TW_ERR_BUFFER_TOO_SMALL` (the
/// message names `len` and the size needed, `what` says what did not fit)
/// and nothing written when it does not fit.
///
/// # Safety
/// `buf` must be non-NULL and valid for `len` writes, `written` non-NULL and
/// valid for one write.
unsafe fn copy_c_string(
    bytes: &[u8],
    what: &str,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> Result<(), Failure> {
    let need = bytes.len() + 1;
    if need > len {
        return Err(Failure(
            TW_ERR_BUFFER_TOO_SMALL,
            format!("len = {len}: the {what} needs {need} bytes"),
        ));
    }
    // Only the `need` bytes written are made a slice (need ≤ len).
    // SAFETY: buf valid for len ≥ need writes (caller's contract).
    let dst = unsafe { handle::slice_out(buf.cast::<u8>(), need, "buf")? };
    handle::copy_into(dst, bytes);
    dst[bytes.len()].write(0);
    // SAFETY: non-NULL and valid for one write (caller's contract).
    unsafe { written.write(bytes.len()) };
    Ok(())
}

/// The NaN policy of a `TW_NAN_POLICY_*` code.
pub(crate) fn nan_policy_of(code: u32) -> Result<NanPolicy, Failure> {
    match code {
        TW_NAN_POLICY_ERROR => Ok(NanPolicy::Error),
        TW_NAN_POLICY_SKIP => Ok(NanPolicy::Skip),
        TW_NAN_POLICY_PROPAGATE => Ok(NanPolicy::Propagate),
        other => Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid nan_policy = {other}: expected TW_NAN_POLICY_ERROR, _SKIP or _PROPAGATE"
            ),
        )),
    }
}

/// # Safety
/// `opts` must be NULL or point to a valid `tw_returns_options`.
unsafe fn options(opts: *const tw_returns_options) -> Result<ReturnsOptions, Failure> {
    if opts.is_null() {
        return Ok(ReturnsOptions::default());
    }
    // SAFETY: non-NULL and valid by the caller's contract.
    let o = unsafe { *opts };
    let nan_policy = nan_policy_of(o.nan_policy)?;
    let r = ReturnsOptions {
        period: Period::Custom(o.annualization),
        risk_free: o.risk_free,
        required_return: o.required_return,
        ddof: 1,
        nan_policy,
    };
    r.validate()?;
    Ok(r)
}

/// The library version, a static NUL-terminated string.
#[unsafe(no_mangle)]
pub extern "C" fn tw_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Copies the last error message of this thread, NUL-terminated, into `buf`
/// of `len` bytes and writes its length (without the NUL) to `written`.
/// `TW_ERR_BUFFER_TOO_SMALL` when it does not fit (`tw_last_error_length`
/// tells the size needed).
///
/// # Safety
/// `buf` must be valid for `len` writes and `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_last_error_message(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    if buf.is_null() || written.is_null() {
        return TW_ERR_NULL_ARGUMENT;
    }
    // Not through `guard`: a failure here must not replace the message.
    LAST_ERROR.with(|e| {
        let msg = e.borrow();
        // SAFETY: both non-NULL (checked above); valid by the caller's contract.
        match unsafe { copy_c_string(msg.as_bytes(), "message", buf, len, written) } {
            Ok(()) => TW_OK,
            Err(Failure(code, _)) => code,
        }
    })
}

/// Writes the size in bytes (including the NUL) needed for the last error message.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_last_error_length(out: *mut usize) -> tw_status {
    if out.is_null() {
        return TW_ERR_NULL_ARGUMENT;
    }
    // SAFETY: checked non-NULL above.
    LAST_ERROR.with(|e| unsafe { *out = e.borrow().len() + 1 });
    TW_OK
}

type ScalarFn = fn(&[f64], &ReturnsOptions) -> tradewarden_core::Result<f64>;

/// Shared body of the scalar returns functions.
///
/// # Safety
/// As each caller's contract.
unsafe fn scalar(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
    f: ScalarFn,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { series(returns, len, "returns")? };
        // SAFETY: forwarded caller contract.
        let o = unsafe { options(opts)? };
        if out.is_null() {
            return Err(null("out"));
        }
        let v = f(r, &o)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = v };
        Ok(())
    })
}

/// Annualised Sharpe ratio (empyrical `sharpe_ratio`).
///
/// # Safety
/// `returns` must point to `len` readable doubles, `opts` must be NULL
/// (empyrical's defaults) or valid, and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_sharpe_ratio(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { scalar(returns, len, opts, out, returns::sharpe_ratio) }
}

/// Annualised Sortino ratio (empyrical `sortino_ratio`).
///
/// # Safety
/// `returns` must point to `len` readable doubles, `opts` must be NULL
/// (empyrical's defaults) or valid, and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_sortino_ratio(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { scalar(returns, len, opts, out, returns::sortino_ratio) }
}

/// Maximum drawdown, ≤ 0 (empyrical `max_drawdown`).
///
/// # Safety
/// `returns` must point to `len` readable doubles, `opts` must be NULL
/// (empyrical's defaults) or valid, and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_max_drawdown(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { scalar(returns, len, opts, out, returns::max_drawdown) }
}

/// CAGR (empyrical `annual_return`).
///
/// # Safety
/// `returns` must point to `len` readable doubles, `opts` must be NULL
/// (empyrical's defaults) or valid, and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_annual_return(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { scalar(returns, len, opts, out, returns::annual_return) }
}

/// Annualised volatility (empyrical `annual_volatility`).
///
/// # Safety
/// `returns` must point to `len` readable doubles, `opts` must be NULL
/// (empyrical's defaults) or valid, and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_annual_volatility(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { scalar(returns, len, opts, out, returns::annual_volatility) }
}

/// Calmar ratio (empyrical `calmar_ratio`).
///
/// # Safety
/// `returns` must point to `len` readable doubles, `opts` must be NULL
/// (empyrical's defaults) or valid, and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_calmar_ratio(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { scalar(returns, len, opts, out, returns::calmar_ratio) }
}

/// Annualised downside risk (empyrical `downside_risk`).
///
/// # Safety
/// `returns` must point to `len` readable doubles, `opts` must be NULL
/// (empyrical's defaults) or valid, and `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_downside_risk(
    returns: *const f64,
    len: usize,
    opts: *const tw_returns_options,
    out: *mut f64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { scalar(returns, len, opts, out, returns::downside_risk) }
}

/// Fills `out` with every metric of `returns` in one pass; `benchmark` may be
/// NULL (then `benchmark_len` must be 0), else it must have `len` values.
///
/// # Safety
/// `returns` must point to `len` doubles, `benchmark` to `benchmark_len`
/// doubles or be NULL, `opts` NULL or valid, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_returns_summary(
    returns: *const f64,
    len: usize,
    benchmark: *const f64,
    benchmark_len: usize,
    opts: *const tw_returns_options,
    out: *mut tw_summary,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { series(returns, len, "returns")? };
        let b = if benchmark.is_null() {
            if benchmark_len != 0 {
                return Err(Failure(
                    TW_ERR_INVALID_INPUT,
                    format!("benchmark is NULL but benchmark_len = {benchmark_len}"),
                ));
            }
            None
        } else {
            // SAFETY: forwarded caller contract.
            Some(unsafe { series(benchmark, benchmark_len, "benchmark")? })
        };
        // SAFETY: forwarded caller contract.
        let o = unsafe { options(opts)? };
        if out.is_null() {
            return Err(null("out"));
        }
        let s = Summary::compute(
            r,
            b,
            &SummaryOptions {
                returns: o,
                ..Default::default()
            },
        )?;
        let mut c = tw_summary {
            n: s.n as u64,
            n_nan: s.n_nan as u64,
            mean: s.mean,
            std: s.std,
            cumulative_return: s.cumulative_return,
            annual_return: s.annual_return,
            annual_volatility: s.annual_volatility,
            sharpe_ratio: s.sharpe_ratio,
            sortino_ratio: s.sortino_ratio,
            downside_risk: s.downside_risk,
            max_drawdown: s.max_drawdown,
            calmar_ratio: s.calmar_ratio,
            omega_ratio: s.omega_ratio,
            tail_ratio: s.tail_ratio,
            value_at_risk: s.value_at_risk,
            conditional_value_at_risk: s.conditional_value_at_risk,
            skew: s.skew,
            kurtosis: s.kurtosis,
            stability: s.stability,
            win_rate: s.win_rate,
            profit_factor: s.profit_factor,
            ulcer_index: s.ulcer_index,
            ..Default::default()
        };
        if let Some(bs) = s.benchmark {
            c.has_benchmark = 1;
            c.beta = bs.beta;
            c.alpha = bs.alpha;
            c.tracking_error = bs.tracking_error;
            c.information_ratio = bs.information_ratio;
            c.benchmark_correlation = bs.benchmark_correlation;
        }
        // SAFETY: checked non-NULL above.
        unsafe { *out = c };
        Ok(())
    })
}

/// The process-wide exporter installed by `tw_metrics_install`.
static EXPORTER: std::sync::Mutex<Option<tradewarden_metrics::Exporter>> =
    std::sync::Mutex::new(None);

/// # Safety
/// `s` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn c_str<'a>(s: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let c = unsafe { std::ffi::CStr::from_ptr(s) };
    c.to_str()
        .map(Some)
        .map_err(|_| Failure(TW_ERR_INVALID_INPUT, format!("{name} is not valid UTF-8")))
}

/// A NUL-terminated UTF-8 string argument that must not be NULL.
///
/// # Safety
/// `s` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn req_str<'a>(s: *const c_char, name: &str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { c_str(s, name)? }.ok_or_else(|| null(name))
}

/// Fails with `TW_ERR_NULL_ARGUMENT` naming `name` when `p` is NULL.
pub(crate) fn non_null<T>(p: *const T, name: &str) -> Result<(), Failure> {
    if p.is_null() { Err(null(name)) } else { Ok(()) }
}

/// Copies `s` NUL-terminated into the caller's `buf` of `len` bytes and its
/// length (without the NUL) into `written`. NULL `buf`/`written` are
/// `TW_ERR_NULL_ARGUMENT`; `TW_ERR_BUFFER_TOO_SMALL` (the message names `len`
/// and the size needed, `what` says what did not fit) and nothing written
/// when it does not fit.
///
/// # Safety
/// `buf` must be NULL or valid for `len` writes, `written` NULL or valid for one write.
pub(crate) unsafe fn write_str(
    s: &str,
    what: &str,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> Result<(), Failure> {
    non_null(buf, "buf")?;
    non_null(written, "written")?;
    // SAFETY: both non-NULL (checked above); valid by the caller's contract.
    unsafe { copy_c_string(s.as_bytes(), what, buf, len, written) }
}

/// Writes `v` to the out-parameter `out` (named `name` in the error).
///
/// # Safety
/// `out` must be NULL or valid for one write.
pub(crate) unsafe fn write_out<T>(out: *mut T, name: &str, v: T) -> Result<(), Failure> {
    non_null(out, name)?;
    // SAFETY: checked non-NULL; valid by the caller's contract.
    unsafe { out.write(v) };
    Ok(())
}

/// Installs the Prometheus exporter (once per process). `config_json` is an
/// `ExporterConfig` as JSON (see docs/telemetry.md), or NULL for the defaults
/// *without* an HTTP listener — the engine serves `tw_metrics_render` itself.
/// A second call gives `TW_ERR_STATE`.
///
/// # Safety
/// `config_json` must be NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_metrics_install(config_json: *const c_char) -> tw_status {
    guard(|| {
        use tradewarden_core::config::{ConfigFormat, parse_config};
        use tradewarden_metrics::{Exporter, ExporterConfig};
        // SAFETY: forwarded caller contract.
        let cfg: ExporterConfig = match unsafe { c_str(config_json, "config_json")? } {
            Some(text) => parse_config(text, ConfigFormat::Json)?,
            None => ExporterConfig {
                listen: None,
                ..ExporterConfig::default()
            },
        };
        let mut slot = EXPORTER.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return Err(Failure(
                TW_ERR_STATE,
                "the metrics exporter is already installed".into(),
            ));
        }
        *slot = Some(Exporter::install(&cfg)?);
        Ok(())
    })
}

fn render_text() -> Result<String, Failure> {
    let slot = EXPORTER.lock().unwrap_or_else(|p| p.into_inner());
    match slot.as_ref() {
        Some(e) => Ok(e.render()?),
        None => Err(Failure(
            TW_ERR_STATE,
            "the metrics exporter is not installed: call tw_metrics_install first".into(),
        )),
    }
}

/// Writes the Prometheus text exposition, NUL-terminated, into `buf` of `len`
/// bytes and its length (without the NUL) to `written`.
/// `TW_ERR_BUFFER_TOO_SMALL` when it does not fit (nothing is written; see
/// `tw_metrics_render_length`), `TW_ERR_STATE` before `tw_metrics_install`.
///
/// # Safety
/// `buf` must be valid for `len` writes, `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_metrics_render(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        if buf.is_null() {
            return Err(null("buf"));
        }
        if written.is_null() {
            return Err(null("written"));
        }
        let text = render_text()?;
        // SAFETY: both non-NULL (checked above); valid by the caller's contract.
        unsafe { copy_c_string(text.as_bytes(), "exposition", buf, len, written) }
    })
}

/// Writes the buffer size (including the NUL) the exposition needs right now.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_metrics_render_length(out: *mut usize) -> tw_status {
    guard(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        let n = render_text()?.len() + 1;
        // SAFETY: checked non-NULL above.
        unsafe { *out = n };
        Ok(())
    })
}

/// Panics inside the library on purpose: lets tests check that a panic
/// becomes `TW_ERR_INTERNAL` and never crosses into C. Only in the unit
/// tests and in a library built with the cargo feature `test-panic`
/// (scripts/test.d/40-c.sh); never in the header or a production library.
///
/// cbindgen:ignore
#[cfg(any(test, feature = "test-panic"))]
#[unsafe(no_mangle)]
pub extern "C" fn tw_debug_force_panic() -> tw_status {
    guard(|| -> Result<(), Failure> { panic!("forced panic for the test suite") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        let mut buf = vec![0 as c_char; 512];
        let mut n = 0usize;
        assert_eq!(
            unsafe { tw_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) },
            TW_OK
        );
        let bytes: Vec<u8> = buf[..n].iter().map(|c| *c as u8).collect();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn every_kind_has_a_distinct_status() {
        let mut codes: Vec<tw_status> = ErrorKind::ALL.iter().map(|k| status_of(*k)).collect();
        assert_eq!(
            codes,
            ErrorKind::ALL
                .iter()
                .map(|k| k.code() as i32)
                .collect::<Vec<_>>()
        );
        codes.dedup();
        assert_eq!(codes.len(), 8);
    }

    #[test]
    fn sharpe_equals_rust_api_and_out_untouched_on_error() {
        let r = [0.01, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01];
        let mut out = -1.0;
        assert_eq!(
            unsafe { tw_returns_sharpe_ratio(r.as_ptr(), r.len(), std::ptr::null(), &mut out) },
            TW_OK
        );
        assert_eq!(
            out,
            returns::sharpe_ratio(&r, &ReturnsOptions::default()).unwrap()
        );
        let mut out = -1.0;
        let bad = [0.01, f64::NAN];
        assert_eq!(
            unsafe { tw_returns_sharpe_ratio(bad.as_ptr(), 2, std::ptr::null(), &mut out) },
            TW_ERR_INVALID_INPUT
        );
        assert_eq!(out, -1.0);
        assert!(last_error().contains("returns[1] = NaN"));
        assert_eq!(
            unsafe { tw_returns_sharpe_ratio(std::ptr::null(), 3, std::ptr::null(), &mut out) },
            TW_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            unsafe {
                tw_returns_sharpe_ratio(r.as_ptr(), 3, std::ptr::null(), std::ptr::null_mut())
            },
            TW_ERR_NULL_ARGUMENT
        );
        let o = tw_returns_options {
            annualization: 0.0,
            risk_free: 0.0,
            required_return: 0.0,
            nan_policy: 0,
        };
        assert_eq!(
            unsafe { tw_returns_sharpe_ratio(r.as_ptr(), 3, &o, &mut out) },
            TW_ERR_INVALID_INPUT
        );
        assert!(last_error().contains("annualization"));
    }

    #[test]
    fn panic_becomes_internal_and_small_buffer_is_reported() {
        assert_eq!(tw_debug_force_panic(), TW_ERR_INTERNAL);
        assert!(last_error().contains("forced panic"));
        let mut tiny = [0 as c_char; 4];
        let mut n = 99usize;
        assert_eq!(
            unsafe { tw_last_error_message(tiny.as_mut_ptr(), 4, &mut n) },
            TW_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(n, 99);
        let mut need = 0usize;
        assert_eq!(unsafe { tw_last_error_length(&mut need) }, TW_OK);
        assert!(need > 4);
    }
}
