/* C tests of the audit journal ABI (tw_journal_*): appended records come
   back from the file with consecutive sequence numbers (checked by reading
   the JSONL here), a reopened journal continues the sequence, rotation
   keeps every record, verify checks the hash chain — counts records and
   torn lines, reports a removed or an edited record as TW_ERR_CORRUPT
   naming the file and line — and every misuse gets its documented
   status and a message naming the parameter. Built and run by
   scripts/test.d/40-c.sh, also under -fsanitize=address,undefined.
   Argument: a writable scratch directory. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tradewarden.h"
#include "check.h"

/* The whole file at `path` (NUL-terminated, caller frees), or NULL. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (char *)malloc((size_t)n + 1);
  if (buf != NULL) {
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = 0;
  }
  fclose(f);
  return buf;
}

static size_t count_lines(const char *text) {
  size_t n = 0;
  for (; *text; text++) n += *text == '\n';
  return n;
}

static void test_options(void) {
  tw_journal_options o;
  memset(&o, 0xAB, sizeof o);
  CHECK(tw_journal_options_default(&o) == TW_OK, "default");
  CHECK(o.max_bytes == 64u * 1024u * 1024u && o.fsync == TW_FSYNC_EVERY_N && o.fsync_every_n == 100,
        "defaults %llu %u %u", (unsigned long long)o.max_bytes, o.fsync, o.fsync_every_n);
  CHECK(tw_journal_options_default(NULL) == TW_ERR_NULL_ARGUMENT, "default NULL");
}

static void test_append_and_verify(const char *scratch) {
  char dir[4096], path[4200];
  tw_journal *j = NULL;
  uint64_t seq = 0, entries = 0, skipped = 99;
  char *text;
  tw_journal_options always;
  snprintf(dir, sizeof dir, "%s/journal", scratch);
  snprintf(path, sizeof path, "%s/journal.jsonl", dir);
  CHECK(tw_journal_options_default(&always) == TW_OK, "defaults");
  always.fsync = TW_FSYNC_ALWAYS;

  CHECK(tw_journal_open(dir, &always, &j) == TW_OK && j != NULL, "open: %s", last_error());
  CHECK(tw_journal_seq(j, &seq) == TW_OK && seq == 0, "empty seq %llu", (unsigned long long)seq);
  CHECK(tw_journal_append(j, "violation", "{\"rule\": \"daily_loss\", \"value\": -5200.5, \"threshold\": -5000.0}",
                          &seq) == TW_OK &&
            seq == 1,
        "violation: %s", last_error());
  CHECK(tw_journal_append(j, "violation", " { \"rule\": \"gross\", \"value\": 3.5, \"threshold\": null } ", &seq) ==
                TW_OK &&
            seq == 2,
        "violation without threshold: %s", last_error());
  CHECK(tw_journal_append(j, "transition",
                          "{\"from\": \"ACTIVE\", \"to\": \"HALTED\", \"reason\": \"daily loss\", \"actor\": \"system\"}",
                          &seq) == TW_OK &&
            seq == 3,
        "transition: %s", last_error());
  CHECK(tw_journal_append(j, "decision",
                          "{\"symbol\": \"AAPL\", \"side\": \"buy\", \"quantity\": 10.0, \"decision\": "
                          "{\"decision\": \"allow\"}}",
                          NULL) == TW_OK,
        "decision, seq NULL: %s", last_error());
  CHECK(tw_journal_record_override(j, "alice", "reconciled", "position AAPL", &seq) == TW_OK && seq == 5,
        "override: %s", last_error());
  CHECK(tw_journal_record_approval(j, "bob", "canary clean", "promote canary_1", &seq) == TW_OK && seq == 6,
        "approval: %s", last_error());
  CHECK(tw_journal_append(j, "override", "{\"who\": \"carol\", \"why\": \"limit\", \"what\": \"max_order\"}", &seq) ==
                TW_OK &&
            seq == 7,
        "override as JSON: %s", last_error());
  /* a field the kind does not have is ignored, as by the Rust Event type
     (it has no deny_unknown_fields): the record is written without it */
  CHECK(tw_journal_append(j, "violation", "{\"rule\": \"x\", \"value\": 1.0, \"colour\": 1}", &seq) == TW_OK &&
            seq == 8,
        "unknown field: %s", last_error());
  CHECK(tw_journal_sync(j) == TW_OK, "sync");

  /* misuse: nothing appended, seq untouched */
  seq = 42;
  CHECK(tw_journal_append(j, "party", "{}", &seq) == TW_ERR_INVALID_INPUT && has("kind = \"party\""),
        "unknown kind: %s", last_error());
  CHECK(tw_journal_append(j, "violation", "[1, 2]", &seq) == TW_ERR_INVALID_INPUT && has("fields_json"),
        "not an object: %s", last_error());
  CHECK(tw_journal_append(j, "violation", "", &seq) == TW_ERR_INVALID_INPUT && has("fields_json"), "empty: %s",
        last_error());
  CHECK(tw_journal_append(j, "violation", "{\"rule\": \"x\"}", &seq) == TW_ERR_INVALID_INPUT && has("value"),
        "missing field: %s", last_error());
  CHECK(tw_journal_append(j, "violation", "{\"rule\": 7, \"value\": 1.0}", &seq) == TW_ERR_INVALID_INPUT,
        "mistyped field: %s", last_error());
  CHECK(tw_journal_append(j, "violation", "{\"rule\": \"x\", \"value\": 1.0", &seq) == TW_ERR_INVALID_INPUT,
        "truncated JSON: %s", last_error());
  CHECK(tw_journal_append(j, "approval", "{}", &seq) == TW_ERR_INVALID_INPUT, "approval without fields: %s",
        last_error());
  CHECK(tw_journal_append(NULL, "approval", "{}", &seq) == TW_ERR_NULL_ARGUMENT && has("journal"), "NULL journal");
  CHECK(tw_journal_append(j, NULL, "{}", &seq) == TW_ERR_NULL_ARGUMENT && has("kind"), "NULL kind");
  CHECK(tw_journal_append(j, "approval", NULL, &seq) == TW_ERR_NULL_ARGUMENT && has("fields_json"), "NULL json");
  CHECK(tw_journal_record_override(j, " ", "why", "what", &seq) == TW_ERR_INVALID_INPUT && has("who"),
        "blank who: %s", last_error());
  CHECK(tw_journal_record_approval(j, "who", "", "what", &seq) == TW_ERR_INVALID_INPUT && has("why"),
        "blank why: %s", last_error());
  CHECK(tw_journal_record_approval(j, "who", "why", NULL, &seq) == TW_ERR_NULL_ARGUMENT && has("what"),
        "NULL what");
  CHECK(tw_journal_record_override(NULL, "a", "b", "c", &seq) == TW_ERR_NULL_ARGUMENT, "override NULL journal");
  CHECK(seq == 42, "seq untouched on error");
  CHECK(tw_journal_seq(j, &seq) == TW_OK && seq == 8, "seq after errors %llu", (unsigned long long)seq);
  CHECK(tw_journal_seq(j, NULL) == TW_ERR_NULL_ARGUMENT, "seq NULL out");
  CHECK(tw_journal_seq(NULL, &seq) == TW_ERR_NULL_ARGUMENT, "seq NULL journal");
  CHECK(tw_journal_sync(NULL) == TW_ERR_NULL_ARGUMENT, "sync NULL");
  tw_journal_free(j);
  tw_journal_free(NULL); /* no-op */

  /* the file: 8 lines, in order, with the fields given */
  text = slurp(path);
  CHECK(text != NULL, "read %s", path);
  if (text != NULL) {
    CHECK(count_lines(text) == 8, "8 lines, got %zu", count_lines(text));
    CHECK(strstr(text, "\"seq\":1,") != NULL && strstr(text, "\"kind\":\"violation\"") != NULL &&
              strstr(text, "\"rule\":\"daily_loss\"") != NULL && strstr(text, "\"value\":-5200.5") != NULL,
          "violation line: %.200s", text);
    CHECK(strstr(text, "\"to\":\"HALTED\"") != NULL && strstr(text, "\"who\":\"bob\"") != NULL &&
              strstr(text, "\"symbol\":\"AAPL\"") != NULL && strstr(text, "\"seq\":8,") != NULL && strstr(text, "colour") == NULL,
          "other lines");
    free(text);
  }
  CHECK(tw_journal_verify(dir, &entries, &skipped) == TW_OK && entries == 8 && skipped == 0,
        "verify: %s (%llu, %llu)", last_error(), (unsigned long long)entries, (unsigned long long)skipped);

  /* reopen: the sequence continues */
  j = NULL;
  CHECK(tw_journal_open(dir, NULL, &j) == TW_OK, "reopen");
  CHECK(tw_journal_seq(j, &seq) == TW_OK && seq == 8, "reopened seq %llu", (unsigned long long)seq);
  CHECK(tw_journal_record_approval(j, "dave", "ok", "x", &seq) == TW_OK && seq == 9, "append after reopen");
  tw_journal_free(j);

  /* a torn last line (crash mid-append) is counted, not fatal */
  {
    FILE *f = fopen(path, "ab");
    if (f != NULL) {
      fputs("{\"seq\":10,\"ts\":1.0,\"kind\":\"appr", f);
      fclose(f);
    }
    CHECK(tw_journal_verify(dir, &entries, &skipped) == TW_OK && entries == 9 && skipped == 1,
          "torn line: %llu %llu", (unsigned long long)entries, (unsigned long long)skipped);
  }

  /* a removed record: the sequence has a gap -> TW_ERR_CORRUPT */
  {
    char *all = slurp(path);
    char *second, *third;
    FILE *f;
    entries = 99;
    skipped = 99;
    if (all != NULL) {
      second = strchr(all, '\n') + 1;
      third = strchr(second, '\n') + 1;
      f = fopen(path, "wb");
      if (f != NULL) {
        fwrite(all, 1, (size_t)(second - all), f);
        fputs(third, f);
        fclose(f);
      }
      free(all);
    }
    CHECK(tw_journal_verify(dir, &entries, &skipped) == TW_ERR_CORRUPT && has("record seq = 2 is missing") && has("found at journal.jsonl, line 2"),
          "gap: %s", last_error());
    CHECK(entries == 99 && skipped == 99, "outs untouched on error");
  }
}

