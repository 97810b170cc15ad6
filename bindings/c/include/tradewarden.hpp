// tradewarden.hpp — header-only C++17 wrappers over the C ABI (tradewarden.h).
//
// Errors become tradewarden::Error exceptions carrying the status and the
// library's message. Handles (Profile, ScoreState, StateScorer, Monitor, Report, Engine, Journal;
// Predictor and Registry with TRADEWARDEN_INFERENCE) are move-only RAII types
// with the matching _free as deleter.
#ifndef TRADEWARDEN_HPP
#define TRADEWARDEN_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
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

// ---------------------------------------------------------------------------
// Drift

/// KS statistic and p-value.
struct KsResult {
  double statistic;
  double pvalue;
};

/// Two-sample KS test as scipy.stats.ks_2samp(a, b, alternative, method="auto").
inline KsResult ks_2samp(const double *a, size_t na, const double *b, size_t nb,
                         tw_alternative alternative = TW_ALTERNATIVE_TWO_SIDED) {
  KsResult r{0.0, 0.0};
  detail::check(tw_drift_ks_2samp(a, na, b, nb, alternative, &r.statistic, &r.pvalue));
  return r;
}

inline KsResult ks_2samp(const std::vector<double> &a, const std::vector<double> &b,
                         tw_alternative alternative = TW_ALTERNATIVE_TWO_SIDED) {
  return ks_2samp(a.data(), a.size(), b.data(), b.size(), alternative);
}

/// Jensen-Shannon distance as scipy.spatial.distance.jensenshannon (base 0: natural log).
inline double jensenshannon(const std::vector<double> &p, const std::vector<double> &q,
                            double base = 0.0) {
  if (p.size() != q.size()) {
    throw Error(TW_ERR_INVALID_INPUT, "invalid q: must have the same length as p (" +
                                          std::to_string(q.size()) + " vs " +
                                          std::to_string(p.size()) + ")");
  }
  double out = 0.0;
  detail::check(tw_drift_jensenshannon(p.data(), q.data(), p.size(), base, &out));
  return out;
}

namespace detail {
struct ProfileDeleter {
  void operator()(tw_profile *p) const noexcept { tw_profile_free(p); }
};
struct EngineDeleter {
  void operator()(tw_engine *e) const noexcept { tw_engine_free(e); }
};
}  // namespace detail

/// A frozen reference profile (move-only; freed on destruction).
class Profile {
 public:
  /// An empty profile.
  Profile() {
    tw_profile *p = nullptr;
    detail::check(tw_profile_new(&p));
    handle_.reset(p);
  }

  /// Loads a profile written by save().
  static Profile load(const std::string &path) {
    tw_profile *p = nullptr;
    detail::check(tw_profile_load(path.c_str(), &p));
    return Profile(p);
  }

  /// Fits (or replaces) numeric feature `name`; opts nullptr: deciles, NaN is an error.
  void fit(const std::string &name, const double *values, size_t len,
           const tw_profile_options *opts = nullptr) {
    detail::check(tw_profile_fit(handle_.get(), name.c_str(), values, len, opts));
  }
  void fit(const std::string &name, const std::vector<double> &values,
           const tw_profile_options *opts = nullptr) {
    fit(name, values.data(), values.size(), opts);
  }

  void save(const std::string &path) const {
    detail::check(tw_profile_save(handle_.get(), path.c_str()));
  }

  size_t feature_count() const {
    size_t n = 0;
    detail::check(tw_profile_feature_count(handle_.get(), &n));
    return n;
  }

  /// PSI of `current` against feature `name` (epsilon 0: 1e-4).
  double psi(const std::string &name, const std::vector<double> &current,
             tw_psi_mode mode = TW_PSI_STANDARD, double epsilon = 0.0) const {
    double out = 0.0;
    detail::check(tw_profile_psi(handle_.get(), name.c_str(), current.data(), current.size(), mode,
                                 epsilon, &out));
    return out;
  }

  /// KS of the stored reference of `name` against `current`.
  KsResult ks(const std::string &name, const std::vector<double> &current,
              tw_alternative alternative = TW_ALTERNATIVE_TWO_SIDED) const {
    KsResult r{0.0, 0.0};
    detail::check(tw_profile_ks(handle_.get(), name.c_str(), current.data(), current.size(),
                                alternative, &r.statistic, &r.pvalue));
    return r;
  }

  const tw_profile *get() const noexcept { return handle_.get(); }
  tw_profile *get() noexcept { return handle_.get(); }

