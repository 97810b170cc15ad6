#!/usr/bin/env python3
"""Generates tests/conformance/drift_cases.json: the drift capabilities beyond the three functions of
functions.json (reference profile, persisted profiles, `DriftReport`, score states, the live monitor, the
compact scorer and bounded states, the research distances, chunked drift, prediction quality, scale-out).

  python3 tests/conformance/make_drift.py > tests/conformance/drift_cases.json
  TRADEWARDEN_SIMD=scalar TW_BLESS=1 cargo test -p tradewarden --test conformance_drift   # the expectations

The inputs are small deterministic series (an LCG, no numpy): every door reads them from the file. A case
names its function (`fn`), its capability (the conformance key of its row in conformance_coverage.py), its
inputs by name and its options; `expect` is blessed by the Rust runner; `artefact` (hex) is the bytes the
Rust door saved for that case (profile, score state, scorer), which every door loads — and which every
door's own save must reproduce byte for byte.
"""
import json
import math

STATE = [12345]


def rand():
    STATE[0] = (STATE[0] * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (STATE[0] >> 11) / float(1 << 53)


def normal(n, mu=0.0, sd=1.0):
    # Irwin–Hall(12) − 6, rounded to 1e-6 so that the file is short and the values exact decimals
    return [round(mu + sd * (sum(rand() for _ in range(12)) - 6.0), 6) for _ in range(n)]


def uniform(n, lo, hi):
    return [round(lo + (hi - lo) * rand(), 6) for _ in range(n)]


INPUTS = {
    "ref_a": normal(200),
    "cur_same": normal(150),
    "cur_shift": normal(150, 0.8),
    "cur_scale": normal(120, 0.0, 2.0),
    "ref_b": uniform(160, 0.0, 10.0),
    "cur_b": uniform(140, 0.0, 12.0),
    "ref_ties": [float(int(rand() * 6)) for _ in range(100)],
    "cur_ties": [float(int(rand() * 7)) for _ in range(90)],
    "const5": [5.0] * 50,
    "one": [1.5],
    "two": [1.0, 2.0],
    "empty": [],
    "cur_small": normal(5, 0.3),
}
INPUTS["ref_nan"] = INPUTS["ref_a"][:60] + ["nan"] + INPUTS["ref_a"][60:120] + ["nan"]
INPUTS["cur_nan"] = INPUTS["cur_shift"][:40] + ["nan"] + INPUTS["cur_shift"][40:80]
INPUTS["cur_inf"] = INPUTS["cur_same"][:30] + ["inf"] + INPUTS["cur_same"][30:60] + ["-inf"]
# categorical columns (an input named cat_*: strings, None = missing; Rust and Python only, C takes numbers)
def categories(n, weights, missing=0.0):
    out = []
    for _ in range(n):
        u = rand()
        if u < missing:
            out.append(None)
            continue
        u = rand() * sum(weights.values())
        for k, w in weights.items():
            u -= w
            if u <= 0:
                out.append(k)
                break
        else:
            out.append(k)
    return out


INPUTS["cat_ref"] = categories(180, {"a": 4, "b": 3, "c": 2, "d": 1})
INPUTS["cat_same"] = categories(150, {"a": 4, "b": 3, "c": 2, "d": 1})
INPUTS["cat_shift"] = categories(150, {"a": 1, "b": 2, "c": 3, "d": 4})
INPUTS["cat_new"] = categories(120, {"a": 4, "b": 3, "e": 3})
INPUTS["cat_missing"] = categories(130, {"a": 4, "b": 3, "c": 2, "d": 1}, missing=0.2)
INPUTS["cat_one"] = ["b"]
INPUTS["cat_empty"] = []
INPUTS["cat_part1"] = INPUTS["cat_shift"][:50]
INPUTS["cat_part2"] = INPUTS["cat_shift"][50:]
# partitions of the current data (score states): cur_shift in three pieces, one empty
INPUTS["part1"] = INPUTS["cur_shift"][:50]
INPUTS["part2"] = INPUTS["cur_shift"][50:120]
INPUTS["part3"] = INPUTS["cur_shift"][120:]
INPUTS["part_b1"] = INPUTS["cur_b"][:70]
INPUTS["part_b2"] = INPUTS["cur_b"][70:]
# live monitor batches: in distribution, then shifted, then back
for i in range(3):
    INPUTS[f"batch_in{i}"] = normal(40)
for i in range(3):
    INPUTS[f"batch_out{i}"] = normal(40, 1.5)
INPUTS["batch_b"] = uniform(60, 0.0, 10.0)
INPUTS["batch_nan"] = normal(5) + ["nan"]
# research functions
INPUTS["w_u"] = normal(30)
INPUTS["w_v"] = normal(25, 0.5, 1.5)
INPUTS["w_ties_u"] = [float(int(rand() * 4)) for _ in range(20)]
INPUTS["w_ties_v"] = [float(int(rand() * 5)) for _ in range(22)]
INPUTS["w_big_u"] = normal(400)
INPUTS["w_big_v"] = normal(300, 0.1)
INPUTS["w_nan"] = normal(10) + ["nan"]
INPUTS["w_inf"] = normal(10) + ["inf"]
INPUTS["table_2x3"] = [12.0, 7.0, 9.0, 5.0, 11.0, 14.0]
INPUTS["table_2x2"] = [20.0, 15.0, 30.0, 35.0]
INPUTS["table_zero_col"] = [3.0, 0.0, 4.0, 6.0, 0.0, 2.0]
INPUTS["table_neg"] = [3.0, -1.0, 4.0, 6.0]
INPUTS["pred"] = uniform(40, -1.0, 1.0)
INPUTS["actual"] = [round(p + 0.3 * (rand() - 0.5), 6) for p in INPUTS["pred"]]
INPUTS["actual_zero"] = [0.0] * 3 + INPUTS["actual"][3:]
INPUTS["pred3"] = INPUTS["pred"][:3]
INPUTS["w_u11"] = INPUTS["w_u"][:11]
INPUTS["ts"] = [1_700_000_000.0 + 60.0 * i for i in range(150)]

PROFILE = {"bins": 10, "strategy": "quantile", "nan_policy": "error", "keep_reference": True}
CASES = []


def case(cid, fn, capability, args, source=None, corrupt=None, **options):
    c = {"id": cid, "fn": fn, "capability": capability, "args": args}
    if source:  # a corrupted copy of another case's artefact
        c["source"], c["corrupt"] = source, corrupt
    if options:
        c["options"] = options
    CASES.append(c)
    return c


def prof(**kw):
    return {**PROFILE, **kw}


# ---- reference Profile: fit; PSI and KS against the frozen bins (Rust, Python, C) ----
def profile(cid, ref, cur, feature="x", epsilon=1e-4, **kw):
    case(cid, "drift.profile", "drift.profile", {"reference": ref, "current": cur}, profile=prof(**kw),
         feature=feature, epsilon=epsilon)


profile("profile-quantile-same", "ref_a", "cur_same")
profile("profile-quantile-shift", "ref_a", "cur_shift")
profile("profile-quantile-scale", "ref_a", "cur_scale")
profile("profile-equal-width-shift", "ref_a", "cur_shift", bins=5, strategy="equal_width")
profile("profile-explicit-shift", "ref_a", "cur_shift", strategy="explicit", edges=[-1.0, 0.0, 1.0])
profile("profile-20-bins", "ref_a", "cur_same", bins=20)
profile("profile-ties", "ref_ties", "cur_ties")
profile("profile-ties-equal-width", "ref_ties", "cur_ties", bins=4, strategy="equal_width")
profile("profile-uniform-vs-wider", "ref_b", "cur_b")
profile("profile-epsilon-0.01", "ref_a", "cur_shift", epsilon=0.01)
profile("profile-current-one-value", "ref_a", "one")
profile("profile-current-small", "ref_a", "cur_small")
profile("profile-reference-two-values", "two", "cur_same", bins=2)
profile("profile-skip-nan-reference", "ref_nan", "cur_same", nan_policy="skip")
profile("profile-skip-nan-current", "ref_a", "cur_nan", nan_policy="skip")
profile("profile-skip-inf-current", "ref_a", "cur_inf", nan_policy="skip")
profile("profile-error-nan-current", "ref_a", "cur_nan")
profile("profile-error-inf-current", "ref_a", "cur_inf")
profile("profile-error-nan-reference", "ref_nan", "cur_same")
profile("profile-constant-reference", "const5", "cur_same")
profile("profile-one-value-reference", "one", "cur_same")
profile("profile-empty-reference", "empty", "cur_same")
profile("profile-empty-current", "ref_a", "empty")
profile("profile-bins-1", "ref_a", "cur_same", bins=1)
profile("profile-edges-decreasing", "ref_a", "cur_same", strategy="explicit", edges=[1.0, 0.0])
profile("profile-epsilon-1.5", "ref_a", "cur_same", epsilon=1.5)
profile("profile-without-reference-ks", "ref_a", "cur_same", keep_reference=False)
profile("profile-unknown-feature", "ref_a", "cur_same", feature="y")


# ---- persisted profiles: binary + JSON, checksummed, fail closed ----
def persisted(cid, fmt, ref=None, **kw):
    return case(cid, "drift.profile_persisted", "drift.profile_persisted",
                {"reference": ref or {"x": "ref_a", "y": "ref_b"}, "current": "cur_shift"},
                profile=prof(**kw), format=fmt)


persisted("persisted-binary", "binary")
persisted("persisted-json", "json")
persisted("persisted-binary-equal-width", "binary", bins=7, strategy="equal_width")
persisted("persisted-json-explicit", "json", strategy="explicit", edges=[-2.0, -0.5, 0.5, 2.0])
persisted("persisted-binary-without-reference", "binary", keep_reference=False)
persisted("persisted-json-skip", "json", ref={"x": "ref_nan"}, nan_policy="skip")


def corrupt(cid, source, **how):
    case(cid, "drift.profile_persisted", "drift.profile_persisted", {"current": "cur_shift"}, source=source,
         corrupt=how)


corrupt("persisted-binary-flipped-byte", "persisted-binary", flip=60)
corrupt("persisted-binary-flipped-last-byte", "persisted-binary", flip=-1)
corrupt("persisted-binary-truncated", "persisted-binary", truncate=40)
corrupt("persisted-binary-magic-only", "persisted-binary", truncate=4)
corrupt("persisted-binary-version", "persisted-binary", flip=4)
corrupt("persisted-json-edited-digit", "persisted-json", edit=["0.", "1."])
corrupt("persisted-json-truncated", "persisted-json", truncate=100)
corrupt("persisted-empty-file", "persisted-binary", truncate=0)

# ---- per-feature DriftReport (the document) ----
TWO_REF = {"x": "ref_a", "y": "ref_b"}


def report(cid, cur, rep=None, ref=None, **kw):
    return case(cid, "drift.report", "drift.report", {"reference": ref or TWO_REF, "current": cur}, profile=prof(**kw),
         report=rep or {})


report("report-default-same", {"x": "cur_same", "y": "ref_b"})
report("report-default-shift", {"x": "cur_shift", "y": "cur_b"})
report("report-one-feature", {"y": "cur_b"})
report("report-bonferroni", {"x": "cur_shift", "y": "cur_b"}, {"correction": "bonferroni"})
report("report-benjamini-hochberg", {"x": "cur_scale", "y": "cur_b"}, {"correction": "benjamini_hochberg"})
report("report-evidently-psi", {"x": "cur_shift", "y": "cur_b"}, {"psi_mode": "evidently"})
report("report-psi-epsilon", {"x": "cur_shift", "y": "cur_b"}, {"psi_mode": {"standard": {"epsilon": 0.001}}})
report("report-large-sample-psi", {"x": "cur_shift", "y": "cur_b"}, {"large_sample": 100, "psi_threshold": 0.1})
report("report-alpha-and-share", {"x": "cur_same", "y": "cur_b"}, {"alpha": 0.2, "drift_share": 1.0})
report("report-js-threshold", {"x": "cur_shift", "y": "cur_b"}, {"js_threshold": 0.05, "large_sample": 10})
report("report-equal-width", {"x": "cur_scale", "y": "cur_b"}, bins=6, strategy="equal_width")
report("report-ties", {"t": "cur_ties"}, ref={"t": "ref_ties"})
report("report-current-one-value", {"x": "one"})
report("report-skip-nan", {"x": "cur_nan"}, nan_policy="skip")
report("report-error-nan", {"x": "cur_nan"})
report("report-error-inf", {"x": "cur_inf"})
report("report-empty-current", {"x": "empty"})
report("report-unknown-feature", {"z": "cur_same"})
report("report-alpha-0", {"x": "cur_same"}, {"alpha": 0.0})
report("report-alpha-1.5", {"x": "cur_same"}, {"alpha": 1.5})
report("report-psi-threshold-negative", {"x": "cur_same"}, {"psi_threshold": -1.0})
report("report-drift-share-0", {"x": "cur_same"}, {"drift_share": 0.0})
report("report-alpha-nan", {"x": "cur_same"}, {"alpha": "nan"})
report("report-without-reference", {"x": "cur_same"}, keep_reference=False)

# ---- mergeable ScoreState (compute, merge, bytes, report; TWSS) ----
PARTS = [{"x": "part1", "y": "part_b1"}, {"x": "part2", "y": "part_b2"}, {"x": "part3", "y": "empty"}]


def state(cid, parts, rep=None, ref=None, **kw):
    return case(cid, "drift.score_state", "drift.score_state", {"reference": ref or TWO_REF, "partitions": parts},
                profile=prof(**kw), report=rep or {})


state("state-three-partitions", PARTS)
state("state-one-partition", PARTS[:1])
state("state-reversed-order", PARTS[::-1])
state("state-bonferroni", PARTS, {"correction": "bonferroni"})
state("state-equal-width", PARTS, bins=5, strategy="equal_width")
state("state-one-feature", [{"x": "part1"}, {"x": "part2"}], ref={"x": "ref_a"})
state("state-ties", [{"t": "cur_ties"}, {"t": "ref_ties"}], ref={"t": "ref_ties"})
state("state-skip-nan", [{"x": "cur_nan"}, {"x": "part3"}], ref={"x": "ref_a"}, nan_policy="skip")
state("state-error-nan", [{"x": "cur_nan"}], ref={"x": "ref_a"})
state("state-unknown-feature", [{"z": "part1"}])
state("state-all-empty", [{"x": "empty"}, {"x": "empty"}], ref={"x": "ref_a"})
state("state-without-reference", [{"x": "part1"}], ref={"x": "ref_a"}, keep_reference=False)
CAT = {"doors": ["rust", "python"]}  # categorical columns: not a C door's argument
CAT_REF = {"c": "cat_ref", "x": "ref_a"}
for cid, cur in [("report-categorical-same", {"c": "cat_same", "x": "cur_same"}),
                 ("report-categorical-shift", {"c": "cat_shift", "x": "cur_same"}),
                 ("report-categorical-new-category", {"c": "cat_new"}),
                 ("report-categorical-missing", {"c": "cat_missing"}),
                 ("report-categorical-one-value", {"c": "cat_one"}),
                 ("report-categorical-empty", {"c": "cat_empty"})]:
    report(cid, cur, ref=CAT_REF).update(CAT)
report("report-categorical-bonferroni", {"c": "cat_shift", "x": "cur_shift"}, {"correction": "bonferroni"},
       ref=CAT_REF).update(CAT)
state("state-categorical", [{"c": "cat_part1", "x": "part1"}, {"c": "cat_part2", "x": "part2"}],
      ref=CAT_REF).update(CAT)
state("state-categorical-new-category", [{"c": "cat_new"}, {"c": "cat_missing"}], ref=CAT_REF).update(CAT)
state("state-evidently-refused", [{"x": "part1"}], {"psi_mode": "evidently"}, ref={"x": "ref_a"})
case("state-flipped-byte", "drift.score_state", "drift.score_state", {}, source="state-three-partitions",
     corrupt={"flip": 30})
case("state-truncated", "drift.score_state", "drift.score_state", {}, source="state-three-partitions",
     corrupt={"truncate": 20})


# ---- LiveMonitor: a scenario of batches (PSI / JS / KS, drift flags rising and falling) ----
# steps: ["push", feature, input], ["score", feature], ["emit"] (score every ready feature and emit the drift
# metrics — no recorder here — answering how many were scored and how many drifted)
def monitor(cid, steps, mon=None, ref=None, **kw):
    return case(cid, "drift.monitor", "drift.monitor", {"reference": ref or TWO_REF, "steps": steps},
         profile=prof(**kw), monitor={"window": 80, "min_values": 40, **(mon or {})})


monitor("monitor-in-out-in", [
    ["score", "x"], ["push", "x", "batch_in0"], ["score", "x"], ["push", "x", "batch_in1"], ["score", "x"],
    ["emit"], ["push", "x", "batch_out0"], ["score", "x"], ["emit"], ["push", "x", "batch_out1"], ["score", "x"],
    ["push", "x", "batch_out2"], ["score", "x"], ["push", "x", "batch_in2"], ["score", "x"],
    ["push", "x", "batch_in0"], ["score", "x"], ["emit"], ["push", "y", "batch_b"], ["score", "y"], ["score", "x"],
    ["emit"]])
monitor("monitor-thresholds", [
    ["push", "x", "batch_in0"], ["push", "x", "batch_out0"], ["score", "x"], ["push", "x", "batch_out1"],
    ["score", "x"], ["push", "x", "batch_in1"], ["push", "x", "batch_in2"], ["score", "x"]],
    {"psi_threshold": 0.5, "js_threshold": 0.3, "ks_threshold": 0.4, "psi_epsilon": 0.001, "min_values": 10})
monitor("monitor-window-1", [["push", "x", "batch_out0"], ["score", "x"], ["push", "x", "one"], ["score", "x"]],
        {"window": 1, "min_values": 1})
monitor("monitor-bad-values", [
    ["push", "x", "batch_nan"], ["score", "x"], ["push", "z", "batch_in0"], ["score", "z"],
    ["emit"], ["push", "x", "empty"], ["push", "x", "batch_in0"], ["score", "x"], ["emit"]], {"min_values": 5})
monitor("monitor-skip-nan", [["push", "x", "batch_nan"], ["push", "x", "cur_inf"], ["score", "x"]],
        {"min_values": 5}, ref={"x": "ref_a"}, nan_policy="skip")
monitor("monitor-equal-width", [["push", "x", "batch_out0"], ["push", "x", "batch_out1"], ["score", "x"]],
        ref={"x": "ref_a"}, bins=6, strategy="equal_width")
monitor("monitor-window-0", [["score", "x"]], {"window": 0})
monitor("monitor-min-values-above-window", [["score", "x"]], {"min_values": 100})
monitor("monitor-psi-threshold-negative", [["score", "x"]], {"psi_threshold": -0.1})
monitor("monitor-psi-epsilon-1", [["score", "x"]], {"psi_epsilon": 1.0})
# A non-finite option reaches the library's validation from every door (Python's options cross as plain
# data keeping every float, bindings/python/src/plain.rs): InvalidInput naming the field.
monitor("monitor-js-threshold-nan", [["score", "x"]], {"js_threshold": "nan"})
monitor("monitor-ks-threshold-inf", [["score", "x"]], {"ks_threshold": "inf"})


# ---- bounded states' KS intervals and the compact scorer (TWSC) ----
def scorer(cid, cells, parts=None, ref=None, **kw):
    return case(cid, "drift.scorer", "drift.scorer", {"reference": ref or TWO_REF, "partitions": parts or PARTS},
                profile=prof(**kw), cells=cells)


scorer("scorer-k4", 4)
scorer("scorer-k16", 16)
scorer("scorer-k1000", 1000)
scorer("scorer-k1", 1)
scorer("scorer-categorical", 8, [{"c": "cat_part1", "x": "part1"}, {"c": "cat_part2", "x": "part2"}],
       ref=CAT_REF).update(CAT)
scorer("scorer-ties", 3, [{"t": "cur_ties"}], ref={"t": "ref_ties"})
scorer("scorer-equal-width", 8, bins=5, strategy="equal_width")
scorer("scorer-empty-partitions", 8, [{"x": "empty"}], ref={"x": "ref_a"})
scorer("scorer-error-nan", 8, [{"x": "cur_nan"}], ref={"x": "ref_a"})
scorer("scorer-unknown-feature", 8, [{"z": "part1"}])
scorer("scorer-cells-too-many", (1 << 24) + 1)
scorer("scorer-without-reference", 8, keep_reference=False)
case("scorer-flipped-byte", "drift.scorer", "drift.scorer", {"partitions": PARTS}, source="scorer-k16",
     corrupt={"flip": 50})
case("scorer-truncated", "drift.scorer", "drift.scorer", {"partitions": PARTS}, source="scorer-k16",
     corrupt={"truncate": 30})

# ---- research distances and tests (Rust, Python native door) ----
for u, v, tag in [("w_u", "w_v", "normal"), ("w_ties_u", "w_ties_v", "ties"), ("w_big_u", "w_big_v", "big"),
                  ("one", "w_v", "one-value"), ("w_u", "empty", "empty"), ("w_u", "w_nan", "nan"),
                  ("w_inf", "w_v", "inf")]:
    for fn in ("wasserstein_distance", "energy_distance"):
        case(f"{fn}-{tag}", f"drift.{fn}", "drift.distances", {"u": u, "v": v})
    for m in ("auto", "asymptotic"):
        case(f"cramervonmises-{m}-{tag}", "drift.cramervonmises_2samp", "drift.distances", {"x": u, "y": v},
             method=m)
    case(f"mannwhitneyu-{tag}", "drift.mannwhitneyu", "drift.distances", {"x": u, "y": v}, use_continuity=True,
         alternative="two-sided", method="auto")
    case(f"anderson-{tag}", "drift.anderson_ksamp", "drift.distances", {"samples": [u, v]}, variant="midrank")
case("cramervonmises-bad-method", "drift.cramervonmises_2samp", "drift.distances", {"x": "w_u", "y": "w_v"},
     method="permutation")
case("cramervonmises-exact", "drift.cramervonmises_2samp", "drift.distances", {"x": "w_u", "y": "w_v"},
     method="exact")
for alt in ("less", "greater"):
    for m in ("exact", "asymptotic"):
        case(f"mannwhitneyu-{alt}-{m}", "drift.mannwhitneyu", "drift.distances", {"x": "w_u", "y": "w_v"},
             use_continuity=False, alternative=alt, method=m)
case("mannwhitneyu-bad-alternative", "drift.mannwhitneyu", "drift.distances", {"x": "w_u", "y": "w_v"},
     use_continuity=True, alternative="sideways", method="auto")
case("mannwhitneyu-bad-method", "drift.mannwhitneyu", "drift.distances", {"x": "w_u", "y": "w_v"},
     use_continuity=True, alternative="two-sided", method="permutation")
for variant in ("right", "continuous"):
    case(f"anderson-{variant}", "drift.anderson_ksamp", "drift.distances", {"samples": ["w_u", "w_v", "w_ties_u"]},
         variant=variant)
case("anderson-one-sample", "drift.anderson_ksamp", "drift.distances", {"samples": ["w_u"]}, variant="midrank")
case("anderson-bad-variant", "drift.anderson_ksamp", "drift.distances", {"samples": ["w_u", "w_v"]},
     variant="left")
for t, rows in [("table_2x3", 2), ("table_2x2", 2), ("table_zero_col", 2), ("table_neg", 2), ("table_2x3", 4),
                ("empty", 1)]:
    for corr in (True, False):
        case(f"chi2-{t}-{rows}-rows-{'corrected' if corr else 'plain'}", "drift.chi2_contingency",
             "drift.distances", {"observed": t}, n_rows=rows, correction=corr)

# ---- prediction-quality drift ----
for p, a, tag in [("pred", "actual", "normal"), ("pred", "actual_zero", "zero-actuals"), ("one", "one", "one"),
                  ("empty", "empty", "empty"), ("pred", "pred", "perfect"), ("pred3", "actual", "lengths"),
                  ("w_nan", "w_nan", "nan"), ("w_inf", "w_u11", "inf")]:
    case(f"quality-{tag}", "drift.prediction_quality", "drift.prediction_quality",
         {"predictions": p, "actuals": a})

# ---- chunked drift ----
CH = {"x": "cur_shift", "y": "cur_b"}


def chunks(cid, chunker, ref_rows=None, ts=None, cur=None, rep=None):
    args = {"reference": TWO_REF, "current": cur or {"x": "cur_shift"}}
    # neither the profile nor the call naming the reference rows is an error: (0, 0) = outside the data
    if ts:
        args["timestamps"] = ts
    case(cid, "drift.chunked_drift", "drift.chunked_drift", args, profile=prof(), chunker=chunker,
         reference_rows=ref_rows or [0, 0], report=rep or {})


chunks("chunks-size-keep", {"size": {"size": 40, "incomplete": "keep"}})
chunks("chunks-size-drop", {"size": {"size": 40, "incomplete": "drop"}})
chunks("chunks-size-append", {"size": {"size": 40, "incomplete": "append"}})
chunks("chunks-count", {"count": {"count": 4, "incomplete": "keep"}})
chunks("chunks-reference-rows", {"size": {"size": 50, "incomplete": "keep"}}, ref_rows=[0, 70])
chunks("chunks-reference-overlaps", {"count": {"count": 3, "incomplete": "keep"}}, ref_rows=[30, 60])
chunks("chunks-reference-reversed", {"count": {"count": 3, "incomplete": "keep"}}, ref_rows=[60, 30])
chunks("chunks-period", {"period": {"seconds": 3000.0}}, ts="ts")
chunks("chunks-period-bonferroni", {"period": {"seconds": 2400.0}}, ts="ts", rep={"correction": "bonferroni"})
chunks("chunks-size-0", {"size": {"size": 0, "incomplete": "keep"}})
chunks("chunks-period-without-timestamps", {"period": {"seconds": 60.0}})
chunks("chunks-period-negative", {"period": {"seconds": -1.0}}, ts="ts")
chunks("chunks-nan", {"size": {"size": 40, "incomplete": "keep"}}, cur={"x": "cur_nan"})

# ---- scale-out: the Rust StateScorer on partitions vs Python's dask.score (synchronous scheduler) ----
# (a Dask partition is a table: its columns have one length)
INPUTS["scale_y1"] = INPUTS["cur_b"][:50]
INPUTS["scale_y2"] = INPUTS["cur_b"][50:120]
INPUTS["scale_y3"] = INPUTS["ref_b"][:30]
SCALE = [{"x": "part1", "y": "scale_y1"}, {"x": "part2", "y": "scale_y2"}, {"x": "part3", "y": "scale_y3"}]
for cid, parts, cells in [("scale-exact", SCALE[:2], None), ("scale-exact-three", SCALE, None),
                          ("scale-bounded-k8", SCALE[:2], 8), ("scale-bounded-k100", SCALE, 100)]:
    case(cid, "drift.scale_out", "drift.scale_out", {"reference": TWO_REF, "partitions": parts},
         profile=prof(), cells=cells)

DOC = {
    "about": "Drift capabilities through every door (docs/conformance.md); generated by "
             "tests/conformance/make_drift.py, `expect` and `artefact` blessed by tests/conformance_drift.rs",
    "cases": CASES,
    "inputs": {k: [v if isinstance(v, str) else v for v in xs] for k, xs in INPUTS.items()},
}


def dumps(doc):
    cases = ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in doc["cases"])
    inputs = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in doc["inputs"].items())
    return f'{{\n "about": {json.dumps(doc["about"])},\n "cases": [\n{cases}\n ],\n "inputs": {{\n{inputs}\n }}\n}}\n'


def _columns_sorted(v):
    # the Rust runner reads a JSON object in key order: every door takes a table's columns sorted by name
    if isinstance(v, dict):
        if all(isinstance(x, str) for x in v.values()) and v and list(v) != sorted(v):
            return False
        return all(_columns_sorted(x) for x in v.values())
    if isinstance(v, list):
        return all(_columns_sorted(x) for x in v)
    return True


if __name__ == "__main__":
    assert all(_columns_sorted(v) for c in CASES for v in c["args"].values())
    assert all(not (isinstance(x, float) and not math.isfinite(x)) for xs in INPUTS.values() for x in xs)
    assert all(k.startswith("cat_") == any(isinstance(x, str) and x not in ("nan", "inf", "-inf") or x is None
                                          for x in xs) for k, xs in INPUTS.items() if xs)
    print(dumps(DOC), end="")
