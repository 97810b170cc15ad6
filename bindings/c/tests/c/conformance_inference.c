/* The C runner of the inference and telemetry case files (tests/conformance/
   inference_functions.json, telemetry_recovery.json; docs/conformance.md).
   C has no JSON parser: tests/conformance/inference_check.py c-cases writes
   the cases as tab-separated lines (floats in hex, exact), this program calls
   the C ABI for each (tw_regime_classify, tw_sanity_guard_check,
   tw_recovery_*) and prints its answers (floats as %a, exact; the recovery
   summary as the library's JSON), and inference_check.py c-answers compares
   them with the files' `expect` and, bit for bit, with the Rust runner's
   answers (scripts/test.d/47-conformance-inference.sh).
   Usage: conformance_inference CASES.tsv REGISTRY_DIR > ANSWERS.tsv (the registry
   scenario's steps run on the registry at REGISTRY_DIR, created if needed) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"

#define MAX_FIELDS 256

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

typedef struct {
  char *fields[MAX_FIELDS];
  int n;
} line_t;

/* The value of the first field `key=...`, or NULL. */
static char *get(const line_t *l, const char *key) {
  size_t k = strlen(key);
  for (int i = 2; i < l->n; i++)
    if (strncmp(l->fields[i], key, k) == 0 && l->fields[i][k] == '=') return l->fields[i] + k + 1;
  return NULL;
}

static char *need(const line_t *l, const char *key) {
  char *v = get(l, key);
  if (!v) {
    fprintf(stderr, "%s: no field %s\n", l->fields[0], key);
    exit(2);
  }
  return v;
}

/* Comma-separated hex floats; the array (never NULL: one spare slot) and its length. */
static double *floats(const char *s, size_t *n) {
  size_t cap = 1;
  for (const char *p = s; *p; p++) cap += *p == ',';
  double *x = calloc(cap, sizeof *x);
  if (!x) exit(3);
  *n = 0;
  if (*s == '\0') return x;
  const char *p = s;
  for (;;) {
    char *end;
    x[(*n)++] = strtod(p, &end);
    if (*end != ',') break;
    p = end + 1;
  }
  return x;
}

static void regime(const line_t *l) {
  size_t nh, nl, nc, ncfg;
  double *h = floats(need(l, "high"), &nh), *lo = floats(need(l, "low"), &nl), *c = floats(need(l, "close"), &nc);
  if (nh != nc || nl != nc) {
    fprintf(stderr, "%s: lengths differ\n", l->fields[0]);
    exit(2);
  }
  const char *cfg_s = need(l, "config");
  tw_regime_config cfg;
  const tw_regime_config *pcfg = NULL;
  if (*cfg_s) {
    double *v = floats(cfg_s, &ncfg);
    if (ncfg != 6) exit(2);
    cfg.window = (size_t)v[0];
    cfg.range_bound_max_vol = v[1];
    cfg.range_bound_max_abs_momentum = v[2];
    cfg.trend_min_abs_momentum = v[3];
    cfg.volatile_min_vol = v[4];
    cfg.volatile_min_range = v[5];
    free(v);
    pcfg = &cfg;
  }
  tw_regime_reading r;
  tw_status s = tw_regime_classify(h, lo, c, nc, pcfg, &r);
  if (s != TW_OK)
    printf("%s\tERR\t%s\n", l->fields[0], kind_of(s));
  else
    printf("%s\tOK\tregime=%s\tvol=%a\tmomentum=%a\trange=%a\n", l->fields[0], tw_regime_name(r.regime), r.vol,
           r.momentum, r.range);
  free(h);
  free(lo);
  free(c);
}

static const char *verdict_name(tw_sanity_verdict v) {
  switch (v) {
    case TW_SANITY_KEPT: return "kept";
    case TW_SANITY_MOVE_FROM_LAST_CLOSE: return "move_from_last_close";
    case TW_SANITY_STEP_MOVE: return "step_move";
    case TW_SANITY_NOT_FINITE: return "not_finite";
    default: return "unknown_verdict";
  }
}

static void sanity(const line_t *l) {
  size_t n, nt;
  double *f = floats(need(l, "forecast"), &n);
  double last_close = strtod(need(l, "last_close"), NULL);
  const char *th = need(l, "thresholds");
  tw_sanity_guard g;
  const tw_sanity_guard *pg = NULL;
  if (*th) {
    double *v = floats(th, &nt);
    if (nt != 2) exit(2);
    g.max_move_from_last_close = v[0];
    g.max_step_move = v[1];
    free(v);
    pg = &g;
  }
  tw_sanity_verdict *verdicts = calloc(n + 1, sizeof *verdicts);
  if (!verdicts) exit(3);
  size_t kept = 0;
  tw_status s = tw_sanity_guard_check(last_close, f, n, pg, verdicts, &kept);
  if (s != TW_OK) {
    printf("%s\tERR\t%s\n", l->fields[0], kind_of(s));
  } else {
    printf("%s\tOK\tverdicts=", l->fields[0]);
    for (size_t i = 0; i < n; i++) printf("%s%s", i ? "," : "", verdict_name(verdicts[i]));
    printf("\tn_kept=%zu\n", kept);
  }
  free(verdicts);
  free(f);
}

