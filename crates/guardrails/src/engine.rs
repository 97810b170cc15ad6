//! The pre-trade engine: `check_order` without heap allocation.
//!
//! Symbols are registered when the engine is built from a [`Policy`]; the hot
//! path indexes fixed arrays by [`SymbolId`]. Every rule and its order is
//! documented in `docs/guardrails.md`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::policy::{Oversize, Policy};
use crate::state::{StateStore, TradingState};
use crate::telemetry;
use tradewarden_metrics::handles::PreTradeMetrics;

/// Interned symbol index (position in the policy's sorted `symbols` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SymbolId(pub u32);

/// Order side. Its names are defined once (`Named::NAMES`, [`tradewarden_core::names::Named`]): `buy` (or
/// `b`) and `sell` (or `s`), parsed in any case by `FromStr` (every door's
/// text) and accepted by serde (lowercase, with the same aliases).
///
/// ```
/// use tradewarden_guardrails::engine::Side;
/// assert_eq!("B".parse::<Side>().unwrap(), Side::Buy);
/// assert_eq!("sell".parse::<Side>().unwrap(), Side::Sell);
/// let e = "long".parse::<Side>().unwrap_err().to_string();
/// assert!(e.contains("side") && e.contains("'buy' (or 'b')") && e.contains("'sell' (or 's')"), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Buy (+quantity).
    #[serde(alias = "b")]
    Buy,
    /// Sell (−quantity).
    #[serde(alias = "s")]
    Sell,
}

impl tradewarden_core::names::Named for Side {
    const PARAM: &'static str = "side";
    const NAMES: &'static [(&'static str, Self)] = &[
        ("buy", Side::Buy),
        ("b", Side::Buy),
        ("sell", Side::Sell),
        ("s", Side::Sell),
    ];
}

impl std::str::FromStr for Side {
    type Err = Error;

    /// Any case of the names in `Named::NAMES`; anything else is an `InvalidInput`
    /// naming `side`, the value and every accepted name.
    fn from_str(s: &str) -> Result<Self> {
        use tradewarden_core::names::Named;
        Side::from_name(&s.to_ascii_lowercase()).map_err(|e| match e {
            // the table's own message, with the value as given and "any case"
            tradewarden_core::Error::InvalidParameter { reason, .. } => {
                Error::invalid("side", format!("{s:?}"), format!("{reason} (any case)"))
            }
            other => Error::Core(other),
        })
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(tradewarden_core::names::Named::as_str(*self))
    }
}

impl Side {
    fn sign(self) -> f64 {
        match self {
            Side::Buy => 1.0,
            Side::Sell => -1.0,
        }
    }
}

/// One order to check. `quantity` is a positive magnitude; `side` gives the sign.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Registered symbol.
    pub symbol: SymbolId,
    /// Buy or sell.
    pub side: Side,
    /// Units, > 0.
    pub quantity: f64,
    /// Limit (or expected fill) price, > 0.
    pub price: f64,
    /// Reference (mid / last) price the band is measured around, > 0.
    pub reference_price: f64,
    /// Unix seconds when the reference price / market data was observed.
    pub data_timestamp: f64,
    /// Unix seconds of the order (the engine's clock for throttling and staleness).
    pub timestamp: f64,
    /// Model confidence in [0, 1]; NaN when the order carries none.
    pub confidence: f64,
}

