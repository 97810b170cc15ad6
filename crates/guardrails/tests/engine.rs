#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_guardrails::{
    Decision, DenyReason, Engine, Order, Policy, Side, SymbolId, TradingState,
};

fn policy(extra: &str) -> Policy {
    Policy::from_toml(&format!(
        r#"
[pre_trade]
max_data_age_s = 5.0
{extra}
[symbols.AAA]
[symbols.BBB]
max_position_quantity = 20.0
[symbols.OFF]
disabled = true
"#
    ))
    .unwrap()
}

fn eng(extra: &str) -> Engine {
    let mut e = Engine::new(&policy(extra), 10_000.0).unwrap();
    e.set_state(TradingState::Active);
    e
}

fn order(e: &Engine, sym: &str, side: Side, q: f64, px: f64) -> Order {
    Order {
        symbol: e.symbol_id(sym).unwrap(),
        side,
        quantity: q,
        price: px,
        reference_price: px,
        data_timestamp: 100.0,
        timestamp: 100.0,
        confidence: 0.8,
    }
}

fn deny(r: DenyReason) -> Decision {
    Decision::Deny { reason: r }
}

#[test]
fn halted_and_killed_deny_everything() {
    let mut e = eng("");
    let o = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    assert_eq!(e.check_order(&o), Decision::Allow);
    e.set_state(TradingState::Halted);
    assert_eq!(e.check_order(&o), deny(DenyReason::TradingHalted));
    e.set_state(TradingState::Killed);
    assert_eq!(e.check_order(&o), deny(DenyReason::TradingKilled));
    // A new engine starts halted (fail closed) until told otherwise.
    let mut fresh = Engine::new(&policy(""), 1.0).unwrap();
    assert_eq!(fresh.check_order(&o), deny(DenyReason::TradingHalted));
}

#[test]
fn every_input_validation_reason() {
    let mut e = eng("min_confidence = 0.5");
    let o = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    assert_eq!(
        e.check_order(&Order {
            symbol: SymbolId(99),
            ..o
        }),
        deny(DenyReason::UnknownSymbol)
    );
    let off = e.symbol_id("OFF").unwrap();
    assert_eq!(
        e.check_order(&Order { symbol: off, ..o }),
        deny(DenyReason::SymbolDisabled)
    );
    for bad in [
        Order {
            quantity: f64::NAN,
            ..o
        },
        Order {
            price: f64::INFINITY,
            ..o
        },
        Order {
            reference_price: f64::INFINITY,
            ..o
        },
        Order {
            quantity: 1e300,
            price: 1e300,
            ..o
        },
        Order {
            timestamp: f64::NAN,
            ..o
        },
        Order {
            data_timestamp: f64::NEG_INFINITY,
            ..o
        },
    ] {
        assert_eq!(
            e.check_order(&bad),
            deny(DenyReason::NonFiniteInput),
            "{bad:?}"
        );
    }
    assert_eq!(
        e.check_order(&Order { quantity: 0.0, ..o }),
        deny(DenyReason::InvalidQuantity)
    );
    assert_eq!(
        e.check_order(&Order {
            quantity: -3.0,
            ..o
        }),
        deny(DenyReason::InvalidQuantity)
    );
    assert_eq!(
        e.check_order(&Order {
            price: 0.0,
            reference_price: 0.0,
            ..o
        }),
        deny(DenyReason::InvalidPrice)
    );
    assert_eq!(
        e.check_order(&Order {
            data_timestamp: 94.0,
            ..o
        }),
        deny(DenyReason::StaleData)
    );
    assert_eq!(
        e.check_order(&Order {
            data_timestamp: 95.0,
            ..o
        }),
        Decision::Allow
    );
    assert_eq!(
        e.check_order(&Order {
            data_timestamp: 102.0,
            ..o
        }),
        deny(DenyReason::StaleData)
    );
    assert_eq!(
        e.check_order(&Order {
            confidence: 0.4,
            ..o
        }),
        deny(DenyReason::LowConfidence)
    );
    assert_eq!(
        e.check_order(&Order {
            confidence: f64::NAN,
            ..o
        }),
        deny(DenyReason::LowConfidence)
    );
    e.set_equity(f64::NAN);
    assert_eq!(e.check_order(&o), deny(DenyReason::NonFiniteInput));
}

#[test]
fn invalid_equity_with_leverage_rule() {
    let mut e = eng("max_gross_leverage = 1.0");
    let o = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    e.set_equity(0.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::InvalidEquity));
}

