/* C tests of the score-state ABI (tw_score_state_*, tw_report_compute_states):
   the states of two partitions of the current data, merged (directly and
   through their bytes, in either order), give a report equal to
   tw_report_compute on all the rows bit for bit (every field of every row,
   the summary and the JSON document); a bounded state (cells = K) computes
   and merges but has no report; corrupt, truncated or foreign bytes are
   TW_ERR_CORRUPT; states of another profile do not merge; every misuse
   (NULL, a byte size that overflows, too many features, a small buffer, a
   handle of another type) gets its documented status and a message naming
   the parameter. The compact scorer (tw_state_scorer_*): saved, loaded,
   its states equal the profile's bit for bit and its KS intervals equal
   tw_score_state_ks_bounds against the full profile; a damaged file is
   TW_ERR_CORRUPT. Built and run by scripts/test.d/40-c.sh, also under
   -fsanitize=address,undefined. Argument: a scratch directory (the scorer
   file). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

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

/* n values; grid > 0 rounds them to multiples of 1/grid (ties in the
   reference and between reference and current) */
static double *sample(uint64_t seed, size_t n, double shift, double grid) {
  double *v = (double *)malloc(n * sizeof(double));
  size_t i;
  if (v == NULL) abort();
  for (i = 0; i < n; i++) {
    v[i] = shift + uniform(&seed) + uniform(&seed) + uniform(&seed) - 1.5;
    if (grid > 0.0) v[i] = floor(v[i] * grid) / grid;
  }
  return v;
}

/* Features in name order: a (500 reference values: KS decides, shifted),
   b (2000 on a 0.1 grid: PSI decides, shifted), c (300: KS, same
   distribution). The current rows are split in two partitions at SPLIT[i]. */
enum { NF = 3 };
static const char *NAMES[NF] = {"a", "b", "c"};
static const size_t NREF[NF] = {500, 2000, 300};
static const size_t NCUR[NF] = {400, 900, 250};
static const size_t SPLIT[NF] = {123, 900, 1}; /* b: the second partition is empty */

typedef struct {
  double *ref[NF];
  double *cur[NF];
  tw_profile *profile;
} fixture;

static void fixture_init(fixture *f) {
  size_t i;
  f->profile = NULL;
  CHECK(tw_profile_new(&f->profile) == TW_OK, "profile new");
  for (i = 0; i < NF; i++) {
    double grid = i == 1 ? 10.0 : 0.0;
    f->ref[i] = sample(1 + i, NREF[i], 0.0, grid);
    f->cur[i] = sample(11 + i, NCUR[i], i == 2 ? 0.0 : 0.3, grid);
    CHECK(tw_profile_fit(f->profile, NAMES[i], f->ref[i], NREF[i], NULL) == TW_OK, "fit %s: %s", NAMES[i],
          last_error());
  }
}

static void fixture_free(fixture *f) {
  size_t i;
  for (i = 0; i < NF; i++) {
    free(f->ref[i]);
    free(f->cur[i]);
  }
  tw_profile_free(f->profile);
}

/* The state of partition `part` (0: rows before SPLIT, 1: from SPLIT on). */
static tw_score_state *partition_state(fixture *f, int part, size_t cells) {
  const double *values[NF];
  size_t lens[NF], i;
  tw_score_state *s = NULL;
  for (i = 0; i < NF; i++) {
    values[i] = part == 0 ? f->cur[i] : f->cur[i] + SPLIT[i];
    lens[i] = part == 0 ? SPLIT[i] : NCUR[i] - SPLIT[i];
  }
  CHECK(tw_score_state_compute(f->profile, NAMES, values, lens, NF, cells, &s) == TW_OK && s != NULL,
        "state of partition %d (cells %zu): %s", part, cells, last_error());
  return s;
}

static int same_bits(double x, double y) { return memcmp(&x, &y, sizeof x) == 0; }

