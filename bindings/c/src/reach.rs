//! C doors to the seed-facing pieces that had none (issue #21 "Reach"): the
//! market regime classifier and the prediction sanity guard
//! (`tradewarden_inference::{regime, guard}`, burn-free), the recovery
//! tracker (`tradewarden_metrics::recovery`) and the stateless evaluation of
//! a policy's period limits (`tradewarden_guardrails::period::evaluate`,
//! without an engine). Each door converts its arguments, calls one crate
//! function and converts the result.

use std::ffi::c_char;

use tradewarden_guardrails::Policy;
use tradewarden_guardrails::period;
use tradewarden_inference::guard::{DropReason, SanityGuard};
use tradewarden_inference::regime::{self, Regime, RegimeConfig};
use tradewarden_metrics::recovery::{Outcome, RecoveryConfig, RecoveryTracker};

use crate::guardrails::{
    breach as period_breach, observation as period_observation, tw_period_breach,
    tw_period_observation,
};
use crate::handle::{self, Tagged, handle};
use crate::{Failure, c_str, guard, non_null, req_str, series, tw_status, write_out, write_str};

// ------------------------------------------------------------ regime ---

/// A market regime (one of `TW_REGIME_*`; the `regime` label of `market_regime_state`).
pub type tw_regime = u32;
/// Strong positive momentum.
pub const TW_REGIME_TRENDING_UP: tw_regime = 0;
/// Strong negative momentum.
pub const TW_REGIME_TRENDING_DOWN: tw_regime = 1;
/// Quiet and flat.
pub const TW_REGIME_RANGE_BOUND: tw_regime = 2;
/// High volatility or a wide range without a trend.
pub const TW_REGIME_VOLATILE: tw_regime = 3;
/// None of the above.
pub const TW_REGIME_NEUTRAL: tw_regime = 4;
/// Not enough history (fewer candles than `window`).
pub const TW_REGIME_UNKNOWN: tw_regime = 5;

fn regime_code(r: Regime) -> tw_regime {
    match r {
        Regime::TrendingUp => TW_REGIME_TRENDING_UP,
        Regime::TrendingDown => TW_REGIME_TRENDING_DOWN,
        Regime::RangeBound => TW_REGIME_RANGE_BOUND,
        Regime::Volatile => TW_REGIME_VOLATILE,
        Regime::Neutral => TW_REGIME_NEUTRAL,
        Regime::Unknown => TW_REGIME_UNKNOWN,
    }
}

/// The snake_case name of a `TW_REGIME_*` code ("trending_up", …, "unknown";
/// the crate's `Regime::as_str`), a static NUL-terminated string; NULL for an
/// unknown code.
#[unsafe(no_mangle)]
pub extern "C" fn tw_regime_name(regime: tw_regime) -> *const c_char {
    match regime {
        TW_REGIME_TRENDING_UP => c"trending_up".as_ptr(),
        TW_REGIME_TRENDING_DOWN => c"trending_down".as_ptr(),
        TW_REGIME_RANGE_BOUND => c"range_bound".as_ptr(),
        TW_REGIME_VOLATILE => c"volatile".as_ptr(),
        TW_REGIME_NEUTRAL => c"neutral".as_ptr(),
        TW_REGIME_UNKNOWN => c"unknown".as_ptr(),
        _ => std::ptr::null(),
    }
}

/// Thresholds of the regime classifier (ratios are fractions). NULL to
/// `tw_regime_classify` means the defaults (ml-trading-bot's), which
/// `tw_regime_config_default` writes: window 120, range_bound_max_vol 0.004,
/// range_bound_max_abs_momentum 0.01, trend_min_abs_momentum 0.015,
/// volatile_min_vol 0.01, volatile_min_range 0.03.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_regime_config {
    /// Candles looked at (at least 3).
    pub window: usize,
    /// `range_bound` needs `vol` below this …
    pub range_bound_max_vol: f64,
    /// … and `|momentum|` below this.
    pub range_bound_max_abs_momentum: f64,
    /// `trending_up` / `trending_down` when `|momentum|` exceeds this.
    pub trend_min_abs_momentum: f64,
    /// `volatile` when `vol` is at least this …
    pub volatile_min_vol: f64,
    /// … or `range` exceeds this.
    pub volatile_min_range: f64,
}

