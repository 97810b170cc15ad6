/* The C runner of tests/conformance/functions.json (docs/conformance.md).
   C has no JSON parser: tests/conformance/functions_check.py c-cases writes
   the cases as tab-separated lines (floats in hex, exact), this program calls
   the C ABI for each and prints its answers (floats as %a, exact), and
   functions_check.py c-answers compares them with the file's `expect` and,
   bit for bit, with the Rust runner's answers (scripts/test.d/42-conformance.sh).
   Usage: conformance_functions CASES.tsv > ANSWERS.tsv */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"

#define MAX_OPTS 8
#define MAX_ARRS 4

typedef struct {
  char key[64];
  char value[64];
} opt;

typedef struct {
  char name[64];
  size_t n;
  double *x;
} arr;

typedef struct {
  char id[256];
  char fn[64];
  opt opts[MAX_OPTS];
  int n_opts;
  arr arrs[MAX_ARRS];
  int n_arrs;
} tcase;

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
  for (int i = 0; i < c->n_opts; i++)
    if (strcmp(c->opts[i].key, key) == 0) return c->opts[i].value;
  fprintf(stderr, "%s: no option %s\n", c->id, key);
  exit(2);
}

static double getf(const tcase *c, const char *key) { return strtod(get(c, key), NULL); }

static const arr *array(const tcase *c, const char *name) {
  for (int i = 0; i < c->n_arrs; i++)
    if (strcmp(c->arrs[i].name, name) == 0) return &c->arrs[i];
  return NULL;
}

static const arr *need(const tcase *c, const char *name) {
  const arr *a = array(c, name);
  if (a == NULL) {
    fprintf(stderr, "%s: no argument %s\n", c->id, name);
    exit(2);
  }
  return a;
}

/* The C ABI has numbers, not names: an unknown name becomes a number no
   policy has (the door must refuse it as the other doors refuse the name). */
static uint32_t nan_policy(const char *s) {
  if (strcmp(s, "skip") == 0) return TW_NAN_POLICY_SKIP;
  if (strcmp(s, "propagate") == 0) return TW_NAN_POLICY_PROPAGATE;
  if (strcmp(s, "error") == 0) return TW_NAN_POLICY_ERROR;
  return 99;
}

/* A case this door cannot express (an option C does not have): said, not
   silently left out; the checker counts these. */
static void skip(const char *id, const char *why) { printf("%s\tskip\t%s\n", id, why); }

static void value(const char *id, tw_status s, double x) {
  if (s == TW_OK)
    printf("%s\tvalue\t%a\n", id, x);
  else
    printf("%s\terror\t%s\n", id, kind_of(s));
}

typedef tw_status (*unary)(const double *, size_t, const tw_returns_options *, double *);

static unary returns_fn(const char *name) {
  if (strcmp(name, "sharpe_ratio") == 0) return tw_returns_sharpe_ratio;
  if (strcmp(name, "sortino_ratio") == 0) return tw_returns_sortino_ratio;
  if (strcmp(name, "max_drawdown") == 0) return tw_returns_max_drawdown;
  if (strcmp(name, "annual_return") == 0) return tw_returns_annual_return;
  if (strcmp(name, "annual_volatility") == 0) return tw_returns_annual_volatility;
  if (strcmp(name, "calmar_ratio") == 0) return tw_returns_calmar_ratio;
  if (strcmp(name, "downside_risk") == 0) return tw_returns_downside_risk;
  return NULL;
}

/* The other empyrical metrics are fields of tw_summary in C: the field the
   case's function names, from tw_returns_summary (with the case's
   factor_returns as benchmark for beta and alpha). Its VaR/CVaR are
   historical at cutoff 0.05 and its Omega at a required return of 0. */
static const char *fields[] = {"tail_ratio", "stability_of_timeseries", "skew", "kurtosis", "win_rate",
                                 "profit_factor", "ulcer_index", "value_at_risk", "conditional_value_at_risk",
                                 "omega_ratio", "beta", "alpha", "up_capture", "down_capture", NULL};