/* "~" is NULL in the case lines. */
static const char *opt_str(char *s) { return strcmp(s, "~") == 0 ? NULL : s; }

static void recovery(const line_t *l) {
  const char *cfg_s = need(l, "config");
  tw_recovery_config cfg;
  const tw_recovery_config *pcfg = NULL;
  if (*cfg_s) {
    char *end;
    cfg.capacity = strtoull(cfg_s, &end, 10);
    cfg.retention_seconds = strtod(end + 1, &end);
    cfg.recent_window = strtoull(end + 1, &end, 10);
    cfg.max_operations = strtoull(end + 1, &end, 10);
    pcfg = &cfg;
  }
  tw_recovery *t = NULL;
  tw_status s = tw_recovery_new(pcfg, &t);
  for (int i = 2; s == TW_OK && i < l->n; i++) {
    if (strncmp(l->fields[i], "rec=", 4) != 0) continue;
    char *parts[8];
    int k = 0;
    char *p = l->fields[i] + 4;
    parts[k++] = p;
    for (; *p && k < 8; p++)
      if (*p == '|') {
        *p = '\0';
        parts[k++] = p + 1;
      }
    if (k != 8) {
      fprintf(stderr, "%s: bad record\n", l->fields[0]);
      exit(2);
    }
    tw_recovery_outcome o = {
        .operation = parts[1],
        .success = (uint32_t)atoi(parts[2]),
        .duration_seconds = strtod(parts[3], NULL),
        .attempts = (uint32_t)strtoul(parts[4], NULL, 10),
        .error_type = opt_str(parts[5]),
        .recovery_strategy = opt_str(parts[6]),
        .fallback_used = (uint32_t)atoi(parts[7]),
    };
    s = tw_recovery_record(t, strtod(parts[0], NULL), &o);
  }
  if (s == TW_OK) {
    double now = strtod(need(l, "now"), NULL);
    size_t written = 0;
    char small[8];
    s = tw_recovery_summary_json(t, now, small, sizeof small, &written);
    if (s == TW_ERR_BUFFER_TOO_SMALL) {
      size_t cap = 1 << 20;
      char *buf = malloc(cap);
      if (!buf) exit(3);
      s = tw_recovery_summary_json(t, now, buf, cap, &written);
      if (s == TW_OK) printf("%s\tOK\tjson=%s\n", l->fields[0], buf);
      free(buf);
    } else if (s == TW_OK) {
      fprintf(stderr, "%s: a summary fits in 8 bytes?\n", l->fields[0]);
      exit(2);
    }
  }
  if (s != TW_OK) printf("%s\tERR\t%s\n", l->fields[0], kind_of(s));
  tw_recovery_free(t);
}

#if defined(TRADEWARDEN_INFERENCE)
/* Splits `s` at '|' in place into at most `max` parts; the number of parts. */
static int split_bar(char *s, char **parts, int max) {
  int k = 0;
  parts[k++] = s;
  for (char *p = s; *p && k < max; p++)
    if (*p == '|') {
      *p = '\0';
      parts[k++] = p + 1;
    }
  return k;
}

/* Prints `\tout=version|outputs` of `p` over `spec` (`n|window|n_features|hex,...`), or `\terror=Kind`. */
static void predict_print(tw_predictor *p, char *spec) {
  char *parts[4];
  if (split_bar(spec, parts, 4) != 4) exit(2);
  size_t n_rows = strtoull(parts[0], NULL, 10), window = strtoull(parts[1], NULL, 10);
  size_t n_features = strtoull(parts[2], NULL, 10), nx = 0, w = 0, nf = 0, n_out = 0;
  double *x = floats(parts[3], &nx);
  if (tw_predictor_window_shape(p, &w, &nf) != TW_OK || tw_predictor_n_outputs(p, &n_out) != TW_OK) exit(2);
  size_t out_len = n_rows * n_out + 1;
  float *y = calloc(out_len, sizeof *y);
  if (!y) exit(3);
  tw_status s = w == 1 ? tw_predictor_predict(p, x, n_rows, window * n_features, y, out_len)
                       : tw_predictor_predict_window(p, x, n_rows, window, n_features, y, out_len);
  if (s == TW_OK) {
    char version[256];
    size_t written = 0;
    if (tw_predictor_version(p, version, sizeof version, &written) != TW_OK) exit(2);
    printf("\tout=%s|", version);
    for (size_t j = 0; j < n_rows * n_out; j++) printf("%s%a", j ? "," : "", (double)y[j]);
  } else {
    printf("\terror=%s", kind_of(s));
  }
  free(y);
  free(x);
}

