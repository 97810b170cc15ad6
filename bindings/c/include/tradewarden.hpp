// tradewarden.hpp — header-only C++17 wrappers over the C ABI (tradewarden.h).
//
// Errors become tradewarden::Error exceptions carrying the status and the
// library's message. Handles (as they are added to the ABI) are wrapped in
// move-only RAII types with the matching _free as deleter.
#ifndef TRADEWARDEN_HPP
#define TRADEWARDEN_HPP

#include <stdexcept>
#include <string>
#include <vector>

#include "tradewarden.h"

namespace tradewarden {

/// A failed call: the tw_status and the message of tw_last_error_message().
class Error : public std::runtime_error {
 public:
  Error(tw_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  tw_status status() const noexcept { return status_; }

 private:
  tw_status status_;
};

namespace detail {
inline std::string last_error_message() {
  size_t need = 0;
  if (tw_last_error_length(&need) != TW_OK || need == 0) return "unknown error";
  std::string buf(need, '\0');
  size_t written = 0;
  if (tw_last_error_message(&buf[0], buf.size(), &written) != TW_OK) return "unknown error";
  buf.resize(written);
  return buf;
}

inline void check(tw_status status) {
  if (status != TW_OK) throw Error(status, last_error_message());
}
}  // namespace detail

/// Library version.
inline std::string version() { return tw_version(); }

/// Options of the returns functions; the defaults are empyrical's.
struct ReturnsOptions {
  double annualization = 252.0;
  double risk_free = 0.0;
  double required_return = 0.0;
  uint32_t nan_policy = TW_NAN_POLICY_ERROR;

  tw_returns_options c() const { return {annualization, risk_free, required_return, nan_policy}; }
};

#define TRADEWARDEN_SCALAR(name, cfn)                                                     \
  inline double name(const std::vector<double> &returns, const ReturnsOptions &o = {}) { \
    tw_returns_options c = o.c();                                                         \
    double out = 0.0;                                                                     \
    detail::check(cfn(returns.data(), returns.size(), &c, &out));                         \
    return out;                                                                           \
  }

TRADEWARDEN_SCALAR(sharpe_ratio, tw_returns_sharpe_ratio)
TRADEWARDEN_SCALAR(sortino_ratio, tw_returns_sortino_ratio)
TRADEWARDEN_SCALAR(max_drawdown, tw_returns_max_drawdown)
TRADEWARDEN_SCALAR(annual_return, tw_returns_annual_return)
TRADEWARDEN_SCALAR(annual_volatility, tw_returns_annual_volatility)
TRADEWARDEN_SCALAR(calmar_ratio, tw_returns_calmar_ratio)
TRADEWARDEN_SCALAR(downside_risk, tw_returns_downside_risk)
#undef TRADEWARDEN_SCALAR

/// Every metric in one pass (benchmark may be empty).
inline tw_summary summary(const std::vector<double> &returns,
                                  const std::vector<double> &benchmark = {},
                                  const ReturnsOptions &o = {}) {
  tw_returns_options c = o.c();
  tw_summary out{};
  detail::check(tw_returns_summary(returns.data(), returns.size(),
                                   benchmark.empty() ? nullptr : benchmark.data(),
                                   benchmark.size(), &c, &out));
  return out;
}

/// Installs the Prometheus exporter once per process (empty config: defaults
/// without an HTTP listener; otherwise an ExporterConfig as JSON).
inline void metrics_install(const std::string &config_json = "") {
  detail::check(tw_metrics_install(config_json.empty() ? nullptr : config_json.c_str()));
}

/// The Prometheus text exposition, for the engine's own /metrics endpoint.
inline std::string metrics_render() {
  for (int attempt = 0; attempt < 4; ++attempt) {
    size_t need = 0;
    detail::check(tw_metrics_render_length(&need));
    std::string buf(need + 1024, '\0');  // room for series added meanwhile
    size_t written = 0;
    tw_status st = tw_metrics_render(&buf[0], buf.size(), &written);
    if (st == TW_ERR_BUFFER_TOO_SMALL) continue;
    detail::check(st);
    buf.resize(written);
    return buf;
  }
  throw Error(TW_ERR_BUFFER_TOO_SMALL, "metrics exposition kept growing");
}

}  // namespace tradewarden

#endif  // TRADEWARDEN_HPP
