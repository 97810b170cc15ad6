/* C tests of the guardrails ABI (tw_engine, a door over the Rust Session):
   decisions equal the Rust engine's documented ones (docs/guardrails.md),
   fills move positions, the latched state persists in the state directory,
   the kill switch and named reset behave as documented — a kill leaves the
   engine KILLED even when its directory was removed or nothing can be
   persisted, any KILL_SWITCH entry
   (a dangling symlink too) means KILLED, another engine's kill reaches
   check_order without a sync — decisions are journaled (the hash chain
   verifies), the size override clips, period limits escalate, and every
   misuse (NULL, NaN, unknown symbol, missing / unreadable / invalid policy
   file) gets its documented status. Built and run by
   scripts/test.d/40-c.sh, also under -fsanitize=address,undefined.
   Argument: a writable scratch directory. */
#define _XOPEN_SOURCE 700 /* symlink, nftw, nanosleep under -std=c11 */
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tradewarden.h"
#include "check.h"

static char scratch[1024];

static const char *in_scratch(const char *name) {
  static char bufs[16][2048];
  static int k = 0;
  char *b = bufs[k++ % 16];
  snprintf(b, sizeof bufs[0], "%s/%s", scratch, name);
  return b;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

static const char *POLICY =
    "[pre_trade]\n"
    "max_order_notional = 10000.0\n"
    "price_band_ratio = 0.05\n"
    "max_position_quantity = 1000.0\n"
    "[symbols.AAPL]\n"
    "[symbols.MSFT]\n"
    "disabled = true\n";

static tw_order order(uint32_t symbol, tw_side side, double q, double price) {
  tw_order o;
  o.symbol = symbol;
  o.side = side;
  o.quantity = q;
  o.price = price;
  o.reference_price = 100.0;
  o.data_timestamp = 1000.0;
  o.timestamp = 1000.5;
  o.confidence = NAN;
  return o;
}

static tw_decision check(tw_engine *e, tw_order o) {
  tw_decision d = {99, 99, -1.0};
  tw_status st = tw_engine_check_order(e, &o, &d);
  CHECK(st == TW_OK, "check_order status %d: %s", st, last_error());
  return d;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* rm -rf */
static void remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void sleep_ms(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

static void test_in_memory(void) {
  const char *policy = in_scratch("policy.toml");
  tw_engine *e = NULL;
  uint32_t aapl = 77, msft = 77, unknown = 77;
  tw_trading_state s = 99;
  tw_decision d;
  double pos = -1.0, gross = -1.0;
  uint32_t changed = 9;
  write_file(policy, POLICY);

  CHECK(tw_engine_new_from_policy_file(policy, NULL, 1e6, &e) == TW_OK && e != NULL, "new: %s", last_error());
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_HALTED, "starts halted: %u", s);
  {
    double v = -7.0;
    CHECK(tw_engine_violations_per_1000_trades(e, &v) == TW_ERR_NOT_FOUND && v == -7.0, "no SLO before a trade");
    CHECK(tw_engine_high_water_mark(e, &v) == TW_ERR_NOT_FOUND && v == -7.0 && has("high-water"),
          "no high-water mark before set_equity: %s", last_error());
    CHECK(tw_engine_high_water_mark(e, NULL) == TW_ERR_NULL_ARGUMENT, "hwm NULL out");
  }
  CHECK(tw_engine_symbol_id(e, "AAPL", &aapl) == TW_OK && aapl == 0, "AAPL id %u", aapl);
  CHECK(tw_engine_symbol_id(e, "MSFT", &msft) == TW_OK && msft == 1, "MSFT id %u", msft);
  CHECK(tw_engine_symbol_id(e, "TSLA", &unknown) == TW_ERR_NOT_FOUND && unknown == 77, "unknown symbol");
  CHECK(strstr(last_error(), "TSLA") != NULL, "names the symbol: %s", last_error());

  d = check(e, order(aapl, TW_SIDE_BUY, 10, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_TRADING_HALTED && d.quantity == 0.0, "halted deny");

  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "", "why") == TW_ERR_STATE, "reset needs who");
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", " ") == TW_ERR_STATE, "reset needs why");
  CHECK(tw_engine_reset(e, 9, "ops", "start") == TW_ERR_INVALID_INPUT, "bad state code");
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, NULL, "start") == TW_ERR_NULL_ARGUMENT, "NULL who");
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", "start of day") == TW_OK, "reset: %s", last_error());
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_ACTIVE, "active");
  s = 99;
  CHECK(tw_engine_sync(e, &s) == TW_OK && s == TW_STATE_ACTIVE, "sync without a state dir: the in-memory state");

  /* the decisions of the Rust doctest (docs/guardrails.md) */
  d = check(e, order(aapl, TW_SIDE_BUY, 10, 100));
  CHECK(d.decision == TW_DECISION_ALLOW && d.reason == TW_REASON_NONE && d.quantity == 10.0, "allow");
  d = check(e, order(aapl, TW_SIDE_BUY, 500, 100));
  CHECK(d.decision == TW_DECISION_CLIP && d.reason == TW_REASON_MAX_ORDER_NOTIONAL && d.quantity == 100.0,
        "clip to 100: %u %u %g", d.decision, d.reason, d.quantity);
  d = check(e, order(aapl, TW_SIDE_BUY, 1, NAN));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_NON_FINITE_INPUT, "NaN price fails closed");
  d = check(e, order(aapl, TW_SIDE_BUY, -1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_INVALID_QUANTITY, "negative quantity");
  d = check(e, order(aapl, TW_SIDE_BUY, 0, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_INVALID_QUANTITY, "zero quantity");
  d = check(e, order(aapl, TW_SIDE_BUY, 1, 200));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_PRICE_BAND, "price band");
  d = check(e, order(msft, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_SYMBOL_DISABLED, "disabled");
  d = check(e, order(12345, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_UNKNOWN_SYMBOL, "unknown id");
  {
    tw_order o = order(aapl, TW_SIDE_BUY, 1, 100);
    o.data_timestamp = 900.0;
    d = check(e, o);
    CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_STALE_DATA, "stale data");
  }
  CHECK(strcmp(tw_reason_name(TW_REASON_STALE_DATA), "stale_data") == 0, "reason name");
  CHECK(strcmp(tw_reason_name(TW_REASON_NONE), "none") == 0, "none name");
  CHECK(strcmp(tw_reason_name(TW_REASON_MIN_ORDER_NOTIONAL), "min_order_notional") == 0 &&
            strcmp(tw_reason_name(TW_REASON_MAX_ORDER_EQUITY_FRACTION), "max_order_equity_fraction") == 0 &&
            strcmp(tw_reason_name(TW_REASON_SIZE_OVERRIDE), "size_override") == 0 && tw_reason_name(23) == NULL,
        "reason names 20, 21 and 22");
  CHECK(tw_reason_name(TW_REASON_OTHER) == NULL && tw_reason_name(1000) == NULL, "unknown reason name");

  /* misuse of check_order: out untouched */
  {
    tw_order o = order(aapl, 7, 1, 100);
    tw_decision untouched = {42, 42, 42.0};
    CHECK(tw_engine_check_order(e, &o, &untouched) == TW_ERR_INVALID_INPUT, "bad side");
    CHECK(strstr(last_error(), "side = 7") != NULL, "names side: %s", last_error());
    o.side = TW_SIDE_BUY;
    CHECK(tw_engine_check_order(NULL, &o, &untouched) == TW_ERR_NULL_ARGUMENT, "NULL engine");
    CHECK(tw_engine_check_order(e, NULL, &untouched) == TW_ERR_NULL_ARGUMENT, "NULL order");
    CHECK(tw_engine_check_order(e, &o, NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
    CHECK(untouched.decision == 42 && untouched.reason == 42 && untouched.quantity == 42.0, "out untouched");
  }

  /* fills and positions */
  CHECK(tw_engine_on_fill(e, aapl, TW_SIDE_BUY, 10, 100) == TW_OK, "fill");
  CHECK(tw_engine_position(e, aapl, &pos) == TW_OK && pos == 10.0, "position %g", pos);
  CHECK(tw_engine_gross_exposure(e, &gross) == TW_OK && gross == 1000.0, "gross %g", gross);
  CHECK(tw_engine_on_fill(e, aapl, TW_SIDE_SELL, 4, 101) == TW_OK, "sell fill");
  CHECK(tw_engine_position(e, aapl, &pos) == TW_OK && pos == 6.0, "position %g", pos);
  CHECK(tw_engine_on_fill(e, aapl, TW_SIDE_BUY, NAN, 100) == TW_ERR_INVALID_INPUT, "NaN fill");
  CHECK(tw_engine_on_fill(e, aapl, TW_SIDE_BUY, 1, NAN) == TW_ERR_INVALID_INPUT, "NaN fill price");
  CHECK(tw_engine_on_fill(e, 999, TW_SIDE_BUY, 1, 100) == TW_ERR_NOT_FOUND, "fill unknown symbol");
  CHECK(tw_engine_on_fill(e, aapl, 3, 1, 100) == TW_ERR_INVALID_INPUT, "fill bad side");
  CHECK(tw_engine_position(e, aapl, &pos) == TW_OK && pos == 6.0, "unchanged after bad fills: %g", pos);
  pos = -3.0;
  CHECK(tw_engine_position(e, 999, &pos) == TW_ERR_NOT_FOUND && pos == -3.0, "position unknown symbol");
  CHECK(tw_engine_position(e, aapl, NULL) == TW_ERR_NULL_ARGUMENT, "position NULL out");
  CHECK(tw_engine_set_position(e, aapl, 995, 100) == TW_OK, "set position");
  d = check(e, order(aapl, TW_SIDE_BUY, 10, 100));
  CHECK(d.decision == TW_DECISION_CLIP && d.reason == TW_REASON_MAX_POSITION_QUANTITY && d.quantity == 5.0,
        "position cap clips to 5: %u %u %g", d.decision, d.reason, d.quantity);
  CHECK(tw_engine_set_position(e, aapl, 10, -1) == TW_ERR_INVALID_INPUT, "negative mark");
  CHECK(tw_engine_set_position(e, aapl, 10, 100) == TW_OK, "set position back");

  /* equity: NaN is refused (the equity is unchanged); the high-water mark tracks the maximum */
  CHECK(tw_engine_set_equity(e, NAN) == TW_ERR_INVALID_INPUT && has("equity"), "NaN equity: %s", last_error());
  d = check(e, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_ALLOW, "equity unchanged after a refused NaN");
  {
    double h = 0.0;
    CHECK(tw_engine_set_equity(e, 1.2e6) == TW_OK && tw_engine_set_equity(e, 1e6) == TW_OK, "set equity");
    CHECK(tw_engine_high_water_mark(e, &h) == TW_OK && h == 1.2e6, "high-water mark %g", h);
  }

  /* position-size override: new orders scaled, reported as a size_override clip */
  {
    double f = 0.0;
    int frozen = 7;
    CHECK(tw_engine_set_size_override(e, 0.0, "ops", "bad") == TW_ERR_INVALID_INPUT && has("size_override"),
          "override 0: %s", last_error());
    CHECK(tw_engine_set_size_override(e, 1.5, "ops", "bad") == TW_ERR_INVALID_INPUT, "override 1.5");
    CHECK(tw_engine_set_size_override(e, NAN, "ops", "bad") == TW_ERR_INVALID_INPUT, "override NaN");
    CHECK(tw_engine_set_size_override(e, 0.5, NULL, "x") == TW_ERR_NULL_ARGUMENT, "override NULL who");
    CHECK(tw_engine_size_override(e, &f) == TW_OK && f == 1.0, "unchanged: %g", f);
    CHECK(tw_engine_set_size_override(e, 0.5, "ops", "canary rollback") == TW_OK, "override: %s", last_error());
    CHECK(tw_engine_size_override(e, &f) == TW_OK && f == 0.5, "override %g", f);
    d = check(e, order(aapl, TW_SIDE_BUY, 10, 100));
    CHECK(d.decision == TW_DECISION_CLIP && d.reason == TW_REASON_SIZE_OVERRIDE && d.quantity == 5.0,
          "size override clips to 5: %u %u %g", d.decision, d.reason, d.quantity);
    CHECK(tw_engine_set_size_override(e, 1.0, "ops", "back to full size") == TW_OK, "override off");
    d = check(e, order(aapl, TW_SIDE_BUY, 10, 100));
    CHECK(d.decision == TW_DECISION_ALLOW && d.quantity == 10.0, "full size again");

    CHECK(tw_engine_learning_frozen(e, &frozen) == TW_OK && frozen == 0, "learning not frozen");
    CHECK(tw_engine_set_learning_frozen(e, 1, "ops", "incident") == TW_OK, "freeze: %s", last_error());
    CHECK(tw_engine_learning_frozen(e, &frozen) == TW_OK && frozen == 1, "frozen");
    CHECK(tw_engine_set_learning_frozen(e, 0, "ops", "resolved") == TW_OK, "unfreeze");
    CHECK(tw_engine_learning_frozen(e, &frozen) == TW_OK && frozen == 0, "unfrozen");
    CHECK(tw_engine_learning_frozen(e, NULL) == TW_ERR_NULL_ARGUMENT, "frozen NULL out");
    CHECK(tw_engine_remove_kill_switch(e, "ops", "x") == TW_ERR_STATE, "in memory: no KILL_SWITCH file: %s",
          last_error());
  }

  /* the SLO: (denials + breaches) x 1000 / decisions, from the counts */
  {
    tw_session_counts c = {0, 0, 0};
    double v = -1.0;
    CHECK(tw_engine_counts(e, &c) == TW_OK && c.trades > 0 && c.denials > 0 && c.breaches == 0,
          "counts %llu %llu %llu", (unsigned long long)c.trades, (unsigned long long)c.denials,
          (unsigned long long)c.breaches);
    CHECK(tw_engine_violations_per_1000_trades(e, &v) == TW_OK &&
              fabs(v - (double)(c.denials + c.breaches) * 1000.0 / (double)c.trades) < 1e-9,
          "violations per 1000 trades %g", v);
    CHECK(tw_engine_counts(e, NULL) == TW_ERR_NULL_ARGUMENT, "counts NULL out");
  }

  /* escalation to REDUCING: only orders toward zero, never through it */
  CHECK(tw_engine_escalate(e, TW_STATE_REDUCING, "daily loss warning", &changed) == TW_OK && changed == 1, "escalate");
  CHECK(tw_engine_escalate(e, TW_STATE_ACTIVE, "milder", &changed) == TW_OK && changed == 0, "no de-escalation");
  CHECK(tw_engine_escalate(e, TW_STATE_HALTED, " ", NULL) == TW_ERR_INVALID_INPUT, "escalate needs a reason");
  d = check(e, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_REDUCE_ONLY, "reduce only");
  d = check(e, order(aapl, TW_SIDE_SELL, 25, 100));
  CHECK(d.decision == TW_DECISION_CLIP && d.reason == TW_REASON_REDUCE_ONLY && d.quantity == 10.0, "clip to flat");

  /* kill without a state dir: in memory */
  CHECK(tw_engine_kill(e, "desk emergency", "alice") == TW_OK, "kill: %s", last_error());
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_KILLED, "killed");
  d = check(e, order(aapl, TW_SIDE_SELL, 1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_TRADING_KILLED, "killed deny");
  CHECK(tw_engine_kill(e, NULL, "alice") == TW_ERR_NULL_ARGUMENT, "kill NULL reason");

  CHECK(tw_engine_rebind_telemetry(e) == TW_OK, "rebind");
  tw_engine_free(e);
  tw_engine_free(NULL); /* no-op */
}

/* Polls `e`'s check_order (no sync) up to 1 s until it denies with `reason`. */
static int denies_within_1s(tw_engine *e, uint32_t symbol, tw_reason reason) {
  int i;
  for (i = 0; i < 200; i++) {
    tw_order o = order(symbol, TW_SIDE_BUY, 1, 100);
    tw_decision d = {99, 99, -1.0};
    if (tw_engine_check_order(e, &o, &d) == TW_OK && d.decision == TW_DECISION_DENY && d.reason == reason) return 1;
    sleep_ms(5);
  }
  return 0;
}

static void test_state_dir(void) {
  const char *policy = in_scratch("policy.toml");
  const char *dir = in_scratch("state");
  const char *kill_file = in_scratch("state/KILL_SWITCH");
  tw_engine *a = NULL, *b = NULL, *c = NULL;
  tw_trading_state s = 99;
  uint32_t aapl = 0;
  tw_decision d;
  uint64_t entries = 0, skipped = 9;
  write_file(policy, POLICY);

  CHECK(tw_engine_new_from_policy_file(policy, dir, 1e6, &a) == TW_OK, "new with state dir: %s", last_error());
  CHECK(tw_engine_state(a, &s) == TW_OK && s == TW_STATE_HALTED, "fresh dir: halted");
  CHECK(tw_engine_reset(a, TW_STATE_ACTIVE, "ops", "start of day") == TW_OK, "reset: %s", last_error());
  tw_engine_symbol_id(a, "AAPL", &aapl);
  d = check(a, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_ALLOW, "active after reset");

  /* a second engine (another process, or a restart) reads the persisted state */
  CHECK(tw_engine_new_from_policy_file(policy, dir, 1e6, &b) == TW_OK, "second engine");
  CHECK(tw_engine_state(b, &s) == TW_OK && s == TW_STATE_ACTIVE, "persisted active: %u", s);

  /* the size override and the high-water mark persist in the directory */
  CHECK(tw_engine_set_size_override(a, 0.25, "ops", "canary rollback") == TW_OK, "override: %s", last_error());
  d = check(a, order(aapl, TW_SIDE_BUY, 8, 100));
  CHECK(d.decision == TW_DECISION_CLIP && d.reason == TW_REASON_SIZE_OVERRIDE && d.quantity == 2.0,
        "size override clips 8 to 2: %u %u %g", d.decision, d.reason, d.quantity);
  CHECK(tw_engine_set_equity(a, 2.5e6) == TW_OK && tw_engine_set_learning_frozen(a, 1, "ops", "drift") == TW_OK,
        "equity, freeze: %s", last_error());
  CHECK(tw_engine_new_from_policy_file(policy, dir, 1e6, &c) == TW_OK, "third engine (a restart)");
  {
    double f = 0.0, h = 0.0;
    int frozen = 0;
    CHECK(tw_engine_size_override(c, &f) == TW_OK && f == 0.25, "override persisted: %g", f);
    CHECK(tw_engine_high_water_mark(c, &h) == TW_OK && h == 2.5e6, "high-water mark persisted: %g", h);
    CHECK(tw_engine_learning_frozen(c, &frozen) == TW_OK && frozen == 1, "freeze persisted");
  }
  tw_engine_free(c);
  CHECK(tw_engine_set_size_override(a, 1.0, "ops", "full size") == TW_OK, "override off");
  CHECK(tw_engine_set_learning_frozen(a, 0, "ops", "resolved") == TW_OK, "unfreeze");

  /* the kill switch is a file every process sharing the directory sees:
     b's check_order denies within a bounded wait, with no sync call */
  CHECK(tw_engine_kill(a, "risk breach", "alice") == TW_OK, "kill: %s", last_error());
  CHECK(access(kill_file, F_OK) == 0, "KILL_SWITCH file written");
  CHECK(denies_within_1s(b, aapl, TW_REASON_TRADING_KILLED), "b's check_order sees a's kill within 1 s");
  CHECK(tw_engine_state(b, &s) == TW_OK && s == TW_STATE_KILLED, "b's state: %u", s);
  CHECK(tw_engine_sync(b, &s) == TW_OK && s == TW_STATE_KILLED, "b's sync agrees");
  CHECK(tw_engine_reset(b, TW_STATE_ACTIVE, "bob", "all clear") == TW_ERR_STATE, "reset refused while KILL_SWITCH exists");
  CHECK(strstr(last_error(), "KILL_SWITCH") != NULL, "message names the file: %s", last_error());
  CHECK(tw_engine_remove_kill_switch(b, "", "x") == TW_ERR_INVALID_INPUT, "removal needs who: %s", last_error());
  CHECK(tw_engine_remove_kill_switch(b, "bob", NULL) == TW_ERR_NULL_ARGUMENT, "removal NULL why");
  CHECK(access(kill_file, F_OK) == 0, "still there after refused removals");
  CHECK(tw_engine_remove_kill_switch(b, "bob", "incident closed") == TW_OK, "remove: %s", last_error());
  CHECK(access(kill_file, F_OK) != 0, "KILL_SWITCH removed");
  CHECK(tw_engine_sync(b, &s) == TW_OK && s == TW_STATE_KILLED, "KILLED stays latched without the file");
  CHECK(tw_engine_reset(b, TW_STATE_ACTIVE, "bob", "all clear") == TW_OK, "named reset: %s", last_error());
  CHECK(tw_engine_sync(a, &s) == TW_OK && s == TW_STATE_ACTIVE, "a sees the reset");

  /* another process drops a KILL_SWITCH file (any content) */
  write_file(kill_file, "garbage");
  CHECK(denies_within_1s(a, aapl, TW_REASON_TRADING_KILLED), "external kill switch reaches check_order");
  CHECK(tw_engine_sync(a, &s) == TW_OK && s == TW_STATE_KILLED, "external kill switch");
  remove(kill_file);

  tw_engine_free(a);
  tw_engine_free(b);

  /* every decision, transition and override was journaled: the hash chain verifies */
  CHECK(tw_journal_verify(dir, &entries, &skipped) == TW_OK && entries > 10 && skipped == 0,
        "journal verifies: %s (%llu records)", last_error(), (unsigned long long)entries);
  {
    char path[4200];
    FILE *f;
    char line[4096];
    int decisions = 0, kills = 0;
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    f = fopen(path, "r");
    CHECK(f != NULL, "journal.jsonl exists");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
      decisions += strstr(line, "\"kind\":\"decision\"") != NULL;
      kills += strstr(line, "\"to\":\"KILLED\"") != NULL && strstr(line, "\"actor\":\"alice\"") != NULL;
    }
    if (f != NULL) fclose(f);
    CHECK(decisions >= 2 && kills == 1, "decisions %d, kill transitions %d", decisions, kills);
  }
}

/* An engine on `dir`, reset to ACTIVE, with AAPL's id in `aapl`. */
static tw_engine *open_active(const char *dir, uint32_t *aapl) {
  tw_engine *e = NULL;
  tw_decision d;
  write_file(in_scratch("policy.toml"), POLICY);
  CHECK(tw_engine_new_from_policy_file(in_scratch("policy.toml"), dir, 1e6, &e) == TW_OK, "new: %s", last_error());
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", "start") == TW_OK, "reset: %s", last_error());
  tw_engine_symbol_id(e, "AAPL", aapl);
  d = check(e, order(*aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_ALLOW, "active");
  return e;
}

/* The state directory is removed before the kill: the engine is KILLED and
   denies whatever the kill could persist (the library may recreate the
   directory; if the kill reports success, KILL_SWITCH is there again). */
static void test_kill_after_directory_removed(void) {
  const char *dir = in_scratch("removed");
  uint32_t aapl = 0;
  tw_engine *e = open_active(dir, &aapl);
  tw_trading_state s = 99;
  tw_order o = order(aapl, TW_SIDE_SELL, 1, 100);
  tw_decision d = {99, 99, -1.0};
  tw_session_counts before = {0, 0, 0}, after = {0, 0, 0};
  tw_status st;
  remove_tree(dir);
  CHECK(access(dir, F_OK) != 0, "state directory removed");
  st = tw_engine_kill(e, "disk gone", "alice");
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_KILLED, "KILLED (kill status %d): %u", st, s);
  CHECK(st != TW_OK || access(in_scratch("removed/KILL_SWITCH"), F_OK) == 0,
        "a kill reported successful is on disk");
  tw_engine_counts(e, &before);
  st = tw_engine_check_order(e, &o, &d);
  tw_engine_counts(e, &after);
  CHECK(after.denials == before.denials + 1, "the engine denied");
  CHECK((st == TW_OK && d.decision == TW_DECISION_DENY && d.reason == TW_REASON_TRADING_KILLED) ||
            (st != TW_OK && d.decision == 99),
        "check_order denies, or fails closed when the denial cannot be journaled: %d %u", st, d.decision);
  sleep_ms(20); /* a few watcher ticks */
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_KILLED, "still KILLED: %u", s);
  tw_engine_free(e);
}

/* Every write of the kill fails (a file now stands where the state
   directory was): an error status, and the engine KILLED and denying. */
static void test_kill_when_nothing_can_be_written(void) {
  const char *dir = in_scratch("doomed");
  uint32_t aapl = 0;
  tw_engine *e = open_active(dir, &aapl);
  tw_trading_state s = 99;
  tw_order o = order(aapl, TW_SIDE_SELL, 1, 100);
  tw_decision d = {99, 99, -1.0};
  tw_session_counts before = {0, 0, 0}, after = {0, 0, 0};
  tw_status st;
  remove_tree(dir);
  write_file(dir, "not a directory");
  st = tw_engine_kill(e, "disk gone", "alice");
  CHECK(st != TW_OK && has("doomed"), "kill reports the failed writes: %d %s", st, last_error());
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_KILLED, "KILLED anyway: %u", s);

  /* the engine denies; the denial cannot be journaled, so the call fails
     closed: an error status and no decision */
  tw_engine_counts(e, &before);
  st = tw_engine_check_order(e, &o, &d);
  tw_engine_counts(e, &after);
  CHECK(st != TW_OK && d.decision == 99, "journal failure fails closed: %d %u", st, d.decision);
  CHECK(after.trades == before.trades + 1 && after.denials == before.denials + 1, "the engine denied");
  sleep_ms(20); /* a few watcher ticks: an unreadable directory must not lift the kill */
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_KILLED, "still KILLED: %u", s);

  /* The directory comes back empty (no KILL_SWITCH, no state file): the
     engine must stay KILLED, deny, and sync must re-persist the kill (an
     undeterminable KILL_SWITCH never counts as a persisted kill). */
  CHECK(remove(dir) == 0 && mkdir(dir, 0700) == 0, "an empty directory again");
  sleep_ms(20);
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_KILLED, "KILLED over an empty directory: %u", s);
  d.decision = 99;
  st = tw_engine_check_order(e, &o, &d);
  CHECK(st == TW_OK && d.decision == TW_DECISION_DENY && d.reason == TW_REASON_TRADING_KILLED,
        "denies once the journal can be written: %d %u %u", st, d.decision, d.reason);
  CHECK(tw_engine_sync(e, &s) == TW_OK && s == TW_STATE_KILLED, "sync: %s", last_error());
  CHECK(access(in_scratch("doomed/KILL_SWITCH"), F_OK) == 0, "the retried kill wrote KILL_SWITCH");
  tw_engine_free(e);
  remove(dir);
}