 private:
  explicit Profile(tw_profile *p) : handle_(p) {}
  std::unique_ptr<tw_profile, detail::ProfileDeleter> handle_;
};

namespace detail {
struct MonitorDeleter {
  void operator()(tw_monitor *m) const noexcept { tw_monitor_free(m); }
};
struct ReportDeleter {
  void operator()(tw_report *r) const noexcept { tw_report_free(r); }
};
struct JournalDeleter {
  void operator()(tw_journal *j) const noexcept { tw_journal_free(j); }
};

/// Reads a string through a (buf, len, written) getter whose size may be
/// asked first with `length` (or guessed, growing on TW_ERR_BUFFER_TOO_SMALL).
template <class Get>
inline std::string read_string(Get get, size_t guess = 64) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string buf(guess, '\0');
    size_t written = 0;
    tw_status st = get(&buf[0], buf.size(), &written);
    if (st == TW_ERR_BUFFER_TOO_SMALL) {
      guess *= 4;
      continue;
    }
    check(st);
    buf.resize(written);
    return buf;
  }
  throw Error(TW_ERR_BUFFER_TOO_SMALL, "string kept growing");
}
}  // namespace detail

/// The lower-case name of a TW_SEVERITY_* code ("" when unknown).
inline std::string severity_name(tw_severity severity) {
  const char *n = tw_severity_name(severity);
  return n == nullptr ? std::string() : std::string(n);
}

/// The name of a TW_METHOD_* code ("" when unknown).
inline std::string method_name(tw_method method) {
  const char *n = tw_method_name(method);
  return n == nullptr ? std::string() : std::string(n);
}

/// The default live-monitor options (window 10000, min_values 500,
/// psi_epsilon 1e-4, psi_threshold 0.2, Autotrader's PSI bands, no prefix).
inline tw_monitor_options monitor_options() {
  tw_monitor_options o{};
  detail::check(tw_monitor_options_default(&o));
  return o;
}

/// A live drift monitor over the binned numeric features of a profile
/// (move-only; freed on destruction). push() needs exclusive access;
/// score() and emit() only read.
class Monitor {
 public:
  /// A monitor over `profile` (which may be destroyed afterwards).
  explicit Monitor(const Profile &profile, const tw_monitor_options &options = monitor_options()) {
    tw_monitor *m = nullptr;
    detail::check(tw_monitor_new(profile.get(), &options, &m));
    handle_.reset(m);
  }

  /// Appends values to the window of `feature` (NaN/inf rejected, nothing added).
  void push(const std::string &feature, const double *values, size_t len) {
    detail::check(tw_monitor_push(handle_.get(), feature.c_str(), values, len));
  }
  void push(const std::string &feature, const std::vector<double> &values) {
    push(feature, values.data(), values.size());
  }

  /// The current score of `feature` (`ready` 0 until the window holds min_values).
  tw_live_score score(const std::string &feature) const {
    tw_live_score s{};
    detail::check(tw_monitor_score(handle_.get(), feature.c_str(), &s));
    return s;
  }

  /// Scores every ready feature and emits the drift metrics; returns
  /// {features scored, features drifted}.
  std::pair<size_t, size_t> emit() const {
    size_t scored = 0, drifted = 0;
    detail::check(tw_monitor_emit(handle_.get(), &scored, &drifted));
    return {scored, drifted};
  }

  tw_monitor *get() noexcept { return handle_.get(); }

 private:
  std::unique_ptr<tw_monitor, detail::MonitorDeleter> handle_;
};

/// The default report options (alpha 0.05, psi_threshold 0.2, js_threshold
/// 0.1, large_sample 1000, no correction, Autotrader's bands, drift_share
/// 0.5, standard PSI with epsilon 1e-4).
inline tw_report_options report_options() {
  tw_report_options o{};
  detail::check(tw_report_options_default(&o));
  return o;
}

namespace detail {
struct ScoreStateDeleter {
  void operator()(tw_score_state *s) const noexcept { tw_score_state_free(s); }
};
struct StateScorerDeleter {
  void operator()(tw_state_scorer *s) const noexcept { tw_state_scorer_free(s); }
};
}  // namespace detail

class StateScorer;

