//! The guardrails session behind an opaque `tw_engine`: a thin door over
//! [`tradewarden_guardrails::Session`] (pre-trade engine, persisted state and
//! `KILL_SWITCH`, hash-chained journal, period limits, high-water mark,
//! overrides), the same object Python's `Engine` and the CLI wrap. Every
//! function converts its arguments, calls one `Session` method and converts
//! the result.

use std::ffi::c_char;

use tradewarden_guardrails::period::{PeriodBreach, PeriodObservation, Severity};
use tradewarden_guardrails::{
    Decision, DenyReason, Order, Policy, Session, SessionConfig, Side, SymbolId, TradingState,
};

use crate::handle::{self, Tagged, handle};
use crate::{
    Failure, TW_ERR_INVALID_INPUT, TW_ERR_NOT_FOUND, guard, non_null, req_str, tw_status, write_out,
};

/// Order side (one of `TW_SIDE_*`).
pub type tw_side = u32;
/// Buy: the position grows by the quantity.
pub const TW_SIDE_BUY: tw_side = 0;
/// Sell: the position shrinks by the quantity.
pub const TW_SIDE_SELL: tw_side = 1;

/// Trading state (one of `TW_STATE_*`), ordered by severity.
pub type tw_trading_state = u32;
/// Orders are checked normally.
pub const TW_STATE_ACTIVE: tw_trading_state = 0;
/// Only orders that reduce |position| pass.
pub const TW_STATE_REDUCING: tw_trading_state = 1;
/// Every order is denied.
pub const TW_STATE_HALTED: tw_trading_state = 2;
/// Every order is denied; the kill switch is (or was) engaged.
pub const TW_STATE_KILLED: tw_trading_state = 3;

/// Outcome of a check (one of `TW_DECISION_*`).
pub type tw_decision_kind = u32;
/// Send as is (`quantity` = the requested quantity).
pub const TW_DECISION_ALLOW: tw_decision_kind = 0;
/// Send the smaller `quantity`; `reason` is the binding limit.
pub const TW_DECISION_CLIP: tw_decision_kind = 1;
/// Do not send (`quantity` = 0); `reason` is the first rule that refused it.
pub const TW_DECISION_DENY: tw_decision_kind = 2;

/// Why an order was denied or clipped (one of `TW_REASON_*`); stable codes.
/// `tw_reason_name` gives the snake_case name used as the telemetry label.
pub type tw_reason = u32;
/// No reason (the order was allowed).
pub const TW_REASON_NONE: tw_reason = 0;
/// Trading state is HALTED.
pub const TW_REASON_TRADING_HALTED: tw_reason = 1;
/// Trading state is KILLED.
pub const TW_REASON_TRADING_KILLED: tw_reason = 2;
/// The symbol id is not registered.
pub const TW_REASON_UNKNOWN_SYMBOL: tw_reason = 3;
/// The symbol is disabled in the policy.
pub const TW_REASON_SYMBOL_DISABLED: tw_reason = 4;
/// Quantity, price, reference price, timestamps or equity is NaN/±inf (fail closed).
pub const TW_REASON_NON_FINITE_INPUT: tw_reason = 5;
/// Quantity ≤ 0.
pub const TW_REASON_INVALID_QUANTITY: tw_reason = 6;
/// Price or reference price ≤ 0.
pub const TW_REASON_INVALID_PRICE: tw_reason = 7;
/// Equity ≤ 0 while a leverage rule is active.
pub const TW_REASON_INVALID_EQUITY: tw_reason = 8;
/// Market data older than `max_data_age_s` (or from the future).
pub const TW_REASON_STALE_DATA: tw_reason = 9;
/// Confidence below `min_confidence` or missing (NaN).
pub const TW_REASON_LOW_CONFIDENCE: tw_reason = 10;
/// Price outside the band around the reference price.
pub const TW_REASON_PRICE_BAND: tw_reason = 11;
/// REDUCING: the order would increase |position|.
pub const TW_REASON_REDUCE_ONLY: tw_reason = 12;
/// Order quantity above `max_order_quantity`.
pub const TW_REASON_MAX_ORDER_QUANTITY: tw_reason = 13;
/// Order notional above `max_order_notional`.
pub const TW_REASON_MAX_ORDER_NOTIONAL: tw_reason = 14;
/// Position quantity after the order above `max_position_quantity`.
pub const TW_REASON_MAX_POSITION_QUANTITY: tw_reason = 15;
/// Position notional after the order above `max_position_notional`.
pub const TW_REASON_MAX_POSITION_NOTIONAL: tw_reason = 16;
/// Gross exposure ÷ equity after the order above `max_gross_leverage`.
pub const TW_REASON_MAX_GROSS_LEVERAGE: tw_reason = 17;
/// |Net exposure| ÷ equity after the order above `max_net_leverage`.
pub const TW_REASON_MAX_NET_LEVERAGE: tw_reason = 18;
/// Token bucket empty.
pub const TW_REASON_RATE_LIMITED: tw_reason = 19;
/// Order notional (after clips) below `min_order_notional` (dust order).
pub const TW_REASON_MIN_ORDER_NOTIONAL: tw_reason = 20;
/// Order notional above `max_order_equity_fraction` × equity.
pub const TW_REASON_MAX_ORDER_EQUITY_FRACTION: tw_reason = 21;
/// A position-size override (`tw_engine_set_size_override`) scaled the order (a clip).
pub const TW_REASON_SIZE_OVERRIDE: tw_reason = 22;
/// A reason this header does not know yet (a newer library); see `tw_reason_name`.
pub const TW_REASON_OTHER: tw_reason = 255;

