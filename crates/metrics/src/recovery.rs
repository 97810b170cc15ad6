//! Recovery metrics (Trading-graph's `record_operation`): per-operation
//! success, attempts, duration and fallback statistics, a health rating,
//! a JSON summary, exported as gauges.
//!
//! Memory is bounded: at most `capacity` records (default 10,000) kept for
//! `retention_seconds` (default 24 h), at most 100 recent results and one
//! statistics block per operation, and at most `max_operations` operations.
//!
//! Health over the retention window, checked in this order (the seed's rules):
//! *unhealthy* if consecutive failures ≥ 5 or success rate < 0.5; *degraded*
//! if consecutive failures ≥ 3 or success rate < 0.8; otherwise *healthy*.
//!
//! ```
//! use tradewarden_metrics::recovery::{Health, Outcome, RecoveryTracker};
//! let t = RecoveryTracker::default();
//! for _ in 0..20 {
//!     t.record(&Outcome::success("fetch_quotes", 0.1)).unwrap();
//! }
//! assert_eq!(t.health().status, Health::Healthy);
//! for _ in 0..3 {
//!     t.record(&Outcome::failure("fetch_quotes", 0.5, "Timeout")).unwrap();
//! }
//! assert_eq!(t.health().status, Health::Degraded);
//! t.record(&Outcome::success("fetch_quotes", 0.1)).unwrap();
//! assert_eq!(t.summary().consecutive_failures, 0);
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::catalog::{self, Catalog};
use crate::error::{MetricsError, Result};
use crate::handles::unix_now;

/// Tracker limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecoveryConfig {
    /// Maximum records kept (ring). Default 10,000.
    pub capacity: usize,
    /// Records older than this are dropped (seconds). Default 86,400.
    pub retention_seconds: f64,
    /// Results per operation behind `recent_success_rate`. Default 100.
    pub recent_window: usize,
    /// Maximum distinct operation names. Default 256.
    pub max_operations: usize,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        RecoveryConfig {
            capacity: 10_000,
            retention_seconds: 86_400.0,
            recent_window: 100,
            max_operations: 256,
        }
    }
}

/// One finished operation, as passed to [`RecoveryTracker::record`].
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<'a> {
    /// Operation name (bounded set, e.g. `fetch_quotes`).
    pub operation: &'a str,
    /// Whether it finally succeeded.
    pub success: bool,
    /// Wall time including retries, seconds.
    pub duration_seconds: f64,
    /// Attempts made (≥ 1).
    pub attempts: u32,
    /// Error class of the last failure, if any.
    pub error_type: Option<&'a str>,
    /// Recovery strategy used (retry, fallback_source, …), if any.
    pub recovery_strategy: Option<&'a str>,
    /// Whether a fallback produced the result.
    pub fallback_used: bool,
}

impl<'a> Outcome<'a> {
    /// A first-attempt success.
    pub fn success(operation: &'a str, duration_seconds: f64) -> Self {
        Outcome {
            operation,
            success: true,
            duration_seconds,
            attempts: 1,
            error_type: None,
            recovery_strategy: None,
            fallback_used: false,
        }
    }

    /// A failure with its error class.
    pub fn failure(operation: &'a str, duration_seconds: f64, error_type: &'a str) -> Self {
        Outcome {
            operation,
            success: false,
            duration_seconds,
            attempts: 1,
            error_type: Some(error_type),
            recovery_strategy: None,
            fallback_used: false,
        }
    }
}

/// Health rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Everything within limits.
    Healthy,
    /// ≥ 3 consecutive failures or success rate < 0.8.
    Degraded,
    /// ≥ 5 consecutive failures or success rate < 0.5.
    Unhealthy,
}

impl Health {
    /// Gauge value: 0 healthy, 1 degraded, 2 unhealthy.
    pub const fn code(self) -> f64 {
        match self {
            Health::Healthy => 0.0,
            Health::Degraded => 1.0,
            Health::Unhealthy => 2.0,
        }
    }
}

/// Health with its alerts and recommendations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    /// The rating.
    pub status: Health,
    /// Success rate over the retention window (1 when empty).
    pub window_success_rate: f64,
    /// Mean duration over the retention window, seconds (0 when empty).
    pub window_avg_duration_seconds: f64,
    /// Fallback share over the retention window.
    pub window_fallback_rate: f64,
    /// Alerts: ≥ 5 consecutive failures, success rate < 0.8, mean duration > 10 s.
    pub alerts: Vec<String>,
    /// Recommendations (fallback rate > 0.3).
    pub recommendations: Vec<String>,
}

