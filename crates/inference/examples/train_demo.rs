//! Trains the demo model deterministically on the synthetic momentum market
//! and writes `assets/demo_model/{weights.bpk, config.json, meta.json}`
//! (embedded by `tradewarden_inference::demo`).
//!
//! ```sh
//! cargo run -p tradewarden-inference --example train_demo            # writes the shipped assets
//! cargo run -p tradewarden-inference --example train_demo -- OUT_DIR # writes elsewhere
//! ```
#![allow(missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;

use tradewarden_inference::demo::{TrainOptions, train_demo};
use tradewarden_inference::device::cpu_device;

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo_model"));
    std::fs::create_dir_all(&out)?;
    let options = TrainOptions::default();
    let start = std::time::Instant::now();
    let trained = train_demo(&options, &cpu_device())?;
    let r = &trained.report;
    trained.model.save_burnpack(out.join("weights.bpk"))?;
    let mut config = serde_json::to_string_pretty(trained.model.config())?;
    config.push('\n');
    std::fs::write(out.join("config.json"), config)?;
    let mut meta = serde_json::to_string_pretty(r)?;
    meta.push('\n');
    std::fs::write(out.join("meta.json"), meta)?;
    println!(
        "trained {} on {} samples in {:.2?}; holdout ({} samples): mse {:.4e} (zero predictor {:.4e}), correlation {:.4}, hit rate {:.4}",
        r.name,
        r.train_samples,
        start.elapsed(),
        r.holdout_samples,
        r.holdout_mse,
        r.holdout_mse_zero,
        r.holdout_correlation,
        r.holdout_hit_rate
    );
    println!("wrote {}", out.display());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train_demo: {e}");
            ExitCode::FAILURE
        }
    }
}