/// The stable code of a deny reason. The guardrails enum is non-exhaustive;
/// a unit test checks every reason in `DenyReason::ALL` has its own code.
fn reason_code(r: DenyReason) -> tw_reason {
    match r {
        DenyReason::TradingHalted => TW_REASON_TRADING_HALTED,
        DenyReason::TradingKilled => TW_REASON_TRADING_KILLED,
        DenyReason::UnknownSymbol => TW_REASON_UNKNOWN_SYMBOL,
        DenyReason::SymbolDisabled => TW_REASON_SYMBOL_DISABLED,
        DenyReason::NonFiniteInput => TW_REASON_NON_FINITE_INPUT,
        DenyReason::InvalidQuantity => TW_REASON_INVALID_QUANTITY,
        DenyReason::InvalidPrice => TW_REASON_INVALID_PRICE,
        DenyReason::InvalidEquity => TW_REASON_INVALID_EQUITY,
        DenyReason::StaleData => TW_REASON_STALE_DATA,
        DenyReason::LowConfidence => TW_REASON_LOW_CONFIDENCE,
        DenyReason::PriceBand => TW_REASON_PRICE_BAND,
        DenyReason::ReduceOnly => TW_REASON_REDUCE_ONLY,
        DenyReason::MaxOrderQuantity => TW_REASON_MAX_ORDER_QUANTITY,
        DenyReason::MaxOrderNotional => TW_REASON_MAX_ORDER_NOTIONAL,
        DenyReason::MaxPositionQuantity => TW_REASON_MAX_POSITION_QUANTITY,
        DenyReason::MaxPositionNotional => TW_REASON_MAX_POSITION_NOTIONAL,
        DenyReason::MaxGrossLeverage => TW_REASON_MAX_GROSS_LEVERAGE,
        DenyReason::MaxNetLeverage => TW_REASON_MAX_NET_LEVERAGE,
        DenyReason::RateLimited => TW_REASON_RATE_LIMITED,
        DenyReason::MinOrderNotional => TW_REASON_MIN_ORDER_NOTIONAL,
        DenyReason::MaxOrderEquityFraction => TW_REASON_MAX_ORDER_EQUITY_FRACTION,
        DenyReason::SizeOverride => TW_REASON_SIZE_OVERRIDE,
        _ => TW_REASON_OTHER,
    }
}

/// The stable snake_case name of a `TW_REASON_*` code ("none" for
/// `TW_REASON_NONE`), a static NUL-terminated string; NULL for an unknown code.
#[unsafe(no_mangle)]
pub extern "C" fn tw_reason_name(reason: tw_reason) -> *const c_char {
    if reason == TW_REASON_NONE {
        return c"none".as_ptr();
    }
    // NAMES[code - 1]; codes are dense from 1 (checked against as_str in tests).
    (reason as usize)
        .checked_sub(1)
        .and_then(|i| NAMES.get(i))
        .map_or(std::ptr::null(), |n| n.as_ptr())
}

/// NUL-terminated reason names by code − 1 (checked against `DenyReason::as_str` in tests).
const NAMES: [&std::ffi::CStr; 22] = [
    c"trading_halted",
    c"trading_killed",
    c"unknown_symbol",
    c"symbol_disabled",
    c"non_finite_input",
    c"invalid_quantity",
    c"invalid_price",
    c"invalid_equity",
    c"stale_data",
    c"low_confidence",
    c"price_band",
    c"reduce_only",
    c"max_order_quantity",
    c"max_order_notional",
    c"max_position_quantity",
    c"max_position_notional",
    c"max_gross_leverage",
    c"max_net_leverage",
    c"rate_limited",
    c"min_order_notional",
    c"max_order_equity_fraction",
    c"size_override",
];

fn state_of(code: tw_trading_state, param: &str) -> Result<TradingState, Failure> {
    match code {
        TW_STATE_ACTIVE => Ok(TradingState::Active),
        TW_STATE_REDUCING => Ok(TradingState::Reducing),
        TW_STATE_HALTED => Ok(TradingState::Halted),
        TW_STATE_KILLED => Ok(TradingState::Killed),
        other => Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid {param} = {other}: expected TW_STATE_ACTIVE, _REDUCING, _HALTED or _KILLED"
            ),
        )),
    }
}

fn state_code(s: TradingState) -> tw_trading_state {
    match s {
        TradingState::Active => TW_STATE_ACTIVE,
        TradingState::Reducing => TW_STATE_REDUCING,
        TradingState::Halted => TW_STATE_HALTED,
        TradingState::Killed => TW_STATE_KILLED,
    }
}

fn side_of(code: tw_side) -> Result<Side, Failure> {
    match code {
        TW_SIDE_BUY => Ok(Side::Buy),
        TW_SIDE_SELL => Ok(Side::Sell),
        other => Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!("invalid side = {other}: expected TW_SIDE_BUY or TW_SIDE_SELL"),
        )),
    }
}