static char *json_of(tw_report *r) {
  size_t need = 0, w = 0;
  char *buf;
  CHECK(tw_report_to_json_length(r, &need) == TW_OK && need > 1, "json length");
  buf = (char *)malloc(need);
  if (buf == NULL) abort();
  CHECK(tw_report_to_json(r, buf, need, &w) == TW_OK && w + 1 == need, "json: %s", last_error());
  return buf;
}

/* Every field of every row, the summary and the JSON text equal, bit for bit. */
static void check_same_report(tw_report *got, tw_report *want, const char *what) {
  size_t n = 0, m = 0, i;
  tw_dataset_drift sg, sw;
  char *jg, *jw;
  CHECK(tw_report_feature_count(got, &n) == TW_OK && tw_report_feature_count(want, &m) == TW_OK && n == m &&
            n == NF,
        "%s: feature counts %zu vs %zu", what, n, m);
  for (i = 0; i < n && i < m; i++) {
    tw_feature_drift a, b;
    char name[8];
    size_t w = 0;
    CHECK(tw_report_feature(got, i, &a) == TW_OK && tw_report_feature(want, i, &b) == TW_OK, "%s: row %zu",
          what, i);
    CHECK(tw_report_feature_name(got, i, name, sizeof name, &w) == TW_OK && strcmp(name, NAMES[i]) == 0,
          "%s: name %zu = %s", what, i, name);
    CHECK(a.method == b.method && a.has_pvalue == b.has_pvalue && a.drift == b.drift &&
              a.severity == b.severity && a.n_reference == b.n_reference && a.n_current == b.n_current,
          "%s: %s: method/flags/sizes differ", what, NAMES[i]);
    CHECK(same_bits(a.statistic, b.statistic) && same_bits(a.pvalue, b.pvalue) &&
              same_bits(a.pvalue_adjusted, b.pvalue_adjusted),
          "%s: %s: statistic %.17g/%.17g p %.17g/%.17g", what, NAMES[i], a.statistic, b.statistic, a.pvalue,
          b.pvalue);
    CHECK(same_bits(a.ks_statistic, b.ks_statistic) && same_bits(a.ks_pvalue, b.ks_pvalue),
          "%s: %s: ks %.17g/%.17g p %.17g/%.17g", what, NAMES[i], a.ks_statistic, b.ks_statistic, a.ks_pvalue,
          b.ks_pvalue);
    CHECK(same_bits(a.psi, b.psi) && same_bits(a.jensenshannon, b.jensenshannon), "%s: %s: psi %.17g/%.17g",
          what, NAMES[i], a.psi, b.psi);
    CHECK(a.n_current == NCUR[i], "%s: %s: n_current %llu", what, NAMES[i], (unsigned long long)a.n_current);
  }
  CHECK(tw_report_summary(got, &sg) == TW_OK && tw_report_summary(want, &sw) == TW_OK, "%s: summaries", what);
  CHECK(sg.n_features == sw.n_features && sg.n_drifted == sw.n_drifted && same_bits(sg.drift_share, sw.drift_share) &&
            sg.dataset_drift == sw.dataset_drift,
        "%s: summary", what);
  jg = json_of(got);
  jw = json_of(want);
  CHECK(strcmp(jg, jw) == 0, "%s: JSON differs:\n%s\n%s", what, jg, jw);
  free(jg);
  free(jw);
}

static tw_report *report_of_all_rows(fixture *f, const tw_report_options *o) {
  const double *values[NF];
  size_t i;
  tw_report *r = NULL;
  for (i = 0; i < NF; i++) values[i] = f->cur[i];
  CHECK(tw_report_compute(f->profile, NAMES, values, NCUR, NF, o, &r) == TW_OK && r != NULL, "compute: %s",
        last_error());
  return r;
}

