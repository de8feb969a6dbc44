/* C tests of libvibergate: every function, every error path, and 8 threads sharing one client,
 * against the sandbox; and the C side against the library's own tables (vg_tables): a typed
 * export and a vg_call run for every operation, and vg_code equal to the error codes. Built with
 * -Wall -Wextra -Werror; run under valgrind and ASan. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vibergate.h"

static int passed = 0, failed = 0;

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (cond) {                                                            \
      passed++;                                                            \
    } else {                                                               \
      failed++;                                                            \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fprintf(stderr, "\n");                                               \
    }                                                                      \
  } while (0)

/* Checks a JSON result contains `needle`, then frees it. `errp` is read after the call that
 * produced `json` (argument evaluation order is unspecified in C). */
static void expect_json(char *json, const char *needle, vg_error **errp, const char *what) {
  vg_error *err = *errp;
  *errp = NULL;
  CHECK(json != NULL, "%s returned NULL: %s", what, err ? vg_error_message(err) : "(no error)");
  CHECK(err == NULL, "%s set an error on success", what);
  if (json) CHECK(strstr(json, needle) != NULL, "%s: %s lacks %s", what, json, needle);
  vg_string_free(json);
  vg_error_free(err);
}

/* Checks a call failed with `code`, the error JSON contains `needle`, then frees everything. */
static void expect_error(char *json, vg_error **errp, vg_code code, const char *needle, const char *what) {
  vg_error *err = *errp;
  *errp = NULL;
  CHECK(json == NULL, "%s should fail, got %s", what, json ? json : "");
  CHECK(err != NULL, "%s set no error", what);
  if (err) {
    CHECK(vg_error_code(err) == code, "%s: code %d, want %d (%s)", what, (int)vg_error_code(err), (int)code, vg_error_message(err));
    CHECK(vg_error_message(err) != NULL && strlen(vg_error_message(err)) > 0, "%s: empty message", what);
    char *ej = vg_error_json(err);
    CHECK(ej != NULL && strstr(ej, needle) != NULL, "%s: error JSON %s lacks %s", what, ej ? ej : "NULL", needle);
    vg_string_free(ej);
  }
  vg_string_free(json);
  vg_error_free(err);
}

static vg_client *client_for(vg_sandbox *sb, const char *provider) {
  vg_error *err = NULL;
  char *dsn = vg_sandbox_dsn(sb, provider, &err);
  CHECK(dsn != NULL, "dsn for %s", provider);
  vg_client *c = vg_client_new(dsn, &err);
  CHECK(c != NULL, "client for %s: %s", provider, err ? vg_error_message(err) : "");
  vg_string_free(dsn);
  vg_error_free(err);
  return c;
}

static void test_basics(void) {
  CHECK(strcmp(vg_version(), VIBERGATE_VERSION) == 0, "version %s vs header %s", vg_version(), VIBERGATE_VERSION);
  /* NULL is harmless everywhere it is documented to be. */
  vg_client_free(NULL);
  vg_error_free(NULL);
  vg_string_free(NULL);
  vg_sandbox_stop(NULL);
  CHECK(vg_error_code(NULL) == VG_OK, "code of NULL");
  CHECK(vg_error_message(NULL) == NULL, "message of NULL");
  CHECK(vg_error_json(NULL) == NULL, "json of NULL");
  CHECK(vg_sandbox_base_url(NULL) == NULL, "base url of NULL");

  vg_error *err = NULL;
  CHECK(vg_client_new(NULL, &err) == NULL && vg_error_code(err) == VG_INVALID_CONFIG, "NULL dsn");
  vg_error_free(err);
  err = NULL;
  CHECK(vg_client_new("smsclub://SECRET@default?colour=red", &err) == NULL, "unknown option");
  char *ej = vg_error_json(err);
  CHECK(strstr(ej, "colour") != NULL && strstr(ej, "SECRET") == NULL, "names the option, hides the token: %s", ej);
  vg_string_free(ej);
  vg_error_free(err);
  err = NULL;
  CHECK(vg_client_new("{\"provider\":\"smsclub\"", &err) == NULL && vg_error_code(err) == VG_INVALID_CONFIG, "bad JSON config");
  vg_error_free(err);
  err = NULL;
  CHECK(vg_client_new("smsclub://\xff@default", &err) == NULL && vg_error_code(err) == VG_INVALID_CONFIG, "invalid UTF-8");
  vg_error_free(err);
  /* err may be NULL: the failure is still reported by the NULL result. */
  CHECK(vg_client_new("nonsense", NULL) == NULL, "NULL err pointer");

  err = NULL;
  expect_error(vg_send(NULL, "{}", &err), &err, VG_INVALID_CONFIG, "client", "send on NULL client");
  err = NULL;
  expect_json(vg_sms_info("Привет", &err), "\"encoding\":\"ucs2\"", &err, "sms_info");
  err = NULL;
  expect_error(vg_sms_info(NULL, &err), &err, VG_INVALID_MESSAGE, "text", "sms_info NULL");
}