/// One order to check. `symbol` comes from `tw_engine_symbol_id`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_order {
    /// Registered symbol id (`tw_engine_symbol_id`); an unknown id is denied.
    pub symbol: u32,
    /// `TW_SIDE_BUY` or `TW_SIDE_SELL`.
    pub side: tw_side,
    /// Units, > 0 (a positive magnitude; `side` gives the sign).
    pub quantity: f64,
    /// Limit (or expected fill) price, > 0.
    pub price: f64,
    /// Reference (mid / last) price the band is measured around, > 0.
    pub reference_price: f64,
    /// Unix seconds when the market data was observed.
    pub data_timestamp: f64,
    /// Unix seconds of the order (the engine's clock for throttling and staleness).
    pub timestamp: f64,
    /// Model confidence in [0, 1]; NaN when the order carries none.
    pub confidence: f64,
}

/// The decision of `tw_engine_check_order`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_decision {
    /// `TW_DECISION_ALLOW`, `_CLIP` or `_DENY`.
    pub decision: tw_decision_kind,
    /// `TW_REASON_NONE` when allowed, else the binding (clip) or refusing (deny) rule.
    pub reason: tw_reason,
    /// Quantity that may be sent: the requested one (allow), the clipped one, or 0 (deny).
    pub quantity: f64,
}

/// The guardrails session (`tradewarden_guardrails::Session`): pre-trade
/// engine, optional state directory (latched state, `KILL_SWITCH`, audit
/// journal, high-water mark, overrides) and a watcher thread that makes
/// other processes' transitions visible. Not thread-safe: use one engine
/// from one thread at a time (it may move between threads).
#[derive(Debug)]
pub struct tw_engine(Tagged<Session>);
handle!(tw_engine, Session, b"twENGINE");

/// # Safety
/// `e` must be NULL or an engine of this library not used concurrently.
unsafe fn session_mut<'a>(e: *mut tw_engine) -> Result<&'a mut Session, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live_mut(e, "engine") }
}

/// # Safety
/// `e` must be NULL or an engine of this library.
unsafe fn session_ref<'a>(e: *const tw_engine) -> Result<&'a Session, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(e, "engine") }
}

fn symbol(s: &Session, id: u32) -> Result<SymbolId, Failure> {
    let sid = SymbolId(id);
    match s.engine().symbol_name(sid) {
        Some(_) => Ok(sid),
        None => Err(Failure(
            TW_ERR_NOT_FOUND,
            format!("unknown symbol = {id}: not a registered symbol id"),
        )),
    }
}

/// Opens a guardrails session from a policy file (TOML, YAML or JSON by
/// extension) and account `equity` (> 0, the capital leverage limits divide by).
///
/// `state_dir` NULL: an in-memory session — nothing persisted, no
/// `KILL_SWITCH` file, no journal; it starts HALTED (call `tw_engine_reset`
/// to start trading). Otherwise the session of that directory (created if
/// needed) with the library's defaults (`SessionConfig::in_dir`): a missing
/// or corrupt state file means HALTED, any `KILL_SWITCH` entry (file,
/// directory, dangling symlink) KILLED; transitions are persisted there; the
/// audit journal (`journal.jsonl`) records every decision, transition and
/// override; the high-water mark and overrides persist across restarts; a
/// watcher thread makes other processes' kills and transitions visible to
/// `tw_engine_check_order` within a few milliseconds.
///
/// Errors: a missing policy file `TW_ERR_NOT_FOUND`, an unreadable one
/// `TW_ERR_IO`, an invalid one `TW_ERR_INVALID_CONFIG` (every violation
/// named), a bad `equity` `TW_ERR_INVALID_INPUT`, a state directory that
/// cannot be created `TW_ERR_IO`, a corrupt high-water-mark or overrides
/// file `TW_ERR_CORRUPT`. Free with `tw_engine_free`.
///
/// # Safety
/// `policy_path` must be a NUL-terminated string, `state_dir` NULL or one,
/// `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_new_from_policy_file(
    policy_path: *const c_char,
    state_dir: *const c_char,
    equity: f64,
    out: *mut *mut tw_engine,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let path = unsafe { req_str(policy_path, "policy_path")? };
        // SAFETY: forwarded caller contract.
        let dir = unsafe { crate::c_str(state_dir, "state_dir")? };
        non_null(out, "out")?;
        let policy = Policy::load(path)?;
        let cfg = dir.map_or_else(SessionConfig::default, SessionConfig::in_dir);
        let session = Session::open(&policy, equity, cfg)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_engine>(out, session) }
    })
}

/// Writes the id of a registered symbol to `out`; an unregistered symbol is
/// `TW_ERR_NOT_FOUND`. Look ids up once, outside the hot path.
///
/// # Safety
/// `engine` must be a live engine, `symbol` a NUL-terminated string, `out`
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_symbol_id(
    engine: *const tw_engine,
    symbol: *const c_char,
    out: *mut u32,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(symbol, "symbol")? };
        non_null(out, "out")?;
        let id = s.symbol_id(name).ok_or_else(|| {
            Failure(
                TW_ERR_NOT_FOUND,
                format!("unknown symbol = {name:?}: not in the policy's [symbols]"),
            )
        })?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = id.0 };
        Ok(())
    })
}