impl From<RegimeConfig> for tw_regime_config {
    fn from(c: RegimeConfig) -> Self {
        tw_regime_config {
            window: c.window,
            range_bound_max_vol: c.range_bound_max_vol,
            range_bound_max_abs_momentum: c.range_bound_max_abs_momentum,
            trend_min_abs_momentum: c.trend_min_abs_momentum,
            volatile_min_vol: c.volatile_min_vol,
            volatile_min_range: c.volatile_min_range,
        }
    }
}

impl From<tw_regime_config> for RegimeConfig {
    fn from(c: tw_regime_config) -> Self {
        RegimeConfig {
            window: c.window,
            range_bound_max_vol: c.range_bound_max_vol,
            range_bound_max_abs_momentum: c.range_bound_max_abs_momentum,
            trend_min_abs_momentum: c.trend_min_abs_momentum,
            volatile_min_vol: c.volatile_min_vol,
            volatile_min_range: c.volatile_min_range,
        }
    }
}

/// The regime and the statistics it was decided on, as `tw_regime_classify` writes it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_regime_reading {
    /// `TW_REGIME_*`.
    pub regime: tw_regime,
    /// Sample standard deviation of close-to-close returns (NaN when unknown).
    pub vol: f64,
    /// `close[last] / close[first] - 1` over the window (NaN when unknown).
    pub momentum: f64,
    /// `(max high - min low) / close[last]` (NaN when unknown).
    pub range: f64,
}

/// Writes the default regime thresholds (see `tw_regime_config`) to `out`.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_regime_config_default(out: *mut tw_regime_config) -> tw_status {
    // SAFETY: forwarded caller contract.
    guard(|| unsafe { write_out(out, "out", RegimeConfig::default().into()) })
}

/// Classifies the last `config->window` candles of `high`, `low`, `close`
/// (`len` each, oldest first; `config` NULL: the defaults) and writes the
/// reading to `out`. Fewer than `window` candles: `TW_REGIME_UNKNOWN` with
/// NaN statistics. An invalid config (window < 3, a threshold not finite
/// and > 0) is `TW_ERR_INVALID_CONFIG` naming each field; a price in the window
/// that is not finite and > 0, or a high below its low,
/// `TW_ERR_INVALID_INPUT` naming it.
///
/// # Safety
/// `high`, `low`, `close` must be valid for `len` reads each, `config` NULL
/// or valid, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_regime_classify(
    high: *const f64,
    low: *const f64,
    close: *const f64,
    len: usize,
    config: *const tw_regime_config,
    out: *mut tw_regime_reading,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let (h, l, c) = unsafe {
            (
                series(high, len, "high")?,
                series(low, len, "low")?,
                series(close, len, "close")?,
            )
        };
        let cfg = if config.is_null() {
            RegimeConfig::default()
        } else {
            // SAFETY: non-NULL and valid by the caller's contract.
            unsafe { *config }.into()
        };
        non_null(out, "out")?;
        let r = regime::classify(h, l, c, &cfg)?;
        let reading = tw_regime_reading {
            regime: regime_code(r.regime),
            vol: r.vol,
            momentum: r.momentum,
            range: r.range,
        };
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, "out", reading) }
    })
}

// ------------------------------------------------------------- guard ---

/// Verdict on one forecast point (one of `TW_SANITY_*`).
pub type tw_sanity_verdict = u32;
/// The point is kept.
pub const TW_SANITY_KEPT: tw_sanity_verdict = 0;
/// Dropped: beyond `max_move_from_last_close`.
pub const TW_SANITY_MOVE_FROM_LAST_CLOSE: tw_sanity_verdict = 1;
/// Dropped: beyond `max_step_move` from the previous kept point.
pub const TW_SANITY_STEP_MOVE: tw_sanity_verdict = 2;
/// Dropped: NaN, ±inf or ≤ 0.
pub const TW_SANITY_NOT_FINITE: tw_sanity_verdict = 3;

