/* The C runner of tests/conformance/drift_cases.json (docs/conformance.md):
   reference profile, persisted profiles, DriftReport, score states, the
   live monitor and the compact scorer through the C ABI.
   C has no JSON parser: tests/conformance/drift_check.py c-cases writes the
   cases as tab-separated lines (floats in hex, exact) and each artefact a
   case loads as a file; this program answers each case as one line
   `id<TAB>ok<TAB>{json}` (floats as %.17g, which reads back exactly; bytes
   as hex; the report as tw_report_to_json wrote it) or `id<TAB>error<TAB>Kind`,
   and drift_check.py c-answers compares them with the file's `expect` and
   with the Rust runner's answers (scripts/test.d/44-conformance-drift.sh).
   The profiles (`ID.saved`, binary), score states (`ID.twss`) and scorers
   (`ID.twsc`) it saves are left in TMPDIR: the Rust runner then loads them
   (TW_DRIFT_FOREIGN=TMPDIR) and must give the file's answers from them.
   Usage: conformance_drift CASES.tsv TMPDIR > ANSWERS.tsv */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"

#define MAX_OPTS 24
#define MAX_COLS 8
#define MAX_PARTS 8
#define MAX_STEPS 32

typedef struct {
  char key[64];
  char *value;
} opt;

typedef struct {
  char name[64];
  size_t n;
  double *x;
} col;

typedef struct {
  col cols[MAX_COLS];
  int n;
} table;

typedef struct {
  int push; /* 1 push, 0 score, 2 emit */
  col c;
} step;

typedef struct {
  char id[256];
  char fn[64];
  opt opts[MAX_OPTS];
  int n_opts;
  table ref, cur;
  table parts[MAX_PARTS];
  int n_parts;
  step steps[MAX_STEPS];
  int n_steps;
  char art[1024];
} tcase;

static const char *tmpdir;
static double dummy[1];

static const char *kind_of(tw_status s) {
  switch (s) {
    case TW_ERR_INVALID_INPUT: return "InvalidInput";
    case TW_ERR_INVALID_CONFIG: return "InvalidConfig";
    case TW_ERR_NOT_FOUND: return "NotFound";
    case TW_ERR_IO: return "Io";
    case TW_ERR_CORRUPT: return "Corrupt";
    case TW_ERR_STATE: return "State";
    case TW_ERR_UNSUPPORTED: return "Unsupported";
    case TW_ERR_INTERNAL: return "Internal";
    default: return "UnexpectedStatus";
  }
}

static const char *find(const tcase *c, const char *key) {
  for (int i = 0; i < c->n_opts; i++)
    if (strcmp(c->opts[i].key, key) == 0) return c->opts[i].value;
  return NULL;
}

static const char *get(const tcase *c, const char *key) {
  const char *v = find(c, key);
  if (!v) {
    fprintf(stderr, "%s: no option %s\n", c->id, key);
    exit(2);
  }
  return v;
}

static double getf(const tcase *c, const char *key) { return strtod(get(c, key), NULL); }

/* ---- a growing JSON text ---- */
typedef struct {
  char *s;
  size_t len, cap;
} sb;

static void put(sb *b, const char *t) {
  size_t n = strlen(t);
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->s = realloc(b->s, b->cap);
    if (!b->s) exit(3);
  }
  memcpy(b->s + b->len, t, n + 1);
  b->len += n;
}

static void putf(sb *b, const char *fmt, double x) {
  char t[64];
  snprintf(t, sizeof t, fmt, x);
  put(b, t);
}

/* a top-level float: "nan" / "inf" / "-inf" as strings */
static void num(sb *b, double x) {
  if (isnan(x)) put(b, "\"nan\"");
  else if (isinf(x)) put(b, x > 0 ? "\"inf\"" : "\"-inf\"");
  else putf(b, "%.17g", x);
}

/* a float inside a document: non-finite is null (as the library's JSON) */
static void docnum(sb *b, double x) {
  if (!isfinite(x)) put(b, "null");
  else putf(b, "%.17g", x);
}

static void key(sb *b, const char *k) {
  if (b->len && b->s[b->len - 1] != '{' && b->s[b->len - 1] != '[') put(b, ",");
  put(b, "\"");
  put(b, k);
  put(b, "\":");
}

