//! `tradewarden promote`: promotion gates.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use tradewarden_guardrails::promotion::{PromotionGates, PromotionInputs, evaluate_promotion};

use crate::{Failure, emit};

/// `tradewarden promote`.
#[derive(Debug, Args)]
pub(crate) struct PromoteArgs {
    #[command(subcommand)]
    command: PromoteCommand,
}

#[derive(Debug, Subcommand)]
enum PromoteCommand {
    /// Evaluate the promotion gates on a candidate's walk-forward returns
    /// (exit 6 when a gate fails).
    Check {
        /// Walk-forward returns (Parquet or CSV).
        #[arg(long)]
        returns: PathBuf,
        /// Column of the returns file.
        #[arg(long)]
        column: Option<String>,
        /// Closed-trade P&L (Parquet or CSV; default: the returns, one per period).
        #[arg(long)]
        trades: Option<PathBuf>,
        /// Gates (TOML/YAML/JSON; default Autotrader's: Sharpe > 2, |DD| < .15, win rate > .55, trades > 100).
        #[arg(long)]
        gates: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(a: PromoteArgs) -> Result<(), Failure> {
    let PromoteCommand::Check {
        returns,
        column,
        trades,
        gates,
        json,
    } = a.command;
    let g: PromotionGates = match &gates {
        Some(p) => tradewarden_core::config::load_config(p)?,
        None => PromotionGates::autotrader(),
    };
    g.validate()?;
    let r = tradewarden_core::io::read_returns(&returns, column.as_deref())?;
    let t = match &trades {
        Some(p) => tradewarden_core::io::read_returns(p, None)?,
        None => r.clone(),
    };
    let rep = evaluate_promotion(
        &g,
        &PromotionInputs {
            walk_forward_returns: &r,
            trial_sharpes: None,
            strategy_matrix: None,
            trade_pnls: &t,
        },
    )?;
    emit(json, &rep, || {
        for c in &rep.checks {
            println!(
                "{:<28} {:>10.4} vs {:>10.4}  {}",
                c.name,
                c.value,
                c.threshold,
                if c.passed { "pass" } else { "FAIL" }
            );
        }
        println!(
            "{}",
            if rep.passed {
                "PROMOTE"
            } else {
                "DO NOT PROMOTE"
            }
        );
    })?;
    if rep.passed {
        Ok(())
    } else {
        Err(Failure::silent(crate::ExitStatus::CheckFailed))
    }
}