/* Any KILL_SWITCH entry means KILLED, even a dangling symlink. */
static void test_dangling_kill_switch(void) {
  const char *policy = in_scratch("policy.toml");
  const char *dir = in_scratch("dangling");
  const char *ks = in_scratch("dangling/KILL_SWITCH");
  tw_engine *e = NULL;
  tw_trading_state s = 99;
  uint32_t aapl = 0;
  tw_decision d;
  write_file(policy, POLICY);
  mkdir(dir, 0700);
  CHECK(symlink("/nonexistent/tradewarden-kill-target", ks) == 0, "symlink");
  CHECK(access(ks, F_OK) != 0, "the symlink dangles");
  CHECK(tw_engine_new_from_policy_file(policy, dir, 1e6, &e) == TW_OK, "new: %s", last_error());
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_KILLED, "dangling KILL_SWITCH: KILLED (%u)", s);
  tw_engine_symbol_id(e, "AAPL", &aapl);
  d = check(e, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_TRADING_KILLED, "denies");
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", "x") == TW_ERR_STATE, "reset refused");
  CHECK(tw_engine_remove_kill_switch(e, "ops", "stale link") == TW_OK, "remove the link: %s", last_error());
  {
    struct stat st;
    CHECK(lstat(ks, &st) != 0, "the link itself is gone");
  }
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", "link removed") == TW_OK, "reset: %s", last_error());
  d = check(e, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_ALLOW, "trading again");
  tw_engine_free(e);
}

