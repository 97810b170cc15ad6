#!/usr/bin/env python3
"""Shared checker of tests/conformance/drift_cases.json for the runners written outside Rust (Python, C).

An answer is {"error": Kind} or {"values": {...}}: top-level floats as numbers or "nan"/"inf"/"-inf", bytes as
hex, documents (reports, KS intervals, monitor steps) as JSON values with non-finite floats as null — as the
Rust runner (tests/conformance_drift.rs) writes them. `check(doc, answers, fns)` compares a door's answers with
the file's `expect`; `identical(mine, rust, ids)` with the Rust runner's answers on this machine. Both are exact
(the drift functions have no SIMD-dependent bits: docs/conformance.md). A door that does not offer part of a
case (C writes no JSON profile) answers a subset of the values: `partial` compares the keys it gives.

  drift_check.py c-cases OUT.tsv DIR                  the cases as lines the C runner reads (no JSON parser);
                                                      the artefacts it loads as files under DIR
  drift_check.py c-answers FILE.tsv RUST.json         check the C runner's answers
  (both used by scripts/test.d/44-conformance-drift.sh)
"""
import json
import math
import pathlib
import sys

from functions_check import enc, num  # the file format's float codec, one definition

FILE = pathlib.Path(__file__).with_name("drift_cases.json")
# the capabilities the C door offers (docs/conformance.md: the others are Rust and Python)
C_FUNCTIONS = {"drift.profile", "drift.profile_persisted", "drift.report", "drift.score_state", "drift.monitor",
               "drift.scorer"}
# what the C door cannot answer: a JSON profile is written by Rust and Python only (C reads both forms); the
# feature count of a loaded score state (C has no accessor; the corrupted states it loads fail anyway)
C_ABSENT = {"saved": lambda case: case.get("options", {}).get("format") == "json",
            "features": lambda case: case["fn"] == "drift.score_state"}


def load(path=FILE):
    return json.loads(pathlib.Path(path).read_text())


def canon(v):
    """A document as JSON would hold it: non-finite floats null, tuples lists."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, (list, tuple)):
        return [canon(x) for x in v]
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    return v


def same(a, b):
    """Exact equality of two answers' parts (floats by bits: 0.0 and -0.0 differ; int 1 equals float 1.0)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) \
                or not isinstance(b, (int, float)):
            return False
        return float(a) == float(b) and math.copysign(1, a) == math.copysign(1, b)
    return type(a) is type(b) and a == b


def unhex(s):
    return bytes.fromhex(s)


def artefact(case, doc):
    """The bytes a case loads: its own `artefact`, or a corrupted copy of its `source` case's."""
    if "source" not in case:
        return unhex(case["artefact"])
    src = next(c for c in doc["cases"] if c["id"] == case["source"])
    b = bytearray(unhex(src["artefact"]))
    how = case["corrupt"]
    if "flip" in how:
        b[how["flip"]] ^= 1
    if "truncate" in how:
        del b[how["truncate"]:]
    if "edit" in how:
        b = bytearray(bytes(b).decode().replace(how["edit"][0], how["edit"][1], 1).encode())
    return bytes(b)


def compare(cid, want, got, partial=None):
    """Mismatch messages of one answer against another (`partial`: the keys a door may leave out)."""
    if "error" in want or "error" in got:
        return [] if want.get("error") == got.get("error") else [f"{cid}: got {_short(got)}, expected {_short(want)}"]
    w, g = want["values"], got["values"]
    keys = set(w)
    if partial:
        keys -= partial
    if not keys <= set(g) or not set(g) <= set(w):
        return [f"{cid}: values {sorted(g)}, expected {sorted(keys)}"]
    return [f"{cid} {k}: got {_short(g[k])}, expected {_short(w[k])}" for k in sorted(g) if not same(w[k], g[k])]


def _short(x):
    t = json.dumps(x)
    return t if len(t) < 300 else t[:300] + "…"


# what the Python door cannot answer: the PSI of a profile fitted without its reference (the native Profile
# scores through its report, whose KS needs the reference)
PY_ABSENT = {"psi": lambda case: case["fn"] == "drift.profile_persisted" and "source" not in case
             and not case["options"]["profile"]["keep_reference"]}


def _absent(case, door):
    table = {"c": C_ABSENT, "python": PY_ABSENT}.get(door)
    return {k for k, f in table.items() if f(case)} if table else None


def expected(case):
    """The case's `expect`, with `"=artefact"` (bytes equal to the case's own artefact) written out."""
    e = case["expect"]
    if "values" not in e:
        return e
    return {"values": {k: (case["artefact"] if v == "=artefact" else v) for k, v in e["values"].items()}}


