/* C tests of the ABI's hardening (docs/c-api.md, "Handles" and "Lengths and
   sizes"): lengths whose byte size overflows (SIZE_MAX, SIZE_MAX/8 + 1, …)
   and counts that would abort on allocation are TW_ERR_INVALID_INPUT before
   anything is read or allocated; a handle of another type, a zeroed or
   misaligned pointer is refused ("not a live tw_xxx handle"); and a double
   free or a use after free is *detected* — a status, not a crash.

   The use-after-free and double-free checks read memory the allocator owns
   again: detection is best effort (docs/c-api.md), and the calls are
   undefined behaviour by the C contract, made here on purpose right after
   the free (nothing allocated in between, so the chunk is not reused). They
   also run under -fsanitize=address: the library, not instrumented, reads
   the tag and never calls free() a second time, so ASan has nothing to
   report. Define TW_NO_UAF_TESTS to leave them out.

   Built and run by scripts/test.d/40-c.sh, also under
   -fsanitize=address,undefined. Argument: a writable scratch directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

static const double SERIES[12] = {0.01, -0.02, 0.03, 0.005, -0.01, 0.02, 0.0, 0.015, -0.005, 0.01, 0.02, -0.03};

/* lengths whose byte size (8-byte elements) overflows or exceeds PTRDIFF_MAX */
static const size_t HUGE_LENS[4] = {SIZE_MAX, SIZE_MAX / 8 + 1, (size_t)PTRDIFF_MAX / 8 + 1, (size_t)PTRDIFF_MAX};

static tw_profile *fitted_profile(void) {
  double ref[40];
  int i;
  tw_profile *p = NULL;
  for (i = 0; i < 40; i++) ref[i] = (double)((i * 7) % 40);
  CHECK(tw_profile_new(&p) == TW_OK, "profile new");
  CHECK(tw_profile_fit(p, "x", ref, 40, NULL) == TW_OK, "fit: %s", last_error());
  return p;
}

static tw_engine *open_engine(const char *dir) {
  char path[2048];
  FILE *f;
  tw_engine *e = NULL;
  snprintf(path, sizeof path, "%s/policy.toml", dir);
  f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs("[symbols.ES]\n", f);
  fclose(f);
  CHECK(tw_engine_new_from_policy_file(path, NULL, 1e6, &e) == TW_OK, "engine: %s", last_error());
  return e;
}

static void huge_lengths(void) {
  size_t k;
  double out = -1.0, d = -1.0, pv = -1.0;
  tw_summary s;
  tw_profile *p = fitted_profile();
  tw_monitor *m = NULL;
  tw_report *r = NULL;
  const char *names[1] = {"x"};
  const double *values[1] = {SERIES};
  size_t lens[1] = {12};

  CHECK(tw_monitor_new(p, NULL, &m) == TW_OK, "monitor: %s", last_error());
  for (k = 0; k < 4; k++) {
    size_t len = HUGE_LENS[k];
    CHECK(tw_returns_sharpe_ratio(SERIES, len, NULL, &out) == TW_ERR_INVALID_INPUT && has("returns") &&
              has("isize::MAX"),
          "sharpe len %zu: %s", len, last_error());
    CHECK(out == -1.0, "out untouched");
    CHECK(tw_returns_summary(SERIES, 12, SERIES, len, NULL, &s) == TW_ERR_INVALID_INPUT && has("benchmark"),
          "summary benchmark_len %zu: %s", len, last_error());
    CHECK(tw_drift_ks_2samp(SERIES, len, SERIES, 12, TW_ALTERNATIVE_TWO_SIDED, &d, &pv) == TW_ERR_INVALID_INPUT &&
              has("length of a"),
          "ks na %zu: %s", len, last_error());
    CHECK(tw_drift_jensenshannon(SERIES, SERIES, len, 0.0, &out) == TW_ERR_INVALID_INPUT, "js len %zu", len);
    CHECK(tw_profile_fit(p, "y", SERIES, len, NULL) == TW_ERR_INVALID_INPUT && has("length of values"),
          "fit len %zu: %s", len, last_error());
    CHECK(tw_profile_psi(p, "x", SERIES, len, TW_PSI_STANDARD, 0.0, &out) == TW_ERR_INVALID_INPUT, "psi len %zu",
          len);
    CHECK(tw_monitor_push(m, "x", SERIES, len) == TW_ERR_INVALID_INPUT && has("length of values"),
          "push len %zu: %s", len, last_error());
    lens[0] = len;
    CHECK(tw_report_compute(p, names, values, lens, 1, NULL, &r) == TW_ERR_INVALID_INPUT && has("values[0]"),
          "report lens[0] %zu: %s", len, last_error());
    CHECK(r == NULL, "no report");
  }
  tw_monitor_free(m);
  tw_profile_free(p);
}

