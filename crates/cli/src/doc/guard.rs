//! `tradewarden guard …` documents. `guard journal verify` prints the
//! library's `VerifyReport` itself.

use std::fmt;

use serde::{Deserialize, Serialize};
use tradewarden_guardrails::journal::{Entry, JournalStats};
use tradewarden_guardrails::period::PeriodBreach;
use tradewarden_guardrails::policy::{PeriodLimits, PreTradeLimits};
use tradewarden_guardrails::session::read_overrides;
use tradewarden_guardrails::{KillSwitch, LoadOutcome, Overrides, StateStore, TradingState};

/// The trading state of a state directory: `guard status`, and what `guard
/// kill`, `reset`, `escalate`, `remove-kill-switch`, `size-override` and
/// `freeze-learning` print after acting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardStatus {
    /// The effective state (KILLED while a `KILL_SWITCH` file exists).
    pub state: TradingState,
    /// The state the state file holds.
    pub persisted_state: TradingState,
    /// Why the last transition happened.
    pub reason: String,
    /// Who caused it.
    pub actor: String,
    /// Unix seconds of the last transition.
    pub since: f64,
    /// Transition counter.
    pub seq: u64,
    /// How the state file was read: `loaded`, `missing` or `corrupt: <why>`.
    pub state_file: String,
    /// Whether a `KILL_SWITCH` file exists.
    pub kill_switch: bool,
    /// Its contents, when readable.
    pub kill_switch_record: Option<KillSwitch>,
    /// The state directory.
    pub state_dir: String,
    /// Size override and learning freeze (`None` when the file is unreadable).
    pub overrides: Option<Overrides>,
    /// `guard escalate` only: whether the state changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
}

impl GuardStatus {
    /// The status of an opened state directory.
    pub fn of(store: &StateStore) -> Self {
        let r = store.record();
        let state_file = match store.load_outcome() {
            LoadOutcome::Loaded => "loaded".to_string(),
            LoadOutcome::Missing => "missing".to_string(),
            LoadOutcome::Corrupt(why) => format!("corrupt: {why}"),
        };
        GuardStatus {
            state: store.state(),
            persisted_state: r.state,
            reason: r.reason.clone(),
            actor: r.actor.clone(),
            since: r.since,
            seq: r.seq,
            state_file,
            kill_switch: store.kill_switch_present(),
            kill_switch_record: store.read_kill_switch(),
            state_dir: store.dir().display().to_string(),
            overrides: read_overrides(store.dir()).ok(),
            changed: None,
        }
    }
}

impl fmt::Display for GuardStatus {
    /// `STATE (since seq N, by ACTOR: REASON)`, and the kill switch if present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (since seq {}, by {}: {}){}",
            self.state.as_str(),
            self.seq,
            self.actor,
            self.reason,
            if self.kill_switch {
                " — KILL_SWITCH present"
            } else {
                ""
            }
        )
    }
}

/// `guard period`: the period limits an observation breaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodCheck {
    /// The policy file.
    pub policy: String,
    /// Every breached limit (none: within limits).
    pub breaches: Vec<PeriodBreach>,
}

impl fmt::Display for PeriodCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.breaches.is_empty() {
            writeln!(f, "no period limit breached")?;
        }
        for b in &self.breaches {
            writeln!(
                f,
                "{} {:?}: value {} crossed {}",
                b.rule, b.severity, b.value, b.threshold
            )?;
        }
        Ok(())
    }
}

/// `guard check-policy`: a valid policy file's contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyCheck {
    /// The policy file.
    pub file: String,
    /// Always true (an invalid policy is an error, exit 3).
    pub valid: bool,
    /// The configured symbols.
    pub symbols: Vec<String>,
    /// Per-order limits.
    pub pre_trade: PreTradeLimits,
    /// Period limits.
    pub period: PeriodLimits,
    /// Whether the exposure policy is on.
    pub exposure_enabled: bool,
}

impl fmt::Display for PolicyCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: valid ({} symbols{})",
            self.file,
            self.symbols.len(),
            if self.exposure_enabled {
                ", exposure policy on"
            } else {
                ""
            }
        )
    }
}

/// `guard journal stats`: decisions, denials and violations of a journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalStatsDoc {
    /// The journal directory.
    pub dir: String,
    /// Decision records.
    pub trades: u64,
    /// Denied decisions.
    pub denials: u64,
    /// Violation records.
    pub violations: u64,
    /// (denials + violations) × 1000 ÷ trades; `None` without trades.
    pub violations_per_1000_trades: Option<f64>,
    /// Lines that did not parse.
    pub skipped_lines: usize,
}

impl JournalStatsDoc {
    /// The document of `stats` of the journal in `dir`.
    pub fn of(dir: &std::path::Path, stats: &JournalStats, skipped_lines: usize) -> Self {
        JournalStatsDoc {
            dir: dir.display().to_string(),
            trades: stats.trades,
            denials: stats.denials,
            violations: stats.violations,
            violations_per_1000_trades: stats.per_1000,
            skipped_lines,
        }
    }
}

impl fmt::Display for JournalStatsDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.violations_per_1000_trades {
            Some(v) => write!(
                f,
                "{v:.3} violations per 1000 trades ({} trades, {} denials, {} violation records)",
                self.trades, self.denials, self.violations
            ),
            None => write!(f, "no trades journaled"),
        }
    }
}

/// `guard journal tail`: the last entries of a journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalTail {
    /// The journal directory.
    pub dir: String,
    /// The last entries, oldest first.
    pub entries: Vec<Entry>,
    /// Entries in the journal.
    pub total: usize,
    /// Lines that did not parse.
    pub skipped_lines: usize,
}