/* Period limits: a warning latches REDUCING, a present NaN is critical (HALTED),
   an absent field is not checked, breaches are counted. */
static void test_period(void) {
  const char *policy = in_scratch("policy.toml");
  tw_engine *e = NULL;
  tw_trading_state s = 99;
  tw_period_observation o;
  tw_period_breach br[4];
  size_t n = 99;
  tw_session_counts c = {0, 0, 0};
  write_file(policy, POLICY);
  CHECK(tw_engine_new_from_policy_file(policy, NULL, 1e6, &e) == TW_OK, "new: %s", last_error());
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", "start") == TW_OK, "reset");

  memset(&o, 0, sizeof o);
  o.present = TW_PERIOD_AUM;
  o.aum = 1e6;
  o.daily_pnl = NAN; /* not flagged: absent, not checked */
  CHECK(tw_engine_evaluate_period(e, &o, br, 4, &n) == TW_OK && n == 0, "no breach: %zu", n);
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_ACTIVE, "still active");

  o.present = TW_PERIOD_AUM | TW_PERIOD_DAILY_PNL;
  o.daily_pnl = -12000.0; /* 1.2 % of AUM: the daily warning (1 %) */
  CHECK(tw_engine_evaluate_period(e, &o, br, 4, &n) == TW_OK && n == 1, "one breach: %zu %s", n, last_error());
  CHECK(strcmp(br[0].rule, "daily_loss_ratio") == 0 && br[0].severity == TW_BREACH_WARNING &&
            fabs(br[0].value - 0.012) < 1e-12 && br[0].threshold == 0.01,
        "breach %s %u %g %g", br[0].rule, br[0].severity, br[0].value, br[0].threshold);
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_REDUCING, "warning: REDUCING (%u)", s);

  o.daily_pnl = NAN; /* present and NaN: critical, fail closed */
  CHECK(tw_engine_evaluate_period(e, &o, NULL, 0, &n) == TW_OK && n == 1, "capacity 0 still counts: %zu", n);
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_HALTED, "NaN: HALTED (%u)", s);
  CHECK(tw_engine_counts(e, &c) == TW_OK && c.breaches == 2, "breaches counted: %llu", (unsigned long long)c.breaches);

  n = 99;
  o.present = 1u << 20;
  CHECK(tw_engine_evaluate_period(e, &o, br, 4, &n) == TW_ERR_INVALID_INPUT && n == 99 && has("present"),
        "unknown bit: %s", last_error());
  o.present = TW_PERIOD_AUM;
  CHECK(tw_engine_evaluate_period(e, &o, NULL, 4, &n) == TW_ERR_NULL_ARGUMENT, "NULL breaches with capacity");
  CHECK(tw_engine_evaluate_period(e, NULL, br, 4, &n) == TW_ERR_NULL_ARGUMENT, "NULL observation");
  CHECK(tw_engine_evaluate_period(e, &o, br, 4, NULL) == TW_ERR_NULL_ARGUMENT, "NULL count");
  tw_engine_free(e);
}