static void test_smsclub(vg_sandbox *sb) {
  vg_client *c = client_for(sb, "smsclub");
  vg_error *err = NULL;
  char *report = vg_send(c, "{\"to\":[\"380989361121\",\"380989369999\"],\"text\":\"Hi\",\"two_way\":true}", &err);
  CHECK(report != NULL, "send: %s", err ? vg_error_message(err) : "");
  CHECK(report && strstr(report, "\"accepted\":[{\"phone\":\"380989361121\"") != NULL, "accepted: %s", report);
  CHECK(report && strstr(report, "\"reason\":\"blacklisted\"") != NULL, "blacklisted: %s", report);
  /* Pull the message id and chat id out of the report. */
  char id[32] = {0}, chat[32] = {0};
  const char *p = report ? strstr(report, "\"message_id\":\"") : NULL;
  if (p) sscanf(p + 14, "%31[^\"]", id);
  p = report ? strstr(report, "\"chat_id\":\"") : NULL;
  if (p) sscanf(p + 11, "%31[^\"]", chat);
  vg_string_free(report);
  vg_error_free(err);

  char ids[64];
  snprintf(ids, sizeof ids, "[\"%s\"]", id);
  err = NULL;
  expect_json(vg_status(c, ids, &err), "\"state\":\"delivered\"", &err, "status");
  err = NULL;
  expect_json(vg_chats(c, 1, &err), chat, &err, "chats");
  err = NULL;
  expect_json(vg_chat(c, chat, 1, &err), "\"direction\":\"incoming\"", &err, "chat");
  char query[64];
  snprintf(query, sizeof query, "{\"chat_id\":\"%s\"}", chat);
  err = NULL;
  expect_json(vg_inbound(c, query, &err), "Re: Hi", &err, "inbound");
  err = NULL;
  expect_json(vg_capabilities(c, &err), "\"operations\"", &err, "capabilities");
  err = NULL;
  char *dsn = vg_client_dsn(c, &err);
  CHECK(dsn && strstr(dsn, "***") && !strstr(dsn, "sandbox-token"), "redacted dsn: %s", dsn);
  vg_string_free(dsn);

  /* Error paths. */
  err = NULL;
  expect_error(vg_send(c, "{\"to\":", &err), &err, VG_INVALID_MESSAGE, "message_json", "bad JSON");
  err = NULL;
  expect_error(vg_send(c, NULL, &err), &err, VG_INVALID_MESSAGE, "message_json", "NULL message");
  err = NULL;
  expect_error(vg_send(c, "{\"to\":[\"380989361121\"],\"txt\":\"x\"}", &err), &err, VG_INVALID_MESSAGE, "unknown field", "unknown field");
  err = NULL;
  expect_error(vg_send(c, "{\"to\":[\"380989361121\"],\"text\":\"Hi\",\"ttl_seconds\":5}", &err), &err, VG_INVALID_MESSAGE, "\"field\":\"ttl_seconds\"", "validation");
  err = NULL;
  expect_error(vg_send(c, "{\"to\":[\"12\"],\"text\":\"Hi\"}", &err), &err, VG_NO_VALID_RECIPIENTS, "\"reason\":\"invalid_number\"", "no valid recipients");
  err = NULL;
  expect_error(vg_status(c, "{\"ids\":1}", &err), &err, VG_INVALID_MESSAGE, "ids_json", "bad ids");
  err = NULL;
  expect_error(vg_balance(c, &err), &err, VG_UNSUPPORTED, "\"code\":\"unsupported\"", "balance on smsclub");

  err = NULL;
  CHECK(vg_sandbox_inject(sb, "{\"provider\":\"smsclub\",\"kind\":\"status\",\"status\":503}", &err) == VG_OK, "inject");
  err = NULL;
  /* A 5xx answer to a send may come after the provider acted: the recipient is uncertain, and
   * the request is not sent again. */
  expect_json(vg_send(c, "{\"to\":[\"380989361121\"],\"text\":\"Hi\"}", &err), "\"uncertain\":[{\"phone\":\"380989361121\"", &err, "injected 503 on a send");
  /* To a read it is VG_PROVIDER_ERROR, once the retries (2 by default) are spent. */
  err = NULL;
  CHECK(vg_sandbox_inject(sb, "{\"provider\":\"smsclub\",\"kind\":\"status\",\"status\":503,\"count\":3}", &err) == VG_OK, "inject");
  err = NULL;
  expect_error(vg_status(c, "[\"1\"]", &err), &err, VG_PROVIDER_ERROR, "\"http_status\":503", "injected 503 on a read");
  err = NULL;
  CHECK(vg_sandbox_inject(sb, "{\"kind\":\"nonsense\"}", &err) == VG_INVALID_MESSAGE, "bad fault");
  vg_error_free(err);
  /* The real code of each failure, never one code for all. */
  err = NULL;
  CHECK(vg_sandbox_inject(NULL, "{\"kind\":\"empty\"}", &err) == VG_INVALID_CONFIG && vg_error_code(err) == VG_INVALID_CONFIG, "inject on NULL");
  vg_error_free(err);
  vg_client_free(c);

  /* A refused token comes back as VG_AUTH with the provider's status. */
  err = NULL;
  char *good = vg_sandbox_dsn(sb, "smsclub", &err);
  char bad[512];
  const char *at = strstr(good, "@");
  snprintf(bad, sizeof bad, "smsclub://bad-token%s", at);
  vg_string_free(good);
  vg_client *b = vg_client_new(bad, &err);
  expect_error(vg_send(b, "{\"to\":[\"380989361121\"],\"text\":\"Hi\"}", &err), &err, VG_AUTH, "\"http_status\":401", "bad token");
  vg_client_free(b);
}

