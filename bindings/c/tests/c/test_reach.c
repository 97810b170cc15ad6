/* C tests of the reach doors (issue #21): the regime classifier
   (tw_regime_classify, its formulas recomputed here as the Python test
   recomputes them with numpy), the prediction sanity guard
   (tw_sanity_guard_check, the crate doctest's path), the recovery tracker
   (tw_recovery_*), the stateless period evaluation (tw_period_evaluate, the
   crate doctest's daily-loss warning), the monitor's JS/KS statistics
   (tw_monitor_score_all, by hand from known bin counts) and the registry
   inventory (tw_registry_inventory_json: a good and a corrupt version, in a
   build without the feature inference) and learning freeze
   (tw_registry_freeze_learning and its query). Every misuse gets its documented
   status. Built and run by scripts/test.d/40-c.sh, also under
   -fsanitize=address,undefined. Argument: a writable scratch directory. */
#define _XOPEN_SOURCE 700 /* mkdir under -std=c11 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tradewarden.h"
#include "check.h"

static char scratch[1024];

static const char *in_scratch(const char *name) {
  static char bufs[16][2048];
  static int k = 0;
  char *b = bufs[k++ % 16];
  snprintf(b, sizeof bufs[0], "%s/%s", scratch, name);
  return b;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

/* ------------------------------------------------------------ regime --- */

#define NC 120

/* Candles as bindings/python/tests/test_reach.py::_candles. */
static void candles(double slope, double wiggle, size_t n, double *h, double *l, double *c) {
  size_t i;
  for (i = 0; i < n; i++) {
    c[i] = 100.0 * (1.0 + slope * (double)i) * (1.0 + wiggle * sin((double)i));
    h[i] = c[i] * 1.001;
    l[i] = c[i] * 0.999;
  }
}

/* The classifier's rules (crates/inference/src/regime.rs) on the last
   `window` candles: two-pass sample std of the returns. */
static tw_regime_reading expected(const double *h, const double *l, const double *c, size_t n, size_t window) {
  tw_regime_reading r;
  const double *hh = h + n - window, *ll = l + n - window, *cc = c + n - window;
  double mean = 0.0, ss = 0.0, hi = -INFINITY, lo = INFINITY;
  size_t i;
  for (i = 1; i < window; i++) mean += cc[i] / cc[i - 1] - 1.0;
  mean /= (double)(window - 1);
  for (i = 1; i < window; i++) {
    double d = cc[i] / cc[i - 1] - 1.0 - mean;
    ss += d * d;
  }
  for (i = 0; i < window; i++) {
    if (hh[i] > hi) hi = hh[i];
    if (ll[i] < lo) lo = ll[i];
  }
  r.vol = sqrt(ss / (double)(window - 2));
  r.momentum = cc[window - 1] / cc[0] - 1.0;
  r.range = (hi - lo) / cc[window - 1];
  if (r.vol < 0.004 && fabs(r.momentum) < 0.01)
    r.regime = TW_REGIME_RANGE_BOUND;
  else if (r.momentum > 0.015)
    r.regime = TW_REGIME_TRENDING_UP;
  else if (r.momentum < -0.015)
    r.regime = TW_REGIME_TRENDING_DOWN;
  else if (r.vol >= 0.01 || r.range > 0.03)
    r.regime = TW_REGIME_VOLATILE;
  else
    r.regime = TW_REGIME_NEUTRAL;
  return r;
}

static int close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fabs(b) + 1e-15; }

