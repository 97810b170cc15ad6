// A C++ trading engine's use of tradewarden through the installed package
// (find_package(tradewarden), see CMakeLists.txt):
//   1. installs the metrics recorder (the engine serves the text itself),
//   2. loads a pre-trade policy and checks orders in a loop, applying fills,
//   3. computes a Sharpe ratio and a two-sample KS drift test on returns,
//   4. freezes a reference profile of the first half, watches the second
//      half with a live monitor (rolling-window PSI, emitted as metrics) and
//      computes a drift report (JSON for the logs),
//   5. with a STATE_DIR, records the drift in the audit journal there and
//      verifies the journal,
//   6. prints the Prometheus text exposition.
//
// Usage: engine POLICY.toml [STATE_DIR]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tradewarden.hpp"

namespace {

// Deterministic pseudo-random numbers (splitmix64), so runs are reproducible.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

struct Instrument {
  const char *name;
  double price;
  uint32_t id;
};

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s POLICY.toml [STATE_DIR]\n", argv[0]);
    return 2;
  }
  const std::string policy = argv[1];
  const std::string state_dir = argc > 2 ? argv[2] : "";
  try {
    std::printf("tradewarden %s\n", tradewarden::version().c_str());
    tradewarden::metrics_install();  // before the engine, so its counters bind to it

    auto engine = tradewarden::Engine::from_policy_file(policy, state_dir, 1'000'000.0);
    if (engine.state() != TW_STATE_ACTIVE) {
      // A fresh (or halted) state directory never starts ACTIVE: a named reset.
      engine.reset(TW_STATE_ACTIVE, "example", "start of session");
    }
    std::vector<Instrument> book{{"AAPL", 190.0, 0}, {"MSFT", 410.0, 0}, {"ES", 5200.0, 0}};
    for (auto &i : book) i.id = engine.symbol_id(i.name);

    // The hot loop: one check per order, fills for what may be sent.
    Rng rng{42};
    std::map<std::string, int> outcomes;
    double t = 1'700'000'000.0;
    const int n_orders = 5000;
    for (int k = 0; k < n_orders; ++k) {
      Instrument &ins = book[rng.next() % book.size()];
      t += 0.001 + 0.01 * rng.uniform();
      tw_order o{};
      o.symbol = ins.id;
      o.side = rng.uniform() < 0.5 ? TW_SIDE_BUY : TW_SIDE_SELL;
      o.quantity = std::floor(1.0 + 300.0 * rng.uniform());
      o.reference_price = ins.price;
      o.price = ins.price * (1.0 + 0.05 * (rng.uniform() - 0.5));  // some outside the 2 % band
      o.data_timestamp = t - 0.2;
      o.timestamp = t;
      o.confidence = 0.4 + 0.6 * rng.uniform();
      tw_decision d = engine.check_order(o);
      if (d.decision == TW_DECISION_ALLOW) {
        outcomes["allow"]++;
      } else {
        outcomes[(d.decision == TW_DECISION_CLIP ? "clip: " : "deny: ") + tradewarden::reason_name(d.reason)]++;
      }
      if (d.quantity > 0.0) {
        engine.on_fill(o.symbol, o.side, d.quantity, o.price);
        ins.price = o.price;  // the fill moves the market a little
      }
    }
    std::printf("\n%d orders checked:\n", n_orders);
    for (const auto &kv : outcomes) std::printf("  %-32s %5d\n", kv.first.c_str(), kv.second);
    for (const auto &i : book) std::printf("  position %-5s %10.0f\n", i.name, engine.position(i.id));
    std::printf("  gross exposure %.0f\n", engine.gross_exposure());

    // Daily returns of the strategy: Sharpe, and did the second half drift?
    std::vector<double> returns(500);
    for (auto &r : returns) r = 0.0005 + 0.01 * (rng.uniform() + rng.uniform() + rng.uniform() - 1.5);
    for (size_t i = 250; i < returns.size(); ++i) returns[i] = returns[i] * 1.8 - 0.001;  // regime change
    const double sharpe = tradewarden::sharpe_ratio(returns);
    std::vector<double> first(returns.begin(), returns.begin() + 250);
    std::vector<double> second(returns.begin() + 250, returns.end());
    const auto ks = tradewarden::ks_2samp(first, second);
    std::printf("\nSharpe ratio (annualised, 252): %.4f\n", sharpe);
    std::printf("KS first vs second half: D = %.4f, p = %.3g%s\n", ks.statistic, ks.pvalue,
                ks.pvalue < 0.05 ? "  -> drift" : "");

    // Reference profile of the first half; the second half streams through a
    // live monitor (as a trading engine would push each day's return).
    tradewarden::Profile reference;
    reference.fit("daily_return", first);
    tw_monitor_options mo = tradewarden::monitor_options();
    mo.window = 200;
    mo.min_values = 100;
    tradewarden::Monitor monitor(reference, mo);
    for (double r : second) monitor.push("daily_return", &r, 1);
    const tw_live_score live = monitor.score("daily_return");
    monitor.emit();  // drift_score{feature="daily_return",method="psi"} in the exposition
    std::printf("live PSI (last %llu days): %.4f, severity %s%s\n", static_cast<unsigned long long>(live.n),
                live.psi, tradewarden::severity_name(live.severity).c_str(), live.drift ? "  -> drift" : "");
    const auto report = tradewarden::Report::compute(reference, {{"daily_return", second}});
    const tw_feature_drift f = report.feature("daily_return");
    std::printf("drift report: method %s, statistic %.4f, drifted %zu of %zu features\n",
                tradewarden::method_name(f.method).c_str(), f.statistic, report.summary().n_drifted,
                report.feature_count());
    std::printf("report JSON: %zu bytes\n", report.to_json().size());
    if (!state_dir.empty()) {
      const std::string journal_dir = state_dir + "/journal";
      {
        tradewarden::Journal journal(journal_dir);
        if (f.drift) {
          journal.append("violation", "{\"rule\": \"daily_return_drift\", \"value\": " + std::to_string(f.statistic) +
                                          ", \"threshold\": null}");
        }
        journal.record_approval("example", "end of session review", "session report");
      }
      const auto check = tradewarden::Journal::verify(journal_dir);
      std::printf("journal: %llu records, %llu torn lines\n", static_cast<unsigned long long>(check.entries),
                  static_cast<unsigned long long>(check.skipped));
    }

    if (outcomes["allow"] == 0) {
      std::fprintf(stderr, "no order was allowed: check the policy\n");
      return 1;
    }
    std::printf("\n# metrics text (serve it on the engine's /metrics)\n%s",
                tradewarden::metrics_render().c_str());
  } catch (const tradewarden::Error &e) {
    std::fprintf(stderr, "tradewarden error %d: %s\n", e.status(), e.what());
    return 1;
  }
  return 0;
}
