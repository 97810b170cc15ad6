#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_core::config::ConfigFormat;
use tradewarden_core::{Classify, ErrorKind};
use tradewarden_guardrails::Policy;

#[test]
fn defaults_match_the_runbooks() {
    let p = Policy::default();
    let h = p.period.hourly_loss_ratio.unwrap();
    assert_eq!((h.warning, h.critical), (0.003, 0.005));
    let d = p.period.daily_loss_ratio.unwrap();
    assert_eq!((d.warning, d.critical), (0.01, 0.02));
    let dd = p.period.max_drawdown_ratio.unwrap();
    assert_eq!((dd.warning, dd.critical), (0.07, 0.10));
    let s = p.period.slippage_ratio.unwrap();
    assert_eq!((s.warning, s.critical), (2.0, 3.0));
    let f = p.period.fill_rate.unwrap();
    assert_eq!((f.warning, f.critical), (0.95, 0.90));
    assert!(p.validate().is_ok());
}

#[test]
fn unknown_keys_are_rejected_in_every_format() {
    assert!(Policy::from_toml("[pre_trade]\nmax_notional = 1.0").is_err());
    assert!(Policy::from_toml("bogus = 1").is_err());
    assert!(Policy::parse("{\"period\": {\"hourly\": 1}}", ConfigFormat::Json).is_err());
    assert!(Policy::parse("exposure:\n  capitol: 5\n", ConfigFormat::Yaml).is_err());
    let ok = Policy::parse(
        "exposure:\n  capital: 5\n  enforcement: warn\n",
        ConfigFormat::Yaml,
    )
    .unwrap();
    assert_eq!(ok.exposure.capital, 5.0);
}

#[test]
fn all_violations_reported_at_once() {
    let err = Policy::from_toml(
        r#"
[pre_trade]
max_order_notional = -5.0
max_gross_leverage = nan
[period]
daily_loss_ratio = { warning = 0.03, critical = 0.02 }
fill_rate = { warning = 0.8, critical = 0.9 }
[exposure]
capital = 0.0
[exposure.symbol_caps]
ZZZ = 0.2
[symbols.AAA]
"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    let msg = err.to_string();
    for needle in [
        "pre_trade.max_order_notional = -5",
        "pre_trade.max_gross_leverage = NaN",
        "period.daily_loss_ratio.warning = 0.03",
        "period.fill_rate.warning = 0.8",
        "exposure.capital = 0",
        "exposure.symbol_caps.ZZZ",
        "unknown symbol",
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in {msg}");
    }
}

#[test]
fn load_from_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("policy.json");
    std::fs::write(
        &p,
        r#"{"pre_trade": {"max_order_quantity": 5}, "symbols": {"X": {}}}"#,
    )
    .unwrap();
    let pol = Policy::load(&p).unwrap();
    assert_eq!(pol.pre_trade.max_order_quantity, Some(5.0));
    let k = Policy::load(d.path().join("nope.toml")).unwrap_err().kind();
    assert!(matches!(k, ErrorKind::Io | ErrorKind::NotFound), "{k:?}");
}

fn policy_err(text: &str) -> String {
    let e = Policy::from_toml(text).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{e}");
    e.to_string()
}

#[test]
fn min_order_notional_and_equity_fraction_validation() {
    let ok = Policy::from_toml(
        "[pre_trade]\nmin_order_notional = 100.0\nmax_order_notional = 500.0\n\
         max_order_equity_fraction = 1.0\n[symbols.AAA]\nmin_order_notional = 200.0\n",
    )
    .unwrap();
    assert_eq!(ok.pre_trade.min_order_notional, Some(100.0));
    assert_eq!(ok.pre_trade.max_order_equity_fraction, Some(1.0));
    assert_eq!(ok.symbols["AAA"].min_order_notional, Some(200.0));
    for (text, needle) in [
        (
            "min_order_notional = -1.0",
            "pre_trade.min_order_notional = -1",
        ),
        (
            "min_order_notional = 0.0",
            "pre_trade.min_order_notional = 0",
        ),
        (
            "min_order_notional = nan",
            "pre_trade.min_order_notional = NaN",
        ),
        (
            "max_order_equity_fraction = 0.0",
            "pre_trade.max_order_equity_fraction = 0",
        ),
        (
            "max_order_equity_fraction = 1.5",
            "pre_trade.max_order_equity_fraction = 1.5",
        ),
        (
            "max_order_equity_fraction = -0.1",
            "pre_trade.max_order_equity_fraction = -0.1",
        ),
        (
            "max_order_equity_fraction = inf",
            "pre_trade.max_order_equity_fraction = inf",
        ),
    ] {
        let msg = policy_err(&format!("[pre_trade]\n{text}\n"));
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
    }
    // min ≥ max is refused, together with every other violation.
    let msg = policy_err(
        "[pre_trade]\nmin_order_notional = 500.0\nmax_order_notional = 500.0\n\
         max_order_equity_fraction = 2.0\nprice_band_ratio = -1.0\n",
    );
    assert!(msg.contains("pre_trade.min_order_notional = 500"), "{msg}");
    assert!(msg.contains("max_order_notional (500)"), "{msg}");
    assert!(
        msg.contains("pre_trade.max_order_equity_fraction = 2"),
        "{msg}"
    );
    assert!(msg.contains("pre_trade.price_band_ratio = -1"), "{msg}");
    // Per symbol: the effective pair (override or pre_trade value).
    let msg = policy_err(
        "[pre_trade]\nmin_order_notional = 100.0\nmax_order_notional = 500.0\n\
         [symbols.AAA]\nmax_order_notional = 50.0\n\
         [symbols.BBB]\nmin_order_notional = 600.0\n\
         [symbols.CCC]\nmin_order_notional = -2.0\n",
    );
    assert!(
        msg.contains("symbols.AAA.min_order_notional = 100"),
        "{msg}"
    );
    assert!(
        msg.contains("symbols.BBB.min_order_notional = 600"),
        "{msg}"
    );
    assert!(msg.contains("symbols.CCC.min_order_notional = -2"), "{msg}");
}