static void test_smsby(vg_sandbox *sb) {
  vg_client *c = client_for(sb, "smsby");
  vg_error *err = NULL;
  char *report = vg_send(c, "{\"to\":[\"375291234567\",\"375291234568\"],\"text\":\"Sale\"}", &err);
  CHECK(report && strstr(report, "\"batch_id\""), "bulk send: %s", report ? report : vg_error_message(err));
  char batch[64] = {0};
  const char *p = report ? strstr(report, "\"batch_id\":\"") : NULL;
  if (p) sscanf(p + 12, "%63[^\"]", batch);
  vg_string_free(report);
  vg_error_free(err);
  err = NULL;
  expect_json(vg_status_batch(c, batch, &err), "\"deliveries\"", &err, "status_batch");
  err = NULL;
  expect_json(vg_send_personalized(c, "{\"items\":[{\"to\":\"375291234567\",\"text\":\"Hi Ann\"},{\"to\":\"375291234568\",\"text\":\"Hi Bob\"}]}", &err), "\"batch_id\"", &err, "send_personalized");

  err = NULL;
  char *list = vg_send_to_list(c, "{\"list_id\":\"1\",\"text\":\"News\"}", &err);
  CHECK(list && strstr(list, "\"subscribers\":3"), "send_to_list: %s", list ? list : vg_error_message(err));
  char mailing[32] = {0};
  p = list ? strstr(list, "\"mailing_id\":\"") : NULL;
  if (p) sscanf(p + 14, "%31[^\"]", mailing);
  vg_string_free(list);
  vg_error_free(err);
  err = NULL;
  expect_json(vg_confirm_mailing(c, mailing, &err), "confirmed", &err, "confirm_mailing");
  err = NULL;
  expect_json(vg_mailings(c, 0, 100, &err), mailing, &err, "mailings");
  err = NULL;
  expect_json(vg_mailing(c, mailing, &err), "\"status\":\"SENT\"", &err, "mailing");
  err = NULL;
  expect_json(vg_delivery_list(c, mailing, &err), "375290000001", &err, "delivery_list");
  char query[64];
  snprintf(query, sizeof query, "{\"mailing_id\":\"%s\"}", mailing);
  err = NULL;
  char *inbound = vg_inbound(c, query, &err);
  CHECK(inbound && strstr(inbound, "\"id\":\""), "inbound: %s", inbound ? inbound : vg_error_message(err));
  char msg[32] = {0}, ids[64];
  p = inbound ? strstr(inbound, "\"id\":\"") : NULL;
  if (p) sscanf(p + 6, "%31[^\"]", msg);
  vg_string_free(inbound);
  vg_error_free(err);
  snprintf(ids, sizeof ids, "[\"%s\"]", msg);
  err = NULL;
  expect_json(vg_mark_inbound_read(c, ids, &err), "\"marked\":1", &err, "mark_inbound_read");
  vg_client_free(c);
}

static void test_inteltele_and_webhooks(vg_sandbox *sb) {
  vg_client *c = client_for(sb, "inteltele");
  vg_error *err = NULL;
  expect_json(vg_balance(c, &err), "\"balance\":\"100.00\"", &err, "balance");
  err = NULL;
  expect_json(vg_rates(c, &err), "\"country\":\"ua\"", &err, "rates");
  err = NULL;
  expect_json(vg_send(c, "{\"to\":[\"380989361121\"],\"text\":\"Hi\",\"sms_fallback\":{\"text\":\"Hi\"}}", &err), "\"cost\":\"0.050000\"", &err, "send");
  vg_client_free(c);

  err = NULL;
  expect_json(vg_parse_webhook("inteltele", "{\"method\":\"GET\",\"query\":\"msgid=abc&status=delivrd\"}", &err), "\"state\":\"delivered\"", &err, "webhook GET");
  err = NULL;
  expect_json(vg_parse_webhook("decisiontelecom", "{\"body\":\"{\\\"message_id\\\":429,\\\"status\\\":6}\"}", &err), "\"state\":\"read\"", &err, "webhook DT");
  err = NULL;
  expect_error(vg_parse_webhook("decisiontelecom", "{\"body\":\"nonsense\"}", &err), &err, VG_DECODE, "decode", "webhook garbage");
  err = NULL;
  /* An unknown provider is the one error the library has for it, whichever function meets it. */
  expect_error(vg_parse_webhook("viber", "{}", &err), &err, VG_INVALID_MESSAGE, "\"field\":\"provider\"", "webhook provider");
  err = NULL;
  expect_error(vg_parse_webhook("smsclb", "{}", &err), &err, VG_INVALID_MESSAGE, "did you mean", "webhook provider misspelt");
  err = NULL;
  expect_error(vg_sandbox_dsn(sb, "viber", &err), &err, VG_INVALID_MESSAGE, "\"field\":\"provider\"", "sandbox provider");
  err = NULL;
  expect_error(vg_parse_webhook("smsby", NULL, &err), &err, VG_INVALID_MESSAGE, "request_json", "webhook NULL");

  err = NULL;
  char *requests = vg_sandbox_requests(sb, &err);
  CHECK(requests && strstr(requests, "/im/send/"), "requests log");
  vg_string_free(requests);
}