#[test]
fn price_band() {
    let mut e = eng("price_band_ratio = 0.05");
    let o = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    assert_eq!(e.check_order(&Order { price: 10.5, ..o }), Decision::Allow);
    assert_eq!(
        e.check_order(&Order { price: 10.51, ..o }),
        deny(DenyReason::PriceBand)
    );
    assert_eq!(
        e.check_order(&Order { price: 9.4, ..o }),
        deny(DenyReason::PriceBand)
    );
}

#[test]
fn order_size_limits_clip_or_deny() {
    let mut e = eng("max_order_quantity = 50.0\nmax_order_notional = 300.0");
    let o = order(&e, "AAA", Side::Buy, 60.0, 10.0);
    assert_eq!(
        e.check_order(&o),
        Decision::Clip {
            quantity: 30.0,
            reason: DenyReason::MaxOrderNotional
        }
    );
    let o2 = order(&e, "AAA", Side::Buy, 60.0, 1.0);
    assert_eq!(
        e.check_order(&o2),
        Decision::Clip {
            quantity: 50.0,
            reason: DenyReason::MaxOrderQuantity
        }
    );
    let mut d = eng("max_order_quantity = 50.0\noversize = \"deny\"");
    let o3 = order(&d, "AAA", Side::Buy, 60.0, 1.0);
    assert_eq!(d.check_order(&o3), deny(DenyReason::MaxOrderQuantity));
}

#[test]
fn position_limits_per_symbol_override() {
    let mut e = eng("max_position_quantity = 100.0");
    let b = e.symbol_id("BBB").unwrap();
    e.set_position(b, 15.0, 10.0).unwrap();
    let o = order(&e, "BBB", Side::Buy, 10.0, 10.0);
    assert_eq!(
        e.check_order(&o),
        Decision::Clip {
            quantity: 5.0,
            reason: DenyReason::MaxPositionQuantity
        }
    );
    e.set_position(b, 20.0, 10.0).unwrap();
    assert_eq!(e.check_order(&o), deny(DenyReason::MaxPositionQuantity));
    // Selling (reducing) is fine, and may go through zero up to the short limit.
    let s = order(&e, "BBB", Side::Sell, 45.0, 10.0);
    assert_eq!(
        e.check_order(&s),
        Decision::Clip {
            quantity: 40.0,
            reason: DenyReason::MaxPositionQuantity
        }
    );
    // AAA uses the default 100.
    let a = order(&e, "AAA", Side::Buy, 150.0, 1.0);
    assert_eq!(
        e.check_order(&a),
        Decision::Clip {
            quantity: 100.0,
            reason: DenyReason::MaxPositionQuantity
        }
    );
}

#[test]
fn position_notional_limit() {
    let mut e = eng("max_position_notional = 500.0");
    let o = order(&e, "AAA", Side::Sell, 80.0, 10.0);
    assert_eq!(
        e.check_order(&o),
        Decision::Clip {
            quantity: 50.0,
            reason: DenyReason::MaxPositionNotional
        }
    );
}

#[test]
fn gross_and_net_leverage() {
    // equity 10_000; gross limit 1x.
    let mut e = eng("max_gross_leverage = 1.0");
    let a = e.symbol_id("AAA").unwrap();
    e.set_position(a, 800.0, 10.0).unwrap(); // 8000 gross
    let o = order(&e, "BBB", Side::Sell, 10.0, 100.0); // 1000 more: ok
    assert_eq!(e.check_order(&o), Decision::Allow);
    let o = order(&e, "BBB", Side::Sell, 19.0, 200.0); // 3800 more: room 2000 → 10 units
    assert_eq!(
        e.check_order(&o),
        Decision::Clip {
            quantity: 10.0,
            reason: DenyReason::MaxGrossLeverage
        }
    );
    e.set_position(a, 1000.0, 10.0).unwrap();
    let o = order(&e, "BBB", Side::Buy, 1.0, 10.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::MaxGrossLeverage));
    // Reducing AAA is allowed at full gross.
    let o = order(&e, "AAA", Side::Sell, 100.0, 10.0);
    assert_eq!(e.check_order(&o), Decision::Allow);

    let mut n = eng("max_net_leverage = 0.5");
    let a = n.symbol_id("AAA").unwrap();
    n.set_position(a, 400.0, 10.0).unwrap(); // net +4000, limit 5000
    let o = order(&n, "AAA", Side::Buy, 200.0, 10.0);
    assert_eq!(
        n.check_order(&o),
        Decision::Clip {
            quantity: 100.0,
            reason: DenyReason::MaxNetLeverage
        }
    );
    // A short in another symbol lowers net: allowed.
    let o = order(&n, "BBB", Side::Sell, 15.0, 10.0);
    assert_eq!(n.check_order(&o), Decision::Allow);
}