/// The mergeable score state of one partition of current data against a
/// reference profile (move-only; freed on destruction). Merge the partitions'
/// states and report with Report::compute_states.
class ScoreState {
 public:
  /// The state of named numeric current columns against `reference`;
  /// cells 0: exact, K > 0: bounded (K grid points, no report).
  static ScoreState compute(const Profile &reference,
                            const std::vector<std::pair<std::string, std::vector<double>>> &current,
                            size_t cells = 0) {
    std::vector<const char *> names;
    std::vector<const double *> values;
    std::vector<size_t> lens;
    for (const auto &c : current) {
      names.push_back(c.first.c_str());
      values.push_back(c.second.data());
      lens.push_back(c.second.size());
    }
    tw_score_state *s = nullptr;
    detail::check(tw_score_state_compute(reference.get(), names.data(), values.data(),
                                         lens.data(), current.size(), cells, &s));
    return ScoreState(s);
  }

  /// Parses the bytes of to_bytes() (validated: TW_ERR_CORRUPT when damaged).
  static ScoreState from_bytes(const std::vector<uint8_t> &bytes) {
    tw_score_state *s = nullptr;
    detail::check(tw_score_state_from_bytes(bytes.data(), bytes.size(), &s));
    return ScoreState(s);
  }

  /// Adds `other`'s counts to this state (unchanged on error).
  void merge(const ScoreState &other) {
    detail::check(tw_score_state_merge(handle_.get(), other.get()));
  }

  /// The checksummed TWSS bytes (the same as Python's ScoreState.to_bytes()).
  std::vector<uint8_t> to_bytes() const {
    size_t need = 0, written = 0;
    detail::check(tw_score_state_bytes_length(handle_.get(), &need));
    std::vector<uint8_t> out(need);
    detail::check(tw_score_state_to_bytes(handle_.get(), out.data(), out.size(), &written));
    out.resize(written);
    return out;
  }

  /// The KS interval (exact PSI and Jensen–Shannon) of numeric `feature` against the
  /// `reference` the state was computed on — the report of a bounded state.
  tw_ks_bounds ks_bounds(const Profile &reference, const std::string &feature) const {
    tw_ks_bounds b{};
    detail::check(tw_score_state_ks_bounds(reference.get(), handle_.get(), feature.c_str(), &b));
    return b;
  }

  const tw_score_state *get() const noexcept { return handle_.get(); }
  tw_score_state *get() noexcept { return handle_.get(); }

 private:
  friend class StateScorer;
  explicit ScoreState(tw_score_state *s) : handle_(s) {}
  std::unique_ptr<tw_score_state, detail::ScoreStateDeleter> handle_;
};

/// A reference profile prepared for scoring partitions into score states (move-only; freed
/// on destruction). Its saved form (TWSC: the profile without its stored reference, plus the
/// cell grids; the same file as Python's StateScorer.save) is all a worker that scores
/// partitions, or a client that reads a merged bounded state's KS intervals, needs.
class StateScorer {
 public:
  /// Prepares `reference` (fitted with its stored values, the default): cells 0 the exact
  /// grid, K > 0 a bounded grid of K points (at most 2^24).
  explicit StateScorer(const Profile &reference, size_t cells = 0) {
    tw_state_scorer *s = nullptr;
    detail::check(tw_state_scorer_new(reference.get(), cells, &s));
    handle_.reset(s);
  }

  /// Loads a scorer written by save() (validated: TW_ERR_CORRUPT when damaged, TW_ERR_IO
  /// when unreadable).
  static StateScorer load(const std::string &path) {
    tw_state_scorer *s = nullptr;
    detail::check(tw_state_scorer_load(path.c_str(), &s));
    return StateScorer(s);
  }

  /// Writes the TWSC file atomically (temp file, fsync, rename).
  void save(const std::string &path) const {
    detail::check(tw_state_scorer_save(handle_.get(), path.c_str()));
  }

  /// The score state of named numeric current columns, on the scorer's grid: equal to
  /// ScoreState::compute(reference, current, cells) bit for bit.
  ScoreState state(
      const std::vector<std::pair<std::string, std::vector<double>>> &current) const {
    std::vector<const char *> names;
    std::vector<const double *> values;
    std::vector<size_t> lens;
    for (const auto &c : current) {
      names.push_back(c.first.c_str());
      values.push_back(c.second.data());
      lens.push_back(c.second.size());
    }
    tw_score_state *s = nullptr;
    detail::check(tw_state_scorer_state(handle_.get(), names.data(), values.data(), lens.data(),
                                        current.size(), &s));
    return ScoreState(s);
  }