/// Checks one order against every rule (docs/guardrails.md) and writes the
/// decision; consumes a rate-limit token when it passes. With a state
/// directory the decision is journaled first: a journal write that fails is
/// an error status (`TW_ERR_IO`) and no decision is written — do not send
/// (fail closed). Without one there is no heap allocation. Bad order
/// *values* (NaN, ≤ 0, unknown symbol…) are a `TW_OK` call with a DENY
/// decision; only NULL pointers (`TW_ERR_NULL_ARGUMENT`), an invalid `side`
/// code (`TW_ERR_INVALID_INPUT`) and a journal failure fail the call. The
/// state consulted includes other processes' kills (the watcher), with no
/// system call per order.
///
/// # Safety
/// `engine` must be a live engine not used concurrently, `order` valid for
/// one read, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_check_order(
    engine: *mut tw_engine,
    order: *const tw_order,
    out: *mut tw_decision,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        non_null(order, "order")?;
        non_null(out, "out")?;
        // SAFETY: checked non-NULL above; valid by the caller's contract.
        let o = unsafe { *order };
        let order = Order {
            symbol: SymbolId(o.symbol),
            side: side_of(o.side)?,
            quantity: o.quantity,
            price: o.price,
            reference_price: o.reference_price,
            data_timestamp: o.data_timestamp,
            timestamp: o.timestamp,
            confidence: o.confidence,
        };
        let d = match s.check_order(&order)? {
            Decision::Allow => tw_decision {
                decision: TW_DECISION_ALLOW,
                reason: TW_REASON_NONE,
                quantity: o.quantity,
            },
            Decision::Clip { quantity, reason } => tw_decision {
                decision: TW_DECISION_CLIP,
                reason: reason_code(reason),
                quantity,
            },
            Decision::Deny { reason } => tw_decision {
                decision: TW_DECISION_DENY,
                reason: reason_code(reason),
                quantity: 0.0,
            },
        };
        // SAFETY: checked non-NULL above.
        unsafe { *out = d };
        Ok(())
    })
}

/// Applies a fill: position += ±`quantity`, mark = `price`. An unknown symbol
/// is `TW_ERR_NOT_FOUND`; a non-finite resulting position or price, or a
/// negative price, `TW_ERR_INVALID_INPUT` (the position is unchanged).
///
/// # Safety
/// `engine` must be a live engine not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_on_fill(
    engine: *mut tw_engine,
    symbol_id: u32,
    side: tw_side,
    quantity: f64,
    price: f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        let id = symbol(s, symbol_id)?;
        let side = side_of(side)?;
        s.on_fill(id, side, quantity, price)?;
        Ok(())
    })
}

/// Sets a symbol's signed position and mark price (reconciliation).
///
/// # Safety
/// `engine` must be a live engine not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_set_position(
    engine: *mut tw_engine,
    symbol_id: u32,
    quantity: f64,
    mark: f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        let id = symbol(s, symbol_id)?;
        s.set_position(id, quantity, mark)?;
        Ok(())
    })
}

/// Writes a symbol's signed position to `out`.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_position(
    engine: *const tw_engine,
    symbol_id: u32,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        let id = symbol(s, symbol_id)?;
        let p = s.engine().position(id).unwrap_or(0.0);
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", p) }
    })
}

/// Writes the gross exposure Σ|position × mark| to `out`.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_gross_exposure(
    engine: *const tw_engine,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", s.engine().gross_exposure()) }
    })
}

/// Sets the account equity leverage limits divide by and tracks the
/// high-water mark (persisted in the state directory when it rises). A
/// non-finite equity is `TW_ERR_INVALID_INPUT` and changes nothing; an
/// equity ≤ 0 is accepted and denies orders under leverage rules. A
/// high-water mark that cannot be persisted is `TW_ERR_IO` (the equity is
/// set).
///
/// # Safety
/// `engine` must be a live engine not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_set_equity(engine: *mut tw_engine, equity: f64) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        s.set_equity(equity)?;
        Ok(())
    })
}

/// Writes the effective trading state (`TW_STATE_*`, what
/// `tw_engine_check_order` uses) to `out`: the state directory as the
/// watcher last saw it (other processes included), or the state requested
/// here when more severe. No disk access.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_state(
    engine: *const tw_engine,
    out: *mut tw_trading_state,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", state_code(s.state())) }
    })
}

/// Re-reads the state directory now (the watcher does it continuously),
/// retries persisting a kill or escalation that failed to persist, and
/// writes the effective state to `out`. A state file that became unreadable
/// means HALTED, any `KILL_SWITCH` entry KILLED. Without a state directory it
/// writes the in-memory state. A retry that fails again is returned
/// (`TW_ERR_IO`…) and nothing is written; the engine stays at least as
/// severe as requested.
///
/// # Safety
/// `engine` must be a live engine not used concurrently, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_sync(
    engine: *mut tw_engine,
    out: *mut tw_trading_state,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        non_null(out, "out")?;
        let st = s.sync()?;
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", state_code(st)) }
    })
}

/// Engages the kill switch: the engine is KILLED in memory first (the very
/// next `tw_engine_check_order` denies), then — with a state directory —
/// the `KILL_SWITCH` file is written (file and directory fsynced), KILLED
/// persisted in the state file, and the transition journaled. Every step is
/// attempted and the first failure returned (e.g. `TW_ERR_IO` when the
/// directory cannot be written); the engine stays KILLED whatever failed
/// (`tw_engine_sync` retries persisting it). Blank
/// `reason`/`activated_by` are recorded as "unspecified".
///
/// # Safety
/// `engine` must be a live engine not used concurrently; `reason` and
/// `activated_by` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_kill(
    engine: *mut tw_engine,
    reason: *const c_char,
    activated_by: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        // SAFETY: forwarded caller contract.
        let reason = unsafe { req_str(reason, "reason")? };
        // SAFETY: forwarded caller contract.
        let by = unsafe { req_str(activated_by, "activated_by")? };
        s.kill(reason, by)?;
        Ok(())
    })
}

