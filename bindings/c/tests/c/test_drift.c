/* C tests of the drift ABI: KS and Jensen-Shannon equal scipy's values (the
   reference cases crates/drift/tests/data/scipy_cases.json, which the Rust
   API matches), Evidently PSI equals the numpy reference, profiles survive
   save/load, and misuse gets its documented status. Built and run by
   scripts/test.d/40-c.sh, also under -fsanitize=address,undefined.
   Argument: a writable scratch directory. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

/* |got - want| <= max(rel*|want|, abs) */
static int close_to(double got, double want, double rel, double abs_tol) {
  double tol = rel * fabs(want);
  if (tol < abs_tol) tol = abs_tol;
  return fabs(got - want) <= tol;
}

/* The deterministic sample generator of crates/drift/tests/gen_scipy_cases.py. */
typedef struct {
  uint64_t seed;
  size_t n;
  double shift, scale, ties;
} spec;

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z;
  *state += 0x9E3779B97F4A7C15ULL;
  z = *state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double *gen_sample(spec s) {
  double *v = (double *)malloc(s.n * sizeof(double));
  uint64_t state = s.seed;
  size_t i;
  int k;
  if (v == NULL) return NULL;
  for (i = 0; i < s.n; i++) {
    double us[3], x;
    for (k = 0; k < 3; k++) us[k] = (double)(splitmix64(&state) >> 11) * (1.0 / 9007199254740992.0);
    x = s.shift + s.scale * (((us[0] + us[1]) + us[2]) - 1.5);
    if (s.ties > 0.0) x = floor(x * s.ties + 0.5) / s.ties;
    v[i] = x;
  }
  return v;
}

typedef struct {
  spec a, b;
  tw_alternative alt;
  double statistic, pvalue;
} ks_case;

/* scipy 1.x ks_2samp(method="auto") */
static const ks_case KS[] = {
    {{1638209870379054710ULL, 11, 0.0, 0.5, 4.0}, {542614340635066467ULL, 8, 0.0, 0.5, 4.0}, TW_ALTERNATIVE_TWO_SIDED, 0.32954545454545453, 0.5728877245905108},
    {{7731403687380776819ULL, 2749, 0.0, 2.0, 0.0}, {4860125788254925381ULL, 55, 0.05, 2.0, 0.0}, TW_ALTERNATIVE_LESS, 0.08936803465723073, 0.3984249228710628},
    {{6262130793253636145ULL, 3, 0.0, 1.0, 0.0}, {7425341579622440497ULL, 13, 0.0, 1.0, 0.0}, TW_ALTERNATIVE_GREATER, 0.46153846153846156, 0.2785714285714286},
    {{5853408823050619600ULL, 2326, 0.0, 2.0, 0.0}, {8419376773435196946ULL, 21, 0.0, 0.5, 0.0}, TW_ALTERNATIVE_TWO_SIDED, 0.356078286860746, 0.00722637244675179},
    {{7980021929490245691ULL, 188, 0.0, 0.5, 20.0}, {2204844554012841713ULL, 809, 0.0, 2.0, 20.0}, TW_ALTERNATIVE_LESS, 0.30456565762827764, 2.505775428434164e-13},
    {{7305164083910221836ULL, 12, 0.0, 0.5, 20.0}, {4598331330041051302ULL, 20, 0.05, 1.0, 20.0}, TW_ALTERNATIVE_GREATER, 0.3, 0.22055772893418588},
    {{8262461667158076997ULL, 3874, 0.0, 2.0, 20.0}, {605216182418203002ULL, 136, 1.0, 1.0, 20.0}, TW_ALTERNATIVE_TWO_SIDED, 0.5407050016702603, 2.1780416134602207e-36},
    {{6206182922782798913ULL, 1013, 0.0, 0.5, 20.0}, {6501054500814404328ULL, 38, 1.0, 2.0, 20.0}, TW_ALTERNATIVE_LESS, 0.02631578947368421, 0.9330228308925244},
    {{5309004932770155402ULL, 1748, 0.0, 2.0, 20.0}, {5645530488788040070ULL, 8, 0.05, 1.0, 20.0}, TW_ALTERNATIVE_GREATER, 0.3255148741418764, 0.14947086311363364},
    /* max(n1, n2) > 10000: the asymptotic branch of "auto" */
    {{2575153078979063842ULL, 16963, 0.0, 1.0, 0.0}, {5134001087218527200ULL, 1513, 0.0, 1.0, 0.0}, TW_ALTERNATIVE_GREATER, 0.030350688616283428, 0.07569295914962704},
    {{7566363485857606737ULL, 24, 0.0, 0.5, 0.0}, {3738216367703716571ULL, 5, 0.2, 1.0, 0.0}, TW_ALTERNATIVE_LESS, 0.2, 0.6439644646541198},
    {{3026124015145448040ULL, 23, 0.0, 2.0, 0.0}, {8610422668868238662ULL, 112, 0.0, 1.0, 0.0}, TW_ALTERNATIVE_TWO_SIDED, 0.327639751552795, 0.024622897303259297},
};