  /// The KS interval (exact PSI and Jensen–Shannon) of numeric `feature` of a (merged) state
  /// built with this scorer: equal to ScoreState::ks_bounds against the full profile, bit for
  /// bit. A state of another profile or grid is TW_ERR_INVALID_INPUT, a feature that is not
  /// a numeric feature of the state TW_ERR_NOT_FOUND.
  tw_ks_bounds ks_bounds(const ScoreState &state, const std::string &feature) const {
    tw_ks_bounds b{};
    detail::check(tw_state_scorer_ks_bounds(handle_.get(), state.get(), feature.c_str(), &b));
    return b;
  }

  const tw_state_scorer *get() const noexcept { return handle_.get(); }
  tw_state_scorer *get() noexcept { return handle_.get(); }

 private:
  explicit StateScorer(tw_state_scorer *s) : handle_(s) {}
  std::unique_ptr<tw_state_scorer, detail::StateScorerDeleter> handle_;
};

/// A computed drift report (move-only, immutable; freed on destruction).
class Report {
 public:
  /// Scores named numeric current columns against `reference`.
  static Report compute(const Profile &reference,
                        const std::vector<std::pair<std::string, std::vector<double>>> &current,
                        const tw_report_options &options = report_options()) {
    std::vector<const char *> names;
    std::vector<const double *> values;
    std::vector<size_t> lens;
    for (const auto &c : current) {
      names.push_back(c.first.c_str());
      values.push_back(c.second.data());
      lens.push_back(c.second.size());
    }
    tw_report *r = nullptr;
    detail::check(tw_report_compute(reference.get(), names.data(), values.data(), lens.data(),
                                    current.size(), &options, &r));
    return Report(r);
  }

  /// Scores a current profile (fitted with the sorted values kept) against `reference`.
  static Report compute_profiles(const Profile &reference, const Profile &current,
                                 const tw_report_options &options = report_options()) {
    tw_report *r = nullptr;
    detail::check(tw_report_compute_profiles(reference.get(), current.get(), &options, &r));
    return Report(r);
  }

  /// The report of a (merged) exact score state against the `reference` it was computed on:
  /// equal to compute() on all the partitions' rows, bit for bit.
  static Report compute_states(const Profile &reference, const ScoreState &state,
                               const tw_report_options &options = report_options()) {
    tw_report *r = nullptr;
    detail::check(tw_report_compute_states(reference.get(), state.get(), &options, &r));
    return Report(r);
  }

  size_t feature_count() const {
    size_t n = 0;
    detail::check(tw_report_feature_count(handle_.get(), &n));
    return n;
  }
  /// The drift of feature number `index` (report order).
  tw_feature_drift feature(size_t index) const {
    tw_feature_drift f{};
    detail::check(tw_report_feature(handle_.get(), index, &f));
    return f;
  }
  /// The drift of the feature named `name`.
  tw_feature_drift feature(const std::string &name) const { return feature(index_of(name)); }
  std::string feature_name(size_t index) const {
    return detail::read_string([&](char *buf, size_t len, size_t *written) {
      return tw_report_feature_name(handle_.get(), index, buf, len, written);
    });
  }
  size_t index_of(const std::string &name) const {
    size_t i = 0;
    detail::check(tw_report_feature_index(handle_.get(), name.c_str(), &i));
    return i;
  }
  tw_dataset_drift summary() const {
    tw_dataset_drift s{};
    detail::check(tw_report_summary(handle_.get(), &s));
    return s;
  }
  /// The report as JSON (the document of the Rust and Python APIs).
  std::string to_json() const {
    size_t need = 0;
    detail::check(tw_report_to_json_length(handle_.get(), &need));
    return detail::read_string(
        [&](char *buf, size_t len, size_t *written) {
          return tw_report_to_json(handle_.get(), buf, len, written);
        },
        need);
  }

  const tw_report *get() const noexcept { return handle_.get(); }

 private:
  explicit Report(tw_report *r) : handle_(r) {}
  std::unique_ptr<tw_report, detail::ReportDeleter> handle_;
};

// ---------------------------------------------------------------------------
// Guardrails

/// The snake_case name of a TW_REASON_* code ("none", or "" when unknown).
inline std::string reason_name(tw_reason reason) {
  const char *n = tw_reason_name(reason);
  return n == nullptr ? std::string() : std::string(n);
}

/// The guardrails session (move-only; freed on destruction): pre-trade
/// engine, persisted state and KILL_SWITCH, audit journal, period limits,
/// high-water mark and overrides. Use from one thread at a time.
class Engine {
 public:
  /// Policy file (TOML/YAML/JSON), state directory ("" = in memory: nothing
  /// persisted, no journal; starts HALTED), account equity > 0.
  static Engine from_policy_file(const std::string &policy_path, const std::string &state_dir,
                                 double equity) {
    tw_engine *e = nullptr;
    detail::check(tw_engine_new_from_policy_file(
        policy_path.c_str(), state_dir.empty() ? nullptr : state_dir.c_str(), equity, &e));
    return Engine(e);
  }