/// Latches a more severe state `to` with a non-blank `reason` (e.g. a
/// period-limit breach; `TW_ERR_INVALID_INPUT` when blank). Escalating to
/// the current or a milder state changes nothing. The state takes effect in
/// memory first, then is persisted (compare-and-swap under the directory's
/// lock) and journaled; if persisting fails the error is returned and the
/// engine stays at least `to` (retried by `tw_engine_sync`). `changed` (may
/// be NULL) receives 1 when the state changed, else 0.
///
/// # Safety
/// `engine` must be a live engine not used concurrently; `reason` a
/// NUL-terminated string; `changed` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_escalate(
    engine: *mut tw_engine,
    to: tw_trading_state,
    reason: *const c_char,
    changed: *mut u32,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        let to = state_of(to, "to")?;
        // SAFETY: forwarded caller contract.
        let reason = unsafe { req_str(reason, "reason")? };
        let did = s.escalate(to, reason)?;
        if !changed.is_null() {
            // SAFETY: checked non-NULL.
            unsafe { *changed = u32::from(did) };
        }
        Ok(())
    })
}

/// Named manual reset to state `to` (usually `TW_STATE_ACTIVE`): `who` and
/// `why` must be non-blank (`TW_ERR_STATE` otherwise). With a state directory
/// it is persisted first (the engine changes only when the reset is durable)
/// and refused (`TW_ERR_STATE`) while a `KILL_SWITCH` entry exists — remove
/// it deliberately first (`tw_engine_remove_kill_switch`). Journaled as an
/// override and a transition.
///
/// # Safety
/// `engine` must be a live engine not used concurrently; `who` and `why`
/// NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_reset(
    engine: *mut tw_engine,
    to: tw_trading_state,
    who: *const c_char,
    why: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        let to = state_of(to, "to")?;
        // SAFETY: forwarded caller contract.
        let who = unsafe { req_str(who, "who")? };
        // SAFETY: forwarded caller contract.
        let why = unsafe { req_str(why, "why")? };
        s.reset(to, who, why)?;
        Ok(())
    })
}

/// Removes the `KILL_SWITCH` entry (whatever it is: file, directory,
/// symlink) as a journaled override naming `who` and `why` (non-blank;
/// `TW_ERR_INVALID_INPUT` otherwise). The state stays KILLED until a
/// `tw_engine_reset`. An in-memory engine has no kill-switch file:
/// `TW_ERR_STATE`.
///
/// # Safety
/// `engine` must be a live engine not used concurrently; `who` and `why`
/// NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_remove_kill_switch(
    engine: *mut tw_engine,
    who: *const c_char,
    why: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        // SAFETY: forwarded caller contract.
        let who = unsafe { req_str(who, "who")? };
        // SAFETY: forwarded caller contract.
        let why = unsafe { req_str(why, "why")? };
        s.remove_kill_switch(who, why)?;
        Ok(())
    })
}

/// Sets the position-size override: every new order's quantity is scaled
/// by `fraction` ∈ (0, 1] (1 = off) and reported as a
/// `TW_REASON_SIZE_OVERRIDE` clip when smaller. Persisted in the state
/// directory (`overrides.json`) and journaled as an override by `who`/`why`.
/// A fraction outside (0, 1] is `TW_ERR_INVALID_INPUT` and changes nothing.
///
/// # Safety
/// `engine` must be a live engine not used concurrently; `who` and `why`
/// NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_set_size_override(
    engine: *mut tw_engine,
    fraction: f64,
    who: *const c_char,
    why: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        // SAFETY: forwarded caller contract.
        let who = unsafe { req_str(who, "who")? };
        // SAFETY: forwarded caller contract.
        let why = unsafe { req_str(why, "why")? };
        s.set_size_override(fraction, who, why)?;
        Ok(())
    })
}

/// Writes the position-size override fraction (1 = none) to `out`.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_size_override(
    engine: *const tw_engine,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", s.overrides().size_override) }
    })
}

/// Freezes (`frozen` ≠ 0) or unfreezes (0) model learning/retraining:
/// persisted in the state directory (`overrides.json`, read by the registry
/// and retraining jobs) and journaled as an override by `who`/`why`.
///
/// # Safety
/// `engine` must be a live engine not used concurrently; `who` and `why`
/// NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_set_learning_frozen(
    engine: *mut tw_engine,
    frozen: i32,
    who: *const c_char,
    why: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        // SAFETY: forwarded caller contract.
        let who = unsafe { req_str(who, "who")? };
        // SAFETY: forwarded caller contract.
        let why = unsafe { req_str(why, "why")? };
        s.set_learning_frozen(frozen != 0, who, why)?;
        Ok(())
    })
}

/// Writes 1 to `out` when model learning is frozen, else 0.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_learning_frozen(
    engine: *const tw_engine,
    out: *mut i32,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        let v = i32::from(s.overrides().learning_frozen);
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", v) }
    })
}

