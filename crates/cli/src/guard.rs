//! `tradewarden guard …`: policy check, trading state, kill switch, reset, journal.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tradewarden_guardrails::journal::{FsyncPolicy, Journal, JournalConfig, read_dir};
use tradewarden_guardrails::{LoadOutcome, Policy, StateStore, TradingState};

use crate::{Failure, emit};

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
        /// Target state: active, reducing or halted.
        #[arg(long, default_value = "active")]
        to: String,
        /// Delete the KILL_SWITCH file first (a deliberate, journalled act).
        #[arg(long)]
        remove_kill_switch: bool,
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
}

fn parse_state(s: &str) -> Result<TradingState, Failure> {
    match s.to_ascii_lowercase().as_str() {
        "active" => Ok(TradingState::Active),
        "reducing" => Ok(TradingState::Reducing),
        "halted" => Ok(TradingState::Halted),
        other => Err(Failure {
            code: 3,
            message: format!("invalid --to {other:?}: expected active, reducing or halted"),
        }),
    }
}

fn journal(dir: &Path) -> Result<Journal, Failure> {
    Ok(Journal::open(JournalConfig {
        dir: dir.to_path_buf(),
        max_bytes: 64 << 20,
        fsync: FsyncPolicy::Always,
    })?)
}

fn required(name: &str, v: &str) -> Result<(), Failure> {
    if v.trim().is_empty() {
        return Err(Failure {
            code: 3,
            message: format!("--{name} must not be empty"),
        });
    }
    Ok(())
}

/// The state document of `guard status` (also used by `health`).
pub(crate) fn status_doc(store: &StateStore) -> Value {
    let r = store.record();
    let outcome = match store.load_outcome() {
        LoadOutcome::Loaded => "loaded".to_string(),
        LoadOutcome::Missing => "missing".to_string(),
        LoadOutcome::Corrupt(why) => format!("corrupt: {why}"),
    };
    json!({
        "state": store.state().as_str(),
        "persisted_state": r.state.as_str(),
        "reason": r.reason,
        "actor": r.actor,
        "since": r.since,
        "seq": r.seq,
        "state_file": outcome,
        "kill_switch": store.kill_switch_present(),
        "kill_switch_record": store.read_kill_switch(),
        "state_dir": store.dir().display().to_string(),
    })
}

pub(crate) fn run(a: GuardArgs) -> Result<(), Failure> {
    match a.command {
        GuardCommand::CheckPolicy { file, json } => {
            let p = Policy::load(&file)?;
            let doc = json!({
                "file": file.display().to_string(),
                "valid": true,
                "symbols": p.symbols.keys().collect::<Vec<_>>(),
                "pre_trade": p.pre_trade,
                "period": p.period,
                "exposure_enabled": p.exposure.enabled,
            });
            emit(json, &doc, || {
                println!(
                    "{}: valid ({} symbols{})",
                    file.display(),
                    p.symbols.len(),
                    if p.exposure.enabled {
                        ", exposure policy on"
                    } else {
                        ""
                    }
                );
            })
        }
        GuardCommand::Status { dir, json } => {
            let store = StateStore::open(&dir.state_dir)?;
            let doc = status_doc(&store);
            emit(json, &doc, || {
                println!(
                    "{} (since seq {}, by {}: {}){}",
                    store.state().as_str(),
                    store.record().seq,
                    store.record().actor,
                    store.record().reason,
                    if store.kill_switch_present() {
                        " — KILL_SWITCH present"
                    } else {
                        ""
                    }
                );
            })?;
            if store.state() == TradingState::Active {
                Ok(())
            } else {
                Err(Failure::silent(5))
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
            let mut store = StateStore::open(&dir.state_dir)?;
            store.attach_journal(journal(&dir.state_dir)?);
            store.activate_kill_switch(&reason, &by)?;
            let doc = status_doc(&store);
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
            let to = parse_state(&to)?;
            let mut store = StateStore::open(&dir.state_dir)?;
            let mut j = journal(&dir.state_dir)?;
            if store.kill_switch_present() {
                if !remove_kill_switch {
                    return Err(Failure {
                        code: 5,
                        message: format!(
                            "{} exists: pass --remove-kill-switch to remove it deliberately",
                            store.kill_switch_path().display()
                        ),
                    });
                }
                let path = store.kill_switch_path();
                std::fs::remove_file(&path).map_err(|e| Failure {
                    code: 4,
                    message: format!("cannot remove {}: {e}", path.display()),
                })?;
                j.record_override(&by, &reason, "removed KILL_SWITCH")?;
            }
            store.attach_journal(j);
            store.manual_reset(to, &by, &reason)?;
            let doc = status_doc(&store);
            emit(json, &doc, || {
                println!("{} (reset by {by}: {reason})", store.state().as_str());
            })
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
            let doc = json!({"dir": d.display().to_string(), "entries": tail,
                             "total": entries.len(), "skipped_lines": torn});
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