/// Why an order was denied or clipped. Codes are stable telemetry labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DenyReason {
    /// Trading state is HALTED.
    TradingHalted,
    /// Trading state is KILLED.
    TradingKilled,
    /// The symbol id is not registered.
    UnknownSymbol,
    /// The symbol is disabled in the policy.
    SymbolDisabled,
    /// Quantity, price, reference price, timestamps or equity is NaN/±inf (fail closed).
    NonFiniteInput,
    /// Quantity ≤ 0.
    InvalidQuantity,
    /// Price or reference price ≤ 0.
    InvalidPrice,
    /// Account equity ≤ 0 while a leverage rule is active.
    InvalidEquity,
    /// Market data older than `max_data_age_s` (or from the future).
    StaleData,
    /// Confidence below `min_confidence` or missing.
    LowConfidence,
    /// Price outside the band around the reference price.
    PriceBand,
    /// REDUCING: the order would increase |position|.
    ReduceOnly,
    /// Order quantity above `max_order_quantity`.
    MaxOrderQuantity,
    /// Order notional above `max_order_notional`.
    MaxOrderNotional,
    /// Position quantity after the order above `max_position_quantity`.
    MaxPositionQuantity,
    /// Position notional after the order above `max_position_notional`.
    MaxPositionNotional,
    /// Gross exposure ÷ equity after the order above `max_gross_leverage`.
    MaxGrossLeverage,
    /// |Net exposure| ÷ equity after the order above `max_net_leverage`.
    MaxNetLeverage,
    /// Token bucket empty.
    RateLimited,
    /// Order notional (after clips) below `min_order_notional` (dust order).
    MinOrderNotional,
    /// Order notional above `max_order_equity_fraction` × equity.
    MaxOrderEquityFraction,
    /// A position-size override (canary rollback: new orders at 10 %) scaled the order.
    SizeOverride,
}

impl DenyReason {
    /// Every reason, in code order (new codes are appended: the order is the
    /// stable C code order, not the evaluation order).
    pub const ALL: [DenyReason; 22] = [
        DenyReason::TradingHalted,
        DenyReason::TradingKilled,
        DenyReason::UnknownSymbol,
        DenyReason::SymbolDisabled,
        DenyReason::NonFiniteInput,
        DenyReason::InvalidQuantity,
        DenyReason::InvalidPrice,
        DenyReason::InvalidEquity,
        DenyReason::StaleData,
        DenyReason::LowConfidence,
        DenyReason::PriceBand,
        DenyReason::ReduceOnly,
        DenyReason::MaxOrderQuantity,
        DenyReason::MaxOrderNotional,
        DenyReason::MaxPositionQuantity,
        DenyReason::MaxPositionNotional,
        DenyReason::MaxGrossLeverage,
        DenyReason::MaxNetLeverage,
        DenyReason::RateLimited,
        DenyReason::MinOrderNotional,
        DenyReason::MaxOrderEquityFraction,
        DenyReason::SizeOverride,
    ];