/* A forged vg_token of any bytes is refused as VG_AUTH, never a crash or VG_INTERNAL: tokens of
 * the right byte length made of multibyte characters, and of the wrong length. */
static void test_forged_tokens(void) {
  static const char *const tokens[] = {
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80", /* 16 emoji: 64 bytes */
      "a\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
      "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
      "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
      "\xC3\xA9" "a", /* 'a', 31 x 'é', 'a': 64 bytes, a character across every pair */
      "0\xC3\xA9", /* short */
      "",
  };
  char token[512], request[2048];
  for (size_t i = 0; i < sizeof tokens / sizeof tokens[0] + 2; i++) {
    if (i < sizeof tokens / sizeof tokens[0]) {
      snprintf(token, sizeof token, "%s", tokens[i]);
    } else {
      /* 32 x 'é' (64 bytes), then 32 emoji (128 bytes). */
      token[0] = 0;
      for (int k = 0; k < 32; k++) strcat(token, i == sizeof tokens / sizeof tokens[0] ? "\xC3\xA9" : "\xF0\x9F\x98\x80");
    }
    snprintf(request, sizeof request,
             "{\"query\":{\"vg_token\":\"%s\"},\"body\":\"{\\\"message_id\\\":429,\\\"status\\\":1}\","
             "\"secret\":\"s3cret\",\"callback_url\":\"https://shop.example/hook\"}",
             token);
    vg_error *err = NULL;
    char what[64];
    snprintf(what, sizeof what, "forged multibyte vg_token #%zu", i);
    expect_error(vg_parse_webhook("decisiontelecom", request, &err), &err, VG_AUTH, "\"code\":\"auth\"", what);
    /* The same token percent-encoded in a raw query string. */
    char query[1024] = "vg_token=";
    for (const unsigned char *p = (const unsigned char *)token; *p; p++) {
      char hex[4];
      snprintf(hex, sizeof hex, "%%%02X", *p);
      strcat(query, hex);
    }
    snprintf(request, sizeof request,
             "{\"query\":\"%s\",\"body\":\"{\\\"message_id\\\":429,\\\"status\\\":1}\","
             "\"secret\":\"s3cret\",\"callback_url\":\"https://shop.example/hook\"}",
             query);
    err = NULL;
    expect_error(vg_parse_webhook("decisiontelecom", request, &err), &err, VG_AUTH, "\"code\":\"auth\"", what);
  }
}

/* ---- The C side against vg_tables() ---------------------------------------------------------
 * A tiny reader for the tables' JSON (serde's compact output: no white space): enough to walk an
 * array of strings or of objects without a JSON library. */

/* The end of the JSON string starting at `p` (on its opening quote): the closing quote. */
static const char *string_end(const char *p) {
  for (p++; *p && *p != '"'; p++)
    if (*p == '\\' && p[1]) p++;
  return p;
}

/* The end of the JSON value starting at `p`: one past its last character. */
static const char *value_end(const char *p) {
  if (*p == '"') return *string_end(p) ? string_end(p) + 1 : string_end(p);
  if (*p != '[' && *p != '{') {
    while (*p && *p != ',' && *p != ']' && *p != '}') p++;
    return p;
  }
  int depth = 0;
  for (; *p; p++) {
    if (*p == '"') {
      p = string_end(p);
      if (!*p) return p;
    } else if (*p == '[' || *p == '{') {
      depth++;
    } else if ((*p == ']' || *p == '}') && --depth == 0) {
      return p + 1;
    }
  }
  return p;
}

/* The value of `key` in the object starting at `obj` (its first character), or NULL. Only the
 * object's own keys are looked at, not those of nested values. */
