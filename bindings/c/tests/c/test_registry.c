/* C tests of the model registry ABI (libtradewarden built with
   `--features inference`, header macro TRADEWARDEN_INFERENCE): versions
   registered from the PyTorch fixture mlp_tiny.safetensors are listed,
   promoted, rolled back, and the active one loads into a tw_predictor that
   predicts PyTorch's values (mlp_tiny_expected.json; the same constants as
   test_inference.c) after the burnpack round trip; a tampered checkpoint is
   refused with TW_ERR_CORRUPT; every misuse gets its documented status and
   a message naming the parameter. Built and run by scripts/test.d/40-c.sh,
   also under -fsanitize=address,undefined.
   Arguments: the directory of mlp_tiny.safetensors, a writable scratch directory. */
#ifndef TRADEWARDEN_INFERENCE
#error "compile with -DTRADEWARDEN_INFERENCE (library built with --features inference)"
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewarden.h"
#include "check.h"

/* The call failed with `want` and the message mentions `needle`. */
#define CHECK_ERR(call, want, needle)                                                          \
  do {                                                                                         \
    tw_status st_ = (call);                                                                    \
    CHECK(st_ == (want), "%s: status %d, want %d (%s)", #call, st_, (want), last_error());    \
    CHECK(strstr(last_error(), (needle)) != NULL, "%s: message '%s' lacks '%s'", #call,        \
          last_error(), (needle));                                                             \
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

static void active_is(tw_registry *r, const char *want) {
  char ver[129];
  size_t w = 0;
  tw_status st = tw_registry_active_version(r, "tiny", ver, sizeof ver, &w);
  CHECK(st == TW_OK && strcmp(ver, want) == 0 && w == strlen(want), "active %s, want %s (%d %s)", ver, want,
        st, last_error());
}

/* Loads the active version into a predictor and checks its outputs. */
static void predicts(tw_registry *r, const char *version, const double *want) {
  tw_predictor *p = NULL;
  float out[6];
  char ver[32];
  size_t w = 0;
  int i;
  CHECK(tw_registry_load_active(r, "tiny", &p) == TW_OK && p != NULL, "load_active: %s", last_error());
  if (p == NULL) return;
  CHECK(tw_predictor_version(p, ver, sizeof ver, &w) == TW_OK && strcmp(ver, version) == 0,
        "predictor version %s, want %s", ver, version);
  CHECK(tw_predictor_predict(p, TINY_X, 2, 5, out, 6) == TW_OK, "predict: %s", last_error());
  for (i = 0; i < 6; i++)
    CHECK(fabs(out[i] - want[i]) <= 1e-5, "%s out[%d] = %.8f, PyTorch %.8f", version, i, out[i], want[i]);
  tw_predictor_free(p);
}

static void test_lifecycle(const char *data, const char *scratch) {
  char weights[4096], root[4096], bpk[4300];
  tw_registry *r = NULL;
  tw_predictor *p = (tw_predictor *)&checks;
  size_t n = 99, w = 99;
  char name[8] = "zzzzzzz";
  snprintf(weights, sizeof weights, "%s/mlp_tiny.safetensors", data);
  snprintf(root, sizeof root, "%s/registry", scratch);

  CHECK(tw_registry_open(root, &r) == TW_OK && r != NULL, "open: %s", last_error());
  if (r == NULL) return;
  CHECK(tw_registry_version_count(r, "tiny", &n) == TW_OK && n == 0, "no versions yet: %zu", n);
  CHECK_ERR(tw_registry_active_version(r, "tiny", name, sizeof name, &w), TW_ERR_NOT_FOUND, "no active version");
  CHECK_ERR(tw_registry_load_active(r, "tiny", &p), TW_ERR_NOT_FOUND, "nothing was promoted");
  CHECK(p == (tw_predictor *)&checks && w == 99, "outs untouched");
  CHECK_ERR(tw_registry_rollback(r, "tiny"), TW_ERR_STATE, "last_good");

  CHECK(tw_registry_register_safetensors(r, "tiny", "v1", weights, TINY_CONFIG) == TW_OK, "register v1: %s",
        last_error());
  CHECK(tw_registry_register_safetensors(r, "tiny", "v2", weights, TINY_CLASSES) == TW_OK, "register v2: %s",
        last_error());
  CHECK(tw_registry_version_count(r, "tiny", &n) == TW_OK && n == 2, "2 versions: %zu", n);
  CHECK(tw_registry_version_name(r, "tiny", 0, name, sizeof name, &w) == TW_OK && strcmp(name, "v1") == 0 && w == 2,
        "version 0 = %s", name);
  CHECK(tw_registry_version_name(r, "tiny", 1, name, sizeof name, &w) == TW_OK && strcmp(name, "v2") == 0,
        "version 1 = %s", name);
  w = 99;
  CHECK_ERR(tw_registry_version_name(r, "tiny", 2, name, sizeof name, &w), TW_ERR_NOT_FOUND, "index = 2");
  CHECK_ERR(tw_registry_version_name(r, "tiny", 0, name, 2, &w), TW_ERR_BUFFER_TOO_SMALL, "len = 2");
  CHECK(w == 99 && strcmp(name, "v2") == 0, "nothing written on error");

  /* immutable versions, bad names */
  CHECK_ERR(tw_registry_register_safetensors(r, "tiny", "v1", weights, TINY_CONFIG), TW_ERR_STATE,
            "already registered");
  CHECK_ERR(tw_registry_register_safetensors(r, "a/b", "v1", weights, TINY_CONFIG), TW_ERR_INVALID_INPUT, "name");
  CHECK_ERR(tw_registry_register_safetensors(r, "tiny", "..", weights, TINY_CONFIG), TW_ERR_INVALID_INPUT,
            "version");
  CHECK_ERR(tw_registry_register_safetensors(r, "tiny", "v9", "/nonexistent/w.safetensors", TINY_CONFIG),
            TW_ERR_NOT_FOUND, "w.safetensors");
  CHECK_ERR(tw_registry_register_safetensors(r, "tiny", "v9", weights, "{\"input\": 5,"), TW_ERR_INVALID_CONFIG,
            "");
  CHECK(tw_registry_version_count(r, "tiny", &n) == TW_OK && n == 2, "failed registrations add nothing: %zu", n);

  /* promote v1, then v2; rollback returns to v1 */
  CHECK(tw_registry_promote(r, "tiny", "v1") == TW_OK, "promote v1: %s", last_error());
  active_is(r, "v1");
  predicts(r, "v1", TINY_POINT);
  CHECK(tw_registry_promote(r, "tiny", "v2") == TW_OK, "promote v2: %s", last_error());
  active_is(r, "v2");
  predicts(r, "v2", TINY_SOFTMAX);
  CHECK(tw_registry_rollback(r, "tiny") == TW_OK, "rollback: %s", last_error());
  active_is(r, "v1");
  predicts(r, "v1", TINY_POINT);
  CHECK_ERR(tw_registry_rollback(r, "tiny"), TW_ERR_STATE, "already active");
  CHECK_ERR(tw_registry_promote(r, "tiny", "v9"), TW_ERR_NOT_FOUND, "v9");

  /* hot swap of a serving predictor to the active version */
  {
    tw_predictor *live = NULL, *demo = NULL;
    float out[6];
    char ver[32];
    size_t vw = 0;
    int i;
    CHECK(tw_registry_load_active(r, "tiny", &live) == TW_OK && live != NULL, "load live: %s", last_error());
    CHECK(tw_registry_promote(r, "tiny", "v2") == TW_OK, "promote v2 again: %s", last_error());
    CHECK(tw_registry_swap_active(r, "tiny", live) == TW_OK, "swap_active: %s", last_error());
    CHECK(tw_predictor_version(live, ver, sizeof ver, &vw) == TW_OK && strcmp(ver, "v2") == 0, "swapped to %s", ver);
    CHECK(tw_predictor_predict(live, TINY_X, 2, 5, out, 6) == TW_OK, "predict after swap");
    for (i = 0; i < 6; i++)
      CHECK(fabs(out[i] - TINY_SOFTMAX[i]) <= 1e-5, "swapped out[%d] = %.8f, PyTorch %.8f", i, out[i], TINY_SOFTMAX[i]);
    CHECK(tw_registry_rollback(r, "tiny") == TW_OK, "rollback again: %s", last_error());
    CHECK(tw_registry_swap_active(r, "tiny", live) == TW_OK, "swap back: %s", last_error());
    CHECK(tw_predictor_version(live, ver, sizeof ver, &vw) == TW_OK && strcmp(ver, "v1") == 0, "back to %s", ver);
    CHECK(tw_predictor_predict(live, TINY_X, 2, 5, out, 6) == TW_OK, "predict after swap back");
    for (i = 0; i < 6; i++)
      CHECK(fabs(out[i] - TINY_POINT[i]) <= 1e-5, "swapped back out[%d] = %.8f, PyTorch %.8f", i, out[i],
            TINY_POINT[i]);
    /* another width is refused; nothing promoted; NULLs: v1 keeps serving */
    CHECK(tw_predictor_demo(&demo) == TW_OK, "demo");
    CHECK_ERR(tw_registry_swap_active(r, "tiny", demo), TW_ERR_INVALID_INPUT, "model.input");
    CHECK_ERR(tw_registry_swap_active(r, "ghost", live), TW_ERR_NOT_FOUND, "ghost");
    CHECK_ERR(tw_registry_swap_active(NULL, "tiny", live), TW_ERR_NULL_ARGUMENT, "registry");
    CHECK_ERR(tw_registry_swap_active(r, NULL, live), TW_ERR_NULL_ARGUMENT, "name");
    CHECK_ERR(tw_registry_swap_active(r, "tiny", NULL), TW_ERR_NULL_ARGUMENT, "predictor");
    CHECK(tw_predictor_version(live, ver, sizeof ver, &vw) == TW_OK && strcmp(ver, "v1") == 0, "still %s", ver);
    tw_predictor_free(demo);
    tw_predictor_free(live);
  }

  /* a tampered checkpoint is refused and v1 keeps serving */
  snprintf(bpk, sizeof bpk, "%s/tiny/versions/v2/weights.bpk", root);
  {
    FILE *f = fopen(bpk, "r+b");
    CHECK(f != NULL, "open %s", bpk);
    if (f != NULL) {
      int c;
      fseek(f, 100, SEEK_SET);
      c = fgetc(f);
      fseek(f, 100, SEEK_SET);
      fputc(c ^ 0xFF, f);
      fclose(f);
    }
  }
  CHECK_ERR(tw_registry_promote(r, "tiny", "v2"), TW_ERR_CORRUPT, "weights.bpk");
  active_is(r, "v1");

  /* NULL arguments */
  CHECK_ERR(tw_registry_open(NULL, &r), TW_ERR_NULL_ARGUMENT, "root");
  CHECK_ERR(tw_registry_open(root, NULL), TW_ERR_NULL_ARGUMENT, "out");
  CHECK_ERR(tw_registry_register_safetensors(NULL, "tiny", "v3", weights, TINY_CONFIG), TW_ERR_NULL_ARGUMENT,
            "registry");
  CHECK_ERR(tw_registry_register_safetensors(r, NULL, "v3", weights, TINY_CONFIG), TW_ERR_NULL_ARGUMENT, "name");
  CHECK_ERR(tw_registry_register_safetensors(r, "tiny", NULL, weights, TINY_CONFIG), TW_ERR_NULL_ARGUMENT,
            "version");
  CHECK_ERR(tw_registry_register_safetensors(r, "tiny", "v3", NULL, TINY_CONFIG), TW_ERR_NULL_ARGUMENT,
            "weights_path");
  CHECK_ERR(tw_registry_register_safetensors(r, "tiny", "v3", weights, NULL), TW_ERR_NULL_ARGUMENT,
            "config_json");
  CHECK_ERR(tw_registry_promote(r, "tiny", NULL), TW_ERR_NULL_ARGUMENT, "version");
  CHECK_ERR(tw_registry_promote(NULL, "tiny", "v1"), TW_ERR_NULL_ARGUMENT, "registry");
  CHECK_ERR(tw_registry_rollback(r, NULL), TW_ERR_NULL_ARGUMENT, "name");
  CHECK_ERR(tw_registry_active_version(r, "tiny", NULL, 8, &w), TW_ERR_NULL_ARGUMENT, "buf");
  CHECK_ERR(tw_registry_active_version(r, "tiny", name, sizeof name, NULL), TW_ERR_NULL_ARGUMENT, "written");
  CHECK_ERR(tw_registry_active_version(r, "tiny", name, 0, &w), TW_ERR_BUFFER_TOO_SMALL, "len = 0");
  CHECK_ERR(tw_registry_version_count(r, "tiny", NULL), TW_ERR_NULL_ARGUMENT, "out");
  CHECK_ERR(tw_registry_version_count(r, NULL, &n), TW_ERR_NULL_ARGUMENT, "name");
  CHECK_ERR(tw_registry_version_name(NULL, "tiny", 0, name, sizeof name, &w), TW_ERR_NULL_ARGUMENT, "registry");
  CHECK_ERR(tw_registry_load_active(r, "tiny", NULL), TW_ERR_NULL_ARGUMENT, "out");
  CHECK_ERR(tw_registry_load_active(r, "a/b", &p), TW_ERR_INVALID_INPUT, "name");
  tw_registry_free(r);
  tw_registry_free(NULL); /* no-op */

  /* a root that cannot be created */
  {
    char file[4096], under[4200];
    FILE *f;
    tw_registry *bad = NULL;
    snprintf(file, sizeof file, "%s/plain-file", scratch);
    snprintf(under, sizeof under, "%s/plain-file/registry", scratch);
    f = fopen(file, "wb");
    if (f != NULL) {
      fputs("x", f);
      fclose(f);
    }
    CHECK_ERR(tw_registry_open(under, &bad), TW_ERR_IO, "plain-file");
    CHECK(bad == NULL, "out untouched");
    remove(file);
  }
}

/* The ed25519 public key of the private key 0x11 repeated 32 times (RFC 8032
   derivation, computed independently of the library; `tradewarden registry
   public-key` prints the same). */
#define TW_TEST_PUBLIC_KEY "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL, "cannot write %s", path);
  if (f == NULL) return;
  fputs(text, f);
  fclose(f);
}

/* Signed manifests: a registry opened with a verifying key refuses unsigned
   and mis-signed versions (TW_ERR_CORRUPT naming manifest.sig); signing later
   makes a version promotable; a foreign signing key is refused. */
static void test_signatures(const char *data, const char *scratch) {
  char weights[4096], root[4096], key[4096], other[4096], pub[4096], bad[4096];
  tw_registry *w = NULL, *r = NULL, *none = NULL;
  snprintf(weights, sizeof weights, "%s/mlp_tiny.safetensors", data);
  snprintf(root, sizeof root, "%s/signed-registry", scratch);
  snprintf(key, sizeof key, "%s/signing.key", scratch);
  snprintf(other, sizeof other, "%s/other.key", scratch);
  snprintf(pub, sizeof pub, "%s/registry.pub", scratch);
  snprintf(bad, sizeof bad, "%s/bad.pub", scratch);
  /* private key 0x11 * 32 and its ed25519 public half TW_TEST_PUBLIC_KEY */
  write_file(key, "1111111111111111111111111111111111111111111111111111111111111111\n");
  write_file(other, "0707070707070707070707070707070707070707070707070707070707070707\n");
  write_file(pub, TW_TEST_PUBLIC_KEY "\n");
  write_file(bad, "not a key");

  CHECK(tw_registry_open(root, &w) == TW_OK, "open: %s", last_error());
  CHECK(tw_registry_register_safetensors_signed(w, "tiny", "signed", weights, TINY_CONFIG, key) == TW_OK,
        "register signed: %s", last_error());
  CHECK(tw_registry_register_safetensors(w, "tiny", "unsigned", weights, TINY_CONFIG) == TW_OK,
        "register unsigned: %s", last_error());
  CHECK(tw_registry_register_safetensors_signed(w, "tiny", "other", weights, TINY_CONFIG, other) == TW_OK,
        "register other: %s", last_error());
  /* without a key every version is promotable (signatures are opt-in) */
  CHECK(tw_registry_promote(w, "tiny", "unsigned") == TW_OK, "promote unsigned, no key: %s", last_error());

  CHECK(tw_registry_open_verified(root, pub, &r) == TW_OK, "open_verified: %s", last_error());
  CHECK(tw_registry_promote(r, "tiny", "signed") == TW_OK, "promote signed: %s", last_error());
  active_is(r, "signed");
  predicts(r, "signed", TINY_POINT);
  CHECK_ERR(tw_registry_promote(r, "tiny", "unsigned"), TW_ERR_CORRUPT, "manifest.sig");
  CHECK_ERR(tw_registry_promote(r, "tiny", "other"), TW_ERR_CORRUPT, "manifest.sig");
  active_is(r, "signed"); /* nothing refused became active */
  /* rollback to the unsigned last-good is refused too */
  CHECK_ERR(tw_registry_rollback(r, "tiny"), TW_ERR_CORRUPT, "manifest.sig");
  active_is(r, "signed");
  /* sign later: promotable */
  CHECK(tw_registry_sign(w, "tiny", "unsigned", key) == TW_OK, "sign: %s", last_error());
  CHECK(tw_registry_promote(r, "tiny", "unsigned") == TW_OK, "promote after sign: %s", last_error());
  /* a signing key that is not the registry's private half registers nothing */
  CHECK_ERR(tw_registry_register_safetensors_signed(r, "tiny", "v9", weights, TINY_CONFIG, other),
            TW_ERR_INVALID_INPUT, "signing_key");
  CHECK_ERR(tw_registry_sign(r, "tiny", "other", other), TW_ERR_INVALID_INPUT, "signing_key");
  /* keys: missing, malformed, NULL */
  CHECK_ERR(tw_registry_open_verified(root, bad, &none), TW_ERR_INVALID_INPUT, "bad.pub");
  CHECK_ERR(tw_registry_open_verified(root, "/nonexistent/tw.pub", &none), TW_ERR_NOT_FOUND, "tw.pub");
  CHECK_ERR(tw_registry_open_verified(root, NULL, &none), TW_ERR_NULL_ARGUMENT, "verifying_key_path");
  CHECK_ERR(tw_registry_sign(w, "tiny", "signed", NULL), TW_ERR_NULL_ARGUMENT, "signing_key_path");
  CHECK(none == NULL, "out untouched");
  tw_registry_free(r);
  tw_registry_free(w);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s DIR_OF_mlp_tiny.safetensors SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  test_lifecycle(argv[1], argv[2]);
  test_signatures(argv[1], argv[2]);
  printf("test_registry: %d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