def check(doc, answers, fns, door=None):
    """`door`'s answers against the file (a case with `doors` runs through those only)."""
    bad, n = [], 0
    for c in doc["cases"]:
        if c["fn"] not in fns or (door and door not in c.get("doors", [door])):
            continue
        n += 1
        if c["id"] not in answers:
            bad.append(f"{c['id']}: no answer")
            continue
        bad += compare(c["id"], expected(c), answers[c["id"]], _absent(c, door))
    return n, bad


def identical(doc, mine, rust, door=None):
    by_id = {c["id"]: c for c in doc["cases"]}
    bad = []
    for cid in sorted(mine):
        bad += (compare(cid, rust[cid], mine[cid], _absent(by_id[cid], door)) if cid in rust
                else [f"{cid}: not answered by the Rust door"])
    return bad


def _f(v):
    return float(num(v)).hex()


def write_c_cases(path, art_dir):
    """Tab-separated lines: `CASE id fn`, `OPT key value` (floats as hex, lists as comma-separated hex), the
    columns `REF|CUR|COL name n x...` (COL: of the last `PART i`), monitor steps `PUSH name n x...`,
    `SCORE name`, `EMIT`, the artefact file `ART path`, `END`."""
    doc = load()
    art_dir = pathlib.Path(art_dir)
    art_dir.mkdir(parents=True, exist_ok=True)
    inputs = doc["inputs"]

    def arr(tag, name, key):
        xs = [_f(x) for x in inputs[key]]
        return "\t".join([tag, name, str(len(xs))] + xs)

    lines = []
    for c in doc["cases"]:
        if c["fn"] not in C_FUNCTIONS or "c" not in c.get("doors", ["c"]):
            continue
        lines.append(f"CASE\t{c['id']}\t{c['fn']}")
        o, a = c.get("options", {}), c["args"]
        flat = {"source": c["source"]} if "source" in c else {}
        for k, v in o.items():
            if isinstance(v, dict):
                for k2, v2 in v.items():
                    flat[f"{k}.{k2}"] = v2
            else:
                flat[k] = v
        for k, v in flat.items():
            if k.startswith("corrupt."):  # the artefact file is already the corrupted copy
                continue
            if isinstance(v, bool):
                v = str(int(v))
            elif isinstance(v, list):
                v = ",".join(_f(x) for x in v)
            elif isinstance(v, dict):  # psi_mode {"standard": {"epsilon": e}}
                v = "standard:" + _f(v["standard"]["epsilon"])
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and k.split(".")[-1] not in (
                    "bins", "window", "min_values", "cells", "large_sample"):
                v = _f(v)
            elif v is None:
                v = "none"
            elif v in ("nan", "inf", "-inf"):
                v = _f(v)
            lines.append(f"OPT\t{k}\t{v}")
        ref = a.get("reference")
        if isinstance(ref, str):
            lines.append(arr("REF", "x", ref))
        elif isinstance(ref, dict):
            for name, key in ref.items():
                lines.append(arr("REF", name, key))
        cur = a.get("current")
        if isinstance(cur, str):
            lines.append(arr("CUR", "x", cur))
        elif isinstance(cur, dict):
            for name, key in cur.items():
                lines.append(arr("CUR", name, key))
        for i, p in enumerate(a.get("partitions", [])):
            lines.append(f"PART\t{i}")
            for name, key in p.items():
                lines.append(arr("COL", name, key))
        for s in a.get("steps", []):
            if s[0] == "emit":
                lines.append("EMIT")
            elif s[0] == "push":
                lines.append(arr("PUSH", s[1], s[2]))
            else:
                lines.append(f"SCORE\t{s[1]}")
        if "artefact" in c or "source" in c:
            f = art_dir / f"{c['id']}.bin"
            f.write_bytes(artefact(c, doc))
            lines.append(f"ART\t{f}")
        lines.append("END")
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def read_c_answers(path):
    """`id<TAB>ok<TAB>{json values}` or `id<TAB>error<TAB>Kind`."""
    out = {}
    for line in pathlib.Path(path).read_text().splitlines():
        cid, kind, rest = line.split("\t", 2)
        out[cid] = {"error": rest} if kind == "error" else {"values": json.loads(rest)}
    return out


def main(argv):
    if len(argv) == 4 and argv[1] == "c-cases":
        write_c_cases(argv[2], argv[3])
        return 0
    if len(argv) != 4 or argv[1] != "c-answers":
        print(__doc__, file=sys.stderr)
        return 2
    doc = load()
    mine = read_c_answers(argv[2])
    rust = json.loads(pathlib.Path(argv[3]).read_text())
    n, bad = check(doc, mine, C_FUNCTIONS, door="c")
    bad += identical(doc, mine, rust, door="c")
    if n < 80:
        bad.append(f"the C runner answered only {n} cases")
    for b in bad:
        print("MISMATCH", b)
    print(f"C runner: {n} drift cases against the file and bit-compared with Rust: {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
