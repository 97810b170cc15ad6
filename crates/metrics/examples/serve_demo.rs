//! Exposes tradewarden metrics on loopback for a scraping Prometheus.
//!
//! ```text
//! cargo run -p tradewarden-metrics --example serve_demo -- [--listen 127.0.0.1:9185] [--breach] [--seconds N] [--print] [--plus-ultra] [--catalog-markdown]
//! ```
//!
//! With `--breach` it trips the circuit breaker and sets a daily loss of 3 %
//! of AUM, so the `TradewardenCircuitBreakerActive` and `DailyLossCritical`
//! alerts fire. `--print` renders the exposition once to stdout and exits
//! (used for `promtool check metrics`). Runs until killed, or `--seconds N`.
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tradewarden_metrics::exporter::{Exporter, ExporterConfig};
use tradewarden_metrics::handles::{
    CanaryStage, DriftMetrics, GuardrailMetrics, InferenceMetrics, MlBotMetrics, MonitoringMetrics,
    RiskMetric, ServiceMetrics, TradingMetrics, TradingSnapshot, TradingState,
};
use tradewarden_metrics::recovery::{Outcome, RecoveryTracker};
use tradewarden_metrics::{Catalog, MetricsError, Profile};

struct Args {
    listen: String,
    breach: bool,
    seconds: Option<f64>,
    print: bool,
    catalog: bool,
    profile: Profile,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        listen: "127.0.0.1:9185".into(),
        breach: false,
        seconds: None,
        print: false,
        catalog: false,
        profile: Profile::Native,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--listen" => a.listen = it.next().ok_or("--listen needs ip:port")?,
            "--breach" => a.breach = true,
            "--print" => a.print = true,
            "--catalog-markdown" => a.catalog = true,
            "--plus-ultra" => a.profile = Profile::PlusUltra,
            "--seconds" => {
                let v = it.next().ok_or("--seconds needs a number")?;
                a.seconds = Some(
                    v.parse()
                        .map_err(|_| format!("--seconds {v:?} is not a number"))?,
                );
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn populate(exp: &Exporter, breach: bool) -> Result<(), MetricsError> {
    let c = exp.catalog();
    let g = GuardrailMetrics::new(c);
    g.set_enabled("service", true);
    g.set_trading_state(if breach {
        TradingState::Halted
    } else {
        TradingState::Active
    });
    g.set_breaker_active(breach);
    g.set_kill_switch_active(false);
    g.set_canary(CanaryStage::Canary1, 0.01)?;
    g.denial("max_notional");
    g.violations(["gross_exposure_peak"]);

    let svc = ServiceMetrics::new(c);
    svc.record("predict", "POST", 200, 0.012, None)?;
    svc.record("guardrails", "POST", 200, 0.004, None)?;
    svc.prediction_rows(128);

    let inf = InferenceMetrics::new(c, "demo_mlp");
    inf.record(0.00005, 1);

    let t = TradingMetrics::new(c, "demo");
    t.set_snapshot(&TradingSnapshot {
        pnl: 1250.0,
        sharpe: 1.8,
        winning_trades: 56,
        total_trades: 100,
        max_drawdown_ratio: 0.04,
        gross_profit: 3000.0,
        gross_loss: 1750.0,
    })?;
    t.set_risk(RiskMetric::HourlyPnl, 0.001)?;
    t.set_risk(RiskMetric::DailyPnl, if breach { -0.03 } else { 0.002 })?;
    t.set_risk(RiskMetric::Drawdown, 0.04)?;
    t.set_risk(RiskMetric::Slippage, 1.1)?;
    t.set_risk(RiskMetric::Fill, 0.98)?;
    t.set_risk(RiskMetric::ModelPrecision, 0.6)?;

    let d = DriftMetrics::new(c);
    d.score("returns_1m", "psi", 0.05)?;
    d.detection("psi", "low");

    let ml = MlBotMetrics::new(c);
    ml.prediction("orchestrator", "BTCUSDT", "1h", 0.08)?;
    ml.set_regime("BTCUSDT", "1h", "trending_up")?;
    ml.set_quality("BTCUSDT", "1h", "mape", 3.2)?;
    ml.cache(10, 1, 42);
    ml.websocket_connections(3);

    let mon = MonitoringMetrics::new(c);
    mon.window_size(512);
    mon.drift("psi", 0.05)?;
    mon.risk("max_drawdown", -0.04)?;

    let rec = RecoveryTracker::default();
    rec.record(&Outcome::success("fetch_quotes", 0.2))?;
    rec.export(c);
    Ok(())
}

/// The catalog as a Markdown table (docs/telemetry.md is generated with it).
fn catalog_markdown() -> String {
    let native = Catalog::default();
    let pu = Catalog::new("tradewarden", Profile::PlusUltra).unwrap_or_default();
    let mut out = String::from(
        "| name (native profile) | `plus_ultra` profile | type | unit | labels | buckets | help |\n|---|---|---|---|---|---|---|\n",
    );
    for (name, def) in native.entries() {
        let pu_name = pu.name(def);
        let pu_col = if pu_name == name {
            "same".to_string()
        } else {
            format!("`{pu_name}`")
        };
        let labels = def.labels.join(", ");
        let buckets = def
            .buckets
            .map(|b| {
                b.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "| `{name}` | {pu_col} | {} | {:?} | {labels} | {buckets} | {} |\n",
            def.kind.as_str(),
            def.unit,
            def.help
        ));
    }
    out
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("serve_demo: {e}");
            return ExitCode::from(2);
        }
    };
    if args.catalog {
        print!("{}", catalog_markdown());
        return ExitCode::SUCCESS;
    }
    let cfg = ExporterConfig {
        listen: if args.print {
            None
        } else {
            Some(args.listen.clone())
        },
        profile: args.profile,
        ..ExporterConfig::default()
    };
    let exp = match Exporter::install(&cfg) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("serve_demo: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = populate(&exp, args.breach) {
        eprintln!("serve_demo: {e}");
        return ExitCode::from(1);
    }
    if args.print {
        return match exp.render() {
            Ok(t) => {
                print!("{t}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("serve_demo: {e}");
                ExitCode::from(1)
            }
        };
    }
    if let Some(a) = exp.local_addr() {
        println!("serving http://{a}/metrics");
    }
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if args
            .seconds
            .is_some_and(|s| start.elapsed().as_secs_f64() >= s)
        {
            return ExitCode::SUCCESS;
        }
    }
}