static void uint_(sb *b, uint64_t x) {
  char t[32];
  snprintf(t, sizeof t, "%llu", (unsigned long long)x);
  put(b, t);
}

static void hex(sb *b, const uint8_t *p, size_t n) {
  char t[3];
  put(b, "\"");
  for (size_t i = 0; i < n; i++) {
    snprintf(t, sizeof t, "%02x", p[i]);
    put(b, t);
  }
  put(b, "\"");
}

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc(len > 0 ? (size_t)len : 1);
  *n = fread(p, 1, (size_t)len, f);
  fclose(f);
  return p;
}

/* ---- options ---- */
static tw_profile_options profile_options(const tcase *c, double **edges_out) {
  tw_profile_options o;
  memset(&o, 0, sizeof o);
  const char *s = get(c, "profile.strategy");
  o.bins = (uint32_t)atoi(get(c, "profile.bins"));
  o.bins_kind = strcmp(s, "quantile") == 0 ? TW_BINS_QUANTILE
              : strcmp(s, "equal_width") == 0 ? TW_BINS_EQUAL_WIDTH : TW_BINS_EXPLICIT;
  *edges_out = NULL;
  if (o.bins_kind == TW_BINS_EXPLICIT) {
    const char *e = get(c, "profile.edges");
    double *edges = malloc(64 * sizeof(double));
    size_t n = 0;
    char *end;
    while (*e && n < 64) {
      edges[n++] = strtod(e, &end);
      e = *end == ',' ? end + 1 : end;
    }
    o.edges = edges;
    o.edges_len = n;
    *edges_out = edges;
  }
  o.nan_policy = strcmp(get(c, "profile.nan_policy"), "skip") == 0 ? TW_NAN_POLICY_SKIP : TW_NAN_POLICY_ERROR;
  o.keep_reference = (uint32_t)atoi(get(c, "profile.keep_reference"));
  return o;
}

static tw_status fit(const tcase *c, tw_profile **out) {
  double *edges;
  tw_profile_options o = profile_options(c, &edges);
  tw_status s = tw_profile_new(out);
  for (int i = 0; s == TW_OK && i < c->ref.n; i++)
    s = tw_profile_fit(*out, c->ref.cols[i].name, c->ref.cols[i].x, c->ref.cols[i].n, &o);
  free(edges);
  return s;
}

static tw_report_options report_options(const tcase *c) {
  tw_report_options o;
  tw_report_options_default(&o);
  const char *v;
  if ((v = find(c, "report.alpha"))) o.alpha = strtod(v, NULL);
  if ((v = find(c, "report.psi_threshold"))) o.psi_threshold = strtod(v, NULL);
  if ((v = find(c, "report.js_threshold"))) o.js_threshold = strtod(v, NULL);
  if ((v = find(c, "report.drift_share"))) o.drift_share = strtod(v, NULL);
  if ((v = find(c, "report.large_sample"))) o.large_sample = (size_t)atol(v);
  if ((v = find(c, "report.correction")))
    o.correction = strcmp(v, "bonferroni") == 0 ? TW_CORRECTION_BONFERRONI
                 : strcmp(v, "benjamini_hochberg") == 0 ? TW_CORRECTION_BENJAMINI_HOCHBERG : TW_CORRECTION_NONE;
  if ((v = find(c, "report.psi_mode"))) {
    if (strcmp(v, "evidently") == 0) o.psi_mode = TW_PSI_EVIDENTLY;
    else {
      o.psi_mode = TW_PSI_STANDARD;
      o.psi_epsilon = strtod(v + strlen("standard:"), NULL);
    }
  }
  return o;
}

/* the columns of a table as the parallel arrays the C ABI takes */
typedef struct {
  const char *names[MAX_COLS];
  const double *values[MAX_COLS];
  size_t lens[MAX_COLS];
} views;

static views view(const table *t) {
  views v;
  for (int i = 0; i < t->n; i++) {
    v.names[i] = t->cols[i].name;
    v.values[i] = t->cols[i].n ? t->cols[i].x : dummy;
    v.lens[i] = t->cols[i].n;
  }
  return v;
}

