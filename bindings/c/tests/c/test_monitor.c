/* C tests of the live drift monitor ABI (tw_monitor_*): the rolling-window
   PSI equals the formula of crates/drift/src/psi.rs computed here by hand
   from known bin counts, and equals tw_profile_psi on the window's values;
   the default options are the Rust defaults; every misuse gets its
   documented status and a message naming the parameter. Built and run by
   scripts/test.d/40-c.sh, also under -fsanitize=address,undefined.
   Argument: a writable scratch directory (unused). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

/* PSI of bin counts as crates/drift/src/psi.rs: fractions floored at eps. */
static double psi_counts(const double *e, const double *a, size_t n, double eps) {
  double ne = 0.0, na = 0.0, s = 0.0;
  size_t i;
  for (i = 0; i < n; i++) {
    ne += e[i];
    na += a[i];
  }
  for (i = 0; i < n; i++) {
    double fe = e[i] / ne, fa = a[i] / na;
    if (fe < eps) fe = eps;
    if (fa < eps) fa = eps;
    s += (fa - fe) * log(fa / fe);
  }
  return s;
}

static tw_severity classify(const tw_severity_bands *b, double v) {
  if (v > b->critical) return TW_SEVERITY_CRITICAL;
  if (v > b->high) return TW_SEVERITY_HIGH;
  if (v > b->medium) return TW_SEVERITY_MEDIUM;
  if (v > b->low) return TW_SEVERITY_LOW;
  return TW_SEVERITY_NONE;
}

/* Reference: 10 values in each of the 4 bins of the edges {-1, 0, 1}
   (±inf added at the ends): (-inf,-1) [-1,0) [0,1) [1,inf). */
static const double EDGES[] = {-1.0, 0.0, 1.0};
static const double BIN_VALUE[] = {-1.5, -0.5, 0.5, 1.5};

static tw_profile *make_profile(void) {
  tw_profile *p = NULL;
  double ref[40];
  size_t i;
  tw_profile_options o = {TW_BINS_EXPLICIT, 0, EDGES, 3, TW_NAN_POLICY_ERROR, 1};
  for (i = 0; i < 40; i++) ref[i] = BIN_VALUE[i % 4];
  CHECK(tw_profile_new(&p) == TW_OK, "profile new");
  CHECK(tw_profile_fit(p, "x", ref, 40, &o) == TW_OK, "fit x: %s", last_error());
  CHECK(tw_profile_fit(p, "y", ref, 40, &o) == TW_OK, "fit y: %s", last_error());
  return p;
}

static void test_defaults(void) {
  tw_monitor_options o;
  memset(&o, 0xAB, sizeof o);
  CHECK(tw_monitor_options_default(&o) == TW_OK, "options_default");
  CHECK(o.window == 10000 && o.min_values == 500, "window %zu min_values %zu", o.window, o.min_values);
  CHECK(o.psi_epsilon == 1e-4 && o.psi_threshold == 0.2, "eps %g threshold %g", o.psi_epsilon, o.psi_threshold);
  CHECK(o.bands.low == 0.05 && o.bands.medium == 0.1 && o.bands.high == 0.2 && o.bands.critical == 0.25,
        "bands %g %g %g %g", o.bands.low, o.bands.medium, o.bands.high, o.bands.critical);
  CHECK(o.prefix == NULL, "prefix NULL");
  CHECK(tw_monitor_options_default(NULL) == TW_ERR_NULL_ARGUMENT && has("out is NULL"), "default NULL: %s",
        last_error());
}

