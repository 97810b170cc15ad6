/* C tests of the predictor ABI (libtradewarden built with
   `--features inference`, header macro TRADEWARDEN_INFERENCE): the demo model
   predicts a known batch with the numbers the Rust API gives
   (bindings/c/src/inference.rs asserts C == Rust for the same rows); the
   PyTorch fixture crates/inference/tests/data/mlp_tiny.safetensors predicts
   PyTorch's values (mlp_tiny_expected.json) as point outputs and as softmax
   classes; hot swap and the version getter; every misuse gets its documented
   status and a message naming the parameter; the GRU and Transformer window
   models of crates/inference/tests/data (window_models.json: the Rust
   crate's outputs, which bindings/c/src/inference.rs also asserts bit for
   bit against the Rust API) through tw_predictor_load_burnpack and
   tw_predictor_predict_window, with every size misuse refused before the
   buffer is read. Built and run by scripts/test.d/40-c.sh.
   Argument: the directory of mlp_tiny.safetensors (the test data directory). */
#ifndef TRADEWARDEN_INFERENCE
#error "compile with -DTRADEWARDEN_INFERENCE (library built with --features inference)"
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

/* The call failed with `want` and the message mentions `needle`. */
#define CHECK_ERR(call, want, needle)                                                   \
  do {                                                                                  \
    tw_status st_ = (call);                                                             \
    CHECK(st_ == (want), "%s: status %d, want %d (%s)", #call, st_, (want), last_error()); \
    CHECK(strstr(last_error(), (needle)) != NULL, "%s: message '%s' lacks '%s'", #call, \
          last_error(), (needle));                                                      \
  } while (0)

static const char *TINY_CONFIG =
    "{\"input\": 5, \"hidden\": [8, 6], \"output\": 3, \"activation\": \"tanh\"}";
static const char *TINY_CLASSES =
    "{\"input\": 5, \"hidden\": [8, 6], \"output\": 3, \"activation\": \"tanh\", "
    "\"output_kind\": \"classes\"}";

/* The first two rows of mlp_tiny_expected.json and PyTorch's outputs. */
static const double TINY_X[10] = {
    -1.4144569635391235, 0.37605220079421997, -2.326096534729004, 0.2152479588985443,
    1.5611827373504639,  0.18597152829170227, -1.089491367340088, -0.17190134525299072,
    0.9515146017074585,  1.947226881980896};
static const double TINY_POINT[6] = {-0.11527181892293567, -0.11289323694853487,
                                     -0.11526172630116249, 0.014774338040535212,
                                     -0.42532561036203065, -0.0041121481577494345};
static const double TINY_SOFTMAX[6] = {0.33306782213302805, 0.333860994189427,
                                       0.333071183677545,   0.3809142460161312,
                                       0.24529812936236411, 0.3737876246215046};

/* The demo model's forecasts for the two rows of test_demo, as the Rust API
   computes them (bindings/c/src/inference.rs, test demo_matches_rust_api,
   asserts the same constants). */
#define DEMO_OUT0 (-0.000250976)
#define DEMO_OUT1 0.000651773
#define DEMO_TOL 1e-6

static void test_demo(void) {
  tw_predictor *p = NULL;
  tw_status st = tw_predictor_demo(&p);
  CHECK(st == TW_OK && p != NULL, "demo: %d %s", st, last_error());
  if (p == NULL) return;
  size_t nf = 0, no = 0;
  CHECK(tw_predictor_n_features(p, &nf) == TW_OK && nf == 4, "n_features %zu", nf);
  CHECK(tw_predictor_n_outputs(p, &no) == TW_OK && no == 1, "n_outputs %zu", no);
  char ver[64];
  size_t w = 0, need = 0;
  CHECK(tw_predictor_version(p, ver, sizeof ver, &w) == TW_OK && w == strlen(ver) && w > 0,
        "version: %s", last_error());
  CHECK(tw_predictor_version_length(p, &need) == TW_OK && need == w + 1, "version_length %zu", need);

  /* mom_5d, mom_20d, vol_20d, volume_z: the rows of the Rust unit test. */
  const double x[8] = {0.01, 0.03, 0.015, 0.5, -0.02, -0.05, 0.02, -1.0};
  float out[2] = {0}, again[2] = {0};
  st = tw_predictor_predict(p, x, 2, 4, out, 2);
  CHECK(st == TW_OK, "predict: %d %s", st, last_error());
  CHECK(isfinite(out[0]) && isfinite(out[1]), "finite: %g %g", out[0], out[1]);
  CHECK(fabs(out[0] - DEMO_OUT0) <= DEMO_TOL && fabs(out[1] - DEMO_OUT1) <= DEMO_TOL,
        "demo outputs %.9f %.9f, Rust gives %.9f %.9f", out[0], out[1], DEMO_OUT0, DEMO_OUT1);
  CHECK(out[0] != out[1], "two different rows give two different forecasts");
  /* the same input gives the same output; one row alone as in the batch */
  CHECK(tw_predictor_predict(p, x, 2, 4, again, 2) == TW_OK && memcmp(out, again, sizeof out) == 0,
        "deterministic");
  float one = 0;
  CHECK(tw_predictor_predict(p, x + 4, 1, 4, &one, 1) == TW_OK && fabsf(one - out[1]) <= 1e-6f,
        "row 1 alone %g vs %g", one, out[1]);

  /* misuse: status, message naming the parameter, out untouched */
  float keep[2] = {7.0f, 7.0f};
  CHECK_ERR(tw_predictor_predict(NULL, x, 2, 4, keep, 2), TW_ERR_NULL_ARGUMENT, "predictor");
  CHECK_ERR(tw_predictor_predict(p, NULL, 2, 4, keep, 2), TW_ERR_NULL_ARGUMENT, "features");
  CHECK_ERR(tw_predictor_predict(p, x, 2, 4, NULL, 2), TW_ERR_NULL_ARGUMENT, "out");
  CHECK_ERR(tw_predictor_predict(p, x, 2, 3, keep, 2), TW_ERR_INVALID_INPUT, "n_features = 3");
  CHECK_ERR(tw_predictor_predict(p, x, 0, 4, keep, 2), TW_ERR_INVALID_INPUT, "n_rows");
  CHECK_ERR(tw_predictor_predict(p, x, 2, 4, keep, 1), TW_ERR_BUFFER_TOO_SMALL, "out_len = 1");
  double bad[8];
  memcpy(bad, x, sizeof bad);
  bad[6] = NAN;
  CHECK_ERR(tw_predictor_predict(p, bad, 2, 4, keep, 2), TW_ERR_INVALID_INPUT, "features[1][2]");
  bad[6] = INFINITY;
  CHECK_ERR(tw_predictor_predict(p, bad, 2, 4, keep, 2), TW_ERR_INVALID_INPUT, "not finite");
  CHECK(keep[0] == 7.0f && keep[1] == 7.0f, "out written on failure");
  CHECK_ERR(tw_predictor_demo(NULL), TW_ERR_NULL_ARGUMENT, "out");
  CHECK_ERR(tw_predictor_n_features(p, NULL), TW_ERR_NULL_ARGUMENT, "out");
  CHECK_ERR(tw_predictor_n_outputs(NULL, &no), TW_ERR_NULL_ARGUMENT, "predictor");
  char tiny[2];
  w = 99;
  CHECK_ERR(tw_predictor_version(p, tiny, sizeof tiny, &w), TW_ERR_BUFFER_TOO_SMALL, "len = 2");
  CHECK(w == 99, "written untouched");
  CHECK_ERR(tw_predictor_version(p, NULL, 8, &w), TW_ERR_NULL_ARGUMENT, "buf");
  /* lengths that cannot be an array: an out_len whose byte size overflows,
     and n_rows × n_features (2^60 × 4) that fits size_t but not in bytes */
  CHECK_ERR(tw_predictor_predict(p, x, 2, 4, keep, SIZE_MAX), TW_ERR_INVALID_INPUT, "length of out");
  CHECK_ERR(tw_predictor_predict(p, x, (size_t)1 << 60, 4, keep, (size_t)PTRDIFF_MAX / 4), TW_ERR_INVALID_INPUT,
            "length of features");
  CHECK(keep[0] == 7.0f && keep[1] == 7.0f, "out written on failure");
  /* handles: another type's, a freed one, a double free */
  {
    tw_profile *prof = NULL;
    CHECK(tw_profile_new(&prof) == TW_OK, "profile");
    CHECK_ERR(tw_predictor_n_features((const tw_predictor *)(const void *)prof, &nf), TW_ERR_INVALID_INPUT,
              "not a live tw_predictor handle");
    tw_profile_free(prof);
  }
  tw_predictor_free(p);
#ifndef TW_NO_UAF_TESTS
  CHECK_ERR(tw_predictor_n_features(p, &nf), TW_ERR_INVALID_INPUT, "not a live tw_predictor handle");
  tw_predictor_free(p);
  CHECK(has("nothing freed"), "double free: %s", last_error());
#endif
  tw_predictor_free(NULL);
}

static void test_safetensors(const char *dir) {
  char path[4096], missing[4096];
  snprintf(path, sizeof path, "%s/mlp_tiny.safetensors", dir);
  snprintf(missing, sizeof missing, "%s/no_such_file.safetensors", dir);
  tw_predictor *p = NULL;
  tw_status st = tw_predictor_load_safetensors("tiny", "v1", path, TINY_CONFIG, &p);
  CHECK(st == TW_OK && p != NULL, "load: %d %s", st, last_error());
  if (p == NULL) return;
  float out[6];
  CHECK(tw_predictor_predict(p, TINY_X, 2, 5, out, 6) == TW_OK, "predict: %s", last_error());
  for (int i = 0; i < 6; i++)
    CHECK(fabs(out[i] - TINY_POINT[i]) <= 1e-5, "point[%d] = %.8f, PyTorch %.8f", i, out[i],
          TINY_POINT[i]);

  /* hot swap: same widths, new version; the old one keeps serving on error */
  char ver[32];
  size_t w = 0;
  st = tw_predictor_swap(p, "v2", path, TINY_CLASSES);
  CHECK(st == TW_OK, "swap: %d %s", st, last_error());
  CHECK(tw_predictor_version(p, ver, sizeof ver, &w) == TW_OK && strcmp(ver, "v2") == 0 && w == 2,
        "version after swap: %s", ver);
  CHECK(tw_predictor_predict(p, TINY_X, 2, 5, out, 6) == TW_OK, "predict v2: %s", last_error());
  for (int r = 0; r < 2; r++) {
    double sum = 0;
    for (int j = 0; j < 3; j++) {
      sum += out[r * 3 + j];
      CHECK(fabs(out[r * 3 + j] - TINY_SOFTMAX[r * 3 + j]) <= 1e-5, "softmax[%d] = %.8f, PyTorch %.8f",
            r * 3 + j, out[r * 3 + j], TINY_SOFTMAX[r * 3 + j]);
    }
    CHECK(fabs(sum - 1.0) <= 1e-5, "row %d probabilities sum to %.8f", r, sum);
  }
  CHECK_ERR(tw_predictor_swap(p, "v3", missing, TINY_CONFIG), TW_ERR_NOT_FOUND, "no_such_file");
  CHECK_ERR(tw_predictor_swap(p, "v3", path, "{\"input\": 5,"), TW_ERR_INVALID_CONFIG, "");
  CHECK_ERR(tw_predictor_swap(p, "v3", path, "{\"input\": 5, \"output\": 3, \"colour\": 1}"),
            TW_ERR_INVALID_CONFIG, "colour");
  /* tensors that do not fit the architecture */
  CHECK_ERR(tw_predictor_swap(p, "v3", path, "{\"input\": 5, \"hidden\": [8], \"output\": 3}"),
            TW_ERR_CORRUPT, "mlp_tiny");
  CHECK_ERR(tw_predictor_swap(p, NULL, path, TINY_CONFIG), TW_ERR_NULL_ARGUMENT, "version");
  CHECK_ERR(tw_predictor_swap(p, "v3", NULL, TINY_CONFIG), TW_ERR_NULL_ARGUMENT, "weights_path");
  CHECK_ERR(tw_predictor_swap(p, "v3", path, NULL), TW_ERR_NULL_ARGUMENT, "config_json");
  CHECK_ERR(tw_predictor_swap(NULL, "v3", path, TINY_CONFIG), TW_ERR_NULL_ARGUMENT, "predictor");
  CHECK(tw_predictor_version(p, ver, sizeof ver, &w) == TW_OK && strcmp(ver, "v2") == 0,
        "failed swaps keep v2 serving: %s", ver);
  tw_predictor_free(p);

  /* a swap to another width is refused */
  tw_predictor *d = NULL;
  CHECK(tw_predictor_demo(&d) == TW_OK, "demo: %s", last_error());
  CHECK_ERR(tw_predictor_swap(d, "tiny", path, TINY_CONFIG), TW_ERR_INVALID_INPUT, "model.input");
  tw_predictor_free(d);

  /* constructor misuse: out untouched */
  tw_predictor *q = (tw_predictor *)&checks;
  CHECK_ERR(tw_predictor_load_safetensors("tiny", "v1", missing, TINY_CONFIG, &q), TW_ERR_NOT_FOUND,
            "no_such_file");
  CHECK_ERR(tw_predictor_load_safetensors("tiny", "v1", path, "not json", &q), TW_ERR_INVALID_CONFIG,
            "");
  CHECK_ERR(tw_predictor_load_safetensors("tiny", "v1", path, "{\"input\": 0, \"output\": 3}", &q),
            TW_ERR_INVALID_CONFIG, "input");
  CHECK_ERR(tw_predictor_load_safetensors(NULL, "v1", path, TINY_CONFIG, &q), TW_ERR_NULL_ARGUMENT,
            "name");
  CHECK_ERR(tw_predictor_load_safetensors("tiny", NULL, path, TINY_CONFIG, &q), TW_ERR_NULL_ARGUMENT,
            "version");
  CHECK_ERR(tw_predictor_load_safetensors("tiny", "v1", path, TINY_CONFIG, NULL),
            TW_ERR_NULL_ARGUMENT, "out");
  CHECK(q == (tw_predictor *)&checks, "out written on failure");
}

/* crates/inference/tests/data/window_models.json: architectures, the 4
   windows (5 steps × 3 features: ((k * 29 % 31) - 15) / 8) and the Rust
   crate's outputs. They were computed on one CPU: compared within 1e-5. */
static const char *GRU_ARCH =
    "{\"kind\": \"gru\", \"input\": 3, \"window\": 5, \"hidden\": 6, \"layers\": 2, \"output\": 2, "
    "\"output_kind\": \"point\"}";
static const char *TRANSFORMER_ARCH =
    "{\"kind\": \"transformer\", \"input\": 3, \"window\": 5, \"d_model\": 8, \"n_heads\": 2, "
    "\"n_layers\": 1, \"d_ff\": 16, \"output\": 3, \"output_kind\": \"classes\", \"pooling\": \"mean\"}";
static const double GRU_OUT[8] = {-0.19160415, 0.7393659,   -0.20462607, 0.7540606,
                                  -0.19674967, 0.7398863,   -0.20802006, 0.75255126};
static const double TRANSFORMER_OUT[12] = {0.35402542, 0.34848502, 0.29748955, 0.3282309,
                                           0.36596206, 0.30580705, 0.36050823, 0.33302873,
                                           0.30646306, 0.3356217,  0.34989083, 0.31448746};

static void test_window_model(const char *dir, const char *file, const char *arch, const double *want,
                              size_t n_out) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  double x[4 * 5 * 3];
  for (int k = 0; k < 4 * 5 * 3; k++) x[k] = ((double)(k * 29 % 31) - 15.0) / 8.0;
  tw_predictor *p = NULL;
  tw_status st = tw_predictor_load_burnpack("seq", "v1", path, arch, &p);
  CHECK(st == TW_OK && p != NULL, "load %s: %d %s", file, st, last_error());
  if (p == NULL) return;
  size_t w = 0, nf = 0, no = 0, row = 0;
  CHECK(tw_predictor_window_shape(p, &w, &nf) == TW_OK && w == 5 && nf == 3, "window_shape %zu %zu", w, nf);
  CHECK(tw_predictor_n_outputs(p, &no) == TW_OK && no == n_out, "n_outputs %zu", no);
  CHECK(tw_predictor_n_features(p, &row) == TW_OK && row == 15, "row width %zu", row);
  float out[12] = {0}, flat[12] = {0}, one[3] = {0};
  st = tw_predictor_predict_window(p, x, 4, 5, 3, out, 4 * n_out);
  CHECK(st == TW_OK, "predict_window %s: %d %s", file, st, last_error());
  for (size_t i = 0; i < 4 * n_out; i++)
    CHECK(fabs(out[i] - want[i]) <= 1e-5, "%s[%zu] = %.8f, Rust %.8f", file, i, out[i], want[i]);
  /* the row entry point reads the same buffer as rows of 15 values */
  CHECK(tw_predictor_predict(p, x, 4, 15, flat, 4 * n_out) == TW_OK &&
            memcmp(flat, out, 4 * n_out * sizeof(float)) == 0,
        "flat rows give the same outputs");
  /* one window alone: that row of the batch */
  CHECK(tw_predictor_predict_window(p, x + 15, 1, 5, 3, one, n_out) == TW_OK, "one window: %s", last_error());
  for (size_t j = 0; j < n_out; j++)
    CHECK(fabsf(one[j] - out[n_out + j]) <= 1e-6f, "one window %.8f vs batch %.8f", one[j], out[n_out + j]);

  /* misuse: typed status, message naming the dimension, out untouched */
  float keep[12];
  for (int i = 0; i < 12; i++) keep[i] = 7.0f;
  CHECK_ERR(tw_predictor_predict_window(p, x, 4, 3, 5, keep, 12), TW_ERR_INVALID_INPUT, "window = 3");
  CHECK_ERR(tw_predictor_predict_window(p, x, 4, 5, 4, keep, 12), TW_ERR_INVALID_INPUT, "n_features = 4");
  CHECK_ERR(tw_predictor_predict_window(p, x, 4, SIZE_MAX, 2, keep, 12), TW_ERR_INVALID_INPUT, "overflows");
  CHECK_ERR(tw_predictor_predict_window(p, x, 0, 5, 3, keep, 12), TW_ERR_INVALID_INPUT, "n_rows = 0");
  CHECK_ERR(tw_predictor_predict_window(p, x, SIZE_MAX / 4, 5, 3, keep, 12), TW_ERR_INVALID_INPUT, "n_rows");
  CHECK_ERR(tw_predictor_predict_window(p, x, 4, 5, 3, keep, 4 * n_out - 1), TW_ERR_BUFFER_TOO_SMALL,
            "out_len");
  CHECK_ERR(tw_predictor_predict_window(p, x, 4, 5, 3, keep, SIZE_MAX), TW_ERR_INVALID_INPUT, "length of out");
  CHECK_ERR(tw_predictor_predict_window(p, NULL, 4, 5, 3, keep, 12), TW_ERR_NULL_ARGUMENT, "features");
  CHECK_ERR(tw_predictor_predict_window(p, x, 4, 5, 3, NULL, 12), TW_ERR_NULL_ARGUMENT, "out");
  CHECK_ERR(tw_predictor_predict_window(NULL, x, 4, 5, 3, keep, 12), TW_ERR_NULL_ARGUMENT, "predictor");
  double bad[4 * 5 * 3];
  memcpy(bad, x, sizeof bad);
  bad[(2 * 5 + 4) * 3 + 1] = NAN;
  CHECK_ERR(tw_predictor_predict_window(p, bad, 4, 5, 3, keep, 12), TW_ERR_INVALID_INPUT, "features[2][13]");
  for (int i = 0; i < 12; i++) CHECK(keep[i] == 7.0f, "out written on failure");
  CHECK_ERR(tw_predictor_window_shape(p, NULL, &nf), TW_ERR_NULL_ARGUMENT, "window");
  CHECK_ERR(tw_predictor_window_shape(p, &w, NULL), TW_ERR_NULL_ARGUMENT, "n_features");

  /* hot swap to the same weights as v2; failed swaps keep v2 serving */
  CHECK(tw_predictor_swap_burnpack(p, "v2", path, arch) == TW_OK, "swap: %s", last_error());
  CHECK_ERR(tw_predictor_swap_burnpack(p, "v3", path, "{\"kind\": \"lstm\"}"), TW_ERR_INVALID_CONFIG, "lstm");
  CHECK_ERR(tw_predictor_swap_burnpack(p, "v3", path, NULL), TW_ERR_NULL_ARGUMENT, "architecture_json");
  char ver[16];
  size_t vw = 0;
  CHECK(tw_predictor_version(p, ver, sizeof ver, &vw) == TW_OK && strcmp(ver, "v2") == 0, "version %s", ver);
  tw_predictor_free(p);
}