/* Serialises `s`, checking the length and buffer conventions. */
static uint8_t *bytes_of(tw_score_state *s, size_t *len) {
  size_t need = 0, w = 0;
  uint8_t *buf;
  CHECK(tw_score_state_bytes_length(s, &need) == TW_OK && need > 4, "bytes length %zu", need);
  buf = (uint8_t *)malloc(need);
  if (buf == NULL) abort();
  memset(buf, 0xEE, need);
  CHECK(tw_score_state_to_bytes(s, buf, need - 1, &w) == TW_ERR_BUFFER_TOO_SMALL && w == 0 &&
            has("len = ") && buf[0] == 0xEE,
        "one byte short: nothing written (%s)", last_error());
  CHECK(tw_score_state_to_bytes(s, buf, need, &w) == TW_OK && w == need, "to_bytes: %s", last_error());
  CHECK(memcmp(buf, "TWSS", 4) == 0, "magic");
  *len = need;
  return buf;
}

static void test_merged_states_equal_the_report(void) {
  fixture f;
  tw_report_options o;
  int variant;
  fixture_init(&f);
  CHECK(tw_report_options_default(&o) == TW_OK, "defaults");
  for (variant = 0; variant < 2; variant++) {
    tw_report *want, *got, *got2;
    tw_score_state *s0, *s1, *t0, *t1;
    uint8_t *b0, *b1;
    size_t n0 = 0, n1 = 0;
    if (variant == 1) o.correction = TW_CORRECTION_BENJAMINI_HOCHBERG;
    want = report_of_all_rows(&f, &o);
    s0 = partition_state(&f, 0, 0);
    s1 = partition_state(&f, 1, 0);
    /* through bytes, merged the other way round */
    b0 = bytes_of(s0, &n0);
    b1 = bytes_of(s1, &n1);
    t0 = t1 = NULL;
    CHECK(tw_score_state_from_bytes(b0, n0, &t0) == TW_OK && t0 != NULL, "from_bytes: %s", last_error());
    CHECK(tw_score_state_from_bytes(b1, n1, &t1) == TW_OK && t1 != NULL, "from_bytes: %s", last_error());
    CHECK(tw_score_state_merge(s0, s1) == TW_OK, "merge: %s", last_error());
    CHECK(tw_score_state_merge(t1, t0) == TW_OK, "merge reversed: %s", last_error());
    got = got2 = NULL;
    CHECK(tw_report_compute_states(f.profile, s0, variant ? &o : NULL, &got) == TW_OK && got != NULL,
          "report of states: %s", last_error());
    CHECK(tw_report_compute_states(f.profile, t1, &o, &got2) == TW_OK && got2 != NULL, "report of states: %s",
          last_error());
    if (got != NULL) check_same_report(got, want, variant ? "merged (BH)" : "merged");
    if (got2 != NULL) check_same_report(got2, want, variant ? "bytes, reversed (BH)" : "bytes, reversed");
    /* the merged state serialises to the same bytes whichever the order */
    {
      size_t m0 = 0, m1 = 0;
      uint8_t *c0 = bytes_of(s0, &m0), *c1 = bytes_of(t1, &m1);
      CHECK(m0 == m1 && memcmp(c0, c1, m0) == 0, "merge is commutative (bytes)");
      free(c0);
      free(c1);
    }
    free(b0);
    free(b1);
    tw_report_free(want);
    tw_report_free(got);
    tw_report_free(got2);
    tw_score_state_free(s0);
    tw_score_state_free(s1);
    tw_score_state_free(t0);
    tw_score_state_free(t1);
  }
  fixture_free(&f);
}

