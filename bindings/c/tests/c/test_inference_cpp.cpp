// C++ test of tradewarden::Predictor (tradewarden.hpp, TRADEWARDEN_INFERENCE):
// the demo forecasts of test_inference.c, errors as tradewarden::Error with
// the status, load + hot swap + version. Built and run by
// scripts/test.d/40-c.sh. Argument: the directory of mlp_tiny.safetensors.
#ifndef TRADEWARDEN_INFERENCE
#error "compile with -DTRADEWARDEN_INFERENCE (library built with --features inference)"
#endif
#include <cmath>
#include <cstdio>
#include <string>
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

  std::printf("test_inference_cpp: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