    /// Stable snake_case code (the telemetry label).
    pub const fn as_str(self) -> &'static str {
        match self {
            DenyReason::TradingHalted => "trading_halted",
            DenyReason::TradingKilled => "trading_killed",
            DenyReason::UnknownSymbol => "unknown_symbol",
            DenyReason::SymbolDisabled => "symbol_disabled",
            DenyReason::NonFiniteInput => "non_finite_input",
            DenyReason::InvalidQuantity => "invalid_quantity",
            DenyReason::InvalidPrice => "invalid_price",
            DenyReason::InvalidEquity => "invalid_equity",
            DenyReason::StaleData => "stale_data",
            DenyReason::LowConfidence => "low_confidence",
            DenyReason::PriceBand => "price_band",
            DenyReason::ReduceOnly => "reduce_only",
            DenyReason::MaxOrderQuantity => "max_order_quantity",
            DenyReason::MaxOrderNotional => "max_order_notional",
            DenyReason::MaxPositionQuantity => "max_position_quantity",
            DenyReason::MaxPositionNotional => "max_position_notional",
            DenyReason::MaxGrossLeverage => "max_gross_leverage",
            DenyReason::MaxNetLeverage => "max_net_leverage",
            DenyReason::RateLimited => "rate_limited",
            DenyReason::MinOrderNotional => "min_order_notional",
            DenyReason::MaxOrderEquityFraction => "max_order_equity_fraction",
            DenyReason::SizeOverride => "size_override",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The outcome of a pre-trade check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Send as is.
    Allow,
    /// Send with the smaller `quantity`; `reason` is the binding limit.
    Clip {
        /// Allowed quantity (0 < quantity < requested).
        #[serde(with = "crate::journal::f64_text")]
        quantity: f64,
        /// The binding rule.
        reason: DenyReason,
    },
    /// Do not send.
    Deny {
        /// The first rule that refused it.
        reason: DenyReason,
    },
}

impl Decision {
    /// Whether any quantity may be sent.
    pub fn is_allowed(&self) -> bool {
        !matches!(self, Decision::Deny { .. })
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: f64,
}

/// Largest q' ≤ q such that the new position `pos + s·q'` does not cross the bound
/// in the direction of travel. `None` when nothing can be sent.
#[inline]
fn cap_toward(pos: f64, s: f64, q: f64, lo: f64, hi: f64) -> Option<f64> {
    let target = pos + s * q;
    if s > 0.0 {
        if target <= hi {
            Some(q)
        } else {
            let room = hi - pos;
            if room > 0.0 { Some(room) } else { None }
        }
    } else if target >= lo {
        Some(q)
    } else {
        let room = pos - lo;
        if room > 0.0 { Some(room) } else { None }
    }
}

/// The pre-trade risk engine.
///
/// ```
/// use tradewarden_guardrails::{Engine, Policy, Order, Side, Decision, DenyReason, TradingState};
/// let policy = Policy::from_toml(r#"
/// [pre_trade]
/// max_order_notional = 10000.0
/// price_band_ratio = 0.05
/// [symbols.AAPL]
/// "#).unwrap();
/// let mut engine = Engine::new(&policy, 1_000_000.0).unwrap();
/// engine.set_state(TradingState::Active);
/// let id = engine.symbol_id("AAPL").unwrap();
/// let order = Order { symbol: id, side: Side::Buy, quantity: 10.0, price: 100.0,
///     reference_price: 100.0, data_timestamp: 1000.0, timestamp: 1000.5, confidence: f64::NAN };
/// assert_eq!(engine.check_order(&order), Decision::Allow);
/// let big = Order { quantity: 500.0, ..order };
/// assert_eq!(engine.check_order(&big),
///     Decision::Clip { quantity: 100.0, reason: DenyReason::MaxOrderNotional });
/// let nan = Order { price: f64::NAN, ..order };
/// assert_eq!(engine.check_order(&nan), Decision::Deny { reason: DenyReason::NonFiniteInput });
/// ```
#[derive(Debug)]
pub struct Engine {
    names: Vec<String>,
    disabled: Vec<bool>,
    max_pos_qty: Vec<f64>,
    max_order_notional: Vec<f64>,
    min_order_notional: Vec<f64>,
    positions: Vec<f64>,
    marks: Vec<f64>,
    gross: f64,
    net: f64,
    equity: f64,
    state: TradingState,
    max_order_qty: f64,
    max_order_eq_frac: f64,
    max_pos_notional: f64,
    max_gross_lev: f64,
    max_net_lev: f64,
    band: f64,
    max_age: f64,
    min_conf: f64,
    oversize: Oversize,
    allow_missing_ts: bool,
    allow_missing_ref: bool,
    size_scale: f64,
    shared: Option<Arc<AtomicU8>>,
    bucket: Option<Bucket>,
    telemetry: PreTradeMetrics,
}

const INF: f64 = f64::INFINITY;

impl Engine {
    /// Builds an engine for the policy's registered symbols. Starts HALTED
    /// (call [`Engine::set_state`] or [`Engine::sync_state`]); `equity` must be > 0.
    pub fn new(policy: &Policy, equity: f64) -> Result<Engine> {
        policy.validate()?;
        if !(equity.is_finite() && equity > 0.0) {
            return Err(Error::invalid("equity", equity, "must be finite and > 0"));
        }
        let t = &policy.pre_trade;
        let n = policy.symbols.len();
        let mut e = Engine {
            names: Vec::with_capacity(n),
            disabled: Vec::with_capacity(n),
            max_pos_qty: Vec::with_capacity(n),
            max_order_notional: Vec::with_capacity(n),
            min_order_notional: Vec::with_capacity(n),
            positions: vec![0.0; n],
            marks: vec![0.0; n],
            gross: 0.0,
            net: 0.0,
            equity,
            state: TradingState::Halted,
            max_order_qty: t.max_order_quantity.unwrap_or(INF),
            max_order_eq_frac: t.max_order_equity_fraction.unwrap_or(INF),
            max_pos_notional: t.max_position_notional.unwrap_or(INF),
            max_gross_lev: t.max_gross_leverage.unwrap_or(INF),
            max_net_lev: t.max_net_leverage.unwrap_or(INF),
            band: t.price_band_ratio.unwrap_or(INF),
            max_age: t.max_data_age_s.unwrap_or(INF),
            min_conf: t.min_confidence.unwrap_or(f64::NEG_INFINITY),
            oversize: t.oversize,
            allow_missing_ts: t.allow_missing_data_timestamp,
            allow_missing_ref: t.allow_missing_reference_price,
            size_scale: 1.0,
            shared: None,
            bucket: t.rate_limit.map(|r| Bucket {
                rate: r.orders_per_second,
                burst: r.burst,
                tokens: r.burst,
                last: f64::NAN,
            }),
            telemetry: PreTradeMetrics::default(),
        };
        for (name, s) in &policy.symbols {
            e.names.push(name.clone());
            e.disabled.push(s.disabled);
            e.max_pos_qty.push(
                s.max_position_quantity
                    .or(t.max_position_quantity)
                    .unwrap_or(INF),
            );
            e.max_order_notional
                .push(s.max_order_notional.or(t.max_order_notional).unwrap_or(INF));
            e.min_order_notional
                .push(s.min_order_notional.or(t.min_order_notional).unwrap_or(0.0));
        }
        e.rebind_telemetry();
        Ok(e)
    }

