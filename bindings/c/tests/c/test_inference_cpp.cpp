// C++ test of tradewarden::Predictor (tradewarden.hpp, TRADEWARDEN_INFERENCE):
// the demo forecasts of test_inference.c, errors as tradewarden::Error with
// the status, load + hot swap + version. Built and run by
// scripts/test.d/40-c.sh. Arguments: the directory of mlp_tiny.safetensors
// and (optional) a writable scratch directory for the Registry test.
#ifndef TRADEWARDEN_INFERENCE
#error "compile with -DTRADEWARDEN_INFERENCE (library built with --features inference)"
#endif
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tradewarden.hpp"

static int failures = 0;
#define CHECK(cond)                                                     \
  do {                                                                  \
    if (!(cond)) {                                                      \
      failures++;                                                       \
      std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                   \
  } while (0)

template <class F>
static tw_status status_of(F f) {
  try {
    f();
  } catch (const tradewarden::Error &e) {
    return e.status();
  }
  return TW_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OF_mlp_tiny.safetensors\n", argv[0]);
    return 2;
  }
  const std::string weights = std::string(argv[1]) + "/mlp_tiny.safetensors";
  const std::string config = R"({"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh"})";

  auto demo = tradewarden::Predictor::demo();
  CHECK(demo.n_features() == 4 && demo.n_outputs() == 1);
  auto out = demo.predict({0.01, 0.03, 0.015, 0.5, -0.02, -0.05, 0.02, -1.0});
  CHECK(out.size() == 2);
  CHECK(out.size() == 2 && std::fabs(out[0] - (-0.000250976)) <= 1e-6 &&
        std::fabs(out[1] - 0.000651773) <= 1e-6);
  CHECK(!demo.version().empty());
  CHECK(status_of([&] { demo.predict({1.0, 2.0, 3.0}); }) == TW_ERR_INVALID_INPUT);
  CHECK(status_of([&] { demo.predict({NAN, 0.0, 0.0, 0.0}); }) == TW_ERR_INVALID_INPUT);
  CHECK(status_of([&] { demo.swap("x", weights, config); }) == TW_ERR_INVALID_INPUT);

  auto tiny = tradewarden::Predictor::load_safetensors("tiny", "v1", weights, config);
  CHECK(tiny.version() == "v1");
  tiny.swap("v2-with-a-longer-tag", weights, config);
  CHECK(tiny.version() == "v2-with-a-longer-tag");
  CHECK(status_of([&] { tiny.swap("v3", weights + ".missing", config); }) == TW_ERR_NOT_FOUND);
  CHECK(status_of([&] { tradewarden::Predictor::load_safetensors("t", "v", weights, "{"); }) ==
        TW_ERR_INVALID_CONFIG);
  CHECK(tiny.predict(std::vector<double>(10, 0.5)).size() == 6);

  // a GRU over windows (crates/inference/tests/data/window_models.json)
  const std::string gru_arch =
      R"({"kind": "gru", "input": 3, "window": 5, "hidden": 6, "layers": 2, "output": 2})";
  auto gru = tradewarden::Predictor::load_burnpack("seq", "v1", std::string(argv[1]) + "/gru_window.bpk",
                                                   gru_arch);
  CHECK(gru.window_shape() == std::make_pair(size_t{5}, size_t{3}) && gru.n_features() == 15);
  std::vector<double> windows(4 * 5 * 3);
  for (size_t k = 0; k < windows.size(); k++) windows[k] = (double(k * 29 % 31) - 15.0) / 8.0;
  auto yw = gru.predict_window(windows, 5, 3);
  const double gru_out[8] = {-0.19160415, 0.7393659, -0.20462607, 0.7540606,
                             -0.19674967, 0.7398863, -0.20802006, 0.75255126};
  CHECK(yw.size() == 8);
  for (size_t i = 0; i < yw.size() && i < 8; i++) CHECK(std::fabs(yw[i] - gru_out[i]) <= 1e-5);
  CHECK(gru.predict(windows) == yw);  // flat rows of window × features
  CHECK(status_of([&] { gru.predict_window(windows, 3, 5); }) == TW_ERR_INVALID_INPUT);
  CHECK(status_of([&] { gru.predict_window(windows, 4, 4); }) == TW_ERR_INVALID_INPUT);
  gru.swap_burnpack("v2", std::string(argv[1]) + "/gru_window.bpk", gru_arch);
  CHECK(gru.version() == "v2" && gru.predict_window(windows, 5, 3) == yw);

  // the registry: register, promote, rollback, load the active version
  if (argc > 2) {
    const std::string classes =
        R"({"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh", "output_kind": "classes"})";
    tradewarden::Registry reg(std::string(argv[2]) + "/registry");
    CHECK(reg.versions("tiny").empty());
    CHECK(status_of([&] { reg.active_version("tiny"); }) == TW_ERR_NOT_FOUND);
    reg.register_safetensors("tiny", "v1", weights, config);
    reg.register_safetensors("tiny", "v2", weights, classes);
    CHECK((reg.versions("tiny") == std::vector<std::string>{"v1", "v2"}));
    reg.promote("tiny", "v1");
    reg.promote("tiny", "v2");
    CHECK(reg.active_version("tiny") == "v2");
    reg.rollback("tiny");
    CHECK(reg.active_version("tiny") == "v1");
    auto served = reg.load_active("tiny");
    auto direct = tradewarden::Predictor::load_safetensors("tiny", "v1", weights, config);
    std::vector<double> x(10, 0.25);
    CHECK(served.version() == "v1" && served.predict(x) == direct.predict(x));
    CHECK(status_of([&] { reg.rollback("tiny"); }) == TW_ERR_STATE);
    reg.promote("tiny", "v2");
    reg.swap_active("tiny", served);
    CHECK(served.version() == "v2");
    CHECK(status_of([&] { reg.swap_active("tiny", demo); }) == TW_ERR_INVALID_INPUT);
    CHECK(status_of([&] { reg.register_safetensors("tiny", "v1", weights, config); }) == TW_ERR_STATE);
    CHECK(status_of([&] { reg.promote("tiny", "v9"); }) == TW_ERR_NOT_FOUND);
    // a window model registers from burnpack and serves what the file serves
    reg.register_burnpack("seq", "v1", std::string(argv[1]) + "/gru_window.bpk", gru_arch);
    reg.promote("seq", "v1");
    auto seq = reg.load_active("seq");
    CHECK(seq.predict_window(windows, 5, 3) == yw);
    CHECK(status_of([&] { reg.register_burnpack("seq", "v2", weights, gru_arch); }) == TW_ERR_CORRUPT);

    // signatures: with a verifying key, only versions signed by its private half load
    const std::string dir = std::string(argv[2]);
    auto write = [](const std::string &path, const char *text) {
      std::FILE *f = std::fopen(path.c_str(), "wb");
      CHECK(f != nullptr);
      if (f != nullptr) {
        std::fputs(text, f);
        std::fclose(f);
      }
    };
    // private key 0x11 * 32 and its RFC 8032 public half (as test_registry.c)
    write(dir + "/cpp.key", "1111111111111111111111111111111111111111111111111111111111111111\n");
    write(dir + "/cpp.pub", "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737\n");
    reg.register_safetensors_signed("tiny", "s1", weights, config, dir + "/cpp.key");
    auto verified = tradewarden::Registry::open_verified(dir + "/registry", dir + "/cpp.pub");
    CHECK(status_of([&] { verified.promote("tiny", "v1"); }) == TW_ERR_CORRUPT);  // unsigned
    verified.promote("tiny", "s1");
    CHECK(verified.active_version("tiny") == "s1");
    reg.sign("tiny", "v1", dir + "/cpp.key");
    verified.promote("tiny", "v1");
    CHECK(verified.active_version("tiny") == "v1");
  }

  std::printf("test_inference_cpp: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