  uint32_t symbol_id(const std::string &symbol) const {
    uint32_t id = 0;
    detail::check(tw_engine_symbol_id(handle_.get(), symbol.c_str(), &id));
    return id;
  }

  /// The hot path. In memory: no allocation unless the call itself fails
  /// (bad side code). With a state directory the decision is journaled; a
  /// journal failure throws (fail closed: do not send).
  tw_decision check_order(const tw_order &order) {
    tw_decision d;
    tw_status st = tw_engine_check_order(handle_.get(), &order, &d);
    if (st != TW_OK) detail::check(st);
    return d;
  }

  void on_fill(uint32_t symbol, tw_side side, double quantity, double price) {
    detail::check(tw_engine_on_fill(handle_.get(), symbol, side, quantity, price));
  }
  void set_position(uint32_t symbol, double quantity, double mark) {
    detail::check(tw_engine_set_position(handle_.get(), symbol, quantity, mark));
  }
  double position(uint32_t symbol) const {
    double p = 0.0;
    detail::check(tw_engine_position(handle_.get(), symbol, &p));
    return p;
  }
  double gross_exposure() const {
    double g = 0.0;
    detail::check(tw_engine_gross_exposure(handle_.get(), &g));
    return g;
  }
  void set_equity(double equity) { detail::check(tw_engine_set_equity(handle_.get(), equity)); }

  tw_trading_state state() const {
    tw_trading_state s = TW_STATE_HALTED;
    detail::check(tw_engine_state(handle_.get(), &s));
    return s;
  }
  /// Re-reads the state directory now (the watcher does it continuously) and
  /// retries a kill or escalation that failed to persist.
  tw_trading_state sync() {
    tw_trading_state s = TW_STATE_HALTED;
    detail::check(tw_engine_sync(handle_.get(), &s));
    return s;
  }
  /// KILLED in memory first, then KILL_SWITCH, state file, journal; throws
  /// when a write failed — the engine is KILLED either way.
  void kill(const std::string &reason, const std::string &activated_by) {
    detail::check(tw_engine_kill(handle_.get(), reason.c_str(), activated_by.c_str()));
  }
  /// Returns whether the state changed.
  bool escalate(tw_trading_state to, const std::string &reason) {
    uint32_t changed = 0;
    detail::check(tw_engine_escalate(handle_.get(), to, reason.c_str(), &changed));
    return changed != 0;
  }
  void reset(tw_trading_state to, const std::string &who, const std::string &why) {
    detail::check(tw_engine_reset(handle_.get(), to, who.c_str(), why.c_str()));
  }
  /// Removes the KILL_SWITCH entry (journaled); the state stays KILLED until reset().
  void remove_kill_switch(const std::string &who, const std::string &why) {
    detail::check(tw_engine_remove_kill_switch(handle_.get(), who.c_str(), why.c_str()));
  }

  /// Position-size override: fraction in (0, 1], 1 = off (persisted, journaled).
  void set_size_override(double fraction, const std::string &who, const std::string &why) {
    detail::check(tw_engine_set_size_override(handle_.get(), fraction, who.c_str(), why.c_str()));
  }
  double size_override() const {
    double f = 1.0;
    detail::check(tw_engine_size_override(handle_.get(), &f));
    return f;
  }
  /// Freezes or unfreezes model learning (persisted, journaled).
  void set_learning_frozen(bool frozen, const std::string &who, const std::string &why) {
    detail::check(tw_engine_set_learning_frozen(handle_.get(), frozen ? 1 : 0, who.c_str(), why.c_str()));
  }
  bool learning_frozen() const {
    int32_t f = 0;
    detail::check(tw_engine_learning_frozen(handle_.get(), &f));
    return f != 0;
  }

  /// The tracked high-water mark of equity; empty before the first set_equity().
  std::optional<double> high_water_mark() const {
    double h = 0.0;
    tw_status st = tw_engine_high_water_mark(handle_.get(), &h);
    if (st == TW_ERR_NOT_FOUND) return std::nullopt;
    detail::check(st);
    return h;
  }
  tw_session_counts counts() const {
    tw_session_counts c{};
    detail::check(tw_engine_counts(handle_.get(), &c));
    return c;
  }
  /// (denials + breaches) x 1000 / decisions; empty before the first decision.
  std::optional<double> violations_per_1000_trades() const {
    double v = 0.0;
    tw_status st = tw_engine_violations_per_1000_trades(handle_.get(), &v);
    if (st == TW_ERR_NOT_FOUND) return std::nullopt;
    detail::check(st);
    return v;
  }

