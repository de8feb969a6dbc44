/* Sends one Viber message and prints the report.
 *
 *   ./send [DSN] [PHONE] [TEXT]
 *
 * The DSN defaults to $VIBERGATE_DSN; without one, the example starts the built-in sandbox
 * (the provider emulator) and sends through its SMS Club endpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vibergate.h"

/* Writes `s` as a JSON string (quotes and escapes) into `out`. */
static void json_string(char *out, size_t size, const char *s) {
  size_t n = 0;
  if (n < size) out[n++] = '"';
  for (; *s && n + 7 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
    } else {
      out[n++] = (char)c;
    }
  }
  if (n < size) out[n++] = '"';
  out[n < size ? n : size - 1] = '\0';
}

int main(int argc, char **argv) {
  const char *dsn = argc > 1 ? argv[1] : getenv("VIBERGATE_DSN");
  const char *phone = argc > 2 ? argv[2] : "380989361121";
  const char *text = argc > 3 ? argv[3] : "Hello from vibergate";
  vg_error *err = NULL;
  vg_sandbox *sandbox = NULL;
  char *sandbox_dsn = NULL;

  printf("libvibergate %s\n", vg_version());
  if (!dsn || !*dsn) {
    sandbox = vg_sandbox_start(NULL, &err);
    if (!sandbox) goto fail;
    sandbox_dsn = vg_sandbox_dsn(sandbox, "smsclub", &err);
    if (!sandbox_dsn) goto fail;
    dsn = sandbox_dsn;
    printf("no DSN given: using the sandbox\n");
  }

  vg_client *client = vg_client_new(dsn, &err); /* owned: vg_client_free */
  if (!client) goto fail;

  char phone_json[128], text_json[2048], message[2300];
  json_string(phone_json, sizeof phone_json, phone);
  json_string(text_json, sizeof text_json, text);
  snprintf(message, sizeof message, "{\"to\":[%s],\"text\":%s}", phone_json, text_json);

  char *report = vg_send(client, message, &err); /* owned: vg_string_free */
  vg_client_free(client);
  if (!report) goto fail;
  printf("%s\n", report);
  vg_string_free(report);
  vg_string_free(sandbox_dsn);
  vg_sandbox_stop(sandbox);
  return 0;

fail: {
  char *json = vg_error_json(err);
  fprintf(stderr, "error %d: %s\n%s\n", (int)vg_error_code(err), vg_error_message(err), json ? json : "");
  vg_string_free(json);
  vg_error_free(err);
  vg_string_free(sandbox_dsn);
  vg_sandbox_stop(sandbox);
  return 1;
}
}