/// Writes the tracked high-water mark of equity (the largest value given to
/// `tw_engine_set_equity`, persisted across restarts with a state
/// directory) to `out`; `TW_ERR_NOT_FOUND` (nothing written) while there is
/// none yet.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_high_water_mark(
    engine: *const tw_engine,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        non_null(out, "out")?;
        let h = s.high_water_mark().ok_or_else(|| {
            Failure(
                TW_ERR_NOT_FOUND,
                "no high-water mark yet: tw_engine_set_equity has not been called".into(),
            )
        })?;
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", h) }
    })
}

/// Counts since the engine was opened (`tw_engine_counts`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct tw_session_counts {
    /// Pre-trade decisions (`tw_engine_check_order` calls that returned one).
    pub trades: u64,
    /// Denied decisions.
    pub denials: u64,
    /// Period-limit breaches (`tw_engine_evaluate_period`).
    pub breaches: u64,
}

/// Writes the counts since the engine was opened to `out`.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_counts(
    engine: *const tw_engine,
    out: *mut tw_session_counts,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        let c = s.counts();
        let v = tw_session_counts {
            trades: c.trades,
            denials: c.denials,
            breaches: c.breaches,
        };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", v) }
    })
}

/// Writes the guardrails SLO since the engine was opened — (denials +
/// breaches) × 1000 ÷ decisions — to `out`; `TW_ERR_NOT_FOUND` (nothing
/// written) before the first decision.
///
/// # Safety
/// `engine` must be a live engine, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_violations_per_1000_trades(
    engine: *const tw_engine,
    out: *mut f64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(engine)? };
        non_null(out, "out")?;
        let v = s.counts().violations_per_1000_trades().ok_or_else(|| {
            Failure(
                TW_ERR_NOT_FOUND,
                "no violations per 1000 trades yet: no order has been checked".into(),
            )
        })?;
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", v) }
    })
}

/// Bit of `tw_period_observation.present`: `aum` is set.
pub const TW_PERIOD_AUM: u32 = 1 << 0;
/// Bit of `tw_period_observation.present`: `hourly_pnl` is set.
pub const TW_PERIOD_HOURLY_PNL: u32 = 1 << 1;
/// Bit of `tw_period_observation.present`: `daily_pnl` is set.
pub const TW_PERIOD_DAILY_PNL: u32 = 1 << 2;
/// Bit of `tw_period_observation.present`: `equity` is set.
pub const TW_PERIOD_EQUITY: u32 = 1 << 3;
/// Bit of `tw_period_observation.present`: `high_water_mark` is set.
pub const TW_PERIOD_HIGH_WATER_MARK: u32 = 1 << 4;
/// Bit of `tw_period_observation.present`: `slippage_ratio` is set.
pub const TW_PERIOD_SLIPPAGE_RATIO: u32 = 1 << 5;
/// Bit of `tw_period_observation.present`: `fill_rate` is set.
pub const TW_PERIOD_FILL_RATE: u32 = 1 << 6;
/// Bit of `tw_period_observation.present`: `model_precision_ratio` is set.
pub const TW_PERIOD_MODEL_PRECISION_RATIO: u32 = 1 << 7;
/// Bit of `tw_period_observation.present`: `confidence` is set.
pub const TW_PERIOD_CONFIDENCE: u32 = 1 << 8;
/// Bit of `tw_period_observation.present`: `data_age_s` is set.
pub const TW_PERIOD_DATA_AGE_S: u32 = 1 << 9;
const TW_PERIOD_ALL: u32 = (1 << 10) - 1;

/// Observed values for one `tw_engine_evaluate_period`. A field counts only
/// when its `TW_PERIOD_*` bit is set in `present`; an absent field is handled
/// by the policy's `on_missing` (default: not checked). A present NaN/±inf
/// value is a critical breach (fail closed) — which is why absence is a bit,
/// not NaN.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct tw_period_observation {
    /// OR of the `TW_PERIOD_*` bits of the fields that are set.
    pub present: u32,
    /// Account AUM (> 0) the P&L ratios are divided by.
    pub aum: f64,
    /// P&L of the last hour (negative = loss).
    pub hourly_pnl: f64,
    /// P&L of the day.
    pub daily_pnl: f64,
    /// Mark-to-market equity now.
    pub equity: f64,
    /// High-water mark of equity (absent: the engine's tracked one).
    pub high_water_mark: f64,
    /// Realised ÷ expected slippage.
    pub slippage_ratio: f64,
    /// Filled ÷ submitted.
    pub fill_rate: f64,
    /// Live precision of the model's directional calls (fraction in [0, 1], not ÷ baseline).
    pub model_precision_ratio: f64,
    /// Mean model confidence.
    pub confidence: f64,
    /// Age (s) of the newest market data.
    pub data_age_s: f64,
}

/// Severity of a period-limit breach (one of `TW_BREACH_*`).
pub type tw_breach_severity = u32;
/// Warning level crossed: the engine latches REDUCING.
pub const TW_BREACH_WARNING: tw_breach_severity = 1;
/// Critical level crossed (or the value is non-finite): the engine latches HALTED.
pub const TW_BREACH_CRITICAL: tw_breach_severity = 2;

/// One breached period limit.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_period_breach {
    /// Rule name, NUL-terminated (e.g. "daily_loss_ratio"; the telemetry label).
    pub rule: [c_char; 32],
    /// Observed value (after conversion, e.g. loss ratio; NaN when absent and
    /// `on_missing` made it a breach).
    pub value: f64,
    /// The level crossed.
    pub threshold: f64,
    /// `TW_BREACH_WARNING` or `TW_BREACH_CRITICAL`.
    pub severity: tw_breach_severity,
}