static tw_status report_json(sb *b, const char *k, tw_report *r) {
  size_t need, written;
  tw_status s = tw_report_to_json_length(r, &need);
  if (s != TW_OK) return s;
  char *t = malloc(need);
  s = tw_report_to_json(r, t, need, &written);
  if (s == TW_OK) {
    key(b, k);
    put(b, t);
  }
  free(t);
  return s;
}

/* the state's bytes as hex under `k`; with `save` also written to that file */
static tw_status state_hex(sb *b, const char *k, const tw_score_state *st, const char *save) {
  size_t n, written;
  tw_status s = tw_score_state_bytes_length(st, &n);
  if (s != TW_OK) return s;
  uint8_t *p = malloc(n ? n : 1);
  s = tw_score_state_to_bytes(st, p, n, &written);
  if (s == TW_OK) {
    key(b, k);
    hex(b, p, written);
    FILE *f = save ? fopen(save, "wb") : NULL;
    if (f) {
      fwrite(p, 1, written, f);
      fclose(f);
    } else if (save) s = TW_ERR_IO;
  }
  free(p);
  return s;
}

/* ---- the capabilities ---- */
static tw_status run_profile(const tcase *c, sb *b) {
  tw_profile *p = NULL;
  tw_status s = fit(c, &p);
  double psi, stat, pv;
  const char *feature = get(c, "feature");
  const col *cur = &c->cur.cols[0];
  const double *x = cur->n ? cur->x : dummy;
  if (s == TW_OK) s = tw_profile_psi(p, feature, x, cur->n, TW_PSI_STANDARD, getf(c, "epsilon"), &psi);
  if (s == TW_OK) s = tw_profile_ks(p, feature, x, cur->n, TW_ALTERNATIVE_TWO_SIDED, &stat, &pv);
  if (s == TW_OK) {
    key(b, "psi"); num(b, psi);
    key(b, "ks_statistic"); num(b, stat);
    key(b, "ks_pvalue"); num(b, pv);
  }
  tw_profile_free(p);
  return s;
}

static tw_status run_persisted(const tcase *c, sb *b) {
  tw_status s = TW_OK;
  if (!find(c, "source")) {
    tw_profile *p = NULL;
    s = fit(c, &p);
    if (s == TW_OK && strcmp(get(c, "format"), "binary") == 0) {
      char path[1200];
      snprintf(path, sizeof path, "%s/%s.saved", tmpdir, c->id);
      s = tw_profile_save(p, path);
      if (s == TW_OK) {
        size_t n;
        uint8_t *bytes = read_file(path, &n);
        key(b, "saved");
        hex(b, bytes, n);
        free(bytes);
      }
    }
    tw_profile_free(p);
    if (s != TW_OK) return s;
  }
  tw_profile *q = NULL;
  s = tw_profile_load(c->art, &q);
  size_t nf;
  double psi, stat, pv;
  const col *cur = &c->cur.cols[0];
  if (s == TW_OK) s = tw_profile_feature_count(q, &nf);
  if (s == TW_OK) s = tw_profile_psi(q, "x", cur->x, cur->n, TW_PSI_STANDARD, 0.0, &psi);
  if (s == TW_OK) {
    key(b, "features"); uint_(b, nf);
    key(b, "psi"); num(b, psi);
  }
  if (s == TW_OK && atoi(get(c, "profile.keep_reference"))) {
    s = tw_profile_ks(q, "x", cur->x, cur->n, TW_ALTERNATIVE_TWO_SIDED, &stat, &pv);
    if (s == TW_OK) {
      key(b, "ks_statistic"); num(b, stat);
      key(b, "ks_pvalue"); num(b, pv);
    }
  }
  tw_profile_free(q);
  return s;
}

static tw_status run_report(const tcase *c, sb *b) {
  tw_profile *p = NULL;
  tw_report *r = NULL;
  tw_status s = fit(c, &p);
  tw_report_options o = report_options(c);
  views v = view(&c->cur);
  if (s == TW_OK) s = tw_report_compute(p, v.names, v.values, v.lens, (size_t)c->cur.n, &o, &r);
  if (s == TW_OK) s = report_json(b, "report", r);
  tw_report_free(r);
  tw_profile_free(p);
  return s;
}

