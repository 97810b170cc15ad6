// C++ wrapper test: values equal the C ABI, errors become tradewarden::Error.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "tradewarden.hpp"

int main() {
  int failures = 0, checks = 0;
  auto check = [&](bool ok, const char *what) {
    ++checks;
    if (!ok) {
      ++failures;
      std::fprintf(stderr, "FAIL: %s\n", what);
    }
  };
  std::vector<double> positive{0.01, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01};
  check(std::fabs(tradewarden::sharpe_ratio(positive) - 52.915026221291804) < 1e-8, "sharpe");
  auto s = tradewarden::summary(positive);
  check(s.n == 9 && s.has_benchmark == 0, "summary");
  try {
    tradewarden::sharpe_ratio({0.01, NAN});
    check(false, "NaN must throw");
  } catch (const tradewarden::Error &e) {
    check(e.status() == TW_ERR_INVALID_INPUT, "status");
    check(std::strstr(e.what(), "returns[1] = NaN") != nullptr, "message");
  }
  try {
    tradewarden::ReturnsOptions bad;
    bad.annualization = -1;
    tradewarden::max_drawdown(positive, bad);
    check(false, "bad annualization must throw");
  } catch (const tradewarden::Error &e) {
    check(e.status() == TW_ERR_INVALID_INPUT, "annualization status");
  }
  tradewarden::metrics_install();
  check(tradewarden::metrics_render().find("tradewarden_build_info") != std::string::npos, "metrics text");
  try {
    tradewarden::metrics_install();
    check(false, "second install must throw");
  } catch (const tradewarden::Error &e) {
    check(e.status() == TW_ERR_STATE, "second install status");
  }
  std::printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
