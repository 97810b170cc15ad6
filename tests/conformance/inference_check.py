#!/usr/bin/env python3
"""Shared checker of the inference and telemetry case files (tests/conformance/inference_functions.json,
telemetry_recovery.json; written by make_inference.py) for the runners outside Rust (Python, C).

An answer is {"value": ...} or {"error": Kind}, floats encoded as in the files ("nan", "inf", "-inf" as strings).
Answers are compared exactly: every float by its bits (`canon`), -0.0 apart from 0.0.

  inference_check.py c-cases OUT.tsv                 the cases as lines a C program reads without a JSON parser
  inference_check.py c-answers FILE.tsv RUST.json [READS.tsv]   check the C runner's answers against the files
                        and, bit for bit, against the Rust runner's answers on this machine (READS: the C door's
                        reading of the registry the Rust door wrote)
  inference_check.py t-cases OUT.tsv                 telemetry_exporter.json's steps as lines
  inference_check.py t-answers FILE.tsv RUST.json DIR   check the C telemetry runner's answers (renders in DIR)
  (both used by scripts/test.d/47-conformance-inference.sh)
"""
import json
import math
import pathlib
import sys

from functions_check import enc, num  # the file format's float codec, one definition

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = HERE / "data"
FILES = ["inference_functions.json", "telemetry_recovery.json", "inference_predictor.json"]
REGISTRY = "inference_registry.json"


def cases():
    out = []
    for name in FILES:
        out += json.loads((HERE / name).read_text())["cases"]
    return out


def registry_cases():
    """The registry scenario's steps, in order (they share one registry)."""
    return json.loads((HERE / REGISTRY).read_text())["cases"]


def registry_reads():
    """What a door reads of a registry another door wrote (and of its own): as the Rust runner's `read_registry`."""
    reads = [{"op": "versions", "name": "m"}, {"op": "inventory", "name": "m"}, {"op": "active", "name": "m"},
             {"op": "versions", "name": "g"}]
    return reads + [c for c in registry_cases()
                    if c["op"] == "predict_active" and c["id"] != "registry.predict_gru_unpromoted"]


def normalize_inventory(v):
    """As the Rust runner's `normalize_inventory`: no registration times, files by name (not checksum: burnpack
    bytes are not reproducible), corrupt files by name."""
    return {"versions": [{"version": e["manifest"]["version"], "stage": e["manifest"]["stage"],
                          "active": e["active"], "last_good": e["last_good"], "signed": e["signed"],
                          "files": sorted(e["manifest"]["files"]), "metrics": e["manifest"]["metrics"],
                          "architecture": e["manifest"]["architecture"]} for e in v["versions"]],
            "corrupt": [{"version": c["version"], "file": c["path"].rsplit("/", 1)[-1]} for c in v["corrupt"]]}


