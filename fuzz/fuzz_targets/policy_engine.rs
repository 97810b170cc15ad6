//! A policy document (TOML built from fuzzed values, or raw TOML/YAML/JSON
//! text) → `Policy` → `Engine` → a stream of fuzzed orders, fills, state
//! changes and overrides.
//!
//! Layout: byte 0 = how the policy is made (`% 4`: 0 built from fuzzed
//! values rendered as TOML, 1 raw TOML, 2 raw YAML, 3 raw JSON); then the
//! raw text, the line `=====`, and the bytes the built policy (if any),
//! equity and operations are drawn from (`arbitrary`).
//!
//! Invariants checked on every decision:
//!
//! - HALTED and KILLED never allow (the deny names the state);
//! - an allowed or clipped order had finite inputs, quantity > 0, price > 0;
//! - a clip is finite, > 0 and never larger than the quantity asked;
//! - `max_order_quantity` is never exceeded by what may be sent;
//! - in REDUCING only orders toward zero pass, never through it;
//! - the position after sending never passes the symbol's effective
//!   `max_position_quantity` in the direction of travel;
//! - a valid policy round-trips through JSON unchanged.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use tradewarden_core::config::ConfigFormat;
use tradewarden_guardrails::{
    Decision, DenyReason, Engine, Order, Policy, Side, SymbolId, TradingState,
};

/// A number with a bias toward the values limits care about.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Num {
    Small(u16),
    Scaled(i16, i8),
    Special(u8),
    Raw(f64),
}

impl Num {
    fn get(self) -> f64 {
        match self {
            Num::Small(v) => f64::from(v) / 8.0,
            Num::Scaled(m, e) => f64::from(m) * 10f64.powi(i32::from(e % 40)),
            Num::Special(k) => [
                0.0,
                -0.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MIN_POSITIVE,
                f64::MAX,
                -1.0,
                1.0,
                1e-300,
                5e-324,
                0.5,
            ][usize::from(k) % 12],
            Num::Raw(x) => x,
        }
    }
}

const NAMES: [&str; 6] = ["AAPL", "MSFT", "BTC-USD", "x", "é", "A.B"];

#[derive(Debug, Arbitrary)]
struct SymbolGen {
    name: u8,
    max_position_quantity: Option<Num>,
    max_order_notional: Option<Num>,
    min_order_notional: Option<Num>,
    disabled: bool,
}

#[derive(Debug, Arbitrary)]
struct PolicyGen {
    max_order_notional: Option<Num>,
    min_order_notional: Option<Num>,
    max_order_equity_fraction: Option<Num>,
    max_order_quantity: Option<Num>,
    max_position_quantity: Option<Num>,
    max_position_notional: Option<Num>,
    max_gross_leverage: Option<Num>,
    max_net_leverage: Option<Num>,
    price_band_ratio: Option<Num>,
    /// `None`: omitted (the default, 5 s).
    max_data_age_s: Option<Num>,
    min_confidence: Option<Num>,
    rate_limit: Option<(Num, Num)>,
    oversize_deny: bool,
    allow_missing_data_timestamp: bool,
    allow_missing_reference_price: bool,
    symbols: Vec<SymbolGen>,
}

#[derive(Debug, Arbitrary)]
struct OrderGen {
    symbol: u8,
    sell: bool,
    quantity: Num,
    price: Num,
    reference_price: Num,
    age: Num,
    clock_step_ms: u16,
    confidence: Num,
    fill: bool,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Check(OrderGen),
    State(u8),
    Fill(u8, bool, Num, Num),
    Position(u8, Num, Num),
    Equity(Num),
    SizeOverride(Num),
}

fn toml_f(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x == f64::INFINITY {
        "inf".into()
    } else if x == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        // Debug always has a '.' or an exponent: a TOML float.
        format!("{x:?}")
    }
}

fn render(g: &PolicyGen) -> String {
    use std::fmt::Write;
    let mut s = String::from("[pre_trade]\n");
    let mut kv = |k: &str, v: Option<Num>| {
        if let Some(v) = v {
            let _ = writeln!(s, "{k} = {}", toml_f(v.get()));
        }
    };
    kv("max_order_notional", g.max_order_notional);
    kv("min_order_notional", g.min_order_notional);
    kv("max_order_equity_fraction", g.max_order_equity_fraction);
    kv("max_order_quantity", g.max_order_quantity);
    kv("max_position_quantity", g.max_position_quantity);
    kv("max_position_notional", g.max_position_notional);
    kv("max_gross_leverage", g.max_gross_leverage);
    kv("max_net_leverage", g.max_net_leverage);
    kv("price_band_ratio", g.price_band_ratio);
    kv("max_data_age_s", g.max_data_age_s);
    kv("min_confidence", g.min_confidence);
    let _ = writeln!(
        s,
        "oversize = \"{}\"\nallow_missing_data_timestamp = {}\nallow_missing_reference_price = {}",
        if g.oversize_deny { "deny" } else { "clip" },
        g.allow_missing_data_timestamp,
        g.allow_missing_reference_price
    );
    if let Some((r, b)) = g.rate_limit {
        let _ = writeln!(
            s,
            "rate_limit = {{ orders_per_second = {}, burst = {} }}",
            toml_f(r.get()),
            toml_f(b.get())
        );
    }
    for sym in g.symbols.iter().take(8) {
        let name = NAMES[usize::from(sym.name) % NAMES.len()];
        let _ = writeln!(s, "[symbols.\"{name}\"]\ndisabled = {}", sym.disabled);
        for (k, v) in [
            ("max_position_quantity", sym.max_position_quantity),
            ("max_order_notional", sym.max_order_notional),
            ("min_order_notional", sym.min_order_notional),
        ] {
            if let Some(v) = v {
                let _ = writeln!(s, "{k} = {}", toml_f(v.get()));
            }
        }
    }
    s
}