static const char *member(const char *obj, const char *key) {
  if (*obj != '{') return NULL;
  const char *p = obj + 1;
  size_t len = strlen(key);
  while (*p == '"') {
    const char *k = p + 1, *ke = string_end(p);
    const char *v = *ke ? ke + 2 : ke; /* past `":` */
    if ((size_t)(ke - k) == len && strncmp(k, key, len) == 0) return v;
    p = value_end(v);
    if (*p == ',') p++;
  }
  return NULL;
}

/* Copies the JSON string at `p` (no escapes expected) into `out`. */
static void copy_string(const char *p, char *out, size_t size) {
  const char *e = p && *p == '"' ? string_end(p) : p;
  size_t n = p && *p == '"' ? (size_t)(e - p - 1) : 0;
  if (n >= size) n = size - 1;
  if (n) memcpy(out, p + 1, n);
  out[n] = '\0';
}

/* The `i`-th element of the array at `arr`, or NULL past the end. */
static const char *element(const char *arr, int i) {
  if (!arr || *arr != '[' || arr[1] == ']') return NULL;
  const char *p = arr + 1;
  for (int k = 0; k < i; k++) {
    p = value_end(p);
    if (*p != ',') return NULL;
    p++;
  }
  return p;
}

/* vg_code written out by hand, in the order of its values: it must be the library's
 * `error_codes`, names and order (value N is the Nth name, from 1). */
static const struct {
  const char *name;
  vg_code code;
} ERROR_CODES[] = {
    {"invalid_config", VG_INVALID_CONFIG},
    {"invalid_message", VG_INVALID_MESSAGE},
    {"unsupported", VG_UNSUPPORTED},
    {"no_valid_recipients", VG_NO_VALID_RECIPIENTS},
    {"auth", VG_AUTH},
    {"permission_denied", VG_PERMISSION_DENIED},
    {"insufficient_funds", VG_INSUFFICIENT_FUNDS},
    {"invalid_sender", VG_INVALID_SENDER},
    {"invalid_text", VG_INVALID_TEXT},
    {"invalid_request", VG_INVALID_REQUEST},
    {"rate_limited", VG_RATE_LIMITED},
    {"provider_error", VG_PROVIDER_ERROR},
    {"transport", VG_TRANSPORT},
    {"timeout", VG_TIMEOUT},
    {"decode", VG_DECODE},
    {"internal", VG_INTERNAL},
};

static void test_error_codes(const char *tables) {
  const char *codes = member(tables, "error_codes");
  CHECK(codes != NULL, "tables lack error_codes: %s", tables);
  size_t n = sizeof ERROR_CODES / sizeof ERROR_CODES[0];
  size_t i = 0;
  for (const char *e; (e = element(codes, (int)i)) != NULL; i++) {
    char name[64];
    copy_string(e, name, sizeof name);
    CHECK(i < n, "vg_code lacks the error code %s", name);
    if (i >= n) continue;
    CHECK(strcmp(ERROR_CODES[i].name, name) == 0, "error code %zu is %s in the library, %s in C", i + 1, name, ERROR_CODES[i].name);
    CHECK((size_t)ERROR_CODES[i].code == i + 1, "%s is %d in vg_code, %zu in the library", name, (int)ERROR_CODES[i].code, i + 1);
  }
  CHECK(i == n, "the library has %zu error codes, vg_code %zu", i, n);
  CHECK(sizeof(vg_code) == 4, "vg_code is %zu bytes", sizeof(vg_code));
  /* And an error's code is what its JSON says. */
  vg_error *err = NULL;
  CHECK(vg_client_new("nonsense", &err) == NULL, "bad DSN");
  char *ej = vg_error_json(err);
  char want[96];
  snprintf(want, sizeof want, "\"code\":\"%s\"", ERROR_CODES[vg_error_code(err) - 1].name);
  CHECK(ej && strstr(ej, want), "%s lacks %s", ej ? ej : "NULL", want);
  vg_string_free(ej);
  vg_error_free(err);
}

/* Arguments for running each operation against the sandbox through vg_call / vg_router_call.
 * `%s` in args is replaced by an id an earlier row produced (`take` names the key to take from
 * that row's result). A new operation in the table fails the test until it has a row here. */
struct sample {
  const char *operation, *provider, *args, *take;
};

static const struct sample CLIENT_SAMPLES[] = {
    {"send", "smsclub", "{\"to\":[\"380989361121\"],\"text\":\"Hi\",\"two_way\":true}", "chat_id"},
    {"chat", "smsclub", "{\"chat_id\":\"%s\"}", NULL},
    {"chats", "smsclub", "{}", NULL},
    {"inbound", "smsclub", "{\"chat_id\":\"%s\"}", NULL},
    {"status", "smsclub", "{\"ids\":[\"1\",2]}", NULL},
    {"capabilities", "smsclub", "", NULL},
    {"send_personalized", "smsby", "{\"items\":[{\"to\":\"375291234567\",\"text\":\"Hi Ann\"}]}", "batch_id"},
    {"status_batch", "smsby", "{\"batch_id\":\"%s\"}", NULL},
    {"send_to_list", "smsby", "{\"list_id\":\"1\",\"text\":\"News\"}", "mailing_id"},
    {"confirm_mailing", "smsby", "{\"mailing_id\":\"%s\"}", NULL},
    {"mailing", "smsby", "{\"mailing_id\":\"%s\"}", NULL},
    {"delivery_list", "smsby", "{\"mailing_id\":\"%s\"}", NULL},
    {"mailings", "smsby", "{\"offset\":0}", NULL},
    {"mark_inbound_read", "smsby", "{\"ids\":[\"1\"]}", NULL},
    {"balance", "inteltele", "{}", NULL},
    {"rates", "inteltele", NULL, NULL},
};