  /// Evaluates the period limits (journaled, counted; a critical breach
  /// latches HALTED, a warning REDUCING) and returns the breaches.
  std::vector<tw_period_breach> evaluate_period(const tw_period_observation &observation) {
    // One call only (it has effects): room for every period rule.
    std::vector<tw_period_breach> out(32);
    size_t n = 0;
    detail::check(tw_engine_evaluate_period(handle_.get(), &observation, out.data(), out.size(), &n));
    out.resize(n < out.size() ? n : out.size());
    return out;
  }
  void rebind_telemetry() { detail::check(tw_engine_rebind_telemetry(handle_.get())); }

  tw_engine *get() noexcept { return handle_.get(); }

 private:
  explicit Engine(tw_engine *e) : handle_(e) {}
  std::unique_ptr<tw_engine, detail::EngineDeleter> handle_;
};

/// The default journal options (64 MiB files, fsync every 100 records).
inline tw_journal_options journal_options() {
  tw_journal_options o{};
  detail::check(tw_journal_options_default(&o));
  return o;
}

/// Records and sequence numbers of a journal directory (Journal::verify).
struct JournalCheck {
  uint64_t entries;
  uint64_t skipped;
};

/// The append-only audit journal of a directory (move-only; closed, and
/// fsynced unless TW_FSYNC_NEVER, on destruction). One thread at a time.
class Journal {
 public:
  /// Opens (creating it if needed) the journal in `dir`, continuing its sequence.
  explicit Journal(const std::string &dir, const tw_journal_options &options = journal_options()) {
    tw_journal *j = nullptr;
    detail::check(tw_journal_open(dir.c_str(), &options, &j));
    handle_.reset(j);
  }

  /// Appends an event of `kind` ("decision", "transition", "override",
  /// "approval", "violation") with its fields as a JSON object; returns its seq.
  uint64_t append(const std::string &kind, const std::string &fields_json) {
    uint64_t seq = 0;
    detail::check(tw_journal_append(handle_.get(), kind.c_str(), fields_json.c_str(), &seq));
    return seq;
  }
  uint64_t record_override(const std::string &who, const std::string &why, const std::string &what) {
    uint64_t seq = 0;
    detail::check(
        tw_journal_record_override(handle_.get(), who.c_str(), why.c_str(), what.c_str(), &seq));
    return seq;
  }
  uint64_t record_approval(const std::string &who, const std::string &why, const std::string &what) {
    uint64_t seq = 0;
    detail::check(
        tw_journal_record_approval(handle_.get(), who.c_str(), why.c_str(), what.c_str(), &seq));
    return seq;
  }
  /// The last sequence number written.
  uint64_t seq() const {
    uint64_t s = 0;
    detail::check(tw_journal_seq(handle_.get(), &s));
    return s;
  }
  void sync() { detail::check(tw_journal_sync(handle_.get())); }

  /// Verifies `dir`'s hash chain and sequence: records and torn last lines;
  /// throws TW_ERR_CORRUPT naming the first edited, missing or reordered record.
  static JournalCheck verify(const std::string &dir) {
    JournalCheck c{0, 0};
    detail::check(tw_journal_verify(dir.c_str(), &c.entries, &c.skipped));
    return c;
  }

  tw_journal *get() noexcept { return handle_.get(); }

 private:
  std::unique_ptr<tw_journal, detail::JournalDeleter> handle_;
};

#ifdef TRADEWARDEN_INFERENCE
// ---------------------------------------------------------------------------
// Inference (library built with `--features inference`; define
// TRADEWARDEN_INFERENCE before including). A Predictor is thread-safe:
// predict(), version() and swap() may run on several threads at once on the
// same object; only destruction needs exclusive access.

namespace detail {
struct PredictorDeleter {
  void operator()(tw_predictor *p) const noexcept { tw_predictor_free(p); }
};
}  // namespace detail

class Predictor {
 public:
  /// The demo model embedded in the library (4 features, 1 output).
  static Predictor demo() {
    tw_predictor *p = nullptr;
    detail::check(tw_predictor_demo(&p));
    return Predictor(p);
  }

