//! Issue 5 "Bad input", case by case: unknown policy keys, negative limits,
//! warning looser than critical, unknown symbol in caps, NaN prices and
//! quantities, zero capital → a typed error at load (naming the parameter and
//! the value) or a deny with a reason at check time; never a panic, never an
//! allow.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_core::config::ConfigFormat;
use tradewarden_core::{Classify, ErrorKind};
use tradewarden_guardrails::exposure::{TradeLog, apply_policy, exposure_metrics};
use tradewarden_guardrails::period::{PeriodObservation, Severity, evaluate};
use tradewarden_guardrails::{
    Decision, DenyReason, Engine, ExposurePolicy, Order, PeriodLimits, Policy, Side, TradingState,
};

fn load_err(text: &str, format: ConfigFormat) -> String {
    let e = Policy::parse(text, format).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{e}");
    e.to_string()
}

#[test]
fn unknown_policy_keys_in_every_section_and_format() {
    for (text, fmt, key) in [
        (
            "[pre_trade]\nmax_notional = 1.0",
            ConfigFormat::Toml,
            "max_notional",
        ),
        (
            "[period]\nhourly_loss = 0.1",
            ConfigFormat::Toml,
            "hourly_loss",
        ),
        ("[symbols.A]\nmax_qty = 1.0", ConfigFormat::Toml, "max_qty"),
        ("[exposure]\ncapitol = 5.0", ConfigFormat::Toml, "capitol"),
        (
            "[pre_trade]\nrate_limit = { orders_per_second = 1.0, burst = 2.0, x = 1 }",
            ConfigFormat::Toml,
            "x",
        ),
        ("{\"pretrade\": {}}", ConfigFormat::Json, "pretrade"),
        ("period:\n  daily: 1\n", ConfigFormat::Yaml, "daily"),
    ] {
        let msg = load_err(text, fmt);
        assert!(msg.contains(key), "{key:?} not named in: {msg}");
    }
}

#[test]
fn negative_limits_name_parameter_and_value() {
    for (line, needle) in [
        (
            "max_order_notional = -1.0",
            "pre_trade.max_order_notional = -1",
        ),
        (
            "max_order_quantity = -2.5",
            "pre_trade.max_order_quantity = -2.5",
        ),
        (
            "max_gross_leverage = -3.0",
            "pre_trade.max_gross_leverage = -3",
        ),
        (
            "price_band_ratio = -0.1",
            "pre_trade.price_band_ratio = -0.1",
        ),
        ("max_data_age_s = -5.0", "pre_trade.max_data_age_s = -5"),
    ] {
        let msg = load_err(&format!("[pre_trade]\n{line}\n"), ConfigFormat::Toml);
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
    }
    let msg = load_err(
        "[exposure]\nmax_gross_exposure = -0.5\n[exposure.sector_caps]\ntech = -0.1\n",
        ConfigFormat::Toml,
    );
    assert!(msg.contains("exposure.max_gross_exposure = -0.5"), "{msg}");
    assert!(msg.contains("exposure.sector_caps.tech = -0.1"), "{msg}");
    let msg = load_err(
        "[period]\ndaily_loss_ratio = { warning = -0.01, critical = 0.02 }\n",
        ConfigFormat::Toml,
    );
    assert!(
        msg.contains("period.daily_loss_ratio.warning = -0.01"),
        "{msg}"
    );
}

#[test]
fn warning_looser_than_critical() {
    // Ceilings: warning above critical; floors: warning below critical.
    for (text, needle) in [
        (
            "hourly_loss_ratio = { warning = 0.006, critical = 0.005 }",
            "period.hourly_loss_ratio.warning = 0.006",
        ),
        (
            "max_drawdown_ratio = { warning = 0.2, critical = 0.1 }",
            "period.max_drawdown_ratio.warning = 0.2",
        ),
        (
            "slippage_ratio = { warning = 4.0, critical = 3.0 }",
            "period.slippage_ratio.warning = 4",
        ),
        (
            "fill_rate = { warning = 0.85, critical = 0.9 }",
            "period.fill_rate.warning = 0.85",
        ),
    ] {
        let msg = load_err(&format!("[period]\n{text}\n"), ConfigFormat::Toml);
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
        assert!(msg.contains("looser than critical"), "{msg}");
    }
}

#[test]
fn unknown_symbol_in_caps() {
    let msg = load_err(
        "[symbols.AAA]\n[exposure.symbol_caps]\nAAA = 0.2\nZZZ = 0.1\n",
        ConfigFormat::Toml,
    );
    assert!(msg.contains("exposure.symbol_caps.ZZZ"), "{msg}");
    assert!(msg.contains("unknown symbol"), "{msg}");
    assert!(!msg.contains("symbol_caps.AAA"), "{msg}");
    // At check time an unregistered symbol id is denied, never allowed.
    let p = Policy::from_toml("[symbols.AAA]\n").unwrap();
    let mut e = Engine::new(&p, 1e6).unwrap();
    e.set_state(TradingState::Active);
    let o = order(tradewarden_guardrails::SymbolId(7));
    assert_eq!(
        e.check_order(&o),
        Decision::Deny {
            reason: DenyReason::UnknownSymbol
        }
    );
}

