/* C tests of PyTorch-generated weights (libtradewarden built with
   `--features inference`): every case of
   crates/inference/tests/fixtures/torch (make_fixtures.py, torch 2.5.1; the
   constants in its generated expected.h) loads with
   tw_predictor_load_safetensors under torch's own key names (nn.ModuleList
   and nn.Sequential MLPs, nn.GRU, nn.TransformerEncoder; F32, F16, BF16) and
   predicts torch's outputs within |ours - torch| <= 1e-5 + 1e-5 |torch|; the
   GRU and the Transformer are registered from the same files
   (tw_registry_register_safetensors), promoted and served from the registry
   with the same outputs; burnpack window models register with
   tw_registry_register_burnpack; a state dict that does not fit is
   TW_ERR_CORRUPT naming the torch key. Built and run by
   scripts/test.d/40-c.sh (plain and sanitized).
   Arguments: the torch fixtures directory, crates/inference/tests/data, a
   writable scratch directory. */
#ifndef TRADEWARDEN_INFERENCE
#error "compile with -DTRADEWARDEN_INFERENCE (library built with --features inference)"
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"
#include "expected.h"

static char path_buf[4096];

static const char *join(const char *dir, const char *file) {
  snprintf(path_buf, sizeof path_buf, "%s/%s", dir, file);
  return path_buf;
}

/* Predicts the case's inputs with `p` and compares with torch's outputs. */
static void predicts_torch(const tw_predictor *p, const tw_torch_case *c, const char *what) {
  float out[64];
  size_t n_out = c->n_rows * c->n_outputs;
  CHECK(n_out <= 64, "%s: too many outputs", c->name);
  if (n_out > 64) return;
  tw_status st = tw_predictor_predict_window(p, c->inputs, c->n_rows, c->window, c->n_features, out, n_out);
  CHECK(st == TW_OK, "%s %s: predict_window %d (%s)", c->name, what, st, last_error());
  if (st != TW_OK) return;
  double worst = 0.0;
  for (size_t i = 0; i < n_out; i++) {
    double d = fabs((double)out[i] - c->outputs[i]);
    CHECK(d <= 1e-5 + 1e-5 * fabs(c->outputs[i]), "%s %s[%zu]: ours %.9g, torch %.9g", c->name, what, i,
          (double)out[i], c->outputs[i]);
    if (d > worst) worst = d;
  }
  printf("  %-18s %-10s max |ours - torch| = %.3g\n", c->name, what, worst);
}

static const tw_torch_case *find(const char *name) {
  for (size_t i = 0; i < TW_TORCH_N_CASES; i++)
    if (strcmp(TW_TORCH_CASES[i].name, name) == 0) return &TW_TORCH_CASES[i];
  return NULL;
}

static void test_every_case(const char *dir) {
  for (size_t i = 0; i < TW_TORCH_N_CASES; i++) {
    const tw_torch_case *c = &TW_TORCH_CASES[i];
    CHECK(c->n_inputs == c->n_rows * c->window * c->n_features, "%s: input size", c->name);
    tw_predictor *p = NULL;
    tw_status st = tw_predictor_load_safetensors("torch", "v1", join(dir, c->file), c->architecture, &p);
    CHECK(st == TW_OK && p != NULL, "%s: load %d (%s)", c->name, st, last_error());
    if (p == NULL) continue;
    size_t window = 0, n_features = 0;
    CHECK(tw_predictor_window_shape(p, &window, &n_features) == TW_OK && window == c->window &&
              n_features == c->n_features,
          "%s: window shape %zu x %zu", c->name, window, n_features);
    predicts_torch(p, c, "load");
    tw_predictor_free(p);
  }
}

