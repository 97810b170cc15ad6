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