static const struct sample ROUTER_SAMPLES[] = {
    {"send", NULL, "{\"to\":[\"380989361121\"],\"text\":\"Hi\"}", NULL},
    {"send_personalized", NULL, "{\"items\":[{\"to\":\"380989361122\",\"text\":\"Hi\"}]}", NULL},
    {"status", NULL, "{\"ids\":[{\"provider\":\"decisiontelecom\",\"message_id\":\"1\"}]}", NULL},
};

static const struct sample *sample_for(const struct sample *rows, size_t n, const char *operation) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(rows[i].operation, operation) == 0) return &rows[i];
  return NULL;
}

/* Whether the array at `arr` holds the string `s`. */
static int has_string(const char *arr, const char *s) {
  char item[64];
  for (int i = 0; element(arr, i); i++) {
    copy_string(element(arr, i), item, sizeof item);
    if (strcmp(item, s) == 0) return 1;
  }
  return 0;
}

/* Runs every sample row on its provider's client, in order, passing ids along. */
static void run_client_samples(vg_sandbox *sb, const char *operations) {
  size_t n = sizeof CLIENT_SAMPLES / sizeof CLIENT_SAMPLES[0];
  char taken[64] = {0};
  for (size_t i = 0; i < n; i++) {
    const struct sample *row = &CLIENT_SAMPLES[i];
    int listed = 0;
    for (int k = 0; element(operations, k); k++) {
      char name[64];
      copy_string(member(element(operations, k), "name"), name, sizeof name);
      if (strcmp(name, row->operation) == 0) listed = 1;
    }
    CHECK(listed, "the sample %s is not an operation of the library", row->operation);
    char args[256];
    if (row->args) snprintf(args, sizeof args, row->args, taken);
    vg_client *c = client_for(sb, row->provider);
    vg_error *err = NULL;
    char *result = vg_call(c, row->operation, row->args ? args : NULL, &err);
    CHECK(result != NULL, "vg_call %s %s: %s", row->operation, row->args ? args : "NULL", err ? vg_error_message(err) : "");
    if (result && row->take) {
      /* The first `"key":"value"` in the result, wherever it is. */
      char needle[64];
      snprintf(needle, sizeof needle, "\"%s\":\"", row->take);
      const char *p = strstr(result, needle);
      CHECK(p != NULL, "%s: %s lacks %s", row->operation, result, row->take);
      if (p) copy_string(p + strlen(needle) - 1, taken, sizeof taken);
    }
    /* The typed function and vg_call agree on the shape of offline results. */
    if (result && strcmp(row->operation, "capabilities") == 0) {
      vg_error *e2 = NULL;
      char *typed = vg_capabilities(c, &e2);
      CHECK(typed && strcmp(typed, result) == 0, "vg_capabilities %s vs vg_call %s", typed ? typed : "NULL", result);
      vg_string_free(typed);
      vg_error_free(e2);
    }
    if (result && strcmp(row->operation, "confirm_mailing") == 0) {
      char want[96];
      snprintf(want, sizeof want, "{\"confirmed\":\"%s\"}", taken);
      CHECK(strcmp(result, want) == 0, "confirm_mailing: %s, want %s", result, want);
    }
    vg_string_free(result);
    vg_error_free(err);
    vg_client_free(c);
  }
}