static void test_windows(const char *dir) {
  test_window_model(dir, "gru_window.bpk", GRU_ARCH, GRU_OUT, 2);
  test_window_model(dir, "transformer_window.bpk", TRANSFORMER_ARCH, TRANSFORMER_OUT, 3);
  char path[4096], tpath[4096];
  snprintf(path, sizeof path, "%s/gru_window.bpk", dir);
  snprintf(tpath, sizeof tpath, "%s/transformer_window.bpk", dir);
  tw_predictor *p = NULL;
  CHECK(tw_predictor_load_burnpack("seq", "v1", path, GRU_ARCH, &p) == TW_OK, "load: %s", last_error());
  if (p == NULL) return;
  /* another output width: refused; weights of another architecture: corrupt */
  CHECK_ERR(tw_predictor_swap_burnpack(p, "t", tpath, TRANSFORMER_ARCH), TW_ERR_INVALID_INPUT, "model.output");
  CHECK_ERR(tw_predictor_swap_burnpack(p, "t", tpath, GRU_ARCH), TW_ERR_CORRUPT, "transformer_window.bpk");
  tw_predictor_free(p);
  /* an MLP reads windows of one step */
  char tiny[4096];
  snprintf(tiny, sizeof tiny, "%s/mlp_tiny.safetensors", dir);
  tw_predictor *m = NULL;
  CHECK(tw_predictor_load_safetensors("tiny", "v1", tiny, TINY_CONFIG, &m) == TW_OK, "tiny: %s", last_error());
  if (m == NULL) return;
  size_t w = 0, nf = 0;
  CHECK(tw_predictor_window_shape(m, &w, &nf) == TW_OK && w == 1 && nf == 5, "mlp window %zu %zu", w, nf);
  float a[6], b[6];
  CHECK(tw_predictor_predict_window(m, TINY_X, 2, 1, 5, a, 6) == TW_OK, "mlp window: %s", last_error());
  CHECK(tw_predictor_predict(m, TINY_X, 2, 5, b, 6) == TW_OK && memcmp(a, b, sizeof a) == 0,
        "an MLP window of one step is a row");
  CHECK_ERR(tw_predictor_predict_window(m, TINY_X, 2, 5, 1, a, 6), TW_ERR_INVALID_INPUT, "window = 5");
  /* constructor misuse: out untouched */
  tw_predictor *q = (tw_predictor *)&checks;
  CHECK_ERR(tw_predictor_load_burnpack("seq", "v1", path, "{\"kind\": \"gru\", \"input\": 3}", &q),
            TW_ERR_INVALID_CONFIG, "window");
  CHECK_ERR(tw_predictor_load_burnpack("seq", "v1", tiny, GRU_ARCH, &q), TW_ERR_CORRUPT, "mlp_tiny");
  CHECK_ERR(tw_predictor_load_burnpack("seq", "v1", path, GRU_ARCH, NULL), TW_ERR_NULL_ARGUMENT, "out");
  CHECK(q == (tw_predictor *)&checks, "out written on failure");
  tw_predictor_free(m);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DIR_OF_mlp_tiny.safetensors\n", argv[0]);
    return 2;
  }
  test_demo();
  test_safetensors(argv[1]);
  test_windows(argv[1]);
  printf("test_inference: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