static void test_rotation(const char *scratch) {
  char dir[4096];
  tw_journal *j = NULL;
  tw_journal_options o;
  uint64_t seq = 0, entries = 0, skipped = 0;
  int i;
  char rotated[4200];
  struct stat st;
  snprintf(dir, sizeof dir, "%s/rotating", scratch);
  CHECK(tw_journal_options_default(&o) == TW_OK, "defaults");
  o.max_bytes = 300;
  o.fsync = TW_FSYNC_NEVER;
  CHECK(tw_journal_open(dir, &o, &j) == TW_OK, "open rotating: %s", last_error());
  for (i = 0; i < 20; i++)
    CHECK(tw_journal_record_approval(j, "alice", "because", "thing", &seq) == TW_OK && seq == (uint64_t)i + 1,
          "append %d", i);
  tw_journal_free(j);
  snprintf(rotated, sizeof rotated, "%s/journal.1.jsonl", dir);
  CHECK(stat(rotated, &st) == 0, "rotated file exists");
  CHECK(tw_journal_verify(dir, &entries, &skipped) == TW_OK && entries == 20 && skipped == 0,
        "verify across rotations: %llu", (unsigned long long)entries);
}

static void test_open_errors(const char *scratch) {
  char dir[4096], file[4096], under_file[4200];
  tw_journal *j = NULL;
  tw_journal_options d, o;
  uint64_t entries = 5, skipped = 5;
  FILE *f;
  snprintf(dir, sizeof dir, "%s/errors", scratch);
  snprintf(file, sizeof file, "%s/plain-file", scratch);
  snprintf(under_file, sizeof under_file, "%s/plain-file/journal", scratch);
  f = fopen(file, "wb");
  if (f != NULL) {
    fputs("not a directory", f);
    fclose(f);
  }
  CHECK(tw_journal_options_default(&d) == TW_OK, "defaults");
  CHECK(tw_journal_open(NULL, NULL, &j) == TW_ERR_NULL_ARGUMENT && has("dir"), "NULL dir");
  CHECK(tw_journal_open(dir, NULL, NULL) == TW_ERR_NULL_ARGUMENT && has("out"), "NULL out");
  o = d;
  o.max_bytes = 0;
  CHECK(tw_journal_open(dir, &o, &j) == TW_ERR_INVALID_INPUT && has("max_bytes"), "max_bytes 0: %s",
        last_error());
  o = d;
  o.fsync_every_n = 0;
  CHECK(tw_journal_open(dir, &o, &j) == TW_ERR_INVALID_INPUT && has("every_n"), "every_n 0: %s", last_error());
  o = d;
  o.fsync = 7;
  CHECK(tw_journal_open(dir, &o, &j) == TW_ERR_INVALID_INPUT && has("fsync = 7"), "fsync 7: %s", last_error());
  CHECK(tw_journal_open(under_file, NULL, &j) == TW_ERR_IO && has("plain-file"), "dir under a file: %s",
        last_error());
  CHECK(j == NULL, "out untouched on every error");
  /* fsync_every_n is ignored unless TW_FSYNC_EVERY_N */
  o = d;
  o.fsync = TW_FSYNC_ALWAYS;
  o.fsync_every_n = 0;
  CHECK(tw_journal_open(dir, &o, &j) == TW_OK, "every_n ignored: %s", last_error());
  tw_journal_free(j);

  CHECK(tw_journal_verify(NULL, &entries, &skipped) == TW_ERR_NULL_ARGUMENT, "verify NULL dir");
  CHECK(tw_journal_verify(dir, NULL, &skipped) == TW_ERR_NULL_ARGUMENT && has("entries"), "verify NULL entries");
  CHECK(tw_journal_verify(dir, &entries, NULL) == TW_ERR_NULL_ARGUMENT && has("skipped"), "verify NULL skipped");
  CHECK(tw_journal_verify(file, &entries, &skipped) == TW_ERR_IO, "verify a file: %s", last_error());
  CHECK(entries == 5 && skipped == 5, "untouched");
  CHECK(tw_journal_verify("/nonexistent-tw-journal", &entries, &skipped) == TW_OK && entries == 0 && skipped == 0,
        "a missing directory holds no records");
  remove(file);
}