#[test]
fn reduce_only_while_reducing() {
    let mut e = eng("");
    let a = e.symbol_id("AAA").unwrap();
    e.set_position(a, 30.0, 10.0).unwrap();
    e.set_state(TradingState::Reducing);
    assert_eq!(
        e.check_order(&order(&e, "AAA", Side::Buy, 1.0, 10.0)),
        deny(DenyReason::ReduceOnly)
    );
    assert_eq!(
        e.check_order(&order(&e, "AAA", Side::Sell, 10.0, 10.0)),
        Decision::Allow
    );
    assert_eq!(
        e.check_order(&order(&e, "AAA", Side::Sell, 50.0, 10.0)),
        Decision::Clip {
            quantity: 30.0,
            reason: DenyReason::ReduceOnly
        }
    );
    // Flat symbol: nothing to reduce.
    assert_eq!(
        e.check_order(&order(&e, "BBB", Side::Sell, 1.0, 10.0)),
        deny(DenyReason::ReduceOnly)
    );
}

#[test]
fn token_bucket_throttles_and_refills() {
    let mut e = eng("rate_limit = { orders_per_second = 2.0, burst = 3.0 }");
    let mut o = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    for _ in 0..3 {
        assert_eq!(e.check_order(&o), Decision::Allow);
    }
    assert_eq!(e.check_order(&o), deny(DenyReason::RateLimited));
    o.timestamp += 0.5;
    o.data_timestamp = o.timestamp;
    assert_eq!(e.check_order(&o), Decision::Allow);
    assert_eq!(e.check_order(&o), deny(DenyReason::RateLimited));
    // Denied-by-other-rule orders do not consume tokens.
    o.timestamp += 10.0;
    o.data_timestamp = o.timestamp;
    let bad = Order {
        price: f64::NAN,
        ..o
    };
    for _ in 0..10 {
        assert_eq!(e.check_order(&bad), deny(DenyReason::NonFiniteInput));
    }
    for _ in 0..3 {
        assert_eq!(e.check_order(&o), Decision::Allow);
    }
}

#[test]
fn fills_update_exposure() {
    let mut e = eng("");
    let a = e.symbol_id("AAA").unwrap();
    e.on_fill(a, Side::Buy, 10.0, 5.0).unwrap();
    e.on_fill(a, Side::Sell, 4.0, 6.0).unwrap();
    assert_eq!(e.position(a), Some(6.0));
    assert!((e.gross_exposure() - 36.0).abs() < 1e-12);
    assert!(e.on_fill(SymbolId(9), Side::Buy, 1.0, 1.0).is_err());
    assert!(e.set_position(a, f64::NAN, 1.0).is_err());
    assert_eq!(e.symbol_name(a), Some("AAA"));
    assert!(e.symbol_id("ZZZ").is_none());
}

fn clip(quantity: f64, reason: DenyReason) -> Decision {
    Decision::Clip { quantity, reason }
}

#[test]
fn min_order_notional_boundaries_and_override() {
    let mut e = eng("min_order_notional = 100.0");
    for side in [Side::Buy, Side::Sell] {
        // q × price = 100 = min: allowed; just below: dust, denied.
        let o = order(&e, "AAA", side, 10.0, 10.0);
        assert_eq!(e.check_order(&o), Decision::Allow);
        assert_eq!(
            e.check_order(&Order {
                quantity: 9.99,
                ..o
            }),
            deny(DenyReason::MinOrderNotional)
        );
        assert_eq!(
            e.check_order(&Order {
                quantity: 20.0,
                ..o
            }),
            Decision::Allow
        );
    }
    // Per-symbol override, like max_order_notional.
    let p = Policy::from_toml(
        "[pre_trade]\nmin_order_notional = 100.0\n[symbols.AAA]\nmin_order_notional = 500.0\n[symbols.BBB]\n",
    )
    .unwrap();
    let mut e = Engine::new(&p, 10_000.0).unwrap();
    e.set_state(TradingState::Active);
    let a = order(&e, "AAA", Side::Buy, 49.0, 10.0);
    assert_eq!(e.check_order(&a), deny(DenyReason::MinOrderNotional));
    assert_eq!(
        e.check_order(&Order {
            quantity: 50.0,
            ..a
        }),
        Decision::Allow
    );
    let b = order(&e, "BBB", Side::Buy, 49.0, 10.0);
    assert_eq!(e.check_order(&b), Decision::Allow);
    // A symbol override alone (no pre_trade minimum) applies to that symbol only.
    let p =
        Policy::from_toml("[pre_trade]\n[symbols.AAA]\nmin_order_notional = 5.0\n[symbols.BBB]\n")
            .unwrap();
    let mut e = Engine::new(&p, 10_000.0).unwrap();
    e.set_state(TradingState::Active);
    let a = order(&e, "AAA", Side::Buy, 0.4, 10.0);
    assert_eq!(e.check_order(&a), deny(DenyReason::MinOrderNotional));
    let b = order(&e, "BBB", Side::Buy, 0.4, 10.0);
    assert_eq!(e.check_order(&b), Decision::Allow);
}