fn state_of(k: u8) -> TradingState {
    match k % 4 {
        0 => TradingState::Active,
        1 => TradingState::Reducing,
        2 => TradingState::Halted,
        _ => TradingState::Killed,
    }
}

const SEP: &[u8] = b"\n=====\n";

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let Some((&mode, rest)) = data.split_first() else {
        return Ok(());
    };
    let (text, ops) = match tradewarden_fuzz::find(rest, SEP) {
        Some(i) => (&rest[..i], &rest[i + SEP.len()..]),
        None => (&[][..], rest),
    };
    let mut u = Unstructured::new(ops);
    let text = String::from_utf8_lossy(text);
    let parsed = match mode % 4 {
        0 => Policy::from_toml(&render(&PolicyGen::arbitrary(&mut u)?)),
        1 => Policy::parse(&text, ConfigFormat::Toml),
        2 => Policy::parse(&text, ConfigFormat::Yaml),
        _ => Policy::parse(&text, ConfigFormat::Json),
    };
    let Ok(policy) = parsed else { return Ok(()) };

    // A valid policy survives a JSON round trip unchanged.
    let json = serde_json::to_string(&policy).expect("a policy serializes");
    let back = Policy::parse(&json, ConfigFormat::Json).expect("a valid policy re-parses");
    assert_eq!(back, policy, "JSON round trip of {json}");

    let equity = Num::arbitrary(&mut u)?.get();
    let Ok(mut engine) = Engine::new(&policy, equity) else {
        return Ok(());
    };
    let n = policy.symbols.len();
    let t = &policy.pre_trade;
    let max_pos: Vec<f64> = policy
        .symbols
        .values()
        .map(|s| {
            s.max_position_quantity
                .or(t.max_position_quantity)
                .unwrap_or(f64::INFINITY)
        })
        .collect();
    let max_qty = t.max_order_quantity.unwrap_or(f64::INFINITY);
    let sym = |k: u8| SymbolId(u32::from(k) % (n as u32 + 1));
    let mut clock = 1_700_000_000.0f64;
    let mut steps = 0;
    while !u.is_empty() && steps < 256 {
        steps += 1;
        match Op::arbitrary(&mut u)? {
            Op::State(k) => engine.set_state(state_of(k)),
            Op::Fill(k, sell, q, p) => {
                let side = if sell { Side::Sell } else { Side::Buy };
                let _ = engine.on_fill(sym(k), side, q.get(), p.get());
            }
            Op::Position(k, q, m) => {
                let _ = engine.set_position(sym(k), q.get(), m.get());
            }
            Op::Equity(e) => engine.set_equity(e.get()),
            Op::SizeOverride(f) => {
                let _ = engine.set_size_override(f.get());
            }
            Op::Check(g) => {
                clock += f64::from(g.clock_step_ms) / 1000.0;
                let side = if g.sell { Side::Sell } else { Side::Buy };
                let o = Order {
                    symbol: sym(g.symbol),
                    side,
                    quantity: g.quantity.get(),
                    price: g.price.get(),
                    reference_price: g.reference_price.get(),
                    data_timestamp: clock - g.age.get(),
                    timestamp: clock,
                    confidence: g.confidence.get(),
                };
                let state = engine.state();
                let pos = engine.position(o.symbol);
                let d = engine.check_order(&o);
                let sent = match d {
                    Decision::Deny { reason } => {
                        assert!(!d.is_allowed());
                        match state {
                            TradingState::Killed => assert_eq!(reason, DenyReason::TradingKilled),
                            TradingState::Halted => assert_eq!(reason, DenyReason::TradingHalted),
                            _ => {}
                        }
                        continue;
                    }
                    Decision::Allow => o.quantity,
                    Decision::Clip { quantity, reason } => {
                        assert!(
                            quantity.is_finite() && quantity > 0.0 && quantity <= o.quantity,
                            "clip {quantity} ({reason:?}) of {o:?}"
                        );
                        quantity
                    }
                };
                assert!(d.is_allowed());
                assert!(
                    matches!(state, TradingState::Active | TradingState::Reducing),
                    "{d:?} in {state:?}"
                );
                assert!(
                    o.quantity.is_finite() && o.quantity > 0.0,
                    "{d:?} for {o:?}"
                );
                assert!(o.price.is_finite() && o.price > 0.0, "{d:?} for {o:?}");
                assert!(
                    sent <= max_qty,
                    "sent {sent} > max_order_quantity {max_qty}"
                );
                let pos = pos.expect("an allowed order has a registered symbol");
                let s = if g.sell { -1.0 } else { 1.0 };
                if state == TradingState::Reducing {
                    assert!(s * pos < 0.0, "{d:?} increases |{pos}| in REDUCING");
                    assert!(
                        sent <= pos.abs(),
                        "{d:?} crosses zero from {pos} in REDUCING"
                    );
                }
                let new = pos + s * sent;
                let b = max_pos[o.symbol.0 as usize];
                let tol = 4.0 * f64::EPSILON * (b.abs() + pos.abs() + sent);
                assert!(
                    s * new <= b + tol || b.is_infinite(),
                    "position {pos} -> {new} passes max_position_quantity {b} ({d:?})"
                );
                if g.fill {
                    let _ = engine.on_fill(o.symbol, side, sent, o.price);
                }
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
