/* The C runner of tests/conformance/guardrails_doors.json. C has no JSON
   parser: tests/conformance/guardrails_check.py writes the steps as lines
   `CASE \t SEGMENT \t OP \t key=value ...` (values with \\, \t, \n escaped;
   paths resolved), this program answers each step through the C ABI as one
   JSON line {"case", "seg", "answer"}, and guardrails_check.py compares the
   answers with the file's `expect` and the Rust runner's. A `journal` step
   answers {"deferred": "journal"} with its directory: the checker reads the
   records there (the C door has no journal reader).
   Usage: conformance_guardrails STEPS.tsv
   The ops are documented in tests/conformance/guardrails_check.py. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tradewarden.h"

#define MAXKV 32
static char *keys[MAXKV], *vals[MAXKV];
static int nkv;
static tw_engine *e;
/* What the open engine was opened with (an approval reopens it). */
static char open_policy[4096], open_dir[4096];
static double open_equity;

static const char *get(const char *k) {
  for (int i = 0; i < nkv; i++)
    if (strcmp(keys[i], k) == 0) return vals[i];
  return NULL;
}

static const char *req(const char *k) {
  const char *v = get(k);
  if (!v) {
    fprintf(stderr, "missing %s\n", k);
    exit(2);
  }
  return v;
}

static double num(const char *k) { return strtod(req(k), NULL); }

static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = 0;
}

static const char *kind(tw_status s) {
  switch (s) {
    case TW_ERR_INVALID_INPUT: return "InvalidInput";
    case TW_ERR_INVALID_CONFIG: return "InvalidConfig";
    case TW_ERR_NOT_FOUND: return "NotFound";
    case TW_ERR_IO: return "Io";
    case TW_ERR_CORRUPT: return "Corrupt";
    case TW_ERR_STATE: return "State";
    case TW_ERR_UNSUPPORTED: return "Unsupported";
    default: return "Internal";
  }
}

static const char *state_name(tw_trading_state s) {
  static const char *n[] = {"ACTIVE", "REDUCING", "HALTED", "KILLED"};
  return s < 4 ? n[s] : "?";
}

static tw_trading_state state_code(const char *s) {
  static const char *n[] = {"ACTIVE", "REDUCING", "HALTED", "KILLED"};
  for (tw_trading_state i = 0; i < 4; i++)
    if (strcmp(n[i], s) == 0) return i;
  fprintf(stderr, "unknown state %s\n", s);
  exit(2);
}

/* A JSON number, or "nan" / "inf" / "-inf". */
static void jnum(char *out, size_t n, double x) {
  if (isnan(x)) snprintf(out, n, "\"nan\"");
  else if (isinf(x)) snprintf(out, n, x > 0 ? "\"inf\"" : "\"-inf\"");
  else snprintf(out, n, "%.17g", x);
}

static char ans[65536];

static void error(tw_status s) { snprintf(ans, sizeof ans, "{\"error\": \"%s\"}", kind(s)); }

static void unit(tw_status s) {
  if (s == TW_OK) snprintf(ans, sizeof ans, "{}");
  else error(s);
}

static void status_answer(void) {
  tw_trading_state s;
  double hwm, size;
  int32_t frozen;
  char h[64], z[64];
  tw_status r = tw_engine_sync(e, &s);
  if (r != TW_OK) return error(r);
  r = tw_engine_high_water_mark(e, &hwm);
  if (r == TW_ERR_NOT_FOUND) snprintf(h, sizeof h, "null");
  else if (r == TW_OK) jnum(h, sizeof h, hwm);
  else return error(r);
  if ((r = tw_engine_size_override(e, &size)) != TW_OK) return error(r);
  if ((r = tw_engine_learning_frozen(e, &frozen)) != TW_OK) return error(r);
  jnum(z, sizeof z, size);
  snprintf(ans, sizeof ans,
           "{\"state\": \"%s\", \"high_water_mark\": %s, \"size_override\": %s, \"learning_frozen\": %s}",
           state_name(s), h, z, frozen ? "true" : "false");
}

static tw_status open_engine(void) {
  tw_engine_free(e);
  e = NULL;
  return tw_engine_new_from_policy_file(open_policy, open_dir, open_equity, &e);
}