static void test_bad_policies(void) {
  tw_engine *e = NULL;
  const char *invalid = in_scratch("invalid.toml");
  const char *typo = in_scratch("typo.toml");
  const char *good = in_scratch("policy.toml");
  const char *not_a_dir = in_scratch("policy.toml/state");
  const char *unreadable = in_scratch("unreadable.toml");
  write_file(invalid, "[pre_trade]\nmax_order_notional = -5.0\nprice_band_ratio = 0.0\n");
  write_file(typo, "[pre_trade]\nmax_order_notionl = 1.0\n");
  write_file(good, POLICY);

  CHECK(tw_engine_new_from_policy_file(in_scratch("missing.toml"), NULL, 1e6, &e) == TW_ERR_NOT_FOUND && e == NULL,
        "missing policy: %s", last_error());
  CHECK(strstr(last_error(), "missing.toml") != NULL, "names the file: %s", last_error());
  mkdir(unreadable, 0700);
  CHECK(tw_engine_new_from_policy_file(unreadable, NULL, 1e6, &e) == TW_ERR_IO && e == NULL,
        "unreadable policy (a directory): %s", last_error());
  CHECK(tw_engine_new_from_policy_file(scratch, NULL, 1e6, &e) == TW_ERR_INVALID_INPUT && e == NULL,
        "no known extension: %s", last_error());
  CHECK(tw_engine_new_from_policy_file(invalid, NULL, 1e6, &e) == TW_ERR_INVALID_CONFIG && e == NULL,
        "invalid policy: %s", last_error());
  CHECK(strstr(last_error(), "max_order_notional") != NULL && strstr(last_error(), "price_band_ratio") != NULL,
        "every violation named: %s", last_error());
  CHECK(tw_engine_new_from_policy_file(typo, NULL, 1e6, &e) == TW_ERR_INVALID_CONFIG && e == NULL,
        "unknown key: %s", last_error());
  CHECK(tw_engine_new_from_policy_file(good, NULL, 0.0, &e) == TW_ERR_INVALID_INPUT && e == NULL, "equity 0");
  CHECK(strstr(last_error(), "equity") != NULL, "names equity: %s", last_error());
  CHECK(tw_engine_new_from_policy_file(good, NULL, NAN, &e) == TW_ERR_INVALID_INPUT && e == NULL, "equity NaN");
  CHECK(tw_engine_new_from_policy_file(good, not_a_dir, 1e6, &e) == TW_ERR_IO && e == NULL,
        "state dir under a file: %s", last_error());
  CHECK(tw_engine_new_from_policy_file(NULL, NULL, 1e6, &e) == TW_ERR_NULL_ARGUMENT, "NULL path");
  CHECK(tw_engine_new_from_policy_file(good, NULL, 1e6, NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
}

int main(int argc, char **argv) {
  snprintf(scratch, sizeof scratch, "%s", argc > 1 ? argv[1] : ".");
  test_in_memory();
  test_state_dir();
  test_kill_after_directory_removed();
  test_kill_when_nothing_can_be_written();
  test_dangling_kill_switch();
  test_period();
  test_bad_policies();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