/* An edited record (same length, one byte changed) breaks the hash chain. */
static void test_edited(const char *scratch) {
  char dir[4096], path[4200];
  tw_journal *j = NULL;
  uint64_t entries = 7, skipped = 7;
  char *all, *at;
  FILE *f;
  snprintf(dir, sizeof dir, "%s/edited", scratch);
  snprintf(path, sizeof path, "%s/journal.jsonl", dir);
  CHECK(tw_journal_open(dir, NULL, &j) == TW_OK, "open: %s", last_error());
  CHECK(tw_journal_record_override(j, "alice", "one", "x", NULL) == TW_OK, "1");
  CHECK(tw_journal_record_override(j, "bob", "two", "x", NULL) == TW_OK, "2");
  CHECK(tw_journal_record_override(j, "carol", "three", "x", NULL) == TW_OK, "3");
  tw_journal_free(j);
  CHECK(tw_journal_verify(dir, &entries, &skipped) == TW_OK && entries == 3 && skipped == 0, "chain intact: %s",
        last_error());
  all = slurp(path);
  if (all == NULL || (at = strstr(all, "\"bob\"")) == NULL) {
    CHECK(0, "journal text");
    free(all);
    return;
  }
  at[1] = 'B'; /* "bob" -> "Bob" in record 2 */
  f = fopen(path, "wb");
  if (f != NULL) {
    fputs(all, f);
    fclose(f);
  }
  free(all);
  entries = 7;
  CHECK(tw_journal_verify(dir, &entries, &skipped) == TW_ERR_CORRUPT && has("record seq = 2 was edited") &&
            has("found at journal.jsonl, line 2"),
        "edited record: %s", last_error());
  CHECK(entries == 7, "out untouched on error");
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  test_options();
  test_append_and_verify(dir);
  test_rotation(dir);
  test_edited(dir);
  test_open_errors(dir);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