/// Thresholds of the prediction sanity guard (fractions: 0.12 = 12 %). NULL
/// to `tw_sanity_guard_check` means the defaults: 0.12 and 0.06.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_sanity_guard {
    /// Largest accepted move from the last close.
    pub max_move_from_last_close: f64,
    /// Largest accepted move from the previous kept point.
    pub max_step_move: f64,
}

/// Checks the forecast path `forecast` (`len` prices after `last_close`)
/// with the sanity guard (`thresholds` NULL: the defaults) and writes one
/// `TW_SANITY_*` verdict per point to `verdicts` (`len` entries, in order)
/// and the number of kept points to `n_kept`. A point is compared with the
/// last close, then with the previous kept point. Thresholds not finite
/// and > 0 are `TW_ERR_INVALID_CONFIG` naming each; a `last_close` not finite
/// and > 0 `TW_ERR_INVALID_INPUT`. `len` 0 succeeds with `n_kept` 0
/// (`forecast` and `verdicts` must still not be NULL).
///
/// # Safety
/// `forecast` must be valid for `len` reads, `thresholds` NULL or valid,
/// `verdicts` valid for `len` writes, `n_kept` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_sanity_guard_check(
    last_close: f64,
    forecast: *const f64,
    len: usize,
    thresholds: *const tw_sanity_guard,
    verdicts: *mut tw_sanity_verdict,
    n_kept: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let f = unsafe { series(forecast, len, "forecast")? };
        non_null(verdicts, "verdicts")?;
        non_null(n_kept, "n_kept")?;
        handle::check_len(verdicts, len, "verdicts")?;
        let g = if thresholds.is_null() {
            SanityGuard::default()
        } else {
            // SAFETY: non-NULL and valid by the caller's contract.
            let t = unsafe { *thresholds };
            SanityGuard {
                max_move_from_last_close: t.max_move_from_last_close,
                max_step_move: t.max_step_move,
            }
        };
        let out = g.check(last_close, f)?;
        let mut codes = vec![TW_SANITY_KEPT; len];
        for d in &out.dropped {
            codes[d.index] = match d.reason {
                DropReason::MoveFromLastClose => TW_SANITY_MOVE_FROM_LAST_CLOSE,
                DropReason::StepMove => TW_SANITY_STEP_MOVE,
                DropReason::NotFinite => TW_SANITY_NOT_FINITE,
            };
        }
        // SAFETY: `verdicts` valid for `len` writes (caller's contract).
        let dst = unsafe { handle::slice_out(verdicts, len, "verdicts")? };
        handle::copy_into(dst, &codes);
        // SAFETY: checked non-NULL; valid by the caller's contract.
        unsafe { n_kept.write(out.kept.len()) };
        Ok(())
    })
}

// ---------------------------------------------------------- recovery ---

/// Limits of a recovery tracker. NULL to `tw_recovery_new` means the
/// defaults, which `tw_recovery_config_default` writes: capacity 10000,
/// retention 86400 s, recent window 100, at most 256 operation names.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_recovery_config {
    /// Maximum records kept (ring), > 0.
    pub capacity: usize,
    /// Records older than this many seconds are dropped, finite and > 0.
    pub retention_seconds: f64,
    /// Results per operation behind `recent_success_rate`, > 0.
    pub recent_window: usize,
    /// Maximum distinct operation names, > 0.
    pub max_operations: usize,
}

impl From<RecoveryConfig> for tw_recovery_config {
    fn from(c: RecoveryConfig) -> Self {
        tw_recovery_config {
            capacity: c.capacity,
            retention_seconds: c.retention_seconds,
            recent_window: c.recent_window,
            max_operations: c.max_operations,
        }
    }
}

