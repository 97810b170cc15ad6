//! Quick start: returns analytics on embedded, deterministic demo data.
//!
//! Run: `cargo run --release --example quickstart`
//!
//! Generates three years of daily returns for a strategy and its benchmark
//! (a seeded random walk with a regime change), then prints the one-pass
//! summary with empyrical's conventions and the operations-summary keys of
//! Market NN Plus Ultra as JSON.

use tradewarden::core::returns::bootstrap::{
    BootstrapOptions, IntervalMethod, MomentStatistic, Resampling, bootstrap_moment_ci,
};
use tradewarden::core::returns::promotion::{PsrConvention, probabilistic_sharpe_ratio};
use tradewarden::core::returns::{self, Summary, SummaryOptions};
use tradewarden::core::{NanPolicy, ReturnsOptions};

/// A small deterministic generator (SplitMix64) so the demo needs no data file.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately normal (Irwin–Hall with 12 uniforms).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let s: f64 = (0..12).map(|_| self.next_f64()).sum();
        mean + sd * (s - 6.0)
    }
}

fn demo_data() -> (Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix(20_261_123);
    let n = 756;
    let mut bench = Vec::with_capacity(n);
    let mut strat = Vec::with_capacity(n);
    for t in 0..n {
        // regime change after two years: volatility doubles, drift turns negative
        let (mu, sd) = if t < 504 {
            (0.0004, 0.009)
        } else {
            (-0.0002, 0.018)
        };
        let b = rng.normal(mu, sd);
        let alpha = if t < 504 { 0.0003 } else { -0.0001 };
        strat.push(0.8 * b + rng.normal(alpha, 0.006));
        bench.push(b);
    }
    (strat, bench)
}

fn main() {
    let (r, b) = demo_data();
    let opts = SummaryOptions {
        returns: ReturnsOptions::empyrical(),
        ..Default::default()
    };
    let summary = match Summary::compute(&r, Some(&b), &opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "tradewarden quickstart: {} daily returns vs a benchmark\n",
        summary.n
    );
    println!("{:<28} {:>12}", "metric", "value");
    for (k, v) in summary.operations_keys() {
        println!("{k:<28} {v:>12.6}");
    }
    let strict = ReturnsOptions {
        nan_policy: NanPolicy::Error,
        ..Default::default()
    };
    let roll = returns::roll_sharpe_ratio(&r, 126, &strict).unwrap_or_default();
    let last = roll.last().copied().unwrap_or(f64::NAN);
    println!("\nrolling 6-month Sharpe, last value: {last:.4}");

    // Is the Sharpe ratio real? Probabilistic Sharpe ratio and a bootstrap CI.
    let psr =
        probabilistic_sharpe_ratio(&r, 0.0, PsrConvention::Paper, &strict).unwrap_or(f64::NAN);
    println!("probabilistic Sharpe ratio (SR* = 0): {psr:.4}");
    let bo = BootstrapOptions {
        resampling: Resampling::Stationary { mean_block: 10.0 },
        method: IntervalMethod::Percentile,
        n_resamples: 2000,
        confidence: 0.95,
        seed: 7,
    };
    match bootstrap_moment_ci(&r, MomentStatistic::Sharpe, &bo)
        .and_then(|ci| ci.scaled(252f64.sqrt()))
    {
        Ok(ci) => println!(
            "annualised Sharpe {:.3}, 95% stationary-bootstrap CI [{:.3}, {:.3}]",
            ci.estimate, ci.lower, ci.upper
        ),
        Err(e) => eprintln!("bootstrap: {e}"),
    }
    match serde_json::to_string_pretty(&summary) {
        Ok(json) => println!("\nfull summary (JSON):\n{json}"),
        Err(e) => eprintln!("error: {e}"),
    }
}