  /// An MLP from a PyTorch-layout safetensors file; config_json is an MlpConfig as JSON.
  static Predictor load_safetensors(const std::string &name, const std::string &version,
                                    const std::string &weights_path,
                                    const std::string &config_json) {
    tw_predictor *p = nullptr;
    detail::check(tw_predictor_load_safetensors(name.c_str(), version.c_str(),
                                                weights_path.c_str(), config_json.c_str(), &p));
    return Predictor(p);
  }

  /// Any architecture from burnpack weights; architecture_json is an MlpConfig or a
  /// window model's config with its "kind" ("gru", "transformer").
  static Predictor load_burnpack(const std::string &name, const std::string &version,
                                 const std::string &weights_path,
                                 const std::string &architecture_json) {
    tw_predictor *p = nullptr;
    detail::check(tw_predictor_load_burnpack(name.c_str(), version.c_str(), weights_path.c_str(),
                                             architecture_json.c_str(), &p));
    return Predictor(p);
  }

  /// Values per row: input features (MLP) or window × features per step.
  size_t n_features() const {
    size_t n = 0;
    detail::check(tw_predictor_n_features(handle_.get(), &n));
    return n;
  }
  /// (time steps, features per step) of one sample; (1, input) for an MLP.
  std::pair<size_t, size_t> window_shape() const {
    size_t w = 0, f = 0;
    detail::check(tw_predictor_window_shape(handle_.get(), &w, &f));
    return {w, f};
  }
  size_t n_outputs() const {
    size_t n = 0;
    detail::check(tw_predictor_n_outputs(handle_.get(), &n));
    return n;
  }

  /// Predicts n_rows rows of n_features() features (row-major) into out
  /// (n_rows × n_outputs() floats).
  void predict(const double *features, size_t n_rows, size_t n_features, float *out,
               size_t out_len) const {
    detail::check(
        tw_predictor_predict(handle_.get(), features, n_rows, n_features, out, out_len));
  }
  /// As above; `features.size()` must be a multiple of n_features().
  std::vector<float> predict(const std::vector<double> &features) const {
    const size_t nf = n_features();
    const size_t rows = nf == 0 ? 0 : features.size() / nf;
    if (rows * nf != features.size())
      throw Error(TW_ERR_INVALID_INPUT, "features.size() = " + std::to_string(features.size()) +
                                            " is not a multiple of n_features = " +
                                            std::to_string(nf));
    std::vector<float> out(rows * n_outputs());
    predict(features.data(), rows, nf, out.data(), out.size());
    return out;
  }

  /// Predicts windows: `features` is n_rows × window × n_features values
  /// (sample, step, feature; oldest step first); `features.size()` must be a
  /// multiple of window × n_features.
  std::vector<float> predict_window(const std::vector<double> &features, size_t window,
                                    size_t n_features) const {
    const size_t per = window * n_features;
    const size_t rows = per == 0 ? 0 : features.size() / per;
    if (per == 0 || rows * per != features.size())
      throw Error(TW_ERR_INVALID_INPUT, "features.size() = " + std::to_string(features.size()) +
                                            " is not a multiple of window × n_features = " +
                                            std::to_string(per));
    std::vector<float> out(rows * n_outputs());
    detail::check(tw_predictor_predict_window(handle_.get(), features.data(), rows, window,
                                              n_features, out.data(), out.size()));
    return out;
  }

  /// Hot swap to burnpack weights of any architecture with the same row width and outputs.
  void swap_burnpack(const std::string &version, const std::string &weights_path,
                     const std::string &architecture_json) {
    detail::check(tw_predictor_swap_burnpack(handle_.get(), version.c_str(),
                                             weights_path.c_str(), architecture_json.c_str()));
  }

  /// Hot swap to another model of the same widths; the current one keeps serving on error.
  void swap(const std::string &version, const std::string &weights_path,
            const std::string &config_json) {
    detail::check(tw_predictor_swap(handle_.get(), version.c_str(), weights_path.c_str(),
                                    config_json.c_str()));
  }

  /// Version tag of the serving model.
  std::string version() const {
    for (;;) {
      size_t need = 0;
      detail::check(tw_predictor_version_length(handle_.get(), &need));
      std::string buf(need, '\0');
      size_t written = 0;
      tw_status st = tw_predictor_version(handle_.get(), &buf[0], buf.size(), &written);
      if (st == TW_ERR_BUFFER_TOO_SMALL) continue;  // swapped in between: ask again
      detail::check(st);
      buf.resize(written);
      return buf;
    }
  }

  tw_predictor *get() noexcept { return handle_.get(); }