pub(crate) fn observation(o: &tw_period_observation) -> Result<PeriodObservation, Failure> {
    if o.present & !TW_PERIOD_ALL != 0 {
        return Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid present = {:#x}: unknown TW_PERIOD_* bits {:#x}",
                o.present,
                o.present & !TW_PERIOD_ALL
            ),
        ));
    }
    let f = |bit: u32, v: f64| (o.present & bit != 0).then_some(v);
    Ok(PeriodObservation {
        aum: f(TW_PERIOD_AUM, o.aum),
        hourly_pnl: f(TW_PERIOD_HOURLY_PNL, o.hourly_pnl),
        daily_pnl: f(TW_PERIOD_DAILY_PNL, o.daily_pnl),
        equity: f(TW_PERIOD_EQUITY, o.equity),
        high_water_mark: f(TW_PERIOD_HIGH_WATER_MARK, o.high_water_mark),
        slippage_ratio: f(TW_PERIOD_SLIPPAGE_RATIO, o.slippage_ratio),
        fill_rate: f(TW_PERIOD_FILL_RATE, o.fill_rate),
        model_precision_ratio: f(TW_PERIOD_MODEL_PRECISION_RATIO, o.model_precision_ratio),
        confidence: f(TW_PERIOD_CONFIDENCE, o.confidence),
        data_age_s: f(TW_PERIOD_DATA_AGE_S, o.data_age_s),
    })
}

pub(crate) fn breach(b: &PeriodBreach) -> tw_period_breach {
    let mut rule = [0 as c_char; 32];
    // Rule names are short ASCII; keep the NUL in the last byte regardless.
    for (d, s) in rule.iter_mut().zip(b.rule.as_str().bytes().take(31)) {
        *d = s as c_char;
    }
    tw_period_breach {
        rule,
        value: b.value,
        threshold: b.threshold,
        severity: match b.severity {
            Severity::Warning => TW_BREACH_WARNING,
            Severity::Critical => TW_BREACH_CRITICAL,
        },
    }
}

/// Evaluates the policy's period limits (`[period]`, docs/guardrails.md) on
/// `observation`: the engine's high-water mark fills an absent
/// `high_water_mark`; every breach is counted and journaled as a violation;
/// any critical breach latches HALTED, else any warning REDUCING (as
/// `tw_engine_escalate`). Writes the number of breaches to `n_breaches` and
/// the first `min(n, capacity)` of them to `breaches` (NULL allowed when
/// `capacity` is 0) — every breach takes effect whatever the capacity. An
/// unknown `present` bit, or a `capacity` whose byte size overflows (checked
/// before anything takes effect), is `TW_ERR_INVALID_INPUT`; a journal or state
/// write that fails is returned (`TW_ERR_IO`…) with nothing written, the
/// escalation in force in memory.
///
/// # Safety
/// `engine` must be a live engine not used concurrently; `observation`
/// valid for one read; `breaches` NULL or valid for `capacity` writes;
/// `n_breaches` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_evaluate_period(
    engine: *mut tw_engine,
    observation: *const tw_period_observation,
    breaches: *mut tw_period_breach,
    capacity: usize,
    n_breaches: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        non_null(observation, "observation")?;
        non_null(n_breaches, "n_breaches")?;
        if capacity > 0 {
            non_null(breaches, "breaches")?;
            // Before anything takes effect: a capacity that cannot be an array.
            handle::check_len(breaches, capacity, "breaches")?;
        }
        // SAFETY: checked non-NULL; valid by the caller's contract.
        let o = self::observation(unsafe { &*observation })?;
        let found = s.evaluate_period(&o)?;
        let n = found.len().min(capacity);
        if n > 0 {
            // SAFETY: `breaches` valid for capacity ≥ n writes (caller's contract).
            let dst = unsafe { handle::slice_out(breaches, n, "breaches")? };
            for (d, b) in dst.iter_mut().zip(&found) {
                d.write(breach(b));
            }
        }
        // SAFETY: checked non-NULL above.
        unsafe { *n_breaches = found.len() };
        Ok(())
    })
}

/// Re-registers the engine's metric handles with the current metrics
/// recorder **and** under the names of the catalog it was installed with
/// (namespace, profile): call it after `tw_metrics_install` if the engine
/// was built before, or its families keep the default `tradewarden_*` names.
///
/// # Safety
/// `engine` must be a live engine not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_rebind_telemetry(engine: *mut tw_engine) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_mut(engine)? };
        s.engine_mut().rebind_telemetry();
        Ok(())
    })
}

