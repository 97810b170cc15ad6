"""tradewarden.guardrails.Engine is a door over the crate's Session: fault injection and several
processes on one state directory (DESIGN.md, "Trust": attack the seams, cross-process truth)."""

import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

import tradewarden.guardrails as tg
from tradewarden.errors import InvalidInputError, StateError, TradewardenError

POLICY = """
[pre_trade]
max_order_quantity = 50.0
max_data_age_s = 5.0
price_band_ratio = 0.05

[symbols.AAA]
"""

T = dict(reference_price=10.0, data_timestamp=100.0, timestamp=100.0)  # a complete, fresh order


def _policy(text=POLICY):
    return tg.Policy.from_str(text)


def _active(state_dir, **kw):
    e = tg.Engine(_policy(), 10_000.0, state_dir=state_dir, **kw)
    e.reset(who="ops", why="start of day")
    assert e.state == "ACTIVE"
    return e


def _denied_within(e, seconds, reason):
    """Polls check_order (never sync) until it is denied for ``reason``; whether it was within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        d = e.check_order("AAA", "buy", 1, 10.0, **T)
        if d.reason == reason:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)


def _persisted(state_dir):
    with open(os.path.join(state_dir, "trading_state.json")) as f:
        return json.load(f)["state"]


# ---- the kill switch cannot be lost ----


def _unusable_lock(state_dir):
    """Makes every state transition fail with an I/O error (the advisory lock file is a directory), while
    the state file stays readable."""
    lock = state_dir / "state.lock"
    if lock.exists():
        lock.unlink()
    lock.mkdir()
    return lock


def test_kill_when_the_state_dir_is_unusable_raises_but_kills(tmp_path):
    state = tmp_path / "state"
    e = _active(state, decisions="none")  # decisions not journaled: the journal cannot be written either
    assert e.check_order("AAA", "buy", 1, 10.0, **T).allowed
    shutil.rmtree(state)
    state.write_text("not a directory")  # nothing under state/ can be created
    with pytest.raises(TradewardenError):
        e.kill("desk limit", activated_by="alice")
    assert e.state == "KILLED"
    assert e.check_order("AAA", "buy", 1, 10.0, **T) == ("deny", 0.0, "trading_killed")
    time.sleep(0.05)  # the watcher's view does not undo it
    assert e.state == "KILLED" and not e.check_order("AAA", "buy", 1, 10.0, **T).allowed
    # the directory comes back empty: still KILLED, and sync persists the kill that failed
    state.unlink()
    state.mkdir()
    time.sleep(0.05)
    assert e.state == "KILLED"
    assert e.sync() == "KILLED" and (state / "KILL_SWITCH").exists()
    assert tg.Engine(_policy(), 1.0, state_dir=state).state == "KILLED"


def test_kill_when_journaling_decisions_fails_never_allows(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    shutil.rmtree(state)
    state.write_text("not a directory")
    with pytest.raises(TradewardenError):
        e.kill("desk limit", activated_by="alice")
    assert e.state == "KILLED"
    with pytest.raises(TradewardenError):  # a decision that cannot be journaled is no decision
        e.check_order("AAA", "buy", 1, 10.0, **T)


def test_kill_when_the_state_file_cannot_be_written_raises_but_kills(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    lock = _unusable_lock(state)
    with pytest.raises(TradewardenError):
        e.kill("desk limit", activated_by="alice")
    assert e.state == "KILLED" and e.check_order("AAA", "buy", 1, 10.0, **T).reason == "trading_killed"
    assert (state / "KILL_SWITCH").exists()  # written first, before the step that failed
    assert tg.Engine(_policy(), 1.0, state_dir=state).state == "KILLED"
    lock.rmdir()
    assert e.sync() == "KILLED"


def test_kill_after_the_state_dir_was_removed(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    shutil.rmtree(state)
    try:
        e.kill("desk limit", activated_by="alice")
    except TradewardenError:
        pass  # whether a later step fails is the crate's business; the kill is not
    assert e.state == "KILLED" and e.check_order("AAA", "buy", 1, 10.0, **T).reason == "trading_killed"
    time.sleep(0.05)
    assert e.state == "KILLED"
    assert os.path.lexists(state / "KILL_SWITCH") and tg.Engine(_policy(), 1.0, state_dir=state).state == "KILLED"


def test_escalate_that_fails_to_persist_stays_in_force(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    lock = _unusable_lock(state)
    with pytest.raises(TradewardenError):
        e.escalate("REDUCING", "drawdown warning")
    assert e.state == "REDUCING"
    assert e.check_order("AAA", "buy", 1, 10.0, **T).reason == "reduce_only"
    time.sleep(0.05)  # the directory still says ACTIVE: the requested state stays in force
    assert e.state == "REDUCING" and _persisted(state) == "ACTIVE"
    with pytest.raises(TradewardenError):
        e.sync()  # the retry fails too
    lock.rmdir()
    assert e.sync() == "REDUCING" and _persisted(state) == "REDUCING"


def test_dangling_symlink_kill_switch_means_killed(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    assert e.check_order("AAA", "buy", 1, 10.0, **T).allowed
    os.symlink(tmp_path / "does-not-exist", state / "KILL_SWITCH")  # any entry named KILL_SWITCH
    assert _denied_within(e, 1.0, "trading_killed")  # seen by the watcher, no sync
    assert e.state == "KILLED"
    fresh = tg.Engine(_policy(), 1.0, state_dir=state)
    assert fresh.state == "KILLED"
    with pytest.raises(StateError):
        fresh.reset(who="ops", why="too early")
    with pytest.raises(InvalidInputError):
        fresh.remove_kill_switch(who="", why="")
    fresh.remove_kill_switch(who="ops", why="incident closed")
    assert not os.path.lexists(state / "KILL_SWITCH")
    fresh.reset(who="ops", why="resolved")
    assert fresh.state == "ACTIVE"


# ---- one truth across engines and processes ----


def test_two_engines_on_one_directory(tmp_path):
    state = tmp_path / "state"
    first = _active(state)
    other = tg.Engine(_policy(), 10_000.0, state_dir=state)
    assert other.state == "ACTIVE"
    assert first.check_order("AAA", "buy", 1, 10.0, **T).allowed
    assert other.escalate("HALTED", "other desk: loss limit")
    # a less severe escalation here, before or after the watcher noticed, never downgrades the disk
    assert not first.escalate("REDUCING", "drawdown warning")
    assert _persisted(state) == "HALTED" and first.state == "HALTED"
    assert _denied_within(first, 1.0, "trading_halted")
    assert first.sync() == "HALTED" and _persisted(state) == "HALTED"
    other.kill("stop", activated_by="bob")
    assert _denied_within(first, 1.0, "trading_killed") and first.state == "KILLED"


def test_two_engines_watcher_alone(tmp_path):
    """The other engine latches HALTED; this one denies within 1 s with no sync and no call of its own."""
    state = tmp_path / "state"
    first = _active(state)
    other = tg.Engine(_policy(), 10_000.0, state_dir=state)
    other.escalate("HALTED", "other desk: loss limit")
    assert _denied_within(first, 1.0, "trading_halted")
    assert not first.escalate("REDUCING", "drawdown warning")
    assert _persisted(state) == "HALTED"


_CHILD = textwrap.dedent("""
    import sys
    import tradewarden.guardrails as tg
    policy = tg.Policy.from_str(sys.argv[2])
    e = tg.Engine(policy, 10_000.0, state_dir=sys.argv[1])
    assert e.state == "ACTIVE", e.state
    if sys.argv[3] == "kill":
        e.kill("child process kill", activated_by="child")
    else:
        assert e.escalate(sys.argv[3], "child process escalation")
    print(e.state)
