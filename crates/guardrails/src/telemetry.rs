//! Every metric name this crate emits, in one place.
//!
//! Names follow Prometheus conventions (base units, `_total` on counters) and
//! carry only bounded labels: `reason` (a [`crate::DenyReason`] code), `rule`
//! (an exposure/period rule name from a fixed set), `state`. No order id,
//! symbol or free text is ever used as a label.
//!
//! Emission policy: the pre-trade hot path never builds a metric key. The
//! [`crate::Engine`] registers one counter handle per deny reason when it is
//! built (or when [`crate::Engine::rebind_telemetry`] is called) and only
//! increments those handles on a denial. With no recorder installed the
//! handles are no-ops; with a recorder they are the recorder's atomic
//! counters, so incrementing does not allocate either. Handles bind to the
//! recorder installed when they were registered.

/// Namespace prefix of every name below.
pub const PREFIX: &str = "tradewarden";

/// Gauge: trading state as a number (0 active, 1 reducing, 2 halted, 3 killed).
pub const TRADING_STATE: &str = "tradewarden_guardrails_trading_state";

/// Gauge: 1 while the circuit breaker is latched (state ≠ active), else 0.
/// Unprefixed on purpose: Autotrader's dashboards query exactly this name.
pub const CIRCUIT_BREAKER_ACTIVE: &str = "trading_circuit_breaker_active";

/// Counter: pre-trade denials, label `reason`.
pub const DENIALS_TOTAL: &str = "tradewarden_guardrails_order_denials_total";

/// Counter: orders clipped to a smaller size, label `reason`.
pub const CLIPS_TOTAL: &str = "tradewarden_guardrails_order_clips_total";

/// Counter: rule violations (period limits, exposure policy), label `rule`.
pub const VIOLATIONS_TOTAL: &str = "tradewarden_guardrails_violations_total";

/// Counter: trading-state transitions, label `to`.
pub const TRANSITIONS_TOTAL: &str = "tradewarden_guardrails_state_transitions_total";

/// Gauge: current canary stage index (0 = first stage).
pub const CANARY_STAGE: &str = "tradewarden_guardrails_canary_stage";

/// Label key for deny/clip reasons.
pub const LABEL_REASON: &str = "reason";
/// Label key for rule names.
pub const LABEL_RULE: &str = "rule";
/// Label key for target state.
pub const LABEL_TO: &str = "to";

/// Every metric name, for catalog cross-checks.
pub const ALL: [&str; 7] = [
    TRADING_STATE,
    CIRCUIT_BREAKER_ACTIVE,
    DENIALS_TOTAL,
    CLIPS_TOTAL,
    VIOLATIONS_TOTAL,
    TRANSITIONS_TOTAL,
    CANARY_STAGE,
];