/* Loads `format|path|config` (or `demo`) as a new predictor named "model", version "v1". */
static tw_status load_model(char *spec, tw_predictor **out) {
  if (strcmp(spec, "demo") == 0) return tw_predictor_demo(out);
  char *parts[3];
  if (split_bar(spec, parts, 3) != 3) exit(2);
  if (strcmp(parts[0], "safetensors") == 0) return tw_predictor_load_safetensors("model", "v1", parts[1], parts[2], out);
  return tw_predictor_load_burnpack("model", "v1", parts[1], parts[2], out);
}

/* A swap step: `version|format|path|config`. */
static tw_status swap_model(tw_predictor *p, char *spec) {
  char *parts[4];
  if (split_bar(spec, parts, 4) != 4) exit(2);
  if (strcmp(parts[1], "safetensors") == 0) return tw_predictor_swap(p, parts[0], parts[2], parts[3]);
  return tw_predictor_swap_burnpack(p, parts[0], parts[2], parts[3]);
}

static void predictor_run(const line_t *l) {
  tw_predictor *p = NULL;
  tw_status s = load_model(need(l, "load"), &p);
  if (s != TW_OK) {
    printf("%s\tERR\t%s\n", l->fields[0], kind_of(s));
    return;
  }
  int n_steps = 0;
  for (int i = 2; i < l->n; i++) n_steps += strncmp(l->fields[i], "step=", 5) == 0;
  printf("%s\tOK\tsteps=%d", l->fields[0], n_steps);
  for (int i = 2; i < l->n; i++) {
    if (strncmp(l->fields[i], "step=", 5) != 0) continue;
    char *st = l->fields[i] + 5;
    if (strncmp(st, "swap|", 5) == 0) {
      s = swap_model(p, st + 5);
      if (s == TW_OK)
        printf("\tok=1");
      else
        printf("\terror=%s", kind_of(s));
      continue;
    }
    if (strncmp(st, "predict|", 8) != 0) exit(2);
    predict_print(p, st + 8);
  }
  printf("\n");
  tw_predictor_free(p);
}
#endif

#if defined(TRADEWARDEN_INFERENCE)
/* The test harness's `corrupt`: one byte in the middle of the file flipped (as the other runners do). */
static void corrupt_file(const char *root, const char *name, const char *version, const char *file) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s/versions/%s/%s", root, name, version, file);
  FILE *f = fopen(path, "r+b");
  if (!f || fseek(f, 0, SEEK_END) != 0) exit(2);
  long len = ftell(f);
  if (len <= 0 || fseek(f, len / 2, SEEK_SET) != 0) exit(2);
  int c = fgetc(f);
  if (c == EOF || fseek(f, len / 2, SEEK_SET) != 0 || fputc(c ^ 0x5a, f) == EOF) exit(2);
  fclose(f);
}

