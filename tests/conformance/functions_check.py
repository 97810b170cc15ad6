#!/usr/bin/env python3
"""Shared checker of tests/conformance/functions.json for the runners written outside Rust (Python, C).

A runner's answers are a dict id -> {"value": x} | {"values": {...}} | {"error": Kind}, floats encoded as in the
file. `check(doc, answers, only)` compares them with the file's `expect` (within the file's `ulps` bound per
function: other CPUs; 0 with TRADEWARDEN_SIMD=scalar) and returns the list of mismatches; `identical(a, b)`
requires two doors' answers on the same machine to be bit-for-bit equal.

  functions_check.py c-cases OUT.tsv                 the cases as lines a C program reads without a JSON parser
  functions_check.py c-answers FILE.tsv RUST.json   check the C runner's answers
  (both used by scripts/test.d/42-conformance.sh)
"""
import json
import math
import os
import pathlib
import struct
import sys

FILE = pathlib.Path(__file__).with_name("functions.json")


def load(path=FILE):
    return json.loads(pathlib.Path(path).read_text())


def num(v):
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return float(v)


def enc(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _bits(x):
    return struct.unpack("<q", struct.pack("<d", x))[0]


def ulps(a, b):
    if math.isnan(a) and math.isnan(b):
        return 0
    if _bits(a) == _bits(b):
        return 0
    if math.isnan(a) or math.isnan(b) or math.copysign(1, a) != math.copysign(1, b):
        return 1 << 63
    return abs(_bits(a) - _bits(b))


def compare(cid, want, got, bound, partial=False):
    """Mismatch messages of one answer against one expectation (`partial`: a door that returns only some of
    a record's fields — C's `tw_summary` — is compared on those, each of which must be expected)."""
    if "error" in want or "error" in got:
        return [] if want.get("error") == got.get("error") else [f"{cid}: got {got}, expected {want}"]
    # a document (JSON, no NaN), a digest or a text artefact: equal, exactly
    for key in ("document", "sha256", "text"):
        if key in want or key in got:
            if want.get(key) != got.get(key):
                return [f"{cid}: {key} {got.get(key)!r:.300}, expected {want.get(key)!r:.300}"]
    if "values" not in want and "value" not in want:
        return []
    if "value" in want:
        if "value" not in got:
            return [f"{cid}: got {got}, expected a value"]
        pairs = [("value", want["value"], got["value"])]
    else:
        w, g = want["values"], got.get("values", {})
        missing = sorted(set(w) - set(g)) if not partial else sorted(set(g) - set(w))
        if missing or (not g and (w or partial)):  # no values at all: only where none are expected
            return [f"{cid}: values {missing} not in both, got {sorted(g)}"]
        pairs = [(k, w[k], g[k]) for k in (g if partial else w)]
    out = []
    for name, a, b in pairs:
        d = ulps(num(a), num(b))
        if d > bound:
            out.append(f"{cid} {name}: expected {num(a)!r}, got {num(b)!r} ({d} ulps > {bound})")
    return out


def check(doc, answers, only=None, partial=False):
    """Every case whose function is in `only` (all when None) against the file."""
    exact = os.environ.get("TRADEWARDEN_SIMD") == "scalar"
    bad, n = [], 0
    for c in doc["cases"]:
        if only is not None and c["fn"] not in only:
            continue
        n += 1
        if c["id"] not in answers:
            bad.append(f"{c['id']}: no answer")
            continue
        bound = 0 if exact else doc["ulps"].get(c["fn"], 0)
        bad += compare(c["id"], c["expect"], answers[c["id"]], bound, partial)
    return n, bad


def identical(mine, theirs, ids, partial=False):
    """Bit-for-bit equality of two doors' answers on the same machine."""
    bad = []
    for cid in ids:
        bad += (compare(cid, theirs[cid], mine[cid], 0, partial) if cid in theirs
                else [f"{cid}: not answered by the other door"])
    return bad


def read_c_answers(path):
    """The C runner's output: `id<TAB>value<TAB>x`, `id<TAB>values<TAB>k=x,k=x`, `id<TAB>error<TAB>Kind`
    (floats as C's %a hex, exact), or `id<TAB>skip<TAB>why` for a case the C door cannot express (an option
    C does not have): those are returned apart, as {id: why}."""
    out, skipped = {}, {}
    for line in pathlib.Path(path).read_text().splitlines():
        cid, kind, rest = line.split("\t")
        if kind == "skip":
            skipped[cid] = rest
        elif kind == "error":
            out[cid] = {"error": rest}
        elif kind == "value":
            out[cid] = {"value": enc(float.fromhex(rest))}
        else:
            out[cid] = {"values": {k: enc(float.fromhex(v)) for k, v in (kv.split("=") for kv in rest.split(","))}}
    return out, skipped


# Functions the C ABI does not bind (research and report functions: Rust and Python; docs/conformance.md):
# not written for the C runner (their inputs hold strings and lists).
NOT_IN_C = {f"returns.{f}" for f in ("probabilistic_sharpe_ratio", "deflated_sharpe_ratio", "min_track_record_length",
                                     "bootstrap_ci", "pbo", "state", "attribution", "operations_summary",
                                     "html_report")}


def write_c_cases(path):
    """`CASE id fn`, `OPT key value` (value `none` for null), `ARR arg n x...` (floats as hex), `END`;
    tab-separated."""
    doc = load()
    lines = []
    for c in doc["cases"]:
        if c["fn"] in NOT_IN_C:
            continue
        lines.append(f"CASE\t{c['id']}\t{c['fn']}")
        for k, v in c.get("options", {}).items():
            v = "none" if v is None else (float(num(v)).hex() if not isinstance(v, str) or v in ("nan", "inf", "-inf")
                                          else v)
            lines.append(f"OPT\t{k}\t{v}")
        for arg, name in c["args"].items():
            xs = [float(num(x)).hex() for x in doc["inputs"][name]]
            lines.append("\t".join(["ARR", arg, str(len(xs))] + xs))
        lines.append("END")
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def main(argv):
    if len(argv) == 3 and argv[1] == "c-cases":
        write_c_cases(argv[2])
        return 0
    if len(argv) != 4 or argv[1] != "c-answers":
        print(__doc__, file=sys.stderr)
        return 2
    doc = load()
    mine, skipped = read_c_answers(argv[2])
    rust = json.loads(pathlib.Path(argv[3]).read_text())
    fns = {c["fn"] for c in doc["cases"] if c["id"] in mine}
    # every case of a function C binds is answered, or said to be inexpressible in C
    cases = [c for c in doc["cases"] if c["id"] not in skipped]
    # C answers the other metrics with fields of its one-pass tw_summary: bit for bit the Rust summary's field
    # (`ID@tw_summary` in the Rust answers), and within the file's `c_summary_ulps` of the function's value
    via_summary = {c["id"] for c in cases if c.get("capability") == "returns.other_metrics"}
    n, bad = check({**doc, "cases": [c for c in cases if c["id"] not in via_summary]}, mine, only=fns, partial=True)
    exact = os.environ.get("TRADEWARDEN_SIMD") == "scalar"
    for c in cases:
        if c["id"] in via_summary and c["fn"] in fns:
            n += 1
            bound = doc["c_summary_ulps"].get(c["fn"], 0) + (0 if exact else doc["ulps"].get(c["fn"], 0))
            bad += (compare(c["id"], c["expect"], mine[c["id"]], bound) if c["id"] in mine
                    else [f"{c['id']}: no answer"])
    bad += identical(mine, {k.replace("@tw_summary", ""): v for k, v in rust.items() if k.endswith("@tw_summary")},
                     sorted(via_summary & set(mine)))
    bad += identical(mine, rust, sorted(set(mine) - via_summary), partial=True)
    if n == 0:
        bad.append("the C runner answered no case")
    for b in bad:
        print("MISMATCH", b)
    print(f"C runner: {n} cases of {len(fns)} functions against the file, {len(mine)} bit-compared with Rust, "
          f"{len(skipped)} not expressible in C: {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
