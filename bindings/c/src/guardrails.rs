//! The pre-trade engine behind an opaque `tw_engine`: policy file, optional
//! persisted state directory (latched state, `KILL_SWITCH` file), positions,
//! and `tw_engine_check_order` on the hot path (no allocation).

use std::ffi::c_char;

use tradewarden_guardrails::{
    Decision, DenyReason, Engine, Order, Policy, Side, StateStore, SymbolId, TradingState,
};

use crate::{
    Failure, TW_ERR_INVALID_INPUT, TW_ERR_NOT_FOUND, TW_ERR_STATE, guard, non_null, null, req_str,
    tw_status,
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
const NAMES: [&std::ffi::CStr; 21] = [
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

/// The pre-trade engine with its optional state directory. Not thread-safe:
/// use one engine from one thread at a time (it may move between threads).
#[derive(Debug)]
pub struct tw_engine {
    engine: Engine,
    store: Option<StateStore>,
}

/// # Safety
/// `e` must be NULL or a live engine not used concurrently.
unsafe fn engine_mut<'a>(e: *mut tw_engine) -> Result<&'a mut tw_engine, Failure> {
    if e.is_null() {
        return Err(null("engine"));
    }
    // SAFETY: non-NULL, live and exclusive by the caller's contract.
    Ok(unsafe { &mut *e })
}

/// # Safety
/// `e` must be NULL or a live engine.
unsafe fn engine_ref<'a>(e: *const tw_engine) -> Result<&'a tw_engine, Failure> {
    if e.is_null() {
        return Err(null("engine"));
    }
    // SAFETY: non-NULL and live by the caller's contract.
    Ok(unsafe { &*e })
}

fn symbol(e: &tw_engine, id: u32) -> Result<SymbolId, Failure> {
    let s = SymbolId(id);
    match e.engine.symbol_name(s) {
        Some(_) => Ok(s),
        None => Err(Failure(
            TW_ERR_NOT_FOUND,
            format!("unknown symbol = {id}: not a registered symbol id"),
        )),
    }
}

/// Re-opens the engine's state directory so that a transition starts from
/// what is on disk now (another process may have changed it).
fn refresh(e: &mut tw_engine) -> Result<(), Failure> {
    if let Some(dir) = e.store.as_ref().map(|s| s.dir().to_path_buf()) {
        let store = StateStore::open(&dir)?;
        e.engine.sync_state(&store);
        e.store = Some(store);
    }
    Ok(())
}

/// Builds an engine from a policy file (TOML, YAML or JSON by extension) and
/// account `equity` (> 0, the capital leverage limits divide by).
///
/// `state_dir` NULL: the state lives in memory only and starts HALTED; call
/// `tw_engine_reset` to start trading. Otherwise the latched state of that
/// directory (created if needed) is loaded: a missing or corrupt state file
/// means HALTED, a `KILL_SWITCH` file KILLED; transitions are persisted there.
///
/// Errors: a missing policy file `TW_ERR_NOT_FOUND`, an unreadable one
/// `TW_ERR_IO`, an invalid one `TW_ERR_INVALID_CONFIG` (every violation
/// named), a bad `equity` `TW_ERR_INVALID_INPUT`. Free with `tw_engine_free`.
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
        let mut engine = Engine::new(&policy, equity)?;
        let store = match dir {
            Some(d) => {
                let s = StateStore::open(d)?;
                engine.sync_state(&s);
                Some(s)
            }
            None => None,
        };
        let boxed = Box::new(tw_engine { engine, store });
        // SAFETY: checked non-NULL above.
        unsafe { *out = Box::into_raw(boxed) };
        Ok(())
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
        let e = unsafe { engine_ref(engine)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(symbol, "symbol")? };
        non_null(out, "out")?;
        let id = e.engine.symbol_id(name).ok_or_else(|| {
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
/// decision. No heap allocation; consumes a rate-limit token when it passes.
/// Bad order *values* (NaN, ≤ 0, unknown symbol…) are a `TW_OK` call with a
/// DENY decision (fail closed); only NULL pointers (`TW_ERR_NULL_ARGUMENT`)
/// and an invalid `side` code (`TW_ERR_INVALID_INPUT`) fail the call.
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
        let e = unsafe { engine_mut(engine)? };
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
        let d = match e.engine.check_order(&order) {
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
/// is `TW_ERR_NOT_FOUND`; a non-finite quantity or price, or a negative
/// price, `TW_ERR_INVALID_INPUT` (the position is unchanged).
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
        let e = unsafe { engine_mut(engine)? };
        let id = symbol(e, symbol_id)?;
        let s = side_of(side)?;
        if !(quantity.is_finite() && quantity >= 0.0) {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!("invalid quantity = {quantity}: must be finite and >= 0"),
            ));
        }
        e.engine.on_fill(id, s, quantity, price)?;
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
        let e = unsafe { engine_mut(engine)? };
        let id = symbol(e, symbol_id)?;
        e.engine.set_position(id, quantity, mark)?;
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
        let e = unsafe { engine_ref(engine)? };
        let id = symbol(e, symbol_id)?;
        non_null(out, "out")?;
        let p = e.engine.position(id).unwrap_or(0.0);
        // SAFETY: checked non-NULL above.
        unsafe { *out = p };
        Ok(())
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
        let e = unsafe { engine_ref(engine)? };
        non_null(out, "out")?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = e.engine.gross_exposure() };
        Ok(())
    })
}

/// Sets the account equity leverage limits divide by. Like the Rust API it
/// accepts any value: a non-finite equity makes every check DENY
/// (`TW_REASON_NON_FINITE_INPUT`), an equity ≤ 0 denies under leverage rules.
///
/// # Safety
/// `engine` must be a live engine not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_set_equity(engine: *mut tw_engine, equity: f64) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let e = unsafe { engine_mut(engine)? };
        e.engine.set_equity(equity);
        Ok(())
    })
}