 private:
  friend class Registry;
  explicit Predictor(tw_predictor *p) : handle_(p) {}
  std::unique_ptr<tw_predictor, detail::PredictorDeleter> handle_;
};

namespace detail {
struct RegistryDeleter {
  void operator()(tw_registry *r) const noexcept { tw_registry_free(r); }
};
}  // namespace detail

/// A model registry rooted at a directory (move-only; freed on destruction).
class Registry {
 public:
  /// Opens (creating it if needed) the registry at `root`.
  explicit Registry(const std::string &root) {
    tw_registry *r = nullptr;
    detail::check(tw_registry_open(root.c_str(), &r));
    handle_.reset(r);
  }

  /// Opens the registry at `root` requiring versions signed by the private half of the ed25519
  /// verifying key in the file `verifying_key_path` (tw_registry_open_verified).
  static Registry open_verified(const std::string &root, const std::string &verifying_key_path) {
    tw_registry *r = nullptr;
    detail::check(tw_registry_open_verified(root.c_str(), verifying_key_path.c_str(), &r));
    return Registry(r);
  }

  /// Registers name/version from a PyTorch state dict in safetensors (torch's key names) and its
  /// architecture as JSON: an MlpConfig, or a GRU / Transformer config with its "kind".
  void register_safetensors(const std::string &name, const std::string &version,
                            const std::string &weights_path, const std::string &config_json) {
    detail::check(tw_registry_register_safetensors(handle_.get(), name.c_str(), version.c_str(),
                                                   weights_path.c_str(), config_json.c_str()));
  }
  /// As register_safetensors, signing the manifest with the key in `signing_key_path`.
  void register_safetensors_signed(const std::string &name, const std::string &version,
                                   const std::string &weights_path, const std::string &config_json,
                                   const std::string &signing_key_path) {
    detail::check(tw_registry_register_safetensors_signed(handle_.get(), name.c_str(), version.c_str(),
                                                          weights_path.c_str(), config_json.c_str(),
                                                          signing_key_path.c_str()));
  }
  /// Registers name/version from burnpack weights of any architecture (JSON as for
  /// Predictor::load_burnpack).
  void register_burnpack(const std::string &name, const std::string &version,
                         const std::string &weights_path, const std::string &architecture_json) {
    detail::check(tw_registry_register_burnpack(handle_.get(), name.c_str(), version.c_str(),
                                                weights_path.c_str(), architecture_json.c_str()));
  }
  /// Signs (or re-signs) an existing version with the key in `signing_key_path`.
  void sign(const std::string &name, const std::string &version, const std::string &signing_key_path) {
    detail::check(tw_registry_sign(handle_.get(), name.c_str(), version.c_str(), signing_key_path.c_str()));
  }
  void promote(const std::string &name, const std::string &version) {
    detail::check(tw_registry_promote(handle_.get(), name.c_str(), version.c_str()));
  }
  void rollback(const std::string &name) {
    detail::check(tw_registry_rollback(handle_.get(), name.c_str()));
  }
  /// The active version (throws TW_ERR_NOT_FOUND when nothing was promoted).
  std::string active_version(const std::string &name) const {
    return detail::read_string(
        [&](char *buf, size_t len, size_t *written) {
          return tw_registry_active_version(handle_.get(), name.c_str(), buf, len, written);
        },
        129);
  }
  /// Every registered version, sorted by name.
  std::vector<std::string> versions(const std::string &name) const {
    size_t n = 0;
    detail::check(tw_registry_version_count(handle_.get(), name.c_str(), &n));
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(detail::read_string(
          [&](char *buf, size_t len, size_t *written) {
            return tw_registry_version_name(handle_.get(), name.c_str(), i, buf, len, written);
          },
          129));
    }
    return out;
  }
  /// Hot swap: `predictor` now serves the active version of `name` (verified first).
  void swap_active(const std::string &name, Predictor &predictor) const {
    detail::check(tw_registry_swap_active(handle_.get(), name.c_str(), predictor.get()));
  }
  /// A predictor serving the active version (verified first).
  Predictor load_active(const std::string &name) const {
    tw_predictor *p = nullptr;
    detail::check(tw_registry_load_active(handle_.get(), name.c_str(), &p));
    return Predictor(p);
  }

  tw_registry *get() noexcept { return handle_.get(); }

 private:
  explicit Registry(tw_registry *r) : handle_(r) {}
  std::unique_ptr<tw_registry, detail::RegistryDeleter> handle_;
};
#endif  // TRADEWARDEN_INFERENCE

}  // namespace tradewarden

#endif  // TRADEWARDEN_HPP
