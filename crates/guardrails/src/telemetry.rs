//! What this crate emits, and how its names are resolved.
//!
//! Every name comes from the `tradewarden-metrics` catalog through
//! [`tradewarden_metrics::catalog::installed`]: the catalog the exporter was
//! installed with (namespace and profile), or the default catalog
//! (`tradewarden_*`, native profile) when none is installed. The handles are
//! the typed helpers of `tradewarden_metrics::handles` ([`PreTradeMetrics`],
//! [`StateMetrics`], [`CanaryMetrics`], [`ViolationMetrics`]); this crate
//! holds no metric name of its own.
//!
//! | family (default name) | labels | set when |
//! |---|---|---|
//! | `trading_state` | `state` ∈ [`TRADING_STATES`] | open, every transition, kill switch |
//! | `circuit_breaker_active` and Autotrader's `trading_circuit_breaker_active` | – | same |
//! | `kill_switch_active` | – | same |
//! | `state_transitions_total` | `to` | each transition |
//! | `orders_checked_total` | – | each pre-trade check |
//! | `order_denials_total`, `order_clips_total` | `reason` ([`crate::DenyReason`] code) | each denial / clip |
//! | `guardrail_violations_total` | `name` (fixed rule set) | period / exposure evaluation |
//! | `guardrail_last_violations` | – | same |
//! | `canary_stage` | `stage` ∈ [`CANARY_STAGES`] | canary machine start / apply |
//! | `canary_traffic_ratio` | – | same |
//!
//! No order id, symbol or free text is ever used as a label.
//!
//! Emission policy: the pre-trade hot path never builds a metric key. The
//! [`crate::Engine`] registers one counter handle per deny reason when it is
//! built (or when [`crate::Engine::rebind_telemetry`] is called) and only
//! increments those handles on a denial. With no recorder installed the
//! handles are no-ops; with a recorder they are the recorder's atomic
//! counters, so incrementing does not allocate either. Handles bind to the
//! recorder installed, and take their names from the catalog installed, when
//! they are registered: an engine built before the exporter was installed
//! keeps no-op handles under the default names until `rebind_telemetry`.
//! The state, canary and violation families register at each emission and so
//! follow the installed catalog from their next emission on.

use tradewarden_metrics::catalog::{self, labels};
pub use tradewarden_metrics::catalog::{CANARY_STAGES, TRADING_STATES};
use tradewarden_metrics::handles::{
    self, CanaryMetrics, CanaryStage, PreTradeMetrics, StateMetrics, ViolationMetrics,
};

use crate::engine::DenyReason;
use crate::state::TradingState;

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

/// The engine's pre-registered counters, named by the installed catalog;
/// index `DenyReason::index()`.
pub(crate) fn pre_trade() -> PreTradeMetrics {
    PreTradeMetrics::new(
        &catalog::installed(),
        DenyReason::ALL.iter().map(|r| r.as_str()),
    )
}

/// Publishes the trading-state gauges: one-hot state, both breaker gauges,
/// kill switch. KILLED has no value of the `state` label: it is exported as
/// `halted` (trading is halted) together with `kill_switch_active` = 1.
pub(crate) fn publish_state(state: TradingState) {
    set_state(&StateMetrics::new(&catalog::installed()), state);
}

/// Counts one transition into `to` (label `to`, the state's name) and
/// publishes the state gauges for `now` (the effective state afterwards).
pub(crate) fn publish_transition(to: TradingState, now: TradingState) {
    let m = StateMetrics::new(&catalog::installed());
    m.transition(to.as_str());
    set_state(&m, now);
}

fn set_state(m: &StateMetrics, state: TradingState) {
    m.set_trading_state(match state {
        TradingState::Active => handles::TradingState::Active,
        TradingState::Reducing => handles::TradingState::Reducing,
        TradingState::Halted | TradingState::Killed => handles::TradingState::Halted,
    });
    m.set_breaker_active(state != TradingState::Active);
    m.set_kill_switch_active(state == TradingState::Killed);
}

/// Publishes the one-hot canary stage and its AUM / traffic share. A stage
/// whose name is not in [`CANARY_STAGES`] is exported by its position in the
/// ladder when that is < 4 (all gauges 0 otherwise).
pub(crate) fn publish_canary(name: &str, index: usize, share: f64) {
    let stage = CanaryStage::from_label(name).or_else(|| CanaryStage::from_index(index));
    // A validated ladder's shares are fractions; a value outside [0, 1]
    // leaves the gauges as they were rather than exporting nonsense.
    let _ = CanaryMetrics::new(&catalog::installed()).set(stage, share);
}

/// Counts `guardrail_violations_total{name}` per rule and sets the
/// last-violation-count gauge.
pub(crate) fn record_violations<'a>(rules: impl IntoIterator<Item = &'a str>) {
    ViolationMetrics::new(&catalog::installed()).record(rules);
}