typedef struct {
  spec reference, current;
  double value;
} psi_case;

/* Evidently's psi stat test, numpy reference */
static const psi_case PSI_EVIDENTLY[] = {
    {{1725800078424824246ULL, 12, 0.0, 0.5, 4.0}, {3158084893092229366ULL, 3723, 0.0, 0.5, 4.0}, 3.2277738773926616},
    {{2923359925933532565ULL, 26, 0.0, 2.0, 0.0}, {4534033305064326474ULL, 14718, 0.05, 0.5, 20.0}, 1.9261570036436109},
    {{7193081273472773043ULL, 185, 0.0, 1.0, 0.0}, {3418661463088492524ULL, 139, 0.0, 0.5, 20.0}, 1.63235138083912},
    {{4350518687125935066ULL, 1737, 0.0, 2.0, 0.0}, {8968222779518198010ULL, 5, 0.0, 2.0, 4.0}, 4.293237257337756},
};

static void test_ks(void) {
  size_t i;
  for (i = 0; i < sizeof KS / sizeof KS[0]; i++) {
    double *a = gen_sample(KS[i].a), *b = gen_sample(KS[i].b);
    double d = -1.0, p = -1.0;
    tw_status st = tw_drift_ks_2samp(a, KS[i].a.n, b, KS[i].b.n, KS[i].alt, &d, &p);
    CHECK(st == TW_OK, "ks case %zu: status %d (%s)", i, st, last_error());
    CHECK(close_to(d, KS[i].statistic, 1e-15, 1e-15), "ks case %zu: D = %.17g, scipy %.17g", i, d, KS[i].statistic);
    CHECK(close_to(p, KS[i].pvalue, 1e-10, 1e-14), "ks case %zu: p = %.17g, scipy %.17g", i, p, KS[i].pvalue);
    free(a);
    free(b);
  }
  {
    const double a[] = {0.0, 0.1}, b[] = {0.2, 0.3};
    const double nan_b[] = {0.2, NAN};
    double d = 7.0, p = 7.0;
    CHECK(tw_drift_ks_2samp(a, 2, b, 2, TW_ALTERNATIVE_TWO_SIDED, &d, &p) == TW_OK, "ks small");
    CHECK(d == 1.0 && fabs(p - 1.0 / 3.0) < 1e-15, "ks small: D=%g p=%g", d, p);
    /* misuse: out-parameters untouched */
    d = 7.0;
    p = 7.0;
    CHECK(tw_drift_ks_2samp(NULL, 2, b, 2, TW_ALTERNATIVE_TWO_SIDED, &d, &p) == TW_ERR_NULL_ARGUMENT, "NULL a");
    CHECK(strstr(last_error(), "a is NULL") != NULL, "names a: %s", last_error());
    CHECK(tw_drift_ks_2samp(a, 2, NULL, 2, TW_ALTERNATIVE_TWO_SIDED, &d, &p) == TW_ERR_NULL_ARGUMENT, "NULL b");
    CHECK(tw_drift_ks_2samp(a, 2, b, 2, TW_ALTERNATIVE_TWO_SIDED, NULL, &p) == TW_ERR_NULL_ARGUMENT, "NULL statistic");
    CHECK(tw_drift_ks_2samp(a, 2, b, 2, TW_ALTERNATIVE_TWO_SIDED, &d, NULL) == TW_ERR_NULL_ARGUMENT, "NULL pvalue");
    CHECK(tw_drift_ks_2samp(a, 0, b, 2, TW_ALTERNATIVE_TWO_SIDED, &d, &p) == TW_ERR_INVALID_INPUT, "empty a");
    CHECK(strstr(last_error(), "data1") != NULL, "names the sample: %s", last_error());
    CHECK(tw_drift_ks_2samp(a, 2, nan_b, 2, TW_ALTERNATIVE_TWO_SIDED, &d, &p) == TW_ERR_INVALID_INPUT, "NaN");
    CHECK(strstr(last_error(), "data2[1] = NaN") != NULL, "names the index: %s", last_error());
    CHECK(tw_drift_ks_2samp(a, 2, b, 2, 3, &d, &p) == TW_ERR_INVALID_INPUT, "bad alternative");
    CHECK(strstr(last_error(), "alternative = 3") != NULL, "names alternative: %s", last_error());
    CHECK(d == 7.0 && p == 7.0, "out untouched on error");
  }
}