/// One finished operation, as `tw_recovery_record` takes it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_recovery_outcome {
    /// Operation name (a bounded set, e.g. "fetch_quotes"), NUL-terminated, not empty.
    pub operation: *const c_char,
    /// 1 when it finally succeeded, else 0.
    pub success: u32,
    /// Wall time including retries, seconds (finite, ≥ 0).
    pub duration_seconds: f64,
    /// Attempts made (≥ 1).
    pub attempts: u32,
    /// Error class of the last failure, or NULL.
    pub error_type: *const c_char,
    /// Recovery strategy used ("retry", "fallback_source", …), or NULL.
    pub recovery_strategy: *const c_char,
    /// 1 when a fallback produced the result, else 0.
    pub fallback_used: u32,
}

/// A recovery tracker (Autotrader's error-recovery monitor): success rates,
/// durations, fallbacks and error classes per operation, a health rating.
/// Every function may run on several threads at once.
#[derive(Debug)]
pub struct tw_recovery(Tagged<RecoveryTracker>);
handle!(tw_recovery, RecoveryTracker, b"twRECOVR");

/// Writes the default recovery limits (see `tw_recovery_config`) to `out`.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_recovery_config_default(out: *mut tw_recovery_config) -> tw_status {
    // SAFETY: forwarded caller contract.
    guard(|| unsafe { write_out(out, "out", RecoveryConfig::default().into()) })
}

/// A new recovery tracker (`config` NULL: the defaults). A zero capacity,
/// window or operation limit, or a retention not finite and > 0, is
/// `TW_ERR_INVALID_INPUT` naming the field. Free with `tw_recovery_free`.
///
/// # Safety
/// `config` must be NULL or valid, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_recovery_new(
    config: *const tw_recovery_config,
    out: *mut *mut tw_recovery,
) -> tw_status {
    guard(|| {
        let cfg = if config.is_null() {
            RecoveryConfig::default()
        } else {
            // SAFETY: non-NULL and valid by the caller's contract.
            let c = unsafe { *config };
            RecoveryConfig {
                capacity: c.capacity,
                retention_seconds: c.retention_seconds,
                recent_window: c.recent_window,
                max_operations: c.max_operations,
            }
        };
        non_null(out, "out")?;
        let inner = RecoveryTracker::new(cfg)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_recovery>(out, inner) }
    })
}

/// Records one operation at Unix time `at` (seconds). An empty operation
/// name, a negative or non-finite duration, zero attempts, a non-finite
/// `at`, or a new operation beyond `max_operations` is
/// `TW_ERR_INVALID_INPUT` naming it, and nothing is recorded.
///
/// # Safety
/// `tracker` must be a live tracker, `outcome` valid for one read with its
/// strings NUL-terminated (or NULL where allowed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_recovery_record(
    tracker: *const tw_recovery,
    at: f64,
    outcome: *const tw_recovery_outcome,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { handle::live::<tw_recovery>(tracker, "tracker")? };
        non_null(outcome, "outcome")?;
        // SAFETY: checked non-NULL; valid by the caller's contract.
        let o = unsafe { *outcome };
        // SAFETY: forwarded caller contract (each string NULL or NUL-terminated).
        let (operation, error_type, recovery_strategy) = unsafe {
            (
                req_str(o.operation, "outcome.operation")?,
                c_str(o.error_type, "outcome.error_type")?,
                c_str(o.recovery_strategy, "outcome.recovery_strategy")?,
            )
        };
        let o = Outcome {
            operation,
            success: o.success != 0,
            duration_seconds: o.duration_seconds,
            attempts: o.attempts,
            error_type,
            recovery_strategy,
            fallback_used: o.fallback_used != 0,
        };
        t.record_at(at, &o)?;
        Ok(())
    })
}