#[test]
fn min_order_notional_applies_after_clips() {
    // Clipped by max_order_quantity to 5 × 10 = 50 < 100: denied as dust.
    let mut e = eng("min_order_notional = 100.0\nmax_order_quantity = 5.0");
    let o = order(&e, "AAA", Side::Buy, 20.0, 10.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::MinOrderNotional));
    // Clipped to exactly the minimum: sent.
    let mut e = eng("min_order_notional = 50.0\nmax_order_quantity = 5.0");
    assert_eq!(e.check_order(&o), clip(5.0, DenyReason::MaxOrderQuantity));
    // Clipped by a position limit (BBB: 20 units, holding 15 → room 5).
    let mut e = eng("min_order_notional = 100.0");
    let bbb = e.symbol_id("BBB").unwrap();
    e.set_position(bbb, 15.0, 10.0).unwrap();
    let o = order(&e, "BBB", Side::Buy, 10.0, 10.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::MinOrderNotional));
    // Reducing the position is still subject to the minimum.
    let o = order(&e, "BBB", Side::Sell, 5.0, 10.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::MinOrderNotional));
    // oversize = "deny": the size rule is the reason, not the dust check.
    let mut e = eng("min_order_notional = 100.0\nmax_order_quantity = 5.0\noversize = \"deny\"");
    let o = order(&e, "AAA", Side::Buy, 20.0, 10.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::MaxOrderQuantity));
    let o = order(&e, "AAA", Side::Buy, 4.0, 10.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::MinOrderNotional));
}

#[test]
fn denied_orders_consume_no_token() {
    let mut e = eng(
        "min_order_notional = 100.0\nmax_order_quantity = 50.0\noversize = \"deny\"\n\
         rate_limit = { orders_per_second = 0.001, burst = 1.0 }",
    );
    let dust = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    let big = order(&e, "AAA", Side::Buy, 60.0, 10.0);
    let ok = order(&e, "AAA", Side::Buy, 20.0, 10.0);
    assert_eq!(e.check_order(&dust), deny(DenyReason::MinOrderNotional));
    assert_eq!(e.check_order(&big), deny(DenyReason::MaxOrderQuantity));
    assert_eq!(e.check_order(&ok), Decision::Allow);
    assert_eq!(e.check_order(&ok), deny(DenyReason::RateLimited));
}