    /// (Re-)registers the per-reason counter handles with the current
    /// recorder, under the names of the installed catalog
    /// ([`tradewarden_metrics::catalog::installed`]). Call after installing
    /// the exporter if the engine was built before it.
    pub fn rebind_telemetry(&mut self) {
        self.telemetry = telemetry::pre_trade();
    }

    /// The id of a registered symbol.
    pub fn symbol_id(&self, name: &str) -> Option<SymbolId> {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
            .map(|i| SymbolId(i as u32))
    }

    /// The name of a registered symbol.
    pub fn symbol_name(&self, id: SymbolId) -> Option<&str> {
        self.names.get(id.0 as usize).map(String::as_str)
    }

    /// Sets the cached trading state the hot path consults (ignored while a
    /// shared state cell is attached: that cell is the truth).
    pub fn set_state(&mut self, state: TradingState) {
        self.state = state;
    }

    /// Makes the hot path read the trading state from `cell` (a
    /// [`TradingState::code`] stored by a [`crate::Session`] and its
    /// cross-process watcher) with one atomic load per order, instead of the
    /// cached state. Codes above 3 read as KILLED (fail closed).
    pub fn attach_shared_state(&mut self, cell: Arc<AtomicU8>) {
        self.shared = Some(cell);
    }

    /// Position-size override: every order's quantity is first scaled by
    /// `fraction` ∈ (0, 1] and reported as a `size_override` clip when
    /// smaller (the canary rollback plan sizes new orders to 10 %). 1 = off.
    pub fn set_size_override(&mut self, fraction: f64) -> Result<()> {
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(Error::invalid(
                "size_override",
                fraction,
                "must be a fraction in (0, 1] (1 = no override)",
            ));
        }
        self.size_scale = fraction;
        Ok(())
    }

    /// The position-size override fraction (1 = none).
    pub fn size_override(&self) -> f64 {
        self.size_scale
    }

    /// Copies the effective state (kill switch included) from a [`StateStore`].
    pub fn sync_state(&mut self, store: &StateStore) {
        self.state = store.state();
    }

    /// The trading state the hot path uses (the shared cell when attached).
    #[inline]
    pub fn state(&self) -> TradingState {
        match &self.shared {
            Some(c) => TradingState::from_code(c.load(Ordering::Acquire)),
            None => self.state,
        }
    }

    /// Sets account equity (for leverage rules).
    pub fn set_equity(&mut self, equity: f64) {
        self.equity = equity;
    }

    /// Current position (signed units) of a symbol.
    pub fn position(&self, id: SymbolId) -> Option<f64> {
        self.positions.get(id.0 as usize).copied()
    }

    /// Gross exposure Σ|position × mark|.
    pub fn gross_exposure(&self) -> f64 {
        self.gross
    }

    /// Sets a position and its mark price (reconciliation); recomputes gross/net.
    pub fn set_position(&mut self, id: SymbolId, quantity: f64, mark: f64) -> Result<()> {
        let i = id.0 as usize;
        if i >= self.positions.len() {
            return Err(Error::invalid("symbol", id.0, "not a registered symbol id"));
        }
        if !quantity.is_finite() || !mark.is_finite() || mark < 0.0 {
            return Err(Error::invalid(
                "position",
                quantity,
                "quantity and mark must be finite, mark >= 0",
            ));
        }
        self.positions[i] = quantity;
        self.marks[i] = mark;
        self.recompute();
        Ok(())
    }