static void observation(tw_period_observation *o) {
  static const struct {
    const char *key;
    uint32_t bit;
    size_t off;
  } f[] = {
      {"obs.aum", TW_PERIOD_AUM, offsetof(tw_period_observation, aum)},
      {"obs.hourly_pnl", TW_PERIOD_HOURLY_PNL, offsetof(tw_period_observation, hourly_pnl)},
      {"obs.daily_pnl", TW_PERIOD_DAILY_PNL, offsetof(tw_period_observation, daily_pnl)},
      {"obs.equity", TW_PERIOD_EQUITY, offsetof(tw_period_observation, equity)},
      {"obs.high_water_mark", TW_PERIOD_HIGH_WATER_MARK, offsetof(tw_period_observation, high_water_mark)},
      {"obs.slippage_ratio", TW_PERIOD_SLIPPAGE_RATIO, offsetof(tw_period_observation, slippage_ratio)},
      {"obs.fill_rate", TW_PERIOD_FILL_RATE, offsetof(tw_period_observation, fill_rate)},
      {"obs.model_precision_ratio", TW_PERIOD_MODEL_PRECISION_RATIO,
       offsetof(tw_period_observation, model_precision_ratio)},
      {"obs.confidence", TW_PERIOD_CONFIDENCE, offsetof(tw_period_observation, confidence)},
      {"obs.data_age_s", TW_PERIOD_DATA_AGE_S, offsetof(tw_period_observation, data_age_s)},
  };
  memset(o, 0, sizeof *o);
  for (int i = 0; i < nkv; i++) {
    if (strncmp(keys[i], "obs.", 4) != 0) continue;
    size_t k = 0;
    while (k < sizeof f / sizeof f[0] && strcmp(f[k].key, keys[i]) != 0) k++;
    if (k == sizeof f / sizeof f[0]) {
      fprintf(stderr, "unknown observation key %s\n", keys[i]);
      exit(2);
    }
    o->present |= f[k].bit;
    *(double *)((char *)o + f[k].off) = strtod(vals[i], NULL);
  }
}

static void breaches_answer(tw_status r, const tw_period_breach *b, size_t n, const char *tail) {
  if (r != TW_OK) return error(r);
  size_t w = (size_t)snprintf(ans, sizeof ans, "{\"breaches\": [");
  for (size_t i = 0; i < n && i < 16; i++) {
    char v[64], t[64];
    jnum(v, sizeof v, b[i].value);
    jnum(t, sizeof t, b[i].threshold);
    w += (size_t)snprintf(ans + w, sizeof ans - w,
                          "%s{\"rule\": \"%s\", \"value\": %s, \"threshold\": %s, \"severity\": \"%s\"}",
                          i ? ", " : "", b[i].rule, v, t,
                          b[i].severity == TW_BREACH_CRITICAL ? "critical" : "warning");
  }
  snprintf(ans + w, sizeof ans - w, "]%s}", tail);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 4096 > cap) buf = realloc(buf, cap = 2 * cap + 4096);
    got = fread(buf + n, 1, 4096, f);
    n += got;
  } while (got > 0);
  fclose(f);
  buf[n] = 0;
  *len = n;
  return buf;
}

static void spit(const char *path, const char *mode, const char *data, size_t n) {
  FILE *f = fopen(path, mode);
  if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
    exit(2);
  }
}

/* Line starts (and one past the end) of `buf`: lines keep their '\n'. */
static size_t lines_of(const char *buf, size_t n, size_t *starts, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < cap; i++)
    if (i == 0 || buf[i - 1] == '\n') starts[k++] = i;
  starts[k] = n;
  return k;
}