/// Statistics of one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationStats {
    /// Operations recorded.
    pub total: u64,
    /// Successes.
    pub successes: u64,
    /// Failures.
    pub failures: u64,
    /// successes / total (1 when empty).
    pub success_rate: f64,
    /// Mean attempts.
    pub avg_attempts: f64,
    /// Mean duration, seconds.
    pub avg_duration_seconds: f64,
    /// Share that used a fallback.
    pub fallback_rate: f64,
    /// Success rate of the last `recent_window` results.
    pub recent_success_rate: f64,
    /// Error class of the last failure.
    pub last_error_type: Option<String>,
    /// Failures by error class.
    pub errors_by_type: BTreeMap<String, u64>,
    /// Uses by recovery strategy.
    pub strategies: BTreeMap<String, u64>,
}

/// The JSON summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoverySummary {
    /// Unix time of the summary.
    pub generated_at: f64,
    /// Seconds since the tracker was created.
    pub uptime_seconds: f64,
    /// Operations recorded since creation.
    pub total_operations: u64,
    /// Successes / operations since creation (1 when empty).
    pub overall_success_rate: f64,
    /// Failures since the last success.
    pub consecutive_failures: u64,
    /// Per-operation statistics.
    pub operations: BTreeMap<String, OperationStats>,
    /// Records within the retention window.
    pub recent_records_count: usize,
    /// Health.
    pub health: HealthReport,
}

#[derive(Debug, Clone)]
struct Record {
    at: f64,
    success: bool,
    duration: f64,
    fallback: bool,
}

#[derive(Debug, Default)]
struct OpState {
    total: u64,
    successes: u64,
    attempts: u64,
    duration: f64,
    fallbacks: u64,
    recent: VecDeque<bool>,
    last_error_type: Option<String>,
    errors_by_type: BTreeMap<String, u64>,
    strategies: BTreeMap<String, u64>,
}

#[derive(Debug)]
struct State {
    records: VecDeque<Record>,
    ops: BTreeMap<String, OpState>,
    consecutive_failures: u64,
    total: u64,
    successes: u64,
}

/// Thread-safe recovery tracker.
#[derive(Debug)]
pub struct RecoveryTracker {
    cfg: RecoveryConfig,
    created: f64,
    state: Mutex<State>,
}

impl Default for RecoveryTracker {
    fn default() -> Self {
        RecoveryTracker {
            cfg: RecoveryConfig::default(),
            created: unix_now(),
            state: Mutex::new(State {
                records: VecDeque::new(),
                ops: BTreeMap::new(),
                consecutive_failures: 0,
                total: 0,
                successes: 0,
            }),
        }
    }
}

fn rate(num: u64, den: u64) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

