/* C tests of the tradewarden ABI: results equal empyrical's (the same
   reference values the Rust tests use), and every misuse gets its documented
   status without crashing. Built and run by scripts/test.d/40-c.sh, also
   under -fsanitize=address,undefined; with -DTW_TEST_PANIC against a library
   built with --features test-panic, also that a panic never reaches C. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

#ifdef TW_TEST_PANIC
/* Not in the header: exported only by a library built with the cargo feature
   test-panic (scripts/test.d/40-c.sh). */
tw_status tw_debug_force_panic(void);
#endif

static int close_to(double a, double b) { return fabs(a - b) <= 1.5e-8 + 1e-9 * fabs(b); }

int main(void) {
  /* empyrical fixtures (empyrical-reloaded 0.7.1 test suite) */
  const double positive[] = {0.01, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01};
  const double negative[] = {0.0, -0.06, -0.07, -0.01, -0.09, -0.02, -0.06, -0.08, -0.05};
  const double mixed[] = {NAN, 0.01, 0.1, -0.04, 0.02, 0.03, 0.02, 0.01, -0.1};
  double out = 0.0;

  CHECK(strlen(tw_version()) > 0, "version");

  CHECK(tw_returns_sharpe_ratio(positive, 9, NULL, &out) == TW_OK, "sharpe positive");
  CHECK(close_to(out, 52.915026221291804), "sharpe positive = %.17g", out);
  CHECK(tw_returns_max_drawdown(negative, 9, NULL, &out) == TW_OK, "mdd");
  CHECK(close_to(out, -0.3659073), "mdd = %.17g", out);
  CHECK(tw_returns_sortino_ratio(negative, 9, NULL, &out) == TW_OK, "sortino");
  CHECK(close_to(out, -13.5327430750434), "sortino = %.17g", out);

  /* NaN: an error by default, skipped as empyrical with TW_NAN_POLICY_SKIP */
  out = 123.0;
  CHECK(tw_returns_sharpe_ratio(mixed, 9, NULL, &out) == TW_ERR_INVALID_INPUT, "NaN rejected");
  CHECK(out == 123.0, "out untouched on error");
  CHECK(strstr(last_error(), "returns[0] = NaN") != NULL, "message names the index: %s", last_error());
  tw_returns_options skip = {252.0, 0.0, 0.0, TW_NAN_POLICY_SKIP};
  CHECK(tw_returns_sharpe_ratio(mixed, 9, &skip, &out) == TW_OK, "skip");
  CHECK(close_to(out, 1.7238613961706866), "sharpe mixed = %.17g", out);
  CHECK(tw_returns_annual_return(mixed, 9, &skip, &out) == TW_OK, "annual return");
  CHECK(close_to(out, 1.9135925373194231), "annual return mixed = %.17g", out);
  tw_returns_options weekly = {52.0, 0.0, 0.0, TW_NAN_POLICY_ERROR};
  const double weekly_r[] = {0.0, 0.01, 0.1, -0.04, 0.02, 0.03, 0.02, 0.01, -0.1};
  CHECK(tw_returns_annual_volatility(weekly_r, 9, &weekly, &out) == TW_OK, "vol");
  CHECK(close_to(out, 0.38851569394870583), "weekly vol = %.17g", out);
  CHECK(tw_returns_calmar_ratio(weekly_r, 9, &weekly, &out) == TW_OK, "calmar");
  CHECK(close_to(out, 2.4690830513998208), "weekly calmar = %.17g", out);

  /* summary equals the single functions */
  tw_summary s;
  memset(&s, 0, sizeof s);
  CHECK(tw_returns_summary(negative, 9, positive, 9, NULL, &s) == TW_OK, "summary: %s", last_error());
  double sharpe = 0.0;
  tw_returns_sharpe_ratio(negative, 9, NULL, &sharpe);
  CHECK(s.n == 9 && s.has_benchmark == 1, "summary n");
  CHECK(fabs(s.sharpe_ratio - sharpe) <= 1e-12 * fabs(sharpe), "summary sharpe %.17g vs %.17g", s.sharpe_ratio, sharpe);
  CHECK(close_to(s.max_drawdown, -0.3659073), "summary mdd");

  /* misuse: NULL pointers, zero length, bad options, short buffer */
  CHECK(tw_returns_sharpe_ratio(NULL, 9, NULL, &out) == TW_ERR_NULL_ARGUMENT, "NULL returns");
  CHECK(tw_returns_sharpe_ratio(positive, 9, NULL, NULL) == TW_ERR_NULL_ARGUMENT, "NULL out");
  CHECK(tw_returns_sharpe_ratio(positive, 0, NULL, &out) == TW_ERR_INVALID_INPUT, "zero length");
  CHECK(strstr(last_error(), "returns is empty") != NULL, "empty message: %s", last_error());
  tw_returns_options bad = {0.0, 0.0, 0.0, TW_NAN_POLICY_ERROR};
  CHECK(tw_returns_sharpe_ratio(positive, 9, &bad, &out) == TW_ERR_INVALID_INPUT, "annualization 0");
  CHECK(strstr(last_error(), "annualization") != NULL, "names annualization: %s", last_error());
  tw_returns_options bad_policy = {252.0, 0.0, 0.0, 7};
  CHECK(tw_returns_max_drawdown(positive, 9, &bad_policy, &out) == TW_ERR_INVALID_INPUT, "bad nan policy");
  CHECK(tw_returns_summary(positive, 9, NULL, 3, NULL, &s) == TW_ERR_INVALID_INPUT, "NULL benchmark with length");
  CHECK(tw_returns_summary(positive, 9, negative, 8, NULL, &s) == TW_ERR_INVALID_INPUT, "length mismatch");
  char tiny[4];
  size_t written = 77;
  CHECK(tw_last_error_message(tiny, sizeof tiny, &written) == TW_ERR_BUFFER_TOO_SMALL, "small buffer");
  CHECK(written == 77, "written untouched on error");
  size_t need = 0;
  CHECK(tw_last_error_length(&need) == TW_OK && need > sizeof tiny, "length");
  CHECK(tw_last_error_message(NULL, 10, &written) == TW_ERR_NULL_ARGUMENT, "NULL buffer");

  /* telemetry: render before install is a state error; after, the exposition */
  char small[8];
  CHECK(tw_metrics_render(small, sizeof small, &written) == TW_ERR_STATE, "render before install");
  CHECK(tw_metrics_install("{\"listen\": \"0.0.0.0:1\"}") == TW_ERR_INVALID_CONFIG,
        "non-loopback listen refused: %s", last_error());
  CHECK(strstr(last_error(), "0.0.0.0") != NULL, "names the address: %s", last_error());
  CHECK(tw_metrics_install("{\"bogus\": 1}") == TW_ERR_INVALID_CONFIG, "unknown key: %s", last_error());
  CHECK(tw_metrics_install(NULL) == TW_OK, "install: %s", last_error());
  CHECK(tw_metrics_install(NULL) == TW_ERR_STATE, "second install");
  size_t need_m = 0;
  CHECK(tw_metrics_render_length(&need_m) == TW_OK && need_m > 10, "render length");
  CHECK(tw_metrics_render(small, sizeof small, &written) == TW_ERR_BUFFER_TOO_SMALL, "render small buffer");
  {
    char *text = (char *)malloc(need_m + 4096);
    size_t got = 0;
    CHECK(text != NULL && tw_metrics_render(text, need_m + 4096, &got) == TW_OK, "render");
    CHECK(text != NULL && strstr(text, "tradewarden_build_info") != NULL, "build_info in exposition");
    CHECK(got == strlen(text), "written length");
    free(text);
  }

#ifdef TW_TEST_PANIC
  /* a panic inside the library becomes a status, never undefined behaviour
     (only a library built with the cargo feature test-panic has the hook) */
  CHECK(tw_debug_force_panic() == TW_ERR_INTERNAL, "panic");
  CHECK(strstr(last_error(), "forced panic") != NULL, "panic message");
#endif

  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