static void test_scores(void) {
  tw_profile *p = make_profile();
  tw_monitor *m = NULL, *dflt = NULL;
  tw_monitor_options o;
  tw_live_score s;
  double lows[10], highs[20], four[4] = {-1.5, -0.5, 0.5, 1.5};
  const double e[4] = {10, 10, 10, 10};
  const double a[4] = {0, 0, 10, 10};
  double want, psi_profile = -1.0;
  size_t i, n_scored = 99, n_drifted = 99;

  CHECK(tw_monitor_options_default(&o) == TW_OK, "defaults");
  o.window = 20;
  o.min_values = 5;
  CHECK(tw_monitor_new(p, &o, &m) == TW_OK && m != NULL, "new: %s", last_error());
  CHECK(tw_monitor_new(p, NULL, &dflt) == TW_OK && dflt != NULL, "new with NULL options: %s", last_error());
  /* the monitor copies the bins: the profile may go first */
  tw_profile_free(p);

  /* below min_values: not ready */
  memset(&s, 0xAB, sizeof s);
  CHECK(tw_monitor_push(m, "x", four, 4) == TW_OK, "push 4");
  CHECK(tw_monitor_score(m, "x", &s) == TW_OK, "score not ready: %s", last_error());
  CHECK(s.ready == 0 && isnan(s.psi) && s.n == 0 && s.drift == 0 && s.severity == TW_SEVERITY_NONE,
        "not ready: ready=%u psi=%g n=%llu", s.ready, s.psi, (unsigned long long)s.n);
  CHECK(tw_monitor_push(m, "x", four, 0) == TW_OK, "len 0 adds nothing");
  CHECK(tw_monitor_score(m, "x", &s) == TW_OK && s.ready == 0, "still not ready");

  /* 4 + 10 + 20 values: the window of 20 holds the last 20 (bins 2 and 3) */
  for (i = 0; i < 10; i++) lows[i] = -1.5;
  for (i = 0; i < 20; i++) highs[i] = BIN_VALUE[2 + i % 2];
  CHECK(tw_monitor_push(m, "x", lows, 10) == TW_OK, "push lows");
  CHECK(tw_monitor_push(m, "x", highs, 20) == TW_OK, "push highs");
  CHECK(tw_monitor_score(m, "x", &s) == TW_OK, "score: %s", last_error());
  want = psi_counts(e, a, 4, 1e-4);
  CHECK(s.ready == 1 && s.n == 20, "ready=%u n=%llu", s.ready, (unsigned long long)s.n);
  CHECK(fabs(s.psi - want) <= 1e-12 * want, "psi %.17g, by hand %.17g", s.psi, want);
  CHECK(s.drift == (want > 0.2) && s.drift == 1, "drift %u", s.drift);
  CHECK(s.severity == classify(&o.bands, want) && s.severity == TW_SEVERITY_CRITICAL, "severity %u", s.severity);
  /* equals the profile PSI of the same 20 values */
  {
    tw_profile *q = make_profile();
    CHECK(tw_profile_psi(q, "x", highs, 20, TW_PSI_STANDARD, 0.0, &psi_profile) == TW_OK, "profile psi");
    CHECK(fabs(psi_profile - s.psi) <= 1e-12 * want, "monitor %.17g vs profile %.17g", s.psi, psi_profile);
    tw_profile_free(q);
  }

  /* a window like the reference: PSI 0, no drift, severity none */
  CHECK(tw_monitor_push(dflt, "y", highs, 0) == TW_OK, "len 0 on a fresh window");
  for (i = 0; i < 125; i++) CHECK(tw_monitor_push(dflt, "y", four, 4) == TW_OK, "push y");
  CHECK(tw_monitor_score(dflt, "y", &s) == TW_OK, "score y");
  CHECK(s.ready == 1 && s.n == 500 && s.psi == 0.0 && s.drift == 0 && s.severity == TW_SEVERITY_NONE,
        "reference-like window: ready=%u n=%llu psi=%g", s.ready, (unsigned long long)s.n, s.psi);

  /* emit: x is scored and drifted; y (4 values in m) is not ready */
  CHECK(tw_monitor_push(m, "y", four, 4) == TW_OK, "push y");
  CHECK(tw_monitor_emit(m, &n_scored, &n_drifted) == TW_OK, "emit: %s", last_error());
  CHECK(n_scored == 1 && n_drifted == 1, "emit counts %zu %zu", n_scored, n_drifted);
  CHECK(tw_monitor_emit(m, NULL, NULL) == TW_OK, "emit with NULL counts");
  CHECK(tw_monitor_emit(dflt, &n_scored, NULL) == TW_OK && n_scored == 1, "emit dflt %zu", n_scored);

  /* misuse: typed status, message names the parameter, nothing changes */
  {
    const double bad[] = {0.5, NAN, 0.1};
    const double inf[] = {INFINITY};
    tw_live_score before, after;
    CHECK(tw_monitor_score(m, "x", &before) == TW_OK, "score before");
    CHECK(tw_monitor_push(m, "x", bad, 3) == TW_ERR_INVALID_INPUT, "NaN push");
    CHECK(has("values[1]"), "names values[1]: %s", last_error());
    CHECK(tw_monitor_push(m, "x", inf, 1) == TW_ERR_INVALID_INPUT, "inf push");
    CHECK(tw_monitor_score(m, "x", &after) == TW_OK, "score after");
    CHECK(after.psi == before.psi && after.n == before.n, "a rejected push adds nothing");
    CHECK(tw_monitor_push(m, "nope", four, 4) == TW_ERR_NOT_FOUND && has("nope"), "unknown feature: %s",
          last_error());
    CHECK(tw_monitor_push(NULL, "x", four, 4) == TW_ERR_NULL_ARGUMENT && has("monitor"), "NULL monitor");
    CHECK(tw_monitor_push(m, NULL, four, 4) == TW_ERR_NULL_ARGUMENT && has("feature"), "NULL feature");
    CHECK(tw_monitor_push(m, "x", NULL, 4) == TW_ERR_NULL_ARGUMENT && has("values"), "NULL values");
    CHECK(tw_monitor_push(m, "x", NULL, 0) == TW_ERR_NULL_ARGUMENT, "NULL values, len 0");
    memset(&after, 0x5A, sizeof after);
    CHECK(tw_monitor_score(m, "nope", &after) == TW_ERR_NOT_FOUND && has("nope"), "score unknown: %s",
          last_error());
    CHECK(after.ready == 0x5A5A5A5Au, "out untouched on error");
    CHECK(tw_monitor_score(NULL, "x", &after) == TW_ERR_NULL_ARGUMENT, "score NULL monitor");
    CHECK(tw_monitor_score(m, NULL, &after) == TW_ERR_NULL_ARGUMENT, "score NULL feature");
    CHECK(tw_monitor_score(m, "x", NULL) == TW_ERR_NULL_ARGUMENT && has("out"), "score NULL out");
    CHECK(tw_monitor_emit(NULL, &n_scored, &n_drifted) == TW_ERR_NULL_ARGUMENT, "emit NULL");
  }
  tw_monitor_free(m);
  tw_monitor_free(dflt);
  tw_monitor_free(NULL); /* no-op */
}