static void test_jensenshannon(void) {
  const double p1[] = {0.4050652518913068, 0.0, 0.6683873187849526, 0.3133305173951795, 0.7807548583385646};
  const double q1[] = {0.2734441770928545, 0.7135804147642754, 0.9469925658903765, 0.32149531320693814, 0.7671963253959972};
  const double p2[] = {0.6218803831643773, 0.9397462128570182, 0.22506719098397088, 0.9253127551619518, 0.0, 0.3764798799158007, 0.2521323169881434, 0.9451053840575582};
  const double q2[] = {0.3724257507928924, 0.5188070629290514, 0.12334384173396529, 0.15594908776616634, 0.26911244048798966, 0.8601502452939546, 0.706994787783649, 0.8005542158723233};
  const double p3[] = {0.045237124512979, 0.7524335716790715, 0.3300758679843666, 0.14178435904155462, 0.0, 0.785704573901795, 0.0, 0.1663179957417119, 0.5181773011471112, 0.531081962826199, 0.35338011933452684, 0.5920843620377629};
  const double q3[] = {0.05212340806056026, 0.3443509793663301, 0.7673289891017075, 0.34719619193651363, 0.9553242507280093, 0.17361645592075114, 0.5154863528517847, 0.27071345288076254, 0.41673172308121353, 0.9903438046255767, 0.21256753930534267, 0.5285805104987218};
  const double neg[] = {0.5, -0.1};
  const double zeros[] = {0.0, 0.0};
  const double with_nan[] = {0.5, NAN};
  double out = -1.0;
  CHECK(tw_drift_jensenshannon(p1, q1, 5, 0.0, &out) == TW_OK, "js natural");
  CHECK(close_to(out, 0.3106039000579495, 1e-12, 1e-15), "js natural = %.17g", out);
  CHECK(tw_drift_jensenshannon(p2, q2, 8, 10.0, &out) == TW_OK, "js base 10");
  CHECK(close_to(out, 0.20698108281882052, 1e-12, 1e-15), "js base 10 = %.17g", out);
  CHECK(tw_drift_jensenshannon(p3, q3, 12, 2.0, &out) == TW_OK, "js base 2");
  CHECK(close_to(out, 0.4733260043136742, 1e-12, 1e-15), "js base 2 = %.17g", out);
  CHECK(tw_drift_jensenshannon(p1, p1, 5, 2.0, &out) == TW_OK && out == 0.0, "js identical = %g", out);
  out = -1.0;
  CHECK(tw_drift_jensenshannon(NULL, q1, 5, 0.0, &out) == TW_ERR_NULL_ARGUMENT, "NULL p");
  CHECK(tw_drift_jensenshannon(p1, q1, 5, 0.0, NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
  CHECK(tw_drift_jensenshannon(p1, q1, 0, 0.0, &out) == TW_ERR_INVALID_INPUT, "len 0");
  CHECK(tw_drift_jensenshannon(p1, q1, 5, 1.0, &out) == TW_ERR_INVALID_INPUT, "base 1");
  CHECK(strstr(last_error(), "base = 1") != NULL, "names base: %s", last_error());
  CHECK(tw_drift_jensenshannon(p1, q1, 5, NAN, &out) == TW_ERR_INVALID_INPUT, "base NaN");
  CHECK(tw_drift_jensenshannon(neg, q1, 2, 0.0, &out) == TW_ERR_INVALID_INPUT, "negative weight");
  CHECK(tw_drift_jensenshannon(zeros, q1, 2, 0.0, &out) == TW_ERR_INVALID_INPUT, "all-zero p");
  CHECK(tw_drift_jensenshannon(with_nan, q1, 2, 0.0, &out) == TW_ERR_INVALID_INPUT, "NaN weight");
  CHECK(out == -1.0, "out untouched on error");
}

static void test_profile(const char *dir) {
  spec rs = {42ULL, 2000, 0.0, 1.0, 0.0}, cs = {43ULL, 1500, 0.4, 1.0, 0.0};
  double *ref = gen_sample(rs), *cur = gen_sample(cs);
  tw_profile *p = NULL, *q = NULL, *none = NULL;
  double psi_same = -1.0, psi = -1.0, psi2 = -1.0, d = 0.0, pv = 0.0, d_direct = 0.0, pv_direct = 0.0;
  size_t n = 99;
  char path[4096];
  snprintf(path, sizeof path, "%s/profile.twdp", dir);

  CHECK(tw_profile_new(&p) == TW_OK && p != NULL, "new");
  CHECK(tw_profile_fit(p, "spread", ref, rs.n, NULL) == TW_OK, "fit: %s", last_error());
  CHECK(tw_profile_feature_count(p, &n) == TW_OK && n == 1, "count = %zu", n);
  CHECK(tw_profile_psi(p, "spread", ref, rs.n, TW_PSI_STANDARD, 0.0, &psi_same) == TW_OK, "psi self");
  CHECK(psi_same == 0.0, "psi of the reference itself = %g", psi_same);
  CHECK(tw_profile_psi(p, "spread", cur, cs.n, TW_PSI_STANDARD, 0.0, &psi) == TW_OK, "psi");
  CHECK(psi > 0.1 && isfinite(psi), "a 0.4 sigma shift drifts: psi = %g", psi);
  /* the stored reference gives exactly the direct two-sample KS */
  CHECK(tw_profile_ks(p, "spread", cur, cs.n, TW_ALTERNATIVE_TWO_SIDED, &d, &pv) == TW_OK, "profile ks");
  CHECK(tw_drift_ks_2samp(ref, rs.n, cur, cs.n, TW_ALTERNATIVE_TWO_SIDED, &d_direct, &pv_direct) == TW_OK, "ks");
  CHECK(d == d_direct && pv == pv_direct, "profile ks %.17g/%.17g vs %.17g/%.17g", d, pv, d_direct, pv_direct);

  CHECK(tw_profile_save(p, path) == TW_OK, "save: %s", last_error());
  CHECK(tw_profile_load(path, &q) == TW_OK && q != NULL, "load: %s", last_error());
  CHECK(tw_profile_psi(q, "spread", cur, cs.n, TW_PSI_STANDARD, 0.0, &psi2) == TW_OK && psi2 == psi,
        "loaded psi %.17g vs %.17g", psi2, psi);
  CHECK(tw_profile_psi(q, "spread", cur, cs.n, TW_PSI_STANDARD, 1e-6, &psi2) == TW_OK && psi2 >= psi,
        "smaller epsilon never lowers psi: %.17g vs %.17g", psi2, psi);

  /* one call over two samples = fit + score (the library's psi_of_samples, as Python's psi) */
  {
    double one = -1.0, untouched = -1.0;
    tw_profile *w = NULL;
    tw_profile_options ew = {TW_BINS_EQUAL_WIDTH, 7, NULL, 0, TW_NAN_POLICY_ERROR, 0};
    tw_profile_options bad = {TW_BINS_QUANTILE, 1, NULL, 0, TW_NAN_POLICY_ERROR, 0};
    const double with_nan[] = {0.1, NAN, 0.5};
    CHECK(tw_drift_psi(ref, rs.n, cur, cs.n, NULL, TW_PSI_STANDARD, 0.0, &one) == TW_OK, "drift psi: %s",
          last_error());
    CHECK(one == psi, "tw_drift_psi %.17g vs fit + tw_profile_psi %.17g", one, psi);
    CHECK(tw_profile_new(&w) == TW_OK, "new");
    CHECK(tw_profile_fit(w, "ew7", ref, rs.n, &ew) == TW_OK, "fit ew7: %s", last_error());
    CHECK(tw_profile_psi(w, "ew7", cur, cs.n, TW_PSI_STANDARD, 1e-6, &psi2) == TW_OK, "psi ew7");
    tw_profile_free(w);
    CHECK(tw_drift_psi(ref, rs.n, cur, cs.n, &ew, TW_PSI_STANDARD, 1e-6, &one) == TW_OK && one == psi2,
          "equal width: %.17g vs %.17g", one, psi2);
    CHECK(tw_drift_psi(ref, rs.n, cur, cs.n, &bad, TW_PSI_STANDARD, 0.0, &untouched) == TW_ERR_INVALID_INPUT,
          "1 bin refused");
    CHECK(strstr(last_error(), "bins") != NULL, "names bins: %s", last_error());
    CHECK(tw_drift_psi(with_nan, 3, cur, cs.n, NULL, TW_PSI_STANDARD, 0.0, &untouched) == TW_ERR_INVALID_INPUT,
          "NaN in the reference under the error policy");
    CHECK(tw_drift_psi(ref, rs.n, cur, cs.n, NULL, 7, 0.0, &untouched) == TW_ERR_INVALID_INPUT, "bad mode");
    CHECK(strstr(last_error(), "mode = 7") != NULL, "names mode: %s", last_error());
    CHECK(tw_drift_psi(ref, rs.n, NULL, 5, NULL, TW_PSI_STANDARD, 0.0, &untouched) == TW_ERR_NULL_ARGUMENT,
          "NULL current");
    CHECK(untouched == -1.0, "out untouched on error");
  }

  /* explicit edges and equal-width options */
  {
    const double edges[] = {-1.0, 0.0, 1.0};
    tw_profile_options o = {TW_BINS_EXPLICIT, 0, edges, 3, TW_NAN_POLICY_ERROR, 0};
    tw_profile_options ew = {TW_BINS_EQUAL_WIDTH, 5, NULL, 0, TW_NAN_POLICY_SKIP, 1};
    tw_profile_options bad = {TW_BINS_QUANTILE, 1, NULL, 0, TW_NAN_POLICY_ERROR, 1};
    tw_profile_options bad_kind = {9, 10, NULL, 0, TW_NAN_POLICY_ERROR, 1};
    const double with_nan[] = {0.1, NAN, 0.5, 0.9, -0.3};
    CHECK(tw_profile_fit(p, "edges", ref, rs.n, &o) == TW_OK, "explicit: %s", last_error());
    CHECK(tw_profile_ks(p, "edges", cur, cs.n, TW_ALTERNATIVE_TWO_SIDED, &d, &pv) == TW_ERR_INVALID_INPUT,
          "ks without the stored reference: %s", last_error());
    CHECK(tw_profile_fit(p, "skip", with_nan, 5, &ew) == TW_OK, "equal width, NaN skipped: %s", last_error());
    CHECK(tw_profile_fit(p, "x", with_nan, 5, NULL) == TW_ERR_INVALID_INPUT, "NaN under the error policy");
    CHECK(strstr(last_error(), "reference[1]") != NULL, "names the index: %s", last_error());
    CHECK(tw_profile_fit(p, "x", ref, rs.n, &bad) == TW_ERR_INVALID_INPUT, "1 bin: %s", last_error());
    CHECK(tw_profile_fit(p, "x", ref, rs.n, &bad_kind) == TW_ERR_INVALID_INPUT, "bad bins_kind");
    CHECK(strstr(last_error(), "bins_kind = 9") != NULL, "names bins_kind: %s", last_error());
    CHECK(tw_profile_fit(p, "x", ref, 0, NULL) == TW_ERR_INVALID_INPUT, "no value: %s", last_error());
    CHECK(tw_profile_feature_count(p, &n) == TW_OK && n == 3, "failed fits add nothing: %zu", n);
    /* one value is a constant feature: it fits (edges -inf, v, next_up(v), +inf) */
    CHECK(tw_profile_fit(p, "one", ref, 1, NULL) == TW_OK, "one value fits: %s", last_error());
    CHECK(tw_profile_feature_count(p, &n) == TW_OK && n == 4, "the constant feature is added: %zu", n);
  }

  /* Evidently PSI equals the numpy reference */
  {
    size_t i;
    for (i = 0; i < sizeof PSI_EVIDENTLY / sizeof PSI_EVIDENTLY[0]; i++) {
      double *r = gen_sample(PSI_EVIDENTLY[i].reference), *c = gen_sample(PSI_EVIDENTLY[i].current);
      tw_profile_options sturges = {TW_BINS_STURGES, 0, NULL, 0, TW_NAN_POLICY_ERROR, 1};
      tw_profile *e = NULL;
      double v = -1.0;
      CHECK(tw_profile_new(&e) == TW_OK, "new");
      CHECK(tw_profile_fit(e, "f", r, PSI_EVIDENTLY[i].reference.n, &sturges) == TW_OK, "fit %zu: %s", i, last_error());
      CHECK(tw_profile_psi(e, "f", c, PSI_EVIDENTLY[i].current.n, TW_PSI_EVIDENTLY, 0.0, &v) == TW_OK,
            "evidently %zu: %s", i, last_error());
      CHECK(close_to(v, PSI_EVIDENTLY[i].value, 1e-10, 1e-13), "evidently psi %zu = %.17g, numpy %.17g", i, v,
            PSI_EVIDENTLY[i].value);
      tw_profile_free(e);
      free(r);
      free(c);
    }
  }

  /* misuse */
  psi2 = -5.0;
  CHECK(tw_profile_psi(p, "nope", cur, cs.n, TW_PSI_STANDARD, 0.0, &psi2) == TW_ERR_NOT_FOUND, "unknown feature");
  CHECK(strstr(last_error(), "nope") != NULL, "names the feature: %s", last_error());
  CHECK(tw_profile_psi(p, "spread", cur, cs.n, 7, 0.0, &psi2) == TW_ERR_INVALID_INPUT, "bad mode");
  CHECK(tw_profile_psi(p, "spread", cur, cs.n, TW_PSI_STANDARD, 1.5, &psi2) == TW_ERR_INVALID_INPUT, "epsilon 1.5");
  CHECK(strstr(last_error(), "epsilon") != NULL, "names epsilon: %s", last_error());
  CHECK(tw_profile_psi(p, "spread", cur, cs.n, TW_PSI_STANDARD, NAN, &psi2) == TW_ERR_INVALID_INPUT, "epsilon NaN");
  CHECK(tw_profile_psi(p, "spread", cur, 0, TW_PSI_STANDARD, 0.0, &psi2) == TW_ERR_INVALID_INPUT, "empty current");
  CHECK(tw_profile_psi(NULL, "spread", cur, cs.n, TW_PSI_STANDARD, 0.0, &psi2) == TW_ERR_NULL_ARGUMENT, "NULL profile");
  CHECK(tw_profile_psi(p, NULL, cur, cs.n, TW_PSI_STANDARD, 0.0, &psi2) == TW_ERR_NULL_ARGUMENT, "NULL feature");
  CHECK(tw_profile_psi(p, "spread", NULL, cs.n, TW_PSI_STANDARD, 0.0, &psi2) == TW_ERR_NULL_ARGUMENT, "NULL current");
  CHECK(tw_profile_psi(p, "spread", cur, cs.n, TW_PSI_STANDARD, 0.0, NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
  CHECK(psi2 == -5.0, "out untouched on error");
  CHECK(tw_profile_new(NULL) == TW_ERR_NULL_ARGUMENT, "new NULL out");
  CHECK(tw_profile_save(p, "/nonexistent-dir/x/profile.twdp") == TW_ERR_IO, "save to a missing dir: %s", last_error());
  CHECK(tw_profile_save(NULL, path) == TW_ERR_NULL_ARGUMENT, "save NULL");
  CHECK(tw_profile_load("/nonexistent-dir/profile.twdp", &none) == TW_ERR_IO && none == NULL, "load missing");
  CHECK(tw_profile_load(dir, &none) == TW_ERR_IO && none == NULL, "load a directory: %s", last_error());
  {
    /* a corrupt file: flip one payload byte */
    char bad[4096];
    FILE *f;
    snprintf(bad, sizeof bad, "%s/corrupt.twdp", dir);
    f = fopen(bad, "wb");
    if (f != NULL) {
      fputs("TWDP not a profile at all, just text long enough", f);
      fclose(f);
    }
    CHECK(tw_profile_load(bad, &none) == TW_ERR_CORRUPT && none == NULL, "corrupt: %s", last_error());
    remove(bad);
  }
  remove(path);

  tw_profile_free(p);
  tw_profile_free(q);
  tw_profile_free(NULL); /* no-op */
  free(ref);
  free(cur);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  test_ks();
  test_jensenshannon();
  test_profile(dir);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
