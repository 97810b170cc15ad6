// C++ wrapper test: values equal the C ABI, errors become tradewarden::Error.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "tradewarden.hpp"

int main(int argc, char **argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
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

  // drift: free functions and the RAII profile
  auto ks = tradewarden::ks_2samp({0.0, 0.1}, {0.2, 0.3});
  check(ks.statistic == 1.0 && std::fabs(ks.pvalue - 1.0 / 3.0) < 1e-15, "ks");
  check(std::fabs(tradewarden::jensenshannon({1.0, 0.0}, {0.0, 1.0}, 2.0) - 1.0) < 1e-15, "js");
  try {
    tradewarden::jensenshannon({1.0, 0.0}, {1.0}, 2.0);
    check(false, "js length mismatch must throw");
  } catch (const tradewarden::Error &e) {
    check(e.status() == TW_ERR_INVALID_INPUT, "js mismatch status");
  }
  {
    std::vector<double> ref, cur;
    for (int i = 0; i < 400; ++i) {
      ref.push_back(std::sin(i * 0.37));
      cur.push_back(std::sin(i * 0.37) * 1.5 + 0.3);
    }
    tradewarden::Profile p;
    p.fit("x", ref);
    check(p.feature_count() == 1, "feature count");
    check(p.psi("x", ref) == 0.0, "psi self");
    double psi = p.psi("x", cur);
    check(psi > 0.1, "psi drift");
    auto pks = p.ks("x", cur);
    auto direct = tradewarden::ks_2samp(ref, cur);
    check(pks.statistic == direct.statistic && pks.pvalue == direct.pvalue, "profile ks == ks");
    const std::string path = dir + "/cpp_profile.twdp";
    p.save(path);
    tradewarden::Profile loaded = tradewarden::Profile::load(path);
    tradewarden::Profile moved = std::move(loaded);  // move-only handle
    check(moved.psi("x", cur) == psi, "loaded psi");
    std::remove(path.c_str());
    try {
      moved.psi("nope", cur);
      check(false, "unknown feature must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_NOT_FOUND, "unknown feature status");
    }
    try {
      tradewarden::Profile::load(dir + "/missing.twdp");
      check(false, "missing profile must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_IO, "missing profile status");
    }
  }

  // drift: live monitor and report (values equal the C calls on the same data)
  {
    std::vector<double> ref, cur;
    for (int i = 0; i < 400; ++i) {
      ref.push_back(std::sin(i * 0.37));
      cur.push_back(std::sin(i * 0.37) * 1.5 + 0.3);
    }
    tradewarden::Profile p;
    p.fit("x", ref);
    tw_monitor_options o = tradewarden::monitor_options();
    check(o.window == 10000 && o.min_values == 500 && o.psi_threshold == 0.2, "monitor defaults");
    o.window = 400;
    o.min_values = 100;
    tradewarden::Monitor m(p, o);
    m.push("x", cur.data(), 50);
    check(m.score("x").ready == 0, "not ready");
    m.push("x", std::vector<double>(cur.begin() + 50, cur.end()));
    tw_live_score s = m.score("x");
    check(s.ready == 1 && s.n == 400 && s.psi == p.psi("x", cur), "monitor psi == profile psi");
    check(s.drift == (s.psi > 0.2 ? 1u : 0u) && tradewarden::severity_name(s.severity) != "", "drift flag");
    auto counts = m.emit();
    check(counts.first == 1 && counts.second == s.drift, "emit counts");
    try {
      m.push("x", {0.1, NAN});
      check(false, "NaN push must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_INVALID_INPUT && std::strstr(e.what(), "values[1]") != nullptr, "NaN push status");
    }
    try {
      m.score("nope");
      check(false, "unknown feature must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_NOT_FOUND, "monitor unknown feature");
    }
    try {
      tw_monitor_options bad = tradewarden::monitor_options();
      bad.window = 0;
      tradewarden::Monitor nope(p, bad);
      check(false, "window 0 must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_INVALID_INPUT && std::strstr(e.what(), "window") != nullptr, "window 0");
    }

    auto r = tradewarden::Report::compute(p, {{"x", cur}});
    check(r.feature_count() == 1 && r.feature_name(0) == "x" && r.index_of("x") == 0, "report feature");
    tw_feature_drift f = r.feature("x");
    auto pks = p.ks("x", cur);
    check(f.method == TW_METHOD_KS && tradewarden::method_name(f.method) == "ks", "method ks");
    check(std::fabs(f.ks_statistic - pks.statistic) <= 1e-12 && std::fabs(f.pvalue - pks.pvalue) <= 1e-12 * pks.pvalue,
          "report ks == profile ks");
    check(std::fabs(f.psi - p.psi("x", cur)) <= 1e-12, "report psi == profile psi");
    check(f.drift == (f.pvalue < 0.05 ? 1u : 0u) && r.summary().n_drifted == f.drift, "report drift");
    const std::string json = r.to_json();
    check(json.front() == '{' && json.find("\"name\":\"x\"") != std::string::npos, "report json");
    tradewarden::Profile cp;
    cp.fit("x", cur);
    auto rp = tradewarden::Report::compute_profiles(p, cp);
    check(rp.feature(0).statistic == f.statistic, "profile report == data report");
    // score states: two partitions merged (one through its bytes) report like all the rows, bit for bit
    {
      const std::vector<double> head(cur.begin(), cur.begin() + 150), tail(cur.begin() + 150, cur.end());
      auto s0 = tradewarden::ScoreState::compute(p, {{"x", head}});
      auto s1 = tradewarden::ScoreState::from_bytes(tradewarden::ScoreState::compute(p, {{"x", tail}}).to_bytes());
      s0.merge(s1);
      auto rs = tradewarden::Report::compute_states(p, s0);
      check(rs.to_json() == json, "score-state report JSON == data report JSON");
      tw_feature_drift g = rs.feature("x");
      check(std::memcmp(&g.statistic, &f.statistic, sizeof(double)) == 0 &&
                std::memcmp(&g.pvalue, &f.pvalue, sizeof(double)) == 0 && g.n_current == f.n_current,
            "score-state report == data report (bits)");
      std::vector<uint8_t> bytes = s0.to_bytes();
      bytes[bytes.size() / 2] ^= 0x01;
      try {
        tradewarden::ScoreState::from_bytes(bytes);
        check(false, "corrupt state bytes must throw");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_CORRUPT, "corrupt state bytes");
      }
      try {
        tradewarden::Report::compute_states(p, tradewarden::ScoreState::compute(p, {{"x", cur}}, 64));
        check(false, "a bounded state has no report");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_INVALID_INPUT, "bounded state report");
      }
    }
    // the compact scorer: its states and intervals equal the C calls on the profile, bit for bit
    {
      const std::string path = dir + "/cpp_scorer.twsc";
      {
        tradewarden::StateScorer sc(p, 64);
        sc.save(path);
      }
      auto sc = tradewarden::StateScorer::load(path);
      auto a = sc.state({{"x", cur}});
      const char *names[] = {"x"};
      const double *vals[] = {cur.data()};
      const size_t lens[] = {cur.size()};
      tw_score_state *c = nullptr;
      check(tw_score_state_compute(p.get(), names, vals, lens, 1, 64, &c) == TW_OK, "C bounded state");
      size_t need = 0, written = 0;
      check(tw_score_state_bytes_length(c, &need) == TW_OK, "C state length");
      std::vector<uint8_t> cb(need);
      check(tw_score_state_to_bytes(c, cb.data(), cb.size(), &written) == TW_OK && written == need,
            "C state bytes");
      check(a.to_bytes() == cb, "StateScorer::state == tw_score_state_compute (bytes)");
      const tw_ks_bounds x = sc.ks_bounds(a, "x");
      tw_ks_bounds y{}, z{};
      check(tw_score_state_ks_bounds(p.get(), c, "x", &y) == TW_OK, "C tw_score_state_ks_bounds");
      check(tw_state_scorer_ks_bounds(sc.get(), c, "x", &z) == TW_OK, "C tw_state_scorer_ks_bounds");
      check(std::memcmp(&x, &y, sizeof x) == 0 && std::memcmp(&x, &z, sizeof x) == 0,
            "StateScorer::ks_bounds == the C calls (bits)");
      const tw_ks_bounds w = a.ks_bounds(p, "x");
      check(std::memcmp(&x, &w, sizeof x) == 0, "ScoreState::ks_bounds == StateScorer::ks_bounds (bits)");
      check(x.statistic_lo <= pks.statistic && pks.statistic <= x.statistic_hi &&
                x.statistic_hi - x.statistic_lo <= 1.0 / 64 + 1e-12,
            "the interval holds the exact KS and is at most 1/64 wide");
      check(x.n_current == cur.size() && x.psi == f.psi, "interval sizes and exact PSI");
      tw_score_state_free(c);
      try {
        sc.ks_bounds(tradewarden::ScoreState::compute(p, {{"x", cur}}), "x");
        check(false, "an exact state must be refused by a bounded scorer");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_INVALID_INPUT, "scorer: state of another grid");
      }
      try {
        sc.ks_bounds(a, "nope");
        check(false, "unknown scorer feature must throw");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_NOT_FOUND && std::strstr(e.what(), "nope") != nullptr, "scorer: unknown feature");
      }
      try {
        tradewarden::StateScorer big(p, (size_t{1} << 24) + 1);
        check(false, "cells past 2^24 must throw");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_INVALID_INPUT, "scorer: cells past the cap");
      }
      // the exact grid: its state reports like the rows
      tradewarden::StateScorer exact(p);
      check(tradewarden::Report::compute_states(p, exact.state({{"x", cur}})).to_json() == json,
            "exact scorer state report == data report");
      // a damaged file is refused, a missing one is an I/O error
      std::string bytes;
      {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      check(bytes.size() > 24 && bytes.compare(0, 4, "TWSC") == 0, "TWSC file");
      bytes[bytes.size() - 1] = static_cast<char>(bytes[bytes.size() - 1] ^ 0x20);
      {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      }
      try {
        tradewarden::StateScorer::load(path);
        check(false, "a damaged scorer must throw");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_CORRUPT, "scorer: damaged file");
      }
      try {
        tradewarden::StateScorer::load(dir + "/no-such.twsc");
        check(false, "a missing scorer must throw");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_IO, "scorer: missing file");
      }
    }
    try {
      tradewarden::Report::compute(p, {{"nope", cur}});
      check(false, "unknown report feature must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_NOT_FOUND && std::strstr(e.what(), "nope") != nullptr, "report unknown");
    }
    try {
      r.feature(1);
      check(false, "index 1 must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_NOT_FOUND, "report index");
    }
  }

  // guardrails: the audit journal
  {
    const std::string jdir = dir + "/cpp_journal";
    {
      tradewarden::Journal j(jdir);
      check(j.seq() == 0, "empty journal");
      check(j.append("violation", R"({"rule": "daily_loss", "value": -5200.0, "threshold": -5000.0})") == 1,
            "append");
      check(j.record_override("alice", "reconciled", "position") == 2, "override");
      check(j.record_approval("bob", "clean", "promote") == 3, "approval");
      j.sync();
      try {
        j.append("party", "{}");
        check(false, "unknown kind must throw");
      } catch (const tradewarden::Error &e) {
        check(e.status() == TW_ERR_INVALID_INPUT && std::strstr(e.what(), "party") != nullptr, "kind status");
      }
    }
    auto c = tradewarden::Journal::verify(jdir);
    check(c.entries == 3 && c.skipped == 0, "verify");
    tradewarden::Journal again(jdir);
    check(again.seq() == 3, "reopened seq");
  }

  // guardrails: the RAII engine
  {
    const std::string policy = dir + "/cpp_policy.toml";
    std::ofstream(policy) << "[pre_trade]\nmax_order_notional = 10000.0\n[symbols.AAPL]\n";
    auto engine = tradewarden::Engine::from_policy_file(policy, "", 1e6);
    check(engine.state() == TW_STATE_HALTED, "starts halted");
    engine.reset(TW_STATE_ACTIVE, "ops", "test");
    uint32_t id = engine.symbol_id("AAPL");
    tw_order o{id, TW_SIDE_BUY, 500.0, 100.0, 100.0, 1000.0, 1000.5, NAN};
    tw_decision d = engine.check_order(o);
    check(d.decision == TW_DECISION_CLIP && d.quantity == 100.0 &&
              tradewarden::reason_name(d.reason) == "max_order_notional",
          "clip");
    engine.on_fill(id, TW_SIDE_BUY, 100.0, 100.0);
    check(engine.position(id) == 100.0 && engine.gross_exposure() == 10000.0, "fill");
    check(engine.escalate(TW_STATE_REDUCING, "loss warning"), "escalate");
    check(!engine.high_water_mark().has_value(), "no high-water mark yet");
    engine.set_equity(2e6);
    check(engine.high_water_mark() == 2e6, "high-water mark");
    engine.set_size_override(0.5, "ops", "canary rollback");
    check(engine.size_override() == 0.5, "size override");
    engine.set_learning_frozen(true, "ops", "drift");
    check(engine.learning_frozen(), "learning frozen");
    check(engine.counts().trades == 1 && engine.violations_per_1000_trades() == 0.0, "SLO");
    tw_period_observation obs{};
    obs.present = TW_PERIOD_AUM | TW_PERIOD_DAILY_PNL;
    obs.aum = 1e6;
    obs.daily_pnl = -25000.0;  // 2.5 % of AUM: critical
    auto breaches = engine.evaluate_period(obs);
    check(breaches.size() == 1 && std::string(breaches[0].rule) == "daily_loss_ratio" &&
              breaches[0].severity == TW_BREACH_CRITICAL && engine.state() == TW_STATE_HALTED,
          "period breach");
    try {
      engine.remove_kill_switch("ops", "x");
      check(false, "in memory: no KILL_SWITCH to remove");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_STATE, "remove_kill_switch status");
    }
    engine.kill("test", "cpp");
    check(engine.state() == TW_STATE_KILLED, "killed");
    check(engine.sync() == TW_STATE_KILLED, "sync without a state dir: the in-memory state");
    try {
      tradewarden::Engine::from_policy_file(dir + "/missing.toml", "", 1e6);
      check(false, "missing policy must throw");
    } catch (const tradewarden::Error &e) {
      check(e.status() == TW_ERR_NOT_FOUND && std::strstr(e.what(), "missing.toml") != nullptr,
            "missing policy status");
    }
    std::remove(policy.c_str());
  }

  std::printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