static void test_tables(vg_sandbox *sb) {
  vg_error *err = NULL;
  char *tables = vg_tables(&err);
  CHECK(tables != NULL && err == NULL, "vg_tables: %s", err ? vg_error_message(err) : "");
  if (!tables) return;
  char version[32];
  copy_string(member(tables, "version"), version, sizeof version);
  CHECK(strcmp(version, VIBERGATE_VERSION) == 0, "tables version %s, header %s", version, VIBERGATE_VERSION);
  test_error_codes(tables);

  /* Every operation has its typed export, found by name in the loaded library, and runs by name
   * through vg_call. */
  void *self = dlopen(NULL, RTLD_NOW);
  CHECK(self != NULL, "dlopen: %s", dlerror());
  const char *operations = member(tables, "operations");
  CHECK(operations && element(operations, 0), "tables lack operations: %s", tables);
  int count = 0;
  for (const char *op; (op = element(operations, count)) != NULL; count++) {
    char name[64];
    copy_string(member(op, "name"), name, sizeof name);
    const char *on = member(op, "on");
    static const char *const kinds[] = {"client", "router"};
    for (int k = 0; k < 2; k++) {
      if (!has_string(on, kinds[k])) continue;
      char symbol[96];
      snprintf(symbol, sizeof symbol, k == 0 ? "vg_%s" : "vg_router_%s", name);
      CHECK(self && dlsym(self, symbol) != NULL, "the operation %s has no typed export %s", name, symbol);
      const struct sample *rows = k == 0 ? CLIENT_SAMPLES : ROUTER_SAMPLES;
      size_t n = k == 0 ? sizeof CLIENT_SAMPLES / sizeof CLIENT_SAMPLES[0] : sizeof ROUTER_SAMPLES / sizeof ROUTER_SAMPLES[0];
      CHECK(sample_for(rows, n, name) != NULL, "no sample arguments for the %s operation %s in tests/c", kinds[k], name);
    }
  }
  CHECK(count >= 16, "%d operations", count);
  if (self) dlclose(self);

  run_client_samples(sb, operations);

  char *good = vg_sandbox_dsn(sb, "decisiontelecom", &err);
  vg_router *r = vg_router_new(good, &err);
  vg_string_free(good);
  for (size_t i = 0; i < sizeof ROUTER_SAMPLES / sizeof ROUTER_SAMPLES[0]; i++) {
    err = NULL;
    char *result = vg_router_call(r, ROUTER_SAMPLES[i].operation, ROUTER_SAMPLES[i].args, &err);
    CHECK(result != NULL, "vg_router_call %s: %s", ROUTER_SAMPLES[i].operation, err ? vg_error_message(err) : "");
    vg_string_free(result);
    vg_error_free(err);
  }

  /* Misnamed and misplaced operations. */
  err = NULL;
  expect_error(vg_router_call(r, "balance", NULL, &err), &err, VG_UNSUPPORTED, "\"field\":\"operation\"", "balance on a router");
  vg_router_free(r);
  vg_client *c = client_for(sb, "smsclub");
  err = NULL;
  expect_error(vg_call(c, "sned", "{}", &err), &err, VG_UNSUPPORTED, "did you mean \\\"send\\\"", "misspelt operation");
  err = NULL;
  expect_error(vg_call(c, "chat", "{\"chat_id\":\"1\",\"pgae\":2}", &err), &err, VG_INVALID_MESSAGE, "\"field\":\"pgae\"", "misspelt argument");
  err = NULL;
  expect_error(vg_call(c, NULL, NULL, &err), &err, VG_INVALID_MESSAGE, "\"field\":\"operation\"", "NULL operation");
  err = NULL;
  expect_error(vg_call(NULL, "send", "{}", &err), &err, VG_INVALID_CONFIG, "\"field\":\"client\"", "NULL client");
  vg_client_free(c);
  vg_string_free(tables);
}

struct worker {
  vg_client *client;
  int accepted;
};

static void *send_many(void *arg) {
  struct worker *w = arg;
  for (int i = 0; i < 5; i++) {
    vg_error *err = NULL;
    char *r = vg_send(w->client, "{\"to\":[\"972512345678\"],\"text\":\"Hi\"}", &err);
    if (r && strstr(r, "\"message_id\"")) w->accepted++;
    vg_string_free(r);
    vg_error_free(err);
  }
  return NULL;
}

static void test_threads(vg_sandbox *sb) {
  vg_client *c = client_for(sb, "decisiontelecom");
  pthread_t threads[8];
  struct worker workers[8];
  for (int i = 0; i < 8; i++) {
    workers[i].client = c;
    workers[i].accepted = 0;
    pthread_create(&threads[i], NULL, send_many, &workers[i]);
  }
  int total = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(threads[i], NULL);
    total += workers[i].accepted;
  }
  CHECK(total == 40, "8 threads x 5 sends through one client: %d accepted", total);
  vg_client_free(c);
}