/// Copies the tracker's summary at Unix time `now` as JSON (the crate's
/// `RecoverySummary`: per-operation statistics, overall success rate,
/// consecutive failures and the health report with its alerts), NUL-terminated,
/// into `buf` of `len` bytes and its length to `written`
/// (`TW_ERR_BUFFER_TOO_SMALL` and nothing written when it does not fit: the
/// message names the size needed). Records older than the retention at
/// `now` are dropped first. A non-finite `now` is `TW_ERR_INVALID_INPUT`.
///
/// # Safety
/// `tracker` must be a live tracker, `buf` valid for `len` writes, `written`
/// for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_recovery_summary_json(
    tracker: *const tw_recovery,
    now: f64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let t = unsafe { handle::live::<tw_recovery>(tracker, "tracker")? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let summary = t.checked_summary_at(now)?;
        let text = serde_json::to_string(&summary)
            .map_err(|e| Failure(crate::TW_ERR_INTERNAL, format!("summary to JSON: {e}")))?;
        // SAFETY: forwarded caller contract.
        unsafe { write_str(&text, "summary", buf, len, written) }
    })
}

/// Frees a recovery tracker; NULL is a no-op.
///
/// # Safety
/// `tracker` must be NULL or a tracker from `tw_recovery_new` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_recovery_free(tracker: *mut tw_recovery) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(tracker, "tracker") }
}

// ------------------------------------------------------------ period ---