static void test_regime(void) {
  static const double cases[5][2] = {{0.0005, 0.0}, {-0.0005, 0.0}, {0.0, 0.0005}, {0.0, 0.02}, {0.0001, 0.0}};
  double h[NC], l[NC], c[NC];
  tw_regime_reading r, want;
  tw_regime_config cfg;
  unsigned seen = 0;
  size_t k;
  for (k = 0; k < 5; k++) {
    candles(cases[k][0], cases[k][1], NC, h, l, c);
    want = expected(h, l, c, NC, NC);
    CHECK(tw_regime_classify(h, l, c, NC, NULL, &r) == TW_OK, "classify %zu: %s", k, last_error());
    CHECK(r.regime == want.regime, "case %zu: regime %s, by hand %s", k, tw_regime_name(r.regime),
          tw_regime_name(want.regime));
    CHECK(close_to(r.vol, want.vol) && close_to(r.momentum, want.momentum) && close_to(r.range, want.range),
          "case %zu: vol %.17g/%.17g momentum %.17g/%.17g range %.17g/%.17g", k, r.vol, want.vol, r.momentum,
          want.momentum, r.range, want.range);
    seen |= 1u << r.regime;
  }
  /* the five rules are all reached, as in the Python test */
  CHECK(seen == ((1u << TW_REGIME_TRENDING_UP) | (1u << TW_REGIME_TRENDING_DOWN) | (1u << TW_REGIME_RANGE_BOUND) |
                 (1u << TW_REGIME_VOLATILE) | (1u << TW_REGIME_NEUTRAL)),
        "regimes seen %#x", seen);

  /* defaults, a shorter window, and too little history */
  CHECK(tw_regime_config_default(&cfg) == TW_OK && cfg.window == 120 && cfg.range_bound_max_vol == 0.004 &&
            cfg.range_bound_max_abs_momentum == 0.01 && cfg.trend_min_abs_momentum == 0.015 &&
            cfg.volatile_min_vol == 0.01 && cfg.volatile_min_range == 0.03,
        "default config");
  candles(0.001, 0.0, 50, h, l, c);
  CHECK(tw_regime_classify(h, l, c, 50, NULL, &r) == TW_OK && r.regime == TW_REGIME_UNKNOWN && isnan(r.vol) &&
            isnan(r.momentum) && isnan(r.range),
        "50 candles, window 120: unknown (%u)", r.regime);
  cfg.window = 20;
  want = expected(h, l, c, 50, 20);
  CHECK(tw_regime_classify(h, l, c, 50, &cfg, &r) == TW_OK && r.regime == TW_REGIME_TRENDING_UP &&
            r.regime == want.regime && close_to(r.momentum, want.momentum),
        "window 20: %s", tw_regime_name(r.regime));

  /* names */
  CHECK(strcmp(tw_regime_name(TW_REGIME_TRENDING_UP), "trending_up") == 0 &&
            strcmp(tw_regime_name(TW_REGIME_TRENDING_DOWN), "trending_down") == 0 &&
            strcmp(tw_regime_name(TW_REGIME_RANGE_BOUND), "range_bound") == 0 &&
            strcmp(tw_regime_name(TW_REGIME_VOLATILE), "volatile") == 0 &&
            strcmp(tw_regime_name(TW_REGIME_NEUTRAL), "neutral") == 0 &&
            strcmp(tw_regime_name(TW_REGIME_UNKNOWN), "unknown") == 0 && tw_regime_name(6) == NULL,
        "regime names");

  /* misuse: typed status naming the parameter; out untouched */
  candles(0.0005, 0.0, NC, h, l, c);
  memset(&r, 0x5A, sizeof r);
  c[NC - 3] = NAN;
  CHECK(tw_regime_classify(h, l, c, NC, NULL, &r) == TW_ERR_INVALID_INPUT && has("close"), "NaN close: %s",
        last_error());
  c[NC - 3] = -1.0;
  CHECK(tw_regime_classify(h, l, c, NC, NULL, &r) == TW_ERR_INVALID_INPUT && has("close"), "negative close: %s",
        last_error());
  candles(0.0005, 0.0, NC, h, l, c);
  CHECK(tw_regime_classify(l, h, c, NC, NULL, &r) == TW_ERR_INVALID_INPUT && has("high"), "high < low: %s",
        last_error());
  CHECK(r.regime == 0x5A5A5A5Au, "out untouched on error");
  tw_regime_config_default(&cfg);
  cfg.window = 2;
  CHECK(tw_regime_classify(h, l, c, NC, &cfg, &r) == TW_ERR_INVALID_CONFIG && has("window"), "window 2: %s",
        last_error());
  tw_regime_config_default(&cfg);
  cfg.volatile_min_vol = NAN;
  CHECK(tw_regime_classify(h, l, c, NC, &cfg, &r) == TW_ERR_INVALID_CONFIG && has("volatile_min_vol"),
        "NaN threshold: %s", last_error());
  CHECK(tw_regime_classify(NULL, l, c, NC, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("high"), "NULL high");
  CHECK(tw_regime_classify(h, l, NULL, NC, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("close"), "NULL close");
  CHECK(tw_regime_classify(h, l, c, NC, NULL, NULL) == TW_ERR_NULL_ARGUMENT && has("out"), "NULL out");
  CHECK(tw_regime_classify(h, l, c, SIZE_MAX, NULL, &r) == TW_ERR_INVALID_INPUT, "length overflows: %s",
        last_error());
  CHECK(tw_regime_config_default(NULL) == TW_ERR_NULL_ARGUMENT, "default NULL");
}

/* ------------------------------------------------------------- guard --- */

static void test_sanity_guard(void) {
  /* the crate doctest: 109 is a 7.9 % step from 101, 115 is 15 % from the close */
  const double f[4] = {101.0, 109.0, 103.0, 115.0};
  const double odd[3] = {NAN, 0.0, INFINITY};
  tw_sanity_verdict v[4] = {9, 9, 9, 9};
  tw_sanity_guard loose = {0.12, 0.10};
  size_t kept = 99;
  CHECK(tw_sanity_guard_check(100.0, f, 4, NULL, v, &kept) == TW_OK, "check: %s", last_error());
  CHECK(kept == 2 && v[0] == TW_SANITY_KEPT && v[1] == TW_SANITY_STEP_MOVE && v[2] == TW_SANITY_KEPT &&
            v[3] == TW_SANITY_MOVE_FROM_LAST_CLOSE,
        "verdicts %u %u %u %u, kept %zu", v[0], v[1], v[2], v[3], kept);
  /* a looser step keeps 109 */
  CHECK(tw_sanity_guard_check(100.0, f, 2, &loose, v, &kept) == TW_OK && kept == 2 && v[1] == TW_SANITY_KEPT,
        "loose step: %u", v[1]);
  CHECK(tw_sanity_guard_check(100.0, odd, 3, NULL, v, &kept) == TW_OK && kept == 0 && v[0] == TW_SANITY_NOT_FINITE &&
            v[1] == TW_SANITY_NOT_FINITE && v[2] == TW_SANITY_NOT_FINITE,
        "NaN, 0 and inf are not finite prices");
  CHECK(tw_sanity_guard_check(100.0, f, 0, NULL, v, &kept) == TW_OK && kept == 0, "len 0");

  kept = 99;
  CHECK(tw_sanity_guard_check(0.0, f, 4, NULL, v, &kept) == TW_ERR_INVALID_INPUT && has("last_close") && kept == 99,
        "last_close 0: %s", last_error());
  CHECK(tw_sanity_guard_check(NAN, f, 4, NULL, v, &kept) == TW_ERR_INVALID_INPUT && has("last_close"),
        "last_close NaN");
  loose.max_step_move = -0.1;
  CHECK(tw_sanity_guard_check(100.0, f, 4, &loose, v, &kept) == TW_ERR_INVALID_CONFIG && has("max_step_move"),
        "negative step: %s", last_error());
  loose.max_step_move = 0.06;
  loose.max_move_from_last_close = NAN;
  CHECK(tw_sanity_guard_check(100.0, f, 4, &loose, v, &kept) == TW_ERR_INVALID_CONFIG &&
            has("max_move_from_last_close"),
        "NaN threshold: %s", last_error());
  CHECK(tw_sanity_guard_check(100.0, NULL, 4, NULL, v, &kept) == TW_ERR_NULL_ARGUMENT && has("forecast"),
        "NULL forecast");
  CHECK(tw_sanity_guard_check(100.0, f, 4, NULL, NULL, &kept) == TW_ERR_NULL_ARGUMENT && has("verdicts"),
        "NULL verdicts");
  CHECK(tw_sanity_guard_check(100.0, f, 4, NULL, v, NULL) == TW_ERR_NULL_ARGUMENT && has("n_kept"), "NULL n_kept");
  CHECK(tw_sanity_guard_check(100.0, f, SIZE_MAX, NULL, v, &kept) == TW_ERR_INVALID_INPUT, "length overflows");
}

/* ---------------------------------------------------------- recovery --- */

static void test_recovery(void) {
  tw_recovery *t = NULL, *bad = NULL;
  tw_recovery_config cfg;
  tw_recovery_outcome ok = {"fetch_quotes", 1, 0.25, 1, NULL, NULL, 0};
  tw_recovery_outcome fail = {"fetch_quotes", 0, 1.5, 3, "timeout", "retry", 1};
  char buf[4096], tiny[8];
  size_t n = 0;
  CHECK(tw_recovery_config_default(&cfg) == TW_OK && cfg.capacity == 10000 && cfg.retention_seconds == 86400.0 &&
            cfg.recent_window == 100 && cfg.max_operations == 256,
        "default config");
  CHECK(tw_recovery_new(NULL, &t) == TW_OK && t != NULL, "new: %s", last_error());
  CHECK(tw_recovery_record(t, 1000.0, &ok) == TW_OK, "record ok: %s", last_error());
  CHECK(tw_recovery_record(t, 1001.0, &fail) == TW_OK, "record failure: %s", last_error());
  CHECK(tw_recovery_record(t, 1002.0, &fail) == TW_OK, "record failure 2");
  CHECK(tw_recovery_summary_json(t, 1003.0, buf, sizeof buf, &n) == TW_OK && n == strlen(buf), "summary: %s",
        last_error());
  CHECK(strstr(buf, "\"total_operations\":3") != NULL, "3 operations: %s", buf);
  CHECK(strstr(buf, "\"consecutive_failures\":2") != NULL, "2 consecutive failures: %s", buf);
  CHECK(strstr(buf, "\"fetch_quotes\":{\"total\":3,\"successes\":1,\"failures\":2") != NULL, "per operation: %s",
        buf);
  CHECK(strstr(buf, "\"last_error_type\":\"timeout\"") != NULL && strstr(buf, "\"retry\":2") != NULL,
        "error type and strategy: %s", buf);
  CHECK(strstr(buf, "\"health\":{\"status\":") != NULL, "health: %s", buf);
  CHECK(strstr(buf, "\"recent_records_count\":3") != NULL, "3 records kept: %s", buf);
  /* past the retention (1 day) the records are dropped (the totals stay) */
  CHECK(tw_recovery_summary_json(t, 1000.0 + 2 * 86400.0, buf, sizeof buf, &n) == TW_OK &&
            strstr(buf, "\"recent_records_count\":0") != NULL && strstr(buf, "\"total_operations\":3") != NULL,
        "retention: %s", buf);

  /* misuse */
  n = 77;
  CHECK(tw_recovery_summary_json(t, 1003.0, tiny, sizeof tiny, &n) == TW_ERR_BUFFER_TOO_SMALL && n == 77,
        "small buffer: %s", last_error());
  CHECK(tw_recovery_summary_json(t, NAN, buf, sizeof buf, &n) == TW_ERR_INVALID_INPUT && has("now"), "NaN now");
  CHECK(tw_recovery_summary_json(NULL, 1.0, buf, sizeof buf, &n) == TW_ERR_NULL_ARGUMENT, "NULL tracker");
  CHECK(tw_recovery_record(t, NAN, &ok) == TW_ERR_INVALID_INPUT, "NaN at: %s", last_error());
  ok.duration_seconds = NAN;
  CHECK(tw_recovery_record(t, 1.0, &ok) == TW_ERR_INVALID_INPUT && has("duration_seconds"), "NaN duration: %s",
        last_error());
  ok.duration_seconds = 0.1;
  ok.attempts = 0;
  CHECK(tw_recovery_record(t, 1.0, &ok) == TW_ERR_INVALID_INPUT && has("attempts"), "0 attempts: %s", last_error());
  ok.attempts = 1;
  ok.operation = "";
  CHECK(tw_recovery_record(t, 1.0, &ok) == TW_ERR_INVALID_INPUT && has("operation"), "empty name: %s", last_error());
  ok.operation = NULL;
  CHECK(tw_recovery_record(t, 1.0, &ok) == TW_ERR_NULL_ARGUMENT && has("operation"), "NULL name: %s", last_error());
  CHECK(tw_recovery_record(t, 1.0, NULL) == TW_ERR_NULL_ARGUMENT && has("outcome"), "NULL outcome");
  cfg.capacity = 0;
  CHECK(tw_recovery_new(&cfg, &bad) == TW_ERR_INVALID_INPUT && has("capacity") && bad == NULL, "capacity 0: %s",
        last_error());
  tw_recovery_config_default(&cfg);
  cfg.retention_seconds = NAN;
  CHECK(tw_recovery_new(&cfg, &bad) == TW_ERR_INVALID_INPUT && has("retention_seconds"), "NaN retention");
  CHECK(tw_recovery_new(NULL, NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
  tw_recovery_free(t);
  tw_recovery_free(NULL);
}

/* ------------------------------------------------------------ period --- */

static void test_period(void) {
  const char *policy = in_scratch("policy.toml");
  tw_period_observation o;
  tw_period_breach br[4];
  size_t n = 99;
  write_file(policy, "[pre_trade]\nmax_order_notional = 10000.0\n");

  /* period::evaluate's doctest: a daily loss of 12 000 on 1e6 AUM is a warning of the default 1 % limit */
  memset(&o, 0, sizeof o);
  o.present = TW_PERIOD_AUM | TW_PERIOD_DAILY_PNL;
  o.aum = 1e6;
  o.daily_pnl = -12000.0;
  CHECK(tw_period_evaluate(policy, &o, br, 4, &n) == TW_OK && n == 1, "one breach: %zu %s", n, last_error());
  CHECK(strcmp(br[0].rule, "daily_loss_ratio") == 0 && br[0].severity == TW_BREACH_WARNING &&
            fabs(br[0].value - 0.012) < 1e-12 && br[0].threshold == 0.01,
        "breach %s %u %g %g", br[0].rule, br[0].severity, br[0].value, br[0].threshold);
  /* nothing latched: the same call gives the same answer */
  CHECK(tw_period_evaluate(policy, &o, br, 4, &n) == TW_OK && n == 1, "stateless");
  /* critical, and a present NaN fails closed */
  o.present |= TW_PERIOD_DATA_AGE_S;
  o.daily_pnl = -25000.0;
  o.data_age_s = NAN;
  CHECK(tw_period_evaluate(policy, &o, br, 4, &n) == TW_OK && n == 2, "two breaches: %zu", n);
  CHECK(br[0].severity == TW_BREACH_CRITICAL && br[1].severity == TW_BREACH_CRITICAL, "both critical");
  CHECK(tw_period_evaluate(policy, &o, NULL, 0, &n) == TW_OK && n == 2, "capacity 0 counts");
  CHECK(tw_period_evaluate(policy, &o, br, 1, &n) == TW_OK && n == 2, "capacity 1 counts all");
  o.present = TW_PERIOD_AUM;
  CHECK(tw_period_evaluate(policy, &o, br, 4, &n) == TW_OK && n == 0, "no breach");

  n = 99;
  o.present = 1u << 20;
  CHECK(tw_period_evaluate(policy, &o, br, 4, &n) == TW_ERR_INVALID_INPUT && has("present") && n == 99,
        "unknown bit: %s", last_error());
  o.present = TW_PERIOD_AUM;
  CHECK(tw_period_evaluate(in_scratch("missing.toml"), &o, br, 4, &n) == TW_ERR_NOT_FOUND, "missing policy: %s",
        last_error());
  write_file(in_scratch("bad.toml"), "[period]\nno_such_limit = 1\n");
  CHECK(tw_period_evaluate(in_scratch("bad.toml"), &o, br, 4, &n) == TW_ERR_INVALID_CONFIG, "bad policy: %s",
        last_error());
  CHECK(tw_period_evaluate(NULL, &o, br, 4, &n) == TW_ERR_NULL_ARGUMENT && has("policy_path"), "NULL path");
  CHECK(tw_period_evaluate(policy, NULL, br, 4, &n) == TW_ERR_NULL_ARGUMENT && has("observation"), "NULL obs");
  CHECK(tw_period_evaluate(policy, &o, NULL, 4, &n) == TW_ERR_NULL_ARGUMENT && has("breaches"), "NULL breaches");
  CHECK(tw_period_evaluate(policy, &o, br, 4, NULL) == TW_ERR_NULL_ARGUMENT && has("n_breaches"), "NULL count");
  CHECK(tw_period_evaluate(policy, &o, br, SIZE_MAX, &n) == TW_ERR_INVALID_INPUT, "capacity overflows");
}

/* ------------------------------------------------------- monitor JS/KS --- */

static void test_monitor_js_ks(void) {
  /* reference: 10 values in each of 4 bins (edges -1, 0, 1); window: 10 in
     each of the top two bins. Frequencies p = (1/4)*4, q = (0, 0, 1/2, 1/2). */
  static const double EDGES[] = {-1.0, 0.0, 1.0};
  static const double BIN[] = {-1.5, -0.5, 0.5, 1.5};
  tw_profile_options po = {TW_BINS_EXPLICIT, 0, EDGES, 3, TW_NAN_POLICY_ERROR, 1};
  tw_profile *p = NULL;
  tw_monitor *m = NULL, *strict = NULL;
  tw_monitor_options o;
  tw_monitor_js_ks t;
  tw_live_scores s;
  tw_live_score old;
  double ref[40], win[20], js_want, kl_pm = 0.0, kl_qm = 0.0;
  const double pp[4] = {0.25, 0.25, 0.25, 0.25}, qq[4] = {0.0, 0.0, 0.5, 0.5};
  size_t i;
  for (i = 0; i < 40; i++) ref[i] = BIN[i % 4];
  for (i = 0; i < 20; i++) win[i] = BIN[2 + i % 2];
  for (i = 0; i < 4; i++) {
    double mm = 0.5 * (pp[i] + qq[i]);
    if (pp[i] > 0) kl_pm += pp[i] * log(pp[i] / mm);
    if (qq[i] > 0) kl_qm += qq[i] * log(qq[i] / mm);
  }
  js_want = sqrt(0.5 * (kl_pm + kl_qm));

  CHECK(tw_profile_new(&p) == TW_OK && tw_profile_fit(p, "x", ref, 40, &po) == TW_OK, "profile: %s", last_error());
  CHECK(tw_monitor_js_ks_default(&t) == TW_OK && fabs(t.js_threshold - sqrt(0.05)) < 1e-15 && t.ks_threshold == 0.15,
        "defaults %.17g %g", t.js_threshold, t.ks_threshold);
  tw_monitor_options_default(&o);
  o.window = 20;
  o.min_values = 5;
  CHECK(tw_monitor_new_js_ks(p, &o, NULL, &m) == TW_OK, "new: %s", last_error());
  t.js_threshold = 0.9; /* JS ≈ 0.47 stays under, KS 0.5 crosses 0.15 */
  CHECK(tw_monitor_new_js_ks(p, &o, &t, &strict) == TW_OK, "new with thresholds: %s", last_error());

  memset(&s, 0xAB, sizeof s);
  CHECK(tw_monitor_score_all(m, "x", &s) == TW_OK && s.ready == 0 && isnan(s.psi) && isnan(s.jensenshannon) &&
            isnan(s.ks) && s.n == 0,
        "not ready");
  CHECK(tw_monitor_push(m, "x", win, 20) == TW_OK && tw_monitor_push(strict, "x", win, 20) == TW_OK, "push");
  CHECK(tw_monitor_score_all(m, "x", &s) == TW_OK && s.ready == 1 && s.n == 20 && s.skipped == 0, "score: %s",
        last_error());
  CHECK(fabs(s.jensenshannon - js_want) <= 1e-12, "JS %.17g, by hand %.17g", s.jensenshannon, js_want);
  /* KS on the edges: the CDFs below the edges -1, 0, 1 are 0.25, 0.5, 0.75
     (reference) and 0, 0, 0.5 (window): the largest gap is 0.5, below 0 */
  CHECK(fabs(s.ks - 0.5) <= 1e-15, "KS %.17g, by hand 0.5", s.ks);
  CHECK(s.drift == 1 && s.js_drift == 1 && s.ks_drift == 1, "flags %u %u %u", s.drift, s.js_drift, s.ks_drift);
  /* the PSI fields equal tw_monitor_score's */
  CHECK(tw_monitor_score(m, "x", &old) == TW_OK && old.psi == s.psi && old.severity == s.severity && old.n == s.n,
        "same PSI as tw_monitor_score");
  CHECK(tw_monitor_score_all(strict, "x", &s) == TW_OK && s.js_drift == 0 && s.ks_drift == 1, "thresholds used");

  t.ks_threshold = -1.0;
  CHECK(tw_monitor_new_js_ks(p, &o, &t, &strict) == TW_ERR_INVALID_INPUT && has("ks_threshold"), "bad KS: %s",
        last_error());
  t.ks_threshold = 0.15;
  t.js_threshold = NAN;
  CHECK(tw_monitor_new_js_ks(p, &o, &t, &strict) == TW_ERR_INVALID_INPUT && has("js_threshold"), "NaN JS: %s",
        last_error());
  CHECK(tw_monitor_score_all(m, "nope", &s) == TW_ERR_NOT_FOUND, "unknown feature");
  CHECK(tw_monitor_score_all(m, "x", NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
  CHECK(tw_monitor_score_all(NULL, "x", &s) == TW_ERR_NULL_ARGUMENT, "NULL monitor");
  CHECK(tw_monitor_js_ks_default(NULL) == TW_ERR_NULL_ARGUMENT, "default NULL");
  tw_monitor_free(m);
  tw_monitor_free(strict);
  tw_profile_free(p);
}

/* ---------------------------------------------------------- registry --- */

static const char *MANIFEST =
    "{\"name\":\"m\",\"version\":\"v1\",\"architecture\":{\"input\":4,\"hidden\":[8],\"output\":1,"
    "\"activation\":\"relu\",\"output_kind\":\"point\"},\"files\":{\"weights.bpk\":"
    "\"0000000000000000000000000000000000000000000000000000000000000000\"},\"metrics\":{\"auc\":0.61},"
    "\"stage\":\"development\",\"created_at\":1700000000.5}";

static void test_inventory(void) {
  const char *root = in_scratch("registry");
  tw_registry *r = NULL;
  char buf[8192], tiny[16];
  size_t n = 0;
  CHECK(tw_registry_open(root, &r) == TW_OK && r != NULL, "open: %s", last_error());
  CHECK(tw_registry_inventory_json(r, "m", buf, sizeof buf, &n) == TW_OK, "empty: %s", last_error());
  CHECK(strcmp(buf, "{\"versions\":[],\"corrupt\":[]}") == 0 && n == strlen(buf), "unknown model: %s", buf);

  mkdir(in_scratch("registry/m"), 0755);
  mkdir(in_scratch("registry/m/versions"), 0755);
  mkdir(in_scratch("registry/m/versions/v1"), 0755);
  mkdir(in_scratch("registry/m/versions/v9"), 0755);
  write_file(in_scratch("registry/m/versions/v1/manifest.json"), MANIFEST);
  write_file(in_scratch("registry/m/versions/v9/manifest.json"), "{not json");
  CHECK(tw_registry_inventory_json(r, "m", buf, sizeof buf, &n) == TW_OK, "inventory: %s", last_error());
  CHECK(strstr(buf, "\"versions\":[{\"manifest\":{\"name\":\"m\",\"version\":\"v1\"") != NULL, "good v1: %s", buf);
  CHECK(strstr(buf, "\"active\":false,\"last_good\":false,\"signed\":false") != NULL, "pointers: %s", buf);
  CHECK(strstr(buf, "\"corrupt\":[{\"version\":\"v9\",\"path\":\"") != NULL &&
            strstr(buf, "v9/manifest.json\",\"reason\":\"") != NULL,
        "corrupt v9 with its file and reason: %s", buf);
  {
    size_t count = 0;
    CHECK(tw_registry_version_count(r, "m", &count) == TW_OK && count == 2, "two versions: %zu", count);
  }

  n = 77;
  CHECK(tw_registry_inventory_json(r, "m", tiny, sizeof tiny, &n) == TW_ERR_BUFFER_TOO_SMALL && n == 77 &&
            has("inventory"),
        "small buffer: %s", last_error());
  write_file(in_scratch("registry/m/active.json"), "garbage");
  CHECK(tw_registry_inventory_json(r, "m", buf, sizeof buf, &n) == TW_ERR_CORRUPT, "corrupt pointer: %s",
        last_error());
  CHECK(tw_registry_inventory_json(r, NULL, buf, sizeof buf, &n) == TW_ERR_NULL_ARGUMENT && has("name"), "NULL name");
  CHECK(tw_registry_inventory_json(r, "m", NULL, 8, &n) == TW_ERR_NULL_ARGUMENT && has("buf"), "NULL buf");
  CHECK(tw_registry_inventory_json(r, "m", buf, sizeof buf, NULL) == TW_ERR_NULL_ARGUMENT, "NULL written");
  CHECK(tw_registry_inventory_json(NULL, "m", buf, sizeof buf, &n) == TW_ERR_NULL_ARGUMENT, "NULL registry");
  tw_registry_free(r);
}

/* The registry's learning freeze (burn-free): freeze, query, unfreeze, and
   the misuses (blank who, corrupt record, NULLs). Register/promote refusing
   while frozen is in the conformance scenario (inference_registry.json). */
static void test_learning_freeze(void) {
  const char *root = in_scratch("registry-freeze");
  tw_registry *r = NULL;
  char buf[512], tiny[8];
  size_t n = 0;
  CHECK(tw_registry_open(root, &r) == TW_OK && r != NULL, "open: %s", last_error());
  CHECK(tw_registry_learning_freeze_json(r, "m", buf, sizeof buf, &n) == TW_ERR_NOT_FOUND, "not frozen: %s",
        last_error());
  CHECK(tw_registry_freeze_learning(r, "m", " ", "drift") == TW_ERR_INVALID_INPUT && has("who"), "blank who: %s",
        last_error());
  CHECK(tw_registry_freeze_learning(r, "m", "ops", "canary rollback") == TW_OK, "freeze: %s", last_error());
  CHECK(tw_registry_learning_freeze_json(r, "m", buf, sizeof buf, &n) == TW_OK && n == strlen(buf), "query: %s",
        last_error());
  CHECK(strstr(buf, "\"who\":\"ops\",\"why\":\"canary rollback\",\"since\":") == buf + 1, "record: %s", buf);
  n = 77;
  CHECK(tw_registry_learning_freeze_json(r, "m", tiny, sizeof tiny, &n) == TW_ERR_BUFFER_TOO_SMALL && n == 77,
        "small buffer: %s", last_error());
  CHECK(tw_registry_unfreeze_learning(r, "m") == TW_OK && tw_registry_unfreeze_learning(r, "m") == TW_OK,
        "unfreeze (twice): %s", last_error());
  CHECK(tw_registry_learning_freeze_json(r, "m", buf, sizeof buf, &n) == TW_ERR_NOT_FOUND, "unfrozen");
  write_file(in_scratch("registry-freeze/m/learning_freeze.json"), "{torn");
  CHECK(tw_registry_learning_freeze_json(r, "m", buf, sizeof buf, &n) == TW_ERR_CORRUPT, "corrupt record: %s",
        last_error());
  CHECK(tw_registry_freeze_learning(r, "m", NULL, "x") == TW_ERR_NULL_ARGUMENT && has("who"), "NULL who");
  CHECK(tw_registry_freeze_learning(NULL, "m", "a", "b") == TW_ERR_NULL_ARGUMENT, "NULL registry");
  CHECK(tw_registry_unfreeze_learning(r, NULL) == TW_ERR_NULL_ARGUMENT && has("name"), "NULL name");
  CHECK(tw_registry_learning_freeze_json(r, "m", buf, sizeof buf, NULL) == TW_ERR_NULL_ARGUMENT, "NULL written");
  tw_registry_free(r);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  snprintf(scratch, sizeof scratch, "%s", argv[1]);
  test_regime();
  test_sanity_guard();
  test_recovery();
  test_period();
  test_monitor_js_ks();
  test_inventory();
  test_learning_freeze();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