#[test]
fn max_order_equity_fraction_clips_or_denies() {
    // equity 10 000 × 0.1 = 1000 per order.
    let mut e = eng("max_order_equity_fraction = 0.1");
    for side in [Side::Buy, Side::Sell] {
        let o = order(&e, "AAA", side, 100.0, 10.0);
        assert_eq!(e.check_order(&o), Decision::Allow);
        assert_eq!(
            e.check_order(&Order {
                quantity: 101.0,
                ..o
            }),
            clip(100.0, DenyReason::MaxOrderEquityFraction)
        );
    }
    // Follows the equity.
    let o = order(&e, "AAA", Side::Buy, 150.0, 10.0);
    e.set_equity(20_000.0);
    assert_eq!(e.check_order(&o), Decision::Allow);
    e.set_equity(5_000.0);
    assert_eq!(
        e.check_order(&o),
        clip(50.0, DenyReason::MaxOrderEquityFraction)
    );
    // Equity must be > 0 when the rule is set (invalid_equity), and finite.
    e.set_equity(0.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::InvalidEquity));
    e.set_equity(-1.0);
    assert_eq!(e.check_order(&o), deny(DenyReason::InvalidEquity));
    e.set_equity(f64::NAN);
    assert_eq!(e.check_order(&o), deny(DenyReason::NonFiniteInput));
    // oversize = "deny".
    let mut d = eng("max_order_equity_fraction = 0.1\noversize = \"deny\"");
    let o = order(&d, "AAA", Side::Buy, 101.0, 10.0);
    assert_eq!(d.check_order(&o), deny(DenyReason::MaxOrderEquityFraction));
    assert_eq!(
        d.check_order(&Order {
            quantity: 100.0,
            ..o
        }),
        Decision::Allow
    );
    // Whichever of max_order_notional / the equity fraction is tighter binds.
    let mut e = eng("max_order_equity_fraction = 0.1\nmax_order_notional = 2000.0");
    let o = order(&e, "AAA", Side::Buy, 300.0, 10.0);
    assert_eq!(
        e.check_order(&o),
        clip(100.0, DenyReason::MaxOrderEquityFraction)
    );
    let mut e = eng("max_order_equity_fraction = 0.1\nmax_order_notional = 500.0");
    assert_eq!(e.check_order(&o), clip(50.0, DenyReason::MaxOrderNotional));
    // Without the rule, equity 0 is fine when no leverage rule is set either.
    let mut e = eng("");
    e.set_equity(0.0);
    assert_eq!(e.check_order(&o), Decision::Allow);
}

#[test]
fn reason_codes_are_stable_and_distinct() {
    assert_eq!(DenyReason::ALL.len(), 22);
    assert_eq!(DenyReason::SizeOverride.as_str(), "size_override");
    assert_eq!(DenyReason::MinOrderNotional.as_str(), "min_order_notional");
    assert_eq!(
        DenyReason::MaxOrderEquityFraction.as_str(),
        "max_order_equity_fraction"
    );
    let mut names: Vec<&str> = DenyReason::ALL.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 22);
}

/// Regression (issue 17): a missing data timestamp or reference price used
/// to be filled in by the Python door ("now", the order price) so staleness
/// and the band passed silently. NaN = missing: denied by the rule that
/// needs it unless the policy opts out; a notional that overflows to inf is
/// non-finite input.
#[test]
fn missing_timestamp_and_reference_fail_closed_unless_opted_out() {
    let mut e = eng("price_band_ratio = 0.05");
    let o = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    assert_eq!(e.check_order(&o), Decision::Allow);
    assert_eq!(
        e.check_order(&Order {
            data_timestamp: f64::NAN,
            ..o
        }),
        deny(DenyReason::StaleData)
    );
    assert_eq!(
        e.check_order(&Order {
            reference_price: f64::NAN,
            ..o
        }),
        deny(DenyReason::PriceBand)
    );
    let mut e = eng("price_band_ratio = 0.05\n\
         allow_missing_data_timestamp = true\nallow_missing_reference_price = true");
    let o = order(&e, "AAA", Side::Buy, 1.0, 10.0);
    for m in [
        Order {
            data_timestamp: f64::NAN,
            ..o
        },
        Order {
            reference_price: f64::NAN,
            ..o
        },
    ] {
        assert_eq!(e.check_order(&m), Decision::Allow, "{m:?}");
    }
    // Opting out never lets ±inf through.
    assert_eq!(
        e.check_order(&Order {
            data_timestamp: f64::INFINITY,
            ..o
        }),
        deny(DenyReason::NonFiniteInput)
    );
    // Overflowing notional (finite × finite = inf) is non-finite input.
    assert_eq!(
        e.check_order(&Order {
            quantity: 1e200,
            price: 1e200,
            reference_price: 1e200,
            ..o
        }),
        deny(DenyReason::NonFiniteInput)
    );
}

#[test]
fn size_override_clips_every_order_even_under_oversize_deny() {
    let mut e = eng("oversize = \"deny\"");
    e.set_size_override(0.1).unwrap();
    let o = order(&e, "AAA", Side::Buy, 50.0, 10.0);
    assert_eq!(e.check_order(&o), clip(5.0, DenyReason::SizeOverride));
    assert!(e.set_size_override(0.0).is_err());
    assert!(e.set_size_override(f64::NAN).is_err());
    assert!(e.set_size_override(1.5).is_err());
    e.set_size_override(1.0).unwrap();
    assert_eq!(e.check_order(&o), Decision::Allow);
}