static void test_bad_options(void) {
  tw_profile *p = make_profile();
  tw_monitor *m = NULL;
  tw_monitor_options o, d;
  CHECK(tw_monitor_options_default(&d) == TW_OK, "defaults");

  CHECK(tw_monitor_new(NULL, &d, &m) == TW_ERR_NULL_ARGUMENT && has("profile"), "NULL profile");
  CHECK(tw_monitor_new(p, &d, NULL) == TW_ERR_NULL_ARGUMENT && has("out"), "NULL out");

  o = d;
  o.window = 0;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("window"), "window 0: %s", last_error());
  o = d;
  o.min_values = 0;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("min_values"), "min_values 0: %s", last_error());
  o = d;
  o.window = 10;
  o.min_values = 11;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("min_values = 11"), "min_values > window: %s",
        last_error());
  o = d;
  o.psi_epsilon = 0.0;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("psi_epsilon"), "eps 0: %s", last_error());
  o.psi_epsilon = NAN;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("psi_epsilon"), "eps NaN: %s", last_error());
  o.psi_epsilon = 1.0;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("psi_epsilon"), "eps 1: %s", last_error());
  o = d;
  o.psi_threshold = NAN;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("psi_threshold = NaN"), "threshold NaN: %s",
        last_error());
  o.psi_threshold = -0.1;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("psi_threshold = -0.1"), "threshold < 0: %s",
        last_error());
  o.psi_threshold = INFINITY;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("psi_threshold"), "threshold inf");
  o = d;
  o.bands.high = NAN;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("bands"), "band NaN: %s", last_error());
  o = d;
  o.bands.low = 0.5;
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("bands"), "decreasing bands: %s", last_error());
  o = d;
  o.prefix = "\xff\xfe";
  CHECK(tw_monitor_new(p, &o, &m) == TW_ERR_INVALID_INPUT && has("prefix"), "prefix not UTF-8: %s", last_error());
  CHECK(m == NULL, "out untouched on every error");
  o.prefix = "desk1";
  CHECK(tw_monitor_new(p, &o, &m) == TW_OK && m != NULL, "prefix ok: %s", last_error());
  tw_monitor_free(m);
  tw_profile_free(p);
}

static void test_severity_names(void) {
  CHECK(strcmp(tw_severity_name(TW_SEVERITY_NONE), "none") == 0, "none");
  CHECK(strcmp(tw_severity_name(TW_SEVERITY_LOW), "low") == 0, "low");
  CHECK(strcmp(tw_severity_name(TW_SEVERITY_MEDIUM), "medium") == 0, "medium");
  CHECK(strcmp(tw_severity_name(TW_SEVERITY_HIGH), "high") == 0, "high");
  CHECK(strcmp(tw_severity_name(TW_SEVERITY_CRITICAL), "critical") == 0, "critical");
  CHECK(tw_severity_name(5) == NULL, "unknown code");
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  test_defaults();
  test_scores();
  test_bad_options();
  test_severity_names();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
