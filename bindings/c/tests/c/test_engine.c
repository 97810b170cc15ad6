/* C tests of the guardrails ABI (tw_engine): decisions equal the Rust
   engine's documented ones (docs/guardrails.md), fills move positions, the
   latched state persists in the state directory, the kill switch and named
   reset behave as documented, and every misuse (NULL, NaN, unknown symbol,
   missing / unreadable / invalid policy file) gets its documented status.
   Built and run by scripts/test.d/40-c.sh, also under
   -fsanitize=address,undefined. Argument: a writable scratch directory. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
  CHECK(tw_engine_sync(e, &s) == TW_ERR_STATE, "sync without a state dir");

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
            tw_reason_name(22) == NULL,
        "reason names 20 and 21");
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

  /* equity: NaN fails closed */
  CHECK(tw_engine_set_equity(e, NAN) == TW_OK, "set NaN equity");
  d = check(e, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_NON_FINITE_INPUT, "NaN equity denies");
  CHECK(tw_engine_set_equity(e, 1e6) == TW_OK, "set equity");

  /* escalation to REDUCING: only orders toward zero, never through it */
  CHECK(tw_engine_escalate(e, TW_STATE_REDUCING, "daily loss warning", &changed) == TW_OK && changed == 1, "escalate");
  CHECK(tw_engine_escalate(e, TW_STATE_ACTIVE, "milder", &changed) == TW_OK && changed == 0, "no de-escalation");
  CHECK(tw_engine_escalate(e, TW_STATE_REDUCING, "", NULL) == TW_ERR_INVALID_INPUT, "escalate needs a reason");
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

static void test_state_dir(void) {
  const char *policy = in_scratch("policy.toml");
  const char *dir = in_scratch("state");
  const char *kill_file = in_scratch("state/KILL_SWITCH");
  tw_engine *a = NULL, *b = NULL;
  tw_trading_state s = 99;
  uint32_t aapl = 0;
  tw_decision d;
  write_file(policy, POLICY);

  CHECK(tw_engine_new_from_policy_file(policy, dir, 1e6, &a) == TW_OK, "new with state dir: %s", last_error());
  CHECK(tw_engine_state(a, &s) == TW_OK && s == TW_STATE_HALTED, "fresh dir: halted");
  CHECK(tw_engine_reset(a, TW_STATE_ACTIVE, "ops", "start of day") == TW_OK, "reset: %s", last_error());
  tw_engine_symbol_id(a, "AAPL", &aapl);
  d = check(a, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_ALLOW, "active after reset");

  /* a second engine (a restart) reads the persisted state */
  CHECK(tw_engine_new_from_policy_file(policy, dir, 1e6, &b) == TW_OK, "second engine");
  CHECK(tw_engine_state(b, &s) == TW_OK && s == TW_STATE_ACTIVE, "persisted active: %u", s);

  /* the kill switch is a file every process sharing the directory sees */
  CHECK(tw_engine_kill(a, "risk breach", "alice") == TW_OK, "kill: %s", last_error());
  CHECK(access(kill_file, F_OK) == 0, "KILL_SWITCH file written");
  CHECK(tw_engine_state(b, &s) == TW_OK && s == TW_STATE_ACTIVE, "b not synced yet");
  CHECK(tw_engine_sync(b, &s) == TW_OK && s == TW_STATE_KILLED, "b sees the kill switch after sync");
  d = check(b, order(aapl, TW_SIDE_BUY, 1, 100));
  CHECK(d.decision == TW_DECISION_DENY && d.reason == TW_REASON_TRADING_KILLED, "b denies");
  CHECK(tw_engine_reset(b, TW_STATE_ACTIVE, "bob", "all clear") == TW_ERR_STATE, "reset refused while KILL_SWITCH exists");
  CHECK(strstr(last_error(), "KILL_SWITCH") != NULL, "message names the file: %s", last_error());
  CHECK(remove(kill_file) == 0, "remove the kill switch deliberately");
  CHECK(tw_engine_sync(b, &s) == TW_OK && s == TW_STATE_KILLED, "KILLED stays latched without the file");
  CHECK(tw_engine_reset(b, TW_STATE_ACTIVE, "bob", "all clear") == TW_OK, "named reset: %s", last_error());
  CHECK(tw_engine_sync(a, &s) == TW_OK && s == TW_STATE_ACTIVE, "a sees the reset");

  /* another process drops a KILL_SWITCH file (any content) */
  write_file(kill_file, "garbage");
  CHECK(tw_engine_sync(a, &s) == TW_OK && s == TW_STATE_KILLED, "external kill switch");
  remove(kill_file);

  tw_engine_free(a);
  tw_engine_free(b);
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
  test_bad_policies();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
