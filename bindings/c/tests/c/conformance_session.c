/* The C runner of tests/conformance/guardrails_session.json (the steps are
   written out here, C has no JSON parser; the Rust, Python and CLI runners
   read the file). Usage: conformance_session POLICY_TOML STATE_DIR. Checks
   every decision and escalation result here; the journal and final state
   are then compared with the scenario's `expected` by
   tests/conformance/guardrails_journal.py compare (40-c.sh). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static tw_engine *e;

static void order(const char *sym, tw_side side, double q, double ref, double dts,
                  tw_decision_kind want, tw_reason reason, double want_q) {
  uint32_t id = 0;
  tw_order o;
  tw_decision d;
  CHECK(tw_engine_symbol_id(e, sym, &id) == TW_OK, "symbol %s", sym);
  o.symbol = id;
  o.side = side;
  o.quantity = q;
  o.price = 100.0;
  o.reference_price = ref;
  o.data_timestamp = dts;
  o.timestamp = 1000.5;
  o.confidence = NAN;
  CHECK(tw_engine_check_order(e, &o, &d) == TW_OK, "check_order: %s", last_error());
  CHECK(d.decision == want && d.reason == reason, "decision %u/%u, want %u/%u", d.decision, d.reason,
        want, reason);
  if (want == TW_DECISION_CLIP) CHECK(d.quantity == want_q, "clip %g, want %g", d.quantity, want_q);
}

int main(int argc, char **argv) {
  uint32_t changed = 9;
  tw_trading_state s = 99;
  if (argc != 3) {
    fprintf(stderr, "usage: %s POLICY_TOML STATE_DIR\n", argv[0]);
    return 2;
  }
  CHECK(tw_engine_new_from_policy_file(argv[1], argv[2], 100000.0, &e) == TW_OK, "open: %s", last_error());
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", "start of day") == TW_OK, "reset: %s", last_error());
  order("AAA", TW_SIDE_BUY, 10.0, 100.0, 1000.0, TW_DECISION_ALLOW, TW_REASON_NONE, 0);
  order("AAA", TW_SIDE_BUY, 100.0, 100.0, 1000.0, TW_DECISION_CLIP, TW_REASON_MAX_ORDER_NOTIONAL, 50.0);
  order("AAA", TW_SIDE_BUY, 10.0, 100.0, NAN, TW_DECISION_DENY, TW_REASON_STALE_DATA, 0);
  order("BBB", TW_SIDE_SELL, 10.0, NAN, 1000.0, TW_DECISION_DENY, TW_REASON_PRICE_BAND, 0);
  CHECK(tw_engine_escalate(e, TW_STATE_REDUCING, "daily loss warning", &changed) == TW_OK && changed == 1,
        "escalate: %u %s", changed, last_error());
  order("AAA", TW_SIDE_BUY, 10.0, 100.0, 1000.0, TW_DECISION_DENY, TW_REASON_REDUCE_ONLY, 0);
  CHECK(tw_engine_escalate(e, TW_STATE_REDUCING, "again", &changed) == TW_OK && changed == 0,
        "escalate again: %u", changed);
  CHECK(tw_engine_kill(e, "desk limit", "alice") == TW_OK, "kill: %s", last_error());
  order("AAA", TW_SIDE_SELL, 1.0, 100.0, 1000.0, TW_DECISION_DENY, TW_REASON_TRADING_KILLED, 0);
  CHECK(tw_engine_remove_kill_switch(e, "ops", "reviewed") == TW_OK, "remove: %s", last_error());
  CHECK(tw_engine_reset(e, TW_STATE_ACTIVE, "ops", "reviewed") == TW_OK, "reset: %s", last_error());
  CHECK(tw_engine_set_size_override(e, 0.1, "ops", "canary") == TW_OK, "override: %s", last_error());
  order("AAA", TW_SIDE_BUY, 10.0, 100.0, 1000.0, TW_DECISION_CLIP, TW_REASON_SIZE_OVERRIDE, 1.0);
  CHECK(tw_engine_state(e, &s) == TW_OK && s == TW_STATE_ACTIVE, "final state %u", s);
  tw_engine_free(e);
  printf("conformance_session: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
