/* Shared harness of the C tests in this directory: a pass/fail counter, a
   CHECK macro that reports file and line, and the library's last error
   message. Each test file includes it once (the counters are per program). */
#ifndef TW_TEST_CHECK_H
#define TW_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "tradewarden.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    checks++;                                              \
    if (!(cond)) {                                         \
      failures++;                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

/* The calling thread's last error message ("<no message>" if unreadable). */
static inline const char *last_error(void) {
  static char buf[2048];
  size_t n = 0;
  if (tw_last_error_message(buf, sizeof buf, &n) != TW_OK) return "<no message>";
  return buf;
}

/* Whether the last error message contains `needle`. */
static inline int has(const char *needle) { return strstr(last_error(), needle) != NULL; }

#endif