static tw_status merged_states(const tcase *c, const tw_profile *p, const tw_state_scorer *sc, size_t cells,
                               tw_score_state **out) {
  tw_status s = TW_OK;
  *out = NULL;
  for (int i = 0; s == TW_OK && i < c->n_parts; i++) {
    views v = view(&c->parts[i]);
    tw_score_state *st = NULL;
    size_t n = (size_t)c->parts[i].n;
    s = sc ? tw_state_scorer_state(sc, v.names, v.values, v.lens, n, &st)
           : tw_score_state_compute(p, v.names, v.values, v.lens, n, cells, &st);
    if (s != TW_OK) break;
    if (!*out) *out = st;
    else {
      s = tw_score_state_merge(*out, st);
      tw_score_state_free(st);
    }
  }
  return s;
}

static tw_status run_state(const tcase *c, sb *b) {
  size_t n;
  uint8_t *bytes = read_file(c->art, &n);
  tw_score_state *loaded = NULL;
  tw_status s;
  if (find(c, "source")) {
    s = tw_score_state_from_bytes(bytes ? bytes : (uint8_t *)dummy, bytes ? n : 0, &loaded);
    tw_score_state_free(loaded);
    free(bytes);
    return s;
  }
  tw_profile *p = NULL;
  tw_score_state *st = NULL;
  tw_report *r = NULL, *r2 = NULL;
  tw_report_options o = report_options(c);
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.twss", tmpdir, c->id);
  s = fit(c, &p);
  if (s == TW_OK) s = merged_states(c, p, NULL, 0, &st);
  if (s == TW_OK) s = state_hex(b, "state", st, path);
  if (s == TW_OK) s = tw_report_compute_states(p, st, &o, &r);
  if (s == TW_OK) s = report_json(b, "report", r);
  if (s == TW_OK) s = tw_score_state_from_bytes(bytes, n, &loaded);
  if (s == TW_OK) s = tw_report_compute_states(p, loaded, &o, &r2);
  if (s == TW_OK) s = report_json(b, "report_loaded", r2);
  tw_report_free(r);
  tw_report_free(r2);
  tw_score_state_free(st);
  tw_score_state_free(loaded);
  tw_profile_free(p);
  free(bytes);
  return s;
}

static void error_step(sb *b, tw_status s) {
  put(b, "{\"error\":\"");
  put(b, kind_of(s));
  put(b, "\"}");
}