static void test_bounded_and_mismatches(void) {
  fixture f, g;
  tw_score_state *b0, *b1, *e0, *other;
  tw_report *r = NULL;
  size_t n0 = 0, n1 = 0;
  uint8_t *bytes;
  fixture_init(&f);
  fixture_init(&g);
  /* another profile: b fitted on other values */
  CHECK(tw_profile_fit(g.profile, "b", g.cur[1], NCUR[1], NULL) == TW_OK, "refit b");
  b0 = partition_state(&f, 0, 16);
  b1 = partition_state(&f, 1, 16);
  CHECK(tw_score_state_merge(b0, b1) == TW_OK, "bounded merge: %s", last_error());
  bytes = bytes_of(b0, &n0);
  free(bytes);
  bytes = bytes_of(b1, &n1);
  free(bytes);
  CHECK(tw_report_compute_states(f.profile, b0, NULL, &r) == TW_ERR_INVALID_INPUT && r == NULL,
        "a bounded state has no report");
  e0 = partition_state(&f, 0, 0);
  CHECK(tw_score_state_merge(e0, b1) == TW_ERR_INVALID_INPUT && has("grid"), "exact + bounded: %s",
        last_error());
  other = partition_state(&g, 0, 0);
  CHECK(tw_score_state_merge(e0, other) == TW_ERR_INVALID_INPUT && has("profile"), "another profile: %s",
        last_error());
  CHECK(tw_report_compute_states(f.profile, other, NULL, &r) == TW_ERR_INVALID_INPUT && r == NULL &&
            has("state"),
        "report against another profile: %s", last_error());
  /* e0 unchanged by the failed merges: its report is the first partition's */
  CHECK(tw_report_compute_states(f.profile, e0, NULL, &r) == TW_OK, "e0 still reports: %s", last_error());
  tw_report_free(r);
  tw_score_state_free(b0);
  tw_score_state_free(b1);
  tw_score_state_free(e0);
  tw_score_state_free(other);
  fixture_free(&f);
  fixture_free(&g);
}