#[test]
fn zero_capital_and_equity() {
    let msg = load_err("[exposure]\ncapital = 0.0\n", ConfigFormat::Toml);
    assert!(msg.contains("exposure.capital = 0"), "{msg}");
    let p = Policy::from_toml("[symbols.AAA]\n").unwrap();
    for eq in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = Engine::new(&p, eq).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("equity"), "{e}");
    }
    let log = TradeLog::new(&[1], &["A"], Some(&[1.0]), None, None, &[0.0]).unwrap();
    for cap in [0.0, -5.0, f64::NAN] {
        let e = exposure_metrics(&log, cap, 5.0).unwrap_err();
        assert!(e.to_string().contains("capital"), "{e}");
        let pol = ExposurePolicy {
            enabled: true,
            capital: cap,
            ..Default::default()
        };
        assert!(apply_policy(&log, &pol).is_err());
    }
    // Equity dropping to zero at run time: leverage rules deny.
    let p = Policy::from_toml("[pre_trade]\nmax_gross_leverage = 2.0\n[symbols.AAA]\n").unwrap();
    let mut e = Engine::new(&p, 1e6).unwrap();
    e.set_state(TradingState::Active);
    e.set_equity(0.0);
    assert_eq!(
        e.check_order(&order(e.symbol_id("AAA").unwrap())),
        Decision::Deny {
            reason: DenyReason::InvalidEquity
        }
    );
    // Period limits with zero AUM fail closed (critical).
    let b = evaluate(
        &PeriodLimits::default(),
        &PeriodObservation {
            aum: Some(0.0),
            daily_pnl: Some(-1.0),
            ..Default::default()
        },
    );
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].severity, Severity::Critical);
}

fn order(symbol: tradewarden_guardrails::SymbolId) -> Order {
    Order {
        symbol,
        side: Side::Buy,
        quantity: 1.0,
        price: 100.0,
        reference_price: 100.0,
        data_timestamp: 1000.0,
        timestamp: 1000.0,
        confidence: 0.9,
    }
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// NaN / ±inf / 0 / negative / huge values in every order field, with every
/// rule on and in every state: never a panic; any non-finite input is denied;
/// anything allowed or clipped has a finite quantity in (0, requested].
#[test]
fn nan_prices_and_quantities_never_allow() {
    let p = Policy::from_toml(
        r#"
[pre_trade]
max_order_notional = 1e6
max_order_quantity = 1e4
max_position_quantity = 1e5
max_position_notional = 1e7
max_gross_leverage = 5.0
max_net_leverage = 3.0
price_band_ratio = 0.1
max_data_age_s = 5.0
min_confidence = 0.5
rate_limit = { orders_per_second = 1e9, burst = 1e9 }
[symbols.AAA]
[symbols.BBB]
"#,
    )
    .unwrap();
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -1.0,
        1e-300,
        1e300,
        100.0,
        1000.0,
        0.9,
    ];
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut denied_non_finite = 0;
    for state in [TradingState::Active, TradingState::Reducing] {
        let mut e = Engine::new(&p, 1e6).unwrap();
        e.set_state(state);
        let a = e.symbol_id("AAA").unwrap();
        e.set_position(a, -50.0, 100.0).unwrap();
        for _ in 0..50_000 {
            let r: Vec<u64> = (0..7).map(|_| xorshift(&mut seed)).collect();
            let pick = |k: usize| specials[(r[k] % specials.len() as u64) as usize];
            let o = Order {
                symbol: tradewarden_guardrails::SymbolId((r[0] % 3) as u32),
                side: if r[1].is_multiple_of(2) {
                    Side::Buy
                } else {
                    Side::Sell
                },
                quantity: pick(2),
                price: pick(3),
                reference_price: pick(4),
                data_timestamp: 1000.0 - pick(5).min(10.0),
                timestamp: 1000.0,
                confidence: pick(6),
            };
            let d = e.check_order(&o);
            let non_finite = !(o.quantity.is_finite()
                && o.price.is_finite()
                && o.reference_price.is_finite()
                && o.data_timestamp.is_finite());
            if non_finite {
                assert!(!d.is_allowed(), "{o:?} -> {d:?}");
                denied_non_finite += 1;
            }
            match d {
                Decision::Allow => {
                    assert!(o.quantity.is_finite() && o.quantity > 0.0, "{o:?}");
                    assert!(o.price > 0.0 && o.confidence >= 0.5, "{o:?}");
                }
                Decision::Clip { quantity, .. } => {
                    assert!(quantity.is_finite(), "{o:?} -> {d:?}");
                    assert!(quantity > 0.0 && quantity <= o.quantity, "{o:?} -> {d:?}");
                }
                Decision::Deny { .. } => {}
            }
        }
    }
    assert!(denied_non_finite > 1000);
    // NaN in reconciliation and in trade logs: typed errors naming the input.
    let mut e = Engine::new(&p, 1e6).unwrap();
    let a = e.symbol_id("AAA").unwrap();
    assert!(e.set_position(a, f64::NAN, 1.0).is_err());
    assert!(e.set_position(a, 1.0, f64::NAN).is_err());
    assert!(e.on_fill(a, Side::Buy, f64::NAN, 1.0).is_err());
    let err = TradeLog::new(&[1], &["A"], None, Some(&[1.0]), Some(&[f64::NAN]), &[0.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("price"), "{err}");
}
