//! `tradewarden guard …`: policy check, trading state, kill switch, reset, journal.

use std::path::{Path, PathBuf};

use clap::builder::PossibleValue;
use clap::{Args, Subcommand};
use tradewarden_cli::doc::guard::{
    GuardStatus, JournalStatsDoc, JournalTail, PeriodCheck, PolicyCheck,
};
use tradewarden_guardrails::journal::{journal_stats, read_dir, verify};
use tradewarden_guardrails::period::{self, PeriodObservation};
use tradewarden_guardrails::session::kill_state_dir;
use tradewarden_guardrails::{Policy, Session, SessionConfig, StateStore, TradingState};

use super::Choice;
use crate::{Failure, emit, show};

/// `tradewarden guard`.
#[derive(Debug, Args)]
pub(crate) struct GuardArgs {
    #[command(subcommand)]
    command: GuardCommand,
}

/// Where the trading state, the `KILL_SWITCH` file and the journal live.
#[derive(Debug, Args, Clone)]
pub(crate) struct StateDir {
    /// State directory (trading_state.json, KILL_SWITCH, journal.jsonl).
    #[arg(
        long,
        env = "TRADEWARDEN_STATE_DIR",
        default_value = "tradewarden-state"
    )]
    pub(crate) state_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum GuardCommand {
    /// Evaluate a policy's period limits on one observation, statelessly
    /// (nothing latched or journaled; exit 6 on a breach with --fail-on-breach).
    Period {
        /// The policy file (TOML, YAML or JSON).
        #[arg(long)]
        policy: PathBuf,
        /// The observation: a JSON object (`{"aum": 1e6, "daily_pnl": -12000}`;
        /// fields of `PeriodObservation`), or a file holding one.
        #[arg(long)]
        observation: String,
        /// Exit 6 when any limit is breached.
        #[arg(long)]
        fail_on_breach: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a guardrail policy file (TOML, YAML or JSON); every problem at once.
    CheckPolicy {
        /// The policy file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The trading state, its last transition and the kill switch (exit 5 unless ACTIVE).
    Status {
        #[command(flatten)]
        dir: StateDir,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Engage the kill switch: writes KILL_SWITCH and latches KILLED.
    Kill {
        #[command(flatten)]
        dir: StateDir,
        /// Why (recorded in the file, the state and the journal).
        #[arg(long)]
        reason: String,
        /// Who.
        #[arg(long)]
        by: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Named manual reset of a latched state (refused while KILL_SWITCH exists
    /// unless --remove-kill-switch).
    Reset {
        #[command(flatten)]
        dir: StateDir,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who.
        #[arg(long)]
        by: String,
        /// Target state (any case).
        #[arg(long, default_value = "active", value_parser = target_state())]
        to: TradingState,
        /// Delete the KILL_SWITCH file first (a deliberate, journalled act).
        #[arg(long)]
        remove_kill_switch: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Latch a more severe state (reducing, halted) with a reason; never lowers it.
    Escalate {
        #[command(flatten)]
        dir: StateDir,
        /// Target state, any case (use `kill` for killed).
        #[arg(long, value_parser = target_state())]
        to: TradingState,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove the KILL_SWITCH entry (journaled override); the state stays
    /// KILLED until a `reset`.
    RemoveKillSwitch {
        #[command(flatten)]
        dir: StateDir,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who.
        #[arg(long)]
        by: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set the position-size override every session on the directory
    /// applies as a clip (fraction in (0, 1]; 1 = off).
    SizeOverride {
        #[command(flatten)]
        dir: StateDir,
        /// Fraction orders are scaled to.
        #[arg(long)]
        fraction: f64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who.
        #[arg(long)]
        by: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Freeze (or with --unfreeze, unfreeze) model learning for every
    /// process on the directory.
    FreezeLearning {
        #[command(flatten)]
        dir: StateDir,
        /// Unfreeze instead.
        #[arg(long)]
        unfreeze: bool,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who.
        #[arg(long)]
        by: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The audit journal.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// The last entries of the journal (rotated files included).
    Tail {
        /// Journal directory (default: the state directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[command(flatten)]
        state: StateDir,
        /// Number of entries.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Guardrail violations per 1000 trades from the journal (decision
    /// records; denials + violation records), the Plus Ultra SLO (< 3).
    Stats {
        /// Journal directory (default: the state directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[command(flatten)]
        state: StateDir,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify the journal's hash chain and sequence (exit 6 on the first
    /// edited, missing, reordered or unreadable record).
    Verify {
        /// Journal directory (default: the state directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[command(flatten)]
        state: StateDir,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `--to` of `reset` and `escalate`: a state name as the library parses it;
/// KILLED only through `guard kill` (the kill-switch file).
fn target_state() -> Choice<TradingState> {
    Choice::new(
        || {
            ["active", "reducing", "halted"]
                .map(PossibleValue::new)
                .to_vec()
        },
        |s| match s.parse::<TradingState>() {
            Ok(TradingState::Killed) => Err(format!(
                "invalid --to {s:?}: KILLED is engaged with `guard kill`, expected active, reducing or halted"
            )),
            Ok(t) => Ok(t),
            Err(e) => Err(e.to_string()),
        },
    )
}

fn operator(dir: &Path) -> Result<Session, Failure> {
    Ok(Session::operator(SessionConfig::in_dir(dir))?)
}

fn required(name: &str, v: &str) -> Result<(), Failure> {
    if v.trim().is_empty() {
        return Err(Failure {
            code: crate::ExitStatus::BadInput,
            message: format!("--{name} must not be empty"),
        });
    }
    Ok(())
}

/// The observation of `guard period`: JSON text, or a file holding it.
fn observation(arg: &str) -> Result<PeriodObservation, Failure> {
    let text = if arg.trim_start().starts_with('{') {
        arg.to_string()
    } else {
        std::fs::read_to_string(arg).map_err(|e| super::unreadable(Path::new(arg), e))?
    };
    serde_json::from_str(&text)
        .map_err(|e| super::bad(format!("invalid --observation = {arg:?}: {e}")))
}

pub(crate) fn run(a: GuardArgs) -> Result<(), Failure> {
    match a.command {
        GuardCommand::Period {
            policy,
            observation: obs,
            fail_on_breach,
            json,
        } => {
            let p = Policy::load(&policy)?;
            let o = observation(&obs)?;
            let doc = PeriodCheck {
                policy: policy.display().to_string(),
                breaches: period::evaluate(&p.period, &o),
            };
            show(json, &doc)?;
            if fail_on_breach && !doc.breaches.is_empty() {
                return Err(Failure {
                    code: crate::ExitStatus::CheckFailed,
                    message: String::new(),
                });
            }
            Ok(())
        }
        GuardCommand::CheckPolicy { file, json } => {
            let p = Policy::load(&file)?;
            let doc = PolicyCheck {
                file: file.display().to_string(),
                valid: true,
                symbols: p.symbols.keys().cloned().collect(),
                pre_trade: p.pre_trade,
                period: p.period,
                exposure_enabled: p.exposure.enabled,
            };
            show(json, &doc)
        }
        GuardCommand::Status { dir, json } => {
            let store = StateStore::open(&dir.state_dir)?;
            show(json, &GuardStatus::of(&store))?;
            if store.state() == TradingState::Active {
                Ok(())
            } else {
                Err(Failure::silent(crate::ExitStatus::State))
            }
        }
        GuardCommand::Kill {
            dir,
            reason,
            by,
            json,
        } => {
            required("reason", &reason)?;
            required("by", &by)?;
            // The kill never waits on the journal: KILL_SWITCH and the state
            // file are written first; a failure is reported after every step
            // was attempted (exit 4), and the directory is KILLED if any
            // step landed.
            let killed = kill_state_dir(&dir.state_dir, &reason, &by, true);
            let store = StateStore::open(&dir.state_dir)?;
            let doc = GuardStatus::of(&store);
            killed?;
            emit(json, &doc, || {
                println!(
                    "KILLED: {} written by {by}: {reason}",
                    store.kill_switch_path().display()
                );
            })
        }
        GuardCommand::Reset {
            dir,
            reason,
            by,
            to,
            remove_kill_switch,
            json,
        } => {
            required("reason", &reason)?;
            required("by", &by)?;
            let mut session = operator(&dir.state_dir)?;
            let present = session.store().is_some_and(StateStore::kill_switch_present);
            if present {
                if !remove_kill_switch {
                    return Err(Failure {
                        code: crate::ExitStatus::State,
                        message: format!(
                            "{}/KILL_SWITCH exists: pass --remove-kill-switch to remove it deliberately",
                            dir.state_dir.display()
                        ),
                    });
                }
                session.remove_kill_switch(&by, &reason)?;
            }
            session.reset(to, &by, &reason)?;
            let store = StateStore::open(&dir.state_dir)?;
            let doc = GuardStatus::of(&store);
            emit(json, &doc, || {
                println!("{} (reset by {by}: {reason})", store.state().as_str());
            })
        }
        GuardCommand::Escalate {
            dir,
            to,
            reason,
            json,
        } => {
            required("reason", &reason)?;
            let mut session = operator(&dir.state_dir)?;
            let changed = session.escalate(to, &reason)?;
            let store = StateStore::open(&dir.state_dir)?;
            let doc = GuardStatus {
                changed: Some(changed),
                ..GuardStatus::of(&store)
            };
            emit(json, &doc, || {
                println!(
                    "{}{}",
                    store.state().as_str(),
                    if changed {
                        ""
                    } else {
                        " (unchanged: already at least as severe)"
                    }
                );
            })
        }
        GuardCommand::RemoveKillSwitch {
            dir,
            reason,
            by,
            json,
        } => {
            required("reason", &reason)?;
            required("by", &by)?;
            operator(&dir.state_dir)?.remove_kill_switch(&by, &reason)?;
            let store = StateStore::open(&dir.state_dir)?;
            let doc = GuardStatus::of(&store);
            emit(json, &doc, || {
                println!(
                    "KILL_SWITCH removed by {by}: {reason}; state {} until a reset",
                    store.state().as_str()
                );
            })
        }
        GuardCommand::SizeOverride {
            dir,
            fraction,
            reason,
            by,
            json,
        } => {
            required("reason", &reason)?;
            required("by", &by)?;
            operator(&dir.state_dir)?.set_size_override(fraction, &by, &reason)?;
            let store = StateStore::open(&dir.state_dir)?;
            let doc = GuardStatus::of(&store);
            emit(json, &doc, || {
                println!("size override {fraction} (by {by}: {reason})")
            })
        }
        GuardCommand::FreezeLearning {
            dir,
            unfreeze,
            reason,
            by,
            json,
        } => {
            required("reason", &reason)?;
            required("by", &by)?;
            operator(&dir.state_dir)?.set_learning_frozen(!unfreeze, &by, &reason)?;
            let store = StateStore::open(&dir.state_dir)?;
            let doc = GuardStatus::of(&store);
            emit(json, &doc, || {
                println!("learning frozen = {} (by {by}: {reason})", !unfreeze)
            })
        }
        GuardCommand::Journal {
            command: JournalCommand::Stats { dir, state, json },
        } => {
            let d = dir.unwrap_or(state.state_dir);
            let (entries, skipped) = read_dir(&d)?;
            let stats = journal_stats(&entries);
            show(json, &JournalStatsDoc::of(&d, &stats, skipped))
        }
        GuardCommand::Journal {
            command: JournalCommand::Verify { dir, state, json },
        } => {
            let d = dir.unwrap_or(state.state_dir);
            let rep = verify(&d)?;
            show(json, &rep)?;
            if rep.ok() {
                Ok(())
            } else {
                Err(Failure::silent(crate::ExitStatus::CheckFailed))
            }
        }
        GuardCommand::Journal {
            command:
                JournalCommand::Tail {
                    dir,
                    state,
                    lines,
                    json,
                },
        } => {
            let d = dir.unwrap_or(state.state_dir);
            let (entries, torn) = read_dir(&d)?;
            let tail = &entries[entries.len().saturating_sub(lines)..];
            let doc = JournalTail {
                dir: d.display().to_string(),
                entries: tail.to_vec(),
                total: entries.len(),
                skipped_lines: torn,
            };
            emit(json, &doc, || {
                for e in tail {
                    println!(
                        "{}",
                        serde_json::to_string(e).unwrap_or_else(|e| e.to_string())
                    );
                }
                if torn > 0 {
                    eprintln!("warning: {torn} unparseable line(s) skipped");
                }
            })
        }
    }
}
