#!/usr/bin/env python3
"""Helpers for runners without a JSON parser (the C runner): write the scenario's policy to a file, and compare
a state directory's journal (records without seq, ts, prev; rotated files first) and state file with the
scenario's ``expected``. Exit 0 when equal, 1 with a diff otherwise.

  guardrails_journal.py policy SCENARIO OUT_TOML
  guardrails_journal.py compare SCENARIO STATE_DIR
"""
import json
import pathlib
import re
import sys


def journal(dir: pathlib.Path) -> list:
    files = sorted((int(m.group(1)), p) for p in dir.iterdir()
                   if (m := re.fullmatch(r"journal\.(\d+)\.jsonl", p.name)))
    paths = [p for _, p in files] + ([dir / "journal.jsonl"] if (dir / "journal.jsonl").exists() else [])
    out = []
    for p in paths:
        for line in p.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                out.append({k: v for k, v in r.items() if k not in ("seq", "ts", "prev")})
    return out


def main(argv: list) -> int:
    cmd, scenario = argv[1], json.loads(pathlib.Path(argv[2]).read_text())
    if cmd == "policy":
        pathlib.Path(argv[3]).write_text(scenario["policy_toml"])
        return 0
    dir = pathlib.Path(argv[3])
    got, want = journal(dir), scenario["expected"]["journal"]
    state = json.loads((dir / "trading_state.json").read_text())["state"]
    ok = got == want and state == scenario["expected"]["state"] and not (dir / "KILL_SWITCH").exists()
    if not ok:
        print(f"state {state!r}, expected {scenario['expected']['state']!r}")
        for k in range(max(len(got), len(want))):
            g = got[k] if k < len(got) else None
            w = want[k] if k < len(want) else None
            if g != w:
                print(f"record {k}: got {g}\n          want {w}")
        return 1
    print(f"conformance: {len(got)} journal records and state {state} as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
