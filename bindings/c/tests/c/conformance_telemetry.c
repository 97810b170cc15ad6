/* The C runner of tests/conformance/telemetry_exporter.json (docs/conformance.md):
   the exporter installs once per process, so this program replays every step
   in order — tw_metrics_render before the install, tw_metrics_install with
   bad configurations, the install under namespace `acme` and profile
   `plus_ultra`, a second install, renders, and drift metrics emitted by a live
   monitor (tw_profile_fit, tw_monitor_new/push/emit). The steps come as
   tab-separated lines from tests/conformance/inference_check.py t-cases; each
   render is written to DIR/<id>.prom and checked, byte for byte, against the
   Rust door's text by inference_check.py t-answers
   (scripts/test.d/47-conformance-inference.sh).
   Usage: conformance_telemetry STEPS.tsv DIR > ANSWERS.tsv */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"

#define MAX_FIELDS 16

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

static char *get(char **fields, int n, const char *key) {
  size_t k = strlen(key);
  for (int i = 2; i < n; i++)
    if (strncmp(fields[i], key, k) == 0 && fields[i][k] == '=') return fields[i] + k + 1;
  fprintf(stderr, "%s: no field %s\n", fields[0], key);
  exit(2);
}

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

static tw_status render(const char *id, const char *dir) {
  size_t need = 0;
  tw_status s = tw_metrics_render_length(&need);
  if (s != TW_OK) return s;
  char *buf = malloc(need);
  if (!buf) exit(3);
  size_t written = 0;
  s = tw_metrics_render(buf, need, &written);
  if (s == TW_OK) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.prom", dir, id);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, written, f) != written || fclose(f) != 0) exit(2);
    printf("%s\tOK\ttextfile=%s.prom\n", id, id);
  }
  free(buf);
  return s;
}

static tw_status monitor_emit(char **fields, int n) {
  size_t nr, nc, scored = 0, drifted = 0;
  double *ref = floats(get(fields, n, "reference"), &nr), *cur = floats(get(fields, n, "current"), &nc);
  tw_profile *p = NULL;
  tw_monitor *m = NULL;
  tw_monitor_options o;
  tw_status s = tw_monitor_options_default(&o);
  o.window = strtoull(get(fields, n, "window"), NULL, 10);
  o.min_values = strtoull(get(fields, n, "min_values"), NULL, 10);
  if (s == TW_OK) s = tw_profile_new(&p);
  if (s == TW_OK) s = tw_profile_fit(p, "x", ref, nr, NULL);
  if (s == TW_OK) s = tw_monitor_new(p, &o, &m);
  if (s == TW_OK) s = tw_monitor_push(m, "x", cur, nc);
  if (s == TW_OK) s = tw_monitor_emit(m, &scored, &drifted);
  if (s == TW_OK) printf("%s\tOK\tn_scored=%zu\tn_drifted=%zu\n", fields[0], scored, drifted);
  tw_monitor_free(m);
  tw_profile_free(p);
  free(ref);
  free(cur);
  return s;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s STEPS.tsv DIR\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "r");
  if (!in) return 2;
  char *buf = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&buf, &cap, in)) > 0) {
    if (buf[len - 1] == '\n') buf[len - 1] = '\0';
    char *fields[MAX_FIELDS];
    int n = 0;
    fields[n++] = buf;
    for (char *p = buf; *p; p++)
      if (*p == '\t') {
        *p = '\0';
        if (n == MAX_FIELDS) return 2;
        fields[n++] = p + 1;
      }
    const char *op = fields[1];
    tw_status s;
    if (strcmp(op, "install") == 0) {
      s = tw_metrics_install(get(fields, n, "config"));
      if (s == TW_OK) printf("%s\tOK\tok=1\n", fields[0]);
    } else if (strcmp(op, "render") == 0) {
      s = render(fields[0], argv[2]);
    } else if (strcmp(op, "monitor_emit") == 0) {
      s = monitor_emit(fields, n);
    } else {
      fprintf(stderr, "%s: op %s\n", fields[0], op);
      return 2;
    }
    if (s != TW_OK) printf("%s\tERR\t%s\n", fields[0], kind_of(s));
  }
  free(buf);
  fclose(in);
  return 0;
}