    /// Applies a fill: position += signed quantity, mark = price.
    pub fn on_fill(&mut self, id: SymbolId, side: Side, quantity: f64, price: f64) -> Result<()> {
        let cur = self
            .position(id)
            .ok_or_else(|| Error::invalid("symbol", id.0, "not a registered symbol id"))?;
        self.set_position(id, cur + side.sign() * quantity, price)
    }

    fn recompute(&mut self) {
        let (mut g, mut n) = (0.0, 0.0);
        for (p, m) in self.positions.iter().zip(&self.marks) {
            g += (p * m).abs();
            n += p * m;
        }
        self.gross = g;
        self.net = n;
    }

    #[inline]
    fn deny(&self, reason: DenyReason) -> Decision {
        self.telemetry.denial(reason.index());
        Decision::Deny { reason }
    }

    /// Checks one order. No heap allocation; consumes a rate-limit token when it passes.
    pub fn check_order(&mut self, o: &Order) -> Decision {
        self.telemetry.checked();
        let state = self.state();
        match state {
            TradingState::Killed => return self.deny(DenyReason::TradingKilled),
            TradingState::Halted => return self.deny(DenyReason::TradingHalted),
            _ => {}
        }
        let i = o.symbol.0 as usize;
        if i >= self.names.len() {
            return self.deny(DenyReason::UnknownSymbol);
        }
        if self.disabled[i] {
            return self.deny(DenyReason::SymbolDisabled);
        }
        // A missing (NaN) data timestamp or reference price fails the rule
        // that needs it unless the policy opts out; ±inf is never "missing".
        let ts_missing = o.data_timestamp.is_nan();
        let ref_missing = o.reference_price.is_nan();
        if !(o.quantity.is_finite()
            && o.price.is_finite()
            && (o.reference_price.is_finite() || ref_missing)
            && o.timestamp.is_finite()
            && (o.data_timestamp.is_finite() || ts_missing)
            && self.equity.is_finite()
            && (o.quantity * o.price).is_finite())
        {
            return self.deny(DenyReason::NonFiniteInput);
        }
        if !(o.quantity > 0.0) {
            return self.deny(DenyReason::InvalidQuantity);
        }
        if !(o.price > 0.0 && (ref_missing || o.reference_price > 0.0)) {
            return self.deny(DenyReason::InvalidPrice);
        }
        if ts_missing {
            if self.max_age < INF && !self.allow_missing_ts {
                return self.deny(DenyReason::StaleData);
            }
        } else {
            let age = o.timestamp - o.data_timestamp;
            if age > self.max_age || age < -1.0 {
                return self.deny(DenyReason::StaleData);
            }
        }
        // NaN confidence fails `>=` so it is denied when a minimum is set.
        if self.min_conf > f64::NEG_INFINITY && !(o.confidence >= self.min_conf) {
            return self.deny(DenyReason::LowConfidence);
        }
        let needs_equity =
            self.max_gross_lev < INF || self.max_net_lev < INF || self.max_order_eq_frac < INF;
        if needs_equity && !(self.equity > 0.0) {
            return self.deny(DenyReason::InvalidEquity);
        }
        if ref_missing {
            if self.band < INF && !self.allow_missing_ref {
                return self.deny(DenyReason::PriceBand);
            }
        } else if (o.price - o.reference_price).abs() > self.band * o.reference_price {
            return self.deny(DenyReason::PriceBand);
        }
        let s = o.side.sign();
        let pos = self.positions[i];
        let mut q = o.quantity;
        let mut clip: Option<DenyReason> = None;
        if self.size_scale < 1.0 {
            q *= self.size_scale;
            clip = Some(DenyReason::SizeOverride);
        }
        if state == TradingState::Reducing {
            // Only toward zero, never through it.
            if !(s * pos < 0.0) {
                return self.deny(DenyReason::ReduceOnly);
            }
            if q > pos.abs() {
                q = pos.abs();
                clip = Some(DenyReason::ReduceOnly);
            }
        }
        if q > self.max_order_qty {
            q = self.max_order_qty;
            clip = Some(DenyReason::MaxOrderQuantity);
        }
        let max_notional = self.max_order_notional[i];
        if q * o.price > max_notional {
            q = max_notional / o.price;
            clip = Some(DenyReason::MaxOrderNotional);
        }
        if self.max_order_eq_frac < INF {
            let max_eq_notional = self.max_order_eq_frac * self.equity;
            if q * o.price > max_eq_notional {
                q = max_eq_notional / o.price;
                clip = Some(DenyReason::MaxOrderEquityFraction);
            }
        }
        let price = o.price;
        let bounds = [
            (self.max_pos_qty[i], DenyReason::MaxPositionQuantity),
            (
                self.max_pos_notional / price,
                DenyReason::MaxPositionNotional,
            ),
        ];
        for (b, reason) in bounds {
            match cap_toward(pos, s, q, -b, b) {
                Some(q2) if q2 < q => {
                    q = q2;
                    clip = Some(reason);
                }
                Some(_) => {}
                None => return self.deny(reason),
            }
        }
        let own = pos * self.marks[i];
        if self.max_gross_lev < INF {
            let room =
                (self.max_gross_lev * self.equity - (self.gross - own.abs())).max(0.0) / price;
            match cap_toward(pos, s, q, -room, room) {
                Some(q2) if q2 < q => {
                    q = q2;
                    clip = Some(DenyReason::MaxGrossLeverage);
                }
                Some(_) => {}
                None => return self.deny(DenyReason::MaxGrossLeverage),
            }
        }
        if self.max_net_lev < INF {
            let lim = self.max_net_lev * self.equity;
            let others = self.net - own;
            let (lo, hi) = ((-lim - others) / price, (lim - others) / price);
            match cap_toward(pos, s, q, lo, hi) {
                Some(q2) if q2 < q => {
                    q = q2;
                    clip = Some(DenyReason::MaxNetLeverage);
                }
                Some(_) => {}
                None => return self.deny(DenyReason::MaxNetLeverage),
            }
        }
        // A clip that must not be sent is denied here, before the dust check
        // (the size rule is the informative reason) and before the token bucket
        // (only orders that pass every rule consume a token).
        if let Some(reason) = clip
            && ((self.oversize == Oversize::Deny && reason != DenyReason::SizeOverride)
                || !(q > 0.0))
        {
            return self.deny(reason);
        }
        // Dust: checked on the quantity that would be sent, after every clip.
        if q * o.price < self.min_order_notional[i] {
            return self.deny(DenyReason::MinOrderNotional);
        }
        if let Some(b) = self.bucket.as_mut() {
            if b.last.is_finite() {
                let dt = (o.timestamp - b.last).max(0.0);
                b.tokens = (b.tokens + dt * b.rate).min(b.burst);
            }
            b.last = if b.last.is_finite() {
                b.last.max(o.timestamp)
            } else {
                o.timestamp
            };
            if b.tokens < 1.0 {
                return self.deny(DenyReason::RateLimited);
            }
            b.tokens -= 1.0;
        }
        match clip {
            None => Decision::Allow,
            Some(reason) => {
                self.telemetry.clip(reason.index());
                Decision::Clip {
                    quantity: q,
                    reason,
                }
            }
        }
    }
}

#[cfg(test)]
mod side_tests {
    #![allow(clippy::unwrap_used)]
    use super::Side;
    use tradewarden_core::names::Named;
    use tradewarden_core::{Classify, ErrorKind};

    #[test]
    fn side_names_parse_in_any_case_and_through_serde() {
        for (name, v) in Side::NAMES {
            assert_eq!(name.parse::<Side>().unwrap(), *v);
            assert_eq!(name.to_uppercase().parse::<Side>().unwrap(), *v);
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::from_str::<Side>(&json).unwrap(), *v);
        }
        assert_eq!(Side::Buy.to_string(), "buy");
        assert_eq!(serde_json::to_string(&Side::Sell).unwrap(), "\"sell\"");
        let e = "Long".parse::<Side>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            e.to_string(),
            "invalid side = \"Long\": expected 'buy' (or 'b') or 'sell' (or 's') (any case)"
        );
        assert!(serde_json::from_str::<Side>("\"long\"").is_err());
    }
}
