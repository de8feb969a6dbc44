/* C tests of libvibergate: every function, every error path, and 8 threads sharing one client,
 * against the sandbox. Built with -Wall -Wextra -Werror; run under valgrind and ASan. */
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
  expect_error(vg_parse_webhook("viber", "{}", &err), &err, VG_INVALID_MESSAGE, "provider", "webhook provider");
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
  vg_sandbox_stop(sb);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
