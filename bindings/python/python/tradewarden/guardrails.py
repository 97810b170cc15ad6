"""Risk guardrails: policy, pre-trade checks, latched state and kill switch, journal,
exposure metrics, canary stages and promotion gates.

    import tradewarden.guardrails as tg
    policy = tg.Policy.from_file("policy.toml")          # or from_dict / from_str
    engine = tg.Engine(policy, equity=100_000, state_dir="state/")
    engine.reset(who="ops", why="start of day")           # a fresh state directory starts HALTED
    d = engine.check_order("ES", "buy", 2, 5000.0)
    if d.allowed: send(d.quantity)

Every rule and number lives in the Rust crate (``docs/guardrails.md``); this
module converts arguments and results.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from . import _native
from ._tables import as_1d, raw_columns, strings, unix_seconds
from .errors import InvalidInputError

__all__ = [
    "Policy", "Engine", "OrderDecision", "read_journal", "exposure_metrics", "CanaryMachine", "traffic_canary",
    "rate_gates", "judge", "promotion_gates", "drift_guard",
]


class Policy:
    """A validated guardrails policy (pre-trade limits, symbols, period limits, exposure policy)."""

    __slots__ = ("_p",)

    def __init__(self, native: "_native.Policy") -> None:
        self._p = native

    @classmethod
    def from_str(cls, text: str, format: str = "toml") -> "Policy":
        """Parses a document in ``format`` ('toml', 'json' or 'yaml')."""
        return cls(_native.Policy.parse(text, format))

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Policy":
        """A policy from plain Python data (the TOML document's structure)."""
        if not isinstance(d, dict):
            raise InvalidInputError(f"d must be a dict, got {type(d).__name__}")
        return cls(_native.Policy.parse(json.dumps(d), "json"))

    @classmethod
    def from_file(cls, path: Any) -> "Policy":
        """Loads a .toml / .json / .yaml policy file."""
        return cls(_native.Policy.load(os.fspath(path)))

    def to_dict(self) -> Dict[str, Any]:
        """The policy with every default filled in."""
        return json.loads(self._p.to_json())

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


class Engine:
    """Pre-trade checks for the policy's symbols.

    With ``state_dir`` the trading state is the persisted, latched one (ACTIVE → REDUCING → HALTED →
    KILLED, the ``KILL_SWITCH`` file); a fresh directory starts HALTED until :meth:`reset`. Without it the
    engine starts HALTED and :meth:`set_state` sets the state in memory. With ``journal_dir`` every decision
    (and every state transition) is appended to a JSONL audit journal.
    """

    __slots__ = ("_e", "_journal_dir")

    def __init__(self, policy: Policy, equity: float, *, state_dir: Any = None, journal_dir: Any = None,
                 journal_max_bytes: int = 64 * 1024 * 1024, journal_fsync: str = "every_100") -> None:
        if not isinstance(policy, Policy):
            raise InvalidInputError(f"policy must be a Policy, got {type(policy).__name__}")
        self._journal_dir = None if journal_dir is None else os.fspath(journal_dir)
        self._e = _native.Engine(policy._p, float(equity), None if state_dir is None else os.fspath(state_dir),
                                 self._journal_dir, int(journal_max_bytes), journal_fsync)

    def check_order(self, symbol: str, side: str, quantity: float, price: float,
                    reference_price: Optional[float] = None, data_timestamp: Optional[float] = None,
                    timestamp: Optional[float] = None, confidence: Optional[float] = None) -> OrderDecision:
        """Checks one order (``side`` 'buy' / 'sell', ``quantity`` > 0). Timestamps are unix seconds
        (default: now); ``reference_price`` defaults to ``price``."""
        return OrderDecision(*self._e.check_order(symbol, side, float(quantity), float(price), reference_price,
                                                  data_timestamp, timestamp, confidence))

    @property
    def state(self) -> str:
        """ACTIVE, REDUCING, HALTED or KILLED."""
        return self._e.state()

    def set_state(self, state: str) -> None:
        """Sets the state of an engine without ``state_dir``."""
        self._e.set_state(state)

    def sync(self) -> str:
        """Re-reads the persisted state (notices a KILL_SWITCH written by another process)."""
        return self._e.sync()

    def kill(self, reason: str, activated_by: str = "python") -> None:
        """Engages the kill switch: writes KILL_SWITCH, persists KILLED."""
        self._e.kill(reason, activated_by)

    def reset(self, who: str, why: str, to: str = "ACTIVE") -> None:
        """Named manual reset (refused while the KILL_SWITCH file exists)."""
        self._e.reset(who, why, to)

    def escalate(self, to: str, reason: str) -> bool:
        """Latches a more severe state; False when already as severe."""
        return self._e.escalate(to, reason)

    def set_equity(self, equity: float) -> None:
        """Equity for the leverage limits."""
        self._e.set_equity(float(equity))

    def set_position(self, symbol: str, quantity: float, mark: float) -> None:
        """Sets a position and its mark price."""
        self._e.set_position(symbol, float(quantity), float(mark))

    def on_fill(self, symbol: str, side: str, quantity: float, price: float) -> None:
        """Applies a fill."""
        self._e.on_fill(symbol, side, float(quantity), float(price))

    def position(self, symbol: str) -> float:
        """A symbol's position."""
        return self._e.position(symbol)

    @property
    def gross_exposure(self) -> float:
        """Σ |position × mark|."""
        return self._e.gross_exposure()

    def journal(self) -> List[Dict[str, Any]]:
        """The journal's entries (needs ``journal_dir``)."""
        if self._journal_dir is None:
            raise InvalidInputError("journal_dir was not given to this Engine")
        return read_journal(self._journal_dir)[0]


def read_journal(dir: Any) -> Tuple[List[Dict[str, Any]], int]:
    """Entries of a journal directory (rotated files first) and the number of unparseable lines skipped."""
    text, skipped = _native.read_journal(os.fspath(dir))
    return json.loads(text), skipped


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
        return json.loads(_native.exposure_metrics_arrow(trades, float(capital), float(tail_percentile),
                                                         json.dumps(names)))
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
        self._m = _native.CanaryMachine(None if config is None else json.dumps(config))

    def evaluate(self, **observation: Any) -> Dict[str, Any]:
        """Evaluates the current stage. Observation keys: days, real_pnl, sim_pnl, drawdown, slippage_ratio,
        critical_alerts, precision, baseline_precision. Returns {stage, checks, action}."""
        return json.loads(self._m.evaluate(json.dumps(observation)))

    def apply(self, action: Dict[str, Any]) -> None:
        """Applies an evaluation's ``action`` (advance / hold / rollback / complete)."""
        self._m.apply(json.dumps(action))

    @property
    def index(self) -> int:
        """Current stage index."""
        return self._m.index()

    @property
    def stage(self) -> Dict[str, Any]:
        """Current stage spec."""
        return json.loads(self._m.stage())

    @property
    def rolled_back(self) -> bool:
        """Whether a rollback was applied."""
        return self._m.rolled_back()


def traffic_canary(index: int, error_rate: float, p99_latency_s: float, sharpe: float, baseline_sharpe: float,
                   config: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Traffic-canary triggers at stage ``index``: {'action': 'advance', 'to': share} or
    {'action': 'rollback', 'triggers': [...]}. Non-finite inputs roll back."""
    return json.loads(_native.traffic_canary(int(index), float(error_rate), float(p99_latency_s), float(sharpe),
                                             float(baseline_sharpe), None if config is None else json.dumps(config)))


def rate_gates(observed: Dict[str, float], specs: Optional[List[Dict[str, Any]]] = None,
               green_margin: float = 0.2) -> Tuple[List[Dict[str, Any]], str]:
    """GREEN/AMBER/RED shadow gates (default: Quant Bot's) and the verdict
    (PROMOTE, PROMOTE_WITH_CAUTION, HOLD, REJECT)."""
    gates, verdict = _native.rate_gates({str(k): float(v) for k, v in observed.items()},
                                        None if specs is None else json.dumps(specs), float(green_margin))
    return json.loads(gates), json.loads(verdict)


def judge(config: Dict[str, Any], baseline: Dict[str, Any], canary: Dict[str, Any]) -> Dict[str, Any]:
    """Statistical canary judge (Mann–Whitney U per metric, Kayenta-style score and verdict)."""
    def conv(d: Dict[str, Any], name: str) -> Dict[str, List[float]]:
        return {str(k): as_1d(v, f"{name}[{k!r}]").tolist() for k, v in d.items()}

    return json.loads(_native.judge(json.dumps(config), conv(baseline, "baseline"), conv(canary, "canary")))


def promotion_gates(walk_forward_returns: Any, trade_pnls: Any, gates: Optional[Dict[str, Any]] = None, *,
                    trial_sharpes: Any = None, returns_matrix: Any = None) -> Dict[str, Any]:
    """Promotion gates (default: Autotrader's Sharpe > 2, |DD| < .15, win rate > .55, trades > 100) →
    {'checks': [...], 'passed': bool}. ``returns_matrix`` (periods × strategies) feeds the PBO gate."""
    values, rows, cols = None, 0, 0
    if returns_matrix is not None:
        m = np.asarray(returns_matrix.to_numpy() if hasattr(returns_matrix, "to_numpy") else returns_matrix,
                       dtype=np.float64)
        if m.ndim != 2:
            raise InvalidInputError(f"returns_matrix must be 2-D, got shape {m.shape}")
        rows, cols = m.shape
        values = np.ascontiguousarray(m.ravel(order="C"))
    return json.loads(_native.promotion_gates(
        as_1d(walk_forward_returns, "walk_forward_returns"), as_1d(trade_pnls, "trade_pnls"),
        None if gates is None else json.dumps(gates),
        None if trial_sharpes is None else as_1d(trial_sharpes, "trial_sharpes"), values, rows, cols))


def drift_guard(score_drop: float, accuracy_drop: float, config: Optional[Dict[str, Any]] = None) -> str:
    """'continue', 'shadow_mode' or 'rollback_recommended' (NaN drops fail closed)."""
    return json.loads(_native.drift_guard(float(score_drop), float(accuracy_drop),
                                          None if config is None else json.dumps(config)))