static tw_status run_monitor(const tcase *c, sb *b) {
  tw_profile *p = NULL;
  tw_monitor *m = NULL;
  tw_monitor_options mo;
  tw_monitor_js_ks jk;
  const char *v;
  tw_monitor_options_default(&mo);
  tw_monitor_js_ks_default(&jk);
  mo.window = (size_t)atol(get(c, "monitor.window"));
  mo.min_values = (size_t)atol(get(c, "monitor.min_values"));
  if ((v = find(c, "monitor.psi_threshold"))) mo.psi_threshold = strtod(v, NULL);
  if ((v = find(c, "monitor.psi_epsilon"))) mo.psi_epsilon = strtod(v, NULL);
  if ((v = find(c, "monitor.js_threshold"))) jk.js_threshold = strtod(v, NULL);
  if ((v = find(c, "monitor.ks_threshold"))) jk.ks_threshold = strtod(v, NULL);
  tw_status s = fit(c, &p);
  if (s == TW_OK) s = tw_monitor_new_js_ks(p, &mo, &jk, &m);
  if (s == TW_OK) {
    key(b, "steps");
    put(b, "[");
    for (int i = 0; i < c->n_steps; i++) {
      const step *st = &c->steps[i];
      if (i) put(b, ",");
      if (st->push == 2) {
        size_t scored, drifted;
        tw_status e = tw_monitor_emit(m, &scored, &drifted);
        if (e != TW_OK) {
          error_step(b, e);
          continue;
        }
        put(b, "{\"scored\":");
        uint_(b, scored);
        key(b, "drifted");
        uint_(b, drifted);
        put(b, "}");
        continue;
      }
      if (st->push) {
        tw_status e = tw_monitor_push(m, st->c.name, st->c.n ? st->c.x : dummy, st->c.n);
        if (e == TW_OK) put(b, "\"ok\"");
        else error_step(b, e);
        continue;
      }
      tw_live_scores sc;
      tw_status e = tw_monitor_score_all(m, st->c.name, &sc);
      if (e != TW_OK) {
        error_step(b, e);
        continue;
      }
      if (!sc.ready) {
        put(b, "{\"ready\":false}");
        continue;
      }
      put(b, "{\"ready\":true");
      key(b, "psi"); num(b, sc.psi);
      key(b, "jensenshannon"); num(b, sc.jensenshannon);
      key(b, "ks"); num(b, sc.ks);
      key(b, "n"); uint_(b, sc.n);
      key(b, "skipped"); uint_(b, sc.skipped);
      key(b, "drift"); put(b, sc.drift ? "true" : "false");
      key(b, "js_drift"); put(b, sc.js_drift ? "true" : "false");
      key(b, "ks_drift"); put(b, sc.ks_drift ? "true" : "false");
      key(b, "severity"); put(b, "\""); put(b, tw_severity_name(sc.severity)); put(b, "\"");
      put(b, "}");
    }
    put(b, "]");
  }
  tw_monitor_free(m);
  tw_profile_free(p);
  return s;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void bounds_doc(sb *b, const char *name, const tw_ks_bounds *k) {
  put(b, "{\"name\":\"");
  put(b, name);
  put(b, "\"");
  key(b, "statistic_lo"); docnum(b, k->statistic_lo);
  key(b, "statistic_hi"); docnum(b, k->statistic_hi);
  key(b, "pvalue_lo"); docnum(b, k->pvalue_lo);
  key(b, "pvalue_hi"); docnum(b, k->pvalue_hi);
  key(b, "psi"); docnum(b, k->psi);
  key(b, "jensenshannon"); docnum(b, k->jensenshannon);
  key(b, "n_reference"); uint_(b, k->n_reference);
  key(b, "n_current"); uint_(b, k->n_current);
  put(b, "}");
}

static tw_status run_scorer(const tcase *c, sb *b) {
  tw_state_scorer *loaded = NULL;
  tw_score_state *st = NULL;
  tw_status s;
  if (find(c, "source")) {
    s = tw_state_scorer_load(c->art, &loaded);
    if (s == TW_OK) s = merged_states(c, NULL, loaded, 0, &st);
    if (s == TW_OK) s = state_hex(b, "state", st, NULL);
    tw_score_state_free(st);
    tw_state_scorer_free(loaded);
    return s;
  }
  tw_profile *p = NULL;
  tw_state_scorer *sc = NULL;
  s = fit(c, &p);
  if (s == TW_OK) s = tw_state_scorer_new(p, (size_t)strtoull(get(c, "cells"), NULL, 10), &sc);
  if (s == TW_OK) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.twsc", tmpdir, c->id);
    s = tw_state_scorer_save(sc, path);
    if (s == TW_OK) {
      size_t n;
      uint8_t *bytes = read_file(path, &n);
      key(b, "scorer");
      hex(b, bytes, n);
      free(bytes);
    }
  }
  if (s == TW_OK) s = tw_state_scorer_load(c->art, &loaded);
  if (s == TW_OK) s = merged_states(c, NULL, loaded, 0, &st);
  if (s == TW_OK) s = state_hex(b, "state", st, NULL);
  const char *names[MAX_COLS];
  int nn = c->parts[0].n;
  for (int i = 0; i < nn; i++) names[i] = c->parts[0].cols[i].name;
  qsort(names, (size_t)nn, sizeof names[0], by_name);
  for (int pass = 0; pass < 2 && s == TW_OK; pass++) {
    key(b, pass ? "bounds_profile" : "bounds");
    put(b, "[");
    for (int i = 0; i < nn && s == TW_OK; i++) {
      tw_ks_bounds k;
      s = pass ? tw_score_state_ks_bounds(p, st, names[i], &k) : tw_state_scorer_ks_bounds(loaded, st, names[i], &k);
      if (s != TW_OK) break;
      if (i) put(b, ",");
      bounds_doc(b, names[i], &k);
    }
    put(b, "]");
  }
  tw_score_state_free(st);
  tw_state_scorer_free(loaded);
  tw_state_scorer_free(sc);
  tw_profile_free(p);
  return s;
}