impl RecoveryTracker {
    /// A tracker with custom limits.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] naming a zero capacity, window or
    /// operation limit, or a non-positive retention.
    pub fn new(cfg: RecoveryConfig) -> Result<Self> {
        let bad = |param: &'static str, value: String| MetricsError::InvalidInput {
            param,
            value,
            reason: "must be > 0".into(),
        };
        if cfg.capacity == 0 {
            return Err(bad("capacity", "0".into()));
        }
        if cfg.recent_window == 0 {
            return Err(bad("recent_window", "0".into()));
        }
        if cfg.max_operations == 0 {
            return Err(bad("max_operations", "0".into()));
        }
        if !cfg.retention_seconds.is_finite() || cfg.retention_seconds <= 0.0 {
            return Err(bad("retention_seconds", cfg.retention_seconds.to_string()));
        }
        Ok(RecoveryTracker {
            cfg,
            ..RecoveryTracker::default()
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records one operation now.
    ///
    /// # Errors
    /// See [`RecoveryTracker::record_at`].
    pub fn record(&self, o: &Outcome<'_>) -> Result<()> {
        self.record_at(unix_now(), o)
    }

    /// Records one operation at Unix time `at`.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] for an empty operation name, a negative
    /// or non-finite duration, zero attempts, a non-finite time, or a new
    /// operation beyond `max_operations`. Nothing is recorded then.
    pub fn record_at(&self, at: f64, o: &Outcome<'_>) -> Result<()> {
        if o.operation.is_empty() {
            return Err(MetricsError::InvalidInput {
                param: "operation",
                value: "\"\"".into(),
                reason: "must not be empty".into(),
            });
        }
        if !o.duration_seconds.is_finite() || o.duration_seconds < 0.0 {
            return Err(MetricsError::InvalidInput {
                param: "duration_seconds",
                value: o.duration_seconds.to_string(),
                reason: "must be finite and >= 0".into(),
            });
        }
        if o.attempts == 0 {
            return Err(MetricsError::InvalidInput {
                param: "attempts",
                value: "0".into(),
                reason: "must be >= 1".into(),
            });
        }
        if !at.is_finite() {
            return Err(MetricsError::InvalidInput {
                param: "at",
                value: at.to_string(),
                reason: "must be a finite Unix time".into(),
            });
        }
        let mut s = self.lock();
        if !s.ops.contains_key(o.operation) && s.ops.len() >= self.cfg.max_operations {
            return Err(MetricsError::InvalidInput {
                param: "operation",
                value: o.operation.to_string(),
                reason: format!(
                    "more than max_operations = {} distinct operations (names must be bounded)",
                    self.cfg.max_operations
                ),
            });
        }
        let window = self.cfg.recent_window;
        let op = s.ops.entry(o.operation.to_string()).or_default();
        op.total += 1;
        op.attempts += u64::from(o.attempts);
        op.duration += o.duration_seconds;
        if o.success {
            op.successes += 1;
        } else if let Some(e) = o.error_type {
            op.last_error_type = Some(e.to_string());
            *op.errors_by_type.entry(e.to_string()).or_insert(0) += 1;
        }
        if o.fallback_used {
            op.fallbacks += 1;
        }
        if let Some(st) = o.recovery_strategy {
            *op.strategies.entry(st.to_string()).or_insert(0) += 1;
        }
        op.recent.push_back(o.success);
        while op.recent.len() > window {
            op.recent.pop_front();
        }
        s.total += 1;
        if o.success {
            s.successes += 1;
            s.consecutive_failures = 0;
        } else {
            s.consecutive_failures += 1;
        }
        s.records.push_back(Record {
            at,
            success: o.success,
            duration: o.duration_seconds,
            fallback: o.fallback_used,
        });
        while s.records.len() > self.cfg.capacity {
            s.records.pop_front();
        }
        self.prune(&mut s, at);
        Ok(())
    }

    fn prune(&self, s: &mut State, now: f64) {
        let cutoff = now - self.cfg.retention_seconds;
        while s.records.front().is_some_and(|r| r.at < cutoff) {
            s.records.pop_front();
        }
    }

    fn health_of(s: &State) -> HealthReport {
        let n = s.records.len() as u64;
        let ok = s.records.iter().filter(|r| r.success).count() as u64;
        let fb = s.records.iter().filter(|r| r.fallback).count() as u64;
        let window_success_rate = rate(ok, n);
        let window_avg_duration_seconds = if n == 0 {
            0.0
        } else {
            s.records.iter().map(|r| r.duration).sum::<f64>() / n as f64
        };
        let window_fallback_rate = if n == 0 { 0.0 } else { fb as f64 / n as f64 };
        let cf = s.consecutive_failures;
        let status = if cf >= 5 || window_success_rate < 0.5 {
            Health::Unhealthy
        } else if cf >= 3 || window_success_rate < 0.8 {
            Health::Degraded
        } else {
            Health::Healthy
        };
        let mut alerts = Vec::new();
        if cf >= 5 {
            alerts.push(format!("{cf} consecutive failures (limit 5)"));
        }
        if window_success_rate < 0.8 {
            alerts.push(format!("success rate {window_success_rate:.3} below 0.8"));
        }
        if window_avg_duration_seconds > 10.0 {
            alerts.push(format!(
                "average recovery time {window_avg_duration_seconds:.1} s above 10 s"
            ));
        }
        let mut recommendations = Vec::new();
        if window_fallback_rate > 0.3 {
            recommendations.push(format!(
                "fallback rate {window_fallback_rate:.3} above 0.3: check the primary source"
            ));
        }
        HealthReport {
            status,
            window_success_rate,
            window_avg_duration_seconds,
            window_fallback_rate,
            alerts,
            recommendations,
        }
    }

    /// Health now.
    pub fn health(&self) -> HealthReport {
        self.health_at(unix_now())
    }

    /// Health at Unix time `now` (records older than the retention dropped first).
    pub fn health_at(&self, now: f64) -> HealthReport {
        let mut s = self.lock();
        self.prune(&mut s, now);
        Self::health_of(&s)
    }

    /// The summary now.
    pub fn summary(&self) -> RecoverySummary {
        self.summary_at(unix_now())
    }

    /// The summary at Unix time `now`.
    pub fn summary_at(&self, now: f64) -> RecoverySummary {
        let mut s = self.lock();
        self.prune(&mut s, now);
        let operations = s
            .ops
            .iter()
            .map(|(k, o)| {
                let recent_ok = o.recent.iter().filter(|x| **x).count() as u64;
                let t = o.total.max(1) as f64;
                (
                    k.clone(),
                    OperationStats {
                        total: o.total,
                        successes: o.successes,
                        failures: o.total - o.successes,
                        success_rate: rate(o.successes, o.total),
                        avg_attempts: o.attempts as f64 / t,
                        avg_duration_seconds: o.duration / t,
                        fallback_rate: o.fallbacks as f64 / t,
                        recent_success_rate: rate(recent_ok, o.recent.len() as u64),
                        last_error_type: o.last_error_type.clone(),
                        errors_by_type: o.errors_by_type.clone(),
                        strategies: o.strategies.clone(),
                    },
                )
            })
            .collect();
        RecoverySummary {
            generated_at: now,
            uptime_seconds: (now - self.created).max(0.0),
            total_operations: s.total,
            overall_success_rate: rate(s.successes, s.total),
            consecutive_failures: s.consecutive_failures,
            operations,
            recent_records_count: s.records.len(),
            health: Self::health_of(&s),
        }
    }

    /// The summary at Unix time `now`, which must be finite: what every door
    /// (Python `RecoveryTracker.summary(now)`, C `tw_recovery_summary_json`)
    /// calls, so a NaN or infinite time is the same error everywhere.
    ///
    /// # Errors
    /// [`MetricsError::InvalidInput`] naming `now` when it is not finite.
    ///
    /// ```
    /// use tradewarden_metrics::recovery::{Outcome, RecoveryTracker};
    /// let t = RecoveryTracker::default();
    /// t.record_at(100.0, &Outcome::success("fetch_quotes", 0.2))?;
    /// assert_eq!(t.checked_summary_at(101.0)?.total_operations, 1);
    /// assert!(t.checked_summary_at(f64::NAN).is_err());
    /// # Ok::<(), tradewarden_metrics::MetricsError>(())
    /// ```
    pub fn checked_summary_at(&self, now: f64) -> Result<RecoverySummary> {
        if !now.is_finite() {
            return Err(MetricsError::InvalidInput {
                param: "now",
                value: now.to_string(),
                reason: "must be a finite Unix time".into(),
            });
        }
        Ok(self.summary_at(now))
    }

    /// The summary as pretty JSON.
    ///
    /// # Errors
    /// [`MetricsError::Render`] if serialisation fails.
    pub fn summary_json(&self) -> Result<String> {
        serde_json::to_string_pretty(&self.summary()).map_err(|e| MetricsError::Render {
            reason: e.to_string(),
        })
    }

    /// Sets the `recovery_*` gauges from the current summary.
    pub fn export(&self, catalog: &Catalog) {
        export_summary(catalog, &self.summary());
    }
}

/// Sets the `recovery_*` gauges from a summary.
pub fn export_summary(catalog: &Catalog, s: &RecoverySummary) {
    let g = |d: &catalog::MetricDef, op: Option<&str>, v: f64| {
        let name = catalog.name(d).into_owned();
        match op {
            Some(op) => metrics::gauge!(name, "operation" => op.to_string()).set(v),
            None => metrics::gauge!(name).set(v),
        }
    };
    for (op, st) in &s.operations {
        let op = Some(op.as_str());
        g(&catalog::RECOVERY_OPERATIONS, op, st.total as f64);
        g(&catalog::RECOVERY_SUCCESS_RATE, op, st.success_rate);
        g(
            &catalog::RECOVERY_RECENT_SUCCESS_RATE,
            op,
            st.recent_success_rate,
        );
        g(&catalog::RECOVERY_AVG_ATTEMPTS, op, st.avg_attempts);
        g(&catalog::RECOVERY_AVG_DURATION, op, st.avg_duration_seconds);
        g(&catalog::RECOVERY_FALLBACK_RATE, op, st.fallback_rate);
    }
    g(
        &catalog::RECOVERY_CONSECUTIVE_FAILURES,
        None,
        s.consecutive_failures as f64,
    );
    g(
        &catalog::RECOVERY_OVERALL_SUCCESS_RATE,
        None,
        s.overall_success_rate,
    );
    g(&catalog::RECOVERY_HEALTH, None, s.health.status.code());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestRecorder;

    #[test]
    fn per_operation_statistics() {
        let t = RecoveryTracker::default();
        let now = 1_700_000_000.0;
        t.record_at(now, &Outcome::success("a", 1.0)).unwrap();
        t.record_at(
            now,
            &Outcome {
                attempts: 3,
                fallback_used: true,
                recovery_strategy: Some("fallback_source"),
                ..Outcome::success("a", 3.0)
            },
        )
        .unwrap();
        t.record_at(now, &Outcome::failure("a", 2.0, "Timeout"))
            .unwrap();
        t.record_at(now, &Outcome::failure("b", 0.5, "Http"))
            .unwrap();
        let s = t.summary_at(now);
        let a = &s.operations["a"];
        assert_eq!((a.total, a.successes, a.failures), (3, 2, 1));
        assert!((a.success_rate - 2.0 / 3.0).abs() < 1e-12);
        assert!((a.avg_attempts - 5.0 / 3.0).abs() < 1e-12);
        assert!((a.avg_duration_seconds - 2.0).abs() < 1e-12);
        assert!((a.fallback_rate - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(a.last_error_type.as_deref(), Some("Timeout"));
        assert_eq!(a.strategies["fallback_source"], 1);
        assert_eq!(s.total_operations, 4);
        assert_eq!(s.consecutive_failures, 2);
        assert!((s.overall_success_rate - 0.5).abs() < 1e-12);
        // JSON summary has the seed's keys.
        let v: serde_json::Value = serde_json::to_value(&s).unwrap();
        for k in [
            "generated_at",
            "uptime_seconds",
            "total_operations",
            "overall_success_rate",
            "consecutive_failures",
            "operations",
            "recent_records_count",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert!(t.summary_json().unwrap().contains("\"operations\""));
    }

    #[test]
    fn empty_tracker_is_healthy_with_rate_one() {
        let t = RecoveryTracker::default();
        let s = t.summary();
        assert_eq!(s.overall_success_rate, 1.0);
        assert_eq!(s.health.status, Health::Healthy);
        assert_eq!(s.health.window_success_rate, 1.0);
    }

    #[test]
    fn consecutive_failures_reset_on_success_and_drive_health() {
        let t = RecoveryTracker::default();
        let now = 1e9;
        // 16 successes first so the rate stays >= 0.8 and only the streak matters.
        for _ in 0..16 {
            t.record_at(now, &Outcome::success("x", 0.1)).unwrap();
        }
        for i in 1..=5u64 {
            t.record_at(now, &Outcome::failure("x", 0.1, "E")).unwrap();
            let h = t.health_at(now);
            let want = match i {
                1 | 2 => Health::Healthy,
                3 | 4 => Health::Degraded,
                _ => Health::Unhealthy,
            };
            assert_eq!(h.status, want, "after {i} failures");
        }
        assert!(t.health_at(now).alerts[0].contains("5 consecutive"));
        t.record_at(now, &Outcome::success("y", 0.1)).unwrap();
        assert_eq!(t.summary_at(now).consecutive_failures, 0);
    }

    #[test]
    fn success_rate_thresholds() {
        // rate 0.75 -> degraded; 0.4 -> unhealthy; no streak ≥3 involved.
        let t = RecoveryTracker::default();
        for ok in [true, true, false, true] {
            let o = if ok {
                Outcome::success("x", 0.1)
            } else {
                Outcome::failure("x", 0.1, "E")
            };
            t.record_at(0.0, &o).unwrap();
        }
        assert_eq!(t.health_at(0.0).status, Health::Degraded);
        let t = RecoveryTracker::default();
        for ok in [false, true, false, true, false] {
            let o = if ok {
                Outcome::success("x", 0.1)
            } else {
                Outcome::failure("x", 0.1, "E")
            };
            t.record_at(0.0, &o).unwrap();
        }
        assert_eq!(t.health_at(0.0).status, Health::Unhealthy);
    }

    #[test]
    fn retention_and_capacity_bound_memory() {
        let t = RecoveryTracker::new(RecoveryConfig {
            capacity: 50,
            recent_window: 10,
            ..RecoveryConfig::default()
        })
        .unwrap();
        for i in 0..200 {
            t.record_at(f64::from(i), &Outcome::failure("x", 0.1, "E"))
                .unwrap();
        }
        let s = t.summary_at(200.0);
        assert_eq!(s.recent_records_count, 50);
        assert_eq!(s.operations["x"].total, 200);
        // Old failures leave the window after 24 h; the streak does not.
        let later = 200.0 + 86_400.0 + 1.0;
        let s = t.summary_at(later);
        assert_eq!(s.recent_records_count, 0);
        assert_eq!(s.health.window_success_rate, 1.0);
        assert_eq!(s.health.status, Health::Unhealthy); // streak of 200 failures
        // recent window holds only the last 10 results
        for _ in 0..10 {
            t.record_at(later, &Outcome::success("x", 0.1)).unwrap();
        }
        assert_eq!(t.summary_at(later).operations["x"].recent_success_rate, 1.0);
    }

    #[test]
    fn slow_and_fallback_heavy_operations_alert() {
        let t = RecoveryTracker::default();
        for _ in 0..4 {
            t.record_at(
                0.0,
                &Outcome {
                    fallback_used: true,
                    ..Outcome::success("x", 12.0)
                },
            )
            .unwrap();
        }
        let h = t.health_at(0.0);
        assert_eq!(h.status, Health::Healthy);
        assert!(h.alerts.iter().any(|a| a.contains("average recovery time")));
        assert_eq!(h.recommendations.len(), 1);
    }

    #[test]
    fn bad_input_is_rejected() {
        let t = RecoveryTracker::new(RecoveryConfig {
            max_operations: 1,
            ..RecoveryConfig::default()
        })
        .unwrap();
        let cases: Vec<(Outcome<'_>, &str)> = vec![
            (Outcome::success("", 0.1), "operation"),
            (Outcome::success("x", -1.0), "duration_seconds"),
            (Outcome::success("x", f64::NAN), "duration_seconds"),
            (
                Outcome {
                    attempts: 0,
                    ..Outcome::success("x", 0.1)
                },
                "attempts",
            ),
        ];
        for (o, p) in cases {
            let e = t.record_at(0.0, &o).unwrap_err();
            assert!(
                matches!(e, MetricsError::InvalidInput { param, .. } if param == p),
                "{e}"
            );
        }
        assert!(t.record_at(f64::NAN, &Outcome::success("x", 0.1)).is_err());
        t.record_at(0.0, &Outcome::success("x", 0.1)).unwrap();
        let e = t.record_at(0.0, &Outcome::success("y", 0.1)).unwrap_err();
        assert!(e.to_string().contains("max_operations"), "{e}");
        assert_eq!(t.summary_at(0.0).total_operations, 1);
        for (cfg, p) in [
            (
                RecoveryConfig {
                    capacity: 0,
                    ..Default::default()
                },
                "capacity",
            ),
            (
                RecoveryConfig {
                    recent_window: 0,
                    ..Default::default()
                },
                "recent_window",
            ),
            (
                RecoveryConfig {
                    max_operations: 0,
                    ..Default::default()
                },
                "max_operations",
            ),
            (
                RecoveryConfig {
                    retention_seconds: f64::NAN,
                    ..Default::default()
                },
                "retention_seconds",
            ),
        ] {
            let e = RecoveryTracker::new(cfg).unwrap_err();
            assert!(e.to_string().contains(p), "{e}");
        }
    }

    #[test]
    fn exported_as_gauges() {
        let rec = TestRecorder::new();
        let t = RecoveryTracker::default();
        for _ in 0..5 {
            t.record(&Outcome::failure("fetch", 0.2, "Timeout"))
                .unwrap();
        }
        rec.with(|| t.export(&Catalog::default()));
        assert_eq!(
            rec.gauge("tradewarden_recovery_health_status", &[]),
            Some(2.0)
        );
        assert_eq!(
            rec.gauge("tradewarden_recovery_consecutive_failures", &[]),
            Some(5.0)
        );
        assert_eq!(
            rec.gauge(
                "tradewarden_recovery_success_rate",
                &[("operation", "fetch")]
            ),
            Some(0.0)
        );
        assert_eq!(
            rec.gauge("tradewarden_recovery_operations", &[("operation", "fetch")]),
            Some(5.0)
        );
    }
}
