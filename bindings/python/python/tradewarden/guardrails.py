"""Risk guardrails: policy, the guardrails session (pre-trade checks, latched state and kill switch,
hash-chained journal, period limits, high-water mark, overrides), exposure metrics, canary stages and
promotion gates.

    import tradewarden.guardrails as tg
    policy = tg.Policy.from_file("policy.toml")          # or from_dict / from_str
    engine = tg.Engine(policy, equity=100_000, state_dir="state/")
    engine.reset(who="ops", why="start of day")           # a fresh state directory starts HALTED
    d = engine.check_order("ES", "buy", 2, 5000.0, reference_price=5000.25, data_timestamp=quote_ts)
    if d.allowed: send(d.quantity)

Every rule and number lives in the Rust crate (``docs/guardrails.md``); this
module converts arguments and results.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from . import _native
from ._tables import as_1d, raw_columns, strings, unix_seconds
from .errors import InvalidConfigError, InvalidInputError
from .returns import _int, _name, _real

__all__ = [
    "Policy", "Engine", "OrderDecision", "PeriodBreach", "evaluate_period", "read_journal", "verify_journal",
    "exposure_metrics", "ExposureViolation", "ExposureOutcome", "apply_exposure_policy", "CanaryMachine", "traffic_canary", "rate_gates", "judge", "promotion_gates", "drift_guard",
]


def _opt_real(name: str, value: Any) -> Optional[float]:
    return None if value is None else _real(name, value)


def _opt_name(name: str, value: Any) -> Optional[str]:
    return None if value is None else _name(name, value)


def _uint(name: str, value: Any) -> int:
    """A non-negative integer that fits u64; anything else is an InvalidInputError naming the parameter."""
    v = _int(name, value)
    if not 0 <= v < 2**64:
        raise InvalidInputError(f"{name} must be an integer in [0, 2^64), got {v}")
    return v


class Policy:
    """A validated guardrails policy (pre-trade limits, symbols, period limits, exposure policy)."""

    __slots__ = ("_p",)

    def __init__(self, native: "_native.Policy") -> None:
        self._p = native

    @classmethod
    def from_str(cls, text: str, format: str = "toml") -> "Policy":
        """Parses a document in ``format`` ('toml', 'json' or 'yaml')."""
        return cls(_native.Policy.parse(_name("text", text), _name("format", format)))

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Policy":
        """A policy from plain Python data (the TOML document's structure)."""
        if not isinstance(d, dict):
            raise InvalidInputError(f"d must be a dict, got {type(d).__name__}")
        # non-plain values: InvalidConfigError naming the policy; a NaN / ±inf limit: the policy's own
        # validation (InvalidConfigError naming the limit and the value), as from Rust
        return cls(_native.Policy.from_dict(d))

    @classmethod
    def from_file(cls, path: Any) -> "Policy":
        """Loads a .toml / .json / .yaml policy file."""
        return cls(_native.Policy.load(os.fspath(path)))

    def to_dict(self) -> Dict[str, Any]:
        """The policy with every default filled in."""
        return self._p.to_dict()

    def __repr__(self) -> str:
        return f"Policy(symbols={sorted(self.to_dict().get('symbols', {}))!r})"


class OrderDecision(NamedTuple):
    """Outcome of :meth:`Engine.check_order`: ``decision`` is 'allow', 'clip' or 'deny'; ``quantity`` the
    quantity that may be sent (0 when denied); ``reason`` the binding rule (None when allowed)."""

    decision: str
    quantity: float
    reason: Optional[str]

    @property
    def allowed(self) -> bool:
        """Whether any quantity may be sent."""
        return self.decision != "deny"


class PeriodBreach(NamedTuple):
    """One breached period limit (:meth:`Engine.evaluate_period`): ``value`` is NaN when the observation was
    missing and the policy's ``on_missing`` flags it; ``severity`` is 'warning' (→ REDUCING) or 'critical'
    (→ HALTED)."""

    rule: str
    value: float
    threshold: float
    severity: str

    def to_dict(self) -> Dict[str, Any]:
        """The breach as a plain dict."""
        return self._asdict()


class Engine:
    """The guardrails session: pre-trade checks, the latched trading state and kill switch, the hash-chained
    audit journal, period limits, the high-water mark and the operational overrides — one
    ``tradewarden_guardrails::Session`` (the same object the C library and the CLI wrap).

    With ``state_dir`` the state is the persisted, latched one (ACTIVE → REDUCING → HALTED → KILLED; any
    ``KILL_SWITCH`` entry means KILLED); a fresh or corrupt directory starts HALTED until :meth:`reset`. A
    watcher thread publishes other processes' kills and escalations within about ``watch_interval_s`` — no
    :meth:`sync` needed. The journal lives in ``state_dir``. Without ``state_dir`` the session is in memory
    (starts HALTED; :meth:`set_state`; nothing persisted, no journal).

    Options left ``None`` take the crate's defaults (journal rotation 64 MiB, fsync ``'every_100'``,
    decisions ``'all'``, watch interval 2 ms). ``journal_fsync``: 'always', 'never' or 'every_N';
    ``decisions``: 'all', 'not_allowed' or 'none'.

    ``journal_dir`` is deprecated: the journal is kept in ``state_dir``. Passing the same directory as
    ``state_dir`` warns; any other directory raises :class:`InvalidInputError`.
    """

    __slots__ = ("_e",)

    def __init__(self, policy: Policy, equity: float, *, state_dir: Any = None, journal: bool = True,
                 journal_max_bytes: Optional[int] = None, journal_fsync: Optional[str] = None,
                 decisions: Optional[str] = None, watch_interval_s: Optional[float] = None,
                 journal_dir: Any = None) -> None:
        if not isinstance(policy, Policy):
            raise InvalidInputError(f"policy must be a Policy, got {type(policy).__name__}")
        sd = None if state_dir is None else os.fspath(state_dir)
        if journal_dir is not None:
            jd = os.fspath(journal_dir)
            if sd is None or os.path.realpath(jd) != os.path.realpath(sd):
                raise InvalidInputError(
                    f"journal_dir = {jd!r} is no longer supported: the journal is kept in state_dir "
                    f"(state_dir = {sd!r}); drop journal_dir and read the journal from state_dir")
            warnings.warn("journal_dir is deprecated: the journal is kept in state_dir", DeprecationWarning,
                          stacklevel=2)
        self._e = _native.Engine(policy._p, _real("equity", equity), sd, bool(journal),
                                 None if journal_max_bytes is None else _uint("journal_max_bytes", journal_max_bytes),
                                 _opt_name("journal_fsync", journal_fsync), _opt_name("decisions", decisions),
                                 None if watch_interval_s is None else _real("watch_interval_s", watch_interval_s))

    def check_order(self, symbol: str, side: str, quantity: float, price: float,
                    reference_price: Optional[float] = None, data_timestamp: Optional[float] = None,
                    timestamp: Optional[float] = None, confidence: Optional[float] = None) -> OrderDecision:
        """Checks one order (``side`` 'buy' / 'sell', ``quantity`` > 0) and journals the decision.

        Timestamps are unix seconds. ``timestamp`` (the order's time, the engine clock) defaults to now.
        A missing ``data_timestamp`` or ``reference_price`` fails closed: denied ``stale_data`` while
        ``max_data_age_s`` is set, ``price_band`` while ``price_band_ratio`` is set, unless the policy opts out
        (``[pre_trade] allow_missing_data_timestamp`` / ``allow_missing_reference_price``). A missing
        ``confidence`` is denied ``low_confidence`` while ``min_confidence`` is set. Raises (and the order must
        not be sent) if the decision cannot be journaled."""
        return OrderDecision(*self._e.check_order(_name("symbol", symbol), _name("side", side),
                                                  _real("quantity", quantity), _real("price", price),
                                                  _opt_real("reference_price", reference_price),
                                                  _opt_real("data_timestamp", data_timestamp),
                                                  _opt_real("timestamp", timestamp),
                                                  _opt_real("confidence", confidence)))

    @property
    def state(self) -> str:
        """ACTIVE, REDUCING, HALTED or KILLED (the effective state: other processes' changes included)."""
        return self._e.state()

    def set_state(self, state: str) -> None:
        """Sets the state of an in-memory engine (with ``state_dir`` use :meth:`reset` / :meth:`escalate`)."""
        self._e.set_state(_name("state", state))

    def sync(self) -> str:
        """Re-reads the state directory now (the watcher does this continuously), retries persisting a kill or
        escalation that failed to persist, and returns the state."""
        return self._e.sync()

    def kill(self, reason: str, activated_by: str = "python") -> None:
        """Engages the kill switch: KILLED in memory first, then KILL_SWITCH, the state file, the journal.
        If a step fails the error is raised, but the engine stays KILLED."""
        self._e.kill(_name("reason", reason), _name("activated_by", activated_by))

    def reset(self, who: str, why: str, to: str = "ACTIVE") -> None:
        """Named manual reset (refused while a KILL_SWITCH entry exists: :meth:`remove_kill_switch` first)."""
        self._e.reset(_name("who", who), _name("why", why), _name("to", to))

    def escalate(self, to: str, reason: str) -> bool:
        """Latches a more severe state; False when already as severe (here and on disk). Never downgrades a
        more severe state written by another process."""
        return self._e.escalate(_name("to", to), _name("reason", reason))

    def remove_kill_switch(self, who: str, why: str) -> None:
        """Removes the KILL_SWITCH entry (journaled override); the state stays KILLED until :meth:`reset`."""
        self._e.remove_kill_switch(who, why)

    def set_size_override(self, fraction: float, who: str, why: str) -> None:
        """Scales every new order to ``fraction`` ∈ (0, 1] (clip reason ``'size_override'``; 1 = off).
        Persisted in ``state_dir`` and journaled."""
        self._e.set_size_override(_real("fraction", fraction), _name("who", who), _name("why", why))

    @property
    def size_override(self) -> float:
        """The position-size override fraction (1 = none)."""
        return self._e.size_override()

    def set_learning_frozen(self, frozen: bool, who: str, why: str) -> None:
        """Freezes or unfreezes model learning (persisted, journaled)."""
        self._e.set_learning_frozen(bool(frozen), who, why)

    @property
    def learning_frozen(self) -> bool:
        """Whether model learning is frozen."""
        return self._e.learning_frozen()

    def record_approval(self, who: str, why: str, what: str) -> int:
        """Records a human approval in the journal; its sequence number."""
        return self._e.record_approval(who, why, what)

    def set_equity(self, equity: float) -> None:
        """Equity for the leverage limits; tracks the high-water mark (persisted when it rises)."""
        self._e.set_equity(_real("equity", equity))

    @property
    def high_water_mark(self) -> Optional[float]:
        """The high-water mark of equity (persisted across restarts); None before any :meth:`set_equity`."""
        return self._e.high_water_mark()

    @property
    def counts(self) -> Dict[str, int]:
        """Counts since this engine opened: trades (decisions), denials, breaches."""
        trades, denials, breaches, _ = self._e.counts()
        return {"trades": trades, "denials": denials, "breaches": breaches}

    @property
    def violations_per_1000_trades(self) -> Optional[float]:
        """(denials + breaches) × 1000 ÷ trades since this engine opened; None before the first trade."""
        return self._e.counts()[3]

    def evaluate_canary(self, observation: Dict[str, Any], apply: bool = False) -> Dict[str, Any]:
        """Evaluates the current canary stage (Quant Bot ladder, persisted in ``state_dir``) on an observation
        (days, real_pnl, sim_pnl, drawdown — a positive fraction —, slippage_ratio, critical_alerts, precision,
        baseline_precision). With ``apply`` the ladder advances or rolls back; a failed stage runs the rollback
        plan on this engine (kill switch, learning freeze, 10 % size override). Returns
        ``{'evaluation', 'applied', 'rollback'}``."""
        return self._e.evaluate_canary(observation, bool(apply))

    def execute_rollback(self, reason: str, by: str, dry_run: bool = False) -> Dict[str, Any]:
        """Runs Quant Bot's rollback plan on this engine (at most 3 attempts, 300 s apart): kill switch, learning
        freeze, 10 % size override (the model restore is the registry's: ``tradewarden.inference.Registry``)."""
        return self._e.execute_rollback(reason, by, bool(dry_run))

    def evaluate_period(self, **observation: Optional[float]) -> List[PeriodBreach]:
        """Evaluates the policy's period limits. Observation keys: aum, hourly_pnl, daily_pnl, equity,
        high_water_mark (default: the tracked one), slippage_ratio, fill_rate, model_precision_ratio,
        confidence, data_age_s. Every breach is journaled; a critical breach latches HALTED, else a warning
        REDUCING. NaN/±inf values are critical breaches."""
        obs = {k: None if v is None else _real(k, v) for k, v in observation.items()}
        return [PeriodBreach(*b) for b in self._e.evaluate_period(**obs)]

    def set_position(self, symbol: str, quantity: float, mark: float) -> None:
        """Sets a position and its mark price."""
        self._e.set_position(_name("symbol", symbol), _real("quantity", quantity), _real("mark", mark))

    def on_fill(self, symbol: str, side: str, quantity: float, price: float) -> None:
        """Applies a fill."""
        self._e.on_fill(_name("symbol", symbol), _name("side", side), _real("quantity", quantity),
                        _real("price", price))

    def position(self, symbol: str) -> float:
        """A symbol's position."""
        return self._e.position(symbol)

    @property
    def gross_exposure(self) -> float:
        """Σ |position × mark|."""
        return self._e.gross_exposure()

    @property
    def state_dir(self) -> Optional[str]:
        """The state directory (None: in memory)."""
        d = self._e.state_dir()
        return None if d is None else os.fspath(d)

    @property
    def journal_dir(self) -> Optional[str]:
        """Where the journal is kept (the state directory; None when no journal is kept)."""
        d = self._e.journal_dir()
        return None if d is None else os.fspath(d)

    def journal(self) -> List[Dict[str, Any]]:
        """The journal's entries (needs ``state_dir`` and ``journal=True``)."""
        d = self._e.journal_dir()
        if d is None:
            raise InvalidInputError("this Engine keeps no journal (it needs state_dir and journal=True)")
        return read_journal(d)[0]


def _policy(policy: Any) -> "_native.Policy":
    if not isinstance(policy, Policy):
        raise InvalidInputError(f"policy must be a tradewarden.guardrails.Policy, got {type(policy).__name__}")
    return policy._p


def evaluate_period(policy: Policy, **observation: Optional[float]) -> List[PeriodBreach]:
    """The policy's period limits over one observation, without a session: nothing is latched, journaled or
    counted (``tradewarden_guardrails::period::evaluate``; :meth:`Engine.evaluate_period` is the latching one).

    Observation keys as for :meth:`Engine.evaluate_period` (there is no tracked high-water mark here: pass
    ``high_water_mark`` with ``equity``). ``model_precision_ratio`` is the live precision (a fraction in
    [0, 1], the value of the ``model_precision_ratio`` gauge), not a ratio to a baseline."""
    p = _policy(policy)
    obs = {k: None if v is None else _real(k, v) for k, v in observation.items()}
    return [PeriodBreach(*b) for b in _native.period_evaluate(p, **obs)]


class ExposureViolation(NamedTuple):
    """One exposure-policy violation: ``name`` e.g. 'gross_exposure_peak' or 'symbol_exposure:AAA'; ``value``
    NaN when a cap's group column is missing (then ``threshold`` is None)."""

    name: str
    value: float
    threshold: Optional[float]
    message: str


class ExposureOutcome(NamedTuple):
    """Result of :func:`apply_exposure_policy`: the nine exposure metrics after clipping, the violations left
    (every breach in warn mode), whether any row was scaled, the (possibly scaled) ``notional``, ``position`` and
    ``pnl`` columns in the input's row order (a clip scales all three), and the symbol / sector / factor exposures
    after clipping."""

    metrics: Dict[str, float]
    violations: List[ExposureViolation]
    scaled: bool
    notional: np.ndarray
    position: Optional[np.ndarray]
    pnl: np.ndarray
    exposures: Dict[str, Dict[str, float]]


def apply_exposure_policy(trades: Any, policy: Policy, *, timestamp: str = "timestamp", symbol: str = "symbol",
                          notional: str = "notional", position: str = "position", price: str = "price",
                          pnl: str = "pnl", sector: str = "sector", factor: str = "factor") -> ExposureOutcome:
    """Applies the policy's ``[exposure]`` section (clip in the seed's order, or warn) to a trade log
    (``tradewarden_guardrails::exposure::apply_policy``; Market NN Plus Ultra's exposure policy).

    ``trades``: pandas / polars DataFrame or dict of columns, as for :func:`exposure_metrics`, plus optional
    ``sector`` and ``factor`` columns (needed when sector / factor caps are set and enforcement is clip)."""
    p = _policy(policy)
    cols = dict(raw_columns(trades, "trades"))
    for need in (timestamp, symbol, pnl):
        if need not in cols:
            raise InvalidInputError(f"trades has no column {need!r} (columns: {sorted(cols)})")

    def opt(c: str) -> Optional[np.ndarray]:
        return as_1d(cols[c], f"trades[{c!r}]") if c in cols else None

    def opt_str(c: str) -> Optional[List[str]]:
        return strings(cols[c], f"trades[{c!r}]") if c in cols else None

    d = _native.exposure_apply_policy(p, unix_seconds(cols[timestamp], f"trades[{timestamp!r}]"),
                                      strings(cols[symbol], f"trades[{symbol!r}]"),
                                      as_1d(cols[pnl], f"trades[{pnl!r}]"), opt(notional), opt(position),
                                      opt(price), opt_str(sector), opt_str(factor))
    return ExposureOutcome(metrics=d["metrics"], violations=[ExposureViolation(*v) for v in d["violations"]],
                           scaled=d["scaled"], notional=d["notional"], position=d["position"],
                           pnl=d["pnl"], exposures=d["exposures"])


def read_journal(dir: Any) -> Tuple[List[Dict[str, Any]], int]:
    """Entries of a journal directory (rotated files first) and the number of unparseable lines skipped."""
    entries, skipped = _native.read_journal(os.fspath(dir))
    return entries, skipped


def verify_journal(dir: Any) -> Dict[str, Any]:
    """Verifies the journal's hash chain and sequence (streaming). Returns {'ok', 'message', 'files', 'records',
    'unchained', 'last_seq', 'problem', 'problem_file', 'problem_line'}; ``problem`` is None or a dict whose
    'problem' is 'edited', 'missing', 'reordered', 'unreadable' or 'torn_tail' (with the record's seq), and
    ``problem_file`` / ``problem_line`` (1-based) locate it; ``message`` is the crate's one-line summary. An
    edit of the very last record is not detectable from the journal alone."""
    d, ok, message = _native.verify_journal(os.fspath(dir))
    d["ok"] = ok
    d["message"] = message
    return d


def exposure_metrics(trades: Any, capital: float, tail_percentile: float = 5.0, *, timestamp: str = "timestamp",
                     symbol: str = "symbol", notional: str = "notional", position: str = "position",
                     price: str = "price", pnl: str = "pnl") -> Dict[str, float]:
    """The nine exposure metrics of a trade log (pandas / polars / pyarrow table or dict of columns).

    Columns (names configurable): timestamp (datetimes or unix seconds; rows grouped by it), symbol,
    notional — or position and price, notional = position × price —, pnl. A pyarrow Table or any
    ``__arrow_c_stream__`` producer is read through Arrow's C stream interface (integer, timestamp or date
    timestamps; utf8 symbols).
    """
    mod = type(trades).__module__
    if hasattr(type(trades), "__arrow_c_stream__") and not mod.startswith(("pandas", "polars")):
        # pyarrow tables and any Arrow PyCapsule stream: read by the crate through arrow's C stream interface
        names = {"timestamp": timestamp, "symbol": symbol, "notional": notional, "position": position,
                 "price": price, "pnl": pnl}
        return _native.exposure_metrics_arrow(trades, float(capital), float(tail_percentile), names)
    cols = dict(raw_columns(trades, "trades"))
    for need in (timestamp, symbol, pnl):
        if need not in cols:
            raise InvalidInputError(f"trades has no column {need!r} (columns: {sorted(cols)})")

    def opt(c: str) -> Optional[np.ndarray]:
        return as_1d(cols[c], f"trades[{c!r}]") if c in cols else None

    return _native.exposure_metrics(unix_seconds(cols[timestamp], f"trades[{timestamp!r}]"),
                                    strings(cols[symbol], f"trades[{symbol!r}]"),
                                    as_1d(cols[pnl], f"trades[{pnl!r}]"), float(capital), opt(notional),
                                    opt(position), opt(price), float(tail_percentile))


class CanaryMachine:
    """The canary stage ladder (default: Quant Bot's shadow → canary_1 → canary_2 → production)."""

    __slots__ = ("_m",)

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        self._m = _native.CanaryMachine(config)

    def evaluate(self, **observation: Any) -> Dict[str, Any]:
        """Evaluates the current stage. Observation keys: days, real_pnl, sim_pnl, drawdown, slippage_ratio,
        critical_alerts, precision, baseline_precision. Returns {stage, checks, action}."""
        return self._m.evaluate(observation)

    def apply(self, action: Dict[str, Any]) -> None:
        """Applies an evaluation's ``action`` (advance / hold / rollback / complete)."""
        self._m.apply(action)

    @property
    def index(self) -> int:
        """Current stage index."""
        return self._m.index()

    @property
    def stage(self) -> Dict[str, Any]:
        """Current stage spec."""
        return self._m.stage()

    @property
    def rolled_back(self) -> bool:
        """Whether a rollback was applied."""
        return self._m.rolled_back()


def traffic_canary(index: int, error_rate: float, p99_latency_s: float, sharpe: float, baseline_sharpe: float,
                   config: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Traffic-canary triggers at stage ``index``: {'action': 'advance', 'to': share} or
    {'action': 'rollback', 'triggers': [...]}. Non-finite inputs roll back."""
    return _native.traffic_canary(
        _uint("index", index), _real("error_rate", error_rate), _real("p99_latency_s", p99_latency_s),
        _real("sharpe", sharpe), _real("baseline_sharpe", baseline_sharpe), config)


def rate_gates(observed: Dict[str, float], specs: Optional[List[Dict[str, Any]]] = None,
               green_margin: float = 0.2) -> Tuple[List[Dict[str, Any]], str]:
    """GREEN/AMBER/RED shadow gates (default: Quant Bot's) and the verdict
    (PROMOTE, PROMOTE_WITH_CAUTION, HOLD, REJECT)."""
    if not isinstance(observed, dict):
        raise InvalidInputError(f"observed must be a dict of gate name to value, got {type(observed).__name__}")
    gates, verdict = _native.rate_gates({str(k): _real(f"observed[{k!r}]", v) for k, v in observed.items()},
                                        specs, _real("green_margin", green_margin))
    return gates, verdict


def judge(config: Dict[str, Any], baseline: Dict[str, Any], canary: Dict[str, Any]) -> Dict[str, Any]:
    """Statistical canary judge (Mann–Whitney U per metric, Kayenta-style score and verdict)."""
    def conv(d: Dict[str, Any], name: str) -> Dict[str, List[float]]:
        return {str(k): as_1d(v, f"{name}[{k!r}]").tolist() for k, v in d.items()}

    return _native.judge(config, conv(baseline, "baseline"), conv(canary, "canary"))


def promotion_gates(walk_forward_returns: Any, trade_pnls: Any, gates: Optional[Dict[str, Any]] = None, *,
                    trial_sharpes: Any = None, returns_matrix: Any = None) -> Dict[str, Any]:
    """Promotion gates (default: Autotrader's Sharpe > 2, |DD| < .15, win rate > .55, trades > 100) →
    {'checks': [...], 'passed': bool}. ``returns_matrix`` (periods × strategies) feeds the PBO gate."""
    m = None
    if returns_matrix is not None:
        m = np.asarray(returns_matrix.to_numpy() if hasattr(returns_matrix, "to_numpy") else returns_matrix,
                       dtype=np.float64)
        if m.ndim != 2:
            raise InvalidInputError(f"returns_matrix must be 2-D, got shape {m.shape}")
        if not (m.flags.c_contiguous or m.flags.f_contiguous):
            m = np.ascontiguousarray(m)  # the native side reads C or Fortran order as it is
    return _native.promotion_gates(
        as_1d(walk_forward_returns, "walk_forward_returns"), as_1d(trade_pnls, "trade_pnls"), gates,
        None if trial_sharpes is None else as_1d(trial_sharpes, "trial_sharpes"), m)


def drift_guard(score_drop: float, accuracy_drop: float, config: Optional[Dict[str, Any]] = None) -> str:
    """'continue', 'shadow_mode' or 'rollback_recommended' (NaN drops fail closed)."""
    return _native.drift_guard(_real("score_drop", score_drop), _real("accuracy_drop", accuracy_drop), config)