static void file_op(const char *op, const char *dir) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, get("file") ? get("file") : "");
  if (strcmp(op, "mkdir") == 0) {
    unit(mkdir(dir, 0755) == 0 ? TW_OK : TW_ERR_IO);
  } else if (strcmp(op, "write_file") == 0 || strcmp(op, "append_file") == 0) {
    const char *t = req("text");
    spit(path, op[0] == 'w' ? "wb" : "ab", t, strlen(t));
    snprintf(ans, sizeof ans, "{}");
  } else if (strcmp(op, "remove_file") == 0) {
    unit(remove(path) == 0 ? TW_OK : TW_ERR_IO);
  } else {
    size_t n;
    char *buf = slurp(path, &n);
    if (!buf) {
      fprintf(stderr, "cannot read %s\n", path);
      exit(2);
    }
    if (strcmp(op, "replace") == 0) {
      const char *old = req("old"), *neu = req("new");
      char *at = strstr(buf, old);
      if (at) {
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, (size_t)(at - buf), f);
        fwrite(neu, 1, strlen(neu), f);
        fputs(at + strlen(old), f);
        fclose(f);
      }
      snprintf(ans, sizeof ans, "{\"replaced\": %s}", at ? "true" : "false");
    } else {
      size_t starts[1024];
      size_t nl = lines_of(buf, n, starts, 1024), k = (size_t)atol(req("line")) - 1;
      int del = strcmp(op, "delete_line") == 0, ok = del ? k < nl : k + 1 < nl;
      if (ok) {
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, starts[k], f);
        if (!del) {
          fwrite(buf + starts[k + 1], 1, starts[k + 2] - starts[k + 1], f);
          fwrite(buf + starts[k], 1, starts[k + 1] - starts[k], f);
          fwrite(buf + starts[k + 2], 1, n - starts[k + 2], f);
        } else {
          fwrite(buf + starts[k + 1], 1, n - starts[k + 1], f);
        }
        fclose(f);
      }
      snprintf(ans, sizeof ans, "{\"%s\": %s}", del ? "deleted" : "swapped", ok ? "true" : "false");
    }
    free(buf);
  }
}