static void test_registry(const char *dir, const char *data, const char *scratch) {
  char root[4096];
  snprintf(root, sizeof root, "%s/registry", scratch);
  tw_registry *r = NULL;
  CHECK(tw_registry_open(root, &r) == TW_OK, "open: %s", last_error());
  if (r == NULL) return;
  const char *names[2] = {"gru", "transformer_mean"};
  for (int k = 0; k < 2; k++) {
    const tw_torch_case *c = find(names[k]);
    CHECK(c != NULL, "case %s", names[k]);
    if (c == NULL) continue;
    tw_status st = tw_registry_register_safetensors(r, c->name, "v1", join(dir, c->file), c->architecture);
    CHECK(st == TW_OK, "%s: register %d (%s)", c->name, st, last_error());
    st = tw_registry_promote(r, c->name, "v1");
    CHECK(st == TW_OK, "%s: promote %d (%s)", c->name, st, last_error());
    tw_predictor *p = NULL;
    st = tw_registry_load_active(r, c->name, &p);
    CHECK(st == TW_OK && p != NULL, "%s: load_active %d (%s)", c->name, st, last_error());
    if (p == NULL) continue;
    predicts_torch(p, c, "registry");
    tw_predictor_free(p);
  }

  /* A state dict that does not fit: nothing registered, the torch key named. */
  const tw_torch_case *gru = find("gru");
  if (gru != NULL) {
    tw_status st = tw_registry_register_safetensors(r, "bad", "v1", join(dir, "transformer.safetensors"),
                                                    gru->architecture);
    CHECK(st == TW_ERR_CORRUPT && has("gru.weight_ih_l0"), "misfit: %d (%s)", st, last_error());
    size_t n = 99;
    CHECK(tw_registry_version_count(r, "bad", &n) != TW_OK || n == 0, "misfit registered %zu", n);
    tw_predictor *p = NULL;
    st = tw_predictor_load_safetensors("torch", "v1", join(dir, "mlp.safetensors"), gru->architecture, &p);
    CHECK(st == TW_ERR_CORRUPT && p == NULL && has("gru.weight_ih_l0"), "mlp as gru: %d (%s)", st, last_error());
    st = tw_registry_register_safetensors(r, "bad", "v1", join(dir, "gru.safetensors"), "{\"kind\": \"lstm\"}");
    CHECK(st == TW_ERR_INVALID_CONFIG, "bad kind: %d (%s)", st, last_error());
  }

  /* Burnpack weights of a window model register too (the committed
     tests/data/gru_window.bpk): the registry serves what the file serves. */
  static const char *GRU_BPK_ARCH =
      "{\"kind\": \"gru\", \"input\": 3, \"window\": 5, \"hidden\": 6, \"layers\": 2, \"output\": 2, "
      "\"output_kind\": \"point\"}";
  char bpk[4096];
  snprintf(bpk, sizeof bpk, "%s/gru_window.bpk", data);
  tw_status st = tw_registry_register_burnpack(r, "gru_bpk", "v1", bpk, GRU_BPK_ARCH);
  CHECK(st == TW_OK, "register_burnpack %d (%s)", st, last_error());
  CHECK(tw_registry_promote(r, "gru_bpk", "v1") == TW_OK, "promote bpk: %s", last_error());
  tw_predictor *from_reg = NULL, *from_file = NULL;
  CHECK(tw_registry_load_active(r, "gru_bpk", &from_reg) == TW_OK, "load_active bpk: %s", last_error());
  CHECK(tw_predictor_load_burnpack("gru", "v1", bpk, GRU_BPK_ARCH, &from_file) == TW_OK, "load bpk: %s",
        last_error());
  if (from_reg != NULL && from_file != NULL) {
    double x[2 * 5 * 3];
    for (size_t i = 0; i < 30; i++) x[i] = 0.125 * (double)((int)(i % 7) - 3);
    float a[4], b[4];
    CHECK(tw_predictor_predict_window(from_reg, x, 2, 5, 3, a, 4) == TW_OK, "predict reg: %s", last_error());
    CHECK(tw_predictor_predict_window(from_file, x, 2, 5, 3, b, 4) == TW_OK, "predict file: %s", last_error());
    CHECK(memcmp(a, b, sizeof a) == 0, "registry and file differ");
  }
  tw_predictor_free(from_reg);
  tw_predictor_free(from_file);
  /* misuse: NULL architecture, missing file */
  st = tw_registry_register_burnpack(r, "gru_bpk", "v2", bpk, NULL);
  CHECK(st == TW_ERR_NULL_ARGUMENT && has("architecture_json"), "NULL arch: %d (%s)", st, last_error());
  st = tw_registry_register_burnpack(r, "gru_bpk", "v2", join(dir, "nope.bpk"), GRU_BPK_ARCH);
  CHECK(st == TW_ERR_NOT_FOUND, "missing file: %d (%s)", st, last_error());
  tw_registry_free(r);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s TORCH_FIXTURES_DIR TEST_DATA_DIR SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  test_every_case(argv[1]);
  test_registry(argv[1], argv[2], argv[3]);
  printf("test_torch_fixtures: %d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