""")


def _child(state, what):
    r = subprocess.run([sys.executable, "-c", _CHILD, str(state), POLICY, what], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


def test_another_process_escalates_and_kills(tmp_path):
    state = tmp_path / "state"
    first = _active(state)
    assert first.check_order("AAA", "buy", 1, 10.0, **T).allowed
    assert _child(state, "HALTED") == "HALTED"
    assert _denied_within(first, 1.0, "trading_halted")
    assert not first.escalate("REDUCING", "drawdown warning")
    assert _persisted(state) == "HALTED"
    first.reset(who="ops", why="resumed")
    assert first.check_order("AAA", "buy", 1, 10.0, **T).allowed
    assert _child(state, "kill") == "KILLED"
    assert _denied_within(first, 1.0, "trading_killed")
    assert (state / "KILL_SWITCH").exists() and _persisted(state) == "KILLED"
    report = tg.verify_journal(state)  # both processes appended to one chain
    assert report["ok"], report
    actors = [x.get("actor") for x in first.journal() if x["kind"] == "transition"]
    assert "child" in actors and "system" in actors


# ---- missing inputs fail closed ----


def test_missing_data_timestamp_and_reference_price_fail_closed():
    e = tg.Engine(_policy(), 10_000.0)
    e.set_state("ACTIVE")
    assert e.check_order("AAA", "buy", 1, 10.0, **T) == ("allow", 1.0, None)
    assert e.check_order("AAA", "buy", 1, 10.0, reference_price=10.0, timestamp=100.0) == \
        ("deny", 0.0, "stale_data")
    assert e.check_order("AAA", "buy", 1, 10.0, reference_price=10.0) == ("deny", 0.0, "stale_data")
    assert e.check_order("AAA", "buy", 1, 10.0, data_timestamp=100.0, timestamp=100.0) == \
        ("deny", 0.0, "price_band")
    assert e.check_order("AAA", "buy", 1, 10.0) == ("deny", 0.0, "stale_data")
    # a given price outside the band, a given stale timestamp: still denied
    assert e.check_order("AAA", "buy", 1, 11.0, **T).reason == "price_band"


def test_missing_inputs_allowed_when_the_policy_opts_out():
    opt_out = POLICY.replace("[pre_trade]\n", "[pre_trade]\nallow_missing_data_timestamp = true\n"
                             "allow_missing_reference_price = true\n")
    e = tg.Engine(_policy(opt_out), 10_000.0)
    e.set_state("ACTIVE")
    assert e.check_order("AAA", "buy", 1, 10.0) == ("allow", 1.0, None)
    assert e.check_order("AAA", "buy", 1, 10.0, timestamp=100.0) == ("allow", 1.0, None)
    # opting out skips only the missing input: given values are still checked
    assert e.check_order("AAA", "buy", 1, 10.0, data_timestamp=90.0, timestamp=100.0).reason == "stale_data"
    assert e.check_order("AAA", "buy", 1, 11.0, reference_price=10.0).reason == "price_band"
    # without the limits nothing is missing
    plain = tg.Engine(tg.Policy.from_str("[pre_trade]\nmax_data_age_s = 5.0\n[symbols.AAA]\n"), 1.0)
    plain.set_state("ACTIVE")
    assert plain.check_order("AAA", "buy", 1, 10.0, data_timestamp=100.0, timestamp=100.0).allowed


# ---- journal, overrides, high-water mark ----


def test_decisions_are_journaled_and_the_chain_verifies(tmp_path):
    state = tmp_path / "state"
    e = _active(state, journal_fsync="always")
    e.check_order("AAA", "buy", 1, 10.0, **T)
    e.check_order("AAA", "buy", 80, 10.0, **T)
    e.check_order("AAA", "buy", 1, 10.0, reference_price=10.0)
    assert e.record_approval(who="carol", why="canary green", what="promote v2") > 0
    e.kill("end of test", activated_by="tester")
    entries = e.journal()
    decisions = [x for x in entries if x["kind"] == "decision"]
    assert [d["decision"]["decision"] for d in decisions] == ["allow", "clip", "deny"]
    assert decisions[2]["decision"]["reason"] == "stale_data" and decisions[0]["symbol"] == "AAA"
    kill = [x for x in entries if x["kind"] == "transition"][-1]
    assert (kill["to"], kill["actor"], kill["reason"]) == ("KILLED", "tester", "end of test")
    assert "approval" in [x["kind"] for x in entries]
    report = tg.verify_journal(state)
    assert report["ok"] and report["problem"] is None
    assert report["records"] == len(entries) and report["last_seq"] == entries[-1]["seq"]
    # an edit of any record but the last is found, with where it is
    path = state / "journal.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if '"decision"' in line and '"AAA"' in line)
    lines[i] = lines[i].replace('"AAA"', '"AAB"')
    path.write_text("".join(lines))
    bad = tg.verify_journal(state)
    assert not bad["ok"] and bad["problem"] == {"problem": "edited", "seq": json.loads(lines[i])["seq"]}
    assert (bad["problem_file"], bad["problem_line"]) == ("journal.jsonl", i + 1)
    assert "edited" in bad["message"] and "ok" in report["message"]


def test_size_override_and_learning_freeze_persist(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    assert e.size_override == 1.0 and not e.learning_frozen
    e.set_size_override(0.1, who="risk", why="canary rollback")
    assert e.size_override == 0.1
    assert e.check_order("AAA", "buy", 10, 10.0, **T) == ("clip", 1.0, "size_override")
    with pytest.raises(InvalidInputError, match="size_override"):
        e.set_size_override(0.0, who="risk", why="bad")
    assert e.size_override == 0.1
    e.set_learning_frozen(True, who="risk", why="drift")
    again = tg.Engine(_policy(), 10_000.0, state_dir=state)
    assert again.size_override == 0.1 and again.learning_frozen
    assert again.check_order("AAA", "buy", 10, 10.0, **T) == ("clip", 1.0, "size_override")
    overrides = [x["what"] for x in again.journal() if x["kind"] == "override"]
    assert "size override 0.1" in overrides and "learning frozen = true" in overrides


def test_high_water_mark_persists_and_feeds_period_limits(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    assert e.high_water_mark is None
    e.set_equity(120_000.0)
    e.set_equity(110_000.0)
    assert e.high_water_mark == 120_000.0
    with pytest.raises(InvalidInputError, match="equity"):
        e.set_equity(float("nan"))
    again = tg.Engine(_policy(), 100_000.0, state_dir=state)
    assert again.high_water_mark == 120_000.0
    assert again.evaluate_period(equity=115_000.0) == []  # 4.2 % drawdown from the persisted mark
    b = again.evaluate_period(equity=100_000.0)  # 16.7 % > 10 % critical
    assert [(x.rule, x.severity) for x in b] == [("max_drawdown_ratio", "critical")]
    assert b[0].value == pytest.approx(20_000.0 / 120_000.0) and b[0].threshold == 0.10
    assert b[0].to_dict()["rule"] == "max_drawdown_ratio"
    assert again.state == "HALTED" and _persisted(state) == "HALTED"
    assert again.counts["breaches"] == 1
    violations = [x for x in again.journal() if x["kind"] == "violation"]
    assert violations[-1]["rule"] == "max_drawdown_ratio"


def test_period_non_finite_and_missing_observations(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    b = e.evaluate_period(aum=1e6, daily_pnl=float("nan"))  # NaN reaches the crate: critical
    assert [(x.rule, x.severity) for x in b] == [("daily_loss_ratio", "critical")] and math.isnan(b[0].value)
    assert e.state == "HALTED"
    e.reset(who="ops", why="feed fixed")
    warn = e.evaluate_period(aum=1e6, daily_pnl=-12_000.0)
    assert [(x.rule, x.severity) for x in warn] == [("daily_loss_ratio", "warning")] and e.state == "REDUCING"
    with pytest.raises(TypeError):
        e.evaluate_period(no_such_observation=1.0)
    on_missing = tg.Engine(tg.Policy.from_str(POLICY + "\n[period]\non_missing = \"critical\"\n"), 1.0)
    on_missing.set_state("ACTIVE")
    missing = on_missing.evaluate_period()
    assert missing and all(math.isnan(x.value) and x.severity == "critical" for x in missing)
    assert on_missing.state == "HALTED"


# ---- fork: the watcher thread does not survive it ----


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_engine_used_in_a_forked_child_refuses_and_drops_cleanly(tmp_path):
    state = tmp_path / "state"
    e = _active(state)
    pid = os.fork()
    if pid == 0:  # child: the parent's engine refuses (it would never see another process's kill) ...
        code = 1
        try:
            try:
                e.check_order("AAA", "buy", 1, 10.0, **T)
            except StateError as x:
                ok = "open a new Engine" in str(x)
                del e  # ... and is dropped without joining the parent's thread
                child = tg.Engine(_policy(), 10_000.0, state_dir=state)  # a new one works
                ok = ok and child.check_order("AAA", "buy", 1, 10.0, **T).allowed
                code = 0 if ok else 3
        except BaseException:
            code = 2
        os._exit(code)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("forked child hung")
        time.sleep(0.01)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert e.check_order("AAA", "buy", 1, 10.0, **T).allowed  # the parent's engine is untouched


def test_canary_failure_runs_the_rollback_through_the_engine(tmp_path):
    """The canary store and rollback executor live in the library and are reachable from Python (issue 17:
    they were CLI-only): a failed stage kills, freezes learning and clips new orders to 10 %."""
    import tradewarden.guardrails as tg
    from tradewarden.errors import InvalidInputError

    e = tg.Engine(tg.Policy.from_str("[symbols.AAA]\n"), 1e6, state_dir=tmp_path)
    e.reset("ops", "start")
    obs = {"days": 1, "real_pnl": 0.0, "sim_pnl": 1.0, "drawdown": -0.05, "slippage_ratio": 1.0,
           "critical_alerts": 0, "precision": 0.9, "baseline_precision": 0.9}
    with pytest.raises(InvalidInputError, match="positive fraction"):
        e.evaluate_canary(obs)
    out = e.evaluate_canary(dict(obs, drawdown=0.01, critical_alerts=1), apply=True)
    assert out["applied"] and out["rollback"] is not None
    assert e.state == "KILLED" and e.learning_frozen and e.size_override == pytest.approx(0.1)
    e.remove_kill_switch("ops", "reviewed")
    e.reset("ops", "reviewed")
    d = e.check_order("AAA", "buy", 10.0, 100.0, reference_price=100.0, data_timestamp=1000.0, timestamp=1000.0)
    assert (d.decision, d.quantity, d.reason) == ("clip", pytest.approx(1.0), "size_override")
