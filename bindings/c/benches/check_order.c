/* Microbenchmark of tw_engine_check_order through the C ABI.
 *
 * The same engine as crates/guardrails/benches/check_order.rs: 200 symbols,
 * every pre-trade rule active (20 rules), 64 prebuilt orders that all pass
 * every rule (no early exit), checked round-robin. Each call is timed on its
 * own with clock_gettime(CLOCK_MONOTONIC); the timer's own cost (an empty
 * timed region) is measured the same way and reported beside it.
 *
 *   cargo build --release -p tradewarden-capi
 *   gcc -O2 -std=c11 -Ibindings/c/include bindings/c/benches/check_order.c \
 *       target/release/libtradewarden.a -lm -lpthread -ldl -o /tmp/bench_check_order
 *   /tmp/bench_check_order [SCRATCH_DIR] [ITERATIONS] [--metrics]
 *
 * --metrics installs the Prometheus recorder first (counters live). */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tradewarden.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static uint64_t pct(const uint64_t *sorted, size_t n, double p) {
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return sorted[i];
}

static void fail(const char *what) {
  char msg[1024];
  size_t n = 0;
  if (tw_last_error_message(msg, sizeof msg, &n) != TW_OK) strcpy(msg, "?");
  fprintf(stderr, "%s: %s\n", what, msg);
  exit(1);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  size_t iters = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 2000000;
  int metrics = argc > 3 && strcmp(argv[3], "--metrics") == 0;
  char path[2048];
  FILE *f;
  int i;
  tw_engine *e = NULL;
  tw_order orders[64];
  uint64_t *lat, *empty;
  size_t k;
  tw_decision d;
  uint64_t t0, t1, total_start, total;
  unsigned allowed = 0;

  if (iters < 1000) iters = 1000;
  snprintf(path, sizeof path, "%s/bench_policy.toml", dir);
  f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  fputs("[pre_trade]\n"
        "max_order_notional = 1000000.0\n"
        "max_order_quantity = 100000.0\n"
        "max_position_quantity = 1000000.0\n"
        "max_position_notional = 100000000.0\n"
        "max_gross_leverage = 50.0\n"
        "max_net_leverage = 50.0\n"
        "price_band_ratio = 0.05\n"
        "max_data_age_s = 5.0\n"
        "min_confidence = 0.5\n"
        "rate_limit = { orders_per_second = 1e12, burst = 1e12 }\n",
        f);
  for (i = 0; i < 200; i++) fprintf(f, "[symbols.SYM%03d]\nmax_position_quantity = 1e7\n", i);
  fclose(f);

  if (metrics && tw_metrics_install(NULL) != TW_OK) fail("metrics");
  if (tw_engine_new_from_policy_file(path, NULL, 1e8, &e) != TW_OK) fail("engine");
  if (tw_engine_reset(e, TW_STATE_ACTIVE, "bench", "microbenchmark") != TW_OK) fail("reset");
  for (i = 0; i < 64; i++) {
    char name[16];
    uint32_t id = 0;
    snprintf(name, sizeof name, "SYM%03d", (i * 7) % 200);
    if (tw_engine_symbol_id(e, name, &id) != TW_OK) fail("symbol");
    orders[i].symbol = id;
    orders[i].side = i % 2 == 0 ? TW_SIDE_BUY : TW_SIDE_SELL;
    orders[i].quantity = 10.0 + i;
    orders[i].price = 100.0 + (i % 5) * 0.1;
    orders[i].reference_price = 100.0;
    orders[i].data_timestamp = 1000.0;
    orders[i].timestamp = 1000.0 + i * 1e-3;
    orders[i].confidence = 0.9;
  }
  for (i = 0; i < 64; i++) {
    if (tw_engine_check_order(e, &orders[i], &d) != TW_OK || d.decision != TW_DECISION_ALLOW) {
      fprintf(stderr, "order %d not allowed (reason %s)\n", i, tw_reason_name(d.reason));
      return 1;
    }
  }

  lat = (uint64_t *)malloc(iters * sizeof(uint64_t));
  empty = (uint64_t *)malloc(iters * sizeof(uint64_t));
  if (lat == NULL || empty == NULL) return 1;
  /* warm-up */
  for (k = 0; k < 100000; k++) tw_engine_check_order(e, &orders[k & 63], &d);
  for (k = 0; k < iters; k++) {
    t0 = now_ns();
    t1 = now_ns();
    empty[k] = t1 - t0;
  }
  for (k = 0; k < iters; k++) {
    t0 = now_ns();
    tw_engine_check_order(e, &orders[k & 63], &d);
    t1 = now_ns();
    lat[k] = t1 - t0;
    allowed += d.decision == TW_DECISION_ALLOW;
  }
  total_start = now_ns();
  for (k = 0; k < iters; k++) {
    tw_engine_check_order(e, &orders[k & 63], &d);
    allowed += d.decision == TW_DECISION_ALLOW;
  }
  total = now_ns() - total_start;

  qsort(lat, iters, sizeof(uint64_t), cmp_u64);
  qsort(empty, iters, sizeof(uint64_t), cmp_u64);
  printf("tw_engine_check_order, %zu calls, metrics recorder %s\n", iters, metrics ? "installed" : "off");
  printf("  per call (timed each): p50 %llu ns, p99 %llu ns, p99.9 %llu ns, max %llu ns\n",
         (unsigned long long)pct(lat, iters, 0.50), (unsigned long long)pct(lat, iters, 0.99),
         (unsigned long long)pct(lat, iters, 0.999), (unsigned long long)lat[iters - 1]);
  printf("  timer alone:           p50 %llu ns, p99 %llu ns\n", (unsigned long long)pct(empty, iters, 0.50),
         (unsigned long long)pct(empty, iters, 0.99));
  printf("  back-to-back mean: %.1f ns/call\n", (double)total / (double)iters);
  printf("  allowed: %u of %zu\n", allowed, 2 * iters);
  free(lat);
  free(empty);
  tw_engine_free(e);
  remove(path);
  return allowed == 2 * iters ? 0 : 1;
}