def corrupt(root, step):
    """The test harness's `corrupt` step: one byte in the middle of a version's file flipped (as the C and Rust
    runners do it)."""
    path = pathlib.Path(root) / step["name"] / "versions" / step["version"] / step["file"]
    b = bytearray(path.read_bytes())
    b[len(b) // 2] ^= 0x5A
    path.write_bytes(bytes(b))


TELEMETRY = "telemetry_exporter.json"


def telemetry_cases(door=None):
    """The steps of telemetry_exporter.json (those `door` runs: a step with `doors` runs only there)."""
    cs = json.loads((HERE / TELEMETRY).read_text())["cases"]
    return [c for c in cs if door is None or door in c.get("doors", [door])]


def exposition(text):
    """As the Rust runner's `exposition`: family names and samples, sorted, without `build_info` and the
    `*_timestamp` gauges (the wall clock's)."""
    lines = text.splitlines()
    families = sorted(l[len("# TYPE "):].split()[0] for l in lines if l.startswith("# TYPE "))
    samples = sorted(l for l in lines if l and not l.startswith("#") and "build_info" not in l
                     and "_timestamp{" not in l)
    return {"families": families, "samples": samples}


def telemetry_line(c):
    fields = [c["id"], c["op"]]
    if c["op"] == "install":
        fields.append("config=" + json.dumps(c["config"], separators=(",", ":")))
    elif c["op"] == "monitor_emit":
        fields += [f"reference={_floats(c['reference'])}", f"current={_floats(c['current'])}",
                   f"window={c['options']['window']}", f"min_values={c['options']['min_values']}"]
    return "\t".join(fields)


def parse_telemetry_c(line, texts_dir):
    """(id, answer, rendered text or None) of one line of the C telemetry runner."""
    parts = line.rstrip("\n").split("\t")
    cid, status = parts[0], parts[1]
    if status == "ERR":
        return cid, {"error": parts[2]}, None
    kv = dict(p.split("=", 1) for p in parts[2:])
    if "textfile" in kv:
        text = (pathlib.Path(texts_dir) / kv["textfile"]).read_text()
        return cid, {"value": exposition(text)}, text
    if "n_scored" in kv:
        return cid, {"value": {"n_scored": int(kv["n_scored"]), "n_drifted": int(kv["n_drifted"])}}, None
    return cid, {"value": {"ok": True}}, None


def _mask_clock(text):
    """The lines of an exposition, the value of each `*_timestamp` sample (the wall clock's) masked."""
    return [l.rsplit(" ", 1)[0] + " <clock>" if "_timestamp{" in l and not l.startswith("#") else l
            for l in text.splitlines()]


def check_telemetry(answers, rust, door):
    """A door's telemetry answers (id -> answer, plus `id.text` for renders) against the file and, text
    included, against the Rust runner's on this machine."""
    bad = []
    for c in telemetry_cases(door.lower()):
        bad += compare(f"{door} {c['id']}", c["expect"], answers.get(c["id"]))
        bad += compare(f"{door} {c['id']} (vs Rust)", rust.get(c["id"]), answers.get(c["id"]))
        # the exporter orders families and series by hash (not stable from one process to the next): the texts
        # are compared as their sorted lines, HELP, TYPE and build_info included, timestamps' values masked
        t = c["id"] + ".text"
        lines = [sorted(_mask_clock(x.get(t) or "")) for x in (answers, rust)]
        if (t in rust or t in answers) and lines[0] != lines[1]:
            bad.append(f"{door} {c['id']}: exposition differs from the Rust door's:\n{answers.get(t)}\n---\n"
                       f"{rust.get(t)}")
    return bad


def canon(v):
    """A form in which equal means bit-identical: floats as their hex (ints stay ints)."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return "nan" if math.isnan(v) else v.hex()
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    raise TypeError(type(v))


def compare(cid, want, got):
    return [] if canon(want) == canon(got) else [f"{cid}: got {json.dumps(got)[:400]}, expected {json.dumps(want)[:400]}"]


def check(answers, only_fns=None):
    """(cases checked, mismatches) of `answers` (id -> answer) against the files' `expect`."""
    n, bad = 0, []
    for c in cases() + registry_cases():
        if only_fns is not None and c["fn"] not in only_fns:
            continue
        n += 1
        if c["id"] not in answers:
            bad.append(f"{c['id']}: no answer")
            continue
        bad += compare(c["id"], c["expect"], answers[c["id"]])
    return n, bad


def identical(a, b, ids):
    """Two doors' answers on the same machine: bit for bit."""
    return [m for i in ids for m in compare(i, b.get(i), a.get(i))]


def _floats(xs):
    return ",".join(num(x).hex() for x in xs)


def _s(x):
    return "~" if x is None else x


def c_line(c):
    f, a = c["fn"], c.get("args", {})
    fields = [c["id"], f]
    if f == "regime.classify":
        k = c["config"]
        cfg = "" if k is None else ",".join([str(k["window"])] + [num(k[x]).hex() for x in (
            "range_bound_max_vol", "range_bound_max_abs_momentum", "trend_min_abs_momentum", "volatile_min_vol",
            "volatile_min_range")])
        fields += [f"config={cfg}", f"high={_floats(a['high'])}", f"low={_floats(a['low'])}",
                   f"close={_floats(a['close'])}"]
    elif f == "sanity_guard.check":
        t = c["thresholds"]
        th = "" if t is None else _floats([t["max_move_from_last_close"], t["max_step_move"]])
        fields += [f"thresholds={th}", f"last_close={num(a['last_close']).hex()}",
                   f"forecast={_floats(a['forecast'])}"]
    elif f == "recovery.summary":
        k = c["config"]
        cfg = "" if k is None else f"{k['capacity']},{num(k['retention_seconds']).hex()},{k['recent_window']}," \
                                   f"{k['max_operations']}"
        fields += [f"config={cfg}", f"now={num(c['now']).hex()}"]
        for r in c["records"]:
            assert not any(ch in s for s in (r["operation"], r["error_type"] or "", r["recovery_strategy"] or "")
                           for ch in "|\t~"), r
            fields.append("rec=" + "|".join([num(r["at"]).hex(), r["operation"], str(int(r["success"])),
                                             num(r["duration_seconds"]).hex(), str(r["attempts"]),
                                             _s(r["error_type"]), _s(r["recovery_strategy"]),
                                             str(int(r["fallback_used"]))]))
    elif f == "predictor.run":
        fields.append("load=" + _model_spec(c["load"]))
        for st in c["steps"]:
            if st["op"] == "predict":
                fields.append("step=predict|" + "|".join(str(x) for x in st["shape"]) + "|" + _floats(st["features"]))
            else:
                fields.append(f"step=swap|{st['version']}|" + _model_spec(st))
    elif f == "registry.step":
        fields += [f"op={c['op']}", f"name={c['name']}"]
        if "version" in c:
            fields.append(f"version={c['version']}")
        if "model" in c:
            fields.append("model=" + _model_spec(c["model"]))
        for k, tag in (("key", "key"), ("verifying_key", "vk")):
            if k in c:
                fields.append(f"{tag}={DATA / c[k]}")
        if "file" in c:
            fields.append(f"file={c['file']}")
        for k in ("who", "why", "stage"):
            if k in c:
                assert not any(ch in c[k] for ch in "\t\n"), c
                fields.append(f"{k}={c[k]}")
        if "shape" in c:
            fields.append("predict=" + "|".join(str(x) for x in c["shape"]) + "|" + _floats(c["features"]))
    else:
        raise ValueError(f)
    return "\t".join(fields)


def _model_spec(spec):
    """format|absolute path|architecture JSON (the demo: just `demo`)."""
    if spec["format"] == "demo":
        return "demo"
    cfg = json.dumps(spec["config"], separators=(",", ":"))
    path = str(ROOT / spec["file"])
    assert not any(ch in x for x in (cfg, path) for ch in "|\t"), spec
    return f"{spec['format']}|{path}|{cfg}"


def recovery_answer(summary):
    """A summary without `uptime_seconds` (time since the tracker was created: the wall clock's)."""
    return {k: v for k, v in summary.items() if k != "uptime_seconds"}


def parse_c(line):
    """(id, answer) of one line of the C runner."""
    parts = line.rstrip("\n").split("\t")
    cid, status = parts[0], parts[1]
    if status == "ERR":
        return cid, {"error": parts[2]}
    kv = dict(p.split("=", 1) for p in parts[2:])
    if "regime" in kv:
        return cid, {"value": {"regime": kv["regime"], **{k: enc(float.fromhex(kv[k]))
                                                           for k in ("vol", "momentum", "range")}}}
    if "verdicts" in kv:
        v = kv["verdicts"].split(",") if kv["verdicts"] else []
        return cid, {"value": {"verdicts": v, "n_kept": int(kv["n_kept"])}}
    if "json" in kv:
        return cid, {"value": recovery_answer(json.loads(kv["json"]))}
    if "steps" in kv:
        steps = []
        for st in parts[3:]:
            k, _, rest = st.partition("=")
            if k == "error":
                steps.append({"error": rest})
            elif k == "ok":
                steps.append({"ok": True})
            else:
                version, _, xs = rest.partition("|")
                steps.append({"version": version, "outputs": [enc(float.fromhex(x)) for x in xs.split(",") if x]})
        assert len(steps) == int(kv["steps"]), line
        return cid, {"value": steps}
    if "error" in kv and "steps" not in kv:
        return cid, {"error": kv["error"]}
    if "ok" in kv:
        return cid, {"value": {"ok": True}}
    if "versions" in kv:
        return cid, {"value": kv["versions"].split(",") if kv["versions"] else []}
    if "inventory" in kv:
        return cid, {"value": normalize_inventory(json.loads(kv["inventory"]))}
    if "active" in kv:
        return cid, {"value": None if kv["active"] == "~" else kv["active"]}
    if "rolled" in kv:
        return cid, {"value": {"active": kv["rolled"]}}
    if "freeze" in kv:
        f = None if kv["freeze"] == "~" else json.loads(kv["freeze"])
        return cid, {"value": None if f is None else {"who": f["who"], "why": f["why"]}}
    if "out" in kv and "steps" not in kv:
        version, _, xs = kv["out"].partition("|")
        return cid, {"value": {"version": version, "outputs": [enc(float.fromhex(x)) for x in xs.split(",") if x]}}
    raise ValueError(line)


def main(argv):
    if argv[1] == "c-cases":
        pathlib.Path(argv[2]).write_text("".join(c_line(c) + "\n" for c in cases() + registry_cases()))
        # what a door reads of a registry (its own, another door's), as ids read.0, read.1, ...
        reads = [dict(r, id=f"read.{i}", fn="registry.step") for i, r in enumerate(registry_reads())]
        pathlib.Path(argv[2]).with_suffix(".reads.tsv").write_text("".join(c_line(r) + "\n" for r in reads))
        return 0
    if argv[1] == "t-cases":
        pathlib.Path(argv[2]).write_text("".join(telemetry_line(c) + "\n" for c in telemetry_cases("c")))
        return 0
    if argv[1] == "t-answers":
        got = {}
        for x in pathlib.Path(argv[2]).read_text().splitlines():
            if x:
                cid, a, text = parse_telemetry_c(x, argv[4])
                got[cid] = a
                if text is not None:
                    got[cid + ".text"] = text
        bad = check_telemetry(got, json.loads(pathlib.Path(argv[3]).read_text()), "C")
        for b in bad:
            print(b, file=sys.stderr)
        print(f"C door: {len(telemetry_cases('c'))} telemetry steps, {len(bad)} mismatches")
        return 1 if bad else 0
    if argv[1] == "c-answers":
        got = dict(parse_c(x) for x in pathlib.Path(argv[2]).read_text().splitlines() if x)
        rust = json.loads(pathlib.Path(argv[3]).read_text())
        n, bad = check(got)
        bad += identical(got, rust, sorted(i for i in got if not i.startswith("read.")))
        # the C door's reading of its own registry, and of the Rust door's: the Rust door's reading of its own
        own = [got[f"read.{i}"] for i in range(len(registry_reads()))]
        bad += compare("registry.read (C's own)", rust["registry.read.own"], own)
        if len(argv) > 4:
            other = dict(parse_c(x) for x in pathlib.Path(argv[4]).read_text().splitlines() if x)
            bad += compare("registry.read (Rust's, by C)", rust["registry.read.own"],
                           [other[f"read.{i}"] for i in range(len(own))])
        if "registry.read.other" in rust:
            bad += compare("registry.read (C's, by Rust)", rust["registry.read.own"], rust["registry.read.other"])
        for b in bad:
            print(b, file=sys.stderr)
        print(f"C door: {n} inference/telemetry cases, {len(bad)} mismatches")
        return 1 if bad or n < 130 else 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
