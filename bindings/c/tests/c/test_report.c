/* C tests of the drift report ABI (tw_report_*): every row equals the
   single-feature functions on the same data (tw_profile_ks for the KS
   features, tw_profile_psi for the PSI ones), the method rule, bands,
   drift flags, Bonferroni correction and dataset summary are recomputed
   here from the documented rules, a report of a current profile equals the
   report of its data, the JSON export follows the buffer convention, and
   every misuse gets its documented status and a message naming the
   parameter. Built and run by scripts/test.d/40-c.sh, also under
   -fsanitize=address,undefined. Argument: a scratch directory (unused). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

static int close_to(double got, double want) {
  double tol = 1e-12 * fabs(want);
  if (tol < 1e-15) tol = 1e-15;
  return fabs(got - want) <= tol;
}

static tw_severity classify(const tw_severity_bands *b, double v) {
  if (v > b->critical) return TW_SEVERITY_CRITICAL;
  if (v > b->high) return TW_SEVERITY_HIGH;
  if (v > b->medium) return TW_SEVERITY_MEDIUM;
  if (v > b->low) return TW_SEVERITY_LOW;
  return TW_SEVERITY_NONE;
}

/* splitmix64 uniform in [0, 1) */
static double uniform(uint64_t *state) {
  uint64_t z;
  *state += 0x9E3779B97F4A7C15ULL;
  z = *state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static double *sample(uint64_t seed, size_t n, double shift) {
  double *v = (double *)malloc(n * sizeof(double));
  size_t i;
  if (v == NULL) abort();
  for (i = 0; i < n; i++) v[i] = shift + uniform(&seed) + uniform(&seed) + uniform(&seed) - 1.5;
  return v;
}

/* Features: a (500 reference values: KS decides, shifted), b (2000: PSI
   decides, shifted), c (300: KS, same distribution). */
enum { NA = 500, NB = 2000, NC = 300, CA = 400, CB = 900, CC = 250 };
static const char *NAMES[3] = {"a", "b", "c"};

typedef struct {
  double *ref[3];
  double *cur[3];
  size_t nref[3], ncur[3];
  tw_profile *profile;
} fixture;

static void fixture_init(fixture *f) {
  size_t i;
  f->nref[0] = NA;
  f->nref[1] = NB;
  f->nref[2] = NC;
  f->ncur[0] = CA;
  f->ncur[1] = CB;
  f->ncur[2] = CC;
  f->ref[0] = sample(1, NA, 0.0);
  f->ref[1] = sample(2, NB, 0.0);
  f->ref[2] = sample(0x1234567ULL, NC, 0.0);
  f->cur[0] = sample(11, CA, 0.3);
  f->cur[1] = sample(12, CB, 0.5);
  f->cur[2] = sample(0xABCDEF01ULL, CC, 0.0);
  f->profile = NULL;
  CHECK(tw_profile_new(&f->profile) == TW_OK, "profile new");
  for (i = 0; i < 3; i++)
    CHECK(tw_profile_fit(f->profile, NAMES[i], f->ref[i], f->nref[i], NULL) == TW_OK, "fit %s: %s", NAMES[i],
          last_error());
}

static void fixture_free(fixture *f) {
  size_t i;
  for (i = 0; i < 3; i++) {
    free(f->ref[i]);
    free(f->cur[i]);
  }
  tw_profile_free(f->profile);
}

static tw_report *compute(fixture *f, const tw_report_options *o) {
  tw_report *r = NULL;
  const double *values[3];
  size_t i;
  for (i = 0; i < 3; i++) values[i] = f->cur[i];
  CHECK(tw_report_compute(f->profile, NAMES, values, f->ncur, 3, o, &r) == TW_OK && r != NULL, "compute: %s",
        last_error());
  return r;
}

static void test_defaults(void) {
  tw_report_options o;
  memset(&o, 0xAB, sizeof o);
  CHECK(tw_report_options_default(&o) == TW_OK, "options_default");
  CHECK(o.alpha == 0.05 && o.psi_threshold == 0.2 && o.js_threshold == 0.1 && o.large_sample == 1000,
        "alpha %g psi %g js %g large %zu", o.alpha, o.psi_threshold, o.js_threshold, o.large_sample);
  CHECK(o.correction == TW_CORRECTION_NONE && o.drift_share == 0.5, "correction %u share %g", o.correction,
        o.drift_share);
  CHECK(o.ks_bands.low == 0.1 && o.ks_bands.medium == 0.2 && o.ks_bands.high == 0.3 && o.ks_bands.critical == 0.5,
        "ks bands");
  CHECK(o.psi_bands.low == 0.05 && o.psi_bands.medium == 0.1 && o.psi_bands.high == 0.2 &&
            o.psi_bands.critical == 0.25,
        "psi bands");
  CHECK(o.psi_mode == TW_PSI_STANDARD && o.psi_epsilon == 1e-4, "psi mode %u eps %g", o.psi_mode, o.psi_epsilon);
  CHECK(tw_report_options_default(NULL) == TW_ERR_NULL_ARGUMENT, "default NULL");
}

/* Checks every row of `r` against the single-feature functions and the
   documented rules; `bonferroni`: p-values adjusted by m = 2 (a and c). */
static void check_rows(fixture *f, tw_report *r, const tw_report_options *o, int bonferroni) {
  size_t i, n = 0, drifted = 0;
  tw_dataset_drift sum;
  CHECK(tw_report_feature_count(r, &n) == TW_OK && n == 3, "feature count %zu", n);
  for (i = 0; i < 3; i++) {
    tw_feature_drift row;
    double d = -1.0, p = -1.0, psi = -1.0;
    char name[8];
    size_t w = 0, idx = 99;
    int small = f->nref[i] <= o->large_sample;
    CHECK(tw_report_feature(r, i, &row) == TW_OK, "row %zu: %s", i, last_error());
    CHECK(tw_report_feature_name(r, i, name, sizeof name, &w) == TW_OK && w == 1 && strcmp(name, NAMES[i]) == 0,
          "name %zu = %s", i, name);
    CHECK(tw_report_feature_index(r, NAMES[i], &idx) == TW_OK && idx == i, "index of %s = %zu", NAMES[i], idx);
    CHECK(tw_profile_ks(f->profile, NAMES[i], f->cur[i], f->ncur[i], TW_ALTERNATIVE_TWO_SIDED, &d, &p) == TW_OK,
          "ks");
    CHECK(tw_profile_psi(f->profile, NAMES[i], f->cur[i], f->ncur[i], TW_PSI_STANDARD, 0.0, &psi) == TW_OK, "psi");
    CHECK(close_to(row.ks_statistic, d) && close_to(row.ks_pvalue, p), "%s: ks %.17g/%.17g vs %.17g/%.17g",
          NAMES[i], row.ks_statistic, row.ks_pvalue, d, p);
    CHECK(close_to(row.psi, psi), "%s: psi %.17g vs %.17g", NAMES[i], row.psi, psi);
    CHECK(isfinite(row.jensenshannon) && row.jensenshannon >= 0.0, "%s: js %g", NAMES[i], row.jensenshannon);
    CHECK(row.n_reference == f->nref[i] && row.n_current == f->ncur[i], "%s: sizes", NAMES[i]);
    if (small) {
      double adj = bonferroni ? (2.0 * p < 1.0 ? 2.0 * p : 1.0) : p;
      CHECK(row.method == TW_METHOD_KS && row.has_pvalue == 1, "%s: KS decides", NAMES[i]);
      CHECK(close_to(row.statistic, d) && close_to(row.pvalue, p), "%s: statistic/pvalue", NAMES[i]);
      CHECK(close_to(row.pvalue_adjusted, adj), "%s: adjusted %.17g vs %.17g", NAMES[i], row.pvalue_adjusted, adj);
      CHECK(row.drift == (adj < o->alpha), "%s: drift %u (p_adj %g)", NAMES[i], row.drift, adj);
      CHECK(row.severity == classify(&o->ks_bands, d), "%s: severity %u", NAMES[i], row.severity);
    } else {
      CHECK(row.method == TW_METHOD_PSI && row.has_pvalue == 0, "%s: PSI decides", NAMES[i]);
      CHECK(isnan(row.pvalue) && isnan(row.pvalue_adjusted), "%s: no p-value", NAMES[i]);
      CHECK(close_to(row.statistic, psi), "%s: statistic", NAMES[i]);
      CHECK(row.drift == (psi > o->psi_threshold), "%s: drift %u (psi %g)", NAMES[i], row.drift, psi);
      CHECK(row.severity == classify(&o->psi_bands, psi), "%s: severity %u", NAMES[i], row.severity);
    }
    drifted += row.drift;
  }
  CHECK(tw_report_summary(r, &sum) == TW_OK, "summary");
  CHECK(sum.n_features == 3 && sum.n_drifted == drifted, "summary counts %zu %zu", sum.n_features, sum.n_drifted);
  CHECK(sum.drift_share == (double)drifted / 3.0, "share %g", sum.drift_share);
  CHECK(sum.dataset_drift == (sum.drift_share >= o->drift_share), "dataset drift %u", sum.dataset_drift);
}

static void test_compute(void) {
  fixture f;
  tw_report *r, *rb, *rp;
  tw_report_options o;
  tw_feature_drift row;
  tw_dataset_drift sum;
  fixture_init(&f);
  CHECK(tw_report_options_default(&o) == TW_OK, "defaults");

  r = compute(&f, NULL);
  check_rows(&f, r, &o, 0);
  /* the fixture's expected outcome: a and b drift, c does not */
  CHECK(tw_report_summary(r, &sum) == TW_OK && sum.n_drifted == 2 && sum.dataset_drift == 1,
        "a and b drift: %zu", sum.n_drifted);
  CHECK(tw_report_feature(r, 2, &row) == TW_OK && row.drift == 0, "c does not drift (p = %g)", row.pvalue);

  o.correction = TW_CORRECTION_BONFERRONI;
  rb = compute(&f, &o);
  check_rows(&f, rb, &o, 1);
  tw_report_free(rb);

  /* Evidently PSI over the stored reference: computed and reported */
  {
    tw_report_options e = o;
    tw_report *re;
    e.correction = TW_CORRECTION_BENJAMINI_HOCHBERG;
    e.psi_mode = TW_PSI_EVIDENTLY;
    re = compute(&f, &e);
    CHECK(tw_report_feature(re, 1, &row) == TW_OK && row.method == TW_METHOD_PSI && isfinite(row.psi),
          "evidently psi %g", row.psi);
    tw_report_free(re);
  }

  /* a current profile scores like its data */
  {
    tw_profile *cur = NULL;
    size_t i;
    CHECK(tw_profile_new(&cur) == TW_OK, "current profile");
    for (i = 0; i < 3; i++)
      CHECK(tw_profile_fit(cur, NAMES[i], f.cur[i], f.ncur[i], NULL) == TW_OK, "fit current %s", NAMES[i]);
    rp = NULL;
    CHECK(tw_report_compute_profiles(f.profile, cur, NULL, &rp) == TW_OK && rp != NULL, "compute_profiles: %s",
          last_error());
    for (i = 0; i < 3; i++) {
      tw_feature_drift x, y;
      CHECK(tw_report_feature(r, i, &x) == TW_OK && tw_report_feature(rp, i, &y) == TW_OK, "rows %zu", i);
      CHECK(x.method == y.method && x.drift == y.drift && x.severity == y.severity && x.n_current == y.n_current,
            "profile row %zu: method/drift/severity/n", i);
      CHECK(x.statistic == y.statistic && x.psi == y.psi && x.ks_statistic == y.ks_statistic,
            "profile row %zu: %.17g vs %.17g", i, x.statistic, y.statistic);
      CHECK((isnan(x.pvalue) && isnan(y.pvalue)) || x.pvalue == y.pvalue, "profile row %zu p-value", i);
    }
    /* errors: a current feature the reference lacks, a current profile
       without its stored values, NULL current */
    {
      tw_profile *bins_only = NULL, *other = NULL;
      tw_report *none = NULL;
      tw_profile_options no_ref = {TW_BINS_QUANTILE, 10, NULL, 0, TW_NAN_POLICY_ERROR, 0};
      CHECK(tw_profile_new(&bins_only) == TW_OK && tw_profile_new(&other) == TW_OK, "profiles");
      CHECK(tw_profile_fit(bins_only, "a", f.cur[0], f.ncur[0], &no_ref) == TW_OK, "fit bins only");
      CHECK(tw_report_compute_profiles(f.profile, bins_only, NULL, &none) == TW_ERR_INVALID_INPUT &&
                has("keep_reference"),
            "bins-only current: %s", last_error());
      CHECK(tw_profile_fit(other, "zz", f.cur[0], f.ncur[0], NULL) == TW_OK, "fit zz");
      CHECK(tw_report_compute_profiles(f.profile, other, NULL, &none) == TW_ERR_NOT_FOUND && has("zz"),
            "unknown current feature: %s", last_error());
      CHECK(tw_report_compute_profiles(f.profile, NULL, NULL, &none) == TW_ERR_NULL_ARGUMENT && has("current"),
            "NULL current");
      CHECK(tw_report_compute_profiles(NULL, cur, NULL, &none) == TW_ERR_NULL_ARGUMENT, "NULL reference");
      CHECK(tw_report_compute_profiles(f.profile, cur, NULL, NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
      CHECK(none == NULL, "out untouched");
      tw_profile_free(bins_only);
      tw_profile_free(other);
    }
    tw_profile_free(cur);
    tw_report_free(rp);
  }

  /* JSON export: length, too small, exact, content */
  {
    size_t need = 0, w = 12345;
    char *buf;
    char tiny[4] = {'x', 'x', 'x', 'x'};
    CHECK(tw_report_to_json_length(r, &need) == TW_OK && need > 100, "json length %zu", need);
    buf = (char *)malloc(need);
    if (buf == NULL) abort();
    memset(buf, 'x', need);
    CHECK(tw_report_to_json(r, buf, need - 1, &w) == TW_ERR_BUFFER_TOO_SMALL, "one byte short");
    CHECK(has("len = ") && w == 12345 && buf[0] == 'x', "nothing written: %s", last_error());
    CHECK(tw_report_to_json(r, tiny, 0, &w) == TW_ERR_BUFFER_TOO_SMALL && tiny[0] == 'x', "len 0");
    CHECK(tw_report_to_json(r, buf, need, &w) == TW_OK && w == need - 1 && strlen(buf) == w, "exact: %zu", w);
    CHECK(buf[0] == '{' && buf[w - 1] == '}', "an object");
    CHECK(strstr(buf, "\"name\":\"a\"") != NULL && strstr(buf, "\"method\":\"ks\"") != NULL &&
              strstr(buf, "\"method\":\"psi\"") != NULL && strstr(buf, "\"dataset_drift\":true") != NULL &&
              strstr(buf, "\"n_drifted\":2") != NULL,
          "json content: %.200s", buf);
    CHECK(tw_report_to_json(r, NULL, need, &w) == TW_ERR_NULL_ARGUMENT && has("buf"), "NULL buf");
    CHECK(tw_report_to_json(r, buf, need, NULL) == TW_ERR_NULL_ARGUMENT && has("written"), "NULL written");
    CHECK(tw_report_to_json(NULL, buf, need, &w) == TW_ERR_NULL_ARGUMENT && has("report"), "NULL report");
    CHECK(tw_report_to_json_length(r, NULL) == TW_ERR_NULL_ARGUMENT, "NULL length out");
    free(buf);
  }

  /* accessors: bad index, small name buffer, unknown name, NULLs */
  {
    char name[2] = {'q', 'q'};
    size_t w = 77, idx = 77, n = 77;
    memset(&row, 0x5A, sizeof row);
    CHECK(tw_report_feature(r, 3, &row) == TW_ERR_NOT_FOUND && has("index = 3"), "index 3: %s", last_error());
    CHECK(row.method == 0x5A5A5A5Au, "row untouched");
    CHECK(tw_report_feature(r, 0, NULL) == TW_ERR_NULL_ARGUMENT, "NULL row");
    CHECK(tw_report_feature(NULL, 0, &row) == TW_ERR_NULL_ARGUMENT, "NULL report");
    CHECK(tw_report_feature_name(r, 0, name, 1, &w) == TW_ERR_BUFFER_TOO_SMALL && w == 77 && name[0] == 'q',
          "name buffer 1 byte");
    CHECK(tw_report_feature_name(r, 0, name, 2, &w) == TW_OK && w == 1 && name[0] == 'a' && name[1] == 0,
          "name buffer 2 bytes");
    CHECK(tw_report_feature_name(r, 9, name, 2, &w) == TW_ERR_NOT_FOUND, "name index 9");
    CHECK(tw_report_feature_name(r, 0, NULL, 2, &w) == TW_ERR_NULL_ARGUMENT, "name NULL buf");
    CHECK(tw_report_feature_index(r, "zz", &idx) == TW_ERR_NOT_FOUND && has("zz") && idx == 77,
          "unknown name: %s", last_error());
    CHECK(tw_report_feature_index(r, NULL, &idx) == TW_ERR_NULL_ARGUMENT, "NULL name");
    CHECK(tw_report_feature_count(NULL, &n) == TW_ERR_NULL_ARGUMENT && n == 77, "count NULL report");
    CHECK(tw_report_feature_count(r, NULL) == TW_ERR_NULL_ARGUMENT, "count NULL out");
    CHECK(tw_report_summary(r, NULL) == TW_ERR_NULL_ARGUMENT, "summary NULL out");
  }
  tw_report_free(r);
  tw_report_free(NULL); /* no-op */
  fixture_free(&f);
}

static void test_compute_errors(void) {
  fixture f;
  tw_report *r = NULL;
  tw_report_options d, o;
  const double *values[3];
  const char *names[3] = {"a", "b", "c"};
  size_t lens[3];
  size_t i;
  fixture_init(&f);
  CHECK(tw_report_options_default(&d) == TW_OK, "defaults");
  for (i = 0; i < 3; i++) {
    values[i] = f.cur[i];
    lens[i] = f.ncur[i];
  }
  CHECK(tw_report_compute(NULL, names, values, lens, 3, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("reference is NULL"),
        "NULL reference");
  CHECK(tw_report_compute(f.profile, NULL, values, lens, 3, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("features"),
        "NULL features");
  CHECK(tw_report_compute(f.profile, names, NULL, lens, 3, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("values"),
        "NULL values");
  CHECK(tw_report_compute(f.profile, names, values, NULL, 3, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("lens"),
        "NULL lens");
  CHECK(tw_report_compute(f.profile, names, values, lens, 3, NULL, NULL) == TW_ERR_NULL_ARGUMENT && has("out"),
        "NULL out");
  CHECK(tw_report_compute(f.profile, names, values, lens, 0, NULL, &r) == TW_ERR_INVALID_INPUT && has("current"),
        "no features: %s", last_error());
  names[1] = NULL;
  CHECK(tw_report_compute(f.profile, names, values, lens, 3, NULL, &r) == TW_ERR_NULL_ARGUMENT &&
            has("features[1] is NULL"),
        "NULL features[1]: %s", last_error());
  names[1] = "nope";
  CHECK(tw_report_compute(f.profile, names, values, lens, 3, NULL, &r) == TW_ERR_NOT_FOUND && has("nope"),
        "unknown feature: %s", last_error());
  names[1] = "b";
  values[2] = NULL;
  CHECK(tw_report_compute(f.profile, names, values, lens, 3, NULL, &r) == TW_ERR_NULL_ARGUMENT &&
            has("values[2] is NULL"),
        "NULL values[2]: %s", last_error());
  values[2] = f.cur[2];
  lens[0] = 0;
  CHECK(tw_report_compute(f.profile, names, values, lens, 3, NULL, &r) == TW_ERR_INVALID_INPUT, "empty a: %s",
        last_error());
  lens[0] = f.ncur[0];
  f.cur[2][7] = NAN;
  CHECK(tw_report_compute(f.profile, names, values, lens, 3, NULL, &r) == TW_ERR_INVALID_INPUT && has("[7]"),
        "NaN in c: %s", last_error());
  f.cur[2][7] = 0.0;

#define BAD_OPTION(field, value, needle)                                                                       \
  do {                                                                                                         \
    o = d;                                                                                                     \
    o.field = value;                                                                                           \
    CHECK(tw_report_compute(f.profile, names, values, lens, 3, &o, &r) == TW_ERR_INVALID_INPUT && has(needle), \
          #field " = " #value ": %s", last_error());                                                           \
  } while (0)
  BAD_OPTION(alpha, 0.0, "alpha");
  BAD_OPTION(alpha, NAN, "alpha");
  BAD_OPTION(alpha, 1.0, "alpha");
  BAD_OPTION(psi_threshold, -1.0, "psi_threshold");
  BAD_OPTION(psi_threshold, NAN, "psi_threshold");
  BAD_OPTION(js_threshold, 2.0, "js_threshold");
  BAD_OPTION(drift_share, 0.0, "drift_share");
  BAD_OPTION(drift_share, NAN, "drift_share");
  BAD_OPTION(correction, 9, "correction = 9");
  BAD_OPTION(psi_mode, 5, "psi_mode = 5");
  BAD_OPTION(psi_epsilon, 2.0, "psi_epsilon = 2");
  BAD_OPTION(psi_epsilon, NAN, "psi_epsilon");
  BAD_OPTION(ks_bands.low, 0.9, "ks_bands");
  BAD_OPTION(psi_bands.critical, INFINITY, "psi_bands");
#undef BAD_OPTION
  CHECK(r == NULL, "out untouched on every error");
  /* psi_epsilon 0 means the default */
  o = d;
  o.psi_epsilon = 0.0;
  CHECK(tw_report_compute(f.profile, names, values, lens, 3, &o, &r) == TW_OK && r != NULL, "eps 0: %s",
        last_error());
  tw_report_free(r);
  fixture_free(&f);
}

static void test_method_names(void) {
  CHECK(strcmp(tw_method_name(TW_METHOD_KS), "ks") == 0, "ks");
  CHECK(strcmp(tw_method_name(TW_METHOD_PSI), "psi") == 0, "psi");
  CHECK(strcmp(tw_method_name(TW_METHOD_JENSENSHANNON), "jensenshannon") == 0, "js");
  CHECK(strcmp(tw_method_name(TW_METHOD_CHI2), "chi2") == 0, "chi2");
  CHECK(tw_method_name(TW_METHOD_OTHER) == NULL && tw_method_name(4) == NULL, "unknown");
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  test_defaults();
  test_compute();
  test_compute_errors();
  test_method_names();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