static int summary_field(const tcase *c, const tw_returns_options *o) {
  const char *f = c->fn + 8;
  int k = -1;
  for (int i = 0; fields[i] != NULL; i++)
    if (strcmp(f, fields[i]) == 0) k = i;
  if (k < 0) return 0;
  if (strcmp(f, "up_capture") == 0 || strcmp(f, "down_capture") == 0) {
    skip(c->id, "tw_summary has no capture");
    return 1;
  }
  if ((k == 7 || k == 8) && (getf(c, "cutoff") != 0.05 || strcmp(get(c, "method"), "historical") != 0)) {
    skip(c->id, "tw_summary: historical VaR at 0.05 only");
    return 1;
  }
  if (k == 11 && find(c, "which") != NULL) {
    skip(c->id, "tw_summary: alpha over every period only");
    return 1;
  }
  if (k == 9 && getf(c, "omega_required_return") != 0.0) {
    skip(c->id, "tw_summary: Omega at a required return of 0 only");
    return 1;
  }
  const arr *r = need(c, "returns"), *b = array(c, "factor_returns");
  tw_summary s;
  tw_status st = tw_returns_summary(r->x, r->n, b ? b->x : NULL, b ? b->n : 0, o, &s);
  if (st != TW_OK) {
    printf("%s\terror\t%s\n", c->id, kind_of(st));
    return 1;
  }
  const double v[] = {s.tail_ratio, s.stability, s.skew, s.kurtosis, s.win_rate, s.profit_factor, s.ulcer_index,
                      s.value_at_risk, s.conditional_value_at_risk, s.omega_ratio, s.beta, s.alpha};
  value(c->id, TW_OK, v[k]);
  return 1;
}

/* Every field of tw_summary that is a metric (has_benchmark is a flag). */
static void summary(const tcase *c, const tw_returns_options *o) {
  const arr *r = need(c, "returns"), *b = array(c, "benchmark");
  tw_summary s;
  tw_status st = tw_returns_summary(r->x, r->n, b ? b->x : NULL, b ? b->n : 0, o, &s);
  if (st != TW_OK) {
    printf("%s\terror\t%s\n", c->id, kind_of(st));
    return;
  }
  printf("%s\tvalues\tn=%a,n_nan=%a,mean=%a,std=%a,cumulative_return=%a,annual_return=%a,"
         "annual_volatility=%a,sharpe_ratio=%a,sortino_ratio=%a,downside_risk=%a,max_drawdown=%a,"
         "calmar_ratio=%a,omega_ratio=%a,tail_ratio=%a,value_at_risk=%a,conditional_value_at_risk=%a,"
         "skew=%a,kurtosis=%a,stability=%a,win_rate=%a,profit_factor=%a,ulcer_index=%a",
         c->id, (double)s.n, (double)s.n_nan, s.mean, s.std, s.cumulative_return, s.annual_return,
         s.annual_volatility, s.sharpe_ratio, s.sortino_ratio, s.downside_risk, s.max_drawdown, s.calmar_ratio,
         s.omega_ratio, s.tail_ratio, s.value_at_risk, s.conditional_value_at_risk, s.skew, s.kurtosis,
         s.stability, s.win_rate, s.profit_factor, s.ulcer_index);
  if (s.has_benchmark)
    printf(",beta=%a,alpha=%a,tracking_error=%a,information_ratio=%a,benchmark_correlation=%a", s.beta, s.alpha,
           s.tracking_error, s.information_ratio, s.benchmark_correlation);
  printf("\n");
}

/* A returns function this door binds: the summary, a tw_returns_* function,
   or a field of tw_summary (the research functions — PSR, bootstrap, PBO —
   are Rust and Python only). */
static int binds(const char *name) {
  if (strcmp(name, "summary") == 0 || returns_fn(name) != NULL) return 1;
  for (int i = 0; fields[i] != NULL; i++)
    if (strcmp(name, fields[i]) == 0) return 1;
  return 0;
}