static void caps(const char *dir) {
  double out = -1.0;
  tw_profile *p = fitted_profile();
  tw_report *r = NULL;
  tw_engine *e = open_engine(dir);
  const char *names[1] = {"x"};
  const double *values[1] = {SERIES};
  size_t lens[1] = {12};
  tw_period_observation obs;
  tw_period_breach one[1];
  size_t n = 99;

  /* counts that drive an allocation: refused before it */
  CHECK(tw_report_compute(p, names, values, lens, SIZE_MAX, NULL, &r) == TW_ERR_INVALID_INPUT &&
            has("TW_MAX_REPORT_FEATURES"),
        "n_features SIZE_MAX: %s", last_error());
  CHECK(tw_report_compute(p, names, values, lens, SIZE_MAX / 8 + 1, NULL, &r) == TW_ERR_INVALID_INPUT,
        "n_features SIZE_MAX/8+1");
  CHECK(tw_report_compute(p, names, values, lens, (size_t)TW_MAX_REPORT_FEATURES + 1, NULL, &r) ==
            TW_ERR_INVALID_INPUT,
        "n_features cap + 1");
  CHECK(r == NULL, "no report");
  {
    tw_monitor_options o;
    tw_monitor *m2 = NULL;
    CHECK(tw_monitor_options_default(&o) == TW_OK, "monitor defaults");
    o.window = SIZE_MAX;
    CHECK(tw_monitor_new(p, &o, &m2) == TW_ERR_INVALID_INPUT && has("TW_MAX_MONITOR_WINDOW"),
          "window SIZE_MAX: %s", last_error());
    o.window = (size_t)TW_MAX_MONITOR_WINDOW + 1;
    CHECK(tw_monitor_new(p, &o, &m2) == TW_ERR_INVALID_INPUT, "window cap + 1");
    CHECK(m2 == NULL, "no monitor");
  }
  {
    tw_profile_options o = {TW_BINS_EXPLICIT, 0, SERIES, SIZE_MAX, TW_NAN_POLICY_ERROR, 1};
    CHECK(tw_profile_fit(p, "y", SERIES, 12, &o) == TW_ERR_INVALID_INPUT && has("edges_len"),
          "edges_len SIZE_MAX: %s", last_error());
  }
  memset(&obs, 0, sizeof obs);
  obs.present = TW_PERIOD_AUM;
  obs.aum = 1e6;
  CHECK(tw_engine_evaluate_period(e, &obs, one, SIZE_MAX, &n) == TW_ERR_INVALID_INPUT &&
            has("length of breaches"),
        "capacity SIZE_MAX: %s", last_error());
  CHECK(n == 99, "n untouched");
  CHECK(tw_engine_evaluate_period(e, &obs, one, 1, &n) == TW_OK, "capacity 1: %s", last_error());

  /* the valid calls still work */
  CHECK(tw_returns_sharpe_ratio(SERIES, 12, NULL, &out) == TW_OK, "sharpe");
  CHECK(tw_report_compute(p, names, values, lens, 1, NULL, &r) == TW_OK, "report: %s", last_error());
  tw_report_free(r);
  tw_engine_free(e);
  tw_profile_free(p);
}

static void foreign_handles(const char *dir) {
  tw_profile *p = fitted_profile();
  tw_engine *e = open_engine(dir);
  uint64_t zeros[16];
  size_t n = 0;
  tw_trading_state st = 99;
  memset(zeros, 0, sizeof zeros);
  CHECK(tw_engine_state((const tw_engine *)(const void *)p, &st) == TW_ERR_INVALID_INPUT &&
            has("not a live tw_engine handle"),
        "profile as engine: %s", last_error());
  CHECK(st == 99, "out untouched");
  CHECK(tw_profile_feature_count((const tw_profile *)(const void *)e, &n) == TW_ERR_INVALID_INPUT &&
            has("not a live tw_profile handle"),
        "engine as profile: %s", last_error());
  tw_profile_free((tw_profile *)(void *)e); /* refused: nothing freed */
  CHECK(has("nothing freed"), "free of a foreign handle: %s", last_error());
  CHECK(tw_engine_state(e, &st) == TW_OK, "the engine is still live");
  CHECK(tw_report_feature_count((const tw_report *)(const void *)zeros, &n) == TW_ERR_INVALID_INPUT &&
            has("tag is 0"),
        "zeroed memory: %s", last_error());
  CHECK(tw_engine_state((const tw_engine *)(const void *)((const char *)zeros + 4), &st) == TW_ERR_INVALID_INPUT &&
            has("not aligned"),
        "misaligned: %s", last_error());
  tw_engine_free(e);
  tw_profile_free(p);
}

