#!/usr/bin/env bash
# The C SDK as a user gets it: `make dist`'s tarball (here from the quick dev profile) extracted
# into a fresh prefix, then, on a PATH with no cargo, rustc or rustup, the README's C program is
# built with pkg-config, run against the tarball's own `vibergate sandbox` (a send, then a status
# of the message it sent), linked statically and run again. Also: the shared library carries its
# soname, the symlinks lead to it, bin/vibergate runs, and `cargo install --path cli` works.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/lib.sh
need_apt pkg-config pkgconf
need_apt readelf binutils
export DIST_DIR="$root/target/dist-test/c" PROFILE=dev
rm -rf "$DIST_DIR" && mkdir -p "$DIST_DIR"
bash scripts/dist/c.sh

fail() {
  echo "test-dist-c: $*" >&2
  exit 1
}

work=$(mktemp -d "$root/target/dist-test/c-work.XXXXXX")
trap 'kill "${sandbox_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# `cargo install --path cli` (item 5 of issue 15), into a root of its own; --locked so that it
# builds the versions of Cargo.lock, as the workspace does (and reuses target/debug's build).
cargo install --quiet --debug --locked --path cli --root "$work/cargo-root"
"$work/cargo-root/bin/vibergate" --version | grep -q '^vibergate ' || fail "cargo install --path cli gave no working vibergate"

# What a user without a Rust toolchain has (scripts/lib.sh).
PATH=$(path_without_rust)
export PATH
unset CARGO_TARGET_DIR LD_LIBRARY_PATH

# Extracted as a user would, into a directory of its own (the .pc finds the prefix from there).
tarball=$(ls "$DIST_DIR"/vibergate-*-x86_64-linux-gnu.tar.gz)
version=$(basename "$tarball" -x86_64-linux-gnu.tar.gz)
version=${version#vibergate-}
prefix="$work/prefix"
mkdir -p "$prefix"
tar -xzf "$tarball" -C "$prefix" --strip-components=1
for f in include/vibergate.h "lib/libvibergate.so.$version" lib/libvibergate.so lib/libvibergate.a \
  lib/pkgconfig/vibergate.pc bin/vibergate LICENSE-MIT LICENSE-APACHE README; do
  [ -e "$prefix/$f" ] || fail "the tarball has no $f"
done

# The soname, and the chain libvibergate.so -> <soname> -> libvibergate.so.<version>.
soname=$(readelf -d "$prefix/lib/libvibergate.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[ -n "$soname" ] || fail "libvibergate.so.$version has no soname"
case "$version" in
  0.*) want="libvibergate.so.0.$(echo "$version" | cut -d. -f2)" ;;
  *) want="libvibergate.so.${version%%.*}" ;;
esac
[ "$soname" = "$want" ] || fail "soname is $soname, expected $want"
[ "$(readlink "$prefix/lib/libvibergate.so")" = "$soname" ] || fail "lib/libvibergate.so does not point at $soname"
[ "$(readlink "$prefix/lib/$soname")" = "libvibergate.so.$version" ] || fail "lib/$soname does not point at libvibergate.so.$version"
echo "soname: $soname"

[ "$("$prefix/bin/vibergate" --version)" = "vibergate $version" ] || fail "bin/vibergate --version does not say $version"

pc() { PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config "$@" vibergate; }
[ "$(pc --modversion)" = "$version" ] || fail "pkg-config --modversion vibergate is not $version"
pc --static --libs | grep -q -- '-lpthread' || fail "pkg-config --static --libs lists no system libraries: $(pc --static --libs)"

# The tarball's sandbox; its first lines are the DSNs of the providers.
coproc SANDBOX { exec "$prefix/bin/vibergate" sandbox --port 0 --step-ms 0; }
sandbox_pid=$SANDBOX_PID
dsn=""
while read -r -t 30 line <&"${SANDBOX[0]}"; do
  case "$line" in
    smsclub\ *) dsn=${line#smsclub}; dsn=${dsn// /}; break ;;
  esac
done
[ -n "$dsn" ] || fail "the sandbox printed no smsclub DSN"

python3 scripts/readme_samples.py extract c-app "$work/app.c"
# The status half: the report of a send gives the ids; vg_status answers for them.
cat >"$work/status.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vibergate.h"

/* status.c DSN IDS_JSON: prints vg_status's JSON, or the error. */
int main(int argc, char **argv) {
  if (argc != 3) return 2;
  vg_error *err = NULL;
  vg_client *client = vg_client_new(argv[1], &err);
  char *reports = client ? vg_status(client, argv[2], &err) : NULL;
  int status = 0;
  if (reports) {
    puts(reports);
    vg_string_free(reports);
  } else {
    fprintf(stderr, "error %d: %s\n", (int)vg_error_code(err), vg_error_message(err));
    vg_error_free(err);
    status = 1;
  }
  vg_client_free(client);
  return status;
}
EOF

cd "$work"
cflags="-Wall -Wextra -Werror -std=c11"
# send_and_status NAME [ENV...]: runs ./NAME (the README's program) against the sandbox, then
# ./status-NAME on the message ids of its report, each under ENV.
send_and_status() {
  local app=$1 report ids statuses
  shift
  report=$(env "$@" VIBERGATE_DSN="$dsn" "./$app") || fail "$app failed"
  echo "$app: $report"
  ids=$(python3 -c 'import json, sys; print(json.dumps([a["message_id"] for a in json.loads(sys.argv[1])["accepted"]]))' "$report")
  [ "$ids" != "[]" ] || fail "$app: the sandbox accepted nothing"
  first_id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])[0])' "$ids")
  statuses=$(env "$@" "./status-$app" "$dsn" "$ids") || fail "status-$app failed"
  echo "status-$app: $statuses"
  python3 -c 'import json, sys; s = json.loads(sys.argv[1]); assert len(s) == len(json.loads(sys.argv[2])) and all(r["state"] for r in s), s' \
    "$statuses" "$ids" || fail "status-$app: not one delivery state per id"
}

# Dynamically: the line of the README, then run with the loader pointed at the prefix.
cc $cflags app.c $(pc --cflags --libs) -o app
cc $cflags status.c $(pc --cflags --libs) -o status-app
readelf -d app | grep -q "(NEEDED).*\[$soname\]" || fail "app does not need $soname"
send_and_status app LD_LIBRARY_PATH="$prefix/lib"

# Statically: the archive instead of the shared library (-l: takes the file name as it is, so
# the linker cannot prefer the .so beside it), with the system libraries of Libs.private.
static_libs=$(pc --static --libs | sed 's/-lvibergate\b/-l:libvibergate.a/')
cc $cflags app.c $(pc --cflags) $static_libs -o app-static
cc $cflags status.c $(pc --cflags) $static_libs -o status-app-static
if readelf -d app-static | grep -q 'NEEDED.*libvibergate'; then fail "app-static still needs libvibergate.so"; fi
send_and_status app-static

# The command line of the tarball speaks to the same sandbox.
cli_status=$("$prefix/bin/vibergate" status --dsn "$dsn" --json "$first_id") || fail "bin/vibergate status failed"
python3 -c 'import json, sys; [r] = json.loads(sys.argv[1]); assert r["message_id"] == sys.argv[2] and r["state"] == "delivered", r' \
  "$cli_status" "$first_id" || fail "bin/vibergate status: $cli_status"
echo "c: the SDK tarball installs without Rust; the README's program builds with pkg-config, shared and static, and runs"