/* One step of the registry scenario on the registry at `root`. */
static void registry_step(const line_t *l, const char *root) {
  const char *id = l->fields[0], *op = need(l, "op"), *name = need(l, "name"), *version = get(l, "version");
  const char *vk = get(l, "vk");
  tw_registry *r = NULL;
  tw_status s = vk ? tw_registry_open_verified(root, vk, &r) : tw_registry_open(root, &r);
  char buf[256];
  size_t written = 0;
  if (s != TW_OK) {
  } else if (strcmp(op, "register") == 0) {
    char *parts[3];
    if (split_bar(need(l, "model"), parts, 3) != 3) exit(2);
    const char *key = get(l, "key");
    if (key)
      s = tw_registry_register_safetensors_signed(r, name, version, parts[1], parts[2], key);
    else if (strcmp(parts[0], "safetensors") == 0)
      s = tw_registry_register_safetensors(r, name, version, parts[1], parts[2]);
    else
      s = tw_registry_register_burnpack(r, name, version, parts[1], parts[2]);
    if (s == TW_OK) printf("%s\tOK\tok=1\n", id);
  } else if (strcmp(op, "sign") == 0) {
    s = tw_registry_sign(r, name, version, need(l, "key"));
    if (s == TW_OK) printf("%s\tOK\tok=1\n", id);
  } else if (strcmp(op, "promote") == 0) {
    s = tw_registry_promote(r, name, version);
    if (s == TW_OK) printf("%s\tOK\tok=1\n", id);
  } else if (strcmp(op, "versions") == 0) {
    size_t n = 0;
    s = tw_registry_version_count(r, name, &n);
    if (s == TW_OK) {
      printf("%s\tOK\tversions=", id);
      for (size_t i = 0; i < n && s == TW_OK; i++) {
        s = tw_registry_version_name(r, name, i, buf, sizeof buf, &written);
        if (s == TW_OK) printf("%s%s", i ? "," : "", buf);
      }
      if (s != TW_OK) exit(2);
      printf("\n");
    }
  } else if (strcmp(op, "active") == 0) {
    s = tw_registry_active_version(r, name, buf, sizeof buf, &written);
    if (s == TW_OK)
      printf("%s\tOK\tactive=%s\n", id, buf);
    else if (s == TW_ERR_NOT_FOUND) { /* nothing promoted: the other doors' None */
      printf("%s\tOK\tactive=~\n", id);
      s = TW_OK;
    }
  } else if (strcmp(op, "rollback") == 0) {
    s = tw_registry_rollback(r, name);
    if (s == TW_OK) s = tw_registry_active_version(r, name, buf, sizeof buf, &written);
    if (s == TW_OK) printf("%s\tOK\trolled=%s\n", id, buf);
  } else if (strcmp(op, "freeze") == 0) {
    s = tw_registry_freeze_learning(r, name, need(l, "who"), need(l, "why"));
    if (s == TW_OK) printf("%s\tOK\tok=1\n", id);
  } else if (strcmp(op, "unfreeze") == 0) {
    s = tw_registry_unfreeze_learning(r, name);
    if (s == TW_OK) printf("%s\tOK\tok=1\n", id);
  } else if (strcmp(op, "stage") == 0) {
    s = tw_registry_stage(r, name, version, need(l, "stage"));
    if (s == TW_OK) printf("%s\tOK\tok=1\n", id);
  } else if (strcmp(op, "learning_freeze") == 0) {
    s = tw_registry_learning_freeze_json(r, name, buf, sizeof buf, &written);
    if (s == TW_OK)
      printf("%s\tOK\tfreeze=%s\n", id, buf);
    else if (s == TW_ERR_NOT_FOUND) { /* not frozen: the other doors' None */
      printf("%s\tOK\tfreeze=~\n", id);
      s = TW_OK;
    }
  } else if (strcmp(op, "inventory") == 0) {
    size_t cap = 1 << 20;
    char *big = malloc(cap);
    if (!big) exit(3);
    s = tw_registry_inventory_json(r, name, big, cap, &written);
    if (s == TW_OK) printf("%s\tOK\tinventory=%s\n", id, big);
    free(big);
  } else if (strcmp(op, "predict_active") == 0) {
    tw_predictor *p = NULL;
    s = tw_registry_load_active(r, name, &p);
    if (s == TW_OK) {
      /* the step's answer is the prediction's (its error as the step's) */
      printf("%s\tOK", id);
      predict_print(p, need(l, "predict"));
      printf("\n");
      tw_predictor_free(p);
    }
  } else if (strcmp(op, "corrupt") == 0) {
    corrupt_file(root, name, version, need(l, "file"));
    printf("%s\tOK\tok=1\n", id);
  } else {
    fprintf(stderr, "%s: registry op %s\n", id, op);
    exit(2);
  }
  if (s != TW_OK) printf("%s\tERR\t%s\n", id, kind_of(s));
  tw_registry_free(r);
}
#endif

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s CASES.tsv REGISTRY_DIR\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "r");
  if (!in) return 2;
  char *buf = NULL;
  size_t cap = 0;
  ssize_t len;
  int n = 0;
  while ((len = getline(&buf, &cap, in)) > 0) {
    if (buf[len - 1] == '\n') buf[len - 1] = '\0';
    line_t l = {.n = 0};
    char *p = buf;
    l.fields[l.n++] = p;
    for (; *p; p++)
      if (*p == '\t') {
        *p = '\0';
        if (l.n == MAX_FIELDS) {
          fprintf(stderr, "%s: too many fields\n", l.fields[0]);
          return 2;
        }
        l.fields[l.n++] = p + 1;
      }
    const char *fn = l.fields[1];
    if (strcmp(fn, "regime.classify") == 0)
      regime(&l);
    else if (strcmp(fn, "sanity_guard.check") == 0)
      sanity(&l);
    else if (strcmp(fn, "recovery.summary") == 0)
      recovery(&l);
#if defined(TRADEWARDEN_INFERENCE)
    else if (strcmp(fn, "predictor.run") == 0)
      predictor_run(&l);
    else if (strcmp(fn, "registry.step") == 0)
      registry_step(&l, argv[2]);
#endif
    else {
      fprintf(stderr, "%s: the C runner does not bind %s\n", l.fields[0], fn);
      return 2;
    }
    n++;
  }
  free(buf);
  fclose(in);
  fprintf(stderr, "C runner: %d cases answered\n", n);
  return n > 0 ? 0 : 1;
}