/* ---- reading the cases ---- */
static void read_col(char *rest, col *out) {
  char *save;
  char *name = strtok_r(rest, "\t", &save);
  snprintf(out->name, sizeof out->name, "%s", name);
  out->n = (size_t)strtoull(strtok_r(NULL, "\t", &save), NULL, 10);
  out->x = malloc((out->n ? out->n : 1) * sizeof(double));
  for (size_t i = 0; i < out->n; i++) out->x[i] = strtod(strtok_r(NULL, "\t", &save), NULL);
}

static void free_case(tcase *c) {
  for (int i = 0; i < c->n_opts; i++) free(c->opts[i].value);
  for (int i = 0; i < c->ref.n; i++) free(c->ref.cols[i].x);
  for (int i = 0; i < c->cur.n; i++) free(c->cur.cols[i].x);
  for (int p = 0; p < c->n_parts; p++)
    for (int i = 0; i < c->parts[p].n; i++) free(c->parts[p].cols[i].x);
  for (int i = 0; i < c->n_steps; i++) free(c->steps[i].c.x);
  memset(c, 0, sizeof *c);
}

static void answer(const tcase *c) {
  sb b = {0};
  put(&b, "{");
  tw_status s;
  if (strcmp(c->fn, "drift.profile") == 0) s = run_profile(c, &b);
  else if (strcmp(c->fn, "drift.profile_persisted") == 0) s = run_persisted(c, &b);
  else if (strcmp(c->fn, "drift.report") == 0) s = run_report(c, &b);
  else if (strcmp(c->fn, "drift.score_state") == 0) s = run_state(c, &b);
  else if (strcmp(c->fn, "drift.monitor") == 0) s = run_monitor(c, &b);
  else if (strcmp(c->fn, "drift.scorer") == 0) s = run_scorer(c, &b);
  else {
    fprintf(stderr, "unknown function %s\n", c->fn);
    exit(2);
  }
  put(&b, "}");
  if (s == TW_OK) printf("%s\tok\t%s\n", c->id, b.s);
  else printf("%s\terror\t%s\n", c->id, kind_of(s));
  free(b.s);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: conformance_drift CASES.tsv TMPDIR\n");
    return 2;
  }
  tmpdir = argv[2];
  FILE *f = fopen(argv[1], "r");
  if (!f) return 2;
  static tcase c;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int n = 0;
  while ((len = getline(&line, &cap, f)) > 0) {
    if (line[len - 1] == '\n') line[--len] = 0;
    char *tab = strchr(line, '\t');
    char *rest = tab ? tab + 1 : line + len;
    if (tab) *tab = 0;
    if (strcmp(line, "CASE") == 0) {
      char *t = strchr(rest, '\t');
      *t = 0;
      snprintf(c.id, sizeof c.id, "%s", rest);
      snprintf(c.fn, sizeof c.fn, "%s", t + 1);
    } else if (strcmp(line, "OPT") == 0) {
      char *t = strchr(rest, '\t');
      *t = 0;
      snprintf(c.opts[c.n_opts].key, sizeof c.opts[0].key, "%s", rest);
      c.opts[c.n_opts++].value = strdup(t + 1);
    } else if (strcmp(line, "REF") == 0) read_col(rest, &c.ref.cols[c.ref.n++]);
    else if (strcmp(line, "CUR") == 0) read_col(rest, &c.cur.cols[c.cur.n++]);
    else if (strcmp(line, "PART") == 0) c.n_parts++;
    else if (strcmp(line, "COL") == 0) {
      table *t = &c.parts[c.n_parts - 1];
      read_col(rest, &t->cols[t->n++]);
    } else if (strcmp(line, "PUSH") == 0) {
      c.steps[c.n_steps].push = 1;
      read_col(rest, &c.steps[c.n_steps++].c);
    } else if (strcmp(line, "SCORE") == 0) {
      c.steps[c.n_steps].push = 0;
      snprintf(c.steps[c.n_steps++].c.name, sizeof c.steps[0].c.name, "%s", rest);
    } else if (strcmp(line, "EMIT") == 0) c.steps[c.n_steps++].push = 2;
    else if (strcmp(line, "ART") == 0) snprintf(c.art, sizeof c.art, "%s", rest);
    else if (strcmp(line, "END") == 0) {
      answer(&c);
      free_case(&c);
      n++;
    }
  }
  free(line);
  fclose(f);
  fprintf(stderr, "conformance_drift: %d cases answered\n", n);
  return n > 0 ? 0 : 1;
}