static void test_corrupt_bytes(void) {
  fixture f;
  tw_score_state *s, *t = NULL;
  uint8_t *b;
  size_t n = 0, i;
  int corrupt = 0, flips = 0;
  fixture_init(&f);
  s = partition_state(&f, 0, 0);
  b = bytes_of(s, &n);
  /* a flipped bit anywhere (sampled every 7 bytes) is refused */
  for (i = 0; i < n; i += 7) {
    b[i] ^= 0x10;
    flips++;
    if (tw_score_state_from_bytes(b, n, &t) == TW_ERR_CORRUPT && t == NULL) corrupt++;
    b[i] ^= 0x10;
  }
  CHECK(corrupt == flips, "flipped bytes: %d of %d TW_ERR_CORRUPT", corrupt, flips);
  CHECK(tw_score_state_from_bytes(b, n - 1, &t) == TW_ERR_CORRUPT && t == NULL, "truncated: %s", last_error());
  CHECK(tw_score_state_from_bytes(b, 3, &t) == TW_ERR_CORRUPT && t == NULL, "3 bytes: %s", last_error());
  CHECK(tw_score_state_from_bytes(b, 0, &t) == TW_ERR_CORRUPT && t == NULL, "empty: %s", last_error());
  {
    static const uint8_t profile_magic[16] = {'T', 'W', 'D', 'P', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(tw_score_state_from_bytes(profile_magic, sizeof profile_magic, &t) == TW_ERR_CORRUPT && t == NULL,
          "foreign magic: %s", last_error());
  }
  CHECK(tw_score_state_from_bytes(b, n, &t) == TW_OK && t != NULL, "intact bytes parse");
  tw_score_state_free(t);
  free(b);
  tw_score_state_free(s);
  fixture_free(&f);
}

static void test_misuse(void) {
  fixture f;
  tw_score_state *s, *t = NULL;
  tw_report *r = NULL;
  const double *values[NF];
  size_t lens[NF], i, n = 0, w = 0;
  uint8_t buf[8];
  fixture_init(&f);
  for (i = 0; i < NF; i++) {
    values[i] = f.cur[i];
    lens[i] = NCUR[i];
  }
  s = partition_state(&f, 0, 0);
  CHECK(tw_score_state_compute(NULL, NAMES, values, lens, NF, 0, &t) == TW_ERR_NULL_ARGUMENT && t == NULL &&
            has("reference"),
        "NULL reference: %s", last_error());
  CHECK(tw_score_state_compute(f.profile, NAMES, values, lens, NF, 0, NULL) == TW_ERR_NULL_ARGUMENT && has("out"),
        "NULL out: %s", last_error());
  CHECK(tw_score_state_compute(f.profile, NULL, values, lens, NF, 0, &t) == TW_ERR_NULL_ARGUMENT &&
            has("features"),
        "NULL features: %s", last_error());
  CHECK(tw_score_state_compute(f.profile, NAMES, values, lens, (size_t)TW_MAX_REPORT_FEATURES + 1, 0, &t) ==
                TW_ERR_INVALID_INPUT &&
            t == NULL && has("n_features"),
        "too many features: %s", last_error());
  lens[1] = SIZE_MAX;
  CHECK(tw_score_state_compute(f.profile, NAMES, values, lens, NF, 0, &t) == TW_ERR_INVALID_INPUT && t == NULL &&
            has("values[1]"),
        "byte size overflows: %s", last_error());
  lens[1] = NCUR[1];
  values[2] = NULL;
  CHECK(tw_score_state_compute(f.profile, NAMES, values, lens, NF, 0, &t) == TW_ERR_NULL_ARGUMENT && t == NULL &&
            has("values[2]"),
        "NULL values[2]: %s", last_error());
  values[2] = f.cur[2];
  {
    const char *unknown[NF] = {"a", "zz", "c"};
    CHECK(tw_score_state_compute(f.profile, unknown, values, lens, NF, 0, &t) == TW_ERR_NOT_FOUND && t == NULL &&
              has("zz"),
          "unknown feature: %s", last_error());
  }
  CHECK(tw_score_state_compute(f.profile, NAMES, values, lens, NF, (size_t)1 << 25, &t) == TW_ERR_INVALID_INPUT &&
            t == NULL && has("cells"),
        "cells too large: %s", last_error());
  CHECK(tw_score_state_merge(s, NULL) == TW_ERR_NULL_ARGUMENT && has("other"), "merge NULL other: %s",
        last_error());
  CHECK(tw_score_state_merge(NULL, s) == TW_ERR_NULL_ARGUMENT && has("into"), "merge NULL into: %s",
        last_error());
  CHECK(tw_score_state_merge(s, s) == TW_ERR_INVALID_INPUT && has("other"), "merge into itself: %s",
        last_error());
  CHECK(tw_score_state_bytes_length(s, NULL) == TW_ERR_NULL_ARGUMENT && has("out"), "length NULL out");
  CHECK(tw_score_state_bytes_length(NULL, &n) == TW_ERR_NULL_ARGUMENT && has("state"), "length NULL state");
  CHECK(tw_score_state_to_bytes(s, NULL, 8, &w) == TW_ERR_NULL_ARGUMENT && has("buf"), "to_bytes NULL buf");
  CHECK(tw_score_state_to_bytes(s, buf, sizeof buf, NULL) == TW_ERR_NULL_ARGUMENT && has("written"),
        "to_bytes NULL written");
  CHECK(tw_score_state_to_bytes(s, buf, sizeof buf, &w) == TW_ERR_BUFFER_TOO_SMALL && has("len = 8"),
        "small buffer: %s", last_error());
  CHECK(tw_score_state_from_bytes(NULL, 8, &t) == TW_ERR_NULL_ARGUMENT && t == NULL && has("bytes"),
        "from_bytes NULL");
  CHECK(tw_score_state_from_bytes(buf, SIZE_MAX, &t) == TW_ERR_INVALID_INPUT && t == NULL && has("bytes"),
        "from_bytes size overflows: %s", last_error());
  CHECK(tw_score_state_from_bytes(buf, sizeof buf, NULL) == TW_ERR_NULL_ARGUMENT && has("out"),
        "from_bytes NULL out");
  CHECK(tw_report_compute_states(NULL, s, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("reference"),
        "report NULL reference");
  CHECK(tw_report_compute_states(f.profile, NULL, NULL, &r) == TW_ERR_NULL_ARGUMENT && has("state"),
        "report NULL state");
  CHECK(tw_report_compute_states(f.profile, s, NULL, NULL) == TW_ERR_NULL_ARGUMENT && has("out"),
        "report NULL out");
  /* a handle of another type is refused by its tag */
  CHECK(tw_score_state_bytes_length((const tw_score_state *)f.profile, &n) == TW_ERR_INVALID_INPUT &&
            has("tw_score_state"),
        "a profile as a state: %s", last_error());
  CHECK(tw_report_compute_states((const tw_profile *)s, s, NULL, &r) == TW_ERR_INVALID_INPUT && r == NULL,
        "a state as a profile: %s", last_error());
  tw_score_state_free(NULL);
  tw_score_state_free(s);
  fixture_free(&f);
}

static int same_bounds(const tw_ks_bounds *x, const tw_ks_bounds *y) {
  return same_bits(x->statistic_lo, y->statistic_lo) && same_bits(x->statistic_hi, y->statistic_hi) &&
         same_bits(x->pvalue_lo, y->pvalue_lo) && same_bits(x->pvalue_hi, y->pvalue_hi) &&
         same_bits(x->psi, y->psi) && same_bits(x->jensenshannon, y->jensenshannon) &&
         x->n_reference == y->n_reference && x->n_current == y->n_current;
}

static void test_saved_scorer(const char *dir) {
  fixture f;
  tw_state_scorer *sc = NULL, *loaded = NULL;
  tw_score_state *a[2], *p[2];
  tw_ks_bounds x, y;
  char path[4096];
  size_t i, na = 0, np = 0;
  uint8_t *ba, *bp;
  FILE *fh;
  long size;
  unsigned char *raw;
  fixture_init(&f);
  CHECK(tw_state_scorer_new(f.profile, 32, &sc) == TW_OK && sc != NULL, "scorer new: %s", last_error());
  snprintf(path, sizeof path, "%s/reference-32.twsc", dir);
  CHECK(tw_state_scorer_save(sc, path) == TW_OK, "scorer save: %s", last_error());
  tw_state_scorer_free(sc);
  CHECK(tw_state_scorer_load(path, &loaded) == TW_OK && loaded != NULL, "scorer load: %s", last_error());
  for (i = 0; i < 2; i++) {
    const double *values[NF];
    size_t lens[NF], j;
    for (j = 0; j < NF; j++) {
      values[j] = i == 0 ? f.cur[j] : f.cur[j] + SPLIT[j];
      lens[j] = i == 0 ? SPLIT[j] : NCUR[j] - SPLIT[j];
    }
    a[i] = NULL;
    CHECK(tw_state_scorer_state(loaded, NAMES, values, lens, NF, &a[i]) == TW_OK && a[i] != NULL,
          "scorer state %zu: %s", i, last_error());
    p[i] = partition_state(&f, (int)i, 32);
  }
  /* the loaded scorer's states are the profile's, byte for byte */
  ba = bytes_of(a[0], &na);
  bp = bytes_of(p[0], &np);
  CHECK(na == np && memcmp(ba, bp, na) == 0, "scorer state = profile state (%zu vs %zu bytes)", na, np);
  free(ba);
  free(bp);
  CHECK(tw_score_state_merge(a[0], a[1]) == TW_OK && tw_score_state_merge(p[0], p[1]) == TW_OK, "merges");
  for (i = 0; i < NF; i++) {
    CHECK(tw_state_scorer_ks_bounds(loaded, a[0], NAMES[i], &x) == TW_OK, "scorer bounds %s: %s", NAMES[i],
          last_error());
    CHECK(tw_score_state_ks_bounds(f.profile, p[0], NAMES[i], &y) == TW_OK, "profile bounds %s: %s", NAMES[i],
          last_error());
    CHECK(same_bounds(&x, &y), "%s: the scorer's intervals are the profile's bit for bit", NAMES[i]);
    CHECK(x.statistic_lo <= x.statistic_hi && x.statistic_hi - x.statistic_lo <= 1.0 / 32 + 1e-12 &&
              x.n_current == NCUR[i] && x.n_reference == NREF[i] && x.psi >= 0.0,
          "%s: [%g, %g], n %llu/%llu", NAMES[i], x.statistic_lo, x.statistic_hi,
          (unsigned long long)x.n_reference, (unsigned long long)x.n_current);
  }
  CHECK(tw_state_scorer_ks_bounds(loaded, a[0], "nope", &x) == TW_ERR_NOT_FOUND && has("nope"),
        "unknown feature: %s", last_error());
  CHECK(tw_score_state_ks_bounds(f.profile, p[0], "nope", &x) == TW_ERR_NOT_FOUND, "unknown feature (profile)");
  {
    tw_score_state *e = partition_state(&f, 0, 0);
    CHECK(tw_state_scorer_ks_bounds(loaded, e, "a", &x) == TW_ERR_INVALID_INPUT && has("grid"),
          "an exact state against a bounded scorer: %s", last_error());
    tw_score_state_free(e);
  }
  CHECK(tw_state_scorer_ks_bounds(loaded, a[0], "a", NULL) == TW_ERR_NULL_ARGUMENT && has("out"), "NULL out");
  CHECK(tw_state_scorer_ks_bounds(NULL, a[0], "a", &x) == TW_ERR_NULL_ARGUMENT && has("scorer"), "NULL scorer");
  CHECK(tw_state_scorer_new(f.profile, ((size_t)1 << 24) + 1, &sc) == TW_ERR_INVALID_INPUT && has("cells"),
        "too many cells: %s", last_error());
  CHECK(tw_state_scorer_ks_bounds((const tw_state_scorer *)f.profile, a[0], "a", &x) == TW_ERR_INVALID_INPUT &&
            has("tw_state_scorer"),
        "a profile as a scorer: %s", last_error());
  for (i = 0; i < 2; i++) {
    tw_score_state_free(a[i]);
    tw_score_state_free(p[i]);
  }
  tw_state_scorer_free(loaded);
  tw_state_scorer_free(NULL);
  /* a damaged file is refused; a missing one is an I/O error */
  fh = fopen(path, "rb");
  CHECK(fh != NULL, "reopen %s", path);
  if (fh) {
    fseek(fh, 0, SEEK_END);
    size = ftell(fh);
    fseek(fh, 0, SEEK_SET);
    raw = malloc((size_t)size);
    CHECK(raw != NULL && fread(raw, 1, (size_t)size, fh) == (size_t)size, "read back");
    fclose(fh);
    raw[size - 1] ^= 0x20;
    fh = fopen(path, "wb");
    fwrite(raw, 1, (size_t)size, fh);
    fclose(fh);
    free(raw);
    loaded = NULL;
    CHECK(tw_state_scorer_load(path, &loaded) == TW_ERR_CORRUPT && loaded == NULL, "damaged file: %s",
          last_error());
  }
  snprintf(path, sizeof path, "%s/missing.twsc", dir);
  CHECK(tw_state_scorer_load(path, &loaded) == TW_ERR_IO, "missing file: %s", last_error());
  fixture_free(&f);
}

int main(int argc, char **argv) {
  test_merged_states_equal_the_report();
  test_bounded_and_mismatches();
  test_corrupt_bytes();
  test_misuse();
  test_saved_scorer(argc > 1 ? argv[1] : ".");
  if (failures) {
    fprintf(stderr, "test_score_state: %d of %d checks failed\n", failures, checks);
    return 1;
  }
  printf("test_score_state: %d checks passed\n", checks);
  return 0;
}