#ifndef TW_NO_UAF_TESTS
static void freed_handles(const char *dir, int use_after_free, int double_free) {
  size_t n = 0;
  tw_trading_state st = 99;
  tw_profile *p = fitted_profile();
  tw_monitor *m = NULL;
  tw_report *r = NULL;
  tw_engine *e = open_engine(dir);
  const char *names[1] = {"x"};
  const double *values[1] = {SERIES};
  size_t lens[1] = {12};
  tw_dataset_drift sum;
  tw_state_scorer *sc = NULL;
  tw_score_state *ss = NULL;
  tw_ks_bounds kb;
  CHECK(tw_monitor_new(p, NULL, &m) == TW_OK, "monitor");
  CHECK(tw_report_compute(p, names, values, lens, 1, NULL, &r) == TW_OK, "report: %s", last_error());
  CHECK(tw_state_scorer_new(p, 4, &sc) == TW_OK, "scorer: %s", last_error());
  CHECK(tw_state_scorer_state(sc, names, values, lens, 1, &ss) == TW_OK, "scorer state: %s", last_error());
  /* each freed once; no handle is created afterwards, so none can take a
     freed one's place */
  tw_score_state_free(ss);
  tw_state_scorer_free(sc);
  tw_report_free(r);
  tw_monitor_free(m);
  tw_engine_free(e);
  tw_profile_free(p);

  if (use_after_free) {
    /* a status naming the type, not garbage returned with TW_OK */
    CHECK(tw_profile_feature_count(p, &n) == TW_ERR_INVALID_INPUT && has("not a live tw_profile handle"),
          "profile after free: %s", last_error());
    CHECK(tw_report_summary(r, &sum) == TW_ERR_INVALID_INPUT && has("not a live tw_report handle"),
          "report after free: %s", last_error());
    CHECK(tw_engine_state(e, &st) == TW_ERR_INVALID_INPUT && has("not a live tw_engine handle"),
          "engine after free: %s", last_error());
    CHECK(st == 99, "out untouched");
    CHECK(tw_monitor_push(m, "x", SERIES, 3) == TW_ERR_INVALID_INPUT && has("not a live tw_monitor handle"),
          "monitor after free: %s", last_error());
    CHECK(tw_score_state_bytes_length(ss, &n) == TW_ERR_INVALID_INPUT && has("not a live tw_score_state handle"),
          "score state after free: %s", last_error());
    /* the scorer is checked first */
    CHECK(tw_state_scorer_ks_bounds(sc, ss, "x", &kb) == TW_ERR_INVALID_INPUT &&
              has("not a live tw_state_scorer handle"),
          "scorer after free: %s", last_error());
  }
  if (double_free) {
    /* detected: nothing freed twice (no crash, no allocator abort) */
    tw_profile_free(p);
    CHECK(has("tw_profile_free") && has("nothing freed"), "profile double free: %s", last_error());
    tw_report_free(r);
    CHECK(has("tw_report_free") && has("nothing freed"), "report double free: %s", last_error());
    tw_engine_free(e);
    CHECK(has("tw_engine_free") && has("nothing freed"), "engine double free: %s", last_error());
    tw_monitor_free(m);
    CHECK(has("tw_monitor_free") && has("nothing freed"), "monitor double free: %s", last_error());
    tw_state_scorer_free(sc);
    CHECK(has("tw_state_scorer_free") && has("nothing freed"), "scorer double free: %s", last_error());
    tw_score_state_free(ss);
    CHECK(has("tw_score_state_free") && has("nothing freed"), "score state double free: %s", last_error());
  }
}
#endif

/* argv[2], optional: run one section only (lengths, caps, foreign,
   use_after_free, double_free) — to see each fail on its own against an
   unhardened library. */
static int run(int argc, char **argv, const char *name) { return argc < 3 || strcmp(argv[2], name) == 0; }

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  if (run(argc, argv, "lengths")) huge_lengths();
  if (run(argc, argv, "caps")) caps(dir);
  if (run(argc, argv, "foreign")) foreign_handles(dir);
#ifndef TW_NO_UAF_TESTS
  if (run(argc, argv, "use_after_free") || run(argc, argv, "double_free"))
    freed_handles(dir, run(argc, argv, "use_after_free"), run(argc, argv, "double_free"));
#endif
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