static void test_router(vg_sandbox *sb) {
  vg_error *err = NULL;
  char *good = vg_sandbox_dsn(sb, "decisiontelecom", &err);
  char *club = vg_sandbox_dsn(sb, "smsclub", &err);
  char chain[1024];
  /* A refused SMS Club token: everyone moves on to DecisionTelecom. */
  const char *at = strstr(club, "@");
  snprintf(chain, sizeof chain, "smsclub://bad-token%s || %s", at, good);
  vg_string_free(good);
  vg_string_free(club);
  vg_router *r = vg_router_new(chain, &err);
  CHECK(r != NULL, "router: %s", err ? vg_error_message(err) : "");
  char *report = vg_router_send(r, "{\"to\":[\"380989361121\"],\"text\":\"Hi\"}", &err);
  CHECK(report && strstr(report, "\"provider\":\"decisiontelecom\"") && strstr(report, "\"code\":\"auth\""), "routed: %s", report ? report : vg_error_message(err));
  /* The accepted entries go straight back in for statuses. */
  const char *accepted = report ? strstr(report, "\"accepted\":") : NULL;
  const char *end = accepted ? strstr(accepted, "],") : NULL;
  if (accepted && end) {
    char ids[512];
    snprintf(ids, sizeof ids, "%.*s]", (int)(end - accepted - 11), accepted + 11);
    err = NULL;
    expect_json(vg_router_status(r, ids, &err), "\"state\":\"delivered\"", &err, "router status");
  }
  vg_string_free(report);
  err = NULL;
  expect_error(vg_router_status(r, "[{\"provider\":\"inteltele\",\"message_id\":\"1\"}]", &err), &err, VG_INVALID_MESSAGE, "no inteltele", "router status of a stranger");
  vg_router_reset_cooldowns(r);
  vg_router_reset_cooldowns(NULL);
  err = NULL;
  expect_json(vg_router_send_personalized(r, "{\"items\":[{\"to\":\"380989361122\",\"text\":\"Hi\"}]}", &err), "\"attempts\"", &err, "router personalized");
  vg_router_free(r);
  vg_router_free(NULL);

  /* Every provider refuses: one error that explains each. */
  char *d1 = vg_sandbox_dsn(sb, "decisiontelecom", &err);
  at = strstr(d1, "@");
  snprintf(chain, sizeof chain, "decisiontelecom://bad-key%s || inteltele://u:bad-key%s", at, at);
  vg_string_free(d1);
  r = vg_router_new(chain, &err);
  err = NULL;
  expect_error(vg_router_send(r, "{\"to\":[\"380989361121\"],\"text\":\"Hi\"}", &err), &err, VG_AUTH, "\"attempts\":[{\"provider\":\"decisiontelecom\"", "total failure");
  vg_router_free(r);
  err = NULL;
  CHECK(vg_router_new("smsclub://t@default || nonsense", &err) == NULL && vg_error_code(err) == VG_INVALID_CONFIG, "bad chain");
  vg_error_free(err);
}

/* shared_state is configuration: C gets it like every binding. Port 1 refuses at once, so with
 * shared_state_fallback=fail a send is VG_TRANSPORT on shared_state, before any request. */
static void test_shared_state(vg_sandbox *sb) {
  vg_error *err = NULL;
  char *dsn = vg_sandbox_dsn(sb, "smsclub", &err);
  char config[1024];
  snprintf(config, sizeof config, "%s&shared_state=redis://127.0.0.1:1/0&shared_state_fallback=fail", dsn ? dsn : "");
  vg_string_free(dsn);
  vg_client *c = vg_client_new(config, &err);
  CHECK(c != NULL, "client with shared_state: %s", err ? vg_error_message(err) : "");
  expect_error(vg_send(c, "{\"to\":[\"380989361121\"],\"text\":\"Hi\"}", &err), &err, VG_TRANSPORT,
               "\"field\":\"shared_state\"", "send with an unreachable shared_state");
  vg_client_free(c);
  err = NULL;
  CHECK(vg_client_new("smsclub://T@default?shared_state=http://127.0.0.1:6379", &err) == NULL &&
            vg_error_code(err) == VG_INVALID_CONFIG,
        "a shared_state that is not a Redis URL");
  vg_error_free(err);
}

int main(void) {
  test_basics();
  test_forged_tokens();
  vg_error *err = NULL;
  vg_sandbox *sb = vg_sandbox_start("{\"smsclub_rate_limit\":0}", &err);
  CHECK(sb != NULL, "sandbox: %s", err ? vg_error_message(err) : "");
  if (!sb) return 1;
  char *base = vg_sandbox_base_url(sb);
  CHECK(base && strncmp(base, "http://127.0.0.1:", 17) == 0, "base url %s", base);
  vg_string_free(base);
  err = NULL;
  CHECK(vg_sandbox_start("{\"port\":\"x\"}", &err) == NULL && vg_error_code(err) == VG_INVALID_CONFIG, "bad sandbox config");
  vg_error_free(err);

  /* A client from a JSON configuration. */
  char *url = vg_sandbox_base_url(sb);
  char config[256];
  snprintf(config, sizeof config, "{\"provider\":\"decisiontelecom\",\"api_key\":\"k\",\"base_url\":\"%s\",\"sender\":\"Shop\"}", url);
  vg_string_free(url);
  err = NULL;
  vg_client *j = vg_client_new(config, &err);
  CHECK(j != NULL, "JSON config: %s", err ? vg_error_message(err) : "");
  expect_json(vg_send(j, "{\"to\":[\"972512345678\"],\"text\":\"Hi\"}", &err), "\"accepted\":[{", &err, "send via JSON config");
  vg_client_free(j);

  test_smsclub(sb);
  test_smsby(sb);
  test_inteltele_and_webhooks(sb);
  test_threads(sb);
  test_router(sb);
  test_shared_state(sb);
  test_tables(sb);
  vg_sandbox_stop(sb);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