/// Evaluates the period limits (`[period]`, docs/guardrails.md) of the
/// policy file `policy_path` (TOML, YAML or JSON by extension) on
/// `observation` without an engine: nothing is latched, counted or
/// journaled, and an absent `high_water_mark` stays absent (the engine's
/// `tw_engine_evaluate_period` fills it and latches). Writes the number of
/// breaches to `n_breaches` and the first `min(n, capacity)` of them to
/// `breaches` (NULL allowed when `capacity` is 0). A missing policy file is
/// `TW_ERR_NOT_FOUND`, an invalid one `TW_ERR_INVALID_CONFIG`; an unknown
/// `present` bit or a `capacity` whose byte size overflows
/// `TW_ERR_INVALID_INPUT`.
///
/// # Safety
/// `policy_path` must be a NUL-terminated string, `observation` valid for
/// one read, `breaches` NULL or valid for `capacity` writes, `n_breaches`
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_period_evaluate(
    policy_path: *const c_char,
    observation: *const tw_period_observation,
    breaches: *mut tw_period_breach,
    capacity: usize,
    n_breaches: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let path = unsafe { req_str(policy_path, "policy_path")? };
        non_null(observation, "observation")?;
        non_null(n_breaches, "n_breaches")?;
        if capacity > 0 {
            non_null(breaches, "breaches")?;
            handle::check_len(breaches, capacity, "breaches")?;
        }
        // SAFETY: checked non-NULL; valid by the caller's contract.
        let o = period_observation(unsafe { &*observation })?;
        let policy = Policy::load(path)?;
        let found = period::evaluate(&policy.period, &o);
        let n = found.len().min(capacity);
        if n > 0 {
            // SAFETY: `breaches` valid for capacity ≥ n writes (caller's contract).
            let dst = unsafe { handle::slice_out(breaches, n, "breaches")? };
            for (d, b) in dst.iter_mut().zip(&found) {
                d.write(period_breach(b));
            }
        }
        // SAFETY: checked non-NULL; valid by the caller's contract.
        unsafe { n_breaches.write(found.len()) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{TW_ERR_INVALID_CONFIG, TW_OK};

    fn candles(slope: f64, wiggle: f64, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let c: Vec<f64> = (0..n)
            .map(|i| 100.0 * (1.0 + slope * i as f64) * (1.0 + wiggle * (i as f64).sin()))
            .collect();
        (
            c.iter().map(|x| x * 1.001).collect(),
            c.iter().map(|x| x * 0.999).collect(),
            c,
        )
    }

    #[test]
    fn regime_door_equals_the_crate() {
        for (slope, wiggle) in [(0.0005, 0.0), (-0.0005, 0.0), (0.0, 0.0005), (0.0, 0.02)] {
            let (h, l, c) = candles(slope, wiggle, 150);
            let want = regime::classify(&h, &l, &c, &RegimeConfig::default()).unwrap();
            let mut got = tw_regime_reading {
                regime: 99,
                vol: 0.0,
                momentum: 0.0,
                range: 0.0,
            };
            let st = unsafe {
                tw_regime_classify(
                    h.as_ptr(),
                    l.as_ptr(),
                    c.as_ptr(),
                    150,
                    std::ptr::null(),
                    &mut got,
                )
            };
            assert_eq!(st, TW_OK);
            assert_eq!(got.regime, regime_code(want.regime));
            assert_eq!(
                (got.vol, got.momentum, got.range),
                (want.vol, want.momentum, want.range)
            );
            let name = unsafe { std::ffi::CStr::from_ptr(tw_regime_name(got.regime)) };
            assert_eq!(name.to_str().unwrap(), want.regime.as_str());
        }
        let mut cfg = tw_regime_config::from(RegimeConfig::default());
        cfg.window = 2;
        let (h, l, c) = candles(0.0, 0.0, 10);
        let mut out = std::mem::MaybeUninit::<tw_regime_reading>::uninit();
        let st = unsafe {
            tw_regime_classify(
                h.as_ptr(),
                l.as_ptr(),
                c.as_ptr(),
                10,
                &cfg,
                out.as_mut_ptr(),
            )
        };
        assert_eq!(st, TW_ERR_INVALID_CONFIG);
    }

    #[test]
    fn sanity_door_equals_the_crate() {
        let f = [101.0, 109.0, 103.0, 115.0, f64::NAN, 99.0];
        let want = SanityGuard::default().check(100.0, &f).unwrap();
        let mut v = [99u32; 6];
        let mut kept = 0usize;
        let st = unsafe {
            tw_sanity_guard_check(
                100.0,
                f.as_ptr(),
                6,
                std::ptr::null(),
                v.as_mut_ptr(),
                &mut kept,
            )
        };
        assert_eq!(st, TW_OK);
        assert_eq!(kept, want.kept.len());
        for (i, _) in &want.kept {
            assert_eq!(v[*i], TW_SANITY_KEPT);
        }
        for d in &want.dropped {
            assert_ne!(v[d.index], TW_SANITY_KEPT);
        }
        assert_eq!(v[1], TW_SANITY_STEP_MOVE);
        assert_eq!(v[4], TW_SANITY_NOT_FINITE);
    }

    #[test]
    fn recovery_door_equals_the_crate() {
        let rust = RecoveryTracker::new(RecoveryConfig::default()).unwrap();
        let mut t: *mut tw_recovery = std::ptr::null_mut();
        assert_eq!(unsafe { tw_recovery_new(std::ptr::null(), &mut t) }, TW_OK);
        for (i, ok) in [true, false, true, false].into_iter().enumerate() {
            let at = 10.0 + i as f64;
            let o = tw_recovery_outcome {
                operation: c"op".as_ptr(),
                success: u32::from(ok),
                duration_seconds: 0.5 * i as f64,
                attempts: 1 + i as u32,
                error_type: if ok {
                    std::ptr::null()
                } else {
                    c"timeout".as_ptr()
                },
                recovery_strategy: c"retry".as_ptr(),
                fallback_used: 0,
            };
            assert_eq!(unsafe { tw_recovery_record(t, at, &o) }, TW_OK);
            rust.record_at(
                at,
                &Outcome {
                    operation: "op",
                    success: ok,
                    duration_seconds: 0.5 * i as f64,
                    attempts: 1 + i as u32,
                    error_type: (!ok).then_some("timeout"),
                    recovery_strategy: Some("retry"),
                    fallback_used: false,
                },
            )
            .unwrap();
        }
        let mut buf = vec![0 as c_char; 4096];
        let mut n = 0usize;
        let st = unsafe { tw_recovery_summary_json(t, 20.0, buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(st, TW_OK);
        let got = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
        let want = serde_json::to_string(&rust.summary_at(20.0)).unwrap();
        assert_eq!(got.to_str().unwrap(), want);
        assert_eq!(n, want.len());
        unsafe { tw_recovery_free(t) };
    }
}
