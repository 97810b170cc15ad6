//! Every metric name this crate emits, in one place.
//!
//! Names come from the `tradewarden-metrics` catalog
//! (`tradewarden_metrics::catalog::names`, default namespace and native
//! profile) and carry only bounded labels: `reason` (a [`crate::DenyReason`]
//! code), `name` (an exposure/period rule name from a fixed set), `state`
//! (one of [`TRADING_STATES`]), `stage` (one of [`CANARY_STAGES`]), `to`.
//! No order id, symbol or free text is ever used as a label.
//!
//! Emission policy: the pre-trade hot path never builds a metric key. The
//! [`crate::Engine`] registers one counter handle per deny reason when it is
//! built (or when [`crate::Engine::rebind_telemetry`] is called) and only
//! increments those handles on a denial. With no recorder installed the
//! handles are no-ops; with a recorder they are the recorder's atomic
//! counters, so incrementing does not allocate either. Handles bind to the
//! recorder installed when they were registered.

use tradewarden_metrics::catalog::{labels, names};

use crate::state::TradingState;

/// Namespace prefix of every namespaced name below.
pub const PREFIX: &str = "tradewarden";

/// Gauge, one-hot over the `state` label ([`TRADING_STATES`]): 1 for the
/// current state, 0 for the others. KILLED is exported as `halted` (trading
/// is halted) together with [`KILL_SWITCH_ACTIVE`] = 1 when the kill-switch
/// file is present.
pub const TRADING_STATE: &str = names::TRADING_STATE;

/// Gauge: 1 while the circuit breaker is latched (state ≠ active), else 0.
/// Unprefixed on purpose: Autotrader's dashboards query exactly this name.
/// Set together with [`NATIVE_CIRCUIT_BREAKER_ACTIVE`].
pub const CIRCUIT_BREAKER_ACTIVE: &str = names::TRADING_CIRCUIT_BREAKER_ACTIVE;

/// Gauge: the catalog's namespaced breaker gauge (same value as [`CIRCUIT_BREAKER_ACTIVE`]).
pub const NATIVE_CIRCUIT_BREAKER_ACTIVE: &str = names::CIRCUIT_BREAKER_ACTIVE;

/// Gauge: 1 while the state is KILLED (kill-switch file present or KILLED latched), else 0.
pub const KILL_SWITCH_ACTIVE: &str = names::KILL_SWITCH_ACTIVE;

/// Counter: pre-trade denials, label `reason`.
pub const DENIALS_TOTAL: &str = names::ORDER_DENIALS;

/// Counter: every order checked (allowed, clipped or denied); no label.
pub const CHECKED_TOTAL: &str = names::ORDERS_CHECKED;

/// Counter: orders clipped to a smaller size, label `reason`.
pub const CLIPS_TOTAL: &str = names::ORDER_CLIPS;

/// Counter: rule violations (period limits, exposure policy), label `name`.
pub const VIOLATIONS_TOTAL: &str = names::GUARDRAIL_VIOLATIONS;

/// Gauge: number of violations found by the most recent exposure / period evaluation.
pub const LAST_VIOLATION_COUNT: &str = names::GUARDRAIL_LAST_VIOLATION_COUNT;

/// Counter: trading-state transitions, label `to`.
pub const TRANSITIONS_TOTAL: &str = names::STATE_TRANSITIONS;

/// Gauge, one-hot over the `stage` label ([`CANARY_STAGES`]) for the current
/// canary stage (a custom stage whose name is not in the set is exported by
/// its position in the ladder when that is < 4).
pub const CANARY_STAGE: &str = names::CANARY_STAGE;

/// Gauge: AUM (or traffic) share of the current canary stage, a fraction.
pub const CANARY_TRAFFIC: &str = names::CANARY_TRAFFIC;

/// Label key for deny/clip reasons.
pub const LABEL_REASON: &str = labels::REASON;
/// Label key for rule names (the catalog's `name` label).
pub const LABEL_RULE: &str = labels::NAME;
/// Label key for target state.
pub const LABEL_TO: &str = "to";
/// Label key of the one-hot trading state.
pub const LABEL_STATE: &str = labels::STATE;
/// Label key of the one-hot canary stage.
pub const LABEL_STAGE: &str = labels::STAGE;

/// Values of the `state` label (the catalog's set).
pub const TRADING_STATES: [&str; 3] = ["active", "reducing", "halted"];
/// Values of the `stage` label (the catalog's set).
pub const CANARY_STAGES: [&str; 4] = ["shadow", "canary_1", "canary_2", "production"];

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

/// Every metric name including the ones added after [`ALL`] was fixed.
pub const ALL_NAMES: [&str; 11] = [
    TRADING_STATE,
    CIRCUIT_BREAKER_ACTIVE,
    NATIVE_CIRCUIT_BREAKER_ACTIVE,
    KILL_SWITCH_ACTIVE,
    DENIALS_TOTAL,
    CLIPS_TOTAL,
    VIOLATIONS_TOTAL,
    LAST_VIOLATION_COUNT,
    TRANSITIONS_TOTAL,
    CANARY_STAGE,
    CANARY_TRAFFIC,
];

/// Names this crate emits that the `tradewarden-metrics` catalog does not list
/// (none: the test `names_come_from_the_catalog` keeps it so).
pub const NOT_IN_CATALOG: [&str; 0] = [];

/// Publishes the trading-state gauges: one-hot state, both breaker gauges, kill switch.
pub(crate) fn publish_state(state: TradingState) {
    let hot = match state {
        TradingState::Active => "active",
        TradingState::Reducing => "reducing",
        TradingState::Halted | TradingState::Killed => "halted",
    };
    for s in TRADING_STATES {
        metrics::gauge!(TRADING_STATE, LABEL_STATE => s).set(if s == hot { 1.0 } else { 0.0 });
    }
    let breaker = if state == TradingState::Active {
        0.0
    } else {
        1.0
    };
    metrics::gauge!(CIRCUIT_BREAKER_ACTIVE).set(breaker);
    metrics::gauge!(NATIVE_CIRCUIT_BREAKER_ACTIVE).set(breaker);
    metrics::gauge!(KILL_SWITCH_ACTIVE).set(if state == TradingState::Killed {
        1.0
    } else {
        0.0
    });
}

/// Publishes the one-hot canary stage and its AUM / traffic share.
pub(crate) fn publish_canary(name: &str, index: usize, share: f64) {
    let hot = CANARY_STAGES
        .iter()
        .position(|s| *s == name)
        .or((index < CANARY_STAGES.len()).then_some(index));
    for (j, s) in CANARY_STAGES.iter().enumerate() {
        metrics::gauge!(CANARY_STAGE, LABEL_STAGE => *s).set(if Some(j) == hot {
            1.0
        } else {
            0.0
        });
    }
    metrics::gauge!(CANARY_TRAFFIC).set(share);
}