static void run(const tcase *c) {
  if (strncmp(c->fn, "returns.", 8) == 0) {
    if (!binds(c->fn + 8)) return; /* not bound in C: no answer (the checker counts only bound functions) */
    if (find(c, "annualization") == NULL) {
      skip(c->id, "a period name: the C door takes the number");
      return;
    }
    tw_returns_options o;
    o.annualization = getf(c, "annualization");
    o.risk_free = getf(c, "risk_free");
    o.required_return = getf(c, "required_return");
    o.nan_policy = nan_policy(get(c, "nan_policy"));
    if (strcmp(c->fn, "returns.summary") == 0) {
      summary(c, &o);
      return;
    }
    if (summary_field(c, &o)) return;
    unary f = returns_fn(c->fn + 8);
    const arr *r = need(c, "returns");
    double x = NAN;
    tw_status st = f(r->x, r->n, &o, &x); /* called before x is read: argument order is unspecified */
    value(c->id, st, x);
  } else if (strcmp(c->fn, "drift.ks_2samp") == 0) {
    const arr *a = need(c, "data1"), *b = need(c, "data2");
    const char *alt = get(c, "alternative");
    tw_alternative k = strcmp(alt, "less") == 0      ? TW_ALTERNATIVE_LESS
                       : strcmp(alt, "greater") == 0 ? TW_ALTERNATIVE_GREATER
                                                     : TW_ALTERNATIVE_TWO_SIDED;
    double d = NAN, p = NAN;
    tw_status s = tw_drift_ks_2samp(a->x, a->n, b->x, b->n, k, &d, &p);
    if (s == TW_OK)
      printf("%s\tvalues\tstatistic=%a,pvalue=%a\n", c->id, d, p);
    else
      printf("%s\terror\t%s\n", c->id, kind_of(s));
  } else if (strcmp(c->fn, "drift.jensenshannon") == 0) {
    const arr *p = need(c, "p"), *q = need(c, "q");
    const char *base = get(c, "base");
    double x = NAN;
    /* the C ABI spells the natural log as base 0 */
    tw_status st = tw_drift_jensenshannon(p->x, q->x, p->n, strcmp(base, "none") == 0 ? 0.0 : strtod(base, NULL), &x);
    value(c->id, st, x);
  } else if (strcmp(c->fn, "drift.psi") == 0) {
    const arr *r = need(c, "reference"), *cur = need(c, "current");
    tw_profile_options po;
    /* C takes the bin strategy as a code: an unknown name becomes a code no
       strategy has (the door refuses it as the others refuse the name) */
    const char *strategy = get(c, "strategy");
    po.bins_kind = strcmp(strategy, "equal_width") == 0 ? TW_BINS_EQUAL_WIDTH
                   : strcmp(strategy, "quantile") == 0  ? TW_BINS_QUANTILE
                                                        : 99;
    po.bins = (uint32_t)getf(c, "bins");
    po.edges = NULL;
    po.edges_len = 0;
    po.nan_policy = nan_policy(get(c, "nan_policy"));
    po.keep_reference = 0;
    double x = NAN;
    tw_status st = tw_drift_psi(r->x, r->n, cur->x, cur->n, &po, TW_PSI_STANDARD, getf(c, "epsilon"), &x);
    value(c->id, st, x);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CASES.tsv\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "r");
  if (in == NULL) {
    perror(argv[1]);
    return 2;
  }
  char *line = NULL;
  size_t cap = 0;
  tcase c;
  memset(&c, 0, sizeof c);
  while (getline(&line, &cap, in) > 0) {
    line[strcspn(line, "\n")] = '\0';
    char *save = NULL;
    char *tag = strtok_r(line, "\t", &save);
    if (tag == NULL) continue;
    if (strcmp(tag, "CASE") == 0) {
      memset(&c, 0, sizeof c);
      snprintf(c.id, sizeof c.id, "%s", strtok_r(NULL, "\t", &save));
      snprintf(c.fn, sizeof c.fn, "%s", strtok_r(NULL, "\t", &save));
    } else if (strcmp(tag, "OPT") == 0 && c.n_opts < MAX_OPTS) {
      opt *o = &c.opts[c.n_opts++];
      snprintf(o->key, sizeof o->key, "%s", strtok_r(NULL, "\t", &save));
      snprintf(o->value, sizeof o->value, "%s", strtok_r(NULL, "\t", &save));
    } else if (strcmp(tag, "ARR") == 0 && c.n_arrs < MAX_ARRS) {
      arr *a = &c.arrs[c.n_arrs++];
      snprintf(a->name, sizeof a->name, "%s", strtok_r(NULL, "\t", &save));
      a->n = strtoul(strtok_r(NULL, "\t", &save), NULL, 10);
      /* an empty input still gets a valid (non-NULL) pointer: the case tests the length, not NULL */
      a->x = malloc((a->n ? a->n : 1) * sizeof(double));
      for (size_t i = 0; i < a->n; i++) a->x[i] = strtod(strtok_r(NULL, "\t", &save), NULL);
    } else if (strcmp(tag, "END") == 0) {
      run(&c);
      for (int i = 0; i < c.n_arrs; i++) free(c.arrs[i].x);
      memset(&c, 0, sizeof c);
    }
  }
  free(line);
  fclose(in);
  return 0;
}
