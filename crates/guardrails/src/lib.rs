//! # tradewarden-guardrails
//!
//! Risk guardrails for ML trading systems:
//!
//! - [`policy`]: one validated policy document (pre-trade limits, period
//!   limits, exposure policy);
//! - [`engine`]: `check_order` — allow / clip / deny with a reason, no heap
//!   allocation per order;
//! - [`session`]: [`Session`], the one object every door (Python, C, CLI)
//!   wraps: engine + state + kill switch + journal + period limits +
//!   high-water mark + overrides;
//! - [`state`]: the latched trading state ACTIVE → REDUCING → HALTED → KILLED,
//!   persisted atomically, with the `KILL_SWITCH` file;
//! - [`period`]: hourly/daily loss, drawdown, slippage, fill-rate … limits
//!   with warning and critical levels;
//! - [`exposure`]: exposure metrics over a trade log and the clip/warn policy;
//! - [`journal`]: append-only JSONL audit journal with rotation;
//! - [`canary`]: canary stage machine (Quant Bot, Autotrader presets), shadow gates
//!   with GREEN/AMBER/RED rating, statistical canary judge (Mann–Whitney U);
//! - [`promotion`]: promotion gates, drift guard, rollback plan as data;
//! - [`rollback`]: the persisted canary ladder and the rollback executor
//!   (kill switch, model restore, learning freeze, size override) as
//!   [`Session`] methods;
//! - [`telemetry`]: every metric name this crate emits.
//!
//! ```
//! use tradewarden_guardrails::{Engine, Policy, StateStore, TradingState};
//! let dir = tempfile::tempdir().unwrap();
//! let mut store = StateStore::open(dir.path()).unwrap();
//! let policy = Policy::from_toml("[symbols.ES]\n").unwrap();
//! let mut engine = Engine::new(&policy, 100_000.0).unwrap();
//! engine.sync_state(&store);
//! assert_eq!(engine.state(), TradingState::Halted); // fresh directory: halted
//! store.manual_reset(TradingState::Active, "ops", "start of day").unwrap();
//! engine.sync_state(&store);
//! assert_eq!(engine.state(), TradingState::Active);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod canary;
pub mod engine;
pub mod error;
pub mod exposure;
pub mod journal;
pub mod period;
pub mod policy;
pub mod promotion;
pub mod rollback;
pub mod session;
pub mod state;
pub mod telemetry;

pub use engine::{Decision, DenyReason, Engine, Order, Side, SymbolId};
pub use error::{Error, Result};
pub use policy::{
    Ceiling, Enforcement, ExposurePolicy, Floor, OnMissing, Oversize, PeriodLimits, Policy,
    PreTradeLimits, RateLimit, SymbolSpec,
};
pub use session::{DecisionLog, Overrides, Session, SessionConfig, SessionCounts};
pub use state::{KillSwitch, LoadOutcome, StateRecord, StateStore, TradingState};