static void step(const char *op) {
  const char *dir = req("dir");
  tw_status r;
  if (strcmp(op, "open") == 0) {
    snprintf(open_policy, sizeof open_policy, "%s", req("policy"));
    snprintf(open_dir, sizeof open_dir, "%s", dir);
    open_equity = num("equity");
    r = open_engine();
    if (r != TW_OK) return error(r);
    return status_answer();
  }
  if (strcmp(op, "period_evaluate") == 0) {
    tw_period_observation o;
    tw_period_breach b[16];
    size_t n = 0;
    observation(&o);
    r = tw_period_evaluate(req("policy"), &o, b, 16, &n);
    return breaches_answer(r, b, n, "");
  }
  if (strcmp(op, "verify") == 0) {
    uint64_t entries = 0, skipped = 0;
    r = tw_journal_verify(dir, &entries, &skipped);
    if (r != TW_OK) return error(r);
    snprintf(ans, sizeof ans, "{\"records\": %llu, \"torn\": %llu}", (unsigned long long)entries,
             (unsigned long long)skipped);
    return;
  }
  if (strcmp(op, "journal") == 0) {
    snprintf(ans, sizeof ans, "{\"deferred\": \"journal\"}");
    return;
  }
  if (strcmp(op, "approval") == 0) {
    /* The C door records approvals through its journal handle (one writer
       per directory): the engine of that directory is closed around it. */
    tw_journal *j = NULL;
    uint64_t seq = 0;
    int reopen = e != NULL;
    tw_engine_free(e);
    e = NULL;
    r = tw_journal_open(dir, NULL, &j);
    if (r == TW_OK) r = tw_journal_record_approval(j, req("who"), req("why"), req("what"), &seq);
    tw_journal_free(j);
    if (reopen && open_engine() != TW_OK) {
      fprintf(stderr, "reopen failed\n");
      exit(2);
    }
    if (r != TW_OK) return error(r);
    snprintf(ans, sizeof ans, "{\"seq\": %llu}", (unsigned long long)seq);
    return;
  }
  if (strchr("wardsm", op[0]) && (strstr(op, "_file") || strcmp(op, "replace") == 0 ||
                                   strcmp(op, "delete_line") == 0 || strcmp(op, "swap_lines") == 0 ||
                                   strcmp(op, "mkdir") == 0))
    return file_op(op, dir);
  if (!e) {
    fprintf(stderr, "%s before open\n", op);
    exit(2);
  }
  if (strcmp(op, "status") == 0) return status_answer();
  if (strcmp(op, "reset") == 0) return unit(tw_engine_reset(e, state_code(req("to")), req("who"), req("why")));
  if (strcmp(op, "escalate") == 0) {
    uint32_t changed = 9;
    r = tw_engine_escalate(e, state_code(req("to")), req("reason"), &changed);
    if (r != TW_OK) return error(r);
    snprintf(ans, sizeof ans, "{\"changed\": %s}", changed ? "true" : "false");
    return;
  }
  if (strcmp(op, "kill") == 0) return unit(tw_engine_kill(e, req("reason"), req("by")));
  if (strcmp(op, "remove_kill_switch") == 0) return unit(tw_engine_remove_kill_switch(e, req("who"), req("why")));
  if (strcmp(op, "set_equity") == 0) return unit(tw_engine_set_equity(e, num("equity")));
  if (strcmp(op, "size_override") == 0)
    return unit(tw_engine_set_size_override(e, num("fraction"), req("who"), req("why")));
  if (strcmp(op, "learning_frozen") == 0)
    return unit(tw_engine_set_learning_frozen(e, atoi(req("frozen")), req("who"), req("why")));
  if (strcmp(op, "order") == 0) {
    uint32_t id = 0;
    tw_order o;
    tw_decision d;
    char q[64];
    if ((r = tw_engine_symbol_id(e, req("symbol"), &id)) != TW_OK) return error(r);
    o.symbol = id;
    o.side = strcmp(req("side"), "buy") == 0 ? TW_SIDE_BUY : TW_SIDE_SELL;
    o.quantity = num("quantity");
    o.price = num("price");
    o.reference_price = num("reference_price");
    o.data_timestamp = num("data_timestamp");
    o.timestamp = num("timestamp");
    o.confidence = NAN;
    if ((r = tw_engine_check_order(e, &o, &d)) != TW_OK) return error(r);
    jnum(q, sizeof q, d.quantity);
    if (d.decision == TW_DECISION_ALLOW) snprintf(ans, sizeof ans, "{\"decision\": \"allow\"}");
    else if (d.decision == TW_DECISION_CLIP)
      snprintf(ans, sizeof ans, "{\"decision\": \"clip\", \"quantity\": %s, \"reason\": \"%s\"}", q,
               tw_reason_name(d.reason));
    else snprintf(ans, sizeof ans, "{\"decision\": \"deny\", \"reason\": \"%s\"}", tw_reason_name(d.reason));
    return;
  }
  if (strcmp(op, "evaluate_period") == 0) {
    tw_period_observation o;
    tw_period_breach b[16];
    tw_trading_state s;
    size_t n = 0;
    char tail[64];
    observation(&o);
    r = tw_engine_evaluate_period(e, &o, b, 16, &n);
    if (r == TW_OK) r = tw_engine_state(e, &s);
    if (r == TW_OK) snprintf(tail, sizeof tail, ", \"state\": \"%s\"", state_name(s));
    return breaches_answer(r, b, n, tail);
  }
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

int main(int argc, char **argv) {
  char line[65536], cur[600] = "";
  if (argc != 2) {
    fprintf(stderr, "usage: %s STEPS.tsv\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (!line[0]) continue;
    char *fields[MAXKV + 3];
    int nf = 0;
    for (char *t = strtok(line, "\t"); t && nf < MAXKV + 3; t = strtok(NULL, "\t")) fields[nf++] = t;
    if (nf < 3) {
      fprintf(stderr, "bad line\n");
      return 2;
    }
    char seg[600];
    snprintf(seg, sizeof seg, "%s/%s", fields[0], fields[1]);
    if (strcmp(seg, cur) != 0) { /* a new segment: the previous session is closed */
      tw_engine_free(e);
      e = NULL;
      snprintf(cur, sizeof cur, "%s", seg);
    }
    nkv = 0;
    for (int i = 3; i < nf; i++) {
      char *eq = strchr(fields[i], '=');
      if (!eq) continue;
      *eq = 0;
      keys[nkv] = fields[i];
      vals[nkv] = eq + 1;
      unescape(vals[nkv]);
      nkv++;
    }
    step(fields[2]);
    printf("{\"case\": \"%s\", \"seg\": %s, \"path\": \"%s\", \"answer\": %s}\n", fields[0], fields[1],
           get("dir") ? get("dir") : "", ans);
  }
  tw_engine_free(e);
  fclose(f);
  return 0;
}