/// Writes the trading state the hot path consults (`TW_STATE_*`) to `out`.
/// It does not look at the disk: see `tw_engine_sync`.
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
        let e = unsafe { engine_ref(engine)? };
        non_null(out, "out")?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = state_code(e.engine.state()) };
        Ok(())
    })
}

/// Re-reads the state directory — the persisted state, which other processes
/// sharing the directory may have changed, and the `KILL_SWITCH` file, which
/// means KILLED — into the engine, and writes the state to `out`. A state
/// file that became unreadable means HALTED. Call it periodically (e.g.
/// every second), not per order. Without a state directory: `TW_ERR_STATE`.
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
        let e = unsafe { engine_mut(engine)? };
        non_null(out, "out")?;
        if e.store.is_none() {
            return Err(Failure(
                TW_ERR_STATE,
                "this engine has no state_dir: nothing to sync".into(),
            ));
        }
        // Re-open: re-reads the state file (transitions made by other
        // processes) and the KILL_SWITCH file; a corrupt file means HALTED.
        refresh(e)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = state_code(e.engine.state()) };
        Ok(())
    })
}

/// Engages the kill switch: with a state directory writes the `KILL_SWITCH`
/// file (`reason`, `activated_by`) and persists KILLED; without one, the
/// engine is KILLED in memory. The engine denies every order from here on
/// even when persisting fails (then `TW_ERR_IO` is returned).
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
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: forwarded caller contract.
        let reason = unsafe { req_str(reason, "reason")? };
        // SAFETY: forwarded caller contract.
        let by = unsafe { req_str(activated_by, "activated_by")? };
        // Stop trading first, whatever happens on disk.
        e.engine.set_state(TradingState::Killed);
        if let Some(store) = e.store.as_mut() {
            store.activate_kill_switch(reason, by)?;
        }
        Ok(())
    })
}

/// Latches a more severe state `to` with a `reason` (e.g. a period-limit
/// breach). Escalating to the current or a milder state changes nothing.
/// With a state directory the state on disk is re-read first.
/// `changed` (may be NULL) receives 1 when the state changed, else 0.
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
        let e = unsafe { engine_mut(engine)? };
        let to = state_of(to, "to")?;
        // SAFETY: forwarded caller contract.
        let reason = unsafe { req_str(reason, "reason")? };
        if reason.trim().is_empty() {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                "invalid reason = \"\": every transition needs a reason".into(),
            ));
        }
        refresh(e)?;
        let did = match e.store.as_mut() {
            Some(store) => {
                let did = store.escalate(to, reason)?;
                e.engine.sync_state(store);
                did
            }
            None => {
                let did = to > e.engine.state();
                if did {
                    e.engine.set_state(to);
                }
                did
            }
        };
        if !changed.is_null() {
            // SAFETY: checked non-NULL.
            unsafe { *changed = u32::from(did) };
        }
        Ok(())
    })
}

/// Named manual reset to state `to` (usually `TW_STATE_ACTIVE`): `who` and
/// `why` must be non-empty (`TW_ERR_STATE` otherwise, as the Rust API). With
/// a state directory the state on disk is re-read first, the transition is
/// persisted, and it is refused (`TW_ERR_STATE`) while the `KILL_SWITCH` file
/// exists — remove it deliberately first.
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
        let e = unsafe { engine_mut(engine)? };
        let to = state_of(to, "to")?;
        // SAFETY: forwarded caller contract.
        let who = unsafe { req_str(who, "who")? };
        // SAFETY: forwarded caller contract.
        let why = unsafe { req_str(why, "why")? };
        refresh(e)?;
        match e.store.as_mut() {
            Some(store) => {
                store.manual_reset(to, who, why)?;
                e.engine.sync_state(store);
            }
            None => {
                if who.trim().is_empty() || why.trim().is_empty() {
                    return Err(Failure(
                        TW_ERR_STATE,
                        format!(
                            "illegal transition {} -> {}: a manual reset must name who and why",
                            e.engine.state().as_str(),
                            to.as_str()
                        ),
                    ));
                }
                e.engine.set_state(to);
            }
        }
        Ok(())
    })
}

/// Re-registers the engine's counters with the current metrics recorder:
/// call it after `tw_metrics_install` if the engine was built before.
///
/// # Safety
/// `engine` must be a live engine not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_rebind_telemetry(engine: *mut tw_engine) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let e = unsafe { engine_mut(engine)? };
        e.engine.rebind_telemetry();
        if let Some(s) = e.store.as_ref() {
            s.publish_telemetry();
        }
        Ok(())
    })
}

/// Frees an engine; NULL is a no-op.
///
/// # Safety
/// `engine` must be NULL or an engine from `tw_engine_new_from_policy_file`
/// not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_engine_free(engine: *mut tw_engine) {
    if engine.is_null() {
        return;
    }
    // A panic in a destructor must not unwind into C.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: from Box::into_raw, not freed before (caller's contract).
        drop(unsafe { Box::from_raw(engine) });
    }));
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
        assert!(tw_reason_name(22).is_null());
    }

    #[test]
    fn check_order_equals_the_rust_engine() {
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
        let mut rust = Engine::new(&Policy::from_toml(text).unwrap(), 1e6).unwrap();
        rust.set_state(TradingState::Active);
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
            let r = rust.check_order(&Order {
                symbol: rust.symbol_id("AAPL").unwrap(),
                side: Side::Buy,
                quantity: q,
                price: p,
                reference_price: 100.0,
                data_timestamp: 1000.0,
                timestamp: 1000.5,
                confidence: f64::NAN,
            });
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
}