/// Frees an engine (stops its watcher thread, fsyncs its journal); NULL is
/// a no-op.
///
/// # Safety
/// `engine` must be NULL or an engine from `tw_engine_new_from_policy_file`
/// not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_free(engine: *mut tw_engine) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(engine, "engine") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::TW_OK;

    #[test]
    fn every_reason_has_its_own_code_and_name() {
        let mut codes = Vec::new();
        for r in DenyReason::ALL {
            let c = reason_code(r);
            assert_ne!(c, TW_REASON_OTHER, "{r:?} has no TW_REASON_* code");
            let name = tw_reason_name(c);
            assert!(!name.is_null());
            // SAFETY: a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(name) };
            assert_eq!(name.to_str().unwrap(), r.as_str());
            codes.push(c);
        }
        codes.dedup();
        assert_eq!(codes.len(), DenyReason::ALL.len());
        assert_eq!(NAMES.len(), DenyReason::ALL.len());
        assert!(tw_reason_name(TW_REASON_OTHER).is_null());
        assert!(tw_reason_name(23).is_null());
    }

    #[test]
    fn check_order_equals_the_rust_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        let text =
            "[pre_trade]\nmax_order_notional = 10000.0\nprice_band_ratio = 0.05\n[symbols.AAPL]\n";
        std::fs::write(&path, text).unwrap();
        let cpath = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let mut e: *mut tw_engine = std::ptr::null_mut();
        let st = unsafe {
            tw_engine_new_from_policy_file(cpath.as_ptr(), std::ptr::null(), 1e6, &mut e)
        };
        assert_eq!(st, TW_OK);
        let mut rust = Session::open(
            &Policy::from_toml(text).unwrap(),
            1e6,
            SessionConfig::default(),
        )
        .unwrap();
        rust.reset(TradingState::Active, "ops", "test").unwrap();
        assert_eq!(
            unsafe { tw_engine_reset(e, TW_STATE_ACTIVE, c"ops".as_ptr(), c"test".as_ptr()) },
            TW_OK
        );
        let mut id = 99u32;
        assert_eq!(
            unsafe { tw_engine_symbol_id(e, c"AAPL".as_ptr(), &mut id) },
            TW_OK
        );
        for (q, p) in [(10.0, 100.0), (500.0, 100.0), (1.0, f64::NAN), (1.0, 200.0)] {
            let o = tw_order {
                symbol: id,
                side: TW_SIDE_BUY,
                quantity: q,
                price: p,
                reference_price: 100.0,
                data_timestamp: 1000.0,
                timestamp: 1000.5,
                confidence: f64::NAN,
            };
            let mut d = tw_decision {
                decision: 99,
                reason: 99,
                quantity: -1.0,
            };
            assert_eq!(unsafe { tw_engine_check_order(e, &o, &mut d) }, TW_OK);
            let r = rust
                .check_order(&Order {
                    symbol: rust.symbol_id("AAPL").unwrap(),
                    side: Side::Buy,
                    quantity: q,
                    price: p,
                    reference_price: 100.0,
                    data_timestamp: 1000.0,
                    timestamp: 1000.5,
                    confidence: f64::NAN,
                })
                .unwrap();
            match r {
                Decision::Allow => assert_eq!((d.decision, d.reason, d.quantity), (0, 0, q)),
                Decision::Clip { quantity, reason } => assert_eq!(
                    (d.decision, d.reason, d.quantity),
                    (TW_DECISION_CLIP, reason_code(reason), quantity)
                ),
                Decision::Deny { reason } => assert_eq!(
                    (d.decision, d.reason, d.quantity),
                    (TW_DECISION_DENY, reason_code(reason), 0.0)
                ),
            }
        }
        unsafe { tw_engine_free(e) };
    }
    #[test]
    fn evaluate_period_equals_the_rust_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "[symbols.ES]\n").unwrap();
        let cpath = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let mut e: *mut tw_engine = std::ptr::null_mut();
        assert_eq!(
            unsafe {
                tw_engine_new_from_policy_file(cpath.as_ptr(), std::ptr::null(), 1e6, &mut e)
            },
            TW_OK
        );
        let mut rust = Session::open(
            &Policy::from_toml("[symbols.ES]\n").unwrap(),
            1e6,
            SessionConfig::default(),
        )
        .unwrap();
        rust.reset(TradingState::Active, "ops", "test").unwrap();
        assert_eq!(
            unsafe { tw_engine_reset(e, TW_STATE_ACTIVE, c"ops".as_ptr(), c"test".as_ptr()) },
            TW_OK
        );
        let obs = tw_period_observation {
            present: TW_PERIOD_AUM
                | TW_PERIOD_DAILY_PNL
                | TW_PERIOD_FILL_RATE
                | TW_PERIOD_DATA_AGE_S,
            aum: 1e6,
            daily_pnl: -12_000.0,
            fill_rate: 0.5,
            data_age_s: f64::INFINITY,
            hourly_pnl: -1e9, // absent: not checked
            ..Default::default()
        };
        let mut out = [tw_period_breach {
            rule: [0; 32],
            value: -1.0,
            threshold: -1.0,
            severity: 0,
        }; 2];
        let mut n = 0usize;
        let st = unsafe { tw_engine_evaluate_period(e, &obs, out.as_mut_ptr(), 2, &mut n) };
        assert_eq!(st, TW_OK);
        let Ok(o) = observation(&obs) else {
            panic!("observation conversion failed")
        };
        let want = rust.evaluate_period(&o).unwrap();
        assert_eq!(n, want.len());
        assert!(n > 2, "capacity smaller than the breaches: {n}");
        for (got, w) in out.iter().zip(&want) {
            let name = unsafe { std::ffi::CStr::from_ptr(got.rule.as_ptr()) };
            assert_eq!(name.to_str().unwrap(), w.rule.as_str());
            assert_eq!(got.value.to_bits(), w.value.to_bits());
            assert_eq!(got.threshold, w.threshold);
        }
        let mut s = 99;
        assert_eq!(unsafe { tw_engine_state(e, &mut s) }, TW_OK);
        assert_eq!(s, state_code(rust.state()));
        assert_eq!(s, TW_STATE_HALTED);
        unsafe { tw_engine_free(e) };
    }
}
